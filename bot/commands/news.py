"""`python -m bot news publish|list|show|send|resume|status|resend-uncertain|retry-failed`: newsletter items and their delivery.

Reading and checking a file is handlers/news/items.py, storing it and working out
its recipients storage/news.py, delivering it bot/delivery/; this
module ties them to what the secretariat types and says what happened, in
Chinese from content/replies/news_cli.toml.

Every file is checked before any is stored, so a batch with one bad file
publishes nothing. Sending is safe to repeat: the delivery keeps one row per
(item, member), so a second `news send` queues only whoever is missing.
"""
from __future__ import annotations

import sys
import time
from pathlib import Path

import click

from bot import clock, content, delivery
from bot.commands.common import help_texts, json_option, load_settings, open_store, shown
from bot.config import CONTENT_DIR
from handlers.news.items import ItemError, joined, read_item, topic_list
from storage.deliveries import FAILED, OPEN, QUEUED, UNCERTAIN
from storage.news import (PUBLISHED, WITHDRAWN, find_item, latest_items, missing_units, recipients, save_item,
                          stored_item_nos, withdraw_item)
from storage.state import connect_redis

_help = help_texts("news_cli")

NEWSLETTER_DIR = CONTENT_DIR / "newsletters"
IN_FLIGHT = (QUEUED, *OPEN)  # delivery statuses that are not an outcome yet
POLL_SECONDS = 0.5


def _text(key: str, **fields) -> str:
    return content.text(f"news_cli.{key}", **fields)


@click.group()
def news():
    """电子会讯：发布、查看、推送、送达情况。"""


# --- publish ----------------------------------------------------------------------

@news.command()
@click.argument("files", nargs=-1, type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--all", "all_new", is_flag=True, help=_help("publish.all"))
@click.option("--send", is_flag=True, help=_help("publish.send"))
@json_option
def publish(files, all_new, send):
    """检查并发布会讯文件 FILES（Markdown，开头用 +++ 写标题、对象等）。"""
    db = open_store()
    if all_new:
        stored = stored_item_nos(db)
        files = [*files, *(p for p in _newsletter_files() if p.stem not in stored)]
        if not files:
            return [], lambda d: click.echo(_text("nothing_new"))
    if not files:
        raise click.UsageError(_text("no_files"))
    results = []
    for parsed in _read_all(db, files):
        item, outcome = save_item(db, parsed)
        result = dict(_summary(item), outcome=outcome)
        if outcome == "updated":
            result["earlier_wording"] = delivery.earlier_wording(db, item["id"])
        if send:
            result.update(_enqueue(db, item))
        results.append(result)
    return results, _show_published


def _newsletter_files() -> list[Path]:
    return sorted(p for p in NEWSLETTER_DIR.glob("*.md") if p.stem.upper() != "README")


def _read_all(db, files) -> list[dict]:
    """Every file parsed and checked (audience units must exist); all problems at once, or nothing."""
    items, errors = [], []
    for path in files:
        try:
            item = read_item(path)
            unknown = missing_units(db, (item["audience"] or {}).get("unit", []))
            if unknown:
                raise ItemError(str(path), [content.text("news_file.audience_unit", units=joined(unknown))])
            items.append(item)
        except ItemError as error:
            errors.append(str(error))
    if errors:
        raise click.ClickException("\n\n".join(errors))
    return items


def _show_published(results: list[dict]) -> None:
    for result in results:
        click.echo(_text("published", **dict(_words(result), outcome=_text(f"outcomes.{result['outcome']}"))))
        if result.get("earlier_wording"):
            click.echo(_text("earlier_wording", count=result["earlier_wording"], item_no=result["item_no"]))
        if "queued" in result:
            click.echo(_text("queued", **result))


# --- list and show ------------------------------------------------------------------

@news.command(name="list")
@click.option("--kind", type=click.Choice(["newsletter", "resolution"]), help=_help("list.kind"))
@click.option("--limit", type=int, default=50, show_default=True)
@json_option
def list_items(kind, limit):
    """会讯和决议，新的在前（含定时尚未到的、后台的草稿和已撤回的，都注明）。"""
    db = open_store()
    items = [_summary(item) for item in latest_items(db, kind=kind, limit=limit, all_items=True)]
    progress = delivery.progress_words(db, [item["id"] for item in items])
    items = [dict(item, progress=progress.get(item["id"], "")) for item in items]

    def human(data):
        for item in data:
            marks = _text(item["status"]) if item["status"] != PUBLISHED else \
                _text("future") if not clock.has_come(item["publish_at"]) else ""
            progress = _text("list_progress", words=item["progress"]) if item["progress"] else ""
            click.echo(_text("list_line", future=marks, **dict(_words(item), progress=progress)))
        if not data:
            click.echo(_text("list_empty"))

    return items, human


@news.command()
@click.argument("item")
@json_option
def show(item):
    """一条会讯的全文和收件人数。"""
    db, found = _store_and_item(item)
    data = dict(found, recipients=len(recipients(db, found)))
    return data, lambda d: click.echo(_text("show", **dict(
        _words(d), topics=topic_list(d["topics"]) or _text("none"), audience=_audience_words(d),
        link=d["link"] or _text("none"), source=d["source"] or _text("none"))))


def _store_and_item(key: str) -> tuple:
    """The store and the item named on the command line (its number or id), or a clear refusal."""
    db = open_store()
    item = find_item(db, key)
    if item is None:
        raise click.ClickException(_text("no_item", item=key))
    return db, item


def _summary(item: dict) -> dict:
    return {key: item[key] for key in ("id", "item_no", "kind", "title", "topics", "publish_at", "status")}


def _words(item: dict) -> dict:
    """An item's fields as the secretariat reads them."""
    return dict(shown(item), kind=_text(f"kinds.{item['kind']}"), date=clock.day_shown(item["publish_at"]))


def _audience_words(item: dict) -> str:
    if item["kind"] == "resolution":
        return _text("audience_everyone")
    if not item["audience"]:
        return _text("audience_subscribers")
    filters = _text("audience_and").join(_text(f"audience.{key}", values=joined(values))
                                         for key, values in item["audience"].items())
    return _text("audience_filtered", filters=filters)


# --- send and status ------------------------------------------------------------------

@news.command()
@click.argument("item")
@click.option("--wait", is_flag=True, help=_help("send.wait"))
@click.option("--timeout", type=int, default=3600, show_default=True, help=_help("send.timeout"))
@json_option
def send(item, wait, timeout):
    """推送会讯 ITEM 给全部收件人；已排队或已送达的不会重复。"""
    db, found = _store_and_item(item)
    data = dict(_summary(found), **_enqueue(db, found))
    data["withdrawn"] = _withdraw_corrected(db, found)
    if wait:
        data["counts"] = _wait(db, found, timeout)

    def human(d):
        click.echo(_text("sent", **d))
        if d["withdrawn"]:
            click.echo(_text("withdrew_original" if d["withdrawn"]["done"] else "original_still_sending",
                             **d["withdrawn"]))
        if wait:
            _show_counts(d, d["counts"])

    return data, human


def _enqueue(db, item: dict) -> dict:
    """Hand the recipients to the delivery, with a progress bar (on stderr) as it queues the work. A
    withdrawn item is not sent (the console refuses it too): members can no longer open it."""
    if item["status"] == WITHDRAWN:
        raise click.ClickException(_text("is_withdrawn", **shown(item)))
    if not clock.has_come(item["publish_at"]):
        raise click.ClickException(_text("not_yet", **shown(item)))
    people = recipients(db, item)
    r = connect_redis(load_settings())
    with click.progressbar(length=len(people), label=_text("enqueue_label", **item), file=sys.stderr) as bar:
        queued = delivery.enqueue_broadcast(db, r, item["id"], people, progress=bar.update)
    return {"recipients": len(people), "queued": queued}


def _withdraw_corrected(db, item: dict) -> dict | None:
    """A correction saved in the console with 撤回原稿 ticked (storage.news.set_withdraws) withdraws the original
    once it is sent, as the console's 发送 does; one still being pushed is left (the console's 撤回 refuses it
    too) and said. None: no original to withdraw (none named, or withdrawn already)."""
    original = item.get("withdraws") and find_item(db, item["withdraws"])
    if not original or original["status"] == WITHDRAWN:
        return None
    done = not _in_flight(delivery.delivery_counts(db, original["id"]))
    if done:
        withdraw_item(db, original["id"])
    return {"item_no": original["item_no"], "title": original["title"], "done": done}


def _in_flight(counts: dict) -> int:
    return sum(counts["status"].get(status, 0) for status in IN_FLIGHT)


def _wait(db, item: dict, timeout: int) -> dict:
    """Poll the delivery's counts until every row has an outcome; a progress bar meanwhile, and a line
    when it waits on a mass send WeChat took without answering (checked again later under its number)."""
    deadline = time.monotonic() + timeout
    counts = delivery.delivery_counts(db, item["id"])
    total, done, unconfirmed = counts["total"], 0, None
    with click.progressbar(length=total, label=_text("deliver_label", **item), file=sys.stderr) as bar:
        while True:
            left = _in_flight(counts)
            bar.update(total - left - done)
            done = total - left
            if not left:
                return counts
            if time.monotonic() > deadline:
                raise click.ClickException(_text("wait_timeout", seconds=timeout, pending=left, **item))
            time.sleep(POLL_SECONDS)
            counts = delivery.delivery_counts(db, item["id"])
            if _in_flight(counts) == left and unconfirmed is None:  # no progress: is it a send to confirm?
                unconfirmed = _say_unconfirmed(db, item)


def _say_unconfirmed(db, item: dict) -> str | None:
    """Say once that a mass send waits for its check, and when (delivery.held_back): its time, or None."""
    held = delivery.held_back(db, connect_redis(load_settings()), item["id"])
    at = next((reason["at"] for reason in held if reason["reason"] == "unconfirmed"), None)
    if at:
        click.echo(_text("waits_unconfirmed", at=clock.shown(at), **item), err=True)
    return at


@news.command()
@click.argument("item")
@json_option
def resume(item):
    """继续推送 ITEM 中还在等待的部分（如推送中途停过服务）。"""
    db, found = _store_and_item(item)
    data = dict(_summary(found), queued=delivery.resume_broadcast(db, connect_redis(load_settings()), found["id"]))
    return data, lambda d: click.echo(_text("resumed", **d))


@news.command()
@click.argument("item")
@json_option
def stop(item):
    """停止推送 ITEM：还没发出的会员不再发送（已发出的收不回来）。"""
    db, found = _store_and_item(item)
    data = dict(_summary(found), **delivery.stop(db, found["id"]))
    return data, lambda d: click.echo(_text("stopped", **d) + (_text("stopped_sending", sending=d["sending"])
                                                               if d["sending"] else ""))


@news.command()
@click.argument("item")
@json_option
def status(item):
    """ITEM 的送达情况：多少人已收到、经哪种渠道、多少人还在等待，发送失败和不确定的是谁、为什么。"""
    db, found = _store_and_item(item)
    data = dict(_summary(found), counts=delivery.delivery_counts(db, found["id"]),
                retrying=delivery.retrying(db, found["id"]), failed=delivery.recipients_in(db, found["id"], FAILED),
                uncertain=delivery.recipients_in(db, found["id"], UNCERTAIN))

    def human(d):
        _show_counts(d, d["counts"])
        _show_members(d["retrying"], "retrying")
        if _show_members(d["failed"], "failed"):
            click.echo(_text("failed_hint", item_no=d["item_no"]))
        if _show_members(d["uncertain"], "uncertain"):
            click.echo(_text("uncertain_hint", item_no=d["item_no"]))

    return data, human


def _show_members(rows: list[dict], kind: str) -> bool:
    """A title and a line per member (who, when, why); returns whether there was anyone."""
    if rows:
        click.echo(_text(f"{kind}_title", count=len(rows)))
    for row in rows:
        read = _text("uncertain_read" if row["read_at"] else "uncertain_unread")
        click.echo(_text(f"{kind}_line", name=row["name"] or "—", member_no=row["member_no"] or "—",
                         at=clock.shown(row["updated_at"]), why=row["why"], read=read))
    return bool(rows)


@news.command("resend-uncertain")
@click.argument("item")
@json_option
def resend_uncertain(item):
    """给送达情况不确定的收件人重发 ITEM（个别人可能收到两次）。"""
    return _resend(item, UNCERTAIN, "resent_uncertain")


@news.command("resend-changed")
@click.argument("item")
@json_option
def resend_changed(item):
    """把修改后的 ITEM 再推送给收到修改前内容的会员（发送中修改过的会讯）。"""
    db, found = _store_and_item(item)
    if found["status"] == WITHDRAWN:
        raise click.ClickException(_text("is_withdrawn", **shown(found)))
    data = dict(_summary(found), queued=delivery.resend_changed(db, connect_redis(load_settings()), found["id"]))
    return data, lambda d: click.echo(_text("resent_changed", **d))


@news.command("retry-failed")
@click.argument("item")
@json_option
def retry_failed(item):
    """给发送失败的收件人再推送一次 ITEM（与管理后台会讯页上的“重试”相同）。"""
    return _resend(item, FAILED, "retried_failed")


def _resend(item: str, status: str, said: str):
    """Push the item again to its recipients in `status`, as the console's buttons do (delivery.resend); not a
    withdrawn one, as it is not sent."""
    db, found = _store_and_item(item)
    if found["status"] == WITHDRAWN:
        raise click.ClickException(_text("is_withdrawn", **shown(found)))
    data = dict(_summary(found), queued=delivery.resend(db, connect_redis(load_settings()), found["id"], status))
    return data, lambda d: click.echo(_text(said, **d))


def _show_counts(item: dict, counts: dict) -> None:
    click.echo(_text("status_title", total=counts["total"], **item))
    if not counts["total"]:
        click.echo(_text("status_empty", **item))
        return
    for section, shown in (("status", delivery.outcomes(counts)), ("channel", counts["channel"])):
        if not shown:  # nothing sent yet: no channels to show
            continue
        names = content.replies()["news_cli"][section]  # code -> Chinese, and the section's title
        click.echo(names["title"])
        for code, count in sorted(shown.items(), key=lambda pair: -pair[1]):
            click.echo(_text("status_line", name=names.get(code, code), count=count))
