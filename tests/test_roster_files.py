"""Rosters as other secretariats keep them: their own category words, paid status year by year,
remarks that matter, the data on another sheet, dates WPS saved as numbers, an old system's GBK
export with a person listed twice. Each file is made here the way the secretary's tool makes it."""
import json
import re
from datetime import datetime

from click.testing import CliRunner
from openpyxl import Workbook

from bot.cli import main
from storage.members import find_member_by_no, find_members_by_mobile
from tests.cli import roster_imported


def printed(env, path):
    result = CliRunner().invoke(main, ["members", "import", str(path), "--dry-run"], env=env,
                                catch_exceptions=False)
    return result.output


def member(db, mobile):
    [found] = find_members_by_mobile(db, mobile)
    return found


def checks_of(report) -> dict[int, list[str]]:
    found: dict[int, list[str]] = {}
    for check in report["checks"]:
        found.setdefault(check["row"], []).append(f'{check["header"]}（{check["letter"]} 列）：{check["check"]}')
    return found


def plain_book(path, *rows):
    """One sheet, the header in row 1: what a secretary types in a fresh workbook."""
    book = Workbook()
    for row in rows:
        book.active.append(row)
    book.save(path)
    return path


def dues_book(path):
    """A branch's dues register: a title, the year's paid columns under a merged group header, a
    yes/no column beside them, remarks on the far right behind two empty columns."""
    book = Workbook()
    sheet = book.active
    sheet.title = "会员及会费"
    sheet["A1"] = "某某学会青年工作委员会会员及会费登记"
    sheet.merge_cells("A1:L1")
    top = ["序号", "姓名", "手机号", "会员类型", "工作单位", "会费记录", None, None, "是否已缴", None, None, "备注"]
    sub = [None, None, None, None, None, "2024年度", "2025年度", "2026年度", None, None, None, None]
    sheet.append(top)
    sheet.append(sub)
    sheet.merge_cells("F2:H2")
    for letter in "ABCDEIL":
        sheet.merge_cells(f"{letter}2:{letter}3")
    rows = [
        [1, "钱多多", "13700000001", "个人会员", "甲大学", "✔", "已交", None, "否", None, None, None],
        [2, "孙小美", "13700000002", "个人会员", "乙研究所", "✔", "✔", 200, "是", None, None, None],
        [3, "阿土伯", "13700000003", "学生", "甲大学", None, None, "单位代缴", "是", None, None, None],
        [4, "金贝贝", "13700000004", "个人会员", "丙公司", "✔", None, None, "是", None, None, None],
        [5, "莎拉公主", "13700000005", "资深会员", "丁大学", "✔", "✔", None, None, None, None, "会费已交至2028年"],
        [6, "乌咪", "13700000006", "个人会员", "甲大学", "✔", "✔", None, None, None, None, "已去世"],
        [7, "忍太郎", "13700000007", "个人会员", "乙研究所", "✔", "✔", "✔", None, None, None, "2025年欠费；失联"],
        [8, "宫本宝藏", "13700000008", "个人会员", "丙公司", "x", "?", None, None, None, None,
         "原手机停用，新手机13900000008"],
    ]
    for row in rows:
        sheet.append(row)
    sheet.append(["填表：张三   审核：李四"])
    book.save(path)
    return path


def test_a_society_s_own_category_word_imports_as_its_category(env, db, tmp_path):
    report = roster_imported(env, dues_book(tmp_path / "登记.xlsx"))
    assert report["bad_rows"] == [] and len(report["new"]) == 8
    assert member(db, "13700000001")["category"] == "regular"   # 个人会员
    assert member(db, "13700000003")["category"] == "student"   # 学生
    assert member(db, "13700000005")["category"] == "senior"    # 资深会员


def test_paid_status_year_by_year_gives_the_paid_through_date(env, db, tmp_path):
    report = roster_imported(env, dues_book(tmp_path / "登记.xlsx"))
    paid = {m: member(db, f"1370000000{m}")["paid_through"] for m in range(1, 9)}
    assert paid[1] == "2025-12-31"   # ✔ 2024, 已交 2025, blank 2026
    assert paid[2] == "2026-12-31"   # an amount (200) in the 2026 column is paid
    assert paid[3] == "2026-12-31"   # 单位代缴: covered by the unit
    assert paid[4] == "2024-12-31"
    assert paid[5] == "2028-12-31"   # the remarks say paid up to 2028
    checks = checks_of(report)
    assert any("2026年度（H 列）" in c and "单位统一缴纳" in c for c in checks[6])
    assert 4 not in checks and 5 not in checks  # 是否已缴 beside three years' columns says no year
    assert any("备注（L 列）" in c and "2028" in c for c in checks[8])


def test_remarks_that_matter_are_listed_for_a_person_and_a_deceased_member_gets_no_reminders(env, db, tmp_path):
    report = roster_imported(env, dues_book(tmp_path / "登记.xlsx"))
    checks = checks_of(report)
    assert member(db, "13700000006")["status"] == "deceased"
    assert any("备注（L 列）" in c and "已故" in c for c in checks[9])
    assert any("2025年未缴" in c and "2025年度" in c for c in checks[10])   # 欠费 vs ✔
    assert any("联系不上" in c for c in checks[10])
    assert any("13900000008" in c and "手机号已换" in c for c in checks[11])
    assert member(db, "13700000008")["mobile"] == "13700000008"          # a person confirms the new one
    assert any("会费记录" in c or "2025年度（G 列）" in c for c in checks[11])  # "?" is no answer
    assert "以下各行请核对（导入时按所说处理）" in printed(env, dues_book(tmp_path / "again.xlsx"))  # a dry run


def test_the_data_sheet_is_found_behind_an_empty_template_and_a_notes_sheet(env, db, tmp_path):
    book = Workbook()
    notes = book.active
    notes.title = "填写说明"
    notes.append(["填写说明：姓名、手机号必填；会员类别填个人会员或学生会员"])
    template = book.create_sheet("模板")
    template.append(["姓名", "手机号", "会员类别", "入会日期"])
    book.create_sheet("Sheet3")
    data = book.create_sheet("新会员")
    data.append(["姓名", "手机号", "会员类别", "入会日期"])
    data.append(["周星星", "13800000011", "个人会员", datetime(2025, 3, 2)])
    data.append(["吴孟达", "13800000012", "学生会员", datetime(2025, 4, 9)])
    book.active = 0
    book.save(tmp_path / "新会员.xlsx")
    report = roster_imported(env, tmp_path / "新会员.xlsx")
    assert [n["name"] for n in report["new"]] == ["周星星", "吴孟达"]


def test_wps_dates_saved_as_serial_numbers_and_a_year_with_its_month_zero_dropped(env, db, tmp_path):
    report = roster_imported(env, plain_book(
        tmp_path / "wps.xlsx", ["姓名", "手机", "会员类别", "入会时间", "会费缴至"],
        ["冯宝宝", 13800000021, "普通会员", 44200, "2025年度"],    # a General-format serial number
        ["张楚岚", 13800000022, "普通会员", 2016.1, "2026年度"]))   # 2016.10 as Excel keeps it
    assert report["bad_rows"] == []
    feng, zhang = member(db, "13800000021"), member(db, "13800000022")
    assert (feng["joined_at"], feng["paid_through"]) == ("2021-01-04", "2025-12-31")
    assert (zhang["joined_at"], zhang["paid_through"]) == ("2016-01-01", "2026-12-31")
    assert any("2016.1" in c and "10 月" in c for c in checks_of(report)[3])


def test_an_old_system_s_gbk_csv_with_a_person_twice_and_a_namesake_at_the_same_unit(env, db, tmp_path):
    lines = ["姓名,手机号码,所在单位,会员类别,缴费情况",
             "林黛玉 ,１３８０００００１３１,大观园学院（潇湘馆）,普通会员,2025年已缴",
             "贾宝玉,13800000132,大观园学院怡红院,普通会员,未缴",
             "薛宝钗,13800000133,大观园学院蘅芜苑,普通会员,2026年已缴",
             "薛宝钗,13800000134,大观园学院蘅芜苑,普通会员,未缴",
             "林黛玉,13800000131,大观园学院潇湘馆 ,普通会员,2025年已缴"]
    path = tmp_path / "旧系统导出.csv"
    path.write_bytes("\r\n".join(lines).encode("gbk"))
    report = roster_imported(env, path)
    assert report["bad_rows"] == [] and len(report["new"]) == 4
    assert report["repeated"] == [{"row": 6, "first": 2}]
    assert member(db, "13800000131")["name"] == "林黛玉"
    checks = checks_of(report)
    assert any("与第 4 行同名（薛宝钗）、同单位" in c for c in checks[5])
    assert 6 not in checks  # the unit written with brackets or a trailing space is the same unit


def test_a_name_with_a_bullet_for_its_separator_is_one_person(env, db, tmp_path):
    roster_imported(env, plain_book(tmp_path / "名单.xlsx", ["姓名", "手机号", "会员类别"],
                             ["买买提•艾力", "13800000041", "普通会员"]))
    assert member(db, "13800000041")["name"] == "买买提·艾力"


def test_the_master_file_s_numbers_meet_members_imported_without_one(env, db, tmp_path):
    [first] = roster_imported(env, plain_book(tmp_path / "无编号.xlsx", ["姓名", "手机号", "会员类别"],
                                       ["白展堂", "13800000051", "普通会员"]))["new"]
    report = roster_imported(env, plain_book(
        tmp_path / "总库.xlsx", ["会员编号", "姓名", "手机号", "会员类别", "缴费截止年度", "会员状态"],
        ["HNKX00777", "白展堂", "13800000051", "普通会员", 2026, "正常"],
        ["HNKX00778", "佟湘玉", "13800000052", "普通会员", 2025, "已故"]))
    assert report["bad_rows"] == [] and len(report["new"]) == 1
    bai = member(db, "13800000051")
    assert bai["member_no"] == "HNKX00777" and bai["paid_through"] == "2026-12-31"  # the master's number
    assert any("HNKX00777" in c and first["member_no"] in c for c in checks_of(report)[2])
    assert find_member_by_no(db, "HNKX00778")["status"] == "deceased"


def test_a_yes_no_column_that_contradicts_the_year_s_column_is_listed_and_the_year_s_column_counts(env, db, tmp_path):
    report = roster_imported(env, plain_book(
        tmp_path / "2026会费.xlsx", ["姓名", "联系电话", "会员类别", "2026会费", "已缴费"],
        ["高小琴", "13800000061", "普通会员", "√", "否"], ["祁同伟", "13800000062", "普通会员", None, "是"],
        ["侯亮平", "13800000063", "普通会员", 100, "是"]))
    assert [member(db, f"1380000006{m}")["paid_through"] for m in (1, 2, 3)] == ["2026-12-31", None, "2026-12-31"]
    checks = checks_of(report)
    assert sorted(checks) == [2, 3]
    assert "2026会费（D 列）：与“已缴费”一栏的“否”矛盾" in checks[2][0]


def test_a_unit_list_whose_contact_cell_holds_a_mobile_and_a_landline(env, db, tmp_path):
    path = plain_book(tmp_path / "单位会员.xlsx", ["单位名称", "单位性质", "联系人", "联系人手机", "2026年会费"],
                      ["光明顶科技有限公司", "民营企业", "张无忌", "13800000071/0371-65512345", "已缴"],
                      ["峨眉研究院", "事业单位", "周芷若", "13800000072", None])
    result = CliRunner().invoke(main, ["units", "import", str(path), "--json"], env=env, catch_exceptions=False)
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert [u["name"] for u in report["new_units"]] == ["光明顶科技有限公司", "峨眉研究院"]
    units = {u["name"]: u for u in db["units"].rows}
    assert units["光明顶科技有限公司"]["contact_mobile"] == "13800000071"
    assert units["光明顶科技有限公司"]["paid_through"] == "2026-12-31"
    assert units["峨眉研究院"]["contact_mobile"] == "13800000072"
    checks = checks_of(report)
    assert any("13800000071" in c and "座机" in c for c in checks[2])
    assert any("事业单位" in c for c in checks[3])   # not on the list of 单位类型: left blank, said


def test_an_xls_roster_with_a_merged_title_as_an_old_system_saves_it(env, db, tmp_path):
    import xlwt

    book = xlwt.Workbook(encoding="utf-8")
    sheet = book.add_sheet("名册")
    sheet.write_merge(0, 0, 0, 4, "某某学会会员名册")
    for column, text in enumerate(["姓名", "手机号码", "会员类别", "入会时间", "会费缴至"]):
        sheet.write(1, column, text)
    sheet.write(2, 0, "令狐冲")
    sheet.write(2, 1, 13800000081)          # a number cell, as old exports store mobiles
    sheet.write(2, 2, "个人会员")
    sheet.write(2, 3, datetime(2018, 5, 1), xlwt.easyxf(num_format_str="yyyy年m月"))
    sheet.write(2, 4, 2026)
    book.save(str(tmp_path / "名册.xls"))
    report = roster_imported(env, tmp_path / "名册.xls")
    assert report["bad_rows"] == [] and report["header_rows"] == [2]
    linghu = member(db, "13800000081")
    assert (linghu["name"], linghu["joined_at"], linghu["paid_through"]) == ("令狐冲", "2018-05-01", "2026-12-31")


def test_a_tab_separated_utf16_export_saved_as_unicode_text(env, db, tmp_path):
    lines = ["会员信息导出", "姓名\t手机\t会员类别\t备注", "任盈盈\t13800000091\t个人会员\t联系人：任我行, 王叔",
             "向问天\t13800000092\t高级会员\t"]
    path = tmp_path / "导出.csv"
    path.write_bytes("\r\n".join(lines).encode("utf-16"))
    report = roster_imported(env, path)
    assert [n["name"] for n in report["new"]] == ["任盈盈", "向问天"]
    assert member(db, "13800000092")["category"] == "senior"


def test_a_yes_no_column_is_the_year_the_sheet_s_title_names(env, db, tmp_path):
    book = Workbook()
    sheet = book.active
    sheet.title = "收缴登记"
    sheet.append(["2026年度会费收缴登记表"])
    sheet.append(["姓名", "手机号", "会员类别", "是否缴费"])
    sheet.append(["岳不群", "13800000101", "普通会员", "是"])
    sheet.append(["宁中则", "13800000102", "普通会员", "否"])
    book.save(tmp_path / "收缴.xlsx")
    roster_imported(env, tmp_path / "收缴.xlsx")
    assert [member(db, f"1380000010{m}")["paid_through"] for m in (1, 2)] == ["2026-12-31", None]


def test_a_dry_run_of_a_unit_list_says_the_numbers_come_with_the_import(env, db, tmp_path):
    path = plain_book(tmp_path / "单位.xlsx", ["单位名称", "联系人", "联系人手机"], ["侠客岛研究所", "石破天", "13800000111"])
    result = CliRunner().invoke(main, ["units", "import", str(path), "--dry-run"], env=env, catch_exceptions=False)
    assert "第 2 行 单位会员 （导入时编号） 侠客岛研究所：新增" in result.output and "None" not in result.output


def keeper_book(path):
    """A master roster kept over years by several people: a merged title, 会费缴纳情况 (a column name
    the importer knows) merged over the years, the other headers merged down, ✓ from one keeper and
    √ from the next, a placeholder number, a typo'd mobile, two people of one name, a count line."""
    book = Workbook()
    sheet = book.active
    sheet["A1"] = "某省某学会会员名册"
    sheet.merge_cells("A1:I1")
    sheet.append(["序号", "姓名", "会员编号", "会员类别", "手机", "备注", "会费缴纳情况", None, None])
    sheet.append([None, None, None, None, None, None, "2024年", "2025年", "2026年"])
    sheet.merge_cells("G2:I2")
    for letter in "ABCDEF":
        sheet.merge_cells(f"{letter}2:{letter}3")
    rows = [
        [1, "甄大为", "ABC00011", "会员", "13700001111", None, "✓", "2025已交", "√"],
        [2, "甄大为", "ABC00012", "学生", "13700001112", None, "√", "√", None],
        [3, "贾小宝", "ABC00013", "普通会员", "1370000111", None, "✓", "✓", "200"],
        [4, "孟一凡", "待分配", "学生会员", "13700001114", None, None, None, "√"],
        [5, "柳如风", "ABC00015", "普通会员", "0371-66667777", None, "24、25已交", None, None],
        [6, "吕青青", "ABC00016", "普通会员", "13700001116", None, "已交", None, "已交"],
        [7, "陶然", "ABC00017", "普通会员", "13700001117", None, None, None, None],
        [8, "沈静", "ABC00018", "个人", "13700001118", "已故", "✓", "✓", None],
    ]
    for row in rows:
        sheet.append(row)
    sheet.append([None, "共8人", None, None, None, None, "已交7人", "已交5人", "已交4人"])
    book.save(path)
    return path


def test_years_under_a_known_group_header_and_each_keeper_s_paid_marks(env, db, tmp_path):
    report = roster_imported(env, keeper_book(tmp_path / "名册.xlsx"))
    assert report["bad_rows"] == [] and len(report["new"]) == 8
    assert find_member_by_no(db, "ABC00011")["paid_through"] == "2026-12-31"  # ✓ 2025已交 √
    assert find_member_by_no(db, "ABC00011")["category"] == "regular"          # 会员
    assert find_member_by_no(db, "ABC00013")["paid_through"] == "2026-12-31"  # 200 in the 2026 column
    assert find_member_by_no(db, "ABC00015")["paid_through"] == "2025-12-31"  # 24、25已交
    assert member(db, "13700001114")["paid_through"] == "2026-12-31"
    assert report["notes"] and "共8人" in str(report["notes"])


def test_rows_a_secretary_must_look_at_are_imported_and_listed_with_their_cell(env, db, tmp_path):
    report = roster_imported(env, keeper_book(tmp_path / "名册.xlsx"))
    checks = checks_of(report)
    assert "1370000111" in str(checks[6]) and find_member_by_no(db, "ABC00013")["mobile"] is None
    assert "0371-66667777" in str(checks[8]) and find_member_by_no(db, "ABC00015")
    assert "待分配" in str(checks[7]) and member(db, "13700001114")["member_no"]  # numbered on import
    assert "第 4 行同名" in str(checks[5]) and "ABC00011" in str(checks[5])
    assert "第 5 行同名" in str(checks[4]) and "ABC00012" in str(checks[4])   # both of them listed
    assert find_member_by_no(db, "ABC00012")["name"] == "甄大为"
    assert "2025 年未缴" in str(checks[9])           # paid 2024 and 2026, not 2025
    assert "2024–2026 年都没有缴费记录" in str(checks[10])
    assert find_member_by_no(db, "ABC00018")["status"] == "deceased" and 11 in checks


def test_an_older_export_does_not_bring_back_a_deceased_member_and_reads_its_dates(env, db, tmp_path):
    roster_imported(env, keeper_book(tmp_path / "名册.xlsx"))
    path = tmp_path / "旧系统.csv"
    path.write_bytes("会员编号,姓名,手机号码,入会日期,会员级别,会员状态,最后缴费年度\r\n"
                     "ABC00018,沈静,13700001118,20090417,普通,正常,2023\r\n"
                     "ABC00011,甄大为,+86 137 0000 1111,42081,普通,正常,2023\r\n"
                     "ABC00009,王喆,13700001119,2008/12/5,高级,停用,2019\r\n"
                     "共3条记录,,,,,,\r\n".encode("gbk"))
    report = roster_imported(env, path)
    assert report["bad_rows"] == []
    deceased = find_member_by_no(db, "ABC00018")
    assert deceased["status"] == "deceased" and deceased["joined_at"] == "2009-04-17"
    assert "status" in [c["field"] for c in report["conflicts"] if c["row"] == 2]
    assert find_member_by_no(db, "ABC00011")["joined_at"] == "2015-03-18"      # Excel serial as text
    assert find_member_by_no(db, "ABC00011")["paid_through"] == "2026-12-31"  # 2023 does not go back
    assert find_member_by_no(db, "ABC00009")["name"] == "王喆"                    # GBK beyond GB2312
    assert find_member_by_no(db, "ABC00009")["status"] == "suspended"         # 停用


def test_a_changed_mobile_in_the_remarks_and_an_amount_with_a_note_in_a_year_column(env, db, tmp_path):
    report = roster_imported(env, plain_book(
        tmp_path / "名册.xlsx", ["会员编号", "姓名", "手机", "会员类别", "2025年会费", "2026年会费", "备注"],
        ["ABC00031", "韩东", "13500000031", "普通会员", 200, "200（发票已开）", "手机号已换：187 0000 0031"]))
    found = find_member_by_no(db, "ABC00031")
    assert found["mobile"] == "18700000031" and found["paid_through"] == "2026-12-31"
    assert "13500000031" in str(checks_of(report)[2])


def test_an_old_system_s_export_fills_blanks_but_keeps_what_the_store_has_since(env, db, tmp_path):
    roster_imported(env, plain_book(
        tmp_path / "名册.xlsx", ["会员编号", "姓名", "手机", "会员类别", "会费缴至", "入会时间"],
        *[[f"ABC0004{i}", name, mobile, "普通会员", 2026, "2019.03"] for i, (name, mobile) in
          enumerate([("甲一", "13500000040"), ("乙二", "18700000041"), ("丙三", None), ("丁四", "13500000043")])]))
    path = tmp_path / "旧系统.csv"
    path.write_bytes(("会员编号,姓名,手机号码,会员级别,最后缴费年度,入会日期\r\n"
                      "ABC00040,甲一,13500000040,普通,2023,2019/3/5\r\n"
                      "ABC00041,乙二,13500000099,普通,2023,2019/3/5\r\n"
                      "ABC00042,丙三,13500000042,普通,2023,2019/3/5\r\n"
                      "ABC00043,丁四,13500000043,普通,2022,2019/3/5\r\n").encode("gbk"))
    report = roster_imported(env, path)
    assert find_member_by_no(db, "ABC00041")["mobile"] == "18700000041"   # changed since: kept
    assert find_member_by_no(db, "ABC00042")["mobile"] == "13500000042"   # blank: filled
    assert find_member_by_no(db, "ABC00040")["joined_at"] == "2019-03-05"  # the same month, said exactly
    assert find_member_by_no(db, "ABC00043")["paid_through"] == "2026-12-31"
    assert {(c["row"], c["field"]) for c in report["conflicts"] if c["field"] == "mobile"} == {(3, "mobile")}


def test_an_old_export_s_people_the_store_does_not_have_are_imported_and_listed(env, db, tmp_path):
    """The old system still lists people the current roster dropped (left, lapsed): they are imported as
    former members (退会: no reminders), and the secretary is told the file is older than the store and
    each of them is named."""
    roster_imported(env, plain_book(
        tmp_path / "名册.xlsx", ["会员编号", "姓名", "手机", "会员类别", "会费缴至"],
        *[[f"ABC0005{i}", name, f"1350000005{i}", "普通会员", 2026] for i, name in enumerate(["甲一", "乙二", "丙三"])]))
    path = tmp_path / "旧系统.csv"
    path.write_bytes(("会员编号,姓名,手机号码,会员级别,会员状态,最后缴费年度\r\n"
                      "ABC00050,甲一,13500000050,普通,正常,2023\r\n"
                      "ABC00057,戊七,13500000057,普通,正常,2021\r\n"
                      "ABC00051,乙二,13500000051,普通,正常,2023\r\n"
                      "ABC00052,丙三,13500000052,普通,正常,2022\r\n").encode("gbk"))
    report = roster_imported(env, path)
    assert [n["name"] for n in report["new"]] == ["戊七"]
    [check] = [c for c in report["checks"] if c["row"] == 3]
    assert check["header"] == "姓名" and "库里没有这位会员" in check["check"] and "比库里的旧" in check["check"]
    assert [c["row"] for c in report["checks"] if "库里没有" in c["check"]] == [3]
    assert find_member_by_no(db, "ABC00057")["status"] == "resigned"


def branches_book(path):
    """New members collected by two branches, one sheet each with its own title and header order, a
    hand-over note on a third; one record typed one cell to the right; one person sent in by both,
    first with a mobile missing a digit."""
    book = Workbook()
    east = book.active
    east.title = "东区分会"
    east.append(["东区分会 2026年新会员登记表"])
    east.append(["序号", "姓名", "性别", "工作单位", "手机", "申请类别", "填表日期", "备注"])
    east.append([1, "欧阳明", "男", "东区大学", "1370000210", "个人会员", datetime(2026, 9, 12), None])
    east.append([2, None, "上官燕", "女", "东区大学", "13700002102", "学生会员", "2026.9.20"])
    east.append([3, "司马青", "男", "东区研究所", "13700002103", "个人", "2026/9/22", None])
    west = book.create_sheet("西区分会")
    west.append(["西区分会新会员名单"])
    west.append(["（10月报送）"])
    west.append(["编号", "名字", "联系电话", "单位", "会员类型", "备注"])
    west.append(["XQ-01", "欧阳明", "13700002101", "东区大学", "个人", "手机号更正，以此为准"])
    west.append(["XQ-02", "诸葛雯", "13700002104", "西区学院", "学生", None])
    book.create_sheet("说明").append(["以上名单由各分会报送，秘书处汇总。"])
    book.save(path)
    return path


def test_every_branch_sheet_is_imported_and_a_shifted_row_is_read_in_place(env, db, tmp_path):
    roster_imported(env, plain_book(tmp_path / "名册.xlsx", ["会员编号", "姓名", "手机", "会员类别"],
                             ["ABC00061", "司马青", "13700002103", "普通会员"]))
    report = roster_imported(env, branches_book(tmp_path / "分会新会员.xlsx"))
    assert [(c["sheet"], c["row"]) for c in report["checks"] if "已是会员 ABC00061" in c["check"]] == [("东区分会", 5)]
    assert [(s["sheet"], len(s["new"])) for s in report["sheets"]] == [("东区分会", 1), ("西区分会", 2)]
    shifted = member(db, "13700002102")
    assert (shifted["name"], shifted["work_unit"], shifted["category"]) == ("上官燕", "东区大学", "student")
    assert [(c["sheet"], c["row"]) for c in report["checks"] if "右错了一列" in c["check"]] == [("东区分会", 4)]
    assert member(db, "13700002101")["name"] == "欧阳明" and len(find_members_by_mobile(db, "1370000210")) == 0
    assert [(p["sheet"], p["row"], p["letter"]) for p in report["problems"]] == [("东区分会", 3, "E"), ("东区分会", 3, "H")]
    assert report["problems"][1]["value"] == "填表日期：2026-09-12"  # what the refused row would have kept, said
    assert [(c["sheet"], c["row"]) for c in report["checks"] if "西区分会第 4 行有同一人" in c["check"]] == [("东区分会", 3)]
    assert "工作表“西区分会”" in printed(env, tmp_path / "分会新会员.xlsx")


def test_a_mobile_the_remarks_replaced_is_not_brought_back_by_a_later_file(env, db, tmp_path):
    roster_imported(env, plain_book(tmp_path / "名册.xlsx", ["会员编号", "姓名", "手机", "会员类别", "会费缴至", "备注"],
                             ["ABC00051", "牛子", "13500000051", "学生会员", 2025, "手机号已换：18100000051"]))
    report = roster_imported(env, plain_book(tmp_path / "总库.xlsx", ["会员编号", "姓名", "手机", "会员类别", "会费缴至"],
                                      ["ABC00051", "牛子", "13500000051", "学生会员", 2026]))
    member_now = find_member_by_no(db, "ABC00051")
    assert (member_now["mobile"], member_now["paid_through"]) == ("18100000051", "2026-12-31")
    assert [(c["field"], c["file"]) for c in report["conflicts"]] == [("mobile", "13500000051")]


def test_a_unit_list_whose_level_column_says_member_is_all_units(env, db, tmp_path):
    """级别 "会员" on a list of unit members is the unit's level, not 普通会员: the row was read as a
    person without a name and the report failed (a 500 in the console, a traceback from the CLI)."""
    book = Workbook()
    sheet = book.active
    sheet["A1"] = "单位会员名录（2026年）"
    sheet.merge_cells("A1:F1")
    sheet.append(["序号", "单位名称", "联系人", "联系电话", "级别", "备注"])
    sheet.append([1, "河南农业大学", "马老师", 13838383838, "理事单位", None])
    sheet.append([2, "郑州大学", "牛老师", 13939393939, "会员", None])
    book.save(tmp_path / "单位会员名录.xlsx")
    assert "郑州大学" in printed(env, tmp_path / "单位会员名录.xlsx")
    report = roster_imported(env, tmp_path / "单位会员名录.xlsx")
    assert [u["name"] for u in report["new_units"]] == ["河南农业大学", "郑州大学"]
    assert report["new"] == [] and report["bad_rows"] == []
    assert {u["name"]: u["contact_mobile"] for u in db["units"].rows}["郑州大学"] == "13939393939"


def test_a_person_s_category_on_a_unit_list_is_a_problem_of_that_row(env, db, tmp_path):
    path = plain_book(tmp_path / "单位.xlsx", ["单位名称", "联系人", "联系电话", "级别"],
                      ["河南农业大学", "马老师", 13838383838, "会员"], ["郑州大学", "牛老师", 13939393939, "普通会员"])
    report = roster_imported(env, path)
    assert [u["name"] for u in report["new_units"]] == ["河南农业大学"] and report["new"] == []
    [problem] = report["problems"]
    assert problem["row"] == 3 and problem["header"] == "级别" and "单位会员名录" in problem["problem"]


def test_a_member_whose_work_unit_is_a_unit_member_s_name_is_linked_to_it(env, db, tmp_path):
    """A roster has no 单位会员编号 column (nobody knows those numbers): its 工作单位 names the unit. The
    unit's contact logged in and saw no one of their own unit until each member was edited by hand."""
    roster_imported(env, plain_book(tmp_path / "单位.xlsx", ["单位名称", "联系人", "联系电话"],
                                    ["河南农业大学", "马老师", 13838383838]))
    roster_imported(env, plain_book(tmp_path / "旧名册.xlsx", ["姓名", "手机", "会员类别", "工作单位"],
                                    ["张伟", 13812345678, "高级会员", "河南农业大学"]))  # before the unit was linked
    db.execute("update members set unit_id = null")
    report = roster_imported(env, plain_book(tmp_path / "名册.xlsx", ["姓名", "手机", "会员类别", "工作单位"],
                                             ["张伟", 13812345678, "高级会员", "河南农业大学"],
                                             ["李娜", 13923456789, "普通会员", " 河南农业大学 "],
                                             ["王芳", 15036781234, "普通会员", "河南农业大学机电工程学院"]))
    unit = db.execute("select id, unit_no from units").fetchone()
    linked = {m["name"]: m["unit_id"] for m in db["members"].rows}
    assert linked == {"张伟": unit[0], "李娜": unit[0], "王芳": None}
    said = {c["row"]: c["check"] for c in report["checks"]}
    assert unit[1] in said[2] and unit[1] in said[3] and 4 not in said


def test_paid_words_without_a_year_are_the_year_the_roster_s_title_names(env, db, tmp_path):
    """缴费情况 "已缴" / "交了" in a roster titled 2026年 and "没交" (= 未缴) were refused, the rows lost."""
    book = Workbook()
    sheet = book.active
    sheet["A1"] = "河南省农业工程学会会员名册（2026年）"
    sheet.merge_cells("A1:E1")
    sheet.append(["姓名", "手机号码", "会员类别", "缴费情况", "备注"])
    sheet.append(["李娜", 13923456789, "普通会员", "已缴", None])
    sheet.append(["赵强", 13598765432, "普通会员", "交了", "退休"])
    sheet.append(["陈静", 17703715566, "学生会员", "没交", "研二"])
    book.save(tmp_path / "名册.xlsx")
    report = roster_imported(env, tmp_path / "名册.xlsx")
    assert report["problems"] == [] and len(report["new"]) == 3
    assert [member(db, m)["paid_through"] for m in ("13923456789", "13598765432", "17703715566")] == \
        ["2026-12-31", "2026-12-31", None]
    said = {c["row"]: c["check"] for c in report["checks"]}
    assert "2026" in said[3] and "2026" in said[4] and 5 not in said
    undated = roster_imported(env, plain_book(tmp_path / "表.xlsx", ["姓名", "手机号码", "会员类别", "缴费情况"],
                                              ["王芳", 15036781234, "普通会员", "已缴"]))
    assert [p["row"] for p in undated["problems"]] == [2]  # no year anywhere: still asked


def test_a_re_import_names_every_changed_field_in_chinese(env, db, tmp_path):
    """The report said 更新：gender：— → 女；title：— → 副教授, level：— → 理事单位 and 所属单位会员：— → 1 (the unit's
    row id): the code's names and numbers, not the secretary's words."""
    roster_imported(env, plain_book(tmp_path / "单位.xlsx", ["单位名称", "联系人", "联系电话"],
                                    ["河南农业大学", "马老师", 13838383838]))
    roster_imported(env, plain_book(tmp_path / "旧.xlsx", ["姓名", "手机", "会员类别"], ["李娜", 13923456789, "普通会员"]))
    unit_no = db.execute("select unit_no from units").fetchone()[0]
    members_report = printed(env, plain_book(tmp_path / "新.xlsx", ["姓名", "手机", "会员类别", "性别", "职称", "工作单位"],
                                             ["李娜", 13923456789, "普通会员", "女", "副教授", "河南农业大学"]))
    units_report = printed(env, plain_book(tmp_path / "单位2.xlsx", ["单位名称", "联系人", "联系电话", "级别"],
                                           ["河南农业大学", "马老师", 13838383838, "理事单位"]))
    [member_line] = [line for line in members_report.splitlines() if "更新：" in line]
    assert "性别：— → 女" in member_line and "职称：— → 副教授" in member_line, member_line
    assert f"所属单位会员：— → {unit_no} 河南农业大学" in member_line, member_line
    [unit_line] = [line for line in units_report.splitlines() if "更新：" in line]
    assert "级别：— → 理事单位" in unit_line, unit_line
    for line in (member_line, unit_line):
        assert not re.search(r"[a-z_]{4,}", line), line


def test_a_fellow_in_a_small_society_is_said_plainly_over_the_cap(env, db, tmp_path):
    """It said 会士现有 1 人，超过个人会员 9 人的 1%（0 人）: true, and read as nonsense."""
    path = plain_book(tmp_path / "名册.xlsx", ["姓名", "手机", "会员类别"],
                      ["周杰", 13611112222, "会士"], ["李娜", 13923456789, "普通会员"])
    checked = printed(env, path)
    assert "会士现有 1 人（其中本表新增 1 人），已超过上限：会士不得超过个人会员的 1%，个人会员 2 人时上限为 0 人" in checked, \
        checked
    roster_imported(env, path)
    report = printed(env, path)  # the same file again: its fellow is the stored one, over the cap before it (walk 12, #22)
    assert "本表没有新增会士；原有会士 1 人，按个人会员 2 人算已超过上限（会士不得超过个人会员的 1%，即 0 人）" in report, report


def test_a_mobile_excel_wrote_in_scientific_notation(env, db, tmp_path):
    """A roster opened in Excel and saved as CSV writes a mobile column it shows as a number the way it
    shows it: 1.36E+10 has lost its last eight digits, 1.3607719999E+10 has all eleven. The file was
    refused as a whole (手机号格式不对). Now the whole number is taken, and the row whose digits are
    lost is imported without a mobile and listed with its cell, saying why and what to do."""
    path = tmp_path / "会员名册.csv"
    path.write_bytes("某学会会员名册（2026年）,,,,\n"
                     "序号,姓名,会员类别,手机号码,备注\n"
                     "1,韩梅,普通会员,1.36E+10,\n"
                     "2,李雷,普通会员,1.3607719999E+10,\n"
                     ",,,,\n"
                     "3,林涛,学生会员,13607710001,新入会\n"
                     "合计,3人,,,\n".encode("gb18030"))
    report = roster_imported(env, path)
    assert report["bad_rows"] == [] and len(report["new"]) == 3
    assert member(db, "13607719999")["name"] == "李雷"
    [han] = [m for m in db["members"].rows if m["name"] == "韩梅"]
    assert han["mobile"] is None
    [said] = checks_of(report)[3]
    assert said.startswith("手机号码（D 列）：")
    assert "1.36E+10" in said and "后几位已经丢失" in said and "请向会员要手机号" in said
    assert "第 4 行" in printed(env, path) and "13607719999" in printed(env, path)
    again = roster_imported(env, path)  # the same file imported again: 韩梅 once, listed
    assert db["members"].count == 3 and "库里也没有手机号" in " ".join(checks_of(again)[3])
