"""定时任务: each periodic job of content/schedule.toml with its last run, outcome and next run,
the latest runs, and a button that runs a job now (recorded as a manual run, like the commands).

A job's timetable is said in its own timezone (the one it is read in); the runs' times are all shown
in the society's timezone, 北京时间, and the page says so (bot.clock).
"""
from __future__ import annotations

import re

from flask import Blueprint, abort, current_app, redirect, url_for

from bot import clock, scheduler
from bot.admin.ui import actor, actor_text, config, db, now, redis_client, render, say_done, say_not_done, t
from storage.schedule import FAILED

bp = Blueprint("schedule", __name__, url_prefix="/schedule")
RECENT = 30  # runs listed under the table


@bp.get("/")
def index():
    jobs = [dict(job, last_run=_with_who(job["last_run"]), when=when_text(job["cron"], job["timezone"]))
            for job in scheduler.overview(db(), now())]
    recent = [_with_who(run) for run in scheduler.recent_runs(db(), RECENT)]
    return render("schedule.html", jobs=jobs, recent=recent, zone=zone_name(clock.zone().key))


@bp.post("/<job>/run")
def run(job: str):
    if job not in scheduler.table():
        abort(404)
    title = scheduler.job_title(job)
    try:
        summary = scheduler.run_now(db(), redis_client(), config(), job, actor=actor())
    except Exception:  # recorded with the run and logged; the secretariat is told what to do, not the error
        current_app.logger.exception("job %s run from the console failed", job)
        say_not_done(t("schedule.failed", job=title))
    else:
        say_done("schedule.ran", job=title, summary=scheduler.summary_text(job, summary))
    return redirect(url_for(".index"))


def _with_who(run: dict | None) -> dict | None:
    """A run with who started it; a failed one says what to do (its error, English, is in the log)."""
    if run is None:
        return None
    shown = dict(run, who=actor_text(run["actor"]) if run["actor"] else "")
    if run["status"] == FAILED:
        shown["outcome_text"] = t("schedule.failed_outcome")
    return shown


_NUMBER = r"[0-9]{1,2}"
WEEKDAYS = "日一二三四五六日"  # cron: 0 and 7 are Sunday


def when_text(cron: str, timezone: str) -> str | None:
    """A job's timetable as a secretary says it (每天 09:00（北京时间）) for the usual shapes: daily,
    hourly within a span of the day, weekly, monthly. None for another shape: the page shows the
    timetable as content/schedule.toml writes it."""
    fields = cron.split()
    if len(fields) != 5 or not re.fullmatch(_NUMBER, fields[0]) or fields[3] != "*":
        return None
    minute, hour, day, _, weekday = fields
    if re.fullmatch(_NUMBER, hour):
        clock = t("schedule.clock", time=f"{int(hour):02d}:{int(minute):02d}")
    elif (span := re.fullmatch(f"({_NUMBER})-({_NUMBER})", hour)):
        clock = t("schedule.hourly", first=f"{int(span[1]):02d}:{int(minute):02d}",
                  last=f"{int(span[2]):02d}:{int(minute):02d}")
    else:
        return None
    if day == "*" and weekday == "*":
        days = t("schedule.daily")
    elif day == "*" and re.fullmatch("[0-7]", weekday):
        days = t("schedule.weekly", weekday=WEEKDAYS[int(weekday)])
    elif re.fullmatch(_NUMBER, day) and weekday == "*":
        days = t("schedule.monthly", day=int(day))
    else:
        return None
    return t("schedule.when_text", days=days, clock=clock, zone=zone_name(timezone))


def zone_name(timezone: str) -> str:
    """China's timezone as a secretary calls it (北京时间); another by its name."""
    return t("schedule.beijing") if timezone in ("Asia/Shanghai", "Asia/Chongqing", "PRC") else timezone
