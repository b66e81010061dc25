"""Console walk 11 in the browser: a payment booked to the wrong 张伟 is moved to the right one from his page."""
from __future__ import annotations

from datetime import date

import pytest
from playwright.sync_api import expect

from handlers.fees.payments import record_payment
from storage.fees import find_payer
from tests.test_admin_browser import REFUSALS, config, sign_in, society  # noqa: F401 (fixtures)

pytest_plugins = ["tests.fake_wechat"]


def test_a_payment_on_the_wrong_member_s_page_is_voided_and_moved_with_a_reason(new_tab, live_url, society, db,
                                                                                 screenshot):
    wrong, right = (f"HNKX2019{unit['id']:05d}" for unit in society["units"])
    receipt = record_payment(db, find_payer(db, wrong), 100, 1, date.today(), "银行转账", "console:staff1",
                             reference="王芳会费", source="import:bank.xlsx")["receipt_no"]
    tab = sign_in(new_tab, live_url, "staff1")
    tab.goto(f"{live_url}/admin/members/{wrong}")
    payments = tab.locator("section.payments")
    expect(payments.locator("table")).to_contain_text(receipt)
    expect(payments.locator("table")).to_contain_text("银行流水 bank.xlsx")
    form = payments.locator("#refund")
    form.locator("input[name=reason]").fill("记错了人，应为赵强")
    form.locator("input[name=move_to]").fill(right)
    screenshot(tab, "walk11-refund-form", full_page=True)
    tab.once("dialog", lambda dialog: dialog.accept())
    form.locator("button[type=submit]").click()
    expect(tab.locator(".flash-ok").first).to_contain_text(f"已作废收据 {receipt}")
    expect(payments.locator("table")).to_contain_text("已退款/作废")
    expect(payments.locator("#refund")).to_have_count(0)  # nothing left to void on his page
    tab.goto(f"{live_url}/admin/members/{right}")
    expect(tab.locator("section.payments table")).to_contain_text(f"由收据 {receipt}")
