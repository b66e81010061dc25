"""The deployment checklist on the console's dashboard: the last `doctor` report, and a button
that runs the checks again (bot/golive/doctor.py does the work; texts in content/replies/doctor_cli.toml)."""
from __future__ import annotations

from bot import content


def last_report(redis_client) -> dict:
    """What the panel shows: the last report (None when never run or Redis is away) and its texts."""
    from storage.state import load_doctor_report

    try:
        report = load_doctor_report(redis_client())
    except Exception:  # noqa: BLE001 (Redis away: the panel says so, the dashboard still shows)
        report = None
    return {"report": report, "texts": content.replies()["doctor"],
            "titles": content.replies()["admin"]["doctor"]["titles"]}


def run(config, db, redis_client) -> dict:
    from bot.golive.doctor import Services, run_and_keep

    try:
        r = redis_client()
    except Exception:  # noqa: BLE001 (the Redis check reports it)
        r = None
    return run_and_keep(config, Services(config, db=db, r=r))
