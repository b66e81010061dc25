"""The one place that talks to the WeChat API.

Built on wechatpy's `WeChatClient`, with what 1.8.18 gets wrong fixed here:

- the API base and the token URL follow `config.api_base` (wechatpy hard-codes
  api.weixin.qq.com for both);
- the access token and its expiry live in Redis, shared by every process, and
  only one process at a time fetches a new one (wechatpy keeps the expiry per
  process and never locks, so processes invalidate each other's tokens);
- a rejected token (40001/40014/42001) is refreshed once per call, never in
  an unbounded recursion (wechatpy's `auto_retry`);
- every HTTP call has a timeout (wechatpy's default is none), and transient
  failures are retried a bounded number of times with backoff and jitter;
- every call first takes a token from a Redis token bucket shared by all
  workers (config.delivery_rate_per_second / delivery_rate_burst), and mass
  sends also from a second bucket that keeps under WeChat's 60 calls a minute;
- mass send by tag posts `filter.tag_id` (wechatpy 1.8.18 posts the retired
  `filter.group_id`, which the API refuses);
- a daily quota spent (45009 from customer-service or template messages after
  the client's tries) is marked in Redis until WeChat's reset at 0:00 Beijing
  time: no process calls that API meanwhile (QuotaSpent at once), but for one
  probe every storage.state.QUOTA_PROBE_SECONDS (an administrator may reset it).

A call that timed out after the request was sent may have been carried out.
Repeating it is safe for reads, tag changes and mass sends (WeChat drops a
mass send whose clientmsgid it has seen in the last 24 hours, answering
45065), but a customer-service or template message would arrive twice: for
those two, such a failure raises `DeliveryUncertain` and is not repeated.
WeChat's own refusals (-1, 45009) and 5xx answers mean nothing was done and
are repeated for every call.

Failures end in `WeChatAPIError`; `UserUnfollowed`, `OutsideServiceWindow` and
`DeliveryUncertain` are raised at once, without retries, so callers can mark
the member, choose another channel, or record that they cannot know.
"""
from __future__ import annotations

import logging
import random
import time
from contextlib import contextmanager
from datetime import datetime, time as dtime, timedelta, timezone

import redis
import requests
from urllib3.exceptions import ConnectTimeoutError
from wechatpy import WeChatClient
from wechatpy.constants import WeChatErrorCode
from wechatpy.exceptions import WeChatClientException

from bot.config import Config
from storage.state import (
    TokenRefreshBusy,
    access_token_refresh_lock,
    invalidate_access_token_if,
    load_access_token,
    mark_quota_spent,
    may_probe_quota,
    quota_back,
    quota_spent_until,
    store_access_token,
    take_rate_token,
)

log = logging.getLogger(__name__)

TOKEN_ERRORS = {
    WeChatErrorCode.INVALID_CREDENTIAL.value,  # 40001
    WeChatErrorCode.INVALID_ACCESS_TOKEN.value,  # 40014
    WeChatErrorCode.EXPIRED_ACCESS_TOKEN.value,  # 42001
}
TRANSIENT_ERRORS = {
    WeChatErrorCode.SYSTEM_BUSY.value,  # -1
    WeChatErrorCode.OUT_OF_API_FREQ_LIMIT.value,  # 45009
    45066,  # the same clientmsgid again within a minute (wechatpy 1.8.18 has no name for it)
}
MASS_ALREADY_SENT = WeChatErrorCode.CLIENTMSGID_EXIST.value  # 45065
UNFOLLOWED = WeChatErrorCode.REQUIRE_SUBSCRIBE.value  # 43004
WINDOW_CLOSED = {
    WeChatErrorCode.OUT_OF_RESPONSE_TIME_LIMIT.value,  # 45015: no interaction in the window
    WeChatErrorCode.OUT_OF_RESPONSE_COUNT_LIMIT.value,  # 45047: the window's messages are used up
}

# Sends that WeChat cannot deduplicate: repeating one after an unknown outcome may deliver twice.
SENDS_WITHOUT_DEDUPE = {"message/custom/send", "message/template/send"}
MASS_ENDPOINTS = {"message/mass/send", "message/mass/sendall"}
CUSTOM_SEND = "message/custom/send"
# APIs whose calls a day are counted: their 45009 (QUOTA_SPENT) means none are left until 0:00 Beijing time.
DAILY_QUOTA_ENDPOINTS = {CUSTOM_SEND, "message/template/send"}
QUOTA_SPENT = WeChatErrorCode.OUT_OF_API_FREQ_LIMIT.value  # 45009
BEIJING = timezone(timedelta(hours=8))  # WeChat's days and months are China's
MASS_BURST = 5  # mass-send calls that may go at once

BACKOFF_BASE_SECONDS = 0.2  # short: RQ retries the job later with long intervals
BACKOFF_MAX_SECONDS = 5.0
EARLY_REFRESH_SECONDS = 300  # refresh before WeChat's expiry, as its docs advise


class WeChatAPIError(WeChatClientException):
    """A call failed for good. `errcode` is WeChat's code, or None for an HTTP or network failure.

    `transient` says whether trying again later may succeed (busy, quota, network, 5xx).
    `undone` (set by the client as the call gives up): WeChat surely carried out no attempt of the
    call, each was refused, answered with an HTTP error or never reached it; a new send of the same
    message cannot make it twice.
    """

    def __init__(self, errcode: int | None, errmsg: str, transient: bool = False):
        super().__init__(errcode, errmsg)
        self.transient = transient
        self.undone = False


class UserUnfollowed(WeChatAPIError):
    """43004: the member has unfollowed the account; nothing may be sent to them any more."""


class OutsideServiceWindow(WeChatAPIError):
    """45015/45047: no customer-service window is open for this member; use another channel."""


class DeliveryUncertain(WeChatAPIError):
    """A send without deduplication timed out after it went out: WeChat may have delivered it."""


class TokenAnswerInvalid(WeChatAPIError):
    """WeChat's token endpoint answered without an access_token (an error body with errcode 0, a
    missing field): a clear, transient API error instead of a KeyError."""


class QuotaSpent(WeChatAPIError):
    """45009 from an API with a daily quota after the client's tries: its calls are spent `until` (a Unix
    time, WeChat's reset at 0:00 Beijing time). Every process stops calling it till then (a shared mark,
    storage.state.mark_quota_spent) but for one probe now and then; raised without a call meanwhile."""

    def __init__(self, errmsg: str, until: float):
        super().__init__(QUOTA_SPENT, errmsg, transient=True)
        self.until = until
        self.undone = True


def next_quota_reset(now: float | None = None) -> float:
    """When WeChat's daily quotas start again after `now`: the next 0:00 Beijing time (a Unix time)."""
    today = datetime.fromtimestamp(time.time() if now is None else now, BEIJING).date()
    return datetime.combine(today + timedelta(days=1), dtime(), BEIJING).timestamp()


class SendWithdrawn(Exception):
    """The departure hook said no (the delivery row is no longer ours): nothing was sent."""


def _request_never_left(exc: Exception) -> bool:
    """Whether a network failure happened before the request reached WeChat (refused, connect timeout)."""
    reason = getattr(exc.args[0], "reason", None) if exc.args else None
    return isinstance(exc, requests.ConnectTimeout) or isinstance(reason, ConnectTimeoutError)


def _not_carried_out(exc: Exception) -> bool:
    """Whether a failed request surely did nothing: WeChat answered with an error code or an HTTP
    error status, or the request never reached it."""
    if isinstance(exc, WeChatClientException) and exc.errcode is not None:
        return True
    return getattr(exc, "response", None) is not None or _request_never_left(exc)


def _api_error(exc: Exception, repeatable: bool = True) -> WeChatAPIError:
    """Classify what wechatpy, requests or the refresh lock raised.

    `repeatable` says whether the call may be made twice; if not, a network
    failure after the request left is `DeliveryUncertain` instead of transient.
    """
    if isinstance(exc, WeChatAPIError):  # ours already (e.g. a token answer without a token)
        return exc
    if isinstance(exc, TokenRefreshBusy):
        return WeChatAPIError(None, "timed out waiting for another process to refresh the token",
                              transient=True)
    if isinstance(exc, WeChatClientException) and exc.errcode is not None:
        errcode, errmsg = exc.errcode, str(exc.errmsg)
        if errcode == UNFOLLOWED:
            return UserUnfollowed(errcode, errmsg)
        if errcode in WINDOW_CLOSED:
            return OutsideServiceWindow(errcode, errmsg)
        return WeChatAPIError(errcode, errmsg, transient=errcode in TRANSIENT_ERRORS)
    response = getattr(exc, "response", None)
    if response is None:  # timeout, refused connection, reset ...
        if repeatable or _request_never_left(exc):
            return WeChatAPIError(None, f"{type(exc).__name__}: {exc}", transient=True)
        return DeliveryUncertain(None, f"{type(exc).__name__}: {exc}")
    return WeChatAPIError(None, f"HTTP {response.status_code}", transient=response.status_code >= 500)


def backoff_seconds(retry: int) -> float:
    """Exponential backoff with jitter, so that processes retrying together spread out."""
    ceiling = min(BACKOFF_MAX_SECONDS, BACKOFF_BASE_SECONDS * 2 ** retry)
    return random.uniform(ceiling / 2, ceiling)


class WeChatAPIClient(WeChatClient):
    """wechatpy's client with a shared, locked token and bounded, timed retries."""

    def __init__(self, config: Config, r: redis.Redis):
        super().__init__(config.app_id, config.app_secret,
                         timeout=config.api_timeout_seconds, auto_retry=False)
        self.API_BASE_URL = config.api_base  # shadows wechatpy's class attribute
        self.max_retries = config.api_max_retries
        self._redis = r
        # The mass bucket refills slower by its burst, so no 60 s hold more than mass_send_per_minute calls.
        mass_burst = min(MASS_BURST, config.mass_send_per_minute // 2)
        self._rates = {"api": (config.delivery_rate_per_second, config.delivery_rate_burst),
                       "mass": ((config.mass_send_per_minute - mass_burst) / 60, mass_burst)}
        # The refresh is one HTTP call; connect and read may each take a full timeout.
        self._refresh_hold = 2 * config.api_timeout_seconds + 1
        self._departure = None  # (leaving, stayed) while a caller watches its next send leave

    @contextmanager
    def on_departure(self, leaving, stayed):
        """Around one send: `leaving()` is called right before each HTTP attempt of it leaves (the
        token obtained and the rate-limit turn granted) and returns whether to go on (False raises
        SendWithdrawn); `stayed()` after an attempt that surely did not reach WeChat (a refusal,
        a 5xx, no connection), before the backoff and the next wait. So whatever the caller marks
        in `leaving` covers the HTTP request alone, never the waits around it."""
        self._departure = (leaving, stayed)
        try:
            yield
        finally:
            self._departure = None

    def send_text(self, openid: str, text: str) -> dict:
        """A customer-service text message; needs an open window (see OutsideServiceWindow)."""
        return self.message.send_text(openid, text)

    def send_articles(self, openid: str, articles: list[dict]) -> dict:
        """A customer-service news card; each article has title, description, url, image."""
        return self.message.send_articles(openid, articles)

    def send_template(self, openid: str, template_id: str, data: dict, url: str | None = None) -> dict:
        """A template message (service notices only); `data` maps each field to {"value": ...}."""
        return self.message.send_template(openid, template_id, data, url=url)

    def mass_send_by_openids(self, openids: list[str], message: dict, clientmsgid: str) -> dict:
        """Mass-send `message` ({"msgtype": "text", "text": {...}}) to 2 to 10,000 openids.

        WeChat answers at once and delivers in the background; users over their
        monthly quota are skipped there. A clientmsgid already sent within 24
        hours is not sent again: that answer (45065) is returned as a success
        with "already_sent", so a send repeated after a crash is harmless.
        """
        return self._mass_send("message/mass/send", dict(message, touser=list(openids), clientmsgid=clientmsgid))

    def mass_send_by_tag(self, tag_id: int, message: dict, clientmsgid: str) -> dict:
        """Mass-send to everyone with the tag, as mass_send_by_openids does (body: filter.tag_id)."""
        body = dict(message, filter={"is_to_all": False, "tag_id": tag_id}, clientmsgid=clientmsgid)
        return self._mass_send("message/mass/sendall", body)

    def _mass_send(self, endpoint: str, body: dict) -> dict:
        try:
            return self.post(endpoint, data=dict(body, send_ignore_reprint=0))
        except WeChatAPIError as error:
            if error.errcode == MASS_ALREADY_SENT:
                return {"errcode": error.errcode, "errmsg": error.errmsg, "already_sent": True}
            raise

    def create_tag(self, name: str) -> dict:
        """A new user tag ({"id": ..., "name": ...}); names are unique, at most 30 characters."""
        return self.tag.create(name)

    def list_tags(self) -> list[dict]:
        """Every tag of the account: [{"id", "name", "count"}]."""
        return self.tag.get()

    def tag_users(self, tag_id: int, openids: list[str]) -> dict:
        """Add the tag to up to 50 users (batchtagging)."""
        return self.tag.tag_user(tag_id, list(openids))

    def untag_users(self, tag_id: int, openids: list[str]) -> dict:
        """Remove the tag from up to 50 users (batchuntagging)."""
        return self.tag.untag_user(tag_id, list(openids))

    @property
    def access_token(self) -> str:
        """The shared token; if there is none, one process fetches it while the others wait."""
        return shared_token(self._redis, self.appid, self._refresh_hold,
                            lambda: self.fetch_access_token()["access_token"])

    def fetch_access_token(self) -> dict:
        """A new token, shared in Redis until shortly before WeChat's expiry."""
        result = self.request_token()
        keep_token(self._redis, self.appid, result["access_token"], int(result.get("expires_in", 7200)))
        return result

    def request_token(self) -> dict:
        """GET a new token from the configured base, with a timeout ({access_token, expires_in})."""
        res = self._http.get(
            self.API_BASE_URL + "token",
            params={"grant_type": "client_credential", "appid": self.appid, "secret": self.secret},
            timeout=self.timeout,
        )
        res.raise_for_status()
        result = self._handle_result(res)
        if not isinstance(result, dict) or not result.get("access_token"):
            errcode = result.get("errcode") if isinstance(result, dict) else None
            raise TokenAnswerInvalid(errcode, f"token answer without access_token: {str(result)[:200]}",
                                     transient=True)
        return result

    def _request(self, method, url_or_endpoint, **kwargs):
        """wechatpy's request, rate limited, with one token refresh per call and bounded retries."""
        refreshed = False
        retries = 0
        repeatable = url_or_endpoint not in SENDS_WITHOUT_DEDUPE
        departure, self._departure = self._departure, None  # for this call only, not its token fetch
        maybe_done = False  # an attempt left and may have been carried out
        spent = self.quota_spent_until(url_or_endpoint)
        if spent and not may_probe_quota(self._redis, self.appid, url_or_endpoint):
            raise QuotaSpent("the day's calls were spent (45009); not called until the reset", spent)
        while True:
            token, left = None, False
            try:
                token = self.access_token
                self._wait_for_rate("api")
                if url_or_endpoint in MASS_ENDPOINTS:
                    self._wait_for_rate("mass")
                params = dict(kwargs.get("params") or {}, access_token=token)
                if departure and not departure[0]():
                    raise SendWithdrawn(url_or_endpoint)
                left = True
                answer = super()._request(method, url_or_endpoint, **dict(kwargs, params=params))
                if spent:  # the probe went through: the quota is back
                    quota_back(self._redis, self.appid, url_or_endpoint)
                return answer
            except (WeChatClientException, requests.RequestException, TokenRefreshBusy) as exc:
                error = _api_error(exc, repeatable)
                maybe_done = maybe_done or (left and not _not_carried_out(exc))
                if left and departure and _not_carried_out(exc):
                    departure[1]()  # WeChat refused or never got it: back to "not sent" while we wait
                if error.errcode in TOKEN_ERRORS and token and not refreshed:
                    invalidate_access_token_if(self._redis, self.appid, token)
                    refreshed = True
                    continue
                if not error.transient or retries >= self.max_retries:
                    error.undone = not maybe_done
                    if error.errcode == QUOTA_SPENT and url_or_endpoint in DAILY_QUOTA_ENDPOINTS:
                        until = next_quota_reset()
                        mark_quota_spent(self._redis, self.appid, url_or_endpoint, until)
                        raise QuotaSpent(error.errmsg, until) from exc
                    if isinstance(error, TokenAnswerInvalid):
                        log.warning("WeChat API %s: no access token after %d tries: %s",
                                    url_or_endpoint, retries + 1, error.errmsg)
                    raise error from exc
            time.sleep(backoff_seconds(retries))
            retries += 1

    def quota_spent_until(self, endpoint: str) -> float | None:
        """Until when (a Unix time) the daily calls of `endpoint` are spent (QuotaSpent), or None."""
        return quota_spent_until(self._redis, self.appid, endpoint) if endpoint in DAILY_QUOTA_ENDPOINTS else None

    def _wait_for_rate(self, bucket: str) -> None:
        """Block until the shared bucket grants this call (every worker draws from the same one)."""
        rate, burst = self._rates[bucket]
        while wait := take_rate_token(self._redis, f"{self.appid}:{bucket}", rate, burst):
            time.sleep(wait)


def shared_token(r: redis.Redis, app_id: str, hold: float, fetch) -> str:
    """The token shared in Redis under `app_id`; when there is none, one process at a time calls
    `fetch()` (which stores the new one) while the others wait and then take what it stored.
    An account's access token, an authoriser's, the third-party platform's: all come this way."""
    token = load_access_token(r, app_id)
    if token:
        return token
    with access_token_refresh_lock(r, app_id, wait=hold, hold=hold):
        token = load_access_token(r, app_id)
        if token:  # fetched by the process that held the lock before us
            return token
        return fetch()


def keep_token(r: redis.Redis, app_id: str, token: str, expires_in: int) -> None:
    """Share a fresh token until EARLY_REFRESH_SECONDS before WeChat's expiry."""
    store_access_token(r, app_id, token, expires_in - min(EARLY_REFRESH_SECONDS, expires_in // 10))
