"""The province's webhook (issue 19): mixed member traffic for 150 accounts through /wechat/<appid>.

Serves the province that bench/bench_province.py builds (150 societies, about 3,000,000 members in
their own SQLite files; `--data` reuses a build) with `gunicorn -w 2 --preload bot.wsgi:app`, the
third-party platform configured, a private redis-server and production settings. Every message
goes to /wechat/<appid> encrypted with the platform's key, as WeChat sends an authorised account's
messages:

  senders   a society drawn in proportion to its members (the 200,000-member society gets 200,000
            times a 1-member society's share), then one of its members (85%) or a follower who is
            not a member (15%);
  messages  80% texts of every intent (tests/data/router_labelled.jsonl, members' own words), 15%
            menu clicks (every click key of content/menu.toml), 5% follows; every MsgId unique.

  peak      closed loop, 16 connections, `--rounds` rounds of `--seconds`: messages/s and p99;
  latency   open loop at `--latency-share` of the median peak (each request timed from when it
            was due, so queueing is not hidden): p50, p99, and what every reply was;
  memory    each web worker's private memory (Private_Clean + Private_Dirty), PSS and RSS after
            all of it, and the society stores it holds open.

PLATFORM_IDLE_STORES is set to the number of societies (docs/platform.md: a host keeps every store
it serves open). The 1-minute load average is printed beside every figure: the machine is shared.

Run:  .venv/bin/python bench/bench_province_traffic.py --data /tmp/xh-province     # ~4 minutes after the build
"""
from __future__ import annotations

import argparse
import bisect
import itertools
import json
import os
import random
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.bench_delivery import machine  # noqa: E402
from bench.bench_memory import smaps  # noqa: E402
from bench.bench_platform import COMPONENT_ENV, PLATFORM  # noqa: E402
from bench.bench_province import built_province, ensure_province, member_openid  # noqa: E402
from bench.bench_province_notice import load  # noqa: E402
from bench.load import (  # noqa: E402
    ACCOUNT_ID,
    closed_loop,
    free_port,
    member_texts,
    menu_keys,
    open_loop,
    post,
    processes_of,
    production_env,
    stop,
)
from storage.redis_server import ensure_private_redis, stop_private_redis  # noqa: E402

CLICKS, FOLLOWS, STRANGERS = 0.15, 0.05, 0.15


class ProvinceTraffic:
    """Encrypted platform messages to /wechat/<appid>, senders weighted by their society's size."""

    def __init__(self, appids: list[str], sizes: list[int], seed: int = 1, pool: int = 50_000):
        self.rng = random.Random(seed)
        self.texts, self.keys = member_texts(), menu_keys()
        cumulative = list(itertools.accumulate(sizes))
        self.senders = []  # (appid, openid), drawn once: events go to them in turn (see below)
        for _ in range(pool):
            index = bisect.bisect_right(cumulative, self.rng.randrange(cumulative[-1]))
            appid = appids[index]
            if self.rng.random() < STRANGERS:
                openid = "oStranger" + f"{self.rng.randrange(10**12):019d}"
            else:
                openid = member_openid(appid, self.rng.randrange(sizes[index]))
            self.senders.append((appid, openid))
        self.msg_ids = itertools.count(int(time.time() * 1000) * 1000 + seed * 10**9)
        self.events = itertools.count()
        self.started = int(time.time())

    def message(self) -> tuple[str, bytes]:
        draw = self.rng.random()
        if draw < CLICKS:
            return self._event("CLICK", self.rng.choice(self.keys))
        if draw < CLICKS + FOLLOWS:
            return self._event("subscribe", "")
        appid, openid = self.rng.choice(self.senders)
        return self._post(appid, f"<FromUserName><![CDATA[{openid}]]></FromUserName>"
                                 f"<CreateTime>{int(time.time())}</CreateTime><MsgType><![CDATA[text]]></MsgType>"
                                 f"<Content><![CDATA[{self.rng.choice(self.texts)}]]></Content>"
                                 f"<MsgId>{next(self.msg_ids)}</MsgId>")

    def _event(self, event: str, key: str) -> tuple[str, bytes]:
        """Events have no MsgId (WeChat's retry key is sender + CreateTime + event + key): the pool's
        senders in turn, each round one second earlier, so no two are taken for retries of each other."""
        n = next(self.events)
        appid, openid = self.senders[n % len(self.senders)]
        return self._post(appid, f"<FromUserName><![CDATA[{openid}]]></FromUserName>"
                                 f"<CreateTime>{self.started - n // len(self.senders)}</CreateTime>"
                                 f"<MsgType><![CDATA[event]]></MsgType><Event><![CDATA[{event}]]></Event>"
                                 f"<EventKey><![CDATA[{key}]]></EventKey>")

    def _post(self, appid: str, fields: str) -> tuple[str, bytes]:
        xml = f"<xml><ToUserName><![CDATA[{ACCOUNT_ID}]]></ToUserName>{fields}</xml>"
        query, body = PLATFORM.encrypted_request(xml, ACCOUNT_ID, nonce=str(self.rng.randrange(10**9)))
        return f"/wechat/{appid}?" + "&".join(f"{k}={v}" for k, v in query.items()), body


def serve(data_dir: Path, redis_url: str, societies: int, workers: int) -> tuple[subprocess.Popen, int]:
    port = free_port()
    env = dict(production_env(data_dir, redis_url), **COMPONENT_ENV, PLATFORM_IDLE_STORES=str(societies))
    log = (data_dir / f"traffic-gunicorn-{port}.log").open("wb")
    proc = subprocess.Popen([sys.executable, "-m", "gunicorn", "-w", str(workers), "-b", f"127.0.0.1:{port}",
                             "--preload", "bot.wsgi:app"], env=env, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT)
    return proc, port


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, required=True, help="the province's directory (built if missing)")
    parser.add_argument("--societies", type=int, default=150)
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--latency-share", type=float, default=0.5, help="open-loop rate, as a share of the peak")
    parser.add_argument("--latency-seconds", type=float, default=30)
    args = parser.parse_args()

    print(machine(), flush=True)
    registry, sizes, _ = ensure_province(args.data, args.societies, args.scale)
    registry.close()
    appids = built_province(args.data)["appids"]
    redis_url, _ = ensure_private_redis(args.data)
    proc, port = serve(args.data, redis_url, len(appids), args.workers)
    try:
        traffic = ProvinceTraffic(appids, sizes)
        deadline = time.monotonic() + 120
        while post(port, *traffic.message(), timeout=10)[0] != 200:
            assert proc.poll() is None and time.monotonic() < deadline, "gunicorn did not start"
            time.sleep(0.3)
        started = time.perf_counter()
        for appid in appids:  # every store opened once, as after a day's traffic
            status = 0
            while status != 200:
                status, _ = post(port, *ProvinceTraffic([appid], [1], pool=10).message())
        print(json.dumps({"warm_up_s": round(time.perf_counter() - started, 1), "societies": len(appids),
                          "members": sum(sizes), "load": load()}), flush=True)

        peaks = []
        for round_no in range(1, args.rounds + 1):
            result = closed_loop(port, traffic.message, args.connections, args.seconds)
            peaks.append(result.rate)
            print(json.dumps({"peak_round": round_no, "per_s": round(result.rate, 1),
                              "p50_ms": round(result.quantile(0.5), 1), "p99_ms": round(result.quantile(0.99), 1),
                              "replies": dict(result.kinds), "load": load()}, ensure_ascii=False), flush=True)
        rate = statistics.median(peaks) * args.latency_share
        result = open_loop(port, traffic.message, rate, args.latency_seconds)
        print(json.dumps({"open_loop_per_s": round(rate, 1), "p50_ms": round(result.quantile(0.5), 1),
                          "p99_ms": round(result.quantile(0.99), 1), "max_ms": round(max(result.latencies_ms), 1),
                          "generator_lag_ms": round(result.lag_ms, 1), "replies": dict(result.kinds),
                          "load": load()}, ensure_ascii=False), flush=True)
        for pid in processes_of(proc.pid)[1:]:
            memory = smaps(pid)
            stores = sum(1 for fd in Path(f"/proc/{pid}/fd").iterdir()
                         if os.readlink(fd).endswith("bot.sqlite3"))
            print(json.dumps({"web_worker": pid, "private_mib": round(memory["private"], 1),
                              "pss_mib": round(memory["pss"], 1), "rss_mib": round(memory["rss"], 1),
                              "society_stores_open": stores}), flush=True)
        print(json.dumps({"peak_median_per_s": round(statistics.median(peaks), 1)}))
    finally:
        stop(proc)
        stop_private_redis(args.data)


if __name__ == "__main__":
    main()
