"""`make run` pays against the WeChat Pay stand-in; production never does.

`serve` calls bot.wechat_pay_standin.for_development: in development without a merchant it
starts the stand-in and points the app at it, and the pay page (no WeixinJSBridge outside
WeChat) sends the member to the stand-in's payment sheet. Confirming there pays the order,
sends the signed, encrypted notification to the app and returns to the result page.
"""
from __future__ import annotations

import re
import threading
from datetime import date

import pytest
import requests
from werkzeug.serving import make_server

from bot.config import ConfigError, load_config
from bot.wechat_pay_standin import SETTING_NAMES, for_development, start
from handlers.fees import dues
from storage.fees import find_payer, payments_of
from tests.pages_data import WANG, add_member


def test_production_never_starts_the_stand_in(env):
    production = {**env, "BOT_ENV": "production", "WECHAT_TOKEN": "prodtoken", "WECHAT_APP_ID": "wx1234567890abcdef",
                  "WECHAT_APP_SECRET": "s" * 32, "WECHAT_ENCODING_AES_KEY": "k" * 43, "ADMIN_SECRET_KEY": "a" * 40}
    config = load_config(production)
    assert not config.pay_enabled and for_development(config) == (config, None)
    with pytest.raises(ConfigError, match="WECHATPAY_STANDIN"):
        load_config({**production, "WECHATPAY_STANDIN": "1"})


def test_development_with_a_merchant_or_switched_off_keeps_it(env):
    assert for_development(load_config({**env, "WECHATPAY_STANDIN": "0"}))[1] is None
    standin, settings = start(env["WECHAT_APP_ID"])  # a merchant of its own (as a real one would be)
    try:
        merchant = load_config({**env, **{SETTING_NAMES[k]: v for k, v in settings.items()}})
        assert merchant.pay_enabled and for_development(merchant) == (merchant, None)
    finally:
        standin.stop()


@pytest.fixture
def dev_site(env, db):
    """The app as `make run` serves it: stand-in authorisation and the WeChat Pay stand-in."""
    from bot.app import create_app

    config, standin = for_development(load_config({**env, "PAGES_DEV_LOGIN": "1"}))
    assert standin is not None and config.pay_enabled
    server = make_server("127.0.0.1", 0, create_app(config), threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    add_member(db, WANG)
    yield f"http://127.0.0.1:{server.server_port}", standin
    server.shutdown()
    thread.join(timeout=10)
    standin.stop()


def test_the_pay_button_completes_a_payment_in_development(dev_site, db):
    url, standin = dev_site
    browser = requests.Session()
    dues_page = browser.get(f"{url}/m/dev/open", params={"openid": "o_wang", "next": "/m/dues"}, timeout=10).text
    token = re.search(r'name="csrf_token" value="([^"]+)"', dues_page).group(1)
    pay_page = browser.post(f"{url}/m/dues/pay", data={"csrf_token": token, "years": 1}, timeout=10).text
    sheet_url = re.search(r'data-standin="([^"]+)"', pay_page).group(1).replace("&amp;", "&")
    assert sheet_url.startswith(standin.base_url + "/sheet/wx")
    sheet = browser.get(sheet_url, timeout=10)
    assert "¥200.00" in sheet.text and "确认支付" in sheet.text
    back = re.search(r'name="back" value="([^"]+)"', sheet.text).group(1)
    result = browser.post(sheet_url.split("?")[0], data={"back": back}, timeout=30)
    assert result.url.startswith(url + "/m/dues/result/") and "缴费成功" in result.text
    assert standin.notify_answers == [204]  # signed, encrypted, accepted by the app
    new_paid_through = dues.paid_through_after(WANG["paid_through"], 1, date.today())
    assert new_paid_through in result.text
    [payment] = payments_of(db, find_payer(db, WANG["member_no"]))
    assert payment["method"] == "微信支付" and payment["period_to"] == new_paid_through


def test_the_sheet_returns_only_to_the_apps_own_pages(dev_site):
    url, standin = dev_site
    browser = requests.Session()
    dues_page = browser.get(f"{url}/m/dev/open", params={"openid": "o_wang", "next": "/m/dues"}, timeout=10).text
    token = re.search(r'name="csrf_token" value="([^"]+)"', dues_page).group(1)
    pay_page = browser.post(f"{url}/m/dues/pay", data={"csrf_token": token, "years": 1}, timeout=10).text
    sheet = re.search(r'data-standin="([^"?]+)', pay_page).group(1)
    for back in ("https://evil.example.org/", "//evil.example.org/m/", "/admin/"):
        refused = browser.post(sheet, data={"back": back}, allow_redirects=False, timeout=10)
        assert refused.status_code == 404
    assert browser.get(f"{standin.base_url}/sheet/wx{'0' * 30}", params={"back": "/m/dues"}, timeout=10).status_code == 404
    assert standin.notify_answers == []  # nothing paid
