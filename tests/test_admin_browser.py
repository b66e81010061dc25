"""The secretariat console in headless Chromium, against the real app on a real port.

What a secretariat does in a day, by clicking: log in, import a roster, approve
an application, send a newsletter and watch it arrive (a burst worker against
tests/fake_wechat.py); and what the console refuses: user management to staff,
another unit's member to a unit contact. With SCREENSHOTS_DIR set
(`make screenshots`) each page is saved as a picture for docs/screenshots/.
"""
from __future__ import annotations

import subprocess
import sys
from datetime import date, timedelta

import pytest
from openpyxl import Workbook
from playwright.sync_api import expect

from bot.config import PROJECT_ROOT, load_config
from storage import admin as admin_store
from storage.members import create_application, find_application, find_member_by_no, insert_member
from handlers.news.items import give_default_subscriptions
from tests.admin_data import PASSWORD, add_council, add_units, add_users, individual

pytest_plugins = ["tests.fake_wechat"]

LAPTOP = (1366, 860)


@pytest.fixture
def config(env, fake_wechat):
    """Settings pointing at the fake WeChat API (it sets WECHAT_API_BASE before they are read)."""
    env["WECHAT_API_TIMEOUT"] = "1"
    env["WECHAT_API_MAX_RETRIES"] = "2"
    return load_config(env)
REFUSALS = ("status of 400", "status of 401", "status of 403")  # refused forms and pages, logged by the browser


@pytest.fixture
def society(db, config):
    """Two units with a member each, the console's users, a council, two applicants, a term."""
    units = add_units(db)
    add_users(db, config, units[0])
    add_council(db)
    for unit, name, mobile in ((units[0], "王芳", "13700137000"), (units[1], "赵强", "13600136000")):
        insert_member(db, {"member_no": f"HNKX2019{unit['id']:05d}", "name": name, "category": "regular",
                           "mobile": mobile, "unit_id": unit["id"], "work_unit": unit["name"]}, actor="test")
    applications = [create_application(db, "o_zhang", "individual", individual()),
                    create_application(db, "o_li", "individual", individual(name="李娜", mobile="13900139000",
                                                                             category="student"))]
    admin_store.set_settings(db, {"term_start": "2021-06-01",
                                  "term_end": (date.today() + timedelta(days=150)).isoformat()}, "test")
    return {"units": units, "applications": applications}


def sign_in(new_tab, live_url, username, size=LAPTOP):
    """A new tab of `size` (width, height) signed in to the console as `username`."""
    tab = new_tab(*size, allow=REFUSALS)
    tab.goto(f"{live_url}/admin/")
    tab.fill("input[name=username]", username)
    tab.fill("input[name=password]", PASSWORD)
    tab.click("main button[type=submit]")
    expect(tab.locator(".topbar .who")).to_contain_text(username)
    return tab


def roster_file(path):
    book = Workbook()
    sheet = book.active
    sheet.append(["河南省示范科技学会会员名册"])
    sheet.merge_cells("A1:F1")
    sheet.append(["姓名", "会员类别", "手机号（必填）", "工作单位", "单位类型", "出生年月"])
    sheet.append(["陈静", "普通会员", "13500135000", "郑州大学", "高等院校", "1988.03"])
    sheet.append(["孙磊", "高级会员", "135 0013 5001", "河南省科学院", "科研院所", 1975])
    sheet.append(["周敏", "普通会员", "1380013", "河南工业大学", "高等院校", 1990])
    book.save(path)
    return path


def test_log_in_and_see_the_dashboard(new_tab, live_url, society, screenshot):
    tab = new_tab(*LAPTOP, allow=REFUSALS)
    tab.goto(f"{live_url}/admin/dashboard/")
    expect(tab).to_have_url(f"{live_url}/admin/login?next=/admin/dashboard/")
    screenshot(tab, "admin-login")
    tab.fill("input[name=username]", "staff1")
    tab.fill("input[name=password]", "wrong password")
    tab.click("button[type=submit]")
    expect(tab.locator(".flash-error")).to_contain_text("用户名或密码不对")
    tab.fill("input[name=password]", PASSWORD)
    tab.click("button[type=submit]")
    expect(tab).to_have_url(f"{live_url}/admin/dashboard/")
    expect(tab.locator("svg.chart")).to_have_count(5)
    expect(tab.locator(".stat").nth(2)).to_contain_text("2")  # two pending applications
    screenshot(tab, "admin-dashboard", full_page=True)
    tab.click("[data-nav=governance]")
    expect(tab.locator(".findings")).to_contain_text("常务理事会中党政机关人员偏少：应约 10%，现为 0%")
    expect(tab.locator(".findings")).to_contain_text("已不足 6 个月")
    screenshot(tab, "admin-governance", full_page=True)


def test_import_a_roster_report_then_confirm(new_tab, live_url, society, db, tmp_path, screenshot):
    tab = sign_in(new_tab, live_url, "staff1")
    tab.click("[data-nav=members]")
    screenshot(tab, "admin-members")
    tab.get_by_role("link", name="导入名册").click()
    tab.set_input_files("input[type=file]", str(roster_file(tmp_path / "会员名册.xlsx")))
    tab.get_by_role("button", name="上传并检查").click()
    report = tab.locator("ul.report")
    expect(report).to_contain_text("第 5 行 手机号（必填）（C 列）“1380013”")
    expect(report).to_contain_text("新增 2 人，更新 0 人，无变化 0 人，有问题 1 行")
    screenshot(tab, "admin-import-report", full_page=True)
    assert find_member_by_no(db, f"HNKX{date.today().year}00001") is None  # nothing written yet

    tab.once("dialog", lambda dialog: dialog.accept())  # "skip the bad row?"
    tab.get_by_role("button", name="只导入没有问题的行").click()
    expect(tab.locator("h1")).to_have_text("导入结果")
    expect(report).to_contain_text("已跳过有问题的 1 行")
    screenshot(tab, "admin-import-result", full_page=True)
    tab.get_by_role("link", name=f"HNKX{date.today().year}00001").click()
    expect(tab.locator("dl.facts")).to_contain_text("陈静")
    expect(tab.locator("table.history")).to_contain_text("名册导入 会员名册.xlsx 第 3 行")
    screenshot(tab, "admin-member", full_page=True)
    tab.get_by_role("link", name="修改信息").click()
    tab.fill("input[name=mobile]", "123")
    tab.get_by_role("button", name="保存修改").click()
    expect(tab.locator(".field.has-error")).to_contain_text("手机号格式不对")
    screenshot(tab, "admin-member-edit", full_page=True)


def test_approve_an_application(new_tab, live_url, society, db, screenshot):
    first, second = society["applications"]
    tab = sign_in(new_tab, live_url, "staff1")
    tab.click("[data-nav=applications]")
    expect(tab.locator("table.data tbody tr")).to_have_count(2)
    tab.check(f"input[value={first['app_no']}]")
    tab.get_by_role("button", name="批准所选").click()
    expect(tab.locator(".flash-ok")).to_contain_text(f"已批准 {first['app_no']}")
    expect(tab.locator("table.data tbody tr")).to_have_count(1)
    assert find_application(db, first["app_no"])["decided_by"] == "console:staff1"
    assert find_application(db, second["app_no"])["status"] == "pending"
    screenshot(tab, "admin-applications")
    tab.click("[data-nav=audit]")
    expect(tab.locator("table.history")).to_contain_text("staff1（后台）")
    screenshot(tab, "admin-audit")


def test_staff_are_refused_user_management(new_tab, live_url, society, screenshot):
    admin = sign_in(new_tab, live_url, "admin1")
    admin.click("[data-nav=users]")
    expect(admin.locator("table.data")).to_contain_text("unit1")
    screenshot(admin, "admin-users", full_page=True)

    staff = sign_in(new_tab, live_url, "staff1")
    expect(staff.locator("[data-nav=users]")).to_have_count(0)
    response = staff.goto(f"{live_url}/admin/users/")
    assert response.status == 403
    expect(staff.locator(".big-message")).to_have_text("您的账号没有权限查看此页面或执行此操作。")
    screenshot(staff, "admin-refused")


def test_a_unit_contact_is_refused_another_units_member(new_tab, live_url, society, screenshot):
    tab = sign_in(new_tab, live_url, "unit1")
    expect(tab).to_have_url(f"{live_url}/admin/members/")
    expect(tab.locator(".scope")).to_contain_text("郑州示范大学")
    expect(tab.locator("table.data tbody tr")).to_have_count(1)
    expect(tab.locator("table.data")).to_contain_text("王芳")
    screenshot(tab, "admin-unit-members")
    other = society["units"][1]
    response = tab.goto(f"{live_url}/admin/members/HNKX2019{other['id']:05d}")
    assert response.status == 403
    expect(tab.locator(".big-message")).to_contain_text("没有权限")


def test_send_a_newsletter_and_see_its_progress(new_tab, live_url, society, db, env, fake_wechat, screenshot):
    openids = [f"oReader{n}_{'0' * 20}" for n in range(3)]
    for n, openid in enumerate(openids):
        insert_member(db, {"member_no": f"HNKX2024{n:05d}", "name": f"读者{n}", "category": "regular",
                           "openid": openid, "discipline": "材料科学"}, actor="test")
        give_default_subscriptions(db, openid)
    tab = sign_in(new_tab, live_url, "staff1")
    tab.click("[data-nav=news]")
    tab.get_by_role("link", name="撰写会讯").click()
    tab.fill("input[name=title]", "省科技厅项目申报指南")
    tab.fill("input[name=summary]", "申报时间和条件")
    tab.fill("textarea[name=body]", "# 要点\n**十月底**截止。")
    tab.check("input[name=topics][value=policy]")
    expect(tab.locator("[data-recipient-count]")).to_have_text("3")
    tab.check("input[name=category][value=student]")
    expect(tab.locator("[data-recipient-count]")).to_have_text("0")
    tab.uncheck("input[name=category][value=student]")
    expect(tab.locator("[data-recipient-count]")).to_have_text("3")
    screenshot(tab, "admin-news-write", full_page=True)
    tab.get_by_role("button", name="保存并预览").click()
    expect(tab.locator(".phone")).to_contain_text("十月底截止")
    expect(tab.locator(".card")).to_contain_text(["可送达 3 人"])
    tab.once("dialog", lambda dialog: dialog.accept())  # "send to 3?"
    tab.get_by_role("button", name="发送").click()
    expect(tab.locator(".flash-ok")).to_contain_text("新排队 3 位")
    subprocess.run([sys.executable, "-m", "bot", "worker", "--burst"], env=env, cwd=PROJECT_ROOT,
                   check=True, timeout=120, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    expect(tab.locator("[data-progress-text]")).to_contain_text("3 / 3", timeout=15000)
    expect(tab.locator("[data-progress-list=status]")).to_contain_text("群发已提交给微信（微信不逐人回告是否送达）：3")
    expect(tab.locator("[data-progress-list=channel]")).to_contain_text("群发（按会员名单）：3")
    assert all(fake_wechat.sent_to(openid) for openid in openids)
    screenshot(tab, "admin-news-progress", full_page=True)
