"""The province's console in headless Chromium, against the real app on a real port: the province's
staff sign in, see the societies, review a filing (the review history shows who did what, when and
why), open the public guide and the evaluation; a society's staff file their plan, read the
province's decision with its history, and cannot open the province's pages."""
from __future__ import annotations

import re
from datetime import datetime

import pytest
from playwright.sync_api import expect

from tests.admin_data import PASSWORD
from tests.province_data import run_events
from tests.test_events import GOOD, guide_xlsx
from tests.test_province_console import province  # noqa: F401 (a fixture)

pytest_plugins = ["tests.fake_wechat"]

LAPTOP = (1366, 860)
REFUSALS = ("status of 403",)  # the province's pages refused to a society's staff, logged by the browser


def sign_in(tab, url: str, username: str) -> None:
    tab.goto(url)
    tab.fill("input[name=username]", username)
    tab.fill("input[name=password]", PASSWORD)
    tab.click("button[type=submit]")
    expect(tab.locator(".topbar .who")).to_contain_text(username)


def row_of(tab, title: str):
    return tab.locator("tr", has_text=title)


def test_province_staff_review_a_filing_and_the_society_reads_the_decision(new_tab, live_url, province, env,
                                                                            tmp_path, screenshot):
    # the society's secretariat has imported its year plan and files it from the console
    run_events(env, "import", guide_xlsx(tmp_path / "own.xlsx", GOOD), "--year", "2026")
    society = new_tab(*LAPTOP, allow=REFUSALS)
    sign_in(society, f"{live_url}/admin/", "staff1")
    society.goto(f"{live_url}/admin/province/filing?year=2026")
    society.get_by_role("button", name="报备 2026 年活动计划").click()
    expect(society.locator(".flash")).to_contain_text("新备案 3 项")
    expect(row_of(society, "青年科技工作者培训班")).to_contain_text("待审核")
    # the province's pages are not the society's
    for path in ("/admin/province/", "/admin/province/filings", "/admin/province/evaluation"):
        response = society.goto(f"{live_url}{path}")
        assert response.status == 403, path
    assert "河南省计算机学会" not in society.content()

    # the province's staff: the societies, the filings waiting, a return with its reason, an approval
    province_tab = new_tab(*LAPTOP)
    sign_in(province_tab, f"{live_url}/admin/province/login", "sheng")
    province_tab.goto(f"{live_url}/admin/province/")
    for name in ("河南省计算机学会", "河南省植物保护学会", "河南省物理学会", "河南省示范科技学会"):
        expect(province_tab.locator("main")).to_contain_text(name)
    screenshot(province_tab, "province-societies")
    province_tab.goto(f"{live_url}/admin/province/filings?year=2026")
    waiting = row_of(province_tab, "青年科技工作者培训班")
    expect(waiting).to_contain_text("河南省示范科技学会")
    waiting.locator("input[name=reason]").fill("请补充安全预案和报名方式")
    waiting.get_by_role("button", name="退回").click()
    expect(province_tab.locator(".flash")).to_contain_text("已退回：青年科技工作者培训班")
    row_of(province_tab, "植保科技下乡").get_by_role("button", name="通过").click()
    expect(province_tab.locator(".flash")).to_contain_text("已通过：植保科技下乡")
    province_tab.goto(f"{live_url}/admin/province/filings?status=returned&year=2026")
    returned = row_of(province_tab, "青年科技工作者培训班")
    returned.locator("summary").click()
    history = returned.locator("[data-history] li")
    expect(history).to_have_count(2)
    expect(history.nth(0)).to_contain_text("staff1 报备")
    expect(history.nth(1)).to_contain_text("sheng 退回：请补充安全预案和报名方式")
    screenshot(province_tab, "province-filings")

    # the public guide holds what was approved, not what was returned
    province_tab.goto(f"{live_url}/admin/province/filings?status=approved&year=2026")
    province_tab.get_by_role("link", name="查看公开页面").click()
    expect(province_tab.locator("body")).to_contain_text("植保科技下乡")
    expect(province_tab.locator("body")).not_to_contain_text("青年科技工作者培训班")
    # the evaluation: every society, graded or marked short of data
    province_tab.goto(f"{live_url}/admin/province/evaluation?year=2026")
    table = province_tab.locator("main table").first
    for name in ("河南省计算机学会", "河南省示范科技学会"):
        expect(table).to_contain_text(name)
    expect(table).to_contain_text("缺数据")
    screenshot(province_tab, "province-evaluation")

    # back at the society: the decision, who made it and what was said
    society.goto(f"{live_url}/admin/province/filing?year=2026")
    mine = row_of(society, "青年科技工作者培训班")
    expect(mine).to_contain_text("已退回：请补充安全预案和报名方式")
    mine.locator("summary").click()
    expect(mine.locator("[data-history] li").nth(1)).to_contain_text("sheng 退回")
    expect(society.locator("main")).not_to_contain_text("植保科技下乡")  # another society's filing



def test_a_societys_filings_have_a_link_of_their_own_for_the_province(new_tab, live_url, province, screenshot):
    computing, physics = "wx1111aaaa2222bbbb", "wx5555eeee6666ffff"
    staff = new_tab(*LAPTOP)
    staff.goto(f"{live_url}/admin/province/login")
    expect(staff.locator(".topbar .brand")).to_have_text("省科协 · 全省学会平台")  # no society's name
    sign_in(staff, f"{live_url}/admin/province/login", "sheng")
    expect(staff.locator(".topbar .brand")).to_have_text("省科协 · 全省学会平台")
    staff.goto(f"{live_url}/admin/province/")
    staff.get_by_role("link", name="河南省计算机学会").click()
    expect(staff).to_have_url(re.compile(f"society={computing}"))
    expect(staff.locator("h1")).to_have_text("河南省计算机学会：各年份活动备案")
    expect(staff.locator("main")).to_contain_text("人工智能青年论坛")
    expect(staff.locator("main")).not_to_contain_text("植保科技下乡")  # the plant protectors' filing
    bookmark = staff.url

    # the link, kept or sent to a colleague, opens the same society's page; a second tab on another society
    colleague = new_tab(*LAPTOP)
    sign_in(colleague, f"{live_url}/admin/province/login", "sheng")
    colleague.goto(bookmark)
    expect(colleague.locator("h1")).to_have_text("河南省计算机学会：各年份活动备案")
    colleague.goto(f"{live_url}/admin/province/filings?society={physics}&year=all")
    expect(colleague.locator("h1")).to_have_text("河南省物理学会：各年份活动备案")

    # an approval in the first tab stays with its society and comes back to its page
    row_of(staff, "人工智能青年论坛").get_by_role("button", name="通过").click()
    expect(staff.locator(".flash")).to_contain_text("已通过：人工智能青年论坛（河南省计算机学会）")
    expect(staff).to_have_url(re.compile(f"society={computing}"))
    expect(staff.locator("h1")).to_have_text("河南省计算机学会：各年份活动备案")
    colleague.reload()
    expect(row_of(colleague, "物理学术报告会")).to_contain_text("待审核")  # the other tab's society untouched

    # next year's plans are a click away (societies file them in December)
    staff.get_by_role("link", name="2027").click()
    expect(staff.locator("h1")).to_have_text("河南省计算机学会：2027 年活动备案")
    staff.get_by_role("link", name="‹ 全部学会").click()
    expect(staff.locator("h1")).to_have_text("2027 年活动备案审核")
    screenshot(staff, "province-society-filings")

    # the evaluation page speaks to the province's staff, not of the server's files
    staff.goto(f"{live_url}/admin/province/evaluation?year=2026")
    expect(staff.locator("main")).not_to_contain_text("content/")


def test_a_societys_staff_keep_their_own_console_and_open_no_societys_province_page(new_tab, live_url, province,
                                                                                     env, tmp_path):
    society = new_tab(*LAPTOP, allow=REFUSALS)
    sign_in(society, f"{live_url}/admin/", "staff1")
    expect(society.locator(".topbar .brand")).to_have_text("河南省示范科技学会 · 秘书处后台")
    assert society.goto(f"{live_url}/admin/province/filings?society=wx1111aaaa2222bbbb&year=all").status == 403
    society.goto(f"{live_url}/admin/province/filing?year=2026")
    expect(society).to_have_url(re.compile(r"/admin/province/filing\?year=2026$"))  # no AppID: their one society
    expect(society.locator("main")).not_to_contain_text("河南省计算机学会")

    # nothing imported for the year yet: the page says what to do first, and where, not "0 filed"
    expect(society.locator("[data-no-plan]")).to_contain_text("请先把 2026 年的年度活动计划（Excel）导入“活动”")
    expect(society.get_by_role("button", name="报备 2026 年活动计划")).to_have_count(0)
    society.get_by_role("link", name="去导入活动计划").click()
    expect(society).to_have_url(re.compile(r"/admin/events/"))
    # next year's plan, filed in December: one click to that year
    next_year = [[1, "示范科技学会", "2027年学术年会", "学术会议（线下）", "2027年5月19日-21日", "郑州", "学会秘书处",
                  "300人", "5月10日", "会员500元", ""],
                 [2, "示范科技学会", "青年科技工作者培训班", "培训班", datetime(2027, 6, 3), "洛阳", "青工委", "不限", None, 0, ""],
                 [3, "示范科技学会", "科普进校园", "科普", "2027.9.1-9.30", "全省", "科普部", None, None, None, None]]
    run_events(env, "import", guide_xlsx(tmp_path / "next.xlsx", next_year), "--year", "2027")
    society.goto(f"{live_url}/admin/province/filing")
    society.get_by_role("link", name="2027 年").click()
    society.get_by_role("button", name="报备 2027 年活动计划").click()
    expect(society.locator(".flash")).to_contain_text("新备案 3 项")


def test_a_mistake_in_the_provinces_settings_is_shown_with_its_line_and_column(new_tab, live_url, province,
                                                                               tmp_path, monkeypatch):
    from bot import content  # the province's settings are read from this copy, as its staff edited it

    edited = (content.CONTENT_DIR / "province.toml").read_text(encoding="utf-8")
    line = next(n for n, text in enumerate(edited.splitlines(), start=1) if text.startswith("members = 10"))
    copy = tmp_path / "content"
    copy.mkdir()
    (copy / "province.toml").write_text(edited, encoding="utf-8")
    real = content.load_toml
    monkeypatch.setattr(content, "load_toml", lambda name, content_dir=content.CONTENT_DIR: real(
        name, copy if name == "province.toml" else content_dir))
    staff = new_tab(*LAPTOP, allow=("status of 503",))
    sign_in(staff, f"{live_url}/admin/province/login", "sheng")

    def edit_and_restart(text: str) -> None:  # the settings are read once per process
        (copy / "province.toml").write_text(text, encoding="utf-8")
        real.cache_clear()

    edit_and_restart(edited.replace("members = 10 ", "members = 十 ", 1))
    shown = staff.goto(f"{live_url}/admin/province/evaluation?year=2026")
    assert shown.status == 503
    expect(staff.locator("main")).to_contain_text(f"content/province.toml 第 {line} 行第 11 列附近写法有误")

    edit_and_restart(edited.replace("members = 10 ", 'members = "10分" ', 1))
    staff.reload()
    expect(staff.locator("main")).to_contain_text(
        "[evaluation.weights] 的 members 应填一个不小于 0 的数字（权重，如 10 或 2.5），现在写的是“10分”")

    edit_and_restart(edited)
    staff.reload()
    expect(staff.locator("main table").first).to_contain_text("河南省计算机学会")
