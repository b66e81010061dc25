"""The activity guide from the secretariat's side: importing messy guides, listing, registrants,
the exported guide (.xlsx that imports back unchanged, Markdown, HTML) and day-before reminders."""
from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
from openpyxl import Workbook, load_workbook

from bot.sheet_import import parse_days
from bot.validation import Invalid
from handlers.events.registration import register
from storage import events as store
from tests.cli import command
from tests.notices import queued_notices
from tests.test_events_chat import add_event

HEADER = ["序号", "学会名称", "活动名称*", "活动类型", "活动时间", "地点", "承办单位", "人数", "报名截止日期",
          "会务费（元）", "主要内容"]


run, run_json = command("events")


def guide_xlsx(path, rows, header=HEADER):
    """A guide as societies file it: a merged title, a stamp line, the header, rows, a blank row, a remark."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["河南省示范科技学会 2026 年度学术活动计划表"])
    sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(header))
    sheet.append(["填报单位（盖章）：", None, None, "填报日期：2025年12月"])
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    sheet.append([None] * len(header))
    sheet.append(["备注：本表由各学会填报，12月31日前报送学会秘书处。"])
    workbook.save(path)
    return path


GOOD = [
    [1, "示范科技学会", "2026年学术年会", "学术会议（线下）", "2026年5月20日-22日", "郑州国际会展中心", "学会秘书处",
     "300人", "5月10日", "会员500元/非会员800元", "年度学术交流，设十个分会场。"],
    [2, "示范科技学会", "青年科技工作者培训班", "培训班", datetime(2026, 6, 3), "洛阳", "青工委", "不限", None, 0, ""],
    [3, "示范科技学会", "科普进校园", "科普", "2026.9.1-9.30", "全省", "科普部", None, None, None, None],
]
BAD = [
    [4, "示范科技学会", "时间待定的沙龙", "沙龙", "待定", "", "", "", "", "", ""],
    [5, "示范科技学会", "名额写错的论坛", "论坛", "2026-07-10", "", "", "约二百人", "", "", ""],
    [6, "示范科技学会", "截止晚于结束的报告会", "报告会", "2026-08-01", "", "", "", "2026-08-05", "", ""],
    [7, "示范科技学会", "", "其他", "2026-08-02", "", "", "", "", "", ""],
    [8, "示范科技学会", "2026年学术年会", "学术会议", "2026-05-20", "", "", "", "", "", ""],
    [9, "示范科技学会", "看不懂类型的活动", "联谊", "2026-08-03", "", "", "", "", "", ""],
]


# --- importing ---------------------------------------------------------------------------

def test_a_messy_guide_is_reported_by_row_and_column_and_nothing_is_imported(env, db, tmp_path):
    path = guide_xlsx(tmp_path / "guide.xlsx", GOOD + BAD)
    result = run(env, "import", path, "--year", "2026", ok=False)
    out = result.output
    assert "表头在第 3 行，数据 9 行" in out and "序号（A 列）" in out
    assert "第 7 行 活动时间（E 列）“待定”：日期看不懂" in out
    assert "第 8 行 人数（H 列）“约二百人”：名额请写人数" in out
    assert "第 9 行 报名截止日期（I 列）“2026-08-05”：报名截止日期晚于活动结束日期" in out
    assert "第 10 行 活动名称*（C 列）：不能为空" in out
    assert "第 11 行 活动名称*（C 列）“2026年学术年会”：与第 4 行是同一项" in out
    assert "第 12 行 活动类型（D 列）“联谊”：活动类型不认识" in out
    assert "未导入任何活动" in out
    assert store.events_of_year(db) == []


def test_the_good_rows_import_and_importing_again_changes_nothing(env, db, tmp_path):
    path = guide_xlsx(tmp_path / "guide.xlsx", GOOD + BAD)
    assert "试导入" in run(env, "import", path, "--year", "2026", "--skip-bad-rows", "--dry-run").output
    assert store.events_of_year(db) == []
    data = run_json(env, "import", path, "--year", "2026", "--skip-bad-rows", "--by", "王秘书")
    assert [(n["row"], n["number"]) for n in data["new"]] == [(4, "HD2026001"), (5, "HD2026002"), (6, "HD2026003")]
    meeting, training, outreach = store.events_of_year(db, 2026)
    assert (meeting["starts_on"], meeting["ends_on"], meeting["signup_deadline"]) == ("2026-05-20", "2026-05-22",
                                                                                      "2026-05-10")
    assert (meeting["type"], meeting["capacity"], meeting["fee"]) == ("学术会议", 300, "会员500元/非会员800元")
    assert (training["type"], training["capacity"], training["fee"]) == ("培训", None, "免费")
    assert (training["starts_on"], training["ends_on"]) == ("2026-06-03", "2026-06-03")
    assert (outreach["ends_on"], outreach["capacity"]) == ("2026-09-30", None)
    assert meeting["source"] == "guide.xlsx 第 4 行"
    again = run_json(env, "import", path, "--year", "2026", "--skip-bad-rows")
    assert again["new"] == [] and again["updated"] == [] and again["unchanged"] == 3
    assert len(store.events_of_year(db)) == 3


def test_a_corrected_guide_updates_the_same_events(env, db, tmp_path):
    run(env, "import", guide_xlsx(tmp_path / "v1.xlsx", GOOD), "--year", "2026")
    corrected = [list(row) for row in GOOD]
    corrected[0][4], corrected[0][5], corrected[0][7] = "2026年6月10日至12日", "郑州大学", "不限"
    data = run_json(env, "import", guide_xlsx(tmp_path / "v2.xlsx", corrected), "--year", "2026")
    [update] = data["updated"]
    assert update["number"] == "HD2026001" and "地点：郑州国际会展中心 → 郑州大学" in update["changes"]
    assert "名额：300 → （空）" in update["changes"]
    event = store.find_event(db, "HD2026001")
    assert (event["starts_on"], event["place"], event["capacity"]) == ("2026-06-10", "郑州大学", None)
    assert len(store.events_of_year(db)) == 3
    assert [h["action"] for h in db["history"].rows_where("subject = 'event' and subject_id = ?", [event["id"]])] \
        == ["created", "updated"]


def test_a_gbk_csv_with_separate_dates_and_excel_serials(env, db, tmp_path):
    path = tmp_path / "plan.csv"
    lines = ["学会,活动名称,类型,开始日期,结束日期,地点,名额,报名截止",
             "示范科技学会,新材料研讨会,研讨会,5.20,5.21,郑州,80,5.15",
             "示范科技学会,人工智能大赛,大赛,46204,46205,开封,不限,",
             "示范科技学会,年终总结会,会议,2026/12/30,2027/1/2,新乡,,"]
    path.write_bytes("\r\n".join(lines).encode("gb18030"))
    data = run_json(env, "import", path, "--year", "2026")
    assert len(data["new"]) == 3
    seminar, contest, review = store.events_of_year(db)
    assert (seminar["starts_on"], seminar["ends_on"], seminar["signup_deadline"]) == ("2026-05-20", "2026-05-21",
                                                                                      "2026-05-15")
    assert (contest["type"], contest["starts_on"], contest["ends_on"]) == ("竞赛", "2026-07-01", "2026-07-02")
    assert (review["starts_on"], review["ends_on"]) == ("2026-12-30", "2027-01-02")


@pytest.mark.parametrize("cell, days", [
    ("2026年5月20日-22日", ("2026-05-20", "2026-05-22")),
    ("2026.05.20-2026.05.22", ("2026-05-20", "2026-05-22")),
    ("5月30日至6月2日", ("2026-05-30", "2026-06-02")),
    ("2026-05-20", ("2026-05-20", "2026-05-20")),
    ("2026年5月20日（周三）上午9:00", ("2026-05-20", "2026-05-20")),
    ("12月30日～1月2日", ("2026-12-30", "2027-01-02")),
    ("２０２６／５／２０", ("2026-05-20", "2026-05-20")),
    (20260520, ("2026-05-20", "2026-05-20")),
    (date(2026, 5, 20), ("2026-05-20", "2026-05-20")),
])
def test_dates_as_people_type_them(cell, days):
    assert tuple(parse_days(cell, 2026).values()) == days


@pytest.mark.parametrize("cell", ["待定", "2026年5月", "5月32日", "上半年"])
def test_dates_that_cannot_be_read(cell):
    with pytest.raises(Invalid):
        parse_days(cell, 2026)


def test_a_larger_capacity_moves_the_waitlist_up_and_tells_them(env, db, tmp_path, redis_client):
    rows = [[1, "示范科技学会", "青年沙龙", "沙龙", (date.today() + timedelta(days=30)).isoformat(), "郑州", "", 1,
             "", "", ""]]
    run(env, "import", guide_xlsx(tmp_path / "v1.xlsx", rows))
    [event] = store.events_of_year(db)
    for n in range(3):
        register(db, event["id"], f"o_{n}", {"name": f"会员{n}"}, date.today().isoformat())
    rows[0][7] = 2
    run(env, "import", guide_xlsx(tmp_path / "v2.xlsx", rows))
    statuses = [p["status"] for p in store.registrants(db, event["id"])]
    assert statuses == ["registered", "registered", "waitlisted"]
    [notice] = queued_notices(redis_client)
    assert notice["openid"] == "o_1" and notice["text"].startswith("候补成功")


def test_a_file_that_is_not_a_guide(env, tmp_path):
    path = tmp_path / "roster.csv"
    path.write_text("姓名,手机\n张三,13800000000\n", encoding="utf-8")
    assert "没有找到表头" in run(env, "import", path, ok=False).output
    other = tmp_path / "guide.txt"
    other.write_text("x", encoding="utf-8")
    assert "不支持的文件类型" in run(env, "import", other, ok=False).output


# --- the organiser's view ------------------------------------------------------------------------

def test_list_show_and_registrants_with_an_export(env, db, tmp_path):
    event = add_event(db, "青年学术沙龙", 20, capacity=1, fee="免费")
    add_event(db, "人工智能论坛", 3)
    register(db, event["id"], "o_a", {"name": "张丽", "mobile": "13800000001", "work_unit": "郑州大学"},
                   date.today().isoformat())
    register(db, event["id"], "o_b", {"name": "李强", "mobile": "13800000002"}, date.today().isoformat())
    listing = run(env, "list").output
    assert listing.index("人工智能论坛") < listing.index("青年学术沙龙") and "报名 1/1，候补 1" in listing
    assert "已报名 1 人，候补 1 人" in run(env, "show", event["event_no"].lower()).output
    assert "找不到活动“HD2099001”" in run(env, "show", "HD2099001", ok=False).output
    target = tmp_path / "registrants.xlsx"
    out = run(env, "registrants", event["event_no"], "--export", target).output
    assert "138****0001" in out and "13800000001" not in out and "候补" in out
    sheet = load_workbook(target).active
    rows = list(sheet.values)
    assert rows[0] == ("序号", "姓名", "工作单位", "手机", "状态", "签到码", "报名时间")
    assert rows[1][:5] == (1, "张丽", "郑州大学", "13800000001", "已报名") and rows[2][4] == "候补"


def test_the_guide_exports_as_a_formatted_workbook_that_imports_back_unchanged(env, db, tmp_path):
    run(env, "import", guide_xlsx(tmp_path / "guide.xlsx", GOOD), "--year", "2026")
    target = tmp_path / "指南.xlsx"
    assert "共 3 个活动" in run(env, "export-guide", target, "--year", "2026").output
    sheet = load_workbook(target).active
    assert sheet["A1"].value == "2026 年度活动指南" and sheet["A1"].font.bold
    assert sheet["A3"].value == "活动编号" and sheet["A3"].font.bold and sheet.freeze_panes == "A4"
    assert sheet["A4"].value == "HD2026001" and sheet["E4"].value == datetime(2026, 5, 20)
    again = run_json(env, "import", target)
    assert again["unchanged"] == 3 and again["new"] == [] and again["updated"] == []


def test_the_guide_as_a_web_page(env, db, tmp_path):
    run(env, "import", guide_xlsx(tmp_path / "guide.xlsx", GOOD), "--year", "2026")
    add_event(db, "<script>沙龙</script>", 400)
    markdown = tmp_path / "guide.md"
    run(env, "export-guide", markdown, "--year", "2026")
    text = markdown.read_text(encoding="utf-8")
    assert text.startswith("# 2026 年度活动指南")
    assert text.index("## 2026 年 5 月") < text.index("### 2026年学术年会") < text.index("## 2026 年 6 月")
    assert "- **时间**：5月20日—22日" in text and "- **名额**：不限" in text
    page = tmp_path / "guide.html"
    run(env, "export-guide", page)
    html = page.read_text(encoding="utf-8")
    assert html.startswith("<!DOCTYPE html>") and "<h2>2026 年 9 月</h2>" in html
    assert "&lt;script&gt;" in html and "<script>" not in html


# --- reminders --------------------------------------------------------------------------------

def test_reminders_go_the_day_before_to_seats_only_and_never_twice(env, db, redis_client):
    event = add_event(db, "青年学术沙龙", 3, capacity=1, place="郑州大学")
    add_event(db, "人工智能论坛", 5)
    today = date.today().isoformat()
    seat = register(db, event["id"], "o_a", {"name": "张丽"}, today)
    register(db, event["id"], "o_b", {"name": "李强"}, today)
    eve = (date.today() + timedelta(days=2)).isoformat()
    assert run_json(env, "remind", "--today", eve)["queued"] == 1
    [notice] = queued_notices(redis_client)
    assert notice["openid"] == "o_a" and notice["kind"] == "event"
    assert "青年学术沙龙" in notice["text"] and seat["checkin_code"] in notice["text"] and "郑州大学" in notice["text"]
    assert run_json(env, "remind", "--today", eve)["queued"] == 0
    assert run_json(env, "remind")["queued"] == 0  # today is not the eve of anything
    assert len(queued_notices(redis_client)) == 1


def titled_guide(path, title, rows, sheet_name="Sheet"):
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = sheet_name
    sheet.append([title])
    sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(HEADER))
    sheet.append(["填报单位（盖章）：", None, None, "填报日期：2026年12月"])
    sheet.append(HEADER)
    for row in rows:
        sheet.append(row)
    workbook.save(path)
    return path


NEXT_YEAR = [[1, "示范科技学会", "青年学者论坛", "学术会议", "5月30日", "郑州", "青工委", "", "5月20日", "", ""]]


def test_next_years_guide_dates_written_without_a_year_take_the_guides_year(env, db, tmp_path):
    path = titled_guide(tmp_path / "guide.xlsx", "河南省示范科技学会2027年度学术活动计划表", NEXT_YEAR)
    data = run_json(env, "import", path)
    assert data["year"] == 2027 and data["year_source"] == "title"
    [forum] = store.events_of_year(db, 2027)
    assert (forum["starts_on"], forum["signup_deadline"]) == ("2027-05-30", "2027-05-20")
    assert "按表格标题中的 2027 年计" in run(env, "import", path).output

    by_sheet = titled_guide(tmp_path / "g2.xlsx", "学术活动计划表", NEXT_YEAR, sheet_name="2027年")
    assert run_json(env, "import", by_sheet, "--dry-run")["year"] == 2027


def test_a_guide_naming_two_years_asks_which_one(env, db, tmp_path):
    path = titled_guide(tmp_path / "guide.xlsx", "2026-2027学年活动计划", NEXT_YEAR)
    out = run(env, "import", path, ok=False).output
    assert "无法确定是哪一年" in out and "--year" in out
    assert "第 4 行 活动时间（E 列）“5月30日”：没写年份" in out
    assert store.events_of_year(db) == []
    assert run_json(env, "import", path, "--year", "2027")["new"][0]["number"] == "HD2027001"
