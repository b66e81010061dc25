"""The queue worker rides out a Redis restart by itself (`make chaos`' "redis restart" and
"redis crash", in short): it keeps working the queue, and its RQ scheduler keeps moving jobs put
off for later (RQ's retries, enqueue_in) onto it. Stock RQ 3.0 does neither: its scheduler process
exits at the first Redis error (rq/rq#2189), and its worker quits when Redis goes away mid-job.
"""
from __future__ import annotations

import time

import pytest
import redis
from rq.job import Job
from rq.scheduler import RQScheduler

from bot.outbound import QUEUE_NAME, enqueue
from tests.test_delivery import finish, start_worker, wait_until
from tests.test_faults import RedisServer


@pytest.mark.parametrize("how, mid_job", [("stopped", False), ("killed", True)])
def test_after_redis_restarts_the_worker_runs_jobs_and_put_off_jobs_come_due(env, tmp_path, how, mid_job):
    server = RedisServer(tmp_path / "redis")  # appendonly, so a kill keeps the keys too
    server.start()
    env["REDIS_URL"] = server.url
    worker = start_worker(env)
    try:
        r = redis.Redis.from_url(server.url)
        wait_until(lambda: r.exists(RQScheduler.get_locking_key(QUEUE_NAME)), 30, "the worker's scheduler")
        if mid_job:  # the job ends while Redis is away, and RQ's worker loop gives up there
            busy = enqueue(r, time.sleep, 1.5)
            wait_until(lambda: Job.fetch(busy, connection=r).get_status() == "started", 10, "the job to start")
        if how == "killed":
            server.proc.kill()
            server.proc.wait(timeout=10)
        else:
            server.stop()
        time.sleep(3)  # long enough for the scheduler and the job to hit the outage
        server.start()

        r = redis.Redis.from_url(server.url)
        later, now = enqueue(r, len, "put off", delay=1), enqueue(r, len, "at once")
        wait_until(lambda: Job.fetch(now, connection=r).get_status() == "finished", 15, "a job queued after")
        wait_until(lambda: Job.fetch(later, connection=r).get_status() == "finished", 15, "a job put off")
        assert worker.poll() is None
    finally:
        output = finish([worker])
        if server.proc.poll() is None:
            server.stop()
    assert worker.returncode == 0, output
