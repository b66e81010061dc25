"""Who is looking at a member page: WeChat web authorisation (网页授权) and the page session.

A page opened without a session sends the browser to WeChat's authorisation
(scope `snsapi_base`: silent, openid only) with a random `state` kept in a
fresh pre-authorisation session, so only the browser that started it can
finish it. WeChat comes back to /m/auth/callback with a one-use `code`; the
state must match (and is spent), the code is exchanged through wechatpy's
OAuth client for the openid, and a new session token (never the one from
before the authorisation) is bound to that openid until it expires
(config.member_session_minutes). Sessions live in Redis (storage/state.py);
the cookie carries only a random token, path /m, HttpOnly, SameSite=Lax.

On the third-party platform each society's pages are also at /m/<appid>/...
(bot/platform/pages.py): the request works on that society's store and Redis
namespace from the gate on, its session has its own cookie (named and pathed by
the AppID) and records its society, and the authorisation is the platform's on
the society's behalf (ComponentOAuth). A session of one society opens nothing of
another's; an AppID the platform does not serve is a 404/410/403 page.

Development without a real account (config.oauth_standin): this module also
plays WeChat's side, authorising the simulator's current member, so the
menu's page buttons open as that member. The same client code runs against it.
"""
from __future__ import annotations

import hmac
import logging
import re
import secrets
import time
from urllib.parse import urlencode, urlsplit

import requests
from flask import abort, current_app, g, jsonify, redirect, request, url_for
from wechatpy.exceptions import APILimitedException, WeChatComponentOAuthException, WeChatOAuthException
from wechatpy.oauth import WeChatOAuth

from bot.pages import pages
from bot.pages.common import config, in_members_language, leave_members_language, redis_client, render
from bot.platform.accounts import AccountRefused
from bot.platform.pages import SocietyOAuth, society_page_path
from bot.platform.scope import enter_account, leave_account
from bot.web import same_site_path
from bot.wechat_client import WeChatAPIError
from storage import state
from storage.accounts import serving_account

log = logging.getLogger(__name__)

COOKIE = "xh_member"
STANDIN_COOKIE = "xh_sim_openid"
CSRF_FIELD = "csrf_token"
AUTH_WAIT_SECONDS = 600  # a member has this long to come back from WeChat's authorisation
STANDIN_CODE_SECONDS = 300  # WeChat's codes last about 5 minutes, once
_OPENID = re.compile(r"[A-Za-z0-9_-]{1,64}")

# Endpoints that need no member: the authorisation itself, the stand-in, public pages, WeChat Pay's calls.
PUBLIC = {"pages.static", "pages.callback", "pages.standin_open", "pages.standin_authorize",
          "pages.standin_exchange", "pages.standin_component_exchange"}


def public(view):
    """Mark a page anyone may open (the certificate check); the name is registered as public."""
    PUBLIC.add(f"pages.{view.__name__}")
    return view


class OAuth(WeChatOAuth):
    """wechatpy's OAuth client, pointed at the configured hosts, with a timeout on every call."""

    def __init__(self, redirect_uri: str, state_value: str, oauth_base: str, api_base: str):
        settings = config()
        super().__init__(settings.app_id, settings.app_secret, redirect_uri, scope="snsapi_base",
                         state=state_value)
        self.timeout = settings.api_timeout_seconds
        self.OAUTH_BASE_URL, self.API_BASE_URL = oauth_base, api_base

    def _request(self, method, url_or_endpoint, **kwargs):
        kwargs.setdefault("timeout", self.timeout)
        return super()._request(method, url_or_endpoint, **kwargs)


def oauth(redirect_uri: str, state_value: str):
    """The web authorisation client: the account's own, or the platform's for the society served."""
    settings = config()
    if settings.oauth_standin:
        oauth_base, api_base = root_url() + "m/dev/connect/", root_url() + "m/dev/"
    else:
        # https://api.weixin.qq.com/cgi-bin/ -> https://api.weixin.qq.com/ (sns/... lives there)
        oauth_base, api_base = settings.oauth_base, settings.api_base.removesuffix("cgi-bin/")
    if society() is None:
        return OAuth(redirect_uri, state_value, oauth_base, api_base)
    component = None if settings.oauth_standin else current_app.extensions["platform"].component()
    return SocietyOAuth(settings, component, redirect_uri, state_value, oauth_base, api_base)


def society() -> str | None:
    """The AppID of the society whose page this is (/m/<appid>/...), None for the single account."""
    return g.get("page_society")


@pages.url_value_preprocessor
def take_society(_endpoint, values):
    g.page_society = values.pop("society", None) if values else None


@pages.url_defaults
def keep_society(_endpoint, values):
    """Links and redirects from a society's page stay on the society's pages."""
    if society() and "society" not in values:
        values["society"] = society()


def root_url() -> str:
    """This service's public address with a trailing slash (WeChat redirects the member there)."""
    base = config().public_base_url
    return f"{base}/" if base else request.host_url


def _absolute(endpoint: str) -> str:
    return root_url() + url_for(endpoint).lstrip("/")


# --- the session -----------------------------------------------------------------------

def _cookie() -> tuple[str, str]:
    """The session cookie's name and path: a society's pages have their own."""
    appid = society()
    return (f"{COOKIE}_{appid}", f"/m/{appid}") if appid else (COOKIE, "/m")


def _set_cookie(response, token: str, seconds: int):
    name, path = _cookie()
    response.set_cookie(name, token, max_age=seconds, path=path, httponly=True, samesite="Lax",
                        secure=config().pages_cookie_secure)
    return response


def _own_page(target: str | None) -> str:
    """Where to go after the authorisation: one of our pages (of this society), never another site."""
    prefix = f"/m/{society()}/" if society() else "/m/"
    return same_site_path(target, url_for("pages.centre"), prefix=prefix)


def _start_authorisation():
    token, state_value = secrets.token_urlsafe(32), secrets.token_urlsafe(16)
    target = request.full_path.rstrip("?") if request.method == "GET" else url_for("pages.centre")
    state.save_page_session(redis_client(), token, {"state": state_value, "next": target, "society": society()},
                            AUTH_WAIT_SECONDS)
    asking = oauth(_absolute("pages.callback"), state_value)
    return _set_cookie(redirect(asking.authorize_url), token, AUTH_WAIT_SECONDS)


def csrf_token() -> str:
    return g.member_session["csrf"]


@pages.before_request
def gate():
    """Every page but the public ones needs a live session bound to an openid; POSTs need its token."""
    g.member_openid = None
    if society():
        try:
            enter_account(society())  # from here on: the society's store, keys and texts
        except AccountRefused as refused:
            return render("error.html", refused.status, message_key="errors.not_served")
    token = request.cookies.get(_cookie()[0])
    session = state.load_page_session(redis_client(), token) if token else None
    if session and session.get("society") != society():  # never another society's (or account's) member
        return render("error.html", 403, message_key="errors.wrong_society")
    if session and session.get("openid") and session.get("expires", 0) > time.time():
        g.member_openid, g.member_session = session["openid"], session
        in_members_language(g.member_openid)
    if request.endpoint in PUBLIC:
        return None
    if g.member_openid is None:
        return _start_authorisation()
    if request.method == "POST":
        sent = request.form.get(CSRF_FIELD, "")
        if not hmac.compare_digest(sent.encode(), session["csrf"].encode()):
            return render("error.html", 400, message_key="errors.stale_form")
    return None


pages.teardown_request(leave_account)
pages.teardown_request(leave_members_language)


@pages.after_request
def security_headers(response):
    response.headers.setdefault(
        "Content-Security-Policy",
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        "connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'")
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Referrer-Policy"] = "same-origin"
    if request.endpoint != "pages.static":
        response.headers["Cache-Control"] = "no-store"  # a member's record stays out of shared caches
    return response


@pages.get("/auth/callback")
def callback():
    """WeChat's return: the state must be this browser's (spent here), then the code gives the openid."""
    token = request.cookies.get(_cookie()[0])
    waiting = None
    if token and g.member_openid is None:  # a signed-in session is not spent by a stray callback
        waiting = state.end_page_session(redis_client(), token)
    sent_state, code = request.args.get("state", ""), request.args.get("code", "")
    if (not waiting or not waiting.get("state") or not code or waiting.get("society") != society()
            or not hmac.compare_digest(sent_state.encode(), waiting["state"].encode())):
        return render("error.html", 400, message_key="errors.auth_state")
    try:
        answer = oauth(_absolute("pages.callback"), waiting["state"]).fetch_access_token(code)
    except (WeChatAPIError, APILimitedException) as error:  # the platform's token, or WeChat busy
        log.warning("web authorisation unavailable: errcode %s", error.errcode)
        return render("error.html", 502, message_key="errors.auth_unavailable")
    except (WeChatOAuthException, WeChatComponentOAuthException) as error:
        log.warning("web authorisation refused: errcode %s", error.errcode)
        return render("error.html", 403, message_key="errors.auth_refused")
    except (requests.RequestException, ValueError, KeyError) as error:
        log.warning("web authorisation failed: %s", type(error).__name__)
        return render("error.html", 502, message_key="errors.auth_unavailable")
    seconds = config().member_session_minutes * 60
    new_token = secrets.token_urlsafe(32)
    state.save_page_session(redis_client(), new_token, {
        "openid": answer["openid"], "csrf": secrets.token_urlsafe(24), "expires": time.time() + seconds,
        "society": society(),
    }, seconds)
    return _set_cookie(redirect(_own_page(waiting.get("next"))), new_token, seconds)


# --- development: the stand-in for WeChat's authorisation -----------------------------------

def _standin_only() -> None:
    if not config().oauth_standin:
        abort(404)


@pages.get("/dev/open")
def standin_open():
    """The simulator opens a page as its current member: remember who, forget the last session."""
    _standin_only()
    member = request.args.get("openid", "")
    if not _OPENID.fullmatch(member):
        abort(400)
    token = request.cookies.get(_cookie()[0])
    if token:
        state.end_page_session(redis_client(), token)
    target = request.args.get("next") or ""
    if society() and target.startswith("/m/") and not target.startswith(f"/m/{society()}/"):
        target = society_page_path(society(), target)  # the menu's links, on the society's pages
    response = redirect(_own_page(target))
    response.set_cookie(STANDIN_COOKIE, member, path="/m/dev", httponly=True, samesite="Lax")
    response.delete_cookie(_cookie()[0], path=_cookie()[1])
    return response


@pages.get("/dev/connect/oauth2/authorize")
def standin_authorize():
    """What WeChat does for a snsapi_base request: a one-use code for the member, back to redirect_uri."""
    _standin_only()
    args = request.args
    redirect_uri = args.get("redirect_uri", "")
    account = _standin_account(args) if args.get("component_appid") else None
    if ((account is None and args.get("appid") != config().app_id) or args.get("response_type") != "code"
            or urlsplit(redirect_uri).netloc != urlsplit(root_url()).netloc):
        abort(400)  # WeChat: "redirect_uri 域名与后台配置不一致"
    member = request.cookies.get(STANDIN_COOKIE, "")
    if not _OPENID.fullmatch(member):
        return render("error.html", 400, message_key="errors.standin_no_member")
    code = secrets.token_urlsafe(24)
    with serving_account(account):  # a society's codes are good for that society only
        state.store_standin_code(redis_client(), code, member, STANDIN_CODE_SECONDS)
    separator = "&" if "?" in redirect_uri else "?"
    return redirect(f"{redirect_uri}{separator}{urlencode({'code': code, 'state': args.get('state', '')})}")


@pages.get("/dev/sns/oauth2/access_token")
def standin_exchange():
    """sns/oauth2/access_token as WeChat answers it: the app's secret, and each code once."""
    _standin_only()
    args = request.args
    if args.get("appid") != config().app_id or args.get("secret") != config().app_secret:
        return jsonify(errcode=40125, errmsg="invalid appsecret")
    if args.get("grant_type") != "authorization_code":
        return jsonify(errcode=40002, errmsg="invalid grant_type")
    return _standin_token(state.take_standin_code(redis_client(), args.get("code", "")))


def _standin_token(member: str | None):
    """WeChat's answer to a code exchanged: the member's openid with a token, or "invalid code" (a code
    unknown, expired or used: each is good once)."""
    if member is None:
        return jsonify(errcode=40029, errmsg="invalid code")
    return jsonify(access_token=secrets.token_urlsafe(32), expires_in=7200,
                   refresh_token=secrets.token_urlsafe(32), openid=member, scope="snsapi_base")


def _standin_account(args) -> str:
    """The society a platform's authorisation is for (its AppID), if the platform serves it; else 400."""
    if args.get("component_appid") != config().component_app_id:
        abort(400)
    try:
        current_app.extensions["platform"].serving(args.get("appid", ""))
    except AccountRefused:
        abort(400)
    return args["appid"]


@pages.get("/dev/sns/oauth2/component/access_token")
def standin_component_exchange():
    """sns/oauth2/component/access_token as WeChat answers it: the platform's AppID, and each of the
    society's codes once, for that society."""
    _standin_only()
    args = request.args
    if args.get("grant_type") != "authorization_code":
        return jsonify(errcode=40002, errmsg="invalid grant_type")
    if args.get("component_appid") != config().component_app_id or not args.get("component_access_token"):
        return jsonify(errcode=40013, errmsg="invalid appid")
    with serving_account(args.get("appid") or "-"):
        member = state.take_standin_code(redis_client(), args.get("code", ""))
    return _standin_token(member)
