"""Messages the bot did not understand, kept for the secretariat to teach the router.

A row is a member message the router placed as `unknown`, or one the member answered with 取消
right after (the bot's guess was wrong, or unwanted). The member is kept only as a keyed hash of
their openid (`member_key`, made by the caller), and the text with mobile numbers already masked.
The secretariat labels a row with the intent it should have had (bot/admin/misunderstood.py);
the label is also written to content/intent_examples.jsonl, which retraining reads.
"""
from __future__ import annotations

import sqlite_utils

from storage.database import first_of, insert_row, now_iso
from storage.sqlite import transaction

UNKNOWN, CANCELLED = "unknown", "cancelled"  # why a message was kept
TEXT_LIMIT = 500  # characters kept of one message


def record(db: sqlite_utils.Database, member_key: str, text: str, guess: str, confidence: float,
           reason: str) -> int:
    return insert_row(db, "misunderstood", {"member_key": member_key, "text": text[:TEXT_LIMIT], "guess": guess,
                                            "confidence": round(float(confidence), 3), "reason": reason,
                                            "created_at": now_iso()})


def waiting(db: sqlite_utils.Database, limit: int, offset: int = 0) -> list[dict]:
    """Unlabelled rows, newest first, one per text (the latest), with how often it was kept."""
    return list(db.query(
        """select m.*, counts.times from misunderstood m
           join (select text, max(id) as last_id, count(*) as times from misunderstood
                 where label is null group by text) counts on m.id = counts.last_id
           order by m.id desc limit ? offset ?""", [limit, offset]))


def count_waiting(db: sqlite_utils.Database) -> int:
    return db.execute("select count(distinct text) from misunderstood where label is null").fetchone()[0]


def labelled(db: sqlite_utils.Database, limit: int) -> list[dict]:
    return list(db.query("select * from misunderstood where label is not null order by labelled_at desc, id desc"
                         " limit ?", [limit]))


def find(db: sqlite_utils.Database, row_id: int) -> dict | None:
    return first_of(db["misunderstood"].rows_where("id = ?", [row_id], limit=1))


def label(db: sqlite_utils.Database, row_id: int, intent: str, actor: str) -> int:
    """Label the row and every unlabelled row of the same text; returns how many were labelled."""
    with transaction(db):
        row = find(db, row_id)
        if row is None:
            return 0
        cursor = db.execute(
            "update misunderstood set label = ?, labelled_by = ?, labelled_at = ? "
            "where (text = ? and label is null) or id = ?", [intent, actor, now_iso(), row["text"], row_id])
        return cursor.rowcount
