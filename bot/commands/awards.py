"""`python -m bot awards add|list|import|remind`: open calls for awards, competitions and talent programmes.

`add` and `import` check a call the same way (handlers/awards/calls.SHEET), and a call
already stored (same number, or same name and deadline year) is updated, not
added twice. `remind` sends the deadline reminders to `talent` subscribers,
each member's due calls in one notice; every (call, member, stage) is claimed
before its notice is queued, so no run sends one twice. The workers run it every
day as the periodic job `award_deadlines` (content/schedule.toml).
"""
from __future__ import annotations

from datetime import date

import click

from handlers.awards import calls
from bot import content, sheet_import
from bot.commands.common import help_texts, json_option, open_store, run_periodic_job
from bot.commands.members import NotDone, actor_option
from bot.commands.records import day, import_command, list_printer, today_option
from storage import awards as store

_help = help_texts("awards_cli")


def _text(key: str, **fields) -> str:
    return content.text(f"awards_cli.{key}", **fields)


@click.group()
def awards():
    """评奖与人才项目：奖项、竞赛、青年人才托举等征集。"""


import_command(awards, calls.SHEET, calls.save_plan, content.text("awards_cli.what"))


@awards.command()
@click.option("--name", required=True, help=_help("add.name"))
@click.option("--deadline", required=True, help=_help("add.deadline"))
@click.option("--kind", help=_help("add.kind"))
@click.option("--eligibility", help=_help("add.eligibility"))
@click.option("--how", "how_to_apply", help=_help("add.how"))
@click.option("--link", help=_help("add.link"))
@click.option("--organiser", help=_help("add.organiser"))
@actor_option
@json_option
def add(actor, **values):
    """添加一个评奖/人才项目通知；同名、同截止年份的已有项目则更新。"""
    db, today = open_store(), date.today()
    fields, problems = sheet_import.clean_fields(calls.SHEET, values, today.year)
    if problems:
        labels = calls.columns()
        raise NotDone("\n".join(_text("add_problem", label=labels[key]["label"], value=shown,
                                      problem=sheet_import.problem_text(reason, **facts))
                                for key, shown, reason, facts in problems))
    outcome, number = calls.add_call(db, fields, _text("source_cli"), actor)
    data = dict(calls.summary(store.find_award(db, number), today), outcome=outcome)
    return data, lambda d: click.echo(_text(d["outcome"], **d))


@awards.command(name="list")
@click.option("--all", "everything", is_flag=True, help=_help("list.all"))
@json_option
def list_calls(everything):
    """仍在申报期的项目（或全部），截止日期近的在前。"""
    today = date.today()
    query = {"from": None if everything else today.isoformat(), "kind": None}
    rows = [calls.summary(call, today) for call in store.list_awards(open_store(), query, limit=10_000)]

    return rows, list_printer("awards_cli")


@awards.command()
@today_option
@json_option
def remind(today):
    """给订阅人才资讯的会员发截止提醒（提前天数见 content/awards.toml；不会重复发）。"""
    data = run_periodic_job("award_deadlines", day(today))
    return data, lambda d: click.echo(_text("reminded", **d))
