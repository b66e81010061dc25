"""The third-party platform's (第三方平台) own calls: its token, pre-auth codes, authorisations.

Built on wechatpy's `WeChatComponent`, with what 1.8.18 gets wrong or leaves out fixed here:

- the component_verify_ticket and the component access token live in Redis, shared by every
  process (wechatpy keeps the token's expiry per process, and its session is memory unless
  given one); one process at a time fetches a new token (wechatpy never locks, so processes
  invalidate each other's), through the same `shared_token` as every account's token;
- no token is asked for before a ticket arrived (wechatpy posts `component_verify_ticket: null`);
- the API base follows `config.api_base` and every call has a timeout (wechatpy: none);
- a rejected token (40001/40014/42001) is refreshed once, never recursively (`auto_retry`);
- WeChat's answers become our `WeChatAPIError`, transient or not, as for an account's calls;
- the authoriser refresh token goes to the society registry (SQLite), not to a cache: WeChat
  gives it only at authorisation, and wechatpy's `query_auth` keeps it in the session.
"""
from __future__ import annotations

import redis
import requests
from wechatpy.component import WeChatComponent
from wechatpy.exceptions import WeChatClientException

from bot.config import Config
from bot.wechat_client import TOKEN_ERRORS, WeChatAPIError, _api_error, keep_token, shared_token
from storage.state import invalidate_access_token_if, load_verify_ticket, store_verify_ticket


class TicketMissing(WeChatAPIError):
    """No component_verify_ticket has arrived yet (WeChat pushes one every ten minutes)."""


class PlatformComponent(WeChatComponent):
    """wechatpy's component client with a shared, locked token and timed, bounded calls."""

    def __init__(self, config: Config, r: redis.Redis):
        super().__init__(config.component_app_id, config.component_app_secret, config.component_token,
                         config.component_aes_key, auto_retry=False)
        self.API_BASE_URL = config.api_base.rstrip("/")  # wechatpy's endpoints start with "/component/"
        self.PRE_AUTH_URL = config.component_login_url
        self.timeout = config.api_timeout_seconds
        self._redis = r
        self._refresh_hold = 2 * config.api_timeout_seconds + 1

    # --- the ticket and the token ---------------------------------------------------------------

    def keep_verify_ticket(self, ticket: str) -> None:
        store_verify_ticket(self._redis, self.component_appid, ticket)

    @property
    def component_verify_ticket(self) -> str | None:
        return load_verify_ticket(self._redis, self.component_appid)

    @property
    def access_token(self) -> str:
        return shared_token(self._redis, self.component_appid, self._refresh_hold,
                            lambda: self.fetch_access_token()["component_access_token"])

    def fetch_access_token(self) -> dict:
        ticket = self.component_verify_ticket
        if not ticket:
            raise TicketMissing(None, "no component_verify_ticket yet: WeChat pushes one every ten minutes",
                                transient=True)
        result = self._call("post", self.API_BASE_URL + "/component/api_component_token", with_token=False,
                            data={"component_appid": self.component_appid,
                                  "component_appsecret": self.component_appsecret,
                                  "component_verify_ticket": ticket})
        if not result.get("component_access_token"):
            raise WeChatAPIError(result.get("errcode"), "token answer without component_access_token",
                                 transient=True)
        keep_token(self._redis, self.component_appid, result["component_access_token"],
                   int(result.get("expires_in", 7200)))
        return result

    # --- calls ----------------------------------------------------------------------------------

    def _request(self, method, url_or_endpoint, **kwargs):
        """Every wechatpy component method comes through here: one token refresh at most."""
        url = url_or_endpoint if url_or_endpoint.startswith("http") else self.API_BASE_URL + url_or_endpoint
        token = self.access_token
        try:
            return self._call(method, url, token=token, **kwargs)
        except WeChatAPIError as error:
            if error.errcode not in TOKEN_ERRORS:
                raise
        invalidate_access_token_if(self._redis, self.component_appid, token)
        return self._call(method, url, token=self.access_token, **kwargs)

    def _call(self, method: str, url: str, token: str | None = None, with_token: bool = True, **kwargs) -> dict:
        params = dict(kwargs.pop("params", None) or {})
        if with_token:
            params["component_access_token"] = token
        try:
            res = self._http.request(method=method, url=url, params=params, json=kwargs.pop("data", None),
                                     timeout=self.timeout)
            res.raise_for_status()
            return self._handle_result(res, method, url)
        except (WeChatClientException, requests.RequestException) as exc:
            raise _api_error(exc) from exc
        except ValueError as exc:  # not JSON
            raise WeChatAPIError(None, f"answer is not JSON: {exc}", transient=True) from exc

    # --- authorisation --------------------------------------------------------------------------

    def authorization_link(self, redirect_uri: str) -> str:
        """The page a society's administrator opens to authorise its account (a new pre-auth code,
        valid ten minutes, each time)."""
        return self.get_pre_auth_url(redirect_uri) + "&auth_type=1"  # 1: official accounts only

    def authorization(self, authorization_code: str) -> dict:
        """What an authorisation code gives (api_query_auth): authorizer_appid, the access and the
        refresh token, the permissions (func_info). Keeps the access token shared in Redis."""
        info = self._query_auth(authorization_code).get("authorization_info") or {}
        if not info.get("authorizer_appid") or not info.get("authorizer_refresh_token"):
            raise WeChatAPIError(None, "authorisation answer without authorizer_appid or refresh token")
        if info.get("authorizer_access_token"):
            keep_token(self._redis, info["authorizer_appid"], info["authorizer_access_token"],
                       int(info.get("expires_in", 7200)))
        return info

    def account_name(self, authorizer_appid: str) -> tuple[str | None, str | None]:
        """The account's display name and its gh_ user name (api_get_authorizer_info)."""
        info = self.get_authorizer_info(authorizer_appid).get("authorizer_info") or {}
        return info.get("nick_name"), info.get("user_name")
