"""From one member message to one reply: flows, intents, menu clicks and events.

A member in the middle of a flow (a multi-turn form) has its state in Redis;
every message of that member is handled under a per-member lock so two
messages arriving together cannot both advance the same step.

A member has one current flow. When a paused form is replaced by another
request that opens a flow of its own (a feedback form, a list to page through,
binding), the paused form is kept inside the new flow under "waiting" and
comes back, still paused and with a reminder, when the new flow ends (done,
cancelled, or a list left behind). Only one flow waits: see
Context._waiting_under. It is saved inside the current flow's JSON, so it
shares that flow's Redis TTL; a flow saved without "waiting" reads as before.
"""
from __future__ import annotations

import logging
import re
import time
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from functools import lru_cache

from bot import clarify, content, delivery, language
from bot.messages import Inbound, Reply
from bot.registry import EVENT_HANDLERS, FLOW_SETTLED, FLOW_STEPS, INTENT_HANDLERS, MENU_HANDLERS
from bot.router import Intent, as_meant, route
from bot.validation import asks_something, looks_like_a_question, tries_value
from storage import state
from storage.database import ReadOnlyRefused, close_answer, open_answer, refused_anything

log = logging.getLogger(__name__)
_PUNCTUATION = re.compile(r"[\s。，,.!！?？~～、]+")
_WIDE_DIGITS = str.maketrans("０１２３４５６７８９", "0123456789")
_WORDS = re.compile(r"[^\W_]")  # a letter, a digit or a character: not only punctuation, spaces or emoji


@lru_cache(maxsize=256)  # the same message is read so a dozen times on its way through the form's checks
def _short_answer(text: str) -> str:
    return _PUNCTUATION.sub("", text or "").lower()  # "Yes", "Cancel": a phone capitalises the first letter


def is_one_of(text: str, words_key: str) -> bool:
    """Whether a short reply means e.g. "continue" or "confirm" (word lists in content/)."""
    return _short_answer(text) in content.load_toml("conversation.toml")[words_key]


def says_skip(text: str) -> bool:
    """"不填", "这个先空着", "不用写": a question left unanswered on purpose (content/conversation.toml skip_words); a step
    that may be left empty takes it as its answer (its `tries` holds), one that may not does not."""
    return content.holds_any((text or "").lower(), content.load_toml("conversation.toml")["skip_words"])


def not_cancelling(text: str) -> bool:
    """"算了不取消了", "别取消": the member keeps what is under way (content/conversation.toml not_cancelling_words)."""
    return content.holds_any(text or "", content.load_toml("conversation.toml")["not_cancelling_words"])


def means_continue(text: str) -> bool:
    """"继续", "好", or a short sentence made around 继续 ("那行，接着填吧"): go on with the paused form
    (content/conversation.toml continue_words)."""
    return is_one_of(text, "continue_words") or continue_said(text)


def continue_said(text: str) -> bool:
    """"好 继续报", "那行，接着填吧", "let's finish the registration": a short sentence asking to go on
    (content/conversation.toml continue_marks, continue_phrases_en), never a bare "好"."""
    words, plain = content.load_toml("conversation.toml"), _short_answer(text)
    if content.holds_any((text or "").lower(), words["continue_phrases_en"]):
        return True
    return len(plain) <= words["continue_chars"] and content.holds_any(plain, words["continue_marks"]) \
        and not content.holds_any(plain, words["continue_not"]) and not looks_like_a_question(text)


def says_yes(text: str) -> bool:
    """A yes at a confirm step, also said in a few words: "嗯 提交", "就这样吧", "好的 就这样提交吧"
    (content/conversation.toml confirm_words, with confirm_fillers around them); never a question
    ("可以吗") nor anything with a word of its own in it ("先不提交")."""
    words = content.load_toml("conversation.toml")
    plain = rest = _short_answer(text)
    for word in _longest_first(tuple(words["confirm_words"])):
        rest = rest.replace(word.lower(), "")
    if not plain or rest == plain:
        return False
    for filler in _longest_first(tuple(words["confirm_fillers"])):
        rest = rest.replace(filler, "")
    return not rest


def says_yes_first(text: str, action: tuple[str, ...] = ()) -> bool:
    """"确认取消吧 有事去不了了", "对 取消 那天要出差": a yes in the first clause (with the step's own `action` said in it:
    取消 where the question is whether to cancel), and after it a remark that asks nothing and takes nothing back."""
    clauses = [clause for clause in _CLAUSE_BREAK.split((text or "").strip()) if clause]
    first, rest = (clauses[0], " ".join(clauses[1:])) if clauses else ("", "")
    for word in action:
        first, rest = first.replace(word, ""), rest.replace(word, "")
    return says_yes(first) and not asks_something(rest) and not not_cancelling(rest) and not is_one_of(rest, "no_words")


def holds_on(text: str) -> bool:
    """"等一下", "稍等 我找一下证件", "丁浩的电话我问一下", "电话我回头发你": the member asks for a moment, with
    nothing else in the message (content/conversation.toml hold_words, hold_reasons, hold_tails): no number,
    no question, no change ("等下 改成招三个" is a change), no asking the bot to do it ("帮我查一下")."""
    words, plain = content.load_toml("conversation.toml"), _short_answer(text)
    tails, leads = tuple(words["hold_tails"]), _longest_first(tuple(words["hold_words"]))
    if not plain.endswith(tails) and not plain.startswith(leads):  # most messages: no hold word where it stands
        return False
    if any(char.isdigit() for char in plain) or looks_like_a_question(text):
        return False
    tail = next((tail for tail in tails if plain.endswith(tail)), None) if plain.endswith(tails) else None
    if tail is not None:  # "帮我查一下" asks the bot to look
        return not plain[:-len(tail)].endswith(tuple(words["hold_not_after"]))
    lead = next((word for word in leads if plain.startswith(word)), None)
    rest = plain[len(lead):] if lead else ""
    return lead is not None and (not rest or len(rest) <= words["hold_rest_chars"] and
                                 any(reason in rest for reason in words["hold_reasons"]))


def _holds_a_value(ctx) -> bool:
    """"发票抬头郑州大学 税号我回头发你": besides asking for a moment, a clause that says something else (no hold
    word, tail or reason in it), which the open step may take as its answer."""
    words = content.load_toml("conversation.toml")
    holding = (*words["hold_words"], *words["hold_tails"], *words["hold_reasons"])
    return any(clause and not any(word in clause for word in holding) for clause in _CLAUSE_BREAK.split(ctx.text.lower()))


def starts_a_request(text: str) -> bool:
    """"帮我报名…", "查一下我的会费", "我想报名新材料产业沙龙": a message that opens with asking for something
    (content/conversation.toml request_leads)."""
    return (text or "").strip().lstrip("那先就").lower().startswith(tuple(content.load_toml("conversation.toml")["request_leads"]))


_CLAUSE_BREAK = re.compile(r"[\s。，,.!！?？~～、]+")


_STATEMENT_BREAK = re.compile(r"[\s,，;；。!！]+")


def statement_clauses(text: str) -> list[str]:
    """A message's clauses between spaces and the punctuation that ends a statement ("没问题了 提交", "…四个人 张建国137…
    开发票"); a question mark and 、 do not break one ("张三、李四" stays one)."""
    return [clause for clause in _STATEMENT_BREAK.split(text) if clause]


def first_clause(text: str) -> str:
    """A message's words up to the first space or punctuation, lower-cased: "算了不弄了，下次再说" -> "算了不弄了"."""
    return _CLAUSE_BREAK.split((text or "").strip().lower(), maxsplit=1)[0]


def _without_leading_fillers(text: str) -> str:
    """A message without the fillers it opens with ("嗯 算了吧", "哦 那算了", "那算了 不报了": content/conversation.toml
    leave_fillers), which say nothing of their own."""
    rest, fillers = (text or "").strip(), _longest_first(tuple(content.load_toml("conversation.toml")["leave_fillers"]))
    while rest.startswith(fillers):
        rest = rest[len(next(word for word in fillers if rest.startswith(word))):].lstrip(" ，,。.、~～")
    return rest


def _leads_with(text: str, words_key: str) -> bool:
    """Whether a message opens with a clause made of the words only: "算了不弄了，下次再说", "嗯 算了吧"."""
    first = first_clause(_without_leading_fillers(text)).rstrip("吧啊哈呀嘛")
    words = content.load_toml("conversation.toml")[words_key]
    if not first or not content.holds_any(first, words):  # most messages: none of the words
        return False
    rest = first
    for word in _longest_first(tuple(words)):
        rest = rest.replace(word, "")
    return not rest


def _english_drop(text: str) -> str | None:
    """"never mind, show me upcoming events": what follows an English phrase of leaving the form
    (content/conversation.toml drop_phrases_en), "" when nothing does; None when it opens with none."""
    plain = (text or "").strip().lower()
    phrase = next((p for p in content.load_toml("conversation.toml")["drop_phrases_en"] if plain.startswith(p)), None)
    return None if phrase is None else plain[len(phrase):].strip(" ,.;!")


def _leads_with_a_drop(text: str) -> bool:
    """"先不投诉了，…", "那不反馈了", "不提了 退出": a first clause saying 不<doing>了 (content/conversation.toml
    drop_verbs), which leaves the form like a cancel word."""
    return _drop_pattern(tuple(content.load_toml("conversation.toml")["drop_verbs"])).fullmatch(first_clause(text)) \
        is not None


def leaves_in_a_clause(text: str) -> bool:
    """"俺们领导还没定 先不弄了", "发票先不开了", "人还没统计好 回头再报", "wait nvm ill do this later": a clause of the
    message says leaving the form, wherever it stands: 不 or 别 before a verb of doing it, then 了, after what it is
    about (content/conversation.toml drop_verbs), or the whole clause putting it off (put_off_words, then 再 and such
    a verb); or an English phrase of leaving anywhere (drop_anywhere_en). Asked of a message the step cannot take as
    its answer ("普通的就行 别的以后再说" is a choice), or that the router hears as leaving or cannot place."""
    words, lowered = content.load_toml("conversation.toml"), (text or "").lower()
    if content.holds_any(lowered, words["drop_anywhere_en"]):
        return True
    pattern = _leave_pattern(tuple(words["drop_verbs"]), tuple(words["put_off_words"]))
    return any(pattern.search(clause) for clause in _CLAUSE_BREAK.split(lowered) if clause)


@lru_cache(maxsize=4)
def _leave_pattern(drop_verbs: tuple[str, ...], put_off_words: tuple[str, ...]) -> re.Pattern:
    """A clause ending in 不<doing>了, or made of putting it off (leaves_in_a_clause): made once."""
    verbs = "|".join(map(re.escape, _longest_first(drop_verbs)))
    later = "|".join(map(re.escape, _longest_first(put_off_words)))
    return re.compile(rf"(?:不|别)(?:想|要|用)?再?(?:{verbs})了(?:吧|啊|哈|呀)?$|"
                      rf"^(?:那|就|我|等)*(?:{later})再?(?:{verbs})?(?:吧|了|啊)?$")


@lru_cache(maxsize=16)
def _longest_first(words: tuple[str, ...]) -> tuple[str, ...]:
    """A word list of content/ longest first (the first a message holds is the longest): sorted once."""
    return tuple(sorted(words, key=len, reverse=True))


@lru_cache(maxsize=4)
def _drop_pattern(drop_verbs: tuple[str, ...]) -> re.Pattern:
    """不<doing>了 for the verbs of content/conversation.toml drop_verbs, longest first: made once."""
    verbs = "|".join(re.escape(verb) for verb in sorted(drop_verbs, key=len, reverse=True))
    return re.compile(rf"(那|那就|那我|我|还是|算了)*先?不(想|要|用)?(再)?({verbs})了(吧|啊|哈)?")


@dataclass
class Context:
    """What a handler sees: the message, its intent, the member's flow, and the stores."""
    services: "Services"  # noqa: F821 (bot.app.Services)
    message: Inbound
    flow: dict | None
    intent: Intent | None = None
    at_once: bool = False  # answered in the request thread, the store's writes kept with the answer (bot/webhook.py)
    remembered_language: str | None = None  # read with the member's turn (bot/language.py)
    flow_changed: bool = field(default=False, init=False)
    answer_override: str | None = field(default=None, init=False)  # a held-back answer, replayed
    remind_of: dict | None = field(default=None, init=False)  # a paused flow the reply should mention
    turn: state.MemberTurn | None = None  # the member's turn the message is answered in
    left_list: dict | None = None  # the list the member last browsed and moved on from (see _kept_apart)
    opened_with: dict | None = field(default=None, init=False)  # the flow as the message found it
    _said: str = field(default="", init=False, repr=False)  # the message's text stripped (read ~20 times a message)

    def __post_init__(self) -> None:
        self._said = (self.message.text or "").strip()

    @property
    def openid(self) -> str:
        return self.message.openid

    @property
    def text(self) -> str:
        if self.answer_override is not None:
            return self.answer_override
        return self._said

    @property
    def db(self):
        return self.services.reader if self.at_once else self.services.db

    @property
    def redis(self):
        return state.AtOnceRedis(self.services.redis) if self.at_once else self.services.redis

    @property
    def config(self):
        return self.services.config

    @property
    def flow_data(self) -> dict:
        return self.flow["data"] if self.flow else {}

    def reply(self, key: str, **fields) -> Reply:
        return Reply(text=content.text(key, **fields))

    def after_reply(self, write) -> None:
        """`write(db)`: a write to the member store that the reply does not depend on (a message not
        understood kept for the secretariat). Answered at once, it is left on the turn and made
        once the reply is rendered (bot/webhook.py), so that it does not send the message to the
        pool; otherwise it is made now. A failure is logged: it never costs the member the reply."""
        if self.at_once:
            self.turn.after_reply.append(write)
        else:
            write_quietly(write, self.db)

    def start_flow(self, name: str, step: str, **data) -> None:
        """Start a flow in place of the current one; a paused form waits under it (end_flow)."""
        waiting = self._waiting_under(name)
        self.flow = {"name": name, "step": step, "data": data, "paused": False}
        if waiting is not None:
            self.flow["waiting"] = waiting
        self.flow_changed = True

    def _waiting_under(self, name: str) -> dict | None:
        """What a flow `name` started now keeps waiting: what waited under the current flow, else
        the current flow if it is a paused form (a list being browsed just lapses).

        One flow at most waits, so the half-filled form the member left first keeps its place:
        a paused flow replaced while one already waits under it is dropped, as before. A flow
        never waits under one of its own name: that is the same form started over.
        """
        current = self.flow
        if current is None:
            return None
        paused_form = current if current.get("paused") and not _step_of(current).lapses else None
        for flow in (current.get("waiting"), paused_form):
            if flow is not None and flow["name"] != name:
                return {key: value for key, value in flow.items() if key != "waiting"}
        return None

    def goto(self, step: str, **data) -> None:
        self.flow["step"] = step
        self.flow["data"].update(data)
        self.flow_changed = True

    def end_flow(self, waiting_too: bool = False) -> None:
        """End the current flow. A form that waited under it comes back, still paused, and the
        reply reminds the member of it; `waiting_too` drops it as well (an unfollow)."""
        waiting = None if waiting_too or self.flow is None else self.flow.get("waiting")
        self.flow = waiting
        if waiting is not None:
            waiting["paused"] = True
            waiting.pop(REMINDED, None)  # back from another flow: said again
            self.remind_of = waiting
        self.flow_changed = True

    @contextmanager
    def read_as(self, intent: Intent | None = None, text: str | None = None):
        """For the block, the message read as `intent` and (or) as `text` (an answer made for another reading,
        or for part of the message); then as before, whatever the block raised (a write refused at once hands
        the pool the turn's own intent)."""
        kept = self.intent, self.answer_override
        self.intent = kept[0] if intent is None else intent
        self.answer_override = kept[1] if text is None else text
        try:
            yield
        finally:
            self.intent, self.answer_override = kept

    def answer_by_intent(self) -> Reply:
        """Answer the message by its intent: for a step that sees the member has moved on and
        cannot import this engine (bot/clarify.py, which the engine itself calls)."""
        return answer_intent(self)

    def settle(self, turn: state.MemberTurn) -> None:
        """Hand the flow back to be kept, stamped so that a stale one can be told later. With no flow left, a
        list the member moved on from (now, or before) is kept in the flow's place, apart (_kept_apart), so that
        "第三篇讲啥", "最后一个" a few messages later still mean it, unless the member cancelled; nothing is written
        when nothing changed."""
        opened = self.opened_with
        left = opened if opened is not None and opened is not self.flow and _is_a_list(opened) else self.left_list
        if self.intent is not None and self.intent.name == "cancel":
            left = None  # "取消", "不看了": nothing kept behind
        if self.flow is not None:
            if left is not None and _step_of(self.flow).lapses and not _is_a_list(self.flow):
                self.flow[LEFT_LIST] = {key: value for key, value in left.items() if key != "waiting"}  # under a menu
            self.flow["updated_at"] = time.time()
            turn.save(self.flow)
            return
        if left is not None and (self.flow_changed or left is not self.left_list):
            turn.save({LEFT_LIST: {key: value for key, value in left.items() if key != "waiting"},
                       "updated_at": time.time()})
        elif self.flow_changed:
            turn.clear()


LEFT_LIST = "left_list"  # the flow key holding no flow, only the list last browsed ({"left_list": flow})


def _kept_apart(saved: dict | None) -> tuple[dict | None, dict | None]:
    """The member's flow as the turn read it, and the list kept in its place or under a menu shown since (Context.settle);
    either is None."""
    if saved is None or LEFT_LIST not in saved:
        return saved, None
    if "name" not in saved:
        return None, saved[LEFT_LIST]
    return saved, saved.pop(LEFT_LIST)  # a menu or an offer shown after the list, which it outlives


def _is_a_list(flow: dict) -> bool:
    """A numbered list being browsed (bot/paging), not a menu answered by the next message only nor an offer."""
    step_now = _step_of(flow)
    return step_now.lapses and not step_now.next_message_only and "shown" in flow["data"]


def _back_to_left_list(ctx: Context) -> Reply | None:
    """"那第三篇讲啥", "最后一个截止啥时候" with no flow open: the entry of the list the member last browsed (kept by
    Context.settle for as long as a flow is), as bot/paging answers it (the text event "text:left_list"); None
    when there is no such list or the message names none of it."""
    answer = EVENT_HANDLERS.get("text:left_list")
    return answer(ctx) if answer is not None and ctx.left_list is not None else None


def write_quietly(write, db) -> None:
    """`write(db)` (Context.after_reply); a failure (a locked or full store) is logged, not raised."""
    try:
        write(db)
    except Exception:  # noqa: BLE001 (the member's answer matters more than the record)
        log.warning("a write after the reply failed", exc_info=True)


def respond(services, message: Inbound, turn: state.MemberTurn, at_once: bool = False,
            routed: Intent | None = None) -> Reply:
    """The reply to one message, in its member's turn (see state.begin_message); raises
    state.MemberBusy if another message of the member keeps the lock too long.

    `at_once` (bot/webhook.py): answer in the request thread, the turn taken already, if the message
    goes to a handler registered `reads_only` and its kind of message is worth trying so (kind_of,
    AtOnceRecord): the store in one transaction (storage.database.open_answer: its writes kept
    only with the answer, the write lock waited for a bounded time) and Redis only read (Context.redis).
    Otherwise, and at a Redis command or wait refused, or a statement that fails, ReadOnlyRefused with
    nothing written: the caller starts the turn over and answers in the handler pool, with the intent
    the refusal carries (`routed`: the text is not routed twice)."""
    if not at_once:
        state.take_turn(services.redis, turn, wait=services.config.reply_budget_seconds / 2)
    flow, left = _kept_apart(turn.flow)
    ctx = Context(services, message, flow, at_once=at_once, remembered_language=turn.language, turn=turn, left_list=left)
    ctx.opened_with = flow
    if message.kind != "event" and message.text is not None:
        ctx.intent = routed or route(ctx.text)
    tried = at_once and _reads_only(ctx) and services.at_once.worth_trying(kind_of(ctx))
    kind = kind_of(ctx) if tried else None
    reader = ctx.db if at_once else None
    try:
        if at_once and not tried:
            raise ReadOnlyRefused("not tried at once")
        if at_once:
            refused_anything(reader)  # forget an earlier message's refusal
            open_answer(reader)
        spoken = language.of_turn(ctx)
        with content.replying_in(spoken):
            if ctx.flow is not None and ctx.flow.get("paused") and FLOW_SETTLED.get(ctx.flow["name"], lambda _: False)(ctx):
                ctx.end_flow()  # done elsewhere meanwhile (an application sent from the page): never resumed
            offered = ctx.flow if ctx.flow is not None and _step_of(ctx.flow).next_message_only else None
            with ctx.read_as(text=_as_meant(ctx)):
                reply = _on_event(ctx) if message.kind == "event" else _on_message(ctx)
            if offered is not None and ctx.flow is offered:  # answered by another reply than the step's own
                ctx.end_flow()
            reply = _reminded(ctx, reply)
            language.remember(ctx, spoken, services.config.flow_ttl_seconds)
            ctx.settle(turn)
            reply = delivery.announce_inbox(ctx.db, ctx.redis, services.config, message, reply, turn)  # notices, newsletters
        if at_once and refused_anything(reader):  # a refusal some handler caught: its answer is not the one
            raise ReadOnlyRefused(kind)
        if at_once:
            close_answer(reader, keep=True)
    except ReadOnlyRefused as refused:
        if tried:
            services.at_once.note(kind, gave_up=True)
        refused.routed = ctx.intent if message.kind != "event" and message.text is not None else None
        raise
    finally:
        if at_once and reader.conn.writes:  # given up, or failed: its writes dropped
            close_answer(reader, keep=False)
    if tried:
        services.at_once.note(kind, gave_up=False)
    return reply


def _as_meant(ctx: Context) -> str | None:
    """A new request with the key words a phone's voice input misheard written as meant (router.as_meant: "我要开发飘"
    is answered as 发票), or None to read it as typed: a form's answer, or a message that may name a person (a
    mobile or a member number with it: "寿菊 138…" binds 寿菊), is never rewritten."""
    if ctx.flow is not None or ctx.message.text is None or ctx.message.kind == "event":
        return None
    meant = as_meant(ctx.text)
    return meant if meant != ctx.text and not _NUMBER_SAID.search(ctx.text) else None


_NUMBER_SAID = re.compile(r"\d{4}")


class AtOnceRecord:
    """Which kinds of message (kind_of) are worth answering at once: how often each kind's tries
    gave up at a refusal (bot/webhook.py answers those again in the pool, so a try that gives up
    costs about what the hop it would have saved costs). A kind is tried at once while no more
    than half its tries gave up (give or take SLACK, so that its first few messages do not decide
    alone); past that, one message in PROBE still is, so that a kind that gave up (a non-member's
    profile question reads Redis for failed bindings, a member's does not) is not sent to the
    pool for good. Counts halve past WINDOW: the record follows what a kind does now. One per
    process, shared by its threads; a lost update only shifts the odds."""

    SLACK, PROBE, WINDOW = 4, 16, 64

    def __init__(self):
        self._counts: dict[str, list[int]] = {}  # kind -> [answered at once, gave up, passed over]

    def worth_trying(self, kind: str) -> bool:
        counts = self._counts.get(kind)
        if counts is None or counts[1] <= counts[0] + self.SLACK:
            return True
        counts[2] += 1
        return counts[2] % self.PROBE == 0

    def note(self, kind: str, gave_up: bool) -> None:
        counts = self._counts.setdefault(kind, [0, 0, 0])
        counts[1 if gave_up else 0] += 1
        if counts[0] + counts[1] >= self.WINDOW:
            counts[0], counts[1] = counts[0] // 2, counts[1] // 2


def _handler_of(ctx: Context):
    """The handler the message goes to when the member has no flow, or is answered by beside one
    (None for media)."""
    message = ctx.message
    if message.kind == "event":
        if message.event == "click":
            return MENU_HANDLERS.get(message.event_key or "") or INTENT_HANDLERS["help"]
        return EVENT_HANDLERS.get(message.event or "")
    return INTENT_HANDLERS.get(ctx.intent.name) if ctx.intent is not None else None


def _reads_only(ctx: Context) -> bool:
    """Whether all the message can go to is registered reads_only (bot.registry.handles): the
    handler; inside a flow, the flow's step too (a text or a click: a picture may be kept)."""
    handler = _handler_of(ctx)
    if ctx.flow is None:
        return getattr(handler, "reads_only", False)
    if ctx.message.kind != "event" and ctx.message.text is None:
        return False
    step_now = FLOW_STEPS.get((ctx.flow["name"], ctx.flow["step"]))
    return step_now is not None and step_now.reads_only and (handler is None or getattr(handler, "reads_only", False))


def kind_of(ctx: Context) -> str:
    """What decides which stores an answer touches: the menu key clicked, the event, the intent
    of a text, the kind of media; inside a flow, with the flow's step. A few dozen kinds outside
    flows (a click's key only when the menu has it)."""
    message = ctx.message
    if message.kind == "event":
        if message.event == "click":
            kind = f"click:{message.event_key if message.event_key in MENU_HANDLERS else '?'}"
        else:
            kind = f"event:{message.event if message.event in EVENT_HANDLERS else '?'}"
    elif ctx.intent is not None:
        kind = f"intent:{ctx.intent.name}"
    else:
        kind = f"media:{message.kind}"
    return kind if ctx.flow is None else f"{ctx.flow['name']}:{ctx.flow['step']}/{kind}"


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
        keeper = EVENT_HANDLERS.get(f"media:{ctx.message.kind}")  # a receipt kept with a ticket, a place
        kept = keeper(ctx) if keeper else None
        if kept is not None:
            return kept
        reply = ctx.reply(f"media.{ctx.message.kind}" if ctx.message.kind in
                          ("image", "voice", "video", "location", "link") else "media.other")
        return reply.with_note(ask_again(ctx).text or "") if flow and not _step_of(flow).next_message_only else reply

    if language.asks_about_english(ctx.text):  # "Do you have anyone who speaks English?"
        about = ctx.reply("language.staff")
        return answer_while_paused(ctx, lambda: about) if flow else about
    about = _about_society(ctx)  # "学会在哪里", "周末上班吗": content/'s answer, whatever the route
    if about is not None:
        return about
    short = _short_answer(ctx.text)
    if content.holds_any(short, content.load_toml("conversation.toml")["no_numbers_words"]):
        said = ctx.reply("flow.no_numbers")  # "我不会打数字": words do, whatever is open stays; a form asks again
        return said.with_note(ask_again(ctx).text or "") if flow and not _step_of(flow).lapses else said
    if holds_on(ctx.text) and not (flow and not _step_of(flow).lapses and _tries(ctx, _step_of(flow)) and _holds_a_value(ctx)):
        # "等一下", "稍等 我找一下证件": a form waits as it is, a list stays open; "抬头郑州大学 税号我回头发你" answers
        if flow is not None and not _step_of(flow).lapses and "held_answer" not in flow:
            flow["paused"] = True
            ctx.flow_changed = True
            return ctx.reply("flow.away", flow=flow_title(flow))
        return ctx.reply("flow.hold")
    if flow is not None and not flow.get("paused") and "held_answer" not in flow and not _step_of(flow).lapses \
            and not _WORDS.search(ctx.text):
        return ask_again(ctx)  # "？", "。。" mid-form: no answer, no go-ahead, no other request; the question again
    if flow is None and continue_said(ctx.text):  # "单位同意了，继续报" after cancelling it: that form again
        kept = state.take_cancelled(ctx.redis, ctx.openid)
        if kept is not None:
            ctx.flow, ctx.flow_changed = {**kept, "paused": False}, True
            return ctx.reply("cancel.resumed", flow=flow_title(ctx.flow)).with_note(ask_again(ctx).text or "")
    if _declines_a_part(ctx.text) and not (flow and "held_answer" in flow):
        return _part_declined(ctx)  # "晚宴算了", "外地的算了": not the form, the list or the request
    back = _back_to_left_list(ctx) if flow is None else None
    if back is not None:  # "那第三篇讲啥" after a side question: the list shown before
        return back
    both = _two_requests(ctx) if flow is None else None
    if both is not None:  # "查一下论文写作培训啥时候，顺便看看有没有材料方面的招聘": each answered
        return both
    asked = clarify.intercept(ctx)  # ctx.intent: routed by respond  # a numbered question when unsure; what was not understood is kept
    if asked is not None:
        return asked
    if flow is None:
        return answer_intent(ctx)
    if "held_answer" in flow:
        return _after_cancel_question(ctx)
    if _step_of(flow).lapses and flow.get("waiting") and _step_of(flow["waiting"]).confirms and says_yes(ctx.text):
        ctx.end_flow()  # "确认" under a list shown beside a summary to confirm: the summary's yes
        ctx.flow["paused"] = False
        return _step_of(ctx.flow).handler(ctx)
    if _step_of(flow).lapses and ctx.intent.name == "cancel" and not (flow.get("paused") or _is_stale(ctx)) \
            and not _confident(ctx) and not _says_leave(ctx.text):
        return _step_of(flow).handler(ctx)  # "科普那个吧" under a list of trainings, guessed a cancel: the list's to read
    if _step_of(flow).lapses and (flow.get("paused") or _is_stale(ctx) or ctx.intent.name == "cancel"):
        ctx.end_flow()  # a list being browsed is simply left behind
        if ctx.flow is None and ctx.intent.name == "cancel" and _step_of(flow).prompt == "smalltalk.ok" \
                and _says_leave(ctx.text):  # "哦 那算了" to an offer or the help menu: declined, nothing else to cancel
            return ctx.reply("smalltalk.ok")
        if ctx.flow is not None and is_one_of(ctx.text, "resume_words"):
            return _resume(ctx)  # "刚才说到哪了" (which the router may guess a cancel): the form's question
        if ctx.flow is not None and ctx.intent.name == "cancel":  # the form the list kept waiting: drop it too?
            return _offer_to_resume(ctx, "flow.cancel_which")
        return answer_intent(ctx)
    step_now = _step_of(flow)
    if is_one_of(ctx.text, "back_words"):
        if step_now.back is None:  # "返回" at a form's only question: out of it
            return INTENT_HANDLERS["cancel"](ctx)
        flow["paused"] = False
        ctx.flow_changed = True
        return step_now.back(ctx)  # "返回上一步": the question before, not a cancel
    if step_now.confirms and not flow.get("paused") and _number_not_offered(ctx.text, step_now):
        return ctx.reply("flow.no_number").with_note(ask_again(ctx).text or "")  # "2": neither yes nor no here
    if step_now.confirms and not flow.get("paused") and says_yes(ctx.text):
        return step_now.handler(ctx)  # "就这样吧" under the summary just shown: a yes, not a leave
    # where the question is whether to cancel, "我再想想 回头再说" puts the cancelling off: the step's answer, below
    if _says_leave(ctx.text) and not ("cancel" in step_now.own_intents and leaves_in_a_clause(ctx.text)):
        return _left_then(ctx, INTENT_HANDLERS["cancel"](ctx))  # also "cancel", which the router may not place
    if content.holds_any(ctx.text, content.load_toml("conversation.toml")["away_words"]):
        flow["paused"] = True  # "我先去开个会，一会儿回来": kept as it is until "继续"
        ctx.flow_changed = True
        return ctx.reply("flow.away", flow=flow_title(flow))
    if flow.get("waiting") and is_one_of(ctx.text, "earlier_words"):
        ctx.end_flow()  # "回到刚才报名" from the binding a dues question started: back to the registration
        return _resume(ctx)
    if (is_one_of(ctx.text, "resume_words") or continue_said(ctx.text)) and step_now.tries is not None \
            and not step_now.tries(ctx):
        return _resume(ctx)  # "好，继续" / "回到刚才报名" / "好 继续报": the question it is waiting on
    if flow.get("paused") and means_continue(ctx.text) and not _tries(ctx, step_now):
        return _resume(ctx)  # "那行，接着填吧" after a side question, whatever the router guessed
    if ctx.intent.name == "cancel" and "cancel" in step_now.own_intents and _tries(ctx, step_now):
        return step_now.handler(ctx)  # "确认取消吧 有事去不了了" where the question is whether to cancel: its answer
    if leaves_in_a_clause(ctx.text) and (ctx.intent.name in ("cancel", "unknown") or not _tries(ctx, step_now)):
        if step_now.confirms and _tries(ctx, step_now):
            return step_now.handler(ctx)  # "刘洪就不报了" at the list of colleagues: he is taken off it
        if not (says_skip(ctx.text) and _tries(ctx, step_now)):  # "邮箱不填了" where it may stay empty: skipped
            return _left_then(ctx, INTENT_HANDLERS["cancel"](ctx))  # "俺们领导还没定 先不弄了": left, as 取消 leaves
    if ctx.intent.name == "cancel" and _tries(ctx, step_now) and (not _confident(ctx) or (
            step_now.confirms or says_skip(ctx.text)) and not (
            flow.get("paused") or content.holds_any(ctx.text, content.load_toml("conversation.toml")["cancel_words"]))):
        return step_now.handler(ctx)  # "行了 可以提交了" guessed a cancel, "马强去不了了" at a list, "不填" where
        # the step may be left empty (its `tries` says so): the step's own
    if ctx.intent.name == "cancel" and not_cancelling(ctx.text):  # "算了不取消了": the step's, or its question again
        return step_now.handler(ctx) if _tries(ctx, step_now) else _resume(ctx)
    if ctx.intent.name == "cancel":
        # "王停" or "终止妊娠研究" may be a real answer: ask before throwing the form away.
        flow["held_answer"] = ctx.text
        ctx.flow_changed = True
        return ctx.reply("cancel.confirm", flow=flow_title(flow))
    if flow.get("paused") or _is_stale(ctx):
        if means_continue(ctx.text):
            return _resume(ctx)
        if not flow.get("paused") and (_tries(ctx, step_now) or ctx.intent.name in ("unknown", "cancel")):
            return _offer_to_resume(ctx)  # "在吗" after a while: go on or drop it; another request is answered below
        if not _tries(ctx, step_now):
            return answer_while_paused(ctx, lambda: answer_intent(ctx))
        flow["paused"] = False  # the answer to the question it was paused at: go on with it
        ctx.flow_changed = True
        return step_now.handler(ctx)
    both = _answer_then_request(ctx, step_now)
    if both is not None:  # "我叫李红，你们会费多少": the name kept, the dues answered, the next question asked
        return both
    if step_now.tries is not None and not _answers_step(ctx, step_now):
        if not _confident(ctx):  # a question the router only guesses at
            options = clarify.options_of(ctx.intent)
            if len(options) >= 2:  # one numbered question, the form waiting under it
                return answer_while_paused(ctx, lambda: clarify.ask(ctx, options))
            if ctx.intent.name not in content.load_toml("conversation.toml")["guess_answered_in_form"]:
                ctx.intent = replace(ctx.intent, name="unknown", slots={})  # not that guess's form
        return answer_while_paused(ctx, lambda: answer_intent(ctx))
    return step_now.handler(ctx)


def _two_requests(ctx: Context) -> Reply | None:
    """"我想退订行业新闻，再看看最新的政策": two requests joined by a word of adding (content/conversation.toml
    also_words) after a break, each placed clearly by the router on a different intent, answered one after
    the other in one reply; None for anything else (one request, or a part the router is unsure of)."""
    parts = [part.strip() for part in _also_pattern(tuple(content.load_toml("conversation.toml")["also_words"])).split(
        ctx.text.strip(), maxsplit=1)]
    intents = [_placed_clearly(part) for part in parts] if len(parts) == 2 and all(parts) else [None]
    if None in intents or intents[0].name == intents[1].name:
        return None
    with ctx.read_as(intents[0], parts[0]):
        first = answer_intent(ctx)
    form = ctx.flow if ctx.flow is not None and not ctx.flow.get("paused") and not _step_of(ctx.flow).lapses else None
    both = _also_answered(ctx, first, intents[1], parts[1])
    if form is not None and ctx.flow is not form and (ctx.flow is None or _step_of(ctx.flow).lapses):
        # "我要报名…，顺便查查…招聘": the registration's question was asked; the next message answers it, not a list
        ctx.flow, ctx.flow_changed = form, True
    return both


def _answer_then_request(ctx: Context, step_now) -> Reply | None:
    """"我叫李红，你们会费多少", "5 其他 会费咋交", "刘洋 136…\n孙悦 136…\n顺便帮我们订阅行业动态": a form's answer in
    the first clauses and, after them, a request the router places clearly elsewhere (_answer_and_request): the answer
    taken by the step, the request answered before the step's next question (the form goes on, no reminder); None for
    anything else. A list the request opens is shown, the form staying the member's current question."""
    split = _answer_and_request(ctx, step_now)
    if split is None:
        return None
    head, tail, intent = split
    form = ctx.flow
    with ctx.read_as(route(head), head):
        taken = step_now.handler(ctx)
    with ctx.read_as(intent, tail):
        if ctx.flow is not form:  # the form ended with its answer (sent, left): the question answered after
            return Reply(text=f"{taken.text}\n\n{answer_intent(ctx).text}")
        other = answer_while_paused(ctx, lambda: answer_intent(ctx))
    if ctx.flow is not form and not (ctx.flow is not None and _step_of(ctx.flow).lapses):
        return Reply(text=f"{taken.text}\n\n{other.text}")  # a form of its own started, this one waiting: asked last
    ctx.flow, ctx.flow_changed = form, True  # "王磊 科技奖啥时候截止": the list shown, the form's question the one open
    form["paused"], ctx.remind_of = False, None
    return Reply(text=f"{other.text}\n\n{taken.text}")


def _answer_and_request(ctx: Context, step_now) -> tuple[str, str, Intent] | None:
    """Where a message splits into the step's answer and another request: (the answer's clauses, the rest, the rest's
    intent) at the first break where the clauses before it are tried by the step and ask nothing, and the rest asks
    something or asks for something (a question, a request's lead, a word of adding: content/conversation.toml
    request_leads, also_words; plainly asked where the step would take the whole text in words), is placed clearly by the router on another intent than the form's, and gives the form
    nothing more ("职称副高，专业新闻传播，这个能入吗" is all the step's); None when there is no such break."""
    if step_now.tries is None:
        return None
    clauses = [clause for clause in _CLAUSE_BREAK.split(ctx.text.strip()) if clause]
    if len(clauses) < 2:
        return None
    takes_it_all = step_now.tries(ctx)
    for at in range(1, len(clauses)):
        head, tail = " ".join(clauses[:at]), " ".join(clauses[at:])
        if looks_like_a_question(head):
            return None
        # a text the step takes whole, said in words ("希望多办点线上培训 报名能简单点", "我换手机了 旧微信登不上了 咋办"):
        # split only at a question said plainly; after a value ("3456 会费交到哪年了") at a spoken one too
        plainly = takes_it_all and not _value_shaped(head)
        if not (looks_like_a_question(tail) or _adds(tail)) and (plainly or not _asks_for_something(tail)):
            continue
        with ctx.read_as(route(head), head):
            if not step_now.tries(ctx):
                continue
        intent = _placed_clearly(tail)
        if intent is None or intent.name in (*step_now.own_intents, ctx.flow["name"]):
            continue
        with ctx.read_as(intent, tail):
            if _adds(tail) or not step_now.tries(ctx):  # "顺便帮我订阅一下政策" gives the form nothing
                return head, tail, intent
    return None


def _asks_for_something(text: str) -> bool:
    """A question (also a spoken one: "会费咋交"), a request after a word of adding ("顺便帮我们订阅行业动态") or by
    its lead ("帮我…", "报名…")."""
    return asks_something(text) or _adds(text) or starts_a_request(text)


def _value_shaped(text: str) -> bool:
    """A value a form asks for, by its shape: a number, a mobile, a name, a unit, an e-mail (bot.validation.tries_value)."""
    return any(tries_value(shape, text) for shape in ("digits", "mobile", "name", "unit", "email"))


def _adds(text: str) -> bool:
    """Whether a part of a message opens with a word of adding (content/conversation.toml also_words): "顺便…"."""
    return text.startswith(_longest_first(tuple(content.load_toml("conversation.toml")["also_words"])))


def _placed_clearly(part: str) -> Intent | None:
    """The intent the router places a part of a message on clearly (content/conversation.toml: none of
    not_one_of_two, a confidence of other_request_confidence at least); None otherwise."""
    words, intent = content.load_toml("conversation.toml"), route(part)
    return None if intent.name in words["not_one_of_two"] or intent.confidence < words["other_request_confidence"] \
        else intent


def _also_answered(ctx: Context, first: Reply, intent: Intent, part: str) -> Reply:
    """`first` (the answer to a message's first request, or the form it left), then the answer to its other
    `part`, read as `intent`: the two texts in one reply; the one that says something when the other does not."""
    with ctx.read_as(intent, part):
        then = answer_intent(ctx)
    if first.text and then.text:
        return Reply(text=f"{first.text}\n\n{then.text}")
    return then if then.text or then.articles else first


@lru_cache(maxsize=4)
def _also_pattern(also_words: tuple[str, ...]) -> re.Pattern:
    """A break, then a word of adding (content/conversation.toml also_words), longest first: made once."""
    return re.compile(rf"[\s。，,;；!！?？]+(?:{'|'.join(map(re.escape, _longest_first(also_words)))})")


def _about_society(ctx: Context) -> Reply | None:
    """The answer to a question about the society itself (handlers/help.py, registered as the text
    event "text:about_society"), the open form waiting; never to a reply of the open step's own
    shape ("建议建个会员微信群" at the feedback step is the feedback)."""
    answer, flow = EVENT_HANDLERS.get("text:about_society"), ctx.flow
    if answer is None or flow is None:
        return answer(ctx) if answer else None
    if "held_answer" in flow or _tries(ctx, _step_of(flow)):
        return None
    lapses, paused_before = _step_of(flow).lapses, flow.get("paused", False)
    flow["paused"] = True  # a flow the answer starts ("我要开发票") keeps this form waiting under it
    reply = answer(ctx)
    if reply is None:
        flow["paused"] = paused_before
        return None
    ctx.flow_changed = True
    if ctx.flow is flow:  # answered beside it: a list is left behind, a form waits with a reminder
        if lapses:
            ctx.end_flow()
        else:
            ctx.remind_of = flow
    return reply


def _declines_a_part(text: str) -> bool:
    """"晚宴算了", "外地的就算了", "午饭不用了": one clause declining a part of what was offered (content/
    conversation.toml declined_parts, declined_tails), not the form, the list or the request itself."""
    words = content.load_toml("conversation.toml")
    plain = (text or "").strip(" 。！!~～").rstrip("吧啊哈呀")
    tail = next((tail for tail in _longest_first(tuple(words["declined_tails"])) if plain.endswith(tail)), None)
    return tail is not None and len(_CLAUSE_BREAK.split(plain)) == 1 and \
        any(part in plain[:-len(tail)] for part in words["declined_parts"])


def _part_declined(ctx: Context) -> Reply:
    """A part declined: a step that takes it takes it (a registration keeps "晚宴算了" as a remark for the
    secretariat); else an ok, with the form's question again; a list or an offer is left behind."""
    flow = ctx.flow
    if flow is not None and not _step_of(flow).lapses and _tries(ctx, _step_of(flow)):
        return _step_of(flow).handler(ctx)
    if flow is not None and _step_of(flow).lapses:
        ctx.end_flow()
    if ctx.flow is None:
        return ctx.reply("smalltalk.ok")
    return ctx.reply("flow.part_declined").with_note(ask_again(ctx).text or "")


def _says_leave(text: str) -> bool:
    """"取消", "算了 不报了", "cancel": leaving said in words (content/conversation.toml cancel_words, drop verbs), which
    the router may not place."""
    return is_one_of(text, "cancel_words") or _leads_with(text, "cancel_words") or _leads_with_a_drop(text) \
        or _english_drop(text) is not None


def _tries(ctx: Context, step_now) -> bool:
    return step_now.tries is not None and step_now.tries(ctx)


def _left_then(ctx: Context, left: Reply) -> Reply:
    """The form just left; what the member asked in the same message after leaving it ("先不投诉了，帮我报名
    科研项目申报培训", "算了，我想报名新材料产业沙龙") answered after, when the router places it clearly."""
    english = _english_drop(ctx.text)
    parts = _CLAUSE_BREAK.split(ctx.text.strip(), maxsplit=1)
    rest = english if english is not None else parts[1].strip() if len(parts) == 2 else ""
    if not rest or left.text is None or not (looks_like_a_question(rest) or starts_a_request(rest)):
        return left  # "算了先不办了 回头领导定了再说": only the leaving
    intent = _placed_clearly(rest)
    return left if intent is None else _also_answered(ctx, left, intent, rest)


def _confident(ctx: Context) -> bool:
    minimum = content.load_toml("conversation.toml")["other_request_confidence"]
    return getattr(ctx.intent, "confidence", 1.0) >= minimum


def number_alone(text: str) -> str | None:
    """"2", "１。" -> "2": a reply that is a number and nothing else; None for anything else."""
    number = _short_answer(text).translate(_WIDE_DIGITS)
    return number if number.isascii() and number.isdigit() else None


def _number_not_offered(text: str, step_now) -> bool:
    """A number alone at a step whose question offers none or others: the event's number in the list just left,
    or a quantity, is neither yes nor no there (member walk 12, #21)."""
    number = number_alone(text)
    return number is not None and step_now.numbers is not None and number not in step_now.numbers


def _answers_step(ctx: Context, step_now) -> bool:
    """Whether the message is a try at the step's answer (see asks_something_else); a step
    without a `tries` takes every message itself."""
    if step_now.tries is None:
        return False
    return not asks_something_else(ctx, step_now.tries(ctx), step_now.own_intents)


def _after_cancel_question(ctx: Context) -> Reply:
    """The member said whether a cancel-like answer meant cancel; replay it if not."""
    held = ctx.flow.pop("held_answer")
    ctx.flow_changed = True
    if is_one_of(ctx.text, "yes_words") or is_one_of(ctx.text, "cancel_words"):
        return INTENT_HANDLERS["cancel"](ctx)
    if is_one_of(ctx.text, "no_words"):
        ctx.answer_override = held
    elif not _answers_step(ctx, _step_of(ctx.flow)) and _step_of(ctx.flow).tries is not None:
        return answer_while_paused(ctx, lambda: answer_intent(ctx))  # "最近有什么活动": answered, never the answer
    return _step_of(ctx.flow).handler(ctx)


def answer_while_paused(ctx: Context, answer) -> Reply:
    """Answer something else while a flow waits; the reply reminds the member it is still open
    (unless the answer started a flow of its own, which keeps it waiting until it ends)."""
    ctx.flow["paused"] = True
    ctx.flow_changed = True
    ctx.remind_of = ctx.flow
    return answer()


REMINDED = "reminded_at"  # the step of a paused flow a reply has reminded the member of


def _reminded(ctx: Context, reply: Reply) -> Reply:
    """The reply with one short reminder of the paused flow it was answered beside or came back to: once
    while the flow waits at a step (the question itself comes back with "继续"), not under every reply
    to what else the member asks (member walk 11, #6: three dues questions, three reminders)."""
    flow = ctx.flow
    if flow is None or flow is not ctx.remind_of or not flow.get("paused") or flow.get(REMINDED) == flow["step"]:
        return reply
    flow[REMINDED] = flow["step"]
    ctx.flow_changed = True
    return reply.with_note(content.text("flow.paused", flow=flow_title(flow)))


def _resume(ctx: Context) -> Reply:
    """Go on with the paused flow: its current question again (paused again later, it is reminded of again)."""
    ctx.flow["paused"] = False
    ctx.flow.pop(REMINDED, None)
    ctx.flow_changed = True
    return ask_again(ctx)


def _offer_to_resume(ctx: Context, key: str = "flow.resume_offer") -> Reply:
    """Ask whether to go on with a paused flow or drop it; the offer is itself the reminder."""
    ctx.flow["paused"] = True
    ctx.flow_changed = True
    ctx.remind_of = None
    return ctx.reply(key, flow=flow_title(ctx.flow))


def asks_something_else(ctx: Context, tries_answer: bool, own_intents: tuple[str, ...] = ()) -> bool:
    """The one rule for every flow step: whether a reply is another request rather than a try
    at the step's answer. The router places it clearly (not "unknown", nor a cancel, which
    reaches a step only when the member chose to keep it as the answer, nor one of the step's
    `own_intents`; with at least the confidence in content/conversation.toml) and it has not
    the answer's shape: "王宝明" at a name step is a name though its pinyin reads 报名, and
    "郑州有没有算法的工作" at a mobile step is a job question, answered with the form paused.
    A message the router cannot place (or only guesses at) is another request when it asks
    something ("会员有什么权益？"), so that no question is ever stored as an answer.

    Steps declare their answer's shape with `tries` (bot.registry.step); _on_message applies
    this rule before any step handler, and a paused step takes a reply of its shape directly."""
    if ctx.intent is None or tries_answer or ctx.intent.name in ("cancel", *own_intents):
        return False
    if ctx.intent.slots.get("reason") == "greeting":  # 你好 mid-form: greeted back, the step waits
        return True
    if ctx.intent.slots.get("reason") == "thanks" and any(
            mark in ctx.text.lower() for mark in content.load_toml("conversation.toml")["thanks_marks"]):
        return True  # 谢谢 mid-form: thanked back, the step waits ("好", "嗯嗯" may still be answers)
    if ctx.intent.name == "unknown" or not _confident(ctx):
        return looks_like_a_question(ctx.text)  # "会员有什么权益？" at the discipline step is no discipline
    return True


def asks_elsewhere(ctx: Context, own: tuple[str, ...] = ()) -> bool:
    """A question or a request by its lead the router places clearly on another intent than the form's `own` ("学生会员
    要交钱吗" at the name question, "郑州有数据分析的岗位吗" at the summary, "麻烦帮我转个人工" at 个人 or 单位): no value
    for the form, whatever words of its items it holds. An answer said with a question after it is split before the
    step sees it (_answer_then_request)."""
    intent = ctx.intent
    return intent is not None and intent.name not in (*content.load_toml("conversation.toml")["not_one_of_two"], *own) \
        and _confident(ctx) and (asks_something(ctx.text) or starts_a_request(ctx.text))


def answer_intent(ctx: Context) -> Reply:
    """Answer the message by its intent (used by steps that see the member has moved on)."""
    if ctx.flow is not None and ctx.flow.get("paused") and (means_continue(ctx.text) or is_one_of(ctx.text, "resume_words")):
        return _resume(ctx)  # "继续", "刚才说到哪了" from a list just left: the form that waited under it
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
        ctx.end_flow(waiting_too=True)  # nothing waits for a member who has gone
    handler = EVENT_HANDLERS.get(message.event or "")
    return handler(ctx) if handler else Reply.nothing()
