"""Open calls (评奖与人才项目): their sheet, how a deadline reads, and which reminders are due.

Shared by the chat (handlers/awards/chat.py) and the secretariat's commands
(bot/commands/awards.py); kinds, columns and reminder days come from
content/awards.toml.

Reminders: each number in `remind_days_before` is a stage. On a given day a
call is due for the smallest stage its days left still fit in (14 and 3 days:
10 days left is stage 14, 2 days left stage 3), so a member gets each stage
once, and a run missed for a while sends only the latest stage, not a burst.
A member due several calls on one day gets them in one notice.
"""
from __future__ import annotations

import re
from datetime import date, timedelta

import redis

from bot import content, delivery, sheet_import
from bot.router import normalize
from bot.periodic import JobRun, periodic
from bot.validation import Invalid
from storage import awards as store

COMPETITION = "competition"  # the kind of content/awards.toml [kinds] that the guide's competitions match


def settings() -> dict:
    return content.load_toml("awards.toml")


def kinds() -> dict[str, dict]:
    return settings()["kinds"]


def kind_name(code: str) -> str:
    return kinds()[code]["name"]


def kind_asked(text: str) -> str | None:
    """The kind a member's message names (青年人才托举 -> talent), if any."""
    plain = normalize(text or "")
    return next((code for code, kind in kinds().items() if any(word in plain for word in kind["chat"])), None)


def competitions_note(db, today: date) -> str | None:
    """The competition calls still open, as a note under the events' answer to a competition question
    (a competition is published as a call or as an event; the member should see both); None when
    there is none."""
    found = store.list_awards(db, {"from": today.isoformat(), "kind": COMPETITION}, 0,
                              settings()["competitions_listed"])
    if not found:
        return None
    lines = "\n".join(content.text("awards.competitions.line", name=call["name"],
                                     deadline=deadline_text(call, today)) for call in found)
    return content.text("awards.competitions.note", lines=lines)


def days_left(award: dict, today: date) -> int:
    return (date.fromisoformat(award["deadline"]) - today).days


def deadline_text(award: dict, today: date) -> str:
    """12月31日截止（还有 34 天） / 今天截止."""
    deadline, left = date.fromisoformat(award["deadline"]), days_left(award, today)
    when = content.text("awards.deadline.date", month=deadline.month, day=deadline.day)
    if deadline.year != today.year:
        when = content.text("awards.deadline.date_with_year", year=deadline.year, month=deadline.month,
                            day=deadline.day)
    key = "today" if left == 0 else "left" if left > 0 else "passed"
    return content.text(f"awards.deadline.{key}", date=when, days=left)


# --- reminders ------------------------------------------------------------------------------

def _stage(left: int, stages: list[int]) -> int | None:
    fitting = [days for days in stages if 0 <= left <= days]
    return min(fitting) if fitting else None


def reminders_due(db, today: date) -> list[tuple[dict, int]]:
    """(call, stage) of every call whose deadline is within the largest stage."""
    stages = settings()["remind_days_before"]
    calls = store.awards_due(db, today.isoformat(), (today + timedelta(days=max(stages))).isoformat())
    return [(call, _stage(days_left(call, today), stages)) for call in calls]


def reminder_text(calls: list[dict], today: date) -> str:
    lines = "\n".join(content.text("awards.notice.line", number=number, name=call["name"],
                                   deadline=deadline_text(call, today)) for number, call in enumerate(calls, 1))
    return content.text("awards.notice.reminder", items=lines)


@periodic("award_deadlines")
def send_deadline_reminders(run: JobRun) -> dict:
    """Each `talent` subscriber's due calls in one notice; every (call, member, stage) is claimed
    before its notice is queued, so no run sends one twice."""
    due = reminders_due(run.db, run.today)
    counts = {"calls": len(due), "members": 0, "already": 0}
    by_id = {call["id"]: call for call, _ in due}
    for openid in store.talent_subscribers(run.db) if due else []:
        claimed = store.claim_reminders(run.db, openid, [(call["id"], stage) for call, stage in due])
        if not claimed:
            counts["already"] += 1
            continue
        try:
            delivery.notify(run.redis, openid, reminder_text([by_id[i] for i, _ in claimed], run.today),
                            kind="award")
        except redis.RedisError:
            store.release_reminders(run.db, openid, claimed)  # not queued: the next run sends it
            raise
        counts["members"] += 1
    return dict(counts, today=run.today.isoformat())


# --- the sheet of calls -----------------------------------------------------------------------

def columns() -> dict:
    return settings()["columns"]


def _clean_kind(value, year: int) -> str:
    code_of = {kind["name"]: code for code, kind in kinds().items()}
    if str(value).strip() in kinds():
        return str(value).strip()
    name = sheet_import.clean_choice(value, {kind["name"]: kind["aliases"] for kind in kinds().values()}, "kind")
    return code_of[name]


def _clean_award_no(value, year: int) -> str:
    text = re.sub(r"\s", "", str(value)).upper()
    if not re.fullmatch(r"PJ\d{7}", text):
        raise Invalid("award_no")
    return text


def guide_key(fields: dict) -> str:
    return store.guide_key(fields["name"], fields["deadline"])


def summary(call: dict, today: date) -> dict:
    """A call with its kind and deadline in words."""
    return dict(call, kind_name=kind_name(call["kind"]), deadline_text=deadline_text(call, today))


def save_plan(db, plan, file_name: str, actor: str) -> list[str]:
    """Write an import plan of SHEET (each row's history names the file and row); the new numbers."""
    def source(row: int) -> str:
        return content.text("awards_cli.source", file=file_name, row=row)

    return store.save_awards(db, new=[(fields, source(row)) for row, fields in plan.new],
                             changes=[(stored["id"], changes, source(row)) for row, stored, changes in plan.updates],
                             actor=actor)


def add_call(db, fields: dict, source: str, actor: str) -> tuple[str, str]:
    """Store one checked call (sheet_import.clean_fields of SHEET), or update the one with the same
    name and deadline year, so adding it twice is harmless. -> (created|updated, its number)"""
    stored = store.find_award_to_import(db, None, guide_key(fields))
    if stored:
        store.save_awards(db, [], [(stored["id"], fields, source)], actor)
        return "updated", stored["award_no"]
    [number] = store.save_awards(db, [(fields, source)], [], actor)
    return "created", number


SHEET = sheet_import.RecordSheet(
    texts="awards_cli",
    columns=columns,
    cleaners={
        "award_no": _clean_award_no,
        "name": sheet_import.clean_text,
        "kind": _clean_kind,
        "eligibility": sheet_import.clean_text,
        "deadline": sheet_import.parse_day,
        "how_to_apply": sheet_import.clean_text,
        "link": sheet_import.clean_link,
        "organiser": sheet_import.clean_text,
    },
    check=sheet_import.no_checks,
    key=guide_key,
    number="award_no",
    title="name",
    find=store.find_award_to_import,
    closes="deadline",
)
