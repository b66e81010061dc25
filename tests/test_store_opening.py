"""Processes that open a new store at the same moment (two gunicorn servers, a server and a worker
started together) all get it: none dies of SQLite's "database is locked" on the switch to WAL."""
from __future__ import annotations

import multiprocessing
import sqlite3
from pathlib import Path

import pytest

from storage.database import open_database, scratch_copy
from storage.sqlite import transaction
from storage.tickets import create_ticket, find_ticket

PROCESSES, ROUNDS = 4, 60


def _open_each(paths: list[str], start: multiprocessing.Barrier, failures: multiprocessing.Queue) -> None:
    """Open each new store the moment every other process opens it too (one race a round); the
    processes are forked once, not once a round: a fork of the test process is what took the time."""
    for path in paths:
        start.wait()
        try:
            db = open_database(path)
            failures.put(None if db.execute("PRAGMA journal_mode").fetchone()[0] == "wal" else "not wal")
            db.close()
        except Exception as error:  # noqa: BLE001 (the failure is what the test reports)
            failures.put(repr(error))


def test_processes_opening_a_new_store_together_all_open_it(tmp_path):
    context = multiprocessing.get_context("fork")
    paths = [str(tmp_path / f"store{round_}" / "bot.sqlite3") for round_ in range(ROUNDS)]
    start, failures = context.Barrier(PROCESSES), context.Queue()
    openers = [context.Process(target=_open_each, args=(paths, start, failures)) for _ in range(PROCESSES)]
    for opener in openers:
        opener.start()
    failed = [failure for failure in (failures.get(timeout=60) for _ in range(PROCESSES * ROUNDS)) if failure]
    for opener in openers:
        opener.join()
    assert not failed, failed


def test_every_commit_is_on_the_disk_before_it_is_acknowledged(tmp_path):
    """WAL with synchronous=FULL: a power cut takes no acknowledged write from the store (NORMAL, the
    default of some SQLite builds in WAL mode, would take those since the last checkpoint)."""
    db = open_database(tmp_path / "bot.sqlite3")
    assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert db.execute("PRAGMA synchronous").fetchone()[0] == 2  # FULL


def test_a_commit_that_fails_leaves_no_transaction_open_for_the_next_write(tmp_path):
    """COMMIT refused (a foreign key checked at the end): the transaction is rolled back, so the next
    write on the same connection is a transaction of its own, committed, not joined to the failed one."""
    db = open_database(tmp_path / "bot.sqlite3")
    with pytest.raises(sqlite3.IntegrityError):
        with transaction(db):
            db.execute("PRAGMA defer_foreign_keys = ON")
            db.execute("insert into ticket_replies (ticket_id, text, actor, at) values (999, '答复', '秘书处', '2026-12-07')")
    ticket_no = create_ticket(db, "o_member", "意见建议", "希望会员证做成电子版")
    other = open_database(tmp_path / "bot.sqlite3")
    assert find_ticket(other, ticket_no) is not None
    assert list(other["ticket_replies"].rows) == []


def test_a_scratch_copy_is_a_file_beside_the_store_deleted_after(tmp_path):
    """A workbook's preview (storage.database.scratch_copy) tries its writes on a copy on the disk, not in the
    server's memory (a store of 100,000 members took some 60 MB more of it), and leaves nothing behind."""
    db = open_database(tmp_path / "bot.sqlite3")
    create_ticket(db, "o_a", "建议", "多办讲座")
    with scratch_copy(db) as copy:
        copied = Path(copy.conn.execute("PRAGMA database_list").fetchone()[2])
        assert copied.parent.parent == tmp_path and copied.exists()
        create_ticket(copy, "o_b", "建议", "只在副本里")
        assert copy.execute("select count(*) from tickets").fetchone()[0] == 2
    assert db.execute("select count(*) from tickets").fetchone()[0] == 1
    assert sorted(p.name for p in tmp_path.iterdir() if not p.name.startswith("bot.sqlite3")) == []
