"""The society registry: which official accounts this deployment serves, and where each one's data is.

One deployment can serve many societies' official accounts through the WeChat third-party
platform (bot/platform/). The registry is a small SQLite file of its own (`societies.sqlite3`
in the data directory), never inside a society's store: it holds each society's AppID, name,
authorisation state (the authoriser refresh token WeChat gives only once, the permissions
granted) and the path of the society's own SQLite file (relative to the registry's directory, the
data directory, so the directory can be moved or restored elsewhere as a whole; a path outside it,
or one written before that, is kept absolute and read as it is). Each society's members, payments,
newsletters ... live in that file alone (`open_society_database`), so isolation holds by
construction and a society is backed up, restored or exported by its one file.

Nothing is deleted: a revoked authorisation keeps the row (status `revoked`, the data file
untouched) and every change of state is recorded in `society_history` with when.
"""
from __future__ import annotations

import json
import re
import sqlite3
from contextlib import closing
from pathlib import Path

import sqlite_utils

from storage.database import now_iso, open_database
from storage.migrations import apply_migrations
from storage.province import previews_by_filing_society, province_tables
from storage.sqlite import transaction

REGISTRY_FILE = "societies.sqlite3"
SOCIETIES_DIR = "societies"  # beside the registry: societies/<appid>/bot.sqlite3
DATABASE_FILE = "bot.sqlite3"

PENDING = "pending"  # registered by the province, its administrator has not authorised yet
AUTHORIZED = "authorized"  # WeChat confirmed the authorisation: messages are answered
REVOKED = "revoked"  # the administrator withdrew it (unauthorized): nothing is answered or sent

APPID_PATTERN = re.compile(r"wx[0-9A-Za-z]{16}")  # WeChat's AppIDs: wx + 16; also a safe path part


class UnknownSociety(LookupError):
    """No society with this AppID is registered."""


class InvalidAppId(ValueError):
    """Not an official account's AppID (wx followed by 16 letters or digits)."""


def _societies(db: sqlite_utils.Database) -> None:
    db["societies"].create(
        {"appid": str, "name": str, "status": str, "database_path": str, "user_name": str,
         "authorizer_refresh_token": str, "func_info": str, "authorized_at": str,
         "revoked_at": str, "created_at": str, "updated_at": str},
        pk="appid", not_null={"name", "status", "database_path", "created_at", "updated_at"},
    )
    db["societies"].create_index(["status"])
    db["society_history"].create(
        {"id": int, "appid": str, "change": str, "detail": str, "at": str},
        pk="id", not_null={"appid", "change", "at"},
    )
    db["society_history"].create_index(["appid"])


def registry_path(data_dir: Path | str) -> Path:
    """Where the registry lives in a data directory."""
    return Path(data_dir) / REGISTRY_FILE


def open_registry(path: Path | str) -> sqlite_utils.Database:
    """Open (and create or migrate) the registry file."""
    db = open_database(path, apply_migrations=False)
    apply_migrations(db, now_iso(), REGISTRY_MIGRATIONS)
    return db


def check_appid(appid: str) -> str:
    """The AppID if it is one; it names a file and a URL path, so nothing else gets through."""
    if not isinstance(appid, str) or not APPID_PATTERN.fullmatch(appid):
        raise InvalidAppId(appid)
    return appid


def society_data_dir(data_dir: Path | str, appid: str) -> Path:
    """A society's own directory in the data directory: its store, its backups."""
    return Path(data_dir) / SOCIETIES_DIR / check_appid(appid)


def registry_dir(registry: sqlite_utils.Database) -> Path:
    """The directory of the registry's file: the data directory its relative store paths start from."""
    return Path(next(row[2] for row in registry.execute("PRAGMA database_list") if row[1] == "main")).parent


def society_database_path(registry: sqlite_utils.Database, appid: str) -> Path:
    """Where a new society's own store goes: societies/<appid>/bot.sqlite3 beside the registry."""
    return society_data_dir(registry_dir(registry), appid) / DATABASE_FILE


def _stored_path(base: Path, path: Path | str) -> str:
    """How the registry writes a store's path: relative to its directory when the store is inside it."""
    path = Path(path)
    if not path.is_absolute():  # relative already: to the registry's directory
        return str(path)
    try:
        return str(path.resolve().relative_to(base.resolve()))
    except ValueError:  # elsewhere (a store the operator put on another disk): as given
        return str(path)


def _resolved(base: Path, stored: str) -> Path:
    """A recorded path as a file's: relative ones from the registry's directory, absolute ones as they are."""
    path = Path(stored)
    return path if path.is_absolute() else base / path


def _with_store_path(base: Path, row: dict) -> dict:
    return dict(row, database_path=str(_resolved(base, row["database_path"])))


def store_paths_relative(registry: sqlite_utils.Database) -> None:
    """Registry migration: paths written absolute before, inside the registry's directory, become
    relative, so a data directory moved after this opens its stores where they now are."""
    base = registry_dir(registry)
    for appid, stored in registry.execute("select appid, database_path from societies").fetchall():
        relative = _stored_path(base, stored)
        if relative != stored:
            registry.execute("update societies set database_path = ? where appid = ?", [relative, appid])


# The registry's own schema versions (the member store has storage/migrations.py's list).
REGISTRY_MIGRATIONS = [_societies, province_tables, previews_by_filing_society, store_paths_relative]


_registered_stores: dict[tuple[str, str], Path] = {}


def society_store_path(data_dir: Path | str, appid: str) -> Path:
    """Where the society's own store is, for everything that serves it: the path the registry
    recorded when the society was registered (never changed afterwards, so it is read once per
    process); societies/<appid>/bot.sqlite3 for an AppID the registry does not hold."""
    key = (str(data_dir), appid)
    found = _registered_stores.get(key)
    if found is not None:
        return found
    registry_file = registry_path(data_dir)
    row = None
    if registry_file.exists():
        with closing(sqlite3.connect(f"{registry_file.resolve().as_uri()}?mode=ro", uri=True)) as registry:
            try:
                row = registry.execute("SELECT database_path FROM societies WHERE appid = ?", [appid]).fetchone()
            except sqlite3.OperationalError:  # a registry not migrated yet holds no society
                row = None
    if row is None:
        return society_data_dir(data_dir, appid) / DATABASE_FILE
    found = _registered_stores[key] = _resolved(Path(data_dir), row[0])
    return found


def register_society(registry: sqlite_utils.Database, appid: str, name: str,
                     status: str = PENDING, database_path: Path | None = None) -> dict:
    """Add a society (or rename one already there, keeping its state and file); returns its row.
    Its store is societies/<appid>/bot.sqlite3 beside the registry unless `database_path` says
    otherwise (a deployment's own account keeps the single-account store, bot.platform.accounts.own_store)."""
    check_appid(appid)
    name = (name or "").strip()
    if not name:
        raise ValueError("a society needs a name")
    now = now_iso()
    with transaction(registry):
        found = find_society_by_appid(registry, appid)
        if found:
            if found["name"] != name:
                registry["societies"].update(appid, {"name": name, "updated_at": now})
                _record(registry, appid, "renamed", name, now)
        else:
            registry["societies"].insert({
                "appid": appid, "name": name, "status": status,
                "database_path": _stored_path(registry_dir(registry),
                                              database_path or society_database_path(registry, appid)),
                "created_at": now, "updated_at": now})
            _record(registry, appid, "registered", status, now)
    return find_society_by_appid(registry, appid)


def list_societies(registry: sqlite_utils.Database, status: str | None = None) -> list[dict]:
    """Every society (or those in one state), by name; `database_path` where the store is now."""
    where, args = ("status = ?", [status]) if status else (None, None)
    base = registry_dir(registry)
    return [_with_store_path(base, row) for row in registry["societies"].rows_where(where, args, order_by="name, appid")]


def find_society_by_appid(registry: sqlite_utils.Database, appid: str) -> dict | None:
    """One row by its primary key (read for every message of the platform: a plain query, without
    sqlite-utils' table introspection)."""
    cursor = registry.execute("SELECT * FROM societies WHERE appid = ?", [appid])
    row = cursor.fetchone()
    if row is None:
        return None
    found = dict(zip((column[0] for column in cursor.description), row))
    return dict(found, database_path=str(_resolved(registry_dir(registry), found["database_path"])))


def open_society_database(registry: sqlite_utils.Database, appid: str) -> sqlite_utils.Database:
    """The society's own store (created and migrated on first use), whatever its authorisation
    state: a revoked society's data stays readable for export and backup."""
    found = find_society_by_appid(registry, appid)
    if found is None:
        raise UnknownSociety(appid)
    return open_database(found["database_path"])


def record_authorization(registry: sqlite_utils.Database, appid: str, refresh_token: str,
                         func_info: list | None = None, user_name: str | None = None,
                         name: str | None = None, database_path: Path | None = None) -> dict:
    """WeChat confirmed an authorisation (new or changed): keep the refresh token it gives only
    now, and the permissions granted. An account not registered yet is registered by it (its store
    at `database_path`, as register_society)."""
    check_appid(appid)
    if not refresh_token:
        raise ValueError("an authorisation without a refresh token cannot be used")
    now = now_iso()
    with transaction(registry):
        found = find_society_by_appid(registry, appid)
        if found is None:
            register_society(registry, appid, name or appid, status=PENDING, database_path=database_path)
            found = find_society_by_appid(registry, appid)
        change = "reauthorized" if found["status"] == AUTHORIZED else "authorized"
        registry["societies"].update(appid, {
            "status": AUTHORIZED, "authorizer_refresh_token": refresh_token,
            "func_info": json.dumps(func_info or []), "user_name": user_name or found["user_name"],
            "name": name or found["name"], "authorized_at": now, "revoked_at": None, "updated_at": now})
        _record(registry, appid, change, json.dumps(func_info or []), now)
    return find_society_by_appid(registry, appid)


def store_refresh_token(registry: sqlite_utils.Database, appid: str, refresh_token: str) -> None:
    """WeChat may hand out a new authoriser refresh token with a refreshed access token."""
    registry["societies"].update(check_appid(appid), {"authorizer_refresh_token": refresh_token,
                                                       "updated_at": now_iso()})


def revoke_authorization(registry: sqlite_utils.Database, appid: str) -> bool:
    """The administrator withdrew the authorisation: forget the token, keep the society and its
    file. Returns whether anything changed (WeChat repeats its events)."""
    found = find_society_by_appid(registry, appid)
    if found is None or found["status"] == REVOKED:
        return False
    now = now_iso()
    with transaction(registry):
        registry["societies"].update(appid, {"status": REVOKED, "authorizer_refresh_token": None,
                                             "revoked_at": now, "updated_at": now})
        _record(registry, appid, "revoked", None, now)
    return True


def adopt_society(registry: sqlite_utils.Database, row: dict, moved_from: str) -> dict:
    """A society moved here from another host (bot/platform/moving.py): its row as it was there (state,
    authorisation, refresh token), its store at societies/<appid>/bot.sqlite3 here (already written)."""
    appid = check_appid(row["appid"])
    now = now_iso()
    with transaction(registry):
        if find_society_by_appid(registry, appid) is not None:
            raise ValueError(f"{appid} is registered here already")
        registry["societies"].insert({
            **{key: row.get(key) for key in ("name", "status", "user_name", "authorizer_refresh_token", "func_info",
                                             "authorized_at", "revoked_at", "created_at")},
            "appid": appid, "database_path": _stored_path(registry_dir(registry), society_database_path(registry, appid)),
            "updated_at": now})
        _record(registry, appid, "moved_in", moved_from, now)
    return find_society_by_appid(registry, appid)


def remove_moved_society(registry: sqlite_utils.Database, appid: str, moved_to: str) -> None:
    """The society now lives on another host: this registry no longer holds it (its history stays,
    saying where it went)."""
    with transaction(registry):
        registry.execute("delete from societies where appid = ?", [appid])
        _record(registry, appid, "moved_out", moved_to, now_iso())


def society_history(registry: sqlite_utils.Database, appid: str) -> list[dict]:
    return list(registry["society_history"].rows_where("appid = ?", [appid], order_by="id"))


def _record(registry: sqlite_utils.Database, appid: str, change: str, detail: str | None, at: str) -> None:
    registry["society_history"].insert({"appid": appid, "change": change, "detail": detail, "at": at})
