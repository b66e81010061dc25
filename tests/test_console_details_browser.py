"""Small things a secretary meets in the console's import pages, in headless Chromium (console walk 10,
#18, #19, #25): the report before 确认导入 says nothing was imported yet, a unit-member file counts units
apart from people and is not warned about fellows, and a file too large says the limit and leads back."""
from __future__ import annotations

from openpyxl import Workbook
from playwright.sync_api import expect

from storage.members import insert_member
from tests.test_admin_browser import config, roster_file, sign_in, society  # noqa: F401 (fixtures)

pytest_plugins = ["tests.fake_wechat"]


def checked(tab, path):
    tab.click("[data-nav=members]")
    tab.get_by_role("link", name="导入名册").click()
    tab.set_input_files("input[type=file]", str(path))
    tab.get_by_role("button", name="上传并检查").click()
    expect(tab.locator("h1")).to_have_text("核对校验报告")
    return tab.locator("main")


def unit_file(path):
    book = Workbook()
    book.active.append(["姓名", "手机号", "工作单位", "会员类别", "入会时间"])
    book.active.append(["河南智能科技有限公司", "13600001111", "河南智能科技有限公司", "单位会员", "2022-01-01"])
    book.save(path)
    return path


def test_the_report_before_confirming_says_nothing_is_imported_yet(new_tab, live_url, society, tmp_path):
    tab = sign_in(new_tab, live_url, "staff1")
    roster = roster_file(tmp_path / "会员名册.xlsx")
    checked(tab, roster)
    tab.once("dialog", lambda dialog: dialog.accept())
    tab.get_by_role("button", name="只导入没有问题的行").click()
    expect(tab.locator("h1")).to_have_text("导入结果")
    page = checked(tab, roster)  # the corrected file, uploaded again: the rows imported before are known
    expect(page).to_contain_text("以下各行请核对（导入时按所说处理）")
    expect(page).to_contain_text("已是会员")
    expect(page).not_to_contain_text("已导入")


def test_a_unit_member_file_counts_units_apart_and_says_nothing_of_fellows(new_tab, live_url, society, db,
                                                                          tmp_path):
    insert_member(db, {"member_no": "HNKX201500001", "name": "赵磊", "category": "fellow",
                       "mobile": "13700009999"}, actor="test")  # 1 fellow of 48 members: over the 1% cap
    tab = sign_in(new_tab, live_url, "staff1")
    page = checked(tab, unit_file(tmp_path / "单位会员.xlsx"))
    expect(page).to_contain_text("将新增 0 人、更新 0 人，单位会员新增 1 个、更新 0 个。")
    expect(page).not_to_contain_text("会士")
    tab.get_by_role("button", name="确认导入").click()
    expect(tab.locator("h1")).to_have_text("导入结果")
    expect(tab.locator("main")).to_contain_text("单位会员：新增 1 个")
