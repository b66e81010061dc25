"""`python -m bot db migrate|backup` as the secretariat runs them."""
import json
import sqlite3

from click.testing import CliRunner

from bot.cli import main
from storage.database import open_database
from storage.tickets import create_ticket
from storage.migrations import MIGRATIONS


def run(env, *args):
    result = CliRunner().invoke(main, list(args), env=env, catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.output


def test_migrate_applies_each_version_once(env):
    first = json.loads(run(env, "db", "migrate", "--json"))
    assert len(first["applied"]) == len(MIGRATIONS) and first["pending"] == []
    again = json.loads(run(env, "db", "migrate", "--json"))
    assert again["applied"] == []
    assert "最新" in run(env, "db", "migrate")


def test_backup_is_a_working_copy_taken_while_open(env, config, tmp_path):
    live = open_database(config.sqlite_path)
    ticket_no = create_ticket(live, "o_alice", "建议", "希望多办讲座")
    target = tmp_path / "backups" / "copy.sqlite3"
    out = json.loads(run(env, "db", "backup", str(target), "--json"))
    assert out["bytes"] > 0
    copy = sqlite3.connect(target)
    assert copy.execute("select ticket_no from tickets").fetchall() == [(ticket_no,)]


def test_an_unreachable_redis_is_one_clear_line(env):
    result = CliRunner().invoke(main, ["worker", "--burst"], env=dict(env, REDIS_URL="redis://127.0.0.1:1/0"))
    assert result.exit_code == 1
    assert "无法连接 Redis" in result.output and "Traceback" not in result.output


def test_processes_starting_together_on_a_new_store_all_come_up(tmp_path):
    """gunicorn workers and the CLI open a fresh store at once: one migrates, the rest wait."""
    import subprocess
    import sys

    from bot.config import PROJECT_ROOT

    path = tmp_path / "fresh.sqlite3"
    code = "import sys; from storage.database import open_database; open_database(sys.argv[1]).close()"
    procs = [subprocess.Popen([sys.executable, "-c", code, str(path)], cwd=PROJECT_ROOT,
                              stderr=subprocess.PIPE, text=True) for _ in range(6)]
    errors = [proc.communicate(timeout=60)[1] for proc in procs]
    assert [proc.returncode for proc in procs] == [0] * 6, errors
    versions = sqlite3.connect(path).execute("select count(*) from schema_migrations").fetchone()[0]
    assert versions == len(MIGRATIONS)
