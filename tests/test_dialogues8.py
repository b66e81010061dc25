"""Conversations as members hold them (issue 11, items 3 and 4): a follow-up about the thing just shown is
answered about that thing, a question about something the notice does not give is answered honestly with the
secretariat's contact, and a message naming its own subject is never read as a tweak of the last one. Measured
on written conversations with bench/replay_dialogues.py; the wording here is our own."""
from __future__ import annotations

from datetime import date, timedelta

import pytest

from storage import events as event_store
from tests.test_dialogues import visitor  # noqa: F401  (fixture)

TODAY = date.today()
PHONE = "0371-6000 0000"


def _event(db, title: str, kind: str, place: str, in_days: int, fee: str) -> None:
    start = (TODAY + timedelta(days=in_days)).isoformat()
    event_store.save_events(db, [({"society": "示范科技学会", "title": title, "type": kind, "starts_on": start,
                                   "ends_on": start, "place": place, "capacity": 50, "fee": fee}, "test")], [],
                            actor="test")


@pytest.fixture
def gatherings(db):
    _event(db, "生物医药前沿研讨会", "学术会议", "新乡", 30, "免费")
    _event(db, "青年学者交流会", "学术会议", "开封", 35, "会员300元")
    _event(db, "仪器操作沙龙", "沙龙", "开封", 40, "50元")


# --- events: the city asked, and an event named after another was shown -------------------------------------

def test_a_conference_question_naming_a_city_lists_only_that_citys(visitor, gatherings):
    reply = visitor.says("新乡这边近期开什么会")
    assert "生物医药前沿研讨会" in reply and "青年学者交流会" not in reply
    assert "免费" in visitor.says("要交钱吗")  # the one event shown answers the follow-up


def test_an_event_named_right_after_another_was_opened_is_that_event(visitor, gatherings):
    visitor.says("青年学者交流会在哪开")
    reply = visitor.says("那仪器沙龙在开封哪里办")
    assert "仪器操作沙龙" in reply and "青年学者交流会" not in reply


# --- award calls: a follow-up about the call just opened, or another call named in fewer words ---------------

@pytest.fixture
def calls(db):
    from storage import awards

    awards.save_awards(db, [({"name": "河南省科学技术进步奖", "kind": "award",
                              "deadline": (TODAY + timedelta(days=60)).isoformat(),
                              "eligibility": "本省的科研人员和团队", "how_to_apply": "由学会提名",
                              "link": None}, "test"),
                            ({"name": "中原青年拔尖人才计划", "kind": "talent",
                              "deadline": (TODAY + timedelta(days=20)).isoformat(),
                              "eligibility": "40周岁以下的青年科技人员", "how_to_apply": "个人申报，单位盖章",
                              "link": None}, "test")], [], actor="test")


def test_another_call_named_in_fewer_words_after_one_was_opened_is_that_call(visitor, calls):
    assert "40周岁以下" in visitor.says("中原青年拔尖人才计划现在还能报吗")
    reply = visitor.says("那省科技进步奖呢 对年龄有要求吗")
    assert "河南省科学技术进步奖" in reply and "本省的科研人员和团队" in reply and "40周岁以下" not in reply


def test_a_question_about_one_side_of_the_call_just_opened_answers_that_side(visitor, calls):
    visitor.says("中原青年拔尖人才计划现在还能报吗")
    reply = visitor.says("最晚哪天交材料")
    assert "截止" in reply and "40周岁以下" not in reply and PHONE in reply


def test_whether_applying_costs_money_is_answered_honestly_for_the_call_just_opened(visitor, calls):
    visitor.says("中原青年拔尖人才计划现在还能报吗")
    reply = visitor.says("申报收费吗")
    assert "中原青年拔尖人才计划" in reply and "没有写要交费用" in reply and PHONE in reply
    assert "活动" not in reply.split("。")[0]
