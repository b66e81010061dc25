"""Event registration fees, from content/event_fees.toml: the types on offer and what each costs today.

Per event number: `types` (type -> yuan), `member_types` (types only a member in
good standing may choose), and an early-bird price list that applies through
`early_bird_until`. An event not in the file is free.
"""
from __future__ import annotations

from datetime import date

from bot import content


def settings(event_no: str) -> dict | None:
    return content.load_toml("event_fees.toml").get(event_no)


def early_bird(event_no: str, today: date) -> bool:
    fees = settings(event_no) or {}
    until = fees.get("early_bird_until")
    return bool(until and fees.get("early_bird") and today.isoformat() <= str(until))


def offer(event_no: str, today: date, is_member: bool) -> list[dict]:
    """Each type this person may choose today: name, yuan, fen, and whether the early-bird price applies."""
    fees = settings(event_no)
    if not fees:
        return []
    early = early_bird(event_no, today)
    options = []
    for name, amount in fees["types"].items():
        if name in fees.get("member_types", []) and not is_member:
            continue
        if early and name in fees["early_bird"]:
            amount = fees["early_bird"][name]
        options.append({"type": name, "yuan": amount, "fen": int(round(float(amount) * 100)), "early_bird": early})
    return options


def price_fen(event_no: str, fee_type: str, today: date, is_member: bool) -> int | None:
    """What this type costs this person today, in fen; None when it is not on offer to them."""
    for option in offer(event_no, today, is_member):
        if option["type"] == fee_type:
            return option["fen"]
    return None
