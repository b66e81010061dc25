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
from storage.members import Refused, history_of, record_history
from storage.sqlite import transaction

OPEN, REPLIED, CLOSED = "open", "replied", "closed"
STATUSES = (OPEN, REPLIED, CLOSED)
HUMAN = "人工"


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
                 offset: int = 0, limit: int | None = None, newest_first: bool = False) -> list[dict]:
    """The queue, oldest first (first come, first served), with the member's name when bound; a page
    of it with `offset` and `limit`; `newest_first` for looking back (closed tickets)."""
    where = [f"t.status in ({','.join('?' * len(statuses))})"]
    params = list(statuses)
    if category:
        where.append("t.category = ?")
        params.append(category)
    page = f" limit {int(limit)} offset {int(offset)}" if limit is not None else ""
    return list(db.query(
        "select t.*, m.name as member_name, m.member_no from tickets t "
        f"left join members m on m.openid = t.openid where {' and '.join(where)} "
        f"order by t.id{' desc' if newest_first else ''}{page}", params))


def count_tickets(db: sqlite_utils.Database) -> dict[str, int]:
    """Tickets per status."""
    return {status: count for status, count in db.execute("select status, count(*) from tickets group by status")}


def replies_to(db: sqlite_utils.Database, ticket_id: int) -> list[dict]:
    return list(db["ticket_replies"].rows_where("ticket_id = ?", [ticket_id], order_by="id"))


def ticket_history(db: sqlite_utils.Database, ticket_id: int) -> list[dict]:
    return history_of(db, "ticket", ticket_id)


def _still_open(db: sqlite_utils.Database, ticket_no: str) -> dict:
    ticket = require_ticket(db, ticket_no)
    if ticket["status"] == CLOSED:
        raise Refused("ticket_closed", ticket_no=ticket["ticket_no"], closed_at=ticket["closed_at"])
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
