"""`subscribe`, `unsubscribe` and "我的订阅": which newsletter topics a member receives.

With a topic ("订阅政策", "退订行业") the change is made at once. Without
one, subscribing asks which topics (numbered, several at once, or "全部"),
and unsubscribing means all topics, so it asks for a confirmation first.
The `jobs` topic is the job alert; it is stored like any other topic.

Every change is mirrored to the member's WeChat tags (bot.delivery), because
newsletters are mass-sent by tag. Anyone who follows the account may
subscribe, but pushes go to active members only, so others are told.
"""
from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone
from functools import lru_cache

from bot import clarify, content, delivery
from bot.conversation import says_yes
from handlers.news.items import said, topic_list, topic_names
from bot.paging import leave_and_answer
from bot.registry import FLOW_STEPS, handles, step
from bot.router import Intent, analyse, normalize
from bot.validation import looks_like_a_question, only_acknowledges
from handlers.jobs.chat import answer_alert, take_back_alerts
from handlers.members import profile
from storage.members import find_member_by_openid
from storage.news import subscribe, subscribed_since, topics_of, unsubscribe


_CLAUSES = re.compile(r"[\s,，;；。、!！?？]+")


@lru_cache(maxsize=1)
def _topic_words() -> tuple[tuple[str, str], ...]:
    """The router's topic words (content/intents.toml, read once a process) with their topics, longest first."""
    return tuple(sorted(((word, code) for code, names in content.load_toml("intents.toml")["topics"].items()
                         for word in names), key=lambda pair: len(pair[0]), reverse=True))


def topics_in(text: str) -> list[str]:
    """Every topic a message names ("退订学科动态、行业动态、人才资讯" -> three), longest words first
    so that one word is not counted for two topics; the words are the router's (content/intents.toml)."""
    plain = normalize(text or "")
    found = []
    for word, code in _topic_words():
        if word in plain:
            plain = plain.replace(word, " ")
            if code not in found:
                found.append(code)
    return [code for code in topic_names() if code in found]


def _keeps_only(ctx) -> list[str] | None:
    """"只要政策的，其他都不要了": the topics to keep (everything else goes); None if not said so. The topics are
    those of the clause saying "only" (or of the clause after it: "只要 政策"), not the ones the rest refuses
    ("我只想看政策方面的 其他的行业啊学科啊都别推了" keeps 政策 alone)."""
    clauses = [clause for clause in _CLAUSES.split(ctx.text or "") if clause]
    keep = []
    for at, clause in enumerate(clauses):
        if said(clause, "only", whole=False):
            keep += topics_in(clause) or (topics_in(clauses[at + 1]) if at + 1 < len(clauses) else [])
    return [code for code in topic_names() if code in keep] or None


@handles(events=(f"{clarify.ANY_READING}keep_only",))
def keep_only_said(ctx):
    """"我只想看政策方面的 其他的都别推了", "只要政策 别的不要": the topics said kept and the rest dropped, whatever the
    router read (the latest policy items, a question between subscribing and reading); None for anything else."""
    if "只" not in (ctx.text or "") or not said(ctx.text, "rest", whole=False) or not said(ctx.text, "refused", whole=False):
        return None
    keep = _keeps_only(ctx)
    return _keep_only(ctx, keep) if keep else None


def _keep_only(ctx, keep: list[str]):
    current = topics_of(ctx.db, ctx.openid)
    dropped = [code for code in current if code not in keep]
    subscribe(ctx.db, ctx.openid, [code for code in keep if code not in current])
    if dropped:
        unsubscribe(ctx.db, ctx.openid, dropped)
    now = topics_of(ctx.db, ctx.openid)
    delivery.sync_tags_later(ctx.redis, ctx.openid, now)
    return ctx.reply("subscriptions.kept_only", topics=topic_list(now),
                     removed=content.text("subscriptions.kept_only_removed", topics=topic_list(dropped)) if dropped
                     else content.text("subscriptions.kept_only_nothing_else"))


@handles("subscribe")
def subscribe_topics(ctx):
    if (alert := answer_alert(ctx)) is not None:  # job keyword alerts: "订阅招聘 人工智能", "我的招聘订阅"
        return alert
    if said(ctx.text, "mine", whole=False):
        return show_subscriptions(ctx)
    if (keep := _keeps_only(ctx)) is not None:
        return _keep_only(ctx, keep)
    refused = _refused_topics(ctx.text)
    several = [code for code in topics_in(ctx.text) if code not in refused]
    if len(several) > 1 or (several and refused):  # "订阅政策和人才", "行业的也要 学科的不要": only those wanted
        return subscribe_to(ctx, several)
    topic = ctx.intent.slots.get("topic")
    if topic and topic not in refused:
        return subscribe_to(ctx, [topic])
    ctx.start_flow("subscribe", "choose")
    return _choices(ctx)


@handles(menu="MENU_SUBSCRIPTIONS", reads_only=True)
def show_subscriptions(ctx):
    current = topics_of(ctx.db, ctx.openid)
    if not current:
        return ctx.reply("subscriptions.mine_none")
    return ctx.reply("subscriptions.mine", topics=topic_list(current))


def _choices(ctx, problem: str = ""):
    current = topics_of(ctx.db, ctx.openid)
    mark = content.text("subscriptions.subscribed_mark")
    lines = "\n".join(content.text("subscriptions.choice", number=number, name=name,
                                   mark=mark if code in current else "")
                      for number, (code, name) in enumerate(topic_names().items(), 1))
    return ctx.reply("subscriptions.choose", problem=problem, choices=lines)


def _tries_choice(ctx) -> bool:
    """A pick among the topics shown: their numbers, all of them, only some ("只要政策"), or topics named without
    asking anything ("政策 行业"); not a question or another request ("有啥最新的人才资讯", "最新一期快报先给我看看"),
    which the engine's one rule answers with the choice waiting (bot.conversation.asks_something_else)."""
    text = ctx.text
    return re.search(r"\d", normalize(text)) is not None or said(text, "all") or _keeps_only(ctx) is not None or \
        bool(topics_in(text)) and not looks_like_a_question(text)


@step("subscribe", "choose", reads_only=True, prompt="subscriptions.choose_prompt", tries=_tries_choice,
      own_intents=("subscribe",))
def choose_topics(ctx):
    codes = list(topic_names())
    numbers = [int(n) for n in re.findall(r"\d{1,3}", normalize(ctx.text))]  # int() refuses 5,000 digits
    if not numbers and (keep := _keeps_only(ctx)) is not None:  # "只要政策 别的不要": the others dropped too
        ctx.end_flow()
        return _keep_only(ctx, keep)
    if numbers:
        if not all(1 <= n <= len(codes) for n in numbers):
            return _choices(ctx, problem=content.text("subscriptions.bad_choice", last=len(codes)))
        topics = [codes[n - 1] for n in numbers]
    elif said(ctx.text, "all"):
        topics = codes
    elif ctx.intent.name in ("news", "subscribe") and ctx.intent.slots["topic"]:  # "政策", "订阅人才"
        topics = [ctx.intent.slots["topic"]]
    else:
        return _unchanged(ctx)
    ctx.end_flow()
    return subscribe_to(ctx, topics)


def subscribe_to(ctx, topics: list[str]):
    """Subscribe the member to the topics and say what they now receive."""
    added = subscribe(ctx.db, ctx.openid, topics)
    current = topics_of(ctx.db, ctx.openid)
    if not added:
        return ctx.reply("subscriptions.already", topics=topic_list(topics))
    delivery.sync_tags_later(ctx.redis, ctx.openid, current)
    _just_changed(ctx)
    reply = ctx.reply("subscriptions.done", topics=topic_list(added), current=topic_list(current))
    member = find_member_by_openid(ctx.db, ctx.openid)
    if member is None or member["status"] != "active":
        return reply.with_note(content.text("subscriptions.members_only"))
    return reply


def _refused_topics(text: str) -> list[str]:
    """"行业的也要 学科的不要": the topics named in a clause that refuses them (content: words.refused)."""
    return [code for clause in re.split(r"[\s,，;；。、!！]+", text or "") if said(clause, "refused", whole=False)
            for code in topics_in(clause)]


def _kept_and_dropped(text: str) -> tuple[list[str], list[str]]:
    """"招聘信息还是算了 太多了 政策的留着": the topics a clause keeps (content: words.keep) and those
    the other clauses name, to be dropped; both empty unless the message does both."""
    kept, dropped = [], []
    for clause in re.split(r"[\s,，;；。、!！]+", text or ""):
        named = topics_in(clause)
        (kept if said(clause, "keep", whole=False) else dropped).extend(named)
    dropped = [code for code in dropped if code not in kept]
    return (kept, dropped) if kept and dropped else ([], [])


@handles("unsubscribe", reads_only=True)
def unsubscribe_topics(ctx):
    if profile.mentions_notices(ctx.text) and not topics_in(ctx.text):  # "会费提醒也别发了": no topic, all kept
        return ctx.reply("profile.notices")
    kept, dropped = _kept_and_dropped(ctx.text)
    if dropped:  # one dropped, another kept: only the one, whatever the alert words around it
        return _unsubscribe(ctx, [code for code in dropped if code in topics_of(ctx.db, ctx.openid)] or dropped)
    if (alert := answer_alert(ctx)) is not None:  # "取消招聘订阅 人工智能"
        return alert
    if (keep := _keeps_only(ctx)) is not None:
        return _keep_only(ctx, keep)  # "只要政策的，其他都不要了" keeps 政策, not drops it
    current = topics_of(ctx.db, ctx.openid)
    several = topics_in(ctx.text)
    if len(several) > 1:  # "退订学科动态、行业动态、人才资讯": all three
        subscribed = [code for code in several if code in current]  # none held: said so, the rest kept
        return _unsubscribe(ctx, subscribed or several)
    topic = ctx.intent.slots.get("topic")
    if topic:
        if topic not in current:
            return ctx.reply("subscriptions.not_subscribed", topic=topic_list([topic]),
                             current=topic_list(current) or content.text("subscriptions.none"))
        return _unsubscribe(ctx, [topic])
    if not current:
        return ctx.reply("subscriptions.mine_none")
    ctx.start_flow("unsubscribe", "confirm")
    return ctx.reply("subscriptions.confirm_all", topics=topic_list(current))


@step("unsubscribe", "confirm", reads_only=True, confirms=True, prompt="subscriptions.confirm_prompt")
def confirm_unsubscribe_all(ctx):
    if says_yes(ctx.text):
        ctx.end_flow()
        return _unsubscribe(ctx, topics_of(ctx.db, ctx.openid))
    return _unchanged(ctx)


def undo_just_subscribed(ctx):
    """"算了 不用通知了" right after a subscription ("有新的招聘通知我"): that subscription taken back, as
    unsubscribing in the same words would; None when the message before was no subscription or added nothing
    (a topic held long since asked for again)."""
    earlier = clarify.said_before(ctx, clarify.CANCEL_AFTER_SECONDS, intent="subscribe")
    since = (datetime.now(timezone.utc) - timedelta(seconds=clarify.CANCEL_AFTER_SECONDS)).astimezone()
    if not earlier or not subscribed_since(ctx.db, ctx.openid, since.isoformat(timespec="seconds")):
        return None
    asked_at = datetime.fromtimestamp(int(clarify.said_before_at(ctx) or since.timestamp()), timezone.utc).astimezone()
    alerts = take_back_alerts(ctx, asked_at.isoformat(timespec="seconds"))  # that alert only, not every alert held
    if alerts is not None:
        ctx.end_flow()
        return alerts
    ctx.answer_override = earlier
    ctx.intent = Intent("unsubscribe", analyse(earlier).slots_for("unsubscribe"))
    reply = unsubscribe_topics(ctx)
    ctx.end_flow()  # a cancel leaves nothing open: no step after the change to read the next message beside it
    return reply


def _unchanged(ctx):
    """No answer to the question: say nothing changed ("不", "先不了"), or answer what was asked instead."""
    if ctx.intent.name == "unknown":
        ctx.end_flow()
        return ctx.reply("subscriptions.kept")
    return leave_and_answer(ctx)


def _unsubscribe(ctx, topics: list[str]):
    removed = unsubscribe(ctx.db, ctx.openid, topics)
    current = topics_of(ctx.db, ctx.openid)
    delivery.sync_tags_later(ctx.redis, ctx.openid, current)
    _just_changed(ctx)
    if not removed:
        return ctx.reply("subscriptions.not_subscribed", topic=topic_list(topics),
                         current=topic_list(current) or content.text("subscriptions.none"))
    if not current:
        return ctx.reply("subscriptions.removed_last", topics=topic_list(removed))
    return ctx.reply("subscriptions.removed", topics=topic_list(removed), current=topic_list(current))


def _just_changed(ctx) -> None:
    """What the member says right after a change is read beside it ("现在还剩啥", "对"): a step that
    lapses at the next message, as a list does."""
    if ctx.flow is None or FLOW_STEPS[(ctx.flow["name"], ctx.flow["step"])].lapses:
        ctx.start_flow("subscribe", "changed")


@step("subscribe", "changed", reads_only=True, prompt="subscriptions.kept", lapses=True)
def after_change(ctx):
    """"现在还剩啥" / "我还订着哪些" after a change: the topics now; "再加个行业动态": subscribed too;
    "对" / "好": acknowledged; else the message answered as if nothing were open."""
    if said(ctx.text, "remaining", whole=False) or said(ctx.text, "mine", whole=False):
        ctx.end_flow()
        return show_subscriptions(ctx)
    refused = _refused_topics(ctx.text)  # "行业的也要 学科的不要": 学科 is not added
    added = [code for code in topics_in(ctx.text) if code not in refused] if said(ctx.text, "add", whole=False) else []
    if added:  # "再加个行业动态": one more topic, not that topic's newest items
        ctx.end_flow()
        return subscribe_to(ctx, added)
    if only_acknowledges(ctx.text):  # the step stays: "现在还剩啥" may follow
        return ctx.reply("subscriptions.noted")
    return leave_and_answer(ctx)
