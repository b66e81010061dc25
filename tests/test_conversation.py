"""Flows as a member lives them: feedback end to end, cancel, leaving and coming back, help,
and a form opened while the membership application waits."""
from __future__ import annotations

import time

import pytest

from bot import content
from storage import state
from storage.members import find_open_application
from storage.tickets import HUMAN, list_tickets, list_tickets_of_member
from tests.job_board import post as post_job
from tests.member import Member
from tests.test_signup import GOOD_DATA, STUDENT_ANSWERS, fill
from tests import redis_state


@pytest.fixture
def alice(client, config):
    return Member(client, config, "o_alice")


def tickets(db, openid="o_alice"):
    return list_tickets_of_member(db, openid)


def test_feedback_becomes_a_numbered_ticket(alice, db):
    assert "写下您的意见" in alice.says("我想提个建议")
    reply = alice.says("希望学会多组织面向企业的技术对接活动")
    [ticket] = tickets(db)
    assert ticket["ticket_no"] in reply
    assert ticket["body"] == "希望学会多组织面向企业的技术对接活动"
    assert ticket["category"] == "建议"
    assert ticket["status"] == "open"
    assert "编号" in reply and "帮助" not in reply


def test_a_long_first_message_is_offered_back_and_confirmed(alice, db):
    complaint = "我要投诉上次培训的组织问题，签到排队一个多小时"
    assert complaint in alice.says(complaint)
    reply = alice.says("确认")
    [ticket] = tickets(db)
    assert ticket["body"] == complaint and ticket["category"] == "投诉"
    assert ticket["ticket_no"] in reply


def test_the_menu_starts_feedback_too(alice, db):
    assert "写下您的意见" in alice.clicks("MENU_FEEDBACK")
    assert "编号" in alice.says("会员证书能不能做成电子版")
    assert len(tickets(db)) == 1


def test_too_short_an_answer_is_asked_again_and_nothing_is_stored(alice, db):
    alice.says("我要反馈")
    assert "至少" in alice.says("好")
    assert tickets(db) == []
    assert "编号" in alice.says("文章页面经常打不开")
    assert len(tickets(db)) == 1


@pytest.mark.parametrize("cancel_word", ["取消", "算了，不填了", "退出"])
def test_cancel_at_any_step_keeps_nothing(alice, db, redis_client, cancel_word):
    alice.says("我想提建议")
    reply = alice.says(cancel_word)
    assert "已取消" in reply and "意见建议" in reply
    assert tickets(db) == []
    assert redis_state.load_flow(redis_client, "o_alice") is None


def test_cancel_after_a_draft_keeps_nothing(alice, db):
    alice.says("我要反馈一个问题，公众号里的会讯文章图片都显示不出来")
    assert "已取消" in alice.says("取消")
    assert tickets(db) == []


def test_cancel_with_nothing_open_says_so(alice):
    assert "没有正在办理" in alice.says("取消")


def test_returning_after_a_while_is_offered_to_continue(alice, db, redis_client):
    alice.says("我想提建议")
    flow = redis_state.load_flow(redis_client, "o_alice")
    flow["updated_at"] = time.time() - 3600  # the member left an hour ago
    redis_state.save_flow(redis_client, "o_alice", flow, ttl=1800)
    offer = alice.says("在吗")
    assert "还没有完成" in offer and "继续" in offer
    assert tickets(db) == []  # "在吗" was not taken as the feedback
    assert "写下您的意见" in alice.says("继续")
    assert "编号" in alice.says("希望年会的日程早点公布")
    assert len(tickets(db)) == 1


def test_another_question_while_paused_is_answered_with_a_reminder(alice, redis_client):
    alice.says("我想提建议")
    flow = redis_state.load_flow(redis_client, "o_alice")
    flow["updated_at"] = time.time() - 3600
    redis_state.save_flow(redis_client, "o_alice", flow, ttl=1800)
    alice.says("你好")  # the resume offer
    reply = alice.says("秘书处电话多少")
    assert content.society()["secretariat"]["phone"] in reply
    assert "还没有完成" in reply


def test_a_menu_click_mid_flow_is_answered_and_the_flow_waits(alice, db):
    alice.says("我想提建议")
    reply = alice.clicks("MENU_HELP")
    assert "申请入会" in reply and "还没有完成" in reply
    assert "写下您的意见" in alice.says("继续")
    alice.says("希望增加线上讲座的回放")
    assert len(tickets(db)) == 1


def test_a_picture_mid_flow_asks_for_text_and_keeps_the_step(alice, db):
    alice.says("我想提建议")
    reply = alice.send("image", PicUrl="http://example.org/a.jpg", MediaId="m1")
    assert "文字" in reply and "写下您的意见" in reply
    assert "编号" in alice.says("希望开通发票的电子版下载")
    assert len(tickets(db)) == 1


def test_voice_recognition_is_routed_like_text(alice, db):
    assert "写下您的意见" in alice.send("voice", Recognition="嗯我想提个建议")
    alice.send("voice", Recognition="希望学会多办一些青年学者沙龙")
    assert len(tickets(db)) == 1


def test_human_gives_the_contact_and_queues_the_member_once(alice, db):
    phone = content.society()["secretariat"]["phone"]
    assert phone in alice.says("我要找人工客服")
    assert phone in alice.clicks("MENU_HUMAN")
    [request] = list_tickets(db, category=HUMAN)
    assert request["openid"] == "o_alice" and request["status"] == "open"


@pytest.mark.parametrize("text", ["帮助", "这个公众号能干啥", "今天天气怎么样"])
def test_help_and_unknown_are_never_a_dead_end(alice, text):
    reply = alice.says(text)
    assert "入会" in reply and "建议" in reply and "人工" in reply


@pytest.mark.parametrize("text", ["你好", "在吗", "好的", "谢谢", "🙂🙂", "   ", "[微笑]"])
def test_small_talk_gets_one_friendly_line_not_the_menu(alice, text):
    """Issue 12: thanks, 好的, 在吗 and an emoji each got the 17-line list of services."""
    reply = alice.says(text)
    assert len(reply.splitlines()) == 1 and "1. 申请入会" not in reply


def test_capabilities_still_to_come_say_so_politely(alice):
    reply = alice.clicks("MENU_JOBS")
    assert content.society()["secretariat"]["phone"] in reply or "招聘" in reply


def test_follow_and_poster_follow_both_welcome(client, config):
    assert "欢迎关注" in Member(client, config, "o_new").follows()
    assert "欢迎关注" in Member(client, config, "o_poster").follows(scene="conference2026")


def test_unfollow_ends_an_open_flow(alice, redis_client):
    alice.says("我想提建议")
    assert alice.send("event", Event="unsubscribe") == ""
    assert redis_state.load_flow(redis_client, "o_alice") is None


def test_members_do_not_see_each_others_flows(client, config, db):
    alice, bob = Member(client, config, "o_alice"), Member(client, config, "o_bob")
    alice.says("我想提建议")
    assert "写下您的意见" not in bob.says("希望学会多组织面向企业的技术对接")  # bob's is a draft
    assert "编号" in alice.says("希望年会提供直播")
    assert [t["body"] for t in tickets(db)] == ["希望年会提供直播"]


def test_unfollow_marks_a_member_unreachable_and_a_new_follow_restores(alice, db):
    from storage.members import find_member_by_openid, insert_member

    insert_member(db, {"member_no": "HNKX202600001", "name": "李雷", "category": "regular",
                       "openid": "o_alice"}, actor="test")
    alice.send("event", Event="unsubscribe")
    member = find_member_by_openid(db, "o_alice")
    assert member["reachable"] == 0 and member["status"] == "active"
    assert "欢迎回来，李雷" in alice.follows()  # bound: greeted by name (member walk 12, #50)
    assert find_member_by_openid(db, "o_alice")["reachable"] == 1


def test_a_cancel_like_sentence_mid_flow_is_confirmed_before_anything_is_lost(alice, db):
    alice.says("我想提建议")
    question = alice.says("请终止当前流程")
    assert "是否" in question or "吗" in question
    assert "已取消" in alice.says("是")
    assert tickets(db) == []


def test_no_to_the_cancel_question_keeps_the_sentence_as_the_answer(alice, db):
    alice.says("我想提建议")
    alice.says("请终止当前流程")  # e.g. a member asking the society to stop something
    reply = alice.says("否")
    [ticket] = tickets(db)
    assert ticket["body"] == "请终止当前流程" and ticket["ticket_no"] in reply


def test_a_handler_that_outlived_its_lock_does_not_overwrite_the_next_message(redis_client, monkeypatch):
    """The lock's hold ran out mid-reply and the member's next message moved on: the slow
    reply's form state is dropped, not written over the newer one."""
    monkeypatch.setattr(state, "LOCK_HOLD_SECONDS", 0.05)
    slow = state.begin_message(redis_client, "msg:1", "o_slow", claim_ttl=60)
    time.sleep(0.1)
    monkeypatch.undo()
    next_message = state.begin_message(redis_client, "msg:2", "o_slow", claim_ttl=60)
    assert next_message.taken
    next_message.save({"name": "feedback", "step": "body", "data": {}})
    state.end_message(redis_client, next_message, 60, "msg:2", "<xml>2</xml>", 60)
    slow.save({"name": "signup", "step": "name", "data": {}})
    state.end_message(redis_client, slow, 60, "msg:1", "<xml>1</xml>", 60)
    assert redis_state.load_flow(redis_client, "o_slow")["name"] == "feedback"
    after = state.begin_message(redis_client, "msg:3", "o_slow", claim_ttl=60)
    assert after.taken and after.flow["name"] == "feedback"  # and the lock was freed
    assert state.wait_for_reply(redis_client, "msg:1", 0) == "<xml>1</xml>"  # the reply is kept all the same


# --- a form of its own opened while the application waits ------------------------------------

def application_waiting(alice, redis_client, until="mobile") -> dict:
    """Fill the membership application up to `until`; returns the answers typed so far."""
    fill(alice, STUDENT_ANSWERS, until=until)
    return redis_state.load_flow(redis_client, "o_alice")["data"]["answers"]


def reminder() -> str:
    return content.text("flow.paused", flow=content.feature_name("signup"))


def test_feedback_given_mid_application_leaves_the_application_waiting(alice, db, redis_client):
    answers = application_waiting(alice, redis_client)
    assert "写下您的意见" in alice.says("我想提个建议")
    assert redis_state.load_flow(redis_client, "o_alice")["waiting"]["data"]["answers"] == answers
    done = alice.says("希望年会的日程早点公布")
    [ticket] = tickets(db)
    assert ticket["ticket_no"] in done and ticket["body"] == "希望年会的日程早点公布"
    assert done.count("还没有完成") == 1 and reminder() in done
    flow = redis_state.load_flow(redis_client, "o_alice")
    assert (flow["name"], flow["step"], flow["paused"]) == ("signup", "mobile", True) and "waiting" not in flow
    assert "请输入您的手机号" in alice.says("继续")
    for _, answer, _ in STUDENT_ANSWERS[-2:]:
        summary = alice.says(answer)
    assert "姓名：张三" in summary and "学科专业：有机化学" in summary
    assert "申请编号" in alice.says("确认")
    assert find_open_application(db, "o_alice")["data"] == GOOD_DATA["individual"]
    assert redis_state.load_flow(redis_client, "o_alice") is None


@pytest.mark.parametrize("request_,question,title", [
    ("我想提个建议", "写下您的意见", "意见建议"),
    ("订阅", "请选择要订阅的栏目", "订阅会讯"),
    ("会员卡", "还没有绑定会员身份", "会员信息"),  # a non-member: binding
], ids=["feedback", "subscriptions", "binding"])
def test_cancelling_the_other_form_brings_the_application_back(alice, db, redis_client, request_, question,
                                                               title):
    answers = application_waiting(alice, redis_client, until="discipline")
    assert question in alice.says(request_)
    reply = alice.says("取消")
    assert f"已取消“{title}”" in reply and reminder() in reply
    assert "申请入会" not in reply.replace(reminder(), "")  # only the other form was cancelled
    assert tickets(db) == []
    flow = redis_state.load_flow(redis_client, "o_alice")
    assert flow["name"] == "signup" and flow["paused"] and flow["data"]["answers"] == answers
    assert "学科专业" in alice.says("继续")
    assert "已取消“申请入会”" in alice.says("取消")  # the application itself, when it is the one asked
    assert redis_state.load_flow(redis_client, "o_alice") is None
    assert find_open_application(db, "o_alice") is None


def test_a_stale_form_over_the_application_is_offered_then_cancelled_alone(alice, db, redis_client):
    application_waiting(alice, redis_client)
    alice.says("我想提个建议")
    flow = redis_state.load_flow(redis_client, "o_alice")
    flow["updated_at"] = time.time() - 3600  # the member left an hour ago
    redis_state.save_flow(redis_client, "o_alice", flow, ttl=1800)
    offer = alice.says("在吗")
    assert "意见建议" in offer and "还没有完成" in offer and "申请入会" not in offer
    reply = alice.says("取消")
    assert "已取消“意见建议”" in reply and reminder() in reply
    assert "请输入您的手机号" in alice.says("继续")


def test_cancelling_an_application_started_over_a_paused_form_brings_that_form_back(alice, db, redis_client):
    alice.says("我想提建议")
    alice.clicks("MENU_HELP")  # the feedback form is paused
    assert "申请类型" in alice.says("申请入会")
    assert redis_state.load_flow(redis_client, "o_alice")["waiting"]["name"] == "feedback"
    reply = alice.says("取消")
    assert "已取消“申请入会”" in reply and content.text("flow.paused", flow="意见建议") in reply
    assert "写下您的意见" in alice.says("继续")
    assert "编号" in alice.says("希望年会提供直播")
    left = redis_state.load_flow(redis_client, "o_alice")  # at most the question after a ticket, which lapses
    assert len(tickets(db)) == 1 and (left is None or (left["step"] == "submitted" and "waiting" not in left))


@pytest.fixture
def engineer_jobs(db):
    post_job(db, "算法工程师", "河南省人工智能研究院", "郑州")
    post_job(db, "电气工程师", "洛阳轴承集团", "洛阳")


@pytest.mark.parametrize("leave,shown", [
    (lambda alice: alice.says("查会费"), "会费标准"),
    (lambda alice: alice.clicks("MENU_HELP"), "人工"),
    (lambda alice: alice.says("继续"), "请输入您的手机号"),
], ids=["another_request", "menu_click", "continue"])
def test_a_job_list_browsed_mid_application_is_left_and_the_application_waits(alice, redis_client,
                                                                              engineer_jobs, leave, shown):
    answers = application_waiting(alice, redis_client)
    listing = alice.says("招聘 工程师")
    assert "1. " in listing and "2. " in listing and "还没有完成" not in listing
    assert alice.says("1").startswith("【")  # a posting in full; the list is still open
    flow = redis_state.load_flow(redis_client, "o_alice")
    assert flow["name"] == "jobs" and flow["waiting"]["data"]["answers"] == answers
    reply = leave(alice)
    assert shown in reply
    flow = redis_state.load_flow(redis_client, "o_alice")
    assert flow["name"] == "signup" and flow["step"] == "mobile" and flow["data"]["answers"] == answers
    if flow["paused"]:  # left for another request: reminded once, and "继续" comes back
        assert reply.count("还没有完成") == 1 and reminder() in reply
        assert "请输入您的手机号" in alice.says("继续")
    else:  # "继续" from the list went straight back to the question
        assert "还没有完成" not in reply


def test_a_cancel_on_a_job_list_asks_about_the_waiting_application(alice, db, redis_client, engineer_jobs):
    application_waiting(alice, redis_client)
    alice.says("招聘 工程师")
    offer = alice.says("取消")
    assert "申请入会" in offer and "还没有完成" in offer and "已取消" not in offer
    assert offer.count("还没有完成") == 1
    assert redis_state.load_flow(redis_client, "o_alice")["name"] == "signup"
    assert "已取消“申请入会”" in alice.says("取消")
    assert redis_state.load_flow(redis_client, "o_alice") is None


def test_unfollow_drops_the_application_waiting_too(alice, db, redis_client):
    application_waiting(alice, redis_client)
    alice.says("我想提个建议")
    assert redis_state.load_flow(redis_client, "o_alice")["waiting"]["name"] == "signup"
    assert alice.send("event", Event="unsubscribe") == ""
    assert redis_state.load_flow(redis_client, "o_alice") is None
    alice.follows()
    assert "手机号" not in alice.says("继续")
    flow = redis_state.load_flow(redis_client, "o_alice")  # at most the menu "继续" was answered with
    assert flow is None or (flow["name"] != "signup" and "waiting" not in flow)
