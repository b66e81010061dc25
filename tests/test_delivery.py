"""The delivery layer against the fake WeChat API: channels, quotas, retries, rate, exactly once.

Jobs run in this process (RQ's SimpleWorker, burst) where a test is about
what is sent; real `python -m bot worker` processes where it is about
workers: sharing one rate, racing for one broadcast, dying mid-send.
"""
from __future__ import annotations

import inspect
import os
import signal
import subprocess
import sys
import time
from datetime import date, timedelta
from pathlib import Path

import pytest
from rq import Queue, SimpleWorker

from bot import content, delivery
from bot.delivery import planner
from bot.config import PROJECT_ROOT, load_config
from bot.outbound import QUEUE_NAME
from bot.wechat_client import WeChatAPIError
from bot.platform.accounts import make_client
from storage import deliveries as ledger
from storage import state
from storage.database import now_iso
from storage.members import find_member_by_openid, insert_member, update_member
from storage.sqlite import transaction
from tests.member import Member
from tests import redis_state

pytest_plugins = ["tests.fake_wechat"]

CS, MASS = planner.CUSTOMER_SERVICE, planner.MASS
FINAL = {"sent", "inbox", "unreachable", "failed", "uncertain"}


@pytest.fixture
def config(env, fake_wechat, monkeypatch):
    """The test's settings, in `env` for worker processes and in os.environ for jobs run here."""
    return settings(env, monkeypatch, WECHAT_API_TIMEOUT="2", WECHAT_API_MAX_RETRIES="2",
                    DELIVERY_LEASE_SECONDS="2", DELIVERY_BATCH_SIZE="10")


def settings(env: dict, monkeypatch, **overrides):
    env.update(overrides)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    return load_config(env)


def openids(prefix: str, n: int) -> list[str]:
    return [f"o{prefix}{i:04d}".ljust(28, "0") for i in range(n)]


def add_members(db, ids, reachable=True) -> list[tuple[str, int]]:
    with transaction(db):
        return [(openid, insert_member(db, {"openid": openid, "name": "会员", "category": "regular",
                                            "reachable": int(reachable)}, actor="test")["id"])
                for openid in ids]


def add_item(db, link="https://www.example.org/news/1") -> int:
    return db["newsletters"].insert({
        "item_no": f"n{time.monotonic_ns()}", "kind": "newsletter", "title": "省科技厅发布年度申报指南",
        "topics": '["policy"]', "summary": "5 月 31 日截止", "link": link, "status": "published",
        "created_at": now_iso()}).last_pk


def member_wrote(fake, r, config, ids) -> None:
    """What a member's message does: WeChat opens its window, our webhook hook records it."""
    for openid in ids:
        fake.record_user_message(openid)
        state.open_service_window(r, openid, "message", *config.cs_message_window)


def use_up_mass_quota(r, config, ids) -> None:
    for _ in range(config.mass_sends_per_month):
        state.reserve_mass_sends(r, planner.wechat_month(), ids, config.mass_sends_per_month)


def run_jobs(config) -> None:
    """Run every queued job here, as a burst worker would."""
    SimpleWorker([QUEUE_NAME], connection=state.connect_redis(config)).work(burst=True)


def rows(db, item_id) -> dict[str, dict]:
    return {row["openid"]: row for row in db["deliveries"].rows_where("item_id = ?", [item_id])}


def assert_exactly_once(fake, db, item_id, recipients) -> dict[str, dict]:
    """Every recipient's row is final; sent <=> WeChat has exactly one; uncertain: at most one."""
    got, counts = rows(db, item_id), fake.delivered_counts()
    assert set(got) == {openid for openid, _ in recipients}
    for openid, row in got.items():
        assert row["status"] in FINAL, row
        expected = {"sent": {1}, "uncertain": {0, 1}}.get(row["status"], {0})
        assert counts[openid] in expected, (row, counts[openid])
    assert max(counts.values(), default=0) <= 1
    return got


# --- channels -------------------------------------------------------------------------------------

def test_each_member_gets_the_channel_wechat_allows(fake_wechat, config, db, redis_client):
    window, spent, mass, no_quota = openids("W", 2), openids("S", 1), openids("M", 2), openids("Q", 1)
    gone = openids("G", 1)
    recipients = add_members(db, window + spent + mass + no_quota) + add_members(db, gone, reachable=False)
    member_wrote(fake_wechat, redis_client, config, window + spent)
    for _ in range(5):
        state.take_service_window_message(redis_client, spent[0])  # the window's 5 messages are used
    use_up_mass_quota(redis_client, config, no_quota)
    item = add_item(db)

    assert delivery.enqueue_broadcast(db, redis_client, item, recipients) == 7
    run_jobs(config)

    got = assert_exactly_once(fake_wechat, db, item, recipients)
    assert {o: (got[o]["status"], got[o]["channel"]) for o in got} == {
        **{o: ("sent", CS) for o in window}, **{o: ("sent", MASS) for o in spent + mass},
        no_quota[0]: ("inbox", None), gone[0]: ("unreachable", None)}
    card = fake_wechat.sent_to(window[0])[0]
    assert card["msgtype"] == "news" and card["news"]["articles"][0]["url"] == "https://www.example.org/news/1"
    [pushed] = fake_wechat.sent_to(mass[0])
    assert "省科技厅发布年度申报指南" in pushed["text"]["content"]
    assert fake_wechat.calls["message/mass/send"] == 1
    assert delivery.delivery_counts(db, item) == {
        "total": 7, "status": {"sent": 5, "inbox": 1, "unreachable": 1}, "channel": {CS: 2, MASS: 3}}
    assert redis_state.mass_sends_used(redis_client, planner.wechat_month(), mass[0]) == 1


def test_an_item_without_a_link_goes_as_text(fake_wechat, config, db, redis_client):
    [(openid, _)] = recipients = add_members(db, openids("X", 1))
    member_wrote(fake_wechat, redis_client, config, [openid])
    item = add_item(db, link=None)
    delivery.enqueue_broadcast(db, redis_client, item, recipients)
    run_jobs(config)
    [message] = fake_wechat.sent_to(openid)
    assert message["msgtype"] == "text" and "回复“会讯”查看全文" in message["text"]["content"]


def test_enqueue_again_never_doubles_rows_or_sends(fake_wechat, config, db, redis_client):
    recipients = add_members(db, openids("A", 12))
    item = add_item(db)
    assert delivery.enqueue_broadcast(db, redis_client, item, recipients) == 12
    assert delivery.enqueue_broadcast(db, redis_client, item, recipients) == 0
    assert Queue(QUEUE_NAME, connection=redis_client).count == 4  # 2 batches, queued twice
    run_jobs(config)
    assert delivery.enqueue_broadcast(db, redis_client, item, recipients) == 0
    run_jobs(config)
    assert_exactly_once(fake_wechat, db, item, recipients)
    assert fake_wechat.calls["message/mass/send"] == 2


def test_a_lone_quota_holder_waits_in_the_inbox(fake_wechat, config, db, redis_client):
    """WeChat's openid-list mass send needs two openids; the quota is not spent."""
    recipients = add_members(db, openids("L", 1))
    item = add_item(db)
    delivery.enqueue_broadcast(db, redis_client, item, recipients)
    run_jobs(config)
    assert rows(db, item)[recipients[0][0]]["status"] == "inbox"
    assert redis_state.mass_sends_used(redis_client, planner.wechat_month(), recipients[0][0]) == 0


def test_the_last_batch_never_leaves_one_member_alone_for_the_mass_send(fake_wechat, config, db, redis_client):
    """11 recipients in batches of 10: the eleventh was a batch alone, and a mass send needs two openids, so
    they waited in the inbox with their quota unspent while the ten got the push."""
    recipients = add_members(db, openids("E", 11))
    item = add_item(db)
    delivery.enqueue_broadcast(db, redis_client, item, recipients)
    run_jobs(config)
    got = assert_exactly_once(fake_wechat, db, item, recipients)
    assert {(row["status"], row["channel"]) for row in got.values()} == {("sent", MASS)}



def test_one_member_without_a_window_goes_by_mass_send_with_one_who_has_a_window(fake_wechat, config, db,
                                                                                  redis_client):
    """A batch of three, two of whom wrote to the account today: the third, alone without an open window, waited
    in the inbox with the month's mass sends unspent (no mass send carries one openid). One of the two now goes
    with them by mass send; when the third has no mass send left, both who wrote get the card as before."""
    wrote, silent, spent = openids("P", 2), openids("N", 1), openids("Z", 1)
    recipients = add_members(db, wrote + silent)
    member_wrote(fake_wechat, redis_client, config, wrote)
    item = add_item(db)
    delivery.enqueue_broadcast(db, redis_client, item, recipients)
    run_jobs(config)
    got = assert_exactly_once(fake_wechat, db, item, recipients)
    assert (got[silent[0]]["status"], got[silent[0]]["channel"]) == ("sent", MASS)
    assert sorted(got[o]["channel"] for o in wrote) == [CS, MASS]

    others = openids("R", 2)
    again = add_members(db, others + spent)
    member_wrote(fake_wechat, redis_client, config, others)
    use_up_mass_quota(redis_client, config, spent)
    delivery.enqueue_broadcast(db, redis_client, item, again)
    run_jobs(config)
    got = assert_exactly_once(fake_wechat, db, item, recipients + again)
    assert {o: (got[o]["status"], got[o]["channel"]) for o in others + spent} == {
        **{o: ("sent", CS) for o in others}, spent[0]: ("inbox", None)}

def test_unfollowed_during_the_send_43004_marks_the_member_unreachable(fake_wechat, config, db, redis_client):
    [(openid, _)] = recipients = add_members(db, openids("U", 1))
    member_wrote(fake_wechat, redis_client, config, [openid])
    fake_wechat.unfollow(openid)  # the unsubscribe event has not reached us yet
    item = add_item(db)
    delivery.enqueue_broadcast(db, redis_client, item, recipients)
    run_jobs(config)
    row = rows(db, item)[openid]
    assert (row["status"], row["errcode"]) == ("unreachable", 43004)
    assert find_member_by_openid(db, openid)["reachable"] == 0
    assert fake_wechat.calls["message/custom/send"] == 1


def test_window_closed_at_wechat_45015_falls_back_to_mass(fake_wechat, config, db, redis_client):
    stale, other = openids("F", 1), openids("O", 2)
    recipients = add_members(db, stale + other)
    state.open_service_window(redis_client, stale[0], "message", *config.cs_message_window)  # WeChat disagrees
    item = add_item(db)
    delivery.enqueue_broadcast(db, redis_client, item, recipients)
    run_jobs(config)
    got = assert_exactly_once(fake_wechat, db, item, recipients)
    assert (got[stale[0]]["status"], got[stale[0]]["channel"]) == ("sent", MASS)
    assert fake_wechat.calls["message/custom/send"] == 1


def test_system_busy_and_5xx_are_retried_and_delivered_once(fake_wechat, config, db, redis_client):
    window, mass = openids("W", 3), openids("M", 4)
    recipients = add_members(db, window + mass)
    member_wrote(fake_wechat, redis_client, config, window)
    fake_wechat.fail_next(2, errcode=-1, endpoint="message/custom/send")
    fake_wechat.fail_next_http(1, status=502, endpoint="message/mass/send")
    fake_wechat.overload(1, endpoint="message/mass/send")
    item = add_item(db)
    delivery.enqueue_broadcast(db, redis_client, item, recipients)
    run_jobs(config)
    got = assert_exactly_once(fake_wechat, db, item, recipients)
    assert {row["status"] for row in got.values()} == {"sent"}
    assert fake_wechat.calls["message/mass/send"] == 3


def test_a_mass_send_refused_past_the_retries_goes_back_to_the_queue_in_halves(fake_wechat, config, db,
                                                                              redis_client):
    """WeChat answered every try (-1): it sent nothing, so no clientmsgid binds the recipients (walk 12 #6:
    held `sending`, the same batch was resubmitted 32 times). Each half of the batch is a job of its own
    (halves of three or more: tests/test_delivery_walk12.py, the last try of a small one)."""
    recipients = add_members(db, openids("M", 6))
    fake_wechat.fail_next(3, errcode=-1, endpoint="message/mass/send")
    item = add_item(db)
    delivery.enqueue_broadcast(db, redis_client, item, recipients)
    run_jobs(config)
    got = assert_exactly_once(fake_wechat, db, item, recipients)
    assert {row["status"] for row in got.values()} == {"sent"}
    assert len({row["send_ref"] for row in got.values()}) == 2
    assert fake_wechat.calls["message/mass/send"] == 3 + 2
    assert fake_wechat.repeated_clientmsgids == []


def test_random_5xx_under_load_still_delivers_each_once(fake_wechat, config, env, db, redis_client, monkeypatch):
    settings(env, monkeypatch, WECHAT_API_MAX_RETRIES="5")
    window, mass = openids("W", 20), openids("M", 20)
    recipients = add_members(db, window + mass)
    member_wrote(fake_wechat, redis_client, config, window)
    fake_wechat.random_5xx(0.2, seed=7)
    item = add_item(db)
    delivery.enqueue_broadcast(db, redis_client, item, recipients)
    run_jobs(config)
    got = assert_exactly_once(fake_wechat, db, item, recipients)
    assert {row["status"] for row in got.values()} == {"sent"}
    refused = fake_wechat.calls["message/custom/send"] - 20 + fake_wechat.calls["message/mass/send"] - 2
    assert refused >= 3  # 503s did come, and each was tried again


def test_transient_failure_past_the_client_retries_goes_back_to_the_queue(fake_wechat, config, db, redis_client,
                                                                           monkeypatch):
    """-1 beyond the client's bounded retries: the row is queued again and RQ's retry delivers it."""
    monkeypatch.setattr("bot.outbound.RQ_RETRY_INTERVALS", (0, 0))
    [(openid, _)] = recipients = add_members(db, openids("B", 1))
    member_wrote(fake_wechat, redis_client, config, [openid])
    fake_wechat.fail_next(3, errcode=-1, endpoint="message/custom/send")
    item = add_item(db)
    delivery.enqueue_broadcast(db, redis_client, item, recipients)
    run_jobs(config)  # RQ runs the job again at once (intervals of 0)
    assert_exactly_once(fake_wechat, db, item, recipients)
    # attempts counts each request that left (each one `sending` only while it was out)
    assert (rows(db, item)[openid]["status"], rows(db, item)[openid]["attempts"]) == ("sent", 4)
    assert fake_wechat.calls["message/custom/send"] == 3 + 1


def test_token_invalidated_mid_broadcast_is_refreshed_once(fake_wechat, config, db, redis_client):
    window = openids("T", 8)
    recipients = add_members(db, window)
    member_wrote(fake_wechat, redis_client, config, window)
    fake_wechat.invalidate_tokens(after_calls=4)
    item = add_item(db)
    delivery.enqueue_broadcast(db, redis_client, item, recipients)
    run_jobs(config)
    got = assert_exactly_once(fake_wechat, db, item, recipients)
    assert {row["status"] for row in got.values()} == {"sent"}
    assert fake_wechat.token_fetches == 2
    assert fake_wechat.calls["message/custom/send"] == 8 + 1


# --- the inbox -------------------------------------------------------------------------------------

def test_the_inbox_is_announced_when_the_member_next_writes(fake_wechat, config, db, redis_client, client):
    [(openid, _)] = recipients = add_members(db, openids("I", 1))
    items = [add_item(db) for _ in range(3)]
    for item in items:
        delivery.enqueue_broadcast(db, redis_client, item, recipients)
    run_jobs(config)
    assert [row["item_id"] for row in delivery.unread_inbox(db, openid)] == items[::-1]

    member = Member(client, config, openid)
    reply = member.says("帮助")
    assert reply.endswith(content.text("inbox.unread", count=3))
    assert redis_state.service_window_messages_left(redis_client, openid) == 5  # the message opened the window

    delivery.mark_inbox_read(db, openid, items[:2])
    assert member.says("帮助").endswith(content.text("inbox.unread", count=1))
    delivery.mark_inbox_read(db, openid, items)
    assert "未读会讯" not in member.says("帮助")


# --- service notices -------------------------------------------------------------------------------

def test_notice_goes_by_customer_service_inside_the_window(fake_wechat, config, db, redis_client):
    [(openid, _)] = add_members(db, openids("N", 1))
    member_wrote(fake_wechat, redis_client, config, [openid])
    delivery.notify(redis_client, openid, "您的入会申请已通过\n会员编号 HNKX202600001", kind="approval")
    run_jobs(config)
    [message] = fake_wechat.sent_to(openid)
    assert message["channel"] == "customer_service" and "HNKX202600001" in message["text"]["content"]
    [notice] = db["notices"].rows
    assert (notice["status"], notice["channel"]) == ("sent", CS)


def test_each_message_keeps_the_window_open_48_hours_and_5_messages(config, redis_client, client):
    """A message reopens the member's window whole: refilled after a message of it was spent, and closing 48 h
    after the message, give or take state.WINDOW_SLACK_SECONDS (a window opened that little before is left as
    it is, not written again: it closes that much earlier than WeChat's, never later)."""
    openid = openids("K", 1)[0]
    key, (seconds, messages) = state.window_key(openid, "message"), config.cs_message_window
    member = Member(client, config, openid)

    member.says("帮助")
    assert redis_state.service_window_messages_left(redis_client, openid) == messages
    assert seconds * 1000 - 5000 < redis_client.pttl(key) <= seconds * 1000

    redis_client.pexpire(key, (seconds - state.WINDOW_SLACK_SECONDS // 2) * 1000)  # opened half the slack ago
    member.says("帮助")
    assert redis_client.pttl(key) <= (seconds - state.WINDOW_SLACK_SECONDS // 2) * 1000  # left as it is

    state.take_service_window_message(redis_client, openid)  # a notice went out meanwhile
    member.says("帮助")
    assert redis_state.service_window_messages_left(redis_client, openid) == messages
    assert seconds * 1000 - 5000 < redis_client.pttl(key) <= seconds * 1000

    redis_client.pexpire(key, (seconds - state.WINDOW_SLACK_SECONDS - 1) * 1000)  # opened past the slack ago
    member.says("帮助")
    assert seconds * 1000 - 5000 < redis_client.pttl(key) <= seconds * 1000


def test_a_click_keeps_its_short_window_within_a_tenth_of_it(config, redis_client, client):
    """The 1-minute window a menu click opens is left as it is only while it has lost under a tenth of it."""
    openid = openids("K", 2)[1]
    key, (seconds, messages) = state.window_key(openid, "event"), config.cs_event_window
    member = Member(client, config, openid)
    member.clicks("MENU_HELP")  # clicks of one key within a second are one click retried: three keys
    assert redis_client.get(key) == str(messages).encode() and redis_client.pttl(key) > (seconds - 5) * 1000
    redis_client.pexpire(key, int(seconds * 1000 * 0.95))
    member.clicks("MENU_EVENTS")
    assert redis_client.pttl(key) <= seconds * 1000 * 0.95
    redis_client.pexpire(key, int(seconds * 1000 * 0.85))
    member.clicks("MENU_FEES")
    assert redis_client.pttl(key) > (seconds - 5) * 1000


@pytest.mark.parametrize("window", ["none", "used up"])
def test_notice_goes_by_template_outside_the_window(fake_wechat, config, db, redis_client, window):
    [(openid, _)] = add_members(db, openids("N", 1))
    if window == "used up":
        member_wrote(fake_wechat, redis_client, config, [openid])
        for _ in range(5):
            state.take_service_window_message(redis_client, openid)
    delivery.notify(redis_client, openid, "会费即将到期\n请于 12 月 31 日前缴纳 100 元", kind="dues")
    run_jobs(config)
    [message] = fake_wechat.sent_to(openid)
    assert message["channel"] == "template" and message["template_id"] == "dev-dues-reminder-template"
    assert message["data"]["first"]["value"] == "会费即将到期"
    assert message["data"]["remark"]["value"] == "请于 12 月 31 日前缴纳 100 元"
    assert db["notices"].get(1)["channel"] == planner.TEMPLATE


def test_notice_without_a_channel_waits_and_goes_when_the_member_writes(fake_wechat, config, db, redis_client,
                                                                         client):
    [(openid, _)] = add_members(db, openids("N", 1))
    fake_wechat.template_ids = set()  # the template was deleted in the console: 40037
    delivery.notify(redis_client, openid, "您的意见已处理", kind="ticket")
    run_jobs(config)
    notice = db["notices"].get(1)
    assert (notice["status"], notice["errcode"]) == ("inbox", 40037)

    fake_wechat.record_user_message(openid)
    Member(client, config, openid).says("你好")
    run_jobs(config)
    [message] = fake_wechat.sent_to(openid)
    assert message["text"]["content"] == "您的意见已处理"
    assert db["notices"].get(1)["status"] == "sent"


@pytest.mark.parametrize("kind, text", [("dues", "会费即将到期\n请于 12 月 31 日前缴纳 100 元"),
                                        ("ticket", "您的诉求 FK202612070004 有了答复：明年将增加青年论坛。")],
                         ids=["dues", "ticket"])
def test_notice_failing_on_customer_service_goes_by_its_template(fake_wechat, config, db, redis_client,
                                                                 monkeypatch, kind, text):
    """Delivery walk 11 #1: -1 or HTTP 5xx on every customer-service try; the account has the template."""
    monkeypatch.setattr("bot.outbound.RQ_RETRY_INTERVALS", (0, 0))
    [(openid, _)] = add_members(db, openids("F", 1))
    member_wrote(fake_wechat, redis_client, config, [openid])
    fake_wechat.fail_next(30, errcode=-1, endpoint="message/custom/send")
    fake_wechat.fail_next_http(30, 502, endpoint="message/custom/send")
    delivery.notify(redis_client, openid, text, kind=kind)
    run_jobs(config)
    [message] = fake_wechat.sent_to(openid)
    assert message["channel"] == "template"
    assert (db["notices"].get(1)["status"], db["notices"].get(1)["channel"]) == ("sent", planner.TEMPLATE)


def _member_no_notice_reaches(fake_wechat, config, db, r, monkeypatch, prefix: str) -> str:
    """A member who wrote (the window open) and whom every channel fails for the next notices, RQ retrying at
    once; their openid."""
    monkeypatch.setattr("bot.outbound.RQ_RETRY_INTERVALS", (0, 0))
    [(openid, _)] = add_members(db, openids(prefix, 1))
    member_wrote(fake_wechat, r, config, [openid])
    fake_wechat.fail_next(100, errcode=-1, endpoint="message/custom/send")
    fake_wechat.fail_next(100, errcode=-1, endpoint="message/template/send")
    return openid


def test_notice_failing_on_every_channel_is_listed_failed_and_goes_when_the_member_writes(
        fake_wechat, config, db, redis_client, client, monkeypatch):
    """Delivery walk 11 #1: the job used to end "Successfully completed" with nothing shown anywhere."""
    openid = _member_no_notice_reaches(fake_wechat, config, db, redis_client, monkeypatch, "F")
    delivery.notify(redis_client, openid, "您的诉求有了答复", kind="ticket")
    run_jobs(config)
    assert fake_wechat.sent_to(openid) == []
    [failed] = delivery.failed_notices(db)
    assert (failed["openid"], failed["kind"], failed["errcode"]) == (openid, "ticket", -1)
    assert fake_wechat.calls["message/template/send"] >= 3  # every RQ try went on to the template

    fake_wechat.mend()
    fake_wechat.record_user_message(openid)
    Member(client, config, openid).says("你好")
    run_jobs(config)
    [message] = fake_wechat.sent_to(openid)
    assert message["text"]["content"] == "您的诉求有了答复"
    assert delivery.failed_notices(db) == []


class _Killed(BaseException):
    """The process ending where it stands (a deploy's restart, the OOM killer): no handler catches it."""


@pytest.mark.parametrize("killed", ["while queueing", "once queued"])
def test_a_retry_killed_midway_leaves_no_notice_that_is_never_sent(fake_wechat, config, db, redis_client,
                                                                  monkeypatch, killed):
    """全部重试 marked the failed notices queued and then put them in the queue: killed in between, they stayed
    queued in no queue, neither listed failed nor ever sent. Now killed at any point, a notice is sent by
    the job queued, or is still listed failed for the next retry."""
    openid = _member_no_notice_reaches(fake_wechat, config, db, redis_client, monkeypatch, "K")
    delivery.notify(redis_client, openid, "您的诉求有了答复", kind="ticket")
    run_jobs(config)
    assert [n["openid"] for n in delivery.failed_notices(db)] == [openid]
    fake_wechat.mend()
    queue = delivery.enqueue

    def dies(*args, **kwargs):
        if killed == "once queued":
            queue(*args, **kwargs)
        raise _Killed

    monkeypatch.setattr("bot.delivery.enqueue", dies)
    with pytest.raises(_Killed):
        delivery.retry_failed_notices(db, redis_client)
    monkeypatch.setattr("bot.delivery.enqueue", queue)
    run_jobs(config)
    if killed == "while queueing":
        assert [n["openid"] for n in delivery.failed_notices(db)] == [openid]  # still listed, for 全部重试
        assert delivery.retry_failed_notices(db, redis_client) == 1
        run_jobs(config)
    assert [m["text"]["content"] for m in fake_wechat.sent_to(openid)] == ["您的诉求有了答复"]
    assert delivery.failed_notices(db) == [] and db["notices"].get(1)["status"] == "sent"


def test_a_notice_sent_again_is_a_job_a_worker_of_either_version_runs(fake_wechat, config, db, redis_client,
                                                                     monkeypatch):
    """A notice sent again (全部重试, a member's next message) became a job of five arguments in a17617f
    (`retry`): a worker still running the code before it failed that job on each of RQ's tries ('takes 4
    positional arguments but 5 were given'), and the notice stayed queued in no queue. The retry rides in
    the job's meta now; its arguments are the four every worker takes. And the jobs queued before an
    upgrade still run: five arguments (a17617f's), four (the notice marked queued first, as before it)."""
    openid = _member_no_notice_reaches(fake_wechat, config, db, redis_client, monkeypatch, "V")
    for _ in range(3):
        delivery.notify(redis_client, openid, "您的诉求有了答复", kind="ticket")
    run_jobs(config)
    new, older, oldest = [n["key"] for n in delivery.failed_notices(db)]
    fake_wechat.mend()

    def deliver_notice(key, openid, text, kind):  # planner.deliver_notice as workers before a17617f have it
        """"""

    queue = Queue(QUEUE_NAME, connection=redis_client)
    assert delivery.retry_failed_notices(db, redis_client, key=new) == 1
    [job] = queue.jobs
    inspect.signature(deliver_notice).bind(*job.args, **job.kwargs)  # what such a worker calls
    queue.enqueue_call(planner.deliver_notice, (older, openid, "您的诉求有了答复", "ticket", True))
    ledger.requeue_notice(db, oldest)
    queue.enqueue_call(planner.deliver_notice, (oldest, openid, "您的诉求有了答复", "ticket"))
    run_jobs(config)
    assert [row["status"] for row in db["notices"].rows] == ["sent"] * 3
    assert len(fake_wechat.sent_to(openid)) == 3  # each once (its window spent by the failed tries: by template)


def test_a_waiting_notice_whose_queue_is_away_when_the_member_writes_goes_with_their_next_message(
        fake_wechat, config, db, redis_client, client, monkeypatch):
    """Their message marked the notices waiting for them queued, then queued the jobs: with Redis failing in
    between (or the process killed), they stayed queued in no queue, and no later message found them."""
    import redis

    openid = _member_no_notice_reaches(fake_wechat, config, db, redis_client, monkeypatch, "W")
    delivery.notify(redis_client, openid, "您的诉求有了答复", kind="ticket")
    run_jobs(config)
    fake_wechat.mend()
    queue = delivery.enqueue

    def away(*args, **kwargs):
        raise redis.ConnectionError("Redis went away")

    monkeypatch.setattr("bot.delivery.enqueue", away)
    fake_wechat.record_user_message(openid)
    assert Member(client, config, openid).says("你好")  # answered all the same
    monkeypatch.setattr("bot.delivery.enqueue", queue)
    Member(client, config, openid).says("在吗")
    run_jobs(config)
    assert "您的诉求有了答复" in [m.get("text", {}).get("content") for m in fake_wechat.sent_to(openid)]


def _failed_dues_reminder(fake_wechat, config, db, r, monkeypatch, days_ago: int = 0) -> tuple[str, int]:
    """A member whose dues run out in 20 days; the reminder queued for them `days_ago` failed on every channel."""
    from handlers.fees import reminders

    monkeypatch.setattr("bot.outbound.RQ_RETRY_INTERVALS", (0, 0))
    [(openid, member_id)] = add_members(db, openids("D", 1))
    today = date.today()
    with transaction(db):
        update_member(db, member_id, {"paid_through": (today + timedelta(days=20)).isoformat()}, actor="test")
    member_wrote(fake_wechat, r, config, [openid])
    fake_wechat.fail_next(100, errcode=-1, endpoint="message/custom/send")
    fake_wechat.fail_next(100, errcode=-1, endpoint="message/template/send")
    assert reminders.queue_reminders(db, r, today - timedelta(days=days_ago))["queued"] == 1
    run_jobs(config)
    assert [n["kind"] for n in delivery.failed_notices(db)] == ["dues"]
    fake_wechat.mend()
    return openid, member_id


def _sent_again(how: str, fake_wechat, config, db, r, client, env, openid: str) -> list[str]:
    """The failed notice sent again `how`: the member writes, the dashboard's 全部重试, `notices retry`."""
    if how == "writes":
        fake_wechat.record_user_message(openid)
        Member(client, config, openid).says("你好")
    elif how == "dashboard":
        delivery.retry_failed_notices(db, r)
    else:
        from tests.cli import command

        command("notices")[0](env, "retry")
    run_jobs(config)
    return [m.get("text", {}).get("content", "") for m in fake_wechat.sent_to(openid)]


@pytest.mark.parametrize("how", ["writes", "dashboard", "cli"])
def test_a_failed_dues_reminder_is_not_sent_to_a_member_who_has_paid_since(fake_wechat, config, db, redis_client,
                                                                          client, env, monkeypatch, how):
    """Since 86434ff a failed reminder went out when the member next wrote, however old, and 全部重试 resent it
    with its stored text: a member who had paid since was told to pay."""
    openid, member_id = _failed_dues_reminder(fake_wechat, config, db, redis_client, monkeypatch)
    with transaction(db):
        update_member(db, member_id, {"paid_through": f"{date.today().year + 2}-12-31"}, actor="test")
    sent = _sent_again(how, fake_wechat, config, db, redis_client, client, env, openid)
    assert not [text for text in sent if "到期" in text]
    assert delivery.failed_notices(db) == []  # nothing left for the secretariat to retry


@pytest.mark.parametrize("how", ["writes", "dashboard"])
def test_a_failed_dues_reminder_sent_days_later_says_the_days_left_then(fake_wechat, config, db, redis_client,
                                                                       client, env, monkeypatch, how):
    openid, _ = _failed_dues_reminder(fake_wechat, config, db, redis_client, monkeypatch, days_ago=3)
    sent = _sent_again(how, fake_wechat, config, db, redis_client, client, env, openid)
    [reminder] = [text for text in sent if "到期" in text]
    assert "还有 20 天" in reminder


@pytest.mark.parametrize("how", ["writes", "dashboard"])
def test_a_failed_dues_notice_that_is_no_reminder_goes_out_as_it_was(fake_wechat, config, db, redis_client, client,
                                                                     env, monkeypatch, how):
    """A WeChat Pay refund's notice is of kind dues with a key of its own, no reminder's: read as a reminder's
    key (fee4b4a) it raised ValueError, the dashboard's 全部重试 a 500, and the notices taken for it stayed queued
    in no queue."""
    openid = _member_no_notice_reaches(fake_wechat, config, db, redis_client, monkeypatch, "R")
    delivery.notify(redis_client, openid, "退款通知\n您的会费退款 200 元已原路退回", kind="dues")
    run_jobs(config)
    assert [n["kind"] for n in delivery.failed_notices(db)] == ["dues"]
    fake_wechat.mend()
    sent = _sent_again(how, fake_wechat, config, db, redis_client, client, env, openid)
    assert [text for text in sent if "退款 200 元已原路退回" in text]
    assert delivery.failed_notices(db) == []


def test_notice_to_an_unfollowed_member_is_not_sent(fake_wechat, config, db, redis_client):
    [(openid, _)] = add_members(db, openids("N", 1), reachable=False)
    delivery.notify(redis_client, openid, "活动提醒")
    run_jobs(config)
    assert db["notices"].get(1)["status"] == "unreachable"
    assert fake_wechat.sent == []


def test_every_template_kind_fills_its_fields():
    for kind in ("service", "approval", "dues", "event", "ticket", "no-such-kind"):
        template_id, data, _ = planner.template_message(kind, "第一行\n第二行")
        assert template_id and data["first"]["value"] == "第一行" and data["remark"]["value"] == "第二行"


# --- tags and mass send by tag ------------------------------------------------------------------------

def test_trap_wechatpy_mass_send_by_tag_posts_group_id(fake_wechat, config, redis_client):
    """wechatpy 1.8.18 sends filter.group_id, which the API refuses; ours sends filter.tag_id."""
    wechat = make_client(config, redis_client)
    tag_id = wechat.create_tag("会讯订阅-policy")["id"]
    wechat.tag_users(tag_id, openids("T", 2))
    with pytest.raises(WeChatAPIError) as failure:
        wechat.message.send_mass_text(tag_id, "你好")
    assert failure.value.errcode == 40050
    assert wechat.mass_send_by_tag(tag_id, {"msgtype": "text", "text": {"content": "你好"}}, "ref1")["errcode"] == 0
    assert sorted(fake_wechat.delivered_counts()) == openids("T", 2)


def test_tags_follow_subscriptions_and_a_whole_tag_is_sent_by_tag(fake_wechat, config, db, redis_client):
    members = openids("P", 4)
    recipients = add_members(db, members)
    for openid in members:
        delivery.sync_tags_later(redis_client, openid, ["policy", "talent"])
    delivery.sync_tags_later(redis_client, members[3], ["talent"])  # changed their mind before it ran
    run_jobs(config)
    assert fake_wechat.tags_of(members[0]) == {"会讯订阅-policy", "会讯订阅-talent"}
    assert fake_wechat.tags_of(members[3]) == {"会讯订阅-talent"}
    assert state.tag_syncs_pending(redis_client) == 0

    item = add_item(db)
    delivery.enqueue_broadcast(db, redis_client, item, recipients[:3])  # exactly the policy tag
    run_jobs(config)
    got = assert_exactly_once(fake_wechat, db, item, recipients[:3])
    assert {row["channel"] for row in got.values()} == {planner.MASS_BY_TAG}
    assert fake_wechat.calls["message/mass/sendall"] == 1 and fake_wechat.calls["message/mass/send"] == 0

    delivery.sync_tags_later(redis_client, members[0], [])
    other = add_item(db)
    delivery.enqueue_broadcast(db, redis_client, other, recipients[:3])  # the tag is no longer exactly them
    run_jobs(config)
    assert {row["channel"] for row in rows(db, other).values()} == {MASS}
    assert fake_wechat.tags_of(members[0]) == set()


def test_monthly_quota_is_counted_per_member_and_wechat_agrees(fake_wechat, config, db, redis_client):
    recipients = add_members(db, openids("Q", 3))
    sent = []
    for _ in range(5):
        item = add_item(db)
        delivery.enqueue_broadcast(db, redis_client, item, recipients)
        run_jobs(config)
        sent.append({row["status"] for row in rows(db, item).values()})
    assert sent == [{"sent"}] * 4 + [{"inbox"}]
    assert fake_wechat.filtered == []  # we never asked WeChat for a fifth
    assert set(fake_wechat.delivered_counts().values()) == {4}


# --- exactly once when a send's outcome was lost ----------------------------------------------------

@pytest.mark.parametrize("reached_wechat", [True, False])
def test_a_lost_mass_send_is_sent_again_with_its_clientmsgid(fake_wechat, config, db, redis_client,
                                                              reached_wechat):
    """A worker died after marking a mass send `sending`: WeChat may or may not have it."""
    recipients = add_members(db, openids("R", 3))
    item = add_item(db)
    ledger.queue_deliveries(db, item, recipients)
    batch = ledger.item_rows(item, [openid for openid, _ in recipients])
    ledger.claim(db, batch, "dead-token", set())
    ledger.begin_sending(db, batch, "dead-token", MASS, "clientmsgid-of-the-dead-job")
    if reached_wechat:
        make_client(config, redis_client).mass_send_by_openids(
            [openid for openid, _ in recipients], {"msgtype": "text", "text": {"content": "x"}},
            "clientmsgid-of-the-dead-job")

    assert planner.recover_at_start(config, redis_client) == 3
    run_jobs(config)

    got = assert_exactly_once(fake_wechat, db, item, recipients)
    assert {row["status"] for row in got.values()} == {"sent"}
    assert fake_wechat.calls["message/mass/send"] == 1 + reached_wechat
    assert fake_wechat.repeated_clientmsgids == ["clientmsgid-of-the-dead-job"] * reached_wechat


def test_a_lost_customer_service_send_is_uncertain_not_repeated(fake_wechat, config, db, redis_client):
    recipients = add_members(db, openids("C", 2))
    member_wrote(fake_wechat, redis_client, config, [openid for openid, _ in recipients])
    item = add_item(db)
    ledger.queue_deliveries(db, item, recipients)
    batch = ledger.item_rows(item, [openid for openid, _ in recipients])
    ledger.claim(db, batch, "dead-token", set())
    ledger.begin_sending(db, ledger.item_rows(item, [recipients[0][0]]), "dead-token", CS)

    planner.recover_at_start(config, redis_client)
    run_jobs(config)

    got = rows(db, item)
    assert got[recipients[0][0]]["status"] == "uncertain"
    assert (got[recipients[1][0]]["status"], got[recipients[1][0]]["channel"]) == ("sent", CS)
    assert fake_wechat.calls["message/custom/send"] == 1
    assert delivery.delivery_counts(db, item)["status"] == {"uncertain": 1, "sent": 1}


def test_resume_queues_rows_whose_jobs_were_lost(fake_wechat, config, db, redis_client):
    """The rows were written but the process died before the jobs were queued."""
    recipients = add_members(db, openids("L", 12))
    item = add_item(db)
    ledger.queue_deliveries(db, item, recipients)
    assert delivery.resume_broadcast(db, redis_client, item) == 12
    run_jobs(config)
    assert_exactly_once(fake_wechat, db, item, recipients)
    assert delivery.resume_broadcast(db, redis_client, item) == 0


def test_while_live_jobs_hold_rows_recovery_looks_again_one_lease_later(config, db, redis_client):
    recipients = add_members(db, openids("H", 2))
    item = add_item(db)
    ledger.queue_deliveries(db, item, recipients)
    state.hold_lease(redis_client, "live-token", 60)
    ledger.claim(db, ledger.item_rows(item, [recipients[0][0]]), "live-token", set())
    ledger.claim(db, ledger.item_rows(item, [recipients[1][0]]), "dead-token", set())
    assert planner.recover_at_start(config, redis_client) == 1
    assert planner.recover_at_start(config, redis_client) == 1  # queued again: harmless, the claim decides
    queue = Queue(QUEUE_NAME, connection=redis_client)
    [later] = [queue.fetch_job(job_id) for job_id in queue.scheduled_job_registry.get_job_ids()]
    assert later.func is planner.recover_later
    assert [job.args for job in queue.jobs] == [(item, [recipients[1][0]])] * 2


# --- workers --------------------------------------------------------------------------------------------

def start_worker(env: dict, burst: bool = False) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "bot", "worker", *(["--burst"] if burst else [])],
                            env=env, cwd=PROJECT_ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


def finish(procs) -> str:
    """Stop the workers (SIGTERM) and return what they printed. One still running 30 s later fails the test as
    before, but is killed first with everything it started: left running, it went on taking the jobs of every
    later test in the same pytest process from the shared Redis (a fresh-clone suite saw 17 failures so)."""
    output = ""
    for proc in procs:
        if proc.poll() is None:
            proc.terminate()
        try:
            output += proc.communicate(timeout=30)[0]
        except subprocess.TimeoutExpired:
            kill_with_its_processes(proc)
            proc.communicate()
            raise
    return output


def finish_in_time(procs, timeout: float) -> str:
    for proc in procs:
        proc.wait(timeout=timeout)
    return finish(procs)


def kill_with_its_processes(proc: subprocess.Popen) -> None:
    """SIGKILL a worker and everything it started (its job's work horse, its scheduler), as a crash would."""
    family, found = {proc.pid}, True
    while found:
        found = False
        for stat in Path("/proc").glob("[0-9]*/stat"):
            try:
                fields = stat.read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            pid = int(stat.parent.name)
            if int(fields[1]) in family and pid not in family:
                family.add(pid)
                found = True
    for pid in family:
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    proc.wait(timeout=10)


def wait_until(condition, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.05)


def all_final(db, item) -> bool:
    return all(row["status"] in FINAL for row in rows(db, item).values())


def test_two_workers_share_one_rate_limit(fake_wechat, config, env, db, redis_client, monkeypatch):
    settings(env, monkeypatch, DELIVERY_RATE_PER_SECOND="10", DELIVERY_RATE_BURST="4", DELIVERY_BATCH_SIZE="5")
    fake_wechat.calls_per_second = 10 + 4  # WeChat would refuse a faster pace with 45009
    window = openids("R", 40)
    recipients = add_members(db, window)
    member_wrote(fake_wechat, redis_client, config, window)
    item = add_item(db)
    delivery.enqueue_broadcast(db, redis_client, item, recipients)
    workers = [start_worker(env, burst=True) for _ in range(2)]
    output = finish_in_time(workers, 40)
    got = assert_exactly_once(fake_wechat, db, item, recipients)
    assert {row["status"] for row in got.values()} == {"sent"}, output
    assert fake_wechat.max_calls_in(1.0) <= 10 + 4
    assert fake_wechat.calls["message/custom/send"] == 40  # none refused, none repeated


def test_two_workers_racing_on_one_broadcast_send_each_once(fake_wechat, config, env, db, redis_client):
    window, mass = openids("W", 30), openids("M", 30)
    recipients = add_members(db, window + mass)
    member_wrote(fake_wechat, redis_client, config, window)
    item = add_item(db)
    for _ in range(3):  # every batch queued three times over: the workers race for each row
        delivery.enqueue_broadcast(db, redis_client, item, recipients)
    workers = [start_worker(env, burst=True) for _ in range(2)]
    output = finish_in_time(workers, 40)
    got = assert_exactly_once(fake_wechat, db, item, recipients)
    assert {row["status"] for row in got.values()} == {"sent"}, output
    assert fake_wechat.calls["message/mass/send"] == 3  # one per batch of ten


@pytest.mark.parametrize("endpoint", ["message/custom/send", "message/mass/send"])
def test_a_worker_killed_waiting_on_wechat_is_recovered_exactly_once(fake_wechat, config, env, db, redis_client,
                                                                     endpoint):
    """SIGKILL while WeChat has carried out a send but not answered: the one irreducible window.

    A customer-service send in it becomes `uncertain` (and WeChat did deliver it);
    a mass send is sent again with its clientmsgid and WeChat delivers it once.
    """
    window, mass = openids("W", 12), openids("M", 12)
    recipients = add_members(db, window + mass)
    member_wrote(fake_wechat, redis_client, config, window)
    item = add_item(db)
    delivery.enqueue_broadcast(db, redis_client, item, recipients)
    fake_wechat.delay_answers(60, endpoint=endpoint)
    worker = start_worker(env)
    wait_until(lambda: fake_wechat.calls[endpoint] >= 1, 20, "a send in flight")
    kill_with_its_processes(worker)
    fake_wechat.delay_answers(0, endpoint=endpoint)
    time.sleep(config.delivery_lease_seconds + 0.5)  # the dead worker's lease runs out

    restarted = start_worker(env)
    try:
        wait_until(lambda: all_final(db, item), 30, "every row settled")
    finally:
        output = finish([restarted])
    got = assert_exactly_once(fake_wechat, db, item, recipients)
    uncertain = {openid for openid, row in got.items() if row["status"] == "uncertain"}
    delivered = fake_wechat.delivered_counts()
    if endpoint == "message/custom/send":
        assert len(uncertain) == 1 and all(delivered[openid] == 1 for openid in uncertain), output
    else:
        assert not uncertain, output
        assert len(fake_wechat.repeated_clientmsgids) == 1  # the dead worker's send, sent again: 45065
    assert {openid for openid, row in got.items() if row["status"] == "sent"} | uncertain == set(window + mass)


def test_a_worker_killed_at_a_random_moment_loses_and_doubles_nothing(fake_wechat, config, env, db, redis_client):
    window, mass = openids("W", 60), openids("M", 60)
    recipients = add_members(db, window + mass)
    member_wrote(fake_wechat, redis_client, config, window)
    item = add_item(db)
    delivery.enqueue_broadcast(db, redis_client, item, recipients)
    fake_wechat.set_delay(0.02)
    victim, survivor = start_worker(env), start_worker(env)
    wait_until(lambda: len(fake_wechat.sent) >= 25, 20, "the broadcast under way")
    kill_with_its_processes(victim)
    time.sleep(config.delivery_lease_seconds + 0.5)
    restarted = start_worker(env)
    try:
        wait_until(lambda: all_final(db, item), 90, "every row settled")
    finally:
        output = finish([survivor, restarted])
    got = assert_exactly_once(fake_wechat, db, item, recipients)
    uncertain = [openid for openid, row in got.items() if row["status"] == "uncertain"]
    assert len(uncertain) <= 1, output  # at most the one customer-service send in flight
    assert {row["status"] for row in got.values()} <= {"sent", "uncertain"}


def test_a_societys_job_keeps_its_lease_while_it_runs_longer_than_one(config, redis_client):
    """A platform society's delivery job renews its lease in the society's namespace. It renewed
    the single account's key instead (its keeper thread did not inherit the namespace), so the lease
    of any society job longer than DELIVERY_LEASE_SECONDS ran out while it ran, and recovery handed
    its rows to another job: the same members sent the item twice."""
    from bot.delivery.worker import leased_run
    from storage.accounts import serving_account

    with serving_account("wxc4e0000000000001", config.data_dir):
        with leased_run() as run:
            time.sleep(config.delivery_lease_seconds * 2.5)
            assert state.live_leases(redis_client, {run.token}) == {run.token}
        assert state.live_leases(redis_client, {run.token}) == set()  # ended with the job
