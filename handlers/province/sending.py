"""What the province sends to societies' members: previews (预告) of approved activities to the members
of the societies that opt in, and province-wide notices (policy, talent) to every society or chosen ones.

Each goes out as an item of the society's own newsletter, through that society's own delivery
(bot/delivery/ inside `serving_account`): its own queue, its account's token, its members' quotas
(customer-service window, mass sends a month, else the member's inbox), one delivery row per member
in its own store, so the society's console shows it like its own items. The registry records which
activity or notice went to which society, after it was queued there, and is not queued there again;
the society's delivery rows (one per item and member) make it once per member even if two runs race.
Members get what they subscribed to: a preview goes to the topics in content/province.toml
([preview] topics), a notice to its own topic (policy or talent). Past one machine each host queues
to its own societies and records it in its own registry (notice_here, previews_here): the province
asks them all, with the approved activities of every host for the previews.
"""
from __future__ import annotations

from datetime import date, timedelta

import redis

from bot import delivery
from bot.config import Config
from bot.periodic import JobRun, periodic
from bot.platform.shards import host_question
from handlers.province.common import registry, say, settings
from handlers.province.guide import dates_text
from handlers.province.hosts import every_society, everywhere
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


@host_question
def approved_here(config, r, first_day: str, last_day: str) -> list[dict]:
    """This host's approved filings starting within the days, with their society's name now."""
    with registry(config) as opened:
        names = {s["appid"]: s["name"] for s in list_societies(opened)}
        return [dict(row, society_name=names.get(row["appid"], row["society_name"]))
                for row in store.approved_between(opened, first_day, last_day)]


@host_question
def previews_here(config, r, filings: list[dict]) -> list[dict]:
    """Queue these activities' previews to this host's societies that opt in, once per (activity,
    society): a filing is one host's, so it is told apart by its society and number."""
    rules = settings()["preview"]
    queued = []
    with registry(config) as opened:
        opted = {appid for appid, row in store.society_settings(opened).items() if row["preview_opt_in"]}
        targets = [s for s in list_societies(opened, AUTHORIZED) if s["appid"] in opted]
        for filing in filings:
            item = _item(f"YG{filing['id']:06d}-{filing['appid']}",  # a filing's number is its host's
                         say("sending.preview_title", title=filing["title"]),
                         say("sending.preview_summary", dates=dates_text(filing), place=filing["place"] or "",
                             society=filing["society_name"]), _guide_link(config, filing["starts_on"]),
                         rules["topics"])
            for society in targets:
                if store.was_previewed(opened, filing, society["appid"]):
                    continue
                count = _queue_item(opened, config, r, society["appid"], item)
                store.record_preview(opened, filing, society["appid"], item["item_no"], count)
                queued.append({"filing": filing["id"], "title": filing["title"], "appid": society["appid"],
                               "recipients": count})
    return queued


def send_previews(config: Config, r: redis.Redis, today: date) -> list[dict]:
    """Preview every approved activity starting within [preview] days_before to the members of each
    society that opts in, once per (activity, society); returns what was queued where."""
    last = today + timedelta(days=settings()["preview"]["days_before"])
    filings = sorted(everywhere(config, r, approved_here, first_day=today.isoformat(), last_day=last.isoformat()),
                     key=lambda filing: (filing["starts_on"], filing["appid"], filing["id"]))
    return everywhere(config, r, previews_here, filings=filings)


@periodic("province_previews")
def preview_job(run: JobRun) -> dict:
    """Daily (content/schedule.toml): the previews due today. The province's work, done in the
    deployment's own tick, not once more in each society's (the scheduler ticks every society too)."""
    if current_account() is not None:
        return {"previews": 0}
    return {"previews": len(send_previews(run.config, run.redis, run.today))}


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


@host_question
def notice_here(config, r, notice: dict, appids: list[str] | None) -> list[dict]:
    """Queue the notice to this host's authorised societies (those chosen), once each."""
    item = _item(notice["notice_no"], notice["title"], notice["summary"] or "", notice["link"], [notice["topic"]])
    sent = []
    with registry(config) as opened:
        for society in list_societies(opened, AUTHORIZED):
            if appids is not None and society["appid"] not in appids:
                continue
            if store.was_notice_sent(opened, notice["id"], society["appid"]):
                continue
            count = _queue_item(opened, config, r, society["appid"], item)
            store.record_notice_send(opened, notice["id"], society["appid"], item["item_no"], count)
            sent.append({"appid": society["appid"], "society": society["name"], "recipients": count})
    return sent


def send_notice(config: Config, r: redis.Redis, notice: dict, appids: list[str] | None = None) -> list[dict]:
    """Queue the notice to every authorised society of every host (or those chosen), once each; returns
    per society how many members it was queued to (a society it had gone to before is left out)."""
    if appids:
        unknown = set(appids) - {s["appid"] for s in every_society(config, r, AUTHORIZED)}
        if unknown:
            raise NoticeRefused("no_society", appid="、".join(sorted(unknown)))
    sent = everywhere(config, r, notice_here, notice=notice, appids=list(appids) if appids else None)
    return sorted(sent, key=lambda row: (row["society"], row["appid"]))


@host_question
def notice_sends_here(config, r, notice_ids: list[int]) -> list[dict]:
    with registry(config) as opened:
        return [row for notice_id in notice_ids for row in store.notice_sends(opened, notice_id)]


def notice_sends(config: Config, r: redis.Redis, notice_ids: list[int]) -> dict[int, list[dict]]:
    """{notice id: which society it was queued to, how many members, when} over every host."""
    sends: dict[int, list[dict]] = {}
    for row in sorted(everywhere(config, r, notice_sends_here, notice_ids=notice_ids), key=lambda row: row["appid"]):
        sends.setdefault(row["notice_id"], []).append(row)
    return sends
