"""A newsletter's page while its recipients are still 排队中: the secretary sees why each of them waits
(no worker running, WeChat's daily quota spent, sending broken off) and what to do, in the page itself;
it said only 排队中：3, whatever held them."""
from __future__ import annotations

from playwright.sync_api import expect
from rq import Queue, Worker

from handlers.news.items import give_default_subscriptions
from storage import deliveries as ledger
from storage.members import insert_member
from tests.test_admin_browser import REFUSALS, config, sign_in, society  # noqa: F401 (fixtures)

pytest_plugins = ["tests.fake_wechat"]


def sent_to_three(tab, live_url, db) -> dict:
    """Three readers subscribed to 政策; an item written and sent from the console, no worker running."""
    for n in range(3):
        openid = f"oHeld{n}_{'0' * 20}"
        insert_member(db, {"member_no": f"HNKX2025{n:05d}", "name": f"读者{n}", "category": "regular",
                           "openid": openid}, actor="test")
        give_default_subscriptions(db, openid)
    tab.goto(f"{live_url}/admin/news/new")
    tab.fill("input[name=title]", "关于申报2027年度科技奖励的通知")
    tab.fill("input[name=summary]", "申报时间和条件")
    tab.fill("textarea[name=body]", "申报时间：2027年3月1日至3月31日。")
    tab.check("input[name=topics][value=policy]")
    tab.get_by_role("button", name="保存并预览").click()
    tab.once("dialog", lambda dialog: dialog.accept())
    tab.get_by_role("button", name="发送").click()
    expect(tab.locator(".flash-ok")).to_contain_text("新排队 3 位")
    return next(db["newsletters"].rows)


def test_queued_recipients_say_why_they_wait_and_what_to_do(new_tab, live_url, society, db, redis_client):
    tab = sign_in(new_tab, live_url, "staff1")
    item = sent_to_three(tab, live_url, db)
    held = tab.locator("[data-held]")
    expect(held).to_contain_text("还在排队的原因")
    expect(held).to_contain_text("3 人：后台发送进程没有在运行，会讯发不出去。请联系负责服务器的技术人员启动后台发送进程")
    openids = [row["openid"] for row in db["deliveries"].rows]
    rows = ledger.item_rows(item["id"], openids[:2])  # WeChat answered 45009 for two of them
    ledger.claim(db, rows, "job1", set())
    ledger.settle(db, rows, "job1", "queued", errcode=45009, errmsg="api freq out of limit")  # seen without a reload
    ledger.claim(db, ledger.item_rows(item["id"], openids[2:]), "a-job-whose-worker-died", set())
    expect(held).to_contain_text("2 人：群发接口的调用次数暂时用完了（微信返回 45009），这次群发没有发出。后台会自动再发")
    expect(held).to_contain_text("1 人：后台发送进程没有在运行")
    expect(tab.locator("[data-progress-list=status]")).to_contain_text("已领取，待发送：1")
    expect(tab.get_by_role("button", name="继续发送")).to_have_count(0)


def test_a_sending_broken_off_is_resumed_from_the_page(new_tab, live_url, society, db, redis_client):
    tab = sign_in(new_tab, live_url, "staff1")
    sent_to_three(tab, live_url, db)
    worker = Worker(["outbound"], connection=redis_client, name="worker-on-the-server")
    worker.register_birth()  # a worker runs: the jobs wait for it (the page, open, says so by itself)
    expect(tab.locator("[data-held]")).to_contain_text("3 人：正等后台发送进程处理（1 个在运行），一般几分钟内发出")
    Queue("outbound", connection=redis_client).empty()  # the server restarted without its queue
    tab.reload()
    expect(tab.locator("[data-held]")).to_contain_text("3 人：后台发送进程在运行，但没有在发这些人")
    tab.get_by_role("button", name="继续发送").click()
    expect(tab.locator(".flash-ok")).to_contain_text("已为 3 位还在排队的收件人重新排队")
    expect(tab.locator("[data-held]")).to_contain_text("3 人：正等后台发送进程处理")
    assert Queue("outbound", connection=redis_client).count >= 1
    worker.register_death()
