"""A third society's secretariat files (a provincial mechanical engineering society): a roster workbook of
three sheets (在册会员, 2025新入会, 退会及已故), each with its own columns, and a list of unit members numbered
in a 单位编号 column. Each file is made here the way the secretary's workbook has it."""
from openpyxl import Workbook

from storage.members import find_member_by_no, find_unit_by_name
from tests.cli import command, roster_imported


def units_book(path, rows):
    """The sheet 会员单位: a merged title, the header in row 2, 合计 and a note under the table."""
    book = Workbook()
    sheet = book.active
    sheet.title = "会员单位"
    sheet["A1"] = "河南省某某学会 会员单位名单（2026年）"
    sheet.merge_cells("A1:H1")
    sheet.append(["序号", "单位编号", "单位名称", "级别", "联系人及电话", "年会费（元）", "缴费情况", "备注"])
    for number, row in enumerate(rows, 1):
        sheet.append([number, *row])
    sheet.append([])
    sheet.append(["合计", None, f"{len(rows)}家"])
    sheet.append(["注：单位会费按自然年，先补欠费。"])
    book.save(path)
    return path


UNITS = [
    ["HNKXDW001", "中原重机集团", "单位会员", "张学民 13803716001", 2000, "2026已交",
     "全称：中原重型矿山机械集团股份有限公司"],
    ["HNKXDW002", "洛阳东方拖拉机集团有限公司", "单位会员", "宋建平 0379-64966002", 2000, "欠2026", None],
]


def test_units_numbered_in_a_unit_number_column_keep_their_numbers(env, db, tmp_path):
    report = command("units")[1](env, "import", units_book(tmp_path / "单位会员.xlsx", UNITS))
    assert report["bad_rows"] == []
    assert find_unit_by_name(db, "中原重机集团")["unit_no"] == "HNKXDW001"
    assert find_unit_by_name(db, "洛阳东方拖拉机集团有限公司")["unit_no"] == "HNKXDW002"
    assert "HNKXDW001" not in (find_unit_by_name(db, "中原重机集团")["remarks"] or "")
