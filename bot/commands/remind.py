"""`python -m bot remind`: queue dues reminders; safe to run every hour from cron.

The work is handlers.fees.reminders.queue_reminders (the console's "send reminders" runs it too).

A member without a bound WeChat or who has unfollowed is skipped without a
claim: should they bind or follow again while it still applies, the next run sends it.
"""
from __future__ import annotations

from datetime import date

import click

from bot import content
from bot.commands.common import json_option, load_settings
from handlers.fees.reminders import queue_reminders
from storage.database import open_database
from storage.state import connect_redis


@click.command()
@click.option("--today", type=click.DateTime(formats=["%Y-%m-%d"]),
              help="按这一天执行（默认今天），格式 2026-12-06。")
@json_option
def remind(today):
    """会费提醒：即将到期、已过期、从未缴费和欠费一年以上的会员（同一条不会重复发，可由定时任务每小时运行）。"""
    config = load_settings()
    day = today.date() if today else date.today()
    counts = queue_reminders(open_database(config.sqlite_path), connect_redis(config), day)
    return dict(counts, today=day.isoformat()), lambda d: click.echo(
        content.text("cli_fees.remind.done", **d))
