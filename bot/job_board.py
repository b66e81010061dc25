"""The job board as members see it: a search that is never a dead end, and how a posting reads.

A member's words may find nothing: a typo, a city without such a job, a word
no posting uses. Instead of "no results" the question is relaxed one step at
a time, nearest first, and the reply says what was relaxed:

  1. as asked: every keyword, in the city;
  2. spelling: a keyword no posting has, read as an indexed word that sounds
     the same (机器学系 -> 机器学习: a pinyin keyboard's typo);
  3. the city dropped;
  4. word beginnings (工程 also finds 工程部), in the city, then anywhere;
  5. any one keyword instead of all, in the city, then anywhere;
  6. broader words (content/jobs.toml [broader]: 深度学习 -> 机器学习, 人工智能 ...);
  7. the newest postings in the city, then the newest anywhere.

Each step only asks whether anything matches (an indexed lookup that stops
at the first hit), so even a message that climbs the whole ladder stays in
the few-millisecond range (bench/bench_jobs.py); the list itself is fetched
once, for the step that matched.
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date

from bot import content
from storage.jobs import JobQuery, has_match, terms_sounding_like


def settings() -> dict:
    return content.load_toml("jobs.toml")


def today() -> str:
    return date.today().isoformat()


@dataclass
class Found:
    asked: JobQuery  # the member's keywords and city
    query: JobQuery  # what to list; "更多" pages on through it
    relaxed: tuple[str, ...] = ()  # the steps taken: spelling, city, prefix, any, broader, latest
    spelled: dict[str, str] = field(default_factory=dict)  # keyword -> the word it was read as
    anything: bool = True  # False only when the board has no visible posting at all


def find(db, keywords: list[str], city: str | None, day: str) -> Found:
    """The nearest step of the ladder that finds anything (each step only asks whether one matches)."""
    asked = JobQuery(tuple(keywords), city)
    for relaxed, query, spelled in _ladder(db, asked, day):
        if has_match(db, query, day):
            return Found(asked, query, relaxed, spelled)
    return Found(asked, asked, anything=False)


def _ladder(db, asked: JobQuery, day: str):
    """(relaxed steps, query, spelling fixes) from the nearest to the widest."""
    yield (), asked, {}
    spelled = _spelling(db, asked.keywords, day)
    words = tuple(spelled.get(k, k) for k in asked.keywords)
    fixed, base = ("spelling",) if spelled else (), replace(asked, keywords=words)
    if spelled:
        yield fixed, base, spelled
    places = [((), asked.city), (("city",), None)] if asked.city else [((), None)]
    if not words:  # the newest in the city was the question itself
        places = places[1:]
    else:
        if asked.city:
            yield fixed + ("city",), replace(base, city=None), spelled
        widened = [("prefix", replace(base, prefix=True))]
        if len(words) > 1:
            widened.append(("any", replace(base, any_keyword=True)))
        if _broader(words):
            widened.append(("broader", replace(base, keywords=_broader(words), any_keyword=True)))
        for step, query in widened:
            for where, city in places:
                yield fixed + (step,) + where, replace(query, city=city), spelled
    for where, city in places:
        yield ("latest",) + where, JobQuery(city=city), {}


def _spelling(db, keywords: tuple[str, ...], day: str) -> dict[str, str]:
    """Keywords no open posting has -> the indexed word that reads the same, if one does."""
    fixes = {}
    for keyword in keywords:
        if has_match(db, JobQuery((keyword,)), day):
            continue
        for word in terms_sounding_like(db, keyword):
            if has_match(db, JobQuery((word,)), day):
                fixes[keyword] = word
                break
    return fixes


def _broader(keywords: tuple[str, ...]) -> tuple[str, ...]:
    table = settings()["broader"]
    return tuple(dict.fromkeys(word for k in keywords for word in table.get(k, ())))


# --- how a search and a posting read -----------------------------------------------------

def _marked(words) -> str:
    return "".join(content.text("jobs.mark", word=word) for word in words)


def _what(query: JobQuery) -> str:
    """郑州的“算法”相关, “化学”“博士后”相关, 郑州的: what was asked, as a heading names it."""
    form = "_".join(part for part, given in (("city", query.city), ("keywords", query.keywords)) if given)
    return content.text(f"jobs.what.{form or 'anything'}", city=query.city, keywords=_marked(query.keywords))


def heading(found: Found) -> str:
    """The first line of the list: what was asked, and what was relaxed to find anything."""
    asked, query = found.asked, found.query
    if not found.relaxed:
        return content.text("jobs.heading.found" if asked.keywords or asked.city else "jobs.heading.latest",
                            what=_what(asked))
    if "latest" in found.relaxed:
        where = query.city or content.text("jobs.anywhere")
        return content.text("jobs.heading.relaxed_latest", what=_what(asked), where=where)
    steps = [content.text(f"jobs.relaxed.{step}", words=_marked(found.spelled.values()),
                          keywords=_marked(query.keywords))
             for step in found.relaxed]
    return content.text("jobs.heading.relaxed", what=_what(asked), steps=content.text("jobs.joiner").join(steps))


# --- how a posting reads ----------------------------------------------------------------

def posting_line(number: int, posting: dict) -> str:
    """One compact numbered line: 1. 算法工程师｜河南省人工智能研究院｜郑州｜硕士｜15-25k/月"""
    parts = [posting["title"], posting["employer"], posting["city"]]
    if posting["education"] and posting["education"] != content.text("jobs.no_requirement"):
        parts.append(posting["education"])
    if posting["salary"]:
        parts.append(posting["salary"])
    return content.text("jobs.line", number=number, posting=content.text("jobs.separator").join(parts))


def posting_detail(posting: dict) -> str:
    """Everything a member needs to apply, the description shortened to fit one message."""
    limit = settings()["chat"]["detail_chars"]
    description = posting["description"] or content.text("jobs.none")
    if len(description) > limit:
        description = description[:limit] + content.text("jobs.cut")
    none = content.text("jobs.none")
    return content.text(
        "jobs.detail", **dict(posting, description=description, discipline=posting["discipline"] or none,
                              education=posting["education"] or none, salary=posting["salary"] or none,
                              source=content.text(f"jobs.sources.{posting['source']}")))
