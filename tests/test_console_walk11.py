"""Console walk 11 (a busy December, data and privacy: #1-#8, #14) through Flask's test client: what a
read-only user sees of members' mobiles, the year's collection rate, undoing a payment, dues of members
who left, the member chart and export, and two secretaries saving the same member."""
from __future__ import annotations

import html
import io
import re
from datetime import date

from openpyxl import load_workbook

from bot.admin import accounts
from handlers.fees import dues
from handlers.fees.payments import record_payment, refund_payment
from storage.fees import find_payer, payments_of
from storage.sqlite import transaction
from storage import tickets as ticket_store
from storage.members import create_application, find_member_by_no, insert_member
from tests.admin_data import PASSWORD, individual
from tests.test_admin_activities import event, sheet  # noqa: F401  (fixture)
from tests.test_admin import log_in, page, post, staff, units, users  # noqa: F401  (fixtures)


def exported_rows(client, **query) -> list[tuple]:
    sheet = load_workbook(io.BytesIO(client.get("/admin/members/export", query_string={"format": "xlsx", **query})
                                     .data)).active
    return list(sheet.iter_rows(values_only=True))


# --- #14: the read-only user and members' mobiles ------------------------------------------------

def test_a_read_only_user_sees_and_exports_mobiles_masked_as_a_unit_contact_does(client, users, db, config):
    """A 理事长 or an auditor has no need to ring members: 139****0012 on every page and in the export."""
    accounts.create_user(db, config, "理事长", PASSWORD, "viewer", None, actor="test")
    insert_member(db, {"member_no": "HNKX202600012", "name": "黄蓉", "category": "regular",
                       "mobile": "13903710012", "openid": "o_huang", "remarks": "新号 13903710099"}, actor="test")
    ticket_no = ticket_store.create_ticket(db, "o_huang", "投诉", "报销还没到账，请回电 13903710012")
    application = create_application(db, "o_new", "individual", individual(mobile="13903710031"))
    assert log_in(client, "理事长").status_code == 302
    shown = [page(client.get(url)) for url in ("/admin/members/HNKX202600012", f"/admin/tickets/{ticket_no}",
                                               f"/admin/applications/{application['app_no']}",
                                               "/admin/members/HNKX202600012/edit", "/admin/tickets/")]
    for text in shown:
        assert "13903710012" not in text and "13903710031" not in text and "13903710099" not in text
    assert "139****0012" in shown[0] and "139****0012" in shown[1] and "139****0031" in shown[2]
    assert "新号 139****0099" in shown[0]  # the remarks and the change log are still there, masked
    assert "变更记录" in shown[0]
    rows = exported_rows(client)
    assert "13903710012" not in str(rows) and "139****0012" in str(rows)

    post(client, "/admin/logout")
    assert log_in(client, "staff1").status_code == 302  # the secretariat rings members: whole numbers
    assert "13903710012" in page(client.get("/admin/members/HNKX202600012"))
    assert "13903710012" in page(client.get(f"/admin/tickets/{ticket_no}"))
    assert "13903710031" in page(client.get(f"/admin/applications/{application['app_no']}"))
    assert "13903710012" in str(exported_rows(client))


def test_a_read_only_user_reads_the_mobile_in_a_payment_s_note_masked(client, users, db, config):
    """The payments card (bcfa4e2) showed a transfer's remark, kept as the payment's note, and a refund's reason
    whole to a 理事长: '代黄蓉交会费 13903710012' where every other page masks it."""
    accounts.create_user(db, config, "理事长", PASSWORD, "viewer", None, actor="test")
    insert_member(db, {"member_no": "HNKX202600012", "name": "黄蓉", "category": "regular",
                       "mobile": "13903710012"}, actor="test")
    payer = find_payer(db, "HNKX202600012")
    record_payment(db, payer, 200, 1, date.today(), "银行转账", "test", note="代黄蓉交会费 13903710012")
    refunded = record_payment(db, payer, 200, 1, date.today(), "银行转账", "test")
    refund_payment(db, refunded["receipt_no"], date.today().isoformat(), "test", "重复转账，已退回 13903710099")
    assert log_in(client, "理事长").status_code == 302
    shown = page(client.get("/admin/members/HNKX202600012")).split("缴费记录")[1]
    assert "13903710012" not in shown and "13903710099" not in shown
    assert "代黄蓉交会费 139****0012" in shown and "139****0099" in shown


# --- #5: the year's collection rate -------------------------------------------------------------

def test_members_who_pay_next_year_s_dues_in_december_stay_due_this_year_and_the_page_says_so(staff, db):
    """The rate reported to the province climbed to 100% as the overdue paid in December (each booked to
    next year and dropped from this year's 应缴). They stay due and unpaid, counted apart, and the arrears list
    (欠费) and the rate agree."""
    year = date.today().year
    with transaction(db):
        for number, name, paid_through in (("HNKX201900001", "王芳", f"{year}-12-31"),
                                           ("HNKX201900002", "黄敏", f"{year - 2}-12-31"),
                                           ("HNKX201900003", "李娜", f"{year - 2}-12-31")):
            insert_member(db, {"member_no": number, "name": name, "category": "regular",
                               "paid_through": paid_through}, actor="test")
    record_payment(db, find_payer(db, "HNKX201900003"), dues.yearly_fee("regular"), 1, date(year, 12, 5),
                   "银行转账", "test")  # from November: next year's dues
    shown = page(staff.get("/admin/dues/"))
    individuals = shown.split("年会费收缴率")[1].split("个人会员")[1].split("</tr>")[0]
    cells = re.findall(r"<td>([^<]*)</td>", individuals)
    assert cells == ["3", "1", "1", "1", "33.3%"]  # 应缴, 已缴, 欠费, 记入下一年, 收缴率
    assert f"收缴率＝已缴 {year} 年会费的人数 ÷ 应缴 {year} 年会费的人数" in shown
    assert f"其中 1 人没有缴 {year} 年会费，11 月 1 日以后才缴费，按规定记为 {year + 1} 年会费" in shown
    units_owing = re.findall(r"<td>([^<]*)</td>", shown.split("单位会员")[1].split("</tr>")[0])[2]
    assert units_owing == "2"  # the two unit members of the fixture never paid
    assert "欠费会员（从未缴费、宽限期内及已过期，共 3 人）" in shown  # 1 + 2: the arrears list agrees
    dashboard = page(staff.get("/admin/dashboard/"))
    assert "应缴 5 人，已缴 1 人" in dashboard and f"其中 1 人11 月 1 日以后才缴费、记入 {year + 1} 年" in dashboard

    next_year = page(staff.get("/admin/dues/", query_string={"year": year + 1}))
    assert f"{year + 1} 年会费收缴率" in next_year
    assert re.findall(r"<td>([^<]*)</td>", next_year.split("个人会员")[1].split("</tr>")[0])[:2] == ["3", "1"]


# --- #1: undoing a payment booked to the wrong member ---------------------------------------------

def test_a_payment_booked_to_the_wrong_member_is_shown_refunded_or_moved_from_his_page(staff, db):
    """The member page had no payments and no page could void a receipt; the CLI's `fees refund` could."""
    year = date.today().year
    with transaction(db):
        for number, name, work_unit in (("HNKX201800001", "张伟", "郑州大学"), ("HNKX202000002", "张伟", "河南大学")):
            insert_member(db, {"member_no": number, "name": name, "category": "regular", "work_unit": work_unit,
                               "paid_through": f"{year}-12-31"}, actor="test")
    wrong = record_payment(db, find_payer(db, "HNKX201800001"), 100, 1, date.today(), "银行转账", "console:李干事",
                           reference="郑州大学 张伟会费", source="import:bank.xlsx")
    shown = page(staff.get("/admin/members/HNKX201800001"))
    payments = shown.split("缴费记录")[1]
    assert wrong["receipt_no"] in payments and "银行流水 bank.xlsx" in payments and "李干事" in payments
    assert "退款/作废" in payments

    no_reason = post(staff, "/admin/dues/refund", {"receipt_no": wrong["receipt_no"], "reason": " "},
                     follow_redirects=True)
    assert "请填写退款/作废的原因" in page(no_reason)
    moved = page(post(staff, "/admin/dues/refund", {"receipt_no": wrong["receipt_no"], "reason": "记错了人",
                                                    "move_to": "hnkx202000002"}, follow_redirects=True))
    assert f"已作废收据 {wrong['receipt_no']}（张伟，100 元）。会费缴至日期由 {year + 1}-12-31 恢复为 {year}-12-31" in moved
    assert f"已登记 张伟 缴费 100 元" in moved and f"会费缴至 {year + 1}-12-31" in moved
    assert "已退款/作废" in moved and "记错了人" in moved  # the wrong one's history, with the reason
    assert find_payer(db, "HNKX201800001")["paid_through"] == f"{year}-12-31"
    assert find_payer(db, "HNKX202000002")["paid_through"] == f"{year + 1}-12-31"
    right = page(staff.get("/admin/members/HNKX202000002")).split("缴费记录")[1]
    assert f"由收据 {wrong['receipt_no']}（原记在 HNKX201800001 张伟 名下）改记" in right
    assert "银行流水 bank.xlsx" in right
    again = page(post(staff, "/admin/dues/refund", {"receipt_no": wrong["receipt_no"], "reason": "再来"},
                      follow_redirects=True))
    assert "已于" in again and "登记过退款" in again


# --- #2, #3, #4: dues of members who resigned or died ----------------------------------------------

def left_and_died(db) -> None:
    """周杰 resigned, 何强 died, 黄敏 is an ordinary member in force."""
    year = date.today().year
    with transaction(db):
        for number, name, status in (("HNKX201700001", "周杰", "resigned"), ("HNKX201800002", "何强", "deceased"),
                                     ("HNKX202200001", "黄敏", "active")):
            insert_member(db, {"member_no": number, "name": name, "category": "regular", "status": status,
                               "paid_through": f"{year - 1}-12-31"}, actor="test")


def test_dues_typed_for_a_resigned_or_deceased_member_are_refused_naming_the_status(staff, db):
    left_and_died(db)
    for number, name, status in (("HNKX201800002", "何强", "已故"), ("HNKX201700001", "周杰", "退会")):
        refused = post(staff, "/admin/dues/record", {"number": number, "amount": "100", "years": "1"})
        assert refused.status_code == 400
        assert f"{name}（{number}）的会籍状态是“{status}”：这笔钱没有登记" in page(refused)
        assert "先在会员页恢复会籍" in page(refused)
        assert find_payer(db, number)["paid_through"] == f"{date.today().year - 1}-12-31"


def test_held_rows_of_members_not_in_force_have_no_box_to_tick_and_the_summary_names_each_hold(staff, db):
    """Ticking a 退会 row booked nothing, a 已故 one was booked; all held rows were called 可能重复. And a
    remittance naming the deceased 何强 (代何强交会费) was 对不上任何会员."""
    left_and_died(db)
    day = date.today().isoformat()
    sent = post(staff, "/admin/dues/import", {"file": (sheet(["交易日期", "贷方金额", "对方户名", "摘要"], [
        [day, 100, "周杰", "周杰会费"],                   # 2: resigned, found by name
        [day, 100, "何小明", "代何强交会费"],             # 3: the deceased, named in the remark only
        [day, 100, "某人", "HNKX201800002 何强会费"],     # 4: the deceased, by number
    ]), "bank.xlsx")}, content_type="multipart/form-data")
    report = page(staff.get(sent.location))
    assert "已挂起 3 笔（会籍状态 3 笔）" in report and "可能重复已挂起" not in report
    assert "HNKX201800002 何强 的会籍状态是“已故”" in report.split("第 3 行")[1].split("</li>")[0]
    assert "对不上任何会员" not in report
    assert 'name="confirm"' not in report  # no box whose ticking does nothing, or books the dead
    assert report.count("勾选也不会登记") == 3
    done = page(post(staff, sent.location, {"confirm": ["2", "3", "4"]}))
    assert "新登记 0 笔" in done and "可能重复，未登记" not in done
    assert payments_of(db, find_payer(db, "HNKX201800002")) == []
    assert payments_of(db, find_payer(db, "HNKX201700001")) == []


# --- #6, #7: the member chart and the export of members who left ------------------------------------

def test_the_member_chart_counts_those_who_left_until_they_left_and_the_export_says_who_left(staff, db):
    left_and_died(db)  # on record as resigned and deceased from the start: left before any month shown
    with transaction(db):
        insert_member(db, {"member_no": "HNKX201900002", "name": "孙丽娜", "category": "senior",
                           "paid_through": dues.LIFETIME_PAID_THROUGH, "joined_at": "2019-03-01"}, actor="test")
        insert_member(db, {"member_no": "HNKX201600001", "name": "赵刚", "category": "regular",
                           "joined_at": "2016-05-01"}, actor="test")
    post(staff, "/admin/members/HNKX201600001/change", {"change": "resign", "reason": "本人申请"})
    growth = page(staff.get("/admin/dashboard/")).split('data-chart-note="growth"')[0].rsplit("<svg", 1)[1]
    values = re.findall(r'class="chart-value"[^>]*>(\d+)<', growth)
    assert values[-1] == "2"  # 孙丽娜 and 黄敏 (joined this month): on the roll now, as 在册个人会员 says
    assert values[-2] == "2"  # 孙丽娜 and 赵刚, still a member at the end of last month

    rows = exported_rows(staff)
    header = rows[0]
    by_name = {row[header.index("姓名")]: row for row in rows[1:]}
    status, paid = header.index("会员状态"), header.index("会费缴至")
    assert (by_name["周杰"][status], by_name["何强"][status], by_name["黄敏"][status]) == ("退会", "已故", "正常")
    assert by_name["孙丽娜"][paid] == "终身"


# --- #8: two secretaries saving the same member -------------------------------------------------------

def edit_form(client, member_no: str) -> dict:
    return edit_form_from(page(client.get(f"/admin/members/{member_no}/edit")))


def edit_form_from(shown: str) -> dict:
    """The edit form's fields as the browser would send them back untouched."""
    fields = dict(re.findall(r'<input type="\w+" name="(\w+)" value="([^"]*)"', shown))
    for name, body in re.findall(r'<select name="(\w+)"[^>]*>(.*?)</select>', shown, re.S):
        chosen = re.search(r'<option value="([^"]*)"[^>]*selected', body)
        fields[name] = chosen.group(1) if chosen else ""
    fields.pop("csrf_token", None)
    return {name: html.unescape(value) for name, value in fields.items()}


def test_a_second_secretary_saving_the_same_member_keeps_the_first_s_change_or_is_told(client, app, users, db):
    with transaction(db):
        insert_member(db, {"member_no": "HNKX201900001", "name": "王芳", "category": "regular",
                           "mobile": "13903710002", "work_unit": "河南农业大学"}, actor="test")
    wang, zhao = app.test_client(), app.test_client()
    log_in(wang, "admin1"), log_in(zhao, "staff1")
    wang_form, zhao_form = edit_form(wang, "HNKX201900001"), edit_form(zhao, "HNKX201900001")
    assert wang_form["work_unit"] == "河南农业大学" and "opened" in wang_form

    assert post(wang, "/admin/members/HNKX201900001/edit",
                dict(wang_form, work_unit="河南农业大学资源与环境学院")).status_code == 302
    assert post(zhao, "/admin/members/HNKX201900001/edit", dict(zhao_form, title="教授")).status_code == 302
    member = find_member_by_no(db, "HNKX201900001")
    assert (member["work_unit"], member["title"]) == ("河南农业大学资源与环境学院", "教授")  # both kept

    zhao_form = edit_form(zhao, "HNKX201900001")
    assert post(wang, "/admin/members/HNKX201900001/edit", dict(edit_form(wang, "HNKX201900001"),
                                                                 title="研究员")).status_code == 302
    clash = post(zhao, "/admin/members/HNKX201900001/edit", dict(zhao_form, title="副教授"))
    assert clash.status_code == 409
    said = page(clash)
    assert "admin1（后台）在" in said and "修改过这位会员的职称" in said and "本次没有保存" in said
    assert 'value="副教授"' in said  # what 赵 typed is still there
    assert find_member_by_no(db, "HNKX201900001")["title"] == "研究员"
    again = dict(edit_form_from(said), title="副教授")
    assert post(zhao, "/admin/members/HNKX201900001/edit", again).status_code == 302  # seen, and sent again
    assert find_member_by_no(db, "HNKX201900001")["title"] == "副教授"


def test_a_unit_s_payment_is_voided_by_its_receipt_number_on_the_dues_page(staff, db):
    """A unit member has no page of its own: the 会费 page takes a receipt number."""
    unit = find_payer(db, "HNKXDW202600001")
    receipt = record_payment(db, unit, 2000, 1, date.today(), "银行转账", "test")["receipt_no"]
    assert "退款/作废一笔缴费" in page(staff.get("/admin/dues/"))
    done = page(post(staff, "/admin/dues/refund", {"receipt_no": receipt.lower(), "reason": "单位多汇，已退回"},
                     follow_redirects=True))
    assert f"已作废收据 {receipt}（郑州示范大学，2000 元）" in done
    assert find_payer(db, "HNKXDW202600001")["paid_through"] is None


def test_a_read_only_user_s_file_of_an_event_s_registrants_has_their_mobiles_masked(client, event, db, config):
    accounts.create_user(db, config, "审计", PASSWORD, "viewer", None, actor="test")
    post(client, "/admin/logout")
    log_in(client, "审计")
    got = client.get(f"/admin/events/{event['event_no']}/registrants.xlsx")
    rows = list(load_workbook(io.BytesIO(got.data)).active.iter_rows(values_only=True))
    assert rows[1][3] == "138****0001" and "13800000001" not in str(rows)
