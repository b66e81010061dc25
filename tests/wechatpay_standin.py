"""The `pay_standin` fixture: bot/wechat_pay_standin.py running for one test (add
"tests.wechatpay_standin" to pytest_plugins); env["WECHATPAY_*"] point the app at it."""
from __future__ import annotations

import pytest

from bot.wechat_pay_standin import SETTING_NAMES, start


@pytest.fixture
def pay_standin(env):
    """A running stand-in; env["WECHATPAY_*"] hold the merchant's settings pointing at it."""
    standin, settings = start(env["WECHAT_APP_ID"])
    env.update({SETTING_NAMES[name]: value for name, value in settings.items()})
    yield standin
    standin.stop()
