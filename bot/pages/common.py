"""What every member page uses: the process's stores, texts from content/, rendering."""
from __future__ import annotations

from datetime import date, datetime

from flask import current_app, g, render_template

from bot import clock, content
from bot.web import config, db, redis_client  # noqa: F401 (member pages import them from here)

def today() -> date:
    """The society's calendar day (membership years and dues go by its zone, bot.clock)."""
    return datetime.now(clock.zone()).date()


def t(key: str, **fields) -> str:
    """A page text from content/replies/centre.toml (`t("centre.title")`)."""
    return content.text(f"pages.{key}", **fields)


def openid() -> str | None:
    """The member this request is for, as WeChat's authorisation said (None on public pages)."""
    return g.get("member_openid")


def render(template: str, status: int = 200, **context):
    society = content.society()
    return render_template(f"pages/{template}", t=t, society=society, **context), status


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
