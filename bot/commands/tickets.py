"""`python -m bot tickets list|show|reply|close`: the secretariat's one inbox of members' demands.

Feedback (建议 / 投诉 / 求助 / 其他) and requests for a person (人工) are all
tickets (storage/tickets.py). An answer or a closing is recorded first and
then sent to the member as a service notice through bot/delivery.notify, so
what the member was told is always on record; should the queue be down, the
secretariat is told the answer is recorded but not sent.
"""
from __future__ import annotations

import click

from bot import clock, content
from handlers.tickets import replies as ticket_replies
from bot.commands.common import help_texts, json_option, load_settings, open_store, shown
from bot.commands.members import NotDone, actor_option
from bot.commands.records import refusals
from storage import tickets as store
from storage.members import find_member_by_openid
from storage.state import connect_redis

_help = help_texts("tickets_cli")

STATUS_CHOICES = ("active", "all", *store.STATUSES)  # active: open and replied, what still needs work


def _text(key: str, **fields) -> str:
    return content.text(f"tickets_cli.{key}", **fields)


def _status(code: str) -> str:
    return content.text(f"tickets.status.{code}")


def _who(ticket: dict) -> str:
    if ticket.get("member_name"):
        return _text("member", name=ticket["member_name"], member_no=ticket["member_no"])
    return _text("follower", openid=ticket["openid"][-6:])


@click.group()
def tickets():
    """诉求工单：意见建议、投诉、求助和人工服务。"""


@tickets.command(name="list")
@click.option("--status", type=click.Choice(STATUS_CHOICES), default="active", show_default=True,
              help=_help("list.status"))
@click.option("--category", help=_help("list.category"))
@json_option
def list_tickets(status, category):
    """待处理的会员诉求，早的在前。"""
    db = open_store()
    statuses = {"active": (store.OPEN, store.REPLIED), "all": store.STATUSES}.get(status, (status,))
    rows = [dict(t, who=_who(t)) for t in store.list_tickets(db, statuses, category)]
    data = {"tickets": rows, "counts": store.count_tickets(db)}

    def human(d):
        for t in d["tickets"]:
            click.echo(_text("list_line", **dict(t, date=clock.day_shown(t["created_at"]), status=_status(t["status"]))))
        counts = {code: d["counts"].get(code, 0) for code in store.STATUSES}
        click.echo(_text("list_total", count=len(d["tickets"]), **counts))

    return data, human


@tickets.command()
@click.argument("ticket_no")
@json_option
@refusals("tickets_cli")
def show(ticket_no):
    """一条诉求的会员、答复（及是否已送到会员手里）和处理经过。"""
    db = open_store()
    ticket = store.require_ticket(db, ticket_no)
    member = find_member_by_openid(db, ticket["openid"]) or {}
    data = dict(ticket, member_name=member.get("name"), member_no=member.get("member_no"),
                replies=store.replies_to(db, ticket["id"]), told=ticket_replies.told(db, ticket["ticket_no"]),
                history=store.ticket_history(db, ticket["id"]))

    def human(d):
        click.echo(_text("show", **dict(shown(d), status=_status(d["status"]), who=_who(d))))
        for reply in d["replies"]:
            click.echo(_text("show_reply", **shown(reply)))
        for notice in d["told"]:
            click.echo(_text("show_told", at=clock.shown(notice["created_at"]), said=notice["said"]))
        for change in d["history"]:
            click.echo(_text("show_change", **dict(shown(change), status=_status(change["action"]),
                                                    reason=change["reason"] or "")))

    return data, human


def _connected():
    return connect_redis(load_settings())


def _told(change) -> dict:
    """Run a reply or closing; if the queue is down the change stays recorded and the secretariat is told."""
    try:
        ticket, job = change()
    except ticket_replies.NoticeNotSent as failed:
        raise NotDone(_text("notify_failed", ticket_no=failed.ticket["ticket_no"], error=failed.error)) from None
    return {"ticket_no": ticket["ticket_no"], "status": ticket["status"], "job": job}


@tickets.command()
@click.argument("ticket_no")
@click.argument("text")
@actor_option
@json_option
@refusals("tickets_cli")
def reply(ticket_no, text, actor):
    """答复一条诉求；答复以服务通知发给会员。"""
    data = _told(lambda: ticket_replies.reply(open_store(), _connected(), ticket_no, text.strip(), actor))
    return data, lambda d: click.echo(_text("replied", **d))


@tickets.command()
@click.argument("ticket_no")
@click.option("--reason", help=_help("close.reason"))
@actor_option
@json_option
@refusals("tickets_cli")
def close(ticket_no, reason, actor):
    """关闭一条诉求；会告知会员（写了原因的一并告知）。"""
    data = _told(lambda: ticket_replies.close(open_store(), _connected(), ticket_no, actor, reason))
    return data, lambda d: click.echo(_text("closed", **d))
