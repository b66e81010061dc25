"""`python -m bot schedule list|run JOB`: the periodic jobs of content/schedule.toml.

The delivery workers run them by themselves (bot/scheduler.py). `list` shows each
job's timetable, last run with its outcome, and next run, as the console's 定时任务
page does; `run` runs one now, recorded as a manual run like `remind` or `jobs
alerts send` (which run one job each). Chinese output from content/replies/schedule.toml.
"""
from __future__ import annotations

from datetime import datetime, timezone

import click

from bot import content, scheduler
from bot.commands.common import json_option, open_store, run_periodic_job
from bot.commands.records import day, today_option


def _text(key: str, **fields) -> str:
    return content.text(f"schedule.cli.{key}", **fields)


@click.group()
def schedule():
    """定时任务：后台发送进程按 content/schedule.toml 的时间自动运行的任务。"""


@schedule.command(name="list")
@json_option
def list_jobs():
    """每个任务的时间、上次运行的时间和结果、下次运行的时间。"""
    jobs = scheduler.overview(open_store(), datetime.now(timezone.utc))

    def human(d):
        for job in d:
            last = job["last_run"]
            click.echo(_text("line", **job, last=_text("last", **last) if last else _text("never")))

    return jobs, human


@schedule.command()
@click.argument("job", type=click.Choice(sorted(scheduler.table())))
@today_option
@json_option
def run(job, today):
    """立即运行一个任务（记为手动运行）。"""
    summary = run_periodic_job(job, day(today))
    data = {"job": job, "summary": summary}
    return data, lambda d: click.echo(_text("ran", title=scheduler.job_title(job),
                                           summary=scheduler.summary_text(job, d["summary"])))
