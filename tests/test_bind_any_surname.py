"""Binding with "姓名 手机号" in one message, as the binding prompt itself suggests, whatever the name and
the number.

Delivery walk 11 #6: "严伟刚 13910003404" from a follower not bound yet became a feedback draft, and that
member never received a notice or newsletter. Not for 严 (严芳霞 bound): the rules read the mobile's last
digits as "404", a word members report a broken page with. A word inside a number is no word."""
from __future__ import annotations

import pytest

from bot import content
from storage.members import find_member_by_openid, insert_member
from storage.sqlite import transaction
from tests.member import Member

MOBILE_END = "0404"  # 404 is a word members report a broken page with: not inside a mobile
GIVEN = ("伟刚", "建国", "秀英", "重阳", "明")  # 严重阳, 付明 ...: given names that make words with a surname


def names() -> list[str]:
    surnames = content.replies()["answer_shapes"]["surnames"]
    return [f"{surname}{GIVEN[i % len(GIVEN)]}" for i, surname in enumerate(surnames)]


@pytest.fixture
def roster(db):
    people = [(name, f"139{i:04d}{MOBILE_END}") for i, name in enumerate(names())]
    with transaction(db):
        for number, (name, mobile) in enumerate(people, 1):
            insert_member(db, {"member_no": f"HNKX2026{number:05d}", "name": name, "mobile": mobile,
                               "category": "regular"}, actor="test")
    return people


def test_a_name_and_mobile_from_a_follower_binds_whatever_the_surname(client, config, db, roster):
    not_bound = []
    for i, (name, mobile) in enumerate(roster):
        openid = f"o_bind{i:04d}"
        member = Member(client, config, openid)
        member.follows()
        reply = member.says(f"{name} {mobile}")
        bound = find_member_by_openid(db, openid)
        if not bound or bound["name"] != name:
            not_bound.append((name, reply[:40]))
    assert not_bound == []
