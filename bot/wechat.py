"""The WeChat webhook protocol, and only here: signatures, replay window, AES, XML.

wechatpy does the cryptography (its cipher, its signer, its encryption of replies), and its
message classes and reply layouts are the reference; this module adds what wechatpy 1.8.18
leaves out (replay window, hostile-XML refusal, intact padding, `]]>` escaping, raw retry
keys), reads what it would read without its per-message overhead (the envelope, the event's
name, the encrypted frame: docs/benchmarks.md, issue 18), and turns every failure into an
HTTP status.
"""
from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import re
import struct
import time
from xml.etree import ElementTree

import xmltodict
from wechatpy import parse_message
from wechatpy.crypto import WeChatCipher, WeChatCrypto
from wechatpy.events import EVENT_TYPES
from wechatpy.replies import ArticlesReply, TextReply

from bot.config import Config
from bot.messages import Inbound, Reply

SUCCESS = "success"  # WeChat's "received, nothing to show"
_MEDIA_KINDS = {"text", "image", "voice", "video", "shortvideo", "location", "link", "event"}

# Every event name wechatpy 1.8.18 gives a follow or a scan, in one place: handlers/members/welcome.py
# answers them and bot/service_window.py counts them as opening the customer-service window.
# wechatpy renames a `subscribe` by its EventKey: `qrscene_...` (a QR-code poster) is
# `subscribe_scan`, `scanbarcode|...`/`scanimage|...` (a product page) `subscribe_scan_product`.
FOLLOW_EVENTS = ("subscribe", "subscribe_scan", "subscribe_scan_product")
# Scans into the account: a follower's QR-code scan (`scan`), the menu's scan buttons, entering
# the chat from a product page. Each opens the window; a reply to a non-follower is refused
# with 43004, which marks them unreachable again.
SCAN_EVENTS = ("scan", "scancode_push", "scancode_waitmsg", "user_scan_product_enter_session")


class WebhookError(Exception):
    """A request WeChat (or an attacker) sent that we refuse, with the HTTP status to answer."""

    def __init__(self, status: int, reason: str):
        super().__init__(reason)
        self.status = status
        self.reason = reason


def _signature(*parts: str) -> str:
    """WeChat's SHA1 of the parts sorted and joined, as wechatpy's WeChatSigner makes it (each part as UTF-8,
    the bytes sorted), without its object and a call for each part: every message's signature is one."""
    return hashlib.sha1(b"".join(sorted(part.encode() for part in parts))).hexdigest()


def _same_signature(expected: str, given: str) -> bool:
    """Constant-time comparison; as bytes, since compare_digest refuses non-ASCII str (a 500)."""
    return hmac.compare_digest(expected.encode(), given.lower().encode())


def check_request_signature(config: Config, args, now: float | None = None) -> None:
    """The plain `signature` every GET and POST carries, plus the replay window."""
    signature = args.get("signature", "")
    timestamp = args.get("timestamp", "")
    nonce = args.get("nonce", "")
    if not (signature and timestamp and nonce):
        raise WebhookError(403, "missing signature, timestamp or nonce")
    expected = _signature(config.wechat_token, timestamp, nonce)
    if not _same_signature(expected, signature):
        raise WebhookError(403, "bad signature")
    try:
        sent_at = int(timestamp)
    except ValueError:
        raise WebhookError(403, "timestamp is not a number") from None
    now = time.time() if now is None else now
    if abs(now - sent_at) > config.replay_window_seconds:
        raise WebhookError(403, "timestamp outside the replay window")


def _parse_xml(body: bytes | str) -> dict:
    """Parse an XML envelope, refusing DTDs (entity bombs, external entities) outright."""
    try:
        text = body.decode("utf-8") if isinstance(body, bytes) else body
    except UnicodeDecodeError:
        raise WebhookError(400, "body is not UTF-8") from None
    if _DTD.search(text):
        raise WebhookError(400, "DTDs are not accepted")
    flat = _as_sent(text)
    if flat is None:
        flat = _flat_fields(text)
    if flat is not None:
        return flat
    try:
        parsed = xmltodict.parse(text, disable_entities=True)
    except Exception:  # expat raises several types for malformed XML
        raise WebhookError(400, "body is not well-formed XML") from None
    root = parsed.get("xml") if isinstance(parsed, dict) else None
    if not isinstance(root, dict):
        raise WebhookError(400, "body has no <xml> root element")
    return root


# Any case, also what str.upper() reads as ASCII (the dotless ı is an I): a superset of upper()'s matches.
_DTD = re.compile(r"<!(?:DOCTYPE|ENTITY)", re.IGNORECASE)


class _Flat(dict):
    """Fields of an envelope parsed by _as_sent or _flat_fields: every value a str or None."""


# The envelope exactly as WeChat writes it: <xml>, then fields with ASCII names each holding one CDATA
# section or plain text without markup, entities or `]`, whitespace (space, tab, newline) between them.
_ENVELOPE_START = re.compile(r"<xml>[ \t\n]*")
_FIELD = re.compile(r"<([A-Za-z_][A-Za-z0-9_]*)>(?:<!\[CDATA\[(.*?)\]\]>|([^<&\]]*))</\1>[ \t\n]*", re.DOTALL)
_ENVELOPE_END = re.compile(r"</xml>[ \t\n]*\Z")
# What the XML parser would change or refuse: line ends it normalises, characters XML does not allow.
_NOT_AS_SENT = re.compile("[\r\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def _as_sent(text: str) -> dict | None:
    """_flat_fields' answer for the envelope as WeChat writes it, read by three regular expressions
    instead of building an XML parser and its tree (~40 us a message, a twentieth of all it costs);
    None for anything else (another shape, a second CDATA section in a field, a line end or a
    character the parser would normalise or refuse), which _flat_fields parses as before."""
    start = _ENVELOPE_START.match(text)
    if start is None or _NOT_AS_SENT.search(text):
        return None
    fields, at, match = _Flat(), start.end(), _FIELD.match
    while (field := match(text, at)) is not None:
        tag, cdata, plain = field.groups()
        if tag in fields or (cdata is not None and "]]>" in cdata):
            return None  # repeated, or CDATA sections the lazy match joined
        fields[tag] = (plain if cdata is None else cdata).strip() or None
        at = field.end()
    if not fields or _ENVELOPE_END.match(text, at) is None:
        return None
    return fields


def _flat_fields(text: str) -> dict | None:
    """What xmltodict gives for the shape WeChat sends, a flat <xml> of distinct plain fields,
    from the C parser (ElementTree over expat, the same parser, without a Python call per
    element); None for any other shape (attributes, nesting, repeats, text around the fields,
    namespaces, malformed XML), which xmltodict parses as before. As xmltodict: a field's
    text stripped, None when empty."""
    try:
        root = ElementTree.fromstring(text)
    except ElementTree.ParseError:
        return None
    if root.tag != "xml" or root.attrib or not len(root) or (root.text and not root.text.isspace()):
        return None
    fields = _Flat()
    for child in root:
        tag = child.tag
        if (not isinstance(tag, str) or tag in fields or "{" in tag or child.attrib or len(child)
                or (child.tail and not child.tail.isspace())):
            return None
        fields[tag] = (child.text or "").strip() or None
    return fields


def _event_named(fields: _Flat) -> str | None:
    """The name wechatpy's parse_message gives the event (its message class's `event`; None for a
    class it does not know), from the fields already read, which are what its xmltodict reads:
    the XML is not parsed a second time (~110 us, two thirds of a QR-code follow's envelope). Its
    steps, as wechatpy 1.8.18 takes them for MsgType `event`; an empty <Event> fails there (a 400)."""
    if "Event" not in fields:
        event_type = None
    elif fields["Event"] is None:
        raise WebhookError(400, "message fields have the wrong shape")
    else:
        event_type = fields["Event"].lower()
    key = fields.get("EventKey")
    if event_type == "subscribe" and key:
        if key.startswith(("scanbarcode|", "scanimage|")):
            event_type = "subscribe_scan_product"
        elif key.startswith("qrscene_"):
            event_type = "subscribe_scan"
    return getattr(EVENT_TYPES.get(event_type), "event", None)


def _decrypt(config: Config, args, envelope: dict) -> str:
    encrypted = envelope.get("Encrypt")
    if not isinstance(encrypted, str) or not encrypted:
        raise WebhookError(400, "encrypt_type=aes but no <Encrypt> in the body")
    timestamp, nonce = args.get("timestamp", ""), args.get("nonce", "")
    expected = _signature(config.wechat_token, timestamp, nonce, encrypted)
    if not _same_signature(expected, args.get("msg_signature", "")):
        raise WebhookError(403, "bad msg_signature")
    plain = _deciphered(config, encrypted)
    # WeChat's frame, as wechatpy's PrpCrypto.decrypt reads it: 16 random bytes, the XML's length
    # (4 bytes, network order), the XML, the app id it was encrypted for.
    (length,) = struct.unpack("!I", plain[16:20])
    try:
        xml, app_id = plain[20:20 + length].decode(), plain[20 + length:].decode()
    except UnicodeDecodeError:
        raise WebhookError(400, "encrypted payload is corrupt") from None
    if app_id != config.app_id:
        raise WebhookError(403, "message encrypted for another app id")
    return xml


def _deciphered(config: Config, encrypted: str) -> bytes:
    """The payload deciphered by wechatpy's cipher, its PKCS#7 padding checked and removed: wechatpy
    strips as many bytes as the last one says, so a corrupt payload passed (or was reported as
    another app's); and read once here instead of again by its decrypt_message (~60 us).
    WeChat pads to 32-byte blocks; 16-byte PKCS#7 is accepted too.
    """
    try:
        raw = base64.b64decode(encrypted, validate=True)
    except (binascii.Error, ValueError):
        raise WebhookError(400, "encrypted payload is not base64") from None
    if not raw or len(raw) % 16:
        raise WebhookError(400, "encrypted payload is not whole AES blocks")
    key = base64.b64decode(config.encoding_aes_key + "=")
    plain = WeChatCipher(key).decrypt(raw)
    count = plain[-1]
    if not 1 <= count <= 32 or plain[-count:] != bytes([count]) * count or len(plain) - count < 20:
        raise WebhookError(400, "encrypted payload has corrupt padding")
    return plain[:-count]


def _text_field(value) -> str | None:
    return value if isinstance(value, str) else None


def to_inbound(fields: dict, xml: str) -> Inbound:
    """Turn one plaintext message into an Inbound; wechatpy decides the message class."""
    openid = _text_field(fields.get("FromUserName"))
    account = _text_field(fields.get("ToUserName"))
    msg_type = (_text_field(fields.get("MsgType")) or "").lower()
    create_time = _text_field(fields.get("CreateTime")) or ""
    if not openid or not account or not msg_type or not (create_time.isascii() and create_time.isdigit()):
        raise WebhookError(400, "message lacks FromUserName, ToUserName, MsgType or CreateTime")
    raw_msg_id = fields.get("MsgId", fields.get("MsgID"))
    msg_id = _text_field(raw_msg_id)
    if raw_msg_id is not None and not (msg_id and msg_id.isascii() and msg_id.isdigit()):
        raise WebhookError(400, "MsgId is not a number")
    raw_event_key = _text_field(fields.get("EventKey"))

    kind = msg_type if msg_type in _MEDIA_KINDS else "unknown"
    text = None
    extra: dict = {}
    event = None
    if msg_type == "text":
        text = _text_field(fields.get("Content")) or ""
    elif msg_type == "voice":
        text = _text_field(fields.get("Recognition")) or None
    elif msg_type == "location":
        extra = {"label": _text_field(fields.get("Label")) or "",
                 "x": _text_field(fields.get("Location_X")), "y": _text_field(fields.get("Location_Y"))}
    elif msg_type == "image":  # kept with a ticket as evidence (a transfer receipt)
        extra = {"url": _text_field(fields.get("PicUrl")) or "", "media_id": _text_field(fields.get("MediaId")) or ""}
    elif msg_type == "link":
        extra = {"title": _text_field(fields.get("Title")) or "", "url": _text_field(fields.get("Url")) or ""}
    elif msg_type == "event":
        # wechatpy names the event (a QR-code follow becomes `subscribe_scan`); the other
        # kinds need nothing from it beyond the fields already read.
        sent_as = (_text_field(fields.get("Event")) or "").lower()
        if isinstance(fields, _Flat):
            event = _event_named(fields) or sent_as
        else:
            try:
                message = parse_message(xml)
            except (ValueError, TypeError, KeyError, AttributeError):
                raise WebhookError(400, "message fields have the wrong shape") from None
            event = getattr(message, "event", None) or sent_as
        if event == "subscribe_scan" and raw_event_key:
            extra = {"scene": raw_event_key[len("qrscene_"):]}
        elif event == "subscribe_scan_product" and raw_event_key:
            scene, _, product = raw_event_key.partition("|")  # scanbarcode|standard|key
            extra = {"scene": scene, "product": product}
    return Inbound(
        openid=openid, account=account, kind=kind, create_time=int(create_time),
        text=text, event=event, event_key=raw_event_key,
        # Events carry no MsgId but template/mass-send reports carry MsgID of the job.
        msg_id=msg_id if msg_type != "event" else None,
        extra=extra,
    )


def open_message(config: Config, args, body: bytes) -> tuple[Inbound, bool]:
    """Verify and decode a POST; returns the message and whether the reply must be encrypted."""
    check_request_signature(config, args)
    envelope = _parse_xml(body)
    encrypted = args.get("encrypt_type", "raw").lower() == "aes"
    if encrypted:
        xml = _decrypt(config, args, envelope)
        fields = _parse_xml(xml)
    else:
        xml = body.decode("utf-8")
        fields = envelope
    return to_inbound(fields, xml), encrypted


def open_component_event(config: Config, args, body: bytes) -> dict:
    """Verify and decrypt what WeChat posts to the third-party platform's authorisation event URL
    (component_verify_ticket, authorized, updateauthorized, unauthorized); always encrypted, with
    the platform's token and key (`config` carries them). Returns the fields, `InfoType` among them."""
    check_request_signature(config, args)
    fields = _parse_xml(_decrypt(config, args, _parse_xml(body)))
    if not _text_field(fields.get("InfoType")):
        raise WebhookError(400, "event lacks InfoType")
    return fields


def _cdata_safe(value: str) -> str:
    """wechatpy puts text in CDATA unescaped; split any `]]>` so the XML stays valid."""
    return value.replace("]]>", "]]]]><![CDATA[>")


def render_reply(reply: Reply, message: Inbound) -> str:
    """The passive-reply XML (plaintext); `success` when there is nothing to show."""
    if reply.is_empty:
        return SUCCESS
    common = {"source": message.account, "target": message.openid, "time": int(time.time())}
    if reply.articles:
        card = reply.articles[0]  # a passive reply carries one card
        return _ARTICLE_REPLY.format(title=_cdata_safe(card.title), description=_cdata_safe(card.description),
                                     image=_cdata_safe(card.image), url=_cdata_safe(card.url), **common)
    return _TEXT_REPLY.format(content=_cdata_safe(reply.text), **common)


_LAYOUT_TIME = 1_700_000_001


def _reply_layout(render, names: tuple[str, ...]) -> str:
    """What wechatpy's reply object renders (`render(marks)`), with a {name} where each value goes:
    filled in by str.format, without building its reply object a message (five times the cost)."""
    marks = {name: f"\x00{name}\x00" for name in names}
    xml = render(marks).replace("{", "{{").replace("}", "}}")
    for name, mark in marks.items():
        xml = xml.replace(mark, "{" + name + "}")
    return xml.replace(f">{_LAYOUT_TIME}<", ">{time}<")


_TEXT_REPLY = _reply_layout(lambda marks: TextReply(time=_LAYOUT_TIME, **marks).render(), ("source", "target", "content"))
_ARTICLE_REPLY = _reply_layout(
    lambda marks: ArticlesReply(time=_LAYOUT_TIME, source=marks["source"], target=marks["target"], articles=[
        {name: marks[name] for name in ("title", "description", "image", "url")}]).render(),
    ("source", "target", "title", "description", "image", "url"))


def seal_reply(config: Config, xml: str, encrypted: bool, args) -> str:
    """Encrypt a rendered reply for safe mode; plaintext and `success` pass through."""
    if not encrypted or xml == SUCCESS:
        return xml
    crypto = WeChatCrypto(config.wechat_token, config.encoding_aes_key, config.app_id)
    return crypto.encrypt_message(xml, args.get("nonce", ""), args.get("timestamp") or None)
