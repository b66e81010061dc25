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

import re
from dataclasses import dataclass
from typing import Callable

from bot import content
from bot.conversation import answer_intent, is_one_of
from bot.messages import Reply
from bot.router import normalize

STEP = "browse"
_NUMBER = re.compile(r"第?(\d{1,3})(条|个|篇|项|场)?")


@dataclass(frozen=True)
class Listing:
    flow: str                                           # the capability's flow name
    fetch: Callable[[object, dict, int, int], list]     # (db, query, offset, limit) -> rows, each with "id"
    line: Callable[[int, dict], str]                    # (number, row) -> one line of the list
    detail: Callable[[object, int], Reply]              # (ctx, id) -> the entry in full
    texts: str = "paging"                               # section holding footer_more / footer_last


def page_size() -> int:
    return content.load_toml("conversation.toml")["list_page_size"]


def chosen_number(text: str) -> int | None:
    """1, ２, 第3条: the number of an entry, or None when the text is something else."""
    found = _NUMBER.fullmatch(normalize(text))
    return int(found.group(1)) if found else None


def show(ctx, listing: Listing, query: dict, heading: str, open_single: bool = True) -> Reply | None:
    """Open the list at its first page, or (open_single) the entry itself when only one matches;
    None when none does. A heading that must be read (e.g. "nothing found, instead:") wants a list."""
    rows = listing.fetch(ctx.db, query, 0, 2)
    if not rows:
        return None
    ctx.start_flow(listing.flow, STEP, query=query, heading=heading, offset=0, shown=[], current=None)
    if len(rows) == 1 and open_single:
        ctx.goto(STEP, offset=1, shown=[rows[0]["id"]], current=rows[0]["id"])
        return listing.detail(ctx, rows[0]["id"])
    return next_page(ctx, listing)


def browse(ctx, listing: Listing) -> Reply:
    """The browse step: the next page, an entry by its number, or the member moved on."""
    if is_one_of(ctx.text, "more_words"):
        return next_page(ctx, listing)
    number = chosen_number(ctx.text)
    if number is None:
        return leave_and_answer(ctx)
    return open_entry(ctx, listing, number)


def open_entry(ctx, listing: Listing, number: int) -> Reply:
    shown = ctx.flow_data["shown"]
    if not 1 <= number <= len(shown):
        return ctx.reply("paging.bad_number", number=number, last=len(shown))
    ctx.goto(STEP, current=shown[number - 1])
    return listing.detail(ctx, shown[number - 1])


def next_page(ctx, listing: Listing) -> Reply:
    data, size = ctx.flow_data, page_size()
    rows = listing.fetch(ctx.db, data["query"], data["offset"], size + 1)
    if not rows:
        return ctx.reply("paging.no_more")
    more, rows = len(rows) > size, rows[:size]
    lines = [listing.line(number, row) for number, row in enumerate(rows, len(data["shown"]) + 1)]
    if data["offset"] == 0:
        lines.insert(0, data["heading"])
    ctx.goto(STEP, offset=data["offset"] + len(rows), shown=data["shown"] + [row["id"] for row in rows])
    footer = content.text(f"{listing.texts}.{'footer_more' if more else 'footer_last'}")
    return ctx.reply("paging.page", items="\n".join(lines), footer=footer)


def leave_and_answer(ctx) -> Reply:
    """The member moved on: close the list and answer the new message as if none were open."""
    ctx.end_flow()
    return answer_intent(ctx)
