"""The secretariat's day in a browser, as each of the console's three roles: a branch's roster with
remarks and honorary members uploaded and confirmed, a bank statement with a pinyin payer and an
amount that fits no fee, a long ticket queue, the 定时任务 page, a newsletter written. Every page is
read at a laptop's and a phone's width: Chinese words only (no codes, no English), nothing wider than
the screen, never a server error."""
from __future__ import annotations

import re
from urllib.parse import unquote

import pytest
from openpyxl import Workbook
from playwright.sync_api import expect

from storage.tickets import create_ticket
from tests.test_admin_browser import LAPTOP, config, sign_in, society  # noqa: F401 (fixtures)

pytest_plugins = ["tests.fake_wechat"]
PHONE = (390, 844)
ENGLISH = re.compile(r"\b[A-Za-z_]{3,}\b")
DATA_WORDS = {"test", "HNKX", "LIU", "YANG", "MEMBERSHIP", "FEE", "xlsx", "csv", "xls", "Excel", "CSV", "WPS", "JPG", "PNG"}  # file formats a secretary picks by name; "test": the fixtures' actor in a history


def roster(path):
    book = Workbook()
    sheet = book.active
    sheet["A1"] = "东区分会会员名单"
    sheet.merge_cells("A1:G1")
    sheet.append(["序号", "姓名", "会员类别", "手机号", "工作单位", "备注", "办公电话"])
    sheet.append([1, "苏长风", "荣誉会员", "13700001001", "郑州示范大学", "原副理事长，已退休", "0371-65510001"])
    sheet.append([2, "刘洋", "普通会员", "13700001002", "郑州示范大学", "出国（访学）", None])
    sheet.append([3, "高雪梅", "普通会员", "13700001003", "郑州示范大学", None, None])
    book.save(path)
    return path


def statement(path):
    book = Workbook()
    sheet = book.active
    sheet.append(["招商银行账务明细"])
    sheet.append(["交易日", "借方金额", "贷方金额", "收/付方名称", "摘要"])
    sheet.append(["2026-10-15", None, 100, "LIU YANG", "MEMBERSHIP FEE LIU YANG"])
    sheet.append(["2026-10-16", None, 180, "高雪梅", "会费"])
    book.save(path)
    return path


def read(tab, width: int) -> list[str]:
    """What is wrong with the page a secretary sees: English or code words, a page wider than the screen."""
    text = tab.locator("main").inner_text()
    words = sorted({w for w in ENGLISH.findall(text) if w not in DATA_WORDS and not w.startswith("HNKX")})
    wide = tab.evaluate("document.documentElement.scrollWidth")
    return ([f"English or code words: {words}"] if words else []) + ([f"{wide} px wide"] if wide > width else [])


def test_a_branch_roster_a_statement_and_the_long_lists_in_the_browser(new_tab, live_url, society, db, tmp_path):
    tab = sign_in(new_tab, live_url, "staff1")
    tab.goto(f"{live_url}/admin/members/import/")
    tab.set_input_files("input[type=file]", str(roster(tmp_path / "东区分会.xlsx")))
    tab.locator("main form button[type=submit]").first.click()
    tab.get_by_role("button", name=re.compile("确认导入")).click()
    tab.goto(f"{live_url}/admin/members/")
    tab.select_option("select[name=category]", label="荣誉会员")
    tab.get_by_role("button", name="筛选").click()
    expect(tab.locator("main table")).to_contain_text("苏长风")
    assert "刘洋" not in tab.locator("main table").inner_text()
    tab.get_by_role("link", name=re.compile("HNKX")).first.click()
    details = tab.locator("main .facts").inner_text()
    assert "荣誉会员" in details and "免缴" in details
    assert "原副理事长，已退休；办公电话：0371-65510001" in details

    tab.goto(f"{live_url}/admin/dues/import")
    tab.set_input_files("input[type=file]", str(statement(tmp_path / "流水.xlsx")))
    tab.locator("main form button[type=submit]").first.click()
    report = tab.locator("main .report").inner_text()
    assert "第 4 行 贷方金额（C 列）" in report and "180" in report
    assert "刘洋" in report and "拼音" in report

    for i in range(60):
        create_ticket(db, f"o_asker{i}", "咨询", f"第 {i} 个问题")
    tab.goto(f"{live_url}/admin/tickets/")
    expect(tab.locator("main .pager")).to_contain_text("第 1 / 2 页")
    tab.get_by_role("link", name=re.compile("下一页")).click()
    assert tab.locator("main table tbody tr").count() == 10

    tab.goto(f"{live_url}/admin/news/new")
    tab.fill("input[name=title]", "年会通知")
    tab.fill("input[name=summary]", "十一月开会")
    tab.fill("textarea[name=body]", "十一月在郑州开年会，详见附件。")
    tab.locator("input[name=topics]").first.check()
    tab.locator("main form button[type=submit]").last.click()
    expect(tab.locator("main")).to_contain_text("年会通知")
    assert unquote(tab.url).endswith("-年会通知") and "web-" not in tab.url


PAGES = {
    "admin1": ["/admin/members/?category=honorary", "/admin/members/{member}", "/admin/members/{member}/edit",
               "/admin/tickets/", "/admin/tickets/?view=all", "/admin/schedule/", "/admin/news/", "/admin/dues/import"],
    "staff1": ["/admin/members/?category=honorary", "/admin/members/{member}", "/admin/members/{member}/edit",
               "/admin/tickets/", "/admin/tickets/?view=closed&page=5", "/admin/schedule/", "/admin/news/new"],
    "unit1": ["/admin/members/", "/admin/members/{member}"],
}


@pytest.mark.parametrize("size", [LAPTOP, PHONE], ids=["laptop", "phone"])
@pytest.mark.parametrize("username", sorted(PAGES))
def test_every_page_touched_reads_in_chinese_and_fits_the_screen(new_tab, live_url, society, db, username, size):
    unit = society["units"][0]
    member = f"HNKX2019{unit['id']:05d}"
    db["members"].update(db["members"].rows_where("member_no = ?", [member]).__next__()["id"],
                         {"category": "honorary", "remarks": "原副理事长；办公电话：0371-65510001"})
    for i in range(3):
        create_ticket(db, f"o_asker{i}", "咨询", f"第 {i} 个问题")
    tab = sign_in(new_tab, live_url, username, size)
    found = {}
    for path in PAGES[username]:
        response = tab.goto(live_url + path.format(member=member))
        assert response.status < 500, path
        if problems := read(tab, size[0]):
            found[path] = problems
    assert not found, found
    if username != "unit1":
        tab.goto(f"{live_url}/admin/members/{member}")
        assert "荣誉会员" in tab.locator("main").inner_text()
