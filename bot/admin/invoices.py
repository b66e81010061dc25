"""开票: the invoice requests members made in chat, each with the payments it is for (named in the request, or
picked by the secretary among the member's, or typed by receipt number), marked issued (invoice number and
date) or turned down with a reason. The rules and the member's notice are handlers.fees.invoices'."""
from __future__ import annotations

from datetime import date

from flask import Blueprint, redirect, request, url_for

from bot import clock, content
from handlers.fees import dues
from handlers.fees import invoices
from handlers.tickets.replies import NoticeNotSent
from bot.admin.ui import actor, actor_text, db, redis_client, render, say_done, say_not_done, sees_mobiles, t, texts
from bot.privacy import mask_personal
from storage.fees import decided_invoice_requests, find_payer_by_openid, invoices_for, payer_of
from storage.members import Refused, find_member_by_openid, find_unit_by_openid

bp = Blueprint("invoices", __name__, url_prefix="/invoices")


def _payment_view(payment: dict, invoiced: dict, requester: dict | None) -> dict:
    """One payment to tick; `other`: whose it is when not the requester's (a receipt number in the member's words,
    a typo or a colleague's), said beside it and not ticked for the secretary."""
    invoice = invoiced.get(payment["receipt_no"])
    owner = payer_of(db(), payment)
    other = owner and (requester is None or (owner["kind"], owner["id"]) != (requester["kind"], requester["id"]))
    return {"receipt_no": payment["receipt_no"], "paid_at": payment["paid_at"][:10],
            "other": f"{owner['number']} {owner['name']}" if other else "",
            "amount": dues.format_amount(payment["amount"]),
            "period": dues.period_text(payment["period_from"], payment["period_to"]) if payment["period_from"] else "",
            "refunded": bool(payment["refunded_at"]), "invoice_no": invoice and invoice["invoice_no"]}


def _request_view(ticket: dict) -> dict:
    """One request as the page shows it: who asked, what they wrote (masked for a read-only user), and the
    payments: those it names, ticked, else the member's own to pick from."""
    named = invoices.payments_named(db(), ticket)
    payments = named or invoices.payments_offered(db(), ticket)
    invoiced = invoices_for(db(), [p["receipt_no"] for p in payments])
    who = find_member_by_openid(db(), ticket["openid"]) or find_unit_by_openid(db(), ticket["openid"])
    return {"ticket_no": ticket["ticket_no"], "created_at": ticket["created_at"],
            "who": who and f"{who.get('member_no') or who.get('unit_no')} {who['name']}",
            "body": ticket["body"] if sees_mobiles() else mask_personal(ticket["body"]),
            "named": bool(named),
            "payments": [_payment_view(p, invoiced, find_payer_by_openid(db(), ticket["openid"])) for p in payments]}


@bp.get("/")
def index(typed: dict | None = None):
    """The open requests, oldest first; `typed`: a form refused, filled back into its request's forms."""
    requests = [_request_view(ticket) for ticket in invoices.open_requests(db())]
    decided = [dict(row, reason=row["reason"] if sees_mobiles() else mask_personal(row["reason"] or ""))
               for row in decided_invoice_requests(db())]
    return render("invoices.html", requests=requests, decided=decided, typed=typed or {},
                  today=date.today().isoformat())


def _decided(ticket_no: str, change, done: str):
    """Run an issue or a refusal: back to the list, saying what came of it; refused (a field to fix, or the
    request closed meanwhile), the list again with what was typed (400)."""
    try:
        change()
    except Refused as refused:
        facts = clock.with_times_shown(refused.facts)
        if "closed_by" in facts:
            facts["closed_by"] = actor_text(facts["closed_by"])
        key = f"invoices.refused.{refused.reason}"
        say_not_done(t(key, **facts) if refused.reason in texts("invoices.refused")
                     else content.text(f"tickets_cli.refused.{refused.reason}", **facts))
        return index(typed={"ticket_no": ticket_no, **request.form.to_dict(),
                            "receipt_no": request.form.getlist("receipt_no")}), 400
    except NoticeNotSent as failed:
        say_not_done(content.text("tickets_cli.notify_failed", ticket_no=ticket_no, error=failed.error))
        return redirect(url_for(".index"))
    say_done(done, ticket_no=ticket_no)
    return redirect(url_for(".index"))


@bp.post("/<ticket_no>/issue")
def issue(ticket_no: str):
    receipts = request.form.getlist("receipt_no") + request.form.get("typed_receipts", "").replace("、", ",").replace(
        "，", ",").replace(" ", ",").split(",")
    return _decided(ticket_no, lambda: invoices.issue(
        db(), redis_client(), ticket_no, receipts, request.form.get("invoice_no", ""),
        request.form.get("issued_on", ""), actor(), date.today()), "invoices.issued")


@bp.post("/<ticket_no>/refuse")
def refuse(ticket_no: str):
    return _decided(ticket_no, lambda: invoices.refuse(db(), redis_client(), ticket_no,
                                                       request.form.get("reason", ""), actor()), "invoices.refused_done")
