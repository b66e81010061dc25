"""What tests read (and plant) in Redis that the product itself never reads back this way: a member's
flow, the late replies' outcome log, the customer-service window's messages left, the month's mass
sends. Through storage.state's own key functions, so a test looks where the product writes."""
from __future__ import annotations

import json

import redis

from storage import state


def load_flow(r: redis.Redis, openid: str) -> dict | None:
    return state.chat_flow(r, openid)


def save_flow(r: redis.Redis, openid: str, flow: dict, ttl: int) -> None:
    r.set(state.flow_key(openid), json.dumps(flow, ensure_ascii=False), ex=ttl)


def recent_outbound_outcomes(r: redis.Redis, limit: int = 100) -> list[dict]:
    """The latest outcomes of late replies (storage.state.record_outbound_outcome), newest first."""
    return [json.loads(raw) for raw in r.lrange(state.outbound_log_key(), 0, limit - 1)]


def service_window_messages_left(r: redis.Redis, openid: str) -> int:
    return sum(int(value or 0) for value in r.mget([state.window_key(openid, k) for k in state.WINDOW_KINDS]))


def mass_sends_used(r: redis.Redis, month: str, openid: str) -> int:
    return int(r.hget(state.mass_quota_key(month), openid) or 0)
