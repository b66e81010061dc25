"""What the slowest requests of a latency run were: a gunicorn config and the report over its records.

bench/bench_webhook.py serves the bot with `-c bench/latency_trace.py`. Nothing is wrapped until a
worker gets SIGUSR2: then it wraps the stages of a message (module attributes and gunicorn's
SyncWorker.handle, patched in place) and notes, for every request, the wall time of each stage,
the thread's CPU and run-queue wait (/proc/thread-self/schedstat), the garbage collector's pauses,
gunicorn's part (reading the request before the app, writing the response and closing after it),
and what the message was (its retry key, whether its member had nothing in Redis yet); the next
SIGUSR2 writes the records to $LATENCY_TRACE_DIR/<pid>-<n>.jsonl and takes the wrappers away. So
the peaks are served unwrapped, and production never loads this file.

`report()` joins the records with the generator's (bench/load.py's open_loop, `keep_requests`) by
retry key and prints, for the slowest 1% of the run's requests: the kind of message (a text by its
labelled intent, a click, a follow), whether the member was new to Redis, the reply kind, where
the time went by stage (the queue before a worker accepted it included), and when in the run they
came; against the same figures for all requests.
"""
from __future__ import annotations

import gc
import json
import os
import re
import signal
import statistics
import time
from collections import Counter
from pathlib import Path

STAGES = ("read", "app", "write", "open", "begin", "respond", "commit", "render", "end", "after reply", "seal")
_records: list[dict] = []
_current: dict = {}
_worker: list = []
_undo: list = []
_dumps = [0]


def _schedstat() -> tuple[float, float]:
    """(CPU, run-queue wait) of this thread so far, in seconds."""
    with open("/proc/thread-self/schedstat", "rb") as stat:
        ran, waited, _ = stat.read().split()
    return int(ran) / 1e9, int(waited) / 1e9


def _timing(stage: str, function):
    def timed(*args, **kwargs):
        started = time.perf_counter()
        try:
            return function(*args, **kwargs)
        finally:
            record = _current.get("record")
            if record is not None:
                record[stage] = record.get(stage, 0.0) + time.perf_counter() - started
    return timed


def _patch(owner, name: str, replacement) -> None:
    _undo.append((owner, name, getattr(owner, name)))
    setattr(owner, name, replacement)


def _on_gc(phase: str, info: dict) -> None:
    record = _current.get("record")
    if phase == "start":
        _current["gc"] = time.perf_counter()
    elif record is not None and "gc" in _current:
        record["gc"] = record.get("gc", 0.0) + time.perf_counter() - _current.pop("gc")
        record["gc gen"] = max(record.get("gc gen", 0), info["generation"])


def _start() -> None:
    from gunicorn.workers import sync

    from bot import conversation, webhook
    from storage import state

    handle = sync.SyncWorker.handle

    def traced_handle(self, listener, client, addr):
        accepted = time.perf_counter()
        cpu, queued = _schedstat()
        record = _current["record"] = {"accepted": accepted, "pid": os.getpid()}
        try:
            handle(self, listener, client, addr)
        finally:
            _current["record"] = None
            done = time.perf_counter()
            cpu_after, queued_after = _schedstat()
            record.update(done=done, cpu=cpu_after - cpu, runqueue=queued_after - queued,
                          write=done - accepted - record.get("read", 0.0) - record.get("app", 0.0))
            _records.append(record)

    def traced_open(config, args, body):
        message, encrypted = opened(config, args, body)
        if _current.get("record") is not None:
            _current["record"]["key"] = message.retry_key
        return message, encrypted

    def traced_begin(*args, **kwargs):
        turn = begun(*args, **kwargs)
        record = _current.get("record")
        if record is not None and turn is not None:
            record["new to Redis"] = turn.taken and not (turn.flow or turn.language or turn.last_routed
                                                         or turn.inbox_mark or turn.topic)
        return turn

    def traced_answer(services, message, turn, at_once=False, routed=None):
        record = _current.get("record")
        if record is not None:
            record["at once" if at_once else "pool"] = True
        return answered(services, message, turn, at_once, routed)

    app = _worker[0].wsgi

    def traced_app(environ, start_response):
        record = _current.get("record")
        if record is not None:
            record["read"] = time.perf_counter() - record["accepted"]  # the request line, headers and parsing
        return app(environ, start_response)

    opened, begun, answered = webhook.open_message, state.begin_message, webhook._answer_in_turn
    _patch(sync.SyncWorker, "handle", traced_handle)
    _patch(_worker[0], "wsgi", _timing("app", traced_app))
    _patch(webhook, "open_message", _timing("open", traced_open))
    _patch(state, "begin_message", _timing("begin", traced_begin))
    _patch(webhook, "_answer_in_turn", traced_answer)
    _patch(webhook, "respond", _timing("respond", webhook.respond))
    _patch(conversation, "close_answer", _timing("commit", conversation.close_answer))
    _patch(webhook, "render_reply", _timing("render", webhook.render_reply))
    _patch(state, "end_message", _timing("end", state.end_message))
    _patch(webhook, "_write_after_reply", _timing("after reply", webhook._write_after_reply))
    _patch(webhook, "seal_reply", _timing("seal", webhook.seal_reply))
    gc.callbacks.append(_on_gc)


def _stop() -> None:
    while _undo:
        owner, name, original = _undo.pop()
        setattr(owner, name, original)
    if _on_gc in gc.callbacks:
        gc.callbacks.remove(_on_gc)
    _dumps[0] += 1
    out = Path(os.environ["LATENCY_TRACE_DIR"]) / f"{os.getpid()}-{_dumps[0]}.jsonl"
    out.write_text("".join(json.dumps(record) + "\n" for record in _records))
    _records.clear()


def post_worker_init(worker) -> None:
    """gunicorn's hook: SIGUSR2 starts the trace, the next one writes it and stops it."""
    _worker.append(worker)
    def toggle(_signum, _frame):
        if _undo:
            _stop()
        else:
            _start()

    signal.signal(signal.SIGUSR2, toggle)


# --- the report, in the benchmark's process ------------------------------------------------------------

def read_records(directory: Path, dump: int) -> dict[str, dict]:
    """The workers' records of one traced run (their `dump`-th), by retry key."""
    found = {}
    for path in directory.glob(f"*-{dump}.jsonl"):
        for line in path.read_text().splitlines():
            record = json.loads(line)
            if "key" in record:
                found[record["key"]] = record
    return found


def _key_of(body: bytes) -> str:
    """The retry key bot.messages.Inbound gives the message (MsgId, or sender + time + event + key)."""
    xml = body.decode("utf-8")
    field = {name: re.search(rf"<{name}>(?:<!\[CDATA\[)?(.*?)(?:\]\]>)?</{name}>", xml, re.S)
             for name in ("MsgId", "FromUserName", "CreateTime", "Event", "EventKey")}
    if field["MsgId"]:
        return "msg:" + field["MsgId"].group(1)
    value = {name: match.group(1) if match else "" for name, match in field.items()}
    return f"evt:{value['FromUserName']}:{value['CreateTime']}:{value['Event'].lower()}:{value['EventKey']}"


def _sender(body: bytes) -> str:
    return re.search(rb"<FromUserName><!\[CDATA\[(.*?)\]\]>", body).group(1).decode()


def _ms(values) -> str:
    values = list(values)
    return f"{statistics.median(values) * 1000:.1f}" if values else "-"


def report(result, records: dict[str, dict], intents: dict[str, str], kind_of, share: float = 0.01) -> None:
    """Print what the slowest `share` of a run's requests were, beside all of them."""
    from bench.load import reply_kind

    seen: set[str] = set()
    rows = []
    for (due, sent, body, status, reply), latency in zip(result.requests, result.latencies_ms):
        sender = _sender(body)
        rows.append({"due": due, "sent": sent, "latency": latency, "kind": kind_of(body, intents),
                     "first of sender": sender not in seen, "reply": reply_kind(status, reply) if status else "failed",
                     "server": records.get(_key_of(body))})
        seen.add(sender)
    if not rows:
        return
    start = min(row["due"] for row in rows)
    by_worker: dict[int, list] = {}
    for record in records.values():
        by_worker.setdefault(record["pid"], []).append(record)
    for worked in by_worker.values():  # how long the worker was idle before it accepted each request
        worked.sort(key=lambda record: record["accepted"])
        for before, record in zip([None, *worked], worked):
            record["idle before"] = record["accepted"] - before["done"] if before else 0.0
    rows.sort(key=lambda row: row["latency"])
    slow = rows[-max(1, int(len(rows) * share)):]
    traced = sum(row["server"] is not None for row in rows)
    print(f"\nthe slowest {len(slow)} of {len(rows):,} requests ({traced:,} matched with the server's records):")

    def shares(group, name, value) -> str:
        counted = Counter(value(row) for row in group)
        return f"{name}: " + ", ".join(f"{key} {n}" for key, n in counted.most_common(6))

    for label, group in (("slowest", slow), ("all", rows)):
        print(f"- {label}: " + "; ".join((
            shares(group, "kind", lambda row: row["kind"].split(":")[0] if not row["kind"].startswith("text")
                   else row["kind"]),
            shares(group, "member's first message of the run", lambda row: row["first of sender"]),
            shares(group, "new to Redis", lambda row: (row["server"] or {}).get("new to Redis")),
            shares(group, "reply", lambda row: row["reply"]),
            shares(group, "answered", lambda row: "pool" if (row["server"] or {}).get("pool") else "at once"),
            shares(group, "second of the run", lambda row: int(row["due"] - start)))))
    columns = ("late sent", "queue", "idle before", "handle", "cpu", "runqueue", "gc", *STAGES)
    print("| requests | latency | " + " | ".join(columns) + " | (median ms) |")
    print("|---|---:|" + "---:|" * len(columns) + "---|")
    for label, group in (("slowest", slow), ("all", rows)):
        served = [row for row in group if row["server"]]
        cells = [_ms(row["sent"] - row["due"] for row in served),
                 _ms(row["server"]["accepted"] - row["sent"] for row in served),
                 _ms(row["server"]["idle before"] for row in served),
                 _ms(row["server"]["done"] - row["server"]["accepted"] for row in served)]
        cells += [_ms(row["server"].get(stage, 0.0) for row in served) for stage in ("cpu", "runqueue", "gc", *STAGES)]
        print(f"| {label} | {statistics.median(row['latency'] for row in group):.1f} | " + " | ".join(cells) + " | |")
    print("the ten slowest (ms; late sent: due to the generator's send; queue: sent to a worker's accept; idle before: "
          "the worker's last request done to this accept):")
    for row in slow[-10:]:
        server = row["server"] or {}
        stages = " ".join(f"{stage} {server[stage] * 1000:.1f}" for stage in ("cpu", "runqueue", "gc", *STAGES)
                          if server.get(stage, 0) >= 0.0005)
        queue = (f"late sent {(row['sent'] - row['due']) * 1000:.1f} queue {(server['accepted'] - row['sent']) * 1000:.1f} "
                 f"idle before {server['idle before'] * 1000:.1f} handle {(server['done'] - server['accepted']) * 1000:.1f} "
                 if server else "")
        print(f"  {row['latency']:.1f} at {row['due'] - start:.2f} s: {row['kind']}, {row['reply']}, "
              f"first of sender {row['first of sender']}, new to Redis {server.get('new to Redis')}, "
              f"{'pool' if server.get('pool') else 'at once'}, worker {server.get('pid')}: {queue}{stages}")
