"""The yardstick for bench/bench_webhook.py: a bare wechatpy + Flask webhook.

It does only what any WeChat webhook must: check the signature, parse the
message and echo its text back as a passive reply. No replay window, size
cap, Redis, SQLite, routing or flows. The bot's throughput is reported as a
share of this one's, both served alike (`gunicorn -w 2`).

Run: WECHAT_TOKEN=... gunicorn -w 2 -b 127.0.0.1:8001 bench.bare_handler:app
"""
from __future__ import annotations

import os

from flask import Flask, Response, request
from wechatpy import parse_message
from wechatpy.exceptions import InvalidSignatureException
from wechatpy.replies import TextReply
from wechatpy.utils import check_signature

TOKEN = os.environ["WECHAT_TOKEN"]
app = Flask(__name__)


@app.post("/wechat")
def echo():
    try:
        check_signature(TOKEN, request.args.get("signature", ""), request.args.get("timestamp", ""),
                        request.args.get("nonce", ""))
    except InvalidSignatureException:
        return Response("bad signature", status=403)
    message = parse_message(request.get_data())
    reply = TextReply(content=getattr(message, "content", "") or "success", message=message)
    return Response(reply.render(), content_type="application/xml; charset=utf-8")
