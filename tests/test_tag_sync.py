"""Tag mirroring never stalls sends by tag for good (issue 14, "Data lost").

While a tag sync is unfinished no newsletter goes by tag. A sync that fails for good
or whose worker is killed must stop counting as unfinished; the member's tag record
then stays unlike their subscriptions (changed only after WeChat confirmed), so
nothing goes by that tag until a later sync of theirs succeeds, and every other
topic's tag sends carry on.
"""
from __future__ import annotations

from bot import delivery
from storage import state
from tests.test_delivery import (  # noqa: F401  (config: fixture)
    add_item,
    add_members,
    config,
    kill_with_its_processes,
    openids,
    rows,
    run_jobs,
    start_worker,
    wait_until,
)

pytest_plugins = ["tests.fake_wechat"]


def subscribe(r, members, topic="policy") -> None:
    for openid in members:
        delivery.sync_tags_later(r, openid, [topic])


def test_a_tag_sync_refused_for_good_stops_holding_sends_by_tag(fake_wechat, config, db, redis_client):
    members = openids("T", 3)
    recipients = add_members(db, members)
    subscribe(redis_client, members)
    run_jobs(config)
    assert state.tag_syncs_pending(redis_client) == 0

    late = openids("L", 1)
    add_members(db, late)
    fake_wechat.fail_next(1, 45159, endpoint="tags/members/batchtagging")  # refused: not worth a retry
    subscribe(redis_client, late)
    run_jobs(config)
    assert fake_wechat.tags_of(late[0]) == set()
    assert state.tag_syncs_pending(redis_client) == 0

    # The three whose tags are in step still get the topic's newsletter by tag.
    item = add_item(db)
    delivery.enqueue_broadcast(db, redis_client, item, recipients)
    run_jobs(config)
    assert fake_wechat.calls["message/mass/sendall"] == 1
    assert {row["status"] for row in rows(db, item).values()} == {"sent"}


def test_a_tag_sync_whose_worker_is_killed_stops_counting_when_its_lease_runs_out(fake_wechat, config, env, db,
                                                                                  redis_client):
    members = openids("K", 2)
    add_members(db, members)
    fake_wechat.delay_answers(60, endpoint="tags/members/batchtagging")
    subscribe(redis_client, members[:1])
    worker = start_worker(env)
    wait_until(lambda: fake_wechat.calls["tags/members/batchtagging"] >= 1, 20, "the sync to call WeChat")
    kill_with_its_processes(worker)
    fake_wechat.delay_answers(0, endpoint="tags/members/batchtagging")
    assert state.tag_syncs_pending(redis_client) == 1  # its lease has not run out yet
    wait_until(lambda: state.tag_syncs_pending(redis_client) == 0, config.delivery_lease_seconds + 5,
               "the dead sync to stop counting")
    # WeChat did tag the member, but we never heard: our record does not claim it.
    assert not state.is_tagged(redis_client, "policy", members[0])


def test_an_untag_that_fails_leaves_no_send_by_tag_reaching_the_member(fake_wechat, config, db, redis_client):
    members = openids("U", 3)
    recipients = add_members(db, members)
    subscribe(redis_client, members)
    run_jobs(config)
    fake_wechat.fail_next(1, 45159, endpoint="tags/members/batchuntagging")
    delivery.sync_tags_later(redis_client, members[0], [])  # unsubscribes; WeChat refuses the untag
    run_jobs(config)
    assert state.tag_syncs_pending(redis_client) == 0
    assert fake_wechat.tags_of(members[0]) == {"会讯订阅-policy"}  # still tagged at WeChat

    item = add_item(db)
    delivery.enqueue_broadcast(db, redis_client, item, recipients[1:])
    run_jobs(config)
    assert fake_wechat.calls["message/mass/sendall"] == 0  # by tag it would reach members[0] too
    assert fake_wechat.delivered_counts()[members[0]] == 0
    assert {row["status"] for row in rows(db, item).values()} == {"sent"}  # by openid list instead
