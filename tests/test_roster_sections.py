"""A roster stitched from the branches' lists (分会) on one sheet: each section has its title row, its
own header (columns in another order, partly named otherwise), its members and a 小计 row. Each section
is read by its own header. The workbook is made here the way a secretary pastes the lists together."""
from openpyxl import Workbook

from storage.members import find_member_by_no
from tests.cli import command, roster_imported

FIRST_HEADER = ["序号", "会员号", "姓名", "性别", "工作单位", "职称", "会员级别", "入会年月", "联系方式", "缴费记录", "备注"]
SECOND_HEADER = ["序号", "名字", "会员号", "性别", "单位", "职务", "联系电话", "会员级别", "入会年月", "缴费情况", "备注"]
FIRST = [
    ["HNSL201600031", "程海涛", "男", "省农科院", "研究员", "个人会员", "2016.5", "13603711842", "欠2026", None],
    ["HNSL201900027", "李建华", "男", "省植保站", "高级农艺师", "个人会员", "2019.7", "13673990148", "2026已交", None],
    ["HNSL202000011", "秦明亮", "男", "某农业大学", "副教授", "高级会员", "2020.11", "13838291756", "2025已交", None],
]
SECOND = [
    ["王晓燕", "HNSL201800045", "女", "省园艺研究所", "副理事长", "13526871234", "个人会员", "2018.9", "2026已交", None],
    ["赵国强", "HNSL202100052", "男", "郑州果树研究所", "秘书长", "15036012345", "个人会员", "2021.3", "欠2026", "兼任"],
]


def branch_roster(path):
    book = Workbook()
    sheet = book.active
    sheet.title = "会员名册"
    sheet["A1"] = "河南省某某学会会员名册（按分会）"
    sheet.merge_cells("A1:K1")
    for title, header, rows in (("一、植物保护分会", FIRST_HEADER, FIRST), ("二、园艺学分会", SECOND_HEADER, SECOND)):
        sheet.append([title])
        sheet.append(header)
        for number, row in enumerate(rows, 1):
            sheet.append([number, *row])
        sheet.append(["小计", None, f"{len(rows)}人"])
    book.save(path)
    return path  # the second header, naming one known column more than the first, is on row 9


def test_each_section_is_read_by_its_own_header_row(env, db, tmp_path):
    report = roster_imported(env, branch_roster(tmp_path / "名册.xlsx"))
    assert report["bad_rows"] == [] and len(report["new"]) == 5
    wang, zhao = find_member_by_no(db, "HNSL201800045"), find_member_by_no(db, "HNSL202100052")
    assert wang["name"] == "王晓燕" and wang["mobile"] == "13526871234" and wang["joined_at"].startswith("2018-09")
    assert zhao["work_unit"] == "郑州果树研究所" and zhao["paid_through"] == "2025-12-31"   # 欠2026
    assert find_member_by_no(db, "HNSL201900027")["paid_through"] == "2026-12-31"         # the first section's


def test_the_report_says_where_the_new_header_is(env, db, tmp_path):
    result = command("members")[0](env, "import", branch_roster(tmp_path / "名册.xlsx"))
    assert "第 9 行是新的表头，以下各行按它读" in result.output
    assert "表头在第 9 行，数据 2 行" in result.output
