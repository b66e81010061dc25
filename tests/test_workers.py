"""The worker process (bot/workers.py) as the operator meets it: it stops when told to, however busy its log."""
from __future__ import annotations

import subprocess
import time

import pytest
from rq import Queue

from bot.outbound import QUEUE_NAME
from tests.test_delivery import config, kill_with_its_processes, start_worker, wait_until  # noqa: F401

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
    wait_until(lambda: queue.count < 3, 30, "the worker taking a job")
    time.sleep(1)  # blocked writing the job's line: the pipe holds 64 KB
    worker.terminate()
    output = stopped_within(worker, 20)
    assert "--- Logging error ---" in output  # the stop was raised inside a logging call, which swallowed it
    assert queue.count == 2  # the job in hand was run, the others wait for the next worker
