"""Signing in and out of the console.

A successful log-in starts a fresh session (a session id planted before the
log-in is worth nothing after it) that lasts config.admin_session_hours and
carries the password's stamp, so changing a password signs out its other
sessions. Log-in failures say only "wrong" or "locked until ...".
"""
from __future__ import annotations

from flask import Blueprint, redirect, request, session, url_for

from bot import clock
from bot.admin import csrf
from bot.admin.accounts import EVERYONE, PROVINCE, log_in, session_stamp
from bot.admin.ui import allow, config, db, now, public, render, say_done, say_not_done, t
from bot.platform import console as platform_console
from bot.web import same_site_path
from storage.admin import USERS

bp = Blueprint("auth", __name__)

SIGNED_OUT = "signed_out"  # who this browser's session was: [session key, user id]
UNSENT = "unsent"  # what a form sent after that said, given back to that user alone once signed in again


def end_session() -> None:
    """Sign the session out, keeping its CSRF token and who it was: a form still open in another tab is then
    known to be sent from this browser, and what was typed in it goes back to the same user (sign_in)."""
    who = next(([key, session[key]] for key in ("user_id", "province_user_id") if session.get(key)), None)
    kept = {"csrf": session.get("csrf"), SIGNED_OUT: who}
    session.clear()
    session.update({key: value for key, value in kept.items() if value})


def keep_unsent(typed: str) -> None:
    """What a form sent after signing out said (its CSRF token checked), for the user who signed out."""
    session[UNSENT] = {"by": session.get(SIGNED_OUT), "typed": typed}


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
            if unsent and unsent["by"] == [session_key, found["id"]]:
                say_not_done(t("login.unsent_typed", typed=unsent["typed"]))
            platform_console.remember_society()  # with the platform: the society signed in to
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
