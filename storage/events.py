"""Events of the annual activity guide and the registrations for them.

An event is numbered HD + year + sequence when first imported and keeps that
number; `guide_key` (society | title | year) finds it again when a guide
without numbers is imported twice, or corrected.

A registration is `registered` (holds a seat), `waitlisted` (in line, by id)
or `cancelled` (kept on record). Every change runs in one write transaction
(BEGIN IMMEDIATE), so two members cannot both take the last seat. Seats free
up by a cancellation or a larger capacity; `_fill_seats` then moves the
waitlist up in order and returns who moved, for the caller to tell them once
the transaction has committed. So a waitlist exists only while the event is
full, and a new registrant never jumps it.
"""
from __future__ import annotations

import secrets

import sqlite_utils

from storage.database import all_rows, first_of, now_iso
from storage.members import Refused, next_number, record_history
from storage.sqlite import transaction

REGISTERED, WAITLISTED, CANCELLED = "registered", "waitlisted", "cancelled"
EVENT_CANCELLED = "cancelled"  # events.status; null is an event going ahead
DEFAULT_TYPE = "其他"

# An event with its seat counts; `registered` and `waitlisted` are numbers.
_WITH_SEATS = (
    "select e.*, "
    "(select count(*) from registrations r where r.event_id = e.id and r.status = 'registered') as registered, "
    "(select count(*) from registrations r where r.event_id = e.id and r.status = 'waitlisted') as waitlisted "
    "from events e"
)
# A registration with what the member needs to know of its event.
_WITH_EVENT = ("select r.*, e.event_no, e.title, e.starts_on, e.ends_on, e.place from registrations r "
               "join events e on e.id = r.event_id")


def guide_key(society: str | None, title: str, year: str | int) -> str:
    return f"{society or ''}|{title}|{year}"


# --- events ----------------------------------------------------------------------------

def find_event(db: sqlite_utils.Database, key: str | int) -> dict | None:
    """An event by its number (HD2026001) or id, with its seat counts."""
    text = str(key).strip().upper()
    column = "e.id" if text.isdigit() else "e.event_no"
    return first_of(db.query(f"{_WITH_SEATS} where {column} = ?", [text]))


def require_event(db: sqlite_utils.Database, key: str) -> dict:
    event = find_event(db, key)
    if event is None:
        raise Refused("no_event", event=key)
    return event


def find_event_to_import(db: sqlite_utils.Database, event_no: str | None, key: str) -> dict | None:
    """The stored event a row of the guide is about: by its number, else by society + title + year."""
    found = find_event(db, event_no) if event_no else None
    return found or first_of(db["events"].rows_where("guide_key = ?", [key], limit=1))


def _row(fields: dict, source: str) -> dict:
    """The stored form of an imported event: its guide key follows society, title and year."""
    row = dict(fields, source=source, updated_at=now_iso())
    row["guide_key"] = guide_key(row.get("society"), row["title"], row["starts_on"][:4])
    return row


def save_events(db: sqlite_utils.Database, new: list[tuple[dict, str]], changes: list[tuple[int, dict, str]],
                actor: str) -> tuple[list[str], list[dict]]:
    """Add the new events (numbered unless the file gave a number) and apply the changes, in one
    transaction, each with a history row naming its source (file and row). Returns the new numbers
    and the registrations moved up by a larger capacity."""
    numbers, promoted = [], []
    with transaction(db):
        for fields, source in new:
            row = _row(fields, source)
            row.setdefault("type", DEFAULT_TYPE)
            row.setdefault("event_no", next_number(db, "events", "event_no", f"HD{row['starts_on'][:4]}", 3))
            event_id = db["events"].insert(dict(row, created_at=row["updated_at"])).last_pk
            record_history(db, "event", event_id, "created", actor, source)
            numbers.append(row["event_no"])
        for event_id, fields, source in changes:
            stored = db["events"].get(event_id)
            db["events"].update(event_id, _row(dict(stored, **fields), source))
            record_history(db, "event", event_id, "updated", actor, source,
                           {key: [stored[key], value] for key, value in fields.items()})
            if "capacity" in fields:
                promoted += _fill_seats(db, event_id)
    return numbers, promoted


def update_event(db: sqlite_utils.Database, event_id: int, fields: dict, actor: str, source: str) -> tuple[dict, list]:
    """Change one event's fields (those that differ), with a history row; returns ({field: [old, new]}
    of what changed, the registrations a larger capacity moved up)."""
    stored = db["events"].get(event_id)
    changed = {key: value for key, value in fields.items() if stored.get(key) != value}
    if not changed:
        return {}, []
    _, promoted = save_events(db, [], [(event_id, changed, source)], actor)
    return {key: [stored.get(key), value] for key, value in changed.items()}, promoted


def cancel_event(db: sqlite_utils.Database, event_id: int, actor: str, reason: str) -> list[dict]:
    """Call an event off (kept on record, no longer listed, no sign-up); its live registrations are
    cancelled and returned, for the caller to tell those members."""
    now = now_iso()
    with transaction(db):
        live = [dict(row) for row in db["registrations"].rows_where(
            "event_id = ? and status != ?", [event_id, CANCELLED], order_by="id")]
        db["events"].update(event_id, {"status": EVENT_CANCELLED, "cancelled_at": now, "cancel_reason": reason,
                                       "updated_at": now})
        db.execute("update registrations set status = 'cancelled', cancelled_at = ?, updated_at = ? "
                   "where event_id = ? and status != 'cancelled'", [now, now, event_id])
        record_history(db, "event", event_id, "cancelled", actor, reason)
    return live


def list_events(db: sqlite_utils.Database, query: dict, offset: int = 0, limit: int = 50) -> list[dict]:
    """Events not over by query["from"], starting by query["to"] (if any), of query["type"],
    with query["word"] in the title (query["place"] in the place, query["fee"] in the fee); soonest first,
    with seat counts."""
    where, params = ["e.ends_on >= ?", "coalesce(e.status, '') != 'cancelled'"], [query["from"]]
    for clause, value in (("e.starts_on <= ?", query.get("to")), ("e.type = ?", query.get("type")),
                          ("instr(e.title, ?) > 0", query.get("word")), ("instr(e.place, ?) > 0", query.get("place")),
                          ("instr(e.fee, ?) > 0", query.get("fee"))):
        if value:
            where.append(clause)
            params.append(value)
    return all_rows(db, f"{_WITH_SEATS} where {' and '.join(where)} order by e.starts_on, e.id "
                        "limit ? offset ?", [*params, limit, offset])


def event_places(db: sqlite_utils.Database, from_day: str) -> list[str]:
    """The places of events not over by `from_day`, for a member who names a city."""
    return [row["place"] for row in all_rows(db, "select distinct place from events where ends_on >= ? "
                                                 "and place is not null and place != ''", [from_day])]


def events_of_year(db: sqlite_utils.Database, year: int | None = None) -> list[dict]:
    """The guide: every event (of one year), in date order, with seat counts."""
    where, params = ("where substr(e.starts_on, 1, 4) = ?", [str(year)]) if year else ("", [])
    return list(db.query(f"{_WITH_SEATS} {where} order by e.starts_on, e.id", params))


def last_signup_day(event: dict) -> str:
    """Registration stays open through the deadline, or through the first day without one."""
    return event["signup_deadline"] or event["starts_on"]


def is_full(event: dict) -> bool:
    """Every seat taken (an event read with its seat counts): the next registration waits."""
    return event["capacity"] is not None and event["registered"] >= event["capacity"]


# --- registrations ---------------------------------------------------------------------------

def _new_checkin_code(db: sqlite_utils.Database, event_id: int, digits: int) -> str:
    while True:
        code = f"{secrets.randbelow(10 ** digits):0{digits}d}"
        if not db["registrations"].count_where("event_id = ? and checkin_code = ?", [event_id, code]):
            return code


def live_registration(db: sqlite_utils.Database, event_id: int, openid: str) -> dict | None:
    return first_of(db["registrations"].rows_where("event_id = ? and openid = ? and status != ?",
                                                  [event_id, openid, CANCELLED], limit=1))


def live_registration_by_mobile(db: sqlite_utils.Database, event_id: int, mobile: str) -> dict | None:
    return first_of(db["registrations"].rows_where("event_id = ? and mobile = ? and status != ?",
                                                  [event_id, mobile, CANCELLED], limit=1))


def waitlist_position(db: sqlite_utils.Database, registration: dict) -> int:
    return db["registrations"].count_where("event_id = ? and status = ? and id <= ?",
                                           [registration["event_id"], WAITLISTED, registration["id"]])


def insert_registration(db: sqlite_utils.Database, event_id: int, openid: str, person: dict, status: str,
                        code_digits: int) -> dict:
    """Store a registration (`registered` or `waitlisted`) with a check-in code of `code_digits` digits
    unique within its event; the rules deciding which are handlers/events/registration.py's."""
    now = now_iso()
    with transaction(db):
        row_id = db["registrations"].insert(dict(
            person, event_id=event_id, openid=openid, status=status,
            checkin_code=_new_checkin_code(db, event_id, code_digits), created_at=now, updated_at=now)).last_pk
        return db["registrations"].get(row_id)


def _fill_seats(db: sqlite_utils.Database, event_id: int) -> list[dict]:
    """Move the waitlist up into free seats, first come first served; returns those moved."""
    event = find_event(db, event_id)
    free = None if event["capacity"] is None else event["capacity"] - event["registered"]
    return [dict(row) for row in db.query(
        "update registrations set status = 'registered', promoted_at = ?1, updated_at = ?1 where id in "
        "(select id from registrations where event_id = ?2 and status = 'waitlisted' order by id limit ?3) "
        "returning *", [now_iso(), event_id, -1 if free is None else max(free, 0)])]


def find_registration(db: sqlite_utils.Database, registration_id: int) -> dict | None:
    return first_of(db["registrations"].rows_where("id = ?", [registration_id], limit=1))


def correct_registration(db: sqlite_utils.Database, registration_id: int, fields: dict) -> dict:
    """Change the contact a registration was made with (its mobile, name or unit), as its member corrects it."""
    with transaction(db):
        db["registrations"].update(registration_id, {**fields, "updated_at": now_iso()})
        return db["registrations"].get(registration_id)


def cancel_registration(db: sqlite_utils.Database, registration_id: int) -> list[dict]:
    """Cancel a live registration; returns the registrations moved up into the freed seat."""
    now = now_iso()
    with transaction(db):
        registration = db["registrations"].get(registration_id)
        if registration["status"] == CANCELLED:
            return []
        db["registrations"].update(registration_id, {"status": CANCELLED, "cancelled_at": now, "updated_at": now})
        return _fill_seats(db, registration["event_id"])


def registrations_of(db: sqlite_utils.Database, openid: str, today: str) -> list[dict]:
    """The member's live registrations for events not over, soonest first, with the event's fields."""
    return all_rows(db, f"{_WITH_EVENT} where r.openid = ? and r.status != 'cancelled' and e.ends_on >= ? "
                        "order by e.starts_on, r.id", [openid, today])


def registrants(db: sqlite_utils.Database, event_id: int) -> list[dict]:
    """Everyone registered (in order of registration), then the waitlist in order."""
    return list(db["registrations"].rows_where(
        "event_id = ? and status != ?", [event_id, CANCELLED],
        order_by="case status when 'registered' then 0 else 1 end, id"))


def last_contact(db: sqlite_utils.Database, openid: str) -> dict | None:
    """Name and mobile a follower who is no member gave at their last registration."""
    return first_of(db["registrations"].rows_where("openid = ? and member_id is null", [openid],
                                                  select="name, mobile, work_unit", order_by="id desc", limit=1))


# --- reminders ---------------------------------------------------------------------------------

def claim_reminders(db: sqlite_utils.Database, starts_on: str) -> list[dict]:
    """Mark, and return with their event, the seats of events starting that day not yet reminded.

    Claimed before anything is queued, so a rerun (or two overlapping runs) never reminds twice.
    """
    with transaction(db):
        claimed = [row["id"] for row in db.query(
            "update registrations set reminded_at = ? where status = 'registered' and reminded_at is null "
            "and event_id in (select id from events where starts_on = ?) returning id", [now_iso(), starts_on])]
    marks = ",".join("?" * len(claimed))
    return list(db.query(f"{_WITH_EVENT} where r.id in ({marks}) order by r.id", claimed))


def release_reminders(db: sqlite_utils.Database, registration_ids: list[int]) -> None:
    """Not queued after all: let the next run remind them."""
    with transaction(db):
        for registration_id in registration_ids:
            db["registrations"].update(registration_id, {"reminded_at": None})
