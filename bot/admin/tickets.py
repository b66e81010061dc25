"""Tickets: the inbox of members' demands (searched by number, content, or the member's name, number or
mobile), one ticket with its answers and the member's other tickets, replying, closing, handing over to a
colleague and reopening.

Replying and closing are handlers.tickets.replies' (as `python -m bot tickets
reply|close`): recorded first, then sent to the member as a service notice
through delivery.notify; should the queue be down the secretariat is told
the answer is recorded but not sent.
"""
from __future__ import annotations

import json

from flask import Blueprint, redirect, request, url_for

from bot import clock, content
from handlers.fees import invoices
from handlers.tickets import replies as ticket_replies
from bot.admin.accounts import OFFICE
from bot.admin.ui import (actor, actor_text, by_ending, current_page, db, or_404, past_the_end, redis_client,
                          render, say_done, say_not_done, searched, sees_mobiles, t)
from bot.privacy import mask_personal
from storage import admin as accounts_store
from storage import tickets as store
from storage.members import Refused, find_member_by_openid

bp = Blueprint("tickets", __name__, url_prefix="/tickets")

VIEWS = {"active": (store.OPEN, store.REPLIED), "closed": (store.CLOSED,), "all": store.STATUSES}


@bp.get("/")
def index():
    """One page of a view: the open queue oldest first (first come, first served), closed and all
    tickets newest first; `q` narrows it to the tickets found by it."""
    view = request.args.get("view", "active")
    if view not in VIEWS:
        view = "active"
    text = searched(request.args.get("q", ""))
    pager = current_page()
    pager.total = 0 if text is None else store.count_matching(db(), VIEWS[view], text, by_ending())
    if last := past_the_end(pager):
        return last
    tickets = [] if text is None else store.list_tickets(
        db(), VIEWS[view], offset=pager.offset, limit=pager.per_page, newest_first=view != "active", text=text,
        by_ending=by_ending())
    if not sees_mobiles():  # a mobile the member wrote, masked for a read-only user
        tickets = [dict(ticket, body=mask_personal(ticket["body"] or "")) for ticket in tickets]
    return render("tickets.html", tickets=tickets, view=view, views=VIEWS, pager=pager,
                  q=request.args.get("q", "").strip())


@bp.get("/<ticket_no>")
def show(ticket_no: str):
    return _ticket_page(ticket_no)


def _ticket_page(ticket_no: str, typed: str = ""):
    """The ticket; `typed` is a reply that was not sent, shown again to send or copy. A read-only user reads
    the member's mobile, and any the member, an answer or a reason for closing or handing over wrote, masked."""
    ticket = or_404(store.find_ticket(db(), ticket_no))
    member = find_member_by_openid(db(), ticket["openid"])
    replies = store.replies_to(db(), ticket["id"])
    others = [other for other in store.list_tickets_of_member(db(), ticket["openid"]) if other["id"] != ticket["id"]]
    changes = [dict(change, to=json.loads(change["detail"] or "{}").get("assigned_to", [None, None])[1])
               for change in store.ticket_history(db(), ticket["id"])
               if change["action"] in (store.HANDED_OVER, store.REOPENED, store.CLOSED)]
    closing = store.closing(db(), ticket)
    if not sees_mobiles():
        ticket = dict(ticket, body=mask_personal(ticket["body"] or ""))
        member = member and dict(member, mobile=mask_personal(member["mobile"] or "") or None)
        replies = [dict(reply, text=mask_personal(reply["text"] or "")) for reply in replies]
        closing = closing and dict(closing, reason=mask_personal(closing["reason"] or "") or None)
        changes = [dict(change, reason=mask_personal(change["reason"] or "") or None) for change in changes]
    return render("ticket.html", ticket=ticket, member=member, replies=replies, typed=typed,
                  told=ticket_replies.told(db(), ticket["ticket_no"]),
                  answer_chars=ticket_replies.ANSWER_CHARS, closing=closing, others=others,
                  changes=changes, colleagues=_colleagues(), invoice_category=invoices.category())


def _colleagues() -> list[str]:
    """The secretariat's active users, whom a ticket may be handed over to."""
    return [u["username"] for u in accounts_store.list_users(db()) if u["role"] in OFFICE and u["active"]]


def _act(ticket_no: str, change, done: str, **said):
    """Run a reply or closing and say what came of it; a refused one (closed meanwhile by a colleague)
    is the page itself with the typed text kept (not in a redirect's address: the browser's history)."""
    or_404(store.find_ticket(db(), ticket_no))
    try:
        ticket, _ = change()
    except Refused as refused:
        facts = clock.with_times_shown(refused.facts)
        if "closed_by" in facts:
            facts["closed_by"] = actor_text(facts["closed_by"])
        say_not_done(content.text(f"tickets_cli.refused.{refused.reason}", **facts))
        return _ticket_page(ticket_no, request.form.get("text", "")), 400
    except ticket_replies.NoticeNotSent as failed:
        say_not_done(content.text("tickets_cli.notify_failed", ticket_no=failed.ticket["ticket_no"],
                                  error=failed.error))
        return redirect(url_for(".show", ticket_no=ticket_no))
    say_done(done, ticket_no=ticket["ticket_no"], **said)
    return redirect(url_for(".show", ticket_no=ticket["ticket_no"]))


def _refused(ticket_no: str, said: str):
    """A form sent without what it needs: the ticket's page again, saying what is missing (400)."""
    say_not_done(t(said))
    return _ticket_page(ticket_no), 400


@bp.post("/<ticket_no>/reply")
def reply(ticket_no: str):
    text = request.form.get("text", "").strip()
    if not text:
        return _refused(ticket_no, "tickets.text_needed")
    return _act(ticket_no, lambda: ticket_replies.reply(db(), redis_client(), ticket_no, text, actor()),
                "tickets.replied")


@bp.post("/<ticket_no>/close")
def close(ticket_no: str):
    reason = request.form.get("reason", "").strip() or None
    return _act(ticket_no, lambda: ticket_replies.close(db(), redis_client(), ticket_no, actor(), reason),
                "tickets.closed")


@bp.post("/<ticket_no>/hand-over")
def hand_over(ticket_no: str):
    """Give the ticket to a colleague to handle, with an optional note; shown on the list and the ticket."""
    to = request.form.get("to", "").strip()
    if to not in _colleagues():
        return _refused(ticket_no, "tickets.colleague_needed")
    note = request.form.get("reason", "").strip() or None
    return _act(ticket_no, lambda: (store.hand_over(db(), ticket_no, to, actor(), note), None),
                "tickets.handed_over", to=to)


@bp.post("/<ticket_no>/reopen")
def reopen(ticket_no: str):
    """Take a closed ticket up again (the member wrote that it is not settled); the reason is required."""
    reason = request.form.get("reason", "").strip()
    if not reason:
        return _refused(ticket_no, "tickets.reopen_reason_needed")
    return _act(ticket_no, lambda: (store.reopen_ticket(db(), ticket_no, actor(), reason), None),
                "tickets.reopened")
