"""The job board as members see it: a search that answers what was asked, and how a posting reads.

A question names concepts and filters (handlers/jobs/filters): its keywords (a job title, a
skill, any other word), the disciplines, the city (or the province), the education and the
pay. Every posting listed meets all of them: a keyword is in the posting, a discipline in its
discipline or title (by any of its forms, content/jobs.toml [disciplines] and [field_words]).
What may change, one step at a time and nearest first, is how a keyword is matched, and the
reply says how:

  1. as asked;
  2. spelling: a keyword no posting has, read as an indexed word that sounds the same
     (机器学系 -> 机器学习: a pinyin keyboard's typo); the reply names only the word read;
  3. word beginnings (工程 also finds 工程部);
  4. broader words for a keyword (content/jobs.toml [broader]: 芯片 -> 集成电路, 半导体 ...),
     each keyword still matched, by itself or one of its broader words.

A keyword or a discipline is never dropped to fill a list. When no step finds anything,
nothing is listed: the reply says there is none yet and offers, labelled as what they are
and with the message that lists them, the nearest honest alternatives (`offers`): the
same question in other cities of the province (or elsewhere), each concept alone when
several were named, the city's other postings.

Each step only asks whether anything matches (an indexed lookup that stops at the first
hit), so a question that has answers costs one such lookup before its list is fetched
(bench/bench_jobs.py).
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from datetime import date
from functools import lru_cache

from bot import content
from handlers.jobs.text import canonical_city, city_by_sound, city_of_district, place_named, region_named  # (the module registers the text analysis storage.jobs uses)
from handlers.jobs.filters import Filters, picked, province_cities, province_of, read, said_as_either, settings, words_between
from bot.router import analyse, normalize
from storage.jobs import JobQuery, count_matches, has_match, matches_by_city, open_posting_cities, terms_sounding_like


def today() -> str:
    return date.today().isoformat()


@dataclass
class Found:
    asked: JobQuery  # the member's keywords, city and filters
    query: JobQuery  # what to list; "更多" pages on through it
    relaxed: tuple[str, ...] = ()  # the steps taken: spelling, prefix, broader
    spelled: dict[str, str] = field(default_factory=dict)  # keyword -> the word it was read as
    anything: bool = True  # False when nothing meets the question (see `offers`)
    filters: Filters | None = None  # how the filters were asked, for the reply
    elsewhere: int = 0  # when nothing was found in the city asked: how many match in other cities
    offers: tuple[tuple[str, dict], ...] = ()  # when nothing was found: (reply key, its fields) of each alternative
    unpriced: int = 0  # when a pay was asked: how many postings that meet the rest state no pay (not listed)
    partly: int = 0  # when a pay was asked: how many that meet the rest pay a range starting below it (not listed)


def find(db, keywords: list[str], city: str | None, day: str, text: str = "", **choices) -> Found:
    """The nearest step of the ladder that finds anything (each step only asks whether one matches).

    `choices` are filters picked from lists (discipline, education, min_salary: the job-search
    page); they take the place of what the text says of the same kind."""
    asked, filters = _asked(keywords, city, text, open_posting_cities(db, day), **choices)
    for relaxed, query, spelled in _ladder(db, asked, day):
        if has_match(db, query, day):
            return _priced(db, Found(asked, query, relaxed, spelled, filters=filters), day)
    return _priced(db, _offering(db, Found(asked, asked, anything=False, filters=filters), day, text), day)


def alert_query(keywords: list[str]) -> JobQuery:
    """What a job alert's words ("医疗", "电力 安阳") ask for: what the search of those words asks, before the
    search relaxes anything (a field's disciplines, the city as a city)."""
    text = " ".join(keywords)
    slots = analyse(text).slots_for("jobs")
    return _asked(slots["keywords"], slots["city"], text)[0]


def _asked(keywords: list[str], city: str | None, text: str, places: list[str] = (),
           **choices) -> tuple[JobQuery, Filters]:
    """The query a job question asks, and the filters read from it; `places`: where the board's postings are, as
    they write it (武汉市洪山区), a part of which the question may name (洪山区, 光谷)."""
    city = city or city_of_district(text) or city_by_sound(text)  # 金水区有会计的岗位吗, 新相有护士吗: 郑州, 新乡
    place = place_named(text, tuple(places), city)
    keywords = [keyword for keyword in keywords  # 光谷, 恩施: where, not what
                if not place or place_named(keyword, tuple(places), None) != place]
    region = () if city or place else region_named(text)  # 攀西: 攀枝花 or 凉山
    keywords = [keyword for keyword in keywords if not (region and region_named(keyword))]
    either, keywords = _alternatives(keywords, text)
    filters = picked(read(text, keywords, either), **choices)
    city = place if place and not filters.cities else city
    city = None if city in filters.except_cities else city  # 除了郑州的
    cities = filters.cities if filters.cities and (city is None or city in filters.cities) else ()  # 漯河或者开封
    cities = cities or region
    asked = JobQuery(tuple(filters.keywords), None if cities else city, either=filters.either,
                     disciplines=filters.disciplines,
                     cities=cities or (province_cities() if filters.province and not city else ())
                     or (filters.region if not city else ()),  # 湖北省内
                     education=filters.education, min_salary=filters.min_salary,
                     except_cities=() if city or cities else filters.except_cities or (
                         province_cities() if filters.outside else ()),  # 不去郑州，洛阳的: 洛阳's
                     not_named=filters.not_named, workplaces=filters.workplace_words, not_at=filters.not_at)
    return asked, filters


def _priced(db, found: Found, day: str) -> Found:
    """A question with a pay (工资过万): how many postings that meet the rest state no pay, and how many pay a
    range that only reaches it (6-9k for 八千以上: it may pay 6000), neither of which is listed."""
    floor = found.query.min_salary
    if not floor:
        return found
    rest = replace(found.query, min_salary=None)
    return replace(found, unpriced=count_matches(db, replace(rest, pay_unstated=True), day),
                   partly=count_matches(db, replace(rest, pay_reaches=floor), day))


def _unlisted(found: Found) -> str:
    """What a pay asked left out: the postings whose range only reaches it, those that state no pay."""
    return "".join([content.text("jobs.pay_partly", count=found.partly, salary=found.query.min_salary)
                    if found.partly else "",
                    content.text("jobs.unpriced", count=found.unpriced) if found.unpriced else ""])


def _alternatives(keywords: list[str], text: str) -> tuple[tuple[tuple[str, ...], ...], list[str]]:
    """The words typed as alternatives, joined by an "or" ("会计或者出纳", "护士或护理", "java or python":
    content/jobs.toml or_words), or by an "and" or nothing in a message that says any of them will do
    ("会计出纳都行": any_of_words), each run of them a group a posting needs one word of; and the keywords
    left, each of which a posting needs."""
    plain = analyse(text or "").fixed.lower()  # as the router read it: "geology or surveying" is 地质 or 测绘
    typed = _typed_words(tuple(keywords), plain)
    groups, used = [], set()
    for before, after in zip(typed, typed[1:]):
        words = ["".join(before).lower(), "".join(after).lower()]
        if not said_as_either(plain, words_between(plain, *words), joined_by_and=False):  # java和python: both
            continue
        if groups and before in used:
            groups[-1] += (words[1],)
        else:
            groups.append(tuple(words))
        used.update((before, after))
    left = [keyword for group in typed if group not in used for keyword in group if keyword in keywords]
    return tuple(groups), left if groups else list(keywords)


def _ladder(db, asked: JobQuery, day: str):
    """(relaxed steps, query, spelling fixes) from the nearest to the widest; every part stays."""
    yield (), asked, {}
    if not asked.keywords and not asked.either:
        return
    spelled = _spelling(db, asked.keywords, day)
    words = tuple(spelled.get(k, k) for k in asked.keywords)
    fixed, base = ("spelling",) if spelled else (), replace(asked, keywords=words)
    if spelled:
        yield fixed, base, spelled
    yield fixed + ("prefix",), replace(base, prefix=True), spelled
    broader = {word: _broader(word) for word in words if _broader(word)}
    if broader:
        yield fixed + ("broader",), replace(base, keywords=tuple(w for w in words if w not in broader),
                                            either=tuple((w, *more) for w, more in broader.items())), spelled


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


def _broader(keyword: str) -> tuple[str, ...]:
    return tuple(settings()["broader"].get(keyword, ()))


def _offering(db, found: Found, day: str, text: str) -> Found:
    """Nothing meets the question: the nearest alternatives that have postings, for the reply to offer.

    1. the same question elsewhere: in the province's other cities when a city of it was asked
       (or anywhere else when the province or another city was);
    2. when several concepts were named, each alone (in the city asked; a word the member typed
       is one concept, however the router cut it);
    3. the city's other postings, when neither has any."""
    asked, filters = found.asked, found.filters
    conditions = [w for w in (filters.education_text, filters.salary_text) if w]
    offers, elsewhere = [], 0
    typed = _typed_words(asked.keywords, text)
    if asked.places:
        by_city = _by_city(matches_by_city(db, replace(asked, city=None, cities=()), day))
        province = province_cities()
        nearby = {c: n for c, n in by_city.items() if c in province} \
            if set(asked.places) <= set(province) and set(asked.places) != set(province) else {}
        others = nearby or by_city
        elsewhere = sum(by_city.values())
        if others:
            offers.append(("jobs.offer.province" if nearby else "jobs.offer.elsewhere", {
                "count": sum(others.values()), "cities": _some(list(others)),
                "query": _command([*map("".join, typed), *map(content.text("jobs.joiner_or").join, asked.either),
                                   *filters.names, *conditions, *(
                    [content.text("jobs.province_word")] if nearby else [])])}))
    alone = [(replace(asked, keywords=group, disciplines=()), "".join(group))
             for group in typed]
    alone += [(replace(asked, keywords=(), disciplines=(forms,)), name)
              for forms, name in zip(asked.disciplines, filters.names)]
    for query, named in alone if len(alone) > 1 else ():
        count = count_matches(db, query, day)
        if count:
            alone_filters = replace(filters, discipline=named if query.disciplines and named not in filters.fields else None,
                                    names=(named,) if query.disciplines else (),
                                    fields=(named,) if query.disciplines and named in filters.fields else ())
            offers.append(("jobs.offer.part", {
                "count": count, "what": _what(query, alone_filters),
                "query": _command([named, *_places(asked), *conditions])}))
    if not offers and asked.city:
        count = count_matches(db, JobQuery(city=asked.city), day)
        if count:
            offers.append(("jobs.offer.city", {"count": count, "city": asked.city, "query": _command([asked.city])}))
    return replace(found, elsewhere=elsewhere, offers=tuple(offers[:settings()["chat"]["offers"]]))


def _by_city(by_place: dict[str, int]) -> dict[str, int]:
    """Matches per place as written (武汉市洪山区, 武汉市武昌区) -> per city (武汉), most first."""
    counts: dict[str, int] = {}
    for place, count in by_place.items():
        city = canonical_city(place)
        counts[city] = counts.get(city, 0) + count
    return dict(sorted(counts.items(), key=lambda item: -item[1]))


def _some(cities: list[str], at_most: int = 4) -> str:
    """新乡、商丘、驻马店 (等 after the first four)."""
    named = content.text("jobs.joiner_and").join(cities[:at_most])
    return named + (content.text("jobs.and_more") if len(cities) > at_most else "")


def _places(asked: JobQuery) -> list[str]:
    if asked.city or not asked.cities:
        return [asked.city] if asked.city else []
    if _is_province(asked.cities):
        return [content.text("jobs.province_word")]
    return [content.text("jobs.joiner_or").join(asked.cities)]


def _is_province(cities: tuple[str, ...]) -> bool:
    return set(cities) == set(province_cities())


def _command(words: list[str]) -> str:
    """" 农业工程 省内": what follows 招聘 in a message that asks for it."""
    return "".join(" " + word for word in words if word)


# --- how a search reads ---------------------------------------------------------------------

def _marked(words) -> str:
    return "".join(content.text("jobs.mark", word=word) for word in words)


def _what(query: JobQuery, filters: Filters | None) -> str:
    """郑州的化学专业“博士后”相关（硕士、月薪8000元以上）: what is listed, as a heading names it."""
    parts = []
    if query.city:
        parts.append(content.text("jobs.what.city", city=query.city))
    elif query.cities and _is_province(query.cities):
        parts.append(content.text("jobs.what.province", province=settings()["province"]["name"]))
    elif query.cities and province_of(query.cities):
        parts.append(content.text("jobs.what.province", province=province_of(query.cities)))
    elif query.cities:
        parts.append(content.text("jobs.what.city", city=content.text("jobs.joiner_or").join(query.cities)))
    if query.except_cities and _is_province(query.except_cities):
        parts.append(content.text("jobs.what.outside", province=settings()["province"]["name"]))
    elif query.except_cities:
        parts.append(content.text("jobs.what.except_cities",
                                  cities=content.text("jobs.joiner_and").join(query.except_cities)))
    if filters and filters.discipline:
        parts.append(content.text("jobs.what.discipline", discipline=filters.discipline))
    if filters and filters.fields:
        parts.append(content.text("jobs.what.keywords", keywords=_marked(filters.fields)))
    if filters and filters.workplaces and query.workplaces:
        parts.append(content.text("jobs.what.keywords", keywords=_marked(filters.workplaces)))
    if query.keywords:
        parts.append(content.text("jobs.what.keywords", keywords=_marked(query.keywords)))
    for group in query.either:
        words = content.text("jobs.joiner_or").join(content.text("jobs.mark", word=word) for word in group)
        parts.append(content.text("jobs.what.either", words=words))
    narrowed = []
    if filters and filters.education_text:  # a level named lists postings open to any level too (filters.py)
        levels = [level for level in filters.education if level != "不限"]
        key = "jobs.what.education_or_any" if levels and "不限" in filters.education else "jobs.what.education"
        narrowed.append(content.text(key, education=filters.education_text))
    if filters and filters.min_salary:
        narrowed.append(content.text("jobs.what.salary", salary=filters.min_salary))
    if narrowed:
        parts.append(content.text("jobs.what.filters", filters=content.text("jobs.joiner").join(narrowed)))
    return "".join(parts)


def heading(found: Found) -> str:
    """The first line of the list: what is listed and, when the words were matched loosely, how.

    Never "none found" above a list, and never a word the member mistyped: the words named
    are those searched for."""
    return _heading(found) + _unlisted(found)


def _heading(found: Found) -> str:
    query, filters, relaxed = found.query, found.filters, found.relaxed
    if not relaxed or relaxed == ("spelling",):
        asked = found.asked.keywords or found.asked.either or found.asked.filtered
        return content.text("jobs.heading.found" if asked else "jobs.heading.latest", what=_what(query, filters))
    broader = [word for group in query.either if group not in found.asked.either for word in group[1:]]
    query = replace(query, either=found.asked.either)  # named as alternatives; the broader words in the steps
    steps = [content.text(f"jobs.relaxed.{step}", keywords=_marked(broader if step == "broader" else query.keywords))
             for step in relaxed if step != "spelling"]
    if "broader" in relaxed:  # named by the member's own words (as read), the broader ones in the steps
        query = replace(query, keywords=tuple(found.spelled.get(k, k) for k in found.asked.keywords))
    return content.text("jobs.heading.relaxed", what=_what(query, filters),
                        steps=content.text("jobs.joiner").join(steps))


def _as_typed(keywords: tuple[str, ...], text: str) -> tuple[str, ...]:
    """Keywords the router cut from one typed word joined again (机器 + 学系 -> 机器学系), so a
    reply quotes what the member wrote, never a fragment of it."""
    return tuple("".join(group) for group in _typed_words(keywords, text))


def _typed_words(keywords: tuple[str, ...], text: str) -> list[tuple[str, ...]]:
    """The keywords grouped by the word the member typed (量子计算: 量子, 计算), a last character
    the router left out put back (区块链: 区块, and 链 alone is no keyword)."""
    plain = normalize(text or "")
    groups: list[tuple[str, ...]] = []
    for keyword in keywords:
        if groups and "".join(groups[-1]) + keyword in plain:
            groups[-1] += (keyword,)
        else:
            groups.append((keyword,))
    return [group + _left_out(plain, "".join(group)) for group in groups]


def _left_out(plain: str, word: str) -> tuple[str, ...]:
    """The one Chinese character that ends the typed word after `word` (链 of 区块链), if any."""
    found = re.search(re.escape(word) + r"([\u4e00-\u9fff])(?![\u4e00-\u9fff])", plain)
    return (found.group(1),) if found and found.group(1) not in _particles() else ()


@lru_cache(maxsize=1)
def _particles() -> frozenset[str]:
    """Single characters that end a phrase, not a word (的, 吗, 呢 ...): the router's job stop-words, and an "or"
    between two words (java或python)."""
    return frozenset(w for w in [*content.load_toml("intents.toml")["jobs"]["stopwords"], *settings()["words"]["or_words"]]
                     if len(w) == 1) | set("的地得吗呢吧了啊呀嘛么哦")


def what_asked(found: Found, text: str = "") -> str:
    """What the member asked for, as a reply names it: 郑州的“算法”相关（硕士）."""
    return _what(replace(found.asked, keywords=_as_typed(found.asked.keywords, text)), found.filters)


def none_found(found: Found, text: str = "") -> str:
    """Nothing meets the question: say so plainly, then the alternatives that have postings, each
    labelled and with the message that lists it (never a list of other things)."""
    found = replace(found, asked=replace(found.asked, keywords=_as_typed(found.asked.keywords, text)))
    reply = content.text("jobs.none_found", what=_what(found.asked, found.filters))
    reply += _unlisted(found).lstrip("\n")
    reply += "".join(content.text(key, **fields) for key, fields in found.offers)
    words = alert_words(found)
    if not words and any(not fields.get("query") for _, fields in found.offers):
        return reply  # "北京有岗位吗": the offer already says 回复“招聘”, which the plain hint would say again
    return reply + content.text("jobs.none_hint" if words else "jobs.none_hint_plain", words=words)


def elsewhere_command(found: Found) -> str | None:
    """"招聘 农业工程 省内": the message that lists the same question in other cities, when the reply
    offers them (a bare yes to it does that), else None."""
    offered = [fields for key, fields in found.offers if key in ("jobs.offer.province", "jobs.offer.elsewhere")]
    return content.text("jobs.offer.command", query=offered[0]["query"]) if offered else None


def alert_words(found: Found) -> str:
    """The keywords an alert for a question that found nothing would watch ("作物育种"), or ""."""
    return " ".join([*found.asked.keywords, *found.filters.names])


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
