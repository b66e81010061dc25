"""The nightly backup: a copy of the store in DATA_DIR/backups/, only the newest few kept.

The workers make it as the periodic job `nightly_backup` (content/schedule.toml
says when, and how many to keep); `python -m bot db backup` makes one by hand
through the same function, anywhere but the project folder.
"""
from __future__ import annotations

from datetime import datetime
from pathlib import Path

from bot import content
from bot.config import Config
from bot.periodic import JobRun, periodic
from storage import backups
from storage.database import open_database


def make_backup(config: Config, target: Path | None = None, keep: int | None = None) -> dict:
    """Copy the store (safe while it is in use) to `target`, by default a new file in the backup
    folder; then keep only the newest `keep` there. -> {"backup", "bytes", "removed"}"""
    target = (target or config.backup_dir / f"bot-{datetime.now():%Y%m%d-%H%M%S}.sqlite3").resolve()
    open_database(config.sqlite_path).close()  # a store that does not exist yet is created, as before
    size = backups.backup(config.sqlite_path, target)
    removed = backups.prune(config.backup_dir, keep) if keep else []
    return {"backup": str(target), "bytes": size, "removed": removed}


@periodic("nightly_backup")
def nightly_backup(run: JobRun) -> dict:
    return make_backup(run.config, keep=content.load_toml("schedule.toml")["jobs"]["nightly_backup"]["keep"])
