"""A society's roster workbook as its secretaries keep it over years: a legend saying a green cell
means paid (and cells coloured green with nothing written), paid marks in words and amounts
(交了, 已缴40, 已缴(含2026), 免, 终身), a 终身会员, names with a note (张三（退休）), dates typed
short (16年3月, 26/3/5), this year's joiners on their own sheet with 会员号 待编, and the unit members
on a sheet of their own. The workbook is built here as such a secretary builds it."""
from __future__ import annotations

from datetime import datetime

from click.testing import CliRunner
from openpyxl import Workbook
from openpyxl.styles import PatternFill

from bot.cli import main
from storage.members import find_members_by_mobile
from tests.cli import roster_imported

GREEN = PatternFill("solid", fgColor="FF92D050")
YELLOW = PatternFill("solid", fgColor="FFFFFF00")


def member(db, mobile):
    [found] = find_members_by_mobile(db, mobile)
    return found


def checks_on(report, sheet, row):
    return [c for c in report["checks"] if c["sheet"] == sheet and c["row"] == row]


def society_book(path, legend=True):
    book = Workbook()
    people = book.active
    people.title = "个人会员"
    people.append(["某某学会会员花名册（2026整理）"])
    people.append(["注：2026年度会费一栏绿色底色表示已缴。" if legend else "会费标准：个人会员150元/年"])
    people.append(["序号", "会员号", "姓名", "会员类别", "入会时间", "手机", "2025年度会费", "2026年度会费", "备注"])
    people.append(["一、高等院校"])
    rows = [
        [1, "ABC16001", "甲一", "个人会员", datetime(2016, 3, 1), "13800000601", "√", None, None],       # green, blank
        [2, "ABC16002", "乙二", "个人会员", "16年3月", "13800000602", "√", "未缴", None],                # green, 未缴
        [3, "ABC16003", "丙三", "个人会员", 41519, "13800000603", "√", None, None],                      # yellow, blank
        [4, "ABC16004", "丁四（退休）", "高级会员", "2016.5", "13800000604", "已缴(含2026)", None, None],
        [5, "ABC16005", "戊五", "个人会员", "2016", "13800000605", "√", "交了", None],
        [6, "ABC16006", "己六", "终身会员", "2016", "13800000606", "终身", "终身", None],
        [7, "ABC25007", "庚七", "学生会员", "2025.11", "13800000607", "免", None, "入会当年免缴"],
    ]
    for row in rows:
        people.append(row)
    people["H5"].fill = GREEN
    people["H6"].fill = GREEN
    people["H7"].fill = YELLOW
    new = book.create_sheet("2026新增")
    new.append(["2026年新入会会员"])
    new.append(["姓名", "手机", "工作单位", "会员类别", "入会日期", "2026年度会费", "备注", "会员号"])
    new.append(["辛八", "13800000608", "某大学", "学生", "26/3/5", "已缴40", None, "待编"])
    new.append(["壬九", "13800000609", "某大学", "个人", "2026年5月", None, None, "待编"])
    units = book.create_sheet("单位会员")
    units.append(["某某学会单位会员名单"])
    units.append(["序号", "单位名称", "级别", "联系人", "联系电话", "2025年度会费", "2026年度会费", "备注"])
    units.append([1, "某某设计研究院有限公司", "理事单位", "赵敏", "0371-66020001", 5000, "已交", "简称某设计院"])
    units.append([2, "某某水文中心", "会员单位", "钱多", None, "√", None, None])
    units.append([3, "某某工程有限公司", "会员单位", "孙少", None, None, None, "2025年已退出"])
    units["G4"].fill = GREEN
    units.append(["合计2家"])
    book.save(path)
    return path


def test_a_green_cell_is_paid_where_the_legend_says_so_and_the_words_win(env, db, tmp_path):
    report = roster_imported(env, society_book(tmp_path / "花名册.xlsx"))
    assert member(db, "13800000601")["paid_through"] == "2026-12-31"      # green, nothing written
    assert member(db, "13800000602")["paid_through"] == "2025-12-31"      # green but 未缴: the words
    [said] = checks_on(report, "个人会员", 6)
    assert said["letter"] == "H" and "未缴" in said["check"] and "绿色" in said["check"]
    assert member(db, "13800000603")["paid_through"] == "2025-12-31"      # yellow means nothing here


def test_without_a_legend_a_coloured_cell_says_nothing(env, db, tmp_path):
    roster_imported(env, society_book(tmp_path / "花名册.xlsx", legend=False))
    assert member(db, "13800000601")["paid_through"] == "2025-12-31"


def test_marks_in_words_a_lifetime_member_a_name_with_a_note_and_short_dates(env, db, tmp_path):
    report = roster_imported(env, society_book(tmp_path / "花名册.xlsx"))
    assert report["bad_rows"] == []
    retired = member(db, "13800000604")
    assert (retired["name"], retired["paid_through"], retired["remarks"]) == ("丁四", "2026-12-31", "退休")
    assert member(db, "13800000605")["paid_through"] == "2026-12-31"      # 交了
    assert member(db, "13800000602")["joined_at"] == "2016-03-01"         # 16年3月
    lifetime = member(db, "13800000606")
    assert lifetime["paid_through"] == "9999-12-31" and lifetime["category"] == "regular"
    assert any(c["letter"] == "D" and "终身会员" in c["check"] for c in checks_on(report, "个人会员", 10))
    exempt = member(db, "13800000607")
    assert exempt["paid_through"] == "2025-12-31"                         # 免 in the joining year: owes 2026
    assert any(c["letter"] == "G" for c in checks_on(report, "个人会员", 11))


def test_this_year_s_joiners_without_numbers_and_the_unit_sheet(env, db, tmp_path):
    report = roster_imported(env, society_book(tmp_path / "花名册.xlsx"))
    joiner = member(db, "13800000608")
    assert joiner["member_no"] and joiner["category"] == "student"
    assert joiner["joined_at"] == "2026-03-05" and joiner["paid_through"] == "2026-12-31"   # 26/3/5, 已缴40
    assert member(db, "13800000609")["paid_through"] is None
    units = {u["name"]: u for u in db["units"].rows}
    assert set(units) == {"某某设计研究院有限公司", "某某水文中心", "某某工程有限公司"}
    assert units["某某工程有限公司"]["status"] == "resigned"                 # 2025年已退出
    assert units["某某设计研究院有限公司"]["level"] == "理事单位"
    assert units["某某设计研究院有限公司"]["paid_through"] == "2026-12-31"
    assert units["某某水文中心"]["paid_through"] == "2026-12-31"            # green on the unit sheet too
    assert [n["name"] for n in report["new_units"]] == ["某某设计研究院有限公司", "某某水文中心", "某某工程有限公司"]


def test_two_years_behind_is_listed_with_the_first_unpaid_year_s_column(env, db, tmp_path):
    book = Workbook()
    book.active.append(["姓名", "手机", "会员类别", "2024年度会费", "2025年度会费", "2026年度会费"])
    book.active.append(["甲一", "13800000611", "个人会员", "√", "未缴", None])
    book.active.append(["乙二", "13800000612", "个人会员", "√", "√", None])
    book.save(tmp_path / "名册.xlsx")
    report = roster_imported(env, tmp_path / "名册.xlsx")
    [behind] = [c for c in report["checks"] if c["row"] == 2]
    assert behind["letter"] == "E" and "2025、2026" in behind["check"]
    assert [c for c in report["checks"] if c["row"] == 3] == []     # only this year open: not yet behind


def test_an_old_system_s_valid_until_column_marks_its_export_older_than_the_roster(env, db, tmp_path):
    """The old system's 会籍有效期至 (2022-12-31 for everyone) is how far each had paid then: the file is
    older than the roster, so a mobile changed since is kept; a person the roster no longer has is listed."""
    roster_imported(env, society_book(tmp_path / "花名册.xlsx"))
    old = Workbook()
    old.active.append(["会员编号", "姓名", "手机号码", "会员类型", "注册日期", "会籍有效期至", "状态"])
    for number, name, mobile in (("ABC16001", "甲一", "13900000601"), ("ABC16002", "乙二", "13800000602"),
                                 ("ABC16003", "丙三", "13800000603"), ("ABC11009", "癸十", "13800000610")):
        old.active.append([number, name, mobile, "普通会员", 42430, "2022-12-31", "有效"])
    old.active.append(["ABC16006", "己六", "13800000606", "终身会员", "2016-03-01", "长期", "有效"])
    old.save(tmp_path / "老系统导出.xlsx")
    report = roster_imported(env, tmp_path / "老系统导出.xlsx")
    assert member(db, "13800000601")["member_no"] == "ABC16001"           # the roster's mobile kept
    assert {(c["row"], c["field"]) for c in report["conflicts"] if c["field"] == "mobile"} == {(2, "mobile")}
    assert [c["row"] for c in report["checks"] if "库里没有这位会员" in c["check"]] == [5]
    assert member(db, "13800000606")["paid_through"] == "9999-12-31"
    assert member(db, "13800000610")["joined_at"] == "2016-03-01"      # 注册日期, a serial: when one joined
    assert "注册日期" not in (member(db, "13800000610")["remarks"] or "")


def test_a_row_saying_it_is_a_member_already_is_that_member_with_a_new_mobile(env, db, tmp_path):
    """A unit's list of its staff (是否已是学会会员: 是) and a joiners' sheet where an old member
    re-registers with a new phone (备注 老会员): no second record, the new mobile, listed; a namesake
    the row does not claim is still a new member."""
    roster_imported(env, society_book(tmp_path / "花名册.xlsx"))
    staff = Workbook()
    staff.active.append(["某某设计研究院有限公司 会员信息表"])
    staff.active.append(["序号", "部门", "姓名", "手机号码", "会员类别", "是否已是学会会员", "备注"])
    staff.active.append([1, "规划院", "甲一", "13900000701", "个人会员", "是", None])
    staff.active.append([2, "水工院", "乙二", "13900000702", "个人会员", "新入会", None])
    staff.active.append([3, "水工院", "丙三", "13900000703", "个人会员", None, "老会员，换了手机号"])
    staff.active.append([4, "规划院", "戊五", None, "个人会员", "是", "已调离，不再续会"])
    staff.save(tmp_path / "单位报送.xlsx")
    report = roster_imported(env, tmp_path / "单位报送.xlsx")
    assert [u["member_no"] for u in report["updated"]] == ["ABC16001", "ABC16003", "ABC16005"]
    assert member(db, "13900000701")["member_no"] == "ABC16001"
    assert member(db, "13900000701")["joined_at"] == "2016-03-01"
    assert member(db, "13900000703")["member_no"] == "ABC16003"
    assert [n["name"] for n in report["new"]] == ["乙二"]          # not said to be a member: a namesake
    assert [c["row"] for c in report["checks"] if "按姓名认作" in c["check"]] == [3, 5, 6]
    left = member(db, "13800000605")                              # no mobile in the row: known by name
    assert left["status"] == "resigned" and "不再续会" in left["remarks"] and report["bad_rows"] == []


def test_remarks_in_a_column_without_a_header_are_kept_and_read(env, db, tmp_path):
    """A later keeper wrote remarks into the empty column beside 手机 without giving it a header."""
    book = Workbook()
    book.active.append(["姓名", "手机", "会员类别", "2026年度会费", None, "备注"])
    book.active.append(["甲一", "13800000621", "学生会员", "√", "2026.6毕业", None])
    book.active.append(["乙二", "13800000622", "个人会员", "√", "已缴至2027", "理事"])
    book.active.append(["丙三", "13800000623", "个人会员", None, None, None])
    book.save(tmp_path / "名册.xlsx")
    report = roster_imported(env, tmp_path / "名册.xlsx")
    assert member(db, "13800000621")["remarks"] == "2026.6毕业"
    assert any(c["letter"] == "E" and "毕业" in c["check"] for c in report["checks"] if c["row"] == 2)
    assert member(db, "13800000622")["paid_through"] == "2027-12-31"
    assert "（E 列）" in "、".join(report["remark_columns"])


def test_two_mobiles_in_one_cell_keep_the_first_and_the_other_in_the_remarks(env, db, tmp_path):
    book = Workbook()
    book.active.append(["会员号", "姓名", "手机", "会员类别"])
    book.active.append(["ABC15034", "刘一", "13700851234/18838012345", "个人会员"])
    book.save(tmp_path / "名册.xlsx")
    report = roster_imported(env, tmp_path / "名册.xlsx")
    found = member(db, "13700851234")
    assert found["remarks"] == "另一手机号：18838012345"
    [said] = [c for c in report["checks"] if c["row"] == 2]
    assert said["letter"] == "C" and "18838012345" in said["check"]


def test_one_person_written_twice_by_two_keepers_is_one_member(env, db, tmp_path):
    """The same ID card and name on two rows (another keeper gave a second number and the other phone):
    one member, the first number, the other phone in the remarks, listed. An ID stored as a number
    has lost its last digits and proves nothing."""
    book = Workbook()
    book.active.append(["会员号", "姓名", "身份证号", "手机", "会员类别"])
    book.active.append(["ABC17029", "罗一", "410181197606041504", "13598120917", "高级会员"])
    book.active.append(["ABC17030", "苗二", 4.10181197806038e17, "15821070193", "个人会员"])
    book.active.append(["ABC17032", "苗二", 4.10181197806038e17, "15821070194", "个人会员"])
    book.active.append(["ABC17031", "罗 一", "410181197606041504", "13903714417", "高级"])
    book.save(tmp_path / "名册.xlsx")
    report = roster_imported(env, tmp_path / "名册.xlsx")
    assert [n["member_no"] for n in report["new"]] == ["ABC17029", "ABC17030", "ABC17032"]
    assert [(r["row"], r["first"]) for r in report["repeated"]] == [(5, 2)]
    assert "另一手机号：13903714417" in member(db, "13598120917")["remarks"]
    [said] = [c for c in report["checks"] if c["row"] == 5]
    assert said["letter"] == "A" and "第 2 行" in said["check"]
    for row in (3, 4):  # the number cell's digits are gone: not kept as if they were the ID, asked again
        [lost] = [c for c in report["checks"] if c["row"] == row and "重新要身份证号" in c["check"]]
        assert lost["letter"] == "C"
    assert "身份证号" not in (member(db, "15821070193")["remarks"] or "")
    [first] = [c for c in report["checks"] if c["row"] == 2]
    assert first["letter"] == "A" and "第 5 行" in first["check"] and "ABC17031" in first["check"]


def test_each_worksheet_s_fills_are_its_own():
    """A grid built without fills (a .csv's, an .xls's) must not share a dict with every other grid:
    a green cell marked on one sheet would read as paid on the next file imported."""
    from bot.spreadsheets import Grid

    first, second = Grid([["姓名"]]), Grid([["姓名"]])
    first.fills[(1, 0)] = "FF92D050"
    assert second.fills == {} and Grid().fills == {}


def test_a_category_written_with_lifetime_in_brackets_is_that_category_paid_for_life(env, db, tmp_path):
    """高级会员（终身） in 会员类别: the category is 高级会员 and the member paid once for life; the row
    was refused whole (会员类别应为…) and its remark lost with it."""
    book = Workbook()
    sheet = book.active
    sheet.append(["会员名册（截至2026年6月30日）"])
    sheet.append(["序号", "会员编号", "姓名", "会员类别", "手机", "2025年度会费", "2026年度会费", "备注"])
    sheet.append([1, "XYZ00011", "周一", "高级会员（终身）", "13800001101", "终身", "终身", "终身会员证 ZS-011"])
    sheet.append([2, "XYZ00012", "吴二", "终身高级会员", "13800001102", None, None, None])
    sheet.append([3, "XYZ00013", "郑三", "个人会员", "13800001103", "√", "√", None])
    book.save(tmp_path / "名册.xlsx")
    report = roster_imported(env, tmp_path / "名册.xlsx")
    assert report["bad_rows"] == []
    for mobile in ("13800001101", "13800001102"):
        lifetime = member(db, mobile)
        assert (lifetime["category"], lifetime["paid_through"]) == ("senior", "9999-12-31")
    assert "ZS-011" in member(db, "13800001101")["remarks"]
    assert any(c["letter"] == "D" and "终身" in c["check"] for c in report["checks"] if c["row"] == 3)


def test_a_council_s_decision_in_the_remarks_gives_nobody_a_council_role(env, db, tmp_path):
    """备注 "停会(2025年12月常务理事会决定)": the standing council decided; the member holds no role (she was
    given 常务理事). "常务理事，会费免缴(理事会决定)" still says his role."""
    book = Workbook()
    sheet = book.active
    sheet.append(["会员编号", "姓名", "会员类别", "手机", "2026年度会费", "备注"])
    sheet.append(["XYZ00087", "段一", "个人会员", "13800008701", None, "停会(2025年12月常务理事会决定)"])
    sheet.append(["XYZ00110", "石二", "个人会员", "13800008702", "免", "常务理事,会费免缴(2023年理事会决定)"])
    book.save(tmp_path / "名册.xlsx")
    roster_imported(env, tmp_path / "名册.xlsx")
    assert member(db, "13800008701")["council_role"] is None
    assert member(db, "13800008702")["council_role"] == "常务理事"


def test_the_preview_of_a_workbook_says_what_importing_all_its_sheets_will_do(env, db, tmp_path):
    """The dry run of a roster with a 2026新增 sheet listing a member already on the first sheet said the
    second sheet would add her again ("新增 2 人"); the import then updated her. The preview plans each
    sheet over the ones before it and writes nothing."""
    path = society_book(tmp_path / "花名册.xlsx")
    book = __import__("openpyxl").load_workbook(path)
    book["2026新增"].append(["甲一", "13800000601", "某大学", "个人", "2026年4月", None, "老会员", None])
    book.save(path)
    preview = roster_imported(env, path, "--dry-run")
    new_sheet = next(s for s in preview["sheets"] if s["sheet"] == "2026新增")
    assert (len(new_sheet["new"]), len(new_sheet["updated"]) + len(new_sheet["unchanged"])) == (2, 1)
    assert db["members"].count == 0 and db["units"].count == 0
    done = roster_imported(env, path)
    written = next(s for s in done["sheets"] if s["sheet"] == "2026新增")
    assert len(written["new"]) == len(new_sheet["new"]) and written["updated"] == new_sheet["updated"]


def test_an_old_export_s_status_valid_is_not_kept_as_a_remark(env, db, tmp_path):
    """An old system's 会员状态 有效 says only that the membership is in force: it was added to every
    member's remarks ("欠费一年；有效"). 退休 and 过期 say more and are kept."""
    path = tmp_path / "旧系统导出.csv"
    path.write_text("会员编号,会员姓名,手机,会员级别,会员状态,备注\n"
                    "XYZ00201,甲一,13800020101,普通会员,有效,欠费一年\n"
                    "XYZ00202,乙二,13800020102,普通会员,过期,\n"
                    "XYZ00203,丙三,13800020103,普通会员,退休,\n", encoding="utf-8-sig")
    roster_imported(env, path)
    assert [member(db, m)["remarks"] for m in ("13800020101", "13800020102", "13800020103")] == [
        "欠费一年", "过期", "退休"]


def test_the_preview_of_a_workbook_leaves_the_store_free_for_members_messages(env, db, config, tmp_path,
                                                                             monkeypatch):
    """Planning the 2026新增 sheet over the first took SQLite's write lock for the whole preview: a
    member's message that writes (a feedback ticket, a form step) waited behind a secretary reading a
    report. While the preview works, another connection takes the write lock at once."""
    from handlers.members import membership
    from storage.database import open_database, take_and_release_write_lock

    path = society_book(tmp_path / "花名册.xlsx")
    writes = []
    planned = membership.apply_import

    def a_message_writes_meanwhile(*args, **kwargs):
        created = planned(*args, **kwargs)
        other = open_database(config.sqlite_path, apply_migrations=False, busy_timeout_ms=0)
        try:
            take_and_release_write_lock(other)
            writes.append("written")
        finally:
            other.close()
        return created

    monkeypatch.setattr(membership, "apply_import", a_message_writes_meanwhile)
    preview = roster_imported(env, path, "--dry-run")
    assert writes == ["written"] * 3 and len(preview["sheets"]) == 3
    assert db["members"].count == 0


def test_a_sheet_without_a_mobile_column_says_how_many_members_it_leaves_without_one(env, db, tmp_path):
    """A roster kept by member number, with no mobile column: its members were imported without mobiles and
    nothing said so, though they cannot bind on the account or be reminded. Each sheet says how many it
    leaves without one and which headers were looked for; those who left or died need none."""
    book = Workbook()
    branch = book.active
    branch.title = "园艺分会"
    branch.append(["会员编号", "姓名", "会员类别", "办公电话"])
    branch.append(["HNKX201900001", "张伟", "普通会员", "0371-65571023"])
    branch.append(["HNKX201900002", "李娜", "高级会员", None])
    branch.append(["HNKX201900003", "王强", "普通会员", None])
    gone = book.create_sheet("退会及已故")
    gone.append(["会员编号", "姓名", "会员类别", "离会情况"])
    gone.append(["HNKX201900004", "赵敏", "普通会员", "2023.5去世"])
    mobiles = book.create_sheet("植保分会")
    mobiles.append(["会员编号", "姓名", "会员类别", "手机"])
    mobiles.append(["HNKX201900005", "钱多", "普通会员", "13800000605"])
    book.save(tmp_path / "名册.xlsx")
    report = roster_imported(env, tmp_path / "名册.xlsx")
    assert db["members"].count == 5
    said = [line for line in printed_lines(env, tmp_path / "名册.xlsx") if "没有手机号一栏" in line]
    assert len(said) == 1, said
    assert "3 位会员因此没有手机号" in said[0] and "不能在公众号绑定" in said[0] and "收不到会费提醒" in said[0]
    assert "“手机”" in said[0] and "“联系电话”" in said[0]  # the headers looked for
    [without] = [sheet["no_mobile"] for sheet in report["sheets"] if sheet["sheet"] == "园艺分会"]
    assert without == 3


def printed_lines(env, path) -> list[str]:
    return CliRunner().invoke(main, ["members", "import", str(path), "--dry-run"], env=env).output.splitlines()
