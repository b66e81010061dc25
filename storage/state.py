"""Short-lived shared state in Redis: retries, conversations, per-member locks.

All Redis key names are built here, so `redis-cli --scan` output can be read
against one file.
"""
from __future__ import annotations

import json
import time
import uuid
from contextlib import contextmanager

import redis

from bot.config import Config
from storage.redis_server import ensure_private_redis

PREFIX = "xh:"  # 学会; keeps our keys apart from RQ's on a shared server
PENDING = "__pending__"


def connect_redis(config: Config) -> redis.Redis:
    """A client for REDIS_URL, or for the data directory's private server (started if needed)."""
    url = config.redis_url
    if not url:
        url, _ = ensure_private_redis(config.data_dir)
    return redis.Redis.from_url(url, socket_timeout=2, socket_connect_timeout=2,
                                health_check_interval=30)


# --- WeChat retries -------------------------------------------------------

def _dedupe_key(message_key: str) -> str:
    return f"{PREFIX}dedupe:{message_key}"


def claim_message(r: redis.Redis, message_key: str, ttl: int) -> bool:
    """True for the first delivery of a message; retries find the claim taken."""
    return bool(r.set(_dedupe_key(message_key), PENDING, nx=True, ex=ttl))


def store_reply(r: redis.Redis, message_key: str, reply: str, ttl: int) -> None:
    r.set(_dedupe_key(message_key), reply, ex=ttl)


def wait_for_reply(r: redis.Redis, message_key: str, timeout: float) -> str | None:
    """The first delivery's reply once it is ready, or None if it is not ready in time."""
    deadline = time.monotonic() + timeout
    while True:
        value = r.get(_dedupe_key(message_key))
        if value is None:
            return None
        text = value.decode()
        if text != PENDING:
            return text
        if time.monotonic() >= deadline:
            return None
        time.sleep(0.02)


# --- conversations ---------------------------------------------------------

def _flow_key(openid: str) -> str:
    return f"{PREFIX}flow:{openid}"


def load_flow(r: redis.Redis, openid: str) -> dict | None:
    raw = r.get(_flow_key(openid))
    return json.loads(raw) if raw else None


def save_flow(r: redis.Redis, openid: str, flow: dict, ttl: int) -> None:
    r.set(_flow_key(openid), json.dumps(flow, ensure_ascii=False), ex=ttl)


def clear_flow(r: redis.Redis, openid: str) -> None:
    r.delete(_flow_key(openid))


_RELEASE_SCRIPT = """
if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) end
return 0
"""


class MemberBusy(Exception):
    """Another message of the same member holds the lock for longer than we can wait."""


@contextmanager
def _held_lock(r: redis.Redis, key: str, wait: float, hold: float, busy: Exception):
    """A Redis lock (SET NX PX + owner token); raises `busy` if not had within `wait` seconds."""
    token = uuid.uuid4().hex
    deadline = time.monotonic() + wait
    while not r.set(key, token, nx=True, px=int(hold * 1000)):
        if time.monotonic() >= deadline:
            raise busy
        time.sleep(0.01)
    try:
        yield
    finally:
        r.eval(_RELEASE_SCRIPT, 1, key, token)


def member_lock(r: redis.Redis, openid: str, wait: float, hold: float = 30.0):
    """Serialise one member's messages across processes so a flow is never updated twice."""
    return _held_lock(r, f"{PREFIX}lock:{openid}", wait, hold, MemberBusy(openid))


# --- access token ------------------------------------------------------------
# One token per app, shared by every process; its Redis TTL is its expiry, so
# no process keeps a private idea of when it runs out (wechatpy's does).

def _access_token_key(app_id: str) -> str:
    return f"{PREFIX}wechat:access_token:{app_id}"


def load_access_token(r: redis.Redis, app_id: str) -> str | None:
    """The shared token, or None once it has expired or been invalidated."""
    value = r.get(_access_token_key(app_id))
    return value.decode() if value else None


def store_access_token(r: redis.Redis, app_id: str, token: str, ttl_seconds: int) -> None:
    r.set(_access_token_key(app_id), token, ex=max(1, ttl_seconds))


def invalidate_access_token_if(r: redis.Redis, app_id: str, token: str) -> bool:
    """Drop the shared token only if it is still the one WeChat rejected.

    A process holding an old token must not delete the fresh one another
    process has just fetched (compare-and-delete in one Lua call).
    """
    return bool(r.eval(_RELEASE_SCRIPT, 1, _access_token_key(app_id), token))


class TokenRefreshBusy(Exception):
    """Another process has held the token refresh lock for longer than we can wait."""


def access_token_refresh_lock(r: redis.Redis, app_id: str, wait: float, hold: float):
    """Let one process at a time fetch a token: each fetch invalidates the previous one."""
    return _held_lock(r, f"{PREFIX}wechat:access_token_lock:{app_id}", wait, hold,
                      TokenRefreshBusy(app_id))


# --- outbound outcomes -------------------------------------------------------
# A capped log of what happened to each outbound job, until the SQLite outcome
# table per (item, member) replaces it.

OUTBOUND_LOG_KEY = f"{PREFIX}outbound:log"
OUTBOUND_LOG_SIZE = 1000


def record_outbound_outcome(r: redis.Redis, outcome: dict) -> None:
    """Prepend one outcome and keep only the most recent OUTBOUND_LOG_SIZE."""
    with r.pipeline() as pipe:
        pipe.lpush(OUTBOUND_LOG_KEY, json.dumps(outcome, ensure_ascii=False))
        pipe.ltrim(OUTBOUND_LOG_KEY, 0, OUTBOUND_LOG_SIZE - 1)
        pipe.execute()


def recent_outbound_outcomes(r: redis.Redis, limit: int = 100) -> list[dict]:
    """The latest outcomes, newest first."""
    return [json.loads(raw) for raw in r.lrange(OUTBOUND_LOG_KEY, 0, limit - 1)]


# --- binding attempts ----------------------------------------------------------
# Failed tries to bind a member number, counted per openid and calendar day
# (`now` is a local datetime). The day is part of the key, and the key
# expires when that day ends.

def _binding_failures_key(openid: str, now) -> str:
    return f"{PREFIX}binding_failures:{openid}:{now:%Y%m%d}"


def count_failed_binding(r: redis.Redis, openid: str, now) -> int:
    """Failed binding tries of this openid on the day of `now`."""
    return int(r.get(_binding_failures_key(openid, now)) or 0)


def record_failed_binding(r: redis.Redis, openid: str, now) -> int:
    """Count one more failed try on the day of `now`; returns that day's count."""
    key = _binding_failures_key(openid, now)
    seconds_left_today = 86400 - (now.hour * 3600 + now.minute * 60 + now.second)
    with r.pipeline() as pipe:
        pipe.incr(key)
        pipe.expire(key, seconds_left_today)
        count, _ = pipe.execute()
    return count
