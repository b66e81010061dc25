"""What the second delivery walk (/work/qa/delivery12.md) found, against the fake WeChat API."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from click.testing import CliRunner
from rq import Queue, Worker
from rq.utils import utcformat

from bot import content, delivery
from bot.cli import main as cli_main
from bot.delivery import planner
from bot.outbound import QUEUE_NAME
from bot.wechat_client import BEIJING
from storage import deliveries as ledger
from storage import state
from storage.database import now_iso
from tests.test_admin import page, post, staff, units, users  # noqa: F401  (fixtures)
from tests.test_news_console import visible
from tests.test_delivery import (CS, MASS, add_item, add_members, all_final, assert_exactly_once,  # noqa: F401
                                 config, finish, member_wrote, openids, rows, run_jobs, settings, start_worker,
                                 wait_until)

pytest_plugins = ["tests.fake_wechat"]


def sent_item(db, r, config, recipients) -> int:
    """An item (with its publishing time, as the console shows it) sent to `recipients`, its jobs run."""
    item = add_item(db)
    db["newsletters"].update(item, {"publish_at": now_iso()})
    delivery.enqueue_broadcast(db, r, item, recipients)
    run_jobs(config)
    return item


def item_page(staff, db, item: int) -> str:
    return visible(page(staff.get(f"/admin/news/{db['newsletters'].get(item)['item_no']}")))


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
    broke'. The healthy ones are sent, every one (a failing member took down the one or two sharing its
    last send before: halves of 2 or 3 could not be sent apart); the failing ones failed, with WeChat's
    answer."""
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
    healthy = [openid for openid in everyone if openid not in failing]
    assert {(got[openid]["status"], got[openid]["channel"]) for openid in healthy} == {("sent", MASS)}
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


def test_once_the_days_customer_service_quota_is_spent_members_get_the_item_by_mass_send(
        fake_wechat, config, db, redis_client):
    """Walk 12 #1: the day's customer-service calls ran out (45009) mid-send; every worker went on calling
    for every recipient (~540 refused calls a minute) and the resolution reached nobody for 4.5 minutes,
    though each member had mass sends left this month. Past the first refusal nobody calls that API until
    WeChat's reset; the item goes by mass send, and a service notice by its template."""
    everyone = openids("Q", 6)
    recipients = add_members(db, everyone)
    member_wrote(fake_wechat, redis_client, config, everyone)
    fake_wechat.daily_quota["message/custom/send"] = 3
    item = sent_item(db, redis_client, config, recipients)
    got = assert_exactly_once(fake_wechat, db, item, recipients)
    assert sorted(row["channel"] for row in got.values() if row["status"] == "sent") == [CS] * 3 + [MASS] * 3
    refused = fake_wechat.calls["message/custom/send"] - 3
    assert refused == 1 + config.api_max_retries  # the client's tries of one send, then no more calls

    second = add_item(db)
    delivery.enqueue_broadcast(db, redis_client, second, recipients)
    delivery.notify(redis_client, everyone[0], "会费即将到期\n请于 12 月 31 日前缴纳 100 元", kind="dues")
    run_jobs(config)
    assert {row["channel"] for row in rows(db, second).values()} == {MASS}
    assert "template" in [message["channel"] for message in fake_wechat.sent_to(everyone[0])]
    assert fake_wechat.calls["message/custom/send"] == 3 + refused


def test_the_item_page_says_the_days_customer_service_messages_are_spent_and_until_when(
        fake_wechat, config, db, redis_client, staff):
    """Walk 12 #1: the page said '后台会自动重试，额度恢复后发出' for members who were waiting on tomorrow's quota."""
    window = openids("P", 2)
    recipients = add_members(db, window)
    member_wrote(fake_wechat, redis_client, config, window)
    fake_wechat.daily_quota["message/custom/send"] = 0
    item = sent_item(db, redis_client, config, recipients)
    assert {row["channel"] for row in rows(db, item).values()} == {MASS}
    shown = item_page(staff, db, item)
    tomorrow = (datetime.now(BEIJING) + timedelta(days=1)).strftime("%Y-%m-%d")
    assert f"公众号今天的客服消息次数已用完（微信返回 45009），{tomorrow} 00:00 恢复" in shown
    assert "这期间的推送改用群发" in shown


def test_a_mass_send_wechat_refused_for_its_calls_a_minute_is_queued_with_when_it_goes_again(
        fake_wechat, config, db, redis_client, staff):
    """Walk 12 #5: mass sends refused with 45009 were shown under 发送中 as '群发已提交给微信，还没有得到微信的
    确认'; WeChat had sent nothing. They wait in the queue, and the page says why and when they go again."""
    recipients = add_members(db, openids("F", 2))
    fake_wechat.overload(1 + config.api_max_retries, endpoint="message/mass/send")
    item = sent_item(db, redis_client, config, recipients)  # RQ's retry is due in 30 s
    assert {row["status"] for row in rows(db, item).values()} == {"queued"}
    shown = item_page(staff, db, item)
    assert "2 人：群发接口的调用次数暂时用完了（微信返回 45009），这次群发没有发出。后台会自动再发（下次约在 " in shown
    assert "还没有得到微信的确认" not in shown


def test_members_reached_by_mass_send_are_submitted_to_wechat_and_the_hint_counts_only_those_sent(
        fake_wechat, config, db, redis_client, staff):
    """Walk 12 #8: '这一条已发给 2958 人' when nobody had it yet; #9: mass-send members counted 已送达, though
    WeChat says nothing of each (it drops who unfollowed there)."""
    recipients = add_members(db, openids("S", 2))
    item = add_item(db)
    db["newsletters"].update(item, {"publish_at": now_iso(), "kind": "resolution"})
    delivery.enqueue_broadcast(db, redis_client, item, recipients)
    assert "这一条已安排发给 2 人，其中已发出 0 人" in item_page(staff, db, item)
    run_jobs(config)
    shown = item_page(staff, db, item)
    assert "这一条已安排发给 2 人，其中已发出 2 人" in shown
    assert "群发已提交给微信（微信不逐人回告是否送达）：2" in shown and "已送达：" not in shown
    status = CliRunner().invoke(cli_main, ["news", "status", db["newsletters"].get(item)["item_no"]]).output
    assert "群发已提交给微信（微信不逐人回告是否送达）  2" in status and "已送达" not in status


def test_a_send_in_progress_can_be_stopped_and_says_who_had_it(fake_wechat, config, db, redis_client, staff):
    """Walk 12 #3: withdraw was refused while sending ('请等发送完毕再撤回') and nothing else stopped it: all
    2,958 got it. 停止发送 leaves those not sent it yet unsent, says how many, and a job holding one of them
    (claimed, its send not begun) finds it no longer its own."""
    recipients = add_members(db, openids("T", 5))
    item = add_item(db)
    db["newsletters"].update(item, {"publish_at": now_iso()})
    delivery.enqueue_broadcast(db, redis_client, item, recipients)
    held = ledger.item_rows(item, [recipients[0][0]])
    ledger.claim(db, ledger.item_rows(item, [recipients[0][0], recipients[1][0]]), "live-job", set())
    state.hold_lease(redis_client, "live-job", 60)
    ledger.begin_sending(db, ledger.item_rows(item, [recipients[1][0]]), "live-job", CS)  # out right now
    shown = item_page(staff, db, item)
    assert "停止发送" in shown
    done = post(staff, f"/admin/news/{db['newsletters'].get(item)['item_no']}/stop", follow_redirects=True)
    assert ("已停止发送“省科技厅发布年度申报指南”：已发出 0 人，其余 4 人不再发送；另有 1 人的推送此刻正在发出，结果照常记录"
            in visible(page(done)))
    assert ledger.begin_sending(db, held, "live-job", CS) == []
    run_jobs(config)
    assert fake_wechat.sent == []
    assert "已停止发送，未发出：4" in item_page(staff, db, item)
    said = CliRunner().invoke(cli_main, ["news", "stop", db["newsletters"].get(item)["item_no"]]).output
    assert "已停止推送，已发出 0 人，其余 0 人不再发送" in said


def test_workers_are_counted_by_their_heartbeat_and_a_time_past_is_not_shown_as_planned(
        fake_wechat, config, db, redis_client, staff):
    """Walk 12 #7: after a restart '正等后台发送进程处理（6 个在运行）' counted the 3 SIGKILLed workers still
    registered; #2: '后台将于 22:34 …再提交' at 22:44, RQ's scheduler not having taken the job over yet."""
    live, dead = (Worker([QUEUE_NAME], connection=redis_client, name=name) for name in ("live", "killed"))
    for worker in (live, dead):
        worker.register_birth()
    redis_client.hset(dead.key, "last_heartbeat", utcformat(datetime.now(timezone.utc) - timedelta(minutes=5)))
    recipients = add_members(db, openids("H", 2))
    item = add_item(db)
    db["newsletters"].update(item, {"publish_at": now_iso()})
    delivery.enqueue_broadcast(db, redis_client, item, recipients)
    assert "2 人：正等后台发送进程处理（1 个在运行）" in item_page(staff, db, item)

    ledger.claim(db, ledger.item_rows(item, [o for o, _ in recipients]), "killed-job", set())
    ledger.settle(db, ledger.item_rows(item, [o for o, _ in recipients]), "killed-job", "queued", MASS,
                  errcode=-1, errmsg="system error")
    retry = Queue(QUEUE_NAME, connection=redis_client).enqueue_in(timedelta(seconds=60), planner.deliver_batch, item,
                                                                  [o for o, _ in recipients])
    Queue(QUEUE_NAME, connection=redis_client).scheduled_job_registry.schedule(
        retry, datetime.now(timezone.utc) - timedelta(minutes=10))  # due 10 minutes ago, nobody took it
    shown = item_page(staff, db, item)
    assert "后台会自动重试（原定 " in shown and "已过时，正等后台发送进程接手" in shown
    assert "下次约在" not in shown


def test_the_news_list_shows_how_far_each_send_is(fake_wechat, config, db, redis_client, staff):
    """Walk 12 #11: the list had 标题 类型 状态 发布日期 only, '已发布' for all five while three were sending."""
    recipients = add_members(db, openids("L", 3))
    done = sent_item(db, redis_client, config, recipients[:2])
    sending = add_item(db)
    db["newsletters"].update(sending, {"publish_at": now_iso(), "title": "正在发送的一条"})
    delivery.enqueue_broadcast(db, redis_client, sending, recipients)
    shown = visible(page(staff.get("/admin/news/")))
    assert "发送进度" in shown
    assert "正在发送的一条 会讯 已发布" in shown and "已发出 0 / 共 3，排队中 3" in shown
    assert "已发出 2 / 共 2" in shown
    listed = CliRunner().invoke(cli_main, ["news", "list"]).output
    assert "《正在发送的一条》  已发出 0 / 共 3，排队中 3" in listed
    assert f"{db['newsletters'].get(done)['item_no']}  《省科技厅发布年度申报指南》  已发出 2 / 共 2" in listed


def test_a_worker_started_while_a_killed_schedulers_lock_lasts_takes_the_retries_over_soon(
        fake_wechat, config, env, db, redis_client):
    """Walk 12 #2: after every process was killed and started again, 21 retries due at 14:34 waited until
    14:44, RQ's 10-minute maintenance pass: the new workers found the dead scheduler's lock still held
    (it lasts a minute) and did not try again. A lock its holder has not renewed for
    bot.workers.SCHEDULER_GONE_SECONDS is taken over when a worker starts (this one: 41 s ago, as after a
    reboot), and the retries due meanwhile are queued then (tests/test_workers.py: a holder killed just now)."""
    recipients = add_members(db, openids("K", 2))
    item = add_item(db)
    ledger.queue_deliveries(db, item, recipients)
    redis_client.set(f"rq:scheduler-lock:{QUEUE_NAME}", "killed-worker", ex=20)  # a dead scheduler's, a while yet
    Queue(QUEUE_NAME, connection=redis_client).enqueue_in(timedelta(seconds=1), planner.deliver_batch, item,
                                                          [openid for openid, _ in recipients])
    worker = start_worker(env)
    try:
        wait_until(lambda: all_final(db, item), 30, "the retry to run")  # RQ alone: 600 s; 22f44af: ~100 s
    finally:
        finish([worker])
    assert_exactly_once(fake_wechat, db, item, recipients)



def test_a_burst_worker_takes_over_a_killed_schedulers_lock_and_sends_the_retries_due(
        fake_wechat, config, env, db, redis_client):
    """`python -m bot worker --burst` (a cron line, an operator's one-off run) found a killed scheduler's lock
    still there and moved none of the retries due to the queue: it ended with them left waiting. It takes a
    lock its holder has not renewed for bot.workers.SCHEDULER_GONE_SECONDS over, as the long-running worker does."""
    recipients = add_members(db, openids("B", 2))
    item = add_item(db)
    ledger.queue_deliveries(db, item, recipients)
    redis_client.set(f"rq:scheduler-lock:{QUEUE_NAME}", "killed-worker", ex=20)  # renewed last 41 s ago
    Queue(QUEUE_NAME, connection=redis_client).enqueue_at(datetime.now(timezone.utc) - timedelta(seconds=5),
                                                          planner.deliver_batch, item,
                                                          [openid for openid, _ in recipients])
    worker = start_worker(env, burst=True)
    worker.communicate(timeout=60)
    assert all_final(db, item)
    assert_exactly_once(fake_wechat, db, item, recipients)


def test_an_item_changed_while_it_is_sent_says_who_got_which_and_pushes_the_change_to_them_alone(
        fake_wechat, config, env, db, redis_client, staff, tmp_path):
    """Walk 12 #4: d12-2 re-published with a new summary while it was sent: 193 members got the first text
    and 2,765 the corrected one; nobody was told, and 发更正 makes a new item for everyone."""
    recipients = add_members(db, openids("V", 4))
    path = tmp_path / "v1.md"
    path.write_text('+++\ntitle = "关于调整会费标准的决议"\nkind = "resolution"\nsummary = "普通会员 1000 元"\n+++\n正文',
                    encoding="utf-8")
    CliRunner().invoke(cli_main, ["news", "publish", str(path)], catch_exceptions=False)
    item = db["newsletters"].get(1)
    delivery.enqueue_broadcast(db, redis_client, item["id"], recipients[:2])
    run_jobs(config)  # the first two get the first wording
    path.write_text(path.read_text(encoding="utf-8").replace("1000 元", "100 元"), encoding="utf-8")
    said = CliRunner().invoke(cli_main, ["news", "publish", str(path)], catch_exceptions=False).output
    assert f"已有 2 人收到的是修改前的内容（之后发出的是修改后的）。只给他们推送修改后的内容，运行：news resend-changed {item['item_no']}" in said
    delivery.enqueue_broadcast(db, redis_client, item["id"], recipients)
    run_jobs(config)
    shown = item_page(staff, db, item["id"])
    assert "这一条在发送中被修改过：2 人收到的是修改前的内容" in shown and "把修改后的内容推送给这 2 人" in shown

    done = post(staff, f"/admin/news/{item['item_no']}/resend-changed", follow_redirects=True)
    assert "已为 2 位收到修改前内容的会员重新排队，推送修改后的内容" in visible(page(done))
    run_jobs(config)
    texts = {openid: [m["text"]["content"] for m in fake_wechat.sent_to(openid)] for openid, _ in recipients}
    assert all(len(got) == 1 and "100 元" in got[0] for got in (texts[o] for o, _ in recipients[2:]))
    assert all([("1000 元" in t, "100 元" in t.replace("1000 元", "")) for t in texts[o]] == [(True, False), (False, True)]
               for o, _ in recipients[:2])
    assert "在发送中被修改过" not in item_page(staff, db, item["id"])
