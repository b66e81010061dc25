"""The web console's own records: its users, the society's settings, and what its pages count.

Console users are not members: a username, a password hash, a role (admin,
staff, or unit for a unit member's contact, who has a unit_id) and the
failed log-ins that lock an account for a while. Changes to users and
settings are `history` rows like every other change (subject `admin_user`
or `settings`), so the audit log is one table; a password hash never goes
into a history row.
"""
from __future__ import annotations

import json
from datetime import datetime, timedelta

import sqlite_utils

from storage.database import first_of, local_month, now_iso
from storage.members import ROLL_STATUSES, containing, member_filters, member_search, record_history
from storage.sqlite import transaction

ROLES = ("admin", "staff", "unit", "viewer")
USERS = "admin_users"  # a society's console users; the province's are in the registry (storage/province.py)
USER_FIELDS = ("role", "unit_id", "active")  # what a change to a user records, old and new


def _marks(values) -> str:
    return ",".join("?" * len(values))


# --- users ------------------------------------------------------------------------

def find_user(db: sqlite_utils.Database, user_id: int, table: str = USERS) -> dict | None:
    """A console user by id; `table` names the province's users table for a province user."""
    return first_of(db[table].rows_where("id = ?", [user_id], limit=1))


def find_user_by_name(db: sqlite_utils.Database, username: str, table: str = USERS) -> dict | None:
    return first_of(db[table].rows_where("username = ?", [username], limit=1))


def list_users(db: sqlite_utils.Database) -> list[dict]:
    """Users with their unit's number and name (for unit contacts)."""
    return list(db.query(
        "select a.*, u.unit_no, u.name as unit_name from admin_users a "
        "left join units u on u.id = a.unit_id order by a.id"))


def insert_user(db: sqlite_utils.Database, username: str, password_hash: str, role: str,
                unit_id: int | None, actor: str) -> dict:
    now = now_iso()
    with transaction(db):
        user_id = db["admin_users"].insert({
            "username": username, "password_hash": password_hash, "role": role, "unit_id": unit_id,
            "active": 1, "failed_logins": 0, "created_at": now, "updated_at": now,
        }).last_pk
        record_history(db, "admin_user", user_id, "user_created", actor, detail={
            "username": [None, username], "role": [None, role], "unit_id": [None, unit_id]})
    return find_user(db, user_id)


def update_user(db: sqlite_utils.Database, user_id: int, changes: dict, actor: str, action: str,
                reason: str | None = None) -> dict:
    """Change a user; the history row holds old and new values, never a password hash."""
    before = find_user(db, user_id)
    changed = {k: v for k, v in changes.items() if before.get(k) != v}
    with transaction(db):
        if changed:
            db["admin_users"].update(user_id, dict(changed, updated_at=now_iso()))
        shown = {k: [before.get(k), v] for k, v in changed.items() if k in USER_FIELDS}
        record_history(db, "admin_user", user_id, action, actor, reason, shown or None)
    return find_user(db, user_id)


def record_failed_login(db: sqlite_utils.Database, user_id: int, limit: int, lock_for: timedelta,
                        now: datetime, table: str = USERS) -> str | None:
    """Count a wrong password; the `limit`-th in a row locks the account until now + lock_for.

    Returns the time the lock ends, when this attempt set it. A society user's lock goes into
    the society's audit log; a province user's (the registry has no such log) does not.
    """
    with transaction(db):
        db.execute(f"update {table} set failed_logins = failed_logins + 1 where id = ?", [user_id])
        user = find_user(db, user_id, table)
        if user["failed_logins"] < limit:
            return None
        until = (now + lock_for).isoformat(timespec="seconds")
        db[table].update(user_id, {"failed_logins": 0, "locked_until": until})
        if table == USERS:
            record_history(db, "admin_user", user_id, "locked", f"console:{user['username']}",
                           detail={"locked_until": [None, until]})
    return until


def record_login(db: sqlite_utils.Database, user_id: int, table: str = USERS) -> None:
    db[table].update(user_id, {"failed_logins": 0, "locked_until": None, "last_login_at": now_iso()})


# --- settings ---------------------------------------------------------------------

def get_settings(db: sqlite_utils.Database, keys) -> dict[str, str | None]:
    keys = list(keys)
    found = {row["key"]: row["value"]
             for row in db["settings"].rows_where(f"key in ({_marks(keys)})", keys)}
    return {key: found.get(key) for key in keys}


def set_settings(db: sqlite_utils.Database, values: dict[str, str | None], actor: str) -> dict:
    """Store settings that changed, with one history row listing old and new values."""
    with transaction(db):
        before = get_settings(db, values)
        changed = {k: v for k, v in values.items() if before[k] != v}
        now = now_iso()
        for key, value in changed.items():
            db["settings"].upsert({"key": key, "value": value, "updated_at": now, "updated_by": actor},
                                  pk="key")
        if changed:
            record_history(db, "settings", None, "settings_changed", actor,
                           detail={k: [before[k], v] for k, v in changed.items()})
    return changed


# --- the audit log ----------------------------------------------------------------

def history_page(db: sqlite_utils.Database, actor: str | None = None, subject: str | None = None,
                 console_only: bool = False, offset: int = 0, limit: int = 50,
                 about: str | None = None, by_ending: bool = False) -> tuple[list[dict], int]:
    """History rows, newest first, and how many match: by actor (contains), subject, console users, and
    `about`: the changes of the members the member search finds by it (number, name, mobile ...)."""
    where, params = [], []
    if about:
        condition, values = member_search(about, by_ending)
        where.append(f"subject = 'member' and subject_id in (select id from members where {condition})")
        params += values
    if actor:
        where.append("actor like ? escape '\\'")
        params.append(containing(actor))
    if subject:
        where.append("subject = ?")
        params.append(subject)
    if console_only:
        where.append("actor like 'console:%'")
    clause = " and ".join(where) or None
    rows = list(db["history"].rows_where(clause, params, order_by="id desc", offset=offset, limit=limit))
    return rows, db["history"].count_where(clause, params)


def subjects_of(db: sqlite_utils.Database, subject: str, ids) -> dict[int, dict]:
    """Members, applications, units, users, tickets, events or award calls by id, to name the subjects of
    history rows."""
    ids = sorted({i for i in ids if i is not None})
    table = {"member": "members", "application": "applications", "unit": "units",
             "admin_user": "admin_users", "ticket": "tickets", "event": "events", "award": "awards"}.get(subject)
    if not ids or table is None:
        return {}
    return {row["id"]: row for row in db[table].rows_where(f"id in ({_marks(ids)})", ids)}


# --- members and applications, as the console lists them ---------------------------

WECHAT_FILTERS = ("bound", "unbound")

def member_page(db: sqlite_utils.Database, text: str | None = None, category: str | None = None,
                status: str | None = None, unit_id: int | None = None, wechat: str | None = None, offset: int = 0,
                limit: int | None = 50, by_ending: bool = False, names: list[str] = (),
                ids: list[int] | None = None, order: str = "id") -> tuple[list[dict], int]:
    """Members matching the text (number, name, mobile, unit, discipline, remarks: 出国, 退休) and filters,
    and the count (limit None: all of them). The text is looked for as the command line's search does it.
    `wechat`: "bound" or "unbound" (no WeChat bound: reminders and newsletters cannot reach them).
    `names`: members of these names match the text too (the names it spells in pinyin). `ids`: only these members
    (those owing dues). `order`: one of MEMBER_ORDERS (its name, "-" before it for the other way)."""
    where, params = member_filters(category, status, unit_id)
    if ids is not None:
        where.append(f"id in ({_marks(ids)})" if ids else "0")
        params = [*params, *ids]
    if wechat in WECHAT_FILTERS:
        where.append(f"openid is {'not ' if wechat == 'bound' else ''}null")
    if text:
        condition, values = member_search(text, by_ending)
        if names:
            condition = f"({condition} or replace(name, ' ', '') in ({_marks(names)}))"
            values = [*values, *names]
        where, params = [condition, *where], [*values, *params]
    clause = " and ".join(where) or None
    column = MEMBER_ORDERS.get(order.lstrip("-"), "id")
    way = " desc" if order.startswith("-") else ""
    # A blank sorts last, but a paid-through date never given: never paid, the furthest behind (first, ascending)
    nulls = "" if column == "paid_through" else " nulls last"
    rows = list(db["members"].rows_where(clause, params, order_by=f"{column}{way}{nulls}, id{way}", offset=offset,
                                         limit=limit))
    return rows, db["members"].count_where(clause, params)


MEMBER_ORDERS = {"member_no": "member_no", "name": "name collate pinyin", "standing": "paid_through",
                 "joined_at": "joined_at", "category": "category"}  # the member list's sortable columns (into SQL)


def list_applications(db: sqlite_utils.Database, status: str, limit: int = 200, text: str = "") -> list[dict]:
    """Applications in a status: pending oldest first (the queue), decided ones newest first; `text` keeps those
    whose number it is, whose applicant's or unit's name holds it, or (four digits) whose mobile ends in it."""
    order = "id" if status == "pending" else "decided_at desc, id desc"
    where, params = "status = ?", [status]
    if text:
        where += (" and (upper(app_no) = upper(?) or json_extract(data, '$.name') like ? "
                  "or json_extract(data, '$.unit_name') like ? or json_extract(data, '$.contact_name') like ? "
                  "or (? glob '[0-9][0-9][0-9][0-9]' and (json_extract(data, '$.mobile') like ? "
                  "or json_extract(data, '$.contact_mobile') like ?)))")
        params += [text, f"%{text}%", f"%{text}%", f"%{text}%", text, f"%{text}", f"%{text}"]
    return [dict(row, data=json.loads(row["data"]))
            for row in db["applications"].rows_where(where, params, order_by=order, limit=limit)]


def count_applications(db: sqlite_utils.Database, status: str = "pending") -> int:
    return db["applications"].count_where("status = ?", [status])


# --- what the dashboard counts -------------------------------------------------------

MEMBER_COLUMNS = ("category", "institution_type", "post_category", "discipline", "birth_year",
                  "council_role", "joined_at")  # what members may be counted by (names go into SQL)


def count_members_by(db: sqlite_utils.Database, column: str) -> dict:
    """Members on the roll per value of `column` (None for not filled in), most first."""
    if column not in MEMBER_COLUMNS:
        raise ValueError(f"cannot count members by {column!r}")
    rows = db.execute(
        f"select case when trim({column}) = '' then null else {column} end as value, count(*) as n from members "
        f"where status in ({_marks(ROLL_STATUSES)}) group by value order by n desc, value",
        list(ROLL_STATUSES)).fetchall()
    return dict(rows)


def count_members_without(db: sqlite_utils.Database, column: str) -> int:
    """Members on the roll whose `column` is not filled in."""
    if column not in MEMBER_COLUMNS:
        raise ValueError(f"cannot count members by {column!r}")
    return db.execute(f"select count(*) from members where status in ({_marks(ROLL_STATUSES)}) "
                      f"and coalesce(trim({column}), '') = ''", list(ROLL_STATUSES)).fetchone()[0]


def roll_by_month(db: sqlite_utils.Database, since: str) -> tuple[int, dict[str, int], dict[str, int]]:
    """The roll month by month from `since` (YYYY-MM): (members on it before then, {month: joined},
    {month: left}). A member joins on their joining date (the created date stands in for one the roster
    did not give) and leaves in the month of the last change that took them off the roll (退会, 已故);
    one off the roll with no such change recorded (imported as resigned) left before any month counted.
    Months are the society's, whatever offset a stamp was written with (local_month)."""
    roll = _marks(ROLL_STATUSES)
    spans = (
        f"with spans as (select {local_month('coalesce(m.joined_at, m.created_at)')} as joined, "
        f"case when m.status in ({roll}) then '9999-12' else (select {local_month('h.at')} from history h "
        f"where h.subject = 'member' and h.subject_id = m.id "
        f"and json_extract(h.detail, '$.status[1]') not in ({roll}) order by julianday(h.at) desc limit 1) end "
        f"as gone from members m) ")
    params = [*ROLL_STATUSES, *ROLL_STATUSES]
    before = db.execute(spans + "select count(*) from spans where joined < ? and gone >= ?",
                        [*params, since, since]).fetchone()[0]
    joined = dict(db.execute(spans + "select joined, count(*) from spans where joined >= ? and gone is not null "
                             "group by joined", [*params, since]).fetchall())
    left = dict(db.execute(spans + "select gone, count(*) from spans where gone >= ? and gone < '9999-12' "
                           "group by gone", [*params, since]).fetchall())
    return before, joined, left


def count_units(db: sqlite_utils.Database) -> int:
    return db["units"].count_where("status = 'active'")


def delivery_outcomes(db: sqlite_utils.Database) -> dict[str, int]:
    """Newsletter deliveries per status over all items ({} when nothing was ever sent)."""
    return dict(db.execute("select status, count(*) from deliveries group by status "
                           "order by count(*) desc").fetchall())


def council_members(db: sqlite_utils.Database) -> list[dict]:
    """Members on the roll who hold a council role (the governance report's population)."""
    return list(db["members"].rows_where(
        f"nullif(trim(council_role), '') is not null and status in ({_marks(ROLL_STATUSES)})",
        list(ROLL_STATUSES), order_by="id"))
