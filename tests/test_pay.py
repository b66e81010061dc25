"""会费 with WeChat Pay (API v3, JSAPI) against bot/wechat_pay_standin.py, which signs and
encrypts like the real one and repeats its notifications.

A payment is recorded once, through the same path as `fees record` (receipt,
paid-through extended, the member told once): when the notification repeats,
when it races the member's return to the result page, and across processes.
"""
from __future__ import annotations

import base64
import json
import re
import subprocess
import sys
import threading
from datetime import date, datetime, timedelta, timezone

import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding
from rq import Queue

from bot import clock, wechat_pay
from handlers.fees import online as online_dues
from handlers.fees import dues
from bot.config import load_config
from bot.outbound import QUEUE_NAME
from storage import pay_orders
from storage.fees import find_payer, payments_of
from tests.pages_data import WANG, add_member, sign_in

pytest_plugins = ["tests.fake_wechat", "tests.wechatpay_standin"]
THIS_YEAR = date.today().year
# Where a year's payment takes Wang today, by the dues rules (in November and December, the next year).
ONE_YEAR_ON = dues.paid_through_after(WANG["paid_through"], 1, date.today())


@pytest.fixture
def config(env, fake_wechat, pay_standin):
    return load_config(env)


@pytest.fixture
def wang(db):
    """Paid through two years ago (lapsed): a year's payment covers this year."""
    return add_member(db, WANG)


@pytest.fixture
def member(client, fake_wechat, wang):
    sign_in(client, fake_wechat, "o_wang", "/m/dues")
    return client


def _token(page: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)


def _order(member, years: int = 1, **extra) -> tuple[str, dict]:
    """Press 'pay now' for `years`: the order number and the payment prompt the page got."""
    token = _token(member.get("/m/dues").get_data(as_text=True))
    page = member.post("/m/dues/pay", data={"csrf_token": token, "years": years, **extra})
    assert page.status_code == 200, page.get_data(as_text=True)
    html = page.get_data(as_text=True)
    prompt = json.loads(re.search(r'<script type="application/json" id="pay-params">(.*?)</script>', html).group(1))
    out_trade_no = re.search(r"/m/dues/result/(\w+)", html).group(1)
    return out_trade_no, prompt


def _notices_to(redis_client, openid: str) -> int:
    return sum(1 for job in Queue(QUEUE_NAME, connection=redis_client).jobs
               if job.func_name.endswith("deliver_notice") and job.args[1] == openid)


def _notify(client, standin, out_trade_no, how=None):
    headers, body = (standin.forged_notification(out_trade_no, how) if how
                     else standin.notification(out_trade_no))
    return client.post("/m/pay/notify", data=body, headers=headers)


# --- the order and the payment prompt ---------------------------------------------------

def test_the_page_shows_what_is_due_and_the_history(member, db, wang):
    page = member.get("/m/dues").get_data(as_text=True)
    assert f"{THIS_YEAR - 2}-12-31" in page and "已过期" in page
    assert "¥200" in page and f"缴后有效期至 {ONE_YEAR_ON}" in page  # senior: 200 a year
    assert "按会员名册登记" in page and "暂无缴费记录" not in page  # the roster's date, no payment booked


def test_an_order_is_priced_by_the_schedule_never_by_the_page(member, pay_standin, db, config):
    out_trade_no, prompt = _order(member, years=2, amount="0.01", amount_fen="1", total="1")
    order = pay_standin.order(out_trade_no)
    assert order["total"] == 40000 and order["openid"] == "o_wang"  # 2 years of 200 yuan, in fen
    assert order["notify_url"].endswith("/m/pay/notify")
    assert pay_orders.find_order(db, out_trade_no)["amount_fen"] == 40000
    # The prompt is what WeixinJSBridge needs, signed with the merchant's key over appId, time, nonce, package.
    assert prompt["package"] == f"prepay_id={order['prepay_id']}" and prompt["signType"] == "RSA"
    message = f"{prompt['appId']}\n{prompt['timeStamp']}\n{prompt['nonceStr']}\n{prompt['package']}\n"
    pay_standin.merchant_key.public_key().verify(base64.b64decode(prompt["paySign"]), message.encode(),
                                                 padding.PKCS1v15(), hashes.SHA256())


def test_a_term_off_the_schedule_is_refused_and_pressing_twice_asks_once(member, pay_standin):
    token = _token(member.get("/m/dues").get_data(as_text=True))
    assert member.post("/m/dues/pay", data={"csrf_token": token, "years": 4}).status_code == 400
    assert member.post("/m/dues/pay", data={"csrf_token": token, "years": "x"}).status_code == 400
    first, _ = _order(member)
    again, _ = _order(member)
    assert first == again and len(pay_standin.orders) == 1


def test_wechat_pay_down_is_a_page_not_a_traceback(member, pay_standin):
    pay_standin.stop()
    token = _token(member.get("/m/dues").get_data(as_text=True))
    page = member.post("/m/dues/pay", data={"csrf_token": token, "years": 1})
    assert page.status_code == 502 and "稍后再试" in page.get_data(as_text=True)
    pay_standin.start()  # so the fixture can stop it


# --- the notification ---------------------------------------------------------------------

def test_a_repeated_notification_records_the_payment_once(member, client, pay_standin, db, redis_client):
    out_trade_no, _ = _order(member)
    pay_standin.pay(out_trade_no)
    answers = [_notify(client, pay_standin, out_trade_no).status_code for _ in range(3)]
    assert answers == [204, 204, 204]
    payer = find_payer(db, WANG["member_no"])
    payments = payments_of(db, payer)
    assert len(payments) == 1
    payment = payments[0]
    assert (payment["amount"], payment["method"], payment["source"]) == (200.0, "微信支付", "wechatpay")
    assert payment["receipt_no"].startswith(f"SJ{THIS_YEAR}")
    assert payer["paid_through"] == ONE_YEAR_ON
    assert pay_orders.find_order(db, out_trade_no)["status"] == "paid"
    assert _notices_to(redis_client, "o_wang") == 1  # told once
    page = member.get("/m/dues").get_data(as_text=True)
    assert payment["receipt_no"] in page and ONE_YEAR_ON in page
    receipt = member.get(f"/m/dues/receipt/{payment['receipt_no']}").get_data(as_text=True)
    assert "王秀英" in receipt and "¥200" in receipt and "微信支付" in receipt


@pytest.mark.parametrize("how", ["key", "body", "serial", "stale", "apiv3", "type"])
def test_a_notification_not_from_wechat_pay_is_refused_and_changes_nothing(member, client, pay_standin, db,
                                                                          redis_client, how):
    out_trade_no, _ = _order(member)
    pay_standin.pay(out_trade_no)
    response = _notify(client, pay_standin, out_trade_no, how)
    assert response.status_code == 401 and response.json["code"] == "FAIL"
    assert payments_of(db, find_payer(db, WANG["member_no"])) == []
    assert pay_orders.find_order(db, out_trade_no)["status"] == "open"
    assert _notices_to(redis_client, "o_wang") == 0


def test_an_unsigned_or_garbled_post_is_refused(client, config, wang):
    for headers, body in (({}, b"{}"), ({"Wechatpay-Serial": config.pay_public_key_id,
                                         "Wechatpay-Timestamp": "x"}, b"not json")):
        assert client.post("/m/pay/notify", data=body, headers=headers).status_code == 401


# --- the result page and races ------------------------------------------------------------

def test_the_result_page_asks_wechat_pay_when_the_notification_is_late(member, client, pay_standin, db,
                                                                        redis_client):
    out_trade_no, _ = _order(member)
    waiting = member.get(f"/m/dues/result/{out_trade_no}").get_data(as_text=True)
    assert "尚未收到" in waiting
    pay_standin.pay(out_trade_no)
    done = member.get(f"/m/dues/result/{out_trade_no}").get_data(as_text=True)
    assert "缴费成功" in done and ONE_YEAR_ON in done
    assert _notify(client, pay_standin, out_trade_no).status_code == 204  # the late notification
    assert len(payments_of(db, find_payer(db, WANG["member_no"]))) == 1
    assert _notices_to(redis_client, "o_wang") == 1


def test_notifications_racing_the_result_page_record_once(app, member, pay_standin, db, live_url, redis_client):
    out_trade_no, _ = _order(member)
    pay_standin.pay(out_trade_no)
    start = threading.Barrier(6)

    def notify():
        start.wait()
        pay_standin.deliver(f"{live_url}/m/pay/notify", out_trade_no)

    def result():
        start.wait()
        member_view = app.test_client()
        member_view._cookies = member._cookies  # the member's own browser
        assert member_view.get(f"/m/dues/result/{out_trade_no}").status_code == 200

    threads = [threading.Thread(target=notify) for _ in range(4)] + [threading.Thread(target=result) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert len(payments_of(db, find_payer(db, WANG["member_no"]))) == 1
    assert set(pay_standin.notify_answers) == {204}
    assert _notices_to(redis_client, "o_wang") == 1


SETTLE_IN_ANOTHER_PROCESS = """
import json, sys
from bot.config import load_config
from handlers.fees import online as online_dues
from storage.database import open_database
from storage.state import connect_redis
config = load_config(json.loads(sys.argv[1]))
result = online_dues.settle(open_database(config.sqlite_path), connect_redis(config), config, json.loads(sys.argv[2]))
print(json.dumps(bool(result and result["new"])))
"""


def test_processes_settling_the_same_payment_record_it_once(member, pay_standin, db, env, redis_client):
    out_trade_no, _ = _order(member)
    transaction = pay_standin.pay(out_trade_no)
    procs = [subprocess.Popen([sys.executable, "-c", SETTLE_IN_ANOTHER_PROCESS, json.dumps(env),
                               json.dumps(transaction)], stdout=subprocess.PIPE, text=True) for _ in range(4)]
    recorded = [json.loads(proc.communicate(timeout=120)[0]) for proc in procs]
    assert sorted(recorded) == [False, False, False, True]
    assert len(payments_of(db, find_payer(db, WANG["member_no"]))) == 1
    assert _notices_to(redis_client, "o_wang") == 1


# --- unpaid orders ------------------------------------------------------------------------

def test_unpaid_orders_are_closed_after_the_timeout_and_a_late_payment_is_recorded(member, pay_standin, db,
                                                                                   config, redis_client):
    unpaid, _ = _order(member, years=1)
    paid, _ = _order(member, years=2)
    pay_standin.pay(paid)  # paid, but its notification never came
    pay = wechat_pay.client(config, "http://localhost/m/pay/notify")
    assert online_dues.close_expired(db, redis_client, config, pay) == {"closed": 0, "settled": 0, "failed": 0}
    later = datetime.now(clock.zone()) + timedelta(minutes=config.pay_order_minutes + 1)
    assert online_dues.close_expired(db, redis_client, config, pay, now=later) == {"closed": 1, "settled": 1,
                                                                                    "failed": 0}
    assert pay_standin.order(unpaid)["trade_state"] == "CLOSED"
    assert pay_orders.find_order(db, unpaid)["status"] == "closed"
    assert pay_orders.find_order(db, paid)["status"] == "paid"
    closed_page = member.get(f"/m/dues/result/{unpaid}").get_data(as_text=True)
    assert "已关闭" in closed_page


def test_an_order_whose_time_is_kept_in_utc_is_closed_by_its_instant(member, pay_standin, db, config,
                                                                         redis_client):
    """A member paying 10 minutes before the order runs out, its time written in UTC (04:50Z for 12:50 in
    Beijing), may still pay: the order is not closed at 12:40 because '04:50' sorts before '12:40'."""
    out_trade_no, _ = _order(member)
    due = datetime.now(timezone.utc) + timedelta(minutes=10)
    db.execute("update pay_orders set expires_at = ? where out_trade_no = ?",
               [due.isoformat(timespec="seconds"), out_trade_no])
    pay = wechat_pay.client(config, "http://localhost/m/pay/notify")
    assert online_dues.close_expired(db, redis_client, config, pay)["closed"] == 0
    assert pay_orders.find_order(db, out_trade_no)["status"] == "open"
    assert online_dues.close_expired(db, redis_client, config, pay, now=due + timedelta(minutes=1))["closed"] == 1


def test_the_cron_command_closes_what_is_overdue(member, pay_standin, db, env):
    from tests.cli import command

    run, run_json = command("pay")
    out_trade_no, _ = _order(member)
    db.execute("update pay_orders set expires_at = '2000-01-01T00:00:00+08:00' where out_trade_no = ?",
               [out_trade_no])
    assert run_json(env, "close-expired") == {"closed": 1, "settled": 0, "failed": 0}
    assert "已关闭 0 笔" in run(env, "close-expired").output
    assert pay_standin.order(out_trade_no)["trade_state"] == "CLOSED"
    unconfigured = {k: v for k, v in env.items() if not k.startswith("WECHATPAY_")}
    assert "未配置微信支付" in run(unconfigured, "close-expired", ok=False).output


def test_reconcile_lists_every_difference_with_the_days_bill(member, client, pay_standin, db, env):
    from tests.cli import command

    run, run_json = command("fees")
    recorded, _ = _order(member, years=1)
    pay_standin.pay(recorded)
    assert _notify(client, pay_standin, recorded).status_code == 204
    lost, _ = _order(member, years=2)
    pay_standin.pay(lost)  # its notification never arrived and nobody opened the result page
    differs, _ = _order(member, years=3)
    pay_standin.pay(differs)
    assert _notify(client, pay_standin, differs).status_code == 204
    db.execute("update pay_orders set amount_fen = 1 where out_trade_no = ?", [differs])
    today = datetime.now(clock.zone()).date().isoformat()
    # Recorded paid here, never paid at WeChat Pay:
    pay_orders.create_order(db, {"out_trade_no": "HFGHOST", "openid": "o_wang", "payer_kind": "member", "payer_id": 1,
                                 "payer_number": WANG["member_no"], "purpose": "dues", "years": 1, "amount_fen": 20000,
                                 "description": "会费", "expires_at": "2999-01-01T00:00:00+08:00"})
    db.execute("update pay_orders set status = 'paid', paid_at = ? where out_trade_no = 'HFGHOST'", [today])

    report = run_json(env, "reconcile", "--date", today)
    assert report["bill_transactions"] == 3
    kinds = {item["out_trade_no"]: item["kind"] for item in report["mismatches"]}
    assert kinds == {lost: "not_recorded", differs: "amount_differs", "HFGHOST": "not_in_bill"}
    text = run(env, "reconcile", "--date", today).output
    assert "不一致 3 笔" in text and "微信支付已收款、系统未登记" in text and lost in text


# --- refunds, from the console -------------------------------------------------------------

def _console(app, db, config, username: str):
    from tests.admin_data import add_units, add_users
    from tests.test_admin import log_in

    if not db["admin_users"].count:
        add_users(db, config, add_units(db)[0])
    client = app.test_client()
    assert log_in(client, username).status_code == 302
    return client


def test_an_admin_refunds_a_payment_and_its_notification_finishes_it_once(app, member, client, pay_standin, db,
                                                                           config, redis_client):
    from tests.test_admin import post

    out_trade_no, _ = _order(member)
    pay_standin.pay(out_trade_no)
    assert _notify(client, pay_standin, out_trade_no).status_code == 204
    staff = _console(app, db, config, "staff1")
    assert out_trade_no in staff.get("/admin/pay/").get_data(as_text=True)
    assert post(staff, f"/admin/pay/{out_trade_no}/refund", {"reason": "重复缴费"}).status_code == 403
    admin = _console(app, db, config, "admin1")
    assert post(admin, f"/admin/pay/{out_trade_no}/refund", {"reason": ""}).status_code == 302
    assert pay_orders.find_order(db, out_trade_no)["refund_no"] is None  # no reason, no refund
    post(admin, f"/admin/pay/{out_trade_no}/refund", {"reason": "重复缴费"})
    order = pay_orders.find_order(db, out_trade_no)
    assert order["refund_status"] == "PROCESSING" and pay_standin.order(out_trade_no)["refund_fen"] == 20000
    post(admin, f"/admin/pay/{out_trade_no}/refund", {"reason": "再退一次"})
    assert pay_standin.requests.count(("POST", "/v3/refund/domestic/refunds")) == 1  # once

    for _ in range(2):  # WeChat Pay repeats this one too
        headers, body = pay_standin.refund_notification(out_trade_no)
        assert client.post("/m/pay/notify", data=body, headers=headers).status_code == 204
    order = pay_orders.find_order(db, out_trade_no)
    assert order["refund_status"] == "SUCCESS" and order["refunded_at"]
    assert _notices_to(redis_client, "o_wang") == 2  # the receipt, then the refund
    assert len(payments_of(db, find_payer(db, WANG["member_no"]))) == 1  # the payment stays on record
    assert "已退款" in admin.get("/admin/pay/").get_data(as_text=True)


def _refund(app, db, config, client, standin, out_trade_no: str, reason: str = "会员申请退会"):
    """An admin refunds the order in the console; WeChat Pay confirms it by notification."""
    from tests.test_admin import post

    post(_console(app, db, config, "admin1"), f"/admin/pay/{out_trade_no}/refund", {"reason": reason})
    headers, body = standin.refund_notification(out_trade_no)
    assert client.post("/m/pay/notify", data=body, headers=headers).status_code == 204


def _paid(member, client, standin) -> str:
    out_trade_no, _ = _order(member)
    standin.pay(out_trade_no)
    assert _notify(client, standin, out_trade_no).status_code == 204
    return out_trade_no


def test_a_refunded_years_dues_take_the_member_back_to_where_they_stood(app, member, client, pay_standin, db,
                                                                        config, env, redis_client):
    from tests.cli import command

    out_trade_no = _paid(member, client, pay_standin)
    receipt_no = pay_orders.find_order(db, out_trade_no)["receipt_no"]
    assert find_payer(db, WANG["member_no"])["paid_through"] == ONE_YEAR_ON
    run, run_json = command("fees")
    refused = run(env, "refund", receipt_no, "--reason", "申请退会", ok=False).output
    assert "在线支付" in refused and find_payer(db, WANG["member_no"])["paid_through"] == ONE_YEAR_ON
    _refund(app, db, config, client, pay_standin, out_trade_no)

    assert find_payer(db, WANG["member_no"])["paid_through"] == WANG["paid_through"]  # as before paying
    receipt = member.get(f"/m/dues/receipt/{receipt_no}").get_data(as_text=True)
    assert re.search(r'data-field="refunded">已退款（\d{4}-\d\d-\d\d）', receipt)
    page = member.get("/m/dues").get_data(as_text=True)
    assert f'data-refunded="{receipt_no}"' in page and "已过期" in page
    centre = member.get("/m/").get_data(as_text=True)
    assert re.search(rf'data-field="paid_through">{WANG["paid_through"]}（已过期', centre)
    shown = run(env, "show", WANG["member_no"]).output
    assert f"会费缴至：{WANG['paid_through']}" in shown and "已退款" in shown
    assert run_json(env, "show", WANG["member_no"])["paid_through"] == WANG["paid_through"]
    assert run_json(env, "report")["total"]["collected"] == 0  # refunded money is not collected
    notices = [job.args[2] for job in Queue(QUEUE_NAME, connection=redis_client).jobs
               if job.func_name.endswith("deliver_notice") and job.args[1] == "o_wang"]
    assert any(f"恢复为 {WANG['paid_through']}" in text for text in notices)


def test_refunding_an_earlier_year_counts_the_later_one_again_from_there(app, member, client, pay_standin, db,
                                                                         config):
    first = _paid(member, client, pay_standin)
    _paid(member, client, pay_standin)
    two_years_on = dues.paid_through_after(ONE_YEAR_ON, 1, date.today())
    assert find_payer(db, WANG["member_no"])["paid_through"] == two_years_on
    _refund(app, db, config, client, pay_standin, first, reason="重复缴费")
    assert find_payer(db, WANG["member_no"])["paid_through"] == ONE_YEAR_ON  # one year paid, not two


def test_the_console_reconciles_a_day(app, member, client, pay_standin, db, config):
    out_trade_no, _ = _order(member)
    pay_standin.pay(out_trade_no)  # not notified: taken, not recorded
    staff = _console(app, db, config, "staff1")
    today = datetime.now(clock.zone()).date().isoformat()
    page = staff.get(f"/admin/pay/?date={today}").get_data(as_text=True)
    assert "不一致 1 笔" in page and "已收款未登记" in page and out_trade_no in page
