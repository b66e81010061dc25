"""Console pages a busy society's secretary lives on: hundreds of tickets a page at a time like the
members list, the 定时任务 page's times said in 北京时间, news items named by their titles."""
from __future__ import annotations

import re
from datetime import date
from urllib.parse import unquote

import pytest

from storage import schedule as runs
from storage.tickets import CLOSED, create_ticket
from storage.sqlite import transaction
from tests.admin_data import add_units, add_users
from tests.test_admin import log_in, page, post


@pytest.fixture
def staff(client, db, config):
    add_users(db, config, add_units(db)[0])
    assert log_in(client, "staff1").status_code == 302
    return client


def ticket_numbers(html: str) -> list[str]:
    return re.findall(r">(FK\d+)</a>", html)


def test_hundreds_of_tickets_come_a_page_at_a_time(staff, db):
    numbers = [create_ticket(db, f"o_member{i}", "咨询", f"第 {i} 个问题") for i in range(120)]
    with transaction(db):
        for number in numbers[:70]:
            db["tickets"].update(db["tickets"].rows_where("ticket_no = ?", [number]).__next__()["id"],
                                 {"status": CLOSED})
    first = page(staff.get("/admin/tickets/?view=closed"))
    assert ticket_numbers(first) == numbers[:70][::-1][:50]  # newest closed first, 50 a page
    assert "第 1 / 2 页，共 70 条" in first and "下一页" in first
    second = page(staff.get("/admin/tickets/?view=closed&page=2"))
    assert ticket_numbers(second) == numbers[:70][::-1][50:]
    queue = page(staff.get("/admin/tickets/"))
    assert ticket_numbers(queue) == numbers[70:]  # the open queue: first come, first served; 50 on one page
    assert "共 50 条" in queue
    beyond = staff.get("/admin/tickets/?view=closed&page=9")
    assert beyond.status_code == 302 and "page=2" in beyond.location


def test_the_schedule_page_says_its_times_are_beijing_time(staff, db):
    run_id = runs.open_manual_run(db, "dues_reminders", "2026-12-06T09:00:00+08:00", "2026-12-06T01:00:00+00:00", None)
    runs.start_run(db, run_id, "2026-12-06T01:00:00+00:00")
    runs.finish_run(db, run_id, runs.SUCCEEDED, "2026-12-06T01:00:05+00:00", summary={"queued": 0, "already_sent": 0})
    shown = page(staff.get("/admin/schedule/"))
    assert "上次运行（北京时间）" in shown and "下次运行（北京时间）" in shown and "运行时间（北京时间）" in shown
    assert "2026-12-06 09:00" in shown and "2026-12-06 01:00" not in shown


def test_a_written_item_is_addressed_by_its_day_and_title_and_a_second_of_that_title_is_its_own(staff, db):
    item = {"title": "年会通知：报名/住宿", "topics": "policy", "summary": "十一月开会", "body": "详见附件"}
    first = post(staff, "/admin/news/new", item)
    second = post(staff, "/admin/news/new", dict(item, body="住宿另行通知", another="1"))
    assert first.status_code == second.status_code == 302
    addresses = [unquote(r.location) for r in (first, second)]
    today = date.today().isoformat()
    assert addresses == [f"/admin/news/{today}-年会通知-报名-住宿", f"/admin/news/{today}-年会通知-报名-住宿-2"]
    assert db["newsletters"].count_where("title = ?", [item["title"]]) == 2  # not one stored over the other
    assert "web-" not in page(staff.get("/admin/news/")) and "年会通知" in page(staff.get(first.location))
