"""Members who write English get replies they can read for the common requests (help, dues,
events, jobs, joining, a person), the language chosen by what they write and kept for the
conversation; Chinese stays the default and comes back when the member writes Chinese.
Measured on the written conversations by bench/replay_dialogues.py (/work/notes-dialogue.md);
the wording here is our own."""
from __future__ import annotations

import re

import pytest

from bot import content
from tests.job_board import post
from tests.member import Member
from tests.test_dialogues import add_event

CJK = re.compile(r"[\u4e00-\u9fff]")


def chinese_outside_data(reply: str, *data: str) -> list[str]:
    """The Chinese left in a reply once the society's own data (titles, places) is taken out."""
    for item in data:
        reply = reply.replace(item, "")
    return CJK.findall(reply)


@pytest.fixture
def visitor(client, config):
    return Member(client, config, "o_english")


@pytest.fixture
def trainings(db):
    return [add_event(db, "实验室安全培训", 9, "新乡", "200元"),
            add_event(db, "基金申请书写作培训", 16, "郑州", "免费")]


def test_a_question_about_dues_in_english_is_answered_in_english(visitor):
    reply = visitor.says("How much is the yearly membership fee?")
    assert "yuan" in reply and "Student member" in reply
    assert not chinese_outside_data(reply)


@pytest.mark.parametrize("asked", ["How much is the fee", "How much is the fee?", "What is the fee", "how much are the fees", "How much are the dues?",
                                   "how much are the membership dues"])
def test_the_fee_or_the_dues_said_alone_is_the_membership_fee(visitor, trainings, asked):
    reply = visitor.says(asked)
    assert "Student member" in reply and "yuan" in reply, reply


@pytest.mark.parametrize("asked", ["what are the fees for the workshop", "how much is the registration fee for the conference"])
def test_the_fee_for_an_event_is_no_question_about_dues(visitor, trainings, asked):
    assert "Student member" not in visitor.says(asked)


def test_a_category_alone_after_the_fee_table_gets_that_categorys_fee(visitor):
    visitor.says("how much is the membership fee")
    reply = visitor.says("Senior?")
    assert "Senior member" in reply and "200" in reply and "Student" not in reply


def test_a_chinese_member_naming_a_category_after_the_fee_table_gets_its_fee(client, config):
    member = Member(client, config, "o_fees_zh")
    member.says("入会要交多少钱")
    reply = member.says("那高级的呢")
    assert "高级会员" in reply and "200" in reply and "学生会员" not in reply


def test_a_number_after_an_english_list_keeps_the_conversation_in_english(visitor, trainings):
    listing = visitor.says("Which events are coming up?")
    assert "Reply with a number" in listing
    detail = visitor.says("2")
    assert "基金申请书写作培训" in detail and "Date:" in detail and "Fee:" in detail


def test_signing_up_for_an_event_by_its_place_said_in_english(visitor, trainings):
    visitor.says("Any events coming up?")
    reply = visitor.says("Sign me up for the second one")
    assert "基金申请书写作培训" in reply and "mobile" in reply
    assert "cancelled" in visitor.says("Stop, I don't want to go after all")


def test_writing_chinese_again_switches_the_replies_back_to_chinese(visitor):
    assert "Hello" in visitor.says("hi there")
    assert "会费标准" in visitor.says("会费怎么收")


def test_a_chinese_member_typing_ok_still_gets_chinese(client, config):
    member = Member(client, config, "o_ok_zh")
    member.says("你好")
    assert CJK.search(member.says("ok"))


def test_an_english_application_takes_a_latin_name_from_a_sentence(visitor):
    kinds = visitor.says("I would like to join your society")
    assert "Individual member" in kinds and not chinese_outside_data(kinds.split("<a")[0])
    student = visitor.says("I am a master student")
    assert "Student member" in student and "full name" in student
    after_name = visitor.says("My name's Peter Brown")
    assert "full name" not in after_name and "year of birth" in after_name


def test_asking_whether_anyone_speaks_english_gets_an_honest_answer(visitor):
    reply = visitor.says("Is there somebody who can speak English?")
    assert content.society()["secretariat"]["email"] in reply
    assert "human" in reply and "Chinese" in reply


def test_asking_for_a_person_in_english_says_when_and_how_in_english(visitor):
    reply = visitor.says("Can I talk to a staff member please")
    assert "secretariat" in reply and content.society()["secretariat"]["phone"] in reply
    assert not chinese_outside_data(reply)


def test_jobs_asked_in_english_come_with_english_guidance(visitor, db):
    post(db, "算法工程师", city="郑州")
    reply = visitor.says("are there any jobs in Zhengzhou")  # the one posting opens at once
    assert "算法工程师" in reply and "Employer:" in reply and "How to apply:" in reply


def _texts(node, path=()):
    for key, value in node.items():
        if isinstance(value, dict):
            yield from _texts(value, (*path, key))
        else:
            yield (*path, key), value


def test_every_english_text_replaces_a_chinese_one_and_fills_only_what_it_is_given():
    """A key the Chinese files lack is never looked up; a {field} neither the Chinese text nor the
    society's details fill would reach a member as "{field}"."""
    chinese = dict(_texts(content._reply_files(content.CONTENT_DIR, "replies")))
    english = dict(_texts(content._reply_files(content.CONTENT_DIR, "replies_en")))
    society = {"name", "short_name", "capabilities", *content.load_toml("society.toml")["secretariat"]}
    fields = re.compile(r"(?<!\{)\{(\w+)\}")
    for key, text in english.items():
        if key[0] == "glossary":
            continue
        assert key in chinese, f"content/replies_en/ has {'.'.join(key)}, which content/replies/ has not"
        if isinstance(text, str):
            extra = set(fields.findall(text)) - set(fields.findall(str(chinese[key]))) - society
            assert not extra, f"{'.'.join(key)} fills {extra}, which its handler does not give"


def test_a_bare_hello_is_greeted_in_both_languages_until_the_member_shows_which(client, config):
    member = Member(client, config, "o_hello")
    reply = member.says("Hello")
    assert "您好" in reply and "English" in reply


def test_a_bound_member_asking_in_english_sees_the_card_in_english(client, config, db):
    from storage.members import insert_member  # noqa: PLC0415

    insert_member(db, {"member_no": "HNKX202600888", "name": "Anna Lee", "category": "regular",
                       "mobile": "13700000888", "status": "active", "openid": "o_anna",
                       "paid_through": "2026-12-31"}, actor="test")
    reply = Member(client, config, "o_anna").says("Please show my membership card")
    assert "Member number: HNKX202600888" in reply and "Regular member" in reply and "137****0888" in reply
    assert not chinese_outside_data(reply.split("<a")[0], "修改手机", "修改邮箱", "修改单位")
