"""Job postings, their full-text index, and job alerts.

`jobs` keeps every posting ever stored. `jobs_fts` (FTS5) keeps the text of
the open ones, already segmented by handlers/jobs/text.py: FTS5 has no Chinese
tokenizer, and its unicode61 tokenizer simply splits on the spaces put between
jieba's words. Member text never reaches FTS5's query syntax as syntax: every
term is quoted, so AND, OR, NEAR, *, ^, colons, parentheses and quotes are
plain text, and a term FTS5 would reduce to nothing is left out.

A posting is shown while it is open and its expiry date has not passed. Every
read checks the date, so an expired posting is never shown, even before
`expire_postings` (from `jobs expire`, cron, and every alert run) marks it
expired and takes it out of the index, which keeps the index to what can be found.

Ranking: bm25 with a word in the title counting most, then the newest posting.
A posting is keyed by employer, title and city (`job_key`): importing a sheet
twice changes nothing, and an edited row updates its posting.
"""
from __future__ import annotations

import functools
import re
import threading
from dataclasses import dataclass, fields
from typing import Protocol

import sqlite_utils

from storage.database import all_rows, first_of, now_iso
from storage.sqlite import transaction

OPEN, CLOSED, EXPIRED = "open", "closed", "expired"
FIELDS = ("title", "employer", "city", "discipline", "education", "salary", "description",
          "how_to_apply", "posted_on", "expires_on", "source")  # source: secretariat or unit (a unit member)
# The index's columns, in its order, with their bm25 weights.
FTS_WEIGHTS = {"title": 10.0, "employer": 2.0, "city": 2.0, "discipline": 5.0, "body": 1.0}
_VISIBLE = "j.status = 'open' and j.expires_on >= ?"
RANKED_AT_MOST = 1000  # see `search`
# The index's matches, then their postings: CROSS JOIN keeps that order. Left to itself the
# planner may walk every visible posting and ask the index about each (seconds, not milliseconds).
_MATCHES = "jobs_fts cross join jobs j on j.id = jobs_fts.rowid"


class JobText(Protocol):
    """How job text becomes search terms. It is the router's tokenizer (handlers/jobs/text.py), which
    storage cannot import: that module hands itself over with `use_job_text` when it is loaded."""

    def normalize(self, text: str) -> str: ...
    def index_text(self, text: str | None) -> str: ...
    def query_terms(self, keyword: str) -> list[str]: ...
    def reading(self, term: str) -> str | None: ...


_job_text: JobText | None = None


def use_job_text(text: JobText) -> None:
    global _job_text
    _job_text = text


def _text() -> JobText:
    if _job_text is None:
        raise RuntimeError("storage.jobs has no text analysis: import handlers.jobs.text first")
    return _job_text


@dataclass(frozen=True)
class JobQuery:
    """What a member looks for: a posting must meet every part. Keywords are as written; each is cut
    into terms that must all match."""
    keywords: tuple[str, ...] = ()
    city: str | None = None
    discipline: str | None = None  # the discipline column names it
    prefix: bool = False  # a term also finds the longer words it begins (工程 finds 工程部)
    either: tuple[tuple[str, ...], ...] = ()  # per group, a posting has one of its words (芯片 or 集成电路)
    disciplines: tuple[tuple[str, ...], ...] = ()  # per discipline asked, the discipline or title names one
    cities: tuple[str, ...] = ()  # filter: the posting is in one of these cities (the province)
    education: tuple[str, ...] = ()  # filter: the posting requires one of these levels
    min_salary: int | None = None  # filter: the posting pays at least this many yuan a month (the least it states)
    pay_reaches: int | None = None  # filter: the posting's pay range reaches this much a month but starts below it
    except_cities: tuple[str, ...] = ()  # filter: the posting is in none of these cities
    pay_unstated: bool = False  # filter: the posting states no pay that can be read
    not_named: tuple[str, ...] = ()  # the posting's discipline and title have none of these words (兽医 for 医学)
    workplaces: tuple[tuple[str, ...], ...] = ()  # per kind of workplace asked, the title or employer has one of its words
    not_at: tuple[str, ...] = ()  # the posting's title and employer have none of these words (科学院 for 学校)

    def to_dict(self) -> dict:  # asdict's copy of every tuple, without it: the fields are all immutable
        return {name: getattr(self, name) for name in _QUERY_FIELDS}

    @classmethod
    def from_dict(cls, data: dict) -> "JobQuery":
        flat = {key: tuple(data.get(key) or ())
                for key in ("keywords", "cities", "education", "except_cities", "not_named", "not_at")}
        nested = {key: tuple(map(tuple, data.get(key) or ())) for key in ("either", "disciplines", "workplaces")}
        return cls(**dict(data, **flat, **nested))

    @property
    def places(self) -> tuple[str, ...]:
        """The cities a posting must be in: the one asked, else the province's (none: anywhere)."""
        return (self.city,) if self.city else self.cities

    @property
    def filtered(self) -> bool:
        """Whether anything but the keywords narrows it (city, discipline, education, pay)."""
        return bool(self.city or self.cities or self.discipline or self.disciplines or self.workplaces or self.education
                    or self.min_salary or self.except_cities or self.pay_unstated or self.pay_reaches)


_QUERY_FIELDS = tuple(field.name for field in fields(JobQuery))


def job_key(posting: dict) -> str:
    """What makes two rows the same posting: employer, title and city, however spaced or written."""
    return "|".join(_text().normalize(posting[k]).replace(" ", "") for k in ("employer", "title", "city"))


# --- postings ---------------------------------------------------------------------------

def save_postings(db: sqlite_utils.Database, postings: list[dict], today: str) -> list[tuple[dict, str]]:
    """Store postings in one transaction; each comes back with `created`, `updated` or `unchanged`.

    A closed posting stays closed (the secretariat closed it on purpose); an
    expired one given a later expiry date is open again.
    """
    with transaction(db):
        return [_save(db, posting, today) for posting in postings]


def _save(db: sqlite_utils.Database, posting: dict, today: str) -> tuple[dict, str]:
    key = job_key(posting)
    existing = find_posting_by_key(db, key)
    now = now_iso()
    row = {name: posting.get(name) for name in FIELDS}
    if existing is None:
        job_id = db["jobs"].insert(dict(row, job_key=key, status=OPEN, created_at=now, updated_at=now)).last_pk
        outcome = "created"
    else:
        job_id = existing["id"]
        changes = {name: value for name, value in row.items() if existing[name] != value}
        if existing["status"] == EXPIRED and row["expires_on"] >= today:
            changes["status"] = OPEN
        if changes:
            db["jobs"].update(job_id, dict(changes, updated_at=now))
        outcome = "updated" if changes else "unchanged"
    stored = find_posting(db, job_id)
    if outcome != "unchanged" and stored["status"] == OPEN:
        _index(db, stored)
    return stored, outcome


def _index(db: sqlite_utils.Database, posting: dict) -> None:
    """(Re)write the posting's segmented text in the index, and the readings of its words."""
    body = " ".join(filter(None, (posting["description"], posting["education"])))
    texts = {"title": posting["title"], "employer": posting["employer"], "city": posting["city"],
             "discipline": posting["discipline"], "body": body}
    analysis = _text()
    indexed = {column: analysis.index_text(text) for column, text in texts.items()}
    db.execute("delete from jobs_fts where rowid = ?", [posting["id"]])
    db.execute(f"insert into jobs_fts (rowid, {', '.join(indexed)}) values (?{', ?' * len(indexed)})",
               [posting["id"], *indexed.values()])
    terms = {term for text in indexed.values() for term in text.split()}
    db["job_terms"].insert_all(({"term": term, "reading": analysis.reading(term)} for term in terms if analysis.reading(term)),
                               ignore=True)


def find_posting(db: sqlite_utils.Database, job_id: int) -> dict | None:
    return first_of(db["jobs"].rows_where("id = ?", [job_id], limit=1))


def find_posting_by_key(db: sqlite_utils.Database, key: str) -> dict | None:
    return first_of(db["jobs"].rows_where("job_key = ?", [key], limit=1))


def is_visible(posting: dict, today: str) -> bool:
    return posting["status"] == OPEN and posting["expires_on"] >= today


def list_postings(db: sqlite_utils.Database, today: str, everything: bool = False, city: str | None = None,
                  discipline: str | None = None, limit: int = 100) -> list[dict]:
    """Newest first: those members can see, or `everything` (closed and expired too)."""
    filters = {_VISIBLE: None if everything else today, "j.city = ?": city, "instr(j.discipline, ?) > 0": discipline}
    given = {condition: value for condition, value in filters.items() if value}
    sql = (f"select j.* from jobs j where {' and '.join(given) or '1'} "
           "order by j.posted_on desc, j.id desc limit ?")
    return [dict(row) for row in db.query(sql, [*given.values(), limit])]


def reindex_postings(db: sqlite_utils.Database, today: str) -> int:
    """Index every open posting again with the current text analysis (after the segmentation changed:
    a new version, an edited content/userdict.txt), then `tidy_index`; how many were indexed."""
    with transaction(db):
        postings = [dict(row) for row in db.query(f"select j.* from jobs j where {_VISIBLE}", [today])]
        db.execute("delete from jobs_fts")
        for posting in postings:
            _index(db, posting)
        db.execute("update job_board_version set version = random()")  # the index alone changed: no trigger
    tidy_index(db)
    return len(postings)


def tidy_index(db: sqlite_utils.Database) -> None:
    """Merge the index's segments into one (FTS5 'optimize'): a search then reads each term once
    instead of once a segment. Seconds for 100,000 postings, so it is done nightly (`expire_postings`)."""
    with transaction(db):
        db.execute("insert into jobs_fts(jobs_fts) values('optimize')")


def close_posting(db: sqlite_utils.Database, job_id: int) -> dict | None:
    """Close a posting (no longer shown); returns it as it was before, or None if there is none."""
    with transaction(db):
        posting = find_posting(db, job_id)
        if posting and posting["status"] != CLOSED:
            db["jobs"].update(job_id, {"status": CLOSED, "updated_at": now_iso()})
            db.execute("delete from jobs_fts where rowid = ?", [job_id])
    return posting


def expire_postings(db: sqlite_utils.Database, today: str) -> list[dict]:
    """Mark open postings whose expiry date has passed as expired, out of the index; returns them."""
    with transaction(db):
        gone = [dict(row) for row in db.query("select * from jobs where status = 'open' and expires_on < ?",
                                              [today])]
        ids = [posting["id"] for posting in gone]
        marks = ",".join("?" * len(ids))
        db.execute(f"update jobs set status = 'expired', updated_at = ? where id in ({marks})", [now_iso(), *ids])
        db.execute(f"delete from jobs_fts where rowid in ({marks})", ids)
    return gone


# --- search -----------------------------------------------------------------------------

# Postings change a few times a day, and members ask the same few things all day (工程师, 会计, 郑州):
# what a search, a count or the cities of a query found is kept in the process under the board's
# version (job_board_version: every change to the board replaces it with a random value), so that
# a question asked before costs one statement instead of FTS5's reads and bm25 (~1 ms a job
# question, docs/benchmarks.md). The version is read before the read it keys: a change committed
# between the two is at worst kept under the version before it, which no later statement reads.
_KEPT_VERSIONS = 4  # boards (societies on the platform) or versions at once
_KEPT_READS = 512  # reads kept a version (a page of postings is ~10 KB); past that, all dropped: yesterday's go too
_kept: dict[int, dict] = {}
_kept_lock = threading.Lock()


def _kept_read(read):
    """`read(db, ...)` answered from what it found before on the board's version (see above); the
    caller gets its own copy (rows are dicts a caller may change)."""
    @functools.wraps(read)
    def kept(db: sqlite_utils.Database, *args, **kwargs):
        version = db.execute("select version from job_board_version").fetchone()[0]
        reads = _kept.get(version)
        if reads is None:
            with _kept_lock:
                while len(_kept) >= _KEPT_VERSIONS:
                    del _kept[next(iter(_kept))]
                reads = _kept.setdefault(version, {})
        key = (read.__name__, args, tuple(kwargs.items()))
        found = reads.get(key)
        if found is None:
            found = read(db, *args, **kwargs)
            if len(reads) >= _KEPT_READS:
                reads.clear()
            reads[key] = found
        if isinstance(found, list):
            return [dict(row) if isinstance(row, dict) else row for row in found]
        return dict(found) if isinstance(found, dict) else found
    return kept


@_kept_read
def open_posting_cities(db: sqlite_utils.Database, today: str) -> list[str]:
    """The cities of the postings members can see, those with most postings first (the search page's choices)."""
    sql = f"select j.city from jobs j where {_VISIBLE} and j.city != '' group by j.city order by count(*) desc, j.city"
    return [row[0] for row in db.execute(sql, [today])]


def _quoted(term: str, prefix: bool) -> str:
    return '"' + term.replace('"', '""') + '"' + ("*" if prefix else "")


def _all_of(terms: list[str], prefix: bool = False) -> str:
    return "(" + " AND ".join(_quoted(term, prefix) for term in terms) + ")"


def _one_of(words, prefix: bool = False) -> str | None:
    """A posting has all the terms of at least one of the words; None when no word names a term."""
    named = [_all_of(terms, prefix) for terms in map(_text().query_terms, words) if terms]
    return None if not named else named[0] if len(named) == 1 else "(" + " OR ".join(named) + ")"


def match_expression(query: JobQuery) -> str:
    """The FTS5 query for everything the query names; '' when nothing names a term. Every part
    must match: each keyword, one word of each `either` group, one form of each discipline; and no word
    of `not_named` may be in the discipline or the title, nor one of `not_at` in the title or the employer.

    The city is a match on the place's indexed words ("荆州" finds 荆州市公安县, "洪山区" 武汉市洪山区): a posting's
    place is kept as written, district and all, and FTS5 intersects the lists itself.
    """
    groups = [_all_of(terms, query.prefix) for terms in map(_text().query_terms, query.keywords) if terms]
    parts = ["(" + " AND ".join(groups) + ")"] if groups else []
    parts += filter(None, (_one_of(group, query.prefix) for group in query.either))
    discipline = _text().query_terms(query.discipline or "")
    if discipline:
        parts.append("discipline : " + _all_of(discipline))
    parts += ["{discipline title} : " + named for named in map(_one_of, query.disciplines) if named]
    parts += ["{title employer} : " + named for named in map(_one_of, query.workplaces) if named]
    city = _one_of(query.places)
    if city:
        parts.append("city : " + city)
    expression = " AND ".join(parts)
    for columns, words in (("{discipline title}", query.not_named), ("{title employer}", query.not_at)):
        unwanted = _one_of(words) if parts else None
        expression = f"({expression}) NOT {columns} : {unwanted}" if unwanted else expression
    return expression


@_kept_read
def search(db: sqlite_utils.Database, query: JobQuery, today: str, offset: int = 0,
           limit: int = 5) -> list[dict]:
    """Visible postings for the query, most relevant first, then newest; without terms, newest first.

    Only the RANKED_AT_MOST matching postings added last are ranked: FTS5 walks
    the matches from the last added back and stops there, where ranking all of
    them costs time in proportion to how common the word is (工程师 is in every
    other title). Among thousands of postings that all say 工程师, bm25 mostly
    measures text length, and the recent ones are what a job seeker wants; and
    1,000 postings are 200 pages of a chat list.
    """
    expression = match_expression(query)
    narrow, params = _narrowed(db, query)
    first, first_params = _stated_level_first(query)
    score = "hits.score, " if _ranked(query) else ""  # a place alone ranks nothing: newest first
    if not expression:
        sql = (f"select j.* from jobs j where {_VISIBLE}{narrow} "
               f"order by {first}j.posted_on desc, j.id desc limit ? offset ?")
        return all_rows(db, sql, [today, *params, *first_params, limit, offset])
    weights = ", ".join(map(str, FTS_WEIGHTS.values()))
    sql = (f"with hits as (select rowid, bm25(jobs_fts, {weights}) as score from jobs_fts "
           "where jobs_fts match ? order by rowid desc limit ?) "
           f"select j.*, hits.score from hits join jobs j on j.id = hits.rowid where {_VISIBLE}{narrow} "
           f"order by {first}{score}j.posted_on desc, j.id desc limit ? offset ?")
    return all_rows(db, sql, [expression, RANKED_AT_MOST, today, *params, *first_params, limit, offset])


def _stated_level_first(query: JobQuery) -> tuple[str, list]:
    """The ordering term that lists postings stating a level asked before those stating none
    ("硕士" finds both: no requirement is open to a master too); '' when the query names no level."""
    levels = [level for level in query.education if level != "不限"]
    if not levels or "不限" not in query.education:
        return "", []
    return f"coalesce(j.education, '') in ({','.join('?' * len(levels))}) desc, ", levels


def _ranked(query: JobQuery) -> bool:
    """Whether the query names anything but places, which bm25 can rank by."""
    return bool(query.keywords or query.either or query.discipline or query.disciplines or query.workplaces)


def _narrowed(db: sqlite_utils.Database, query: JobQuery) -> tuple[str, list]:
    """The filters besides the match: the places left out (by the place's indexed words, as a place asked), education,
    pay."""
    sql, params = "", []
    if query.education:
        levels = [level for level in query.education if level != "不限"]
        either = ["j.education in (" + ",".join("?" * len(levels)) + ")"] if levels else []
        if "不限" in query.education:
            either.append("coalesce(j.education, '') in ('', '不限')")
        sql, params = sql + " and (" + " or ".join(either) + ")", [*params, *levels]
    unwanted = _one_of(query.except_cities)
    if unwanted:
        sql, params = sql + " and j.id not in (select rowid from jobs_fts where jobs_fts match ?)", \
            [*params, "city : " + unwanted]
    if query.min_salary or query.pay_unstated or query.pay_reaches:
        db.conn.create_function("monthly_pay_top", 1, monthly_pay_top, deterministic=True)
        db.conn.create_function("monthly_pay_least", 1, monthly_pay_least, deterministic=True)
    if query.min_salary:
        sql, params = sql + " and monthly_pay_least(j.salary) >= ?", [*params, query.min_salary]
    if query.pay_reaches:
        sql, params = sql + " and monthly_pay_top(j.salary) >= ? and monthly_pay_least(j.salary) < ?", \
            [*params, query.pay_reaches, query.pay_reaches]
    if query.pay_unstated:
        sql += " and monthly_pay_top(j.salary) is null"
    return sql, params


_PAY_NUMBER = re.compile(r"(\d+(?:\.\d+)?)\s*(k|千|w|万|元)?")


def monthly_pay_top(salary: str | None) -> int | None:
    """The most a posting's pay text says it pays a month, in yuan: 15-25k/月 -> 25000,
    8000-12000元 -> 12000, 年薪20-30万 -> 25000, 1.2万/月 -> 12000; None for 面议 or nothing."""
    pay = _monthly_pay(salary)
    return max(pay) if pay else None


def monthly_pay_least(salary: str | None) -> int | None:
    """The least a posting's pay text says it pays a month, in yuan: 6-9k -> 6000, 1.2万/月 -> 12000; None for 面议."""
    pay = _monthly_pay(salary)
    return min(pay) if pay else None


def _monthly_pay(salary: str | None) -> list[int]:
    """Each amount a pay text names, as yuan a month ([] for 面议 or nothing)."""
    text = (salary or "").lower().replace("，", ",").replace(",", "")
    numbers = _PAY_NUMBER.findall(text)
    units = {"k": 1000, "千": 1000, "w": 10000, "万": 10000, "元": 1}
    last_unit = next((units[u] for _, u in reversed(numbers) if u), None)  # 15-25k: the k is both's
    per_year = 12 if "年" in text and "月" not in text else 1
    values = []
    for number, unit in numbers:
        value = float(number)
        scale = units[unit] if unit else last_unit
        if scale is None:
            scale = 1000 if value < 100 else 1
        values.append(int(value * scale / per_year))
    return values


def has_match(db: sqlite_utils.Database, query: JobQuery, today: str) -> bool:
    """Whether any visible posting matches: stops at the first, ranks nothing."""
    return count_matches(db, query, today, at_most=1) > 0


@_kept_read
def count_matches(db: sqlite_utils.Database, query: JobQuery, today: str, at_most: int = 1000) -> int:
    """How many visible postings match, counting no further than `at_most` (1: whether any does)."""
    expression = match_expression(query)
    narrow, params = _narrowed(db, query)
    if not expression:
        sql = f"select count(*) from (select 1 from jobs j where {_VISIBLE}{narrow} limit ?)"
        return db.execute(sql, [today, *params, at_most]).fetchone()[0]
    sql = f"select count(*) from (select 1 from {_MATCHES} where jobs_fts match ? and {_VISIBLE}{narrow} limit ?)"
    return db.execute(sql, [expression, today, *params, at_most]).fetchone()[0]


@_kept_read
def matches_by_city(db: sqlite_utils.Database, query: JobQuery, today: str, at_most: int = 1000) -> dict[str, int]:
    """City -> how many visible postings match there, most first (of the first `at_most` matches):
    where else a question that found nothing in its city has answers."""
    expression = match_expression(query)
    narrow, params = _narrowed(db, query)
    source, match = (_MATCHES, "jobs_fts match ? and ") if expression else ("jobs j", "")
    sql = (f"select city, count(*) as n from (select j.city from {source} where {match}{_VISIBLE}{narrow} limit ?) "
           "group by city order by n desc, city")
    return {row[0]: row[1] for row in db.execute(sql, [*([expression] if expression else []), today, *params, at_most])}


@_kept_read
def terms_sounding_like(db: sqlite_utils.Database, term: str) -> list[str]:
    """Indexed words read like `term` (学系 -> 学习), those in most open postings first."""
    sound = _text().reading(term)
    if sound is None:
        return []
    sql = ("select t.term from job_terms t join jobs_vocab v on v.term = t.term "
           "where t.reading = ? and t.term != ? order by v.doc desc limit 3")
    return [row["term"] for row in all_rows(db, sql, [sound, term])]


# --- alerts -----------------------------------------------------------------------------

def _alert(row: dict) -> dict:
    return dict(row, keywords=row["keywords"].split(" "))


def alerts_of(db: sqlite_utils.Database, openid: str) -> list[dict]:
    """The member's keyword alerts, oldest first: {id, keywords: [...], created_at}."""
    return [_alert(row) for row in all_rows(db, "select * from job_alerts where openid = ? order by id", [openid])]


def add_alert(db: sqlite_utils.Database, openid: str, keywords: list[str]) -> bool:
    """Add a keyword alert; False if the member already has one with the same keywords."""
    return db.execute("insert or ignore into job_alerts (openid, keywords, created_at) values (?, ?, ?)",
                      [openid, " ".join(keywords), now_iso()]).rowcount == 1


def remove_alerts(db: sqlite_utils.Database, openid: str, keywords: list[str] | None = None) -> list[dict]:
    """Remove the member's alerts that name any of `keywords` (all alerts if None); returns them."""
    with transaction(db):
        gone = [a for a in alerts_of(db, openid) if keywords is None or set(keywords) & set(a["keywords"])]
        for alert in gone:
            db["job_alerts"].delete(alert["id"])
    return gone


def remove_alerts_since(db: sqlite_utils.Database, openid: str, since: str) -> list[dict]:
    """Remove the member's alerts added at `since` (an ISO stamp as now_iso gives) or later; returns them."""
    with transaction(db):
        gone = [a for a in alerts_of(db, openid) if a["created_at"] >= since]
        for alert in gone:
            db["job_alerts"].delete(alert["id"])
    return gone


def alert_recipients(db: sqlite_utils.Database) -> list[str]:
    """Openids of active, reachable members with a keyword alert or the `jobs` topic, in member order."""
    sql = ("select m.openid from members m where m.status = 'active' and m.reachable = 1 and m.openid is not null "
           "and (exists (select 1 from job_alerts a where a.openid = m.openid) "
           "or exists (select 1 from subscriptions s where s.openid = m.openid and s.topic = 'jobs')) "
           "order by m.id")
    return [row["openid"] for row in db.query(sql)]


def jobs_topic_since(db: sqlite_utils.Database, openid: str) -> str | None:
    """When the member subscribed to every new posting (the `jobs` topic), if they did."""
    row = next(db.query("select created_at from subscriptions where openid = ? and topic = 'jobs'", [openid]), None)
    return row and row["created_at"]


def unalerted_postings(db: sqlite_utils.Database, openid: str, query: JobQuery | None, since: str,
                       today: str) -> list[dict]:
    """Visible postings stored since `since` (that second included), matching the query (any if None),
    that no digest to the member has held yet; newest first."""
    new = (f"{_VISIBLE} and j.created_at >= ? and not exists "
           "(select 1 from job_alerted a where a.openid = ? and a.job_id = j.id)")
    params = [today, since, openid]
    if query is None:
        sql = f"select j.* from jobs j where {new} order by j.created_at desc, j.id desc"
    else:
        expression = match_expression(query)
        if not expression:
            return []
        sql = (f"select j.* from {_MATCHES} where jobs_fts match ? and {new} "
               "order by j.created_at desc, j.id desc")
        params.insert(0, expression)
    return [dict(row) for row in db.query(sql, params)]


def mark_alerted(db: sqlite_utils.Database, openid: str, job_ids: list[int], send) -> bool:
    """Record that a digest holds these postings and call `send()` in the same transaction, so a
    digest that could not be queued is not recorded and one recorded is never repeated.

    False (nothing recorded or sent) if another run got any of them in first.
    """
    with transaction(db):
        marks = ",".join("?" * len(job_ids))
        if db.execute(f"select 1 from job_alerted where openid = ? and job_id in ({marks}) limit 1",
                      [openid, *job_ids]).fetchone():
            return False
        db["job_alerted"].insert_all([{"openid": openid, "job_id": job_id, "alerted_at": now_iso()}
                                      for job_id in job_ids])
        send()
    return True
