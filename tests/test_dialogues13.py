"""Conversations as members hold them (issue 11, item 4), thirteenth round: a list of people registered together
is kept and corrected before it is sent, a list shown is remembered for the next turns, a short yes confirms.
Measured on written conversations with bench/replay_dialogues.py; the wording here is our own."""
from __future__ import annotations

from storage.members import insert_member
from tests.test_dialogues import TODAY, add_event, visitor  # noqa: F401  (fixtures)


def _tickets(db) -> list[dict]:
    return [dict(row) for row in db["tickets"].rows] if "tickets" in db.table_names() else []


# --- several people in one message: a list to check, correct and then submit ---------------------------------

def test_a_list_of_colleagues_is_shown_back_with_their_unit_and_nothing_is_sent_before_a_yes(visitor, db):
    add_event(db, "青年科技沙龙", 20, "郑州", "免费")
    visitor.says("我想帮单位几个人报青年科技沙龙")
    reply = visitor.says("王志刚 13911110001，陈小红 13911110002，刘洪 13911110003，都是河南示范机械研究院的")
    assert "共 3 人" in reply and "陈小红" in reply and "河南示范机械研究院" in reply and "139****0002" in reply
    assert _tickets(db) == []


def test_people_are_added_dropped_renamed_and_given_another_mobile_before_the_list_goes(visitor, db):
    add_event(db, "青年科技沙龙", 20, "郑州", "免费")
    visitor.says("我想帮单位几个人报青年科技沙龙")
    visitor.says("王志刚 13911110001，陈小红 13911110002，刘洪 13911110003")
    reply = visitor.says("再加一个 赵敏 13911110004")
    assert "共 4 人" in reply and "赵敏" in reply
    reply = visitor.says("刘洪临时出差去不了了")
    assert "共 3 人" in reply and "刘洪" not in reply
    reply = visitor.says("陈小红的手机写错了 是13911110009")
    assert "139****0009" in reply and "139****0002" not in reply
    reply = visitor.says("王志刚的名字打错了 是王志钢")
    assert "王志钢" in reply and "王志刚" not in reply and "139****0001" in reply
    reply = visitor.says("第3个人电话后四位是0044")
    assert "139****0044" in reply
    reply = visitor.says("没问题 提交")
    assert "已提交" in reply and "3 人" in reply
    [ticket] = _tickets(db)
    assert all(words in ticket["body"] for words in ("王志钢 13911110001", "陈小红 13911110009",
                                                       "赵敏 13911110044"))
    assert "刘洪" not in ticket["body"] and "王志刚" not in ticket["body"]


def test_a_swap_keeps_the_mobile_when_the_member_says_it_is_the_same(visitor, db):
    add_event(db, "青年科技沙龙", 20, "郑州", "免费")
    visitor.says("我想帮单位几个人报青年科技沙龙")
    visitor.says("王志刚 13911110001，陈小红 13911110002")
    reply = visitor.says("把王志刚换成孙立 电话一样")
    assert "孙立　139****0001" in reply and "王志刚" not in reply


def test_the_list_prices_roster_members_at_the_members_price_and_the_others_at_theirs(visitor, db):
    add_event(db, "学术年会", 30, "郑州", "会员800元，非会员1000元")
    insert_member(db, {"member_no": "HNKX201500900", "name": "郭建新", "mobile": "13607710900", "category": "regular",
                       "paid_through": f"{TODAY.year}-12-31"}, actor="test")
    visitor.says("我替院里几位老师报学术年会")
    reply = visitor.says("郭建新 13607710900 会员；唐文 15890010001 不是会员")
    assert "会员 800 元：郭建新" in reply and "非会员 1000 元：唐文" in reply and "共 1800 元" in reply


def test_a_question_said_with_the_submit_is_answered_after_it(visitor, db):
    add_event(db, "青年科技沙龙", 20, "郑州", "300元")
    visitor.says("我想帮单位几个人报青年科技沙龙")
    visitor.says("王志刚 13911110001，陈小红 13911110002")
    reply = visitor.says("行 提交 能对公转账不")
    assert "已提交" in reply and "共 600 元" in reply and "银行转账" in reply


def test_a_follower_told_several_come_is_asked_for_the_whole_list_at_once(visitor, db):
    add_event(db, "青年科技沙龙", 20, "郑州", "免费")
    reply = visitor.says("帮我们所报青年科技沙龙 四个人")
    assert "一条消息里写几个人" in reply and "您本人的报名" not in reply
