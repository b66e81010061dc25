"""Console walk 12 (three new staff on their first day): the money first. Dues words a roster writes with two-digit
years, a payment from a member in arrears, what the member page says of a year unpaid, the way a payment came,
several members' dues in one entry."""
from __future__ import annotations

from openpyxl import Workbook

from storage.members import find_member_by_no
from tests.cli import roster_imported


# --- #1: "24、25已交" names the years ----------------------------------------------------------------

def test_two_digit_years_listed_as_paid_are_those_years_not_the_title_s(env, db, tmp_path):
    """周晓彤's 会费缴纳情况 '24、25已交' in a roster titled 2026 was recorded 2026 已缴 ('没写年份'): she owes 2026."""
    book = Workbook()
    sheet = book.active
    sheet.append(["河南省示范科技学会会员名册（2026年）"])
    sheet.append(["姓名", "会员编号", "会员类别", "手机号", "会费缴纳情况"])
    sheet.append(["周晓彤", "HNKX202000011", "普通会员", "13903710011", "24、25已交"])
    sheet.append(["钱立", "HNKX202000012", "普通会员", "13903710012", "25、26年已交"])
    sheet.append(["孙莉", "HNKX202000013", "普通会员", "13903710013", "已交"])
    path = tmp_path / "会员名册2026.xlsx"
    book.save(path)
    report = roster_imported(env, path)
    assert find_member_by_no(db, "HNKX202000011")["paid_through"] == "2025-12-31"
    assert find_member_by_no(db, "HNKX202000012")["paid_through"] == "2026-12-31"
    assert find_member_by_no(db, "HNKX202000013")["paid_through"] == "2026-12-31"  # no year: the title's
    said = str(report)
    assert "24、25已交" not in said or "没写年份" not in said.split("24、25已交")[1][:40]
