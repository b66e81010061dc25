"""`python -m bot remind`: queue dues reminders by hand; safe at any time.

It runs the periodic job `dues_reminders` (handlers/fees/reminders.py), which the
workers also run by content/schedule.toml and the console's "send reminders" runs too.

A member without a bound WeChat or who has unfollowed is skipped without a
claim: should they bind or follow again while it still applies, the next run sends it.
"""
from __future__ import annotations

import click

from bot import content
from bot.commands.common import json_option, run_periodic_job
from bot.commands.records import day as day_of
from bot.commands.records import today_option


@click.command()
@today_option
@json_option
def remind(today):
    """会费提醒：即将到期、已过期、从未缴费和欠费一年以上的会员（同一条不会重复发；后台发送进程每天按时自动运行，这里是立即运行）。"""
    day = day_of(today)
    counts = run_periodic_job("dues_reminders", day)
    return dict(counts, today=day.isoformat()), lambda d: click.echo(
        content.text("cli_fees.remind.done", **d))
