"""Stamps a store holds in another offset than the society's (written by a server kept in UTC before the
society's zone was every process's, 96450ff, or given in UTC): members and the secretariat read the
society's date, and items come and are ordered by their instant, not by how the text sorts."""
from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone

from storage.news import save_item
from tests.cli import command
from tests.test_news_chat import numbered, post
from tests.test_admin import staff, units, users  # noqa: F401 (fixtures)
from tests.test_tickets import alice, submit  # noqa: F401 (alice: a fixture)

tickets_cli, _ = command("tickets")


def test_a_ticket_written_at_0130_beijing_time_shows_that_day_not_the_day_before(alice, db, env):
    ticket_no = submit(alice, "希望学会开通线上缴费")
    tickets_cli(env, "reply", ticket_no, "正在办理，本月内开通。")
    # 01:30 and 07:10 on 7 December in Beijing, kept in UTC: still 6 December there
    db.execute("update tickets set created_at = '2026-12-06T17:30:00+00:00'")
    db.execute("update ticket_replies set at = '2026-12-06T23:10:00+00:00'")
    db.conn.commit()
    detail = alice.says("我的诉求")
    assert "秘书处回复（2026-12-07）" in detail and "2026-12-06" not in detail
    listed = tickets_cli(env, "list").output
    assert "2026-12-07" in listed and "2026-12-06" not in listed


def test_an_item_published_after_midnight_beijing_time_shows_its_beijing_date(alice, db):
    save_item(db, dict(post(db, "n1", 1), publish_at="2026-10-01T16:30:00+00:00"))  # 00:30 on 2 October
    reply = alice.says("最新会讯")
    assert "2026-10-02" in reply and "2026-10-01" not in reply


def test_items_are_listed_by_their_instant_whatever_offset_they_were_written_with(alice, db):
    save_item(db, dict(post(db, "earlier", 1), publish_at="2026-10-01T08:30:00+08:00"))  # 00:30 UTC
    save_item(db, dict(post(db, "later", 2), publish_at="2026-10-01T01:00:00Z"))  # 09:00 in Beijing
    assert numbered(alice.says("最新会讯")) == ["标题later", "标题earlier"]


def test_an_item_due_in_an_hour_written_in_utc_is_not_shown_yet(alice, db, env):
    coming = (datetime.now(timezone.utc) + timedelta(hours=1)).isoformat(timespec="seconds")
    post(db, "now", 1)
    save_item(db, dict(post(db, "coming", 2), publish_at=coming))
    reply = alice.says("会讯")
    assert "《标题now》" in reply and "标题coming" not in reply
    news_cli, _ = command("news")
    listed = [line for line in news_cli(env, "list").output.splitlines() if "标题coming" in line]
    assert len(listed) == 1 and "未到发布时间" in listed[0]


def test_the_member_chart_counts_a_month_by_the_society_s_date_of_a_stamp_in_utc(staff, db):
    """Two members put on record, and one taken off, half an hour into this month in Beijing, the stamps kept
    in UTC (last month by their text): they joined and left this month, not last (roll_by_month read the
    month from the stamp's text)."""
    from datetime import date

    from bot import clock
    from storage.members import insert_member, update_member
    from storage.sqlite import transaction
    from tests.test_admin import page

    month_began = datetime.combine(date.today().replace(day=1), datetime.min.time(), clock.zone())
    in_utc = (month_began + timedelta(minutes=30)).astimezone(timezone.utc).isoformat()
    with transaction(db):
        for number, name in (("HNKX202600101", "周杰"), ("HNKX202600102", "何强")):  # no joining date given
            insert_member(db, {"member_no": number, "name": name, "category": "regular"}, actor="test")
        left = insert_member(db, {"member_no": "HNKX201600001", "name": "赵刚", "category": "regular",
                                  "joined_at": "2016-05-01"}, actor="test")
        update_member(db, left["id"], {"status": "resigned"}, actor="test")
    db.execute("update members set created_at = ?", [in_utc])
    db.execute("update history set at = ? where subject = 'member'", [in_utc])
    db.conn.commit()
    growth = page(staff.get("/admin/dashboard/")).split('data-chart-note="growth"')[0].rsplit("<svg", 1)[1]
    values = re.findall(r'class="chart-value"[^>]*>(\d+)<', growth)
    assert values[-2:] == ["1", "2"]  # 赵刚 until the end of last month; 周杰 and 何强 from this month
