"""A local fake of the WeChat API that enforces the platform's rules.

A real HTTP server on 127.0.0.1 (a background thread), so the code under test
goes through wechatpy, requests, timeouts and retries exactly as in production,
and several processes can share it. Tests drive it from the outside:

    fake.record_user_message(openid)   the member wrote: 5 messages within 48 h
    fake.record_user_event(openid)     menu click, follow or QR scan: 3 within 1 min
    fake.unfollow(openid)              43004 from now on
    fake.fail_next(2)                  the next 2 calls answer errcode -1
    fake.fail_next(9, 40001, endpoint="message/custom/send")
                                       ... only calls to that endpoint
    fake.fail_next_http(1, 503)        the next call answers HTTP 503
    fake.overload(3)                   the next 3 calls answer 45009
    fake.set_delay(2.0)                every answer comes 2 s late
    fake.advance(49 * 3600)            move the fake's clock forward

and read what happened: `token_fetches`, `calls` (per endpoint), `sent`
(every accepted message, in order).

Use it through the `fake_wechat` fixture: add `pytest_plugins = ["tests.fake_wechat"]`
to the test module; the fixture points `env["WECHAT_API_BASE"]` at the fake, so it
must run before conftest's `config` reads `env` (tests/test_outbound.py overrides
`config` to depend on it).
"""
from __future__ import annotations

import json
import secrets
import threading
import time
from collections import Counter
from dataclasses import dataclass

import pytest
from werkzeug.serving import make_server
from werkzeug.wrappers import Request, Response

ERRMSG = {
    -1: "system error",
    40001: "invalid credential, access_token is invalid or not latest",
    40002: "invalid grant_type",
    40013: "invalid appid",
    40125: "invalid appsecret",
    41001: "access_token missing",
    42001: "access_token expired",
    43004: "require subscribe",
    44002: "empty post data",
    45009: "reach max api daily quota limit",
    45015: "response out of time limit or subscription is canceled",
    45047: "out of response count limit",
    47001: "data format error",
}


@dataclass
class _Window:
    """Customer-service messages a member's interaction allows: `left` of them until `until`."""
    until: float
    left: int


class FakeWeChat:
    """The fake platform: state, rules and fault injection; `start()` serves it over HTTP."""

    MESSAGE_WINDOW = (48 * 3600, 5)  # after a user message: seconds open, messages allowed
    EVENT_WINDOW = (60, 3)  # after a menu click, follow or QR scan
    CUSTOM_MSGTYPES = {"text", "image", "voice", "video", "music", "news", "mpnews",
                       "msgmenu", "wxcard", "miniprogrampage"}

    def __init__(self, app_id: str, app_secret: str, token_expires_in: int = 7200,
                 token_grace: float = 300, daily_token_limit: int = 2000):
        self.app_id = app_id
        self.app_secret = app_secret
        self.token_expires_in = token_expires_in
        self.token_grace = token_grace  # how long an older token still works after a new fetch
        self.daily_token_limit = daily_token_limit

        self.token_fetches = 0
        self.calls: Counter[str] = Counter()
        self.sent: list[dict] = []

        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._clock_offset = 0.0
        self._tokens: dict[str, float] = {}  # token -> expires at
        self._superseded: set[str] = set()
        self._fetches_per_day: Counter[int] = Counter()
        self._windows: dict[str, dict[str, _Window]] = {}
        self._unfollowed: set[str] = set()
        self._errcode_faults: list[tuple[str | None, int]] = []  # (endpoint or None for any, errcode)
        self._http_faults: list[tuple[str | None, int]] = []  # (endpoint or None for any, status)
        self._delay = 0.0
        self._server = None
        self._thread = None

    # --- what tests call ----------------------------------------------------

    def now(self) -> float:
        return time.time() + self._clock_offset

    def advance(self, seconds: float) -> None:
        """Move the fake's clock: tokens expire and windows close as if time had passed."""
        with self._lock:
            self._clock_offset += seconds

    def record_user_message(self, openid: str) -> None:
        self._open_window(openid, "message", *self.MESSAGE_WINDOW)

    def record_user_event(self, openid: str) -> None:
        self._open_window(openid, "event", *self.EVENT_WINDOW)

    def unfollow(self, openid: str) -> None:
        with self._lock:
            self._unfollowed.add(openid)
            self._windows.pop(openid, None)

    def fail_next(self, n: int, errcode: int = -1, endpoint: str | None = None) -> None:
        """The next n calls to `endpoint` (e.g. "token"; None: any, the token one too) answer errcode."""
        with self._lock:
            self._errcode_faults.extend([(endpoint, errcode)] * n)

    def fail_next_http(self, n: int, status: int = 503, endpoint: str | None = None) -> None:
        with self._lock:
            self._http_faults.extend([(endpoint, status)] * n)

    def overload(self, n: int, endpoint: str | None = None) -> None:
        """The next n calls answer 45009, as when a quota is used up."""
        self.fail_next(n, errcode=45009, endpoint=endpoint)

    def set_delay(self, seconds: float) -> None:
        """Answer every request this late (0 to stop); the request is still carried out."""
        self._delay = seconds

    def sent_to(self, openid: str) -> list[dict]:
        return [message for message in self.sent if message["touser"] == openid]

    # --- the server ------------------------------------------------------------

    def start(self) -> str:
        """Serve on a free port; returns the API base URL, like https://api.weixin.qq.com/cgi-bin/."""
        self._server = make_server("127.0.0.1", 0, self._wsgi, threaded=True)
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05},
                                        daemon=True)
        self._thread.start()
        return f"http://127.0.0.1:{self._server.server_port}/cgi-bin/"

    def stop(self) -> None:
        self._stopping.set()  # wakes delayed requests
        self._server.shutdown()
        self._server.server_close()
        self._thread.join()

    @Request.application
    def _wsgi(self, request: Request) -> Response:
        endpoint = request.path.removeprefix("/cgi-bin/")
        handler = {"token": self._token, "message/custom/send": self._custom_send}.get(endpoint)
        with self._lock:
            self.calls[endpoint] += 1
        if self._delay:
            self._stopping.wait(self._delay)
        with self._lock:
            status = _take_fault(self._http_faults, endpoint)
            if status:
                return Response("Service Unavailable", status=status)
            errcode = _take_fault(self._errcode_faults, endpoint)
            if errcode is not None:
                return _error(errcode)
            if handler is None:
                return Response("Not Found", status=404)
            return handler(request)

    # --- the rules (called with the lock held) -------------------------------

    def _token(self, request: Request) -> Response:
        """GET /cgi-bin/token: a new token each call; older ones die after the grace."""
        args = request.args
        if args.get("grant_type") != "client_credential":
            return _error(40002)
        if args.get("appid") != self.app_id:
            return _error(40013)
        if args.get("secret") != self.app_secret:
            return _error(40125)
        now = self.now()
        today = int(now // 86400)
        if self._fetches_per_day[today] >= self.daily_token_limit:
            return _error(45009)
        self._fetches_per_day[today] += 1
        self.token_fetches += 1
        for older in self._tokens:
            self._tokens[older] = min(self._tokens[older], now + self.token_grace)
            self._superseded.add(older)
        token = secrets.token_urlsafe(48)
        self._tokens[token] = now + self.token_expires_in
        return _json({"access_token": token, "expires_in": self.token_expires_in})

    def _token_error(self, token: str | None) -> int | None:
        if not token:
            return 41001
        expires_at = self._tokens.get(token)
        if expires_at is None:
            return 40001
        if self.now() >= expires_at:
            return 40001 if token in self._superseded else 42001
        return None

    def _custom_send(self, request: Request) -> Response:
        """POST /cgi-bin/message/custom/send: only inside the member's window, never after unfollow."""
        errcode = self._token_error(request.args.get("access_token"))
        if errcode:
            return _error(errcode)
        if not request.data:
            return _error(44002)
        try:
            message = json.loads(request.data)
        except ValueError:
            return _error(47001)
        openid = message.get("touser")
        if not openid or message.get("msgtype") not in self.CUSTOM_MSGTYPES:
            return _error(47001)
        if openid in self._unfollowed:
            return _error(43004)
        now = self.now()
        open_windows = [w for w in self._windows.get(openid, {}).values() if w.until > now]
        if not open_windows:
            return _error(45015)
        usable = [w for w in open_windows if w.left > 0]
        if not usable:
            return _error(45047)
        min(usable, key=lambda w: w.until).left -= 1  # spend the window that closes first
        self.sent.append(message)
        return _error(0)

    def _open_window(self, openid: str, kind: str, seconds: float, messages: int) -> None:
        """An interaction (re)opens that kind of window; interacting implies following."""
        with self._lock:
            self._unfollowed.discard(openid)
            self._windows.setdefault(openid, {})[kind] = _Window(self.now() + seconds, messages)


def _take_fault(faults: list[tuple[str | None, int]], endpoint: str) -> int | None:
    """Remove and return the first injected fault that applies to this endpoint."""
    for i, (target, value) in enumerate(faults):
        if target in (None, endpoint):
            del faults[i]
            return value
    return None


def _json(body: dict) -> Response:
    return Response(json.dumps(body, ensure_ascii=False), content_type="application/json; charset=utf-8")


def _error(errcode: int) -> Response:
    return _json({"errcode": errcode, "errmsg": ERRMSG.get(errcode, "ok")})


@pytest.fixture
def fake_wechat(env):
    """A running fake with the test's app id and secret; env["WECHAT_API_BASE"] points at it."""
    fake = FakeWeChat(env["WECHAT_APP_ID"], env["WECHAT_APP_SECRET"])
    env["WECHAT_API_BASE"] = fake.start()
    yield fake
    fake.stop()
