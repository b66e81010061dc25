"""A dues reminder's notice: its key and its text, and what it says when it goes out late.

reminders.py queues it; bot.delivery asks `as_now` before sending one that was kept or failed
(the member's next message, the console's and the CLI's retry, the next run of the reminders):
a reminder read days later says that day's days to go, and one the member no longer needs (paid
since, or a newer reminder is due instead) is not sent.
"""
from __future__ import annotations

from datetime import date

from bot import content, delivery
from handlers.fees import dues
from storage.fees import reload_payer


PREFIX = "dues:"  # a reminder's key; the other notices of kind dues (a WeChat Pay refund's) have their own


def key_of(payer: dict, kind: str, period: str) -> str:
    """The notice of this reminder's slot, found again by it."""
    return f"{PREFIX}{payer['kind']}:{payer['id']}:{kind}:{period}"


def text_of(payer: dict, kind: str, today: date) -> str:
    return content.text(
        f"fees.reminder.{kind}", name=payer["name"], category=dues.category_name(payer["category"]),
        paid_through=payer["paid_through"], days=dues.days_to_expiry(payer["paid_through"], today),
        amount=dues.format_amount(dues.yearly_fee(payer["category"])),
        year=dues.dues_year(payer["paid_through"], today, payer.get("joined_at")),
    )


@delivery.goes_stale("dues")
def as_now(db, notice: dict, today: date) -> str | None:
    """The reminder `notice` as it reads today, or None when it is no longer due (paid since, out of
    force, or another reminder is due now); a notice of kind dues that is no reminder, as it was."""
    if not notice["key"].startswith(PREFIX):
        return notice["text"]
    _, payer_kind, payer_id, kind, period = notice["key"].split(":", 4)
    payer = reload_payer(db, {"kind": payer_kind, "id": int(payer_id)})
    if payer is None or payer["status"] != "active":
        return None
    if dues.reminder_due(payer["category"], payer["paid_through"], today) != (kind, period):
        return None
    return text_of(payer, kind, today)
