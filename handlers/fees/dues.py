"""Dues arithmetic: membership years, paid-through dates and the standing they give.

Pure functions over dates and the fee schedule in content/membership.toml,
so the chat, the CLI, imports, reminders and reports all agree.

The rules:
- The membership year is the calendar year; a paid-through date is the
  31 December of the last year paid. A lifetime payment sets it to
  LIFETIME_PAID_THROUGH, and `years` is LIFETIME (0) on that payment.
- Standing on a day: `active` up to and including the paid-through date,
  `grace` for `grace_days` after it, then `lapsed`; `unpaid` if never paid.
  Categories whose yearly fee is 0 (fellows) are `exempt`; a lifetime payer
  is `lifetime`. Standing is always derived, never stored: `members.status`
  stays the administrative status (active, suspended, resigned).
- Paying N years while active or in grace continues from the current
  paid-through year (no gap, no paid time lost); paying when lapsed or never
  paid covers the year of the payment onward (no back-dues for the years
  missed), except late in the year: from `next_year_from` (1 November) it
  covers the next year onward, so a transfer in November or December is not
  spent on a year that ends weeks later. A legacy paid-through date that is not 31 December counts as
  its whole year.
- Amount for N years = yearly fee of the category x N, for N among
  `multi_year_options`; lifetime has its own price per category.
"""
from __future__ import annotations

import re
from datetime import date, timedelta

from bot import content
from storage.members import UNIT_EXEMPT

LIFETIME = 0  # `years` of a lifetime payment
LIFETIME_PAID_THROUGH = "9999-12-31"


def fee_rules() -> dict:
    return content.load_toml("membership.toml")["fees"]


def _how_to_pay_part(key: str):
    how, language = fee_rules()["how_to_pay"], content.language()
    return how.get(f"{key}_{language}", how[key])


def pay_ways(online: bool) -> list[str]:
    """Every way to pay (content/membership.toml [fees.how_to_pay]), WeChat Pay first where it is set up; in
    English for a member who writes English, the secretariat's address, hours and phone filled in."""
    ways = ([_how_to_pay_part("online")] if online else []) + list(_how_to_pay_part("ways"))
    return [way.format(**content.society()["secretariat"]) for way in ways]


def how_to_pay_text(online: bool) -> str:
    """The ways to pay, numbered, as the chat gives them; `online`: WeChat Pay is set up (config.pay_enabled)."""
    lines = [_how_to_pay_part("title")]
    lines += [f"{number}. {way}" for number, way in enumerate(pay_ways(online), 1)]
    return "\n".join(lines + [_how_to_pay_part("closing")])


def other_ways_title() -> str:
    """The dues page's heading over the ways besides its own pay button."""
    return _how_to_pay_part("others_title")


# --- the schedule ---------------------------------------------------------------

def yearly_fee(category: str) -> float:
    return fee_rules()["yearly"].get(category, 0)


def lifetime_fee(category: str) -> float | None:
    """The one-off lifetime price, or None where the category has no lifetime option."""
    return fee_rules().get("lifetime", {}).get(category)


def is_exempt(category: str) -> bool:
    return not yearly_fee(category)


def year_options() -> list[int]:
    return list(fee_rules()["multi_year_options"])


def amount_due(category: str, years: int) -> float | None:
    """What N years (or LIFETIME) cost in this category; None if not on offer."""
    if years == LIFETIME:
        return lifetime_fee(category)
    if years not in year_options():
        return None
    return yearly_fee(category) * years


def years_for_amount(category: str, amount: float) -> int | None:
    """Which option an amount pays for (a bank transfer says only how much), or None."""
    if is_exempt(category):
        return None
    for years in [*year_options(), LIFETIME]:
        due = amount_due(category, years)
        if due is not None and same_amount(due, amount):
            return years
    return None


def same_amount(a: float, b: float) -> bool:
    return round(float(a), 2) == round(float(b), 2)


def format_amount(amount: float) -> str:
    """100.0 -> "100", 99.5 -> "99.50": how amounts appear in replies and receipts."""
    amount = round(float(amount), 2)
    return f"{amount:.0f}" if amount == int(amount) else f"{amount:.2f}"


# --- dates and standing -----------------------------------------------------------

def _date(value: str | date) -> date:
    return value if isinstance(value, date) else date.fromisoformat(value)


def is_lifetime(paid_through: str | None) -> bool:
    return paid_through == LIFETIME_PAID_THROUGH


def on_roster_only(paid_through: str | None, payments: list) -> bool:
    """A paid-through date with no payment booked: the roster's (dues paid before the account kept payments), said
    as such where the payments are listed, never "暂无缴费记录", which reads as "your payment is missing"."""
    return not payments and bool(paid_through) and not is_lifetime(paid_through)


def grace_ends(paid_through: str) -> date:
    return _date(paid_through) + timedelta(days=fee_rules()["grace_days"])


def standing(paid_through: str | None, today: date | None = None) -> str:
    """`active` while paid, `grace` for grace_days after, then `lapsed`; `unpaid` if never paid."""
    if not paid_through:
        return "unpaid"
    today = today or date.today()
    if today <= _date(paid_through):
        return "active"
    if today <= grace_ends(paid_through):
        return "grace"
    return "lapsed"


def dues_standing(category: str, paid_through: str | None, today: date) -> str:
    """`standing`, plus `exempt` for categories that pay nothing and `lifetime`."""
    if is_lifetime(paid_through):
        return "lifetime"
    if is_exempt(category):
        return "exempt"
    return standing(paid_through, today)


def days_to_expiry(paid_through: str | None, today: date) -> int | None:
    """Days left until the paid-through date (negative once past); None if never ending or unpaid."""
    if not paid_through or is_lifetime(paid_through):
        return None
    return (_date(paid_through) - today).days


# --- payments ----------------------------------------------------------------------

def coverage(paid_through: str | None, years: int, paid_on: date,
             from_year: int | None = None, joined_at: str | None = None) -> tuple[str, str]:
    """The period (from, to) a payment of N years (or LIFETIME) made on `paid_on` pays for.

    `from_year`: the first year the payer says they pay for (a transfer's "补交2025年会费"): a lapsed
    payer's arrears are paid from there, when not already covered; no back-dues otherwise. Someone who
    never paid (a new member) naming a later year (a hospital's "2027年会费" for its new nurses) pays that year.
    `joined_at`: a new member who joined this year before next_year_from owes this year (first_dues_year), so
    his first payment pays it, also when it comes after next_year_from.
    """
    arrears = bool(paid_through) and fee_rules().get("arrears_first", False) and not is_lifetime(paid_through)
    if arrears or standing(paid_through, paid_on) in ("active", "grace"):
        first_year = _date(paid_through).year + 1  # the next year; with arrears_first, the first one owed
    else:
        first_year = paid_on.year + (1 if late_in_year(paid_on) else 0)
        if not paid_through and first_dues_year(joined_at) == paid_on.year:
            first_year = paid_on.year
        if from_year and from_year < first_year and (not paid_through or from_year > _date(paid_through).year):
            first_year = from_year
        elif from_year and from_year > first_year and not paid_through:
            first_year = from_year
    start = date(first_year, 1, 1).isoformat()
    if years == LIFETIME:
        return start, LIFETIME_PAID_THROUGH
    return start, date(first_year + years - 1, 12, 31).isoformat()


def _next_year_from() -> tuple[int, int]:
    month, dom = (int(part) for part in fee_rules().get("next_year_from", "12-31").split("-"))
    return month, dom


def moved_rule() -> dict:
    """next_year_from in words ({"joined_from": "11 月 1 日"}): from when a payment counts for the next year."""
    month, dom = _next_year_from()
    return {"joined_from": content.text("fees.words.month_day", month=month, day=dom)}


def late_in_year(day: date) -> bool:
    """On or after `next_year_from`: a lapsed member paying now pays for the next year."""
    return day >= date(day.year, *_next_year_from())


def dues_year(paid_through: str | None, day: date, joined_at: str | None = None) -> int:
    """The membership year a payer would pay for on `day`: the next unpaid one (`joined_at`: a new member's
    first is the year joined, as coverage counts it)."""
    return int(coverage(paid_through, 1, day, joined_at=joined_at)[0][:4])


def years_in(text: str) -> list[int]:
    """The dues years a remark names: 2026年会费, 补交2025年, 2025、2026两年 (a mobile's digits are no year, nor
    the joining year inside a member number written with dashes or spaces: HBJX-2025-0512, SXTJ 2023 0577,
    2022-518)."""
    numbering = content.load_toml("membership.toml")["member_no"]
    own = "|".join(re.escape(numbering[key]) for key in ("prefix", "unit_prefix"))
    text = re.sub(rf"(?:{own})(?:19|20)\d{{2}}[-－—–_]\d{{2,}}", " ", _DASHED_NUMBER.sub(" ", text))  # 陕土建2018-0233
    return [int(y) for y in re.findall(r"(?<!\d)(20\d{2})(?!\d)", text)]


_DASHED_NUMBER = re.compile(r"[A-Za-z]{2,}[-－—–_]?\s?(?:19|20)\d{2}\s?[-－—–_]?\s?\d{2,}"  # SXTJ 2023 0577
                            r"|(?<!\d)(?:19|20)\d{2}[-－—–_](?:0\d{2,3}|\d{3})(?!\d)")  # 2022-518, not 2025-2026


def paid_through_after(paid_through: str | None, years: int, paid_on: date, from_year: int | None = None,
                       joined_at: str | None = None) -> str:
    return coverage(paid_through, years, paid_on, from_year, joined_at)[1]


def renewal_options(category: str, paid_through: str | None, today: date, joined_at: str | None = None) -> list[dict]:
    """Each way to pay now: years (LIFETIME for lifetime), amount, and the paid-through it gives (`joined_at`:
    a new member's first payment pays the year joined, as coverage counts it when the payment is recorded)."""
    if is_exempt(category) or is_lifetime(paid_through):
        return []
    options = []
    for years in [*year_options(), LIFETIME]:
        amount = amount_due(category, years)
        if amount is not None:
            period_from, period_to = coverage(paid_through, years, today, joined_at=joined_at)
            options.append({"years": years, "amount": amount, "period_from": period_from,
                            "paid_through": period_to})
    return options


# --- reminders and reports ---------------------------------------------------------

def reminder_due(category: str, paid_through: str | None, today: date) -> tuple[str, str] | None:
    """(kind, period) of the reminder a payer should have by today, or None.

    `expiring` within remind_days_before of the paid-through date; `lapsed`
    once the grace period is over, for lapsed_notice_days; the period is the
    paid-through date, so a renewal starts a new one. A member who owes and is
    past those notices is reminded once per dues year (the period is that year,
    handlers.fees.dues.dues_year): `unpaid` never paid, `overdue` has not paid for a
    whole year or more. Paid-ahead, lifetime and exempt members get none.
    """
    kind = dues_standing(category, paid_through, today)
    if kind in ("exempt", "lifetime"):
        return None
    if kind == "unpaid":
        return "unpaid", str(dues_year(None, today))
    if expiring(paid_through, today):
        return "expiring", paid_through
    if kind != "lapsed":
        return None
    days_lapsed = (today - grace_ends(paid_through)).days
    if 1 <= days_lapsed <= fee_rules()["lapsed_notice_days"]:
        return "lapsed", paid_through
    year = dues_year(paid_through, today)
    if year > _date(paid_through).year + 1:
        return "overdue", str(year)
    return None


def expiring(paid_through: str | None, today: date) -> bool:
    """Whether the paid-through date is within remind_days_before (the renewal is asked for now)."""
    days_left = days_to_expiry(paid_through, today)
    return days_left is not None and 0 <= days_left <= fee_rules()["remind_days_before"]


def first_dues_year(joined_at: str | None) -> int | None:
    """The first membership year a payer owes: the year they joined, or the next one when they joined on or
    after next_year_from (their first payment is for it, as anyone's paid then); None when not known."""
    if not joined_at:
        return None
    joined = _date(joined_at[:10])
    return joined.year + (1 if late_in_year(joined) else 0)


def first_owed_year(paid_through: str | None, joined_at: str | None) -> int | None:
    """The first membership year a payer has not paid: the one after the paid-through date, or (never paid)
    their first dues year; None when neither is known."""
    return int(paid_through[:4]) + 1 if paid_through else first_dues_year(joined_at)


def years_owed(paid_through: str | None, joined_at: str | None, today: date) -> list[int]:
    """The membership years up to this one a payer who owes has not paid (this year alone when never paid and the
    joining date is not known), this one at least: paid through a day of this year past (a roster's 2026-06-30),
    this year is not paid."""
    first = first_owed_year(paid_through, joined_at) or today.year
    return list(range(min(first, today.year), today.year + 1))


def payer_yearly_fee(payer: dict) -> float:
    """A payer's yearly fee: its category's, or a unit's level's where units pay by level ([fees.unit_levels])."""
    levels = fee_rules().get("unit_levels") or {}
    return levels.get(payer.get("level"), yearly_fee(payer["category"])) if payer["kind"] == "unit" \
        else yearly_fee(payer["category"])


def owes(category: str, paid_through: str | None, today: date, joined_at: str | None = None) -> bool:
    """Owes dues today: never paid, or past the paid-through date (in grace or lapsed). A member who
    joined on or after next_year_from and has not paid yet owes nothing before their first dues year."""
    if not paid_through and (first_dues_year(joined_at) or 0) > today.year:
        return False
    return dues_standing(category, paid_through, today) in ("unpaid", "grace", "lapsed")


def owing(payers: list[dict], today: date) -> list[dict]:
    """The payers who owe dues today (owes): the 会费 page's arrears list, as `fees report` counts them."""
    return [p for p in payers if owes(p["category"], p["paid_through"], today, p["joined_at"])]


def year_status(category: str, paid_through: str | None, year: int, today: date,
                covered_from: str | None = None, joined_at: str | None = None) -> str:
    """Where a payer stands for membership year `year`, seen on `today` (or the year's end if past).

    `paid` when the year is covered; else the standing: `active` (not due yet,
    a future year), `grace`, `lapsed` or `unpaid`; `exempt` pays nothing.
    Owed by nobody (`not_due`): a year before the payer's first dues year (joined on or after
    next_year_from). `moved`: a year skipped, `covered_from` (where the run of paid years up to
    paid_through began after a lapse) being later: a lapsed member paying in November for the next
    year, back-dues not asked. That year's dues were expected and never came, so the year's
    collection counts them due and not paid; the arrears list (owes) no longer has the member.
    """
    if is_exempt(category):
        return "exempt"
    if (first_dues_year(joined_at) or 0) > year:
        return "not_due"
    if paid_through and _date(paid_through) >= date(year, 12, 31):
        if covered_from is None or _date(covered_from) <= date(year, 1, 1):
            return "paid"
        return "moved"
    return standing(paid_through, min(today, date(year, 12, 31)))


REPORT_COUNTS = ("due", "paid", "grace", "overdue", "unpaid", "moved")
OWING = ("grace", "overdue", "unpaid")  # the counts of the arrears list (owes), the year being this one


def year_summary(payers: list[dict], year: int, today: date) -> dict[str, dict]:
    """Per category: how many owed dues for `year` (in force, not exempt, joined before it was due), how
    many paid them, in grace, overdue, never paid, and paid the next year instead (`moved`, year_status).
    The rate is the year's dues received against the year's dues expected: paid / due."""
    summary: dict[str, dict] = {}
    for payer in payers:
        status = year_status(payer["category"], payer["paid_through"], year, today, payer.get("covered_from"),
                             payer.get("joined_at"))
        if status in ("exempt", "not_due"):
            continue
        row = summary.setdefault(payer["category"], dict.fromkeys(REPORT_COUNTS, 0))
        row["due"] += 1
        key = {"paid": "paid", "grace": "grace", "lapsed": "overdue", "unpaid": "unpaid", "moved": "moved"}.get(status)
        if key:
            row[key] += 1
    for category, row in summary.items():
        row["expected"] = yearly_fee(category) * row["due"]
        row["rate"] = round(row["paid"] / row["due"], 4) if row["due"] else 0.0
    return summary


def collection(payers: list[dict], year: int, today: date) -> dict:
    """The collection rate of `year` over payers of one kind (individual members, or unit members), as the
    会费 page shows it and the province's evaluation counts it: year_summary's counts summed over the
    categories, `owing` (this year's arrears list) and `rate`, paid / due (None when nobody owed)."""
    summary = year_summary(payers, year, today)
    counts = {key: sum(row[key] for row in summary.values()) for key in REPORT_COUNTS}
    return dict(counts, owing=sum(counts[key] for key in OWING),
                rate=counts["paid"] / counts["due"] if counts["due"] else None)


# --- wording shared by the chat, the CLI and reminders (texts in content/replies/fees.toml) ---

def category_name(category: str) -> str:
    if category == UNIT_EXEMPT:
        return content.text("fees.words.unit_exempt")
    return content.load_toml("membership.toml")["categories"].get(category, category)


def years_text(years: int) -> str:
    if years == LIFETIME:
        return content.text("fees.words.lifetime")
    return content.text("fees.words.years", years=years)


def date_text(paid_through: str | None) -> str:
    """A paid-through date as members read it: the date, "尚未缴费" or "终身有效"."""
    if not paid_through:
        return content.text("fees.words.never")
    if is_lifetime(paid_through):
        return content.text("fees.words.forever")
    return paid_through


def period_text(period_from: str, period_to: str) -> str:
    first, last = period_from[:4], period_to[:4]
    if is_lifetime(period_to):
        return content.text("fees.words.period_lifetime", first=first)
    if first == last:
        return content.text("fees.words.period_one", first=first)
    return content.text("fees.words.period_many", first=first, last=last)


def listing(items) -> str:
    """Items as one list the Chinese way, e.g. "1、2、3、5"."""
    return content.text("fees.words.separator").join(str(item) for item in items)


def year_options_text() -> str:
    return listing(year_options())


def schedule_problem(category: str, amount: float, years: int, force: bool,
                     note: str | None) -> tuple[str, dict] | None:
    """Why a hand-recorded payment is refused, as (key under [cli_fees], fields), or None.

    The amount must be the schedule's for that term; forcing it through needs a
    note saying why. The CLI and the console both refuse with these words. No
    amount of zero or less is a payment, forced or not (a refund is `fees refund`).
    """
    if not amount > 0:
        return "not_positive", {"amount": f"{amount:g}"}
    expected = amount_due(category, years)
    if expected is not None and same_amount(expected, amount):
        return None
    if force:
        return None if note else ("force_needs_note", {})
    fields = {"category": category_name(category), "years": years_text(years), "amount": format_amount(amount)}
    if expected is None:
        lifetime = content.text("cli_fees.lifetime_offered") if lifetime_fee(category) else ""
        return "no_option", dict(fields, options=year_options_text(), lifetime=lifetime)
    return "wrong_amount", dict(fields, expected=format_amount(expected))


def schedule_line(category: str) -> str:
    """"· 学生会员：20 元/年": a category's line of the fee table, as the chat shows it."""
    fields = {"category": category_name(category), "amount": format_amount(yearly_fee(category))}
    lifetime = lifetime_fee(category)
    if is_exempt(category):
        key = "fees.schedule_line_free"
    elif lifetime is not None:
        key, fields["lifetime"] = "fees.schedule_line_lifetime", format_amount(lifetime)
    else:
        key = "fees.schedule_line"
    return content.text(key, **fields)
