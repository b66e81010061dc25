"""`python -m bot province ...`: the provincial association's commands.

Societies file their year's plans (备案), the province reviews them, exports the annual guide,
sends previews and province-wide notices, and computes, grades and exports the evaluation.
Thin: the rules are handlers/province's, the records storage/province.py's. Past one machine every
command covers every host's societies (handlers/province/hosts.py), run from the province's host.
"""
from __future__ import annotations

from dataclasses import asdict
from datetime import date
from pathlib import Path

import click

from bot.commands.common import help_texts, json_option, load_settings, new_password
from bot.content import text
from bot.platform.shards import HostsUnavailable
from handlers.province import evaluation, filing, sending
from handlers.province.common import SettingsRefused, registry, say
from handlers.province.guide import compile_province_guide, export
from handlers.province.hosts import set_society
from storage import province as store
from storage.societies import UnknownSociety
from storage.state import connect_redis

ACTOR = "province-cli"
_help = help_texts("province")


def _year(year: int | None) -> int:
    return year or date.today().year


def _refused(error: store.FilingRefused) -> click.ClickException:
    return click.ClickException(say(f"refused.{error.reason}", **error.facts))


def _redis(settings):
    """Redis when another host may be asked (or something is queued); one host asks nobody."""
    return connect_redis(settings) if settings.shard else None


class _ProvinceGroup(click.Group):
    """A host that does not answer is said in one line, not a traceback."""

    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except HostsUnavailable as error:
            raise click.ClickException(say("refused.hosts_unavailable", hosts="、".join(error.hosts))) from None
        except SettingsRefused as error:
            raise click.ClickException(say(f"refused.{error.reason}", **error.facts)) from None


@click.group(cls=_ProvinceGroup)
def province():
    """省科协：活动备案与审核、年度活动指南、活动预告、全省通知、学会评估。"""


@province.command("file")
@click.argument("appid")
@click.option("--year", type=int, help=_help("file.year"))
@click.option("--by", "actor", default=ACTOR, show_default=True, help=_help("file.by"))
@json_option
def file_plans(appid, year, actor):
    """学会把本年度的活动计划（已导入的活动）报省科协备案；改过的活动重新待审。"""
    settings = load_settings()
    try:
        outcomes = filing.file_plans(settings, _redis(settings), appid, _year(year), actor)
    except UnknownSociety:
        raise click.ClickException(say("refused.no_society", appid=appid)) from None
    return dict(outcomes), lambda data: click.echo(say("cli.filed", **data))


@province.command("filings")
@click.option("--status", type=click.Choice([store.FILED, store.APPROVED, store.RETURNED]),
              help=_help("filings.status"))
@click.option("--year", type=int, help=_help("filings.year"))
@click.option("--society", "appid", help=_help("filings.society"))
@json_option
def filings(status, year, appid):
    """列出备案的活动：编号、学会、时间、名称、审核状态。"""
    settings = load_settings()
    rows = [{key: value for key, value in row.items() if key != "history"}
            for row in filing.every_filing(settings, _redis(settings), status=status, year=year, appid=appid)]

    def human(rows):
        for row in rows:
            click.echo(say("cli.filing_line", status_text=say(f"status.{row['status']}"), **row))
        if not rows:
            click.echo(say("cli.no_filings"))
    return rows, human


@province.command("approve")
@click.argument("filing_ids", type=int, nargs=-1, required=True)
@click.option("--society", "appid", help=_help("approve.society"))
@click.option("--by", "actor", default=ACTOR, show_default=True, help=_help("approve.by"))
def approve(filing_ids, appid, actor):
    """审核通过备案（可一次写几个编号）。"""
    settings = load_settings()
    for filing_id in filing_ids:
        try:
            done = filing.review(settings, _redis(settings), filing_id, store.APPROVED, actor, appid=appid)
        except store.FilingRefused as error:
            raise _refused(error) from None
        click.echo(say("cli.approved", **done))


@province.command("return")
@click.argument("filing_id", type=int)
@click.option("--reason", required=True, help=_help("return.reason"))
@click.option("--society", "appid", help=_help("return.society"))
@click.option("--by", "actor", default=ACTOR, show_default=True, help=_help("return.by"))
def return_filing(filing_id, reason, appid, actor):
    """退回备案并写明原因；学会修改后重新备案。"""
    settings = load_settings()
    try:
        done = filing.review(settings, _redis(settings), filing_id, store.RETURNED, actor, reason, appid=appid)
    except store.FilingRefused as error:
        raise _refused(error) from None
    click.echo(say("cli.returned", **done))


@province.command("society")
@click.argument("appid")
@click.option("--discipline", help=_help("society.discipline"))
@click.option("--previews/--no-previews", default=None, help=_help("society.previews"))
def society_settings(appid, discipline, previews):
    """设置学会的学科、是否接收活动预告。"""
    changes = {}
    if discipline is not None:
        changes["discipline"] = discipline.strip()
    if previews is not None:
        changes["preview_opt_in"] = int(previews)
    settings = load_settings()
    row = set_society(settings, _redis(settings), appid, changes, ACTOR)
    if row is None:
        raise click.ClickException(say("refused.no_society", appid=appid))
    click.echo(say("cli.society", appid=appid, discipline=row.get("discipline") or say("cli.blank"),
                   previews=say("cli.yes" if row.get("preview_opt_in") else "cli.no")))


@province.command("guide")
@click.option("--year", type=int, help=_help("guide.year"))
@click.option("--out", "out", type=click.Path(dir_okay=False, path_type=Path), required=True,
              help=_help("guide.out"))
def guide(year, out):
    """导出年度活动指南（只含审核通过的备案），按月份、学科编排。"""
    if out.suffix.lower() not in (".xlsx", ".docx"):
        raise click.ClickException(say("cli.guide_format", file=out.name))
    settings = load_settings()
    compiled = compile_province_guide(settings, _redis(settings), _year(year))
    export(compiled, out)
    click.echo(say("cli.guide_written", file=out, count=compiled.count, societies=compiled.societies))


@province.command("evaluate")
@click.option("--year", type=int, help=_help("evaluate.year"))
@click.option("--out", "out", type=click.Path(dir_okay=False, path_type=Path),
              help=_help("evaluate.out"))
@click.option("--save", is_flag=True, help=_help("evaluate.save"))
@json_option
def evaluate(year, out, save):
    """计算各学会的评估指标、得分和等次（权重在 content/province.toml）。"""
    year = _year(year)
    if out and out.suffix.lower() != ".xlsx":
        raise click.ClickException(say("cli.evaluation_format", file=out.name))
    settings = load_settings()
    results = evaluation.evaluate(settings, _redis(settings), year)
    with registry(settings) as opened:
        if save:
            store.save_evaluation(opened, year, [asdict(r) for r in results], ACTOR)
    if out:
        evaluation.export(results, year, out)
    data = [asdict(r) for r in results]

    def human(data):
        for row in data:
            click.echo(say("cli.evaluation_line", rank=row["rank"] or "-", **row))
        if out:
            click.echo(say("evaluation.written", file=out, count=len(data),
                           graded=sum(1 for r in data if r["rank"])))
        if save:
            click.echo(say("evaluation.saved", year=year))
    return data, human


@province.command("create-user")
@click.argument("username")
@click.option("--password-stdin", is_flag=True, help=_help("create_user.password_stdin"))
def create_user(username, password_stdin):
    """新建省科协工作人员的网页后台账号（只能看省科协的页面，不能进入任何学会的后台）。"""
    from bot.admin import accounts

    password = new_password(password_stdin)
    settings = load_settings()
    with registry(settings) as opened:
        try:
            user = accounts.create_province_user(opened, settings, username, password)
        except accounts.AccountError as error:
            raise click.ClickException(text(f"admin.accounts.{error.reason}", **error.facts)) from None
    click.echo(say("cli.user_created", username=user["username"]))


@province.command("preview")
@click.option("--on", "on", type=click.DateTime(["%Y-%m-%d"]), help=_help("preview.on"))
@json_option
def preview(on):
    """把即将开始、已审核通过的活动预告发给接收预告的学会会员（每天运行一次即可，不会重复发送）。"""
    settings = load_settings()
    day = on.date() if on else date.today()
    queued = sending.send_previews(settings, connect_redis(settings), day)

    def human(queued):
        for row in queued:
            click.echo(say("cli.preview_line", **row))
        click.echo(say("cli.previews", count=len(queued)))
    return queued, human


@province.command("notice")
@click.option("--topic", required=True, help=_help("notice.topic"))
@click.option("--title", required=True, help=_help("notice.title"))
@click.option("--summary", default="", help=_help("notice.summary"))
@click.option("--link", help=_help("notice.link"))
@click.option("--society", "appids", multiple=True, help=_help("notice.society"))
@click.option("--by", "actor", default=ACTOR, show_default=True, help=_help("notice.by"))
@json_option
def notice(topic, title, summary, link, appids, actor):
    """发布全省通知：按各学会自己的公众号和额度发给订阅了该栏目的会员，分学会记录。"""
    settings = load_settings()
    with registry(settings) as opened:
        try:
            created = sending.create_notice(opened, topic, title, summary, link, actor)
            sent = sending.send_notice(settings, connect_redis(settings), created, list(appids) or None)
        except sending.NoticeRefused as error:
            raise click.ClickException(say(f"refused.{error.reason}", **error.facts)) from None
    return {"notice_no": created["notice_no"], "societies": sent}, _print_notice


def _print_notice(data: dict) -> None:
    for row in data["societies"]:
        click.echo(say("cli.notice_line", **row))
    click.echo(say("cli.notice_done", notice_no=data["notice_no"], count=len(data["societies"])))


@province.command("notice-send")
@click.argument("notice_no")
@click.option("--society", "appids", multiple=True, help=_help("notice_send.society"))
@json_option
def notice_send(notice_no, appids):
    """把已发布的全省通知再发给更多学会（已发过的学会不会重复发送）。"""
    settings = load_settings()
    with registry(settings) as opened:
        found = store.find_notice(opened, notice_no)
        if found is None:
            raise click.ClickException(say("refused.no_notice", notice=notice_no))
        try:
            sent = sending.send_notice(settings, connect_redis(settings), found, list(appids) or None)
        except sending.NoticeRefused as error:
            raise click.ClickException(say(f"refused.{error.reason}", **error.facts)) from None
    return {"notice_no": found["notice_no"], "societies": sent}, _print_notice
