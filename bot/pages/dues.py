"""会费: what is due, the paid-through date, payments and receipts, and paying with WeChat Pay.

The page offers the schedule's terms (handlers.fees.dues.renewal_options); the member
picks one and the server prices it (handlers/fees/online.py), places the order with
WeChat Pay and hands the page the signed payment prompt. WeChat Pay's
notification (/m/pay/notify, public, verified and decrypted) and the member's
return to the result page both record the payment, once.
"""
from __future__ import annotations

import json
import logging
from urllib.parse import urlencode

from flask import Response, abort, redirect, request, url_for

from bot import wechat_pay
from handlers.fees import online as online_dues
from handlers.fees import dues
from bot.pages import pages
from bot.pages.auth import csrf_token, public, root_url
from bot.pages.common import config, db, openid, redis_client, render, t, today
from storage import pay_orders as orders
from storage.fees import find_payer_by_openid, find_payment, invoices_for, payments_of

log = logging.getLogger(__name__)


def pay_client():
    settings = config()
    if not settings.pay_enabled:
        return None
    return wechat_pay.client(settings, root_url() + url_for("pages.pay_notify").lstrip("/"))


def _payment_view(payment: dict, invoiced: dict | None = None) -> dict:
    """A payment as the member reads it; `invoiced`: the invoices issued, by receipt (the secretariat's 开票)."""
    invoice = (invoiced or {}).get(payment["receipt_no"])
    return {"receipt_no": payment["receipt_no"], "paid_at": payment["paid_at"],
            "amount": dues.format_amount(payment["amount"]), "method": payment["method"] or "",
            "period": dues.period_text(payment["period_from"], payment["period_to"]),
            "refunded_at": payment["refunded_at"] or "",
            "invoice": invoice and t("dues.invoice", invoice_no=invoice["invoice_no"], issued_on=invoice["issued_on"])}


def _option_view(option: dict) -> dict:
    return {"years": option["years"], "amount": dues.format_amount(option["amount"]),
            "term": dues.years_text(option["years"]), "paid_through": dues.date_text(option["paid_through"])}


@pages.get("/dues")
def dues_page():
    payer = find_payer_by_openid(db(), openid())
    if payer is None:
        return redirect(url_for("pages.centre"))
    day = today()
    standing = dues.dues_standing(payer["category"], payer["paid_through"], day)
    options = dues.renewal_options(payer["category"], payer["paid_through"], day, payer.get("joined_at"))
    starts = int(options[0]["period_from"][:4]) if options else day.year
    payments = payments_of(db(), payer)
    invoiced = invoices_for(db(), [p["receipt_no"] for p in payments])
    skipped = day.year if starts > day.year and (payer["paid_through"] or "") < f"{day.year}-12-31" else None
    return render(
        "dues.html", payer=payer, category=dues.category_name(payer["category"]),
        paid_through=dues.date_text(payer["paid_through"]), standing=t(f"standings.{standing}"),
        standing_code=standing, owes=dues.owes(payer["category"], payer["paid_through"], day),
        options=[_option_view(o) for o in options], skipped_year=skipped, counted_from=starts,
        joined_from=dues.moved_rule()["joined_from"],
        payments=[_payment_view(p, invoiced) for p in payments], on_roster=dues.on_roster_only(payer["paid_through"], payments),
        pay_enabled=config().pay_enabled, pay_ways=dues.pay_ways(online=False), other_ways=dues.other_ways_title(),
        csrf=csrf_token())


@pages.post("/dues/pay")
def dues_pay():
    """Place (or reuse) the order for the term picked; the amount comes from the schedule only."""
    payer = find_payer_by_openid(db(), openid())
    pay = pay_client()
    if payer is None or pay is None:
        return redirect(url_for("pages.dues_page"))
    try:
        years = int(request.form.get("years", ""))
        order = online_dues.order_for(db(), pay, config(), payer, openid(), years)
    except (ValueError, online_dues.NotOffered):
        return render("error.html", 400, message_key="errors.not_offered")
    except wechat_pay.PayError as error:
        log.warning("WeChat Pay order failed: %s", error)
        return render("error.html", 502, message_key="errors.pay_unavailable")
    return pay_page(pay, order)


def pay_page(pay, order: dict):
    """The payment prompt for an order (dues or an event fee), then its result page.

    Outside WeChat there is no WeixinJSBridge: in development (`make run`) the page sends the
    member to the WeChat Pay stand-in's payment sheet instead (bot/wechat_pay_standin.py)."""
    prompt = wechat_pay.prompt_parameters(pay, config().app_id, order["prepay_id"])
    result_url = url_for("pages.dues_result", out_trade_no=order["out_trade_no"])
    standin = config().pay_standin_url
    sheet = f"{standin}/sheet/{order['prepay_id']}?{urlencode({'back': result_url})}" if standin else None
    return render("pay.html", order=order, amount=dues.format_amount(order["amount_fen"] / 100),
                  prompt=json.dumps(prompt), result_url=result_url, standin_sheet=sheet)


@pages.get("/dues/result/<out_trade_no>")
def dues_result(out_trade_no: str):
    """Back from paying: the order as WeChat Pay has it (recorded here if the notification is late)."""
    order = orders.order_of_member(db(), openid(), out_trade_no)
    if order is None:
        abort(404)
    pay = pay_client()
    if pay is not None:
        try:
            order = online_dues.check_order(db(), redis_client(), config(), pay, order)
        except wechat_pay.PayError as error:
            log.warning("WeChat Pay query failed: %s", error)
    payment = find_payment(db(), order["receipt_no"]) if order["receipt_no"] else None
    return render("pay_result.html", order=order, payment=payment and _payment_view(payment),
                  paid_through=payment and dues.date_text(payment["period_to"]),
                  amount=dues.format_amount(order["amount_fen"] / 100))


@pages.get("/dues/receipt/<receipt_no>")
def receipt(receipt_no: str):
    payer = find_payer_by_openid(db(), openid())
    payment = find_payment(db(), receipt_no)
    column = "member_id" if payer and payer["kind"] == "member" else "unit_id"
    if payer is None or payment is None or payment[column] != payer["id"]:
        abort(404)
    return render("receipt.html", payer=payer, payment=_payment_view(payment),
                  category=dues.category_name(payment["category"] or payer["category"]))


@pages.post("/pay/notify")
@public
def pay_notify():
    """WeChat Pay's notification: verified and decrypted, then recorded once; anything else changes nothing."""
    pay = pay_client()
    if pay is None:
        abort(404)
    resource = wechat_pay.notification(pay, config(), request.headers, request.get_data())
    if resource is None:
        return _pay_answer(401, "FAIL", "signature")
    if str(resource.get("event_type", "")).startswith("REFUND."):
        online_dues.settle_refund(db(), redis_client(), resource)
        return Response(status=204)
    result = online_dues.settle(db(), redis_client(), config(), resource)
    if result is None and resource.get("trade_state") == "SUCCESS":
        return _pay_answer(404, "FAIL", "order")  # WeChat Pay tries again; the error is logged
    return Response(status=204)


def _pay_answer(status: int, code: str, message: str) -> Response:
    return Response(json.dumps({"code": code, "message": message}), status=status, mimetype="application/json")
