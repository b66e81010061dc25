"""Events by chat, as members live them: finding (preview, month and type, title words, paging),
registering with capacity and a waitlist, check-in codes, 我的报名, cancelling and being moved up."""
from __future__ import annotations

import re
import threading
from datetime import date, timedelta

import pytest

from handlers.events.registration import register
from storage import events as store
from storage.database import open_database
from storage.members import insert_member
from tests.member import Member
from tests.notices import queued_notices

TODAY = date.today()
CHINESE_MONTHS = "一二三四五六七八九十"


def add_event(db, title: str, in_days: int, days: int = 1, **fields) -> dict:
    """An event starting `in_days` from today, as an import would store it."""
    start = TODAY + timedelta(days=in_days)
    row = {"society": "示范科技学会", "title": title, "type": "学术会议", "starts_on": start.isoformat(),
           "ends_on": (start + timedelta(days=days - 1)).isoformat(), "place": "郑州", "capacity": None, **fields}
    [number], _ = store.save_events(db, [(row, "test")], [], actor="test")
    return store.find_event(db, number)


def member(client, config, db, openid: str, name: str, mobile: str) -> Member:
    insert_member(db, {"member_no": f"HNKX2026{mobile[-5:]}", "name": name,
                       "category": "regular", "openid": openid, "mobile": mobile, "work_unit": "郑州大学"},
                  actor="test")
    return Member(client, config, openid)


@pytest.fixture
def alice(client, config, db):
    return member(client, config, db, "o_alice", "张丽", "13800000001")


@pytest.fixture
def bob(client, config, db):
    return member(client, config, db, "o_bob", "李强", "13800000002")


def titles(reply: str) -> list[str]:
    """The titles of a numbered list of events, in order."""
    return re.findall(r"^\d+\. .*? (.+?)（", reply, flags=re.MULTILINE)


def code_in(reply: str) -> str:
    return re.search(r"签到码：(\d{6})", reply).group(1)


def month_word(day: date) -> str:
    month = day.month
    return CHINESE_MONTHS[month - 1] if month <= 10 else "十" + CHINESE_MONTHS[month - 11]


# --- finding --------------------------------------------------------------------------------

def test_the_preview_is_the_coming_month_filled_up_to_a_page_with_what_is_further_ahead(alice, db):
    add_event(db, "人工智能论坛", 10)
    add_event(db, "新材料研讨会", 3)
    add_event(db, "秋季学术年会", 45)
    add_event(db, "去年的会", -30)
    reply = alice.says("最近有什么活动")
    assert reply.startswith("即将举行的活动：") and titles(reply) == ["新材料研讨会", "人工智能论坛", "秋季学术年会"]
    assert titles(alice.clicks("MENU_EVENTS")) == ["新材料研讨会", "人工智能论坛", "秋季学术年会"]


def test_a_coming_month_of_a_page_or_more_is_the_preview(alice, db):
    for day in range(1, 7):
        add_event(db, f"第{day}期青年沙龙", day)
    add_event(db, "秋季学术年会", 45)
    reply = alice.says("最近有什么活动")
    assert reply.startswith("近一个月的活动：") and "秋季学术年会" not in reply


def test_a_title_word_looks_at_everything_ahead_and_one_match_opens_it(alice, db):
    add_event(db, "2026年学术年会", 100, days=3, place="郑州国际会展中心", fee="会员500元", capacity=300,
              description="年度学术交流，设主论坛和十个分会场。")
    add_event(db, "人工智能论坛", 10)
    reply = alice.says("年会什么时候")
    assert "《2026年学术年会》" in reply and "郑州国际会展中心" in reply and "会员500元" in reply
    assert "共 300 个，还剩 300 个" in reply and "回复“报名”即可报名" in reply
    assert "《2026年学术年会》" in alice.says("年會在哪裡開")  # Traditional characters


def test_month_and_type_words(alice, db):
    target = (TODAY.replace(day=1) + timedelta(days=95)).replace(day=12)
    in_days = (target - TODAY).days
    add_event(db, "数据分析培训", in_days, type="培训")
    add_event(db, "新能源论坛", in_days + 1)
    add_event(db, "另一月的培训", in_days + 40, type="培训")
    trainings = alice.says(f"{month_word(target)}月的培训")  # one: its detail at once
    assert trainings.startswith("《数据分析培训》") and "新能源论坛" not in trainings
    everything = alice.says(f"{target.month}月有什么活动")
    assert everything.startswith(f"{target.month}月的活动：") and titles(everything) == ["数据分析培训", "新能源论坛"]
    add_event(db, "又一个培训", in_days + 2, type="培训")
    assert alice.says(f"{target.month}月份有哪些培训").startswith(f"{target.month}月的培训：")
    assert titles(alice.says("有哪些培训")) == ["数据分析培训", "又一个培训", "另一月的培训"]


def test_next_month(alice, db):
    first = (TODAY.replace(day=1) + timedelta(days=32)).replace(day=1)
    add_event(db, "下月沙龙", (first - TODAY).days + 2)
    add_event(db, "下月讲座", (first - TODAY).days + 5)
    add_event(db, "本月讲座", 0)
    reply = alice.says("下个月有什么活动")
    assert reply.startswith(f"{first.month}月的活动：") and titles(reply) == ["下月沙龙", "下月讲座"]


def test_nothing_found_offers_everything_ahead(alice, db):
    add_event(db, "人工智能论坛", 10)
    reply = alice.says("有没有科普活动")
    assert reply.startswith("没有找到即将举行的科普。以下是即将举行的全部活动") and "人工智能论坛" in reply


def test_nothing_ahead_at_all(alice):
    assert "暂时没有即将举行的活动" in alice.says("最近有什么活动")


def test_paging_with_more_and_numbers(alice, db):
    for n in range(7):
        add_event(db, f"系列讲座第{n}期", n + 1)
    first = alice.says("最近有什么活动")
    assert titles(first) == [f"系列讲座第{n}期" for n in range(5)] and "更多" in first
    second = alice.says("更多")
    assert titles(second) == ["系列讲座第5期", "系列讲座第6期"] and "6. " in second
    assert "《系列讲座第6期》" in alice.says("7")
    assert "《系列讲座第0期》" in alice.says("第1个")
    assert "没有更多" in alice.says("更多")


# --- registering ----------------------------------------------------------------------------

def test_register_confirm_and_check_in_code(alice, db):
    event = add_event(db, "2026年学术年会", 30, capacity=100, fee="会员500元")
    offer = alice.says("我要报名年会")
    assert "请确认报名" in offer and "2026年学术年会" in offer and "参加人：张丽" in offer
    done = alice.says("确认")
    code = code_in(done)
    [registration] = store.registrants(db, event["id"])
    assert registration["checkin_code"] == code and registration["status"] == "registered"
    assert registration["name"] == "张丽" and registration["mobile"] == "13800000001"
    assert code in alice.says("我的报名")
    assert "您已报名" in alice.says("我要报名年会")


def test_full_event_waitlist_promotion_on_cancel_and_the_notice(client, config, db, alice, bob, redis_client):
    event = add_event(db, "青年学术沙龙", 20, capacity=2)
    for person in (alice, bob):
        person.says("我要报名沙龙")
        assert "报名成功" in person.says("确认")
    carol, dave = Member(client, config, "o_carol"), Member(client, config, "o_dave")
    ask = carol.says("我要报名沙龙")
    assert "姓名和手机号" in ask and "名额已满，报名后进入候补名单" in ask
    assert "姓名记为：王芳" in carol.says("王芳")  # kept: only the mobile is asked for
    assert "参加人：王芳" in carol.says("138-0000-0003")
    waiting = carol.says("确认")
    assert "候补名单，目前第 1 位" in waiting
    dave.says("我要报名沙龙")
    assert "参加人：赵敏" in dave.says("赵敏，13800000004")
    assert "第 2 位" in dave.says("确认")
    assert "候补第 1 位" in carol.says("我的报名")
    assert "已满（2 人候补中）" in carol.says("沙龙什么时候")

    assert "确定取消《青年学术沙龙》的报名" in alice.says("取消报名沙龙")
    assert "已取消" in alice.says("确认")
    people = {p["openid"]: p for p in store.registrants(db, event["id"])}
    assert people["o_carol"]["status"] == "registered" and people["o_carol"]["promoted_at"]
    assert people["o_dave"]["status"] == "waitlisted" and "o_alice" not in people
    [notice] = queued_notices(redis_client)
    assert notice["openid"] == "o_carol" and notice["kind"] == "event"
    assert notice["text"].startswith("候补成功") and people["o_carol"]["checkin_code"] in notice["text"]
    assert "已报名，签到码" in carol.says("我的报名") and "候补第 1 位" in dave.says("我的报名")


def test_a_follower_gives_their_contact_once(client, config, db):
    add_event(db, "科普开放日", 5, type="科普")
    add_event(db, "科普讲座", 6, type="科普")
    visitor = Member(client, config, "o_visitor")
    visitor.says("我要报名开放日")
    assert "参加人：王芳" in visitor.says("王芳 13800000003")  # shown back to be checked first
    assert "报名成功" in visitor.says("确认")
    offer = visitor.says("我要报名科普讲座")
    assert "参加人：王芳" in offer  # remembered, not asked again
    assert "报名成功" in visitor.says("确认")


def test_register_after_viewing_a_detail_or_by_number_in_the_list(alice, db):
    add_event(db, "人工智能论坛", 3)
    add_event(db, "新材料研讨会", 8)
    add_event(db, "数据分析培训", 9, type="培训")
    alice.says("最近有什么活动")
    alice.says("2")
    assert "《新材料研讨会》" in alice.says("报名") and "报名成功" in alice.says("确认")
    alice.says("最近有什么活动")
    assert "《数据分析培训》" in alice.says("报名3")
    assert "好的，没有报名" in alice.says("不")
    alice.says("最近有什么活动")
    assert "请先回复数字查看活动详情" in alice.says("报名")
    mine = alice.says("我的报名")
    assert "新材料研讨会" in mine and "数据分析培训" not in mine


def test_closed_registration_says_so(alice, db):
    add_event(db, "已截止的年会", 10, signup_deadline=(TODAY - timedelta(days=1)).isoformat())
    assert "报名已截止" in alice.says("年会什么时候")
    assert "报名已截止" in alice.says("我要报名年会")


def test_cancel_by_the_cancel_intent_and_choosing_among_several(alice, db):
    assert "没有待参加的活动报名" in alice.says("取消报名")
    add_event(db, "人工智能论坛", 3)
    add_event(db, "新材料研讨会", 8)
    for word in ("论坛", "研讨会"):
        alice.says(f"我要报名{word}")
        alice.says("确认")
    which = alice.says("取消报名")
    assert "要取消哪一个" in which and "1. 《人工智能论坛》" in which
    assert "确定取消《新材料研讨会》" in alice.says("2")
    assert "保留" in alice.says("不")
    alice.says("我不去了，取消研讨会的报名")
    alice.says("确认")
    mine = alice.says("我的报名")
    assert "人工智能论坛" in mine and "新材料研讨会" not in mine


def test_the_last_seat_goes_to_one_member_only(config, db):
    event = add_event(db, "小型工作坊", 5, capacity=1)
    results, errors = [], []

    def take_a_seat(n: int) -> None:
        connection = open_database(config.sqlite_path)
        try:
            person = {"name": f"会员{n}", "mobile": None, "work_unit": None, "member_id": None}
            results.append(register(connection, event["id"], f"o_{n}", person, TODAY.isoformat()))
        except Exception as error:  # noqa: BLE001 (collected and asserted below)
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=take_a_seat, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert sorted(r["status"] for r in results) == ["registered"] + ["waitlisted"] * 7
    assert len({r["checkin_code"] for r in results}) == 8


# --- finding by place and time, and one's own registrations (issue 12) -----------------------------

def test_a_city_named_lists_only_that_citys_events(alice, db):
    add_event(db, "基层医生适宜技术培训", 30, type="培训", place="南阳市")
    add_event(db, "科研项目申报培训", 20, type="培训", place="郑州")
    add_event(db, "南阳青年学者沙龙", 50, place="南阳")
    reply = alice.says("南阳附近有没有培训")
    assert "基层医生适宜技术培训" in reply and "科研项目申报培训" not in reply and "沙龙" not in reply
    reply = alice.says("南阳有什么活动")
    assert "基层医生适宜技术培训" in reply and "南阳青年学者沙龙" in reply and "科研项目申报培训" not in reply


def test_a_month_and_a_city_together(alice, db):
    next_month = (TODAY.replace(day=1) + timedelta(days=32)).replace(day=1)
    add_event(db, "郑州下月论坛", (next_month - TODAY).days + 3)
    add_event(db, "洛阳下月论坛", (next_month - TODAY).days + 4, place="洛阳")
    add_event(db, "郑州本月沙龙", 0)
    reply = alice.says("下个月郑州有什么活动")
    assert "郑州下月论坛" in reply and "洛阳" not in reply and "本月沙龙" not in reply


def test_a_location_lists_the_nearest_upcoming_events(client, config, db):
    add_event(db, "南阳培训", 30, place="南阳")
    add_event(db, "郑州论坛", 10, place="郑州")
    add_event(db, "安阳讲座", 5, place="安阳")
    reply = Member(client, config, "o_doctor").send("location", Location_X="33.01", Location_Y="112.52",
                                                     Scale="15", Label="南阳市卧龙区")
    assert reply.index("南阳培训") < reply.index("郑州论坛") < reply.index("安阳讲座")
    assert "公里" in reply


def test_my_registrations_say_when_and_where(alice, db):
    add_event(db, "基层医生适宜技术培训", 30, type="培训", place="南阳")
    alice.says("我要报名基层医生适宜技术培训")
    alice.says("确认")
    reply = alice.says("那个培训是几号在哪")
    assert "基层医生适宜技术培训" in reply and "南阳" in reply and "签到码" in reply


def test_picking_a_listed_event_by_part_of_its_name(client, config, db):
    add_event(db, "基层医生适宜技术培训", 30, type="培训", place="南阳")
    add_event(db, "科研项目申报培训", 20, type="培训")
    doctor = Member(client, config, "o_doctor")
    doctor.says("有什么培训")
    assert "《基层医生适宜技术培训》" in doctor.says("我想报名基层医生那个培训")


def test_cannot_go_inside_a_sentence_cancels_the_registration(alice, db):
    add_event(db, "秋季学术年会", 20)
    alice.says("我要报名年会")
    alice.says("确认")
    reply = alice.says("单位有事去不了了，帮我取消")
    assert "秋季学术年会" in reply and "取消" in reply
    assert "已取消" in alice.says("确认")
    assert store.registrations_of(db, "o_alice", TODAY.isoformat()) == []


def test_a_number_under_the_list_for_a_missing_event_opens_that_lists_entry_when_meetings_were_asked_too(alice, db):
    """"有没有区块链技术研讨会？最近有啥会": the missing event said, everything ahead listed, and "1" opens
    the first of that list (it opened the first conference: a second, unseen list had taken its place)."""
    add_event(db, "实验室安全培训", 3, type="培训")
    add_event(db, "人工智能论坛", 10)
    add_event(db, "新材料研讨会", 20)
    reply = alice.says("有没有区块链技术研讨会？最近有啥会")
    assert "没有找到“区块链技术研讨会”" in reply
    assert titles(reply) == ["实验室安全培训", "人工智能论坛", "新材料研讨会"]
    assert "《实验室安全培训》" in alice.says("1")


def test_next_months_meetings_in_a_city_the_router_cannot_place(alice, db):
    next_month = (TODAY.replace(day=1) + timedelta(days=32)).replace(day=1)
    add_event(db, "郑州下月论坛", (next_month - TODAY).days + 3)
    add_event(db, "洛阳下月论坛", (next_month - TODAY).days + 4, place="洛阳")
    reply = alice.says("下个月郑州的会")
    assert "郑州下月论坛" in reply and "洛阳" not in reply


def test_a_dinner_declined_at_the_summary_is_a_remark_not_a_cancel(alice, db):
    """"晚宴算了" at the registration's summary: kept for the secretariat, the registration still waiting for its yes
    (it asked 您是要取消“活动报名”吗, and the 确认 that followed cancelled it)."""
    event = add_event(db, "2026年学术年会", 30, capacity=100, fee="会员500元；晚宴另收200元")
    alice.says("我要报名年会")
    reply = alice.says("晚宴算了")
    assert "备注：晚宴算了" in reply and "请确认报名" in reply and "取消" not in reply.split("请确认报名")[0]
    assert "报名成功" in alice.says("确认")
    assert [r["status"] for r in store.registrants(db, event["id"])] == ["registered"]
    assert "晚宴算了" in db.execute("select body from tickets").fetchone()[0]


@pytest.mark.parametrize("said", ["{m}.{d}号有什么活动", "{m}.{d}有活动吗", "{m}月{d}号有什么活动"])
def test_a_day_named_lists_the_events_held_that_day(alice, db, said):
    add_event(db, "甲培训", 30)
    second = add_event(db, "乙论坛", 31, days=2)
    add_event(db, "丙沙龙", 33)
    day = date.fromisoformat(second["starts_on"]) + timedelta(days=1)
    reply = alice.says(said.format(m=day.month, d=day.day))
    assert reply.startswith(f"{day.month}月{day.day}日的活动") or "《乙论坛》" in reply.split("\n")[0], reply
    assert "乙论坛" in reply and "甲培训" not in reply and "丙沙龙" not in reply


def test_a_day_said_after_a_month_is_that_day_of_the_month(alice, db):
    add_event(db, "甲培训", 30)
    add_event(db, "乙论坛", 31)
    day = TODAY + timedelta(days=31)
    alice.says(f"{day.month}月有什么活动")
    reply = alice.says(f"{day.day}号的呢")
    assert "乙论坛" in reply and "甲培训" not in reply


def test_a_question_about_another_events_deadline_is_answered_not_a_registration(alice, db):
    """After one event's detail, '年会 报名截止了没' asked to confirm a registration for 年会: a question about
    a deadline is no sign-up. Its place and fee were answered already (guards)."""
    add_event(db, "2026年学术年会", 20, place="开封")
    add_event(db, "人工智能论坛", 10)
    for question, answer in (("年会 报名截止了没", "报名截止："), ("年会在哪开", "开封"), ("年会多少钱", "费用")):
        alice.says("最近有什么活动")
        assert alice.says("人工智能论坛").startswith("《人工智能论坛》")
        reply = alice.says(question)
        assert "《2026年学术年会》" in reply and answer in reply and "请确认报名" not in reply, question
    assert "请确认报名" in alice.says("年会 报名截止前帮我报上")


def test_a_day_named_without_a_month_is_this_months_if_still_ahead_else_next_months(alice, db):
    """'5号有活动吗' was not read as a date (the whole list came back)."""
    soon = TODAY + timedelta(days=2)
    add_event(db, "甲培训", 2)
    add_event(db, "乙论坛", 3)
    reply = alice.says(f"{soon.day}号有活动吗")
    assert reply.startswith(f"{soon.month}月{soon.day}日的活动") or "《甲培训》" in reply.split("\n")[0], reply
    assert "甲培训" in reply and "乙论坛" not in reply
    if TODAY.day > 1:  # the 1st of this month is past: next month's
        first = (TODAY.replace(day=1) + timedelta(days=32)).replace(day=1)
        add_event(db, "丙沙龙", (first - TODAY).days)
        add_event(db, "丁讲座", (first - TODAY).days + 1)
        reply = alice.says("1号有什么活动")
        assert "丙沙龙" in reply and "丁讲座" not in reply and "甲培训" not in reply, reply


@pytest.mark.parametrize("said", ["有没有积分2.5倍的培训", "有2.5折的培训吗", "2.5分以上的培训有吗", "涨2.5%的培训呢"])
def test_a_decimal_before_bei_zhe_fen_or_percent_is_no_day(alice, db, said):
    add_event(db, "甲培训", 2, type="培训")
    reply = alice.says(said)
    assert "2月5日" not in reply and "甲培训" in reply, reply


def test_a_day_of_this_month_already_past_is_said_to_have_passed_with_what_is_ahead(alice, db):
    if TODAY.day == 1:
        pytest.skip("no day of this month is past on its 1st")
    add_event(db, "甲培训", 2)
    add_event(db, "乙论坛", 3)
    reply = alice.says(f"{TODAY.month}月1号有什么活动")
    assert f"{TODAY.month}月1日已经过去了" in reply and "甲培训" in reply and "乙论坛" in reply, reply


@pytest.mark.parametrize("said", ["1号楼有活动吗", "5号线附近有活动吗", "3号厅有什么活动"])
def test_a_number_with_hao_that_is_no_day_is_not_read_as_one(alice, db, said):
    add_event(db, "甲培训", 2)
    assert "日的活动" not in alice.says(said).split("\n")[0]


@pytest.mark.parametrize("said", ["周六日有活动吗", "星期六日有啥活动", "礼拜六日有活动吗"])
def test_a_weekend_said_as_saturday_and_sunday_is_no_day_of_the_month(said):
    """'周六日' is the weekend, not the 6th (737a3fe read a day said in words after any character)."""
    from handlers.events.guide import day_named

    assert day_named(said, TODAY) is None
