"""The secretariat's own files through the console, as a secretary clicks: a branch's roster that
opens on its notes sheet and writes paid status year by year, then a payment app's bill. The report
page must say what the command line says: the rows a person should look at, the money not received,
one transfer booked to the members its remark names."""
from __future__ import annotations

import pytest
from openpyxl import Workbook
from playwright.sync_api import expect

from bot.config import load_config
from handlers.fees import dues
from storage.members import find_members_by_mobile
from tests.admin_data import PASSWORD, add_units, add_users

pytest_plugins = ["tests.fake_wechat"]

LAPTOP = (1366, 860)
REGULAR = dues.yearly_fee("regular")


@pytest.fixture
def config(env, fake_wechat):
    return load_config(env)


@pytest.fixture
def staff(db, config):
    add_users(db, config, add_units(db)[0])


def sign_in(new_tab, live_url):
    tab = new_tab(*LAPTOP, allow=("status of 400",))
    tab.goto(f"{live_url}/admin/")
    tab.fill("input[name=username]", "staff1")
    tab.fill("input[name=password]", PASSWORD)
    tab.click("button[type=submit]")
    expect(tab.locator(".topbar .who")).to_contain_text("staff1")
    return tab


def upload(tab, nav: str, link: str, path):
    """Open a section, its import page, send the file: the report page it lands on lists the lines."""
    tab.click(f"[data-nav={nav}]")
    tab.get_by_role("link", name=link).click()
    tab.set_input_files("input[type=file]", str(path))
    tab.get_by_role("button", name="上传并检查").click()
    return tab.locator("ul.report")


def branch_roster(path):
    book = Workbook()
    notes = book.active
    notes.title = "说明"
    notes.append(["本表由分会秘书处填写，会费一栏打勾表示已缴"])
    data = book.create_sheet("名单")
    data.append(["姓名", "手机", "会员类别", "2026年会费", "备注"])
    data.append(["欧阳克", "13600000101", "个人会员", None, None])
    data.append(["穆念慈", "13600000102", "个人会员", None, "已故"])
    data.append(["杨康", "13600000103", "个人会员", "单位统缴", None])
    book.active = 0
    book.save(path)
    return path


def bill(path):
    lines = ["微信支付账单明细,,,,,", ",,,,,", "----------------------微信支付账单明细列表--------------------,,,,,",
             "交易时间,交易类型,交易对方,商品,收/支,金额(元),当前状态",
             f"2026-01-05 09:12:33,转账,静水流深,转账备注:欧阳克会费,收入,¥{REGULAR:.2f},已存入零钱",
             f"2026-01-05 10:12:33,转账,康,付款方留言:杨康2026年会费,收入,¥{REGULAR:.2f},已收钱",
             f"2026-01-06 10:00:00,转账,路人甲,转账备注:会费,收入,¥{REGULAR:.2f},已退还"]
    path.write_text("\n".join(lines), encoding="utf-8-sig")
    return path


def test_a_branch_roster_then_a_payment_bill_through_the_console(new_tab, live_url, staff, db, tmp_path, screenshot):
    tab = sign_in(new_tab, live_url)
    report = upload(tab, "members", "导入名册", branch_roster(tmp_path / "分会名单.xlsx"))
    expect(report).to_contain_text("以下各行请核对（导入时按所说处理）")  # before 确认导入: nothing imported yet
    expect(report).to_contain_text("第 3 行 备注（E 列）：会员已故")
    expect(report).to_contain_text("第 4 行 2026年会费（D 列）：写的是“单位统缴”")
    expect(report).to_contain_text("新增 3 人，更新 0 人，无变化 0 人，有问题 0 行")
    screenshot(tab, "files-roster-report", full_page=True)
    tab.get_by_role("button", name="确认导入").click()
    expect(tab.locator("h1")).to_have_text("导入结果")
    [mu] = find_members_by_mobile(db, "13600000102")
    assert mu["status"] == "deceased"

    report = upload(tab, "dues", "导入银行流水", bill(tmp_path / "微信支付账单.csv"))
    expect(report).to_contain_text("没有收到钱（交易关闭、等待付款或已退还），未登记")
    expect(report).to_contain_text("交易状态是“已退还”")
    expect(report.locator("li.report-recorded")).to_have_count(1)
    expect(report).to_contain_text("第 5 行：（试运行）  HNKX")
    expect(report).to_contain_text("杨康 的会费已缴至 2026-12-31，这笔可能是重复缴费")  # 单位统缴 on the roster
    screenshot(tab, "files-bill-report", full_page=True)
    expect(report).to_contain_text("核对后要按该行登记的，请勾选该行")  # a way on this page, no command-line flag
