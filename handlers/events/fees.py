"""Event registration fees: the types on offer and what each costs today.

Per event number, content/event_fees.toml may set `types` (type -> yuan), `member_types`
(types only a member in good standing may choose), and an early-bird price list that applies
through `early_bird_until`. An event not in the file is priced by the fee its guide row gives
("会员800元/非会员1200元": 会员 800 for members, 非会员 1200; "200元": one price for all); one whose fee
names no price ("免费", none) is free.
"""
from __future__ import annotations

import re
from datetime import date

from bot import content
from handlers.fees import dues

# a price in a guide's fee text: the type before it ("会员", "非会员", "学生", or none) and yuan, or 免费
_PRICE = re.compile(r"([\u4e00-\u9fffA-Za-z]*)\s*[:：]?\s*(?:(\d+(?:\.\d+)?)\s*元|(免费))")
_NON_MEMBER = "非"


def read_fee_text(text: str | None) -> dict | None:
    """The prices a guide's fee text names, as content/event_fees.toml would write them; None when it
    names none above zero (free, or words such as 待定 that say no price)."""
    types = {}
    for label, amount, free in _PRICE.findall(text or ""):
        types.setdefault(label or content.text("events.fee_type_default"), 0 if free else float(amount))
    if not any(types.values()):
        return None
    return {"types": {name: int(yuan) if yuan == int(yuan) else yuan for name, yuan in types.items()},
            "member_types": [name for name in types if "会员" in name and not name.startswith(_NON_MEMBER)]}


def unreadable(text: str | None) -> bool:
    """A fee written so that no price and no 免费 can be read from it ("见通知", "面议")."""
    return bool(text and text.strip()) and not _PRICE.search(text)


def configured(event: dict) -> dict | None:
    """The event's section of content/event_fees.toml, if the secretariat wrote one."""
    return content.load_toml("event_fees.toml").get(event["event_no"])


def settings(event: dict) -> dict | None:
    return configured(event) or read_fee_text(event.get("fee"))


def member_price_applies(member: dict | None, today: date) -> bool:
    """A member in good standing may choose the members' prices."""
    return bool(member) and member["status"] == "active" and dues.dues_standing(
        member["category"], member["paid_through"], today) in ("active", "grace", "exempt", "lifetime")


def early_bird(event: dict, today: date) -> bool:
    fees = settings(event) or {}
    until = fees.get("early_bird_until")
    return bool(until and fees.get("early_bird") and today.isoformat() <= str(until))


def offer(event: dict, today: date, is_member: bool) -> list[dict]:
    """Each type this person may choose today: name, yuan, fen, and whether the early-bird price applies."""
    fees = settings(event)
    if not fees:
        return []
    early = early_bird(event, today)
    options = []
    for name, amount in fees["types"].items():
        if name in fees.get("member_types", []) and not is_member:
            continue
        if early and name in fees["early_bird"]:
            amount = fees["early_bird"][name]
        options.append({"type": name, "yuan": amount, "fen": int(round(float(amount) * 100)), "early_bird": early})
    return options


def _of_category(fee_type: str, member: dict | None) -> bool:
    """A type that names the member's category ("学生" or "学生会员" for a 学生会员), not the members' price."""
    named = fee_type.replace("会员", "")
    category = content.load_toml("membership.toml")["categories"].get((member or {}).get("category"), "")
    return bool(named) and named in category


def due(event: dict, today: date, member: dict | None) -> dict | None:
    """What this person pays to register, when they do not choose (a registration in chat, the type the page
    ticks first): the price of the member's own category ("学生300元" for a 学生会员), else the members' price
    for a member in good standing, else the first price on offer; None when free."""
    is_member = member_price_applies(member, today)
    options = offer(event, today, is_member)
    member_types = (settings(event) or {}).get("member_types", [])
    category = [o for o in options if _of_category(o["type"], member)]
    own = [o for o in options if o["type"] in member_types] if is_member else []
    chosen = (category or own or options or [None])[0]
    return chosen if chosen and chosen["fen"] else None


def price_fen(event: dict, fee_type: str, today: date, is_member: bool) -> int | None:
    """What this type costs this person today, in fen; None when it is not on offer to them."""
    for option in offer(event, today, is_member):
        if option["type"] == fee_type:
            return option["fen"]
    return None
