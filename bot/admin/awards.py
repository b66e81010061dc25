"""Award calls (评奖): the open calls (or all), adding one, importing a sheet of them.

All the CLI's own: a call is checked with handlers.awards.calls.SHEET's cleaners and
stored by awards.add_call (as `awards add`: the same name and deadline year
updates the stored call), and a sheet goes through records.add_import with
awards.save_plan (`awards import`).
"""
from __future__ import annotations

from datetime import date

from flask import Blueprint, request

from handlers.awards import calls
from bot import content
from bot.admin.records import add_import, add_one
from bot.admin.ui import actor, db, render, say_done, t
from storage import awards as store

bp = Blueprint("awards", __name__, url_prefix="/awards")
LIMIT = 1000

add_import(bp, calls.SHEET, calls.save_plan, content.text("awards_cli.what"))


@bp.get("/")
def index():
    """Calls still open (or with ?all=1 every call), nearest deadline first."""
    today, everything = date.today(), request.args.get("all") == "1"
    query = {"from": None if everything else today.isoformat(), "kind": None}
    rows = [calls.summary(call, today) for call in store.list_awards(db(), query, limit=LIMIT)]
    return render("awards.html", calls=rows, everything=everything)


@bp.route("/new", methods=["GET", "POST"])
def new():
    def save(fields: dict) -> None:
        outcome, number = calls.add_call(db(), fields, t("awards.source"), actor())
        say_done(f"awards.{outcome}", award_no=number, name=fields["name"])

    return add_one(calls.SHEET, "awards", save)
