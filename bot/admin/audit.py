"""The audit log: who changed what, from the `history` table every change writes to.

History already holds each change with its actor: console users appear as
`console:<username>`, chat members as `openid:...`, command-line users by
their `--by` name. So the console needs no second log to fall out of step
with the first, and its page shows changes made anywhere, filtered to the
console's own when asked.
"""
from __future__ import annotations

import json

from flask import Blueprint, request, url_for

from handlers.members import membership
from bot.admin.ui import by_ending, current_page, db, past_the_end, render, searched, texts
from storage import admin as admin_store

bp = Blueprint("audit", __name__, url_prefix="/audit")


PAGES = {"ticket": ("ticket_no", "admin.tickets.show"), "event": ("event_no", "admin.events.show")}  # number, page


def _subject(row: dict, found: dict) -> dict:
    """What a history row is about, named and linked where the console has a page for it."""
    thing = found.get(row["subject"], {}).get(row["subject_id"])
    text = texts("audit.subjects").get(row["subject"], row["subject"])
    url = None
    if thing and row["subject"] == "member":
        text, url = f"{thing['member_no']} {thing['name']}", url_for("admin.members.show", member_no=thing["member_no"])
    elif thing and row["subject"] == "application":
        applicant = json.loads(thing["data"] or "{}").get("name") if isinstance(thing["data"], str) else None
        text = f"{thing['app_no']} {applicant}" if applicant else thing["app_no"]
        url = url_for("admin.applications.show", app_no=thing["app_no"])
    elif thing and row["subject"] in PAGES:
        number_field, endpoint = PAGES[row["subject"]]
        text = f"{text} {thing[number_field]}"
        url = url_for(endpoint, **{number_field: thing[number_field]})
    elif thing:
        text = f"{text} {thing.get('unit_no') or thing.get('award_no') or thing.get('username') or ''}".strip()
    return {"text": text, "url": url}


@bp.get("/")
def index():
    args = request.args
    subject = args.get("subject") or None
    pager = current_page()
    about = searched(args.get("about", ""))
    rows, pager.total = ([], 0) if about is None else admin_store.history_page(
        db(), actor=args.get("actor", "").strip() or None, subject=subject, console_only=args.get("console") == "1",
        about=about or None, by_ending=by_ending(), offset=pager.offset, limit=pager.per_page)
    if last := past_the_end(pager):
        return last
    found = {kind: admin_store.subjects_of(db(), kind, [r["subject_id"] for r in rows if r["subject"] == kind])
             for kind in {r["subject"] for r in rows}}
    entries = [dict(membership.history_view(row, full=False, db=db()), subject=_subject(row, found)) for row in rows]
    return render("audit.html", entries=entries, pager=pager, args=args,
                  subjects=texts("audit.subjects"))
