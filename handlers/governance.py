"""The council bodies measured against the society's governance rules (content/governance.toml).

From the members' council roles this works out who sits in which body, how
each body is made up by institution type, age band and post category against
the "三三三一" (3:3:3:1) ratios, whether the bodies keep their size rules, and
how far the term is from its end. It returns figures and codes only; the
console words them (bot/admin/governance.py), so the rules and the sentences
can each change alone.
"""
from __future__ import annotations

import calendar
import math
import re
from dataclasses import dataclass, field
from datetime import date

from bot import content
from bot.validation import age_band

ROLE_SEPARATORS = re.compile(r"[、，,/／;；\s]+")
AGE_BANDS = (">=60", "50-59", "40-49", "<40")  # bot.validation.age_band's bands, oldest first


def rules() -> dict:
    return content.load_toml("governance.toml")


@dataclass
class Share:
    value: str
    count: int
    share: float          # of the members whose value is known
    target: float | None  # None: a value outside the ratio (e.g. 其他)
    gap: str | None       # "few", "many" or None


@dataclass
class Composition:
    dimension: str        # institution_type, age_band or post_category
    known: int
    missing: int          # members with nothing filled in: left out of the shares
    shares: list[Share]

    @property
    def gaps(self) -> list[Share]:
        return [s for s in self.shares if s.gap]


@dataclass
class Body:
    key: str
    name: str
    members: list[dict]
    compositions: list[Composition] = field(default_factory=list)
    size_problems: list[dict] = field(default_factory=list)  # {"rule", ...facts}

    @property
    def size(self) -> int:
        return len(self.members)


def roles_of(member: dict) -> list[str]:
    return [r for r in ROLE_SEPARATORS.split(member.get("council_role") or "") if r]


def member_value(member: dict, dimension: str, today: date) -> str | None:
    if dimension == "age_band":
        return age_band(member.get("birth_year"), today)
    return (member.get(dimension) or "").strip() or None


def composition(members: list[dict], dimension: str, today: date) -> Composition:
    """Shares of each value among the members whose value is known, against the ratio."""
    settings = rules()["composition"]
    ratio = settings["ratios"][dimension]
    total_weight = sum(ratio.values())
    counts: dict[str, int] = dict.fromkeys(ratio, 0)
    missing = 0
    for member in members:
        value = member_value(member, dimension, today)
        if value is None:
            missing += 1
        else:
            counts[value] = counts.get(value, 0) + 1
    known = len(members) - missing
    shares = []
    for value, count in counts.items():
        target = ratio[value] / total_weight if value in ratio else None
        share = count / known if known else 0.0
        shares.append(Share(value, count, share, target,
                            _gap(count, share, target, known, settings["tolerance"])))
    return Composition(dimension, known, missing, shares)


def _gap(count: int, share: float, target: float | None, known: int, tolerance: float) -> str | None:
    """Off the ratio by more than the tolerance, and by whole people: 1.5 people expected
    allows 1 or 2, so a small body is not told it is off for want of half a person."""
    if target is None or not known or abs(share - target) <= tolerance:
        return None
    expected = target * known
    if count < math.floor(expected):
        return "few"
    if count > math.ceil(expected):
        return "many"
    return None


def _size_problems(key: str, spec: dict, bodies: dict[str, Body]) -> list[dict]:
    size = bodies[key].size
    problems = []
    if "min_size" in spec and size < spec["min_size"]:
        problems.append({"rule": "too_small", "size": size, "limit": spec["min_size"]})
    if "max_size" in spec and size > spec["max_size"]:
        problems.append({"rule": "too_large", "size": size, "limit": spec["max_size"]})
    if "at_most_fraction_of" in spec:
        other, numerator, denominator = spec["at_most_fraction_of"]
        other_size = bodies[other].size
        if size * denominator > other_size * numerator:
            problems.append({"rule": "over_fraction", "size": size, "other": bodies[other].name,
                             "other_size": other_size, "numerator": numerator,
                             "denominator": denominator})
    return problems


def council_bodies(members: list[dict], today: date) -> tuple[list[Body], list[dict]]:
    """The bodies in the order of the rules, and (member, role) pairs naming no known role."""
    spec = rules()
    bodies = {key: Body(key, body["name"], []) for key, body in spec["bodies"].items()}
    unknown = []
    for member in members:
        keys: list[str] = []
        for role in roles_of(member):
            if role in spec["roles"]:
                keys += [k for k in spec["roles"][role] if k not in keys]
            else:
                unknown.append({"member": member, "role": role})
        for key in keys:
            bodies[key].members.append(member)
    for key, body in bodies.items():
        body.compositions = [composition(body.members, d, today) for d in spec["bodies"][key]["composition"]]
        body.size_problems = _size_problems(key, spec["bodies"][key], bodies)
    return list(bodies.values()), unknown


# --- the term -------------------------------------------------------------------------

def add_months(day: date, months: int) -> date:
    """The same day `months` later (or earlier), the month's last day where it is shorter."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    month += 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def term_status(start: date | None, end: date | None, today: date) -> dict:
    """Where the term stands: `unset`, `running`, `plan_due` (6 to 3 months before the end),
    `plan_late` (less than 3 months left), `ended` (past the end, renewal delayed) — with the
    window for filing the renewal plan."""
    if end is None:
        return {"stage": "unset", "start": start, "end": None}
    first, last = rules()["term"]["plan_months_before"]
    plan_from, plan_until = add_months(end, -first), add_months(end, -last)
    if today > end:
        stage = "ended"
    elif today >= plan_until:
        stage = "plan_late"
    elif today >= plan_from:
        stage = "plan_due"
    else:
        stage = "running"
    return {"stage": stage, "start": start, "end": end, "plan_from": plan_from, "plan_until": plan_until,
            "days_left": (end - today).days, "months_before": (first, last),
            "delay_until": add_months(end, rules()["term"]["max_delay_months"])}
