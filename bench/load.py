"""Signed member traffic for /wechat, and the processes it is aimed at.

Shared by bench/bench_webhook.py (throughput and latency), bench/soak.py (ten
minutes at a moderate rate) and bench/chaos.py (faults under traffic):

- `Traffic`: WeChat text messages as the platform sends them, signed with
  tests/wechat_reference.py (not with the bot's own code): texts from the
  labelled router set (every intent, as members write), senders drawn from a
  pool that mixes bound members and mere followers, every MsgId unique, the
  signature's timestamp taken when the message is made (so a set made at the
  start of a run stays inside the 300-second replay window);
- `Stack`: a temporary data directory with a private redis-server and an
  SQLite file holding members and job postings, and `gunicorn -w 2` serving an
  app from it with production settings;
- `open_loop` / `closed_loop`: a Python load generator (asyncio, one
  connection per request, as gunicorn's sync workers close each one);
  open-loop sends at a fixed rate and times each request from when it was due,
  so a stalled server cannot hide its queue (no coordinated omission);
- `processes_of` / `process_stats`: RSS and open files of a process tree, from /proc.
"""
from __future__ import annotations

import asyncio
import gc
import itertools
import json
import os
import random
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.bench_jobs import generate as generate_postings  # noqa: E402
from bench.bench_jobs import percentile  # noqa: E402
from bench.bench_members import add_members, openid_of, stranger_of  # noqa: E402
from bot import content  # noqa: E402
from storage.database import open_database  # noqa: E402
from storage.jobs import save_postings  # noqa: E402
from storage.redis_server import ensure_private_redis, stop_private_redis  # noqa: E402
from tests import wechat_reference as ref  # noqa: E402
from tests.fake_wechat import FakeProcess  # noqa: E402

ACCOUNT = ref.Account(token="benchtoken", encoding_aes_key="Bq8cE3x0Tn5vW2yZ7aK4mP9rS1dF6gH0jL3nQ5tV8wX",
                      app_id="wxbench000000000001")
ACCOUNT_ID = "gh_bench00000001"  # ToUserName: the official account's original id


def production_env(data_dir: Path, redis_url: str, api_base: str = "http://127.0.0.1:9/cgi-bin/") -> dict:
    """What `gunicorn bot.wsgi:app` runs with in production, pointed at the stack's stores."""
    return {**os.environ, "BOT_ENV": "production", "BOT_DATA_DIR": str(data_dir), "REDIS_URL": redis_url,
            "WECHAT_TOKEN": ACCOUNT.token, "WECHAT_APP_ID": ACCOUNT.app_id, "WECHAT_APP_SECRET": "benchsecret",
            "WECHAT_ENCODING_AES_KEY": ACCOUNT.encoding_aes_key, "WECHAT_API_BASE": api_base,
            "ADMIN_SECRET_KEY": "bench-admin-secret-key-0123456789abcdef", "PYTHONUNBUFFERED": "1"}


# --- traffic -------------------------------------------------------------------------------

def member_texts() -> list[str]:
    """Every text of the labelled router set: all intents, in members' own words."""
    with (ROOT / "tests/data/router_labelled.jsonl").open(encoding="utf-8") as lines:
        texts = [json.loads(line)["text"] for line in lines if line.strip()]
    return [" ".join(text.split()) for text in texts]  # one line each (the wrk file is line-based)


def senders(members: int, count: int = 2_000, bound_share: float = 0.7, seed: int = 7) -> list[str]:
    """A pool of openids: bound members of the stack's roster and followers who are not members."""
    rng = random.Random(seed)
    bound = int(count * bound_share)
    return [openid_of(rng.randrange(members)) for _ in range(bound)] + [stranger_of(i) for i in range(count - bound)]


def menu_keys() -> list[str]:
    """The click keys of the account's menu (content/menu.toml)."""
    with (ROOT / "content/menu.toml").open("rb") as menu:
        return sorted(set(re.findall(r'^\s*key\s*=\s*"([^"]+)"', menu.read().decode(), re.M)))


class Traffic:
    """Plaintext-mode messages from random senders, each with its own MsgId and fresh signature.

    Text messages, and with `clicks` / `follows` (shares of all messages) also menu clicks
    and follows. An event has no MsgId: WeChat's retry key for it is sender + CreateTime +
    event + key, so events go to the pool's senders in turn, each round one second before the
    one before it, counted from when the Traffic was made (not from the clock, which may tick
    between a sender's two events and give both the same second), and no two are taken for
    retries of each other."""

    def __init__(self, pool: list[str], seed: int = 1, clicks: float = 0.0, follows: float = 0.0):
        self.pool = pool
        self.texts = member_texts()
        self.rng = random.Random(seed)
        self.msg_ids = itertools.count(int(time.time() * 1000) * 1000 + seed * 10**9)
        self.clicks, self.follows = clicks, follows
        self.keys = menu_keys() if clicks else []
        self.events = itertools.count()
        self.started = int(time.time())

    def message(self, sender: str | None = None, text: str | None = None) -> tuple[str, bytes]:
        """(path with the signed query, body) of one message."""
        if sender is None and text is None and (self.clicks or self.follows):
            draw = self.rng.random()
            if draw < self.clicks:
                return self.event("CLICK", self.rng.choice(self.keys))
            if draw < self.clicks + self.follows:
                return self.event("subscribe", "")
        sender = sender or self.rng.choice(self.pool)
        text = self.rng.choice(self.texts) if text is None else text
        now = int(time.time())
        query = urlencode(ACCOUNT.signed_query(now, str(self.rng.randrange(10**9))))
        xml = (f"<xml><ToUserName><![CDATA[{ACCOUNT_ID}]]></ToUserName><FromUserName><![CDATA[{sender}]]>"
               f"</FromUserName><CreateTime>{now}</CreateTime><MsgType><![CDATA[text]]></MsgType>"
               f"<Content><![CDATA[{text}]]></Content><MsgId>{next(self.msg_ids)}</MsgId></xml>")
        return f"/wechat?{query}", xml.encode("utf-8")

    def event(self, event: str, key: str) -> tuple[str, bytes]:
        """A menu click (`CLICK`, the button's key) or a follow (`subscribe`, no key)."""
        n = next(self.events)
        sender = self.pool[n % len(self.pool)]
        now = int(time.time())
        query = urlencode(ACCOUNT.signed_query(now, str(self.rng.randrange(10**9))))
        xml = (f"<xml><ToUserName><![CDATA[{ACCOUNT_ID}]]></ToUserName><FromUserName><![CDATA[{sender}]]>"
               f"</FromUserName><CreateTime>{self.started - n // len(self.pool)}</CreateTime>"
               f"<MsgType><![CDATA[event]]></MsgType><Event><![CDATA[{event}]]></Event>"
               f"<EventKey><![CDATA[{key}]]></EventKey></xml>")
        return f"/wechat?{query}", xml.encode("utf-8")

    def write_wrk_file(self, path: Path, count: int) -> Path:
        """`count` messages for bench/webhook.lua, one `path<TAB>body` a line."""
        with path.open("wb") as out:
            for _ in range(count):
                target, body = self.message()
                out.write(target.encode() + b"\t" + body + b"\n")
        return path


# --- replies ---------------------------------------------------------------------------------

def reply_kind(status: int, body: bytes) -> str:
    """What a member saw: `reply` (an answer), `success` (nothing to show), or the fallbacks
    that mean trouble: `error` (a handler failed), `busy` (lock not had), `late` (past the
    budget; sent later), or `http <status>`."""
    if status != 200:
        return f"http {status}"
    if body in (b"success", b""):
        return "success"
    text = body.decode("utf-8", "replace")
    for kind, key in (("error", "error.text"), ("busy", "flow.busy"), ("late", "deadline.later")):
        if content.text(key) in text:
            return kind
    return "reply"


# --- load generators -----------------------------------------------------------------------------

@dataclass
class LoadResult:
    seconds: float = 0.0
    latencies_ms: list[float] = field(default_factory=list)
    kinds: Counter = field(default_factory=Counter)
    lag_ms: float = 0.0  # how far behind schedule the generator itself fell (open loop)
    # with keep_requests: (due, sent, body, status, reply) of each request, in the order of latencies_ms
    requests: list = field(default_factory=list)

    @property
    def rate(self) -> float:
        return len(self.latencies_ms) / self.seconds if self.seconds else 0.0

    def quantile(self, share: float) -> float:
        return percentile(self.latencies_ms, share) if self.latencies_ms else float("nan")

    def merge(self, other: "LoadResult") -> None:
        self.latencies_ms += other.latencies_ms
        self.kinds.update(other.kinds)
        self.seconds += other.seconds
        self.lag_ms = max(self.lag_ms, other.lag_ms)


_CONTENT_LENGTH = re.compile(rb"\r\ncontent-length:\s*(\d+)", re.I)


def _raw_request(port: int, target: str, body: bytes) -> bytes:
    return (f"POST {target} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nContent-Type: text/xml\r\n"
            f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n").encode() + body


class _Exchange(asyncio.Protocol):
    """One request on a connection of its own, read until the response's Content-Length is in (as an
    HTTP client reads it: a server that sends the reply and then does more before it closes the
    connection has answered), or until the server closes it.

    A bare protocol, not asyncio's streams: at several hundred requests a second the
    generator shares the 2 cores with what it measures, and streams cost it about
    twice the CPU."""

    def __init__(self, request: bytes, done: asyncio.Future):
        self.request, self.done, self.chunks = request, done, []

    def connection_made(self, transport) -> None:
        transport.write(self.request)

    def data_received(self, data: bytes) -> None:
        self.chunks.append(data)
        raw = b"".join(self.chunks) if len(self.chunks) > 1 else data
        head, end, body = raw.partition(b"\r\n\r\n")
        if end and not self.done.done():
            length = _CONTENT_LENGTH.search(head)
            if length and len(body) >= int(length.group(1)):
                self.done.set_result(raw)

    def connection_lost(self, exc) -> None:
        if not self.done.done():
            self.done.set_result(b"".join(self.chunks))


async def _post(port: int, request: bytes, timeout: float) -> tuple[int, bytes]:
    """One request on its own connection; (status, body), status 0 when the connection failed."""
    loop = asyncio.get_running_loop()
    done = loop.create_future()
    transport = None
    try:
        async with asyncio.timeout(timeout):
            transport, _ = await loop.create_connection(lambda: _Exchange(request, done), "127.0.0.1", port)
            raw = await done
    except (OSError, TimeoutError):
        return 0, b""
    finally:
        if transport is not None:
            transport.close()
    head, _, body = raw.partition(b"\r\n\r\n")
    try:
        return int(head.split(b" ", 2)[1]), body
    except (IndexError, ValueError):
        return 0, b""


async def _timed(port, request: bytes, due, result: LoadResult, replies: list, timeout, body=None) -> None:
    sent = time.perf_counter()
    replies.append(await _post(port, request, timeout))
    result.latencies_ms.append((time.perf_counter() - due) * 1000)
    if body is not None:
        result.requests.append((due, sent, body, *replies[-1]))


def _count_replies(result: LoadResult, replies: list) -> None:
    """What each reply was, after the run: classifying during it would cost the generator."""
    for status, reply in replies:
        result.kinds[reply_kind(status, reply) if status else "connection failed"] += 1


async def _open_loop(port, make_request, rate, seconds, timeout, keep_requests) -> LoadResult:
    """Requests due at a fixed rate, sent in small batches as they fall due (one timer a
    batch, not one a request), each timed from when it was due."""
    result, replies, pending = LoadResult(), [], set()
    total, sent = int(rate * seconds), 0
    start = time.perf_counter()
    while sent < total:
        now = time.perf_counter()
        due_now = min(total, int((now - start) * rate) + 1)
        if sent < due_now:
            result.lag_ms = max(result.lag_ms, (now - (start + sent / rate)) * 1000)
        for i in range(sent, due_now):
            target, body = make_request()
            task = asyncio.create_task(
                _timed(port, _raw_request(port, target, body), start + i / rate, result, replies, timeout,
                       body if keep_requests else None))
            pending.add(task)
            task.add_done_callback(pending.discard)
        sent = due_now
        await asyncio.sleep(max(0.0, start + sent / rate - time.perf_counter()))
    await asyncio.gather(*pending)
    result.seconds = seconds
    _count_replies(result, replies)
    return result


def open_loop(port: int, make_request, rate: float, seconds: float, timeout: float = 30,
              keep_requests: bool = False) -> LoadResult:
    """Send `rate` requests a second for `seconds`, each timed from when it was due; with
    `keep_requests`, each request's due time, body and reply too (bench/latency_trace.py).

    The garbage collector is off meanwhile: its full collections paused the generator for
    80 ms and more, and a late send counts as latency of the server measured."""
    gc.collect()
    gc.disable()
    try:
        return asyncio.run(_open_loop(port, make_request, rate, seconds, timeout, keep_requests))
    finally:
        gc.enable()


async def _closed_loop(port, make_request, connections, seconds, timeout) -> LoadResult:
    result, replies = LoadResult(), []
    start = time.perf_counter()

    async def client():
        while time.perf_counter() - start < seconds:
            target, body = make_request()
            await _timed(port, _raw_request(port, target, body), time.perf_counter(), result, replies, timeout)

    await asyncio.gather(*(client() for _ in range(connections)))
    result.seconds = time.perf_counter() - start
    _count_replies(result, replies)
    return result


def closed_loop(port: int, make_request, connections: int, seconds: float, timeout: float = 30) -> LoadResult:
    """As many requests as `connections` clients get answered in `seconds` (the fallback for wrk)."""
    return asyncio.run(_closed_loop(port, make_request, connections, seconds, timeout))


# --- processes ---------------------------------------------------------------------------------------

def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def processes_of(pid: int) -> list[int]:
    """The process and all its descendants (gunicorn's master and workers)."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            children.setdefault(ppid, []).append(int(entry.name))
    found, todo = [], [pid]
    while todo:
        current = todo.pop()
        found.append(current)
        todo += children.get(current, [])
    return found


def process_stats(pid: int) -> dict:
    """RSS (MiB) and open file descriptors of one process; empty if it is gone."""
    try:
        status = (Path("/proc") / str(pid) / "status").read_text()
        files = len(os.listdir(f"/proc/{pid}/fd"))
        name = (Path("/proc") / str(pid) / "cmdline").read_bytes().replace(b"\0", b" ").decode().strip()
    except OSError:
        return {}
    rss_kb = next(int(line.split()[1]) for line in status.splitlines() if line.startswith("VmRSS:"))
    return {"pid": pid, "rss_mib": rss_kb / 1024, "files": files, "command": name[:90]}


@dataclass
class Server:
    port: int
    proc: subprocess.Popen

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/wechat"

    def stop(self) -> None:
        stop(self.proc)


def stop(proc: subprocess.Popen) -> None:
    """SIGTERM (gunicorn and RQ shut down gracefully), SIGKILL if that takes over 20 s."""
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


class Stack:
    """A temporary data directory: private redis-server, SQLite with members and postings, servers;
    with `wechat=True` also the fake WeChat API (tests/fake_wechat.py, a process of its own) that
    the bot's outbound client and queue workers talk to."""

    def __init__(self, members: int = 10_000, postings: int = 2_000, wechat: bool = False,
                 redis_wrapper: tuple[str, ...] = ()):
        self.dir = Path(tempfile.mkdtemp(prefix="xh-bench-webhook-"))
        self.redis_url, _ = ensure_private_redis(self.dir, timeout=120 if redis_wrapper else 10, wrapper=redis_wrapper)
        self.members = members
        self.servers: list[Server] = []
        self.workers: list[subprocess.Popen] = []
        self.fake = FakeProcess(ACCOUNT.app_id, "benchsecret", calls_per_second=None) if wechat else None
        db = open_database(self.dir / "bot.sqlite3")
        add_members(db, members)
        today, generated = date.today().isoformat(), generate_postings(postings)
        for first in range(0, postings, 5000):
            save_postings(db, generated[first:first + 5000], today)
        db.close()

    def env(self, **extra: str) -> dict:
        api = {"api_base": self.fake.api_base} if self.fake else {}
        return {**production_env(self.dir, self.redis_url, **api), **extra}

    @property
    def redis_pid(self) -> int:
        return int((self.dir / "redis.pid").read_text())

    def start_worker(self) -> subprocess.Popen:
        """`python -m bot worker`, as production runs beside the web servers."""
        log = (self.dir / f"worker-{len(self.workers)}.log").open("wb")
        worker = subprocess.Popen([sys.executable, "-m", "bot", "worker"], env=self.env(), cwd=ROOT,
                                  stdout=log, stderr=subprocess.STDOUT)
        self.workers.append(worker)
        return worker

    def serve(self, app: str, workers: int = 2, env: dict | None = None, log_name: str = "gunicorn",
              options: tuple[str, ...] = ("--preload",)) -> Server:
        """`gunicorn -w <workers> <options> <app>` on a free loopback port; returns once it answers.
        `--preload` by default, as deploy/systemd/xuehui-web.service runs the bot."""
        port = free_port()
        log = (self.dir / f"{log_name}-{port}.log").open("wb")
        proc = subprocess.Popen([sys.executable, "-m", "gunicorn", "-w", str(workers), "-b", f"127.0.0.1:{port}",
                                 *options, app], env=env or self.env(), cwd=ROOT, stdout=log,
                                stderr=subprocess.STDOUT)
        server = Server(port, proc)
        self.servers.append(server)
        deadline = time.monotonic() + 60
        while _post_status(port) != 200:
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"{app} did not start; see {log.name}")
            time.sleep(0.2)
        return server

    def close(self) -> None:
        for server in self.servers:
            server.stop()
        for worker in self.workers:
            stop(worker)
        if self.fake:
            self.fake.stop()
        stop_private_redis(self.dir)
        shutil.rmtree(self.dir, ignore_errors=True)

    def __enter__(self) -> "Stack":
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def post(port: int, target: str, body: bytes, timeout: float = 30) -> tuple[int, bytes]:
    """One request, synchronously: (status, body); status 0 when the connection failed."""
    return asyncio.run(_post(port, _raw_request(port, target, body), timeout))


def _post_status(port: int) -> int:
    return post(port, *Traffic([stranger_of(0)]).message(text="你好"), timeout=10)[0]
