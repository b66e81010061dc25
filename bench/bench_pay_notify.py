"""1,000 WeChat Pay notifications with repeats, reordering and forged signatures (issue 16).

A fresh data directory (SQLite file, private Redis), the WeChat Pay stand-in of
bot/wechat_pay_standin.py in this process (its own RSA keys and APIv3 key),
`gunicorn -w 2 bot.wsgi:app` in production mode serving /m/pay/notify, and N
members each with one open order that the stand-in then marks paid. Every
order's notification is sent 1 to 3 times (WeChat Pay repeats), all shuffled,
plus a share of forgeries (signed with another key, body altered after signing,
a made-up serial, signed 10 minutes ago, encrypted under another APIv3 key),
posted by 16 threads at once. Then:

  paid once      every order has exactly one payment (receipt) and is `paid`
  refused        every forgery answered 401, and no genuine one answered else than 204
  told once      one receipt notice queued per member

Latency is per notification as the sender saw it. Figures go in docs/benchmarks.md.

Run:  .venv/bin/python bench/bench_pay_notify.py                 # 1,000 orders, 5% forged
      .venv/bin/python bench/bench_pay_notify.py --orders 200 --forged 0.1 --seed 3
"""
from __future__ import annotations

import argparse
import os
import random
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import date, datetime
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from rq import Queue  # noqa: E402

from bot.config import load_config  # noqa: E402
from bot.outbound import QUEUE_NAME  # noqa: E402
from storage import pay_orders  # noqa: E402
from storage.database import open_database  # noqa: E402
from storage.members import insert_member  # noqa: E402
from storage.redis_server import ensure_private_redis, stop_private_redis  # noqa: E402
from storage.sqlite import transaction  # noqa: E402
from storage.state import connect_redis  # noqa: E402
from bot.wechat_pay_standin import WeChatPayStandIn, new_key, private_pem  # noqa: E402

APP_ID = "wxbench000000000000"
FORGERIES = ("key", "body", "serial", "stale", "apiv3")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def setup(data_dir: Path, orders: int) -> tuple[dict, WeChatPayStandIn, list[str]]:
    redis_url, _ = ensure_private_redis(data_dir)
    merchant = new_key()
    apiv3_key = os.urandom(16).hex()
    standin = WeChatPayStandIn("1900000109", APP_ID, apiv3_key, merchant.public_key(), "3775B6A45ACD5888")
    env = dict(os.environ, BOT_ENV="production", BOT_DATA_DIR=str(data_dir), REDIS_URL=redis_url,
               WECHAT_TOKEN="benchtoken", WECHAT_APP_ID=APP_ID, WECHAT_APP_SECRET="benchsecret",
               WECHAT_ENCODING_AES_KEY="kWxPEV2UEDyxWpmPdKC3F4dgPDmOvfKX1HGnEUDS1aR",
               ADMIN_SECRET_KEY="bench-admin-secret-key-0123456789abcdef",
               WECHATPAY_GATEWAY=standin.start(), WECHATPAY_MCHID=standin.mchid,
               WECHATPAY_SERIAL_NO=standin.merchant_serial, WECHATPAY_PRIVATE_KEY=private_pem(merchant),
               WECHATPAY_APIV3_KEY=apiv3_key, WECHATPAY_PUBLIC_KEY=standin.public_key_pem,
               WECHATPAY_PUBLIC_KEY_ID=standin.public_key_id, PUBLIC_BASE_URL="https://bot.example.org")
    config = load_config(env)
    db = open_database(config.sqlite_path)
    year = date.today().year
    numbers = []
    with transaction(db):
        for i in range(orders):
            member = insert_member(db, {"member_no": f"HNKX{year}{i:05d}", "name": f"会员{i}", "category": "regular",
                                        "openid": f"o_bench_{i}", "paid_through": f"{year - 2}-12-31"}, "bench")
            no = f"HFBENCH{i:08d}"
            pay_orders.create_order(db, {
                "out_trade_no": no, "openid": member["openid"], "payer_kind": "member", "payer_id": member["id"],
                "payer_number": member["member_no"], "purpose": "dues", "years": 1, "amount_fen": 10000,
                "description": "会费", "expires_at": "2999-01-01T00:00:00+08:00"})
            standin.orders[no] = {"out_trade_no": no, "description": "会费", "total": 10000,
                                  "openid": member["openid"], "notify_url": "", "prepay_id": f"wx{i}",
                                  "trade_state": "NOTPAY", "trade_state_desc": "", "time_expire": None}
            numbers.append(no)
    db.close()
    for no in numbers:
        standin.pay(no)
    return env, standin, numbers


def serve(env: dict, data_dir: Path) -> tuple[subprocess.Popen, str]:
    port = free_port()
    log = (data_dir / "gunicorn.log").open("wb")
    proc = subprocess.Popen([sys.executable, "-m", "gunicorn", "-w", "2", "-k", "gthread", "--threads", "8",
                             "-b", f"127.0.0.1:{port}", "bot.wsgi:app"], env=env, cwd=ROOT, stdout=log,
                            stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}/m/pay/notify"
    deadline = time.monotonic() + 60
    while True:
        try:
            requests.post(url, data=b"{}", timeout=10)
            return proc, url
        except (requests.ConnectionError, requests.Timeout):
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"gunicorn did not start; see {log.name}") from None
            time.sleep(0.2)


def run(orders: int, forged_share: float, seed: int) -> dict:
    rng = random.Random(seed)
    data_dir = Path(tempfile.mkdtemp(prefix="xh-bench-pay-"))
    proc = standin = None
    try:
        env, standin, numbers = setup(data_dir, orders)
        proc, url = serve(env, data_dir)
        genuine = [(no, None) for no in numbers for _ in range(rng.randint(1, 3))]
        forged = [(rng.choice(numbers), rng.choice(FORGERIES)) for _ in range(round(len(genuine) * forged_share))]
        sends = genuine + forged
        rng.shuffle(sends)  # reordered: repeats and forgeries interleaved, not in order of payment
        # Each notification is built (signed, encrypted) before the clock starts, as WeChat Pay's is.
        bodies = [(no, how, *(standin.forged_notification(no, how) if how else standin.notification(no)))
                  for no, how in sends]
        local = threading.local()

        def send(item):
            no, how, headers, body = item
            session = getattr(local, "session", None) or requests.Session()
            local.session = session
            started = time.perf_counter()
            status = session.post(url, data=body, headers=headers, timeout=30).status_code
            return how, status, time.perf_counter() - started

        started = time.perf_counter()
        with ThreadPoolExecutor(16) as pool:
            answers = list(pool.map(send, bodies))
        elapsed = time.perf_counter() - started

        config = load_config(env)
        db = open_database(config.sqlite_path)
        paid_counts = dict(db.execute("select import_key, count(*) from payments group by import_key").fetchall())
        statuses = dict(db.execute("select status, count(*) from pay_orders group by status").fetchall())
        r = connect_redis(config)
        notices = sum(1 for job in Queue(QUEUE_NAME, connection=r).jobs if job.func_name.endswith("deliver_notice"))
        latencies = sorted(t for _, _, t in answers)
        result = {
            "orders": orders, "genuine sent": len(genuine), "forged sent": len(forged),
            "seconds": round(elapsed, 2), "per second": round(len(sends) / elapsed),
            "p50 ms": round(statistics.median(latencies) * 1000, 1),
            "p99 ms": round(latencies[int(len(latencies) * 0.99) - 1] * 1000, 1),
            "orders paid once": sum(1 for no in numbers if paid_counts.get(f"wechatpay:{no}") == 1),
            "payments": sum(paid_counts.values()), "order statuses": statuses,
            "forgeries refused (401)": sum(1 for how, status, _ in answers if how and status == 401),
            "genuine answered 204": sum(1 for how, status, _ in answers if not how and status == 204),
            "receipt notices queued": notices,
        }
        db.close()
        return result
    finally:
        if proc is not None:
            proc.terminate()
            proc.wait(timeout=30)
        if standin is not None:
            standin.stop()
        stop_private_redis(data_dir)
        shutil.rmtree(data_dir, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--orders", type=int, default=1000)
    parser.add_argument("--forged", type=float, default=0.05, help="forgeries as a share of genuine sends")
    parser.add_argument("--seed", type=int, default=16)
    args = parser.parse_args()
    result = run(args.orders, args.forged, args.seed)
    print(f"bench_pay_notify {datetime.now():%Y-%m-%d %H:%M} on {os.cpu_count()} cores, gunicorn -w 2 gthread x8")
    for key, value in result.items():
        print(f"  {key:26} {value}")
    ok = (result["orders paid once"] == result["orders"] == result["payments"]
          and result["forgeries refused (401)"] == result["forged sent"]
          and result["genuine answered 204"] == result["genuine sent"]
          and result["receipt notices queued"] == result["orders"])
    print("  verdict                   ", "every order paid exactly once, every forgery refused" if ok else "FAILED")
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
