"""Members, units, applications and the history of every change to them.

Nothing is ever deleted: a change of status is an update plus a `history`
row saying who, when and why. Functions that change more than one row run
in one transaction.
"""
from __future__ import annotations

import json
import re
import secrets

import sqlite_utils

from storage import numbers
from storage.database import first_of, first_row, now_iso
from storage.sqlite import transaction
from storage.unit_names import unit_name_key

INDIVIDUAL_CATEGORIES = ("student", "regular", "senior", "fellow", "honorary")
UNIT_EXEMPT = "unit_exempt"  # the dues category of a unit that pays none (the society's 挂靠单位, 免交): no fee set


def unit_category(unit: dict) -> str:
    """A unit's dues category: "unit", or UNIT_EXEMPT when its record says it pays no dues (dues_exempt)."""
    return UNIT_EXEMPT if unit.get("dues_exempt") else "unit"
INVITE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read aloud and typed on phones


# --- history ------------------------------------------------------------------

def record_history(db: sqlite_utils.Database, subject: str, subject_id: int | None, action: str,
                   actor: str, reason: str | None = None, detail: dict | None = None) -> None:
    db["history"].insert({
        "subject": subject, "subject_id": subject_id, "action": action, "actor": actor,
        "reason": reason, "detail": json.dumps(detail, ensure_ascii=False) if detail else None,
        "at": now_iso(),
    })


def history_of(db: sqlite_utils.Database, subject: str, subject_id: int) -> list[dict]:
    return list(db["history"].rows_where("subject = ? and subject_id = ?", [subject, subject_id],
                                         order_by="id"))


def last_changes(db: sqlite_utils.Database, subject: str, subject_id: int) -> dict[str, dict]:
    """Field -> the latest history entry that changed it ({action, actor, reason, at})."""
    latest: dict[str, dict] = {}
    for entry in history_of(db, subject, subject_id):
        for key in json.loads(entry["detail"] or "{}"):
            latest[key] = {k: entry[k] for k in ("action", "actor", "reason", "at")}
    return latest


# --- applications -------------------------------------------------------------

def create_application(db: sqlite_utils.Database, openid: str, kind: str, data: dict) -> dict:
    """Store a pending application (kind `individual` or `unit`) and give it a number."""
    with transaction(db):
        table = db["applications"]
        table.insert({"id": numbers.next_row_id(db, "applications"),  # never a number issued before a restore
                      "openid": openid, "kind": kind, "data": json.dumps(data, ensure_ascii=False),
                      "status": "pending", "created_at": now_iso()})
        row_id = table.last_pk
        app_no = f"SQ{now_iso()[:4]}{row_id:05d}"
        table.update(row_id, {"app_no": app_no})
        record_history(db, "application", row_id, "applied", actor=f"openid:{openid}")
    return find_application(db, app_no)


def _application(row: dict | None) -> dict | None:
    if row is not None:
        row = dict(row, data=json.loads(row["data"]))
    return row


def find_application(db: sqlite_utils.Database, app_no: str) -> dict | None:
    return _application(first_of(db["applications"].rows_where("app_no = ?", [app_no], limit=1)))


def find_open_application(db: sqlite_utils.Database, openid: str) -> dict | None:
    return _application(first_row(db, "select * from applications where openid = ? and status = 'pending' limit 1",
                                  [openid]))


def find_latest_application(db: sqlite_utils.Database, openid: str) -> dict | None:
    return _application(first_row(db, "select * from applications where openid = ? order by id desc limit 1",
                                  [openid]))


def list_pending_applications(db: sqlite_utils.Database) -> list[dict]:
    return [_application(r) for r in db["applications"].rows_where("status = 'pending'", order_by="id")]


def close_application(db: sqlite_utils.Database, application: dict, status: str, actor: str,
                      reason: str | None = None, member_id: int | None = None,
                      unit_id: int | None = None) -> None:
    """Mark an application approved, rejected or withdrawn, with who and why."""
    db["applications"].update(application["id"], {
        "status": status, "reason": reason, "decided_by": actor, "decided_at": now_iso(),
        "member_id": member_id, "unit_id": unit_id,
    })
    record_history(db, "application", application["id"], status, actor, reason)


# --- member numbers -----------------------------------------------------------

def next_number(db: sqlite_utils.Database, table: str, column: str, prefix: str, digits: int) -> str:
    """The next free number `prefix + sequence` (sequence zero-padded); call inside a transaction."""
    row = db.execute(
        f"select max(cast(substr({column}, ?) as integer)) from {table} where {column} like ?",
        [len(prefix) + 1, prefix + "%"],
    ).fetchone()
    last = max(row[0] or 0, numbers.floor(db, numbers.prefix_series(table, column, prefix)))
    return f"{prefix}{last + 1:0{digits}d}"


# --- members ------------------------------------------------------------------

def find_member_by_openid(db: sqlite_utils.Database, openid: str) -> dict | None:
    return first_row(db, "select * from members where openid = ? limit 1", [openid])  # every message that needs the member


def find_member_by_no(db: sqlite_utils.Database, member_no: str) -> dict | None:
    return first_of(db["members"].rows_where("member_no = ?", [member_no], limit=1))


def member_numbers_starting(db: sqlite_utils.Database, prefix: str) -> list[str]:
    """Every member number that starts with `prefix` (HNHL00103 ... for HNHL)."""
    return [row["member_no"] for row in db.query("select member_no from members where member_no like ?",
                                                 [f"{prefix}%"])]


def find_member(db: sqlite_utils.Database, member_id: int) -> dict | None:
    return first_row(db, "select * from members where id = ?", [member_id])


def find_members_by_mobile(db: sqlite_utils.Database, mobile: str) -> list[dict]:
    return list(db["members"].rows_where("mobile = ?", [mobile]))


def find_members_by_name(db: sqlite_utils.Database, name: str) -> list[dict]:
    """Members of that name, however spaced (王  芳 is 王芳)."""
    return list(db["members"].rows_where("replace(name, ' ', '') = ?", [name.replace(" ", "")]))


def any_member_named(db: sqlite_utils.Database, names: set[str]) -> bool:
    """Whether any member bears one of `names` (spaces in the stored name dropped), in one pass over the members."""
    marks = ", ".join("?" for _ in names)
    return db.execute(f"select 1 from members where replace(name, ' ', '') in ({marks}) limit 1", list(names)).fetchone() \
        is not None


def insert_member(db: sqlite_utils.Database, fields: dict, actor: str, reason: str | None = None) -> dict:
    """Add a member row (already numbered) and its history; call inside a transaction."""
    now = now_iso()
    row = dict(fields, created_at=now, updated_at=now)
    row.setdefault("status", "active")
    row.setdefault("reachable", 1)
    member_id = db["members"].insert(row).last_pk
    record_history(db, "member", member_id, "created", actor, reason)
    return find_member(db, member_id)


def update_member(db: sqlite_utils.Database, member_id: int, changes: dict, actor: str,
                  action: str = "updated", reason: str | None = None) -> dict:
    """Change fields of a member and record old and new values."""
    before = find_member(db, member_id)
    changed = {k: v for k, v in changes.items() if before.get(k) != v}
    if changed:
        with transaction(db):
            db["members"].update(member_id, dict(changed, updated_at=now_iso()))
            record_history(db, "member", member_id, action, actor, reason,
                           {k: [before.get(k), v] for k, v in changed.items()})
    return find_member(db, member_id)


def set_reachable_by_openid(db: sqlite_utils.Database, openid: str, reachable: bool) -> None:
    """An unfollow makes a member unreachable (nothing is deleted); a new follow restores them."""
    member = find_member_by_openid(db, openid)
    if member and bool(member["reachable"]) != reachable:
        update_member(db, member["id"], {"reachable": int(reachable)}, actor=f"openid:{openid}",
                      action="followed" if reachable else "unfollowed")


def count_members(db: sqlite_utils.Database, categories=INDIVIDUAL_CATEGORIES,
                  statuses=("active",)) -> int:
    cats = ",".join("?" * len(categories))
    sts = ",".join("?" * len(statuses))
    return db["members"].count_where(f"category in ({cats}) and status in ({sts})",
                                     [*categories, *statuses])


def list_members(db: sqlite_utils.Database, category: str | None = None, status: str | None = None,
                 unit_id: int | None = None, limit: int | None = None) -> list[dict]:
    where, params = member_filters(category, status, unit_id)
    return list(db["members"].rows_where(" and ".join(where) or None, params, order_by="id",
                                         limit=limit))


def member_filters(category: str | None = None, status: str | None = None,
                   unit_id: int | None = None) -> tuple[list[str], list]:
    """The conditions (and their values) of a list of members by category, status and unit; None: any."""
    where, params = [], []
    for column, value in (("category", category), ("status", status), ("unit_id", unit_id)):
        if value is not None:
            where.append(f"{column} = ?")
            params.append(value)
    return where, params


def search_members(db: sqlite_utils.Database, text: str, limit: int = 50) -> list[dict]:
    """Members whose number, name, mobile, unit, discipline or remarks contains the text (member_search)."""
    condition, params = member_search(text)
    return list(db["members"].rows_where(condition, params, order_by="id", limit=limit))


def member_search(text: str, by_ending: bool = False) -> tuple[str, list]:
    """The condition (and its values) of a member whose number, name, mobile, unit, discipline or remarks
    contains the text; a name is compared without spaces, so 张伟 finds a member stored as "张 伟" and
    "张 伟" finds 张伟. A mobile as the console and exports show it masked (139****0013) finds that mobile.
    `by_ending`: digits alone find a number containing them or a mobile ending in them, no more (for a
    reader of masked mobiles, whose middle digits a search would otherwise tell)."""
    if masked := MASKED_MOBILE.fullmatch(text.strip()):
        return "mobile like ?", [f"{masked[1]}____{masked[2]}"]
    if by_ending and text.strip().isdigit():
        return number_or_mobile_ending(text, ("member_no",), "mobile")
    like, name_like = containing(text), containing("".join(text.split()))
    return "(" + " or ".join(f"{column} like ? escape '\\'" for column in SEARCHED) + ")", \
        [like, name_like, like, like, like, like]


def number_or_mobile_ending(digits: str, numbers: tuple[str, ...], mobile: str) -> tuple[str, list]:
    """Digits as a reader of masked mobiles looks them up: a number (column of `numbers`) containing them or
    a mobile ending in them (the last four digits the pages show), never matched in its middle."""
    digits = digits.strip()
    return "(" + " or ".join([*(f"{column} like ?" for column in numbers), f"{mobile} like ?"]) + ")", \
        [*(f"%{digits}%" for _ in numbers), f"%{digits}"]


def member_names_all(db: sqlite_utils.Database) -> list[str]:
    """Every member's name once, spaces dropped (whatever the status: the console lists them all)."""
    return [row[0] for row in db.execute("select distinct replace(name, ' ', '') from members where name is not null")]


MASKED_MOBILE = re.compile(r"(\d{3})\*{4}(\d{4})")  # bot.privacy.mask_mobile's form
SEARCHED = ("member_no", "replace(name, ' ', '')", "mobile", "work_unit", "discipline", "remarks")


def containing(text: str) -> str:
    """A LIKE pattern (with escape '\\') for values that contain `text` as typed: a % or _ in it is that
    character, not a wildcard (a search for % listed every member)."""
    return "%" + re.sub(r"([\\%_])", r"\\\1", text) + "%"


# --- units --------------------------------------------------------------------

def new_invite_code(db: sqlite_utils.Database, length: int = 6) -> str:
    while True:
        code = "".join(secrets.choice(INVITE_ALPHABET) for _ in range(length))
        if not db["units"].count_where("invite_code = ?", [code]):
            return code


def insert_unit(db: sqlite_utils.Database, fields: dict, actor: str) -> dict:
    """Add a unit member with its invite code; call inside a transaction."""
    row = dict(fields, invite_code=new_invite_code(db), created_at=now_iso())
    row.setdefault("status", "active")
    unit_id = db["units"].insert(row).last_pk
    record_history(db, "unit", unit_id, "created", actor)
    return find_unit(db, unit_id)


def update_unit(db: sqlite_utils.Database, unit_id: int, changes: dict, actor: str, action: str,
                reason: str | None = None) -> None:
    """Change fields of a unit and record old and new values of every field given."""
    with transaction(db):
        before = find_unit(db, unit_id)
        db["units"].update(unit_id, changes)
        record_history(db, "unit", unit_id, action, actor, reason,
                       {k: [before.get(k), v] for k, v in changes.items()})


def find_unit(db: sqlite_utils.Database, unit_id: int) -> dict | None:
    return first_of(db["units"].rows_where("id = ?", [unit_id], limit=1))


def find_unit_by_no(db: sqlite_utils.Database, unit_no: str) -> dict | None:
    return first_of(db["units"].rows_where("unit_no = ?", [unit_no], limit=1))


def find_unit_by_invite_code(db: sqlite_utils.Database, code: str) -> dict | None:
    return first_of(db["units"].rows_where("invite_code = ? and status = 'active'",
                                          [code.strip().upper()], limit=1))


def find_unit_by_credit_code(db: sqlite_utils.Database, credit_code: str) -> dict | None:
    return first_of(db["units"].rows_where("credit_code = ?", [credit_code], limit=1))


def find_unit_by_name(db: sqlite_utils.Database, name: str) -> dict | None:
    return first_of(db["units"].rows_where("unit_name_key(name) = ?", [unit_name_key(name)], limit=1))


def find_unit_by_openid(db: sqlite_utils.Database, openid: str) -> dict | None:
    return first_row(db, "select * from units where openid = ? limit 1", [openid])


# --- members and units by number ----------------------------------------------

ROLL_STATUSES = ("active", "suspended")  # on the roll: what the fellow cap counts
MEMBER_FIELDS = ("name", "category", "birth_year", "work_unit", "institution_type", "post_category",
                 "discipline", "mobile", "email", "school", "graduation_year", "council_role", "title", "gender")


class Refused(ValueError):
    """A change the society's rules or the record's state do not allow.

    `reason` names the rule (a key under [cli_refused] in content/replies/) and
    `facts` carry the numbers the secretariat needs to see, so storage decides
    and the caller says it.
    """

    def __init__(self, reason: str, **facts):
        super().__init__(reason)
        self.reason, self.facts = reason, facts


def require_member(db: sqlite_utils.Database, member_no: str) -> dict:
    member = find_member_by_no(db, member_no.strip().upper())
    if member is None:
        raise Refused("no_member", member_no=member_no)
    return member


def require_unit(db: sqlite_utils.Database, unit_no: str) -> dict:
    unit = find_unit_by_no(db, unit_no.strip().upper())
    if unit is None:
        raise Refused("no_unit", unit_no=unit_no)
    return unit


def list_units(db: sqlite_utils.Database) -> list[dict]:
    return list(db["units"].rows_where(order_by="id"))


def search_units(db: sqlite_utils.Database, text: str, limit: int = 20, by_ending: bool = False) -> list[dict]:
    """Unit members whose number, name, contact or contact's phone contains the text (`by_ending`: digits
    alone find a number containing them or a phone ending in them, as member_search)."""
    if by_ending and text.strip().isdigit():
        return list(db["units"].rows_where(*number_or_mobile_ending(text, ("unit_no",), "contact_mobile"),
                                           order_by="id", limit=limit))
    like = containing(text)
    return list(db["units"].rows_where(
        " or ".join(f"{column} like ? escape '\\'" for column in ("unit_no", "name", "contact_name", "contact_mobile")),
        [like] * 4, order_by="id", limit=limit))


def unit_numbers(db: sqlite_utils.Database) -> dict[int, str]:
    """unit id -> unit number, to show many members' units without a query each."""
    return {row["id"]: row["unit_no"] for row in db["units"].rows_where(select="id, unit_no")}


def count_members_by_unit(db: sqlite_utils.Database) -> dict[int, int]:
    rows = db.execute("select unit_id, count(*) from members where unit_id is not null "
                      "group by unit_id").fetchall()
    return dict(rows)


def replace_invite_code(db: sqlite_utils.Database, unit_no: str, actor: str) -> dict:
    """A new invite code for a unit (the old one stops working), e.g. after it leaked."""
    with transaction(db):
        unit = require_unit(db, unit_no)
        code = new_invite_code(db)
        db["units"].update(unit["id"], {"invite_code": code})
        record_history(db, "unit", unit["id"], "invite_code_changed", actor,
                       detail={"invite_code": [unit["invite_code"], code]})
    return find_unit(db, unit["id"])


# --- sign-up and profile ------------------------------------------------------

def find_open_unit_application(db: sqlite_utils.Database, credit_code: str) -> dict | None:
    """A pending unit application for this credit code, so a unit cannot apply twice at once."""
    return _application(first_of(db["applications"].rows_where(
        "kind = 'unit' and status = 'pending' and json_extract(data, '$.credit_code') = ?",
        [credit_code], limit=1)))
