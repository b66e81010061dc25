"""When the secretariat is next open, from the hours in content/society.toml, said as a member reads it."""
from __future__ import annotations

from datetime import datetime, time, timedelta

from bot import content


def _hours() -> dict:
    return content.society()["secretariat"]["open"]


def _periods() -> list[tuple[time, time]]:
    return [(time.fromisoformat(start), time.fromisoformat(end)) for start, end in _hours()["periods"]]


def is_open(now: datetime) -> bool:
    if now.isoweekday() not in _hours()["weekdays"]:
        return False
    return any(start <= now.time() < end for start, end in _periods())


def next_opening(now: datetime) -> datetime:
    """The next moment the secretariat opens after `now` (within the coming two weeks)."""
    for days in range(15):
        day = (now + timedelta(days=days)).date()
        if day.isoweekday() not in _hours()["weekdays"]:
            continue
        for start, _ in _periods():
            opening = datetime.combine(day, start)
            if opening > now:
                return opening
    raise ValueError("content/society.toml [secretariat.open] has no opening hours")


def when_text(now: datetime) -> str:
    """"现在是办公时间…" or "秘书处下次上班是 12月7日（周一）9:00…"."""
    if is_open(now):
        return content.text("office_hours.open_now")
    opening = next_opening(now)
    weekday = content.text("office_hours.weekdays").split(",")[opening.isoweekday() - 1]
    day = content.text("office_hours.today") if opening.date() == now.date() else \
        content.text("office_hours.tomorrow") if opening.date() == now.date() + timedelta(days=1) else ""
    return content.text("office_hours.next", day=day, month=opening.month, date=opening.day, weekday=weekday,
                        time=f"{opening.hour}:{opening.minute:02d}")
