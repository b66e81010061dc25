"""`python -m bot fees record|refund|show|import|report`: dues payments, receipts and collection figures.

The arithmetic (amounts, paid-through dates, standing) is handlers/fees/dues.py; this
module checks what the secretariat typed or imported against it and says,
in Chinese from content/replies/fees_cli.toml, what was done.
"""
from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

import click

from bot import content
from handlers.fees import dues
from bot.commands.common import help_texts, json_option, open_store
from bot.spreadsheets import display_width
from handlers.fees.statements import StatementError, import_statement, report_lines
from handlers.fees.payments import AlreadyLifetime, NotRefunded, YearsUnclear, not_in_force, record_payment, years_booked
from handlers.fees.payments import refund as refund_receipt
from storage.fees import (
    collected_by_category,
    find_nearby_payment,
    find_payer,
    list_dues_payers,
    opening_balance,
    payments_of,
)

_help = help_texts("cli_fees")

DATE_FORMAT = click.DateTime(formats=["%Y-%m-%d"])


def _text(key: str, **fields) -> str:
    return content.text(f"cli_fees.{key}", **fields)


def _day(value: datetime | None) -> date:
    return value.date() if value else date.today()


@click.group()
def fees():
    """会费：登记缴费、查看、导入银行流水、收缴报表。"""


# --- record -----------------------------------------------------------------------------

@fees.command()
@click.argument("number")
@click.argument("amount", type=float)
@click.option("--years", type=int, default=1, show_default=True, help=_help("record.years"))
@click.option("--lifetime", is_flag=True, help=_help("record.lifetime"))
@click.option("--method", help=_help("record.method"))
@click.option("--note", help=_help("record.note"))
@click.option("--by", "actor", help=_help("record.by"))
@click.option("--date", "paid_on", type=DATE_FORMAT, help=_help("record.date"))
@click.option("--force", is_flag=True, help=_help("record.force"))
@click.option("--again", is_flag=True, help=_help("record.again"))
@click.option("--year", "from_year", type=int, help=_help("record.year"))
@json_option
def record(number, amount, years, lifetime, method, note, actor, paid_on, force, again, from_year):
    """登记一笔缴费：会员（或单位会员）编号 NUMBER、金额 AMOUNT 元，出具收据。"""
    db = open_store()
    payer = _payer_or_fail(db, number)
    if refused := not_in_force(payer):  # as a statement import holds it, and the console refuses it
        raise click.ClickException(_text("not_in_force", **refused))
    if not lifetime and years < 1:
        raise click.ClickException(_text("bad_years"))
    years = dues.LIFETIME if lifetime else years
    problem = dues.schedule_problem(payer["category"], amount, years, force, note)
    if problem:
        raise click.ClickException(_text(problem[0], **problem[1]))
    like = find_nearby_payment(db, payer, _day(paid_on), amount, dues.fee_rules()["duplicate_days"])
    if like and not again:
        raise click.ClickException(_text("likely_duplicate", name=payer["name"], number=payer["number"],
                                         paid_at=like["paid_at"], receipt_no=like["receipt_no"],
                                         amount=dues.format_amount(amount)))
    named = from_year or min(dues.years_in(note or ""), default=None)  # --year 2026, or 补交2026年会费 in the note
    try:
        booked = years_booked(payer, years, _day(paid_on), named) if named else {}
    except YearsUnclear as unclear:
        raise click.ClickException(_text(unclear.reason, **unclear.facts)) from None
    try:
        payment = record_payment(db, payer, amount, years, _day(paid_on),
                                 method or dues.fee_rules()["default_method"],
                                 actor or _text("default_actor"), note=note, **booked)
    except AlreadyLifetime:
        raise click.ClickException(_text("already_lifetime", **payer)) from None
    data = _payment_data(payment, payer, previous=payer["paid_through"])
    return data, lambda d: click.echo(_text("recorded", **_payment_words(d)))


def _payer_or_fail(db, number: str) -> dict:
    payer = find_payer(db, number)
    if payer is None:
        raise click.ClickException(_text("unknown_payer", number=number))
    return payer


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


# --- refund -----------------------------------------------------------------------------

@fees.command()
@click.argument("receipt_no")
@click.option("--reason", required=True, help=_help("refund.reason"))
@click.option("--by", "actor", help=_help("refund.by"))
@click.option("--date", "refunded_on", type=DATE_FORMAT, help=_help("refund.date"))
@json_option
def refund(receipt_no, reason, actor, refunded_on):
    """登记一笔已退还的缴费（收据号 RECEIPT_NO）：缴费记录保留并标明已退款，会费缴至日期退回到这笔缴费之前。"""
    try:
        data = refund_receipt(open_store(), receipt_no, reason, actor or _text("default_actor"), _day(refunded_on))
    except NotRefunded as refused:
        raise click.ClickException(_text(f"refund.{refused.reason}", **refused.facts)) from None
    data.pop("payment")
    return data, lambda d: click.echo(_text("refund.done", **dict(
        d, amount=dues.format_amount(d["amount"]), previous=dues.date_text(d["previous_paid_through"]),
        paid_through=dues.date_text(d["paid_through"]))))


# --- show -------------------------------------------------------------------------------

@fees.command()
@click.argument("number")
@click.option("--today", type=DATE_FORMAT, help=_help("show.today"))
@json_option
def show(number, today):
    """查看会员（或单位会员）的会费缴至日期、状态和全部缴费记录。"""
    db = open_store()
    payer = _payer_or_fail(db, number)
    standing = dues.dues_standing(payer["category"], payer["paid_through"], _day(today))
    data = {**payer, "standing": standing, "payments": payments_of(db, payer),
            "opening_balance": opening_balance(db, payer)}
    return data, _print_show


def _print_show(d: dict) -> None:
    click.echo(_text("show", name=d["name"], number=d["number"], category=dues.category_name(d["category"]),
                     paid_through=dues.date_text(d["paid_through"]),
                     standing=_text(f"standing.{d['standing']}")))
    for p in d["payments"]:
        click.echo(_text("show_payment", receipt_no=p["receipt_no"], paid_at=p["paid_at"],
                         amount=dues.format_amount(p["amount"]), method=p["method"] or "",
                         period=dues.period_text(p["period_from"], p["period_to"]),
                         recorded_by=p["recorded_by"] or "",
                         refunded=_text("show_refunded", date=p["refunded_at"], by=p["refunded_by"] or "")
                         if p["refunded_at"] else ""))
    if d.get("opening_balance"):
        click.echo(_text("show_opening", source=d["opening_balance"]))
    if not d["payments"]:
        click.echo(_text("show_no_payments"))


# --- import -----------------------------------------------------------------------------

@fees.command(name="import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--method", help=_help("import.method"))
@click.option("--by", "actor", help=_help("import.by"))
@click.option("--dry-run", is_flag=True, help=_help("import.dry_run"))
@click.option("--confirm", "confirm", type=int, multiple=True, metavar="ROW",
              help=_help("import.confirm"))
@json_option
def import_(file, method, actor, dry_run, confirm):
    """导入银行流水或缴费登记表（.xlsx/.xls/.csv），登记其中的会费。

    按会员编号认缴费人（编号列，或摘要、附言、用途、备注等任一备注列里写的编号），
    其次按手机号、付款账号、户名；报告写明按哪一列认出。已登记过的不重复登记；
    与近几天已登记的同一会员、同一金额相近的挂起待确认（--confirm 行号）；
    会议费、报销等不是会费的收入单独列出，不登记为会费。
    """
    try:
        report = import_statement(open_store(), file, method, actor, dry_run, confirm=confirm)
    except StatementError as error:
        raise click.ClickException(error.sentence()) from None
    return report, _print_import


def _print_import(report: dict) -> None:
    for _, line in report_lines(report):
        click.echo(line)


# --- report -----------------------------------------------------------------------------

@fees.command()
@click.option("--year", type=int, help=_help("report.year"))
@click.option("--today", type=DATE_FORMAT, help=_help("report.today"))
@json_option
def report(year, today):
    """一个会费年度各类会员的应缴、已缴、宽限期、逾期、从未缴费人数和收缴率。"""
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
    counts = counts or {**dict.fromkeys(dues.REPORT_COUNTS, 0), "expected": 0, "rate": None}
    return {"category": category, "name": dues.category_name(category), **counts,
            "collected": (money or {}).get("amount") or 0, "payments": (money or {}).get("payments", 0)}


def _report_total(rows: list[dict]) -> dict:
    total = {key: sum(row[key] for row in rows)
             for key in (*dues.REPORT_COUNTS, "expected", "collected", "payments")}
    total["rate"] = round(total["paid"] / total["due"], 4) if total["due"] else None
    return total


def _print_report(d: dict) -> None:
    click.echo(_text("report.title", year=d["year"], as_of=d["as_of"]))
    table = [content.replies()["cli_fees"]["report"]["headers"]]
    for row in [*d["categories"], dict(d["total"], name=_text("report.total"))]:
        table.append([row["name"], *(row[k] for k in dues.REPORT_COUNTS),
                      "—" if row["rate"] is None else f"{row['rate']:.1%}",
                      dues.format_amount(row["expected"]), dues.format_amount(row["collected"])])
    widths = [max(display_width(str(line[i])) for line in table) for i in range(len(table[0]))]
    for line in table:
        click.echo("  ".join(_pad(str(cell), width, left=i == 0) for i, (cell, width) in
                             enumerate(zip(line, widths))))
    click.echo(_text("report.notes", year=d["year"], next_year=d["year"] + 1,
                     grace_days=dues.fee_rules()["grace_days"], **dues.moved_rule()))


def _pad(text: str, width: int, left: bool) -> str:
    space = " " * (width - display_width(text))
    return text + space if left else space + text


# --- reconcile (WeChat Pay's daily bill against the orders recorded; handlers/fees/reconcile.py) ------

@fees.command()
@click.option("--date", "day", type=DATE_FORMAT, help=_help("reconcile.date"))
@json_option
def reconcile(day):
    """与微信支付的日交易账单核对，列出每一笔不一致（已收款未登记、已登记不在账单、金额不一致）。"""
    from bot.commands.pay import reconcile_day

    return reconcile_day(open_store(), day.date() if day else None)
