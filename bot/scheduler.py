"""Periodic jobs: declared once in content/schedule.toml, run by the delivery workers, each period once.

A capability declares its job next to its rules (bot/periodic.py):

    @periodic("dues_reminders")
    def send_dues_reminders(run: JobRun) -> dict: ...

and content/schedule.toml says when it runs (a cron line in a timezone,
Asia/Shanghai by default). `handlers.register_periodic_jobs()` imports every
module that declares one, so the table and the functions can be checked against each other.

How a period runs once however many workers there are. Every worker's RQ
scheduler process calls `tick` (bot/workers.py), and so does every worker as
it starts. A tick takes, for each job, the latest period due by now (croniter
over the job's cron line, in its timezone) and claims it in Redis (SET NX per
job and period): the one worker that gets the claim writes the run's row in
SQLite and queues the run on the outbound queue, first in line; the others do
nothing. The row is unique per (job, period), so a claim Redis forgot (a
restarted Redis) still cannot run a period twice. Only the latest period is
ever considered: after all workers were down at 08:00 and 09:00, an hourly
job runs once when one comes back. A job that never ran before starts with
its next period (its first tick records the current one as skipped), so a new
deployment or a new job does not fire the moment a worker starts. With the
platform, each authorised society's store is ticked in its own namespace (its
Redis keys and its queue), so each society's jobs run once per period too.

Why not RQ's own CronScheduler (rq/cron.py): it keeps its timetable in the
memory of one process, so N processes enqueue N times; its cron lines are in
the machine's local time, not a timezone a society names; a period missed
while it was down is skipped, not caught up; and what it keeps of a run is the
RQ job, which expires. croniter (which RQ itself uses) does the time arithmetic.

Every run, scheduled or manual (`run_now`: the secretariat's commands and the
console's buttons), goes through `_execute` and is recorded with its outcome:
succeeded with the job's summary, failed with the error, or abandoned when
its worker died (still open JOB_TIMEOUT + ABANDON_GRACE after it was queued).
A failed run does not stop the next period.
"""
from __future__ import annotations

import logging
import sqlite3
import time
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import redis
from croniter import croniter

from bot import clock, content
from bot.config import Config, load_config
from bot.periodic import JobFunction, JobRun, declared_jobs
from bot.outbound import enqueue
from storage import schedule as store
from storage import state
from bot.platform.shards import queue_of
from storage.accounts import serving_account
from storage.database import open_database

log = logging.getLogger(__name__)

TICK_SECONDS = 30  # how often a worker's scheduler process looks at the table
JOB_TIMEOUT = timedelta(minutes=30)  # RQ stops a run that takes longer
ABANDON_GRACE = timedelta(minutes=10)  # past its timeout, a run still open lost its worker


def functions() -> dict[str, JobFunction]:
    """Every declared job, by name."""
    import handlers  # the capabilities' modules declare their jobs with bot.periodic, below this engine

    handlers.register_periodic_jobs()
    return dict(declared_jobs)


@dataclass(frozen=True)
class Entry:
    """One line of the table: a job and when it runs."""
    name: str
    cron: str
    zone: ZoneInfo

    def latest_due(self, now: datetime) -> datetime:
        """The period to run at `now`: the latest time on the job's timetable at or before it."""
        return croniter(self.cron, now.astimezone(self.zone) + timedelta(microseconds=1)).get_prev(datetime)

    def next_after(self, now: datetime) -> datetime:
        return croniter(self.cron, now.astimezone(self.zone)).get_next(datetime)


class ScheduleError(ValueError):
    """content/schedule.toml names a timezone or a cron line that cannot be read."""


def table() -> dict[str, Entry]:
    """content/schedule.toml, read and checked."""
    settings = content.load_toml("schedule.toml")
    entries = {}
    for name, job in settings["jobs"].items():
        try:
            zone = ZoneInfo(job["timezone"]) if "timezone" in job else clock.zone()
        except (ZoneInfoNotFoundError, ValueError):
            raise ScheduleError(f"content/schedule.toml [jobs.{name}]: unknown timezone {job['timezone']!r}") from None
        if not croniter.is_valid(job["cron"]):
            raise ScheduleError(f"content/schedule.toml [jobs.{name}]: cron {job['cron']!r} is not a cron line")
        entries[name] = Entry(name, job["cron"], zone)
    return entries


# --- the workers' side ----------------------------------------------------------------------------

def tick(db, r: redis.Redis, now: datetime, on_queue: str | None = None) -> list[int]:
    """Queue each job whose latest period has no run yet, once across all workers; returns the run ids.
    `on_queue`: a queue other than the account's (a host's own: its run row is in that host's store)."""
    store.abandon_runs_queued_before(db, _stamp(now - JOB_TIMEOUT - ABANDON_GRACE), _stamp(now))
    queued = []
    for entry in table().values():
        period = entry.latest_due(now)
        claim_seconds = int((entry.next_after(now) - now).total_seconds()) + 60
        if not state.claim_schedule_period(r, entry.name, _iso(period), claim_seconds):
            continue
        try:
            run_id = _open_run(db, entry, period, now)
        except sqlite3.Error:  # the store was busy: give the period back for the next tick, ours or another's
            state.release_schedule_period(r, entry.name, _iso(period))
            raise
        if run_id is None:
            continue
        try:
            enqueue(r, run_scheduled, run_id, at_front=True, timeout=int(JOB_TIMEOUT.total_seconds()), on_queue=on_queue)
        except redis.RedisError as error:
            store.finish_run(db, run_id, store.FAILED, _stamp(now), error=f"not queued: {error}")
            raise
        queued.append(run_id)
    return queued


def _open_run(db, entry: Entry, period: datetime, now: datetime) -> int | None:
    """The row of the job's run for `period`, or None when it is not to run."""
    last = store.last_scheduled_period(db, entry.name)
    if last is None:  # a new job starts with its next period
        store.open_scheduled_run(db, entry.name, _iso(period), _stamp(now), store.SKIPPED)
        return None
    if datetime.fromisoformat(last) >= period:  # run already (Redis forgot the claim), or the clock went back
        return None
    return store.open_scheduled_run(db, entry.name, _iso(period), _stamp(now))


def tick_every_society(config: Config, r: redis.Redis, now: datetime) -> dict[str | None, list[int]]:
    """A tick of the account's store and, with the platform, of every authorised society's, each in
    its namespace (its store, Redis keys and queue); the run ids queued, by AppID (None: the account's).
    On one of several hosts (BOT_SHARD) the deployment's own jobs go to the host's own queue: the
    shared queue "outbound" is every host's, and another host's worker would look for the run in its
    own store."""
    queued = {}
    for appid, society_config in _societies(config):
        with serving_account(appid):
            db = open_database(society_config.sqlite_path)
            try:
                own_host = queue_of(config.shard) if appid is None and config.shard else None
                queued[appid] = tick(db, r, now, on_queue=own_host)
            finally:
                db.close()
    return queued


def _societies(config: Config):
    yield None, config
    if config.platform:
        from bot.platform.accounts import account_config, authorized_appids

        for appid in authorized_appids(config):
            yield appid, account_config(config, appid)


class Ticker:
    """Calls tick_every_society at most every TICK_SECONDS; for a loop that comes round more often."""

    def __init__(self, config: Config):
        self.config, self.due = config, 0.0

    def __call__(self, r: redis.Redis) -> None:
        if time.monotonic() < self.due:
            return
        self.due = time.monotonic() + TICK_SECONDS
        try:
            tick_every_society(self.config, r, _now())
        except ScheduleError:
            log.exception("content/schedule.toml cannot be read; no periodic job runs until it is fixed")
        except sqlite3.Error:
            log.exception("the store cannot be reached; periodic jobs wait for the next tick")


def run_scheduled(run_id: int) -> str:
    """RQ job: one scheduled run; its outcome goes to its row, not to RQ (so RQ never runs it again)."""
    config = load_config()
    db = open_database(config.sqlite_path)
    try:
        run = store.find_run(db, run_id)
        if run is None or not store.start_run(db, run_id, _stamp(_now())):
            return "not queued"
        at = datetime.fromisoformat(run["period"])
        try:
            _execute(db, state.connect_redis(config), config, run_id, run["job"], at)
        except Exception:
            log.exception("periodic job %s (run %d) failed", run["job"], run_id)
        return store.find_run(db, run_id)["status"]
    finally:
        db.close()


# --- the secretariat's side ------------------------------------------------------------------------

def run_now(db, r: redis.Redis, config: Config, name: str, day: date | None = None, actor: str | None = None):
    """Run a job here and now (a command or a console button), recorded like a scheduled run.

    `day` runs it as of that day (at the present time of day, in the job's
    timezone). Returns the job's summary; a failure is recorded and raised.
    """
    entry, now = table()[name], _now()
    at = now.astimezone(entry.zone)
    if day is not None:
        at = datetime.combine(day, at.timetz())
    run_id = store.open_manual_run(db, name, _iso(at), _stamp(now), actor)
    store.start_run(db, run_id, _stamp(now))
    return _execute(db, r, config, run_id, name, at)


def _execute(db, r: redis.Redis, config: Config, run_id: int, name: str, at: datetime):
    function = functions().get(name)
    try:
        if function is None:
            raise LookupError(f"no function is declared for the periodic job {name!r}")
        summary = function(JobRun(db, r, config, at))
    except Exception as error:
        store.finish_run(db, run_id, store.FAILED, _stamp(_now()), error=f"{type(error).__name__}: {error}")
        raise
    store.finish_run(db, run_id, store.SUCCEEDED, _stamp(_now()), summary)
    return summary


# --- what the console and `schedule list` show ---------------------------------------------------

def overview(db, now: datetime) -> list[dict]:
    """Each job of the table: when it runs (in its timezone), its last run and outcome, its next run
    (the times in the society's zone)."""
    last = store.last_runs(db)
    jobs = []
    for entry in table().values():
        next_run = entry.next_after(now)
        jobs.append({"job": entry.name, "title": job_title(entry.name), "cron": entry.cron,
                     "timezone": entry.zone.key, "next_run": _iso(next_run),
                     "next_run_text": clock.shown(next_run.isoformat()),
                     "last_run": described(last.get(entry.name))})
    return jobs


def recent_runs(db, limit: int) -> list[dict]:
    """The latest runs of every job, newest first, described."""
    return [described(run) for run in store.recent_runs(db, limit)]


def described(run: dict | None) -> dict | None:
    """A run as the secretariat reads it: its time in the society's zone, its outcome in words."""
    if run is None:
        return None
    return dict(run, title=job_title(run["job"]),
                at_text=clock.shown(run["started_at"] or run["queued_at"]),
                status_text=content.text(f"schedule.statuses.{run['status']}"),
                trigger_text=content.text(f"schedule.triggers.{run['trigger']}"),
                outcome_text=run["error"] if run["status"] == store.FAILED else summary_text(run["job"], run["summary"]))


def job_title(job: str) -> str:
    return content.replies()["schedule"]["jobs"].get(job, job)


def summary_text(job: str, summary) -> str:
    """What a run did, in a line (content/replies/schedule.toml)."""
    return content.text(f"schedule.summaries.{job}", **summary) if isinstance(summary, dict) else ""


def _now() -> datetime:
    return datetime.now(timezone.utc)


def _iso(moment: datetime) -> str:
    """A period: the time on the job's timetable, in its timezone."""
    return moment.isoformat(timespec="seconds")


def _stamp(moment: datetime) -> str:
    """When something happened, in UTC so the stamps compare as text."""
    return moment.astimezone(timezone.utc).isoformat(timespec="seconds")
