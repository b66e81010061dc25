"""入会申请: one page for individuals and units, the chat form's questions on one screen.

The fields, their checks and the application they make are the chat's
(handlers.members.signup.FORMS: each Field's `clean`, `applies`, `options`; an invite
code links the unit as in chat; storage.members.create_application numbers
it), so an application from the page is the same row, number and approval path
as one typed in chat. What the member has typed is kept as a draft (Redis, 30
days) when they save, when the form comes back with a problem, or as they type
(pages.js), and filled in again when they return.
"""
from __future__ import annotations

from flask import jsonify, redirect, request, url_for

from bot import content
from bot.pages import pages
from bot.pages.auth import csrf_token
from bot.pages.common import db, openid, redis_client, render, t
from bot.validation import Invalid, normalise
from handlers.members.signup import FLOW as SIGNUP, FORMS, KINDS, problem_text
from storage.members import (create_application, find_member_by_openid, find_open_application,
                             find_unit_by_invite_code)
from storage.state import chat_flow, drop_application_draft, load_application_draft, save_application_draft

DRAFT_SECONDS = 30 * 86400
OPTIONAL = {"email", "gender", "title"}  # may be left empty (chat: "跳过")
MAX_FIELD_CHARS = 200


def _signup_texts() -> dict:
    return content.replies()["signup"]


def _label(step: str) -> str:
    return _signup_texts()["fields"][step][0]


def _form_view(kind: str, values: dict, problems: dict) -> list[dict]:
    """Each field of the kind's form as the page shows it: label, options, what was typed, what is wrong."""
    return [{"step": f.step, "label": _label(f.step), "options": f.options() if f.options else None,
             "value": values.get(f.step, ""), "problem": problems.get(f.step), "optional": f.step in OPTIONAL,
             "students_only": f.students_only, "not_for_students": f.not_for_students} for f in FORMS[kind]]


def _typed() -> dict:
    """The form's fields as typed (kind, invite code and every field of both forms), bounded."""
    steps = {f.step for form in FORMS.values() for f in form} | {"invite_code"}
    return {step: request.form.get(step, "")[:MAX_FIELD_CHARS] for step in steps if step in request.form}


def _check(kind: str, typed: dict) -> tuple[dict, dict]:
    """(answers for create_application, problems by field) by the chat form's own checks."""
    answers, problems = {}, {}
    code = normalise(typed.get("invite_code", "")).upper()
    if kind == "individual" and code:
        unit = find_unit_by_invite_code(db(), code)
        if unit is None:
            problems["invite_code"] = content.text("signup.bad_invite_code", code=code).split("\n")[0]
        else:
            answers.update(unit_id=unit["id"], work_unit=unit["name"])
            if unit["institution_type"]:
                answers["institution_type"] = unit["institution_type"]
    student = kind == "individual" and _is_student(typed.get("category", ""))
    for field in FORMS[kind]:
        text = typed.get(field.step, "").strip()
        if (field.students_only and not student) or (field.not_for_students and student):
            continue
        if (field.column in answers or (field.student_asks and student)) and not text:
            continue  # filled in by the invite code; a student's unit is the school
        if not text:
            if field.step in OPTIONAL:
                if field.asked:  # 性别, 职称 left blank: not given, as in chat
                    answers[field.column] = None
            else:
                problems[field.step] = t("apply.required", field=_label(field.step))
            continue
        try:
            answers[field.column] = field.clean(text, db())
        except Invalid as refused:
            problems[field.step] = problem_text(refused.reason)
    if student and answers.get("school"):
        answers.setdefault("work_unit", answers["school"])
    if answers.get("unit_id") and "invite_code" not in problems:
        unit = find_unit_by_invite_code(db(), code)
        if unit["name"] not in (answers.get("work_unit") or unit["name"]):
            del answers["unit_id"]  # another unit was typed in: not linked, as in chat
    return answers, problems


def _is_student(category_text: str) -> bool:
    category = next(f for f in FORMS["individual"] if f.column == "category")
    try:
        return category.clean(category_text, db()) == "student"
    except Invalid:
        return False


def _page(kind: str | None, values: dict, problems: dict, status: int = 200, saved: bool = False):
    return render("apply.html", status, kind=kind, kinds=[(k, _signup_texts()["kind_names"][k]) for k in KINDS],
                  fields=_form_view(kind, values, problems) if kind else [], values=values,
                  invite_problem=problems.get("invite_code"), saved=saved, csrf=csrf_token())


@pages.get("/apply")
def apply():
    me = openid()
    if find_open_application(db(), me):
        return redirect(url_for("pages.centre"))
    draft = load_application_draft(redis_client(), me) or _typed_in_chat(me)
    kind = request.args.get("kind") or draft.get("kind")
    if find_member_by_openid(db(), me) and kind != "unit":  # a member may apply for his unit only
        return redirect(url_for("pages.centre"))
    return _page(kind if kind in KINDS else None, draft, {})


def _typed_in_chat(me: str) -> dict:
    """What the chat's application form holds so far, as the page's fields ({} without one): the page goes on
    from there."""
    flow = chat_flow(redis_client(), me)
    if not flow or flow["name"] != SIGNUP or flow["data"].get("kind") not in KINDS:
        return {}
    kind, answers = flow["data"]["kind"], flow["data"].get("answers") or {}
    categories = content.load_toml("membership.toml")["categories"]
    shown = {f.step: categories.get(answers[f.column], answers[f.column]) if f.column == "category" else answers[f.column]
             for f in FORMS[kind] if answers.get(f.column) is not None}
    return {"kind": kind, **{step: str(value) for step, value in shown.items()}}


@pages.post("/apply")
def apply_submit():
    me = openid()
    kind = request.form.get("kind")
    if kind not in KINDS or (kind != "unit" and find_member_by_openid(db(), me)) or find_open_application(db(), me):
        return redirect(url_for("pages.apply"))
    typed = dict(_typed(), kind=kind)
    save_application_draft(redis_client(), me, typed, DRAFT_SECONDS)
    if request.form.get("action") == "save":
        return _page(kind, typed, {}, saved=True)
    answers, problems = _check(kind, typed)
    if problems:
        return _page(kind, typed, problems, status=400)
    application = create_application(db(), me, kind, answers)
    drop_application_draft(redis_client(), me)
    return redirect(url_for("pages.centre", applied=application["app_no"]))


@pages.post("/apply/draft")
def apply_draft():
    """Keep what has been typed so far (pages.js, as the member types)."""
    kind = request.form.get("kind")
    if kind in KINDS:
        save_application_draft(redis_client(), openid(), dict(_typed(), kind=kind), DRAFT_SECONDS)
    return jsonify(saved=kind in KINDS)
