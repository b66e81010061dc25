"""签到 (check-in at an event's door): staff scan the registrant's QR code with the phone camera
or type the code, and see at once who it is and whether they may come in (handlers/events/check_in.py)."""
from __future__ import annotations

from datetime import date, timedelta

from flask import Blueprint, request

from bot import content
from handlers.events import check_in
from bot.admin.ui import actor, db, render
from storage import events as store

bp = Blueprint("checkin", __name__, url_prefix="/checkin")


def _events() -> list[dict]:
    """Events on now or soon (from a week ago), the choices of the page."""
    first = (date.today() - timedelta(days=7)).isoformat()
    return store.list_events(db(), {"from": first, "to": None, "type": None, "word": None}, limit=200)


@bp.route("/", methods=["GET", "POST"])
def index():
    chosen = request.values.get("event") or ""
    result = None
    if request.method == "POST":
        result = check_in.check_in(db(), request.form.get("code", "")[:64], chosen or None, actor())
        if result["event"]:
            chosen = result["event"]["event_no"]
        result = dict(result, text=check_in.outcome_text(result))
    return render("checkin.html", events=_events(), chosen=chosen, result=result,
                  words=content.replies()["pages"]["check_in"])
