"""What every console page uses: the stores, the signed-in user, texts, access marks, paging, files.

A page module imports from here and from nowhere else in bot/admin/ (except
accounts for role names), so a new page is a blueprint plus templates.
"""
from __future__ import annotations

import io
import json
import math
import re
import secrets
import tempfile
import time
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from flask import abort, current_app, flash, g, redirect, render_template, request, send_file, url_for
from werkzeug.exceptions import HTTPException

from bot import content
from bot.admin.accounts import ACTOR_PREFIX, OFFICE, STAFF, VIEWER, AccountError, actor_name
from handlers.members.membership import action_text as membership_action_text
from handlers.members.membership import changes_text, explain, field_text, label
from bot.spreadsheets import write_table
from bot.web import MAX_PAGE, arg, config, db, redis_client  # noqa: F401 (console pages import them from here)
from storage.members import Refused, list_units

PER_PAGE = 50
UPLOAD_KEEP = 24 * 3600  # seconds an unconfirmed upload is kept
UPLOAD_TOKEN = re.compile(r"[A-Za-z0-9_-]{32}")
MIMETYPES = {".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
             ".csv": "text/csv; charset=utf-8"}


# --- the process's stores -------------------------------------------------------------

def or_404(found):
    """A record the URL names, or Not Found when there is none."""
    if found is None:
        abort(404)
    return found


def now() -> datetime:
    return datetime.now(timezone.utc).astimezone()


# --- who is signed in ----------------------------------------------------------------

def user() -> dict | None:
    return g.get("admin_user")


def actor() -> str:
    """The signed-in user as history records them."""
    return actor_name(user()["username"])


def unit_scope() -> int | None:
    """A unit contact's unit: every member list and look-up is narrowed to it."""
    me = user()
    return me["unit_id"] if me and me["role"] == "unit" else None


def sees_mobiles() -> bool:
    """Whole mobile numbers are for the secretariat, who ring members; a unit contact and a read-only user
    (a president, an auditor) see 139****0012, on every page and in every export."""
    me = user()
    return me is not None and me["role"] in OFFICE


MORE_THAN_LAST_FOUR = re.compile(r"(?<![A-Za-z0-9])\d{5,}")  # digits of a mobile beyond the four a reader sees


def searched(text: str) -> str | None:
    """A console search's text as the signed-in user may look it up. A user who reads mobiles masked (a
    read-only user, a unit contact) asking by more of one than its last four digits (13903710002, 0371 0002,
    李娜13903710002) would learn what the pages hide: None, said on the page, and nothing is listed. Their
    digits alone find numbers, and mobiles by their ending (by_ending)."""
    text = text.strip()
    if sees_mobiles() or not MORE_THAN_LAST_FOUR.search(re.sub(r"(?<=\d)[\s\-]+(?=\d)", "", text)):
        return text
    say_not_done(t("common.whole_mobile_refused"))
    return None


def by_ending() -> bool:
    """Whether digits searched find mobiles by their ending only (the user reads them masked)."""
    return not sees_mobiles()


SECRET_FIELDS = ("invite_code",)  # a unit's code its people join under: the secretariat's to hand out, not a reader's


def allow(*roles):
    """Mark a view as open to these roles; an unmarked view is open to the secretariat (OFFICE)."""
    def mark(view):
        view.admin_roles = frozenset(roles)
        return view
    return mark


def public(view):
    """Mark a view as open without signing in (the log-in page)."""
    view.admin_public = True
    return view


def roles_of(view) -> frozenset:
    return getattr(view, "admin_roles", OFFICE)


def may(role: str, view, method: str = "GET") -> bool:
    """Whether a user of `role` may open `view` by `method`: a view marked for the role, or for a
    read-only user (VIEWER) one staff may open, only to look (GET)."""
    roles = roles_of(view)
    return role in roles or (role == VIEWER and STAFF in roles and method in ("GET", "HEAD"))


def may_send(url: str) -> bool:
    """Whether the signed-in user may send a form to `url`: a page shows a form, or a link to a form's page,
    only to those whose send it would not refuse (403), such as a read-only user's."""
    me = user()
    try:
        endpoint, _ = current_app.url_map.bind_to_environ(request.environ).match(
            url.split("?")[0].removeprefix(request.script_root), method="POST")
    except HTTPException:  # no form is sent there: nothing to hide
        return True
    return me is not None and may(me["role"], current_app.view_functions[endpoint], "POST")


# --- words and pages -------------------------------------------------------------------

def t(key: str, **fields) -> str:
    """A console text from content/replies/admin.toml (`t("nav.members")`)."""
    return content.text(f"admin.{key}", **fields)


def texts(key: str) -> dict:
    """A whole section of console texts, e.g. the labels of a select."""
    section = content.replies()["admin"]
    for part in key.split("."):
        section = section[part]
    return section


def word(kind: str, code) -> str:
    """A code's name: the console's own ([admin.labels.<kind>]) first, then the CLI's ([cli_labels])."""
    return texts("labels").get(kind, {}).get(str(code)) or label(kind, code)


def _value_text(key: str, value) -> str:
    if key == "role" and value:
        return t(f"roles.{value}")
    if key == "active" and value is not None:
        return label("words", "yes" if value else "no")
    return field_text(key, value, full=True)


def changes_line(detail: dict) -> str:
    """A history row's changes in words (masked already where the view masked them)."""
    return changes_text(detail, name=lambda key: word("fields", key), value=_value_text)


def action_text(code: str) -> str:
    """An action's name (the console's own first); never the code itself."""
    return texts("labels").get("actions", {}).get(code) or membership_action_text(code)


def actor_text(actor: str) -> str:
    """Who made a change, as the secretariat reads it: a console user, a member by chat, the program
    itself ([admin.labels.actors]), or a name given on the command line (`--by`, else the server's
    login name, such as root), said to be one."""
    if actor.startswith(ACTOR_PREFIX):
        return t("audit.console_actor", username=actor[len(ACTOR_PREFIX):])
    if actor.startswith("openid:"):
        return t("audit.member_actor")
    return texts("labels").get("actors", {}).get(actor) or t("audit.command_actor", name=actor)


def render(template: str, **context) -> str:
    return render_template(f"admin/{template}", **context)


def say_done(key: str, **fields) -> None:
    flash(t(key, **fields), "ok")


def say_not_done(message: str) -> None:
    flash(message, "error")


def attempt(change, done: str, **fields) -> bool:
    """Run `change()`; flash the text `done` (with `fields`), or why the store or accounts refused."""
    try:
        change()
    except Refused as refused:
        say_not_done(explain(refused))
        return False
    except AccountError as error:
        say_not_done(t(f"accounts.{error.reason}", **error.facts))
        return False
    say_done(done, **fields)
    return True


@dataclass
class Pager:
    """One page of a long list: which rows to fetch and the links to the others."""
    page: int
    total: int
    per_page: int = PER_PAGE

    @property
    def offset(self) -> int:
        return (self.page - 1) * self.per_page

    @property
    def pages(self) -> int:
        return max(1, math.ceil(self.total / self.per_page))

    def url(self, page: int) -> str:
        args = request.args.to_dict()
        args["page"] = page
        return url_for(request.endpoint, **(request.view_args or {}), **args)


def past_the_end(pager: Pager):
    """A page past the last one (an old link, a list that shrank since): the last page, saying so;
    None when the page is there."""
    if pager.total and pager.page > pager.pages:
        say_done("common.past_the_end", page=pager.page, pages=pager.pages)
        return redirect(pager.url(pager.pages))
    return None


def current_page() -> Pager:
    """The page asked for by ?page= (one that is no number, ?page=abc, is the first); the view fills in `total`
    when it has counted."""
    typed = request.args.get("page", "")
    return Pager(arg("page", high=MAX_PAGE, default=1) if typed.isascii() and typed.isdigit() else 1, 0)


def unit_options() -> list[tuple[str, str]]:
    """Unit members as (number, "number name") choices for a select."""
    return [(u["unit_no"], f"{u['unit_no']} {u['name']}") for u in list_units(db())]


# --- files ---------------------------------------------------------------------------------

def work_dir(name: str) -> Path:
    """A folder of the console's own under the data directory (uploads waiting for confirmation)."""
    path = config().data_dir / "admin" / name
    path.mkdir(parents=True, exist_ok=True)
    return path


def send_written(filename: str, write):
    """A download (.xlsx or .csv by the file name) of what `write(path)` writes, as the CLI's
    export functions write files; the file lives only in a temporary folder."""
    suffix = Path(filename).suffix.lower()
    with tempfile.TemporaryDirectory(dir=work_dir("tmp")) as folder:
        path = Path(folder) / f"export{suffix}"
        write(path)
        data = path.read_bytes()
    return send_file(io.BytesIO(data), mimetype=MIMETYPES[suffix], as_attachment=True,
                     download_name=filename)


def send_table(filename: str, headers: list[str], rows: list[list]):
    """A spreadsheet download written by bot.spreadsheets."""
    return send_written(filename, lambda path: write_table(path, headers, rows, title=Path(filename).stem))


# --- uploads waiting for confirmation (upload -> report -> confirm) -----------------------

def _uploads() -> Path:
    return work_dir("uploads")


def keep_upload(suffixes: tuple[str, ...], wrong_format) -> str | None:
    """Save the form's `file` under a random token, readable only by the user who sent it.

    None (and why, flashed) for no file or a name not ending in one of
    `suffixes` (`wrong_format(name)` says so). Uploads not confirmed within
    UPLOAD_KEEP are deleted at the next upload.
    """
    file = request.files.get("file")
    name = Path(file.filename or "").name if file else ""
    suffix = Path(name).suffix.lower()
    if not name:
        say_not_done(t("import.no_file"))
        return None
    if suffix not in suffixes:
        say_not_done(wrong_format(name))
        return None
    cutoff = time.time() - UPLOAD_KEEP
    for path in _uploads().iterdir():
        if path.stat().st_mtime < cutoff:
            path.unlink(missing_ok=True)
    token = secrets.token_urlsafe(24)
    file.save(_uploads() / f"{token}{suffix}")
    (_uploads() / f"{token}.json").write_text(json.dumps(
        {"name": name, "suffix": suffix, "user_id": user()["id"]}, ensure_ascii=False),
        encoding="utf-8")
    return token


def held_upload(token: str) -> tuple[Path, str]:
    """(the waiting file, its name as uploaded); 404 for another user's or an unknown token. A file
    already imported (the result page reloaded, or the report reached again by the back button) is not
    imported twice: the upload page says it is done."""
    meta_path = _uploads() / f"{token}.json"
    if not UPLOAD_TOKEN.fullmatch(token):
        abort(404)
    if not meta_path.exists():
        _already_imported(token)
        abort(404)
    meta = json.loads(meta_path.read_text(encoding="utf-8"))
    if meta["user_id"] != user()["id"]:
        abort(404)
    return _uploads() / f"{token}{meta['suffix']}", meta["name"]


def _already_imported(token: str) -> None:
    done_path = _uploads() / f"{token}.done"
    done = json.loads(done_path.read_text(encoding="utf-8")) if done_path.exists() else None
    if done and done["user_id"] == user()["id"]:
        say_done("import.already_done_partly" if done.get("left") else "import.already_done", name=done["name"],
                 left=done.get("left"))
        abort(redirect(url_for(".upload")))


def drop_upload(token: str, done: bool = False, left: int = 0) -> None:
    """Delete the waiting file; `done`: it was imported (but for `left` rows with problems, set aside), and its
    token says so for a day (UPLOAD_KEEP)."""
    meta_path = _uploads() / f"{token}.json"
    if done and meta_path.exists():
        meta = json.loads(meta_path.read_text(encoding="utf-8"))
        (_uploads() / f"{token}.done").write_text(json.dumps({"user_id": meta["user_id"], "name": meta["name"],
                                                              "left": left}, ensure_ascii=False), encoding="utf-8")
    for path in _uploads().glob(f"{token}.*"):
        if path.suffix != ".done":
            path.unlink(missing_ok=True)


def upload_step(template: str, suffixes: tuple[str, ...], wrong_format, **context):
    """The first step of an import: the upload form (GET, `context` for its template), or keep the
    file and go to its report (the blueprint's `.report` view) or back to the form with why (POST)."""
    if request.method == "GET":
        return render(template, **context)
    token = keep_upload(suffixes, wrong_format)
    return redirect(url_for(".report", token=token) if token else url_for(".upload"))
