"""What every member page uses: the process's stores, texts from content/, rendering."""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

from flask import g, render_template

from bot import content
from bot.web import config, db, redis_client  # noqa: F401 (member pages import them from here)

BEIJING = timezone(timedelta(hours=8))


def today() -> date:
    """The society's calendar day (membership years and dues go by Beijing time)."""
    return datetime.now(BEIJING).date()


def t(key: str, **fields) -> str:
    """A page text from content/replies/centre.toml (`t("centre.title")`)."""
    return content.text(f"pages.{key}", **fields)


def openid() -> str | None:
    """The member this request is for, as WeChat's authorisation said (None on public pages)."""
    return g.get("member_openid")


def render(template: str, status: int = 200, **context):
    society = content.society()
    return render_template(f"pages/{template}", t=t, society=society, **context), status
