"""Acknowledged writes at risk when the machine is lost (Litestream file replica).

Each trial: 3 writer processes file applications, approve them, record payments and open
tickets as fast as they can (tests/replication_traffic.py) while Litestream replicates; after
a random 2-4 s of traffic every process is SIGKILLed, the data directory deleted, the store restored from
the replica with `python -m bot db restore --yes`. A write is lost when a number printed as
acknowledged is not in the restored store; its age is how long before the loss it was
acknowledged. The window at risk is the oldest lost write's age (0 when nothing was lost).

    .venv/bin/python bench/bench_replication.py [--trials 10] [--sync-ms 200] [--pause 0.02]
"""
from __future__ import annotations

import argparse
import os
import random
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from storage import replication  # noqa: E402
from storage.database import open_database  # noqa: E402
from tests.test_replication import Writers, stored_numbers  # noqa: E402


def trial(sync_ms: int, writers: int, pause: float) -> dict:
    root = Path(tempfile.mkdtemp(prefix="bench-replica-"))
    data_dir, replica_dir = root / "data", root / "replica"
    store = data_dir / "bot.sqlite3"
    open_database(store).close()
    pid, _ = replication.ensure_replication(store, replica_dir, sync_ms)
    while not replication.has_replica(replica_dir):  # replicating before the first member writes
        time.sleep(0.05)
    traffic = Writers(store, writers, pause)
    while len(traffic.acks) < writers:  # every writer has started (Python's start-up is slow under load)
        time.sleep(0.05)
    time.sleep(random.uniform(2.0, 4.0))
    lost_at = time.time()
    traffic.kill()
    os.kill(pid, signal.SIGKILL)
    acked = list(traffic.acks)
    shutil.rmtree(data_dir)
    env = dict(os.environ, BOT_DATA_DIR=str(data_dir), BOT_REPLICA_DIR=str(replica_dir), BOT_ENV="development")
    started = time.monotonic()
    subprocess.run([sys.executable, "-m", "bot", "db", "restore", "--yes"], env=env, check=True,
                   capture_output=True, cwd=Path(__file__).resolve().parent.parent)
    restore_seconds = time.monotonic() - started
    restored = stored_numbers(store)
    lost = [a for a in acked if restored[a["kind"]].get(a["number"]) != a["openid"]]
    shutil.rmtree(root, ignore_errors=True)
    return {"acked": len(acked), "lost": len(lost), "rate": len(acked) / max(acked[-1]["at"] - acked[0]["at"], 1e-9),
            "window": max((lost_at - a["at"] for a in lost), default=0.0), "restore": restore_seconds}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--trials", type=int, default=10)
    parser.add_argument("--sync-ms", type=int, default=200)
    parser.add_argument("--writers", type=int, default=3)
    parser.add_argument("--pause", type=float, default=0.0, help="seconds each writer rests between rounds")
    args = parser.parse_args()
    results = [trial(args.sync_ms, args.writers, args.pause) for _ in range(args.trials)]
    print(f"Litestream file replica, sync-interval {args.sync_ms} ms, {args.writers} writers, "
          f"{args.trials} trials, pause {args.pause} s")
    print("| trial | acknowledged | write rate /s | lost | oldest lost write (s before loss) | restore (s) |")
    print("|---:|---:|---:|---:|---:|---:|")
    for n, r in enumerate(results, 1):
        print(f"| {n} | {r['acked']} | {r['rate']:.0f} | {r['lost']} | {r['window']:.3f} | {r['restore']:.2f} |")
    windows = [r["window"] for r in results]
    print(f"\nwindow at risk: max {max(windows):.3f} s, median {statistics.median(windows):.3f} s; "
          f"lost writes per trial: max {max(r['lost'] for r in results)}")


if __name__ == "__main__":
    main()
