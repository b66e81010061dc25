"""Console walk 11, #9 through Flask's test client: tickets handed over to a colleague, reopened with a
reason, searched, and a closed ticket telling who closed it, when and why."""
from __future__ import annotations

from bot.admin import accounts
from storage import tickets as ticket_store
from storage.members import insert_member
from tests.admin_data import PASSWORD
from tests.test_admin import log_in, page, post, staff, units, users  # noqa: F401  (fixtures)


def _li_na(db) -> str:
    insert_member(db, {"member_no": "HNKX201500001", "name": "李娜", "category": "regular",
                       "mobile": "13903710002", "openid": "o_lina"}, actor="test")
    return ticket_store.create_ticket(db, "o_lina", "投诉", "报销的钱还没到账")


def test_a_closed_ticket_says_who_closed_it_when_and_why_and_a_colleague_s_refusal_names_them(
        client, users, db, redis_client):
    ticket_no = _li_na(db)
    assert log_in(client, "admin1").status_code == 302
    post(client, f"/admin/tickets/{ticket_no}/close", {"reason": "已电话联系"})
    post(client, "/admin/logout")
    assert log_in(client, "staff1").status_code == 302
    shown = page(client.get(f"/admin/tickets/{ticket_no}"))
    closing = shown.split("data-closing>")[1].split("</dd>")[0]
    assert "admin1（后台）办结" in closing and "已电话联系" in closing
    refused = post(client, f"/admin/tickets/{ticket_no}/reply", {"text": "本周到账"})
    assert refused.status_code == 400 and "由 admin1（后台）办结" in page(refused) and "本周到账" in page(refused)


def test_a_ticket_is_handed_over_to_a_named_colleague_shown_on_the_list(staff, db, redis_client):
    ticket_no = _li_na(db)
    shown = page(staff.get(f"/admin/tickets/{ticket_no}"))
    assert 'id="hand-over"' in shown and '<option value="admin1">' in shown
    assert '<option value="unit1">' not in shown  # a unit's contact handles no member's ticket
    nobody = post(staff, f"/admin/tickets/{ticket_no}/hand-over", {"to": "unit1"})
    assert nobody.status_code == 400 and "请选择转交给哪位同事" in page(nobody)
    done = post(staff, f"/admin/tickets/{ticket_no}/hand-over", {"to": "admin1", "reason": "财务的事请您跟进"},
                follow_redirects=True)
    assert f"已转交给 admin1" in page(done)
    assert "转交给 admin1：财务的事请您跟进" in page(done)
    row = page(staff.get("/admin/tickets/")).split(ticket_no)[2].split("</tr>")[0]
    assert "admin1" in row


def test_a_closed_ticket_is_reopened_with_a_reason_and_answered_again(staff, db, redis_client):
    ticket_no = _li_na(db)
    post(staff, f"/admin/tickets/{ticket_no}/reply", {"text": "本周到账"})
    post(staff, f"/admin/tickets/{ticket_no}/close", {"reason": "已答复，报销到账"})
    shown = page(staff.get(f"/admin/tickets/{ticket_no}"))
    assert "重新打开" in shown and 'id="reply"' not in shown
    no_reason = post(staff, f"/admin/tickets/{ticket_no}/reopen", {"reason": " "})
    assert no_reason.status_code == 400 and "请填写重新打开的原因" in page(no_reason)
    reopened = post(staff, f"/admin/tickets/{ticket_no}/reopen", {"reason": "会员说钱还是没到"},
                    follow_redirects=True)
    assert "已重新打开" in page(reopened) and "重新打开：会员说钱还是没到" in page(reopened)
    assert ticket_store.find_ticket(db, ticket_no)["status"] == "replied"
    assert 'id="reply"' in page(reopened) and "data-closing" not in page(reopened)
    assert ticket_no in page(staff.get("/admin/tickets/"))  # back in the queue
    answered = post(staff, f"/admin/tickets/{ticket_no}/reply", {"text": "已催财务"}, follow_redirects=True)
    assert "已答复诉求" in page(answered)


def test_tickets_are_found_by_name_mobile_member_number_ticket_number_and_content(staff, db):
    ticket_no = _li_na(db)
    other = ticket_store.create_ticket(db, "o_other", "建议", "希望多办线上讲座")
    for query in ("李娜", "13903710002", "3710002", "HNKX201500001", ticket_no, ticket_no.lower(), "报销"):
        listed = page(staff.get("/admin/tickets/", query_string={"q": query, "view": "all"}))
        assert ticket_no in listed and other not in listed, query
    assert "没有诉求" in page(staff.get("/admin/tickets/", query_string={"q": "王芳"}))


def test_a_member_s_new_ticket_links_their_earlier_one(staff, db):
    first = _li_na(db)
    second = ticket_store.create_ticket(db, "o_lina", "投诉", "钱还是没到账，你们说本周到账是骗人的")
    assert f'href="/admin/tickets/{first}"' in page(staff.get(f"/admin/tickets/{second}"))


def test_a_read_only_user_gets_no_hand_over_or_reopen_form(client, users, db, config):
    ticket_no = _li_na(db)
    closed = ticket_store.create_ticket(db, "o_lina", "建议", "希望多办线上讲座")
    ticket_store.close_ticket(db, closed, "console:admin1", "已采纳")
    accounts.create_user(db, config, "理事长", PASSWORD, "viewer", None, actor="test")
    assert log_in(client, "理事长").status_code == 302
    assert 'id="hand-over"' not in page(client.get(f"/admin/tickets/{ticket_no}"))
    shown = page(client.get(f"/admin/tickets/{closed}"))
    assert "admin1（后台）办结" in shown and "/reopen" not in shown
    assert post(client, f"/admin/tickets/{closed}/reopen", {"reason": "看看"}).status_code == 403


def test_a_read_only_user_reads_a_mobile_in_a_closing_or_hand_over_note_masked(client, users, db, config,
                                                                              redis_client):
    """The ticket's body and answers were masked for a 理事长 (14e3ffa), the closing reason and the history's
    notes (4d11379) not: '已回电 13903710002' whole."""
    ticket_no = _li_na(db)
    accounts.create_user(db, config, "理事长", PASSWORD, "viewer", None, actor="test")
    assert log_in(client, "staff1").status_code == 302
    post(client, f"/admin/tickets/{ticket_no}/hand-over", {"to": "admin1", "reason": "请打 13903710002 联系她"})
    post(client, f"/admin/tickets/{ticket_no}/close", {"reason": "已回电 13903710002"})
    post(client, "/admin/logout")
    assert log_in(client, "理事长").status_code == 302
    shown = page(client.get(f"/admin/tickets/{ticket_no}"))
    assert "13903710002" not in shown
    assert "已回电 139****0002" in shown and "请打 139****0002 联系她" in shown
