"""Past one machine: the hosts of a deployment, and a question put to every one of them.

A host (a shard: docs/platform.md, "Growing past one machine") keeps the societies assigned to it:
its registry and their SQLite files. Work about one society runs where its file is; work about all of
them (the province's guide, filings, evaluation, notices) asks every host for its own societies and
puts the answers together. The question goes through the shared Redis as an RQ job on the host's own
queue `shard:<name>`, which its workers take before any society's work (bot/workers.py); the host
answers against its own registry and stores, and RQ keeps the answer in Redis for the asker. No
address, no secret beyond Redis's, no copy of anyone's data: only the answer travels.

A host's name is `BOT_SHARD` (config.shard, the NAME given to `shards nginx-map`); its workers
announce it in Redis as they start and every `PLATFORM_WORKER_CHECK_SECONDS`. Without `BOT_SHARD`
(one host) every question is answered here, in this process, exactly as before.
"""
from __future__ import annotations

import importlib
import time
from typing import Callable

import redis
from rq import Queue
from rq.exceptions import InvalidJobOperation
from rq.job import Job, JobStatus

from bot.config import Config, load_config
from storage.database import now_iso
from storage.state import connect_redis

SHARDS_KEY = "xh:shards"  # name -> when its worker last said it was there
QUEUE_PREFIX = "shard:"
POLL_SECONDS = 0.01  # a question takes tens of ms (the worker forks for each job): look often


class HostsUnavailable(RuntimeError):
    """Some hosts did not answer in time (no worker running there, or one that failed): the province's
    view would be missing their societies, so nothing partial is shown. `hosts` names them."""

    def __init__(self, hosts: list[str]):
        super().__init__(", ".join(hosts))
        self.hosts = hosts


def queue_of(name: str) -> str:
    return f"{QUEUE_PREFIX}{name}"


def is_shard_queue(queue_name: str) -> bool:
    return queue_name.startswith(QUEUE_PREFIX)


def announce(config: Config, r: redis.Redis) -> None:
    """This host is there to answer (called by its workers)."""
    if config.shard:
        r.hset(SHARDS_KEY, config.shard, now_iso())


def known_hosts(r: redis.Redis) -> dict[str, str]:
    """{name: last announced} of every host that has run a worker."""
    return {name.decode(): seen.decode() for name, seen in sorted(r.hgetall(SHARDS_KEY).items())}


def forget_host(r: redis.Redis, name: str) -> bool:
    """A host taken out of the deployment (its societies moved away first): no longer asked."""
    return bool(r.hdel(SHARDS_KEY, name))


def host_question(function: Callable) -> Callable:
    """Marks a function other hosts may be asked to run (`answer` runs nothing else): it takes
    (config, r, **arguments) and answers for this host's own societies, in plain data."""
    function.host_question = True
    return function


def ask_every_host(config: Config, r: redis.Redis | None, question: Callable, **arguments) -> list:
    """`question(config, r, **arguments)` answered by every host for its own societies; one answer each.

    This host answers in this process; every other host announced in Redis through a job on its
    queue, all of them at once. A host that does not answer within `shard_answer_seconds` (its job
    not started by then is dropped, never run late), or whose job fails, raises HostsUnavailable
    naming it. A refusal the question raises on a host (an exception with `reason` and `facts`, as
    the province's refusals are) is raised here as it was there.
    """
    if not config.shard:
        return [question(config, r, **arguments)]
    jobs = {name: _put(config, r, name, question, arguments) for name in known_hosts(r) if name != config.shard}
    here = question(config, r, **arguments)
    return [here, *_answers(config, jobs)]


def ask_host(config: Config, r: redis.Redis, name: str, question: Callable, **arguments):
    """One named host's answer to `question` (answered here when it is this host); HostsUnavailable
    naming it when it does not come in time, as ask_every_host."""
    if name == config.shard:
        return question(config, r, **arguments)
    return _answers(config, {name: _put(config, r, name, question, arguments)})[0]


def _put(config: Config, r: redis.Redis, name: str, question: Callable, arguments: dict) -> Job:
    wait = config.shard_answer_seconds
    return Queue(queue_of(name), connection=r).enqueue(
        answer, f"{question.__module__}:{question.__qualname__}", arguments,
        ttl=max(1, int(wait)), job_timeout=max(30, int(wait)), result_ttl=max(60, int(wait)), failure_ttl=3600)


def _answers(config: Config, jobs: dict[str, Job]) -> list:
    deadline = time.monotonic() + config.shard_answer_seconds
    answers, missing = [], []
    for name, job in jobs.items():
        status = _finished(job, deadline)
        if status != JobStatus.FINISHED:
            missing.append(name)
            continue
        answers.append(job.return_value())
    if missing:
        raise HostsUnavailable(missing)
    return [_unwrap(found) for found in answers]


def _finished(job: Job, deadline: float):
    while True:
        try:
            status = job.get_status(refresh=True)
        except InvalidJobOperation:  # its time to live ran out before any worker took it: dropped
            return None
        if status in (JobStatus.FINISHED, JobStatus.FAILED, JobStatus.STOPPED, JobStatus.CANCELED) \
                or time.monotonic() > deadline:
            if status in (JobStatus.QUEUED, JobStatus.DEFERRED, JobStatus.SCHEDULED):
                try:
                    job.cancel()  # not started: it must not run after the asker gave up
                except InvalidJobOperation:  # it expired meanwhile: dropped all the same
                    pass
            return status
        time.sleep(POLL_SECONDS)


def answer(question_path: str, arguments: dict):
    """RQ job on a host's queue: the question answered against this host's own registry and stores."""
    module, _, name = question_path.partition(":")
    question = getattr(importlib.import_module(module), name)
    if not getattr(question, "host_question", False):
        raise ValueError(f"{question_path} is not a question hosts answer")
    config = load_config()
    try:
        return ("answer", question(config, connect_redis(config), **arguments))
    except ValueError as refused:  # the province's refusals: carried back, raised at the asker
        if not hasattr(refused, "reason"):
            raise
        kind = type(refused)
        return ("refused", f"{kind.__module__}:{kind.__qualname__}", refused.reason, getattr(refused, "facts", {}))


def _unwrap(result):
    if result[0] == "answer":
        return result[1]
    _, kind_path, reason, facts = result
    module, _, name = kind_path.partition(":")
    raise getattr(importlib.import_module(module), name)(reason, **facts)
