"""Filing (备案): a society sends its year's events to the province, which approves or returns each.

A society files from its own events table (what its secretariat imported as its annual plan), so
there is one source of its plans. Filing again is safe: unchanged events stay as they are; an
event changed since it was filed (a new date, a new place) waits for review again, even if it had
been approved, so the guide never shows what the province did not see. An event the society has
called off is not filed, and its filing stays as it was reviewed (the province returns it if it must).
"""
from __future__ import annotations

from collections import Counter

from storage import province as store
from storage.societies import UnknownSociety, find_society_by_appid, open_society_database


def file_year(registry, appid: str, year: int, actor: str, db=None) -> Counter:
    """File every event of the society's `year`; returns how many were filed, refiled and unchanged.
    `db` is the society's store when the caller has it open (the society's own console), else the
    registry's file of the society is read."""
    society = find_society_by_appid(registry, appid)
    if society is None:
        raise UnknownSociety(appid)
    if db is not None:
        events = store.society_events_of_year(db, year)
    else:
        own = open_society_database(registry, appid)
        try:
            events = store.society_events_of_year(own, year)
        finally:
            own.close()
    outcomes: Counter = Counter({"filed": 0, "refiled": 0, "unchanged": 0})
    for event in events:
        outcomes[store.file_event(registry, appid, dict(event, society_name=society["name"]), actor)] += 1
    return outcomes


def approve(registry, filing_id: int, actor: str) -> dict:
    return store.review_filing(registry, filing_id, store.APPROVED, actor)


def return_filing(registry, filing_id: int, reason: str, actor: str) -> dict:
    return store.review_filing(registry, filing_id, store.RETURNED, actor, reason)
