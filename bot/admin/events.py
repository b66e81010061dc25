"""Events (活动): the guide's events, one event with its registrants and waitlist, the guide's import and export.

All the CLI's own: the list is storage.events.list_events (`events list`),
an event's people are storage.events.registrants and their file
bot.events.registrant_table (`events registrants --export`, full mobiles in
the file, masked on the page), the import goes through records.add_import
with bot.events.save_plan (`events import`: members a raised capacity gives
a seat are told), and the guide is bot.event_guide.export (`events
export-guide`).
"""
from __future__ import annotations

from datetime import date

from flask import Blueprint, request

from bot import content, event_guide
from bot import events as guide
from bot.admin.records import add_import
from bot.admin.ui import db, or_404, redis_client, render, send_table, send_written, t
from bot.privacy import mask_mobile
from bot.web import arg
from storage import events as store

bp = Blueprint("events", __name__, url_prefix="/events")
LIMIT = 1000


def _save(database, plan, file_name: str, actor: str) -> list[str]:
    return guide.save_plan(database, redis_client(), plan, file_name, actor)


add_import(bp, guide.SHEET, _save, content.text("events_cli.what"))


def _day(text: str | None) -> date:
    try:
        return date.fromisoformat(text or "")
    except ValueError:
        return date.today()


@bp.get("/")
def index():
    """Events not over by ?from= (default today), soonest first, with their seats taken."""
    first = _day(request.args.get("from"))
    query = {"from": first.isoformat(), "to": None, "type": None, "word": None}
    rows = [guide.summary(event) for event in store.list_events(db(), query, limit=LIMIT)]
    return render("events.html", events=rows, first=first.isoformat(), year=first.year)


def _event(event_no: str) -> dict:
    return or_404(store.find_event(db(), event_no))


@bp.get("/<event_no>")
def show(event_no: str):
    event = guide.summary(_event(event_no))
    people = [dict(p, mobile=mask_mobile(p["mobile"] or "")) for p in store.registrants(db(), event["id"])]
    return render("event.html", event=event, status=content.replies()["events_cli"]["status"],
                  registered=[p for p in people if p["status"] == store.REGISTERED],
                  waitlisted=[p for p in people if p["status"] != store.REGISTERED])


@bp.get("/<event_no>/registrants.xlsx")
def registrants(event_no: str):
    event = _event(event_no)
    headers, rows = guide.registrant_table(store.registrants(db(), event["id"]))
    return send_table(t("events.registrants_file", event_no=event["event_no"]), headers, rows)


@bp.get("/guide.xlsx")
def export_guide():
    """The guide as the formatted workbook (of ?year=, or every year), which imports back unchanged."""
    year = arg("year", low=1900, high=2200)
    rows = store.events_of_year(db(), year)
    return send_written(f"{event_guide.title(year)}.xlsx", lambda path: event_guide.export(path, rows, year))
