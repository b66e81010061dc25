"""Hostile input, property-based (hypothesis, bounded examples): whatever arrives, the bot answers
with the right 4xx or a polite reply, never a 500 or a traceback, and stores nothing it should not.

- the XML envelope (bot.wechat.open_message): any bytes, any tree of elements, any field values,
  in plaintext and in safe mode (random ciphertexts, random plaintexts inside valid encryption,
  forged lengths, other app ids); forged signatures and timestamps outside the replay window;
- the router: any text routes to a known intent with the slots of that intent;
- job search: any keywords, SQL and FTS5 syntax included;
- every flow: each step of every multi-turn form gets random member text (emoji, control and
  format characters, SQL and FTS syntax, 10,000 characters, in plaintext or safe mode) through
  the webhook: 200, a Chinese reply, never the error reply; and a form cancelled at any step
  leaves nothing behind;
- 10 MB bodies are refused after reading no more than the cap.

Already in tests/test_webhook.py and not repeated: XML bombs and external entities (also in safe
mode), invalid UTF-8 and C0 control characters in the body, bodies over 64 KiB (also chunked and
over real HTTP under gunicorn), a wrong msg_signature, a payload for another app id, corrupt
padding, and replays inside the window (retries answered once).
"""
from __future__ import annotations

import base64
import io
import itertools
import os
import struct
import tempfile
import time
from datetime import date
from urllib.parse import parse_qsl

import pytest
from hypothesis import HealthCheck, assume, example, given, settings
from hypothesis import strategies as st
from hypothesis.configuration import set_hypothesis_home_dir

from bot import clarify, content, webhook
from handlers.fees import dues
from handlers.fees.payments import record_payment
from handlers.jobs import board as job_board
from handlers.jobs import filters as job_filters
from bot.registry import FLOW_STEPS
from bot.router import INTENTS, TOPIC_INTENTS, TOPICS, route
from bot.wechat import WebhookError, open_message
from storage.awards import save_awards
from storage.fees import find_payer
from storage.members import insert_member
from storage.tickets import HUMAN, create_ticket
from tests import redis_state
from tests import wechat_reference as ref
from tests.job_board import post as post_job
from tests.test_events_chat import add_event
from tests.test_news_chat import post as post_news
from tests.test_signup import STUDENT_ANSWERS, UNIT_ANSWERS
from tests.test_webhook import (  # noqa: F401  (account, wire: fixtures)
    ACCOUNT_ID,
    Wire,
    account,
    check_never_crashes,
    is_chinese,
    reply_fields,
    text_xml,
    wire,
)

set_hypothesis_home_dir(os.path.join(tempfile.gettempdir(), "xh-hypothesis"))  # the tree stays clean
# Function-scoped fixtures (the app, its stores) are shared by the examples of one test on purpose:
# every example uses members of its own.
BOUNDED = dict(deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
_members = itertools.count(1)


def fresh_openid() -> str:
    return f"oHostile_{os.getpid()}_{next(_members):06d}"


# --- what members (and attackers) type -------------------------------------------------------------

def _xml_legal(ch: str) -> bool:
    """XML 1.0 allows these characters; anything else cannot reach the bot inside a message."""
    return ch in "\t\n\r" or " " <= ch <= "\ud7ff" or "\ue000" <= ch <= "\ufffd" or ch >= "\U00010000"


PIECES = [
    # the bot's own words, so that random text reaches real branches
    "入会", "会费", "招聘", "郑州", "洛阳", "算法", "取消", "确认", "不", "是", "1", "2", "3", "10", "全部", "订阅",
    "退订", "报名", "活动", "奖项", "会讯", "人工", "帮助", "我的诉求", "修改手机", "继续", "更多", "下一页",
    # SQL, FTS5, format strings, markup
    "'; DROP TABLE members; --", "\" OR 1=1 --", "NEAR(算法 郑州)", "算法* OR 化学*", "\"未闭合", "^材料:",
    "title:算法", "(", ")", "AND", "OR", "NOT", "-", "*", "%", "_", "\\", "{}", "{name}", "{0}", "%s", "%(x)s",
    "<xml>", "]]>", "<![CDATA[", "&amp;", "&#x0;", "null", "None", "NaN",
    # emoji, WeChat emoticons, zero-width, direction and variation marks, Traditional, full-width
    "😀", "👍🏻", "🇨🇳", "[微笑]", "[捂脸]", "\u200b", "\u200d", "\u202e", "\ufe0f", "\ufeff", "會費", "報名",
    "ＡＩ", "１２３", "²", "٣", "　", "\u3000", "\x85", "\x7f", "\x9f", "\t", "\n", "\r\n",
]
short_text = st.one_of(
    st.lists(st.sampled_from(PIECES), min_size=1, max_size=8).map("".join),
    st.lists(st.sampled_from(PIECES), min_size=1, max_size=6).map(" ".join),
    st.text(st.characters(codec="utf-8").filter(_xml_legal), max_size=60),
)
def _fits_the_body_cap(text: str, escaped_bytes: int = 30_000) -> str:
    """Trim to what still fits the 64 KiB webhook cap once put in XML (escaped, or in CDATA with
    each `]]>` split) and, in safe mode, encrypted (base64 adds a third); a longer body is refused
    with 413, which test_webhook.py covers."""
    from xml.sax.saxutils import escape

    def in_xml(value: str) -> int:
        return max(len(escape(value).encode()), len(value.replace("]]>", "]]]]><![CDATA[>").encode()))

    while in_xml(text) > escaped_bytes:
        text = text[: len(text) * 3 // 4]
    return text


member_text = st.one_of(
    short_text,
    st.builds(lambda piece, times: _fits_the_body_cap((piece * times)[:10_000]), st.sampled_from(PIECES + ["长"]),
              st.integers(1_000, 10_000)),  # up to 10,000 characters (30 KB of UTF-8)
)


# --- the XML envelope ---------------------------------------------------------------------------------

FIELD_NAMES = ["ToUserName", "FromUserName", "CreateTime", "MsgType", "Content", "MsgId", "MsgID", "Event",
               "EventKey", "Recognition", "Location_X", "Label", "Title", "Url", "Encrypt", "xml"]


def _cdata(text: str) -> str:
    return "<![CDATA[" + text.replace("]]>", "]]]]><![CDATA[>") + "]]>"


def escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


xml_value = st.one_of(
    st.sampled_from(["text", "event", "voice", "image", "link", "location", "subscribe", "CLICK", "SCAN",
                     "qrscene_", "qrscene_123", "12345", "-1", "0", "1e9", "", " "]),
    short_text.filter(lambda text: all(map(_xml_legal, text))),
)
xml_element = st.recursive(
    st.builds(lambda name, value, cdata: f"<{name}>{_cdata(value) if cdata else escape(value)}</{name}>",
              st.sampled_from(FIELD_NAMES), xml_value, st.booleans()),
    lambda children: st.builds(lambda name, kids: f"<{name}>{''.join(kids)}</{name}>",
                               st.sampled_from(FIELD_NAMES), st.lists(children, max_size=3)),
    max_leaves=12,
)


def _message_fields(values: dict) -> str:
    return "<xml>" + "".join(f"<{name}>{value}</{name}>" for name, value in values.items() if value is not None) + "</xml>"


# A real message with each field kept, dropped, replaced or nested: reaches deep into parsing.
mutated_message = st.fixed_dictionaries({
    name: st.one_of(st.just(_cdata(good)), st.none(), xml_value.map(_cdata), xml_element)
    for name, good in [("ToUserName", ACCOUNT_ID), ("FromUserName", "oMember"), ("CreateTime", "1700000000"),
                       ("MsgType", "text"), ("Content", "帮助"), ("MsgId", "1234567890"), ("Event", "CLICK"),
                       ("EventKey", "MENU_HELP")]
}).map(_message_fields)
envelope = st.one_of(
    st.binary(max_size=2_000),
    st.lists(xml_element, max_size=8).map(lambda kids: "<xml>" + "".join(kids) + "</xml>").map(str.encode),
    mutated_message.map(str.encode),
)


def opened(config, args, body: bytes):
    """open_message's verdict: ("message", Inbound) or ("refused", status)."""
    try:
        message, _ = open_message(config, args, body)
    except WebhookError as refused:
        return "refused", refused.status
    return "message", message


@settings(max_examples=400, **BOUNDED)
@given(body=envelope)
def test_any_signed_body_is_a_message_or_a_400(config, account, body):
    verdict, detail = opened(config, account.signed_query(), body)
    assert verdict == "message" or detail == 400
    if verdict == "message":
        assert detail.openid and detail.account and detail.kind


def as_received(text: str) -> str:
    """What the bot reads of a member's text: XML turns line ends into \\n, the parser trims the ends."""
    return text.replace("\r\n", "\n").replace("\r", "\n").strip()


def parser_reading(body: bytes) -> dict | None:
    """The flat envelope as the XML parser reads it (ElementTree over expat), None for another shape."""
    from xml.etree import ElementTree

    try:
        root = ElementTree.fromstring(body.decode("utf-8"))
    except (ElementTree.ParseError, UnicodeDecodeError):
        return None
    if root.tag != "xml" or root.attrib or not len(root) or (root.text and not root.text.isspace()):
        return None
    tags = [child.tag for child in root]
    if len(set(tags)) != len(tags) or any(len(child) or child.attrib or (child.tail and not child.tail.isspace())
                                          for child in root):
        return None
    return {child.tag: (child.text or "").strip() or None for child in root}


# Envelopes near what WeChat writes, with what an XML parser reads differently from the text: line
# ends, whitespace and text around the fields, repeated and nested fields, split CDATA, entities.
near_wechat_envelope = st.builds(
    lambda fields, gaps, head, tail: head + "".join(gap + field for gap, field in zip(gaps, fields)) + tail,
    st.lists(st.one_of(
        st.builds(lambda name, value: f"<{name}>{_cdata(value)}</{name}>", st.sampled_from(FIELD_NAMES), xml_value),
        st.builds(lambda name, value: f"<{name}>{value}</{name}>", st.sampled_from(FIELD_NAMES),
                  st.sampled_from(["1700000000", "", " 12 ", "a&amp;b", "a]b", "a>b", "x\r\ny", "&#13;", "]]>"])),
        xml_element, st.sampled_from(["<MsgId/>", "<!-- c -->", "<Content><![CDATA[a]]><![CDATA[b]]></Content>",
                                      "<Content><![CDATA[a]]>b]]></Content>", "<A x='1'>v</A>"])), max_size=8),
    st.lists(st.sampled_from(["", "", " ", "\n", "\t", "\r\n", "\u3000", "x"]), min_size=8, max_size=8),
    st.sampled_from(["<xml>"] * 6 + ["<xml>\n", " <xml>", "<?xml version='1.0'?><xml>", "\ufeff<xml>", "<xml a='1'>",
                     "<Xml>"]),
    st.sampled_from(["</xml>"] * 6 + ["</xml>\n", "</xml> \t", "</xml>x", "</xml><xml></xml>", "", "</Xml>"]))


@settings(max_examples=500, **BOUNDED)
@given(body=st.one_of(envelope, near_wechat_envelope.map(str.encode), mutated_message.map(str.encode)))
def test_the_envelope_reads_as_the_xml_parser_reads_it(body):
    """The envelope as WeChat writes it is read without an XML parser (bot.wechat._as_sent): the
    same fields as the parser reads, and every other envelope still goes to the parser."""
    from bot import wechat

    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        return
    fields = wechat._as_sent(text)
    if fields is not None:
        assert fields == parser_reading(body)


def test_what_wechat_sends_is_read_without_an_xml_parser():
    from bot import wechat
    from tests.test_webhook import event_xml, media_xml

    sent = [text_xml("oMember", "我想报名入会 {x} <b>&amp;"), text_xml("oMember", "  两行\n文字  "),
            event_xml("oMember", "CLICK", "MENU_HELP"), event_xml("oMember", "subscribe", "qrscene_12"),
            event_xml("oMember", "SCAN", "12", Ticket="TICKET"), event_xml("oMember", "subscribe", ""),
            event_xml("oMember", "LOCATION", None, Latitude="23.1", Longitude="113.3", Precision="119.3"),
            media_xml("oMember", "image", PicUrl="http://mmbiz/x.jpg", MediaId="m1"),
            media_xml("oMember", "voice", MediaId="m2", Format="amr", Recognition="会费多少"),
            media_xml("oMember", "location", Location_X="23.1", Location_Y="113.3", Scale=20, Label="广州"),
            "<xml>\n  <ToUserName><![CDATA[gh_1]]></ToUserName>\n  <CreateTime>1</CreateTime>\n</xml>\n"]
    for xml in sent:
        assert wechat._as_sent(xml) == parser_reading(xml.encode()) != None, xml  # noqa: E711


@pytest.mark.parametrize("safe_mode", [False, True], ids=["plaintext", "safe mode"])
def test_every_event_is_named_as_wechatpy_names_it(config, account, safe_mode, monkeypatch):
    """The event's name is taken from the fields already read, not by wechatpy's parse_message
    parsing the XML again: the name wechatpy gives every event it knows (and those it does not),
    with or without a key, a QR-code scene or a product, as sent and in safe mode."""
    from wechatpy import parse_message
    from wechatpy.events import EVENT_TYPES

    from bot import wechat
    from tests.test_webhook import event_xml, message_xml

    def parsed_again(xml):
        raise AssertionError("the envelope was parsed a second time")

    monkeypatch.setattr(wechat, "parse_message", parsed_again)

    keys = [None, "", "qrscene_12", "qrscene_", "scanbarcode|standard|6901234", "scanimage|x", "MENU_HELP", "last_trade_no"]
    sent = [event_xml("oMember", name, key) for name in [*EVENT_TYPES, "SUBSCRIBE", "Scan", "LOCATION", "no_such_event"]
            for key in keys]
    sent += [message_xml("oMember", "event", EventKey="MENU_HELP"), message_xml("oMember", "event", Event="")]
    for xml in sent:
        query, body = (account.encrypted_request(xml, ACCOUNT_ID) if safe_mode else (account.signed_query(), xml.encode()))
        try:
            wechatpy = getattr(parse_message(xml), "event", None) or parser_reading(xml.encode()).get("Event", "").lower()
        except AttributeError:  # an empty <Event>
            wechatpy = 400
        verdict, message = opened(config, query, body)
        assert (message.event if verdict == "message" else message) == wechatpy, xml


@settings(max_examples=150, **BOUNDED)
@given(text=member_text.filter(lambda text: all(map(_xml_legal, text))))
def test_a_reply_is_the_xml_wechatpy_writes(text):
    """Replies are filled into wechatpy's own layout (bot.wechat._TEXT_REPLY): the same XML, and the
    member reads the text as written, whatever it holds (`]]>`, braces, markup)."""
    from wechatpy.replies import TextReply

    from bot.messages import Inbound, Reply
    from bot.wechat import render_reply

    message = Inbound(openid="oMember{0}", account="gh_{name}", kind="text", create_time=1)
    xml = render_reply(Reply(text=text), message)
    created = int(xml.split("<CreateTime>")[1].split("<")[0])
    wechatpy = TextReply(source="gh_{name}", target="oMember{0}", time=created,
                         content=text.replace("]]>", "]]]]><![CDATA[>")).render()
    assert xml == wechatpy
    assert (parser_reading(xml.encode())["Content"] or "") == as_received(text)


card_text = short_text.filter(lambda text: all(map(_xml_legal, text)))


@settings(max_examples=150, **BOUNDED)
@given(title=card_text, description=card_text, url=card_text, image=card_text)
def test_a_card_reply_is_the_xml_wechatpy_writes(title, description, url, image):
    """A card (a news item, a page link) is filled into wechatpy's own article layout too: the
    same XML as its ArticlesReply, whatever the texts hold (`]]>`, braces, markup)."""
    from wechatpy.replies import ArticlesReply

    from bot.messages import Article, Inbound, Reply
    from bot.wechat import render_reply

    message = Inbound(openid="oMember{0}", account="gh_{name}", kind="text", create_time=1)
    card = Article(title=title, description=description, url=url, image=image)
    xml = render_reply(Reply(articles=(card, Article(title="second"))), message)
    created = int(xml.split("<CreateTime>")[1].split("<")[0])
    safe = {name: value.replace("]]>", "]]]]><![CDATA[>") for name, value in
            (("title", title), ("description", description), ("url", url), ("image", image))}
    assert xml == ArticlesReply(source="gh_{name}", target="oMember{0}", time=created, articles=[safe]).render()


@settings(max_examples=150, **BOUNDED)
@given(text=member_text.filter(lambda text: all(map(_xml_legal, text))))
def test_member_text_arrives_as_typed(config, account, text):
    verdict, message = opened(config, account.signed_query(), text_xml("oMember", text).encode())
    assert verdict == "message"
    assert message.text == as_received(text)


@settings(max_examples=100, **BOUNDED)
@given(signature=st.text(max_size=60), age=st.integers(306, 10**8), sign=st.sampled_from([1, -1]))
def test_forged_signatures_and_stale_timestamps_are_403(config, account, signature, age, sign):
    """Any signature but the right one; a right one for a time outside the 300 s window (either way)."""
    body = text_xml("oMember", "帮助").encode()
    forged = {**account.signed_query(), "signature": signature}
    assume(signature.lower() != account.signed_query(forged["timestamp"])["signature"])
    assert opened(config, forged, body) == ("refused", 403)
    assert opened(config, account.signed_query(int(time.time()) + sign * age), body) == ("refused", 403)


@pytest.mark.parametrize("where", ["GET signature", "POST signature", "POST msg_signature"])
def test_a_non_ascii_signature_is_403(wire, where):
    """hmac.compare_digest raises on non-ASCII text: it once made these a 500."""
    query = {**wire.account.signed_query(), "echostr": "x"}
    if where == "GET signature":
        response = wire.client.get("/wechat", query_string={**query, "signature": "签名"})
    elif where == "POST signature":
        response = wire.post(text_xml("oMember", "帮助"), {**query, "signature": "签名"})
    else:
        query, body = _safe_mode(wire.account, "QUJD")
        response = wire.post(body, {**query, "msg_signature": "签名"})
    assert response.status_code == 403


def _safe_mode(account: ref.Account, encrypted: str) -> tuple[dict, bytes]:
    return account.encrypted_request("", ACCOUNT_ID, encrypted=encrypted)


def _framed(account: ref.Account, xml: bytes, app_id: str, declared: int | None = None) -> str:
    """A ciphertext of `xml` (any bytes) framed as WeChat frames it, with a chosen app id and length."""
    plain = os.urandom(16) + struct.pack("!I", len(xml) if declared is None else declared) + xml + app_id.encode()
    return ref.encrypt(account.encoding_aes_key, app_id, "", padded=ref.pkcs7_pad(plain))


@settings(max_examples=150, **BOUNDED)
@given(encrypted=st.one_of(st.text(max_size=200), st.binary(max_size=300).map(lambda raw: base64.b64encode(raw)
                                                                                 .decode())))
def test_random_ciphertexts_are_refused(config, account, encrypted):
    verdict, status = opened(config, *_safe_mode(account, encrypted))
    assert verdict == "refused" and status in (400, 403)


@settings(max_examples=150, **BOUNDED)
@given(inner=st.one_of(envelope, st.binary(max_size=300)), declared=st.none() | st.integers(0, 2**32 - 1))
def test_anything_inside_a_valid_encryption_is_a_message_or_refused(config, account, inner, declared):
    verdict, detail = opened(config, *_safe_mode(account, _framed(account, inner, account.app_id, declared)))
    assert verdict == "message" or detail in (400, 403)


def test_a_safe_mode_message_is_deciphered_once(config, account, monkeypatch):
    """The payload is deciphered once, where its padding is checked, and its frame read there: not
    a second time by wechatpy's decrypt_message. The member's text arrives as sent."""
    from wechatpy.crypto import WeChatCrypto

    def deciphered_again(*args, **kwargs):
        raise AssertionError("the payload was deciphered a second time")

    monkeypatch.setattr(WeChatCrypto, "decrypt_message", deciphered_again)
    ciphertext = _framed(account, text_xml("oMember", "我想报名入会 ]]> {x}").encode(), account.app_id)
    verdict, message = opened(config, *_safe_mode(account, ciphertext))
    assert verdict == "message" and message.text == "我想报名入会 ]]> {x}"


@settings(max_examples=60, **BOUNDED)
@given(app_id=st.text(st.characters(codec="ascii"), max_size=40))
def test_a_payload_for_any_other_app_id_is_403(config, account, app_id):
    assume(app_id != account.app_id)
    ciphertext = _framed(account, text_xml("oMember", "帮助").encode(), app_id)
    assert opened(config, *_safe_mode(account, ciphertext)) == ("refused", 403)


@settings(max_examples=100, **BOUNDED)
@given(body=envelope, safe_mode=st.booleans())
def test_the_webhook_never_answers_500(wire, body, safe_mode):
    query = None
    if safe_mode:
        query, body = _safe_mode(wire.account, _framed(wire.account, body, wire.account.app_id))
    response = wire.post(body, query)
    assert response.status_code in (200, 400, 403, 413), response.data  # wire.post: never 500, no traceback


class _CountingBody(io.BytesIO):
    """A 10 MB request body that counts how much of it the server read."""

    read_bytes = 0

    def read(self, size: int | None = -1) -> bytes:
        data = super().read(size)
        self.read_bytes += len(data)
        return data

    def readinto(self, buffer) -> int:
        n = super().readinto(buffer)
        self.read_bytes += n
        return n


@pytest.mark.parametrize("chunked", [False, True], ids=["content-length", "chunked"])
def test_a_10_mb_body_is_refused_after_reading_at_most_the_cap(wire, config, redis_client, chunked):
    body = _CountingBody(b"<xml>" + b"a" * 10 * 1024 * 1024)
    response = wire.client.post("/wechat", query_string=wire.account.signed_query(), input_stream=body,
                                headers={"Content-Type": "text/xml", **({"Transfer-Encoding": "chunked"} if chunked else {})},
                                environ_overrides={"wsgi.input_terminated": chunked})
    check_never_crashes(response.status_code, response.data)
    assert response.status_code == 413
    assert body.read_bytes <= config.max_body_bytes + 64 * 1024  # one read past the cap at most
    assert redis_client.keys("xh:*") == []


# --- the router and job search ----------------------------------------------------------------------------

@settings(max_examples=400, **BOUNDED)
@given(text=st.one_of(member_text, st.text("会费交没了吗?？ |.*+\\(", max_size=12)),
       words=st.lists(st.one_of(member_text, st.text("会费交没了吗?？ |.*+\\(", max_size=4)), max_size=6))
def test_a_word_list_is_read_as_word_by_word(text, words):
    """content.holds_any, one pattern for a word list of content/, finds what `any(word in text ...)` finds:
    regular-expression characters, an empty word, an empty list."""
    assert content.holds_any(text, words) == any(word in text for word in words)
    assert content.holds_any(text, words) == any(word in text for word in words)  # the pattern kept


@settings(max_examples=400, **BOUNDED)
@given(query=st.one_of(st.text(max_size=120), st.lists(st.tuples(st.text("ab=&%+;2F", max_size=6),
                                                                  st.text("ab=&%+;2F", max_size=6))).map(
    lambda pairs: "&".join(f"{name}={value}" for name, value in pairs))))
def test_the_query_reads_as_urllib_reads_it(query):
    """The webhook's query, split without urllib when nothing in it is escaped (bot.webhook.query_args),
    gives every parameter as parse_qsl does, the first of a repeated one (as Flask's request.args.get)."""
    first = {}
    for name, value in parse_qsl(query, keep_blank_values=True, errors="replace"):
        first.setdefault(name, value)
    assert webhook.query_args(query) == first


@settings(max_examples=400, **BOUNDED)
@given(text=st.one_of(member_text, st.text(st.characters(exclude_categories=()), max_size=80)))  # surrogates too
def test_route_always_gives_a_known_intent_with_its_slots(text):
    intent = route(text)
    assert intent.name in INTENTS
    if intent.name in TOPIC_INTENTS:
        assert set(intent.slots) == {"topic"} and intent.slots["topic"] in (*TOPICS, None)
    elif intent.name == "jobs":
        assert set(intent.slots) == {"keywords", "city"}
        assert all(isinstance(word, str) and word for word in intent.slots["keywords"])
        assert intent.slots["city"] is None or isinstance(intent.slots["city"], str)
    elif intent.name == "unknown":  # spam, thanks and a greeting alone say so, for the short reply each gets
        assert intent.slots in ({}, {"reason": "spam"}, {"reason": "thanks"}, {"reason": "greeting"})
    else:
        assert intent.slots == {}


@settings(max_examples=100, **BOUNDED)
@given(keywords=st.lists(member_text.filter(str.strip), max_size=4), city=st.none() | member_text)
@example(keywords=["ＡＩ", "算法"], city=None)  # a discipline's abbreviation is a filter, not a keyword
def test_job_search_takes_any_keywords(db, keywords, city):
    if not db["jobs"].count:
        post_job(db, "算法工程师")
    words = [word[:200] for word in keywords]
    found = job_board.find(db, words, city, date.today().isoformat())
    kept = iter(words)  # the search keeps the words in order, except those it reads as a filter (AI, 本科, 5k)
    assert all(word in kept for word in found.asked.keywords)
    for word in set(words) - set(found.asked.keywords):
        assert job_filters.read("", [word]).keywords != (word,), word


# --- every flow ---------------------------------------------------------------------------------------------

MEMBER = True  # the path is walked by a bound member (with tickets and two payments of their own); else by a follower
FLOW_PATHS = {
    "feedback": (not MEMBER, ["我要提建议"]),
    "feedback draft": (not MEMBER, ["会讯文章打不开，建议尽快修复一下谢谢"]),
    "feedback submitted": (not MEMBER, ["会讯文章打不开，建议尽快修复一下谢谢", "确认"]),
    "my tickets": (MEMBER, ["我的诉求"]),
    "signup, individual": (not MEMBER, ["我要入会"] + [answer for _, answer, _ in STUDENT_ANSWERS]),
    "signup, unit": (not MEMBER, ["我要入会"] + [answer for _, answer, _ in UNIT_ANSWERS]),
    "signup, student later": (not MEMBER, ["我要入会", "1", "张三", "2", "1980", "郑州大学", "1", "2", "化学",
                                           "15937126688", "跳过", "改类别", "学生"]),
    "signup, gender and title said, then corrected": (not MEMBER, ["我要入会", "1", "张三", "女", "副教授"] + [
        answer for _, answer, _ in STUDENT_ANSWERS[2:]] + ["改 性别", "男", "改 职称", "教授"]),
    "binding": (not MEMBER, ["绑定会员", "李明", "HNKX202600001"]),
    "binding, number forgotten": (not MEMBER, ["绑定会员", "李明", "忘了"]),
    "new mobile": (MEMBER, ["修改手机"]),
    "new email": (MEMBER, ["修改邮箱"]),
    "new work unit": (MEMBER, ["修改单位"]),
    "new title": (MEMBER, ["修改职称"]),
    "new gender": (MEMBER, ["修改性别"]),
    "subscribe": (not MEMBER, ["订阅"]),
    "unsubscribe": (not MEMBER, ["订阅政策", "退订"]),
    "events": (MEMBER, ["最近有什么活动"]),
    "event signup": (MEMBER, ["我要报名沙龙"]),
    "event signup, follower": (not MEMBER, ["我要报名沙龙"]),
    "event cancel, which": (MEMBER, ["我要报名沙龙", "确认", "我要报名论坛", "确认", "取消报名"]),
    "event cancel": (MEMBER, ["我要报名沙龙", "确认", "取消报名沙龙"]),
    "event registration corrected": (MEMBER, ["我要报名沙龙", "确认", "我报名时候手机号填错了"]),
    "jobs": (not MEMBER, ["招聘 算法"]),
    "news": (not MEMBER, ["最新会讯"]),
    "awards": (not MEMBER, ["有什么奖项可以申报"]),
    "clarify": (not MEMBER, ["会员"]),  # the router unsure: "您是想：1. 申请入会 2. …？"
    "invoice": (not MEMBER, ["会费能开发票吗", "抬头写河南大学"]),
    "invoice, which payment": (MEMBER, ["会费能开发票吗", "抬头写河南大学"]),  # a member has paid twice
    "offer": (not MEMBER, ["上个月的论坛有回放吗"]),  # "回复“好”即转给秘书处": a bare yes next does it
    "help menu": (not MEMBER, ["帮助"]),  # the numbered menu: a number next does that line
    "event signup, colleague": (MEMBER, ["最近有什么活动", "1", "帮我同事报名"]),
    "event signup, several": (not MEMBER, ["我要报名沙龙", "我们三个人", "张三 13912345678", "确认"]),
    "event signup, a list": (not MEMBER, ["我要报名沙龙", "张三 13912345678，李四 13812345678"]),
    "job posting": (not MEMBER, ["我们公司想发布招聘", "招算法工程师2名，郑州，月薪15k，简历发hr@example.com"]),
}
# (path, how many of its messages) for every point of every path where a form is open
STOPS = [(name, n) for name, (_, texts) in FLOW_PATHS.items() for n in range(1, len(texts) + 1)]
NOT_FLOW_WORK = {"subscribe", "unsubscribe", "human"}  # intents that store something in one message


@pytest.fixture
def world(db):
    """What the flows browse and sign up for: events, postings, newsletters, award calls."""
    for offset, title in enumerate(["人工智能论坛", "新材料研讨会", "数据分析培训", "青年学术沙龙", "科普开放日", "秋季学术年会"]):
        add_event(db, title, 3 + offset)
    for n in range(7):
        post_job(db, f"算法工程师{n}")
        post_news(db, f"H{n}", n + 1)
    save_awards(db, [({"name": f"青年科技奖{n}", "deadline": f"2030-05-{n + 1:02d}"}, "test") for n in range(7)],
                [], actor="test")
    return db


def walk(wire: Wire, db, path: str, steps: int) -> str:
    """A new member (bound or not) sends the first `steps` messages of a path; returns the openid."""
    bound, texts = FLOW_PATHS[path]
    openid = fresh_openid()
    if bound:
        number = next(_members)
        insert_member(db, {"member_no": f"HNKX2026{number:06d}", "name": "李丽", "category": "regular",
                           "openid": openid, "mobile": f"139{number:08d}"}, actor="test")
        for n in range(7):
            create_ticket(db, openid, "其他", f"第{n}条意见：希望增加线上活动")
        for paid_on in (date(2025, 3, 2), date(2026, 3, 2)):
            record_payment(db, find_payer(db, f"HNKX2026{number:06d}"), dues.yearly_fee("regular"), 1, paid_on,
                           "银行转账", "test")
    for text in texts[:steps]:
        wire.say(openid, text)
    return openid


def sent(wire: Wire, openid: str, text: str, safe_mode: bool) -> str:
    """What the member sees after sending `text`: 200 and a Chinese reply (or nothing), never the error one."""
    xml = text_xml(openid, text)
    if safe_mode:
        fields = wire.open_encrypted_reply(*wire.send_encrypted(xml))
    else:
        response = wire.send(xml)
        if response.data == b"success":
            return ""
        fields = reply_fields(response.data)
    if fields["MsgType"] == "news":  # an article card
        assert fields["ArticleCount"] == "1"
        return ""
    assert is_chinese(fields["Content"]), fields
    assert fields["Content"] != content.text("error.text")
    return fields["Content"]


def stored_by(db, openid: str) -> dict:
    """Everything the flows store for a member."""
    def rows(table: str) -> list:
        return [dict(row) for row in db[table].rows_where("openid = ?", [openid])] if table in db.table_names() else []

    return {table: rows(table) for table in ("tickets", "applications", "members", "subscriptions",
                                             "registrations", "human_requests")}


@settings(max_examples=300, **BOUNDED)
@given(stop=st.sampled_from(STOPS), text=member_text, safe_mode=st.booleans())
def test_any_text_at_any_step_of_any_flow_gets_a_polite_reply(wire, world, redis_client, stop, text, safe_mode):
    openid = walk(wire, world, *stop)
    before = stored_by(world, openid)
    sent(wire, openid, text, safe_mode)
    after = stored_by(world, openid)
    new_tickets = [row for row in after["tickets"] if row not in before["tickets"]]
    draft = FLOW_PATHS["feedback draft"][1][0]
    written = (as_received(text), draft, f"{draft}\n{as_received(text)}")  # a remark on a draft is added to it
    invoice = content.text("fees.invoice_category")  # the details asked for, then the member's own words
    listed = content.text("events.signup.other_category")  # a list of people submitted (a yes) or named with mobiles
    assert all(row["body"] in written or row["category"] in (HUMAN, listed)
               or (row["category"] == invoice and row["body"].endswith(as_received(text)))
               for row in new_tickets), new_tickets  # a ticket holds what the member wrote, nothing else


@settings(max_examples=150, **BOUNDED)
@given(stop=st.sampled_from(STOPS), text=member_text)
@example(stop=("unsubscribe", 1), text="")  # 取消 right after 订阅政策: the take-back left a step open
@example(stop=("feedback", 1), text="退订人工報名")  # asks for a person (人工): a 人工 ticket, rightly; assumed away
def test_a_form_cancelled_at_any_step_leaves_nothing_behind(wire, world, redis_client, stop, text):
    openid = walk(wire, world, *stop)
    before = stored_by(world, openid)
    sent(wire, openid, "取消", safe_mode=False)
    assert redis_state.load_flow(redis_client, openid) is None
    sent(wire, openid, text, safe_mode=False)
    # nor a text holding a word only a request for a person uses ("退订人工報名": 人工, bot/clarify.claimed_by answers it so)
    assume(route(text).name not in NOT_FLOW_WORK and clarify.claimed_by(text, ["human"]) is None)
    after = stored_by(world, openid)
    # 取消 right after a subscription takes that subscription back (c79ff89): subscriptions may only go
    assert {**after, "subscriptions": before["subscriptions"]} == before, after
    assert all(row in before["subscriptions"] for row in after["subscriptions"]), after["subscriptions"]


def test_the_paths_reach_every_step_of_every_flow(wire, world, redis_client):
    """The flow tests above cover every registered step; a new flow needs a path in FLOW_PATHS."""
    reached = set()
    for path, (_, texts) in FLOW_PATHS.items():
        openid = walk(wire, world, path, 0)
        for text in texts:
            wire.say(openid, text)
            flow = redis_state.load_flow(redis_client, openid)  # none between two forms ("订阅政策", "确认")
            reached |= {(flow["name"], flow["step"])} if flow else set()
        assert flow is not None, path
    assert reached == set(FLOW_STEPS)
