"""gunicorn config for `bench/profile_webhook.py --served`: the stages of a message as served.

Loaded by gunicorn's master (`-c bench/served_stages.py`) before `--preload` imports the app,
so profile_webhook.instrument() wraps the stages' functions before bot/ and handlers/ import
them by name. Each worker then also times gunicorn's own part (`SyncWorker.handle`: parsing
the request, the environ, writing the response, closing the socket) and counts Redis round
trips (one `send_packed_command` each, a pipeline's included), SQLite statements (a trace
callback on every connection the store opens) and log records, per kind of message.
On SIGUSR2 a worker writes what it has counted so far to $SERVED_STAGES_DIR/<pid>.json; the
driver reads two such snapshots around a wrk run and reports the difference.
"""
from __future__ import annotations

import json
import os
import signal
import sys
import time
from collections import Counter, defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import profile_webhook as stages  # noqa: E402

stages.instrument()

import redis.connection  # noqa: E402
from gunicorn.workers import sync  # noqa: E402

from bot import webhook  # noqa: E402
from storage import database  # noqa: E402

by_kind: dict[str, Counter] = defaultdict(Counter)
kinds: Counter = Counter()
_current = {"body": None}
_intents = stages.labelled_intents()


def _counting(name, function):
    def counted(*args, **kwargs):
        stages.calls[name] += 1
        return function(*args, **kwargs)
    return counted


redis.connection.AbstractConnection.send_packed_command = _counting(
    "redis round trips", redis.connection.AbstractConnection.send_packed_command)


def _traced(opener):
    def open_traced(*args, **kwargs):
        db = opener(*args, **kwargs)
        db.conn.set_trace_callback(lambda _statement: stages.calls.update(("sqlite statements",)))
        return db
    return open_traced


from bot import app as app_module  # noqa: E402  (imported by instrument(), with the openers by name)

app_module.open_database = _traced(database.open_database)
app_module.open_reader = _traced(database.open_reader)

_open_message = webhook.open_message


def _open_noting_body(config, args, body):
    _current["body"] = body
    return _open_message(config, args, body)


webhook.open_message = _open_noting_body
handle = stages.timed("gunicorn http", sync.SyncWorker.handle)


def _handle_by_kind(self, listener, client, addr):
    """One connection (one message): its stages' CPU and counts, under the message's kind."""
    before_spent, before_calls = dict(stages.exclusive), dict(stages.calls)
    _current["body"] = None
    handle(self, listener, client, addr)
    started = time.process_time()
    body = _current["body"]
    kind = stages.kind_of(body, _intents) if body else "not a message"
    kinds[kind] += 1
    spent = by_kind[kind]
    for stage, value in stages.exclusive.items():
        spent["sqlite" if stage.startswith("sqlite ") else stage] += value - before_spent.get(stage, 0)
    for name, value in stages.calls.items():
        spent["calls " + name] += value - before_calls.get(name, 0)
    stages.exclusive["profiler"] += time.process_time() - started


sync.SyncWorker.handle = _handle_by_kind


def post_worker_init(worker):
    wsgi = worker.wsgi
    wsgi.wsgi_app = stages.timed("wsgi", wsgi.wsgi_app)  # the webhook's fast path

    def snapshot(_signum, _frame):
        out = Path(os.environ["SERVED_STAGES_DIR"]) / f"{os.getpid()}.json"
        out.write_text(json.dumps({"cpu": time.process_time(), "exclusive": stages.exclusive,
                                   "calls": stages.calls, "kinds": kinds, "by_kind": by_kind}))

    signal.signal(signal.SIGUSR2, snapshot)
