"""What a person sees when a page cannot be shown: a wrong or stale link, a form's address opened
by hand, a failure of ours. Always the right status with a Chinese sentence that says what to do,
in the console's or the member pages' own frame: never Werkzeug's English page, never a traceback."""
from __future__ import annotations

import sqlite3

import pytest

from bot.config import load_config
from tests.admin_data import add_units, add_users
from tests.pages_data import add_ticket_with_reply, li, sign_in  # noqa: F401 (li is a fixture)
from tests.test_admin import log_in

pytest_plugins = ["tests.fake_wechat"]
ENGLISH = ("Not Found", "Method Not Allowed", "Internal Server Error", "internal error", "Traceback")


@pytest.fixture
def config(env, fake_wechat):
    return load_config(env)


@pytest.fixture
def secretary(client, db, config):
    add_users(db, config, add_units(db)[0])
    assert log_in(client, "staff1").status_code == 302
    return client


def _page(response) -> str:
    text = response.get_data(as_text=True)
    assert not any(word in text for word in ENGLISH), text[:300]
    return text


def test_a_mistyped_console_address_is_a_chinese_404_in_the_console(secretary):
    response = secretary.get("/admin/membrs/")
    assert response.status_code == 404
    text = _page(response)
    assert "找不到该页面" in text and "返回首页" in text


def test_a_forms_address_opened_by_hand_is_a_chinese_405(secretary):
    """The address bar after a reply was sent, or a bookmarked 'send' link: nothing is done."""
    response = secretary.get("/admin/tickets/FK202612060001/reply")
    assert response.status_code == 405
    text = _page(response)
    assert "不能直接打开" in text and "返回首页" in text


def test_a_failure_of_ours_in_the_console_is_a_chinese_500_without_a_traceback(secretary, monkeypatch):
    import bot.admin.tickets as tickets

    def locked(*_args, **_kwargs):
        raise sqlite3.OperationalError("database is locked")

    monkeypatch.setattr(tickets.store, "list_tickets", locked)
    secretary.application.testing = False  # as served: the error page, not the exception
    response = secretary.get("/admin/tickets/")
    assert response.status_code == 500
    text = _page(response)
    assert "database is locked" not in text and "稍后" in text


def test_a_member_opening_an_event_that_is_gone_gets_a_chinese_page(client, fake_wechat, li):
    sign_in(client, fake_wechat, "o_li", "/m/events/HY202699999")
    response = client.get("/m/events/HY202699999")
    assert response.status_code == 404
    assert "没有找到" in _page(response)


def test_a_member_opening_another_members_ticket_gets_a_chinese_404(client, fake_wechat, db, li):
    other = add_ticket_with_reply(db, "o_wang", "发票抬头写错了", "已重开")
    sign_in(client, fake_wechat, "o_li")
    response = client.get(f"/m/tickets/{other['id']}")
    assert response.status_code == 404
    text = _page(response)
    assert "没有找到" in text and "发票" not in text


def test_a_member_page_address_that_does_not_exist_is_chinese(client, fake_wechat, li):
    response = client.get("/m/centre-old")
    assert response.status_code == 404
    assert "没有找到" in _page(response)


def test_a_members_refusal_is_drawn_in_the_members_frame_not_as_a_bare_sentence(client, fake_wechat, db, li,
                                                                                 caplog):
    """Inside WeChat a bare line of text has no title, no society and nothing to go back with; the
    page itself failing to draw was logged as an error for every wrong link."""
    other = add_ticket_with_reply(db, "o_wang", "发票抬头写错了", "已重开")
    sign_in(client, fake_wechat, "o_li")
    for address, status in ((f"/m/tickets/{other['id']}", 404), ("/m/centre-old", 404)):
        response = client.get(address)
        assert response.status_code == status
        assert response.mimetype == "text/html", address
        text = _page(response)
        assert "<title>出错了" in text and 'class="panel notice"' in text and "没有找到" in text
    refused = client.post("/m/contact", data={"mobile": "13000000000"})
    assert refused.status_code == 400 and refused.mimetype == "text/html"
    assert "页面已过期" in _page(refused)
    assert "member error page failed" not in caplog.text
