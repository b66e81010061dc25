"""The files a society has besides its roster, as they are made: the old membership system's .xls
export (会员号 kept as the bare number 103, statuses 有效 / 已失效 / 停会), remarks saying a membership
is stopped, and a hospital's list of its staff without member numbers (the same person known by ID
card, a withdrawal written in the remark). Each file is built here with the tool that makes it."""
from __future__ import annotations

from datetime import datetime

from openpyxl import Workbook

from storage.members import find_member_by_no, find_members_by_name
from tests.cli import roster_imported


def roster(path):
    book = Workbook()
    sheet = book.active
    sheet.title = "个人会员"
    sheet.append(["某某学会会员名册（截至2026年6月30日）"])
    sheet.append(["序号", "会员编号", "姓名", "身份证号", "会员类别", "手机", "2025年度会费", "2026年度会费", "备注"])
    sheet.append([1, "HNKX00103", "李秀梅", "410105196402231682", "高级会员", "15054410199", "√", "√", None])
    sheet.append([2, "HNKX00137", "郑晓燕", "410105198812010021", "普通会员", "15300520134", "√", None,
                  "停会（本人申请，出国）"])
    sheet.append([3, "HNKX00149", "黄丽", "410105199302104126", "普通会员", "19900125117", "√", None, None])
    sheet.append([4, "HNKX00190", "张晓红", "410105198007038328", "普通会员", "15394837836", "√", "√",
                  "原手机号已失效，现用此号"])
    book.save(path)
    return path


def old_export(path):
    """The retired system's table: bare numbers, dates as text, the old status words, a footer line."""
    import xlwt

    book = xlwt.Workbook(encoding="utf-8")
    sheet = book.add_sheet("会员信息")
    rows = [["会员号", "姓名", "会员级别", "手机", "入会时间", "会籍有效期至", "状态"],
            [103, "李秀梅", "高级会员", "15054410199", "2009-05-12", "2023-12-31", "有效"],
            [58, "陈桂芝", "高级会员", "15137907522", "2001-03-02", "2019-12-31", "已失效"],
            [89, "吴美玲", "普通会员", "15317882185", "2012-06-01", "2022-12-31", "停会"],
            [],
            ["共3条记录"]]
    for r, row in enumerate(rows):
        for c, value in enumerate(row):
            sheet.write(r, c, value)
    book.save(str(path))
    return path


def test_an_old_system_s_bare_numbers_and_its_status_words(env, db, tmp_path):
    roster_imported(env, roster(tmp_path / "名册.xlsx"))
    report = roster_imported(env, old_export(tmp_path / "老系统导出.xls"))
    assert report["bad_rows"] == []
    [said] = [c for c in report["checks"] if c["row"] == 2 and c["reason"] == "number_completed"]
    assert said["letter"] == "A" and "HNKX00103" in said["check"]
    assert len(find_members_by_name(db, "李秀梅")) == 1                    # 103 is HNKX00103, not a new member
    assert find_member_by_no(db, "HNKX00058")["status"] == "resigned"     # 已失效: never active again
    assert find_member_by_no(db, "HNKX00089")["status"] == "suspended"    # 停会


def test_a_remark_saying_the_membership_stopped_and_one_about_a_phone(env, db, tmp_path):
    roster_imported(env, roster(tmp_path / "名册.xlsx"))
    assert find_member_by_no(db, "HNKX00137")["status"] == "suspended"    # 备注 停会
    assert find_member_by_no(db, "HNKX00190")["status"] == "active"       # 原手机号已失效: the phone, not her


def test_a_hospital_s_list_without_numbers_knows_its_staff_by_id_card(env, db, tmp_path):
    roster_imported(env, roster(tmp_path / "名册.xlsx"))
    book = Workbook()
    sheet = book.active
    sheet.append(["某某医院护理部 学会会员信息报送表（截至2026年9月30日）"])
    sheet.append(["序号", "姓名", "科室", "手机号码", "身份证号", "会员类别", "备注"])
    sheet.append([1, "黄丽", "心外科", "15364667467", "410105199302104126", "普通会员", "2026年8月由市七院调入"])
    sheet.append([2, "张晓红", "消化内科", "15394837836", "410105198007038328", "普通会员",
                  "本人申请退出学会（2026年9月），以后不再缴费"])
    sheet.append([3, "赵可欣", "急诊科", "13224203344", "410105200203114666", "普通会员", "新入会"])
    sheet.append([4, "李秀梅", "护理部", None, "410105196402231682", "高级会员", "已调离，不再续会"])
    sheet.append(["合计：4人"])
    book.save(tmp_path / "医院报送表.xlsx")
    report = roster_imported(env, tmp_path / "医院报送表.xlsx")
    [huang] = find_members_by_name(db, "黄丽")                              # one 黄丽, with the new mobile
    assert huang["member_no"] == "HNKX00149" and huang["mobile"] == "15364667467"
    [said] = [c for c in report["checks"] if c["row"] == 3 and c["reason"] == "known_by_remarks"]
    assert said["letter"] == "D"
    assert find_member_by_no(db, "HNKX00190")["status"] == "resigned"     # 退出学会
    assert [n["name"] for n in report["new"]] == ["赵可欣"] and report["bad_rows"] == []
    li = find_member_by_no(db, "HNKX00103")                               # no mobile: known by her ID card
    assert li["status"] == "resigned" and "已调离" in li["remarks"]
    assert [c["row"] for c in report["checks"] if c["reason"] == "known_by_id_card"] == [6]


def id_number(body: str) -> str:
    """A 17-digit body with its GB 11643 check digit, as on a real ID card."""
    weights = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
    return body + "10X98765432"[sum(int(d) * w for d, w in zip(body, weights)) % 11]


def test_a_year_unpaid_between_paid_ones_a_category_change_in_a_remark_and_a_mistyped_id(env, db, tmp_path):
    """The unpaid year is named by its own column; 从2027年起按高级会员交 in the column without a header
    moves the member to 高级会员 (listed); an ID number whose check digit is wrong is listed at its column."""
    good, typo = id_number("41010519870119958"), id_number("41140219860814893")
    typo = typo[:-1] + ("0" if typo[-1] != "0" else "1")
    book = Workbook()
    sheet = book.active
    sheet.append(["序号", "会员编号", "姓名", "身份证号", "会员类别", "手机", "2024年度会费", "2025年度会费",
                  "2026年度会费", "备注", None])
    sheet.append([1, "HNKX00155", "郭亚楠", id_number("41010519890204822"), "普通会员", "17741552240", "√", "未缴",
                  "√", None, None])
    sheet.append([2, "HNKX00172", "邓晓慧", good, "普通会员", "18932599113", "√", "√", "√", None,
                  "2026.5晋升副主任护师，从2027年起按高级会员交"])
    sheet.append([3, "HNKX00222", "许明", typo, "普通会员", "18856946483", "√", "√", "√", "改会员号为00222", None])
    sheet.append([4, "HNKX00225", "秦雅", id_number("41150219920404956"), "普通会员", "15065890559", "√", "√", "√",
                  None, "电话停机"])
    book.save(tmp_path / "名册.xlsx")
    report = roster_imported(env, tmp_path / "名册.xlsx")
    said = {(c["row"], c["reason"]): c for c in report["checks"]}
    assert said[(2, "paid_gap")]["letter"] == "H"                           # 2025年度会费
    assert said[(3, "category_in_remarks")]["letter"] == "E"
    assert find_member_by_no(db, "HNKX00172")["category"] == "senior"
    assert said[(4, "id_number_check")]["letter"] == "D" and typo not in said[(4, "id_number_check")]["check"]
    assert find_member_by_no(db, "HNKX00222")["category"] == "regular"     # 改会员号: no category
    assert not [c for c in report["checks"] if c["reason"] == "id_number_check" and c["row"] != 4]


def test_a_remark_saying_two_years_were_paid_together(env, db, tmp_path):
    """"2026-27两年一起交的", the one remark in a column nobody gave a header: kept and read, paid through 2027;
    "2025-2026未交" is not."""
    book = Workbook()
    sheet = book.active
    sheet.append(["序号", "会员编号", "姓名", "会员类别", "手机", "2025年度会费", "2026年度会费", "备注", None])
    sheet.append([1, "HNKX19004", "吴敏", "普通会员", "18229293890", "√", "√", None, "2026-27两年一起交的"])
    sheet.append([2, "HNKX19005", "周敏", "普通会员", "18229293891", "√", None, "2025-2026未交", None])
    book.save(tmp_path / "名册.xlsx")
    roster_imported(env, tmp_path / "名册.xlsx")
    assert find_member_by_no(db, "HNKX19004")["paid_through"] == "2027-12-31"
    assert "2026-27两年一起交的" in find_member_by_no(db, "HNKX19004")["remarks"]
    assert find_member_by_no(db, "HNKX19005")["paid_through"] == "2025-12-31"
