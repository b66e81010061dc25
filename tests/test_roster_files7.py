"""A second society's secretariat files (a provincial water society): headers in its own words, a
contact column holding mobiles beside landlines and e-mails, dues written as the years paid or owed.
Each file is made here the way the secretary's workbook has it."""
from openpyxl import Workbook

from storage.members import find_member_by_no
from tests.cli import roster_imported


def staff_roster(path, rows):
    """The 在职 sheet: a merged title, a subtitle with the date, the header in row 3, section rows."""
    book = Workbook()
    sheet = book.active
    sheet.title = "在职"
    sheet["A1"] = "河南省某某学会个人会员名册"
    sheet.merge_cells("A1:J1")
    sheet["A2"] = "（在职）　　　　　　统计截至：2026年8月31日　秘书处"
    sheet.merge_cells("A2:J2")
    sheet.append(["序号", "会员号", "名字", "性别", "单位及职务", "联系方式", "会员级别", "入会年月", "缴费记录", "备注"])
    sheet.append(["一、省直单位"])
    for number, row in enumerate(rows, 1):
        sheet.append([number, *row])
    sheet.append(["小计", None, f"{len(rows)}人"])
    book.save(path)
    return path


ROWS = [
    ["HNSL201600031", "程海涛", "男", "省水利厅建设处 副处长", "13603711842", "个人会员", "2016.5", "欠2026", None],
    ["HNSL201500006", "张卫东", "男", "某设计院 教授级高工", "zhangwd@yrec.cn / 13503850617", "高级会员", "2015.3",
     "2025已交", "常驻国外项目"],
    ["HNSL201900027", "李建华", "男", "省水文中心 科长", "0371-65571023；13673990148", "个人会员", "2019.7",
     "2026已交", None],
    ["HNSL202000011", "秦明亮", "男", "省调水中心 工程师", 13838291756, "个人", "2020.11", "2025年已交，26年未交", None],
    ["HNSL202400008", "田野", "男", "省水利学校 教师", "188-3711-8590", "个人会员", "2024.3", "交至2027年", None],
]


def test_a_contact_column_holding_mobiles_and_a_dues_record_column_are_read(env, db, tmp_path):
    report = roster_imported(env, staff_roster(tmp_path / "名册.xlsx", ROWS))
    assert report["bad_rows"] == [] and len(report["new"]) == 5
    members = {no: find_member_by_no(db, no) for no, *_ in ROWS}
    assert members["HNSL201600031"]["mobile"] == "13603711842"
    assert members["HNSL202000011"]["mobile"] == "13838291756"
    assert members["HNSL202400008"]["mobile"] == "18837118590"
    assert members["HNSL201600031"]["paid_through"] == "2025-12-31"   # 欠2026
    assert members["HNSL201900027"]["paid_through"] == "2026-12-31"   # 2026已交
    assert members["HNSL202000011"]["paid_through"] == "2025-12-31"   # 2025年已交，26年未交
    assert members["HNSL202400008"]["paid_through"] == "2027-12-31"   # 交至2027年
    assert members["HNSL201900027"]["work_unit"] == "省水文中心 科长"   # 单位及职务


def test_a_mobile_is_taken_out_of_a_cell_with_an_e_mail_or_a_landline_and_the_rest_kept(env, db, tmp_path):
    roster_imported(env, staff_roster(tmp_path / "名册.xlsx", ROWS))
    zhang, li = find_member_by_no(db, "HNSL201500006"), find_member_by_no(db, "HNSL201900027")
    assert zhang["mobile"] == "13503850617" and li["mobile"] == "13673990148"
    assert zhang["email"] == "zhangwd@yrec.cn"
    assert "常驻国外项目" in zhang["remarks"]
    assert "0371-65571023" in li["remarks"]


def test_dues_written_as_when_paid_or_with_the_years_since_unpaid(env, db, tmp_path):
    rows = [
        ["HNSL201900008", "尚晓燕", "女", "河务局 高级工程师", "13598861037", "个人会员", "19年3月", "2026.4.2交200", None],
        ["HNSL202300012", "申　雪", "女", "某大学 讲师", "17839961275", "个人会员", "2023.3", "25年交了", None],
        ["HNSL201700012", "褚新民", "男", "某设计院", "13939312205", "个人会员", "2017.6", "2023年交过，之后未交", None],
    ]
    report = roster_imported(env, staff_roster(tmp_path / "名册.xlsx", rows))
    assert report["bad_rows"] == []
    assert find_member_by_no(db, "HNSL201900008")["paid_through"] == "2026-12-31"
    assert find_member_by_no(db, "HNSL202300012")["paid_through"] == "2025-12-31"   # not the title's 2026
    assert find_member_by_no(db, "HNSL201700012")["paid_through"] == "2023-12-31"


def test_a_number_to_come_in_brackets_and_an_old_number_with_its_year_in_brackets(env, db, tmp_path):
    rows = [
        ["（待编号）", "卢静怡 ", "女", "郑州市水利局", "17303718856", "个人会员", "2026.7", "2026已交（入会时交）",
         "新入会，7月常务理事会通过"],
        ["豫水会(98)011", "贺庆丰", "男", "原河南省水利厅", "0371-65953310、13903710285", "高级会员", "98年5月", "欠2026", None],
    ]
    report = roster_imported(env, staff_roster(tmp_path / "名册.xlsx", rows))
    assert report["bad_rows"] == [] and len(report["new"]) == 2
    [new] = [m for m in db["members"].rows if m["name"] == "卢静怡"]
    assert new["member_no"].startswith("HNKX2026") and new["paid_through"] == "2026-12-31"
    he = find_member_by_no(db, "豫水会(98)011")
    assert he["name"] == "贺庆丰" and he["mobile"] == "13903710285" and he["paid_through"] == "2025-12-31"


def test_a_number_typed_in_full_width_with_a_digit_too_many_is_listed_to_check(env, db, tmp_path):
    rows = [["ＨＮＫＸ２０２０００００２５", "董晓慧", "女", "信阳市水利局", "13569721306", "个人会员", "2020.6",
             "2026年已缴", None],
            ["ＨＮＫＸ２０２００００３１", "李红霞", "女", "某大学 副教授", "13783507216", "个人会员", "2020.12", "2026已交", None]]
    report = roster_imported(env, staff_roster(tmp_path / "名册.xlsx", rows))
    assert len(report["new"]) == 2
    assert find_member_by_no(db, "HNKX202000031")["name"] == "李红霞"   # full-width, read as half-width
    checks = [c for c in report["checks"] if c["row"] == 5]
    assert any("HNKX2020000025" in c["check"] and "位数" in c["check"] for c in checks)
    assert not [c for c in report["checks"] if c["row"] == 6 and "位数" in c["check"]]
