"""The province's own records, in the registry file beside the societies (storage/societies.py),
and the figures the province reads from each society's own store.

In the registry (created by `province_tables`, one of storage/societies.REGISTRY_MIGRATIONS):
  province_settings     per society: its discipline (学科) and whether its members get previews
  province_filings      one row per (society, event number): the event as filed (备案), its review
                        state (filed, approved, returned) and the reason of a return
  province_reviews      every filing, approval and return: who, when, why (nothing is deleted)
  province_previews     which approved activity was previewed to which society's members (once)
  province_notices      province-wide notices (policy, talent) ...
  province_notice_sends ... and which society each one was queued to, with its item number there
  province_users        the province's console users (their own accounts, not a society's)
  province_evaluations  a year's evaluation as computed and published: score, grade, indicators
"""
from __future__ import annotations

import json
from datetime import datetime, timedelta

import sqlite_utils

from storage.database import first_of, now_iso
from storage.members import INDIVIDUAL_CATEGORIES
from storage.sqlite import transaction

FILED, APPROVED, RETURNED = "filed", "approved", "returned"
USERS = "province_users"  # read through storage/admin.py's user functions, which take the table
FILED_FIELDS = ("society_name", "title", "type", "starts_on", "ends_on", "place", "organiser", "capacity",
                "fee", "description")


class FilingRefused(ValueError):
    """A review the filing's state does not allow: `reason` is a key under [province.refused]."""

    def __init__(self, reason: str, **facts):
        super().__init__(reason)
        self.reason, self.facts = reason, facts


def province_tables(registry: sqlite_utils.Database) -> None:
    """The province's tables: a registry migration (storage/societies.REGISTRY_MIGRATIONS)."""
    registry["province_settings"].create(
        {"appid": str, "discipline": str, "preview_opt_in": int, "updated_at": str, "updated_by": str},
        pk="appid", defaults={"preview_opt_in": 0})
    registry["province_filings"].create(
        {"id": int, "appid": str, "event_no": str, **{f: str for f in FILED_FIELDS}, "capacity": int,
         "status": str, "reason": str, "filed_at": str, "filed_by": str, "reviewed_at": str,
         "reviewed_by": str},
        pk="id", not_null={"appid", "event_no", "title", "starts_on", "status", "filed_at"})
    registry["province_filings"].create_index(["appid", "event_no"], unique=True)
    registry["province_filings"].create_index(["status", "starts_on"])
    registry["province_reviews"].create(
        {"id": int, "filing_id": int, "action": str, "reason": str, "actor": str, "at": str},
        pk="id", not_null={"filing_id", "action", "actor", "at"},
        foreign_keys=[("filing_id", "province_filings", "id")])
    registry["province_previews"].create(
        {"filing_id": int, "appid": str, "item_no": str, "recipients": int, "queued_at": str},
        pk=("filing_id", "appid"))
    registry["province_notices"].create(
        {"id": int, "notice_no": str, "topic": str, "title": str, "summary": str, "link": str,
         "created_at": str, "created_by": str},
        pk="id", not_null={"notice_no", "topic", "title", "created_at"})
    registry["province_notices"].create_index(["notice_no"], unique=True)
    registry["province_notice_sends"].create(
        {"notice_id": int, "appid": str, "item_no": str, "recipients": int, "queued_at": str},
        pk=("notice_id", "appid"))
    registry["province_users"].create(
        {"id": int, "username": str, "password_hash": str, "active": int, "failed_logins": int,
         "locked_until": str, "last_login_at": str, "created_at": str, "updated_at": str},
        pk="id", not_null={"username", "password_hash", "active", "failed_logins", "created_at"},
        defaults={"active": 1, "failed_logins": 0})
    registry["province_users"].create_index(["username"], unique=True)
    registry["province_evaluations"].create(
        {"year": int, "appid": str, "society_name": str, "score": float, "coverage": float, "grade": str,
         "rank": int, "indicators": str, "computed_at": str, "computed_by": str},
        pk=("year", "appid"))


def previews_by_filing_society(registry: sqlite_utils.Database) -> None:
    """Registry migration: a filing is numbered within its host's registry, so past one machine a preview
    records the filing's society beside its number (rows before this are this registry's own filings)."""
    registry["province_previews"].add_column("filing_appid", str)
    registry.execute("update province_previews set filing_appid = (select appid from province_filings f "
                     "where f.id = province_previews.filing_id)")
    registry["province_previews"].transform(pk=("filing_appid", "filing_id", "appid"))


# --- society settings ---------------------------------------------------------------------------

def society_settings(registry: sqlite_utils.Database) -> dict[str, dict]:
    """{appid: {"discipline", "preview_opt_in"}} of every society the province has set anything for."""
    return {row["appid"]: row for row in registry["province_settings"].rows}


def set_society_settings(registry: sqlite_utils.Database, appid: str, changes: dict, actor: str) -> None:
    """Set a society's discipline and/or preview opt-in (keys of `changes`)."""
    row = {"appid": appid, **changes, "updated_at": now_iso(), "updated_by": actor}
    registry["province_settings"].upsert(row, pk="appid")


# --- filings and their review ---------------------------------------------------------------------

def find_filing(registry: sqlite_utils.Database, filing_id: int) -> dict | None:
    return first_of(registry["province_filings"].rows_where("id = ?", [filing_id], limit=1))


def _log(registry: sqlite_utils.Database, filing_id: int, action: str, actor: str, reason: str | None = None) -> None:
    registry["province_reviews"].insert({"filing_id": filing_id, "action": action, "reason": reason,
                                         "actor": actor, "at": now_iso()})


def file_event(registry: sqlite_utils.Database, appid: str, event: dict, actor: str) -> str:
    """File one of a society's events to the province; returns `filed` (new), `refiled` (changed since it
    was filed: it waits for review again, whatever it was) or `unchanged`."""
    fields = {name: event.get(name) for name in FILED_FIELDS}
    with transaction(registry):
        existing = first_of(registry["province_filings"].rows_where(
            "appid = ? and event_no = ?", [appid, event["event_no"]], limit=1))
        now = now_iso()
        if existing is None:
            filing_id = registry["province_filings"].insert(
                {"appid": appid, "event_no": event["event_no"], **fields, "status": FILED,
                 "filed_at": now, "filed_by": actor}).last_pk
            _log(registry, filing_id, "filed", actor)
            return "filed"
        if all(existing[name] == value for name, value in fields.items()):
            return "unchanged"
        registry["province_filings"].update(existing["id"], {
            **fields, "status": FILED, "reason": None, "filed_at": now, "filed_by": actor,
            "reviewed_at": None, "reviewed_by": None})
        _log(registry, existing["id"], "refiled", actor)
        return "refiled"


def review_filing(registry: sqlite_utils.Database, filing_id: int, decision: str, actor: str,
                  reason: str | None = None) -> dict:
    """Approve a filing, or return it with a reason (required); the society files again after a return."""
    with transaction(registry):
        filing = find_filing(registry, filing_id)
        if filing is None:
            raise FilingRefused("no_filing", filing=filing_id)
        if decision == RETURNED and not (reason or "").strip():
            raise FilingRefused("reason_needed")
        if filing["status"] == decision:
            raise FilingRefused(f"already_{decision}", title=filing["title"])
        registry["province_filings"].update(filing_id, {
            "status": decision, "reason": (reason or "").strip() or None, "reviewed_at": now_iso(),
            "reviewed_by": actor})
        _log(registry, filing_id, decision, actor, reason)
    return find_filing(registry, filing_id)


def reviews_of(registry: sqlite_utils.Database, filing_ids: list[int]) -> dict[int, list[dict]]:
    """{filing id: its history, oldest first}: every filing, refiling, approval and return, who and when,
    and the reason given."""
    history: dict[int, list[dict]] = {}
    for start in range(0, len(filing_ids), 500):  # within SQLite's limit on bound parameters
        chunk = filing_ids[start:start + 500]
        marks = ", ".join("?" * len(chunk))
        for row in registry["province_reviews"].rows_where(f"filing_id in ({marks})", chunk, order_by="id"):
            history.setdefault(row["filing_id"], []).append(row)
    return history


def list_filings(registry: sqlite_utils.Database, status: str | None = None, appid: str | None = None,
                 year: int | None = None) -> list[dict]:
    """Filings in date order, narrowed by review state, society and year."""
    where, params = ["1"], []
    if status:
        where.append("status = ?")
        params.append(status)
    if appid:
        where.append("appid = ?")
        params.append(appid)
    if year:
        where.append("substr(starts_on, 1, 4) = ?")
        params.append(str(year))
    return list(registry["province_filings"].rows_where(" and ".join(where), params,
                                                        order_by="starts_on, appid, event_no"))


def filing_counts(registry: sqlite_utils.Database) -> dict[str, dict[str, int]]:
    """{appid: {status: filings}} over every year."""
    counts: dict[str, dict[str, int]] = {}
    for appid, status, count in registry.execute(
            "select appid, status, count(*) from province_filings group by appid, status"):
        counts.setdefault(appid, {})[status] = count
    return counts


def approved_between(registry: sqlite_utils.Database, first_day: str, last_day: str) -> list[dict]:
    """Approved filings starting within [first_day, last_day], in date order."""
    return list(registry["province_filings"].rows_where(
        "status = ? and starts_on between ? and ?", [APPROVED, first_day, last_day], order_by="starts_on, id"))


def was_previewed(registry: sqlite_utils.Database, filing: dict, appid: str) -> bool:
    """Whether the filing (of whichever host: told apart by its society and number) went to `appid`."""
    return first_of(registry["province_previews"].rows_where(
        "filing_appid = ? and filing_id = ? and appid = ?", [filing["appid"], filing["id"], appid])) is not None


def record_preview(registry: sqlite_utils.Database, filing: dict, appid: str, item_no: str,
                   recipients: int) -> None:
    """The activity's preview was queued to the society's members (recorded after it was queued: a run
    that died before queueing leaves nothing recorded, and the next run queues it)."""
    registry["province_previews"].insert({"filing_appid": filing["appid"], "filing_id": filing["id"], "appid": appid,
                                          "item_no": item_no, "recipients": recipients, "queued_at": now_iso()},
                                         ignore=True)


# --- province-wide notices --------------------------------------------------------------------------

def insert_notice(registry: sqlite_utils.Database, notice: dict, actor: str) -> dict:
    """A new notice numbered SK + date + sequence."""
    with transaction(registry):
        today = now_iso()[:10].replace("-", "")
        count = registry.execute("select count(*) from province_notices where notice_no like ?",
                                 [f"SK{today}%"]).fetchone()[0]
        notice_id = registry["province_notices"].insert(
            {**notice, "notice_no": f"SK{today}{count + 1:03d}", "created_at": now_iso(),
             "created_by": actor}).last_pk
    return find_notice(registry, notice_id)


def find_notice(registry: sqlite_utils.Database, key: int | str) -> dict | None:
    column = "id" if str(key).isdigit() else "notice_no"
    return first_of(registry["province_notices"].rows_where(f"{column} = ?", [str(key).upper()], limit=1))


def list_notices(registry: sqlite_utils.Database) -> list[dict]:
    return list(registry["province_notices"].rows_where(order_by="id desc"))


def was_notice_sent(registry: sqlite_utils.Database, notice_id: int, appid: str) -> bool:
    return first_of(registry["province_notice_sends"].rows_where("notice_id = ? and appid = ?",
                                                                [notice_id, appid])) is not None


def record_notice_send(registry: sqlite_utils.Database, notice_id: int, appid: str, item_no: str,
                       recipients: int) -> None:
    """The notice was queued to the society's members (recorded after it was queued, as a preview)."""
    registry["province_notice_sends"].insert({"notice_id": notice_id, "appid": appid, "item_no": item_no,
                                              "recipients": recipients, "queued_at": now_iso()}, ignore=True)


def notice_sends(registry: sqlite_utils.Database, notice_id: int) -> list[dict]:
    return list(registry["province_notice_sends"].rows_where("notice_id = ?", [notice_id], order_by="appid"))


# --- the province's console users ----------------------------------------------------------------------

def insert_province_user(registry: sqlite_utils.Database, username: str, password_hash: str) -> dict:
    now = now_iso()
    user_id = registry["province_users"].insert({
        "username": username, "password_hash": password_hash, "active": 1, "failed_logins": 0,
        "created_at": now, "updated_at": now}).last_pk
    return first_of(registry[USERS].rows_where("id = ?", [user_id]))


# --- evaluations ----------------------------------------------------------------------------------------

def save_evaluation(registry: sqlite_utils.Database, year: int, results: list[dict], actor: str) -> None:
    """Keep a year's evaluation as computed (replacing an earlier run of the same year)."""
    now = now_iso()
    with transaction(registry):
        registry.execute("delete from province_evaluations where year = ?", [year])
        registry["province_evaluations"].insert_all(
            {"year": year, "appid": r["appid"], "society_name": r["society_name"], "score": r["score"],
             "coverage": r["coverage"], "grade": r["grade"], "rank": r["rank"],
             "indicators": json.dumps(r["indicators"], ensure_ascii=False), "computed_at": now,
             "computed_by": actor} for r in results)


def saved_evaluation(registry: sqlite_utils.Database, year: int) -> list[dict]:
    rows = registry["province_evaluations"].rows_where("year = ?", [year],
                                                       order_by="rank is null, rank, society_name")
    return [dict(row, indicators=json.loads(row["indicators"])) for row in rows]


# --- what the province reads from a society's own store ------------------------------------------------

def society_events_of_year(db: sqlite_utils.Database, year: int) -> list[dict]:
    """The society's events starting in `year` and not called off: what it files to the province."""
    return list(db["events"].rows_where(
        "substr(starts_on, 1, 4) = ? and coalesce(status, '') != 'cancelled'", [str(year)],
        order_by="starts_on, id"))


def _society_days(first: str, last: str) -> list[str]:
    """The instants the society's days `first` to `last` (ISO days) run from and up to, in its zone (the
    process's local time): a stamp is compared as an instant, whatever offset it was written with."""
    start = datetime.fromisoformat(first).astimezone()
    end = (datetime.fromisoformat(last) + timedelta(days=1)).astimezone()
    return [start.isoformat(), end.isoformat()]


def _between(stamp: str) -> str:
    """SQL: the stamp falls within the days of `_society_days` (its two parameters)."""
    return f"julianday({stamp}) >= julianday(?) and julianday({stamp}) < julianday(?)"


def _one(db: sqlite_utils.Database, sql: str, params=()):
    return db.execute(sql, list(params)).fetchone()


def society_figures(db: sqlite_utils.Database, year: int, year_end: str) -> dict:
    """The raw counts the evaluation rests on, for the calendar year `year` (up to `year_end`, an ISO day).

    Counts only: what they mean and how they score is the province's rule (handlers/province/evaluation.py).
    """
    first, last = f"{year}-01-01", year_end
    days = _society_days(first, last)
    individuals = f"category in ({', '.join(repr(c) for c in INDIVIDUAL_CATEGORIES)})"
    on_roll = "status in ('active', 'suspended')"
    figures: dict = {}
    figures["members"] = _one(db, f"select count(*) from members where {individuals} and {on_roll}")[0]
    figures["members_dated"] = _one(db, f"select count(*) from members where {individuals} and "
                                        "coalesce(joined_at, '') != ''")[0]
    figures["members_joined"] = _one(db, f"select count(*) from members where {individuals} and "
                                         "substr(joined_at, 1, 10) between ? and ?", [first, last])[0]
    figures["members_before"] = _one(db, f"select count(*) from members where {individuals} and "
                                         "substr(joined_at, 1, 10) < ?", [first])[0]
    figures["fellows"] = _one(db, f"select count(*) from members where category = 'fellow' and {on_roll}")[0]
    figures["units"] = _one(db, "select count(*) from units where status = 'active'")[0]
    figures["units_with_members"] = _one(db, "select count(*) from units u where u.status = 'active' and exists "
                                             f"(select 1 from members m where m.unit_id = u.id and m.{on_roll})")[0]
    figures["payments"] = _one(db, "select count(*) from payments")[0]
    for kind in ("newsletter", "resolution"):
        figures[f"{kind}s"] = _one(db, "select count(*) from newsletters where kind = ? and "
                                       f"{_between('coalesce(publish_at, created_at)')}", [kind, *days])[0]
    deliveries = _one(db, "select count(*), coalesce(sum(d.status = 'sent' or d.read_at is not null), 0) "
                          "from deliveries d join newsletters n on n.id = d.item_id where "
                          f"{_between('coalesce(n.publish_at, n.created_at)')}", days)
    figures["deliveries"], figures["deliveries_reached"] = deliveries
    figures["events_held"] = _one(db, "select count(*) from events where starts_on between ? and ? and "
                                      "coalesce(status, '') != 'cancelled'", [first, last])[0]
    attendance = _one(db, "select count(*), coalesce(sum(r.checked_in_at is not null), 0) from registrations r "
                          "join events e on e.id = r.event_id where e.starts_on between ? and ? and "
                          "coalesce(e.status, '') != 'cancelled' and r.status = 'registered'", [first, last])
    figures["registered"], figures["checked_in"] = attendance
    figures["checkins_recorded"] = _one(db, "select count(*) from registrations where checked_in_at is not null")[0]
    tickets = _one(db, "select count(*), coalesce(sum(exists (select 1 from ticket_replies r where "
                       f"r.ticket_id = t.id)), 0) from tickets t where {_between('t.created_at')}", days)
    figures["tickets"], figures["tickets_answered"] = tickets
    figures["first_reply_hours"] = [row[0] for row in db.execute(
        "select (julianday(min(r.at)) - julianday(t.created_at)) * 24 from tickets t join ticket_replies r on "
        f"r.ticket_id = t.id where {_between('t.created_at')} group by t.id", days)]
    figures["council"] = [dict(row) for row in db.query(
        "select council_role, institution_type, birth_year, post_category from members "
        f"where coalesce(council_role, '') != '' and {on_roll}")]
    figures["term"] = {row["key"]: row["value"] for row in db["settings"].rows_where(
        "key in ('term_start', 'term_end')")}
    return figures


# --- a society moving to another host ------------------------------------------------------------

def society_records(registry: sqlite_utils.Database, appid: str) -> dict:
    """What the province keeps here for one society, as plain rows to carry to its new host: its
    settings, its filings each with its review history, the previews and notices it received."""
    filings = list(registry["province_filings"].rows_where("appid = ?", [appid], order_by="id"))
    history = reviews_of(registry, [row["id"] for row in filings])
    return {
        "settings": first_of(registry["province_settings"].rows_where("appid = ?", [appid])),
        "filings": [dict(row, reviews=history.get(row["id"], [])) for row in filings],
        "previews": list(registry["province_previews"].rows_where("appid = ?", [appid])),
        "notice_sends": list(registry["province_notice_sends"].rows_where("appid = ?", [appid])),
    }


def adopt_society_records(registry: sqlite_utils.Database, appid: str, records: dict) -> dict[int, int]:
    """The records `society_records` gave on the old host, written here; a filing is numbered within
    its host's registry, so it gets a number here: returns {number there: number here}, for every
    host to renumber the previews of its filings (renumber_previewed_filings)."""
    renumbered = {}
    with transaction(registry):
        if records.get("settings"):
            registry["province_settings"].upsert(dict(records["settings"], appid=appid), pk="appid")
        for filing in records.get("filings", []):
            row = {key: value for key, value in filing.items() if key not in ("id", "reviews")}
            new_id = registry["province_filings"].insert(dict(row, appid=appid)).last_pk
            renumbered[filing["id"]] = new_id
            registry["province_reviews"].insert_all(
                {key: value for key, value in review.items() if key != "id"} | {"filing_id": new_id}
                for review in filing["reviews"])
        registry["province_previews"].insert_all((dict(row, appid=appid) for row in records.get("previews", [])),
                                                 replace=True)
        registry["province_notice_sends"].insert_all(
            (dict(row, appid=appid) for row in records.get("notice_sends", [])), replace=True)
    return renumbered


def drop_society_records(registry: sqlite_utils.Database, appid: str) -> None:
    """The society moved away with its records: they are no longer this host's to answer for."""
    with transaction(registry):
        registry.execute("delete from province_reviews where filing_id in "
                         "(select id from province_filings where appid = ?)", [appid])
        for table in ("province_filings", "province_settings", "province_previews", "province_notice_sends"):
            registry.execute(f"delete from {table} where appid = ?", [appid])


def renumber_previewed_filings(registry: sqlite_utils.Database, filing_appid: str, renumbered: dict) -> int:
    """Previews recorded here of a moved society's filings follow their new numbers (so none is sent
    twice); returns how many rows changed."""
    pairs = [(int(old), int(new)) for old, new in renumbered.items() if int(old) != int(new)]
    if not pairs:
        return 0
    changed = 0
    with transaction(registry):  # through negative numbers: an old number may be another's new one
        for old, new in pairs:
            changed += registry.execute("update province_previews set filing_id = ? where filing_appid = ? "
                                        "and filing_id = ?", [-new, filing_appid, old]).rowcount
        registry.execute("update province_previews set filing_id = -filing_id where filing_appid = ? "
                         "and filing_id < 0", [filing_appid])
    return changed
