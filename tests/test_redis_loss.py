"""What Redis holds and what losing it costs (docs/operations.md, "What a Redis loss costs").

Redis holds short-lived things only: WeChat retry claims and kept replies (10 min), members'
half-filled forms (30 min), the per-member lock, the cached access token, customer-service
windows, the monthly mass-send count, and the queue of notices waiting for a worker.

- Redis killed outright (SIGKILL, a crash, the OOM killer): its append-only log is synced every
  second, so on restart it has everything it had a second before.
- Redis lost with its disk: members lose a half-filled form and start it again; nothing in the
  member store is touched and the next message is answered as usual.
"""
from __future__ import annotations

import os
import signal
import time

import pytest
import redis

from bot import content
from storage import state
from storage.redis_server import ensure_private_redis, stop_private_redis
from tests.test_webhook import (  # noqa: F401  (account, wire: fixtures)
    account,
    is_chinese,
    new_member,
    open_feedback,
    ticket_numbers,
    tickets,
    wire,
)

pytest_plugins = ["tests.fake_wechat"]


def test_the_private_redis_killed_outright_keeps_what_it_had_a_second_before(tmp_path):
    url, _ = ensure_private_redis(tmp_path)
    try:
        r = redis.Redis.from_url(url)
        r.set("xh:flow:o_member", '{"flow": "signup", "step": "mobile"}')
        r.rpush("rq:queue:default", "job-1")
        time.sleep(1.5)  # appendfsync everysec: on disk within a second
        pid = int((tmp_path / "redis.pid").read_text())
        os.kill(pid, signal.SIGKILL)
        while os.path.exists(f"/proc/{pid}"):
            time.sleep(0.05)
        url, started = ensure_private_redis(tmp_path)
        assert started
        r = redis.Redis.from_url(url)
        assert r.get("xh:flow:o_member") == b'{"flow": "signup", "step": "mobile"}'
        assert r.lrange("rq:queue:default", 0, -1) == [b"job-1"]
    finally:
        stop_private_redis(tmp_path)


def test_redis_lost_with_its_disk_costs_a_half_filled_form_and_nothing_stored(wire, db, redis_client):
    member = new_member()
    open_feedback(wire, member)
    filed = wire.say(member, "建议年会的报名表可以在公众号里直接填写")
    assert len(ticket_numbers(filed)) == 1

    open_feedback(wire, member)  # half-way through a second one when Redis goes
    redis_client.flushall()

    answer = wire.say(member, "会场的无线网络经常断线")
    assert is_chinese(answer) and answer != content.text("feedback.ask")
    assert [t["ticket_no"] for t in tickets(db)] == ticket_numbers(filed)  # the stored one is intact
    open_feedback(wire, member)  # and the member can start again at once
    assert len(ticket_numbers(wire.say(member, "会场的无线网络经常断线"))) == 1


def test_the_late_path_waits_no_longer_than_its_bound_while_redis_stalls(tmp_path):
    """Redis stops answering (CLIENT PAUSE): keeping a late reply for retries and a retry's read of it
    give up within their bound, on the connection the thread already holds and on a new one."""
    url, _ = ensure_private_redis(tmp_path)
    try:
        r = redis.Redis.from_url(url)
        state.store_reply(r, "msg:1", "<xml>1</xml>", 60, within=1.0)  # the thread's connection, connected
        r.execute_command("CLIENT", "PAUSE", 5000, "ALL")
        for bounded in (lambda: state.store_reply(r, "msg:2", "<xml>2</xml>", 60, within=0.3),
                        lambda: state.wait_for_reply(r, "msg:1", 0.3)):  # after a timeout: connected afresh
            started = time.monotonic()
            with pytest.raises(redis.TimeoutError):
                bounded()
            assert time.monotonic() - started < 0.6
    finally:
        stop_private_redis(tmp_path)
