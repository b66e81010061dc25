"""Messages answered at once, in the request thread (bot/webhook.py, bot.conversation.respond's
`at_once`): the store in one transaction whose writes are kept only with the answer, and a Redis that
only reads, so that an answer that comes to a refusal gives up having changed nothing and is answered
in the handler pool, its writes made exactly once."""
from __future__ import annotations

import re
import sqlite3
import threading
import time
from dataclasses import replace

import pytest
import redis
from rq import Queue

from bot import content
from bot.config import load_config
from bot.messages import Reply
from bot.outbound import QUEUE_NAME
from bot.registry import EVENT_HANDLERS, FLOW_STEPS, INTENT_HANDLERS, MENU_HANDLERS
from handlers.members import profile
from storage import state
from storage.database import ReadOnlyRefused, close_answer, open_answer, open_database, open_reader, refused_anything
from storage.jobs import JobQuery, search
from storage.members import find_member_by_openid, insert_member
from storage.sqlite import transaction
from storage.tickets import list_tickets
from tests.job_board import TODAY, post
from tests.test_webhook import account, event_xml, new_member, reply_fields, text_xml, wire, wire_with  # noqa: F401  (fixtures)

WRITES = [
    "insert into members (member_no, name, category) values ('X1', '李四', 'regular')",
    "update members set name = '王五'",
    "delete from members",
    "replace into members (id, member_no, name, category) values (1, 'X2', '赵六', 'regular')",
    "create table scratch (a)",
    "drop table members",
    "alter table members add column scratch text",
    "create trigger scratch after insert on members begin delete from members; end",
    "create index scratch on members (name)",
    "begin immediate",
    "pragma writable_schema = 1",
    "pragma journal_mode = delete",
    "attach database ':memory:' as other",
    "vacuum",
]


def threads_answering(monkeypatch, table: dict, key: str) -> list[bool]:
    """For each message the handler of `key` answers from now on, whether in the request thread."""
    handler, answered_in = table[key], []

    def noted(ctx):
        answered_in.append(threading.current_thread() is threading.main_thread())
        return handler(ctx)

    noted.reads_only = handler.reads_only
    monkeypatch.setitem(table, key, noted)
    return answered_in


def steps_answering(monkeypatch, flow: str, name: str) -> list[bool]:
    """For each message the flow's step answers from now on, whether in the request thread."""
    step_now, answered_in = FLOW_STEPS[(flow, name)], []

    def noted(ctx):
        answered_in.append(threading.current_thread() is threading.main_thread())
        return step_now.handler(ctx)

    monkeypatch.setitem(FLOW_STEPS, (flow, name), replace(step_now, handler=noted))
    return answered_in


@pytest.mark.parametrize("sql", WRITES)
def test_a_reader_refuses_every_write_and_the_store_is_unchanged(tmp_path, sql):
    path = tmp_path / "store.sqlite3"
    db = open_database(path)
    insert_member(db, {"member_no": "HNKX202600001", "name": "张丽", "category": "regular"}, actor="test")
    reader = open_reader(path)
    with pytest.raises(ReadOnlyRefused):
        reader.execute(sql)
    assert refused_anything(reader) and not refused_anything(reader)
    assert [row["name"] for row in db.query("select name from members")] == ["张丽"]
    assert "scratch" not in db.table_names() and not db.execute(
        "select count(*) from sqlite_master where name = 'scratch'").fetchone()[0]
    db.execute("insert into history (subject, action, actor, at) values ('x', 'y', 'z', 'now')")  # no lock left held


def test_an_answers_writes_are_kept_with_it_and_refused_outside_it(tmp_path):
    """A reader writes inside an answer's transaction only, kept if the answer is: the same statement
    (which SQLite keeps prepared) is refused after it, and a store function's own transaction inside
    an answer that gives up is rolled back with it."""
    path = tmp_path / "store.sqlite3"
    db, reader = open_database(path), open_reader(path)
    sql = "insert into history (subject, action, actor, at) values ('x', 'y', 'z', 'now')"
    open_answer(reader)
    assert reader["history"].count == 0
    with transaction(reader):
        reader.execute(sql)
    assert reader.conn.in_transaction and db["history"].count == 0  # kept with the answer, not before
    close_answer(reader, keep=True)
    with pytest.raises(ReadOnlyRefused):
        reader.execute(sql)
    open_answer(reader)
    with transaction(reader):
        reader.execute(sql)
    close_answer(reader, keep=False)  # the answer gave up
    assert db["history"].count == 1 and not reader.conn.in_transaction
    with pytest.raises(ReadOnlyRefused):
        reader.execute(sql)


def test_a_reader_reads(tmp_path):
    path = tmp_path / "store.sqlite3"
    db = open_database(path)
    insert_member(db, {"member_no": "HNKX202600001", "name": "张丽", "category": "regular"}, actor="test")
    reader = open_reader(path)
    assert [row["name"] for row in reader.query("select name from members")] == ["张丽"]
    assert reader["members"].count == 1 and "members" in reader.table_names()
    assert list(reader.query("select value from json_each('[1, 2]')")) == [{"value": 1}, {"value": 2}]
    assert not refused_anything(reader)


def test_a_reader_searches_the_job_board(tmp_path):
    """A job question is answered at once: the full-text index opens in a reader (FTS5 asks
    PRAGMA data_version when it opens) and finds the posting."""
    path = tmp_path / "store.sqlite3"
    post(open_database(path), "算法工程师", employer="郑州大学")
    reader = open_reader(path)
    found = search(reader, JobQuery(keywords=("算法",)), TODAY.isoformat())
    assert [posting["title"] for posting in found] == ["算法工程师"]
    assert not refused_anything(reader)


def test_a_reads_only_handler_that_writes_after_all_writes_once_and_answers(wire, db, monkeypatch):
    """A handler registered reads_only that comes to a write is answered in the pool, its write
    made once; so are the next messages of its kind, and what it answers is what the member gets."""
    def noting(ctx):
        member = ctx.db["members"].count  # a read first, at once
        ctx.db.execute("insert into history (subject, action, actor, at) values ('help', 'asked', ?, 'now')",
                       [ctx.openid])
        return Reply(text=f"已记录 {member}")

    noting.reads_only = True
    monkeypatch.setitem(MENU_HANDLERS, "MENU_HELP", noting)
    members = [new_member(), new_member()]
    replies = [wire.click(member, "MENU_HELP") for member in members]
    assert replies == ["已记录 0", "已记录 0"]
    kept = [row["actor"] for row in db.query("select actor from history where subject = 'help'")]
    assert kept == members


def test_a_write_a_handler_swallowed_still_sends_the_message_to_the_pool(wire, db, monkeypatch):
    """A handler that writes past the reader's checks (a cursor of its own) and takes the refusal
    for a failure must not be answered at once as if it had failed: it is answered in the pool."""
    def careless(ctx):
        try:
            ctx.db.conn.cursor().execute(
                "insert into history (subject, action, actor, at) values ('help', 'asked', ?, 'now')", [ctx.openid])
            return Reply(text="已记录")
        except sqlite3.Error:
            return Reply(text="没记上")

    careless.reads_only = True
    monkeypatch.setitem(MENU_HANDLERS, "MENU_HELP", careless)
    member = new_member()
    assert wire.click(member, "MENU_HELP") == "已记录"
    assert [row["actor"] for row in db.query("select actor from history where subject = 'help'")] == [member]


def test_a_kind_that_wrote_for_one_member_is_still_answered_at_once_for_the_others(wire, db, monkeypatch):
    """A reads_only handler that writes for some members only (a non-member's question that counts
    failed bindings, say): each of those writes is made once and every member gets the right
    answer, and the members whose answer only reads are still answered in the request thread,
    not sent to the pool for good because one message of the kind wrote."""
    answered_in = []

    def noting_strangers(ctx):
        answered_in.append(threading.current_thread() is threading.main_thread())
        if ctx.openid in strangers:
            ctx.db.execute("insert into history (subject, action, actor, at) values ('help', 'asked', ?, 'now')",
                           [ctx.openid])
            return Reply(text="已记录")
        return Reply(text="会员你好")

    noting_strangers.reads_only = True
    monkeypatch.setitem(MENU_HANDLERS, "MENU_HELP", noting_strangers)
    strangers = {new_member() for _ in range(2)}
    members = [new_member() for _ in range(6)]
    senders = [*strangers, *members]
    assert [wire.click(openid, "MENU_HELP") for openid in senders] == ["已记录"] * 2 + ["会员你好"] * 6
    assert sorted(row["actor"] for row in db.query("select actor from history where subject = 'help'")) == \
        sorted(strangers)
    assert answered_in[-6:] == [True] * 6  # the members after the strangers: at once


def test_a_follow_is_welcomed_at_once_and_a_member_who_had_gone_is_reachable_again(wire, db, monkeypatch):
    """A newcomer's follow only reads (nobody to mark reachable): welcomed in the request thread. A
    member who had unfollowed is made reachable again, in the request thread too (the write is the
    answer's own: it went to the pool before), and welcomed back by name."""
    answered_in = threads_answering(monkeypatch, EVENT_HANDLERS, "subscribe")
    newcomer, gone = new_member(), new_member()
    insert_member(db, {"member_no": "HNKX202600002", "name": "王建国", "category": "regular", "openid": gone,
                       "reachable": 0}, actor="test")
    assert wire.reply(event_xml(newcomer, "subscribe"))["Content"] == content.text("welcome.follow")
    assert wire.reply(event_xml(gone, "subscribe"))["Content"] == content.text("welcome.follow_member", name="王建国")
    assert find_member_by_openid(db, gone)["reachable"] == 1
    assert answered_in == [True, True]


def test_a_menu_click_after_english_is_answered_in_english_at_once(wire, monkeypatch):
    """The language a member wrote in comes back with their turn (begin_message's script), not from
    a Redis read of its own: a click after an English question is answered in English, and in the
    request thread (the read refused it at once and sent it to the pool before)."""
    answered_in = threads_answering(monkeypatch, MENU_HANDLERS, "MENU_HELP")
    member = new_member()
    assert "yuan" in wire.say(member, "How much is the yearly membership fee?")
    english = wire.click(member, "MENU_HELP")
    assert english != content.text("help.text") and not re.search(r"[\u4e00-\u9fff]{4}", english)
    assert answered_in == [True]
    assert wire.click(new_member(), "MENU_HELP") == content.text("help.text")  # others still in Chinese


def test_a_reads_only_handler_using_redis_is_answered_in_the_pool(wire, redis_client, monkeypatch):
    def counting(ctx):
        return Reply(text=f"第{ctx.redis.incr('xh:test:clicks')}次")

    counting.reads_only = True
    monkeypatch.setitem(MENU_HANDLERS, "MENU_HELP", counting)
    assert [wire.click(new_member(), "MENU_HELP") for _ in range(3)] == ["第1次", "第2次", "第3次"]


def test_a_flow_started_at_once_is_kept(wire, db):
    """The feedback form starts at once (reads only): its next step takes the member's answer."""
    member = new_member()
    assert wire.click(member, "MENU_FEEDBACK") == content.text("feedback.ask")
    reply = wire.say(member, "会员服务中心的电话总是占线，希望增加一条热线")
    [kept] = list_tickets(db)
    assert kept["ticket_no"] in reply and "电话总是占线" in kept["body"]


def test_a_member_inside_a_form_is_answered_at_once_when_the_answer_only_reads(wire, db, monkeypatch):
    """Inside a flow, a message whose step and handler only read is answered in the request thread
    (it went to the pool before), with the flow kept as the pool would keep it: the question right
    after the feedback about when it will be answered is answered at once from the flow the ticket left."""
    answered_in = steps_answering(monkeypatch, "feedback", "submitted")
    member = new_member()
    assert wire.click(member, "MENU_FEEDBACK") == content.text("feedback.ask")
    reply = wire.say(member, "会员服务中心的电话总是占线，希望增加一条热线")
    [kept] = list_tickets(db)
    assert kept["ticket_no"] in reply
    when = wire.say(member, "多久能处理好")
    assert kept["ticket_no"] in when and len(list_tickets(db)) == 1
    assert answered_in == [True]


def test_feedback_is_numbered_in_the_request_thread_and_kept_once(wire, db, monkeypatch):
    """The feedback itself is a ticket whose number is in the reply: made in the request thread's
    transaction and said there (it gave up at once and was answered again in the pool before), once."""
    answered_in = steps_answering(monkeypatch, "feedback", "body")
    member = new_member()
    wire.click(member, "MENU_FEEDBACK")
    reply = wire.say(member, "会员服务中心的电话总是占线，希望增加一条热线")
    [kept] = list_tickets(db)
    assert kept["ticket_no"] in reply and answered_in == [True]


def test_writes_made_at_once_before_a_refusal_are_made_once_in_the_pool(wire, db, redis_client, monkeypatch):
    """An answer that writes and then comes to what only the pool may do (a Redis command) gives up:
    its writes are rolled back with it, and the pool makes them once, with the reply the pool's."""
    answered_in = []

    def noting_then_counting(ctx):
        answered_in.append(threading.current_thread() is threading.main_thread())
        ctx.db.execute("insert into history (subject, action, actor, at) values ('help', 'asked', ?, 'now')",
                       [ctx.openid])
        return Reply(text=f"第{ctx.redis.incr('xh:test:clicks')}次")

    noting_then_counting.reads_only = True
    monkeypatch.setitem(MENU_HANDLERS, "MENU_HELP", noting_then_counting)
    members = [new_member() for _ in range(3)]  # the same statements again: SQLite keeps them prepared
    assert [wire.click(member, "MENU_HELP") for member in members] == ["第1次", "第2次", "第3次"]
    assert [row["actor"] for row in db.query("select actor from history where subject = 'help'")] == members
    assert answered_in == [True, False] * 3


def test_a_message_not_understood_is_answered_at_once_and_kept_for_the_secretariat(wire, db, monkeypatch):
    """A message the bot does not understand is kept for the secretariat (a write the reply does not
    wait for): it is made once the reply is rendered, so the message is answered in the request
    thread, not sent to the pool for it; kept once, with the member's mobile number masked."""
    answered_in = threads_answering(monkeypatch, INTENT_HANDLERS, "unknown")
    member = new_member()
    reply = wire.say(member, "我家猫不吃饭怎么办 13812345678")
    assert reply == content.text("unknown.question")
    [kept] = list(db.query("select * from misunderstood"))
    assert kept["guess"] == "unknown" and kept["text"] == "我家猫不吃饭怎么办 138****5678"
    assert answered_in == [True]


def test_a_message_not_understood_while_the_store_is_busy_is_answered_and_kept_once_it_is_free(wire, db, config):
    """The secretariat imports a roster (the store's write lock held): a message not understood still
    gets its answer, and is kept once the lock is free, by the pool; nothing is lost, nothing doubled."""
    member = new_member()
    importing = open_database(config.sqlite_path)
    importing.execute("BEGIN IMMEDIATE")
    try:
        assert wire.say(member, "我家猫不吃饭怎么办") == content.text("unknown.question")
        assert db.execute("select count(*) from misunderstood").fetchone()[0] == 0
    finally:
        importing.execute("ROLLBACK")
    deadline = time.monotonic() + 10
    while not db.execute("select count(*) from misunderstood").fetchone()[0] and time.monotonic() < deadline:
        time.sleep(0.05)
    assert [row["text"] for row in db.query("select text from misunderstood")] == ["我家猫不吃饭怎么办"]


def test_a_reply_is_sent_before_the_write_it_does_not_wait_for(wire, db, config):
    """The store's write lock held (a roster import): the reply to a message not understood is sent
    without waiting for the lock; keeping the message for the secretariat is made after it is sent, and
    once the lock is free the message is kept, once."""
    member = new_member()
    wire.say(new_member(), "你好")  # the request thread's connections are open
    lock_the_store_for(config, 1.0)
    started = time.monotonic()
    response = wire.client.post("/wechat", query_string=wire.account.signed_query(), content_type="text/xml",
                                data=text_xml(member, "我家的狗一直掉毛咋整").encode("utf-8"), buffered=False)
    sent = next(iter(response.response))
    waited = time.monotonic() - started
    assert reply_fields(sent)["Content"] == content.text("unknown.question")
    assert waited < 0.15  # the reader waits 0.2 s for the lock before the write goes to the pool
    response.close()  # as the server does once the reply is sent
    deadline = time.monotonic() + 10
    while not db.execute("select count(*) from misunderstood").fetchone()[0] and time.monotonic() < deadline:
        time.sleep(0.05)
    assert [row["text"] for row in db.query("select text from misunderstood")] == ["我家的狗一直掉毛咋整"]


def test_a_cancel_right_after_a_request_is_answered_at_once_and_marks_the_guess_once(wire, db, monkeypatch):
    """取消 right after the bot opened a form marks the bot's guess as misread for the secretariat: the
    guess comes with the member's turn and is forgotten with it (no Redis command of its own), so the
    cancel is answered in the request thread; a second 取消 marks nothing more."""
    answered_in = threads_answering(monkeypatch, INTENT_HANDLERS, "cancel")
    member = new_member()
    wire.say(member, "我要入会")  # the bot opens the application form
    assert wire.say(member, "取消") == content.text("cancel.done", flow=content.feature_name("signup"))
    wire.say(member, "取消")
    rows = list(db.query("select text, guess, reason from misunderstood"))
    assert rows == [{"text": "我要入会", "guess": "signup", "reason": "cancelled"}]
    assert answered_in == [True, True]


# --- a request for a person: a write the reply promises, made at once before the reply ---------------

def human_tickets(db, openid: str) -> list[str]:
    return [row["body"] for row in db.query("select body from tickets where openid = ? and category = '人工'",
                                            [openid])]


def lock_the_store_for(config, seconds: float) -> None:
    """The secretariat imports a roster: the store's write lock held `seconds` from now."""
    importing = open_database(config.sqlite_path)
    importing.execute("BEGIN IMMEDIATE")
    threading.Timer(seconds, lambda: importing.execute("ROLLBACK")).start()


def test_a_request_for_a_person_is_answered_at_once_and_queued_once(wire, db, monkeypatch):
    """The ticket is written in the request thread before the reply says it is: no hop to the pool."""
    answered_in = threads_answering(monkeypatch, INTENT_HANDLERS, "human")
    member = new_member()
    assert wire.say(member, "我要找人工客服").startswith(content.text("human.text"))
    assert "还在等工作人员处理" in wire.say(member, "人工")  # human.again: added to the waiting ticket
    assert human_tickets(db, member) == ["我要找人工客服\n人工"]
    assert answered_in == [True, True]


def test_a_request_for_a_person_while_the_store_is_busy_is_queued_once_by_the_pool(wire, db, config, monkeypatch):
    """The write lock is held longer than the request thread waits: the answer gives up having
    written nothing, and the pool, which waits for the lock within the reply's deadline, writes the
    ticket once and gives the same reply."""
    answered_in = threads_answering(monkeypatch, INTENT_HANDLERS, "human")
    member = new_member()
    lock_the_store_for(config, 1.0)
    assert wire.say(member, "转人工").startswith(content.text("human.text"))
    assert human_tickets(db, member) == ["转人工"]
    assert answered_in == [True, False]


def test_a_request_for_a_person_while_the_store_is_locked_past_the_deadline_is_answered_in_time(
        env, account, db, redis_client, monkeypatch):
    """Locked past the reply's budget: the member is told the answer will follow, in time (the request
    thread waits for the lock no longer than a reader does); the ticket is written once the lock is
    free, and its reply follows by customer-service message."""
    wire = wire_with(env, account, BOT_REPLY_BUDGET="1.0")
    member = new_member()
    lock_the_store_for(load_config(env), 2.5)
    started = time.monotonic()
    assert wire.say(member, "转人工") == content.text("deadline.later")
    assert time.monotonic() - started < 2.0
    queue = Queue(QUEUE_NAME, connection=redis_client)
    deadline = time.monotonic() + 10
    while queue.count == 0 and time.monotonic() < deadline:
        time.sleep(0.05)
    [job] = queue.jobs
    assert job.args[0] == member and job.args[2].startswith(content.text("human.text"))
    assert human_tickets(db, member) == ["转人工"]


def test_a_write_made_at_once_costs_no_statement_beside_it(wire, db, app):
    """The writes of an answer made at once go through a connection that waits only briefly for the
    lock by itself: nothing switches a connection's busy timeout back and forth around them."""
    member = new_member()
    wire.say(new_member(), "转人工")  # the request thread's connections are open
    connections = [store.conn for store in vars(app.extensions["services"]._local).values()]
    statements = []
    for conn in connections:
        conn.set_trace_callback(statements.append)
    try:
        assert wire.say(member, "我要找人工客服").startswith(content.text("human.text"))
        assert wire.say(new_member(), "我家猫不吃饭怎么办 13812345678") == content.text("unknown.question")
    finally:
        for conn in connections:
            conn.set_trace_callback(None)
    assert human_tickets(db, member) == ["我要找人工客服"]
    assert [row["text"] for row in db.query("select text from misunderstood")] == ["我家猫不吃饭怎么办 138****5678"]
    assert not [sql for sql in statements if sql.lower().startswith("pragma")]


def test_a_message_with_words_of_a_followup_entry_is_answered_at_once(wire, monkeypatch):
    """What the member's last answer was about (the fraud warning's topic) comes back with their turn
    (begin_message's script), not from a Redis read of its own: '会费付了没有' has words of an entry read
    only after that topic ('付了'), and is answered in the request thread (the read refused it at once
    and sent it to the pool before); after the warning, the same words get the entry's answer."""
    answered_in = threads_answering(monkeypatch, INTENT_HANDLERS, "fee_status")
    member = new_member()
    assert wire.say(member, "会费付了没有") == wire.say(new_member(), "会费付了没有")
    assert answered_in == [True, True]
    assert "110" in wire.say(member, "有人打电话说我会员资格要失效了 让我转账到个人账户")
    assert "110" in wire.say(member, "我已经转了300了")


def test_a_non_member_asking_for_the_card_is_answered_at_once_and_told_the_days_limit(wire, redis_client,
                                                                                     monkeypatch):
    """Binding's first question reads the day's failed tries from Redis, at once a GET with its wait bounded
    (storage.state.AtOnceRedis): a non-member's card question is answered in the request thread, not given up
    and answered again in the pool; the day's limit is said as before."""
    answered_in = threads_answering(monkeypatch, MENU_HANDLERS, "MENU_PROFILE")
    member, limited = new_member(), new_member()
    for _ in range(profile.MAX_FAILED_BINDINGS_PER_DAY):
        state.record_failed_binding(redis_client, limited, profile.now())
    assert wire.click(member, "MENU_PROFILE") != content.text("profile.limit")
    assert wire.click(limited, "MENU_PROFILE") == content.text("profile.limit")
    assert answered_in == [True, True]


def test_a_sign_up_is_answered_at_once_and_a_kept_draft_is_taken_once_in_the_pool(wire, redis_client,
                                                                                monkeypatch):
    """入会 looks for an application kept from the day before (a GETDEL): with none kept it is answered at
    once; a kept one is taken, and offered, in the pool, once."""
    answered_in = threads_answering(monkeypatch, MENU_HANDLERS, "MENU_SIGNUP")
    member, returning = new_member(), new_member()
    state.keep_draft(redis_client, returning, {"name": "signup", "step": "name", "data": {"answers": {"kind": "student"}},
                                               "paused": False}, 3600)
    first = wire.click(member, "MENU_SIGNUP")
    assert first != content.text("signup.draft_offer") and answered_in == [True]
    assert wire.click(returning, "MENU_SIGNUP") == content.text("signup.draft_offer")
    assert answered_in == [True, True, False]  # given up at once, taken in the pool
    assert state.take_draft(redis_client, returning, "signup") is None


def test_a_read_redis_is_slow_for_at_once_is_answered_in_the_pool(wire, monkeypatch):
    """A GET past its bound at once (READ_AT_ONCE_SECONDS) gives the message to the pool, which answers it the same."""
    member = new_member()
    answer = wire.click(new_member(), "MENU_PROFILE")
    answered_in = threads_answering(monkeypatch, MENU_HANDLERS, "MENU_PROFILE")

    def slow(r, seconds, *command):
        assert seconds == state.READ_AT_ONCE_SECONDS and command[0] == "GET"
        raise redis.TimeoutError("Timeout reading from socket")

    monkeypatch.setattr(state, "_run_within", slow)
    assert wire.click(member, "MENU_PROFILE") == answer
    assert answered_in == [True, False]
