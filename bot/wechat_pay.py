"""WeChat Pay API v3 (JSAPI) through the wechatpayv3 SDK: orders, the payment prompt, queries,
closing, and the notifications WeChat Pay posts back. Nothing here signs or decrypts by hand.

The merchant signs its requests with its private key; WeChat Pay's answers and
notifications are verified with WeChat Pay's public key (the "微信支付公钥" mode:
no platform certificates to download). A notification is accepted only when its
Wechatpay-Serial is that key's id (so a made-up serial cannot send the SDK off to
fetch certificates), its timestamp is recent, its signature verifies, and its
resource decrypts under the APIv3 key (AEAD_AES_256_GCM).
"""
from __future__ import annotations

import json
import logging
import secrets
import time
from functools import lru_cache

import requests
from wechatpayv3 import SignType, WeChatPay, WeChatPayType

from bot.config import Config

log = logging.getLogger(__name__)


class PayError(RuntimeError):
    """WeChat Pay could not be reached or refused the call; `code` is its error code when it said one."""

    def __init__(self, message: str, code: str | None = None):
        super().__init__(message)
        self.code = code


@lru_cache(maxsize=4)
def client(config: Config, notify_url: str) -> WeChatPay:
    """One SDK client per process and settings (it loads the keys once)."""
    pay = WeChatPay(
        wechatpay_type=WeChatPayType.JSAPI, mchid=config.pay_mchid, private_key=config.pay_private_key,
        cert_serial_no=config.pay_serial_no, appid=config.app_id, apiv3_key=config.pay_apiv3_key,
        notify_url=notify_url, timeout=(config.api_timeout_seconds, config.api_timeout_seconds),
        public_key=config.pay_public_key, public_key_id=config.pay_public_key_id, logger=None)
    pay._core._gate_way = config.pay_gateway  # the SDK has no setting for the host; tests use a stand-in
    return pay


def _call(what: str, call, *args, **kwargs) -> tuple[int, dict]:
    """Run one SDK call; its answer as (HTTP status, JSON), or PayError."""
    try:
        status, body = call(*args, **kwargs)
    except requests.RequestException as error:
        raise PayError(f"{what}: {type(error).__name__}") from None
    except Exception as error:  # the SDK raises bare Exception, e.g. for an answer whose signature fails
        raise PayError(f"{what}: {error}") from None
    data = json.loads(body) if isinstance(body, str) and body else {}
    if status >= 300:
        raise PayError(f"{what}: HTTP {status} {data.get('code')} {data.get('message')}", data.get("code"))
    return status, data


def place_order(pay: WeChatPay, out_trade_no: str, description: str, amount_fen: int, openid: str,
                time_expire: str) -> str:
    """POST /v3/pay/transactions/jsapi; returns the prepay_id."""
    _, data = _call("order", pay.pay, description=description, out_trade_no=out_trade_no,
                    amount={"total": amount_fen, "currency": "CNY"}, payer={"openid": openid},
                    time_expire=time_expire, pay_type=WeChatPayType.JSAPI)
    if not data.get("prepay_id"):
        raise PayError("order: no prepay_id in the answer")
    return data["prepay_id"]


def prompt_parameters(pay: WeChatPay, app_id: str, prepay_id: str) -> dict:
    """What the page hands WeixinJSBridge 'getBrandWCPayRequest', signed with the merchant's key."""
    timestamp, nonce = str(int(time.time())), secrets.token_hex(16)
    package = f"prepay_id={prepay_id}"
    return {"appId": app_id, "timeStamp": timestamp, "nonceStr": nonce, "package": package, "signType": "RSA",
            "paySign": pay.sign([app_id, timestamp, nonce, package], SignType.RSA_SHA256)}


def query(pay: WeChatPay, out_trade_no: str) -> dict:
    """The order as WeChat Pay has it (trade_state SUCCESS, NOTPAY, CLOSED, ...)."""
    return _call("query", pay.query, out_trade_no=out_trade_no)[1]


def close(pay: WeChatPay, out_trade_no: str) -> None:
    _call("close", pay.close, out_trade_no=out_trade_no)


def refund(pay: WeChatPay, out_trade_no: str, refund_no: str, amount_fen: int, reason: str) -> dict:
    """POST /v3/refund/domestic/refunds for the whole order; its outcome comes by notification."""
    return _call("refund", pay.refund, out_refund_no=refund_no, out_trade_no=out_trade_no, reason=reason[:80],
                 amount={"refund": amount_fen, "total": amount_fen, "currency": "CNY"})[1]


def notification(pay: WeChatPay, config: Config, headers, body: bytes) -> dict | None:
    """A notification's decrypted resource, or None if anything about it is not WeChat Pay's own."""
    if headers.get("Wechatpay-Serial") != config.pay_public_key_id:
        return None
    try:
        signed_at = int(headers.get("Wechatpay-Timestamp", ""))
    except ValueError:
        return None
    if abs(time.time() - signed_at) > config.pay_timestamp_skew_seconds:
        return None
    plain = {name: headers.get(name, "") for name in (
        "Wechatpay-Signature", "Wechatpay-Timestamp", "Wechatpay-Nonce", "Wechatpay-Serial",
        "Wechatpay-Signature-Type")}
    try:
        data = pay.callback(plain, body)
    except Exception as error:  # the SDK raises bare Exception (unknown algorithm), ValueError, JSON errors
        log.warning("WeChat Pay notification refused: %s", type(error).__name__)
        return None
    if not data or not isinstance(data.get("resource"), dict):
        return None
    return {"event_type": data.get("event_type"), **data["resource"]}
