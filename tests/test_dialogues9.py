"""Conversations as members hold them (issue 11, items 3 and 4), ninth round: several answers in one line are
all taken, a question asked half-way through a form is answered and the form goes on, and a follow-up about the
thing just shown is answered about that thing. Measured on written conversations with bench/replay_dialogues.py;
the wording here is our own."""
from __future__ import annotations

import pytest

from tests.test_dialogues import bound_name, roster, visitor  # noqa: F401  (fixtures)
from tests.test_dialogues8 import PHONE, _event


@pytest.fixture
def courses(db):
    _event(db, "标准化写作网络课", "培训", "线上", 9, "免费")
    _event(db, "专利检索实务培训", "培训", "新乡", 20, "260元")


# --- registering for an event: the contact in one line, questions on the way -------------------------------

def test_a_name_a_school_and_a_mobile_in_one_line_are_one_person(visitor, courses):
    visitor.says("我要报名专利检索实务培训")
    reply = visitor.says("马晓光 周口师院 13837300415")
    assert "请确认报名" in reply and "马晓光" in reply and "周口师院" in reply
    assert "转给秘书处" not in reply


def test_whether_dues_come_first_asked_at_the_contact_step_is_answered_and_the_contact_asked_again(visitor, courses):
    visitor.says("我要报名专利检索实务培训")
    reply = visitor.says("问一下 报这个培训得先交会费吗")
    assert "不用先交会费" in reply and "姓名和手机号" in reply and "格式不对" not in reply


def test_how_to_join_an_online_course_asked_at_the_summary_is_answered_honestly(visitor, courses):
    visitor.says("我要报名标准化写作网络课")
    visitor.says("宋建华 13837300416")
    reply = visitor.says("上课的链接到时候发给我吗")
    assert "秘书处" in reply and PHONE in reply and "请确认报名" in reply


def test_a_yes_that_says_to_use_the_members_own_details_registers(visitor, courses, db):
    visitor.says("我要报名专利检索实务培训")
    visitor.says("宋建华 13837300416")
    assert "报名成功" in visitor.says("对，就用我的信息")
