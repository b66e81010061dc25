"""`python -m bot members ...`: the secretariat runs the roster from the command line.

Approvals, look-ups, category and status changes, fellows, and the roster
file in and out. Every change goes through handlers/members/records.py, which records
who (`--by`, by default the logged-in user), when and why; refusals come back
as `Refused` and are said in Chinese from content/replies/secretariat.toml.
Mobile numbers are masked in everything printed, except `show --full` and
the exported file (which is the roster itself).
"""
from __future__ import annotations

import json
from datetime import date
from functools import wraps
from pathlib import Path

import click

from bot import content
from handlers.members import roster
from bot.commands.common import cli_help, default_actor, help_texts, json_option, load_settings, open_store
from handlers.members.membership import (application_view, category_name, explain, field_text,
                            history_line, history_view, import_rosters, label, member_view,
                            members_data, report_lines, say, search_text)
from handlers.members.membership import approve as approve_applications
from handlers.members.membership import reject as reject_applications
from bot.privacy import holds_id_number
from bot.spreadsheets import SheetError, display_width, write_table
from bot.validation import normalise
from handlers.members import records
from handlers.members.rules import category_code
from storage import members as store
from storage.state import connect_redis

_help = help_texts("members_cli")

LIST_COLUMNS = ("member_no", "name", "category", "status", "standing", "work_unit", "mobile")


# --- wording, shared with the units commands (the words themselves: handlers/members/membership.py) ---

def print_table(columns: tuple[str, ...], rows: list[dict], names: dict | None = None) -> None:
    """Aligned columns under Chinese headers; a Chinese character is two columns wide.

    `names` renames a column's header key, e.g. a unit's `name` is headed as `unit_name`.
    """
    names = names or {}
    lines = [[label("fields", names.get(c, c)) for c in columns],
             *[[field_text(c, row.get(c)) for c in columns] for row in rows]]
    widths = [max(display_width(cell) for cell in column) for column in zip(*lines)]
    for line in lines:
        click.echo("  ".join(cell + " " * (width - display_width(cell))
                             for cell, width in zip(line, widths)).rstrip())


# --- options and errors, shared with the units commands ----------------------------

def actor_option(command):
    return click.option("--by", "actor", default=default_actor, show_default="当前系统用户",
                        help=_help("by"))(command)


class NotDone(click.ClickException):
    """Exit status 1 with a Chinese message (click's own would start with "Error:")."""

    def show(self, file=None) -> None:
        click.echo(say("cli_members.not_done", message=self.format_message()), err=True)


def refusals(command):
    """A refused change or an unreadable file: a Chinese message and a non-zero exit."""
    @wraps(command)
    def wrapper(*args, **kwargs):
        try:
            return command(*args, **kwargs)
        except store.Refused as refused:
            raise NotDone(explain(refused)) from None
        except SheetError as bad:
            raise NotDone(say(f"cli_roster.sheet_{bad.reason}", **bad.facts)) from None
    return wrapper


def report_then_fail(data, human, message: str):
    """Print the report the command would have printed, then exit non-zero with `message`."""
    if click.get_current_context().params.get("as_json"):
        click.echo(json.dumps(data, ensure_ascii=False, indent=2, default=str))
    else:
        human(data)
    raise NotDone(message)


def _category_param(ctx, param, value):
    if value is None:
        return None
    try:
        return category_code(normalise(value))
    except store.Refused as refused:
        raise click.BadParameter(explain(refused)) from None


def _status_param(ctx, param, value):
    if value is None:
        return None
    statuses = {code: name for code, name in content.replies()["cli_labels"]["statuses"].items()
                if code in ("active", "suspended", "resigned", "deceased")}
    for code, name in statuses.items():
        if normalise(value) in (code, name):
            return code
    raise click.BadParameter(say("cli_members.bad_status", value=value,
                                 choices="、".join(statuses.values())))


def member_filters(command):
    """--category, --status and --unit, as `list` and `export` take them."""
    command = click.option("--unit", "unit_no", help=_help("filter.unit"))(command)
    command = click.option("--status", callback=_status_param,
                           help=_help("filter.status"))(command)
    return click.option("--category", callback=_category_param,
                        help=_help("filter.category"))(command)


def select_members(db, category: str | None, status: str | None, unit_no: str | None) -> list[dict]:
    unit_id = store.require_unit(db, unit_no)["id"] if unit_no else None
    return store.list_members(db, category=category, status=status, unit_id=unit_id)


# --- views --------------------------------------------------------------------

def print_members(data: list[dict], none_key: str = "cli_members.list_none", **fields) -> None:
    if not data:
        click.echo(say(none_key, **fields))
        return
    print_table(LIST_COLUMNS, data)
    click.echo(say("cli_members.list_total", count=len(data)))


# --- the group ----------------------------------------------------------------

@click.group()
def members():
    """会员：审批入会申请、查询、调整类别与状态、增补会士、导入导出名册。"""


# --- applications ---------------------------------------------------------------

@members.command()
@json_option
def pending():
    """待审批的入会申请。"""
    db = open_store()
    data = [application_view(db, a) for a in store.list_pending_applications(db)]

    def human(items):
        if not items:
            click.echo(say("cli_members.pending_none"))
            return
        print_table(("app_no", "kind", "name", "category", "work_unit", "invite_unit", "mobile",
                     "applied_at"), [dict(i, kind=label("kinds", i["kind"])) for i in items])
        click.echo(say("cli_members.pending_total", count=len(items)))
    return data, human


def _redis():
    return connect_redis(load_settings())


def _print_notice(item: dict) -> None:
    if item["notice_error"]:
        click.echo(say("cli_members.notify_failed", error=item["notice_error"]))
    else:
        click.echo(say("cli_members.notified"))


@members.command()
@click.argument("app_nos", nargs=-1, required=True, metavar="APP_ID...")
@actor_option
@json_option
@refusals
def approve(app_nos, actor):
    """批准入会申请（可一次多份；有一份不能批准则都不批准）：编号、建档、通知申请人。"""
    data = approve_applications(open_store(), _redis, list(app_nos), actor, date.today())

    def human(items):
        for item in items:
            if item["kind"] == "unit":
                click.echo(say("cli_members.approved_unit", **item))
            else:
                named = dict(item, category=category_name(item["category"]))
                click.echo(say("cli_members.approved", **named))
            _print_notice(item)
    return data, human


@members.command()
@click.argument("app_no", metavar="APP_ID")
@click.option("--reason", required=True, help=_help("reject.reason"))
@actor_option
@json_option
@refusals
def reject(app_no, reason, actor):
    """驳回入会申请，并把原因通知申请人。"""
    [data] = reject_applications(open_store(), _redis, [app_no], actor, reason)

    def human(item):
        click.echo(say("cli_members.rejected", **item))
        _print_notice(item)
    return data, human


# --- looking up -------------------------------------------------------------------

@members.command("list")
@member_filters
@json_option
@refusals
def list_(category, status, unit_no):
    """会员列表，可按类别、状态、单位筛选。"""
    db = open_store()
    return members_data(db, select_members(db, category, status, unit_no)), print_members


@members.command()
@click.argument("text")
@json_option
def search(text):
    """按编号、姓名、手机号、单位或学科查找会员。"""
    db = open_store()
    data = members_data(db, store.search_members(db, search_text(text)))
    return data, lambda d: print_members(d, "cli_members.search_none", text=text)


@members.command()
@click.argument("member_no")
@click.option("--full", is_flag=True, help=_help("show.full"))
@json_option
@refusals
def show(member_no, full):
    """一位会员的全部信息和变更记录。"""
    db = open_store()
    member = store.require_member(db, member_no)
    data = {"member": member_view(member, date.today(), store.unit_numbers(db), full),
            "history": [history_view(row, full, db) for row in store.history_of(db, "member", member["id"])]}

    def human(d):
        for key, value in d["member"].items():
            click.echo(f"{label('fields', key)}：{field_text(key, value, full=True)}")
        click.echo(say("cli_members.history"))
        for item in d["history"]:
            click.echo("  " + history_line(item))
        if not d["history"]:
            click.echo("  " + say("cli_members.history_none"))
    return data, human


# --- changes ------------------------------------------------------------------------

def member_change(name: str, reason_help: str, reason_required: bool = True):
    """What every command changing one member takes: MEMBER_NO, --reason, --by and --json."""
    def decorate(command):
        command = refusals(command)
        command = json_option(command)
        command = actor_option(command)
        command = click.option("--reason", required=reason_required, help=reason_help)(command)
        return members.command(name)(click.argument("member_no")(command))
    return decorate


def changed(member_no: str, change) -> tuple[dict, object]:
    """Apply `change(db)` to one member; returns its number, name and old and new category/status."""
    db = open_store()
    before = store.require_member(db, member_no)
    after = change(db)
    data = {"member_no": after["member_no"], "name": after["name"],
            "old": {k: before[k] for k in ("category", "status")},
            "new": {k: after[k] for k in ("category", "status")}}
    return data, db


@member_change("set-category", _help("set_category.reason"))
@click.argument("category")
def set_category(member_no, category, reason, actor):
    """调整会员类别（学生会员 / 普通会员 / 高级会员；会士请用 promote-fellow）。"""
    code = category_code(normalise(category))
    data, _ = changed(member_no, lambda db: records.change_category(db, member_no, code, actor, reason))
    return data, lambda d: click.echo(say(
        "cli_members.category_changed", member_no=d["member_no"], name=d["name"],
        old=category_name(d["old"]["category"]), new=category_name(d["new"]["category"])))


@member_change("suspend", _help("suspend.reason"))
def suspend(member_no, reason, actor):
    """暂停会籍（不删除任何数据，可用 resume 恢复）。"""
    data, _ = changed(member_no, lambda db: records.suspend_member(db, member_no, actor, reason))
    return data, lambda d: click.echo(say("cli_members.suspended", reason=reason, **d))


@member_change("resign", _help("resign.reason"))
def resign(member_no, reason, actor):
    """办理退会：不再提醒缴费、不再推送会讯（记录保留，可用 resume 恢复）。"""
    data, _ = changed(member_no, lambda db: records.resign_member(db, member_no, actor, reason))
    return data, lambda d: click.echo(say("cli_members.resigned", reason=reason, **d))


@member_change("deceased", _help("deceased.reason"))
def deceased(member_no, reason, actor):
    """登记已故：不再提醒缴费、不再推送会讯（记录保留）。"""
    data, _ = changed(member_no, lambda db: records.record_death(db, member_no, actor, reason))
    return data, lambda d: click.echo(say("cli_members.deceased", reason=reason, **d))


@member_change("resume", _help("resume.reason"), reason_required=False)
def resume(member_no, reason, actor):
    """恢复会籍：暂停、退会或误登记为已故的会员。"""
    data, _ = changed(member_no, lambda db: records.resume_member(db, member_no, actor, reason))
    return data, lambda d: click.echo(say("cli_members.resumed", **d))


@member_change("promote-fellow", _help("promote_fellow.reason"))
def promote_fellow(member_no, reason, actor):
    """增补会士：会士不得超过个人会员总数的 1%（比例见 content/membership.toml）。"""
    data, db = changed(member_no, lambda db: records.promote_to_fellow(db, member_no, actor, reason))
    data["fellow_cap"] = records.fellow_cap(db)
    return data, lambda d: click.echo(say("cli_members.promoted", **d, **d["fellow_cap"]))


# --- the roster file -----------------------------------------------------------------

def print_import_report(d: dict) -> None:
    for kind, line in report_lines(d):
        click.echo("  " + line if kind == "problem" else line)


def import_options(command):
    """The file and options of a roster import (`members import`, `units import`)."""
    for option in reversed((
            click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path)),
            click.option("--skip-bad-rows", is_flag=True, help=cli_help("import.skip_bad_rows")),
            click.option("--dry-run", is_flag=True, help=cli_help("import.dry_run")),
            click.option("--overwrite", is_flag=True,
                         help=_help("import.overwrite")),
            actor_option, json_option, refusals)):
        command = option(command)
    return command


@members.command("import")
@import_options
def import_(file, skip_bad_rows, dry_run, overwrite, actor):
    """导入会员名册（.xlsx、.xls 或 .csv），先出校验报告；同一文件重复导入不会重复建档。

    “会员类别”为单位会员的行导入为单位会员；理事会职务写在类别、职务或备注栏都能识别；
    “缴费情况”“会费缴至”记为期初的会费缴至日期（不算缴费）。
    """
    return run_import(file, skip_bad_rows, dry_run, overwrite, actor, units=False)


def run_import(file, skip_bad_rows: bool, dry_run: bool, overwrite: bool, actor, units: bool):
    """`members import` and `units import`: plan, report, write unless blocked or a dry run."""
    db = open_store()
    data, blocked = import_rosters(db, roster.read_rosters(file, units=units), file.name, actor, date.today(),
                                   units=units, overwrite=overwrite, skip_bad_rows=skip_bad_rows, dry_run=dry_run)
    if blocked:
        report_then_fail(data, print_import_report, say("cli_roster.blocked", bad=len(data["bad_rows"])))
    return data, print_import_report


@members.command()
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@member_filters
@json_option
@refusals
def export(file, category, status, unit_no):
    """导出会员名册到 .xlsx 或 .csv（与导入同样的列，可原样导回）。"""
    db = open_store()
    headers, rows = roster.export_table(db, select_members(db, category, status, unit_no))
    write_table(file, headers, rows)
    data = {"file": str(file), "count": len(rows),
            "id_numbers": any(holds_id_number(str(cell)) for row in rows for cell in row if cell)}
    return data, lambda d: click.echo(say("cli_members.exported_ids" if d["id_numbers"] else "cli_members.exported", **d))
