"""A unit list whose 缴费 column says a year was part-paid, as a secretary types it: '2026年5月交了3000，还差2000'."""
from __future__ import annotations

from openpyxl import Workbook

from storage.members import find_unit_by_no
from tests.cli import command


def test_a_year_part_paid_is_not_counted_paid_and_the_report_says_so(env, db, tmp_path):
    """襄阳轴承 paid 3000 of its 5000 for 2026: it owes 2026 still (it was shown paid to 2026-12-31, nothing
    said of the 2000); 三环锻造's '2025年已交' is read as before."""
    book = Workbook()
    sheet = book.active
    sheet.append(["单位会员名单"])
    sheet.append(["序号", "单位名称", "编号", "级别", "联系人", "联系人手机", "缴费", "备注"])
    sheet.append([1, "襄阳轴承股份有限公司", "HBJXDW-05", "单位会员", "赵鹏飞", 13560056611, "2026年5月交了3000，还差2000", "差额已催"])
    sheet.append([2, "湖北三环锻造有限公司", "HBJXDW-06", "单位会员", "钟华", 15200228011, "2025年已交", None])
    book.save(tmp_path / "units.xlsx")
    report = command("units")[1](env, "import", tmp_path / "units.xlsx")
    assert find_unit_by_no(db, "HBJXDW-05")["paid_through"] == "2025-12-31"
    assert find_unit_by_no(db, "HBJXDW-06")["paid_through"] == "2025-12-31"
    [said] = [c for c in report["checks"] if c["reason"] == "part_paid"]
    assert (said["row"], said["letter"]) == (3, "G") and "2026 年只交了一部分" in said["check"]
