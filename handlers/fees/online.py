"""Dues and event fees paid online with WeChat Pay: the order, and recording the payment exactly once.

An order is priced by the fee schedule (handlers.fees.dues.amount_due over
content/membership.toml) for the term the member picked: the page says only
which term. A paid order becomes a payment through the same path as
`python -m bot fees record`: the schedule check (dues.schedule_problem) and
handlers.fees.payments.record_payment, which issues the receipt and extends the
paid-through date (rule: handlers.fees.dues.coverage).

Exactly once: the notification (and its repeats), the member's return to the
result page (which queries the order) and the closing of expired orders all
call `settle`. It runs in one SQLite write transaction taken up front, so
callers in any number of threads or processes queue; the first finds the order
unpaid and records it, the others find the receipt and record nothing. The
payment's import_key (wechatpay:<out_trade_no>, unique) backs that up. The
member is told once, by whichever call recorded it.

An event fee (purpose `event`) is priced by handlers/events/fees.py for a registration
already holding its seat; paid, the registration is marked paid (no dues receipt);
closed unpaid, the registration is cancelled and the seat goes to the waitlist.
"""
from __future__ import annotations

import logging
import secrets
from datetime import date, datetime, timedelta

import redis

from bot import clock, content, delivery, wechat_pay
from handlers.events import guide as event_rules
from handlers.fees import dues
from bot.config import Config
from storage import event_payments
from storage import events as event_store
from storage import pay_orders as orders
from storage.members import record_history
from handlers.fees.payments import AlreadyLifetime, record_payment, refund_payment
from storage.fees import find_payer, find_payment
from storage.sqlite import transaction as write_transaction

log = logging.getLogger(__name__)

PURPOSE = "dues"
EVENT = "event"  # an event fee; the order's `years` holds the registration id, so one order per registration
METHOD_KEY = "pages.dues.method"  # 微信支付: how receipts name the method
ACTOR = "wechatpay"


class NotOffered(ValueError):
    """The term asked for is not on the schedule for this payer (or they pay nothing, or for life)."""


def _now() -> datetime:
    return datetime.now(clock.zone())


def _fen(amount: float) -> int:
    return int(round(float(amount) * 100))


def new_trade_no(now: datetime) -> str:
    """HF + time + random: 24 letters and digits, unique per merchant as WeChat Pay asks (6-32)."""
    return f"HF{now:%Y%m%d%H%M%S}{secrets.token_hex(4).upper()}"


def price(payer: dict, years: int, today: date) -> float:
    """What `years` (or dues.LIFETIME) cost this payer now, from the schedule; NotOffered otherwise."""
    offered = {option["years"]: option["amount"] for option in
               dues.renewal_options(payer["category"], payer["paid_through"], today, payer.get("joined_at"))}
    if years not in offered:
        raise NotOffered(years)
    return offered[years]


def order_for(db, pay, config: Config, payer: dict, openid: str, years: int) -> dict:
    """The open order for this payer and term (a new one, or the one already waiting), with its prepay_id."""
    now = _now()
    amount_fen = _fen(price(payer, years, now.date()))
    waiting = orders.open_order_for(db, openid, PURPOSE, years, amount_fen, now.isoformat(timespec="seconds"))
    if waiting:
        return waiting
    description = content.text("pages.dues.order_description", years=dues.years_text(years),
                               short_name=content.society().get("short_name", ""))
    return _place(db, pay, config, now, {
        "openid": openid, "payer_kind": payer["kind"], "payer_id": payer["id"], "payer_number": payer["number"],
        "purpose": PURPOSE, "years": years, "amount_fen": amount_fen, "description": description})


def event_order_for(db, pay, config: Config, registration: dict, openid: str) -> dict:
    """The open order for a registration's fee (fee_fen, set when it registered), or a new one."""
    now = _now()
    waiting = orders.open_order_for(db, openid, EVENT, registration["id"], registration["fee_fen"],
                                    now.isoformat(timespec="seconds"))
    if waiting:
        return waiting
    description = content.text("pages.events.order_description", title=registration["title"],
                               fee_type=registration["fee_type"])
    order = _place(db, pay, config, now, {
        "openid": openid, "payer_kind": "registration", "payer_id": registration["id"],
        "payer_number": registration["event_no"], "purpose": EVENT, "years": registration["id"],
        "amount_fen": registration["fee_fen"], "description": description})
    event_payments.attach_order(db, registration["id"], order["out_trade_no"])
    return orders.find_order(db, order["out_trade_no"])


def _place(db, pay, config: Config, now: datetime, fields: dict) -> dict:
    """Store the order, then place it with WeChat Pay and keep its prepay_id."""
    expires = now + timedelta(minutes=config.pay_order_minutes)
    order = orders.create_order(db, dict(fields, out_trade_no=new_trade_no(now), description=fields["description"][:120],
                                         expires_at=expires.isoformat(timespec="seconds")))
    prepay_id = wechat_pay.place_order(pay, order["out_trade_no"], order["description"], order["amount_fen"],
                                       order["openid"], order["expires_at"])
    orders.set_prepay_id(db, order["out_trade_no"], prepay_id)
    return orders.find_order(db, order["out_trade_no"])


def _paid_on(transaction: dict) -> date:
    """The Beijing day WeChat Pay took the money (success_time), else today."""
    try:
        return datetime.fromisoformat(transaction["success_time"]).astimezone(clock.zone()).date()
    except (KeyError, TypeError, ValueError):
        return _now().date()


def _matches(order: dict, transaction: dict, config: Config) -> bool:
    amount = transaction.get("amount") or {}
    return (transaction.get("out_trade_no") == order["out_trade_no"] and transaction.get("mchid") == config.pay_mchid
            and transaction.get("appid") == config.app_id and amount.get("total") == order["amount_fen"])


def settle(db, r: redis.Redis | None, config: Config, transaction: dict) -> dict | None:
    """Record a successful transaction's payment once; returns {order, payment, new} or None.

    None when the transaction is not a success or names no order of ours. `new`
    is True only for the call that recorded it (and told the member).
    """
    if transaction.get("trade_state") != "SUCCESS":
        return None
    out_trade_no = transaction.get("out_trade_no") or ""
    with write_transaction(db):
        order = orders.find_order(db, out_trade_no)
        if order is None:
            log.error("WeChat Pay reports a payment for an unknown order %s", out_trade_no)
            return None
        if order["status"] in (orders.PAID, orders.REFUND_NEEDED):
            return {"order": order, "payment": order["receipt_no"] and find_payment(db, order["receipt_no"]),
                    "new": False}
        if not _matches(order, transaction, config):
            log.error("WeChat Pay transaction for %s does not match the order; not recorded", out_trade_no)
            return None
        paid_on = _paid_on(transaction)
        if order["purpose"] == EVENT:
            event_payments.mark_registration_paid(db, order["payer_id"], out_trade_no, paid_on.isoformat())
            orders.mark_paid(db, out_trade_no, transaction.get("transaction_id"), None, paid_on.isoformat())
            recorded = {"event": True}
        else:
            recorded = _record_dues(db, order, transaction, paid_on)
    order = orders.find_order(db, out_trade_no)
    if recorded is not None and r is not None:
        _tell(r, order, recorded if order["purpose"] == PURPOSE else None)
    payment = recorded if order["purpose"] == PURPOSE else None
    return {"order": order, "payment": payment, "new": recorded is not None}


def _record_dues(db, order: dict, transaction: dict, paid_on: date) -> dict | None:
    """The dues payment through `fees record`'s path (inside settle's transaction); None if it could
    not be recorded (the payer had meanwhile paid for life: the order is marked refund_needed)."""
    out_trade_no = order["out_trade_no"]
    payer = find_payer(db, order["payer_number"])
    amount = order["amount_fen"] / 100
    note = content.text("pages.dues.record_note", out_trade_no=out_trade_no)
    if dues.schedule_problem(payer["category"], amount, order["years"], force=False, note=None):
        # The schedule changed between the order and the payment: the money came in at the
        # order's price, so it is recorded as paid, with a note saying why it differs.
        note = content.text("pages.dues.record_note_old_price", out_trade_no=out_trade_no)
    try:
        recorded = record_payment(
            db, payer, amount, order["years"], paid_on, content.text(METHOD_KEY), ACTOR, note=note,
            reference=transaction.get("transaction_id"), import_key=f"wechatpay:{out_trade_no}",
            source="wechatpay")
    except AlreadyLifetime:
        orders.mark_refund_needed(db, out_trade_no, transaction.get("transaction_id"), paid_on.isoformat(),
                                  content.text("pages.dues.refund_needed_note"))
        log.error("order %s paid by a lifetime payer: refund needed", out_trade_no)
        return None
    orders.mark_paid(db, out_trade_no, transaction.get("transaction_id"), recorded["receipt_no"],
                     paid_on.isoformat())
    return recorded


def _tell(r: redis.Redis, order: dict, payment: dict | None) -> None:
    """The member's notice of the receipt (or of the paid registration); the payment stands even if
    Redis cannot take it now."""
    if payment is None:
        text, kind = content.text("pages.events.paid_notice", description=order["description"],
                                  amount=dues.format_amount(order["amount_fen"] / 100),
                                  out_trade_no=order["out_trade_no"]), "event"
    else:
        text, kind = content.text("pages.dues.paid_notice", receipt_no=payment["receipt_no"],
                                  amount=dues.format_amount(payment["amount"]),
                                  period=dues.period_text(payment["period_from"], payment["period_to"]),
                                  paid_through=dues.date_text(payment["period_to"])), "dues"
    try:
        delivery.notify(r, order["openid"], text, kind=kind)
    except (redis.RedisError, OSError) as error:
        log.warning("receipt notice for %s not queued: %s", order["out_trade_no"], error)


def check_order(db, r, config: Config, pay, order: dict) -> dict:
    """The order after asking WeChat Pay about it (the result page): settled if it was paid."""
    if order["status"] != orders.OPEN:
        return order
    settle(db, r, config, wechat_pay.query(pay, order["out_trade_no"]))
    return orders.find_order(db, order["out_trade_no"])


def close_expired(db, r, config: Config, pay, now: datetime | None = None) -> dict:
    """Close the orders not paid in time; one paid after all (its notification lost) is recorded instead."""
    done = {"closed": 0, "settled": 0, "failed": 0}
    for order in orders.expired_open_orders(db, (now or _now()).isoformat(timespec="seconds")):
        try:
            state = wechat_pay.query(pay, order["out_trade_no"])
            if state.get("trade_state") == "SUCCESS":
                settle(db, r, config, state)
                done["settled"] += 1
                continue
            if state.get("trade_state") not in ("CLOSED", "REVOKED", "PAYERROR"):
                wechat_pay.close(pay, order["out_trade_no"])
        except wechat_pay.PayError as error:
            if error.code != "ORDER_NOT_EXIST":
                log.warning("order %s not closed: %s", order["out_trade_no"], error)
                done["failed"] += 1
                continue
        if orders.mark_closed(db, order["out_trade_no"]):
            done["closed"] += 1
            if order["purpose"] == EVENT:
                _free_the_seat(db, r, order["payer_id"])
    return done


def _free_the_seat(db, r, registration_id: int) -> None:
    """An event fee not paid in time: the registration is cancelled and the waitlist moves up."""
    registration = event_payments.registration(db, registration_id)
    if registration and registration["status"] != event_store.CANCELLED and not registration["paid_at"]:
        promoted = event_store.cancel_registration(db, registration_id)
        if r is not None:
            event_rules.notify_promoted(db, r, promoted)


# --- refunds ------------------------------------------------------------------------------

class NotRefundable(ValueError):
    """The order is not paid, or a refund of it is already under way or done."""


def start_refund(db, pay, order: dict, reason: str, actor: str) -> dict:
    """Ask WeChat Pay to refund a paid order in full; its refund notification finishes it."""
    refund_no = "RF" + order["out_trade_no"][2:]
    if not orders.start_refund(db, order["out_trade_no"], refund_no, order["amount_fen"], reason, actor):
        raise NotRefundable(order["out_trade_no"])
    try:
        wechat_pay.refund(pay, order["out_trade_no"], refund_no, order["amount_fen"], reason)
    except wechat_pay.PayError:
        orders.forget_refund(db, order["out_trade_no"])
        raise
    record_history(db, "pay_order", order["id"], "refund_requested", actor, reason)
    return orders.find_order(db, order["out_trade_no"])


def settle_refund(db, r, refund: dict) -> bool:
    """A refund notification: its outcome recorded once. Refunded dues give the payer back the
    paid-through date the payment found (the payment stays on record, marked refunded); a
    refunded event fee cancels the registration and its seat goes to the waitlist. The member
    is told. Returns True for the call that recorded it."""
    status = refund.get("refund_status")
    if status not in ("SUCCESS", "CLOSED", "ABNORMAL"):
        return False
    order = orders.find_by_refund(db, refund.get("out_refund_no") or "")
    if order is None or order["out_trade_no"] != refund.get("out_trade_no"):
        log.error("refund notification for an unknown refund %s", refund.get("out_refund_no"))
        return False
    promoted, outcome = [], ""
    with write_transaction(db):
        if not orders.finish_refund(db, order["refund_no"], status, refund.get("success_time")):
            return False
        record_history(db, "pay_order", order["id"], f"refund_{status.lower()}", ACTOR, order["refund_reason"])
        if status == "SUCCESS":
            refunded_on = _refunded_on(refund)
            if order["purpose"] == EVENT:
                promoted = _refund_registration(db, order["payer_id"], refunded_on)
                outcome = content.text("pages.refund.registration_cancelled")
            elif order["receipt_no"]:
                payment = refund_payment(db, order["receipt_no"], refunded_on, order["refund_by"] or ACTOR,
                                         order["refund_reason"] or "")
                payer = payment and find_payer(db, order["payer_number"])
                outcome = payer and content.text("pages.refund.paid_through",
                                                 paid_through=dues.date_text(payer["paid_through"]))
    if status == "SUCCESS" and r is not None:
        event_rules.notify_promoted(db, r, promoted)
        try:
            delivery.notify(r, order["openid"], content.text(
                "pages.refund.notice", description=order["description"],
                amount=dues.format_amount(order["amount_fen"] / 100), outcome=outcome or ""), kind="dues")
        except (redis.RedisError, OSError) as error:
            log.warning("refund notice for %s not queued: %s", order["out_trade_no"], error)
    return True


def _refunded_on(refund: dict) -> str:
    """The Beijing day WeChat Pay returned the money (success_time), else today."""
    try:
        return datetime.fromisoformat(refund["success_time"]).astimezone(clock.zone()).date().isoformat()
    except (KeyError, TypeError, ValueError):
        return _now().date().isoformat()


def _refund_registration(db, registration_id: int, refunded_on: str) -> list[dict]:
    """An event fee refunded: the registration is marked so and cancelled; returns who moved up."""
    event_payments.mark_registration_refunded(db, registration_id, refunded_on)
    return event_store.cancel_registration(db, registration_id)
