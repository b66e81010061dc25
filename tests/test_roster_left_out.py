"""Rows a roster import does not take are each said, with the sheet, the row and why: a member's sheet with a
last section typed under a header of its own that has neither 姓名 nor 手机 (a secretary's 特邀专家 list pasted
under the members, headed 专家)."""
from __future__ import annotations

from storage.members import find_members_by_name
from tests.cli import roster_imported


def test_a_section_whose_header_has_no_name_or_mobile_column_is_listed_row_by_row(env, db, tmp_path):
    """The section's rows were dropped without a word (the report read 数据 1 行 and nothing more)."""
    import xlwt

    rows = [["某省机械工程学会个人会员信息表"],
            ["序号", "会员编号", "姓名", "工作单位", "职称", "会员类别", "手机", "入会时间", "备注"],
            [1, "HBJX-2019-0245", "马俊", "中冶南方", "工程师", "普通会员", 15351430710, "2019.11"],
            [], ["三、宜昌地区（特邀）"],
            ["序号", "专家", "工作单位", "职称", "会员类别", "入会时间", "备注"],
            [2, "向东", "三峡大学", "教授", "高级会员", "2016.11"],
            [3, "谭雪梅", "三峡大学", "工程师", "普通会员", "2019.01"]]
    book = xlwt.Workbook(encoding="utf-8")
    sheet = book.add_sheet("会员信息")
    for r, row in enumerate(rows):
        for c, value in enumerate(row):
            sheet.write(r, c, value)
    book.save(str(tmp_path / "会员信息.xls"))
    report = roster_imported(env, tmp_path / "会员信息.xls")
    assert [m["name"] for m in find_members_by_name(db, "马俊")] == ["马俊"]
    assert find_members_by_name(db, "向东") == []
    left = [(item["sheet"], item["row"], item["reason"]) for item in report["left_out"]]
    assert left == [("会员信息", 7, "columns_missing"), ("会员信息", 8, "columns_missing")]
    assert all("姓名" in item["check"] and "手机" in item["check"] for item in report["left_out"])
