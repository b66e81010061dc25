"""`python -m bot doctor | menu show|publish | templates sync`: going live on a real account."""
from __future__ import annotations

import json

import click

from bot import content
from bot.commands.common import json_option, load_settings


def _client(config):
    from bot.platform.accounts import make_client
    from storage.state import connect_redis

    return make_client(config, connect_redis(config))


def _api_failure(error) -> click.ClickException:
    return click.ClickException(content.text("menu_cli.api_failed", error=f"{error.errcode} {error.errmsg}"))


# --- doctor --------------------------------------------------------------------------------------

@click.command()
@click.option("--json", "as_json", is_flag=True, help=content.text("doctor.help.json"))
def doctor(as_json: bool):
    """部署自检：密钥、微信接口、公网地址、Redis、数据库、后台进程、时区、磁盘、副本、菜单、模板。

    Exits 1 when any check fails, so monitoring can alert on it.
    """
    from bot.config import ConfigError, load_config, load_dotenv_file
    from bot.golive.doctor import config_failure, run_and_keep

    load_dotenv_file()
    try:
        config = load_config()
    except ConfigError as error:  # a malformed secret stops everything else: say which, and how to fix it
        result = config_failure(str(error))
    else:
        result = run_and_keep(config)
    checks = result["checks"]
    failed = [c for c in checks if not c["passed"]]
    if as_json:
        click.echo(json.dumps(result, ensure_ascii=False, indent=2))
    else:
        for c in checks:
            mark = "✓" if c["passed"] else "✗"
            verdict = content.text("doctor.passed" if c["passed"] else "doctor.failed")
            click.echo(f"{mark} {c['title']}：{verdict}。{c['detail']}")
            if c["fix"]:
                click.echo(f"    {content.text('doctor.fix_label')}：{c['fix']}")
        click.echo(content.text("doctor.summary_failed" if failed else "doctor.summary_ok",
                                failed=len(failed), total=len(checks)))
    if failed:
        raise SystemExit(1)


# --- menu ----------------------------------------------------------------------------------------

@click.group()
def menu():
    """公众号菜单：查看、检查并发布 content/menu.toml。"""


@menu.command()
@json_option
def show():
    """Print the menu currently on the account."""
    from bot.golive import menu as menus
    from bot.wechat_client import WeChatAPIError

    try:
        live = menus.live_menu(_client(load_settings()))
    except WeChatAPIError as error:
        raise _api_failure(error) from None
    return {"menu": live}, lambda d: click.echo(
        "\n".join(menus.describe(d["menu"])) if d["menu"] else content.text("menu_cli.none"))


@menu.command()
@click.option("--yes", is_flag=True, help=content.text("menu_cli.help.publish.yes"))
@json_option
def publish(yes: bool):
    """Check content/menu.toml against the platform's rules, show the difference, publish."""
    from bot.golive import menu as menus
    from bot.wechat_client import WeChatAPIError

    config = load_settings()
    source = content.menu()
    problems = menus.problems(source, config.public_base_url, menus.handled_click_keys())
    if problems:
        raise click.ClickException("\n".join([content.text("menu_cli.invalid"), *("  " + p for p in problems)]))
    wanted = menus.build(source, config.public_base_url, config.account)
    client = _client(config)
    try:
        live = menus.live_menu(client)
        if menus.same(live, wanted):
            return {"published": False, "same": True, "diff": []}, lambda d: click.echo(
                content.text("menu_cli.same"))
        changes = menus.diff(live, wanted)
        if not yes:
            click.echo(content.text("menu_cli.diff_heading"), err=True)
            click.echo("\n".join(changes), err=True)
            if not click.confirm(content.text("menu_cli.confirm"), err=True):
                raise click.ClickException(content.text("menu_cli.cancelled"))
        client.menu.create(wanted)
    except WeChatAPIError as error:
        raise _api_failure(error) from None
    return {"published": True, "same": False, "diff": changes}, lambda d: click.echo(
        content.text("menu_cli.published"))


# --- templates -----------------------------------------------------------------------------------

@click.group()
def templates():
    """通知模板：与公众号的模板匹配并记录模板 ID。"""


@templates.command()
@json_option
def sync():
    """Match each notice to one of the account's templates by its fields; record the ids."""
    from bot.golive import templates as tpl
    from bot.wechat_client import WeChatAPIError

    config = load_settings()
    try:
        account = tpl.account_templates(_client(config))
    except WeChatAPIError as error:
        raise _api_failure(error) from None
    notices = tpl.load(tpl.TEMPLATES_FILE)
    matches = tpl.match(notices, account)
    tpl.record(tpl.TEMPLATES_FILE, {m.kind: m.template_id for m in matches})
    data = {"matched": {m.kind: {"template_id": m.template_id, "title": m.title} for m in matches if m.template_id},
            "without": {m.kind: m.problems for m in matches if not m.template_id}}

    def human(d):
        for kind, found in d["matched"].items():
            click.echo(content.text("templates_cli.matched", kind=kind, **found))
        for kind, problems in d["without"].items():
            reasons = "；".join(content.text(f"templates_cli.problem.{p.split(':')[0]}", field=p.partition(':')[2])
                               for p in problems)
            click.echo(content.text("templates_cli.without", kind=kind, reasons=reasons))
        click.echo(content.text("templates_cli.done", count=len(d["matched"]), without=len(d["without"])))
    return data, human
