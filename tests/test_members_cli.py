"""The secretariat's `members` and `units` commands: approvals, look-ups, changes, the fellow cap."""
import json
from datetime import date

import pytest
from click.testing import CliRunner
from rq import Queue

from bot.cli import main
from handlers.members.records import approve_application
from handlers.news.items import settings
from storage.members import create_application, find_application, find_member_by_no, history_of, insert_member
from storage.news import topics_of
from storage.sqlite import transaction
from tests.notices import queued_notices

YEAR = date.today().year


def run(env, *args, ok=True):
    result = CliRunner().invoke(main, list(args), env=env, catch_exceptions=False)
    assert (result.exit_code == 0) == ok, result.output
    return result


def run_json(env, *args):
    return json.loads(run(env, *args, "--json").stdout)


def individual(**changes):
    data = {"name": "张伟", "category": "regular", "birth_year": 1985, "work_unit": "郑州大学",
            "institution_type": "高等院校", "post_category": "科研", "discipline": "计算机科学",
            "mobile": "13800138000", "email": "zhangwei@example.com"}
    return dict(data, **changes)


def add_members(db, count, category="regular", start=0):
    """`count` members on the roll, numbered and with distinct mobiles."""
    with transaction(db):
        for i in range(start, start + count):
            insert_member(db, {"member_no": f"T{i:05d}", "name": f"会员{i}", "category": category,
                               "mobile": f"139{i:08d}"}, actor="test")


def outbound_jobs(redis_client):
    """(openid, kind, text) of the notices queued, oldest first."""
    return [(n["openid"], n["kind"], n["text"]) for n in reversed(queued_notices(redis_client))]


# --- approval -------------------------------------------------------------------

def test_approve_numbers_activates_closes_and_notifies(env, db, redis_client):
    first = create_application(db, "o_zhang", "individual", individual())
    second = create_application(db, "o_li", "individual",
                                individual(name="李娜", category="senior", mobile="13900139000"))
    pending = run_json(env, "members", "pending")
    assert [p["app_no"] for p in pending] == [first["app_no"], second["app_no"]]
    assert pending[0]["mobile"] == "138****8000"

    result = run(env, "members", "approve", first["app_no"], second["app_no"], "--by", "王秘书")
    assert f"会员编号 HNKX{YEAR}00001（普通会员）" in result.output
    assert f"HNKX{YEAR}00002（高级会员）" in result.output

    member = find_member_by_no(db, f"HNKX{YEAR}00001")
    assert member["status"] == "active" and member["openid"] == "o_zhang"
    assert member["joined_at"] == date.today().isoformat()
    closed = find_application(db, first["app_no"])
    assert closed["status"] == "approved" and closed["decided_by"] == "王秘书"
    assert closed["member_id"] == member["id"]
    assert [(h["action"], h["actor"]) for h in history_of(db, "application", closed["id"])] == [
        ("applied", "openid:o_zhang"), ("approved", "王秘书")]
    assert [(h["action"], h["reason"]) for h in history_of(db, "member", member["id"])] == [
        ("created", first["app_no"])]

    jobs = outbound_jobs(redis_client)
    assert [(openid, kind) for openid, kind, _ in jobs] == [("o_zhang", "approval"), ("o_li", "approval")]
    assert f"HNKX{YEAR}00001" in jobs[0][2] and "普通会员" in jobs[0][2]
    assert run_json(env, "members", "pending") == []


def test_member_numbers_run_per_joining_year(db):
    apps = [create_application(db, f"o_{i}", "individual", individual(mobile=f"1370013700{i}"))
            for i in range(3)]
    numbers = [approve_application(db, app["app_no"], "王秘书", day)["member"]["member_no"]
               for app, day in zip(apps, (date(2026, 12, 30), date(2026, 12, 31), date(2027, 1, 2)))]
    assert numbers == ["HNKX202600001", "HNKX202600002", "HNKX202700001"]


def test_a_batch_with_one_bad_application_approves_none(env, db, redis_client):
    app = create_application(db, "o_zhang", "individual", individual())
    result = run(env, "members", "approve", app["app_no"], "SQ999999", ok=False)
    assert "找不到入会申请 SQ999999" in result.output
    assert find_application(db, app["app_no"])["status"] == "pending"
    assert outbound_jobs(redis_client) == []
    run(env, "members", "approve", app["app_no"])
    again = run(env, "members", "approve", app["app_no"], ok=False)
    assert "已处理（已批准）" in again.output


def test_an_applicant_whose_mobile_is_on_the_roster_is_not_doubled(env, db):
    insert_member(db, {"member_no": "HNKX201900001", "name": "张伟", "category": "regular",
                       "mobile": "13800138000"}, actor="test")
    app = create_application(db, "o_zhang", "individual", individual())
    result = run(env, "members", "approve", app["app_no"], ok=False)
    assert "138****8000 已属于会员 HNKX201900001（张伟）" in result.output


def test_reject_closes_with_reason_and_tells_the_applicant(env, db, redis_client):
    app = create_application(db, "o_zhang", "individual", individual())
    out = run_json(env, "members", "reject", app["app_no"], "--reason", "学科不符", "--by", "王秘书")
    assert out["reason"] == "学科不符" and out["notice_job"]
    closed = find_application(db, app["app_no"])
    assert (closed["status"], closed["reason"], closed["decided_by"]) == ("rejected", "学科不符", "王秘书")
    [(openid, kind, text)] = outbound_jobs(redis_client)
    assert openid == "o_zhang" and "学科不符" in text and app["app_no"] in text
    assert run(env, "members", "reject", "SQ1", "--reason", "x", ok=False).exit_code == 1


def test_unit_approval_gives_an_invite_code_and_units_show_lists_staff(env, db, redis_client):
    unit_app = create_application(db, "o_unit", "unit", {
        "name": "河南示范科技有限公司", "credit_code": "91350100M000100Y43", "contact_name": "刘强",
        "contact_mobile": "13600136000", "institution_type": "企业或技术推广部门"})
    [approved] = run_json(env, "members", "approve", unit_app["app_no"])
    assert approved["unit_no"] == f"HNKXDW{YEAR}00001" and len(approved["invite_code"]) == 6
    [(openid, _, text)] = outbound_jobs(redis_client)
    assert openid == "o_unit" and approved["invite_code"] in text

    staff = create_application(db, "o_staff", "individual", individual(unit_id=1, work_unit=None))
    run(env, "members", "approve", staff["app_no"])
    shown = run_json(env, "units", "show", approved["unit_no"])
    assert shown["unit"]["invite_code"] == approved["invite_code"]
    assert shown["unit"]["contact_mobile"] == "136****6000"
    [member] = shown["members"]
    assert (member["name"], member["work_unit"], member["standing"]) == (
        "张伟", "河南示范科技有限公司", "unpaid")
    text = run(env, "units", "show", approved["unit_no"]).output
    assert "邀请码" in text and "未缴费" in text and "张伟" in text
    listed = run_json(env, "units", "list")
    assert listed[0]["members"] == 1
    assert [m["name"] for m in run_json(env, "members", "list", "--unit", approved["unit_no"])] == ["张伟"]

    renewed = run_json(env, "units", "invite-code", approved["unit_no"], "--new", "--by", "王秘书")
    assert renewed["old"] == approved["invite_code"] != renewed["invite_code"]
    assert "不再有效" in run(env, "units", "invite-code", approved["unit_no"], "--new").output
    assert "找不到单位会员 HNKXDW1" in run(env, "units", "show", "HNKXDW1", ok=False).output


def test_fellow_applications_are_refused(env, db):
    app = create_application(db, "o_f", "individual", individual(category="fellow"))
    assert "promote-fellow" in run(env, "members", "approve", app["app_no"], ok=False).output


# --- looking up and changing ---------------------------------------------------------

@pytest.fixture
def roster(db):
    insert_member(db, {"member_no": "HNKX201900001", "name": "张伟", "category": "regular",
                       "mobile": "13800138000", "work_unit": "郑州大学", "discipline": "计算机科学",
                       "paid_through": f"{YEAR}-12-31", "birth_year": 1985}, actor="test")
    insert_member(db, {"member_no": "HNKX201900002", "name": "李娜", "category": "student",
                       "mobile": "13900139000", "work_unit": "河南大学"}, actor="test")
    return db


def test_list_filters_and_masks(env, roster):
    everyone = run_json(env, "members", "list")
    assert [m["member_no"] for m in everyone] == ["HNKX201900001", "HNKX201900002"]
    assert everyone[0]["mobile"] == "138****8000" and everyone[0]["standing"] == "active"
    students = run_json(env, "members", "list", "--category", "学生会员")
    assert [m["name"] for m in students] == ["李娜"]
    assert run_json(env, "members", "list", "--status", "暂停") == []
    text = run(env, "members", "list").output
    assert "普通会员" in text and "138****8000" in text and "13800138000" not in text
    assert "共 2 人" in text
    assert "可选" in run(env, "members", "list", "--category", "特邀会员", ok=False).output
    assert run_json(env, "members", "list", "--category", "荣誉会员") == []  # a category (content/membership.toml), none yet


def test_search_by_mobile_as_typed_name_or_unit(env, roster):
    assert [m["name"] for m in run_json(env, "members", "search", "138 0013 8000")] == ["张伟"]
    assert [m["name"] for m in run_json(env, "members", "search", "河南大学")] == ["李娜"]
    assert "没有找到含“王五”的会员" in run(env, "members", "search", "王五").output


def test_show_masks_unless_full(env, roster):
    shown = run_json(env, "members", "show", "hnkx201900001")
    assert shown["member"]["mobile"] == "138****8000" and shown["member"]["age_band"]
    assert shown["history"][0]["action"] == "created"
    full = run_json(env, "members", "show", "HNKX201900001", "--full")
    assert full["member"]["mobile"] == "13800138000"
    text = run(env, "members", "show", "HNKX201900001").output
    assert "会员编号：HNKX201900001" in text and "变更记录" in text and "建档" in text
    assert "找不到会员 HNKX1" in run(env, "members", "show", "HNKX1", ok=False).output


def test_category_and_status_changes_are_recorded(env, roster):
    changed = run_json(env, "members", "set-category", "HNKX201900002", "普通会员",
                       "--reason", "已毕业", "--by", "王秘书")
    assert (changed["old"]["category"], changed["new"]["category"]) == ("student", "regular")
    assert "已是普通会员" in run(env, "members", "set-category", "HNKX201900002", "regular",
                                  "--reason", "x", ok=False).output
    assert "promote-fellow" in run(env, "members", "set-category", "HNKX201900002", "会士",
                                   "--reason", "x", ok=False).output

    assert "已暂停会籍" in run(env, "members", "suspend", "HNKX201900002", "--reason", "违反章程").output
    assert "当前状态为“暂停”" in run(env, "members", "suspend", "HNKX201900002", "--reason", "x",
                                     ok=False).output
    assert run_json(env, "members", "list", "--status", "suspended")[0]["name"] == "李娜"
    assert "已恢复会籍" in run(env, "members", "resume", "HNKX201900002").output
    assert "并未暂停" in run(env, "members", "resume", "HNKX201900002", ok=False).output

    history = run_json(env, "members", "show", "HNKX201900002")["history"]
    assert [(h["action"], h["reason"]) for h in history] == [
        ("created", None), ("category_changed", "已毕业"), ("suspended", "违反章程"), ("resumed", None)]
    assert history[1]["actor"] == "王秘书" and history[1]["detail"] == {"category": ["student", "regular"]}
    text = run(env, "members", "show", "HNKX201900002").output
    assert "变更类别" in text and "类别：学生会员 → 普通会员" in text and "原因：违反章程" in text


def test_fellows_are_capped_at_one_percent_of_individual_members(env, db):
    add_members(db, 3, category="fellow")
    add_members(db, 309, start=3)
    result = run(env, "members", "promote-fellow", "T00010", "--reason", "理事会决议", ok=False)
    assert "会士已有 3 人，个人会员 312 人，上限 1%（3 人），不能再增加" in result.output
    assert find_member_by_no(db, "T00010")["category"] == "regular"

    add_members(db, 88, start=312)  # 400 individual members: room for a fourth fellow
    promoted = run_json(env, "members", "promote-fellow", "T00010", "--reason", "理事会决议")
    assert promoted["new"]["category"] == "fellow"
    assert promoted["fellow_cap"] == {"fellows": 4, "individuals": 400, "max_share": 0.01, "limit": 4}
    assert "已是会士" in run(env, "members", "promote-fellow", "T00010", "--reason", "x",
                             ok=False).output


def test_approval_gives_the_default_subscriptions_and_queues_the_tag_sync(env, db, redis_client):
    app = create_application(db, "o_zhang", "individual", individual())
    run(env, "members", "approve", app["app_no"])
    assert sorted(topics_of(db, "o_zhang")) == sorted(settings()["default_topics"])
    syncs = [job.args[0] for job in Queue("outbound", connection=redis_client).jobs
             if job.func_name == "bot.delivery.tags.sync_tags"]
    assert syncs == ["o_zhang"]

