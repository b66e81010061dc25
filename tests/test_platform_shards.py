"""Past one machine (docs/platform.md): two shards on this machine, one Redis shared.

Each shard is what one host runs: a web server (gunicorn) and a delivery worker over its own data
directory, which holds the registry of the societies assigned to it and their SQLite files. The
reverse proxy in front sends /wechat/<appid>, /platform/authorize/<appid> and
/platform/authorized/<appid> to the shard of the AppID (here: `SHARD_OF`). WeChat's ticket may
land on either shard; the component token is shared through Redis, so both shards use one.
"""
from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import pytest
import requests
from rq.job import Job

from bot.config import PROJECT_ROOT, load_config
from bot.outbound import send_text_later
from bot.platform.accounts import message_config
from bot.simulator import build_message_xml, envelope, open_reply
from storage import societies
from storage.accounts import serving_account
from storage.members import insert_member
from tests.test_platform import AGRI, CHEM, NAMES, PLATFORM, post_component_event, wechat_link

pytest_plugins = ["tests.fake_wechat"]

COMPONENT = {"WECHAT_COMPONENT_APP_ID": PLATFORM, "WECHAT_COMPONENT_APP_SECRET": "componentsecret",
             "WECHAT_COMPONENT_TOKEN": "platformtoken",
             "WECHAT_COMPONENT_AES_KEY": "Pl4tf0rmKeyPl4tf0rmKeyPl4tf0rmKeyPl4tf0rmKe"}


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Shard:
    """One host: gunicorn and `python -m bot worker` over its own data directory."""

    def __init__(self, env: dict, name: str, tmp_path: Path):
        self.env = dict(env, BOT_DATA_DIR=str(tmp_path / name), **COMPONENT)
        self.config = load_config(self.env)
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.logs = tmp_path / f"{name}.log"
        self.processes: list[subprocess.Popen] = []

    def start_web(self) -> None:
        self._start([str(Path(sys.executable).with_name("gunicorn")), "-w", "1", "-k", "gthread", "--threads", "4",
                     "-b", f"127.0.0.1:{self.port}", "bot.wsgi:app"])
        deadline = time.monotonic() + 120
        while True:
            try:
                if requests.get(self.url + "/wechat", timeout=10).status_code == 403:  # unsigned: refused
                    return
            except (requests.ConnectionError, requests.Timeout):  # still loading
                pass
            assert time.monotonic() < deadline, self.logs.read_text()[-3000:]
            time.sleep(0.3)

    def start_worker(self) -> None:
        self._start([sys.executable, "-m", "bot", "worker"])

    def _start(self, command: list[str]) -> None:
        with self.logs.open("a") as log:
            self.processes.append(subprocess.Popen(command, env=self.env, cwd=PROJECT_ROOT, stdout=log,
                                                   stderr=subprocess.STDOUT))

    def stop(self) -> None:
        for proc in self.processes:
            proc.terminate()
        for proc in self.processes:
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()


@pytest.fixture
def shards(env, fake_wechat, tmp_path):
    fake_wechat.enable_component(PLATFORM, "componentsecret")
    for appid, name in NAMES.items():
        fake_wechat.add_account(appid, name)
    env = dict(env, OPENBLAS_NUM_THREADS="1", PLATFORM_WORKER_CHECK_SECONDS="1")
    pair = {CHEM: Shard(env, "host-a", tmp_path), AGRI: Shard(env, "host-b", tmp_path)}
    for appid, shard in pair.items():  # the province assigns each society to a host
        registry = societies.open_registry(societies.registry_path(shard.config.data_dir))
        societies.register_society(registry, appid, NAMES[appid])
        registry.close()
    try:
        for shard in pair.values():
            shard.start_web()
        yield pair
    finally:
        for shard in pair.values():
            shard.stop()


def authorise_through(shard: Shard, fake_wechat, appid: str) -> None:
    page = requests.get(f"{shard.url}/platform/authorize/{appid}", timeout=30)
    assert page.status_code == 200, page.text
    query = parse_qs(urlparse(wechat_link(page.text)).query)
    code = fake_wechat.administrator_authorizes(appid, query["pre_auth_code"][0])
    back = urlparse(query["redirect_uri"][0])
    assert back.path == f"/platform/authorized/{appid}"  # the proxy can shard the return by AppID
    done = requests.get(f"{shard.url}{back.path}", params={"auth_code": code}, timeout=30)
    assert done.status_code == 200 and NAMES[appid] in done.text


class _Poster:
    """requests in place of Flask's test client, for post_component_event."""

    def __init__(self, url: str):
        self.url = url

    def post(self, path, query_string, data, content_type):
        response = requests.post(self.url + path, params=query_string, data=data.encode(),
                                 headers={"Content-Type": content_type}, timeout=30)
        response.status_code, response.data = response.status_code, response.content
        return response


def test_two_shards_share_one_redis_each_serving_its_own_societies(shards, fake_wechat, redis_client):
    host_a, host_b = shards[CHEM], shards[AGRI]
    ticket = fake_wechat.issue_ticket()
    pushed = post_component_event(_Poster(host_b.url), host_b.config, {
        "AppId": PLATFORM, "InfoType": "component_verify_ticket", "ComponentVerifyTicket": ticket})
    assert pushed.status_code == 200  # landed on host B; host A uses it through Redis
    for appid, shard in shards.items():
        authorise_through(shard, fake_wechat, appid)
    assert fake_wechat.component_token_fetches == 1

    for appid, shard in shards.items():
        db = societies.open_society_database(
            societies.open_registry(societies.registry_path(shard.config.data_dir)), appid)
        insert_member(db, {"member_no": f"M-{appid[-4:]}", "openid": "o_member", "name": "成员",
                           "category": "regular"}, actor="test")
        db.close()

    wire = message_config(host_a.config)

    def say(url: str, appid: str, text: str) -> requests.Response:
        query, body = envelope(wire, build_message_xml("o_member", "text", Content=text), True)
        return requests.post(f"{url}/wechat/{appid}", params=query, data=body.encode(),
                             headers={"Content-Type": "text/xml"}, timeout=30)

    for appid, shard in shards.items():
        answer = say(shard.url, appid, "我的资料")
        assert answer.status_code == 200
        assert f"M-{appid[-4:]}" in open_reply(wire, answer.text, True)["content"]
    assert say(host_a.url, AGRI, "我的资料").status_code == 404  # a host answers only for its societies

    for shard in shards.values():
        shard.start_worker()
    openids = {appid: [f"o_{appid[-4:]}_{i}" for i in range(6)] for appid in shards}
    jobs = {}
    for appid, members in openids.items():
        with serving_account(appid):
            for openid in members:
                fake_wechat.record_user_message(openid)
                jobs[send_text_later(redis_client, openid, "您报名的年会明天开幕")] = appid
    deadline = time.monotonic() + 120
    while len(fake_wechat.sent) < 12 and time.monotonic() < deadline:
        time.sleep(0.2)
    assert sorted((m["account"], m["touser"]) for m in fake_wechat.sent) == sorted(
        (appid, openid) for appid, members in openids.items() for openid in members)
    workers = {appid: {Job.fetch(job_id, connection=redis_client).worker_name
                       for job_id, owner in jobs.items() if owner == appid} for appid in shards}
    assert all(len(names) == 1 for names in workers.values())
    assert workers[CHEM] != workers[AGRI]  # each society's work on its own shard's worker
    assert os.path.exists(host_a.config.data_dir / "societies" / CHEM / "bot.sqlite3")
    assert not os.path.exists(host_a.config.data_dir / "societies" / AGRI)

    # WeChat's withdrawal of the 化学会's authorisation lands on host B, which does not keep it:
    # host A's worker applies it, and host A refuses the 化学会's messages from then on.
    withdrawn = post_component_event(_Poster(host_b.url), host_b.config, {
        "AppId": PLATFORM, "InfoType": "unauthorized", "AuthorizerAppid": CHEM, "CreateTime": int(time.time())})
    assert withdrawn.status_code == 200
    deadline = time.monotonic() + 60
    while say(host_a.url, CHEM, "你好").status_code != 410:
        assert time.monotonic() < deadline, "host A still answers for a revoked society"
        time.sleep(0.5)
    assert say(host_b.url, AGRI, "你好").status_code == 200
