"""Where a webhook message's CPU goes, stage by stage (microseconds a message).

In one process, without HTTP: the production app (bot.wsgi's create_app with BOT_ENV=production)
over bench/load.py's Stack (private redis-server, SQLite with 10,000 members and 2,000 postings)
is called as a WSGI app with the benchmark's mixed traffic (texts of every intent from
tests/data/router_labelled.jsonl, menu clicks, follows), one message at a time. Each stage is a
wrapper around the functions that do it, timed in process CPU time (`time.process_time`, all
threads: the handler runs in the pool's thread) and counted exclusively (a stage's children are
subtracted from it), so the stages add up to the whole:

  wsgi+flask      Werkzeug's environ/request/response and Flask's dispatch (what is left)
  signature       check_request_signature (SHA1, replay window)
  xml parse       _parse_xml (xmltodict) + to_inbound, with wechatpy's parse_message for events
  xml render      render_reply (wechatpy's TextReply/ArticlesReply) + seal_reply
  pool hop        submitting the handler to the thread pool and waiting for its result
  redis           redis-py's execute_command and storage.state._run_once (client side: scripts,
                  GET/SET, socket I/O)
  redis-server    the redis-server process's CPU over the run, a message's share
  routing         bot.router.route without the model
  model           bot.intent_model.Model.probabilities
  sqlite          every function of storage/ but storage.state (Redis), and the per-thread connection
  logging         logging.Logger.handle (records that pass the level)
  handler logic   the rest of respond(): flows, handlers, content texts, the inbox note

With --by-kind, also the same stages for each kind of message: a text by the intent it is
labelled with (tests/data/router_labelled.jsonl), a menu click by its handler's capability, a
follow; CPU microseconds a message of that kind, and what share of all the CPU the kind takes.

With --served SECONDS, the same stages as served: the bot under `gunicorn -w 2 --preload` with
bench/served_stages.py as its config (the wrappers above, plus gunicorn's own part of a request,
Redis round trips, SQLite statements and log records counted per kind of message), driven by wrk
as bench/bench_webhook.py drives it, beside the same bot served plainly (its CPU a request shows
what the wrappers add). The worker's CPU outside every stage is gunicorn's loop (accept, select,
the heartbeat).

Run:  .venv/bin/python bench/profile_webhook.py                 # 3,000 messages after 600 of warm-up
      .venv/bin/python bench/profile_webhook.py --served 20     # as served, 20 s of wrk
      .venv/bin/python bench/profile_webhook.py --messages 5000 --cprofile 25
      taskset -c 1 .venv/bin/python bench/profile_webhook.py --messages 4000 --warmup 400 --by-kind
"""
from __future__ import annotations

import argparse
import functools
import importlib
import io
import json
import logging
import os
import pkgutil
import re
import sys
import time
from collections import Counter, defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.load import Stack, Traffic, senders  # noqa: E402

CLICKS, FOLLOWS = 0.15, 0.05  # the benchmark's mix (bench/bench_webhook.py)

_stack: list = []  # (stage, start, children) of the stages entered; one message at a time
inclusive: Counter = Counter()
exclusive: Counter = Counter()
exclusive_wall: Counter = Counter()
calls: Counter = Counter()


def timed(stage: str, function):
    """`function`, timed as `stage` (exclusive of the stages called inside it)."""
    if getattr(function, "_timed_stage", None):
        return function

    @functools.wraps(function)
    def wrapper(*args, **kwargs):
        entry = [stage, time.process_time(), 0.0, time.perf_counter(), 0.0]
        _stack.append(entry)
        try:
            return function(*args, **kwargs)
        finally:
            _stack.pop()
            spent = time.process_time() - entry[1]
            waited = time.perf_counter() - entry[3]
            exclusive[stage] += spent - entry[2]
            exclusive_wall[stage] += waited - entry[4]
            inclusive[stage] += spent
            calls[stage] += 1
            if _stack:
                _stack[-1][2] += spent
                _stack[-1][4] += waited

    wrapper._timed_stage = stage
    return wrapper


def instrument() -> None:
    """Wrap the stages' functions before bot/ and handlers/ import them by name."""
    import redis
    import storage

    redis.Redis.execute_command = timed("redis", redis.Redis.execute_command)
    from storage import state

    state._run_once = timed("redis", state._run_once)  # the message's two scripts, sent directly
    logging.Logger.handle = timed("logging", logging.Logger.handle)
    for info in pkgutil.iter_modules(storage.__path__):
        if info.name in ("state", "redis_server"):
            continue
        module = importlib.import_module(f"storage.{info.name}")
        for name, value in vars(module).items():
            if callable(value) and getattr(value, "__module__", None) == module.__name__ \
                    and not isinstance(value, type):
                setattr(module, name, timed(f"sqlite {info.name}.{name}", value))
    from bot import intent_model, router, wechat

    router.route = timed("routing", router.route)
    intent_model.Model.probabilities = timed("model", intent_model.Model.probabilities)
    wechat.check_request_signature = timed("signature", wechat.check_request_signature)
    wechat._parse_xml = timed("xml parse", wechat._parse_xml)
    wechat.to_inbound = timed("xml parse", wechat.to_inbound)
    wechat.parse_message = timed("xml parse", wechat.parse_message)
    wechat.render_reply = timed("xml render", wechat.render_reply)
    wechat.seal_reply = timed("xml render", wechat.seal_reply)
    wechat.open_message = timed("xml parse", wechat.open_message)
    from bot import app as app_module

    app_module.Services.db = property(timed("sqlite", app_module.Services.db.fget))
    from bot import conversation, webhook

    webhook._reply_within_deadline = timed("pool hop", webhook._reply_within_deadline)
    webhook._answer_in_turn = timed("handler logic", webhook._answer_in_turn)
    webhook.answer = timed("handler logic", webhook.answer)
    for name in ("open_message", "render_reply", "seal_reply"):  # imported by name (bench/ may import it early)
        setattr(webhook, name, getattr(wechat, name))
    conversation.route = router.route


def environ_for(target: str, body: bytes) -> dict:
    path, _, query = target.partition("?")
    return {"REQUEST_METHOD": "POST", "SCRIPT_NAME": "", "PATH_INFO": path, "QUERY_STRING": query,
            "SERVER_NAME": "127.0.0.1", "SERVER_PORT": "80", "SERVER_PROTOCOL": "HTTP/1.1",
            "CONTENT_TYPE": "text/xml", "CONTENT_LENGTH": str(len(body)), "wsgi.version": (1, 0),
            "wsgi.url_scheme": "http", "wsgi.input": io.BytesIO(body), "wsgi.errors": sys.stderr,
            "wsgi.multithread": False, "wsgi.multiprocess": True, "wsgi.run_once": False,
            "HTTP_HOST": "127.0.0.1"}


def kind_of(body: bytes, intents: dict[str, str]) -> str:
    """What a message of the traffic is: `text: <intent>` (its label), `click: <key>`, `follow`."""
    xml = body.decode("utf-8")
    if "<MsgType><![CDATA[event]]>" in xml:
        if "<Event><![CDATA[CLICK]]>" in xml:
            return "click: " + re.search(r"<EventKey><!\[CDATA\[(.*?)\]\]>", xml).group(1)
        return "follow"
    text = re.search(r"<Content><!\[CDATA\[(.*?)\]\]></Content>", xml, re.S).group(1)
    return "text: " + intents.get(text, "?")


def labelled_intents() -> dict[str, str]:
    with (ROOT / "tests/data/router_labelled.jsonl").open(encoding="utf-8") as lines:
        rows = [json.loads(line) for line in lines if line.strip()]
    return {" ".join(row["text"].split()): row["intent"] for row in rows}


def print_by_kind(by_kind: dict, counts: Counter) -> None:
    """Stages for each kind of message, dearest kinds first (CPU us a message of that kind)."""
    stages = ["handler logic", "redis", "sqlite", "routing", "model", "xml parse", "pool hop", "xml render",
              "wsgi+flask", "signature"]
    whole = sum(sum(spent.values()) for spent in by_kind.values())
    print("\nBy kind of message: CPU us a message of the kind, by stage (SQLite all storage/ functions)")
    print("| kind | messages | total | share of all CPU | " + " | ".join(stages) + " |")
    print("|---|---:|---:|---:|" + "---:|" * len(stages))
    rows = sorted(by_kind.items(), key=lambda kv: -sum(kv[1].values()) / counts[kv[0]])
    for kind, spent in rows:
        n = counts[kind]
        cells = " | ".join(f"{spent.get(stage, 0) / n * 1e6:.0f}" for stage in stages)
        print(f"| {kind} | {n} | {sum(spent.values()) / n * 1e6:.0f} | {sum(spent.values()) / whole:.1%} | {cells} |")


def redis_server_cpu(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


SERVED_STAGES = ["gunicorn loop", "gunicorn http", "wsgi", "signature", "xml parse", "redis", "pool hop", "routing",
                 "model", "handler logic", "sqlite", "logging", "xml render", "profiler"]
SERVED_COUNTS = ["redis round trips", "sqlite statements", "logging"]


def served(seconds: int, rounds: int) -> None:
    """The stages as served (see the module's doc): bench/served_stages.py in gunicorn's workers."""
    import signal
    import statistics
    import tempfile

    from bench.bench_webhook import peak
    from bench.load import processes_of

    with Stack() as stack:
        traffic = Traffic(senders(stack.members), clicks=CLICKS, follows=FOLLOWS)
        snapshots = Path(tempfile.mkdtemp(prefix="served-stages-"))
        plain = stack.serve("bot.wsgi:app", log_name="plain")
        staged = stack.serve("bot.wsgi:app", log_name="staged", env=stack.env(SERVED_STAGES_DIR=str(snapshots)),
                             options=("--preload", "-c", str(ROOT / "bench/served_stages.py")))
        workers = [pid for pid in processes_of(staged.proc.pid) if pid != staged.proc.pid]

        def snapshot() -> dict:
            for pid in workers:
                os.kill(pid, signal.SIGUSR2)
            time.sleep(1)
            return {pid: json.loads((snapshots / f"{pid}.json").read_text()) for pid in workers}

        for server in (plain, staged):
            peak(server, traffic, 5, stack.dir, stack.redis_pid)
        totals = {"spent": Counter(), "calls": Counter(), "kinds": Counter(), "cpu": 0.0}
        by_kind: dict[str, Counter] = defaultdict(Counter)
        plain_cpu, staged_cpu, loads = [], [], []
        for _ in range(rounds):
            plain_cpu.append(peak(plain, traffic, seconds, stack.dir, stack.redis_pid)["server_cpu_us"])
            before = snapshot()
            run = peak(staged, traffic, seconds, stack.dir, stack.redis_pid)
            after = snapshot()
            staged_cpu.append(run["server_cpu_us"])
            loads.append(run["load"])
            for pid in workers:
                a, b = after[pid], before[pid]
                totals["cpu"] += a["cpu"] - b["cpu"]
                totals["spent"].update(Counter(a["exclusive"]) - Counter(b["exclusive"]))
                totals["calls"].update(Counter(a["calls"]) - Counter(b["calls"]))
                totals["kinds"].update(Counter(a["kinds"]) - Counter(b["kinds"]))
                for kind, spent in a["by_kind"].items():
                    by_kind[kind].update(Counter(spent) - Counter(b["by_kind"].get(kind, {})))
        n = sum(totals["kinds"].values())
        spent = Counter()
        for stage, value in totals["spent"].items():  # storage/'s functions as one stage
            spent["sqlite" if stage.startswith("sqlite ") else stage] += value
        spent["gunicorn loop"] = totals["cpu"] - sum(spent.values())
        print(f"# served: gunicorn -w 2 --preload, wrk -c16, {rounds} x {seconds} s; {n:,} requests; "
              f"load average {', '.join(f'{x:.1f}' for x in loads)}")
        print(f"# CPU a request of the workers and master (/proc): plainly served {statistics.median(plain_cpu):,.0f} us, "
              f"with the stage wrappers {statistics.median(staged_cpu):,.0f} us; the workers' own process CPU with "
              f"the wrappers {totals['cpu'] / n * 1e6:,.0f} us")
        print("| stage | CPU us a message | share |")
        print("|---|---:|---:|")
        for stage in SERVED_STAGES:
            print(f"| {stage} | {spent[stage] / n * 1e6:.0f} | {spent[stage] / totals['cpu']:.0%} |")
        print("| " + " | ".join(f"{name} a message: {totals['calls'][name] / n:.2f}" for name in SERVED_COUNTS) + " |")
        shown = ["gunicorn http", "wsgi", "signature", "xml parse", "redis", "pool hop", "routing", "model",
                 "handler logic", "sqlite", "logging", "xml render"]
        whole = sum(sum(v for k, v in c.items() if not k.startswith("calls ")) for c in by_kind.values())
        print("\nBy kind: CPU us a message of the kind inside gunicorn's handle (the loop not included), "
              "round trips and statements a message")
        print("| kind | messages | total | share | " + " | ".join(shown) + " | redis trips | sqlite stmts | log records |")
        print("|---|---:|---:|---:|" + "---:|" * (len(shown) + 3))
        rows = sorted(by_kind.items(), key=lambda kv: -sum(v for k, v in kv[1].items() if not k.startswith("calls ")
                                                            and k != "profiler") / max(totals["kinds"][kv[0]], 1))
        for kind, counted in rows:
            k = totals["kinds"][kind]
            if not k:
                continue
            total = sum(v for name, v in counted.items() if not name.startswith("calls ") and name != "profiler")
            cells = " | ".join(f"{counted.get(stage, 0) / k * 1e6:.0f}" for stage in shown)
            counts = " | ".join(f"{counted.get('calls ' + name, 0) / k:.1f}" for name in SERVED_COUNTS)
            print(f"| {kind} | {k} | {total / k * 1e6:.0f} | {total / whole:.1%} | {cells} | {counts} |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=3000)
    parser.add_argument("--warmup", type=int, default=600)
    parser.add_argument("--cprofile", type=int, default=0, help="also print cProfile's top N (tottime)")
    parser.add_argument("--by-kind", action="store_true", help="also the stages for each kind of message")
    parser.add_argument("--served", type=int, metavar="SECONDS", help="as served under gunicorn, SECONDS of wrk a round")
    parser.add_argument("--rounds", type=int, default=2, help="with --served: rounds of plain and staged")
    args = parser.parse_args()
    if args.served:
        return served(args.served, args.rounds)
    with Stack() as stack:
        os.environ.update(stack.env())
        instrument()
        from bot.app import create_app

        app = create_app()
        wsgi = timed("wsgi+flask", app.wsgi_app)  # the webhook's fast path, Flask for the rest
        traffic = Traffic(senders(stack.members), clicks=CLICKS, follows=FOLLOWS)
        statuses = Counter()
        intents = labelled_intents() if args.by_kind else {}
        by_kind: dict[str, Counter] = defaultdict(Counter)
        kinds = Counter()

        def send(count: int) -> None:
            for _ in range(count):
                target, body = traffic.message()
                before = Counter(exclusive) if args.by_kind else None
                status = []
                for _chunk in wsgi(environ_for(target, body), lambda s, h, e=None: status.append(s)):
                    pass
                statuses[status[0]] += 1
                if before is not None:
                    kind = kind_of(body, intents)
                    kinds[kind] += 1
                    for stage, spent in exclusive.items():
                        by_kind[kind]["sqlite" if stage.startswith("sqlite") else stage] += spent - before[stage]

        send(args.warmup)
        for counter in (inclusive, exclusive, exclusive_wall, calls, statuses, kinds):
            counter.clear()
        by_kind.clear()
        import gc

        gc.freeze()  # as bot/wsgi.py does after start-up
        profiler = None
        if args.cprofile:  # cProfile sees one thread: the handlers run inline meanwhile
            import cProfile
            from concurrent.futures import Future

            class InlinePool:
                def submit(self, fn, *fn_args):
                    future = Future()
                    try:
                        future.set_result(fn(*fn_args))
                    except Exception as error:  # noqa: BLE001
                        future.set_exception(error)
                    return future

            app.extensions["services"].pool = InlinePool()

            profiler = cProfile.Profile(time.process_time)  # CPU, as the stages: not the waits of a loaded machine
            profiler.enable()
        server_before, wall = redis_server_cpu(stack.redis_pid), time.perf_counter()
        cpu = time.process_time()
        send(args.messages)
        cpu = time.process_time() - cpu
        wall = time.perf_counter() - wall
        server = redis_server_cpu(stack.redis_pid) - server_before
        if profiler:
            profiler.disable()
        n = args.messages
        print(f"# {n} messages ({CLICKS:.0%} menu clicks, {FOLLOWS:.0%} follows, the rest texts of every "
              f"intent), statuses {dict(statuses)}; load average {os.getloadavg()[0]:.1f}")
        print(f"# process CPU {cpu / n * 1e6:.0f} us a message (wall {wall / n * 1e6:.0f} us)"
              f"{' with cProfile on' if profiler else ''}; redis-server {server / n * 1e6:.0f} us")
        print("| stage | CPU us a message | share | calls a message | wall us a message |")
        print("|---|---:|---:|---:|---:|")
        details = {stage: spent for stage, spent in exclusive.items() if stage.startswith("sqlite ")}
        for stage, spent in details.items():  # one line for SQLite; its functions below the table
            exclusive["sqlite"] += spent
            exclusive_wall["sqlite"] += exclusive_wall[stage]
            calls["sqlite"] += calls[stage]
            del exclusive[stage]
        rows = sorted(exclusive.items(), key=lambda kv: -kv[1]) + [("redis-server", server)]
        whole = sum(exclusive.values()) + server
        for stage, spent in rows:
            print(f"| {stage} | {spent / n * 1e6:.0f} | {spent / whole:.0%} | "
                  f"{calls[stage] / n:.2f} | {exclusive_wall[stage] / n * 1e6:.0f} |" if stage in calls else
                  f"| {stage} | {spent / n * 1e6:.0f} | {spent / whole:.0%} | | |")
        print(f"| **total** | **{whole / n * 1e6:.0f}** | | | |")
        print("\nSQLite by function (storage/), most wall time first: calls a message, CPU us, wall us a message")
        for stage, spent in sorted(details.items(), key=lambda kv: -exclusive_wall[kv[0]])[:15]:
            print(f"  {stage[7:]:45s} {calls[stage] / n:5.2f} {spent / n * 1e6:7.0f} {exclusive_wall[stage] / n * 1e6:7.0f}")
        if args.by_kind:
            print_by_kind(by_kind, kinds)
        if profiler:
            import pstats

            profiler.dump_stats("/tmp/profile_webhook.prof")
            pstats.Stats(profiler).sort_stats("tottime").print_stats(args.cprofile)


if __name__ == "__main__":
    main()
