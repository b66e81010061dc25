"""The worker process (bot/workers.py) as the operator meets it: it stops when told to, however busy its log."""
from __future__ import annotations

import os
import signal
import subprocess
import threading
import time
from datetime import timedelta
from pathlib import Path

import pytest
from rq import Queue
from rq.scheduler import SCHEDULER_KEY_TEMPLATE, RQScheduler

from bot.delivery import planner
from bot.outbound import QUEUE_NAME
from bot.workers import STOP_CHECK_SECONDS, _Worker
from storage import deliveries as ledger
from tests.test_delivery import (add_item, add_members, all_final, assert_exactly_once, config,  # noqa: F401
                                 finish, kill_with_its_processes, openids, start_worker, wait_until)

LOCK = RQScheduler.get_locking_key(QUEUE_NAME)

pytest_plugins = ["tests.fake_wechat"]


def stopped_within(worker: subprocess.Popen, seconds: float) -> str:
    """What the worker printed, once it ended within `seconds` of now; killed (with all it started) if not."""
    try:
        return worker.communicate(timeout=seconds)[0]
    except subprocess.TimeoutExpired:
        kill_with_its_processes(worker)
        said = "\n".join(line[-200:] for line in worker.communicate()[0].splitlines()[-20:])
        pytest.fail(f"the worker was still running {seconds} s after SIGTERM; its last lines:\n{said}")


def test_a_worker_told_to_stop_while_it_writes_its_log_stops_after_the_job_in_hand(config, env, redis_client):
    """RQ's SIGTERM handler logs, then raises StopRequested when the worker is between jobs. Landing in a
    logging call (here the line naming the job just taken, written to a pipe nobody reads yet, as a stalled
    journal would leave it), either exception (the handler's own line: a reentrant write) was swallowed by
    logging's emit, and the worker went back to waiting on Redis for good: tests/test_delivery.py's finish()
    met one in a fresh-clone suite (e0a1f74)."""
    queue = Queue(QUEUE_NAME, connection=redis_client)
    for _ in range(3):
        queue.enqueue_call(time.sleep, (0,), description="x" * 200_000)  # its description goes to the log
    worker = start_worker(env)
    wait_until(lambda: "pipe_write" in Path(f"/proc/{worker.pid}/wchan").read_text(), 30,
               "the worker blocked writing the line of the job it took (a pipe holds 64 KB)")
    worker.terminate()
    output = stopped_within(worker, 20)
    assert "--- Logging error ---" in output  # the stop was raised inside a logging call, which swallowed it
    assert queue.count == 2  # the job in hand was run, the others wait for the next worker


def test_a_stop_noted_while_no_job_comes_ends_the_wait_within_seconds(config, redis_client):
    """The stop swallowed where no job follows (a log line of the wait itself, the platform's look at its
    societies): RQ waited 45 s for a job, and again, and again. The wait now ends within STOP_CHECK_SECONDS."""
    worker = _Worker([QUEUE_NAME], connection=redis_client, scheduler_name="s", ticker=lambda r: None)
    worker.handle_warm_shutdown_request()  # what RQ's SIGTERM handler runs before its raise, swallowed here
    waiting = threading.Thread(target=worker.dequeue_job_and_maintain_ttl, args=(worker.dequeue_timeout,),
                               daemon=True)
    waiting.start()
    waiting.join(STOP_CHECK_SECONDS + 10)
    assert not waiting.is_alive()


def a_retry_due_now(db, r) -> tuple[int, list]:
    """An item whose two recipients wait for a retry RQ holds, due a second from now; (item, recipients)."""
    recipients = add_members(db, openids("K", 2))
    item = add_item(db)
    ledger.queue_deliveries(db, item, recipients)
    Queue(QUEUE_NAME, connection=r).enqueue_in(timedelta(seconds=1), planner.deliver_batch, item,
                                               [openid for openid, _ in recipients])
    return item, recipients


def scheduling(r) -> bool:
    """A scheduler holds the lock and renewed it within the last second or two."""
    return r.get(LOCK) is not None and r.ttl(LOCK) >= 59


def test_a_scheduler_killed_outright_with_its_worker_is_taken_over_within_seconds(fake_wechat, config, env, db,
                                                                                  redis_client):
    """Walk 12 #2: every process killed and started again at once, the retries due waited 10 minutes: the
    dead scheduler's lock lasts a minute after its last renewal, and the new workers tried it again only at
    RQ's maintenance pass (61 s since 22f44af). A lock not renewed for bot.workers.SCHEDULER_GONE_SECONDS
    is taken over (15 s; the worker looks every 5 s)."""
    first = start_worker(env)
    try:
        wait_until(lambda: scheduling(redis_client), 30, "the first worker's scheduler")
    finally:
        kill_with_its_processes(first)
    item, recipients = a_retry_due_now(db, redis_client)
    second = start_worker(env)
    try:
        wait_until(lambda: all_final(db, item), 45, "the retry to run")  # before: 61 s and more
    finally:
        finish([second])
    assert_exactly_once(fake_wechat, db, item, recipients)


def test_a_scheduler_whose_worker_was_killed_outright_stops_and_lets_go_of_its_lock(config, env, redis_client):
    """SIGKILL to a worker alone (as the walk's `kill -9 PID`) left its scheduler process running, an orphan
    holding the lock with the code and queues of the worker gone: a worker started with new code or
    societies never scheduled. It now ends within a few seconds and lets go of the lock."""
    worker = start_worker(env)
    orphan = None
    try:
        wait_until(lambda: scheduling(redis_client), 30, "the worker's scheduler")
        holder = SCHEDULER_KEY_TEMPLATE % redis_client.get(LOCK).decode()
        wait_until(lambda: redis_client.hget(holder, "pid"), 10, "the scheduler's process")
        orphan = int(redis_client.hget(holder, "pid"))
        worker.kill()
        worker.wait(timeout=10)
        wait_until(lambda: redis_client.get(LOCK) is None, 15, "the orphaned scheduler to let go of its lock")
    finally:
        kill_with_its_processes(worker)
        if orphan:
            try:
                os.kill(orphan, signal.SIGKILL)
            except ProcessLookupError:
                pass
        worker.communicate()


def test_a_scheduler_pass_blocked_longer_than_the_takeover_time_keeps_its_lock(config, redis_client, monkeypatch):
    """A pass (RQ's due jobs, then the periodic tick over every society's store) that blocked for longer than
    bot.workers.SCHEDULER_GONE_SECONDS (a store busy, Redis slow) looked like a dead scheduler's: another
    worker's scheduler took the lock over while the pass was still running, and both queued what came due.
    The lock is renewed while the pass runs, so the other scheduler finds it held."""
    import bot.workers
    from bot.workers import _Scheduler

    monkeypatch.setattr(bot.workers, "SCHEDULER_GONE_SECONDS", 2)
    entered, released = threading.Event(), threading.Event()

    def blocked_tick(r):
        entered.set()
        released.wait(20)

    first = _Scheduler([QUEUE_NAME], connection=redis_client, name="first", ticker=blocked_tick)
    first.worker_pid = os.getppid()  # run here, not in a process of its own
    assert first.acquire_locks() == {QUEUE_NAME}
    passing = threading.Thread(target=first.enqueue_scheduled_jobs, daemon=True)
    passing.start()
    try:
        assert entered.wait(10)
        time.sleep(bot.workers.SCHEDULER_GONE_SECONDS + 2)
        second = _Scheduler([QUEUE_NAME], connection=redis_client, name="second", ticker=lambda r: None)
        taken = second.acquire_locks()
    finally:
        released.set()
        passing.join(10)
    assert taken == set() and redis_client.get(LOCK) == b"first"
