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
from storage.backups import processes_using
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


def test_a_society_is_restored_while_its_host_serves_it(env, fake_wechat, tmp_path):
    """The web process keeps the society's store open between messages (PLATFORM_IDLE_STORES): the
    restore goes ahead all the same, in place, and the next message is answered from the restored
    data by that same process, with nothing stopped or restarted."""
    from bot.platform.accounts import message_config
    from bot.simulator import build_message_xml, envelope, open_reply
    from tests.test_platform import NAMES, PLATFORM
    from tests.test_platform_shards import Shard
    import requests

    fake_wechat.enable_component(PLATFORM, "componentsecret")
    tokens = fake_wechat.authorize_accounts(NAMES)
    host = Shard(dict(env, OPENBLAS_NUM_THREADS="1"), "host", tmp_path)
    registry = societies.open_registry(societies.registry_path(host.config.data_dir))
    societies.record_authorization(registry, CHEM, tokens[CHEM], name=NAMES[CHEM])
    add(registry, CHEM, "HX001", "王芳")
    store = Path(societies.find_society_by_appid(registry, CHEM)["database_path"])
    wire = message_config(host.config)

    def my_details() -> str:
        query, body = envelope(wire, build_message_xml("o_HX001", "text", Content="我的资料"), True)
        answer = requests.post(f"{host.url}/wechat/{CHEM}", params=query, data=body.encode(),
                               headers={"Content-Type": "text/xml"}, timeout=30)
        assert answer.status_code == 200
        return open_reply(wire, answer.text, True)["content"]

    host.start_web()
    try:
        assert "王芳" in my_details()  # the web process holds the society's store open from now on
        saved = json.loads(run(host.env, "--society", CHEM, "db", "backup", "--json").stdout)["backup"]
        with open_database(store, apply_migrations=False) as db:  # the mistake the restore undoes
            db.execute("update members set name = '误改的名字' where member_no = 'HX001'")
        assert "误改的名字" in my_details()
        held_by = processes_using(store)
        assert held_by  # the web process, as the restore finds it

        restored = json.loads(run(host.env, "--society", CHEM, "db", "restore", "--from-backup", saved, "--yes",
                                  "--json").stdout)
        assert restored["in_place"] and restored["counts"]["members"] == 1
        assert names_in(Path(restored["set_aside"]) / "bot.sqlite3") == {"误改的名字"}  # kept as it was
        details = my_details()
        assert "王芳" in details and "误改的名字" not in details  # the same process, the restored data
        assert processes_using(store) == held_by
        add(registry, CHEM, "HX002", "新会员")  # business goes on in the restored store, not in a file set aside
        assert names_in(store) == {"王芳", "新会员"}
    finally:
        host.stop()
        registry.close()
