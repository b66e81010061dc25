"""Importing a roster from the browser: upload, read the validation report, confirm, see the result.

The report and the writing are `python -m bot members import`'s own
(handlers.members.roster plans, handlers.members.membership applies and reports), so the two say the
same about the same file. Between the report and the confirmation the file
waits in the data directory under a random token, readable only by the user
who uploaded it (ui.keep_upload); confirming plans it again (the roster may
have changed meanwhile) and writes all rows in one transaction, or with
"skip bad rows" the good ones.
"""
from __future__ import annotations

from datetime import date

from flask import Blueprint, abort, redirect, request, url_for

from handlers.members import roster
from handlers.members import membership
from bot.admin.ui import actor, db, drop_upload, held_upload, render, say_not_done, t, upload_step
from bot.spreadsheets import READ_SUFFIXES, SheetError

bp = Blueprint("roster_import", __name__, url_prefix="/import")

SUFFIXES = READ_SUFFIXES


@bp.route("/", methods=["GET", "POST"])
def upload():
    return upload_step("import_upload.html", SUFFIXES,
                       lambda name: membership.say("cli_roster.sheet_format", file=name))


def _import(token: str, write: bool, overwrite: bool = False, skip_bad_rows: bool = False) -> tuple[dict, bool]:
    """(report, blocked) of the file's roster sheets, written when `write` and not blocked; a file
    that cannot be read as a roster goes back to the upload page. `overwrite`: values on file newer
    than the roster's are overwritten too (the secretariat said so)."""
    path, name = held_upload(token)
    try:
        sheets = roster.read_rosters(path)
    except SheetError as bad:
        drop_upload(token)
        say_not_done(membership.say(f"cli_roster.sheet_{bad.reason}", **dict(bad.facts, file=name)))
        abort(redirect(url_for(".upload")))
    return membership.import_rosters(db(), sheets, name, actor(), date.today(), overwrite=overwrite,
                                     write=write, skip_bad_rows=skip_bad_rows)


def _report_page(report: dict, token: str | None):
    return render("import_report.html", report=report, lines=membership.report_lines(report), token=token)


@bp.get("/<token>")
def report(token: str):
    data, _ = _import(token, write=False)
    return _report_page(data, token)


@bp.post("/<token>")
def confirm(token: str):
    data, blocked = _import(token, write=True, overwrite=request.form.get("overwrite") == "1",
                            skip_bad_rows=request.form.get("skip_bad_rows") == "1")
    if blocked:
        say_not_done(t("import.blocked", bad=len(data["bad_rows"])))
        return redirect(url_for(".report", token=token))
    drop_upload(token, done=True, left=len(data["bad_rows"]))
    return _report_page(data, None)
