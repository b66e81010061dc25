"""The annual activity guide (年度活动指南): its sheet, how dates read, and what a member's question asks for.

Shared by the chat (handlers/events/chat.py: finding events and registering), the
secretariat's commands (bot/commands/events.py) and the exported guide
(handlers/events/export.py). Words and column names come from content/events.toml.

A question becomes a query stored in the member's list flow (JSON):
`{"from", "to", "type", "word"}`. A month named (五月, 5月, 下个月) bounds it
to that month; a title word (年会) or a type (培训) with no month looks at
everything still to come; neither gives the preview of the coming month.
"""
from __future__ import annotations

import calendar
import logging
import re
from datetime import date, timedelta
from functools import lru_cache

import redis

from bot import clock, content, delivery, sheet_import
from bot.router import english_read, normalize
from bot.periodic import JobRun, periodic
from bot.validation import Invalid
from handlers.events import fees as event_fees
from handlers.events.registration import owe_refunds
from storage import events as store
from storage.sqlite import transaction

_CHINESE_DIGITS = {"一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
_MONTH = re.compile(r"(1[0-2]|0?[1-9]|十[一二]?|[一二三四五六七八九])月")
# A day of a month: "3.5号", "3.5", "3/5", "3月5号", "三月五日" (a month, then its day); or a day alone
# ("5号有活动吗", "5号那天"), not a number ("1号楼", "5号线", "3号厅"): what follows it is a question's
_DAY = re.compile(r"(?<![\d.])(1[0-2]|0?[1-9])[./](3[01]|[12]\d|0?[1-9])(?![\d.%倍折万元块千天年个小分kK])(?:号|日)?"
                  r"|(1[0-2]|0?[1-9]|十[一二]?|[一二三四五六七八九])月(3[01]|[12]\d|0?[1-9]|三十一?|二?十[一二三四五六七八九]?|"
                  r"[一二三四五六七八九])[号日]"
                  r"|(?<![\d.第一二三四五六七八九十周期拜])(3[01]|[12]\d|0?[1-9]|三十一?|二?十[一二三四五六七八九]?|[一二三四五六七八九])"
                  r"[号日](?=$|[有的那当左前后之以呢吗么开举办是还，,?？\s])")
_DAY_ALONE = re.compile(r"那?(3[01]|[12]\d|0?[1-9]|三十一?|二?十[一二三四五六七八九]?|[一二三四五六七八九])[号日](?:的|呢|的呢|有吗|的活动呢)?")
EVENT_NO = re.compile(r"HD\d{7}", re.IGNORECASE)

log = logging.getLogger(__name__)


def settings() -> dict:
    return content.load_toml("events.toml")


def type_names() -> list[str]:
    return list(settings()["types"])


def mentions(text: str, words_key: str) -> str | None:
    """The longest of the [chat] words under `words_key` that the text contains, if any; a message
    in English as the rules read it ("cancel registration": 取消报名), where the words are Chinese."""
    plain, words = _without_marks(english_read(text or "")), settings()["chat"][words_key]
    if not content.holds_any(plain, words):  # most messages: none of them (a handler asks for several lists)
        return None
    return max((w for w in words if w in plain), key=len)


@lru_cache(maxsize=256)  # a message is read so for several word lists
def _without_marks(text: str) -> str:
    return _MARKS.sub("", text)


_MARKS = re.compile(r"[\s\W_]+")


def _shared_run(text: str, title: str) -> str:
    """The longest run of characters the two have in common ("我想报名申请书写作培训" and
    "基金申请书写作培训": 申请书写作培训)."""
    best = ""
    for start in range(len(text)):
        for end in range(len(text), start + len(best), -1):
            if text[start:end] in title:
                best = text[start:end]
                break
    return best


def titled(events: list[dict], text: str) -> tuple[dict, str] | None:
    """The one event the text names by (a part of) its title, with the part said: "报名实验室安全培训"
    among three trainings, "科普讲解员的培训怎么报名". None when no title shares a run of
    chat.title_run_chars characters with it, or two share runs as long (a kind of event named,
    "学术会议", is no title)."""
    plain = re.sub(r"[\s\W_]+", "", normalize(text or ""))
    runs = sorted(((len(run), run, event) for event in events if (run := _shared_run(plain, event["title"]))),
                  key=lambda found: found[0], reverse=True)
    if not runs or runs[0][0] < settings()["chat"]["title_run_chars"] or (len(runs) > 1 and runs[1][0] == runs[0][0]):
        return None
    return runs[0][2], runs[0][1]


def named_in(text: str) -> tuple[str, str] | None:
    """The event a message names by more than its kind ("区块链技术研讨会怎么报名", "那个无人机培训"): the
    name and what it says besides the kind (区块链技术); None for a kind alone ("有什么培训", "科普讲解员的培训"
    names it by 的, which titled() reads)."""
    chat, kinds = settings()["chat"], _kinds()
    plain = _MARKS.sub(" ", normalize(text or ""))
    for clause in plain.split():
        if not content.holds_any(clause, kinds):  # most clauses: no kind of event
            continue
        # the kind that ends last names it ("科普讲解员培训": 培训, not 科普; "研讨会", not 会), whatever the set's order
        found = sorted(((clause.rindex(word) + len(word), len(word), word) for word in kinds if word in clause), reverse=True)
        for end, length, kind in found[:1]:
            before = clause[:end - length]
            for stop in chat["name_stop_words"]:
                before = before.rsplit(stop, 1)[-1]
            if len(before) >= 2 and not re.fullmatch(r"[\d一二三四五六七八九十]+月?", before):
                return before + kind, before
    return None


def _kinds() -> list[str]:
    """The words of a kind of event ([chat] title_words, [types]), longest first: made once for each events.toml
    content/ loads (named_in reads them for every clause of a message)."""
    loaded = settings()
    if _kinds_of[0] is not loaded:
        _kinds_of[:] = [loaded, sorted({*loaded["chat"]["title_words"], *(w for words in loaded["types"].values()
                                                                            for w in words)}, key=len, reverse=True)]
    return _kinds_of[1]


_kinds_of: list = [None, []]  # the events.toml they were made from, the words


def missing(events: list[dict], text: str) -> str | None:
    """The name of an event the message names ("区块链技术研讨会") that no event ahead has; None when
    one may be it (a title shares two characters running with what the name says besides its kind,
    or has the kind and a character of it) or the message names none."""
    named = named_in(text)
    if named is None:
        return None
    return None if named_event(events, text) else named[0]


def named_event(events: list[dict], text: str) -> dict | None:
    """The first of `events` the message may name: a title that shares two characters running with what the
    name says besides its kind, or has the kind and a character of it ("就是学术年会", "我要抱明学数年会",
    typed as heard); None when it names none of them."""
    named = named_in(text)
    if named is None:
        return None
    name, core = named
    kind = name[len(core):]
    return next((event for event in events if len(_shared_run(core, event["title"])) >= 2
                 or (kind in event["title"] and set(core) & set(event["title"]))), None)


# --- the member's question ------------------------------------------------------------

def _month_number(word: str) -> int:
    if word.isdigit():
        return int(word)
    if word.startswith("十"):
        return 10 + _CHINESE_DIGITS.get(word[1:], 0)
    return _CHINESE_DIGITS[word]


def _month_span(text: str, today: date) -> tuple[date, date] | None:
    """The month the text names, the next one of that name from today; None if it names none."""
    if mentions(text, "next_month"):
        first = (today.replace(day=1) + timedelta(days=32)).replace(day=1)
    elif mentions(text, "this_month"):
        first = today.replace(day=1)
    else:
        found = _MONTH.search(normalize(text or ""))
        if not found:
            return None
        month = _month_number(found.group(1))
        first = date(today.year + (month < today.month), month, 1)
    return first, first.replace(day=calendar.monthrange(first.year, first.month)[1])


def _day_number(word: str) -> int:
    """"5", "十五", "二十三", "三十一" -> the number."""
    if word.isdigit():
        return int(word)
    tens, _, ones = word.rpartition("十")
    return (_month_number(tens) if tens else 1 if "十" in word else 0) * 10 + (_CHINESE_DIGITS.get(ones, 0))


def day_named(text: str, today: date) -> date | None:
    """The day the text names ("3.5号有活动吗", "3月5日", "三月五号"), in the month of that name _month_span
    reads (this month's, or the next of that name; a month of the last few, content/events.toml past_months_asked,
    this year's: "11月5号" asked in December has passed); a day alone ("5号有活动吗", "五号") this month's if still
    ahead, else next month's; None if it names none (or no such day: "2.30")."""
    found = _DAY.search(normalize(text or ""))
    if not found:
        return None
    if found.group(5):
        day = _day_number(found.group(5))  # "5号", "五号", "十六号"
        this_month = date(today.year, today.month, 1)
        next_month = (this_month + timedelta(days=32)).replace(day=1)
        for month in (this_month, next_month):
            try:
                if month.replace(day=day) >= today:
                    return month.replace(day=day)
            except ValueError:
                continue
        return None
    month = _month_number(found.group(1) or found.group(3))
    if 0 < (today.month - month) % 12 <= settings()["chat"]["past_months_asked"]:  # "11月5号" asked in December: gone
        year = today.year - (month > today.month)
    else:
        year = today.year + (month < today.month)
    try:
        return date(year, month, _day_number(found.group(2) or found.group(4)))
    except ValueError:
        return None


def with_day(asked: str, day: str, today: date) -> str | None:
    """"三月有什么培训" and "5号的呢" said after it: "3月5号有什么培训", the question about that day of the month
    asked about; None when `asked` names no month or `day` no day alone."""
    found = _DAY_ALONE.fullmatch(re.sub(r"[\W_]+", "", normalize(day)))
    span = _month_span(asked, today)
    if found is None or span is None:
        return None
    said = f"{span[0].month}月{found.group(1)}号"
    return _MONTH.sub(said, normalize(asked), count=1) if _MONTH.search(normalize(asked)) else said + asked


def period_span(text: str, today: date) -> tuple[date, date | None, str] | None:
    """The part of a year the text names (下半年, 明年上半年, 年度活动指南: all still to come)
    as (from, to, how the heading says it); None if it names none. 今年 alone is what is still to come,
    the turn of the year no limit ("今年还有哪些活动" in December means next January's too)."""
    chat, plain = settings()["chat"], normalize(text or "")
    year = today.year + (1 if any(word in plain for word in chat["next_year_words"]) else 0)
    half = next((h for h, words in (("first_half", chat["first_half_words"]), ("second_half", chat["second_half_words"]))
                 if any(word in plain for word in words)), None)
    if half is None and year == today.year:
        if mentions(text, "guide_words"):  # the whole guide: everything still to come
            return today, None, content.text("events.period.guide")
        if mentions(text, "title_words") or not any(word in plain for word in chat["this_year_words"]):
            return None  # "今年的年会": the next one, whenever it falls
        return today, None, content.text("events.period.ahead")
    first, last = {"first_half": (date(year, 1, 1), date(year, 6, 30)), "second_half": (date(year, 7, 1), date(year, 12, 31)),
                   None: (date(year, 1, 1), date(year, 12, 31))}[half]
    if half == "first_half" and year == today.year and today > last:  # 上半年 said in December: next year's
        first, last, year = date(year + 1, 1, 1), date(year + 1, 6, 30), year + 1
    words = content.text(f"events.period.{half or 'year'}", year=year)
    return max(first, today), last, words


def _type_in(text: str) -> str | None:
    plain = normalize(text or "")
    return next((name for name, aliases in settings()["types"].items()
                 if any(alias in plain for alias in aliases)), None)


def asks_for_competitions(text: str) -> bool:
    """"有什么竞赛", "挑战杯啥时候": the competition type's words ([chat] competition_type)."""
    plain = normalize(text or "")
    return any(alias in plain for alias in settings()["types"][settings()["chat"]["competition_type"]])


def competitions_note(db, today: date) -> str | None:
    """The competitions still to come in the guide, as a note under the awards' answer to a competition
    question (a competition is published as an event or as a call; the member should see both); None
    when there is none."""
    chat = settings()["chat"]
    query = {"from": today.isoformat(), "to": None, "type": chat["competition_type"], "word": None}
    found = store.list_events(db, query, 0, chat["competitions_listed"])
    if not found:
        return None
    lines = "\n".join(content.text("events.competitions.line", dates=dates_text(event, today), title=event["title"],
                                     place=event["place"] or content.text("events.none")) for event in found)
    return content.text("events.competitions.note", lines=lines)


def question(text: str, today: date) -> tuple[dict, str]:
    """(query, heading) for a member's question about events."""
    word = mentions(text, "title_words") or topic_in(text)
    kind = None if word else _type_in(text)
    what = content.text("events.what.word", word=word) if word else kind or content.text("events.what.any")
    query = {"from": today.isoformat(), "to": None, "type": kind, "word": word}
    if mentions(text, "free_words"):  # "有没有免费的培训": only those whose fee says free
        query["fee"] = settings()["chat"]["free_fee_word"]
        what = content.text("events.what.free", what=what)
    day = day_named(text, today)
    if day and day < today:  # "12月1号有什么活动" on 7 December: that day has passed; what is ahead
        return upcoming(today, asked="")[0], content.text("events.heading.day_passed", month=day.month, day=day.day)
    if day:  # "3.5号有什么活动": those held that day
        query.update({"from": day.isoformat(), "to": day.isoformat()})
        return query, content.text("events.heading.day", month=day.month, day=day.day, what=what)
    period = None if _MONTH.search(normalize(text or "")) else period_span(text, today)
    if period:  # "下半年有什么", "今年的年度活动指南"
        query.update({"from": period[0].isoformat(), "to": period[1].isoformat() if period[1] else None})
        return query, content.text("events.heading.period", period=period[2], what=what)
    span = _month_span(text, today)
    if span:
        query.update({"from": max(span[0], today).isoformat(), "to": span[1].isoformat()})
        return query, content.text("events.heading.month", month=span[0].month, what=what)
    if word or kind or query.get("fee"):
        return query, content.text("events.heading.upcoming", what=what)
    return preview(today)


_TOPIC = re.compile(r"(?:跟|和|与|关于)([\u4e00-\u9fff]{2,6}?)(?:有关|相关|方面)")


def topic_in(text: str) -> str | None:
    """"有没有跟气象有关的活动": the subject an event is asked about by, looked for in the titles."""
    found = _TOPIC.search(normalize(text or ""))
    return found.group(1) if found else None


def preview(today: date) -> tuple[dict, str]:
    """The coming month: what the menu button and "最近有什么活动" show."""
    days = settings()["chat"]["preview_days"]
    query = {"from": today.isoformat(), "to": (today + timedelta(days=days)).isoformat(), "type": None, "word": None}
    return query, content.text("events.heading.preview", what=content.text("events.what.any"))


def filled_preview(db, query: dict, heading: str, today: date, page: int) -> tuple[dict, str]:
    """The coming month ("最近有啥活动") holding less than a page while more is ahead: everything still to come, a page
    of it, so that "第三个在哪" finds the third; any other query as it is."""
    if query != preview(today)[0] or len(store.list_events(db, query, 0, page)) >= page:
        return query, heading
    ahead = {"from": today.isoformat(), "to": None, "type": None, "word": None}
    if len(store.list_events(db, ahead, 0, page)) <= len(store.list_events(db, query, 0, page)):
        return query, heading
    return ahead, content.text("events.heading.upcoming", what=content.text("events.what.any"))


def upcoming(today: date, asked: str) -> tuple[dict, str]:
    """Everything still to come: offered when a narrower question (its heading `asked`) finds nothing."""
    query = {"from": today.isoformat(), "to": None, "type": None, "word": None}
    return query, content.text("events.heading.instead", asked=asked.rstrip("：:"))


def events_ahead(db, today: date) -> list[dict]:
    """The events still to come (the first 200): where an event a member names by its title is looked for."""
    return store.list_events(db, {"from": today.isoformat()}, 0, 200)


def is_narrow(query: dict) -> bool:
    return bool(query["type"] or query["word"] or query["to"] or query.get("place") or query.get("fee"))


def place_in(text: str, places: list[str]) -> str | None:
    """The city of an event place that the text names ("南阳附近有没有培训" -> 南阳), longest first."""
    found = places_in(text, places)
    return max(found, key=len) if found else None


def places_in(text: str, places: list[str]) -> list[str]:
    """Every city of an event place the text names, in the order said ("南阳周边的 驻马店 信阳也行")."""
    plain = normalize(text or "")
    cores = {re.sub(r"(市|县|区|省)$", "", place): place for place in places if place}
    cores.update({city: city for city in settings()["places"]})
    return sorted((core for core in cores if len(core) >= 2 and core in plain), key=plain.index)


def distance_km(a: tuple[float, float], b: tuple[float, float]) -> float:
    """Great-circle distance between two (latitude, longitude) points."""
    from math import asin, cos, radians, sin, sqrt
    lat1, lon1, lat2, lon2 = map(radians, (*a, *b))
    h = sin((lat2 - lat1) / 2) ** 2 + cos(lat1) * cos(lat2) * sin((lon2 - lon1) / 2) ** 2
    return 2 * 6371 * asin(sqrt(h))


def where_is(place: str | None) -> tuple[float, float] | None:
    """The position of the first known city in an event's place."""
    for city, position in settings()["places"].items():
        if place and city in place:
            return tuple(position)
    return None


# --- how an event reads ------------------------------------------------------------------

def _day_text(day: date, with_year: bool) -> str:
    key = "events.date_with_year" if with_year else "events.date"
    return content.text(key, year=day.year, month=day.month, day=day.day)


def dates_text(event: dict, today: date | None = None) -> str:
    """5月20日, 5月20日—22日, 5月30日—6月2日; the year only when it is not this year's."""
    start, end = date.fromisoformat(event["starts_on"]), date.fromisoformat(event["ends_on"])
    this_year = (today or date.today()).year
    first = _day_text(start, start.year != this_year or end.year != start.year)
    if end == start:
        return first
    if end.year != start.year:
        return content.text("events.date_range", first=first, last=_day_text(end, True))
    last = content.text("events.day", day=end.day) if end.month == start.month else _day_text(end, False)
    return content.text("events.date_range", first=first, last=last)


def seats_text(event: dict) -> str:
    if event["capacity"] is None:
        return content.text("events.seats.unlimited")
    left = event["capacity"] - event["registered"]
    if left > 0:
        return content.text("events.seats.left", capacity=event["capacity"], left=left)
    return content.text("events.seats.full", capacity=event["capacity"], waiting=event["waitlisted"])


# --- notices ----------------------------------------------------------------------------------

def _notice(key: str, registration: dict, event: dict) -> str:
    return content.text(key, title=event["title"], dates=dates_text(event), place=event["place"] or "",
                        code=registration["checkin_code"])


def notify_promoted(db, r: redis.Redis, promoted: list[dict]) -> None:
    """Tell each member moved up from the waitlist that they have a seat, and their check-in code.

    Their seat is already recorded; should the queue be down, 我的报名 still shows it.
    """
    for registration in promoted:
        event = store.find_event(db, registration["event_id"])
        try:
            delivery.notify(r, registration["openid"], _notice("events.notice.promoted", registration, event),
                            kind="event")
        except redis.RedisError:
            log.exception("could not queue the waitlist notice of registration %s", registration["id"])


# What a change of an event means to those signed up for it: a new time or a new place.
WHEN_AND_WHERE = ("starts_on", "ends_on", "place")


def _tell_each(r: redis.Redis, registrations: list[dict], text_of) -> int:
    """Queue one service notice per registration (the outbound queue); returns how many were queued."""
    queued = 0
    for registration in registrations:
        try:
            delivery.notify(r, registration["openid"], text_of(registration), kind="event")
            queued += 1
        except redis.RedisError:
            log.exception("could not queue the event notice of registration %s", registration["id"])
    return queued


def update_one(db, r: redis.Redis, event: dict, fields: dict, actor: str, source: str) -> tuple[dict, int]:
    """Edit one event; everyone signed up (and waiting) is told of a new time or place, and a
    larger capacity's newly seated are told of their seat. -> (what changed, members told)"""
    changed, promoted = store.update_event(db, event["id"], fields, actor, source)
    notify_promoted(db, r, promoted)
    if not set(changed) & set(WHEN_AND_WHERE):
        return changed, 0
    now = store.find_event(db, event["id"])
    was = content.text("events.notice.was", dates=dates_text(event), place=event["place"] or "")

    def text_of(registration: dict) -> str:
        return content.text("events.notice.changed", title=now["title"], dates=dates_text(now),
                            place=now["place"] or "", code=registration["checkin_code"], was=was)

    return changed, _tell_each(r, store.registrants(db, event["id"]), text_of)


def cancel_one(db, r: redis.Redis, event: dict, actor: str, reason: str) -> int:
    """Call an event off; everyone signed up (and waiting) is told why, and the fees they paid are owed back.
    -> members told"""
    with transaction(db):  # the fees owed back with the calling off, or neither: none left owed to nobody
        live = store.cancel_event(db, event["id"], actor, reason)
        owe_refunds(db, live)
    return _tell_each(r, live, lambda registration: content.text(
        "events.notice.cancelled", title=event["title"], dates=dates_text(event), reason=reason))


def save_plan(db, r: redis.Redis, plan, file_name: str, actor: str) -> list[str]:
    """Write an import plan of SHEET (each row's history names the file and row); members a
    raised capacity gave a seat are told. -> the numbers of the new events"""
    def source(row: int) -> str:
        return content.text("events_cli.source", file=file_name, row=row)

    numbers, promoted = store.save_events(
        db, new=[(fields, source(row)) for row, fields in plan.new],
        changes=[(stored["id"], changes, source(row)) for row, stored, changes in plan.updates], actor=actor)
    notify_promoted(db, r, promoted)
    return numbers


def summary(event: dict) -> dict:
    """An event with what the secretariat reads: its dates, seats (不限) and last sign-up day."""
    capacity = content.text("events_cli.unlimited") if event["capacity"] is None else event["capacity"]
    return dict(event, dates=dates_text(event), capacity_text=capacity, deadline=store.last_signup_day(event))


def registrant_table(people: list[dict]) -> tuple[list[str], list[list]]:
    """(headers, rows) of an event's registrants then waitlist (storage.events.registrants), full
    mobiles: the file organisers are given, from the CLI or the console."""
    texts = content.replies()["events_cli"]
    rows = [[n, p["name"], p["work_unit"] or "", p["mobile"] or "", texts["status"][p["status"]], p["checkin_code"],
             clock.shown(p["created_at"])] for n, p in enumerate(people, 1)]
    return list(texts["registrant_columns"].values()), rows


def reminder_text(registration: dict) -> str:
    """The day-before reminder; `registration` carries its event's fields (storage.events.claim_reminders)."""
    return _notice("events.notice.reminder", registration, registration)


@periodic("event_reminders")
def send_event_reminders(run: JobRun) -> dict:
    """Remind those registered for the events starting remind_days_before from today.

    Each seat is claimed before its notice is queued, so running it every hour
    reminds nobody twice, and a seat taken later in the day is still reminded.
    """
    starts_on = (run.today + timedelta(days=settings()["remind_days_before"])).isoformat()
    claimed = store.claim_reminders(run.db, starts_on)
    for index, registration in enumerate(claimed):
        try:
            delivery.notify(run.redis, registration["openid"], reminder_text(registration), kind="event")
        except redis.RedisError:
            store.release_reminders(run.db, [left["id"] for left in claimed[index:]])  # the next run tries again
            raise
    return {"starts_on": starts_on, "queued": len(claimed)}


# --- the guide's sheet ---------------------------------------------------------------------

def columns() -> dict:
    return settings()["columns"]


def _clean_type(value, year: int) -> str:
    return sheet_import.clean_choice(value, settings()["types"], "type")


def _clean_capacity(value, year: int) -> int | None:
    """200, 200人, 约200人; 不限 / 无 clears a limit."""
    text = re.sub(r"\s", "", str(value))
    if text in ("不限", "无", "不限额", "不限名额", "无限制", "-", "—"):
        return None
    found = re.fullmatch(r"约?(\d{1,6})人?(左右)?", text)
    if not found or int(found.group(1)) <= 0:
        raise Invalid("capacity")
    return int(found.group(1))


def _clean_fee(value, year: int) -> str:
    """Free text (会员 500 元，非会员 800 元); a bare number is yuan, 0 is free."""
    text = sheet_import.clean_text(value, year)
    if re.fullmatch(r"\d+(\.\d+)?", text):
        return content.text("events.free") if float(text) == 0 else content.text("events.yuan", amount=text)
    return text


def _clean_event_no(value, year: int) -> str:
    text = re.sub(r"\s", "", str(value)).upper()
    if not EVENT_NO.fullmatch(text):
        raise Invalid("event_no")
    return text


def _check(fields: dict) -> list[tuple[str, str, dict]]:
    """An event needs a start; no end means a one-day event; the dates must follow each other."""
    if "starts_on" not in fields:
        return [("dates", "no_start", {})]
    fields.setdefault("ends_on", fields["starts_on"])
    if fields["ends_on"] < fields["starts_on"]:
        return [("ends_on", "end_before_start", {})]
    if fields.get("signup_deadline") and fields["signup_deadline"] > fields["ends_on"]:
        return [("signup_deadline", "deadline_after_end", {})]
    return []


def _look(fields: dict) -> list[tuple[str, str, dict]]:
    """A fee from which no price can be read ("见通知"): imported, but no member would be asked to pay it."""
    return [("fee", "fee_unread", {})] if event_fees.unreadable(fields.get("fee")) else []


def guide_key(fields: dict) -> str:
    return store.guide_key(fields.get("society"), fields["title"], fields["starts_on"][:4])


SHEET = sheet_import.RecordSheet(
    texts="events_cli",
    columns=columns,
    cleaners={
        "event_no": _clean_event_no,
        "society": sheet_import.clean_text,
        "title": sheet_import.clean_text,
        "type": _clean_type,
        "starts_on": sheet_import.parse_day,
        "ends_on": sheet_import.parse_day,
        "dates": sheet_import.parse_days,
        "place": sheet_import.clean_text,
        "organiser": sheet_import.clean_text,
        "capacity": _clean_capacity,
        "signup_deadline": sheet_import.parse_day,
        "fee": _clean_fee,
        "description": sheet_import.clean_text,
    },
    check=_check,
    look=_look,
    key=guide_key,
    number="event_no",
    title="title",
    find=store.find_event_to_import,
)
