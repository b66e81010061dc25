"""Events (活动): the guide's events, one event with its registrants and waitlist, the guide's import and export.

All the CLI's own: the list is storage.events.list_events (`events list`),
an event's people are storage.events.registrants and their file
handlers.events.guide.registrant_table (`events registrants --export`, full mobiles in
the file for the secretariat, masked on the page and in a read-only user's file), the import goes through records.add_import
with handlers.events.guide.save_plan (`events import`: members a raised capacity gives
a seat are told), and the guide is handlers.events.export.export (`events
export-guide`).
"""
from __future__ import annotations

from datetime import date

from flask import Blueprint, redirect, request, url_for

from bot import content
from handlers.events import export as event_guide
from handlers.events import guide
from bot.admin.records import add_import, add_one, cleaned_form, form_fields
from bot.admin.ui import (actor, db, or_404, redis_client, render, say_done, say_not_done, sees_mobiles, send_table,
                          send_written, t)
from bot.privacy import mask_mobile
from bot.web import arg
from handlers.fees import dues
from storage import events as store
from storage.event_payments import refunds_owed

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


def _source() -> str:
    return t("events.source")


@bp.route("/new", methods=["GET", "POST"])
def new():
    """One event typed in the console, checked as a row of the guide would be."""
    def save(fields: dict) -> None:
        [number], _ = store.save_events(db(), [(fields, _source())], [], actor())
        say_done("events.created", event_no=number, title=fields["title"])

    return add_one(guide.SHEET, "events", save, filled={"society": content.society()["name"]})  # the guide's 学会


def _typed(event: dict) -> dict:
    """An event's stored values as its edit form shows them."""
    shown = {key: "" if event.get(key) is None else str(event[key]) for key in guide.columns()}
    shown["dates"] = ""  # the start and end dates stand on their own fields
    return shown


@bp.route("/<event_no>/edit", methods=["GET", "POST"])
def edit(event_no: str):
    """Change one event; those signed up are told of a new time or place (the outbound queue)."""
    event = _event(event_no)
    if event.get("status") == store.EVENT_CANCELLED:
        say_not_done(t("events.already_cancelled", title=event["title"]))
        return redirect(url_for(".show", event_no=event["event_no"]))
    if request.method == "GET":
        return _edit_form(event, _typed(event), {})
    fields, errors, typed = cleaned_form(guide.SHEET)
    if errors:
        return _edit_form(event, typed, errors), 400
    changed, told = guide.update_one(db(), redis_client(), event, fields, actor(), _source())
    if not changed:
        say_done("events.unchanged", title=event["title"])
    elif told:
        say_done("events.updated_told", title=fields["title"], count=told)
    else:
        say_done("events.updated", title=fields["title"])
    return redirect(url_for(".show", event_no=event["event_no"]))


def _edit_form(event: dict, typed: dict, errors: dict):
    return render("event_edit.html", event=event, fields=form_fields(guide.SHEET), typed=typed, errors=errors)


@bp.post("/<event_no>/cancel")
def cancel(event_no: str):
    """Call the event off, with the reason those signed up are told."""
    event = _event(event_no)
    reason = request.form.get("reason", "").strip()
    if event.get("status") == store.EVENT_CANCELLED:
        say_not_done(t("events.already_cancelled", title=event["title"]))
    elif not reason:
        say_not_done(t("events.reason_needed"))
    else:
        told = guide.cancel_one(db(), redis_client(), event, actor(), reason)
        say_done("events.cancelled", title=event["title"], count=told)
    return redirect(url_for(".show", event_no=event["event_no"]))


@bp.get("/<event_no>")
def show(event_no: str):
    event = guide.summary(_event(event_no))
    people = [dict(p, mobile=mask_mobile(p["mobile"] or "")) for p in store.registrants(db(), event["id"])]
    return render("event.html", event=event, status=content.replies()["events_cli"]["status"],
                  registered=[p for p in people if p["status"] == store.REGISTERED],
                  waitlisted=[p for p in people if p["status"] != store.REGISTERED],
                  refunds=[dict(p, mobile=mask_mobile(p["mobile"] or ""), fee=dues.format_amount((p["fee_fen"] or 0) / 100))
                           for p in refunds_owed(db(), event["id"])])


@bp.get("/<event_no>/registrants.xlsx")
def registrants(event_no: str):
    event = _event(event_no)
    headers, rows = guide.registrant_table(store.registrants(db(), event["id"]))
    if not sees_mobiles():  # a read-only user's file: masked, as on the page
        rows = [[mask_mobile(cell) if isinstance(cell, str) else cell for cell in row] for row in rows]
    return send_table(t("events.registrants_file", event_no=event["event_no"]), headers, rows)


@bp.get("/guide.xlsx")
def export_guide():
    """The guide as the formatted workbook (of ?year=, or every year), which imports back unchanged."""
    year = arg("year", low=1900, high=2200)
    rows = store.events_of_year(db(), year)
    return send_written(f"{event_guide.title(year)}.xlsx", lambda path: event_guide.export(path, rows, year))
