"""`fee_status`: a member's dues — paid-through date, standing, what to pay and how, last payments.

A unit contact bound to a unit member sees the unit's dues. Anyone else gets
the fee schedule and how to bind (会员卡) or apply (入会), since that is what
they can act on.
"""
from __future__ import annotations

from datetime import date

from bot import content, dues
from bot.registry import handles
from storage.payments import find_payer_by_openid, payments_of

HISTORY_SIZE = 5


@handles("fee_status", menu="MENU_FEES")
def fee_status(ctx):
    payer = find_payer_by_openid(ctx.db, ctx.openid)
    if payer is None:
        return _schedule_reply(ctx)
    today = date.today()
    return ctx.reply(
        "fees.member", name=payer["name"], number=payer["number"],
        category=dues.category_name(payer["category"]),
        paid_through=dues.date_text(payer["paid_through"]),
        standing=_standing_text(payer, today), due=_due_text(payer, today),
        how_to_pay=_how_to_pay(), history=_history_text(ctx.db, payer),
    )


def _how_to_pay() -> str:
    return dues.fee_rules()["how_to_pay"]["text"]


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
    options = dues.renewal_options(payer["category"], payer["paid_through"], today)
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
    if not payments:
        return content.text("fees.history.none")
    lines = [content.text("fees.history.title")]
    lines += [content.text("fees.history.line", paid_at=p["paid_at"], amount=dues.format_amount(p["amount"]),
                           period=dues.period_text(p["period_from"], p["period_to"]),
                           receipt_no=p["receipt_no"])
              for p in payments]
    return "\n".join(lines)


def _schedule_reply(ctx):
    return ctx.reply("fees.not_member", schedule=_schedule_text(), grace_days=dues.fee_rules()["grace_days"],
                     options=dues.year_options_text(), how_to_pay=_how_to_pay())


def _schedule_text() -> str:
    """One line per category: yearly fee, lifetime price where offered, or exempt."""
    lines = []
    for category in dues.fee_rules()["yearly"]:
        fields = {"category": dues.category_name(category),
                  "amount": dues.format_amount(dues.yearly_fee(category))}
        lifetime = dues.lifetime_fee(category)
        if dues.is_exempt(category):
            key = "fees.schedule_line_free"
        elif lifetime is not None:
            key, fields["lifetime"] = "fees.schedule_line_lifetime", dues.format_amount(lifetime)
        else:
            key = "fees.schedule_line"
        lines.append(content.text(key, **fields))
    return "\n".join(lines)
