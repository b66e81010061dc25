"""`python -m bot fees record|show|import|report`: dues payments, receipts and collection figures.

The arithmetic (amounts, paid-through dates, standing) is bot/dues.py; this
module checks what the secretariat typed or imported against it and says,
in Chinese from content/replies/fees_cli.toml, what was done.
"""
from __future__ import annotations

import re
import sqlite3
from datetime import date, datetime
from pathlib import Path

import click

from bot import content, dues
from bot.commands.common import json_option, open_store
from bot.privacy import mask_mobile
from bot.spreadsheets import SheetError, display_width, read_table
from bot.validation import Invalid, clean_mobile, normalise
from storage.payments import (
    AlreadyLifetime,
    collected_by_category,
    find_imported_payment,
    find_manual_payment,
    find_payer,
    find_payers_by_mobile,
    list_dues_payers,
    payments_of,
    record_payment,
)

DATE_FORMAT = click.DateTime(formats=["%Y-%m-%d"])


def _text(key: str, **fields) -> str:
    return content.text(f"cli_fees.{key}", **fields)


def _day(value: datetime | None) -> date:
    return value.date() if value else date.today()


@click.group()
def fees():
    """会费：登记缴费、查看、导入银行流水、收缴报表 (dues payments and reports)."""


# --- record -----------------------------------------------------------------------------

@fees.command()
@click.argument("number")
@click.argument("amount", type=float)
@click.option("--years", type=int, default=1, show_default=True, help="Membership years paid for.")
@click.option("--lifetime", is_flag=True, help="A lifetime payment.")
@click.option("--method", help="How it was paid (default from content/membership.toml).")
@click.option("--note", help="Why, for anything unusual; required with --force.")
@click.option("--by", "actor", help="Who records it.")
@click.option("--date", "paid_on", type=DATE_FORMAT, help="Day of payment (default today).")
@click.option("--force", is_flag=True, help="Record an amount or term off the schedule.")
@json_option
def record(number, amount, years, lifetime, method, note, actor, paid_on, force):
    """Record a payment by member (or unit) NUMBER of AMOUNT yuan and issue a receipt."""
    db = open_store()
    payer = _payer_or_fail(db, number)
    if not lifetime and years < 1:
        raise click.ClickException(_text("bad_years"))
    years = dues.LIFETIME if lifetime else years
    _check_schedule(payer["category"], amount, years, force, note)
    try:
        payment = record_payment(db, payer, amount, years, _day(paid_on),
                                 method or dues.fee_rules()["default_method"],
                                 actor or _text("default_actor"), note=note)
    except AlreadyLifetime:
        raise click.ClickException(_text("already_lifetime", **payer)) from None
    data = _payment_data(payment, payer, previous=payer["paid_through"])
    return data, lambda d: click.echo(_text("recorded", **_payment_words(d)))


def _payer_or_fail(db, number: str) -> dict:
    payer = find_payer(db, number)
    if payer is None:
        raise click.ClickException(_text("unknown_payer", number=number))
    return payer


def _check_schedule(category: str, amount: float, years: int, force: bool, note: str | None) -> None:
    """The amount must be the schedule's for that term; --force with a --note records it anyway."""
    expected = dues.amount_due(category, years)
    if expected is not None and dues.same_amount(expected, amount):
        return
    if force:
        if not note:
            raise click.ClickException(_text("force_needs_note"))
        return
    fields = {"category": dues.category_name(category), "years": dues.years_text(years),
              "amount": dues.format_amount(amount)}
    if expected is None:
        lifetime = _text("lifetime_offered") if dues.lifetime_fee(category) else ""
        raise click.ClickException(_text("no_option", options=dues.year_options_text(), lifetime=lifetime,
                                         **fields))
    raise click.ClickException(_text("wrong_amount", expected=dues.format_amount(expected), **fields))


def _payment_data(payment: dict, payer: dict, previous: str | None) -> dict:
    return {"receipt_no": payment["receipt_no"], "number": payer["number"], "name": payer["name"],
            "category": payer["category"], "amount": payment["amount"], "years": payment["years"],
            "method": payment["method"], "paid_at": payment["paid_at"],
            "period_from": payment["period_from"], "period_to": payment["period_to"],
            "paid_through": payment["period_to"], "previous_paid_through": previous}


def _payment_words(d: dict) -> dict:
    """A payment's fields as the secretariat reads them."""
    return dict(d, category=dues.category_name(d["category"]), amount=dues.format_amount(d["amount"]),
                years=dues.years_text(d["years"]), period=dues.period_text(d["period_from"], d["period_to"]),
                paid_through=dues.date_text(d["paid_through"]),
                previous=dues.date_text(d["previous_paid_through"]))


# --- show -------------------------------------------------------------------------------

@fees.command()
@click.argument("number")
@click.option("--today", type=DATE_FORMAT, help="Judge the standing as of this day.")
@json_option
def show(number, today):
    """A member's (or unit's) paid-through date, standing and every payment."""
    db = open_store()
    payer = _payer_or_fail(db, number)
    standing = dues.dues_standing(payer["category"], payer["paid_through"], _day(today))
    data = {**payer, "standing": standing, "payments": payments_of(db, payer)}
    return data, _print_show


def _print_show(d: dict) -> None:
    click.echo(_text("show", name=d["name"], number=d["number"], category=dues.category_name(d["category"]),
                     paid_through=dues.date_text(d["paid_through"]),
                     standing=_text(f"standing.{d['standing']}")))
    for p in d["payments"]:
        click.echo(_text("show_payment", receipt_no=p["receipt_no"], paid_at=p["paid_at"],
                         amount=dues.format_amount(p["amount"]), method=p["method"] or "",
                         period=dues.period_text(p["period_from"], p["period_to"]),
                         recorded_by=p["recorded_by"] or ""))
    if not d["payments"]:
        click.echo(_text("show_no_payments"))


# --- import -----------------------------------------------------------------------------

OUTCOMES = ("recorded", "already", "unmatched", "ambiguous", "invalid")
REQUIRED_COLUMNS = ("date", "amount")


class RowProblem(Exception):
    """A statement row that cannot be recorded: `outcome` says which list, `problem` why."""

    def __init__(self, outcome: str, problem: str, **facts):
        super().__init__(problem)
        self.outcome, self.problem, self.facts = outcome, problem, facts


@fees.command(name="import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--method", help="How these were paid (default from content/membership.toml).")
@click.option("--by", "actor", help="Who imports it.")
@click.option("--dry-run", is_flag=True, help="Report what would be recorded; record nothing.")
@json_option
def import_(file, method, actor, dry_run):
    """Record the payments in a bank statement or payment sheet (.xlsx/.csv).

    Rows are matched by member number (its column, or written in the memo),
    else by mobile. Rows already recorded (same day, amount and bank reference
    or payer, or typed in by hand) are not recorded again.
    """
    db = open_store()
    try:
        sheet = read_table(file, dues.fee_rules()["import_columns"])
    except SheetError as error:
        raise click.ClickException(_text(f"sheet.{error.reason}", **error.facts)) from None
    missing = [key for key in REQUIRED_COLUMNS if key not in sheet.columns]
    if missing:
        names = [dues.fee_rules()["import_columns"][key][0] for key in missing]
        raise click.ClickException(_text("sheet.missing", columns=dues.listing(names)))
    report = {"file": file.name, "dry_run": dry_run, "skipped": 0, **{k: [] for k in OUTCOMES}}
    context = {"method": method or dues.fee_rules()["default_method"],
               "actor": actor or _text("default_actor"), "source": f"import:{file.name}",
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
    return report, _print_import


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


def _print_import(report: dict) -> None:
    counts = {k: len(report[k]) for k in OUTCOMES}
    click.echo(_text("import.summary", file=report["file"], skipped=report["skipped"], **counts))
    for row in report["recorded"]:
        click.echo(_text("import.recorded_line", **dict(
            row, amount=dues.format_amount(row["amount"]), years=dues.years_text(row["years"]),
            paid_through=dues.date_text(row["paid_through"]))))
    for row in report["already"]:
        click.echo(_text("import.already_line", **dict(row, amount=dues.format_amount(row["amount"]))))
    for outcome in ("unmatched", "ambiguous", "invalid"):
        if report[outcome]:
            click.echo(_text(f"import.{outcome}_title"))
        for row in report[outcome]:
            click.echo(_text("import.problem_line", **dict(row, problem=_problem_text(row))))
    if report["dry_run"]:
        click.echo(_text("import.dry_run"))


def _problem_text(row: dict) -> str:
    if row["problem"] == "ambiguous":
        return _text("import.candidates", numbers=dues.listing(row["candidates"]))
    return _text(f"problems.{row['problem']}", **row)


# --- report -----------------------------------------------------------------------------

@fees.command()
@click.option("--year", type=int, help="Membership year (default: this year).")
@click.option("--today", type=DATE_FORMAT, help="Judge grace and overdue as of this day.")
@json_option
def report(year, today):
    """Due, paid, in grace, overdue and collection rate per category for one membership year."""
    db = open_store()
    today = _day(today)
    year = year or today.year
    summary = dues.year_summary(list_dues_payers(db), year, today)
    collected = collected_by_category(db, year)
    rows = [_report_row(c, summary.get(c), collected.get(c)) for c in _report_categories(summary, collected)]
    data = {"year": year, "as_of": min(today, date(year, 12, 31)).isoformat(),
            "categories": rows, "total": _report_total(rows)}
    return data, _print_report


def _report_categories(summary: dict, collected: dict) -> list[str]:
    """Categories in the schedule's order, then any other that paid (e.g. a category since renamed)."""
    order = list(dues.fee_rules()["yearly"])
    present = set(summary) | set(collected)
    return [c for c in order if c in present] + sorted(present - set(order), key=str)


def _report_row(category: str, counts: dict | None, money: dict | None) -> dict:
    counts = counts or {**dict.fromkeys(dues.REPORT_COUNTS, 0), "expected": 0, "rate": 0.0}
    return {"category": category, "name": dues.category_name(category), **counts,
            "collected": (money or {}).get("amount") or 0, "payments": (money or {}).get("payments", 0)}


def _report_total(rows: list[dict]) -> dict:
    total = {key: sum(row[key] for row in rows)
             for key in (*dues.REPORT_COUNTS, "expected", "collected", "payments")}
    total["rate"] = round(total["paid"] / total["due"], 4) if total["due"] else 0.0
    return total


def _print_report(d: dict) -> None:
    click.echo(_text("report.title", year=d["year"], as_of=d["as_of"]))
    table = [content.replies()["cli_fees"]["report"]["headers"]]
    for row in [*d["categories"], dict(d["total"], name=_text("report.total"))]:
        table.append([row["name"], *(row[k] for k in dues.REPORT_COUNTS), f"{row['rate']:.1%}",
                      dues.format_amount(row["expected"]), dues.format_amount(row["collected"])])
    widths = [max(display_width(str(line[i])) for line in table) for i in range(len(table[0]))]
    for line in table:
        click.echo("  ".join(_pad(str(cell), width, left=i == 0) for i, (cell, width) in
                             enumerate(zip(line, widths))))
    click.echo(_text("report.notes", year=d["year"], grace_days=dues.fee_rules()["grace_days"]))


def _pad(text: str, width: int, left: bool) -> str:
    space = " " * (width - display_width(text))
    return text + space if left else space + text
