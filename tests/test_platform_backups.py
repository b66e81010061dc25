"""Per-society backup, restore and export through the `db` and `members` commands with --society: a
society's backup is its own file in its own folder, restoring one society puts back that society's
store alone (the other societies' stores, backups and the registry are untouched), and an export
holds that society's members only."""
from __future__ import annotations

import csv
import hashlib
import json
from pathlib import Path

from click.testing import CliRunner

from bot.cli import main
from storage import societies
from storage.database import open_database
from storage.members import insert_member
from storage.replication import replica_of
from storage.sqlite import transaction
from tests.test_platform import AGRI, CHEM, config, registry, two_societies  # noqa: F401

pytest_plugins = ["tests.fake_wechat"]


def run(env, *args):
    result = CliRunner().invoke(main, list(args), env=env, catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result


def add(registry, appid: str, member_no: str, name: str) -> None:
    db = societies.open_society_database(registry, appid)
    with transaction(db):
        insert_member(db, {"member_no": member_no, "openid": f"o_{member_no}", "name": name,
                           "category": "regular", "mobile": "13700001234"}, actor="test")
    db.close()


def names_in(path: Path) -> set[str]:
    with open_database(path, apply_migrations=False) as db:
        return {row["name"] for row in db.query("select name from members")}


def fingerprint(folder: Path) -> dict[str, str]:
    """Every file under a folder and its content's hash (the folder as it is on disk)."""
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def test_restoring_one_society_leaves_the_others_untouched(two_societies, env, tmp_path):
    store = {appid: Path(societies.find_society_by_appid(two_societies, appid)["database_path"])
             for appid in (CHEM, AGRI)}
    add(two_societies, CHEM, "HX001", "王芳")
    add(two_societies, AGRI, "NX001", "李强")
    chem_backup = Path(json.loads(run(env, "--society", CHEM, "db", "backup", "--json").stdout)["backup"])
    agri_backup = Path(json.loads(run(env, "--society", AGRI, "db", "backup", "--json").stdout)["backup"])
    assert chem_backup.parent == store[CHEM].parent / "backups"
    add(two_societies, CHEM, "HX002", "误导入的会员")  # the mistake the chemists undo
    add(two_societies, AGRI, "NX002", "赵敏")  # the agronomists' own work meanwhile
    for path in store.values():  # the stores at rest (no process holds them), as a restore asks
        with open_database(path, apply_migrations=False) as db:
            db.execute("pragma wal_checkpoint(truncate)")
    others_before = fingerprint(store[AGRI].parent)
    # the replicas Litestream keeps beside: the deployment's (the root) and the other society's
    replica_root = Path(env["BOT_DATA_DIR"]).resolve().parent / "data-replica"
    for folder in (replica_root, replica_of(replica_root, AGRI)):
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "generations").write_text("litestream's files")
    replicas_before = fingerprint(replica_root)
    registry_before = hashlib.sha256(societies.registry_path(env["BOT_DATA_DIR"]).read_bytes()).hexdigest()

    restored = run(env, "--society", CHEM, "db", "restore", "--from-backup", str(chem_backup), "--yes", "--json")
    summary = json.loads(restored.stdout)
    assert summary["counts"]["members"] == 1
    assert names_in(store[CHEM]) == {"王芳"}
    assert Path(summary["set_aside"]).parent == store[CHEM].parent  # the replaced store kept beside it
    assert names_in(Path(summary["set_aside"]) / "bot.sqlite3") == {"王芳", "误导入的会员"}
    assert fingerprint(store[AGRI].parent) == others_before  # byte for byte
    assert fingerprint(replica_root) == replicas_before  # no one else's replica set aside
    assert names_in(store[AGRI]) == {"李强", "赵敏"}
    assert hashlib.sha256(societies.registry_path(env["BOT_DATA_DIR"]).read_bytes()).hexdigest() == registry_before

    # another society's backup (or a society's, to the single account) is refused, nothing replaced
    for who in (["--society", CHEM], []):
        refused = CliRunner().invoke(main, [*who, "db", "restore", "--from-backup", str(agri_backup), "--yes"],
                                     env=env)
        assert refused.exit_code == 1 and "是另一份数据" in refused.output and "Traceback" not in refused.output
    assert names_in(store[CHEM]) == {"王芳"}

    # the export is the society's own roster
    exported = tmp_path / "agri.csv"
    run(env, "--society", AGRI, "members", "export", str(exported))
    with exported.open(encoding="utf-8-sig") as f:
        text = f.read()
    assert "李强" in text and "赵敏" in text and "王芳" not in text
    assert len(list(csv.reader(text.splitlines()))) == 3  # the header and its two members
