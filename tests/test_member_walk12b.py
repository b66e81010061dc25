"""What the round-12 black-box walk of the member side found (/work/qa/members12.md: the retired engineer, the
rural doctor, the student applying, the member who paid by bank transfer), asserted as the member sees it, in our
own words."""
from __future__ import annotations

from datetime import date

import pytest

from bot.config import load_config
from tests.member import Member
from tests.test_member_walk10 import add_member

pytest_plugins = ["tests.fake_wechat"]

TODAY = date.today()


@pytest.fixture
def config(env, fake_wechat):
    return load_config(env)


@pytest.fixture
def member(client, config):
    return Member(client, config, "o_walk12")


# --- privacy: a colleague's mobile, wherever the member sees it again ------------------------------------

def test_colleagues_put_forward_for_an_event_show_with_masked_mobiles_on_the_member_centre_and_in_chat(
        member, client, fake_wechat, db):
    from tests.pages_data import sign_in
    from tests.test_events_chat import add_event
    add_member(db, "HNKX202000001", "赵丽", "13637710001", f"{TODAY.year}-12-31", openid="o_walk12")
    add_event(db, "学术年会", 40)
    member.says("我帮单位同事报名学术年会")
    assert "转给秘书处" in member.says("陈晨 13607710011、刘芳 13837710012")
    sign_in(client, fake_wechat, "o_walk12")
    page = client.get("/m/").get_data(as_text=True)
    assert "陈晨" in page and "136****0011" in page and "13607710011" not in page, page
    listed = member.says("我的诉求")
    shown = listed + member.says("1")
    assert "13837710012" not in shown and "138****0012" in shown, shown


# --- dues: what is on record, and every way to pay ----------------------------------------------------

@pytest.fixture
def pay_online(config, monkeypatch):
    monkeypatch.setattr(type(config), "pay_enabled", property(lambda self: True))


def test_a_member_paid_up_by_the_roster_is_told_so_where_payments_are_listed_not_that_there_is_no_record(
        member, client, fake_wechat, db):
    from tests.pages_data import sign_in
    add_member(db, "HNKX199800001", "张建国", "13603710001", f"{TODAY.year}-12-31", openid="o_walk12")
    for asked in ("缴费记录", "会费详情"):
        reply = member.says(asked)
        assert "名册" in reply and "暂无缴费记录" not in reply, reply
    sign_in(client, fake_wechat, "o_walk12", "/m/dues")
    page = client.get("/m/dues").get_data(as_text=True)
    assert "名册" in page and "暂无缴费记录" not in page, page


def test_the_dues_page_with_its_pay_button_lists_the_other_ways_to_pay_and_the_chat_lists_wechat_pay(
        member, client, fake_wechat, db, pay_online):
    from tests.pages_data import sign_in
    add_member(db, "HNKX199800001", "张建国", "13603710001", f"{TODAY.year}-12-31", openid="o_walk12")
    sign_in(client, fake_wechat, "o_walk12", "/m/dues")
    page = client.get("/m/dues").get_data(as_text=True)
    assert "立即支付" in page and "银行转账" in page and "现金" in page, page
    reply = member.says("缴费方式")
    assert "微信支付" in reply and "银行转账" in reply and "现金" in reply, reply
    assert "9:00-12:00，14:00-17:30" in reply, reply  # the office hours given everywhere else


@pytest.mark.parametrize("asked, amount", [("会费怎么交 学生50吗", "20 元"), ("会费多少钱 怎么交", "100 元")])
def test_asking_how_to_pay_and_how_much_in_one_message_gets_both(member, db, asked, amount):
    reply = member.says(asked)
    assert "银行转账" in reply and amount in reply, reply


def test_a_bound_member_asking_how_much_and_how_to_pay_gets_the_amount_due_and_the_ways(member, db):
    add_member(db, "HNKX202600001", "刘洋", "13903710088", None, openid="o_walk12")
    reply = member.says("会费多少 怎么交")
    assert "100 元" in reply and "银行转账" in reply, reply


# --- a transfer not yet booked: the claim, its screenshot, "did you get it?" ------------------------------

def _image(member) -> str:
    return member.send("image", PicUrl="http://mmbiz.example/receipt.jpg", MediaId="m_receipt_1")


@pytest.mark.parametrize("claim", ["我又转了100块钱 还没登记 截图发你", "刚汇了200会费 转账截图给你"])
def test_a_transfer_said_to_be_made_is_kept_for_the_secretariat_with_the_screenshot_sent_next(member, db, claim):
    from storage.tickets import list_tickets_of_member
    add_member(db, "HNKX201500001", "王海波", "13703710004", f"{TODAY.year}-12-31", openid="o_walk12")
    reply = member.says(claim)
    assert "截图" in reply and "工作日" in reply and "活动" not in reply, reply
    [ticket] = list_tickets_of_member(db, "o_walk12")
    assert ticket["ticket_no"] in reply and claim in ticket["body"]
    kept = _image(member)
    assert ticket["ticket_no"] in kept, kept
    [ticket] = list_tickets_of_member(db, "o_walk12")
    assert "receipt.jpg" in ticket["body"] or "m_receipt_1" in ticket["body"]
    received = member.says("收到了吗")
    assert ticket["ticket_no"] in received and "工作日" in received and "不客气" not in received, received


# --- which years a payment paid for ---------------------------------------------------------------------

@pytest.mark.parametrize("asked", ["我交的是{a}年和{b}年欠的 怎么变成{c} {d}年了", "这笔钱为什么算成{c}年的"])
def test_asking_why_a_payment_counts_for_later_years_says_which_years_it_paid_and_the_arrears_first(
        member, db, asked):
    from datetime import date as day
    from handlers.fees.payments import record_payment
    from storage.fees import find_payer
    y = TODAY.year
    add_member(db, "HNKX201500001", "王海波", "13703710004", f"{y - 4}-12-31", openid="o_walk12")
    paid = record_payment(db, find_payer(db, "HNKX201500001"), 200, 2, day(y - 1, 12, 1), "银行转账", "test")
    assert paid["period_from"] == f"{y}-01-01"  # lapsed, paid after 1 November: from the next year
    reply = member.says(asked.format(a=str(y - 3)[2:], b=str(y - 2)[2:], c=str(y)[2:], d=str(y + 1)[2:]))
    assert f"{y}—{y + 1} 年" in reply and paid["receipt_no"] in reply, reply
    assert reply.index(f"{y - 3}、{y - 2}、{y - 1} 年") < reply.index(f"{y}—{y + 1} 年"), reply  # the arrears first
    assert "不用再补" in reply and "0371" in reply and "下次续费" not in reply, reply
