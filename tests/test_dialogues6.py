"""Keeping track of the conversation (issue 11, items 3 and 4), in members' words (/work/dialogue-work-dctx/
mine.jsonl, /work/notes-dctx.md): a short message that leans on the list just shown ("线上那个", "周六那个怎么报名",
"2" after the menu) acts on it; a question asked in the middle of a form is answered and the form kept; a change
of mind mid-way is taken."""
from __future__ import annotations

from datetime import date, timedelta

import pytest

from tests.test_dialogues import add_event, events, registrations, visitor  # noqa: F401  (fixtures)
from tests.test_dialogues4 import bound  # noqa: F401  (fixture)

TODAY = date.today()
NOT_UNDERSTOOD = "没有完全理解"
WEEKDAYS = "一二三四五六日"


# --- an entry of the list just shown, named by its words ---------------------------------------------------

@pytest.mark.parametrize("said", ["南阳那个", "南阳的", "科普那个吧"])
def test_an_entry_named_by_a_word_of_its_line_opens(visitor, events, said):
    visitor.says("有什么培训吗")
    reply = visitor.says(said)
    assert "科普讲解员培训" in reply and "150元" in reply and NOT_UNDERSTOOD not in reply


def test_an_entry_named_by_its_words_then_just_it_signs_up_for_it(visitor, events):
    visitor.says("最近有哪些培训")
    visitor.says("基金那个")
    reply = visitor.says("就它吧，我报名")
    assert "基金申请书写作培训" in reply and "姓名" in reply


def test_an_entry_named_by_its_weekday_with_the_request(visitor, db):
    first, second = add_event(db, "青年学者沙龙", 9, "郑州"), add_event(db, "期刊编辑培训", 11, "开封")
    visitor.says("最近有什么活动")
    weekday = WEEKDAYS[date.fromisoformat(second["starts_on"]).weekday()]
    reply = visitor.says(f"星期{weekday}那个怎么报名")
    assert "期刊编辑培训" in reply and "青年学者沙龙" not in reply and "姓名" in reply


def test_an_entry_named_with_a_question_about_it_is_answered_for_it(visitor, events):
    visitor.says("有什么培训吗")
    reply = visitor.says("新乡那个多少钱")
    assert "200" in reply and NOT_UNDERSTOOD not in reply


def test_a_word_two_entries_share_picks_neither(visitor, events):
    visitor.says("有什么培训吗")
    reply = visitor.says("培训那个")
    assert "150元" not in reply or "200元" in reply  # never one of them picked at random


# --- a number after the menu ---------------------------------------------------------------------------------

@pytest.mark.parametrize("said", ["3", "第三个", "3."])
def test_a_number_after_the_help_menu_does_that_line(visitor, said):
    assert "1. 申请入会" in visitor.says("帮助")
    reply = visitor.says(said)
    assert NOT_UNDERSTOOD not in reply and "会费" in reply and "1. 申请入会" not in reply


def test_a_number_after_the_not_understood_menu_does_that_line(visitor, events):
    assert NOT_UNDERSTOOD in visitor.says("啊这个那个嗯")
    reply = visitor.says("5")
    assert "实验室安全培训" in reply and NOT_UNDERSTOOD not in reply


def test_a_request_after_the_menu_is_answered_as_usual(visitor, events):
    visitor.says("帮助")
    assert "实验室安全培训" in visitor.says("最近有什么活动")


def test_an_entry_named_by_its_weekday_after_a_lead_word_is_answered_for_it(visitor, db):
    add_event(db, "青年学者沙龙", 9, "郑州"), add_event(db, "期刊编辑培训", 11, "开封")
    visitor.says("最近有啥培训没有")
    weekday = WEEKDAYS[(TODAY + timedelta(days=11)).weekday()]
    reply = visitor.says(f"那个周{weekday}的是在哪里开")
    assert "开封" in reply and "青年学者沙龙" not in reply


def test_a_place_corrected_in_the_same_message_takes_the_second(visitor, events):
    visitor.says("报名活动")
    reply = visitor.says("1 不对 2")
    assert "基金申请书写作培训" in reply and NOT_UNDERSTOOD not in reply

