"""`awards`: open calls for awards, competitions and youth-talent programmes (评奖与人才项目) by chat.

The calls still open, nearest deadline first, a page at a time (bot/paging);
a kind named in the message (青年人才托举, 竞赛) narrows the list, and finding
none of that kind lists every open call instead. A number opens a call: who
may apply, the deadline, how to apply and the link, and (for a member not yet
subscribed) how to get the deadline reminders.
"""
from __future__ import annotations

import re
from datetime import date

from handlers.awards import calls
from handlers.events import guide
from bot import content, offers, paging
from bot.messages import Reply
from bot.registry import handles, step
from storage.awards import TALENT, find_award, list_awards
from handlers.news.subscriptions import subscribe_to
from storage.news import topics_of


def _line(number: int, call: dict) -> str:
    return content.text("awards.line", number=number, name=call["name"], kind=calls.kind_name(call["kind"]),
                        deadline=calls.deadline_text(call, date.today()))


def _detail(ctx, award_id: int):
    call, none = find_award(ctx.db, award_id), content.text("awards.none")
    reminders = "" if TALENT in topics_of(ctx.db, ctx.openid) else content.text("awards.subscribe_hint")
    if reminders:
        offers.make(ctx, content.text("awards.subscribe_words"))  # "好" next: subscribed
    return ctx.reply("awards.detail", name=call["name"], kind=calls.kind_name(call["kind"]),
                     eligibility=call["eligibility"] or none, deadline=calls.deadline_text(call, date.today()),
                     how_to_apply=call["how_to_apply"] or none, organiser=call["organiser"] or none,
                     link=call["link"] or none, reminders=reminders)


LISTING = paging.Listing("awards", list_awards, _line, _detail)
# What the router may read a question about a call as ("截止具体是哪天" as events, "报这个要钱不" as a sign-up)
_FOLLOW_UP_READINGS = ("awards", "events", "event_signup")


def _field_asked(text: str) -> str | None:
    """"啥时候截止" -> deadline, "我能自己报吗还是得推荐" -> how_to_apply (content/awards.toml [asked])."""
    return next((field for field, words in calls.settings()["asked"].items() if any(word in text for word in words)), None)


_CALL_NAMED = re.compile(r"([\u4e00-\u9fff]{2,12}?(?:奖|工程|计划|项目|竞赛|大赛))")


def _answer_asked(ctx, field: str) -> Reply:
    """A question about one side of the open calls, with none opened yet: that side of each call
    (the call named, when the member names one that is open), the list kept open for its numbers."""
    today, kind = date.today().isoformat(), calls.kind_asked(ctx.text)
    query = {"from": today, "kind": kind if kind and list_awards(ctx.db, {"from": today, "kind": kind}, 0, 1) else None}
    heading = content.text("awards.heading", what=content.text("awards.what.any"))
    if paging.show(ctx, LISTING, query, heading, open_single=False) is None:
        offers.make(ctx, content.text("awards.subscribe_words"))
        return ctx.reply("awards.nothing_open")
    rows = list_awards(ctx.db, query, 0, paging.page_size())
    ctx.goto(paging.STEP, shown=[row["id"] for row in rows], offset=len(rows))
    named = _CALL_NAMED.search(re.sub(r"[\s\W]+", "", ctx.text))
    picked = [row for row in rows if named and (named.group(1) in row["name"] or row["name"] in named.group(1))]
    if len(picked) == 1:  # "省科技奖推荐流程是啥": that call is the one talked about ("截止到哪天" next is its)
        ctx.goto(paging.STEP, current=picked[0]["id"])
    lead = "" if not named or picked or named.group(1) in content.text("awards.what.any") else \
        content.text("awards.asked_not_found", name=named.group(1))
    secretariat = content.society()["secretariat"]
    lines = [content.text("awards.asked_line", number=number, name=row["name"], value=_value(row, field, secretariat))
             for number, row in enumerate(rows, 1) if not picked or row in picked]
    text = lead + content.text("awards.asked_heading", field=content.text(f"awards.asked_fields.{field}")) + \
        "\n" + "\n".join(lines)
    return Reply(text=text).with_note(content.text("awards.asked_footer", **secretariat))


def _value(call: dict, field: str, secretariat: dict) -> str:
    if field == "deadline":
        return calls.deadline_text(call, date.today())
    if field == "link":
        return call["link"] or content.text("awards.no_link", **secretariat)
    if field == "fee":  # a call carries no fee: the notice is the secretariat's to explain
        return content.text("awards.no_fee", **secretariat)
    return call[field] or content.text("awards.none")


def _answer_about(ctx, award_id: int, field: str) -> Reply:
    """"截止具体是哪天", "推荐要找谁" right after a call was opened: that side of this call, with whom to ask
    the rest (the list stays open)."""
    call, secretariat = find_award(ctx.db, award_id), content.society()["secretariat"]
    return ctx.reply("awards.asked_one", name=call["name"], field=content.text(f"awards.asked_fields.{field}"),
                     value=_value(call, field, secretariat), **secretariat)


def _other_call_named(ctx) -> dict | None:
    """The one open call the message names other than the call just opened, also in fewer words ("那省科技奖呢"
    for 河南省科学技术奖: what it names, its characters in order in the call's name); None otherwise."""
    plain = re.sub(r"[\s\W]+", "", ctx.text)
    named = _CALL_NAMED.search(plain)
    calls_open = list_awards(ctx.db, {"from": date.today().isoformat(), "kind": None}, 0, 100)
    rows = [row for row in calls_open if row["id"] != ctx.flow_data.get("current")]
    if named is None:  # "那青年托举俺们团队小年轻能报不": four or more characters in order in one other call's name only
        if len(plain) > _IN_ORDER_LOOKED_AT or any(word in plain for word in calls.settings()["this_call_words"]):
            return None  # "我是青年创新人才 这个能报不": the call just opened; a long text: a run of 4 is no naming
        return _named_in_order(plain, rows, [row for row in calls_open if row not in rows])
    said = named.group(1)
    for start in range(len(said) - 2):  # "那省科技奖": the naming begins where the name does
        matching = [row for row in rows if _in_order(said[start:], row["name"])]
        if matching:
            return matching[0] if len(matching) == 1 else None
    return None


_IN_ORDER_CHARS = 4  # the fewest characters of a call's name, said in order, that name it without 奖/工程…
_IN_ORDER_LOOKED_AT = 40  # the longest message read for it (each run of each length against each call's name)


def _named_in_order(plain: str, rows: list[dict], current: list[dict]) -> dict | None:
    """The one call of `rows` whose name holds, in order, the longest run of the message's characters (at least
    _IN_ORDER_CHARS) that the call talked about (`current`) does not; None when no run or several calls do."""
    for size in range(min(len(plain), 12), _IN_ORDER_CHARS - 1, -1):
        for start in range(len(plain) - size + 1):
            said = plain[start:start + size]
            matching = [row for row in rows if _in_order(said, row["name"])]
            if matching and not any(_in_order(said, row["name"]) for row in current):
                return matching[0] if len(matching) == 1 else None
    return None


def _in_order(said: str, name: str) -> bool:
    rest = iter(name)
    return all(char in rest for char in said)


@handles("awards", menu="MENU_AWARDS", reads_only=True)
def show_awards(ctx):
    if ctx.message.in_words and any(word in ctx.text for word in calls.settings()["result_words"]):
        return ctx.reply("awards.results", **content.society()["secretariat"])  # "评奖结果出来了吗": not listed here
    field = _field_asked(ctx.text) if ctx.message.in_words else None
    if field:
        return _answer_asked(ctx, field)
    today, kind = date.today().isoformat(), calls.kind_asked(ctx.text)
    every = content.text("awards.what.any")
    if kind:
        reply = paging.show(ctx, LISTING, {"from": today, "kind": kind},
                            content.text("awards.heading", what=calls.kind_name(kind)))
        if reply is not None:
            return _with_competition_events(ctx, kind, reply)
        heading = content.text("awards.heading_instead", asked=calls.kind_name(kind), what=every)
    else:
        heading = content.text("awards.heading", what=every)
    reply = paging.show(ctx, LISTING, {"from": today, "kind": None}, heading, open_single=kind is None)
    if reply is None:
        offers.make(ctx, content.text("awards.subscribe_words"))
    return _with_competition_events(ctx, kind, reply or ctx.reply("awards.nothing_open"))


def _with_competition_events(ctx, kind: str | None, reply: Reply) -> Reply:
    """A question about competitions (有什么竞赛) also lists the guide's competitions still to come."""
    note = guide.competitions_note(ctx.db, date.today()) if kind == calls.COMPETITION else None
    return reply.with_note(note) if note else reply


@step("awards", paging.STEP, reads_only=True, prompt="awards.browse_prompt", lapses=True)
def browse(ctx):
    if ctx.intent and ctx.intent.name == "subscribe" and not ctx.intent.slots.get("topic"):
        return subscribe_to(ctx, [TALENT])  # "有消息了通知我" about a call: its deadline reminders
    other = _other_call_named(ctx)
    if other is not None:  # "那省科技奖呢 有年龄限制没" after another call: that call in full
        ctx.goto(paging.STEP, current=other["id"])
        return LISTING.detail(ctx, other["id"])
    current, field = ctx.flow_data.get("current"), _field_asked(ctx.text)
    picked, shown = paging.place_picked(ctx), ctx.flow_data.get("shown") or []
    if field and picked is not None and 1 <= picked <= len(shown):  # "最后一个截止啥时候": that call's
        current = shown[picked - 1]
        ctx.goto(paging.STEP, current=current)
    if current is not None and field and paging.asked_here(ctx, _FOLLOW_UP_READINGS):
        return _answer_about(ctx, current, field)  # "截止具体是哪天": that of the call just opened, not "会费多少钱"
    if current is not None and any(word in ctx.text for word in calls.settings()["detail_words"]):
        return LISTING.detail(ctx, current)  # "年龄有要求吗", "需要什么材料": the call just opened answers it
    if current is None and field and paging.chosen_number(ctx.text) is None:
        return _answer_asked(ctx, field)  # "我能自己报吗还是得推荐" under the list: that side of each call
    return paging.browse(ctx, LISTING)
