"""The ticket desk: members' demands by chat (feedback, 人工, 我的诉求) and the secretariat's `tickets` commands."""
from __future__ import annotations


import pytest

from bot import content
from storage.database import open_database
from storage.members import insert_member
from storage.migrations import MIGRATIONS, pending_migrations
from storage.tickets import HUMAN, find_ticket, list_tickets, list_tickets_of_member, replies_to
from tests.cli import command
from tests.member import Member
from tests.notices import queued_notices


@pytest.fixture
def alice(client, config, db):
    insert_member(db, {"member_no": "HNKX202600001", "name": "张丽", "category": "regular", "openid": "o_alice"},
                  actor="test")
    return Member(client, config, "o_alice")


run, run_json = command("tickets")


def submit(member, text: str) -> str:
    """Send feedback through the flow; returns the ticket number from the reply."""
    member.says("我想提个建议")
    reply = member.says(text)
    return reply.split("编号 ")[1].split("。")[0]


# --- by chat -----------------------------------------------------------------------------

def test_feedback_is_categorised_and_listed_under_my_demands(alice, db):
    assert "还没有提交过诉求" in alice.says("我的诉求")
    first = submit(alice, "建议会员证做成电子版")
    second = submit(alice, "投诉年会签到排队太久")
    assert [t["category"] for t in list_tickets_of_member(db, "o_alice")] == ["投诉", "建议"]
    listing = alice.says("我的诉求")
    assert listing.index("投诉年会签到") < listing.index("建议会员证")  # newest first
    assert "【待处理】" in listing and "回复数字" in listing
    detail = alice.says("2")
    assert first in detail and "建议会员证做成电子版" in detail and "还没有回复" in detail
    assert second in alice.says("1")


def test_a_long_suggestion_about_my_demands_is_still_a_suggestion(alice, db):
    text = "我的建议是学会多组织一些青年学者交流活动"
    assert text in alice.says(text)  # offered back as a draft, not a listing
    alice.says("确认")
    assert list_tickets_of_member(db, "o_alice")[0]["body"] == text


def test_my_demands_pages_on(alice, db):
    for n in range(7):
        submit(alice, f"第{n}条建议：希望多办讲座")
    first = alice.says("我的诉求")
    assert "第6条建议" in first and "第1条建议" not in first and "更多" in first
    second = alice.says("更多")
    assert "6. " in second and "第1条建议" in second and "第0条建议" in second
    assert "第0条建议" in alice.says("7")
    assert "没有第 9 项" in alice.says("9")


def test_a_request_for_a_person_joins_the_same_queue_once_while_open(alice, db, env):
    alice.says("转人工")
    alice.clicks("MENU_HUMAN")
    [request] = list_tickets(db, category=HUMAN)
    assert request["body"] == "转人工" and request["status"] == "open"
    submit(alice, "求助：发票打不开")
    queue = run_json(env, "list")["tickets"]
    assert [t["category"] for t in queue] == [HUMAN, "求助"]
    run(env, "close", request["ticket_no"], "--reason", "已电话联系")
    alice.says("我要找工作人员")
    [again] = list_tickets(db, category=HUMAN)  # the closed one has left the active queue
    assert again["ticket_no"] != request["ticket_no"] and again["body"] == "我要找工作人员"


def test_a_menu_click_for_a_person_is_recorded_as_such(alice, db):
    alice.clicks("MENU_HUMAN")
    [request] = list_tickets(db, category=HUMAN)
    assert request["body"] == "（会员点了菜单“人工服务”，没有留言）"


# --- the secretariat ---------------------------------------------------------------------------

def test_a_reply_is_recorded_and_queued_to_the_member(alice, db, env, redis_client):
    ticket_no = submit(alice, "希望学会开通线上缴费")
    out = run(env, "reply", ticket_no, "已开通，请在菜单“会费查询”里缴费。", "--by", "王秘书").output
    assert ticket_no in out and "排队" in out
    [notice] = queued_notices(redis_client)
    assert notice["openid"] == "o_alice" and notice["kind"] == "ticket"
    assert notice["text"].startswith("您的诉求有了回复") and "已开通" in notice["text"] and ticket_no in notice["text"]
    ticket = find_ticket(db, ticket_no)
    assert ticket["status"] == "replied"
    [reply] = replies_to(db, ticket["id"])
    assert reply["actor"] == "王秘书" and reply["text"].startswith("已开通")
    detail = alice.says("我的诉求")
    assert "状态：已回复" in detail and "已开通" in detail
    shown = run(env, "show", ticket_no).output
    assert "张丽（HNKX202600001）" in shown and "王秘书" in shown and "已回复" in shown


def test_my_demands_shows_the_answers_and_the_closing(alice, db, env):
    ticket_no = submit(alice, "希望学会开通线上缴费")
    run(env, "reply", ticket_no, "正在办理，本月内开通。")
    run(env, "close", ticket_no, "--reason", "线上缴费已开通")
    detail = alice.says("我的诉求")  # one ticket: its detail directly
    assert "正在办理" in detail and "已办结" in detail and "线上缴费已开通" in detail


def test_close_tells_the_member_and_a_closed_ticket_is_refused(alice, db, env, redis_client):
    ticket_no = submit(alice, "投诉培训通知发得太晚")
    run(env, "close", ticket_no.lower(), "--reason", "已向培训部门反馈")
    [notice] = queued_notices(redis_client)
    assert notice["text"].startswith("您的诉求已办结") and "已向培训部门反馈" in notice["text"]
    refused = run(env, "reply", ticket_no, "补充说明", ok=False)
    assert "已于" in refused.output and "办结" in refused.output
    assert "找不到诉求" in run(env, "show", "FK000", ok=False).output
    history = run_json(env, "show", ticket_no)["history"]
    assert [h["action"] for h in history] == ["closed"] and history[0]["reason"] == "已向培训部门反馈"


def test_list_filters_by_status_and_category(alice, db, env):
    suggestion = submit(alice, "建议增加学术讲座")
    submit(alice, "投诉网站打不开的问题")
    run(env, "reply", suggestion, "已转学术部")
    assert [t["category"] for t in run_json(env, "list", "--status", "open")["tickets"]] == ["投诉"]
    assert [t["ticket_no"] for t in run_json(env, "list", "--category", "建议")["tickets"]] == [suggestion]
    data = run_json(env, "list", "--status", "all")
    assert data["counts"] == {"open": 1, "replied": 1}
    assert "张丽（HNKX202600001）" in run(env, "list").output


def test_open_human_requests_become_tickets_when_the_store_is_migrated(config):
    db = open_database(config.sqlite_path, apply_migrations=False)
    pending_migrations(db)
    for version, migration in enumerate(MIGRATIONS[:5], start=1):
        migration(db)
        db["schema_migrations"].insert({"version": version, "name": migration.__name__, "applied_at": "x"})
    db["human_requests"].insert_all([
        {"openid": "o_a", "message": "转人工", "status": "open", "created_at": "2026-11-01T09:00:00+08:00"},
        {"openid": "o_b", "message": None, "status": "done", "created_at": "2026-11-02T09:00:00+08:00"},
    ])
    db.close()
    db = open_database(config.sqlite_path)
    assert "human_requests" not in db.table_names()
    rows = list_tickets(db, statuses=("open", "closed"), category=HUMAN)
    assert [(r["openid"], r["body"], r["status"]) for r in rows] == [
        ("o_a", "转人工", "open"), ("o_b", "人工服务", "closed")]
    assert rows[0]["ticket_no"].startswith("FK20261101")


# --- a person, as a secretary would answer (issue 12) -------------------------------------------

def test_a_second_request_for_a_person_acknowledges_the_first_and_says_when(alice, db, monkeypatch):
    from datetime import datetime

    import handlers.human.chat
    monkeypatch.setattr(handlers.human.chat, "now", lambda: datetime(2026, 12, 5, 20, 30))  # a Saturday evening
    first = alice.says("人工")
    assert "周一" in first and "12月7日" in first and "9:00" in first
    again = alice.says("怎么还没人联系我")
    assert "已经登记" in again and "周一" in again and len(again.splitlines()) <= 10
    [request] = list_tickets(db, category=HUMAN)
    assert "怎么还没人联系我" in request["body"]  # the second message joins the first


def test_during_office_hours_it_says_so(alice, monkeypatch):
    from datetime import datetime

    import handlers.human.chat
    monkeypatch.setattr(handlers.human.chat, "now", lambda: datetime(2026, 12, 7, 10, 0))
    assert "现在是办公时间" in alice.says("人工")


def test_a_picture_with_a_ticket_open_is_kept_with_it(alice, db):
    alice.says("人工")
    reply = alice.send("image", PicUrl="http://mmbiz.qpic.cn/receipt/0", MediaId="m1")
    [request] = list_tickets(db, category=HUMAN)
    assert request["ticket_no"] in reply and "mmbiz.qpic.cn/receipt" in request["body"]


def test_a_picture_right_after_asking_about_dues_is_kept_as_a_receipt(alice, db):
    """The fee topic and the routed message are both kept by the reply's one Redis script
    (storage.state.end_message): the picture that follows is read as a transfer receipt."""
    alice.says("我的会费交了吗")
    reply = alice.send("image", PicUrl="http://mmbiz.qpic.cn/receipt/1", MediaId="m2")
    [kept] = list_tickets(db)
    assert kept["ticket_no"] in reply and "mmbiz.qpic.cn/receipt/1" in kept["body"]
    assert reply == content.text("tickets.receipt_kept", ticket_no=kept["ticket_no"])


def test_a_members_waiting_request_is_found_among_their_own_tickets_not_every_open_one(db):
    """Every message of a member who asked for a person looks for their waiting request: the
    statement must go by the member's tickets, not walk every open request for a person (a
    secretariat a week behind has thousands)."""
    from storage.tickets import waiting_human_ticket

    statements = []
    db.conn.set_trace_callback(statements.append)
    try:
        waiting_human_ticket(db, "o_alice")
    finally:
        db.conn.set_trace_callback(None)
    [sql] = [s for s in statements if "from tickets" in s]
    [plan] = [row[3] for row in db.execute(f"explain query plan {sql}")]
    assert "(openid=?)" in plan, plan
