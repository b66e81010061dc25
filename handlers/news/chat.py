"""`news`: the latest newsletter items, overall or per topic, the resolutions archive, and the inbox.

A listing is a short numbered list, or an article card when it holds one
item. The list stays open as a small flow ("news", step "browse") that keeps
the ids shown so far, so a number means the same item on every page and
"更多" continues where the last page ended. Anything else the member says
ends the browsing and is answered as if no list were open.

Items the delivery could not push (bot.delivery's inbox) come first, and are
marked read once listed: WeChat allows only so many pushes, and a member who
asks for news should see what they missed before what is merely recent.
"""
from __future__ import annotations

import re

from bot import content, delivery, paging
from bot.page_links import news_picture_url, with_page_link
from handlers.events import chat as events
from handlers.news.items import ITEM_TOPICS, detail, item_line, joined, said, topic_names
from handlers.news.subscriptions import subscribe_to, topics_in
from bot.registry import handles, step
from storage.news import items_by_id, latest_items


def _fetch(db, query: dict, offset: int, limit: int) -> list[dict]:
    return latest_items(db, kind=query["kind"], topic=query["topic"], offset=offset, limit=limit,
                        reader=query.get("reader"), word=query.get("word"))


def _detail(ctx, item: dict):
    """The item as chat shows it; its card carries its picture (配图) on the public address."""
    return detail(item, news_picture_url(ctx.config, item["picture"]))


LISTING = paging.Listing(
    flow="news",
    fetch=_fetch,
    line=item_line,
    detail=lambda ctx, item_id: _detail(ctx, items_by_id(ctx.db, [item_id])[0]),
    texts="news",
)


@handles("news", menu="MENU_NEWS", reads_only=True)
def show_news(ctx):
    if ctx.message.in_words and events.asks_for_meetings(ctx.text):
        return events.show_events(ctx)  # "最近有啥会": meetings, not 会讯
    if said(ctx.text, "resolutions", whole=False):
        return _first_page(ctx, kind="resolution")
    topic = ctx.intent.slots.get("topic") if ctx.intent else None
    topic = topic if topic in ITEM_TOPICS else None  # `jobs` is not a newsletter topic
    if ctx.message.in_words and any(word in ctx.text for word in content.replies()["news"]["subject"]["how_often"]):
        return ctx.reply("news.how_often")  # "会讯多久发一次": answered, not the list
    asked = _subject(ctx.text) if ctx.message.in_words else None
    if asked is not None and (topic is None or asked[1] or _any_about(ctx, asked[0])):
        return _about(ctx, *asked)  # "有没有关于新材料的资讯", "《河南科技导报》发了没": that, or said not found
    issue = _issue_asked(ctx, {"kind": None, "topic": topic, "reader": ctx.openid}) if ctx.message.in_words else None
    if issue is not None:  # "学科动态第三期有吗": that issue
        return issue
    unread = [row["item_id"] for row in delivery.unread_inbox(ctx.db, ctx.openid)]
    if unread:
        return _inbox(ctx, unread, topic)
    return _first_page(ctx, topic=topic)


def _issue_asked(ctx, query: dict) -> Reply | None:
    """An issue asked for by its number ("学科动态第三期有吗": the item whose title says 第3期) or as the newest
    ("最新一期呢" under a topic's list: the first of it), opened, the list it belongs to kept for what follows
    ("每期都发我" then subscribes to that topic); None when the message asks for no issue or none matches."""
    plain = paging.with_digits(ctx.text)
    number = paging.ISSUE.search(plain)
    latest = any(word in plain for word in content.replies()["news"]["latest_issue_words"])
    if number is None and not latest:
        return None
    rows = _fetch(ctx.db, query, 0, _ISSUES_LOOKED_AT)
    picked = [row for row in rows if number is None or f"第{number.group(1)}期" in paging.with_digits(row["title"])]
    if not picked:
        return None
    reply = paging.show(ctx, LISTING, query, _heading(query["kind"], query["topic"]), open_single=False)
    ctx.goto(paging.STEP, current=picked[0]["id"])
    return LISTING.detail(ctx, picked[0]["id"]) if reply is not None else None


_ISSUES_LOOKED_AT = 60  # the newest items of a topic an issue number is looked for among


@step("news", paging.STEP, reads_only=True, prompt="news.browse_prompt", lapses=True)
def browse(ctx):
    topic = ctx.flow_data["query"].get("topic")
    if topic and ctx.intent and ctx.intent.name == "subscribe" and not ctx.intent.slots.get("topic") \
            and len(topics_in(ctx.text)) < 2:
        return subscribe_to(ctx, [topic])  # "订阅这个" under a topic's list: that topic
    if said(ctx.text, "link", whole=False) and paging.chosen_number(ctx.text) is None:
        return _link(ctx)  # "有原文链接吗": the item opened, not a job search
    named = [code for code in topics_in(ctx.text) if code in ITEM_TOPICS]  # "学科动态最新一期呢" under another's list
    query = {**ctx.flow_data["query"], "kind": None, "topic": named[0]} if len(named) == 1 else ctx.flow_data["query"]
    return _issue_asked(ctx, query) or paging.browse(ctx, LISTING)


_PUBLICATION = re.compile(r"《([^》]{2,20})》")


def _subject(text: str) -> tuple[str, bool] | None:
    """What the member asks news about: a publication named in 《》 (True), or a subject ("关于新材料的",
    "有没有人工智能方面的资讯"); None when a topic or nothing is named."""
    publication = _PUBLICATION.search(text)
    if publication:
        return publication.group(1), True
    words = content.replies()["news"]["subject"]
    for pattern in words["patterns"]:
        found = re.search(pattern, re.sub(r"\s+", "", text))
        subject = re.sub(f"(?:{'|'.join(words['subject_tails'])})$", "", found.group(1)) if found else ""
        if len(subject) >= 2 and subject not in topic_names().values() and subject not in words["not_subjects"]:
            return subject, False  # "人工智能学科方面的": 人工智能
    return None


def _any_about(ctx, subject: str) -> bool:
    return bool(latest_items(ctx.db, reader=ctx.openid, word=subject, limit=1))


def _about(ctx, subject: str, publication: bool):
    """The items on a subject, newest first; a publication the items do not name, or a subject none is
    about, said so with the topics there are."""
    query = {"kind": None, "topic": None, "reader": ctx.openid, "word": subject}
    reply = paging.show(ctx, LISTING, query, content.text("news.about_heading", subject=subject))
    if reply is not None:
        return reply
    topics = joined(topic_names()[topic] for topic in ITEM_TOPICS)
    return ctx.reply("news.no_publication" if publication else "news.nothing_about", subject=subject, topics=topics)


def _link(ctx):
    """The original article of the item opened last; which one, when none is opened yet."""
    current = ctx.flow_data.get("current")
    if current is None:
        return ctx.reply("news.link_which")
    item = items_by_id(ctx.db, [current])[0]
    if item["link"]:
        return ctx.reply("news.link", title=item["title"], link=item["link"])
    return ctx.reply("news.no_link", title=item["title"])


def _what(kind: str | None, topic: str | None) -> str:
    """How a listing is named to the member: 会讯, 政策资讯, 决议公告."""
    if topic:
        return topic_names()[topic]
    return content.text(f"news.what.{kind or 'latest'}")


def _heading(kind: str | None, topic: str | None) -> str:
    return content.text("news.heading", what=_what(kind, topic))


def _first_page(ctx, kind: str | None = None, topic: str | None = None):
    reply = paging.show(ctx, LISTING, {"kind": kind, "topic": topic, "reader": ctx.openid}, _heading(kind, topic))
    return with_page_link(reply or ctx.reply("news.empty", what=_what(kind, topic)), ctx.config, "news", "/m/news",
                          show=kind or topic)


def _inbox(ctx, unread: list[int], topic: str | None):
    """The newest page of unread items, marked read; "更多" then goes on to the latest the member
    asked for, and asking for news again shows the next unread page."""
    items = items_by_id(ctx.db, unread[:paging.page_size()])
    delivery.mark_inbox_read(ctx.db, ctx.openid, [item["id"] for item in items])
    ctx.start_flow("news", paging.STEP, query={"kind": None, "topic": topic, "reader": ctx.openid},
                   heading=_heading(None, topic), offset=0, shown=[item["id"] for item in items],
                   current=None)
    lines = "\n".join(item_line(number, item) for number, item in enumerate(items, 1))
    rest = len(unread) - len(items)
    footer = content.text("news.inbox_rest", rest=rest) if rest else \
        content.text("news.inbox_footer", what=_what(None, topic))
    return ctx.reply("news.inbox", count=len(unread), items=lines, footer=footer)
