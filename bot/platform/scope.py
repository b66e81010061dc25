"""A web request for one society: its services for `bot.web.services()` and its namespace, from the
start of the request to its teardown (the console's session society, a member page's /m/<appid>/)."""
from __future__ import annotations

from contextlib import ExitStack

from flask import current_app, g

from bot.platform.holding import mark_busy
from storage.accounts import serving_account


def enter_account(appid: str) -> None:
    """The rest of the request works on the society's store and keys; AccountRefused (404/410/403)
    when the platform does not answer for it now. The request is marked busy in the society's
    namespace until its teardown: a move to another host waits for it (bot/platform/moving.py; only
    on a sharded deployment, the only kind whose societies move)."""
    hub = current_app.extensions["platform"]
    g.account_services = hub.serving(appid)
    g.account_scope = ExitStack()
    g.account_scope.enter_context(serving_account(appid, hub.config.data_dir))
    if hub.config.shard:  # societies move only between the hosts of a sharded deployment
        r = hub.services.redis
        busy = mark_busy(r)
        g.account_scope.callback(r.delete, busy)


def leave_account(_error=None) -> None:
    """At the request's teardown: out of the namespace, the society's store back to the idle ones."""
    scope = g.pop("account_scope", None)
    if scope is not None:
        scope.close()
        current_app.extensions["platform"].release_stores()
