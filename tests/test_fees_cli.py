"""`python -m bot fees ...` and `python -m bot remind` as the secretariat runs them."""
from __future__ import annotations

import json
from datetime import date

import pytest
import redis
from click.testing import CliRunner
from openpyxl import Workbook

from handlers.fees import dues
from bot.cli import main
from handlers.fees import reminders
from storage.members import find_member_by_no, history_of, insert_member, insert_unit, update_member
from storage.fees import find_payer, payments_of
from storage.sqlite import transaction
from tests.notices import queued_notices

REGULAR = dues.yearly_fee("regular")
STUDENT = dues.yearly_fee("student")


def invoke(env, *args):
    return CliRunner().invoke(main, [str(a) for a in args], env=env, catch_exceptions=False)


def run(env, *args):
    result = invoke(env, *args)
    assert result.exit_code == 0, result.output
    return result.output


def run_json(env, *args):
    return json.loads(run(env, *args, "--json"))


def add_member(db, number, category="regular", paid_through=None, openid=None, mobile=None,
               name="张三", **fields):
    with transaction(db):
        return insert_member(db, {"member_no": number, "name": name, "category": category,
                                  "paid_through": paid_through, "openid": openid, "mobile": mobile,
                                  **fields}, actor="test")


# --- record -------------------------------------------------------------------------------

def test_record_issues_a_receipt_and_extends_the_paid_through_date(env, db):
    add_member(db, "HNKX202500001", paid_through="2025-12-31")
    out = run_json(env, "fees", "record", "HNKX202500001", REGULAR * 2, "--years", 2,
                   "--date", "2026-02-10", "--method", "现场缴费", "--by", "王秘书")
    assert out["receipt_no"] == "SJ202600001"
    assert (out["previous_paid_through"], out["paid_through"]) == ("2025-12-31", "2027-12-31")
    member = find_member_by_no(db, "HNKX202500001")
    assert member["paid_through"] == "2027-12-31"
    [payment] = payments_of(db, find_payer(db, "HNKX202500001"))
    assert (payment["method"], payment["recorded_by"], payment["category"]) == ("现场缴费", "王秘书", "regular")
    change = history_of(db, "member", member["id"])[-1]
    assert (change["action"], change["actor"], change["reason"]) == ("dues_paid", "王秘书", "SJ202600001")

    text = run(env, "fees", "record", "HNKX202500001", REGULAR, "--date", "2026-03-01")
    assert "SJ202600002" in text and "会费缴至：2028-12-31" in text and "原：2027-12-31" in text


def test_a_refunded_transfer_gives_back_the_year_and_stays_on_record(env, db):
    add_member(db, "HNKX202500001", paid_through="2025-12-31", name="张三")
    run(env, "fees", "record", "HNKX202500001", REGULAR, "--date", "2026-02-10")  # SJ202600001: 2026
    run(env, "fees", "record", "HNKX202500001", REGULAR, "--date", "2026-02-12", "--again")  # paid twice: 2027
    assert find_member_by_no(db, "HNKX202500001")["paid_through"] == "2027-12-31"
    text = run(env, "fees", "refund", "sj202600002", "--reason", "重复缴费", "--date", "2026-02-20", "--by", "王秘书")
    assert "会费缴至日期由 2027-12-31 恢复为 2026-12-31" in text
    assert find_member_by_no(db, "HNKX202500001")["paid_through"] == "2026-12-31"
    shown = run(env, "fees", "show", "HNKX202500001")
    assert "SJ202600002" in shown and "已退款（2026-02-20，王秘书）" in shown and "会费缴至：2026-12-31" in shown
    again = invoke(env, "fees", "refund", "SJ202600002", "--reason", "重复缴费")
    assert again.exit_code != 0 and "已于 2026-02-20 登记过退款" in again.output
    assert invoke(env, "fees", "refund", "SJ209900001", "--reason", "x").exit_code != 0
    assert run_json(env, "fees", "report", "--year", 2026)["total"]["collected"] == REGULAR


def test_receipt_numbers_run_per_year_of_payment(env, db):
    add_member(db, "HNKX202500001")
    first = run_json(env, "fees", "record", "HNKX202500001", REGULAR, "--date", "2025-12-30")
    second = run_json(env, "fees", "record", "HNKX202500001", REGULAR, "--date", "2026-01-02", "--again")
    assert (first["receipt_no"], second["receipt_no"]) == ("SJ202500001", "SJ202600001")


def test_a_wrong_amount_is_refused_with_what_it_should_be(env, db):
    add_member(db, "HNKX202500001", category="student")
    result = invoke(env, "fees", "record", "HNKX202500001", REGULAR, "--years", 2, "--date", "2026-01-05")
    assert result.exit_code != 0
    assert f"应为 {dues.format_amount(STUDENT * 2)} 元" in result.output and "--force" in result.output
    assert payments_of(db, find_payer(db, "HNKX202500001")) == []


def test_a_term_off_the_schedule_is_refused_and_force_needs_a_note(env, db):
    add_member(db, "HNKX202500001")
    assert "可选" in invoke(env, "fees", "record", "HNKX202500001", REGULAR * 4, "--years", 4).output
    assert "--note" in invoke(env, "fees", "record", "HNKX202500001", 50, "--force").output
    out = run_json(env, "fees", "record", "HNKX202500001", 50, "--force", "--note", "理事会决定减半",
                   "--date", "2026-05-01")
    assert out["amount"] == 50 and out["paid_through"] == "2026-12-31"


def test_a_negative_or_zero_amount_is_no_payment_even_forced(env, db):
    """-200 --force --note went through: a receipt for -200 元 and the member paid a year further."""
    add_member(db, "HNKX202500001", paid_through="2025-12-31")
    for amount in (-REGULAR, 0):
        refused = invoke(env, "fees", "record", "HNKX202500001", "--force", "--note", "冲正", "--", amount)
        assert refused.exit_code != 0 and f"金额不能是负数或 0（填的是 {amount:g}）" in refused.output, refused.output
    assert payments_of(db, find_payer(db, "HNKX202500001")) == []
    assert find_member_by_no(db, "HNKX202500001")["paid_through"] == "2025-12-31"


def test_unknown_number_and_lifetime_members_are_refused(env, db):
    assert "找不到编号为 HNKX209900001" in invoke(env, "fees", "record", "HNKX209900001", REGULAR).output
    add_member(db, "HNKX202500001")
    out = run_json(env, "fees", "record", "HNKX202500001", dues.lifetime_fee("regular"), "--lifetime")
    assert out["paid_through"] == dues.LIFETIME_PAID_THROUGH
    assert "已是终身会员" in invoke(env, "fees", "record", "HNKX202500001", REGULAR).output


def test_show_lists_standing_and_payments(env, db):
    add_member(db, "HNKX202500001", paid_through="2025-12-31")
    run(env, "fees", "record", "HNKX202500001", REGULAR, "--date", "2026-01-20")
    out = run_json(env, "fees", "show", "HNKX202500001", "--today", "2027-02-01")
    assert out["standing"] == "grace" and out["payments"][0]["receipt_no"] == "SJ202600001"
    assert "宽限期" in run(env, "fees", "show", "HNKX202500001", "--today", "2027-02-01")


# --- import -------------------------------------------------------------------------------

def bank_statement(path, rows):
    """A statement as a bank exports it: a merged title, the header, credits and debits, a total."""
    book = Workbook()
    sheet = book.active
    sheet.append(["中国银行账户交易明细"])
    sheet.merge_cells("A1:F1")
    sheet.append(["交易日期", "交易流水号", "对方户名", "贷方金额", "借方金额", "附言"])
    for row in rows:
        sheet.append(row)
    sheet.append(["合计", None, None, None, None, None])
    book.save(path)
    return path


@pytest.fixture
def roster(db):
    add_member(db, "HNKX202500001", paid_through="2025-12-31", name="张三", mobile="13900000001")
    add_member(db, "HNKX202500002", category="student", name="李四", mobile="13900000002")
    add_member(db, "HNKX202500003", name="钱七", mobile="13900000005")
    add_member(db, "HNKX202500004", name="钱七", mobile="13900000005")  # same mobile twice


STATEMENT = [
    ["2026-03-02", "A001", "张三", REGULAR, None, "HNKX202500001张三会费"],       # by number in memo
    ["2026/3/3", "A002", "李四", STUDENT * 2, None, "两年会费 13900000002"],      # by mobile in memo
    ["2026-03-04", "A003", "王五", REGULAR, None, "会费"],                          # no number, no mobile
    ["2026-03-05", "A004", "赵六", REGULAR, None, "HNKX202599999 会费"],           # no such number
    ["2026-03-06", "A005", "钱七", REGULAR, None, "会费 手机13900000005"],         # two members
    ["2026-03-07", "A006", "某公司", None, 500, "办公用品"],                        # a debit
    ["2026-03-08", "A007", "张三", 150, None, "HNKX202500001"],                    # not on the schedule
    ["昨天", "A008", "张三", REGULAR, None, "HNKX202500001"],                       # unreadable date
]


def test_import_records_matched_rows_and_reports_the_rest_by_row(env, db, roster, tmp_path):
    path = bank_statement(tmp_path / "statement.xlsx", STATEMENT)
    out = run_json(env, "fees", "import", path)
    assert [(r["row"], r["number"], r["years"], r["paid_through"]) for r in out["recorded"]] == [
        (3, "HNKX202500001", 1, "2026-12-31"), (4, "HNKX202500002", 2, "2027-12-31")]
    assert [(r["row"], r["problem"]) for r in out["unmatched"]] == [(5, "no_key"), (6, "no_such_number")]
    assert [(r["row"], r["candidates"]) for r in out["ambiguous"]] == [(7, ["HNKX202500003", "HNKX202500004"])]
    assert [(r["row"], r["problem"]) for r in out["invalid"]] == [(9, "wrong_amount"), (10, "date")]
    assert out["skipped"] == 1
    payment = payments_of(db, find_payer(db, "HNKX202500002"))[0]
    assert (payment["reference"], payment["source"]) == ("A002", "import:statement.xlsx")
    assert "13900000005" not in json.dumps(out, ensure_ascii=False)  # mobiles masked in reports


def test_reimporting_the_same_statement_records_nothing_twice(env, db, roster, tmp_path):
    path = bank_statement(tmp_path / "statement.xlsx", STATEMENT)
    first = run_json(env, "fees", "import", path)
    again = run_json(env, "fees", "import", path)
    assert again["recorded"] == []
    assert sorted(r["receipt_no"] for r in again["already"]) == sorted(r["receipt_no"] for r in first["recorded"])
    assert find_member_by_no(db, "HNKX202500001")["paid_through"] == "2026-12-31"
    text = run(env, "fees", "import", path)
    assert "新登记 0 笔" in text and "第 5 行" in text and "无法确定" in text


def test_a_payment_typed_in_by_hand_is_not_doubled_by_the_statement(env, db, roster, tmp_path):
    run(env, "fees", "record", "HNKX202500001", REGULAR, "--date", "2026-03-02")
    out = run_json(env, "fees", "import", bank_statement(tmp_path / "s.xlsx", STATEMENT[:1]))
    assert out["recorded"] == [] and out["already"][0]["receipt_no"] == "SJ202600001"


def test_dry_run_records_nothing(env, db, roster, tmp_path):
    out = run_json(env, "fees", "import", bank_statement(tmp_path / "s.xlsx", STATEMENT), "--dry-run")
    assert len(out["recorded"]) == 2
    assert payments_of(db, find_payer(db, "HNKX202500001")) == []


def test_a_csv_payment_sheet_with_member_numbers_and_full_width_digits(env, db, roster, tmp_path):
    path = tmp_path / "收款登记.csv"
    path.write_text("缴费日期,会员编号,姓名,缴费金额,缴费年数\n"
                    "2026-04-01,ＨＮＫＸ２０２５００００１,张三,300,3\n"
                    "2026-04-02,HNKX202500002,李四,100,3\n", encoding="gb18030")
    out = run_json(env, "fees", "import", path)
    assert [(r["number"], r["paid_through"]) for r in out["recorded"]] == [("HNKX202500001", "2028-12-31")]
    assert [(r["row"], r["problem"]) for r in out["invalid"]] == [(3, "wrong_amount_years")]


def test_a_file_without_a_header_is_refused(env, tmp_path):
    path = tmp_path / "notes.csv"
    path.write_text("随便写的\n一些内容\n", encoding="utf-8")
    result = invoke(env, "fees", "import", path)
    assert result.exit_code != 0 and "表头" in result.output


# --- report -------------------------------------------------------------------------------

def test_report_counts_due_paid_grace_overdue_and_collection_by_category(env, db):
    add_member(db, "HNKX202500001", paid_through="2025-12-31")   # pays in January: paid
    add_member(db, "HNKX202500002", paid_through="2025-12-31")   # in grace on 2026-02-01
    add_member(db, "HNKX202500003", paid_through="2024-12-31")   # overdue
    add_member(db, "HNKX202500004", category="student")          # never paid
    add_member(db, "HNKX202500005", category="fellow")           # exempt: not due
    suspended = add_member(db, "HNKX202500006", paid_through="2024-12-31")
    update_member(db, suspended["id"], {"status": "suspended"}, actor="test")
    run(env, "fees", "record", "HNKX202500001", REGULAR * 2, "--years", 2, "--date", "2026-01-15")

    out = run_json(env, "fees", "report", "--year", 2026, "--today", "2026-02-01")
    by_category = {row["category"]: row for row in out["categories"]}
    assert set(by_category) == {"regular", "student"}
    regular, student = by_category["regular"], by_category["student"]
    assert (regular["due"], regular["paid"], regular["grace"], regular["overdue"]) == (3, 1, 1, 1)
    assert regular["rate"] == pytest.approx(1 / 3, abs=1e-4)
    assert (regular["expected"], regular["collected"]) == (REGULAR * 3, REGULAR * 2)
    assert (student["due"], student["unpaid"], student["collected"]) == (1, 1, 0)
    assert (out["total"]["due"], out["total"]["paid"]) == (4, 1)

    text = run(env, "fees", "report", "--year", 2026, "--today", "2026-02-01")
    assert "2026 年会费收缴情况" in text and "普通会员" in text and "33.3%" in text and "合计" in text


# --- remind -------------------------------------------------------------------------------

def queued(redis_client):
    return [(notice["openid"], notice["text"]) for notice in reversed(queued_notices(redis_client))]


def test_remind_queues_each_notice_once_across_runs_and_days(env, db, redis_client):
    add_member(db, "HNKX202500001", paid_through="2025-12-31", openid="o_zhang")
    first = run_json(env, "remind", "--today", "2025-12-01")
    assert (first["queued"], first["expiring"]) == (1, 1)
    [(openid, text)] = queued(redis_client)
    assert openid == "o_zhang" and "2025-12-31" in text and "30 天" in text

    assert run_json(env, "remind", "--today", "2025-12-01")["already_sent"] == 1   # the next hour
    assert run_json(env, "remind", "--today", "2025-12-20")["already_sent"] == 1   # days later
    assert run_json(env, "remind", "--today", "2026-02-01")["queued"] == 0          # in grace: quiet
    lapsed = run_json(env, "remind", "--today", "2026-04-02")
    assert (lapsed["queued"], lapsed["lapsed"]) == (1, 1)
    assert "宽限期已结束" in queued(redis_client)[-1][1]
    assert run_json(env, "remind", "--today", "2026-04-03")["already_sent"] == 1
    assert len(queued(redis_client)) == 2


def test_a_renewal_starts_the_reminders_afresh(env, db, redis_client):
    add_member(db, "HNKX202500001", paid_through="2025-12-31", openid="o_zhang")
    run(env, "remind", "--today", "2025-12-01")
    run(env, "fees", "record", "HNKX202500001", REGULAR, "--date", "2025-12-05")
    assert run_json(env, "remind", "--today", "2025-12-10")["queued"] == 0
    assert run_json(env, "remind", "--today", "2026-12-01")["queued"] == 1
    assert "2026-12-31" in queued(redis_client)[-1][1]


def test_remind_skips_unbound_unfollowed_exempt_and_suspended(env, db, redis_client):
    add_member(db, "HNKX202500001", paid_through="2025-12-31")                           # no WeChat
    add_member(db, "HNKX202500002", paid_through="2025-12-31", openid="o_gone", reachable=0)
    add_member(db, "HNKX202500003", category="fellow", paid_through="2025-12-31", openid="o_fellow")
    gone = add_member(db, "HNKX202500004", paid_through="2025-12-31", openid="o_suspended")
    update_member(db, gone["id"], {"status": "suspended"}, actor="test")
    out = run_json(env, "remind", "--today", "2025-12-15")
    assert {k: out[k] for k in ("queued", "skipped_no_openid", "skipped_unreachable", "already_sent")} == {
        "queued": 0, "skipped_no_openid": 1, "skipped_unreachable": 1, "already_sent": 0}
    assert queued(redis_client) == []
    # Binding WeChat later, while the notice still applies, gets it sent then.
    update_member(db, find_member_by_no(db, "HNKX202500001")["id"], {"openid": "o_bound"}, actor="test")
    assert run_json(env, "remind", "--today", "2025-12-16")["queued"] == 1
    assert "未绑定微信 0 人" in run(env, "remind", "--today", "2025-12-16")


def test_unit_members_pay_and_are_reminded_too(env, db, redis_client):
    add_member(db, "HNKX202500001", paid_through="2025-12-31", openid="o_zhang")
    with transaction(db):
        unit = insert_unit(db, {"unit_no": "HNKXDW202500001", "name": "示范科技有限公司",
                                "credit_code": "91410100MA0000000X", "openid": "o_unit",
                                "paid_through": "2025-12-31"}, actor="test")
    assert run_json(env, "remind", "--today", "2025-12-01")["queued"] == 2  # same id 1, kept apart
    assert run_json(env, "remind", "--today", "2025-12-02")["already_sent"] == 2
    assert {openid for openid, _ in queued(redis_client)} == {"o_zhang", "o_unit"}
    out = run_json(env, "fees", "record", unit["unit_no"], dues.yearly_fee("unit"), "--date", "2025-12-03")
    assert out["paid_through"] == "2026-12-31"


def test_a_reminder_that_could_not_be_queued_is_tried_again(db, redis_client, monkeypatch):
    add_member(db, "HNKX202500001", paid_through="2025-12-31", openid="o_zhang")

    def redis_down(*args, **kwargs):
        raise redis.ConnectionError("down")

    monkeypatch.setattr(reminders.delivery, "notify", redis_down)
    with pytest.raises(redis.ConnectionError):
        reminders.queue_reminders(db, redis_client, date(2025, 12, 1))
    monkeypatch.undo()
    assert reminders.queue_reminders(db, redis_client, date(2025, 12, 1))["queued"] == 1


def test_a_reminder_whose_notice_failed_is_sent_again_by_the_next_run_not_counted_as_sent(db, redis_client):
    """Console walk 10, #6: reminders WeChat never got counted as 之前已提醒过, and were never sent again. Sent
    again, it said what the first day's said (还有 30 天 a day later)."""
    from rq import Queue

    from bot.outbound import QUEUE_NAME
    from storage import deliveries as ledger

    add_member(db, "HNKX202500001", paid_through="2025-12-31", openid="o_zhang")
    assert reminders.queue_reminders(db, redis_client, date(2025, 12, 1))["queued"] == 1
    [job] = Queue(QUEUE_NAME, connection=redis_client).jobs
    key, openid, text, kind = job.args
    Queue(QUEUE_NAME, connection=redis_client).empty()
    ledger.claim_notice(db, key, openid, kind, text, "w", set())  # the worker tried, WeChat out of reach
    ledger.begin_sending(db, ledger.notice_row(key), "w", "customer_service")
    ledger.settle(db, ledger.notice_row(key), "w", "failed", errmsg="ConnectionError", r=redis_client)

    again = reminders.queue_reminders(db, redis_client, date(2025, 12, 2))
    assert (again["queued"], again["already_sent"]) == (1, 0)
    [job] = Queue(QUEUE_NAME, connection=redis_client).jobs
    sent_key, _, sent, _ = job.args
    assert job.meta.get("retry")  # the job takes the notice though marked failed still (71aab2d: in its meta)
    assert sent_key == key  # the same notice, with the day's text: it said 还有 30 天 on 2 December
    assert "还有 29 天" in sent and "30 天" not in sent and ledger.find_notice(db, key)["text"] == sent
    assert reminders.queue_reminders(db, redis_client, date(2025, 12, 3))["already_sent"] == 1  # queued now


def test_a_failed_reminder_whose_retry_finds_redis_down_is_tried_again_later(db, redis_client, monkeypatch):
    """The retry marked the notice queued before Redis took it: with Redis down it stayed queued in the store
    and in no queue, so every later run counted it 之前已提醒过 and the dashboard no longer listed it failed."""
    from rq import Queue

    from bot import delivery
    from bot.outbound import QUEUE_NAME
    from storage import deliveries as ledger

    add_member(db, "HNKX202500001", paid_through="2025-12-31", openid="o_zhang")
    reminders.queue_reminders(db, redis_client, date(2025, 12, 1))
    [job] = Queue(QUEUE_NAME, connection=redis_client).jobs
    key, openid, text, kind = job.args
    Queue(QUEUE_NAME, connection=redis_client).empty()
    ledger.claim_notice(db, key, openid, kind, text, "w", set())
    ledger.begin_sending(db, ledger.notice_row(key), "w", "customer_service")
    ledger.settle(db, ledger.notice_row(key), "w", "failed", errmsg="ConnectionError", r=redis_client)

    def redis_down(*args, **kwargs):
        raise redis.ConnectionError("down")

    monkeypatch.setattr(delivery, "enqueue", redis_down)
    with pytest.raises(redis.ConnectionError):
        reminders.queue_reminders(db, redis_client, date(2025, 12, 2))
    monkeypatch.undo()
    assert [n["key"] for n in delivery.failed_notices(db)] == [key]  # still listed, with WeChat's answer
    assert delivery.failed_notices(db)[0]["errmsg"] == "ConnectionError"
    assert reminders.queue_reminders(db, redis_client, date(2025, 12, 3))["queued"] == 1
    assert [j.args[0] for j in Queue(QUEUE_NAME, connection=redis_client).jobs] == [key]


def test_a_sheet_without_an_amount_column_is_refused(env, tmp_path):
    path = tmp_path / "names.csv"
    path.write_text("缴费日期,会员编号,姓名\n2026-04-01,HNKX202500001,张三\n", encoding="utf-8")
    result = invoke(env, "fees", "import", path)
    assert result.exit_code != 0 and "金额" in result.output


# --- a bank's standard export: remarks in several columns, payer names, not-dues money --------

def standard_export(path, rows):
    """中国银行-style 账户交易明细: two title rows, account info, then 摘要 (always "转账") and 附言."""
    book = Workbook()
    sheet = book.active
    sheet.append(["账户交易明细查询"])
    sheet.merge_cells("A1:J1")
    sheet.append(["账号：0000 0000 0000 0000", None, "户名：河南省示范科技学会", None, "币种：人民币"])
    sheet.append(["交易日期", "交易时间", "借方发生额", "贷方发生额", "余额", "对方户名", "对方账号",
                  "摘要", "附言", "交易流水号"])
    for row in rows:
        sheet.append(row)
    sheet.append(["合计"])
    book.save(path)
    return path


def export_row(day, credit, name, account, remark, serial, debit=None):
    return [day, "10:21:05", debit, credit, 50000, name, account, "转账", remark, serial]


def test_a_standard_export_is_matched_by_any_remark_column_name_and_account(env, db, tmp_path):
    add_member(db, "HNKX201900001", name="张伟", paid_through="2025-12-31")
    add_member(db, "HNKX201900002", category="student", name="李娜")
    add_member(db, "HNKX201900003", name="王芳", paid_through="2025-12-31")
    rows = [
        export_row("2026-03-02", REGULAR, "张伟", "6217 0000 1111 2222", "HNKX201900001 会费", "B001"),
        export_row("2026-03-03", STUDENT, "李 娜", "6217 0000 3333 4444", "会费", "B002"),
        export_row("2026-03-04", 800, "王芳", "6217 0000 5555 6666", "HNKX201900003 学术年会注册费", "B003"),
        export_row("2026-03-05", 350, "赵强", "6217 0000 7777 8888", "报销差旅费", "B004"),
        export_row("2026-03-06", None, "某印刷厂", "6217 0000 9999 0000", "印刷费", "B005", debit=1200),
        export_row("2026-09-01", REGULAR, "张伟家属", "6217000011112222", "转账", "B006"),
    ]
    out = run_json(env, "fees", "import", standard_export(tmp_path / "明细.xlsx", rows))
    assert [(r["row"], r["number"], r["matched_by"]) for r in out["recorded"]] == [
        (4, "HNKX201900001", "附言里的会员编号"), (5, "HNKX201900002", "对方户名里的户名"),
        (9, "HNKX201900001", "对方账号里的付款账号（此前从该账号缴过会费）")]
    assert [r["row"] for r in out["not_dues"]] == [6, 7]
    assert "HNKX201900003" in out["not_dues"][0]["who"]
    assert find_member_by_no(db, "HNKX201900003")["paid_through"] == "2025-12-31"  # a fee, not dues
    assert out["skipped"] == 1 and out["unmatched"] == out["invalid"] == []
    assert out["memo_columns"] == ["摘要（H 列）", "附言（I 列）"]

    text = run(env, "fees", "import", standard_export(tmp_path / "明细.xlsx", rows))
    assert "不是会费 2 笔" in text and "备注写的是“注册费”，不是会费" in text


def test_a_payment_recorded_by_hand_and_found_on_the_statement_days_later_is_held(env, db, tmp_path):
    add_member(db, "HNKX201900001", name="张伟", paid_through="2025-12-31")
    run(env, "fees", "record", "HNKX201900001", REGULAR, "--date", "2026-03-09")
    path = standard_export(tmp_path / "明细.xlsx", [
        export_row("2026-03-02", REGULAR, "张伟", "6217000011112222", "HNKX201900001会费", "B001")])
    out = run_json(env, "fees", "import", path)
    assert out["recorded"] == [] and [r["row"] for r in out["held"]] == [4]
    assert find_member_by_no(db, "HNKX201900001")["paid_through"] == "2026-12-31"  # counted once
    assert "可能是同一笔钱" in run(env, "fees", "import", path)

    # typed in again by hand: refused the same way, unless it really is another payment
    again = invoke(env, "fees", "record", "HNKX201900001", REGULAR, "--date", "2026-03-10")
    assert again.exit_code != 0 and "可能是同一笔钱" in again.output

    confirmed = run_json(env, "fees", "import", path, "--confirm", 4)
    assert [r["row"] for r in confirmed["recorded"]] == [4]
    assert find_member_by_no(db, "HNKX201900001")["paid_through"] == "2027-12-31"


def test_members_who_owe_are_reminded_once_a_dues_year_and_the_report_agrees(env, db, redis_client):
    for n in range(1, 4):
        add_member(db, f"HNKX20250000{n}", openid=f"o_never{n}", name=f"新会员{n}")  # never paid
    add_member(db, "HNKX202000001", paid_through="2023-12-31", openid="o_old")       # lapsed for years
    add_member(db, "HNKX202000002", paid_through="2028-12-31", openid="o_ahead")     # paid ahead
    add_member(db, "HNKX202000003", paid_through=dues.LIFETIME_PAID_THROUGH, openid="o_life")
    report = run_json(env, "fees", "report", "--year", 2026, "--today", "2026-06-01")
    assert (report["total"]["unpaid"], report["total"]["overdue"]) == (3, 1)

    out = run_json(env, "remind", "--today", "2026-06-01")
    assert (out["queued"], out["unpaid"], out["overdue"]) == (4, 3, 1)
    texts = dict(queued(redis_client))
    assert set(texts) == {"o_never1", "o_never2", "o_never3", "o_old"}
    assert "尚未缴纳会费" in texts["o_never1"] and "2026 年度会费 100 元" in texts["o_never1"]
    assert "2023-12-31 到期" in texts["o_old"] and "以往年度不必补缴" in texts["o_old"]
    # neither a flood (every run, every day) nor never (the next dues year asks again)
    assert run_json(env, "remind", "--today", "2026-06-02")["queued"] == 0
    assert run_json(env, "remind", "--today", "2026-10-30")["queued"] == 0
    november = run_json(env, "remind", "--today", "2026-11-02")   # from November dues buy 2027
    assert (november["unpaid"], november["overdue"]) == (3, 1)
    assert "2027 年度会费" in queued(redis_client)[-1][1]
    assert run_json(env, "remind", "--today", "2027-01-15")["queued"] == 0   # 2027 was asked already
    assert len(queued(redis_client)) == 8


def test_a_paid_through_date_from_the_roster_shows_where_it_came_from(env, db, tmp_path):
    path = tmp_path / "名册.csv"
    path.write_text("姓名,手机号,会员类别,缴费情况\n张伟,13800138000,普通会员,2025年已缴\n", encoding="utf-8-sig")
    run(env, "members", "import", path)
    number = db["members"].get(1)["member_no"]
    out = run_json(env, "fees", "show", number)
    assert (out["paid_through"], out["payments"], out["opening_balance"]) == (
        "2025-12-31", [], "名册导入 名册.csv 第 2 行")
    assert "期初余额，来自名册导入 名册.csv 第 2 行" in run(env, "fees", "show", number)
    run(env, "fees", "record", number, REGULAR, "--date", "2026-02-01")
    assert run_json(env, "fees", "show", number)["opening_balance"] is None  # a payment explains it now


def test_a_year_skipped_before_a_late_payment_is_due_and_not_paid(env, db):
    """Console walk 11, #5: a lapsed member paying in December (booked to 2027) left 2026's denominator, so
    the rate reported to the province climbed to 100% as the overdue paid. 2026's dues never came: due, not
    paid, counted apart (moved) and off the arrears list."""
    add_member(db, "HNKX202000001", paid_through="2024-12-31")
    run(env, "fees", "record", "HNKX202000001", REGULAR, "--date", "2026-12-05")   # buys 2027 (from November)
    assert find_member_by_no(db, "HNKX202000001")["paid_through"] == "2027-12-31"
    this_year = run_json(env, "fees", "report", "--year", 2026, "--today", "2026-12-06")["total"]
    next_year = run_json(env, "fees", "report", "--year", 2027, "--today", "2026-12-06")["total"]
    assert (this_year["due"], this_year["paid"], this_year["overdue"], this_year["moved"]) == (1, 0, 0, 1)
    assert this_year["rate"] == 0
    text = run(env, "fees", "report", "--year", 2026, "--today", "2026-12-06")
    assert "记入下一年" in text and "收缴率＝已缴 2026 年会费的人数 ÷ 应缴 2026 年会费的人数" in text
    assert "11 月 1 日以后才缴费、按规定记为 2027 年会费" in text
    assert next_year["paid"] == 1
    run(env, "fees", "record", "HNKX202000001", REGULAR, "--date", "2027-03-01", "--again")  # continues: 2028
    assert run_json(env, "fees", "report", "--year", 2027, "--today", "2027-03-02")["total"]["paid"] == 1


def test_dues_of_a_member_who_died_are_not_recorded_as_a_statement_would_hold_them(env, db):
    """Console walk 11, #2: the deceased member's page read 会费 有效, 会费缴至 a year later."""
    add_member(db, "HNKX201800002", paid_through="2025-12-31", name="何强", status="deceased")
    refused = invoke(env, "fees", "record", "HNKX201800002", REGULAR)
    assert refused.exit_code != 0 and "何强（HNKX201800002）的会籍状态是“已故”：这笔钱没有登记" in refused.output
    assert find_member_by_no(db, "HNKX201800002")["paid_through"] == "2025-12-31"


def test_a_category_that_owed_nothing_this_year_has_no_rate_not_zero(env, db):
    """A student who joined in November and paid for next year: money came in, nobody owed: 收缴率 —, not 0.0%."""
    add_member(db, "HNKX202600001", category="student", joined_at="2026-11-15")
    run(env, "fees", "record", "HNKX202600001", dues.yearly_fee("student"), "--date", "2026-12-01")
    report = run_json(env, "fees", "report", "--year", 2026, "--today", "2026-12-06")
    assert (report["categories"][0]["due"], report["categories"][0]["rate"]) == (0, None)
    student_line = next(line for line in run(env, "fees", "report", "--year", 2026, "--today", "2026-12-06")
                        .splitlines() if line.startswith("学生会员"))
    assert "—" in student_line and "0.0%" not in student_line
