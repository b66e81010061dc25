"""Console walk 11, #10 and #11 through Flask's test client: the compose form's live count is the saved
item's, and a sent item with a wrong figure is withdrawn from members' 会讯 list and corrected by a new item."""
from __future__ import annotations

import re
from urllib.parse import unquote

from storage import deliveries as ledger
from storage.members import insert_member
from storage.news import find_item
from storage.sqlite import transaction
from tests.member import Member
from tests.test_admin import page, post, staff, units, users  # noqa: F401  (fixtures)
from tests.test_console_walk11 import exported_rows
from tests.test_news_console import RESOLUTION, visible


def _bound_members(db, count: int) -> None:
    with transaction(db):
        for i in range(count):
            insert_member(db, {"member_no": f"HNKX20260{i:04d}", "name": f"会员{i}", "category": "regular",
                               "openid": f"o_bound{i}"}, actor="test")
        insert_member(db, {"member_no": "HNKX202609999", "name": "没绑定", "category": "regular"}, actor="test")


def test_the_compose_form_counts_a_resolution_as_the_saved_item_does(staff, db):
    """"当前可送达：0" on the form whatever was ticked, and 当前可送达 4 人 once saved: a resolution goes to
    every bound member, subscribed or not, and the form counted it as a newsletter."""
    _bound_members(db, 4)
    for topics in ([], ["policy"]):
        counted = staff.get("/admin/news/count", query_string={"kind": "resolution", "topics": topics,
                                                                "title": "决议"})
        assert counted.get_json() == {"count": 4}, topics
    saved = post(staff, "/admin/news/new", RESOLUTION)
    assert "当前可送达 4 人" in visible(page(staff.get(saved.location)))
    newsletter = staff.get("/admin/news/count", query_string={"kind": "newsletter", "topics": ["policy"]})
    assert newsletter.get_json() == {"count": 0}  # nobody subscribes to 政策资讯


def test_a_sent_item_is_withdrawn_from_members_list_and_corrected_by_a_new_one(staff, db, client, config,
                                                                                redis_client):
    _bound_members(db, 2)
    reader = Member(client, config, "o_bound0")
    wrong = dict(RESOLUTION, title="关于调整2027年度会费标准的决议（修订）", body="普通会员会费 1000 元。")
    saved = post(staff, "/admin/news/new", wrong)
    post(staff, f"{saved.location}/send")
    shown = page(staff.get(saved.location))
    assert "data-sent-actions" in shown and "发更正" in shown and "/withdraw" in shown
    assert "已安排发给 2 人" in shown and "发给新可送达的会员" in shown  # #24: 发送 again sends to the newly reachable
    assert wrong["title"] in reader.says("会讯")

    sending = visible(page(post(staff, f"{saved.location}/withdraw", follow_redirects=True)))
    assert "还在发送中" in sending and wrong["title"] in reader.says("会讯")  # queued pushes would still go
    item_no = unquote(saved.location.rsplit("/", 1)[1])
    item = find_item(db, item_no)
    rows = ledger.item_rows(item["id"], ["o_bound0", "o_bound1"])
    ledger.claim(db, rows, "job", set())
    ledger.settle(db, rows, "job", "sent", "customer_service", r=redis_client)

    withdrawn = visible(page(post(staff, f"{saved.location}/withdraw", follow_redirects=True)))
    assert "已撤回" in withdrawn and "已推送的消息收不回来" in withdrawn
    assert wrong["title"] not in reader.says("会讯")
    assert find_item(db, item_no)["status"] == "withdrawn"

    form = page(staff.get("/admin/news/new", query_string={"correct": item_no}))
    assert 'value="更正：关于调整2027年度会费标准的决议（修订）"' in form and "普通会员会费 1000 元。" in form
    assert re.search(r'value="resolution"\s+checked', form)


def test_who_the_unbound_are_is_a_list_linked_from_the_item_and_the_dues_page_and_exported(staff, db):
    """"9 人没有绑定微信" and "未绑定微信 10 人" named nobody: the secretary could not ring or post to them."""
    _bound_members(db, 2)
    saved = post(staff, "/admin/news/new", RESOLUTION)
    shown = page(staff.get(saved.location))
    link = re.search(r'<a href="([^"]+)" data-unbound>', shown).group(1).replace("&amp;", "&")
    assert re.search(r'<a href="([^"]+)" data-unbound>', page(staff.get("/admin/dues/")))
    listed = page(staff.get(link))
    assert "没绑定" in listed and "会员0" not in listed and "会员1" not in listed
    rows = exported_rows(staff, status="active", wechat="unbound")
    assert [row[1] for row in rows[1:]] == ["没绑定"], rows


def test_a_withdrawn_item_waiting_unread_in_a_member_s_inbox_is_not_announced_or_listed(staff, db, client, config,
                                                                                      redis_client):
    """Withdrawing a sent item left it in the inbox of a member it had not reached: '您有 1 条未读会讯' listed
    its title on their next 会讯 and the 会讯 page showed it as unread."""
    _bound_members(db, 1)
    wrong = dict(RESOLUTION, title="关于调整2027年度会费标准的决议（修订）", body="普通会员会费 1000 元。")
    saved = post(staff, "/admin/news/new", wrong)
    post(staff, f"{saved.location}/send")
    item = find_item(db, unquote(saved.location.rsplit("/", 1)[1]))
    rows = ledger.item_rows(item["id"], ["o_bound0"])
    ledger.claim(db, rows, "job", set())
    ledger.settle(db, rows, "job", "inbox", r=redis_client)  # not reached: waits for the member's next message
    post(staff, f"{saved.location}/withdraw")
    assert find_item(db, item["item_no"])["status"] == "withdrawn"
    assert ledger.count_unread_inbox(db, "o_bound0") == 0
    assert wrong["title"] not in Member(client, config, "o_bound0").says("会讯")


def test_a_withdrawn_item_is_not_pushed_again_to_those_it_failed_or_is_unsure_of(staff, db, env, config,
                                                                                 redis_client):
    """A sent item withdrawn (cda009c) still offered 重试 and 重发 for the members it had failed to reach or was
    unsure of, and they, like `news retry-failed` and `news resend-uncertain`, pushed the withdrawn item again."""
    from tests.cli import command

    _bound_members(db, 2)
    saved = post(staff, "/admin/news/new", dict(RESOLUTION, title="会费标准（有误）", body="普通会员会费 1000 元。"))
    post(staff, f"{saved.location}/send")
    item = find_item(db, unquote(saved.location.rsplit("/", 1)[1]))
    for openid, status in (("o_bound0", "failed"), ("o_bound1", "uncertain")):
        rows = ledger.item_rows(item["id"], [openid])
        ledger.claim(db, rows, "job", set())
        ledger.settle(db, rows, "job", status, "customer_service", errcode=-1, errmsg="system error", r=redis_client)
    post(staff, f"{saved.location}/withdraw")
    shown = page(staff.get(saved.location))
    assert "/retry-failed" not in shown and "/resend-uncertain" not in shown
    for action in ("retry-failed", "resend-uncertain"):
        refused = visible(page(post(staff, f"{saved.location}/{action}", follow_redirects=True)))
        assert "已撤回，不能发送" in refused, action
        said = command("news")[0](env, action, item["item_no"], ok=False).output
        assert "已在网页后台撤回" in said, action
    counts = ledger.delivery_counts(db, item["id"])["status"]
    assert (counts.get("failed"), counts.get("uncertain"), counts.get("queued")) == (1, 1, None)
