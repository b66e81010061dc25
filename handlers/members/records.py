"""What may change a member's record, and how: approvals, categories, suspension, fellows, roster imports.

The society's rules (content/membership.toml: categories, member numbers, the
fellows' cap) decide here; storage/members.py only reads and writes. A refusal
is storage.members.Refused: `reason` names the rule and `facts` carry the
numbers, so the CLI and the console word it alike (handlers/members/membership.py).
Nothing is deleted: every change is an update plus a history row.
"""
from __future__ import annotations

from datetime import date
from decimal import Decimal

import sqlite_utils

from handlers.members.rules import category_code, membership_rules
from handlers.news.items import give_default_subscriptions
from storage.members import (
    MEMBER_FIELDS,
    ROLL_STATUSES,
    Refused,
    close_application,
    count_members,
    find_application,
    find_member_by_openid,
    find_members_by_mobile,
    find_unit,
    find_unit_by_credit_code,
    find_unit_by_invite_code,
    find_unit_by_no,
    insert_member,
    insert_unit,
    next_number,
    record_history,
    require_member,
    update_member,
    update_unit,
)
from storage.sqlite import transaction


def assign_member_no(db: sqlite_utils.Database, year: int) -> str:
    """prefix + joining year + sequence, e.g. HNKX202600001; call inside a transaction."""
    rules = membership_rules()["member_no"]
    return next_number(db, "members", "member_no", f"{rules['prefix']}{year}", rules["digits"])


def assign_unit_no(db: sqlite_utils.Database, year: int) -> str:
    rules = membership_rules()["member_no"]
    return next_number(db, "units", "unit_no", f"{rules['unit_prefix']}{year}", rules["digits"])


def _pending_application(db: sqlite_utils.Database, app_no: str) -> dict:
    application = find_application(db, app_no.strip().upper())
    if application is None:
        raise Refused("no_application", app_no=app_no)
    if application["status"] != "pending":
        raise Refused("application_closed", app_no=application["app_no"],
                      status=application["status"])
    return application


def approve_application(db: sqlite_utils.Database, app_no: str, actor: str, today: date) -> dict:
    """Number, create and activate the member (or unit) an application asks for; close it.

    Returns {"application", "member", "unit"} (one of member/unit is None).
    """
    with transaction(db):
        application = _pending_application(db, app_no)
        member = unit = None
        if application["kind"] == "unit":
            unit = _unit_from_application(db, application, actor, today)
        else:
            member = _member_from_application(db, application, actor, today)
        close_application(db, application, "approved", actor,
                          member_id=member and member["id"], unit_id=unit and unit["id"])
    return {"application": find_application(db, application["app_no"]), "member": member,
            "unit": unit}


def approve_applications(db: sqlite_utils.Database, app_nos: list[str], actor: str,
                         today: date) -> list[dict]:
    """All or none: a batch with one refused application approves nothing, so it can be rerun."""
    with transaction(db):
        return [approve_application(db, app_no, actor, today) for app_no in app_nos]


def reject_application(db: sqlite_utils.Database, app_no: str, actor: str, reason: str) -> dict:
    with transaction(db):
        application = _pending_application(db, app_no)
        close_application(db, application, "rejected", actor, reason)
    return find_application(db, application["app_no"])


def _linked_unit(db: sqlite_utils.Database, data: dict) -> dict | None:
    if data.get("unit_id"):
        return find_unit(db, data["unit_id"])
    if data.get("invite_code"):
        return find_unit_by_invite_code(db, data["invite_code"])
    return None


def _member_from_application(db: sqlite_utils.Database, application: dict, actor: str,
                             today: date) -> dict:
    data = application["data"]
    fields = {k: data[k] for k in MEMBER_FIELDS if data.get(k) not in (None, "")}
    fields["category"] = category_code(fields.get("category"))
    if fields["category"] == "fellow":
        raise Refused("fellow_by_promotion")
    bound = find_member_by_openid(db, application["openid"])
    if bound:
        raise Refused("openid_bound", member_no=bound["member_no"], name=bound["name"])
    for other in find_members_by_mobile(db, fields.get("mobile") or ""):
        raise Refused("mobile_taken", mobile=other["mobile"], member_no=other["member_no"],
                      name=other["name"])
    unit = _linked_unit(db, data)
    if unit:
        fields["unit_id"] = unit["id"]
        fields.setdefault("work_unit", unit["name"])
    fields.update(member_no=assign_member_no(db, today.year), openid=application["openid"],
                  status="active", joined_at=today.isoformat())
    member = insert_member(db, fields, actor, reason=application["app_no"])
    give_default_subscriptions(db, application["openid"])
    return member


def _unit_from_application(db: sqlite_utils.Database, application: dict, actor: str,
                           today: date) -> dict:
    data = application["data"]
    existing = find_unit_by_credit_code(db, data.get("credit_code") or "")
    if existing:
        raise Refused("unit_exists", unit_no=existing["unit_no"], name=existing["name"])
    fields = {
        "name": data.get("unit_name") or data.get("name"), "credit_code": data.get("credit_code"),
        "contact_name": data.get("contact_name"), "contact_mobile": data.get("contact_mobile"),
        "institution_type": data.get("institution_type"), "openid": application["openid"],
        "unit_no": assign_unit_no(db, today.year), "joined_at": today.isoformat(),
    }
    return insert_unit(db, fields, actor)


def change_category(db: sqlite_utils.Database, member_no: str, category: str, actor: str,
                    reason: str) -> dict:
    """Move a member between student, regular and senior; fellows come only by promotion."""
    with transaction(db):
        member = require_member(db, member_no)
        if category == "fellow":
            raise Refused("fellow_by_promotion")
        if member["category"] == category:
            raise Refused("same_category", member_no=member["member_no"], category=category)
        return update_member(db, member["id"], {"category": category}, actor, "category_changed",
                             reason)


def suspend_member(db: sqlite_utils.Database, member_no: str, actor: str, reason: str) -> dict:
    return _change_status(db, member_no, ("active",), "suspended", "suspended", actor, reason, "not_active")


def resign_member(db: sqlite_utils.Database, member_no: str, actor: str, reason: str) -> dict:
    """退会: off the roll, no more reminders or newsletters; the history keeps why."""
    return _change_status(db, member_no, ("active", "suspended"), "resigned", "resigned", actor, reason,
                          "not_on_roll")


def record_death(db: sqlite_utils.Database, member_no: str, actor: str, reason: str) -> dict:
    """已故: as 退会, and said so wherever the member is shown."""
    return _change_status(db, member_no, ("active", "suspended", "resigned"), "deceased", "deceased", actor,
                          reason, "already_deceased")


def resume_member(db: sqlite_utils.Database, member_no: str, actor: str,
                  reason: str | None = None) -> dict:
    """Back on the roll: a suspension lifted, a former member rejoining, a death recorded by mistake."""
    return _change_status(db, member_no, ("suspended", "resigned", "deceased"), "active", "resumed", actor, reason,
                          "not_suspended")


def _change_status(db: sqlite_utils.Database, member_no: str, expected: tuple[str, ...], status: str,
                   action: str, actor: str, reason: str | None, refusal: str) -> dict:
    with transaction(db):
        member = require_member(db, member_no)
        if member["status"] not in expected:
            raise Refused(refusal, member_no=member["member_no"], status=member["status"])
        return update_member(db, member["id"], {"status": status}, actor, action, reason)


def fellow_cap(db: sqlite_utils.Database) -> dict:
    """Fellows on the roll against the cap: at most max_share of all individual members."""
    share = Decimal(str(membership_rules()["fellows"]["max_share"]))
    individuals = count_members(db, statuses=ROLL_STATUSES)
    return {"fellows": count_members(db, categories=("fellow",), statuses=ROLL_STATUSES),
            "individuals": individuals, "max_share": float(share),
            "limit": int(individuals * share)}


def promote_to_fellow(db: sqlite_utils.Database, member_no: str, actor: str, reason: str) -> dict:
    """Make an active member a fellow, refused when that would exceed the cap."""
    with transaction(db):
        member = require_member(db, member_no)
        if member["category"] == "fellow":
            raise Refused("already_fellow", member_no=member["member_no"])
        if member["status"] != "active":
            raise Refused("not_active", member_no=member["member_no"], status=member["status"])
        cap = fellow_cap(db)
        if cap["fellows"] + 1 > cap["limit"]:
            raise Refused("fellow_cap", **cap)
        return update_member(db, member["id"], {"category": "fellow"}, actor, "promoted_fellow",
                             reason)


def import_members(db: sqlite_utils.Database, new: list[tuple[dict, str]],
                   changes: list[tuple[int, dict, str]], actor: str, today: date,
                   new_units: list[tuple[dict, str]] = (),
                   unit_changes: list[tuple[int, dict, str]] = ()) -> dict:
    """Add and update roster rows in one transaction: all of them, or on any failure none.

    `new` holds (fields, reason); a row without a member number gets the next one
    of its joining year. Rows that bring their own number are written first, so
    a number given in the file is never handed out to another row; `created`
    keeps the order of `new`. Units (`new_units`, `unit_changes`) the same way.
    A paid-through date that comes with a new row is an opening balance: it is
    recorded in the history with the file and row it came from, not as a payment.
    """
    created: list[dict | None] = [None] * len(new)
    units: list[dict | None] = [None] * len(new_units)
    with transaction(db):
        for i in sorted(range(len(new_units)), key=lambda i: not new_units[i][0].get("unit_no")):
            fields, reason = new_units[i]
            if not fields.get("unit_no"):
                year = int(fields["joined_at"][:4]) if fields.get("joined_at") else today.year
                fields = dict(fields, unit_no=assign_unit_no(db, year))
            units[i] = insert_unit(db, fields, actor)
            _opening_balance(db, "unit", units[i], actor, reason)
        for unit_id, change, reason in unit_changes:
            update_unit(db, unit_id, change, actor, "imported", reason)
        for i in sorted(range(len(new)), key=lambda i: not new[i][0].get("member_no")):
            fields, reason = _unit_linked(db, new[i][0]), new[i][1]
            if not fields.get("member_no"):
                year = int(fields["joined_at"][:4]) if fields.get("joined_at") else today.year
                fields = dict(fields, member_no=assign_member_no(db, year))
            created[i] = insert_member(db, fields, actor, reason)
            _opening_balance(db, "member", created[i], actor, reason)
        updated = [update_member(db, member_id, _unit_linked(db, change), actor, "imported", reason)
                   for member_id, change, reason in changes]
    return {"created": created, "updated": updated, "units": units}


def _unit_linked(db: sqlite_utils.Database, fields: dict) -> dict:
    """A roster row naming its unit by a number written in the same file: the unit's id now."""
    if "unit_no" not in fields:
        return fields
    fields = dict(fields)
    fields["unit_id"] = find_unit_by_no(db, fields.pop("unit_no"))["id"]
    return fields


def _opening_balance(db: sqlite_utils.Database, subject: str, row: dict, actor: str, reason: str) -> None:
    if row.get("paid_through"):
        record_history(db, subject, row["id"], "imported", actor, reason,
                       {"paid_through": [None, row["paid_through"]]})
