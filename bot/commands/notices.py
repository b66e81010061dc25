"""`python -m bot notices failed|retry`: service notices (approval results, ticket answers, dues and event
reminders ...) that did not reach the member, and sending them again.

The console's dashboard lists the same ones with the same retry (bot.delivery.failed_notices,
retry_failed_notices); a failed notice also goes out by itself when the member next writes.
Chinese output from content/replies/notices_cli.toml.
"""
from __future__ import annotations

import click

from bot import clock, content, delivery
from bot.commands.common import json_option, load_settings, open_store
from storage.state import connect_redis


def _text(key: str, **fields) -> str:
    return content.text(f"notices_cli.{key}", **fields)


@click.group()
def notices():
    """服务通知（审批结果、诉求答复、会费提醒等）：没有送达的是谁、为什么，以及重试。"""


@notices.command()
@json_option
def failed():
    """没有送达的通知：会员、哪类通知、什么时候、为什么（最新的在前）。"""
    rows = [dict(row, why=delivery.failure_reason(row)) for row in delivery.failed_notices(open_store())]

    def human(d):
        click.echo(_text("title", count=len(d)) if d else _text("none"))
        kinds = content.replies()["admin"]["dashboard"]["notice_kinds"]  # the dashboard's names for them
        for row in d:
            click.echo(_text("line", name=row["name"] or "—", member_no=row["member_no"] or "—",
                             kind=kinds.get(row["kind"], row["kind"]), at=clock.shown(row["updated_at"]),
                             why=row["why"], text=row["text"].replace("\n", " ")))

    return rows, human


@notices.command()
@json_option
def retry():
    """把没有送达的通知全部重新排队发送（每条最多送达一次）。"""
    import handlers

    handlers.register_notice_kinds()
    count = delivery.retry_failed_notices(open_store(), connect_redis(load_settings()))
    return {"queued": count}, lambda d: click.echo(_text("retried", count=d["queued"]))
