"""Event fees paid with WeChat Pay: which registration an order pays for, marking it paid or refunded."""
from __future__ import annotations

import sqlite_utils

from storage.database import all_rows, first_of, now_iso


def set_fee(db: sqlite_utils.Database, registration_id: int, fee_type: str, fee_fen: int) -> None:
    db.execute("update registrations set fee_type = ?, fee_fen = ?, updated_at = ? where id = ?",
               [fee_type, fee_fen, now_iso(), registration_id])


def attach_order(db: sqlite_utils.Database, registration_id: int, out_trade_no: str) -> None:
    db.execute("update pay_orders set registration_id = ? where out_trade_no = ?", [registration_id, out_trade_no])
    db.execute("update registrations set pay_order = ? where id = ?", [out_trade_no, registration_id])


def mark_registration_paid(db: sqlite_utils.Database, registration_id: int, out_trade_no: str, paid_at: str) -> None:
    """Call inside the transaction that settles the order."""
    db.execute("update registrations set paid_at = ?, pay_order = ?, updated_at = ? where id = ?",
               [paid_at, out_trade_no, now_iso(), registration_id])


def mark_registration_refunded(db: sqlite_utils.Database, registration_id: int, refunded_at: str) -> None:
    """Call inside the transaction that records the refund."""
    db.execute("update registrations set refunded_at = ?, updated_at = ? where id = ?",
               [refunded_at, now_iso(), registration_id])


def registration(db: sqlite_utils.Database, registration_id: int) -> dict | None:
    return first_of(db.query("select r.*, e.event_no, e.title, e.starts_on from registrations r "
                            "join events e on e.id = r.event_id where r.id = ?", [registration_id]))


def owe_refund(db: sqlite_utils.Database, out_trade_no: str, note: str) -> None:
    """A paid fee whose registration was cancelled: its order awaits the secretariat's refund (`refund_needed`,
    listed 需退款 with its refund button in the console's 在线支付). Call inside the cancelling transaction."""
    db.execute("update pay_orders set status = 'refund_needed', note = ?, updated_at = ? "
               "where out_trade_no = ? and status = 'paid' and refund_no is null", [note, now_iso(), out_trade_no])


_OWED = ("select r.*, e.event_no, e.title, e.starts_on, o.refund_status from registrations r "
         "join events e on e.id = r.event_id left join pay_orders o on o.out_trade_no = r.pay_order "
         "where r.status = 'cancelled' and r.paid_at is not null and r.refunded_at is null")


def refunds_owed_to(db: sqlite_utils.Database, openid: str) -> list[dict]:
    """The member's cancelled registrations whose paid fee is not refunded yet (with the order's refund_status)."""
    return all_rows(db, f"{_OWED} and r.openid = ? order by r.cancelled_at desc", [openid])


def refunds_owed(db: sqlite_utils.Database, event_id: int) -> list[dict]:
    """An event's cancelled registrations whose paid fee is not refunded yet, in the order they were cancelled."""
    return all_rows(db, f"{_OWED} and r.event_id = ? order by r.cancelled_at", [event_id])
