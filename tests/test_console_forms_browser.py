"""A form refused on the console comes back holding what was typed and ticked, in the page itself (not
in a redirect's address, where a reply's text would stay in the browser's history): a secretary never
types or ticks twice because of one missing field."""
from __future__ import annotations

from playwright.sync_api import expect

from handlers.tickets import replies as ticket_replies
from storage.tickets import create_ticket
from tests.admin_data import PASSWORD
from tests.test_admin_browser import config, sign_in, society  # noqa: F401 (fixtures)

pytest_plugins = ["tests.fake_wechat"]


def test_a_rejection_without_a_reason_keeps_the_ticked_applications(new_tab, live_url, society, db):
    first, second = society["applications"]
    tab = sign_in(new_tab, live_url, "staff1")
    tab.click("[data-nav=applications]")
    tab.check(f"input[value={first['app_no']}]")
    tab.check(f"input[value={second['app_no']}]")
    tab.get_by_role("button", name="驳回所选").click()
    expect(tab.locator(".flash-error")).to_contain_text("驳回申请需要填写原因")
    expect(tab.locator(f"input[value={first['app_no']}]")).to_be_checked()
    expect(tab.locator(f"input[value={second['app_no']}]")).to_be_checked()
    tab.fill("#decide input[name=reason]", "材料不全")
    tab.get_by_role("button", name="驳回所选").click()
    expect(tab.locator(".flash-ok")).to_have_count(2)
    expect(tab.locator(".empty")).to_be_visible()  # none pending any more


def test_a_refused_new_account_keeps_the_name_role_and_unit(new_tab, live_url, society):
    unit = society["units"][1]
    tab = sign_in(new_tab, live_url, "admin1")
    tab.click("[data-nav=users]")
    form = tab.locator("#new-user")
    form.locator("input[name=username]").fill("刘干事")
    form.locator("select[name=role]").select_option("unit")
    form.locator("select[name=unit_no]").select_option(unit["unit_no"])
    form.locator("input[name=password]").fill("short")
    form.get_by_role("button", name="创建账号").click()
    expect(tab.locator(".flash-error")).to_contain_text("密码至少需要")
    expect(form.locator("input[name=username]")).to_have_value("刘干事")
    expect(form.locator("select[name=role]")).to_have_value("unit")
    expect(form.locator("select[name=unit_no]")).to_have_value(unit["unit_no"])
    form.locator("input[name=password]").fill("a-longer-password-1")
    form.get_by_role("button", name="创建账号").click()
    expect(tab.locator(".flash-ok")).to_contain_text("刘干事")
    expect(tab.locator("table.data")).to_contain_text(f"{unit['unit_no']} {unit['name']}")


def test_a_reply_to_a_ticket_a_colleague_closed_meanwhile_is_kept_on_the_page(
        new_tab, live_url, society, db, redis_client):
    ticket_no = create_ticket(db, "o_zhang", "建议", "希望多办线上讲座")
    tab = sign_in(new_tab, live_url, "staff1")
    tab.click("[data-nav=tickets]")
    tab.get_by_role("link", name=ticket_no).click()
    reply = "感谢建议，明年起每季度办一次线上讲座，届时在公众号通知。"
    tab.fill("#reply textarea[name=text]", reply)
    ticket_replies.close(db, redis_client, ticket_no, "console:admin1", "已电话答复")  # a colleague, meanwhile
    tab.get_by_role("button", name="发送答复").click()
    expect(tab.locator(".flash-error")).to_contain_text("已于")
    expect(tab.locator(".unsent")).to_have_text(reply)
    assert "text=" not in tab.url


def test_a_newsletter_typed_while_the_session_ended_is_filled_back_after_signing_in_again(
        new_tab, live_url, society):
    """Console walk 12: after signing in again the form held nothing (what was typed was only listed above
    it, and a text over 4 KB was lost with the cookie the browser dropped)."""
    tab = sign_in(new_tab, live_url, "staff1")
    tab.goto(f"{live_url}/admin/news/new")
    body = "报名请致电13912345678联系张老师。" + "年会将于十一月在郑州举行，届时在公众号通知具体安排。" * 120  # over 4 KB
    tab.fill("#compose input[name=title]", "关于召开2027年学术年会的通知")
    tab.fill("#compose input[name=summary]", "年会时间、地点和报名办法")
    topic = tab.locator("#compose input[name=topics]").first
    topic.check()
    tab.fill("#compose textarea[name=body]", body)
    other = tab.context.new_page()  # signed out in another tab
    other.goto(f"{live_url}/admin/")
    other.locator(".topbar .who button").click()
    expect(other.locator("input[name=username]")).to_be_visible()
    tab.locator("#compose button[type=submit]").click()
    expect(tab.locator(".flash-error")).to_contain_text("您已退出登录")
    tab.fill("input[name=username]", "staff1")
    tab.fill("input[name=password]", PASSWORD)
    tab.click("main button[type=submit]")
    expect(tab.locator("#compose textarea[name=body]")).to_have_value(body)
    expect(tab.locator("#compose input[name=title]")).to_have_value("关于召开2027年学术年会的通知")
    expect(topic).to_be_checked()
    assert all("13912345678" not in cookie["value"] for cookie in tab.context.cookies())
