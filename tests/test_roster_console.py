"""The console's roster import with what secretariats' rosters hold: units, and values newer on file."""
from __future__ import annotations

import io

from storage.members import update_member
from tests.test_admin import page, post, staff, units, users  # noqa: F401  (fixtures)

HEADER = "会员编号,姓名,会员类别,手机号,缴费情况\n"


def upload(client, text: str) -> str:
    sent = post(client, "/admin/members/import/", {"file": (io.BytesIO(text.encode("utf-8")), "名册.csv")},
                content_type="multipart/form-data")
    return sent.location.rsplit("/", 1)[1]


def test_a_roster_of_units_only_can_be_confirmed(staff, db):
    token = upload(staff, HEADER + "HNKXDW201900009,中原示范科技有限公司,单位会员,13500135000,2026年已缴\n")
    report = page(staff.get(f"/admin/members/import/{token}"))
    assert "单位会员 HNKXDW201900009 中原示范科技有限公司：新增" in report and "确认导入" in report
    post(staff, f"/admin/members/import/{token}")
    assert db["units"].count_where("unit_no = 'HNKXDW201900009'") == 1


def test_newer_values_are_kept_unless_the_secretariat_chooses_to_overwrite(staff, db):
    token = upload(staff, HEADER + "HNKX201900001,张伟,普通会员,13800138000,2025年已缴\n")
    post(staff, f"/admin/members/import/{token}")
    member = db["members"].rows_where("member_no = 'HNKX201900001'").__next__()
    update_member(db, member["id"], {"mobile": "13800138001"}, actor="openid:o_zhang")

    token = upload(staff, HEADER + "HNKX201900001,张伟,普通会员,13800138000,2025年已缴\n")
    report = page(staff.get(f"/admin/members/import/{token}"))
    assert "库里的值比名册新，未覆盖" in report and "以名册为准覆盖 1 项较新的值并导入" in report
    post(staff, f"/admin/members/import/{token}")
    assert db["members"].get(member["id"])["mobile"] == "13800138001"

    token = upload(staff, HEADER + "HNKX201900001,张伟,普通会员,13800138000,2025年已缴\n")
    post(staff, f"/admin/members/import/{token}", {"overwrite": "1"})
    assert db["members"].get(member["id"])["mobile"] == "13800138000"


def test_a_workbook_of_branch_sheets_is_reported_and_imported_sheet_by_sheet(staff, db, tmp_path):
    from openpyxl import Workbook
    book = Workbook()
    north = book.active
    north.title = "北区分会"
    north.append(["序号", "姓名", "手机", "申请类别", "工作单位"])
    north.append([1, "高山", "13500136001", "个人会员", "北区大学"])
    north.append([2, "流水", "1350013600", "学生", "北区大学"])
    south = book.create_sheet("南区分会")
    south.append(["编号", "名字", "联系电话", "会员类型", "单位"])
    south.append(["N-01", "流水", "13500136002", "学生", "北区大学"])
    saved = io.BytesIO()
    book.save(saved)
    sent = post(staff, "/admin/members/import/", {"file": (io.BytesIO(saved.getvalue()), "分会.xlsx")},
                content_type="multipart/form-data")
    token = sent.location.rsplit("/", 1)[1]
    report = page(staff.get(f"/admin/members/import/{token}"))
    assert "工作表“北区分会”" in report and "工作表“南区分会”" in report
    assert "南区分会第 2 行有同一人" in report
    post(staff, f"/admin/members/import/{token}", {"skip_bad_rows": "1"})
    assert db["members"].count_where("name in ('高山', '流水')") == 2
