"""Moving a society from one host to another (`python -m bot societies move`): two hosts on this
machine (their workers as processes, each its own data directory), one Redis shared. The chemists
move from host A to host B with their members, their filings and their review history, a notice
still queued for them, and the proxy's map; no message is lost or answered twice on the way."""
from __future__ import annotations

import dataclasses
import sqlite3
import sys
import threading
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from bot.app import create_app
from bot.cli import main
from bot.config import load_config
from bot.platform.accounts import message_config
from bot.platform import moving
from bot.platform.holding import MOVING_PREFIX, command_running
from bot.simulator import build_message_xml, envelope, open_reply
from storage import societies
from storage.accounts import serving_account
from storage.database import open_database
from storage.members import find_member_by_openid, insert_member
from tests.cli import command
from tests.province_data import run_province, run_province_json
from tests.test_platform import AGRI, CHEM
from tests.test_province_sending import members_of
from tests.test_province_shards import hosts  # noqa: F401 (the two hosts' fixture)

pytest_plugins = ["tests.fake_wechat"]

run_societies, run_societies_json = command("societies")


def _post(client, config, appid: str, query: dict, body: str):
    return client.post(f"/wechat/{appid}", query_string=query, data=body, content_type="text/xml")


def _message(config, openid: str, text: str) -> tuple[dict, str]:
    """What WeChat posts for a member's text; posting the same again is WeChat's retry of it."""
    return envelope(message_config(config), build_message_xml(openid, "text", Content=text), True)


def _reply(config, response) -> str:
    assert response.status_code == 200, response.data.decode()
    return open_reply(message_config(config), response.data.decode(), True)["content"]


def _wait_for(condition, what, seconds: float = 90):
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, what()
        time.sleep(0.3)


def test_a_society_moves_to_another_host_with_its_data_its_records_and_its_queued_work(
        hosts, fake_wechat, redis_client, tmp_path, env, monkeypatch):  # noqa: F811
    host_a, host_b = hosts["host_a"], hosts["host_b"]
    host_a.env["MOVE_HOLD_SECONDS"] = "2"  # WeChat's 5 s, shortened
    host_b.env["MOVE_HOLD_SECONDS"] = "60"  # long enough for the whole move on a loaded machine
    config_a, config_b = load_config(host_a.env), load_config(host_b.env)
    web_a, web_b = create_app(config_a).test_client(), create_app(config_b).test_client()
    chemist = members_of(CHEM)[0]

    # Before: the province (on A) filed and approved both societies' plans, the agronomists (on B)
    # opted into previews and got the chemists' May meeting; a chemist asked for their record on A.
    run_province(host_a.env, "file", CHEM, "--year", "2026")
    run_province(host_a.env, "file", AGRI, "--year", "2026")
    for row in run_province_json(host_a.env, "filings"):
        run_province(host_a.env, "approve", row["id"], "--society", row["appid"])
    run_province(host_a.env, "society", CHEM, "--discipline", "化学")
    run_province(host_a.env, "society", AGRI, "--previews")
    assert len(run_province_json(host_a.env, "preview", "--on", "2026-05-11")) == 2
    _wait_for(lambda: all(fake_wechat.delivered_counts()[o] == 2 for o in members_of(AGRI)),
              lambda: fake_wechat.delivered_counts())
    asked = _message(config_a, chemist, "我的资料")
    answered_on_a = _reply(config_a, _post(web_a, config_a, CHEM, *asked))
    assert f"M{CHEM[-4:]}0" in answered_on_a

    # While a society is being moved its jobs wait: host A's worker leaves the chemists' notice in its
    # queue (the agronomists' copy goes out from B as usual), and a message for them waits too.
    redis_client.set(MOVING_PREFIX + CHEM, "test")
    sent = run_province_json(host_a.env, "notice", "--topic", "policy", "--title", "省科协关于学会年检的通知")
    assert sorted(s["appid"] for s in sent["societies"]) == sorted([AGRI, CHEM])
    _wait_for(lambda: all(fake_wechat.delivered_counts()[o] == 3 for o in members_of(AGRI)),
              lambda: fake_wechat.delivered_counts())
    time.sleep(3)  # A's worker has looked at its queues by now (PLATFORM_WORKER_CHECK_SECONDS=1)
    assert all(fake_wechat.delivered_counts()[o] == 0 for o in members_of(CHEM))
    held = _post(web_a, config_a, CHEM, *_message(config_a, members_of(CHEM)[1], "你好"))
    assert held.status_code == 503  # after waiting past WeChat's 5 s (here 2 s): WeChat tries again
    host_a.stop_worker()  # and the notice is still queued on the old host when the move starts
    redis_client.delete(MOVING_PREFIX + CHEM)

    # The move, with a proxy command that writes nginx's map again from both hosts' registries
    the_map = tmp_path / "xuehui-shards.map"
    remap = (f"{sys.executable} -m bot shards nginx-map host_a=127.0.0.1:8001={host_a.env['BOT_DATA_DIR']} "
             f"host_b=127.0.0.1:8002={host_b.env['BOT_DATA_DIR']} --output {the_map}")
    during: dict = {}

    def member_writes_during_the_move():  # reaches host B early (the proxy reloaded at once): it waits
        while not redis_client.exists(MOVING_PREFIX + CHEM):
            time.sleep(0.01)
        during["reply"] = _post(web_b, config_b, CHEM, *_message(config_b, members_of(CHEM)[2], "我的资料"))

    copied_first = moving._send_whole

    def a_member_joins_after_the_first_copy(r, appid, store, copy):  # before the hold: in the pages sent in it
        staged = copied_first(r, appid, store, copy)
        with open_database(store) as db:
            insert_member(db, {"member_no": "M-LATE", "openid": "o_joined_during_the_copy", "name": "新会员",
                               "category": "regular"}, actor="signup")
        return staged

    monkeypatch.setattr(moving, "_send_whole", a_member_joins_after_the_first_copy)
    writer = threading.Thread(target=member_writes_during_the_move)
    writer.start()
    moved = run_societies(host_a.env, "move", CHEM, "--to", "host_b", "--proxy-command", remap).output
    writer.join(timeout=60)
    assert "已把 河南省化学会" in moved and "从 host_a 搬到 host_b" in moved, moved
    assert "反向代理命令已运行（退出码 0）" in moved, moved
    assert f"M{CHEM[-4:]}2" in _reply(config_b, during["reply"])  # held, then answered by B from the moved store

    # The proxy's map sends the chemists to B; each host's registry holds them once
    assert f"{CHEM} xh_host_b;" in the_map.read_text()
    assert [s["appid"] for s in run_societies_json(host_a.env, "list")] == []
    assert [(s["appid"], s["status"]) for s in run_societies_json(host_b.env, "list")] == [
        (AGRI, "authorized"), (CHEM, "authorized")]
    assert not (Path(host_a.env["BOT_DATA_DIR"]) / "societies" / CHEM).exists()
    assert list((Path(host_a.env["BOT_DATA_DIR"]) / "societies").glob(f"moved-{CHEM}-*/bot.sqlite3"))

    # The notice queued before the move goes out from B, once to each chemist
    _wait_for(lambda: all(fake_wechat.delivered_counts()[o] == 1 for o in members_of(CHEM)),
              lambda: fake_wechat.delivered_counts())
    assert {m["account"] for m in fake_wechat.sent if m["touser"] in members_of(CHEM)} == {CHEM}
    with open_database(Path(host_b.env["BOT_DATA_DIR"]) / "societies" / CHEM / "bot.sqlite3") as db:
        assert find_member_by_openid(db, "o_joined_during_the_copy")["member_no"] == "M-LATE"
        _wait_for(lambda: {r["status"] for r in db.query("select status from deliveries")} == {"sent"},
                  lambda: list(db.query("select openid, status from deliveries")))

    # WeChat's retry of the message A answered before the move: B gives the same answer, handled once
    assert _reply(config_b, _post(web_b, config_b, CHEM, *asked)) == answered_on_a
    # a message the stale proxy still sends to A is never answered there (WeChat tries again)
    assert _post(web_a, config_a, CHEM, *_message(config_a, chemist, "你好")).status_code == 503

    # The province, still working from A, sees the chemists once, with their filings' history
    listed = run_province_json(host_a.env, "filings", "--status", "approved")
    assert sorted(row["appid"] for row in listed) == sorted([CHEM, CHEM, AGRI])
    with societies.open_registry(societies.registry_path(host_b.env["BOT_DATA_DIR"])) as registry_b:
        from storage.province import list_filings, reviews_of, society_settings
        chem_filings = list_filings(registry_b, appid=CHEM)
        assert [[r["action"] for r in h] for h in reviews_of(registry_b, [f["id"] for f in chem_filings]).values()] \
            == [["filed", "approved"], ["filed", "approved"]]
        assert society_settings(registry_b)[CHEM]["discipline"] == "化学"
    # previews already sent of the chemists' filings are known under their new numbers: none goes twice
    assert run_province_json(host_a.env, "preview", "--on", "2026-05-11") == []

    # Host A's worker, started again, takes nothing of the chemists': nobody got anything twice
    host_a.start_worker()
    time.sleep(3)
    counts = fake_wechat.delivered_counts()
    assert [counts[o] for o in members_of(CHEM)] == [1, 1, 1]
    assert [counts[o] for o in members_of(AGRI)] == [3, 3, 3]


def test_a_move_is_refused_with_the_reason_and_changes_nothing(hosts, redis_client):  # noqa: F811
    host_a = hosts["host_a"]
    out = run_societies(host_a.env, "move", AGRI, "--to", "host_b", ok=False).output
    assert "主机 host_a 上没有登记学会" in out  # the agronomists are kept on B
    out = run_societies(host_a.env, "move", CHEM, "--to", "host_c", ok=False).output
    assert "没有名为 host_c 的另一台主机" in out and "host_b" in out
    redis_client.set(MOVING_PREFIX + CHEM, "another move")
    out = run_societies(host_a.env, "move", CHEM, "--to", "host_b", ok=False).output
    assert "正在搬迁中" in out
    redis_client.delete(MOVING_PREFIX + CHEM)
    assert [s["appid"] for s in run_societies_json(host_a.env, "list")] == [CHEM]


def _impatient(monkeypatch, before_asking=lambda arguments: None, seconds: float = 5):
    """Host A waits `seconds` for host B to adopt the society (SHARD_ANSWER_SECONDS for that question)."""
    ask = moving.ask_host

    def asking(config, r, name, question, **arguments):
        if question is moving.receive_society:
            before_asking(arguments)
            config = dataclasses.replace(config, shard_answer_seconds=seconds)
        return ask(config, r, name, question, **arguments)
    monkeypatch.setattr(moving, "ask_host", asking)


def test_a_move_whose_answer_comes_late_ends_with_the_society_on_the_new_host_alone(
        hosts, redis_client, monkeypatch):  # noqa: F811
    host_a, host_b = hosts["host_a"], hosts["host_b"]
    _impatient(monkeypatch)
    data_b = Path(host_b.env["BOT_DATA_DIR"])

    def a_busy_disk_on_b():  # B's registry is locked when the copy arrives: B adopts it after A stopped waiting
        while not redis_client.exists(MOVING_PREFIX + CHEM):
            time.sleep(0.01)
        writer = sqlite3.connect(societies.registry_path(data_b), timeout=30)
        writer.execute("BEGIN IMMEDIATE")
        deadline = time.monotonic() + 90
        while not (data_b / "societies" / CHEM).exists() and time.monotonic() < deadline:
            time.sleep(0.05)
        time.sleep(7)  # past A's 5 s, within B's 10 s wait for the lock
        writer.rollback()
        writer.close()

    busy = threading.Thread(target=a_busy_disk_on_b)
    busy.start()
    moved = run_societies(host_a.env, "move", CHEM, "--to", "host_b").output
    busy.join(timeout=120)
    assert "已把 河南省化学会" in moved and "从 host_a 搬到 host_b" in moved, moved
    assert [s["appid"] for s in run_societies_json(host_a.env, "list")] == []
    assert [s["appid"] for s in run_societies_json(host_b.env, "list")] == [AGRI, CHEM]
    assert not redis_client.exists(MOVING_PREFIX + CHEM)


def test_a_copy_the_old_host_stopped_waiting_for_is_never_adopted(hosts, redis_client, monkeypatch):  # noqa: F811
    host_a, host_b = hosts["host_a"], hosts["host_b"]
    handed = {}

    def b_stops_answering(arguments):  # its worker is stopped as the copy is handed over
        handed.update(arguments)
        host_b.stop_worker()
    _impatient(monkeypatch, b_stops_answering, seconds=2)
    out = run_societies(host_a.env, "move", CHEM, "--to", "host_b", ok=False).output
    assert "主机 host_b 没有及时回答" in out and "学会照常在原主机服务" in out, out
    assert not redis_client.exists(MOVING_PREFIX + CHEM)  # served again at once

    # B's job, had a worker taken it just then, finds that A gave up: B puts nothing in place
    with pytest.raises(moving.MoveRefused) as refused:
        moving.receive_society(load_config(host_b.env), redis_client, **handed)
    assert refused.value.reason == "abandoned"
    assert [s["appid"] for s in run_societies_json(host_a.env, "list")] == [CHEM]
    assert [s["appid"] for s in run_societies_json(host_b.env, "list")] == [AGRI]
    assert not (Path(host_b.env["BOT_DATA_DIR"]) / "societies" / CHEM).exists()


def test_a_secretariat_command_waits_for_a_move_and_a_move_for_a_running_command(hosts, redis_client):  # noqa: F811
    host_a = hosts["host_a"]
    redis_client.set(MOVING_PREFIX + CHEM, "another move")
    refused = CliRunner().invoke(main, ["--society", CHEM, "members", "list"], env=host_a.env)
    assert refused.exit_code != 0
    assert f"学会 {CHEM} 正在搬到另一台主机，这条命令没有执行" in refused.output and "再运行一次" in refused.output
    redis_client.delete(MOVING_PREFIX + CHEM)
    listed = CliRunner().invoke(main, ["--society", CHEM, "members", "list"], env=host_a.env)
    assert listed.exit_code == 0 and f"M{CHEM[-4:]}0" in listed.output, listed.output

    # a command still running when the move would begin: the move waits for it (here 1 s) and does not go
    with serving_account(CHEM), command_running(redis_client, CHEM):
        out = run_societies(host_a.env, "move", CHEM, "--to", "host_b", "--drain-seconds", "1", ok=False).output
    assert "还有工作没做完（秘书处命令）" in out, out
    assert [s["appid"] for s in run_societies_json(host_a.env, "list")] == [CHEM]
    assert not redis_client.keys(f"*{CHEM}*command:*")


def test_a_move_left_undecided_holds_the_society_until_it_is_run_again(hosts, redis_client, monkeypatch):  # noqa: F811
    from bot.platform.shards import HostsUnavailable

    host_a, host_b = hosts["host_a"], hosts["host_b"]
    ask = moving.ask_host

    def word_lost(config, r, name, question, **arguments):  # B adopts the copy; A hears nothing of it
        if question is moving.receive_society:
            ask(config, r, name, question, **arguments)
            r.set(moving.OUTCOME_PREFIX + arguments["move_id"], '{"state": "adopting"}', px=300)
            raise HostsUnavailable([name])
        if question is moving.keeps_society:
            raise HostsUnavailable([name])
        return ask(config, r, name, question, **arguments)
    monkeypatch.setattr(moving, "ask_host", word_lost)
    out = run_societies(host_a.env, "move", CHEM, "--to", "host_b", ok=False).output
    assert "现在不知道学会在哪台主机上" in out and "再运行一次同样的 societies move 命令" in out, out
    assert redis_client.ttl(MOVING_PREFIX + CHEM) == -1  # held without end: neither host serves it meanwhile

    monkeypatch.setattr(moving, "ask_host", ask)  # host B answers again
    out = run_societies(host_a.env, "move", CHEM, "--to", "host_b").output
    assert "上一次搬迁时 host_b 已经接收了学会，这次确认后完成" in out, out
    assert [s["appid"] for s in run_societies_json(host_a.env, "list")] == []
    assert [s["appid"] for s in run_societies_json(host_b.env, "list")] == [AGRI, CHEM]
    assert not redis_client.exists(MOVING_PREFIX + CHEM)
