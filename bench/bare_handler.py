"""The yardsticks for bench/bench_webhook.py: bare wechatpy + Flask webhooks.

`app` checks the signature, parses the message and echoes its text back as a
passive reply: no replay window, size cap, Redis, SQLite, routing or flows.
`app_with_dedupe` does as little as a correct webhook can: WeChat sends a
message again when the answer is late, so it also claims the MsgId in Redis
before answering and keeps the reply for the retries (two round trips, as the
bot's floor). The bot's throughput is reported as a share of each, all served
alike (`gunicorn -w 2`).

Run: WECHAT_TOKEN=... gunicorn -w 2 -b 127.0.0.1:8001 bench.bare_handler:app
     WECHAT_TOKEN=... REDIS_URL=... gunicorn -w 2 -b 127.0.0.1:8002 bench.bare_handler:app_with_dedupe
"""
from __future__ import annotations

import os

import redis
from flask import Flask, Response, request
from wechatpy import parse_message
from wechatpy.exceptions import InvalidSignatureException
from wechatpy.replies import TextReply
from wechatpy.utils import check_signature

TOKEN = os.environ["WECHAT_TOKEN"]
app = Flask(__name__)
app_with_dedupe = Flask(__name__)
retries = redis.Redis.from_url(os.environ["REDIS_URL"]) if os.environ.get("REDIS_URL") else None


def _message():
    """The parsed message, or None for a bad signature."""
    try:
        check_signature(TOKEN, request.args.get("signature", ""), request.args.get("timestamp", ""),
                        request.args.get("nonce", ""))
    except InvalidSignatureException:
        return None
    return parse_message(request.get_data())


def _echo(message) -> str:
    return TextReply(content=getattr(message, "content", "") or "success", message=message).render()


@app.post("/wechat")
def echo():
    message = _message()
    if message is None:
        return Response("bad signature", status=403)
    return Response(_echo(message), content_type="application/xml; charset=utf-8")


@app_with_dedupe.post("/wechat")
def echo_once():
    message = _message()
    if message is None:
        return Response("bad signature", status=403)
    key = f"bare:dedupe:{message.id}"
    if not retries.set(key, "", nx=True, ex=600):
        return Response(retries.get(key) or b"success", content_type="application/xml; charset=utf-8")
    xml = _echo(message)
    retries.set(key, xml, ex=600)
    return Response(xml, content_type="application/xml; charset=utf-8")
