"""Conversations as members hold them (issue 11, items 3 and 4), tenth round: a member looking up their own
dues before binding is bound first and then shown them. Measured on written conversations with
bench/replay_dialogues.py; the wording here is our own."""
from __future__ import annotations

from datetime import date

from tests.test_dialogues import TODAY, bound_name, roster, visitor  # noqa: F401  (fixtures)
from tests.test_dialogues8 import _event


# --- dues looked up before binding ---------------------------------------------------------------------------

def test_looking_up_ones_dues_unbound_asks_who_one_is_and_then_shows_them(visitor, roster, db):
    reply = visitor.says("帮我查一下会费")
    assert "会费标准" not in reply and "姓名" in reply
    reply = visitor.says("高志强 13598760002")
    assert "绑定成功" in reply and "会费" in reply
    assert bound_name(db) == "高志强"


def test_asking_for_the_dues_table_unbound_still_gets_the_table(visitor):
    assert "会费标准" in visitor.says("查一下会费标准")


# --- "今年还有什么活动": what is still to come, the turn of the year no limit ---------------------------------

def test_asking_what_is_left_this_year_lists_every_event_ahead_even_early_next_year(visitor, db):
    _event(db, "科研写作培训", "培训", "线上", 3, "免费")
    _event(db, "学术年会", "学术会议", "郑州", (date(TODAY.year + 1, 1, 16) - TODAY).days, "会员800元")
    reply = visitor.says("今年还有哪些活动 都列一下")
    assert "科研写作培训" in reply and "学术年会" in reply


# --- "信息跟刚才一样": the contact given for a registration just dropped -------------------------------------

def test_the_contact_of_a_registration_just_dropped_is_reused_when_the_member_says_it_is_the_same(visitor, db):
    _event(db, "人工智能青年论坛", "学术会议", "洛阳", 30, "免费")
    _event(db, "新材料产业沙龙", "沙龙", "郑州", 36, "免费")
    visitor.says("我要报名人工智能青年论坛")
    visitor.says("赵丽 郑州大学 13838123456")
    visitor.says("算了 不报了")
    visitor.says("新材料产业沙龙是啥时候")
    reply = visitor.says("报这个 信息跟刚才一样")
    assert "请确认报名" in reply and "新材料产业沙龙" in reply and "赵丽" in reply and "郑州大学" in reply


def test_asking_whether_ones_dues_are_due_again_unbound_asks_who_one_is(visitor, roster, db):
    reply = visitor.says("我会费是不是也该交了")
    assert "会费标准" not in reply and "姓名" in reply
