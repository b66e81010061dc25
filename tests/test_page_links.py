"""Chat replies that link to a page where a page is the better tool, and what opening the link does.

The account's public address is https://bot.example.org (PUBLIC_BASE_URL). A link in a
reply is the page's own address there: opened in WeChat without a page session, it
goes through WeChat's silent authorisation and lands on the page as the member who
opened it (tests/fake_wechat.py plays WeChat).
"""
from __future__ import annotations

import re
from urllib.parse import parse_qs, urlsplit

import pytest

from bot.config import load_config
from tests.job_board import post
from tests.member import Member
from tests.pages_data import WANG, add_member, li  # noqa: F401 (li is a fixture)

pytest_plugins = ["tests.fake_wechat", "tests.wechatpay_standin"]
BASE = "https://bot.example.org"
LINK = re.compile(r'<a href="([^"]+)">([^<]+)</a>')


@pytest.fixture
def config(env, fake_wechat):
    env["PUBLIC_BASE_URL"] = BASE
    return load_config(env)


def links(reply: str) -> dict[str, str]:
    """words -> address of every link in a reply."""
    return {words: url for url, words in LINK.findall(reply)}


def open_in_wechat(app, fake, url: str, openid: str):
    """What tapping the link in WeChat does: the page, WeChat's silent authorisation, the page again."""
    parts = urlsplit(url)
    assert f"{parts.scheme}://{parts.netloc}" == BASE
    browser = app.test_client()
    first = browser.get(parts.path, query_string=parts.query)
    assert first.status_code == 302
    asked = parse_qs(urlsplit(first.headers["Location"]).query)
    assert asked["scope"] == ["snsapi_base"] and asked["redirect_uri"][0].startswith(BASE + "/m/auth/callback")
    back = browser.get(urlsplit(asked["redirect_uri"][0]).path,
                       query_string={"code": fake.authorize(openid), "state": asked["state"][0]})
    assert back.status_code == 302
    landed = urlsplit(back.headers["Location"])
    assert (landed.path, landed.query) == (parts.path, parts.query)
    return browser.get(landed.path, query_string=landed.query)


def test_signing_up_offers_the_form_as_a_page(app, client, config, fake_wechat):
    reply = Member(client, config, "o_zhao").says("我想入会")
    assert "回复数字" in reply  # the chat form starts as before
    url = links(reply)["点此填写申请表"]
    assert url == f"{BASE}/m/apply"
    page = open_in_wechat(app, fake_wechat, url, "o_zhao")
    assert page.status_code == 200 and 'data-kind="individual"' in page.get_data(as_text=True)


def test_the_card_links_the_certificate_shown_to_whoever_opens_it(app, client, config, fake_wechat, db, li):
    add_member(db, WANG)
    reply = Member(client, config, "o_li").says("我的会员卡")
    url = links(reply)["点此查看电子会员证"]
    assert "李明" in open_in_wechat(app, fake_wechat, url, "o_li").get_data(as_text=True)
    forwarded = open_in_wechat(app, fake_wechat, url, "o_wang").get_data(as_text=True)  # a forwarded link
    assert "王秀英" in forwarded and "李明" not in forwarded


def test_the_dues_reply_links_paying_online_when_wechat_pay_is_set_up(pay_standin, app, client, config,
                                                                       fake_wechat, db):
    add_member(db, WANG)  # lapsed: a year is due
    reply = Member(client, config, "o_wang").says("我的会费交到哪年了")
    url = links(reply)["点此在线缴纳会费"]
    page = open_in_wechat(app, fake_wechat, url, "o_wang").get_data(as_text=True)
    assert 'id="pay-now"' in page


def test_no_pay_link_without_wechat_pay(client, config, db):
    add_member(db, WANG)
    reply = Member(client, config, "o_wang").says("我的会费交到哪年了")
    assert "会费缴至" in reply and "在线缴纳" not in reply


def test_news_links_the_archive_of_what_was_asked(app, client, config, fake_wechat, db, li):
    from storage.news import save_item

    save_item(db, {"item_no": "t1", "kind": "newsletter", "title": "青年人才托举工程启动", "topics": ["talent"],
                   "audience": None, "summary": "s", "link": None, "body": "正文", "publish_at": None, "source": None})
    reply = Member(client, config, "o_li").says("人才资讯")
    url = links(reply)["点此查看全部会讯"]
    assert url == f"{BASE}/m/news?show=talent"
    assert "青年人才托举工程启动" in open_in_wechat(app, fake_wechat, url, "o_li").get_data(as_text=True)


def test_a_job_question_links_the_same_search_with_filters(app, client, config, fake_wechat, db):
    post(db, "化工工程师", employer="洛阳石化", city="洛阳", discipline="化学工程")
    post(db, "算法工程师", employer="郑州示范研究院", city="郑州")
    reply = Member(client, config, "o_seeker").says("洛阳有化工的工作吗")
    assert "化工工程师" in reply
    url = links(reply)["点此按城市、学科、学历、薪资筛选职位"]
    assert parse_qs(urlsplit(url).query)["city"] == ["洛阳"]
    page = open_in_wechat(app, fake_wechat, url, "o_seeker").get_data(as_text=True)
    assert ">化工工程师</a>" in page and ">算法工程师</a>" not in page


def test_production_without_a_public_address_links_nothing(config):
    """A path alone opens nothing inside WeChat: without PUBLIC_BASE_URL a production reply has no link."""
    from dataclasses import replace

    from bot.messages import Reply
    from bot.page_links import with_page_link

    production = replace(config, dev_mode=False)
    assert with_page_link(Reply(text="会员卡"), production, "certificate", "/m/certificate").text.endswith(
        f'<a href="{BASE}/m/certificate">点此查看电子会员证</a>（可保存图片，扫码可验证）')
    assert with_page_link(Reply(text="会员卡"), replace(production, public_base_url=None), "certificate",
                          "/m/certificate").text == "会员卡"
