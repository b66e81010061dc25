"""What the second delivery walk (/work/qa/delivery12.md) found, against the fake WeChat API."""
from __future__ import annotations

import pytest

from bot import content, delivery
from bot.delivery import planner
from storage import deliveries as ledger
from tests.test_delivery import (MASS, add_item, add_members, assert_exactly_once, config, openids,  # noqa: F401
                                 rows, run_jobs, settings)

pytest_plugins = ["tests.fake_wechat"]


@pytest.fixture
def quick_retries(env, fake_wechat, monkeypatch):
    """RQ runs a job again at once (intervals of 0), with a mass batch of 25 as in the walk and no
    minute's wait between mass sends (WeChat allows 60 a minute)."""
    monkeypatch.setattr("bot.outbound.RQ_RETRY_INTERVALS", (0, 0))
    fake_wechat.mass_calls_per_minute = None
    return settings(env, monkeypatch, DELIVERY_BATCH_SIZE="25", MASS_SEND_PER_MINUTE="6000")


def test_members_whose_sends_always_fail_do_not_hold_their_mass_batch(fake_wechat, config, quick_retries, db,
                                                                       redis_client):
    """Walk 12 #6: 3 of a mass batch of 25 answered HTTP 502 whatever was sent; the batch was resubmitted
    32 times and the 22 healthy members never got the item, then all 25 were 'uncertain, the connection
    broke'. The healthy ones are sent; the failing ones failed, with WeChat's answer."""
    everyone = openids("M", 25)
    failing = [everyone[2], everyone[11], everyone[20]]
    recipients = add_members(db, everyone)
    fake_wechat.fail_for(failing, 502)
    item = add_item(db)
    delivery.enqueue_broadcast(db, redis_client, item, recipients)
    run_jobs(quick_retries)

    got = assert_exactly_once(fake_wechat, db, item, recipients)
    assert {got[openid]["status"] for openid in failing} == {"failed"}
    failed = delivery.recipients_in(db, item, "failed")
    assert {row["why"] for row in failed} == {"微信接口出错（HTTP 502），重试几次后仍未发出"}
    healthy_sent = [openid for openid in everyone if openid not in failing and got[openid]["status"] == "sent"]
    # A mass send needs two openids: a failing member may take down the one or two sharing its last send.
    assert len(healthy_sent) >= 22 - 2 * len(failing)
    assert {got[openid]["channel"] for openid in healthy_sent} == {MASS}
    assert "uncertain" not in {row["status"] for row in got.values()}


def test_a_resolution_pushed_by_mass_send_is_marked_as_one(fake_wechat, config, db, redis_client):
    """Walk 12 #10: a resolution went by mass send as '【会讯】…' while the member's list shows '【决议】…'."""
    recipients = add_members(db, openids("R", 2))
    item = add_item(db)
    db["newsletters"].update(item, {"kind": "resolution", "title": "关于调整会费标准的决议"})
    delivery.enqueue_broadcast(db, redis_client, item, recipients)
    run_jobs(config)
    assert {message["text"]["content"].split("\n")[0] for message in fake_wechat.sent} == {
        "【决议】关于调整会费标准的决议"}


def test_a_dead_workers_mass_send_refused_again_is_uncertain_for_that_and_resent_apart(
        fake_wechat, config, quick_retries, db, redis_client):
    """Walk 12 #6: a mass send whose worker died, resent with its clientmsgid (WeChat sends it at most once)
    and answered HTTP 502 each time, was 'uncertain: the connection broke'; `news resend-uncertain` then
    built the same failing batch again. Uncertain it is (the first send may have gone), for what happened;
    sent again, the healthy ones get it and the failing one fails."""
    everyone = openids("D", 6)
    recipients = add_members(db, everyone)
    item = add_item(db)
    ledger.queue_deliveries(db, item, recipients)
    batch = ledger.item_rows(item, everyone)
    ledger.claim(db, batch, "dead-token", set())
    ledger.begin_sending(db, batch, "dead-token", MASS, "clientmsgid-of-the-dead-job")
    fake_wechat.fail_for([everyone[4]], 502)

    planner.recover_at_start(quick_retries, redis_client)
    run_jobs(quick_retries)
    uncertain = delivery.recipients_in(db, item, "uncertain")
    assert len(uncertain) == 6
    assert {row["why"] for row in uncertain} == {content.text("delivery_reasons.uncertain_resent")}

    assert delivery.resend(db, redis_client, item, "uncertain") == 6
    run_jobs(quick_retries)
    got = assert_exactly_once(fake_wechat, db, item, recipients)
    assert got[everyone[4]]["status"] == "failed"
    assert sum(row["status"] == "sent" for row in got.values()) >= 6 - 1 - 2
