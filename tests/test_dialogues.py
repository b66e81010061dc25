"""Conversations over several messages, as members hold them: a place in a list said in words
("第二个具体讲讲", "报第三个"), a registration given in pieces and corrected before it is
confirmed, a question about the event in the middle of it, coming back with "好，继续", and
leaving a form in a sentence. Measured on the written conversations by bench/replay_dialogues.py
(/work/notes-dialogue.md); the wording here is our own."""
from __future__ import annotations

from datetime import date, timedelta

import pytest

from storage import events as event_store
from storage.news import save_item
from tests.member import Member

TODAY = date.today()


def add_event(db, title: str, in_days: int, place: str = "郑州", fee: str | None = None) -> dict:
    start = (TODAY + timedelta(days=in_days)).isoformat()
    [number], _ = event_store.save_events(db, [({"society": "示范科技学会", "title": title, "type": "培训",
                                                 "starts_on": start, "ends_on": start, "place": place,
                                                 "capacity": 30, "fee": fee}, "test")], [], actor="test")
    return event_store.find_event(db, number)


@pytest.fixture
def events(db):
    return [add_event(db, "实验室安全培训", 9, "新乡", "200元"),
            add_event(db, "基金申请书写作培训", 16, "郑州", "免费"),
            add_event(db, "科普讲解员培训", 23, "南阳", "150元")]


@pytest.fixture
def visitor(client, config):
    """A follower who is not a member: gives a name and mobile to register."""
    return Member(client, config, "o_visitor")


def registrations(db, openid="o_visitor") -> list[dict]:
    return event_store.registrations_of(db, openid, TODAY.isoformat())


# --- a place in a list said in words -------------------------------------------------------------

def test_an_entry_picked_by_its_place_in_words_opens_with_its_details(visitor, events):
    visitor.says("最近有哪些培训")
    reply = visitor.says("第三个具体讲讲")
    assert "科普讲解员培训" in reply and "南阳" in reply and "150元" in reply


def test_a_question_about_an_entry_by_its_place_is_answered_by_its_details(visitor, events):
    visitor.says("有什么培训吗")
    assert "200元" in visitor.says("第一个收费吗")


def test_a_newsletter_item_picked_by_its_place_in_words(visitor, db):
    for day in (1, 2, 3):
        save_item(db, {"item_no": f"p{day}", "kind": "newsletter", "title": f"政策解读第{day}号", "topics": ["policy"],
                       "audience": None, "summary": "摘要", "link": None, "body": f"第{day}号的正文",
                       "publish_at": f"2026-11-0{day}T09:00:00+08:00", "source": None})
    visitor.says("看看政策资讯")
    assert "第1号的正文" in visitor.says("看下第三条")


def test_asking_for_others_after_the_last_page_says_that_was_all(visitor, events):
    visitor.says("最近有哪些培训")
    reply = visitor.says("还有其他的吗")
    assert "没有更多" in reply and "帮助" not in reply


# --- registering over several messages ------------------------------------------------------------

def test_signing_up_by_place_in_the_list_names_that_event(visitor, events):
    visitor.says("最近有哪些培训")
    reply = visitor.says("就报第二个吧")
    assert "基金申请书写作培训" in reply and "姓名和手机号" in reply


def test_a_list_shown_for_signing_up_takes_a_number_as_the_choice(visitor, events):
    visitor.says("我想报个名")
    reply = visitor.says("3")
    assert "科普讲解员培训" in reply and "姓名和手机号" in reply


def test_contact_given_in_pieces_is_kept_and_confirmed_before_registering(visitor, events, db):
    visitor.says("最近有哪些培训")
    visitor.says("看看第一个")
    visitor.says("报这个")
    assert "手机号" in visitor.says("孙丽娟")
    summary = visitor.says("186 0371 2468")
    assert "孙丽娟" in summary and "186****2468" in summary and registrations(db) == []
    assert "新乡医学院" in visitor.says("新乡医学院")
    assert "报名成功" in visitor.says("没问题")
    [registration] = registrations(db)
    assert (registration["title"], registration["name"], registration["mobile"], registration["work_unit"]) == \
        ("实验室安全培训", "孙丽娟", "18603712468", "新乡医学院")


def test_a_wrong_mobile_in_the_summary_is_corrected_and_the_rest_kept(visitor, events, db):
    visitor.says("最近有哪些培训")
    visitor.says("报第二个")
    visitor.says("我是刘洋，手机15890001111，在河南农业大学上班")
    summary = visitor.says("电话写错了，应该是15890001112")
    assert "158****1112" in summary and "刘洋" in summary and "河南农业大学" in summary
    visitor.says("对的")
    [registration] = registrations(db)
    assert registration["mobile"] == "15890001112" and registration["work_unit"] == "河南农业大学"


def test_a_question_about_the_event_mid_registration_is_answered_and_the_question_asked_again(visitor, events):
    visitor.says("最近有哪些培训")
    visitor.says("报第三个")
    reply = visitor.says("在哪里举办？")
    assert "南阳" in reply and "姓名和手机号" in reply


def signs_up_for_the_first(member: Member) -> None:
    member.says("最近有哪些培训")
    member.says("报第一个")
    member.says("周建 13937120000")
    assert "报名成功" in member.says("确认")


def test_signing_up_again_from_the_same_list_says_already_registered(visitor, events, db):
    signs_up_for_the_first(visitor)
    reply = visitor.says("我再报一次第一个")
    assert "已报名" in reply and len(registrations(db)) == 1


def test_the_one_registration_asked_about_can_be_picked_as_the_first(visitor, events, db):
    signs_up_for_the_first(visitor)
    visitor.says("我要取消报名")
    assert "确定取消" in visitor.says("第一个")
    assert "已取消" in visitor.says("是的")
    assert registrations(db) == []


# --- pausing, coming back, leaving ----------------------------------------------------------------

def test_coming_back_with_ok_continue_asks_the_question_it_was_on(visitor, events):
    visitor.says("最近有哪些培训")
    visitor.says("报第二个")
    visitor.says("会员一年交多少钱？")
    reply = visitor.says("好，继续")
    assert "姓名和手机号" in reply and "不客气" not in reply


def test_leaving_a_form_in_a_sentence_leaves_it(visitor, db):
    visitor.says("我要申请个人会员")
    reply = visitor.says("算了不弄了，下次再说")
    assert "已取消" in reply


def test_not_signing_up_after_all_registers_nothing(visitor, events, db):
    visitor.says("我想报个名")
    visitor.says("2")
    assert "已取消" in visitor.says("不报了")
    assert registrations(db) == []


# --- binding as members say who they are ----------------------------------------------------------

@pytest.fixture
def roster(db):
    from storage.members import insert_member

    for number, (name, mobile) in enumerate((("李秀兰", "13598760001"), ("高志强", "13598760002")), 1):
        insert_member(db, {"member_no": f"HNKX20190000{number}", "name": name, "mobile": mobile,
                           "category": "regular"}, actor="test")


def bound_name(db, openid="o_visitor") -> str | None:
    from storage.members import find_member_by_openid

    member = find_member_by_openid(db, openid)
    return member["name"] if member else None


def test_name_and_mobile_in_the_request_bind_at_once(visitor, roster, db):
    assert "绑定成功" in visitor.says("我要绑定，李秀兰，手机 13598760001")
    assert bound_name(db) == "李秀兰"


def test_the_mobile_given_for_the_number_question_binds(visitor, roster, db):
    visitor.says("绑定微信")
    visitor.says("我叫高志强")
    assert "绑定成功" in visitor.says("135 9876 0002")
    assert bound_name(db) == "高志强"


def test_a_mistyped_mobile_can_be_corrected_in_a_sentence(visitor, roster, db):
    visitor.says("绑定微信")
    visitor.says("李秀兰")
    assert "对不上" in visitor.says("13500000000")
    assert "绑定成功" in visitor.says("打错了，应该是13598760001")


def test_a_mobile_spoken_in_words_binds(visitor, roster, db):
    visitor.says("绑定会员信息我叫李秀兰手机号一三五九八七六零零零一")
    assert bound_name(db) == "李秀兰"


def test_another_members_mobile_never_binds(visitor, roster, db):
    reply = visitor.says("绑定 李秀兰 13598760002")
    assert "对不上" in reply and "高志强" not in reply and bound_name(db) is None


def test_a_question_at_the_name_question_is_not_taken_as_a_name(visitor, roster, db):
    visitor.says("绑定微信")
    reply = visitor.says("要咋弄")
    assert "姓名和手机号" in reply and "会员编号" not in reply
    assert "手机号" in visitor.says("李秀兰")


def test_thanks_in_the_middle_of_a_form_is_answered_and_the_form_waits(visitor, roster, db):
    visitor.says("绑定微信")
    visitor.says("李秀兰")
    reply = visitor.says("好的谢谢")
    assert "不客气" in reply and "格式不对" not in reply


# --- the membership form, answered the way people answer ------------------------------------------

def applying(visitor) -> None:
    assert "真实姓名" in visitor.says("我想申请个人会员")
    assert "会员类别" in visitor.says("我叫贺文斌")


def application_answers(redis_client, openid="o_visitor") -> dict:
    from tests import redis_state

    return redis_state.load_flow(redis_client, openid)["data"]["answers"]


def test_a_mobile_given_at_another_question_is_kept_and_that_question_asked_again(visitor, redis_client):
    applying(visitor)
    reply = visitor.says("我手机号是 139 3712 6655")
    assert "139****6655" in reply and "会员类别" in reply
    assert application_answers(redis_client)["mobile"] == "13937126655"
    visitor.says("2")
    assert application_answers(redis_client)["category"] == "regular"


def test_a_unit_in_a_sentence_at_another_question_is_kept(visitor, redis_client):
    applying(visitor)
    assert "河南省人民医院" in visitor.says("我在河南省人民医院工作")
    assert application_answers(redis_client)["work_unit"] == "河南省人民医院"


def test_a_mobile_a_digit_short_is_said_to_be_wrong(visitor, redis_client):
    applying(visitor)
    assert "手机号格式不对" in visitor.says("电话1393712665")
    assert "mobile" not in application_answers(redis_client)


def test_a_whole_introduction_fills_what_it_says(visitor, redis_client):
    visitor.says("我要入会，个人会员")
    reply = visitor.says("我是周雅琴，电话15036998877，在河南工业大学粮油食品学院教书，邮箱 zhouyq@haut.edu.cn")
    answers = application_answers(redis_client)
    assert answers["name"] == "周雅琴" and answers["mobile"] == "15036998877"
    assert answers["email"] == "zhouyq@haut.edu.cn" and answers["work_unit"] == "河南工业大学粮油食品学院"
    assert "150****8877" in reply and "会员类别" in reply and "真实姓名" not in reply


def test_an_email_spelled_out_by_voice_is_read(visitor, redis_client):
    applying(visitor)
    visitor.says("邮箱是 hewenbin at qq 点 com")
    assert application_answers(redis_client)["email"] == "hewenbin@qq.com"


def test_a_name_explained_by_its_characters_is_the_name(visitor, redis_client):
    visitor.says("我想申请个人会员")
    visitor.says("我叫贺文斌贺是祝贺的贺")
    assert application_answers(redis_client)["name"] == "贺文斌"


def test_changing_from_student_to_regular_keeps_the_answers(visitor, redis_client):
    visitor.says("我要申请学生会员")
    visitor.says("贺文斌")
    reply = visitor.says("不对，我马上毕业工作了，改成普通会员吧")
    answers = application_answers(redis_client)
    assert answers["category"] == "regular" and answers["name"] == "贺文斌"
    assert "普通会员" in reply and "真实姓名" not in reply


def test_stepping_away_mid_form_is_acknowledged_and_the_form_kept(visitor, redis_client):
    applying(visitor)
    reply = visitor.says("我先去忙，等会儿回来")
    assert "继续" in reply and "会员类别" not in reply
    assert "会员类别" in visitor.says("继续")
    assert application_answers(redis_client)["name"] == "贺文斌"


def test_a_name_at_the_kind_question_starts_a_personal_application(visitor, redis_client):
    visitor.says("我想入会")
    visitor.says("我叫贺文斌")
    assert application_answers(redis_client)["name"] == "贺文斌"


# --- a follow-up that leans on the list before it --------------------------------------------------

@pytest.fixture
def board(db):
    from tests.job_board import post

    post(db, "嵌入式软件工程师", employer="许昌示范软件有限公司", city="许昌", discipline="电子信息")
    post(db, "电子测试工程师", employer="安阳示范仪器公司", city="安阳", discipline="电子信息")
    post(db, "电气设计工程师", employer="许昌示范电气有限公司", city="许昌", discipline="电气工程")
    post(db, "电气运维工程师", employer="安阳示范电力公司", city="安阳", discipline="电气工程")
    post(db, "食品检验员", employer="漯河示范食品集团", city="漯河", discipline="食品科学")


def test_another_city_keeps_the_field_asked_before(visitor, board):
    visitor.says("安阳有电气方面的工作吗")
    reply = visitor.says("那许昌的呢")
    assert "电气设计工程师" in reply and "嵌入式软件工程师" not in reply


def test_a_field_named_after_a_city_search_keeps_the_city(visitor, board):
    visitor.says("许昌有啥工作")
    reply = visitor.says("电子方面的呢")
    assert "嵌入式软件工程师" in reply and "电子测试工程师" not in reply


def test_the_whole_province_after_none_in_a_city(visitor, board):
    assert "暂时没有" in visitor.says("漯河有电气的岗位吗")
    reply = visitor.says("那全省的呢")
    assert "电气设计工程师" in reply and "电气运维工程师" in reply


def test_how_to_apply_after_opening_a_posting(visitor, board):
    visitor.says("许昌有啥工作")
    visitor.says("看看第一个")
    reply = visitor.says("简历往哪投")
    assert "hr@example.org" in reply and "许昌示范" in reply


def test_the_same_events_question_about_another_city(visitor, events):
    visitor.says("新乡最近有培训吗")
    reply = visitor.says("那南阳的呢")
    assert "科普讲解员培训" in reply and "实验室安全培训" not in reply


# --- answers instead of dead ends ---------------------------------------------------------------

def test_a_stranger_asking_about_their_own_dues_is_asked_who_they_are(visitor):
    reply = visitor.says("我的会费交上了没")
    assert "姓名和手机号" in reply and "学生会员：" not in reply


def test_an_invoice_question_gets_how_to_ask_for_one(visitor):
    reply = visitor.says("交了会费可以开票不")
    assert "0371-6000 0000" in reply and "抬头" in reply


def test_where_to_pay_in_plain_words(visitor):
    assert "银行转账" in visitor.says("会费在哪交")


def test_subscribing_to_this_under_a_topic_list(visitor, db):
    from storage.news import topics_of

    save_item(db, {"item_no": "i1", "kind": "newsletter", "title": "产业动态一则", "topics": ["industry"],
                   "audience": None, "summary": "摘要", "link": None, "body": "正文",
                   "publish_at": "2026-11-01T09:00:00+08:00", "source": None})
    visitor.says("行业动态")
    assert "已为您订阅" in visitor.says("订阅这个栏目")
    assert topics_of(db, "o_visitor") == ["industry"]


@pytest.fixture
def talent_call(db):
    from storage import awards

    awards.save_awards(db, [({"name": "中原青年拔尖人才计划", "kind": "talent", "deadline": (TODAY + timedelta(days=30)).isoformat(),
                              "eligibility": "40周岁以下", "how_to_apply": "单位推荐", "link": None}, "test")],
                       [], actor="test")


def test_a_question_about_the_call_just_opened_is_answered_from_it(visitor, talent_call):
    visitor.says("青年人才计划怎么申报")
    assert "40周岁以下" in visitor.says("对年龄有限制吗")


def test_asking_to_be_told_about_a_call_subscribes_to_talent_news(visitor, talent_call, db):
    from storage.news import topics_of

    visitor.says("青年人才计划怎么申报")
    visitor.says("有新消息通知我")
    assert "talent" in topics_of(db, "o_visitor")


def test_applying_to_be_a_fellow_says_it_is_by_nomination(visitor, redis_client):
    from tests import redis_state

    reply = visitor.says("我要申请当会士")
    assert "提名" in reply and redis_state.load_flow(redis_client, "o_visitor") is None


def test_a_short_remark_on_a_drafted_complaint_is_added_not_put_in_its_place(visitor, db):
    from storage.tickets import list_tickets_of_member

    visitor.says("培训费退款一直没有到账，请尽快处理")
    visitor.says("已经两周了")
    [ticket] = list_tickets_of_member(db, "o_visitor")
    assert "退款一直没有到账" in ticket["body"] and "已经两周了" in ticket["body"]


def test_asking_after_an_earlier_complaint_shows_it(visitor, db):
    from storage.tickets import create_ticket

    number = create_ticket(db, "o_visitor", "建议", "希望会讯能按学科分类推送")
    assert number in visitor.says("我之前提的意见有回复了吗")


def test_a_new_unit_said_in_a_sentence_is_stored_as_the_unit(client, config, db):
    from storage.members import find_member_by_openid, insert_member

    insert_member(db, {"member_no": "HNKX202000077", "name": "葛晓峰", "category": "regular", "openid": "o_bound",
                       "mobile": "13700001234", "work_unit": "河南大学"}, actor="test")
    member = Member(client, config, "o_bound")
    member.says("我要修改单位")
    member.says("改成河南财经政法大学了")
    assert find_member_by_openid(db, "o_bound")["work_unit"] == "河南财经政法大学"


def test_an_employer_who_wants_to_post_a_job_is_told_how(visitor, board):
    reply = visitor.says("我们单位想发布招聘岗位")
    assert "秘书处" in reply and "电气设计工程师" not in reply


def test_another_members_contact_is_refused_politely(visitor, roster):
    reply = visitor.says("能查一下高志强的手机号码吗")
    assert "隐私" in reply and "13598760002" not in reply and "0002" not in reply


def test_asking_to_report_anonymously_says_who_sees_it_and_takes_the_report(visitor, db):
    from storage.tickets import list_tickets_of_member

    reply = visitor.says("我想匿名反映点情况")
    assert "秘书处工作人员能看到" in reply
    visitor.says("某培训班收费没有开票，也不给收据")
    [ticket] = list_tickets_of_member(db, "o_visitor")
    assert "不给收据" in ticket["body"]


def test_whether_one_can_register_again_after_cancelling_is_answered(visitor):
    assert "可以" in visitor.says("取消以后还能重新报吗？")


def test_a_students_unit_said_in_passing_is_the_school(visitor, redis_client):
    visitor.says("我要申请学生会员")
    visitor.says("贺文斌")
    visitor.says("郑州轻工业大学，研一")
    answers = application_answers(redis_client)
    assert answers["school"] == "郑州轻工业大学" and answers["work_unit"] == "郑州轻工业大学"


def test_can_i_join_as_a_student_is_answered_yes_before_the_first_question(visitor):
    reply = visitor.says("我在读博士，可以入会吗？")
    assert reply.startswith("可以") and "真实姓名" in reply


def test_a_bare_yes_to_a_question_that_wants_a_value_asks_it_again_without_scolding(visitor):
    visitor.says("我想申请学生会员")
    reply = visitor.says("好的")
    assert "真实姓名" in reply and "格式不对" not in reply


def test_saying_one_was_a_member_already_turns_to_binding(visitor):
    visitor.says("我想入会")
    reply = visitor.says("我以前就是会员了，交过会费的")
    assert "请输入您的姓名" in reply and "元/年" not in reply
