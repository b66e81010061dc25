"""What the round-12 black-box walk of the member side found for the foreign member writing English, the unit
contact, paid events, the menu and subscriptions (/work/qa/members12.md, part A), asserted as the member sees
it, in our own words."""
from __future__ import annotations

import re
import tomllib
from datetime import date
from pathlib import Path

import pytest

from bot import content
from bot.config import load_config
from storage import events as event_store
from tests.member import Member
from tests.test_events_chat import add_event
from tests.test_member_walk10 import add_member

pytest_plugins = ["tests.fake_wechat"]

TODAY = date.today()
CONTENT = Path(__file__).resolve().parent.parent / "content"


@pytest.fixture
def config(env, fake_wechat):
    return load_config(env)


# --- every phrase the bot tells a member to send does what it says ------------------------------------

def _strings(node):
    if isinstance(node, dict):
        for value in node.values():
            yield from _strings(value)
    elif isinstance(node, list):
        for value in node:
            yield from _strings(value)
    elif isinstance(node, str):
        yield node


def _suggested(folder: str, pattern: str) -> set[str]:
    """The phrases the member-facing replies of content/<folder> tell a member to send (not the CLI's)."""
    said = set()
    for path in (CONTENT / folder).glob("*.toml"):
        if not path.stem.endswith("_cli") and path.stem not in ("admin", "sheet_import"):
            for text in _strings(tomllib.loads(path.read_text(encoding="utf-8"))):
                said |= set(re.findall(pattern, text))
    return said


# Answers to a question the bot has just asked (a step, a list, a confirmation): said alone, with nothing
# open, they are rightly "nothing to confirm". And templates with a slot to fill in ("取消报名 活动名称").
ANSWERS_TO_A_STEP = {"1", "all", "cancel", "confirm", "continue", "female", "male", "more", "no", "none", "personal",
                     "skip", "the first one", "yes", "一会儿回来", "不", "个人", "全部", "取消", "否", "备注", "女", "好",
                     "无", "是", "更多", "活动时间", "男", "确认", "继续", "跳过", "返回上一步", "不交就取消资格"}
TEMPLATE_WORDS = ("关键词", "活动名称", "专业 城市")
ENGLISH = sorted(_suggested("replies_en", r'(?:[Rr]eply|[Ss]end|[Tt]ype|[Ss]ay|\bor|,) "([^"{}]+)"') - ANSWERS_TO_A_STEP)
CHINESE = sorted(p for p in _suggested("replies", r"(?:回复|发送|发|或|、)“([^”{}]+)”") - ANSWERS_TO_A_STEP
                 if not any(word in p for word in TEMPLATE_WORDS))
NOT_DONE = ("didn't quite understand", "did not quite get", "nothing in progress to cancel", "没有完全理解", "当前没有正在办理的事项")


def test_the_phrases_are_collected():
    assert {"cancel registration", "my registrations", "membership card"} <= set(ENGLISH), ENGLISH
    assert {"取消报名", "我的报名", "会员卡"} <= set(CHINESE), CHINESE


@pytest.mark.parametrize("phrase", ENGLISH + CHINESE)
def test_every_phrase_the_bot_suggests_is_understood_by_a_member_with_a_registration(client, config, db, phrase):
    add_member(db, "HNKX201500003", "John Smith", "13903710003", f"{TODAY.year}-12-31", openid="o_phrase")
    event = add_event(db, "学术年会", 60)
    event_store.insert_registration(db, event["id"], "o_phrase", {"name": "John Smith", "mobile": "13903710003"},
                                    "registered", 6)
    reply = Member(client, config, "o_phrase").says(phrase)
    assert not any(sign in reply for sign in NOT_DONE), reply
    if "cancel" in phrase or "取消报名" in phrase:
        assert "学术年会" in reply and ("Cancel your registration" in reply or "取消" in reply), reply


# --- P3: the English member's own registrations --------------------------------------------------------

@pytest.fixture
def john(client, config, db):
    add_member(db, "HNKX201500003", "John Smith", "13903710003", f"{TODAY.year}-12-31", openid="o_jsmith")
    add_event(db, "基层医生培训", 30, fee="免费")
    add_event(db, "2027年学术年会", 90, fee="会员800元/非会员1200元")
    return Member(client, config, "o_jsmith")


def _registered(john):
    john.says("what events are coming up")
    john.says("2")
    john.says("register")
    assert "You are registered" in john.says("confirm")


@pytest.mark.parametrize("asked", ["my registrations", "my registration", "show my events"])
def test_an_english_member_asking_for_his_registrations_gets_them_in_english_with_the_check_in_code(john, asked):
    _registered(john)
    reply = john.says(asked)
    assert "2027年学术年会" in reply and "check-in code" in reply and "Reply with the number" not in reply, reply
    assert "基层医生培训" not in reply, reply


@pytest.mark.parametrize("said", ["cancel registration", "cancel my registration for the conference",
                                  "I can't come, please cancel my registration"])
def test_an_english_member_cancels_his_registration_in_his_own_words(john, said):
    _registered(john)
    assert "Cancel your registration for 2027年学术年会" in john.says(said)
    assert "is cancelled" in john.says("yes")
    assert "no upcoming event registrations" in john.says("my registrations")


# --- a paid event imported with its fee as text ---------------------------------------------------------

@pytest.fixture
def pay_online(config, monkeypatch):
    monkeypatch.setattr(type(config), "pay_enabled", property(lambda self: True))


@pytest.fixture
def conference(db):
    return add_event(db, "学术年会", 60, fee="会员800元/非会员1200元")


def _register_in_chat(someone, said_first="报名学术年会", contact="王海波 13703710004"):
    card = someone.says(said_first)
    if "请确认报名" not in card:
        card = someone.says(contact)
    return card, someone.says("确认")


def test_a_member_in_good_standing_registering_in_chat_is_told_the_members_price_and_where_to_pay_it(
        client, config, db, conference, pay_online):
    add_member(db, "HNKX201500004", "王海波", "13703710004", f"{TODAY.year}-12-31", openid="o_paid")
    card, done = _register_in_chat(Member(client, config, "o_paid"))
    assert "800 元（会员）" in card and "1200" not in card, card
    assert "签到码" in done and "报名费：800 元" in done and "微信支付" in done, done
    assert f"/m/events/{conference['event_no']}" in done, done
    [mine] = event_store.registrations_of(db, "o_paid", TODAY.isoformat())
    assert mine["fee_fen"] == 80000


def test_someone_who_is_not_a_member_pays_the_other_price_and_without_online_payment_is_told_whom_to_ask(
        client, config, db, conference):
    card, done = _register_in_chat(Member(client, config, "o_guest"))
    assert "1200 元（非会员）" in card, card
    assert "报名费：1200 元" in done and "暂不能在线缴纳" in done and "0371" in done, done


def test_an_english_member_is_told_his_price_and_how_to_pay_in_english(john, pay_online):
    john.says("what events are coming up")
    john.says("2")
    assert "800 yuan (members)" in john.says("register")
    done = john.says("confirm")
    assert "You are registered" in done and "Registration fee: 800 yuan" in done and "WeChat Pay" in done, done


def test_the_event_page_shows_the_fee_and_asks_the_member_to_pay_after_registering(
        client, fake_wechat, db, conference, pay_online):
    from tests.pages_data import sign_in
    add_member(db, "HNKX201500004", "王海波", "13703710004", f"{TODAY.year}-12-31", openid="o_paid")
    path = f"/m/events/{conference['event_no']}"
    sign_in(client, fake_wechat, "o_paid", path)
    page = client.get(path).get_data(as_text=True)
    assert "会员800元/非会员1200元" in page and "会员 · ¥800" in page and "报名并缴费" in page, page


def test_importing_a_guide_whose_fee_names_no_price_asks_the_secretariat_to_check_that_row(env, db, tmp_path):
    from tests.test_events import GOOD, guide_xlsx, run
    unread = [10, "示范科技学会", "费用见通知的研讨会", "研讨会", "2026-10-10", "郑州", "", "", "", "见会议通知", ""]
    out = run(env, "import", guide_xlsx(tmp_path / "guide.xlsx", GOOD + [unread]), "--year", "2026").output
    assert "请核对" in out and "第 7 行 会务费（元）（J 列）“见会议通知”：看不出报名费是多少" in out, out
    assert "会员500元" not in out and "“免费”：" not in out, out  # the rows whose fee reads are not listed
    assert len(event_store.events_of_year(db, 2026)) == 4


# --- P3: the English member's record and registration card ---------------------------------------------

def test_a_number_alone_at_the_registration_card_neither_registers_nor_drops_it(john):
    john.says("what events are coming up")
    john.says("2")
    assert "Please check your registration" in john.says("register")
    again = john.says("2")
    assert "not registered" not in again and "No number is needed" in again and "confirm" in again, again
    assert "You are registered" in john.says("confirm")


def test_an_english_member_changes_his_email_in_english_and_is_told_in_english_when_it_is_wrong(john, db):
    card = john.says("membership card")
    assert "修改" not in card and '"change email"' in card, card
    assert "new e-mail address" in john.says("change my email to john@zzu")
    assert "isn't an e-mail address" in john.says("john@zzu")
    assert "john.smith@zzu.edu" in john.says("john.smith@zzu.edu")
    assert "js@zzu.edu.cn" in john.says("change email to js@zzu.edu.cn")


def test_the_english_card_says_the_gender_in_english(john, db):
    db.execute("update members set gender = '男' where member_no = 'HNKX201500003'")
    card = john.says("membership card")
    assert "Gender: male" in card and "男" not in card, card


@pytest.mark.parametrize("asked, told", [("how much is it", "Fee for 2027年学术年会: 会员800元/非会员1200元"),
                                         ("where is it", "place: Zhengzhou")])
def test_a_follow_up_in_english_after_an_events_details_is_about_that_event(john, asked, told):
    john.says("what events are coming up")
    john.says("2")
    reply = john.says(asked)
    assert told in reply and "Membership card" not in reply, reply


def test_hotel_and_visa_letter_questions_in_english_are_answered_honestly_in_english(john):
    reply = john.says("does the conference provide hotel and airport pickup? is there an invitation letter for visa")
    assert "not in the event information" in reply and "mishuchu@" in reply, reply
    assert not re.search(r"[\u4e00-\u9fff]", reply.replace("工作日", "")), reply


# --- menu and subscriptions -----------------------------------------------------------------------------

def test_a_bound_member_who_follows_again_is_greeted_by_name_and_told_nothing_was_lost(client, config, db):
    add_member(db, "HNKX201600006", "孙伟", "15003710006", f"{TODAY.year + 1}-12-31", openid="o_sunwei")
    sun = Member(client, config, "o_sunwei")
    sun.send("event", Event="unsubscribe")
    welcome = sun.follows()
    assert "欢迎回来，孙伟" in welcome and "保留" in welcome, welcome
    assert "欢迎回来" not in Member(client, config, "o_stranger").follows()
