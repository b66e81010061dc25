"""`fee_status`: a member's dues — paid-through date, standing, what to pay and how, last payments.

A unit contact bound to a unit member sees the unit's dues. Anyone else gets
the fee schedule and how to bind (会员卡) or apply (入会), since that is what
they can act on; someone who says they are a member ("老会员", "交到哪年了") or
looks up the dues ("查会费", no form under way) is taken into binding, and shown
their dues once bound.

The answer is the question asked, short: the paid-through date and the amount
due first, then "回复 X" for the details (every option, how to pay, payments).
"能微信支付吗" gets yes or no first, "交上了吗" the member's own last payment,
and a question about an event's fee the event's fee, not the dues.
"""
from __future__ import annotations

from datetime import date
from functools import lru_cache

import re

from bot import content, paging
from bot.page_links import with_page_link
from handlers.events import fees as event_fees
from handlers.fees import dues
from handlers.events import guide
from handlers.members import profile
from handlers.members.profile import start_binding
from handlers.members.signup import category_description
from bot.conversation import answer_intent, answer_while_paused, statement_clauses
from bot.messages import Reply
from bot.privacy import holds_id_number
from bot.registry import INTENT_HANDLERS, handles, step
from bot.router import route
from bot.validation import (asks_something, email_and_rest, looks_like_a_question, mobile_in, normalise, tries_value,
                            unit_in, without_denied)
from storage import state
from storage.events import find_event, list_events, registrations_of
from storage.fees import find_payer_by_openid, payments_of
from storage.members import any_member_named, find_member_by_openid
from storage.tickets import OPEN, REPLIED, add_to_ticket, create_ticket, list_tickets_of_member

HISTORY_SIZE = 5


def _asked() -> dict:
    return content.replies()["fees"]["asked"]


def _mentions(text: str, key: str) -> bool:
    return content.holds_any(text.lower(), _asked()[key])


def asks_someone_elses_dues(ctx) -> bool:
    """"单位同事孙伟的会费交了没", "帮我查一下孙伟的会费", "我同事的会费交了吗": the dues of another person (a word for
    one before 会费, or the name of another member on the roster); a member sees only their own records."""
    text = normalise(ctx.text)
    at = text.find("会费")
    if at <= 0:
        return False
    if _mentions(text[:at], "others_marks"):
        return True
    named = re.search(r"([\u4e00-\u9fff]{2,4})(的?)$", text[:at])  # "孙伟的会费", "孙伟会费交了没"
    if named is None or named.group(1).endswith(tuple(_asked()["own_holders"])):  # "今年的会费", "我们单位的会费"
        return False
    own = (find_member_by_openid(ctx.db, ctx.openid) or {}).get("name")
    names = {named.group(1)[-size:] for size in (2, 3, 4) if size <= len(named.group(1))} - {own}
    if not named.group(2):  # no 的: looked up only where a name may stand (a surname first), not '怎么交会费'
        names = {name for name in names if name.startswith(tuple(content.replies()["answer_shapes"]["surnames"]))}
    return bool(names) and any_member_named(ctx.db, names)


@handles("fee_status", menu="MENU_FEES", reads_only=True)
def fee_status(ctx):
    text = "" if ctx.message.kind == "event" else ctx.text
    if text and asks_someone_elses_dues(ctx):  # "单位同事孙伟的会费交了没": not the asker's own dues
        return ctx.reply("fees.others_dues", **content.society()["secretariat"])
    if text and profile.asks_about_notices(text):  # "会费到期提醒还发吗": service notices, not one's dues
        return ctx.reply("profile.notices")
    answered = _question_answered(text)
    if answered is not None:  # "会费能分两次交吗", "交了会费能退吗": that answer, not the fee table
        return Reply(text=answered)
    if text and (_mentions(text, "refund") or _mentions(text, "complaint")):
        return INTENT_HANDLERS["feedback"](ctx)  # "会费退款还没到", "收据半年了还没给": a complaint for the secretariat
    if text and asks_event_fee(text):
        return event_fee(ctx, text)
    payer = find_payer_by_openid(ctx.db, ctx.openid) if text and _mentions(text, "year_due") else None
    if payer is not None and payer.get("paid_through") and _year_asked(text) is not None:
        return _paid_yet(ctx, payer)  # "2026年的会费还要补吗": that year by the member's record, yes or no
    if text and _mentions(text, "back_pay"):  # "补交要交几年的": the current year restores it
        return ctx.reply("fees.back_pay", options=dues.year_options_text(), how_to_pay=_how_to_pay(ctx))
    channel = _channel_asked(text)
    if channel is not None:  # "能对公转账吗 要发票的": both halves
        answer = _channel_answer(ctx, channel)
        return answer.with_note(_invoice_text()) if _mentions(text, "invoice") else answer
    if text and (_mentions(text, "invoice") or (
            _mentions(text, "receipt") and find_payer_by_openid(ctx.db, ctx.openid) is None)):
        return start_invoice(ctx)  # "去年交的会费能开发票不", "交了以后有没有收据"
    if text and _mentions(text, "how_to_pay"):
        return _how_to_pay_reply(ctx, text)
    category = _category_named(text)
    if category is not None:  # "学生会员要交多少钱": that category's fee, first
        state.remember_topic(ctx.redis, ctx.openid, FEE_TABLE_TOPIC)  # "不对吧，没这么多" next: doubted
        return ctx.reply("fees.category_fee", line=dues.schedule_line(category))
    payer = find_payer_by_openid(ctx.db, ctx.openid)
    if payer is None and text and ctx.config.pay_enabled and _online_channel_named(text):  # "会费 用微信付"
        return start_binding(ctx, then="fee_status", why="fees.pay_online_after_binding")
    if payer is None:
        details = bool(text) and _mentions(text, "details")
        if text and (_mentions(text, "claims_member") or _mentions(text, "paid_yet") or _mentions(text, "own_status")
                     or (_mentions(text, "look_up") and not details and ctx.flow is None)):
            # "我会费交了没", "查会费": theirs, once we know who they are; "查会费" asked with a form under way
            # (an application, the binding itself) is about the fee and answered while the form waits
            return start_binding(ctx, then="fee_status")
        return _schedule_reply(ctx, details=details)
    state.remember_topic(ctx.redis, ctx.openid, "fees")  # a transfer receipt sent next is evidence
    if text and _mentions(text, "which_years") and "年" in text:
        return _years_covered(ctx, payer)  # "我交的是25年和26年欠的 怎么变成27 28年了"
    if text and _mentions(text, "history"):
        return ctx.reply("fees.history_only", history=_history_text(ctx.db, payer))
    if text and _mentions(text, "paid_yet"):  # "我已经交了，到账了吗": the record answers, before the protest below
        return _paid_yet(ctx, payer)
    if text and _mentions(text, "says_paid"):  # "啊？我记得交过了啊": how it is checked, not the same status again
        return ctx.reply("fees.says_paid", paid_through=dues.date_text(payer["paid_through"]),
                         **content.society()["secretariat"])
    return payer_reply(ctx, payer, details=bool(text) and _mentions(text, "details"))


def _years_covered(ctx, payer: dict):
    """Which years each payment paid for; a payment that passed over lapsed years (the rule asks none of them
    back: dues.coverage) says so first, those years named, and that the secretariat can book it to them."""
    payments = [p for p in payments_of(ctx.db, payer, limit=HISTORY_SIZE) if not p.get("refunded_at")]
    if not payments:
        return ctx.reply("fees.history_only", history=_history_text(ctx.db, payer))
    lines = "\n".join(content.text("fees.covered.line", paid_at=p["paid_at"], amount=dues.format_amount(p["amount"]),
                                    receipt_no=p["receipt_no"], period=dues.period_text(p["period_from"], p["period_to"]))
                       for p in payments)
    return ctx.reply("fees.covered.reply", skipped="".join(_years_skipped(p) for p in payments), lines=lines,
                     **content.society()["secretariat"])


def _years_skipped(payment: dict) -> str:
    """The lapsed years a payment passed over, in words; '' when it went on from the paid-through date."""
    before = payment.get("paid_through_before")
    if not before or dues.is_lifetime(before):
        return ""
    years = range(int(before[:4]) + 1, int(payment["period_from"][:4]))
    if not years:
        return ""
    paid_on = date.fromisoformat(payment["paid_at"][:10])
    rule = content.text("fees.covered.rule_late", **dues.moved_rule()) if dues.late_in_year(paid_on) \
        else content.text("fees.covered.rule_lapsed")
    return content.text("fees.covered.skipped", years=dues.listing(years), paid_at=payment["paid_at"],
                        before=dues.date_text(before), rule=rule)


def _question_answered(text: str) -> str | None:
    """The answer to a question about dues beside their amount ([[fees.questions]]: instalments, refunds,
    a unit paying for its staff), or None."""
    if not text or not asks_something(text):  # "今年会费交了 能退不" too
        return None
    question = content.question_asked(content.replies()["fees"]["questions"], text)
    return question["answer"].format(**content.society()["secretariat"]) if question else None


def _how_to_pay(ctx) -> str:
    return dues.how_to_pay_text(ctx.config.pay_enabled)


def _how_to_pay_reply(ctx, text: str):
    """"会费怎么交": the ways to pay; "会费多少 怎么交", "学生50吗 怎么交" first the amount asked: the category's fee,
    the member's own due, or the whole schedule."""
    ways = ctx.reply("fees.how_to_pay", how_to_pay=_how_to_pay(ctx))
    text = without_denied(text)  # "我是问怎么交，不是问多少钱": the ways alone
    category = _category_named(text)
    if category is None and not _mentions(text, "how_much") and not re.search(r"\d", text):
        return ways
    payer = find_payer_by_openid(ctx.db, ctx.openid)
    if category is not None:
        amount = dues.schedule_line(category)
    elif payer is not None:
        amount = _due_short(payer, date.today())
    else:
        amount = _schedule_text()
    return Reply(text=amount).with_note(ways.text)


def _invoice_text() -> str:
    return content.text("fees.invoice", **content.society()["secretariat"])


def payer_reply(ctx, payer: dict, details: bool = False):
    """The payer's dues: short (paid-through, standing, what to pay) or with every detail."""
    today = date.today()
    fields = dict(name=payer["name"], number=payer["number"], category=dues.category_name(payer["category"]),
                  paid_through=dues.date_text(payer["paid_through"]), standing=_standing_text(payer, today))
    if details:
        return _with_pay_link(ctx, payer, today, ctx.reply(
            "fees.member", due=_due_text(payer, today), how_to_pay=_how_to_pay(ctx),
            history=_history_text(ctx.db, payer), **fields))
    return _with_pay_link(ctx, payer, today, ctx.reply("fees.member_short", due=_due_short(payer, today), **fields))


def _with_pay_link(ctx, payer: dict, today: date, reply):
    """Where WeChat Pay is set up and something can be paid: the link to pay on the dues page."""
    if not ctx.config.pay_enabled or \
            not dues.renewal_options(payer["category"], payer["paid_through"], today, payer.get("joined_at")):
        return reply
    return with_page_link(reply, ctx.config, "pay", "/m/dues")


def _due_short(payer: dict, today: date) -> str:
    """One line: what to pay now, or the next renewal; nothing for those who owe nothing."""
    options = dues.renewal_options(payer["category"], payer["paid_through"], today, payer.get("joined_at"))
    if not options:
        return content.text("fees.due.none")
    days_left = dues.days_to_expiry(payer["paid_through"], today)
    if days_left is not None and days_left > dues.fee_rules()["remind_days_before"]:
        return content.text("fees.due.next", amount=dues.format_amount(dues.yearly_fee(payer["category"])))
    first = options[0]
    return content.text("fees.due.now", amount=dues.format_amount(first["amount"]),
                        years=dues.years_text(first["years"]), paid_through=first["paid_through"])


def _paid_yet(ctx, payer: dict):
    """"我转了400块，交上了吗": the member's own last payment as the secretariat booked it. "会费交了吗" with
    nothing booked and no transfer told of is about this year: its standing by the paid-through date, never "not recorded"."""
    payments = [payment for payment in payments_of(ctx.db, payer) if not payment.get("refunded_at")]
    paid_through = dues.date_text(payer["paid_through"])
    year = _year_asked(ctx.text)
    if year is None and not payments and not _mentions(ctx.text, "told_transfer"):
        year = date.today().year
    says_paid = _mentions(ctx.text, "says_paid") or _mentions(ctx.text, "told_transfer")
    if says_paid and not payments and year is not None and (payer.get("paid_through") or "") < f"{year}-12-31":
        return ctx.reply("fees.paid_yet.not_booked", year=year, paid_through=paid_through,  # "我已经交了，到账了吗"
                         **content.society()["secretariat"])
    if year is not None and payer.get("paid_through"):  # "去年的会费我交了没有": that year, by the paid-through date
        return _year_standing(ctx, payer, payments, year)
    if not payments:
        return ctx.reply("fees.paid_yet.none", paid_through=paid_through)
    last = payments[0]
    return ctx.reply("fees.paid_yet.last", paid_at=last["paid_at"], amount=dues.format_amount(last["amount"]),
                     receipt_no=last["receipt_no"], paid_through=paid_through)


def _year_standing(ctx, payer: dict, payments: list[dict], year: int):
    """A year's dues: paid, unpaid, or passed over by a payment booked for a later year (paid after
    next_year_from while lapsed: the rule counts it for the next year and asks nothing for this one). From
    next_year_from on, this year's paid answer says whether next year is still to pay."""
    paid_through = dues.date_text(payer["paid_through"])
    year_end = f"{year}-12-31"
    skipped = next((payment for payment in payments if payment["period_from"] > year_end
                    and (payment.get("paid_through_before") or "") < year_end), None)
    if skipped is not None and payer["paid_through"] >= year_end:
        return ctx.reply("fees.paid_yet.year_skipped", year=year, paid_at=skipped["paid_at"],
                         amount=dues.format_amount(skipped["amount"]), receipt_no=skipped["receipt_no"],
                         counted=skipped["period_from"][:4], paid_through=paid_through)
    if payer["paid_through"] < year_end:
        return ctx.reply("fees.paid_yet.year_unpaid", year=year, paid_through=paid_through)
    reply = ctx.reply("fees.paid_yet.year_paid", year=year, paid_through=paid_through)
    today = date.today()
    if year == today.year and dues.late_in_year(today) and payer["paid_through"] < f"{year + 1}-12-31" \
            and dues.yearly_fee(payer["category"]):
        return reply.with_note(content.text("fees.paid_yet.next_year", year=year + 1,
                                            amount=dues.format_amount(dues.yearly_fee(payer["category"]))))
    return reply


def _year_asked(text: str) -> int | None:
    """The dues year a question names: 今年, 去年, 前年, 明年 or "2025年"; None when it names none."""
    this_year = date.today().year
    said = re.search(r"(20\d\d)\s*年", text or "")
    if said:
        return int(said.group(1))
    return next((this_year + offset for word, offset in _asked()["year_words"].items() if word in (text or "")), None)


def _channel_asked(text: str) -> str | None:
    if not text or not re.search(_asked()["question_marks"], text) or _mentions(text, "paid_yet"):
        return None
    channels = content.replies()["fees"]["channels"]
    return next((name for name, channel in channels.items()
                 if any(word in text.lower() for word in channel["words"])), None)


def _online_channel_named(text: str) -> bool:
    """Whether the message names a way to pay online (微信支付)."""
    return any(channel.get("online") and any(word in text.lower() for word in channel["words"])
               for channel in content.replies()["fees"]["channels"].values())


def _channel_answer(ctx, name: str):
    """Yes or no first. An online channel (WeChat Pay) is accepted where the merchant is configured."""
    channel = content.replies()["fees"]["channels"][name]
    if channel.get("online"):
        return ctx.reply("fees.channel_online" if ctx.config.pay_enabled else "fees.channel_no", channel=name)
    return ctx.reply("fees.channel_yes" if channel["accepted"] else "fees.channel_no", channel=name,
                     how_to_pay=_how_to_pay(ctx))


def asks_event_fee(text: str) -> bool:
    return _mentions(text, "event_fee")


def event_fee(ctx, text: str):
    """An event's fee, not the dues: the event the question names, else how to find it. A refund
    that has not come ("报名费退款到现在还没到") is a complaint for the secretariat, not a price."""
    if _mentions(text, "refund"):
        return INTENT_HANDLERS["feedback"](ctx)
    query, _ = guide.question(text, date.today())
    found = list_events(ctx.db, query, 0, 2) if guide.is_narrow(query) else []
    if len(found) != 1 and guide.named_in(text):  # "科普讲解员培训的报名费多少" among three trainings: that one
        named = guide.titled(guide.events_ahead(ctx.db, date.today()), text)
        found = [named[0]] if named else found
    if len(found) == 1:
        return fee_of_event(ctx, found[0])
    mine = registrations_of(ctx.db, ctx.openid, date.today().isoformat())
    if mine:  # "报名费咋交" right after registering: the event registered for last
        event = find_event(ctx.db, max(mine, key=lambda registration: registration["id"])["event_id"])
        return ctx.reply("fees.event_fee_registered", title=event["title"], fee=_priced(event),
                         **content.society()["secretariat"])
    return ctx.reply("fees.event_fee_which")


def fee_of_event(ctx, event: dict):
    """"《2027年学术年会》的报名费：会员800元…": the fee of one event."""
    return ctx.reply("fees.event_fee", title=event["title"], fee=_priced(event))


def _priced(event: dict) -> str:
    """The registration fees of content/event_fees.toml (today's, early-bird included), else the guide's."""
    options = event_fees.offer(event, date.today(), is_member=True) if event_fees.configured(event) else []
    if not options:  # the guide's own words ("会员800元/非会员1200元")
        return event["fee"] or content.text("fees.event_fee_none", **content.society()["secretariat"])
    return content.text("fees.event_fee_separator").join(
        content.text("fees.event_fee_type", type=o["type"], amount=dues.format_amount(o["yuan"])) for o in options)


def own_standing(ctx) -> str | None:
    """"您的会费缴至 2025-12-31，已过期…": the member's own dues in a line (a question beside another, "我欠费了吗 欠费
    还能报名吗"); None for someone not bound."""
    payer = find_payer_by_openid(ctx.db, ctx.openid)
    if payer is None:
        return None
    today = date.today()
    return content.text("fees.own_standing", paid_through=dues.date_text(payer["paid_through"]),
                        standing=_standing_text(payer, today), due=_due_short(payer, today))


def _standing_text(payer: dict, today: date) -> str:
    paid_through = payer["paid_through"]
    state = dues.dues_standing(payer["category"], paid_through, today)
    fields = {"category": dues.category_name(payer["category"]), "paid_through": paid_through}
    if state in ("active", "grace", "lapsed"):
        fields.update(days=dues.days_to_expiry(paid_through, today),
                      grace_ends=dues.grace_ends(paid_through).isoformat())
    return content.text(f"fees.standing.{state}", **fields)


def _due_text(payer: dict, today: date) -> str:
    """What to pay now (or at the next renewal) and every option with the date it pays up to."""
    options = dues.renewal_options(payer["category"], payer["paid_through"], today, payer.get("joined_at"))
    if not options:
        return ""
    days_left = dues.days_to_expiry(payer["paid_through"], today)
    if days_left is not None and days_left > dues.fee_rules()["remind_days_before"]:
        head = content.text("fees.due.next", amount=dues.format_amount(dues.yearly_fee(payer["category"])))
    else:
        first = options[0]
        head = content.text("fees.due.now", amount=dues.format_amount(first["amount"]),
                            years=dues.years_text(first["years"]), paid_through=first["paid_through"])
    lines = [head, content.text("fees.due.options_title")]
    lines += [_option_text(option) for option in options]
    return "\n".join(lines)


def _option_text(option: dict) -> str:
    key = "fees.due.option_lifetime" if option["years"] == dues.LIFETIME else "fees.due.option"
    return content.text(key, years=dues.years_text(option["years"]), paid_through=option["paid_through"],
                        amount=dues.format_amount(option["amount"]))


def _history_text(db, payer: dict) -> str:
    payments = payments_of(db, payer, limit=HISTORY_SIZE)
    if dues.on_roster_only(payer.get("paid_through"), payments):
        return content.text("fees.history.on_roster", paid_through=dues.date_text(payer["paid_through"]))
    if not payments:
        return content.text("fees.history.none")
    lines = [content.text("fees.history.title")]
    lines += [content.text("fees.history.line", paid_at=p["paid_at"], amount=dues.format_amount(p["amount"]),
                           period=dues.period_text(p["period_from"], p["period_to"]),
                           receipt_no=p["receipt_no"])
              for p in payments]
    return "\n".join(lines)


def receipt_page(ctx) -> Reply | None:
    """"收据在哪看" from a member who has paid: the latest payment's receipt, linked to its page; None for an
    invoice (发票 without 收据) or a follower with no payment on record."""
    payer = find_payer_by_openid(ctx.db, ctx.openid) if _mentions(ctx.text, "receipt") else None
    payments = payments_of(ctx.db, payer, limit=1) if payer else []
    if not payments:
        return None
    paid = payments[0]
    reply = ctx.reply("fees.history.receipt_page", paid_at=paid["paid_at"], amount=dues.format_amount(paid["amount"]),
                      period=dues.period_text(paid["period_from"], paid["period_to"]), receipt_no=paid["receipt_no"])
    return with_page_link(reply, ctx.config, "receipt", f"/m/dues/receipt/{paid['receipt_no']}")


FEE_TABLE_TOPIC = "fee_table"  # what a member who just saw the fee table is talking about


def _schedule_reply(ctx, details: bool = False):
    state.remember_topic(ctx.redis, ctx.openid, FEE_TABLE_TOPIC)  # "学生呢" next: that category's fee
    return ctx.reply("fees.not_member" if details else "fees.not_member_short", schedule=_schedule_text(),
                     grace_days=dues.fee_rules()["grace_days"], options=dues.year_options_text(),
                     how_to_pay=_how_to_pay(ctx))


def _schedule_text() -> str:
    """One line per category: yearly fee, lifetime price where offered, or exempt."""
    return "\n".join(dues.schedule_line(category) for category in dues.fee_rules()["yearly"])


def _category_named(text: str) -> str | None:
    """The membership category a question names ("学生会员要交多少钱"), if it asks about one."""
    if not text or not _mentions(text, "how_much"):
        return None
    return next((category for category in dues.fee_rules()["yearly"]
                 if dues.category_name(category) in text), None)


def doubts_the_fee(ctx) -> bool:
    """"不对吧，我记得没这么多" right after a fee was given: the figure doubted."""
    return bool(ctx.text) and _mentions(ctx.text, "doubt") and \
        state.recent_topic(ctx.turn) in (FEE_TABLE_TOPIC, "fees")


def fee_doubted(ctx):
    """Where the figure comes from, and who settles it: the secretariat."""
    return ctx.reply("fees.doubted", **content.society()["secretariat"])


_FOLLOW_UP_CHARS = 12  # "那学生呢", "student", "高级会员的呢": a category alone, not a new question


def category_follow_up(ctx):
    """"学生呢" / "student" right after the fee table: that category's fee; None for anything else."""
    text = ctx.text.lower()
    if len(text) > _FOLLOW_UP_CHARS or not text:
        return None
    said = [category for category, words in _asked()["category_follow_up"].items()
            if any(word in text for word in words)]
    if len(said) != 1 or said[0] not in dues.fee_rules()["yearly"]:
        return None
    if state.recent_topic(ctx.turn) not in (FEE_TABLE_TOPIC, "fees"):
        return None
    who = category_description(said[0])
    if who and looks_like_a_question(ctx.text) and not _mentions(ctx.text, "how_much"):  # "研究生算学生吗": who it is for
        return ctx.reply("fees.category_who", category=dues.category_name(said[0]), who=who,
                         line=dues.schedule_line(said[0]))
    return ctx.reply("fees.category_fee", line=dues.schedule_line(said[0]))


# --- an invoice asked for: its details taken by chat into a ticket for the secretariat ---------

INVOICE = "invoice"  # the flow: the details asked, then (lapsing) more of them added to the ticket


def _invoice_words() -> dict:
    return content.replies()["fees"]["invoice_request"]


def _invoice_said(text: str, key: str) -> bool:
    """Whether a message says one of the invoice form's words of `key` (content/replies/fees.toml
    [fees.invoice_request]): a Chinese word anywhere, an English one as a whole word in any case ("Personal",
    "ALL", not the "all" of "call")."""
    return _invoice_pattern(key, content.language()).search(text.lower()) is not None


@lru_cache(maxsize=None)
def _invoice_pattern(key: str, language: str) -> re.Pattern:
    words = _invoice_words()[key]
    return re.compile("|".join(rf"(?<![a-z]){re.escape(w)}(?![a-z])" if w[:1].isascii() and w[:1].isalpha()
                               else re.escape(w) for w in sorted(words, key=len, reverse=True)))


def asks_for_invoice(text: str) -> bool:
    """"开个收据", "我要开发票": an invoice or receipt asked for, not a complaint about one."""
    return (_mentions(text, "invoice") or _mentions(text, "receipt")) and not _mentions(text, "complaint") \
        and not _mentions(text, "refund")


def start_invoice(ctx):
    """How invoices are issued, and the details asked for here: sent on to the secretariat as a ticket; details
    without a title ("接着开票 税号1241…") added to the request already sent, as its reply promised."""
    added = details_for_request(ctx)
    if added is not None:
        return added
    signing_up = _sign_up_asked(ctx.text)
    if signing_up:  # "报名BIM培训 张建国137… 李红137… 都是我们院的 开发票": the registration, the invoice after it
        with ctx.read_as(route(signing_up), signing_up):
            return answer_intent(ctx).with_note(content.text("fees.invoice_after_signup"))
    ctx.start_flow(INVOICE, "details", said=ctx.text)
    if _titled_unit(ctx.text or ""):  # "帮我登记一下 抬头是洛阳某某研究院": taken
        return invoice_details(ctx)
    return ctx.reply("fees.invoice_ask", **content.society()["secretariat"])


def _sign_up_asked(text: str) -> str:
    """What a message asks besides the invoice when it registers people by their mobiles ("我们单位要报名那个培训 四个人
    张建国137… … 开发票"): its clauses without the invoice's; "" for another message. No invoice title is read from it
    ("都是我们院的" is who they are)."""
    if mobile_in(text) is None or not content.holds_any(text, content.load_toml("events.toml")["chat"]["registration_words"]):
        return ""
    clauses = statement_clauses(text)
    rest = " ".join(clause for clause in clauses if not asks_for_invoice(clause))
    return rest if rest != " ".join(clauses) else ""


def _tries_invoice(ctx) -> bool:
    """Details of the invoice; not a change of the member's own record said meanwhile ("另外我工作单位换了 现在在
    郑州轻工业大学": the unit changed, answered with the invoice waiting), unless it names the title (抬头), nor a
    longer question that only says 单位 ("我们单位想成为单位会员 怎么办", "单位同事孙伟的会费交了没")."""
    plain, words = ctx.text.lower(), _invoice_words()
    if profile.update_wanted(ctx.text) and "抬头" not in ctx.text:
        return False
    titled = _invoice_said(plain, "title_words") and (
        not asks_something(ctx.text) or len(normalise(ctx.text)) <= words["title_chars"])
    return titled or _invoice_said(plain, "detail_words") or unit_in(ctx.text) is not None \
        or _TAX_NUMBER.search(plain.upper()) is not None or "@" in plain


_TAX_NUMBER = re.compile(r"(?<![0-9A-Z])[0-9A-Z]{15,20}(?![0-9A-Z])")


def _invoice_title(ctx, text: str) -> str | None:
    """The invoice's title (抬头): a unit named, "个人" for a personal one; None while unsaid."""
    text = re.sub(r"(?:邮寄到|寄到|送到|寄给)\S*", " ", text)  # "寄到学校 洛阳市…": where it goes, not its title
    unit = _titled_unit(text)
    if unit:
        return unit
    if _invoice_said(text, "personal_words"):
        return content.text("fees.invoice_personal")
    on_record = _invoice_said(text, "unit_title_words_en") or any(map(_unit_is_title, text.splitlines()))
    member = find_member_by_openid(ctx.db, ctx.openid) if on_record else None
    return (member or {}).get("work_unit") or None  # "抬头写单位" from a bound member: the unit on record


def _unit_is_title(line: str) -> bool:
    """"抬头写单位", "开给单位", "单位的": the unit on record is the title; not "拿回单位报销用", why she asks."""
    words = _invoice_words()
    return "单位" in line and (any(word in line for word in words["unit_title_words"])
                               or len(normalise(line)) <= words["title_chars"])


def _invoice_fields(said: str) -> dict:
    """What a request gives besides its title: the tax number, the e-mail to send it to, 普票 or 专票."""
    found = _TAX_NUMBER.search(said.upper())
    kind = next((kind for kind, words in _invoice_words()["kinds"].items() if any(w in said.lower() for w in words)), None)
    return {name: value for name, value in (("tax", found and found.group()), ("email", email_and_rest(said)[0]),
                                            ("kind", kind)) if value}


def _fields_text(fields: dict) -> str:
    return content.text("fees.invoice_field.separator").join(
        content.text(f"fees.invoice_field.{name}", value=value) for name, value in fields.items())


def _missing_text(said: str, title: str) -> str:
    """"还缺纳税人识别号…": what the request still lacks (the tax number only for a unit's invoice, the e-mail only
    for an electronic one), or ''."""
    fields, personal = _invoice_fields(said), title == content.text("fees.invoice_personal")
    missing = [name for name in ("tax", "email") if name not in fields and (_electronic(said) if name == "email"
                                                                               else not personal)]
    return content.text("fees.invoice_later", items="、".join(
        content.text(f"fees.invoice_missing.{m}") for m in missing)) if missing else ""


def _titled_unit(text: str) -> str | None:
    """The unit an invoice's title names ("抬头是河南省…研究院"), or None."""
    return unit_in(re.sub(r"抬头(?:写成|开成|改成|是|写|开|为|:|：)?", " ", text))


@step(INVOICE, "details", reads_only=True, prompt="fees.invoice_prompt", tries=_tries_invoice,
      own_intents=("fee_status",))
def invoice_details(ctx):
    """Each message kept; once the title is known the ticket is made, with what is still missing said.
    A question that gives none of them ("会费一般什么时候交") is answered, the details waiting."""
    if not _tries_invoice(ctx) and (asks_something(ctx.text) or _names_no_payment(ctx)):
        return answer_while_paused(ctx, lambda: answer_intent(ctx))  # "今年交了没", "缴费记录": answered, the details waiting
    if not _tries_invoice(ctx) and (tries_value("mobile", ctx.text) or tries_value("name", ctx.text)):
        return ctx.reply("fees.invoice_not_title")  # "李晓梅", "13607710002": who she is, no title
    if _asks_when(ctx.text) and _invoice_title(ctx, ctx.text) is None:  # "发票多久能开好": answered, the title asked again
        return ctx.reply("fees.invoice_how_long", **content.society()["secretariat"]).with_note(
            content.text("fees.invoice_prompt"))
    said = f"{ctx.flow_data['said']}\n{ctx.text}"
    title = _invoice_title(ctx, said)
    if title is None:
        ctx.goto("details", said=said)
        return ctx.reply("fees.invoice_title_asked")
    paid = _payments_meant(ctx, said)
    if len(paid) > 1:  # several payments, none named: which one the invoice is for, before it is sent on
        ctx.goto("which", said=said, title=title, paid=paid)
        return _which_prompt(ctx)
    return _invoice_taken(ctx, said, title, paid)


def _names_no_payment(ctx) -> bool:
    """"缴费记录", "会费": a dues request that says nothing of which payment the invoice is for (a year, a receipt
    number, "交的"), so it is answered, not kept as the request's words."""
    text = ctx.text
    return ctx.intent.name == "fee_status" and not (_years_in(text) or re.search(r"SJ\d", text.upper())
                                                         or _invoice_said(text, "paid_words"))


def _payments_meant(ctx, said: str) -> list[dict]:
    """The member's payments (the last few, not refunded) an invoice may be for: the one whose receipt the
    request names, or those paid in the year it names ("去年交的会费") or for it ("2025年的会费"), else all."""
    payer = find_payer_by_openid(ctx.db, ctx.openid)
    paid = [p for p in (payments_of(ctx.db, payer, limit=HISTORY_SIZE) if payer else []) if not p.get("refunded_at")]
    years = {str(year) for year in _years_in(said)}
    meant = [p for p in paid if p["receipt_no"] in said.upper()]
    if not meant and _invoice_said(said, "paid_words"):  # "去年交的": paid that year
        meant = [p for p in paid if p["paid_at"][:4] in years]
    elif not meant:  # "2025年的会费": for that year
        meant = [p for p in paid if p["period_from"] and any(p["period_from"][:4] <= y <= p["period_to"][:4] for y in years)]
    return [{"receipt_no": p["receipt_no"], "line": _payment_line(p)} for p in meant or paid]


def _years_in(text: str) -> set[int]:
    """The years a request names: 2025, 今年, 去年, 前年."""
    this_year = date.today().year
    years = {int(year) for year in re.findall(r"20\d{2}", text)}
    return years | {this_year - back for word, back in (("今年", 0), ("去年", 1), ("前年", 2)) if word in text}


def _payment_line(payment: dict) -> str:
    return content.text("fees.history.line", paid_at=payment["paid_at"], amount=dues.format_amount(payment["amount"]),
                        period=dues.period_text(payment["period_from"], payment["period_to"]),
                        receipt_no=payment["receipt_no"])


def _which_prompt(ctx):
    lines = "\n".join(f"{number}. {p['line'].lstrip('· ')}" for number, p in enumerate(ctx.flow_data["paid"], 1))
    return ctx.reply("fees.invoice_which", lines=lines)


def _tries_which(ctx) -> bool:
    return paging.chosen_number(ctx.text) is not None or _invoice_said(ctx.text, "all_words")


@step(INVOICE, "which", reads_only=True, prompt=_which_prompt, tries=_tries_which)
def invoice_which(ctx):
    """The payment (or all of them) the invoice is for, by its number in the list."""
    paid, number = ctx.flow_data["paid"], paging.chosen_number(ctx.text)
    said = f"{ctx.flow_data['said']}\n{ctx.text}"  # the member's pick, in their own words too
    if number is None and _tries_which(ctx):
        return _invoice_taken(ctx, said, ctx.flow_data["title"], paid)
    if number is None or not 1 <= number <= len(paid):
        return ctx.reply("fees.invoice_which_again").with_note(_which_prompt(ctx).text)
    return _invoice_taken(ctx, said, ctx.flow_data["title"], [paid[number - 1]])


def _invoice_taken(ctx, said: str, title: str, paid: list[dict]):
    """The request made a ticket for the secretariat (the payments it is for named), what is missing said."""
    payments = content.text("fees.invoice_payments", lines="\n".join(p["line"] for p in paid)) if paid else ""
    details = _fields_text(_invoice_fields(said))
    body = content.text("fees.invoice_ticket", title=title, said=said, payments=payments,
                        details=f"{details}\n" if details else "")
    ticket_no = create_ticket(ctx.db, ctx.openid, content.text("fees.invoice_category"), body)
    ctx.start_flow(INVOICE, "added", ticket_no=ticket_no, said=said, title=title)
    shown = content.text("fees.invoice_personal_said") if title == content.text("fees.invoice_personal") else title
    return ctx.reply("fees.invoice_taken", ticket_no=ticket_no, title=shown,
                     later=_missing_text(said, title),
                     details=content.text("fees.invoice_field.separator") + details if details else "",
                     **content.society()["secretariat"])


def _asks_when(text: str) -> bool:
    """"多久能开出来", "发票什么时候能好": how long an invoice takes."""
    return _invoice_said(text, "when_words")


def _asks_where(text: str) -> bool:
    """"发票开好了会发到哪", "寄到哪里": where the invoice goes."""
    return asks_something(text) and _invoice_said(text, "where_words")


def _electronic(text: str) -> bool:
    return _invoice_said(text, "electronic_words")


def details_for_request(ctx) -> Reply | None:
    """A tax number, an e-mail or 普票/专票 sent without a title ("税号12410000415800123X", "电子的 邮箱 …") while an
    invoice request of the member's is still open (answered perhaps, 请补发税号, but not closed): added to the newest
    such request and said back, whenever it comes (the request's reply says "拿到后直接发给我，我补到这张申请上");
    None otherwise."""
    if not _invoice_fields(ctx.text) or _invoice_title(ctx, ctx.text) is not None or holds_id_number(ctx.text):
        return None  # an ID card number ("身份证4101…") is no tax number sent for the request
    category = content.text("fees.invoice_category")
    request = next((t for t in list_tickets_of_member(ctx.db, ctx.openid)
                    if t["category"] == category and t["status"] in (OPEN, REPLIED)), None)  # not issued yet
    if request is None:
        return None
    title = _TITLE_IN_TICKET.search(request["body"])
    ctx.start_flow(INVOICE, "added", ticket_no=request["ticket_no"], said=request["body"],
                   title=title.group(1) if title else "")
    return _add_details(ctx)


_TITLE_IN_TICKET = re.compile(r"抬头：([^\n]+)")


def _add_details(ctx) -> Reply:
    """The message added to the request in hand (flow step `added`), and what it gave said back with what is still
    missing."""
    ticket_no = ctx.flow_data["ticket_no"]
    add_to_ticket(ctx.db, ticket_no, ctx.text)  # "税号 1241…", "抬头改成河南省水利科学研究院"
    added, said = _invoice_fields(ctx.text), f"{ctx.flow_data.get('said', '')}\n{ctx.text}"
    ctx.goto("added", ticket_no=ticket_no, said=said)
    if added:  # "已补到…：税号 …，接收邮箱 …", and what is still missing
        return ctx.reply("fees.invoice_fields_added", ticket_no=ticket_no, details=_fields_text(added),
                         later=_missing_text(said, ctx.flow_data.get("title", "")))
    return ctx.reply("fees.invoice_added", ticket_no=ticket_no)


@step(INVOICE, "added", reads_only=True, prompt="fees.invoice_prompt", lapses=True)
def invoice_added(ctx):
    """Right after the request is taken: a tax number or e-mail added to it, "多久能开出来" answered."""
    ticket_no = ctx.flow_data["ticket_no"]
    if _asks_where(ctx.text):  # "发票开好了会发到哪": where it goes, not a detail to add
        ctx.end_flow()
        return ctx.reply("fees.invoice_where", ticket_no=ticket_no, **content.society()["secretariat"])
    if _tries_invoice(ctx) and not _asks_when(ctx.text) and not holds_id_number(ctx.text):  # 身份证…: no 税号
        return _add_details(ctx)
    if _asks_when(ctx.text):
        ctx.end_flow()
        return ctx.reply("fees.invoice_when", ticket_no=ticket_no, **content.society()["secretariat"])
    ctx.end_flow()
    return ctx.answer_by_intent()
