"""The society's times are Beijing time, whatever the server's clock is kept in (console walk 10, #4 and #5):
what a member is told and what every console page shows, from content/society.toml's `timezone`."""
from __future__ import annotations

import os
import time
from datetime import datetime, timezone
from zoneinfo import ZoneInfo

import pytest

from storage.members import insert_member
from storage.tickets import create_ticket, find_ticket
from tests.admin_data import add_units, add_users
from tests.member import Member
from tests.test_admin import log_in, page, post

# Monday 2026-12-07 08:35 UTC: 16:35 in Beijing, inside the secretariat's 14:00-17:30.
INSTANT = datetime(2026, 12, 7, 8, 35, tzinfo=timezone.utc)


@pytest.fixture
def server_in_utc():
    """A server whose own clock is UTC (as the tester's was), set before the app starts."""
    kept = os.environ.get("TZ")
    os.environ["TZ"] = "UTC"
    time.tzset()
    yield
    if kept is None:
        os.environ.pop("TZ", None)
    else:
        os.environ["TZ"] = kept
    time.tzset()


class At(datetime):
    """datetime whose now() is INSTANT (naive, in the process's local zone, when no zone is asked)."""

    @classmethod
    def now(cls, tz=None):
        return INSTANT.astimezone(tz) if tz else INSTANT.astimezone().replace(tzinfo=None)


@pytest.fixture
def users(db, config):
    return add_users(db, config, add_units(db)[0])


def test_a_request_for_a_person_in_office_hours_is_told_so_on_a_utc_server(server_in_utc, client, config, db,
                                                                           monkeypatch):
    import handlers.human.chat

    insert_member(db, {"member_no": "HNKX202600002", "name": "黄蓉", "category": "regular", "openid": "o_m2"},
                  actor="test")
    monkeypatch.setattr(handlers.human.chat, "datetime", At)
    said = Member(client, config, "o_m2").says("人工服务")
    assert "现在是办公时间" in said and "下次上班" not in said


def test_console_pages_show_stored_times_in_beijing_time_and_say_so(server_in_utc, client, db, users):
    number = create_ticket(db, "o_member", "feedback", "希望多办线下培训")
    stamp = INSTANT.isoformat()  # stored by a process whose clock was UTC
    db["tickets"].update(find_ticket(db, number)["id"], {"created_at": stamp, "status": "closed",
                                                         "closed_at": stamp})
    assert log_in(client, "staff1").status_code == 302
    listing = page(client.get("/admin/tickets/?view=all"))
    assert "2026-12-07 16:35" in listing and "08:35" not in listing
    assert "北京时间" in listing

    refused = post(client, f"/admin/tickets/{number}/reply", {"text": "已转交培训部"})
    assert "已于 2026-12-07 16:35 办结" in page(refused) and "+00:00" not in page(refused)


def test_a_lock_out_says_until_when_in_beijing_time(server_in_utc, client, db, users):
    for _ in range(5):
        locked = log_in(client, "staff1", "wrong")
    until = datetime.fromisoformat(db["admin_users"].get(users["staff"]["id"])["locked_until"])
    assert f"请在 {until.astimezone(ZoneInfo('Asia/Shanghai')):%H:%M} 之后再试" in page(locked)
