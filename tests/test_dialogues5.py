"""Conversations of the classes the third written set's blind half still showed after the seventh session, in
our own words (/work/dialogue-work-s8/mine.jsonl, /work/notes-dialogue.md eighth session): general questions
about the society answered from content/ instead of a menu, a wrong route or binding; a question or a new
request typed while a form waits for free text answered (the form waiting), while an answer that only sounds
like a request stays the answer; and a way out of a form that does not cost the next message."""
from __future__ import annotations

from datetime import date

import pytest

from tests.test_dialogues import add_event, events, registrations, visitor  # noqa: F401  (fixtures)
from tests.test_dialogues3 import tickets_of
from tests.test_dialogues4 import bound  # noqa: F401  (fixture)

TODAY = date.today()
MENU = "回复数字"


# --- general questions about the society ------------------------------------------------------------------

@pytest.mark.parametrize("asked", ["你们学会是做什么的", "你们这个学会是干嘛的", "学会主要干什么", "学会是个什么组织"])
def test_what_the_society_does_is_answered(visitor, asked):
    reply = visitor.says(asked)
    assert "学术" in reply and MENU not in reply and "帮助" not in reply


@pytest.mark.parametrize("asked", ["学会在哪里", "你们在哪办公", "学会地址在哪"])
def test_where_the_society_is_gives_its_address(visitor, db, asked):
    reply = visitor.says(asked)
    assert "示范路 1 号" in reply and "已为您登记人工服务" not in reply
    assert tickets_of(db) == []


@pytest.mark.parametrize("asked", ["周末上班吗", "星期六有人吗", "你们几点下班"])
def test_office_hours_are_answered_not_jobs(visitor, asked):
    reply = visitor.says(asked)
    assert "9:00-12:00" in reply and "职位" not in reply


@pytest.mark.parametrize("asked", ["有人吗", "有人在吗"])
def test_whether_anyone_is_there_is_answered_without_a_ticket(visitor, db, asked):
    reply = visitor.says(asked)
    assert "随时都在" in reply and "已为您登记人工服务" not in reply and tickets_of(db) == []


@pytest.mark.parametrize("asked", ["有没有会员微信群", "有会员群吗", "怎么加入学会的交流群"])
def test_a_member_group_question_is_answered_without_binding_or_a_menu(visitor, asked):
    reply = visitor.says(asked)
    assert "群" in reply and "0371-6000 0000" in reply and "请输入您的姓名" not in reply and MENU not in reply


@pytest.mark.parametrize("asked", ["我想投稿", "怎么投稿"])
def test_a_manuscript_question_says_where_to_ask(visitor, asked):
    reply = visitor.says(asked)
    assert "投稿" in reply and "mishuchu@example.org" in reply and MENU not in reply


@pytest.mark.parametrize("asked", ["会员有什么好处", "当会员有啥用"])
def test_member_benefits_are_answered_without_a_menu(visitor, asked):
    reply = visitor.says(asked)
    assert "会员价" in reply and MENU not in reply


@pytest.mark.parametrize("asked", ["我要开发票", "能开发票吗"])
def test_an_invoice_asked_for_asks_its_details_without_a_menu(visitor, asked):
    reply = visitor.says(asked)
    assert "抬头" in reply and MENU not in reply


def test_an_invoice_asked_for_at_a_registration_summary_keeps_the_registration(bound, events, db):
    bound.says("我要报名实验室安全培训")
    reply = bound.says("能开发票吗")
    assert "抬头" in reply
    bound.says("个人")
    assert "请确认" in bound.says("继续")
    assert "报名成功" in bound.says("确认")
    assert [r["title"] for r in registrations(db, "o_bound")] == ["实验室安全培训"]


def test_where_an_event_is_held_is_still_the_event(visitor, events):
    reply = visitor.says("实验室安全培训在哪里")
    assert "新乡" in reply and "示范路 1 号" not in reply


def test_english_questions_about_the_society_are_answered_in_english(visitor):
    reply = visitor.says("Hi, what does your society do?")
    assert "academic" in reply.lower()
    reply = visitor.says("Where is your office?")
    assert "Shifan Road" in reply
    reply = visitor.says("Are you open on weekends?")
    assert "9:00-12:00" in reply
    reply = visitor.says("Can I get an invoice for my membership fee?")
    assert "invoice" in reply.lower() and "Student member" not in reply


def test_asking_in_english_to_give_feedback_asks_for_it_and_a_question_there_is_answered(client, config, db):
    from tests.member import Member

    member = Member(client, config, "o_english")
    reply = member.says("I'd like to give some feedback")
    assert "You want to send" not in reply and "suggestion, complaint or request" in reply
    reply = member.says("Are you open on weekends?")
    assert "9:00-12:00" in reply and tickets_of(db, "o_english") == []


# --- a question or a new request while a form waits for free text -----------------------------------------

def test_a_question_at_the_feedback_step_is_answered_and_not_stored(bound, db, events):
    bound.says("我想给学会提点意见")
    reply = bound.says("等一下，实验室安全培训是几号开啊")
    assert "新乡" in reply and tickets_of(db, "o_bound") == []
    assert "意见" in bound.says("继续")
    bound.says("希望年会能多安排点青年报告，谢谢")
    [ticket] = tickets_of(db, "o_bound")
    assert "青年报告" in ticket["body"]


def test_office_hours_asked_at_the_feedback_step_are_answered(bound, db):
    bound.says("我要反馈个问题")
    reply = bound.says("你们周末有人上班吗")
    assert "9:00-12:00" in reply and tickets_of(db, "o_bound") == []


def test_a_new_request_after_dropping_the_feedback_is_done(bound, db, events):
    bound.says("我要投诉")
    reply = bound.says("先不投诉了，帮我报名实验室安全培训")
    assert tickets_of(db, "o_bound") == []
    assert "实验室安全培训" in reply and "请确认" in reply


def test_a_remark_after_leaving_a_form_is_no_new_request(visitor, db):
    visitor.says("申请个人会员")
    reply = visitor.says("算了先不办了 回头领导定了再说")
    assert "已取消" in reply and "人工" not in reply and tickets_of(db) == []


@pytest.mark.parametrize("dropped", ["那不反馈了", "不提了 退出"])
def test_dropping_the_feedback_in_words_leaves_it(bound, db, dropped):
    bound.says("我要提意见")
    reply = bound.says(dropped)
    assert "已取消" in reply
    reply = bound.says("查一下我的会费")
    assert "会费缴至" in reply and tickets_of(db, "o_bound") == []


@pytest.mark.parametrize("body", ["我想报名培训但是报名页面一直打不开，麻烦你们看看",
                                  "建议学会建一个会员微信群，方便大家交流",
                                  "为什么年会报名费这么贵，建议会员再便宜点"])
def test_feedback_that_sounds_like_a_request_or_a_question_is_the_feedback(bound, db, body):
    bound.says("提个意见")
    reply = bound.says(body)
    assert "FK" in reply
    [ticket] = tickets_of(db, "o_bound")
    assert ticket["body"] == body


def test_a_question_at_the_invoice_title_is_answered_and_not_the_title(bound, db):
    bound.says("帮我开个会费发票")
    reply = bound.says("发票多久能开好")
    assert "好的，记下了" not in reply
    reply = bound.says("河南工业大学")
    assert "抬头：河南工业大学" in reply


# --- several people in one message ---------------------------------------------------------------------------

def test_five_people_named_with_the_request_are_listed_and_then_all_go_to_the_secretariat(visitor, events, db):
    reply = visitor.says("我们单位5个人报名实验室安全培训：张伟13812345671，李娜13812345672，王强13812345673，"
                         "赵静13812345674，陈磊13812345675")
    assert all(name in reply for name in ("张伟", "李娜", "王强", "赵静", "陈磊")) and "请确认报名" not in reply
    assert tickets_of(db) == []
    visitor.says("提交")
    [ticket] = tickets_of(db)
    assert all(mobile in ticket["body"] for mobile in ("13812345671", "13812345675"))
    assert registrations(db) == []


def test_three_people_given_at_the_contact_question_are_listed_and_then_all_go_to_the_secretariat(visitor, events, db):
    visitor.says("我要报名实验室安全培训")
    reply = visitor.says("三个人：刘洋 13812340001、高峰 13812340002、马琳 13812340003")
    assert all(name in reply for name in ("刘洋", "高峰", "马琳"))
    visitor.says("对 提交")
    [ticket] = tickets_of(db)
    assert "高峰 13812340002" in ticket["body"]


# --- the specific answer asked, not the neighbouring stock one --------------------------------------------------

def test_the_fee_asked_right_after_an_event_was_opened_is_that_events(visitor, events):
    visitor.says("最近有哪些培训")
    assert "新乡" in visitor.says("1")
    reply = visitor.says("会员报名费多少")
    assert "200元" in reply and "请告诉我是哪个活动" not in reply


def test_the_fee_of_another_event_named_under_an_opened_one_is_that_other_events(visitor, events):
    visitor.says("最近有哪些培训")
    visitor.says("1")
    reply = visitor.says("科普讲解员培训的报名费多少")
    assert "150元" in reply and "200元" not in reply


# --- a form that neither dead-ends nor traps ---------------------------------------------------------------------

@pytest.mark.parametrize("said", ["没有备注", "不用备注"])
def test_no_remark_at_a_registration_summary_keeps_it_waiting_for_a_yes(bound, events, db, said):
    bound.says("我要报名实验室安全培训")
    reply = bound.says(said)
    assert "请确认" in reply and "1. 申请入会" not in reply
    assert "报名成功" in bound.says("没有了 就这样")
    assert len(registrations(db, "o_bound")) == 1


def test_a_remark_at_a_registration_summary_is_kept_with_it(bound, events, db):
    bound.says("我要报名实验室安全培训")
    reply = bound.says("我想加个备注：需要素食")
    assert "素食" in reply and "请确认" in reply
    reply = bound.says("备注：下午才能到")
    assert "素食，下午才能到" in reply and "备注:" not in reply
    bound.says("确认")
    assert len(registrations(db, "o_bound")) == 1
    assert any("素食" in ticket["body"] for ticket in tickets_of(db, "o_bound"))


def test_back_at_the_feedback_question_leaves_it_and_the_next_request_is_answered(bound, events, db):
    bound.says("我要提意见")
    assert "已取消" in bound.says("返回")
    assert "实验室安全培训" in bound.says("最近有什么活动")
    assert tickets_of(db, "o_bound") == []


def test_another_request_after_the_cancel_question_is_answered_not_stored(bound, events, db):
    bound.says("我要提意见")
    assert "取消" in bound.says("终止妊娠")  # may be a real answer: asked first
    reply = bound.says("最近有什么活动")
    assert "实验室安全培训" in reply and tickets_of(db, "o_bound") == []


def test_how_long_asked_under_a_feedback_draft_is_answered_and_the_draft_kept(bound, db):
    body = "会场的无线网络经常断线，希望改进"
    bound.says(body)
    reply = bound.says("这个一般多久能处理")
    assert "3 个工作日" in reply and tickets_of(db, "o_bound") == []
    assert "FK" in bound.says("好 提交吧")
    [ticket] = tickets_of(db, "o_bound")
    assert ticket["body"] == body


def test_the_time_asked_right_after_an_event_was_opened_is_that_events_date(visitor, events):
    visitor.says("最近有哪些培训")
    visitor.says("1")
    reply = visitor.says("几点开始")
    assert "实验室安全培训" in reply and "新乡" in reply and "1. 申请入会" not in reply


def test_a_forgotten_check_in_code_shows_the_registrations(bound, events, db):
    bound.says("我要报名实验室安全培训")
    bound.says("确认")
    reply = bound.says("签到码忘了")
    assert "实验室安全培训" in reply and "签到码" in reply and "1. 申请入会" not in reply


def test_how_often_the_account_posts_is_answered(visitor):
    assert "不定期" in visitor.says("你们公众号多久推送一次")
    assert "不定期" not in visitor.says("交完多久能更新")


def test_how_to_unfollow_is_explained(visitor):
    assert "不再关注" in visitor.says("怎么取消关注")


def test_whether_last_years_dues_were_paid_is_answered_by_the_paid_through_date(bound):
    reply = bound.says("去年的会费我交了没有")
    assert f"{TODAY.year - 1} 年的会费已经交过了" in reply and "还没有登记到" not in reply


def test_english_never_mind_at_the_feedback_step_leaves_it_and_does_the_request(client, config, db, events):
    from tests.member import Member

    member = Member(client, config, "o_english")
    member.says("I'd like to complain")
    reply = member.says("never mind, show me upcoming events")
    assert "实验室安全培训" in reply and tickets_of(db, "o_english") == []


def test_english_questions_about_following_and_anyone_there_are_answered_in_english(client, config):
    from tests.member import Member

    member = Member(client, config, "o_english")
    assert "Unfollow" in member.says("How do I unfollow this account?")
    assert "9:00-12:00" in member.says("Is anyone there?")
    assert "whenever there is news" in member.says("How often do you post?")
