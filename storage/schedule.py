"""Runs of the periodic jobs (content/schedule.toml): one row per run, with its outcome.

A scheduled run is one row per (job, period): the unique index is what makes a
period run once even when Redis lost the workers' claims. A manual run (the
secretariat's command or the console's button) is a row too, with the moment
it was asked for as its period. Times are ISO strings the engine passes in
(queued_at, started_at, finished_at in UTC, so they compare as text), so its
clock can be set by a test. The engine is bot/scheduler.py.
"""
from __future__ import annotations

import json

import sqlite_utils

from storage.sqlite import transaction

SCHEDULED, MANUAL = "schedule", "manual"  # trigger
QUEUED, RUNNING, SUCCEEDED, FAILED, ABANDONED, SKIPPED = (
    "queued", "running", "succeeded", "failed", "abandoned", "skipped")
OPEN = (QUEUED, RUNNING)
ERROR_LIMIT = 1000  # characters kept of a failure's message


def create_table(db: sqlite_utils.Database) -> None:
    """The schema (called by storage.migrations)."""
    db["schedule_runs"].create(
        {"id": int, "job": str, "period": str, "trigger": str, "actor": str, "status": str,
         "queued_at": str, "started_at": str, "finished_at": str, "summary": str, "error": str},
        pk="id", not_null={"job", "period", "trigger", "status", "queued_at"},
    )
    db["schedule_runs"].create_index(["job", "id"])
    db.execute("create unique index schedule_runs_one_per_period on schedule_runs (job, period) "
               "where trigger = 'schedule'")


def last_scheduled_period(db: sqlite_utils.Database, job: str) -> str | None:
    """The period of the job's latest scheduled run (a skipped one included), if it ever had one."""
    row = db.execute("select period from schedule_runs where job = ? and trigger = ? order by id desc limit 1",
                     [job, SCHEDULED]).fetchone()
    return row[0] if row else None


def open_scheduled_run(db: sqlite_utils.Database, job: str, period: str, at: str, status: str = QUEUED) -> int | None:
    """The row of the job's run for `period`, or None when that period already has one."""
    with transaction(db):
        cursor = db.execute(
            "insert or ignore into schedule_runs (job, period, trigger, status, queued_at) values (?, ?, ?, ?, ?)",
            [job, period, SCHEDULED, status, at])
        return cursor.lastrowid if cursor.rowcount else None


def open_manual_run(db: sqlite_utils.Database, job: str, period: str, at: str, actor: str | None) -> int:
    with transaction(db):
        table = db["schedule_runs"]
        table.insert({"job": job, "period": period, "trigger": MANUAL, "actor": actor, "status": QUEUED,
                      "queued_at": at})
        return table.last_pk


def find_run(db: sqlite_utils.Database, run_id: int) -> dict | None:
    rows = [_run(row) for row in db.query("select * from schedule_runs where id = ?", [run_id])]
    return rows[0] if rows else None


def start_run(db: sqlite_utils.Database, run_id: int, at: str) -> bool:
    """Mark a queued run running; False when it is not queued (abandoned meanwhile, or run already)."""
    with transaction(db):
        return db.execute("update schedule_runs set status = ?, started_at = ? where id = ? and status = ?",
                          [RUNNING, at, run_id, QUEUED]).rowcount == 1


def finish_run(db: sqlite_utils.Database, run_id: int, status: str, at: str, summary=None,
               error: str | None = None) -> None:
    with transaction(db):
        db.execute("update schedule_runs set status = ?, finished_at = ?, summary = ?, error = ? where id = ?",
                   [status, at, None if summary is None else json.dumps(summary, ensure_ascii=False,
                                                                                default=str),
                    error[:ERROR_LIMIT] if error else None, run_id])


def abandon_runs_queued_before(db: sqlite_utils.Database, cutoff: str, at: str) -> int:
    """Runs still queued or running that were queued before `cutoff`: their worker died. How many."""
    with transaction(db):
        return db.execute(
            f"update schedule_runs set status = ?, finished_at = ? where status in ({', '.join('?' * len(OPEN))}) "
            "and queued_at < ?", [ABANDONED, at, *OPEN, cutoff]).rowcount


def last_runs(db: sqlite_utils.Database) -> dict[str, dict]:
    """Each job's latest run (scheduled or manual) that was not a skipped first period."""
    rows = db.query(
        "select * from schedule_runs where id in (select max(id) from schedule_runs where status != ? group by job)",
        [SKIPPED])
    return {run["job"]: run for run in map(_run, rows)}


def recent_runs(db: sqlite_utils.Database, limit: int) -> list[dict]:
    """The latest runs of every job, newest first (skipped first periods left out)."""
    return [_run(row) for row in db.query("select * from schedule_runs where status != ? order by id desc limit ?",
                                           [SKIPPED, limit])]


def runs_of(db: sqlite_utils.Database, job: str, limit: int) -> list[dict]:
    return [_run(row) for row in db.query("select * from schedule_runs where job = ? order by id desc limit ?",
                                           [job, limit])]


def _run(row: dict) -> dict:
    return dict(row, summary=json.loads(row["summary"]) if row["summary"] else None)
