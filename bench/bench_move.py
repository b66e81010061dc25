"""How long a society is held while it moves to another host (`python -m bot societies move`, issue 19).

Two hosts on this machine (their own data directories, one private redis-server): host B runs
`python -m bot worker` (BOT_SHARD=host_b), which answers the move's questions; host A moves the
societies given, one after another, from its data directory, in this process as the command does
(bot.platform.moving.move_society). Each society is a copy of a store the province bench built
(bench/bench_province.py --data DIR): the largest (200,000 members) and a typical one by default.
Printed per society: the store's size, the pages copied again inside the hold, how long its requests
were held (from the hold to its lifting, which includes a 1 s grace and the drain), the whole
command's time (the first copy, staged before the hold, included), and the load average. Nothing else runs on
the hosts, so the drain finds nothing to wait for: what is measured is the copy, the transfer through
Redis, the new host's check and adoption, and the registries' changes.

Run:  .venv/bin/python bench/bench_move.py --province /tmp/xh-province
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.bench_delivery import machine  # noqa: E402
from bench.bench_platform import COMPONENT_ENV  # noqa: E402
from bench.bench_province import built_province  # noqa: E402
from bot.config import load_config  # noqa: E402
from bot.platform.moving import move_society  # noqa: E402
from bot.platform.shards import known_hosts  # noqa: E402
from storage import backups, societies, state  # noqa: E402
from storage.redis_server import ensure_private_redis, stop_private_redis  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--province", type=Path, required=True, help="a directory bench_province.py built")
    parser.add_argument("--data", type=Path, default=Path("/tmp/xh-move"))
    parser.add_argument("--sizes", default="largest,median", help="which societies: largest, median, smallest")
    args = parser.parse_args()
    built = built_province(args.province)
    if built is None:
        raise SystemExit(f"{args.province} holds no built province: run bench/bench_province.py --data first")
    order = sorted(range(len(built["sizes"])), key=lambda i: built["sizes"][i])
    chosen = {"largest": order[-1], "median": order[len(order) // 2], "smallest": order[0]}
    picks = [chosen[name] for name in args.sizes.split(",")]

    print(machine(), flush=True)
    shutil.rmtree(args.data, ignore_errors=True)
    hosts = {name: args.data / name for name in ("host_a", "host_b")}
    for folder in hosts.values():
        folder.mkdir(parents=True)
    redis_url, _ = ensure_private_redis(args.data)
    base = dict(os.environ, REDIS_URL=redis_url, **COMPONENT_ENV, PLATFORM_WORKER_CHECK_SECONDS="1",
                PYTHONUNBUFFERED="1")
    env = {name: dict(base, BOT_DATA_DIR=str(folder), BOT_SHARD=name) for name, folder in hosts.items()}
    registry = societies.open_registry(societies.registry_path(hosts["host_a"]))
    for index in picks:
        appid = built["appids"][index]
        target = societies.society_data_dir(hosts["host_a"], appid) / societies.DATABASE_FILE
        backups.backup(societies.society_data_dir(args.province, appid) / societies.DATABASE_FILE, target)
        societies.record_authorization(registry, appid, "bench-refresh-token", name=f"河南省第{index + 1:03d}学会")
    registry.close()
    worker = subprocess.Popen([sys.executable, "-m", "bot", "worker"], env=env["host_b"], cwd=ROOT,
                              stdout=(args.data / "host_b-worker.log").open("wb"), stderr=subprocess.STDOUT)
    try:
        os.environ.update(env["host_a"])
        config = load_config()
        r = state.connect_redis(config)
        deadline = time.monotonic() + 120
        while "host_b" not in known_hosts(r):
            if time.monotonic() > deadline or worker.poll() is not None:
                raise SystemExit("host B's worker did not start: see host_b-worker.log")
            time.sleep(0.2)
        for index in picks:
            appid = built["appids"][index]
            load_before = round(os.getloadavg()[0], 1)
            started = time.perf_counter()
            done = move_society(config, r, appid, "host_b")
            print(json.dumps({"members": built["sizes"][index], "store_mib": round(done["store_bytes"] / 2**20, 1),
                              "pages_at_the_hold": done["pages_at_the_hold"], "held_s": done["held_seconds"], "drain_s": done["drain_seconds"],
                              "command_s": round(time.perf_counter() - started, 2),
                              "load": [load_before, round(os.getloadavg()[0], 1)]}), flush=True)
    finally:
        worker.terminate()
        worker.wait(timeout=60)
        stop_private_redis(args.data)


if __name__ == "__main__":
    main()
