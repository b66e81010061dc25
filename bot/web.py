"""What every web page shares: the process's stores, and what a request hands us that we must not
trust: numbers and redirect targets.

Every numeric parameter of the console (/admin) and the member pages (/m/) is parsed here, once:

- path parameters through `BoundedInt`, the app's `int` URL converter: ASCII digits only, 1 to
  SQLite's largest integer, else the URL matches no route (404);
- query and form numbers through `arg`/`number`: ASCII digits only, within the bounds the caller
  gives (400 when not), or `parse` where a form answers a bad number with a message instead.

So a page number beyond SQLite's integer range, a negative or zero id, letters, or digits of
another script (١٢, １２) are a 4xx, never a 500.

Redirect targets taken from a request (`next`, `back`) go through `same_site_path`: a path on
this site, or the fallback. Never a scheme, a host, `//host` or `/\\host` (browsers read both as
another site), nor control characters.
"""
from __future__ import annotations

import re
from urllib.parse import urlsplit

from flask import abort, current_app, g, request
from werkzeug.routing import BaseConverter, ValidationError

SQLITE_MAX = 2**63 - 1  # the largest integer SQLite stores
MAX_PAGE = 10**6  # far beyond any list of the society's; keeps offsets well inside SQLite's range
_DIGITS = re.compile(r"[0-9]{1,19}")
_AMOUNT = re.compile(r"[0-9]{1,9}(\.[0-9]{1,2})?")


def services():
    """The process's stores, set up once by the app factory (bot.app); with the platform, the
    services of the society the console's session is signed in to (bot/platform/console.py)."""
    return g.get("account_services") or current_app.extensions["services"]


def db():
    return services().db


def config():
    return services().config


def redis_client():
    """Opened when a notice is queued, as handlers.members.membership expects."""
    return services().redis


class NumberError(ValueError):
    """Not a whole number in ASCII digits within the bounds."""


def parse(value, low: int = 1, high: int = SQLITE_MAX) -> int:
    """`value` as an int if it is ASCII digits within [low, high]; else NumberError."""
    text = value.strip() if isinstance(value, str) else ""
    if not _DIGITS.fullmatch(text):
        raise NumberError(value)
    number = int(text)
    if not low <= number <= high:
        raise NumberError(value)
    return number


def parse_amount(value, high: float = 10**7) -> float:
    """A sum of money as typed in a form (yuan, at most two decimals) within (0, high]."""
    text = value.strip() if isinstance(value, str) else ""
    if not _AMOUNT.fullmatch(text) or not 0 < float(text) <= high:
        raise NumberError(value)
    return float(text)


def number(value, low: int = 1, high: int = SQLITE_MAX, default: int | None = None) -> int | None:
    """Like `parse`, for a request parameter: absent or empty gives `default`; a bad one is 400."""
    if value is None or value == "":
        return default
    try:
        return parse(value, low, high)
    except NumberError:
        abort(400)


def arg(name: str, low: int = 1, high: int = SQLITE_MAX, default: int | None = None) -> int | None:
    """The query parameter `name` as a bounded number (see `number`)."""
    return number(request.args.get(name), low, high, default)


class BoundedInt(BaseConverter):
    """`<int:...>` for this app: an id of 1 to SQLite's largest integer, in ASCII digits."""

    regex = r"[0-9]{1,19}"
    weight = 50
    part_isolating = True

    def __init__(self, map, *args, **kwargs):  # noqa: A002  (werkzeug's name)
        super().__init__(map)

    def to_python(self, value: str) -> int:
        try:
            return parse(value)
        except NumberError:
            raise ValidationError() from None

    def to_url(self, value) -> str:
        return str(int(value))


def same_site_path(target: str | None, fallback: str, prefix: str = "/") -> str:
    """`target` if it is a path on this site under `prefix`, else `fallback`."""
    target = target or ""
    if (not target.startswith(prefix) or target.startswith(("//", "/\\")) or "\\" in target
            or any(ord(c) < 32 or ord(c) == 127 for c in target)):
        return fallback
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return fallback
    return target
