"""`events` and `event_signup`: the activity guide by chat, and registering for its events.

Finding: 最近有什么活动, 年会什么时候, 五月的培训 or the 活动指南 button become a
query (handlers/events/guide.question) listed a page at a time (bot/paging); a number
opens an event. A question that finds nothing gets everything still to come,
not a dead end.

Registering: "报名" right after an event's detail (or "报名 2" in a list), or
我要报名年会, asks for a confirmation (flow `event_signup`) and then takes a
seat or a place on the waitlist (handlers/events/registration.register). A member's name
and mobile come from their membership; a follower who is no member gives them
once. 我的报名 shows seats with their check-in codes and waitlist places;
取消报名年会 cancels after a confirmation, and whoever moves up is told
(handlers/events/guide.notify_promoted).
"""
from __future__ import annotations

import functools
import re
from datetime import date, timedelta

from bot import content, offers, paging
from handlers.awards import calls
from handlers.fees import chat as fees
from handlers.events import fees as event_fees
from handlers.events import guide
from handlers.fees import dues
from handlers.members import profile
from bot.conversation import (answer_intent, answer_while_paused, continue_said, first_clause, is_one_of,
                               leaves_in_a_clause, not_cancelling, says_yes, says_yes_first, statement_clauses)
from bot.registry import FLOW_STEPS, INTENT_HANDLERS, handles, step
from bot.router import normalize, route
from bot.messages import Reply
from bot.page_links import with_page_link
from bot.privacy import mask_mobile, mask_personal
from bot.validation import (Invalid, asks_something, looks_like_a_question, mobile_and_rest, mobile_in, name_in,
                            normalise, tries_value, unit_in)
from handlers.events.registration import cancel as cancel_seat, correct, paid_fee, refunds_owed_lines, register
from storage.events import (
    REGISTERED, event_places, find_event, is_full, last_contact,
    last_signup_day, list_events, live_registration, registrations_of, waitlist_position,
)
from storage import event_payments
from storage.members import Refused, find_member_by_openid, find_members_by_mobile
from storage.state import take_cancelled
from storage.tickets import OPEN, add_to_ticket, create_ticket, list_tickets_of_member

SIGNUP = "event_signup"  # the flow of a registration or a cancellation being confirmed
_MOBILE = re.compile(r"(?:\+?86)?1[3-9]\d(?:[\s-]?\d){8}")
_MOBILE_WORDS = re.compile(r"(?:不是|对|手机号?|电话|号码|手机号码|手机号错了|错了|应该是|改成|是)+")
_LABELLED = re.compile(r"(?P<label>姓名|名字|工作单位|单位)\s*[:：]\s*(?P<value>[^，,;；。\s:：]+)")
_WORDS_AND_NUMBER = re.compile(r"(\D*?)第?(\d{1,3})[个场项]?(?:活动|会)?")
_PLACE_THEN_WORDS = re.compile(r"第(\d{1,3})[个场项]?(?:活动|会)?(\D+)")  # "第二个报名": 第 says it is a place


def _today() -> str:
    return date.today().isoformat()


def _signup_state(event: dict) -> str:
    """closed (past its last sign-up day), full (the waitlist is open) or open."""
    return "closed" if _today() > last_signup_day(event) else "full" if is_full(event) else "open"


# --- finding events ------------------------------------------------------------------------

def _line(number: int, event: dict) -> str:
    return content.text("events.line", number=number, dates=guide.dates_text(event), title=event["title"],
                        place=event["place"] or content.text("events.none"),
                        mark=content.text(f"events.mark.{_signup_state(event)}"))


def _action(ctx, event: dict) -> str:
    """What the member can do about the event now: registered, waiting, closed, or how to register."""
    mine = live_registration(ctx.db, event["id"], ctx.openid)
    if mine and mine["status"] == REGISTERED:
        return content.text("events.action.registered", code=mine["checkin_code"])
    if mine:
        return content.text("events.action.waitlisted", position=waitlist_position(ctx.db, mine))
    return content.text(f"events.action.{_signup_state(event)}")


def _detail(ctx, event_id: int):
    event = find_event(ctx.db, event_id)
    limit = guide.settings()["chat"]["detail_chars"]
    text = event["description"] or ""
    if len(text) > limit:
        text = text[:limit] + content.text("events.cut")
    none = content.text("events.none")
    return ctx.reply(
        "events.detail", title=event["title"], type=event["type"], dates=guide.dates_text(event),
        place=event["place"] or none, society=event["society"] or none, organiser=event["organiser"] or none,
        fee=event["fee"] or none, seats=guide.seats_text(event), deadline=last_signup_day(event),
        description=content.text("events.description", text=text) if text else "", action=_action(ctx, event))


def _words(event: dict) -> str:
    """What a member may call a listed event by: its title, place, kind and weekday ("周六那个")."""
    weekday = "一二三四五六日"[date.fromisoformat(event["starts_on"]).weekday()]
    return " ".join((event["title"], event["place"] or "", event["type"] or "", f"周{weekday}"))


LISTING = paging.Listing("events", list_events, _line, _detail, texts="events.list", words=_words)
# The list shown for "报名" without an event named: a number there signs up for that event.
SIGNUP_LISTING = paging.Listing("events", list_events, _line, _detail, texts="events.signup_list", words=_words)


def _open_list(ctx) -> dict | None:
    """The events list the member is in (its flow), which a registration started from it returns to;
    None outside one."""
    return ctx.flow if ctx.flow and ctx.flow["name"] == "events" else None


def _show_list(ctx, query: dict, heading: str, listing: paging.Listing = LISTING):
    """The events the query finds (the coming month filled up to a page with what is further ahead), else everything
    still to come, else that there is nothing ahead."""
    query, heading = guide.filled_preview(ctx.db, query, heading, date.today(), paging.page_size())
    reply = paging.show(ctx, listing, query, heading)
    if reply is None and guide.is_narrow(query):
        reply = paging.show(ctx, listing, *guide.upcoming(date.today(), asked=heading), open_single=False)
    if reply is not None and listing is SIGNUP_LISTING and _open_list(ctx):
        ctx.goto(paging.STEP, for_signup=True)
    return reply or ctx.reply("events.nothing_ahead")


def _question(ctx, text: str | None = None) -> tuple[dict, str]:
    """The member's question about events as a query: guide.question plus the city it names
    ("南阳附近有没有培训" -> trainings in 南阳, everything still to come when no month is named)."""
    if text is None:
        text = "" if ctx.message.kind == "event" else ctx.text
    query, heading = guide.question(text, date.today())
    places = guide.places_in(text, event_places(ctx.db, _today())) if text else []
    place = next((city for city in places if len(places) == 1 or list_events(ctx.db, {**query, "place": city}, 0, 1)),
                 places[0] if places else None)  # "南阳周边的 驻马店 信阳也行": the first of them that has some
    if place:
        if not (query["type"] or query["word"] or _names_a_month(text)):
            query, heading = guide.upcoming(date.today(), asked="")[0], content.text(
                "events.heading.upcoming", what=content.text("events.what.any"))
        query["place"] = place
        heading = content.text("events.heading.in_place", place=place, heading=heading)
    return query, heading


def _names_a_month(text: str) -> bool:
    """"这个月", "下个月", "5月", "五月": a month named."""
    return bool(guide.mentions(text, "this_month") or guide.mentions(text, "next_month")
                or re.search(r"\d+月|[一二三四五六七八九十]月", text))


def _asks_about_own(ctx) -> bool:
    """"那个培训是几号在哪" from a member with registrations: their registrations, with date and place."""
    if not guide.mentions(ctx.text, "when_where_words"):
        return False
    registrations = registrations_of(ctx.db, ctx.openid, _today())
    if not registrations:
        return False
    plain = normalize(ctx.text)
    return bool(guide.mentions(ctx.text, "back_reference_words")) or any(
        r["title"][:2] in plain or (r.get("type") and r["type"] in plain) for r in registrations)


def about_events(ctx) -> bool:
    """A message the router could not place that names an event city and a time or a kind of
    event ("下个月郑州的会"): an events question."""
    text = ctx.text
    if not guide.place_in(text, event_places(ctx.db, _today())):
        return False
    return _names_a_month(text) or bool(guide.mentions(text, "event_words"))


def asks_by_period(ctx) -> bool:
    """"下半年有什么", "年度活动指南" that the router could not place: a part of the year asked about."""
    chat, plain = guide.settings()["chat"], normalize(ctx.text)
    halves = any(word in plain for word in chat["first_half_words"] + chat["second_half_words"])
    return len(ctx.text) <= chat["period_question_chars"] and guide.period_span(ctx.text, date.today()) is not None \
        and (halves or bool(guide.mentions(ctx.text, "event_words") or guide.mentions(ctx.text, "guide_words")))


@handles("events", menu="MENU_EVENTS", reads_only=True)
def show_events(ctx):
    if ctx.message.kind == "event":  # the menu button: the coming month
        return _show_list(ctx, *_question(ctx))
    if guide.mentions(ctx.text, "cooperation_words"):  # "想协办年会，找谁谈"
        return INTENT_HANDLERS["human"](ctx)
    if guide.mentions(ctx.text, "materials_words"):  # "论坛有回放吗"
        return materials_asked(ctx)
    if guide.mentions(ctx.text, "switch_words") and guide.named_in(ctx.text):  # "换成人工智能青年论坛吧": registered for
        return sign_up(ctx)
    if fees.asks_for_invoice(ctx.text):
        return fees.start_invoice(ctx)  # "能开培训费发票吧": how invoices are issued, not the fee again
    if fees.asks_event_fee(ctx.text):
        return fees.event_fee(ctx, ctx.text)  # "年会的报名费多少": the event's fee, not a list
    if _asks_about_own(ctx) or guide.mentions(ctx.text, "mine_words"):  # "我的活动", "show my events"
        return _show_mine(ctx)
    ahead = _events_ahead(ctx)
    missing = _missing(ctx, ahead)
    unlisted = _unlisted_detail(ctx, ahead) if missing is None else None
    if unlisted is not None:  # "年会可以带家属吗": not in the notice, said so, with whom to ask
        return unlisted
    if missing is None and guide.mentions(ctx.text, "unknown_detail_words") and guide.named_in(ctx.text) is None:
        return ctx.reply("events.detail_unknown", **content.society()["secretariat"])  # "中午管饭不": not the list
    # not after `missing`: the list it opens would take the place of the list shown
    meetings = _meetings(ctx) if missing is None and asks_for_meetings(ctx.text) else None
    reply = missing or meetings or _show_list(ctx, *_question(ctx))
    if guide.mentions(ctx.text, "access_words") and reply.text:  # "我腿脚不好": access is not in the notices
        reply = ctx.reply("events.access_not_given", **content.society()["secretariat"]).with_note(reply.text)
    if guide.asks_for_competitions(ctx.text):
        note = calls.competitions_note(ctx.db, date.today())  # competitions published as award calls too
        reply = reply.with_note(note) if note else reply
    if guide.mentions(ctx.text, "guide_words"):  # the whole guide as a page too
        reply = with_page_link(reply, ctx.config, "events", "/m/events")
    if _open_list(ctx):
        ctx.goto(paging.STEP, asked=ctx.text)  # for "那郑州的呢"
    return reply


def _events_ahead(ctx):
    """The events still to come (the first 200), read the first time a check of the message asks for
    them and not again."""
    return functools.cache(lambda: guide.events_ahead(ctx.db, date.today()))


def _missing(ctx, ahead, listing: paging.Listing = LISTING):
    """"区块链技术研讨会怎么报名" with no such event: said not found by its name, then everything ahead
    (never another event shown or offered as if it were the one); None when the event is there.
    `ahead`: _events_ahead."""
    if guide.named_in(ctx.text) is None:  # a kind alone ("最近有哪些培训"): nothing to read the events for
        return None
    name = guide.missing(ahead(), ctx.text)
    if name is None:
        return None
    past = guide.named_event(_events_past(ctx), ctx.text)
    if past is None:
        return _show_list(ctx, *guide.upcoming(date.today(), asked=content.text("events.heading.named", name=name)),
                          listing)
    query = guide.upcoming(date.today(), asked="")[0]
    reply = _show_list(ctx, query, content.text("events.heading.upcoming", what=content.text("events.what.any")), listing)
    said = ctx.reply("events.past", title=past["title"], dates=guide.dates_text(past),
                     place=past["place"] or content.text("events.none"))  # "秋季科普报告会还能报名吗": it is over
    return Reply(text=said.text).with_note(reply.text)


def _events_past(ctx) -> list[dict]:
    """The events of the last year already over, latest first: what a member may still ask about."""
    since = (date.today() - timedelta(days=365)).isoformat()  # not replace(year=…): no 29 February a year before
    return list(reversed(list_events(ctx.db, {"from": since, "to": _yesterday()}, 0, 200)))


def _yesterday() -> str:
    return date.fromordinal(date.today().toordinal() - 1).isoformat()


def _unlisted_detail(ctx, ahead):
    """"实验室安全培训可以带家属吗", "年会提供午饭吗": a yes-or-no question about one event on something its
    notice does not give (not its time, place, fee or lodging): said so, whom to ask, then the event's
    details; None for any other message."""
    chat, text = guide.settings()["chat"], ctx.text
    if guide.topic_in(text) or _asks_for_any(text):  # "有没有和人工智能相关的活动", "南阳有没有培训": events asked for
        return None
    programme = guide.mentions(text, "programme_words")  # "年会有啥议程": the notice's description, if it has one
    noticed = [word for word in chat["notice_words"] if word in text]  # "包住宿吗 能开介绍信吗": the notice, if it says
    if not (programme or any(mark in text for mark in chat["detail_question_marks"])) or any(word in text for word in chat["detail_not_words"]) or any(
            guide.mentions(text, key) for key in ("when_where_words", "money_words", "signup_words", "mine_words",
                                                  "cancel_words")) or (guide.mentions(text, "lodging_words") and not noticed):
        return None
    named = guide.titled(ahead(), text)
    if named is None:
        query, _ = _question(ctx)
        found = list_events(ctx.db, query, 0, 2) if query["word"] else []
        named = (found[0], "") if len(found) == 1 else None
    if named is None:
        return None
    event = named[0]
    said = event.get("description") or ""
    if (programme and said) or (noticed and any(word in said for word in noticed)):
        return _detail(ctx, event["id"])
    said = ctx.reply("events.detail_not_given", title=event["title"], **content.society()["secretariat"])
    _keep_open(ctx, event, {"from": _today()})  # "那报上 我叫蒋涛 135…" next: this one
    return said.with_note(_detail(ctx, event["id"]).text)


def _keep_open(ctx, event: dict, query: dict) -> None:
    """The one event just talked about kept open as a list's current entry, so that what comes next ("那报上 …",
    "要钱不") is about it."""
    ctx.start_flow("events", paging.STEP, query=query, heading="", shown=[event["id"]], current=event["id"], offset=1)


def _asks_for_any(text: str) -> bool:
    """"南阳附近最近有没有培训": whether there are events of a kind ([chat] any_event_marks a few characters before an
    event word), not a question on one event's details."""
    chat = guide.settings()["chat"]
    marks, kinds = "|".join(map(re.escape, chat["any_event_marks"])), "|".join(map(re.escape, chat["event_words"]))
    return re.search(rf"(?:{marks}).{{0,4}}?(?:{kinds})", normalize(text)) is not None


def notices_saying(db, words: list[str]) -> str:
    """What the notices of the events ahead say on these words ("结业颁发继续教育学分证书"), one line an event;
    '' when none does."""
    return "\n".join(content.text("events.notice_says", title=event["title"], said=event["description"])
                     for event in guide.events_ahead(db, date.today())
                     if any(word in (event.get("description") or "") for word in words))


def materials_asked(ctx):
    """Replays and slides are the secretariat's to give: said so, and passing the request on offered
    (a yes next records it for a person, handlers/human)."""
    offers.make(ctx, content.text("events.signup.materials_forward", asked=ctx.text), intent="human")
    return ctx.reply("events.signup.materials", **content.society()["secretariat"])


def asks_for_meetings(text: str) -> bool:
    """"最近有啥会", "有什么会开": 会 as a meeting (the router may read 会讯); "有什么会讯" is not."""
    chat = guide.settings()["chat"]
    plain = (text or "").lower()
    for word in chat["not_meetings"]:
        plain = plain.replace(word, "")
    return any(phrase in plain for phrase in chat["meeting_words"])


def _meetings(ctx, text: str | None = None):
    """The conferences still to come (the month's preview would show only what falls in it), in the
    city the question names ("最近有什么会议吗在洛阳的"); None when no conference is ahead there."""
    kind = guide.settings()["chat"]["meeting_type"]
    query = {"from": _today(), "to": None, "type": kind, "word": None}
    heading = content.text("events.heading.upcoming", what=kind)
    place = guide.place_in(ctx.text if text is None else text, event_places(ctx.db, _today()))
    if place:
        query["place"] = place
        heading = content.text("events.heading.in_place", place=place, heading=heading)
    if not list_events(ctx.db, query, 0, 1):
        return None
    return _show_list(ctx, query, heading)


def _elsewhere(ctx):
    """"那郑州的呢" after "下个月洛阳有活动吗": the same question about the other city; None when the
    message is no such follow-up."""
    asked = ctx.flow_data.get("asked")
    if not asked or not paging.is_follow_up(ctx.text) or guide.named_in(ctx.text):
        return None  # "那新材料沙龙在郑州哪儿开" names its own event: no city follow-up
    places = event_places(ctx.db, _today())
    place = guide.place_in(ctx.text, places)
    if not place:
        return None
    before = guide.place_in(asked, places)
    text = asked.replace(before, place) if before else place + asked
    reply = (_meetings(ctx, text) if asks_for_meetings(text) else None) or _show_list(ctx, *_question(ctx, text))
    if _open_list(ctx):
        ctx.goto(paging.STEP, asked=text)
    return reply


def _another_day(ctx):
    """"5号的呢" after "三月有什么活动": the same question about that day of the month; None otherwise."""
    asked = ctx.flow_data.get("asked")
    text = guide.with_day(asked, ctx.text, date.today()) if asked else None
    if text is None:
        return None
    reply = _show_list(ctx, *_question(ctx, text))
    if _open_list(ctx):
        ctx.goto(paging.STEP, asked=asked)  # "6号的呢" next: that month still
    return reply


@handles(events=("media:location",))
def nearest_events(ctx):
    """A location sent: the upcoming events nearest to it (cities placed in content/events.toml)."""
    try:
        here = (float(ctx.message.extra.get("x")), float(ctx.message.extra.get("y")))
    except (TypeError, ValueError):
        return None
    upcoming = [(guide.distance_km(here, where), event) for event in guide.events_ahead(ctx.db, date.today())
                if (where := guide.where_is(event["place"])) is not None]
    if not upcoming:
        return None  # the usual acknowledgement of a location
    upcoming.sort(key=lambda pair: (pair[0], pair[1]["starts_on"]))
    count = guide.settings()["chat"]["nearby_count"]
    lines = [content.text("events.nearby.line", number=n, dates=guide.dates_text(e), title=e["title"],
                          place=e["place"], km=round(km)) for n, (km, e) in enumerate(upcoming[:count], 1)]
    ctx.start_flow("events", paging.STEP, query={"from": _today()}, heading="", shown=[e["id"] for _, e in
                   upcoming[:count]], current=None, offset=count)
    return ctx.reply("events.nearby.list", items="\n".join(lines))


@step("events", paging.STEP, reads_only=True, prompt="events.browse_prompt", lapses=True)
def browse(ctx):
    number = paging.chosen_number(ctx.text)
    if number is not None and ctx.flow_data.get("for_signup"):
        return _offer_number(ctx, number)  # a list shown for "报名": its number signs up
    listing = SIGNUP_LISTING if ctx.flow_data.get("for_signup") else LISTING
    if for_someone_else(ctx.text):  # "帮我同事也报一个，他叫张伟…": the colleague, not the member
        return _sign_up_other(ctx, ctx.flow_data.get("current") or ctx.flow_data.get("registered"))
    if len(ctx.flow_data.get("shown") or []) > 1 and \
            re.sub(r"[\s\W_]+", "", ctx.text) in guide.settings()["chat"]["all_signup_words"]:
        return _sign_up_for_all(ctx)  # "都要"
    named = paging.named_entry(ctx, ("events", "event_signup"))
    if named is not None:  # "周六那个怎么报名", "新乡那个多少钱": what is asked, of that one
        return _about_named(ctx, listing, *named)
    return _about_current(ctx) or _sign_up_from_list(ctx) or _sign_up_first(ctx) or _elsewhere(ctx) or \
        _another_day(ctx) or _contact_for_list(ctx) or paging.browse(ctx, listing)


def _sign_up_for_all(ctx):
    """"都要" under a list of several events: registering goes one at a time, from the first one open (not
    closed, not full, not the member's already), with the next open one to say next; those not open are named."""
    events = [find_event(ctx.db, key) for key in ctx.flow_data["shown"]]
    states = [_signup_state(event) if not live_registration(ctx.db, event["id"], ctx.openid) else "mine"
              for event in events]
    not_open = "、".join(content.text("events.signup.not_open_item", number=number, title=event["title"],
                                     mark=content.text(f"events.mark.{state}"))
                        for number, (event, state) in enumerate(zip(events, states), 1) if state != "open")
    not_open = content.text("events.signup.not_open", events=not_open) if not_open else ""
    open_numbers = [number for number, state in enumerate(states, 1) if state == "open"]
    if not open_numbers:
        return ctx.reply("events.signup.none_open", not_open=not_open)
    first, *rest = open_numbers
    return ctx.reply("events.signup.one_at_a_time" if rest else "events.signup.only_open", number=first,
                     next=rest[0] if rest else None, not_open=not_open).with_note(_offer_number(ctx, first).text)


def _sign_up_first(ctx):
    """"那我报个名，顺便把算法那个简历投了" right after an event was opened: a first clause that signs up is for
    that event, with the contact said after it; None otherwise."""
    first = first_clause(ctx.text)
    if ctx.flow_data.get("current") is None or first == ctx.text.strip() or not _signup_words(first):
        return None
    named = guide.titled(_events_ahead(ctx)(), ctx.text[len(first):])  # "报名，仪器操作沙龙": that one, not the one opened
    event = named[0] if named else find_event(ctx.db, ctx.flow_data["current"])  # "报这个，赵小明，河南师范大学，152…"
    return _offer(ctx, event, given=_contact_with_request(ctx.text, event, named[1] if named else ""))


def _back_to_event_left(ctx):
    """A registration said with no flow open ("先给我报上 王丽娟 135…") when the list the member last browsed
    (Context.left_list) had an event open and the message names no other: that list opened again and the
    registration is for that event (as _sign_up_first); None otherwise."""
    left = ctx.left_list
    if ctx.flow is not None or left is None or left["name"] != "events" or left["data"].get("current") is None \
            or not _signup_words(first_clause(ctx.text)) or guide.titled(_events_ahead(ctx)(), ctx.text):
        return None
    ctx.flow, ctx.left_list, ctx.flow_changed = left, None, True
    return _sign_up_first(ctx)


def _about_named(ctx, listing: paging.Listing, number: int, asked: str):
    """The event the member named in the list: its fee or date and place when the rest asks that, signed up
    for when it asks to, else opened."""
    ctx.goto(paging.STEP, current=ctx.flow_data["shown"][number - 1])
    with ctx.read_as(text=asked):
        answered = _about_current(ctx) if asked else None  # "科普那个报名费多少": its fee, not a registration
    if answered is None and (guide.mentions(asked, "signup_words") or ctx.flow_data.get("for_signup")):
        return _offer_number(ctx, number)  # also a list shown for "报名": naming one signs up for it
    return answered or paging.open_entry(ctx, listing, number)


def _about_current(ctx):
    """"会员报名费多少", "几点开始" right after an event was opened: that event's fee, or its date and place,
    not how to find one nor the menu (the list stays open). None when another event is named or the
    message asks neither."""
    current = ctx.flow_data.get("current")
    money = fees.asks_event_fee(ctx.text) or guide.mentions(ctx.text, "money_words")
    if current is None or not (money or guide.mentions(ctx.text, "when_where_words") or
                               guide.mentions(ctx.text, "finer_detail_words")) or _contact_in(ctx.text).get("mobile"):
        return None
    query = guide.question(ctx.text, date.today())[0]
    other = query.get("word") or query.get("type") or guide.named_in(ctx.text)
    if other and not (guide.mentions(ctx.text, "finer_detail_words") and guide.titled(_events_ahead(ctx)(), ctx.text) is None):
        return None  # "培训的报名费多少": the question names its own event ("腾讯会议吗" names none ahead)
    event = find_event(ctx.db, current)
    if money:
        return fees.fee_of_event(ctx, event)
    return _not_given_then(ctx, event, _facts(ctx, event))


def _facts(ctx, event: dict) -> Reply:
    return ctx.reply("events.signup.facts", title=event["title"], dates=guide.dates_text(event),
                     place=event["place"] or content.text("events.none"), fee=event["fee"] or content.text("events.none"))


def _not_given_then(ctx, event: dict, facts: Reply) -> Reply:
    """"几点开始", "具体地址呢 哪个酒店", "用什么软件" about the event in hand: the answer content/ gives
    ([[events.signup.questions]]: the link of an online one), or what its record does not hold said so with whom
    to ask (content/events.toml finer_detail_words), before what it holds; `facts` alone otherwise."""
    asked = _signup_question(ctx.text)
    if asked is not None:
        return Reply(text=asked["answer"].format(**content.society()["secretariat"])).with_note(facts.text)
    if not guide.mentions(ctx.text, "finer_detail_words"):
        return facts
    return ctx.reply("events.detail_not_given", title=event["title"], **content.society()["secretariat"]).with_note(
        facts.text)


def colleague_if_asked(ctx):
    """"能再加一个同事吗，叫孙会芳 137…" that the router could not place, from a member registered for one event
    ahead: the colleague for that event (to the secretariat); None otherwise."""
    event_id = _only_registration(ctx) if for_someone_else(ctx.text) else None
    return _sign_up_other(ctx, event_id) if event_id is not None else None


def _only_registration(ctx) -> int | None:
    """The event of the member's one live registration ahead; None for none or several."""
    registrations = registrations_of(ctx.db, ctx.openid, _today())
    return registrations[0]["event_id"] if len(registrations) == 1 else None


def show_mine_if_asked(ctx):
    """"签到码忘了", "我的报名" that the router could not place: the member's registrations; None otherwise."""
    return _show_mine(ctx) if guide.mentions(ctx.text, "mine_words") else None


def _contact_for_list(ctx):
    """"我叫马丽 13598765432 就我一个人" under a list: the contact for a registration. The event
    opened last is offered with it; otherwise it is kept and which event is asked. None when the
    message gives no mobile."""
    given = _contact_in(ctx.text)
    if not given.get("mobile"):
        return None
    ctx.goto(ctx.flow["step"], contact=given, party=_party_in(ctx.text), for_signup=True)  # its number signs up
    if ctx.flow_data.get("current") is not None:
        return _offer(ctx, find_event(ctx.db, ctx.flow_data["current"]))
    who = " ".join(part for part in (given.get("name"), mask_mobile(given["mobile"])) if part)
    return ctx.reply("events.signup.which_for_contact", who=who)


def _signup_words(words: str) -> bool:
    """"报名", or "我再报一次" / "就报这个" once the filler words are out."""
    chat = guide.settings()["chat"]
    if words in chat["signup_words"]:
        return True
    for filler in sorted(chat["pick_filler_words"], key=len, reverse=True):
        words = words.replace(filler, "")
    return words in chat["signup_words"] or words in chat["pick_signup_words"]


def _offer_number(ctx, number: int):
    shown = ctx.flow_data["shown"]
    if not 1 <= number <= len(shown):
        return ctx.reply("paging.bad_number", number=number, last=len(shown))
    return _offer(ctx, find_event(ctx.db, shown[number - 1]))


def _sign_up_from_list(ctx):
    """"报名" or "报这个" for the event last opened, "报名 2", "报第二个" or "第二个报名" for the second in
    the list; None for anything else ("2个报名" may be two people: the place after the words needs 第)."""
    plain = re.sub(r"(?:吧|呢|啊|哈|嘛)+$", "", re.sub(r"[\s\W_]+", "", paging.with_digits(ctx.text)))
    found, after = _WORDS_AND_NUMBER.fullmatch(plain), _PLACE_THEN_WORDS.fullmatch(plain)
    words, number = ((found.group(1), int(found.group(2))) if found
                     else (after.group(2), int(after.group(1))) if after else (plain, None))
    if not _signup_words(words):
        return _sign_up_by_name(ctx, plain)
    if number is not None:
        return _offer_number(ctx, number)
    if ctx.flow_data["current"] is None:
        return ctx.reply("events.signup.which")
    return _offer(ctx, find_event(ctx.db, ctx.flow_data["current"]))


def _sign_up_by_name(ctx, plain: str):
    """"我想报名基层医生那个培训" in a list: the one listed event whose title has every part of
    what is left once the sign-up and filler words are taken out; None when that is not one event."""
    if not guide.mentions(plain, "signup_words"):
        return None
    parts = [part for part in _without_signup_words(plain).split() if len(part) >= 2]
    if not parts:
        return None
    shown = [find_event(ctx.db, event_id) for event_id in ctx.flow_data.get("shown", [])]
    named = [event for event in shown if event and all(part in event["title"] for part in parts)]
    return _offer(ctx, named[0]) if len(named) == 1 else None


# --- registering -------------------------------------------------------------------------------

@handles("event_signup", reads_only=True)
def sign_up(ctx):
    if fees.asks_event_fee(ctx.text):
        return fees.event_fee(ctx, ctx.text)
    if guide.mentions(ctx.text, "deadline_words"):  # "年会 报名截止了没": its detail says, no registration
        return show_events(ctx)
    fixing = fix_if_asked(ctx)
    if fixing is not None:  # "我报名时候手机号填错了": that registration's contact corrected
        return fixing
    if cancelling_counts_asked(ctx):
        return ctx.reply("events.signup.no_effect")
    if guide.mentions(ctx.text, "mine_words") or _asks_about_own(ctx):
        return _show_mine(ctx)
    if guide.mentions(ctx.text, "cancel_words"):
        return cancel(ctx)
    ahead = _events_ahead(ctx)
    back = _back_to_event_left(ctx)
    if back is not None:  # "先给我报上 王丽娟 135… 开封市…中学" after a side question: the event opened before it
        return back
    missing = _missing(ctx, ahead, SIGNUP_LISTING)
    if missing is not None:  # "我想报名那个无人机培训": none such, whatever else is a 培训
        return missing
    query, heading = _question(ctx)
    if query == guide.preview(date.today())[0]:  # "报名活动": every event still to come, not the month's preview
        query, heading = {**query, "to": None}, content.text("events.heading.upcoming", what=content.text("events.what.any"))
    found, said = list_events(ctx.db, query, 0, 2), ""
    if len(found) != 1:  # "报名实验室安全培训" among three trainings: the one its title names
        named = guide.titled(ahead(), ctx.text)
        found, said = ([named[0]], named[1]) if named else (found, "")
    if for_someone_else(ctx.text) and (_party_in(ctx.text) or 0) < 2:  # "算上我同事一共两个人": the member first
        return _sign_up_other(ctx, found[0]["id"] if len(found) == 1 and (said or guide.is_narrow(query)) else None)
    if len(found) == 1 and profile.asks_if_non_members_may(ctx.text):  # "非会员能参加年会吗": yes, with its fee
        event = found[0]
        _keep_open(ctx, event, query)
        return ctx.reply("events.signup.non_members", title=event["title"], fee=event["fee"] or content.text("events.none"))
    if len(found) == 1:
        return _offer(ctx, found[0], given=_contact_with_request(ctx.text, found[0], said), party=_party_in(ctx.text))
    return _show_list(ctx, query, heading, SIGNUP_LISTING)


def _contact_with_request(text: str, event: dict, said: str) -> dict:
    """The contact given with the request ("我要报名人工智能青年论坛 陈晓 河南科技大学 159…"): what is
    left once the event's name and the sign-up words are out; {} when that holds no mobile and no name."""
    rest = normalise(text)
    unit = unit_in(rest)
    for words in (w for w in (event["title"], said) if w and not (unit and w in unit and w != unit)):
        rest = rest.replace(words, " ")  # not out of the unit: "郑州示范新材料有限公司" beside 新材料 (the salon)
    given = _contact_in(_without_signup_words(rest))
    return given if given.get("mobile") or given.get("name") else {}


def _without_signup_words(text: str) -> str:
    """The text with its sign-up and filler words ("我想报名", "那个") made spaces, the longest first."""
    chat = guide.settings()["chat"]
    for word in sorted([*chat["signup_words"], *chat["filler_words"]], key=len, reverse=True):
        text = text.replace(word, " ")
    return text


def _known_person(ctx) -> dict | None:
    """Who registers: the member's own record, or what a follower gave last time; None: ask."""
    member = find_member_by_openid(ctx.db, ctx.openid)
    if member:
        return {"member_id": member["id"], "name": member["name"], "mobile": member["mobile"],
                "work_unit": member["work_unit"]}
    return last_contact(ctx.db, ctx.openid) or _contact_dropped(ctx)


def _contact_dropped(ctx) -> dict | None:
    """"报这个 信息跟刚才一样" after a registration was dropped: the contact given for it (kept a while by
    cancel); None when the member does not say so or no such registration was dropped."""
    if not guide.mentions(ctx.text, "same_contact_words"):
        return None
    kept = take_cancelled(ctx.redis, ctx.openid) or {}
    person = kept.get("data", {}).get("person") or {} if kept.get("name") == SIGNUP else {}
    return person if person.get("name") and person.get("mobile") else None


def _offer(ctx, event: dict, given: dict | None = None, party: int | None = None):
    """Ask to confirm a registration (or for the contact first); say so when there is nothing to confirm.
    `given`, `party`: the contact and how many come, said with the request."""
    people = _people_named(ctx.text)
    if len(people) > 1:  # "我们单位5个人：张伟138…，李娜139…": a list to check, none of them made the member
        return _start_party(ctx, event, people)
    mine = live_registration(ctx.db, event["id"], ctx.openid)
    if mine or _today() > last_signup_day(event):
        return ctx.reply("events.signup.cannot", title=event["title"], action=_action(ctx, event))
    listing = _open_list(ctx)
    given = {**((listing or {}).get("data", {}).get("contact") or {}), **(given or {})}  # under the list, or with the request
    party = party or (listing or {}).get("data", {}).get("party")
    person = _known_person(ctx)
    person = {**person, **given} if person and given and not person.get("member_id") else person
    if person is None and not (given.get("name") and given.get("mobile")):
        ctx.start_flow(SIGNUP, "contact", event=event["id"], person=given, listing=listing, party=party)
        if given:
            return ctx.reply(f"events.signup.ask_{'name' if given.get('mobile') else 'mobile'}", name=given.get("name"))
        asked = ctx.reply("events.signup.ask_contact", title=event["title"], waitlist=_waitlist_note(event))
        note = _party_note(ctx)  # "我和我同事两个人": each registers on their own, said first
        return Reply(text=note).with_note(asked.text) if note else asked
    person = person or {"member_id": None, "work_unit": None, **given}
    ctx.start_flow(SIGNUP, "confirm", event=event["id"], person=person, listing=listing, party=party)
    note = _party_note(ctx)  # "我们一共两个人": each registers on their own, said before the summary
    return Reply(text=note).with_note(_confirm_prompt(ctx).text) if note else _confirm_prompt(ctx)


def _end_signup(ctx) -> None:
    """The registration is done or dropped: the list it was started from is open again, so
    "报第二个" or "我再报一次第一个" still means that list (a paused form that waited comes first)."""
    listing = ctx.flow_data.get("listing")
    ctx.end_flow()
    if ctx.flow is None and listing:
        ctx.flow = listing


def _waitlist_note(event: dict) -> str:
    return content.text("events.signup.waitlist_note", waiting=event["waitlisted"]) if is_full(event) else ""


def _remark_in(text: str) -> str:
    """What a registrant adds beside the contact ("我22号下午才能到", "需要素食"): the clauses that say a
    time or a need (content/events.toml remark_marks), for the secretariat; "" when none."""
    marks = guide.settings()["chat"]["remark_marks"]
    clauses = re.split(r"[,，;；。\s]+", re.sub(r"备注\s*[:：]", " ", normalise(text)))  # "备注：下午才能到"
    return "，".join(clause for clause in clauses if clause and not _MOBILE.search(clause)
                    and not any(word in clause for word in ("手机", "电话", "号码", "编号", "微信号"))
                    and not asks_something(clause)  # "3.5号有活动没" asks
                    and (_DAY.search(clause) or any(mark in clause for mark in marks)))


_DAY = re.compile(r"(?:\d{1,2}|[一二三四五六七八九十]{1,3})[号日]")


def _confirm_prompt(ctx):
    event, person = find_event(ctx.db, ctx.flow_data["event"]), ctx.flow_data["person"]
    unit = content.text("events.signup.unit_line", unit=person["work_unit"]) if person.get("work_unit") else \
        "" if person.get("member_id") else content.text("events.signup.unit_missing_line")  # a follower's: asked for
    if ctx.flow_data.get("remark"):  # "我22号下午才能到": shown, passed on once registered
        unit += content.text("events.signup.remark_line", remark=ctx.flow_data["remark"])
    return ctx.reply("events.signup.confirm", title=event["title"], dates=guide.dates_text(event),
                     place=event["place"] or content.text("events.none"), fee=_fee_for(ctx, event),
                     name=person["name"], mobile=mask_mobile(person["mobile"]) if person.get("mobile") else "",
                     unit=unit, waitlist=_waitlist_note(event))


def _tries_yes_or_no(ctx) -> bool:
    return says_yes(ctx.text) or is_one_of(ctx.text, "no_words")  # yes: also "是的没错"


def _signup_question(text: str) -> dict | None:
    """"报培训要先交会费吗", "到时候在哪看 发链接吗", "培训费咋交" while registering: the question of
    content/replies/events.toml [[events.signup.questions]] it asks, or None."""
    return content.question_asked(content.replies()["events"]["signup"]["questions"], normalise(text))


def _asks_about_event(ctx) -> bool:
    """"这个会是几号开？", "要交钱吗", "能停车吗" while registering: a question about the event being
    registered for."""
    if fees.asks_for_invoice(ctx.text):  # "能开培训费发票吧": an invoice, answered as one (the form waiting)
        return False
    return _signup_question(ctx.text) is not None or bool(guide.mentions(ctx.text, "when_where_words") or guide.mentions(ctx.text, "money_words")
                or guide.mentions(ctx.text, "finer_detail_words")
                or guide.mentions(ctx.text, "lodging_words")) or fees.asks_event_fee(ctx.text)


def _event_facts(ctx, then) -> Reply:
    """The event's date, place and fee, then the question the registration is waiting on; a question the
    events' content answers ([[events.signup.questions]]) answered so instead."""
    asked = _signup_question(ctx.text)
    if asked is not None:
        own = fees.own_standing(ctx) if asked.get("own_dues") else None  # "我欠费了吗 欠费还能报名吗": both
        answer = asked["answer"].format(**content.society()["secretariat"])
        return Reply(text=f"{own}\n{answer}" if own else answer).with_note(then(ctx).text)
    event = find_event(ctx.db, ctx.flow_data["event"])
    facts = _facts(ctx, event)
    if guide.mentions(ctx.text, "lodging_words"):  # "需要住宿 两晚": the organisers', said so
        facts = facts.with_note(content.text("events.signup.lodging", **content.society()["secretariat"]))
    else:
        facts = _not_given_then(ctx, event, facts)
    return facts.with_note(then(ctx).text)


def _one_of_the_party(ctx) -> bool:
    """A member registering for more than one ("我们两个人") who then gives a name and mobile: the other
    person (the member's own contact is on record)."""
    party = ctx.flow_data.get("party") or 0
    return party > 1 and ctx.flow_data["person"].get("member_id") is not None and bool(_others_in(ctx.text))


def _tries_confirm(ctx) -> bool:
    """Yes or no, a correction of the contact ("手机号错了，应该是…", "单位是郑州大学"), or a question
    about the event; anything else is another request."""
    return _tries_yes_or_no(ctx) or _other_event_named(ctx) is not None or _mobile_by_tail(ctx) is not None or \
        _asks_about_event(ctx) or _party_in(ctx.text) is not None or _bad_mobile(ctx.text) or \
        bool(guide.mentions(ctx.text, "wrong_words")) or profile.says_not_a_member(ctx.text) or \
        for_someone_else(ctx.text) or _one_of_the_party(ctx) or bool(_remark_in(ctx.text)) or (
        not find_member_by_openid(ctx.db, ctx.openid) and bool(_contact_in(ctx.text)))


@step(SIGNUP, "confirm", reads_only=True, confirms=True, prompt=_confirm_prompt, tries=_tries_confirm, own_intents=("event_signup",))
def confirm(ctx):
    if says_yes(ctx.text):
        return _register(ctx, ctx.flow_data["event"], ctx.flow_data["person"])
    other = _other_event_named(ctx)
    if other is not None:  # "不是 我要线上那个": that event of the list instead, the contact kept
        return _switch_event(ctx, other)
    said = _mobile_by_tail(ctx)
    if said is not None:  # "电话改成尾号5678那个": the other number said with the contact
        ctx.goto("confirm", person={**ctx.flow_data["person"], "mobile": said})
        return ctx.reply("events.signup.corrected").with_note(_confirm_prompt(ctx).text)
    if profile.says_not_a_member(ctx.text):  # "不是会员" at the summary: the non-member's fee, noted for the secretariat
        remark, noted = ctx.flow_data.get("remark") or "", content.text("events.signup.non_member_remark")
        ctx.goto("confirm", remark=remark if noted in remark else "，".join(r for r in (remark, noted) if r))
        event = find_event(ctx.db, ctx.flow_data["event"])
        return ctx.reply("events.signup.non_member", fee=event["fee"] or content.text("events.none")).with_note(
            _confirm_prompt(ctx).text)
    if guide.mentions(ctx.text, "wrong_words") and not _contact_in(ctx.text):  # "不对": what is wrong, not dropped
        return ctx.reply("events.signup.what_wrong").with_note(_confirm_prompt(ctx).text)
    if _bad_mobile(ctx.text):  # "my mobile is 1390371": said wrong here, the card kept
        return ctx.reply("validation.mobile").with_note(_confirm_prompt(ctx).text)
    if is_one_of(ctx.text, "no_words"):
        _end_signup(ctx)
        return ctx.reply("events.signup.not_now")
    if _asks_about_event(ctx):
        return _event_facts(ctx, _confirm_prompt)
    if for_someone_else(ctx.text) or _one_of_the_party(ctx):  # "还有我同事张伟也要去", "另一个是我学生吴昊 158…"
        return _colleague_then(ctx, _confirm_prompt)
    given = _contact_in(ctx.text) if not find_member_by_openid(ctx.db, ctx.openid) else {}
    party = _party_in(ctx.text)
    if given or party:
        ctx.goto("confirm", person={**ctx.flow_data["person"], **given}, party=party or ctx.flow_data.get("party"))
        said = ctx.reply("events.signup.corrected") if given else Reply(
            text=_party_note(ctx) or content.text("events.signup.party_one"))
        return said.with_note(_confirm_prompt(ctx).text)
    remark = _remark_in(ctx.text)
    if remark:  # "我想加个备注：需要素食": kept with the registration (beside one said before), the summary again
        ctx.goto("confirm", remark="，".join(r for r in (ctx.flow_data.get("remark"), remark) if r))
        return ctx.reply("events.signup.remark_added").with_note(_confirm_prompt(ctx).text)
    if is_one_of(ctx.text, "nothing_more_words"):  # "没有备注": the registration still waits for a yes
        return ctx.reply("events.signup.nothing_more").with_note(_confirm_prompt(ctx).text)
    if guide.mentions(ctx.text, "acknowledge_words") and not looks_like_a_question(ctx.text):
        return ctx.reply("events.signup.one_more_step").with_note(_confirm_prompt(ctx).text)  # "好的知道了": not yet
    if ctx.intent is None or ctx.intent.name == "unknown":  # no request either: the registration kept, not the menu
        return ctx.reply("flow.not_understood").with_note(_confirm_prompt(ctx).text)
    if ctx.intent.name == "event_signup" and _event_meant(ctx) == ctx.flow_data["event"]:
        return _confirm_prompt(ctx)  # "报名南阳培训" again: this one, with the name and mobile given
    return answer_while_paused(ctx, lambda: answer_intent(ctx))  # another request: answered, the registration waits


def _event_meant(ctx) -> int | None:
    """The one event ahead a message names, by its title or by what it asks for ("南阳培训"); None otherwise."""
    named = guide.titled(_events_ahead(ctx)(), ctx.text)
    if named:
        return named[0]["id"]
    query, _ = _question(ctx)
    found = list_events(ctx.db, query, 0, 2) if query.get("word") or query.get("type") else []
    return found[0]["id"] if len(found) == 1 else None


_PARTY = re.compile(r"([一二两俩三四五六七八九十\d]{1,2})(?:个|位|名)?人|(?:我们|咱们|咱)(俩)|(\d{1,2}) ?(?:people|persons?)\b",
                    re.IGNORECASE)
_ENGLISH_NAME = re.compile(r"\b(?:name(?: is)?|i am|i'm)\s*:?\s*([A-Za-z][A-Za-z'.-]*(?: [A-Za-z][A-Za-z'.-]*){0,3}?)\s*(?=,|;|\.|$| phone| mobile| tel)",
                           re.IGNORECASE)
_COUNTS = {"一": 1, "二": 2, "两": 2, "俩": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9, "十": 10}


def _party_in(text: str) -> int | None:
    """"就我一个人", "我们科室去三个人", "一共3人", "我们俩": how many people come; None if unsaid."""
    found = _PARTY.search(normalise(text).replace(" ", ""))
    if found is None:
        return None
    count = found.group(1) or found.group(2) or found.group(3)
    return int(count) if count.isdigit() else _COUNTS.get(count)


def _without_party(text: str) -> str:
    """The message without the clause that says how many come ("就我自己一个人"): no part of a name."""
    return " ".join(clause for clause in re.split(r"[\s,，;；、。]+", text) if clause and not _PARTY.search(clause))


def _party_note(ctx) -> str:
    """Each person registers on their own (one check-in code each): said once when more are coming; to a
    follower, that the names and mobiles of all of them may come in one message."""
    party = ctx.flow_data.get("party")
    if not party or party < 2:
        return ""
    # a follower asked for the contact yet: the whole list may come, to be checked and submitted (step party)
    asking = ctx.flow and ctx.flow["step"] == "contact" and not find_member_by_openid(ctx.db, ctx.openid)
    note = "party_list_note" if asking else "party_note"
    return content.text(f"events.signup.{note}", count=party, **content.society()["secretariat"])


_MOBILE_SAID = re.compile(r"手机|电话|号码|mobile|phone", re.IGNORECASE)


def _bad_mobile(text: str) -> bool:
    """"my mobile is 1390371", "手机号应该是1390371": a mobile given at the card that is none (too short, too long)."""
    plain = normalise(text)
    return bool(_MOBILE_SAID.search(plain)) and re.search(r"\d{5,}", re.sub(r"[\s-]", "", plain)) is not None \
        and mobile_and_rest(plain)[0] is None


def _contact_in(text: str) -> dict:
    """What a message gives of a registrant: its mobile, the unit it names ("在河南省科学院工作"),
    and the name said with it ("我叫黄磊，手机…", or a name alone); {} when none of them. How many
    people come ("就我一个人", "我们三个") is no part of the name (_party_in)."""
    text = _without_party(normalise(text))
    given = {}
    mobile, text = mobile_and_rest(text)  # also one read out ("手机幺三八 三七九八 六五四三")
    if mobile:
        given["mobile"] = mobile
    labelled = {found["label"]: found["value"] for found in _LABELLED.finditer(text)}
    if labelled:  # "姓名：程浩然，单位：郑州智芯科技有限公司": what each label says, nothing guessed
        name = next((value for label, value in labelled.items() if label in ("姓名", "名字") and tries_value("name", value)),
                    None)
        unit = next((value for label, value in labelled.items() if "单位" in label), None)
        return {**given, **({"name": name} if name else {}), **({"work_unit": unit} if unit else {})}
    english = _ENGLISH_NAME.search(text)  # "Name: Michael Chen, phone 138…"
    if english:
        given["name"] = english.group(1).strip()
        return given
    unit = unit_in(text)
    if unit:
        given["work_unit"] = unit
    clauses = [clause for clause in re.split(r"[\s,，;；、:：。]+", text)
               if clause and not (unit and unit in clause) and not _MOBILE_WORDS.fullmatch(clause)]
    rest = " ".join(clauses)
    if rest and not asks_something(rest) and (tries_value("name", rest) or re.search(r"我叫|我是|俺叫|俺是|姓名|名字", rest)):
        try:
            name = name_in(rest)
            if tries_value("name", name):  # "我是中原科技的联系人 想给…报名": no name in it, not all of it a name
                given["name"] = name
        except Invalid:
            pass
    names = [clause for clause in clauses if "name" not in given and tries_value("name", clause)]
    if names:  # "冯静 … 我22号下午才能到": the clause that is a name, the remark beside it no part of it
        try:
            given["name"] = name_in(names[0])
        except Invalid:
            pass
    return given


def _is_bare_yes(text: str, title: str) -> bool:
    """A yes ("确认", "对对 就是学术年会": the event `title` named again) and nothing more: said at the
    contact question by a message that gives no mobile."""
    said = re.sub(r"就是|这个|那个", "", normalise(text))
    said = "".join(char for char in said if char not in title)  # "对对 就是学术年会": the event named again
    return bool(said.strip()) and says_yes(said)


def _asks_about_own_here(ctx) -> bool:
    """"我之前是不是报过这个", "报过了就不用再报了吧" while giving a contact: whether the member is registered
    already, with no mobile given."""
    return bool(guide.mentions(ctx.text, "mine_words")) and not _MOBILE.search(normalise(ctx.text))


def _tries_contact(ctx) -> bool:
    """A mobile, a name or a unit: "张为民" is kept and the mobile asked, "郑州有没有算法的工作" is
    another request (answered, the registration paused), not a bad mobile number; a question
    about the event is answered here."""
    text = normalise(ctx.text)
    if is_one_of(text, "resume_words") or continue_said(text):  # "好 继续报": the question again
        return False
    if _asks_about_own_here(ctx) or _other_event_named(ctx) is not None:  # "我之前是不是报过这个", "不是 我要线上那个"
        return True
    return (tries_value("mobile", text) or tries_value("name", text) or bool(_contact_in(text))
            or _asks_about_event(ctx) or _party_in(text) is not None or for_someone_else(text)
            or _is_bare_yes(text, find_event(ctx.db, ctx.flow_data["event"])["title"]))


@step(SIGNUP, "contact", reads_only=True, prompt="events.signup.contact_prompt", tries=_tries_contact,
      own_intents=("event_signup",))
def contact(ctx):
    """Name and mobile (a unit too, if given) in one message or several; then the summary to confirm."""
    other = _other_event_named(ctx)
    if other is not None:  # "不是 我要线上那个": that event of the list instead
        return _switch_event(ctx, other)
    given = _contact_in(ctx.text)
    if _asks_about_event(ctx) and not given:
        return _event_facts(ctx, lambda ctx: ctx.reply("events.signup.contact_prompt"))
    if _asks_about_own_here(ctx):  # "我之前是不是报过这个": the member's registrations, the contact asked again
        return _show_mine(ctx).with_note(content.text("events.signup.contact_prompt"))
    if for_someone_else(ctx.text):  # "帮我同事也报一个 他叫张伟 139…": the colleague's request, then the member's own
        return _colleague_then(ctx, lambda ctx: ctx.reply("events.signup.contact_prompt"))
    people = _people_named(ctx.text)
    if len(people) > 1:  # a list of people with their mobiles: shown back to check, then to the secretariat
        return _start_party(ctx, find_event(ctx.db, ctx.flow_data["event"]), people)
    if not given.get("mobile"):  # "对对 就是学术年会", "确认" before any name or mobile: what is still needed
        title = find_event(ctx.db, ctx.flow_data["event"])["title"]
        if _is_bare_yes(ctx.text, title):
            return ctx.reply("events.signup.contact_still_needed", title=title)
    party = _party_in(ctx.text)
    if party:
        ctx.goto("contact", party=party)
    remark = _remark_in(ctx.text)
    if remark:
        ctx.goto("contact", remark=remark)
    person = {**ctx.flow_data.get("person", {}), **given}
    said = [*ctx.flow_data.get("mobiles_said", []), *(mobile_in(found.group()) for found in _MOBILE.finditer(normalise(ctx.text)))]
    ctx.goto("contact", person=person, mobiles_said=said)  # "另一个136…也行": kept, "改成尾号5678那个" picks it
    missing = [key for key in ("name", "mobile") if not person.get(key)]
    if missing == ["name", "mobile"]:
        if party:  # "我们三个人": the note on registering each, then the contact asked
            return Reply(text=_party_note(ctx) or content.text("events.signup.party_one")).with_note(
                content.text("events.signup.contact_prompt"))
        return ctx.reply("events.signup.bad_contact", problem=content.text("validation.mobile"))
    if missing:
        return ctx.reply(f"events.signup.ask_{missing[0]}", name=person.get("name"))
    ctx.goto("confirm", person={"member_id": None, "work_unit": None, **person})
    return _confirm_prompt(ctx)


def _other_event_named(ctx) -> int | None:
    """"不是 我要线上那个", "不对 是郑州那个" while registering: another event of the list the registration was started
    from, named by what it is called (bot/paging.named_entry) after the member takes the first back; None otherwise."""
    listing = ctx.flow_data.get("listing")
    said = _TAKEN_BACK.match(normalise(ctx.text))
    if not listing or said is None or not listing["data"].get("shown"):
        return None
    registering = ctx.flow
    ctx.flow = listing
    try:
        with ctx.read_as(text=ctx.text[said.end():] if said.end() <= len(ctx.text) else ""):
            referred = paging.named_entry(ctx, ("events", SIGNUP))
    finally:
        ctx.flow = registering
    if referred is None or referred[1]:
        return None
    event_id = listing["data"]["shown"][referred[0] - 1]
    return event_id if event_id != ctx.flow_data["event"] else None


_TAKEN_BACK = re.compile(r"(?:不是|不对|错了|报错了|选错了)[\s,，。]*(?:我要|我想报|要报|报)?")


def _mobile_by_tail(ctx) -> str | None:
    """"电话改成尾号5678那个": the one mobile said with the contact that ends so, if it is not the one kept."""
    tail = re.search(r"尾号(?:是|为)?\s*(\d{4})(?!\d)", normalise(ctx.text))
    said = [mobile for mobile in ctx.flow_data.get("mobiles_said", []) if tail and mobile and mobile.endswith(tail.group(1))]
    return said[0] if len(set(said)) == 1 and said[0] != ctx.flow_data["person"].get("mobile") else None


def _switch_event(ctx, event_id: int) -> Reply:
    """The registration moved to another event of the same list, with the contact given so far."""
    person = {key: value for key, value in (ctx.flow_data.get("person") or {}).items() if value and key != "member_id"}
    _end_signup(ctx)
    return _offer(ctx, find_event(ctx.db, event_id), given=person)


def _own_price(ctx, event: dict) -> dict | None:
    """What the member registering in chat pays for the event (handlers/events/fees.due); None when it is free."""
    return event_fees.due(event, date.today(), find_member_by_openid(ctx.db, ctx.openid))


def _fee_for(ctx, event: dict) -> str:
    """The fee line of the confirmation: this member's own price where the event is priced, else its fee text."""
    price = _own_price(ctx, event)
    if price is None:
        return event["fee"] or content.text("events.none")
    return content.text("events.signup.fee_own", type=price["type"], amount=dues.format_amount(price["yuan"]))


def _with_fee_to_pay(ctx, reply: Reply, event: dict, registration: dict) -> Reply:
    """A registration for a priced event: its fee kept with it (the event page then offers to pay it) and
    the member told how much and how to pay: online on the event page, or as the secretariat says."""
    price = _own_price(ctx, event)
    if price is None:
        return reply
    event_payments.set_fee(ctx.db, registration["id"], price["type"], price["fen"])
    fields = {"type": price["type"], "amount": dues.format_amount(price["yuan"]), **content.society()["secretariat"]}
    if not ctx.config.pay_enabled:
        return reply.with_note(content.text("events.signup.fee_offline", **fields))
    return with_page_link(reply.with_note(content.text("events.signup.fee_online", **fields)), ctx.config,
                          "event_pay", f"/m/events/{event['event_no']}")


def _register(ctx, event_id: int, person: dict):
    party_note, remark = _party_note(ctx), ctx.flow_data.get("remark")
    _end_signup(ctx)
    if _open_list(ctx):
        ctx.goto(paging.STEP, registered=event_id)  # "帮我同事也报一个" next: this event
    try:
        registration = register(ctx.db, event_id, ctx.openid, person, _today())
    except Refused as refused:
        return ctx.reply(f"events.refused.{refused.reason}", **refused.facts)
    event = find_event(ctx.db, event_id)
    facts = {"title": event["title"], "dates": guide.dates_text(event), "place": event["place"] or ""}
    if remark:  # "我22号下午才能到": for the secretariat, with whose registration it is
        create_ticket(ctx.db, ctx.openid, content.text("events.signup.remark_category"),
                      content.text("events.signup.remark_ticket", title=event["title"], name=person.get("name") or "",
                                   mobile=person.get("mobile") or "", remark=remark))
    if registration["status"] == REGISTERED:
        registered = _with_fee_to_pay(ctx, ctx.reply("events.signup.registered", code=registration["checkin_code"],
                                                      **facts), event, registration)
        if party_note:  # "我们单位去3个人": the others' names and mobiles may come next
            ctx.start_flow(SIGNUP, "others_next", event=event_id, listing=_open_list(ctx))
            return registered.with_note(party_note)
        member = profile.unbound_member_given(ctx, person.get("name"), person.get("mobile"))
        return registered.with_note(profile.offer_binding(ctx, member)) if member else registered
    return ctx.reply("events.signup.waitlisted", position=waitlist_position(ctx.db, registration), **facts)


# --- registering someone else: sent to the secretariat --------------------------------------------

def for_someone_else(text: str) -> bool:
    """"帮我同事也报一个", "替我们主任报名": a registration for another person, whom a registration by this
    WeChat cannot hold (one per member and event, with the member's own name)."""
    return guide.mentions(text, "for_others_words") is not None and (
        "报" in text or _MOBILE.search(normalise(text)) is not None or asks_something(text))  # "我能再带个人吗"


def _others_in(text: str) -> list[dict]:
    """The people a message names with their mobiles ("张伟 13912345678，李娜 13812345678", "李文博教授 136…，
    博士生郭雨涵 150…"), and, beside at least one of those, the people it lists without one ("…，硕士生丁浩"): their
    mobile "" (the secretariat asks them)."""
    people, rest, start = [], normalise(text), 0
    for found in _MOBILE.finditer(rest):
        before = rest[:found.start()]
        name = re.findall(r"([\u4e00-\u9fff]{2,9})(?:的手机|手机号?|电话|：|:|\s|,|，)*$", before)
        said = _without_roles(name[-1]) if name else ""
        if _a_unit(said):  # "赵丽 郑州大学 138…": the person's unit said between the name and the mobile
            said = next((clause for clause in reversed(re.split(r"[\s,，;；、。:：]+", before[start:]))
                         if clause and not _a_unit(clause) and tries_value("name", clause)), said)
        start = found.end()
        said = _name_of(said) or said[-4:]  # "…人民医院 138…": no name before the mobile
        people.append({"name": said, "mobile": re.sub(r"\D", "", found.group())[-11:]})
        rest = rest[:found.start()] + " " * (found.end() - found.start()) + rest[found.end():]
    words = guide.settings()["chat"]["for_others_words"]
    for person in people:
        for word in sorted(words, key=len, reverse=True):
            person["name"] = person["name"].replace(word, "")
        person["name"] = re.sub(r"^(?:他叫|她叫|叫|是|他|她)", "", person["name"])
    people = [person for person in people if person["name"]]
    named = {person["name"] for person in people}
    listed = [_without_roles(clause) for clause in re.split(r"[\s,，;；、。]+", rest) if clause and not _a_unit(clause)]
    if not people or not all(tries_value("name", person["name"]) for person in people):
        return people
    listed = [_name_of(name) for name in listed]
    return people + [{"name": name, "mobile": ""} for name in dict.fromkeys(listed) if name and name not in named]


def _a_unit(words: str) -> bool:
    """"郑州大学", "开封市第二十五中学": a clause that is a unit's name (content unit_endings), which a
    surname at its start ("郑…") does not make a person's."""
    return bool(words) and unit_in(words) == words


def _name_of(words: str) -> str | None:
    """"第三个是刘会", "同事叫高会娟", "李娜": the name, without what leads to it; None when no name is said."""
    called = re.sub(r"^.*?(?:叫|是)", "", words)
    return next((name for name in (called, words) if name and tries_value("name", name)), None)


def _without_roles(words: str) -> str:
    """"李文博教授" -> "李文博", "博士生郭雨涵" -> "郭雨涵": a name without the role said before or after it
    (content/events.toml role_words)."""
    roles = "|".join(map(re.escape, sorted(guide.settings()["chat"]["role_words"], key=len, reverse=True)))
    return re.sub(rf"^(?:{roles})+|(?:{roles})+$", "", words) or words


def _sign_up_other(ctx, event_id: int | None):
    """The colleague's name and mobile for the event: taken to the secretariat as a request (a ticket),
    or asked for; which event, when none is known (nor the one the member is registered for)."""
    event_id = event_id if event_id is not None else _only_registration(ctx)
    if event_id is None:
        return ctx.reply("events.signup.other_which")
    listing = _open_list(ctx)
    ctx.start_flow(SIGNUP, "other", event=event_id, listing=listing)
    people = _others_in(ctx.text)
    if people:
        return _take_others(ctx, people)
    event = find_event(ctx.db, event_id)
    asked = ctx.reply("events.signup.other_ask", title=event["title"])
    if not (profile.asks_if_non_members_may(ctx.text) or guide.mentions(ctx.text, "money_words")):
        return asked
    # "她不是会员 能报吗 要钱不": yes, and the fee, before her name and mobile are asked for
    return ctx.reply("events.signup.others_may", title=event["title"],
                     fee=event["fee"] or content.text("events.none")).with_note(asked.text)


def _wrong_mobile(text: str) -> str | None:
    """A run of digits said as a mobile that is none ("周敏 1377777888", a digit short), or None."""
    return next((run for run in re.findall(r"\d{7,}", re.sub(r"[\s-]", "", normalise(text))) if not _MOBILE.fullmatch(run)),
                None)


def _others_taken(ctx, event: dict, people: list[dict]) -> Reply:
    """The people to register sent to the secretariat as a request (a ticket), and said so; a mobile given
    wrong ("周敏 1377777888", a digit short) is asked again first, nothing passed on yet."""
    wrong = _wrong_mobile(ctx.text)
    if wrong is not None:
        _end_signup(ctx)
        ctx.start_flow(SIGNUP, "other", event=event["id"], listing=_open_list(ctx))
        return ctx.reply("events.signup.others_bad_mobile", mobile=wrong, digits=len(wrong))
    people, already = _not_passed_on(ctx, event, people)
    if not people:  # all of them asked for before: the request that has them, no second one
        return ctx.reply("events.signup.others_already", people=already, title=event["title"],
                         **content.society()["secretariat"])
    lines = "、".join(f"{p['name']} {p['mobile'] or content.text('events.signup.no_mobile')}" for p in people)
    ticket_no = create_ticket(ctx.db, ctx.openid, content.text("events.signup.other_category"),
                              content.text("events.signup.other_ticket", title=event["title"],
                                           event_no=event["event_no"], people=lines))
    shown = "、".join(f"{p['name']}（{mask_mobile(p['mobile']) if p['mobile'] else content.text('events.signup.no_mobile')}）"
                     for p in people)
    taken = ctx.reply("events.signup.other_taken", people=shown, title=event["title"], ticket_no=ticket_no,
                      **content.society()["secretariat"])
    return taken.with_note(content.text("events.signup.others_already", people=already, title=event["title"],
                                        **content.society()["secretariat"])) if already else taken


def _not_passed_on(ctx, event: dict, people: list[dict]) -> tuple[list[dict], str]:
    """Those of `people` no request still waiting asks the secretariat to register for `event`, and those it does, said
    ("" for none)."""
    earlier = [(t["ticket_no"], _people_listed(t["people"])) for t in _put_forward(ctx) if t["event_no"] == event["event_no"]]
    passed_on = {p["name"]: next((ticket_no for ticket_no, listed in earlier if _one_of(p, listed)), None)
                 for p in people}
    return [p for p in people if passed_on[p["name"]] is None], _already_passed_on(people, passed_on)


def _one_of(person: dict, listed: list[dict]) -> bool:
    """A colleague is one of those a 代报名 request lists by the same mobile, or by the whole name when he has no
    mobile given (王伟 is not 王伟东)."""
    return any(person["mobile"] == other["mobile"] if person["mobile"] else person["name"] == other["name"]
               for other in listed)


def _already_passed_on(people: list[dict], passed_on: dict) -> str:
    """"陈晨（136****0011）、刘芳（138****0012）已在 FK…0001 中": those of `people` asked for before, by request."""
    by_ticket: dict[str, list[str]] = {}
    for p in people:
        if passed_on[p["name"]] is not None:
            shown = f"{p['name']}（{mask_mobile(p['mobile']) if p['mobile'] else content.text('events.signup.no_mobile')}）"
            by_ticket.setdefault(passed_on[p["name"]], []).append(shown)
    return "；".join(content.text("events.signup.already_in", people="、".join(names), ticket_no=ticket_no)
                    for ticket_no, names in by_ticket.items())


def _take_others(ctx, people: list[dict]) -> Reply:
    """The colleagues passed on; the next message may still name more of them (others_next)."""
    event = find_event(ctx.db, ctx.flow_data["event"])
    listing = ctx.flow_data.get("listing")
    _end_signup(ctx)
    if ctx.flow is None or ctx.flow is listing:
        ctx.start_flow(SIGNUP, "others_next", event=event["id"], listing=listing)
    return _others_taken(ctx, event, people)


# --- several people in one message: a list checked, corrected, then passed on ---------------------------

PARTY = "party"  # the step holding a list of people to register together


def _start_party(ctx, event: dict, people: list[dict]) -> Reply:
    """"先报三个：李明 138…，周晓雯 138…，都是…研究院的": the people kept as one list (step party), shown back
    with what they pay, to be corrected ("马强去不了了", "周晓雯电话错了 是…") and submitted; a mobile said
    wrong is asked again first, as for one colleague."""
    listing = ctx.flow_data.get("listing") if ctx.flow and ctx.flow["name"] == SIGNUP else _open_list(ctx)
    if _wrong_mobile(ctx.text) is not None:
        return _others_taken(ctx, event, people)
    left, already = _not_passed_on(ctx, event, people)
    if already and len(left) < 2:  # the others asked for before: the one left (or none) passed on as one colleague is
        return _others_taken(ctx, event, people)
    unit = _party_unit(ctx.text)
    ctx.start_flow(SIGNUP, PARTY, event=event["id"], listing=listing,
                   people=[{"name": p["name"], "mobile": p["mobile"], "work_unit": unit} for p in left])
    listed = _party_prompt(ctx)
    return Reply(text=content.text("events.signup.others_already", people=already, title=event["title"],
                                   **content.society()["secretariat"])).with_note(listed.text) if already else listed


def _people_named(text: str) -> list[dict]:
    """The people a message names (_others_in) when every one is named: "杜凯 138…，另一个136…也行" is one person
    with a second number, no list of two."""
    people = _others_in(text)
    return people if all(tries_value("name", person["name"]) for person in people) else []


def _party_unit(text: str) -> str:
    """The unit a list says everyone is from ("都是河南示范建筑设计研究院的", "单位：郑州示范工程设计研究院"); ""."""
    marks = "|".join(map(re.escape, sorted(guide.settings()["chat"]["party_unit_marks"], key=len, reverse=True)))
    said = re.search(rf"(?:{marks})\s*[:：]?\s*([^\s,，;；。]+)", normalise(text))
    return (unit_in(said.group(1).rstrip("的")) or "") if said else ""


def _party_prompt(ctx) -> Reply:
    event, people = find_event(ctx.db, ctx.flow_data["event"]), ctx.flow_data["people"]
    lines = "\n".join(content.text("events.signup.party_line", number=number, name=person["name"],
                                    mobile=mask_mobile(person["mobile"]) if person["mobile"] else content.text("events.signup.no_mobile"),
                                    unit=content.text("events.signup.party_unit", unit=person["work_unit"]) if person.get("work_unit") else "")
                       for number, person in enumerate(people, 1))
    return ctx.reply("events.signup.party_summary", title=event["title"], dates=guide.dates_text(event),
                     place=event["place"] or content.text("events.none"), count=len(people), people=lines,
                     fee=_party_fee(ctx, event, people))


def _party_fee(ctx, event: dict, people: list[dict]) -> str:
    """What the list pays: each person at the members' price when the roster holds them (mobile and name) in good
    standing, else the price for everyone else; the event's fee text when it is free."""
    today, prices = date.today(), []
    for person in people:
        member = next((m for m in find_members_by_mobile(ctx.db, person["mobile"]) if m["name"] == person["name"]), None) \
            if person["mobile"] else None
        prices.append(event_fees.due(event, today, member))
    if not any(prices):
        return event["fee"] or content.text("events.none")
    total = dues.format_amount(sum(price["yuan"] for price in prices if price))
    kinds = {(price["type"], price["yuan"]) for price in prices if price}
    if len(kinds) == 1 and all(prices):
        return content.text("events.signup.party_fee_each", amount=dues.format_amount(prices[0]["yuan"]), total=total)
    parts = "；".join(content.text("events.signup.party_fee_part", type=kind, amount=dues.format_amount(yuan),
                                  names="、".join(p["name"] for p, price in zip(people, prices)
                                                 if price and (price["type"], price["yuan"]) == (kind, yuan)))
                     for kind, yuan in sorted(kinds, key=lambda k: k[1]))
    return content.text("events.signup.party_fee_total", parts=parts, total=total)


def _party_changed(text: str, people: list[dict]) -> list[dict] | None:
    """The list as a message changes it, or None when it changes nothing: someone added ("再加一个 孙浩 138…"),
    dropped ("马强去不了了", "第三个不去了"), swapped ("把王磊换成刘洋 电话一样", "李娜那天值班 换成郑芳 137…"),
    renamed ("张博文的名字打错了 是张博闻") or given another mobile ("周晓雯电话错了 是138…", "黄河那个电话后四位是4445");
    everyone's unit said ("单位都是虞城县人民医院")."""
    chat, plain = guide.settings()["chat"], paging.with_digits(normalise(text))
    who = _party_person(plain, people)
    if who is None:
        for word in sorted(chat["party_add_words"], key=len, reverse=True):
            plain = plain.replace(word, " ")
        known = {person["mobile"] for person in people if person["mobile"]}
        added = [person for person in _others_in(plain) if person["mobile"] and person["mobile"] not in known]
        unit = _party_unit(text)
        if added:
            return people + [{**person, "work_unit": unit or people[-1].get("work_unit", "")} for person in added]
        return [{**person, "work_unit": unit} for person in people] if unit and not _MOBILE.search(plain) else None
    index, said = who
    person, rest = people[index], plain.replace(said, " ", 1)
    # "第四个是139…1114 不是139…1141": the number said that is not the one listed
    mobile = next((number for number in map(mobile_in, re.findall(_MOBILE.pattern, rest)) if number != person["mobile"]), None)
    new_name = _new_name(rest, person["name"])
    swapped = any(word in rest for word in chat["party_swap_words"])
    if any(word in rest for word in chat["party_leave_words"]) and not (swapped and new_name):
        return people[:index] + people[index + 1:]
    tail = re.search(r"(?:后|尾号)[四4]位(?:数)?(?:是|为|改成|应该是)?\s*(\d{4})|尾号(?:是|为)?\s*(\d{4})", rest)
    if new_name and (swapped or not mobile):
        changed = {**person, "name": new_name, "mobile": mobile or person["mobile"]}
    elif mobile:
        changed = {**person, "mobile": mobile}
    elif tail and person["mobile"]:
        changed = {**person, "mobile": person["mobile"][:-4] + (tail.group(1) or tail.group(2))}
    else:
        return None
    return people[:index] + [changed] + people[index + 1:]


def _party_person(plain: str, people: list[dict]) -> tuple[int, str] | None:
    """The one of the list a message names, by name or by place ("第三个人"), with the words naming them."""
    named = sorted(((plain.find(person["name"]), index, person["name"]) for index, person in enumerate(people)
                    if person["name"] and person["name"] in plain))
    if named:
        return named[0][1], named[0][2]
    place = re.search(r"第(\d{1,2})(?:个|位|名)?人?", plain)
    if place and 1 <= int(place.group(1)) <= len(people):
        return int(place.group(1)) - 1, place.group()
    return None


def _new_name(rest: str, old: str) -> str | None:
    """The name said after 是 / 改成 / 换成 in the rest of a message ("的名字打错了 是张博闻"), not the old one."""
    marks = "|".join(map(re.escape, sorted(guide.settings()["chat"]["party_new_name_marks"], key=len, reverse=True)))
    for found in re.finditer(rf"(?:{marks})\s*([\u4e00-\u9fff]{{2,4}}?)(?=$|[\s,，;；。\d]|电话|手机|号码|名字|的|吧|了|也|他|她)",
                             rest):
        if found.group(1) != old and tries_value("name", found.group(1)):
            return found.group(1)
    return None


def _submits(text: str) -> tuple[bool, str]:
    """Whether a message submits the list ("没问题了 提交", "行 先提交", "确认提交 发票开一张郑州大学的"), and what
    else it says: the clauses that are no yes, "" when none."""
    clauses = statement_clauses(normalise(text))
    yes = [clause for clause in clauses if says_yes(clause) or says_yes(clause.lstrip("先就那"))]
    return bool(yes), " ".join(clause for clause in clauses if clause not in yes)


def _tries_party(ctx) -> bool:
    return _party_changed(ctx.text, ctx.flow_data["people"]) is not None or _submits(ctx.text)[0] or \
        bool(_others_in(ctx.text)) or _asks_about_event(ctx)


@step(SIGNUP, PARTY, reads_only=True, confirms=True, prompt=_party_prompt, tries=_tries_party, own_intents=("event_signup",))
def party(ctx):
    """The list of people registering together: corrected, submitted (to the secretariat, as a ticket), or dropped."""
    changed = _party_changed(ctx.text, ctx.flow_data["people"])
    if changed is not None and changed:
        ctx.goto(PARTY, people=changed)
        return ctx.reply("events.signup.party_changed").with_note(_party_prompt(ctx).text)
    if changed == []:  # the last one dropped: nobody left to register
        _end_signup(ctx)
        return ctx.reply("events.signup.party_dropped")
    submitted, rest = _submits(ctx.text)
    if submitted:
        taken = _submit_party(ctx)
        if not rest:
            return taken
        with ctx.read_as(route(rest), rest):  # "行 提交 能对公转账不": the question answered too
            return Reply(text=taken.text).with_note(answer_intent(ctx).text)
    if is_one_of(ctx.text, "no_words"):
        _end_signup(ctx)
        return ctx.reply("events.signup.party_dropped")
    if _asks_about_event(ctx):
        return _event_facts(ctx, _party_prompt)
    if ctx.intent is None or ctx.intent.name == "unknown":
        return ctx.reply("flow.not_understood").with_note(_party_prompt(ctx).text)
    return answer_while_paused(ctx, lambda: answer_intent(ctx))


def _submit_party(ctx) -> Reply:
    """The list passed to the secretariat to register (one ticket), and the member told who and what they pay."""
    event, people = find_event(ctx.db, ctx.flow_data["event"]), ctx.flow_data["people"]
    fee = _party_fee(ctx, event, people)
    _end_signup(ctx)
    lines = "、".join(f"{p['name']} {p['mobile'] or content.text('events.signup.no_mobile')}"
                     + (f"（{p['work_unit']}）" if p.get("work_unit") else "") for p in people)
    ticket_no = create_ticket(ctx.db, ctx.openid, content.text("events.signup.other_category"),
                              content.text("events.signup.party_ticket", title=event["title"], event_no=event["event_no"],
                                           count=len(people), people=lines, fee=fee))
    shown = "、".join(f"{p['name']}（{mask_mobile(p['mobile']) if p['mobile'] else content.text('events.signup.no_mobile')}）"
                     for p in people)
    return ctx.reply("events.signup.party_taken", title=event["title"], dates=guide.dates_text(event),
                     place=event["place"] or content.text("events.none"), count=len(people), people=shown, fee=fee,
                     ticket_no=ticket_no, **content.society()["secretariat"])


def _colleague_then(ctx, then) -> Reply:
    """A colleague named while the member's own registration waits: the colleague's request taken, the
    member's own question asked again."""
    people = _others_in(ctx.text)
    if not people:
        return ctx.reply("events.signup.other_later").with_note(then(ctx).text)
    return _others_taken(ctx, find_event(ctx.db, ctx.flow_data["event"]), people).with_note(then(ctx).text)


def _tries_others(ctx) -> bool:
    return bool(_MOBILE.search(normalise(ctx.text))) or tries_value("name", ctx.text)


@step(SIGNUP, "other", reads_only=True, prompt="events.signup.other_prompt", tries=_tries_others,
      own_intents=("event_signup",))
def other_person(ctx):
    """"张伟 13912345678": the colleague to be registered; a name alone keeps asking for the mobile."""
    people = _others_in(f"{ctx.flow_data.get('name', '')} {ctx.text}")
    if people:
        return _take_others(ctx, people)
    if not _MOBILE.search(normalise(ctx.text)) and tries_value("name", ctx.text) and not asks_something(ctx.text):
        ctx.goto("other", name=normalise(ctx.text))
        return ctx.reply("events.signup.other_mobile")
    return ctx.reply("events.signup.other_prompt")  # "你记的名字是啥": no name yet, what to send


@step(SIGNUP, "others_next", reads_only=True, prompt="events.signup.other_prompt", lapses=True)
def others_next(ctx):
    """Right after registering one of several: their names and mobiles go to the secretariat; anything
    else is answered as usual."""
    changed = put_forward_changed(ctx)
    if changed is not None:  # "蔡晓燕号码错了 是135…": one of them corrected, not one more
        _end_signup(ctx)
        return changed
    people = _others_in(ctx.text)
    if people:
        return _take_others(ctx, people)
    if guide.mentions(ctx.text, "mine_words"):  # "我们单位报了几个人": the colleagues just put forward among them
        _end_signup(ctx)
        return _show_mine(ctx)
    if guide.mentions(ctx.text, "rest_later_words"):  # "明天我直接在这说报剩下的就行是吧"
        return ctx.reply("events.signup.others_later")
    if (_asks_about_event(ctx) or asks_something(ctx.text)) and not guide.named_in(ctx.text) and \
            paging.asked_here(ctx, ("events", "event_signup")):  # "是线上的吧？": the event they were passed on for
        return _event_facts(ctx, lambda ctx: ctx.reply("events.signup.others_more"))
    _end_signup(ctx)
    return paging.leave_and_answer(ctx) if _open_list(ctx) else ctx.answer_by_intent()


# --- correcting colleagues already put forward --------------------------------------------------

def put_forward_changed(ctx) -> Reply | None:
    """"李红的手机号写错了 应该是137…", "刘洋不去了 把他去掉", "把王涛换成赵磊 137…" about a colleague of a request the
    secretariat has not answered yet (代报名, newest first): the change added to that request and said back, as the
    list before it was submitted takes it (_party_changed); None when the message names no one of such a request
    with a change, whichever capability the router read it as."""
    if not (guide.mentions(ctx.text, "party_leave_words") or guide.mentions(ctx.text, "party_swap_words")
            or guide.mentions(ctx.text, "fix_words") or guide.mentions(ctx.text, "party_wrong_words")):
        return None
    for ticket in _put_forward(ctx):
        people = _people_listed(ticket["people"])
        if _party_person(paging.with_digits(normalise(ctx.text)), people) is None:
            continue
        changed = _party_changed(ctx.text, people)
        if changed is None:
            continue
        told, said = _changes(people, changed, mask_mobile), _changes(people, changed, str)
        add_to_ticket(ctx.db, ticket["ticket_no"], content.text("events.signup.put_forward_change_line", changes=said))
        return ctx.reply("events.signup.put_forward_changed", ticket_no=ticket["ticket_no"], changes=told,
                         title=ticket["title"], **content.society()["secretariat"])
    return None


_LISTED = re.compile(r"^\s*(\S+?)\s+(\d{11}|\S+?)(?:（[^）]*）)?\s*$")


def _people_listed(people: str) -> list[dict]:
    """A request's 参加人 as its ticket says them ("李红 13700002222、刘洋 手机号未给（某某研究院）"), name and mobile."""
    listed = [_LISTED.match(part) for part in people.split("、")]
    return [{"name": found.group(1), "mobile": found.group(2) if found.group(2).isdigit() else ""}
            for found in listed if found]


def _changes(before: list[dict], after: list[dict], shown) -> str:
    """What a change to a list did, each person in a clause ("刘洋 不去了", "李红 手机号改为 137…", "王涛 换成 赵磊
    137…", "加上 孙浩 138…"), the mobiles as `shown` gives them."""
    words, kept = content.replies()["events"]["signup"]["put_forward_change"], {id(p) for p in after}
    clauses = [words["dropped"].format(name=p["name"]) for p in before if p not in after
               and not any(q["name"] == p["name"] or q["mobile"] and q["mobile"] == p["mobile"] for q in after)]
    for old, new in zip(before, after):
        if old != new and old["name"] != new["name"]:
            clauses.append(words["swapped"].format(name=old["name"], new=new["name"], mobile=shown(new["mobile"])))
        elif old != new and old["mobile"] != new["mobile"]:
            clauses.append(words["mobile"].format(name=old["name"], mobile=shown(new["mobile"])))
    clauses += [words["added"].format(name=p["name"], mobile=shown(p["mobile"])) for p in after[len(before):]
                if id(p) in kept and len(after) > len(before)]
    return content.text("events.signup.put_forward_change_separator").join(clauses)


# --- correcting the contact a registration was made with -------------------------------------------

def _field_to_fix(text: str) -> str | None:
    """"手机号填错了" -> mobile, "名字写错了" -> name, "单位填错了" -> work_unit; None without words of a mistake."""
    if not guide.mentions(text, "fix_words"):
        return None
    plain = normalise(text)
    return next((field for field, words in guide.settings()["chat"]["fix_fields"].items()
                 if any(word in plain for word in words)), None)


def fix_if_asked(ctx):
    """A registration's contact said to be wrong ("报名的时候电话号码我打错了", whichever capability the router
    read it as): corrected at once when the right value comes with it, else asked for (flow step `fix`);
    several registrations are listed, which to correct left to the secretariat. None when the message says
    no such mistake of a registration, or the member has none."""
    changed = put_forward_changed(ctx)
    if changed is not None:  # "李红的手机号写错了 应该是…": a colleague of a request waiting, not the member's own
        return changed
    field = _field_to_fix(ctx.text) if guide.mentions(ctx.text, "registration_words") else None
    registrations = registrations_of(ctx.db, ctx.openid, _today()) if field else []
    if not registrations:
        return None
    if len(registrations) > 1:
        return _show_mine(ctx).with_note(content.text("events.fix.which", **content.society()["secretariat"]))
    ctx.start_flow(SIGNUP, "fix", registration=registrations[0]["id"], field=field, title=registrations[0]["title"])
    value = _fix_value(ctx)
    return _fixed(ctx, value) if value else ctx.reply(f"events.fix.ask_{field}", title=registrations[0]["title"])


def _fix_value(ctx) -> str | None:
    """The right value the message gives for the field being corrected, or None: never the sentence that says
    the mistake ("名字写错了"), nor what is said it is not ("是韩玫不是韩梅": 韩玫), nor a name of no name's
    shape ("嗯嗯")."""
    field, text = ctx.flow_data["field"], _FIX_LEAD.sub("", normalise(ctx.text))
    if field == "mobile":
        return mobile_in(text)
    text = _NOT_THIS.split(text, maxsplit=1)[0]
    if not text.strip() or guide.mentions(text, "fix_words") or guide.mentions(text, "registration_words"):
        return None
    try:
        value = name_in(text) if field == "name" else (unit_in(text) or None)
    except Invalid:
        return None
    return value if field != "name" or tries_value("name", value) or _LATIN_NAME.fullmatch(value) else None


_FIX_LEAD = re.compile(r"^.*?(?:应该是|应该为|正确的是|改成|改为|换成|是)")
_NOT_THIS = re.compile(r"[\s,，]*(?:而)?不是")
_LATIN_NAME = re.compile(r"[A-Za-z][A-Za-z .'-]*")


def _fixed(ctx, value: str):
    """The registration corrected to `value`, the flow ended, and what was done said."""
    field = ctx.flow_data["field"]
    title = ctx.flow_data["title"]
    try:
        correct(ctx.db, ctx.flow_data["registration"], {field: value})
    except Refused as refused:  # "正确的是139…" of a mobile registered for the event already
        _end_signup(ctx)
        return ctx.reply(f"events.refused.{refused.reason}", **refused.facts)
    _end_signup(ctx)
    return ctx.reply("events.fix.done", title=title, field=content.text(f"events.fix.fields.{field}"),
                     value=mask_mobile(value) if field == "mobile" else value)


def _tries_fix(ctx) -> bool:
    return _fix_value(ctx) is not None


@step(SIGNUP, "fix", reads_only=True, prompt=lambda ctx: ctx.reply(f"events.fix.ask_{ctx.flow_data['field']}",
                                                                 title=ctx.flow_data["title"]), tries=_tries_fix)
def fix_contact(ctx):
    """The right mobile, name or unit for the registration being corrected; asked again, nothing changed, for
    a message that gives none ("嗯嗯", a number short of a mobile)."""
    value = _fix_value(ctx)
    if value is None:
        return ctx.reply(f"events.fix.again_{ctx.flow_data['field']}", title=ctx.flow_data["title"])
    return _fixed(ctx, value)


# --- my registrations and cancelling ---------------------------------------------------------------

def _status_of(ctx, registration: dict) -> str:
    if registration["status"] == REGISTERED:
        return content.text("events.mine.registered", code=registration["checkin_code"])
    return content.text("events.mine.waitlisted", position=waitlist_position(ctx.db, registration))


def _numbered(ctx, registrations: list[dict]) -> str:
    return "\n".join(content.text("events.mine.line", number=number, title=r["title"], dates=guide.dates_text(r),
                                  place=r.get("place") or content.text("events.none"), status=_status_of(ctx, r))
                     for number, r in enumerate(registrations, 1))


def _show_mine(ctx):
    """The member's registrations ahead; the one event of a single registration is then the one talked about
    ("在哪个地方", "我能再带个人吗" next are about it), when no form is open."""
    registrations = registrations_of(ctx.db, ctx.openid, _today())
    under_way = _registration_under_way(ctx)
    others = _put_forward_shown(ctx)
    if not registrations:
        shown = ctx.reply("events.mine.none") if under_way is None and others is None else under_way or others
        return shown.with_note(others.text) if others is not None and shown is not others else shown
    if under_way is not None or others is not None:  # the one waiting for its 确认, colleagues put forward: named too
        said = ctx.reply("events.mine.list", items=_numbered(ctx, registrations))
        return said.with_note("\n\n".join(r.text for r in (under_way, others) if r is not None))
    if len(registrations) == 1 and ctx.flow is not None and FLOW_STEPS[(ctx.flow["name"], ctx.flow["step"])].lapses:
        ctx.end_flow()  # a list or an offer left behind
    if len(registrations) == 1 and ctx.flow is None:
        event_id = registrations[0]["event_id"]
        ctx.start_flow(LISTING.flow, paging.STEP, query=guide.upcoming(date.today(), "")[0], heading="", offset=0,
                       shown=[event_id], current=event_id, registered=event_id)
    return ctx.reply("events.mine.list", items=_numbered(ctx, registrations))


def _put_forward(ctx) -> list[dict]:
    """The member's requests that the secretariat register colleagues (tickets 代报名) it has not answered yet, each
    with what it asked for ({title}, {event_no}, {people} as the ticket says them); newest first."""
    category = content.text("events.signup.other_category")
    return [dict(ticket, **said) for ticket in list_tickets_of_member(ctx.db, ctx.openid)
            if ticket["category"] == category and ticket["status"] == OPEN and (said := _asked_for(ticket["body"]))]


def _asked_for(body: str) -> dict:
    """What a 代报名 ticket's text (content: events.signup.other_ticket, or party_ticket for a list checked first)
    names: {title, event_no, people}; {} for another."""
    said = next((found for found in map(lambda pattern: pattern.match(body), _ticket_patterns()) if found), None)
    return {name: said.group(name) for name in ("title", "event_no", "people")} if said else {}


@functools.cache
def _ticket_patterns() -> tuple[re.Pattern, ...]:
    """events.signup.other_ticket and party_ticket with their {title}, {event_no} and {people} to be read back (a
    line each at most; any other field skipped; lines the member added later follow)."""
    patterns = []
    for key in ("other_ticket", "party_ticket"):
        template = re.escape(content.replies()["events"]["signup"][key])
        for name in ("title", "event_no", "people"):
            template = template.replace(re.escape(f"{{{name}}}"), f"(?P<{name}>[^\n]+?)", 1)
        patterns.append(re.compile(re.sub(r"\\\{\w+\\\}", r"[^\\n]+?", template) + r"(?:\n|$)"))
    return tuple(patterns)


def _put_forward_shown(ctx) -> Reply | None:
    """"我们单位报了几个人": the colleagues put forward and still being registered by the secretariat, and the fees
    of cancelled registrations not refunded yet; None without either."""
    waiting, owed = _put_forward(ctx), refunds_owed_lines(ctx.db, ctx.openid)
    lines = "\n".join(content.text("events.mine.put_forward_line", ticket_no=t["ticket_no"], title=t["title"],
                                    people=mask_personal(t["people"]), count=len(t["people"].split("、")))
                      for t in reversed(waiting))
    shown = [ctx.reply("events.mine.put_forward", lines=lines).text] if waiting else []
    if owed:
        shown.append("\n".join([content.text("events.refund.heading"), *owed]))
    return Reply(text="\n\n".join(shown)) if shown else None


def _registration_under_way(ctx) -> Reply | None:
    """"我报名了哪些活动" while a registration waits for its 确认: that one named, not yet made; None otherwise."""
    flow = ctx.flow
    if flow is None or flow["name"] != SIGNUP or flow["step"] != "confirm":
        return None
    return ctx.reply("events.mine.under_way", title=find_event(ctx.db, flow["data"]["event"])["title"])


def cancelling_counts_asked(ctx) -> bool:
    """"取消了会不会影响我以后报名": whether cancelling counts against the member, asked."""
    return guide.mentions(ctx.text, "effect_words") is not None


def asks_to_sign_up_again(ctx) -> bool:
    """"取消了还能再报吗": whether one can register again, asked, not a cancellation."""
    return guide.mentions(ctx.text, "again_words") is not None and looks_like_a_question(ctx.text)


def wants_to_cancel(ctx) -> bool:
    """Whether a 取消 outside any flow is about a registration: 取消报名, or "单位有事去不了了，帮我取消"."""
    return (guide.mentions(ctx.text, "signup_words") is not None
            or guide.mentions(ctx.text, "absent_words") is not None
            or guide.mentions(ctx.text, "own_cancel_words") is not None)  # "我自己那个取消吧"


def cancel(ctx):
    """Cancel the registration the message names, or the only one; ask which when that is unclear; a colleague
    of a request sent taken off it."""
    changed = put_forward_changed(ctx)
    if changed is not None:  # "赵磊不去了 取消他的报名"
        return changed
    registrations = registrations_of(ctx.db, ctx.openid, _today())
    if not registrations:
        return ctx.reply("events.cancel.none")
    text, word = normalize(ctx.text), guide.mentions(ctx.text, "title_words")
    named = [r for r in registrations
             if r["event_no"] in text.upper() or r["title"] in text or (word and word in r["title"])]
    if not named and len(registrations) == 1:
        named = registrations
    if len(named) == 1:
        return _ask_to_cancel(ctx, named[0])
    ctx.start_flow(SIGNUP, "cancel_which", choices=[r["id"] for r in registrations])
    return ctx.reply("events.cancel.which", items=_numbered(ctx, registrations))


def _ask_to_cancel(ctx, registration: dict):
    """Whether to cancel, and what happens to a fee paid for it (owed back, refunded by the secretariat)."""
    paid = paid_fee(registration)
    ctx.start_flow(SIGNUP, "cancel_confirm", registration=registration["id"], title=registration["title"], paid=paid)
    return _cancel_question(ctx)


def _cancel_question(ctx):
    paid, title = ctx.flow_data.get("paid"), ctx.flow_data["title"]
    return ctx.reply("events.cancel.confirm_paid", title=title, amount=paid) if paid else \
        ctx.reply("events.cancel.confirm", title=title)


@step(SIGNUP, "cancel_which", reads_only=True, prompt="events.cancel.which_prompt",
      tries=lambda ctx: paging.chosen_number(ctx.text) is not None)
def cancel_which(ctx):
    number, choices = paging.chosen_number(ctx.text), ctx.flow_data["choices"]
    if number is None:
        return paging.leave_and_answer(ctx)
    if not 1 <= number <= len(choices):
        return ctx.reply("paging.bad_number", number=number, last=len(choices))
    chosen = next((r for r in registrations_of(ctx.db, ctx.openid, _today()) if r["id"] == choices[number - 1]), None)
    if chosen is None:  # cancelled meanwhile, or the event is over
        ctx.end_flow()
        return _show_mine(ctx)
    return _ask_to_cancel(ctx, chosen)


_CANCELLING = ("取消",)  # what the question asks to confirm: "确认取消", "对 取消" say yes to it


def _tries_cancel_confirm(ctx) -> bool:
    """Yes or no (also "确认取消吧 有事去不了了"), or "第一个" naming the one registration already asked about."""
    return _tries_yes_or_no(ctx) or says_yes_first(ctx.text, _CANCELLING) or paging.chosen_number(ctx.text) == 1 \
        or not_cancelling(ctx.text) or leaves_in_a_clause(ctx.text)


@step(SIGNUP, "cancel_confirm", reads_only=True, confirms=True, prompt="events.cancel.confirm_prompt",
      tries=_tries_cancel_confirm, own_intents=("cancel",))
def cancel_confirm(ctx):
    title, paid = ctx.flow_data["title"], ctx.flow_data.get("paid")
    if paging.chosen_number(ctx.text) == 1 and not is_one_of(ctx.text, "confirm_words"):
        return _cancel_question(ctx)
    if (says_yes(ctx.text) or says_yes_first(ctx.text, _CANCELLING)) and not not_cancelling(ctx.text):  # also "嗯 对"; not "好吧 不取消了"
        promoted = cancel_seat(ctx.db, ctx.flow_data["registration"])
        ctx.end_flow()
        guide.notify_promoted(ctx.db, ctx.redis, promoted)
        return ctx.reply("events.cancel.done_paid", title=title, amount=paid) if paid else \
            ctx.reply("events.cancel.done", title=title)
    if is_one_of(ctx.text, "no_words") or not_cancelling(ctx.text) or leaves_in_a_clause(ctx.text):
        # "算了不取消了", "我再想想 回头再说": putting off the cancelling keeps the registration
        ctx.end_flow()
        return ctx.reply("events.cancel.kept", title=title)
    return paging.leave_and_answer(ctx)
