"""Recording a payment by hand as a secretary types it: the amount copied from a bank slip or a
WeChat chat ("100元", "￥100", full-width digits) is the amount; a wrong entry is refused with the
field named and everything typed kept; a payment dated after today is refused, one typed 2026.3.5 is that day."""
from __future__ import annotations

from datetime import date, timedelta

import pytest
from playwright.sync_api import expect

from tests.test_admin_browser import REFUSALS, config, sign_in, society  # noqa: F401 (fixtures)

pytest_plugins = ["tests.fake_wechat"]


def _record(tab, live_url, member_no, amount, paid_on=""):
    tab.goto(f"{live_url}/admin/dues/")
    form = tab.locator("#record")
    form.locator("input[name=number]").fill(member_no)
    form.locator("input[name=amount]").fill(amount)
    if paid_on:
        form.locator("input[name=paid_on]").fill(paid_on)
    form.locator("select[name=method]").select_option("现金")  # a choice the form requires (walk 12, #4)
    form.locator("button[type=submit]").click()


@pytest.mark.parametrize("typed", ["100元", "￥100", "１００", "100.00 元"])
def test_an_amount_typed_with_its_unit_or_in_full_width_is_recorded(new_tab, live_url, society, typed):
    tab = sign_in(new_tab, live_url, "staff1")
    member_no = f"HNKX2019{society['units'][0]['id']:05d}"
    _record(tab, live_url, member_no, typed)
    expect(tab.locator(".flash-ok")).to_contain_text("已登记 王芳 缴费 100 元")


def test_an_amount_in_words_names_the_field_and_keeps_what_was_typed(new_tab, live_url, society):
    tab = sign_in(new_tab, live_url, "staff1")
    member_no = f"HNKX2019{society['units'][0]['id']:05d}"
    _record(tab, live_url, member_no, "一百")
    expect(tab.locator(".flash-error")).to_contain_text("金额“一百”")
    assert tab.url == f"{live_url}/admin/dues/record", "what was typed is not put in the page's address"
    expect(tab.locator("#record input[name=number]")).to_have_value(member_no)
    expect(tab.locator("#record input[name=amount]")).to_have_value("一百")


def test_a_payment_dated_after_today_is_refused(new_tab, live_url, society, db):
    tab = sign_in(new_tab, live_url, "staff1")
    member_no = f"HNKX2019{society['units'][0]['id']:05d}"
    _record(tab, live_url, member_no, "100", (date.today() + timedelta(days=30)).isoformat())
    expect(tab.locator(".flash-error")).to_contain_text("缴费日期不能晚于今天")
    assert db.execute("select count(*) from payments").fetchone()[0] == 0


def test_a_payment_date_typed_with_dots_is_the_day_typed(new_tab, live_url, society, db):
    """Walk 14 #3: a date box read 2026.3.5 as 0635-02-02 and a receipt was issued for the year 635."""
    tab = sign_in(new_tab, live_url, "staff1")
    member_no = f"HNKX2019{society['units'][0]['id']:05d}"
    day = date.today() - timedelta(days=2)
    _record(tab, live_url, member_no, "100", f"{day.year}.{day.month}.{day.day}")
    expect(tab.locator(".flash-ok")).to_contain_text("已登记 王芳 缴费 100 元")
    assert db.execute("select paid_at from payments").fetchone()[0][:10] == day.isoformat()
