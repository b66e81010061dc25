"""Every follow and scan wechatpy can name is handled as one (issue 14): a follow from a product
page (`subscribe_scan_product`, EventKey scanbarcode|... or scanimage|...) gets the welcome, makes a
member who had unfollowed reachable again and opens the customer-service window, exactly as a
plain or QR-code follow does; a follower's scans get a hello and open the window too.

The event bodies are the samples of wechatpy's own test suite (tests/test_parser.py,
tests/test_events.py), posted signed and encrypted through the webhook.
"""
from __future__ import annotations

import time

import pytest
from wechatpy import parse_message

from bot import content
from bot.wechat import FOLLOW_EVENTS, SCAN_EVENTS
from storage.members import find_member_by_openid, insert_member
from storage.sqlite import transaction
from tests.test_webhook import account, new_member, wire  # noqa: F401  (fixtures)
from tests import redis_state

def sample(event: str, key: str | None = None, inner: str = "") -> str:
    """One of wechatpy's test samples, from the member `{openid}`, sent now."""
    key_field = f"<EventKey><![CDATA[{key}]]></EventKey>" if key is not None else ""
    return ("<xml><ToUserName><![CDATA[gh_fbe8a958756e]]></ToUserName>"
            "<FromUserName><![CDATA[{openid}]]></FromUserName><CreateTime>{now}</CreateTime>"
            f"<MsgType><![CDATA[event]]></MsgType><Event><![CDATA[{event}]]></Event>{key_field}{inner}</xml>")


FOLLOWS = {
    "plain": sample("subscribe"),
    "qr poster": sample("subscribe", "qrscene_123123", "<Ticket><![CDATA[TICKET]]></Ticket>"),
    "product barcode": sample("subscribe", "scanbarcode|keystandard|keystr"),
    "product image": sample("subscribe", "scanimage|keystandard|keystr"),
}
SCANS = {
    "qr scan": sample("SCAN", "SCENE_VALUE", "<Ticket><![CDATA[TICKET]]></Ticket>"),
    "menu scan": sample("scancode_push", "6", "<ScanCodeInfo><ScanType><![CDATA[qrcode]]></ScanType>"
                                             "<ScanResult><![CDATA[1]]></ScanResult></ScanCodeInfo>"),
    "menu scan, waiting": sample("scancode_waitmsg", "6", "<ScanCodeInfo><ScanType><![CDATA[qrcode]]></ScanType>"
                                                          "<ScanResult><![CDATA[2]]></ScanResult></ScanCodeInfo>"),
    "product page to chat": sample("user_scan_product_enter_session", None,
                                   "<KeyStandard><![CDATA[ean13]]></KeyStandard>"
                                   "<KeyStr><![CDATA[6901481811083]]></KeyStr>"),
}


def fill(template: str, openid: str) -> str:
    return template.replace("{openid}", openid).replace("{now}", str(int(time.time())))


def gone_member(db) -> str:
    """A member on the roster who had unfollowed the account."""
    openid = new_member()
    with transaction(db):
        insert_member(db, {"openid": openid, "name": "王建国", "category": "regular", "reachable": 0}, actor="test")
    return openid


def test_the_names_cover_every_follow_and_scan_wechatpy_produces():
    names = {parse_message(fill(xml, "o")).event for xml in [*FOLLOWS.values(), *SCANS.values()]}
    assert names == set(FOLLOW_EVENTS) | set(SCAN_EVENTS)
    assert "subscribe_scan_product" in names


@pytest.mark.parametrize("how", FOLLOWS)
def test_a_follow_of_any_kind_welcomes_restores_and_opens_the_window(wire, db, redis_client, how):
    openid = gone_member(db)
    text = wire.reply(fill(FOLLOWS[how], openid))["Content"]
    assert text == content.text("welcome.follow_member", name=find_member_by_openid(db, openid)["name"])  # by name
    assert find_member_by_openid(db, openid)["reachable"] == 1
    assert redis_state.service_window_messages_left(redis_client, openid) > 0


@pytest.mark.parametrize("how", SCANS)
def test_a_scan_of_any_kind_says_hello_and_opens_the_window(wire, db, redis_client, how):
    openid = gone_member(db)
    text = wire.reply(fill(SCANS[how], openid))["Content"]
    assert text == content.text("welcome.scan")
    assert find_member_by_openid(db, openid)["reachable"] == 1
    assert redis_state.service_window_messages_left(redis_client, openid) > 0
