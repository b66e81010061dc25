"""Backups and restores of the member store, and what a restore must not undo.

`backup` copies the live store with SQLite's online backup API (safe while serving).
`restore` rebuilds it from the Litestream replica or from a backup file: the new store is
built and checked beside the old one, the old one is kept (never deleted), and the
numbering floors are raised (storage.numbers) so that no receipt, application, ticket or
member number that was ever issued is issued again.

While the store is there and readable, the restore is done in place with the web servers,
workers and Litestream running (`_restore_in_place`): SQLite's backup API writes the new
content into the live file under its write lock, so every process that holds the store open
(a web process keeps idle stores, a worker its job's) sees the restored data at its next read,
as any other committed write, and nobody writes into a file moved aside; Litestream ships it
like any write, so the replica's history goes on. Only a store that is gone or unreadable is
replaced by moving files, which needs the processes stopped, as it always did.

What a restore must not undo:

- from every copy that can still be read: the store being replaced (when it is there: a
  restore on a living machine knows exactly what was issued), the replica, the restored copy;
- plus `margin` per series when the store being replaced is gone (the machine was lost): the
  numbers issued in the last replication interval before the loss are in no copy at all, and
  the margin (1000 by default, each series allocating at most a few a second) skips them.
"""
from __future__ import annotations

import os
import shutil
import sqlite3
import tempfile
from datetime import datetime
from pathlib import Path

import sqlite_utils

from storage import numbers, replication
from storage.database import BUSY_TIMEOUT_MS, now_iso, open_database


class RestoreRefused(RuntimeError):
    """The restore cannot go ahead; `code` names the reason for the CLI's message."""

    def __init__(self, code: str, **detail):
        super().__init__(code)
        self.code = code
        self.detail = detail


def backup(source_path: Path, target: Path) -> int:
    """Copy the live store to `target` (a complete SQLite file); returns its size in bytes."""
    source = sqlite3.connect(str(source_path))
    target.parent.mkdir(parents=True, exist_ok=True)
    destination = sqlite3.connect(str(target))
    with destination:
        source.backup(destination)
    destination.close()
    source.close()
    return target.stat().st_size


def newest_backup(backup_dir: Path) -> Path | None:
    files = sorted(backup_dir.glob("*.sqlite3"), key=lambda p: p.stat().st_mtime) if backup_dir.is_dir() else []
    return files[-1] if files else None


def prune(backup_dir: Path, keep: int) -> list[str]:
    """Delete all but the newest `keep` backup files in `backup_dir`; returns the names deleted."""
    files = sorted(backup_dir.glob("*.sqlite3"), key=lambda p: p.stat().st_mtime, reverse=True)
    for old in files[keep:]:
        old.unlink()
    return [p.name for p in files[keep:]]


def _marks_of(path: Path, check: bool = True) -> dict[str, int] | None:
    """The high-water marks of a store file, or None when it is missing or unreadable."""
    if not path.exists():
        return None
    try:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            if check and conn.execute("pragma quick_check").fetchone()[0] != "ok":
                return None
            return numbers.high_water(sqlite_utils.Database(conn))
        finally:
            conn.close()
    except sqlite3.DatabaseError:
        return None


def _check(path: Path) -> None:
    try:
        conn = sqlite3.connect(str(path))
        ok = conn.execute("pragma integrity_check").fetchone()[0] == "ok"
        conn.close()
    except sqlite3.DatabaseError:
        ok = False
    if not ok:
        raise RestoreRefused("not_a_store", path=str(path))


def processes_using(path: Path) -> list[int]:
    """Pids of other processes with the store (or its WAL) open, as far as /proc lets us see."""
    names = {str(path), f"{path}-wal", f"{path}-shm"}
    found = []
    for fd_dir in Path("/proc").glob("[0-9]*/fd"):
        pid = int(fd_dir.parent.name)
        if pid == os.getpid():
            continue
        try:
            fds = list(fd_dir.iterdir())
        except OSError:  # gone meanwhile, or not ours to look at
            continue
        if any(_link_of(fd) in names for fd in fds):
            found.append(pid)
    return found


def _link_of(fd: Path) -> str | None:
    """What an open file descriptor points at; None for one closed meanwhile (a busy server opens and closes
    sockets all the time: one closed during the look must not hide the store it also holds)."""
    try:
        return os.readlink(fd)
    except OSError:
        return None


def _set_replica_aside(replica_dir: Path, stamp: str) -> Path | None:
    """Rename the replica to <replica>.before-restore-<stamp>; when it is a mount point (which cannot
    be renamed), move its contents into a folder of that name inside it instead."""
    if not replica_dir.is_dir() or not any(replica_dir.iterdir()):
        return None
    beside = replica_dir.with_name(f"{replica_dir.name}.before-restore-{stamp}")
    try:
        replica_dir.rename(beside)
        return beside
    except OSError:
        inside = replica_dir / f"before-restore-{stamp}"
        inside.mkdir()
        for child in list(replica_dir.iterdir()):
            if child != inside:
                shutil.move(str(child), inside / child.name)
        return inside


def _backup_of_another_store(source_file: Path, sqlite_path: Path) -> bool:
    """Whether the file sits in the backups folder of another store (a folder holding its own store:
    another society's on the platform, or the single account's), the likely slip with many societies'
    backups side by side. A backup copied elsewhere cannot be told apart and is taken as given."""
    folder = source_file.resolve().parent
    owner = folder.parent
    return (folder.name == "backups" and (owner / sqlite_path.name).exists()
            and owner != sqlite_path.resolve().parent)


def _restore_in_place(sqlite_path: Path, staging: Path, marks: list[dict], note: str, aside: Path) -> dict:
    """Write `staging` into the live store with SQLite's backup API; returns the floors raised.

    The backup holds the live store's write lock from its first step to its commit (writers wait,
    up to their busy timeout; readers go on reading the old content until the commit). At the first
    step, under that lock, the store as it was is copied to `aside` and its marks read: exact, since
    nobody can write. The floors are raised in `staging` then, which makes the backup start over
    with them, still under the lock: restored content and floors land in one commit."""
    floors: dict[str, int] = {}

    def at_first_step(_status, _remaining, _total):
        if floors:
            return
        backup(sqlite_path, aside / sqlite_path.name)
        now_marks = _marks_of(sqlite_path, check=False) or {}
        with open_database(staging, apply_migrations=False) as staged:
            floors.update(numbers.raise_floors(staged, numbers.merge(now_marks, *marks), 0, note, now_iso()))

    source = sqlite3.connect(str(staging))
    target = sqlite3.connect(str(sqlite_path), timeout=BUSY_TIMEOUT_MS / 1000)
    try:
        # Steps of a sixteenth: the first ends before the commit (the moment to look), and few
        # steps keep the lock short (one page a step made a 200,000-member store's writers wait 7 s).
        pages = max(1, source.execute("pragma page_count").fetchone()[0] // 16)
        source.backup(target, pages=pages, progress=at_first_step)
    finally:
        target.close()
        source.close()
    return floors


def restore(sqlite_path: Path, replica_dir: Path, source_file: Path | None, margin: int) -> dict:
    """Replace the store by the replica's latest state or by `source_file`; returns a summary."""
    data_dir = sqlite_path.parent
    live = _marks_of(sqlite_path)
    if live is None:  # gone or unreadable: its file is replaced, so nothing may run on it
        if replication.running_pid(data_dir):
            raise RestoreRefused("replication_running")
        users = processes_using(sqlite_path) if sqlite_path.exists() else []
        if users:  # a web server or worker would go on writing into the file moved aside
            raise RestoreRefused("store_in_use", pids=", ".join(map(str, users)))
    if source_file is None and not replication.has_replica(replica_dir):
        raise RestoreRefused("no_replica", replica=str(replica_dir))
    if source_file is not None and not source_file.is_file():
        raise RestoreRefused("no_backup", path=str(source_file))
    if source_file is not None and _backup_of_another_store(source_file, sqlite_path):
        raise RestoreRefused("another_store", path=str(source_file), owner=str(source_file.resolve().parent.parent))
    data_dir.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    staging = data_dir / f"restoring-{stamp}.sqlite3"
    staging.unlink(missing_ok=True)
    try:
        if source_file is None:
            replication.restore_replica(replica_dir, staging)
        else:
            _check(source_file)
            backup(source_file, staging)
        _check(staging)
        marks = [live or {}, _marks_of(staging) or {}]
        if source_file is not None and replication.has_replica(replica_dir):
            with tempfile.TemporaryDirectory(dir=data_dir) as scratch:
                copy = Path(scratch) / "replica.sqlite3"
                replication.restore_replica(replica_dir, copy)
                marks.append(_marks_of(copy) or {})
        open_database(staging).close()  # an older backup is migrated to the current schema first
    except BaseException:
        staging.unlink(missing_ok=True)
        raise

    note = f"restore {'from ' + source_file.name if source_file else 'from replica'}"
    aside = data_dir / f"before-restore-{stamp}"
    old_replica = None
    if live is not None:
        aside.mkdir()
        try:
            floors = _restore_in_place(sqlite_path, staging, marks, note, aside)
        finally:
            for path in [staging, *(staging.with_name(staging.name + s) for s in ("-wal", "-shm"))]:
                path.unlink(missing_ok=True)
        skip, moved = 0, True
    else:
        # The replica holds the old store's history: a new one starts from the restored store.
        old_replica = _set_replica_aside(replica_dir, stamp)
        # What is left of the old store (and Litestream's bookkeeping beside it) is moved aside, never deleted.
        moved = []
        for path in [sqlite_path, *(sqlite_path.with_name(sqlite_path.name + s) for s in ("-wal", "-shm")),
                     data_dir / f".{sqlite_path.name}-litestream"]:
            if path.exists():
                aside.mkdir(exist_ok=True)
                shutil.move(str(path), aside / path.name)
                moved.append(path.name)
        staging.replace(sqlite_path)
        skip = margin
        with open_database(sqlite_path) as db:
            floors = numbers.raise_floors(db, numbers.merge(*marks), skip, note, now_iso())

    with open_database(sqlite_path) as db:
        counts = {t: db.execute(f"select count(*) from {t}").fetchone()[0]
                  for t in ("members", "applications", "tickets", "payments") if t in db.table_names()}
    return {"source": str(source_file) if source_file else f"replica {replica_dir}",
            "set_aside": str(aside) if moved else None, "old_replica": str(old_replica) if old_replica else None,
            "live_store_found": live is not None, "in_place": live is not None, "margin": skip, "floors": floors,
            "counts": counts}
