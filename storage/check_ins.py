"""Checking registrants in at an event's door, by the code on their registration (table `registrations`)."""
from __future__ import annotations

import sqlite_utils

from storage.database import first_of, now_iso


def find_by_code(db: sqlite_utils.Database, event_id: int, code: str) -> dict | None:
    """The registration of this event with this check-in code, whatever its status."""
    return first_of(db.query("select * from registrations where event_id = ? and checkin_code = ? "
                            "order by id desc limit 1", [event_id, code]))


def check_in(db: sqlite_utils.Database, registration_id: int, actor: str) -> bool:
    """Mark a seated registrant as arrived; False if already checked in (or not seated)."""
    now = now_iso()
    cursor = db.execute("update registrations set checked_in_at = ?, checked_in_by = ?, updated_at = ? "
                        "where id = ? and status = 'registered' and checked_in_at is null",
                        [now, actor, now, registration_id])
    return cursor.rowcount == 1


def checked_in_count(db: sqlite_utils.Database, event_id: int) -> int:
    return db.execute("select count(*) from registrations where event_id = ? and checked_in_at is not null",
                      [event_id]).fetchone()[0]
