"""A reply that offers one thing to do next ("回复“订阅人才”，有新的征集会推送给您"): a bare yes
to it ("好", "行", "可以", "要得") does that thing, as if the member had typed the offered words.

An offer holds for the next message only. With no flow open it is a small flow of its own
(`offer`, a step that lapses like a list); under a list being browsed it rides in the list's
flow ("offer"), so that the list's numbers and "更多" still work (bot/paging.browse asks
`accepted_in_list` first); a form being filled makes none (its own question is waiting).
Anything but a yes leaves the offer behind and is answered as usual. The words of a yes are
content/conversation.toml's `accept_words`.
"""
from __future__ import annotations

import re
from dataclasses import replace

from bot import content
from bot.conversation import answer_intent, is_one_of
from bot.messages import Reply
from bot.registry import FLOW_STEPS, step
from bot.router import route
from bot.validation import looks_like_a_question

FLOW, STEP = "offer", "pending"


def make(ctx, command: str, intent: str | None = None) -> None:
    """Remember that the reply being made offers `command` ("订阅人才"), answered as the router places
    it or (`intent`) by that intent's handler ("human": the request passed on to a person)."""
    offer = {"command": command, "intent": intent}
    flow = ctx.flow
    if flow is None or flow["name"] == FLOW:
        ctx.start_flow(FLOW, STEP, **offer)
    elif FLOW_STEPS[(flow["name"], flow["step"])].lapses:
        flow["offer"] = offer
        ctx.flow_changed = True


def accepts(text: str) -> bool:
    """"好", "要得", or a short yes in words ("好的 那帮我转一下", "嗯 提醒我")."""
    if is_one_of(text, "accept_words"):
        return True
    words = content.load_toml("conversation.toml")
    plain = re.sub(r"[\s\W_]+", "", text or "")
    return len(plain) <= words["accept_chars"] and any(phrase in plain for phrase in words["accept_phrases"]) \
        and not looks_like_a_question(text)


def carry_out(ctx, offer: dict) -> Reply:
    ctx.answer_override = offer["command"]
    ctx.intent = route(offer["command"])
    if offer.get("intent"):
        ctx.intent = replace(ctx.intent, name=offer["intent"], slots={})
    return answer_intent(ctx)


def accepted_in_list(ctx) -> Reply | None:
    """Under a list: the offer its last reply made, done on a yes; None (and the offer gone) otherwise."""
    offer = ctx.flow.pop("offer", None) if ctx.flow else None
    if offer is None:
        return None
    ctx.flow_changed = True
    if not accepts(ctx.text):
        return None
    ctx.end_flow()
    return carry_out(ctx, offer)


@step(FLOW, STEP, reads_only=True, prompt="smalltalk.ok", lapses=True)
def pending(ctx):
    offer = dict(ctx.flow_data)
    ctx.end_flow()
    return carry_out(ctx, offer) if accepts(ctx.text) else answer_intent(ctx)
