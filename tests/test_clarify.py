"""Ask instead of guessing, as a member meets it: one numbered question when the bot is unsure,
the answer carrying on the original request; spam and thanks get one short line; what the bot
did not understand is kept for the secretariat, without the openid or a mobile number."""
from __future__ import annotations

import pytest

from bot import content
from storage import misunderstood
from tests.member import Member
from tests.test_events_chat import add_event


@pytest.fixture
def alice(client, config):
    return Member(client, config, "o_alice_clarify")


def _options(question: str) -> list[str]:
    """'您是想：1. A 2. B？请回复数字。' -> ['1. A', '2. B']"""
    import re

    return [m.strip() for m in re.findall(r"\d\. [^\d？]+", question)]


def kept(db) -> list[dict]:
    return list(db.query("select * from misunderstood order by id"))


def test_an_unsure_message_gets_a_numbered_question_not_the_menu(alice):
    reply = alice.says("会员")
    assert reply.startswith("您是想：")
    # both readings offered; which comes first is the model's ranking, which new examples may swap
    assert {"1. 申请入会", "2. 查看或修改会员信息"} <= set(_options(reply)) or \
        {"1. 查看或修改会员信息", "2. 申请入会"} <= set(_options(reply))
    assert content.text("help.text").splitlines()[-1] not in reply  # not the nine-line menu
    assert len(reply) < 60


@pytest.mark.parametrize("answer", ["1", "第一个", "1。", "申请入会", "入会"])
def test_the_answer_carries_on_the_original_request(alice, answer):
    alice.says("会员")
    reply = alice.says(answer)
    assert "入会" in reply and not reply.startswith("您是想")


def test_the_second_option_by_its_number(alice):
    alice.says("会员")
    reply = alice.says("第二个")
    assert not reply.startswith("您是想")
    assert "会员" in reply


def test_the_chosen_intent_keeps_the_original_slots(client, config):
    from bot import clarify

    # The answer is routed with the original text's slots: a jobs pick searches its keywords.
    assert clarify.chosen("2", ["events", "jobs"]) == "jobs"
    assert clarify.chosen("两个都不是", ["events", "jobs"]) is None
    assert clarify.chosen("找工作", ["events", "jobs"]) == "jobs"
    bob = Member(client, config, "o_bob_clarify")
    bob.says("会员")
    assert "入会" in bob.says("1")


def test_something_else_instead_of_an_answer_is_answered_as_usual(alice):
    alice.says("会员")
    reply = alice.says("会费怎么交")
    assert "会费" in reply and not reply.startswith("您是想")
    # and the question is gone: "1" now is not an answer to it
    assert not alice.says("1").startswith("申请入会")


def test_spam_gets_one_short_neutral_line(alice, db):
    reply = alice.says("兼职刷单 日结300 加V：jz88668")
    assert reply == content.text("clarify.spam")
    assert kept(db) == []  # an ad is nothing to teach


def test_thanks_get_a_polite_line_not_sorry(alice):
    reply = alice.says("好的，谢谢老师")
    assert reply == content.text("clarify.thanks")
    assert "抱歉" not in reply


def test_a_real_miss_still_gets_help_and_is_kept_masked(alice, db):
    reply = alice.says("我家猫不吃饭怎么办 13812345678")
    assert reply == content.text("unknown.question")
    [row] = kept(db)
    assert row["reason"] == misunderstood.UNKNOWN and row["guess"] == "unknown"
    assert "13812345678" not in row["text"] and "138****5678" in row["text"]
    assert "o_alice_clarify" not in str(row) and len(row["member_key"]) == 16


def test_a_cancel_right_after_marks_the_guess_as_wrong(alice, db):
    alice.says("我要入会")  # the bot opens the application form
    alice.says("取消")
    [row] = kept(db)
    assert (row["text"], row["guess"], row["reason"]) == ("我要入会", "signup", misunderstood.CANCELLED)


def test_a_follow_up_about_the_award_just_asked_is_that_awards_not_a_job_search(client, config, db):
    # dialogues5b b08: '要准备哪些材料' right after an award question was read as a job search for 材料
    from datetime import date, timedelta

    from storage import awards

    awards.save_awards(db, [({"name": "河南省科学技术奖", "kind": "award",
                              "deadline": (date.today() + timedelta(days=40)).isoformat(),
                              "eligibility": "省内从事科研工作的个人和团队", "how_to_apply": "由学会推荐",
                              "link": "https://www.example.org/award"}, "test")], [], actor="test")
    member = Member(client, config, "o_award_follow_up")
    member.says("今年青年科技奖申报条件是啥")
    materials = member.says("要准备哪些材料")
    assert "申报材料" in materials and "招聘单位" not in materials
    stamp = member.says("单位要盖章吗 还是个人直接报")
    assert "申报方式：由学会推荐" in stamp and not stamp.startswith("您是想")


def test_the_same_words_with_no_subject_named_before_are_still_asked_about(alice):
    # a guard: with nothing asked before, the router's doubt is not settled by a guess
    reply = alice.says("要准备哪些材料")
    assert "申报材料" not in reply and "招聘单位" not in reply and "如果您是想" in reply or reply.startswith("您是想")


@pytest.mark.parametrize("question", ["学会有没有食堂", "你们提供论文查重服务吗"])
def test_an_unsure_question_about_nothing_the_bot_does_is_answered_honestly_first(alice, question):
    reply = alice.says(question)
    assert reply.startswith(content.text("unknown.question").split("，")[0])  # 这个我这里答不上来
    assert "如果您是想：1. " in reply and " 2. " in reply  # the closest two, in one line after it
    assert not reply.startswith("您是想")


def test_a_number_after_the_honest_answer_still_carries_on_the_original_message(alice):
    # Events and awards are a tie in the model's eyes (0.27 each): which the line offers first is the model's draw
    # and changes with its examples. What the member sees is that "1" answers as the first thing the line offered.
    reply = alice.says("学会有没有食堂")
    first = reply.split("如果您是想：1. ")[1].split(" 2. ")[0]
    said = {"查看活动安排": "活动", "评奖与人才项目": "评奖"}[first]
    assert said in alice.says("1") and not alice.says(said).startswith("您是想")


def test_an_honest_answer_that_comes_to_a_write_still_offers_the_closest_readings(alice, monkeypatch):
    """The honest answer, tried at once with a store that only reads, comes to a write (here: the question
    filed for the secretariat) and is answered again in the pool: the message goes there with the router's
    readings, not as the `unknown` the honest answer was made with."""
    from bot.registry import INTENT_HANDLERS
    from storage.tickets import create_ticket

    unknown = INTENT_HANDLERS["unknown"]

    def files_it(ctx):
        create_ticket(ctx.db, ctx.openid, "意见建议", ctx.text)
        return unknown(ctx)

    monkeypatch.setitem(INTENT_HANDLERS, "unknown", files_it)
    reply = alice.says("学会有没有食堂")
    assert "如果您是想：1. " in reply and " 2. " in reply


def test_a_message_after_the_help_menu_is_read_and_kept_once(alice, db, monkeypatch):
    """The help menu's step lets a message that is no line of it go as if no menu had been shown: the message
    is remembered for the follow-ups once, and kept for the secretariat once, not read twice."""
    from storage import state

    alice.says("帮助")
    remembered = []
    keep = state.remember_last_routed
    monkeypatch.setattr(state, "remember_last_routed", lambda *args: remembered.append(args) or keep(*args))
    alice.says("最近有什么活动")
    assert len(remembered) == 1
    alice.says("帮助")
    alice.says("啊这个那个嗯")
    assert [row["text"] for row in kept(db)] == ["啊这个那个嗯"]


def test_a_question_torn_between_two_things_the_bot_does_still_gets_the_numbered_question(alice):
    # issue 11 item 3: two close readings the member means one of
    assert alice.says("年会 报名截止了没").startswith("您是想：")


def test_a_competitions_deadline_asked_is_answered_not_asked_back(alice, db):
    """'青少年科技大赛 报名截止了没' was the example above when it was written (events 0.54, event_signup 0.31).
    Since the eleventh writer's examples joined the training data (824a249) the model places it on events (0.65)
    and the example became '年会 报名截止了没', still torn. That change is right, not hidden: the member asks a
    deadline, which the competition's own detail says; '1. 报名活动 2. 查看活动安排' would only put a question
    between them and it. Held here with the competition in the guide."""
    add_event(db, "2027年青少年科技大赛", 40, type="竞赛")
    reply = alice.says("青少年科技大赛 报名截止了没")
    assert reply.startswith("《2027年青少年科技大赛》") and "报名截止：" in reply and "您是想" not in reply


def test_the_line_after_the_honest_answer_is_in_the_members_language(alice):
    reply = alice.says("Do you have a canteen at the society? Can I eat there?")
    assert reply.startswith("I don't have that information here") and "If you meant: 1. " in reply
    assert "如果您是想" not in reply
