"""`profile`: a member's own card, binding a roster member's WeChat, and updates by chat.

A member sees only the record bound to their own openid; nothing here looks
a member up for anyone else. Binding (flow `profile`, steps `bind_*`) proves
the member number with the name and the last four digits of the mobile on
file, gives the same answer whether the number is unknown or the details are
wrong, and stops after MAX_FAILED_BINDINGS_PER_DAY failures a day.
"""
from __future__ import annotations

import re
from datetime import datetime

from bot import content, delivery
from bot.conversation import asks_something_else
from bot.dues import standing
from bot.messages import Reply
from bot.paging import leave_and_answer
from bot.privacy import mask_mobile
from bot.registry import handles, step
from bot.validation import (Invalid, clean_email, clean_mobile, clean_name, clean_text, normalise,
                            tries_value)
from handlers.signup import application_status, problem_text, start_signup
from storage.members import (find_member_by_no, find_member_by_openid, find_open_application,
                             update_member)
from storage.newsletters import give_default_subscriptions, topics_of
from storage.state import count_failed_binding, record_failed_binding

FLOW = "profile"
MAX_FAILED_BINDINGS_PER_DAY = 5


def now() -> datetime:
    """The local time the daily binding limit and the dues standing go by; tests move it."""
    return datetime.now()


def _texts() -> dict:
    return content.replies()["profile"]


def _mentions(text: str, words: list[str]) -> bool:
    return any(word in text.lower() for word in words)


# --- the card ----------------------------------------------------------------

def _card(ctx, member: dict) -> Reply:
    texts, not_given = _texts(), _texts()["not_given"]
    paid_through = member["paid_through"]
    return ctx.reply(
        "profile.card",
        member_no=member["member_no"], name=member["name"],
        category=content.load_toml("membership.toml")["categories"].get(member["category"],
                                                                        member["category"]),
        unit=member["work_unit"] or not_given,
        status=texts["statuses"].get(member["status"], member["status"]),
        paid_through=paid_through or texts["no_payment"],
        standing=texts["standings"][standing(paid_through, now().date())],
        mobile=mask_mobile(member["mobile"]) if member["mobile"] else not_given,
        email=member["email"] or not_given,
    )


@handles("profile", menu="MENU_PROFILE")
def show_profile(ctx):
    """The card for a bound member; otherwise the pending application, or binding."""
    member = find_member_by_openid(ctx.db, ctx.openid)
    if member:
        column = _update_wanted(ctx.text)
        return _start_update(ctx, column) if column else _card(ctx, member)
    application = find_open_application(ctx.db, ctx.openid)
    if application and not _mentions(ctx.text, _texts()["words"]["bind"]):
        offer = content.text("profile.pending_bind_offer")
        return application_status(ctx, application).with_note(offer)
    return _start_binding(ctx)


# --- binding -----------------------------------------------------------------

def _ask(step_name: str, problem: str | None = None) -> Reply:
    question = content.text(f"profile.ask.{step_name}")
    return Reply(text=problem_text(problem)).with_note(question) if problem else Reply(text=question)


def _limit_reached(ctx) -> bool:
    return count_failed_binding(ctx.redis, ctx.openid, now()) >= MAX_FAILED_BINDINGS_PER_DAY


def _start_binding(ctx) -> Reply:
    if _limit_reached(ctx):
        return ctx.reply("profile.limit")
    ctx.start_flow(FLOW, "bind_name")
    return ctx.reply("profile.bind_intro").with_note(_ask("bind_name").text)


def _clean_member_no(text) -> str:
    value = re.sub(r"\s+", "", normalise(text)).upper()
    if not re.fullmatch(r"[A-Z0-9\-]{4,32}", value):
        raise Invalid("member_no")
    return value


def _clean_last4(text) -> str:
    value = normalise(text)
    if not re.fullmatch(r"\d{4}", value):
        raise Invalid("profile.bad_last4")
    return value


# (step, what it asks for, its check); after the last one the answers are verified.
BINDING_STEPS = (("bind_name", "name", clean_name), ("bind_no", "member_no", _clean_member_no),
                 ("bind_last4", "last4", _clean_last4))
_BINDING_SHAPES = {"bind_name": "name", "bind_no": "digits", "bind_last4": "digits"}  # validation.tries_value


def answer_binding(ctx):
    """Each binding question: check the answer's form, keep it, ask the next or verify."""
    names = [s[0] for s in BINDING_STEPS]
    index = names.index(ctx.flow["step"])
    if index == 0 and ctx.intent and ctx.intent.name == "signup":  # "入会": not a member yet
        ctx.end_flow()
        return start_signup(ctx)
    if asks_something_else(ctx, tries_value(_BINDING_SHAPES[names[index]], ctx.text), own_intents=("profile",)):
        return leave_and_answer(ctx)  # "查会费" is no name: answered, and the binding left
    _, key, clean = BINDING_STEPS[index]
    try:
        ctx.goto(ctx.flow["step"], **{key: clean(ctx.text)})
    except Invalid as refused:
        return _ask(names[index], refused.reason)
    if index + 1 < len(names):
        ctx.goto(names[index + 1])
        return _ask(names[index + 1])
    return _verify_binding(ctx)


def _same_name(a: str, b: str) -> bool:
    def squeeze(name):
        return re.sub(r"[\s·.]", "", normalise(name)).casefold()
    return squeeze(a) == squeeze(b)


def _proves(member: dict | None, name: str, last4: str) -> bool:
    mobile = (member or {}).get("mobile") or ""
    return member is not None and _same_name(member["name"], name) and len(mobile) >= 4 \
        and mobile[-4:] == last4


def _verify_binding(ctx) -> Reply:
    """Bind on proof; a wrong combination and an unknown number get the same answer."""
    data = ctx.flow_data
    if _limit_reached(ctx):  # also refuses the right answer once the day's tries are used
        ctx.end_flow()
        return ctx.reply("profile.limit")
    member = find_member_by_no(ctx.db, data["member_no"])
    if not _proves(member, data["name"], data["last4"]):
        left = MAX_FAILED_BINDINGS_PER_DAY - record_failed_binding(ctx.redis, ctx.openid, now())
        if left <= 0:
            ctx.end_flow()
            return ctx.reply("profile.limit")
        ctx.goto("bind_name")
        return ctx.reply("profile.mismatch", left=left).with_note(_ask("bind_name").text)
    ctx.end_flow()
    if member["openid"] and member["openid"] != ctx.openid:
        return ctx.reply("profile.bound_elsewhere")
    member = update_member(ctx.db, member["id"], {"openid": ctx.openid},
                           actor=f"openid:{ctx.openid}", action="bound")
    if give_default_subscriptions(ctx.db, ctx.openid):
        delivery.sync_tags_later(ctx.redis, ctx.openid, topics_of(ctx.db, ctx.openid))
    return ctx.reply("profile.bound").with_note(_card(ctx, member).text)


# --- updates -----------------------------------------------------------------

UPDATES = {
    "mobile": clean_mobile,
    "email": clean_email,
    "work_unit": lambda text: clean_text(text, "work_unit"),
}
_SHAPES = {"mobile": "mobile", "email": "email", "work_unit": "unit"}  # see validation.tries_value


def _update_wanted(text: str) -> str | None:
    """"修改手机" -> "mobile"; None when the member did not ask to change something."""
    words = _texts()["words"]
    if not _mentions(text, words["change"]):
        return None
    return next((column for column, names in words["fields"].items() if _mentions(text, names)),
                None)


def _start_update(ctx, column: str) -> Reply:
    ctx.start_flow(FLOW, f"update_{column}")
    return _ask(f"update_{column}")


def answer_update(ctx):
    """A new mobile, email or work unit: validated, saved with history, then the card.

    Another request instead ("查会费") leaves the update, as a member who moves on leaves
    any one-question step, rather than being refused as a malformed value until 取消.
    """
    column = ctx.flow["step"].removeprefix("update_")
    if asks_something_else(ctx, tries_value(_SHAPES[column], ctx.text), own_intents=("profile",)):
        return leave_and_answer(ctx)
    try:
        value = UPDATES[column](ctx.text)
    except Invalid as refused:
        return _ask(ctx.flow["step"], refused.reason)
    ctx.end_flow()
    member = find_member_by_openid(ctx.db, ctx.openid)
    if member is None:  # unbound by the secretariat meanwhile
        return show_profile(ctx)
    member = update_member(ctx.db, member["id"], {column: value}, actor=f"openid:{ctx.openid}")
    return ctx.reply("profile.updated").with_note(_card(ctx, member).text)


def _register_steps() -> None:
    for name, _, _ in BINDING_STEPS:
        step(FLOW, name, prompt=f"profile.ask.{name}")(answer_binding)
    for column in UPDATES:
        step(FLOW, f"update_{column}", prompt=f"profile.ask.update_{column}")(answer_update)


_register_steps()
