"""User management (admins only): create console users, set passwords, disable, unlock.

Nothing is deleted: a user who leaves is disabled, and their name stays on
the history rows they made. An admin cannot disable themselves, so the
console always keeps one way in (and `python -m bot admin create-user`
remains for the day it does not).
"""
from __future__ import annotations

from flask import Blueprint, redirect, request, url_for

from bot.admin import accounts
from bot.admin.ui import (
    actor, allow, attempt, config, db, now, or_404, render, say_done, say_not_done, t, unit_options,
    user,
)
from storage import admin as admin_store

bp = Blueprint("users", __name__, url_prefix="/users")


def _user_or_404(user_id: int) -> dict:
    return or_404(admin_store.find_user(db(), user_id))


@bp.get("/")
@allow(accounts.ADMIN)
def index():
    return _users_page({})


def _users_page(typed: dict):
    """The users and the new-user form, holding what was typed when it was refused (not the password)."""
    users = [dict(u, locked=bool(accounts.locked_until(u, now()))) for u in admin_store.list_users(db())]
    return render("users.html", users=users, roles_options=[(r, t(f"roles.{r}")) for r in admin_store.ROLES],
                  unit_options=unit_options(), typed=typed,
                  min_length=config().admin_min_password_length)


@bp.post("/")
@allow(accounts.ADMIN)
def create():
    form = request.form
    username = form.get("username", "").strip()
    if attempt(lambda: accounts.create_user(db(), config(), username, form.get("password", ""), form.get("role", ""),
                                            form.get("unit_no") or None, actor()),
               "users.created", username=username):
        return redirect(url_for(".index"))
    return _users_page({key: form.get(key, "") for key in ("username", "role", "unit_no")}), 400


@bp.post("/<int:user_id>/password")
@allow(accounts.ADMIN)
def password(user_id: int):
    target = _user_or_404(user_id)
    attempt(lambda: accounts.set_password(db(), config(), user_id, request.form.get("password", ""), actor()),
            "users.password_set", username=target["username"])
    return redirect(url_for(".index"))


@bp.post("/<int:user_id>/active")
@allow(accounts.ADMIN)
def active(user_id: int):
    target = _user_or_404(user_id)
    enable = request.form.get("active") == "1"
    if target["id"] == user()["id"] and not enable:
        say_not_done(t("users.not_yourself"))
    else:
        admin_store.update_user(db(), user_id, {"active": int(enable)}, actor(),
                                "user_enabled" if enable else "user_disabled")
        say_done("users.enabled" if enable else "users.disabled", username=target["username"])
    return redirect(url_for(".index"))


@bp.post("/<int:user_id>/unlock")
@allow(accounts.ADMIN)
def unlock(user_id: int):
    target = _user_or_404(user_id)
    admin_store.update_user(db(), user_id, {"failed_logins": 0, "locked_until": None}, actor(), "unlocked")
    say_done("users.unlocked", username=target["username"])
    return redirect(url_for(".index"))
