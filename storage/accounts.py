"""Which official account the current work is for: the one place its Redis namespace and queue
names come from.

With one account (the default) nothing is set and every key is `xh:...` and the queue
`outbound`, as always. When one deployment serves many societies (bot/platform/), the code
that takes a message, a console request or an RQ job for a society enters `serving_account(appid)`
first, and everything below it keeps that society's conversation state, dedupe claims, locks,
quotas and queued work under the society's own namespace: `xh:<appid>:...` and
`outbound@<appid>`. Nothing above has to pass the account along, and nothing can mix two
societies' keys by forgetting to.

A context variable, not a global: threads and requests of different societies run side by side
in one process. A thread pool does not carry it by itself (bot/platform/accounts.py's pool does).
"""
from __future__ import annotations

from contextlib import contextmanager
from contextvars import ContextVar
from pathlib import Path

ROOT_PREFIX = "xh:"  # 学会; keeps our keys apart from RQ's on a shared server
QUEUE_SEPARATOR = "@"

_current_account: ContextVar[str | None] = ContextVar("account", default=None)
_current_data_dir: ContextVar[Path | None] = ContextVar("account_data_dir", default=None)


def current_account() -> str | None:
    """The AppID being served, or None in single-account mode."""
    return _current_account.get()


def current_data_dir() -> Path | None:
    """The data directory (the registry's) of the account being served, when whoever entered said it:
    a web process's configuration may not be the environment's (tests, `create_app(config)`)."""
    return _current_data_dir.get()


@contextmanager
def serving_account(appid: str | None, data_dir: Path | None = None):
    """Everything inside works in the account's namespace (None: the single account's)."""
    token, dir_token = _current_account.set(appid), _current_data_dir.set(data_dir)
    try:
        yield appid
    finally:
        _current_data_dir.reset(dir_token)
        _current_account.reset(token)


def key_prefix() -> str:
    """The prefix of every Redis key of the current account."""
    appid = _current_account.get()
    return f"{ROOT_PREFIX}{appid}:" if appid else ROOT_PREFIX


def queue_name(base: str) -> str:
    """The current account's RQ queue of that kind."""
    appid = _current_account.get()
    return f"{base}{QUEUE_SEPARATOR}{appid}" if appid else base


def account_of_queue(name: str) -> str | None:
    """The AppID whose queue this is (None for the single account's)."""
    _, separator, appid = name.partition(QUEUE_SEPARATOR)
    return appid if separator else None
