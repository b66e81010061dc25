"""The development chat simulator: plays WeChat against our own `/wechat`.

This is the client side of the protocol, what WeChat's servers do: build a
member's message XML, sign it, encrypt it in safe mode, and open the reply.
The server side lives in `bot/wechat.py`. The browser page (`GET /`) and
`python -m bot chat` both use the functions below, so the token and the AES
key never leave Python. The blueprint is registered only in development.
"""
from __future__ import annotations

import re
import secrets
import struct
import sys
import time
import unicodedata
from xml.parsers.expat import ExpatError

import requests
import xmltodict
from flask import Blueprint, current_app, jsonify, make_response, render_template, request, url_for
from wechatpy.crypto import WeChatCrypto
from wechatpy.exceptions import InvalidAppIdException, InvalidSignatureException
from wechatpy.utils import WeChatSigner

from bot import content
from bot.config import Config
from bot.platform.accounts import AccountRefused
from storage import societies
from storage.accounts import serving_account

ACCOUNT = "gh_simulator"  # ToUserName: the official account's original id
DEADLINE_SECONDS = 5      # WeChat drops the connection after this long
OPENID = re.compile(r"[A-Za-z0-9_-]{1,64}")
# Which fields each kind of member message may carry, in WeChat's own names and order.
MESSAGE_FIELDS = {
    "text": ("Content",),
    "voice": ("MediaId", "Format", "Recognition"),
    "image": ("PicUrl", "MediaId"),
    "location": ("Location_X", "Location_Y", "Scale", "Label"),
    "event": ("Event", "EventKey"),
}
_NOT_XML_CHARS = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
_XML_HEADERS = {"Content-Type": "text/xml; charset=utf-8"}


class ReplyError(ValueError):
    """A reply WeChat itself would not accept (not XML, bad signature, wrong mode)."""


def labels() -> dict:
    return content.load_toml("simulator.toml")


def sample_location() -> dict:
    return {"Location_X": "34.7466", "Location_Y": "113.6254", "Scale": "15",
            "Label": labels()["notes"]["location_label"]}


# --- the protocol, client side ------------------------------------------------

def _cdata(value) -> str:
    text = _NOT_XML_CHARS.sub("", str(value))  # WeChat never delivers these
    return "<![CDATA[" + text.replace("]]>", "]]]]><![CDATA[>") + "]]>"


def _parse(xml: str) -> dict:
    try:
        root = xmltodict.parse(xml, disable_entities=True, force_list=("item",)).get("xml")
    except (ExpatError, ValueError):
        raise ReplyError("not well-formed XML") from None
    if not isinstance(root, dict):
        raise ReplyError("no <xml> root element")
    return root


def new_msg_id() -> str:
    return str(secrets.randbits(63))


def build_message_xml(openid: str, msg_type: str, /, **fields) -> str:
    """A member's message as WeChat sends it: `build_message_xml("o1", "text", Content="你好")`.

    Events take `Event` and `EventKey`; messages get a fresh MsgId, events none.
    """
    allowed = MESSAGE_FIELDS.get(msg_type)
    if allowed is None:
        raise ValueError(f"unsupported message type {msg_type!r}")
    unknown = sorted(set(fields) - set(allowed))
    if unknown:
        raise ValueError(f"{msg_type} messages carry no {', '.join(unknown)}")
    if msg_type in ("voice", "image"):
        fields.setdefault("MediaId", secrets.token_urlsafe(32))
    if msg_type == "voice":
        fields.setdefault("Format", "amr")
    if msg_type == "image":
        fields.setdefault("PicUrl", f"http://mmbiz.qpic.cn/simulator/{fields['MediaId']}/0")
    parts = [
        f"<ToUserName>{_cdata(ACCOUNT)}</ToUserName>",
        f"<FromUserName>{_cdata(openid)}</FromUserName>",
        f"<CreateTime>{int(time.time())}</CreateTime>",
        f"<MsgType>{_cdata(msg_type)}</MsgType>",
    ]
    parts += [f"<{name}>{_cdata(fields[name])}</{name}>" for name in allowed if name in fields]
    if msg_type != "event":
        parts.append(f"<MsgId>{new_msg_id()}</MsgId>")
    return "<xml>" + "".join(parts) + "</xml>"


def sign(*parts: str) -> str:
    """sha1 of the sorted parts, as WeChat signs `signature` and `msg_signature`."""
    signer = WeChatSigner()
    signer.add_data(*parts)
    return signer.signature


def envelope(config: Config, xml: str, encrypted: bool) -> tuple[dict, str]:
    """The query string and body WeChat would POST to the webhook for this message."""
    message = _parse(xml)
    timestamp = str(int(time.time()))
    nonce = str(secrets.randbelow(10**10))
    query = {"signature": sign(config.wechat_token, timestamp, nonce),
             "timestamp": timestamp, "nonce": nonce, "openid": message["FromUserName"]}
    if not encrypted:
        return query, xml
    crypto = WeChatCrypto(config.wechat_token, config.encoding_aes_key, config.app_id)
    sealed = _parse(crypto.encrypt_message(xml, nonce, timestamp))
    query.update(encrypt_type="aes", msg_signature=sealed["MsgSignature"])
    body = (f"<xml><ToUserName>{_cdata(message['ToUserName'])}</ToUserName>"
            f"<Encrypt>{_cdata(sealed['Encrypt'])}</Encrypt></xml>")
    return query, body


def open_reply(config: Config, body: str, encrypted: bool) -> dict:
    """The webhook's answer as {type: text|news|none|<other>, content, articles}."""
    body = body.strip()
    if body in ("", "success"):
        return {"type": "none", "content": "", "articles": []}
    root = _parse(body)
    if encrypted:
        if "Encrypt" not in root:
            raise ReplyError("safe mode, but the reply is not encrypted")
        crypto = WeChatCrypto(config.wechat_token, config.encoding_aes_key, config.app_id)
        try:
            xml = crypto.decrypt_message(root, root.get("MsgSignature"), root.get("TimeStamp"), root.get("Nonce"))
        except InvalidSignatureException:
            raise ReplyError("the reply's MsgSignature is wrong") from None
        except InvalidAppIdException:
            raise ReplyError("the reply is encrypted for another app id") from None
        except (ValueError, TypeError, IndexError, struct.error):
            raise ReplyError("the reply's encrypted payload is corrupt") from None
        root = _parse(xml)
    elif "Encrypt" in root:
        raise ReplyError("plaintext mode, but the reply is encrypted")
    msg_type = root.get("MsgType") or "unknown"
    reply = {"type": msg_type, "content": "", "articles": []}
    if msg_type == "text":
        reply["content"] = root.get("Content") or ""
    elif msg_type == "news":
        items = (root.get("Articles") or {}).get("item") or []
        reply["articles"] = [
            {"title": item.get("Title") or "", "description": item.get("Description") or "",
             "url": item.get("Url") or "", "image": item.get("PicUrl") or ""}
            for item in items
        ]
    return reply


# --- the browser page ---------------------------------------------------------

simulator = Blueprint("simulator", __name__, template_folder="templates",
                      static_folder="static", static_url_path="/simulator/static")

# The page loads nothing from elsewhere; the browser enforces it.
_CSP = ("default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; "
        "img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'")


def _config() -> Config:
    return current_app.extensions["services"].config


def _bad_request(reason: str):
    return jsonify(error=reason), 400


def _account(appid) -> str | None:
    """The society the page chats as (`?account=<appid>`) when the platform serves many; None for
    the single account. Refused (AccountRefused: 404/410/403) unless the platform answers for it."""
    if not appid or not _config().platform:
        return None
    current_app.extensions["platform"].serving(str(appid))
    return str(appid)


def _wire(account: str | None) -> tuple[Config, bool | None]:
    """The configuration that signs and encrypts the messages, and the mode: a society's messages
    go through the platform, always encrypted with its key (None: the page's choice)."""
    if account is None:
        return _config(), None
    return current_app.extensions["platform"].message_config, True


@simulator.get("/")
def page():
    try:
        account = _account(request.args.get("account"))
    except AccountRefused as refused:
        return refused.reason, refused.status, {"Content-Type": "text/plain; charset=utf-8"}
    with serving_account(account, _config().data_dir):
        society = content.society()
    text = labels()
    settings = {
        "account": account,
        "notes": text["notes"],
        "me": text["page"]["me"],
        "avatar": society.get("short_name", society["name"])[:1],
        "location": sample_location(),
        "timeoutMs": DEADLINE_SECONDS * 1000,
        # Menu pages (view buttons to /m/...) open as the current member through the stand-in authorisation.
        "pagesAs": url_for("pages.standin_open", society=account) if _config().oauth_standin else None,
        "urls": {"envelope": url_for("simulator.make_envelope"),
                 "open": url_for("simulator.open_webhook_reply"),
                 "webhook": url_for("platform.receive_account_message", appid=account) if account
                 else url_for("webhook.receive_message")},
    }
    served = societies.list_societies(current_app.extensions["platform"].registry, societies.AUTHORIZED) \
        if _config().platform else []
    html = render_template("simulator.html", society=society, labels=text["page"], societies=served,
                           menu=content.menu().get("button", []), settings=settings)
    response = make_response(html)
    response.headers["Content-Security-Policy"] = _CSP
    return response


@simulator.post("/simulator/envelope")
def make_envelope():
    """{openid, encrypted, msg_type, fields} -> {query, body} to POST to /wechat."""
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        return _bad_request("expected a JSON object")
    openid = data.get("openid")
    if not isinstance(openid, str) or not OPENID.fullmatch(openid):
        return _bad_request("openid must be 1-64 letters, digits, _ or -")
    fields = data.get("fields") or {}
    if not isinstance(fields, dict) or not all(isinstance(v, (str, int, float)) for v in fields.values()):
        return _bad_request("fields must be an object of strings")
    try:
        xml = build_message_xml(openid, str(data.get("msg_type")), **fields)
        wire, encrypted = _wire(_account(data.get("account")))
    except ValueError as error:
        return _bad_request(str(error))
    except AccountRefused as refused:
        return jsonify(error=refused.reason), refused.status
    query, body = envelope(wire, xml, data.get("encrypted") is True if encrypted is None else encrypted)
    return jsonify(query=query, body=body)


@simulator.post("/simulator/open")
def open_webhook_reply():
    """{body, encrypted} -> the reply as JSON, or 502 when WeChat would reject it."""
    data = request.get_json(silent=True)
    if not isinstance(data, dict) or not isinstance(data.get("body"), str):
        return _bad_request("expected {body, encrypted}")
    try:
        wire, encrypted = _wire(_account(data.get("account")))
        return jsonify(open_reply(wire, data["body"], data.get("encrypted") is True if encrypted is None else encrypted))
    except ReplyError as error:
        return jsonify(error=str(error)), 502
    except AccountRefused as refused:
        return jsonify(error=refused.reason), refused.status


# --- the terminal -------------------------------------------------------------

def _menu_items() -> list[dict]:
    """The menu's leaves in display order, each with its path ("会员服务 / 申请入会")."""
    items = []
    for top in content.menu().get("button", []):
        for button in top.get("sub_button") or [top]:
            path = top["name"] if button is top else f"{top['name']} / {button['name']}"
            items.append({**button, "path": path})
    return items


def _verify_server(config: Config, url: str, text: dict) -> None:
    """What WeChat does when the URL is configured: GET with echostr; exit if it fails."""
    timestamp, nonce, echostr = str(int(time.time())), str(secrets.randbelow(10**10)), secrets.token_hex(8)
    query = {"signature": sign(config.wechat_token, timestamp, nonce),
             "timestamp": timestamp, "nonce": nonce, "echostr": echostr}
    try:
        response = requests.get(url, params=query, timeout=DEADLINE_SECONDS)
    except (requests.ConnectionError, requests.Timeout):
        problem = text["not_running"].format(url=url)
    else:
        if response.status_code == 200 and response.text == echostr:
            return
        key = "bad_token" if response.status_code == 403 else "not_webhook"
        problem = text[key].format(url=url, status=response.status_code)
    print(problem, file=sys.stderr)
    raise SystemExit(1)


def _print_menu(text: dict, items: list[dict]) -> None:
    print(text["menu_title"])
    for number, item in enumerate(items, 1):
        target = item.get("key") or item.get("url", "")
        print(f"  {number:>2}  {item['path']}  ({target})")


def _indented(text: str, indent: str) -> str:
    return "\n".join(indent + line if line else "" for line in text.splitlines())


def _print_reply(text: dict, reply: dict) -> None:
    prefix = text["bot"]
    # Continuation lines line up under the first; CJK characters are two columns wide.
    indent = " " * sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in prefix)
    if reply["type"] == "text":
        print(prefix + _indented(reply["content"], indent).lstrip())
    elif reply["type"] == "news":
        for article in reply["articles"]:
            print(f"{prefix}【{article['title']}】")
            if article["description"]:
                print(_indented(article["description"], indent))
            print(indent + article["url"])
    elif reply["type"] == "none":
        print(text["no_reply"])
    else:
        print(f"{prefix}[{reply['type']}]")


def run_terminal_chat(config: Config, url: str, openid: str, encrypted: bool) -> None:
    """Chat with the bot at `url` from the terminal, one line per message (see /help)."""
    text = labels()["terminal"]
    items = _menu_items()
    session = requests.Session()

    def send(msg_type: str, **fields) -> None:
        query, body = envelope(config, build_message_xml(openid, msg_type, **fields), encrypted)
        try:
            response = session.post(url, params=query, data=body.encode("utf-8"),
                                    headers=_XML_HEADERS, timeout=DEADLINE_SECONDS)
        except requests.ReadTimeout:
            print(text["timeout"])
            return
        except requests.ConnectionError:
            print(text["not_running"].format(url=url))
            return
        if response.status_code != 200:
            print(text["refused"].format(status=response.status_code, reason=response.text))
            return
        try:
            _print_reply(text, open_reply(config, response.content.decode("utf-8"), encrypted))
        except ReplyError as error:
            print(text["bad_reply"].format(error=error))

    def click(item: dict) -> None:
        if item.get("type") == "view":
            print(text["opened"].format(url=item["url"]))
            send("event", Event="VIEW", EventKey=item["url"])
        else:
            send("event", Event="CLICK", EventKey=item["key"])

    def handle(line: str) -> None:
        command, _, argument = line.partition(" ")
        argument = argument.strip()
        if not line.startswith("/"):
            send("text", Content=line)
        elif command == "/help":
            print(text["commands"])
        elif command == "/menu" and not argument:
            _print_menu(text, items)
        elif command == "/menu":
            if argument.isdigit() and 1 <= int(argument) <= len(items):
                click(items[int(argument) - 1])
            else:
                print(text["bad_menu_number"].format(count=len(items)))
        elif command == "/click" and argument:
            send("event", Event="CLICK", EventKey=argument)
        elif command == "/follow":
            send("event", Event="subscribe")
        elif command == "/unfollow":
            send("event", Event="unsubscribe")
        elif command == "/voice":
            send("voice", **({"Recognition": argument} if argument else {}))
        elif command == "/image":
            send("image")
        elif command == "/location":
            send("location", **sample_location())
        else:
            print(text["unknown_command"].format(command=line))

    _verify_server(config, url, text)
    print(text["banner"].format(name=content.society()["name"]))
    mode = text["mode_safe"] if encrypted else text["mode_plain"]
    print(text["connected"].format(url=url, openid=openid, mode=mode))
    _print_menu(text, items)
    print(text["commands"])
    try:
        while True:
            if sys.stdin.isatty():
                print(text["prompt"], end="", flush=True)
            line = sys.stdin.readline()
            if not line:  # end of input
                break
            line = line.strip()
            if line == "/quit":
                break
            if line:
                handle(line)
    except KeyboardInterrupt:
        pass
    print()
