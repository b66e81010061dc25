"""Postings for the job board tests, stored as `jobs add` stores them."""
from __future__ import annotations

from datetime import date, timedelta

from handlers.jobs.postings import with_defaults
from storage.jobs import save_postings
from storage.members import insert_member

TODAY = date.today()


def day(offset: int) -> str:
    """Today plus `offset` days, ISO."""
    return (TODAY + timedelta(days=offset)).isoformat()


def post(db, title: str, employer: str = "郑州大学", city: str = "郑州", **fields) -> dict:
    """One posting with today's defaults for what is not given; returns it as stored."""
    given = dict(title=title, employer=employer, city=city, how_to_apply="简历发送至 hr@example.org", **fields)
    [(posting, _)] = save_postings(db, [with_defaults(given, TODAY)], TODAY.isoformat())
    return posting


def add_member(db, openid: str, number: int = 1) -> dict:
    """An active regular member who follows the account."""
    return insert_member(db, {"member_no": f"HNKX2026{number:05d}", "name": f"会员{number}", "category": "regular",
                              "openid": openid}, actor="test")
