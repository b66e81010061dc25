"""`awards`: open calls for awards, competitions and youth-talent programmes (评奖与人才项目) by chat.

The calls still open, nearest deadline first, a page at a time (bot/paging);
a kind named in the message (青年人才托举, 竞赛) narrows the list, and finding
none of that kind lists every open call instead. A number opens a call: who
may apply, the deadline, how to apply and the link, and (for a member not yet
subscribed) how to get the deadline reminders.
"""
from __future__ import annotations

from datetime import date

from handlers.awards import calls
from bot import content, paging
from bot.registry import handles, step
from storage.awards import TALENT, find_award, list_awards
from handlers.news.subscriptions import subscribe_to
from storage.news import topics_of


def _fetch(db, query: dict, offset: int, limit: int) -> list[dict]:
    return list_awards(db, query, offset, limit)


def _line(number: int, call: dict) -> str:
    return content.text("awards.line", number=number, name=call["name"], kind=calls.kind_name(call["kind"]),
                        deadline=calls.deadline_text(call, date.today()))


def _detail(ctx, award_id: int):
    call, none = find_award(ctx.db, award_id), content.text("awards.none")
    reminders = "" if TALENT in topics_of(ctx.db, ctx.openid) else content.text("awards.subscribe_hint")
    return ctx.reply("awards.detail", name=call["name"], kind=calls.kind_name(call["kind"]),
                     eligibility=call["eligibility"] or none, deadline=calls.deadline_text(call, date.today()),
                     how_to_apply=call["how_to_apply"] or none, organiser=call["organiser"] or none,
                     link=call["link"] or none, reminders=reminders)


LISTING = paging.Listing("awards", _fetch, _line, _detail)


@handles("awards", menu="MENU_AWARDS", reads_only=True)
def show_awards(ctx):
    today, kind = date.today().isoformat(), calls.kind_asked(ctx.text)
    every = content.text("awards.what.any")
    if kind:
        reply = paging.show(ctx, LISTING, {"from": today, "kind": kind},
                            content.text("awards.heading", what=calls.kind_name(kind)))
        if reply is not None:
            return reply
        heading = content.text("awards.heading_instead", asked=calls.kind_name(kind), what=every)
    else:
        heading = content.text("awards.heading", what=every)
    reply = paging.show(ctx, LISTING, {"from": today, "kind": None}, heading, open_single=kind is None)
    return reply or ctx.reply("awards.nothing_open")


@step("awards", paging.STEP, prompt="awards.browse_prompt", lapses=True)
def browse(ctx):
    if ctx.intent and ctx.intent.name == "subscribe" and not ctx.intent.slots.get("topic"):
        return subscribe_to(ctx, [TALENT])  # "有消息了通知我" about a call: its deadline reminders
    current = ctx.flow_data.get("current")
    if current is not None and any(word in ctx.text for word in calls.settings()["detail_words"]):
        return LISTING.detail(ctx, current)  # "年龄有要求吗", "需要什么材料": the call just opened answers it
    return paging.browse(ctx, LISTING)
