"""The RQ queue "outbound" and late replies to a member who just wrote (its worker: bot/workers.py).

Every job the product sends through is queued here (`enqueue`); what to send
whom and by which channel is bot/delivery/'s business (service notices,
newsletters, tag sync). What stays here is the late passive reply: the
member has just written, so it goes by customer-service message or not at
all (`send_reply_later`, and `send_text_later` for plain text).

Two layers of retry, both bounded: the client retries a failed call a few
times within seconds (config.api_max_retries); if it still fails with a
transient error, RQ runs the job again after RQ_RETRY_INTERVALS. So one
message costs at most (len(RQ_RETRY_INTERVALS) + 1) * (api_max_retries + 1)
calls, plus one token refresh per call.

Each late reply's outcome is recorded in Redis (storage.state.record_outbound_outcome):
  sent        delivered
  deferred    no customer-service window is open (45015/45047); the member may
              get it another way or when they next write
  unfollowed  the member has unfollowed (43004); never retried
  uncertain   the call timed out after it went out: it may have arrived, and
              is not sent again (see bot/wechat_client.DeliveryUncertain)
  retrying    a transient failure; RQ will run the job again
  failed      a permanent failure, or transient with no RQ retries left
"""
from __future__ import annotations

import time
from datetime import datetime, timedelta, timezone

import redis
from rq import Queue, Retry, Worker, get_current_job
from rq.job import Job

from bot.config import load_config
from bot.messages import Reply
from bot.wechat_client import (
    DeliveryUncertain,
    OutsideServiceWindow,
    UserUnfollowed,
    WeChatAPIError,
)
from bot.platform.accounts import make_client
from storage.accounts import current_account, queue_name
from storage.state import connect_redis, record_outbound_outcome, take_service_window_message

QUEUE_NAME = "outbound"
URGENT_QUEUE_NAME = "notices"  # a society's notices and late replies (platform: see enqueue)
RQ_RETRY_INTERVALS = (30, 300)  # seconds before RQ's 2nd and 3rd attempt of a job
JOB_TIMEOUT_SECONDS = 180
WORKER_TTL_SECONDS = 60  # a worker's heartbeat comes at least this often (RQ's worker_ttl; it idles 15 s less)
REDIS_RETRY_SECONDS = 2  # while Redis is away, how often the worker and its scheduler try it again


def send_text_later(r: redis.Redis, openid: str, text: str) -> str:
    """Queue a customer-service text message for the worker; returns the RQ job id."""
    return _enqueue(r, openid, "text", text)


def send_reply_later(r: redis.Redis, openid: str, reply: Reply) -> str | None:
    """Queue a reply that missed the passive-reply deadline (text or an article card)."""
    if reply.articles:
        articles = [{"title": a.title, "description": a.description, "url": a.url, "picurl": a.image}
                    for a in reply.articles]
        return _enqueue(r, openid, "articles", articles)
    if reply.text:
        return _enqueue(r, openid, "text", reply.text)
    return None


def _enqueue(r: redis.Redis, openid: str, kind: str, body) -> str:
    return enqueue(r, deliver, openid, kind, body, urgent=True)


def _retry() -> Retry:
    return Retry(max=len(RQ_RETRY_INTERVALS), interval=list(RQ_RETRY_INTERVALS))


def enqueue(r: redis.Redis, func, *args, at_front: bool = False, delay: float | None = None,
            timeout: int = JOB_TIMEOUT_SECONDS, urgent: bool = False, on_queue: str | None = None,
            pipeline=None, meta: dict | None = None) -> str:
    """Queue one job on "outbound" (first in line with at_front, or after `delay` seconds);
    RQ runs it again after RQ_RETRY_INTERVALS when it raises. Returns the job id.

    A society served through the platform has queues of its own: "outbound@<appid>" and, for
    `urgent` jobs (one member's notice or late reply), "notices@<appid>", which the workers look at
    before every society's broadcast batches (bot/workers.py). Without that lane a notice waited
    for its society's turn among all the busy societies: minutes during a province-wide notice
    (docs/benchmarks.md). One account has one queue, where at_front already puts a notice next.
    `on_queue` names another queue (a host's own, for work that must run where it was queued).
    With `pipeline` (not with `delay`), the job is only queued on that Redis pipeline: the caller's
    execute() sends it, in one round trip with the caller's own commands (RQ alone takes two).
    `meta`: what the job's function reads beside its arguments (get_current_job().meta), which a worker of
    an earlier version ignores where an argument more would fail the job."""
    queue = Queue(on_queue or queue_name(URGENT_QUEUE_NAME if urgent and current_account() else QUEUE_NAME),
                  connection=r)
    if delay is not None:
        return queue.enqueue_in(timedelta(seconds=delay), func, *args, job_timeout=timeout, retry=_retry(),
                                meta=meta).id
    return queue.enqueue_call(func, args, at_front=at_front, timeout=timeout, retry=_retry(), pipeline=pipeline,
                              meta=meta).id


def enqueue_each(r: redis.Redis, func, arg_lists, timeout: int = JOB_TIMEOUT_SECONDS) -> list[str]:
    """Queue one job of `func` per argument tuple, all in one round trip to Redis."""
    queue = Queue(queue_name(QUEUE_NAME), connection=r)
    jobs = queue.enqueue_many([Queue.prepare_data(func, args, timeout=timeout, retry=_retry()) for args in arg_lists])
    return [job.id for job in jobs]


def workers_serving(r: redis.Redis) -> int:
    """How many workers take this account's broadcast jobs now (none: what is queued waits): those whose
    heartbeat is recent. A worker killed outright stays registered until its key lapses, minutes on."""
    name, since = queue_name(QUEUE_NAME), datetime.now(timezone.utc) - timedelta(seconds=WORKER_TTL_SECONDS)
    return sum(1 for worker in Worker.all(connection=r)
               if name in worker.queue_names() and worker.last_heartbeat and _utc(worker.last_heartbeat) > since)


def _utc(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)  # RQ's are UTC, some naive


def jobs_in_hand(r: redis.Redis) -> int:
    """This account's broadcast jobs waiting in the queue or running now."""
    queue = Queue(queue_name(QUEUE_NAME), connection=r)
    return queue.count + queue.started_job_registry.count


def deliver(openid: str, kind: str, body) -> str:
    """RQ job: send one message and record the outcome; raises only when RQ should retry.

    Runs in the worker, so it reads its configuration from the environment.
    """
    config = load_config()
    r = connect_redis(config)
    job = get_current_job()
    client = make_client(config, r)
    send = client.send_articles if kind == "articles" else client.send_text
    # The member has just written, so their window is open: count the message it spends,
    # so that notices and newsletters do not plan on it (WeChat decides either way).
    take_service_window_message(r, openid)
    try:
        send(openid, body)
    except OutsideServiceWindow as exc:
        return _record(r, job, openid, kind, "deferred", exc)
    except UserUnfollowed as exc:
        return _record(r, job, openid, kind, "unfollowed", exc)
    except DeliveryUncertain as exc:
        return _record(r, job, openid, kind, "uncertain", exc)
    except WeChatAPIError as exc:
        if not exc.transient:
            return _record(r, job, openid, kind, "failed", exc)
        _record(r, job, openid, kind, "retrying" if job and job.retries_left else "failed", exc)
        raise
    return _record(r, job, openid, kind, "sent")


def _record(r: redis.Redis, job: Job | None, openid: str, kind: str, status: str,
            error: WeChatAPIError | None = None) -> str:
    record_outbound_outcome(r, {
        "job_id": job.id if job else None,
        "openid": openid,
        "kind": kind,
        "status": status,
        "errcode": error.errcode if error else 0,
        "errmsg": error.errmsg if error else "ok",
        "at": time.time(),
    })
    return status
