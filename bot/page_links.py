"""Links in chat replies to the member pages (bot/pages/), where a page is the better tool.

A link is the page's own address on PUBLIC_BASE_URL. Opened in WeChat without a page
session, the page sends the member through WeChat's silent web authorisation
(snsapi_base, bot/pages/auth.py) and back to it, so the link needs no token of its
own and is safe to forward: whoever opens it sees their own record. Without
PUBLIC_BASE_URL (development) the link is the path, which the simulator opens as its
current member through the stand-in authorisation; in production without it no link is
added (a path alone opens nothing in WeChat). WeChat shows `<a href>` in a text message as
a link; the words around it are in content/replies/centre.toml [pages.links].
"""
from __future__ import annotations

from urllib.parse import urlencode

from bot import content
from bot.config import Config
from bot.messages import Reply
from bot.platform.pages import society_page_path


def page_path(config: Config, path: str) -> str:
    """/m/... as this society's pages are addressed: its own /m/<appid>/... on the platform."""
    return society_page_path(config.account, path) if config.account else path


def news_picture_path(name: str) -> str:
    """The member pages' address of a newsletter's picture (bot/pages/news.py serves it, to anyone: WeChat
    fetches a news card's picture without signing in)."""
    return f"/m/news/picture/{name}"


def news_picture_url(config: Config, name: str | None) -> str:
    """A newsletter's picture on the public address, which WeChat fetches for a news card's picture; none
    without a picture or a public address (a path alone shows nothing in WeChat)."""
    return page_url(config, news_picture_path(name)) if name and config.public_base_url else ""


def page_url(config: Config, path: str, **query) -> str:
    """/m/... on the public address (a society's own /m/<appid>/... on the platform); query values
    left empty are left out."""
    given = {name: value for name, value in query.items() if value}
    return (config.public_base_url or "") + page_path(config, path) + (f"?{urlencode(given)}" if given else "")


def page_link(config: Config, key: str, path: str, **query) -> str | None:
    """The line linking a page (the text of pages.links.<key>, {url} filled in); None where no page address can
    be given."""
    if not config.public_base_url and not config.dev_mode:
        return None
    return content.text(f"pages.links.{key}", url=page_url(config, path, **query))


def with_page_link(reply: Reply, config: Config, key: str, path: str, **query) -> Reply:
    """The reply with a last line linking a page; the reply as it is where no page address can be given."""
    link = page_link(config, key, path, **query)
    return reply.with_note(link) if link else reply
