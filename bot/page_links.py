"""Links in chat replies to the member pages (bot/pages/), where a page is the better tool.

A link is the page's own address on PUBLIC_BASE_URL. Opened in WeChat without a page
session, the page sends the member through WeChat's silent web authorisation
(snsapi_base, bot/pages/auth.py) and back to it, so the link needs no token of its
own and is safe to forward: whoever opens it sees their own record. Without
PUBLIC_BASE_URL (development) the link is the path, which the simulator opens as its
current member through the stand-in authorisation. WeChat shows `<a href>` in a text
message as a link; the words around it are in content/replies/centre.toml [pages.links].
"""
from __future__ import annotations

from urllib.parse import urlencode

from bot import content
from bot.config import Config


def page_url(config: Config, path: str, **query) -> str:
    """/m/... on the public address; query values left empty are left out."""
    given = {name: value for name, value in query.items() if value}
    return (config.public_base_url or "") + path + (f"?{urlencode(given)}" if given else "")


def link_line(config: Config, key: str, path: str, **query) -> str:
    """A reply's line with a link to a page: the text of pages.links.<key>, {url} filled in."""
    return content.text(f"pages.links.{key}", url=page_url(config, path, **query))
