"""Filing (备案): a society sends its year's events to the province, which approves or returns each.

A society files from its own events table (what its secretariat imported as its annual plan), so
there is one source of its plans. Filing again is safe: unchanged events stay as they are; an
event changed since it was filed (a new date, a new place) waits for review again, even if it had
been approved, so the guide never shows what the province did not see. An event the society has
called off is not filed, and its filing stays as it was reviewed (the province returns it if it must).

Filings are kept with their society, in its host's registry, numbered there: past one machine the
province's list gathers every host's (hosts.py) and a review names the society as well as the number.
"""
from __future__ import annotations

from collections import Counter

from bot.platform.shards import host_question
from handlers.province.common import registry
from handlers.province.hosts import everywhere, where_kept
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


@host_question
def file_here(config, r, appid: str, year: int, actor: str) -> dict | None:
    with registry(config) as opened:
        if find_society_by_appid(opened, appid) is None:
            return None
        return dict(file_year(opened, appid, year, actor))


def file_plans(config, r, appid: str, year: int, actor: str) -> Counter:
    """File the society's year from its own store, on the host that keeps it."""
    found = where_kept(config, r, file_here, appid=appid, year=year, actor=actor)
    if found is None:
        raise UnknownSociety(appid)
    return Counter(found)


@host_question
def filings_here(config, r, status: str | None = None, year: int | None = None,
                 appid: str | None = None) -> list[dict]:
    """This host's filings, each with its review history."""
    with registry(config) as opened:
        rows = store.list_filings(opened, status=status, appid=appid, year=year)
        history = store.reviews_of(opened, [row["id"] for row in rows])
    return [dict(row, history=history.get(row["id"], [])) for row in rows]


def every_filing(config, r, status: str | None = None, year: int | None = None,
                 appid: str | None = None) -> list[dict]:
    """The filings of every host in date order, each with its review history."""
    rows = everywhere(config, r, filings_here, status=status, year=year, appid=appid)
    return sorted(rows, key=lambda row: (row["starts_on"], row["appid"], row["event_no"]))


@host_question
def review_here(config, r, filing_id: int, decision: str, actor: str, reason: str | None = None,
                appid: str | None = None) -> dict | None:
    """Approve or return the filing if this host keeps it (of that society, when one is named)."""
    with registry(config) as opened:
        found = store.find_filing(opened, filing_id)
        if found is None or (appid and found["appid"] != appid):
            return None
        return store.review_filing(opened, filing_id, decision, actor, reason)


def review(config, r, filing_id: int, decision: str, actor: str, reason: str | None = None,
           appid: str | None = None) -> dict:
    """Approve (store.APPROVED) or return (store.RETURNED, with a reason) a filing; past one machine
    its number is its host's, so its society (`appid`) must be named too."""
    if config.shard and not appid:
        raise store.FilingRefused("society_needed", filing=filing_id)
    found = where_kept(config, r, review_here, filing_id=filing_id, decision=decision, actor=actor,
                       reason=reason, appid=appid)
    if found is None:
        raise store.FilingRefused("no_filing", filing=filing_id)
    return found
