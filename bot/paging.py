"""Numbered lists a member pages through in chat: "更多" shows the next page, a number one entry.

A listing is a small flow (the capability's name, step "browse", which the
capability registers with `lapses=True` and answers with `browse`). The flow
keeps the query and the ids shown so far, so a number means the same entry
on every page and "更多" goes on where the last page ended; `current` is the
entry last opened, for follow-ups such as "报名" after an event's detail.
Anything else the member says ends the list and is answered as if no list
were open.

The capability supplies a `Listing`: how to fetch a page, how one line reads
and how an entry reads in full. Events, award calls, jobs and 我的诉求 page
this way (news keeps its own, with the inbox in front).
"""
from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from typing import Callable

from bot import content, offers
from bot.conversation import answer_intent, is_one_of
from bot.messages import Reply
from bot.registry import FLOW_STEPS, handles
from bot.router import normalize

STEP = "browse"
_NUMBER = re.compile(r"第?(\d{1,3})(条|个|篇|项|场)?")
# "第二个详细说说", "看看第3条", "第一个多少钱": an entry picked by its place, with words around it.
_PICKED = re.compile(r"(?P<lead>\D{0,4}?)第(?P<number>\d{1,3})(?:条|个|篇|项|场|家|则|份)?(?![季期届年月周天次名批轮])(?P<tail>\D{0,12})")
_SPOKEN_DIGITS = {"一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
_SPOKEN_NUMBER = re.compile(r"(?<=第)([一二两三四五六七八九十]{1,3})")
_NOT_WORDS = re.compile(r"[\s\W_]+")


@dataclass(frozen=True)
class Listing:
    flow: str                                           # the capability's flow name
    fetch: Callable[[object, dict, int, int], list]     # (db, query, offset, limit) -> rows, each with "id"
    line: Callable[[int, dict], str]                    # (number, row) -> one line of the list
    detail: Callable[[object, int], Reply]              # (ctx, id) -> the entry in full
    texts: str = "paging"                               # section holding footer_more / footer_last
    words: Callable[[dict], str] | None = None          # row -> what a member may name it by (else its line)


def page_size() -> int:
    return _conversation()["list_page_size"]


def _spoken(number: str) -> str:
    """十二 -> 12, 二十 -> 20, 三 -> 3 (one to ninety-nine, as members say a place in a list)."""
    tens, _, ones = number.rpartition("十")
    if "十" not in number:
        return str(_SPOKEN_DIGITS.get(number, 0)) if len(number) == 1 else number
    return str((_SPOKEN_DIGITS.get(tens, 0) if tens else 1) * 10 + (_SPOKEN_DIGITS.get(ones, 0) if ones else 0))


def with_digits(text: str) -> str:
    """"第二个" -> "第2个": a place in a list said in words, in digits (the rest unchanged); so is
    one said in English ("the first one", "number 2": content/conversation.toml english_places)."""
    return _english_places(_SPOKEN_NUMBER.sub(lambda found: _spoken(found.group(1)), normalize(text)))


def _english_places(text: str) -> str:
    places = _conversation()["english_places"]
    pattern = _english_place_pattern(tuple(places))
    return pattern.sub(lambda found: f"第{found.group('number') or places[found.group('word') or found.group('bare') or found.group('alone')]}个",
                       text)


@functools.lru_cache(maxsize=4)
def _english_place_pattern(words: tuple[str, ...]) -> re.Pattern:
    said = "|".join(sorted(map(re.escape, words), key=len, reverse=True))
    entry = r"(?:\s+(?:one|event|item|job|entry|posting))"
    return re.compile(rf"\bthe\s+(?P<word>{said}){entry}?\b|\b(?P<bare>{said}){entry}\b|^(?P<alone>{said})$"
                      rf"|\b(?:number|no\.?|item|#)\s*(?P<number>\d{{1,3}})\b")


def chosen_number(text: str) -> int | None:
    """1, ２, 第3条, 第二个, "第一个详细说说", "看看第2条": the number of the entry picked, or None
    when the text is something else. A few words before a place said with 第 (content/
    conversation.toml `entry_lead_words`) and a short question after it are what the member wants
    to know of that entry, which its detail answers; "第一季度" is no place in a list, and
    events take "报第一个" before this."""
    plain = _NOT_WORDS.sub("", with_digits(text))
    plain = _corrected(plain)
    found = _NUMBER.fullmatch(plain)
    if found:
        return int(found.group(1))
    picked = _PICKED.fullmatch(plain)
    if picked is None or (picked["lead"] and picked["lead"] not in _conversation()["entry_lead_words"]):
        return None
    return int(picked["number"])


_LAST = re.compile(r"(?P<lead>\D{0,4}?)最后(?:一|那|这)?(?:个|篇|条|项|场|期|家|则|份|一个|一篇|一条)(?P<tail>\D{0,12})")
ISSUE = re.compile(r"第(\d{1,3})期")  # an issue of a numbered series, in digits (with_digits)


def place_picked(ctx) -> int | None:
    """The place in the list shown that a message picks: a number, 第三个, or the last one ("最后一个截止啥时候")."""
    number = chosen_number(ctx.text)
    return len(ctx.flow_data.get("shown") or []) if number is None and says_last(ctx.text) else number


def says_last(text: str) -> bool:
    """"最后一个", "最后一个截止啥时候", "那最后一篇呢": the last entry of the list shown, picked as a place is."""
    picked = _LAST.fullmatch(_NOT_WORDS.sub("", normalize(text)))
    return picked is not None and (not picked["lead"] or picked["lead"] in _conversation()["entry_lead_words"])


def issue_said(text: str) -> bool:
    """"第8期讲啥": an issue of a numbered series (the newsletter's 学科动态第8期), which its list opens."""
    return ISSUE.search(with_digits(text)) is not None


def _corrected(plain: str) -> str:
    """"1不对2", "2不是3", "1错了应该是2": the place said last, when the first is taken back (content/
    conversation.toml number_corrections)."""
    said = "|".join(map(re.escape, sorted(_conversation()["number_corrections"], key=len, reverse=True)))
    found = re.fullmatch(rf"第?\d{{1,3}}(?:条|个|项)?(?:{said})+(第?\d{{1,3}}(?:条|个|项)?)", plain)
    return found.group(1) if found else plain


def _conversation() -> dict:
    return content.load_toml("conversation.toml")


def show(ctx, listing: Listing, query: dict, heading: str, open_single: bool = True) -> Reply | None:
    """Open the list at its first page, or (open_single) the entry itself when only one matches;
    None when none does. A heading that must be read (e.g. "nothing found, instead:") wants a list."""
    rows = listing.fetch(ctx.db, query, 0, page_size() + 1)  # the first page, and whether there is more
    if not rows:
        return None
    ctx.start_flow(listing.flow, STEP, query=query, heading=heading, offset=0, shown=[], current=None)
    if len(rows) == 1 and open_single:
        ctx.goto(STEP, offset=1, shown=[rows[0]["id"]], current=rows[0]["id"])
        return listing.detail(ctx, rows[0]["id"])
    return next_page(ctx, listing, rows)


def browse(ctx, listing: Listing) -> Reply:
    """The browse step: the offer the last entry made taken, the next page, an entry by its
    number, or the member moved on."""
    accepted = offers.accepted_in_list(ctx)  # "好" to "回复“订阅人才”，截止前会提醒您"
    if accepted is not None:
        return accepted
    if is_one_of(ctx.text, "more_words"):
        return next_page(ctx, listing)
    if is_one_of(ctx.text, "stop_browsing_words"):  # "不看了" under a list: left, not an unsubscribe
        ctx.end_flow()
        return ctx.reply("paging.stopped")
    number = place_picked(ctx)
    if number is None:
        referred = named_entry(ctx, (listing.flow,))
        number = referred[0] if referred else None
    if number is None:
        return leave_and_answer(ctx)
    return open_entry(ctx, listing, number)


def named_entry(ctx, own_intents: tuple[str, ...] = ()) -> tuple[int, str] | None:
    """"南阳那个", "线上的", "那个周五的是在哪里开", "就基金那个吧": the one entry of the list shown whose words
    (Listing.words: title, place, weekday...) hold what the member named, as (its number, what is asked of
    it: the words after the naming, "" when none). None when the message names no entry, names several, or
    asks something the router places clearly elsewhere ("郑州的招聘有吗" under a list of events).

    The naming is what comes before a reference word ("那个", "的": content/conversation.toml reference_marks),
    or the whole short message without one; lead and tail words ("刚才", "就", "吧") are not part of it."""
    labels = [_weekdays_said(normalize(label)) for label in ctx.flow_data.get("labels") or []]
    words = _conversation()
    leads, tails = words["reference_leads"], words["reference_tails"]
    plain = _trimmed(_weekdays_said(_NOT_WORDS.sub("", normalize(ctx.text))), leads, ())
    marks = "|".join(map(re.escape, sorted(words["reference_marks"], key=len, reverse=True)))
    for found in re.finditer(marks, plain):
        number = _only_entry(labels, _trimmed(plain[:found.start()], leads, tails))
        rest = _trimmed(plain[found.end():], (), tails)
        if number is not None and (not rest or asked_here(ctx, own_intents)):
            return number, rest
    if len(plain) <= words["reference_chars"]:
        number = _only_entry(labels, _trimmed(plain, leads, tails))
        return None if number is None else (number, "")
    return None


def _only_entry(labels: list[str], name: str) -> int | None:
    """The number of the one label holding `name` (two characters at least), else None."""
    matching = [number for number, label in enumerate(labels, 1) if len(name) >= 2 and name in label]
    return matching[0] if len(matching) == 1 else None


def asked_here(ctx, own_intents: tuple[str, ...]) -> bool:
    """Whether the message is not one the router places clearly in another capability."""
    intent = ctx.intent
    return intent is None or intent.name in (*own_intents, "unknown", "help") or \
        intent.confidence < _conversation()["other_request_confidence"]


def _trimmed(text: str, leads, tails) -> str:
    """The text without any of the lead words in front and tail words at the end, however many."""
    leads, tails = sorted(leads, key=len, reverse=True), sorted(tails, key=len, reverse=True)
    while True:
        lead = next((word for word in leads if text.startswith(word) and len(text) > len(word)), None)
        tail = next((word for word in tails if text.endswith(word) and len(text) > len(word)), None)
        if lead is None and tail is None:
            return text
        text = text[len(lead or ""):len(text) - len(tail or "")]


def _weekdays_said(text: str) -> str:
    """"星期六", "礼拜6", "周天" -> "周六", "周六", "周日": a weekday the one way the lists say it."""
    text = re.sub(r"(?:星期|礼拜)", "周", text)
    return re.sub(r"周([1-7天])", lambda found: "周" + "一二三四五六日日"["1234567天".index(found.group(1))], text)


def open_entry(ctx, listing: Listing, number: int) -> Reply:
    shown = ctx.flow_data["shown"]
    if not shown:  # "第一个详细说一下" when nothing was listed
        return ctx.reply("paging.nothing_listed")
    if not 1 <= number <= len(shown):
        return ctx.reply("paging.bad_number", number=number, last=len(shown))
    ctx.goto(STEP, current=shown[number - 1])
    return listing.detail(ctx, shown[number - 1])


def next_page(ctx, listing: Listing, rows: list | None = None) -> Reply:
    """The page from the list's offset on; `rows` when the caller fetched them already (size + 1)."""
    data, size = ctx.flow_data, page_size()
    if rows is None:
        rows = listing.fetch(ctx.db, data["query"], data["offset"], size + 1)
    if not rows:
        return ctx.reply("paging.no_more")
    more, rows = len(rows) > size, rows[:size]
    lines = [listing.line(number, row) for number, row in enumerate(rows, len(data["shown"]) + 1)]
    if data["offset"] == 0:
        lines.insert(0, data["heading"])
    labels = [listing.words(row) if listing.words else listing.line(number, row)
              for number, row in enumerate(rows, len(data["shown"]) + 1)]
    ctx.goto(STEP, offset=data["offset"] + len(rows), shown=data["shown"] + [row["id"] for row in rows],
             labels=data.get("labels", [])[:len(data["shown"])] + labels)
    footer = content.text(f"{listing.texts}.{'footer_more' if more else 'footer_last'}")
    return ctx.reply("paging.page", items="\n".join(lines), footer=footer)


def is_follow_up(text: str) -> bool:
    """A short question that leans on the list before it ("那洛阳的呢", "计算机方向的", "那全省的呢"):
    content/conversation.toml `follow_up_leads` / `follow_up_tails`, and short."""
    plain = _NOT_WORDS.sub("", normalize(text))
    words = _conversation()
    return 0 < len(plain) <= words["follow_up_length"] and (
        leans_on_before(plain) or plain.endswith(tuple(words["follow_up_tails"])))


def leans_on_before(text: str) -> bool:
    """A message opening as a follow-up does ("那…", "换成…", "只看…": content/conversation.toml follow_up_leads)."""
    return _NOT_WORDS.sub("", normalize(text)).startswith(tuple(_conversation()["follow_up_leads"]))


def narrows(text: str) -> bool:
    """A follow-up that adds to the question before ("要研发岗的", "只看高校的": content/conversation.toml
    narrowing_leads) rather than changing it ("那计算机的呢")."""
    return _NOT_WORDS.sub("", normalize(text)).startswith(tuple(_conversation()["narrowing_leads"]))


@handles(events=("text:left_list",), reads_only=True)
def back_to_left_list(ctx) -> Reply | None:
    """A message with no flow open that picks an entry of the list the member last browsed (Context.left_list):
    by its place, as the last one, as an issue ("第8期讲啥") or by what it is called; that list opened again and
    its step answering. None, nothing changed, when the message names none of it."""
    left = ctx.left_list
    if not _MAY_PICK.search(ctx.text) or (left["name"], left["step"]) not in FLOW_STEPS:
        return None  # most messages: none of the words a pick needs, read no further
    ctx.flow = left
    if place_picked(ctx) is None and not issue_said(ctx.text) and not (_points_back(ctx.text) and named_entry(ctx)):
        ctx.flow = None
        return None
    ctx.left_list, ctx.flow_changed = None, True
    return FLOW_STEPS[(left["name"], left["step"])].handler(ctx)


# what a message picking from a list holds at least: a digit, 第/最后 (第三篇, 最后一个), a reference (那个, 这条), 期
# (第八期), an English place (the first one, number 2); read before anything else about a list left behind
_MAY_PICK = re.compile(r"[\d０-９第最那这期]|first|second|third|last|number|\bno\.", re.IGNORECASE)


def _points_back(text: str) -> bool:
    """"经费改革那个发我看看": a reference word other than 的 (content/conversation.toml reference_marks), without
    which a message after others is not read as naming an entry of a list left behind."""
    return any(mark in text for mark in _conversation()["reference_marks"] if mark != "的")


def leave_and_answer(ctx) -> Reply:
    """The member moved on: close the list and answer the new message as if none were open."""
    ctx.end_flow()
    return answer_intent(ctx)
