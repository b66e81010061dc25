"""A secretariat's sheet of records (the activity guide, award calls) checked and matched before anything is written.

The same steps as the member roster (handlers/members/roster.py), for any record kind a
`RecordSheet` describes: the header is found by the column names in a
content file; every cell is cleaned by its column's cleaner, which raises
`Invalid(reason)`; the row as a whole is checked (an end before its start);
a row is matched to a stored record by its number when the file has one
(an exported guide does), else by a natural key (society + title + year),
so the same file imported twice, or a corrected one, updates instead of
adding again; a number is never changed by an import.
Problems name the Excel row and column; `reason` is a key under
[sheet_import.problems] in content/replies/sheet_import.toml.

Blank cells never clear what is stored; a word such as 不限 may (its cleaner
returns None on purpose). Dates come as people type them: 2026.5.20,
2026年5月20日, 5月20日 (the year of the guide), a date cell, or a range
"5月20日-22日" in one cell.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Callable

from bot import content
from bot.spreadsheets import Column, ImportPlan, Problem, SheetError, is_blank, is_total, read_table
from bot.validation import Invalid, normalise

EXCEL_EPOCH = date(1899, 12, 30)
EXCEL_SERIALS = range(30000, 80000)  # 1982..2119 typed as a plain number


@dataclass(frozen=True)
class RecordSheet:
    texts: str                                   # the CLI's content section (its refusals)
    columns: Callable[[], dict]                  # key -> {label, aliases, required}, from content
    cleaners: dict                               # key -> (value, year) -> value, or a dict of fields
    check: Callable[[dict], list]                # completes a clean row; -> [(column key, reason, facts)]
    key: Callable[[dict], str]                   # the natural key of a complete row
    number: str                                  # the column holding the record's number
    title: str                                   # the column naming a record in the report
    find: Callable                               # (db, number or None, key) -> stored record or None
    closes: str | None = None                    # the column of the day it closes (one added now closes later)
    look: Callable[[dict], list] = lambda fields: []  # a clean row imported that a person should look at:
                                                 # [(column key, reason, facts)]


# --- cells ------------------------------------------------------------------------

_DROPPED = re.compile(r"[(（][^)）]*[)）]|星期.|周[一二三四五六日天]|上午|下午|晚上|全天|\d{1,2}:\d{2}(:\d{2})?")
_SEPARATOR = r"(?:-|—|–|~|～|至|到)+"
_FIRST = r"(?:(?P<y1>\d{4})[年./\-])?(?P<m1>\d{1,2})[月./\-](?P<d1>\d{1,2})[日号]?"
_LAST = r"(?:(?:(?P<y2>\d{4})[年./\-])?(?P<m2>\d{1,2})[月./\-])?(?P<d2>\d{1,2})[日号]?"
_DAY = re.compile(_FIRST)
_DAYS = re.compile(f"{_FIRST}(?:{_SEPARATOR}{_LAST})?")
_COMPACT = re.compile(r"(\d{4})(\d{2})(\d{2})")


def _plain(value) -> str:
    return _DROPPED.sub("", re.sub(r"\s", "", normalise(value)))


def _date(year, month, day) -> date:
    if year is None:
        raise Invalid("no_year")  # the sheet does not say which year, and neither did anyone
    try:
        return date(int(year), int(month), int(day))
    except ValueError:
        raise Invalid("date") from None


def _cell_date(value) -> date | None:
    """A date cell, or a number Excel stored instead of one (46162, 20260520)."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = normalise(value)
    if text.isdigit() and len(text) <= 8 and int(text) in EXCEL_SERIALS:  # longer: no date, nor a 500
        return EXCEL_EPOCH + timedelta(days=int(text))
    compact = _COMPACT.fullmatch(text)
    return _date(*compact.groups()) if compact else None


def parse_day(value, year: int) -> str:
    """One day as ISO; `year` when the cell leaves it out."""
    found = _cell_date(value)
    if found:
        return found.isoformat()
    match = _DAY.fullmatch(_plain(value))
    if not match:
        raise Invalid("date")
    return _date(match["y1"] or year, match["m1"], match["d1"]).isoformat()


def parse_days(value, year: int) -> dict:
    """A day or a range of days in one cell: {"starts_on", "ends_on"} as ISO."""
    found = _cell_date(value)
    if found:
        return {"starts_on": found.isoformat(), "ends_on": found.isoformat()}
    match = _DAYS.fullmatch(_plain(value))
    if not match:
        raise Invalid("dates")
    first = _date(match["y1"] or year, match["m1"], match["d1"])
    if match["d2"] is None:
        return {"starts_on": first.isoformat(), "ends_on": first.isoformat()}
    month = int(match["m2"] or first.month)
    last_year = int(match["y2"] or (first.year + 1 if month < first.month else first.year))
    return {"starts_on": first.isoformat(), "ends_on": _date(last_year, month, match["d2"]).isoformat()}


def clean_choice(value, choices: dict[str, list[str]], reason: str) -> str:
    """The choice a text names: its name, or the name of the first alias it contains."""
    text = _plain(value)
    for name, aliases in choices.items():
        if text == name or any(alias in text for alias in aliases):
            return name
    raise Invalid(reason)


def clean_text(value, year: int) -> str:
    """Free text as written (Chinese punctuation stays full-width), on one line of single spaces."""
    return re.sub(r"\s+", " ", str(value)).strip()


def clean_link(value, year: int) -> str:
    text = normalise(value)
    if not re.fullmatch(r"https?://[^\s/]+\.[^\s]+", text):
        raise Invalid("link")
    return text


def no_checks(fields: dict) -> list:
    """For records whose cells say all there is to check."""
    return []


# --- the plan ------------------------------------------------------------------------

def _shown(value) -> str:
    if isinstance(value, (date, datetime)):
        return value.isoformat()[:10]
    return str(value)


def clean_fields(spec: RecordSheet, values: dict, year: int) -> tuple[dict, list[tuple[str, str, str, dict]]]:
    """A record's fields from its raw values (a row, or a command's options), and its problems
    as (column key, value as shown, reason, facts). Missing required columns are problems too."""
    fields, problems, columns = {}, [], spec.columns()
    for key, column in columns.items():
        value = values.get(key)
        if is_blank(value):
            if column.get("required"):
                problems.append((key, "", "required", {}))
            continue
        try:
            cleaned = spec.cleaners[key](value, year)
        except Invalid as bad:
            problems.append((key, _shown(value), bad.reason, {}))
            continue
        except (ValueError, OverflowError):  # a number or date beyond any sense (9999...): not a value
            problems.append((key, _shown(value), "unreadable", {}))
            continue
        fields.update(cleaned if isinstance(cleaned, dict) else {key: cleaned})
    if not problems:
        problems = [(key, _shown(fields.get(key) or ""), reason, facts) for key, reason, facts in spec.check(fields)]
    return fields, problems


def problem_text(reason: str, **facts) -> str:
    return content.text(f"sheet_import.problems.{reason}", **facts)


_YEAR = re.compile(r"(?<!\d)(20\d{2})(?!\d)\s*(年度)?")


def year_of(sheet, file_name: str, today: date) -> tuple[int | None, str]:
    """The year of dates written without one ("5月30日"): (year, where it was read), or
    (None, "unsure") when the place that should say names several years; (this year,
    "default") when nothing names one.

    A year marked 年度 anywhere above the header, in the sheet's or the file's name wins
    ("2027年度学术活动计划表", whatever the 填报日期 under it); else the title (the first
    line above the header), the sheet's name, the file's name, in that order.
    """
    places = [("title", sheet.titles[:1]), ("sheet", [sheet.name or ""]), ("file", [file_name])]
    marked = {int(y) for _, texts in places + [("", sheet.titles)] for text in texts
              for y, mark in _YEAR.findall(normalise(text)) if mark}
    if len(marked) == 1:
        return marked.pop(), "title"
    for source, texts in places:
        years = {int(y) for text in texts for y, _ in _YEAR.findall(normalise(text))}
        if len(years) == 1:
            return years.pop(), source
        if years:
            return None, "unsure"
    return today.year, "default"


def plan_import(db, spec: RecordSheet, path: Path, year: int | None, name: str | None = None) -> ImportPlan:
    """What importing the sheet would do, row by row; writes nothing.

    `year` is for dates written without one; None: read it from the sheet (year_of).
    `name` is the file's name as the secretariat knows it (an upload is saved under another).
    """
    columns = spec.columns()
    sheet = read_table(path, {key: column["aliases"] for key, column in columns.items()})
    missing = [column["label"] for key, column in columns.items()
               if column.get("required") and key not in sheet.columns]
    if missing:
        raise SheetError("missing_columns", columns="、".join(missing))
    plan, seen = ImportPlan(sheet), {}
    if year is None:
        year, plan.year_source = year_of(sheet, name or path.name, date.today())
    else:
        plan.year_source = "given"
    plan.year = year
    for row, values in sheet.rows:
        fields, problems = clean_fields(spec, values, year)
        if problems:
            plan.problems.extend(Problem(row, sheet.columns.get(key), value, reason, facts)
                                 for key, value, reason, facts in problems)
            continue
        plan.checks.extend(Problem(row, sheet.columns.get(key), fields.get(key, ""), reason, facts)
                           for key, reason, facts in spec.look(fields))
        key = spec.key(fields)
        first = seen.setdefault(key, row)
        stored = spec.find(db, fields.get(spec.number), key)
        if first != row:
            plan.problems.append(Problem(row, sheet.columns[spec.title], fields[spec.title], "duplicate",
                                         {"row": first}))
        elif stored is None:
            plan.new.append((row, fields))  # keeps the number the file gives, if any
        else:
            changes = {k: v for k, v in fields.items() if k != spec.number and stored.get(k) != v}
            if changes:
                plan.updates.append((row, stored, changes))
            else:
                plan.unchanged.append((row, stored))
    return plan


# --- the report ---------------------------------------------------------------------

def problem_view(problem: Problem, text: Callable[..., str] = problem_text) -> dict:
    """A problem as the secretariat's report shows it, in `text`'s words: the value in full, mobiles
    too, so the row can be found in Excel (the report is staff-only; logs keep masking)."""
    column = problem.column
    return {"row": problem.row, "column": column and column.key, "header": column and column.header,
            "letter": column and column.letter, "value": problem.value,
            "problem": text(problem.reason, **problem.facts)}


def column_label(column: Column) -> str:
    """A column as every import report names it (its header and Excel letter), for the secretary to find."""
    return content.text("sheet_import.column", header=column.header or "", letter=column.letter)


def header_text(header_rows: list[int]) -> str:
    """The header's rows as the report names them: "3" or "2-3"."""
    return "-".join(str(r) for r in sorted({header_rows[0], header_rows[-1]}))


def _changes_text(spec: RecordSheet, stored: dict, changes: dict) -> str:
    columns, none = spec.columns(), content.text("sheet_import.none")
    return "；".join(f"{columns[k]['label'] if k in columns else k}："
                    f"{stored.get(k) if stored.get(k) is not None else none} → {v if v is not None else none}"
                    for k, v in changes.items())


def report(spec: RecordSheet, plan: ImportPlan, file: Path, created: list[str] | None,
           dry_run: bool, what: str) -> dict:
    """What the import found and did, for --json and for print_report."""
    sheet = plan.sheet
    header = header_text(sheet.header_rows)
    numbers = created or [fields.get(spec.number) for _, fields in plan.new]
    return {
        "file": file.name, "what": what, "header": header, "rows": len(sheet.rows),
        "applied": created is not None, "dry_run": dry_run,
        "new": [{"row": row, "number": number, "title": fields[spec.title]}
                for (row, fields), number in zip(plan.new, numbers)],
        "updated": [{"row": row, "number": stored[spec.number], "title": stored[spec.title],
                     "changes": _changes_text(spec, stored, changes)} for row, stored, changes in plan.updates],
        "unchanged": len(plan.unchanged),
        "problems": [problem_view(p) for p in plan.problems],
        "to_look_at": [problem_view(p) for p in plan.checks],  # not the roster's "checks": its own words
        "bad_rows": plan.bad_rows,
        "notes": [{"row": row, "text": text} for row, text in sheet.notes],
        "ignored_columns": [column_label(c) for c in sheet.ignored],
        "year": plan.year, "year_source": plan.year_source,
    }


def sheet_lines(d: dict, header: str) -> list[tuple[str, str]]:
    """How every import report opens, a record sheet's and the members' roster's alike: the file
    read, what of it was left out, and each problem by row and column (kinds read, note,
    problems_title, problem)."""
    say = content.text
    lines = [("read", say("sheet_import.read", file=d["file"], header=header, count=d["rows"]))]
    if d.get("year_source") and d["year_source"] != "given":
        lines.append(("note", say(f"sheet_import.year.{d['year_source']}", year=d["year"])))
    if d["ignored_columns"]:
        lines.append(("note", say("sheet_import.ignored_columns", columns="、".join(d["ignored_columns"]))))
    lines += [("note", say("sheet_import.total" if is_total(note["text"]) else "sheet_import.note", **note))
              for note in d["notes"]]
    for title, kind in (("problems_title", "problems"), ("to_look_at_title", "to_look_at")):
        if d.get(kind):
            lines.append(("problems_title", say(f"sheet_import.{title}")))
        for p in d.get(kind, []):
            line = "sheet_import.problem" if p["letter"] else "sheet_import.row_problem"
            lines.append(("problem", say(line, **dict(p, value=f"“{p['value']}”" if p["value"] else ""))))
    return lines


def report_lines(d: dict) -> list[tuple[str, str]]:
    """The report as (kind, sentence) lines, kind one of read, note, problems_title, problem,
    updated, summary, done: `import` prints them, the console lays them out."""
    say = content.text
    lines = sheet_lines(d, d["header"])
    lines += [("updated", say("sheet_import.updated", **u)) for u in d["updated"]]
    lines.append(("summary", say("sheet_import.summary", new=len(d["new"]), updated=len(d["updated"]),
                                 unchanged=d["unchanged"], bad=len(d["bad_rows"]), what=d["what"])))
    if d["dry_run"]:
        lines.append(("done", say("sheet_import.dry_run")))
    elif d["applied"] and d["bad_rows"]:
        lines.append(("done", say("sheet_import.skipped", bad=len(d["bad_rows"]))))
    return lines
