"""Conversations as members hold them (issue 11, items 3 and 4), twelfth round: what a member has said once is
not asked for again. Measured on written conversations with bench/replay_dialogues.py; the wording here is
our own."""
from __future__ import annotations

import pytest

from tests.member import Member
from tests.test_dialogues import TODAY, bound_name, roster, visitor  # noqa: F401  (fixtures)


def _bound(client, config, db, paid_through: str) -> Member:
    from storage.members import insert_member

    insert_member(db, {"member_no": "HNKX202100555", "name": "闫秀梅", "mobile": "13700000555", "status": "active",
                       "openid": "o_bound", "category": "regular", "paid_through": paid_through}, actor="test")
    return Member(client, config, "o_bound")


@pytest.fixture
def lapsed(client, config, db):
    """A bound member whose dues are booked to the end of last year."""
    return _bound(client, config, db, f"{TODAY.year - 1}-12-31")


@pytest.fixture
def paid_up(client, config, db):
    return _bound(client, config, db, f"{TODAY.year}-12-31")


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


# --- "我已经交了，到账了吗": the member's own record answers, no question back ---------------------------------

def test_a_payment_said_made_and_not_yet_booked_is_told_when_it_will_be_and_how_to_check(lapsed):
    reply = lapsed.says("我已经交了，到账了吗")
    assert "您是想" not in reply
    assert f"还没有登记到您 {TODAY.year} 年的会费" in reply and "工作日" in reply and "截图" in reply


def test_a_payment_said_made_and_booked_says_the_year_is_paid(paid_up):
    reply = paid_up.says("我已经交了，到账了吗")
    assert "您是想" not in reply and f"{TODAY.year} 年的会费已经交过了" in reply


def test_how_much_a_year_asked_about_joining_is_answered_with_the_fees(visitor):
    reply = visitor.says("入会一年多少钱")
    assert "您是想" not in reply and "100 元/年" in reply


# --- a day asked about: a date of the last weeks has passed, a day in words is a day ---------------------------

_CHINESE = "零一二三四五六七八九"


def _in_words(day: int) -> str:
    """5 -> 五, 16 -> 十六, 23 -> 二十三: a day of the month as a voice note writes it."""
    tens, ones = divmod(day, 10)
    return (("" if tens < 2 else _CHINESE[tens]) + "十" if tens else "") + (_CHINESE[ones] if ones else "")


def test_a_date_of_last_month_is_answered_as_past_with_what_is_ahead(visitor, db):
    from datetime import timedelta

    from tests.test_dialogues8 import _event

    _event(db, "科研写作培训", "培训", "线上", 5, "免费")
    _event(db, "新材料沙龙", "沙龙", "郑州", 9, "免费")
    gone = TODAY - timedelta(days=35)
    reply = visitor.says(f"{gone.month}月{gone.day}号有活动吗")
    assert f"{gone.month}月{gone.day}日已经过去了" in reply and "科研写作培训" in reply


def test_a_day_said_in_chinese_numerals_is_read_as_that_day(visitor, db):
    from datetime import timedelta

    from tests.test_dialogues8 import _event

    day = TODAY + timedelta(days=3)
    _event(db, "实验室开放日", "科普活动", "郑州", 3, "免费")
    _event(db, "青年学者沙龙", "沙龙", "郑州", 6, "免费")
    reply = visitor.says(f"{_in_words(day.day)}号有活动吗")
    assert f"{day.month}月{day.day}日" in reply and "实验室开放日" in reply and "青年学者沙龙" not in reply


# --- binding only for one's own record ------------------------------------------------------------------------

def test_saying_one_is_not_a_member_starts_no_binding_and_offers_to_join(visitor):
    reply = visitor.says("我不是会员")
    assert "请输入您的姓名" not in reply and "非会员" in reply and "入会" in reply
    assert "个人会员" in visitor.says("好")


def test_a_question_about_members_in_general_is_answered_honestly_not_with_binding(visitor):
    reply = visitor.says("会员多少人")
    assert "请输入您的姓名" not in reply and "答不上来" in reply


def test_a_question_about_ones_own_membership_still_binds_first(visitor):
    assert "请输入您的姓名" in visitor.says("会员到期了怎么办")


# --- at a registration's summary: leaving said with a filler leaves, "不对" asks what is wrong ---------------------

@pytest.fixture
def salon(db):
    from tests.test_dialogues8 import _event

    _event(db, "新材料产业沙龙", "沙龙", "郑州", 30, "免费")


def _at_the_summary(visitor) -> None:
    visitor.says("我要报名新材料产业沙龙")
    assert "请确认报名" in visitor.says("钱磊 13812340000")


@pytest.mark.parametrize("leaving", ["嗯 算了吧", "那算了 不报了", "哦 那算了"])
def test_leaving_with_a_filler_in_front_leaves_and_says_what_is_kept(visitor, salon, leaving):
    _at_the_summary(visitor)
    reply = visitor.says(leaving)
    assert "已取消" in reply and "填过的不用重填" in reply


def test_saying_the_summary_is_wrong_asks_what_and_keeps_the_registration(visitor, salon, db):
    from tests.test_dialogues import registrations

    _at_the_summary(visitor)
    reply = visitor.says("不对")
    assert "哪一项不对" in reply and "没有报名" not in reply
    assert "钱垒" in visitor.says("名字是钱垒 土字底那个垒")
    assert "报名成功" in visitor.says("确认")
    assert [r["name"] for r in registrations(db)] == ["钱垒"]


@pytest.mark.parametrize("right", ["没有错", "对 没有错", "信息没写错 确认"])
def test_saying_nothing_is_wrong_at_the_summary_registers(visitor, salon, db, right):
    from tests.test_dialogues import registrations

    _at_the_summary(visitor)
    reply = visitor.says(right)
    assert "报名成功" in reply and "哪一项不对" not in reply
    assert [r["name"] for r in registrations(db)] == ["钱磊"]


# --- "取消" right after a job alert was made: that alert, not every alert -----------------------------------------

def test_cancelling_right_after_a_job_alert_takes_back_only_that_alert(paid_up, db):
    from storage import jobs as job_store
    from tests.job_board import post

    post(db, "数据分析师", discipline="计算机科学")
    post(db, "博士后（人工智能方向）", discipline="计算机科学")
    job_store.add_alert(db, "o_bound", ["化学"])
    [held] = job_store.alerts_of(db, "o_bound")
    db["job_alerts"].update(held["id"], {"created_at": "2026-01-05T09:00:00+08:00"})  # made long before
    paid_up.says("有没有计算机方向的工作 郑州的")
    assert "计算机" in paid_up.says("有新的岗位能通知我吗")
    reply = paid_up.says("取消")
    assert "计算机" in reply and "化学" in reply  # the one taken back, the one kept
    assert [alert["keywords"] for alert in job_store.alerts_of(db, "o_bound")] == [["化学"]]


# --- a roster member registering with name and mobile is offered the binding they just proved -------------------

def test_a_member_registering_by_name_and_mobile_is_offered_binding_and_yes_binds(visitor, roster, salon, db):
    visitor.says("报名新材料产业沙龙 高志强 13598760002")
    reply = visitor.says("确认")
    assert "报名成功" in reply and "绑定" in reply
    assert "绑定成功" in visitor.says("好")
    assert bound_name(db) == "高志强"


def test_a_follower_not_on_the_roster_registering_is_offered_no_binding(visitor, roster, salon):
    visitor.says("报名新材料产业沙龙 钱磊 13812340000")
    reply = visitor.says("确认")
    assert "报名成功" in reply and "绑定" not in reply


# --- the previous turn's subject: a category asked about after the fees ----------------------------------------------

def test_whether_one_counts_as_a_category_after_the_fees_says_who_it_is_for(visitor):
    visitor.says("入会一年多少钱")
    assert "20 元/年" in visitor.says("那学生呢")
    reply = visitor.says("研究生算学生吗")
    assert "研究生" in reply and "学生会员" in reply


def test_declining_the_offer_to_join_with_a_filler_is_acknowledged(visitor):
    visitor.says("我不是会员")
    reply = visitor.says("哦 那算了")
    assert "好的" in reply and "没有正在办理" not in reply


def test_a_member_abroad_asking_to_link_is_taken_into_binding(visitor):
    reply = visitor.says("Hi, I'm a member living abroad. Can I link my membership to this WeChat?")
    assert "registered with the society" in reply


# --- a detail of the event in hand that its record does not hold ---------------------------------------------------

@pytest.fixture
def trainings(db):
    from tests.test_dialogues8 import _event

    _event(db, "科技论文写作线上培训", "培训", "线上", 12, "免费")
    _event(db, "科研项目申报培训", "培训", "郑州", 18, "300元")


def test_the_hour_of_an_event_picked_from_the_list_is_said_not_given_with_what_is(visitor, trainings):
    visitor.says("培训有哪些")
    reply = visitor.says("线上的那个几点开始")
    assert "没有写" in reply and "0371" in reply and "科技论文写作线上培训" in reply and "免费" in reply


def test_the_meeting_software_of_the_online_event_in_hand_is_answered_not_searched_for(visitor, trainings):
    visitor.says("培训有哪些")
    visitor.says("线上的那个几点开始")
    reply = visitor.says("用什么软件 腾讯会议吗")
    assert "没有找到" not in reply and "链接或会议号" in reply


def test_whether_a_text_message_comes_while_registering_is_answered(visitor, trainings):
    visitor.says("我要报名科研项目申报培训")
    reply = visitor.says("报名成功会有短信吗")
    assert "不发短信" in reply and "姓名和手机号" in reply


# --- "最近有啥活动" with little in the coming month: what is further ahead too, so a place in the list is found -------

def test_a_thin_coming_month_is_filled_with_what_is_further_ahead_and_the_third_is_found(visitor, db):
    from tests.test_dialogues8 import _event

    _event(db, "科技论文写作线上培训", "培训", "线上", 12, "免费")
    _event(db, "学术年会", "学术会议", "郑州", 40, "会员800元")
    _event(db, "新材料产业沙龙", "沙龙", "许昌", 46, "免费")
    reply = visitor.says("最近有啥活动")
    assert "学术年会" in reply and "新材料产业沙龙" in reply
    assert "许昌" in visitor.says("第三个在哪")


def test_how_to_pay_asked_with_not_how_much_gives_the_ways_without_the_amounts_again(visitor):
    assert "100 元/年" in visitor.says("会废多少")
    reply = visitor.says("我是问怎么交，不是问多少钱")
    assert "银行转账" in reply and "100 元/年" not in reply


def test_asking_in_english_to_be_put_through_to_a_person_is_done_not_asked_about(visitor):
    reply = visitor.says("ok, please connect me to a person then")
    assert "Do you mean" not in reply and "secretariat" in reply


def test_not_a_member_said_at_a_registrations_summary_is_noted_there_not_a_binding(visitor, db):
    from tests.test_dialogues8 import _event

    _event(db, "学术年会", "学术会议", "郑州", 40, "会员800元，非会员1000元")
    visitor.says("我要报名学术年会")
    visitor.says("杜鹏 13700009999")
    reply = visitor.says("不是会员")
    assert "非会员" in reply and "请确认报名" in reply and "请输入您的姓名" not in reply
    assert "报名成功" in visitor.says("确认")


def test_not_a_member_said_twice_at_the_summary_is_noted_once(visitor, db):
    from tests.test_dialogues8 import _event

    _event(db, "学术年会", "学术会议", "郑州", 40, "会员800元，非会员1000元")
    visitor.says("我要报名学术年会")
    visitor.says("杜鹏 13700009999")
    visitor.says("不是会员")
    visitor.says("我说了 不是会员")
    assert "报名成功" in visitor.says("确认")
    body = db.execute("select group_concat(body) from tickets").fetchone()[0]
    assert body.count("非会员") == 1, body


# --- the application's type question: a question about the kinds, a name alone ----------------------------------------

def test_which_kinds_there_are_asked_at_the_type_question_is_answered_and_the_type_asked_again(visitor):
    visitor.says("我要申请入会")
    reply = visitor.says("有哪几种")
    assert "学生会员" in reply and "高级会员" in reply and "没有看懂" not in reply and "个人会员" in reply


def test_a_name_alone_at_the_type_question_starts_a_personal_application_with_it(visitor):
    visitor.says("我要申请入会")
    reply = visitor.says("孟庆华")
    assert "没有看懂" not in reply and "真实姓名" not in reply and "会员类别" in reply


def test_a_mobile_corrected_with_the_words_it_was_mistyped_after_it_is_taken_not_asked_again(visitor):
    visitor.says("我要申请入会")
    visitor.says("个人会员")
    visitor.says("张春梅")
    visitor.says("普通会员")
    reply = visitor.says("手机号15937161234")
    reply = visitor.says("不对 电话是15937161243 刚才打错了")
    assert "159****1243" in reply and "请输入您的手机号" not in reply


def test_a_topic_wanted_and_one_refused_in_one_message_subscribes_only_the_wanted_one(paid_up, db):
    from storage.news import topics_of

    paid_up.says("以后政策的都推给我")
    reply = paid_up.says("行业的也要 学科的不要")
    assert "行业动态" in reply and "学科动态" not in reply
    assert sorted(topics_of(db, "o_bound")) == ["industry", "policy"]


@pytest.mark.parametrize("asked", ["找人工智能", "我想问问人工智能", "can staff from companies join"])
def test_artificial_intelligence_is_no_claim_to_be_put_through_to_a_person(visitor, db, asked):
    reply = visitor.says(asked)
    assert "人工服务" not in reply
    assert db.execute("select count(*) from tickets").fetchone()[0] == 0
