"""The periodic jobs: one table, run once per period by however many workers, every run recorded.

"Now" is passed to the tick, never waited for. Runs queued by a tick are run
here as RQ runs them (the queued job performed), or by a real worker process.
"""
from __future__ import annotations

import sqlite3
import subprocess
import sys
import threading
from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from rq import Queue

from bot import scheduler
from bot.config import PROJECT_ROOT, load_config
from bot.periodic import declared_jobs, periodic
from bot.outbound import QUEUE_NAME
from storage import schedule as runs
from storage.database import open_database
from storage.members import insert_member
from storage.sqlite import transaction
from storage.state import connect_redis
from tests.admin_data import add_units, add_users
from tests.cli import command
from tests.notices import queued_notices
from tests.test_admin import csrf, log_in, page, post

SHANGHAI = ZoneInfo("Asia/Shanghai")
run_cli, run_json = command("remind")


@pytest.fixture
def config(env, monkeypatch):
    """In `env` for worker processes, and in os.environ for the runs this process does."""
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    return load_config(env)


def shanghai(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=SHANGHAI)


def add_member_due_a_reminder(db, openid="o_zhang"):
    """Paid through the end of 2030: from 1 December 2030 the dues reminder is due."""
    with transaction(db):
        insert_member(db, {"member_no": "HNKX203000001", "name": "张三", "category": "regular",
                           "paid_through": "2030-12-31", "openid": openid}, actor="test")


def queued_run_jobs(r):
    return [job for job in Queue(QUEUE_NAME, connection=r).jobs if job.func is scheduler.run_scheduled]


def queued_runs(r) -> list[int]:
    return [job.args[0] for job in queued_run_jobs(r)]


def run_queued_runs(r) -> None:
    """Perform the queued runs as a worker would (the notices they queue stay queued)."""
    for job in queued_run_jobs(r):
        job.perform()
        Queue(QUEUE_NAME, connection=r).remove(job)


def runs_of(db, job: str) -> list[dict]:
    return list(reversed(runs.runs_of(db, job, 100)))


def first_tick(db, r, now=shanghai("2030-12-02 08:59")) -> None:
    """Every job's first tick: it starts with its next period."""
    assert scheduler.tick(db, r, now) == []


# --- one table ---------------------------------------------------------------------------------------

def test_every_job_of_the_table_has_one_function_and_every_function_a_line():
    assert set(scheduler.functions()) == set(scheduler.table())


def test_a_job_declared_twice_is_refused():
    name = next(iter(scheduler.functions()))
    with pytest.raises(ValueError, match="twice"):
        periodic(name)(lambda run: None)


def test_the_table_says_beijing_time_unless_a_job_names_another():
    assert {entry.zone.key for entry in scheduler.table().values()} == {"Asia/Shanghai"}


# --- once per period ---------------------------------------------------------------------------------

def test_a_new_job_waits_for_its_next_period_instead_of_running_when_a_worker_starts(config, db, redis_client):
    add_member_due_a_reminder(db)
    first_tick(db, redis_client, shanghai("2030-12-01 10:00"))
    assert queued_runs(redis_client) == [] and queued_notices(redis_client) == []
    assert [run["status"] for run in runs_of(db, "dues_reminders")] == ["skipped"]
    evening = scheduler.tick(db, redis_client, shanghai("2030-12-01 23:59"))
    assert [runs.find_run(db, run_id)["job"] for run_id in evening] == ["event_reminders"]  # hourly till 20:00
    queued = scheduler.tick(db, redis_client, shanghai("2030-12-02 09:00"))
    assert sorted(runs.find_run(db, run_id)["job"] for run_id in queued) == [
        "dues_reminders", "event_reminders", "expire_postings", "news_pictures", "nightly_backup",
        "province_previews"]  # 9:00, 9:00, 0:05, 3:30, 3:00, 8:00


def test_workers_ticking_the_same_period_queue_the_run_once(config, db, redis_client):
    add_member_due_a_reminder(db)
    first_tick(db, redis_client)
    now, workers = shanghai("2030-12-02 09:00:20"), 6
    start, queued = threading.Barrier(workers), []

    def worker():
        own_db, own_redis = open_database(config.sqlite_path), connect_redis(config)
        start.wait()
        queued.extend(scheduler.tick(own_db, own_redis, now))
        own_db.close()

    threads = [threading.Thread(target=worker) for _ in range(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    due_at_nine = {"dues_reminders", "event_reminders"}  # 9:00 daily, and every hour 8:00-20:00
    assert sorted(runs.find_run(db, run_id)["job"] for run_id in queued) == sorted(due_at_nine)
    assert sorted(queued_runs(redis_client)) == sorted(queued)

    run_queued_runs(redis_client)
    dues = runs_of(db, "dues_reminders")[-1]
    assert (dues["period"], dues["trigger"], dues["status"]) == ("2030-12-02T09:00:00+08:00", "schedule", "succeeded")
    assert dues["summary"]["queued"] == 1
    assert [n["openid"] for n in queued_notices(redis_client)] == ["o_zhang"]
    assert scheduler.tick(db, redis_client, now + timedelta(minutes=20)) == []


def test_a_period_redis_forgot_is_not_run_again(config, db, redis_client):
    first_tick(db, redis_client)
    now = shanghai("2030-12-02 09:00")
    assert len(scheduler.tick(db, redis_client, now)) == 2
    redis_client.flushdb()  # Redis restarted empty: the claims are gone, the runs in SQLite are not
    assert scheduler.tick(db, redis_client, now) == []


def test_a_period_the_store_was_too_busy_to_record_is_claimed_again_at_the_next_tick(config, db, redis_client,
                                                                                    monkeypatch):
    first_tick(db, redis_client)
    nine = shanghai("2030-12-02 09:00")
    with monkeypatch.context() as patch:
        def busy(*args, **kwargs):
            raise sqlite3.OperationalError("database is locked")

        patch.setattr(runs, "open_scheduled_run", busy)
        with pytest.raises(sqlite3.OperationalError):
            scheduler.tick(db, redis_client, nine)
    queued = scheduler.tick(db, redis_client, nine + timedelta(seconds=30))
    assert sorted(runs.find_run(db, run_id)["job"] for run_id in queued) == ["dues_reminders", "event_reminders"]


def test_a_period_missed_while_no_worker_ran_runs_once_when_one_comes_back(config, db, redis_client):
    first_tick(db, redis_client)
    # No worker from 08:59 until 11:40: 9:00, 10:00 and 11:00 were missed.
    back = shanghai("2030-12-02 11:40")
    queued = [runs.find_run(db, run_id) for run_id in scheduler.tick(db, redis_client, back)]
    assert sorted((run["job"], run["period"]) for run in queued) == [
        ("award_deadlines", "2030-12-02T09:30:00+08:00"),
        ("dues_reminders", "2030-12-02T09:00:00+08:00"),
        ("event_reminders", "2030-12-02T11:00:00+08:00"),
        ("job_alerts", "2030-12-02T10:00:00+08:00")]
    assert scheduler.tick(db, redis_client, back + timedelta(minutes=5)) == []


# --- outcomes ----------------------------------------------------------------------------------------

def test_a_failing_job_is_recorded_and_its_next_period_still_runs(config, db, redis_client, monkeypatch):
    first_tick(db, redis_client)

    def broken(run):
        raise RuntimeError("the awards table is missing")

    with monkeypatch.context() as patch:
        patch.setitem(declared_jobs, "award_deadlines", broken)
        scheduler.tick(db, redis_client, shanghai("2030-12-02 09:30"))
        run_queued_runs(redis_client)
    failed = runs_of(db, "award_deadlines")[-1]
    assert failed["status"] == "failed" and "the awards table is missing" in failed["error"]
    assert failed["finished_at"]

    scheduler.tick(db, redis_client, shanghai("2030-12-03 09:30"))
    run_queued_runs(redis_client)
    assert [run["status"] for run in runs_of(db, "award_deadlines")] == ["skipped", "failed", "succeeded"]


def test_a_run_whose_worker_died_is_marked_abandoned(config, db, redis_client):
    first_tick(db, redis_client)
    [dues, _] = scheduler.tick(db, redis_client, shanghai("2030-12-02 09:00"))
    redis_client.flushdb()  # the queued run is lost with its worker
    scheduler.tick(db, redis_client, shanghai("2030-12-02 09:30"))
    assert runs.find_run(db, dues)["status"] == "queued"  # it may still be running
    scheduler.tick(db, redis_client, shanghai("2030-12-02 09:41"))
    assert runs.find_run(db, dues)["status"] == "abandoned"


def test_a_real_worker_process_runs_what_came_due(config, env, db, redis_client):
    add_member_due_a_reminder(db)
    first_tick(db, redis_client)
    scheduler.tick(db, redis_client, shanghai("2030-12-02 09:00"))
    subprocess.run([sys.executable, "-m", "bot", "worker", "--burst"], env=env, cwd=PROJECT_ROOT, check=True,
                   capture_output=True, timeout=120)
    [skipped, ran] = runs_of(db, "dues_reminders")
    assert (skipped["status"], ran["status"], ran["summary"]["queued"]) == ("skipped", "succeeded", 1)


# --- what the secretariat sees ----------------------------------------------------------------------

def test_an_eight_oclock_beijing_job_is_next_due_at_eight_beijing_time():
    entry = scheduler.Entry("x", "0 8 * * *", SHANGHAI)
    before = datetime(2030, 12, 1, 23, 30, tzinfo=timezone.utc)  # 07:30 on 2 December in Beijing
    assert entry.next_after(before) == shanghai("2030-12-02 08:00")
    assert entry.next_after(before).astimezone(timezone.utc) == datetime(2030, 12, 2, 0, 0, tzinfo=timezone.utc)
    assert entry.latest_due(before) == shanghai("2030-12-01 08:00")
    assert entry.next_after(shanghai("2030-12-02 08:00")) == shanghai("2030-12-03 08:00")
    assert entry.latest_due(shanghai("2030-12-02 08:00")) == shanghai("2030-12-02 08:00")


def test_the_overview_shows_each_jobs_last_run_and_next_run(config, db, redis_client):
    first_tick(db, redis_client)
    scheduler.tick(db, redis_client, shanghai("2030-12-02 09:00"))
    run_queued_runs(redis_client)
    shown = {job["job"]: job for job in scheduler.overview(db, shanghai("2030-12-02 09:10"))}
    assert shown["dues_reminders"]["next_run"] == "2030-12-03T09:00:00+08:00"
    assert shown["dues_reminders"]["last_run"]["status"] == "succeeded"
    assert shown["nightly_backup"]["last_run"] is None  # skipped first periods are not shown as runs
    assert shown["nightly_backup"]["next_run"] == "2030-12-03T03:00:00+08:00"


# --- manual runs -------------------------------------------------------------------------------------

def test_the_command_runs_the_same_job_and_is_recorded(config, env, db, redis_client):
    add_member_due_a_reminder(db)
    out = run_json(env, "--today", "2030-12-01")
    assert out["queued"] == 1
    [manual] = runs_of(db, "dues_reminders")
    assert (manual["trigger"], manual["status"], manual["period"][:10]) == ("manual", "succeeded", "2030-12-01")
    assert manual["actor"]  # the system user who ran it
    assert manual["summary"] == {key: value for key, value in out.items() if key != "today"}
    # The schedule's run finds the reminder already queued by hand.
    first_tick(db, redis_client)
    scheduler.tick(db, redis_client, shanghai("2030-12-02 09:00"))
    run_queued_runs(redis_client)
    assert runs_of(db, "dues_reminders")[-1]["summary"]["already_sent"] == 1
    assert len(queued_notices(redis_client)) == 1


def test_a_failing_manual_run_is_recorded_and_reported(config, env, db, monkeypatch):
    def broken(run):
        raise RuntimeError("no dues schedule")

    monkeypatch.setitem(declared_jobs, "dues_reminders", broken)
    with pytest.raises(RuntimeError):
        scheduler.run_now(db, connect_redis(config), config, "dues_reminders", date(2030, 12, 1), actor="cli")
    [failed] = runs_of(db, "dues_reminders")
    assert (failed["trigger"], failed["status"], failed["actor"]) == ("manual", "failed", "cli")
    assert "no dues schedule" in failed["error"]


# --- the console -------------------------------------------------------------------------------------

@pytest.fixture
def staff(client, db, config):
    add_users(db, config, add_units(db)[0])
    assert log_in(client, "staff1").status_code == 302
    return client


def test_the_console_shows_last_run_outcome_and_next_run_in_beijing_time(config, staff, db, redis_client):
    add_member_due_a_reminder(db)
    first_tick(db, redis_client)
    scheduler.tick(db, redis_client, shanghai("2030-12-02 09:00"))
    run_queued_runs(redis_client)
    shown = page(staff.get("/admin/schedule/"))
    row = shown.split("会费提醒")[1].split("</tr>")[0]
    assert "成功" in row and "排队 1 条提醒" in row and "按时" in row
    beijing = datetime.now(SHANGHAI)
    nine = beijing.replace(hour=9, minute=0, second=0, microsecond=0)
    next_nine = nine if beijing < nine else nine + timedelta(days=1)
    assert next_nine.strftime("%Y-%m-%d 09:00") in row
    assert "数据库备份" in shown and "还没运行过" in shown.split("数据库备份")[1].split("</tr>")[0]


def test_the_console_button_runs_the_job_now_and_records_who(config, staff, db, redis_client):
    add_member_due_a_reminder(db)
    done = page(post(staff, "/admin/schedule/award_deadlines/run", follow_redirects=True))
    assert "“评奖截止提醒”已运行" in done
    [manual] = runs_of(db, "award_deadlines")
    assert (manual["trigger"], manual["status"]) == ("manual", "succeeded") and "staff1" in manual["actor"]
    assert "staff1" in done.split("最近的运行")[1]
    assert staff.post("/admin/schedule/no_such_job/run", data={"csrf_token": csrf(staff, "/admin/")}).status_code == 404


# --- the command line --------------------------------------------------------------------------------

def test_schedule_list_shows_the_runs_and_schedule_run_runs_one_now(config, env, db, redis_client):
    run_schedule, schedule_json = command("schedule")
    first_tick(db, redis_client)
    scheduler.tick(db, redis_client, shanghai("2030-12-02 09:00"))
    run_queued_runs(redis_client)
    listed = {job["job"]: job for job in schedule_json(env, "list")}
    assert listed["dues_reminders"]["last_run"]["status"] == "succeeded"
    assert listed["nightly_backup"]["last_run"] is None and listed["nightly_backup"]["next_run_text"].endswith("03:00")
    shown = run_schedule(env, "list").output
    assert "会费提醒：0 9 * * *（Asia/Shanghai）｜上次：2" in shown and "按时 成功" in shown
    assert "数据库备份：0 3 * * *（Asia/Shanghai）｜上次：还没运行过" in shown
    out = schedule_json(env, "run", "expire_postings", "--today", "2030-12-02")
    assert out == {"job": "expire_postings", "summary": {"count": 0, "postings": []}}
    assert runs_of(db, "expire_postings")[-1]["trigger"] == "manual"
    assert "下架过期职位 0 条" in run_schedule(env, "run", "expire_postings").output
    assert "no_such_job" in run_schedule(env, "run", "no_such_job", ok=False).output
