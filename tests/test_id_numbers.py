"""ID card numbers from a secretary's roster: the store has no field for a 身份证号 column, so the import
keeps it in the member's remarks ("身份证号：410105198803123456"). The number is more sensitive than a
mobile: masked (first 4 and last 4 digits kept) everywhere a mobile in a remark is masked, for the
staff too; whole only for the society's admin in the console (certificates, award forms) and the
command line asked --full; never in the log, nor in a member's words kept for the secretariat."""
import io
import json
import logging

from click.testing import CliRunner
from openpyxl import Workbook, load_workbook

from bot.cli import main
from storage.members import find_members_by_mobile
from tests.test_admin import log_in, page, post, units, users  # noqa: F401  (fixtures)
from tests.test_clarify import alice, kept  # noqa: F401  (fixture)
from tests.test_log_privacy import logged

FULL = ("410105198803123456", "41010519650714123x", "410105580312345")
MASKED = ("4101**********3456", "4101**********123x", "4101*******2345")


def branch_roster(path):
    """As a branch secretary sends it: a merged title, 身份证号 typed as text (18 digits, one ending
    in a lowercase x, an old 15-digit one), the members' unit by its unit member number."""
    book = Workbook()
    sheet = book.active
    sheet.title = "会员名册"
    sheet["A1"] = "某某学会东区分会会员名册（2026年）"
    sheet.merge_cells("A1:I1")
    sheet.append(["序号", "姓名", "性别", "手机号", "身份证号", "工作单位", "所属单位会员编号", "会员类别", "备注"])
    sheet.append([1, "王建国", "男", "13600000401", FULL[0], "郑州示范大学", "HNKXDW202600001", "普通会员", "退休"])
    sheet.append([2, "李秀英", "女", "13600000402", FULL[1], "郑州示范大学", "HNKXDW202600001", "高级会员", None])
    sheet.append([3, "张老根", "男", "13600000403", FULL[2], "郑州示范大学", "HNKXDW202600001", "普通会员", None])
    book.save(path)
    return path


def imported(env, path):
    result = CliRunner().invoke(main, ["members", "import", str(path), "--skip-bad-rows", "--json"],
                                env=env, catch_exceptions=False)
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert len(report["new"]) == 3 and report["bad_rows"] == []
    return report


def numbers(db):
    return [find_members_by_mobile(db, f"1360000040{i}")[0]["member_no"] for i in (1, 2, 3)]


def cli(env, *args):
    result = CliRunner().invoke(main, list(args), env=env, catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.stdout


def test_the_command_line_masks_id_numbers_unless_asked_full(env, db, units, tmp_path):
    imported(env, branch_roster(tmp_path / "东区分会.xlsx"))
    assert find_members_by_mobile(db, "13600000401")[0]["remarks"] == f"退休；身份证号：{FULL[0]}"  # kept whole
    shown = [cli(env, "members", "show", number, "--json") for number in numbers(db)]
    listed = cli(env, "members", "list", "--json") + cli(env, "members", "search", "郑州示范大学", "--json")
    for full, masked, text in zip(FULL, MASKED, shown):
        assert f"身份证号：{masked}" in text and full not in text and full not in listed and masked in listed
    assert FULL[1] in cli(env, "members", "show", numbers(db)[1], "--full")


def test_the_report_of_a_roster_imported_again_masks_the_id_numbers_in_the_remarks_it_changes(env, db, units,
                                                                                              tmp_path):
    """The branch sends its list again with a remark added: the report's line for the changed remarks names
    the ID number masked (its mobiles stay whole, as the report's rule is for them), in the command's output
    and in the report it prints as JSON; the store keeps it whole."""
    path = branch_roster(tmp_path / "东区分会.xlsx")
    imported(env, path)
    book = load_workbook(path)
    book.active["I3"] = "出国"
    book.save(path)
    for output in (cli(env, "members", "import", str(path), "--dry-run", "--json"), cli(env, "members", "import", str(path))):
        assert MASKED[0] in output and FULL[0] not in output, output
    assert find_members_by_mobile(db, "13600000401")[0]["remarks"] == f"退休；身份证号：{FULL[0]}；出国"


def test_only_the_admin_sees_the_whole_id_number_in_the_console(env, client, users, units, db, tmp_path):  # noqa: F811
    imported(env, branch_roster(tmp_path / "东区分会.xlsx"))
    member_nos = numbers(db)
    seen = {}
    for user in ("admin1", "staff1", "unit1"):
        assert log_in(client, user).status_code == 302
        pages = [page(client.get(f"/admin/members/{number}")) for number in member_nos]
        exported = page(client.get("/admin/members/export?format=csv"))
        listed = page(client.get("/admin/members/?q=郑州示范大学"))
        seen[user] = (pages, exported, listed)
        client.get("/admin/logout")
    pages, exported, listed = seen["admin1"]
    for full, shown in zip(FULL, pages):
        assert f"身份证号：{full}" in shown and full in exported
    for user in ("staff1", "unit1"):
        pages, exported, listed = seen[user]
        assert "王建国" in listed and "王建国" in exported
        for full, masked, shown in zip(FULL, MASKED, pages):
            if user == "staff1":
                assert f"身份证号：{masked}" in shown and f"身份证号：{masked}" in exported
            else:  # a unit contact sees no remarks at all (6e1c389), so no ID number written in them either
                assert "身份证号" not in shown and "身份证号" not in exported and masked not in shown
            assert full not in shown and full not in exported and full not in listed
    assert "13600000401" in seen["staff1"][1] and "13600000401" not in seen["unit1"][1]  # mobiles as before


def test_a_staff_export_imported_back_leaves_the_id_numbers_as_they_were(env, client, users, units, db,  # noqa: F811
                                                                         tmp_path):
    imported(env, branch_roster(tmp_path / "东区分会.xlsx"))
    assert log_in(client, "staff1").status_code == 302
    exported = client.get("/admin/members/export?format=xlsx")
    rows = list(load_workbook(io.BytesIO(exported.data)).active.values)
    assert f"身份证号：{MASKED[1]}" in [r[rows[0].index("备注")] for r in rows[1:]]
    (tmp_path / "导出.xlsx").write_bytes(exported.data)
    again = CliRunner().invoke(main, ["members", "import", str(tmp_path / "导出.xlsx"), "--json"], env=env,
                               catch_exceptions=False)
    assert again.exit_code == 0, again.output
    assert json.loads(again.stdout)["updated"] == []
    assert find_members_by_mobile(db, "13600000402")[0]["remarks"] == f"身份证号：{FULL[1]}"


def test_an_id_number_never_reaches_the_log(app):
    def talk():
        log = logging.getLogger("bot.test")
        log.warning("row 3 refused: %s", f"身份证号：{FULL[1]}，手机13600000402")
        log.info("member said 我的身份证是%s", FULL[0])
        log.info("old card %s.", FULL[2])

    text = logged(talk)
    for full, masked in zip(FULL, MASKED):
        assert full not in text and masked in text
    assert "136****0402" in text


def test_a_member_s_id_number_typed_in_chat_is_kept_masked_for_the_secretariat(alice, db):  # noqa: F811
    """A message the bot did not understand is kept for the staff to read (and to teach it)."""
    alice.says(f"我家猫丢了 身份证{FULL[1]}")
    [row] = kept(db)
    assert FULL[1] not in row["text"] and MASKED[1] in row["text"]


def test_the_staff_edit_a_member_with_the_id_number_masked_and_it_stays_whole(env, client, users, units, db,  # noqa: F811
                                                                            tmp_path):
    imported(env, branch_roster(tmp_path / "东区分会.xlsx"))
    number = numbers(db)[0]
    assert log_in(client, "staff1").status_code == 302
    form = page(client.get(f"/admin/members/{number}/edit"))
    assert f"退休；身份证号：{MASKED[0]}" in form and FULL[0] not in form
    sent = {"name": "王建国", "category": "regular", "mobile": "13600000401", "work_unit": "郑州示范大学",
            "unit_no": "HNKXDW202600001", "remarks": f"退休返聘；身份证号：{MASKED[0]}"}
    assert post(client, f"/admin/members/{number}/edit", sent).status_code == 302
    remarks = find_members_by_mobile(db, "13600000401")[0]["remarks"]
    assert remarks.startswith("退休返聘") and remarks.endswith(f"身份证号：{FULL[0]}") and "*" not in remarks
    sent["mobile"] = "1360000040"  # a digit short: the form comes back, the number still masked
    again = page(post(client, f"/admin/members/{number}/edit", sent))
    assert "1360000040" in again and MASKED[0] in again and FULL[0] not in again
