"""Conversations as members hold them (issue 11, items 3 and 4), twelfth round: what a member has said once is
not asked for again. Measured on written conversations with bench/replay_dialogues.py; the wording here is
our own."""
from __future__ import annotations

from tests.test_dialogues import bound_name, roster, visitor  # noqa: F401  (fixtures)


# --- binding: what was said is kept ----------------------------------------------------------------------------

def test_a_mobile_read_out_in_words_at_the_mobile_question_binds(visitor, roster, db):
    visitor.says("绑定会员")
    visitor.says("我叫李秀兰")
    visitor.says("会员号我不记得了")
    reply = visitor.says("电话一三五九八七六零零零幺")
    assert "绑定成功" in reply and bound_name(db) == "李秀兰"


def test_the_member_number_given_with_the_request_is_not_asked_for_again(visitor, roster, db):
    reply = visitor.says("我要绑定 会员号HNKX201900002")
    assert "HNKX201900002" in reply and "会员编号（" not in reply
    reply = visitor.says("13598760002")
    assert "绑定成功" in reply and bound_name(db) == "高志强"


def test_a_number_and_a_mobile_that_do_not_go_together_bind_no_one(visitor, roster, db):
    visitor.says("我要绑定 会员号HNKX201900002")
    reply = visitor.says("13598760001")
    assert "绑定成功" not in reply and bound_name(db) is None


def test_a_member_abroad_binds_with_the_name_in_pinyin_and_the_mobile_in_a_sentence(visitor, roster, db):
    visitor.says("I'd like to link my membership to this WeChat")
    reply = visitor.says("My member number is HNKX201900001, name Li Xiulan")
    assert "last four digits" in reply
    reply = visitor.says("The phone is 13598760001 but I can't receive SMS on it any more")
    assert "Linked" in reply and bound_name(db) == "李秀兰"
