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

BUSY_TIMEOUT_MS = 10_000


def open_database(path: Path | str, apply_migrations: bool = True) -> sqlite_utils.Database:
    """Open (and migrate) the store; WAL so the bot reads while the CLI writes."""
    if str(path) != ":memory:":
        Path(path).parent.mkdir(parents=True, exist_ok=True)
    conn = sqlite3.connect(str(path), timeout=BUSY_TIMEOUT_MS / 1000, check_same_thread=False,
                           isolation_level=None)
    db = sqlite_utils.Database(conn)
    db.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    if db.execute("PRAGMA journal_mode").fetchone()[0] != "wal":  # switching needs the write lock
        db.execute("PRAGMA journal_mode = WAL")
    db.execute("PRAGMA foreign_keys = ON")
    if apply_migrations:
        migrate(db)
    return db


def migrate(db: sqlite_utils.Database) -> list[str]:
    return migrations.apply_migrations(db, now_iso())


def take_and_release_write_lock(db: sqlite_utils.Database) -> None:
    """Take SQLite's write lock and give it back at once: proves the store is writable and that
    no other process holds the lock past the busy timeout (raises sqlite3.OperationalError)."""
    db.execute("BEGIN IMMEDIATE")
    db.execute("ROLLBACK")


def now_iso() -> str:
    return datetime.now(timezone.utc).astimezone().isoformat(timespec="seconds")
