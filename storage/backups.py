"""Backups and restores of the member store, and what a restore must not undo.

`backup` copies the live store with SQLite's online backup API (safe while serving).
`restore` rebuilds it from the Litestream replica or from a backup file: the new store is
built and checked beside the old one, the old one is moved aside (never deleted), and the
numbering floors are raised (storage.numbers) so that no receipt, application, ticket or
member number that was ever issued is issued again:

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
from storage.database import now_iso, open_database


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


def _marks_of(path: Path) -> dict[str, int] | None:
    """The high-water marks of a store file, or None when it is missing or unreadable."""
    if not path.exists():
        return None
    try:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            if conn.execute("pragma quick_check").fetchone()[0] != "ok":
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
            if any(os.readlink(fd) in names for fd in fd_dir.iterdir()):
                found.append(pid)
        except OSError:  # gone meanwhile, or not ours to look at
            continue
    return found


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


def restore(sqlite_path: Path, replica_dir: Path, source_file: Path | None, margin: int) -> dict:
    """Replace the store by the replica's latest state or by `source_file`; returns a summary."""
    data_dir = sqlite_path.parent
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
        live = _marks_of(sqlite_path)
        marks = [live or {}, _marks_of(staging) or {}]
        if source_file is not None and replication.has_replica(replica_dir):
            with tempfile.TemporaryDirectory(dir=data_dir) as scratch:
                copy = Path(scratch) / "replica.sqlite3"
                replication.restore_replica(replica_dir, copy)
                marks.append(_marks_of(copy) or {})
    except BaseException:
        staging.unlink(missing_ok=True)
        raise

    # The replica holds the old store's history: a new one starts from the restored store.
    old_replica = _set_replica_aside(replica_dir, stamp)
    # The old store (and Litestream's bookkeeping beside it) is moved aside, never deleted.
    aside = data_dir / f"before-restore-{stamp}"
    moved = []
    for path in [sqlite_path, *(sqlite_path.with_name(sqlite_path.name + s) for s in ("-wal", "-shm")),
                 data_dir / f".{sqlite_path.name}-litestream"]:
        if path.exists():
            aside.mkdir(exist_ok=True)
            shutil.move(str(path), aside / path.name)
            moved.append(path.name)
    staging.replace(sqlite_path)

    db = open_database(sqlite_path)  # an older backup is migrated to the current schema
    skip = 0 if live is not None else margin
    floors = numbers.raise_floors(db, numbers.merge(*marks), skip,
                                  f"restore {'from ' + source_file.name if source_file else 'from replica'}",
                                  now_iso())
    counts = {t: db.execute(f"select count(*) from {t}").fetchone()[0]
              for t in ("members", "applications", "tickets", "payments") if t in db.table_names()}
    db.close()
    return {"source": str(source_file) if source_file else f"replica {replica_dir}",
            "set_aside": str(aside) if moved else None, "old_replica": str(old_replica) if old_replica else None,
            "live_store_found": live is not None, "margin": skip, "floors": floors, "counts": counts}
