"""A fourth society's secretariat files (a provincial nursing society): a roster workbook with a sheet per
city, the first with a two-row grouped header (基本信息 / 联系方式 merged above the real headers, 缴费情况 and
备注 merged over both rows), another with an ID-number column; landlines and a hospital ward's shared office
phone in the 手机 column, two mobiles in one cell, 出生年月 written three ways. Each file is made here the way
the secretary's workbook has it."""
from openpyxl import Workbook

from storage.members import find_member_by_no
from tests.cli import command, roster_imported

HEADER = ["序号", "会员编号", "姓名", "性别", "出生年月", "职称", "会员类别", "入会时间", "工作单位", "科室", "手机",
          "缴费情况", "备注"]


def city_sheet(sheet, rows):
    """A city's sheet: the merged title, then 基本信息 / 联系方式 over the headers of row 3, 缴费情况 and 备注
    merged over rows 2-3; a 合计 line and a note under the table."""
    sheet["A1"] = "河南省某某学会会员名册（2026年11月更新）"
    sheet.merge_cells("A1:M1")
    sheet["A2"], sheet["I2"], sheet["L2"], sheet["M2"] = "基本信息", "联系方式", "缴费情况", "备注"
    sheet.merge_cells("A2:H2")
    sheet.merge_cells("I2:K2")
    sheet.merge_cells("L2:L3")
    sheet.merge_cells("M2:M3")
    for column, header in enumerate(HEADER[:11], 1):
        sheet.cell(3, column, header)
    for number, row in enumerate(rows, 1):
        sheet.append([number, *row])
    sheet.append(["合计", None, f"{len(rows)}人"])
    sheet.append([])
    sheet.append(["注：缴费情况统计截至2026年8月31日。"])


def roster_book(path, zhengzhou, other_cities=()):
    book = Workbook()
    book.active.title = "郑州"
    city_sheet(book.active, zhengzhou)
    for title, rows in other_cities:
        city_sheet(book.create_sheet(title), rows)
    book.create_sheet("Sheet5")
    book.save(path)
    return path


def nurse(number, name, born, mobile, paid="2026年未缴", remark=None, category="个人会员"):
    return [number, name, "女", born, "护师", category, "2021.04", "河南省某医院", "重症医学科", mobile, paid, remark]


def test_birth_dates_written_with_two_digit_years_or_as_numbers_are_read(env, db, tmp_path):
    rows = [nurse("HL02114", "孙倩", "91年7月", 15838116024), nurse("HL02115", "周晓燕", "1993.02", 18703856217),
            nurse("HL02231", "吴迪", 1995.1, 17719871052), nurse("HL01560", "杜娟", 19850918, 13937125566),
            nurse("HL00976", "刘洋", "82年9月", 13838551976), nurse("HL03402", "陈思雨", "04年2月", 18838120412),
            nurse("HL01207", "王秀云", "80.12", 13673996521), nurse("HL02660", "黄亚楠", 96.5, 18638721930),
            nurse("HL01950", "周敏", 32761, 13592648807)]   # a date cell formatted General: 1989-09-10
    report = roster_imported(env, roster_book(tmp_path / "名册.xlsx", rows))
    assert report["bad_rows"] == [] and not [c for c in report["checks"] if c["header"] == "出生年月"]
    assert [find_member_by_no(db, row[0])["birth_year"] for row in rows] == [1991, 1993, 1995, 1985, 1982, 2004,
                                                                            1980, 1996, 1989]


def test_a_birth_date_that_cannot_be_read_does_not_keep_the_nurse_out(env, db, tmp_path):
    report = roster_imported(env, roster_book(tmp_path / "名册.xlsx", [nurse("HL02114", "孙倩", "七月", 15838116024)]))
    assert report["bad_rows"] == []
    assert find_member_by_no(db, "HL02114")["birth_year"] is None
    said = [(c["header"], c["letter"], c["check"]) for c in report["checks"] if c["row"] == 4 and c["value"] == "七月"]
    assert said == [("出生年月", "E", "“七月”未导入：出生年份不对：请输入 4 位年份，如 1985。其余信息照常导入，这一项请在后台补填")]


def test_landlines_and_a_ward_s_shared_office_phone_are_kept_as_phones_and_the_nurses_imported(env, db, tmp_path):
    rows = [nurse("HL00301", "马红梅", "1969.12", "0371-66862011"),
            nurse("HL01811", "冯丹", "1986.06", "0371-65587112"),
            nurse("HL01812", "潘雪", "1990.01", "0371-65587112", remark="护理部办公室电话"),
            nurse(None, "张桂兰", "65年12月", "0379-63546311", remark="老会员，无编号")]
    path = roster_book(tmp_path / "名册.xlsx", rows)
    report = roster_imported(env, path)
    assert report["bad_rows"] == [] and len(report["new"]) == 4
    zhang = next(m for m in command("members")[1](env, "list") if m["name"] == "张桂兰")
    stored = [find_member_by_no(db, no) for no in ("HL00301", "HL01811", "HL01812", zhang["member_no"])]
    assert [m["mobile"] for m in stored] == [None] * 4   # nobody's mobile, so no two nurses share one
    assert ["座机：" + row[9] in m["remarks"] for m, row in zip(stored, rows)] == [True] * 4
    said = {c["row"]: c["check"] for c in report["checks"] if c["header"] == "手机" and "座机" in c["check"]}
    assert sorted(said) == [4, 5, 6, 7] and "要到手机号后请在后台补上" in said[7]
    again = roster_imported(env, path)   # the same roster imported again: the nurse without a number is not doubled
    assert again["bad_rows"] == [] and again["new"] == []


def test_numbers_of_the_society_s_own_shape_without_the_joining_year_are_not_each_listed(env, db, tmp_path):
    rows = [nurse(f"HNKX0{n}", name, "1990.01", 13900000000 + n) for n, name in
            ((2114, "孙倩"), (2115, "周晓燕"), (2231, "吴迪"), (1560, "杜娟"), (976, "刘洋"))]
    rows[4][0] = "HNKX009760"   # one typed with a 0 too many
    report = roster_imported(env, roster_book(tmp_path / "名册.xlsx", rows))
    assert report["bad_rows"] == [] and len(report["new"]) == 5
    assert [(c["row"], c["value"], c["check"]) for c in report["checks"] if c["reason"] == "number_length"] == [
        (8, "HNKX009760", "会员号“HNKX009760”的位数与本会的编号（HNKX + 5 位数字，本表多数编号这样写）不同，可能多打或少打了一位："
                          "已按所写导入，请核对会员证后在后台改正")]


def test_two_nurses_giving_one_mobile_are_both_imported_and_only_one_has_it(env, db, tmp_path):
    rows = [nurse("HL02114", "孙倩", "1991.07", 15838116024), nurse("HL02115", "周晓燕", "1993.02", 15838116024),
            nurse(None, "孙八", "1985.01", 13800001111), nurse(None, "周九", "1986.01", 13800001111, remark="孙八之妻")]
    path = roster_book(tmp_path / "名册.xlsx", rows)
    report = roster_imported(env, path)
    assert report["bad_rows"] == [] and len(report["new"]) == 4
    members = {m["name"]: m for m in command("members")[1](env, "list")}
    assert [find_member_by_no(db, members[name]["member_no"])["mobile"] for name in ("孙倩", "周晓燕", "孙八", "周九")] \
        == ["15838116024", None, "13800001111", None]
    assert "共用手机：15838116024" in find_member_by_no(db, "HL02115")["remarks"]
    said = {(c["row"], c["letter"]): c["check"] for c in report["checks"] if "手机号相同" in c["check"] or "也填了" in c["check"]}
    assert sorted(said) == [(4, "K"), (5, "K"), (6, "K"), (7, "K")]
    assert "这一行已导入、手机号空着" in said[(5, "K")] and "请问清号码是谁的" in said[(5, "K")]
    again = roster_imported(env, path)   # imported again: 周九, without a number or a mobile of her own, not doubled
    assert again["bad_rows"] == [] and again["new"] == []


def test_a_status_written_after_the_name_is_the_member_s_status(env, db, tmp_path):
    rows = [nurse("HL01105", "赵敏（已退会）", "1979.03", 13783526631), nurse("HL02116", "李四（已故）", "1961.07", 13800000001),
            nurse("HL02118", "赵六【已退会】", "1985.06", 13800000002), nurse("HL02119", "钱七 已退会", "1985.01", 13800000003),
            nurse("HL02122", "吴一－已故", "1958.01", 13800000006), nurse("HL02123", "郑红（护士长）", "1970.02", 13800000007)]
    report = roster_imported(env, roster_book(tmp_path / "名册.xlsx", rows))
    assert report["bad_rows"] == []
    stored = [find_member_by_no(db, row[0]) for row in rows]
    assert [(m["name"], m["status"]) for m in stored] == [
        ("赵敏", "resigned"), ("李四", "deceased"), ("赵六", "resigned"), ("钱七", "resigned"), ("吴一", "deceased"),
        ("郑红", "active")]
    assert "护士长" in stored[5]["remarks"] and "已故" in stored[1]["remarks"]
    said = [(c["row"], c["letter"]) for c in report["checks"] if "不再提醒缴费" in c["check"]]
    assert said == [(4, "C"), (5, "C"), (6, "C"), (7, "C"), (8, "C")]


def test_a_remark_that_the_phone_changed_without_the_new_number_asks_for_it(env, db, tmp_path):
    rows = [nurse("HL01349", "袁晓燕", "1984.11", 13938049349, remark="电话已换，新号见微信群"),
            nurse("HL01350", "袁晓丽", "1984.12", 13938049350, remark="手机号已换 13938049999")]
    report = roster_imported(env, roster_book(tmp_path / "名册.xlsx", rows))
    said = {c["row"]: c["check"] for c in report["checks"] if c["letter"] == "M"}
    assert said[4] == "备注说手机号已换，新号码没写在表里：已按“手机”一栏的号码 13938049349 导入，问到新号码后请在后台修改"
    assert find_member_by_no(db, "HL01349")["mobile"] == "13938049349"
    assert find_member_by_no(db, "HL01350")["mobile"] == "13938049999"   # the new one written: taken, as before


def test_a_birth_year_and_gender_left_blank_are_read_from_the_id_number(env, db, tmp_path):
    book = Workbook()
    sheet = book.active
    sheet.title = "洛阳"
    sheet.append(["河南省某某学会会员名册（2026年11月更新）"])
    sheet.append(["序号", "会员编号", "姓名", "性别", "出生年月", "身份证号", "会员类别", "手机", "缴费情况"])
    sheet.append([1, "HL02876", "韩梅", None, None, "410303199105150404", "个人会员", 13838825101, "2026年未缴"])
    sheet.append([2, "HL02790", "刘燕", "女", "不详", "41030519890402084X", "个人会员", 13525400790, "2026年未缴"])
    sheet.append([3, "HL01366", "常晓燕", "女", "1984.02", "41030319840213318X", "个人会员", 13608335366, "已缴至2026"])
    sheet.append([4, "HL02011", "赵红霞", None, None, 4.10322198603030e+17, "个人会员", 13938856011, "2026年未缴"])
    book.save(tmp_path / "名册.xlsx")
    report = roster_imported(env, tmp_path / "名册.xlsx")
    assert report["bad_rows"] == []
    stored = [find_member_by_no(db, no) for no in ("HL02876", "HL02790", "HL01366", "HL02011")]
    assert [(m["birth_year"], m["gender"]) for m in stored] == [(1991, "女"), (1989, "女"), (1984, "女"), (None, None)]
    said = {c["row"]: (c["value"], c["check"]) for c in report["checks"] if c["header"] == "身份证号"}
    assert said[3] == ("4103**********0404", "出生年份、性别没有填（或看不懂）：按身份证号读作1991 年出生、女，已导入，请核对")
    assert said[4][1] == "出生年份没有填（或看不懂）：按身份证号读作1989 年出生，已导入，请核对"
    assert 5 not in said and not [c for c in report["checks"] if c["row"] == 4 and "后台补填" in c["check"]]


def test_a_student_still_studying_is_not_said_to_have_graduated(env, db, tmp_path):
    rows = [nurse("HL03390", "孟瑶", "2003.06", 19937106652, paid="免缴", category="学生会员", remark="在读，2027年毕业"),
            nurse("HL03402", "陈思雨", "2004.02", 18838120412, paid="免缴", category="学生会员", remark="2026年6月已毕业"),
            nurse("HL03455", "薛梦", "2004.09", 18337902455, paid="免缴", category="学生会员", remark="已工作")]
    report = roster_imported(env, roster_book(tmp_path / "名册.xlsx", rows))
    assert [c["row"] for c in report["checks"] if "毕业" in c["check"]] == [5, 6]


def test_an_export_holding_id_numbers_says_so(env, db, tmp_path):
    book = Workbook()
    book.active.append(["会员编号", "姓名", "身份证号", "手机", "会员类别"])
    book.active.append(["HL02876", "韩梅", "410303199105150404", 13838825101, "个人会员"])
    book.save(tmp_path / "名册.xlsx")
    roster_imported(env, tmp_path / "名册.xlsx")
    said = command("members")[0](env, "export", tmp_path / "导出.xlsx").output
    assert "含完整手机号和身份证号" in said
