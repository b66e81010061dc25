"""Chaos: faults injected into the production setup while members keep writing.

The setup is the soak's (bench/load.py's Stack): private redis-server, SQLite
with members and postings, `gunicorn -w 2 bot.wsgi:app` in production mode,
one `python -m bot worker`, the fake WeChat API. A Python open-loop generator
sends signed member messages at `--rate` throughout each scenario:

  sqlite busy      another process holds SQLite's write lock for 6 s, longer than
                   the 4 s reply budget: members get "稍后发给您" and each of those
                   replies goes out later by customer-service message;
  wechat failing   the WeChat API answers 40 calls in a row with HTTP 503 and every
                   call 2 s late while members subscribe (tag syncs queue up):
                   the webhook does not slow down, and every sync is done once
                   the API recovers;
  web worker kill  one gunicorn worker SIGKILLed: the master starts another, and
                   only requests it held in flight fail (WeChat retries those);
  redis restart    Redis stopped (SIGTERM) for 10 s, then started again: members
                   get the help menu meanwhile, the bot reconnects by itself, a
                   member half-way through the feedback form finishes it after,
                   and jobs put off for later (RQ's retries) still run;
  redis crash      the same with Redis killed (SIGKILL) for 5 s.

Every scenario checks that no request got a 5xx or a traceback and prints PASS or
FAIL with the figures; the exit status is 1 if any failed. Short versions of the
Redis, SQLite and WeChat scenarios run in `make test` (tests/test_faults.py).

Run:  .venv/bin/python bench/chaos.py            # about 5 minutes
      .venv/bin/python bench/chaos.py --rate 30 --only "redis restart"
"""
from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import threading
import time
from datetime import timedelta
from pathlib import Path

import redis
from rq import Queue

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.bench_delivery import machine  # noqa: E402
from bench.load import Stack, Traffic, open_loop, post, processes_of, reply_kind, senders  # noqa: E402
from bot import content  # noqa: E402
from bot.outbound import QUEUE_NAME  # noqa: E402
from storage import state  # noqa: E402
from storage.database import open_database  # noqa: E402
from storage.redis_server import ensure_private_redis, stop_private_redis  # noqa: E402


class Load:
    """`seconds` of traffic at a fixed rate from a background thread, while the `with` block injects a fault."""

    def __init__(self, port: int, traffic: Traffic, rate: float, seconds: float):
        self.thread = threading.Thread(target=self._run, args=(port, traffic, rate, seconds))
        self.result = None

    def _run(self, port, traffic, rate, seconds) -> None:
        self.result = open_loop(port, traffic.message, rate, seconds)

    def __enter__(self) -> "Load":
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.thread.join()


def wait_for(condition, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.2)
    return True


class Chaos:
    def __init__(self, stack: Stack, rate: float):
        self.stack, self.rate = stack, rate
        self.traffic = Traffic(senders(stack.members), seed=3)
        self.bot = stack.serve("bot.wsgi:app", log_name="bot")
        stack.start_worker()
        stack.fake.call("record_user_messages", openids=self.traffic.pool)  # they write, so windows are open
        self.failures = 0

    def load(self, seconds: float) -> Load:
        return Load(self.bot.port, self.traffic, self.rate, seconds)

    def say(self, openid: str, text: str) -> tuple[str, str]:
        """(what kind of reply, its XML) for one message of a member."""
        status, body = post(self.bot.port, *self.traffic.message(openid, text))
        return reply_kind(status, body), body.decode("utf-8", "replace")

    def report(self, name: str, load: Load, checks: dict[str, bool], note: str = "") -> None:
        result = load.result
        checks = {"no 5xx, no failed connection": not any(kind.startswith(("http 5", "connection"))
                                                          for kind in result.kinds), **checks}
        passed = all(checks.values())
        self.failures += not passed
        print(f"\n## {name}: {'PASS' if passed else 'FAIL'}")
        print(f"{len(result.latencies_ms):,} messages at {self.rate:.0f}/s: p50 {result.quantile(0.5):.1f} ms, "
              f"p99 {result.quantile(0.99):.1f} ms, max {max(result.latencies_ms):.0f} ms; "
              f"replies {dict(result.kinds.most_common())}")
        for check, ok in checks.items():
            print(f"- [{'x' if ok else ' '}] {check}")
        if note:
            print(note)

    def redis_outage(self, name: str, kill: bool, seconds: float) -> None:
        midway = f"oChaosMidway{int(kill)}".ljust(28, "0")
        self.say(midway, "我要提建议")  # the feedback form now waits for this member's message
        with self.load(15 + seconds) as load:
            time.sleep(5)
            if kill:
                os.kill(self.stack.redis_pid, signal.SIGKILL)
            else:
                stop_private_redis(self.stack.dir)
            while_away = self.say(f"oChaosAway{int(kill)}".ljust(28, "0"), FEES_QUESTION)
            time.sleep(seconds)
            ensure_private_redis(self.stack.dir)
        body = f"混沌测试：Redis {'崩溃' if kill else '重启'}后继续填写的意见"
        self.say(midway, body)
        db = open_database(self.stack.dir / "bot.sqlite3")
        kept = db.execute("select count(*) from tickets where openid = ? and body = ?", [midway, body]).fetchone()[0]
        db.close()
        after = self.say(f"oChaosAfter{int(kill)}".ljust(28, "0"), FEES_QUESTION)
        delayed = Queue(QUEUE_NAME, connection=redis.Redis.from_url(self.stack.redis_url)).enqueue_in(
            timedelta(seconds=1), len, "put off, as RQ puts off a retry")
        checks = {"a member is answered (the help menu) while Redis is away": HELP in while_away[1],
                  "the bot uses Redis again by itself afterwards": after[0] == "reply" and HELP not in after[1],
                  "jobs put off for later (RQ's retries) still run afterwards":
                      wait_for(lambda: delayed.get_status(refresh=True) == "finished", 20)}
        if not kill:
            checks["the form open before the restart is finished after it"] = kept == 1
        note = "" if not kill else (f"The form open before the crash {'survived' if kept else 'was lost'} (Redis "
                                    "saves every 60 s here; an unsaved form is lost and the member starts again).")
        self.report(name, load, checks, note)

    def sqlite_busy(self, hold: float = 6.0) -> None:
        sent_before = sum(self.stack.fake.call("delivered_counts").values())
        hold_lock = ("import sys, time\nfrom storage.database import open_database\n"
                     "db = open_database(sys.argv[1])\ndb.execute('BEGIN IMMEDIATE')\n"
                     f"time.sleep({hold})\ndb.execute('COMMIT')\n")
        with self.load(20) as load:
            time.sleep(5)
            subprocess.run([sys.executable, "-c", hold_lock, str(self.stack.dir / "bot.sqlite3")], cwd=ROOT, check=True)
        late = load.result.kinds["late"]
        delivered = wait_for(lambda: sum(self.stack.fake.call("delivered_counts").values()) - sent_before >= late, 60)
        sent = sum(self.stack.fake.call("delivered_counts").values()) - sent_before
        over_5s = sum(latency > 5000 for latency in load.result.latencies_ms)
        self.report(f"sqlite busy ({hold:.0f} s write lock)", load, {
            "replies past the budget were said to follow": late > 0,
            f"every late reply was sent afterwards ({sent} of {late})": delivered and sent == late,
        }, f"Answered after more than WeChat's 5 s: {over_5s} (queued behind workers that waited for the lock; "
           "WeChat retries those, and a retry gets the stored reply).")

    def wechat_failing(self) -> None:
        r = redis.Redis.from_url(self.stack.redis_url)
        with self.load(10) as calm:
            pass
        # Through the fake's `configure`: the next 40 calls answer 503, and every answer comes 2 s late.
        self.stack.fake.call("configure", _http_faults=[[None, 503]] * 40, _delay=2.0)
        subscribers = [f"oChaosSub{i:04d}".ljust(28, "0") for i in range(40)]
        with self.load(30) as load:
            subscribed = [self.say(openid, "订阅行业动态")[0] for openid in subscribers]
        self.stack.fake.call("configure", _delay=0)
        synced = wait_for(lambda: state.tag_syncs_pending(r) == 0, 120)
        calm_p99, p99 = calm.result.quantile(0.99), load.result.quantile(0.99)
        self.report("wechat failing (40 calls 503, all 2 s late)", load, {
            "members who subscribed were answered at once": subscribed == ["reply"] * len(subscribers),
            f"webhook p99 unaffected ({p99:.0f} ms, {calm_p99:.0f} ms before)": p99 < max(50.0, 2 * calm_p99),
            "every tag sync done once the API recovered": synced,
        })

    def web_worker_killed(self) -> None:
        master = self.bot.proc.pid
        with self.load(20) as load:
            time.sleep(5)
            os.kill(max(processes_of(master)[1:]), signal.SIGKILL)
            replaced = wait_for(lambda: len(processes_of(master)) == 3, 30)
        lost = load.result.kinds["connection failed"]
        load.result.kinds.pop("connection failed", None)
        self.report("web worker killed", load, {"gunicorn started another worker": replaced,
                                                f"only requests in flight failed ({lost})": lost <= 2})


HELP = content.text("help.text")
FEES_QUESTION = "我的会费交到什么时候了"  # answered with the fee schedule, unless Redis is away
SCENARIOS = {  # Redis last: the worker and its scheduler take a few seconds to come back after it
    "sqlite busy": Chaos.sqlite_busy,
    "wechat failing": Chaos.wechat_failing,
    "web worker kill": Chaos.web_worker_killed,
    "redis restart": lambda chaos: chaos.redis_outage("redis restart (10 s away)", kill=False, seconds=10),
    "redis crash": lambda chaos: chaos.redis_outage("redis crash (SIGKILL, 5 s away)", kill=True, seconds=5),
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rate", type=float, default=60, help="messages a second throughout")
    parser.add_argument("--only", choices=SCENARIOS, action="append")
    args = parser.parse_args()
    print(f"# {machine()}; load average {os.getloadavg()[0]:.1f} at start")
    with Stack(wechat=True) as stack:
        chaos = Chaos(stack, args.rate)
        open_loop(chaos.bot.port, chaos.traffic.message, args.rate, 10)  # warm-up
        for name in args.only or SCENARIOS:
            SCENARIOS[name](chaos)
        print(f"\n{len(args.only or SCENARIOS) - chaos.failures} passed, {chaos.failures} failed")
    sys.exit(1 if chaos.failures else 0)


if __name__ == "__main__":
    main()
