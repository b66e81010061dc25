"""Open calls: awards, competitions and youth-talent programmes (评奖与人才项目), and their deadline reminders.

A call is numbered PJ + deadline year + sequence when first stored and keeps
that number; `guide_key` (name | deadline year) finds it again when a sheet
without numbers is imported twice or a deadline is extended. Reminders go to
members subscribed to the `talent` topic; `award_reminders` holds one claim
per (call, member, stage), taken before the notice is queued, so no reminder
is ever sent twice.
"""
from __future__ import annotations

import sqlite_utils

from storage.database import all_rows, first_of, now_iso
from storage.members import next_number, record_history
from storage.sqlite import transaction

TALENT = "talent"
DEFAULT_KIND = "award"  # a call of no stated kind: the most common


def guide_key(name: str, deadline: str) -> str:
    return f"{name}|{deadline[:4]}"


def find_award(db: sqlite_utils.Database, key: str | int) -> dict | None:
    """A call by its number (PJ2026001) or id."""
    text = str(key).strip().upper()
    column = "id" if text.isdigit() else "award_no"
    return first_of(db["awards"].rows_where(f"{column} = ?", [text], limit=1))


def find_award_to_import(db: sqlite_utils.Database, award_no: str | None, key: str) -> dict | None:
    """The stored call a row is about: by its number, else by name + deadline year."""
    found = find_award(db, award_no) if award_no else None
    return found or first_of(db["awards"].rows_where("guide_key = ?", [key], limit=1))


def save_awards(db: sqlite_utils.Database, new: list[tuple[dict, str]], changes: list[tuple[int, dict, str]],
                actor: str) -> list[str]:
    """Add the new calls and apply the changes in one transaction, each with a history row
    naming its source; returns the new numbers."""
    numbers, now = [], now_iso()
    with transaction(db):
        for fields, source in new:
            row = dict(fields, source=source, created_at=now, updated_at=now,
                       guide_key=guide_key(fields["name"], fields["deadline"]))
            row.setdefault("kind", DEFAULT_KIND)
            row.setdefault("award_no", next_number(db, "awards", "award_no", f"PJ{row['deadline'][:4]}", 3))
            award_id = db["awards"].insert(row).last_pk
            record_history(db, "award", award_id, "created", actor, source)
            numbers.append(row["award_no"])
        for award_id, fields, source in changes:
            stored = db["awards"].get(award_id)
            merged = dict(stored, **fields)
            db["awards"].update(award_id, dict(fields, source=source, updated_at=now,
                                               guide_key=guide_key(merged["name"], merged["deadline"])))
            record_history(db, "award", award_id, "updated", actor, source,
                           {key: [stored[key], value] for key, value in fields.items()})
    return numbers


def list_awards(db: sqlite_utils.Database, query: dict, offset: int = 0, limit: int = 100) -> list[dict]:
    """Calls still open on query["from"] (all when it is None), of query["kind"] if given;
    the nearest deadline first."""
    where, params = [], []
    for clause, value in (("deadline >= ?", query.get("from")), ("kind = ?", query.get("kind"))):
        if value:
            where.append(clause)
            params.append(value)
    where_sql = f" where {' and '.join(where)}" if where else ""
    return all_rows(db, f"select * from awards{where_sql} order by deadline, id limit ? offset ?",
                    [*params, limit, offset])


def awards_due(db: sqlite_utils.Database, first: str, last: str) -> list[dict]:
    """Calls whose deadline falls between the two days (inclusive), nearest first."""
    return list(db["awards"].rows_where("deadline between ? and ?", [first, last], order_by="deadline, id"))


def talent_subscribers(db: sqlite_utils.Database) -> list[str]:
    """Openids subscribed to the talent topic, less members who have unfollowed."""
    return [openid for (openid,) in db.execute(
        "select s.openid from subscriptions s left join members m on m.openid = s.openid "
        "where s.topic = ? and coalesce(m.reachable, 1) = 1 order by s.openid", [TALENT])]


def claim_reminders(db: sqlite_utils.Database, openid: str, due: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Claim the (call id, stage) reminders for one member; returns those not claimed before."""
    now = now_iso()
    with transaction(db):
        return [(award_id, days) for award_id, days in due if db.execute(
            "insert or ignore into award_reminders (award_id, openid, days, sent_at) values (?, ?, ?, ?)",
            [award_id, openid, days, now]).rowcount]


def release_reminders(db: sqlite_utils.Database, openid: str, claimed: list[tuple[int, int]]) -> None:
    """Not queued after all: let the next run send them."""
    with transaction(db):
        for award_id, days in claimed:
            db["award_reminders"].delete((award_id, openid, days))
