"""Many societies on one deployment (issue 19): the webhook for 150 accounts against one account.

One run builds, in a temporary directory, a private redis-server, the society registry with
`--societies` authorised societies, each with its own SQLite store of `--members` members (one
store built, then copied: the same roster under every account), and serves `gunicorn -w 2
--preload bot.wsgi:app` with the third-party platform configured and the single account's
settings too, so one server takes both:

  single    safe-mode messages to /wechat (the single account, its own key), as today;
  platform  safe-mode messages to /wechat/<appid>, each to a society drawn at random from all
            of them, opened with the platform's key and answered from that society's store.

Both encrypted (the platform's messages always are), the same texts (the labelled router set),
the same senders (70% bound members), every MsgId unique. Closed loop, 16 connections
(bench/load.py), `--rounds` rounds of `--seconds` each, alternating, so both see the same
background load; the ratio is platform over single messages/s, per round. Then the memory of
the web workers and the files they hold open (a handler thread keeps four stores open).

Run:  .venv/bin/python bench/bench_platform.py                       # about 3 minutes
      .venv/bin/python bench/bench_platform.py --societies 150 --members 20000 --rounds 5
"""
from __future__ import annotations

import argparse
import json
import random
import shutil
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.bench_delivery import machine  # noqa: E402
from bench.load import (  # noqa: E402
    ACCOUNT,
    ACCOUNT_ID,
    Stack,
    closed_loop,
    member_texts,
    post,
    process_stats,
    processes_of,
    senders,
)
from storage import societies  # noqa: E402
from tests import wechat_reference as ref  # noqa: E402

PLATFORM = ref.Account(token="benchplatform", encoding_aes_key="Pl4tf0rmBenchKeyPl4tf0rmBenchKeyPl4tf0rmBen",
                       app_id="wxbenchplatform001")
COMPONENT_ENV = {"WECHAT_COMPONENT_APP_ID": PLATFORM.app_id, "WECHAT_COMPONENT_APP_SECRET": "benchcomponent",
                 "WECHAT_COMPONENT_TOKEN": PLATFORM.token, "WECHAT_COMPONENT_AES_KEY": PLATFORM.encoding_aes_key}


def appid_of(index: int) -> str:
    return f"wx{index:016d}"


def add_societies(stack: Stack, count: int) -> list[str]:
    """`count` authorised societies, each with a copy of the stack's store as its own."""
    registry = societies.open_registry(societies.registry_path(stack.dir))
    appids = []
    for index in range(1, count + 1):
        appid = appid_of(index)
        row = societies.record_authorization(registry, appid, "bench-refresh-token", name=f"基准学会{index:03d}")
        target = Path(row["database_path"])
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(stack.dir / "bot.sqlite3", target)
        appids.append(appid)
    registry.close()
    return appids


class Messages:
    """Safe-mode text messages: to the single account, or to a random society through the platform."""

    def __init__(self, pool: list[str], appids: list[str], seed: int = 1):
        self.pool, self.appids, self.texts = pool, appids, member_texts()
        self.rng = random.Random(seed)
        self.msg_ids = iter(range(int(time.time() * 1000) * 1000, 10**20))

    def _xml(self) -> str:
        now = int(time.time())
        return (f"<xml><ToUserName><![CDATA[{ACCOUNT_ID}]]></ToUserName><FromUserName><![CDATA["
                f"{self.rng.choice(self.pool)}]]></FromUserName><CreateTime>{now}</CreateTime>"
                f"<MsgType><![CDATA[text]]></MsgType><Content><![CDATA[{self.rng.choice(self.texts)}]]></Content>"
                f"<MsgId>{next(self.msg_ids)}</MsgId></xml>")

    def single(self) -> tuple[str, bytes]:
        query, body = ACCOUNT.encrypted_request(self._xml(), ACCOUNT_ID, nonce=str(self.rng.randrange(10**9)))
        return "/wechat?" + "&".join(f"{k}={v}" for k, v in query.items()), body

    def platform(self, appid: str | None = None) -> tuple[str, bytes]:
        query, body = PLATFORM.encrypted_request(self._xml(), ACCOUNT_ID, nonce=str(self.rng.randrange(10**9)))
        appid = appid or self.rng.choice(self.appids)
        return f"/wechat/{appid}?" + "&".join(f"{k}={v}" for k, v in query.items()), body


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--societies", type=int, default=150)
    parser.add_argument("--members", type=int, default=2_000, help="members in each society's store")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--seconds", type=float, default=15)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--idle-stores", type=int, default=None, help="PLATFORM_IDLE_STORES (default: the config's)")
    args = parser.parse_args()

    with Stack(members=args.members, postings=0) as stack:
        appids = add_societies(stack, args.societies)
        idle = {"PLATFORM_IDLE_STORES": str(args.idle_stores)} if args.idle_stores else {}
        server = stack.serve("bot.wsgi:app", env=stack.env(**COMPONENT_ENV, **idle))
        messages = Messages(senders(args.members), appids)
        for appid in appids:  # each store opened and checked once, as after a day's traffic
            status, _ = post(server.port, *messages.platform(appid))
            assert status == 200, (appid, status)
        rows = []
        for round_no in range(1, args.rounds + 1):
            single = closed_loop(server.port, messages.single, args.connections, args.seconds)
            platform = closed_loop(server.port, messages.platform, args.connections, args.seconds)
            rows.append({"round": round_no, "single_per_s": round(single.rate, 1),
                         "platform_per_s": round(platform.rate, 1),
                         "ratio": round(platform.rate / single.rate, 2) if single.rate else None,
                         "single_p99_ms": round(single.quantile(0.99), 1),
                         "platform_p99_ms": round(platform.quantile(0.99), 1),
                         "single_kinds": dict(single.kinds), "platform_kinds": dict(platform.kinds)})
            print(json.dumps(rows[-1], ensure_ascii=False), flush=True)
        workers = [process_stats(pid) for pid in processes_of(server.proc.pid)[1:]]
        summary = {
            "machine": machine(), "societies": args.societies, "members_each": args.members,
            "idle_stores": args.idle_stores or "default",
            "single_per_s_median": statistics.median(r["single_per_s"] for r in rows),
            "platform_per_s_median": statistics.median(r["platform_per_s"] for r in rows),
            "ratio_median": statistics.median(r["ratio"] for r in rows if r["ratio"]),
            "web_workers": [{"rss_mib": round(w["rss_mib"], 1), "open_files": w["files"]} for w in workers if w],
        }
        print(json.dumps(summary, ensure_ascii=False, indent=1))


if __name__ == "__main__":
    main()
