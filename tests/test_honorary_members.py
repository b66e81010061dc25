"""荣誉会员: a category societies give (content/membership.toml [categories] honorary), written 荣誉会员
or 荣誉 in a roster, owing no dues unless the society's fees say otherwise; imported, filtered and shown
in the console, exported as written."""
import io
import json

from click.testing import CliRunner
from openpyxl import Workbook, load_workbook

from bot.cli import main
from storage.members import find_members_by_mobile
from tests.test_admin import page, post, staff, units, users  # noqa: F401  (fixtures)


def roster(path):
    """The society's list with its honorary members among the others, 免 in their year column."""
    book = Workbook()
    sheet = book.active
    sheet["A1"] = "会员名册"
    sheet.merge_cells("A1:F1")
    sheet.append(["序号", "姓名", "会员类别", "手机", "2026年", "备注"])
    sheet.append([1, "苏长风", "荣誉会员", "13700001001", "免", "原副理事长"])
    sheet.append([2, "林晚照", "荣誉", "13700001002", None, None])
    sheet.append([3, "何平安", "普通会员", "13700001003", "√", None])
    book.save(path)
    return path


def test_honorary_members_are_imported_owe_nothing_and_export_as_written(env, db, tmp_path):
    result = CliRunner().invoke(main, ["members", "import", str(roster(tmp_path / "名册.xlsx")), "--json"],
                                env=env, catch_exceptions=False)
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["bad_rows"] == [] and len(report["new"]) == 3
    [su] = find_members_by_mobile(db, "13700001001")
    [lin] = find_members_by_mobile(db, "13700001002")
    assert su["category"] == lin["category"] == "honorary" and su["paid_through"] is None
    shown = CliRunner().invoke(main, ["members", "show", su["member_no"], "--json"], env=env, catch_exceptions=False)
    assert json.loads(shown.stdout)["member"]["standing"] == "exempt"

    exported = tmp_path / "导出.xlsx"
    CliRunner().invoke(main, ["members", "export", str(exported)], env=env, catch_exceptions=False)
    rows = list(load_workbook(exported).active.values)
    categories = {row[rows[0].index("姓名")]: row[rows[0].index("会员类别")] for row in rows[1:]}
    assert categories == {"苏长风": "荣誉会员", "林晚照": "荣誉会员", "何平安": "普通会员"}


def test_the_console_filters_and_shows_honorary_members(staff, db):
    text = "姓名,会员类别,手机\n苏长风,荣誉会员,13700001001\n何平安,普通会员,13700001003\n"
    sent = post(staff, "/admin/members/import/", {"file": (io.BytesIO(text.encode("utf-8")), "名册.csv")},
                content_type="multipart/form-data")
    post(staff, f"/admin/members/import/{sent.location.rsplit('/', 1)[1]}")
    listed = page(staff.get("/admin/members/?category=honorary"))
    assert '<option value="honorary" selected>荣誉会员</option>' in listed
    assert "苏长风" in listed and "何平安" not in listed
    [su] = find_members_by_mobile(db, "13700001001")
    shown = page(staff.get(f"/admin/members/{su['member_no']}"))
    assert "荣誉会员" in shown and "免缴" in shown
