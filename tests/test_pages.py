"""Member pages inside WeChat: web authorisation, the page session, and 会员中心.

WeChat's side is tests/fake_wechat.py: `fake.authorize(openid)` is the code WeChat
hands the member's browser, and its sns/oauth2/access_token takes each code once,
for five minutes. Every page is also opened with another member's ids.
"""
from __future__ import annotations

import re
from datetime import date, timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
import requests

from bot.config import load_config
from handlers.events.registration import register
from storage.events import save_events
from storage.members import find_member_by_no, history_of
from tests.pages_data import li  # noqa: F401 (a fixture)
from tests.pages_data import WANG, add_application, add_member, add_ticket_with_reply, sign_in

pytest_plugins = ["tests.fake_wechat"]


@pytest.fixture
def config(env, fake_wechat):
    return load_config(env)


def _authorisation(client, path="/m/"):
    response = client.get(path)
    asked = parse_qs(urlsplit(response.headers["Location"]).query)
    return urlsplit(asked["redirect_uri"][0]).path, asked["state"][0]


def _add_event(db, title: str) -> dict:
    start = date.today() + timedelta(days=20)
    numbers, _ = save_events(db, [({"title": title, "type": "学术会议", "starts_on": start.isoformat(),
                                    "ends_on": start.isoformat(), "place": "郑州"}, "test")], [], actor="test")
    return db["events"].rows_where("event_no = ?", [numbers[0]]).__next__()


# --- authorisation ---------------------------------------------------------------------

def test_a_page_asks_wechat_silently_and_shows_the_members_own_card(client, fake_wechat, li):
    response = client.get("/m/")
    assert response.status_code == 302
    location = urlsplit(response.headers["Location"])
    assert (location.scheme, location.netloc, location.path) == ("https", "open.weixin.qq.com",
                                                                 "/connect/oauth2/authorize")
    assert response.headers["Location"].endswith("#wechat_redirect")
    sign_in(client, fake_wechat, "o_li")
    page = client.get("/m/").get_data(as_text=True)
    assert "李明" in page and "HNKX202400012" in page and "普通会员" in page
    assert "139****6688" in page and "13912346688" not in page
    assert fake_wechat.calls["sns/oauth2/access_token"] == 1


def test_the_state_must_come_back_to_the_browser_that_was_sent(app, fake_wechat, li):
    mine, theirs = app.test_client(), app.test_client()
    callback, state = _authorisation(mine)
    _authorisation(theirs)
    forged = theirs.get(callback, query_string={"code": fake_wechat.authorize("o_li"), "state": state})
    assert forged.status_code == 400 and "重新打开" in forged.get_data(as_text=True)
    assert theirs.get("/m/").status_code == 302  # still nobody
    no_cookie = app.test_client().get(callback, query_string={"code": fake_wechat.authorize("o_li"),
                                                              "state": state})
    assert no_cookie.status_code == 400
    assert fake_wechat.calls["sns/oauth2/access_token"] == 0  # refused before asking WeChat


def test_a_state_is_spent_by_its_callback(client, fake_wechat, li):
    callback, state = _authorisation(client)
    assert client.get(callback, query_string={"code": fake_wechat.authorize("o_li"), "state": state}).status_code == 302
    again = client.get(callback, query_string={"code": fake_wechat.authorize("o_wang"), "state": state})
    assert again.status_code == 400
    assert "李明" in client.get("/m/").get_data(as_text=True)  # the first session still stands


def test_a_code_is_good_once_and_for_five_minutes(app, fake_wechat, li):
    first, second = app.test_client(), app.test_client()
    code = fake_wechat.authorize("o_li")
    callback, state = _authorisation(first)
    assert first.get(callback, query_string={"code": code, "state": state}).status_code == 302
    callback, state = _authorisation(second)
    replayed = second.get(callback, query_string={"code": code, "state": state})
    assert replayed.status_code == 403 and "李明" not in replayed.get_data(as_text=True)

    late = app.test_client()
    code = fake_wechat.authorize("o_li")
    fake_wechat.advance(301)
    callback, state = _authorisation(late)
    assert late.get(callback, query_string={"code": code, "state": state}).status_code == 403
    assert late.get("/m/").status_code == 302


def test_wechat_unreachable_is_a_page_not_a_traceback(app, env, li, fake_wechat):
    fake_wechat.fail_next_http(1, 503, endpoint="sns/oauth2/access_token")
    client = app.test_client()
    callback, state = _authorisation(client)
    response = client.get(callback, query_string={"code": fake_wechat.authorize("o_li"), "state": state})
    assert response.status_code == 403
    assert "Traceback" not in response.get_data(as_text=True)


def test_the_session_expires(client, fake_wechat, li, monkeypatch):
    sign_in(client, fake_wechat, "o_li")
    assert client.get("/m/").status_code == 200
    import bot.pages.auth as auth

    later = auth.time.time() + 121 * 60
    monkeypatch.setattr(auth.time, "time", lambda: later)
    assert client.get("/m/").status_code == 302  # asks WeChat again


def test_the_session_cookie_is_for_the_pages_only(client, fake_wechat, li):
    client.get("/m/")
    cookie = client.get_cookie("xh_member", path="/m")
    assert cookie is not None and cookie.http_only and cookie.same_site == "Lax"


# --- 会员中心 ----------------------------------------------------------------------------

def test_the_centre_shows_application_registrations_and_ticket_replies(client, fake_wechat, db, li):
    add_application(db, "o_li", "李明")
    event = _add_event(db, "2026 年人工智能学术年会")
    register(db, event["id"], "o_li", {"name": "李明", "member_id": li["id"]}, date.today().isoformat())
    add_ticket_with_reply(db, "o_li", "希望增加线上讲座", "已收到，下月安排。")
    sign_in(client, fake_wechat, "o_li")
    page = client.get("/m/").get_data(as_text=True)
    assert re.search(r"SQ\d{4}\d{5}", page) and "审核中" in page
    assert "2026 年人工智能学术年会" in page and "已报名" in page and "签到码" in page
    assert "希望增加线上讲座" in page and "已收到，下月安排。" in page


def test_not_yet_a_member_is_told_how_to_bind_or_apply(client, fake_wechat):
    sign_in(client, fake_wechat, "o_newcomer")
    page = client.get("/m/").get_data(as_text=True)
    assert "绑定" in page and "入会" in page


def test_contact_details_are_checked_like_the_chat_and_saved_with_history(client, fake_wechat, db, li):
    sign_in(client, fake_wechat, "o_li")
    form = client.get("/m/contact").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', form).group(1)
    bad = client.post("/m/contact", data={"csrf_token": token, "mobile": "1391234", "email": "li@", "work_unit": "郑"})
    text = bad.get_data(as_text=True)
    assert bad.status_code == 400
    assert "手机号格式不对" in text and "邮箱格式不对" in text and "2 到 60 个字" in text
    assert find_member_by_no(db, "HNKX202400012")["mobile"] == "13912346688"  # nothing saved

    good = client.post("/m/contact", data={"csrf_token": token, "mobile": "139 8765 4321",
                                           "email": "LiMing@Example.org", "work_unit": "河南示范研究院"})
    assert good.status_code == 302
    member = find_member_by_no(db, "HNKX202400012")
    assert (member["mobile"], member["email"], member["work_unit"]) == ("13987654321", "liming@example.org",
                                                                        "河南示范研究院")
    assert history_of(db, "member", member["id"])[-1]["actor"] == "openid:o_li"
    assert "139****4321" in client.get("/m/?saved=1").get_data(as_text=True)


def test_a_form_without_the_sessions_token_changes_nothing(client, fake_wechat, db, li):
    sign_in(client, fake_wechat, "o_li")
    response = client.post("/m/contact", data={"mobile": "13987654321"})
    assert response.status_code == 400
    assert find_member_by_no(db, "HNKX202400012")["mobile"] == "13912346688"


# --- nobody else's record -------------------------------------------------------------

def _others_ids(db, wang: dict) -> dict:
    """Every id a page URL could take, pointing at Wang's records."""
    ticket = add_ticket_with_reply(db, "o_wang", "王秀英的私人留言", "王秀英收到的回复")
    # The verification page is public by design (a genuine code shows its member): here, Wang's
    # number under a signature not made with the society's key.
    ids = {"ticket_id": ticket["id"], "code": f"{wang['member_no']}.{'A' * 16}",
           "year": 2026, "suffix": "docx"}  # the province's public guide: a year and a file kind
    # A newsletter item meant only for Wang's unit, and a job posting already closed: neither opens.
    from storage.members import insert_unit
    from storage.news import save_item
    from tests.job_board import day, post

    unit = insert_unit(db, {"unit_no": "HNKXDW202600009", "name": "中原示范研究院", "credit_code": "C9"}, actor="test")
    db["members"].update(wang["id"], {"unit_id": unit["id"]})
    item, _ = save_item(db, {"item_no": "wang-unit", "kind": "newsletter", "title": "致中原示范研究院会员",
                             "topics": ["policy"], "audience": {"unit": ["HNKXDW202600009"]}, "summary": "王秀英",
                             "link": None, "body": "中原示范研究院", "publish_at": None, "source": None})
    ids.update(item_no=item["item_no"], job_id=post(db, "中原示范研究院岗位", employer="中原示范研究院",
                                                     expires_on=day(-1))["id"])
    # That item's picture is public by design (WeChat fetches a card's picture without signing in): a picture,
    # no text of anyone's record.
    from storage.news import keep_picture

    keep_picture(db, "0123456789abcdef.png", "image/png", b"\x89PNG\r\n\x1a\n")
    db["newsletters"].update(item["id"], {"picture": "0123456789abcdef.png"})
    ids["name"] = "0123456789abcdef.png"
    try:
        from tests.pages_data import others_order_ids
    except ImportError:
        return ids
    return {**ids, **others_order_ids(db, wang)}


def test_no_page_shows_another_members_record(app, client, fake_wechat, db, li):
    wang = add_member(db, WANG)
    add_application(db, "o_wang", "王秀英")
    event = _add_event(db, "材料科学年会")  # Wang registered for it: its page is anyone's, her registration not
    register(db, event["id"], "o_wang", {"name": "王秀英", "member_id": wang["id"], "mobile": "13700001234"},
             date.today().isoformat())
    ids = dict(_others_ids(db, wang), event_no=event["event_no"])
    sign_in(client, fake_wechat, "o_li")
    leaks = ("王秀英", "HNKX202500077", "13700001234", "wxy@example.org", "中原示范研究院")
    opened = 0
    for rule in app.url_map.iter_rules():
        if not rule.endpoint.startswith("pages.") or "GET" not in rule.methods or rule.endpoint == "pages.static":
            continue
        missing = set(rule.arguments) - set(ids)
        assert not missing, f"{rule}: give the test another member's {missing}"
        path = rule.build({name: ids[name] for name in rule.arguments}, append_unknown=False)[1]
        for query in ({}, {"openid": "o_wang", "member_no": "HNKX202500077", "id": wang["id"]}):
            response = client.get(path, query_string=query)
            body = response.get_data(as_text=True) if response.mimetype.startswith("text") else ""
            assert not any(leak in body for leak in leaks), (path, query)
            opened += 1
    assert opened >= 4


# --- development: the simulator's stand-in authorisation ---------------------------------

@pytest.fixture
def standin_url(env, redis_url, tmp_path):
    """The app served over HTTP with the stand-in authorisation on, as `make run` does."""
    import threading

    from werkzeug.serving import make_server

    from bot.app import create_app

    app = create_app(load_config({**env, "PAGES_DEV_LOGIN": "1"}))
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}", app
    server.shutdown()
    thread.join(timeout=10)


def test_the_simulator_opens_the_pages_as_its_current_member(standin_url, db, li):
    url, _ = standin_url
    browser = requests.Session()
    page = browser.get(f"{url}/m/dev/open", params={"openid": "o_li", "next": "/m/"}, timeout=10)
    assert page.status_code == 200 and "李明" in page.text
    assert urlsplit(page.url).path == "/m/"
    elsewhere = browser.get(f"{url}/m/dev/open", params={"openid": "o_li", "next": "//evil.example.org/"},
                            timeout=10)
    assert urlsplit(elsewhere.url).path == "/m/"  # only our own pages, never another site
    add_member(db, WANG)
    switched = browser.get(f"{url}/m/dev/open", params={"openid": "o_wang", "next": "/m/"}, timeout=10)
    assert "王秀英" in switched.text and "李明" not in switched.text


def test_the_stand_in_takes_each_code_once(standin_url, li):
    url, app = standin_url
    browser = requests.Session()
    browser.get(f"{url}/m/dev/open", params={"openid": "o_li", "next": "/m/"}, timeout=10,
                allow_redirects=False)
    start = browser.get(f"{url}/m/", allow_redirects=False, timeout=10)
    to_wechat = browser.get(start.headers["Location"], allow_redirects=False, timeout=10)
    code = parse_qs(urlsplit(to_wechat.headers["Location"]).query)["code"][0]
    config = app.extensions["services"].config
    exchange = f"{url}/m/dev/sns/oauth2/access_token"
    params = {"appid": config.app_id, "secret": config.app_secret, "code": code, "grant_type": "authorization_code"}
    assert requests.get(exchange, params=params, timeout=10).json()["openid"] == "o_li"
    assert requests.get(exchange, params=params, timeout=10).json()["errcode"] == 40029
    assert requests.get(exchange, params=dict(params, secret="x"), timeout=10).json()["errcode"] == 40125


def test_without_the_stand_in_its_pages_do_not_exist(client):
    assert client.get("/m/dev/open", query_string={"openid": "o_li"}).status_code == 404


def test_an_applicant_waiting_for_approval_is_not_invited_to_apply_again(client, fake_wechat, db):
    """Right after 提交申请 the centre said 还不是会员，可在这里在线申请入会 under 申请已提交."""
    application = add_application(db, "o_newcomer", "吴小明")
    sign_in(client, fake_wechat, "o_newcomer")
    text = client.get(f"/m/?applied={application['app_no']}").get_data(as_text=True)
    assert "正在审核" in text and "在这里在线申请入会" not in text and "/m/apply" not in text
    client.delete_cookie("xh_member", path="/m")
    sign_in(client, fake_wechat, "o_stranger")
    assert "在这里在线申请入会" in client.get("/m/").get_data(as_text=True)
