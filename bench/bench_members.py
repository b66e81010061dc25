"""Member lookup by openid and the whole per-message path, at 100,000 and 1,000,000 members.

For each size: a fresh data directory (SQLite file, private Redis), N members
inserted straight into SQLite (realistic rows: numbers, 28-character openids,
names, categories, mobiles, paid-through dates; 2% of them with some
payments), then

  lookup    storage.members.find_member_by_openid for random bound openids
            (hits) and for openids nobody bound (misses: a follower who is no
            member, as for most messages);
  answer    bot.webhook.answer() for a bound member asking for their dues
            ("我的会费交到什么时候了": member + payments lookup) or their card
            ("我的会员信息"): the claim, the per-member Redis lock and flow,
            routing, the handler, the inbox note, the reply XML kept for
            retries. This is everything the webhook does after parsing.

Every timing runs once to warm the page cache, then is measured.

Run:  .venv/bin/python bench/bench_members.py                        # 100,000 and 1,000,000 members
      .venv/bin/python bench/bench_members.py --sizes 200000 --lookups 5000 --messages 1000
"""
from __future__ import annotations

import argparse
import hashlib
import itertools
import os
import random
import shutil
import sqlite3
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import handlers  # noqa: E402
from bench.bench_delivery import machine  # noqa: E402
from bench.bench_jobs import percentile  # noqa: E402
from bot.app import Services  # noqa: E402
from bot.config import load_config  # noqa: E402
from bot.webhook import answer  # noqa: E402
from bot.messages import Inbound  # noqa: E402
from storage.database import now_iso, open_database  # noqa: E402
from storage.members import find_member_by_openid  # noqa: E402
from storage.redis_server import ensure_private_redis, stop_private_redis  # noqa: E402

handlers.register()  # the chat sides answer the questions below

CATEGORIES = ["regular"] * 70 + ["student"] * 20 + ["senior"] * 9 + ["fellow"]
STATUSES = ["active"] * 98 + ["suspended", "resigned"]  # standing (grace, lapsed) follows paid_through
SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华建国志红玉兰文斌鹏辉"
UNITS = ["郑州大学", "河南大学", "河南农业大学", "河南理工大学", "中国科学院郑州分院", "河南省农业科学院",
         "郑州宇通客车股份有限公司", "中铁工程装备集团", "河南省科学技术协会", "洛阳理工学院"]
QUESTIONS = ["我的会费交到什么时候了", "我的会员信息"]


def openid_of(i: int) -> str:
    """A 28-character openid like WeChat's, stable per index."""
    return "o" + hashlib.sha1(f"member-{i}".encode()).hexdigest()[:27]


def stranger_of(i: int) -> str:
    return "o" + hashlib.sha1(f"stranger-{i}".encode()).hexdigest()[:27]


def add_members(db, n: int, seed: int = 3) -> None:
    """N members (and some payments) inserted in bulk; ids are 1..N in openid_of order."""
    rng = random.Random(seed)
    now = now_iso()
    today = date.today()

    def rows():
        for i in range(n):
            year = 2000 + i % 26
            paid_through = (today + timedelta(days=rng.randint(-400, 700))).isoformat()
            yield (f"HNKX{year}{i:07d}", openid_of(i), rng.choice(SURNAMES) + rng.choice(GIVEN) + rng.choice(GIVEN),
                   rng.choice(CATEGORIES), 1950 + i % 55, rng.choice(UNITS), f"1{rng.randint(3, 9)}{i:09d}",
                   rng.choice(STATUSES), paid_through, f"{year}-03-01", now, now)

    with db.conn:
        db.conn.execute("BEGIN")
        db.conn.executemany(
            "INSERT INTO members (member_no, openid, name, category, birth_year, work_unit, mobile, status, "
            "paid_through, joined_at, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", rows())
        db.conn.executemany(
            "INSERT INTO payments (member_id, amount, years, method, paid_at, period_from, period_to, source) "
            "VALUES (?, 100, 1, '银行转账', ?, ?, ?, 'bench')",
            ((member_id, f"{year}-01-15", f"{year}-01-01", f"{year}-12-31")
             for member_id in range(1, n + 1, 50) for year in (2023, 2024, 2025)))
        db.conn.execute("COMMIT")


def timed_ms(calls) -> list[float]:
    timings = []
    for call in calls:
        started = time.perf_counter()
        call()
        timings.append((time.perf_counter() - started) * 1000)
    return timings


def summary(timings: list[float]) -> dict:
    return {"p50": percentile(timings, 0.5), "p99": percentile(timings, 0.99), "max": max(timings)}


def one_size(n: int, lookups: int, messages: int) -> dict:
    data_dir = Path(tempfile.mkdtemp(prefix="xh-bench-members-"))
    redis_url, _ = ensure_private_redis(data_dir)
    config = load_config({**os.environ, "BOT_DATA_DIR": str(data_dir), "REDIS_URL": redis_url})
    try:
        db = open_database(config.sqlite_path)
        started = time.perf_counter()
        add_members(db, n)
        load_seconds = time.perf_counter() - started
        rng = random.Random(5)
        bound = [openid_of(rng.randrange(n)) for _ in range(lookups)]
        strangers = [stranger_of(i) for i in range(lookups)]
        for openid in bound + strangers:  # warm-up
            find_member_by_openid(db, openid)
        hits = timed_ms(lambda openid=openid: find_member_by_openid(db, openid) for openid in bound)
        misses = timed_ms(lambda openid=openid: find_member_by_openid(db, openid) for openid in strangers)

        services = Services(config)
        msg_ids = itertools.count(1)

        def ask(openid: str, text: str):
            return lambda: answer(services, Inbound(openid=openid, account="gh_bench", kind="text",
                                                    create_time=int(time.time()), text=text,
                                                    msg_id=str(next(msg_ids))))

        asks = [ask(openid_of(rng.randrange(n)), QUESTIONS[i % len(QUESTIONS)]) for i in range(messages)]
        timed_ms(asks[:200])  # warm-up (the first call loads the router)
        per_message = timed_ms(asks)
        db.close()
        return {"members": n, "load_seconds": load_seconds,
                "db_mb": config.sqlite_path.stat().st_size / 1e6,
                "hit": summary(hits), "miss": summary(misses), "answer": summary(per_message)}
    finally:
        stop_private_redis(data_dir)
        shutil.rmtree(data_dir, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[100_000, 1_000_000])
    parser.add_argument("--lookups", type=int, default=20_000, help="timed lookups of each kind")
    parser.add_argument("--messages", type=int, default=2_000, help="timed answer() calls")
    args = parser.parse_args()
    print(f"# {machine()}, SQLite {sqlite3.sqlite_version}, load average {os.getloadavg()[0]:.1f} at start")
    print(f"# {args.lookups:,} lookups of each kind, {args.messages:,} answer() calls, after a warm-up")
    print("| members | insert (s) | DB (MB) | lookup hit p50 / p99 | lookup miss p50 / p99 | answer() p50 / p99 / max |")
    print("|---:|---:|---:|---:|---:|---:|")
    for n in args.sizes:
        r = one_size(n, args.lookups, args.messages)
        hit, miss, per_message = r["hit"], r["miss"], r["answer"]
        print(f"| {n:,} | {r['load_seconds']:.0f} | {r['db_mb']:.0f} "
              f"| {hit['p50']:.3f} / {hit['p99']:.3f} ms | {miss['p50']:.3f} / {miss['p99']:.3f} ms "
              f"| {per_message['p50']:.2f} / {per_message['p99']:.2f} / {per_message['max']:.2f} ms |", flush=True)


if __name__ == "__main__":
    main()
