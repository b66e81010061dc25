"""The round-14 member walk's defects (/work/qa/members14.md), asserted as the member sees them, in our own words:
an English member's answers at every choice an invoice request offers, a unit clerk correcting or taking a colleague
off her group sign-up, a number given about someone else never stored as the member's own."""
from __future__ import annotations

from datetime import date

import pytest

from storage.members import insert_member
from storage.sqlite import transaction
from tests.member import Member
from tests.test_member_walk10 import add_member
from tests.test_member_walk13b import config  # noqa: F401  (fixture: the fake WeChat API under the app)

pytest_plugins = ["tests.fake_wechat"]
TODAY = date.today()


def _tickets(db) -> list[dict]:
    return list(db["tickets"].rows)


# --- an English member's invoice: the choices the form offers, in English (#5, #6) ---------------------------

@pytest.fixture
def scholar(client, config, db):
    with transaction(db):
        insert_member(db, {"member_no": "HNKX202600031", "name": "Anna Keller", "category": "regular",
                           "mobile": "13603720031", "paid_through": f"{TODAY.year}-12-31", "openid": "o_walk14_en",
                           "work_unit": "河南省农业科学院"}, actor="test")
    return Member(client, config, "o_walk14_en")


@pytest.mark.parametrize("title", ["Personal", "individual please", "made out to me personally",
                                   "the title is personal, Anna Keller", "just in my own name",
                                   "private person, electronic, send to ak@example.edu"])
def test_an_english_member_gets_a_personal_invoice_in_her_own_words(scholar, db, title):
    scholar.says("Could I have an invoice for this year's membership fee?")
    reply = scholar.says(title)
    [ticket] = _tickets(db)
    assert "个人" in ticket["body"] and ticket["ticket_no"] in reply, reply
    assert "Which unit" not in reply and "taxpayer number" not in reply, reply  # no tax number for a person


def test_an_english_member_saying_her_employer_is_the_title_gets_it_from_her_record(scholar, db):
    scholar.says("I need an invoice please")
    reply = scholar.says("made out to my employer, paper is fine")
    [ticket] = _tickets(db)
    assert "河南省农业科学院" in reply and "河南省农业科学院" in ticket["body"], reply


def test_an_english_member_reads_the_invoice_form_named_in_english(scholar):
    scholar.says("I need an invoice")
    reply = scholar.says("cancel")
    assert "开票申请" not in reply and "invoice" in reply.lower(), reply
