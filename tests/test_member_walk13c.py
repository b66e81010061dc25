"""The round-13 member walk's leftovers (/work/qa/members13.md, issue 11), asserted as the member sees them,
in our own words: an invoice request whose fields come in one or two messages, binding said in one sentence
or explained inside the form, numbers read out in Chinese digits, a phone's voice homophones of the account's
key words, subscriptions wished for before binding, an optional step left empty."""
from __future__ import annotations

from datetime import date

import pytest

from tests.member import Member
from tests.test_member_walk10 import add_member
from tests.test_member_walk13b import config  # noqa: F401  (fixture: the fake WeChat API under the app)

pytest_plugins = ["tests.fake_wechat"]
TODAY = date.today()


@pytest.fixture
def member(client, config):
    return Member(client, config, "o_walk13c")


def _one_ticket(db) -> dict:
    [ticket] = db["tickets"].rows
    return ticket


@pytest.fixture
def paid_member(db):
    """A bound member whose record names her unit, with last year's dues paid."""
    from datetime import date as day
    from handlers.fees.payments import record_payment
    from storage.fees import find_payer
    from storage.sqlite import transaction
    from storage.members import insert_member
    with transaction(db):
        insert_member(db, {"member_no": "HNKX201900021", "name": "孟晓燕", "category": "regular", "mobile": "13703710021",
                           "paid_through": f"{TODAY.year - 1}-12-31", "openid": "o_walk13c",
                           "work_unit": "河南省林业科学研究院"}, actor="test")
    return record_payment(db, find_payer(db, "HNKX201900021"), 100, 1, day(TODAY.year - 1, 4, 2), "银行转账", "test")


# --- the invoice form keeps every field it can read (#15, #16) ----------------------------------------------

def test_a_command_typed_inside_the_invoice_form_is_answered_and_files_nothing(member, db, paid_member):
    member.says("想开张去年会费的发票 拿回单位报账用")
    reply = member.says("我的缴费记录")
    assert paid_member["receipt_no"] in reply, reply  # her payments are shown
    assert not list(db["tickets"].rows), reply  # no application with a title she never gave
    assert "河南省林业科学研究院" not in reply, reply


def test_title_tax_number_email_and_kind_given_at_once_are_all_kept(member, db, paid_member):
    member.says("我要开发票 单位报销")
    reply = member.says("抬头郑州市第七人民医院 税号12410100MB1234567K 普票 电子的发到 mxy@zz7y.cn")
    ticket = _one_ticket(db)
    for field in ("郑州市第七人民医院", "12410100MB1234567K", "mxy@zz7y.cn", "普票"):
        assert field in reply and field in ticket["body"], (field, reply)
    assert "还缺" not in reply, reply


def test_fields_sent_after_the_application_is_filed_are_added_and_said(member, db, paid_member):
    member.says("帮我开个专票 抬头是郑州市第七人民医院")
    reply = member.says("税号12410100MB1234567K 邮箱 mxy@zz7y.cn")
    ticket = _one_ticket(db)
    assert "12410100MB1234567K" in ticket["body"] and "mxy@zz7y.cn" in ticket["body"], ticket["body"]
    assert "12410100MB1234567K" in reply and "mxy@zz7y.cn" in reply, reply
    assert "邮箱：未填" not in reply, reply  # not her member card
