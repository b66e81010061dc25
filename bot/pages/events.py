"""活动: the guide's coming events, one event with registration, and its fee paid with WeChat Pay.

Registering is the chat's own rule (handlers.events.registration.register: a seat, else the
waitlist; refused when closed or already registered) with the person checked
by bot/validation.py. Where content/event_fees.toml prices the event, the
type chosen is priced by handlers/events/fees.py (members-only types need a member
in good standing; early-bird prices through their date) and a seated
registration is paid through handlers/fees/online.py like dues; a waitlisted one
pays once it gets a seat.
"""
from __future__ import annotations

import logging

from flask import abort, redirect, request, url_for

from bot import wechat_pay
from handlers.events import fees as event_fees
from handlers.events import guide as event_rules
from handlers.fees import online as online_dues
from handlers.fees import dues
from bot.pages import pages
from bot.pages.auth import csrf_token
from bot.pages.common import config, db, openid, render, t, today
from bot.pages.dues import pay_client, pay_page
from bot.privacy import mask_mobile
from bot.validation import Invalid, clean_mobile, clean_name, clean_text
from handlers.members.signup import problem_text
from storage import event_payments
from handlers.events.registration import register
from storage import events as store
from storage.members import Refused, find_member_by_openid

log = logging.getLogger(__name__)
UPCOMING = 50


def _is_member(member: dict | None) -> bool:
    return event_fees.member_price_applies(member, today())


def _event(event_no: str) -> dict:
    event = store.find_event(db(), event_no)
    if event is None:
        abort(404)
    return event


@pages.get("/events")
def events():
    query = {"from": today().isoformat(), "to": None, "type": None, "word": None}
    rows = [dict(event_rules.summary(e), fees=bool(event_fees.settings(e)))
            for e in store.list_events(db(), query, limit=UPCOMING)]
    return render("events.html", events=rows)


def _event_page(event: dict, values: dict | None = None, problems: dict | None = None, status: int = 200,
                refusal: str | None = None):
    member = find_member_by_openid(db(), openid())
    mine = store.live_registration(db(), event["id"], openid())
    values = values or {"name": member["name"] if member else "", "work_unit": (member or {}).get("work_unit") or "",
                        "fee_type": (event_fees.due(event, today(), member) or {}).get("type", "")}
    on_file = mask_mobile(member["mobile"]) if member and member.get("mobile") else ""
    return render("event.html", status, event=event_rules.summary(event), values=values, problems=problems or {},
                  mobile_on_file=on_file,
                  mine=mine and _mine_view(mine), refusal=refusal, csrf=csrf_token(),
                  offer=event_fees.offer(event, today(), _is_member(member)),
                  early_bird=event_fees.early_bird(event, today()),
                  open=today().isoformat() <= store.last_signup_day(event), pay_enabled=config().pay_enabled)


def _mine_view(registration: dict) -> dict:
    fee = registration.get("fee_fen") or 0
    return {"status": registration["status"], "status_text": t(f"registration.{registration['status']}"),
            "code": registration["checkin_code"] if registration["status"] == store.REGISTERED else "",
            "fee": dues.format_amount(fee / 100) if fee else "", "fee_type": registration.get("fee_type") or "",
            "to_pay": bool(fee) and not registration.get("paid_at") and registration["status"] == store.REGISTERED,
            "paid": bool(registration.get("paid_at"))}


@pages.get("/events/<event_no>")
def event(event_no: str):
    return _event_page(_event(event_no))


@pages.post("/events/<event_no>/register")
def event_register(event_no: str):
    event = _event(event_no)
    member = find_member_by_openid(db(), openid())
    values = {key: request.form.get(key, "")[:100] for key in ("name", "mobile", "work_unit", "fee_type")}
    person, problems = {"member_id": member and member["id"]}, {}
    given = dict(values)
    if member and member.get("mobile") and not values["mobile"].strip():  # left empty: the mobile on file
        given["mobile"] = member["mobile"]
    for key, clean in (("name", clean_name), ("mobile", clean_mobile),
                       ("work_unit", lambda text: clean_text(text, "work_unit"))):
        if not given[key].strip() and key == "work_unit":
            continue
        try:
            person[key] = clean(given[key])
        except Invalid as refused:
            problems[key] = problem_text(refused.reason)
    fee_fen = 0
    if event_fees.settings(event):
        fee_fen = event_fees.price_fen(event, values["fee_type"], today(), _is_member(member))
        if fee_fen is None:
            problems["fee_type"] = t("events.choose_type")
    if problems:
        return _event_page(event, values, problems, status=400)
    try:
        registration = register(db(), event["id"], openid(), person, today().isoformat())
    except Refused as refused:
        return _event_page(event, values, status=409, refusal=refused.reason)
    if fee_fen:
        event_payments.set_fee(db(), registration["id"], values["fee_type"], fee_fen)
        if registration["status"] == store.REGISTERED:
            return _pay_fee(registration["id"])
    return redirect(url_for("pages.event", event_no=event["event_no"]))


@pages.post("/events/<event_no>/pay")
def event_pay(event_no: str):
    event = _event(event_no)
    mine = store.live_registration(db(), event["id"], openid())
    if mine is None or not _mine_view(mine)["to_pay"]:
        return redirect(url_for("pages.event", event_no=event["event_no"]))
    return _pay_fee(mine["id"])


def _pay_fee(registration_id: int):
    registration = event_payments.registration(db(), registration_id)
    pay = pay_client()
    if pay is None:
        return redirect(url_for("pages.event", event_no=registration["event_no"]))
    try:
        order = online_dues.event_order_for(db(), pay, config(), registration, openid())
    except wechat_pay.PayError as error:
        log.warning("WeChat Pay order failed: %s", error)
        return render("error.html", 502, message_key="errors.pay_unavailable")
    return pay_page(pay, order)
