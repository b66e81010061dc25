"""The society's clock: its times are Beijing time (content/society.toml `timezone`), whatever zone the
server's clock is kept in.

`use_society_zone()` makes that zone the process's local time when a process starts (create_app, the
CLI and the workers it runs), so `date.today()`, `datetime.now()`, the office hours told to a member
and the stamps storage writes are all the society's. `shown()` writes a stored stamp, whatever
offset it was written with, as the secretariat reads it.
"""
from __future__ import annotations

import os
import time
from datetime import datetime
from zoneinfo import ZoneInfo

from bot import content


def zone() -> ZoneInfo:
    """The society's time zone, named once in content/society.toml."""
    return ZoneInfo(content.load_toml("society.toml")["timezone"])


def use_society_zone() -> None:
    """Make the society's zone this process's local time (and its children's: workers, jobs)."""
    name = zone().key
    if os.environ.get("TZ") != name:
        os.environ["TZ"] = name
        time.tzset()


def shown(value) -> str:
    """A stored timestamp (ISO with its offset) in the society's time, to the minute ("2026-12-07 16:35");
    a date alone as it is; text that is no time, unchanged."""
    if not value:
        return ""
    try:
        moment = datetime.fromisoformat(str(value))
    except ValueError:
        return str(value)
    if moment.tzinfo is not None:
        moment = moment.astimezone(zone())
    return moment.strftime("%Y-%m-%d %H:%M") if len(str(value)) > 10 else moment.strftime("%Y-%m-%d")


def day_shown(value) -> str:
    """The society's date of a stored timestamp ("2026-12-07" for 2026-12-06T17:30:00+00:00); a date
    alone as it is."""
    return shown(value)[:10]


def has_come(value: str) -> bool:
    """Whether a stored timestamp (ISO, any offset; one without is the society's) is now or past."""
    moment = datetime.fromisoformat(value)
    return (moment if moment.tzinfo else moment.replace(tzinfo=zone())) <= datetime.now(zone())


def with_times_shown(facts: dict) -> dict:
    """A refusal's facts with each stored time among them (a `…_at` key) shown, for its sentence."""
    return {key: shown(value) if key.endswith("_at") else value for key, value in facts.items()}
