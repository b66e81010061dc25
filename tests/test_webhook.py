"""`/wechat` as WeChat and a member see it: signatures, modes, every message type, bad input,
retries (also across processes), one member's concurrent messages, the 5-second deadline.

Messages are built, signed and encrypted with `tests/wechat_reference.py`, an
implementation of the platform's spec that shares no code with wechatpy.
"""
from __future__ import annotations

import base64
import dataclasses
import io
import itertools
import os
import re
import socket
import subprocess
import sys
import threading
import time
import xml.etree.ElementTree as ET
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass

import pytest
import redis
import requests
from rq import Queue

import handlers.tickets.feedback
from bot import content
from bot.app import create_app
from bot.config import PROJECT_ROOT, load_config
from bot.messages import Article, Reply
from bot.outbound import QUEUE_NAME
from bot.registry import INTENT_HANDLERS, MENU_HANDLERS
from storage.redis_server import ensure_private_redis, stop_private_redis
from storage.state import connect_redis
from tests import wechat_reference as ref
from tests.member import menu_click_keys

ACCOUNT_ID = "gh_society000001"  # ToUserName: the official account's original id
_msg_ids = itertools.count(int(time.time() * 1000) * 1000)
_openids = itertools.count(1)


def new_msg_id() -> str:
    return str(next(_msg_ids))


def new_member() -> str:
    return f"oMember_{os.getpid()}_{next(_openids):06d}"


# --- building messages ---------------------------------------------------------

def _element(name: str, value) -> str:
    if isinstance(value, int):
        return f"<{name}>{value}</{name}>"
    # WeChat splits a `]]>` in member text over two CDATA sections.
    return f"<{name}><![CDATA[{str(value).replace(']]>', ']]]]><![CDATA[>')}]]></{name}>"


def message_xml(openid: str, msg_type: str, create_time: int | None = None, **fields) -> str:
    """A member's message as WeChat sends it; `fields` in WeChat's own names, None drops one."""
    head = {"ToUserName": ACCOUNT_ID, "FromUserName": openid,
            "CreateTime": int(time.time()) if create_time is None else create_time, "MsgType": msg_type}
    parts = {**head, **fields}
    return "<xml>" + "".join(_element(k, v) for k, v in parts.items() if v is not None) + "</xml>"


def text_xml(openid: str, text: str, msg_id: str | None = None) -> str:
    return message_xml(openid, "text", Content=text, MsgId=msg_id or new_msg_id())


def media_xml(openid: str, msg_type: str, **fields) -> str:
    return message_xml(openid, msg_type, **fields, MsgId=new_msg_id())


def event_xml(openid: str, event: str, key: str | None = None, create_time: int | None = None,
              **fields) -> str:
    return message_xml(openid, "event", create_time, Event=event, EventKey=key, **fields)


# --- talking to the webhook ------------------------------------------------------

def check_never_crashes(status: int, body: bytes) -> None:
    assert status != 500, body[:500]
    assert b"Traceback" not in body


def reply_fields(xml: bytes | str) -> dict:
    """The passive reply, parsed the way WeChat would: must be well-formed with an <xml> root."""
    root = ET.fromstring(xml)
    assert root.tag == "xml"
    return {child.tag: (child.text or "") for child in root}


@dataclass
class Wire:
    """WeChat's side of the webhook: signs, encrypts and posts, then opens the reply."""
    client: object
    account: ref.Account

    def post(self, body: bytes | str, query: dict | None = None, **kwargs):
        data = body.encode("utf-8") if isinstance(body, str) else body
        response = self.client.post("/wechat", query_string=query or self.account.signed_query(),
                                    data=data, content_type="text/xml", **kwargs)
        check_never_crashes(response.status_code, response.data)
        return response

    def send(self, xml: str):
        """Plaintext mode; returns the response after checking it is 200."""
        response = self.post(xml)
        assert response.status_code == 200, response.data
        return response

    def reply(self, xml: str) -> dict:
        return reply_fields(self.send(xml).data)

    def say(self, openid: str, text: str, msg_id: str | None = None) -> str:
        """What the member sees after typing `text`."""
        fields = self.reply(text_xml(openid, text, msg_id))
        assert fields["MsgType"] == "text"
        assert (fields["ToUserName"], fields["FromUserName"]) == (openid, ACCOUNT_ID)
        return fields["Content"]

    def click(self, openid: str, key: str) -> str:
        fields = self.reply(event_xml(openid, "CLICK", key))
        assert fields["MsgType"] == "text"
        return fields["Content"]

    def send_encrypted(self, xml: str, compatible: bool = False, **kwargs):
        """Safe mode (or compatible mode: plaintext fields too); returns (response, query)."""
        plain = xml.removeprefix("<xml>").removesuffix("</xml>") if compatible else ""
        query, body = self.account.encrypted_request(xml, ACCOUNT_ID, compatible=compatible,
                                                     plain_fields=plain, **kwargs)
        return self.post(body, query), query

    def open_encrypted_reply(self, response, query: dict) -> dict:
        assert response.status_code == 200, response.data
        xml = self.account.open_reply(response.get_data(as_text=True), query["timestamp"], query["nonce"])
        return reply_fields(xml)


@pytest.fixture
def account(config) -> ref.Account:
    return ref.Account(config.wechat_token, config.encoding_aes_key, config.app_id)


@pytest.fixture
def wire(client, account) -> Wire:
    return Wire(client, account)


def wire_with(env: dict, account: ref.Account, **settings: str) -> Wire:
    """A separate app with some settings changed (e.g. BOT_REPLY_BUDGET)."""
    application = create_app(load_config({**env, **settings}))
    application.testing = True
    return Wire(application.test_client(), account)


def tickets(db) -> list[dict]:
    return list(db["tickets"].rows)


def open_feedback(wire: Wire, openid: str) -> None:
    """Put the member at the feedback flow's "write your message" step, via the menu."""
    assert wire.click(openid, "MENU_FEEDBACK") == content.text("feedback.ask")


def ticket_numbers(text: str) -> list[str]:
    return re.findall(r"FK\d{12}", text)


def is_chinese(text: str) -> bool:
    return bool(re.search(r"[\u4e00-\u9fff]", text))


# --- the reference implementation against the published sample and wechatpy -------

def test_reference_verifies_and_decrypts_the_official_sample():
    sample = ref.OFFICIAL_SAMPLE
    assert ref.sha1_signature(sample["token"], sample["timestamp"], sample["nonce"],
                              sample["encrypt"]) == sample["msg_signature"]
    fields = reply_fields(ref.decrypt(sample["encoding_aes_key"], sample["app_id"], sample["encrypt"]))
    assert fields == sample["fields"]
    echo = sample["echo"]
    assert ref.sha1_signature(sample["token"], echo["timestamp"], echo["nonce"],
                              echo["echostr"]) == echo["msg_signature"]
    assert ref.decrypt(sample["encoding_aes_key"], sample["app_id"], echo["echostr"]).isdigit()
    with pytest.raises(ref.SpecViolation):
        ref.decrypt(sample["encoding_aes_key"], "wx0000000000000000", sample["encrypt"])


def test_reference_reencrypts_the_official_sample_byte_for_byte():
    """With the sample's own 16 random bytes, encryption must give the published ciphertext."""
    sample = ref.OFFICIAL_SAMPLE
    key = ref.aes_key(sample["encoding_aes_key"])
    plaintext = ref.aes_decrypt_raw(key, base64.b64decode(sample["encrypt"]))
    xml = ref.decrypt(sample["encoding_aes_key"], sample["app_id"], sample["encrypt"])
    again = ref.encrypt(sample["encoding_aes_key"], sample["app_id"], xml, random_prefix=plaintext[:16])
    assert again == sample["encrypt"]
    assert len(base64.b64decode(again)) % ref.BLOCK_SIZE == 0


def _forged(account: ref.Account, padding: str) -> str:
    """A well-signed ciphertext of a valid message whose padding is broken."""
    framed = ref.frame(text_xml(new_member(), "帮助"), account.app_id)
    return ref.encrypt(account.encoding_aes_key, account.app_id, "", padded=ref.pad_badly(framed, padding))


FIXED_PREFIX = "0123456789abcdef"
FIXED_XML = "<xml><Content><![CDATA[学会 ]]]]><![CDATA[> & <b>]]></Content></xml>"


def test_reference_and_wechatpy_agree_byte_for_byte(monkeypatch, account):
    """Same inputs, fixed random prefix: the bot's library and the spec give identical envelopes."""
    from wechatpy.crypto import PrpCrypto, WeChatCrypto

    monkeypatch.setattr(PrpCrypto, "get_random_string", lambda self: FIXED_PREFIX)
    sealed = WeChatCrypto(account.token, account.encoding_aes_key, account.app_id).encrypt_message(
        FIXED_XML, "nonce42", "1700000000")
    ours = ref.encrypt(account.encoding_aes_key, account.app_id, FIXED_XML, FIXED_PREFIX.encode())
    fields = reply_fields(sealed)
    assert fields["Encrypt"] == ours
    assert fields["MsgSignature"] == ref.sha1_signature(account.token, "1700000000", "nonce42", ours)
    assert account.open_reply(sealed, "1700000000", "nonce42") == FIXED_XML


@pytest.mark.parametrize("kind", ref.BAD_PADDINGS)
def test_reference_refuses_bad_padding(account, kind):
    forged = _forged(account, kind)
    with pytest.raises(ref.SpecViolation, match="padding"):
        ref.decrypt(account.encoding_aes_key, account.app_id, forged)


# --- GET: server verification ----------------------------------------------------

def test_get_with_right_signature_answers_echostr_exactly(client, account):
    query = {**account.signed_query(), "echostr": "7153021659185498172"}
    response = client.get("/wechat", query_string=query)
    assert response.status_code == 200
    assert response.data == b"7153021659185498172"


def _without(query: dict, name: str) -> dict:
    return {k: v for k, v in query.items() if k != name}


@pytest.mark.parametrize("spoil", [
    lambda q: {**q, "signature": "0" * 40},
    lambda q: {**q, "nonce": q["nonce"] + "1"},
    lambda q: {**q, "timestamp": "notanumber"},
    lambda q: _without(q, "signature"),
    lambda q: _without(q, "timestamp"),
    lambda q: _without(q, "nonce"),
    lambda q: {},
], ids=["bad-signature", "nonce-changed", "timestamp-not-number", "no-signature", "no-timestamp",
        "no-nonce", "nothing"])
def test_get_refused_without_a_valid_signature(client, account, spoil):
    query = spoil({**account.signed_query(), "echostr": "hello"})
    response = client.get("/wechat", query_string=query)
    assert response.status_code == 403
    assert b"hello" not in response.data


@pytest.mark.parametrize("age, status", [(290, 200), (301, 403), (-301, 403), (3600, 403)])
def test_get_replay_window_is_300_seconds(client, account, age, status):
    query = {**account.signed_query(int(time.time()) - age), "echostr": "e"}
    assert client.get("/wechat", query_string=query).status_code == status


def test_replay_window_comes_from_bot_replay_window(env, account):
    wire = wire_with(env, account, BOT_REPLAY_WINDOW="30")
    for age, status in [(20, 200), (60, 403)]:
        query = {**account.signed_query(int(time.time()) - age), "echostr": "e"}
        assert wire.client.get("/wechat", query_string=query).status_code == status
    stale = account.signed_query(int(time.time()) - 60)
    assert wire.post(text_xml(new_member(), "帮助"), stale).status_code == 403


# --- POST: plaintext, compatible and safe mode -----------------------------------

def test_plaintext_message_gets_a_plaintext_reply(wire):
    member = new_member()
    fields = wire.reply(text_xml(member, "帮助"))
    assert fields["MsgType"] == "text"
    assert (fields["ToUserName"], fields["FromUserName"]) == (member, ACCOUNT_ID)
    assert fields["Content"] == content.text("help.text")
    assert abs(int(fields["CreateTime"]) - time.time()) < 60


def test_post_with_bad_signature_is_refused(wire, db, redis_client):
    query = {**wire.account.signed_query(), "signature": "f" * 40}
    assert wire.post(text_xml(new_member(), "帮助"), query).status_code == 403
    assert redis_client.keys("xh:*") == []


@pytest.mark.parametrize("compatible", [False, True], ids=["safe", "compatible"])
def test_encrypted_message_gets_an_encrypted_reply(wire, compatible):
    member = new_member()
    response, query = wire.send_encrypted(text_xml(member, "帮助"), compatible=compatible)
    assert b"<Content>" not in response.data and "帮助".encode() not in response.data
    fields = wire.open_encrypted_reply(response, query)
    assert fields["MsgType"] == "text"
    assert (fields["ToUserName"], fields["FromUserName"]) == (member, ACCOUNT_ID)
    assert fields["Content"] == content.text("help.text")


def test_encrypted_flow_across_messages(wire, db):
    """A whole feedback submission in safe mode: the ticket exists and the encrypted reply names it."""
    member = new_member()
    response, query = wire.send_encrypted(event_xml(member, "CLICK", "MENU_FEEDBACK"))
    assert wire.open_encrypted_reply(response, query)["Content"] == content.text("feedback.ask")
    response, query = wire.send_encrypted(text_xml(member, "会员证补办流程太复杂，希望简化"))
    done = wire.open_encrypted_reply(response, query)["Content"]
    [row] = tickets(db)
    assert row["openid"] == member and row["body"] == "会员证补办流程太复杂，希望简化"
    assert done == content.text("feedback.done", ticket_no=row["ticket_no"])


def test_encrypted_message_with_wrong_msg_signature_is_refused(wire, redis_client):
    xml = text_xml(new_member(), "帮助")
    query, body = wire.account.encrypted_request(xml, ACCOUNT_ID)
    query["msg_signature"] = ref.sha1_signature("othertoken", query["timestamp"], query["nonce"], "x")
    assert wire.post(body, query).status_code == 403
    assert redis_client.keys("xh:*") == []


def test_encrypted_message_for_another_app_id_is_refused(wire, redis_client):
    response, _ = wire.send_encrypted(text_xml(new_member(), "帮助"), app_id="wx9999999999999999")
    assert response.status_code == 403
    assert redis_client.keys("xh:*") == []


CORRUPT_PAYLOADS = {
    "not-base64": lambda account: "%%% not base64 %%%",
    "bad-base64-length": lambda account: "QUJD" + "A",
    "not-whole-blocks": lambda account: base64.b64encode(b"x" * 20).decode(),
    **{f"padding-{kind}": (lambda account, kind=kind: _forged(account, kind)) for kind in ref.BAD_PADDINGS},
    "garbage-blocks": lambda account: base64.b64encode(b"\xff" * 64).decode(),
}


@pytest.mark.parametrize("make", CORRUPT_PAYLOADS.values(), ids=CORRUPT_PAYLOADS.keys())
def test_corrupt_encrypted_payload_is_400(wire, redis_client, make):
    response, _ = wire.send_encrypted("", encrypted=make(wire.account))
    assert response.status_code == 400
    assert redis_client.keys("xh:*") == []


def test_aes_mode_without_encrypt_element_is_400(wire, redis_client):
    query, _ = wire.account.encrypted_request(text_xml(new_member(), "帮助"), ACCOUNT_ID)
    assert wire.post(text_xml(new_member(), "帮助"), query).status_code == 400
    assert redis_client.keys("xh:*") == []


# --- every message type and event ------------------------------------------------

MEDIA = {
    "image": ({"PicUrl": "http://mmbiz.qpic.cn/x.jpg", "MediaId": "m1"}, "media.image"),
    "voice-unrecognised": ({"MediaId": "m2", "Format": "amr"}, "media.voice"),
    "video": ({"MediaId": "m3", "ThumbMediaId": "t3"}, "media.video"),
    "location": ({"Location_X": "34.7466", "Location_Y": "113.6254", "Scale": 15, "Label": "郑州市金水区"},
                 "media.location"),
    "link": ({"Title": "学会章程", "Description": "全文", "Url": "https://www.example.org/a"}, "media.link"),
}


@pytest.mark.parametrize("kind", MEDIA.keys())
def test_media_messages_get_a_polite_reply(wire, kind):
    fields, key = MEDIA[kind]
    msg_type = kind.split("-")[0]
    assert wire.reply(media_xml(new_member(), msg_type, **fields))["Content"] == content.text(key)


def test_shortvideo_gets_a_polite_reply(wire):
    text = wire.reply(media_xml(new_member(), "shortvideo", MediaId="m4", ThumbMediaId="t4"))["Content"]
    assert is_chinese(text) and "文字" in text


def test_voice_recognition_is_routed_like_text(wire, redis_client):
    member = new_member()
    fields = wire.reply(media_xml(member, "voice", MediaId="m5", Format="amr", Recognition="我要提建议"))
    assert fields["Content"] == content.text("feedback.ask")
    assert redis_client.exists(f"xh:flow:{member}")


def test_follow_gets_the_welcome_with_the_menu(wire):
    text = wire.reply(event_xml(new_member(), "subscribe", ""))["Content"]
    assert text == content.text("welcome.follow")
    assert content.text("menu.capabilities") in text


def test_wechatpy_trap_qr_follow_gets_the_welcome(wire):
    """wechatpy parses a follow from a poster's QR code as `subscribe_scan`: greet it all the same."""
    xml = event_xml(new_member(), "subscribe", "qrscene_123", Ticket="gQH47joAAAAAAAAAASxodHRwOi8v")
    text = wire.reply(xml)["Content"]
    assert text == content.text("welcome.follow")
    assert content.text("menu.capabilities") in text


def test_rescan_gets_a_hello(wire):
    text = wire.reply(event_xml(new_member(), "SCAN", "123", Ticket="gQH47joAAAA"))["Content"]
    assert text == content.text("welcome.scan")


@pytest.mark.parametrize("event, key, fields", [
    ("unsubscribe", "", {}),
    ("LOCATION", None, {"Latitude": "34.7466", "Longitude": "113.6254", "Precision": "119.385"}),
    ("VIEW", "https://www.example.org/", {"MenuId": "4210"}),
    ("TEMPLATESENDJOBFINISH", None, {"MsgID": 200163836, "Status": "success"}),
    ("MASSSENDJOBFINISH", None, {"MsgID": 1000001625, "Status": "sendsuccess", "TotalCount": 100,
                                 "FilterCount": 100, "SentCount": 75, "ErrorCount": 25}),
], ids=["unsubscribe", "LOCATION", "VIEW", "TEMPLATESENDJOBFINISH", "MASSSENDJOBFINISH"])
def test_reports_and_links_are_acknowledged_with_success(wire, event, key, fields):
    response = wire.send(event_xml(new_member(), event, key, **fields))
    assert response.data in (b"success", b"")


def test_unsubscribe_ends_an_open_flow(wire, redis_client):
    member = new_member()
    open_feedback(wire, member)
    assert wire.send(event_xml(member, "unsubscribe")).data == b"success"
    assert not redis_client.exists(f"xh:flow:{member}")


@pytest.mark.parametrize("key", menu_click_keys())
def test_every_menu_click_gets_a_chinese_reply(wire, key):
    text = wire.click(new_member(), key)
    assert text.strip() and is_chinese(text)
    assert text != content.text("error.text")


def test_unknown_future_event_is_harmless(wire):
    response = wire.send(event_xml(new_member(), "user_future_thing", "k", Extra="1"))
    assert response.data in (b"success", b"") or is_chinese(reply_fields(response.data)["Content"])


def test_unknown_message_type_gets_a_polite_reply(wire):
    response = wire.send(media_xml(new_member(), "miniprogrampage", Title="小程序", AppId="wxapp"))
    assert response.data in (b"success", b"") or is_chinese(reply_fields(response.data)["Content"])


# --- bad input: refused, nothing stored ------------------------------------------

VALID = text_xml("oIntruder", "我要提建议：这是一条不该被保存的消息", "1234567890")
BAD_BODIES = {
    "not-xml": b"hello, this is not xml",
    "empty": b"",
    "truncated": VALID[:-20].encode(),
    "no-xml-root": VALID.replace("<xml>", "<message>").replace("</xml>", "</message>").encode(),
    "two-roots": (VALID + VALID).encode(),
    "no-from-user": message_xml(None, "text", Content="帮助", MsgId="1").encode(),
    "no-msg-type": message_xml("oIntruder", None, Content="帮助", MsgId="1").encode(),
    "create-time-not-number": message_xml("oIntruder", "text", "yesterday", Content="帮助", MsgId="1").encode(),
    "msg-id-not-number": message_xml("oIntruder", "text", Content="帮助", MsgId="abc").encode(),
    "msg-id-twice": VALID.replace("</xml>", "<MsgId>99</MsgId></xml>").encode(),
    "invalid-utf8": VALID.encode().replace("这是".encode(), b"\xff\xfe\xc0"),
    "control-characters": VALID.replace("这是", "\x01\x02\x1b").encode(),
    "billion-laughs": ('<?xml version="1.0"?><!DOCTYPE xml [<!ENTITY a "哈哈哈哈哈哈哈哈哈哈">'
                       + "".join(f'<!ENTITY {b} "{("&" + a + ";") * 10}">' for a, b in zip("abcdefgh", "bcdefghi"))
                       + "]>" + VALID.replace("这是", "&i;")).encode(),
    "external-entity": ('<?xml version="1.0"?><!DOCTYPE xml [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
                        + VALID.replace("这是", "&xxe;")).encode(),
    "lowercase-doctype": b'<!doctype xml [<!entity x "y">]>' + VALID.encode(),
}


@pytest.mark.parametrize("body", BAD_BODIES.values(), ids=BAD_BODIES.keys())
def test_bad_body_is_400_and_nothing_is_stored(wire, db, redis_client, body):
    response = wire.post(body)
    assert response.status_code == 400
    assert b"root:" not in response.data
    assert tickets(db) == []
    assert redis_client.keys("xh:*") == []


@pytest.mark.parametrize("name", ["billion-laughs", "external-entity", "not-xml"])
def test_bad_body_inside_safe_mode_is_400(wire, redis_client, name):
    response, _ = wire.send_encrypted(BAD_BODIES[name].decode())
    assert response.status_code == 400
    assert redis_client.keys("xh:*") == []


def oversized_text(openid: str) -> bytes:
    return text_xml(openid, "长" * 30_000).encode()  # 90 KB of UTF-8


def test_body_over_64_kib_is_413(wire, db, redis_client):
    body = oversized_text(new_member())
    assert len(body) > 64 * 1024
    assert wire.post(body).status_code == 413
    assert tickets(db) == [] and redis_client.keys("xh:*") == []


def test_chunked_body_over_64_kib_is_413(wire, redis_client):
    """No Content-Length (chunked transfer): the cap still holds while reading."""
    response = wire.client.post("/wechat", query_string=wire.account.signed_query(),
                                input_stream=io.BytesIO(oversized_text(new_member())),
                                headers={"Transfer-Encoding": "chunked", "Content-Type": "text/xml"},
                                environ_overrides={"wsgi.input_terminated": True})
    check_never_crashes(response.status_code, response.data)
    assert response.status_code == 413
    assert redis_client.keys("xh:*") == []


# --- the `]]>` trap --------------------------------------------------------------

TRICKY = "我要提建议：会讯网页里显示]]>和<b>&amp;这样的乱码，]]]>请尽快修复"


@pytest.mark.parametrize("safe_mode", [False, True], ids=["plaintext", "safe"])
def test_wechatpy_trap_cdata_end_in_echoed_text(wire, safe_mode):
    """The confirm step quotes the member's text: `]]>`, `<b>` and `&` must come back intact."""
    member = new_member()
    xml = text_xml(member, TRICKY)
    if safe_mode:
        fields = wire.open_encrypted_reply(*wire.send_encrypted(xml))
    else:
        fields = wire.reply(xml)  # parses only if the reply is well-formed
    assert TRICKY in fields["Content"]
    assert fields["Content"] == content.text("feedback.confirm_draft", body=TRICKY)


def test_tricky_text_is_stored_exactly(wire, db):
    member = new_member()
    wire.say(member, TRICKY)
    done = wire.say(member, "确认")
    [row] = tickets(db)
    assert row["body"] == TRICKY
    assert ticket_numbers(done) == [row["ticket_no"]]


# --- retries ---------------------------------------------------------------------

def test_retry_of_a_message_gets_the_same_reply_and_one_ticket(wire, db):
    member = new_member()
    open_feedback(wire, member)
    retried = text_xml(member, "希望年会的报名时间能再延长一周")
    first = wire.send(retried).data
    again = wire.send(retried).data
    third = wire.send(retried).data
    assert first == again == third
    [row] = tickets(db)
    assert ticket_numbers(reply_fields(first)["Content"]) == [row["ticket_no"]]


def test_retry_in_safe_mode_decrypts_to_the_same_reply(wire, db):
    member = new_member()
    open_feedback(wire, member)
    retried = text_xml(member, "希望年会的报名时间能再延长一周")
    replies = [wire.open_encrypted_reply(*wire.send_encrypted(retried)) for _ in range(2)]
    assert replies[0] == replies[1]
    assert len(tickets(db)) == 1


def counting(monkeypatch, key: str) -> list:
    """Wrap a menu handler so the test sees how often it really ran."""
    calls = []
    original = MENU_HANDLERS[key]

    def counted(ctx):
        calls.append(ctx.message.retry_key)
        return original(ctx)

    monkeypatch.setitem(MENU_HANDLERS, key, counted)
    return calls


def test_retry_of_an_event_runs_the_handler_once(wire, monkeypatch):
    calls = counting(monkeypatch, "MENU_HUMAN")
    member = new_member()
    sent_at = int(time.time()) - 5
    click = event_xml(member, "CLICK", "MENU_HUMAN", create_time=sent_at)
    first, again = wire.send(click).data, wire.send(click).data
    assert first == again
    assert reply_fields(first)["Content"].startswith(content.text("human.text"))
    assert len(calls) == 1
    # A new click (another CreateTime, or another key) is not a retry.
    wire.send(event_xml(member, "CLICK", "MENU_HUMAN", create_time=sent_at + 1))
    assert len(calls) == 2


def test_event_retry_key_includes_the_event_key(wire, monkeypatch):
    calls = counting(monkeypatch, "MENU_HELP")
    member, sent_at = new_member(), int(time.time())
    wire.send(event_xml(member, "CLICK", "MENU_HELP", create_time=sent_at))
    other = reply_fields(wire.send(event_xml(member, "CLICK", "MENU_HUMAN", create_time=sent_at)).data)
    assert len(calls) == 1
    assert other["Content"].startswith(content.text("human.text"))


def slow_tickets(monkeypatch, seconds: float) -> None:
    original = handlers.tickets.feedback.create_ticket

    def slow(*args, **kwargs):
        time.sleep(seconds)
        return original(*args, **kwargs)

    monkeypatch.setattr(handlers.tickets.feedback, "create_ticket", slow)


def test_retry_while_the_first_is_still_processing(app, wire, db, monkeypatch):
    member = new_member()
    open_feedback(wire, member)
    slow_tickets(monkeypatch, 1.0)
    retried = text_xml(member, "建议秘书处增加线上缴费的方式")
    other = Wire(app.test_client(), wire.account)
    with ThreadPoolExecutor(2) as pool:
        first = pool.submit(wire.send, retried)
        time.sleep(0.3)  # the retry arrives while the first is inside the slow handler
        again = pool.submit(other.send, retried)
        bodies = [first.result().data, again.result().data]
    assert bodies[0] == bodies[1]
    [row] = tickets(db)
    assert ticket_numbers(reply_fields(bodies[0])["Content"]) == [row["ticket_no"]]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_until_serving(url: str, account: ref.Account, proc: subprocess.Popen, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert proc.poll() is None, proc.stdout.read() if proc.stdout else "server exited"
        try:
            if requests.get(url, params={**account.signed_query(), "echostr": "up"}, timeout=5).text == "up":
                return
        except requests.RequestException:  # not listening yet, or a worker still booting
            pass
        time.sleep(0.1)
    raise AssertionError(f"{url} did not start")


@pytest.fixture
def servers(env, account):
    """Two gunicorn servers of two worker processes each, sharing the test's Redis and SQLite
    (preloaded, as deploy/systemd/xuehui-web.service runs them)."""
    proc_env = {**os.environ, **env, "BOT_ENV": "production", "PYTHONUNBUFFERED": "1"}
    started = []
    for _ in range(2):
        port = free_port()
        proc = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "-w", "2", "--preload", "-b", f"127.0.0.1:{port}", "--timeout", "30",
             "bot.wsgi:app"],
            env=proc_env, cwd=PROJECT_ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        started.append((f"http://127.0.0.1:{port}/wechat", proc))
    try:
        for url, proc in started:
            wait_until_serving(url, account, proc, timeout=120)  # start-up is not what is tested; shared cores
        yield [url for url, _ in started]
    finally:
        for _, proc in started:
            proc.terminate()
        for _, proc in started:
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


def http_post(url: str, account: ref.Account, body: bytes) -> requests.Response:
    response = requests.post(url, params=account.signed_query(), data=body,
                             headers={"Content-Type": "text/xml"}, timeout=10)
    check_never_crashes(response.status_code, response.content)
    return response


def test_retry_across_processes_gives_one_ticket(servers, wire, db, account):
    member = new_member()
    open_feedback(wire, member)
    # Each worker process answers something once first, so no one pays for loading the router.
    with ThreadPoolExecutor(8) as pool:
        list(pool.map(lambda url: http_post(url, account, text_xml(new_member(), "帮助").encode()),
                      servers * 4))
    body = text_xml(member, "建议每月的学术沙龙提前两周发布通知").encode()
    start = threading.Barrier(6)

    def fire(url):
        start.wait()
        return http_post(url, account, body)

    with ThreadPoolExecutor(6) as pool:
        responses = list(pool.map(fire, servers * 3))
    assert [r.status_code for r in responses] == [200] * 6
    assert len({r.content for r in responses}) == 1
    [row] = tickets(db)
    assert row["body"] == "建议每月的学术沙龙提前两周发布通知"
    assert ticket_numbers(reply_fields(responses[0].content)["Content"]) == [row["ticket_no"]]


def test_chunked_body_over_64_kib_is_413_over_real_http(servers, account, redis_client):
    def chunks():
        body = oversized_text(new_member())
        for start in range(0, len(body), 8192):
            yield body[start:start + 8192]

    response = requests.post(servers[0], params=account.signed_query(), data=chunks(),
                             headers={"Content-Type": "text/xml"}, timeout=10)
    assert response.status_code == 413
    response = requests.post(servers[1], params=account.signed_query(), data=oversized_text(new_member()),
                             headers={"Content-Type": "text/xml"}, timeout=10)
    assert response.status_code == 413
    assert redis_client.keys("xh:*") == []


# --- one member, two messages at once ---------------------------------------------

def test_two_answers_at_once_make_one_ticket(app, wire, db, monkeypatch):
    member = new_member()
    open_feedback(wire, member)
    slow_tickets(monkeypatch, 0.5)
    answers = ["第一条：希望会员证可以做成电子版", "第二条：希望活动签到可以用扫码"]
    wires = [wire, Wire(app.test_client(), wire.account)]
    with ThreadPoolExecutor(2) as pool:
        replies = list(pool.map(lambda pair: pair[0].say(member, pair[1]), zip(wires, answers)))
    [row] = tickets(db)
    assert row["body"] in answers
    done = content.text("feedback.done", ticket_no=row["ticket_no"])
    assert replies.count(done) == 1
    [other] = [r for r in replies if r != done]
    # The other message waited its turn (next step: a new draft to confirm) or was told to wait.
    assert other != content.text("error.text")
    assert not ticket_numbers(other)
    assert is_chinese(other)


# --- the 5-second deadline -------------------------------------------------------

def _late_reply_job(env, account, redis_client, monkeypatch, reply: Reply):
    """Make the help menu slow; return the outbound job its late reply became."""
    wire = wire_with(env, account, BOT_REPLY_BUDGET="0.5")

    def slow_help(ctx):
        time.sleep(1.5)
        return reply

    monkeypatch.setitem(MENU_HANDLERS, "MENU_HELP", slow_help)
    member = new_member()
    started = time.monotonic()
    text = wire.click(member, "MENU_HELP")
    assert time.monotonic() - started < 2.0
    assert text == content.text("deadline.later")
    queue = Queue(QUEUE_NAME, connection=redis_client)
    deadline = time.monotonic() + 5
    while queue.count == 0 and time.monotonic() < deadline:
        time.sleep(0.05)
    [job] = queue.jobs
    return member, job


def test_slow_handler_answers_in_time_and_sends_the_reply_later(env, account, redis_client, monkeypatch):
    member, job = _late_reply_job(env, account, redis_client, monkeypatch, Reply(text="迟到的帮助信息"))
    assert job.args == (member, "text", "迟到的帮助信息")


def test_a_late_article_card_is_sent_later_too(env, account, redis_client, monkeypatch):
    card = Article(title="年会通知", description="报名开始", url="https://www.example.org/n/1")
    member, job = _late_reply_job(env, account, redis_client, monkeypatch, Reply(articles=(card,)))
    assert job.args[:2] == (member, "articles")
    assert job.args[2][0]["title"] == "年会通知" and job.args[2][0]["url"] == card.url


def test_a_retry_of_a_late_message_is_told_the_same_and_nothing_twice(env, account, redis_client, monkeypatch):
    """The handler that finished after the deadline does not replace what WeChat was told:
    its reply goes by customer-service message only, so a retry cannot deliver it again."""
    wire = wire_with(env, account, BOT_REPLY_BUDGET="0.5")

    def slow_help(ctx):
        time.sleep(1.0)
        return Reply(text="迟到的帮助信息")

    monkeypatch.setitem(INTENT_HANDLERS, "help", slow_help)
    member = new_member()
    first = wire.say(member, "帮助", msg_id="8100000000000000001")
    assert first == content.text("deadline.later")
    queue = Queue(QUEUE_NAME, connection=redis_client)
    deadline = time.monotonic() + 5
    while queue.count == 0 and time.monotonic() < deadline:  # the handler has finished
        time.sleep(0.05)
    assert wire.say(member, "帮助", msg_id="8100000000000000001") == first
    assert [job.args for job in queue.jobs] == [(member, "text", "迟到的帮助信息")]


def test_a_late_answer_is_in_time_while_redis_stalls(env, account, monkeypatch, tmp_path):
    """Redis stops answering (CLIENT PAUSE) while a slow handler runs on the production budget
    (4 s): the late answer's save for retries may not wait Redis's 2-second timeout (6 s in all,
    past WeChat's 5 and its "该公众号暂时无法提供服务"). A retry after Redis is back is told the
    same, and the late reply goes once, by customer-service message."""
    url, _ = ensure_private_redis(tmp_path / "stalling")  # its own server: a pause stalls no other test
    try:
        stalling = redis.Redis.from_url(url)
        wire = wire_with({**env, "REDIS_URL": url}, account)

        def slow_help(ctx):
            stalling.execute_command("CLIENT", "PAUSE", 6000, "ALL")  # the late save would wait till 6 s
            time.sleep(4.5)
            return Reply(text="迟到的帮助信息")

        monkeypatch.setitem(INTENT_HANDLERS, "help", slow_help)
        member = new_member()
        started = time.monotonic()
        first = wire.say(member, "帮助", msg_id="8100000000000000002")
        assert time.monotonic() - started < 5.0
        assert first == content.text("deadline.later")
        queue = Queue(QUEUE_NAME, connection=stalling)
        deadline = time.monotonic() + 10
        while queue.count == 0 and time.monotonic() < deadline:  # Redis is back, the handler finished
            time.sleep(0.05)
        assert wire.say(member, "帮助", msg_id="8100000000000000002") == first
        assert [job.args for job in queue.jobs] == [(member, "text", "迟到的帮助信息")]
    finally:
        stop_private_redis(tmp_path / "stalling")


def test_a_late_reply_that_finds_redis_down_goes_when_the_member_next_writes(env, account, db, monkeypatch, tmp_path):
    """Redis goes away while a slow handler runs: its late reply cannot be queued for customer service.
    It is kept in the member store and goes out as soon as the member writes again, not lost."""
    lost = tmp_path / "lost"
    url, _ = ensure_private_redis(lost)
    try:
        wire = wire_with({**env, "REDIS_URL": url}, account, BOT_REPLY_BUDGET="0.5")

        def slow_help(ctx):
            time.sleep(1.0)
            stop_private_redis(lost)
            return Reply(text="迟到的帮助信息")

        monkeypatch.setitem(MENU_HANDLERS, "MENU_HELP", slow_help)
        member = new_member()
        assert wire.click(member, "MENU_HELP") == content.text("deadline.later")
        deadline = time.monotonic() + 10
        while not db["notices"].count and time.monotonic() < deadline:  # the handler has finished
            time.sleep(0.1)
        ensure_private_redis(lost)
        back = redis.Redis.from_url(url)
        back.delete(*back.keys("xh:lock:*"))  # the member's turn Redis kept from before: lapsed by the next message
        wire.say(member, "你好")
        queue = Queue(QUEUE_NAME, connection=back)
        assert [job.args[1:3] for job in queue.jobs] == [(member, "迟到的帮助信息")]
    finally:
        stop_private_redis(lost)


def test_a_reply_done_just_past_the_budget_is_queued_outside_the_answer(env, account, monkeypatch, tmp_path):
    """The handler finishes between the budget's end and the webhook's turning to the late answer
    (forced here: the wait for it gives up only once it is done), while Redis stalls: queueing its
    reply for customer service must not hold up the HTTP answer past WeChat's 5 seconds."""
    url, _ = ensure_private_redis(tmp_path / "stalling")
    try:
        stalling = redis.Redis.from_url(url)
        wire = wire_with({**env, "REDIS_URL": url}, account)
        services = wire.client.application.extensions["services"]
        submit = services.pool.submit

        def finished_as_the_budget_ends(*args, **kwargs):
            future = submit(*args, **kwargs)
            result = future.result

            def result_after_the_budget(timeout=None):
                result()  # done: the callback added now runs in the request thread
                future.result = result
                raise FutureTimeout

            future.result = result_after_the_budget
            return future

        monkeypatch.setattr(services.pool, "submit", finished_as_the_budget_ends)

        def slow_help(ctx):
            stalling.execute_command("CLIENT", "PAUSE", 6000, "ALL")
            time.sleep(1.5)  # then end_message waits out its 2 s, till 3.5 s
            return Reply(text="迟到的帮助信息")

        monkeypatch.setitem(INTENT_HANDLERS, "help", slow_help)
        started = time.monotonic()
        assert wire.say(new_member(), "帮助", msg_id="8100000000000000003") == content.text("deadline.later")
        assert time.monotonic() - started < 5.0
    finally:
        stop_private_redis(tmp_path / "stalling")


# --- Redis away -----------------------------------------------------------------

def test_without_redis_a_member_still_gets_a_polite_reply(app, wire, config):
    """Redis went away after start-up: answer statelessly with the help text, well within 5 s."""
    dead = dataclasses.replace(config, redis_url=f"redis://127.0.0.1:{free_port()}")
    app.extensions["services"].redis = connect_redis(dead)  # the client production builds
    with pytest.raises(redis.ConnectionError):
        app.extensions["services"].redis.ping()
    started = time.monotonic()
    assert wire.say(new_member(), "我要交会费") == content.text("help.text")
    assert time.monotonic() - started < 2.0


# --- install extras ---------------------------------------------------------------

def test_wechatpy_trap_install_extras():
    """Without a crypto backend even `import wechatpy` fails: the extra must be pinned."""
    pins = (PROJECT_ROOT / "requirements.txt").read_text().splitlines()
    assert "wechatpy[cryptography]==1.8.18" in [line.split("#")[0].strip() for line in pins]
    assert any(re.fullmatch(r"cryptography==[\d.]+", line.strip()) for line in pins)
    import wechatpy
    import wechatpy.crypto
    import wechatpy.crypto.cryptography  # the backend the bot relies on, not pycryptodome

    assert wechatpy.__version__ == "1.8.18"
    assert wechatpy.crypto.base.WeChatCipher is wechatpy.crypto.cryptography.WeChatCipher
