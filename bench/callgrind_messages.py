"""Instructions a webhook message costs, this checkout against another: counted by valgrind's callgrind.

Instruction counts do not move with the shared machine's load (CPU times move +-20% between runs,
docs/benchmarks.md), so a change of a few microseconds a message can be judged in one run.

Each checkout runs in a Stack of its own (bench/load.py: SQLite with 10,000 members and 2,000
postings, a private redis-server), built afresh by this script, so both start from the same data.
Its redis-server runs under callgrind too. A child process, the checkout's production app called
as a WSGI app (as bench/cpu_pairs.py calls it), runs under `valgrind --tool=callgrind
--instr-atstart=no`: it answers the warm-up messages of the benchmark's mix (texts of every intent,
15% menu clicks, 5% follows) uninstrumented, then switches the instrumentation on (callgrind's
client requests, from a few lines of C compiled here and loaded with ctypes), answers the counted
messages, and dumps. The redis-server's counts are zeroed and dumped around the same messages
(`callgrind_control`), and its idle rate (its 10 Hz timer, which runs longer under valgrind) is
counted over a few seconds after them and subtracted.

What it counts: every instruction of the bot's process (all threads: the request's and the
pool's; Python, SQLite, the Redis client, the parsers), and redis-server's own. What it does not:
gunicorn's part of a request (HTTP parsing, accept, the worker's loop: the same for every server,
~400 us a request), the kernel's side of each system call (socket, fsync: callgrind counts user
space only), and time spent waiting (an fsync's wall time, a lock). Instructions are not
microseconds: a read missing the cache costs more than its count says (SQLite's dropped page
cache is mostly such reads). Same messages for both checkouts (seeded traffic, PYTHONHASHSEED=0).

Run (needs valgrind and a C compiler; ~3-6 minutes a checkout for 1,500 messages):
  git worktree add --detach /tmp/before <commit>    # the version to compare with (link its .venv, copy var/)
  .venv/bin/python bench/callgrind_messages.py --against /tmp/before --messages 1500
  .venv/bin/python bench/callgrind_messages.py --against /tmp/before --kind "text: feedback" --messages 200
  .venv/bin/python bench/callgrind_messages.py --against /tmp/a /tmp/b --messages 800 --by-kind   # by kind, 3 checkouts
  .venv/bin/python bench/callgrind_messages.py --messages 500 --keep /tmp/cg    # then callgrind_annotate
      /tmp/cg/<checkout>/bot.<pid>.1: the C functions (SQLite's, the interpreter's) by instructions
"""
from __future__ import annotations

import argparse
import ctypes
import json
import os
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

REQUESTS = r"""
#include <valgrind/callgrind.h>
void counting_on(void) { CALLGRIND_START_INSTRUMENTATION; CALLGRIND_ZERO_STATS; }
void counting_off(void) { CALLGRIND_DUMP_STATS_AT("counted messages"); CALLGRIND_STOP_INSTRUMENTATION; }
void message_done(void) { CALLGRIND_DUMP_STATS_AT("one message"); }
"""
IDLE_SECONDS = 5


def compile_requests(folder: Path) -> Path:
    source, library = folder / "requests.c", folder / "requests.so"
    source.write_text(REQUESTS)
    subprocess.run(["cc", "-shared", "-fPIC", "-O1", "-o", str(library), str(source)], check=True)
    return library


def callgrind_control(option: str, pid: int) -> None:
    said = subprocess.run(["callgrind_control", option, str(pid)], check=True, capture_output=True, text=True).stdout
    if "OK" not in said:
        raise RuntimeError(f"callgrind_control {option} {pid}: {said}")


def dumped(folder: Path, name: str, pid: int, dump: int) -> int:
    """The instructions of a process's `dump`th dump (callgrind's out file `<name>.<pid>.<dump>`)."""
    path = folder / f"{name}.{pid}.{dump}"
    for line in path.read_text().splitlines():
        if line.startswith(("summary:", "totals:")):
            return int(line.split()[1])
    raise RuntimeError(f"no total in {path}")


def child(args) -> None:
    """One checkout's run, under valgrind, from its own cwd: a JSON line of what it counted."""
    sys.path.insert(0, os.getcwd())
    from bench.load import Traffic, reply_kind, senders
    from bench.profile_webhook import environ_for, kind_of, labelled_intents
    from bot.app import create_app

    requests = ctypes.CDLL(args.requests)
    wsgi = create_app().wsgi_app
    intents = labelled_intents()
    traffic = Traffic(senders(args.members), clicks=0.15, follows=0.05)
    warmup = [traffic.message() for _ in range(args.warmup)]
    counted = []
    while len(counted) < args.messages:
        target, body = traffic.message()
        if args.kind is None or kind_of(body, intents) == args.kind:
            counted.append((target, body))
    replies: Counter = Counter()
    kinds = [kind_of(body, intents) for _, body in counted] if args.by_kind else []

    def send(batch, tally: bool) -> None:
        for target, body in batch:
            status = []
            answer = b"".join(wsgi(environ_for(target, body),
                                   lambda line, headers, exc_info=None: status.append(int(line[:3]))))
            if tally:
                replies[reply_kind(status[0], answer)] += 1
                if args.by_kind:
                    requests.message_done()  # a dump a message (its counts, then zeroed): by kind

    send(warmup, False)
    callgrind_control("-z", args.redis_pid)
    started = time.monotonic()
    requests.counting_on()
    send(counted, True)
    requests.counting_off()
    seconds = time.monotonic() - started
    callgrind_control("-d", args.redis_pid)
    time.sleep(IDLE_SECONDS)
    callgrind_control("-d", args.redis_pid)
    print(json.dumps({"seconds": seconds, "replies": replies, "pid": os.getpid(), "kinds": kinds}))


def run_checkout(checkout: Path, args, requests: Path, folder: Path) -> dict:
    """One checkout in a fresh Stack; instructions a message of its process and of redis-server."""
    from bench.load import Stack

    out = folder / checkout.name
    out.mkdir(exist_ok=True)
    wrapper = ("valgrind", "--tool=callgrind", f"--callgrind-out-file={out}/redis.%p")
    with Stack(members=args.members, redis_wrapper=wrapper) as stack:
        # messages made before a slow run's last ones are sent: no 403 for a timestamp past the replay window
        env = stack.env(PYTHONHASHSEED="0", BOT_REPLAY_WINDOW="86400")
        command = ["valgrind", "--tool=callgrind", "--instr-atstart=no", f"--callgrind-out-file={out}/bot.%p",
                   *(["--dump-line=no"] if args.by_kind else []),
                   sys.executable, str(ROOT / "bench/callgrind_messages.py"), "--child", "--requests", str(requests),
                   "--redis-pid", str(stack.redis_pid), "--members", str(args.members),
                   "--warmup", str(args.warmup), "--messages", str(args.messages)]
        command += ["--kind", args.kind] if args.kind else []
        command += ["--by-kind"] if args.by_kind else []
        done = subprocess.run(command, cwd=checkout, env=env, capture_output=True, text=True)
        if done.returncode:
            raise RuntimeError(f"{checkout}: {done.stderr[-3000:]}")
        result = json.loads(done.stdout.strip().splitlines()[-1])
        redis_counted = dumped(out, "redis", stack.redis_pid, 1)
        idle_rate = dumped(out, "redis", stack.redis_pid, 2) / IDLE_SECONDS
    kinds = result["kinds"]
    each = [dumped(out, "bot", result["pid"], dump) for dump in range(1, len(kinds) + 2)]
    if kinds and not args.keep:  # ~0.4 MB a message
        for dump in range(1, len(kinds) + 2):
            (out / f"bot.{result['pid']}.{dump}").unlink()
    by_kind: dict[str, list[int]] = {}
    for kind, counted in zip(kinds, each):  # the last dump: after the last message, to the end
        by_kind.setdefault(kind, []).append(counted)
    redis_own = redis_counted - idle_rate * result["seconds"]
    return {"bot": sum(each) / args.messages, "redis": redis_own / args.messages, "by_kind": by_kind,
            "redis_idle": idle_rate * result["seconds"] / args.messages, "replies": result["replies"]}


def print_by_kind(results: dict, checkouts: list[Path]) -> None:
    """The bot process's instructions a message of each kind (the dearest kinds first), for each checkout, and
    this checkout's change against each other one; then texts, clicks and follows as groups."""
    def mean(checkout: Path, kinds: list[str]) -> float:
        counts = [count for kind in kinds for count in results[checkout]["by_kind"].get(kind, [])]
        return sum(counts) / len(counts) if counts else 0.0

    first = results[checkouts[0]]["by_kind"]
    print("\n| kind | messages | " + " | ".join(checkout.name for checkout in checkouts) + " | "
          + " | ".join(f"vs {checkout.name}" for checkout in checkouts[1:]) + " |")
    print("|---|---:|" + "---:|" * (2 * len(checkouts) - 1))
    groups = [(kind, [kind]) for kind in sorted(first, key=lambda kind: -mean(checkouts[0], [kind]))]
    for name, prefix in (("all texts", "text: "), ("all clicks", "click: "), ("follows", "follow")):
        groups.append((f"**{name}**", [kind for kind in first if kind.startswith(prefix)]))
    for name, kinds in groups:
        means = [mean(checkout, kinds) for checkout in checkouts]
        changes = [f"{means[0] / other - 1:+.1%}" if other else "" for other in means[1:]]
        print(f"| {name} | {sum(len(first[kind]) for kind in kinds)} | " + " | ".join(f"{m:,.0f}" for m in means)
              + " | " + " | ".join(changes) + " |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--against", type=Path, nargs="+", default=[],
                        help="the other checkouts (git worktrees), each counted as this one is")
    parser.add_argument("--messages", type=int, default=1500, help="messages counted")
    parser.add_argument("--warmup", type=int, default=1500, help="messages before them, not counted")
    parser.add_argument("--members", type=int, default=10_000)
    parser.add_argument("--kind", help='count only messages of this kind (bench/profile_webhook.py kind_of: '
                                       '"text: jobs", "click: MENU_HUMAN", "follow")')
    parser.add_argument("--by-kind", action="store_true",
                        help="also the bot's instructions a message for each kind (a dump a message: slower)")
    parser.add_argument("--keep", type=Path, help="keep callgrind's files here (callgrind_annotate FILE: by C function)")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--requests", help=argparse.SUPPRESS)
    parser.add_argument("--redis-pid", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        return child(args)
    checkouts = [ROOT] + [checkout.resolve() for checkout in args.against]
    with tempfile.TemporaryDirectory(prefix="xh-callgrind-") as scratch:
        folder = args.keep or Path(scratch)
        folder.mkdir(parents=True, exist_ok=True)
        requests = compile_requests(folder)
        print(f"# instructions a message, {args.messages} messages{' of ' + args.kind if args.kind else ''} after "
              f"{args.warmup} of the mix; redis-server less its idle timer")
        print("| checkout | bot process | redis-server | (redis idle, subtracted) | replies |")
        print("|---|---:|---:|---:|---|")
        results = {}
        for checkout in checkouts:
            results[checkout] = result = run_checkout(checkout, args, requests, folder)
            print(f"| {checkout} | {result['bot']:,.0f} | {result['redis']:,.0f} | {result['redis_idle']:,.0f} | "
                  f"{dict(result['replies'])} |", flush=True)
        if args.by_kind:
            print_by_kind(results, checkouts)
        a = results[ROOT]
        for other in checkouts[1:]:
            b = results[other]
            print(f"# this - {other.name}: bot {a['bot'] - b['bot']:+,.0f} ({a['bot'] / b['bot'] - 1:+.1%}), "
                  f"redis-server {a['redis'] - b['redis']:+,.0f} instructions a message")


if __name__ == "__main__":
    main()
