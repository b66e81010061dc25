"""Member work the command line and the web console both do, said the same way in both.

Approving and rejecting applications (with the applicant's notice), applying
a roster import and the report on it, and the Chinese wording of members,
their history and refusals. The commands (bot/commands/members.py) and the
console (bot/admin/) only differ in how they show the result, so a decision
taken in either place records, notifies and reads alike.
"""
from __future__ import annotations

import json
import re
from contextlib import nullcontext
from datetime import date
from decimal import Decimal
from typing import Callable

import redis

from bot import clock, content, delivery, pinyin
from handlers.members import roster
from handlers.fees import dues
from bot.privacy import mask_id_number, mask_mobile, mask_personal
from bot.sheet_import import column_label, header_text, problem_view, sheet_lines
from bot.validation import age_band, normalise
from handlers.members import records
from handlers.members.rules import membership_rules
from storage import members as store
from storage.database import scratch_copy
from storage.news import topics_of
from storage.sqlite import transaction

SHOW_FIELDS = ("member_no", "name", "gender", "category", "status", "standing", "paid_through", "birth_year",
               "age_band", "title", "work_unit", "unit_no", "institution_type", "post_category",
               "discipline", "mobile", "email", "school", "graduation_year", "council_role",
               "joined_at", "wechat", "reachable", "remarks")

Connect = Callable[[], redis.Redis]  # opens Redis only when a notice is queued


# --- wording --------------------------------------------------------------------

def say(key: str, **fields) -> str:
    return content.text(key, **fields)


def label(kind: str, code) -> str:
    """The Chinese name of a code under [cli_labels.<kind>] (statuses, standings, fields ...)."""
    if code is None:
        return ""
    return content.replies()["cli_labels"][kind].get(str(code), str(code))


def category_name(code: str | None) -> str:
    return membership_rules()["categories"].get(code, code or "")


def percent(share: float) -> str:
    return f"{share * 100:g}%"


def field_text(key: str, value, full: bool = False) -> str:
    """One stored value as the secretariat reads it: names for codes, masked mobiles and ID numbers."""
    if value is None or value == "":
        return "—"
    if key == "category":
        return category_name(value)
    if key == "status":
        return label("statuses", value)
    if key == "standing":
        return label("standings", value)
    if key == "paid_through" and dues.is_lifetime(value):
        return content.text("fees.words.forever")
    if isinstance(value, bool):
        return label("words", "yes" if value else "no")
    return str(value) if full else mask_personal(str(value))


def changes_text(changes: dict, full: bool = False, name=None, value=None) -> str:
    """{"category": ["regular", "fellow"]} -> 类别：普通会员 → 会士

    `name(key)` and `value(key, value)` word fields other than a member's (the console's users).
    """
    name = name or (lambda key: label("fields", key))
    value = value or (lambda key, v: field_text(key, v, full))
    return "；".join(f"{name(key)}：{value(key, old)} → {value(key, new)}" for key, (old, new) in changes.items())


def explain(refused: store.Refused) -> str:
    """A refusal from the store as one Chinese sentence with its facts."""
    facts = clock.with_times_shown(refused.facts)
    if "status" in facts:
        facts["status"] = label("statuses", facts["status"])
    if "category" in facts:
        facts["category"] = category_name(facts["category"])
    if "mobile" in facts:
        facts["mobile"] = mask_mobile(facts["mobile"] or "")
    if "max_share" in facts:
        facts["share"] = percent(facts["max_share"])
    return say(f"cli_refused.{refused.reason}", **facts)


def search_text(text: str) -> str:
    """What to look members up by: a mobile typed as `138 1234 5678` loses its spaces."""
    query = normalise(text)
    if re.fullmatch(r"[\d\s\-]+", query):
        query = re.sub(r"[\s\-]", "", query)
    return query


PINYIN_TYPED = re.compile(r"[A-Za-z][A-Za-z\s']*")


def names_in_pinyin(db, text: str) -> list[str]:
    """The members' names that the text spells in pinyin, whole or begun (wangfang, wang fang, sunh: 王芳, 孙浩),
    or by their initials (wf); none for text that is not Latin letters."""
    typed = re.sub(r"[\s']", "", text).lower()
    if not PINYIN_TYPED.fullmatch(text.strip()) or len(typed) < 2:
        return []
    return [name for name in store.member_names_all(db)
            if (reading := pinyin.name_reading(name)) and len(reading) > 1
            and ("".join(reading).startswith(typed) or "".join(s[0] for s in reading) == typed)]


# --- views ----------------------------------------------------------------------

def member_view(member: dict, today: date, units: dict[int, str], full: bool = False) -> dict:
    """A member as the secretariat sees it (codes kept; mobile masked unless full).

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
        view["remarks"] = mask_personal(member.get("remarks") or "") or None  # 手机号已换 13812345678, 身份证号：…
    return view


def members_data(db, rows: list[dict]) -> list[dict]:
    today, units = date.today(), store.unit_numbers(db)
    return [member_view(member, today, units) for member in rows]


def history_view(row: dict, full: bool, db=None) -> dict:
    """One history row as the secretariat reads it. With `db`, references become names: a unit's
    internal id its number and name, a member acting by chat their name and number, a bound
    WeChat account 已绑定 (never the openid); changes that read the same on both sides are left out."""
    detail = json.loads(row["detail"]) if row["detail"] else None
    if detail and db is not None:
        detail = _readable_changes(db, detail)
    view = {"at": row["at"], "actor": row["actor"], "action": row["action"], "reason": row["reason"],
            "detail": detail or None, "actor_name": _actor_name(db, row["actor"]) if db is not None else None}
    if not full:
        view = json.loads(mask_personal(json.dumps(view, ensure_ascii=False)))
    return view


def without_id_numbers(item):
    """A member's view or history item with the ID card numbers masked, mobiles left as they are:
    what the society's staff see (only its admin needs the whole number, for a certificate or an award)."""
    if isinstance(item, str):
        return mask_id_number(item)
    if isinstance(item, dict):
        return {key: without_id_numbers(value) for key, value in item.items()}
    if isinstance(item, (list, tuple)):
        return [without_id_numbers(value) for value in item]
    return item


def _unit_text(db, unit_id) -> str | None:
    unit = store.find_unit(db, unit_id) if isinstance(unit_id, int) else None
    return f"{unit['unit_no']} {unit['name']}" if unit else None


def _readable_changes(db, detail: dict) -> dict:
    """Changes keyed and valued for reading: unit_id -> unit, openid -> wechat, 0/1 -> 否/是."""
    readable = {}
    for key, pair in detail.items():
        if not (isinstance(pair, list) and len(pair) == 2):
            continue
        old, new = pair
        if key == "unit_id":
            key, old, new = "unit", _unit_text(db, old), _unit_text(db, new)
        elif key == "openid":
            key, old, new = "wechat", *(label("words", "bound" if v else "unbound") for v in (old, new))
        elif key in ("reachable", "active", "fellow") and old in (0, 1, None) and new in (0, 1, None):
            old, new = (None if v is None else label("words", "yes" if v else "no") for v in (old, new))
        elif key == "password_hash":
            key, old, new = "password", None, label("words", "changed")
        if (old in (None, "")) and (new in (None, "")) or old == new:
            continue  # "— → —": nothing a reader could see changed
        readable[key] = [old, new]
    return readable


def _actor_name(db, actor: str) -> str | None:
    """A member acting by chat (`openid:...`) as name and number, a console user (`console:...`) as
    their user name; None for other actors (command-line users by their --by name)."""
    if actor.startswith("console:"):
        return say("cli_labels.words.console_actor", username=actor[len("console:"):])
    if not actor.startswith("openid:"):
        return None
    member = store.find_member_by_openid(db, actor[len("openid:"):])
    if member is None:
        return say("cli_labels.words.wechat_user")
    return say("cli_labels.words.member_actor", name=member["name"] or "—", member_no=member["member_no"] or "—")


def action_text(code: str) -> str:
    """An action's name; an action without one reads as a change, never as its code."""
    names = content.replies()["cli_labels"]["actions"]
    return names.get(code) or names["updated"]


def history_line(item: dict) -> str:
    """One history_view on one line: when, who, what, why, and the changes."""
    parts = [clock.shown(item["at"]), item.get("actor_name") or item["actor"], action_text(item["action"])]
    if item["reason"]:
        parts.append(f"{label('fields', 'reason')}：{item['reason']}")
    if item["detail"]:
        parts.append(changes_text(item["detail"], full=True))  # already masked unless asked full
    return "  ".join(parts)


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
        "applied_at": clock.day_shown(application["created_at"]),
    }


# --- decisions on applications -----------------------------------------------------

def notify(connect: Connect, openid: str, text: str) -> dict:
    """Queue the applicant's notice (a service notice: template when the chat window is closed);
    the decision stands even if Redis cannot take it now."""
    try:
        return {"notice_job": delivery.notify(connect(), openid, text, kind="approval"),
                "notice_error": None}
    except (redis.RedisError, OSError) as error:
        return {"notice_job": None, "notice_error": str(error)}


def _mirror_subscriptions(db, connect: Connect, openid: str) -> None:
    """A new member's default topics go to their WeChat tags too; later syncs catch up if this fails."""
    try:
        delivery.sync_tags_later(connect(), openid, topics_of(db, openid))
    except (redis.RedisError, OSError):
        pass


def _approval_data(result: dict, connect: Connect) -> dict:
    application, member, unit = result["application"], result["member"], result["unit"]
    if unit:
        data = {"app_no": application["app_no"], "kind": "unit", "name": unit["name"],
                "unit_no": unit["unit_no"], "invite_code": unit["invite_code"]}
        text = say("approval_notice.approved_unit", **data)
    else:
        data = {"app_no": application["app_no"], "kind": "individual", "name": member["name"],
                "member_no": member["member_no"], "category": member["category"]}
        text = say("approval_notice.approved", **dict(data, category=category_name(member["category"])))
    return dict(data, **notify(connect, application["openid"], text))


def approve(db, connect: Connect, app_nos: list[str], actor: str, today: date) -> list[dict]:
    """Approve all the applications or none (store.Refused), then tell each applicant."""
    results = records.approve_applications(db, app_nos, actor, today)
    for result in results:
        if result["member"]:
            _mirror_subscriptions(db, connect, result["application"]["openid"])
    return [_approval_data(result, connect) for result in results]


def reject(db, connect: Connect, app_nos: list[str], actor: str, reason: str) -> list[dict]:
    """Reject all the applications or none (store.Refused), then tell each applicant why."""
    with transaction(db):
        applications = [records.reject_application(db, app_no, actor, reason) for app_no in app_nos]
    decided = []
    for application in applications:
        data = {"app_no": application["app_no"], "name": application["data"].get("name"),
                "reason": reason}
        data.update(notify(connect, application["openid"], say("approval_notice.rejected", **data)))
        decided.append(data)
    return decided


# --- roster import ----------------------------------------------------------------

def apply_import(db, plan: roster.ImportPlan, file_name: str, actor: str, today: date) -> list[dict]:
    """Write the plan in one transaction; returns the created members, numbered."""
    def reason(row: int) -> str:
        return say("cli_roster.history_reason", file=file_name, row=row)

    result = records.import_members(
        db,
        new=[(fields, reason(row)) for row, fields in plan.new],
        changes=[(member["id"], changes, reason(row)) for row, member, changes in plan.updates],
        actor=actor, today=today,
        new_units=[(fields, reason(row)) for row, fields in plan.new_units],
        unit_changes=[(unit["id"], changes, reason(row)) for row, unit, changes in plan.unit_updates])
    written = [*zip([row for row, _ in plan.new], result["created"]),
               *zip([row for row, _, _ in plan.updates], result["updated"])]
    for row, member in written:
        if row in plan.replaced:  # said by the remarks, not the column: an older file will not bring it back
            with transaction(db):
                store.record_history(db, "member", member["id"], "mobile_from_remarks", actor, reason(row),
                                     plan.replaced[row])
    return {"members": result["created"], "units": result["units"]}


def problem_text(reason: str, **facts) -> str:
    """What is wrong with a cell: the roster's own wording, else the chat's."""
    try:
        return say(f"cli_roster.problems.{reason}", **facts)
    except content.ContentError:
        return say(f"validation.{reason}")


def notice_view(notice: roster.Problem) -> dict:
    column = notice.column
    return {"row": notice.row, "column": column and column.key, "header": column and column.header,
            "letter": column and column.letter, "value": notice.value,
            "notice": say(f"cli_roster.notices.{notice.reason}", **notice.facts)}


def check_view(check: roster.Problem) -> dict:
    """A row imported that a person should look at, or one left out: the row, the column and why, in Chinese."""
    column = check.column
    return {"row": check.row, "column": column and column.key, "header": column and column.header,
            "letter": column and column.letter, "value": check.value, "reason": check.reason,
            "check": say(f"cli_roster.checks.{check.reason}", value=check.value,
                         **dict(check.facts, reason=problem_text(check.facts["reason"])
                                if "reason" in check.facts else ""))}


def conflict_view(conflict: dict) -> dict:
    return dict(conflict, label=label("fields", conflict["field"]),
                stored_text=field_text(conflict["field"], conflict["stored"], full=True),
                file_text=field_text(conflict["field"], conflict["file"], full=True))


def _lists_fellows(plan: roster.ImportPlan) -> bool:
    """Whether the file has a fellow in it (new, made one, or as before): only then does its report say the
    fellows are over the cap; a file of unit members or regular members has nothing to do with it."""
    return (any(fields.get("category") == "fellow" for _, fields in plan.new)
            or any(changes.get("category", member.get("category")) == "fellow" for _, member, changes in plan.updates)
            or any(member.get("category") == "fellow" for _, member in plan.unchanged))


def _fellow_cap(db, plan: roster.ImportPlan, ahead: bool) -> dict:
    """The fellow cap (records.fellow_cap) of the store, or (`ahead`) of the store as the plan would leave it: the
    members it adds counted among the individuals, the fellows it adds or makes among the fellows. `added`: the
    fellows the file adds or makes (none: the fellows over the cap were so before it)."""
    cap = records.fellow_cap(db)
    added = [fields for _, fields in plan.new if fields.get("status", "active") in store.ROLL_STATUSES]
    made = [changes for _, member, changes in plan.updates
            if changes.get("category") == "fellow" and member.get("category") != "fellow"]
    fellows_added = sum(f.get("category") == "fellow" for f in added) + len(made)
    if not ahead:
        return dict(cap, added=fellows_added)
    individuals = cap["individuals"] + len(added)
    return dict(cap, individuals=individuals, limit=int(individuals * Decimal(str(cap["max_share"]))),
                fellows=cap["fellows"] + fellows_added, added=fellows_added)


def import_report(plan: roster.ImportPlan, file_name: str, created: dict | None,
                  dry_run: bool, db, ahead: bool = False) -> dict:
    """The validation report of an import, before (created None) or after it was written; `ahead`: `db` does not
    hold the plan's rows yet (a check of one sheet), so the fellow cap counts them as the import would leave it."""
    sheet = plan.sheet
    unread = roster.unread_dues_columns(sheet)
    kept = [column for column in roster.kept_in_remarks(sheet) if column not in unread]
    members, units = (created["members"], created["units"]) if created else (None, None)
    numbers = [m["member_no"] for m in members] if members else [f.get("member_no") for _, f in plan.new]
    unit_numbers_ = [u["unit_no"] for u in units] if units else [f.get("unit_no") for _, f in plan.new_units]
    return _id_numbers_masked({
        "file": file_name,
        "header_rows": sheet.header_rows,
        "rows": len(sheet.rows),
        "applied": created is not None,
        "dry_run": dry_run,
        "new": [{"row": row, "member_no": number, "name": fields["name"]}
                for (row, fields), number in zip(plan.new, numbers)],
        "updated": [{"row": row, "member_no": m["member_no"], "name": m["name"],
                     "changes": _readable_changes(db, {k: [m[k], v] for k, v in changes.items()})}
                    for row, m, changes in plan.updates],
        "unchanged": [{"row": row, "member_no": m["member_no"]} for row, m in plan.unchanged],
        "new_units": [{"row": row, "unit_no": number, "name": fields["name"]}
                      for (row, fields), number in zip(plan.new_units, unit_numbers_)],
        "updated_units": [{"row": row, "unit_no": u["unit_no"], "name": u["name"],
                           "changes": {k: [u[k], v] for k, v in changes.items()}}
                          for row, u, changes in plan.unit_updates],
        "repeated": [{"row": row, "first": first} for row, first in plan.repeated],
        "notices": [notice_view(n) for n in plan.notices],
        "checks": [check_view(c) for c in sorted(plan.checks, key=lambda c: c.row)],
        "left_out": [check_view(c) for c in plan.left_out],
        "conflicts": [conflict_view(c) for c in plan.conflicts],
        "problems": [problem_view(p, problem_text) for p in plan.problems],
        "bad_rows": plan.bad_rows,
        "notes": [{"row": row, "text": text} for row, text in sheet.notes],
        "ignored_columns": [column_label(c) for c in sheet.ignored if c not in kept],
        "remark_columns": [column_label(c) for c in kept],
        "unread_dues_columns": [column_label(c) for c in unread],
        "fellow_cap": _fellow_cap(db, plan, ahead) if _lists_fellows(plan) else None,
        "sheet": sheet.name,
        "new_header": sheet.new_header,
        "not_a_roster": sheet.not_imported,
        "records_as_of": roster.records_as_of(sheet),
        "no_mobile": roster.left_without_mobile(plan),
    })


def _id_numbers_masked(value):
    """The report with every ID card number in it masked (a remark changed, a conflict, a refused cell): it is
    printed and shown to the staff, who see them masked; its mobiles stay whole, as the report's rule is."""
    if isinstance(value, str):
        return mask_id_number(value)
    if isinstance(value, dict):
        return {key: _id_numbers_masked(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(map(_id_numbers_masked, value))
    return value


def import_rosters(db, sheets: list, file_name: str, actor: str, today: date, units: bool = False,
                   overwrite: bool = False, write: bool = True, skip_bad_rows: bool = False,
                   dry_run: bool = False) -> tuple[dict, bool]:
    """Plan every roster sheet of a file and, when `write` and not blocked by bad rows (unless
    `skip_bad_rows`), write them in the workbook's order, each planned over the ones written before
    it (one person on two branches' sheets is created once). Returns (report, blocked)."""
    plans = [roster.plan_import(db, sheet, today, units=units, overwrite=overwrite)
             for sheet in sheets]
    blocked = any(plan.problems for plan in plans) and not skip_bad_rows
    corrected = roster.corrected_elsewhere(sheets)
    write = write and not blocked and not dry_run
    # A preview of several sheets says what writing them would do: each planned over the ones before
    # it (the 2026新入会 sheet's row of a member on the first sheet is an update), written to a copy
    # of the store that is thrown away.
    preview = not write and len(sheets) > 1
    reports = []
    with scratch_copy(db) if preview else nullcontext(db) as store_now:
        for position, sheet in enumerate(sheets):
            plan = roster.plan_import(store_now, sheet, today, units=units, overwrite=overwrite) \
                if (write or preview) and position else plans[position]
            created = apply_import(store_now, plan, file_name, actor, today) if write or preview else None
            plan.checks.extend(corrected[position])
            reports.append(import_report(plan, file_name, created if write else None, dry_run, store_now,
                                         ahead=not (write or preview)))
    return (reports[0] if len(reports) == 1 else workbook_report(reports)), blocked


def workbook_report(reports: list[dict]) -> dict:
    """One report for a workbook of several roster sheets (three branches' forms): every row listed
    says its sheet; `sheets` holds each sheet's own report, printed one after the other."""
    merged = dict(reports[-1], rows=sum(r["rows"] for r in reports), sheets=reports,
                  applied=all(r["applied"] for r in reports))
    for key in ("new", "updated", "unchanged", "new_units", "updated_units", "repeated", "notices", "checks",
                "left_out", "conflicts", "problems", "notes"):
        merged[key] = [dict(item, sheet=r["sheet"]) for r in reports for item in r[key]]
    merged["bad_rows"] = [row for r in reports for row in r["bad_rows"]]
    return merged


def _part_heading(report: dict) -> tuple[str, str]:
    """The line over a sheet's report in a workbook's: its name, or where a header came again in it."""
    if report["new_header"]:
        return "notices_title", say("cli_roster.new_header", row=report["new_header"])
    return "notices_title", say("cli_roster.sheet_heading", sheet=report["sheet"])


def report_lines(report: dict) -> list[tuple[str, str]]:
    """The report as (kind, sentence) lines, kind one of read, note, problems_title, problem,
    updated, summary, done, warning: the command prints them, the console lays them out."""
    if report.get("sheets"):
        return [line for sheet in report["sheets"]
                for line in [_part_heading(sheet), *report_lines(sheet)]]
    d = report
    if d.get("not_a_roster"):
        return [("warning", say("cli_roster.not_a_roster", sheet=d["sheet"] or "", said=d["not_a_roster"]))]
    lines = sheet_lines(d, header_text(d["header_rows"]))
    if d.get("remark_columns"):
        lines.append(("note", say("cli_roster.remark_columns", columns="、".join(d["remark_columns"]))))
    if d.get("unread_dues_columns"):
        lines.append(("note", say("cli_roster.unread_dues_columns", columns="、".join(d["unread_dues_columns"]))))
    if d.get("records_as_of"):
        lines.append(("note", say("cli_roster.records_as_of", day=d["records_as_of"])))
    if d.get("no_mobile"):
        looked_for = "、".join(f"“{header}”" for header in roster.columns()["mobile"]["aliases"])
        lines.append(("warning", say("cli_roster.no_mobile_column", count=d["no_mobile"], looked_for=looked_for)))
    lines += [("note", say("cli_roster.repeated", **r)) for r in d["repeated"]]
    if d["left_out"]:
        lines.append(("problems_title", say("cli_roster.left_out_title")))
    lines += [("problem", say("cli_roster.check" if c["letter"] else "cli_roster.row_left_out",
                              **dict(c, header=c["header"] or ""))) for c in d["left_out"]]
    if d["notices"]:
        lines.append(("notices_title", say("cli_roster.notices_title")))
    lines += [("notice", say("cli_roster.notice", **n)) for n in d["notices"]]
    if d["checks"]:  # before 确认导入 nothing is imported yet: said so
        lines.append(("notices_title", say("cli_roster.checks.title" if d["applied"] else "cli_roster.checks.title_before")))
    lines += [("notice", say("cli_roster.check", **dict(c, header=c["header"] or "", letter=c["letter"] or "")))
              for c in d["checks"]]
    if d["conflicts"]:
        overwritten = d["conflicts"][0]["overwritten"]
        lines.append(("conflicts_title", say("cli_roster.conflicts_title_overwritten" if overwritten
                                             else "cli_roster.conflicts_title")))
    for c in d["conflicts"]:
        when = say("cli_roster.conflict_when", at=clock.shown(c["at"]), actor=c["actor"]) if c["at"] else ""
        lines.append(("conflict", say("cli_roster.conflict", **dict(
            c, field=c["label"], stored=c["stored_text"], file=c["file_text"], when=when))))
    lines += [("updated", say("cli_roster.updated", **dict(u, changes=changes_text(u["changes"], full=True))))
              for u in d["updated"]]
    lines += [("updated", say("cli_roster.unit_new", **dict(u, unit_no=u["unit_no"] or say("cli_roster.numbered_later"))))
              for u in d["new_units"]]
    lines += [("updated", say("cli_roster.unit_updated", **dict(u, changes=changes_text(u["changes"], full=True))))
              for u in d["updated_units"]]
    lines.append(("summary", say("cli_roster.summary", new=len(d["new"]), updated=len(d["updated"]),
                                 unchanged=len(d["unchanged"]) + len(d["repeated"]), bad=len(d["bad_rows"]))))
    if d["new_units"] or d["updated_units"]:
        lines.append(("summary", say("cli_roster.units_summary", new=len(d["new_units"]),
                                     updated=len(d["updated_units"]))))
    if d["dry_run"]:
        lines.append(("done", say("cli_roster.dry_run")))
    elif d["applied"] and d["bad_rows"]:
        lines.append(("done", say("cli_roster.skipped", bad=len(d["bad_rows"]))))
    if d["applied"] and not (d["new"] or d["updated"] or d["new_units"] or d["updated_units"]):
        lines.append(("done", say("cli_roster.unchanged_all")))
    cap = d["fellow_cap"]
    if cap and cap["fellows"] > cap["limit"]:
        lines.append(("warning", say("cli_roster.fellows_over_cap" if cap["added"] else "cli_roster.fellows_over_cap_before",
                                     share=percent(cap["max_share"]), **cap)))
    return lines
