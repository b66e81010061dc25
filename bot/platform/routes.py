"""The third-party platform's URLs: WeChat's authorisation events, the authorisation link and its
return, and the one message URL every society's account posts to (`/wechat/<appid>`).

A society's message is opened with the platform's token and key, then answered by the same
engine as the single account's (bot/webhook.answer), against that society's own store and in
its own Redis namespace. An AppID that is not served gets its 4xx before anything is read,
decrypted or stored.
"""
from __future__ import annotations

import logging
from urllib.parse import urljoin

from flask import Blueprint, Response, current_app, request, url_for
from markupsafe import escape

from bot import content
from bot.platform.accounts import AccountRefused, Platform, own_store, revoke
from bot.platform.component import TicketMissing
from bot.platform.release_test import RELEASE_TEST_APPIDS, release_test_reply
from bot.webhook import _plain, _read_body, answer
from bot.wechat import (
    SUCCESS,
    WebhookError,
    check_request_signature,
    open_component_event,
    open_message,
    render_reply,
    seal_reply,
)
from bot.wechat_client import WeChatAPIError
from storage import societies
from storage.accounts import serving_account
from storage.state import note_revocation

log = logging.getLogger(__name__)
platform = Blueprint("platform", __name__)


def _platform() -> Platform:
    return current_app.extensions["platform"]


@platform.errorhandler(WebhookError)
@platform.errorhandler(AccountRefused)
def refuse(error):
    log.info("refused %s %s: %s", request.method, request.path, error.reason)
    return _plain(error.reason, error.status)


# --- messages of every account ---------------------------------------------------------------

@platform.get("/wechat/<appid>")
def verify_account_url(appid: str):
    _platform().serving(appid)
    check_request_signature(_platform().message_config, request.args)
    return _plain(request.args.get("echostr", ""))


@platform.post("/wechat/<appid>")
def receive_account_message(appid: str):
    hub = _platform()
    if appid in RELEASE_TEST_APPIDS:
        message, encrypted = open_message(hub.message_config, request.args,
                                          _read_body(hub.config.max_body_bytes))
        xml = render_reply(release_test_reply(hub, message), message)
        return Response(seal_reply(hub.message_config, xml, encrypted, request.args),
                        content_type="application/xml; charset=utf-8")
    account = hub.serving(appid)  # 404/410/403 before the body is read
    body = _read_body(hub.config.max_body_bytes)
    message, encrypted = open_message(hub.message_config, request.args, body)
    with serving_account(appid, hub.config.data_dir):
        xml = answer(account, message)
    return Response(seal_reply(hub.message_config, xml, encrypted, request.args),
                    content_type="application/xml; charset=utf-8")


def fast_account(hub: Platform):
    """The webhook fast path's hook (bot.webhook.WebhookFastPath) for POST /wechat/<appid>: the
    same refusals as receive_account_message, in the same order, before the body is read; the
    release test's account is left to Flask (receive_account_message)."""
    def target(appid: str):
        if appid in RELEASE_TEST_APPIDS:
            return None
        try:
            account = hub.serving(appid)
        except AccountRefused as refused:
            raise WebhookError(refused.status, refused.reason) from None
        return account, hub.message_config, serving_account(appid, hub.config.data_dir)
    return target


# --- authorisation ----------------------------------------------------------------------------

@platform.post("/platform/events")
def receive_component_event():
    """component_verify_ticket every ten minutes; authorized / updateauthorized / unauthorized."""
    hub = _platform()
    fields = open_component_event(hub.message_config, request.args, _read_body(hub.config.max_body_bytes))
    if fields.get("AppId") not in (None, hub.config.component_app_id):
        raise WebhookError(403, "event for another platform")
    kind = fields["InfoType"]
    if kind == "component_verify_ticket":
        hub.component().keep_verify_ticket(fields.get("ComponentVerifyTicket") or "")
    elif kind in ("authorized", "updateauthorized"):
        accept_authorization(hub, fields.get("AuthorizationCode") or "")
    elif kind == "unauthorized":
        withdraw_authorization(hub, fields.get("AuthorizerAppid") or "")
    else:
        log.info("platform event %s ignored", kind)
    return _plain(SUCCESS)


@platform.get("/platform/authorize/<appid>")
def authorization_link(appid: str):
    """Sends a society's administrator to WeChat's authorisation page for the platform."""
    hub = _platform()
    if societies.find_society_by_appid(hub.registry, appid) is None:
        return _plain(content.text("platform.unknown_society", appid=appid[:32]), 404)
    back = urljoin((hub.config.public_base_url or request.host_url).rstrip("/") + "/",
                   url_for("platform.authorization_done", appid=appid).lstrip("/"))
    try:
        link = hub.component().authorization_link(back)
    except TicketMissing:
        return _plain(content.text("platform.not_ready"), 503)
    except WeChatAPIError as error:
        log.warning("no pre-auth code: %s %s", error.errcode, error.errmsg)
        return _plain(content.text("platform.not_ready"), 503)
    # A page with the link, not a redirect: WeChat opens its authorisation page only when the
    # Referer is on the platform's 授权发起页域名, which a link mailed to the administrator lacks.
    society = societies.find_society_by_appid(hub.registry, appid)
    page = AUTHORIZE_PAGE.format(title=escape(content.text("platform.authorize_title", name=society["name"])),
                                 hint=escape(content.text("platform.authorize_hint")), link=escape(link),
                                 button=escape(content.text("platform.authorize_button")))
    return Response(page, content_type="text/html; charset=utf-8",
                    headers={"Cache-Control": "no-store", "Referrer-Policy": "unsafe-url"})


AUTHORIZE_PAGE = """<!doctype html><html lang="zh-CN"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1"><title>{title}</title></head>
<body style="font-family:sans-serif;max-width:36em;margin:3em auto;padding:0 1em;line-height:1.7">
<h1 style="font-size:1.3em">{title}</h1><p>{hint}</p>
<p><a id="authorize" href="{link}" style="display:inline-block;padding:.6em 1.4em;background:#07c160;color:#fff;
text-decoration:none;border-radius:4px">{button}</a></p></body></html>"""


@platform.get("/platform/authorized/<appid>")
def authorization_done(appid: str):
    """WeChat brings the administrator back here with the authorisation code. The AppID in the
    path is the society the link was made for: a proxy sharding societies across hosts by AppID
    sends the administrator back to the host that keeps the society's files."""
    code = request.args.get("auth_code", "")
    if not code or len(code) > 512:
        return _plain(content.text("platform.no_code"), 400)
    try:
        society = accept_authorization(_platform(), code, expected=appid)
    except WeChatAPIError as error:
        return _plain(content.text("platform.authorize_failed", reason=error.errcode or "network"), 400)
    return _plain(content.text("platform.authorized", name=society["name"]))


def accept_authorization(hub: Platform, code: str, expected: str | None = None) -> dict:
    """Exchange the code, keep the refresh token and the permissions in the registry."""
    component = hub.component()
    info = component.authorization(code)
    appid = info["authorizer_appid"]
    if expected and appid != expected:  # the administrator chose another account than the link's
        raise WeChatAPIError(None, "another account")
    try:
        name, user_name = component.account_name(appid)
    except WeChatAPIError:  # the name is a nicety; the authorisation stands without it
        name, user_name = None, None
    try:
        return societies.record_authorization(hub.registry, appid, info["authorizer_refresh_token"],
                                              info.get("func_info"), user_name=user_name, name=name,
                                              database_path=own_store(hub.config, appid))
    except societies.InvalidAppId:
        raise WebhookError(400, "authorizer_appid is not an AppID") from None


def withdraw_authorization(hub: Platform, appid: str) -> None:
    """The administrator revoked it: nothing more is answered or sent for the account. A host that
    does not keep the society leaves it in Redis for the one that does (its workers apply it)."""
    if societies.find_society_by_appid(hub.registry, appid) is None:
        note_revocation(hub.services.redis, appid)
        return
    revoke(hub.registry, hub.services.redis, appid)
