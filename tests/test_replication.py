"""Losing the machine loses nothing a member was told; restoring never hands a number out twice.

- The fault test: writers file applications, approve them, record payments and open tickets
  while Litestream replicates; every process is killed with SIGKILL, the data directory is
  deleted, `python -m bot db restore` rebuilds the store from the replica, and everything
  acknowledged more than a second before the loss is there, with the same numbers for the same
  people; numbers issued after the restore are none of those ever acknowledged.
- `db backup` writes under the data directory, never into the project folder.
- `db restore --from-backup` on a living machine: receipts, applications, tickets and member
  numbers issued after the backup are not issued again (the copy-back that reissued SJ…).
"""
from __future__ import annotations

import json
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from datetime import date
from pathlib import Path

from click.testing import CliRunner

from bot.cli import main
from bot.config import PROJECT_ROOT
from storage import replication
from storage.database import open_database
from handlers.members.records import approve_application
from storage.members import create_application
from handlers.fees.payments import record_payment
from storage.fees import find_payer
from storage.tickets import create_ticket

TRAFFIC = Path(__file__).with_name("replication_traffic.py")
AT_RISK_SECONDS = 1.0  # the target: writes acknowledged longer ago than this survive the loss


def run(env, *args, ok=True):
    result = CliRunner().invoke(main, list(args), env=env, catch_exceptions=False)
    assert (result.exit_code == 0) == ok, result.output
    return result


def issue_one_of_each(db, openid: str, mobile: str) -> dict[str, str]:
    """What a member is told: application, member, receipt and ticket numbers."""
    application = create_application(db, openid, "individual",
                                     {"name": "新会员", "category": "regular", "mobile": mobile})
    member = approve_application(db, application["app_no"], "test", date.today())["member"]
    payment = record_payment(db, find_payer(db, member["member_no"]), 100, 1, date.today(), "银行转账", "test")
    return {"application": application["app_no"], "member": member["member_no"],
            "payment": payment["receipt_no"], "ticket": create_ticket(db, openid, "建议", "多办讲座")}


def stored_numbers(path: Path) -> dict[str, dict[str, str]]:
    """kind -> number -> openid, as the restored store has them."""
    conn = sqlite3.connect(path)
    queries = {
        "application": "select app_no, openid from applications",
        "member": "select member_no, openid from members",
        "payment": "select p.receipt_no, m.openid from payments p join members m on m.id = p.member_id",
        "ticket": "select ticket_no, openid from tickets",
    }
    found = {kind: dict(conn.execute(sql).fetchall()) for kind, sql in queries.items()}
    conn.close()
    return found


def wait_for(condition, seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


class Writers:
    """Traffic writers in their own processes; collects each acknowledged number with its time."""

    def __init__(self, store: Path, count: int, pause: float = 0.0):
        self.acks: list[dict] = []
        self.procs = [subprocess.Popen([sys.executable, str(TRAFFIC), str(store), str(n), str(pause)], cwd=PROJECT_ROOT,
                                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
                      for n in range(1, count + 1)]
        self.threads = [threading.Thread(target=self._read, args=(p,), daemon=True) for p in self.procs]
        for thread in self.threads:
            thread.start()

    def _read(self, proc):
        for line in proc.stdout:
            self.acks.append(json.loads(line))

    def kill(self):
        for proc in self.procs:
            os.kill(proc.pid, signal.SIGKILL)
        for proc in self.procs:
            proc.wait(timeout=10)
        for thread in self.threads:
            thread.join(timeout=10)


def test_a_lost_machine_loses_no_write_acknowledged_a_second_before(env, tmp_path):
    data_dir, replica_dir = tmp_path / "data", tmp_path / "other-disk" / "replica"
    env = dict(env, BOT_REPLICA_DIR=str(replica_dir), BOT_REPLICA_SYNC_MS="200")
    store = data_dir / "bot.sqlite3"
    open_database(store).close()
    pid, started = replication.ensure_replication(store, replica_dir, 200)
    assert started
    wait_for(lambda: replication.has_replica(replica_dir), 20)  # replicating before the first member
    writers = Writers(store, 3, pause=0.02)  # busy, not a busy loop starving the replicator
    try:
        wait_for(lambda: len(writers.acks) >= 4, 20)
        time.sleep(3)  # a few seconds of traffic, writes acknowledged throughout
    finally:
        lost_at = time.time()
        writers.kill()
        os.kill(pid, signal.SIGKILL)  # every process, at once, as a power cut would
    acked = list(writers.acks)
    assert len(acked) >= 100, [p.stderr.read() for p in writers.procs]
    shutil.rmtree(data_dir)

    out = run(env, "db", "restore", "--yes").output
    assert "已从" in out and "跳过 1000 个" in out

    restored = stored_numbers(store)
    old_enough = [a for a in acked if a["at"] < lost_at - AT_RISK_SECONDS]
    missing = [a for a in old_enough if restored[a["kind"]].get(a["number"]) != a["openid"]]
    assert old_enough and not missing, [(a["kind"], a["number"], round(lost_at - a["at"], 3)) for a in missing]
    # Whatever the store has is what the member was told, nothing else under those numbers.
    told = {(a["kind"], a["number"]): a["openid"] for a in acked}
    for kind, rows in restored.items():
        for number, openid in rows.items():
            assert told.get((kind, number), openid) == openid

    # Business goes on: new numbers are none of the numbers ever acknowledged, lost or not.
    db = open_database(store)
    fresh = issue_one_of_each(db, "o_after_restore", "13900000000")
    db.close()
    ever = {(a["kind"], a["number"]) for a in acked}
    assert not [kind for kind, number in fresh.items() if (kind, number) in ever], fresh
    replication.stop_replication(data_dir)


def test_restoring_a_backup_on_a_living_machine_reissues_no_number(env, config, tmp_path):
    db = open_database(config.sqlite_path)
    issue_one_of_each(db, "o_before", "13800000001")
    backup = json.loads(run(env, "db", "backup", "--json").output)["backup"]
    after_backup = issue_one_of_each(db, "o_after", "13800000002")  # told to a member, not in the backup
    db.close()

    out = run(env, "db", "restore", "--from-backup", backup, "--yes").output
    assert "不会再次使用" in out and "跳过" not in out  # the live store said exactly what was issued
    set_aside = list(config.data_dir.glob("before-restore-*/bot.sqlite3"))
    assert len(set_aside) == 1  # the replaced store is kept

    db = open_database(config.sqlite_path)
    assert not db.execute("select 1 from applications where openid = 'o_after'").fetchall()
    again = issue_one_of_each(db, "o_someone_else", "13800000003")
    for kind, number in again.items():
        assert number != after_backup[kind], kind
        # the next one after the high-water mark: a gap of nothing more than what was lost
        assert number[-3:] > after_backup[kind][-3:], (kind, number, after_backup[kind])


def test_backups_go_under_the_data_directory_not_into_the_project(env, config):
    out = json.loads(run(env, "db", "backup", "--json").output)
    assert Path(out["backup"]).parent == config.data_dir / "backups"
    for _ in range(3):
        time.sleep(1.1)  # one file a second (the name has the time to the second)
        kept = json.loads(run(env, "db", "backup", "--keep", "2", "--json").output)
    left = sorted(p.name for p in (config.data_dir / "backups").iterdir())
    assert len(left) == 2 and Path(kept["backup"]).name in left and Path(out["backup"]).name not in left
    inside_project = PROJECT_ROOT / "bot-backup.sqlite3"
    refused = run(env, "db", "backup", str(inside_project), ok=False)
    assert "项目文件夹" in refused.output and not inside_project.exists()


def test_restore_says_what_is_wrong_instead_of_failing(env, config, tmp_path):
    out = run(env, "db", "restore", "--yes", ok=False).output
    assert "没有副本" in out and "Traceback" not in out
    junk = tmp_path / "notes.sqlite3"
    junk.write_text("这不是数据库")
    out = run(env, "db", "restore", "--from-backup", str(junk), "--yes", ok=False).output
    assert "不是完好的数据库" in out
    assert not config.sqlite_path.exists() or sqlite3.connect(config.sqlite_path).execute("select 1").fetchone()


def test_a_restore_goes_ahead_while_a_process_holds_the_store_and_it_reads_the_restored_data(env, config):
    """A web server or worker left running keeps the store open: the restore is done in place, so
    that process reads the restored data next, and what it writes goes into the restored store."""
    db = open_database(config.sqlite_path)
    issue_one_of_each(db, "o_before", "13800000001")
    backup = json.loads(run(env, "db", "backup", "--json").output)["backup"]
    issue_one_of_each(db, "o_after", "13800000002")  # undone by the restore
    db.close()
    holder = subprocess.Popen([sys.executable, "-c", HOLD_OPEN, str(config.sqlite_path)], cwd=PROJECT_ROOT,
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "open"

        def holder_sees() -> str:
            holder.stdin.write("look\n")
            holder.stdin.flush()
            return holder.stdout.readline().strip()
        assert holder_sees() == "o_after,o_before"
        out = run(env, "db", "restore", "--from-backup", backup, "--yes").output
        assert "已从" in out and "请重新启动服务" not in out  # nothing was stopped, nothing to start
        assert holder_sees() == "o_before"  # the same open connection, the restored data
        holder.stdin.write("write\n")
        holder.stdin.flush()
        assert holder.stdout.readline().strip() == "written"
    finally:
        holder.kill()
        holder.wait()
    with open_database(config.sqlite_path) as db:  # its write is in the restored store, not a file set aside
        assert [r["openid"] for r in db.query("select openid from applications order by openid")] == [
            "o_before", "o_holder"]


HOLD_OPEN = """
import sys
from storage.database import open_database
from storage.members import create_application
db = open_database(sys.argv[1])
db.execute("select count(*) from members").fetchone()
print("open", flush=True)
for line in sys.stdin:
    if line.strip() == "look":
        print(",".join(r[0] for r in db.execute("select openid from applications order by openid")), flush=True)
    else:
        create_application(db, "o_holder", "individual", {"name": "新会员", "category": "regular",
                                                           "mobile": "13800000009"})
        print("written", flush=True)
"""


def test_serve_replicates_while_it_runs_and_stops_replicating_with_it(env, tmp_path):
    """`make run` starts Litestream beside the private Redis and stops both on the way out."""
    from tests.test_webhook import free_port

    data_dir, replica_dir = tmp_path / "run" / "var", tmp_path / "run" / "var-replica"  # the default beside it
    serve_env = {**os.environ, **env, "BOT_DATA_DIR": str(data_dir)}
    serve_env.pop("REDIS_URL")  # its own private Redis, as make run has
    server = subprocess.Popen([sys.executable, "-m", "bot", "serve", "--port", str(free_port())], cwd=PROJECT_ROOT,
                              env=serve_env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        wait_for(lambda: replication.has_replica(replica_dir) or server.poll() is not None, 60)
        assert server.poll() is None, server.stdout.read()
        pid = replication.running_pid(data_dir)
        assert pid
    finally:
        server.terminate()
        output = server.communicate(timeout=60)[0]
    assert server.returncode == 0, output
    wait_for(lambda: not os.path.exists(f"/proc/{pid}") or "Z" in Path(f"/proc/{pid}/stat").read_text().split()[2], 10)
    assert replication.running_pid(data_dir) is None


def test_with_the_platform_every_society_store_is_replicated_and_restored_on_its_own(env, tmp_path):
    """`db replicate` on a platform host replicates the registry and each society's own store, a
    society registered while it runs too; `--society X db restore` brings back X's members only."""
    from storage import societies
    from storage.members import insert_member

    replica_root = tmp_path / "other-disk" / "replica"
    env = dict(env, BOT_REPLICA_DIR=str(replica_root), BOT_REPLICA_SYNC_MS="100", PLATFORM_WORKER_CHECK_SECONDS="0.5",
               WECHAT_COMPONENT_APP_ID="wxplatform00000001", WECHAT_COMPONENT_APP_SECRET="componentsecret",
               WECHAT_COMPONENT_TOKEN="platformtoken",
               WECHAT_COMPONENT_AES_KEY="Pl4tf0rmKeyPl4tf0rmKeyPl4tf0rmKeyPl4tf0rmKe")
    data_dir = Path(env["BOT_DATA_DIR"])
    chem, agri = "wxc4e0000000000001", "wxa910000000000002"
    registry = societies.open_registry(societies.registry_path(data_dir))
    societies.register_society(registry, chem, "河南省化学会", status=societies.AUTHORIZED)
    replicator = subprocess.Popen([sys.executable, "-m", "bot", "db", "replicate"], env=env, cwd=PROJECT_ROOT,
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        societies.register_society(registry, agri, "河南省农学会", status=societies.AUTHORIZED)  # while it runs
        for appid, member_no in ((chem, "HX001"), (agri, "NX001")):
            store = societies.open_society_database(registry, appid)
            insert_member(store, {"member_no": member_no, "openid": f"o_{member_no}", "name": "会员",
                                  "category": "regular"}, actor="test")
            store.close()
        for appid in (chem, agri):
            wait_for(lambda: replication.has_replica(replication.replica_of(replica_root, appid)), 30)
        wait_for(lambda: replication.has_replica(replication.registry_replica(replica_root)), 30)
        time.sleep(1)  # a few sync intervals: the members' rows are shipped
    finally:
        replicator.terminate()
        replicator.wait(timeout=30)
    assert replicator.returncode == 0

    lost = societies.find_society_by_appid(registry, agri)["database_path"]
    Path(lost).unlink()
    out = run(env, "--society", agri, "db", "restore", "--yes").output
    assert "已从" in out
    assert stored_numbers(Path(lost))["member"] == {"NX001": "o_NX001"}  # its own, not the chemists'
    registry.close()
