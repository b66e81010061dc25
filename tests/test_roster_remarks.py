"""Remarks a secretary writes into a roster stay with the member: the 备注 cell (退休, 出国, 新入会),
a 会员状态 that says more than 正常 (退休), and columns the roster has that the store has no field
for (办公电话, 情况说明 far to the right). Shown on the member's page, exported back, added to (never
replaced) by the next list."""
import io

from click.testing import CliRunner
from openpyxl import Workbook, load_workbook

from bot.cli import main
from storage.members import find_members_by_mobile
from tests.cli import roster_imported
from tests.test_admin import page, post, staff, units, users  # noqa: F401  (fixtures)


def remarks_of(db, mobile):
    [member] = find_members_by_mobile(db, mobile)
    return member["remarks"], member


def branch_book(path):
    """A branch's list: a merged title, the header's cells merged over two rows, 备注 in the middle,
    a 会员状态 column, an 办公电话 column the society's roster has no place for, a 情况说明 column
    far right after an empty one, and a second sheet for the new members with remarks of their own."""
    book = Workbook()
    sheet = book.active
    sheet.title = "老会员"
    sheet["A1"] = "某某学会东区分会会员情况表（2026年）"
    sheet.merge_cells("A1:J1")
    sheet.append(["序号", "姓名", "会员类别", "手机号", "备注", "会员状态", "工作单位", "办公电话", None, "情况说明"])
    sheet.append([None] * 10)
    for letter in "ABCDEFGHJ":
        sheet.merge_cells(f"{letter}2:{letter}3")
    sheet.append([1, "赵一鸣", "普通会员", "13600000101", "退休", "退休", "东区大学", "0371-65512345", None, None])
    sheet.append([2, "钱二丫", "学生会员", "13600000102", "出国（2025年9月）", "正常", "东区大学", None, None,
                  "导师：孙教授"])
    sheet.append([3, "孙三元", "普通会员", "13600000103", "已故", None, "东区研究所", None, None, None])
    sheet.append([4, "李四海", "高级会员", "13600000104", None, "正常", "东区研究所", None, None, None])
    sheet.append([5, "郑五洲", "高级会员", "13600000107", None, "退休", "东区研究所", None, None, None])
    sheet.append([6, "赵一鸣", "普通会员", "13600000101", "党员", None, "东区大学", None, None, None])  # listed twice
    sheet.append([7, None, "吴七星", "普通会员", "13600000108", "新入会", "正常", "东区大学", "0371-65512399", None,
                  "调入"])  # typed one cell to the right from 姓名 on
    new = book.create_sheet("新会员")
    new.append(["姓名", "手机", "类别", "单位", "其他"])
    new.append(["周五福", "13600000105", "个人会员", "东区公司", "新入会，介绍人赵一鸣"])
    book.save(path)
    return path


def test_every_remark_of_the_roster_is_kept_with_the_member(env, db, tmp_path):
    report = roster_imported(env, branch_book(tmp_path / "东区分会.xlsx"))
    assert len(report["new"]) == 7 and report["bad_rows"] == []
    first_sheet = report["sheets"][0]
    assert first_sheet["remark_columns"] == ["办公电话（H 列）", "情况说明（J 列）"]
    assert first_sheet["ignored_columns"] == ["序号（A 列）"]
    assert remarks_of(db, "13600000101")[0] == "退休；办公电话：0371-65512345；党员"
    assert [r["row"] for r in report["repeated"]] == [9]
    assert remarks_of(db, "13600000102")[0] == "出国（2025年9月）；情况说明：导师：孙教授"
    remarks, member = remarks_of(db, "13600000103")
    assert remarks == "已故" and member["status"] == "deceased"
    assert remarks_of(db, "13600000104")[0] is None  # nothing written: nothing made up (正常, the row number)
    assert remarks_of(db, "13600000105")[0] == "新入会，介绍人赵一鸣"
    remarks, member = remarks_of(db, "13600000107")
    assert remarks == "退休" and member["status"] == "active"
    assert remarks_of(db, "13600000108")[0] == "新入会；办公电话：0371-65512399；情况说明：调入"  # read in place


def test_the_next_list_adds_its_remarks_and_an_export_brings_them_back(env, db, tmp_path):
    roster_imported(env, branch_book(tmp_path / "东区分会.xlsx"))
    later = Workbook()
    later.active.append(["姓名", "手机号", "会员类别", "备注"])
    later.active.append(["赵一鸣", "13600000101", "普通会员", "2026年返聘"])
    later.active.append(["钱二丫", "13600000102", "学生会员", "出国（2025年9月）"])
    later.save(tmp_path / "补充.xlsx")
    report = roster_imported(env, tmp_path / "补充.xlsx")
    assert remarks_of(db, "13600000101")[0] == "退休；办公电话：0371-65512345；党员；2026年返聘"
    assert remarks_of(db, "13600000102")[0] == "出国（2025年9月）；情况说明：导师：孙教授"
    assert [u["name"] for u in report["updated"]] == ["赵一鸣"] and report["conflicts"] == []

    exported = tmp_path / "导出.xlsx"
    result = CliRunner().invoke(main, ["members", "export", str(exported)], env=env, catch_exceptions=False)
    assert result.exit_code == 0, result.output
    rows = list(load_workbook(exported).active.values)
    column = rows[0].index("备注")
    assert {r[rows[0].index("姓名")]: r[column] for r in rows[1:]}["钱二丫"] == "出国（2025年9月）；情况说明：导师：孙教授"
    again = roster_imported(env, exported)
    assert again["updated"] == [] and len(again["unchanged"]) == 7


def test_the_same_remarks_written_otherwise_in_the_next_list_are_not_added_again(env, db, tmp_path):
    """The branch sends its list again, retyped in WPS: the same remarks in another order, joined by
    、 or a comma instead of ；, with half-width colons, full-width digits and stray spaces. Nothing new
    is said, so nothing is added and nobody shows as updated."""
    roster_imported(env, branch_book(tmp_path / "东区分会.xlsx"))
    retyped = Workbook()
    retyped.active.append(["姓名", "手机号", "会员类别", "备注"])
    retyped.active.append(["赵一鸣", "13600000101", "普通会员", "党员、退休 ，办公电话:０３７１-65512345"])
    retyped.active.append(["钱二丫", "13600000102", "学生会员", " 出国(2025年9月); 情况说明: 导师:孙教授"])
    retyped.active.append(["周五福", "13600000105", "个人会员", "新入会；介绍人 赵一鸣"])
    retyped.active.append(["郑五洲", "13600000107", "高级会员", "退休，返聘"])  # 返聘 is news
    retyped.active.append(["李四海", "13600000104", "高级会员", "电话：0371-65512345"])  # 赵一鸣's office number
    retyped.active.append(["赵一鸣", "13600000101", "普通会员", "单位电话：0371 6551 2345"])  # said before
    retyped.save(tmp_path / "再报.xlsx")
    report = roster_imported(env, tmp_path / "再报.xlsx")
    assert remarks_of(db, "13600000101")[0] == "退休；办公电话：0371-65512345；党员"
    assert remarks_of(db, "13600000102")[0] == "出国（2025年9月）；情况说明：导师：孙教授"
    assert remarks_of(db, "13600000105")[0] == "新入会，介绍人赵一鸣"
    assert remarks_of(db, "13600000107")[0] == "退休；返聘"
    assert remarks_of(db, "13600000104")[0] == "电话：0371-65512345"   # news for him
    assert [u["name"] for u in report["updated"]] == ["郑五洲", "李四海"]


def test_the_member_page_shows_the_remarks_and_the_secretary_can_correct_them(staff, db):
    text = "姓名,手机号,会员类别,备注,办公室\n吴六顺,13600000106,普通会员,出国访学至2027年,科技楼302\n"
    sent = post(staff, "/admin/members/import/", {"file": (io.BytesIO(text.encode("utf-8")), "名册.csv")},
                content_type="multipart/form-data")
    token = sent.location.rsplit('/', 1)[1]
    report = page(staff.get(f"/admin/members/import/{token}"))
    assert "这些列没有对应的栏目，内容已原样记入各会员的“备注”：办公室（E 列）" in report and "已忽略" not in report
    post(staff, f"/admin/members/import/{token}")
    remarks, member = remarks_of(db, "13600000106")
    assert remarks == "出国访学至2027年；办公室：科技楼302"
    shown = page(staff.get(f"/admin/members/{member['member_no']}"))
    assert "备注" in shown and "出国访学至2027年；办公室：科技楼302" in shown
    form = page(staff.get(f"/admin/members/{member['member_no']}/edit"))
    assert "出国访学至2027年" in form
    found = page(staff.get("/admin/members/?q=出国"))  # who is abroad: found by the remark
    assert "吴六顺" in found and "共 1 条" in found


def test_a_unit_contact_sees_neither_the_remarks_nor_a_mobile_written_in_them(client, users, units, db):
    """Remarks are the secretariat's internal notes (6e1c389): hidden from a unit contact, page and export."""
    from storage.members import insert_member
    from storage.sqlite import transaction
    from tests.test_admin import log_in

    with transaction(db):
        member = insert_member(db, {"member_no": "HNKX201900201", "name": "钱换号", "category": "regular",
                                    "mobile": "13600000201", "unit_id": units[0]["id"],
                                    "remarks": "手机号已换，新号码13600000299"}, actor="test")
    assert log_in(client, "unit1").status_code == 302
    shown = page(client.get(f"/admin/members/{member['member_no']}"))
    exported = page(client.get("/admin/members/export?format=csv"))
    assert "钱换号" in shown and "钱换号" in exported
    for text in (shown, exported):
        assert "手机号已换" not in text and "0299" not in text


def test_a_refused_row_s_remarks_are_said_in_the_report_not_lost_unseen(env, db, tmp_path):
    book = Workbook()
    book.active.append(["姓名", "手机号", "会员类别", "备注"])
    book.active.append(["张雨涵", "13600000301", "普通会员", None])
    book.active.append(["张宁", "1360000030", "普通会员", "与张雨涵系夫妻，共用一个手机"])   # a digit left out
    book.save(tmp_path / "夫妻.xlsx")
    report = roster_imported(env, tmp_path / "夫妻.xlsx")
    said = [p for p in report["problems"] if p["row"] == 3]
    assert any(p["value"] == "与张雨涵系夫妻，共用一个手机" and "备注也就没有记下" in p["problem"] for p in said)
    assert report["bad_rows"] == [3]


def test_a_remark_that_names_a_post_without_holding_it_stays_a_remark(env, db, tmp_path):
    """备注 is read for a council post only where it states the member's own: 原理事 (a former one),
    理事长推荐 (recommended by the president), 秘书长助理, 理事单位联系人 were copied into 理事会职务 and
    the governance figures counted them. 第八届理事会常务理事 and 2023年换届当选监事 are posts held."""
    book = Workbook()
    sheet = book.active
    sheet.append(["某某学会会员名册（2026年）"])
    sheet.merge_cells("A1:F1")
    sheet.append(["序号", "姓名", "会员类别", "手机号", "工作单位", "备注"])
    remarks = ["原理事，2023年卸任", "理事长推荐", "曾任副理事长", "秘书长助理", "理事单位联系人",
               "第八届理事会常务理事", "2023年换届当选监事；退休"]
    for number, remark in enumerate(remarks, start=1):
        sheet.append([number, f"会员{'甲乙丙丁戊己庚'[number - 1]}", "普通会员", f"1360000020{number}", "东区大学", remark])
    sheet.append([None] * 6)
    sheet.append(["合计", "7人"])
    book.save(tmp_path / "名册.xlsx")
    report = roster_imported(env, tmp_path / "名册.xlsx")
    assert report["bad_rows"] == []
    held = [(remarks_of(db, f"1360000020{n}")[1]["council_role"], remarks_of(db, f"1360000020{n}")[0])
            for n in range(1, 8)]
    assert held == [(None, remark) for remark in remarks[:5]] + [
        ("常务理事", "第八届理事会常务理事"), ("监事", "2023年换届当选监事；退休")]
