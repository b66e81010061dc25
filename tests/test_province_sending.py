"""Previews of approved activities and province-wide notices, through each society's own account:
its queue, its token, its members' quotas; once per activity (or notice) per member; recorded per
society. The fake WeChat API plays every account and the platform; workers are real processes."""
from __future__ import annotations

import json

from click.testing import CliRunner

from bot.cli import main
from bot.delivery import planner
from handlers.news.items import give_default_subscriptions
from storage import news, societies
from storage.accounts import serving_account
from storage.database import open_database
from storage.members import insert_member
from storage.sqlite import transaction
from storage.state import reserve_mass_sends
from tests.province_data import run_events, run_province, run_province_json, society_env
from tests.test_events import guide_xlsx
from tests.test_platform import AGRI, CHEM, config, registry, run_burst_worker, two_societies  # noqa: F401

pytest_plugins = ["tests.fake_wechat"]

PLANS = {
    CHEM: [[1, "河南省化学会", "2026年化学学术年会", "学术会议", "2026年5月20日-22日", "郑州", "", "", "", "", ""],
           [2, "河南省化学会", "化学实验安全培训", "培训", "2026年9月10日", "开封", "", "", "", "", ""]],
    AGRI: [[1, "河南省农学会", "小麦高产技术观摩会", "会议", "2026年5月25日", "驻马店", "", "", "", "", ""]],
}


def members_of(appid: str) -> list[str]:
    return [f"o{appid[-6:]}member{i}".ljust(28, "0") for i in range(3)]


def populate_society(env, registry, appid: str, plan_file) -> None:
    """Three members following the society's account with the default topics; its year plan imported."""
    db = societies.open_society_database(registry, appid)
    with transaction(db):
        for i, openid in enumerate(members_of(appid)):
            insert_member(db, {"member_no": f"M{appid[-4:]}{i}", "openid": openid, "name": f"会员{i}",
                               "category": "regular", "joined_at": "2025-03-01"}, actor="signup")
    for openid in members_of(appid):
        give_default_subscriptions(db, openid)
    db.close()
    run_events(society_env(env, appid), "import", guide_xlsx(plan_file, PLANS[appid]), "--year", "2026")


def _populate(env, registry, tmp_path):
    """Each society populated and its plan filed; every filing approved."""
    for appid in (CHEM, AGRI):
        populate_society(env, registry, appid, tmp_path / f"{appid}.xlsx")
        run_province(env, "file", appid, "--year", "2026")
    run_province(env, "approve", *[row["id"] for row in run_province_json(env, "filings")])


def test_a_preview_goes_once_to_the_members_of_societies_that_opt_in(two_societies, env, tmp_path, fake_wechat):
    _populate(env, two_societies, tmp_path)
    run_province(env, "society", CHEM, "--previews")
    queued = run_province_json(env, "preview", "--on", "2026-05-11")
    # the two May activities (within 14 days), to the chemists only; September is too far off
    assert sorted((q["title"], q["appid"], q["recipients"]) for q in queued) == [
        ("2026年化学学术年会", CHEM, 3), ("小麦高产技术观摩会", CHEM, 3)]
    run_burst_worker(env)
    got = fake_wechat.delivered_counts()
    assert all(got[openid] == 2 for openid in members_of(CHEM))
    assert not any(got[openid] for openid in members_of(AGRI))
    texts = [m["text"]["content"] for m in fake_wechat.sent if m["touser"] == members_of(CHEM)[0]]
    assert any("【活动预告】小麦高产技术观摩会" in t and "河南省农学会主办" in t for t in texts)

    assert run_province_json(env, "preview", "--on", "2026-05-12") == []  # the next day: nothing again
    run_province(env, "society", AGRI, "--previews")
    # the daily job (content/schedule.toml) sends the agronomists theirs, and the chemists nothing again
    ran = CliRunner().invoke(main, ["schedule", "run", "province_previews", "--today", "2026-05-13", "--json"],
                             env=env, catch_exceptions=False)
    assert json.loads(ran.stdout)["summary"] == {"previews": 2}
    run_burst_worker(env)
    got = fake_wechat.delivered_counts()
    assert all(got[openid] == 2 for openid in members_of(CHEM) + members_of(AGRI))  # none twice
    with open_database(societies.find_society_by_appid(two_societies, CHEM)["database_path"]) as db:
        rows = list(db.query("select d.status, d.channel from deliveries d join newsletters n on n.id = d.item_id "
                             "where n.item_no like 'YG%'"))
    assert len(rows) == 6 and {(r["status"], r["channel"]) for r in rows} == {("sent", "mass")}


def test_a_notice_goes_to_every_society_within_each_members_quota(two_societies, env, tmp_path, fake_wechat,
                                                                  redis_client, config):  # noqa: F811
    _populate(env, two_societies, tmp_path)
    tired = members_of(CHEM)[2]
    with serving_account(CHEM, config.data_dir):  # this member has had this month's four mass sends already
        for _ in range(config.mass_sends_per_month):
            reserve_mass_sends(redis_client, planner.wechat_month(), [tired], config.mass_sends_per_month)
    quiet = members_of(AGRI)[1]
    db = societies.open_society_database(two_societies, AGRI)
    news.unsubscribe(db, quiet, ["talent"])
    db.close()

    result = run_province_json(env, "notice", "--topic", "talent", "--title", "2026年度河南省青年人才托举工程申报通知",
                               "--summary", "6月30日前由各学会推荐", "--link", "https://www.hast.net.cn/notice/1")
    assert sorted((s["appid"], s["recipients"]) for s in result["societies"]) == [(CHEM, 3), (AGRI, 2)]
    run_burst_worker(env)
    got = fake_wechat.delivered_counts()
    assert [got[o] for o in members_of(CHEM)] == [1, 1, 0] and [got[o] for o in members_of(AGRI)] == [1, 0, 1]
    with open_database(societies.find_society_by_appid(two_societies, CHEM)["database_path"]) as db:
        statuses = {r["openid"]: r["status"] for r in db.query("select openid, status from deliveries")}
    assert statuses[tired] == "inbox"  # over its quota: it waits in the member's inbox, not lost

    # sent to every society again: recorded per society, so nobody gets it twice
    again = run_province_json(env, "notice-send", result["notice_no"])
    assert again["societies"] == []
    run_burst_worker(env)
    assert fake_wechat.delivered_counts() == got


def test_a_notice_to_chosen_societies_then_to_the_rest(two_societies, env, tmp_path, fake_wechat):
    _populate(env, two_societies, tmp_path)
    first = run_province_json(env, "notice", "--topic", "policy", "--title", "省科协关于学会年检的通知",
                              "--society", CHEM)
    assert [s["appid"] for s in first["societies"]] == [CHEM]
    rest = run_province_json(env, "notice-send", first["notice_no"].lower())
    assert [(s["appid"], s["recipients"]) for s in rest["societies"]] == [(AGRI, 3)]
    run_burst_worker(env)
    got = fake_wechat.delivered_counts()
    assert all(got[openid] == 1 for openid in members_of(CHEM) + members_of(AGRI))
    assert "没有编号" in run_province(env, "notice-send", "SK19990101001", ok=False).output
    refused = run_province(env, "notice", "--topic", "jobs", "--title", "x", ok=False).output
    assert "不是全省通知的栏目" in refused
    assert "没有 AppID" in run_province(env, "notice", "--topic", "policy", "--title", "x", "--society",
                                        "wx0000000000000000", ok=False).output
