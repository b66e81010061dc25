"""`python -m bot pay close-expired`: WeChat Pay orders from the member pages (cron, every few minutes).

An order not paid within WECHATPAY_ORDER_MINUTES is closed at WeChat Pay and
here; one that was paid after all (its notification lost) is recorded instead
(bot/online_dues.py).
"""
from __future__ import annotations

import click

from bot import content, online_dues, wechat_pay
from bot.commands.common import json_option, load_settings, open_store


@click.group()
def pay():
    """微信支付：关闭超时未付的订单 (WeChat Pay orders)."""


@pay.command(name="close-expired")
@json_option
def close_expired():
    """Close the orders not paid in time; record any that were paid after all."""
    config = load_settings()
    if not config.pay_enabled:
        raise click.ClickException(content.text("pages.pay_cli.not_configured"))
    from storage.state import connect_redis

    notify_url = f"{config.public_base_url or ''}/m/pay/notify"
    done = online_dues.close_expired(open_store(), connect_redis(config), config,
                                     wechat_pay.client(config, notify_url))
    return done, lambda d: click.echo(content.text("pages.pay_cli.closed", **d))
