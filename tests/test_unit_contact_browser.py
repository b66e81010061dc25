"""A unit member's contact person in the console: their unit's members with mobiles masked (on every
page and in the export: a contact person has no need of a colleague's full number, the secretariat
does), and their unit's own dues: paid to when, and the receipts the bursar asks for."""
from __future__ import annotations

from datetime import date

from openpyxl import load_workbook

from handlers.fees.payments import record_payment
from storage.fees import find_payer
from tests.test_admin_browser import config, sign_in, society  # noqa: F401 (fixtures)

pytest_plugins = ["tests.fake_wechat"]


def member_no(society) -> str:
    return f"HNKX2019{society['units'][0]['id']:05d}"


def test_a_unit_contact_sees_colleagues_mobiles_masked_on_the_page_and_in_the_export(
        new_tab, live_url, society, tmp_path):
    tab = sign_in(new_tab, live_url, "unit1")
    tab.get_by_role("link", name=member_no(society)).click()
    facts = tab.locator("dl.facts")
    assert "137****7000" in facts.inner_text()
    assert "13700137000" not in tab.content()
    tab.get_by_role("link", name="← 会员").click()
    with tab.expect_download() as download:
        tab.get_by_role("link", name="导出 Excel").click()
    path = tmp_path / "export.xlsx"
    download.value.save_as(path)
    cells = [str(cell) for row in load_workbook(path).active.iter_rows(values_only=True) for cell in row]
    assert "王芳" in cells and "137****7000" in cells
    assert "13700137000" not in cells

    staff = sign_in(new_tab, live_url, "staff1")
    staff.goto(f"{live_url}/admin/members/{member_no(society)}")
    assert "13700137000" in staff.locator("dl.facts").inner_text()  # the secretariat calls members


def test_a_unit_contact_sees_their_units_dues_and_receipts(new_tab, live_url, society, db):
    tab = sign_in(new_tab, live_url, "unit1")
    dues = tab.locator(".unit-dues")
    assert "还没有缴过会费" in dues.inner_text()
    payment = record_payment(db, find_payer(db, society["units"][0]["unit_no"]), 2000, 1, date.today(),
                             "银行转账", "test")
    tab.reload()
    assert payment["receipt_no"] in dues.inner_text()
    assert f"缴至 {payment['period_to']}" in dues.inner_text()
    assert "中原示范研究院" not in tab.content()  # the other unit is not theirs


def test_a_refusal_says_what_the_role_may_do_and_whom_to_ask(new_tab, live_url, society):
    unit = society["units"][0]
    contact = sign_in(new_tab, live_url, "unit1")
    assert contact.goto(f"{live_url}/admin/dues/").status == 403
    why = contact.locator(".why").inner_text()
    assert f"只能查看本单位 {unit['unit_no']}（{unit['name']}）的会员和单位会费" in why
    assert "0371-6000 0000" in why  # the secretariat's phone (content/society.toml)

    staff = sign_in(new_tab, live_url, "staff1")
    assert staff.goto(f"{live_url}/admin/users/").status == 403
    assert "请联系管理员：admin1" in staff.locator(".why").inner_text()
