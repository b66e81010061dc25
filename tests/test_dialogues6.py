"""Keeping track of the conversation (issue 11, items 3 and 4), in members' words (/work/dialogue-work-dctx/
mine.jsonl, /work/notes-dctx.md): a short message that leans on the list just shown ("线上那个", "周六那个怎么报名",
"2" after the menu) acts on it; a question asked in the middle of a form is answered and the form kept; a change
of mind mid-way is taken."""
from __future__ import annotations

from datetime import date, timedelta

import pytest

from tests.test_dialogues import add_event, board, events, registrations, visitor  # noqa: F401  (fixtures)
from tests.test_dialogues4 import bound  # noqa: F401  (fixture)

TODAY = date.today()
NOT_UNDERSTOOD = "没有完全理解"
WEEKDAYS = "一二三四五六日"


# --- an entry of the list just shown, named by its words ---------------------------------------------------

@pytest.mark.parametrize("said", ["南阳那个", "南阳的", "科普那个吧"])
def test_an_entry_named_by_a_word_of_its_line_opens(visitor, events, said):
    visitor.says("有什么培训吗")
    reply = visitor.says(said)
    assert "科普讲解员培训" in reply and "150元" in reply and NOT_UNDERSTOOD not in reply


def test_an_entry_named_by_its_words_then_just_it_signs_up_for_it(visitor, events):
    visitor.says("最近有哪些培训")
    visitor.says("基金那个")
    reply = visitor.says("就它吧，我报名")
    assert "基金申请书写作培训" in reply and "姓名" in reply


def test_an_entry_named_by_its_weekday_with_the_request(visitor, db):
    first, second = add_event(db, "青年学者沙龙", 9, "郑州"), add_event(db, "期刊编辑培训", 11, "开封")
    visitor.says("最近有什么活动")
    weekday = WEEKDAYS[date.fromisoformat(second["starts_on"]).weekday()]
    reply = visitor.says(f"星期{weekday}那个怎么报名")
    assert "期刊编辑培训" in reply and "青年学者沙龙" not in reply and "姓名" in reply


def test_an_entry_named_with_a_question_about_it_is_answered_for_it(visitor, events):
    visitor.says("有什么培训吗")
    reply = visitor.says("新乡那个多少钱")
    assert "200" in reply and NOT_UNDERSTOOD not in reply


def test_a_word_two_entries_share_picks_neither(visitor, events):
    visitor.says("有什么培训吗")
    reply = visitor.says("培训那个")
    assert "150元" not in reply or "200元" in reply  # never one of them picked at random


# --- a number after the menu ---------------------------------------------------------------------------------

@pytest.mark.parametrize("said", ["3", "第三个", "3."])
def test_a_number_after_the_help_menu_does_that_line(visitor, said):
    assert "1. 申请入会" in visitor.says("帮助")
    reply = visitor.says(said)
    assert NOT_UNDERSTOOD not in reply and "会费" in reply and "1. 申请入会" not in reply


@pytest.mark.parametrize("between", ["a picture", "a scan", "a hold"])
def test_a_number_after_another_reply_than_the_menu_does_no_line_of_it(visitor, between):
    """The menu's numbers are for the message right after it: a picture, a scan of the account's code or "等一下"
    answered since, a "1" is no "申请入会" (which would open the application form)."""
    assert "1. 申请入会" in visitor.says("帮助")
    if between == "a picture":
        visitor.send("image", PicUrl="http://example.org/p.jpg", MediaId="m1")
    elif between == "a scan":
        visitor.send("event", Event="SCAN", EventKey="poster")
    else:
        visitor.says("等一下")
    assert "申请类型" not in visitor.says("1")


def test_a_number_after_the_not_understood_menu_does_that_line(visitor, events):
    assert NOT_UNDERSTOOD in visitor.says("啊这个那个嗯")
    reply = visitor.says("5")
    assert "实验室安全培训" in reply and NOT_UNDERSTOOD not in reply


def test_a_request_after_the_menu_is_answered_as_usual(visitor, events):
    visitor.says("帮助")
    assert "实验室安全培训" in visitor.says("最近有什么活动")


def test_an_entry_named_by_its_weekday_after_a_lead_word_is_answered_for_it(visitor, db):
    add_event(db, "青年学者沙龙", 9, "郑州"), add_event(db, "期刊编辑培训", 11, "开封")
    visitor.says("最近有啥培训没有")
    weekday = WEEKDAYS[(TODAY + timedelta(days=11)).weekday()]
    reply = visitor.says(f"那个周{weekday}的是在哪里开")
    assert "开封" in reply and "青年学者沙龙" not in reply


def test_a_place_corrected_in_the_same_message_takes_the_second(visitor, events):
    visitor.says("报名活动")
    reply = visitor.says("1 不对 2")
    assert "基金申请书写作培训" in reply and NOT_UNDERSTOOD not in reply


# --- "wait a moment" ----------------------------------------------------------------------------------------

@pytest.mark.parametrize("said", ["等一下", "等下", "稍等 我找一下"])
def test_wait_under_a_list_is_a_short_line_and_the_list_stays(visitor, events, said):
    visitor.says("有什么培训吗")
    reply = visitor.says(said)
    assert NOT_UNDERSTOOD not in reply and "1. " not in reply and "已为您登记人工服务" not in reply
    assert "基金申请书写作培训" in visitor.says("第二个")


def test_wait_in_a_form_keeps_it_and_the_next_answer_goes_on(visitor, db):
    visitor.says("申请个人会员")
    reply = visitor.says("稍等 我找一下证件")
    assert "保留" in reply and "已为您登记人工服务" not in reply
    reply = visitor.says("李国庆")
    assert "姓名 李国庆" in reply or "请选择会员类别" in reply or "出生年份" in reply


def test_a_detail_promised_later_is_no_request_for_a_person(visitor, db):
    from tests.test_dialogues3 import tickets_of
    reply = visitor.says("丁浩的电话我问一下")
    assert "已为您登记人工服务" not in reply and tickets_of(db) == []


def test_wait_with_a_change_is_not_a_wait(visitor):
    visitor.says("申请个人会员")
    assert "保留" not in visitor.says("等等 打错了 是王方")


# --- registering: what was given is kept, a question is no contact ------------------------------------------

def test_a_question_whether_registered_at_the_contact_step_is_answered(visitor, events):
    visitor.says("报名活动")
    visitor.says("2")
    reply = visitor.says("我之前是不是报过这个")
    assert "没有待参加的活动报名" in reply and "姓名和手机号" in reply and "手机号格式不对" not in reply


def test_a_name_said_in_dialect_with_a_mobile_read_out_is_taken(visitor, events):
    visitor.says("报名实验室安全培训")
    reply = visitor.says("俺叫高建设 电话一三九三八六七五二一零")
    assert "请确认报名" in reply and "高建设" in reply


def test_ok_at_the_summary_says_it_is_not_registered_yet(visitor, events, db):
    visitor.says("报名实验室安全培训")
    visitor.says("周雪梅 信阳市平桥区人民医院 13837612045")
    reply = visitor.says("好的知道了")
    assert "确认" in reply and "没太明白" not in reply and registrations(db) == []
    assert "报名成功" in visitor.says("确认")


def test_signing_up_with_yes_in_dialect_after_an_entry_named(visitor, events):
    visitor.says("有什么培训吗")
    visitor.says("南阳那个")
    assert "科普讲解员培训" in visitor.says("中 就它吧 给我报上")


def test_cancelling_with_nothing_registered_says_what_to_do(visitor, events):
    reply = visitor.says("第二个那个学术沙龙我去不了了，麻烦帮我取消")
    assert "没有待参加的活动报名" in reply and "0371-6000 0000" in reply and "最近有什么活动" in reply


# --- a question about the question asked, in the application form ------------------------------------------

@pytest.mark.parametrize("asked", ["这个必须填吗？可以跳过吗", "这个可以不填吗"])
def test_whether_a_required_field_may_be_skipped_is_answered_and_asked_again(visitor, asked):
    visitor.says("申请个人会员")
    visitor.says("刘洋")
    reply = visitor.says(asked)
    assert "需要填写" in reply and "会员类别" in reply and "您是想" not in reply


def test_the_email_may_be_skipped_says_so(visitor):
    visitor.says("申请个人会员")
    for said in ("刘洋", "普通会员", "1985", "郑州大学", "1", "1", "化学", "13812345678"):
        visitor.says(said)
    reply = visitor.says("邮箱必须填吗")
    assert "可以不填" in reply and "跳过" in reply


def test_what_a_category_means_is_answered_not_chosen(visitor, db):
    visitor.says("我想入会")
    visitor.says("个人")
    reply = visitor.says("高级会员是什么意思")
    assert "已记下" not in reply and "高级会员" in reply and "真实姓名" in reply
    assert "请选择会员类别" in visitor.says("王晓峰") or "已记下" not in reply


# --- a job search refined over turns -------------------------------------------------------------------------

def test_a_narrower_field_keeps_the_field_asked_before(visitor, board, db):
    from tests.job_board import post
    post(db, "结构设计工程师", employer="郑州示范建筑设计院", city="郑州", discipline="土木工程")
    visitor.says("有没有电气的工作")
    reply = visitor.says("要设计岗的")
    assert "电气设计工程师" in reply and "电气运维工程师" not in reply and "结构设计工程师" not in reply


def test_another_city_said_as_also_fine_keeps_the_field(visitor, board):
    assert "暂时没有" in visitor.says("漯河有电气的岗位吗")
    reply = visitor.says("没有的话许昌也行")
    assert "电气设计工程师" in reply and "嵌入式软件工程师" not in reply


@pytest.mark.parametrize("said", ["有新的电气岗位的话能推给我吗", "订阅招聘 我考虑电气这种的"])
def test_an_alert_keeps_only_the_words_that_say_the_job(visitor, board, db, said):
    from storage.jobs import alerts_of
    visitor.says(said)
    assert [alert["keywords"] for alert in alerts_of(db, "o_visitor")] == [["电气"]]


def test_a_word_the_router_is_unsure_of_after_the_menu_gets_the_same_question_as_without_it(visitor):
    visitor.says("帮助")
    assert "您是想" in visitor.says("会员")


# --- a form interrupted, and taken up again ---------------------------------------------------------------

def test_called_away_mid_form_keeps_it_and_where_we_were_is_asked_again(visitor):
    visitor.says("我想申请高级会员")
    visitor.says("个人")
    reply = visitor.says("先不说了 来病人了")
    assert "保留" in reply and "已取消" not in reply
    assert "真实姓名" in visitor.says("刚才说到哪了")


def test_a_persons_details_at_the_type_question_start_a_personal_application(visitor, redis_client):
    from tests.test_dialogues import application_answers
    visitor.says("我想入会 但我没有单位")
    reply = visitor.says("赵文静 自由职业 科普写作 13071698855")
    assert "没有看懂" not in reply
    answers = application_answers(redis_client)
    assert answers.get("name") == "赵文静" and answers.get("mobile") == "13071698855"


def test_whether_another_field_may_be_left_empty_is_answered_for_that_field(visitor):
    visitor.says("申请个人会员")
    visitor.says("赵文静")
    reply = visitor.says("职称也没有 可以空着吗")
    assert "职称可以不填" in reply and "会员类别" in reply


def test_a_student_asking_if_students_may_join_hears_yes_and_a_go_ahead_is_no_name(visitor, redis_client):
    from tests.test_dialogues import application_answers
    reply = visitor.says("想入会 学生能入不")
    assert "学生会员" in reply and "真实姓名" in reply
    assert "真实姓名" in visitor.says("嗯 开始吧")
    assert "name" not in application_answers(redis_client)


def test_a_name_corrected_with_how_a_character_is_written_keeps_only_the_name(visitor, redis_client):
    from tests.test_dialogues import application_answers
    visitor.says("申请学生会员")
    visitor.says("马思奇")
    visitor.says("名字打错了 是马思琪 琪是王字旁那个")
    assert application_answers(redis_client)["name"] == "马思琪"


# --- several attendees in one message --------------------------------------------------------------------------

def test_several_attendees_with_roles_and_one_without_a_mobile_all_go_to_the_secretariat(visitor, events, db):
    from tests.test_dialogues3 import tickets_of
    visitor.says("报名实验室安全培训")
    reply = visitor.says("李文博教授 13603910088，博士生郭雨涵 15093157720，硕士生丁浩")
    assert "李文博　" in reply and "郭雨涵　" in reply and "丁浩　手机号未给" in reply
    visitor.says("提交")
    [ticket] = tickets_of(db)
    assert "李文博 13603910088" in ticket["body"] and "丁浩" in ticket["body"]


def test_one_name_unit_and_mobile_is_still_one_registration(visitor, events):
    visitor.says("报名实验室安全培训")
    reply = visitor.says("周雪梅 信阳市平桥区人民医院 13837612045")
    assert "请确认报名" in reply and "周雪梅" in reply


def test_a_contact_given_with_labels_takes_each_label_s_value(visitor, events):
    visitor.says("报名实验室安全培训")
    reply = visitor.says("姓名：程浩然，单位：郑州智芯科技有限公司，手机：18603719900")
    assert "参加人：程浩然" in reply and "单位：郑州智芯科技有限公司" in reply


def test_a_member_who_cannot_type_numbers_is_told_words_do_and_the_list_stays(visitor, events, db):
    from tests.test_dialogues3 import tickets_of
    visitor.says("我想报名活动")
    reply = visitor.says("我不会打数字，你直接说吧")
    assert "直接说名称" in reply and "已为您登记人工服务" not in reply and tickets_of(db) == []
    assert "报名《科普讲解员培训》" in visitor.says("南阳那个")


# --- a change of mind mid-way --------------------------------------------------------------------------------

def test_another_event_said_instead_mid_registration_switches_to_it(bound, events, db):
    bound.says("报名实验室安全培训")
    reply = bound.says("算了，换成科普讲解员培训吧")
    assert "科普讲解员培训" in reply and "请确认报名" in reply
    assert "报名成功" in bound.says("确认")
    assert [r["title"] for r in registrations(db, "o_bound")] == ["科普讲解员培训"]


def test_a_name_with_a_major_and_year_beside_it_keeps_only_the_name(visitor, redis_client):
    from tests.test_dialogues import application_answers
    visitor.says("申请学生会员")
    visitor.says("马思奇 河南农业大学 植保 研二 15838290317")
    answers = application_answers(redis_client)
    assert answers["name"] == "马思奇" and answers["mobile"] == "15838290317"


def test_where_we_were_after_a_list_in_the_middle_of_a_form_is_its_question(visitor, events):
    visitor.says("我要申请入会")
    visitor.says("个人的 普通会员")
    visitor.says("最近有什么活动")
    reply = visitor.says("刚才说到哪了")
    assert "真实姓名" in reply and "答不上来" not in reply
