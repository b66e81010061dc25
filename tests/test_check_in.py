"""Check-in at the door: the member's QR code in 会员中心, read by staff on the console's 活动签到 page."""
from __future__ import annotations

from datetime import date, timedelta

import pytest

from handlers.events import check_in
from bot.config import load_config
from handlers.events.registration import register
from storage import events as event_store
from storage.members import find_member_by_openid
from tests.admin_data import add_units, add_users
from tests.pages_data import LI, add_member, sign_in
from tests.test_admin import log_in, post

pytest_plugins = ["tests.fake_wechat"]


@pytest.fixture
def config(env, fake_wechat):
    return load_config(env)


@pytest.fixture
def event(db):
    """Tomorrow's meeting with one seat: Li has it, Zhang waits."""
    start = (date.today() + timedelta(days=1)).isoformat()
    event_store.save_events(db, [({"title": "学术年会", "type": "学术会议", "starts_on": start, "ends_on": start,
                                   "capacity": 1}, "test")], [], actor="test")
    [found] = event_store.events_of_year(db, int(start[:4]))
    add_member(db, LI)
    today = date.today().isoformat()
    li = register(db, found["id"], "o_li", {"name": "李明", "member_id": find_member_by_openid(db, "o_li")["id"]},
                              today)
    zhang = register(db, found["id"], "o_zhang", {"name": "张丽"}, today)
    return {"event": found, "li": li, "zhang": zhang}


@pytest.fixture
def staff(app, db, config):
    client = app.test_client()
    add_users(db, config, add_units(db)[0])
    assert log_in(client, "staff1").status_code == 302
    return client


def test_the_member_shows_a_qr_code_that_staff_scan_to_check_in(client, fake_wechat, staff, event, db):
    event_no, code = event["event"]["event_no"], event["li"]["checkin_code"]
    sign_in(client, fake_wechat, "o_li")
    centre = client.get("/m/").get_data(as_text=True)
    assert check_in.qr_data_uri(event_no, code) in centre  # the QR code carries "<event>-<code>"
    assert check_in.qr_payload(event_no, code) == f"{event_no}-{code}"

    scanned = post(staff, "/admin/checkin/", {"code": f"{event_no}-{code}"}).get_data(as_text=True)
    assert "签到成功：李明" in scanned and "已签到 1 人" in scanned
    again = post(staff, "/admin/checkin/", {"code": f"{event_no}-{code}"}).get_data(as_text=True)
    assert "李明 已于" in again and "签到过" in again
    assert "已签到 1 人" in again
    assert check_in.qr_data_uri(event_no, code) not in client.get("/m/").get_data(as_text=True)


def test_a_typed_code_with_the_event_chosen_and_what_is_not_let_in(staff, event):
    event_no = event["event"]["event_no"]
    typed = post(staff, "/admin/checkin/", {"event": event_no, "code": f" {event['li']['checkin_code']} "})
    assert "签到成功：李明" in typed.get_data(as_text=True)
    waiting = post(staff, "/admin/checkin/", {"event": event_no, "code": event["zhang"]["checkin_code"]})
    assert "张丽 在候补名单上" in waiting.get_data(as_text=True)
    wrong = "000000" if event["li"]["checkin_code"] != "000000" else "111111"
    assert "签到码无效" in post(staff, "/admin/checkin/", {"event": event_no, "code": wrong}).get_data(as_text=True)
    assert "请先选择活动" in post(staff, "/admin/checkin/", {"code": "123456"}).get_data(as_text=True)
    assert event_no in staff.get("/admin/checkin/").get_data(as_text=True)  # the event is offered


def test_a_unit_contact_may_not_check_people_in(app, db, config, event):
    unit_contact = app.test_client()
    add_users(db, config, add_units(db)[0])
    assert log_in(unit_contact, "unit1").status_code == 302
    assert unit_contact.get("/admin/checkin/").status_code == 403
