"""A newsletter's page in the console says who can receive it and who cannot and why, and names the
members whose push is uncertain, with a way to push it to them again (issue 14)."""
from __future__ import annotations

import re

from storage import deliveries as ledger
from storage.members import insert_member
from storage.news import subscribe
from storage.sqlite import transaction
from tests.test_admin import page, post, staff, units, users  # noqa: F401  (fixtures)
from tests.test_admin_pages import ITEM


def members_of_every_kind(db) -> dict[str, dict]:
    """Four members on the roster: one the item reaches, and one left out for each reason."""
    people = {}
    with transaction(db):
        for key, openid, reachable in (("reached", "o_reached", 1), ("not_bound", None, 1),
                                       ("unfollowed", "o_gone", 0), ("not_subscribed", "o_quiet", 1)):
            people[key] = insert_member(db, {"name": f"会员{key}", "category": "regular", "openid": openid,
                                             "reachable": reachable, "member_no": f"HNKX2020{len(people):05d}"},
                                        actor="test")
    for key in ("reached", "unfollowed"):
        subscribe(db, people[key]["openid"], ["policy"])
    return people


def visible(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def test_the_reach_is_explained_by_reason(staff, db):
    members_of_every_kind(db)
    saved = post(staff, "/admin/news/new", ITEM)
    shown = visible(page(staff.get(saved.location)))
    assert "当前可送达 1 人：在册、已绑定微信、仍关注公众号，并订阅了所选栏目的会员（所选对象共 4 位在册会员）" in shown
    assert "另有 3 人收不到：1 人没有绑定微信，1 人已取消关注公众号，1 人没有订阅所选栏目" in shown


def test_uncertain_recipients_are_named_and_can_be_pushed_again(staff, db, redis_client):
    people = members_of_every_kind(db)
    saved = post(staff, "/admin/news/new", ITEM)
    item = db["newsletters"].rows_where("title = ?", [ITEM["title"]]).__next__()
    member = people["reached"]
    ledger.queue_deliveries(db, item["id"], [(member["openid"], member["id"])])
    rows = ledger.item_rows(item["id"], [member["openid"]])
    ledger.claim(db, rows, "dead", set())
    ledger.begin_sending(db, rows, "dead", "customer_service")
    ledger.settle(db, rows, "dead", "uncertain", r=redis_client)

    shown = visible(page(staff.get(saved.location)))
    assert f"不确定是否送达的会员（1）" in shown and f"会员reached（{member['member_no']}）" in shown
    assert "收件箱里未读" in shown
    done = post(staff, f"{saved.location}/resend-uncertain", follow_redirects=True)
    assert "已为 1 位不确定是否送达的会员重新排队推送" in visible(page(done))
    assert db["deliveries"].rows_where("item_id = ?", [item["id"]]).__next__()["status"] == "queued"
