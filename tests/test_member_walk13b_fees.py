"""Member walk 13 (/work/qa/members13.md, P6): a conference with a student price, paid online, then cancelled. The
student member's own price, and a cancelled paid registration's fee owed back where the member and the secretariat
look (chat, member centre, the pay result page, `events registrants`, the console's event page)."""
from __future__ import annotations

import re
from datetime import date, timedelta

import pytest

from bot.config import load_config
from storage import events as event_store
from storage import pay_orders
from tests.cli import command
from tests.member import Member
from tests.pages_data import add_member, sign_in
from tests.test_admin import log_in, units, users  # noqa: F401  (fixtures)
from tests.test_pay import _notify

pytest_plugins = ["tests.fake_wechat", "tests.wechatpay_standin"]

events_cli = command("events")[0]
STUDENT = {"member_no": "HNKX202300031", "name": "王磊", "category": "student", "openid": "o_wanglei",
           "mobile": "13803710031", "work_unit": "郑州大学", "paid_through": f"{date.today().year}-12-31"}


@pytest.fixture
def config(env, fake_wechat, pay_standin):
    return load_config(env)


@pytest.fixture
def conference(db):
    """A meeting whose guide row prices it in words, as societies file it."""
    soon = (date.today() + timedelta(days=40)).isoformat()
    numbers, _ = event_store.save_events(db, [({"title": "青年科技工作者学术年会", "type": "学术会议", "starts_on": soon,
                                                "ends_on": soon, "place": "郑州", "capacity": None,
                                                "fee": "会员600元/非会员900元/学生300元"}, "test")], [], actor="test")
    return event_store.find_event(db, numbers[0])


def _paid_on_the_page(client, fake_wechat, pay_standin, event, fee_type) -> str:
    path = f"/m/events/{event['event_no']}"
    sign_in(client, fake_wechat, "o_wanglei", path)
    token = re.search(r'name="csrf_token" value="([^"]+)"', client.get(path).get_data(as_text=True)).group(1)
    client.post(f"{path}/register", data={"csrf_token": token, "name": "王磊", "mobile": "13803710031",
                                          "fee_type": fee_type})
    [no] = pay_standin.orders
    pay_standin.pay(no)
    assert _notify(client, pay_standin, no).status_code == 204
    return no


def test_a_student_member_is_asked_the_student_price_in_chat_and_offered_it_first_on_the_page(
        client, config, fake_wechat, db, conference):
    add_member(db, STUDENT)
    wang = Member(client, config, "o_wanglei")
    card = wang.says("报名青年科技工作者学术年会")
    assert "300 元" in card and "600 元" not in card, card
    sign_in(client, fake_wechat, "o_wanglei", f"/m/events/{conference['event_no']}")
    page = client.get(f"/m/events/{conference['event_no']}").get_data(as_text=True)
    assert re.search(r'value="学生"\s+checked', page), page


def test_cancelling_a_paid_registration_says_what_becomes_of_the_fee_and_keeps_it_owed_where_both_sides_look(
        app, client, config, fake_wechat, db, env, conference, pay_standin, users):
    add_member(db, STUDENT)
    no = _paid_on_the_page(client, fake_wechat, pay_standin, conference, "会员")
    wang = Member(client, config, "o_wanglei")
    asked = wang.says("家里有事去不成了 年会的报名取消 钱能退不")  # a cancellation, not the dues' refund rule
    assert "600 元" in asked and "退" in asked, asked
    done = wang.says("确认")
    assert "已取消" in done and "600 元" in done and "待退款" in done, done
    assert pay_orders.find_order(db, no)["status"] == "refund_needed"  # the console's 在线支付 lists it 需退款
    when = wang.says("报名费啥时候退回来")
    assert "青年科技工作者学术年会" in when and "待退款" in when, when
    mine = wang.says("我的报名")
    assert "青年科技工作者学术年会" in mine and "待退款" in mine, mine
    centre = client.get("/m/").get_data(as_text=True)
    assert "待退款" in centre and "600" in centre, centre
    result = client.get(f"/m/dues/result/{no}").get_data(as_text=True)
    assert "报名缴费成功" not in result and "报名已取消" in result and "签到" not in result, result
    listed = events_cli(env, "registrants", conference["event_no"]).output
    assert "待退" in listed and "王磊" in listed and "600" in listed and no in listed, listed
    console = app.test_client()
    assert log_in(console, "staff1").status_code == 302
    shown = console.get(f"/admin/events/{conference['event_no']}").get_data(as_text=True)
    assert "报名费待退" in shown and "王磊" in shown and no in shown and "13803710031" not in shown, shown
