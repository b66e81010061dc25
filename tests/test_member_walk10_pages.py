"""Member pages as a black-box walk found them (round 10, /work/qa/members10.md): the event page is for
oneself, and one mobile registers once."""
from __future__ import annotations

import re
from datetime import date, timedelta

import pytest

from bot.config import load_config
from storage import events as event_store
from tests.member import Member
from tests.pages_data import sign_in

pytest_plugins = ["tests.fake_wechat"]

SOON = (date.today() + timedelta(days=30)).isoformat()


@pytest.fixture
def config(env, fake_wechat):
    return load_config(env)


@pytest.fixture
def meeting(db) -> dict:
    numbers, _ = event_store.save_events(db, [({"title": "学术年会", "type": "学术会议", "starts_on": SOON,
                                                "ends_on": SOON, "place": "郑州", "capacity": 50}, "test")], [],
                                         actor="test")
    return event_store.find_event(db, numbers[0])


def _register(client, event: dict, **fields):
    path = f"/m/events/{event['event_no']}"
    token = re.search(r'name="csrf_token" value="([^"]+)"', client.get(path).get_data(as_text=True)).group(1)
    return client.post(f"{path}/register", data={"csrf_token": token, **fields})


def test_the_event_page_says_it_registers_oneself_and_a_mobile_registered_from_chat_is_refused(
        app, client, config, fake_wechat, db, meeting):
    Member(app.test_client(), config, "o_liufang").says(f"报名{meeting['title']} 刘芳 13607710004")
    assert "报名成功" in Member(app.test_client(), config, "o_liufang").says("确认")
    sign_in(client, fake_wechat, "o_contact", f"/m/events/{meeting['event_no']}")
    page = client.get(f"/m/events/{meeting['event_no']}").get_data(as_text=True)
    assert "为您本人报名" in page and "给同事报名" in page
    again = _register(client, meeting, name="刘芳", mobile="136 0771 0004")
    assert again.status_code == 409 and "这个手机号已经报名过" in again.get_data(as_text=True)
    assert event_store.find_event(db, meeting["id"])["registered"] == 1


def test_the_dues_page_tells_a_member_who_never_paid_to_pay_not_to_renew(client, fake_wechat, db):
    from storage.members import insert_member

    insert_member(db, {"member_no": "HNKX202600001", "name": "李明轩", "category": "student", "mobile": "13607710009",
                       "openid": "o_new", "paid_through": None}, actor="test")
    sign_in(client, fake_wechat, "o_new", "/m/dues")
    page = client.get("/m/dues").get_data(as_text=True)
    assert "您还没有缴纳会费" in page and "已到期" not in page and "续费" not in page


def test_the_application_page_says_to_leave_a_wrong_email_empty_not_to_reply_skip(client, fake_wechat):
    sign_in(client, fake_wechat, "o_new", "/m/apply")
    path = "/m/apply?kind=individual"
    token = re.search(r'name="csrf_token" value="([^"]+)"', client.get(path).get_data(as_text=True)).group(1)
    page = client.post("/m/apply", data={"csrf_token": token, "kind": "individual", "action": "submit",
                                          "name": "李明轩", "email": "li@zzu"}).get_data(as_text=True)
    assert "邮箱格式不对" in page and "回复“跳过”" not in page


def test_a_bound_member_registers_on_the_event_page_with_the_mobile_on_file(client, fake_wechat, db, meeting):
    from storage.members import insert_member

    insert_member(db, {"member_no": "HNKX201000001", "name": "王建国", "category": "regular", "mobile": "13607710001",
                       "openid": "o_wang", "paid_through": None}, actor="test")
    sign_in(client, fake_wechat, "o_wang", f"/m/events/{meeting['event_no']}")
    page = client.get(f"/m/events/{meeting['event_no']}").get_data(as_text=True)
    assert 'value="王建国"' in page and "136****0001（登记的号码，不改请留空）" in page and "13607710001" not in page
    assert _register(client, meeting, name="王建国", mobile="").status_code == 302
    assert event_store.live_registration(db, meeting["id"], "o_wang")["mobile"] == "13607710001"


def test_the_contact_page_says_in_plain_text_which_mobile_is_on_file_and_to_leave_it_empty(client, fake_wechat, db):
    from storage.members import insert_member

    insert_member(db, {"member_no": "HNKX201000001", "name": "王建国", "category": "regular", "mobile": "13607710001",
                       "openid": "o_wang", "paid_through": None}, actor="test")
    sign_in(client, fake_wechat, "o_wang", "/m/contact")
    page = client.get("/m/contact").get_data(as_text=True)
    shown = re.search(r'<p class="muted" id="mobile-on-file">([^<]*)</p>', page)
    assert shown and "136****0001" in shown.group(1) and "不改请留空" in shown.group(1)


def test_the_application_page_starts_from_what_the_chat_form_already_has(app, client, config, fake_wechat):
    chat = Member(app.test_client(), config, "o_student")
    chat.says("我想申请个人会员")
    chat.says("我叫李明轩")
    chat.says("学生会员")
    chat.says("2001")
    chat.says("手机 13607710009")
    sign_in(client, fake_wechat, "o_student", "/m/apply")
    page = client.get("/m/apply?kind=individual").get_data(as_text=True)
    for typed in ('value="李明轩"', 'value="2001"', 'value="13607710009"'):
        assert typed in page, typed
    assert '<option value="学生会员" selected>' in page


def test_the_member_centre_names_who_each_registration_is_for(client, fake_wechat, db, meeting):
    from handlers.events.registration import register
    from datetime import date as day

    register(db, meeting["id"], "o_contact", {"name": "刘芳", "mobile": "13607710004"}, day.today().isoformat())
    sign_in(client, fake_wechat, "o_contact", "/m/")
    page = client.get("/m/").get_data(as_text=True)
    assert "参加人 刘芳" in page
