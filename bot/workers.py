"""The worker process: it serves the outbound queues (bot/outbound.py), first queues again the work
of delivery jobs whose worker died (bot/delivery/planner.py), and ticks the periodic jobs
(bot/scheduler.py). It sits above all three, which is why it is not in bot/outbound.py."""
from __future__ import annotations

import logging
import os
import subprocess
import sys
import threading
import time
from datetime import datetime
from uuid import uuid4

import redis
from rq import Worker
from rq.defaults import DEFAULT_LOGGING_DATE_FORMAT, DEFAULT_LOGGING_FORMAT
from rq.exceptions import StopRequested
from rq.job_lifecycle import call_exception_handlers
from rq.scheduler import RQScheduler
from rq.scripts import release_lock
from rq.worker import DequeueStrategy

from bot.config import PROJECT_ROOT, Config
from bot.delivery.planner import recover_at_start
from bot.delivery.worker import DeliveryDeferred
from bot.outbound import QUEUE_NAME, REDIS_RETRY_SECONDS, URGENT_QUEUE_NAME, WORKER_TTL_SECONDS
from bot.platform.accounts import account_queue_names, apply_revocations, recover_every_society
from bot.platform.holding import is_moving
from bot.platform.shards import announce, is_shard_queue, queue_of
from bot.scheduler import Ticker
from bot.wechat_client import WeChatAPIError
from storage.accounts import account_of_queue, serving_account
from storage.state import connect_redis

log = logging.getLogger(__name__)

# A scheduler renews its lock every second (RQ's interval), to last RQ's interval + 60 s. One not renewed
# for SCHEDULER_GONE_SECONDS has lost its process (killed outright, its machine rebooted): a scheduler takes
# such a lock over when it starts and, while it lacks a lock, every SCHEDULER_CHECK_SECONDS; a worker without
# a scheduler process looks as often. The retries and delayed jobs due meanwhile are queued then, not when
# the lock lapses a minute on and RQ's next maintenance pass (10 minutes) takes it.
SCHEDULER_GONE_SECONDS = 15
SCHEDULER_LOCK_SECONDS = 1 + 60  # how long RQ's scheduler takes its lock for: its interval (1 s) + 60 s
SCHEDULER_CHECK_SECONDS = 5

STOP_CHECK_SECONDS = 2  # a worker waiting for a job looks this often whether it was told to stop


class _Scheduler(RQScheduler):
    """RQ's scheduler process, which also queues the periodic jobs as their periods come due
    (bot/scheduler.py: once per period however many workers run).

    RQ's exits at the first Redis error, and RQ starts another only at the
    worker's 10-minute maintenance (rq/rq#2189): until then no retry or delayed job comes due.
    This one waits for Redis to come back and carries on. It takes over the lock of a scheduler
    whose process is gone (SCHEDULER_GONE_SECONDS), and it ends when its worker was killed outright
    (an orphan holding the lock would go on scheduling with the old code and queues)."""

    def __init__(self, *args, ticker, **kwargs):
        super().__init__(*args, **kwargs)
        self.ticker, self.worker_pid = ticker, os.getpid()

    def acquire_locks(self, auto_start=False):
        """RQ's, after letting go of the locks whose holder is gone; when every lock is another live
        scheduler's, one read of Redis and nothing more."""
        if _free_locks(self.connection, self._queue_names, self.name, self.interval + 60):
            return super().acquire_locks(auto_start)
        self._acquired_locks, self._scheduled_job_registries = set(), []
        self.lock_acquisition_time = datetime.now()
        return set()

    @property
    def should_reacquire_locks(self):
        """RQ looks for the locks it lacks again after 10 minutes; this one every SCHEDULER_CHECK_SECONDS."""
        return self._queue_names != self.acquired_locks and (
            self.lock_acquisition_time is None
            or (datetime.now() - self.lock_acquisition_time).total_seconds() >= SCHEDULER_CHECK_SECONDS)

    def enqueue_scheduled_jobs(self):
        """RQ's due jobs, then the periodic tick; the locks renewed every second while the pass runs, so a
        pass blocked longer than SCHEDULER_GONE_SECONDS (a busy store, Redis slow) is not taken for a dead
        scheduler's and run a second time by the one that would take its lock over."""
        if os.getppid() != self.worker_pid:  # its worker was killed outright: it stops and lets go of its locks
            self.request_stop()
            return
        done = threading.Event()
        renewing = threading.Thread(target=self._renew_locks_until, args=(done,), daemon=True)
        renewing.start()
        try:
            super().enqueue_scheduled_jobs()
            self.ticker(self.connection)
        finally:
            done.set()
            renewing.join()

    def _renew_locks_until(self, done: threading.Event) -> None:
        while not done.wait(self.interval):
            try:
                self.heartbeat()
            except redis.RedisError as exc:  # the pass meets it too, and work() waits for Redis
                self.log.warning("Scheduler: lock not renewed (%s)", exc)

    def work(self):
        while True:
            try:
                return super().work()
            except (redis.ConnectionError, redis.TimeoutError) as exc:
                if self._stop_requested:  # stopping with Redis away: its locks expire by themselves
                    return
                self.log.warning("Scheduler: Redis unavailable (%s); trying again in %d s", exc, REDIS_RETRY_SECONDS)
                time.sleep(REDIS_RETRY_SECONDS)


def _free_locks(r: redis.Redis, queue_names, own: str, lock_seconds: int) -> bool:
    """Lets go of the scheduler locks of `queue_names` whose holder has not renewed them for
    SCHEDULER_GONE_SECONDS; returns whether any is now free, or `own`'s."""
    keys = [RQScheduler.get_locking_key(name) for name in queue_names]
    with r.pipeline(transaction=False) as pipe:
        for key in keys:
            pipe.get(key)
            pipe.ttl(key)
        answers = pipe.execute()
    takeable = False
    for key, holder, ttl in zip(keys, answers[::2], answers[1::2]):
        if holder is None or holder.decode() == own:
            takeable = True
        elif ttl < lock_seconds - SCHEDULER_GONE_SECONDS and release_lock(r, key, holder.decode()):
            log.warning("Scheduler %s has not renewed its lock %s for %d s: taken over", holder.decode(), key,
                        lock_seconds - max(ttl, 0))
            takeable = True
    return takeable


class _Worker(Worker):
    """Runs _Scheduler, and stops when told to, however its stop request comes (run_worker tells a stop
    from a quit by `stopping`)."""

    societies_changed = False

    def __init__(self, *args, scheduler_name: str, ticker, queue_lister=None, check_seconds: float = 30,
                 **kwargs):
        super().__init__(*args, **kwargs)
        self.scheduler_name, self.ticker = scheduler_name, ticker
        self.queue_lister, self.check_seconds = queue_lister, check_seconds
        self._checked_at, self._scheduler_due = time.monotonic(), time.monotonic() + SCHEDULER_CHECK_SECONDS
        self._wait = STOP_CHECK_SECONDS if queue_lister is None else max(1, int(min(STOP_CHECK_SECONDS, check_seconds)))

    @property
    def stopping(self) -> bool:
        return self._stop_requested

    def dequeue_job_and_maintain_ttl(self, timeout, max_idle_time=None):
        """Waits for a job a few seconds at a time (`_wait`, RQ's own wait is 45 s) and ends the wait
        when a stop was requested meanwhile (handle_warm_shutdown_request).

        With the platform, the worker looks at the authorised societies every `check_seconds`,
        busy or idle; when they changed it quits, and run_worker starts another at once on the
        new list of queues (its scheduler too)."""
        if timeout is None:  # burst
            return super().dequeue_job_and_maintain_ttl(timeout, max_idle_time)
        while not self.stopping:
            self._look_after_scheduler()
            if self.queue_lister is not None and time.monotonic() - self._checked_at >= self.check_seconds:
                self._checked_at = time.monotonic()
                if set(self.queue_lister()) != set(self.queue_names()):
                    self.societies_changed = True
                    return None
            result = super().dequeue_job_and_maintain_ttl(timeout, max_idle_time=self._wait)
            if result is not None and _of_a_moving_society(self.connection, result):
                self.societies_changed = True  # started again without its queues (queues_to_serve)
                return None
            if result is not None:
                return result
        return None

    def _look_after_scheduler(self) -> None:
        """Every SCHEDULER_CHECK_SECONDS, a worker whose scheduler process is not running (another one held
        the lock when it started, or its own died) starts it if the lock is free or its holder gone."""
        if self.scheduler is None or time.monotonic() < self._scheduler_due:
            return
        self._scheduler_due = time.monotonic() + SCHEDULER_CHECK_SECONDS
        if not (self.scheduler._process and self.scheduler._process.is_alive()):
            self.scheduler.acquire_locks(auto_start=True)

    def _start_scheduler(self, burst=False, logging_level=None, date_format=DEFAULT_LOGGING_DATE_FORMAT,
                         log_format=DEFAULT_LOGGING_FORMAT):
        if burst:  # RQ's own: it moves the due jobs here and now, no process to die; a dead scheduler's lock
            # is let go first, as a scheduler process of the long-running worker does (_Scheduler.acquire_locks)
            _free_locks(self.connection, self.queue_names(), self.scheduler_name, SCHEDULER_LOCK_SECONDS)
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
        """Noted before RQ's signal handler goes on: between jobs it raises StopRequested without noting
        it, and a signal landing in a logging call has that exception swallowed by logging (Handler.emit
        catches it), so the worker went back to waiting for jobs for good. Noted, the stop ends the wait
        within `_wait` seconds, or the worker after the job in hand."""
        self._stop_requested = True
        super().handle_warm_shutdown_request()

    def reorder_queues(self, reference_queue):
        """Round robin within each lane, the societies' notices (URGENT_QUEUE_NAME) always before
        their broadcasts: after a job, its queue goes to the back of its own lane."""
        if self._dequeue_strategy != DequeueStrategy.ROUND_ROBIN:
            return super().reorder_queues(reference_queue)
        urgent = [q for q in self._ordered_queues if _is_urgent(q.name)]
        rest = [q for q in self._ordered_queues if not _is_urgent(q.name)]
        lane = urgent if reference_queue in urgent else rest
        at = lane.index(reference_queue)
        lane[:] = lane[at + 1:] + lane[:at + 1]
        self._ordered_queues = urgent + rest

    def handle_exception(self, job, *exc_info):
        """A retry RQ will make as planned (a DeliveryDeferred, or a transient WeChat failure with RQ's
        tries left) is one WARNING line; anything else, or a last try, RQ's ERROR with its traceback."""
        error = exc_info[1]
        planned = isinstance(error, DeliveryDeferred) or (isinstance(error, WeChatAPIError) and error.transient)
        if not (planned and job.retries_left):
            return super().handle_exception(job, *exc_info)
        self.log.warning("Worker %s: job %s (%s): %s; RQ tries it again later", self.name, job.id, job.func_name,
                         error)
        call_exception_handlers(self._exc_handlers, job, *exc_info)

    def perform_job(self, job, queue, *args, **kwargs):
        """A society's job runs in its namespace: its config, store, keys and queue (storage.accounts)."""
        with serving_account(account_of_queue(queue.name)):
            return super().perform_job(job, queue, *args, **kwargs)


def _of_a_moving_society(r: redis.Redis, dequeued) -> bool:
    """A job of a society being moved to another host is not run here: it goes back to the front of
    its queue, for whichever host keeps the society when the move ends (bot/platform/moving.py)."""
    job, queue = dequeued
    appid = account_of_queue(queue.name)
    if not appid or not is_moving(r, appid):
        return False
    queue.push_job_id(job.id, at_front=True)
    return True


def _is_urgent(queue_name: str) -> bool:
    return queue_name.partition("@")[0] == URGENT_QUEUE_NAME or is_shard_queue(queue_name)


def queues_to_serve(config: Config, r: redis.Redis | None = None) -> list[str]:
    """The single account's queue, and with the platform every authorised society's two: its
    notices and late replies first, then its broadcasts, each lane taken society by society
    (round robin): one society's long broadcast waits behind another's broadcast batch for one
    job at most, and a society's notice waits for no broadcast batch, only for the other
    societies' notices. Given `r`, withdrawals of authorisation another host received for this
    host's societies are applied first. A host among several (BOT_SHARD) takes the questions put to
    it (bot/platform/shards.py) before anything else, and says it is there."""
    if not config.platform:
        return [QUEUE_NAME]
    if r is not None:
        apply_revocations(config, r)
        announce(config, r)
    return ([queue_of(config.shard)] if config.shard else []) + account_queue_names(config, URGENT_QUEUE_NAME, r) \
        + account_queue_names(config, QUEUE_NAME, r) + [QUEUE_NAME]


def run_worker(config: Config, burst: bool = False) -> bool:
    """Work the outbound queue until stopped (or, with burst, until it is empty).

    First it queues again the work of delivery jobs whose worker died (see
    bot.delivery.planner.recover_abandoned), and queues the periodic jobs whose period
    came due while no worker ran (bot.scheduler.tick); importing bot.delivery
    here also means each job's forked process starts with it loaded. The
    scheduler runs alongside so that jobs RQ put off for a retry, and periodic
    jobs, come due; in burst mode it only enqueues those already due. RQ's
    worker quits when Redis goes away in the middle of a job (its loop gives up
    on any error but a wait for the next job), so until stopped a new one takes over. Returns whether any job ran.
    """
    r = connect_redis(config)
    recover_at_start(config, r)
    if config.platform:
        recover_every_society(config, r, recover_at_start)
    ticker = Ticker(config)
    ticker(r)
    scheduler_name, worked, worker = uuid4().hex, False, None
    while True:
        try:
            worker = _Worker(queues_to_serve(config, r), connection=r, scheduler_name=scheduler_name, ticker=ticker,
                             queue_lister=(lambda: queues_to_serve(config, r)) if config.platform else None,
                             check_seconds=config.worker_society_check_seconds, worker_ttl=WORKER_TTL_SECONDS)
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
