"""Member pages on a phone-size screen as the round-10 walk saw them (/work/qa/members10.md, #23)."""
from __future__ import annotations

import re

from playwright.sync_api import expect

from tests.pages_data import LI, WANG, add_member
from tests.test_pages_browser import BRIDGE, PHONE, _serve

pytest_plugins = ["tests.wechatpay_standin"]


def test_every_tab_label_fits_inside_its_tab_with_room_from_the_screen_edge(env, db, new_tab):
    url, _, stop = _serve(env)
    try:
        add_member(db, LI)
        tab = new_tab(**PHONE)
        tab.goto(f"{url}/m/dev/open?openid=o_li&next=/m/")
        boxes = tab.evaluate("""[...document.querySelectorAll('nav.tabs a')].map(a => {
            const r = document.createRange(); r.selectNodeContents(a); const t = r.getBoundingClientRect();
            const b = a.getBoundingClientRect(); return [t.left, t.right, b.left, b.right]; })""")
        assert len(boxes) == 6
        assert boxes[0][0] >= 6 and boxes[-1][1] <= PHONE["width"] - 6, boxes  # the first label off the edge
        assert all(left >= box_left and right <= box_right for left, right, box_left, box_right in boxes), boxes
    finally:
        stop()


def test_the_pay_button_waits_for_its_script_and_a_tap_then_pays(env, db, new_tab, pay_standin):
    """#24: a tap in the first moments did nothing: the button looked ready before its script was there."""
    url, _, stop = _serve(env)
    try:
        add_member(db, WANG)
        tab = new_tab(**PHONE)
        tab.add_init_script(BRIDGE)
        held = []
        tab.route("**/pay.js", lambda route: held.append(route))  # the script still on its way
        tab.goto(f"{url}/m/dev/open?openid=o_wang&next=/m/dues")
        tab.click("#pay-now")
        expect(tab.locator(".amount")).to_be_visible()
        expect(tab.locator("#pay-confirm")).to_be_disabled()  # not a button that looks ready and does nothing
        held[0].continue_()
        tab.click("#pay-confirm")
        expect(tab).to_have_url(re.compile(r"/m/dues/result/"))
    finally:
        stop()
