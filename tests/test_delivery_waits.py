"""Nothing is lost when a worker dies before its request leaves (issue 14, "Data lost").

A delivery row is `sending` only while its HTTP request is out: a worker killed while it
waits for an access token (the refresh lock and the fetch) or for its rate-limit turn
leaves it `claimed`, and the next worker sends it. Whatever still ends `uncertain` (a
worker killed while WeChat had the request) waits in the member's inbox as unread, and
the secretariat sees those members and can push the item to them again.

Real `python -m bot worker` processes, real Redis and SQLite; the WeChat API is
tests/fake_wechat.py.
"""
from __future__ import annotations

import time

import pytest
from click.testing import CliRunner

from bot import content, delivery
from bot.delivery import planner
from bot.cli import main as cli_main
from storage import deliveries as ledger
from storage import state
from tests.member import Member
from tests.test_delivery import (  # noqa: F401  (config: fixture)
    CS,
    add_item,
    add_members,
    all_final,
    assert_exactly_once,
    config,
    finish,
    kill_with_its_processes,
    member_wrote,
    openids,
    rows,
    run_jobs,
    settings,
    start_worker,
    wait_until,
)

pytest_plugins = ["tests.fake_wechat"]


def delivered_or_unread(fake, db, item, openid) -> bool:
    """What the member can see: the item pushed to them once, or waiting unread in their inbox."""
    pushed = fake.delivered_counts()[openid] == 1
    unread = item in [row["item_id"] for row in delivery.unread_inbox(db, openid)]
    return pushed or unread


@pytest.mark.parametrize("waiting_for", ["token", "rate"])
def test_a_worker_killed_while_it_waits_to_send_loses_nothing(fake_wechat, config, env, db, redis_client,
                                                             monkeypatch, waiting_for):
    window, mass = openids("W", 3), openids("M", 3)
    recipients = add_members(db, window + mass)
    member_wrote(fake_wechat, redis_client, config, window)
    item = add_item(db)
    if waiting_for == "token":
        fake_wechat.delay_answers(60, endpoint="token")  # the fetch hangs (the client times out and retries)
    else:
        settings(env, monkeypatch, DELIVERY_RATE_PER_SECOND="0.05", DELIVERY_RATE_BURST="1")  # 20 s a turn
    delivery.enqueue_broadcast(db, redis_client, item, recipients)
    worker = start_worker(env)
    if waiting_for == "token":
        wait_until(lambda: fake_wechat.calls["token"] >= 1, 20, "the worker to ask for a token")
        time.sleep(0.5)
    else:
        wait_until(lambda: fake_wechat.calls["message/custom/send"] >= 1, 20, "the first send")
        time.sleep(1.0)  # the second customer-service send waits for its turn
    kill_with_its_processes(worker)
    sent_before_the_kill = fake_wechat.calls["message/custom/send"]
    assert sent_before_the_kill <= 1
    assert any(row["status"] == "claimed" for row in rows(db, item).values())  # not `sending`: nothing left

    fake_wechat.delay_answers(0, endpoint="token")
    settings(env, monkeypatch, DELIVERY_RATE_PER_SECOND="50", DELIVERY_RATE_BURST="10")
    time.sleep(config.delivery_lease_seconds + 0.5)  # the dead worker's lease runs out
    restarted = start_worker(env)
    try:
        wait_until(lambda: all_final(db, item), 40, "every row settled")
    finally:
        output = finish([restarted])
    got = assert_exactly_once(fake_wechat, db, item, recipients)
    assert not [openid for openid, row in got.items() if row["status"] == "uncertain"], output
    assert all(delivered_or_unread(fake_wechat, db, item, openid) for openid in window + mass)
    assert {openid for openid, row in got.items() if row["status"] == "sent"} == set(window + mass), output


def test_a_send_refused_then_retried_is_sending_only_while_its_request_is_out(fake_wechat, config, db,
                                                                             redis_client, monkeypatch):
    """Between attempts (WeChat answered -1, the client backs off) the row is back to `claimed`."""
    [(openid, member_id)] = recipients = add_members(db, openids("B", 1))
    member_wrote(fake_wechat, redis_client, config, [openid])
    item = add_item(db)
    seen = []
    from bot import wechat_client

    def backoff(retry):
        seen.append(rows(db, item)[openid]["status"])
        return 0.01

    monkeypatch.setattr(wechat_client, "backoff_seconds", backoff)
    fake_wechat.fail_next(1, -1, endpoint="message/custom/send")
    delivery.enqueue_broadcast(db, redis_client, item, recipients)
    run_jobs(config)
    assert seen == ["claimed"]
    assert rows(db, item)[openid]["status"] == "sent"
    assert fake_wechat.calls["message/custom/send"] == 2


def test_an_uncertain_send_waits_unread_in_the_inbox_and_the_secretariat_can_push_it_again(
        fake_wechat, config, db, redis_client, client):
    recipients = add_members(db, openids("U", 2))
    [first, second] = [openid for openid, _ in recipients]
    item = add_item(db)
    ledger.queue_deliveries(db, item, recipients)
    batch = ledger.item_rows(item, [first, second])
    ledger.claim(db, batch, "dead-token", set())
    ledger.begin_sending(db, ledger.item_rows(item, [first]), "dead-token", CS)  # died with it in flight
    planner.recover_at_start(config, redis_client)
    run_jobs(config)
    got = rows(db, item)
    assert got[first]["status"] == "uncertain"

    # The member sees it as unread the next time they write.
    assert [row["item_id"] for row in delivery.unread_inbox(db, first)] == [item]
    reply = Member(client, config, first).says("帮助")
    assert reply.endswith(content.text("inbox.unread", count=1))

    # The secretariat sees who, and can push it to them again.
    number = db["newsletters"].get(item)["item_no"]
    shown = CliRunner().invoke(cli_main, ["news", "status", number], catch_exceptions=False)
    assert content.replies()["news_cli"]["status"]["uncertain"] in shown.output
    assert content.text("news_cli.uncertain_hint", item_no=number) in shown.output
    member_wrote(fake_wechat, redis_client, config, [first])
    again = CliRunner().invoke(cli_main, ["news", "resend-uncertain", number], catch_exceptions=False)
    assert again.exit_code == 0, again.output
    run_jobs(config)
    assert rows(db, item)[first]["status"] == "sent"
    assert fake_wechat.delivered_counts()[first] == 1
