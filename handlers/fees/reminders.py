"""Dues reminders: which members should be reminded today, each reminder queued once.

Which reminder a member should have by today is handlers.fees.dues.reminder_due (one
`expiring` notice remind_days_before the paid-through date, one `lapsed`
notice when the grace period ends, and one a dues year to members who never
paid or have not paid for a year or more). Each is claimed in `reminders_sent` per
(member, kind, paid-through date) before it is queued, so reruns, overlapping
runs (the workers' schedule, `python -m bot remind` and the console's button) and later
days never send it twice; one whose notice failed (WeChat out of reach) is sent again by the
next run, under the same notice key and with that day's text (reminder_notices.as_now), not counted as sent. It runs every day as the periodic job `dues_reminders`
(content/schedule.toml).
"""
from __future__ import annotations

from datetime import date

import redis

from bot import delivery
from bot.periodic import JobRun, periodic
from handlers.fees import dues
from handlers.fees.reminder_notices import key_of, text_of
from storage.fees import claim_reminder, list_dues_payers, release_reminder

COUNTS = ("queued", "skipped_no_openid", "skipped_unreachable", "already_sent")
KINDS = ("expiring", "lapsed", "unpaid", "overdue")


@periodic("dues_reminders")
def send_dues_reminders(run: JobRun) -> dict:
    return queue_reminders(run.db, run.redis, run.today)


def queue_reminders(db, r: redis.Redis, today: date) -> dict:
    """Queue every reminder due by `today` and not sent before; returns what happened, counted."""
    counts = dict.fromkeys((*COUNTS, *KINDS), 0)
    for payer in list_dues_payers(db):
        due = dues.reminder_due(payer["category"], payer["paid_through"], today)
        if due is None:
            continue
        outcome = _remind(db, r, payer, *due, today)
        counts[outcome] += 1
        if outcome == "queued":
            counts[due[0]] += 1
    return counts


def _remind(db, r: redis.Redis, payer: dict, kind: str, period: str, today: date) -> str:
    if not payer["openid"]:
        return "skipped_no_openid"
    if not payer["reachable"]:
        return "skipped_unreachable"
    key = key_of(payer, kind, period)
    if not claim_reminder(db, payer, kind, period):  # queued before: once more only if it never arrived
        return "queued" if delivery.retry_failed_notices(db, r, key, today) else "already_sent"
    try:
        delivery.notify(r, payer["openid"], text_of(payer, kind, today), kind="dues", key=key)
    except redis.RedisError:
        release_reminder(db, payer, kind, period)  # not queued: let the next run try again
        raise
    return "queued"

