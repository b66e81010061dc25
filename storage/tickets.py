"""Members' demands (诉求): one queue of tickets for the secretariat.

A ticket comes from the feedback flow (category 建议 / 投诉 / 求助 / 其他) or
from a member asking for a person (category 人工), so the secretariat works
one inbox. Its status is `open` until the secretariat answers, `replied`
after an answer, `closed` when done. Answers are rows of `ticket_replies`;
closing (with its reason) is a `history` row, like every other status change
in the store, so a ticket tells who did what and when, and nothing is deleted.
"""
from __future__ import annotations

import sqlite_utils

from storage import numbers
from storage.database import first_of, first_row, insert_row, now_iso
from storage.members import Refused, containing, history_of, number_or_mobile_ending, record_history
from storage.sqlite import transaction

OPEN, REPLIED, CLOSED = "open", "replied", "closed"
STATUSES = (OPEN, REPLIED, CLOSED)
HUMAN = "人工"
HANDED_OVER, REOPENED = "handed_over", "reopened"  # history actions beside the statuses


def create_ticket(db: sqlite_utils.Database, openid: str, category: str, body: str) -> str:
    """Store a member's message as a ticket and return its number (FK + date + id)."""
    created_at = now_iso()
    with transaction(db):
        row_id = numbers.next_row_id(db, "tickets")  # never a number issued before a restore
        ticket_no = f"FK{created_at[:10].replace('-', '')}{row_id:04d}"
        insert_row(db, "tickets", {"id": row_id, "ticket_no": ticket_no, "openid": openid, "category": category,
                                   "body": body, "status": OPEN, "created_at": created_at, "updated_at": created_at})
    return ticket_no


def open_human_ticket(db: sqlite_utils.Database, openid: str, message: str) -> str:
    """Put the member on the secretariat's queue as a 人工 ticket, once while one is open."""
    with transaction(db):
        waiting = waiting_human_ticket(db, openid)
        return waiting["ticket_no"] if waiting else create_ticket(db, openid, HUMAN, message)


def waiting_human_ticket(db: sqlite_utils.Database, openid: str) -> dict | None:
    """The member's open request for a person, if any. Read through the member's own tickets (the
    `+` keeps SQLite from the status-and-category index, which would walk every open request for a
    person: 730-980 us with 3,000 of them, 42-50 by the member's)."""
    return first_row(db, "select * from tickets where openid = ? and +category = ? and +status = ? limit 1",
                     [openid, HUMAN, OPEN])


def latest_open_ticket(db: sqlite_utils.Database, openid: str) -> dict | None:
    """The member's most recent ticket still being handled (open or answered, not closed)."""
    return first_row(db, "select * from tickets where openid = ? and status != ? order by id desc limit 1",
                     [openid, CLOSED])


def add_to_ticket(db: sqlite_utils.Database, ticket_no: str, line: str) -> None:
    """Append what the member sent later (a second message, a picture's address) to the ticket."""
    db.execute("update tickets set body = body || char(10) || ?, updated_at = ? where ticket_no = ?",
               [line, now_iso(), ticket_no])


def find_ticket(db: sqlite_utils.Database, ticket_no: str) -> dict | None:
    return first_of(db["tickets"].rows_where("ticket_no = ?", [ticket_no.strip().upper()], limit=1))


def require_ticket(db: sqlite_utils.Database, ticket_no: str) -> dict:
    ticket = find_ticket(db, ticket_no)
    if ticket is None:
        raise Refused("no_ticket", ticket_no=ticket_no)
    return ticket


def list_tickets_of_member(db: sqlite_utils.Database, openid: str, offset: int = 0,
                           limit: int | None = None) -> list[dict]:
    """The member's tickets, newest first."""
    return list(db["tickets"].rows_where("openid = ?", [openid], order_by="id desc", offset=offset, limit=limit))


def ticket_of_member(db: sqlite_utils.Database, openid: str, ticket_id: int) -> dict | None:
    return first_row(db, "select * from tickets where id = ? and openid = ? limit 1", [ticket_id, openid])


def list_tickets(db: sqlite_utils.Database, statuses=(OPEN, REPLIED), category: str | None = None,
                 offset: int = 0, limit: int | None = None, newest_first: bool = False,
                 text: str | None = None, by_ending: bool = False) -> list[dict]:
    """The queue, oldest first (first come, first served), with the member's name when bound; a page
    of it with `offset` and `limit`; `newest_first` for looking back (closed tickets); `text`: only those
    whose number or content, or whose member's name, number or mobile, contains it (_matching)."""
    where, params = _matching(statuses, category, text, by_ending)
    page = f" limit {int(limit)} offset {int(offset)}" if limit is not None else ""
    return list(db.query(
        "select t.*, m.name as member_name, m.member_no from tickets t "
        f"left join members m on m.openid = t.openid where {where} "
        f"order by t.id{' desc' if newest_first else ''}{page}", params))


def count_matching(db: sqlite_utils.Database, statuses=(OPEN, REPLIED), text: str | None = None,
                   by_ending: bool = False) -> int:
    """How many tickets list_tickets would list in all its pages."""
    where, params = _matching(statuses, None, text, by_ending)
    return db.execute(f"select count(*) from tickets t left join members m on m.openid = t.openid where {where}",
                      params).fetchone()[0]


def _matching(statuses, category: str | None, text: str | None, by_ending: bool = False) -> tuple[str, list]:
    """The condition of list_tickets and count_matching; a name is compared without spaces, as members'.
    `by_ending`: digits alone find a ticket or member number containing them or a mobile ending in them, not
    the content (for a reader of masked mobiles: storage.members.member_search)."""
    where = [f"t.status in ({','.join('?' * len(statuses))})"]
    params = list(statuses)
    if category:
        where.append("t.category = ?")
        params.append(category)
    if by_ending and text and text.strip().isdigit():
        condition, values = number_or_mobile_ending(text, ("t.ticket_no", "m.member_no"), "m.mobile")
        where.append(condition)
        params += values
    elif text and text.strip():
        like, name_like = containing(text.strip()), containing("".join(text.split()))
        where.append("(t.ticket_no like ? escape '\\' or t.body like ? escape '\\' or m.member_no like ? escape '\\' "
                     "or replace(m.name, ' ', '') like ? escape '\\' or m.mobile like ? escape '\\')")
        params += [like, like, like, name_like, like]
    return " and ".join(where), params


def count_tickets(db: sqlite_utils.Database) -> dict[str, int]:
    """Tickets per status."""
    return {status: count for status, count in db.execute("select status, count(*) from tickets group by status")}


def replies_to(db: sqlite_utils.Database, ticket_id: int) -> list[dict]:
    return list(db["ticket_replies"].rows_where("ticket_id = ?", [ticket_id], order_by="id"))


def ticket_history(db: sqlite_utils.Database, ticket_id: int) -> list[dict]:
    return history_of(db, "ticket", ticket_id)


def closing(db: sqlite_utils.Database, ticket: dict) -> dict | None:
    """Who closed the ticket, when and why (its last closing in the history), while it is closed."""
    if ticket["status"] != CLOSED:
        return None
    return first_row(db, "select actor, at, reason from history where subject = 'ticket' and subject_id = ? "
                         "and action = ? order by id desc limit 1", [ticket["id"], CLOSED])


def _still_open(db: sqlite_utils.Database, ticket_no: str) -> dict:
    ticket = require_ticket(db, ticket_no)
    if ticket["status"] == CLOSED:
        closed = closing(db, ticket)
        if not closed or not closed["actor"]:  # closed before closings were kept in the history
            raise Refused("ticket_closed_by_nobody_known", ticket_no=ticket["ticket_no"], closed_at=ticket["closed_at"])
        raise Refused("ticket_closed", ticket_no=ticket["ticket_no"], closed_at=ticket["closed_at"],
                      closed_by=closed["actor"])
    return ticket


def reply_to_ticket(db: sqlite_utils.Database, ticket_no: str, text: str, actor: str) -> dict:
    """Record the secretariat's answer and mark the ticket replied; returns the ticket as it is now."""
    now = now_iso()
    with transaction(db):
        ticket = _still_open(db, ticket_no)
        db["ticket_replies"].insert({"ticket_id": ticket["id"], "text": text, "actor": actor, "at": now})
        db["tickets"].update(ticket["id"], {"status": REPLIED, "updated_at": now})
        if ticket["status"] != REPLIED:
            record_history(db, "ticket", ticket["id"], REPLIED, actor)
        return db["tickets"].get(ticket["id"])


def close_ticket(db: sqlite_utils.Database, ticket_no: str, actor: str, reason: str | None) -> dict:
    """Close the ticket with why; returns it as it is now."""
    now = now_iso()
    with transaction(db):
        ticket = _still_open(db, ticket_no)
        db["tickets"].update(ticket["id"], {"status": CLOSED, "updated_at": now, "closed_at": now,
                                            "close_reason": reason})
        record_history(db, "ticket", ticket["id"], CLOSED, actor, reason)
        return db["tickets"].get(ticket["id"])


def hand_over(db: sqlite_utils.Database, ticket_no: str, to: str, actor: str, note: str | None) -> dict:
    """Give the ticket to a colleague (`to`: a console username) to handle, with a note for them; returns it
    as it is now. A closed ticket is refused (reopen it first)."""
    with transaction(db):
        ticket = _still_open(db, ticket_no)
        db["tickets"].update(ticket["id"], {"assigned_to": to, "updated_at": now_iso()})
        record_history(db, "ticket", ticket["id"], HANDED_OVER, actor, note,
                       {"assigned_to": [ticket["assigned_to"], to]})
        return db["tickets"].get(ticket["id"])


def reopen_ticket(db: sqlite_utils.Database, ticket_no: str, actor: str, reason: str) -> dict:
    """Take a closed ticket up again, with why: answered before, it is `replied`, else `open`."""
    with transaction(db):
        ticket = require_ticket(db, ticket_no)
        if ticket["status"] != CLOSED:
            raise Refused("ticket_not_closed", ticket_no=ticket["ticket_no"])
        status = REPLIED if db["ticket_replies"].count_where("ticket_id = ?", [ticket["id"]]) else OPEN
        db["tickets"].update(ticket["id"], {"status": status, "updated_at": now_iso(), "closed_at": None,
                                            "close_reason": None})
        record_history(db, "ticket", ticket["id"], REOPENED, actor, reason)
        return db["tickets"].get(ticket["id"])
