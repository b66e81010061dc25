"""The small things a secretary meets on the console every day (console walk 10, #18-#29), through Flask's
test client: a search for % or _ finds what holds that character, messages say what to fill in, and the
words on a page say what happened."""
from __future__ import annotations

from storage.members import insert_member
from storage.sqlite import transaction
from tests.test_admin import page, post, staff, units, upload, users  # noqa: F401  (fixtures)


def members(db, *rows):
    with transaction(db):
        for number, name, mobile, remarks in rows:
            insert_member(db, {"member_no": number, "name": name, "category": "regular", "mobile": mobile,
                               "remarks": remarks}, actor="test")


def test_a_search_for_percent_or_underscore_finds_only_what_holds_it(staff, db):
    members(db, ("HNKX201900001", "张伟", "13800138001", "会费减免 50%"),
            ("HNKX201900002", "李娜", "13800138002", None))
    for typed in ("%", "50%"):
        found = page(staff.get("/admin/members/", query_string={"q": typed}))
        assert "HNKX201900001" in found and "李娜" not in found, typed
    assert "李娜" not in page(staff.get("/admin/members/", query_string={"q": "_"}))
    assert "张伟" in page(staff.get("/admin/members/", query_string={"q": "张伟"}))


def test_a_newsletter_without_a_topic_names_the_topics_as_the_form_shows_them(staff):
    refused = page(post(staff, "/admin/news/new", {"title": "年会通知", "summary": "摘要", "body": "正文"}))
    assert "会讯请至少勾选一个栏目（政策资讯、学科动态、行业动态、人才资讯）" in refused
    assert "policy（" not in refused


def test_the_dues_form_says_what_is_missing_or_wrong_in_a_secretary_s_words(staff, db):
    members(db, ("HNKX201900001", "张伟", "13800138001", None))
    blank = page(post(staff, "/admin/dues/record", {"number": " ", "amount": "100", "years": "1"}))
    assert "请填写会员编号" in blank and "找不到会员编号" not in blank
    for typed in ("-200", "0"):
        refused = page(post(staff, "/admin/dues/record", {"number": "HNKX201900001", "amount": typed, "years": "1"}))
        assert f"金额不能是负数或 0（填的是“{typed}”）" in refused and "请填数字" not in refused, typed
    assert "请填数字" in page(post(staff, "/admin/dues/record", {"number": "HNKX201900001", "amount": "一百",
                                                                "years": "1"}))


def test_the_audit_log_names_the_ticket_answered_or_closed(staff, db, redis_client):
    from storage import tickets

    ticket_no = tickets.create_ticket(db, "oMember1_" + "0" * 20, "建议", "希望增加线上讲座")
    post(staff, f"/admin/tickets/{ticket_no}/reply", {"text": "下月安排"})
    post(staff, f"/admin/tickets/{ticket_no}/close", {"reason": "已安排"})
    log = page(staff.get("/admin/audit/"))
    assert f'<a href="/admin/tickets/{ticket_no}">诉求 {ticket_no}</a>' in log
    assert "<td>答复</td>" in log and "<td>办结</td>" in log and "<td>修改</td>" not in log


def report_of(staff, text: str) -> str:
    uploaded = upload(staff, text=text)
    assert uploaded.status_code == 302
    return page(staff.get(uploaded.location))


def test_the_roster_s_totals_line_is_called_a_totals_line(staff):
    report = report_of(staff, "姓名,会员类别,手机号\n陈静,普通会员,13500135000\n合计,共 1 人,\n")
    assert "第 3 行是合计行，已忽略：合计" in report and "是备注" not in report
    assert "第 4 行是备注，已忽略：制表人：王秘书" in report_of(
        staff, "姓名,会员类别,手机号\n陈静,普通会员,13500135000\n\n制表人：王秘书,,\n")


def test_a_lifetime_member_reads_lifetime_and_a_remark_keeps_its_chinese_punctuation(staff, db):
    with transaction(db):
        insert_member(db, {"member_no": "HNKX201500001", "name": "赵磊", "category": "fellow",
                           "mobile": "13700009999", "paid_through": "9999-12-31"}, actor="test")
    shown = page(staff.get("/admin/members/HNKX201500001"))
    assert "终身有效" in shown and "9999-12-31" not in shown
    saved = post(staff, "/admin/members/HNKX201500001/edit", {
        "name": "赵磊", "category": "fellow", "mobile": "13700009999",
        "remarks": "副理事长；改了备注，办公电话：０３７１-66668888（周一）"})
    assert saved.status_code == 302, page(saved)
    shown = page(staff.get("/admin/members/HNKX201500001"))
    assert "副理事长；改了备注，办公电话：0371-66668888（周一）" in shown
