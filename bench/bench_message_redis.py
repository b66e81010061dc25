"""Client CPU of a message's two Redis scripts (storage.state.begin_message + end_message).

Against a private redis-server, in one process, rounds alternating between the two ways of
sending the scripts: `direct` (storage.state._run_once, what the webhook does: one send and
one read on the thread's own connection, storage.state._held_connection) and `redis-py` (the same scripts through redis-py's command
path, Script.__call__). Each message claims, takes the lock, opens the window, reads the flow;
then saves a flow and keeps a reply of ~600 bytes, as a text message's reply. Also prints
redis-server's CPU a message and which reply parser redis-py uses (hiredis or Python; `direct`
packs with hiredis itself, a requirement since 2026-12-06).

Run:  .venv/bin/python bench/bench_message_redis.py                # 5 rounds of 3,000 messages
      .venv/bin/python bench/bench_message_redis.py --rounds 9 --messages 5000
"""
from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import redis  # noqa: E402
from redis.utils import HIREDIS_AVAILABLE  # noqa: E402

from storage import state  # noqa: E402
from storage.redis_server import ensure_private_redis, stop_private_redis  # noqa: E402

REPLY = ("<xml><ToUserName><![CDATA[o6_bmjrPTlm6_2sgVt7hMZOPfL2M]]></ToUserName><FromUserName><![CDATA[gh_0]]>"
         "</FromUserName><CreateTime>1700000000</CreateTime><MsgType><![CDATA[text]]></MsgType><Content><![CDATA["
         + "您好，这是学会服务号的回复。" * 12 + "]]></Content></xml>")


def through_redis_py(r, script, keys, args):
    return script(keys=keys, args=args, client=r)


def server_cpu(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--messages", type=int, default=3000)
    args = parser.parse_args()
    data_dir = Path(tempfile.mkdtemp(prefix="xh-bench-redis-"))
    url, _ = ensure_private_redis(data_dir)
    pid = int((data_dir / "redis.pid").read_text())
    ways = {"direct": state._run_once, "redis-py": through_redis_py}
    figures = {name: [] for name in ways}
    serial = 0
    try:
        r = redis.Redis.from_url(url, socket_timeout=2, socket_connect_timeout=2, health_check_interval=30)

        def message() -> None:
            nonlocal serial
            serial += 1
            turn = state.begin_message(r, f"bench:{serial}", f"o_bench_{serial % 500}", 600,
                                       window=("message", 172800, 5))
            turn.save({"name": "feedback", "step": "text", "data": {"topic": "年会"}, "paused": False})
            state.end_message(r, turn, 1800, f"bench:{serial}", REPLY, 600)

        print(f"# reply parser: {'hiredis' if HIREDIS_AVAILABLE else 'Python'}; load average "
              f"{os.getloadavg()[0]:.1f} at start; {args.messages} messages a run")
        print("| round | way | client CPU us a message | redis-server CPU us a message |")
        print("|---:|---|---:|---:|")
        for round_no in range(1, args.rounds + 1):
            for name, way in ways.items():
                state._run_once = way
                for _ in range(300):  # warm
                    message()
                server, cpu = server_cpu(pid), time.process_time()
                for _ in range(args.messages):
                    message()
                cpu = (time.process_time() - cpu) / args.messages * 1e6
                server = (server_cpu(pid) - server) / args.messages * 1e6
                figures[name].append(cpu)
                print(f"| {round_no} | {name} | {cpu:.0f} | {server:.0f} |", flush=True)
        direct, through = statistics.median(figures["direct"]), statistics.median(figures["redis-py"])
        print(f"\nmedians: direct {direct:.0f} us, redis-py {through:.0f} us a message "
              f"(direct / redis-py {direct / through:.2f}); load average {os.getloadavg()[0]:.1f} at the end")
    finally:
        state._run_once = ways["direct"]
        stop_private_redis(data_dir)


if __name__ == "__main__":
    main()
