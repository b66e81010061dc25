"""Conversations of the second written set's classes, in our own words: binding that went wrong
and what members ask next, an answer of the form taken for a request, switching the kind of
application, subscriptions changed in a sentence, and registering in one message. Measured on
the written conversations by bench/replay_dialogues.py (/work/notes-dialogue.md, dialogue2)."""
from __future__ import annotations

import pytest

# the first set's follower, roster (李秀兰, 高志强) and who a WeChat is bound to
from tests.test_dialogues import bound_name, events, registrations, roster, visitor  # noqa: F401  (pytest fixtures)


# --- binding that did not match, and what members ask next ----------------------------------------

@pytest.mark.parametrize("asks", ["我的会员证给我看看", "会员几号到期", "审核一般要几天", "把我单位改成新乡医学院"])
def test_asking_for_ones_record_after_a_failed_match_says_binding_is_missing(visitor, roster, db, asks):
    visitor.says("绑定")
    assert "对不上" in visitor.says("高志强 13900001111")
    reply = visitor.says(asks)
    assert "格式不对" not in reply and "没有完全理解" not in reply
    assert "还没有绑定成功" in reply and "0371-6000 0000" in reply
    assert "绑定成功" in visitor.says("13598760002") and bound_name(db) == "高志强"


def test_doubting_the_roster_after_a_failed_match_suggests_an_older_mobile(visitor, roster):
    visitor.says("我要绑定会员")
    visitor.says("李秀兰 13911112222")
    reply = visitor.says("怎么可能对不上，我一直是会员")
    assert "以前的手机号" in reply and "0371-6000 0000" in reply and "会费标准" not in reply


def test_asking_for_ones_card_at_the_name_question_says_binding_comes_first(visitor, roster):
    visitor.says("绑定微信")
    reply = visitor.says("先让我看看会员卡")
    assert "绑定前" in reply and "姓名" in reply


def test_a_title_after_the_name_is_not_part_of_it(visitor, roster, db):
    visitor.says("绑定")
    assert "绑定成功" in visitor.says("高志强老师 13598760002")
    assert bound_name(db) == "高志强"


def test_a_surname_with_a_title_is_asked_for_the_whole_name_keeping_the_mobile(visitor, roster, db):
    visitor.says("绑定会员")
    reply = visitor.says("李教授 13598760001")
    assert "对不上" not in reply and "全名" in reply
    assert "绑定成功" in visitor.says("李秀兰") and bound_name(db) == "李秀兰"


def test_a_new_mobile_before_binding_says_binding_comes_first(visitor, roster, db):
    visitor.says("我手机号换了")
    reply = visitor.says("现在用的是13700002222")
    assert "绑定前" in reply and "修改" in reply
    reply = visitor.says("李秀兰 13598760001")
    assert "绑定成功" in reply and "新的手机号" in reply
    assert "已为您更新" in visitor.says("13700002222")


# --- the application form: answers for other questions, the other kind, submitting early ----------

def application(redis_client, openid="o_visitor") -> dict:
    from tests import redis_state

    return redis_state.load_flow(redis_client, openid)["data"]


def test_switching_a_personal_application_to_the_companys_keeps_the_person_as_contact(visitor, redis_client):
    visitor.says("我要入会")
    visitor.says("个人会员")
    visitor.says("我叫周涛")
    reply = visitor.says("哦搞错了，是帮我们单位申请单位会员")
    assert "单位全称" in reply and "会员类别" not in reply
    data = application(redis_client)
    assert data["kind"] == "unit" and data["answers"] == {"contact_name": "周涛"}
    visitor.says("新乡市金穗种业有限公司")
    assert application(redis_client)["answers"]["name"] == "新乡市金穗种业有限公司"


def test_switching_a_unit_application_back_to_a_personal_one(visitor, redis_client):
    visitor.says("我们公司想入会")
    reply = visitor.says("不对，还是我个人办吧")
    assert "真实姓名" in reply and application(redis_client)["kind"] == "individual"


def test_the_contact_person_said_at_another_question_is_kept_and_a_landline_is_no_mobile(visitor, redis_client):
    visitor.says("单位会员怎么申请")
    visitor.says("洛阳市农机推广站")
    reply = visitor.says("对接人刘海涛，座机0379-62345678")
    assert "刘海涛" in reply and "手机号" in reply and "信用代码" in reply
    assert application(redis_client)["answers"]["contact_name"] == "刘海涛"


def test_what_one_works_on_said_at_another_question_is_the_discipline_not_a_job_search(visitor, redis_client):
    visitor.says("申请个人会员")
    visitor.says("我叫韩冬梅")
    reply = visitor.says("副教授，做食品安全研究的")
    assert "职位" not in reply and "食品安全" in reply and "会员类别" in reply
    assert application(redis_client)["answers"]["discipline"] == "食品安全"


def test_asking_to_submit_before_the_form_is_complete_says_what_is_left(visitor, redis_client, db):
    visitor.says("申请个人会员")
    visitor.says("我叫韩冬梅")
    reply = visitor.says("行了 可以提交了")
    assert "没填" in reply and "会员类别" in reply and "反馈" not in reply
    assert application(redis_client)["answers"] == {"name": "韩冬梅"}


# --- subscriptions changed in a sentence ----------------------------------------------------------

def topics(db, openid="o_visitor") -> list[str]:
    from storage.news import topics_of

    return topics_of(db, openid)


def test_dropping_one_topic_and_keeping_another_in_one_sentence(visitor, db):
    visitor.says("订阅行业动态和人才资讯")
    reply = visitor.says("人才的不要了，行业的继续推")
    assert "已为您退订：人才资讯" in reply and "行业动态" in reply
    assert topics(db) == ["industry"]
    reply = visitor.says("现在剩下哪些栏目")
    assert "行业动态" in reply and "人才资讯" not in reply and "您好" not in reply


def test_one_more_topic_after_subscribing_is_subscribed_not_shown(visitor, db):
    visitor.says("我想订阅政策资讯")
    reply = visitor.says("再加个学科动态")
    assert "已为您订阅：学科动态" in reply and set(topics(db)) == {"policy", "discipline"}


def test_a_bare_yes_with_nothing_asked_is_acknowledged_briefly(visitor, db):
    visitor.says("订阅政策")
    assert "改好了" in visitor.says("嗯对")
    reply = Member_says_fresh(visitor, "嗯对")
    assert "没有完全理解" not in reply and len(reply) < 40


def Member_says_fresh(visitor, text: str) -> str:
    """A message from another follower who has nothing open."""
    from tests.member import Member

    return Member(visitor.client, visitor.config, "o_someone_else").says(text)


# --- registering in one message, and for several people ------------------------------------------

def test_contact_sent_under_a_list_before_choosing_is_kept_for_the_choice(visitor, events, db):
    visitor.says("最近有哪些培训")
    reply = visitor.says("韩冬梅 13912340000 就我自己一个人")
    assert "哪一个" in reply and "韩冬梅" in reply and "人工" not in reply
    reply = visitor.says("2")
    assert "基金申请书写作培训" in reply and "韩冬梅" in reply and "请确认" in reply
    assert "报名成功" in visitor.says("可以")
    assert [r["name"] for r in registrations(db)] == ["韩冬梅"]


def test_several_people_are_told_all_may_come_in_one_message_and_one_contact_still_registers(visitor, events, db):
    visitor.says("有什么培训吗")
    visitor.says("报第一个")
    reply = visitor.says("我们科室去三个人")
    assert "格式不对" not in reply and "一条消息里写几个人" in reply and "姓名和手机号" in reply
    assert "请确认" in visitor.says("刘海涛 13912340001")
    assert "报名成功" in visitor.says("确认")
    assert len(registrations(db)) == 1


def test_asking_what_meetings_there_are_lists_events_not_newsletters(visitor, events):
    reply = visitor.says("最近有什么会")
    assert "实验室安全培训" in reply and "会讯" not in reply


# --- receipts, complaints and what follows a ticket ----------------------------------------------

def test_a_receipt_question_from_a_non_member_says_how_receipts_are_issued(visitor):
    reply = visitor.says("缴完会费给开收据吗")
    assert "票据" in reply and "0371-6000 0000" in reply and "会费标准" not in reply


def test_an_angry_complaint_about_dues_paperwork_is_taken_as_a_complaint(visitor):
    reply = visitor.says("会费的发票拖了两个月还没给，什么态度")
    assert "反馈的内容" in reply and "会费标准" not in reply


def test_a_transfer_question_that_also_wants_an_invoice_gets_both(visitor):
    reply = visitor.says("能不能对公转账 我们要开发票")
    assert "转账" in reply and "纳税人识别号" in reply


def test_asking_when_right_after_a_complaint_gives_the_time_and_the_number(visitor, db):
    visitor.says("培训结束三周了证书还没有寄过来，请尽快处理")
    done = visitor.says("确认")
    assert "编号" in done
    reply = visitor.says("那多久能给我个答复")
    assert "3 个工作日" in reply and "FK" in reply and "您是想" not in reply


def test_asking_after_an_earlier_complaint_with_none_on_record_does_not_start_a_new_one(visitor, db):
    from storage.tickets import list_tickets_of_member

    reply = visitor.says("我之前投诉的那件事咋样了")
    assert "查不到" in reply and "反馈的内容" not in reply
    assert list_tickets_of_member(db, "o_visitor", 0, 5) == []


def test_urging_under_the_ticket_list_is_noted_on_the_ticket(visitor, db):
    from storage.tickets import create_ticket

    create_ticket(db, "o_visitor", "投诉", "报名费交了一直没有收到报名确认短信")
    visitor.says("我的诉求")
    reply = visitor.says("怎么还没人处理，都等半个月了")
    assert "抱歉" in reply and "0371-6000 0000" in reply
    from storage.tickets import waiting_human_ticket

    assert "等半个月" in waiting_human_ticket(db, "o_visitor")["body"]


# --- a question about the open calls is answered, not the list again ------------------------------

@pytest.fixture
def open_calls(db):
    from datetime import date, timedelta

    from storage.awards import save_awards

    day = (date.today() + timedelta(days=30)).isoformat()
    later = (date.today() + timedelta(days=60)).isoformat()
    save_awards(db, [({"name": "省青年科技奖", "kind": "award", "deadline": day, "eligibility": "40周岁以下",
                       "how_to_apply": "由所在单位推荐", "link": "https://example.org/qnkjj"}, "test"),
                     ({"name": "优秀科普作品奖", "kind": "award", "deadline": later, "eligibility": "公开出版的科普作品",
                       "how_to_apply": "作者本人申报", "link": None}, "test")], [], actor="test")


def test_how_to_apply_asked_under_the_list_is_answered_for_each_call(visitor, open_calls):
    first = visitor.says("现在有什么奖能报")
    reply = visitor.says("是个人直接报还是要单位推荐")
    assert reply != first and "由所在单位推荐" in reply and "作者本人申报" in reply


def test_a_deadline_asked_for_a_call_named_is_that_calls_deadline(visitor, open_calls):
    reply = visitor.says("优秀科普作品奖哪天截止")
    assert "优秀科普作品奖" in reply and "省青年科技奖" not in reply and "截止" in reply


def test_a_call_not_open_is_said_not_to_be_and_the_open_ones_answered(visitor, open_calls):
    reply = visitor.says("自然科学奖什么时候截止")
    assert "没有单独征集“自然科学奖”" in reply and "省青年科技奖" in reply


def test_where_to_get_the_forms_gives_each_calls_link_or_whom_to_ask(visitor, open_calls):
    visitor.says("评奖")
    reply = visitor.says("申报书模板在哪下")
    assert "https://example.org/qnkjj" in reply and "秘书处" in reply


# --- lists left, a link asked for, and whether cancelling counts against one ---------------------

def test_not_wanting_to_look_further_closes_the_list_politely(visitor, events):
    visitor.says("最近有哪些培训")
    reply = visitor.says("先不看了")
    assert "不看了" in reply and "订阅" not in reply


def test_the_original_link_asked_under_the_news_is_about_the_news_not_jobs(visitor, db):
    from storage.news import save_item

    for number, title in enumerate(("算力产业白皮书发布", "氢能产业链调研"), 1):
        save_item(db, {"item_no": f"L{number}", "kind": "newsletter", "title": title, "topics": ["industry"],
                       "audience": None, "summary": "摘要", "link": None, "body": "正文",
                       "publish_at": f"2026-11-0{number}T09:00:00+08:00", "source": None})
    visitor.says("看看行业动态")
    assert "数字" in visitor.says("原文的网址有吗")
    visitor.says("2")
    reply = visitor.says("有原文链接吗")
    assert "算力产业白皮书发布" in reply and "职位" not in reply


def test_whether_cancelling_counts_against_later_registrations_is_answered(visitor, events):
    reply = visitor.says("取消了报名对以后报名有影响吗")
    assert "不影响" in reply and "回复数字报名" not in reply


def test_asking_what_meetings_there_are_shows_conferences_beyond_the_month(visitor, events, db):
    from datetime import date, timedelta

    from storage import events as event_store

    start = (date.today() + timedelta(days=50)).isoformat()
    event_store.save_events(db, [({"society": "示范科技学会", "title": "中原农业工程学术年会", "type": "学术会议",
                                   "starts_on": start, "ends_on": start, "place": "郑州", "capacity": 200,
                                   "fee": None}, "test")], [], actor="test")
    reply = visitor.says("这阵子有啥会")
    assert "中原农业工程学术年会" in reply and "实验室安全培训" not in reply
    reply = Member_says_fresh(visitor, "Are there any conferences coming up?")
    assert "中原农业工程学术年会" in reply and "实验室安全培训" not in reply
