"""`python -m bot shards nginx-map`: the reverse proxy's AppID -> host map, from the shards' registries.

Past one machine (docs/platform.md, "Growing past one machine") each host keeps the societies the
province assigned to it: its registry and their SQLite files. The proxy in front sends every URL
that names an AppID (/wechat/<appid>, /platform/authorize/<appid>, /platform/authorized/<appid>,
the member pages /m/<appid>/...) to that society's host; deploy/nginx/xuehui-shards.conf includes
what this writes. Each shard is given as NAME=ADDRESS=SOURCE: SOURCE is the shard's data directory
(its registry is read) or the file `python -m bot societies list --json` wrote on that host.

`shards hosts` lists the hosts the province's work asks (each announced by its workers, BOT_SHARD);
`shards forget NAME` stops asking a host taken out of the deployment (its societies moved first).
"""
from __future__ import annotations

import json
import re
from pathlib import Path

import click

from bot.commands.common import json_option, load_settings
from bot.content import text
from bot.platform.shards import forget_host, known_hosts
from storage import societies
from storage.state import connect_redis

SHARD_NAME = re.compile(r"[a-z][a-z0-9_]{0,30}")


def _appids(source: Path) -> list[str]:
    if source.is_dir():
        registry = societies.open_registry(societies.registry_path(source))
        try:
            return [row["appid"] for row in societies.list_societies(registry)]
        finally:
            registry.close()
    return [row["appid"] for row in json.loads(source.read_text(encoding="utf-8"))]


def _shard(spec: str) -> tuple[str, str, Path]:
    name, _, rest = spec.partition("=")
    address, _, source = rest.rpartition("=")
    if not SHARD_NAME.fullmatch(name) or not address or not Path(source).exists():
        raise click.BadParameter(text("shards_cli.bad_shard", spec=spec))
    return name, address, Path(source)


def nginx_map(shards: list[tuple[str, str, list[str]]]) -> str:
    """nginx's upstreams (one a shard, and `xh_any` for what carries no AppID) and the map
    $xh_appid -> upstream; a society registered on two shards is refused."""
    owner: dict[str, str] = {}
    for name, _, appids in shards:
        for appid in appids:
            if owner.setdefault(appid, name) != name:
                raise click.ClickException(text("shards_cli.two_shards", appid=appid, first=owner[appid],
                                                second=name))
    lines = ["# Written by `python -m bot shards nginx-map` from the shards' registries: edits are overwritten.",
             f"# {len(owner)} societies on {len(shards)} shards."]
    for name, address, _ in shards:
        lines += [f"upstream xh_{name} {{", f"    server {address};", "    keepalive 32;", "}"]
    lines += ["upstream xh_any {", *(f"    server {address};" for _, address, _ in shards), "    keepalive 32;", "}",
              "map $uri $xh_appid {",
              "    \"~^/(?:wechat|platform/authorize|platform/authorized)/(?<appid>wx[0-9A-Za-z]{16})$\" $appid;",
              "    \"~^/m/(?<appid>wx[0-9A-Za-z]{16})(?:/|$)\" $appid;",
              "    default \"\";", "}",
              "map $xh_appid $xh_shard {", "    default \"\";"]
    lines += [f"    {appid} xh_{name};" for appid, name in sorted(owner.items())]
    lines.append("}")
    return "\n".join(lines) + "\n"


@click.group()
def shards():
    """多台主机：按 AppID 把学会分到各主机，生成反向代理（nginx）的分流表。"""


@shards.command("nginx-map")
@click.argument("shard_specs", metavar="NAME=ADDRESS=SOURCE", nargs=-1, required=True)
@click.option("--output", type=click.Path(dir_okay=False, path_type=Path), help=text("shards_cli.help.output"))
def nginx_map_command(shard_specs, output):
    """按各主机登记的学会生成 nginx 分流表（每个 AppID 指向它所在的主机）。"""
    tables = [(name, address, _appids(source)) for name, address, source in map(_shard, shard_specs)]
    written = nginx_map(tables)
    if output is None:
        click.echo(written, nl=False)
        return
    output.write_text(written, encoding="utf-8")
    click.echo(text("shards_cli.written", path=output, shards=len(tables),
                    societies=sum(len(appids) for _, _, appids in tables)))


@shards.command("hosts")
@json_option
def hosts_command():
    """列出省科协的汇总会询问的主机（各主机的后台任务进程启动后自动登记）和最近一次登记的时间。"""
    settings = load_settings()
    found = [{"host": name, "seen": seen} for name, seen in known_hosts(connect_redis(settings)).items()]

    def human(rows):
        for row in rows:
            click.echo(text("shards_cli.host_line", **row))
        if not rows:
            click.echo(text("shards_cli.no_hosts"))
    return found, human


@shards.command("forget")
@click.argument("name")
def forget_command(name):
    """不再询问这台主机（主机撤下、它的学会都已移走之后）。"""
    if not forget_host(connect_redis(load_settings()), name):
        raise click.ClickException(text("shards_cli.unknown_host", host=name))
    click.echo(text("shards_cli.forgotten", host=name))
