"""`python -m bot events import|list|show|registrants|export-guide|remind`: the annual activity guide.

The guide comes in as the spreadsheet societies already file (`import`,
checked by bot/sheet_import.py with the columns of content/events.toml) and
goes out as a formatted .xlsx or a web page (`export-guide`, handlers/events/export.py).
Organisers get their registrants (`registrants --export`), with full mobiles
in the file and masked ones on screen. `remind` sends the day-before reminder
through the delivery pipeline (the periodic job `event_reminders`, which the
workers also run by content/schedule.toml); each seat is claimed before its
notice is queued, so no run reminds anybody twice.
"""
from __future__ import annotations

from datetime import date
from pathlib import Path

import click

from bot import clock, content
from handlers.fees import dues
from handlers.events import export as event_guide
from handlers.events import guide
from bot.commands.common import help_texts, json_option, load_settings, open_store, run_periodic_job, shown
from bot.commands.records import day, import_command, list_printer, refusals, today_option
from bot.privacy import mask_mobile
from bot.spreadsheets import write_table
from storage import events as store
from storage.event_payments import refunds_owed
from storage.state import connect_redis

_help = help_texts("events_cli")

DATE = click.DateTime(formats=["%Y-%m-%d"])


def _text(key: str, **fields) -> str:
    return content.text(f"events_cli.{key}", **fields)


@click.group()
def events():
    """年度活动指南与活动报名。"""


def _save(db, plan, file_name: str, actor: str) -> list[str]:
    return guide.save_plan(db, connect_redis(load_settings()), plan, file_name, actor)


import_command(events, guide.SHEET, _save, content.text("events_cli.what"))


@events.command(name="list")
@click.option("--from", "first", type=DATE, help=_help("list.from"))
@click.option("--to", "last", type=DATE, help=_help("list.to"))
@click.option("--type", "kind", type=click.Choice(guide.type_names()))
@json_option
def list_events(first, last, kind):
    """即将举行的活动（或指定日期内的），近的在前，含已报名人数。"""
    query = {"from": (first.date() if first else date.today()).isoformat(),
             "to": last.date().isoformat() if last else None, "type": kind, "word": None}
    rows = [guide.summary(e) for e in store.list_events(open_store(), query, limit=10_000)]

    return rows, list_printer("events_cli")


@events.command()
@click.argument("event")
@json_option
@refusals("events_cli")
def show(event):
    """一个活动的全部信息、名额和候补。"""
    found = guide.summary(store.require_event(open_store(), event))
    return found, lambda d: click.echo(_text("show", **dict(shown(d), description=d["description"] or "")))


@events.command()
@click.argument("event")
@click.option("--export", "file", type=click.Path(dir_okay=False, path_type=Path),
              help=_help("registrants.export"))
@json_option
@refusals("events_cli")
def registrants(event, file):
    """报名名单（按报名先后）和候补名单，含签到码。"""
    db = open_store()
    found = store.require_event(db, event)
    people = store.registrants(db, found["id"])
    headers, rows = guide.registrant_table(people)
    if file:
        write_table(file, headers, rows)
    data = {"event_no": found["event_no"], "title": found["title"], "file": str(file) if file else None,
            "registered": found["registered"], "waitlisted": found["waitlisted"],
            "registrants": [dict(p, mobile=mask_mobile(p["mobile"] or "")) for p in people],
            "refunds_owed": [dict(p, mobile=mask_mobile(p["mobile"] or "")) for p in refunds_owed(db, found["id"])]}

    def human(d):
        click.echo(_text("registrants_title", **d))
        for row in rows:
            click.echo(_text("registrant_line", number=row[0], name=row[1], unit=row[2],
                             mobile=mask_mobile(row[3]), status=row[4], code=row[5], at=row[6]))
        if d["refunds_owed"]:
            click.echo(_text("refunds_owed_title", count=len(d["refunds_owed"])))
        for p in d["refunds_owed"]:
            click.echo(_text("refund_owed_line", name=p["name"], mobile=p["mobile"], order=p["pay_order"],
                             amount=dues.format_amount((p["fee_fen"] or 0) / 100), at=clock.shown(p["cancelled_at"])))
        if d["file"]:
            click.echo(_text("exported", **d))

    return data, human


@events.command(name="export-guide")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--year", type=int, help=_help("export_guide.year"))
@json_option
@refusals("events_cli")
def export_guide(file, year):
    """导出活动指南：排好版的 .xlsx（可再导入），或放到网站上的 .md / .html 页面。"""
    rows = store.events_of_year(open_store(), year)
    event_guide.export(file, rows, year)
    data = {"file": str(file), "count": len(rows), "title": event_guide.title(year)}
    return data, lambda d: click.echo(_text("guide_exported", **d))


@events.command()
@today_option
@json_option
def remind(today):
    """给明天开始的活动的报名者发提醒（不会重复发）。"""
    data = run_periodic_job("event_reminders", day(today))
    return data, lambda d: click.echo(_text("reminded", **d))
