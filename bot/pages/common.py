"""What every member page uses: the process's stores, texts from content/, rendering."""
from __future__ import annotations

from contextlib import ExitStack
from datetime import date, datetime

from flask import current_app, g, render_template

from bot import clock, content
from bot.web import config, db, redis_client  # noqa: F401 (member pages import them from here)
from storage import state

def today() -> date:
    """The society's calendar day (membership years and dues go by its zone, bot.clock)."""
    return datetime.now(clock.zone()).date()


def t(key: str, **fields) -> str:
    """A page text from content/replies/centre.toml (`t("centre.title")`)."""
    return content.text(f"pages.{key}", **fields)


def openid() -> str | None:
    """The member this request is for, as WeChat's authorisation said (None on public pages)."""
    return g.get("member_openid")


def in_members_language(member: str) -> None:
    """The rest of the request's texts in the language the member writes in the chat (bot/language.py): a member
    writing English reads the pages in English where content/replies_en/centre.toml has the text."""
    language = state.member_language(redis_client(), member)
    if language and language != content.DEFAULT_LANGUAGE:
        g.page_language = ExitStack()
        g.page_language.enter_context(content.replying_in(language))


def leave_members_language(_error=None) -> None:
    """At the request's teardown: the default language again for whatever the thread serves next."""
    scope = g.pop("page_language", None)
    if scope is not None:
        scope.close()


def render(template: str, status: int = 200, **context):
    society = content.society()
    return render_template(f"pages/{template}", t=t, in_words=content.in_words, society=society, **context), status


# A refusal's status -> its sentence under [pages.errors]; anything else of ours is "failed".
ERROR_KEYS = {400: "stale_form", 403: "forbidden", 404: "missing", 405: "not_an_address", 413: "too_large"}


def error_page(error):
    """A page a member cannot have (a removed event, someone else's ticket, a mistyped or outdated
    link) or a failure of ours, as a page in the members' frame that says what to do."""
    code = getattr(error, "code", None) or 500
    key = ERROR_KEYS.get(code, "failed" if code >= 500 else "stale_form")
    try:
        return render("error.html", code, message_key=f"errors.{key}")
    except Exception:  # the page itself cannot be drawn: the sentence alone
        current_app.logger.exception("member error page failed")
        return t(f"errors.{key}"), code, {"Content-Type": "text/plain; charset=utf-8"}
