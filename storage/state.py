"""Short-lived shared state in Redis: retries, conversations, per-member locks.

All Redis key names are built here, so `redis-cli --scan` output can be read
against one file. Each account's keys carry its namespace (storage.accounts.key_prefix:
`xh:` alone, or `xh:<appid>:` when one deployment serves many societies); access tokens
and rate buckets are named by AppID already and stay under `xh:` whoever asks.
"""
from __future__ import annotations

import hashlib
import json
import logging
import os
import secrets
import select
import threading
import time
import uuid
import weakref
from contextlib import contextmanager

import hiredis
import redis
from redis.commands.core import Script
from redis.exceptions import NoScriptError

from storage.accounts import ROOT_PREFIX, key_prefix
from storage.database import ReadOnlyRefused
from storage.redis_server import ensure_private_redis

log = logging.getLogger(__name__)

PREFIX = ROOT_PREFIX  # keys shared by every account: tokens and rate buckets, named by AppID
PENDING = "__pending__"


def connect_redis(config) -> redis.Redis:
    """A client for REDIS_URL, or for the data directory's private server (started if needed).

    `config` is bot.config.Config, read only for `redis_url` and `data_dir` (storage imports nothing from bot/).
    """
    url = config.redis_url
    if not url:
        url, _ = ensure_private_redis(config.data_dir)
    return redis.Redis.from_url(url, socket_timeout=2, socket_connect_timeout=2,
                                health_check_interval=30)


# --- one member message -----------------------------------------------------
# Each message costs two round trips: `begin_message` claims it against WeChat's
# retries, opens the customer-service window it opens, takes the member's lock and
# reads their flow; `end_message` writes the flow back, releases the lock and keeps
# the rendered reply for retries. Retries wait for that reply (`wait_for_reply`).

LOCK_HOLD_SECONDS = 30.0  # a crashed process's lock on a member frees itself after this
WINDOW_SLACK_SECONDS = 60  # a customer-service window this close to whole is not opened again (begin_message)


def _dedupe_key(message_key: str) -> str:
    return f"{key_prefix()}dedupe:{message_key}"


def flow_key(openid: str) -> str:
    return f"{key_prefix()}flow:{openid}"


def _lock_key(openid: str) -> str:
    return f"{key_prefix()}lock:{openid}"


class MemberBusy(Exception):
    """Another message of the same member holds the lock for longer than we can wait."""


class MemberTurn:
    """One message's hold on its member's flow: `flow` is as read under the lock."""

    def __init__(self, openid: str):
        self.openid = openid
        self.token = secrets.token_hex(16)  # 32 random hex digits like uuid4().hex, at a fifth of its cost
        self.taken = False
        self.flow: dict | None = None
        self._raw_flow: bytes | None = None
        self.outcome = "keep"  # or "save" (self.flow) or "clear"
        self.later: list[tuple[str, str, int]] = []  # (key, value, ttl) written by end_message
        self.language: str | None = None  # the language remembered for the member (remember_language)
        self.last_routed: str | None = None  # the member's last routed message (remember_last_routed)
        self.inbox_mark: str = ""  # the member's inbox mark as read with the turn ("" none; see inbox_seen_empty)
        self.topic: str | None = None  # what the member's last answer was about (remember_topic)
        self.inbox_empty = False  # end_message marks the inbox empty (seen_inbox_empty)
        # Writes to the member store the reply does not wait for, `write(db)`, left by an answer
        # made at once for after its reply (bot.conversation.Context.after_reply).
        self.after_reply: list = []
        # What WeChat was told when the answer outlived the deadline's budget: end_message keeps it
        # for retries instead of the late reply (which goes by customer-service message).
        self.told_late = ""

    def _took(self, raw_flow: bytes | None, raw_language: bytes | None, raw_last_routed: bytes | None,
              raw_inbox_mark: bytes | None, raw_topic: bytes | None) -> None:
        self.taken, self.flow, self._raw_flow = True, json.loads(raw_flow) if raw_flow else None, raw_flow
        self.language = raw_language.decode() if raw_language else None
        self.last_routed = raw_last_routed.decode() if raw_last_routed else None
        self.inbox_mark = raw_inbox_mark.decode() if raw_inbox_mark else ""
        self.topic = raw_topic.decode() if raw_topic else None

    def start_over(self) -> None:
        """The turn as it was taken: an answer that gave up (ReadOnlyRefused) changed nothing yet."""
        self.flow = json.loads(self._raw_flow) if self._raw_flow else None
        self.outcome, self.later, self.after_reply = "keep", [], []
        self.inbox_empty = False

    def save(self, flow: dict) -> None:
        self.flow, self.outcome = flow, "save"

    def clear(self) -> None:
        self.flow, self.outcome = None, "clear"


# Scripts as bytes need no client to hash; they run by EVALSHA, loaded again after a Redis restart.
_BEGIN_MESSAGE_SCRIPT = Script(None, b"""
-- KEYS: claim, lock, flow, language, last routed, inbox mark, topic[, window]
-- ARGV: pending, claim ttl, token, lock hold ms[, window messages, window ttl, window slack ms]
-- (a window still whole, closing at most the slack earlier than one opened now, is left as it is: see begin_message)
if not redis.call('set', KEYS[1], ARGV[1], 'NX', 'EX', ARGV[2]) then return false end
if KEYS[8] and not (redis.call('get', KEYS[8]) == ARGV[5]
                    and redis.call('pttl', KEYS[8]) >= tonumber(ARGV[6]) * 1000 - tonumber(ARGV[7])) then
  redis.call('set', KEYS[8], ARGV[5], 'EX', ARGV[6])
end
if not redis.call('set', KEYS[2], ARGV[3], 'NX', 'PX', ARGV[4]) then return {0} end
return {1, redis.call('get', KEYS[3]), redis.call('get', KEYS[4]), redis.call('get', KEYS[5]), redis.call('get', KEYS[6]),
        redis.call('get', KEYS[7])}
""")

# The flow is written back only while the lock is still ours: a handler that outlived the
# hold must not overwrite what a later message did. The reply is kept only over the claim,
# never over the "later" answer the webhook gave when the handler ran past the deadline.
_END_MESSAGE_SCRIPT = Script(None, b"""
-- KEYS: lock, flow, claim, inbox mark, later...
-- ARGV: token, outcome, flow, flow ttl, reply, claim ttl, pending, inbox mark read, inbox mark ttl, (later value, later ttl)...
-- (a later ttl of 0 deletes the key; an inbox mark ttl of 0 leaves the mark alone)
local ours = redis.call('get', KEYS[1]) == ARGV[1]
if ARGV[9] ~= '0' and (redis.call('get', KEYS[4]) or '') == ARGV[8] then
  redis.call('set', KEYS[4], '-', 'EX', ARGV[9])
end
for i = 5, #KEYS do
  if ARGV[2 * i + 1] == '0' then redis.call('del', KEYS[i]) else redis.call('set', KEYS[i], ARGV[2 * i], 'EX', ARGV[2 * i + 1]) end
end
if ours then
  if ARGV[2] == 'save' then redis.call('set', KEYS[2], ARGV[3], 'EX', ARGV[4])
  elseif ARGV[2] == 'clear' then redis.call('del', KEYS[2]) end
  redis.call('del', KEYS[1])
end
if ARGV[5] ~= '' and redis.call('get', KEYS[3]) == ARGV[7] then redis.call('set', KEYS[3], ARGV[5], 'EX', ARGV[6]) end
return ours and 1 or 0
""")


_held = threading.local()  # this thread's own connection to each Redis server it sends scripts to


def _held_connection(r: redis.Redis, hurried: bool = False):
    """This thread's connection to `r`'s server, kept from one message to the next.

    Checking a connection out of redis-py's pool and back in costs a message as much client
    CPU as the round trip itself (locking, observability counters, the readiness check); a
    connection each thread keeps skips all but the check, which this does the same way: a
    connection the server closed (Redis restarted) or that has stray data is replaced before
    the command, not found broken by it. Made in the thread and process that use it (a worker
    forked from a master that held one does not share its socket); a thread keeps one
    connection per server it talks to, besides the pool's, and a `hurried` one for the commands
    whose every wait is bounded by the caller (_run_within).
    """
    if getattr(_held, "pid", None) != os.getpid():
        _held.connections, _held.hurried = weakref.WeakKeyDictionary(), weakref.WeakKeyDictionary()
        _held.pid = os.getpid()
    held = _held.hurried if hurried else _held.connections
    pool = r.connection_pool
    connection = held.get(pool)
    if connection is None:
        connection = held[pool] = pool.connection_class(**pool.connection_kwargs)
    elif connection.is_connected:
        try:
            stale = _has_something_to_read(connection)
        except (redis.ConnectionError, redis.TimeoutError, OSError):
            stale = True
        if stale:
            connection.disconnect()
    return connection


def _has_something_to_read(connection) -> bool:
    """What redis-py's can_read(timeout=0) tells of a kept connection before a command (data the parser
    holds, or a socket that reads: data nobody asked for, or the server's close), by one poll of a poll
    object kept with the socket instead of one made for each check (3.1 -> 1.3 us, two a message). A TLS
    socket (data deciphered above the socket) and a parser without hiredis's reader ask can_read itself."""
    sock, reader = connection._sock, getattr(connection._parser, "_reader", None)
    kept = getattr(connection, "_kept_poll", None)
    if kept is None or kept[0] is not sock:
        poller = None
        if reader is not None and not hasattr(sock, "pending"):
            poller = select.poll()
            poller.register(sock, select.POLLIN)
        kept = connection._kept_poll = (sock, poller)
    if kept[1] is None:
        return connection.can_read(timeout=0)
    return bool(kept[1].poll(0)) or reader.has_data()


def _run_once(r: redis.Redis, script: Script, keys: list, args: list):
    """`script` on this thread's connection to `r`'s server (_held_connection), sent once, as
    redis-py sends it for a client made by from_url (no retries): one send and one read,
    without the rest of redis-py's command path (pool checkout, observability hooks, retry
    wrappers, event dispatch), which cost as much client CPU as the round trip itself
    (docs/benchmarks.md, issue 18). A connection that failed is dropped and opened afresh
    by the next command.
    """
    connection = _held_connection(r)
    try:
        try:
            connection.send_packed_command([hiredis.pack_command(("EVALSHA", script.sha, len(keys), *keys, *args))],
                                           check_health=False)
            return connection.read_response()
        except NoScriptError:  # Redis restarted or was flushed: EVAL runs it and caches it again
            connection.send_command("EVAL", script.script, len(keys), *keys, *args, check_health=False)
            return connection.read_response()
    except (redis.ConnectionError, redis.TimeoutError):
        connection.disconnect()
        raise


def _run_within(r: redis.Redis, seconds: float, *command):
    """`command` on this thread's hurried connection, waiting at most `seconds` for each step:
    connecting (and the client's handshake) if it must, sending, and the answer. For what is
    said after the deadline's budget, when the 2-second socket timeout every other command has
    would push the HTTP answer past WeChat's 5 seconds (bot/webhook.py), and for the reads of an
    answer made at once (AtOnceRedis); redis.TimeoutError past it. The connection is this thread's alone, so its timeouts are set for each command, through
    redis-py's own settings: the socket's for connecting and sending, the read's for the answer."""
    deadline = time.monotonic() + seconds
    connection = _held_connection(r, hurried=True)
    try:
        if not connection.is_connected:  # connecting and the handshake's reads get a third each
            connection.socket_timeout = connection.socket_connect_timeout = seconds / 3
            connection.connect()
        left = max(deadline - time.monotonic(), 0.001)
        connection.update_current_socket_timeout(left)
        connection.send_packed_command([hiredis.pack_command(command)], check_health=False)
        return connection.read_response(timeout=left)
    except (redis.ConnectionError, redis.TimeoutError):
        connection.disconnect()
        raise


def begin_message(r: redis.Redis, message_key: str, openid: str, claim_ttl: int,
                  window: tuple[str, int, int] | None = None) -> MemberTurn | None:
    """Claim a message and, most often, its member's turn; None for a retry of a claimed message.

    `window` is the customer-service window the message opens: (kind, seconds, messages). A
    window the member's last message opened moments ago, none of its messages spent, is not
    written again: it closes at most WINDOW_SLACK_SECONDS (a tenth of a short window) before one
    opened now would, never after WeChat's, and a member writing every few seconds saves a logged
    write a message (redis-server's largest cost a message is its logged writes, docs/benchmarks.md).
    The turn comes back untaken when another message of the member holds the lock.
    """
    turn = MemberTurn(openid)
    keys = [_dedupe_key(message_key), _lock_key(openid), flow_key(openid), _about_member_key("language", openid),
            _last_routed_key(openid), inbox_mark_key(openid), _about_member_key("topic", openid)]
    args = [PENDING, claim_ttl, turn.token, int(LOCK_HOLD_SECONDS * 1000)]
    if window:
        kind, seconds, messages = window
        keys.append(window_key(openid, kind))
        args += [messages, seconds, min(WINDOW_SLACK_SECONDS * 1000, seconds * 100)]
    claimed = _run_once(r, _BEGIN_MESSAGE_SCRIPT, keys, args)
    if claimed is None:
        return None
    if claimed[0]:
        turn._took(*claimed[1:])
    return turn


def take_turn(r: redis.Redis, turn: MemberTurn, wait: float) -> None:
    """Wait for the member's lock if begin_message did not get it; MemberBusy after `wait` seconds."""
    deadline = time.monotonic() + wait
    while not turn.taken:
        with r.pipeline(transaction=False) as pipe:
            pipe.set(_lock_key(turn.openid), turn.token, nx=True, px=int(LOCK_HOLD_SECONDS * 1000))
            pipe.get(flow_key(turn.openid))
            pipe.get(_about_member_key("language", turn.openid))
            pipe.get(_last_routed_key(turn.openid))
            pipe.get(inbox_mark_key(turn.openid))
            taken, *raw = pipe.get(_about_member_key("topic", turn.openid)).execute()
        if taken:
            turn._took(*raw)
        elif time.monotonic() >= deadline:
            raise MemberBusy(turn.openid)
        else:
            time.sleep(0.01)


# json.dumps(value, ensure_ascii=False) for what a message keeps, without making an encoder each time
as_json = json.JSONEncoder(ensure_ascii=False).encode


def end_message(r: redis.Redis, turn: MemberTurn, flow_ttl: int, message_key: str, reply: str,
                claim_ttl: int) -> None:
    """Keep the flow, free the member, and keep the reply for WeChat's retries of the message."""
    flow = as_json(turn.flow) if turn.outcome == "save" else ""
    keys = [_lock_key(turn.openid), flow_key(turn.openid), _dedupe_key(message_key), inbox_mark_key(turn.openid)]
    args = [turn.token, turn.outcome, flow, flow_ttl, reply, claim_ttl, PENDING, turn.inbox_mark,
            INBOX_EMPTY_SECONDS if turn.inbox_empty else 0]
    for key, value, ttl in turn.later:
        keys.append(key)
        args += [value, ttl]
    if not _run_once(r, _END_MESSAGE_SCRIPT, keys, args) and turn.taken:
        log.warning("the lock on %s's flow expired before the reply; its changes are dropped", turn.openid)


READ_AT_ONCE_SECONDS = 0.2  # as long as a reader of the store waits for its lock (storage.database)


class AtOnceRedis:
    """The Redis of a message answered at once (bot/webhook.py). A GET is sent, on this thread's
    hurried connection with its every wait bounded by READ_AT_ONCE_SECONDS, past which
    ReadOnlyRefused, as a reader of the store gives up on a lock; a GETDEL is a GET that finds
    nothing to take (a value there is taken in the pool); any other use raises ReadOnlyRefused before
    a command is sent. So such an answer writes nothing and waits a bounded time, and a non-member's
    profile question (the day's failed bindings read) or a sign-up (a draft looked for) no longer
    gives up and is answered twice. The writes that ride end_message (see `answering`) are kept on
    the turn, not sent, and allowed."""

    def __init__(self, r: redis.Redis):
        self._redis = r

    def get(self, name: str) -> bytes | None:
        try:
            return _run_within(self._redis, READ_AT_ONCE_SECONDS, "GET", name)
        except redis.TimeoutError:
            raise ReadOnlyRefused("Redis: get, slow") from None

    def getdel(self, name: str) -> None:
        if self.get(name) is not None:
            raise ReadOnlyRefused("Redis: getdel")

    def __getattr__(self, name):
        raise ReadOnlyRefused(f"Redis: {name}")

_answering = threading.local()


@contextmanager
def answering(turn: MemberTurn):
    """While this thread answers the turn's message, a write that only the member's next message
    reads (remember_last_routed, remember_topic) waits for end_message and rides in its round trip."""
    _answering.turn = turn
    try:
        yield
    finally:
        _answering.turn = None


def _set_for_next_message(r: redis.Redis, openid: str, key: str, value: str, ttl: int) -> None:
    """SET `key` for the member's next message, its only reader: that message waits for the member's
    lock, which end_message frees in the same script as it writes this (see `answering`); outside
    the member's turn, written now."""
    turn = getattr(_answering, "turn", None)
    if turn is not None and turn.openid == openid:
        turn.later.append((key, value, ttl))
    else:
        r.set(key, value, ex=ttl)


def store_reply(r: redis.Redis, message_key: str, reply: str, ttl: int, within: float) -> None:
    """Keep `reply` for WeChat's retries of the message, waiting at most `within` seconds for Redis."""
    _run_within(r, within, "SET", _dedupe_key(message_key), reply, "EX", ttl)


READ_AT_LEAST_SECONDS = 0.2  # a read of the kept reply gets this long even when the wait is up


def wait_for_reply(r: redis.Redis, message_key: str, timeout: float) -> str | None:
    """The first delivery's reply once it is ready, or None if it is not ready in time; no read
    of it waits past `timeout` (or READ_AT_LEAST_SECONDS) either: redis.TimeoutError."""
    deadline = time.monotonic() + timeout
    while True:
        value = _run_within(r, max(deadline - time.monotonic(), READ_AT_LEAST_SECONDS), "GET",
                            _dedupe_key(message_key))
        if value is None:
            return None
        text = value.decode()
        if text != PENDING:
            return text
        if time.monotonic() >= deadline:
            return None
        time.sleep(0.02)


# --- other locks (the access-token refresh, tag syncs) -------------------------

_RELEASE_SCRIPT = """
if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) end
return 0
"""


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


# The third-party platform's component_verify_ticket, pushed by WeChat every ten minutes and
# valid for twelve hours: the component access token is fetched with it (bot/platform/component.py).
# Its token shares the functions above, named by the platform's AppID.
VERIFY_TICKET_TTL_SECONDS = 12 * 3600


def store_verify_ticket(r: redis.Redis, component_app_id: str, ticket: str) -> None:
    r.set(f"{PREFIX}wechat:verify_ticket:{component_app_id}", ticket, ex=VERIFY_TICKET_TTL_SECONDS)


def load_verify_ticket(r: redis.Redis, component_app_id: str) -> str | None:
    value = r.get(f"{PREFIX}wechat:verify_ticket:{component_app_id}")
    return value.decode() if value else None


# Authorisation withdrawals (WeChat's `unauthorized`) received by a host that does not keep the
# society: the host that does applies them (bot/platform/accounts.apply_revocations).
_REVOCATIONS_KEY = f"{PREFIX}platform:revocations"


def note_revocation(r: redis.Redis, appid: str) -> None:
    r.sadd(_REVOCATIONS_KEY, appid)


def noted_revocations(r: redis.Redis) -> set[str]:
    return {appid.decode() for appid in r.smembers(_REVOCATIONS_KEY)}


def forget_revocations(r: redis.Redis, appids) -> None:
    if appids:
        r.srem(_REVOCATIONS_KEY, *appids)


# --- outbound outcomes -------------------------------------------------------
# A capped log of what happened to each outbound job, until the SQLite outcome
# table per (item, member) replaces it.

def outbound_log_key() -> str:
    return f"{key_prefix()}outbound:log"


OUTBOUND_LOG_SIZE = 1000


def record_outbound_outcome(r: redis.Redis, outcome: dict) -> None:
    """Prepend one outcome and keep only the most recent OUTBOUND_LOG_SIZE."""
    with r.pipeline() as pipe:
        pipe.lpush(outbound_log_key(), json.dumps(outcome, ensure_ascii=False))
        pipe.ltrim(outbound_log_key(), 0, OUTBOUND_LOG_SIZE - 1)
        pipe.execute()


# --- binding attempts ----------------------------------------------------------
# Failed tries to bind a member number, counted per openid and calendar day
# (`now` is a local datetime). The day is part of the key, and the key
# expires when that day ends.

def _binding_failures_key(openid: str, now) -> str:
    return f"{key_prefix()}binding_failures:{openid}:{now:%Y%m%d}"


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


# --- what a member was last talking about ---------------------------------------------
# A picture sent right after asking about dues is a transfer receipt: the chat keeps the
# topic of the last answer for a while (it is not a flow, so no form is in the way). Written
# for the member's next message, read back by that message's begin_message (MemberTurn.topic).

def _about_member_key(what: str, openid: str) -> str:
    return f"{key_prefix()}{what}:{openid}"


def remember_topic(r: redis.Redis, openid: str, topic: str, ttl_seconds: int = 1800) -> None:
    _set_for_next_message(r, openid, _about_member_key("topic", openid), topic, ttl_seconds)


def recent_topic(turn: MemberTurn) -> str | None:
    """What the member's last answer was about (remember_topic), read with their turn (begin_message):
    no round trip of its own, and a message answered at once needs no Redis for it."""
    return turn.topic


# --- the language a member writes in (bot/language.py) ------------------------------------
# Written for the member's next message, read back by that message's begin_message (MemberTurn.language):
# no round trip of its own, and a message answered at once needs no Redis for it.

def remember_language(r: redis.Redis, openid: str, language: str, ttl_seconds: int) -> None:
    _set_for_next_message(r, openid, _about_member_key("language", openid), language, ttl_seconds)


# Read back with the member's flow, in begin_message's script: MemberTurn.language.


def member_language(r: redis.Redis, openid: str) -> str | None:
    """The language the member writes in, read outside a turn (a member page): the one remembered since their
    last message, or the one their flow keeps; None for the default."""
    raw = r.get(_about_member_key("language", openid))
    return raw.decode() if raw else (chat_flow(r, openid) or {}).get("language")


def chat_flow(r: redis.Redis, openid: str) -> dict | None:
    """The member's flow as the chat left it, read outside a turn (the application page starts from the
    chat form's answers); never written here. None without one, also where the key holds only the list the
    member last browsed ({"left_list": …}, bot.conversation.Context.settle), which is no flow."""
    raw = r.get(flow_key(openid))
    flow = json.loads(raw) if raw else None
    return flow if flow and "name" in flow else None


# --- a cancelled form's answers, kept a day to be resumed ------------------------------

def _draft_key(openid: str, name: str) -> str:
    return f"{key_prefix()}draft:{name}:{openid}"


def keep_draft(r: redis.Redis, openid: str, flow: dict, ttl_seconds: int) -> None:
    r.set(_draft_key(openid, flow["name"]), json.dumps(flow, ensure_ascii=False), ex=ttl_seconds)


def take_draft(r: redis.Redis, openid: str, name: str) -> dict | None:
    """The kept draft of flow `name`, removed as it is taken."""
    value = r.getdel(_draft_key(openid, name))
    return json.loads(value) if value else None


def keep_cancelled(r: redis.Redis, openid: str, flow: dict, ttl_seconds: int) -> None:
    """A form the member just cancelled, kept a while in case they change their mind ("继续报"); written with
    the end of the member's turn (a cancel is still answered at once)."""
    _set_for_next_message(r, openid, _draft_key(openid, "cancelled"), json.dumps(
        {**flow, "cancelled_name": flow["name"], "name": "cancelled"}, ensure_ascii=False), ttl_seconds)


def take_cancelled(r: redis.Redis, openid: str) -> dict | None:
    """The form kept by keep_cancelled, removed as it is taken; None when none is kept."""
    kept = take_draft(r, openid, "cancelled")
    return None if kept is None else {**kept, "name": kept.pop("cancelled_name")}


# --- member pages: sessions and web authorisation -----------------------------------
# A page session (bot/pages/) is a random token in the member's cookie; Redis keeps
# its hash, so a leaked dump of Redis opens nobody's pages. Before WeChat's
# authorisation it holds only the `state` sent along (and where to go after);
# afterwards the openid, for as long as the session lasts (no sliding renewal).
# The development stand-in of WeChat's authorisation keeps its one-use codes here too.

def _page_session_key(token: str) -> str:
    return f"{key_prefix()}page_session:{hashlib.sha256(token.encode()).hexdigest()}"


def save_page_session(r: redis.Redis, token: str, data: dict, ttl_seconds: int) -> None:
    r.set(_page_session_key(token), json.dumps(data), ex=max(1, int(ttl_seconds)))


def load_page_session(r: redis.Redis, token: str) -> dict | None:
    raw = r.get(_page_session_key(token))
    return json.loads(raw) if raw else None


def end_page_session(r: redis.Redis, token: str) -> dict | None:
    """Delete the session and return what it held (so a `state` is good for one callback)."""
    raw = r.getdel(_page_session_key(token))
    return json.loads(raw) if raw else None


# --- the console's unsent forms -------------------------------------------------------
# A form sent after its user's console session ended (signed out in another tab, timed out) is kept
# here for that user's next sign-in, under a random id the session cookie carries: what was typed
# (mobiles included) never sits in the cookie, which is signed but readable, and dropped by the
# browser past 4 KB. Named under the root prefix: a signed-out session has no society yet.

def _console_kept_key(kind: str, token: str) -> str:
    return f"{PREFIX}{kind}:{hashlib.sha256(token.encode()).hexdigest()}"


def _keep_for_console(r: redis.Redis, kind: str, value, ttl_seconds: int) -> str:
    """Keep `value` a while under a new random id (stored hashed); the id to take it back with."""
    token = secrets.token_urlsafe(24)
    r.set(_console_kept_key(kind, token), json.dumps(value, ensure_ascii=False), ex=ttl_seconds)
    return token


def _take_for_console(r: redis.Redis, kind: str, token: str):
    """What was kept under `token`, once; None when nothing (or no longer)."""
    raw = r.getdel(_console_kept_key(kind, token))
    return json.loads(raw) if raw else None


def keep_unsent_form(r: redis.Redis, form: dict, ttl_seconds: int) -> str:
    """Keep `form` a while; the id to take it back with."""
    return _keep_for_console(r, "console_unsent", form, ttl_seconds)


def take_unsent_form(r: redis.Redis, token: str) -> dict | None:
    """The form kept under `token`, once."""
    return _take_for_console(r, "console_unsent", token)


def keep_console_flashes(r: redis.Redis, flashes: list, ttl_seconds: int) -> str:
    """The console's messages for the next page (a payment recorded for 黄蓉, a member's words labelled),
    kept here rather than in the session cookie; the id to take them back with."""
    return _keep_for_console(r, "console_flashes", flashes, ttl_seconds)


def take_console_flashes(r: redis.Redis, token: str) -> list:
    """The messages kept under `token`, once."""
    return _take_for_console(r, "console_flashes", token) or []


def _application_draft_key(openid: str) -> str:
    return f"{key_prefix()}application_draft:{openid}"


def save_application_draft(r: redis.Redis, openid: str, draft: dict, ttl_seconds: int) -> None:
    """What a member typed into the application page so far, kept for when they come back."""
    r.set(_application_draft_key(openid), json.dumps(draft, ensure_ascii=False), ex=ttl_seconds)


def load_application_draft(r: redis.Redis, openid: str) -> dict | None:
    raw = r.get(_application_draft_key(openid))
    return json.loads(raw) if raw else None


def drop_application_draft(r: redis.Redis, openid: str) -> None:
    r.delete(_application_draft_key(openid))


def _standin_code_key(code: str) -> str:
    return f"{key_prefix()}oauth_standin_code:{code}"


def store_standin_code(r: redis.Redis, code: str, openid: str, ttl_seconds: int) -> None:
    r.set(_standin_code_key(code), openid, ex=ttl_seconds)


def take_standin_code(r: redis.Redis, code: str) -> str | None:
    """The openid a code was issued for, once: a second exchange finds nothing."""
    raw = r.getdel(_standin_code_key(code))
    return raw.decode() if raw else None


# --- customer-service windows -----------------------------------------------------
# WeChat lets us write to a member by customer-service message only for a while
# after they interacted, and only so many times: one counter per kind of
# interaction (a message, or a click/follow/scan), expiring with its window.
# A new interaction of the same kind starts that window afresh, as WeChat does.

WINDOW_KINDS = ("message", "event")


def window_key(openid: str, kind: str) -> str:
    return f"{key_prefix()}cs_window:{openid}:{kind}"


def open_service_window(r: redis.Redis, openid: str, kind: str, seconds: int, messages: int) -> None:
    r.set(window_key(openid, kind), messages, ex=seconds)


_TAKE_WINDOW_SCRIPT = """
local best, best_ttl
for _, key in ipairs(KEYS) do
  local left = tonumber(redis.call('get', key) or '0')
  local ttl = redis.call('pttl', key)
  if left > 0 and ttl > 0 and (best == nil or ttl < best_ttl) then best, best_ttl = key, ttl end
end
if best == nil then return 0 end
redis.call('decr', best)
return 1
"""


def take_service_window_message(r: redis.Redis, openid: str) -> bool:
    """Spend one message of the member's open window (the one closing first); False if none is left."""
    keys = [window_key(openid, kind) for kind in WINDOW_KINDS]
    return bool(r.eval(_TAKE_WINDOW_SCRIPT, len(keys), *keys))


# --- monthly mass-send quota ----------------------------------------------------------
# A service account's user receives at most N mass sends a calendar month;
# WeChat silently drops the rest. One hash per month: openid -> sends reserved.

MASS_QUOTA_TTL = 40 * 86400  # outlives its month


def mass_quota_key(month: str) -> str:
    return f"{key_prefix()}mass_quota:{month}"


_RESERVE_MASS_SCRIPT = """
local limit = tonumber(ARGV[1])
local granted = {}
for i = 3, #ARGV do
  if tonumber(redis.call('hget', KEYS[1], ARGV[i]) or '0') < limit then
    redis.call('hincrby', KEYS[1], ARGV[i], 1)
    granted[#granted + 1] = ARGV[i]
  end
end
redis.call('expire', KEYS[1], ARGV[2])
return granted
"""


def reserve_mass_sends(r: redis.Redis, month: str, openids: list[str], limit: int) -> list[str]:
    """Count one mass send for each member with quota left this month; returns those members."""
    if not openids:
        return []
    granted = r.eval(_RESERVE_MASS_SCRIPT, 1, mass_quota_key(month), limit, MASS_QUOTA_TTL, *openids)
    return [openid.decode() for openid in granted]


def release_mass_sends(r: redis.Redis, month: str, openids: list[str]) -> None:
    """Give back what reserve_mass_sends counted for a send WeChat refused."""
    with r.pipeline() as pipe:
        for openid in openids:
            pipe.hincrby(mass_quota_key(month), openid, -1)
        pipe.execute()


# --- API rate limit ---------------------------------------------------------------------
# A token bucket shared by every worker on every machine. The clock is Redis's
# own (TIME), so machines whose clocks disagree still share one rate.

_TOKEN_BUCKET_SCRIPT = """
local rate, burst = tonumber(ARGV[1]), tonumber(ARGV[2])
local clock = redis.call('time')
local now = tonumber(clock[1]) + tonumber(clock[2]) / 1000000
local state = redis.call('hmget', KEYS[1], 'tokens', 'at')
local tokens = tonumber(state[1]) or burst
local at = tonumber(state[2]) or now
tokens = math.min(burst, tokens + math.max(0, now - at) * rate)
local wait_ms = 0
if tokens >= 1 then tokens = tokens - 1 else wait_ms = math.ceil((1 - tokens) / rate * 1000) end
redis.call('hset', KEYS[1], 'tokens', tostring(tokens), 'at', tostring(now))
redis.call('pexpire', KEYS[1], math.ceil(burst / rate * 1000) + 1000)
return wait_ms
"""


def take_rate_token(r: redis.Redis, bucket: str, rate: float, burst: int) -> float:
    """Take one call from the bucket: 0 when granted, else the seconds to wait before asking again."""
    return r.eval(_TOKEN_BUCKET_SCRIPT, 1, f"{PREFIX}rate:{bucket}", rate, burst) / 1000


# --- delivery leases -------------------------------------------------------------------------
# A delivery job claims rows under a token and keeps the token's lease alive
# while it runs. A lease that ran out means the job's process died: its rows
# may be taken over. A lapsed lease is never renewed (SET XX), so a job that
# was only stalled cannot come back to life over rows someone else now holds.

def _lease_key(token: str) -> str:
    return f"{key_prefix()}delivery:lease:{token}"


def hold_lease(r: redis.Redis, token: str, seconds: int) -> None:
    r.set(_lease_key(token), 1, ex=seconds)


def renew_lease(r: redis.Redis, token: str, seconds: int) -> bool:
    return bool(r.set(_lease_key(token), 1, ex=seconds, xx=True))


def end_lease(r: redis.Redis, token: str) -> None:
    r.delete(_lease_key(token))


def live_leases(r: redis.Redis, tokens) -> set[str]:
    tokens = list(tokens)
    with r.pipeline(transaction=False) as pipe:
        for token in tokens:
            pipe.exists(_lease_key(token))
        return {token for token, alive in zip(tokens, pipe.execute()) if alive}


def claim_recovery_run(r: redis.Redis, seconds: int) -> bool:
    """True for the one caller that may schedule the next recovery run within `seconds`."""
    return bool(r.set(f"{key_prefix()}delivery:recovery_scheduled", 1, nx=True, ex=seconds))


# --- periodic jobs ---------------------------------------------------------------------------

def _schedule_key(job: str, period: str) -> str:
    return f"{key_prefix()}schedule:{job}:{period}"


def claim_schedule_period(r: redis.Redis, job: str, period: str, seconds: int) -> bool:
    """True for the one caller, of all workers, that may start the job's run for this period."""
    return bool(r.set(_schedule_key(job, period), 1, nx=True, ex=seconds))


def release_schedule_period(r: redis.Redis, job: str, period: str) -> None:
    """The claim's holder could not start the run: the next tick may claim the period again."""
    r.delete(_schedule_key(job, period))


# --- WeChat user tags --------------------------------------------------------------------
# Tags mirror topic subscriptions so a newsletter can be mass-sent by tag. Kept
# here: the tag id of each topic, who we have tagged (added and removed only
# after WeChat confirmed, so a change in flight or failed leaves our record
# unlike the subscriptions and no send goes by that tag until a sync succeeds),
# the topics each member wants, and the tag syncs not finished yet (while any
# is, no send goes by tag). A sync is pending while it waits in the queue (up to
# TAG_SYNC_QUEUED_SECONDS, or until RQ's retry comes due) and while it runs
# under a lease its job keeps renewing: one that failed for good is dropped,
# and one whose worker was killed stops counting when its lease runs out.

def _tag_ids_key() -> str:
    return f"{key_prefix()}wechat:tag_ids"


def _tag_syncs_queued_key() -> str:
    return f"{key_prefix()}wechat:tag_syncs:queued"  # openid -> until when it counts (epoch seconds)


def _tag_syncs_running_key() -> str:
    return f"{key_prefix()}wechat:tag_syncs:running"  # openid -> its lease's end

TAG_SYNC_QUEUED_SECONDS = 3600


def _tag_members_key(topic: str) -> str:
    return f"{key_prefix()}wechat:tag_members:{topic}"


def _wanted_topics_key(openid: str) -> str:
    return f"{key_prefix()}wechat:wanted_topics:{openid}"


def tag_ids(r: redis.Redis) -> dict[str, int]:
    return {topic.decode(): int(tag_id) for topic, tag_id in r.hgetall(_tag_ids_key()).items()}


def store_tag_id(r: redis.Redis, topic: str, tag_id: int) -> None:
    r.hset(_tag_ids_key(), topic, tag_id)


def is_tagged(r: redis.Redis, topic: str, openid: str) -> bool:
    return bool(r.sismember(_tag_members_key(topic), openid))


def record_tagged(r: redis.Redis, topic: str, openid: str) -> None:
    r.sadd(_tag_members_key(topic), openid)


def record_untagged(r: redis.Redis, topic: str, openid: str) -> None:
    r.srem(_tag_members_key(topic), openid)


def tag_member_count(r: redis.Redis, topic: str) -> int:
    return r.scard(_tag_members_key(topic))


def tagged_members(r: redis.Redis, topic: str) -> set[str]:
    return {openid.decode() for openid in r.smembers(_tag_members_key(topic))}


def want_topics(pipe, openid: str, topics) -> None:
    """Remember the member's latest topics and count their sync as pending while it is queued: on
    `pipe`, a transaction's pipeline that the caller executes with the sync job queued in it."""
    pipe.set(_wanted_topics_key(openid), json.dumps(sorted(topics)))
    pipe.zadd(_tag_syncs_queued_key(), {openid: time.time() + TAG_SYNC_QUEUED_SECONDS})


def wanted_topics(r: redis.Redis, openid: str) -> list[str]:
    raw = r.get(_wanted_topics_key(openid))
    return json.loads(raw) if raw else []


def tag_sync_started(r: redis.Redis, openid: str, lease_seconds: float) -> list[str]:
    """A sync job begins (holding the member's tag lock): the member's latest topics, and the sync
    counts as pending under a lease of `lease_seconds` instead of as queued."""
    with r.pipeline() as pipe:  # one transaction: a want after it queues (and counts) a sync of its own
        pipe.get(_wanted_topics_key(openid))
        pipe.zrem(_tag_syncs_queued_key(), openid)
        pipe.zadd(_tag_syncs_running_key(), {openid: time.time() + lease_seconds})
        raw, _, _ = pipe.execute()
    return json.loads(raw) if raw else []


def renew_tag_sync(r: redis.Redis, openid: str, lease_seconds: float) -> None:
    r.zadd(_tag_syncs_running_key(), {openid: time.time() + lease_seconds}, xx=True)


def tag_sync_retry_later(r: redis.Redis, openid: str, seconds: float) -> None:
    """The sync failed and RQ runs it again within `seconds`: pending until then."""
    with r.pipeline() as pipe:
        pipe.zadd(_tag_syncs_queued_key(), {openid: time.time() + seconds}, gt=True)
        pipe.zrem(_tag_syncs_running_key(), openid)
        pipe.execute()


def tag_sync_done(r: redis.Redis, openid: str) -> None:
    """The sync ended, done or failed for good: it no longer holds sends by tag back."""
    r.zrem(_tag_syncs_running_key(), openid)


def tag_syncs_pending(r: redis.Redis) -> int:
    """Syncs queued (within their time) or running (within their lease)."""
    now = time.time()
    with r.pipeline() as pipe:
        for key in (_tag_syncs_queued_key(), _tag_syncs_running_key()):
            pipe.zremrangebyscore(key, "-inf", now)
            pipe.zcard(key)
        counts = pipe.execute()
    return counts[1] + counts[3]


def tag_lock(r: redis.Redis, openid: str, wait: float, hold: float):
    """One tag sync per member at a time, so two syncs cannot interleave their calls."""
    return _held_lock(r, f"{key_prefix()}lock:tags:{openid}", wait, hold, MemberBusy(openid))


# --- the last routed message -------------------------------------------------------------
# Kept a moment per member (text with mobile numbers masked, the router's guess), so that a
# 取消 right after it can mark the guess as wrong for the secretariat (bot/clarify.py).

def _last_routed_key(openid: str) -> str:
    return f"{key_prefix()}last_routed:{openid}"


def remember_last_routed(r: redis.Redis, openid: str, value: str, ttl: int) -> None:
    _set_for_next_message(r, openid, _last_routed_key(openid), value, ttl)


def pop_last_routed(turn: MemberTurn) -> str | None:
    """The member's last routed message, read with their turn (begin_message), and forgotten with
    the turn's end (end_message): a 取消 marks it once, without a round trip of its own."""
    if turn.last_routed is not None:
        turn.later.append((_last_routed_key(turn.openid), "", 0))
    return turn.last_routed


# --- the inbox mark -------------------------------------------------------------------------
# The inbox note (bot.delivery.announce_inbox) reads the member store twice on every message that
# opens the customer-service window: notices that found no channel, unread items. Nearly every
# member has neither: a member's message that found nothing marks the inbox empty ("-"), and the
# next messages skip both reads while the mark stands. Whatever puts a notice or an item in a
# member's inbox (storage.deliveries.settle, the one statement that does) replaces the mark with
# a random token after its commit; the message marks the inbox empty only if the mark is still
# what it read with the turn, so a write that lands between its reads and its end is never
# hidden. No mark (expired, Redis flushed) means: look.

INBOX_EMPTY = "-"
INBOX_EMPTY_SECONDS = 3600  # what a write outside the code (a restored backup) can hide, at most
INBOX_FILLED_SECONDS = 86_400  # a token only has to outlive the messages that read the mark before it


def inbox_mark_key(openid: str) -> str:
    return f"{key_prefix()}inbox_mark:{openid}"


def inbox_seen_empty(turn: MemberTurn) -> bool:
    """Whether the member's last message found nothing waiting and nothing was put in since."""
    return turn.inbox_mark == INBOX_EMPTY


def seen_inbox_empty(turn: MemberTurn) -> None:
    """This message found nothing waiting: end_message marks the inbox empty, unless it was
    filled since the turn was taken."""
    turn.inbox_empty = True


def inbox_filled(r: redis.Redis, openids) -> None:
    """Notices or items were put in these members' inboxes (committed): their next message looks."""
    with r.pipeline(transaction=False) as pipe:
        for openid in set(openids):
            pipe.set(inbox_mark_key(openid), secrets.token_hex(8), ex=INBOX_FILLED_SECONDS)
        pipe.execute()


# --- the deployment checklist (`python -m bot doctor`, the console's dashboard) -----------------

DOCTOR_REPORT_KEY = f"{PREFIX}doctor:last"


def save_doctor_report(r: redis.Redis, report: dict) -> None:
    """The last checklist, kept a day: the dashboard shows it without running the checks again."""
    r.set(DOCTOR_REPORT_KEY, json.dumps(report, ensure_ascii=False), ex=24 * 3600)


def load_doctor_report(r: redis.Redis) -> dict | None:
    raw = r.get(DOCTOR_REPORT_KEY)
    return json.loads(raw) if raw else None


# --- an API's daily quota ---------------------------------------------------------------------
# WeChat's 45009 for a call the client gave up on: the API's calls for the day are spent, until WeChat's
# reset (0:00 Beijing time). Every process stops calling that API (WeChat counts refused calls too): one
# call at a time, every QUOTA_PROBE_SECONDS, tries whether it is back (an administrator may reset it).
QUOTA_PROBE_SECONDS = 600


def _quota_key(app_id: str, endpoint: str, what: str = "spent") -> str:
    return f"{PREFIX}wechat:quota_{what}:{app_id}:{endpoint}"


def mark_quota_spent(r: redis.Redis, app_id: str, endpoint: str, until: float) -> None:
    """The API's quota is spent until `until` (a Unix time); the next probe one QUOTA_PROBE_SECONDS on."""
    with r.pipeline() as pipe:
        pipe.set(_quota_key(app_id, endpoint), repr(until), exat=int(until) + 1)
        pipe.set(_quota_key(app_id, endpoint, "probe"), 1, ex=QUOTA_PROBE_SECONDS)
        pipe.execute()


def quota_spent_until(r: redis.Redis, app_id: str, endpoint: str) -> float | None:
    """Until when (a Unix time) the API's quota is spent, or None."""
    value = r.get(_quota_key(app_id, endpoint))
    return float(value) if value else None


def may_probe_quota(r: redis.Redis, app_id: str, endpoint: str) -> bool:
    """True for the one caller, of all processes, that may try the spent API now (once a probe's time)."""
    return bool(r.set(_quota_key(app_id, endpoint, "probe"), 1, nx=True, ex=QUOTA_PROBE_SECONDS))


def quota_back(r: redis.Redis, app_id: str, endpoint: str) -> None:
    """A call went through: the API's quota is no longer spent."""
    r.delete(_quota_key(app_id, endpoint))
