"""Signing in and out of the console.

A successful log-in starts a fresh session (a session id planted before the
log-in is worth nothing after it) that lasts config.admin_session_hours and
carries the password's stamp, so changing a password signs out its other
sessions. Log-in failures say only "wrong" or "locked until ...".
"""
from __future__ import annotations

import logging

from flask import Blueprint, redirect, request, session, url_for
from redis.exceptions import RedisError

from bot import clock
from bot.admin import csrf
from bot.admin.accounts import EVERYONE, PROVINCE, log_in, session_stamp
from bot.admin.ui import allow, config, db, now, public, redis_client, render, say_done, say_not_done, t
from bot.platform import console as platform_console
from bot.web import same_site_path
from storage import state
from storage.admin import USERS

bp = Blueprint("auth", __name__)
log = logging.getLogger(__name__)

SIGNED_OUT = "signed_out"  # who this browser's session was: [session key, user id, society]
UNSENT = "unsent"  # the id of what a form sent after that said (kept in Redis), for that user alone
UNSENT_KEEP_SECONDS = 30 * 60  # how long it waits for the sign-in, and then for its page


def end_session() -> None:
    """Sign the session out, keeping its CSRF token and who it was: a form still open in another tab is then
    known to be sent from this browser, and what was typed in it goes back to the same user (sign_in)."""
    who = next((_who(key, session[key]) for key in ("user_id", "province_user_id") if session.get(key)), None)
    kept = {"csrf": session.get("csrf"), SIGNED_OUT: who}
    session.clear()
    session.update({key: value for key, value in kept.items() if value})


def _who(session_key: str, user_id: int) -> list:
    return [session_key, user_id, session.get("society")]


def keep_unsent(action: str, fields: list[list[str]]) -> bool:
    """What a form sent after signing out said (its CSRF token checked), for the user who signed out;
    whether it could be kept (not with Redis away)."""
    form = {"by": session.get(SIGNED_OUT), "action": action, "fields": fields}
    token = _unsent_kept(form)
    if token:
        session[UNSENT] = token
    return token is not None


def _unsent_kept(form: dict) -> str | None:
    try:
        return state.keep_unsent_form(redis_client(), form, UNSENT_KEEP_SECONDS)
    except RedisError:
        log.warning("a form sent after signing out could not be kept (Redis)")
        return None


def _unsent_taken(token) -> dict | None:
    """The unsent form kept under `token` (not what a cookie from before they were kept in Redis holds)."""
    try:
        return state.take_unsent_form(redis_client(), token) if isinstance(token, str) else None
    except RedisError:
        log.warning("a form sent after signing out could not be read back (Redis)")
        return None


def _pass_on_unsent(token: str | None, who: list) -> None:
    """After signing in: the unsent form goes on to the new session if it was this user's, else nowhere."""
    form = _unsent_taken(token)
    if form and form["by"] == who and (kept := _unsent_kept(form)):
        session[UNSENT] = kept


def unsent_form() -> dict | None:
    """Once, for the first page shown after signing in again: the form sent while signed out (its
    action, its fields, what was typed), for the page to fill back in."""
    form = _unsent_taken(session.pop(UNSENT, None))
    if form is None:
        return None
    return {**form, "typed": "、".join(value for _, value in form["fields"] if value)}


def _next_url() -> str:
    """Back to the page that asked for the log-in, never to another site."""
    return same_site_path(request.values.get("next"), url_for("admin.home"), prefix="/admin")


def sign_in(database, table: str, session_key: str, heading: str | None = None):
    """The log-in form and its answer: a society's users (its store), or the province's (the registry,
    `table` and `session_key` of their own, so a session is one or the other)."""
    error, username = None, ""
    if request.method == "POST":
        username = request.form.get("username", "")
        found, refusal = log_in(database, config(), username, request.form.get("password", ""), now(), table)
        if found:
            unsent = session.get(UNSENT)
            session.clear()
            session.permanent = True
            session.update({session_key: found["id"], "stamp": session_stamp(found)})
            platform_console.remember_society()  # with the platform: the society signed in to
            _pass_on_unsent(unsent, _who(session_key, found["id"]))
            return redirect(_next_url())
        if refusal["reason"] == "locked":
            error = t("login.locked", until=refusal["until"].astimezone(clock.zone()).strftime("%H:%M"),
                      minutes=config().admin_lockout_minutes)
        else:
            error = t("login.wrong")
    status = 401 if error else 200
    return render("login.html", error=error, username=username, next=request.values.get("next", ""),
                  tries=config().admin_max_failed_logins, minutes=config().admin_lockout_minutes,
                  action=request.path, heading=heading,
                  societies=platform_console.societies_to_sign_in_to() if session_key == "user_id" else [],
                  society=request.form.get("society", "")), status


@bp.route("/login", methods=["GET", "POST"])
@public
def login():
    return sign_in(db(), USERS, "user_id")


@bp.post("/logout")
@allow(*EVERYONE, PROVINCE)
def logout():
    end_session()
    say_done("login.signed_out")
    return redirect(url_for("admin.auth.login"))
