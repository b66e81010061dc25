"""The "nothing waiting" mark: a member whose last message found no waiting notice and no unread item
is not looked up again (two reads of the member store on every message), and every way a notice or
an item comes to wait in their inbox takes the mark down, so that the next message still tells them.

Each delivery path is driven as it happens (the fake WeChat refusing, timing out, a worker dying)
after the member's own message marked their inbox empty."""
from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from bot import content, delivery
from bot.delivery import planner
from storage import deliveries as ledger
from storage import state
from tests.member import Member
from tests.test_delivery import CS, MASS, add_item, add_members, config, openids, rows, run_jobs  # noqa: F401

pytest_plugins = ["tests.fake_wechat"]


def note(count: int) -> str:
    return content.text("inbox.unread", count=count)


def found_nothing(member: Member, r) -> None:
    """The member writes and hears of nothing waiting: their inbox is marked empty."""
    assert "未读会讯" not in member.says("帮助")
    assert r.get(state.inbox_mark_key(member.openid)) == state.INBOX_EMPTY.encode()


def members_who_found_nothing(client, config, db, r, prefix: str, n: int = 1):
    """`n` members who have written and found nothing waiting; their phones and (openid, id)s."""
    recipients = add_members(db, openids(prefix, n))
    members = [Member(client, config, openid) for openid, _ in recipients]
    for member in members:
        found_nothing(member, r)
    return members, recipients


def pushed(config, db, r, recipients) -> int:
    """A newsletter item broadcast to `recipients`, the delivery jobs run: its id."""
    item = add_item(db)
    delivery.enqueue_broadcast(db, r, item, recipients)
    run_jobs(config)
    return item


def window_used_up(r, openid: str) -> None:
    while state.take_service_window_message(r, openid):
        pass


def test_a_member_with_nothing_waiting_is_not_looked_up_again(fake_wechat, config, db, redis_client, client, app):
    [(openid, _)] = add_members(db, openids("E", 1))
    member = Member(client, config, openid)
    found_nothing(member, redis_client)
    services = app.extensions["services"]
    statements = []
    for store in (services.db, services.reader):
        store.conn.set_trace_callback(statements.append)
    try:
        assert "未读会讯" not in member.says("帮助")
    finally:
        for store in (services.db, services.reader):
            store.conn.set_trace_callback(None)
    assert not [sql for sql in statements if "from notices" in sql or "from deliveries" in sql]


def test_an_item_left_in_the_inbox_is_announced(fake_wechat, config, db, redis_client, client):
    """No window (used up) and a lone mass-quota holder: the item waits in the inbox."""
    [member], recipients = members_who_found_nothing(client, config, db, redis_client, "I")
    openid = member.openid
    window_used_up(redis_client, openid)
    item = pushed(config, db, redis_client, recipients)
    assert rows(db, item)[openid]["status"] == "inbox"
    assert member.says("帮助").endswith(note(1))


def test_a_customer_service_push_that_timed_out_is_announced(fake_wechat, config, db, redis_client, client):
    """WeChat carried the push out but answered too late: it may not have arrived (uncertain)."""
    [member], recipients = members_who_found_nothing(client, config, db, redis_client, "T")
    openid = member.openid
    fake_wechat.record_user_message(openid)
    fake_wechat.delay_answers(config.api_timeout_seconds + 1, endpoint="message/custom/send")
    item = pushed(config, db, redis_client, recipients)
    fake_wechat.delay_answers(0, endpoint="message/custom/send")
    assert rows(db, item)[openid]["status"] == "uncertain"
    assert member.says("帮助").endswith(note(1))


def test_a_push_a_worker_died_during_is_announced(fake_wechat, config, db, redis_client, client):
    [member], recipients = members_who_found_nothing(client, config, db, redis_client, "D")
    openid = member.openid
    item = add_item(db)
    ledger.queue_deliveries(db, item, recipients)
    batch = ledger.item_rows(item, [openid])
    ledger.claim(db, batch, "dead-token", set())
    ledger.begin_sending(db, batch, "dead-token", CS)
    planner.recover_at_start(config, redis_client)
    run_jobs(config)
    assert rows(db, item)[openid]["status"] == "uncertain"
    assert member.says("帮助").endswith(note(1))


def test_a_mass_send_too_old_to_send_again_is_announced(fake_wechat, config, db, redis_client, client):
    """A dead worker's mass send older than WeChat's clientmsgid memory cannot be sent again safely."""
    members, recipients = members_who_found_nothing(client, config, db, redis_client, "M", 2)
    item = add_item(db)
    ledger.queue_deliveries(db, item, recipients)
    batch = ledger.item_rows(item, [openid for openid, _ in recipients])
    ledger.claim(db, batch, "dead-token", set())
    ledger.begin_sending(db, batch, "dead-token", MASS, "clientmsgid-of-the-dead-job")
    long_ago = (datetime.now(planner.BEIJING) - planner.MASS_DEDUPE - timedelta(hours=1)).isoformat()
    db.execute("update deliveries set updated_at = ? where item_id = ?", [long_ago, item])
    planner.recover_at_start(config, redis_client)
    run_jobs(config)
    assert {row["status"] for row in rows(db, item).values()} == {"uncertain"}
    for member in members:
        assert member.says("帮助").endswith(note(1))


def test_a_notice_without_a_channel_goes_when_the_member_next_writes(fake_wechat, config, db, redis_client,
                                                                      client):
    [(openid, _)] = add_members(db, openids("N", 1))
    member = Member(client, config, openid)
    found_nothing(member, redis_client)
    window_used_up(redis_client, openid)
    fake_wechat.template_ids = set()  # the template was deleted in the console: 40037
    delivery.notify(redis_client, openid, "您的意见已处理", kind="ticket")
    run_jobs(config)
    assert db["notices"].get(1)["status"] == "inbox"

    fake_wechat.record_user_message(openid)
    member.says("你好")
    run_jobs(config)
    assert [message["text"]["content"] for message in fake_wechat.sent_to(openid)] == ["您的意见已处理"]


def test_what_lands_while_a_message_is_answered_is_not_hidden(redis_client):
    """The message read the member's inbox and found nothing; an item landed before its end: the
    mark it leaves must not say empty (the item's write took the mark down after its commit)."""
    openid = "o_race".ljust(28, "0")
    for landed in (False, True):
        turn = state.begin_message(redis_client, f"race-{landed}", openid, 60)
        state.seen_inbox_empty(turn)
        if landed:
            state.inbox_filled(redis_client, [openid])
        state.end_message(redis_client, turn, 60, f"race-{landed}", "<xml/>", 60)
        mark = redis_client.get(state.inbox_mark_key(openid))
        assert (mark == state.INBOX_EMPTY.encode()) is not landed


def test_nothing_puts_rows_in_the_inbox_without_taking_the_marks_down(db):
    with pytest.raises(ValueError):
        ledger.settle(db, ledger.notice_row("k"), "token", ledger.INBOX)
    with pytest.raises(ValueError):
        ledger.settle(db, ledger.notice_row("k"), "token", ledger.UNCERTAIN)
