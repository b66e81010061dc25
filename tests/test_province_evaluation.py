"""The province's evaluation of a small known province: each society's indicators from its own
store, scored with the province's weights, graded and ranked; missing data shown as missing."""
from __future__ import annotations

from datetime import date, datetime, timedelta

from openpyxl import load_workbook

from bot.config import load_config
from handlers.province import evaluation
from storage import societies
from storage.database import open_database
from storage.members import insert_member, insert_unit
from storage.sqlite import transaction
from tests.province_data import build_province, run_province, run_province_json

ON = date(2026, 12, 6)


def _members(db, count: int, joined: str, prefix: str, paid_through: str | None = None, **fields) -> list[dict]:
    with transaction(db):
        return [insert_member(db, {"member_no": f"{prefix}{i:04d}", "openid": f"o{prefix}{i:04d}", "name": "会员",
                                   "category": "regular", "joined_at": joined, "paid_through": paid_through,
                                   **fields}, actor="roster import") for i in range(count)]


def _items(db, kind: str, count: int) -> list[int]:
    return [db["newsletters"].insert({"item_no": f"{kind}{i}", "kind": kind, "title": "通知", "topics": "[]",
                                      "status": "published", "publish_at": f"2026-{i % 11 + 1:02d}-10T09:00:00+08:00",
                                      "created_at": "2026-01-05T09:00:00+08:00"}).last_pk for i in range(count)]


def _ticket(db, openid: str, opened: datetime, replied_after_hours: float | None) -> None:
    ticket_id = db["tickets"].insert({"ticket_no": f"FK{opened:%Y%m%d%H%M}", "openid": openid, "category": "咨询",
                                      "body": "会员证怎么补办", "status": "open",
                                      "created_at": opened.isoformat()}).last_pk
    if replied_after_hours is not None:
        db["ticket_replies"].insert({"ticket_id": ticket_id, "text": "您好，已为您补办。", "actor": "console:wang",
                                     "at": (opened + timedelta(hours=replied_after_hours)).isoformat()})


def _computer_society(db) -> None:
    """20 members (16 from before 2026, 4 new), 15 paid up; 2 units, one with staff; 6 newsletters and a
    resolution, 10 deliveries of which 8 arrived; 4 registrations, 3 checked in; 4 tickets, 3 answered."""
    old = _members(db, 16, "2024-03-01", "JSJ", paid_through="2026-12-31")
    new = _members(db, 4, "2026-04-01", "JSJN")
    with transaction(db):
        unit = insert_unit(db, {"unit_no": "DW001", "name": "郑州大学计算机学院", "credit_code": None}, "import")
        insert_unit(db, {"unit_no": "DW002", "name": "中原软件园", "credit_code": None}, "import")
    db["members"].update(old[0]["id"], {"unit_id": unit["id"]})
    for member in old[12:]:
        db["members"].update(member["id"], {"paid_through": "2025-12-31"})  # lapsed this year
    for member in new[:3]:
        db["members"].update(member["id"], {"paid_through": "2026-12-31"})  # 12 + 3 = 15 of 20 paid
    db["payments"].insert({"receipt_no": "R1", "member_id": old[0]["id"], "amount": 100, "years": 1,
                           "paid_at": "2026-02-01"})
    [first, *_] = _items(db, "newsletter", 6)
    _items(db, "resolution", 1)
    for i, member in enumerate(old[:10]):
        db["deliveries"].insert({"item_id": first, "openid": member["openid"], "member_id": member["id"],
                                 "status": "sent" if i < 8 else "failed"})
    event_id = db.execute("select id from events order by starts_on limit 1").fetchone()[0]
    for i, member in enumerate(old[:4]):
        db["registrations"].insert({"event_id": event_id, "openid": member["openid"], "name": "会员",
                                    "status": "registered", "checkin_code": f"{i:06d}",
                                    "created_at": "2026-03-01T09:00:00+08:00",
                                    "checked_in_at": "2026-03-15T09:00:00+08:00" if i < 3 else None})
    for hours, day in ((2, 3), (10, 4), (30, 5), (None, 6)):
        _ticket(db, old[0]["openid"], datetime.fromisoformat(f"2026-06-0{day}T09:00:00+08:00"), hours)


def _plant_society(db) -> None:
    """5 members without join dates, no dues, no tickets; a council of four; the term ended in June."""
    members = _members(db, 5, None, "ZB")
    for member, kind in zip(members[:4], ("高等院校", "科研院所", "企业或技术推广部门", "党政机关")):
        db["members"].update(member["id"], {"council_role": "理事", "institution_type": kind})
    db["settings"].insert_all([{"key": "term_start", "value": "2021-07-01"},
                               {"key": "term_end", "value": "2026-06-30"}])


def _physics_society(db) -> None:
    """30 long-standing members all paid up, 12 newsletters, one ticket never answered."""
    members = _members(db, 30, "2020-09-01", "WL", paid_through="2027-12-31")
    db["payments"].insert({"receipt_no": "R1", "member_id": members[0]["id"], "amount": 100, "years": 2,
                           "paid_at": "2026-01-10"})
    _items(db, "newsletter", 12)
    _ticket(db, members[0]["openid"], datetime.fromisoformat("2026-08-01T09:00:00+08:00"), None)


def _province(env, tmp_path):
    built = build_province(env, tmp_path)
    for society, fill in zip(built, (_computer_society, _plant_society, _physics_society)):
        db = open_database(society.sqlite_path)
        fill(db)
        db.close()
    return built


def test_a_small_province_is_scored_graded_and_ranked(env, tmp_path):
    _province(env, tmp_path)
    results = {r.society_name: r for r in evaluation.evaluate(load_config(env), None, 2026, today=ON)}
    computer, plant, physics = results["河南省计算机学会"], results["河南省植物保护学会"], results["河南省物理学会"]

    shown = {key: i["shown"] for key, i in computer.indicators.items()}
    assert shown["members"] == "20" and shown["member_growth"] == "25.0%" and shown["unit_members"] == "2"
    assert shown["unit_service"] == "50.0%" and shown["dues_collection"] == "75.0%"
    assert (shown["newsletters"], shown["resolutions"], shown["newsletter_reach"]) == ("6", "1", "80.0%")
    assert (shown["events_held"], shown["attendance"]) == ("3", "75.0%")
    assert (shown["tickets_answered"], shown["ticket_speed"]) == ("75.0%", "10.0 小时")
    assert (shown["structure_333"], shown["term_on_time"], shown["fellow_cap"]) == ("缺数据", "缺数据", "是")
    # weights with data: 92.5 of 100; by hand, 55.95 / 92.5 = 60.5 -> 合格
    assert (computer.score, computer.coverage, computer.grade, computer.rank) == (60.5, 0.925, "合格", 1)

    # 30 members, growth 0, dues 100%, 12 newsletters, 2 events, 1 ticket unanswered: 31.13 / 67.5 -> 不合格
    assert (physics.score, physics.coverage, physics.grade, physics.rank) == (46.1, 0.675, "不合格", 2)
    assert physics.indicators["member_growth"]["shown"] == "0.0%"  # a real zero stays a zero
    assert physics.indicators["ticket_speed"]["shown"] == "缺数据"  # no answer, no time

    missing = [key for key, i in plant.indicators.items() if i["value"] is None]
    assert missing == ["member_growth", "unit_members", "unit_service", "dues_collection", "newsletter_reach",
                       "attendance", "tickets_answered", "ticket_speed"]
    assert plant.indicators["structure_333"]["shown"] == "100.0%"
    assert plant.indicators["term_on_time"]["shown"] == "否"  # the term ended in June, no renewal
    assert (plant.grade, plant.rank, plant.coverage) == ("数据不足", None, 0.45)


def test_the_evaluation_exports_for_publication_and_is_saved(env, tmp_path):
    _province(env, tmp_path)
    out = tmp_path / "evaluation.xlsx"
    data = run_province_json(env, "evaluate", "--year", "2026", "--out", out, "--save")
    assert [(r["society_name"], r["grade"]) for r in data] == [
        ("河南省计算机学会", "合格"), ("河南省物理学会", "不合格"), ("河南省植物保护学会", "数据不足")]
    workbook = load_workbook(out)
    results, method = workbook.worksheets
    rows = list(results.iter_rows(values_only=True))
    assert rows[0][0] == "2026年度河南省科协所属学会改革发展评估结果"
    assert rows[1][:5] == ("排名", "学会", "等次", "得分", "数据覆盖") and "会费收缴率" in rows[1]
    plant = next(row for row in rows if row[1] == "河南省植物保护学会")
    assert plant[0] is None and plant[rows[1].index("会费收缴率")] == "缺数据"
    sources = {row[0]: row[2] for row in method.iter_rows(min_row=2, values_only=True) if row and row[0]}
    assert "与学会后台“会费”页“个人会员”一行的收缴率同一算法" in sources["会费收缴率"] and len(sources) >= 15
    registry = societies.open_registry(societies.registry_path(env["BOT_DATA_DIR"]))
    from storage.province import saved_evaluation
    assert [r["grade"] for r in saved_evaluation(registry, 2026)] == ["合格", "不合格", "数据不足"]
    registry.close()
    assert ".xlsx" in run_province(env, "evaluate", "--out", tmp_path / "e.csv", ok=False).output


def test_a_deleted_or_misspelt_line_of_the_provinces_marks_is_named(env, tmp_path, monkeypatch):
    from bot import content  # the province's settings are read from this copy, as its staff edited it

    _province(env, tmp_path)
    edited = (content.CONTENT_DIR / "province.toml").read_text(encoding="utf-8")
    copy = tmp_path / "content"
    copy.mkdir()
    real = content.load_toml
    monkeypatch.setattr(content, "load_toml", lambda name, content_dir=content.CONTENT_DIR: real(
        name, copy if name == "province.toml" else content_dir))

    def evaluated_after(text: str) -> str:  # the settings are read once per process: as after a restart
        (copy / "province.toml").write_text(text, encoding="utf-8")
        real.cache_clear()
        return run_province(env, "evaluate", "--year", "2026", ok=False).output

    without_dues = "".join(line for line in edited.splitlines(keepends=True) if not line.startswith("dues_collection"))
    out = evaluated_after(without_dues)
    assert "content/province.toml 里 [evaluation.weights] 少了 dues_collection（会费收缴率）" in out, out
    out = evaluated_after(edited.replace("events_held = 6\n", "", 1))
    assert "[evaluation.full_at] 少了 events_held（举办活动次数）" in out, out
    out = evaluated_after(edited.replace("ticket_speed_full = 24\n", "", 1))
    assert "[evaluation.zero_at] 少了 ticket_speed_full" in out, out
    out = evaluated_after(edited.replace("attendance = 5 ", "attendence = 5 ", 1))
    assert "[evaluation.weights] 的 attendence 不是评估指标的名称" in out and "attendance" in out, out

    (copy / "province.toml").write_text(edited, encoding="utf-8")
    real.cache_clear()
    assert [r["grade"] for r in run_province_json(env, "evaluate", "--year", "2026")] == ["合格", "不合格", "数据不足"]


def test_items_and_tickets_kept_in_utc_count_in_the_year_of_their_beijing_date(env, tmp_path):
    """An item published and a ticket opened at 00:30 on 1 January in Beijing, stamped in UTC (still 31
    December there), are the new year's; an item of 7 December in Beijing is past an evaluation of the 6th."""
    physics = _province(env, tmp_path)[2]
    db = open_database(physics.sqlite_path)
    db["newsletters"].insert_all([{"item_no": f"utc{i}", "kind": "newsletter", "title": "通知", "topics": "[]",
                                   "status": "published", "publish_at": at, "created_at": at}
                                  for i, at in enumerate(("2025-12-31T16:30:00+00:00", "2026-12-06T17:00:00+00:00"))])
    _ticket(db, "oWL0000", datetime.fromisoformat("2025-12-31T16:30:00+00:00"), 2)
    db.close()
    results = {r.society_name: r for r in evaluation.evaluate(load_config(env), None, 2026, today=ON)}
    shown = {key: i["shown"] for key, i in results["河南省物理学会"].indicators.items()}
    assert (shown["newsletters"], shown["tickets_answered"]) == ("13", "50.0%")


def test_the_province_s_dues_rate_is_the_society_s_own_on_the_same_data(env, tmp_path):
    """The province's 会费收缴率 counted paid-through-year-end members (a lapsed member paying in November for
    next year as paid; one who joined in November as owing this year); the society's 会费 page (7f77234) and
    `fees report` count the year's dues received against the year's dues expected. One rate, both places."""
    from tests.cli import command

    built = _province(env, tmp_path)
    db = open_database(built[0].sqlite_path)
    _members(db, 1, "2026-11-15", "JSJX")  # joined after 1 November: owes dues from next year
    [moved] = _members(db, 1, "2019-05-01", "JSJM", paid_through="2027-12-31")  # lapsed, paid in November for 2027
    db["payments"].insert({"receipt_no": "R2", "member_id": moved["id"], "amount": 100, "years": 1,
                           "paid_at": "2026-11-20", "period_from": "2027-01-01", "period_to": "2027-12-31",
                           "continued": 0})
    db.close()
    results = {r.society_name: r for r in evaluation.evaluate(load_config(env), None, 2026, today=ON)}
    province = results["河南省计算机学会"].indicators["dues_collection"]
    report = command("fees")[1](built[0].env, "report", "--year", "2026", "--today", ON)  # the society's own
    people = [row for row in report["categories"] if row["category"] != "unit"]
    paid, due = sum(row["paid"] for row in people), sum(row["due"] for row in people)
    assert (paid, due) == (15, 21)  # the November joiner not due yet; the moved member due and unpaid
    assert province["shown"] == f"{paid / due:.1%}" and province["note"] == f"已缴 {paid} 人，应缴 {due} 人"
