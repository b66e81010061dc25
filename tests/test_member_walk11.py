"""What the round-11 black-box walk of the member side found (/work/qa/members11.md), asserted as the member
sees it, in our own words."""
from __future__ import annotations

from datetime import date

import pytest

from tests.member import Member
from tests.test_member_walk10 import add_member

TODAY = date.today()


@pytest.fixture
def member(client, config):
    return Member(client, config, "o_walk11")


# --- binding --------------------------------------------------------------------------------------------

def test_name_and_a_mobile_with_a_letter_in_it_is_told_the_mobile_has_a_letter_and_binds_once_fixed(member, db):
    add_member(db, "HNKX201900001", "周慧", "13607720001", "2025-12-31")
    reply = member.says("周慧 1360772000l")
    assert "字母" in reply and "没有完全理解" not in reply, reply
    assert "绑定成功" in member.says("13607720001")
