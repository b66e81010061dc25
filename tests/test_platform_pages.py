"""Member pages of each society on the platform (/m/<appid>/...): the society's own store, the
platform's web authorisation on the society's behalf, sessions that never cross societies.

WeChat's side is tests/fake_wechat.py: `fake.authorize(openid, appid)` is the code WeChat hands
the member's browser after the platform's authorisation for that account, and its
sns/oauth2/component/access_token takes it once, for that account only, with the component token.
"""
from __future__ import annotations

import re
from urllib.parse import parse_qs, urlsplit

import pytest

from bot.golive import menu as menus
from handlers.members.certificates import code_for
from storage import societies
from storage.sqlite import transaction
from storage.members import insert_member
from tests.pages_data import qr_in_image_is
from tests.test_platform import AGRI, CHEM, PLATFORM, config, registry, say, two_societies  # noqa: F401

pytest_plugins = ["tests.fake_wechat"]

ZHANG = {"member_no": "HXH202400001", "name": "张化学", "category": "regular", "openid": "o_chem_zhang",
         "mobile": "13911112222", "email": "zhang@example.org", "work_unit": "郑州化工研究院",
         "paid_through": "2030-12-31", "joined_at": "2024-03-01"}
LIU = {"member_no": "NXH202400007", "name": "刘农学", "category": "senior", "openid": "o_agri_liu",
       "mobile": "13833334444", "email": "liu@example.org", "work_unit": "河南农业示范大学",
       "paid_through": "2030-12-31", "joined_at": "2024-05-01"}


@pytest.fixture
def members(two_societies):
    """One member in each society's own store (each bound to the openid of that society's account)."""
    for appid, member in ((CHEM, ZHANG), (AGRI, LIU)):
        db = societies.open_society_database(two_societies, appid)
        with transaction(db):
            insert_member(db, dict(member), actor="test")
        db.close()
    return two_societies


def sign_in(client, fake, appid: str, openid: str, path: str = "") -> str:
    """Open a society's page without a session; WeChat's silent authorisation (asked by the platform
    for the society) comes back as `openid`. Returns the page's HTML."""
    page = f"/m/{appid}/{path}"
    response = client.get(page)
    assert response.status_code == 302, response.get_data(as_text=True)
    asked = urlsplit(response.headers["Location"])
    query = parse_qs(asked.query)
    assert (asked.netloc, asked.path) == ("open.weixin.qq.com", "/connect/oauth2/authorize")
    assert query["appid"] == [appid] and query["component_appid"] == [PLATFORM]
    assert query["scope"] == ["snsapi_base"]
    callback = urlsplit(query["redirect_uri"][0])
    assert callback.path == f"/m/{appid}/auth/callback"
    back = client.get(callback.path, query_string={"code": fake.authorize(openid, appid),
                                                   "state": query["state"][0]})
    assert back.status_code == 302, back.get_data(as_text=True)
    assert urlsplit(back.headers["Location"]).path == page
    shown = client.get(page)
    assert shown.status_code == 200
    return shown.get_data(as_text=True)


def test_each_societys_member_sees_only_their_own_societys_record(app, config, fake_wechat, members):
    chem_member, agri_member = app.test_client(), app.test_client()
    chem_page = sign_in(chem_member, fake_wechat, CHEM, ZHANG["openid"])
    agri_page = sign_in(agri_member, fake_wechat, AGRI, LIU["openid"])
    assert "张化学" in chem_page and "HXH202400001" in chem_page and "139****2222" in chem_page
    assert "刘农学" not in chem_page and "13911112222" not in chem_page
    assert "刘农学" in agri_page and "NXH202400007" in agri_page and "张化学" not in agri_page
    assert "河南省化学会" in chem_page and "河南省农学会" in agri_page  # each page names its own society
    assert fake_wechat.calls["sns/oauth2/component/access_token"] == 2
    assert fake_wechat.calls["sns/oauth2/access_token"] == 0  # never the single account's authorisation
    # the certificate (a page that reads the member record) too; its QR code is checked at the society's
    certificate = chem_member.get(f"/m/{CHEM}/certificate").get_data(as_text=True)
    assert "HXH202400001" in certificate
    verify = f"/m/{CHEM}/verify/{code_for(config.certificate_key, ZHANG['member_no'])}"
    assert qr_in_image_is(chem_member.get(f"/m/{CHEM}/certificate.png").data, "http://localhost" + verify)
    assert "张化学" in app.test_client().get(verify).get_data(as_text=True)  # anyone may check it
    assert app.test_client().get(verify.replace(CHEM, AGRI)).status_code == 404  # not agriculture's
    style = re.search(rf'href="(/m/{CHEM}/static/[^"]+\.css)"', chem_page)
    assert style and chem_member.get(style.group(1)).status_code == 200  # its own static files too
    # links on a society's page stay on its pages
    assert re.search(rf'href="/m/{CHEM}/', chem_page) and not re.search(r'href="/m/(?!wx)', chem_page)


def test_a_session_of_one_society_opens_nothing_of_another(app, fake_wechat, members):
    member = app.test_client()
    sign_in(member, fake_wechat, CHEM, ZHANG["openid"])
    # the same browser at the other society's page: that society asks WeChat again, shows nothing yet
    other = member.get(f"/m/{AGRI}/")
    assert other.status_code == 302 and "component_appid" in other.headers["Location"]
    assert parse_qs(urlsplit(other.headers["Location"]).query)["appid"] == [AGRI]
    # a chemistry session's cookie presented as agriculture's (forged): the session is not found there
    token = next(c.value for c in member._cookies.values() if c.key == f"xh_member_{CHEM}")
    forged = app.test_client()
    forged.set_cookie(f"xh_member_{AGRI}", token, path=f"/m/{AGRI}")
    response = forged.get(f"/m/{AGRI}/")
    assert response.status_code == 302 and "刘农学" not in response.get_data(as_text=True)
    # the single account's pages do not take it either
    forged.set_cookie("xh_member", token, path="/m")
    assert forged.get("/m/").status_code == 302


def test_a_code_wechat_gave_for_one_society_is_refused_at_another(app, fake_wechat, members):
    member = app.test_client()
    asked = parse_qs(urlsplit(member.get(f"/m/{AGRI}/").headers["Location"]).query)
    code_of_chem = fake_wechat.authorize(ZHANG["openid"], CHEM)
    response = member.get(f"/m/{AGRI}/auth/callback", query_string={"code": code_of_chem,
                                                                    "state": asked["state"][0]})
    assert response.status_code == 403 and "微信未能确认您的身份" in response.get_data(as_text=True)
    assert member.get(f"/m/{AGRI}/").status_code == 302  # still signed out
    # a callback at chemistry for a state agriculture's page started: 400, nothing spent at WeChat
    member.get(f"/m/{AGRI}/")
    response = member.get(f"/m/{CHEM}/auth/callback", query_string={"code": code_of_chem, "state": "x"})
    assert response.status_code == 400


def test_an_appid_the_platform_does_not_serve_is_a_clear_4xx(app, client, fake_wechat, members, config):
    societies.register_society(members, "wx0000111122223333", "未授权的学会")
    assert client.get("/m/wx0000111122223333/").status_code == 403  # registered, not authorised
    assert client.get("/m/wx9999888877776666/").status_code == 404  # unknown
    assert client.get("/m/wx9999888877776666/auth/callback?code=a&state=b").status_code == 404
    societies.revoke_authorization(members, AGRI)
    gone = client.get(f"/m/{AGRI}/certificate")
    assert gone.status_code == 410 and "停止服务" in gone.get_data(as_text=True)
    assert client.get("/m/wx123/").status_code == 404  # not an AppID at all


def test_reply_links_on_the_platform_open_the_societys_own_pages(app, client, config, fake_wechat, members):
    reply = say(client, config, CHEM, ZHANG["openid"], "电子会员证")
    link = re.search(r'href="([^"]+)"', reply)
    assert link and urlsplit(link.group(1)).path == f"/m/{CHEM}/certificate", reply
    member = app.test_client()
    page = sign_in(member, fake_wechat, CHEM, ZHANG["openid"], "certificate")
    assert "HXH202400001" in page


def test_a_societys_menu_opens_its_own_pages():
    menu = {"button": [{"type": "view", "name": "会员中心", "url": "/m/"},
                       {"type": "view", "name": "学会网站", "url": "https://www.example.org/m/"}]}
    built = menus.build(menu, "https://platform.example.org", CHEM)
    assert [b["url"] for b in built["button"]] == [f"https://platform.example.org/m/{CHEM}/",
                                                  "https://www.example.org/m/"]
    assert menus.build(menu, "https://bot.example.org")["button"][0]["url"] == "https://bot.example.org/m/"


def test_wechat_pay_notifications_of_a_society_come_back_to_its_pages(config):
    """Orders made for a society (its pages, its console, `--society X pay`) are notified at its own
    /m/<appid>/pay/notify, which reads its store."""
    from dataclasses import replace

    from bot.page_links import page_url

    society = replace(config, account=CHEM, app_id=CHEM, public_base_url="https://platform.example.org")
    assert page_url(society, "/m/pay/notify") == f"https://platform.example.org/m/{CHEM}/pay/notify"
    assert page_url(replace(society, account=None), "/m/pay/notify") == "https://platform.example.org/m/pay/notify"


def test_the_demo_opens_each_societys_pages_as_the_simulators_member(env, redis_url):
    """`PLATFORM_DEMO=1 make run`: a society's menu and links open its pages as the simulator's member,
    through the stand-in of the platform's authorisation (a code good for its society only, once)."""
    import threading

    import requests
    from werkzeug.serving import make_server

    from bot.app import create_app
    from bot.config import load_config

    app = create_app(load_config({**env, "PLATFORM_DEMO": "1", "PAGES_DEV_LOGIN": "1", "WECHAT_TOKEN": ""}))
    demo_chem, demo_agri = [s["appid"] for s in societies.list_societies(
        app.extensions["platform"].registry, societies.AUTHORIZED)]
    db = societies.open_society_database(app.extensions["platform"].registry, demo_chem)
    with transaction(db):
        insert_member(db, dict(ZHANG), actor="test")
    db.close()
    server = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_port}"
    try:
        browser = requests.Session()
        mine = browser.get(f"{url}/m/{demo_chem}/dev/open", params={"openid": ZHANG["openid"], "next": "/m/"},
                           timeout=10)
        assert urlsplit(mine.url).path == f"/m/{demo_chem}/"  # the menu's /m/ is the society's own
        assert "张化学" in mine.text and "HXH202400001" in mine.text
        other = browser.get(f"{url}/m/{demo_agri}/dev/open", params={"openid": ZHANG["openid"], "next": "/m/"},
                            timeout=10)
        assert other.status_code == 200 and "张化学" not in other.text  # not a member there
        # the stand-in's code is its society's, once
        browser.get(f"{url}/m/{demo_chem}/dev/open", params={"openid": ZHANG["openid"]}, allow_redirects=False,
                    timeout=10)
        start = browser.get(f"{url}/m/{demo_chem}/", allow_redirects=False, timeout=10)
        code = parse_qs(urlsplit(browser.get(start.headers["Location"], allow_redirects=False,
                                             timeout=10).headers["Location"]).query)["code"][0]
        exchange = f"{url}/m/dev/sns/oauth2/component/access_token"
        params = {"appid": demo_agri, "component_appid": app.extensions["platform"].config.component_app_id,
                  "component_access_token": "x", "code": code, "grant_type": "authorization_code"}
        assert requests.get(exchange, params=params, timeout=10).json()["errcode"] == 40029  # not agri's
        params["appid"] = demo_chem
        assert requests.get(exchange, params=params, timeout=10).json()["openid"] == ZHANG["openid"]
        assert requests.get(exchange, params=params, timeout=10).json()["errcode"] == 40029  # spent
    finally:
        server.shutdown()
