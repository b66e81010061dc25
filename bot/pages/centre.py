"""会员中心: the member's card, application, contact details, event registrations and tickets.

Everything here is looked up by the session's openid and nothing else; the one
URL naming a record (a ticket) is matched with that openid too. Contact
details are checked by the same functions as the chat's 修改手机/邮箱/单位
(handlers.members.profile.UPDATES, over bot/validation.py) and saved the same way,
with the change in the member's history.
"""
from __future__ import annotations

from flask import abort, redirect, request, url_for

from handlers.events import check_in
from handlers.fees import dues
from bot import clock
from bot.pages import pages
from bot.pages.auth import csrf_token
from bot.pages.common import db, openid, render, t, today
from bot.privacy import mask_mobile
from bot.validation import Invalid
from handlers.members.profile import UPDATES
from handlers.tickets.chat import shown_body
from handlers.events.registration import refunds_owed_lines
from storage.events import registrations_of
from storage.members import (find_latest_application, find_member_by_openid, find_unit_by_openid,
                             update_member)
from storage.tickets import list_tickets_of_member, replies_to, ticket_of_member

TICKETS_SHOWN = 20
CONTACT_FIELDS = ("mobile", "email", "work_unit")  # what a member may change here, as in chat


def member_card(member: dict | None, unit: dict | None) -> dict | None:
    """The member (or unit) as their card shows it; None when this WeChat is neither."""
    if member is None and unit is None:
        return None
    record = member or unit
    category = member["category"] if member else "unit"
    standing = dues.dues_standing(category, record["paid_through"], today())
    card = {
        "kind": "member" if member else "unit",
        "number": member["member_no"] if member else unit["unit_no"],
        "name": record["name"],
        "category": dues.category_name(category),
        "status": t(f"statuses.{record['status']}"),
        "paid_through": dues.date_text(record["paid_through"]),
        "standing": t(f"standings.{standing}"),
        "standing_code": standing,
        "joined_at": record["joined_at"] or "",
    }
    if member:
        card.update(work_unit=member["work_unit"] or t("not_given"),
                    mobile=mask_mobile(member["mobile"]) if member["mobile"] else t("not_given"),
                    email=member["email"] or t("not_given"))
    return card


def _application_view(application: dict | None) -> dict | None:
    if application is None:
        return None
    return {"app_no": application["app_no"], "submitted": clock.day_shown(application["created_at"]),
            "status": application["status"], "status_text": t(f"application.{application['status']}"),
            "reason": application["reason"] or ""}


def _registration_view(row: dict) -> dict:
    seated = row["status"] == "registered"
    return {"title": row["title"], "event_no": row["event_no"], "starts_on": row["starts_on"], "ends_on": row["ends_on"],
            "place": row["place"] or "", "status": t(f"registration.{row['status']}"), "name": row.get("name") or "",
            "checkin_code": row["checkin_code"] if seated else "",
            "checkin_qr": check_in.qr_data_uri(row["event_no"], row["checkin_code"]) if seated else "",
            "checked_in": bool(row.get("checked_in_at"))}


def _ticket_view(ticket: dict, with_replies: bool) -> dict:
    view = {"id": ticket["id"], "ticket_no": ticket["ticket_no"], "category": ticket["category"],
            "body": shown_body(ticket), "created": clock.day_shown(ticket["created_at"]),
            "status": t(f"tickets.{ticket['status']}")}
    if with_replies:
        view["replies"] = [{"text": r["text"], "at": clock.shown(r["at"])}
                           for r in replies_to(db(), ticket["id"])]
    return view


@pages.get("/")
def centre():
    me = openid()
    member = find_member_by_openid(db(), me)
    unit = None if member else find_unit_by_openid(db(), me)
    tickets = list_tickets_of_member(db(), me, limit=TICKETS_SHOWN)
    return render(
        "centre.html",
        card=member_card(member, unit),
        application=_application_view(find_latest_application(db(), me)),
        registrations=[_registration_view(r) for r in registrations_of(db(), me, today().isoformat())],
        refunds=refunds_owed_lines(db(), me),
        tickets=[_ticket_view(ticket, with_replies=True) for ticket in tickets],
    )


@pages.get("/tickets/<int:ticket_id>")
def ticket(ticket_id: int):
    found = ticket_of_member(db(), openid(), ticket_id)
    if found is None:
        abort(404)
    return render("ticket.html", ticket=_ticket_view(found, with_replies=True))


# --- contact details --------------------------------------------------------------------

def _contact_form(member: dict, values: dict | None = None, problems: dict | None = None, status: int = 200):
    values = values or {"email": member["email"] or "", "work_unit": member["work_unit"] or ""}
    return render("contact.html", status, values=values, problems=problems or {},
                  current_mobile=mask_mobile(member["mobile"]) if member["mobile"] else t("not_given"),
                  csrf=csrf_token())


def _problem(reason: str) -> str:
    """The page's wording of a refused value where it differs from the chat's, else the chat's."""
    from bot import content

    try:
        return t(f"problems.{reason}")
    except content.ContentError:
        return content.text(f"validation.{reason}")


@pages.route("/contact", methods=["GET", "POST"])
def contact():
    member = find_member_by_openid(db(), openid())
    if member is None:
        return redirect(url_for("pages.centre"))
    if request.method == "GET":
        return _contact_form(member)
    values = {field: request.form.get(field, "") for field in CONTACT_FIELDS}
    changes, problems = {}, {}
    for field in CONTACT_FIELDS:
        text = values[field].strip()
        if not text:
            continue  # left empty: unchanged (the mobile is never shown in full to be edited)
        try:
            changes[field] = UPDATES[field](text)
        except Invalid as refused:
            problems[field] = _problem(refused.reason)
    if problems:
        return _contact_form(member, values, problems, status=400)
    update_member(db(), member["id"], changes, actor=f"openid:{member['openid']}")
    return redirect(url_for("pages.centre", saved=1))
