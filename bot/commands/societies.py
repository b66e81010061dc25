"""`python -m bot societies ...`: which societies' accounts this deployment serves (the registry).

Thin: the records are storage/societies.py's; authorising happens in WeChat (the link below).
"""
from __future__ import annotations

import click

from bot.commands.common import json_option, load_settings
from bot.content import text
from bot.platform.accounts import open_platform_registry, own_store
from bot.platform.moving import MoveRefused, move_society
from bot.platform.shards import HostsUnavailable
from storage import societies as store
from storage.state import connect_redis


def _registry():
    settings = load_settings()
    if not settings.platform:
        raise click.ClickException(text("platform_cli.not_platform"))
    return settings, open_platform_registry(settings)


@click.group()
def societies():
    """省级平台：登记学会的公众号、生成授权链接、查看授权状态、停止服务。"""


@societies.command("list")
@json_option
def list_():
    """列出平台上的学会：AppID、名称、授权状态、数据文件。"""
    _, registry = _registry()
    rows = store.list_societies(registry)
    registry.close()

    def human(rows):
        for row in rows:
            click.echo(text("platform_cli.line", status_text=text(f"platform_cli.status.{row['status']}"), **row))
        if not rows:
            click.echo(text("platform_cli.none"))
    return [{key: row[key] for key in ("appid", "name", "status", "database_path", "authorized_at")}
            for row in rows], human


@societies.command("register")
@click.argument("appid")
@click.argument("name")
def register(appid, name):
    """登记一个学会的公众号（AppID 和学会名称）；之后把授权链接发给学会的公众号管理员。"""
    settings, registry = _registry()
    try:
        row = store.register_society(registry, appid, name, database_path=own_store(settings, appid))
    except store.InvalidAppId:
        raise click.ClickException(text("platform_cli.bad_appid", appid=appid)) from None
    except ValueError:
        raise click.ClickException(text("platform_cli.no_name")) from None
    finally:
        registry.close()
    click.echo(text("platform_cli.registered", link=_link(settings, appid), **row))


@societies.command("link")
@click.argument("appid")
def link(appid):
    """学会公众号管理员打开的授权链接（每次打开都会向微信取新的预授权码）。"""
    settings, registry = _registry()
    found = store.find_society_by_appid(registry, appid)
    registry.close()
    if found is None:
        raise click.ClickException(text("platform.unknown_society", appid=appid))
    click.echo(_link(settings, appid))


@societies.command("revoke")
@click.argument("appid")
def revoke(appid):
    """停止为学会服务（学会在微信里取消授权时会自动处理）；学会的数据保留。"""
    _, registry = _registry()
    try:
        if store.find_society_by_appid(registry, appid) is None:
            raise click.ClickException(text("platform.unknown_society", appid=appid))
        changed = store.revoke_authorization(registry, appid)
    finally:
        registry.close()
    click.echo(text("platform_cli.revoked" if changed else "platform_cli.already_revoked", appid=appid))


@societies.command("move")
@click.argument("appid")
@click.option("--to", "to_host", required=True, help=text("platform_cli.move.help_to"))
@click.option("--proxy-command", help=text("platform_cli.move.help_proxy"))
@click.option("--drain-seconds", type=click.FloatRange(1, 600), default=60, show_default=True,
              help=text("platform_cli.move.help_drain"))
def move(appid, to_host, proxy_command, drain_seconds):
    """把学会搬到另一台主机：数据文件、备案等记录、授权都搬过去，队列里的任务由新主机接着做（多台主机时）。"""
    settings, registry = _registry()
    registry.close()
    try:
        done = move_society(settings, connect_redis(settings), appid, to_host, drain_seconds=drain_seconds,
                            proxy_command=proxy_command)
    except MoveRefused as refused:
        facts = dict(refused.facts)
        if "running" in facts:
            facts["running"] = "、".join(text(f"platform_cli.move.running.{part}") for part in facts["running"])
        raise click.ClickException(text(f"platform_cli.move.refused.{refused.reason}", **facts)) from None
    except HostsUnavailable as missing:
        raise click.ClickException(text("platform_cli.move.refused.hosts_unavailable",
                                        hosts="、".join(missing.hosts))) from None
    if done["held_seconds"] is None:  # an earlier move left undecided, settled now
        click.echo(text("platform_cli.move.finished", **done))
    else:
        click.echo(text("platform_cli.move.done", store_mb=round(done["store_bytes"] / 2**20, 1), **done))
    if done["set_aside"]:
        click.echo(text("platform_cli.move.set_aside", path=done["set_aside"]))
    proxy = done["proxy"]
    if proxy is None:
        click.echo(text("platform_cli.move.no_proxy"))
    elif proxy["exit"] == 0:
        click.echo(text("platform_cli.move.proxy_done", **proxy))
    else:
        click.echo(text("platform_cli.move.proxy_failed", to=to_host, **proxy))
    if not done["renumbered_everywhere"]:
        click.echo(text("platform_cli.move.not_renumbered"))


def _link(settings, appid: str) -> str:
    base = settings.public_base_url or "http://127.0.0.1:8000"
    return f"{base}/platform/authorize/{appid}"
