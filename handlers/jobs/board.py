"""The job board as members see it: a search that answers what was asked, and how a posting reads.

A question has search words and filters (handlers/jobs/filters): the city, the discipline,
the education and the pay. Every posting listed meets every filter asked; what may be
relaxed, one step at a time and nearest first, is how the words are matched, and the
reply says how:

  1. as asked: every keyword;
  2. spelling: a keyword no posting has, read as an indexed word that sounds the same
     (机器学系 -> 机器学习: a pinyin keyboard's typo); the reply names only the word read;
  3. word beginnings (工程 also finds 工程部);
  4. any one keyword instead of all;
  5. broader words (content/jobs.toml [broader]: 深度学习 -> 机器学习, 人工智能 ...);
  6. the filters alone (the newest in the city, of the discipline ...), when filters were asked.

When none of these finds anything, nothing is listed: the reply says there is none yet,
how many there are in other cities if a city was asked, and how to be told of new ones.

Each step only asks whether anything matches (an indexed lookup that stops at the first
hit), so even a message that climbs the whole ladder stays in the few-millisecond range
(bench/bench_jobs.py); the list itself is fetched once, for the step that matched.
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date

from bot import content
from handlers.jobs import text  # noqa: F401  (registers the text analysis storage.jobs searches with)
from handlers.jobs.filters import Filters, picked, read
from bot.router import normalize
from storage.jobs import JobQuery, count_matches, has_match, terms_sounding_like


def settings() -> dict:
    return content.load_toml("jobs.toml")


def today() -> str:
    return date.today().isoformat()


@dataclass
class Found:
    asked: JobQuery  # the member's keywords, city and filters
    query: JobQuery  # what to list; "更多" pages on through it
    relaxed: tuple[str, ...] = ()  # the steps taken: spelling, prefix, any, broader, filters
    spelled: dict[str, str] = field(default_factory=dict)  # keyword -> the word it was read as
    anything: bool = True  # False when nothing meets the question (see `elsewhere`)
    filters: Filters | None = None  # how the filters were asked, for the reply
    elsewhere: int = 0  # when nothing was found in the city asked: how many match in other cities


def find(db, keywords: list[str], city: str | None, day: str, text: str = "", **choices) -> Found:
    """The nearest step of the ladder that finds anything (each step only asks whether one matches).

    `choices` are filters picked from lists (discipline, education, min_salary: the job-search
    page); they take the place of what the text says of the same kind."""
    filters = picked(read(text, keywords), **choices)
    asked = JobQuery(tuple(filters.keywords), city, disciplines=filters.disciplines, education=filters.education,
                     min_salary=filters.min_salary)
    for relaxed, query, spelled in _ladder(db, asked, day):
        if has_match(db, query, day):
            return Found(asked, query, relaxed, spelled, filters=filters)
    elsewhere = count_matches(db, replace(asked, city=None), day) if city else 0
    return Found(asked, asked, anything=False, filters=filters, elsewhere=elsewhere)


def _ladder(db, asked: JobQuery, day: str):
    """(relaxed steps, query, spelling fixes) from the nearest to the widest; the filters stay."""
    yield (), asked, {}
    if not asked.keywords:
        return
    spelled = _spelling(db, asked.keywords, day)
    words = tuple(spelled.get(k, k) for k in asked.keywords)
    fixed, base = ("spelling",) if spelled else (), replace(asked, keywords=words)
    if spelled:
        yield fixed, base, spelled
    yield fixed + ("prefix",), replace(base, prefix=True), spelled
    if len(words) > 1:
        yield fixed + ("any",), replace(base, any_keyword=True), spelled
    if _broader(words):
        yield fixed + ("broader",), replace(base, keywords=_broader(words), any_keyword=True), spelled
    if asked.filtered:
        yield ("filters",), replace(asked, keywords=()), {}


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


# --- how a search reads ---------------------------------------------------------------------

def _marked(words) -> str:
    return "".join(content.text("jobs.mark", word=word) for word in words)


def _what(query: JobQuery, filters: Filters | None, keywords: bool = True) -> str:
    """郑州的化学专业“博士后”相关（硕士、月薪8000元以上）: what is listed, as a heading names it."""
    parts = []
    if query.city:
        parts.append(content.text("jobs.what.city", city=query.city))
    if filters and filters.discipline:
        parts.append(content.text("jobs.what.discipline", discipline=filters.discipline))
    if keywords and query.keywords:
        parts.append(content.text("jobs.what.keywords", keywords=_marked(query.keywords)))
    narrowed = []
    if filters and filters.education_text:
        narrowed.append(content.text("jobs.what.education", education=filters.education_text))
    if filters and filters.min_salary:
        narrowed.append(content.text("jobs.what.salary", salary=filters.min_salary))
    if narrowed:
        parts.append(content.text("jobs.what.filters", filters=content.text("jobs.joiner").join(narrowed)))
    return "".join(parts)


def heading(found: Found) -> str:
    """The first line of the list: what is listed and, when the words were matched loosely, how.

    Never "none found" above a list, and never a word the member mistyped: the words named
    are those searched for."""
    query, filters, relaxed = found.query, found.filters, found.relaxed
    if not relaxed or relaxed == ("spelling",):
        asked = found.asked.keywords or found.asked.filtered
        return content.text("jobs.heading.found" if asked else "jobs.heading.latest", what=_what(query, filters))
    if relaxed == ("filters",):
        return content.text("jobs.heading.filters_only", what=_what(query, filters, keywords=False),
                            keywords=_marked(found.asked.keywords))
    steps = [content.text(f"jobs.relaxed.{step}", keywords=_marked(query.keywords))
             for step in relaxed if step != "spelling"]
    if "broader" in relaxed:  # named by the member's own words (as read), the broader ones in the steps
        query = replace(query, keywords=tuple(found.spelled.get(k, k) for k in found.asked.keywords))
    return content.text("jobs.heading.relaxed", what=_what(query, filters),
                        steps=content.text("jobs.joiner").join(steps))


def _as_typed(keywords: tuple[str, ...], text: str) -> tuple[str, ...]:
    """Keywords the router cut from one typed word joined again (机器 + 学系 -> 机器学系), so a
    reply quotes what the member wrote, never a fragment of it."""
    plain = normalize(text or "").replace(" ", "")
    joined: list[str] = []
    for keyword in keywords:
        if joined and (joined[-1] + keyword) in plain:
            joined[-1] += keyword
        else:
            joined.append(keyword)
    return tuple(joined)


def what_asked(found: Found, text: str = "") -> str:
    """What the member asked for, as a reply names it: 郑州的“算法”相关（硕士）."""
    return _what(replace(found.asked, keywords=_as_typed(found.asked.keywords, text)), found.filters)


def none_found(found: Found, text: str = "") -> str:
    """Nothing meets the question: say so, and where to go from here (no list of other things)."""
    found = replace(found, asked=replace(found.asked, keywords=_as_typed(found.asked.keywords, text)))
    text = content.text("jobs.none_found", what=what_asked(found))
    if found.elsewhere:
        named = found.asked.keywords or ([found.filters.discipline] if found.filters.discipline else [])
        words = " ".join([*named, *filter(None, (found.filters.education_text, found.filters.salary_text))])
        text += content.text("jobs.elsewhere", count=found.elsewhere, city=found.asked.city,
                             query=(" " + words) if words else "")
    words = alert_words(found)
    return text + content.text("jobs.none_hint" if words else "jobs.none_hint_plain", words=words)


def alert_words(found: Found) -> str:
    """The keywords an alert for a question that found nothing would watch ("作物育种"), or ""."""
    return " ".join(found.asked.keywords) or (found.filters.discipline or "")


# --- how a posting reads ----------------------------------------------------------------

def posting_line(number: int, posting: dict) -> str:
    """One compact numbered line: 1. 算法工程师｜河南省人工智能研究院｜郑州｜硕士｜15-25k/月｜截止12月31日"""
    parts = [posting["title"], posting["employer"], posting["city"]]
    if posting["education"] and posting["education"] != content.text("jobs.no_requirement"):
        parts.append(posting["education"])
    if posting["salary"]:
        parts.append(posting["salary"])
    if posting["expires_on"]:
        parts.append(deadline(posting["expires_on"]))
    return content.text("jobs.line", number=number, posting=content.text("jobs.separator").join(parts))


def deadline(expires_on: str) -> str:
    """截止12月31日 (this year), 截止2027年1月15日 (another)."""
    day = date.fromisoformat(expires_on[:10])
    key = "jobs.deadline" if day.year == date.today().year else "jobs.deadline_year"
    return content.text(key, year=day.year, month=day.month, day=day.day)


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
