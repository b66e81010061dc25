"""Which function answers which intent, menu key and flow step.

Handlers declare themselves with `@handles(...)` and `@step(...)`;
`handlers/__init__.py` imports every module, so that file is the one list
of capabilities.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

Handler = Callable[["Context"], "Reply"]  # noqa: F821 (names from bot.conversation)


@dataclass(frozen=True)
class Step:
    handler: Handler
    prompt: str | Handler  # content key, or a function building the question, asked again on resume
    accepts_media: bool    # whether a picture/voice without text is a valid answer
    lapses: bool           # a list being browsed: it ends quietly instead of waiting to be resumed
    tries: Callable[["Context"], bool] | None = None  # noqa: F821  whether a reply tries this step's answer
    own_intents: tuple[str, ...] = ()  # intents that are this flow's own ("入会" in the sign-up form)
    back: Handler | None = None  # "返回上一步": the step that asks the question before
    reads_only: bool = False  # may be answered at once: see `handles` and `step`
    confirms: bool = False  # shows a summary to confirm: "就这样吧" there is a yes, not a leave
    next_message_only: bool = False  # what it offers holds for the next message only (the help menu's numbers)
    numbers: tuple[str, ...] | None = ()  # the bare numbers its question offers ("1" to send); None: any (numbered items)


INTENT_HANDLERS: dict[str, Handler] = {}
MENU_HANDLERS: dict[str, Handler] = {}
EVENT_HANDLERS: dict[str, Handler] = {}
FLOW_STEPS: dict[tuple[str, str], Step] = {}
FLOW_SETTLED: dict[str, Callable[["Context"], bool]] = {}  # noqa: F821


def _register(table: dict, key, handler, what: str) -> None:
    if key in table and table[key] is not handler:
        raise ValueError(f"{what} {key!r} is registered twice")
    table[key] = handler


def handles(*intents: str, menu: str | tuple[str, ...] = (), events: tuple[str, ...] = (),
            reads_only: bool = False):
    """Register a handler for router intents, menu CLICK keys and WeChat events.

    `reads_only`: the handler's answer uses only the stores it is given (ctx.db, ctx.redis), Redis only
    to read, and does nothing outside them (no HTTP call, no file): it may be answered at once in the
    request thread (bot/webhook.py), its writes to ctx.db kept only with the answer, where a Redis
    command it comes to after all makes it give up, nothing kept, and run again in the pool. A
    handler that is entered twice that way must not mind."""
    menu_keys = (menu,) if isinstance(menu, str) else menu

    def register(handler: Handler) -> Handler:
        handler.reads_only = reads_only
        for intent in intents:
            _register(INTENT_HANDLERS, intent, handler, "intent")
        for key in menu_keys:
            _register(MENU_HANDLERS, key, handler, "menu key")
        for event in events:
            _register(EVENT_HANDLERS, event, handler, "event")
        return handler

    return register


def step(flow: str, name: str, prompt: str | Handler, accepts_media: bool = False,
         lapses: bool = False, tries: Callable | None = None, own_intents: tuple[str, ...] = (), back: Handler | None = None,
         reads_only: bool = False, confirms: bool = False, next_message_only: bool = False,
         numbers: tuple[str, ...] | None = ()):
    """Register one step of a multi-turn flow; `prompt` is asked again on resume.

    A step whose question depends on the answers so far (numbered choices, a
    summary) passes a function `prompt(ctx) -> Reply` instead of a content key.
    A browsing step (`lapses=True`: "更多" and numbers in a list) is no task to
    finish, so the member is never reminded of it.

    `tries(ctx)` says whether a reply tries to give this step's answer (its shape: a
    mobile, a number, a name); a step that gives it is under the one rule of
    bot.conversation.asks_something_else: another request is answered and the flow
    paused, and a reply of the answer's shape stays an answer.

    `reads_only` as for `handles`, for the step's handler, prompt, tries and back: a member inside
    the flow at this step may be answered at once (bot/webhook.py) when whatever else the message
    goes to (the intent it is routed to, a menu click's handler) is reads_only too.

    `confirms`: the step shows a summary to confirm, where a yes in a few words ("就这样吧", "好了 报吧")
    is its answer even when it reads as leaving elsewhere. A number alone is its answer only when the card
    offers it (`numbers`: feedback's "1" to send; None where numbers pick the summary's items): else it is
    neither yes nor no ("2", the event's number in the list, a quantity) and the card is asked again.

    `next_message_only`: what the step offers (the help menu's numbers) is for the message right after it;
    any other reply made since (to a picture, a scan, "等一下") ends the flow (bot.conversation.respond).
    """

    def register(handler: Handler) -> Handler:
        _register(FLOW_STEPS, (flow, name), Step(handler, prompt, accepts_media, lapses, tries, tuple(own_intents), back,
                                                 reads_only, confirms, next_message_only, numbers), "flow step")
        return handler

    return register


def settled_by(flow: str):
    """Register `settled(ctx) -> bool` for a flow: whether what it was doing got done elsewhere meanwhile
    (an application sent from the page, a member approved). A paused flow that is settled is dropped
    quietly: no reminder under replies, no "继续" into it (bot.conversation._on_message)."""

    def register(settled: Callable) -> Callable:
        _register(FLOW_SETTLED, flow, settled, "settled check of flow")
        return settled

    return register
