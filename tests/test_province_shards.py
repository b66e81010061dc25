"""The province's work past one machine: two hosts, each keeping its own societies (its registry and
their SQLite files), one Redis shared. The province works from host A; everything it does covers
host B's society too, answered by host B's worker (bot/platform/shards.py), and a host that does
not answer is said, never shown as a province without its societies."""
from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner
from openpyxl import load_workbook

from bot.app import create_app
from bot.cli import main
from bot.config import PROJECT_ROOT, load_config
from bot.platform.shards import known_hosts
from storage import societies, state
from storage.database import open_database
from tests.province_data import run_province, run_province_json
from tests.test_admin import csrf
from tests.test_platform import AGRI, CHEM, NAMES, PLATFORM
from tests.test_province_sending import members_of, populate_society

pytest_plugins = ["tests.fake_wechat"]

COMPONENT = {"WECHAT_COMPONENT_APP_ID": PLATFORM, "WECHAT_COMPONENT_APP_SECRET": "componentsecret",
             "WECHAT_COMPONENT_TOKEN": "platformtoken",
             "WECHAT_COMPONENT_AES_KEY": "Pl4tf0rmKeyPl4tf0rmKeyPl4tf0rmKeyPl4tf0rmKe"}
HOSTS = {"host_a": CHEM, "host_b": AGRI}  # the province assigned the chemists to A, the agronomists to B
PASSWORD = "Sheng-kexie-2026"


class Host:
    def __init__(self, env: dict, name: str, tmp_path: Path):
        self.name = name
        self.env = dict(env, BOT_DATA_DIR=str(tmp_path / name), BOT_SHARD=name, **COMPONENT)
        self.logs = tmp_path / f"{name}-worker.log"
        self.worker: subprocess.Popen | None = None

    def start_worker(self) -> None:
        with self.logs.open("a") as log:
            self.worker = subprocess.Popen([sys.executable, "-m", "bot", "worker"], env=self.env, cwd=PROJECT_ROOT,
                                           stdout=log, stderr=subprocess.STDOUT)

    def stop_worker(self) -> None:
        if self.worker is not None:
            self.worker.terminate()
            try:
                self.worker.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.worker.kill()
            self.worker = None


def _society_on(host: Host, appid: str, token: str, plan_file: Path) -> None:
    """Registered and authorised on its host, with its members and its year plan there."""
    registry = societies.open_registry(societies.registry_path(host.env["BOT_DATA_DIR"]))
    societies.record_authorization(registry, appid, token, name=NAMES[appid])
    populate_society(host.env, registry, appid, plan_file)
    registry.close()


@pytest.fixture
def hosts(env, fake_wechat, redis_client, tmp_path):
    fake_wechat.enable_component(PLATFORM, "componentsecret")
    tokens = fake_wechat.authorize_accounts(NAMES)
    state.store_verify_ticket(redis_client, PLATFORM, fake_wechat.issue_ticket())  # as if posted to either host
    env = dict(env, OPENBLAS_NUM_THREADS="1", PLATFORM_WORKER_CHECK_SECONDS="1", SHARD_ANSWER_SECONDS="60")
    pair = {name: Host(env, name, tmp_path) for name in HOSTS}
    for name, appid in HOSTS.items():
        _society_on(pair[name], appid, tokens[appid], tmp_path / f"{appid}.xlsx")
    try:
        for host in pair.values():
            host.start_worker()
        deadline = time.monotonic() + 120
        while set(known_hosts(redis_client)) != set(HOSTS):  # each worker says its host is there
            assert time.monotonic() < deadline, [h.logs.read_text()[-2000:] for h in pair.values()]
            time.sleep(0.2)
        yield pair
    finally:
        for host in pair.values():
            host.stop_worker()


def test_the_province_on_one_host_works_with_every_hosts_societies(hosts, fake_wechat, tmp_path):
    province = hosts["host_a"].env  # the province's staff work from host A

    # the agronomists (kept on host B) are filed from host A: host B reads their plan from their store
    assert run_province_json(province, "file", AGRI, "--year", "2026") == {"filed": 1, "refiled": 0, "unchanged": 0}
    run_province(province, "file", CHEM, "--year", "2026")
    filed = run_province_json(province, "filings")
    assert sorted((row["appid"], row["title"]) for row in filed) == [
        (CHEM, "2026年化学学术年会"), (CHEM, "化学实验安全培训"), (AGRI, "小麦高产技术观摩会")]
    assert not (Path(province["BOT_DATA_DIR"]) / "societies" / AGRI).exists()  # nothing of B's copied to A

    # a number is its host's: past one machine a review names the society too
    wheat = next(row for row in filed if row["appid"] == AGRI)
    assert f"{wheat['id']}  2026-05-25  {NAMES[AGRI]}（{AGRI}）  小麦高产技术观摩会" in run_province(province, "filings").output
    refused = run_province(province, "approve", wheat["id"], ok=False).output
    assert "--society" in refused
    for row in filed:
        run_province(province, "approve", row["id"], "--society", row["appid"])
    assert {row["status"] for row in run_province_json(province, "filings")} == {"approved"}

    # the guide holds both hosts' activities, with the discipline set from host A for B's society
    run_province(province, "society", AGRI, "--discipline", "农学", "--previews")
    out = tmp_path / "guide.xlsx"
    run_province(province, "guide", "--year", "2026", "--out", out)
    cells = [str(c) for row in load_workbook(out).active.iter_rows(values_only=True) for c in row if c]
    assert "小麦高产技术观摩会" in cells and "2026年化学学术年会" in cells
    assert any("农学" in c for c in cells)

    # the evaluation reads every society's own store, where it is
    graded = run_province_json(province, "evaluate", "--year", "2026")
    assert {row["appid"]: row["indicators"]["members"]["shown"] for row in graded} == {CHEM: "3", AGRI: "3"}

    # previews: the agronomists opted in, so they hear of both hosts' May activities, queued on B
    queued = run_province_json(province, "preview", "--on", "2026-05-11")
    assert sorted((q["title"], q["appid"], q["recipients"]) for q in queued) == [
        ("2026年化学学术年会", AGRI, 3), ("小麦高产技术观摩会", AGRI, 3)]

    # a province-wide notice: each society's item in its own store, delivered by its own host's worker
    sent = run_province_json(province, "notice", "--topic", "policy", "--title", "省科协关于学会年检的通知")
    assert sorted((s["appid"], s["recipients"]) for s in sent["societies"]) == [(CHEM, 3), (AGRI, 3)]
    everyone = members_of(CHEM) + members_of(AGRI)
    deadline = time.monotonic() + 120
    while not all(fake_wechat.delivered_counts()[openid] >= 3 for openid in members_of(AGRI)) \
            or not all(fake_wechat.delivered_counts()[openid] >= 1 for openid in members_of(CHEM)):
        assert time.monotonic() < deadline, fake_wechat.delivered_counts()
        time.sleep(0.3)
    got = fake_wechat.delivered_counts()
    assert [got[o] for o in everyone] == [1, 1, 1, 3, 3, 3]  # the notice once each; B's also both previews
    b_store = Path(hosts["host_b"].env["BOT_DATA_DIR"]) / "societies" / AGRI / "bot.sqlite3"
    with open_database(b_store) as db:
        kinds = sorted(r["item_no"][:2] for r in db.query("select item_no from newsletters"))
    assert kinds == ["SK", "YG", "YG"]
    assert run_province_json(province, "notice-send", sent["notice_no"])["societies"] == []  # recorded where sent


def test_the_province_console_lists_and_reviews_every_hosts_filings(hosts):
    host_a = hosts["host_a"]
    for appid in HOSTS.values():
        run_province(host_a.env, "file", appid, "--year", "2026")
    made = CliRunner().invoke(main, ["province", "create-user", "sheng", "--password-stdin"], env=host_a.env,
                              input=f"{PASSWORD}\n")
    assert made.exit_code == 0, made.output
    client = create_app(load_config(host_a.env)).test_client()
    client.post("/admin/province/login", data={"username": "sheng", "password": PASSWORD,
                                               "csrf_token": csrf(client, "/admin/province/login")})
    societies_page = client.get("/admin/province/").get_data(as_text=True)
    assert NAMES[AGRI] in societies_page and NAMES[CHEM] in societies_page
    waiting = client.get("/admin/province/filings?year=2026").get_data(as_text=True)
    assert "小麦高产技术观摩会" in waiting and f"society={AGRI}" in waiting
    wheat = next(row for row in run_province_json(host_a.env, "filings") if row["appid"] == AGRI)
    approved = client.post(f"/admin/province/filings/{wheat['id']}/approve?society={AGRI}",
                           data={"csrf_token": csrf(client, "/admin/province/filings")})
    assert approved.status_code == 302
    assert "已通过：小麦高产技术观摩会" in client.get("/admin/province/filings").get_data(as_text=True)
    b_registry = societies.open_registry(societies.registry_path(hosts["host_b"].env["BOT_DATA_DIR"]))
    assert [r["status"] for r in b_registry.query("select status from province_filings")] == ["approved"]
    b_registry.close()
    public = client.get("/m/province/guide/2026").get_data(as_text=True)
    assert "小麦高产技术观摩会" in public

    # host B's worker stops: the province is told which host did not answer, not shown half a province
    hosts["host_b"].stop_worker()
    quick = dict(host_a.env, SHARD_ANSWER_SECONDS="2")
    silent = run_province(quick, "filings", ok=False).output
    assert "host_b" in silent and "没有应答" in silent
    slow = create_app(load_config(quick)).test_client()
    slow.post("/admin/province/login", data={"username": "sheng", "password": PASSWORD,
                                             "csrf_token": csrf(slow, "/admin/province/login")})
    page = slow.get("/admin/province/")
    assert page.status_code == 503 and "host_b" in page.get_data(as_text=True)
    assert slow.get("/m/province/guide/2026").status_code == 503


def test_a_registry_of_one_host_keeps_its_previews_when_they_learn_the_filings_society(tmp_path):
    """A registry written before previews named their filing's society: its rows are this host's own
    filings, so nothing is previewed twice after the change."""
    from storage import province
    from storage.database import now_iso
    from storage.migrations import apply_migrations

    path = societies.registry_path(tmp_path)
    old = open_database(path, apply_migrations=False)
    apply_migrations(old, now_iso(), societies.REGISTRY_MIGRATIONS[:2])
    province.file_event(old, CHEM, {"event_no": "E1", "title": "年会", "starts_on": "2026-05-20"}, "秘书处")
    filing = province.list_filings(old)[0]
    old["province_previews"].insert({"filing_id": filing["id"], "appid": AGRI, "item_no": "YG000001",
                                     "recipients": 3, "queued_at": now_iso()})
    old.close()
    registry = societies.open_registry(path)
    assert province.was_previewed(registry, filing, AGRI)
    assert not province.was_previewed(registry, dict(filing, appid=AGRI), AGRI)  # another host's filing 1
    registry.close()
