"""Fair workers across many busy societies (docs/platform.md, "Fair workers"): a society's notice
does not wait for its turn among every society's broadcast batches. Measured before the fix: during
a province-wide notice to 150 societies the smallest society's notices went out 115 s after they
were queued (median), 476 s at worst (docs/benchmarks.md); each waited for a batch of every busy
society."""
from __future__ import annotations

from bot import delivery
from bot.outbound import deliver, enqueue
from bot.workers import queues_to_serve
from storage import societies
from storage.accounts import account_of_queue, serving_account
from tests.test_platform import config, registry, run_burst_worker, two_societies  # noqa: F401

pytest_plugins = ["tests.fake_wechat"]

MORE = {f"wxfa1r{i:012d}": f"河南省第{i}学会" for i in range(1, 5)}


def test_a_notice_goes_before_every_busy_societys_broadcast_work(two_societies, env, config, redis_client,
                                                                  fake_wechat):
    tokens = fake_wechat.authorize_accounts(MORE)
    for appid, name in MORE.items():
        societies.record_authorization(two_societies, appid, tokens[appid], name=name)
    busy = [account_of_queue(name) for name in queues_to_serve(config) if name.startswith("outbound@")]
    assert len(busy) == 6
    for appid in busy:  # broadcast work queued in every society: three jobs each
        with serving_account(appid):
            for i in range(3):
                openid = f"o_{appid[-4:]}_{i}"
                fake_wechat.record_user_message(openid)
                enqueue(redis_client, deliver, openid, "text", "本期会讯：年会征文通知")
    last = busy[-1]  # the society whose turn comes last
    fake_wechat.record_user_message("o_applicant")
    with serving_account(last):
        delivery.notify(redis_client, "o_applicant", "您的入会申请已通过", kind="approval")

    run_burst_worker(env)
    order = [(m["account"], m["touser"]) for m in fake_wechat.sent]
    assert len(order) == 19
    assert order[0] == (last, "o_applicant")  # not after a batch of each of the other five societies
