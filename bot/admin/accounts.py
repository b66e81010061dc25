"""Console users: roles, passwords and log-in with lock-out, shared by the web and the CLI.

Passwords are kept as werkzeug's salted scrypt hashes. A wrong password
counts against the account; the config.admin_max_failed_logins-th in a row
locks it for config.admin_lockout_minutes (kept in SQLite with the user, so
every web process sees it and it survives a restart). A correct password
clears the count. An unknown username costs the same hashing time as a
known one, so timing does not tell which usernames exist.
"""
from __future__ import annotations

import re
from datetime import datetime, timedelta
from functools import lru_cache

from werkzeug.security import check_password_hash, generate_password_hash

from bot.config import Config
from storage import admin as store
from storage import province as province_store
from storage.members import require_unit

ADMIN, STAFF, UNIT, VIEWER = store.ROLES
OFFICE = frozenset({ADMIN, STAFF})     # the secretariat: every page but user management
# VIEWER (只读: a president, an auditor) opens every page staff may open and changes nothing (ui.may)
EVERYONE = frozenset(store.ROLES)      # a society's users (the member pages a unit contact may open)
PROVINCE = "province"                  # the province's staff: the province pages only, no society's
USERNAME = re.compile(r"[\w.\-]{2,32}")  # letters (Chinese too), digits, _ . -
ACTOR_PREFIX = "console:"                # how history names a console user, as `openid:` names a member


class AccountError(ValueError):
    """A user that cannot be created or changed: `reason` is a key under [admin.accounts]."""

    def __init__(self, reason: str, **facts):
        super().__init__(reason)
        self.reason, self.facts = reason, facts


def actor_name(username: str) -> str:
    return ACTOR_PREFIX + username


@lru_cache(maxsize=1)
def _decoy_hash() -> str:
    return generate_password_hash("not a password anyone has")


def check_new_password(password: str, config: Config) -> None:
    if len(password) < config.admin_min_password_length:
        raise AccountError("password_short", length=config.admin_min_password_length)


def create_user(db, config: Config, username: str, password: str, role: str, unit_no: str | None,
                actor: str) -> dict:
    """A new console user; a unit contact needs the unit member's number (storage Refused if unknown), and
    no one else has one (it was dropped without a word)."""
    username = _new_username(db, username, store.USERS)
    if role not in store.ROLES:
        raise AccountError("bad_role")
    if unit_no and role != UNIT:
        raise AccountError("unit_for_contacts_only")
    unit_id = None
    if role == UNIT:
        if not unit_no:
            raise AccountError("unit_needed")
        unit_id = require_unit(db, unit_no)["id"]
    check_new_password(password, config)
    return store.insert_user(db, username, generate_password_hash(password), role, unit_id, actor)


def _new_username(db, username: str, table: str) -> str:
    username = username.strip()
    if not USERNAME.fullmatch(username):
        raise AccountError("bad_username")
    if store.find_user_by_name(db, username, table):
        raise AccountError("username_taken", username=username)
    return username


def create_province_user(registry, config: Config, username: str, password: str) -> dict:
    """A new province console user (in the registry): they see the province pages and no society's."""
    username = _new_username(registry, username, province_store.USERS)
    check_new_password(password, config)
    return province_store.insert_province_user(registry, username, generate_password_hash(password))


def as_province_user(found: dict) -> dict:
    """A province user row as the console handles users: with its role, and no unit."""
    return dict(found, role=PROVINCE, unit_id=None)


def set_password(db, config: Config, user_id: int, password: str, actor: str) -> dict:
    check_new_password(password, config)
    return store.update_user(db, user_id, {"password_hash": generate_password_hash(password),
                                           "failed_logins": 0, "locked_until": None},
                             actor, "password_set")


def session_stamp(user: dict) -> str:
    """Changes with the password, so a new password ends the sessions the old one opened."""
    return user["password_hash"][-16:]


def locked_until(user: dict, now: datetime) -> datetime | None:
    until = user["locked_until"] and datetime.fromisoformat(user["locked_until"])
    return until if until and until > now else None


def log_in(db, config: Config, username: str, password: str, now: datetime,
           table: str = store.USERS) -> tuple[dict | None, dict]:
    """(user, {}) on success, else (None, {"reason": "wrong"}) or (None, {"reason": "locked", "until"}).
    A province user signs in the same way against the registry's users (`table`)."""
    user = store.find_user_by_name(db, username.strip(), table)
    if user is None or not user["active"]:
        check_password_hash(_decoy_hash(), password)
        return None, {"reason": "wrong"}
    until = locked_until(user, now)
    if until:
        return None, {"reason": "locked", "until": until}
    if not check_password_hash(user["password_hash"], password):
        lock = store.record_failed_login(db, user["id"], config.admin_max_failed_logins,
                                         timedelta(minutes=config.admin_lockout_minutes), now, table)
        if lock:
            return None, {"reason": "locked", "until": datetime.fromisoformat(lock)}
        return None, {"reason": "wrong"}
    store.record_login(db, user["id"], table)
    return store.find_user(db, user["id"], table), {}
