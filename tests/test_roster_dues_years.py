"""A roster whose dues column lists the years paid, as one secretary writes them and another abbreviates them
(缴费年度: a range 2023-2025, a list 23、24, one year, 至2026, a year with one made up), beside a column of the
date the last money came (最近缴费日期), which says when, not to when. Then a sheet of students named for them,
and a units list where a renamed unit has one row under each name. The files are made here with openpyxl, in
the words of a society other than the one whose files taught us these forms."""
from __future__ import annotations

from datetime import datetime

import openpyxl
import pytest

from handlers.fees import dues
from storage.members import find_member_by_no, find_members_by_name, find_unit_by_no, list_units
from tests.cli import command, roster_imported

HEADER = ["序号", "会员编号", "姓名", "工作单位", "会员类别", "手机", "入会时间", "缴费年度", "最近缴费日期", "备注"]
PERSONS = [
    ["GSJZ2012-0101", "马国华", "兰州交通大学", "高级会员", "13919100001", "2012", "2023—2025", datetime(2023, 3, 1), None],
    ["GSJZ2014-0132", "苟文斌", "甘肃建投", "普通会员", "13919100002", "2014", "23、24", "2023.4.2", None],
    ["GSJZ2016-0150", "祁红", "兰州理工大学", "普通会员", "13919100003", "2016", "至2026", "2026年2月", None],
    ["GSJZ2017-0166", "何正", "中铁二十一局", "普通会员", "13919100004", "2017", "2023、2025", "2025.6.1", "24年忘交"],
    ["GSJZ2018-0177", "鲁燕", "兰州城市学院", "普通会员", "13919100005", "2018", 24, "2024.9.9", None],
    ["GSJZ2019-0188", "杜明", "甘肃建科院", "普通会员", "13919100006", "2019", "2024年（补2023）", "2024.1.5", None],
    ["GSJZ2020-0199", "包刚", "甘肃一建", "普通会员", "13919100007", "2020", "未缴", datetime(2022, 5, 6),
     "22年交过，23年起未交"],
    ["GSJZ2021–0203", "安然", "兰州新区", "普通会员", "13919100008", "2021.6", "未缴", None, "入会以来一直没交"],
    ["GSJZ2015-0140", "冯涛", "甘肃建投", "普通会员", "13919100009", "2015", "2024", None, "2026.3已电话催缴"],
    ["GSJZ2016-0144", "满江", "甘肃建投", "普通会员", "13919100010", "2016", "2024 2025", None, None],
    ["GSJZ2016-0145", "海燕", "甘肃建投", "普通会员", "13919100019", "2016", "24/25/26", None, None],
]
STUDENT_HEADER = ["序号", "姓名", "学校", "导师", "手机", "会员编号", "会费", "备注"]
STUDENTS = [
    ["韦小龙", "兰州大学", "杨教授", "13919100011", "GSJZ2024-0301", "2025、2026", None],
    ["蒲佳", "西北师范大学", "李教授", "13919100012", "GSJZ2024-0302", 25, "导师去世，转张教授指导"],
    ["冶青", "兰州大学", "杨教授", "13919100013", "GSJZ2025-0303", "25-26年", None],
    ["马悦", "兰州交通大学", "丁教授", "13919100014", "待审", "未交", "今年9月入学，申请待审"],
    ["沙宁", "兰州大学", "杨教授", "13919100015", "HNKX2024-0304", "未交", "入会后一直没交"],
]


def roster(path):
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "个人会员"
    sheet.append(["某省建筑学会个人会员名册"])
    sheet.append(HEADER)
    for at, row in enumerate(PERSONS, start=1):
        sheet.append([at, *row])
    students = book.create_sheet("学生会员")
    students.append(STUDENT_HEADER)
    for at, row in enumerate(STUDENTS, start=1):
        students.append([at, *row])
    book.save(path)
    return path


@pytest.fixture
def arrears_first(monkeypatch):
    rules = dict(dues.fee_rules(), arrears_first=True)
    monkeypatch.setattr(dues, "fee_rules", lambda: rules)   # as the society sets it: arrears are paid first


def paid(db, number):
    return find_member_by_no(db, number)["paid_through"]


def test_the_years_a_dues_column_lists_are_the_years_paid(env, db, tmp_path, arrears_first):
    report = roster_imported(env, roster(tmp_path / "名册.xlsx"))
    assert report["bad_rows"] == []
    assert {number: paid(db, number) for number in (
        "GSJZ2012-0101", "GSJZ2014-0132", "GSJZ2016-0150", "GSJZ2018-0177", "GSJZ2019-0188")} == {
        "GSJZ2012-0101": "2025-12-31",   # 2023—2025, a range with a long dash
        "GSJZ2014-0132": "2024-12-31",   # 23、24
        "GSJZ2016-0150": "2026-12-31",   # 至2026
        "GSJZ2018-0177": "2024-12-31",   # the bare number 24, in a column of years
        "GSJZ2019-0188": "2024-12-31",   # 2024年（补2023）
    }
    assert paid(db, "GSJZ2015-0140") == "2024-12-31"     # 2026.3已电话催缴: reminded, not paid
    assert (paid(db, "GSJZ2016-0144"), paid(db, "GSJZ2016-0145")) == ("2025-12-31", "2026-12-31")  # spaces, slashes


def test_a_year_skipped_in_the_list_is_paid_by_the_later_money_and_listed(env, db, tmp_path, arrears_first):
    report = roster_imported(env, roster(tmp_path / "名册.xlsx"))
    assert paid(db, "GSJZ2017-0166") == "2024-12-31"     # 2023、2025: the 2025 money paid the 2024 left unpaid
    [gap] = [c for c in report["checks"] if c["row"] == 6 and c["reason"] == "paid_gap_first"]
    assert gap["header"] == "缴费年度" and "2024" in gap["check"]


def test_where_arrears_are_not_paid_first_the_skipped_year_stays_owed(env, db, tmp_path):
    roster_imported(env, roster(tmp_path / "名册.xlsx"))
    he = find_member_by_no(db, "GSJZ2017-0166")
    assert (he["paid_through"], he["dues_unpaid"]) == ("2025-12-31", "2024")


def test_the_date_of_the_last_payment_says_when_not_to_when(env, db, tmp_path, arrears_first):
    """包刚 paid last in May 2022 and owes since 2023: paid through 2022-12-31, not 2022-05-06; the date is kept."""
    roster_imported(env, roster(tmp_path / "名册.xlsx"))
    bao = find_member_by_no(db, "GSJZ2020-0199")
    assert bao["paid_through"] == "2022-12-31"
    assert "最近缴费日期" in bao["remarks"]
    assert paid(db, "GSJZ2016-0150") == "2026-12-31"     # 2026年2月 in the date column changes nothing


def test_never_paid_since_joining_owes_from_the_year_joined(env, db, tmp_path, arrears_first):
    report = roster_imported(env, roster(tmp_path / "名册.xlsx"))
    assert paid(db, "GSJZ2021-0203") == "2020-12-31"     # the number's en dash read as a dash too
    assert any(c["row"] == 10 and c["reason"] == "never_paid" for c in report["checks"])


def test_a_sheet_named_for_students_makes_its_rows_students(env, db, tmp_path, arrears_first):
    report = roster_imported(env, roster(tmp_path / "名册.xlsx"))
    students = [find_member_by_no(db, number) for number in ("GSJZ2024-0301", "GSJZ2024-0302", "GSJZ2025-0303")]
    assert [m["category"] for m in students] == ["student"] * 3
    assert [m["paid_through"] for m in students] == ["2026-12-31", "2025-12-31", "2026-12-31"]
    assert students[1]["status"] == "active"             # her supervisor died, not she
    said = [n for n in report["notices"] if n["sheet"] == "学生会员" and n["row"] == 2]
    assert [(n["header"], n["value"]) for n in said] == [("姓名", "韦小龙")]   # the row named, in the report's words
    [waiting] = [p for p in report["left_out"] if p["sheet"] == "学生会员"]
    assert (waiting["row"], waiting["reason"], waiting["value"]) == (5, "not_yet_approved", "待审")
    assert find_members_by_name(db, "马悦") == []
    assert paid(db, "HNKX2024-0304") == "2023-12-31"     # no 入会时间 here: the year her number holds


UNITS_HEADER = ["编号", "单位名称", "级别", "联系人", "联系电话", "欠费情况", "备注"]


def test_a_renamed_unit_listed_under_both_names_is_one_unit(env, db, tmp_path):
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(UNITS_HEADER)
    sheet.append(["GSDW007", "兰州市政工程有限公司", "会员单位", "赵刚", "13919100021", "2025年已交",
                  "2026年3月改名为甘肃城建集团有限公司"])
    sheet.append(["GSDW008", "甘肃路桥建设有限公司", "会员单位", "钱进", "13919100022", "2026年已交", None])
    sheet.append(["GSDW007", "甘肃城建集团有限公司", "会员单位", "赵刚", "13919100021", "2026年已交",
                  "原兰州市政工程有限公司，更名"])
    path = tmp_path / "单位会员.xlsx"
    book.save(path)
    report = command("units")[1](env, "import", path)
    assert [u["unit_no"] for u in list_units(db)].count("GSDW007") == 1
    unit = find_unit_by_no(db, "GSDW007")
    assert (unit["name"], unit["former_names"], unit["paid_through"]) == (
        "甘肃城建集团有限公司", "兰州市政工程有限公司", "2026-12-31")
    [twice] = [c for c in report["checks"] if c["reason"] == "unit_listed_twice"]
    assert twice["row"] == 2 and "第 4 行" in twice["check"]


def test_a_unit_whose_dues_cell_says_exempt_is_never_owed(env, db, tmp_path):
    """The host institute's row says 免: shown exempt on the units list, not in arrears; the list dated 更新
    2026.9.1 saying 已交 means this year; 欠三年（24、25、26） is paid through 2023."""
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["编号", "单位名称", "级别", "联系人", "联系电话", "欠费情况", "备注"])
    sheet.append(["GSDW001", "甘肃省建筑设计研究院有限公司", "挂靠单位", "秘书处", "13919100031", "免", "学会挂靠单位"])
    sheet.append(["GSDW002", "兰州宏达建设有限公司", "会员单位", "周平", "13919100032", "已交", None])
    sheet.append(["GSDW003", "天水建工集团有限公司", "会员单位", "吴强", "13919100033", "欠三年（24、25、26）", None])
    sheet.append(["GSDW004", "甘肃省建设科技中心", "会员单位", "刘敏", "13919100034", "免收会费", None])
    sheet.append([])
    sheet.append(["更新：2026.9.1 秘书处"])
    path = tmp_path / "单位会员.xlsx"
    book.save(path)
    report = command("units")[1](env, "import", path)
    assert report["bad_rows"] == []
    listed = {u["unit_no"]: u for u in command("units")[1](env, "list")}
    assert listed["GSDW001"]["standing"] == listed["GSDW004"]["standing"] == "exempt"
    assert [c["reason"] for c in report["checks"] if c["row"] == 2] == ["unit_exempt"]
    assert find_unit_by_no(db, "GSDW002")["paid_through"] == "2026-12-31"
    assert find_unit_by_no(db, "GSDW003")["paid_through"] == "2023-12-31"
    owing = command("fees")[1](env, "report")
    assert "甘肃省建筑设计研究院有限公司" not in str(owing)


def test_a_paid_through_date_written_as_text_is_that_date_not_a_list_of_years(env, db, tmp_path):
    """会费缴至 written as text (a CSV's, or a cell typed 2026/06/30): the day it says, not the years 2006, 2026
    and 2030 read from its parts."""
    path = tmp_path / "名册.csv"
    path.write_text("会员编号,姓名,会员类别,手机,会费缴至\n"
                    "GSJZ2016-0161,杨帆,普通会员,13919100041,2026/06/30\n"
                    "GSJZ2016-0162,秦岚,普通会员,13919100042,2025-03-15\n", encoding="utf-8")
    report = roster_imported(env, path)
    assert report["bad_rows"] == []
    assert (paid(db, "GSJZ2016-0161"), paid(db, "GSJZ2016-0162")) == ("2026-06-30", "2025-03-15")


def test_a_unit_whose_remark_says_exempt_in_brackets_is_never_owed(env, db, tmp_path):
    """The waiver said in brackets after what the unit is (挂靠单位（会费免交）), in the remark or the dues cell."""
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(UNITS_HEADER)
    sheet.append(["GSDW011", "甘肃省建筑科学研究院", "理事单位", "秘书处", "13919100051", None, "学会挂靠单位（会费免交）"])
    sheet.append(["GSDW012", "甘肃省建设信息中心", "会员单位", "林森", "13919100052", "挂靠单位（免收会费）", None])
    path = tmp_path / "单位会员.xlsx"
    book.save(path)
    command("units")[1](env, "import", path)
    listed = {u["unit_no"]: u for u in command("units")[1](env, "list")}
    assert listed["GSDW011"]["standing"] == listed["GSDW012"]["standing"] == "exempt"


def test_a_unit_whose_dues_were_waived_for_a_year_is_not_exempt_for_good(env, db, tmp_path):
    """首年免会费, 2024年免收会费: one year waived, the unit pays from then on; only a waiver naming no year (会费免交)
    makes it a unit that never pays."""
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(UNITS_HEADER)
    sheet.append(["GSDW021", "甘肃绿建科技有限公司", "会员单位", "任洁", "13919100061", None, "新入会，首年免会费"])
    sheet.append(["GSDW022", "兰州新材料有限公司", "会员单位", "卢伟", "13919100062", None, "2024年免收会费，2025年起正常缴"])
    path = tmp_path / "单位会员.xlsx"
    book.save(path)
    command("units")[1](env, "import", path)
    listed = {u["unit_no"]: u for u in command("units")[1](env, "list")}
    assert "exempt" not in (listed["GSDW021"]["standing"], listed["GSDW022"]["standing"])
