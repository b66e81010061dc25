"""Bank statements and payment sheets: match each row to a payer and record it once.

`python -m bot fees import` and the console's statement import both call
import_statement, so a file gets the same report and the same receipts
whichever way it comes in. Rows are matched by member number (its column, or
written in the memo), else by mobile; a row already recorded (same day,
amount and bank reference or payer, or typed in by hand) is not recorded again.
"""
from __future__ import annotations

import re
import sqlite3
from datetime import date, datetime
from pathlib import Path

from bot import content, dues
from bot.privacy import mask_mobile
from bot.spreadsheets import SheetError, read_table
from bot.validation import Invalid, clean_mobile, normalise
from storage.payments import (
    AlreadyLifetime,
    find_imported_payment,
    find_manual_payment,
    find_payer,
    find_payers_by_mobile,
    record_payment,
)

OUTCOMES = ("recorded", "already", "unmatched", "ambiguous", "invalid")
REQUIRED_COLUMNS = ("date", "amount")


def _text(key: str, **fields) -> str:
    return content.text(f"cli_fees.{key}", **fields)


class StatementError(ValueError):
    """The file cannot be read as a statement; `sentence()` says why, for the CLI and the console alike."""

    def __init__(self, key: str, **facts):
        super().__init__(key)
        self.key, self.facts = key, facts

    def sentence(self) -> str:
        return _text(self.key, **self.facts)


class RowProblem(Exception):
    """A statement row that cannot be recorded: `outcome` says which list, `problem` why."""

    def __init__(self, outcome: str, problem: str, **facts):
        super().__init__(problem)
        self.outcome, self.problem, self.facts = outcome, problem, facts



def import_statement(db, path: Path, method: str | None, actor: str | None, dry_run: bool,
                     name: str | None = None) -> dict:
    """Record the payments in a statement (.xlsx/.csv); the report lists every row under its outcome.

    `name` is the file name the secretariat knows (an upload is saved under another).
    """
    try:
        sheet = read_table(path, dues.fee_rules()["import_columns"])
    except SheetError as error:
        raise StatementError(f"sheet.{error.reason}", **error.facts) from None
    missing = [key for key in REQUIRED_COLUMNS if key not in sheet.columns]
    if missing:
        names = [dues.fee_rules()["import_columns"][key][0] for key in missing]
        raise StatementError("sheet.missing", columns=dues.listing(names))
    name = name or path.name
    report = {"file": name, "dry_run": dry_run, "skipped": 0, **{k: [] for k in OUTCOMES}}
    context = {"method": method or dues.fee_rules()["default_method"],
               "actor": actor or _text("default_actor"), "source": f"import:{name}",
               "dry_run": dry_run, "seen": set()}
    for row_no, values in sheet.rows:
        amount = _amount(values.get("amount"))
        if amount is not None and amount <= 0:
            report["skipped"] += 1  # an outgoing payment or a zero line: not dues
            continue
        try:
            report_row = _import_row(db, values, amount, context)
        except RowProblem as problem:
            report[problem.outcome].append(_problem_row(row_no, values, problem))
            continue
        report[report_row.pop("outcome")].append({"row": row_no, **report_row})
    return report


def _import_row(db, values: dict, amount: float | None, context: dict) -> dict:
    """Match one statement row to a payer and record it (once); raises RowProblem otherwise."""
    if amount is None:
        raise RowProblem("invalid", "amount", value=values.get("amount"))
    paid_on = _statement_date(values.get("date"))
    payer = _match_payer(db, values)
    years = _years_paid(payer["category"], amount, values.get("years"))
    reference = normalise(values.get("reference")) or None
    key = f"{paid_on}|{amount:.2f}|{reference or payer['number']}"
    earlier = find_imported_payment(db, key) or find_manual_payment(db, payer, paid_on, amount)
    if earlier or key in context["seen"]:
        receipt_no = earlier["receipt_no"] if earlier else _text("import.dry_run_receipt")
        return {"outcome": "already", "number": payer["number"], "amount": amount, "receipt_no": receipt_no}
    context["seen"].add(key)
    row = {"outcome": "recorded", "number": payer["number"], "name": payer["name"], "amount": amount,
           "years": years, "paid_at": paid_on.isoformat()}
    if context["dry_run"]:
        return dict(row, receipt_no=_text("import.dry_run_receipt"),
                    paid_through=dues.paid_through_after(payer["paid_through"], years, paid_on))
    return _record_row(db, row, payer, paid_on, reference, key, values, context)


def _record_row(db, row: dict, payer: dict, paid_on: date, reference: str | None, key: str,
                values: dict, context: dict) -> dict:
    try:
        payment = record_payment(db, payer, row["amount"], row["years"], paid_on, context["method"],
                                 context["actor"], note=normalise(values.get("memo")) or None,
                                 reference=reference, import_key=key, source=context["source"])
    except AlreadyLifetime:
        raise RowProblem("invalid", "lifetime") from None
    except sqlite3.IntegrityError:  # an import of the same statement running at the same time got there first
        return dict(row, outcome="already", receipt_no=find_imported_payment(db, key)["receipt_no"])
    return dict(row, receipt_no=payment["receipt_no"], paid_through=payment["period_to"])


def _amount(value) -> float | None:
    """Bank formats: 1,000.00 / ¥100 / 100元; None when unreadable, 0.0 when blank (a debit line)."""
    if value is None or str(value).strip() == "":
        return 0.0
    if isinstance(value, (int, float)):
        return float(value)
    text = re.sub(r"[,\s¥￥元+]", "", normalise(value))
    try:
        return float(text)
    except ValueError:
        return None


_DATE = re.compile(r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})|(\d{4})(\d{2})(\d{2})")


def _statement_date(value) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    match = _DATE.match(normalise(value))
    try:
        parts = [int(p) for p in match.groups() if p is not None]
        return date(*parts)
    except (AttributeError, TypeError, ValueError):
        raise RowProblem("invalid", "date", value=value) from None


def _number_pattern() -> re.Pattern:
    numbering = content.load_toml("membership.toml")["member_no"]
    prefixes = sorted({numbering["unit_prefix"], numbering["prefix"]}, key=len, reverse=True)
    return re.compile(f"(?:{'|'.join(map(re.escape, prefixes))})\\d{{6,}}")


def _number_in(values: dict) -> str | None:
    """The member number from its column, else the first one written in the memo."""
    column = re.sub(r"\s", "", normalise(values.get("member_no"))).upper()
    if column:
        return column
    found = _number_pattern().search(normalise(values.get("memo")).upper())
    return found.group(0) if found else None


def _mobile_in(values: dict) -> str | None:
    for text in (values.get("mobile"), *re.findall(r"1[3-9]\d{9}", normalise(values.get("memo")))):
        try:
            return clean_mobile(text)
        except Invalid:
            continue
    return None


def _match_payer(db, values: dict) -> dict:
    number = _number_in(values)
    if number:
        payer = find_payer(db, number)
        if payer is None:
            raise RowProblem("unmatched", "no_such_number", number=number)
        return payer
    mobile = _mobile_in(values)
    if mobile is None:
        raise RowProblem("unmatched", "no_key")
    payers = find_payers_by_mobile(db, mobile)
    if not payers:
        raise RowProblem("unmatched", "no_such_mobile", mobile=mask_mobile(mobile))
    if len(payers) > 1:
        raise RowProblem("ambiguous", "ambiguous", candidates=[p["number"] for p in payers])
    return payers[0]


def _years_paid(category: str, amount: float, years_cell) -> int:
    """The term a row pays for: its years column if any (checked), else what the amount buys."""
    name = dues.category_name(category)
    if years_cell in (None, ""):
        years = dues.years_for_amount(category, amount)
        if years is None:
            raise _off_schedule(category, amount)
        return years
    years = _years_cell(years_cell)
    expected = dues.amount_due(category, years)
    if expected is None:
        raise RowProblem("invalid", "years_not_offered", category=name, years=dues.years_text(years),
                         options=dues.year_options_text())
    if not dues.same_amount(expected, amount):
        raise RowProblem("invalid", "wrong_amount_years", category=name, years=dues.years_text(years),
                         expected=dues.format_amount(expected))
    return years


def _off_schedule(category: str, amount: float) -> RowProblem:
    lifetime = dues.lifetime_fee(category)
    lifetime_text = _text("problems.lifetime_price", amount=dues.format_amount(lifetime)) if lifetime else ""
    return RowProblem("invalid", "wrong_amount", category=dues.category_name(category),
                      amount=dues.format_amount(amount), yearly=dues.format_amount(dues.yearly_fee(category)),
                      options=dues.year_options_text(), lifetime=lifetime_text)


def _years_cell(value) -> int:
    text = normalise(value)
    if text == content.text("fees.words.lifetime"):
        return dues.LIFETIME
    match = re.fullmatch(r"(\d+)\s*年?", text)
    if not match or int(match.group(1)) < 1:
        raise RowProblem("invalid", "years", value=value)
    return int(match.group(1))


def _problem_row(row_no: int, values: dict, problem: RowProblem) -> dict:
    """What the secretariat needs to find the line in the bank statement; mobiles masked."""
    return {"row": row_no, "problem": problem.problem, **problem.facts,
            "date": normalise(values.get("date")), "amount": normalise(values.get("amount")),
            "payer": mask_mobile(" ".join(normalise(values.get(k)) for k in ("name", "mobile", "memo")
                                          if normalise(values.get(k))))}



def problem_text(row: dict) -> str:
    if row["problem"] == "ambiguous":
        return _text("import.candidates", numbers=dues.listing(row["candidates"]))
    return _text(f"problems.{row['problem']}", **row)



def report_lines(report: dict) -> list[tuple[str, str]]:
    """The import report as (kind, line): the summary, each row under its outcome's title, a dry-run note.

    The CLI prints the lines; the console shows them, styled by kind.
    """
    counts = {k: len(report[k]) for k in OUTCOMES}
    lines = [("summary", _text("import.summary", file=report["file"], skipped=report["skipped"], **counts))]
    for row in report["recorded"]:
        lines.append(("recorded", _text("import.recorded_line", **dict(
            row, amount=dues.format_amount(row["amount"]), years=dues.years_text(row["years"]),
            paid_through=dues.date_text(row["paid_through"])))))
    for row in report["already"]:
        lines.append(("already", _text("import.already_line", **dict(row, amount=dues.format_amount(row["amount"])))))
    for outcome in ("unmatched", "ambiguous", "invalid"):
        if report[outcome]:
            lines.append(("title", _text(f"import.{outcome}_title")))
        for row in report[outcome]:
            lines.append((outcome, _text("import.problem_line", **dict(row, problem=problem_text(row)))))
    if report["dry_run"]:
        lines.append(("note", _text("import.dry_run")))
    return lines
