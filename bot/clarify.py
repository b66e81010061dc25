"""Ask instead of guessing, and keep what the bot did not understand.

`intercept(ctx)` runs once for every text message, right after routing (the one hook in
bot/conversation.py). It returns a reply when it answers the message itself, else None and the
conversation goes on as before:

- Outside a flow, when the router is unsure (route() gave `alternatives`: the two best intents are
  close or the best one is weak) the member gets one short numbered question, "您是想：1. 报名活动
  2. 查看活动安排？", and a small flow "clarify" keeps the original message. The answer ("1",
  "第一个", "报名", or the option's words) carries on the original request with its slots, as
  if the router had been sure. Anything else leaves the question behind and is answered as usual.
- A follow-up the router is unsure about ("要准备哪些材料", "单位要盖章吗" right after a question about an
  award) is about the subject the member last named plainly, when that subject is one of the router's
  readings: it is answered as that subject, without a question (`follow_up`).
- An unsure QUESTION the model may not place at all (`router.readings_if_unknown`: "学会有没有食堂",
  "你们提供论文查重服务吗") gets the honest "这个我这里答不上来…请问秘书处" first, the closest two readings
  the bot has offered in one line after it (`not_known_here`), however few of them the router counted; a
  question torn between two readings the bot has ("青少年科技大赛 报名截止了没") still gets the numbered one.
- A message some handler answers the same whatever its reading (registered for an event `ANY_READING`…:
  another member's contact asked for, "没问题 提交" with nothing to submit) gets that answer first.
- Spam and ads get one short neutral line, thanks and "好的" a short polite one, a greeting alone
  (你好, 在吗: `unknown` by the label definitions) a greeting back; a real miss
  still gets the help menu (handlers/help.py).
- A message routed `unknown` outside a flow, or one the member answered with 取消 right after,
  is kept for the secretariat (storage/misunderstood.py, openid as a keyed hash, mobile numbers
  masked) with the bot's guess; the console page lets them label it into the examples.
"""
from __future__ import annotations

import hashlib
import hmac
import json
import logging
import re
import time
from dataclasses import replace

from bot import content
from bot.messages import Reply
from bot.privacy import mask_personal
from bot.registry import EVENT_HANDLERS, FLOW_STEPS, step
from bot.router import Intent, analyse, readings_if_unknown
from bot.validation import asks_something
from storage import misunderstood, state

log = logging.getLogger(__name__)

FLOW, STEP = "clarify", "choose"
ANY_READING = "text:any_reading:"  # the events of answers outside a flow whatever the router reads, before it is asked
NOT_OFFERED = frozenset({"unknown", "cancel"})  # never an option of the question
CANCEL_AFTER_SECONDS = 120  # a 取消 this soon after a message says the bot got that message wrong
TOPIC_FOR_SECONDS = 1800  # a follow-up this soon after the message that named its subject still means it
NOT_A_SUBJECT = frozenset({"unknown", "cancel", "help", "human"})  # never the subject a follow-up is about
_ORDINAL = re.compile(r"^(?:选|第|选第)?([1-3一二三两])(?:个|项|种|条|号)?(?:吧|吧。|的)?$")
_ORDINALS = {"1": 0, "一": 0, "2": 1, "二": 1, "两": 1, "3": 2, "三": 2}
_PUNCTUATION = re.compile(r"[\s。，,.!！?？~～、]+")


def _texts() -> dict:
    return content.replies()["clarify"]


def member_key(ctx) -> str:
    """The member as the store keeps them: a keyed hash of the openid, never the openid."""
    secret = ctx.config.admin_secret_key.encode()
    return hmac.new(secret, ctx.openid.encode(), hashlib.sha256).hexdigest()[:16]


def intercept(ctx) -> Reply | None:
    """The hook: see the module doc. Never raises for a store that is down; the member's answer
    matters more than the record."""
    earlier = _last_routed(ctx)
    flow = ctx.flow
    if flow is None or FLOW_STEPS[(flow["name"], flow["step"])].lapses:  # a form's own answers are the form's
        fresh = time.time() - earlier.get("topic_at", 0) <= TOPIC_FOR_SECONDS
        ctx.intent = follow_up(ctx.text, ctx.intent, earlier.get("topic") if fresh else None)
    _remember(ctx, ctx.intent, earlier)
    return None if flow is not None else outside_a_flow(ctx)


def outside_a_flow(ctx) -> Reply | None:
    """What intercept answers itself outside a flow (see the module doc), or None; also for a message a list or
    the help menu let go of (handlers/help.py), which intercept has read and kept already."""
    for key, answer in EVENT_HANDLERS.items():
        if key.startswith(ANY_READING) and (said := answer(ctx)) is not None:
            return said  # "我想要我们单位老刘的联系方式": refused, whichever readings the router weighs
    intent = ctx.intent
    if intent.name == "unknown":
        reason = intent.slots.get("reason")
        if reason == "spam":
            return ctx.reply("clarify.spam")
        if reason == "thanks":
            return ctx.reply("clarify.thanks")
        if reason == "greeting":  # 你好, 在吗: greeted back in one line (handlers/help.py), not kept as a miss
            return ctx.answer_by_intent()
        _keep(ctx, ctx.text, intent, misunderstood.UNKNOWN)
        options = options_of(intent)
        if len(options) < 2:
            return None
        return not_known_here(ctx, options) if asks_something(ctx.text) else ask(ctx, options)
    options = options_of(intent)
    readings = intent.alternatives and asks_something(ctx.text) and readings_if_unknown(ctx.text)
    closest = [*dict.fromkeys([*options, *(name for name in readings or () if name not in NOT_OFFERED)])][:2]
    if readings and len(closest) == 2 and (len(options) >= 2 or intent.name == "help"):
        # the router's readings, or help's, which the honest answer gives too (what the bot does), and the model's
        # next: "你们提供论文查重服务吗" read as help beside unknown gets help, feedback (one sure reading answers)
        _keep(ctx, ctx.text, intent, misunderstood.UNKNOWN)
        return not_known_here(ctx, closest)
    if len(options) < 2:
        return None
    return ask(ctx, options)


def follow_up(text: str, intent: Intent, subject: str | None) -> Intent:
    """An unsure reading of a follow-up that names no subject of its own ("要准备哪些材料" read as a
    job search for 材料) is about `subject`, the intent of the member's last plain request, when the
    router counted that subject among its readings: that reading, sure. Otherwise `intent` as it is."""
    if subject is None or not intent.alternatives or subject not in (intent.name, *intent.alternatives):
        return intent
    if subject == intent.name:
        return replace(intent, alternatives=())
    return Intent(subject, analyse(text).slots_for(subject), intent.score, intent.confidence)


def options_of(intent: Intent) -> list[str]:
    """The intents to offer: the router's pick and its runner-ups, at most three."""
    if not intent.alternatives:
        return []
    names = [intent.name, *intent.alternatives]
    return [n for n in dict.fromkeys(names) if n not in NOT_OFFERED][:3]


def ask(ctx, options: list[str]) -> Reply:
    """The numbered question; a paused form waits under it and comes back when it is answered. A message holding
    words that only one of the options uses (content/replies/clarify.toml [clarify.claims]: "到账" is a dues
    question) is answered as that one instead: asking "会员信息 or 会费" of "我已经交了，到账了吗" asks in vain."""
    claimed = claimed_by(ctx.text, options)
    if claimed is not None:
        with ctx.read_as(Intent(claimed, analyse(ctx.text).slots_for(claimed), 0.0, 1.0)):
            return ctx.answer_by_intent()
    ctx.start_flow(FLOW, STEP, text=ctx.text, options=options)
    return ctx.reply("clarify.question", options=_numbered(options))


def claimed_by(text: str, options: list[str]) -> str | None:
    """The one option whose claim words (content/replies/clarify.toml [clarify.claims]) the text holds; None when
    none does or more than one does; a claim word inside a word of [clarify.not_claims] is none ("人工智能")."""
    texts, plain = _texts(), _PUNCTUATION.sub("", text or "").lower()
    claims, not_claims = texts.get("claims", {}), texts.get("not_claims", {})
    holding = [name for name in options if any(_PUNCTUATION.sub("", word) in _without(plain, not_claims.get(name, ()))
                                               for word in claims.get(name, ()))]
    return holding[0] if len(holding) == 1 else None


def _without(plain: str, words) -> str:
    for word in words:
        plain = plain.replace(word.lower(), " ")
    return plain


def _numbered(options: list[str]) -> str:
    """"1. 报名活动 2. 查看活动安排": the options as the member answers them, by number."""
    labels = _texts()["options"]
    return " ".join(f"{i}. {labels[name]}" for i, name in enumerate(options, 1))


def not_known_here(ctx, options: list[str]) -> Reply:
    """A question the bot may not cover ("学会有没有食堂"): the unknown handler's honest answer (a common
    question's own answer when it has one), then the closest two readings in one line; a number still
    carries on the original message as that reading."""
    with ctx.read_as(Intent("unknown", {}, ctx.intent.score, ctx.intent.confidence)):
        reply = ctx.answer_by_intent()
    if ctx.flow is not None:  # the unknown handler opened something of its own: its answer stands alone
        return reply
    ctx.start_flow(FLOW, STEP, text=ctx.text, options=options[:2])
    return reply.with_note(ctx.reply("clarify.or_perhaps", options=_numbered(options[:2])).text or "")


def _prompt(ctx) -> Reply:
    return ctx.reply("clarify.question", options=_numbered(ctx.flow_data["options"]))


def chosen(answer: str, options: list[str]) -> str | None:
    """Which option an answer picks: its number ("1", "第一个", "选2"), or its words ("报名"
    for 报名活动), or a message the router places on one of the options; None otherwise."""
    short = _PUNCTUATION.sub("", answer or "")
    if not short:
        return None
    number = _ORDINAL.match(short)
    if number:
        index = _ORDINALS[number.group(1)]
        return options[index] if index < len(options) else None
    labels = _texts()["options"]
    matching = [n for n in options if short in labels[n] or labels[n] in short]
    if len(matching) == 1:
        return matching[0]
    from bot.router import route

    routed = route(answer).name
    return routed if routed in options else None


@step(FLOW, STEP, reads_only=True, prompt=_prompt, lapses=True)
def answer(ctx) -> Reply:
    """The member's answer to the question: go on with the original message as the chosen intent,
    or, when the answer is something else, leave the question and answer that instead."""
    data = ctx.flow_data
    picked = chosen(ctx.text, data["options"])
    ctx.end_flow()
    if picked is None:
        return ctx.answer_by_intent()
    original = data["text"]
    ctx.intent = Intent(picked, analyse(original).slots_for(picked), 0.0, 1.0)
    ctx.answer_override = original
    return ctx.answer_by_intent()


# --- what was not understood ---------------------------------------------------------

def _last_routed(ctx) -> dict:
    """The member's last routed message as _remember kept it (read with the turn: no round trip)."""
    raw = getattr(ctx.turn, "last_routed", None)
    try:
        earlier = json.loads(raw) if raw else {}
    except ValueError:
        return {}
    return earlier if isinstance(earlier, dict) else {}


def said_before(ctx, within: float, intent: str | None = None) -> str:
    """The member's message before this one (mobile numbers masked) when it came within `within` seconds, for a
    step that needs what was said with it ("我是王建华，资深会员…" before a mobile alone); "" otherwise.
    `intent`: only a message read as that intent ("周口附近有啥招聘" as `jobs` before "有新的通知我")."""
    earlier = _last_routed(ctx)
    if intent is not None and earlier.get("intent") != intent:
        return ""
    return earlier.get("text", "") if time.time() - earlier.get("at", 0) <= within else ""


def said_before_at(ctx) -> float | None:
    """When the member's message before this one came (time.time()), as _remember kept it; None if unknown."""
    return _last_routed(ctx).get("at")


def _remember(ctx, intent: Intent, earlier: dict) -> None:
    """Keep the last routed message a while: a 取消 right after it marks it as misread, and the
    subject of the last plain request (a clear rule hit) stays for the follow-ups after it."""
    try:
        if intent.name == "cancel":
            state.pop_last_routed(ctx.turn)  # `earlier` is that message, read with the turn
            recent = time.time() - earlier.get("at", 0) <= CANCEL_AFTER_SECONDS
            if recent and earlier.get("intent") not in (None, "unknown", "cancel"):
                _keep(ctx, earlier["text"], Intent(earlier["intent"], {}, 0.0, earlier["confidence"]),
                      misunderstood.CANCELLED)
        elif ctx.flow is None or ctx.flow.get("name") != FLOW:
            plain = intent.confidence >= 1.0 and not intent.alternatives and intent.name not in NOT_A_SUBJECT
            topic = intent.name if plain else earlier.get("topic")
            since = time.time() if plain else earlier.get("topic_at", 0)
            state.remember_last_routed(ctx.redis, ctx.openid, state.as_json(
                {"text": mask_personal(ctx.text)[:misunderstood.TEXT_LIMIT], "intent": intent.name,
                 "confidence": intent.confidence, "at": time.time(), "topic": topic, "topic_at": since}),
                TOPIC_FOR_SECONDS)
    except Exception:  # noqa: BLE001 (Redis down: the member still gets the answer)
        log.warning("could not keep the last routed message", exc_info=True)


def _keep(ctx, text: str, intent: Intent, reason: str) -> None:
    """Keep the message for the secretariat once the reply is out (the reply does not wait for it);
    a locked or full database must not cost the member the reply."""
    text = mask_personal(text or "").strip()
    if text:
        key = member_key(ctx)
        ctx.after_reply(lambda db: misunderstood.record(db, key, text, intent.name, intent.confidence, reason))
