"""Importing a roster from the browser: upload, read the validation report, confirm, see the result.

The report and the writing are `python -m bot members import`'s own
(bot.roster plans, bot.membership applies and reports), so the two say the
same about the same file. Between the report and the confirmation the file
waits in the data directory under a random token, readable only by the user
who uploaded it; confirming plans it again (the roster may have changed
meanwhile) and writes all rows in one transaction, or with "skip bad rows"
the good ones. Uploads not confirmed within UPLOAD_KEEP are deleted at the next upload.
"""
from __future__ import annotations

import json
import re
import secrets
import time
from datetime import date
from pathlib import Path

from flask import Blueprint, abort, redirect, request, url_for

from bot import membership, roster
from bot.admin.ui import actor, db, render, say_not_done, t, user, work_dir
from bot.spreadsheets import XLSX_SUFFIXES, SheetError

bp = Blueprint("roster_import", __name__, url_prefix="/import")

SUFFIXES = (*XLSX_SUFFIXES, ".csv")
TOKEN = re.compile(r"[A-Za-z0-9_-]{32}")
UPLOAD_KEEP = 24 * 3600  # seconds an unconfirmed upload is kept


def _folder() -> Path:
    return work_dir("uploads")


def _forget_old() -> None:
    cutoff = time.time() - UPLOAD_KEEP
    for path in _folder().iterdir():
        if path.stat().st_mtime < cutoff:
            path.unlink(missing_ok=True)


def _discard(token: str) -> None:
    for path in _folder().glob(f"{token}.*"):
        path.unlink(missing_ok=True)


def _upload(token: str) -> tuple[Path, dict]:
    """The waiting file and what we know of it; 404 for another user's or a spent token."""
    meta_path = _folder() / f"{token}.json"
    if not TOKEN.fullmatch(token) or not meta_path.exists():
        abort(404)
    meta = json.loads(meta_path.read_text(encoding="utf-8"))
    if meta["user_id"] != user()["id"]:
        abort(404)
    return _folder() / f"{token}{meta['suffix']}", meta


@bp.route("/", methods=["GET", "POST"])
def upload():
    if request.method == "GET":
        return render("import_upload.html")
    file = request.files.get("file")
    name = Path(file.filename or "").name if file else ""
    suffix = Path(name).suffix.lower()
    if not name:
        say_not_done(t("import.no_file"))
        return redirect(url_for(".upload"))
    if suffix not in SUFFIXES:
        say_not_done(membership.say("cli_roster.sheet_format", file=name))
        return redirect(url_for(".upload"))
    _forget_old()
    token = secrets.token_urlsafe(24)
    file.save(_folder() / f"{token}{suffix}")
    (_folder() / f"{token}.json").write_text(json.dumps(
        {"name": name, "suffix": suffix, "user_id": user()["id"]}, ensure_ascii=False), encoding="utf-8")
    return redirect(url_for(".report", token=token))


def _plan(token: str) -> tuple[roster.ImportPlan, str]:
    """(plan, file name); a file that cannot be read as a roster goes back to the upload page."""
    path, meta = _upload(token)
    try:
        return roster.plan_import(db(), roster.read_roster(path), date.today()), meta["name"]
    except SheetError as bad:
        _discard(token)
        say_not_done(membership.say(f"cli_roster.sheet_{bad.reason}", **bad.facts))
        abort(redirect(url_for(".upload")))


def _report_page(report: dict, token: str | None):
    return render("import_report.html", report=report, lines=membership.report_lines(report), token=token)


@bp.get("/<token>")
def report(token: str):
    plan, name = _plan(token)
    return _report_page(membership.import_report(plan, name, None, False, db()), token)


@bp.post("/<token>")
def confirm(token: str):
    plan, name = _plan(token)
    if plan.problems and request.form.get("skip_bad_rows") != "1":
        say_not_done(t("import.blocked", bad=len(plan.bad_rows)))
        return redirect(url_for(".report", token=token))
    created = membership.apply_import(db(), plan, name, actor(), date.today())
    _discard(token)
    return _report_page(membership.import_report(plan, name, created, False, db()), None)
