"""电子会讯: the archive of newsletter items and resolutions, by topic, as the chat lists them.

The list is the chat's own query (storage.news.latest_items, as handlers/news/chat.py
calls it) with the member as reader: only items whose publish time has come and that
are meant for everyone or whose audience names the member. Items the delivery could not
push come first and are marked read once listed, as the chat does.
"""
from __future__ import annotations

from flask import Response, abort, request

from bot import clock, delivery
from bot.pages import pages
from bot.pages.auth import public
from bot.pages.common import db, openid, render, t
from handlers.news.items import ITEM_TOPICS, PICTURE_NAME, paragraphs, topic_names
from storage.news import find_item, find_picture, is_for_reader, items_by_id, latest_items

PAGE_SIZE = 20
MAX_PAGE = 200
RESOLUTIONS = "resolution"


def _choices() -> list[tuple[str, str]]:
    """(value, name) of the list's filters: every item topic, then the resolutions."""
    names = topic_names()
    return [(topic, names[topic]) for topic in ITEM_TOPICS] + [(RESOLUTIONS, t("news.resolutions"))]


def _item_view(item: dict, unread: bool = False) -> dict:
    return {"item_no": item["item_no"], "title": item["title"], "date": clock.day_shown(item["publish_at"]),
            "summary": item["summary"] or "", "resolution": item["kind"] == RESOLUTIONS, "unread": unread,
            "topics": "、".join(topic_names().get(topic, topic) for topic in item["topics"])}


@pages.get("/news")
def news():
    show = request.args.get("show", "")
    page = request.args.get("page", 1, type=int)
    if (show and show not in dict(_choices())) or not 1 <= page <= MAX_PAGE:
        return render("error.html", 400, message_key="news.bad_choice")
    kind, topic = (RESOLUTIONS, None) if show == RESOLUTIONS else (None, show or None)
    unread = []
    if page == 1 and not show:
        unread = items_by_id(db(), [row["item_id"] for row in delivery.unread_inbox(db(), openid())][:PAGE_SIZE])
        delivery.mark_inbox_read(db(), openid(), [item["id"] for item in unread])
    items = latest_items(db(), kind=kind, topic=topic, offset=(page - 1) * PAGE_SIZE, limit=PAGE_SIZE + 1,
                         reader=openid())
    return render("news.html", choices=_choices(), show=show, page=page, more=len(items) > PAGE_SIZE,
                  unread=[_item_view(item, unread=True) for item in unread],
                  items=[_item_view(item) for item in items[:PAGE_SIZE]])


@pages.get("/news/<item_no>")
def news_item(item_no: str):
    item = find_item(db(), item_no[:64])
    if item is None or not is_for_reader(db(), item["id"], openid()):
        abort(404)
    delivery.mark_inbox_read(db(), openid(), [item["id"]])
    return render("news_item.html", item=_item_view(item), paragraphs=paragraphs(item["body"]), link=item["link"],
                  picture=item["picture"])


@pages.get("/news/picture/<name>")
@public
def news_picture(name: str):
    """A newsletter's picture, for anyone: the article page shows it, and WeChat fetches it for the news card
    (a picture URL must be reachable without signing in). Named by its content, so it never changes."""
    picture = find_picture(db(), name[:32]) if PICTURE_NAME.fullmatch(name) else None
    if picture is None:
        abort(404)
    response = Response(picture["data"], mimetype=picture["mimetype"])
    response.cache_control.public, response.cache_control.max_age = True, 30 * 24 * 3600
    return response
