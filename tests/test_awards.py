"""Awards and talent calls: added and imported by the secretariat (messy sheets too), listed by chat,
and deadline reminders to `talent` subscribers, one notice per member and run, never twice."""
from __future__ import annotations

from datetime import date, timedelta

import pytest
from openpyxl import Workbook

from storage import awards as store
from storage.members import insert_member
from storage.news import subscribe
from tests.cli import command
from tests.member import Member
from tests.notices import queued_notices

TODAY = date.today()


run, run_json = command("awards")


def in_days(days: int) -> str:
    return (TODAY + timedelta(days=days)).isoformat()


def add(env, name: str, days: int, *options) -> dict:
    return run_json(env, "add", "--name", name, "--deadline", in_days(days), *options)


@pytest.fixture
def alice(client, config, db):
    insert_member(db, {"member_no": "HNKX202600001", "name": "张丽", "category": "regular", "openid": "o_alice"},
                  actor="test")
    return Member(client, config, "o_alice")


# --- the secretariat --------------------------------------------------------------------------

def test_add_numbers_a_call_and_adding_it_again_updates_it(env, db):
    first = run_json(env, "add", "--name", "省科学技术奖", "--deadline", "2030-05-01", "--kind", "奖项",
                     "--eligibility", "省内科技工作者", "--how", "由学会推荐", "--link", "https://www.example.org/award")
    assert first["outcome"] == "created" and first["award_no"] == "PJ2030001" and first["kind"] == "award"
    again = run_json(env, "add", "--name", "省科学技术奖", "--deadline", "2030年6月1日", "--how", "由学会推荐，网上申报")
    assert again["outcome"] == "updated" and again["award_no"] == "PJ2030001"  # a deadline extended
    stored = store.find_award(db, "pj2030001")
    assert stored["how_to_apply"] == "由学会推荐，网上申报" and stored["eligibility"] == "省内科技工作者"
    assert stored["deadline"] == "2030-06-01"
    other = run_json(env, "add", "--name", "省科学技术奖", "--deadline", "2031-05-01")
    assert other["outcome"] == "created" and other["award_no"] == "PJ2031001"  # next year's call


def test_add_says_what_is_wrong(env, db):
    out = run(env, "add", "--name", "省青年科技奖", "--deadline", "明年", "--link", "www.example", ok=False).output
    assert "截止日期 明年：日期看不懂" in out and "链接 www.example：链接必须是" in out
    assert store.list_awards(db, {"from": None}) == []


def test_a_messy_sheet_of_calls(env, db, tmp_path):
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["2026 年度评奖与人才项目征集汇总"])
    sheet.merge_cells("A1:F1")
    sheet.append(["序号", "项目名称", "类别", "申报对象", "申报截止", "详情链接"])
    sheet.append([1, "青年人才托举工程", "人才", "35 岁以下青年科技工作者", "2026年6月30日", "https://www.example.org/t"])
    sheet.append([2, "创新创业大赛", "大赛（团队）", "高校团队", "2026.9.15", ""])
    sheet.append([3, "优秀科技工作者", None, "会员", "待定", ""])
    sheet.append([4, "科普作品征集", "联谊", "", "2026-10-01", "example.org"])
    sheet.append([5, "青年人才托举工程", "人才", "重复行", "2026-07-01", ""])
    sheet.append(["注：截止日期以正式通知为准。"])
    path = tmp_path / "calls.xlsx"
    workbook.save(path)
    out = run(env, "import", path, "--year", "2026", ok=False).output
    assert "第 5 行 申报截止（E 列）“待定”：日期看不懂" in out
    assert "第 6 行 类别（C 列）“联谊”：项目类别不认识" in out and "第 6 行 详情链接（F 列）“example.org”" in out
    assert "第 7 行 项目名称（B 列）“青年人才托举工程”：与第 3 行是同一项" in out
    data = run_json(env, "import", path, "--year", "2026", "--skip-bad-rows")
    assert [n["title"] for n in data["new"]] == ["青年人才托举工程", "创新创业大赛"]
    talent, contest = store.list_awards(db, {"from": None})
    assert (talent["kind"], talent["deadline"], talent["link"]) == ("talent", "2026-06-30", "https://www.example.org/t")
    assert (contest["kind"], contest["deadline"]) == ("competition", "2026-09-15")
    again = run_json(env, "import", path, "--year", "2026", "--skip-bad-rows")
    assert again["unchanged"] == 2 and again["new"] == []


def test_list_shows_open_calls_unless_all(env, db):
    add(env, "省科学技术奖", 40)
    add(env, "已截止的竞赛", -3, "--kind", "竞赛")
    assert [c["name"] for c in run_json(env, "list")] == ["省科学技术奖"]
    assert [c["name"] for c in run_json(env, "list", "--all")] == ["已截止的竞赛", "省科学技术奖"]
    assert "还有 40 天" in run(env, "list").output


# --- by chat -------------------------------------------------------------------------------

def test_open_calls_by_chat_with_detail_and_the_reminder_hint(env, alice, db):
    add(env, "省科学技术奖", 40, "--eligibility", "省内科技工作者", "--how", "学会推荐")
    add(env, "青年人才托举工程", 20, "--kind", "人才项目")
    add(env, "已截止的竞赛", -3, "--kind", "竞赛")
    listing = alice.says("评奖")
    assert listing.index("青年人才托举工程") < listing.index("省科学技术奖") and "已截止" not in listing
    assert "还有 20 天" in listing
    detail = alice.says("2")
    assert "《省科学技术奖》" in detail and "省内科技工作者" in detail and "学会推荐" in detail
    assert "回复“订阅人才”" in detail
    subscribe(db, "o_alice", ["talent"])
    assert "订阅人才" not in alice.clicks("MENU_AWARDS").split("\n")[-1]


def test_a_kind_narrows_and_none_of_that_kind_offers_all(env, alice):
    add(env, "省科学技术奖", 40)
    add(env, "青年人才托举工程", 20, "--kind", "人才项目")
    assert "《青年人才托举工程》" in alice.says("青年人才托举怎么申报")
    instead = alice.says("有什么竞赛")
    assert instead.startswith("目前没有正在征集的竞赛") and "省科学技术奖" in instead


def test_nothing_open(alice):
    assert "目前没有正在征集" in alice.says("评奖")


# --- reminders ---------------------------------------------------------------------------------

def test_reminders_go_to_talent_subscribers_once_per_stage_in_one_notice(env, db, redis_client):
    add(env, "省科学技术奖", 10)
    add(env, "青年人才托举工程", 12, "--kind", "人才项目")
    add(env, "远期竞赛", 60, "--kind", "竞赛")
    insert_member(db, {"member_no": "HNKX202600009", "name": "已取关", "category": "regular", "openid": "o_gone",
                       "reachable": 0}, actor="test")
    for openid in ("o_a", "o_b", "o_gone"):
        subscribe(db, openid, ["talent"])
    subscribe(db, "o_policy_only", ["policy"])
    first = run_json(env, "remind")
    assert (first["calls"], first["members"]) == (2, 2)
    notices = queued_notices(redis_client)
    assert sorted(n["openid"] for n in notices) == ["o_a", "o_b"] and {n["kind"] for n in notices} == {"award"}
    text = notices[0]["text"]
    assert text.startswith("评奖与人才项目截止提醒") and "《省科学技术奖》" in text and "还有 10 天" in text
    assert "青年人才托举工程" in text and "远期竞赛" not in text
    again = run_json(env, "remind")
    assert (again["members"], again["already"]) == (0, 2) and len(queued_notices(redis_client)) == 2
    later = run_json(env, "remind", "--today", in_days(9))  # 1 and 3 days left: the 3-day stage, once
    assert later["members"] == 2 and len(queued_notices(redis_client)) == 4
    assert sum("还有 1 天" in n["text"] for n in queued_notices(redis_client)) == 2
    assert run_json(env, "remind", "--today", in_days(10))["members"] == 0


def test_a_missed_run_sends_only_the_latest_stage(env, db, redis_client):
    add(env, "省科学技术奖", 2)
    subscribe(db, "o_a", ["talent"])
    assert run_json(env, "remind")["members"] == 1
    assert run_json(env, "remind", "--today", in_days(-20))["calls"] == 0  # 22 days ahead: no stage yet
    assert len(queued_notices(redis_client)) == 1
