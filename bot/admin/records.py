"""What the jobs, events and award-call pages share: importing a record sheet and the add form.

Both are the CLI's own. An import is bot.sheet_import's plan and report, as
`<group> import` does (upload -> report -> confirm, the file waiting under a
token as in ui.keep_upload), and it is written by the same `save(db, plan,
file_name, actor)` the command is given, so the browser and the command say
and do the same with the same file. An add form is cleaned by
sheet_import.clean_fields with the sheet's own cleaners, so a typed value is
checked as a cell would be; each problem shows under its field, with what
was typed kept.
"""
from __future__ import annotations

from datetime import date
from pathlib import Path

from flask import Blueprint, abort, redirect, request, url_for

from bot import content, sheet_import
from bot.admin.ui import actor, db, drop_upload, held_upload, render, say_not_done, t, upload_step
from bot.spreadsheets import READ_SUFFIXES, SheetError

SUFFIXES = READ_SUFFIXES


def add_import(bp: Blueprint, spec: sheet_import.RecordSheet, save, what: str) -> None:
    """Give the page `bp` the views .upload, .report and .confirm importing `spec`'s sheet;
    `what` names the records in the report (职位, 活动, 评奖项目)."""
    def upload():
        return upload_step("record_upload.html", SUFFIXES,
                           lambda name: content.text("sheet_import.sheet_format", file=name), what=what,
                           columns=form_fields(spec))

    def planned(token: str):
        """(plan, file name); a file that cannot be read as the sheet goes back to the upload page."""
        path, name = held_upload(token)
        try:
            return sheet_import.plan_import(db(), spec, path, None, name), name
        except SheetError as bad:
            drop_upload(token)
            say_not_done(content.text(f"sheet_import.sheet_{bad.reason}", **dict(bad.facts, file=name)))
            abort(redirect(url_for(".upload")))

    def page(plan, name: str, created: list | None, token: str | None):
        report = sheet_import.report(spec, plan, Path(name), created, False, what)
        return render("record_report.html", report=report, lines=sheet_import.report_lines(report), token=token)

    def report(token: str):
        plan, name = planned(token)
        return page(plan, name, None, token)

    def confirm(token: str):
        """Write every row, or with "skip bad rows" the good ones; planned again, as the records may have changed."""
        plan, name = planned(token)
        if plan.problems and request.form.get("skip_bad_rows") != "1":
            say_not_done(t("records.blocked", bad=len(plan.bad_rows), what=what))
            return redirect(url_for(".report", token=token))
        created = save(db(), plan, name, actor())
        drop_upload(token, done=True)
        return page(plan, name, created, None)

    bp.add_url_rule("/import", "upload", upload, methods=["GET", "POST"])
    bp.add_url_rule("/import/<token>", "report", report, methods=["GET"])
    bp.add_url_rule("/import/<token>", "confirm", confirm, methods=["POST"])


def add_one(spec: sheet_import.RecordSheet, section: str, save, filled: dict | None = None):
    """The whole add-one view: the form (`filled`: what it holds to begin with), or the posted one
    checked column by column; `save(fields)` stores a clean record and says so, then the list is shown again."""
    if request.method == "GET":
        return add_form(spec, section, filled)
    fields, errors, typed = cleaned_form(spec)
    if errors:
        return add_form(spec, section, typed, errors)
    save(fields)
    return redirect(url_for(".index"))


def form_fields(spec: sheet_import.RecordSheet) -> list[dict]:
    """A field per column of the sheet (not the record number, which is given on saving)."""
    return [{"name": key, "label": column["label"], "required": column.get("required", False)}
            for key, column in spec.columns().items() if key != spec.number]


def add_form(spec: sheet_import.RecordSheet, section: str, typed: dict | None = None, errors: dict | None = None):
    """The page adding one record, titled by [admin.<section>]."""
    return render("record_new.html", section=section, fields=form_fields(spec), typed=typed or {},
                  errors=errors or {})


def cleaned_form(spec: sheet_import.RecordSheet) -> tuple[dict, dict, dict]:
    """(fields as stored, the problem under each column's field, the values as typed) of the posted form."""
    typed = {key: request.form.get(key, "").strip() for key in spec.columns() if key != spec.number}
    fields, problems = sheet_import.clean_fields(spec, typed, date.today().year)
    errors = {key: sheet_import.problem_text(reason, **facts) for key, _, reason, facts in problems}
    closes = spec.closes and fields.get(spec.closes)
    if closes and closes < date.today().isoformat() and spec.closes not in errors:  # members would never see it
        errors[spec.closes] = sheet_import.problem_text("closed_already", day=closes)
    return fields, errors, typed
