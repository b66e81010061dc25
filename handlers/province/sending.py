"""What the province sends to societies' members: previews (预告) of approved activities to the members
of the societies that opt in, and province-wide notices (policy, talent) to every society or chosen ones.

Each goes out as an item of the society's own newsletter, through that society's own delivery
(bot/delivery.py inside `serving_account`): its own queue, its account's token, its members' quotas
(customer-service window, mass sends a month, else the member's inbox), one delivery row per member
in its own store, so the society's console shows it like its own items. The registry records which
activity or notice went to which society, after it was queued there, and is not queued there again;
the society's delivery rows (one per item and member) make it once per member even if two runs race.
Members get what they subscribed to: a preview goes to the topics in content/province.toml
([preview] topics), a notice to its own topic (policy or talent).
"""
from __future__ import annotations

from datetime import date, timedelta

import redis

from bot import delivery
from bot.config import Config
from bot.periodic import JobRun, periodic
from handlers.province.common import registry, say, settings
from handlers.province.guide import dates_text
from storage import news
from storage import province as store
from storage.accounts import current_account, serving_account
from storage.societies import AUTHORIZED, list_societies, open_society_database


class NoticeRefused(ValueError):
    """A notice that cannot be sent as written: `reason` is a key under [province.refused]."""

    def __init__(self, reason: str, **facts):
        super().__init__(reason)
        self.reason, self.facts = reason, facts


def _queue_item(registry, config: Config, r: redis.Redis, appid: str, item: dict) -> int:
    """Store `item` in the society's own newsletter and queue it to its recipients; returns how many."""
    with serving_account(appid, config.data_dir):
        db = open_society_database(registry, appid)
        try:
            stored, _ = news.save_item(db, item)
            recipients = news.recipients(db, stored)
            delivery.enqueue_broadcast(db, r, stored["id"], recipients)
        finally:
            db.close()
    return len(recipients)


def _item(item_no: str, title: str, summary: str, link: str | None, topics: list[str]) -> dict:
    return {"item_no": item_no, "kind": "newsletter", "title": title[:64], "topics": topics, "audience": None,
            "summary": summary[:120], "link": link, "body": None, "publish_at": None, "source": say("sending.source")}


def _guide_link(config: Config, starts_on: str) -> str | None:
    if not config.public_base_url:
        return None
    return f"{config.public_base_url}/m/province/guide/{starts_on[:4]}#m{int(starts_on[5:7])}"


def send_previews(registry, config: Config, r: redis.Redis, today: date) -> list[dict]:
    """Preview every approved activity starting within [preview] days_before to the members of each
    society that opts in, once per (activity, society); returns what was queued where."""
    rules = settings()["preview"]
    opted = {appid for appid, row in store.society_settings(registry).items() if row["preview_opt_in"]}
    targets = [s for s in list_societies(registry, AUTHORIZED) if s["appid"] in opted]
    names = {s["appid"]: s["name"] for s in list_societies(registry)}
    queued = []
    for filing in store.approved_between(registry, today.isoformat(),
                                         (today + timedelta(days=rules["days_before"])).isoformat()):
        host = names.get(filing["appid"], filing["society_name"])
        item = _item(f"YG{filing['id']:06d}", say("sending.preview_title", title=filing["title"]),
                     say("sending.preview_summary", dates=dates_text(filing), place=filing["place"] or "",
                         society=host), _guide_link(config, filing["starts_on"]), rules["topics"])
        for society in targets:
            if store.was_previewed(registry, filing["id"], society["appid"]):
                continue
            count = _queue_item(registry, config, r, society["appid"], item)
            store.record_preview(registry, filing["id"], society["appid"], item["item_no"], count)
            queued.append({"filing": filing["id"], "title": filing["title"], "appid": society["appid"],
                           "recipients": count})
    return queued


@periodic("province_previews")
def preview_job(run: JobRun) -> dict:
    """Daily (content/schedule.toml): the previews due today. The province's work, done in the
    deployment's own tick, not once more in each society's (the scheduler ticks every society too)."""
    if current_account() is not None:
        return {"previews": 0}
    with registry(run.config) as opened:
        return {"previews": len(send_previews(opened, run.config, run.redis, run.today))}


def create_notice(registry, topic: str, title: str, summary: str, link: str | None, actor: str) -> dict:
    """A province-wide notice, checked: a topic the province sends, a title, an http(s) link if any."""
    if topic not in settings()["notices"]["topics"]:
        raise NoticeRefused("bad_topic", topic=topic)
    title, summary, link = title.strip(), summary.strip(), (link or "").strip() or None
    if not title:
        raise NoticeRefused("title_needed")
    if len(title) > 64 or len(summary) > 120:
        raise NoticeRefused("too_long")
    if link and not link.startswith(("https://", "http://")):
        raise NoticeRefused("bad_link", link=link)
    return store.insert_notice(registry, {"topic": topic, "title": title, "summary": summary, "link": link}, actor)


def send_notice(registry, config: Config, r: redis.Redis, notice: dict, appids: list[str] | None = None) -> list[dict]:
    """Queue the notice to every authorised society (or those chosen), once each; returns per society
    how many members it was queued to (0 for a society it had gone to before is left out)."""
    chosen = [s for s in list_societies(registry, AUTHORIZED) if appids is None or s["appid"] in appids]
    unknown = set(appids or ()) - {s["appid"] for s in chosen}
    if unknown:
        raise NoticeRefused("no_society", appid="、".join(sorted(unknown)))
    item = _item(notice["notice_no"], notice["title"], notice["summary"] or "", notice["link"], [notice["topic"]])
    sent = []
    for society in chosen:
        if store.was_notice_sent(registry, notice["id"], society["appid"]):
            continue
        count = _queue_item(registry, config, r, society["appid"], item)
        store.record_notice_send(registry, notice["id"], society["appid"], item["item_no"], count)
        sent.append({"appid": society["appid"], "society": society["name"], "recipients": count})
    return sent
