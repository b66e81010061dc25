"""A job posting as the secretariat gives it: the checks of each field, shared by
`jobs add` and `jobs import`, the import sheet (bot/sheet_import), and what a
new posting gets when a field is left out.

Columns, header spellings, education levels, sources and length limits are in
content/jobs.toml. A problem is a key under [sheet_import.problems]
(content/replies/sheet_import.toml), so the import report and `jobs add` say
the same sentence. Defaults (posted today, open for `default_days`, from the
secretariat) are given to new postings only, when they are stored: filled in
while checking, they would make a sheet imported again on another day look
changed.
"""
from __future__ import annotations

from datetime import date, timedelta

from bot import sheet_import
from handlers.jobs.board import settings
from handlers.jobs.text import canonical_place
from bot.validation import Invalid, normalise
from storage.jobs import find_posting_by_key, job_key, save_postings


def columns() -> dict[str, dict]:
    """Field -> {label, aliases, required}, in the order `jobs add` asks and `jobs show` lists."""
    return settings()["columns"]


def _text(field: str):
    def clean(value, year: int) -> str:
        text = sheet_import.clean_text(value, year)
        if len(text) > settings()["postings"][f"{field}_chars"]:
            raise Invalid("too_long")
        return text
    return clean


def _city(value, year: int) -> str:
    return canonical_place(_text("city")(value, year))


def _education(value, year: int) -> str:
    """The level named first: 本科及以上，硕士优先 asks for 本科; 博士研究生 for 博士."""
    text = normalise(value)
    named = [(text.find(word), level) for level, words in settings()["education"].items()
             for word in [level, *words] if word in text]
    if not named:
        raise Invalid("education")
    return min(named)[1]


def _source(value, year: int) -> str:
    return sheet_import.clean_choice(value, settings()["sources"], "source")


CLEANERS = {
    "title": _text("title"), "employer": _text("employer"), "city": _city,
    "discipline": _text("discipline"), "education": _education, "salary": _text("salary"),
    "description": _text("description"), "how_to_apply": _text("how_to_apply"),
    "posted_on": sheet_import.parse_day, "expires_on": sheet_import.parse_day, "source": _source,
}


def check(fields: dict) -> list[tuple[str, str, dict]]:
    """Problems of the row as a whole: (column, reason, facts)."""
    if fields.get("posted_on") and fields.get("expires_on") and fields["expires_on"] < fields["posted_on"]:
        return [("expires_on", "expires_before_posted", {})]
    return []


def with_defaults(fields: dict, today: date) -> dict:
    """A new posting as stored: posted today, open for `default_days`, from the secretariat."""
    posted = fields.get("posted_on") or today.isoformat()
    expires = date.fromisoformat(posted) + timedelta(days=settings()["postings"]["default_days"])
    return {"discipline": None, "education": None, "salary": None, "description": None,
            **fields, "posted_on": posted, "expires_on": fields.get("expires_on") or expires.isoformat(),
            "source": fields.get("source") or "secretariat"}


def save(db, rows: list[dict], today: date) -> list[tuple[dict, str]]:
    """Store checked rows in one transaction: a posting already on the board takes the fields
    given, a new one gets the defaults for what was left out. -> [(posting, outcome)]"""
    postings = []
    for fields in rows:
        stored = find_posting_by_key(db, job_key(fields))
        postings.append(dict(stored, **fields) if stored else with_defaults(fields, today))
    return save_postings(db, postings, today.isoformat())


def save_plan(db, plan, file_name: str, actor: str) -> list[int]:
    """Write an import plan (bot.sheet_import.plan_import of SHEET); the ids of the new postings."""
    updated = [dict(stored, **changes) for _, stored, changes in plan.updates]
    saved = save(db, [fields for _, fields in plan.new] + updated, date.today())
    return [posting["id"] for posting, _ in saved[:len(plan.new)]]


SHEET = sheet_import.RecordSheet(
    texts="jobs_cli", columns=columns, cleaners=CLEANERS, check=check, key=job_key, number="id",
    title="title", find=lambda db, number, key: find_posting_by_key(db, key), closes="expires_on",
)
