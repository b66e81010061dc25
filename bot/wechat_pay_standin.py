"""A WeChat Pay API v3 stand-in that signs, verifies and encrypts like the real one.

A real HTTP server on 127.0.0.1 with its own RSA key pair (WeChat Pay's
"public key" mode: the merchant holds our public key and its id), made fresh
for each test, and the merchant's APIv3 key. It checks the merchant's
Authorization signature on every request (401 SIGN_ERROR otherwise), signs
every answer (Wechatpay-Signature/-Timestamp/-Nonce/-Serial), and builds
notifications as WeChat Pay does: the transaction encrypted with
AEAD_AES_256_GCM under the APIv3 key, the whole body signed.

    standin.pay(out_trade_no)                  the member pays in WeChat: the order is SUCCESS
    standin.notification(out_trade_no)         (headers, body) of a fresh, genuine notification
    standin.forged_notification(no, how)       one that must be refused: "key" (signed with another
                                               key), "body" (altered after signing), "serial",
                                               "stale" (signed 10 minutes ago), "apiv3" (encrypted
                                               under another APIv3 key but signed)
    standin.deliver(url, no, repeats=2)        POST the notification as WeChat Pay would: again until
                                               answered 2xx, then `repeats` more (it does repeat)

Endpoints: POST /v3/pay/transactions/jsapi, GET /v3/pay/transactions/out-trade-no/{no},
POST /v3/pay/transactions/out-trade-no/{no}/close, POST /v3/refund/domestic/refunds,
GET /v3/bill/tradebill (the day's bill of paid orders, gzipped, with its SHA1) and the download it
points at.

Two users: the tests, through the `pay_standin` fixture (tests/wechatpay_standin.py, which sets
env["WECHATPAY_*"]), and `make run` (`for_development`): in development, with no merchant
configured, `serve` starts one and points the app at it, and the pay page, which has no
WeixinJSBridge outside WeChat, sends the member to the stand-in's payment sheet
(/sheet/<prepay_id>): confirming it pays the order, posts the signed, encrypted notification
to the app as WeChat Pay would, and returns to the app's result page. Production never
starts it (for_development returns None there, and load_config refuses WECHATPAY_STANDIN).
"""
from __future__ import annotations

import base64
import html
import json
import re
import secrets
import string
import threading
import time
from dataclasses import replace
from datetime import datetime, timedelta, timezone
from urllib.parse import urlsplit

import requests
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from werkzeug.serving import make_server
from werkzeug.wrappers import Request, Response

from bot import content
from bot.config import Config

BEIJING = timezone(timedelta(hours=8))
SIGNATURE_TYPE = "WECHATPAY2-SHA256-RSA2048"
_AUTH = re.compile(r'WECHATPAY2-SHA256-RSA2048 (.*)')


def new_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def private_pem(key) -> str:
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption()).decode()


def public_pem(key) -> str:
    return key.public_key().public_bytes(serialization.Encoding.PEM,
                                         serialization.PublicFormat.SubjectPublicKeyInfo).decode()


def _sign(key, message: str) -> str:
    return base64.b64encode(key.sign(message.encode(), padding.PKCS1v15(), hashes.SHA256())).decode()


class WeChatPayStandIn:
    def __init__(self, mchid: str, appid: str, apiv3_key: str, merchant_public_key, merchant_serial: str):
        self.mchid, self.appid, self.apiv3_key = mchid, appid, apiv3_key
        self.merchant_public_key, self.merchant_serial = merchant_public_key, merchant_serial
        self.key = new_key()
        self.public_key_id = "PUB_KEY_ID_" + secrets.token_hex(16).upper()
        self.orders: dict[str, dict] = {}
        self.requests: list[tuple[str, str]] = []  # (method, path) of every accepted call
        self.refused: list[str] = []  # why calls were refused
        self.notify_answers: list[int] = []  # HTTP status of each notification delivered
        self._lock = threading.Lock()
        self._server = self._thread = None

    @property
    def public_key_pem(self) -> str:
        return public_pem(self.key)

    # --- what tests call -------------------------------------------------------------

    def order(self, out_trade_no: str) -> dict:
        with self._lock:
            return dict(self.orders[out_trade_no])

    def pay(self, out_trade_no: str) -> dict:
        """The member confirms the payment prompt: the order is paid now."""
        with self._lock:
            order = self.orders[out_trade_no]
            if order["trade_state"] != "SUCCESS":
                order.update(trade_state="SUCCESS", trade_state_desc="支付成功",
                             transaction_id="4200" + "".join(secrets.choice(string.digits) for _ in range(24)),
                             success_time=datetime.now(BEIJING).isoformat(timespec="seconds"))
            return self._transaction(order)

    def notification(self, out_trade_no: str, signed_at: int | None = None, key=None,
                     apiv3_key: str | None = None) -> tuple[dict, bytes]:
        with self._lock:
            transaction = self._transaction(self.orders[out_trade_no])
        nonce = secrets.token_urlsafe(9)[:12]
        sealed = AESGCM((apiv3_key or self.apiv3_key).encode()).encrypt(
            nonce.encode(), json.dumps(transaction, ensure_ascii=False).encode(), b"transaction")
        body = json.dumps({
            "id": secrets.token_hex(16), "create_time": datetime.now(BEIJING).isoformat(timespec="seconds"),
            "resource_type": "encrypt-resource", "event_type": "TRANSACTION.SUCCESS", "summary": "支付成功",
            "resource": {"original_type": "transaction", "algorithm": "AEAD_AES_256_GCM",
                         "ciphertext": base64.b64encode(sealed).decode(), "associated_data": "transaction",
                         "nonce": nonce}}, ensure_ascii=False)
        return self._signed_headers(body, signed_at, key), body.encode()

    def forged_notification(self, out_trade_no: str, how: str) -> tuple[dict, bytes]:
        if how == "key":
            return self.notification(out_trade_no, key=new_key())
        if how == "stale":
            return self.notification(out_trade_no, signed_at=int(time.time()) - 600)
        if how == "apiv3":
            return self.notification(out_trade_no, apiv3_key="A" * 32)
        headers, body = self.notification(out_trade_no)
        if how == "body":
            return headers, body.replace(b'"summary": "', b'"summary": "x')
        if how == "serial":
            return dict(headers, **{"Wechatpay-Serial": "5157F09EFDC096DE15EBE81A47057A7232F1B8E1"}), body
        if how == "type":
            return dict(headers, **{"Wechatpay-Signature-Type": "WECHATPAY2-SM2-WITH-SM3"}), body
        raise ValueError(how)

    def deliver(self, url: str, out_trade_no: str, repeats: int = 0, tries: int = 5) -> list[int]:
        """POST the notification until answered 2xx (at most `tries`), then `repeats` more times."""
        answers = []
        for _ in range(tries):
            headers, body = self.notification(out_trade_no)
            answers.append(requests.post(url, data=body, headers=headers, timeout=30).status_code)
            if 200 <= answers[-1] < 300:
                break
        for _ in range(repeats):
            headers, body = self.notification(out_trade_no)
            answers.append(requests.post(url, data=body, headers=headers, timeout=30).status_code)
        self.notify_answers += answers
        return answers

    # --- the server --------------------------------------------------------------------

    def start(self) -> str:
        self._server = make_server("127.0.0.1", 0, self._wsgi, threaded=True)
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05},
                                        daemon=True)
        self._thread.start()
        self.base_url = f"http://127.0.0.1:{self._server.server_port}"
        return self.base_url

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join()

    @Request.application
    def _wsgi(self, request: Request) -> Response:
        sheet = re.fullmatch(r"/sheet/(wx[0-9a-f]{30})", request.path)
        if sheet:  # the member's browser, not the merchant: no Authorization
            return self._sheet(request, sheet.group(1))
        body = request.get_data(as_text=True)
        path = request.full_path.rstrip("?") if request.query_string else request.path
        refusal = self._check_authorization(request.method, path, body, request.headers.get("Authorization", ""))
        if refusal:
            self.refused.append(refusal)
            return self._answer(401, {"code": "SIGN_ERROR", "message": refusal})
        with self._lock:
            self.requests.append((request.method, request.path))
            if request.method == "POST" and request.path == "/v3/pay/transactions/jsapi":
                return self._jsapi(json.loads(body or "{}"))
            if request.method == "POST" and request.path == "/v3/refund/domestic/refunds":
                return self._refund(json.loads(body or "{}"))
            if request.method == "GET" and request.path == "/v3/bill/tradebill":
                return self._trade_bill(request.args.get("bill_date", ""))
            if request.method == "GET" and request.path == "/v3/billdownload/file":
                return self._bill_file(request.args.get("token", ""))
            found = re.fullmatch(r"/v3/pay/transactions/out-trade-no/([^/]+)(/close)?", request.path)
            if found and request.method == "GET" and not found.group(2):
                return self._query(found.group(1), request.args.get("mchid"))
            if found and request.method == "POST" and found.group(2):
                return self._close(found.group(1), json.loads(body or "{}"))
        return self._answer(404, {"code": "NOT_FOUND", "message": "no such API"})

    def _check_authorization(self, method: str, path: str, body: str, header: str) -> str | None:
        found = _AUTH.fullmatch(header)
        if not found:
            return "no WECHATPAY2-SHA256-RSA2048 Authorization"
        fields = dict(re.findall(r'(\w+)="([^"]*)"', found.group(1)))
        if fields.get("mchid") != self.mchid or fields.get("serial_no") != self.merchant_serial:
            return "wrong mchid or serial_no"
        if abs(time.time() - int(fields.get("timestamp") or 0)) > 300:
            return "timestamp out of range"
        message = f"{method}\n{path}\n{fields['timestamp']}\n{fields['nonce_str']}\n{body}\n"
        try:
            self.merchant_public_key.verify(base64.b64decode(fields.get("signature", "")), message.encode(),
                                            padding.PKCS1v15(), hashes.SHA256())
        except (InvalidSignature, ValueError):
            return "signature does not verify"
        return None

    def _signed_headers(self, body: str, signed_at: int | None = None, key=None) -> dict:
        timestamp, nonce = str(signed_at or int(time.time())), secrets.token_hex(16)
        return {"Wechatpay-Timestamp": timestamp, "Wechatpay-Nonce": nonce,
                "Wechatpay-Signature": _sign(key or self.key, f"{timestamp}\n{nonce}\n{body}\n"),
                "Wechatpay-Serial": self.public_key_id, "Wechatpay-Signature-Type": SIGNATURE_TYPE,
                "Content-Type": "application/json"}

    def _answer(self, status: int, data: dict | None) -> Response:
        body = json.dumps(data, ensure_ascii=False) if data is not None else ""
        headers = self._signed_headers(body)
        if data is None:
            headers.pop("Content-Type")
        return Response(body, status=status, headers=headers)

    def _jsapi(self, order: dict) -> Response:
        amount, payer = order.get("amount") or {}, order.get("payer") or {}
        no = order.get("out_trade_no") or ""
        if (order.get("appid") != self.appid or order.get("mchid") != self.mchid or not order.get("description")
                or not re.fullmatch(r"[A-Za-z0-9_*|-]{6,32}", no) or not order.get("notify_url")
                or not isinstance(amount.get("total"), int) or amount["total"] <= 0 or not payer.get("openid")):
            return self._answer(400, {"code": "PARAM_ERROR", "message": "参数错误"})
        if no in self.orders:
            return self._answer(400, {"code": "INVALID_REQUEST", "message": "订单号重复"})
        self.orders[no] = {"out_trade_no": no, "description": order["description"], "total": amount["total"],
                           "openid": payer["openid"], "notify_url": order["notify_url"],
                           "prepay_id": "wx" + secrets.token_hex(15), "trade_state": "NOTPAY",
                           "trade_state_desc": "订单未支付", "time_expire": order.get("time_expire")}
        return self._answer(200, {"prepay_id": self.orders[no]["prepay_id"]})

    BILL_HEADER = ("交易时间,公众账号ID,商户号,特约商户号,设备号,微信订单号,商户订单号,用户标识,交易类型,交易状态,付款银行,"
                   "货币种类,应结订单金额,代金券金额,微信退款单号,商户退款单号,退款金额,充值券退款金额,退款类型,退款状态,"
                   "商品名称,商户数据包,手续费,费率,订单金额,申请退款金额,费率备注")

    def bill_text(self, day: str) -> str:
        """The day's trade bill as WeChat Pay writes it: values after a backtick, then the totals."""
        lines = [self.BILL_HEADER]
        paid = [o for o in self.orders.values() if o["trade_state"] == "SUCCESS" and o["success_time"][:10] == day]
        for o in paid:
            yuan = f"{o['total'] / 100:.2f}"
            values = [o["success_time"][:19].replace("T", " "), self.appid, self.mchid, "0", "", o["transaction_id"],
                      o["out_trade_no"], o["openid"], "JSAPI", "SUCCESS", "OTHERS", "CNY", yuan, "0.00", "0", "0",
                      "0.00", "0.00", "", "", o["description"], "", f"{o['total'] * 0.006 / 100:.5f}", "0.60%",
                      yuan, "0.00", ""]
            lines.append(",".join("`" + value for value in values))
        total = sum(o["total"] for o in paid) / 100
        lines += ["总交易单数,应结订单总金额,退款总金额,充值券退款总金额,手续费总金额,订单总金额,申请退款总金额",
                  f"`{len(paid)},`{total:.2f},`0.00,`0.00,`{total * 0.006:.5f},`{total:.2f},`0.00"]
        return "\n".join(lines) + "\n"

    def _trade_bill(self, day: str) -> Response:
        import gzip
        import hashlib

        token = secrets.token_urlsafe(16)
        self.bills = getattr(self, "bills", {})
        self.bills[token] = gzip.compress(self.bill_text(day).encode("utf-8"))
        return self._answer(200, {"hash_type": "SHA1", "hash_value": hashlib.sha1(self.bills[token]).hexdigest(),
                                  "download_url": f"{self.base_url}/v3/billdownload/file?token={token}"})

    def _bill_file(self, token: str) -> Response:
        content = getattr(self, "bills", {}).get(token)
        if content is None:
            return self._answer(404, {"code": "NO_STATEMENT_EXIST", "message": "账单不存在"})
        return Response(content, status=200, mimetype="application/octet-stream")

    def _refund(self, request: dict) -> Response:
        order = self.orders.get(request.get("out_trade_no") or "")
        amount = request.get("amount") or {}
        if order is None or order["trade_state"] != "SUCCESS":
            return self._answer(404, {"code": "RESOURCE_NOT_EXISTS", "message": "订单不存在或未支付"})
        if amount.get("total") != order["total"] or not 0 < (amount.get("refund") or 0) <= order["total"]:
            return self._answer(400, {"code": "PARAM_ERROR", "message": "退款金额不对"})
        order.update(out_refund_no=request["out_refund_no"], refund_fen=amount["refund"],
                     refund_id="5030" + secrets.token_hex(12), refund_status="PROCESSING")
        return self._answer(200, {"refund_id": order["refund_id"], "out_refund_no": request["out_refund_no"],
                                  "out_trade_no": order["out_trade_no"], "status": "PROCESSING",
                                  "amount": {"refund": amount["refund"], "total": order["total"], "currency": "CNY"}})

    def refund_notification(self, out_trade_no: str) -> tuple[dict, bytes]:
        """WeChat Pay's REFUND.SUCCESS notification for the refund requested on this order."""
        with self._lock:
            order = self.orders[out_trade_no]
            order["refund_status"] = "SUCCESS"
            resource = {"mchid": self.mchid, "out_trade_no": out_trade_no, "transaction_id": order["transaction_id"],
                        "out_refund_no": order["out_refund_no"], "refund_id": order["refund_id"],
                        "refund_status": "SUCCESS", "success_time": datetime.now(BEIJING).isoformat(timespec="seconds"),
                        "amount": {"total": order["total"], "refund": order["refund_fen"],
                                   "payer_total": order["total"], "payer_refund": order["refund_fen"]}}
        nonce = secrets.token_urlsafe(9)[:12]
        sealed = AESGCM(self.apiv3_key.encode()).encrypt(nonce.encode(), json.dumps(resource).encode(), b"refund")
        body = json.dumps({"id": secrets.token_hex(16), "create_time": resource["success_time"],
                           "resource_type": "encrypt-resource", "event_type": "REFUND.SUCCESS", "summary": "退款成功",
                           "resource": {"original_type": "refund", "algorithm": "AEAD_AES_256_GCM",
                                        "ciphertext": base64.b64encode(sealed).decode(), "associated_data": "refund",
                                        "nonce": nonce}})
        return self._signed_headers(body), body.encode()

    def _transaction(self, order: dict) -> dict:
        data = {"appid": self.appid, "mchid": self.mchid, "out_trade_no": order["out_trade_no"],
                "trade_state": order["trade_state"], "trade_state_desc": order["trade_state_desc"],
                "amount": {"total": order["total"], "currency": "CNY"}}
        if order["trade_state"] == "SUCCESS":
            data.update(transaction_id=order["transaction_id"], trade_type="JSAPI", bank_type="OTHERS",
                        success_time=order["success_time"], payer={"openid": order["openid"]},
                        amount={"total": order["total"], "payer_total": order["total"], "currency": "CNY",
                                "payer_currency": "CNY"})
        return data

    def _query(self, no: str, mchid: str | None) -> Response:
        if mchid != self.mchid:
            return self._answer(400, {"code": "PARAM_ERROR", "message": "mchid"})
        if no not in self.orders:
            return self._answer(404, {"code": "ORDER_NOT_EXIST", "message": "订单不存在"})
        return self._answer(200, self._transaction(self.orders[no]))

    def _close(self, no: str, body: dict) -> Response:
        if body.get("mchid") != self.mchid:
            return self._answer(400, {"code": "PARAM_ERROR", "message": "mchid"})
        order = self.orders.get(no)
        if order is None:
            return self._answer(404, {"code": "ORDER_NOT_EXIST", "message": "订单不存在"})
        if order["trade_state"] == "SUCCESS":
            return self._answer(400, {"code": "ORDERPAID", "message": "订单已支付"})
        order.update(trade_state="CLOSED", trade_state_desc="已关闭")
        return self._answer(204, None)

    # --- the payment sheet (what WeChat shows the member; development only) ----------------

    def _sheet(self, request: Request, prepay_id: str) -> Response:
        """GET: the order and a confirm button; POST: paid, notified, back to the app's result page."""
        with self._lock:
            order = next((o for o in self.orders.values() if o["prepay_id"] == prepay_id), None)
        back = request.values.get("back", "")
        if order is None or not back.startswith("/m/") or back.startswith("/m//") or "\\" in back:
            return Response(content.text("pages.pay_standin.unknown"), status=404, mimetype="text/plain")
        app = urlsplit(order["notify_url"])
        if request.method == "POST":
            self.pay(order["out_trade_no"])
            self.deliver(order["notify_url"], order["out_trade_no"])
            return Response(status=303, headers={"Location": f"{app.scheme}://{app.netloc}{back}"})
        words = {key: html.escape(content.text(f"pages.pay_standin.{key}")) for key in ("title", "note", "confirm")}
        page = (f'<!doctype html><html lang="zh-CN"><head><meta charset="utf-8">'
                f'<meta name="viewport" content="width=device-width, initial-scale=1"><link rel="icon" href="data:,">'
                f'<title>{words["title"]}</title>'
                f'</head><body style="font:16px sans-serif;max-width:420px;margin:40px auto;padding:0 16px">'
                f'<h1>{words["title"]}</h1><p id="sheet-description">{html.escape(order["description"])}</p>'
                f'<p id="sheet-amount" style="font-size:28px;font-weight:700">¥{order["total"] / 100:.2f}</p>'
                f'<form method="post"><input type="hidden" name="back" value="{html.escape(back)}">'
                f'<button id="sheet-confirm" style="width:100%;padding:12px;font-size:17px">{words["confirm"]}</button>'
                f'</form><p style="color:#888">{words["note"]}</p></body></html>')
        return Response(page, mimetype="text/html")


# --- a merchant pointed at a stand-in ---------------------------------------------------------

MCHID = "1900000109"
MERCHANT_SERIAL = "3775B6A45ACD588826D15E583A95F5DD25B18F30"
# Config field -> the environment variable it is read from (bot/config.py).
SETTING_NAMES = {"pay_gateway": "WECHATPAY_GATEWAY", "pay_mchid": "WECHATPAY_MCHID",
                 "pay_serial_no": "WECHATPAY_SERIAL_NO", "pay_private_key": "WECHATPAY_PRIVATE_KEY",
                 "pay_apiv3_key": "WECHATPAY_APIV3_KEY", "pay_public_key": "WECHATPAY_PUBLIC_KEY",
                 "pay_public_key_id": "WECHATPAY_PUBLIC_KEY_ID"}


def start(app_id: str) -> tuple[WeChatPayStandIn, dict]:
    """A running stand-in with a fresh merchant key pair and APIv3 key, and the merchant's
    settings (Config field names) that point the app at it."""
    merchant = new_key()
    apiv3_key = secrets.token_hex(16)
    standin = WeChatPayStandIn(MCHID, app_id, apiv3_key, merchant.public_key(), MERCHANT_SERIAL)
    standin.merchant_key = merchant
    settings = {"pay_gateway": standin.start(), "pay_mchid": MCHID, "pay_serial_no": MERCHANT_SERIAL,
                "pay_private_key": private_pem(merchant), "pay_apiv3_key": apiv3_key,
                "pay_public_key": standin.public_key_pem, "pay_public_key_id": standin.public_key_id}
    return standin, settings


def for_development(config: Config) -> tuple[Config, WeChatPayStandIn | None]:
    """`make run`: in development without a merchant, a stand-in and the config paying through it
    (its payment sheet at config.pay_standin_url); anywhere else the config unchanged and None."""
    if not config.dev_mode or not config.pay_standin or config.pay_enabled:
        return config, None
    standin, settings = start(config.app_id)
    return replace(config, **settings, pay_standin_url=settings["pay_gateway"]), standin
