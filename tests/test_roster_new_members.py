"""A roster's sheet of new members (新入会) as a secretariat keeps it beside the members' sheet: 申请日期 as a date,
审核情况 (已通过, or 待审 while the application waits), 会员号 once the secretariat has numbered them, and the
first year's dues in words. The file is made here with xlwt as WPS or old Excel saves it."""
from __future__ import annotations

from datetime import date

from handlers.fees import dues
from storage.members import find_member_by_no, find_members_by_name
from tests.cli import roster_imported, statement_imported
from tests.test_statement_files11 import cmb_book

HEADER = ["序号", "姓名", "性别", "工作单位", "职称/学历", "手机号码", "申请类别", "申请日期", "审核情况", "会员号",
          "2026年会费", "备注"]
REGULAR = dues.yearly_fee("regular")


def new_members_sheet(path, rows):
    import xlwt

    book = xlwt.Workbook(encoding="utf-8")
    sheet = book.add_sheet("新入会")
    dated = xlwt.easyxf(num_format_str="yyyy-mm-dd")
    sheet.write_merge(0, 0, 0, len(HEADER) - 1, "2026年新入会会员登记（截至9月1日）")
    for column, header in enumerate(HEADER):
        sheet.write(1, column, header)
    for at, row in enumerate(rows, start=2):
        for column, value in enumerate([at - 1, *row]):
            if isinstance(value, date):
                sheet.write(at, column, value, dated)
            elif value is not None:
                sheet.write(at, column, value)
    sheet.write(len(rows) + 3, 0, "注：审核通过后由秘书处统一编号；新会员缴纳当年会费后会籍生效。")
    book.save(str(path))
    return path


NEW = [
    ["鲁思琪", "女", "武汉理工大学机电工程学院", "助理工程师", 13518281892, "普通会员", date(2026, 5, 23), "已通过",
     "HBJX-2026-0702", None, None],
    ["黎娜", "女", "武汉纺织大学", "工程师", 15523549803, "普通会员", date(2026, 11, 3), "已通过",
     "HBJX-2026-0705", None, None],
]


def test_a_new_member_s_first_dues_paid_after_november_1_are_for_the_year_she_joined(env, db, tmp_path):
    """鲁思琪 applied in May and pays her first dues in November: they are 2026's, the year she joined, which
    she owes (they were counted for 2027, leaving her 2026 unpaid). 黎娜, who joined after November 1, owes
    nothing for 2026: her first dues are 2027's."""
    roster_imported(env, new_members_sheet(tmp_path / "会员名册.xls", NEW))
    assert find_member_by_no(db, "HBJX-2026-0702")["joined_at"] == "2026-05-23"
    statement_imported(env, cmb_book(tmp_path / "cmb.xlsx", [("2026-11-10", REGULAR, "鲁思琪", "会费"),
                                                              ("2026-11-12", REGULAR, "黎娜", "会费")]))
    assert find_member_by_no(db, "HBJX-2026-0702")["paid_through"] == "2026-12-31"
    assert find_member_by_no(db, "HBJX-2026-0705")["paid_through"] == "2027-12-31"


def test_an_applicant_not_yet_approved_is_not_imported_and_the_report_says_why(env, db, tmp_path):
    """贺晓明's application waits for a signed recommendation (审核情况 待审（缺推荐表）): he is no member yet, so
    he is not imported (he was, numbered and active, and his first transfer booked); the report names his row
    and the cell. 已通过 rows are imported as before."""
    waiting = ["贺晓明", "男", "武汉海王机电", "工程师", 15917051318, "普通会员", date(2026, 8, 20), "待审（缺推荐表）",
               None, None, "推荐人未签字"]
    report = roster_imported(env, new_members_sheet(tmp_path / "会员名册.xls", [*NEW, waiting]))
    assert find_members_by_name(db, "贺晓明") == []
    assert find_member_by_no(db, "HBJX-2026-0702")["name"] == "鲁思琪"
    [said] = report["left_out"]
    assert (said["letter"], said["reason"]) == ("I", "not_yet_approved")
    assert "待审（缺推荐表）" in said["check"] and "没有导入" in said["check"]


def test_her_first_dues_are_for_the_year_she_joined_in_a_dry_run_and_on_the_dues_page_too(env, db, tmp_path):
    """The dry run of the statement said 鲁思琪's November money paid to 2027 (the import books 2026), and the
    member's 会费 page and the chat's renewal offered her a year to 2027 while she owes 2026."""
    roster_imported(env, new_members_sheet(tmp_path / "会员名册.xls", NEW[:1]))
    statement = cmb_book(tmp_path / "cmb.xlsx", [("2026-11-10", REGULAR, "鲁思琪", "会费")])
    [row] = statement_imported(env, statement, "--dry-run")["recorded"]
    assert row["paid_through"] == "2026-12-31"
    [first, *_] = dues.renewal_options("regular", None, date(2026, 11, 10), joined_at="2026-05-23")
    assert (first["period_from"], first["paid_through"]) == ("2026-01-01", "2026-12-31")
    assert find_member_by_no(db, "HBJX-2026-0702")["paid_through"] is None
    assert dues.dues_year(None, date(2026, 11, 10), "2026-05-23") == 2026     # the year her reminder names


def test_a_member_whose_promotion_was_turned_down_is_still_a_member_on_the_next_import(env, db, tmp_path):
    """The same sheet kept on after a year: 鲁思琪 (a member since 2026) applied to become a 高级会员 and the review
    said 未通过. She is a stored member: her row is read as hers (was left out as an applicant not approved),
    whether it gives her number or only her name and mobile; an applicant turned down is still left out."""
    roster_imported(env, new_members_sheet(tmp_path / "会员名册.xls", NEW))
    promotions = [
        ["鲁思琪", "女", "武汉理工大学机电工程学院", "工程师", 13518281892, "高级会员", date(2026, 5, 23), "未通过",
         "HBJX-2026-0702", None, "晋升高级会员：论文不足"],
        ["黎娜", "女", "武汉纺织大学", "高级工程师", 15523549803, "高级会员", date(2026, 11, 3), "不通过（材料不全）",
         None, None, None],
        ["尹航", "男", "武汉船舶设计院", "工程师", 13871000456, "普通会员", date(2026, 10, 9), "未通过", None, None, None],
    ]
    report = roster_imported(env, new_members_sheet(tmp_path / "晋升.xls", promotions))
    assert [said["row"] for said in report["left_out"]] == [5]
    assert sum("HBJX-2026-0702 已是会员" in said["check"] for said in report["checks"]) == 1
    assert find_members_by_name(db, "尹航") == []
    assert find_member_by_no(db, "HBJX-2026-0702")["status"] == "active"
    assert find_member_by_no(db, "HBJX-2026-0705")["status"] == "active"
    assert find_member_by_no(db, "HBJX-2026-0705")["category"] == "regular"  # not promoted by the turned-down row
    assert "论文不足" in (find_member_by_no(db, "HBJX-2026-0702")["remarks"] or "")
