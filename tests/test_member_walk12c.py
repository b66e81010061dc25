"""What is left of the round-12 black-box walk of the member side (/work/qa/members12.md): a number at a card
that offers no numbers, the unit contact's requests, the menu's person, the questions a person cannot be asked,
and the English member's pages. Asserted as the member sees it, in our own words."""
from __future__ import annotations

from datetime import date

import pytest

from bot.config import load_config
from storage.events import registrations_of
from storage.news import subscribe, topics_of
from tests.member import Member
from tests.test_events_chat import add_event
from tests.test_member_walk10 import add_member

pytest_plugins = ["tests.fake_wechat"]

TODAY = date.today()


@pytest.fixture
def config(env, fake_wechat):
    return load_config(env)


@pytest.fixture
def member(client, config, db):
    add_member(db, "HNKX202000001", "赵丽", "13637710001", f"{TODAY.year}-12-31", openid="o_walk12c")
    return Member(client, config, "o_walk12c")


# --- a number at a card to confirm is neither yes nor no unless the card offers it ----------------------

def test_a_number_at_the_suggestion_card_keeps_the_draft_and_asks_again(member, db):
    from storage.tickets import list_tickets_of_member
    member.says("我有个建议：希望会讯多发一些学术报告的信息")
    again = member.says("2")
    assert "学术报告" in again and "内容有点少" not in again, again
    assert "FK" in member.says("确认")
    [ticket] = list_tickets_of_member(db, "o_walk12c")
    assert "学术报告" in ticket["body"]


def test_a_number_at_the_unsubscribe_all_card_unsubscribes_nothing(member, db):
    subscribe(db, "o_walk12c", ["policy", "talent"])
    assert "确定退订全部" in member.says("全部退订")
    again = member.says("1")
    assert "已退订" not in again and "回复“确认”" in again, again
    assert set(topics_of(db, "o_walk12c")) == {"policy", "talent"}


def test_a_number_at_the_registration_card_neither_registers_nor_drops_it(member, db):
    add_event(db, "学术年会", 40)
    member.says("报名学术年会")
    for number in ("1", "3"):
        again = member.says(number)
        assert "不用回复数字" in again and "报名成功" not in again, again
    assert registrations_of(db, "o_walk12c", TODAY.isoformat()) == []
    assert "报名成功" in member.says("确认")


def test_a_number_at_the_cancel_card_neither_cancels_nor_keeps_it_silently(member, db):
    add_event(db, "学术年会", 40)
    member.says("报名学术年会")
    assert "报名成功" in member.says("确认")
    assert "确定取消" in member.says("取消报名")
    again = member.says("2")
    assert "不用回复数字" in again and "好的，保留" not in again, again
    assert "已取消" in member.says("确认")

