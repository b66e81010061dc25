"""The RQ queue "outbound", its worker, and late replies to a member who just wrote.

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

import logging
import subprocess
import sys
import time
from datetime import timedelta
from uuid import uuid4

import redis
from rq import Queue, Retry, Worker, get_current_job
from rq.worker import DequeueStrategy
from rq.defaults import DEFAULT_LOGGING_DATE_FORMAT, DEFAULT_LOGGING_FORMAT
from rq.exceptions import StopRequested
from rq.job import Job
from rq.scheduler import RQScheduler

from bot.config import PROJECT_ROOT, Config, load_config
from bot.messages import Reply
from bot.wechat_client import (
    DeliveryUncertain,
    OutsideServiceWindow,
    UserUnfollowed,
    WeChatAPIError,
)
from bot.platform.accounts import make_client
from storage.accounts import account_of_queue, queue_name, serving_account
from storage.state import connect_redis, record_outbound_outcome, take_service_window_message

QUEUE_NAME = "outbound"
RQ_RETRY_INTERVALS = (30, 300)  # seconds before RQ's 2nd and 3rd attempt of a job
JOB_TIMEOUT_SECONDS = 180
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
    return enqueue(r, deliver, openid, kind, body)


def _retry() -> Retry:
    return Retry(max=len(RQ_RETRY_INTERVALS), interval=list(RQ_RETRY_INTERVALS))


def enqueue(r: redis.Redis, func, *args, at_front: bool = False, delay: float | None = None,
            timeout: int = JOB_TIMEOUT_SECONDS) -> str:
    """Queue one job on "outbound" (first in line with at_front, or after `delay` seconds);
    RQ runs it again after RQ_RETRY_INTERVALS when it raises. Returns the job id.
    A society served through the platform has a queue of its own ("outbound@<appid>")."""
    queue = Queue(queue_name(QUEUE_NAME), connection=r)
    if delay is not None:
        return queue.enqueue_in(timedelta(seconds=delay), func, *args, job_timeout=timeout, retry=_retry()).id
    return queue.enqueue_call(func, args, at_front=at_front, timeout=timeout, retry=_retry()).id


def enqueue_each(r: redis.Redis, func, arg_lists, timeout: int = JOB_TIMEOUT_SECONDS) -> list[str]:
    """Queue one job of `func` per argument tuple, all in one round trip to Redis."""
    queue = Queue(queue_name(QUEUE_NAME), connection=r)
    jobs = queue.enqueue_many([Queue.prepare_data(func, args, timeout=timeout, retry=_retry()) for args in arg_lists])
    return [job.id for job in jobs]


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


class _Scheduler(RQScheduler):
    """RQ's scheduler process, which also queues the periodic jobs as their periods come due
    (bot/scheduler.py: once per period however many workers run).

    RQ's exits at the first Redis error, and RQ starts another only at the
    worker's 10-minute maintenance (rq/rq#2189): until then no retry or delayed job comes due.
    This one waits for Redis to come back and carries on."""

    def __init__(self, *args, ticker, **kwargs):
        super().__init__(*args, **kwargs)
        self.ticker = ticker

    def enqueue_scheduled_jobs(self):
        super().enqueue_scheduled_jobs()
        self.ticker(self.connection)

    def work(self):
        while True:
            try:
                return super().work()
            except (redis.ConnectionError, redis.TimeoutError) as exc:
                if self._stop_requested:  # stopping with Redis away: its locks expire by themselves
                    return
                self.log.warning("Scheduler: Redis unavailable (%s); trying again in %d s", exc, REDIS_RETRY_SECONDS)
                time.sleep(REDIS_RETRY_SECONDS)


class _Worker(Worker):
    """Runs _Scheduler, and notes a stop request so run_worker can tell a stop from a quit."""

    stopping = False

    societies_changed = False

    def __init__(self, *args, scheduler_name: str, ticker, queue_lister=None, check_seconds: float = 30,
                 **kwargs):
        super().__init__(*args, **kwargs)
        self.scheduler_name, self.ticker = scheduler_name, ticker
        self.queue_lister, self.check_seconds = queue_lister, check_seconds
        self._checked_at = time.monotonic()

    def dequeue_job_and_maintain_ttl(self, timeout, max_idle_time=None):
        """With the platform, the worker looks at the authorised societies every `check_seconds`,
        busy or idle; when they changed it quits, and run_worker starts another at once on the
        new list of queues (its scheduler too)."""
        if self.queue_lister is None or timeout is None:  # one account, or burst
            return super().dequeue_job_and_maintain_ttl(timeout, max_idle_time)
        while True:
            if time.monotonic() - self._checked_at >= self.check_seconds:
                self._checked_at = time.monotonic()
                if set(self.queue_lister()) != set(self.queue_names()):
                    self.societies_changed = True
                    return None
            result = super().dequeue_job_and_maintain_ttl(timeout, max_idle_time=max(1, int(self.check_seconds)))
            if result is not None:
                return result

    def _start_scheduler(self, burst=False, logging_level=None, date_format=DEFAULT_LOGGING_DATE_FORMAT,
                         log_format=DEFAULT_LOGGING_FORMAT):
        if burst:  # RQ's own: it moves the due jobs here and now, no process to die
            return super()._start_scheduler(burst, logging_level, date_format, log_format)
        # One scheduler name for the whole run_worker: a worker started again after its predecessor
        # quit with Redis away takes back the lock that one could not release (it expires after 61 s).
        self.scheduler = _Scheduler(self.queues, connection=self.connection, name=self.scheduler_name,
                                    logging_level=self.log.level if logging_level is None else logging_level,
                                    date_format=date_format, log_format=log_format, serializer=self.serializer,
                                    ticker=self.ticker)
        if self.scheduler.acquire_locks():
            self.scheduler.start()

    def handle_warm_shutdown_request(self):
        self.stopping = True
        super().handle_warm_shutdown_request()

    def perform_job(self, job, queue, *args, **kwargs):
        """A society's job runs in its namespace: its config, store, keys and queue (storage.accounts)."""
        with serving_account(account_of_queue(queue.name)):
            return super().perform_job(job, queue, *args, **kwargs)


def queues_to_serve(config: Config, r: redis.Redis | None = None) -> list[str]:
    """The single account's queue, and with the platform every authorised society's, which
    the worker takes in turn (round robin): one society's long broadcast waits behind another's
    notice for one job at most, never for the whole broadcast. Given `r`, withdrawals of
    authorisation another host received for this host's societies are applied first."""
    if not config.platform:
        return [QUEUE_NAME]
    from bot.platform.accounts import account_queue_names, apply_revocations

    if r is not None:
        apply_revocations(config, r)
    return account_queue_names(config, QUEUE_NAME) + [QUEUE_NAME]


def run_worker(config: Config, burst: bool = False) -> bool:
    """Work the outbound queue until stopped (or, with burst, until it is empty).

    First it queues again the work of delivery jobs whose worker died (see
    bot.delivery.worker.recover_abandoned), and queues the periodic jobs whose period
    came due while no worker ran (bot.scheduler.tick); importing bot.delivery
    here also means each job's forked process starts with it loaded. The
    scheduler runs alongside so that jobs RQ put off for a retry, and periodic
    jobs, come due; in burst mode it only enqueues those already due. RQ's
    worker quits when Redis goes away in the middle of a job (its loop gives up
    on any error but a wait for the next job), so until stopped a new one takes over. Returns whether any job ran.
    """
    from bot.delivery.worker import recover_at_start
    from bot.scheduler import Ticker

    r = connect_redis(config)
    recover_at_start(config, r)
    if config.platform:
        from bot.platform.accounts import recover_every_society

        recover_every_society(config, r, recover_at_start)
    ticker = Ticker(config)
    ticker(r)
    scheduler_name, worked, worker = uuid4().hex, False, None
    while True:
        try:
            worker = _Worker(queues_to_serve(config, r), connection=r, scheduler_name=scheduler_name, ticker=ticker,
                             queue_lister=(lambda: queues_to_serve(config, r)) if config.platform else None,
                             check_seconds=config.worker_society_check_seconds)
            worked |= worker.work(burst=burst, with_scheduler=True, dequeue_strategy=DequeueStrategy.ROUND_ROBIN)
        except (redis.ConnectionError, redis.TimeoutError):  # Redis still away at start or teardown
            if burst or worker is None:
                raise
            if worker.pubsub_thread:  # teardown did not get as far as this
                worker.pubsub_thread.stop()
        if burst or worker.stopping:
            return worked
        if worker.societies_changed:
            logging.getLogger("rq.worker").info("Societies changed; listening on %s", queues_to_serve(config))
            continue
        logging.getLogger("rq.worker").warning("Worker quit; starting another in %d s", REDIS_RETRY_SECONDS)
        try:
            time.sleep(REDIS_RETRY_SECONDS)
        except (StopRequested, redis.RedisError):  # a stop signal, through the last worker's handler
            pass
        if worker.stopping:
            return worked


def start_background_worker(config: Config) -> subprocess.Popen:
    """Start `python -m bot worker` beside the dev server; the caller terminates it.

    The worker reads the same environment. Redis is started first, so the two
    processes do not race to start the private server.
    """
    connect_redis(config).ping()
    return subprocess.Popen([sys.executable, "-m", "bot", "worker"], cwd=PROJECT_ROOT)
