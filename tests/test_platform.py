"""Many societies' accounts on one deployment through the third-party platform (issue 19).

Real Redis, real SQLite files (the registry and one per society), the fake WeChat API playing
WeChat's component endpoints; WeChat's side of each request is built as WeChat builds it
(signed, encrypted with the platform's token and key).
"""
from __future__ import annotations

import html
import json
import os
import re
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import pytest
from wechatpy.crypto import WeChatCrypto

from bot.config import PROJECT_ROOT, load_config
from bot.platform.accounts import message_config
from bot.simulator import build_message_xml, envelope, open_reply, sign
from storage import societies
from storage.accounts import serving_account
from storage.members import find_member_by_openid, insert_member

pytest_plugins = ["tests.fake_wechat"]

PLATFORM = "wx99990000aaaabbbb"
CHEM, AGRI = "wx11112222333344aa", "wx5555666677778888"
NAMES = {CHEM: "河南省化学会", AGRI: "河南省农学会"}


@pytest.fixture
def config(env, fake_wechat):
    env.update(WECHAT_COMPONENT_APP_ID=PLATFORM, WECHAT_COMPONENT_APP_SECRET="componentsecret",
               WECHAT_COMPONENT_TOKEN="platformtoken",
               WECHAT_COMPONENT_AES_KEY="Pl4tf0rmKeyPl4tf0rmKeyPl4tf0rmKeyPl4tf0rmKe")
    fake_wechat.enable_component(PLATFORM, "componentsecret")
    for appid, name in NAMES.items():
        fake_wechat.add_account(appid, name)
    return load_config(env)


@pytest.fixture
def registry(config):
    db = societies.open_registry(societies.registry_path(config.data_dir))
    yield db
    db.close()


# --- WeChat's side ---------------------------------------------------------------------------

def post_component_event(client, config, fields: dict, token: str | None = None):
    """What WeChat posts to the authorisation event URL: encrypted, signed with the platform's token."""
    xml = "<xml>" + "".join(f"<{k}><![CDATA[{v}]]></{k}>" for k, v in fields.items()) + "</xml>"
    token = token or config.component_token
    timestamp, nonce = str(int(time.time())), "20261206"
    crypto = WeChatCrypto(token, config.component_aes_key, config.component_app_id)
    sealed = crypto.encrypt_message(xml, nonce, timestamp)
    encrypted = sealed.split("<Encrypt><![CDATA[")[1].split("]]>")[0]
    msg_signature = sealed.split("<MsgSignature><![CDATA[")[1].split("]]>")[0]
    query = {"signature": sign(token, timestamp, nonce), "timestamp": timestamp, "nonce": nonce,
             "encrypt_type": "aes", "msg_signature": msg_signature}
    body = f"<xml><AppId><![CDATA[{config.component_app_id}]]></AppId><Encrypt><![CDATA[{encrypted}]]></Encrypt></xml>"
    return client.post("/platform/events", query_string=query, data=body, content_type="text/xml")


def push_ticket(client, config, fake_wechat):
    ticket = fake_wechat.issue_ticket()
    response = post_component_event(client, config, {"AppId": PLATFORM, "CreateTime": int(time.time()),
                                                     "InfoType": "component_verify_ticket",
                                                     "ComponentVerifyTicket": ticket})
    assert response.status_code == 200 and response.data == b"success"
    return ticket


def wechat_link(page: str) -> str:
    """The button's link to WeChat's authorisation page, on the platform's page."""
    return html.unescape(re.search(r'id="authorize" href="([^"]+)"', page).group(1))


def authorise(client, config, fake_wechat, appid: str):
    """The society's administrator opens the platform's page, follows its button to WeChat, agrees,
    and comes back."""
    page = client.get(f"/platform/authorize/{appid}")
    assert page.status_code == 200, page.data.decode()
    assert NAMES.get(appid, "") in page.data.decode()
    query = parse_qs(urlparse(wechat_link(page.data.decode())).query)
    assert query["component_appid"] == [PLATFORM]
    code = fake_wechat.administrator_authorizes(appid, query["pre_auth_code"][0])
    back = urlparse(query["redirect_uri"][0])
    return client.get(back.path, query_string={"auth_code": code, "expires_in": 3600})


def say(client, config, appid: str, openid: str, text: str) -> str:
    """A member of `appid` writes; WeChat posts it to /wechat/<appid>. Returns the reply text."""
    platform = message_config(config)
    query, body = envelope(platform, build_message_xml(openid, "text", Content=text), True)
    response = client.post(f"/wechat/{appid}", query_string=query, data=body, content_type="text/xml")
    assert response.status_code == 200, response.data.decode()
    return open_reply(platform, response.data.decode(), True)["content"]


@pytest.fixture
def two_societies(client, config, fake_wechat, registry):
    push_ticket(client, config, fake_wechat)
    for appid, name in NAMES.items():
        societies.register_society(registry, appid, name)
        done = authorise(client, config, fake_wechat, appid)
        assert done.status_code == 200 and name in done.data.decode()
    return registry


# --- authorisation -----------------------------------------------------------------------------

def test_a_ticket_at_the_event_url_lets_the_platform_fetch_its_token_once(client, config, fake_wechat,
                                                                          redis_client):
    assert client.get(f"/platform/authorize/{CHEM}").status_code == 404  # not registered
    registry = societies.open_registry(societies.registry_path(config.data_dir))
    societies.register_society(registry, CHEM, NAMES[CHEM])
    waiting = client.get(f"/platform/authorize/{CHEM}")
    assert waiting.status_code == 503 and "验证票据" in waiting.data.decode()  # no ticket yet
    assert fake_wechat.calls["component/api_component_token"] == 0

    push_ticket(client, config, fake_wechat)
    for _ in range(3):
        assert client.get(f"/platform/authorize/{CHEM}").status_code == 200
    assert fake_wechat.component_token_fetches == 1  # shared in Redis
    assert fake_wechat.calls["component/api_create_preauthcode"] == 3  # one per link: single use


def test_a_ticket_with_a_bad_signature_is_refused_and_not_kept(client, config, fake_wechat, redis_client):
    ticket = fake_wechat.issue_ticket()
    response = post_component_event(client, config, {"AppId": PLATFORM, "InfoType": "component_verify_ticket",
                                                     "ComponentVerifyTicket": ticket}, token="attackertoken")
    assert response.status_code == 403
    assert redis_client.keys("xh:wechat:verify_ticket:*") == []


def test_the_administrator_authorises_and_the_registry_keeps_the_refresh_token(two_societies, fake_wechat):
    chem = societies.find_society_by_appid(two_societies, CHEM)
    assert chem["status"] == societies.AUTHORIZED
    assert chem["authorizer_refresh_token"] == fake_wechat._accounts[CHEM]["refresh_token"]
    assert chem["user_name"].startswith("gh_") and chem["name"] == NAMES[CHEM]


def test_an_authorisation_code_used_twice_is_refused_politely(client, config, fake_wechat, registry):
    push_ticket(client, config, fake_wechat)
    societies.register_society(registry, CHEM, NAMES[CHEM])
    link = client.get(f"/platform/authorize/{CHEM}")
    code = fake_wechat.administrator_authorizes(CHEM, parse_qs(urlparse(wechat_link(link.data.decode())).query)
                                                ["pre_auth_code"][0])
    assert client.get(f"/platform/authorized/{CHEM}", query_string={"auth_code": code}).status_code == 200
    again = client.get(f"/platform/authorized/{CHEM}", query_string={"auth_code": code})
    assert again.status_code == 400 and "授权没有完成" in again.data.decode()
    assert client.get(f"/platform/authorized/{CHEM}").status_code == 400


def test_an_administrator_who_picks_another_account_than_the_links_is_told(client, config, fake_wechat,
                                                                           registry):
    push_ticket(client, config, fake_wechat)
    societies.register_society(registry, CHEM, NAMES[CHEM])
    link = client.get(f"/platform/authorize/{CHEM}")
    code = fake_wechat.administrator_authorizes(AGRI, parse_qs(urlparse(wechat_link(link.data.decode())).query)
                                                ["pre_auth_code"][0])
    answer = client.get(f"/platform/authorized/{CHEM}", query_string={"auth_code": code})
    assert answer.status_code == 400 and "选择本学会的公众号" in answer.data.decode()
    assert societies.find_society_by_appid(registry, AGRI) is None
    assert societies.find_society_by_appid(registry, CHEM)["status"] == societies.PENDING


# --- messages ----------------------------------------------------------------------------------

def test_two_societies_members_chat_at_once_and_each_sees_only_their_own(two_societies, client, config,
                                                                        redis_client):
    chem = societies.open_society_database(two_societies, CHEM)
    insert_member(chem, {"member_no": "HX2026001", "openid": "o_same_string", "name": "王芳",
                         "category": "regular"}, actor="test")
    agri = societies.open_society_database(two_societies, AGRI)
    insert_member(agri, {"member_no": "NX2026007", "openid": "o_agri_li", "name": "李强",
                         "category": "regular"}, actor="test")

    def chat(appid: str, openid: str) -> list[str]:
        return [say(client, config, appid, openid, "我的资料") for _ in range(4)]

    with ThreadPoolExecutor(4) as pool:
        chem_wang = pool.submit(chat, CHEM, "o_same_string")
        agri_same = pool.submit(chat, AGRI, "o_same_string")  # the same openid text in the other account
        agri_li = pool.submit(chat, AGRI, "o_agri_li")
        replies = chem_wang.result(), agri_same.result(), agri_li.result()
    assert all("HX2026001" in r and "王芳" in r for r in replies[0])
    # not a member of the 农学会: asked to bind, then in that society's own binding flow
    assert "绑定" in replies[1][0] and not any("王芳" in r or "HX2026001" in r for r in replies[1])
    assert all("NX2026007" in r and "李强" in r for r in replies[2])
    assert find_member_by_openid(agri, "o_same_string") is None
    # each society's conversation state lives in its own namespace
    assert redis_client.keys(f"xh:{CHEM}:dedupe:*") and redis_client.keys(f"xh:{AGRI}:dedupe:*")
    assert not redis_client.keys("xh:dedupe:*")


def test_on_one_host_a_societys_message_and_page_read_and_write_nothing_for_moves(two_societies, client, config,
                                                                                redis_client):
    """Societies move only between the hosts of a sharded deployment (BOT_SHARD): on one host a message
    pays no Redis read for a move's hold, and a member page no busy marker (both are per request)."""
    def calls(command: str) -> int:
        return redis_client.info("commandstats").get(f"cmdstat_{command}", {}).get("calls", 0)

    say(client, config, CHEM, "o_first", "你好")
    before = calls("exists")
    for n in range(3):
        say(client, config, CHEM, f"o_member_{n}", "你好")
    assert calls("exists") == before
    before = calls("del")
    assert client.get(f"/m/{CHEM}/").status_code == 302  # to WeChat's sign-in, inside the society's scope
    assert calls("del") == before  # no busy marker set and taken away again


def test_a_flow_in_one_society_is_not_a_flow_in_the_other(two_societies, client, config):
    asked = say(client, config, CHEM, "o_student", "我想入会")
    in_the_flow = say(client, config, CHEM, "o_student", "张三")
    other = say(client, config, AGRI, "o_student", "张三")  # the same words in the other account
    assert in_the_flow != other
    # starts afresh there (its link to the form is the other society's page)
    assert say(client, config, AGRI, "o_student", "我想入会") == asked.replace(CHEM, AGRI)


@pytest.mark.parametrize("appid,status", [("wx0000000000000000", 404), ("not-an-appid", 404),
                                          ("..%2F..%2Fetc", 404)])
def test_a_message_for_an_account_not_served_is_refused_and_changes_nothing(two_societies, client, config,
                                                                            redis_client, appid, status):
    before_keys = set(redis_client.keys("*"))
    before_files = sorted(Path(config.data_dir).rglob("*"))
    query, body = envelope(message_config(config), build_message_xml("o_x", "text", Content="你好"), True)
    response = client.post(f"/wechat/{appid}", query_string=query, data=body, content_type="text/xml")
    assert response.status_code == status
    assert set(redis_client.keys("*")) == before_keys
    assert sorted(Path(config.data_dir).rglob("*")) == before_files


def test_a_revoked_account_is_gone_its_data_kept(two_societies, client, config, fake_wechat, redis_client):
    say(client, config, CHEM, "o_member", "你好")
    response = post_component_event(client, config, {"AppId": PLATFORM, "InfoType": "unauthorized",
                                                     "AuthorizerAppid": CHEM, "CreateTime": int(time.time())})
    assert response.status_code == 200
    assert societies.find_society_by_appid(two_societies, CHEM)["status"] == societies.REVOKED
    fake_wechat.revoke(CHEM)
    before_keys = set(redis_client.keys("*"))
    query, body = envelope(message_config(config), build_message_xml("o_member", "text", Content="你好"), True)
    refused = client.post(f"/wechat/{CHEM}", query_string=query, data=body, content_type="text/xml")
    assert refused.status_code == 410
    assert set(redis_client.keys("*")) == before_keys
    assert Path(societies.find_society_by_appid(two_societies, CHEM)["database_path"]).exists()
    assert say(client, config, AGRI, "o_member", "你好")  # the other society still answers


def test_a_message_signed_with_another_key_is_refused(two_societies, client, config):
    wrong = message_config(config)
    from dataclasses import replace
    wrong = replace(wrong, wechat_token="sometoken")
    query, body = envelope(wrong, build_message_xml("o_x", "text", Content="你好"), True)
    assert client.post(f"/wechat/{CHEM}", query_string=query, data=body,
                       content_type="text/xml").status_code == 403


# --- tokens ------------------------------------------------------------------------------------

def test_each_authoriser_token_is_refreshed_once_under_concurrency(two_societies, config, redis_client,
                                                                   fake_wechat):
    from bot.platform.accounts import make_client
    from storage.state import invalidate_access_token_if, load_access_token

    for appid in NAMES:  # drop the tokens the authorisation gave, so every thread wants a new one
        invalidate_access_token_if(redis_client, appid, load_access_token(redis_client, appid))
    senders = [(appid, f"o_{appid[-4:]}_{i}") for i in range(8) for appid in NAMES]
    for _, openid in senders:
        fake_wechat.record_user_message(openid)
    start = threading.Barrier(len(senders))

    def send(appid: str, openid: str) -> None:
        with serving_account(appid):
            client = make_client(load_config_for_worker(config), redis_client)
            start.wait()
            client.send_text(openid, "您好")

    with ThreadPoolExecutor(16) as pool:
        for future in [pool.submit(send, appid, openid) for appid, openid in senders]:
            future.result()
    assert fake_wechat.authorizer_token_fetches == {CHEM: 1, AGRI: 1}
    assert sorted((m["account"], m["touser"]) for m in fake_wechat.sent) == sorted(senders)  # each as its own account


def load_config_for_worker(config):
    from bot.platform.accounts import account_config
    from storage.accounts import current_account

    return account_config(config, current_account())


# --- one pool of workers for every society -------------------------------------------------------

def run_burst_worker(env: dict) -> str:
    """`python -m bot worker --burst` with the test's environment; returns what it printed."""
    proc = subprocess.run([sys.executable, "-m", "bot", "worker", "--burst"], env=env, cwd=PROJECT_ROOT,
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return proc.stdout + proc.stderr


def test_a_large_societys_backlog_does_not_starve_a_small_ones_message(two_societies, env, config,
                                                                        redis_client, fake_wechat):
    """Thirty queued messages of the society whose queue the worker lists first, then one of the
    other: the worker takes the societies' queues in turn, so the small society's message goes
    out first or second, not thirty-first."""
    from bot.outbound import send_text_later
    from bot.workers import queues_to_serve
    from storage.accounts import account_of_queue

    large, small = [account_of_queue(name) for name in queues_to_serve(config)[:2]]
    backlog = [f"o_large_{i}" for i in range(30)]
    for openid in [*backlog, "o_small"]:
        fake_wechat.record_user_message(openid)
    with serving_account(large):
        for openid in backlog:
            send_text_later(redis_client, openid, "本期会讯：年会征文通知")
    with serving_account(small):
        send_text_later(redis_client, "o_small", "您的入会申请已通过")
    assert redis_client.llen(f"rq:queue:notices@{large}") == 30  # late replies: the notices lane
    assert redis_client.llen(f"rq:queue:notices@{small}") == 1

    run_burst_worker(env)
    order = [m["account"] for m in fake_wechat.sent]
    assert len(order) == 31 and order.count(large) == 30
    assert order.index(small) <= 1
    assert {m["touser"] for m in fake_wechat.sent if m["account"] == small} == {"o_small"}


# --- `PLATFORM_DEMO=1 make run`: the simulator with two societies --------------------------------

def test_the_simulator_shows_two_societies_each_answering_as_itself(env):
    from bot.app import create_app

    env["PLATFORM_DEMO"] = "1"
    app = create_app(load_config(env))
    browser = app.test_client()
    page = browser.get("/").data.decode()
    demo = {"wx0000000000demo01": "河南省化学会（演示）", "wx0000000000demo02": "河南省农学会（演示）"}
    assert all(f"?account={appid}" in page for appid in demo)
    for appid, name in demo.items():
        assert name in browser.get(f"/?account={appid}").data.decode()
        sealed = browser.post("/simulator/envelope", json={
            "openid": "o_demo", "msg_type": "text", "fields": {"Content": "帮助"}, "account": appid}).get_json()
        assert sealed["query"]["encrypt_type"] == "aes"  # the platform's messages are always encrypted
        answer = browser.post(f"/wechat/{appid}", query_string=sealed["query"], data=sealed["body"],
                              content_type="text/xml")
        reply = browser.post("/simulator/open", json={"body": answer.data.decode(), "account": appid}).get_json()
        assert name in reply["content"] and "示范科技学会" not in reply["content"]
    assert browser.get("/?account=wx0000000000000000").status_code == 404
    assert browser.post("/simulator/envelope", json={"openid": "o", "msg_type": "text", "fields": {},
                                                     "account": "wx0000000000000000"}).status_code == 404


# --- the secretariat's commands for one society --------------------------------------------------

def test_the_secretariats_commands_work_on_the_named_societys_store(two_societies, env):
    from click.testing import CliRunner

    from bot.cli import main

    chem = societies.open_society_database(two_societies, CHEM)
    insert_member(chem, {"member_no": "HX2026001", "openid": "o_wang", "name": "王芳", "category": "regular"},
                  actor="test")

    def members_of(appid: str) -> str:
        result = CliRunner().invoke(main, ["--society", appid, "members", "list"], env=env, catch_exceptions=False)
        assert result.exit_code == 0, result.output
        return result.output

    assert "王芳" in members_of(CHEM)
    assert "王芳" not in members_of(AGRI)
    unknown = CliRunner().invoke(main, ["--society", "wx0000000000000000", "members", "list"], env=env)
    assert unknown.exit_code == 1 and "没有登记这个学会" in unknown.output


# --- WeChat's release test (全网发布) -------------------------------------------------------------

def test_the_release_test_accounts_fixed_messages_are_answered(client, config, fake_wechat, redis_client):
    from bot.platform.component import PlatformComponent
    from bot.platform.release_test import RELEASE_TEST_APPIDS

    test_account = sorted(RELEASE_TEST_APPIDS)[0]
    wire = message_config(config)
    push_ticket(client, config, fake_wechat)

    def send(text: str) -> dict:
        query, body = envelope(wire, build_message_xml("o_release_tester", "text", Content=text), True)
        response = client.post(f"/wechat/{test_account}", query_string=query, data=body, content_type="text/xml")
        assert response.status_code == 200
        return open_reply(wire, response.data.decode(), True)

    assert send("TESTCOMPONENT_MSG_TYPE_TEXT")["content"] == "TESTCOMPONENT_MSG_TYPE_TEXT_callback"
    fake_wechat.add_account(test_account, "全网发布测试号")
    code = fake_wechat.administrator_authorizes(
        test_account, PlatformComponent(config, redis_client).create_preauthcode()["pre_auth_code"])
    fake_wechat.record_user_message("o_release_tester")
    assert send(f"QUERY_AUTH_CODE:{code}")["type"] == "none"  # empty at once ...
    deadline = time.monotonic() + 10
    while not fake_wechat.sent and time.monotonic() < deadline:
        time.sleep(0.05)
    assert [(m["account"], m["touser"], m["text"]["content"]) for m in fake_wechat.sent] == [
        (test_account, "o_release_tester", f"{code}_from_api")]  # ... then through the API
    assert not societies.list_societies(societies.open_registry(societies.registry_path(config.data_dir)))


def test_a_running_worker_takes_up_a_society_authorised_after_it_started(two_societies, env, client, config,
                                                                          redis_client, fake_wechat):
    from bot.outbound import send_text_later

    third = "wx77778888999900aa"
    env["PLATFORM_WORKER_CHECK_SECONDS"] = "1"
    worker = subprocess.Popen([sys.executable, "-m", "bot", "worker"], env=env, cwd=PROJECT_ROOT,
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        fake_wechat.add_account(third, "河南省林学会")
        societies.register_society(two_societies, third, "河南省林学会")
        assert authorise(client, config, fake_wechat, third).status_code == 200
        fake_wechat.record_user_message("o_forest")
        with serving_account(third):
            send_text_later(redis_client, "o_forest", "欢迎加入林学会")
        deadline = time.monotonic() + 60
        while not fake_wechat.sent and time.monotonic() < deadline:
            time.sleep(0.2)
        assert [(m["account"], m["touser"]) for m in fake_wechat.sent] == [(third, "o_forest")]
    finally:
        worker.terminate()
        output, _ = worker.communicate(timeout=30)
    assert "Traceback" not in output, output[-3000:]


def test_serving_many_societies_keeps_few_stores_open(app, client, config, registry):
    """A province's worth of societies writing in turn: the web process keeps a bounded number of
    stores open for the next message (here four), not every one it ever served (three file
    descriptors each)."""
    app.extensions["platform"].idle_stores = 4
    many = [f"wx{index:016d}" for index in range(1, 21)]
    for appid in many:
        societies.record_authorization(registry, appid, "refresh@@@", name=f"学会{appid[-2:]}")
    say(client, config, many[0], "o_warm", "你好")
    opened = len(os.listdir("/proc/self/fd"))
    for appid in many:
        assert f"学会{appid[-2:]}" in say(client, config, appid, "o_member", "帮助")
    assert len(os.listdir("/proc/self/fd")) - opened < len(many)  # 3 a store if all stayed open


# --- the secretariat's console, one society at a time ----------------------------------------------

def test_each_societys_staff_sign_in_to_their_own_society_and_see_only_it(two_societies, app, client, config):
    from bot.admin import accounts

    for appid, member, staff in ((CHEM, "王芳", "chem_staff"), (AGRI, "李强", "agri_staff")):
        store = societies.open_society_database(two_societies, appid)
        insert_member(store, {"member_no": f"M{appid[-4:]}", "openid": f"o_{appid}", "name": member,
                              "category": "regular"}, actor="test")
        accounts.create_user(store, config, staff, "Secret-pass-2026", "staff", None, actor="test")

    def token() -> str:
        page = client.get("/admin/login").get_data(as_text=True)
        assert NAMES[CHEM] in page and NAMES[AGRI] in page  # the form offers the platform's societies
        return re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)

    def sign_in(appid: str, username: str):
        return client.post("/admin/login", data={"society": appid, "username": username,
                                                 "password": "Secret-pass-2026", "csrf_token": token()})

    assert sign_in(AGRI, "chem_staff").status_code == 401  # 化学会's account is not the 农学会's
    assert sign_in(CHEM, "chem_staff").status_code == 302
    members = client.get("/admin/members/").get_data(as_text=True)
    assert "王芳" in members and "李强" not in members
    client.post("/admin/logout", data={"csrf_token": re.search(
        r'name="csrf_token" value="([^"]+)"', client.get("/admin/", follow_redirects=True).get_data(as_text=True)).group(1)})
    assert sign_in(AGRI, "agri_staff").status_code == 302
    members = client.get("/admin/members/").get_data(as_text=True)
    assert "李强" in members and "王芳" not in members


def test_a_societys_backup_is_its_own_file_and_holds_only_its_members(two_societies, env):
    import sqlite3

    from click.testing import CliRunner

    from bot.cli import main

    for appid, name in ((CHEM, "王芳"), (AGRI, "李强")):
        insert_member(societies.open_society_database(two_societies, appid),
                      {"member_no": f"M{appid[-4:]}", "openid": f"o_{appid}", "name": name, "category": "regular"},
                      actor="test")
    result = CliRunner().invoke(main, ["--society", CHEM, "db", "backup", "--json"], env=env, catch_exceptions=False)
    assert result.exit_code == 0, result.output
    backup = Path(json.loads(result.stdout)["backup"])
    assert backup.parent == Path(societies.find_society_by_appid(two_societies, CHEM)["database_path"]).parent / "backups"
    names = {row[0] for row in sqlite3.connect(backup).execute("select name from members")}
    assert names == {"王芳"}


def test_the_province_registers_a_society_gets_its_link_and_stops_serving_it(client, config, env, fake_wechat,
                                                                               registry):
    from click.testing import CliRunner

    from bot.cli import main

    def run(*args):
        return CliRunner().invoke(main, ["societies", *args], env=env)

    registered = run("register", CHEM, "河南省化学会")
    assert registered.exit_code == 0 and f"/platform/authorize/{CHEM}" in registered.output
    assert "不是公众号的 AppID" in run("register", "wx123", "某学会").output
    listed = json.loads(run("list", "--json").stdout)
    assert [(s["appid"], s["status"]) for s in listed] == [(CHEM, societies.PENDING)]

    push_ticket(client, config, fake_wechat)
    assert authorise(client, config, fake_wechat, CHEM).status_code == 200
    assert "已授权" in run("list").output
    assert "已停止为" in run("revoke", CHEM).output
    query, body = envelope(message_config(config), build_message_xml("o_x", "text", Content="你好"), True)
    assert client.post(f"/wechat/{CHEM}", query_string=query, data=body, content_type="text/xml").status_code == 410
