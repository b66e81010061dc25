"""Recording a dues payment (its receipt, the paid-through date it gives) and refunding one, each in one transaction.

Every way money comes in ends here: `python -m bot fees record`, the console, a
bank statement import and a WeChat Pay notification. The paid-through date is
read again inside the transaction, so two payments recorded at the same moment
both count (rule: dues.coverage). The receipt number is prefix + year of
payment + sequence within that year (content/membership.toml [fees]).
"""
from __future__ import annotations

from datetime import date

from bot import content
from handlers.fees import dues
from storage import fees as store
from storage.sqlite import transaction


def not_in_force(payer: dict) -> dict | None:
    """Why no dues are booked to a payer out of force (a member who resigned, is suspended or died; a unit no
    longer in force), as its facts {number, name, status in words}: a statement import holds the money, the
    console and `fees record` refuse it, until the membership is restored. None when in force."""
    if payer.get("status") in (None, "active"):
        return None
    return {"number": payer["number"], "name": payer["name"],
            "status": content.text(f"cli_labels.statuses.{payer['status']}")}


class AlreadyLifetime(ValueError):
    """The payer has paid for life; another payment would extend nothing."""


def record_payment(db, payer: dict, amount: float, years: int, paid_on: date, method: str, actor: str,
                   note: str | None = None, reference: str | None = None, import_key: str | None = None,
                   source: str = "manual", account: str | None = None, from_year: int | None = None,
                   shown_year: int | None = None) -> dict:
    """Issue a receipt and extend the payer's paid-through date; the stored payment.
    `from_year`: the first year the payer said the money is for (arrears, dues.coverage).
    `shown_year`: a year the paid-through date already counts: one a roster marks paid by this very money
    (a transfer dated before the roster's records end), or one it marks unpaid between paid ones
    (dues_unpaid, 补交2025年会费), which is then unpaid no more. Booked to that year, the paid-through date
    left as it is."""
    rules = dues.fee_rules()
    with transaction(db):
        current = store.reload_payer(db, payer)
        if dues.is_lifetime(current["paid_through"]):
            raise AlreadyLifetime(current["number"])
        period_from, period_to = (f"{shown_year}-01-01", f"{shown_year}-12-31") if shown_year else \
            dues.coverage(current["paid_through"], years, paid_on, from_year, current.get("joined_at"))
        continued = dues.standing(current["paid_through"], paid_on) in ("active", "grace")
        payment = {"category": current["category"], "amount": float(amount), "years": years, "method": method,
                   "note": note, "reference": reference, "import_key": import_key, "source": source,
                   "account": account, "continued": int(continued), "period_from": period_from,
                   "period_to": period_to, "paid_at": paid_on.isoformat()}
        stored = store.insert_payment(db, current, payment, f"{rules['receipt_prefix']}{paid_on.year}",
                                      rules["receipt_digits"], actor)
        unpaid = (current.get("dues_unpaid") or "").split("、")
        if shown_year and str(shown_year) in unpaid:
            store.set_dues_unpaid(db, current, "、".join(y for y in unpaid if y != str(shown_year)) or None, actor,
                                  stored["receipt_no"])
        return stored


class Refusal(ValueError):
    """Something refused: `reason` names the text that says why, `facts` its fields."""

    def __init__(self, reason: str, **facts):
        super().__init__(reason)
        self.reason, self.facts = reason, facts


class NotRefunded(Refusal):
    """A refund refused: `reason` is a key under [cli_fees.refund] (unknown, wechatpay, already, no_reason)."""


class YearsUnclear(Refusal):
    """A payment recorded by hand whose years are not clear (years_booked): `reason` is a key under [admin.dues]."""


def unpaid_gap_year(payer: dict, named: list[int], years: int) -> int | None:
    """The year one year's dues name (补交2025年会费) when the roster marks that year unpaid between paid ones
    (dues_unpaid): the money is for it, whatever the paid-through date says."""
    unpaid = (payer.get("dues_unpaid") or "").split("、")
    return named[0] if years == 1 and len(set(named)) == 1 and str(named[0]) in unpaid else None


def years_skipped(payer: dict, years: int, paid_on: date) -> list[int]:
    """The years a payer owes that a payment naming no year passes over: a lapsed member (or one who never paid)
    pays from the year of the payment on, or the next year from next_year_from (dues.coverage), the years
    before left unpaid for good. None where arrears are paid first (arrears_first), for lifetime and exempt."""
    paid_through = payer.get("paid_through")
    if years == dues.LIFETIME or dues.is_lifetime(paid_through) or dues.is_exempt(payer["category"]):
        return []
    owed_from = dues.first_owed_year(paid_through, payer.get("joined_at"))
    return list(range(owed_from, dues.dues_year(paid_through, paid_on, payer.get("joined_at")))) if owed_from else []


def years_passed_over(db, payer: dict, payments: list[dict]) -> dict | None:
    """The years the payer's latest payment after a lapse passed over, left unpaid for good (years_skipped when
    it was made), with that payment: {"years": [2026], "payment": …}; None when there are none. The year's
    collection on the 会费 page counts them due and not paid (dues.year_status 'moved')."""
    restarts = [p for p in payments if not p["continued"] and not p["refunded_at"]]
    if not restarts:
        return None
    latest = max(restarts, key=lambda p: p["period_from"])
    first = dues.first_owed_year(store.paid_through_before(db, latest), payer.get("joined_at"))
    years = list(range(first, int(latest["period_from"][:4]))) if first else []
    return {"years": years, "payment": latest} if years else None


def years_booked(payer: dict, years: int, paid_on: date, named: int | None) -> dict:
    """The years a payment recorded by hand is for, as record_payment's keywords: from the year `named` (chosen
    on the form, or named in the note: 补交2026年会费), or by the rules when none is named. Raises YearsUnclear
    where the secretary decides: `arrears_which` none named while the payment would pass over years owed
    (years_skipped: 补缴 those, or count from the later year?); `year_paid` the year named is paid already;
    `year_not_next` the rules count the money from another year than the one named (a member still in grace
    pays the year after the paid one first). A lifetime payment is for no year: {}."""
    if years == dues.LIFETIME:  # a lifetime payment is for no year: '2026年转为终身会员' names none to book
        return {}
    facts = {"name": payer["name"], "number": payer["number"], "paid_through": dues.date_text(payer["paid_through"])}
    if named is None:
        skipped = years_skipped(payer, years, paid_on)
        if skipped:
            raise YearsUnclear("arrears_which", **facts, owed=dues.listing(skipped), first=skipped[0],
                               later=dues.dues_year(payer["paid_through"], paid_on, payer.get("joined_at")))
        return {}
    if unpaid_gap_year(payer, [named], years):
        return {"shown_year": named}
    if payer["paid_through"] and named <= int(payer["paid_through"][:4]):
        raise YearsUnclear("year_paid", **facts, year=named)
    start = int(dues.coverage(payer["paid_through"], years, paid_on, named, payer.get("joined_at"))[0][:4])
    if start != named:
        raise YearsUnclear("year_not_next", **facts, year=named, start=start)
    return {"from_year": named}


def refund(db, receipt_no: str, reason: str, actor: str, refunded_on: date) -> dict:
    """Record that a payment's money went back (or that it was booked by mistake), with the reason: what
    `fees refund` and the console's 退款/作废 both do. A WeChat Pay payment is refunded through WeChat Pay
    (the console's 在线支付), not here. What was refunded, and the payer's paid-through date before and after."""
    payment = store.find_payment(db, receipt_no.strip().upper())
    if payment is None:
        raise NotRefunded("unknown", receipt_no=receipt_no)
    if payment["source"] == "wechatpay":
        raise NotRefunded("wechatpay", receipt_no=payment["receipt_no"])
    if payment["refunded_at"]:
        raise NotRefunded("already", receipt_no=payment["receipt_no"], date=payment["refunded_at"])
    if not reason.strip():
        raise NotRefunded("no_reason", receipt_no=payment["receipt_no"])
    with transaction(db):
        payer = store.payer_of(db, payment)
        refunded = refund_payment(db, payment["receipt_no"], refunded_on.isoformat(), actor, reason.strip())
        after = store.reload_payer(db, payer)
    return {"receipt_no": refunded["receipt_no"], "number": payer["number"], "name": payer["name"],
            "amount": refunded["amount"], "refunded_at": refunded["refunded_at"],
            "previous_paid_through": payer["paid_through"], "paid_through": after["paid_through"], "payment": refunded}


def refund_payment(db, receipt_no: str, refunded_on: str, actor: str, reason: str) -> dict | None:
    """Mark a payment refunded and move the paid-through date back; None if it already was.

    The date goes back to the one the payment found, and the payments recorded after it
    (not refunded) are counted again from there by the same rule that counted them
    (dues.coverage), so refunding the latest year's dues simply returns the payer to
    where they stood before paying it.
    """
    with transaction(db):
        payment = store.find_payment(db, receipt_no)
        if payment is None or payment["refunded_at"]:
            return None
        store.mark_refunded(db, payment, refunded_on, actor, reason)
        payer = store.payer_of(db, payment)
        paid_through = store.paid_through_before(db, payment)
        for later in store.payments_after(db, payer, payment):
            paid_through = dues.coverage(paid_through, later["years"], date.fromisoformat(later["paid_at"]),
                                         joined_at=payer.get("joined_at"))[1]
        if paid_through != payer["paid_through"]:
            store.set_paid_through(db, payer, paid_through, actor, receipt_no, action="dues_refunded")
    return store.find_payment(db, receipt_no)
