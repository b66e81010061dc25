"""`python -m bot jobs add|import|list|show|close|expire|reindex|alerts send`: the job board (就业交流平台).

Postings come from the secretariat (`add`, with options or answering prompts,
each answer checked as it is typed) or from the sheets units send in
(`import`, checked row by row by bot/sheet_import.py with the columns of
content/jobs.toml; nothing is written while a row has a problem, unless
--skip-bad-rows). Both go through the same checks (handlers/jobs/postings.py), and a
posting is the same posting when employer, title and city are, so importing a
sheet again only updates. `expire` and `alerts send` run by hand the periodic
jobs `expire_postings` and `job_alerts` (content/schedule.toml); both are safe
at any time. `reindex` indexes the open postings again with the current segmentation
(after an upgrade that changed it, or an edited content/userdict.txt).
Chinese output from content/replies/jobs_cli.toml.
"""
from __future__ import annotations

from datetime import date

import click

from bot import content
from handlers.jobs import postings as job_postings
from bot.commands.common import help_texts, json_option, open_store, run_periodic_job
from bot.commands.members import NotDone
from bot.commands.records import day, import_command, today_option
from bot.validation import Invalid
from storage import jobs as store

_help = help_texts("jobs_cli")

# `jobs add` options: field -> flag (the others are --<field>)
FLAGS = {"how_to_apply": "--apply", "posted_on": "--posted", "expires_on": "--expires"}


def _text(key: str, **fields) -> str:
    return content.text(f"jobs_cli.{key}", **fields)


@click.group()
def jobs():
    """招聘信息（就业交流平台）：发布、导入、查看、关闭、下线过期职位、招聘提醒。"""


# --- add and import --------------------------------------------------------------------

import_command(jobs, job_postings.SHEET, job_postings.save_plan, _text("what"))


def _checked(field: str):
    """A click callback: the value cleaned as an import cleans its cell; a bad one is asked again."""
    def callback(ctx, param, value):
        if value is None:
            return None
        try:
            return job_postings.CLEANERS[field](value, date.today().year)
        except Invalid as bad:
            raise click.BadParameter(content.text(f"sheet_import.problems.{bad.reason}")) from None
    return callback


def _field_options(command):
    """An option per column of content/jobs.toml; the required ones are asked for when not given."""
    for field, column in reversed(job_postings.columns().items()):
        command = click.option(FLAGS.get(field, f"--{field.replace('_', '-')}"), field, callback=_checked(field),
                               prompt=column["label"] if column.get("required") else None,
                               help=column["label"])(command)
    return command


@jobs.command()
@_field_options
@json_option
def add(**fields):
    """发布一条招聘信息；必填项没给的会逐项询问。同一单位、职位和城市的视为同一条，更新之。"""
    given = {field: value for field, value in fields.items() if value is not None}
    problems = job_postings.check(given)
    if problems:
        raise NotDone("；".join(content.text(f"sheet_import.problems.{reason}", **facts)
                               for _, reason, facts in problems))
    [(posting, outcome)] = job_postings.save(open_store(), [given], date.today())
    data = dict(posting, outcome=outcome)
    return data, lambda d: click.echo(_text("added", **dict(_words(d), outcome=_text(f"outcomes.{d['outcome']}"))))


# --- list, show, close, expire -----------------------------------------------------------

def _words(posting: dict) -> dict:
    """A posting's fields as the secretariat reads them."""
    none = _text("none")
    return dict({k: none if v is None else v for k, v in posting.items()},
                status=_text(f"statuses.{posting['status']}"), source=_text(f"sources.{posting['source']}"))


@jobs.command(name="list")
@click.option("--all", "everything", is_flag=True, help=_help("list.all"))
@click.option("--city", help=_help("list.city"))
@click.option("--discipline", help=_help("list.discipline"))
@click.option("--limit", type=int, default=100, show_default=True)
@today_option
@json_option
def list_jobs(everything, city, discipline, limit, today):
    """会员能看到的招聘信息（或 --all 全部），新的在前。"""
    rows = store.list_postings(open_store(), day(today).isoformat(), everything, city, discipline, limit)

    def human(d):
        for posting in d:
            click.echo(_text("list_line", **_words(posting)))
        click.echo(_text("list_total", count=len(d)) if d else _text("list_empty"))

    return rows, human


@jobs.command()
@click.argument("job_id", metavar="ID", type=int)
@json_option
def show(job_id):
    """一条招聘信息的全部内容。"""
    posting = store.find_posting(open_store(), job_id)
    if posting is None:
        raise NotDone(_text("no_posting", id=job_id))
    return posting, lambda d: click.echo(_text("show", **_words(d)))


@jobs.command()
@click.argument("job_id", metavar="ID", type=int)
@json_option
def close(job_id):
    """关闭一条招聘信息（已招满或撤回）：会员不再看到，也不再推送。"""
    db = open_store()
    before = store.close_posting(db, job_id)
    if before is None:
        raise NotDone(_text("no_posting", id=job_id))
    data = dict(store.find_posting(db, job_id), was=before["status"])
    return data, lambda d: click.echo(_text("already_closed" if d["was"] == store.CLOSED else "closed", **d))


@jobs.command()
@today_option
@json_option
def expire(today):
    """下架已过截止日期的招聘信息。"""
    gone = run_periodic_job("expire_postings", day(today))["postings"]

    def human(d):
        for posting in d:
            click.echo(_text("expired_line", **posting))
        click.echo(_text("expired", count=len(d)))

    return gone, human


@jobs.command()
@today_option
@json_option
def reindex(today):
    """重建招聘信息的搜索索引（升级后或修改 content/userdict.txt 分词词典后运行一次）。"""
    count = store.reindex_postings(open_store(), day(today).isoformat())
    return {"count": count}, lambda d: click.echo(_text("reindexed", **d))


# --- alerts ---------------------------------------------------------------------------

@jobs.group()
def alerts():
    """招聘提醒。"""


@alerts.command()
@today_option
@json_option
def send(today):
    """按会员订阅的条件，每人一条推送新招聘信息汇总（后台发送进程每天按时自动运行；这里是立即运行，不会重复推送）。"""
    data = run_periodic_job("job_alerts", day(today))
    return data, lambda d: click.echo(_text("alerts_sent", count=len(d["digests"]), **d))
