"""A roster as a secretariat keeps it between two years: its 会费情况 says which years are owed (欠2026,
欠2025、2026, 2021年后未交), not which are paid, and its members' numbers are the society's own, some from
an older system (豫土建会第0031号, HN-TJ-0215) beside today's (HNTJ201600012). The workbook is made the way
such a file is: a merged title with the date it is kept to, a section row, numbers stored as numbers."""
from __future__ import annotations

import json
from datetime import date

import pytest
from click.testing import CliRunner
from openpyxl import Workbook

from bot.cli import main
from storage.members import find_member_by_no, find_unit_by_no
from tests.cli import roster_imported

HEADER = ["序号", "姓名", "性别", "工作单位", "手机", "会员编号", "会员类别", "入会时间", "会费情况", "备注"]


def kept_roster(path, rows):
    book = Workbook()
    sheet = book.active
    sheet.title = "会员名册"
    sheet.append(["河南省示范学会会员名册（2026年）"])
    sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(HEADER))
    sheet.append(["（秘书处内部留存，更新至2026年8月31日）"])
    sheet.append(HEADER)
    sheet.append(["一、个人会员"])
    for number, row in enumerate(rows, start=1):
        sheet.append([number, *row])
    book.save(path)
    return path


def test_the_years_a_roster_says_are_owed_give_the_year_paid_through(env, db, tmp_path):
    path = kept_roster(tmp_path / "名册.xlsx", [
        ["王磊", "男", "示范大学", 15049602193, "HNKX201600012", "个人会员", "2016.4", "欠2026", None],
        ["杨帆", "女", "示范大学", 18539974124, "HNKX201900045", "个人会员", "2019.10", "欠2025、2026", None],
        ["冯德胜", "男", "示范设计院", 18864518351, "HNKX201000119", "个人会员", "2010.12", "欠2024、2025、2026", None],
        ["邹建平", "男", "示范设计院", 15222544658, "HNKX200900088", "个人会员", "2009.9", "欠2025", None],
        ["彭立新", "男", "示范设计院", 15043473395, "HNKX201400402", "个人会员", "2014.7", "2021年后未交", None],
        ["陈志强", "男", "示范设计院", 18785783765, "HNKX201500021", "个人会员", "2015.11", "交到27年", None],
    ])
    report = roster_imported(env, path)
    assert report["bad_rows"] == [], report["problems"]
    paid = {number: find_member_by_no(db, number)["paid_through"] for number in (
        "HNKX201600012", "HNKX201900045", "HNKX201000119", "HNKX200900088", "HNKX201400402", "HNKX201500021")}
    assert paid == {"HNKX201600012": "2025-12-31",   # 欠2026: 2025 paid
                    "HNKX201900045": "2024-12-31",   # 欠2025、2026
                    "HNKX201000119": "2023-12-31",
                    "HNKX200900088": "2024-12-31",   # 欠2025 written in August 2026: 2026 is owed too
                    "HNKX201400402": "2021-12-31",   # nothing paid after 2021
                    "HNKX201500021": "2027-12-31"}


def test_numbers_of_an_older_system_and_a_numbered_member_without_a_mobile_are_imported(env, db, tmp_path):
    path = kept_roster(tmp_path / "名册.xlsx", [
        ["张建国", "男", "示范大学", 15238471789, "豫土建会第0031号", "高级会员", "2008.5", "2026已交", "常务理事"],
        ["李明", "男", "示范设计院", 18815583648, "HN-TJ-0215", "个人会员", "2012-03", "2025已交", None],
        ["顾长青", "男", "示范大学", None, "豫土建会第0019号", "荣誉会员", "2007", "免（荣誉）", "已故（2026年3月）"],
        ["方红", "女", "示范设计院", 15225478682, "待发证", "个人会员", "2023.6", "2026已交", "编号还没给"],
    ])
    report = roster_imported(env, path)
    assert report["bad_rows"] == [], report["problems"]
    assert find_member_by_no(db, "豫土建会第0031号")["paid_through"] == "2026-12-31"
    assert find_member_by_no(db, "HN-TJ-0215")["paid_through"] == "2025-12-31"
    honorary = find_member_by_no(db, "豫土建会第0019号")
    assert (honorary["category"], honorary["status"], honorary["mobile"]) == ("honorary", "deceased", None)
    new = [m for m in db["members"].rows if m["name"] == "方红"]
    assert len(new) == 1 and new[0]["member_no"] and new[0]["member_no"] != "待发证"
    checks = " ".join(str(item) for item in report["checks"])
    assert "手机号空着" in checks and "待发证" in checks


def test_a_units_list_s_own_numbers_under_bian_hao_and_its_years_owed(env, db, tmp_path):
    book = Workbook()
    sheet = book.active
    sheet.append(["河南省示范学会单位会员名单（2026）"])
    sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=9)
    sheet.append(["序号", "单位名称", "会员级别", "联系人", "联系电话", "编号", "入会年份", "2026年会费", "备注"])
    sheet.append([1, "示范建筑工程局有限公司", "常务理事单位", "张慧", "13903712845", "DW001", 2015, "欠2026", None])
    sheet.append([2, "示范建筑设计研究院有限公司", "常务理事单位", "刘建新", "13598021176", "DW002", 2015, "2026已交（8000）", None])
    sheet.append([3, "示范五建集团有限公司", "理事单位", "王志远", "13608682239", "DW004", 2016, "未交", "26年未交"])
    sheet.append([4, "示范七局第二建筑有限公司", "会员单位", "毛志勇", "18638122710", "DW011", 2020, "欠2025、2026", None])
    sheet.append([5, "示范一建集团有限公司", "会员单位", "李国强", None, "DW013", 2016, "2024年起未交", "拟清退"])
    sheet.append([])
    sheet.append(["共5家。"])
    book.save(tmp_path / "单位会员.xlsx")
    result = CliRunner().invoke(main, ["units", "import", str(tmp_path / "单位会员.xlsx"), "--json"], env=env,
                                catch_exceptions=False)
    assert result.exit_code == 0, result.output
    paid = {number: (find_unit_by_no(db, number) or {}).get("paid_through")
            for number in ("DW001", "DW002", "DW004", "DW011", "DW013")}
    assert paid == {"DW001": "2025-12-31", "DW002": "2026-12-31", "DW004": "2025-12-31", "DW011": "2024-12-31",
                    "DW013": "2023-12-31"}
    report = json.loads(result.stdout)
    assert any(check["row"] == 7 and "已欠费 3 年" in check["check"] for check in report["checks"])


@pytest.mark.parametrize("written,paid_through", [
    ("欠2026", "2025-12-31"), ("欠费2025", "2024-12-31"), ("欠缴2025年", "2024-12-31"), ("欠2025-2026", "2024-12-31"),
    ("2025、2026年未交", "2024-12-31"), ("2025-2026欠费", "2024-12-31"), ("欠24年", "2023-12-31"),
    ("2024年起未缴", "2023-12-31"), ("2019年后一直未交", "2019-12-31"), ("2025年已缴，2026年未缴", "2025-12-31"),
    ("欠费", None), ("已交至27年", "2027-12-31"), ("√2026", "2026-12-31"), ("26年还没交", "2025-12-31"),
])
def test_dues_written_as_the_years_owed(written, paid_through):
    from handlers.members.roster import clean_paid_through

    assert clean_paid_through(written, date(2026, 12, 7)) == paid_through
