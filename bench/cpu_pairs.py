"""CPU a webhook message of this checkout against another, in process, in alternated pairs.

Each run is a child process with a Stack of its own (bench/load.py: private redis-server, SQLite
with 10,000 members and 2,000 postings) that calls the production app as a WSGI app, one message
at a time, with the benchmark's mix (bench/bench_webhook.py's traffic: texts of every intent,
menu clicks, follows): a warm-up, then blocks of messages timed in process CPU (all threads) and
redis-server's CPU. The checkouts take turns (ABBA), so that both see the same background load;
what is judged is the median of the pairs' differences, not one figure (the machine is shared:
single runs move +-20% with the load, docs/benchmarks.md). `--kind INTENT` also times the texts
labelled INTENT (tests/data/router_labelled.jsonl) on their own.

Run (one core, as the tenth round measured):
  git worktree add --detach /tmp/before <commit>    # the version to compare with (link its .venv, copy var/)
  taskset -c 1 .venv/bin/python bench/cpu_pairs.py --against /tmp/before --pairs 3 --kind jobs
"""
from __future__ import annotations

import argparse
import gc
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def child(warmup: int, blocks: int, block: int, kind: str | None) -> None:
    """One checkout's run (this file's checkout, from its cwd): a JSON line of its blocks."""
    sys.path.insert(0, os.getcwd())
    from bench.load import Stack, Traffic, senders
    from bench.profile_webhook import environ_for, labelled_intents, redis_server_cpu

    watched = {text for text, intent in labelled_intents().items() if intent == kind}
    with Stack() as stack:
        os.environ.update(stack.env())
        from bot.app import create_app

        wsgi = create_app().wsgi_app
        traffic = Traffic(senders(stack.members), clicks=0.15, follows=0.05)
        messages = [traffic.message() for _ in range(warmup + blocks * block)]
        spent = [0.0, 0]  # CPU and count of the watched kind's messages

        def send(batch) -> None:
            for target, body in batch:
                started = time.process_time()
                for _ in wsgi(environ_for(target, body), lambda status, headers, exc_info=None: None):
                    pass
                text = body.decode().partition("<Content><![CDATA[")[2].partition("]]>")[0]
                if text in watched:
                    spent[0] += time.process_time() - started
                    spent[1] += 1

        send(messages[:warmup])
        gc.freeze()  # as bot/wsgi.py does after start-up
        runs = []
        for at in range(warmup, warmup + blocks * block, block):
            spent[:] = [0.0, 0]
            server, cpu = redis_server_cpu(stack.redis_pid), time.process_time()
            send(messages[at:at + block])
            cpu, server = time.process_time() - cpu, redis_server_cpu(stack.redis_pid) - server
            runs.append({"cpu_us": cpu / block * 1e6, "redis_us": server / block * 1e6,
                         "kind_us": spent[0] / spent[1] * 1e6 if spent[1] else None})
        print(json.dumps(runs))


def run_child(checkout: Path, args) -> dict:
    command = [sys.executable, str(ROOT / "bench/cpu_pairs.py"), "--child", "--warmup", str(args.warmup),
               "--blocks", str(args.blocks), "--block", str(args.block)] + (["--kind", args.kind] if args.kind else [])
    load = os.getloadavg()[0]
    output = subprocess.run(command, cwd=checkout, capture_output=True, text=True, check=True).stdout
    runs = json.loads(output.strip().splitlines()[-1])
    kinds = [run["kind_us"] for run in runs if run["kind_us"] is not None]
    return {"cpu": statistics.median(run["cpu_us"] for run in runs),
            "redis": statistics.median(run["redis_us"] for run in runs),
            "kind": statistics.median(kinds) if kinds else float("nan"), "load": load}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--against", type=Path, help="the other checkout (a git worktree)")
    parser.add_argument("--pairs", type=int, default=3)
    parser.add_argument("--warmup", type=int, default=3000, help="messages before the timed blocks")
    parser.add_argument("--blocks", type=int, default=4)
    parser.add_argument("--block", type=int, default=2000, help="messages a block")
    parser.add_argument("--kind", help="also time the texts of this intent on their own (e.g. jobs)")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        return child(args.warmup, args.blocks, args.block, args.kind)
    if args.against is None:
        parser.error("--against DIR is needed")
    print(f"# this {ROOT} (A) against {args.against} (B): {args.pairs} pairs, ABBA; each run {args.warmup} "
          f"messages of warm-up, then {args.blocks} x {args.block}; CPU us a message (medians of the blocks)")
    print(f"| pair | A: CPU + redis-server | B: CPU + redis-server | A - B |{' A / B kind ' + args.kind + ' |' if args.kind else ''} load |")
    print(f"|---|---:|---:|---:|{'---:|' if args.kind else ''}---:|")
    differences = []
    for pair in range(args.pairs):
        order = (ROOT, args.against) if pair % 2 == 0 else (args.against, ROOT)
        results = {checkout: run_child(checkout, args) for checkout in order}
        a, b = results[ROOT], results[args.against]
        differences.append(a["cpu"] + a["redis"] - b["cpu"] - b["redis"])
        kind = f" {a['kind']:,.0f} / {b['kind']:,.0f} |" if args.kind else ""
        print(f"| {pair + 1} | {a['cpu']:,.0f} + {a['redis']:,.0f} | {b['cpu']:,.0f} + {b['redis']:,.0f} | "
              f"{differences[-1]:+,.0f} |{kind} {a['load']:.1f}, {b['load']:.1f} |", flush=True)
    print(f"# A - B, median of the pairs: {statistics.median(differences):+,.0f} us a message (with redis-server)")


if __name__ == "__main__":
    main()
