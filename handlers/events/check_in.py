"""The check-in code a registrant shows at the door, and what staff get when they scan or type it.

The member's 会员中心 shows each seated registration's code as a QR code
carrying "<event number>-<code>" (e.g. HD2026001-482913); staff scan it with
the console's check-in page (the phone camera) or type the six digits with the
event chosen. A code is checked in once; a waitlisted or cancelled registration
is not let in.
"""
from __future__ import annotations

import re

import segno

from bot import content
from storage import check_ins
from storage import events as store

_SCANNED = re.compile(r"\s*([A-Za-z0-9]+)-(\d{4,10})\s*")


def qr_payload(event_no: str, code: str) -> str:
    return f"{event_no}-{code}"


def qr_data_uri(event_no: str, code: str) -> str:
    """The QR code as an inline SVG image (no request, no file)."""
    return segno.make(qr_payload(event_no, code), error="m").svg_data_uri(scale=6, border=2)


def read(text: str, event_no: str | None) -> tuple[str | None, str]:
    """(event number, code) from a scanned "HD2026001-482913", or typed digits with the chosen event."""
    found = _SCANNED.fullmatch(text or "")
    if found:
        return found.group(1).upper(), found.group(2)
    return event_no, re.sub(r"\D", "", text or "")


def check_in(db, text: str, event_no: str | None, actor: str) -> dict:
    """{outcome, name, event, registration}: outcome is checked_in, already, waitlisted, cancelled,
    unknown_code or unknown_event (keys under [pages.check_in.outcomes])."""
    event_no, code = read(text, event_no)
    event = store.find_event(db, event_no) if event_no else None
    if event is None:
        return {"outcome": "unknown_event", "event": None, "registration": None}
    registration = check_ins.find_by_code(db, event["id"], code) if code else None
    if registration is None:
        outcome = "unknown_code"
    elif registration["status"] != store.REGISTERED:
        outcome = registration["status"]  # waitlisted or cancelled
    elif check_ins.check_in(db, registration["id"], actor):
        outcome, registration = "checked_in", check_ins.find_by_code(db, event["id"], code)
    else:
        outcome = "already"
    return {"outcome": outcome, "event": event, "registration": registration,
            "checked_in": check_ins.checked_in_count(db, event["id"])}


def outcome_text(result: dict) -> str:
    registration = result["registration"] or {}
    at = (registration.get("checked_in_at") or "")[11:16]
    return content.text(f"pages.check_in.outcomes.{result['outcome']}", name=registration.get("name", ""), at=at)
