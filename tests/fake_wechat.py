"""A local fake of the WeChat API that enforces the platform's rules.

A real HTTP server on 127.0.0.1 (a background thread), so the code under test
goes through wechatpy, requests, timeouts and retries exactly as in production,
and several processes can share it. Tests drive it from the outside:

    fake.record_user_message(openid)   the member wrote: 5 messages within 48 h
    fake.record_user_event(openid)     menu click, follow or QR scan: 3 within 1 min
    fake.unfollow(openid)              43004 from now on; mass sends skip them
    fake.fail_next(2)                  the next 2 calls answer errcode -1
    fake.fail_next(9, 40001, endpoint="message/custom/send")
                                       ... only calls to that endpoint
    fake.fail_next_http(1, 503)        the next call answers HTTP 503
    fake.fail_for(["o1"], 502)         every call naming o1 (touser, a mass send's list) answers HTTP 502
    fake.mend()                        the faults injected and not met yet are taken back
    fake.tokenless_answers(2)          the next 2 token fetches answer 200 without an access_token
    fake.overload(3)                   the next 3 calls answer 45009
    fake.random_5xx(0.1, seed=7)       a tenth of all calls answer HTTP 503, reproducibly
    fake.calls_per_second = 20         more calls than that in any second answer 45009
    fake.daily_quota["message/custom/send"] = 100   calls a day (Beijing) to that API; past them, refused
                                       ones counted too, 45009 until 0:00 or fake.clear_quota()
    fake.set_delay(2.0)                every answer comes 2 s late (the call is carried out after)
    fake.delay_answers(5, endpoint)    carry the call out at once, answer 5 s late (a send the
                                       caller may die waiting for)
    fake.advance(49 * 3600)            move the fake's clock forward
    fake.invalidate_tokens(after_calls=4)  every token dies (40001) when 4 more calls came in

The rules of the endpoints the bot uses:

    token                         a new token per fetch; older ones die after `token_grace`
    message/custom/send           only inside the member's window and count (45015/45047), 43004
    message/template/send         only template ids in `template_ids` (40037), 43004
    message/mass/send             2 to 10,000 different openids (40130); mass/sendall: `filter.tag_id`, and a
    message/mass/sendall          `filter.group_id` body is refused (40050) as the current API does;
                                  each user gets at most 4 mass sends a calendar month, the rest are
                                  filtered silently (`filtered`); a clientmsgid seen within 24 h is
                                  not sent again (45065 with its msg_id); at most
                                  `mass_calls_per_minute` calls in any minute (45009), per account
    tags/create, tags/get, tags/members/batchtagging, tags/members/batchuntagging
    sns/oauth2/access_token       web authorisation: a code from `authorize(openid)` (what WeChat
                                  gives the member's browser) is good once (40163 after) for
                                  `oauth_code_seconds` (5 minutes; 40029 after), with the app's secret
    sns/oauth2/component/access_token   the same for an account the platform acts for: a code from
                                  `authorize(openid, appid)` is good only for that account, with the
                                  platform's AppID and a live component token instead of a secret

The third-party platform (第三方平台), once `enable_component(appid, secret)`:

    fake.issue_ticket()                    a component_verify_ticket (WeChat pushes one every 10 min;
                                           the test posts it to the event URL); valid 12 hours
    fake.add_account(appid, name)          an official account that may authorise the platform
    fake.administrator_authorizes(appid, pre_auth_code) -> auth_code
                                           its administrator opened the link and agreed: the code
                                           WeChat hands the redirect_uri (single use, 1 hour)
    fake.revoke(appid)                     the administrator withdrew it: its refresh token and tokens die
    component/api_component_token, api_create_preauthcode (10 minutes, single use), api_query_auth,
    fake.authorize_accounts(names) -> {appid: refresh token}
                                           many accounts added and authorised at once (benchmarks:
                                           what the link and the code exchange leave behind)
    api_authorizer_token, api_get_authorizer_info: each checks the platform's secret, a live ticket
    or component token, the authoriser's refresh token; an authoriser's access token sends as that
    account (every `sent` entry carries its "account"); `component_token_fetches`,
    `authorizer_token_fetches[appid]`.

and read what happened: `token_fetches`, `calls` (per endpoint), `call_times`
(when each call came, for rate checks), `sent` (every message accepted, one
entry per recipient with "touser" and "channel"), `filtered` (mass-send
recipients dropped), `repeated_clientmsgids` (mass sends refused as repeats),
and `delivered_counts()` (messages per openid, for exactly-once checks).

Use it through the `fake_wechat` fixture: add `pytest_plugins = ["tests.fake_wechat"]`
to the test module; the fixture points `env["WECHAT_API_BASE"]` at the fake, so it
must run before conftest's `config` reads `env` (tests/test_outbound.py overrides
`config` to depend on it). For benchmarks, `FakeProcess` serves it in a process of
its own, driven over HTTP through /_fake/<method>.
"""
from __future__ import annotations

import json
import random
import secrets
import socket
import subprocess
import sys
import threading
import time
import tomllib
from collections import Counter, deque
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
import requests
from werkzeug.serving import make_server
from werkzeug.wrappers import Request, Response

ERRMSG = {
    -1: "system error",
    40001: "invalid credential, access_token is invalid or not latest",
    40002: "invalid grant_type",
    40013: "invalid appid",
    40016: "invalid button size",
    40017: "invalid button type",
    40018: "invalid button name size",
    40019: "invalid button key size",
    40020: "invalid button url size",
    40023: "invalid sub button size",
    40024: "invalid sub button type",
    40025: "invalid sub button name size",
    40026: "invalid sub button key size",
    40027: "invalid sub button url size",
    40032: "invalid openid list size",
    40029: "invalid code",
    40037: "invalid template_id",
    40050: "invalid group id (use filter.tag_id)",
    40125: "invalid appsecret",
    40130: "invalid openid list size, at least two openid",
    40163: "code been used",
    41001: "access_token missing",
    42001: "access_token expired",
    43004: "require subscribe",
    44002: "empty post data",
    45009: "reach max api daily quota limit",
    45015: "response out of time limit or subscription is canceled",
    45047: "out of response count limit",
    45065: "clientmsgid exist",
    45157: "invalid tag name (already exists)",
    45159: "invalid tag id",
    46003: "menu no exist",
    47001: "data format error",
    61003: "component is not authorized by this account",
    61006: "component ticket is invalid",
    61010: "code is expired",
    61023: "refresh_token is invalid",
}
BEIJING = timezone(timedelta(hours=8))
TEMPLATES_FILE = Path(__file__).resolve().parent.parent / "content" / "templates.toml"


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
    MASS_MSGTYPES = {"text", "mpnews", "image", "voice", "mpvideo", "wxcard"}
    MASS_PER_USER_PER_MONTH = 4
    CLIENTMSGID_MEMORY = 24 * 3600

    def __init__(self, app_id: str, app_secret: str, token_expires_in: int = 7200,
                 token_grace: float = 300, daily_token_limit: int = 2000, template_ids=()):
        self.app_id = app_id
        self.app_secret = app_secret
        self.token_expires_in = token_expires_in
        self.token_grace = token_grace  # how long an older token still works after a new fetch
        self.daily_token_limit = daily_token_limit
        self.template_ids = set(template_ids)
        # The account's own templates (template/get_all_private_template): id, title, content.
        self.private_templates: list[dict] = [project_template(t) for t in self.template_ids]
        self.menu: dict | None = None  # what menu/create stored; menu/get answers 46003 without one
        self.mass_calls_per_minute: int | None = 60
        self.calls_per_second: float | None = None
        self.daily_quota: dict[str, int] = {}  # endpoint -> calls a day (WeChat's default quotas are large)

        self.token_fetches = 0
        self.calls: Counter[str] = Counter()
        self.call_times: list[tuple[float, str]] = []
        self.sent: list[dict] = []
        self.filtered: list[dict] = []
        self.repeated_clientmsgids: list[str] = []  # mass sends refused with 45065

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
        self._openid_faults: dict[str, int] = {}  # openid -> HTTP status of every call naming it
        self._tokenless = 0  # token fetches still to answer without an access_token
        self._random_5xx: tuple[float, random.Random] | None = None
        self._delay = 0.0
        self._invalidate_at: int | None = None
        self._answer_delays: dict[str | None, float] = {}
        self._recent_calls: deque[float] = deque()
        self._calls_a_day: Counter[tuple[str, str]] = Counter()  # (endpoint, Beijing date) -> calls
        self._mass_calls: dict[str, deque[float]] = {}  # account -> its recent mass-send calls
        self._mass_received: Counter[tuple[str, str]] = Counter()  # (openid, month) -> mass sends
        self._clientmsgids: dict[str, tuple[int, float]] = {}  # clientmsgid -> (msg_id, at)
        self._next_msg_id = 1000
        self._tags: dict[int, str] = {}
        self._user_tags: dict[str, set[int]] = {}
        self._oauth_codes: dict[str, tuple[str, float, str | None]] = {}  # code -> (openid, issued at, appid)
        self._spent_codes: set[str] = set()
        self.oauth_code_seconds = 300
        self._server = None
        self._thread = None
        # The third-party platform (enable_component).
        self.component_app_id: str | None = None
        self.component_secret: str | None = None
        self.component_token_fetches = 0
        self.authorizer_token_fetches: Counter[str] = Counter()
        self._tickets: dict[str, float] = {}  # ticket -> issued at
        self._component_tokens: dict[str, float] = {}  # token -> expires at
        self._preauth_codes: dict[str, float] = {}  # code -> expires at
        self._auth_codes: dict[str, tuple[str, float]] = {}  # code -> (appid, expires at)
        self._accounts: dict[str, dict] = {}  # appid -> name, user_name, refresh_token, authorized
        self._token_owner: dict[str, str] = {}  # authoriser access token -> its appid

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

    def record_user_messages(self, openids: list[str]) -> None:
        for openid in openids:
            self.record_user_message(openid)

    def authorize(self, openid: str, appid: str | None = None) -> str:
        """The member passed WeChat's web authorisation (of the account `appid`, whose authorisation
        the third-party platform asked for; None: the single account's): the one-use code WeChat
        hands the page."""
        code = secrets.token_urlsafe(24)
        with self._lock:
            self._oauth_codes[code] = (openid, self.now(), appid)
        return code

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

    def fail_for(self, openids, status: int = 502) -> None:
        """Every call whose body names one of `openids` answers HTTP `status`, whoever else it names (a
        member WeChat's gateway errors on, as seen in a delivery walk), until mend()."""
        with self._lock:
            self._openid_faults.update(dict.fromkeys(openids, status))

    def clear_quota(self) -> None:
        """What the account's administrator can do (clear_quota): the day's calls count from nought."""
        with self._lock:
            self._calls_a_day.clear()

    def mend(self) -> None:
        """Every fault injected by fail_next, fail_next_http and fail_for and not met yet is taken back."""
        with self._lock:
            self._errcode_faults.clear()
            self._http_faults.clear()
            self._openid_faults.clear()

    def tokenless_answers(self, n: int) -> None:
        """The next n token fetches answer HTTP 200 with only `expires_in` (no access_token field)."""
        with self._lock:
            self._tokenless += n

    def overload(self, n: int, endpoint: str | None = None) -> None:
        """The next n calls answer 45009, as when a quota is used up."""
        self.fail_next(n, errcode=45009, endpoint=endpoint)

    def random_5xx(self, rate: float, seed: int) -> None:
        """From now on each API call answers HTTP 503 with probability `rate` (0 to stop)."""
        with self._lock:
            self._random_5xx = (rate, random.Random(seed)) if rate else None

    def set_delay(self, seconds: float) -> None:
        """Answer every request this late (0 to stop); the request is still carried out."""
        self._delay = seconds

    def delay_answers(self, seconds: float, endpoint: str | None = None) -> None:
        """Carry out calls (to `endpoint`, or any) at once but answer `seconds` late (0 to stop)."""
        self._answer_delays[endpoint] = seconds

    def invalidate_tokens(self, after_calls: int = 0) -> None:
        """Every token issued so far is rejected with 40001: now, or once `after_calls` more API
        calls (not token fetches) have come in."""
        with self._lock:
            api_calls = sum(n for endpoint, n in self.calls.items() if endpoint != "token")
            self._invalidate_at = api_calls + after_calls
            self._invalidate_due()

    def _invalidate_due(self) -> None:
        api_calls = sum(n for endpoint, n in self.calls.items() if endpoint != "token")
        if self._invalidate_at is not None and api_calls >= self._invalidate_at:
            self._invalidate_at = None
            self._superseded.update(self._tokens)
            for token in self._tokens:
                self._tokens[token] = 0

    def enable_component(self, component_app_id: str, component_secret: str) -> None:
        self.component_app_id, self.component_secret = component_app_id, component_secret

    def issue_ticket(self) -> str:
        ticket = "ticket@@@" + secrets.token_urlsafe(32)
        with self._lock:
            self._tickets[ticket] = self.now()
        return ticket

    def add_account(self, appid: str, name: str) -> None:
        with self._lock:
            self._accounts[appid] = {"name": name, "user_name": "gh_" + secrets.token_hex(6),
                                     "refresh_token": None, "authorized": False}

    def administrator_authorizes(self, appid: str, pre_auth_code: str) -> str:
        """The account's administrator opened the link with this pre-auth code and agreed."""
        with self._lock:
            if self._preauth_codes.pop(pre_auth_code, 0) <= self.now():
                raise ValueError("the pre-auth code is unknown, used or expired")
            account = self._accounts[appid]
            account.update(authorized=True, refresh_token="refreshtoken@@@" + secrets.token_urlsafe(24))
            code = "queryauthcode@@@" + secrets.token_urlsafe(24)
            self._auth_codes[code] = (appid, self.now() + 3600)
        return code

    def authorize_accounts(self, names: dict[str, str]) -> dict[str, str]:
        """Accounts (appid -> name) whose administrators authorised the platform; their refresh tokens."""
        tokens = {}
        for appid, name in names.items():
            self.add_account(appid, name)
            with self._lock:
                tokens[appid] = "refreshtoken@@@" + secrets.token_urlsafe(24)
                self._accounts[appid].update(authorized=True, refresh_token=tokens[appid])
        return tokens

    def revoke(self, appid: str) -> None:
        with self._lock:
            self._accounts[appid].update(authorized=False, refresh_token=None)
            for token, owner in self._token_owner.items():
                if owner == appid:
                    self._tokens[token] = 0

    def sent_to(self, openid: str) -> list[dict]:
        return [message for message in self.sent if message["touser"] == openid]

    def delivered_counts(self) -> Counter:
        """Messages accepted per openid, every channel together."""
        with self._lock:
            return Counter(message["touser"] for message in self.sent)

    def delivery_summary(self) -> dict:
        """Accepted messages per account and channel, and how many (account, openid) got more than one."""
        with self._lock:
            per_member = Counter((message["account"], message["touser"]) for message in self.sent)
            return {"accounts": dict(Counter(message["account"] for message in self.sent)),
                    "channels": dict(Counter(message["channel"] for message in self.sent)),
                    "duplicates": sum(n - 1 for n in per_member.values() if n > 1)}

    def tags_of(self, openid: str) -> set[str]:
        with self._lock:
            return {self._tags[tag_id] for tag_id in self._user_tags.get(openid, set())}

    def max_calls_in(self, seconds: float, endpoints=None) -> int:
        """The most calls (to `endpoints`, or any but the token) within any window of `seconds`."""
        with self._lock:
            times = sorted(at for at, endpoint in self.call_times
                           if (endpoint in endpoints if endpoints else endpoint != "token"))
        most, first = 0, 0
        for last, at in enumerate(times):
            while at - times[first] >= seconds:
                first += 1
            most = max(most, last - first + 1)
        return most

    # --- the server ------------------------------------------------------------

    def start(self, port: int = 0) -> str:
        """Serve on a free port; returns the API base URL, like https://api.weixin.qq.com/cgi-bin/."""
        self._server = make_server("127.0.0.1", port, self._wsgi, threaded=True)
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
        if request.path.startswith("/_fake/"):
            return self._control(request)
        endpoint = request.path.removeprefix("/cgi-bin/").lstrip("/")  # sns/... sits beside cgi-bin/
        handler = {
            "sns/oauth2/access_token": self._oauth_exchange,
            "sns/oauth2/component/access_token": self._component_oauth_exchange,
            "token": self._token,
            "message/custom/send": self._custom_send,
            "message/template/send": self._template_send,
            "message/mass/send": self._mass_send,
            "message/mass/sendall": self._mass_send,
            "tags/create": self._tag_create,
            "tags/get": self._tag_list,
            "tags/members/batchtagging": self._tag_users,
            "tags/members/batchuntagging": self._tag_users,
            "menu/create": self._menu_create,
            "menu/get": self._menu_get,
            "template/get_all_private_template": self._private_templates,
            "component/api_component_token": self._component_token,
            "component/api_create_preauthcode": self._preauth_code,
            "component/api_query_auth": self._query_auth,
            "component/api_authorizer_token": self._authorizer_token,
            "component/api_get_authorizer_info": self._authorizer_info,
        }.get(endpoint)
        with self._lock:
            self.calls[endpoint] += 1
            self.call_times.append((time.monotonic(), endpoint))
            self._invalidate_due()
        if self._delay:
            self._stopping.wait(self._delay)
        with self._lock:
            before = len(self.sent)
            response = (self._refusal(endpoint) or self._refusal_naming(request)
                        or (handler(request) if handler else Response("Not Found", status=404)))
            caller = self._token_owner.get(request.args.get("access_token"), self.app_id)
            for message in self.sent[before:]:
                message["account"] = caller
        answer_delay = self._answer_delays.get(endpoint, self._answer_delays.get(None, 0))
        if answer_delay:
            self._stopping.wait(answer_delay)
        return response

    def _refusal(self, endpoint: str) -> Response | None:
        """An injected fault, a random 5xx, or 45009 past the calls-per-second limit (lock held)."""
        status = _take_fault(self._http_faults, endpoint)
        if status:
            return Response("Service Unavailable", status=status)
        errcode = _take_fault(self._errcode_faults, endpoint)
        if errcode is not None:
            return _error(errcode)
        if self._random_5xx and self._random_5xx[1].random() < self._random_5xx[0]:
            return Response("Service Unavailable", status=503)
        if self.calls_per_second and not _within_rate(self._recent_calls, time.monotonic(), 1.0,
                                                      self.calls_per_second):
            return _error(45009)
        if endpoint in self.daily_quota:
            day = (endpoint, datetime.fromtimestamp(self.now(), BEIJING).strftime("%Y%m%d"))
            self._calls_a_day[day] += 1
            if self._calls_a_day[day] > self.daily_quota[endpoint]:
                return _error(45009)
        return None

    def _refusal_naming(self, request: Request) -> Response | None:
        """HTTP's error for a call naming an openid of fail_for (lock held)."""
        if not self._openid_faults:
            return None
        try:
            body = json.loads(request.data or b"{}")
        except ValueError:
            return None
        named = body.get("touser") if isinstance(body, dict) else None
        for openid in [named] if isinstance(named, str) else named or []:
            if openid in self._openid_faults:
                return Response("Bad Gateway", status=self._openid_faults[openid])
        return None

    def _control(self, request: Request) -> Response:
        """/_fake/<method> for a fake in another process: JSON keyword arguments in, JSON out."""
        method = request.path.removeprefix("/_fake/")
        if method not in CONTROL_METHODS:
            return Response("Not Found", status=404)
        kwargs = json.loads(request.data) if request.data else {}
        if method == "configure":
            for name, value in kwargs.items():
                setattr(self, name, value)
            return _json({})
        return _json({"result": getattr(self, method)(**kwargs)})

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
        if self._tokenless:
            self._tokenless -= 1
            return _json({"expires_in": self.token_expires_in})
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

    # --- the third-party platform (lock held) ---------------------------------

    def _component_body(self, request: Request, need_token: bool = True) -> tuple[dict | None, int | None]:
        if self.component_app_id is None:
            return None, 40013
        if need_token:
            expires_at = self._component_tokens.get(request.args.get("component_access_token") or "")
            if expires_at is None:
                return None, 40001
            if self.now() >= expires_at:
                return None, 42001
        try:
            body = json.loads(request.data or b"null")
        except ValueError:
            return None, 47001
        if not isinstance(body, dict):
            return None, 47001
        if body.get("component_appid") != self.component_app_id:
            return None, 40013
        return body, None

    def _component_token(self, request: Request) -> Response:
        body, errcode = self._component_body(request, need_token=False)
        if errcode:
            return _error(errcode)
        if body.get("component_appsecret") != self.component_secret:
            return _error(40125)
        issued = self._tickets.get(body.get("component_verify_ticket") or "")
        if issued is None or self.now() - issued > 12 * 3600:
            return _error(61006)  # component ticket is invalid
        self.component_token_fetches += 1
        token = "componenttoken@@@" + secrets.token_urlsafe(32)
        self._component_tokens[token] = self.now() + self.token_expires_in
        return _json({"component_access_token": token, "expires_in": self.token_expires_in})

    def _preauth_code(self, request: Request) -> Response:
        body, errcode = self._component_body(request)
        if errcode:
            return _error(errcode)
        code = "preauthcode@@@" + secrets.token_urlsafe(24)
        self._preauth_codes[code] = self.now() + 600
        return _json({"pre_auth_code": code, "expires_in": 600})

    def _authorizer_access_token(self, appid: str) -> str:
        token = "authorizertoken@@@" + secrets.token_urlsafe(32)
        self._tokens[token] = self.now() + self.token_expires_in
        self._token_owner[token] = appid
        return token

    def _query_auth(self, request: Request) -> Response:
        body, errcode = self._component_body(request)
        if errcode:
            return _error(errcode)
        appid, expires_at = self._auth_codes.pop(body.get("authorization_code") or "", (None, 0))
        if appid is None or self.now() >= expires_at:
            return _error(61010)  # code is expired / used
        account = self._accounts[appid]
        return _json({"authorization_info": {
            "authorizer_appid": appid, "authorizer_access_token": self._authorizer_access_token(appid),
            "expires_in": self.token_expires_in, "authorizer_refresh_token": account["refresh_token"],
            "func_info": [{"funcscope_category": {"id": 1}}, {"funcscope_category": {"id": 2}}]}})

    def _authorizer_token(self, request: Request) -> Response:
        body, errcode = self._component_body(request)
        if errcode:
            return _error(errcode)
        account = self._accounts.get(body.get("authorizer_appid") or "")
        if not account or not account["authorized"]:
            return _error(61003)  # component is not authorized by this account
        if body.get("authorizer_refresh_token") != account["refresh_token"]:
            return _error(61023)  # refresh_token is invalid
        self.authorizer_token_fetches[body["authorizer_appid"]] += 1
        return _json({"authorizer_access_token": self._authorizer_access_token(body["authorizer_appid"]),
                      "expires_in": self.token_expires_in, "authorizer_refresh_token": account["refresh_token"]})

    def _authorizer_info(self, request: Request) -> Response:
        body, errcode = self._component_body(request)
        if errcode:
            return _error(errcode)
        account = self._accounts.get(body.get("authorizer_appid") or "")
        if not account:
            return _error(61003)
        return _json({"authorizer_info": {"nick_name": account["name"], "user_name": account["user_name"],
                                          "service_type_info": {"id": 2}, "verify_type_info": {"id": 0}},
                      "authorization_info": {"authorizer_appid": body["authorizer_appid"]}})

    def _oauth_exchange(self, request: Request) -> Response:
        """GET /sns/oauth2/access_token: the app's secret and a live code, once."""
        args = request.args
        if args.get("grant_type") != "authorization_code":
            return _error(40002)
        if args.get("appid") != self.app_id:
            return _error(40013)
        if args.get("secret") != self.app_secret:
            return _error(40125)
        return self._spend_oauth_code(args.get("code", ""), None)

    def _component_oauth_exchange(self, request: Request) -> Response:
        """GET /sns/oauth2/component/access_token: the platform's web authorisation for an account it
        acts for; the code is the account's (another account's code is invalid there)."""
        args = request.args
        if args.get("grant_type") != "authorization_code":
            return _error(40002)
        if self.component_app_id is None or args.get("component_appid") != self.component_app_id:
            return _error(40013)
        expires_at = self._component_tokens.get(args.get("component_access_token") or "")
        if expires_at is None or self.now() >= expires_at:
            return _error(40001 if expires_at is None else 42001)
        account = self._accounts.get(args.get("appid") or "")
        if not account or not account["authorized"]:
            return _error(61003)  # component is not authorized by this account
        return self._spend_oauth_code(args.get("code", ""), args["appid"])

    def _spend_oauth_code(self, code: str, appid: str | None) -> Response:
        if code in self._spent_codes:
            return _error(40163)
        issued = self._oauth_codes.get(code)
        if issued is None or issued[2] != appid or self.now() - issued[1] > self.oauth_code_seconds:
            return _error(40029)
        del self._oauth_codes[code]
        self._spent_codes.add(code)
        return _json({"access_token": secrets.token_urlsafe(32), "expires_in": 7200,
                      "refresh_token": secrets.token_urlsafe(32), "openid": issued[0], "scope": "snsapi_base"})

    def _token_error(self, token: str | None) -> int | None:
        if not token:
            return 41001
        expires_at = self._tokens.get(token)
        if expires_at is None:
            return 40001
        if self.now() >= expires_at:
            return 40001 if token in self._superseded else 42001
        return None

    def _body(self, request: Request) -> tuple[dict | None, int | None]:
        """The JSON body of an authenticated POST, or the error code to answer."""
        errcode = self._token_error(request.args.get("access_token"))
        if errcode:
            return None, errcode
        if not request.data:
            return None, 44002
        try:
            body = json.loads(request.data)
        except ValueError:
            return None, 47001
        return (body, None) if isinstance(body, dict) else (None, 47001)

    def _custom_send(self, request: Request) -> Response:
        """POST /cgi-bin/message/custom/send: only inside the member's window, never after unfollow."""
        message, errcode = self._body(request)
        if errcode:
            return _error(errcode)
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
        self.sent.append(dict(message, channel="customer_service"))
        return _error(0)

    def _template_send(self, request: Request) -> Response:
        """POST /cgi-bin/message/template/send: a known template id, a follower."""
        message, errcode = self._body(request)
        if errcode:
            return _error(errcode)
        openid = message.get("touser")
        if not openid or not isinstance(message.get("data"), dict):
            return _error(47001)
        if message.get("template_id") not in self.template_ids:
            return _error(40037)
        if openid in self._unfollowed:
            return _error(43004)
        msg_id = self._new_msg_id()
        self.sent.append(dict(message, channel="template", msg_id=msg_id))
        return _json({"errcode": 0, "errmsg": "ok", "msgid": msg_id})

    def _mass_send(self, request: Request) -> Response:
        """POST message/mass/send (touser list) and message/mass/sendall (filter.tag_id)."""
        message, errcode = self._body(request)
        if errcode:
            return _error(errcode)
        if message.get("msgtype") not in self.MASS_MSGTYPES or message["msgtype"] not in message:
            return _error(47001)
        if "touser" in message:
            users = message["touser"]
            if not isinstance(users, list) or not 2 <= len(set(users)) <= 10_000:  # one openid twice is one
                return _error(40130)
        else:
            selector = message.get("filter") or {}
            if "group_id" in selector:
                return _error(40050)  # the retired body wechatpy 1.8.18 still posts
            if selector.get("tag_id") not in self._tags:
                return _error(45159)
            users = [openid for openid, tags in self._user_tags.items() if selector["tag_id"] in tags]
        account = self._token_owner.get(request.args.get("access_token"), self.app_id)
        if self.mass_calls_per_minute and not _within_rate(self._mass_calls.setdefault(account, deque()),
                                                           self.now(), 60.0, self.mass_calls_per_minute):
            return _error(45009)
        clientmsgid = message.get("clientmsgid")
        seen = self._clientmsgids.get(clientmsgid)
        if seen and self.now() - seen[1] < self.CLIENTMSGID_MEMORY:
            self.repeated_clientmsgids.append(clientmsgid)
            return _json({"errcode": 45065, "errmsg": ERRMSG[45065], "msg_id": seen[0]})
        msg_id = self._new_msg_id()
        if clientmsgid:
            self._clientmsgids[clientmsgid] = (msg_id, self.now())
        month = datetime.fromtimestamp(self.now(), BEIJING).strftime("%Y%m")
        for openid in dict.fromkeys(users):
            reason = ("unfollowed" if openid in self._unfollowed else
                      "monthly quota" if self._mass_received[openid, month] >= self.MASS_PER_USER_PER_MONTH else None)
            if reason:
                self.filtered.append({"touser": openid, "msg_id": msg_id, "reason": reason})
                continue
            self._mass_received[openid, month] += 1
            self.sent.append({"touser": openid, "channel": "mass", "msg_id": msg_id,
                              "msgtype": message["msgtype"], message["msgtype"]: message[message["msgtype"]]})
        return _json({"errcode": 0, "errmsg": "send job submission success", "msg_id": msg_id,
                      "msg_data_id": msg_id})

    def _tag_create(self, request: Request) -> Response:
        body, errcode = self._body(request)
        if errcode:
            return _error(errcode)
        name = (body.get("tag") or {}).get("name")
        if not name or len(name) > 30:
            return _error(47001)
        if name in self._tags.values():
            return _error(45157)
        tag_id = 100 + len(self._tags)
        self._tags[tag_id] = name
        return _json({"tag": {"id": tag_id, "name": name}})

    def _tag_list(self, request: Request) -> Response:
        errcode = self._token_error(request.args.get("access_token"))
        if errcode:
            return _error(errcode)
        counts = Counter(tag for tags in self._user_tags.values() for tag in tags)
        return _json({"tags": [{"id": i, "name": n, "count": counts[i]} for i, n in self._tags.items()]})

    def _tag_users(self, request: Request) -> Response:
        """batchtagging / batchuntagging: up to 50 openids, a tag that exists."""
        body, errcode = self._body(request)
        if errcode:
            return _error(errcode)
        openids, tag_id = body.get("openid_list"), body.get("tagid")
        if not isinstance(openids, list) or not 1 <= len(openids) <= 50:
            return _error(40032)
        if tag_id not in self._tags:
            return _error(45159)
        for openid in openids:
            tags = self._user_tags.setdefault(openid, set())
            if request.path.endswith("batchtagging"):
                tags.add(tag_id)
            else:
                tags.discard(tag_id)
        return _error(0)

    # --- the custom menu and the account's templates ------------------------------------------

    MENU_BUTTON_TYPES = {"click", "view", "miniprogram", "scancode_push", "scancode_waitmsg", "pic_sysphoto",
                         "pic_photo_or_album", "pic_weixin", "location_select", "media_id", "article_id",
                         "article_view_limited"}

    def add_template(self, template_id: str, title: str, content: str) -> None:
        """A template the account added in its console (`content` as WeChat shows it: {{x.DATA}})."""
        self.template_ids.add(template_id)
        self.private_templates.append({"template_id": template_id, "title": title, "primary_industry": "IT科技",
                                       "deputy_industry": "互联网|电子商务", "content": content, "example": ""})

    def _menu_create(self, request: Request) -> Response:
        """POST /cgi-bin/menu/create with the platform's limits: 1-3 buttons of at most 16 bytes,
        1-5 sub-buttons of at most 60, keys at most 128 bytes, URLs at most 1024 (http or https)."""
        body, errcode = self._body(request)
        if errcode:
            return _error(errcode)
        buttons = body.get("button")
        if not isinstance(buttons, list) or not 1 <= len(buttons) <= 3:
            return _error(40016)
        for button in buttons:
            subs = button.get("sub_button")
            if subs is not None and subs != []:
                if not isinstance(subs, list) or len(subs) > 5:
                    return _error(40023)
                if not 1 <= _utf8(button.get("name")) <= 16:
                    return _error(40018)
                for sub in subs:
                    refused = _refused_button(sub, 60, self.MENU_BUTTON_TYPES, (40024, 40025, 40026, 40027))
                    if refused:
                        return _error(refused)
            else:
                refused = _refused_button(button, 16, self.MENU_BUTTON_TYPES, (40017, 40018, 40019, 40020))
                if refused:
                    return _error(refused)
        self.menu = {"button": [dict(b, sub_button=list(b.get("sub_button") or [])) for b in buttons]}
        return _error(0)

    def _menu_get(self, request: Request) -> Response:
        errcode = self._token_error(request.args.get("access_token"))
        if errcode:
            return _error(errcode)
        if self.menu is None:
            return _error(46003)
        return _json({"menu": self.menu})

    def _private_templates(self, request: Request) -> Response:
        errcode = self._token_error(request.args.get("access_token"))
        if errcode:
            return _error(errcode)
        return _json({"template_list": self.private_templates})

    def _new_msg_id(self) -> int:
        self._next_msg_id += 1
        return self._next_msg_id

    def _open_window(self, openid: str, kind: str, seconds: float, messages: int) -> None:
        """An interaction (re)opens that kind of window; interacting implies following."""
        with self._lock:
            self._unfollowed.discard(openid)
            self._windows.setdefault(openid, {})[kind] = _Window(self.now() + seconds, messages)

    # --- over HTTP, for a fake in its own process ----------------------------------------

    def stats(self) -> dict:
        with self._lock:
            return {"calls": dict(self.calls), "token_fetches": self.token_fetches,
                    "filtered": len(self.filtered), "sent": len(self.sent)}


CONTROL_METHODS = {"record_user_messages", "delivered_counts", "stats", "configure", "enable_component",
                   "issue_ticket", "authorize_accounts", "sent_to", "delivery_summary"}


def _within_rate(recent: deque, now: float, window: float, limit: float) -> bool:
    """Count a call in a sliding window; False (and not counted) if `limit` calls are already in it."""
    while recent and recent[0] <= now - window:
        recent.popleft()
    if len(recent) >= limit:
        return False
    recent.append(now)
    return True


def _take_fault(faults: list[tuple[str | None, int]], endpoint: str) -> int | None:
    """Remove and return the first injected fault that applies to this endpoint."""
    for i, (target, value) in enumerate(faults):
        if target in (None, endpoint):
            del faults[i]
            return value
    return None


def _utf8(text) -> int:
    return len(str(text or "").encode("utf-8"))


def _refused_button(button: dict, name_limit: int, types: set[str], codes: tuple[int, int, int, int]) -> int | None:
    """The errcode menu/create answers for a leaf button (type, name, key, url codes), or None."""
    bad_type, bad_name, bad_key, bad_url = codes
    kind = button.get("type")
    if kind not in types:
        return bad_type
    if not 1 <= _utf8(button.get("name")) <= name_limit:
        return bad_name
    if kind == "click" and not 1 <= _utf8(button.get("key")) <= 128:
        return bad_key
    if kind == "view":
        url = button.get("url") or ""
        if not 1 <= _utf8(url) <= 1024 or not url.startswith(("http://", "https://")):
            return bad_url
    return None


def project_template(template_id: str) -> dict:
    """The account's template behind one of content/templates.toml's ids, with that section's fields."""
    with TEMPLATES_FILE.open("rb") as fh:
        sections = tomllib.load(fh)
    spec = next((s for s in sections.values() if s.get("template_id") == template_id), {"fields": {}})
    lines = [f"{name}：{{{{{name}.DATA}}}}" for name in spec.get("fields", {})]
    return {"template_id": template_id, "title": spec.get("title", template_id), "primary_industry": "IT科技",
            "deputy_industry": "互联网|电子商务", "content": "\n".join(lines), "example": ""}


def _json(body: dict) -> Response:
    return Response(json.dumps(body, ensure_ascii=False), content_type="application/json; charset=utf-8")


def _error(errcode: int) -> Response:
    return _json({"errcode": errcode, "errmsg": ERRMSG.get(errcode, "ok")})


def project_template_ids() -> set[str]:
    """The template ids content/templates.toml configures, as the account's console would list them."""
    with TEMPLATES_FILE.open("rb") as fh:
        return {spec["template_id"] for spec in tomllib.load(fh).values() if spec.get("template_id")}


@pytest.fixture
def fake_wechat(env):
    """A running fake with the test's app id and secret; env["WECHAT_API_BASE"] points at it."""
    fake = FakeWeChat(env["WECHAT_APP_ID"], env["WECHAT_APP_SECRET"], template_ids=project_template_ids())
    env["WECHAT_API_BASE"] = fake.start()
    yield fake
    fake.stop()


def process_app(app_id: str, app_secret: str):
    """The WSGI app of a fake served by gunicorn in a process of its own (see FakeProcess)."""
    return FakeWeChat(app_id, app_secret, template_ids=project_template_ids())._wsgi


class FakeProcess:
    """The fake in a process of its own (no shared GIL), driven over HTTP through /_fake/<method>.

    Served by gunicorn's threaded worker, one process (the fake's state lives in
    it): unlike werkzeug's server it keeps connections alive, which about doubles
    the calls a second the fake can take.
    """

    def __init__(self, app_id: str, app_secret: str, **settings):
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        self.proc = subprocess.Popen(
            [str(Path(sys.executable).with_name("gunicorn")), "-k", "gthread", "--threads", "16", "-w", "1",
             "-b", f"127.0.0.1:{port}", "--log-level", "warning",
             f"tests.fake_wechat:process_app({app_id!r}, {app_secret!r})"],
            cwd=Path(__file__).resolve().parent.parent)
        self.api_base = f"http://127.0.0.1:{port}/cgi-bin/"
        self._control = f"http://127.0.0.1:{port}/_fake/"
        deadline = time.monotonic() + 30
        while not self._answers():
            if time.monotonic() > deadline or self.proc.poll() is not None:
                raise RuntimeError("the fake WeChat process did not start")
            time.sleep(0.1)
        if settings:
            self.call("configure", **settings)

    def _answers(self) -> bool:
        try:
            return requests.post(self._control + "stats", timeout=1).ok
        except (requests.ConnectionError, requests.Timeout):  # not up yet, or slow to start on a busy machine
            return False

    def call(self, method: str, **kwargs):
        response = requests.post(self._control + method, json=kwargs, timeout=120)
        response.raise_for_status()
        return response.json().get("result")

    def stop(self) -> None:
        self.proc.terminate()
        self.proc.wait(timeout=10)
