"""定时任务: each periodic job of content/schedule.toml with its last run, outcome and next run,
the latest runs, and a button that runs a job now (recorded as a manual run, like the commands).

Times are shown in each job's own timezone, the one its timetable is read in (bot.scheduler.overview).
"""
from __future__ import annotations

from flask import Blueprint, abort, redirect, url_for

from bot import scheduler
from bot.admin.ui import actor, actor_text, config, db, now, redis_client, render, say_done, say_not_done, t

bp = Blueprint("schedule", __name__, url_prefix="/schedule")
RECENT = 30  # runs listed under the table


@bp.get("/")
def index():
    jobs = [dict(job, last_run=_with_who(job["last_run"])) for job in scheduler.overview(db(), now())]
    recent = [_with_who(run) for run in scheduler.recent_runs(db(), RECENT)]
    return render("schedule.html", jobs=jobs, recent=recent)


@bp.post("/<job>/run")
def run(job: str):
    if job not in scheduler.table():
        abort(404)
    title = scheduler.job_title(job)
    try:
        summary = scheduler.run_now(db(), redis_client(), config(), job, actor=actor())
    except Exception as error:  # recorded with the run; the secretariat sees what went wrong
        say_not_done(t("schedule.failed", job=title, error=error))
    else:
        say_done("schedule.ran", job=title, summary=scheduler.summary_text(job, summary))
    return redirect(url_for(".index"))


def _with_who(run: dict | None) -> dict | None:
    return run and dict(run, who=actor_text(run["actor"]) if run["actor"] else "")
