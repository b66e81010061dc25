"""Registering for an event: a seat, or a place on the waitlist when the event is full.

The rules decide here, inside the write transaction that stores the
registration (storage/events.py), so two members cannot both take the last
seat: a cancelled event or a closed sign-up is refused, and a member holds at
most one live registration per event. The check-in code's length is
content/events.toml's `checkin_code_digits`.
"""
from __future__ import annotations

import sqlite_utils

from bot import content
from bot.privacy import mask_mobile
from storage import events as store
from storage.members import Refused
from storage.sqlite import transaction


def register(db: sqlite_utils.Database, event_key: str | int, openid: str, person: dict, today: str) -> dict:
    """A seat, or a place on the waitlist when the event is full; returns the registration.

    `person`: name, mobile, work_unit, member_id. Refused: no_event, cancelled, closed, already, mobile_taken
    (the mobile is registered already, from another WeChat or for another name).
    """
    with transaction(db):
        event = store.require_event(db, event_key)
        if event.get("status") == store.EVENT_CANCELLED:
            raise Refused("cancelled", title=event["title"])
        if today > store.last_signup_day(event):
            raise Refused("closed", title=event["title"], deadline=store.last_signup_day(event))
        existing = store.live_registration(db, event["id"], openid)
        if existing:
            raise Refused("already", title=event["title"], status=existing["status"])
        if person.get("mobile") and store.live_registration_by_mobile(db, event["id"], person["mobile"]):
            raise Refused("mobile_taken", title=event["title"], mobile=mask_mobile(person["mobile"]))
        return store.insert_registration(db, event["id"], openid, person,
                                         store.WAITLISTED if store.is_full(event) else store.REGISTERED,
                                         content.load_toml("events.toml")["checkin_code_digits"])


def correct(db: sqlite_utils.Database, registration_id: int, fields: dict) -> dict:
    """Change the contact a registration was made with, as its member corrects it (its mobile, name or unit).
    Refused: mobile_taken, a new mobile another live registration for the event holds, as `register` refuses it."""
    with transaction(db):
        registration = store.find_registration(db, registration_id)
        mobile = fields.get("mobile")
        taken = store.live_registration_by_mobile(db, registration["event_id"], mobile) if mobile else None
        if taken is not None and taken["id"] != registration_id:
            raise Refused("mobile_taken", title=store.find_event(db, registration["event_id"])["title"],
                          mobile=mask_mobile(mobile))
        return store.correct_registration(db, registration_id, fields)
