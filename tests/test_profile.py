"""The member card, binding an existing member's WeChat, and updates by chat."""
from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from rq import Queue

import handlers.members.profile
from bot import content
from handlers.news.items import settings
from bot.outbound import QUEUE_NAME
from storage import state
from storage.news import topics_of
from storage.members import (create_application, find_member, find_member_by_openid, history_of,
                             insert_member)
from tests.test_signup import Phone
from tests import redis_state

MOBILE = "15937126688"
TODAY = datetime(2026, 6, 15, 10, 30)


@pytest.fixture
def clock(monkeypatch):
    """The handler's clock, starting at TODAY; `clock.now += timedelta(days=1)` moves it."""
    class Clock:
        now = TODAY

    monkeypatch.setattr(handlers.members.profile, "now", lambda: Clock.now)
    return Clock


@pytest.fixture
def li(client, config, clock):
    return Phone(client, config, "o_li")


def add_member(db, **fields):
    row = {"member_no": "HNKX202400012", "name": "李明", "category": "senior",
           "work_unit": "河南省科学院", "mobile": MOBILE, "email": "liming@example.org",
           "paid_through": "2026-12-31"}
    return insert_member(db, dict(row, **fields), actor="test")


def bind(member, name="李明", member_no="HNKX202400012", last4="6688", start="会员卡"):
    member.says(start)
    member.says(name)
    member.says(member_no)
    return member.says(last4)


# --- the card -----------------------------------------------------------------

def test_a_bound_member_sees_their_card_with_the_mobile_masked(li, db):
    add_member(db, openid="o_li")
    for card in (li.says("我的会员卡"), li.clicks("MENU_PROFILE")):
        for shown in ("会员编号：HNKX202400012", "姓名：李明", "会员类别：高级会员",
                      "工作单位：河南省科学院", "会员状态：正常", "会费缴至：2026-12-31（已缴清）",
                      "手机：159****6688", "邮箱：liming@example.org", "修改手机"):
            assert shown in card
    assert not li.leaked(MOBILE)


@pytest.mark.parametrize("paid_through,standing", [
    ("2026-12-31", "已缴清"),
    ("2026-05-31", "宽限期内"),
    ("2025-12-31", "已过期"),
    (None, "未缴费"),
])
def test_the_card_says_how_the_dues_stand(li, db, paid_through, standing):
    add_member(db, openid="o_li", paid_through=paid_through)
    card = li.says("会员卡")
    assert standing in card and "会费" in card
    if paid_through is None:
        assert "暂无缴费记录" in card


def test_a_member_sees_only_their_own_record(li, db, client, config):
    add_member(db, openid="o_li")
    add_member(db, member_no="HNKX202400013", name="王芳", mobile="13900001111")
    card = li.says("查一下会员编号 HNKX202400013 的会员信息")
    assert "李明" in card and "王芳" not in card and "HNKX202400013" not in card


# --- binding ------------------------------------------------------------------

def test_an_existing_member_binds_with_name_number_and_last_four(li, db):
    member = add_member(db)
    intro = li.says("会员卡")
    assert "还没有绑定" in intro and "入会" in intro and "姓名" in intro
    assert "会员编号" in li.says("李明")
    assert "后四位" in li.says("hnkx 2024 00012")  # spaces and lower case as typed on a phone
    reply = li.says("6688")
    assert "绑定成功" in reply and "会员编号：HNKX202400012" in reply and "159****6688" in reply
    assert find_member(db, member["id"])["openid"] == "o_li"
    [*_, bound] = history_of(db, "member", member["id"])
    assert bound["action"] == "bound" and bound["actor"] == "openid:o_li"
    assert "姓名：李明" in li.says("会员卡")
    assert not li.leaked(MOBILE)


def test_a_wrong_combination_and_an_unknown_number_get_the_same_answer(db, client, config, clock):
    add_member(db)
    tries = {"o_a": ("李明", "HNKX202400012", "1234"),    # wrong last four
             "o_b": ("李小明", "HNKX202400012", "6688"),  # wrong name
             "o_c": ("李明", "HNKX209999999", "6688")}    # no such number
    replies = {bind(Phone(client, config, openid), *answers) for openid, answers in tries.items()}
    [reply] = replies
    assert reply.startswith("信息核对不一致") and "还可以再试 4 次" in reply
    assert reply.endswith(content.text("profile.ask.bind_name"))
    assert all(find_member_by_openid(db, openid) is None for openid in tries)


def test_bad_forms_are_asked_again_and_are_not_counted_as_tries(li, db, clock, redis_client):
    add_member(db)
    li.says("会员卡")
    assert "请输入您的姓名" in li.says("1")  # no name: how to bind, and the name asked again
    li.says("李明")
    assert "会员编号格式不对" in li.says("编号")
    li.says("HNKX202400012")
    reply = li.says("56")
    assert "4 位数字" in reply and "后四位" in reply
    assert state.count_failed_binding(redis_client, "o_li", clock.now) == 0
    assert "绑定成功" in li.says("6688")


def test_five_failures_a_day_then_binding_waits_for_tomorrow(li, db, clock):
    member = add_member(db)
    li.says("会员卡")
    for left in (4, 3, 2, 1):
        li.says("李明")
        li.says("HNKX202400012")
        assert f"还可以再试 {left} 次" in li.says("0000")
    li.says("李明")
    li.says("HNKX202400012")
    assert "明天再试" in li.says("0000")  # the fifth failure
    sixth = li.says("会员卡")  # a sixth try is refused before any detail is asked
    assert "明天再试" in sixth and content.society()["secretariat"]["phone"] in sixth
    assert "姓名" not in sixth
    assert find_member(db, member["id"])["openid"] is None
    clock.now += timedelta(days=1)
    assert "绑定成功" in bind(li)


def test_the_limit_also_stops_a_try_already_under_way(li, db, clock, redis_client):
    add_member(db)
    li.says("会员卡")
    li.says("李明")
    li.says("HNKX202400012")
    for _ in range(5):  # meanwhile, failures from elsewhere use up the day
        state.record_failed_binding(redis_client, "o_li", clock.now)
    assert "明天再试" in li.says("6688")
    assert find_member_by_openid(db, "o_li") is None


def test_the_failure_count_ends_with_the_day(redis_client):
    late = datetime(2026, 6, 15, 23, 59, 30)
    assert state.record_failed_binding(redis_client, "o_li", late) == 1
    assert state.record_failed_binding(redis_client, "o_li", late) == 2
    assert state.count_failed_binding(redis_client, "o_li", late + timedelta(minutes=1)) == 0
    key = next(iter(redis_client.scan_iter("*binding_failures:o_li:*")))
    assert 0 < redis_client.ttl(key) <= 30


def test_one_member_number_binds_one_wechat(li, db, client, config):
    member = add_member(db, openid="o_old_phone")
    reply = bind(li)
    assert "另一个微信" in reply and content.society()["secretariat"]["phone"] in reply
    assert find_member(db, member["id"])["openid"] == "o_old_phone"
    assert find_member_by_openid(db, "o_li") is None


def test_not_a_member_yet_can_go_on_to_apply(li):
    li.says("会员卡")
    assert "申请类型" in li.says("入会")


def test_a_pending_applicant_sees_the_application_and_may_still_bind(li, db):
    application = create_application(db, "o_li", "individual", {"name": "李明"})
    member = add_member(db)
    reply = li.clicks("MENU_PROFILE")
    assert application["app_no"] in reply and "审核中" in reply and "绑定" in reply
    assert "姓名" in li.says("绑定")
    li.says("李明")
    li.says("HNKX202400012")
    assert "绑定成功" in li.says("6688")
    assert find_member(db, member["id"])["openid"] == "o_li"


def test_cancel_mid_binding_binds_nothing(li, db, redis_client):
    add_member(db)
    li.says("会员卡")
    li.says("李明")
    assert "已取消" in li.says("取消")
    assert redis_state.load_flow(redis_client, "o_li") is None
    assert find_member_by_openid(db, "o_li") is None


def test_another_request_mid_binding_is_answered_and_binds_nothing(li, db, redis_client):
    """"查会费" at the name question is no name: the fee standards come back, not the next question."""
    add_member(db)
    li.says("会员卡")
    reply = li.says("查会费")
    assert "会费标准" in reply and content.text("profile.ask.bind_no") not in reply
    assert redis_state.load_flow(redis_client, "o_li")["paused"]  # waits, as every form does
    assert content.text("flow.paused", flow="会员信息") in reply
    assert find_member_by_openid(db, "o_li") is None
    assert content.text("profile.ask.bind_name") in li.says("继续")
    li.says("李明")
    li.says("HNKX202400012")
    assert "绑定成功" in li.says("6688")  # and binding goes on where it was
    assert find_member_by_openid(db, "o_li") is not None


# --- updates ------------------------------------------------------------------

@pytest.mark.parametrize("ask,bad,problem,good,column,stored,shown", [
    ("修改手机", "1391234", "手机号格式不对", "139 0000 1111", "mobile", "13900001111",
     "手机：139****1111"),
    ("我要改邮箱", "liming@", "邮箱格式不对", "Li.Ming@Example.COM", "email", "li.ming@example.com",
     "邮箱：li.ming@example.com"),
    ("修改单位", "郑", "单位名称", "郑州大学", "work_unit", "郑州大学", "工作单位：郑州大学"),
])
def test_a_member_updates_mobile_email_and_work_unit(li, db, ask, bad, problem, good, column,
                                                      stored, shown):
    member = add_member(db, openid="o_li")
    assert "新的" in li.says(ask)
    reply = li.says(bad)
    assert problem in reply and "新的" in reply
    assert find_member(db, member["id"])[column] == member[column]
    reply = li.says(good)
    assert "已为您更新" in reply and shown in reply
    assert find_member(db, member["id"])[column] == stored
    [*_, change] = history_of(db, "member", member["id"])
    assert change["action"] == "updated" and change["actor"] == "openid:o_li"
    assert column in change["detail"]
    assert not li.leaked(MOBILE) and not li.leaked("13900001111")


@pytest.mark.parametrize("ask,column", [("修改手机", "mobile"), ("改邮箱", "email"),
                                        ("修改工作单位", "work_unit")])
@pytest.mark.parametrize("request_,answer", [
    ("查会费", "李明（HNKX202400012）"),
    ("招聘 算法", "目前没有正在招聘的职位"),
    ("我想提个建议", "写下您的意见"),
    ("你好", "服务助手"),
])
def test_another_request_mid_update_gets_its_answer_and_changes_nothing(li, db, redis_client, ask,
                                                                        column, request_, answer):
    member = add_member(db, openid="o_li")
    before = find_member(db, member["id"]), len(history_of(db, "member", member["id"]))
    li.says(ask)
    reply = li.says(request_)
    assert answer in reply
    paused = content.text("flow.paused", flow="会员信息")
    answered = reply.split(paused)[0]
    assert "格式不对" not in answered and content.text(f"profile.ask.update_{column}") not in answered
    assert (find_member(db, member["id"]), len(history_of(db, "member", member["id"]))) == before
    flow = redis_state.load_flow(redis_client, "o_li")
    # the update waits (under the feedback form opened meanwhile, or on its own)
    assert flow["paused"] or flow["waiting"]["step"] == f"update_{column}"


@pytest.mark.parametrize("ask,detour,answer,bad,problem,good,column,shown", [
    ("修改手机", "查会费", "会费缴至", "我的手机号是1391234", "手机号格式不对", "139 0000 1111",
     "mobile", "手机：139****1111"),
    ("改邮箱", "招聘 算法", "招聘", "我的新邮箱 liming@", "邮箱格式不对", "li.ming@example.com",
     "email", "邮箱：li.ming@example.com"),
    ("修改单位", "你好", "服务助手", "郑", "单位名称", "国家奖励办公室",  # a unit that sounds like 评奖
     "work_unit", "工作单位：国家奖励办公室"),
])
def test_after_a_detour_a_malformed_value_is_still_refused_and_a_valid_one_saved(
        li, db, ask, detour, answer, bad, problem, good, column, shown):
    """Tries at the value are checked even when the router hears a request in them."""
    member = add_member(db, openid="o_li")
    li.says(ask)
    assert answer in li.says(detour)
    assert "新的" in li.says(ask)
    reply = li.says(bad)  # "我的手机号是…" reads as 人工 to the router
    assert problem in reply and "新的" in reply
    assert find_member(db, member["id"])[column] == member[column]
    reply = li.says(good)
    assert "已为您更新" in reply and shown in reply
    assert find_member(db, member["id"])[column] == good.replace(" ", "")


def test_the_card_offers_the_updates(li, db):
    add_member(db, openid="o_li")
    li.says("会员卡")
    assert "新的手机号" in li.says("修改手机")
    assert "已取消" in li.says("取消")
    assert find_member_by_openid(db, "o_li")["mobile"] == MOBILE


def test_binding_gives_the_default_subscriptions_and_mirrors_them_to_tags(li, db, redis_client):
    add_member(db)
    assert "HNKX202400012" in bind(li)
    assert sorted(topics_of(db, "o_li")) == sorted(settings()["default_topics"])
    syncs = [job for job in Queue(QUEUE_NAME, connection=redis_client).jobs
             if job.func_name == "bot.delivery.tags.sync_tags"]
    assert [job.args[0] for job in syncs] == ["o_li"]
