"""What the events, awards and tickets commands share.

Refusals from storage said in Chinese from the group's own texts, the
`--today` option of the reminder commands, list output, and `import FILE`: a sheet read,
checked and matched (bot/sheet_import.py), reported row by row, and written
only when it is clean (or with --skip-bad-rows, its clean rows).
"""
from __future__ import annotations

from datetime import date
from functools import wraps
from pathlib import Path

import click

from bot import clock, content, sheet_import
from bot.commands.common import cli_help, json_option, open_store, shown
from bot.commands.members import NotDone, actor_option
from bot.spreadsheets import SheetError
from storage.members import Refused

today_option = click.option("--today", type=click.DateTime(formats=["%Y-%m-%d"]),
                            help=cli_help("today"))


def day(value) -> date:
    """The --today option's day, or today."""
    return value.date() if value else date.today()


def list_printer(section: str):
    """The `human` of a list command: `<section>.list_line` per row, then `<section>.list_total`."""
    def human(rows: list[dict]) -> None:
        for row in rows:
            click.echo(content.text(f"{section}.list_line", **shown(row)))
        click.echo(content.text(f"{section}.list_total", count=len(rows)))
    return human


def refusals(section: str):
    """A refused change (key `<section>.refused.<reason>`) or an unreadable file: a Chinese message, exit 1."""
    def decorate(command):
        @wraps(command)
        def wrapper(*args, **kwargs):
            try:
                return command(*args, **kwargs)
            except Refused as refused:
                raise NotDone(content.text(f"{section}.refused.{refused.reason}", **clock.with_times_shown(refused.facts))) from None
            except SheetError as bad:
                raise NotDone(content.text(f"sheet_import.sheet_{bad.reason}", **bad.facts)) from None
        return wrapper
    return decorate


def import_command(group: click.Group, spec: sheet_import.RecordSheet, save, what: str):
    """Add `import FILE` to `group`: `save(db, plan, file_name, actor)` writes a clean plan and returns
    the record numbers created; `what` names the records in the report (活动, 评奖项目)."""
    @group.command(name="import", help=content.text("sheet_import.help", what=what))
    @click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
    @click.option("--year", type=int, help=cli_help("import.year"))
    @click.option("--skip-bad-rows", is_flag=True, help=cli_help("import.skip_bad_rows"))
    @click.option("--dry-run", is_flag=True, help=cli_help("import.dry_run"))
    @actor_option
    @json_option
    @refusals(spec.texts)
    def import_(file, year, skip_bad_rows, dry_run, actor):
        db = open_store()
        plan = sheet_import.plan_import(db, spec, file, year)
        blocked = bool(plan.problems) and not skip_bad_rows
        created = None if blocked or dry_run else save(db, plan, file.name, actor)
        data = sheet_import.report(spec, plan, file, created, dry_run, what)
        if blocked:
            print_report(data)
            raise NotDone(content.text("sheet_import.blocked", bad=len(plan.bad_rows), what=what))
        return data, print_report

    return import_


def print_report(d: dict) -> None:
    for kind, line in sheet_import.report_lines(d):
        click.echo(f"  {line}" if kind == "problem" else line)
