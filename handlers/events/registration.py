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
from handlers.fees import dues
from storage import event_payments
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


def cancel(db: sqlite_utils.Database, registration_id: int) -> list[dict]:
    """Cancel a live registration; a fee paid for it and not refunded is owed back (owe_refunds), in the same
    transaction. Returns the registrations moved up into the freed seat."""
    with transaction(db):
        registration = store.find_registration(db, registration_id)
        promoted = store.cancel_registration(db, registration_id)
        owe_refunds(db, [registration])
    return promoted


def owe_refunds(db: sqlite_utils.Database, registrations: list[dict]) -> None:
    """Registrations just cancelled (by their member, or with their event): each fee paid online and not refunded
    is marked owed back, for the secretariat to refund from the console (在线支付) and the member to see."""
    for registration in registrations:
        if registration["paid_at"] and not registration["refunded_at"] and registration["pay_order"]:
            event_payments.owe_refund(db, registration["pay_order"], content.text("events.cancel.refund_note"))


def paid_fee(registration: dict) -> str | None:
    """The fee a live registration has paid and not had back, as yuan shown ("600"); None when nothing was paid."""
    if not registration.get("paid_at") or registration.get("refunded_at") or not registration.get("fee_fen"):
        return None
    return dues.format_amount(registration["fee_fen"] / 100)


def refunds_owed_lines(db: sqlite_utils.Database, openid: str) -> list[str]:
    """The member's cancelled registrations whose paid fee is not back yet, one line each (under way once the
    secretariat started the refund): what 我的报名 in chat and the member centre show."""
    return [content.text("events.refund.under_way" if row["refund_status"] == "PROCESSING" else "events.refund.owed",
                         title=row["title"], amount=dues.format_amount((row["fee_fen"] or 0) / 100))
            for row in event_payments.refunds_owed_to(db, openid)]
