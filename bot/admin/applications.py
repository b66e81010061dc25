"""Applications: the pending queue, one application in full, and approving or rejecting in bulk.

Decisions go through handlers.members.membership, as `python -m bot members approve/reject`
do: all the ticked applications or none (one refusal stops the batch, so it
can be fixed and sent again), numbered and recorded with the console user as
actor, and each applicant notified the same way.
"""
from __future__ import annotations

from datetime import date

from flask import Blueprint, abort, redirect, request, url_for

from handlers.members import membership
from bot import clock
from bot.admin.ui import (SECRET_FIELDS, actor, db, or_404, redis_client, render, say_done, say_not_done, sees_mobiles,
                          t)
from bot.privacy import mask_personal
from storage import admin as admin_store
from storage import members as store

bp = Blueprint("applications", __name__, url_prefix="/applications")

STATUSES = ("pending", "approved", "rejected")
DATA_FIELDS = ("name", "category", "birth_year", "work_unit", "institution_type", "post_category",
               "discipline", "mobile", "email", "school", "graduation_year", "invite_code",
               "unit_name", "credit_code", "contact_name", "contact_mobile")


@bp.get("/")
def index():
    status = request.args.get("status", "pending")
    return _list_page(status if status in STATUSES else "pending")


def _list_page(status: str, ticked: frozenset = frozenset(), reason: str = ""):
    """The list; after a refused decision, the boxes ticked and the reason typed are kept."""
    searched = request.args.get("q", "").strip()[:40]
    rows = admin_store.list_applications(db(), status, text=searched)
    items = [dict(membership.application_view(db(), a), decided_at=clock.shown(a["decided_at"]),
                  decided_by=a["decided_by"], reason=a["reason"]) for a in rows]
    return render("applications.html", items=items, status=status, statuses=STATUSES, ticked=ticked,
                  reason=reason, searched=searched)


@bp.get("/<app_no>")
def show(app_no: str):
    return _application_page(app_no)


def _application_page(app_no: str, reason: str = ""):
    application = or_404(store.find_application(db(), app_no))
    data = application["data"]
    full = sees_mobiles()  # a read-only user reads the applicant's mobile masked, and no invite code
    fields = [(key, data[key] if full or not isinstance(data[key], str) else mask_personal(data[key]))
              for key in DATA_FIELDS if data.get(key) not in (None, "") and (full or key not in SECRET_FIELDS)]
    history = [membership.history_view(row, full=full, db=db())
               for row in store.history_of(db(), "application", application["id"])]
    return render("application.html", application=application,
                  view=membership.application_view(db(), application), fields=fields, history=history,
                  reason=reason)


def _notice_texts(item: dict) -> str:
    if item["notice_error"]:
        return membership.say("cli_members.notify_failed", error=item["notice_error"])
    return membership.say("cli_members.notified")


def _approved_text(item: dict) -> str:
    if item["kind"] == "unit":
        return membership.say("cli_members.approved_unit", **item)
    return membership.say("cli_members.approved", **dict(item, category=membership.category_name(item["category"])))


@bp.post("/decide")
def decide():
    """Approve or reject the ticked applications (a reason is needed to reject)."""
    app_nos = request.form.getlist("app_no")
    decision = request.form.get("decision")
    reason = request.form.get("reason", "").strip()

    def refused(message: str):
        """The page the form was on (the list, or one application's page), what was ticked and typed kept."""
        say_not_done(message)
        if request.form.get("one") and len(app_nos) == 1:
            return _application_page(app_nos[0], reason), 400
        return _list_page("pending", frozenset(app_nos), reason), 400

    if not app_nos:
        return refused(t("applications.none_ticked"))
    if decision == "reject" and not reason:
        return refused(t("applications.reason_needed"))
    try:
        if decision == "approve":
            done = membership.approve(db(), redis_client, app_nos, actor(), date.today())
            lines = [_approved_text(item) for item in done]
        elif decision == "reject":
            done = membership.reject(db(), redis_client, app_nos, actor(), reason)
            lines = [membership.say("cli_members.rejected", **item) for item in done]
        else:
            abort(400)
    except store.Refused as refusal:
        return refused(t("applications.not_done", message=membership.explain(refusal)))
    for line, item in zip(lines, done):
        say_done("applications.done", line=line, notice=_notice_texts(item))
    return redirect(url_for(".index"))
