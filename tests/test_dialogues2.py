"""Conversations of the second written set's classes, in our own words: binding that went wrong
and what members ask next, an answer of the form taken for a request, switching the kind of
application, subscriptions changed in a sentence, and registering in one message. Measured on
the written conversations by bench/replay_dialogues.py (/work/notes-dialogue.md, dialogue2)."""
from __future__ import annotations

import pytest

# the first set's follower, roster (李秀兰, 高志强) and who a WeChat is bound to
from tests.test_dialogues import bound_name, roster, visitor  # noqa: F401  (pytest fixtures)


# --- binding that did not match, and what members ask next ----------------------------------------

@pytest.mark.parametrize("asks", ["我的会员证给我看看", "会员几号到期", "审核一般要几天", "把我单位改成新乡医学院"])
def test_asking_for_ones_record_after_a_failed_match_says_binding_is_missing(visitor, roster, db, asks):
    visitor.says("绑定")
    assert "对不上" in visitor.says("高志强 13900001111")
    reply = visitor.says(asks)
    assert "格式不对" not in reply and "没有完全理解" not in reply
    assert "还没有绑定成功" in reply and "0371-6000 0000" in reply
    assert "绑定成功" in visitor.says("13598760002") and bound_name(db) == "高志强"


def test_doubting_the_roster_after_a_failed_match_suggests_an_older_mobile(visitor, roster):
    visitor.says("我要绑定会员")
    visitor.says("李秀兰 13911112222")
    reply = visitor.says("怎么可能对不上，我一直是会员")
    assert "以前的手机号" in reply and "0371-6000 0000" in reply and "会费标准" not in reply


def test_asking_for_ones_card_at_the_name_question_says_binding_comes_first(visitor, roster):
    visitor.says("绑定微信")
    reply = visitor.says("先让我看看会员卡")
    assert "绑定前" in reply and "姓名" in reply


def test_a_title_after_the_name_is_not_part_of_it(visitor, roster, db):
    visitor.says("绑定")
    assert "绑定成功" in visitor.says("高志强老师 13598760002")
    assert bound_name(db) == "高志强"


def test_a_surname_with_a_title_is_asked_for_the_whole_name_keeping_the_mobile(visitor, roster, db):
    visitor.says("绑定会员")
    reply = visitor.says("李教授 13598760001")
    assert "对不上" not in reply and "全名" in reply
    assert "绑定成功" in visitor.says("李秀兰") and bound_name(db) == "李秀兰"


def test_a_new_mobile_before_binding_says_binding_comes_first(visitor, roster, db):
    visitor.says("我手机号换了")
    reply = visitor.says("现在用的是13700002222")
    assert "绑定前" in reply and "修改" in reply
    reply = visitor.says("李秀兰 13598760001")
    assert "绑定成功" in reply and "新的手机号" in reply
    assert "已为您更新" in visitor.says("13700002222")
