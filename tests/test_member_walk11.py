"""What the round-11 black-box walk of the member side found (/work/qa/members11.md), asserted as the member
sees it, in our own words."""
from __future__ import annotations

from datetime import date

import pytest

from tests.member import Member
from tests.test_member_walk10 import add_member

TODAY = date.today()


@pytest.fixture
def member(client, config):
    return Member(client, config, "o_walk11")


# --- binding --------------------------------------------------------------------------------------------

def test_name_and_a_mobile_with_a_letter_in_it_is_told_the_mobile_has_a_letter_and_binds_once_fixed(member, db):
    add_member(db, "HNKX201900001", "周慧", "13607720001", "2025-12-31")
    reply = member.says("周慧 1360772000l")
    assert "字母" in reply and "没有完全理解" not in reply, reply
    assert "绑定成功" in member.says("13607720001")


# --- job alerts -----------------------------------------------------------------------------------------

@pytest.fixture
def jobs_in_zhoukou(db):
    from tests import job_board
    job_board.post(db, "植保技术员", employer="商水县农业局", city="周口")
    job_board.post(db, "农艺师", employer="周口市农科所", city="周口")
    job_board.post(db, "算法工程师", employer="郑州大学", city="郑州")
    job_board.add_member(db, "o_walk11", 3)


def test_asking_to_be_told_of_new_postings_after_a_city_search_watches_that_city(member, jobs_in_zhoukou, db):
    from storage.jobs import alerts_of
    assert "植保技术员" in member.says("周口附近有啥招聘")
    reply = member.says("有新的招聘通知我")
    assert "周口" in reply, reply
    assert [a["keywords"] for a in alerts_of(db, "o_walk11")] == [["周口"]]


@pytest.mark.parametrize("searched_first", [True, False])
@pytest.mark.parametrize("taken_back", ["算了 不用通知了", "算了"])
def test_changing_ones_mind_right_after_subscribing_to_job_alerts_cancels_them(member, jobs_in_zhoukou, db,
                                                                              searched_first, taken_back):
    from storage.jobs import alerts_of
    from storage.news import topics_of
    if searched_first:
        member.says("周口附近有啥招聘")
    assert "订阅" in member.says("有新的招聘通知我")
    reply = member.says(taken_back)
    assert "取消" in reply or "退订" in reply, reply
    assert alerts_of(db, "o_walk11") == [] and "jobs" not in topics_of(db, "o_walk11")


def test_never_mind_after_asking_for_a_subscription_held_long_since_keeps_it(member, db):
    """c79ff89 took '算了' after any message read as a subscription for taking one back, though nothing was added."""
    from storage.news import topics_of
    db["subscriptions"].insert({"openid": "o_walk11", "topic": "discipline", "created_at": "2026-01-05T09:00:00+08:00"})
    assert "已" in member.says("订阅学科动态")
    member.says("算了")
    assert "discipline" in topics_of(db, "o_walk11")


def test_cancelling_a_registration_right_after_subscribing_cancels_the_registration_not_the_subscription(
        member, db):
    """c79ff89 took any 取消 within two minutes of a subscription for taking it back."""
    from storage.news import topics_of
    from tests.test_events_chat import add_event
    add_member(db, "HNKX201900011", "郑雪梅", "13598760011", "2026-12-31", openid="o_walk11")
    add_event(db, "专利检索实务培训", 20)
    member.says("我要报名专利检索实务培训")
    assert "报名成功" in member.says("确认")
    assert "已为您订阅" in member.says("订阅学科动态")
    reply = member.says("取消专利检索实务培训的报名")
    assert "专利检索实务培训" in reply and "退订" not in reply, reply
    assert "discipline" in topics_of(db, "o_walk11")


# --- profile changes ------------------------------------------------------------------------------------

def test_a_new_employer_said_with_a_new_mobile_in_one_message_is_kept_while_the_mobile_is_asked(member, db):
    add_member(db, "HNKX201600001", "马丽", "13607720002", f"{TODAY.year}-12-31", openid="o_walk11")
    reply = member.says("我从洛阳调到郑州了，手机也换了，单位现在是郑州轻工业大学")
    assert "郑州轻工业大学" in reply and "新的手机号" in reply, reply
    card = member.says("13912345678")
    assert "工作单位：郑州轻工业大学" in card and "139****5678" in card, card
    both = Member(member.client, member.config, "o_walk11b")
    add_member(db, "HNKX201600002", "马强", "13607720012", f"{TODAY.year}-12-31", openid="o_walk11b")
    card = both.says("单位改成河南工业大学，手机换成13912340000")
    assert "工作单位：河南工业大学" in card and "139****0000" in card, card


# --- the application form -------------------------------------------------------------------------------

@pytest.mark.parametrize("later", ["明天再说", "明天再填吧", "那我过两天再弄"])
def test_putting_the_application_off_to_another_day_pauses_it_and_says_how_to_come_back(member, later):
    for answer in ("我想申请入会 我是研究生", "张明", "男", "1999", "郑州大学"):
        member.says(answer)
    reply = member.says(later)
    assert "继续" in reply and "单位类型前的数字" not in reply, reply
    assert "高等院校" in member.says("继续")


# --- dues -----------------------------------------------------------------------------------------------

def test_asking_where_the_receipt_is_after_paying_links_the_receipt_page(member, db):
    from handlers.fees import dues
    from handlers.fees.payments import record_payment
    from storage.fees import find_payer
    add_member(db, "HNKX201900001", "周慧", "13607720001", f"{TODAY.year - 1}-12-31", openid="o_walk11")
    payment = record_payment(db, find_payer(db, "HNKX201900001"), dues.yearly_fee("regular"), 1, TODAY,
                             "微信支付", "test")
    reply = member.says("收据在哪看")
    assert payment["receipt_no"] in reply and f"/m/dues/receipt/{payment['receipt_no']}" in reply, reply
    assert "下载不了" not in reply
    assert "下载不了" in Member(member.client, member.config, "o_unbound").says("收据在哪看")  # no payment to show


@pytest.mark.parametrize("question", ["{year}年的会费还要补吗", "今年的会费还用交吗"])
def test_asking_whether_a_years_dues_are_still_owed_answers_from_the_record(member, db, question):
    from handlers.fees import dues
    from handlers.fees.payments import record_payment
    from storage.fees import find_payer
    add_member(db, "HNKX201900001", "周慧", "13607720001", f"{TODAY.year - 1}-12-31", openid="o_walk11")
    asked = question.format(year=TODAY.year)
    assert f"{TODAY.year} 年的会费还没有交" in member.says(asked)
    payment = record_payment(db, find_payer(db, "HNKX201900001"), dues.yearly_fee("regular"), 1, TODAY,
                             "微信支付", "test")
    reply = member.says(asked)
    if payment["period_from"] > f"{TODAY.year}-12-31":  # paid late in the year: counted for the next
        assert f"{TODAY.year} 年的不用再补" in reply, reply
    else:
        assert f"{TODAY.year} 年的会费已经交过了" in reply, reply
    assert "点此在线缴纳会费" not in reply


def test_an_unbound_member_asking_to_pay_by_wechat_is_told_it_works_once_bound_then_gets_the_pay_link(
        member, db, config, monkeypatch):
    monkeypatch.setattr(type(config), "pay_enabled", property(lambda self: True))
    add_member(db, "HNKX201900001", "周慧", "13607720001", f"{TODAY.year - 1}-12-31")
    reply = member.says("我想交今年的会费 用微信付")
    assert "微信支付" in reply and "绑定" in reply and "缴费方式" in reply, reply
    bound = member.says("周慧 13607720001")
    assert "绑定成功" in bound and "点此在线缴纳会费" in bound, bound



# --- events ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize("question", ["年会会员和非会员报名费多少", "学术年会注册费怎么收"])
def test_an_events_fee_not_given_sends_the_member_to_the_secretariat_with_its_contact(member, db, question):
    from bot import content
    from tests.test_events_chat import add_event
    add_event(db, "2027年学术年会", 30)
    reply = member.says(question)
    assert content.society()["secretariat"]["phone"] in reply and "主办方" not in reply, reply


def test_an_events_fee_given_is_answered_from_it(member, db):
    from tests.test_events_chat import add_event
    add_event(db, "2027年学术年会", 30, fee="会员 800 元，非会员 1000 元")
    assert "会员 800 元，非会员 1000 元" in member.says("年会会员和非会员报名费多少")


# --- newsletters ----------------------------------------------------------------------------------------

def test_keeping_only_one_topic_says_what_was_dropped_or_that_nothing_else_was_subscribed(member):
    member.says("订阅政策")
    reply = member.says("只订阅政策 其他都不要")
    assert "政策资讯" in reply and "没有订阅其他栏目" in reply and "已退订：无" not in reply, reply
    member.says("订阅人才")
    assert "已退订：人才资讯" in member.says("只订阅政策 其他都不要")


def test_asking_for_the_electronic_certificate_leads_with_its_link(member, db):
    add_member(db, "HNKX201600001", "马丽", "13607720002", f"{TODAY.year}-12-31", openid="o_walk11")
    reply = member.says("电子会员证")
    assert reply.index("点此查看电子会员证") < reply.index("【会员卡】"), reply
    card = member.says("会员卡")
    assert card.index("【会员卡】") < card.index("点此查看电子会员证")


# --- a unit's contact -----------------------------------------------------------------------------------

def test_a_unit_contact_is_told_how_a_colleague_joins_with_the_units_invite_code(member):
    reply = member.says("我想给单位新来的同事办入会")
    assert "邀请码" in reply and "个人会员" in reply and "请选择申请类型" not in reply, reply


def test_a_unit_contact_asking_about_the_units_dues_is_told_how_a_unit_is_looked_up(member):
    from bot import content
    reply = member.says("我是单位会员的联系人 想查我们单位的会费交了没")
    assert "单位会员" in reply and content.society()["secretariat"]["phone"] in reply, reply
    assert "要查看您自己的会费情况" not in reply


def test_a_bound_member_asking_about_the_units_dues_gets_the_dues_answer_not_the_unit_contact_text(member, db):
    add_member(db, "HNKX201600001", "马丽", "13607720002", f"{TODAY.year}-12-31", openid="o_walk11")
    assert "申请单位会员时用的那个微信" not in member.says("我们单位的会费交了没")


def test_an_invoice_request_left_half_done_is_reminded_of_once_in_one_short_line(member, db):
    """Walk 11, #6: '要发票 开收据', then three dues questions: each reply ended with '（您的“开票申请”还没有完成，
    回复“继续”可接着办理。）还在等您回答：请把发票抬头…', the same thing twice, three replies in a row."""
    add_member(db, "HNKX201900001", "周慧", "13607720001", f"{TODAY.year}-12-31", openid="o_walk11")
    member.says("要发票 开收据")
    first, *later = [member.says(question) for question in ("会费多少钱", "今年的会费交了吗", "怎么交会费")]
    reminder = "（您的“开票申请”还没有完成，回复“继续”可接着办理。）"
    assert first.count("开票申请") == 1 and first.rstrip().endswith(reminder) and "还在等您回答" not in first, first
    assert all("开票申请" not in reply for reply in later), later
    assert "发票抬头" in member.says("继续")  # the question itself, when she comes back to it


def test_a_form_paused_again_after_coming_back_to_it_is_reminded_of_again(member, db):
    add_member(db, "HNKX201900001", "周慧", "13607720001", f"{TODAY.year}-12-31", openid="o_walk11")
    member.says("要发票 开收据")
    assert "开票申请" in member.says("会费多少钱")
    assert "发票抬头" in member.says("继续")
    assert "开票申请" in member.says("今年的会费交了吗")  # a new side question after 继续: reminded once more
