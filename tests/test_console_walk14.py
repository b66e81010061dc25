"""Console walk 14 (a secretary, an editor and a viewer on their first day): what blocked their work first. A payment
date typed the way people write it (a browser's date box read 2026.3.5 as the year 635), the bank import's rows left
to settle after 确认登记, a unit member put right after it was added, the import's preview promising what confirm does."""
from __future__ import annotations

import io
import re
from datetime import date, timedelta

from openpyxl import Workbook

from bot.admin import accounts
from handlers.fees import dues
from handlers.fees.payments import record_payment
from storage.fees import find_payer, find_payers_by_name
from storage.members import create_application, find_unit_by_no, unit_category
from tests.admin_data import PASSWORD, individual
from tests.test_admin_pages import statement
from tests.test_console_walk12 import member, paid
from tests.test_event_console import new_event
from tests.test_admin import log_in, page, post, staff, units, users  # noqa: F401  (fixtures)

Y = date.today().year


def flashed(response) -> str:
    """The flash messages alone (the page's own labels say 缴费日期 too)."""
    return "\n".join(re.findall(r'<p class="flash[^"]*"[^>]*>(.*?)</p>', page(response), re.S))


# --- #3: a payment date as people type it ------------------------------------------------------------

def _pay(staff, number: str, paid_on: str):
    return post(staff, "/admin/dues/record", {"number": number, "amount": "100元", "years": "1", "method": "现金",
                                              "paid_on": paid_on}, follow_redirects=True)


def test_a_payment_date_from_long_ago_is_refused_naming_the_date(staff, db):
    """The date box turned 2026.3.5 into 0635-02-02, and a receipt was issued for it."""
    member(db, "HNKX201900021", "卢静", f"{Y - 1}-12-31")
    said = flashed(_pay(staff, "HNKX201900021", "0635-02-02"))
    assert "缴费日期" in said and "0635-02-02" in said and "已登记" not in said, said
    assert paid(db, "HNKX201900021") == []


def test_a_payment_date_typed_with_dots_slashes_or_as_month_and_day_is_read(staff, db):
    member(db, "HNKX201900022", "葛云", f"{Y}-12-31")
    member(db, "HNKX201900023", "秦岭", f"{Y}-12-31")
    member(db, "HNKX201900024", "蒋涛", f"{Y}-12-31")
    day = date.today() - timedelta(days=3)
    for number, typed in (("HNKX201900022", f"{day.year}.{day.month}.{day.day}"),
                          ("HNKX201900023", f"{day.year}/{day.month}/{day.day}"),
                          ("HNKX201900024", f"{day.month}月{day.day}日")):
        said = flashed(_pay(staff, number, typed))
        assert "已登记" in said, (typed, said)
        assert [p["paid_at"][:10] for p in paid(db, number)] == [day.isoformat()], typed


def test_the_payment_date_box_takes_typed_text(staff):
    """A browser's date box reads 2026.3.5 its own way: the box is a text box with the ways it can be written."""
    shown = page(staff.get("/admin/dues/"))
    box = shown.split('name="paid_on"')[0].rsplit("<input", 1)[1] + shown.split('name="paid_on"')[1].split(">")[0]
    assert 'type="date"' not in box, box


# --- #2: the bank import's rows to settle stay listed after 确认登记 ------------------------------------------

def _statement_confirmed(staff, rows, name="工行流水.xlsx"):
    sent = post(staff, "/admin/dues/import", {"file": (statement(rows), name)}, content_type="multipart/form-data")
    return post(staff, sent.location)


def _to_settle(staff) -> str:
    shown = page(staff.get("/admin/dues/"))
    return shown.split('id="to-settle"')[1].split("</section>")[0] if 'id="to-settle"' in shown else ""


def test_rows_the_import_left_are_listed_on_the_dues_page_until_each_is_settled(staff, db):
    """After 确认登记 the unmatched row and the amount nobody could read were listed once, on the result page; opened
    again, the import said only that the file was done, and 会费 listed them nowhere."""
    fee = dues.yearly_fee("regular")
    member(db, "HNKX201900031", "邵芳", f"{Y - 1}-12-31")
    _statement_confirmed(staff, [[f"{Y}-11-02", fee, "HNKX201900031"], [f"{Y}-11-03", fee, "HNKX299999998"],
                                 [f"{Y}-11-04", "一百", "HNKX201900031"]])
    listed = _to_settle(staff)
    assert "HNKX299999998" in listed and "一百" in listed and "工行流水.xlsx" in listed, listed
    assert "HNKX201900031" not in listed.split("一百")[0].split("HNKX299999998")[-1]  # the booked row is not listed
    row_id = re.search(r'action="/admin/dues/to-settle/(\d+)"', listed).group(1)
    done = post(staff, f"/admin/dues/to-settle/{row_id}", {"how": "not_dues", "note": "是会议费"},
                follow_redirects=True)
    assert "已处理" in flashed(done), flashed(done)
    left = _to_settle(staff)
    assert left.count('action="/admin/dues/to-settle/') == 1, left


def test_a_statement_imported_again_lists_its_rows_to_settle_once(staff, db):
    fee = dues.yearly_fee("regular")
    for _ in range(2):
        _statement_confirmed(staff, [[f"{Y}-11-03", fee, "HNKX299999997"]])
    assert _to_settle(staff).count("HNKX299999997") == 1


def test_a_viewer_reads_the_rows_to_settle_but_cannot_settle_them(staff, db, config):
    _statement_confirmed(staff, [[f"{Y}-11-03", dues.yearly_fee("regular"), "HNKX299999996"]])
    accounts.create_user(db, config, "赵查看", PASSWORD, "viewer", None, actor="test")
    post(staff, "/admin/logout")
    assert log_in(staff, "赵查看").status_code == 302
    shown = page(staff.get("/admin/dues/"))
    assert "HNKX299999996" in shown and "/admin/dues/to-settle/" not in shown


def test_the_result_page_says_where_the_rows_left_stay(staff, db):
    done = page(_statement_confirmed(staff, [[f"{Y}-11-03", dues.yearly_fee("regular"), "HNKX299999995"]]))
    assert "银行流水待处理" in done and "#to-settle" in done


# --- #4: a unit member put right after it was added ---------------------------------------------------

def test_a_unit_member_s_page_offers_修改信息_and_the_change_is_saved_and_logged(staff, db, units):
    """河南省科学院's page had only 退款/作废; /edit of its number was 404: a contact's landline put in 备注, its
    level or its contact could not be put right."""
    shown = page(staff.get("/admin/members/HNKXDW202600001"))
    assert "/admin/members/HNKXDW202600001/edit" in shown
    form = page(staff.get("/admin/members/HNKXDW202600001/edit"))
    assert "郑州示范大学" in form and 'name="contact_name"' in form
    saved = post(staff, "/admin/members/HNKXDW202600001/edit",
                 {"name": "郑州示范大学", "credit_code": "12410000MB0000001X", "contact_name": "马红梅",
                  "contact_mobile": "13903711234", "remarks": "座机 0371-65587112", "status": "active",
                  "reason": "联系人换了"}, follow_redirects=True)
    assert "已保存" in flashed(saved), flashed(saved)
    after = page(saved)
    assert "马红梅" in after and "0371-65587112" in after and "联系人换了" in after


def test_a_unit_member_is_suspended_from_its_edit_form_and_a_wrong_mobile_is_refused(staff, db, units):
    refused = post(staff, "/admin/members/HNKXDW202600002/edit",
                   {"name": "中原示范研究院", "contact_mobile": "1390371", "status": "active"})
    assert refused.status_code == 400 and "手机" in page(refused)
    post(staff, "/admin/members/HNKXDW202600002/edit",
         {"name": "中原示范研究院", "credit_code": "12410000MB0000002X", "status": "suspended", "reason": "停止活动"})
    assert "暂停" in page(staff.get("/admin/members/HNKXDW202600002"))


def test_a_unit_renamed_in_its_edit_form_keeps_its_old_name_for_the_transfers_that_still_come_under_it(staff, db, units):
    """As a roster's 更名为 does: the bank's 户名 of the old name still finds the unit, not nobody."""
    post(staff, "/admin/members/HNKXDW202600002/edit",
         {"name": "中原示范科技集团有限公司", "credit_code": "12410000MB0000002X", "status": "active", "reason": "更名"})
    [payer] = find_payers_by_name(db, "中原示范研究院")
    assert (payer["number"], payer["name"]) == ("HNKXDW202600002", "中原示范科技集团有限公司")


# --- #6: the preview shows what 确认登记 will do ---------------------------------------------------------

def test_the_preview_takes_an_earlier_row_of_the_same_file_into_account(staff, db):
    """Row 5 paid 张国强 years ahead; the preview still said row 15 would book one more year (可登记 7 笔), and confirm
    held it as a likely second payment (6 registered)."""
    fee = dues.yearly_fee("regular")
    member(db, "HNKX201900041", "龚明", f"{Y}-12-31")
    sent = post(staff, "/admin/dues/import", {"file": (statement([[f"{Y}-11-02", fee * 3, "HNKX201900041"],
                                                                  [f"{Y}-11-20", fee, "HNKX201900041"]]), "流水.xlsx")},
                content_type="multipart/form-data")
    preview = page(staff.get(sent.location))
    assert "可登记 2 笔" not in preview and "第 3 行：（试运行）" not in preview, preview
    assert "2029-12-31" in preview.split("第 3 行")[-1][:300]  # held: said paid through the first row's date
    done = page(post(staff, sent.location))
    assert "新登记 1 笔" in done
    assert len(paid(db, "HNKX201900041")) == 1


# --- #7: a credit code's check digit said as such ------------------------------------------------------

def test_a_credit_code_of_the_right_shape_with_a_wrong_check_digit_is_said_so(staff, units):
    """'91410000170010456P' is 18 digits and capitals: told it should be 18 digits or capitals, the secretary
    looked for a wrong letter that was not there."""
    wrong = page(post(staff, "/admin/members/new-unit", {"name": "中原示范高速", "credit_code": "91410000170010456P"}))
    assert "校验位" in wrong and "应为 18 位数字或大写字母" not in wrong.split("新增单位会员")[-1], wrong
    shape = page(post(staff, "/admin/members/new-unit", {"name": "中原示范高速", "credit_code": "9141000017001"}))
    assert "18 位" in shape


def test_the_button_that_skips_bad_rows_counts_the_units_it_imports(staff, db):
    """'只导入没有问题的行（0 人）' while one unit member would be imported."""
    book = Workbook()
    book.active.append(["单位名称", "统一社会信用代码", "联系人", "联系电话"])
    book.active.append(["中原示范高速公路公司", None, "李文华", "13800000104"])
    book.active.append(["郑州示范客车公司", "91410000170010456P", "马红梅", "13800000102"])
    data = io.BytesIO()
    book.save(data)
    data.seek(0)
    sent = post(staff, "/admin/members/import/", {"file": (data, "单位会员.xlsx")}, content_type="multipart/form-data")
    report = page(staff.get(sent.location))
    assert "0 人、1 个单位" in report or "（1 个单位）" in report, report


# --- #14: a November payment booked to next year, said in one plain line --------------------------------

def test_the_member_page_says_when_the_money_came_what_it_was_booked_as_and_what_is_still_owed(staff, db):
    """'有效' next to '2026 年未缴（… 没有补这几年）': a viewer on the phone could not tell whether the money arrived."""
    member(db, "HNKX201900051", "严丽", f"{Y - 1}-12-31")
    record_payment(db, find_payer(db, "HNKX201900051"), 100, 1, date(Y, 11, 5), "现金", "test")
    shown = page(staff.get("/admin/members/HNKX201900051"))
    assert f"{Y}-11-05 收到 100 元，记为 {Y + 1} 年的会费（按缴费规则）；{Y} 年仍未缴" in shown, shown
    assert "这几年" not in shown


# --- #22: the export link says what a read-only user's file holds ----------------------------------------

def test_a_viewer_s_registrant_export_link_does_not_promise_whole_mobiles(staff, db, config):
    event = new_event(staff, db)
    assert "含完整手机号" in page(staff.get(f"/admin/events/{event['event_no']}"))
    accounts.create_user(db, config, "赵查看", PASSWORD, "viewer", None, actor="test")
    post(staff, "/admin/logout")
    assert log_in(staff, "赵查看").status_code == 302
    shown = page(staff.get(f"/admin/events/{event['event_no']}"))
    assert "导出报名名单" in shown and "含完整手机号" not in shown


# --- #16: 入会审批 can be searched ------------------------------------------------------------------

def test_applications_are_found_by_name_last_four_digits_or_number(staff, db):
    """An applicant rings to ask why she was rejected: 已驳回 had no 查找 (?q=吴佳怡 was ignored)."""
    for n, name in enumerate(("吴佳怡", "孔德明", "于小雪")):
        create_application(db, f"o_apply_{n}", "individual", individual(name=name, mobile=f"1370037{n:04d}"))
    found = page(staff.get("/admin/applications/?q=吴佳怡"))
    assert 'name="q"' in found and "吴佳怡" in found and "孔德明" not in found
    by_digits = page(staff.get("/admin/applications/?q=0002"))
    assert "于小雪" in by_digits and "吴佳怡" not in by_digits


def test_a_unit_s_dues_exemption_is_set_and_taken_back_in_its_edit_form(staff, db, units):
    """An exemption the import read (or a host institute added by hand) could be put right nowhere."""
    form = {"name": "中原示范研究院", "credit_code": "12410000MB0000002X", "status": "active"}
    assert 'name="dues_exempt"' in page(staff.get("/admin/members/HNKXDW202600002/edit"))
    post(staff, "/admin/members/HNKXDW202600002/edit", dict(form, dues_exempt="1", reason="挂靠单位"))
    assert dues.dues_standing(unit_category(find_unit_by_no(db, "HNKXDW202600002")), None, date.today()) == "exempt"
    post(staff, "/admin/members/HNKXDW202600002/edit", dict(form, dues_exempt="0", reason="不再挂靠"))
    assert unit_category(find_unit_by_no(db, "HNKXDW202600002")) == "unit"
