"""Invoices members ask for in chat (a ticket of 开票申请, handlers.fees.chat), issued or turned down in the console.

The request names the payments it is for when the member picked them (their receipt numbers are in the
ticket); otherwise the secretary picks among the member's payments or types a receipt number. Issuing
records the invoice's number and date against each payment, and closes the ticket with a reason that says
them; turning it down closes it with the reason the member reads. Either way the member is told through the
ticket's closing notice (handlers.tickets.replies.close: delivery.notify, which keeps WeChat's 48-hour
window and leaves the notice in the member's inbox when it cannot be sent), and the member's 会费 page shows
the invoice beside its payment.
"""
from __future__ import annotations

import re
from datetime import date

from bot import content
from handlers.tickets import replies
from storage import fees as store
from storage import tickets
from storage.members import Refused

RECEIPT = re.compile(r"(?<![A-Z0-9])[A-Z]{1,4}\d{6,}(?![0-9])")  # SJ202600002: a receipt number as a ticket gives it
INVOICE_NO = re.compile(r"[A-Z0-9\-]{4,30}")
PAYMENTS_OFFERED = 10  # the member's latest payments the secretary picks from


def category() -> str:
    return content.text("fees.invoice_category")


def open_requests(db) -> list[dict]:
    """The invoice requests still to decide, oldest first (first come, first served)."""
    return tickets.list_tickets(db, (tickets.OPEN, tickets.REPLIED), category=category())


def payments_named(db, ticket: dict) -> list[dict]:
    """The payments the request names by their receipt numbers (the member picked them in chat)."""
    found = (store.find_payment(db, number) for number in dict.fromkeys(RECEIPT.findall(ticket["body"].upper())))
    return [payment for payment in found if payment is not None]


def payments_offered(db, ticket: dict) -> list[dict]:
    """The requester's latest payments (a bound member or unit contact), to pick from when none is named."""
    payer = store.find_payer_by_openid(db, ticket["openid"])
    return store.payments_of(db, payer, limit=PAYMENTS_OFFERED) if payer else []


def _invoice_request(db, ticket_no: str) -> None:
    """Only a request for an invoice is decided here (another ticket's number in the address is refused)."""
    ticket = tickets.require_ticket(db, ticket_no)
    if ticket["category"] != category():
        raise Refused("not_invoice_request", ticket_no=ticket["ticket_no"], category=ticket["category"])


def issue(db, r, ticket_no: str, receipt_nos: list[str], invoice_no: str, issued_on: str, actor: str,
          today: date) -> tuple[dict, str]:
    """Mark the request issued: the invoice's number and date recorded against each payment, the ticket
    closed saying them, the member told. Refused (nothing recorded): no payment, one unknown, refunded or
    invoiced already, no invoice number, a date that is none or after today."""
    _invoice_request(db, ticket_no)
    invoice_no = re.sub(r"\s", "", invoice_no).upper()
    if not INVOICE_NO.fullmatch(invoice_no):
        raise Refused("invoice_no", ticket_no=ticket_no)
    try:
        day = date.fromisoformat(issued_on.strip())
    except ValueError:
        raise Refused("invoice_date", ticket_no=ticket_no) from None
    if day > today:
        raise Refused("invoice_date", ticket_no=ticket_no)
    receipt_nos = list(dict.fromkeys(number.strip().upper() for number in receipt_nos if number.strip()))
    if not receipt_nos:
        raise Refused("invoice_payment", ticket_no=ticket_no)
    invoiced = store.invoices_for(db, receipt_nos)
    for number in receipt_nos:
        payment = store.find_payment(db, number)
        if payment is None or payment["refunded_at"]:
            raise Refused("invoice_receipt", receipt_no=number)
        if number in invoiced:
            raise Refused("invoice_twice", receipt_no=number, invoice_no=invoiced[number]["invoice_no"])
    reason = content.text("fees.invoice_issued", invoice_no=invoice_no, issued_on=day.isoformat(),
                          receipts="、".join(receipt_nos))
    return replies.close(db, r, ticket_no, actor, reason, along=lambda ticket: store.record_invoice(
        db, ticket["id"], receipt_nos, invoice_no, day.isoformat(), actor))


def refuse(db, r, ticket_no: str, why: str, actor: str) -> tuple[dict, str]:
    """Turn the request down: closed with the reason, which the member reads in the notice and 我的诉求."""
    _invoice_request(db, ticket_no)
    if not why.strip():
        raise Refused("invoice_reason", ticket_no=ticket_no)
    reason = content.text("fees.invoice_refused", reason=why.strip())
    return replies.close(db, r, ticket_no, actor, reason,
                         along=lambda ticket: store.record_invoice_refused(db, ticket["id"], why.strip(), actor))
