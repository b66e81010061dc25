"""`我的诉求`: a member's own tickets, their status and the secretariat's answers.

Reached through the `feedback` intent (handlers/tickets/feedback.py asks `asks_for_own`
first): the router hears 诉求 / 反馈 as feedback, and only a short message that
names the member's own tickets means "show me", not a new suggestion.
"""
from __future__ import annotations

import re
from datetime import date

from bot import clarify, clock, content, paging
from bot.privacy import mask_personal
from bot.registry import INTENT_HANDLERS, handles, step
from handlers.fees import dues
from storage import state
from storage.fees import find_payer_by_openid
from storage.tickets import (CLOSED, OPEN, add_to_ticket, create_ticket, find_ticket, latest_open_ticket,
                             list_tickets_of_member, replies_to, ticket_of_member)

LINE_BODY_CHARS = 18  # of the ticket's text in a list line; the detail shows it all


def _rules() -> dict:
    return content.load_toml("conversation.toml")["feedback"]


def asks_for_own(text: str) -> bool:
    """"我的诉求", or a question after an earlier one ("我上周提的那个投诉有回复了吗", "还在处理吗")."""
    plain, rules = re.sub(r"[\s\W_]+", "", text or ""), _rules()
    if any(words in (text or "").lower() for words in rules["mine_words_en"]):  # "my complaints"
        return True
    short = len(plain) < rules["draft_min_chars"]
    if short and any(word in plain for word in rules["mine_words"]):
        return True
    return any(word in plain for word in rules["progress_words"]) and (
        short or any(word in plain for word in rules["earlier_words"]))


def _fetch(db, query: dict, offset: int, limit: int) -> list[dict]:
    return list_tickets_of_member(db, query["openid"], offset, limit)


def shown_body(ticket: dict) -> str:
    """The ticket's text as its member sees it again (here and on the member centre): mobiles and ID numbers masked,
    a colleague's put forward for an event among them; the secretariat's view keeps them whole."""
    return mask_personal(ticket["body"])


def _status(ticket: dict) -> str:
    return content.text(f"tickets.status.{ticket['status']}")


def _line(number: int, ticket: dict) -> str:
    body = shown_body(ticket)
    short = body if len(body) <= LINE_BODY_CHARS else body[:LINE_BODY_CHARS] + "…"
    return content.text("tickets.line", number=number, status=_status(ticket), body=short,
                        ticket_no=ticket["ticket_no"], date=clock.day_shown(ticket["created_at"]))


def _detail(ctx, ticket_id: int):
    ticket = ticket_of_member(ctx.db, ctx.openid, ticket_id)
    answers = "\n".join(content.text("tickets.answer", date=clock.day_shown(reply["at"]), text=reply["text"])
                        for reply in replies_to(ctx.db, ticket_id))
    if ticket["status"] == CLOSED:
        answers += "\n" + content.text("tickets.closed", date=clock.day_shown(ticket["closed_at"]),
                                       reason=ticket["close_reason"] or content.text("tickets.no_reason"))
    return ctx.reply("tickets.detail", ticket_no=ticket["ticket_no"], date=clock.day_shown(ticket["created_at"]),
                     category=ticket["category"], status=_status(ticket), body=shown_body(ticket),
                     answers=answers.strip() or content.text("tickets.no_answer_yet"))


# The list is a step of the feedback flow: the member sees one capability, 意见建议, named as such.
LISTING = paging.Listing("feedback", _fetch, _line, _detail)


def show_own(ctx):
    """"我的诉求": the member's requests; "秘书处回复我了吗" when the latest is answered: that one, with the answer."""
    latest = list_tickets_of_member(ctx.db, ctx.openid, limit=1)
    if latest and latest[0]["status"] != OPEN and _asks_progress(ctx.text):
        return _detail(ctx, latest[0]["id"])
    reply = paging.show(ctx, LISTING, {"openid": ctx.openid}, content.text("tickets.heading"))
    return reply or ctx.reply("tickets.none", **content.society()["secretariat"])


def _asks_progress(text: str) -> bool:
    return any(word in (text or "") for word in _rules()["progress_words"])


def urges(text: str) -> bool:
    return any(word in text for word in _rules()["urge_words"])


def urge(ctx):
    """"还没处理？我都等一个月了": sorry, and a person asked for (the member's words on the
    secretariat's queue, handlers/human), who sees the ticket it is about."""
    ticket = latest_open_ticket(ctx.db, ctx.openid)
    if ticket is None:
        return ctx.reply("tickets.none", **content.society()["secretariat"])
    sorry = ctx.reply("tickets.urged", ticket_no=ticket["ticket_no"])
    return sorry.with_note(INTENT_HANDLERS["human"](ctx).text)


@step("feedback", paging.STEP, reads_only=True, prompt="tickets.browse_prompt", lapses=True)
def browse(ctx):
    if urges(ctx.text):
        ctx.end_flow()
        return urge(ctx)
    current = ctx.flow_data.get("current")
    if current is not None and _asks_progress(ctx.text):
        return _detail(ctx, current)  # "还在处理吗？大概要多久": where the one just shown stands
    return paging.browse(ctx, LISTING)


@step("feedback", "submitted", reads_only=True, prompt="tickets.browse_prompt", lapses=True)
def after_submitting(ctx):
    """Right after a ticket is taken: "多久给我答复" gets when, "怎么还没人管" is urging; anything
    else is answered as if nothing were open."""
    if urges(ctx.text):
        ctx.end_flow()
        return urge(ctx)
    if _asks_progress(ctx.text):
        ticket_no = ctx.flow_data["ticket_no"]
        ctx.end_flow()
        ticket = find_ticket(ctx.db, ticket_no)
        if ticket["status"] != OPEN:  # answered meanwhile: the answer
            return _detail(ctx, ticket["id"])
        return ctx.reply("tickets.when", ticket_no=ticket_no, **content.society()["secretariat"])
    return paging.leave_and_answer(ctx)


RECEIPT_TOPIC = "receipt:"  # + the ticket number: the member's last words were about this transfer receipt


def _claim_words() -> dict:
    return content.replies()["tickets"]["transfer_claim"]


def _says_any(text: str, key: str) -> bool:
    return content.holds_any(text or "", _claim_words()[key])


def _receipt_topic(ctx, ticket_no: str) -> None:
    state.remember_topic(ctx.redis, ctx.openid, RECEIPT_TOPIC + ticket_no)


def _receipt_asked_about(ctx) -> str | None:
    topic = state.recent_topic(ctx.turn) or ""
    return topic.removeprefix(RECEIPT_TOPIC) if topic.startswith(RECEIPT_TOPIC) else None


@handles(events=(f"{clarify.ANY_READING}transfer_claim",))
def transfer_claimed(ctx):
    """"我又转了100块钱 还没登记 截图发你": a payment the secretariat has yet to book, whatever the router reads
    (it heard 登记 as a sign-up): kept as a receipt ticket, the screenshot asked for (it joins the ticket), how
    transfers are checked said. "收到了吗" after a receipt: that ticket. None for anything else."""
    ticket_no = _receipt_asked_about(ctx)
    if ticket_no is not None and _says_any(ctx.text, "received"):
        return ctx.reply("tickets.receipt_received", ticket_no=ticket_no, **content.society()["secretariat"])
    if not (_says_any(ctx.text, "transferred") and _says_any(ctx.text, "evidence")):
        return None
    ticket_no = create_ticket(ctx.db, ctx.openid, content.text("tickets.receipt_category"),
                              content.text("tickets.transfer_claim_body", said=ctx.text))
    _receipt_topic(ctx, ticket_no)
    return ctx.reply("tickets.transfer_claim_kept", ticket_no=ticket_no)


@handles(events=("media:image",))
def keep_image(ctx):
    """A picture sent after saying a transfer was made, or while paying dues owed, is evidence (a transfer receipt):
    kept with that ticket for the secretariat, not refused; with a ticket open it joins that ticket. None: the bot's
    usual answer (a paid-up member's picture after looking at his dues is no transfer receipt)."""
    url = ctx.message.extra.get("url") or ctx.message.extra.get("media_id") or ""
    line = content.text("tickets.image_line", url=url)
    claimed = _receipt_asked_about(ctx)
    if claimed is not None or (state.recent_topic(ctx.turn) == "fees" and _dues_owed(ctx)):
        ticket_no = claimed or create_ticket(ctx.db, ctx.openid, content.text("tickets.receipt_category"), line)
        if claimed:
            add_to_ticket(ctx.db, claimed, line)
        _receipt_topic(ctx, ticket_no)
        return ctx.reply("tickets.receipt_kept", ticket_no=ticket_no)
    ticket = latest_open_ticket(ctx.db, ctx.openid)
    if ticket is None:
        return None
    add_to_ticket(ctx.db, ticket["ticket_no"], line)
    return ctx.reply("tickets.image_kept", ticket_no=ticket["ticket_no"])


def _dues_owed(ctx) -> bool:
    """Whether a payment of dues may be under way: the member owes (grace, lapsed, never paid) or is asked to renew
    now (within remind_days_before of his paid-through date, as the reminder and the dues answer say), or is not bound."""
    payer = find_payer_by_openid(ctx.db, ctx.openid)
    today = date.today()
    return payer is None or dues.expiring(payer["paid_through"], today) or dues.dues_standing(
        payer["category"], payer["paid_through"], today) in ("grace", "lapsed", "unpaid")
