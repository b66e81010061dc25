"""WeChat Pay orders placed from the member pages (table `pay_orders`).

One row per attempt to pay, keyed by the `out_trade_no` WeChat Pay knows it
by. What it costs is fixed when it is made (from content/, never from the
page). Its status: `open` until paid or closed; `paid` once its payment is
recorded (with the receipt number), which happens once whatever repeats;
`closed` when unpaid in time; `refund_needed` when money came in that could
not be recorded (the payer had meanwhile paid for life).
"""
from __future__ import annotations

import sqlite_utils

from storage.database import first_of, now_iso

OPEN, PAID, CLOSED, REFUND_NEEDED = "open", "paid", "closed", "refund_needed"


def create_order(db: sqlite_utils.Database, fields: dict) -> dict:
    now = now_iso()
    db["pay_orders"].insert(dict(fields, status=OPEN, created_at=now, updated_at=now))
    return find_order(db, fields["out_trade_no"])


def find_order(db: sqlite_utils.Database, out_trade_no: str) -> dict | None:
    return first_of(db.query("select * from pay_orders where out_trade_no = ? limit 1", [out_trade_no]))


def order_of_member(db: sqlite_utils.Database, openid: str, out_trade_no: str) -> dict | None:
    """The order only if it is this member's (a page names an order by its number)."""
    return first_of(db.query("select * from pay_orders where out_trade_no = ? and openid = ? limit 1",
                            [out_trade_no, openid]))


def open_order_for(db: sqlite_utils.Database, openid: str, purpose: str, years: int,
                   amount_fen: int, now: str) -> dict | None:
    """A live unpaid order for the same thing, so pressing 'pay' twice asks for the money once."""
    return first_of(db.query(
        "select * from pay_orders where openid = ? and purpose = ? and years = ? and amount_fen = ? "
        "and status = 'open' and prepay_id is not null and julianday(expires_at) > julianday(?) "
        "order by id desc limit 1",
        [openid, purpose, years, amount_fen, now]))


def set_prepay_id(db: sqlite_utils.Database, out_trade_no: str, prepay_id: str) -> None:
    db.execute("update pay_orders set prepay_id = ?, updated_at = ? where out_trade_no = ?",
               [prepay_id, now_iso(), out_trade_no])


def mark_paid(db: sqlite_utils.Database, out_trade_no: str, transaction_id: str, receipt_no: str,
              paid_at: str) -> None:
    """Call inside the transaction that recorded the payment."""
    db.execute("update pay_orders set status = 'paid', transaction_id = ?, receipt_no = ?, paid_at = ?, "
               "updated_at = ? where out_trade_no = ?", [transaction_id, receipt_no, paid_at, now_iso(),
                                                         out_trade_no])


def mark_refund_needed(db: sqlite_utils.Database, out_trade_no: str, transaction_id: str, paid_at: str,
                       note: str) -> None:
    db.execute("update pay_orders set status = 'refund_needed', transaction_id = ?, paid_at = ?, note = ?, "
               "updated_at = ? where out_trade_no = ?", [transaction_id, paid_at, note, now_iso(), out_trade_no])


def mark_closed(db: sqlite_utils.Database, out_trade_no: str) -> bool:
    """Close an order still open; False if it was paid (or closed) meanwhile."""
    now = now_iso()
    cursor = db.execute("update pay_orders set status = 'closed', closed_at = ?, updated_at = ? "
                        "where out_trade_no = ? and status = 'open'", [now, now, out_trade_no])
    return cursor.rowcount == 1


def expired_open_orders(db: sqlite_utils.Database, now: str, limit: int = 500) -> list[dict]:
    """Open orders run out by `now`, compared as instants (a time may be kept in any offset)."""
    return list(db.query("select * from pay_orders where status = 'open' and julianday(expires_at) <= julianday(?) "
                         "order by julianday(expires_at) limit ?", [now, limit]))


def paid_orders_on(db: sqlite_utils.Database, day: str) -> list[dict]:
    """Orders recorded paid (or paid and awaiting a refund) on this Beijing day."""
    return list(db.query("select * from pay_orders where status in ('paid', 'refund_needed') and paid_at = ? "
                         "order by id", [day]))


def start_refund(db: sqlite_utils.Database, out_trade_no: str, refund_no: str, refund_fen: int, reason: str,
                 actor: str) -> bool:
    """Claim the order for a refund (once: a paid order without one); False if it cannot be refunded now."""
    cursor = db.execute(
        "update pay_orders set refund_no = ?, refund_fen = ?, refund_status = 'PROCESSING', refund_reason = ?, "
        "refund_by = ?, refund_requested_at = ?, updated_at = ? where out_trade_no = ? "
        "and status in ('paid', 'refund_needed') and refund_no is null",
        [refund_no, refund_fen, reason, actor, now_iso(), now_iso(), out_trade_no])
    return cursor.rowcount == 1


def forget_refund(db: sqlite_utils.Database, out_trade_no: str) -> None:
    """WeChat Pay refused the refund request: the order may be refunded again."""
    db.execute("update pay_orders set refund_no = null, refund_fen = null, refund_status = null, refund_reason = null, "
               "refund_by = null, refund_requested_at = null where out_trade_no = ? and refund_status = 'PROCESSING'",
               [out_trade_no])


def finish_refund(db: sqlite_utils.Database, refund_no: str, status: str, at: str | None) -> bool:
    """Record the refund's outcome once; False if it was already recorded (a repeated notification)."""
    cursor = db.execute("update pay_orders set refund_status = ?, refunded_at = ?, updated_at = ? "
                        "where refund_no = ? and refund_status = 'PROCESSING'", [status, at, now_iso(), refund_no])
    return cursor.rowcount == 1


def find_by_refund(db: sqlite_utils.Database, refund_no: str) -> dict | None:
    return first_of(db.query("select * from pay_orders where refund_no = ? limit 1", [refund_no]))


def recent_orders(db: sqlite_utils.Database, limit: int = 100) -> list[dict]:
    return list(db.query("select o.*, m.name as member_name from pay_orders o "
                         "left join members m on m.openid = o.openid order by o.id desc limit ?", [limit]))
