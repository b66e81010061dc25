"""A data directory moved (a new disk, a restore onto another host) keeps working as it is: the
registry records each society's store relative to the directory it is in, not by an absolute path
that would still name the old place. A path recorded absolute before is read as it is; one inside
the registry's own directory is made relative when the registry is next opened."""
from __future__ import annotations

import json
import shutil
from pathlib import Path

from click.testing import CliRunner

from bot.cli import main
from bot.config import load_config
from storage import societies
from storage.accounts import serving_account
from storage.database import now_iso, open_database
from storage.members import find_member_by_openid, insert_member
from storage.migrations import apply_migrations
from tests.test_platform import AGRI, CHEM, config  # noqa: F401

pytest_plugins = ["tests.fake_wechat"]


def _member_in(db_path: Path, openid: str, name: str) -> None:
    db = open_database(db_path)
    insert_member(db, {"member_no": f"M{openid[-3:]}", "openid": openid, "name": name, "category": "regular"},
                  actor="test")
    db.close()


def test_a_moved_data_directory_opens_every_society_where_it_now_is(env, config, tmp_path):  # noqa: F811
    runner = CliRunner()
    for appid, name in ((config.app_id, "河南省示范科技学会"), (CHEM, "河南省化学会")):  # its own account too
        assert runner.invoke(main, ["societies", "register", appid, name], env=env).exit_code == 0
    registry = societies.open_registry(societies.registry_path(config.data_dir))
    _member_in(Path(societies.find_society_by_appid(registry, CHEM)["database_path"]), "o_chem_001", "钱化")
    _member_in(Path(societies.find_society_by_appid(registry, config.app_id)["database_path"]), "o_own_002", "赵敏")
    registry.close()

    moved = tmp_path / "new-disk" / "data"
    moved.parent.mkdir()
    shutil.move(str(config.data_dir), moved)
    env = dict(env, BOT_DATA_DIR=str(moved))
    listed = {row["appid"]: Path(row["database_path"]) for row in json.loads(
        runner.invoke(main, ["societies", "list", "--json"], env=env).output)}
    assert listed == {CHEM: moved / "societies" / CHEM / "bot.sqlite3", config.app_id: moved / "bot.sqlite3"}
    registry = societies.open_registry(societies.registry_path(moved))
    chem = societies.open_society_database(registry, CHEM)
    assert find_member_by_openid(chem, "o_chem_001")["name"] == "钱化"
    chem.close()
    registry.close()
    with serving_account(CHEM):
        assert load_config(env).sqlite_path == moved / "societies" / CHEM / "bot.sqlite3"
    shown = runner.invoke(main, ["--society", config.app_id, "members", "show", "M002"], env=env)
    assert shown.exit_code == 0 and "赵敏" in shown.output, shown.output
    assert not config.data_dir.exists()  # nothing was opened (and so created) at the old place


def test_paths_recorded_absolute_before_stay_readable_and_those_inside_become_relative(tmp_path):
    data = tmp_path / "data"
    data.mkdir()
    elsewhere = tmp_path / "other-disk" / "agri.sqlite3"
    elsewhere.parent.mkdir()
    _member_in(elsewhere, "o_agri_003", "孙农")
    old = open_database(societies.registry_path(data), apply_migrations=False)
    apply_migrations(old, now_iso(), societies.REGISTRY_MIGRATIONS[:3])  # a registry of before the change
    for appid, path in ((CHEM, data / "societies" / CHEM / "bot.sqlite3"), (AGRI, elsewhere)):
        old["societies"].insert({"appid": appid, "name": appid, "status": "authorized", "database_path": str(path),
                                 "created_at": now_iso(), "updated_at": now_iso()})
    old.close()

    registry = societies.open_registry(societies.registry_path(data))
    recorded = dict(registry.execute("select appid, database_path from societies").fetchall())
    assert recorded == {CHEM: f"societies/{CHEM}/bot.sqlite3", AGRI: str(elsewhere)}
    agri = societies.open_society_database(registry, AGRI)
    assert find_member_by_openid(agri, "o_agri_003")["name"] == "孙农"
    agri.close()
    registry.close()
