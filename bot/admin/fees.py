"""Dues: record a payment, import a bank statement, the overdue list, and sending reminders.

Everything is the CLI's own: a payment is checked against the schedule by
handlers.fees.dues.schedule_problem and stored by handlers.fees.payments.record_payment (as
`fees record`), a statement goes through handlers.fees.statements.import_statement (as
`fees import`: a dry run for the report, then the real run on confirmation),
and reminders are the periodic job `dues_reminders` run now (as `python -m bot remind`).
"""
from __future__ import annotations

import re
import unicodedata
from datetime import date

from flask import Blueprint, redirect, request, url_for

from bot import clock, content, scheduler
from handlers.fees import statements
from handlers.fees import dues
from handlers.members import roster
from bot.admin.ui import (actor, config, db, drop_upload, held_upload, redis_client, render, say_done, say_not_done,
                          sees_mobiles, send_table, t, texts, upload_step)
from bot.privacy import mask_mobile, mask_personal
from bot.validation import Invalid
from bot.spreadsheets import READ_SUFFIXES
from bot.web import parse, parse_amount
from handlers.fees.payments import AlreadyLifetime, NotRefunded, YearsUnclear, not_in_force, record_payment, years_booked
from handlers.fees.payments import refund as refund_receipt
from storage.fees import find_nearby_payment, find_payer, find_payment, keep_rows_to_settle, list_dues_payers, payer_of
from storage.fees import rows_to_settle, settle_row
from storage.fees import payer_record, reload_payer as store_payer
from storage.sqlite import transaction
from storage.members import find_members_by_name, record_history

bp = Blueprint("dues", __name__, url_prefix="/dues")

SUFFIXES = READ_SUFFIXES


def _overdue(payers: list[dict], today: date) -> list[dict]:
    """Payers who owe (never paid, in grace or lapsed: handlers.fees.dues.owes, as `fees report` and
    the collection rate count them), never paid first, then the longest unpaid."""
    rows = [dict(p, standing=dues.dues_standing(p["category"], p["paid_through"], today))
            for p in dues.owing(payers, today)]
    return sorted(rows, key=lambda p: p["paid_through"] or "")


def _collection(payers: list[dict], year: int, today: date) -> list[dict]:
    """A year's collection rate (the year's dues received against the year's dues expected, as `fees
    report` counts them), individuals and unit members apart; `owing` is this year's arrears list."""
    rows = []
    for kind in ("member", "unit"):
        counts = dues.collection([p for p in payers if p["kind"] == kind], year, today)
        rows.append(dict(counts, kind=kind, rate="—" if counts["rate"] is None else f"{counts['rate']:.1%}"))
    return rows


def _year_shown(today: date) -> int:
    """The year whose collection the page shows: ?year= (last year, this year or next), else this year."""
    year = request.args.get("year", "")
    return int(year) if re.fullmatch(r"[0-9]{4}", year) and abs(int(year) - today.year) <= 1 else today.year


FROM_YEARS_BACK = 6  # 所缴年度 offers the years from this many back (arrears) to next year


@bp.get("/overdue.xlsx")
def overdue_export():
    """The arrears list as a spreadsheet to ring or write to: number, name, unit, mobile (masked for those who see
    mobiles masked), paid through, standing, the years owed and what they come to."""
    today = date.today()
    rows = []
    for payer in _overdue(list_dues_payers(db()), today):
        record = payer_record(db(), payer)
        mobile = record["mobile"] if payer["kind"] == "member" else record["contact_mobile"]
        years = dues.years_owed(payer["paid_through"], payer["joined_at"], today)
        rows.append([payer["number"], payer["name"], dues.category_name(payer["category"]),
                     record["work_unit"] if payer["kind"] == "member" else record["contact_name"],
                     (mobile if sees_mobiles() else mask_mobile(mobile or "")) or None,
                     dues.date_text(payer["paid_through"]), t(f"dues.standings.{payer['standing']}"),
                     dues.period_text(f"{years[0]}", f"{years[-1]}"), dues.payer_yearly_fee(payer) * len(years)])
    record_history(db(), "roster", None, "exported", actor(), detail={"count": [None, len(rows)]})
    return send_table(t("dues.overdue_export_name", day=today.isoformat()),
                      list(texts("dues.overdue_columns").values()), rows)


@bp.get("/")
def index():
    return _dues_page(request.args)


def _dues_page(form):
    years = [(str(n), dues.years_text(n)) for n in dues.year_options()]
    today = date.today()
    year = _year_shown(today)
    payers = list_dues_payers(db())
    collection = _collection(payers, year, today)
    return render("dues.html", overdue=_overdue(payers, today), collection=collection, to_settle=_to_settle(),
                  how_choices=[(how, t(f"dues.settled_how.{how}")) for how in SETTLED_HOW],
                  gaps=[p for p in payers if p["dues_unpaid"] and not dues.is_exempt(p["category"])],
                  year=year, this_year=today.year, year_choices=[(str(y), str(y)) for y in range(today.year - 1, today.year + 2)],
                  moved=sum(row["moved"] for row in collection), rule=dues.moved_rule(), form=form,
                  schedule=[dues.schedule_line(category) for category in dues.fee_rules()["yearly"]] +
                  [t("dues.schedule_level", level=level, amount=dues.format_amount(fee))
                   for level, fee in (dues.fee_rules().get("unit_levels") or {}).items()],
                  methods=[(way, way) for way in dues.fee_rules()["methods"]],
                  from_years=[(str(y), str(y)) for y in range(today.year - FROM_YEARS_BACK, today.year + 2)],
                  years=[*years, ("lifetime", dues.years_text(dues.LIFETIME))])


def typed_amount(text: str) -> str:
    """An amount as it is copied from a bank slip or a chat (100元, ￥100, 1,200, full-width digits)
    as the plain number parse_amount reads; anything else is left for it to refuse."""
    return _AMOUNT_DECORATION.sub("", unicodedata.normalize("NFKC", text))


_AMOUNT_DECORATION = re.compile(r"[\s,元¥]|^RMB", re.IGNORECASE)
_NOT_POSITIVE = re.compile(r"-\d+(\.\d*)?|-?0+(\.0*)?")  # -200, 0, 0.00: a number, but no payment


def _named(form) -> list[dict]:
    """The members whose name was typed where the number goes (a secretary knows 王芳, not her number)."""
    return find_members_by_name(db(), form.get("number", "").strip())


def _not_in_force(payer: dict) -> str | None:
    """Why dues are not booked to a member who resigned, is suspended or died (or a unit no longer in force),
    as a statement import holds them: the membership is restored first, or the money sent back; None when
    in force."""
    refused = not_in_force(payer)
    return t("dues.not_in_force", **refused) if refused else None


NUMBERS_APART = re.compile(r"[\s,，、;；/]+")  # several members paying together: numbers one per line, or listed


def _payers(form) -> list[dict] | None:
    """The members (or units) whose numbers were typed, one or several; None with why flashed."""
    typed = form.get("number", "").strip()
    if not typed:
        say_not_done(t("dues.number_missing"))
        return None
    numbers = [n for n in NUMBERS_APART.split(typed) if n] if re.search(r"\d", typed) else [typed]
    payers = [find_payer(db(), number) for number in numbers]
    unknown = [number for number, payer in zip(numbers, payers) if payer is None]
    if len(numbers) > 1 and unknown:
        say_not_done(t("dues.unknown_among", numbers="、".join(unknown), count=len(numbers)))
        return None
    if unknown:
        named = _named(form)
        if len(named) == 1:
            say_not_done(t("dues.number_of_name", name=named[0]["name"], number=named[0]["member_no"],
                           work_unit=named[0]["work_unit"] or "—"))
        elif named:
            say_not_done(t("dues.several_named", name=named[0]["name"], count=len(named),
                           choices="、".join(f"{m['member_no']}（{m['work_unit'] or '—'}）" for m in named)))
        else:
            say_not_done(t("dues.unknown_payer", number=typed))
        return None
    for payer in payers:
        if refusal := _not_in_force(payer):
            say_not_done(refusal)
            return None
    return payers


def _amounts(payers: list[dict], amount: float, years: int, form, note: str | None) -> list[float] | None:
    """What each payer pays: the amount typed for one (checked against the schedule), each one's own fee for
    several paying together (their sum must be the amount typed); None with why flashed."""
    if len(payers) == 1:
        problem = dues.schedule_problem(payers[0]["category"], amount, years, form.get("force") == "1", note)
        if problem:
            say_not_done(t(f"dues.{problem[0]}", **problem[1]))
            return None
        return [amount]
    fees = [dues.amount_due(payer["category"], years) for payer in payers]
    if None in fees or not dues.same_amount(sum(fees), amount):
        say_not_done(t("dues.several_total", count=len(payers), years=dues.years_text(years),
                       total=dues.format_amount(sum(fee or 0 for fee in fees)), amount=dues.format_amount(amount),
                       each="、".join(f"{p['name']} {dues.format_amount(fee) if fee is not None else '—'} 元"
                                     for p, fee in zip(payers, fees))))
        return None
    return fees


def _year_named(form, note: str | None) -> int | None:
    """The first dues year the payment is for: chosen under 所缴年度, else the first the note names."""
    chosen = form.get("from_year", "")
    return int(chosen) if re.fullmatch(r"[0-9]{4}", chosen) else min(dues.years_in(note or ""), default=None)


_MONTH_DAY = re.compile(r"(\d{1,2})月(\d{1,2})[日号]?")  # 3月5日: no year written


def _paid_on(typed: str, today: date) -> date | None:
    """The day the money came, as people type it (2026-03-05, 2026.3.5, 2026/3/5, 2026年3月5日, the roster's
    dates; 3月5日 is the last 5 March not still to come), today when left blank; None with why flashed: a date
    not read, still to come, or before the first year 所缴年度 offers (a browser's date box made 0635-02-02 of
    2026.3.5)."""
    text = re.sub(r"\s", "", unicodedata.normalize("NFKC", typed))
    if not text:
        return today
    try:
        found = _MONTH_DAY.fullmatch(text)
        paid_on = (date(today.year, int(found.group(1)), int(found.group(2))) if found
                   else date.fromisoformat(roster.parse_date(text)))
        if found and paid_on > today:
            paid_on = paid_on.replace(year=today.year - 1)
    except (Invalid, ValueError):
        say_not_done(t("dues.bad_date", typed=typed.strip()))
        return None
    if paid_on > today:
        say_not_done(t("dues.future_date", paid_on=paid_on.isoformat()))
        return None
    if paid_on.year < today.year - FROM_YEARS_BACK:
        say_not_done(t("dues.old_date", paid_on=paid_on.isoformat(), first=today.year - FROM_YEARS_BACK))
        return None
    return paid_on


def _recorded(form) -> list[str] | None:
    """Record the form's payment (one receipt for each member paying together); the receipt numbers, or None
    with why flashed, nothing recorded."""
    payers = _payers(form)
    if payers is None:
        return None
    try:
        amount = parse_amount(typed_amount(form.get("amount", "")))
    except ValueError:
        typed = form.get("amount", "").strip()
        say_not_done(t("dues.not_positive" if _NOT_POSITIVE.fullmatch(typed_amount(typed)) else "dues.bad_amount",
                       amount=typed))
        return None
    try:
        years = dues.LIFETIME if form.get("years") == "lifetime" else parse(form.get("years", ""), high=100)
    except ValueError:
        say_not_done(t("dues.bad_input"))
        return None
    paid_on = _paid_on(form.get("paid_on", ""), date.today())
    if paid_on is None:
        return None
    note = form.get("note", "").strip() or None
    amounts = _amounts(payers, amount, years, form, note)
    if amounts is None:
        return None
    booked = []
    for payer, share in zip(payers, amounts):
        like = find_nearby_payment(db(), payer, paid_on, share, dues.fee_rules()["duplicate_days"])
        if like and form.get("again") != "1":
            say_not_done(t("dues.likely_duplicate", name=payer["name"], number=payer["number"],
                           paid_at=like["paid_at"], receipt_no=like["receipt_no"], amount=dues.format_amount(share)))
            return None
        try:
            booked.append(years_booked(payer, years, paid_on, _year_named(form, note)))
        except YearsUnclear as unclear:
            say_not_done(t(f"dues.{unclear.reason}", amount=dues.format_amount(share), years=dues.years_text(years),
                           **unclear.facts))
            return None
    method = form.get("method", "").strip() or t("dues.method_unstated")
    try:
        with transaction(db()):
            payments = [record_payment(db(), payer, share, years, paid_on, method, actor(), note=note, **years_of)
                        for payer, share, years_of in zip(payers, amounts, booked)]
    except AlreadyLifetime as lifetime:
        say_not_done(content.text("cli_fees.already_lifetime", **find_payer(db(), str(lifetime))))
        return None
    for payer, payment in zip(payers, payments):
        _say_recorded(payer, payment)
    return [payment["receipt_no"] for payment in payments]


def _say_recorded(payer: dict, payment: dict) -> None:
    """已登记 … 缴费 100 元（2026 年的会费），收据号 …, with the years it pays for and the paid-through date after."""
    say_done("dues.recorded", receipt_no=payment["receipt_no"], name=payer["name"],
             amount=dues.format_amount(payment["amount"]), period=dues.period_text(payment["period_from"],
                                                                                  payment["period_to"]),
             paid_through=dues.date_text(store_payer(db(), payer)["paid_through"]))


@bp.post("/record")
def record():
    """A recorded payment clears the form; a refused one comes back with everything typed kept, in
    the page itself (not in a redirect's address, where a note and an amount would stay in the
    browser's history and the access log)."""
    if _recorded(request.form):
        return redirect(url_for(".index"))
    named = _named(request.form)
    form = dict(request.form.items(), number=named[0]["member_no"]) if len(named) == 1 else request.form
    return _dues_page(form), 400


@bp.post("/refund")
def refund():
    """退款/作废 a payment from the member's page: the money went back, or it was booked to the wrong member
    (with 改记到, booked again to the right one, same amount, years, date and way, in the same transaction).
    One function with the CLI's `fees refund` (handlers.fees.payments.refund): the reason is kept, the
    paid-through date goes back, and the change log says who and why."""
    receipt_no = request.form.get("receipt_no", "").strip().upper()
    reason = request.form.get("reason", "").strip()
    payment = find_payment(db(), receipt_no)
    if payment is None:
        say_not_done(content.text("cli_fees.refund.unknown", receipt_no=receipt_no))
        return redirect(url_for(".index"))
    back = _payer_page(payer_of(db(), payment))
    move_to = request.form.get("move_to", "").strip().upper()
    other = find_payer(db(), move_to) if move_to else None
    if move_to and (other is None or other["number"] == back["number"]):
        say_not_done(t("dues.move_unknown", number=move_to))
        return redirect(back["url"])
    if other and (refusal := _not_in_force(other)):
        say_not_done(refusal)
        return redirect(back["url"])
    try:
        with transaction(db()):
            done = refund_receipt(db(), receipt_no, reason, actor(), date.today())
            moved = other and record_payment(
                db(), other, payment["amount"], payment["years"], date.fromisoformat(payment["paid_at"][:10]),
                payment["method"] or dues.fee_rules()["default_method"], actor(),
                note=t("dues.moved_from", receipt_no=receipt_no, number=back["number"], name=back["name"]),
                reference=payment["reference"], source=payment["source"] or "manual", account=payment.get("account"))
    except NotRefunded as refused:
        say_not_done(t("dues.refund_reason_needed") if refused.reason == "no_reason"
                     else content.text(f"cli_fees.refund.{refused.reason}", **refused.facts))
        return redirect(back["url"])
    except AlreadyLifetime:
        say_not_done(content.text("cli_fees.already_lifetime", **other))
        return redirect(back["url"])
    say_done("dues.refunded", receipt_no=receipt_no, name=done["name"], amount=dues.format_amount(done["amount"]),
             previous=dues.date_text(done["previous_paid_through"]), paid_through=dues.date_text(done["paid_through"]))
    if moved:
        _say_recorded(other, moved)
    return redirect(back["url"])


def _payer_page(payer: dict) -> dict:
    """The payer with the page to go back to: a member's own page, a unit's the dues page."""
    url = url_for("admin.members.show", member_no=payer["number"]) if payer["kind"] == "member" else url_for(".index")
    return dict(payer, url=url)


def _to_settle() -> list[dict]:
    """The rows statement imports left to settle, each with when it was imported, for the 会费 page (a transfer's
    remark may give a mobile: masked for a read-only user)."""
    return [dict(row, imported=clock.day_shown(row["created_at"]),
                 line=row["line"] if sees_mobiles() else mask_personal(row["line"])) for row in rows_to_settle(db())]


SETTLED_HOW = ("recorded", "not_dues", "refunded", "other")


@bp.post("/to-settle/<int:row_id>")
def settle(row_id: int):
    """A row an import left, settled: registered by hand, not dues, sent back, or otherwise (with a note)."""
    how = request.form.get("how", "")
    note = request.form.get("note", "").strip() or None
    if how not in SETTLED_HOW or (how == "other" and not note):
        say_not_done(t("dues.settle_how_needed"))
    elif row := settle_row(db(), row_id, how, note, actor()):
        say_done("dues.settled", file=row["file"], row_no=row["row_no"], how=t(f"dues.settled_how.{how}"))
    else:
        say_not_done(t("dues.settled_already"))
    return redirect(url_for(".index") + "#to-settle")


@bp.post("/remind")
def remind():
    counts = scheduler.run_now(db(), redis_client(), config(), "dues_reminders", date.today(), actor())
    say_done("dues.reminded", **counts)
    return redirect(url_for(".index"))


# --- statement import: upload -> report (a dry run) -> confirm -------------------------------

@bp.route("/import", methods=["GET", "POST"])
def upload():
    return upload_step("dues_upload.html", SUFFIXES, lambda name: content.text("cli_fees.sheet.format", file=name))


def _run(token: str, dry_run: bool, confirm=()) -> dict:
    path, name = held_upload(token)
    return statements.import_statement(db(), path, None, actor(), dry_run, name=name, confirm=confirm)


TO_SETTLE = ("held", "unmatched", "ambiguous", "invalid")  # rows kept on the 会费 page after 确认登记 until settled

# Sections whose title on the console says what to do here (the CLI's names commands and flags).
CONSOLE_TITLES = ("held", "unmatched", "ambiguous")


def report_rows(report: dict, dry_run: bool) -> list[dict]:
    """The statement report's lines as the console shows them: each with its kind, its text and its row
    number (a held row gets a box to tick), the titles of what a secretary finishes by hand in the
    console's words."""
    lines = [(kind, line.strip()) for kind, line in statements.report_lines(report) if kind != "note"]
    rows = {kind: iter(report[kind]) for kind in statements.OUTCOMES}
    shown = []
    for i, (kind, text) in enumerate(lines):
        following = lines[i + 1][0] if i + 1 < len(lines) else None
        if kind == "title" and following in CONSOLE_TITLES:
            text = t(f"dues.report_titles.{following}" if dry_run else f"dues.result_titles.{following}")
        row = next(rows[kind]) if kind in rows else {}
        shown.append({"kind": kind, "text": text, "row": row.get("row"),
                      "ticks": _what_ticking_does(row) if kind == "held" and dry_run else None,
                      "tickable": kind == "held" and dry_run and row.get("problem") not in UNTICKABLE})
    return shown


UNTICKABLE = ("inactive",)  # held until the membership is restored, ticked or not (statements._book)


def _what_ticking_does(row: dict) -> str | None:
    """What a held row's box books when ticked, where a row may be read two ways (an amount that is
    several years of the member's category and one year of another): said, not decided silently."""
    said = texts("dues.held_ticks").get(row["problem"])
    return said.format(**row) if said else None


def _report_page(report: dict, token: str | None):
    return render("dues_report.html", report=report, lines=report_rows(report, token is not None), token=token,
                  to_settle=TO_SETTLE)


@bp.get("/import/<token>")
def report(token: str):
    try:
        return _report_page(_run(token, dry_run=True), token)
    except statements.StatementError as error:
        drop_upload(token)
        say_not_done(error.sentence())
        return redirect(url_for(".upload"))


@bp.post("/import/<token>")
def confirm(token: str):
    """Record the statement's good rows, and the held ones ticked as new money; rows already recorded are
    not recorded again."""
    confirmed = [int(row) for row in request.form.getlist("confirm") if row.isdigit() and len(row) < 8]
    result = _run(token, dry_run=False, confirm=confirmed)
    drop_upload(token, done=True)
    keep_rows_to_settle(db(), result["file"], [{"row_no": line["row"] or 0, "kind": line["kind"], "line": line["text"]}
                                               for line in report_rows(result, dry_run=False)
                                               if line["kind"] in TO_SETTLE], actor())
    return _report_page(result, None)
