"""Mirroring topic subscriptions to the member's WeChat user tags, so a newsletter can go by tag.

bot.delivery.sync_tags_later queues sync_tags; the planner sends by a tag only
while no sync is pending (storage.state keeps our record of the tags).
"""
from __future__ import annotations

import contextvars
import logging
import threading

import redis
from rq import get_current_job

from bot.config import load_config
from bot.outbound import JOB_TIMEOUT_SECONDS, RQ_RETRY_INTERVALS
from bot.wechat_client import WeChatAPIClient, WeChatAPIError
from bot.platform.accounts import make_client
from storage import state

log = logging.getLogger(__name__)

TAG_NAME = "会讯订阅-{topic}"  # stable: renaming it would start a new, empty tag


def sync_tags(openid: str) -> None:
    """RQ job: tag and untag the member so their WeChat tags are the topics they want now.

    Our record of a member's tags changes only after WeChat confirmed, so a sync
    that fails or dies half-way leaves the record unlike the subscriptions, and no
    newsletter goes by that tag until a later sync of the member succeeds. The
    sync stops counting as pending when it ends, fails for good (a refusal, or
    its last try), or its worker dies (its lease runs out).
    """
    config = load_config()
    r = state.connect_redis(config)
    client = make_client(config, r)
    job = get_current_job()
    last_attempt = not (job and job.retries_left)
    lease = config.delivery_lease_seconds
    stop = threading.Event()
    keeper = None
    try:
        with state.tag_lock(r, openid, wait=30, hold=4 * JOB_TIMEOUT_SECONDS):
            wanted = set(state.tag_sync_started(r, openid, lease))
            keeper = threading.Thread(target=contextvars.copy_context().run,  # the society's namespace
                                      args=(_keep_tag_sync, r, openid, lease, stop), daemon=True)
            keeper.start()
            known = state.tag_ids(r)
            for topic in sorted(wanted | set(known)):
                tagged = state.is_tagged(r, topic, openid)
                if topic in wanted and not tagged:
                    client.tag_users(_tag_id(client, r, topic), [openid])
                    state.record_tagged(r, topic, openid)  # after WeChat has it
                elif topic not in wanted and tagged:
                    client.untag_users(known[topic], [openid])
                    state.record_untagged(r, topic, openid)  # after WeChat dropped it
    except WeChatAPIError as error:
        _end_tag_sync(r, openid, stop, keeper)
        if error.transient and not last_attempt:
            state.tag_sync_retry_later(r, openid, max(RQ_RETRY_INTERVALS) + JOB_TIMEOUT_SECONDS)
            raise
        state.tag_sync_done(r, openid)
        log.warning("tag sync of %s failed for good: %s %s", openid, error.errcode, error.errmsg)
        return
    except BaseException:
        _end_tag_sync(r, openid, stop, keeper)
        if last_attempt:
            state.tag_sync_done(r, openid)
        else:
            state.tag_sync_retry_later(r, openid, max(RQ_RETRY_INTERVALS) + JOB_TIMEOUT_SECONDS)
        raise
    _end_tag_sync(r, openid, stop, keeper)
    state.tag_sync_done(r, openid)


def _keep_tag_sync(r: redis.Redis, openid: str, seconds: int, stop: threading.Event) -> None:
    while not stop.wait(seconds / 3):
        try:
            state.renew_tag_sync(r, openid, seconds)
        except redis.RedisError:
            log.exception("could not renew the tag sync lease of %s", openid)


def _end_tag_sync(r: redis.Redis, openid: str, stop: threading.Event, keeper) -> None:
    stop.set()
    if keeper is not None:
        keeper.join()


def _tag_id(client: WeChatAPIClient, r: redis.Redis, topic: str) -> int:
    """The topic's tag id: cached in Redis, else found by name, else created."""
    cached = state.tag_ids(r).get(topic)
    if cached is not None:
        return cached
    name = TAG_NAME.format(topic=topic)
    found = {tag["name"]: tag["id"] for tag in client.list_tags()}.get(name)
    if found is None:
        try:
            found = client.create_tag(name)["id"]
        except WeChatAPIError:  # another worker created it a moment ago
            found = {tag["name"]: tag["id"] for tag in client.list_tags()}[name]
    state.store_tag_id(r, topic, found)
    return found
