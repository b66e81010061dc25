"""The secretariat's member roster as a file: what each cell must hold and what an import changes.

Importing is planned before anything is written: every row is cleaned with
the same checks the chat uses (bot/validation.py), matched to the store by
member number (or, for a row without one, by mobile and name), and sorted
into new, changed and unchanged rows plus problems that name row and
column. The caller then writes the plan in one transaction, or not at all.
Blank cells never clear what the store holds, so an old roster cannot erase
an email a member added by chat.
"""
from __future__ import annotations

import calendar
import re
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

import sqlite_utils

from bot import content
from bot.spreadsheets import Column, Sheet, SheetError, is_blank, read_table
from bot.validation import (Invalid, clean_birth_year, clean_choice, clean_email, clean_mobile,
                            clean_name, clean_text, normalise)
from storage.members import (INDIVIDUAL_CATEGORIES, find_member_by_no, find_members_by_mobile,
                             find_unit_by_no, unit_numbers)

UNIQUE_COLUMNS = ("member_no", "mobile")  # a second row with the same value is a duplicate


def columns() -> dict[str, dict]:
    """Canonical column -> {label, aliases, required}, in export order."""
    return content.load_toml("roster_columns.toml")["columns"]


def _membership() -> dict:
    return content.load_toml("membership.toml")


# --- reading ------------------------------------------------------------------

def read_roster(path: Path) -> Sheet:
    sheet = read_table(path, {key: spec["aliases"] for key, spec in columns().items()})
    missing = [spec["label"] for key, spec in columns().items()
               if spec.get("required") and key not in sheet.columns]
    if missing:
        raise SheetError("missing_columns", columns="、".join(missing))
    return sheet


# --- cleaning one cell ----------------------------------------------------------

def _clean_member_no(value, today: date) -> str:
    text = re.sub(r"\s", "", normalise(value)).upper()
    if not re.fullmatch(r"[A-Z0-9\-]{4,24}", text):
        raise Invalid("member_no")
    return text


def _clean_category(value, today: date) -> str:
    names = {code: _membership()["categories"][code] for code in INDIVIDUAL_CATEGORIES}
    text = normalise(value)
    if text in names:
        return text
    chosen = clean_choice(text, list(names.values()), "category")
    return next(code for code, name in names.items() if name == chosen)


def _clean_birth_year(value, today: date) -> int:
    """1985, 1985.06, 1985年6月 or a date cell: only the year is kept."""
    if isinstance(value, (date, datetime)):
        value = value.year
    found = re.match(r"\d{4}", normalise(value))
    return clean_birth_year(found.group() if found else value, today)


_DATE = re.compile(r"(\d{4})(?:[.\-/年](\d{1,2})(?:[.\-/月](\d{1,2})日?)?月?)?年?")


def parse_date(value, end_of_period: bool = False) -> str:
    """A date as rosters write it, to ISO: `2019.03` is 2019-03-01, or 2019-03-31 as an end date.

    Paid-through dates are ends: `2025` alone means paid through 2025-12-31.
    """
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    found = _DATE.fullmatch(re.sub(r"\s", "", normalise(value)))
    if not found:
        raise Invalid("date")
    year = int(found.group(1))
    month = int(found.group(2) or (12 if end_of_period else 1))
    day = found.group(3)
    try:
        if day is None:
            day = calendar.monthrange(year, month)[1] if end_of_period else 1
        return date(year, month, int(day)).isoformat()
    except ValueError:
        raise Invalid("date") from None


def _choice(reason: str, key: str):
    return lambda value, today: clean_choice(value, _membership()["choices"][key], reason)


def _text(reason: str, min_len: int, max_len: int):
    return lambda value, today: clean_text(value, reason, min_len, max_len)


CLEANERS = {
    "member_no": _clean_member_no,
    "name": lambda value, today: clean_name(value),
    "category": _clean_category,
    "birth_year": _clean_birth_year,
    "work_unit": _text("work_unit", 2, 60),
    "institution_type": _choice("institution_type", "institution_types"),
    "post_category": _choice("post_category", "post_categories"),
    "discipline": _text("discipline", 2, 30),
    "mobile": lambda value, today: clean_mobile(value),
    "email": lambda value, today: clean_email(value),
    "joined_at": lambda value, today: parse_date(value),
    "paid_through": lambda value, today: parse_date(value, end_of_period=True),
    "council_role": _text("council_role", 1, 30),
    "unit_no": lambda value, today: _clean_member_no(value, today),
}


# --- the plan -------------------------------------------------------------------

@dataclass
class Problem:
    row: int
    column: Column | None
    value: str
    reason: str        # a key under [cli_roster.problems] or [validation]
    facts: dict = field(default_factory=dict)


@dataclass
class ImportPlan:
    sheet: Sheet
    new: list[tuple[int, dict]] = field(default_factory=list)
    updates: list[tuple[int, dict, dict]] = field(default_factory=list)  # row, member, changes
    unchanged: list[tuple[int, dict]] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)

    @property
    def bad_rows(self) -> list[int]:
        return sorted({p.row for p in self.problems})


def plan_import(db: sqlite_utils.Database, sheet: Sheet, today: date) -> ImportPlan:
    """What importing the sheet would do, row by row; writes nothing."""
    plan = ImportPlan(sheet)
    seen: dict[tuple[str, str], int] = {}
    for row, values in sheet.rows:
        fields, problems = _clean_row(sheet, row, values, today)
        problems += _duplicates_in_file(sheet, row, fields, seen)
        member = None
        if not problems:
            member, problems = _match(db, sheet, row, fields)
        if problems:
            plan.problems.extend(problems)
        elif member is None:
            plan.new.append((row, fields))
        else:
            changes = {k: v for k, v in fields.items() if member.get(k) != v}
            if changes:
                plan.updates.append((row, member, changes))
            else:
                plan.unchanged.append((row, member))
    return plan


def _clean_row(sheet: Sheet, row: int, values: dict, today: date) -> tuple[dict, list[Problem]]:
    fields, problems = {}, []
    for key, value in values.items():
        column = sheet.columns[key]
        if is_blank(value):
            if columns()[key].get("required"):
                problems.append(Problem(row, column, "", "required"))
            continue
        try:
            fields[key] = CLEANERS[key](value, today)
        except Invalid as bad:
            problems.append(Problem(row, column, _shown(value), bad.reason))
    return fields, problems


def _shown(value) -> str:
    if isinstance(value, (date, datetime)):
        return value.isoformat()[:10]
    return str(value)


def _duplicates_in_file(sheet: Sheet, row: int, fields: dict,
                        seen: dict[tuple[str, str], int]) -> list[Problem]:
    """A member listed twice in one file is reported on the later row, and imported once."""
    problems = []
    for key in UNIQUE_COLUMNS:
        if key not in fields:
            continue
        first = seen.setdefault((key, fields[key]), row)
        if first != row:
            problems.append(Problem(row, sheet.columns[key], fields[key], "duplicate",
                                    {"row": first, "what": sheet.columns[key].header}))
    return problems


def _match(db: sqlite_utils.Database, sheet: Sheet, row: int,
           fields: dict) -> tuple[dict | None, list[Problem]]:
    """The stored member this row is about (None: a new one), or why it cannot be told.

    By member number; a row without one is the member with the same mobile
    and name. A mobile that belongs to someone else is a duplicate, not a
    second member.
    """
    problems = []
    if "unit_no" in fields:
        unit_no = fields.pop("unit_no")
        unit = find_unit_by_no(db, unit_no)
        if unit is None:
            return None, [Problem(row, sheet.columns["unit_no"], unit_no, "unit_no",
                                  {"value": unit_no})]
        fields["unit_id"] = unit["id"]
    member = find_member_by_no(db, fields["member_no"]) if "member_no" in fields else None
    if member and member["name"] != fields["name"]:
        problems.append(Problem(row, sheet.columns["name"], fields["name"], "name_differs",
                                {"member_no": member["member_no"], "name": member["name"]}))
    others = [m for m in find_members_by_mobile(db, fields["mobile"])
              if not member or m["id"] != member["id"]]
    if not member and "member_no" not in fields and others and others[0]["name"] == fields["name"]:
        return others[0], []
    for other in others[:1]:
        problems.append(Problem(row, sheet.columns["mobile"], fields["mobile"], "mobile_taken",
                                {"member_no": other["member_no"], "name": other["name"]}))
    return member, problems


# --- writing ----------------------------------------------------------------------

def export_table(db: sqlite_utils.Database, members: list[dict]) -> tuple[list[str], list[list]]:
    """Headers and rows in the roster's own columns, so an export imports back unchanged."""
    specs = columns()
    units = unit_numbers(db)
    names = _membership()["categories"]
    rows = []
    for member in members:
        values = dict(member, category=names.get(member["category"], member["category"]),
                      unit_no=units.get(member["unit_id"]))
        for key in ("joined_at", "paid_through"):
            if values.get(key):
                values[key] = date.fromisoformat(values[key][:10])
        rows.append([values.get(key) for key in specs])
    return [spec["label"] for spec in specs.values()], rows
