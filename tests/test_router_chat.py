"""What a member notices of the router's classes in a chat (the router's own tests check the intent):
a question about one's own subscriptions lists them, keeping a topic after dropping them all keeps it, a
question for meetings lists events, saying what one does for a living starts no job search, another member's
phone number is refused however it is asked, and a question about competitions shows those published as award
calls and as events alike."""
from __future__ import annotations

from datetime import date, timedelta

import pytest

from storage import events as store
from storage.awards import save_awards
from storage.members import insert_member
from storage.news import subscribe, topics_of
from storage.tickets import waiting_human_ticket
from tests.member import Member


@pytest.fixture
def member(client, config, db):
    insert_member(db, {"member_no": "HNKX202600077", "name": "周敏", "category": "regular", "openid": "o_zhou"},
                  actor="test")
    return Member(client, config, "o_zhou")


@pytest.mark.parametrize("question", ["我都订了啥", "我现在订了哪几个", "除了这些还会给我推吗"])
def test_asking_what_one_receives_lists_ones_subscriptions(member, db, question):
    subscribe(db, "o_zhou", ["talent", "industry"])
    reply = member.says(question)
    assert "行业动态" in reply and "人才资讯" in reply
    assert "请选择要订阅的栏目" not in reply


def test_keeping_one_topic_after_dropping_them_all_subscribes_to_it_again(member, db):
    subscribe(db, "o_zhou", ["policy", "talent"])
    member.says("全部退订")
    member.says("确认")
    assert topics_of(db, "o_zhou") == []
    reply = member.says("哎算了，还是把人才资讯给我留着吧")
    assert topics_of(db, "o_zhou") == ["talent"]
    assert "人才资讯" in reply


def test_asking_what_meetings_there_are_lists_the_events(member, db):
    start = date.today() + timedelta(days=9)
    store.save_events(db, [({"society": "示范科技学会", "title": "智慧农业青年论坛", "type": "学术会议",
                             "starts_on": start.isoformat(), "ends_on": start.isoformat(), "place": "许昌",
                             "capacity": None}, "test")], [], actor="test")
    assert "智慧农业青年论坛" in member.says("这阵子都有啥会")


@pytest.mark.parametrize("text", ["我是护士", "本人是高级工程师", "I am a nurse"])
def test_saying_what_one_does_for_a_living_starts_no_job_search(member, text):
    reply = member.says(text)
    assert "职位" not in reply and "招聘" not in reply.split("\n")[0]


# --- another member's contact, asked the way one asks for a person ------------------------------

@pytest.mark.parametrize("text", ["张伟的电话是多少", "我想要我们单位老刘的联系方式", "帮我问一下王建国的电话"])
def test_another_members_contact_is_refused_and_opens_no_ticket(member, db, text):
    reply = member.says(text)
    assert "为保护会员隐私" in reply and "已为您登记人工服务" not in reply
    assert waiting_human_ticket(db, "o_zhou") is None


@pytest.mark.parametrize("text", ["秘书长的电话是多少", "麻烦给个负责培训的老师的联系方式", "会员部小王的电话多少",
                                  "秘书处电话打不通，还有别的联系方式吗"])
def test_the_secretariats_own_people_are_put_through_to_a_person(member, db, text):
    reply = member.says(text)
    assert "为保护会员隐私" not in reply and "已为您登记人工服务" in reply
    assert waiting_human_ticket(db, "o_zhou") is not None


# --- competitions: published as award calls and as events; either answer shows both -----------------

@pytest.fixture
def competitions(db):
    start = date.today() + timedelta(days=30)
    store.save_events(db, [({"society": "示范科技学会", "title": "全省青少年机器人比赛", "type": "竞赛",
                             "starts_on": start.isoformat(), "ends_on": start.isoformat(), "place": "郑州",
                             "capacity": 80}, "test")], [], actor="test")
    save_awards(db, [({"name": "青年科技创新大赛", "kind": "competition",
                       "deadline": (date.today() + timedelta(days=20)).isoformat()}, "test")], [], actor="test")


@pytest.mark.parametrize("question", ["有什么竞赛", "最近有什么比赛可以参加", "下个月有比赛吗"])
def test_a_competition_question_shows_the_calls_and_the_events(member, competitions, question):
    reply = member.says(question)
    assert "青年科技创新大赛" in reply and "全省青少年机器人比赛" in reply


def test_a_question_about_other_events_lists_no_competition_calls(member, competitions):
    assert "青年科技创新大赛" not in member.says("最近有什么培训")
