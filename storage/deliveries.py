"""What happened to everything the product sends: one row per (item, member) in
`deliveries`, one per service notice in `notices`, and the claims that make
each of them go out once.

A row moves through these statuses (bot/delivery/__init__.py says why):

    queued ─▶ claimed ─▶ sending ─▶ sent | uncertain | failed
      │          │  ▲        │
      │          │  └────────┘ (WeChat refused this channel: try the next)
      │          └──▶ inbox | unreachable | failed
      └──────────┴──▶ stopped (the secretariat stopped the send: never sent)

A notice kept (`inbox`) or `failed` is queued again when the member writes or someone retries it;
one no longer due by then (a dues reminder to a member who has paid since) is `withdrawn` instead.

`sending` lasts only while the HTTP request is out (marked after the access token
and the rate-limit turn, back to `claimed` after an attempt WeChat refused); an
`uncertain` row counts as unread in the member's inbox (IN_INBOX) until read.

`claimed` and `sending` carry the claiming job's token in `claim`; every
move out of them is conditional on that token, so a job that lost its claim
(its lease ran out and another job took the row over) changes nothing.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass

import redis
import sqlite_utils

from storage import state
from storage.database import all_rows, first_of, now_iso
from storage.news import WITHDRAWN
from storage.sqlite import transaction

log = logging.getLogger(__name__)

QUEUED, CLAIMED, SENDING = "queued", "claimed", "sending"
SENT, INBOX, UNREACHABLE, FAILED, UNCERTAIN = "sent", "inbox", "unreachable", "failed", "uncertain"
STOPPED = "stopped"
OPEN = (CLAIMED, SENDING)


@dataclass(frozen=True)
class Rows:
    """Some rows of one ledger table: `where` (with `params`) picks them out."""
    table: str
    where: str
    params: tuple

    def narrowed(self, where: str, params=()) -> "Rows":
        return Rows(self.table, f"({self.where}) and {where}", (*self.params, *params))


def item_rows(item_id: int, openids) -> Rows:
    openids = list(openids)
    return Rows("deliveries", f"item_id = ? and openid in ({_marks(openids)})", (item_id, *openids))


def notice_row(key: str) -> Rows:
    return Rows("notices", "key = ?", (key,))


def _marks(values) -> str:
    return ",".join("?" * len(values))


# --- claims: the same moves for deliveries and notices ----------------------------------------

def holders(db: sqlite_utils.Database, rows: Rows) -> set[str]:
    """Tokens of the jobs holding any of these rows (claimed or sending)."""
    sql = f"select distinct claim from {rows.table} where ({rows.where}) and status in ('claimed', 'sending')"
    return {claim for (claim,) in db.execute(sql, rows.params)}


def claim(db: sqlite_utils.Database, rows: Rows, token: str, dead: set[str]) -> list[dict]:
    """Take the queued rows, and those held by the `dead` tokens, for `token`; returns all now ours.

    A row taken over keeps its status: `claimed` is simply work not done yet,
    `sending` is a send whose outcome the dead job never recorded.
    """
    dead = list(dead)
    taken_over = f"status in ('claimed', 'sending') and claim in ({_marks(dead)})"
    with transaction(db):
        db.execute(f"update {rows.table} set status = 'claimed', claim = ?, updated_at = ? "
                   f"where ({rows.where}) and status = 'queued'", [token, now_iso(), *rows.params])
        if dead:  # updated_at stays: for a row `sending`, it says when the send went out
            db.execute(f"update {rows.table} set claim = ? where ({rows.where}) and {taken_over}",
                       [token, *rows.params, *dead])
        return [dict(row) for row in db.query(f"select * from {rows.table} where ({rows.where}) and claim = ?",
                                              [*rows.params, token])]


def begin_sending(db: sqlite_utils.Database, rows: Rows, token: str, channel: str,
                  send_ref: str | None = None, dry_run: bool = False, version: str | None = None) -> list[dict]:
    """Mark our claimed rows as on their way through `channel`, just before the call to WeChat
    (after its token and rate-limit waits), with what they carry (`version`, of an item's push).
    With dry_run, only say which rows are ours to send."""
    if dry_run:
        return [dict(row) for row in db.query(
            f"select * from {rows.table} where ({rows.where}) and status = 'claimed' and claim = ?",
            [*rows.params, token])]
    extra = ", send_ref = ?, version = ?" if rows.table == "deliveries" else ""
    sql = (f"update {rows.table} set status = 'sending', channel = ?, attempts = attempts + 1, "
           f"updated_at = ?{extra} where ({rows.where}) and status = 'claimed' and claim = ? returning *")
    params = [channel, now_iso(), *([send_ref, version] if extra else []), *rows.params, token]
    with transaction(db):
        return [dict(row) for row in db.query(sql, params)]


def settle(db: sqlite_utils.Database, rows: Rows, token: str, status: str, channel: str | None = None,
           errcode: int | None = None, errmsg: str | None = None, r: redis.Redis | None = None) -> int:
    """Record the outcome of rows we hold. `claimed` or `queued` gives them back (a retry or the
    next channel); `queued` also lets go of the claim. Returns how many rows were ours.

    The one statement that puts a delivery or a notice in a member's inbox (`inbox`, `uncertain`, and
    a notice `failed`, which notices_waiting gives back too): for those it needs Redis, `r`, to take
    down the members' "nothing waiting" marks once the rows are committed (storage.state.inbox_filled),
    or their next message would not find them."""
    fills_inbox = status in (INBOX, UNCERTAIN) or (status == FAILED and rows.table == "notices")
    if fills_inbox and r is None:
        raise ValueError(f"settling rows as {status!r} needs Redis for the members' inbox marks")
    changes = {"status": status, "errcode": errcode, "errmsg": errmsg, "updated_at": now_iso()}
    if channel is not None:
        changes["channel"] = channel
    if status == QUEUED:
        changes["claim"] = None
    sets = ", ".join(f"{column} = ?" for column in changes)
    with transaction(db):
        settled = db.execute(f"update {rows.table} set {sets} where ({rows.where}) and claim = ? "
                             "and status in ('claimed', 'sending') returning openid",
                             [*changes.values(), *rows.params, token]).fetchall()
    if fills_inbox and settled:
        try:
            state.inbox_filled(r, [openid for (openid,) in settled])
        except redis.RedisError:  # committed: the member hears of it once the mark lapses (state.INBOX_EMPTY_SECONDS)
            log.warning("could not take down the inbox marks of %d members", len(settled), exc_info=True)
    return len(settled)


def open_claims(db: sqlite_utils.Database, item_id: int | None = None) -> list[dict]:
    """Every claimed or sending row (of one item, or of all items and notices): recovery's worklist."""
    where, params = "status in ('claimed', 'sending')", []
    if item_id is not None:
        where, params = f"item_id = ? and {where}", [item_id]
    found = [dict(row, table="deliveries") for row in db.query(
        f"select item_id, openid, status, claim, send_ref from deliveries where {where}", params)]
    if item_id is None:
        found += [dict(row, table="notices") for row in db.query(
            "select key, openid, kind, text, status, claim from notices where status in ('claimed', 'sending')")]
    return found


# --- deliveries of newsletter items -----------------------------------------------------------

def queue_deliveries(db: sqlite_utils.Database, item_id: int, recipients) -> int:
    """One `queued` row per (item, openid); an existing row is left as it is. Returns rows added."""
    now = now_iso()
    with transaction(db):
        before = db.execute("select count(*) from deliveries where item_id = ?", [item_id]).fetchone()[0]
        db.conn.executemany(
            "insert or ignore into deliveries (item_id, openid, member_id, status, queued_at, updated_at) "
            "values (?, ?, ?, 'queued', ?, ?)",
            ((item_id, openid, member_id, now, now) for openid, member_id in recipients))
        after = db.execute("select count(*) from deliveries where item_id = ?", [item_id]).fetchone()[0]
    return after - before


def queued_openids(db: sqlite_utils.Database, item_id: int) -> list[str]:
    return [openid for (openid,) in db.execute(
        "select openid from deliveries where item_id = ? and status = 'queued' order by rowid", [item_id])]


def delivery_counts(db: sqlite_utils.Database, item_id: int) -> dict:
    """{"total": n, "status": {status: n}, "channel": {channel: n}} (channel of the rows sent)."""
    status = dict(db.execute("select status, count(*) from deliveries where item_id = ? group by status",
                             [item_id]).fetchall())
    channel = dict(db.execute("select channel, count(*) from deliveries where item_id = ? and status = 'sent' "
                              "group by channel", [item_id]).fetchall())
    return {"total": sum(status.values()), "status": status, "channel": channel}


def counts_of_items(db: sqlite_utils.Database, item_ids) -> dict[int, dict[str, int]]:
    """{item_id: {status: n}} for these items, in one query (the news list's progress column)."""
    item_ids = list(item_ids)
    found: dict[int, dict[str, int]] = {}
    for item_id, status, count in db.execute(
            f"select item_id, status, count(*) from deliveries where item_id in ({_marks(item_ids)}) "
            "group by item_id, status", item_ids):
        found.setdefault(item_id, {})[status] = count
    return found


def queued_by_error(db: sqlite_utils.Database, item_id: int) -> list[tuple[int | None, str | None, int]]:
    """The item's queued rows by the error that sent them back to the queue: (errcode, errmsg, count);
    (None, None, n) for those no attempt was made for yet."""
    return [tuple(row) for row in db.execute(
        "select errcode, errmsg, count(*) from deliveries where item_id = ? and status = 'queued' "
        "group by errcode, errmsg is null order by errcode", [item_id])]


def newsletter_for_delivery(db: sqlite_utils.Database, item_id: int) -> dict | None:
    """What a push of the item shows: title, summary, link, its kind (a resolution is marked so) and picture."""
    row = db.execute("select id, title, summary, link, kind, picture from newsletters where id = ?", [item_id]).fetchone()
    return dict(zip(("id", "title", "summary", "link", "kind", "picture"), row)) if row else None


def unreachable(db: sqlite_utils.Database, rows: Rows) -> set[str]:
    """The openids of these rows whose member has unfollowed the account."""
    return {openid for (openid,) in db.execute(
        f"select openid from {rows.table} where ({rows.where}) "
        "and openid in (select openid from members where reachable = 0)", rows.params)}


# What the member's inbox holds: items no channel took, and those whose push may not have arrived
# (`uncertain`): seeing one there after a push that did arrive is harmless, missing it is not.
IN_INBOX = "status in ('inbox', 'uncertain')"
# Waiting unread in the member's inbox: not an item withdrawn since (a sent one taken out of 会讯, bot/admin/news.py)
UNREAD = f"{IN_INBOX} and read_at is null and item_id not in (select id from newsletters where status = '{WITHDRAWN}')"


def unread_inbox(db: sqlite_utils.Database, openid: str) -> list[dict]:
    """Items that waited in the member's inbox and were not read yet, newest first."""
    return all_rows(db, f"select item_id, queued_at, updated_at from deliveries where openid = ? and {UNREAD} "
                        "order by item_id desc", [openid])


def count_unread_inbox(db: sqlite_utils.Database, openid: str) -> int:
    return db.execute(f"select count(*) from deliveries where openid = ? and {UNREAD}", [openid]).fetchone()[0]


def mark_inbox_read(db: sqlite_utils.Database, openid: str, item_ids) -> None:
    item_ids = list(item_ids)
    with transaction(db):
        db.execute(f"update deliveries set read_at = ? where openid = ? and {IN_INBOX} and read_at is null "
                   f"and item_id in ({_marks(item_ids)})", [now_iso(), openid, *item_ids])


def recipients_in(db: sqlite_utils.Database, item_id: int, status: str, failed_once: bool = False) -> list[dict]:
    """The members whose delivery of the item ended `status` (uncertain, failed), or is `status` (queued)
    after a failed try with `failed_once`: name, number, when, read, and WeChat's answer (errcode, errmsg)."""
    tried = " and (d.errcode is not null or d.errmsg is not null)" if failed_once else ""
    return [dict(row) for row in db.query(
        "select d.openid, d.updated_at, d.read_at, d.errcode, d.errmsg, m.name, m.member_no from deliveries d "
        f"left join members m on m.id = d.member_id where d.item_id = ? and d.status = ?{tried} "
        "order by d.updated_at", [item_id, status])]


def versions_sent(db: sqlite_utils.Database, item_id: int) -> dict[str, int]:
    """{version: n} of the item's pushes that went out (sent, or uncertain), by what they carried."""
    return dict(db.execute("select version, count(*) from deliveries where item_id = ? and version is not null "
                           "and status in ('sent', 'uncertain') group by version", [item_id]).fetchall())


def requeue_other_versions(db: sqlite_utils.Database, item_id: int, version: str) -> int:
    """Queue again the item's rows sent with another wording than `version` (pushed again, as it reads now)."""
    with transaction(db):
        return db.execute("update deliveries set status = 'queued', claim = null, errcode = null, errmsg = null, "
                          "updated_at = ? where item_id = ? and status = 'sent' and version is not null "
                          "and version != ?", [now_iso(), item_id, version]).rowcount


def stop_sending(db: sqlite_utils.Database, item_id: int) -> int:
    """The item's rows not sent yet (queued, or claimed by a job that has not begun their send) are never
    sent: `stopped`; a job holding one finds it no longer its own. Returns how many."""
    with transaction(db):
        return db.execute("update deliveries set status = 'stopped', claim = null, updated_at = ? "
                          "where item_id = ? and status in ('queued', 'claimed')", [now_iso(), item_id]).rowcount


def requeue(db: sqlite_utils.Database, item_id: int, status: str) -> int:
    """Queue the item's rows that ended `status` again (uncertain: the secretariat accepts that some get
    it twice; failed: tried again)."""
    with transaction(db):
        return db.execute("update deliveries set status = 'queued', claim = null, errcode = null, errmsg = null, "
                          "updated_at = ? where item_id = ? and status = ?",
                          [now_iso(), item_id, status]).rowcount


# --- service notices ------------------------------------------------------------------------------

def claim_notice(db: sqlite_utils.Database, key: str, openid: str, kind: str, text: str, token: str,
                 dead: set[str], retry: bool = False) -> dict | None:
    """Store the notice the first time (claimed by us) or claim it as `claim` does; None if not ours.
    `retry`: the job of a failed or waiting notice sent again, queued before the notice was marked queued
    (requeue_notice), which it may not have been yet, or ever, if the process died in between."""
    now = now_iso()
    with transaction(db):
        if retry:
            _waiting_to_queued(db, key)
        db.execute("insert or ignore into notices (key, openid, kind, text, status, claim, created_at, updated_at) "
                   "values (?, ?, ?, ?, 'claimed', ?, ?, ?)", [key, openid, kind, text, token, now, now])
        [row] = claim(db, notice_row(key), token, dead) or [None]
    return row


def keep_notice(db: sqlite_utils.Database, key: str, openid: str, kind: str, text: str) -> None:
    """A notice no queue could take (Redis away), kept in the member's inbox: notices_waiting
    gives it back when they next write."""
    now = now_iso()
    with transaction(db):
        db.execute("insert or ignore into notices (key, openid, kind, text, status, created_at, updated_at) "
                   "values (?, ?, ?, ?, 'inbox', ?, ?)", [key, openid, kind, text, now, now])


def notices_waiting(db: sqlite_utils.Database, openid: str) -> list[dict]:
    """The member's notices that found no channel or failed (key, openid, kind, text): they write now, so
    the window is open. Each is queued and then marked queued (requeue_notice), so another message finds
    it no more; read only here, so that a queue away in between leaves it waiting, not queued in none.

    Nearly every message finds none: a read, so a message takes no write lock for nothing."""
    return [dict(row) for row in db.query(
        f"select key, openid, kind, text from notices where openid = ? and {_WAITING}", [openid])]


def notices_in(db: sqlite_utils.Database, status: str, limit: int) -> list[dict]:
    """Service notices (approval, reply, reminder ...) that ended `status` (failed, uncertain), newest first:
    the member's name and number (an applicant's, by their latest application: name and application number),
    the notice's kind and text, WeChat's answer or the error (errcode, errmsg) and when."""
    latest = "(select {} from applications a where a.openid = n.openid order by a.id desc limit 1)"
    name, number = latest.format("json_extract(a.data, '$.name')"), latest.format("a.app_no")
    return [dict(row) for row in db.query(
        "select n.key, n.openid, n.kind, n.text, n.errcode, n.errmsg, n.updated_at, "
        f"coalesce(m.name, {name}) as name, coalesce(m.member_no, {number}) as member_no "
        "from notices n left join members m on m.openid = n.openid where n.status = ? "
        "order by n.updated_at desc, n.id desc limit ?", [status, limit])]


def failed_notices_of(db: sqlite_utils.Database, key: str | None = None) -> list[dict]:
    """Every failed notice (or the one of `key`): key, openid, kind, text, to be sent again."""
    return [dict(row) for row in db.query("select key, openid, kind, text from notices "
                                          "where status = 'failed' and (? is null or key = ?)", [key, key])]


def requeue_notice(db: sqlite_utils.Database, key: str) -> None:
    """A failed notice, or one waiting in the inbox, put in the queue again: queued (no longer listed
    failed, nor found waiting), unless its job has taken it already (claim_notice's `retry`)."""
    with transaction(db):
        _waiting_to_queued(db, key)


_WAITING = "status in ('inbox', 'failed')"  # a notice that found no channel, or failed: sent again when asked


def _waiting_to_queued(db: sqlite_utils.Database, key: str) -> None:
    db.execute("update notices set status = 'queued', claim = null, errcode = null, errmsg = null, updated_at = ? "
               f"where key = ? and {_WAITING}", [now_iso(), key])


def restate_notice(db: sqlite_utils.Database, key: str, text: str | None) -> None:
    """A queued notice read again before it is sent: what it says now, or withdrawn (`text` None: no
    longer due, as a dues reminder to a member who has paid since)."""
    change = "status = 'withdrawn'" if text is None else "text = ?"
    with transaction(db):
        db.execute(f"update notices set {change}, updated_at = ? where key = ? and status in ('queued', 'inbox', 'failed')",
                   [*([] if text is None else [text]), now_iso(), key])


def notices_keyed(db: sqlite_utils.Database, prefix: str) -> list[dict]:
    """The notices whose key starts with `prefix` (a ticket's: "ticket:<ticket_no>:"), oldest first."""
    return [dict(row) for row in db.query(
        "select key, kind, status, channel, errcode, errmsg, created_at, updated_at from notices "
        "where substr(key, 1, ?) = ? order by id", [len(prefix), prefix])]


def find_notice(db: sqlite_utils.Database, key: str) -> dict | None:
    return first_of(db["notices"].rows_where("key = ?", [key], limit=1))
