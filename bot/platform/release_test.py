"""WeChat's release test (全网发布), which the platform must pass once before it goes live.

WeChat's own test account (its AppID is fixed) posts fixed messages to `/wechat/<appid>`:

- text `TESTCOMPONENT_MSG_TYPE_TEXT`: answered at once with `TESTCOMPONENT_MSG_TYPE_TEXT_callback`;
- text `QUERY_AUTH_CODE:<code>`: answered empty at once; then the code is exchanged for the test
  account's token (api_query_auth) and the member gets the customer-service message
  `<code>_from_api`;
- an event: answered with `<Event>from_callback`.

The test account is never a society: nothing of this touches a store or the registry.
"""
from __future__ import annotations

import logging
from dataclasses import replace

from bot.messages import Inbound, Reply
from bot.wechat_client import WeChatAPIClient, WeChatAPIError

log = logging.getLogger(__name__)

RELEASE_TEST_APPIDS = frozenset({"wx570bc396a51b8ff8", "wxd101a85aa106f53e"})  # official account, mini program
TEXT_PROBE = "TESTCOMPONENT_MSG_TYPE_TEXT"
CODE_PROBE = "QUERY_AUTH_CODE:"


def release_test_reply(hub, message: Inbound) -> Reply:
    if message.kind == "event":
        return Reply(text=f"{message.event}from_callback")
    text = message.text or ""
    if text == TEXT_PROBE:
        return Reply(text=f"{TEXT_PROBE}_callback")
    if text.startswith(CODE_PROBE):
        hub.services.pool.submit(_answer_through_the_api, hub, message.openid, text[len(CODE_PROBE):])
    return Reply.nothing()


def _answer_through_the_api(hub, openid: str, code: str) -> None:
    try:
        info = hub.component().authorization(code)  # keeps the test account's token in Redis
        client = WeChatAPIClient(replace(hub.config, app_id=info["authorizer_appid"]), hub.services.redis)
        client.send_text(openid, f"{code}_from_api")
    except WeChatAPIError as error:
        log.warning("release test: the code could not be answered: %s %s", error.errcode, error.errmsg)
