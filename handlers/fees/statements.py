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

from collections import Counter

import re
import sqlite3
from datetime import date, datetime
from pathlib import Path

from bot import content
from handlers.fees import dues
from bot.privacy import mask_mobile
from bot.sheet_import import column_label
from bot.spreadsheets import SheetError, read_tables, serial_date
from bot.validation import Invalid, clean_mobile, normalise
from handlers.fees.payments import AlreadyLifetime, unpaid_gap_year, not_in_force, record_payment
from storage.fees import (
    find_imported_payment,
    find_manual_payment,
    find_members_at_work_unit,
    find_nearby_payment,
    find_payer,
    find_payers_by_account,
    find_payers_by_mobile,
    find_payers_by_name,
    find_units_by_name_start,
    member_names,
    member_payers_by_mobile_parts,
    member_payers_ending_with,
    mobiles_of_members,
    payer_numbers_holding,
    payer_numbers_unlike,
    payments_of,
    payers_whose_remarks_hold,
    opening_balance,
    unit_names_in_force,
    unit_payers_by_contact,
    units_in_force,
)
from storage.members import find_member_by_no, unit_name_key

OUTCOMES = ("recorded", "already", "held", "not_dues", "not_received", "unmatched", "ambiguous", "invalid")
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
    """A statement row that cannot be recorded: `outcome` says which list, `problem` why; `column`
    the column it is about (a key of [fees.import_columns], or a remark column's header) when it is
    not the problem's usual one (PROBLEM_COLUMNS)."""

    def __init__(self, outcome: str, problem: str, column: str | None = None, **facts):
        super().__init__(problem)
        self.outcome, self.problem, self.column, self.facts = outcome, problem, column, facts


# The column a problem is about, named with the row in the report (which column was read as the amount)
PROBLEM_COLUMNS = {
    "amount": "amount", "wrong_amount": "amount", "unit_level": "amount", "unit_level_own": "amount",
    "mixed_purpose": "amount", "lifetime": "amount", "exempt": "amount", "likely_duplicate": "amount",
    "likely_duplicate_row": "amount", "paid_ahead": "amount", "paid_in_part": "memo", "unpaid_gap": "amount",
    "paid_by_another": "amount",
    "lifetime_said": "amount", "lifetime_or_years": "amount", "lifetime_paid_ahead": "amount",
    "lifetime_or_unit": "amount",
    "level_differs": "amount", "another_category_fee": "amount", "other_years": "memo", "arrears_left": "amount",
    "wrong_amount_years": "years", "years_not_offered": "years", "years": "years",
    "date": "date", "not_received": "status", "refunded": "refunded", "no_such_number": "member_no",
    "no_such_mobile": "mobile", "no_key": "name", "unit_of_payer": "name", "workplace_of": "name", "ambiguous": "name",
    "namesake_by_amount": "name", "inactive": "name", "pinyin_several": "name", "variant_surname": "name",
    "names_conflict": "memo", "number_names_other": "memo", "names_in_memo": "memo", "name_several": "memo", "near_name": "memo",
    "persons_unnamed": "memo", "nickname_only": "name",
    "transfer": "memo", "not_dues": "memo", "refunded_row": "memo",
}


def statement_rules() -> dict:
    return dues.fee_rules()["statement"]


def import_statement(db, path: Path, method: str | None, actor: str | None, dry_run: bool,
                     name: str | None = None, confirm=()) -> dict:
    """Record the payments in a statement (.xlsx/.csv); the report lists every row under its outcome.

    `name` is the file name the secretariat knows (an upload is saved under another);
    `confirm` holds the row numbers of held rows the secretariat confirmed as new money.
    """
    try:  # a bank's export may keep a sheet per month (10月, 11月, 12月): every one is read
        sheets = read_tables(path, dues.fee_rules()["import_columns"],
                             gather={"memo": tuple(statement_rules()["memo_words"])})
    except SheetError as error:
        raise StatementError(f"sheet.{error.reason}", **dict(error.facts, file=name or path.name)) from None
    sheets = [s for s in sheets if not [key for key in REQUIRED_COLUMNS if key not in s.columns]] or sheets[:1]
    missing = [key for key in REQUIRED_COLUMNS if key not in sheets[0].columns]
    if missing:
        names = [dues.fee_rules()["import_columns"][key][0] for key in missing]
        raise StatementError("sheet.missing", columns=dues.listing(names))
    name = name or path.name
    names = member_names(db)  # read once an import (with those not in force): a payment changes no one's name or status
    report = {"file": name, "dry_run": dry_run, "skipped": 0, **{k: [] for k in OUTCOMES},
              "memo_columns": [column_label(c) for c in sheets[0].gathered.get("memo", [])]}
    context = {"method": method or dues.fee_rules()["default_method"],
               "actor": actor or _text("default_actor"), "source": f"import:{name}",
               "dry_run": dry_run, "seen": set(), "booked": [], "dry_through": {}, "confirm": {int(r) for r in confirm},
               "member_names": names, "former_names": member_names(db, in_force=False),
               "names": _names_pattern(names), "unit_names": unit_names_in_force(db), "pinyin": None}
    for sheet in sheets:
        where = {"sheet": sheet.name} if len(sheets) > 1 else {}  # rows are numbered per sheet
        _import_sheet(db, sheet, report, context, where)
    return report


def _import_sheet(db, sheet, report: dict, context: dict, where: dict) -> None:
    headers = {key: column.header for key, column in sheet.columns.items()}
    letters = {column.header: column.letter for column in [*sheet.columns.values(), *sheet.gathered.get("memo", [])]}
    rows = _oldest_first(sheet.rows)
    context["refunded"] = _refund_pairs(rows)
    context["nicknames"] = any(word in line for line in sheet.titles for word in statement_rules()["nickname_bills"])
    for row_no, values in rows:
        values = dict(values, _headers=headers, _letters=letters)
        if not _is_transaction(values):
            report["skipped"] += 1  # a bill's summary lines under the table (总交易单数 ...)
            continue
        amount = _amount(values.get("amount"))
        if (amount is not None and amount <= 0) or _outgoing(values):
            report["skipped"] += 1  # an outgoing payment, a neutral one or a zero line: not dues
            continue
        try:
            report_rows = _import_row(db, row_no, values, amount, context)
        except RowProblem as problem:
            report[problem.outcome].append({**_problem_row(row_no, values, problem), **where})
            continue
        for report_row in report_rows:
            report[report_row.pop("outcome")].append({"row": row_no, **where, **report_row})


def _oldest_first(rows: list[tuple[int, dict]]) -> list[tuple[int, dict]]:
    """The rows in the order the money moved (by day and time; a bill listing the newest first, 微信支付账单明细,
    read from its end where a day's rows say no time), so the first of two scans is the one booked and a refund
    follows what it sends back; a line with no date it can read (a total, a date to fix) kept in its place."""
    dated = [_when(values) for _, values in rows if _is_transaction(values)]
    dated = [when for when in dated if when]
    ordered = list(reversed(rows)) if len(dated) > 1 and dated[0] > dated[-1] else rows
    by_time = iter(sorted((row for row in ordered if _when(row[1])), key=lambda row: _when(row[1])))
    return [next(by_time) if _when(values) else (row, values) for row, values in ordered]


def _when(values: dict) -> tuple[date, str] | None:
    """A row's day and its time of day as written (10:21:33), where the date cell says one."""
    try:
        day = _statement_date(values.get("date"))
    except RowProblem:
        return None
    time = re.search(r"(\d{1,2}):(\d{2})(?::(\d{2}))?", normalise(values.get("date")))
    return day, f"{int(time.group(1)):02d}{time.group(2)}{time.group(3) or '00'}" if time else ""


def _refund_pairs(rows: list[tuple[int, dict]]) -> dict[int, tuple[int, str]]:
    """Credit row -> (debit row, its remark) for money sent back whole to the same payer later in the
    statement (a 500 paid by mistake and "多缴会费退回" the next day): neither is dues. The refund sends
    back the latest such credit before it: of two payments, the second is the one paid twice. `rows` in
    the order the money moved (_oldest_first)."""
    words = statement_rules().get("refund_words", [])
    pairs: dict[int, tuple[int, str]] = {}
    for at, (debit_row, debit) in enumerate(rows):
        out, memo = _paid_out(debit), _memo_text(debit)
        if not out or out <= 0 or not any(word in memo for word in words):
            continue
        earlier = [(row, credit) for row, credit in reversed(rows[:at]) if row not in pairs
                   and dues.same_amount(_amount(credit.get("amount")) or 0, out)]
        source = _payment_source(debit, [credit for _, credit in earlier])
        credit_row = next((row for row, credit in earlier if source(credit)), None)
        if credit_row is not None:
            pairs[credit_row] = (debit_row, memo)
    for at, (refund_row, refund) in enumerate(rows):  # a payment app's refund line names the order it refunds
        order, back = _filled(refund, "order"), _amount(refund.get("refunded")) or 0
        paid = [row for row, credit in rows[:at] if row not in pairs and order
                and _filled(credit, "order") == order and not _amount(credit.get("refunded"))
                and dues.same_amount(_amount(credit.get("amount")) or 0, back)]
        if back > 0 and paid:
            pairs[paid[-1]] = (refund_row, _memo_text(refund) or order)
    return pairs


def _payment_source(debit: dict, credits: list[dict]):
    """How to tell the credit a refund sends back: the same order (a payment app's 商户订单号, one of
    two paid within a minute) when one of the credits has it, else the same payer's name, else the
    same account (a bill that names payers by a masked phone or e-mail only). A refund whose order
    matches no payment (the app gave the refund an order of its own) goes by name or account;
    rows saying none of them are not paired."""
    keys = ("order", "name", "account")
    if _filled(debit, "order") and not any(_filled(c, "order") == _filled(debit, "order") for c in credits):
        keys = ("name", "account")

    def same(credit: dict) -> bool:
        for key in keys:
            sent, came = _filled(debit, key), _filled(credit, key)
            if sent or came:
                return sent == came
        return False
    return same


def _filled(values: dict, key: str) -> str:
    """A cell as written, a bill's placeholder for nothing (WeChat's "/", "-") as blank."""
    text = normalise(values.get(key))
    return "" if text in ("/", "-", "—") else text


def _paid_out(values: dict) -> float | None:
    """What the row paid out: its debit column, or one signed amount column (-150.00, or 150 marked 支)."""
    out = _amount(values.get("debit"))
    if out:
        return out
    amount = _amount(values.get("amount"))
    if amount and (amount < 0 or _outgoing(values)):
        return abs(amount)
    return None


def _is_transaction(values: dict) -> bool:
    """A line with a date, or naming someone or something: else a summary or a blank template row.
    Not a month's or a page's totals (本月合计, 本页小计), nor the header repeated after a page break."""
    said = [normalise(values.get("date")), normalise(values.get("name"))]
    if not said[1]:
        said.append(_memo_text(values))  # a payer's remark may say 合计; a line with no payer is the bank's
    if any(word in cell for cell in said for word in statement_rules()["summary_words"]):
        return False
    headers = values.get("_headers", {})
    if sum(1 for key, header in headers.items() if normalise(values.get(key)) == header) >= 2:
        return False
    if normalise(values.get("name")) or _memo_text(values) or normalise(values.get("member_no")):
        return True
    try:
        _statement_date(values.get("date"))
    except RowProblem:
        return False
    return True


def _outgoing(values: dict) -> bool:
    """The direction column (收/支, 借贷标识) says the money went out, or neither way (微信 "/")."""
    direction = re.sub(r"\s", "", normalise(values.get("direction")))
    return bool(direction) and direction in statement_rules()["not_income"]


def _received(values: dict, amount: float) -> None:
    """Raise when the row's status says no money arrived: closed, waiting for payment, sent back."""
    state = re.sub(r"\s", "", normalise(values.get("status")))
    if state and any(word in state for word in statement_rules()["not_received"]):
        raise RowProblem("not_received", "not_received", state=state)
    refunded = _amount(values.get("refunded"))
    if refunded and amount and refunded >= amount:
        raise RowProblem("not_received", "refunded", refunded=dues.format_amount(refunded))


def _import_row(db, row_no: int, values: dict, amount: float | None, context: dict) -> list[dict]:
    """Match one statement row to its payer (or the members its remark names) and record it once
    for each; raises RowProblem otherwise."""
    if amount is None:
        raise RowProblem("invalid", "amount", value=values.get("amount"))
    paid_on = _statement_date(values.get("date"))
    _received(values, amount)
    if row_no in context.get("refunded", {}):
        debit_row, debit_memo = context["refunded"][row_no]
        raise RowProblem("not_received", "refunded_row", debit_row=debit_row, memo=debit_memo)
    memo = _memo_text(values)
    transfer = [w for w in statement_rules()["transfer_words"] if w in memo]
    if transfer:
        raise RowProblem("not_dues", "transfer", words=dues.listing(transfer))
    if _purpose(memo) == "other":
        raise _not_dues(db, values, memo, context)
    numbered = _number_of(db, values, context)
    named = [] if numbered else _members_named(db, values, memo, context)
    if not numbered and not named:
        _refuse_if_persons_unnamed(memo, amount)
    if len(named) > 1:
        return _split_among(db, row_no, values, amount, paid_on, named, context)
    payer, matched_by = named[0] if named else _match_payer(db, values, context)
    if not numbered and not named and payer["kind"] == "member":  # 马红梅: "郑大一附院2026年理事会费", her hospital's
        payer, matched_by = _unit_by_short_name(db, values, amount) or (payer, matched_by)
    purpose = _purpose(memo, payer, amount)
    if purpose == "other":
        raise _not_dues(db, values, memo, context)
    if purpose == "mixed":
        raise RowProblem("invalid", "mixed_purpose", amount=dues.format_amount(amount),
                         words=dues.listing([w for w in statement_rules()["other_words"] if w in memo]))
    _refuse_if_lifetime(payer)
    years = _unit_level_years(payer, amount, memo) or _years_paid(payer, amount, values.get("years"))
    years = _lifetime_years(payer, amount, years, memo, paid_on, row_no in context["confirm"])
    if row_no not in context["confirm"]:
        _hold_if_another_category_s_fee(payer, amount, years, values, memo, paid_on)
        _hold_if_lifetime_or_unit_s(db, payer, amount, years, memo)
    return [_book(db, row_no, values, payer, matched_by, amount, years, paid_on, context)]


_PERSONS = re.compile(r"(\d{1,3}|[两二三四五六七八九十]{1,3})\s*(?:人|位|名)")
_CHINESE_DIGITS = {"两": 2, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}


def _refuse_if_persons_unnamed(memo: str, amount: float) -> None:
    """Dues for several people the remark counts but does not name ('5人个人会费', '代缴三位老师会费'), the
    amount that many years' dues of one category: a person asks the payer whose (a unit's 1000 is no part
    of its own 5000 a year)."""
    found = _PERSONS.search(memo)
    if not found or not any(word in memo for word in statement_rules()["dues_words"]):
        return
    count = _count(found.group(1))
    fits = [category for category in ("regular", "senior", "student")
            if count > 1 and dues.same_amount(count * dues.yearly_fee(category), amount)]
    if fits:
        raise RowProblem("ambiguous", "persons_unnamed", count=count, category=dues.category_name(fits[0]),
                         fee=dues.format_amount(dues.yearly_fee(fits[0])), amount=dues.format_amount(amount))


def _count(written: str) -> int:
    """5, 五, 十二, 二十五 as a number."""
    if written.isdigit():
        return int(written)
    if "十" not in written:
        return _CHINESE_DIGITS.get(written, 0)
    tens, _, ones = written.partition("十")
    return _CHINESE_DIGITS.get(tens, 1) * 10 + _CHINESE_DIGITS.get(ones, 0)


def _refuse_if_lifetime(payer: dict) -> None:
    """A lifetime member owes no dues: the row is listed (refund, or a donation?), and a dry run says so
    as the import would, before any years are worked out (a lifetime's paid-through has no next year)."""
    if dues.is_lifetime(payer.get("paid_through")):
        raise RowProblem("invalid", "lifetime")


def _split_among(db, row_no: int, values: dict, amount: float, paid_on: date, named: list, context: dict) -> list[dict]:
    """One transfer for several members named in its remark (代缴3人 白晓锋 董婷 樊新成): each is
    booked a year of their own category when the shares add up to the amount; else a person splits it."""
    shares = [dues.yearly_fee(payer["category"]) for payer, _ in named]
    if not dues.same_amount(sum(shares), amount):
        raise RowProblem("ambiguous", "names_in_memo", names="、".join(p["name"] for p, _ in named),
                         expected=dues.format_amount(sum(shares)), amount=dues.format_amount(amount),
                         candidates=[p["number"] for p, _ in named])
    for payer, _ in named:
        _refuse_if_lifetime(payer)
    if row_no not in context["confirm"]:
        for (payer, _), share in zip(named, shares):  # all or none of the row is booked
            if find_imported_payment(db, _import_key(values, paid_on, share, payer, split=True)):
                continue  # this statement imported before
            _hold_if_like(db, payer, paid_on, share, context)
            _hold_if_paid_ahead(payer, paid_on, values)
    return [_book(db, row_no, values, payer, matched_by, share, 1, paid_on, context, split=True)
            for (payer, matched_by), share in zip(named, shares)]


def _book(db, row_no: int, values: dict, payer: dict, matched_by: str, amount: float, years: int,
          paid_on: date, context: dict, split: bool = False) -> dict:
    """Record one payer's part of a row, unless recorded already or like a payment booked. A dry run books the
    payer's earlier rows of the file (context["dry_through"]): the report says what the real run will do."""
    payer = dict(payer, paid_through=context["dry_through"].get(payer["number"], payer["paid_through"]))
    reference = normalise(values.get("reference")) or None
    key = _import_key(values, paid_on, amount, payer, split)
    earlier = find_imported_payment(db, key) or find_manual_payment(db, payer, paid_on, amount)
    if earlier or key in context["seen"]:
        receipt_no = earlier["receipt_no"] if earlier else _text("import.dry_run_receipt")
        return {"outcome": "already", "number": payer["number"], "amount": amount, "receipt_no": receipt_no}
    shown = None if split else _shown_in_roster(db, payer, paid_on, values, years)
    gap = None if split or shown else _unpaid_year_named(payer, values, years)
    arrears_named = None
    _hold_if_inactive(payer)  # ticked or not: the membership is restored first (held_ticks says so)
    if row_no not in context["confirm"]:
        _hold_if_like(db, payer, paid_on, amount, context)
        if not (shown or gap):
            _hold_if_paid_ahead(payer, paid_on, values)
            _hold_if_paid_by_another(db, payer, paid_on, values)
            if not split:
                arrears_named = _hold_if_other_years(payer, years, paid_on, values)
    context["seen"].add(key)
    context["booked"].append((payer["number"], amount, paid_on, row_no))
    row = {"outcome": "recorded", "number": payer["number"], "name": payer["name"], "amount": amount,
           "years": years, "paid_at": paid_on.isoformat(), "matched_by": matched_by}
    if shown:
        row.update(shown_year=shown, known_to=payer["dues_known_to"])
    if gap:
        row.update(gap_year=gap)
    if arrears_named:
        row.update(arrears_named=arrears_named)
    if context["dry_run"]:
        paid_through = payer["paid_through"] if shown or gap else dues.paid_through_after(
            payer["paid_through"], years, paid_on, min(_years_named(values), default=None), payer.get("joined_at"))
        context["dry_through"][payer["number"]] = paid_through
        return dict(row, receipt_no=_text("import.dry_run_receipt"), paid_through=paid_through)
    return _record_row(db, row, payer, paid_on, reference, key, values, context)


def _unpaid_year_named(payer: dict, values: dict, years: int) -> int | None:
    """The year a transfer of one year's dues names (补交2025年会费) when the roster marks that year unpaid
    between paid ones (dues_unpaid): the money is for it, whatever the paid-through date says."""
    return unpaid_gap_year(payer, _years_named(values), years)


def _shown_in_roster(db, payer: dict, paid_on: date, values: dict, years: int) -> int | None:
    """The dues year a roster already marks paid by this very transfer, or None: one year's money,
    dated on or before the day the roster's records go up to (会费记录截至8月31日, dues_known_to), for
    the dues year it arrives in, which is the roster's paid-through year and no payment recorded since."""
    known_to, paid_through = payer.get("dues_known_to"), payer.get("paid_through")
    if not known_to or not paid_through or years != 1 or paid_on.isoformat() > known_to \
            or dues.is_lifetime(paid_through):
        return None
    year = paid_on.year + (1 if dues.late_in_year(paid_on) else 0)
    if int(paid_through[:4]) != year or set(_years_named(values)) - {year}:
        return None
    return year if opening_balance(db, payer) else None


def _hold_if_inactive(payer: dict) -> None:
    """Hold money from a member who withdrew, is suspended or died, or a deregistered unit: a person
    decides (reinstate and book it, or send it back)."""
    if not_in_force(payer):
        raise _inactive(payer)


def _inactive(payer: dict, column: str | None = None) -> RowProblem:
    return RowProblem("held", "inactive", column, **not_in_force(payer))


def _lifetime_years(payer: dict, amount: float, years: int, memo: str, paid_on: date, confirmed: bool) -> int:
    """The years a row pays, the lifetime fee read: "终身会员会费" with the lifetime fee is LIFETIME.
    Held for a person (unless `confirmed`): a remark saying 终身 with another amount, the lifetime fee
    that is also N years' dues and says neither, and the lifetime fee from a member who already paid
    beyond this year (吴敏 paid to 2027 sending 3000: refund the years, or credit them?)."""
    said = any(word in memo for word in statement_rules().get("lifetime_words", []))
    lifetime = dues.lifetime_fee(payer["category"])
    fits = bool(lifetime) and dues.same_amount(lifetime, amount)
    if said and fits:
        years = dues.LIFETIME
    if confirmed or dues.is_lifetime(payer.get("paid_through")):
        return years
    facts = {"number": payer["number"], "name": payer["name"], "amount": dues.format_amount(amount),
             "lifetime": dues.format_amount(lifetime) if lifetime else "—"}
    if said and not fits:
        raise RowProblem("held", "lifetime_said", **facts)
    if fits and years != dues.LIFETIME:
        raise RowProblem("held", "lifetime_or_years", **facts, years=dues.years_text(years))
    if years == dues.LIFETIME and payer.get("paid_through") and int(payer["paid_through"][:4]) > paid_on.year:
        raise RowProblem("held", "lifetime_paid_ahead", **facts, paid_through=dues.date_text(payer["paid_through"]))
    return years


def _hold_if_lifetime_or_unit_s(db, payer: dict, amount: float, years: int, memo: str) -> None:
    """Hold the lifetime fee from a member, the remark not saying 终身, when it is also a year's fee of a unit
    whose contact he is (谢宏伟 sending 2000 会费, the contact of a unit owing 2000; the contact's mobile, or his
    name as the unit's contact where he works): his lifetime, or the unit's dues? A person asks."""
    if years != dues.LIFETIME or payer["kind"] != "member" \
            or any(word in memo for word in statement_rules().get("lifetime_words", [])):
        return
    member = find_member_by_no(db, payer["number"]) or {}
    units = [p for p in find_payers_by_mobile(db, member["mobile"]) if p["kind"] == "unit"] if member.get("mobile") else []
    units += [unit for unit in unit_payers_by_contact(db, payer["name"]) if member.get("work_unit")
              and unit_name_key(member["work_unit"]) == unit_name_key(unit["name"])]
    fits = [unit for unit in units if dues.same_amount(dues.payer_yearly_fee(unit), amount)]
    if fits:
        raise RowProblem("held", "lifetime_or_unit", number=payer["number"], name=payer["name"],
                         amount=dues.format_amount(amount), unit=fits[0]["name"], unit_no=fits[0]["number"],
                         candidates=[payer["number"], fits[0]["number"]])


_YEAR_COUNT = re.compile(r"(?<!\d)([2-9两二三四五])年(?!度)")
_COUNT_DIGITS = {"两": 2, "二": 2, "三": 3, "四": 4, "五": 5}


def _hold_if_another_category_s_fee(payer: dict, amount: float, years: int, values: dict, memo: str,
                                    paid_on: date) -> None:
    """Hold several years' dues that are also one year of another category (a student's 100 is five
    student years or one 个人会员 year; 200 "2027年会费" from a 个人会员 about to become 高级会员) unless
    the remark says that many years, or they are the years owed (补交: two years behind, two years'
    money): a category change, or a mistake, for a person to tell."""
    if years in (1, dues.LIFETIME) or payer["category"] == "unit":
        return
    first_named = min(_years_named(values), default=None)
    through = dues.paid_through_after(payer.get("paid_through"), years, paid_on, first_named, payer.get("joined_at"))
    if int(through[:4]) <= paid_on.year:
        return
    others = [category for category, fee in dues.fee_rules()["yearly"].items()
              if category not in (payer["category"], "unit") and fee and dues.same_amount(fee, amount)]
    counted = {_COUNT_DIGITS.get(found, None) or int(found) for found in _YEAR_COUNT.findall(memo)}
    if not others or len(set(_years_named(values))) == years or years in counted:
        return
    raise RowProblem("held", "another_category_fee", number=payer["number"], name=payer["name"],
                     amount=dues.format_amount(amount), years=dues.years_text(years),
                     category=dues.category_name(payer["category"]), other=dues.category_name(others[0]))


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


def _import_key(values: dict, paid_on: date, amount: float, payer: dict, split: bool = False) -> str:
    """What makes a row's booking unique, so a statement imported twice is booked once."""
    reference = normalise(values.get("reference")) or None
    key = f"{paid_on}|{amount:.2f}|{reference or payer['number']}"
    return f"{key}|{payer['number']}" if split else key  # one bank reference, several members' dues


def _years_named(values: dict) -> list[int]:
    """The dues years a row's remarks name."""
    return dues.years_in(_memo_text(values))


def _hold_if_paid_ahead(payer: dict, paid_on: date, values: dict) -> None:
    """Hold a payment from someone whose dues already cover the year it names, or (naming none) go
    beyond the dues year it arrives in (next_year_from counted): most likely paid twice (a roster's
    已缴至2027, or 单位统缴 and a personal "2026年会费"). From someone the roster marks unpaid for a year
    between paid ones, money naming no later year may be for that year or the next: a person says."""
    paid_through = payer.get("paid_through")
    if not paid_through or dues.is_lifetime(paid_through):
        return
    named = _years_named(values)
    covered = int(paid_through[:4])
    if payer.get("dues_unpaid") and not [year for year in named if year > covered]:
        raise RowProblem("held", "unpaid_gap", number=payer["number"], name=payer["name"],
                         years=payer["dues_unpaid"], paid_through=dues.date_text(paid_through))
    if (named and max(named) <= covered) or (not named and covered > _dues_year_of(paid_on)):
        raise RowProblem("held", "paid_ahead", number=payer["number"], name=payer["name"],
                         paid_through=dues.date_text(paid_through))
    if named and min(named) <= covered:  # 许晴2026、2027 from someone paid to 2026: half of it twice
        raise RowProblem("held", "paid_in_part", number=payer["number"], name=payer["name"],
                         paid_through=dues.date_text(paid_through),
                         years="、".join(str(y) for y in sorted(set(named))),
                         paid="、".join(str(y) for y in sorted(set(named)) if y <= covered))


def _dues_year_of(paid_on: date) -> int:
    """The dues year money arriving that day is for: its calendar year, or the next from next_year_from on."""
    return paid_on.year + (1 if paid_on.strftime("%m-%d") >= dues.fee_rules()["next_year_from"] else 0)


def _hold_if_paid_by_another(db, payer: dict, paid_on: date, values: dict) -> None:
    """Hold money naming no year from an account other than the one the payer's dues of this year came from
    a short while ago (paid_by_another_days): 单位统一代缴 paid 贾国栋's 2026 in September, and in October he
    pays 200 himself. Paid twice, or next year's in advance? The secretariat asks before booking a year."""
    paid_through, account = payer.get("paid_through"), _account(values)
    if _years_named(values) or not account or not paid_through or dues.is_lifetime(paid_through) \
            or int(paid_through[:4]) < paid_on.year:
        return
    latest = next(iter(payments_of(db, payer, limit=1)), None)
    days = dues.fee_rules()["paid_by_another_days"]
    if latest and latest.get("account") and latest["account"] != account and not latest.get("refunded_at") \
            and 0 <= (paid_on - date.fromisoformat(latest["paid_at"][:10])).days <= days:
        raise RowProblem("held", "paid_by_another", number=payer["number"], name=payer["name"],
                         paid_at=latest["paid_at"][:10], receipt_no=latest["receipt_no"],
                         paid_through=dues.date_text(paid_through))


def _hold_if_other_years(payer: dict, years: int, paid_on: date, values: dict) -> str | None:
    """Hold money whose remark names another number of dues years than it pays ("会费2026" with two years'
    money), or, where arrears are paid first (arrears_first), names or not leaves years before the last
    calendar year owed (200 from someone paid to 2021 books 2022, "2026年会费" too: arrears, or rejoining this
    year?): the secretariat decides. A member naming a later year than the first one owed ("2026年会费" from
    someone who owes only 2025) is booked to the arrears, as the society's rule says: the years the remark named,
    returned for the report to say so. A unit so naming a year is held: it pays against an invoice for the year
    it names, and which year this is the secretariat agrees with it."""
    named = _years_named(values)
    if years == dues.LIFETIME:
        return
    first, last = dues.coverage(payer.get("paid_through"), years, paid_on, min(named, default=None),
                                 payer.get("joined_at"))
    arrears_first = dues.fee_rules().get("arrears_first", False)
    if not named:
        if arrears_first and int(last[:4]) < paid_on.year - 1:  # still years behind after it (not only this
            # calendar year: in November, when next year's dues are taken, 2025 paid leaves only 2026 owed)
            raise RowProblem("held", "arrears_left", number=payer["number"], name=payer["name"],
                             booked=dues.period_text(first, last),
                             paid_through=dues.date_text(payer.get("paid_through")))
        return
    behind = arrears_first and int(first[:4]) < min(named)
    still_owing = int(last[:4]) < paid_on.year - 1
    owed_after = arrears_first and int(first[:4]) == min(named) and max(named) - min(named) + 1 < years \
        and int(last[:4]) <= paid_on.year  # 补交2025年会费 with 2025's and 2026's: the years owed, none ahead
    if (max(named) - min(named) + 1 != years and not owed_after) or (behind and (still_owing or payer["kind"] == "unit")):
        raise RowProblem("held", "other_years", number=payer["number"], name=payer["name"],
                         named=dues.period_text(f"{min(named)}", f"{max(named)}"),
                         booked=dues.period_text(first, last),
                         paid_through=dues.date_text(payer.get("paid_through")))
    return dues.period_text(f"{min(named)}", f"{max(named)}") if behind or owed_after else None


def _record_row(db, row: dict, payer: dict, paid_on: date, reference: str | None, key: str,
                values: dict, context: dict) -> dict:
    try:
        payment = record_payment(db, payer, row["amount"], row["years"], paid_on, context["method"],
                                 context["actor"], note=_memo_text(values) or None,
                                 reference=reference, import_key=key, source=context["source"],
                                 account=_account(values), from_year=min(_years_named(values), default=None),
                                 shown_year=row.get("shown_year") or row.get("gap_year"))
    except AlreadyLifetime:
        raise RowProblem("invalid", "lifetime") from None
    except sqlite3.IntegrityError:  # an import of the same statement running at the same time got there first
        return dict(row, outcome="already", receipt_no=find_imported_payment(db, key)["receipt_no"])
    return dict(row, receipt_no=payment["receipt_no"],
                paid_through=payer["paid_through"] if row.get("gap_year") else payment["period_to"])


# --- what the money is for ------------------------------------------------------------------

def _memo_cells(values: dict) -> list[tuple[str, str]]:
    """(header, text) of every remark-like cell of the row that holds something."""
    cells = values.get("memo") or []
    if not isinstance(cells, list):
        cells = [("", cells)]
    codes = statement_rules()["bank_codes"]  # 现存, 转存: the bank's words for the kind of deposit
    return [(header, normalise(value)) for header, value in cells if normalise(value) and normalise(value) not in codes]


def _memo_text(values: dict) -> str:
    return " ".join(text for _, text in _memo_cells(values))


def _purpose(memo: str, payer: dict | None = None, amount: float | None = None) -> str:
    """`other` when the remarks name something else than dues (会议费, 报销 ...) and do not say 会费;
    when they say both, `dues` if the amount is a year of the payer's dues (its category's, a unit's
    level's) or as many years as the remarks name, else `mixed` (会费+年会注册费, 1000 from a member paying
    200 a year: five years' dues, or 200 and a registration? a person splits it)."""
    rules = statement_rules()
    if not any(word in memo for word in rules["other_words"]):
        return "dues"
    if not any(word in memo for word in rules["dues_words"]):
        return "other"
    if payer is None:
        return "dues"  # says both: the amount decides, once the payer is known
    years = _unit_level_years(payer, amount, memo) or dues.years_for_amount(payer["category"], amount)
    fits = years not in (None, dues.LIFETIME) and years in (1, len(set(dues.years_in(memo))))
    return "dues" if fits else "mixed"


def _not_dues(db, values: dict, memo: str, context: dict) -> RowProblem:
    try:
        named = _members_named(db, values, memo, context)
        payer, _ = named[0] if len(named) == 1 else _match_payer(db, values, context, pinyin=False)
        who = f"{payer['number']} {payer['name']}"
    except RowProblem:
        who = ""
    words, spans = [], []
    for word in (w for w in statement_rules()["other_words"] if w in memo):
        at = memo.index(word)
        if not any(at < end and start < at + len(word) for start, end in spans):  # 年会注册 inside 年会注册费: said once
            words.append(word)
            spans.append((at, at + len(word)))
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
_SHORT_DATE = re.compile(r"(\d{2})/(\d{1,2})/(\d{1,2})(?!\d)")  # 农信社's 26/7/3: yy/m/d


def _statement_date(value) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    serial = serial_date(value)  # 46267 in a General-format cell (交通银行)
    if serial:
        return serial
    text = normalise(value)
    short = _SHORT_DATE.match(text)
    match = _DATE.match(text)
    try:
        if short and not match:
            return date(2000 + int(short.group(1)), int(short.group(2)), int(short.group(3)))
        parts = [int(p) for p in match.groups() if p is not None]
        return date(*parts)
    except (AttributeError, TypeError, ValueError):
        raise RowProblem("invalid", "date", value=value) from None


def _prefixes() -> list[str]:
    numbering = content.load_toml("membership.toml")["member_no"]
    return sorted({numbering["unit_prefix"], numbering["prefix"]}, key=len, reverse=True)


def _number_pattern() -> re.Pattern:
    """The society's numbers: its prefix, then digits, the joining year and the serial perhaps set apart by a
    dash (陕土建2018-0233, 陕土建2019—0262)."""
    return re.compile(f"(?:{'|'.join(map(re.escape, _prefixes()))})(?:(?:19|20)\\d{{2}}{_DASH}\\d{{2,}}|\\d{{3,}})")


_DASH = "[-－—–_]"


def _number_in(values: dict) -> tuple[str, str] | None:
    """(number, header of the column it was found in): its column, else the first remark holding one."""
    column = re.sub(r"\s", "", normalise(values.get("member_no"))).upper()
    if column:
        return column, _header(values, "member_no")
    numbering = content.load_toml("membership.toml")["member_no"]
    whole = len(numbering["prefix"]) + 4 + numbering["digits"]  # HNSL + year + serial
    for header, text in _memo_cells(values):
        found = _number_pattern().search(re.sub(r"\s", "", text).upper())
        spaced = _number_pattern().search(normalise(text).upper())
        if spaced and (len(spaced.group(0)) == whole or _YEAR_AFTER.match(normalise(text), spaced.end())):
            found = spaced  # a number a space ends: HNSL202300012 2026会费, HL02345 2026会费 (a number without the
            # joining year), not HNSL2023000122026
        if found:
            return found.group(0), header
    return None


_YEAR_AFTER = re.compile(r"\s+(?:19|20)\d{2}(?!\d)")  # " 2026会费" after a number: the year paid, not more digits


def _number_key(text: str) -> str:
    """A number as compared however typed: HN-TJ-0330 and HNTJ0330, 豫土建会第0088号 and 豫土建会0088号."""
    return re.sub(r"[^0-9A-Z\u3400-\u9fff]|[第号]", "", normalise(text).upper())


def _own_numbers(db, context: dict) -> dict[str, str]:
    """Key -> number of the stored numbers the society's pattern does not find as written (an older
    system's HN-TJ-0171, 豫土建会第0088号), read once an import."""
    if "own_numbers" not in context:
        pattern = _number_pattern()
        context["own_numbers"] = {_number_key(number): number for number in payer_numbers_unlike(db, _prefixes())
                                  if not pattern.fullmatch(number) and len(_number_key(number)) >= 4}
    return context["own_numbers"]


def _number_of(db, values: dict, context: dict) -> tuple[str, str] | None:
    """(number, header) of the payer's number in the row: as the society writes numbers (_number_in),
    else a stored number of another format typed in a remark, dashes or 第 left out (HNTJ0171)."""
    found = _number_in(values)
    if found:
        return found
    numbers = _own_numbers(db, context)
    for header, text in _memo_cells(values) if numbers else ():
        typed = _number_key(text)
        hits = [(key, at) for key in numbers if (at := typed.find(key)) >= 0
                and not typed[at + len(key):at + len(key) + 1].isdigit()
                and not (at and typed[at - 1].isascii() and typed[at - 1].isalnum() and key[0].isascii())]
        if hits:
            return numbers[max(hits, key=lambda hit: len(hit[0]))[0]], header
    for header, text in _memo_cells(values) if numbers else ():
        loose = {number for pattern, number in _loose_numbers(db, context) if pattern.search(normalise(text).upper())}
        if len(loose) == 1:  # 机械456 for 机械-0456, HBJX-2021-88 for HBJX-2021-0088
            return loose.pop(), header
    for header, text in _memo_cells(values):
        for found in _NUMBER_SHAPED.finditer(normalise(text).upper()):
            number = _number_by_parts(db, found.group(0))
            if number:  # SXTJ 2023 0577, 2022-518: the joining year and the serial of one stored number
                return number, header
    return None


_NUMBER_SHAPED = re.compile(rf"(?<![0-9A-Z])[A-Z]{{2,6}}\s?{_DASH}?\s?(?:19|20)\d{{2}}\s?{_DASH}?\s?(?:0\d{{2,3}}|\d{{3}})(?!\d)"
                            rf"|(?<![0-9A-Z])(?:19|20)\d{{2}}{_DASH}(?:0\d{{2,3}}|\d{{3}})(?!\d)")
# a member number typed another way: initials in Latin letters (SXTJ20190301, SXTJ 2023 0577), or the year and the
# serial alone with a dash (2022-518, 2019-0301; not 2025-2026, a range of years)
_PARTS = re.compile(r"\D*((?:19|20)\d{2})\D*?(\d{1,5})\D*")


def _number_by_parts(db, typed: str) -> str | None:
    """The one stored number with the joining year and the serial a number typed otherwise holds, a zero more or
    less (陕土建2022-0455 for 陕土建2022-455, SXTJ 2023 0577 for 陕土建2023-0577); None when none or several."""
    parts = _PARTS.fullmatch(re.sub(r"\s", "", normalise(typed).upper()))
    if not parts:
        return None
    year, serial = int(parts.group(1)), int(parts.group(2))
    held = [number for number in payer_numbers_holding(db, year, serial)
            if (found := _PARTS.fullmatch(re.sub(r"\s", "", normalise(number).upper())))
            and (int(found.group(1)), int(found.group(2))) == (year, serial)]
    return held[0] if len(held) == 1 else None


_NUMBER_GAP = r"[^0-9A-Z\u3400-\u9fff]*"  # what may stand between a number's parts: -, a space, (98)


def _loose_numbers(db, context: dict) -> list[tuple[re.Pattern, str]]:
    """(pattern, number) of each stored number _own_numbers holds, as typed with a zero before a part's digits
    left out or a dash dropped: 机械-0456 as 机械456, HBJX-2021-0088 as HBJX-2021-88. Read once an import."""
    if "loose_numbers" not in context:
        context["loose_numbers"] = []
        for number in _own_numbers(db, context).values():
            found = re.fullmatch(rf"(\D+?){_NUMBER_GAP}第?(\d.*?)号?", normalise(number).upper())
            if found:
                parts = _NUMBER_GAP.join(f"0*{int(part)}" for part in re.findall(r"\d+", found.group(2)))
                pattern = rf"(?<![A-Z0-9]){re.escape(found.group(1))}{_NUMBER_GAP}第?{parts}(?!\d)"
                context["loose_numbers"].append((re.compile(pattern), number))
    return context["loose_numbers"]


def _mobile_in(values: dict) -> tuple[str, str] | None:
    cells = [(_header(values, "mobile"), normalise(values.get("mobile")))]
    cells += [(header, re.sub(r"[\s\-]", "", mobile)) for header, text in _memo_cells(values)
              for mobile in _MOBILE_WRITTEN.findall(text)]
    for header, text in cells:
        try:
            return clean_mobile(text), header
        except Invalid:
            continue
    return None


def _landline_in(values: dict) -> tuple[str, str] | None:
    """(a landline with its area code, as written; the header of the remark it is in): 0371-65587112会费."""
    for header, text in _memo_cells(values):
        found = _LANDLINE_WRITTEN.search(text)
        if found:
            return found.group(0), header
    return None


_LANDLINE_WRITTEN = re.compile(r"(?<!\d)0\d{2,3}[-－—\s]?[2-9]\d{6,7}(?!\d)")  # 0371-65587112, 037165587112
_MOBILE_WRITTEN = re.compile(r"(?<!\d)1[3-9]\d(?:[\s\-]?\d){8}(?!\d)")  # 182 9294 5794, 139-0371-2345


def _names_pattern(names: list[str]) -> re.Pattern | None:
    return re.compile("|".join(map(re.escape, names))) if names else None


def _names_standing_alone(pattern: re.Pattern, text: str) -> list[str]:
    """The members' names in a remark that stand as names: 李明 is no name in 李明亮会费 or 黄河 in
    黄河水利委员会, but 代郭丽华交会费, 会费刘军1668493 and 高娟徐学东会费 name their members. A name
    counts when what touches it is no Chinese character, another name found, or a word around a
    payment ([fees.statement] name_neighbours)."""
    rules = statement_rules()
    neighbours = rules["name_neighbours"]
    before, after = tuple(rules.get("name_before", ())), tuple(rules.get("name_after", ()))
    spans = [m.span() for m in pattern.finditer(text)]
    first_chars, last_chars = {s for s, _ in spans}, {e - 1 for _, e in spans}

    def alone(position: int, touching: set[int]) -> bool:
        if position < 0 or position >= len(text) or position in touching:
            return True
        return not _CJK.match(text[position]) or text[position] in neighbours

    found = [text[s:e] for s, e in spans
             if (alone(s - 1, last_chars) or text[:s].endswith(before))
             and (alone(e, first_chars) or text[e:].startswith(after))]
    return list(dict.fromkeys(found))


_CJK = re.compile(r"[\u4e00-\u9fff]")


def _members_named(db, values: dict, memo: str, context: dict) -> list[tuple[dict, str]]:
    """The members a remark names (李丹会费, 代郭丽华交会费, 高娟徐学东会费), each with how found.

    A name several members share is told apart by a mobile in the remark, else left for a
    person; a payer who is a member while the remark's mobile is another member's is too.
    """
    pattern = context["names"]
    found = _names_standing_alone(pattern, memo) if pattern else []  # a space is a boundary
    mobile = _mobile_in(values)
    owners = find_payers_by_mobile(db, mobile[0]) if mobile else []
    named = []
    for name in found:
        candidates = [p for p in find_payers_by_name(db, name) if p["kind"] == "member"]
        if len(candidates) > 1:
            by_mobile = [p for p in candidates if any(o["number"] == p["number"] for o in owners)] \
                or _by_mobile_tail(db, candidates, values) \
                or _at_workplace_named(db, candidates, memo.replace(name, " "), normalise(values.get("name")))
            if len(by_mobile) != 1:
                raise RowProblem("ambiguous", "name_several", name=name, count=len(candidates),
                                 numbers=dues.listing([p["number"] for p in candidates]),
                                 candidates=[p["number"] for p in candidates])
            candidates = by_mobile
        if candidates:
            named.append((candidates[0], _text("import.matched_by", column=_memo_header(values, name),
                                               how=_text("import.how.name_in_memo"))))
    if named:
        named += _name_cut_at_the_end(db, values, {payer["number"] for payer, _ in named}, context["member_names"])
    if len(named) == 1 and owners and owners[0]["number"] != named[0][0]["number"]:
        raise RowProblem("ambiguous", "names_conflict", member=named[0][0]["name"], other=owners[0]["name"],
                         candidates=[named[0][0]["number"], owners[0]["number"]])
    if not named and owners:
        payer_name = normalise(values.get("name"))
        paying = [p for p in find_payers_by_name(db, payer_name) if p["kind"] == "member"] if payer_name else []
        if paying and all(p["number"] != owners[0]["number"] for p in paying):
            raise RowProblem("ambiguous", "names_conflict", member=payer_name, other=owners[0]["name"],
                             candidates=[paying[0]["number"], owners[0]["number"]])
    return named


def _unit_by_short_name(db, values: dict, amount: float, payer: bool = False) -> tuple[dict, str] | None:
    """The one unit in force a remark names, in full or by a short name (郑大一附院, 新医一附院: the name's
    characters in order, its first and last among them), whose dues the amount is: on a row whose payer is a
    member (the unit's contact nurse), the hospital's dues, not hers. `payer`: the payer's name (户名 郑大一附院)
    is read so too. None when the remark names no unit or several (郑大附院), or the amount is not the unit's
    dues."""
    cells = [(_header(values, "name"), normalise(values.get("name")))] if payer else []
    found, runs = {}, [(header, text, run) for header, text in cells + _memo_cells(values)
                       for run in re.findall(r"[\u4e00-\u9fff]{3,}", text)]
    for unit in units_in_force(db) if runs else ():
        for header, text, run in runs:
            short = _short_for(run, re.sub(r"\s", "", unit["name"]))
            if short:
                found.setdefault(unit["number"], (unit, header, short, text))
    if len(found) != 1:  # 郑大附院: 一附院 or 二附院, whichever fee the amount is; a person tells
        return None
    unit, header, short, text = found.popitem()[1]
    if not _unit_years(unit, amount, text):
        return None
    return unit, _text("import.matched_by", column=header, how=_text("import.how.short_name", short=short))


def _unit_of_contact(db, name: str, values: dict) -> tuple[dict, str] | None:
    """The one unit in force whose contact the payer is, no member so named (陈思远 of 七一九所's 科技处 sending
    "719所单位会费2026"), when the amount is its dues: the unit's; None otherwise."""
    units = unit_payers_by_contact(db, name)
    if len(units) != 1 or not _unit_years(units[0], _amount(values.get("amount")) or 0, _memo_text(values)):
        return None
    return units[0], _text("import.matched_by", column=_header(values, "name"), how=_text("import.how.unit_contact"))


def _short_for(run: str, name: str) -> str | None:
    """The part of `run` that is `name` written short: from its first character to its last, the
    characters between found in the name in order (郑大一附院 in 郑大一附院2026年 for 郑州大学第一附属医院)."""
    for start in (i for i, c in enumerate(run) if c == name[0]):
        at, end = 0, None
        for position in range(start, len(run)):
            at = name.find(run[position], at) + 1
            if not at:
                break
            if run[position] == name[-1]:
                end = position + 1
        if end and end - start >= 3:
            return run[start:end]
    return None


def _unit_years(unit: dict, amount: float, memo: str) -> int | None:
    try:
        return _unit_level_years(unit, amount, memo) or dues.years_for_amount("unit", amount)
    except RowProblem:
        return None


def _at_workplace_named(db, candidates: list[dict], text: str, payer: str = "") -> list[dict]:
    """Of namesakes, the one whose 工作单位 is the payer (河南省水文水资源中心 paying 李建华会费 for the 李建华
    working there), else those whose 工作单位 the remark names in part (许昌院 李军: the 李军 of 许昌市建筑设计院):
    two characters of the remark in a row found in it; several or none tell nobody apart."""
    work = {p["number"]: re.sub(r"\s", "", (find_member_by_no(db, p["number"]) or {}).get("work_unit") or "")
            for p in candidates}
    payer = re.sub(r"\s", "", payer)
    employed = [p for p in candidates if len(payer) >= 4 and work[p["number"]].startswith(payer)]
    if len(employed) == 1:
        return employed
    pairs = {text[i:i + 2] for i in range(len(text) - 1) if all(_CJK.match(c) for c in text[i:i + 2])}
    found = [p for p in candidates if any(pair in work[p["number"]] for pair in pairs)]
    return found if len(found) == 1 else []


_CUT_NAME = re.compile(r"[、，,\s]([\u4e00-\u9fff]{2,3})$")


def _name_cut_at_the_end(db, values: dict, named: set[str], in_force: list[str]) -> list[tuple[dict, str]]:
    """The last of a list of names cut by the bank's length limit (黄河院代缴：高翔、宋佳、韩磊、冯雪、孔令):
    the one member in force (`in_force`: their names) whose name starts so, when the remark stops right there."""
    for header, text in _memo_cells(values):
        cut = _CUT_NAME.search(text)
        if not cut:
            continue
        if cut.group(1) in in_force:
            continue
        names = [name for name in in_force if name.startswith(cut.group(1))]
        payers = [p for p in find_payers_by_name(db, names[0]) if p["kind"] == "member"] if len(names) == 1 else []
        if len(payers) == 1 and payers[0]["number"] not in named:
            return [(payers[0], _text("import.matched_by", column=header, how=_text("import.how.name_cut")))]
    return []


def _memo_header(values: dict, name: str) -> str:
    return next((header for header, text in _memo_cells(values) if name in re.sub(r"\s", "", text)),
                _header(values, "memo"))


def _account(values: dict) -> str | None:
    return re.sub(r"[\s\-]", "", normalise(values.get("account"))) or None


def _column_of(values: dict, key: str, header: str) -> str:
    """`key` where the file's column of that key is the one named, else the remark column's header."""
    return key if values.get("_headers", {}).get(key) == header else header


def _header(values: dict, key: str) -> str:
    """The column's header as the file writes it (read_table leaves it under "_headers")."""
    return values.get("_headers", {}).get(key) or dues.fee_rules()["import_columns"][key][0]


def _match_payer(db, values: dict, context: dict, pinyin: bool = True) -> tuple[dict, str]:
    """The payer of a row and how it was found, e.g. "附言（会员编号）". `pinyin`: a name in pinyin is read too."""
    found = _number_of(db, values, context)
    if found:
        number, header = found
        payer = find_payer(db, number) or find_payer(db, _own_numbers(db, context).get(_number_key(number), "")) \
            or find_payer(db, _number_by_parts(db, number) or "")
        if payer is None:
            raise RowProblem("unmatched", "no_such_number", column=_column_of(values, "member_no", header),
                             number=number)
        _another_named(db, payer, values, context)
        _number_slipped(db, payer, number, values)
        return payer, _text("import.matched_by", column=header, how=_text("import.how.number"))
    mobile = _mobile_in(values)
    if mobile:
        payers = _member_over_unit(find_payers_by_mobile(db, mobile[0]), values)
        if len(payers) > 1:
            raise RowProblem("ambiguous", "ambiguous", column=_column_of(values, "mobile", mobile[1]),
                             candidates=[p["number"] for p in payers])
        if payers:
            return payers[0], _text("import.matched_by", column=mobile[1], how=_text("import.how.mobile"))
        kept = [p for p in payers_whose_remarks_hold(db, mobile[0]) if p["kind"] == "member"]
        if len(kept) == 1:  # 13838825101/15237962218 in the roster: the second mobile is kept in the remarks
            return kept[0], _text("import.matched_by", column=mobile[1], how=_text("import.how.other_mobile"))
    phone = _landline_in(values)
    if phone and not mobile:
        digits = re.sub(r"\D", "", phone[0])[-8:]  # 座机：0371-65587112, kept from the roster; not within an ID
        payers = [p for p in payers_whose_remarks_hold(db, digits) if re.search(rf"(?<!\d){digits}(?!\d)", p["remarks"])]
        if len(payers) > 1:  # a ward's office phone several nurses gave: whose dues, a person asks
            raise RowProblem("ambiguous", "shared_phone", column=_column_of(values, "mobile", phone[1]),
                             phone=phone[0], names="、".join(p["name"] for p in payers),
                             candidates=[p["number"] for p in payers])
        if payers:
            return payers[0], _text("import.matched_by", column=phone[1], how=_text("import.how.landline"))
    account = _account(values)
    if account:
        payers = find_payers_by_account(db, account)
        if len(payers) == 1:
            return payers[0], _text("import.matched_by", column=_header(values, "account"), how=_text("import.how.account"))
    name = normalise(values.get("name"))
    if name:
        payers = find_payers_by_name(db, name) or find_payers_by_name(db, name, in_force=False)
        told, how = payers, "import.how.name"
        if len(payers) > 1:  # namesakes: a mobile's tail or a workplace in the remark tells them apart
            told, how = _by_mobile_tail(db, payers, values), "import.how.name_and_tail"
            if not told:
                told, how = _at_workplace_named(db, payers, _memo_text(values)), "import.how.name_and_work_unit"
            if not told:
                raise _namesakes(payers, name, values)
        if told and context.get("nicknames"):
            raise RowProblem("held", "nickname_only", number=told[0]["number"], name=told[0]["name"],
                             header=_header(values, "name"), candidates=[told[0]["number"]])
        if told:
            _hold_if_inactive(told[0])
            return told[0], _text("import.matched_by", column=_header(values, "name"), how=_text(how))
        unit = _unit_named_across(db, name, values, context["unit_names"]) \
            or _masked_payer(db, name, values) or _payer_in_remarks(db, name, values) \
            or _unit_by_short_name(db, values, _amount(values.get("amount")) or 0, payer=True) \
            or _unit_of_contact(db, name, values)
        if unit:
            return unit
    else:
        masked = _masked_account_payer(db, values)
        if masked:
            return masked
    tail = _tail_payer(db, values)
    if tail:
        return tail
    if mobile:
        raise RowProblem("unmatched", "no_such_mobile", column=_column_of(values, "mobile", mobile[1]),
                         mobile=mask_mobile(mobile[0]))
    by_pinyin = _by_pinyin(db, values, context) if pinyin else None
    if by_pinyin:
        return by_pinyin
    raise _likely_payer(db, name, values, context) or RowProblem("unmatched", "no_key")


def _another_named(db, payer: dict, values: dict, context: dict) -> None:
    """Raise when the remark beside the number names another member and the number's owner nowhere
    (HNTJ202300047 is 余海波's, the remark says 康丽): a number mistyped, or paying for someone; a person
    tells which. A member paying by number for a spouse who is a member too names nobody: booked."""
    if payer["kind"] != "member":
        return
    said = re.sub(r"\s", "", " ".join([normalise(values.get("name")), _memo_text(values)]))
    if "".join(payer["name"].split()) in said:
        return
    names = _names_standing_alone(context["names"], _memo_text(values)) if context["names"] else []
    others = [p for name in names for p in find_payers_by_name(db, name)
              if p["kind"] == "member" and p["number"] != payer["number"]]
    if others:
        raise RowProblem("ambiguous", "number_names_other", number=payer["number"], name=payer["name"],
                         other=others[0]["name"], candidates=[payer["number"], *(p["number"] for p in others)])


def _number_slipped(db, payer: dict, number: str, values: dict) -> None:
    """Raise when the payer (户名) is another member whose own number is the number written with two digits
    swapped (贾玉洁, HL02520, sends HL02502会费: 牛丽's) or one digit wrong (HL02526): her own number mistyped, or
    paying for 牛丽; a person tells which. A member paying for a colleague or a spouse by another number is booked,
    by the next number too (HL02521: they joined together)."""
    name = normalise(values.get("name"))
    own = [p for p in find_payers_by_name(db, name) if p["kind"] == "member"] if name and payer["kind"] == "member" else []
    if len(own) != 1 or own[0]["number"] == payer["number"]:
        return
    slip = "number_near_own" if _swapped(own[0]["number"], payer["number"]) else \
        "number_one_off" if _one_digit_off(own[0]["number"], payer["number"]) else None
    if slip:
        raise RowProblem("ambiguous", slip, column=_column_of(values, "name", _header(values, "name")),
                         number=payer["number"], name=payer["name"], who=own[0]["name"], own=own[0]["number"],
                         candidates=[payer["number"], own[0]["number"]])


def _one_digit_off(one: str, other: str) -> bool:
    """Two numbers of one length alike but for one digit, and not one after the other (…31 and …32 joined together)."""
    differ = [i for i, (a, b) in enumerate(zip(one, other)) if a != b]
    return len(one) == len(other) and len(differ) == 1 and one[differ[0]].isdigit() and other[differ[0]].isdigit() \
        and abs(int(re.sub(r"\D", "", one)) - int(re.sub(r"\D", "", other))) != 1


def _swapped(one: str, other: str) -> bool:
    """Two numbers alike but for two neighbouring digits swapped (02520, 02502): a typing slip. Numbers one
    apart (HNKX201800031, …32) are a couple or colleagues who joined together, paying for each other."""
    differ = [i for i, (a, b) in enumerate(zip(one, other)) if a != b]
    return len(one) == len(other) and len(differ) == 2 and differ[1] == differ[0] + 1 \
        and one[differ[0]] == other[differ[1]] and one[differ[1]] == other[differ[0]]


def _member_over_unit(payers: list[dict], values: dict) -> list[dict]:
    """A mobile a member shares with the unit whose contact he is: the member, when the amount is his
    dues and not the unit's (200 from 马俊峰's mobile, the contact of a unit paying 2000 a year)."""
    amount = _amount(values.get("amount"))
    members = [p for p in payers if p["kind"] == "member"]
    if len(members) != 1 or len(payers) == 1 or not amount:
        return payers
    fits = [p for p in payers if dues.years_for_amount(p["category"], amount) is not None]
    return members if fits == members else payers


_LATIN_WORD = re.compile(r"[A-Za-z]+")
PINYIN_SPAN = 3  # a name is written in at most three words: "SUN LI NA", "ouyang xiaoming"


def _payer_in_remarks(db, name: str, values: dict) -> tuple[dict, str] | None:
    """The one member or unit whose remarks say this payer pays for them (毛建设: 会费一般由爱人张秀云代交;
    a school: 会费由学校财务处统一汇出，付款人显示“华北水利水电大学”), or is the member's former name (李欣怡:
    曾用名：李小芳, her old account): a remark's sentence holding the payer's name and a word of paying ([fees.statement]
    payer_in_remarks_words) or of a former name ([roster.former_name])."""
    key = "".join(name.split())
    if len(key) < 2:
        return None
    roster = content.load_toml("membership.toml")["roster"]
    words = [*statement_rules()["payer_in_remarks_words"], *roster["former_name"]["words"]]  # 曾用名：李小芳
    found = [payer for payer in payers_whose_remarks_hold(db, key)
             if any(key in said and any(word in said for word in words)
                    for said in re.split(r"[；;。\n]", normalise(payer["remarks"])))]
    if len(found) != 1:
        return None
    return found[0], _text("import.matched_by", column=_header(values, "name"), how=_text("import.how.in_remarks"))


def _by_pinyin(db, values: dict, context: dict) -> tuple[dict, str] | None:
    """A payer written in pinyin (户名 LIU YANG, 附言 "daijiao sun lina"): the one member in force whose
    name reads so, surname first or last. Several members reading alike are listed for a person
    (RowProblem), never guessed; None when no pinyin in the row reads as a member's name."""
    cells = [("name", normalise(values.get("name"))), *_memo_cells(values)]
    if not any(_LATIN_WORD.search(text) for _, text in cells):
        return None  # no pinyin: the members' readings are not worked out
    readings = _readings(db, context)
    for column, text in cells:
        words = [w.lower() for w in _LATIN_WORD.findall(text)]
        found = [(i, j, readings["names"][span]) for i in range(len(words))
                 for j in range(i + 1, min(i + PINYIN_SPAN, len(words)) + 1)
                 if (span := "".join(words[i:j])) in readings["names"] and span not in readings["words"]]
        # "sun lina" is 孙丽娜, not also 李娜: a reading inside a longer one found is no name of its own
        names = sorted({name for i, j, readers in found
                        if not any(a <= i and j <= b and (a, b) != (i, j) for a, b, _ in found) for name in readers})
        payers = [p for name in names for p in find_payers_by_name(db, name) if p["kind"] == "member"]
        if not payers:
            continue
        header = _header(values, "name") if column == "name" else column
        if len(payers) > 1:
            raise RowProblem("ambiguous", "pinyin_several", column=column, written=text, names="、".join(names),
                             numbers=dues.listing([p["number"] for p in payers]),
                             candidates=[p["number"] for p in payers])
        return payers[0], _text("import.matched_by", column=header, how=_text("import.how.pinyin"))
    return None


_MASKED_MOBILE = re.compile(r"(1\d{2})\*{4}(\d{4})")


def _masked_payer(db, name: str, values: dict) -> tuple[dict, str] | None:
    """A payment app's payer shown masked (对方名称 *洋, 对方账号 188****2345): the one member in force
    whose name ends as shown and one of whose mobiles (the one on record, or another kept in the
    remarks: 支付宝用188那个号, a second row's number) fits the masked digits; None otherwise."""
    mask = _MASKED_MOBILE.fullmatch(re.sub(r"\s", "", normalise(values.get("account"))))
    shown = name.lstrip("*＊")
    if not mask or not name.startswith(("*", "＊")) or not shown:
        return None
    fits = re.compile(f"{mask.group(1)}\\d{{4}}{mask.group(2)}")
    payers = [payer for payer in member_payers_ending_with(db, shown)
              if any(fits.fullmatch(mobile) for mobile in payer.pop("mobiles"))]
    if len(payers) != 1:
        return None
    how = _text("import.how.masked", column=_header(values, "account"))
    return payers[0], _text("import.matched_by", column=_header(values, "name"), how=how)


def _masked_account_payer(db, values: dict) -> tuple[dict, str] | None:
    """A payment app's payer with no name, only the account masked (支付宝 对方账户 139****4567): the one member in
    force one of whose mobiles fits; several fitting are listed for a person; None when none fits."""
    mask = _MASKED_MOBILE.fullmatch(re.sub(r"\s", "", normalise(values.get("account"))))
    payers = member_payers_by_mobile_parts(db, mask.group(1), mask.group(2)) if mask else []
    if len(payers) > 1:
        raise RowProblem("ambiguous", "ambiguous", column=_column_of(values, "account", _header(values, "account")),
                         candidates=[p["number"] for p in payers])
    if not payers:
        return None
    return payers[0], _text("import.matched_by", column=_header(values, "account"), how=_text("import.how.masked_account"))


UNIT_NAME_SPLIT = 24  # the most characters of a remark read as the rest of a unit's name


def _unit_named_across(db, name: str, values: dict, unit_names: set[str]) -> tuple[dict, str] | None:
    """A unit whose name (or former name) is the payer's and the remark's start read together: 华北水利水电大学
    paying "水利学院2026年理事单位会费" is its unit member 华北水利水电大学水利学院. The longest reading that
    names exactly one unit; None when none does (or the payer's name is too short to be a unit's).
    `unit_names`: unit_names_in_force, so only a reading that is a unit's name is looked up."""
    if len(name) < 4:
        return None
    for header, text in _memo_cells(values):
        text = re.sub(r"\s", "", text)
        for end in range(min(len(text), UNIT_NAME_SPLIT), 1, -1):
            if unit_name_key(name + text[:end]) not in unit_names:
                continue
            units = [p for p in find_payers_by_name(db, name + text[:end]) if p["kind"] == "unit"]
            if len(units) == 1:
                how = _text("import.how.name_and_memo", memo=header)
                return units[0], _text("import.matched_by", column=_header(values, "name"), how=how)
    return None


def _readings(db, context: dict) -> dict:
    """{"names": pinyin -> member names reading so, "words": the pinyin of the words around a payment
    (代缴 daijiao, 会费 huifei: no name)}, made once an import. A surname's every reading counts (单 dan
    and shan, 曾 zeng and ceng), the given name its usual one; ü written v or u (吕 lv, lu)."""
    if context.get("pinyin") is None:
        from pypinyin import Style, lazy_pinyin, pinyin  # loaded only when a statement holds pinyin

        def spelled(text: str) -> set[str]:
            """Surname first (SUN LINA) and last (LINA SUN)."""
            given = "".join(lazy_pinyin(text[1:], style=Style.NORMAL, errors="ignore"))
            surnames = pinyin(text[0], style=Style.NORMAL, heteronym=True, errors="ignore")[0][:3]
            readings = {order for surname in surnames for order in (surname + given, given + surname)}
            return {variant for reading in readings for variant in (reading, reading.replace("v", "u"))}

        names: dict[str, set[str]] = {}
        for name in context["member_names"]:
            if all(_CJK.match(c) for c in name):
                for reading in spelled(name):
                    names.setdefault(reading, set()).add(name)
        rules = statement_rules()
        words = {r for word in [*rules["dues_words"], *rules.get("name_before", ()), *rules.get("name_after", ())]
                 for r in spelled(word)}
        context["pinyin"] = {"names": names, "words": words}
    return context["pinyin"]


def _former_named(written: str, former_names: list[str]) -> list[str]:
    """The names of members no longer in force a remark holds: one of three characters or more anywhere, one
    of two only standing as a name (代何强交会费, not 何强生; _names_standing_alone)."""
    short = [n for n in former_names if len(n) == 2]
    found = [n for n in former_names if len(n) >= 3 and n in written]
    return found + (_names_standing_alone(_names_pattern(short), written) if short else [])


def _likely_payer(db, name: str, values: dict, context: dict) -> RowProblem | None:
    """Nobody matched, but someone is likely: the payer is the university of exactly one unit member
    (河南大学 for its 计算机与信息工程学院), or the workplace of exactly one member, or a remark names a
    member no longer in force (held as such), or someone one character off a member's name (赵文娟 for
    赵文涓). Proposed, never booked."""
    if len(name) >= 4:
        units = find_units_by_name_start(db, name)
        if len(units) == 1:
            return RowProblem("unmatched", "unit_of_payer", payer=name, number=units[0]["number"],
                              name=units[0]["name"], candidates=[units[0]["number"]])
        staff = find_members_at_work_unit(db, name)
        if len(staff) == 1:  # 某县林业局代缴本局职工2027年会 (cut by the bank before the name)
            return RowProblem("unmatched", "workplace_of", payer=name, number=staff[0]["number"],
                              name=staff[0]["name"], candidates=[staff[0]["number"]])
    written = re.sub(r"\s", "", f"{name} {_memo_text(values)}")
    former = _former_named(written, context["former_names"])
    if len(former) == 1 and not find_payers_by_name(db, former[0]):  # withdrew in August, pays in October
        members = [p for p in find_payers_by_name(db, former[0], in_force=False) if p["kind"] == "member"]
        if len(members) == 1:
            return _inactive(members[0], column=_memo_header(values, former[0]))
    variant = _variant_surname(db, name)
    if variant:
        return variant
    near = _near_names(written, _by_first_character(context))
    if len(near) == 1:
        written, member = near[0]
        payers = [p for p in find_payers_by_name(db, member) if p["kind"] == "member"]
        if len(payers) == 1:
            return RowProblem("unmatched", "near_name", written=written, number=payers[0]["number"],
                              name=member, candidates=[payers[0]["number"]])
    return None


def _variant_surname(db, name: str) -> RowProblem | None:
    """The payer is a member's name with the surname in its other written form (阎海洋 for 闫海洋; [fees.statement]
    surname_variants): likely the member, but two people may be so named, so proposed and never booked."""
    key = "".join(name.split())
    for pair in statement_rules()["surname_variants"] if len(key) >= 2 else ():
        if key[0] not in pair:
            continue
        for other in pair.replace(key[0], ""):
            payers = [p for p in find_payers_by_name(db, other + key[1:]) if p["kind"] == "member"]
            if len(payers) == 1:
                return RowProblem("unmatched", "variant_surname", written=key, number=payers[0]["number"],
                                  name=payers[0]["name"], candidates=[payers[0]["number"]])
    return None


def _near_names(memo: str, by_first: dict[str, list[str]]) -> list[tuple[str, str]]:
    """(written, name): members in force whose name differs by one character (not the surname) from a name
    written in the remark. `by_first`: _by_first_character, so a place in the remark is held only against
    the names that start with its character."""
    found = []
    for start, first in enumerate(memo):
        for member in by_first.get(first, ()):
            written = memo[start:start + len(member)]
            if len(written) == len(member) and all(_CJK.match(c) for c in written) \
                    and sum(a != b for a, b in zip(written, member)) == 1 and (written, member) not in found:
                found.append((written, member))
    return found


def _by_first_character(context: dict) -> dict[str, list[str]]:
    """The names of the members in force of three characters or more (two-character names are too many alike),
    by their first character: made once an import, at its first row nobody matched."""
    if context.get("by_first") is None:
        context["by_first"] = {}
        for name in (n for n in context["member_names"] if len(n) >= 3):
            context["by_first"].setdefault(name[0], []).append(name)
    return context["by_first"]


_MOBILE_TAIL = re.compile(r"(尾号|后四位|后4位)?(?<!\d)(\d{4})(?![\d元块])")


def _by_mobile_tail(db, namesakes: list[dict], values: dict) -> list[dict]:
    """The namesakes (members) one of whose mobiles ends with four digits the remarks give (王磊 尾号2468,
    会费 2468); four digits that read as a year are a tail only after 尾号. Several or none tell nobody apart."""
    tails = {found.group(2) for found in _MOBILE_TAIL.finditer(_memo_text(values))
             if found.group(1) or not re.fullmatch(r"(?:19|20)\d{2}", found.group(2))}
    members = [p for p in namesakes if p["kind"] == "member"]
    mobiles = mobiles_of_members(db, [p["id"] for p in members]) if tails else {}
    told = [p for p in members if any(m.endswith(tail) for m in mobiles.get(p["id"], []) for tail in tails)]
    return told if len(told) == 1 else []


def _tail_payer(db, values: dict) -> tuple[dict, str] | None:
    """A payer who is no member (a relative's account) and a remark giving a mobile's tail (会费 手机尾号8832):
    the one member in force one of whose mobiles ends so; several are listed for a person; None for none."""
    tails = {found.group(2) for found in _MOBILE_TAIL.finditer(_memo_text(values)) if found.group(1)}
    payers = [p for tail in tails for p in member_payers_by_mobile_parts(db, "", tail)]
    if len(payers) > 1:
        raise RowProblem("ambiguous", "ambiguous", column="memo", candidates=[p["number"] for p in payers])
    if not payers:
        return None
    return payers[0], _text("import.matched_by", column=_memo_header(values, next(iter(tails))),
                            how=_text("import.how.mobile_tail"))


def _namesakes(payers: list[dict], name: str, values: dict) -> RowProblem:
    """Several members of the payer's name: left for a person, proposing the one whose dues the
    amount fits when only one's does (50 元 from 王磊: the student 王磊)."""
    amount = _amount(values.get("amount"))
    fits = [p for p in payers if amount and dues.years_for_amount(p["category"], amount) is not None]
    candidates = [p["number"] for p in payers]
    if len(fits) != 1:
        return RowProblem("ambiguous", "ambiguous", candidates=candidates)
    return RowProblem("ambiguous", "namesake_by_amount", candidates=candidates, count=len(payers), name=name,
                      numbers=dues.listing(candidates), likely=fits[0]["number"],
                      amount=dues.format_amount(amount), category=dues.category_name(fits[0]["category"]))


def _unit_level_years(payer: dict, amount: float, memo: str) -> int | None:
    """Years a unit's transfer pays where units pay by level ([fees.unit_levels]: 理事单位 3000 ...):
    the amount a whole number of one level's yearly fee, the level the remark names if it names one.
    None when levels are not used; a row whose amount does not tell is left for a person."""
    levels = dues.fee_rules().get("unit_levels") or {}
    if payer["category"] != "unit" or not levels:
        return None
    own = payer.get("level")
    named = [level for level in sorted(levels, key=len, reverse=True) if level in memo][:1]
    if named and own in levels and named[0] != own:  # a 常务理事单位 sending 理事单位会费: changed level, or a mistake
        raise RowProblem("held", "level_differs", number=payer["number"], name=payer["name"], named=named[0],
                         level=own, amount=dues.format_amount(amount), fee=dues.format_amount(levels[own]))
    named = named or [level for level in [own] if level in levels]  # the remark's level, else the unit's own
    fits = {years for level, fee in levels.items() if not named or level in named
            for years in dues.year_options() if dues.same_amount(fee * years, amount)}
    if not fits and own in levels and named == [own]:  # 1500 from a 理事单位: half a year's, a balance, a mistake
        raise RowProblem("invalid", "unit_level_own", number=payer["number"], name=payer["name"], level=own,
                         fee=dues.format_amount(levels[own]), amount=dues.format_amount(amount),
                         candidates=[payer["number"]])
    if len(fits) != 1:
        raise RowProblem("invalid", "unit_level", amount=dues.format_amount(amount),
                         levels="、".join(f"{level} {dues.format_amount(fee)} 元" for level, fee in levels.items()))
    return fits.pop()


def _years_paid(payer: dict, amount: float, years_cell) -> int:
    """The term a row pays for: its years column if any (checked), else what the amount buys."""
    category = payer["category"]
    name = dues.category_name(category)
    if dues.is_exempt(category):
        raise RowProblem("invalid", "exempt", category=name, amount=dues.format_amount(amount))
    if years_cell in (None, ""):
        years = dues.years_for_amount(category, amount)
        if years is None:
            raise _off_schedule(payer, amount)
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


def _off_schedule(payer: dict, amount: float) -> RowProblem:
    """The member found, and an amount that is no number of years of their category's fee: said with
    who it is (郑一鸣, a student member, sending 100: graduated, or paying for someone?)."""
    category = payer["category"]
    lifetime = dues.lifetime_fee(category)
    lifetime_text = _text("problems.lifetime_price", amount=dues.format_amount(lifetime)) if lifetime else ""
    return RowProblem("invalid", "wrong_amount", number=payer["number"], name=payer["name"],
                      candidates=[payer["number"]], category=dues.category_name(category),
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
    """What the secretariat needs to find the line in the bank statement: its row and the column the
    problem is about (the one read as the amount, the remark that named someone); mobiles masked."""
    header, letter = _problem_column(values, problem)
    return {"row": row_no, "problem": problem.problem, **problem.facts,
            "header": header, "letter": letter,
            "date": _shown_date(values.get("date")), "amount": normalise(values.get("amount")),
            "payer": mask_mobile(" ".join(t for t in (normalise(values.get("name")), normalise(values.get("mobile")),
                                                      _memo_text(values)) if t))}


def _shown_date(value) -> str:
    """The row's date as the secretariat reads it (46267 from a General-format cell is 2026-09-02)."""
    try:
        return _statement_date(value).isoformat()
    except RowProblem:
        return normalise(value)


def _problem_column(values: dict, problem: RowProblem) -> tuple[str, str]:
    """(header, letter) of the column a problem is about, as the file writes it; ("", "") if it has none."""
    key = problem.column or PROBLEM_COLUMNS.get(problem.problem)
    headers, letters = values.get("_headers", {}), values.get("_letters", {})
    if key == "memo":
        header = next((h for h, _ in _memo_cells(values)), "")
    elif key in headers:
        header = headers[key]
    else:
        header = key if key in letters else ""  # a remark column named by its header
    if not header and key == "name":  # a bill without a payer column (微信支付: an openid): the remark column
        cells = [(h, v) for h, v in values.get("memo") or [] if h in letters]  # that could have named them
        header = next((h for h, v in cells if not normalise(v)), next((h for h, _ in cells), ""))
    return header, letters.get(header, "")


def problem_text(row: dict) -> str:
    if row["problem"] == "ambiguous":
        return _text("import.candidates", numbers=dues.listing(row["candidates"]))
    return _text(f"problems.{row['problem']}", **row)


def problem_line(row: dict) -> str:
    """A problem row as the report says it: the row, the column it is about, what is wrong."""
    key = "import.problem_line" if row.get("header") else "import.problem_line_row"
    return _text(key, **dict(row, problem=problem_text(row), where=_where(row)))


def _where(row: dict) -> str:
    """The sheet a row is on, when the statement has a sheet per month."""
    return _text("import.sheet", sheet=row["sheet"]) if row.get("sheet") else ""


HELD_KINDS = {  # why a row is held, as the summary counts them ([cli_fees.import.held_kinds])
    "inactive": "status",
    "likely_duplicate": "duplicate", "likely_duplicate_row": "duplicate", "paid_by_another": "duplicate",
    "paid_ahead": "duplicate",
    "unpaid_gap": "years", "other_years": "years", "arrears_left": "years", "paid_in_part": "years",
    "lifetime_said": "lifetime", "lifetime_or_years": "lifetime", "lifetime_paid_ahead": "lifetime",
    "lifetime_or_unit": "lifetime",
    "another_category_fee": "amount", "level_differs": "amount",
}


def _held_kinds(held: list[dict]) -> str:
    """（会籍状态 1 笔、年份不明 1 笔、终身会费 1 笔）: the held rows by why, not all called 可能重复."""
    kinds = Counter(HELD_KINDS.get(row["problem"], "other") for row in held)
    if not kinds:
        return ""
    names = content.replies()["cli_fees"]["import"]["held_kinds"]
    return _text("import.held_kinds_line", kinds=_text("import.held_kinds_separator").join(
        _text("import.held_kind", kind=names[kind], count=kinds[kind]) for kind in names if kinds[kind]))


def report_lines(report: dict) -> list[tuple[str, str]]:
    """The import report as (kind, line): the summary, each row under its outcome's title, a dry-run note.

    The CLI prints the lines; the console shows them, styled by kind.
    """
    counts = {k: len(report[k]) for k in OUTCOMES}
    lines = [("summary", _text("import.summary", file=report["file"], skipped=report["skipped"],
                               held_kinds=_held_kinds(report["held"]), **counts))]
    if report.get("memo_columns"):
        lines.append(("columns", _text("import.memo_columns", columns=dues.listing(report["memo_columns"]))))
    for row in report["recorded"]:
        line = "import.recorded_shown_line" if row.get("shown_year") else \
            "import.recorded_gap_line" if row.get("gap_year") else \
            "import.recorded_arrears_line" if row.get("arrears_named") else "import.recorded_line"
        lines.append(("recorded", _text(line, **dict(
            row, where=_where(row), amount=dues.format_amount(row["amount"]), years=dues.years_text(row["years"]),
            paid_through=dues.date_text(row["paid_through"])))))
    for row in report["already"]:
        lines.append(("already", _text("import.already_line", **dict(row, where=_where(row),
                                                                     amount=dues.format_amount(row["amount"])))))
    for outcome in ("held", "not_dues", "not_received", "unmatched", "ambiguous", "invalid"):
        if report[outcome]:
            lines.append(("title", _text(f"import.{outcome}_title")))
        for row in report[outcome]:
            lines.append((outcome, problem_line(row)))
    if report["dry_run"]:
        lines.append(("note", _text("import.dry_run")))
    return lines
