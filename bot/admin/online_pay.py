"""在线支付 (WeChat Pay from the member pages): recent orders, a full refund started by an admin
(handlers/fees/online.start_refund; WeChat Pay's refund notification finishes it), and a day's
reconciliation against WeChat Pay's bill (handlers/fees/reconcile.py, as `python -m bot fees reconcile`)."""
from __future__ import annotations

from datetime import date, timedelta

from flask import Blueprint, flash, redirect, request, url_for

from bot import content, wechat_pay
from bot.page_links import page_url
from handlers.fees import online as online_dues
from handlers.fees import reconcile
from handlers.fees import dues
from bot.admin import accounts
from bot.admin.ui import actor, allow, config, db, or_404, render, user
from storage import pay_orders

bp = Blueprint("online_pay", __name__, url_prefix="/pay")


def _w(key: str, **fields) -> str:
    return content.text(f"pages.console_pay.{key}", **fields)


def _client():
    settings = config()
    if not settings.pay_enabled:
        return None
    return wechat_pay.client(settings, page_url(settings, "/m/pay/notify"))


def _view(order: dict) -> dict:
    return dict(order, amount=dues.format_amount(order["amount_fen"] / 100),
                status_text=_w(f"statuses.{order['status']}"),
                refund_text=_w(f"refunds.{order['refund_status']}") if order["refund_status"] else "",
                refundable=order["status"] in ("paid", "refund_needed") and not order["refund_no"])


@bp.get("/")
def index():
    day_text = request.args.get("date")
    report, problem = None, None
    pay = _client()
    if day_text and pay is not None:
        try:
            report = reconcile.reconcile(db(), pay, date.fromisoformat(day_text))
        except ValueError:
            problem = _w("bad_date")
        except (reconcile.BillError, wechat_pay.PayError) as error:
            problem = content.text("pages.reconcile.no_bill", date=day_text, error=error)
    return render("online_pay.html", orders=[_view(o) for o in pay_orders.recent_orders(db())], w=_w,
                  report=report, problem=problem, enabled=pay is not None,
                  yesterday=(date.today() - timedelta(days=1)).isoformat(), day=day_text or "",
                  is_admin=user()["role"] == accounts.ADMIN)


@bp.post("/<out_trade_no>/refund")
@allow(accounts.ADMIN)
def refund(out_trade_no: str):
    order = or_404(pay_orders.find_order(db(), out_trade_no))
    reason = (request.form.get("reason") or "").strip()[:80]
    pay = _client()
    if not reason or pay is None:
        flash(_w("reason_needed"), "error")
        return redirect(url_for(".index"))
    try:
        online_dues.start_refund(db(), pay, order, reason, actor())
    except online_dues.NotRefundable:
        flash(_w("not_refundable", out_trade_no=out_trade_no), "error")
    except wechat_pay.PayError as error:
        flash(_w("refund_failed", error=error), "error")
    else:
        flash(_w("refund_started", out_trade_no=out_trade_no), "ok")
    return redirect(url_for(".index"))
