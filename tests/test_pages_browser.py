"""Member pages in headless Chromium with a phone's viewport, against the app on a real port.

The simulator's menu opens 会员中心 as its current member through the development
stand-in of WeChat's authorisation; the certificate's code is verified from a second
browser that has no session at all.
"""
from __future__ import annotations

import json
import re
import threading
from datetime import date

import pytest
from playwright.sync_api import expect
from werkzeug.serving import make_server

from handlers.members import certificates
from bot.config import load_config
from handlers.fees import dues
from tests.pages_data import LI, WANG, add_member

pytest_plugins = ["tests.wechatpay_standin"]

PHONE = {"width": 390, "height": 844}
FIRST_LOAD_BUDGET = 100 * 1024  # bytes a first page load may transfer (issue 16)


def _serve(env):
    """The app served over HTTP with the stand-in authorisation on, as `make run` does."""
    from bot.app import create_app

    config = load_config({**env, "PAGES_DEV_LOGIN": "1"})
    server = make_server("127.0.0.1", 0, create_app(config), threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    return f"http://127.0.0.1:{server.server_port}", config, lambda: (server.shutdown(), thread.join(timeout=10))


@pytest.fixture
def site(env, db):
    url, config, stop = _serve(env)
    add_member(db, LI)
    yield url, config
    stop()


@pytest.fixture
def pay_site(env, db, pay_standin):
    url, config, stop = _serve(env)
    add_member(db, WANG)
    yield url
    stop()


def test_from_the_simulator_menu_to_the_certificate_and_its_verification(site, new_tab, screenshot):
    url, config = site
    simulator = new_tab()
    simulator.goto(url + "/")
    simulator.fill("#openid", "o_li")
    simulator.dispatch_event("#openid", "change")
    simulator.locator(".menu-top", has_text="会员服务").click()
    with simulator.context.expect_page() as opened:
        simulator.locator(".submenu button", has_text="会员中心").click()
    centre = opened.value
    centre.set_viewport_size(PHONE)
    expect(centre.locator("#card")).to_contain_text("李明")
    expect(centre.locator("#card [data-field=mobile]")).to_have_text("139****6688")
    screenshot(centre, "pages-centre")

    centre.click("text=电子会员证")
    expect(centre.locator("[data-field=verdict]")).to_have_text("有效会员")
    expect(centre.locator("#certificate img")).to_have_js_property("naturalWidth", 750)  # the PNG loaded
    screenshot(centre, "pages-certificate", full_page=True)

    code = certificates.code_for(config.certificate_key, "HNKX202400012")
    stranger = new_tab(**PHONE)  # another phone scanning the code: no session, no WeChat
    stranger.goto(f"{url}/m/verify/{code}")
    expect(stranger.locator("[data-verdict]")).to_have_text("有效会员")
    expect(stranger.locator("[data-field=name]")).to_have_text("李明")
    assert "6688" not in stranger.content()
    screenshot(stranger, "pages-verify")

    altered = new_tab(**PHONE, allow=("404",))
    altered.goto(f"{url}/m/verify/{code[:-1]}{'B' if code[-1] != 'B' else 'C'}")
    expect(altered.locator("[data-verdict]")).to_have_text(re.compile("无法识别"))


def test_a_link_in_a_chat_reply_opens_the_page_as_the_member(site, new_tab):
    """入会 in the simulator: the reply's "点此填写申请表" is a link, and it opens the application
    page signed in as the simulator's member (through the stand-in of WeChat's authorisation)."""
    url, _ = site
    simulator = new_tab()
    simulator.goto(url + "/")
    simulator.fill("#openid", "o_zhao")
    simulator.dispatch_event("#openid", "change")
    if simulator.locator("#text").is_hidden():
        simulator.click("#to-keyboard")
    simulator.fill("#text", "我想入会")
    simulator.press("#text", "Enter")
    link = simulator.locator(".msg.bot .bubble a", has_text="点此填写申请表")
    expect(link).to_be_visible(timeout=15000)
    assert "<a" not in simulator.locator(".msg.bot .bubble").last.inner_text()  # shown as a link, not markup
    with simulator.context.expect_page() as opened:
        link.click()
    form = opened.value
    expect(form.locator("[data-kind=individual]")).to_be_visible()
    assert "/m/apply" in form.url


def test_the_first_page_load_is_small(site, new_tab):
    url, _ = site
    tab = new_tab(**PHONE)
    sizes = []
    tab.on("requestfinished", lambda request: sizes.append(request.sizes()["responseBodySize"]
                                                           + request.sizes()["responseHeadersSize"]))
    tab.goto(f"{url}/m/dev/open?openid=o_li&next=/m/")
    expect(tab.locator("#card")).to_contain_text("李明")
    tab.wait_for_load_state("networkidle")
    assert 0 < sum(sizes) < FIRST_LOAD_BUDGET, sum(sizes)


# WeixinJSBridge exists only inside WeChat: here it records the request and answers "ok", as
# WeChat does once the member has confirmed the payment (the test pays at the stand-in first).
BRIDGE = """window.WeixinJSBridge = {invoke(name, params, done) {
  sessionStorage.setItem("payRequest", JSON.stringify({name, params})); setTimeout(() => done({err_msg: "get_brand_wcpay_request:ok"}), 0);
}};"""


def test_paying_dues_in_wechat_shows_the_receipt_and_the_new_paid_through(pay_site, new_tab, pay_standin,
                                                                           screenshot):
    url = pay_site
    tab = new_tab(**PHONE)
    tab.add_init_script(BRIDGE)
    tab.goto(f"{url}/m/dev/open?openid=o_wang&next=/m/dues")
    expect(tab.locator("[data-field=standing]")).to_have_text("已过期")
    screenshot(tab, "pages-dues")
    tab.click("#pay-now")
    expect(tab.locator(".amount")).to_have_text("¥200")
    out_trade_no = re.search(r"/m/dues/result/(\w+)", tab.locator("#pay-confirm").get_attribute("data-result")).group(1)
    pay_standin.pay(out_trade_no)  # the member confirms in WeChat's payment sheet
    assert pay_standin.deliver(f"{url}/m/pay/notify", out_trade_no, repeats=1) == [204, 204]
    tab.click("#pay-confirm")
    expect(tab.locator("#result")).to_contain_text("缴费成功")
    asked = json.loads(tab.evaluate("sessionStorage.getItem('payRequest')"))
    assert asked["name"] == "getBrandWCPayRequest" and asked["params"]["package"].startswith("prepay_id=")
    new_paid_through = dues.paid_through_after(WANG["paid_through"], 1, date.today())
    expect(tab.locator("[data-field=paid_through]")).to_have_text(new_paid_through)
    screenshot(tab, "pages-pay-result")
    tab.click("text=查看收据")
    expect(tab.locator("#receipt")).to_contain_text("王秀英")
    expect(tab.locator("#receipt")).to_contain_text("微信支付")


def test_applying_on_a_phone_keeps_a_draft_and_submits_the_application(site, new_tab, db, screenshot):
    url, _ = site
    tab = new_tab(**PHONE, allow=("status of 400",))  # the form comes back with its problems as a 400
    tab.goto(f"{url}/m/dev/open?openid=o_zhao&next=/m/apply")
    tab.click("[data-kind=individual]")
    tab.wait_for_load_state("load")  # the page's script, which saves the draft on a change, has run
    tab.fill("#name", "赵敏")
    tab.fill("#discipline", "材料科学")
    with tab.expect_response(lambda response: response.url.endswith("/m/apply/draft")  # the save after the choice
                             and "普通会员".encode() in (response.request.post_data_buffer or b"")):
        tab.select_option("#category", "普通会员")
    tab.goto(f"{url}/m/apply")  # left and came back: the draft is filled in again
    expect(tab.locator("#name")).to_have_value("赵敏")
    expect(tab.locator("#category")).to_have_value("普通会员")
    tab.fill("#birth_year", "1988")
    tab.fill("#work_unit", "郑州示范大学")
    tab.select_option("#institution_type", "高等院校")
    tab.select_option("#post_category", "科研")
    tab.fill("#mobile", "1380013800")  # one digit short, as typed on a bus
    tab.click("#apply-submit")
    expect(tab.locator("[data-problem=mobile]")).to_contain_text("手机号格式不对")
    screenshot(tab, "pages-apply", full_page=True)
    tab.fill("#mobile", "13800138000")
    tab.click("#apply-submit")
    expect(tab.locator("#application")).to_contain_text("审核中")
    expect(tab.locator(".flash")).to_contain_text("申请已提交")
    assert db["applications"].count == 1


# --- `make run`: an event fee paid through the WeChat Pay stand-in, then checked in at the door ----

@pytest.fixture
def dev_site(env, db, monkeypatch):
    """The app as `make run` serves it (stand-in authorisation, the WeChat Pay stand-in), a paid
    meeting with early-bird prices through tomorrow, Li and Zhang as members in good standing,
    and staff1 for the console."""
    from datetime import timedelta

    from bot.wechat_pay_standin import for_development
    from handlers.events import fees as event_fees
    from storage import events as event_store
    from tests.admin_data import add_units, add_users

    add_member(db, LI)
    add_member(db, dict(LI, member_no="HNKX202500078", name="张丽", openid="o_zhang", mobile="13700005678"))
    soon = (date.today() + timedelta(days=30)).isoformat()
    numbers, _ = event_store.save_events(db, [({"title": "2027 年材料科学年会", "type": "学术会议", "starts_on": soon,
                                                "ends_on": soon, "place": "郑州"}, "test")], [], actor="test")
    fees = {numbers[0]: {"types": {"会员": 200, "非会员": 300}, "member_types": ["会员"],
                         "early_bird_until": (date.today() + timedelta(days=1)).isoformat(),
                         "early_bird": {"会员": 150, "非会员": 250}}}
    monkeypatch.setattr(event_fees, "configured", lambda event: fees.get(event["event_no"]))  # as if the secretariat wrote content/event_fees.toml
    config, standin = for_development(load_config({**env, "PAGES_DEV_LOGIN": "1"}))
    add_users(db, config, add_units(db)[0])
    from bot.app import create_app

    server = make_server("127.0.0.1", 0, create_app(config), threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}", numbers[0], standin
    server.shutdown()
    thread.join(timeout=10)
    standin.stop()


def _register_and_pay(tab, url: str, event_no: str, openid: str, name: str, mobile: str) -> None:
    """On the phone: the event page, the members' early-bird price, the payment sheet, the result."""
    tab.goto(f"{url}/m/dev/open?openid={openid}&next=/m/events/{event_no}")
    expect(tab.locator("#register")).to_contain_text("早鸟价")
    members_price = tab.locator("label.choice", has_text="会员 · ¥150").locator("input")
    expect(members_price).to_have_value("会员")
    members_price.check()
    tab.fill("#name", name)
    tab.fill("#mobile", mobile)
    tab.click("#event-register")
    expect(tab.locator(".amount")).to_have_text("¥150")
    tab.click("#pay-confirm")  # no WeixinJSBridge outside WeChat: the stand-in's payment sheet
    expect(tab.locator("#sheet-amount")).to_have_text("¥150.00")
    tab.click("#sheet-confirm")
    expect(tab.locator("#result")).to_contain_text("报名缴费成功")


def test_an_event_fee_paid_on_the_phone_and_checked_in_at_the_door(dev_site, new_tab, db, screenshot):
    from handlers.events import check_in
    from storage import events as event_store
    from tests.admin_data import PASSWORD

    url, event_no, standin = dev_site
    phone = new_tab(**PHONE)
    _register_and_pay(phone, url, event_no, "o_li", "李明", "13912346688")
    assert standin.notify_answers == [204]  # signed, encrypted, accepted by the app
    phone.goto(f"{url}/m/events/{event_no}")
    expect(phone.locator("#mine [data-field=paid]")).to_have_text("已缴费")
    code = phone.locator("#mine [data-field=checkin_code]").inner_text()
    phone.goto(f"{url}/m/")
    qr = phone.locator("#registrations img.checkin-qr")
    assert qr.get_attribute("src") == check_in.qr_data_uri(event_no, code)  # the code staff will scan
    screenshot(phone, "pages-event-paid", full_page=True)
    zhang = new_tab(**PHONE)
    _register_and_pay(zhang, url, event_no, "o_zhang", "张丽", "13700005678")
    zhang.goto(f"{url}/m/events/{event_no}")
    zhang_code = zhang.locator("#mine [data-field=checkin_code]").inner_text()

    staff = new_tab(**PHONE, allow=("status of 409",))
    staff.goto(f"{url}/admin/checkin/")
    staff.fill("input[name=username]", "staff1")
    staff.fill("input[name=password]", PASSWORD)
    staff.click("button[type=submit]")
    staff.goto(f"{url}/admin/checkin/")
    staff.select_option("#checkin-event", event_no)
    staff.fill("#checkin-code", code)  # typed: the six digits with the event chosen
    staff.click("#checkin-form button[type=submit]")
    expect(staff.locator("[data-outcome]")).to_have_attribute("data-outcome", "checked_in")
    expect(staff.locator("[data-outcome]")).to_contain_text("李明")
    staff.fill("#checkin-code", code)
    staff.click("#checkin-form button[type=submit]")
    expect(staff.locator("[data-outcome]")).to_have_attribute("data-outcome", "already")
    screenshot(staff, "console-checkin")
    assert event_store.live_registration(db, db["events"].rows_where("event_no = ?", [event_no]).__next__()["id"],
                                         "o_li")["checked_in_at"]


# Headless Chromium on Linux has no camera and no BarcodeDetector: the page is given a camera that
# films the registrant's QR code (a canvas stream) and a detector that reads what the member's page
# encodes (the test checked the image is that code). The page's own code does the rest: the button,
# the stream, the detection loop, filling the code in and submitting it.
CAMERA = """(() => {
  const payload = %s;
  window.BarcodeDetector = class {
    static async getSupportedFormats() { return ["qr_code"]; }
    async detect(video) { return video.srcObject && video.currentTime > 0 ? [{rawValue: payload, format: "qr_code"}] : []; }
  };
  navigator.mediaDevices.getUserMedia = async () => {
    const canvas = Object.assign(document.createElement("canvas"), {width: 240, height: 240});
    const draw = canvas.getContext("2d");
    setInterval(() => { draw.fillStyle = "#fff"; draw.fillRect(0, 0, 240, 240); draw.fillStyle = "#000"; draw.fillRect(40, 40, 160, 160); }, 30);
    return canvas.captureStream(30);
  };
})();"""


def test_staff_scan_a_registrants_code_with_the_camera(dev_site, new_tab, db):
    from handlers.events import check_in
    from tests.admin_data import PASSWORD

    url, event_no, _ = dev_site
    phone = new_tab(**PHONE)
    _register_and_pay(phone, url, event_no, "o_zhang", "张丽", "13700005678")
    phone.goto(f"{url}/m/events/{event_no}")
    code = phone.locator("#mine [data-field=checkin_code]").inner_text()
    phone.goto(f"{url}/m/")
    assert phone.locator("img.checkin-qr").get_attribute("src") == check_in.qr_data_uri(event_no, code)

    staff = new_tab(**PHONE)
    staff.add_init_script(CAMERA % json.dumps(check_in.qr_payload(event_no, code)))
    staff.goto(f"{url}/admin/checkin/")
    staff.fill("input[name=username]", "staff1")
    staff.fill("input[name=password]", PASSWORD)
    staff.click("button[type=submit]")
    staff.goto(f"{url}/admin/checkin/")  # no event chosen: the scanned code names it
    staff.click("#checkin-camera")
    expect(staff.locator("[data-outcome]")).to_have_attribute("data-outcome", "checked_in")
    expect(staff.locator("[data-outcome]")).to_contain_text("张丽")


def test_apply_get_approved_pay_and_show_a_valid_certificate(dev_site, new_tab, db, env, screenshot):
    """The whole way on a phone: apply on the page, the secretariat approves (`members approve`), pay
    the dues through the stand-in's payment sheet, see the receipt and the new paid-through, and a
    second phone with no session verifies the certificate's code."""
    from handlers.members import certificates
    from tests.cli import command

    url, _, _ = dev_site
    tab = new_tab(**PHONE)
    tab.goto(f"{url}/m/dev/open?openid=o_zhao&next=/m/apply")
    tab.click("[data-kind=individual]")
    for field, value in (("#name", "赵敏"), ("#discipline", "材料科学"), ("#birth_year", "1988"),
                         ("#work_unit", "郑州示范大学"), ("#mobile", "13800138000")):
        tab.fill(field, value)
    tab.select_option("#category", "普通会员")
    tab.select_option("#institution_type", "高等院校")
    tab.select_option("#post_category", "科研")
    tab.click("#apply-submit")
    expect(tab.locator("#application")).to_contain_text("审核中")
    [application] = db["applications"].rows_where("openid = ?", ["o_zhao"])

    run, _ = command("members")
    run(env, "approve", application["app_no"])  # the secretariat's decision
    tab.goto(f"{url}/m/dues")
    tab.click("#pay-now")
    tab.click("#pay-confirm")  # outside WeChat: the stand-in's payment sheet
    tab.click("#sheet-confirm")
    expect(tab.locator("#result")).to_contain_text("缴费成功")
    member = next(db["members"].rows_where("openid = ?", ["o_zhao"]))
    assert member["paid_through"] and member["paid_through"] >= date.today().isoformat()
    expect(tab.locator("[data-field=paid_through]")).to_have_text(member["paid_through"])
    tab.click("text=查看收据")
    expect(tab.locator("#receipt")).to_contain_text("赵敏")
    expect(tab.locator("#receipt")).to_contain_text("微信支付")

    tab.goto(f"{url}/m/certificate")
    expect(tab.locator("[data-field=verdict]")).to_have_text("有效会员")
    stranger = new_tab(**PHONE)  # another phone scanning the certificate: no session at all
    code = certificates.code_for(load_config(env).certificate_key, member["member_no"])
    stranger.goto(f"{url}/m/verify/{code}")
    expect(stranger.locator("[data-verdict]")).to_have_text("有效会员")
    expect(stranger.locator("[data-field=name]")).to_have_text("赵敏")
    assert "13800138000" not in stranger.content() and "郑州示范大学" not in stranger.content()
