"""`human`: the member put on the secretariat's queue (a ticket of category 人工), told when.

A second request while the first waits is acknowledged as such (and added to that ticket),
not answered as if it were new; both say when the secretariat is next open (content/society.toml)
and what the bot can do meanwhile.
"""
import re
from datetime import datetime, timedelta, timezone

from bot import clock, content
from handlers.human import office_hours
from handlers.members.profile import refuse_someone_elses_details
from handlers.tickets import chat as tickets
from bot.registry import handles
from storage.tickets import add_to_ticket, close_ticket, open_human_ticket, waiting_human_ticket


def now() -> datetime:
    """Local time, for the secretariat's hours; tests move it."""
    return datetime.now()


@handles("human", menu="MENU_HUMAN", reads_only=True)
def ask_for_a_person(ctx):
    refused = refuse_someone_elses_details(ctx)  # "张伟的电话是多少": no ticket, the privacy answer
    if refused is not None:
        return refused
    if ctx.text and asks_if_bot(ctx.text):  # "你们是人工还是机器人": said, no one is called
        return ctx.reply("human.bot")
    if ctx.text and asks_for_contact(ctx.text):  # "秘书处电话多少", "你们地址在哪": told, no one is called
        return ctx.reply("human.contact", **content.society()["secretariat"])
    if ctx.text and tickets.asks_for_own(ctx.text):  # "秘书处回复我了吗": the answer there is, no new request
        return tickets.show_own(ctx)
    earlier = pass_on(ctx, ctx.text or content.text("tickets.human_by_menu"), add=bool(ctx.text))
    reply = ctx.reply("human.again", since=_since(earlier["created_at"])) if earlier else ctx.reply("human.text")
    reply = reply.with_note(content.text("human.when", when=office_hours.when_text(now())))
    return reply.with_note(content.text("human.by_menu")) if not ctx.text and earlier is None else reply


def withdraw_tapped(ctx) -> bool:
    """"取消" soon after the menu's 人工服务 filed a request with no words: that request closed (True); False when
    there is none such (one with the member's words in it stays: a person reads it)."""
    waiting = waiting_human_ticket(ctx.db, ctx.openid)
    if waiting is None or waiting["body"] != content.text("tickets.human_by_menu"):
        return False
    since = datetime.now(timezone.utc) - datetime.fromisoformat(waiting["created_at"])
    if since > timedelta(minutes=content.load_toml("conversation.toml")["human_withdraw_minutes"]):
        return False
    close_ticket(ctx.db, waiting["ticket_no"], "member", content.text("human.withdrawn_reason"))
    return True


def pass_on(ctx, said: str, add: bool = True) -> dict | None:
    """Put what the member said on the secretariat's queue: added to their request for a person still
    waiting (returned; `add`: unless the menu was clicked again), or as a new one (None returned)."""
    earlier = waiting_human_ticket(ctx.db, ctx.openid)
    if earlier is None:
        open_human_ticket(ctx.db, ctx.openid, said)
    elif add:
        add_to_ticket(ctx.db, earlier["ticket_no"], said)
    return earlier


def asks_if_bot(text: str) -> bool:
    """"你们是人工还是机器人", "是真人吗": who answers, asked; not a request for a person."""
    words = content.replies()["human"]["words"]
    return any(word in text for word in words["bot"]) and any(word in text for word in words["bot_asks"])


def asks_for_contact(text: str) -> bool:
    """"学会秘书处电话多少", "你们办公地址在哪", "邮箱是什么": the society's own phone, address or e-mail asked
    for; not a person to call back ("请人工联系我"), nor someone's own number ("秘书长的电话", "小王的电话"),
    which a person gives."""
    words = content.replies()["human"]["words"]
    found = [text.find(word) for word in words["contact"] if word in text]
    if not found or not any(word in text for word in words["asks"]) or any(word in text for word in words["wants_a_person"]):
        return False
    whose = re.sub(r"[\s\W_]+", "", text[:min(found)])
    for word in sorted(words["ours"], key=len, reverse=True):
        whose = whose.replace(word, "")
    return not whose


def _since(created_at: str) -> str:
    """"12月5日 16:20" of an ISO time."""
    moment = datetime.fromisoformat(created_at).astimezone(clock.zone())
    return f"{moment.month}月{moment.day}日 {moment.hour}:{moment.minute:02d}"
