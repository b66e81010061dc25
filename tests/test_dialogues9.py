"""Conversations as members hold them (issue 11, items 3 and 4), ninth round: several answers in one line are
all taken, a question asked half-way through a form is answered and the form goes on, and a follow-up about the
thing just shown is answered about that thing. Measured on written conversations with bench/replay_dialogues.py;
the wording here is our own."""
from __future__ import annotations

import pytest

from tests.test_dialogues import bound_name, roster, visitor  # noqa: F401  (fixtures)
from tests.test_dialogues8 import PHONE, _event


@pytest.fixture
def courses(db):
    _event(db, "标准化写作网络课", "培训", "线上", 9, "免费")
    _event(db, "专利检索实务培训", "培训", "新乡", 20, "260元")


# --- registering for an event: the contact in one line, questions on the way -------------------------------

def test_a_name_a_school_and_a_mobile_in_one_line_are_one_person(visitor, courses):
    visitor.says("我要报名专利检索实务培训")
    reply = visitor.says("马晓光 周口师院 13837300415")
    assert "请确认报名" in reply and "马晓光" in reply and "周口师院" in reply
    assert "转给秘书处" not in reply


def test_whether_dues_come_first_asked_at_the_contact_step_is_answered_and_the_contact_asked_again(visitor, courses):
    visitor.says("我要报名专利检索实务培训")
    reply = visitor.says("问一下 报这个培训得先交会费吗")
    assert "不用先交会费" in reply and "姓名和手机号" in reply and "格式不对" not in reply


def test_how_to_join_an_online_course_asked_at_the_summary_is_answered_honestly(visitor, courses):
    visitor.says("我要报名标准化写作网络课")
    visitor.says("宋建华 13837300416")
    reply = visitor.says("上课的链接到时候发给我吗")
    assert "秘书处" in reply and PHONE in reply and "请确认报名" in reply


def test_a_yes_that_says_to_use_the_members_own_details_registers(visitor, courses, db):
    visitor.says("我要报名专利检索实务培训")
    visitor.says("宋建华 13837300416")
    assert "报名成功" in visitor.says("对，就用我的信息")


# --- the membership form: several answers in one line, a question about an item of it -----------------------

def _applying(member, first: str) -> str:
    member.says("我想申请入会")
    return member.says(first)


def test_a_field_of_study_said_among_other_answers_is_kept_and_not_asked_again(visitor):
    reply = _applying(visitor, "个人 孔繁星 南阳市中心医院 护理学 手机13937700521")
    assert "学科专业 护理学" in reply and "孔繁星" in reply and "139****0521" in reply


def test_asking_how_to_fill_in_the_title_answers_it_and_what_follows_is_kept_there(visitor):
    _applying(visitor, "个人 孔繁星 南阳市中心医院 手机13937700521")
    reply = visitor.says("职称这栏咋填 我一直没评过")
    assert "没评过职称" in reply and "会员类别" in reply and "评奖" not in reply
    reply = visitor.says("那就写无")
    assert "职称" in reply and "会员类别" in reply and "答不上来" not in reply


def test_saying_there_is_no_email_while_asking_if_that_is_fine_skips_it_without_binding(visitor):
    _applying(visitor, "个人 孔繁星 南阳市中心医院 手机13937700521")
    reply = visitor.says("邮箱俺没有 行不行")
    assert "可以不填" in reply and "会员类别" in reply and "绑定" not in reply


def test_the_unit_said_as_what_to_write_is_the_unit_without_those_words(visitor):
    _applying(visitor, "个人 孔繁星 手机13937700521")
    reply = visitor.says("单位就写南阳纺织厂退休")
    assert "工作单位 南阳纺织厂" in reply and "就写" not in reply


def test_a_units_contact_said_as_oneself_then_named_or_after_a_colon_is_the_contact(visitor):
    visitor.says("我们公司想申请单位会员")
    reply = visitor.says("焦作示范机械有限公司，联系人就是我，韩冬梅，办公室，13782600741")
    assert "联系人 韩冬梅" in reply and "就是我" not in reply


def test_a_unit_and_its_contact_said_after_colons_are_kept_without_the_colons(visitor):
    visitor.says("我们公司想申请单位会员")
    reply = visitor.says("单位：焦作示范机械有限公司；联系人：韩冬梅；手机13782600741")
    assert "单位名称 焦作示范机械有限公司" in reply and "联系人 韩冬梅" in reply


def test_a_spoken_question_about_materials_at_the_credit_code_is_answered_not_refused_as_a_code(visitor):
    visitor.says("我们公司想申请单位会员")
    visitor.says("焦作示范机械有限公司")
    reply = visitor.says("还得交啥材料不")
    assert "不用另交材料" in reply and "信用代码" in reply and "不对" not in reply


# --- a posting just opened: what it does not say -----------------------------------------------------------

@pytest.fixture
def one_posting(db):
    from tests.job_board import post

    post(db, "水质检测员", employer="鹤壁示范水务公司", city="鹤壁", discipline="环境工程")


def test_a_question_the_posting_does_not_answer_is_said_so_and_the_posting_stays_in_view(visitor, one_posting):
    assert "鹤壁示范水务公司" in visitor.says("有没有环境工程方面的岗位")
    reply = visitor.says("鹤壁那个是在市区还是郊区")
    assert "水质检测员" in reply and "没有写" in reply and PHONE in reply and "没有完全理解" not in reply
    assert "水质检测员" in visitor.says("简历投到哪")


# --- an earlier complaint: chased, not filed again ------------------------------------------------------------

@pytest.fixture
def earlier_complaint(db):
    from storage.tickets import create_ticket

    return create_ticket(db, "o_visitor", "投诉", "年会发票寄出一个月了还没收到")


def test_saying_nobody_has_been_in_touch_after_the_complaint_was_shown_chases_it(visitor, earlier_complaint):
    assert earlier_complaint in visitor.says("我之前反映的问题处理得怎么样了")
    reply = visitor.says("过去好几天了也没人联系过我")
    assert "很抱歉让您久等了" in reply and earlier_complaint in reply and "您要反馈的内容是" not in reply


def test_chasing_the_earlier_complaint_while_a_new_one_waits_chases_that_one_and_keeps_the_draft(
        visitor, earlier_complaint, db):
    from storage.tickets import list_tickets_of_member

    visitor.says("我还要投诉一个事 会员登录页面总是报错")
    reply = visitor.says("之前那个也一直没回我")
    assert "很抱歉让您久等了" in reply and earlier_complaint in reply and "“意见建议”还没有完成" in reply
    filed = [ticket["body"] for ticket in list_tickets_of_member(db, "o_visitor", 0, 10)]
    assert not any("会员登录" in body for body in filed)  # the new one waits for its yes, the chase not added to it
    assert "回复“确认”提交您的反馈“我还要投诉一个事" in visitor.says("继续")


# --- binding: the member number given first ---------------------------------------------------------------------

def test_a_member_number_given_at_the_name_question_is_kept_and_binds_with_the_name_and_last_four(visitor, roster, db):
    visitor.says("绑定会员")
    reply = visitor.says("HNKX201900002")
    assert "HNKX201900002 记下了" in reply and "姓名" in reply
    assert "后四位" in visitor.says("高志强")
    assert "绑定成功" in visitor.says("0002")
    assert bound_name(db) == "高志强"


def test_a_name_said_after_calling_oneself_a_member_is_the_registrants_name(visitor, courses):
    visitor.says("我要报名专利检索实务培训")
    reply = visitor.says("我是老会员宋建华 13837300416")
    assert "请确认报名" in reply and "宋建华" in reply and "姓名" not in reply.split("参加人")[0]


# --- calls for awards: the call talked about -------------------------------------------------------------------

@pytest.fixture
def two_calls(db):
    from datetime import date, timedelta

    from storage import awards

    today = date.today()
    awards.save_awards(db, [({"name": "黄河青年创新奖", "kind": "award", "deadline": (today + timedelta(days=20)).isoformat(),
                              "eligibility": "38周岁以下", "how_to_apply": "单位推荐", "link": None}, "test"),
                            ({"name": "中原技术发明奖", "kind": "award", "deadline": (today + timedelta(days=45)).isoformat(),
                              "eligibility": "个人或团队", "how_to_apply": "由学会提名", "link": None}, "test")],
                       [], actor="test")


def test_whether_one_may_still_apply_at_an_age_is_answered_from_the_call_just_opened(visitor, two_calls):
    visitor.says("黄河青年创新奖怎么申报")
    reply = visitor.says("我都39了 还能报不")
    assert "38周岁以下" in reply and "中原技术发明奖" not in reply


def test_a_call_named_in_a_question_about_applying_is_the_one_a_later_question_is_about(visitor, two_calls):
    assert "由学会提名" in visitor.says("我们想报中原技术发明奖 提名流程是什么")
    reply = visitor.says("截止是哪天")
    assert "中原技术发明奖" in reply and "黄河青年创新奖" not in reply


# --- one's own registration: what follows is about it -------------------------------------------------------------

def _registered(visitor) -> None:
    visitor.says("我要报名专利检索实务培训")
    visitor.says("宋建华 13837300416")
    assert "报名成功" in visitor.says("那给我报上")  # a yes in words of signing up, at the summary


def test_after_the_members_one_registration_is_shown_where_and_bringing_someone_are_about_it(visitor, courses):
    _registered(visitor)
    visitor.says("我报名的那个是哪天")
    assert "新乡" in visitor.says("在什么地方")
    reply = visitor.says("我可以多带一个人吗")
    assert "专利检索实务培训" in reply and "姓名和手机号" in reply
    assert "转给秘书处" in visitor.says("韩梅 13700001111")
    assert "确定取消《专利检索实务培训》" in visitor.says("算了 我自己那个取消吧")


def test_a_colleague_named_after_asking_to_bring_one_at_the_summary_is_passed_on_not_made_the_registrant(
        visitor, courses):
    visitor.says("我要报名专利检索实务培训")
    visitor.says("宋建华 13837300416")
    visitor.says("我同学也想去 能一起报吗")
    reply = visitor.says("他叫韩梅 手机13700001111")
    assert "韩梅（137****1111）" in reply and "转给秘书处" in reply
    assert "参加人：宋建华　手机：138****0416" in reply


# --- newsletter issues by number and the newest ---------------------------------------------------------------------

@pytest.fixture
def bulletins(db):
    from storage.news import save_item

    for number in range(1, 7):
        save_item(db, {"item_no": f"XK{number}", "kind": "newsletter", "title": f"学科简报第{number}期：年度回顾",
                       "topics": ["discipline"], "audience": None, "summary": f"第{number}期摘要", "link": None,
                       "body": f"第{number}期正文。", "publish_at": f"2026-10-{number:02d}T09:00:00+08:00", "source": None})


def test_an_issue_asked_for_by_its_number_is_opened(visitor, bulletins):
    reply = visitor.says("学科动态第四期在哪看")
    assert "学科简报第4期" in reply and "第4期正文" in reply and "学科简报第5期" not in reply


def test_the_newest_issue_asked_under_a_topics_list_is_opened_and_every_issue_then_subscribes_to_it(
        visitor, bulletins, db):
    from storage.news import topics_of

    visitor.says("学科动态第二期")
    assert "第6期正文" in visitor.says("那最新的一期呢")
    visitor.says("以后每期都推给我")
    assert "discipline" in topics_of(db, "o_visitor")


# --- dues: the member says they paid -----------------------------------------------------------------------------------

def test_a_member_saying_they_paid_is_told_how_it_is_checked_not_shown_the_same_status_again(visitor, db):
    from storage.members import insert_member

    insert_member(db, {"member_no": "HNKX201900009", "name": "郑雪梅", "mobile": "13598760009", "category": "regular",
                       "openid": "o_visitor"}, actor="test")
    visitor.says("我的会费交到什么时候")
    reply = visitor.says("不对吧？我明明交过了")
    assert "登记到账" in reply and "截图" in reply and PHONE in reply


def test_a_member_who_paid_asking_whether_it_arrived_is_answered_from_the_record(visitor, db):
    from datetime import date

    from storage.members import insert_member

    insert_member(db, {"member_no": "HNKX201900009", "name": "郑雪梅", "mobile": "13598760009", "category": "regular",
                       "paid_through": f"{date.today().year - 1}-12-31", "openid": "o_visitor"}, actor="test")
    reply = visitor.says("会费我已经交了，到账了吗")
    assert f"还没有登记到您 {date.today().year} 年的会费" in reply


def test_a_change_of_unit_said_while_an_invoice_is_asked_for_changes_the_record_not_the_invoice_title(visitor, db):
    from storage.members import find_member_by_openid, insert_member

    insert_member(db, {"member_no": "HNKX201900009", "name": "郑雪梅", "mobile": "13598760009", "category": "regular",
                       "work_unit": "新乡学院", "openid": "o_visitor"}, actor="test")
    visitor.says("会费能开发票吗")
    reply = visitor.says("还有 我的单位换了 现在在河南师范大学")
    assert "开票申请" in reply and "抬头：河南师范大学" not in reply
    assert find_member_by_openid(db, "o_visitor")["work_unit"] == "河南师范大学"


# --- what an event's notice does not say ---------------------------------------------------------------------------------

def test_the_programme_of_an_event_whose_notice_gives_none_is_said_not_given_with_the_secretariat(visitor, courses):
    reply = visitor.says("专利检索实务培训有什么议程")
    assert "没有写" in reply and PHONE in reply and "新乡" in reply


def test_the_programme_of_an_event_whose_notice_describes_it_is_that_description(visitor, db):
    from datetime import date, timedelta

    from storage import events as event_store

    start = (date.today() + timedelta(days=15)).isoformat()
    event_store.save_events(db, [({"society": "示范科技学会", "title": "黄河湿地生态论坛", "type": "学术会议",
                                   "starts_on": start, "ends_on": start, "place": "焦作", "capacity": 50, "fee": "免费",
                                   "description": "上午主题报告，下午分组讨论"}, "test")], [], actor="test")
    reply = visitor.says("黄河湿地生态论坛有啥议程")
    assert "上午主题报告" in reply and "没有写" not in reply


def test_asking_for_every_event_of_a_list_signs_up_for_the_first_and_says_how_to_go_on(visitor, courses):
    visitor.says("最近有什么培训")
    reply = visitor.says("都报")
    assert "一次报一个" in reply and "标准化写作网络课" in reply and "姓名和手机号" in reply
    visitor.says("宋建华 13837300416")
    assert "报名成功" in visitor.says("确认")
    assert "专利检索实务培训" in visitor.says("报第2个")


def test_asking_for_every_event_of_a_list_whose_first_is_closed_signs_up_for_the_first_open_one(visitor, db):
    from datetime import date, timedelta

    from storage import events as event_store

    def event(title: str, in_days: int, deadline_days: int | None = None) -> dict:
        start, deadline = (date.today() + timedelta(days=in_days)).isoformat(), None
        if deadline_days is not None:
            deadline = (date.today() + timedelta(days=deadline_days)).isoformat()
        return {"society": "示范科技学会", "title": title, "type": "培训", "starts_on": start, "ends_on": start,
                "place": "郑州", "capacity": 50, "fee": "免费", "signup_deadline": deadline}

    event_store.save_events(db, [(event("科技写作培训", 3, -1), "test"), (event("专利检索实务培训", 8), "test"),
                                 (event("标准化写作网络课", 12), "test")], [], actor="test")
    visitor.says("最近有什么培训")
    reply = visitor.says("都要")
    assert "专利检索实务培训" in reply and "姓名和手机号" in reply and "科技写作培训" in reply
    assert "报名已截止" in reply and "先报第 1 个" not in reply and "报第3个" in reply, reply


def test_the_newest_issue_of_a_topic_named_under_another_topics_list_is_that_topics(visitor, bulletins, db):
    from storage.news import save_item

    save_item(db, {"item_no": "ZC1", "kind": "newsletter", "title": "科研项目经费新规解读", "topics": ["policy"],
                   "audience": None, "summary": "摘要", "link": None, "body": "新规正文。",
                   "publish_at": "2026-10-20T09:00:00+08:00", "source": None})
    visitor.says("有什么政策资讯")
    assert "第6期正文" in visitor.says("学科动态最新一期呢")


def test_a_question_naming_another_call_in_fewer_words_is_answered_for_that_call(visitor, two_calls):
    visitor.says("中原技术发明奖怎么申报")
    reply = visitor.says("那黄河青年创新俺们小年轻能报不")
    assert "38周岁以下" in reply and "个人或团队" not in reply


def test_a_question_about_this_call_holding_words_of_another_calls_name_is_about_this_one(visitor, two_calls):
    """'青年创新' is in order in 黄河青年创新奖's name, but '这个' is the call just opened (中原技术发明奖)."""
    visitor.says("中原技术发明奖怎么申报")
    reply = visitor.says("我是青年创新人才 这个能报不")
    assert "个人或团队" in reply and "38周岁以下" not in reply


def test_a_name_sent_alone_then_a_mobile_alone_bind_together(visitor, roster, db):
    visitor.says("查会费")
    visitor.says("高志强")
    assert "绑定成功" in visitor.says("13598760002")
    assert bound_name(db) == "高志强"
