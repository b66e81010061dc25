"""Soak: ten minutes of moderate traffic against the production setup, watching for leaks.

Starts, in a temporary directory, what production runs (bench/load.py's Stack):
a private redis-server, SQLite with 10,000 members and 2,000 postings,
`gunicorn -w 2 bot.wsgi:app` with production settings, one `python -m bot
worker`, and the fake WeChat API for the worker to call. Then sends signed
member messages (every intent, 2,000 senders) at a fixed rate from a Python
open-loop generator on loopback, one minute at a time, for `--minutes`.

Reported: every minute, the requests answered, latency p50/p99 and what the
replies were; at the start (after a one-minute warm-up) and at the end, the RSS
and open file descriptors of every process (gunicorn master and workers,
redis-server, the RQ worker), Redis memory and keys, and the SQLite file size.
Dedupe keys live 10 minutes (BOT_DEDUPE_TTL), so Redis grows for the first ten
minutes by design; the Python processes should not.

Run:  .venv/bin/python bench/soak.py                     # 10 minutes at 100 messages/s
      .venv/bin/python bench/soak.py --minutes 2 --rate 50
"""
from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

import redis

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.bench_delivery import machine  # noqa: E402
from bench.load import LoadResult, Stack, Traffic, open_loop, process_stats, processes_of, senders  # noqa: E402


def snapshot(stack: Stack, pids: list[int]) -> dict:
    r = redis.Redis.from_url(stack.redis_url)
    return {"processes": [stats for pid in pids if (stats := process_stats(pid))],
            "redis_mib": r.info("memory")["used_memory"] / 2**20, "redis_keys": r.dbsize(),
            "sqlite_mib": sum(f.stat().st_size for f in stack.dir.glob("bot.sqlite3*")) / 2**20}


def print_snapshot(title: str, shot: dict) -> None:
    print(f"\n{title}: Redis {shot['redis_mib']:.1f} MiB in {shot['redis_keys']:,} keys, "
          f"SQLite {shot['sqlite_mib']:.1f} MiB (with WAL)")
    print("| pid | RSS (MiB) | open files | process |")
    print("|---:|---:|---:|---|")
    for p in shot["processes"]:
        print(f"| {p['pid']} | {p['rss_mib']:.1f} | {p['files']} | `{p['command']}` |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=int, default=10)
    parser.add_argument("--rate", type=float, default=100, help="messages a second")
    parser.add_argument("--warmup", type=float, default=60, help="seconds before the start figures")
    args = parser.parse_args()
    print(f"# {machine()}; load average {os.getloadavg()[0]:.1f} at start")
    print(f"# {args.rate:.0f} messages/s for {args.minutes} minutes after a {args.warmup:.0f}-second warm-up")
    with Stack(wechat=True) as stack:
        traffic = Traffic(senders(stack.members))
        bot = stack.serve("bot.wsgi:app", log_name="bot")
        worker = stack.start_worker()
        open_loop(bot.port, traffic.message, args.rate, args.warmup)  # every code path loaded once
        pids = processes_of(bot.proc.pid) + [stack.redis_pid, worker.pid]
        start = snapshot(stack, pids)
        print("| minute | answered | p50 | p99 | max | replies | load |")
        print("|---:|---:|---:|---:|---:|---|---:|")
        total = LoadResult()
        for minute in range(1, args.minutes + 1):
            result = open_loop(bot.port, traffic.message, args.rate, 60)
            total.merge(result)
            print(f"| {minute} | {len(result.latencies_ms):,} | {result.quantile(0.5):.1f} ms "
                  f"| {result.quantile(0.99):.1f} ms | {max(result.latencies_ms):.0f} ms "
                  f"| {dict(result.kinds.most_common())} | {os.getloadavg()[0]:.1f} |", flush=True)
        end = snapshot(stack, pids)
        print_snapshot("start (after the warm-up)", start)
        print_snapshot(f"end (after {args.minutes} minutes)", end)
        grown = sum(p["rss_mib"] for p in end["processes"]) - sum(p["rss_mib"] for p in start["processes"])
        print(f"\n{len(total.latencies_ms):,} messages: p50 {total.quantile(0.5):.1f} ms, "
              f"p99 {total.quantile(0.99):.1f} ms; replies {dict(total.kinds.most_common())}; "
              f"RSS of all processes {grown:+.1f} MiB from start to end")


if __name__ == "__main__":
    main()
