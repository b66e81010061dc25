"""From one member message to one reply: flows, intents, menu clicks and events.

A member in the middle of a flow (a multi-turn form) has its state in Redis;
every message of that member is handled under a per-member lock so two
messages arriving together cannot both advance the same step.
"""
from __future__ import annotations

import re
import time
from dataclasses import dataclass, field

from bot import content, delivery
from bot.messages import Inbound, Reply
from bot.registry import EVENT_HANDLERS, FLOW_STEPS, INTENT_HANDLERS, MENU_HANDLERS
from bot.router import Intent, route
from storage import state

_PUNCTUATION = re.compile(r"[\s。，,.!！?？~～、]+")


def _short_answer(text: str) -> str:
    return _PUNCTUATION.sub("", text or "")


def is_one_of(text: str, words_key: str) -> bool:
    """Whether a short reply means e.g. "continue" or "confirm" (word lists in content/)."""
    return _short_answer(text) in content.load_toml("conversation.toml")[words_key]


@dataclass
class Context:
    """What a handler sees: the message, its intent, the member's flow, and the stores."""
    services: "Services"  # noqa: F821 (bot.app.Services)
    message: Inbound
    flow: dict | None
    intent: Intent | None = None
    flow_changed: bool = field(default=False, init=False)
    answer_override: str | None = field(default=None, init=False)  # a held-back answer, replayed

    @property
    def openid(self) -> str:
        return self.message.openid

    @property
    def text(self) -> str:
        if self.answer_override is not None:
            return self.answer_override
        return (self.message.text or "").strip()

    @property
    def db(self):
        return self.services.db

    @property
    def redis(self):
        return self.services.redis

    @property
    def config(self):
        return self.services.config

    @property
    def flow_data(self) -> dict:
        return self.flow["data"] if self.flow else {}

    def reply(self, key: str, **fields) -> Reply:
        return Reply(text=content.text(key, **fields))

    def start_flow(self, name: str, step: str, **data) -> None:
        self.flow = {"name": name, "step": step, "data": data, "paused": False}
        self.flow_changed = True

    def goto(self, step: str, **data) -> None:
        self.flow["step"] = step
        self.flow["data"].update(data)
        self.flow_changed = True

    def end_flow(self) -> None:
        self.flow = None
        self.flow_changed = True

    def settle(self, turn: state.MemberTurn) -> None:
        """Hand the flow back to be kept, stamped so that a stale one can be told later."""
        if self.flow is not None:
            self.flow["updated_at"] = time.time()
            turn.save(self.flow)
        elif self.flow_changed:
            turn.clear()


def respond(services, message: Inbound, turn: state.MemberTurn) -> Reply:
    """The reply to one message, in its member's turn (see state.begin_message); raises
    state.MemberBusy if another message of the member keeps the lock too long."""
    state.take_turn(services.redis, turn, wait=services.config.reply_budget_seconds / 2)
    ctx = Context(services, message, turn.flow)
    reply = _on_event(ctx) if message.kind == "event" else _on_message(ctx)
    ctx.settle(turn)
    return delivery.announce_inbox(services, message, reply)  # notices waiting, unread newsletters


def flow_title(flow: dict) -> str:
    return content.feature_name(flow["name"])


def _step_of(flow: dict):
    return FLOW_STEPS[(flow["name"], flow["step"])]


def ask_again(ctx: Context) -> Reply:
    """The current step's question, as the member sees it when coming back to it."""
    prompt = _step_of(ctx.flow).prompt
    return prompt(ctx) if callable(prompt) else ctx.reply(prompt)


def _is_stale(ctx: Context) -> bool:
    resume_after = content.load_toml("conversation.toml")["resume_after_seconds"]
    return time.time() - ctx.flow.get("updated_at", time.time()) > resume_after


def _on_message(ctx: Context) -> Reply:
    flow = ctx.flow
    if ctx.message.text is None:  # a picture, a voice note without recognition, a location...
        if flow and _step_of(flow).accepts_media:
            return _step_of(flow).handler(ctx)
        reply = ctx.reply(f"media.{ctx.message.kind}" if ctx.message.kind in
                          ("image", "voice", "video", "location", "link") else "media.other")
        return reply.with_note(ask_again(ctx).text or "") if flow else reply

    ctx.intent = route(ctx.text)
    if flow is None:
        return answer_intent(ctx)
    if "held_answer" in flow:
        return _after_cancel_question(ctx)
    if _step_of(flow).lapses and (flow.get("paused") or _is_stale(ctx) or ctx.intent.name == "cancel"):
        ctx.end_flow()  # a list being browsed is simply left behind
        return answer_intent(ctx)
    if ctx.intent.name == "cancel":
        if is_one_of(ctx.text, "cancel_words"):
            return answer_intent(ctx)
        # "王停" or "终止妊娠研究" may be a real answer: ask before throwing the form away.
        flow["held_answer"] = ctx.text
        ctx.flow_changed = True
        return ctx.reply("cancel.confirm", flow=flow_title(flow))
    if flow.get("paused") or _is_stale(ctx):
        if is_one_of(ctx.text, "continue_words"):
            flow["paused"] = False
            ctx.flow_changed = True
            return ask_again(ctx)
        if not flow.get("paused"):
            flow["paused"] = True
            return ctx.reply("flow.resume_offer", flow=flow_title(flow))
        return answer_while_paused(ctx, lambda: answer_intent(ctx))
    return _step_of(flow).handler(ctx)


def _after_cancel_question(ctx: Context) -> Reply:
    """The member said whether a cancel-like answer meant cancel; replay it if not."""
    held = ctx.flow.pop("held_answer")
    ctx.flow_changed = True
    if is_one_of(ctx.text, "yes_words") or is_one_of(ctx.text, "cancel_words"):
        return INTENT_HANDLERS["cancel"](ctx)
    if is_one_of(ctx.text, "no_words"):
        ctx.answer_override = held
    return _step_of(ctx.flow).handler(ctx)


def answer_while_paused(ctx: Context, answer) -> Reply:
    """Answer something else while a flow waits; remind the member it is still open."""
    paused = ctx.flow
    paused["paused"] = True
    ctx.flow_changed = True
    reply = answer()
    if ctx.flow is paused:
        return reply.with_note(content.text("flow.paused", flow=flow_title(paused)))
    return reply


def answer_intent(ctx: Context) -> Reply:
    """Answer the message by its intent (used by steps that see the member has moved on)."""
    handler = INTENT_HANDLERS.get(ctx.intent.name)
    if handler is None:
        return ctx.reply("not_available.text", feature=content.feature_name(ctx.intent.name))
    return handler(ctx)


def _on_event(ctx: Context) -> Reply:
    message = ctx.message
    if message.event == "click":
        handler = MENU_HANDLERS.get(message.event_key or "")
        if handler is None:
            return INTENT_HANDLERS["help"](ctx)
        if ctx.flow and _step_of(ctx.flow).lapses:
            ctx.end_flow()
        if ctx.flow:
            return answer_while_paused(ctx, lambda: handler(ctx))
        return handler(ctx)
    if message.event == "unsubscribe" and ctx.flow:
        ctx.end_flow()
    handler = EVENT_HANDLERS.get(message.event or "")
    return handler(ctx) if handler else Reply.nothing()
