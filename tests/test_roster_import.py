"""Importing the secretariat's own roster, as real ones look, and exporting it back unchanged."""
import json
from datetime import date, datetime

import pytest
from click.testing import CliRunner
from openpyxl import Workbook, load_workbook

from bot.cli import main
from bot.spreadsheets import read_table
from storage.database import open_database
from storage.members import find_member_by_no, history_of, insert_member, update_member

TITLE = "河南省示范科技学会会员名册（2025 年 12 月）"
HEADER = ["序号", "姓名", "会员号", "类别", "出生年月", "工作单位", "单位性质", "岗位类别",
          "学科/专业", "联系方式", None, "入会时间", "缴费至", "理事会职务"]
SUB_HEADER = {"J": "手机号", "K": "邮箱"}  # under 联系方式, merged over J2:K2
GOOD = [
    [1, "张伟", "HNKX201900001", "普通会员", "1985.06", "郑州大学", "高等院校", "科研", "计算机科学",
     "138 0013 8000", "ZhangWei@zzu.edu.cn", datetime(2019, 3, 1), "2025", "理事"],
    [2, "李娜", None, "高级会员", datetime(1972, 5, 1), "河南省科学院", "科研院所", "管理", "化学",
     "１３９００１３９０００", None, "2020.09", "2026.12", None],
    None,  # a blank row
    [3, "王芳", "", "学生会员", 2001, "河南大学", "高等院校", "科研", "物理学", 13700137000, None,
     "2024-09-01", None, None],
    [5, "周敏", "ＨＮＫＸ２０１９００００２", "会士", "1958年", "中原工学院", "高等院校", "科研", "纺织工程",
     "136-0013-6000", "zhoumin@example.com", "2019年5月", "2030", "副理事长"],
]
DUPLICATE_MOBILE = [4, "赵强", None, "普通会员", 1980, "郑州大学", "高等院校", "应用", "土木工程",
                    "137 0013 7000", None, "2021", None, None]
BAD_MOBILE = [6, "孙磊", None, "普通会员", 1990, "河南工业大学", "高等院校", "科研", "食品科学",
              "1380013", None, "2022", None, None]
NOTE = "备注：1. 会员类别以 2025 年审核结果为准；2. 手机号如有变更请告知秘书处。"


def messy_roster(path, rows):
    """A roster as secretariats keep them: merged title, two-row header, a notes row at the end."""
    book = Workbook()
    sheet = book.active
    sheet["A1"] = TITLE
    sheet.merge_cells("A1:N1")
    for position, text in enumerate(HEADER, start=1):
        sheet.cell(row=2, column=position, value=text)
    for letter, text in SUB_HEADER.items():
        sheet[f"{letter}3"] = text
    sheet.merge_cells("J2:K2")
    for letter in "ABCDEFGHILMN":  # every other header cell spans both header rows
        sheet.merge_cells(f"{letter}2:{letter}3")
    for row in rows:
        sheet.append(row or [])
    sheet.append([NOTE])
    sheet.merge_cells(f"A{sheet.max_row}:N{sheet.max_row}")
    book.save(path)
    return path


def run(env, *args, ok=True):
    result = CliRunner().invoke(main, list(args), env=env, catch_exceptions=False)
    assert (result.exit_code == 0) == ok, result.output
    return result


def imported(env, *args, ok=True):
    return json.loads(run(env, "members", "import", *args, "--json", ok=ok).stdout)


def history_count(db, member):
    return len(history_of(db, "member", member["id"]))


def test_the_header_is_found_under_a_merged_title_and_over_merged_cells(tmp_path):
    path = messy_roster(tmp_path / "名册.xlsx", GOOD)
    sheet = read_table(path, {"name": ["姓名"], "mobile": ["手机", "手机号"], "email": ["邮箱"]})
    assert sheet.header_rows == [2, 3]
    assert {k: c.letter for k, c in sheet.columns.items()} == {"name": "B", "mobile": "J", "email": "K"}
    assert [row for row, _ in sheet.rows] == [4, 5, 7, 8]  # row 6 is blank
    assert sheet.notes == [(9, NOTE)]
    assert sheet.rows[2][1]["mobile"] == 13700137000  # a number cell, not 13700137000.0


def test_a_row_not_imported_is_not_said_to_have_its_remark_moved(env, db, tmp_path):
    """Console walk 10, #13: a row left out for its landline said both 这一行没有导入，备注也就没有记下 and,
    under 已识别并转入对应栏目, 含理事会职务“副理事长”，已记入“理事会职务”."""
    path = messy_roster(tmp_path / "名册.xlsx", [GOOD[0], [7, "赵磊", None, "高级会员/副理事长", 1970, "郑州大学",
                                                        "高等院校", "科研", "化学", "0371-12345678", None, "2020"]])
    report = imported(env, str(path), "--dry-run", ok=False)
    assert report["bad_rows"] == [5] and not [n for n in report["notices"] if n["row"] == 5]


def test_problems_are_reported_by_row_and_column_and_nothing_is_imported(env, db, tmp_path):
    path = messy_roster(tmp_path / "名册.xlsx", [*GOOD, DUPLICATE_MOBILE, BAD_MOBILE])
    result = run(env, "members", "import", str(path), ok=False)
    text = result.output
    assert "表头在第 2-3 行" in text and "序号（A 列）" in text
    # the secretariat's own report shows the mobile in full, to find the row in Excel
    assert "第 9 行 手机号（J 列）：与第 7 行（王芳）手机号相同、姓名不同：一个手机号只对应一位会员，这一行已导入、手机号空着" in text
    assert "第 10 行 手机号（J 列）“1380013”：手机号格式不对" in text
    assert "第 11 行是备注，已忽略" in text
    assert "新增 5 人，更新 0 人，无变化 0 人，有问题 1 行。" in text
    assert "未导入任何数据" in text and "--skip-bad-rows" in text
    assert db["members"].count == 0

    report = imported(env, str(path), ok=False)
    assert report["applied"] is False and report["bad_rows"] == [10]
    assert report["problems"][0] == {
        "row": 10, "column": "mobile", "header": "手机号", "letter": "J", "value": "1380013",
        "problem": "手机号格式不对：请输入 11 位大陆手机号，如 13812345678。"}


def test_two_people_sharing_one_mobile_are_both_named_for_the_secretary(env, db, tmp_path):
    """A branch's list where a couple gives one mobile: both are imported, the second without it (a mobile
    belongs to one member; it is kept in her remarks), and both rows are named, each pointing at the other;
    the same person written twice is still just skipped as repeated."""
    book = Workbook()
    sheet = book.active
    sheet.append(["东区分会2026年新会员汇总表"])
    sheet.append(["序号", "姓名", "性别", "会员类别", "手机号", "工作单位", "备注"])
    sheet.append([1, "刘一丹", "女", "个人会员", "13600000401", "东区大学", None])
    sheet.append([2, "陈二河", "男", "个人会员", "13600000402", "东区研究所", None])
    sheet.append([3, "孙小燕", "女", "个人会员", "13600000402", "东区研究所", "与陈二河系夫妻"])
    sheet.append([4, "刘一丹", "女", "个人会员", "13600000401", "东区大学", None])
    book.save(tmp_path / "新会员汇总.xlsx")
    report = imported(env, str(tmp_path / "新会员汇总.xlsx"), "--skip-bad-rows")
    assert [n["row"] for n in report["new"]] == [3, 4, 5] and report["bad_rows"] == []
    assert [(r["row"], r["first"]) for r in report["repeated"]] == [(6, 3)]
    [kept] = [c for c in report["checks"] if c["row"] == 5 and c["column"] == "mobile"]
    assert kept["letter"] == "E" and "与第 4 行（陈二河）手机号相同、姓名不同" in kept["check"]
    [check] = [c for c in report["checks"] if c["row"] == 4]
    assert check["letter"] == "E" and "第 5 行（孙小燕）也填了这个手机号" in check["check"]


def test_skip_bad_rows_imports_the_rest_cleaned_and_a_reimport_changes_nothing(env, db, tmp_path):
    path = messy_roster(tmp_path / "名册.xlsx", [*GOOD, DUPLICATE_MOBILE, BAD_MOBILE])
    report = imported(env, str(path), "--skip-bad-rows", "--by", "王秘书")
    assert report["applied"] and report["bad_rows"] == [10]
    assert [(n["row"], n["member_no"]) for n in report["new"]] == [
        (4, "HNKX201900001"), (5, "HNKX202000001"), (7, "HNKX202400001"), (8, "HNKX201900002"), (9, "HNKX202100001")]

    zhang = find_member_by_no(db, "HNKX201900001")
    assert (zhang["mobile"], zhang["email"], zhang["birth_year"], zhang["category"]) == (
        "13800138000", "zhangwei@zzu.edu.cn", 1985, "regular")
    assert (zhang["joined_at"], zhang["paid_through"], zhang["council_role"]) == (
        "2019-03-01", "2025-12-31", "理事")
    li = find_member_by_no(db, "HNKX202000001")
    assert (li["name"], li["mobile"], li["birth_year"], li["paid_through"]) == (
        "李娜", "13900139000", 1972, "2026-12-31")
    zhou = find_member_by_no(db, "HNKX201900002")
    assert (zhou["category"], zhou["mobile"], zhou["joined_at"]) == (
        "fellow", "13600136000", "2019-05-01")
    [created, opening] = history_of(db, "member", zhang["id"])
    assert (created["actor"], created["reason"]) == ("王秘书", "名册导入 名册.xlsx 第 4 行")
    # the paid-through date is an opening balance with its source, not a payment
    assert (opening["reason"], json.loads(opening["detail"])) == (
        "名册导入 名册.xlsx 第 4 行", {"paid_through": [None, "2025-12-31"]})
    assert db["payments"].count == 0
    assert db["members"].count == 5 and find_member_by_no(db, "HNKX202100001")["mobile"] is None

    again = run(env, "members", "import", str(path), "--skip-bad-rows").output
    assert "新增 0 人，更新 0 人，无变化 5 人，有问题 1 行。" in again and "无变化" in again
    assert db["members"].count == 5 and history_count(db, zhang) == 2


def test_a_clean_roster_imports_and_round_trips_through_xlsx(env, db, tmp_path):
    path = messy_roster(tmp_path / "名册.xlsx", GOOD)
    assert "新增 4 人" in run(env, "members", "import", str(path)).output

    exported = tmp_path / "导出.xlsx"
    assert "已导出 4 人" in run(env, "members", "export", str(exported)).output
    sheet = load_workbook(exported).active
    assert [c.value for c in sheet[1]][:3] == ["会员编号", "姓名", "会员类别"]
    assert sheet["A1"].font.bold and sheet.column_dimensions["B"].width >= 6
    assert sheet["B2"].value == "张伟" and sheet["I2"].value == "13800138000"

    text = run(env, "members", "import", str(exported)).output
    assert "无变化 4 人" in text and "无变化：没有需要新增或更新的会员" in text

    # The export rebuilds the same roster in an empty store.
    fresh = dict(env, BOT_DATA_DIR=str(tmp_path / "fresh"))
    run(fresh, "members", "import", str(exported))
    copy = open_database(tmp_path / "fresh" / "bot.sqlite3")
    columns = "member_no, name, category, birth_year, work_unit, institution_type, post_category, " \
              "discipline, mobile, email, joined_at, paid_through, council_role"
    query = f"select {columns} from members order by member_no"
    assert copy.execute(query).fetchall() == db.execute(query).fetchall()


def test_csv_round_trip_with_a_bom(env, db, tmp_path):
    run(env, "members", "import", str(messy_roster(tmp_path / "名册.xlsx", GOOD)))
    exported = tmp_path / "导出.csv"
    run(env, "members", "export", str(exported), "--category", "普通会员")
    raw = exported.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf") and "张伟".encode() in raw and "李娜".encode() not in raw
    assert "无变化 1 人" in run(env, "members", "import", str(exported)).output


def test_a_gbk_csv_from_excel_with_a_title_row(env, db, tmp_path):
    path = tmp_path / "会员.csv"
    path.write_bytes("会员名册,,,\n姓名,手机,会员类别,电子邮箱\n"
                     "张伟,138 0013 8000,普通会员,\n"
                     "李娜,139-0013-9000,高级,lina@example.com\n,,,\n"
                     "合计：2 人,,,\n".encode("gb18030"))
    report = imported(env, str(path))
    assert [n["name"] for n in report["new"]] == ["张伟", "李娜"]
    assert report["notes"] == [{"row": 6, "text": "合计：2 人"}]
    li = db.execute("select category, mobile from members where name = '李娜'").fetchone()
    assert li == ("senior", "13900139000")


def test_rows_are_matched_by_number_or_by_mobile_and_name(env, db, tmp_path):
    insert_member(db, {"member_no": "HNKX201900001", "name": "张伟", "category": "regular",
                       "mobile": "13800138000", "email": "zw@example.com"}, actor="test")
    insert_member(db, {"member_no": "HNKX201900002", "name": "李娜", "category": "regular",
                       "mobile": "13900139000"}, actor="test")
    path = tmp_path / "更新.csv"
    path.write_text("会员编号,姓名,手机号,类别,邮箱\n"
                    ",张伟,13800138000,普通会员,\n"          # no number: same mobile and name
                    "HNKX201900009,王五,13900139000,普通会员,\n"  # someone else's mobile
                    "HNKX201900001,李四,13700137000,普通会员,\n", encoding="utf-8-sig")
    report = imported(env, str(path), ok=False)
    assert [(p["row"], p["column"]) for p in report["problems"]] == [(3, "mobile"), (4, "name")]
    assert "已属于会员 HNKX201900002（李娜）" in report["problems"][0]["problem"]
    assert "在系统中是“张伟”" in report["problems"][1]["problem"]
    # Row 2 has no email: a blank cell clears nothing, so the row is unchanged.
    assert report["unchanged"] == [{"row": 2, "member_no": "HNKX201900001"}]

    path.write_text("会员编号,姓名,手机号,类别,邮箱\n"
                    "HNKX201900001,张伟,13800138001,高级会员,zw@example.com\n", encoding="utf-8-sig")
    text = run(env, "members", "import", str(path)).output
    assert "第 2 行 HNKX201900001 张伟 更新：手机：13800138000 → 13800138001；类别：普通会员 → 高级会员" in text
    member = find_member_by_no(db, "HNKX201900001")
    assert (member["mobile"], member["category"]) == ("13800138001", "senior")
    assert history_of(db, "member", member["id"])[-1]["action"] == "imported"


def test_file_level_problems_are_explained(env, tmp_path):
    no_mobile = tmp_path / "缺列.csv"
    no_mobile.write_text("姓名,会员类别\n张伟,普通会员\n", encoding="utf-8")
    assert "缺少必需的列：手机" in run(env, "members", "import", str(no_mobile), ok=False).output
    not_roster = tmp_path / "其他.csv"
    not_roster.write_text("日期,金额\n2026-01-01,100\n", encoding="utf-8")
    assert "没有找到表头" in run(env, "members", "import", str(not_roster), ok=False).output
    text_file = tmp_path / "名册.txt"
    text_file.write_text("x", encoding="utf-8")
    assert "不支持的文件类型" in run(env, "members", "import", str(text_file), ok=False).output
    assert "不支持的文件类型" in run(env, "members", "export", str(text_file), ok=False).output


def test_dry_run_reports_without_writing(env, db, tmp_path):
    path = messy_roster(tmp_path / "名册.xlsx", GOOD)
    text = run(env, "members", "import", str(path), "--dry-run").output
    assert "新增 4 人" in text and "试运行" in text
    assert db["members"].count == 0


def test_dates_as_rosters_write_them():
    from handlers.members.roster import parse_date

    assert parse_date("2019.3") == "2019-03-01"
    assert parse_date("2019年3月5日") == "2019-03-05"
    assert parse_date("2025", end_of_period=True) == "2025-12-31"
    assert parse_date("2024.02", end_of_period=True) == "2024-02-29"
    assert parse_date(date(2020, 1, 2)) == "2020-01-02"


@pytest.mark.parametrize("written,paid_through", [
    ("2025年已缴", "2025-12-31"), ("已缴至2026年", "2026-12-31"), ("已缴2024-2025年", "2025-12-31"),
    ("2026年度会费已缴清", "2026-12-31"), ("2025年已缴，2026年未缴", "2025-12-31"), ("2026.12", "2026-12-31"),
    ("终身会员", "9999-12-31"), ("未缴", None), ("欠费", None),
])
def test_paid_status_as_secretariats_write_it(written, paid_through):
    from handlers.members.roster import clean_paid_through

    assert clean_paid_through(written, date(2026, 12, 6)) == paid_through


# --- a roster as the secretariat keeps it: paid status, roles where they are written, units ------

def simple_roster(path, header, rows, title="河南省示范科技学会会员名册"):
    book = Workbook()
    sheet = book.active
    sheet.append([title])
    sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(header))
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    book.save(path)
    return path


ROLES_HEADER = ["姓名", "类别", "手机号码", "缴费情况", "入会日期", "备注"]


def test_paid_status_roles_and_units_arrive_where_they_belong(env, db, tmp_path):
    path = simple_roster(tmp_path / "名册.xlsx", ROLES_HEADER, [
        [" 张  伟 ", "常务理事", "13800138000", "2025年已缴", "2019-03-01", None],
        ["李娜", "高级会员（副理事长）", "13900139000", "已缴至2026年", "2018", None],
        ["王芳", "普通会员", "13700137000", "未缴", "2024", "2023年换届当选监事"],
        ["周敏", "普通会员", "13600136000", "终身会员", "2010", None],
        ["郑州示范科技有限公司", "单位会员", "13500135000", "2026年已缴", "2020", None],
    ])
    report = imported(env, str(path))
    assert report["problems"] == []
    members = {m["name"]: m for m in db["members"].rows}
    assert set(members) == {"张伟", "李娜", "王芳", "周敏"}
    assert (members["张伟"]["category"], members["张伟"]["council_role"], members["张伟"]["paid_through"]) == (
        "regular", "常务理事", "2025-12-31")
    assert (members["李娜"]["category"], members["李娜"]["council_role"], members["李娜"]["paid_through"]) == (
        "senior", "副理事长", "2026-12-31")
    assert (members["王芳"]["council_role"], members["王芳"]["paid_through"]) == ("监事", None)
    assert members["周敏"]["paid_through"] == "9999-12-31"
    [unit] = db["units"].rows
    assert (unit["name"], unit["contact_mobile"], unit["paid_through"]) == (
        "郑州示范科技有限公司", "13500135000", "2026-12-31")
    assert unit["unit_no"].startswith("HNKXDW2020")
    assert db["payments"].count == 0  # opening balances, not payments

    text = run(env, "members", "import", str(path)).output
    assert "第 3 行 类别（B 列）“常务理事”：是理事会职务，已记入“理事会职务”；会员类别未写，按普通会员导入" in text
    assert "第 5 行 备注（F 列）“2023年换届当选监事”：含理事会职务“监事”，已记入“理事会职务”" in text
    assert "无变化 5 人" in text
    # search ignores the spaces the secretariat typed, either way
    assert "张伟" in run(env, "members", "search", "张 伟").output


def test_future_dates_are_refused_and_identical_repeated_rows_skipped(env, db, tmp_path):
    path = simple_roster(tmp_path / "名册.xlsx", ROLES_HEADER, [
        ["张伟", "普通会员", "13800138000", "2025年已缴", "2019-03-01", None],
        ["李娜", "普通会员", "13900139000", None, "2036-05-01", None],
        ["张伟", "普通会员", "138 0013 8000", "2025年已缴", "2019.3.1", None],
        ["张伟", "普通会员", "13800138000", None, None, None],          # the same, fewer cells filled
    ])
    report = imported(env, str(path), ok=False)
    assert [(p["row"], p["letter"], p["value"]) for p in report["problems"]] == [(4, "E", "2036-05-01")]
    assert "晚于今天" in report["problems"][0]["problem"]
    assert report["repeated"] == [{"row": 5, "first": 3}, {"row": 6, "first": 3}]
    assert "第 5 行与第 3 行是同一人，内容没有超出第 3 行的，已跳过" in run(env, "members", "import", str(path), ok=False).output


def test_an_older_roster_asks_before_overwriting_newer_values(env, db, tmp_path):
    old = simple_roster(tmp_path / "名册2024.xlsx", ["会员编号", *ROLES_HEADER], [
        ["HNKX201900001", "张伟", "普通会员", "13800138000", "2024年已缴", "2019", None]])
    run(env, "members", "import", str(old))
    zhang = db["members"].get(1)
    run(env, "fees", "record", zhang["member_no"], "100", "--date", "2025-01-10")   # paid through 2025 since
    # the member changed their mobile in chat meanwhile
    update_member(db, zhang["id"], {"mobile": "13800138001"}, actor="openid:o_zhang")

    report = imported(env, str(old))
    assert [(c["field"], c["stored"], c["file"]) for c in report["conflicts"]] == [
        ("mobile", "13800138001", "13800138000"), ("paid_through", "2025-12-31", "2024-12-31")]
    member = db["members"].get(1)
    assert (member["mobile"], member["paid_through"]) == ("13800138001", "2025-12-31")
    text = run(env, "members", "import", str(old)).output
    assert "库里的值比名册新，未覆盖" in text and "--overwrite" in text
    assert "库里是“13800138001”" in text and "由 openid:o_zhang 修改" in text

    run(env, "members", "import", str(old), "--overwrite")
    assert db["members"].get(1)["mobile"] == "13800138000"


def test_a_sheet_of_unit_members(env, db, tmp_path):
    from bot.validation import credit_code_check_char
    code = "12410000MB0000002" + credit_code_check_char("12410000MB0000002")
    path = simple_roster(tmp_path / "单位会员.xlsx", ["单位名称", "联系人", "联系电话", "会费缴至", "统一社会信用代码"], [
        ["中原示范研究院", "王老师", "13500135000", "2026", code],
        ["河南示范大学", "李老师", "13500135001", "未缴", None],
    ], title="单位会员名单")
    report = json.loads(run(env, "units", "import", str(path), "--json").stdout)
    assert [u["name"] for u in report["new_units"]] == ["中原示范研究院", "河南示范大学"]
    first = db["units"].get(1)
    assert (first["contact_name"], first["contact_mobile"], first["paid_through"], first["credit_code"]) == (
        "王老师", "13500135000", "2026-12-31", code)
    # their dues work the same way: a transfer by the unit's number is booked to it
    out = json.loads(run(env, "fees", "record", first["unit_no"], "2000", "--date", "2026-12-01", "--json").stdout)
    assert out["paid_through"] == "2027-12-31"
    assert "无变化 2 人" in run(env, "units", "import", str(path)).output


def test_staff_of_a_unit_on_the_same_roster_are_linked_to_it(env, db, tmp_path):
    path = simple_roster(tmp_path / "名册.xlsx", ["会员编号", "姓名", "类别", "手机", "所属单位会员编号"], [
        ["HNKX201900001", "张伟", "普通会员", "13800138000", "HNKXDW201900001"],
        ["HNKXDW201900001", "郑州示范科技有限公司", "单位会员", "13500135000", None],
    ])
    report = imported(env, str(path))
    assert report["problems"] == [] and [u["unit_no"] for u in report["new_units"]] == ["HNKXDW201900001"]
    unit = db["units"].get(1)
    assert find_member_by_no(db, "HNKX201900001")["unit_id"] == unit["id"]


def _book(path, sheets: dict):
    """A workbook of named sheets, each (title line or None, header, rows)."""
    book = Workbook()
    book.remove(book.active)
    for name, (title, header, rows) in sheets.items():
        sheet = book.create_sheet(name)
        if title:
            sheet.append([title])
        sheet.append(header)
        for row in rows:
            sheet.append(row)
    book.save(path)
    return path


SIGN_IN = (None, ["序号", "姓名", "工作单位", "职称", "手机", "签到时间"],
           [[1, "邱文博", "许昌学院", "讲师", "13937400101", "8:42"], [2, "窦雪梅", "黄河科技学院", "副教授", "15837400202", "8:50"]])


def test_a_meeting_sign_in_sheet_is_not_taken_for_a_roster(env, db, tmp_path):
    """A workbook of the members and the annual meeting's 签到表 (姓名 and 手机 too, but no member number, dues,
    category or joining column, and a name and headers that say what it is): its people became 普通会员. The
    sheet is listed as not imported, with the reason; the roster beside it is imported."""
    members = ("河南省示范科技学会会员名册", ["会员编号", "姓名", "手机", "会员类别"],
               [["HNKX202000011", "任建国", "13903710011", "普通会员"]])
    path = _book(tmp_path / "年会材料.xlsx", {"会员": members, "年会签到表": SIGN_IN})
    report = imported(env, str(path), "--skip-bad-rows")
    assert find_member_by_no(db, "HNKX202000011")["name"] == "任建国"
    assert db["members"].count == 1
    printed = run(env, "members", "import", str(path), "--dry-run").output
    assert "“年会签到表”不是会员名册" in printed and "整张表没有导入" in printed
    [skipped] = [sheet for sheet in report["sheets"] if sheet["sheet"] == "年会签到表"]
    assert "签到" in skipped["not_a_roster"]


def test_a_file_of_nothing_but_a_registration_list_imports_no_one_and_says_why(env, db, tmp_path):
    """Only a training class's 报名表 uploaded by mistake (the title says so; the sheet is Sheet1): no member is
    made, and the secretary reads why. A plain list of people that nothing marks as another list is still read
    as a roster (a branch's list with 姓名, 职称 and 手机 only)."""
    registration = ("2026年度继续教育培训班报名表", ["姓名", "单位", "手机号码", "备注"],
                    [["孔令辉", "郑州轻工业大学", "13837100303", "需要住宿"]])
    said = run(env, "members", "import", str(_book(tmp_path / "导入.xlsx", {"Sheet1": registration})), ok=False).output
    assert "不是会员名册" in said and "报名" in said and db["members"].count == 0
    branch = (None, ["姓名", "职称", "手机"], [["冯晓光", "工程师", "13837100404"]])
    imported(env, str(_book(tmp_path / "分会.xlsx", {"Sheet1": branch})))
    assert db["members"].count == 1


def test_a_list_of_new_members_from_a_sign_up_form_is_a_roster(env, db, tmp_path):
    """New members who applied through a form: the export heads the day they applied 报名时间, and the list is
    called 新会员报名表 or has a 审核情况 column; it is the new members' roster, not a meeting's list."""
    header = ["序号", "姓名", "工作单位", "职称", "手机", "报名时间"]
    named = (None, header, [[1, "裴雅琴", "洛阳理工学院", "讲师", "13937900101", "2026-10-08"]])
    imported(env, str(_book(tmp_path / "新会员.xlsx", {"2026年新会员名单": named})))
    reviewed = (None, [*header, "审核情况"], [[1, "鲍志远", "南阳师范学院", "副教授", "13937900202", "2026-10-09", "通过"]])
    imported(env, str(_book(tmp_path / "申请.xlsx", {"Sheet1": reviewed})))
    assert sorted(m["name"] for m in db["members"].rows) == ["裴雅琴", "鲍志远"]
