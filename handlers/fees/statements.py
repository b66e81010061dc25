"""Bank statements and payment sheets: match each row to a payer and record it once.

`python -m bot fees import` and the console's statement import both call
import_statement, so a file gets the same report and the same receipts
whichever way it comes in.

A row is matched by member number (its column, or written in any remark-like
column: 摘要, 附言, 用途, 交易备注 ... found by header), else by mobile, else by
the payer's bank account (known from an earlier transfer), else by the payer's
name (户名/对方户名/付款人); the report says which column matched.
A row already recorded (same day, amount and bank reference or payer, or typed
in by hand that day) is not recorded again; one like a payment of the same
payer and amount a few days apart (`duplicate_days`) is held for the
secretariat to confirm (`confirm` lists the rows confirmed as new money).
Money that is not dues (a conference fee, a reimbursement: the words in the
remarks and the amount decide, see [fees.statement]) is listed, never booked
as years of dues.
"""
from __future__ import annotations

import re
import sqlite3
from datetime import date, datetime
from pathlib import Path

from bot import content
from handlers.fees import dues
from bot.privacy import mask_mobile
from bot.spreadsheets import SheetError, read_table
from bot.validation import Invalid, clean_mobile, normalise
from handlers.fees.payments import AlreadyLifetime, record_payment
from storage.fees import (
    find_imported_payment,
    find_manual_payment,
    find_nearby_payment,
    find_payer,
    find_payers_by_account,
    find_payers_by_mobile,
    find_payers_by_name,
)

OUTCOMES = ("recorded", "already", "held", "not_dues", "unmatched", "ambiguous", "invalid")
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



def statement_rules() -> dict:
    return dues.fee_rules()["statement"]


def import_statement(db, path: Path, method: str | None, actor: str | None, dry_run: bool,
                     name: str | None = None, confirm=()) -> dict:
    """Record the payments in a statement (.xlsx/.csv); the report lists every row under its outcome.

    `name` is the file name the secretariat knows (an upload is saved under another);
    `confirm` holds the row numbers of held rows the secretariat confirmed as new money.
    """
    try:
        sheet = read_table(path, dues.fee_rules()["import_columns"],
                           gather={"memo": tuple(statement_rules()["memo_words"])})
    except SheetError as error:
        raise StatementError(f"sheet.{error.reason}", **error.facts) from None
    missing = [key for key in REQUIRED_COLUMNS if key not in sheet.columns]
    if missing:
        names = [dues.fee_rules()["import_columns"][key][0] for key in missing]
        raise StatementError("sheet.missing", columns=dues.listing(names))
    name = name or path.name
    report = {"file": name, "dry_run": dry_run, "skipped": 0, **{k: [] for k in OUTCOMES},
              "memo_columns": [f"{c.header}（{c.letter} 列）" for c in sheet.gathered.get("memo", [])]}
    context = {"method": method or dues.fee_rules()["default_method"],
               "actor": actor or _text("default_actor"), "source": f"import:{name}",
               "dry_run": dry_run, "seen": set(), "booked": [], "confirm": {int(r) for r in confirm}}
    headers = {key: column.header for key, column in sheet.columns.items()}
    for row_no, values in sheet.rows:
        values = dict(values, _headers=headers)
        amount = _amount(values.get("amount"))
        if amount is not None and amount <= 0:
            report["skipped"] += 1  # an outgoing payment or a zero line: not dues
            continue
        try:
            report_row = _import_row(db, row_no, values, amount, context)
        except RowProblem as problem:
            report[problem.outcome].append(_problem_row(row_no, values, problem))
            continue
        report[report_row.pop("outcome")].append({"row": row_no, **report_row})
    return report


def _import_row(db, row_no: int, values: dict, amount: float | None, context: dict) -> dict:
    """Match one statement row to a payer and record it (once); raises RowProblem otherwise."""
    if amount is None:
        raise RowProblem("invalid", "amount", value=values.get("amount"))
    paid_on = _statement_date(values.get("date"))
    memo = _memo_text(values)
    if _purpose(memo) == "other":
        raise _not_dues(db, values, memo)
    payer, matched_by = _match_payer(db, values)
    if _purpose(memo, payer["category"], amount) == "other":
        raise _not_dues(db, values, memo)
    years = _years_paid(payer["category"], amount, values.get("years"))
    reference = normalise(values.get("reference")) or None
    key = f"{paid_on}|{amount:.2f}|{reference or payer['number']}"
    earlier = find_imported_payment(db, key) or find_manual_payment(db, payer, paid_on, amount)
    if earlier or key in context["seen"]:
        receipt_no = earlier["receipt_no"] if earlier else _text("import.dry_run_receipt")
        return {"outcome": "already", "number": payer["number"], "amount": amount, "receipt_no": receipt_no}
    if row_no not in context["confirm"]:
        _hold_if_like(db, payer, paid_on, amount, context)
    context["seen"].add(key)
    context["booked"].append((payer["number"], amount, paid_on, row_no))
    row = {"outcome": "recorded", "number": payer["number"], "name": payer["name"], "amount": amount,
           "years": years, "paid_at": paid_on.isoformat(), "matched_by": matched_by}
    if context["dry_run"]:
        return dict(row, receipt_no=_text("import.dry_run_receipt"),
                    paid_through=dues.paid_through_after(payer["paid_through"], years, paid_on))
    return _record_row(db, row, payer, paid_on, reference, key, values, context)


def _hold_if_like(db, payer: dict, paid_on: date, amount: float, context: dict) -> None:
    """Hold a row like a payment already booked (same payer and amount, a few days apart)."""
    days = dues.fee_rules()["duplicate_days"]
    like = find_nearby_payment(db, payer, paid_on, amount, days)
    if like:
        raise RowProblem("held", "likely_duplicate", number=payer["number"], name=payer["name"],
                         receipt_no=like["receipt_no"], paid_at=like["paid_at"],
                         earlier_amount=dues.format_amount(like["amount"]))
    for number, booked_amount, booked_on, booked_row in context["booked"]:
        if number == payer["number"] and dues.same_amount(booked_amount, amount) \
                and abs((booked_on - paid_on).days) <= days:
            raise RowProblem("held", "likely_duplicate_row", number=number, name=payer["name"],
                             earlier_row=booked_row)


def _record_row(db, row: dict, payer: dict, paid_on: date, reference: str | None, key: str,
                values: dict, context: dict) -> dict:
    try:
        payment = record_payment(db, payer, row["amount"], row["years"], paid_on, context["method"],
                                 context["actor"], note=_memo_text(values) or None,
                                 reference=reference, import_key=key, source=context["source"],
                                 account=_account(values))
    except AlreadyLifetime:
        raise RowProblem("invalid", "lifetime") from None
    except sqlite3.IntegrityError:  # an import of the same statement running at the same time got there first
        return dict(row, outcome="already", receipt_no=find_imported_payment(db, key)["receipt_no"])
    return dict(row, receipt_no=payment["receipt_no"], paid_through=payment["period_to"])


# --- what the money is for ------------------------------------------------------------------

def _memo_cells(values: dict) -> list[tuple[str, str]]:
    """(header, text) of every remark-like cell of the row that holds something."""
    cells = values.get("memo") or []
    if not isinstance(cells, list):
        cells = [("", cells)]
    return [(header, normalise(value)) for header, value in cells if normalise(value)]


def _memo_text(values: dict) -> str:
    return " ".join(text for _, text in _memo_cells(values))


def _purpose(memo: str, category: str | None = None, amount: float | None = None) -> str:
    """`other` when the remarks name something else than dues (会议费, 报销 ...) and either do not
    say 会费 or the amount is not a dues amount of the payer's category; else `dues`."""
    rules = statement_rules()
    if not any(word in memo for word in rules["other_words"]):
        return "dues"
    if not any(word in memo for word in rules["dues_words"]):
        return "other"
    if category is None:
        return "dues"  # says both: the amount decides, once the payer is known
    return "dues" if dues.years_for_amount(category, amount) is not None else "other"


def _not_dues(db, values: dict, memo: str) -> RowProblem:
    try:
        payer, _ = _match_payer(db, values)
        who = f"{payer['number']} {payer['name']}"
    except RowProblem:
        who = ""
    words = [w for w in statement_rules()["other_words"] if w in memo]
    return RowProblem("not_dues", "not_dues", who=who, words=dues.listing(words))


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


def _number_in(values: dict) -> tuple[str, str] | None:
    """(number, header of the column it was found in): its column, else the first remark holding one."""
    column = re.sub(r"\s", "", normalise(values.get("member_no"))).upper()
    if column:
        return column, _header(values, "member_no")
    for header, text in _memo_cells(values):
        found = _number_pattern().search(re.sub(r"\s", "", text).upper())
        if found:
            return found.group(0), header
    return None


def _mobile_in(values: dict) -> tuple[str, str] | None:
    cells = [(_header(values, "mobile"), normalise(values.get("mobile")))]
    cells += [(header, mobile) for header, text in _memo_cells(values) for mobile in re.findall(r"1[3-9]\d{9}", text)]
    for header, text in cells:
        try:
            return clean_mobile(text), header
        except Invalid:
            continue
    return None


def _account(values: dict) -> str | None:
    return re.sub(r"[\s\-]", "", normalise(values.get("account"))) or None


def _header(values: dict, key: str) -> str:
    """The column's header as the file writes it (read_table leaves it under "_headers")."""
    return values.get("_headers", {}).get(key) or dues.fee_rules()["import_columns"][key][0]


def _match_payer(db, values: dict) -> tuple[dict, str]:
    """The payer of a row and how it was found, e.g. "附言（会员编号）"."""
    found = _number_in(values)
    if found:
        number, header = found
        payer = find_payer(db, number)
        if payer is None:
            raise RowProblem("unmatched", "no_such_number", number=number)
        return payer, _text("import.matched_by", column=header, how=_text("import.how.number"))
    mobile = _mobile_in(values)
    if mobile:
        payers = find_payers_by_mobile(db, mobile[0])
        if len(payers) > 1:
            raise RowProblem("ambiguous", "ambiguous", candidates=[p["number"] for p in payers])
        if payers:
            return payers[0], _text("import.matched_by", column=mobile[1], how=_text("import.how.mobile"))
    account = _account(values)
    if account:
        payers = find_payers_by_account(db, account)
        if len(payers) == 1:
            return payers[0], _text("import.matched_by", column=_header(values, "account"), how=_text("import.how.account"))
    name = normalise(values.get("name"))
    if name:
        payers = find_payers_by_name(db, name)
        if len(payers) > 1:
            raise RowProblem("ambiguous", "ambiguous", candidates=[p["number"] for p in payers])
        if payers:
            return payers[0], _text("import.matched_by", column=_header(values, "name"), how=_text("import.how.name"))
    if mobile:
        raise RowProblem("unmatched", "no_such_mobile", mobile=mask_mobile(mobile[0]))
    raise RowProblem("unmatched", "no_key")


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
            "payer": mask_mobile(" ".join(t for t in (normalise(values.get("name")), normalise(values.get("mobile")),
                                                      _memo_text(values)) if t))}



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
    if report.get("memo_columns"):
        lines.append(("columns", _text("import.memo_columns", columns=dues.listing(report["memo_columns"]))))
    for row in report["recorded"]:
        lines.append(("recorded", _text("import.recorded_line", **dict(
            row, amount=dues.format_amount(row["amount"]), years=dues.years_text(row["years"]),
            paid_through=dues.date_text(row["paid_through"])))))
    for row in report["already"]:
        lines.append(("already", _text("import.already_line", **dict(row, amount=dues.format_amount(row["amount"])))))
    for outcome in ("held", "not_dues", "unmatched", "ambiguous", "invalid"):
        if report[outcome]:
            lines.append(("title", _text(f"import.{outcome}_title")))
        for row in report[outcome]:
            lines.append((outcome, _text("import.problem_line", **dict(row, problem=problem_text(row)))))
    if report["dry_run"]:
        lines.append(("note", _text("import.dry_run")))
    return lines
