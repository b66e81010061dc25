"""Registering for an event on its page, and paying its fee with WeChat Pay (the stand-in)."""
from __future__ import annotations

import re
from datetime import date, datetime, timedelta

import pytest

from bot import clock, wechat_pay
from handlers.events import fees as event_fees
from handlers.fees import online as online_dues
from bot.config import load_config
from handlers.events.registration import register
from storage import events as event_store
from storage import pay_orders
from tests.pages_data import LI, WANG, add_member, sign_in
from tests.test_pay import _notices_to, _notify

pytest_plugins = ["tests.fake_wechat", "tests.wechatpay_standin"]
SOON = (date.today() + timedelta(days=30)).isoformat()


@pytest.fixture
def config(env, fake_wechat, pay_standin):
    return load_config(env)


def _add_event(db, title: str, capacity: int | None = None) -> dict:
    numbers, _ = event_store.save_events(db, [({"title": title, "type": "学术会议", "starts_on": SOON, "ends_on": SOON,
                                                "place": "郑州", "capacity": capacity}, "test")], [], actor="test")
    return event_store.find_event(db, numbers[0])


@pytest.fixture
def priced(db, monkeypatch):
    """A paid meeting: members 200, others 300, students 100; early-bird prices through tomorrow."""
    event = _add_event(db, "2027 年材料科学年会", capacity=1)
    fees = {event["event_no"]: {"types": {"会员": 200, "非会员": 300, "学生": 100}, "member_types": ["会员"],
                                "early_bird_until": (date.today() + timedelta(days=1)).isoformat(),
                                "early_bird": {"会员": 150, "非会员": 250}}}
    monkeypatch.setattr(event_fees, "configured", lambda event: fees.get(event["event_no"]))  # as if the secretariat wrote content/event_fees.toml
    return event


def _token(client, path: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', client.get(path).get_data(as_text=True)).group(1)


def _register(client, event: dict, token: str | None = None, **fields):
    path = f"/m/events/{event['event_no']}"
    return client.post(f"{path}/register", data={"csrf_token": token or _token(client, path), **fields})


def test_a_free_event_registers_like_the_chat(client, fake_wechat, db):
    event = _add_event(db, "青年科学家沙龙")
    sign_in(client, fake_wechat, "o_newcomer", "/m/events")
    assert "青年科学家沙龙" in client.get("/m/events").get_data(as_text=True)
    bad = _register(client, event, name="1", mobile="138")
    assert bad.status_code == 400 and "手机号格式不对" in bad.get_data(as_text=True)
    token = _token(client, f"/m/events/{event['event_no']}")
    assert _register(client, event, token, name="赵敏", mobile="13800138000").status_code == 302
    registration = event_store.live_registration(db, event["id"], "o_newcomer")
    assert (registration["name"], registration["mobile"], registration["status"]) == ("赵敏", "13800138000", "registered")
    assert registration["checkin_code"] in client.get(f"/m/events/{event['event_no']}").get_data(as_text=True)
    assert _register(client, event, token, name="赵敏", mobile="13800138000").status_code == 409  # once


def test_the_fee_is_the_settings_price_for_who_registers(client, fake_wechat, db, priced, pay_standin):
    add_member(db, WANG)  # lapsed: not a member in good standing
    sign_in(client, fake_wechat, "o_wang", f"/m/events/{priced['event_no']}")
    page = client.get(f"/m/events/{priced['event_no']}").get_data(as_text=True)
    assert "非会员 · ¥250" in page and "会员 · ¥150" not in page and "早鸟价" in page
    refused = _register(client, priced, name="王秀英", mobile="13700001234", fee_type="会员")
    assert refused.status_code == 400 and event_store.live_registration(db, priced["id"], "o_wang") is None
    paying = _register(client, priced, name="王秀英", mobile="13700001234", fee_type="非会员", amount="0.01")
    assert paying.status_code == 200 and "¥250" in paying.get_data(as_text=True)
    [order] = pay_standin.orders.values()
    assert order["total"] == 25000 and order["openid"] == "o_wang"


def test_a_paid_fee_marks_the_registration_once_and_records_no_dues(client, fake_wechat, db, priced, pay_standin,
                                                                    redis_client):
    add_member(db, LI)  # paid up: the members' price
    sign_in(client, fake_wechat, "o_li", f"/m/events/{priced['event_no']}")
    _register(client, priced, name="李明", mobile="13912346688", fee_type="会员")
    [no] = pay_standin.orders
    assert pay_standin.orders[no]["total"] == 15000
    pay_standin.pay(no)
    assert [_notify(client, pay_standin, no).status_code for _ in range(2)] == [204, 204]
    registration = event_store.live_registration(db, priced["id"], "o_li")
    assert registration["paid_at"] and registration["pay_order"] == no and registration["fee_fen"] == 15000
    assert db["payments"].count == 0  # an event fee is not dues
    assert _notices_to(redis_client, "o_li") == 1
    result = client.get(f"/m/dues/result/{no}").get_data(as_text=True)
    assert "报名缴费成功" in result
    assert "已缴费" in client.get(f"/m/events/{priced['event_no']}").get_data(as_text=True)


def test_a_fee_not_paid_in_time_gives_the_seat_to_the_waitlist(client, fake_wechat, db, priced, pay_standin, config,
                                                               redis_client):
    add_member(db, LI)
    sign_in(client, fake_wechat, "o_li", f"/m/events/{priced['event_no']}")
    _register(client, priced, name="李明", mobile="13912346688", fee_type="会员")
    waiting = register(db, priced["id"], "o_zhang", {"name": "张丽"}, date.today().isoformat())
    assert waiting["status"] == "waitlisted"
    [no] = pay_standin.orders
    pay = wechat_pay.client(config, "http://localhost/m/pay/notify")
    later = datetime.now(clock.zone()) + timedelta(minutes=config.pay_order_minutes + 1)
    assert online_dues.close_expired(db, redis_client, config, pay, now=later)["closed"] == 1
    assert pay_orders.find_order(db, no)["status"] == "closed"
    assert event_store.live_registration(db, priced["id"], "o_li") is None
    assert event_store.live_registration(db, priced["id"], "o_zhang")["status"] == "registered"


def test_a_refunded_fee_cancels_the_registration_and_the_waitlist_moves_up(app, client, fake_wechat, db, priced,
                                                                           pay_standin, config, redis_client):
    from tests.test_pay import _refund

    add_member(db, LI)
    sign_in(client, fake_wechat, "o_li", f"/m/events/{priced['event_no']}")
    _register(client, priced, name="李明", mobile="13912346688", fee_type="会员")
    [no] = pay_standin.orders
    pay_standin.pay(no)
    assert _notify(client, pay_standin, no).status_code == 204
    waiting = register(db, priced["id"], "o_zhang", {"name": "张丽"}, date.today().isoformat())
    assert waiting["status"] == "waitlisted"  # one seat, Li's
    assert "2027 年材料科学年会" in client.get("/m/").get_data(as_text=True)

    _refund(app, db, config, client, pay_standin, no, reason="会议改期，本人无法参加")
    refunded = db["registrations"].get(waiting["id"] - 1)
    assert refunded["openid"] == "o_li" and refunded["status"] == "cancelled" and refunded["refunded_at"]
    assert refunded["paid_at"]  # it was paid, then refunded: both on record
    assert "2027 年材料科学年会" not in client.get("/m/").get_data(as_text=True)  # no longer my registration
    assert event_store.live_registration(db, priced["id"], "o_zhang")["status"] == "registered"
    assert _notices_to(redis_client, "o_li") == 2  # paid, then refunded (and the registration cancelled)
    assert _notices_to(redis_client, "o_zhang") == 1  # a seat
    assert db["payments"].count == 0


def test_an_event_called_off_is_cancelled_with_its_fees_owed_back_or_not_at_all(client, fake_wechat, db, priced,
                                                                                 pay_standin, redis_client,
                                                                                 monkeypatch):
    """Calling the meeting off marked its fees owed back after the event's own transaction: a failure in between
    (the store busy) left the event called off and 李明's ¥150 owed to nobody, on no page, and calling it off
    again is refused. Now both or neither: the secretary tries again and the refund is shown."""
    import sqlite3

    from handlers.events import guide
    from handlers.events import registration as registrations
    from storage.event_payments import refunds_owed

    add_member(db, LI)
    sign_in(client, fake_wechat, "o_li", f"/m/events/{priced['event_no']}")
    _register(client, priced, name="李明", mobile="13912346688", fee_type="会员")
    [no] = pay_standin.orders
    pay_standin.pay(no)
    _notify(client, pay_standin, no)
    marked = registrations.event_payments.owe_refund

    def store_busy(*args):
        raise sqlite3.OperationalError("database is locked")

    monkeypatch.setattr(registrations.event_payments, "owe_refund", store_busy)
    with pytest.raises(sqlite3.OperationalError):
        guide.cancel_one(db, redis_client, priced, "staff1", "场地临时无法使用")
    assert event_store.find_event(db, priced["id"])["status"] != "cancelled"
    assert event_store.live_registration(db, priced["id"], "o_li") is not None
    monkeypatch.setattr(registrations.event_payments, "owe_refund", marked)
    guide.cancel_one(db, redis_client, priced, "staff1", "场地临时无法使用")
    assert [row["openid"] for row in refunds_owed(db, priced["id"])] == ["o_li"]
    assert pay_orders.find_order(db, no)["status"] == "refund_needed"
