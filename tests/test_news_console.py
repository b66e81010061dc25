"""A newsletter's page in the console says who can receive it and who cannot and why, and names the
members whose push is uncertain, with a way to push it to them again (issue 14)."""
from __future__ import annotations

import re

import pytest

from bot.delivery import planner
from bot.outbound import enqueue
from storage import deliveries as ledger
from storage.members import insert_member
from storage.news import subscribe
from storage.sqlite import transaction
from tests.member import Member
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
    item, rows = claimed_for_the_reached(db, people, "dead")
    member = people["reached"]
    ledger.begin_sending(db, rows, "dead", "customer_service")
    ledger.settle(db, rows, "dead", "uncertain", r=redis_client)

    shown = visible(page(staff.get(saved.location)))
    assert f"不确定是否送达的会员（1）" in shown and f"会员reached（{member['member_no']}）" in shown
    assert "收件箱里未读" in shown
    done = post(staff, f"{saved.location}/resend-uncertain", follow_redirects=True)
    assert "已为 1 位不确定是否送达的会员重新排队推送" in visible(page(done))
    assert db["deliveries"].rows_where("item_id = ?", [item["id"]]).__next__()["status"] == "queued"


# --- drafts: saving is not publishing; edit, withdraw; a re-submit is not a second item (console walk 10) ------

RESOLUTION = {"kind": "resolution", "title": "关于2027年会费标准的决议", "summary": "理事会表决通过",
              "body": "各位会员：理事会表决通过了2027年会费标准。"}


@pytest.fixture
def reader(client, config, db):
    insert_member(db, {"member_no": "HNKX202600009", "name": "马超", "category": "regular", "openid": "o_reader"},
                  actor="test")
    return Member(client, config, "o_reader")


def test_a_saved_item_reaches_members_only_when_sent(staff, db, reader):
    saved = post(staff, "/admin/news/new", RESOLUTION)
    assert "草稿" in page(staff.get(saved.location, follow_redirects=True))
    assert RESOLUTION["title"] not in reader.says("会讯")
    assert "草稿" in visible(page(staff.get("/admin/news/")))

    post(staff, f"{saved.location}/send")
    assert RESOLUTION["title"] in reader.says("会讯")


def test_the_same_form_sent_again_is_not_a_second_item(staff, db, reader):
    first = post(staff, "/admin/news/new", RESOLUTION)
    again = post(staff, "/admin/news/new", RESOLUTION)  # the browser's Back, then 保存并预览 again
    assert again.status_code == 302 and again.location == first.location
    assert "今天已保存过" in visible(page(staff.get(again.location)))
    changed = post(staff, "/admin/news/new", dict(RESOLUTION, body="另一段正文"))
    assert changed.status_code == 400 and "仍要保存" in page(changed)
    assert db["newsletters"].count_where("title = ?", [RESOLUTION["title"]]) == 1
    another = post(staff, "/admin/news/new", dict(RESOLUTION, body="另一段正文", another="1"))
    assert another.status_code == 302 and another.location.endswith("-2")


def test_a_draft_is_edited_or_withdrawn_but_a_sent_item_is_not(staff, db, reader):
    saved = post(staff, "/admin/news/new", dict(RESOLUTION, title="关于2027年会费标准的决意"))
    form = page(staff.get(f"{saved.location}/edit"))
    assert 'value="关于2027年会费标准的决意"' in form and "理事会表决通过了" in form
    post(staff, f"{saved.location}/edit", RESOLUTION)
    assert [row["title"] for row in db["newsletters"].rows] == [RESOLUTION["title"]]

    withdrawn = post(staff, f"{saved.location}/withdraw", follow_redirects=True)
    assert "已撤回" in visible(page(withdrawn))
    assert "不能发送" in visible(page(post(staff, f"{saved.location}/send", follow_redirects=True)))
    assert not db["deliveries"].count and RESOLUTION["title"] not in reader.says("会讯")

    sent = post(staff, "/admin/news/new", dict(RESOLUTION, title="第二条决议"))
    post(staff, f"{sent.location}/send")
    assert "不能再修改" in visible(page(staff.get(f"{sent.location}/edit", follow_redirects=True)))


def test_failed_recipients_are_named_with_why_and_can_be_tried_again(staff, db, redis_client):
    people = members_of_every_kind(db)
    subscribe(db, people["not_subscribed"]["openid"], ["policy"])
    saved = post(staff, "/admin/news/new", ITEM)
    item = db["newsletters"].rows_where("title = ?", [ITEM["title"]]).__next__()
    reached, other = people["reached"], people["not_subscribed"]
    ledger.queue_deliveries(db, item["id"], [(m["openid"], m["id"]) for m in (reached, other)])
    for member, errcode, errmsg in ((reached, None, "ConnectionError: api.weixin.qq.com"),
                                    (other, 48001, "api unauthorized")):
        rows = ledger.item_rows(item["id"], [member["openid"]])
        ledger.claim(db, rows, "w", set())
        ledger.begin_sending(db, rows, "w", "customer_service")
        ledger.settle(db, rows, "w", "failed", errcode=errcode, errmsg=errmsg)

    shown = visible(page(staff.get(saved.location)))
    assert "发送失败的会员（2）" in shown
    assert f"会员reached（{reached['member_no']}）" in shown and "连不上微信接口" in shown
    assert "没有这项接口权限" in shown
    done = post(staff, f"{saved.location}/retry-failed", follow_redirects=True)
    assert "已为 2 位发送失败的会员重新排队" in visible(page(done))
    assert {row["status"] for row in db["deliveries"].rows_where("item_id = ?", [item["id"]])} == {"queued"}


def claimed_for_the_reached(db, people, token: str) -> tuple[dict, ledger.Rows]:
    """The item's delivery to the member it reaches, claimed by the job of `token`: (item, its rows)."""
    item = db["newsletters"].rows_where("title = ?", [ITEM["title"]]).__next__()
    member = people["reached"]
    ledger.queue_deliveries(db, item["id"], [(member["openid"], member["id"])])
    rows = ledger.item_rows(item["id"], [member["openid"]])
    ledger.claim(db, rows, token, set())
    return item, rows


def reached_with_status(db, redis_client, people, status: str, errmsg: str | None = None) -> None:
    _, rows = claimed_for_the_reached(db, people, "job")
    ledger.settle(db, rows, "job", status, "customer_service", errmsg=errmsg, r=redis_client)


def test_those_waiting_for_a_retry_are_named_with_the_reason(staff, db, redis_client):
    """Delivery walk 11 #4: "2 人：微信暂时没有接收（微信返回 -1）" for one who only ever got HTTP 502, no names."""
    people = members_of_every_kind(db)
    saved = post(staff, "/admin/news/new", ITEM)
    reached_with_status(db, redis_client, people, "queued", errmsg="HTTP 502")
    shown = visible(page(staff.get(saved.location)))
    assert "1 人：上一次没有发出，后台会自动重试；" in shown
    item = db["newsletters"].rows_where("title = ?", [ITEM["title"]]).__next__()
    enqueue(redis_client, planner.deliver_batch, item["id"], [people["reached"]["openid"]], delay=300)  # RQ's retry
    shown = visible(page(staff.get(saved.location)))
    assert "1 人：上一次没有发出，后台会自动重试（下次约在 " in shown
    assert f"会员reached（{people['reached']['member_no']}）：微信接口出错（HTTP 502）" in shown
    assert "微信返回 -1" not in shown


def test_an_item_all_delivered_shows_no_reason_to_wait_and_no_resume(staff, db, redis_client):
    """Delivery walk 11 #7: an empty "还在排队的原因" and a 继续发送 button when nothing waited."""
    people = members_of_every_kind(db)
    saved = post(staff, "/admin/news/new", ITEM)
    reached_with_status(db, redis_client, people, "sent")
    shown = visible(page(staff.get(saved.location)))
    assert "已送达：1" in shown
    assert "还在排队的原因" not in shown and "继续发送" not in shown


def test_a_mass_send_without_wechats_answer_says_when_it_is_checked_not_click_resume(staff, db, redis_client):
    """Delivery walk 11 #3: WeChat took the mass send, its answer was lost, and a job is held to send it again
    under its clientmsgid: the page said "发送中断过…请点“继续发送”" for those 5 minutes."""
    people = members_of_every_kind(db)
    saved = post(staff, "/admin/news/new", ITEM)
    item, rows = claimed_for_the_reached(db, people, "ended")
    ledger.begin_sending(db, rows, "ended", "mass", "clientmsgid-1")
    enqueue(redis_client, planner.resend_mass, item["id"], "clientmsgid-1", delay=300)

    html = page(staff.get(saved.location))
    shown = visible(html)
    assert "1 人：群发已提交给微信，还没有得到微信的确认。后台将于" in shown and "用同一编号再提交一次核实" in shown
    assert "发送中断过" not in shown and re.search(r"data-resume\s+hidden", html)
