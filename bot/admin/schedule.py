"""定时任务: each periodic job of content/schedule.toml with its last run, outcome and next run,
the latest runs, and a button that runs a job now (recorded as a manual run, like the commands).

Times are shown in each job's own timezone, the one its timetable is read in.
"""
from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from flask import Blueprint, abort, redirect, url_for

from bot import content, scheduler
from bot.admin.ui import actor, actor_text, config, db, now, redis_client, render, say_done, say_not_done, t
from storage import schedule as store

bp = Blueprint("schedule", __name__, url_prefix="/schedule")
RECENT = 30  # runs listed under the table


@bp.get("/")
def index():
    zones = {name: entry.zone for name, entry in scheduler.table().items()}
    jobs = [dict(job, name=job_name(job["job"]), next_text=_local(job["next_run"], zones[job["job"]]),
                 last=_shown(job["last_run"], zones[job["job"]]))
            for job in scheduler.overview(db(), now())]
    recent = [_shown(run, zones.get(run["job"])) for run in store.recent_runs(db(), RECENT)]
    return render("schedule.html", jobs=jobs, recent=recent)


@bp.post("/<job>/run")
def run(job: str):
    if job not in scheduler.table():
        abort(404)
    try:
        summary = scheduler.run_now(db(), redis_client(), config(), job, actor=actor())
    except Exception as error:  # recorded with the run; the secretariat sees what went wrong
        say_not_done(t("schedule.failed", job=job_name(job), error=error))
    else:
        say_done("schedule.ran", job=job_name(job), summary=summary_text(job, summary))
    return redirect(url_for(".index"))


def job_name(job: str) -> str:
    return content.replies()["schedule"]["jobs"].get(job, job)


def summary_text(job: str, summary) -> str:
    if not isinstance(summary, dict):
        return ""
    return content.text(f"schedule.summaries.{job}", **summary)


def _shown(run: dict | None, zone: ZoneInfo | None) -> dict | None:
    """A run as the page shows it: its times in the job's timezone, its outcome in words."""
    if run is None:
        return None
    return dict(run, name=job_name(run["job"]), at=_local(run["started_at"] or run["queued_at"], zone),
                status_text=content.text(f"schedule.statuses.{run['status']}"),
                trigger_text=content.text(f"schedule.triggers.{run['trigger']}"),
                who=actor_text(run["actor"]) if run["actor"] else "",
                outcome=run["error"] if run["status"] == store.FAILED else summary_text(run["job"], run["summary"]))


def _local(stamp: str | None, zone: ZoneInfo | None) -> str:
    if not stamp:
        return ""
    moment = datetime.fromisoformat(stamp)
    return (moment.astimezone(zone) if zone else moment).strftime("%Y-%m-%d %H:%M")
