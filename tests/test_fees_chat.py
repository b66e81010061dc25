"""会费查询 by chat: a bound member sees their dues and payments; anyone else the schedule."""
from __future__ import annotations

from datetime import date, timedelta

import pytest

from handlers.fees import dues
from storage.members import insert_member, insert_unit
from handlers.fees.payments import record_payment
from storage.fees import find_payer
from storage.sqlite import transaction
from tests.member import Member

TODAY = date.today()
DUES_YEAR = TODAY.year + (1 if dues.late_in_year(TODAY) else 0)  # from November dues buy next year
HOW_TO_PAY = dues.fee_rules()["how_to_pay"]["title"]
REGULAR = dues.format_amount(dues.yearly_fee("regular"))


@pytest.fixture
def alice(client, config):
    return Member(client, config, "o_alice")


def add_member(db, number="HNKX202600001", openid="o_alice", category="regular",
               paid_through=None, name="张三"):
    with transaction(db):
        return insert_member(db, {"member_no": number, "name": name, "category": category,
                                  "openid": openid, "mobile": "13800000001",
                                  "paid_through": paid_through}, actor="test")


def pay(db, number, years=1, paid_on=TODAY, amount=None):
    payer = find_payer(db, number)
    amount = dues.amount_due(payer["category"], years) if amount is None else amount
    return record_payment(db, payer, amount, years, paid_on, "银行转账", "test")


def test_a_bound_member_sees_paid_through_standing_options_how_to_pay_and_payments(alice, db):
    add_member(db, paid_through=f"{TODAY.year - 1}-12-31")
    first = pay(db, "HNKX202600001", years=2, paid_on=TODAY - timedelta(days=400))
    second = pay(db, "HNKX202600001", years=1)
    short = alice.says("会费")
    assert short.splitlines()[1] == f"会费缴至：{second['period_to']}"  # the date first, the rest on request
    assert "有效" in short and len(short.splitlines()) <= 10 and "会费详情" in short
    reply = alice.says("会费详情")
    assert "张三（HNKX202600001），普通会员" in reply
    assert f"会费缴至：{second['period_to']}" in reply
    assert "有效" in reply
    assert f"1 年 {REGULAR} 元" in reply and "终身" in reply
    assert HOW_TO_PAY in reply
    assert first["receipt_no"] in reply and second["receipt_no"] in reply
    assert reply.index(second["receipt_no"]) < reply.index(first["receipt_no"])  # latest first


def test_the_menu_button_answers_the_same(alice, db):
    add_member(db, paid_through=f"{TODAY.year}-12-31")
    assert "会费缴至" in alice.clicks("MENU_FEES")


def test_grace_says_until_when_and_what_to_pay(alice, db):
    expired = TODAY - timedelta(days=10)
    add_member(db, paid_through=expired.isoformat())
    reply = alice.says("我的会费交到什么时候了")
    grace_ends = (expired + timedelta(days=dues.fee_rules()["grace_days"])).isoformat()
    assert f"宽限期至 {grace_ends}" in reply
    assert f"应缴：{REGULAR} 元（1 年，缴至 {expired.year + 1}-12-31）" in reply
    assert "按会员名册登记" in alice.says("缴费记录")  # paid to that date before any payment was booked


def test_lapsed_and_never_paid_members_are_told_so(alice, client, config, db):
    add_member(db, paid_through=f"{TODAY.year - 3}-12-31")
    add_member(db, number="HNKX202600002", openid="o_bob", category="student", name="李四")
    reply = alice.says("会费")
    assert "已过期" in reply and f"缴至 {DUES_YEAR}-12-31" in reply
    bob = Member(client, config, "o_bob").says("会费")
    assert "尚未缴纳会费" in bob and "学生会员" in bob and "终身" not in bob


def test_fellows_and_lifetime_members_owe_nothing(alice, client, config, db):
    add_member(db, category="fellow")
    assert "免缴会费" in alice.says("会费") and "应缴" not in alice.says("会费")
    add_member(db, number="HNKX202600002", openid="o_bob", paid_through=f"{TODAY.year}-12-31")
    pay(db, "HNKX202600002", years=dues.LIFETIME)
    reply = Member(client, config, "o_bob").says("会费")
    assert "终身会员" in reply and "可选缴费年限" not in reply


def test_only_the_last_five_payments_and_the_reply_fits_one_message(alice, db):
    add_member(db)
    receipts = [pay(db, "HNKX202600001", paid_on=TODAY - timedelta(days=400 * n))["receipt_no"]
                for n in range(6, 0, -1)]
    reply = alice.says("会费详情")
    assert all(r in reply for r in receipts[1:]) and receipts[0] not in reply
    assert len(reply.encode("utf-8")) <= 2048


def test_a_unit_contact_sees_the_units_dues(alice, db):
    with transaction(db):
        unit = insert_unit(db, {"unit_no": "HNKXDW202600001", "name": "示范科技有限公司",
                                "credit_code": "91410100MA0000000X", "openid": "o_alice"}, actor="test")
    pay(db, unit["unit_no"])
    reply = alice.says("会费")
    assert "示范科技有限公司（HNKXDW202600001），单位会员" in reply
    assert f"会费缴至：{DUES_YEAR}-12-31" in reply


def test_someone_not_bound_gets_the_schedule_and_how_to_bind_or_apply(alice, db):
    add_member(db, openid=None)  # on the roster, WeChat not bound
    reply = alice.says("会费多少钱")
    assert f"普通会员：{REGULAR} 元/年" in reply and "会士：免缴会费" in reply
    assert len(reply.splitlines()) <= 10 and "缴费方式" in reply
    assert "回复“会员卡”" in reply and "回复“入会”" in reply
    assert "张三" not in reply
    assert HOW_TO_PAY in alice.says("怎么交会费")


# --- the question asked, answered first (issue 12) ---------------------------------------

@pytest.mark.parametrize("question,first", [("能微信支付吗", "目前不支持微信支付"),
                                            ("会费可以银行转账吗", "可以"),
                                            ("支付宝能交会费不", "目前不支持支付宝")])
def test_can_i_pay_this_way_gets_yes_or_no_first(alice, question, first):
    assert alice.says(question).startswith(first)


def test_did_my_transfer_arrive_gets_my_own_payment(alice, db):
    add_member(db, paid_through=f"{TODAY.year - 1}-12-31")
    assert alice.says("我上个月转了400块会费，交上了吗").startswith("秘书处还没有登记到您的缴费")
    paid = pay(db, "HNKX202600001", years=1)
    reply = alice.says("会费到账了吗")
    assert paid["receipt_no"] in reply and "可选缴费年限" not in reply


def test_an_events_fee_is_not_answered_with_dues(alice, db):
    from tests.test_events_chat import add_event
    add_event(db, "秋季学术年会", 20, fee="会员 300 元，非会员 500 元")
    reply = alice.says("年会的报名费多少")
    assert "会员 300 元" in reply and "元/年" not in reply


def test_a_member_asking_for_their_dues_is_bound_and_then_shown_them(alice, db):
    add_member(db, openid=None, paid_through=f"{TODAY.year}-12-31")
    assert "姓名" in alice.says("我是老会员，想看看会费交到哪年了")
    alice.says("张三")
    alice.says("忘了")
    reply = alice.says("13800000001")
    assert "绑定成功" in reply and f"会费缴至：{TODAY.year}-12-31" in reply


def test_a_categorys_fee_is_answered_first(alice, db):
    reply = alice.says("学生会员要交多少钱")
    assert reply.startswith("· 学生会员：20 元/年") and "单位会员" not in reply


def test_wechat_pay_is_yes_where_the_merchant_is_configured(client, config, monkeypatch):
    monkeypatch.setattr(type(config), "pay_enabled", property(lambda self: True))
    assert Member(client, config, "o_alice").says("能微信支付吗").startswith("可以")


def test_an_invoice_asks_which_payment_when_the_member_made_several(alice, db):
    """The ticket said only the title: a member who paid twice left the secretariat to guess which payment; now
    the request asks, and the ticket names the payment picked (one named by its year is taken without asking)."""
    add_member(db, paid_through=f"{TODAY.year - 2}-12-31")
    earlier = pay(db, "HNKX202600001", paid_on=TODAY - timedelta(days=400))
    later = pay(db, "HNKX202600001")
    alice.says("我要开会费发票")
    asked = alice.says("抬头 河南省水利科学研究院")
    assert "开哪一笔" in asked and earlier["receipt_no"] in asked and later["receipt_no"] in asked
    assert "已记下您的开票申请" in alice.says("2")
    [body] = [row[0] for row in db.execute("select body from tickets")]
    assert earlier["receipt_no"] in body and later["receipt_no"] not in body
    alice.says(f"{TODAY.year}年交的会费要开发票")
    assert "已记下您的开票申请" in alice.says("抬头 河南省水利科学研究院")
    assert later["receipt_no"] in db.execute("select body from tickets order by id desc").fetchone()[0]
