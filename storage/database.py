"""The member store: one SQLite file through sqlite-utils.

Every function takes the `Database` first and is named for what it does,
so a handler reads like the business rule it implements.
"""
from __future__ import annotations

import sqlite3
from datetime import datetime, timezone
from pathlib import Path

import sqlite_utils

from storage import migrations
from storage.sqlite import transaction

BUSY_TIMEOUT_MS = 10_000


def open_database(path: Path | str, apply_migrations: bool = True) -> sqlite_utils.Database:
    """Open (and migrate) the store; WAL so the bot reads while the CLI writes."""
    if str(path) != ":memory:":
        Path(path).parent.mkdir(parents=True, exist_ok=True)
    conn = sqlite3.connect(str(path), timeout=BUSY_TIMEOUT_MS / 1000, check_same_thread=False,
                           isolation_level=None)
    db = sqlite_utils.Database(conn)
    db.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    db.execute("PRAGMA journal_mode = WAL")
    db.execute("PRAGMA foreign_keys = ON")
    if apply_migrations:
        migrate(db)
    return db


def migrate(db: sqlite_utils.Database) -> list[str]:
    return migrations.apply_migrations(db, now_iso())


def now_iso() -> str:
    return datetime.now(timezone.utc).astimezone().isoformat(timespec="seconds")


def create_ticket(db: sqlite_utils.Database, openid: str, category: str, body: str) -> str:
    """Store a member's message as a ticket and return its number (FK + date + id)."""
    created_at = now_iso()
    with transaction(db):
        table = db["tickets"]
        table.insert(
            {"openid": openid, "category": category, "body": body, "status": "open",
             "created_at": created_at}
        )
        row_id = table.last_pk
        ticket_no = f"FK{created_at[:10].replace('-', '')}{row_id:04d}"
        table.update(row_id, {"ticket_no": ticket_no})
    return ticket_no


def find_ticket(db: sqlite_utils.Database, ticket_no: str) -> dict | None:
    rows = list(db["tickets"].rows_where("ticket_no = ?", [ticket_no], limit=1))
    return rows[0] if rows else None


def list_tickets_of_member(db: sqlite_utils.Database, openid: str) -> list[dict]:
    return list(db["tickets"].rows_where("openid = ?", [openid], order_by="id desc"))


def record_human_request(db: sqlite_utils.Database, openid: str, message: str) -> int:
    """Put the member on the secretariat's follow-up queue, once while a request is open."""
    existing = list(db["human_requests"].rows_where(
        "openid = ? and status = 'open'", [openid], limit=1))
    if existing:
        return existing[0]["id"]
    return db["human_requests"].insert(
        {"openid": openid, "message": message, "status": "open", "created_at": now_iso()}
    ).last_pk


def list_open_human_requests(db: sqlite_utils.Database) -> list[dict]:
    return list(db["human_requests"].rows_where("status = 'open'", order_by="id"))
