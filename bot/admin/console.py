"""The console blueprint: its pages and menu in one place, and the checks every request passes.

Before any view runs: the upload size limit is raised for this request, the
signed-in user is loaded from the session (a disabled user, or a session from
before a password change, is signed out), an unsafe request must carry the
CSRF token (400), an anonymous request goes to the log-in page, and the
user's role must be one the view allows (403).
"""
from __future__ import annotations

import logging
from datetime import timedelta
from urllib.parse import urlsplit

from flask import Blueprint, abort, current_app, g, redirect, request, session, url_for
from flask.sessions import SecureCookieSessionInterface
from redis.exceptions import RedisError

from bot.admin import (applications, audit, auth, awards, checkin, csrf, dashboard, events, fees, governance, invoices,
                       jobs, members, misunderstood, news, online_pay, province, schedule, tickets, users)
from bot import clock, content
from bot.admin.accounts import ADMIN, EVERYONE, PROVINCE, STAFF, UNIT, VIEWER, as_province_user, session_stamp
from bot.platform import console as platform_console
from bot.admin.ui import (action_text, actor_text, allow, changes_line, config, db, may, may_send, render, roles_of,
                          say_not_done, sees_mobiles, t, user, word)
from bot.web import same_site_path
from handlers.members.membership import field_text
from storage import admin as store
from storage import state
from storage.members import find_unit

log = logging.getLogger(__name__)

console = Blueprint("admin", __name__, url_prefix="/admin", template_folder="templates",
                    static_folder="static")

# Every page group; each module holds one blueprint `bp` (members nests the roster import's).
PAGES = [auth, dashboard, applications, members, fees, invoices, online_pay, news, tickets, jobs, events, checkin, awards,
         governance, audit, misunderstood, schedule, users, province]
# The menu, in order: (endpoint, text under [admin.nav]). A user sees the entries their role may open.
MENU = [
    ("admin.dashboard.index", "dashboard"),
    ("admin.applications.index", "applications"),
    ("admin.members.index", "members"),
    ("admin.dues.index", "dues"),
    ("admin.invoices.index", "invoices"),
    ("admin.online_pay.index", "online_pay"),
    ("admin.news.index", "news"),
    ("admin.tickets.index", "tickets"),
    ("admin.jobs.index", "jobs"),
    ("admin.events.index", "events"),
    ("admin.checkin.index", "checkin"),
    ("admin.awards.index", "awards"),
    ("admin.governance.index", "governance"),
    ("admin.audit.index", "audit"),
    ("admin.misunderstood.index", "misunderstood"),
    ("admin.schedule.index", "schedule"),
    ("admin.users.index", "users"),
    ("admin.province.my_filings", "province_filing"),
    ("admin.province.index", "province"),
    ("admin.province.filings", "province_filings"),
    ("admin.province.evaluation_page", "province_evaluation"),
    ("admin.province.notices", "province_notices"),
]

for page in PAGES:
    console.register_blueprint(page.bp)

# The page loads nothing from elsewhere and cannot be framed; the browser enforces it.
CSP = ("default-src 'none'; script-src 'self'; connect-src 'self'; style-src 'self'; img-src 'self' data:; "
       "form-action 'self'; base-uri 'none'; frame-ancestors 'none'")


class ConsoleSessionInterface(SecureCookieSessionInterface):
    """Sessions under /admin only: the webhook, thousands of requests a minute, skips the
    cookie signer Flask would otherwise build for every request.

    The cookie is signed, not encrypted: the messages flashed for the next page (a payment recorded for a
    member by name, a member's words) wait in Redis, the cookie carrying only their id (FLASHES_KEPT)."""

    def open_session(self, app, request):
        if not request.path.startswith(app.config["SESSION_COOKIE_PATH"]):
            return None  # Flask's null session: readable, empty, never saved
        opened = super().open_session(app, request)
        if _polled(request):  # a page's poll (the send's progress, the reach count) shows no messages: left for a page
            return opened
        token = opened.pop(FLASHES_KEPT, None) if opened is not None else None
        if token:
            try:
                opened[FLASHES] = state.take_console_flashes(app.extensions["services"].redis, token)
            except RedisError:
                log.warning("the console's messages for this page could not be read back (Redis)")
        return opened

    def save_session(self, app, session, response):
        flashes = session.pop(FLASHES, None)
        if flashes:
            try:
                session[FLASHES_KEPT] = state.keep_console_flashes(app.extensions["services"].redis, flashes,
                                                                   FLASHES_KEEP_SECONDS)
            except RedisError:
                log.warning("the console's messages for the next page were dropped (Redis)")
        super().save_session(app, session, response)


def _polled(request) -> bool:
    """A request a page's script makes for figures (admin.js asks for JSON), not a page a user opens: it would
    take the messages waiting for the page the user is opening meanwhile (a redirect after a save), which the
    poll never shows."""
    return request.accept_mimetypes.best == "application/json"


FLASHES = "_flashes"  # where flask.flash keeps a session's messages
FLASHES_KEPT = "flashes"  # the id of those messages, kept in Redis for the next page
FLASHES_KEEP_SECONDS = 10 * 60


@console.record_once
def _session_settings(state) -> None:
    """The session cookie only the console uses: signed, HttpOnly, SameSite=Lax, Secure in production."""
    settings = state.app.extensions["services"].config
    state.app.config.update(
        SECRET_KEY=settings.admin_secret_key,
        SESSION_COOKIE_NAME="xh_admin",
        SESSION_COOKIE_PATH="/admin",
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=settings.admin_cookie_secure,
        PERMANENT_SESSION_LIFETIME=timedelta(hours=settings.admin_session_hours),
    )
    state.app.session_interface = ConsoleSessionInterface()


def _signed_in_user() -> dict | None:
    """The session's user: a society's (its own store) or, signed in at /admin/province/login, the
    province's (the registry), never both at once."""
    if session.get("province_user_id"):
        return _signed_in_province_user()
    user_id = session.get("user_id")
    found = store.find_user(db(), user_id) if user_id else None
    if found is None or not found["active"] or session.get("stamp") != session_stamp(found):
        if user_id:
            auth.end_session()
            if found is not None:  # said on the log-in page: deactivated, or a new password ended the session
                say_not_done(t("login.deactivated" if not found["active"] else "login.password_changed"))
        return None
    return found


def _signed_in_province_user() -> dict | None:
    with province.registry(config()) as opened:
        found = store.find_user(opened, session["province_user_id"], province.USERS)
    if found is None or not found["active"] or session.get("stamp") != session_stamp(found):
        auth.end_session()
        return None
    return as_province_user(found)


@console.before_request
def gate():
    request.max_content_length = config().admin_upload_max_bytes + FORM_MARGIN
    if request.endpoint == "admin.static":
        return None
    if config().platform:  # many societies: the pages work on the signed-in society's store
        platform_console.enter_society()
    view = current_app.view_functions[request.endpoint]
    g.admin_user = _signed_in_user()
    if g.admin_user is None and not getattr(view, "admin_public", False):
        return _to_log_in(view)  # before the CSRF check: a form sent after signing out does nothing either way
    csrf.check()
    if getattr(view, "admin_public", False):
        return None
    if not may(g.admin_user["role"], view, request.method):
        abort(403)
    if request.method == "GET" and "POST" in request.url_rule.methods and not may(g.admin_user["role"], view, "POST"):
        abort(403)  # a form's own page (编辑, 撰写, 导入) for a user who may not send it: refused before the typing
    return None


def _to_log_in(view):
    """The log-in page, then back. A form sent after the session ended (signed out in another tab, timed
    out) is said to be unsent and leads back to its page. What was typed in it is given back only if the
    form carries this browser's CSRF token (never what another site posts), and only once the user who
    signed out signs in again (auth.keep_unsent): never echoed to whoever opens the log-in page."""
    login = "admin.province.login" if roles_of(view) == {PROVINCE} else "admin.auth.login"
    if request.method == "GET":
        return redirect(url_for(login, next=request.full_path.rstrip("?")))
    fields = [[key, value.strip()] for key, values in request.form.lists() if key not in UNSENT_LEFT_OUT
              for value in values] if csrf.carries_token() else []
    kept = any(value for _, value in fields) and auth.keep_unsent(request.path, fields)
    say_not_done(t("login.unsent" if kept else "login.unsent_empty"))
    page = urlsplit(request.referrer or "")
    back = same_site_path(page.path + (f"?{page.query}" if page.query else ""), url_for("admin.home"), "/admin")
    return redirect(url_for(login, next=back))


UNSENT_LEFT_OUT = ("csrf_token", "password")


@console.teardown_request
def _leave_society(error=None) -> None:
    if config().platform:
        platform_console.leave_society(error)


@console.after_request
def security_headers(response):
    response.headers.setdefault("Content-Security-Policy", CSP)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Referrer-Policy"] = "same-origin"
    if request.endpoint != "admin.static":
        response.headers["Cache-Control"] = "no-store"  # member data stays out of shared caches
    return response


def _menu() -> list[dict]:
    me = user()
    if me is None:
        return []
    views = current_app.view_functions
    here = f"{request.blueprint}."
    return [{"url": url_for(endpoint), "text": t(f"nav.{key}"), "key": key,
             "current": here.startswith(endpoint.rsplit(".", 1)[0] + ".")}
            for endpoint, key in MENU if may(me["role"], views[endpoint])]


FORM_MARGIN = 64 * 1024  # the form around an uploaded file: a file of exactly the limit is taken


def upload_limit_mb() -> str:
    """The largest file the console takes, in MB as its pages say it ("10")."""
    return f"{config().admin_upload_max_bytes / 1024 / 1024:g}"


console.add_app_template_global(upload_limit_mb, "upload_limit_mb")
# A stored time as read in the society's zone, in any template and in macros imported without context.
console.add_app_template_global(clock.shown, "when")
console.add_app_template_global(may_send, "may_send")
console.add_app_template_global(sees_mobiles, "sees_mobiles")  # an export's label says whether mobiles are whole


@console.context_processor
def template_globals() -> dict:
    return {"t": t, "csrf_token": csrf.token, "menu": _menu(), "me": user(), "label": word,
            "field_text": field_text, "changes": changes_line, "actor_text": actor_text,
            "action_text": action_text, "unsent_form": auth.unsent_form() if user() else None}


@console.get("/")
@allow(*EVERYONE, PROVINCE)
def home():
    """The dashboard for the secretariat; a unit contact's start is their unit's members; the province's
    staff start at the province's societies."""
    if user()["role"] == UNIT:
        return redirect(url_for("admin.members.index"))
    if user()["role"] == PROVINCE:
        return redirect(url_for("admin.province.index"))
    return redirect(url_for("admin.dashboard.index"))


def error_page(error):
    """Every refusal and failure under /admin as a console page with a Chinese sentence. Also for
    addresses no console route matches (a mistyped or outdated link) and a form's address opened by
    hand (405), which Flask answers outside the blueprint: the template's globals are given here."""
    code = getattr(error, "code", None) or 500
    key = "csrf" if code == 400 and getattr(error, "description", None) == "csrf" else str(code)
    if key not in ERROR_KEYS:
        key = "500" if code >= 500 else "400"
    message = t(f"errors.{key}", limit=upload_limit_mb())
    try:
        context = {} if request.blueprint else {"t": t, "csrf_token": csrf.token, "menu": [], "me": None,
                                                 "label": word}
        why = _why_refused() if key == "403" else None
        back = request.path if key == "413" and request.blueprint else None  # the upload form, to choose again
        response = current_app.make_response((render("error.html", code=code, message=message, why=why, back=back,
                                                      **context), code))
    except Exception:  # the page itself cannot be drawn (the failure was in what it needs): the sentence alone
        current_app.logger.exception("console error page failed")
        response = current_app.make_response((message, code, {"Content-Type": "text/plain; charset=utf-8"}))
    return security_headers(response)


def _why_refused() -> str | None:
    """A refusal says what the signed-in user's role may do and whom to ask, not only "no right": a
    staff member is pointed at the admins by name, a unit contact at their unit's pages and the
    secretariat's phone."""
    me = user()
    if me is None or me["role"] not in (STAFF, UNIT, VIEWER):
        return None
    if me["role"] == VIEWER:
        return t("errors.403_viewer")
    if me["role"] == UNIT:
        unit = find_unit(db(), me["unit_id"]) if me["unit_id"] else None
        return t("errors.403_unit", unit=f"{unit['unit_no']}（{unit['name']}）" if unit else "",
                 phone=content.society()["secretariat"]["phone"])
    admins = [u["username"] for u in store.list_users(db()) if u["role"] == ADMIN and u["active"]]
    return t("errors.403_staff", admins="、".join(admins))


ERROR_KEYS = {"400", "csrf", "403", "404", "405", "413", "500"}
for _code in (400, 403, 404, 405, 413, 500):
    console.register_error_handler(_code, error_page)
