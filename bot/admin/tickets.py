"""Tickets: the inbox of members' demands, one ticket with its answers, replying and closing.

Replying and closing are handlers.tickets.replies' (as `python -m bot tickets
reply|close`): recorded first, then sent to the member as a service notice
through delivery.notify; should the queue be down the secretariat is told
the answer is recorded but not sent.
"""
from __future__ import annotations

from flask import Blueprint, redirect, request, url_for

from bot import clock, content
from handlers.tickets import replies as ticket_replies
from bot.admin.ui import (actor, current_page, db, or_404, past_the_end, redis_client, render, say_done,
                          say_not_done, sees_mobiles, t)
from bot.privacy import mask_personal
from storage import tickets as store
from storage.members import Refused, find_member_by_openid

bp = Blueprint("tickets", __name__, url_prefix="/tickets")

VIEWS = {"active": (store.OPEN, store.REPLIED), "closed": (store.CLOSED,), "all": store.STATUSES}


@bp.get("/")
def index():
    """One page of a view: the open queue oldest first (first come, first served), closed and all
    tickets newest first."""
    view = request.args.get("view", "active")
    if view not in VIEWS:
        view = "active"
    pager = current_page()
    counts = store.count_tickets(db())
    pager.total = sum(counts.get(status, 0) for status in VIEWS[view])
    if last := past_the_end(pager):
        return last
    tickets = store.list_tickets(db(), VIEWS[view], offset=pager.offset, limit=pager.per_page,
                                 newest_first=view != "active")
    if not sees_mobiles():  # a mobile the member wrote, masked for a read-only user
        tickets = [dict(ticket, body=mask_personal(ticket["body"] or "")) for ticket in tickets]
    return render("tickets.html", tickets=tickets, view=view, views=VIEWS, pager=pager)


@bp.get("/<ticket_no>")
def show(ticket_no: str):
    return _ticket_page(ticket_no)


def _ticket_page(ticket_no: str, typed: str = ""):
    """The ticket; `typed` is a reply that was not sent, shown again to send or copy. A read-only user reads
    the member's mobile, and any the member or an answer wrote, masked."""
    ticket = or_404(store.find_ticket(db(), ticket_no))
    member = find_member_by_openid(db(), ticket["openid"])
    replies = store.replies_to(db(), ticket["id"])
    if not sees_mobiles():
        ticket = dict(ticket, body=mask_personal(ticket["body"] or ""))
        member = member and dict(member, mobile=mask_personal(member["mobile"] or "") or None)
        replies = [dict(reply, text=mask_personal(reply["text"] or "")) for reply in replies]
    return render("ticket.html", ticket=ticket, member=member, replies=replies, typed=typed,
                  told=ticket_replies.told(db(), ticket["ticket_no"]),
                  answer_chars=ticket_replies.ANSWER_CHARS)


def _act(ticket_no: str, change, done: str):
    """Run a reply or closing and say what came of it; a refused one (closed meanwhile by a colleague)
    is the page itself with the typed text kept (not in a redirect's address: the browser's history)."""
    or_404(store.find_ticket(db(), ticket_no))
    try:
        ticket, _ = change()
    except Refused as refused:
        say_not_done(content.text(f"tickets_cli.refused.{refused.reason}", **clock.with_times_shown(refused.facts)))
        return _ticket_page(ticket_no, request.form.get("text", "")), 400
    except ticket_replies.NoticeNotSent as failed:
        say_not_done(content.text("tickets_cli.notify_failed", ticket_no=failed.ticket["ticket_no"],
                                  error=failed.error))
        return redirect(url_for(".show", ticket_no=ticket_no))
    say_done(done, ticket_no=ticket["ticket_no"])
    return redirect(url_for(".show", ticket_no=ticket["ticket_no"]))


@bp.post("/<ticket_no>/reply")
def reply(ticket_no: str):
    text = request.form.get("text", "").strip()
    if not text:
        say_not_done(t("tickets.text_needed"))
        return _ticket_page(ticket_no), 400
    return _act(ticket_no, lambda: ticket_replies.reply(db(), redis_client(), ticket_no, text, actor()),
                "tickets.replied")


@bp.post("/<ticket_no>/close")
def close(ticket_no: str):
    reason = request.form.get("reason", "").strip() or None
    return _act(ticket_no, lambda: ticket_replies.close(db(), redis_client(), ticket_no, actor(), reason),
                "tickets.closed")
