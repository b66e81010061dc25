"""`python -m bot pay close-expired`: WeChat Pay orders from the member pages (cron, every few minutes);
and the day's reconciliation behind `python -m bot fees reconcile`.

An order not paid within WECHATPAY_ORDER_MINUTES is closed at WeChat Pay and
here; one that was paid after all (its notification lost) is recorded instead
(handlers/fees/online.py).
"""
from __future__ import annotations

from datetime import date, timedelta

import click

from bot import content, wechat_pay
from bot.page_links import page_url
from handlers.fees import online as online_dues
from handlers.fees import dues
from bot.commands.common import json_option, load_settings, open_store


@click.group()
def pay():
    """微信支付：关闭超时未付的订单。"""


@pay.command(name="close-expired")
@json_option
def close_expired():
    """关闭超时未付的订单；其中实际已付款的，登记收据（宜每隔几分钟由定时任务运行）。"""
    config = load_settings()
    if not config.pay_enabled:
        raise click.ClickException(content.text("pages.pay_cli.not_configured"))
    from storage.state import connect_redis

    notify_url = page_url(config, "/m/pay/notify")
    done = online_dues.close_expired(open_store(), connect_redis(config), config,
                                     wechat_pay.client(config, notify_url))
    return done, lambda d: click.echo(content.text("pages.pay_cli.closed", **d))


def reconcile_day(db, day: date | None):
    """(data, printer) of `fees reconcile`: the day's bill against the orders recorded paid."""
    from handlers.fees import reconcile

    config = load_settings()
    if not config.pay_enabled:
        raise click.ClickException(content.text("pages.pay_cli.not_configured"))
    day = day or online_dues._now().date() - timedelta(days=1)
    pay = wechat_pay.client(config, page_url(config, "/m/pay/notify"))
    try:
        data = reconcile.reconcile(db, pay, day)
    except (reconcile.BillError, wechat_pay.PayError) as error:
        raise click.ClickException(content.text("pages.reconcile.no_bill", date=day.isoformat(), error=error)) from None
    return data, _print_reconcile


def _print_reconcile(data: dict) -> None:
    click.echo(content.text("pages.reconcile.summary", date=data["date"], bill=data["bill_transactions"],
                            recorded=data["recorded"], mismatches=len(data["mismatches"])))
    for item in data["mismatches"]:
        click.echo(content.text(f"pages.reconcile.kinds.{item['kind']}", out_trade_no=item["out_trade_no"],
                                transaction_id=item["transaction_id"] or "",
                                bill=dues.format_amount((item["bill_fen"] or 0) / 100),
                                recorded=dues.format_amount((item["recorded_fen"] or 0) / 100)))
