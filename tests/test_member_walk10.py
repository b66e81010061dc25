"""What a black-box walk of the member side found (round 10, /work/qa/members10.md), asserted as the member
sees it: the dues answers, duplicates, steps that swallowed or misread messages. Our own wording besides the
tester's."""
from __future__ import annotations

from datetime import date

import pytest

from handlers.fees import dues
from handlers.fees.payments import record_payment
from storage.fees import find_payer
from storage.members import insert_member
from storage.sqlite import transaction
from tests.member import Member

TODAY = date.today()


def add_member(db, number: str, name: str, mobile: str, paid_through: str | None, openid: str | None = None):
    with transaction(db):
        return insert_member(db, {"member_no": number, "name": name, "category": "regular", "mobile": mobile,
                                  "paid_through": paid_through, "openid": openid}, actor="test")


@pytest.fixture
def member(client, config):
    return Member(client, config, "o_walk")


# --- dues: what was paid, as the receipt says ----------------------------------------------------------

def test_asking_whether_dues_are_paid_with_nothing_booked_answers_by_the_paid_through_date(member, db):
    add_member(db, "HNKX201000001", "王建国", "13607710001", f"{TODAY.year}-12-31", openid="o_walk")
    for question in ("会非交了吗", "我的会费交了吗"):
        reply = member.says(question)
        assert f"{TODAY.year} 年的会费已经交过了" in reply and "还没有登记到" not in reply, reply
    add_member(db, "HNKX201000002", "高远", "13607710002", f"{TODAY.year - 1}-12-31", openid="o_other")
    assert f"{TODAY.year} 年的会费还没有交" in Member(member.client, member.config, "o_other").says("会费交了没")


def test_a_year_passed_over_by_a_payment_for_the_next_is_not_said_to_be_paid(member, db):
    add_member(db, "HNKX201000002", "李晓梅", "13607710002", f"{TODAY.year - 1}-12-31", openid="o_walk")
    payment = record_payment(db, find_payer(db, "HNKX201000002"), dues.yearly_fee("regular"), 1, TODAY,
                             "银行转账", "test")
    reply = member.says("今年交了没")
    if payment["period_from"] > f"{TODAY.year}-12-31":  # paid after next_year_from: counted for next year
        assert f"{TODAY.year} 年没有单独缴费" in reply and payment["receipt_no"] in reply
        assert f"{TODAY.year} 年的会费已经交过了" not in reply
    else:
        assert f"{TODAY.year} 年的会费已经交过了" in reply


def test_asking_to_have_ones_dues_looked_up_is_not_taken_as_a_moment_to_wait(member, db):
    reply = member.says("我忘了今年会费交没交了 帮我查一下")
    assert "不着急" not in reply and "姓名和手机号" in reply
    assert "不着急" in Member(member.client, member.config, "o_b").says("稍等 我查一下")


# --- duplicates: one application, one registration -------------------------------------------------

def test_a_chat_application_left_open_is_dropped_once_the_member_applied_on_the_page_and_was_approved(member, db):
    from handlers.members.records import approve_application
    from storage.members import create_application, list_pending_applications

    member.says("我想申请个人会员")
    member.says("我叫李明轩")
    member.says("学生会员")
    assert "还没有完成" in member.says("最近有什么活动")  # the chat form waits
    application = create_application(db, "o_walk", "individual", {"name": "李明轩", "category": "student",
                                                                  "mobile": "13607710009"})
    assert "还没有完成" not in member.says("最近有什么活动")  # sent from the page: nothing left to finish
    approve_application(db, application["app_no"], "test", TODAY)
    assert "还没有完成" not in member.says("会费")
    reply = member.says("继续")
    assert "出生年份" not in reply and "请输入" not in reply
    assert list_pending_applications(db) == []


def test_a_mobile_registered_for_an_event_from_another_wechat_is_not_registered_again(member, db):
    from handlers.events.registration import register
    from storage import events as event_store

    numbers, _ = event_store.save_events(db, [({"title": "青年论坛", "type": "学术会议", "place": "郑州",
                                                "starts_on": f"{TODAY.year + 1}-01-15", "ends_on": f"{TODAY.year + 1}-01-15",
                                                "capacity": 50}, "test")], [], actor="test")
    event = event_store.find_event(db, numbers[0])
    register(db, event["id"], "o_contact", {"name": "刘芳", "mobile": "13607710004"}, TODAY.isoformat())
    member.says("报名青年论坛 刘芳 13607710004")
    reply = member.says("确认")
    assert "136****0004 已经报名过《青年论坛》" in reply and "签到码：" not in reply
    assert event_store.find_event(db, event["id"])["registered"] == 1


def test_a_question_naming_a_day_at_the_registration_summary_is_answered_not_kept_as_a_note(member, db):
    from storage import events as event_store

    add_member(db, "HNKX201000001", "王建国", "13607710001", f"{TODAY.year}-12-31", openid="o_walk")
    day = f"{TODAY.year + 1}-01-15"
    event_store.save_events(db, [({"title": "青年论坛", "type": "学术会议", "place": "郑州", "starts_on": day,
                                   "ends_on": day, "capacity": 50}, "test")], [], actor="test")
    assert "请确认报名" in member.says("青年论坛我也想去")
    for question in ("3.5号有活动没", "下月8号那天有没有讲座"):
        reply = member.says(question)
        assert "备注" not in reply, reply
    assert "报名成功" in member.says("确认")
    from storage.tickets import list_tickets_of_member
    assert list_tickets_of_member(db, "o_walk") == []


# --- steps that swallowed messages ---------------------------------------------------------------

def test_the_invoice_request_takes_no_name_mobile_or_question_for_its_title(member, db):
    from storage.tickets import list_tickets_of_member

    assert "抬头" in member.says("上次交的钱能开张发票吗")
    for said in ("赵丽华", "13607710002"):
        reply = member.says(said)
        assert "记下了" not in reply and "不需要姓名和手机号" in reply, reply
    reply = member.says("那我今年会费交没交")
    assert "记下了" not in reply and "姓名和手机号" in reply  # asked who she is, to answer it
    member.says("取消")
    assert "FK" in member.says("开发票 抬头郑州大学 电子的 邮箱 zl@zzu.edu.cn")
    reply = member.says("发票开好了会寄到哪")
    assert "已补充" not in reply and "邮箱" in reply
    [ticket] = list_tickets_of_member(db, "o_walk")
    assert "寄到哪" not in ticket["body"]


def test_an_id_card_number_in_the_application_is_neither_a_bad_mobile_nor_kept(member, redis_client):
    from tests import redis_state

    member.says("我想申请个人会员")
    member.says("我叫李明轩")
    assert "出生年份" in member.says("学生会员")
    for number in ("41010520000305123x", "身份证 410105199912301234"):
        reply = member.says(number)
        assert "手机号格式不对" not in reply and "不需要身份证号" in reply and "出生年份" in reply, reply
    answers = redis_state.load_flow(redis_client, "o_walk")["data"]["answers"]
    assert "123x" not in str(answers) and "1234" not in str(answers)


def test_a_field_or_no_email_said_early_in_the_application_stays_in_the_form(member, redis_client):
    from tests import redis_state

    member.says("我想申请个人会员")
    member.says("我叫李明轩")
    member.says("学生会员")
    member.says("2001")
    for said in ("化学", "没有邮箱"):
        reply = member.says(said)
        assert "职位" not in reply and "招聘" not in reply and "绑定" not in reply, reply
        assert redis_state.load_flow(redis_client, "o_walk")["name"] == "signup"
    answers = redis_state.load_flow(redis_client, "o_walk")["data"]["answers"]
    assert answers.get("discipline") == "化学" and answers.get("email", "unset") is None


# --- binding, complaints ---------------------------------------------------------------------------

@pytest.mark.parametrize("first", ["张伟 13607710003", "张伟，13607710003", "13607710003 张伟"])
def test_name_and_mobile_as_a_first_message_bind(member, db, first):
    from storage.members import find_member_by_openid

    add_member(db, "HNKX201000003", "张伟", "13607710003", f"{TODAY.year}-12-31")
    reply = member.says(first)
    assert "绑定成功" in reply and "没有完全理解" not in reply
    assert find_member_by_openid(db, "o_walk")["name"] == "张伟"


def test_chasing_an_earlier_complaint_is_apologised_for_and_both_messages_are_kept(member, db):
    from storage.tickets import list_tickets_of_member

    reply = member.says("之前反映的事情到现在都没人管！！什么效率")
    assert reply.startswith("很抱歉让您久等了")
    member.says("时间记不清了 反正是培训报销那件事")
    [ticket] = list_tickets_of_member(db, "o_walk")
    assert "没人管" in ticket["body"] and "培训报销" in ticket["body"]


# --- registering colleagues ------------------------------------------------------------------------

def _annual_meeting(db) -> None:
    from storage import events as event_store

    day = f"{TODAY.year + 1}-01-15"
    event_store.save_events(db, [({"title": "学术年会", "type": "学术会议", "place": "郑州", "starts_on": day,
                                   "ends_on": day, "capacity": 50}, "test")], [], actor="test")


def test_a_unit_contact_registering_colleagues_is_asked_for_their_names_and_mobiles_not_one_name(member, db):
    from storage.tickets import list_tickets_of_member

    _annual_meeting(db)
    reply = member.says("您好，我是华源公司的对接人，想帮单位两位同事报名学术年会")
    assert "同事的姓名和手机号" in reply and "记下" not in reply
    reply = member.says("你那边记下的是谁")
    assert "同事的姓名和手机号" in reply and "记下" not in reply
    reply = member.says("赵刚 13607710004、钱敏 139111122")
    assert "139111122 是 9 位" in reply and list_tickets_of_member(db, "o_walk") == []
    reply = member.says("赵刚 13607710004、钱敏 13911112222")
    assert "转给秘书处" in reply and "未给" not in reply
    [ticket] = list_tickets_of_member(db, "o_walk")
    assert "13911112222" in ticket["body"]


# --- letters in a mobile -------------------------------------------------------------------------

def test_a_mobile_typed_with_a_letter_is_said_to_have_one_and_the_whole_mobile_serves_for_its_last_four(member, db):
    from storage.members import find_member_by_openid

    add_member(db, "HNKX201000001", "王建国", "13607710001", f"{TODAY.year}-12-31")
    member.says("绑定")
    member.says("王建国")
    reply = member.says("136O7710001")
    assert "字母" in reply and "后四位" not in reply
    member.says("HNKX201000001")
    assert "绑定成功" in member.says("13607710001")  # the whole mobile where the last four were asked
    assert find_member_by_openid(db, "o_walk")["name"] == "王建国"


def test_a_new_mobile_with_letters_is_said_to_have_letters(member, db):
    add_member(db, "HNKX201000001", "王建国", "13607710001", f"{TODAY.year}-12-31", openid="o_walk")
    reply = member.says("手机号改成139abcd1234")
    assert "字母" in reply, reply


def test_a_fee_question_in_the_request_to_join_is_answered_before_the_form(member):
    from handlers.fees import dues

    reply = member.says("本人在读研究生，想申请入会，学生一年交多少")
    assert f"{dues.format_amount(dues.yearly_fee('student'))} 元/年" in reply and "姓名" in reply


def test_invoice_alone_starts_the_invoice_request(member):
    reply = member.says("发票")
    assert "抬头" in reply and "没有完全理解" not in reply and "答不上来" not in reply


def test_invoice_alone_beside_a_paused_form_starts_the_invoice_request(member):
    member.says("绑定")
    member.says("李四")
    member.says("最近有什么活动")  # the binding waits
    assert "抬头" in member.says("发票")


def test_cancel_under_a_list_shown_beside_a_form_says_what_it_closed_and_what_is_left(member, db):
    _annual_meeting(db)
    member.says("绑定")
    member.says("王建国")
    member.says("最近有什么活动")  # the binding waits under the list
    reply = member.says("取消")
    assert "列表已关上" in reply and "“会员信息”还没有完成" in reply and "您上次的" not in reply
    assert reply.count("取消") == 1  # not 回复“继续”…回复“取消”放弃 as if nothing had been said
    assert member.says("取消").startswith("已取消“会员信息”")
    assert "还没有完成" not in member.says("会费")


def test_a_reply_that_is_no_mobile_at_the_registration_correction_asks_again_and_keeps_the_registration(member, db):
    from storage import events as event_store

    add_member(db, "HNKX201000001", "王建国", "13607710001", f"{TODAY.year}-12-31", openid="o_walk")
    _annual_meeting(db)
    member.says("我要报名学术年会")
    assert "报名成功" in member.says("确认")
    member.says("我报名时候手机号填错了")
    reply = member.says("AND")
    assert "手机号" in reply and "出错" not in reply and "小差" not in reply
    [registration] = event_store.registrations_of(db, "o_walk", TODAY.isoformat())
    assert registration["mobile"] == "13607710001"
