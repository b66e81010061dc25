"""The console's dues, newsletter and tickets pages through Flask's test client.

Each change is the CLI's own function, so these check what the page adds:
who may open it, the CSRF token on every form, and that a refused form says
why and keeps what was typed.
"""
from __future__ import annotations

import io
from datetime import date

import pytest
from openpyxl import Workbook

from handlers.fees import dues
from storage import tickets as ticket_store
from storage.members import insert_member
from handlers.news.items import give_default_subscriptions
from storage.news import find_item
from storage.fees import find_payer, payments_of
from storage.sqlite import transaction
from tests.admin_data import add_units, add_users
from tests.notices import queued_notices
from tests.test_admin import log_in, page, post

PAGES = ("/admin/dues/", "/admin/dues/import", "/admin/news/", "/admin/news/new", "/admin/tickets/")
YEAR = date.today().year


@pytest.fixture
def society(db, config):
    units = add_units(db)
    add_users(db, config, units[0])
    with transaction(db):
        for n, paid in ((1, f"{YEAR - 1}-12-31"), (2, f"{YEAR - 3}-12-31"), (3, f"{YEAR}-12-31")):
            openid = f"oMember{n}_{'0' * 20}"
            insert_member(db, {"member_no": f"HNKX2020{n:05d}", "name": f"会员{n}", "category": "regular",
                               "paid_through": paid, "openid": openid, "mobile": f"1380013800{n}",
                               "discipline": "材料科学"}, actor="test")
            give_default_subscriptions(db, openid)
    return units


@pytest.fixture
def staff(client, society):
    assert log_in(client, "staff1").status_code == 302
    return client


@pytest.mark.parametrize("url", PAGES)
def test_a_unit_contact_is_refused_and_staff_see_the_page(client, society, url):
    log_in(client, "unit1")
    assert client.get(url).status_code == 403
    log_in(client, "staff1")
    assert client.get(url).status_code == 200


@pytest.mark.parametrize("url", ["/admin/dues/record", "/admin/dues/remind", "/admin/dues/import",
                                 "/admin/news/new", "/admin/news/x/send", "/admin/tickets/T1/reply",
                                 "/admin/tickets/T1/close"])
def test_every_new_form_needs_the_csrf_token(staff, url):
    assert staff.post(url, data={}).status_code == 400


# --- dues -------------------------------------------------------------------------------------

def test_record_a_payment_shows_the_receipt(staff, db):
    fee = dues.yearly_fee("regular")
    done = post(staff, "/admin/dues/record", {"number": "hnkx202000001", "amount": fee, "years": "1",
                                               "from_year": str(YEAR)},  # it owes this year (walk 12, #2)
                follow_redirects=True)
    [payment] = payments_of(db, find_payer(db, "HNKX202000001"))
    assert f"收据号 {payment['receipt_no']}" in page(done)
    assert payment["recorded_by"] == "console:staff1"


def test_the_same_payment_typed_twice_is_held_until_confirmed(staff, db):
    form = {"number": "HNKX202000001", "amount": dues.yearly_fee("regular"), "years": "1", "from_year": str(YEAR)}
    post(staff, "/admin/dues/record", form, follow_redirects=True)
    again = post(staff, "/admin/dues/record", form, follow_redirects=True)
    assert "可能是同一笔钱" in page(again)
    assert len(payments_of(db, find_payer(db, "HNKX202000001"))) == 1
    post(staff, "/admin/dues/record", dict(form, again="1", from_year=""), follow_redirects=True)  # the next year
    assert len(payments_of(db, find_payer(db, "HNKX202000001"))) == 2


def test_a_wrong_amount_is_explained_and_the_form_kept(staff, db):
    refused = post(staff, "/admin/dues/record", {"number": "HNKX202000001", "amount": "7", "years": "1",
                                                  "note": "现金"}, follow_redirects=True)
    assert "没有 7 元的缴费标准" in page(refused) or "应为" in page(refused)
    assert 'value="现金"' in page(refused)
    assert payments_of(db, find_payer(db, "HNKX202000001")) == []
    unknown = post(staff, "/admin/dues/record", {"number": "NOPE", "amount": "1", "years": "1"},
                   follow_redirects=True)
    assert "找不到会员编号“NOPE”" in page(unknown)


def test_the_overdue_list_and_reminders(staff, redis_client):
    listing = page(staff.get("/admin/dues/"))
    assert "会员1" in listing and "会员2" in listing and "会员3" not in listing
    assert "郑州示范大学" in listing and "从未缴费" in listing  # units that never paid owe too
    done = post(staff, "/admin/dues/remind", follow_redirects=True)
    assert "已发送提醒" in page(done)


def test_members_the_roster_marks_a_year_unpaid_between_paid_ones_are_listed_to_follow_up(staff, db):
    """A roster's 2024 ✓ / 2025 blank / 2026 ✓ pays the member through 2026 and keeps 2025 as unpaid
    (dues_unpaid): not overdue, never reminded, and shown nowhere, so nobody asked for 2025's dues."""
    with transaction(db):
        insert_member(db, {"member_no": "HNKX202400077", "name": "丙三", "category": "regular",
                           "paid_through": f"{date.today().year}-12-31", "dues_unpaid": "2025"}, actor="test")
    listing = page(staff.get("/admin/dues/"))
    gaps = listing.split("有欠缴年份的会员")[1]
    assert "共 1 人" in gaps and "HNKX202400077" in gaps and "丙三" in gaps and "2025" in gaps
    assert "补交2025年会费" in gaps
    assert "HNKX202400077" not in listing.split("有欠缴年份的会员")[0]


def test_the_collection_rate_shows_individuals_and_units_apart(staff, db):
    table = page(staff.get("/admin/dues/")).split("年会费收缴率")[1]
    assert "个人会员" in table and "单位会员" in table
    individuals, units = table.split("个人会员")[1].split("单位会员")[:2]
    assert "33.3%" in individuals and "0.0%" in units


def statement(rows) -> io.BytesIO:
    book = Workbook()
    sheet = book.active
    sheet.append(["交易日期", "金额", "会员编号"])
    for row in rows:
        sheet.append(row)
    data = io.BytesIO()
    book.save(data)
    data.seek(0)
    return data


def test_import_a_statement_report_then_confirm(staff, db):
    fee = dues.yearly_fee("regular")
    sent = post(staff, "/admin/dues/import", {"file": (statement([[f"{YEAR}-03-01", fee, "HNKX202000002"],
                                                                  [f"{YEAR}-03-02", fee, "HNKX299999999"]]),
                                                       "流水.xlsx")},
                content_type="multipart/form-data")
    assert sent.status_code == 302
    report = staff.get(sent.location)
    assert "找不到编号 HNKX299999999" in page(report) and "可登记 1 笔" in page(report)
    assert payments_of(db, find_payer(db, "HNKX202000002")) == []  # nothing written yet
    done = post(staff, sent.location)
    assert "新登记 1 笔" in page(done)
    assert len(payments_of(db, find_payer(db, "HNKX202000002"))) == 1
    again = staff.get(sent.location, follow_redirects=True)  # the upload is spent: not imported twice
    assert "已经导入过了" in page(again) and len(payments_of(db, find_payer(db, "HNKX202000002"))) == 1


def test_a_file_that_is_not_a_statement_goes_back_with_why(staff):
    wrong = post(staff, "/admin/dues/import", {"file": (io.BytesIO(b"x"), "a.pdf")},
                 content_type="multipart/form-data", follow_redirects=True)
    assert "不是 .xlsx、.xls 或 .csv 文件" in page(wrong)


# --- newsletter ---------------------------------------------------------------------------------

ITEM = {"title": "省科技厅项目申报指南", "topics": "policy", "summary": "申报时间和条件",
        "body": "# 要点\n**十月底**截止。"}


def test_write_preview_count_and_send(staff, db, redis_client):
    saved = post(staff, "/admin/news/new", ITEM)
    assert saved.status_code == 302
    preview = page(staff.get(saved.location))
    assert "省科技厅项目申报指南" in preview and "十月底截止" in preview and "可送达 3 人" in preview
    assert staff.get("/admin/news/count?topics=policy&category=student").get_json() == {"count": 0}
    assert staff.get("/admin/news/count?topics=policy&discipline=材料").get_json() == {"count": 3}
    sent = post(staff, f"{saved.location}/send", follow_redirects=True)
    assert "新排队 3 位" in page(sent)
    progress = staff.get(f"{saved.location}/progress").get_json()
    assert progress["total"] == 3 and progress["done"] == 0 and progress["status"][0]["count"] == 3


def test_a_bad_item_lists_its_problems_and_keeps_the_text(staff, db):
    refused = post(staff, "/admin/news/new", {"title": "无栏目", "summary": "摘要", "link": "not a link",
                                              "body": "正文保留", "unit": "HNKXDW999"})
    text = page(refused)
    assert refused.status_code == 400 and "会讯未保存" in text
    assert "正文保留" in text and 'value="无栏目"' in text
    assert find_item(db, "无栏目") is None


# --- tickets ---------------------------------------------------------------------------------

def test_reply_reaches_the_member_and_close(staff, db, redis_client):
    ticket_no = ticket_store.create_ticket(db, "oMember1_" + "0" * 20, "建议", "希望增加线上讲座")
    assert "希望增加线上讲座" in page(staff.get("/admin/tickets/"))
    empty = post(staff, f"/admin/tickets/{ticket_no}/reply", {"text": " "}, follow_redirects=True)
    assert "请填写答复内容" in page(empty)
    done = post(staff, f"/admin/tickets/{ticket_no}/reply", {"text": "下月安排"}, follow_redirects=True)
    assert f"已答复诉求 {ticket_no}" in page(done)
    [notice] = queued_notices(redis_client)
    assert notice["openid"] == "oMember1_" + "0" * 20 and "下月安排" in notice["text"]
    closed = post(staff, f"/admin/tickets/{ticket_no}/close", {"reason": "已安排"}, follow_redirects=True)
    assert "已办结" in page(closed)
    again = post(staff, f"/admin/tickets/{ticket_no}/reply", {"text": "补充"}, follow_redirects=True)
    assert "不能再回复" in page(again)
    assert ticket_store.find_ticket(db, ticket_no)["status"] == "closed"


def test_an_answer_too_long_for_one_wechat_message_is_refused_and_kept(staff, db, redis_client):
    ticket_no = ticket_store.create_ticket(db, "o_long", "建议", "希望增加线上讲座")
    answer = "学会将于下月安排线上讲座。" * 400  # 5,200 characters pasted in
    refused = post(staff, f"/admin/tickets/{ticket_no}/reply", {"text": answer})
    assert refused.status_code == 400 and "超过了 600 字" in page(refused) and answer in page(refused)
    assert not queued_notices(redis_client) and not ticket_store.replies_to(db, ticket_store.find_ticket(
        db, ticket_no)["id"])
    assert 'maxlength="600"' in page(staff.get(f"/admin/tickets/{ticket_no}"))


def test_a_request_for_a_person_shows_whom_to_call_and_since_when(staff, db):
    insert_member(db, {"member_no": "HNKX202600002", "name": "黄蓉", "category": "regular", "openid": "o_huang",
                       "mobile": "13912345678"}, actor="test")
    ticket_no = ticket_store.open_human_ticket(db, "o_huang", "人工服务")
    shown = page(staff.get(f"/admin/tickets/{ticket_no}"))
    assert "13912345678" in shown and 'href="/admin/members/HNKX202600002"' in shown and "提交时间" in shown


@pytest.mark.parametrize("form, said", [
    ({"amount": "200", "years": "1"}, "勾选“金额不符合缴费标准，仍然登记”"),
    ({"amount": "400", "years": "4"}, "勾选“金额不符合缴费标准，仍然登记”"),
    ({"amount": "200", "years": "1", "force": "1"}, "在“备注”里写明原因"),
])
def test_an_amount_off_the_schedule_is_refused_in_the_forms_own_words_not_the_commands(staff, db, form, said):
    """It said "请加 --force 并用 --note 说明原因": options of the command line, on a web form."""
    refused = post(staff, "/admin/dues/record", dict(form, number="HNKX202000001", method="现金"),
                   follow_redirects=True)
    text = page(refused)
    assert refused.status_code == 400 and said in text and "--" not in text.split("<main")[1], text
    assert payments_of(db, find_payer(db, "HNKX202000001")) == []
    forced = post(staff, "/admin/dues/record", dict(form, number="HNKX202000001", force="1", note="补缴差额"),
                  follow_redirects=True)
    assert "收据号" in page(forced)


def test_a_name_typed_for_the_member_number_finds_the_number_and_records_nothing(staff, db):
    """A secretary knows 王芳, not HNKX202600002: it said only 找不到会员编号“王芳”，请核对。"""
    fee = dues.yearly_fee("regular")
    refused = post(staff, "/admin/dues/record", {"number": " 会员1 ", "amount": fee, "years": "1"},
                   follow_redirects=True)
    text = page(refused)
    assert refused.status_code == 400 and "会员1的会员编号是 HNKX202000001" in text
    assert 'name="number" value="HNKX202000001"' in text.replace("\n", " ").replace("  ", " ") or \
        'value="HNKX202000001"' in text
    assert payments_of(db, find_payer(db, "HNKX202000001")) == []
    with transaction(db):
        insert_member(db, {"member_no": "HNKX202000009", "name": "会员1", "category": "regular",
                           "mobile": "13800138009"}, actor="test")
    two = page(post(staff, "/admin/dues/record", {"number": "会员1", "amount": fee, "years": "1"},
                    follow_redirects=True))
    assert "名叫“会员1”的会员有 2 位" in two and "HNKX202000001" in two and "HNKX202000009" in two


def test_notices_that_failed_are_named_with_why_and_can_be_sent_again(staff, db, redis_client):
    """Console walk 10, #6: approvals and answers said 会员将收到通知 and nothing showed that they failed."""
    from storage import deliveries as ledger

    insert_member(db, {"member_no": "HNKX202600003", "name": "马超", "category": "regular", "openid": "o_ma"},
                  actor="test")
    ledger.claim_notice(db, "k1", "o_ma", "approval", "您的入会申请已批准", "w", set())
    rows = ledger.notice_row("k1")
    ledger.begin_sending(db, rows, "w", "customer_service")
    ledger.settle(db, rows, "w", "failed", errmsg="ConnectionError: api.weixin.qq.com", r=redis_client)
    shown = page(staff.get("/admin/dashboard/"))
    assert "没有送达的通知（1 条）" in shown and "马超（HNKX202600003）" in shown
    assert "入会审批结果" in shown and "连不上微信接口" in shown
    done = post(staff, "/admin/dashboard/retry-notices", follow_redirects=True)
    assert "已为 1 条没有送达的通知重新排队" in page(done) and "没有送达的通知（" not in page(done)
    assert [n["text"] for n in queued_notices(redis_client)] == ["您的入会申请已批准"]


def test_notices_whose_send_broke_off_are_named_with_what_to_do(staff, db, redis_client):
    """c68dbd7: a connection reset on a customer-service send leaves the notice uncertain (a resend could deliver
    it twice), and nothing in the console named those members or said what to do with them."""
    from storage import deliveries as ledger

    insert_member(db, {"member_no": "HNKX202600004", "name": "黄忠", "category": "regular", "openid": "o_huang"},
                  actor="test")
    ledger.claim_notice(db, "k2", "o_huang", "ticket", "您的诉求有了答复", "w", set())
    rows = ledger.notice_row("k2")
    ledger.begin_sending(db, rows, "w", "customer_service")
    ledger.settle(db, rows, "w", "uncertain", errmsg="ConnectionResetError: [Errno 104] Connection reset by peer",
                  r=redis_client)
    shown = page(staff.get("/admin/dashboard/"))
    assert "不确定是否送到的通知（1 条）" in shown and "黄忠（HNKX202600004）" in shown and "诉求答复" in shown
    assert "连接被中断" in shown and "不会自动重发" in shown and "电话" in shown


def test_a_held_row_read_two_ways_says_what_ticking_it_books(staff, db):
    """Console walk 10, #12: 200 元 from a 普通会员 is two of their years or one 高级会员 year; it sat under
    可能重复, and ticking it booked two years without saying so."""
    with transaction(db):
        insert_member(db, {"member_no": "HNKX202400099", "name": "王芳", "category": "regular",
                           "paid_through": f"{YEAR}-12-31"}, actor="test")
    senior = dues.yearly_fee("senior")
    sent = post(staff, "/admin/dues/import", {"file": (statement([[date.today().isoformat(), senior, "HNKX202400099"]]),
                                                       "流水.xlsx")}, content_type="multipart/form-data")
    shown = page(staff.get(sent.location))
    assert "可能重复，先挂起" not in shown and "两种读法" in shown
    assert "勾选：按普通会员 2 年的会费登记，不改会员类别" in shown and "先在会员页把类别改为高级会员" in shown


def test_a_file_too_big_says_the_limit_and_leads_back_to_the_upload(env, client, db):
    """Console walk 10, #19: it said only 上传的文件太大 with a link to the home page."""
    from bot.app import create_app
    from bot.config import load_config

    env["ADMIN_UPLOAD_MAX_BYTES"] = str(1024 * 1024)
    app = create_app(load_config(env))
    add_users(db, load_config(env), add_units(db)[0])
    web = app.test_client()
    assert log_in(web, "staff1").status_code == 302
    refused = post(web, "/admin/members/import/", {"file": (io.BytesIO(b"x" * (2 * 1024 * 1024)), "big.xlsx")},
                   content_type="multipart/form-data")
    assert refused.status_code == 413
    assert "最大 1 MB" in page(refused) and 'href="/admin/members/import/"' in page(refused)


def test_a_word_document_named_xlsx_is_called_a_word_document(staff):
    """Console walk 10, #20: a .docx renamed .xlsx was 文件可能已损坏，或还是空的."""
    import zipfile

    document = io.BytesIO()
    with zipfile.ZipFile(document, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", "<w:document/>")
    document.seek(0)
    sent = post(staff, "/admin/members/import/", {"file": (document, "名册.xlsx")}, content_type="multipart/form-data")
    shown = page(staff.get(sent.location, follow_redirects=True))
    assert "名册.xlsx 是一个 Word 文档，不是 Excel 名册" in shown and "损坏" not in shown
