"""A fifth society's roster (a provincial mechanical engineering society), kept in the old .xls format: a
merged title, a 制表人 line, the header with one column per year whose header cells are the numbers 2023 to
2026 (the dues grid: ✓, 已缴, an amount, 免, 未交, blank, or words such as '25年一起交了'), 会员类别 left
empty on some rows with only 职称 to go by. The file is made here with xlwt as WPS or old Excel saves it."""
from __future__ import annotations

import pytest

from handlers.fees import dues
from storage.members import find_member_by_no, find_members_by_name
from tests.cli import roster_imported

HEADER = ["序号", "会员编号", "姓名", "工作单位", "职称", "会员类别", "手机", "入会时间", 2023, 2024, 2025, 2026, "备注"]


def grid_roster(path, rows):
    import xlwt

    book = xlwt.Workbook(encoding="utf-8")
    sheet = book.add_sheet("会员信息")
    sheet.write_merge(0, 0, 0, len(HEADER) - 1, "某省机械工程学会个人会员信息表")
    sheet.write_merge(1, 1, 0, len(HEADER) - 1, "制表人：陈晓燕　　制表日期：2026年9月1日")
    for column, header in enumerate(HEADER):
        sheet.write(2, column, header)
    for at, row in enumerate(rows, start=3):
        for column, value in enumerate([at - 2, *row]):
            if value is not None:
                sheet.write(at, column, value)
    book.save(str(path))
    return path


ROWS = [
    ["HBJX-2019-0245", "马俊", "中冶南方", "工程师", "普通会员", 15351430710, "2019.11", "✓", "未交", "已缴", None, None],
    ["HBJX-2024-0520", "王雨轩", "武汉理工大学", None, "学生会员", 15570817401, "2024.11", None, 30, 30, None, None],
    ["HBJX-2019-0311", "蔡文斌", "东风商用车", "高级工程师", "普通会员", 13707454648, "2019.03", "✓", "25年一起交了", 300, None, None],
    ["HBJX-2016-0040", "雷鸣", "华中科技大学", "教授", None, 18345025095, "2016.05", 300, 300, 300, 300, None],
    ["HBJX-2021-0166", "侯俊", "湖北文理学院", "工程师", "", 13532867987, "2021.11", "✓", "未交", None, None, None],
    [None, "徐国庆", "宜昌长机科技", None, None, 15141898765, 2010, "✓", "✓", "✓", None, "类别待核"],
]


@pytest.fixture
def arrears_first(monkeypatch):
    rules = dict(dues.fee_rules(), arrears_first=True)
    monkeypatch.setattr(dues, "fee_rules", lambda: rules)   # as this society sets it: arrears are paid first


def test_a_grid_of_years_headed_by_numbers_gives_each_member_s_paid_through(env, db, tmp_path, arrears_first):
    """The year columns are the dues, read as the society counts them: the money paid covers the years owed
    first, so 马俊's ✓ 未交 已缴 pays through 2024, not 2025; 王雨轩 owed nothing before he joined in 2024;
    蔡文斌's 2024 was paid with 2025's money ('25年一起交了')."""
    report = roster_imported(env, grid_roster(tmp_path / "会员信息.xls", ROWS))
    assert report["bad_rows"] == []
    paid = {number: find_member_by_no(db, number)["paid_through"]
            for number in ("HBJX-2019-0245", "HBJX-2024-0520", "HBJX-2019-0311", "HBJX-2016-0040")}
    assert paid == {"HBJX-2019-0245": "2024-12-31", "HBJX-2024-0520": "2025-12-31",
                    "HBJX-2019-0311": "2025-12-31", "HBJX-2016-0040": "2026-12-31"}
    said = {(c["row"], c["reason"]): c for c in report["checks"]}
    assert said[(4, "paid_gap_first")]["letter"] == "J"                 # 2024 未交, paid by the 2025 money
    assert find_member_by_no(db, "HBJX-2019-0245")["dues_unpaid"] is None


def test_where_arrears_are_not_paid_first_the_year_left_unpaid_stays_owed(env, db, tmp_path):
    roster_imported(env, grid_roster(tmp_path / "会员信息.xls", ROWS[:1]))
    ma = find_member_by_no(db, "HBJX-2019-0245")
    assert (ma["paid_through"], ma["dues_unpaid"]) == ("2025-12-31", "2024")


def test_an_empty_category_is_read_from_the_title_and_listed_not_refused(env, db, tmp_path):
    report = roster_imported(env, grid_roster(tmp_path / "会员信息.xls", ROWS))
    assert report["bad_rows"] == []
    assert find_member_by_no(db, "HBJX-2016-0040")["category"] == "senior"     # 教授
    assert find_member_by_no(db, "HBJX-2021-0166")["category"] == "regular"    # 工程师
    [xu] = find_members_by_name(db, "徐国庆")
    assert xu["category"] == "regular"                                          # no title: the usual, listed
    said = {(c["row"], c["reason"]) for c in report["checks"]}
    assert {(7, "category_by_title"), (8, "category_by_title"), (9, "category_unknown")} <= said


def test_a_section_headed_without_a_category_column_is_imported_not_dropped(env, db, tmp_path):
    """The roster's last section (三、宜昌地区) was typed under its own header, without 会员类别: its members are
    imported, each one's category read from 职称 and listed; the section was left out whole, saying nothing."""
    import xlwt

    path = grid_roster(tmp_path / "会员信息.xls", ROWS[:1])
    book = xlwt.Workbook(encoding="utf-8")
    sheet = book.add_sheet("会员信息")
    rows = [["某省机械工程学会个人会员信息表"], HEADER, [1, *ROWS[0]], [], ["三、宜昌地区"],
            ["序号", "会员编号", "姓名", "工作单位", "职称", "手机", "入会时间", "备注"],
            [2, "HBJX-2016-0090", "向东", "三峡大学", "教授", 18939955924, "2016.11", None],
            [3, "HBJX-2019-0270", "谭雪梅", "三峡大学", "工程师", 13057731359, "2019.01", None]]
    for r, row in enumerate(rows):
        for c, value in enumerate(row):
            if value is not None:
                sheet.write(r, c, value)
    book.save(str(path))
    report = roster_imported(env, path)
    assert report["bad_rows"] == []
    assert {n: find_member_by_no(db, n)["category"] for n in ("HBJX-2016-0090", "HBJX-2019-0270")} == \
        {"HBJX-2016-0090": "senior", "HBJX-2019-0270": "regular"}
    assert {(c["row"], c["reason"]) for c in report["checks"]} >= {(7, "category_by_title"), (8, "category_by_title")}


def test_a_sheet_without_a_category_leaves_a_stored_member_s_category_as_it_is(env, db, tmp_path):
    """A dues sheet of 会员编号, 姓名, 手机 and a year (no 会员类别) updates the members it names: their category is
    the stored one (a student stays one), not one read from 职称 for a new member (普通会员 with no title)."""
    import openpyxl

    roster_imported(env, grid_roster(tmp_path / "会员信息.xls", ROWS[:3]))
    book = openpyxl.Workbook()
    book.active.append(["会员编号", "姓名", "手机", "2026年会费"])
    book.active.append(["HBJX-2024-0520", "王雨轩", "15570817401", "已缴"])
    book.save(tmp_path / "2026年会费.xlsx")
    report = roster_imported(env, tmp_path / "2026年会费.xlsx")
    wang = find_member_by_no(db, "HBJX-2024-0520")
    assert (wang["category"], wang["paid_through"]) == ("student", "2026-12-31")
    assert not [c for c in report["checks"] if c["reason"] in ("category_by_title", "category_unknown")]


def test_where_arrears_are_paid_first_years_owed_before_the_first_paid_one_are_listed(env, db, tmp_path,
                                                                                       arrears_first):
    """Blank 2023-2025 and ✓ in 2026, no date joined: the one year's money pays 2023, the first year owed, which
    the member's paid-through says (2023) while the sheet marks 2026 paid; nothing was listed, as no year was
    unpaid between two paid ones. It is listed as the gap between paid years is."""
    report = roster_imported(env, grid_roster(tmp_path / "会员信息.xls", [
        [None, "甲某某", "某单位", None, "普通会员", 13800001111, None, None, None, None, "✓", None]]))
    [jia] = find_members_by_name(db, "甲某某")
    said = {(c["row"], c["reason"]): c for c in report["checks"]}
    assert jia["paid_through"] == "2023-12-31" and (4, "paid_gap_first") in said
    assert "2023、2024、2025 年未缴" in said[(4, "paid_gap_first")]["check"]
