"""`python -m bot remind`: queue dues reminders; safe to run every hour from cron.

The work is bot.reminders.queue_reminders (the console's "send reminders" runs it too).

A member without a bound WeChat or who has unfollowed is skipped without a
claim: should they bind or follow again while it still applies, the next run sends it.
"""
from __future__ import annotations

from datetime import date

import click

from bot import content
from bot.commands.common import json_option, load_settings
from bot.reminders import queue_reminders
from storage.database import open_database
from storage.state import connect_redis


@click.command()
@click.option("--today", type=click.DateTime(formats=["%Y-%m-%d"]),
              help="Act as if it were this day (default: today).")
@json_option
def remind(today):
    """到期、过期会费提醒 (queue dues reminders; never the same one twice)."""
    config = load_settings()
    day = today.date() if today else date.today()
    counts = queue_reminders(open_database(config.sqlite_path), connect_redis(config), day)
    return dict(counts, today=day.isoformat()), lambda d: click.echo(
        content.text("cli_fees.remind.done", **d))
