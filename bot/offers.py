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

from bot.conversation import answer_intent, is_one_of
from bot.messages import Reply
from bot.registry import FLOW_STEPS, step
from bot.router import route

FLOW, STEP = "offer", "pending"


def make(ctx, command: str) -> None:
    """Remember that the reply being made offers `command` ("订阅人才")."""
    flow = ctx.flow
    if flow is None or flow["name"] == FLOW:
        ctx.start_flow(FLOW, STEP, command=command)
    elif FLOW_STEPS[(flow["name"], flow["step"])].lapses:
        flow["offer"] = command
        ctx.flow_changed = True


def accepts(text: str) -> bool:
    return is_one_of(text, "accept_words")


def _carry_out(ctx, command: str) -> Reply:
    ctx.answer_override = command
    ctx.intent = route(command)
    return answer_intent(ctx)


def accepted_in_list(ctx) -> Reply | None:
    """Under a list: the offer its last reply made, done on a yes; None (and the offer gone) otherwise."""
    command = ctx.flow.pop("offer", None) if ctx.flow else None
    if command is None:
        return None
    ctx.flow_changed = True
    if not accepts(ctx.text):
        return None
    ctx.end_flow()
    return _carry_out(ctx, command)


@step(FLOW, STEP, prompt="smalltalk.ok", lapses=True)
def pending(ctx):
    command = ctx.flow_data["command"]
    ctx.end_flow()
    return _carry_out(ctx, command) if accepts(ctx.text) else answer_intent(ctx)
