"""`python -m bot db migrate|backup`: schema versions and online backups of the member store."""
from __future__ import annotations

import sqlite3
from pathlib import Path

import click

from bot.commands.common import json_option, load_settings
from storage.database import migrate as run_migrations
from storage.database import open_database
from storage.migrations import MIGRATIONS, pending_migrations


@click.group()
def db():
    """数据库：升级结构、在线备份 (schema migrations and backups)."""


@db.command()
@json_option
def migrate():
    """Apply pending schema migrations."""
    database = open_database(load_settings().sqlite_path, apply_migrations=False)
    applied = run_migrations(database)
    data = {"applied": applied, "version": len(MIGRATIONS), "pending": pending_migrations(database)}
    return data, lambda d: click.echo(
        f"已升级：{', '.join(d['applied'])}" if d["applied"] else f"数据库已是最新（版本 {d['version']}）")


@db.command()
@click.argument("target", type=click.Path(dir_okay=False, path_type=Path))
@json_option
def backup(target: Path):
    """Copy the live database to TARGET with SQLite's online backup (safe while serving)."""
    source = open_database(load_settings().sqlite_path)
    target.parent.mkdir(parents=True, exist_ok=True)
    destination = sqlite3.connect(str(target))
    with destination:
        source.conn.backup(destination)
    destination.close()
    data = {"backup": str(target), "bytes": target.stat().st_size}
    return data, lambda d: click.echo(f"已备份到 {d['backup']}（{d['bytes']} 字节）")
