"""The console at a phone's width (390 px): a secretary checking a member on the way to a meeting,
a unit contact who only has a phone. Every page fits the screen (no sideways scrolling of the
whole page; a wide table scrolls inside its own box), the menu sits above the page instead of
taking half the width, and every field of a form can be seen and typed in."""
from __future__ import annotations

import pytest

from bot.admin import accounts
from tests.admin_data import PASSWORD
from tests.test_admin_browser import config, sign_in, society  # noqa: F401 (fixtures)

pytest_plugins = ["tests.fake_wechat"]
PHONE = (390, 844)
PAGES = {
    "staff1": ["/admin/dashboard/", "/admin/applications/", "/admin/members/", "/admin/members/{member}",
               "/admin/members/{member}/edit", "/admin/dues/", "/admin/news/new", "/admin/tickets/",
               "/admin/governance/", "/admin/members/import/", "/admin/dues/import"],
    "unit1": ["/admin/members/", "/admin/members/{member}"],
}


@pytest.mark.parametrize("username", sorted(PAGES))
def test_every_page_fits_a_phone(new_tab, live_url, society, username):
    tab = sign_in(new_tab, live_url, username, PHONE)
    member = f"HNKX2019{society['units'][0]['id']:05d}"
    too_wide = {}
    for path in PAGES[username]:
        tab.goto(live_url + path.format(member=member))
        width = tab.evaluate("document.documentElement.scrollWidth")
        if width > PHONE[0]:
            too_wide[path] = width
    assert not too_wide, f"pages wider than the phone (the whole page scrolls sideways): {too_wide}"


def test_the_menu_is_above_the_page_not_beside_it(new_tab, live_url, society):
    tab = sign_in(new_tab, live_url, "staff1", PHONE)
    tab.goto(f"{live_url}/admin/members/")
    main = tab.locator("main").bounding_box()
    assert main["width"] >= PHONE[0] - 2, f"the page has {main['width']:.0f} px of the phone's {PHONE[0]}"
    search = tab.locator("input[name=q]").bounding_box()
    assert search["x"] >= 0 and search["x"] + search["width"] <= PHONE[0], search
    tab.locator("nav [data-nav=dues]").click()  # every menu entry can still be reached
    tab.wait_for_url("**/admin/dues/")


def test_on_a_375_px_phone_the_results_start_within_the_first_screen_and_sign_out_is_one_line(new_tab, live_url,
                                                                                                society, db, config):
    """Walk 12, #24: the list began about a screen down, under five filters and two export buttons, and 退出登录
    wrapped into 退出登 / 录 beside a read-only user's name and role."""
    accounts.create_user(db, config, "赵兼职", PASSWORD, "viewer", None, actor="test")
    tab = sign_in(new_tab, live_url, "赵兼职", (375, 740))
    tab.goto(f"{live_url}/admin/members/")
    table = tab.locator("table.data").bounding_box()
    assert table["y"] < 740, f"the results start at {table['y']:.0f} px, below the first screen"
    lines = tab.evaluate("""() => {
        const button = [...document.querySelectorAll("button")].find(b => b.textContent.trim() === "退出登录");
        const words = document.createRange();
        words.selectNodeContents(button);
        return new Set([...words.getClientRects()].map(r => Math.round(r.top))).size;
    }""")
    assert lines == 1, f"退出登录 wraps onto {lines} lines"
