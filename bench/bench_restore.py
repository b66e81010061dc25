"""A society restored while it is served (storage/backups.restore, in place): how long writers wait.

The restore writes the backup into the live store through SQLite's backup API under the store's
write lock, so a web process or worker that writes meanwhile waits (up to its busy timeout, 10 s)
and one that reads goes on reading the old content. This copies a store (the largest society of
bench/bench_province.py's province by default), backs it up, then restores that backup in place
while a writer thread (one small write every 20 ms, as messages do) and a reader thread (a
member's row every 20 ms) run on connections opened before, as a web process's pool holds them;
it prints the restore's time and the longest write and read waits, and checks nothing failed.

    .venv/bin/python bench/bench_province.py --data /tmp/xh-province        # once: builds the province
    .venv/bin/python bench/bench_restore.py --store /tmp/xh-province/societies/<largest>/bot.sqlite3
"""
from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.bench_delivery import machine  # noqa: E402
from storage import backups  # noqa: E402
from storage.database import open_database  # noqa: E402


class Probe(threading.Thread):
    """One statement every `every` seconds on a connection opened before the restore; its times."""

    def __init__(self, path: Path, statement, every: float = 0.02):
        super().__init__(daemon=True)
        self.db = open_database(path, apply_migrations=False)
        self.statement, self.every = statement, every
        self.times: list[float] = []
        self.errors: list[str] = []
        self.stop = threading.Event()

    def run(self):
        while not self.stop.is_set():
            started = time.perf_counter()
            try:
                self.statement(self.db)
            except Exception as error:  # noqa: BLE001  (a failed write is what this counts)
                self.errors.append(str(error))
            self.times.append(time.perf_counter() - started)
            time.sleep(self.every)


def write(db) -> None:
    with db.conn:
        db.execute("insert into bench_writes (at) values (?)", [time.time()])


def read(db) -> None:
    db.execute("select name from members where id = 1").fetchone()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--store", type=Path, required=True, help="a society's store to copy (not touched)")
    args = parser.parse_args()
    print(machine(), flush=True)
    work = Path(tempfile.mkdtemp(prefix="xh-bench-restore-"))
    try:
        live = work / "data" / "bot.sqlite3"
        started = time.perf_counter()
        backups.backup(args.store, live)
        with open_database(live) as db:
            db.execute("create table if not exists bench_writes (id integer primary key, at real)")
            members = db.execute("select count(*) from members").fetchone()[0]
        saved = work / "data" / "backups" / "bot-saved.sqlite3"
        backups.backup(live, saved)
        print(f"store {live.stat().st_size / 2**20:.0f} MiB, {members:,} members; copied and backed up in "
              f"{time.perf_counter() - started:.1f} s", flush=True)
        writer, reader = Probe(live, write), Probe(live, read)
        writer.start(), reader.start()
        time.sleep(1)
        started = time.perf_counter()
        summary = backups.restore(live, work / "replica", saved, margin=1000)
        seconds = time.perf_counter() - started
        time.sleep(1)
        writer.stop.set(), reader.stop.set()
        writer.join(), reader.join()
        print(f"restored in place in {seconds:.1f} s ({summary['counts']['members']:,} members); "
              f"writes: {len(writer.times)}, longest wait {max(writer.times) * 1000:.0f} ms, failed {len(writer.errors)}; "
              f"reads: {len(reader.times)}, longest {max(reader.times) * 1000:.0f} ms, failed {len(reader.errors)}",
              flush=True)
        print(f"load average {os.getloadavg()[0]:.1f}")
        assert summary["in_place"] and not writer.errors and not reader.errors
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
