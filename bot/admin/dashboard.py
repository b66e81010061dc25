"""The dashboard: the society at a glance, with the charts drawn on the server.

Members are counted on the roll (active and suspended), as the fellow cap
counts them; dues collection is the fees report's rate for this year (paid
among those who owe dues), from the same functions `python -m bot fees report` uses.
"""
from __future__ import annotations

from datetime import date

from flask import Blueprint, redirect, url_for

from handlers.fees import dues
from bot.admin import doctor_panel
from bot.admin.charts import bar_chart, line_chart
from bot import delivery
from bot.admin.ui import config, db, redis_client, render, say_done, t, texts, word
from handlers.governance import AGE_BANDS, add_months
from handlers.members.membership import category_name
from bot.validation import age_band
from storage import admin as store
from storage.fees import collected_by_category, list_dues_payers
from storage.tickets import OPEN, count_tickets

bp = Blueprint("dashboard", __name__, url_prefix="/dashboard")

MONTHS = 12  # growth is shown over the last year
TOP_DISCIPLINES = 10


def _named(counts: dict, name=lambda value: value) -> list[tuple[str, int]]:
    """(label, count) pairs, with the not-filled-in count last under one label."""
    pairs = [(name(value), n) for value, n in counts.items() if value is not None]
    if counts.get(None):
        pairs.append((t("dashboard.not_filled"), counts[None]))
    return pairs


def _by_age_band(today: date) -> list[tuple[str, int]]:
    bands: dict = {}
    for birth_year, n in store.count_members_by(db(), "birth_year").items():
        band = age_band(birth_year, today)
        bands[band] = bands.get(band, 0) + n
    ordered = {band: bands.get(band, 0) for band in AGE_BANDS}
    ordered[None] = bands.get(None, 0)
    return _named(ordered, lambda band: t(f"governance.age_bands.{band}"))


def _growth(today: date) -> list[tuple[str, int]]:
    """Members on the roll at the end of each of the last MONTHS months: those who resigned or died counted
    until the month they left."""
    first = add_months(today.replace(day=1), -(MONTHS - 1)).strftime("%Y-%m")
    total, joined, left = store.roll_by_month(db(), first)
    points = []
    for i in range(MONTHS):
        month = add_months(today.replace(day=1), i - MONTHS + 1).strftime("%Y-%m")
        total += joined.get(month, 0) - left.get(month, 0)
        points.append((t("dashboard.month", month=int(month[5:])), total))
    return points


def _dues(today: date) -> dict:
    summary = dues.year_summary(list_dues_payers(db()), today.year, today)
    due = sum(row["due"] for row in summary.values())
    paid = sum(row["paid"] for row in summary.values())
    collected = sum(row["amount"] or 0 for row in collected_by_category(db(), today.year).values())
    moved = sum(row["moved"] for row in summary.values())
    note = t("dashboard.dues_note", due=due, paid=paid, collected=dues.format_amount(collected))
    if moved:
        note += "；" + t("dashboard.dues_moved", moved=moved, next_year=today.year + 1, **dues.moved_rule())
    return {"year": today.year, "rate": paid / due if due else None, "note": note}


def _lacking(counts: dict, field: str) -> str:
    """Under a chart: of how many records it is drawn, and how many lack the field."""
    return _note(sum(counts.values()), counts.get(None, 0), field)


def _note(total: int, missing: int, field: str, lacking: str = "dashboard.lacking") -> str:
    """Of how many members a chart is drawn and how many lack its field (`lacking` says so); none yet."""
    if not total:
        return t("dashboard.no_members")
    if not missing:
        return t("dashboard.all_filled", total=total, field=word("fields", field))
    return t(lacking, total=total, missing=missing, field=word("fields", field))


@bp.get("/")
def index():
    today = date.today()
    by_category = store.count_members_by(db(), "category")
    counted = {field: store.count_members_by(db(), field)
               for field in ("institution_type", "birth_year", "discipline")}
    notes = {"category": _lacking(by_category, "category"),
             "institution": _lacking(counted["institution_type"], "institution_type"),
             "age": _lacking(counted["birth_year"], "birth_year"),
             "discipline": _lacking(counted["discipline"], "discipline"),
             # the growth chart counts a member without a joining date from when their record was made
             "growth": _note(sum(by_category.values()), store.count_members_without(db(), "joined_at"),
                             "joined_at", "dashboard.growth_lacking")}
    outcomes = store.delivery_outcomes(db())
    tickets = count_tickets(db())
    units = store.count_units(db())
    if units and by_category:  # the chart's last bar counts units, the note people
        notes["category"] += t("dashboard.units_apart", units=units)
    charts = {
        "category": bar_chart(_named(by_category, category_name) + [(category_name("unit"), units)],
                              t("dashboard.by_category")),
        "institution": bar_chart(_named(counted["institution_type"]),
                                 t("dashboard.by_institution")),
        "age": bar_chart(_by_age_band(today), t("dashboard.by_age")),
        "discipline": bar_chart(_named(counted["discipline"])[:TOP_DISCIPLINES],
                                t("dashboard.by_discipline")),
        "growth": line_chart(_growth(today), t("dashboard.growth"), width=960, height=220),
    }
    if outcomes:
        names = texts("dashboard.delivery_status")
        charts["deliveries"] = bar_chart([(names.get(s, s), n) for s, n in outcomes.items()],
                                         t("dashboard.deliveries"))
    kinds = texts("dashboard.notice_kinds")
    return render("dashboard.html", charts=charts, notes=notes, members=sum(by_category.values()),
                  units=units, pending=store.count_applications(db()),
                  open_tickets=tickets.get(OPEN, 0), dues=_dues(today), today=today,
                  doctor=doctor_panel.last_report(redis_client),
                  failed_notices=[dict(row, why=delivery.failure_reason(row), what=kinds.get(row["kind"], row["kind"]))
                                  for row in delivery.failed_notices(db())],
                  uncertain_notices=[dict(row, what=kinds.get(row["kind"], row["kind"]))
                                     for row in delivery.uncertain_notices(db())])


@bp.post("/retry-notices")
def retry_notices():
    """Send again every notice that failed (an approval, an answer, a reminder ...), each at most once."""
    say_done("dashboard.notices_retried", count=delivery.retry_failed_notices(db(), redis_client()))
    return redirect(url_for(".index"))


@bp.post("/doctor")
def doctor():
    """Run the deployment checklist (`python -m bot doctor`) now; the dashboard shows it."""
    doctor_panel.run(config(), db(), redis_client)
    return redirect(url_for(".index"))
