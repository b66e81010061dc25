"""`python -m bot db migrate|backup|restore|replicate`: schema versions, backups and the replica."""
from __future__ import annotations

import os
from pathlib import Path

import click

from bot import content
from bot.backups import make_backup
from bot.commands.common import help_texts, json_option, load_settings
from bot.config import PROJECT_ROOT
from bot.platform.accounts import open_platform_registry
from storage import backups, replication, societies
from storage.database import migrate as run_migrations
from storage.database import open_database
from storage.migrations import MIGRATIONS, pending_migrations

_help = help_texts("db_cli")


@click.group()
def db():
    """数据库：升级结构、备份、恢复、实时复制。"""


@db.command()
@json_option
def migrate():
    """升级数据库结构（应用尚未执行的迁移）。"""
    database = open_database(load_settings().sqlite_path, apply_migrations=False)
    applied = run_migrations(database)
    data = {"applied": applied, "version": len(MIGRATIONS), "pending": pending_migrations(database)}
    return data, lambda d: click.echo(
        content.text("db_cli.migrated", names=", ".join(d["applied"])) if d["applied"]
        else content.text("db_cli.up_to_date", version=d["version"]))


def _inside(path: Path, folder: Path) -> bool:
    return path == folder or folder in path.parents


@db.command()
@click.argument("target", required=False, type=click.Path(dir_okay=False, path_type=Path))
@click.option("--keep", type=click.IntRange(min=1), help=_help("backup.keep"))
@json_option
def backup(target: Path | None, keep: int | None):
    """备份数据库（服务运行中也可安全备份），默认存到 DATA_DIR/backups/。

    备份里有完整手机号：不能存到项目文件夹里（会被 git 收进去）。
    """
    config = load_settings()
    if target and _inside(target.resolve(), PROJECT_ROOT) and not _inside(target.resolve(), config.data_dir):
        raise click.ClickException(content.text("db_cli.backup_in_project", path=target.resolve(),
                                                default=config.backup_dir))
    return make_backup(config, target, keep), lambda d: click.echo(
        content.text("db_cli.backed_up", path=d["backup"], bytes=d["bytes"]))


@db.command()
@click.option("--from-backup", "source", type=click.Path(dir_okay=False, path_type=Path),
              help=_help("restore.from_backup"))
@click.option("--yes", is_flag=True, help=_help("restore.yes"))
@json_option
def restore(source: Path | None, yes: bool):
    """从实时复制的副本（默认）或备份文件恢复数据库。

    数据库还在时，服务不用停：恢复在原文件上进行，网站和后台任务随即读到恢复后的数据。
    原来的数据库另存一份保留，不会删除；已发出的编号不会再发第二次。
    """
    config = load_settings()
    where = str(source) if source else str(config.replica_path)
    if not yes and not click.confirm(content.text("db_cli.restore_confirm", source=where,
                                                  store=config.sqlite_path), err=True):
        raise click.ClickException(content.text("db_cli.restore_cancelled"))
    try:
        summary = backups.restore(config.sqlite_path, config.replica_path, source,
                                  config.restore_number_margin)
    except backups.RestoreRefused as refusal:
        raise click.ClickException(content.text(f"db_cli.refused.{refusal.code}",
                                                **{"replica": config.replica_path, **refusal.detail})) from None
    except RuntimeError as error:
        raise click.ClickException(content.text("db_cli.restore_failed", error=error)) from None

    def human(d):
        click.echo(content.text("db_cli.restored", source=d["source"], **d["counts"]))
        if d["set_aside"]:
            click.echo(content.text("db_cli.set_aside", path=d["set_aside"]))
        click.echo(content.text("db_cli.numbers_skipped" if d["margin"] else "db_cli.numbers_kept",
                                margin=d["margin"]))
        if not d["in_place"]:  # the file was replaced: the services were stopped for it
            click.echo(content.text("db_cli.restart_services"))
    return summary, human


@db.command()
def replicate():
    """在前台运行实时复制（Litestream；由 systemd 运行，serve 也会自行启动）。"""
    config = load_settings()
    open_database(config.sqlite_path).close()  # Litestream wants the store to exist, in WAL mode
    config.replica_path.mkdir(parents=True, exist_ok=True)
    replication.write_pidfile(config.data_dir)  # exec keeps the pid: `db restore` sees it running
    if config.platform:
        replication.supervise(config.sqlite_path, config.replica_path, config.replica_sync_ms,
                              lambda: _platform_stores(config), config.worker_society_check_seconds)
        return
    command = replication.replicate_command(config.sqlite_path, config.replica_path, config.replica_sync_ms)
    os.execv(command[0], command)


def _platform_stores(config) -> list[tuple[Path, Path]]:
    """The platform's registry and every registered society's store (whatever its status: a revoked
    society's data stays), each with its replica; a store not created yet is created first."""
    registry = open_platform_registry(config)
    try:
        stores = [(societies.registry_path(config.data_dir), replication.registry_replica(config.replica_root))]
        for society in societies.list_societies(registry):
            path = Path(society["database_path"])
            if path == config.sqlite_path:  # the deployment's own account: the single store, replicated already
                continue
            if not path.exists():
                societies.open_society_database(registry, society["appid"]).close()
            stores.append((path, replication.replica_of(config.replica_root, society["appid"])))
    finally:
        registry.close()
    return stores
