"""Jobs (招聘): the open postings with a city and discipline filter, adding one, closing one, importing a sheet.

All the CLI's own: a posting is checked with handlers.jobs.postings' cleaners and
stored by job_postings.save (as `jobs add`: the same employer, title and
city updates the posting on the board), closing is storage.jobs.close_posting
(`jobs close`), and a sheet goes through records.add_import with
job_postings.save_plan (`jobs import`).
"""
from __future__ import annotations

from datetime import date

from flask import Blueprint, redirect, request, url_for

from bot import content
from handlers.jobs import postings as job_postings
from bot.admin.records import add_import, add_one
from bot.admin.ui import db, or_404, render, say_done
from storage import jobs as store

bp = Blueprint("jobs", __name__, url_prefix="/jobs")
LIMIT = 500  # postings on the page; the board rarely holds more than a few dozen

add_import(bp, job_postings.SHEET, job_postings.save_plan, content.text("jobs_cli.what"))


@bp.get("/")
def index():
    """Postings members can see (or with ?all=1 closed and expired ones too), newest first."""
    city = request.args.get("city", "").strip() or None
    discipline = request.args.get("discipline", "").strip() or None
    everything = request.args.get("all") == "1"
    postings = store.list_postings(db(), date.today().isoformat(), everything, city, discipline, LIMIT)
    return render("jobs.html", postings=postings, form=request.args, statuses=content.replies()["jobs_cli"]["statuses"])


@bp.route("/new", methods=["GET", "POST"])
def new():
    def save(fields: dict) -> None:
        [(posting, outcome)] = job_postings.save(db(), [fields], date.today())
        say_done("jobs.added", outcome=content.text(f"jobs_cli.outcomes.{outcome}"), **posting)

    return add_one(job_postings.SHEET, "jobs", save)


@bp.post("/<int:job_id>/close")
def close(job_id: int):
    """Members no longer see a closed posting and no alert sends it."""
    before = or_404(store.close_posting(db(), job_id))
    say_done("jobs.already_closed" if before["status"] == store.CLOSED else "jobs.closed", **before)
    return redirect(url_for(".index"))
