"""`/wechat`: the one URL WeChat calls. Verify, deduplicate, answer inside the deadline.

A retry of a message (same MsgId, or same sender+time+event+key) gets the
reply the first delivery produced, and never runs the handler again: the
first delivery claims the message in Redis before any side effect.
"""
from __future__ import annotations

import logging
import time
from contextlib import nullcontext
from concurrent.futures import TimeoutError as FutureTimeout
from http import HTTPStatus
from urllib.parse import parse_qsl

import redis
from flask import Blueprint, Response, current_app, request
from werkzeug.exceptions import RequestEntityTooLarge

from bot import content, delivery
from bot.conversation import respond, write_quietly
from bot.service_window import window_opened_by
from bot.messages import Inbound, Reply
from bot.wechat import SUCCESS, WebhookError, check_request_signature, open_message, render_reply, seal_reply
from storage import state
from storage.database import ReadOnlyRefused, write_freely

log = logging.getLogger(__name__)
webhook = Blueprint("webhook", __name__)

# WeChat waits 5 seconds for an answer, then retries and, after the last retry, tells the member
# "该公众号暂时无法提供服务". Every wait after the deadline's budget (config.reply_budget_seconds,
# counted from the message's arrival) ends this long after its arrival: half a second is left for
# sealing the reply and the network.
ANSWER_WITHIN_SECONDS = 4.5


def _plain(body: str, status: int = 200) -> Response:
    return Response(body, status=status, content_type="text/plain; charset=utf-8")


@webhook.errorhandler(WebhookError)
def refuse(error: WebhookError):
    log.info("refused %s %s: %s", request.method, request.path, error.reason)
    return _plain(error.reason, error.status)


@webhook.get("/wechat")
def verify_server():
    config = current_app.extensions["services"].config
    check_request_signature(config, request.args)
    return _plain(request.args.get("echostr", ""))


@webhook.post("/wechat")
def receive_message():
    services = current_app.extensions["services"]
    body = _read_body(services.config.max_body_bytes)
    message, encrypted = open_message(services.config, request.args, body)
    xml = answer(services, message)
    sealed = seal_reply(services.config, xml, encrypted, request.args)
    return Response(sealed, content_type="application/xml; charset=utf-8")


class WebhookFastPath:
    """WSGI middleware: a member's message (POST /wechat with a Content-Length within the cap) is
    answered straight from the WSGI environ, without Flask's request and response objects, its
    contexts and URL matching (a sixth of the CPU a message cost under gunicorn); the same steps
    as receive_message, the same refusals. Every other request, and a body without a
    Content-Length or over the cap, goes to the Flask app as before.

    `accounts` is the third-party platform's hook for POST /wechat/<appid> (bot/platform/routes.py
    fast_account): given the AppID, it answers with the account's services, the configuration
    that opens its messages and the context to answer in; None leaves the request to Flask; a
    WebhookError (404 unknown, 410 revoked, 403 not authorised) is the answer, before the body
    is read."""

    def __init__(self, app, accounts=None):
        self.app = app
        self.flask_wsgi = app.wsgi_app
        self.services = app.extensions["services"]
        self.accounts = accounts

    def __call__(self, environ, start_response):
        path = environ.get("PATH_INFO")
        if environ.get("REQUEST_METHOD") != "POST":
            return self.flask_wsgi(environ, start_response)
        if path == "/wechat":
            services, config, scope = self.services, self.services.config, nullcontext()
        elif self.accounts is not None and path.startswith("/wechat/"):
            try:
                target = self.accounts(path.removeprefix("/wechat/"))
            except WebhookError as error:
                return self._refuse(start_response, path, error)
            if target is None:
                return self.flask_wsgi(environ, start_response)
            services, config, scope = target
        else:
            return self.flask_wsgi(environ, start_response)
        length = environ.get("CONTENT_LENGTH", "")
        if not (length.isascii() and length.isdigit()) or int(length) > config.max_body_bytes:
            return self.flask_wsgi(environ, start_response)  # chunked, or a 413 to give
        args = query_args(environ.get("QUERY_STRING", ""))
        try:
            body = environ["wsgi.input"].read(int(length))
            if len(body) != int(length):
                raise WebhookError(400, "body shorter than its Content-Length")
            message, encrypted = open_message(config, args, body)
            afterwards: list = []
            with scope:
                xml = answer(services, message, afterwards)
            payload = seal_reply(config, xml, encrypted, args).encode("utf-8")
            status, content_type = "200 OK", "application/xml; charset=utf-8"
        except WebhookError as error:
            return self._refuse(start_response, path, error)
        except Exception:
            if self.app.testing or self.app.config.get("PROPAGATE_EXCEPTIONS"):
                raise
            self.app.logger.error("Exception on %s [POST]", path, exc_info=True)
            payload, status, content_type = b"internal error", "500 Internal Server Error", "text/plain; charset=utf-8"
        start_response(status, [("Content-Type", content_type), ("Content-Length", str(len(payload)))])
        return _SentThen(payload, afterwards) if afterwards else [payload]

    @staticmethod
    def _refuse(start_response, path: str, error: WebhookError):
        log.info("refused %s %s: %s", "POST", path, error.reason)
        payload = error.reason.encode("utf-8")
        start_response(f"{error.status} {HTTPStatus(error.status).phrase}",
                       [("Content-Type", "text/plain; charset=utf-8"), ("Content-Length", str(len(payload)))])
        return [payload]


class _SentThen:
    """A WSGI body: the reply's bytes, then, once the server has sent them (it asks for more, or closes
    the body: WSGI servers always do, also when the member's connection broke), the writes the reply
    does not depend on (_write_after_reply), so that the reply does not wait for their lock and fsync.
    The worker makes them before it takes its next request, as before."""

    def __init__(self, payload: bytes, afterwards: list):
        self.payload, self.afterwards = payload, afterwards

    def __iter__(self):
        yield self.payload
        self.close()

    def close(self) -> None:
        afterwards, self.afterwards = self.afterwards, []
        for write in afterwards:
            write()


def query_args(query: str) -> dict[str, str]:
    """The query's parameters, the first of a repeated one as request.args.get takes it. What WeChat
    sends (signature, timestamp, nonce, openid) holds nothing to unquote, so it is split as it is;
    a query with an escape (% or +) is read by urllib's parse_qsl, the same reading (3.3 -> 0.7 us)."""
    if "%" in query or "+" in query:
        pairs = parse_qsl(query, keep_blank_values=True, errors="replace")
    else:
        pairs = (pair.partition("=")[::2] for pair in query.split("&") if pair)
    args: dict[str, str] = {}
    for name, value in pairs:
        args.setdefault(name, value)
    return args


def _read_body(limit: int) -> bytes:
    """The request body, refused with 413 past the cap, also when it comes chunked.

    With no Content-Length, Werkzeug's get_data() silently truncates the stream at
    MAX_CONTENT_LENGTH; reading on past the cap raises instead. (A chunked body of
    exactly the cap is refused too: nothing tells it from a longer one.)
    """
    try:
        if request.content_length is not None:
            return request.get_data(cache=False)  # Werkzeug compared Content-Length to the cap
        chunks, size = [], 0
        while chunk := request.stream.read(64 * 1024):
            size += len(chunk)
            if size > limit:
                raise RequestEntityTooLarge()
            chunks.append(chunk)
        return b"".join(chunks)
    except RequestEntityTooLarge:
        raise WebhookError(413, "body over the size cap") from None


def answer(services, message: Inbound, afterwards: list | None = None) -> str:
    """The rendered reply for a message, produced once per message across all processes. With `afterwards`,
    the writes an answer made at once leaves for after its reply are added to it, for the caller to make
    once the reply is sent; without it they are made before this returns."""
    config = services.config
    key = message.retry_key
    arrived = time.monotonic()
    try:
        turn = state.begin_message(services.redis, key, message.openid, config.dedupe_ttl_seconds,
                                   window=window_opened_by(message, config))
    except redis.RedisError:
        log.warning("Redis unavailable; answering %s statelessly", key)
        return render_reply(_stateless_reply(), message)
    if turn is None:  # a retry: the first delivery's reply, once it is ready; never a second run
        try:
            return state.wait_for_reply(services.redis, key, _left(arrived, config.reply_budget_seconds)) or SUCCESS
        except redis.RedisError:
            log.warning("Redis unavailable; the retry of %s gets no reply of its own", key)
            return SUCCESS
    return _reply_within_deadline(services, message, turn, arrived, afterwards)


def _left(arrived: float, seconds: float) -> float:
    """What is left of `seconds` counted from the message's arrival."""
    return max(arrived + seconds - time.monotonic(), 0.0)


def _stateless_reply() -> Reply:
    """What a member gets while Redis is away: no flow or retry bookkeeping, just the menu."""
    return Reply(text=content.text("help.text"))


def _reply_within_deadline(services, message: Inbound, turn: state.MemberTurn, arrived: float,
                           afterwards: list | None = None) -> str:
    """Answer at once if the answer's waits are bounded; else run the handler in the pool and, if it
    outlives the budget, say so now and send its reply later.

    At once is in this thread, without the hop to the pool and back (a fifth of the CPU a
    message cost as served, docs/benchmarks.md): a member's turn with the lock taken (inside a
    flow too, whose changes end_message keeps as from the pool), answered with a store whose
    writes are kept only with the answer and wait for a lock a bounded time, and a Redis that
    refuses any command but a bounded read before it is sent (bot.conversation.respond's
    `at_once`); writes the reply does not depend on are made after it (_write_after_reply), once it is
    sent when the caller takes them (`afterwards`: WebhookFastPath's _SentThen).
    Such an answer cannot outlive the budget; one that comes to a refusal gives up having
    changed nothing and is answered in the pool like any other, and so are most messages of its
    kind while its kind gives up more often than not (bot.conversation.AtOnceRecord). (A society
    served through the platform, bot/platform/accounts.py, has no such store yet: always the pool.)"""
    config = services.config
    routed = None
    if turn.taken and hasattr(services, "at_once"):
        try:
            xml = _answer_in_turn(services, message, turn, at_once=True)[1]
        except ReadOnlyRefused as refused:
            turn.start_over()
            routed = getattr(refused, "routed", None)
        else:
            if afterwards is None:
                _write_after_reply(services, turn)
            elif turn.after_reply:
                afterwards.append(lambda: _write_after_reply(services, turn))
            return xml
    future = services.pool.submit(_answer_in_turn, services, message, turn, False, routed)
    try:
        return future.result(timeout=_left(arrived, config.reply_budget_seconds))[1]
    except FutureTimeout:
        log.warning("reply to %s is late; it will follow by customer-service message", message.retry_key)
    xml = render_reply(Reply(text=content.text("deadline.later")), message)
    turn.told_late = xml  # what end_message keeps for retries if the save below does not reach Redis
    # Queued from the pool: a handler done by now would run the callback in this thread, on Redis's clock.
    future.add_done_callback(lambda done: services.pool.submit(_send_later, services, message, done.result()[0]))
    try:  # the late answer goes out whether or not this is kept: bounded by WeChat's wait, not Redis's
        state.store_reply(services.redis, message.retry_key, xml, config.dedupe_ttl_seconds,
                          within=max(_left(arrived, ANSWER_WITHIN_SECONDS), 0.01))
    except redis.RedisError:
        log.warning("Redis unavailable; the reply to %s is not kept for WeChat's retries yet", message.retry_key)
    return xml


def _send_later(services, message: Inbound, reply: Reply) -> None:
    """Queue a late reply for customer service, or keep it for the member's next message while Redis
    is away (delivery.reply_later); a failure is logged (nobody reads this future)."""
    try:
        delivery.reply_later(services.db, services.redis, message.openid, reply)
    except Exception:  # noqa: BLE001 (Redis and the store away: the member gets only 'deadline.later')
        log.exception("the late reply to %s could not be queued nor kept; it is lost", message.retry_key)


def _write_after_reply(services, turn: state.MemberTurn) -> None:
    """The writes an answer made at once left for after its reply (Context.after_reply), each one
    statement, made through the answer's store (storage.database.write_freely) once the reply is
    rendered and kept for retries. The store's write lock is waited for no longer than a reader
    waits, so that the reply is not held up; a write that finds the store busy longer, or fails, is
    made in the pool, not waited for (where a failure is logged)."""
    if not turn.after_reply:
        return
    db = services.reader
    for write in turn.after_reply:
        try:
            write_freely(db, write)
        except ReadOnlyRefused:  # locked past the wait, or failing
            services.pool.submit(lambda write=write: write_quietly(write, services.db))
        except Exception:  # noqa: BLE001 (the reply is made; the write is logged, as in the pool)
            log.warning("a write after the reply to %s failed", turn.openid, exc_info=True)


def _answer_in_turn(services, message: Inbound, turn: state.MemberTurn, at_once: bool = False,
                    routed=None) -> tuple[Reply, str]:
    """The reply and its XML; then the member's flow is kept and the reply stored for retries."""
    config = services.config
    with state.answering(turn):
        reply = _respond_safely(services, message, turn, at_once, routed)
    xml = render_reply(reply, message)
    try:
        state.end_message(services.redis, turn, config.flow_ttl_seconds, message.retry_key, turn.told_late or xml,
                          config.dedupe_ttl_seconds)
    except redis.RedisError:  # Redis went away mid-message: the reply still goes out
        log.warning("Redis unavailable; the reply to %s is not kept for WeChat's retries", message.retry_key)
    return reply, xml


def _respond_safely(services, message: Inbound, turn: state.MemberTurn, at_once: bool = False,
                    routed=None) -> Reply:
    """A polite answer whatever happens inside: members never see an error page."""
    try:
        return respond(services, message, turn, at_once, routed)
    except state.MemberBusy:
        return Reply(text=content.text("flow.busy"))
    except redis.RedisError:  # Redis went away after the message was claimed
        log.warning("Redis unavailable while answering %s; answering statelessly", message.retry_key)
        return _stateless_reply()
    except Exception:
        log.exception("handler failed for %s", message.retry_key)
        return Reply(text=content.text("error.text"))
