"""Importing on the console as a secretary does it: a bank statement whose "possible duplicate" rows are
settled by ticking them (no command-line flag), whose unmatched rows say where to record them by hand;
and a result page that a reload or the back button never imports a second time."""
from __future__ import annotations

from datetime import date, timedelta

from openpyxl import Workbook
from playwright.sync_api import expect

from handlers.fees import dues
from handlers.fees.payments import record_payment
from storage.fees import find_payer, payments_of
from tests.test_admin_browser import config, roster_file, sign_in, society  # noqa: F401 (fixtures)

pytest_plugins = ["tests.fake_wechat"]
PROGRAMMERS_WORDS = ("--confirm", "fees record", "命令行")


def statement_file(path, rows):
    book = Workbook()
    sheet = book.active
    sheet.append(["交易日期", "对方户名", "贷方金额", "附言"])
    for row in rows:
        sheet.append(row)
    book.save(path)
    return path


def upload(tab, path):
    tab.click("[data-nav=dues]")
    tab.get_by_role("link", name="导入银行流水").click()
    tab.set_input_files("input[type=file]", str(path))
    tab.get_by_role("button", name="上传并检查").click()
    return tab.locator("ul.report")


def test_a_possible_duplicate_is_booked_by_ticking_it_and_a_reload_books_nothing_twice(
        new_tab, live_url, society, db, tmp_path):
    member_no = f"HNKX2019{society['units'][0]['id']:05d}"
    payer = find_payer(db, member_no)
    fee = dues.yearly_fee("regular")
    record_payment(db, payer, fee, 1, date.today(), "现金", "test")  # recorded by hand at the office
    days_ago = (date.today() - timedelta(days=3)).isoformat()
    path = statement_file(tmp_path / "银行流水.xlsx", [
        [days_ago, "王芳", fee, f"{member_no} 会费"],  # her second payment, or the same one again?
        [days_ago, "刘振宇", fee, "会费"],  # nobody of that name
    ])
    tab = sign_in(new_tab, live_url, "staff1")
    report = upload(tab, path)
    expect(report).to_contain_text("请勾选该行")
    expect(report).to_contain_text("在“会费”页的“登记缴费”里手工登记")
    for words in PROGRAMMERS_WORDS:
        expect(tab.locator("main")).not_to_contain_text(words)
    held = report.locator("li.report-held input[type=checkbox]")
    expect(held).to_have_count(1)
    held.check()  # the treasurer confirms: she paid twice
    tab.get_by_role("button", name="确认登记").click()
    expect(tab.locator("h1")).to_have_text("流水导入结果")
    expect(report).to_contain_text("新登记 1 笔")
    assert len(payments_of(db, payer)) == 2
    expect(report.locator("li.report-unmatched a")).to_have_text("去手工登记")

    tab.reload()  # the browser asks to send the form again; it is sent
    expect(tab.locator(".flash-ok")).to_contain_text("已经导入过了")
    tab.go_back()  # the report, reached again
    expect(tab.locator(".flash-ok")).to_contain_text("已经导入过了")
    assert len(payments_of(db, payer)) == 2


def test_a_roster_import_reloaded_imports_nothing_twice(new_tab, live_url, society, db, tmp_path):
    tab = sign_in(new_tab, live_url, "staff1")
    tab.click("[data-nav=members]")
    tab.get_by_role("link", name="导入名册").click()
    tab.set_input_files("input[type=file]", str(roster_file(tmp_path / "会员名册.xlsx")))
    tab.get_by_role("button", name="上传并检查").click()
    tab.once("dialog", lambda dialog: dialog.accept())
    tab.get_by_role("button", name="只导入没有问题的行").click()
    expect(tab.locator("h1")).to_have_text("导入结果")
    count = db.execute("select count(*) from members").fetchone()[0]
    tab.reload()
    expect(tab.locator(".flash-ok")).to_contain_text("“会员名册.xlsx”已经导入过了")
    expect(tab.locator("input[type=file]")).to_be_visible()
    assert db.execute("select count(*) from members").fetchone()[0] == count
