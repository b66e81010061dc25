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
    ["HNKXDW003", "许昌恒源电气股份有限公司", "单位会员", "薛文涛 13603740303", 2000, "2026已交", "常替本单位职工交个人会费"],
    ["HNKXDW004", "河南工学院", "单位会员", "科研处 13903730150", 2000, "2026已交", None],
]


def test_units_numbered_in_a_unit_number_column_keep_their_numbers(env, db, tmp_path):
    report = command("units")[1](env, "import", units_book(tmp_path / "单位会员.xlsx", UNITS))
    assert report["bad_rows"] == []
    assert find_unit_by_name(db, "中原重机集团")["unit_no"] == "HNKXDW001"
    assert find_unit_by_name(db, "洛阳东方拖拉机集团有限公司")["unit_no"] == "HNKXDW002"
    assert "HNKXDW001" not in (find_unit_by_name(db, "中原重机集团")["remarks"] or "")


def test_a_unit_s_contact_written_with_the_number_in_one_cell_is_its_contact(env, db, tmp_path):
    report = command("units")[1](env, "import", units_book(tmp_path / "单位会员.xlsx", UNITS))
    heavy, tractor = find_unit_by_name(db, "中原重机集团"), find_unit_by_name(db, "洛阳东方拖拉机集团有限公司")
    assert (heavy["contact_name"], heavy["contact_mobile"]) == ("张学民", "13803716001")
    assert (tractor["contact_name"], tractor["contact_mobile"]) == ("宋建平", None)
    assert "0379-64966002" in tractor["remarks"]
    college = find_unit_by_name(db, "河南工学院")   # an office's number: no person's name to take
    assert (college["contact_name"], college["contact_mobile"]) == (None, "13903730150")
    assert "科研处" in college["remarks"]
    assert [c["row"] for c in report["checks"] if "0379-64966002" in c["check"]] == [4]


def roster_book(path, members, left):
    """Sheets 在册会员 (merged title and subtitle, header in row 3) and 退会及已故 (header in row 2, its
    own columns: 离会情况 says when and how each left)."""
    book = Workbook()
    sheet = book.active
    sheet.title = "在册会员"
    sheet["A1"] = "河南省某某学会个人会员名册"
    sheet.merge_cells("A1:J1")
    sheet["A2"] = "（截至2026年8月31日，秘书处 刘 整理）"
    sheet.merge_cells("A2:J2")
    sheet.append(["序号", "会员号", "名字", "性别", "单位及职务", "联系方式", "会员级别", "入会年月", "缴费记录", "备注"])
    for number, row in enumerate(members, 1):
        sheet.append([number, *row])
    sheet.append([])
    sheet.append(["小计", None, f"{len(members)}人"])
    gone = book.create_sheet("退会及已故")
    gone["A1"] = "退会、已故会员（保留备查，勿删）"
    gone.merge_cells("A1:J1")
    gone.append(["序号", "会员号", "名字", "会员级别", "备注", "原单位", "联系方式", "入会年月", "离会情况", "缴费记录"])
    for number, row in enumerate(left, 1):
        gone.append([number, *row])
    gone.append([])
    gone.append(["合计", None, f"{len(left)}人"])
    gone.append(["注：家属来电或转账的，先问清楚再处理，不要直接记会费。"])
    book.save(path)
    return path


MEMBERS = [
    ["HNKX201000016", "孙立新", "男", "某大学 副教授", 13525410016, "个人", "2010.9", "2025已交", None],
]
LEFT = [
    ["豫机0021", "钱广利", "荣誉", "老副理事长", "原中国一拖", "0379-64102231", "1984年", "2023.5去世", "免"],
    ["豫机0066", "何志远", "高级", "爱人何淑珍", "原某研究所", 13700370066, "1997.6", "2025年12月病故", "交至2025"],
    ["HNKX201100027", "刘玉兰", "个人", None, "某大学", 13700371127, "2011.9", "2024.3本人申请退会", "交至2023"],
    ["HNKX201300025", "邹志坚", "个人", "调往江苏", "原某研究所", 13938813025, "2013.11", "2022年退会", "交到2021"],
]


def test_a_sheet_of_members_who_left_or_died_imports_them_so_with_when_kept(env, db, tmp_path):
    report = roster_imported(env, roster_book(tmp_path / "名册.xlsx", MEMBERS, LEFT))
    assert report["bad_rows"] == [] and len(report["new"]) == 5
    statuses = {no: find_member_by_no(db, no)["status"] for no, *_ in MEMBERS + LEFT}
    assert statuses == {"HNKX201000016": "active", "豫机0021": "deceased", "豫机0066": "deceased",
                        "HNKX201100027": "resigned", "HNKX201300025": "resigned"}
    he = find_member_by_no(db, "豫机0066")
    assert "2025年12月病故" in he["remarks"] and "爱人何淑珍" in he["remarks"]
    assert he["paid_through"] == "2025-12-31"


def test_a_status_the_import_cannot_read_is_kept_in_the_remarks_and_the_row_imported(env, db, tmp_path):
    left = [["HNKX201600040", "秦雪梅", "个人", None, "原某学院", 13903736040, "2016.12", "2025.9退会", "交至2025"],
            ["HNKX201900031", "戴宏", "高级", None, "原某集团", 13803719031, "2019.9", "2026年2月去世", "2026已交"],
            ["HNKX202100019", "黄晓林", "学生", "出国读博", "原某大学", 18837121019, "2021.9", "返聘中", "交到2023"]]
    report = roster_imported(env, roster_book(tmp_path / "名册.xlsx", MEMBERS, left))
    assert report["bad_rows"] == []
    huang = find_member_by_no(db, "HNKX202100019")
    assert "返聘中" in huang["remarks"] and any("返聘中" in c["check"] for c in report["checks"])
    assert huang["status"] == "resigned"   # the sheet's name says so; the row says nothing the import reads
    assert find_member_by_no(db, "HNKX201900031")["status"] == "deceased"


def test_dues_written_with_the_month_paid_a_year_in_two_digits_after_a_full_one_or_owed(env, db, tmp_path):
    members = [
        ["HNKX201400012", "贺晓光", "男", "某学院 教授", 13598011412, "高级", "2014.5", "2026年5月微信交了", None],
        ["HNKX202100004", "黎娜", "女", "某学院 讲师", 13598021004, "个人", "21年4月", "欠26", None],
        ["HNKX202500010", "江涛", "男", "某客车 工程师", 18638250010, "个人", "2025.5", "2025、26已交", None],
        ["HNKX202500011", "葛军", "男", "某机床 工程师", 18638250025, "个人", "2025.11", None, "会刊资料费欠30"],
        ["HNKX202500013", "夏卫东", "男", "某液压件 技术员", 18638250013, "个人", "2025.6", "2025/12/31已交", None],
        ["HNKX201800014", "袁志勇", "男", "某公司 工程师", 13837308014, "个人", "2018.5", "2026年3月起停交", None],
    ]
    report = roster_imported(env, roster_book(tmp_path / "名册.xlsx", members, []))
    assert report["bad_rows"] == [9]   # 停交: stopped paying, not paid; for a person
    assert [find_member_by_no(db, no)["paid_through"] for no, *_ in members[:5]] == \
        ["2026-12-31", "2025-12-31", "2026-12-31", None, "2025-12-31"]   # 欠30: thirty yuan, not owing 2030


def test_a_title_after_the_name_and_spaces_in_it_are_not_the_name(env, db, tmp_path):
    members = [
        ["HNKX200800003", "张伟教授", "男", "某学院 院长", 13598001233, "高级", "2008.3", "25年已交", None],
        ["HNKX199600031", "李国栋（总工）", "男", "某集团 总工程师", 13803710231, "高级", "1996.5", "2026已交", None],
        ["HNKX201100009", "王\u3000芳", "女", "某公司 工程师", 13603741109, "个人", "11年5月", "欠26年", None],
        ["HNKX201300019", " 高红梅", "女", "某大学 讲师", 13525411319, "个人", "13年9月", "欠2025、2026", None],
        ["HNKX201900044", "王教授", "男", "某大学", 13525411320, "个人", "2019.1", "2026已交", None],
    ]
    report = roster_imported(env, roster_book(tmp_path / "名册.xlsx", members, []))
    assert report["bad_rows"] == []
    assert [find_member_by_no(db, no)["name"] for no, *_ in members] == ["张伟", "李国栋", "王芳", "高红梅", "王教授"]
    assert "教授" in find_member_by_no(db, "HNKX200800003")["remarks"]
    assert [(n["row"], n["value"]) for n in report["notices"] if "姓名按" in n["notice"]] == \
        [(4, "张伟教授"), (5, "李国栋（总工）")]
    assert "总工" in find_member_by_no(db, "HNKX199600031")["remarks"]


def test_a_sheet_named_for_members_who_died_or_left_imports_its_rows_so(env, db, tmp_path):
    book = Workbook()
    book.active.title = "在册会员（不含已故）"
    book.active.append(["会员号", "名字", "会员级别", "手机", "缴费记录"])
    book.active.append(["HNKX201000016", "孙立新", "个人", 13525410016, "2025已交"])
    for title, number, name, mobile in (("已故会员", "HNKX199700066", "何志远", 13700370066),
                                        ("退会及已故", "HNKX201100027", "刘玉兰", 13700371127)):
        sheet = book.create_sheet(title)
        sheet.append(["会员号", "名字", "会员级别", "手机", "缴费记录"])
        sheet.append([number, name, "个人", mobile, "交至2023"])
    book.save(tmp_path / "名册.xlsx")
    report = roster_imported(env, tmp_path / "名册.xlsx")
    assert report["bad_rows"] == []
    assert [find_member_by_no(db, no)["status"] for no in ("HNKX201000016", "HNKX199700066", "HNKX201100027")] == \
        ["active", "deceased", "resigned"]
    assert any("退会或已故" in c["check"] for c in report["checks"])


def test_a_dues_column_the_import_cannot_read_is_kept_with_each_member_and_said(env, db, tmp_path):
    members = [
        ["HNKX201800014", "袁志勇", "男", "某公司 工程师", 13837308014, "个人", "2018.5", "说好年底和单位一起交", None],
        ["HNKX201800015", "牛国平", "男", "原某煤机厂", 13937514029, "个人", "2014.11", "听说调外省了，再问", None],
        ["HNKX201800016", "袁勇", "男", "某公司 工程师", 13837308016, "个人", "2018.5", "2025已交", None],
    ]
    report = roster_imported(env, roster_book(tmp_path / "名册.xlsx", members, LEFT[1:2]))
    assert report["bad_rows"] == []
    first_sheet = report["sheets"][0]
    assert first_sheet["unread_dues_columns"] == ["缴费记录（I 列）"]
    assert "缴费记录" not in "、".join(first_sheet["remark_columns"])
    assert "说好年底和单位一起交" in find_member_by_no(db, "HNKX201800014")["remarks"]
    assert "2025已交" in find_member_by_no(db, "HNKX201800016")["remarks"]
    printed = command("members")[0](env, "import", tmp_path / "名册.xlsx", "--dry-run").output
    assert "缴费记录（I 列）多数格子看不出是否已缴" in printed


def test_a_sheet_of_those_who_left_reached_by_landlines_only_is_imported(env, db, tmp_path):
    left = [["豫机0021", "钱广利", "荣誉", "老副理事长", "原中国一拖", "0379-64102231", "1984年", "2023.5去世", "免"],
            ["豫机0023", "陈德厚", "高级", None, "原某研究所", "0371-63991276", "1990年", "2022年退会", "交至2021"]]
    report = roster_imported(env, roster_book(tmp_path / "名册.xlsx", MEMBERS, left))
    assert report["bad_rows"] == [] and len(report["new"]) == 3
    assert [find_member_by_no(db, no)["status"] for no in ("豫机0021", "豫机0023")] == ["deceased", "resigned"]
    assert "0379-64102231" in find_member_by_no(db, "豫机0021")["remarks"]
