"""`python -m bot members ...`: the secretariat runs the roster from the command line.

Approvals, look-ups, category and status changes, fellows, and the roster
file in and out. Every change goes through storage/members.py, which records
who (`--by`, by default the logged-in user), when and why; refusals come back
as `Refused` and are said in Chinese from content/replies/secretariat.toml.
Mobile numbers are masked in everything printed, except `show --full` and
the exported file (which is the roster itself).
"""
from __future__ import annotations

import getpass
import json
import re
from datetime import date
from functools import wraps
from pathlib import Path

import click
import redis

from bot import content, dues, roster
from bot.commands.common import json_option, load_settings, open_store
from bot.outbound import send_text_later
from bot.privacy import mask_mobile
from bot.spreadsheets import SheetError, display_width, write_table
from bot.validation import age_band, normalise
from storage import members as store
from storage.state import connect_redis

LIST_COLUMNS = ("member_no", "name", "category", "status", "standing", "work_unit", "mobile")
SHOW_FIELDS = ("member_no", "name", "category", "status", "standing", "paid_through", "birth_year",
               "age_band", "work_unit", "unit_no", "institution_type", "post_category",
               "discipline", "mobile", "email", "school", "graduation_year", "council_role",
               "joined_at", "wechat", "reachable")


# --- wording, shared with the units commands -------------------------------------

def say(key: str, **fields) -> str:
    return content.text(key, **fields)


def label(kind: str, code) -> str:
    """The Chinese name of a code under [cli_labels.<kind>] (statuses, standings, fields ...)."""
    if code is None:
        return ""
    return content.replies()["cli_labels"][kind].get(str(code), str(code))


def category_name(code: str | None) -> str:
    return store.membership_rules()["categories"].get(code, code or "")


def percent(share: float) -> str:
    return f"{share * 100:g}%"


def field_text(key: str, value, full: bool = False) -> str:
    """One stored value as the secretariat reads it: names for codes, masked mobiles."""
    if value is None or value == "":
        return "—"
    if key == "category":
        return category_name(value)
    if key == "status":
        return label("statuses", value)
    if key == "standing":
        return label("standings", value)
    if isinstance(value, bool):
        return label("words", "yes" if value else "no")
    return str(value) if full else mask_mobile(str(value))


def changes_text(changes: dict, full: bool = False) -> str:
    """{"category": ["regular", "fellow"]} -> 类别：普通会员 → 会士"""
    return "；".join(f"{label('fields', key)}：{field_text(key, old, full)} → {field_text(key, new, full)}"
                    for key, (old, new) in changes.items())


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

def default_actor() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # no login name (some containers)
        return "secretariat"


def actor_option(command):
    return click.option("--by", "actor", default=default_actor, show_default="当前系统用户",
                        help="操作人，记入变更记录。")(command)


def explain(refused: store.Refused) -> str:
    facts = dict(refused.facts)
    if "status" in facts:
        facts["status"] = label("statuses", facts["status"])
    if "category" in facts:
        facts["category"] = category_name(facts["category"])
    if "mobile" in facts:
        facts["mobile"] = mask_mobile(facts["mobile"] or "")
    if "max_share" in facts:
        facts["share"] = percent(facts["max_share"])
    return say(f"cli_refused.{refused.reason}", **facts)


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
        return store.category_code(normalise(value))
    except store.Refused as refused:
        raise click.BadParameter(explain(refused)) from None


def _status_param(ctx, param, value):
    if value is None:
        return None
    statuses = {code: name for code, name in content.replies()["cli_labels"]["statuses"].items()
                if code in ("active", "suspended", "resigned")}
    for code, name in statuses.items():
        if normalise(value) in (code, name):
            return code
    raise click.BadParameter(say("cli_members.bad_status", value=value,
                                 choices="、".join(statuses.values())))


def member_filters(command):
    """--category, --status and --unit, as `list` and `export` take them."""
    command = click.option("--unit", "unit_no", help="单位会员编号：只看关联到该单位的会员。")(command)
    command = click.option("--status", callback=_status_param,
                           help="状态：正常 / 暂停（或 active / suspended）。")(command)
    return click.option("--category", callback=_category_param,
                        help="类别：学生会员 / 普通会员 / 高级会员 / 会士。")(command)


def select_members(db, category: str | None, status: str | None, unit_no: str | None) -> list[dict]:
    unit_id = store.require_unit(db, unit_no)["id"] if unit_no else None
    return store.list_members(db, category=category, status=status, unit_id=unit_id)


# --- views --------------------------------------------------------------------

def member_view(member: dict, today: date, units: dict[int, str], full: bool = False) -> dict:
    """A member as the commands show it (codes kept for --json; mobile masked unless full).

    `units` maps unit ids to unit numbers (store.unit_numbers).
    """
    view = {key: member.get(key) for key in SHOW_FIELDS}
    view.update(
        standing=dues.dues_standing(member["category"], member["paid_through"], today),
        age_band=age_band(member["birth_year"], today),
        unit_no=units.get(member["unit_id"]),
        wechat=bool(member["openid"]),
        reachable=bool(member["reachable"]),
    )
    if not full:
        view["mobile"] = mask_mobile(member["mobile"] or "") or None
    return view


def members_data(db, rows: list[dict]) -> list[dict]:
    today, units = date.today(), store.unit_numbers(db)
    return [member_view(member, today, units) for member in rows]


def print_members(data: list[dict], none_key: str = "cli_members.list_none", **fields) -> None:
    if not data:
        click.echo(say(none_key, **fields))
        return
    print_table(LIST_COLUMNS, data)
    click.echo(say("cli_members.list_total", count=len(data)))


def history_view(row: dict, full: bool) -> dict:
    detail = json.loads(row["detail"]) if row["detail"] else None
    view = {"at": row["at"], "actor": row["actor"], "action": row["action"], "reason": row["reason"],
            "detail": detail}
    if not full:
        view = json.loads(mask_mobile(json.dumps(view, ensure_ascii=False)))
    return view


def history_line(item: dict) -> str:
    parts = [item["at"][:16].replace("T", " "), item["actor"], label("actions", item["action"])]
    if item["reason"]:
        parts.append(f"{label('fields', 'reason')}：{item['reason']}")
    if item["detail"]:
        parts.append(changes_text(item["detail"], full=True))  # already masked unless --full
    return "  ".join(parts)


# --- the group ----------------------------------------------------------------

@click.group()
def members():
    """会员：审批入会申请、查询、调整类别与状态、增补会士、导入导出名册。"""


# --- applications ---------------------------------------------------------------

def application_view(db, application: dict) -> dict:
    data = application["data"]
    unit = store.find_unit(db, data["unit_id"]) if data.get("unit_id") else None
    return {
        "app_no": application["app_no"],
        "kind": application["kind"],
        "name": data.get("name"),
        "category": "unit" if application["kind"] == "unit" else data.get("category"),
        "work_unit": data.get("work_unit"),
        "invite_unit": unit and unit["name"],
        "mobile": mask_mobile(data.get("mobile") or data.get("contact_mobile") or ""),
        "applied_at": application["created_at"][:10],
    }


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


def notify(openid: str, text: str) -> dict:
    """Queue the applicant's notice; the decision stands even if Redis cannot take it now."""
    try:
        return {"notice_job": send_text_later(connect_redis(load_settings()), openid, text),
                "notice_error": None}
    except (redis.RedisError, OSError) as error:
        return {"notice_job": None, "notice_error": str(error)}


def _approval_data(result: dict) -> dict:
    application, member, unit = result["application"], result["member"], result["unit"]
    if unit:
        data = {"app_no": application["app_no"], "kind": "unit", "name": unit["name"],
                "unit_no": unit["unit_no"], "invite_code": unit["invite_code"]}
        text = say("approval_notice.approved_unit", **data)
    else:
        data = {"app_no": application["app_no"], "kind": "individual", "name": member["name"],
                "member_no": member["member_no"], "category": member["category"]}
        text = say("approval_notice.approved", **dict(data, category=category_name(member["category"])))
    return dict(data, **notify(application["openid"], text))


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
    results = store.approve_applications(open_store(), list(app_nos), actor, date.today())
    data = [_approval_data(result) for result in results]

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
@click.option("--reason", required=True, help="驳回原因（会发给申请人）。")
@actor_option
@json_option
@refusals
def reject(app_no, reason, actor):
    """驳回入会申请，并把原因通知申请人。"""
    application = store.reject_application(open_store(), app_no, actor, reason)
    data = {"app_no": application["app_no"], "name": application["data"].get("name"),
            "reason": reason}
    data.update(notify(application["openid"], say("approval_notice.rejected", **data)))

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
    query = normalise(text)
    if re.fullmatch(r"[\d\s\-]+", query):
        query = re.sub(r"[\s\-]", "", query)  # a mobile typed as 138 1234 5678
    db = open_store()
    data = members_data(db, store.search_members(db, query))
    return data, lambda d: print_members(d, "cli_members.search_none", text=text)


@members.command()
@click.argument("member_no")
@click.option("--full", is_flag=True, help="显示完整手机号（默认隐去中间四位）。")
@json_option
@refusals
def show(member_no, full):
    """一位会员的全部信息和变更记录。"""
    db = open_store()
    member = store.require_member(db, member_no)
    data = {"member": member_view(member, date.today(), store.unit_numbers(db), full),
            "history": [history_view(row, full) for row in store.history_of(db, "member", member["id"])]}

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


@member_change("set-category", "调整原因，记入变更记录。")
@click.argument("category")
def set_category(member_no, category, reason, actor):
    """调整会员类别（学生会员 / 普通会员 / 高级会员；会士请用 promote-fellow）。"""
    code = store.category_code(normalise(category))
    data, _ = changed(member_no, lambda db: store.change_category(db, member_no, code, actor, reason))
    return data, lambda d: click.echo(say(
        "cli_members.category_changed", member_no=d["member_no"], name=d["name"],
        old=category_name(d["old"]["category"]), new=category_name(d["new"]["category"])))


@member_change("suspend", "暂停原因，记入变更记录。")
def suspend(member_no, reason, actor):
    """暂停会籍（不删除任何数据，可用 resume 恢复）。"""
    data, _ = changed(member_no, lambda db: store.suspend_member(db, member_no, actor, reason))
    return data, lambda d: click.echo(say("cli_members.suspended", reason=reason, **d))


@member_change("resume", "恢复原因（可不填）。", reason_required=False)
def resume(member_no, reason, actor):
    """恢复被暂停的会籍。"""
    data, _ = changed(member_no, lambda db: store.resume_member(db, member_no, actor, reason))
    return data, lambda d: click.echo(say("cli_members.resumed", **d))


@member_change("promote-fellow", "增补依据（如理事会决议），记入变更记录。")
def promote_fellow(member_no, reason, actor):
    """增补会士：会士不得超过个人会员总数的 1%（比例见 content/membership.toml）。"""
    data, db = changed(member_no, lambda db: store.promote_to_fellow(db, member_no, actor, reason))
    data["fellow_cap"] = store.fellow_cap(db)
    return data, lambda d: click.echo(say("cli_members.promoted", **d, **d["fellow_cap"]))


# --- the roster file -----------------------------------------------------------------

def _apply(db, plan: roster.ImportPlan, file: Path, actor: str, today: date) -> list[dict]:
    """Write the plan in one transaction; returns the created members, numbered."""
    def reason(row: int) -> str:
        return say("cli_roster.history_reason", file=file.name, row=row)

    result = store.import_members(
        db,
        new=[(fields, reason(row)) for row, fields in plan.new],
        changes=[(member["id"], changes, reason(row)) for row, member, changes in plan.updates],
        actor=actor, today=today)
    return result["created"]


def problem_view(problem: roster.Problem) -> dict:
    key = f"cli_roster.problems.{problem.reason}"
    try:
        text = say(key, **problem.facts)
    except content.ContentError:
        text = say(f"validation.{problem.reason}")
    column = problem.column
    return {"row": problem.row, "column": column and column.key, "header": column and column.header,
            "letter": column and column.letter, "value": mask_mobile(problem.value),
            "problem": text}


def import_data(plan: roster.ImportPlan, file: Path, created: list[dict] | None,
                dry_run: bool, db) -> dict:
    sheet = plan.sheet
    numbers = [m["member_no"] for m in created] if created else [f.get("member_no") for _, f in plan.new]
    return {
        "file": file.name,
        "header_rows": sheet.header_rows,
        "rows": len(sheet.rows),
        "applied": created is not None,
        "dry_run": dry_run,
        "new": [{"row": row, "member_no": number, "name": fields["name"]}
                for (row, fields), number in zip(plan.new, numbers)],
        "updated": [{"row": row, "member_no": m["member_no"], "name": m["name"],
                     "changes": {k: [mask_mobile(str(m[k] or "")), mask_mobile(str(v))]
                                 for k, v in changes.items()}}
                    for row, m, changes in plan.updates],
        "unchanged": [{"row": row, "member_no": m["member_no"]} for row, m in plan.unchanged],
        "problems": [problem_view(p) for p in plan.problems],
        "bad_rows": plan.bad_rows,
        "notes": [{"row": row, "text": text} for row, text in sheet.notes],
        "ignored_columns": [f"{c.header}（{c.letter} 列）" for c in sheet.ignored],
        "fellow_cap": store.fellow_cap(db),
    }


def print_import_report(d: dict) -> None:
    header = "-".join(str(r) for r in sorted({d["header_rows"][0], d["header_rows"][-1]}))
    click.echo(say("cli_roster.read", file=d["file"], header=header, count=d["rows"]))
    if d["ignored_columns"]:
        click.echo(say("cli_roster.ignored_columns", columns="、".join(d["ignored_columns"])))
    for note in d["notes"]:
        click.echo(say("cli_roster.note", **note))
    if d["problems"]:
        click.echo(say("cli_roster.problems_title"))
    for p in d["problems"]:
        line = "cli_roster.problem" if p["column"] else "cli_roster.row_problem"
        click.echo("  " + say(line, **dict(p, value=f"“{p['value']}”" if p["value"] else "")))
    for u in d["updated"]:
        click.echo(say("cli_roster.updated", **dict(u, changes=changes_text(u["changes"], full=True))))
    click.echo(say("cli_roster.summary", new=len(d["new"]), updated=len(d["updated"]),
                   unchanged=len(d["unchanged"]), bad=len(d["bad_rows"])))
    if d["dry_run"]:
        click.echo(say("cli_roster.dry_run"))
    elif d["applied"] and d["bad_rows"]:
        click.echo(say("cli_roster.skipped", bad=len(d["bad_rows"])))
    if d["applied"] and not d["new"] and not d["updated"]:
        click.echo(say("cli_roster.unchanged_all"))
    cap = d["fellow_cap"]
    if cap["fellows"] > cap["limit"]:
        click.echo(say("cli_roster.fellows_over_cap", share=percent(cap["max_share"]), **cap))


@members.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--skip-bad-rows", is_flag=True, help="只导入没有问题的行（默认有问题就都不导入）。")
@click.option("--dry-run", is_flag=True, help="只检查并报告，不写入。")
@actor_option
@json_option
@refusals
def import_(file, skip_bad_rows, dry_run, actor):
    """导入会员名册（.xlsx 或 .csv），先出校验报告；同一文件重复导入不会重复建档。"""
    db, today = open_store(), date.today()
    plan = roster.plan_import(db, roster.read_roster(file), today)
    blocked = bool(plan.problems) and not skip_bad_rows
    created = None if blocked or dry_run else _apply(db, plan, file, actor, today)
    data = import_data(plan, file, created, dry_run, db)
    if blocked:
        report_then_fail(data, print_import_report, say("cli_roster.blocked", bad=len(plan.bad_rows)))
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
    data = {"file": str(file), "count": len(rows)}
    return data, lambda d: click.echo(say("cli_members.exported", **d))
