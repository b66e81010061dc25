"""`gunicorn --preload bot.wsgi:app`: the master loads what the workers share, then forks.

What a worker inherits from the master must be safe to share: loaded dictionaries and models
are; a Redis or SQLite connection or a thread is not (two workers would talk over one socket or
one file handle, a thread does not survive the fork). So the production entry point must load
everything and connect to nothing, and workers forked from it must answer members.
"""
from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlencode

import pytest
import requests

from bot import content
from tests import wechat_reference as ref
from tests.test_webhook import ACCOUNT_ID, reply_fields, text_xml

ROOT = Path(__file__).resolve().parent.parent

_INSPECT = """
import gc, json, os, sys
import bot.wsgi
from bot import router, intent_model
fds = {}
for fd in os.listdir("/proc/self/fd"):
    try:
        fds[fd] = os.readlink(f"/proc/self/fd/{fd}")
    except OSError:
        pass
services = bot.wsgi.app.extensions["services"]
print(json.dumps({
    "threads": len(os.listdir("/proc/self/task")),
    "sockets": [t for t in fds.values() if t.startswith("socket:")],
    "data_files": [t for t in fds.values() if t.startswith(os.environ["BOT_DATA_DIR"])],
    "redis_connections": len(services.redis.connection_pool._available_connections)
                         + len(services.redis.connection_pool._in_use_connections),
    "lexicon_loaded": router._lexicon is not None,
    "model_loaded": intent_model._model is not None,
    "collector": {"enabled": gc.isenabled(), "frozen": gc.get_freeze_count(), "tracked": len(gc.get_objects())},
}))
"""


def test_the_entry_point_loads_everything_and_connects_to_nothing_before_the_fork(env, tmp_path):
    """What gunicorn's master holds when it forks (bot.wsgi imported): no thread, no socket, no
    open database file, but the router's dictionaries and model."""
    run = subprocess.run([sys.executable, "-c", _INSPECT], env={**os.environ, **env}, cwd=ROOT,
                         capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr[-3000:]
    held = json.loads(run.stdout.strip().splitlines()[-1])
    assert held["threads"] == 1, held  # numpy's OpenBLAS threads included (/proc/self/task)
    assert held["sockets"] == [] and held["redis_connections"] == 0, held
    assert held["data_files"] == [], held  # the SQLite file was migrated and closed again
    assert held["lexicon_loaded"] and held["model_loaded"], held
    # start-up's objects frozen (the workers' collections never touch their pages), the collector on for
    # what the workers allocate
    collector = held["collector"]
    assert collector["enabled"] and collector["frozen"] > 100_000 and collector["tracked"] < 1_000, collector


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def preloaded(env, tmp_path):
    """`gunicorn -w 2 --preload bot.wsgi:app` with the test's Redis and data directory."""
    port = _free_port()
    log = (tmp_path / "gunicorn.log").open("wb")
    proc = subprocess.Popen([sys.executable, "-m", "gunicorn", "-w", "2", "--preload", "-b", f"127.0.0.1:{port}",
                             "bot.wsgi:app"], env={**os.environ, **env}, cwd=ROOT, stdout=log,
                            stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}/wechat"
    deadline = time.monotonic() + 120
    while True:
        try:
            requests.get(url, timeout=5)
            break
        except requests.ConnectionError:
            if proc.poll() is not None or time.monotonic() > deadline:
                proc.kill()
                raise AssertionError((tmp_path / "gunicorn.log").read_text()[-3000:]) from None
            time.sleep(0.1)
    yield url
    proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(timeout=30)
    except subprocess.TimeoutExpired:
        proc.kill()


def test_workers_forked_from_a_preloaded_master_answer_every_member_once(preloaded, env):
    """Members write to both workers at once over their own connections: each message is
    answered, and a retry of it gets the same reply (the claim in Redis works after the fork)."""
    account = ref.Account(token=env["WECHAT_TOKEN"], encoding_aes_key=env["WECHAT_ENCODING_AES_KEY"],
                          app_id=env["WECHAT_APP_ID"])
    replies = {}
    session = requests.Session()
    for n in range(24):
        openid = f"o_preload_member_{n:02d}"
        xml = text_xml(openid, "我想报名入会" if n % 2 else "帮助", msg_id=str(9_000_000 + n))
        first = session.post(f"{preloaded}?{urlencode(account.signed_query())}", data=xml.encode(),
                             headers={"Content-Type": "text/xml"}, timeout=10)
        again = requests.post(f"{preloaded}?{urlencode(account.signed_query())}", data=xml.encode(),
                              headers={"Content-Type": "text/xml"}, timeout=10)
        assert first.status_code == again.status_code == 200
        fields = reply_fields(first.content)
        assert (fields["ToUserName"], fields["FromUserName"]) == (openid, ACCOUNT_ID)
        assert fields["Content"] and fields["Content"] not in (content.text("error.text"), content.text("flow.busy"))
        assert reply_fields(again.content)["Content"] == fields["Content"]
        replies[openid] = fields["Content"]
    assert len(replies) == 24
