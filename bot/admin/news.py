"""Newsletter: write an item, preview it on a phone, see who it reaches, send it and watch it arrive.

The form becomes the same Markdown-with-front-matter text a file under
content/newsletters/ holds and is checked by handlers.news.items.parse_item, so
the console accepts exactly what `news publish` does; it is stored with
storage.news.save_item. The preview is what a member's chat shows
(item_line and detail, rendered here), the count is
storage.news.recipients, sending is delivery.enqueue_broadcast, and
the progress is delivery.delivery_counts (polled as JSON by admin.js).
"""
from __future__ import annotations

import hashlib
import json
import re
from datetime import date

from flask import Blueprint, jsonify, redirect, request, url_for
from werkzeug.datastructures import MultiDict

from bot import clock, content, delivery
from handlers.news import items as newsletters
from handlers.members.membership import category_name
from bot.admin.ui import config, db, or_404, redis_client, render, say_done, say_not_done, t
from bot.page_links import news_picture_path, page_path
from storage.deliveries import FAILED, OPEN, QUEUED, SENT, UNCERTAIN
from storage.members import INDIVIDUAL_CATEGORIES
from storage.news import (DRAFT, WITHDRAWN, find_item, find_picture, keep_picture, latest_items, missing_units, reach,
                          recipients, same_title_since, save_item, set_withdraws, withdraw_item)

bp = Blueprint("news", __name__, url_prefix="/news")

TEXT_FIELDS = ("title", "summary", "link")
LIST_FIELDS = ("discipline", "unit")  # audience words typed in, separated by spaces or commas
IN_FLIGHT = (QUEUED, *OPEN)
FORM_WORDING = "admin.news.form_problems"  # an item's problems named by the form's fields, not a file's
ITEM_NO_TITLE = 20  # characters of the title in a written item's number (its address)


def _words(value: str) -> list[str]:
    return [w for w in value.replace("，", ",").replace(",", " ").split() if w]


def _audience(form) -> dict:
    audience = {"category": form.getlist("category")} if form.getlist("category") else {}
    audience.update({key: _words(form.get(key, "")) for key in LIST_FIELDS if _words(form.get(key, ""))})
    return audience


def typed_link(text: str) -> str:
    """A link as a secretary copies it from the address bar or a printed page (www.hnast.org.cn/2027,
    hnast.org.cn/…) with the https:// it needs; anything else is left for the check to refuse."""
    text = text.strip()
    if text and not _SCHEME.match(text) and _HOST.match(text):
        return f"https://{text}"
    return text


_SCHEME = re.compile(r"[a-z][a-z0-9+.-]*:", re.IGNORECASE)
_HOST = re.compile(r"([a-z0-9-]+\.)+[a-z]{2,}(/|$)", re.IGNORECASE)


def _markdown(form) -> str:
    """The form as a newsletter file: TOML front matter between +++ lines, then the body."""
    meta = {key: form.get(key, "").strip() for key in TEXT_FIELDS if form.get(key, "").strip()}
    if "link" in meta:
        meta["link"] = typed_link(meta["link"])
    if form.get("picture"):
        meta["picture"] = form["picture"]
    meta["kind"] = form.get("kind") if form.get("kind") in newsletters.KINDS else "newsletter"
    if form.getlist("topics") or meta["kind"] == "newsletter":  # a resolution goes to everyone
        meta["topics"] = form.getlist("topics")
    lines = [f"{key} = {json.dumps(value, ensure_ascii=False)}" for key, value in meta.items()]
    audience = _audience(form)
    if audience:
        lines.append("[audience]")
        lines += [f"{key} = {json.dumps(values, ensure_ascii=False)}" for key, values in audience.items()]
    return "\n".join([newsletters.DELIMITER, *lines, newsletters.DELIMITER, form.get("body", "")])


def _choices() -> dict:
    names = newsletters.topic_names()
    return {"kind": [(kind, t(f"news.kind_choices.{kind}")) for kind in newsletters.KINDS],
            "topics": [(code, names[code]) for code in newsletters.ITEM_TOPICS],
            "category": [(code, category_name(code)) for code in INDIVIDUAL_CATEGORIES]}


@bp.get("/")
def index():
    items = latest_items(db(), limit=50, all_items=True)
    return render("news.html", items=items, progress=delivery.progress_words(db(), [item["id"] for item in items]))


@bp.route("/new", methods=["GET", "POST"])
def write():
    """A new item is saved as a draft: members see it once it is sent. A refused item comes back with
    every problem listed and everything typed kept; one of a title already saved today (the browser's
    Back and the button again) is not saved twice unless the secretary says it is another."""
    form = request.form if request.method == "POST" else _correcting(request.args)
    original = _corrected(form)
    problems, same = [], []
    if request.method == "POST":
        form, problems = _with_picture(form)
        try:
            if problems:
                raise newsletters.ItemError(t("news.source"), problems)
            item = _parsed(form, _item_no(form.get("title", "")))
        except newsletters.ItemError as error:
            problems = error.problems
        else:
            same = [] if form.get("another") else same_title_since(db(), item["title"], date.today().isoformat())
            again = next((earlier for earlier in same if _same_text(earlier, item)), None)
            if again is not None:
                say_done("news.saved_already", title=again["title"])
                return redirect(url_for(".show", item_no=again["item_no"]))
            if not same:
                saved, _ = save_item(db(), item, DRAFT)
                say_done("news.saved", title=saved["title"])
                if original:  # withdrawn when the correction is sent (send): a draft is no correction yet
                    set_withdraws(db(), saved["id"], original["item_no"] if form.get("withdraw_original") else None)
                return redirect(url_for(".show", item_no=saved["item_no"]))
            problems = [t("news.same_title_today", title=item["title"])]
    return render("news_write.html", form=form, problems=problems, choices=_choices(), same=same, **_picture_help(),
                  original=original), 400 if problems else 200


def _corrected(form) -> dict | None:
    """The item a correction corrects, while members can still see it: sending the correction withdraws it
    when 撤回原稿 was ticked (kept on the draft as `withdraws`), so members do not read both."""
    original = form.get("corrects") and find_item(db(), form["corrects"])
    return original if original and original["status"] != WITHDRAWN else None


def _correcting(args) -> MultiDict:
    """The form to open: a correction of a sent item (?correct=its number) is that item's text under a title
    saying so, to be put right and sent as a new item; else what the address gives."""
    wrong = args.get("correct") and find_item(db(), args["correct"])
    if not wrong:
        return args
    form = _as_form(wrong)
    form["title"] = t("news.correction_title", title=wrong["title"])
    form.update({"corrects": wrong["item_no"], "withdraw_original": "1"})
    return form


@bp.route("/<item_no>/edit", methods=["GET", "POST"])
def edit(item_no: str):
    """Change an item nobody has been sent yet (a typo seen in the preview); it keeps its number."""
    item = _item_or_404(item_no)
    if not _changeable(item):
        say_not_done(t("news.not_changeable", title=item["title"]))
        return redirect(url_for(".show", item_no=item_no))
    form = request.form if request.method == "POST" else _as_form(item)
    problems, status = [], 200
    if request.method == "POST" and form.get("version", _version(item)) != _version(item):
        problems, status = [t("news.changed_meanwhile", title=item["title"])], 409  # another tab saved it since
    elif request.method == "POST":
        form, problems = _with_picture(form)
        try:
            if problems:
                raise newsletters.ItemError(t("news.source"), problems)
            save_item(db(), _parsed(form, item_no))
        except newsletters.ItemError as error:
            problems, status = error.problems, 400
        else:
            say_done("news.changed", title=form.get("title", "").strip())
            return redirect(url_for(".show", item_no=item_no))
    return render("news_write.html", form=form, problems=problems, choices=_choices(), same=[], item=item,
                  **_picture_help(),
                  version=form.get("version") or _version(item)), status


def _with_picture(form) -> tuple[MultiDict, list[str]]:
    """The form with the picture it uploads kept (its name in `picture`, the form's hidden field, so a form sent
    back for another problem keeps it), or taken off when 去掉配图 is ticked; and the upload's problem, if
    any: not a JPEG or PNG, or over the size limit, in the editor's words."""
    form = MultiDict(form)
    if form.pop("remove_picture", None):
        form.pop("picture", None)
    upload = request.files.get("picture_file")
    if upload is None or not upload.filename:
        if form.get("picture") and find_picture(db(), form["picture"]) is None:  # a form left open past keep_days
            form.pop("picture")
            return form, [t("news.picture_gone", days=newsletters.picture_keep_days())]
        return form, []
    data = upload.read()  # the whole file (the console takes no upload over its request limit): its size said
    try:
        name, mimetype = newsletters.checked_picture(data)
    except newsletters.PictureRefused as refused:
        return form, [t(f"news.picture_{refused.reason}", file=upload.filename, **refused.facts)]
    keep_picture(db(), name, mimetype, data)
    form["picture"] = name
    return form, []


def _version(item: dict) -> str:
    """What the item says now, in short: the edit form carries the version it opened, and a save from a form
    opened before another save (a second tab, a colleague) is refused instead of undoing that save."""
    return hashlib.sha256(_markdown(_as_form(item)).encode()).hexdigest()[:16]


@bp.post("/<item_no>/withdraw")
def withdraw(item_no: str):
    """Take an item out of members' 会讯 list (a sent one with a wrong figure too: the pushes it made cannot
    be recalled, a correction is a new item, write?correct=); the console keeps it, marked. Not while its
    pushes are still queued: they would go on arriving."""
    _withdraw(_item_or_404(item_no))
    return redirect(url_for(".show", item_no=item_no))


def _withdraw(item: dict) -> None:
    """Withdraw the item, or say why not (withdrawn already, pushes still queued)."""
    counts = delivery.delivery_counts(db(), item["id"])
    if item["status"] == WITHDRAWN:
        say_not_done(t("news.is_withdrawn", title=item["title"]))
    elif sum(counts["status"].get(status, 0) for status in IN_FLIGHT):
        say_not_done(t("news.still_sending", title=item["title"]))
    else:
        withdraw_item(db(), item["id"])
        say_done("news.withdrawn_sent" if counts["total"] else "news.withdrawn", title=item["title"])


def _changeable(item: dict) -> bool:
    """Not withdrawn, and not sent to anyone yet (nor queued)."""
    return item["status"] != WITHDRAWN and not delivery.delivery_counts(db(), item["id"])["total"]


def _parsed(form, item_no: str) -> dict:
    """The form as a stored item, checked as `news publish` checks a file (ItemError: the problems)."""
    item = newsletters.parse_item(_markdown(form), item_no, t("news.source"), FORM_WORDING)
    unknown = missing_units(db(), (item["audience"] or {}).get("unit", []))
    if unknown:
        raise newsletters.ItemError(t("news.source"), [
            content.text(f"{FORM_WORDING}.audience_unit", units=newsletters.joined(unknown))])
    return item


def _same_text(stored: dict, item: dict) -> bool:
    return all(stored[key] == item[key] for key in ("kind", "title", "topics", "audience", "summary", "link", "body"))


def _as_form(item: dict) -> MultiDict:
    """A stored item as the form that writes it."""
    audience = item["audience"] or {}
    fields = [(key, item[key] or "") for key in (*TEXT_FIELDS, "kind", "body", "picture")]
    fields += [("topics", code) for code in item["topics"]] + [("category", code) for code in audience.get("category", [])]
    fields += [(key, " ".join(audience.get(key, []))) for key in LIST_FIELDS]
    return MultiDict(fields)


def _item_no(title: str) -> str:
    """A written item's number, seen in the page's address: the day and its title (2026-12-06-年会通知),
    as the content files' items are named, not a clock reading; -2, -3 ... for a second of that title."""
    words = re.sub(r"[^\w\u4e00-\u9fff]+", "-", title).strip("-_")[:ITEM_NO_TITLE] or t("news.untitled")
    base = f"{date.today().isoformat()}-{words}"
    item_no, again = base, 1
    while find_item(db(), item_no):
        again += 1
        item_no = f"{base}-{again}"
    return item_no


@bp.get("/count")
def count():
    """How many members an audience reaches now, as the saved item's page counts them: the form calls it on
    every change. A resolution goes to every member the audience names, whatever they subscribe to."""
    kind = request.args.get("kind") if request.args.get("kind") in newsletters.KINDS else "newsletter"
    item = {"kind": kind, "topics": [c for c in request.args.getlist("topics") if c in newsletters.ITEM_TOPICS],
            "audience": _audience(request.args)}
    if kind != "resolution" and not item["topics"]:
        return jsonify(count=0)
    return jsonify(count=len(recipients(db(), item)))


def _item_or_404(item_no: str) -> dict:
    return or_404(find_item(db(), item_no))


@bp.get("/<item_no>")
def show(item_no: str):
    item = _item_or_404(item_no)
    reply = newsletters.detail(item)
    counts = reach(db(), item)
    return render("news_item.html", item=item, line=newsletters.item_line(1, item), reply=reply,
                  paragraphs=newsletters.paragraphs(item["body"]), body_pictures=newsletters.pictures_in_body(item["body"]),
                  picture=_picture_path(item["picture"]),
                  recipients=len(recipients(db(), item)), reach=_reach_text(item, counts), progress=_progress(item),
                  unbound_url=counts["not_bound"] and _unbound_url(item),
                  uncertain=delivery.recipients_in(db(), item["id"], UNCERTAIN),
                  failed=delivery.recipients_in(db(), item["id"], FAILED), due=clock.has_come(item["publish_at"]),
                  changeable=_changeable(item), earlier=delivery.earlier_wording(db(), item["id"]),
                  withdraws=_corrected({"corrects": item["withdraws"]}))


def _picture_help() -> dict:
    """What the form says of the picture: its size limit, and where a picture kept is shown from."""
    return {"picture_mb": newsletters.settings()["limits"]["picture_mb"], "picture_path": _picture_path}


def _picture_path(name: str | None) -> str | None:
    """Where the item's picture is served (the member pages' own address of it), for the preview."""
    return name and page_path(config(), news_picture_path(name))


HELD_NAMES = 10  # members named, each with why, in a reason's sentence; more are counted


def _held_text(held: dict) -> str:
    """Why some recipients still wait, and what the secretary can do about it (delivery.held_back)."""
    members = held.get("members", [])
    who = [t("news.held_busy_who", name=row["name"] or "—", member_no=row["member_no"] or "—", why=row["why"])
           for row in members[:HELD_NAMES]]
    who += [t("news.held_busy_more", count=len(members) - HELD_NAMES)] if len(members) > HELD_NAMES else []
    # A time already past is no plan: RQ's scheduler has not taken the job yet (a restart, say).
    late = "_late" if held.get("at") and clock.has_come(held["at"]) else ""
    at = clock.shown(held.get("at"))
    reason = f"news.held_{held['reason']}{late if held['reason'] == 'unconfirmed' else ''}"
    return t(reason, count=held["count"], workers=held.get("workers", 0), who=t("news.reach_joiner").join(who),
             at=at, when=t(f"news.held_busy_when{late}", at=at) if at else "")


def _reach_text(item: dict, counts: dict) -> str:
    """Who can receive the item and, of the members it is meant for, who cannot and why (counts: reach)."""
    who = t("news.reach_who_resolution" if item["kind"] == "resolution" else "news.reach_who")
    reasons = [t(f"news.reach_{why}", count=counts[why])
               for why in ("not_bound", "unfollowed", "not_subscribed") if counts[why]]
    left = counts["members"] - counts["reachable"]
    text = t("news.reach", count=counts["reachable"], who=who, members=counts["members"])
    return text + (t("news.reach_left", left=left, reasons=t("news.reach_joiner").join(reasons)) if left else "")


def _unbound_url(item: dict) -> str:
    """The member list of those on the roll with no WeChat bound, to ring or post to: of the item's category
    when it names one (its other filters, a discipline or a unit, the list does not narrow)."""
    categories = (item["audience"] or {}).get("category", [])
    return url_for("admin.members.index", status="active", wechat="unbound",
                   **({"category": categories[0]} if len(categories) == 1 else {}))


@bp.post("/<item_no>/resend-uncertain")
def resend_uncertain(item_no: str):
    """Push the item again to those whose delivery is uncertain (the secretary accepts doubles)."""
    return _resend(item_no, UNCERTAIN, "news.resent_uncertain")


@bp.post("/<item_no>/resend-changed")
def resend_changed(item_no: str):
    """Push the item as it reads now to those who got it as it read before (changed while sent)."""
    item = _item_or_404(item_no)
    if item["status"] == WITHDRAWN:
        say_not_done(t("news.is_withdrawn", title=item["title"]))
    else:
        say_done("news.resent_changed", count=delivery.resend_changed(db(), redis_client(), item["id"]))
    return redirect(url_for(".show", item_no=item["item_no"]))


@bp.post("/<item_no>/retry-failed")
def retry_failed(item_no: str):
    """Try the item again for those it failed to reach (WeChat out of reach, a refusal since mended)."""
    return _resend(item_no, FAILED, "news.retried_failed")


def _resend(item_no: str, status: str, said: str):
    """Push the item again to its recipients in `status`; not a withdrawn one, as it is not sent."""
    item = _item_or_404(item_no)
    if item["status"] == WITHDRAWN:
        say_not_done(t("news.is_withdrawn", title=item["title"]))
    else:
        say_done(said, count=delivery.resend(db(), redis_client(), item["id"], status))
    return redirect(url_for(".show", item_no=item["item_no"]))


@bp.post("/<item_no>/stop")
def stop(item_no: str):
    """Stop the item's send: those not sent it yet never are; say how many were, and how many not."""
    item = _item_or_404(item_no)
    done = delivery.stop(db(), item["id"])
    note = t("news.stopped_sending", count=done["sending"]) if done["sending"] else ""
    say_done("news.stopped", title=item["title"], sending_note=note, **done)
    return redirect(url_for(".show", item_no=item["item_no"]))


@bp.post("/<item_no>/resume")
def resume(item_no: str):
    """Queue again what of the item still waits after its sending broke off (delivery.resume_broadcast)."""
    item = _item_or_404(item_no)
    say_done("news.resumed", count=delivery.resume_broadcast(db(), redis_client(), item["id"]))
    return redirect(url_for(".show", item_no=item["item_no"]))


@bp.post("/<item_no>/send")
def send(item_no: str):
    """Publish the item and queue it for everyone it reaches; whoever is already queued or sent is not
    queued again."""
    item = _item_or_404(item_no)
    if item["status"] == WITHDRAWN:
        say_not_done(t("news.is_withdrawn", title=item["title"]))
    elif not clock.has_come(item["publish_at"]):
        say_not_done(t("news.not_yet_titled", title=item["title"], date=clock.shown(item["publish_at"])))
    else:
        people = recipients(db(), item)
        if not people:
            say_not_done(t("news.nobody"))
            return redirect(url_for(".show", item_no=item["item_no"]))
        queued = delivery.enqueue_broadcast(db(), redis_client(), item["id"], people)
        say_done("news.queued", recipients=len(people), queued=queued)
        if original := _corrected({"corrects": item["withdraws"]}):  # a correction sent: members see it alone
            _withdraw(original)
    return redirect(url_for(".show", item_no=item["item_no"]))


def _progress(item: dict) -> dict:
    """Outcomes so far, and why those still queued wait (`held`: sentences; `stalled`: 继续发送 helps)."""
    counts = delivery.delivery_counts(db(), item["id"])
    waiting = sum(counts["status"].get(status, 0) for status in IN_FLIGHT)
    held = delivery.held_back(db(), redis_client(), item["id"]) if waiting else []
    spent = delivery.customer_service_spent_until(redis_client()) if counts["total"] else None
    return {"total": counts["total"], "done": counts["total"] - waiting,
            "cs_quota": t("news.cs_quota", at=clock.shown(spent)) if spent else "",
            "sent": counts["status"].get(SENT, 0),
            "status": _named("status", delivery.outcomes(counts)), "channel": _named("channel", counts["channel"]),
            "held": [_held_text(reason) for reason in held],
            "stalled": any(reason["reason"] == "stalled" for reason in held)}


def _named(section: str, counts: dict) -> list[dict]:
    """Counts by code as (name, count) rows, the biggest first, in the words of `news status`."""
    names = content.replies()["news_cli"][section]
    return [{"name": names.get(code, code), "count": n} for code, n in sorted(counts.items(), key=lambda p: -p[1])]


@bp.get("/<item_no>/progress")
def progress(item_no: str):
    return jsonify(_progress(_item_or_404(item_no)))
