"""A society being moved to another host (bot/platform/moving.py): what every host's requests and
workers check. Kept apart from the move itself, which needs the outbound queues' names (bot.outbound
imports the platform's accounts, which hold requests here)."""
from __future__ import annotations

import threading
import time
import uuid
from contextlib import contextmanager

import redis

from storage.accounts import key_prefix

MOVING_PREFIX = "xh:moving:"  # + appid: a move under way; every host holds the society's requests
MOVED_PREFIX = "xh:moved:"  # + appid: the host it went to; the old host holds a stale request past WeChat's deadline
BUSY_PART = "busy:"  # in the society's namespace: a console or member-page request working on its store
COMMAND_PART = "command:"  # in the society's namespace: a secretariat command (`--society APPID ...`) running
BUSY_SECONDS = 300  # a marker a dead process left goes away by itself (a running command renews its own)
POLL_SECONDS = 0.05


class SocietyMoving(RuntimeError):
    """A command for a society that is being moved to another host right now."""

    def __init__(self, appid: str):
        super().__init__(appid)
        self.appid = appid


def is_moving(r: redis.Redis, appid: str) -> bool:
    return bool(r.exists(MOVING_PREFIX + appid))


def moving_among(r: redis.Redis, appids: list[str]) -> set[str]:
    """Those of `appids` being moved now (one round trip)."""
    if not appids:
        return set()
    return {appid for appid, found in zip(appids, r.mget([MOVING_PREFIX + a for a in appids])) if found}


def moved_to(r: redis.Redis, appid: str) -> str | None:
    found = r.get(MOVED_PREFIX + appid)
    return found.decode() if found else None


def hold_while_moving(r: redis.Redis, appid: str, seconds: float) -> bool:
    """Wait while the society is being moved, up to `seconds`; whether it still is."""
    deadline = time.monotonic() + seconds
    while is_moving(r, appid):
        if time.monotonic() >= deadline:
            return True
        time.sleep(POLL_SECONDS)
    return False


def mark_busy(r: redis.Redis) -> str:
    """A web request starts working on the current society's store (a move waits for it to end)."""
    key = f"{key_prefix()}{BUSY_PART}{uuid.uuid4().hex}"
    r.set(key, 1, ex=BUSY_SECONDS)
    return key


@contextmanager
def command_running(r: redis.Redis, appid: str):
    """A secretariat command works on the current society's store for as long as it runs: a move of the
    society waits for it (its marker is renewed meanwhile); SocietyMoving, before it starts, if a move
    is under way (marked first, then checked: a move that begins in between sees the marker)."""
    key = f"{key_prefix()}{COMMAND_PART}{uuid.uuid4().hex}"
    r.set(key, 1, ex=BUSY_SECONDS)
    if is_moving(r, appid):
        r.delete(key)
        raise SocietyMoving(appid)
    ended = threading.Event()

    def keep_marked():
        while not ended.wait(BUSY_SECONDS / 3):
            r.expire(key, BUSY_SECONDS)

    threading.Thread(target=keep_marked, name="command-marker", daemon=True).start()
    try:
        yield
    finally:
        ended.set()
        r.delete(key)
