"""How a capability declares a periodic job: `@periodic(name)` on a function of a JobRun.

Kept apart from the engine that runs them (bot/scheduler.py), which imports every declaring module
through handlers.register_periodic_jobs(): the declaring modules import only this one.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Callable

import redis

from bot.config import Config


@dataclass(frozen=True)
class JobRun:
    """What a periodic job gets: the stores, and the moment it runs for (in its timezone)."""
    db: object
    redis: redis.Redis
    config: Config
    at: datetime

    @property
    def today(self) -> date:
        return self.at.date()


JobFunction = Callable[[JobRun], object]
declared_jobs: dict[str, JobFunction] = {}


def periodic(name: str):
    """Register the job `name` of content/schedule.toml; it returns a JSON-able summary of what it did."""
    def register(function: JobFunction) -> JobFunction:
        if name in declared_jobs:
            raise ValueError(f"periodic job {name!r} is declared twice: {declared_jobs[name].__module__} and "
                             f"{function.__module__}")
        declared_jobs[name] = function
        return function
    return register
