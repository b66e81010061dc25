"""Delivery of one newsletter item to every member, against the fake WeChat API.

For each worker count: a fresh data directory (SQLite file, private Redis),
the fake WeChat API in a process of its own (so it does not share a GIL with
anything measured; its rate limits off), N members inserted straight into
SQLite, a share of them with an open customer-service window (as if they had
written in the last 48 hours), then

  enqueue   delivery.enqueue_broadcast for all N (rows + RQ jobs), timed here;
  deliver   N `python -m bot worker --burst` processes started, timed until
            every row is settled (worker start-up included, ~1-2 s);
  check     every row's status against what the fake received: duplicates
            (an openid that got the item twice) and losses (a row `sent` the
            fake never delivered, or a row never settled) must both be 0.

"load" is the 1-minute load average while delivering, our own processes
included (workers + fake + Redis): on a machine shared with other work it
says how much of the time went to waiting for a core.

The token bucket is set high (DELIVERY_RATE_PER_SECOND) so that the workers,
SQLite and the fake are what is measured, not the configured pace.

Run:  .venv/bin/python bench/bench_delivery.py                      # 10,000 and 100,000 members; 1, 2, 4 workers
      .venv/bin/python bench/bench_delivery.py --members 20000 --workers 1 2 4 --cs-share 0.2
"""
from __future__ import annotations

import argparse
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot import delivery  # noqa: E402
from bot.config import load_config  # noqa: E402
from storage import state  # noqa: E402
from storage.database import now_iso, open_database  # noqa: E402
from storage.redis_server import ensure_private_redis, stop_private_redis  # noqa: E402
from tests.fake_wechat import FakeProcess  # noqa: E402

APP_ID, APP_SECRET = "wxbench000000000000", "benchsecret"
FINAL = {"sent", "inbox", "unreachable", "failed", "uncertain"}


def one_run(members: int, workers: int, cs_share: float) -> dict:
    data_dir = Path(tempfile.mkdtemp(prefix="xh-bench-"))
    fake = FakeProcess(APP_ID, APP_SECRET, mass_calls_per_minute=None, calls_per_second=None)
    redis_url, _ = ensure_private_redis(data_dir)
    env = dict(os.environ, BOT_DATA_DIR=str(data_dir), REDIS_URL=redis_url, WECHAT_API_BASE=fake.api_base,
               WECHAT_APP_ID=APP_ID, WECHAT_APP_SECRET=APP_SECRET, DELIVERY_RATE_PER_SECOND="100000",
               DELIVERY_RATE_BURST="1000", MASS_SEND_PER_MINUTE="100000")
    os.environ.update(env)  # enqueue_broadcast reads its settings here, as the CLI would
    config = load_config()
    r = state.connect_redis(config)
    db = open_database(config.sqlite_path)
    try:
        recipients = _members(db, members)
        item_id = db["newsletters"].insert({
            "item_no": "bench", "kind": "newsletter", "title": "基准测试会讯", "topics": '["policy"]',
            "summary": "十万会员一次推送", "link": "https://www.example.org/news/bench", "status": "published",
            "created_at": now_iso()}).last_pk
        writers = [openid for openid, _ in recipients[:int(members * cs_share)]]
        _open_windows(fake, r, config, writers)

        started = time.perf_counter()
        delivery.enqueue_broadcast(db, r, item_id, recipients)
        enqueue_seconds = time.perf_counter() - started

        started, loads = time.perf_counter(), []
        procs = [subprocess.Popen([sys.executable, "-m", "bot", "worker", "--burst"], env=env, cwd=ROOT,
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL) for _ in range(workers)]
        while not _all_settled(db, item_id) and any(p.poll() is None for p in procs):
            time.sleep(0.2)
            loads.append(os.getloadavg()[0])
        deliver_seconds = time.perf_counter() - started
        for proc in procs:
            proc.wait(timeout=600)

        counts = delivery.delivery_counts(db, item_id)
        received = fake.call("delivered_counts")
        statuses = {row["openid"]: row["status"] for row in db["deliveries"].rows_where("item_id = ?", [item_id],
                                                                                        select="openid, status")}
        calls = fake.call("stats")["calls"]
        return {
            "members": members, "workers": workers, "cs_share": cs_share,
            "enqueue_s": enqueue_seconds, "deliver_s": deliver_seconds,
            "per_s": members / deliver_seconds, "load": sum(loads) / max(1, len(loads)),
            "api_calls": sum(n for endpoint, n in calls.items() if endpoint != "token"),
            "status": counts["status"], "channel": counts["channel"],
            "duplicates": sum(n - 1 for n in received.values() if n > 1),
            "losses": sum(1 for openid, _ in recipients if statuses.get(openid) not in FINAL
                          or (statuses[openid] == "sent" and not received.get(openid))),
        }
    finally:
        db.close()
        fake.stop()
        stop_private_redis(data_dir)
        shutil.rmtree(data_dir, ignore_errors=True)


def _members(db, n: int) -> list[tuple[str, int]]:
    now = now_iso()
    db["members"].insert_all(({"openid": f"oBench{i:07d}".ljust(28, "x"), "name": f"会员{i}", "category": "regular",
                               "status": "active", "reachable": 1, "created_at": now} for i in range(n)),
                             batch_size=5000)
    return [(row["openid"], row["id"]) for row in db["members"].rows_where(select="openid, id", order_by="id")]


def _open_windows(fake: FakeProcess, r, config, openids: list[str]) -> None:
    """These members wrote recently: WeChat (the fake) and our Redis both know their window is open."""
    for first in range(0, len(openids), 5000):
        fake.call("record_user_messages", openids=openids[first:first + 5000])
    with r.pipeline(transaction=False) as pipe:
        for openid in openids:
            state.open_service_window(pipe, openid, "message", *config.cs_message_window)
        pipe.execute()


def _all_settled(db, item_id: int) -> bool:
    return not db.execute("select 1 from deliveries where item_id = ? and status not in "
                          "('sent', 'inbox', 'unreachable', 'failed', 'uncertain') limit 1", [item_id]).fetchone()


def machine() -> str:
    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), platform.processor())
    memory = next(line.split()[1] for line in Path("/proc/meminfo").read_text().splitlines()
                  if line.startswith("MemTotal"))
    return (f"{os.cpu_count()} cores ({cpu}), {int(memory) // 1024 // 1024} GiB RAM, {platform.system()} "
            f"{platform.release()}, Python {platform.python_version()}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--members", type=int, nargs="+", default=[10_000, 100_000],
                        help="sizes to run (ten times smaller first, to show how the figures grow)")
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2, 4])
    parser.add_argument("--cs-share", type=float, default=0.2,
                        help="share of members with an open customer-service window")
    args = parser.parse_args()
    print(machine())
    print("| members | workers | enqueue | deliver | recipients/s | API calls | sent (customer service / mass) "
          "| inbox | duplicates | losses | load |")
    print("|---:|---:|---:|---:|---:|---:|---|---:|---:|---:|---:|")
    for members, workers in ((m, w) for m in args.members for w in args.workers):
        result = one_run(members, workers, args.cs_share)
        channel, status = result["channel"], result["status"]
        print(f"| {result['members']:,} | {workers} | {result['enqueue_s']:.1f} s | {result['deliver_s']:.1f} s "
              f"| {result['per_s']:,.0f} | {result['api_calls']:,} "
              f"| {status.get('sent', 0):,} ({channel.get('customer_service', 0):,} / {channel.get('mass', 0):,}) "
              f"| {status.get('inbox', 0):,} | {result['duplicates']} | {result['losses']} "
              f"| {result['load']:.1f} |", flush=True)


if __name__ == "__main__":
    main()
