"""Signing in and out of the console.

A successful log-in starts a fresh session (a session id planted before the
log-in is worth nothing after it) that lasts config.admin_session_hours and
carries the password's stamp, so changing a password signs out its other
sessions. Log-in failures say only "wrong" or "locked until ...".
"""
from __future__ import annotations

from flask import Blueprint, redirect, request, session, url_for

from bot import clock
from bot.admin.accounts import EVERYONE, PROVINCE, log_in, session_stamp
from bot.admin.ui import allow, config, db, now, public, render, say_done, t
from bot.platform import console as platform_console
from bot.web import same_site_path
from storage.admin import USERS

bp = Blueprint("auth", __name__)


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
            session.clear()
            session.permanent = True
            session.update({session_key: found["id"], "stamp": session_stamp(found)})
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
    session.clear()
    say_done("login.signed_out")
    return redirect(url_for("admin.auth.login"))
