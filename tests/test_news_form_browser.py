"""Writing in the console's 撰写会讯 page as a secretary: a resolution (三议一公布) is published from
the page, not only from a file on the server; what is missing is said by the form's own field
names, never the file format's (topics, kind, [audience]), and what was typed stays."""
from __future__ import annotations

import re

from playwright.sync_api import expect

from tests.test_admin_browser import REFUSALS, config, sign_in, society  # noqa: F401 (fixtures)

pytest_plugins = ["tests.fake_wechat"]
FILE_WORDS = re.compile(r"topics|kind|audience|resolution|\[|=")


def _write(tab, live_url, title, kind="会讯", topic=None, category=None):
    tab.goto(f"{live_url}/admin/news/new")
    form = tab.locator("#compose")
    form.get_by_label(re.compile(kind + "（")).check()
    form.locator("input[name=title]").fill(title)
    form.locator("input[name=summary]").fill("经第八届理事会第三次会议表决通过。")
    form.locator("textarea[name=body]").fill("各位会员：\n\n理事会表决通过了2027年会费标准，现予公布。")
    if topic:
        form.get_by_label(topic).check()
    if category:
        form.get_by_label(category).check()
    form.locator("button[type=submit]").click()


def test_a_resolution_is_published_from_the_page_to_every_member(new_tab, live_url, society, db):
    tab = sign_in(new_tab, live_url, "staff1")
    _write(tab, live_url, "关于调整2027年会费标准的决议", kind="决议公告")
    expect(tab.locator(".flash-ok")).to_contain_text("已保存")
    expect(tab.locator("[data-reach]")).to_contain_text("决议公告发给全体")
    kinds = [row[0] for row in db.execute("select kind from newsletters")]
    assert kinds == ["resolution"]


def test_a_newsletter_without_a_topic_is_told_in_the_forms_words(new_tab, live_url, society):
    tab = sign_in(new_tab, live_url, "staff1")
    _write(tab, live_url, "年会通知")
    problems = tab.locator(".flash-error")
    expect(problems).to_contain_text("请至少勾选一个栏目")
    assert not FILE_WORDS.search(problems.inner_text()), problems.inner_text()
    expect(tab.locator("#compose input[name=title]")).to_have_value("年会通知")


def test_a_resolution_for_some_members_only_is_refused_in_the_forms_words(new_tab, live_url, society, db):
    tab = sign_in(new_tab, live_url, "staff1")
    _write(tab, live_url, "关于增补理事的决议", kind="决议公告", category="学生会员")
    problems = tab.locator(".flash-error")
    expect(problems).to_contain_text("发给全体会员")
    assert not FILE_WORDS.search(problems.inner_text()), problems.inner_text()
    expect(tab.locator("#compose input[name=kind][value=resolution]")).to_be_checked()
    assert db.execute("select count(*) from newsletters").fetchone()[0] == 0


def test_an_item_nobody_can_receive_offers_no_send_button(new_tab, live_url, society, db):
    """No member of the society has bound WeChat yet: 发送 would 'send' to nobody after a confirm
    asking "确认发送给 0 人？"; the page says why nothing can be sent instead."""
    tab = sign_in(new_tab, live_url, "staff1")
    _write(tab, live_url, "关于调整2027年会费标准的决议", kind="决议公告")
    expect(tab.locator("[data-nobody]")).to_contain_text("现在没有会员能收到")
    expect(tab.get_by_role("button", name="发送")).to_have_count(0)


def test_a_link_copied_without_https_is_taken_as_the_web_page_it_names(new_tab, live_url, society, db):
    tab = sign_in(new_tab, live_url, "staff1")
    tab.goto(f"{live_url}/admin/news/new")
    form = tab.locator("#compose")
    form.locator("input[name=title]").fill("第十届学术年会征文通知")
    form.locator("input[name=summary]").fill("征文截止 3 月 31 日")
    form.locator("input[name=link]").fill("www.hnast.org.cn/2027/zhengwen")  # as printed on the poster
    form.get_by_label("政策资讯").check()
    form.locator("button[type=submit]").click()
    expect(tab.locator(".flash-ok")).to_contain_text("已保存")
    [link] = [row[0] for row in db.execute("select link from newsletters")]
    assert link == "https://www.hnast.org.cn/2027/zhengwen"


def test_back_and_save_again_does_not_make_a_second_item(new_tab, live_url, society, db):
    """Console walk 10, #3: the browser's Back (the form still filled in) and 保存并预览 again saved a second
    item of the same title (…-2), and members' 会讯 listed both."""
    tab = sign_in(new_tab, live_url, "staff1")
    _write(tab, live_url, "关于2027年会费标准的决议", kind="决议公告")
    expect(tab.locator("[data-status]")).to_contain_text("草稿")
    first = tab.url
    tab.go_back()
    expect(tab.locator("#compose input[name=title]")).to_have_value("关于2027年会费标准的决议")
    tab.locator("#compose button[type=submit]").click()
    expect(tab.locator(".flash-ok")).to_contain_text("今天已保存过")
    assert tab.url == first
    assert [row[0] for row in db.execute("select title from newsletters")] == ["关于2027年会费标准的决议"]
