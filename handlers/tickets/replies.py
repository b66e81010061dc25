"""Answering and closing a ticket: recorded first, then told to the member as a service notice.

`python -m bot tickets reply|close` and the console's inbox both come here, so
what the member is told is worded the same and always on record. Should the
queue be down, NoticeNotSent carries the ticket (its change is kept) and the error.
"""
from __future__ import annotations

import uuid
from typing import Callable

import redis

from bot import content, delivery
from storage import tickets as store
from storage.members import Refused
from storage.sqlite import transaction

# WeChat delivers a text message of at most 2,048 bytes (a Chinese character is 3): an answer of this
# many characters, with the notice's own words around it, still arrives whole, in the notice and in 我的诉求.
ANSWER_CHARS = 600


class NoticeNotSent(Exception):
    """The answer or closing is recorded but the notice could not be queued."""

    def __init__(self, ticket: dict, error: redis.RedisError):
        super().__init__(str(error))
        self.ticket, self.error = ticket, error


def notice_key(ticket_no: str) -> str:
    """What the keys of a ticket's notices start with: delivery.notices_told says whether they arrived."""
    return f"ticket:{ticket_no}:"


def told(db, ticket_no: str) -> list[dict]:
    """Whether each notice of the ticket (an answer, the closing) reached the member (delivery.notices_told)."""
    return delivery.notices_told(db, notice_key(ticket_no))


def _tell(r: redis.Redis, ticket: dict, text: str) -> tuple[dict, str]:
    try:
        return ticket, delivery.notify(r, ticket["openid"], text, kind="ticket",
                                       key=notice_key(ticket["ticket_no"]) + uuid.uuid4().hex)
    except redis.RedisError as error:
        raise NoticeNotSent(ticket, error) from None


def reply(db, r: redis.Redis, ticket_no: str, text: str, actor: str) -> tuple[dict, str]:
    """Answer a ticket; returns it and the notice's job id. The store refuses a closed one; an answer
    longer than ANSWER_CHARS is refused before anything is recorded."""
    _short_enough(ticket_no, text)
    ticket = store.reply_to_ticket(db, ticket_no, text, actor)
    return _tell(r, ticket, content.text("tickets.notice.reply", ticket_no=ticket["ticket_no"], text=text))


def close(db, r: redis.Redis, ticket_no: str, actor: str, reason: str | None,
          along: Callable[[dict], None] | None = None) -> tuple[dict, str]:
    """Close a ticket; the member is told, with the reason when given (at most ANSWER_CHARS). `along(ticket)`
    records what the closing decided (an invoice issued) in the same transaction, before the member is told."""
    _short_enough(ticket_no, reason or "")
    with transaction(db):
        ticket = store.close_ticket(db, ticket_no, actor, reason)
        if along:
            along(ticket)
    return _tell(r, ticket, content.text("tickets.notice.closed", ticket_no=ticket["ticket_no"],
                                         reason=reason or content.text("tickets.no_reason")))


def _short_enough(ticket_no: str, text: str) -> None:
    if len(text) > ANSWER_CHARS:
        raise Refused("answer_too_long", ticket_no=ticket_no, chars=len(text), limit=ANSWER_CHARS)
