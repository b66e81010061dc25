"""A society that served its own account alone (single-account mode: data/bot.sqlite3) comes onto the
platform on the same deployment: registered, it keeps its store where it is, and every part that
serves it (messages, pages, commands, backups, the province's evaluation) reads that one file; no
empty societies/<appid>/ store appears beside it. Other societies get societies/<appid>/bot.sqlite3."""
from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from bot.cli import main
from handlers.province.evaluation import evaluate
from storage import societies
from storage.accounts import serving_account
from storage.members import insert_member
from storage.sqlite import transaction
from bot.config import load_config
from tests.test_platform import CHEM, authorise, config, push_ticket, registry, say  # noqa: F401

pytest_plugins = ["tests.fake_wechat"]


def test_the_deployments_own_account_keeps_its_single_account_store(client, config, env, db, registry,
                                                                   fake_wechat):
    own = config.app_id  # WECHAT_APP_ID: the account this deployment served alone until now
    with transaction(db):  # its members, in the single-account store
        insert_member(db, {"member_no": "HNKX2024001", "openid": "o_own_zhao", "name": "赵敏",
                           "category": "regular", "joined_at": "2024-03-01"}, actor="test")
    data_dir = Path(env["BOT_DATA_DIR"]).resolve()
    fake_wechat.add_account(own, "河南省示范科技学会")
    runner = CliRunner()
    for appid, name in ((own, "河南省示范科技学会"), (CHEM, "河南省化学会")):
        done = runner.invoke(main, ["societies", "register", appid, name], env=env)
        assert done.exit_code == 0, done.output
    listed = {row["appid"]: row for row in json.loads(
        runner.invoke(main, ["societies", "list", "--json"], env=env).output)}
    assert Path(listed[own]["database_path"]) == data_dir / "bot.sqlite3"
    assert Path(listed[CHEM]["database_path"]) == data_dir / "societies" / CHEM / "bot.sqlite3"

    push_ticket(client, config, fake_wechat)
    assert authorise(client, config, fake_wechat, own).status_code == 200
    reply = say(client, config, own, "o_own_zhao", "我的资料")  # through /wechat/<appid> now
    assert "赵敏" in reply and "HNKX2024001" in reply
    with serving_account(own):
        served = load_config(env)
    assert served.sqlite_path == data_dir / "bot.sqlite3" and served.backup_dir == data_dir / "backups"
    shown = runner.invoke(main, ["--society", own, "members", "show", "HNKX2024001"], env=env)
    assert shown.exit_code == 0 and "赵敏" in shown.output, shown.output
    backup = runner.invoke(main, ["--society", own, "db", "backup"], env=env)
    assert backup.exit_code == 0 and str(data_dir / "backups") in backup.output, backup.output
    counted = {r.appid: r.indicators["members"]["value"] for r in evaluate(config, None, 2026)}
    assert counted == {own: 1, CHEM: None}  # the province counts its member (the new society has none)
    assert not (data_dir / "societies" / own).exists()  # nothing beside it, nothing moved
