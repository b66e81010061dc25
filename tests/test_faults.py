"""Faults the bot must ride out while members keep writing.

- Redis restarted under traffic: every message is still answered (the help menu,
  statelessly, while Redis is away), the bot reconnects by itself, and a member
  half-way through a flow carries on where they were.
- SQLite busy: a long write transaction from another process (as a CLI import
  would hold) makes messages that write wait, and then succeed, all of them.
- The WeChat API slow, failing with 5xx or -1: the webhook never calls it inline,
  so replies are neither late nor missing; the worker retries with backoff and
  delivers everything exactly once.

Covered elsewhere, not repeated here: a delivery worker killed mid-broadcast
(tests/test_delivery.py: test_a_worker_killed_waiting_on_wechat_is_recovered_exactly_once,
test_a_worker_killed_at_a_random_moment_loses_and_doubles_nothing); API calls that
time out (tests/test_outbound.py: test_trap_no_timeout_calls_give_up_in_bounded_time,
test_a_send_that_timed_out_after_it_went_out_is_not_repeated; tests/test_delivery.py:
test_a_lost_customer_service_send_is_uncertain_not_repeated); Redis down from the
start (tests/test_webhook.py: test_without_redis_a_member_still_gets_a_polite_reply).
Longer versions of these scenarios, under gunicorn and real load: `make chaos`.
"""
from __future__ import annotations

import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import redis

from bot import content, delivery
from bot.config import PROJECT_ROOT
from storage import state
from storage.redis_server import ensure_private_redis, redis_server_binary, stop_private_redis
from tests.test_delivery import add_members, openids, run_jobs, settings, wait_until
from tests.test_webhook import (  # noqa: F401  (account, wire: fixtures)
    Wire,
    account,
    free_port,
    is_chinese,
    new_member,
    open_feedback,
    reply_fields,
    text_xml,
    ticket_numbers,
    tickets,
    wire,
    wire_with,
)

pytest_plugins = ["tests.fake_wechat"]

HELP = content.text("help.text")
FEES_QUESTION = "我的会费交到什么时候了"  # answered with the fee schedule, never with the help menu


# --- Redis restarted ---------------------------------------------------------------------------

class RedisServer:
    """A redis-server of this test's own on a TCP port, with its data on disk (appendonly), so it
    can be stopped and started again at the same address with the same keys, as a restart in
    production would."""

    def __init__(self, directory: Path):
        self.directory, self.port, self.proc = directory, free_port(), None
        directory.mkdir(parents=True, exist_ok=True)

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}"

    def start(self) -> None:
        self.proc = subprocess.Popen(
            [redis_server_binary(), "--port", str(self.port), "--bind", "127.0.0.1", "--dir", str(self.directory),
             "--save", "", "--appendonly", "yes"], stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
        wait_until(self._answers, 20, "redis-server to start")

    def _answers(self) -> bool:
        try:
            return redis.Redis.from_url(self.url, socket_timeout=1).ping()
        except redis.ConnectionError:
            return False

    def stop(self) -> None:
        """SIGTERM: Redis writes its data out and exits, as on a restart."""
        self.proc.terminate()
        self.proc.wait(timeout=20)


@pytest.fixture
def own_redis(tmp_path):
    server = RedisServer(tmp_path / "redis")
    server.start()
    yield server
    if server.proc.poll() is None:
        server.stop()


class Traffic:
    """Members writing without pause from two threads until the block ends; every answer is kept."""

    TEXTS = ["帮助", FEES_QUESTION, "招聘 郑州 算法", "最近有什么活动", "我的会员信息", "人工服务"]

    def __init__(self, app, account):
        self.wires = [Wire(app.test_client(), account) for _ in range(2)]
        self.answers: list[tuple[int, bytes]] = []
        self.stopping = threading.Event()

    def _write(self, wire: Wire) -> None:
        sent = 0
        while not self.stopping.is_set():
            response = wire.client.post("/wechat", query_string=wire.account.signed_query(), content_type="text/xml",
                                        data=text_xml(new_member(), self.TEXTS[sent % len(self.TEXTS)]).encode())
            self.answers.append((response.status_code, response.data))
            sent += 1

    def wait_for(self, more: int) -> None:
        """Until `more` further messages have been answered."""
        target = len(self.answers) + more
        wait_until(lambda: len(self.answers) >= target, 60, f"{more} more answers")

    def __enter__(self) -> "Traffic":
        self.pool = ThreadPoolExecutor(len(self.wires))
        self.futures = [self.pool.submit(self._write, wire) for wire in self.wires]
        return self

    def __exit__(self, *exc) -> None:
        self.stopping.set()
        for future in self.futures:
            future.result()  # a writer that raised fails the test here
        self.pool.shutdown()


def test_redis_restarted_under_traffic_answers_throughout_and_flows_survive(env, own_redis, account, db):
    env["REDIS_URL"] = own_redis.url
    wire = wire_with(env, account)
    midway = new_member()
    open_feedback(wire, midway)  # the feedback form waits for this member's message
    app = wire.client.application
    with Traffic(app, account) as traffic:
        traffic.wait_for(20)
        own_redis.stop()
        assert wire.say(new_member(), FEES_QUESTION) == HELP  # answered, statelessly
        assert wire.say(midway, "帮助") == HELP
        traffic.wait_for(20)  # all of them answered while Redis is away
        own_redis.start()
        wait_until(lambda: wire.say(new_member(), FEES_QUESTION) != HELP, 30, "the bot to use Redis again")
        traffic.wait_for(20)
    assert {status for status, _ in traffic.answers} == {200}
    replies = [reply_fields(body)["Content"] for _, body in traffic.answers]
    assert all(is_chinese(reply) for reply in replies)
    assert content.text("error.text") not in replies
    assert HELP in replies and any(reply != HELP for reply in replies)

    body = "建议会员证做成电子版，放进公众号里"
    done = wire.say(midway, body)  # the form was still open where the member left it
    [row] = [row for row in tickets(db) if row["openid"] == midway]
    assert row["body"] == body
    assert done == content.text("feedback.done", ticket_no=row["ticket_no"])


def test_the_first_message_after_a_redis_restart_is_answered_in_full(env, own_redis, account, db):
    """The connections kept between messages (storage.state._held_connection) were closed by the
    restart and the scripts forgotten: the next message is still claimed, answered from the
    member's flow, and its retry gets the same reply, not the stateless help menu."""
    env["REDIS_URL"] = own_redis.url
    wire = wire_with(env, account)
    member = new_member()
    assert wire.say(new_member(), FEES_QUESTION) != HELP  # both threads hold a connection now
    open_feedback(wire, member)
    own_redis.stop()
    own_redis.start()
    body = "建议会员证做成电子版，放进公众号里"
    xml = text_xml(member, body)
    first, retry = wire.send(xml), wire.send(xml)  # WeChat's retry of it
    [row] = [row for row in tickets(db) if row["openid"] == member]
    assert reply_fields(first.data)["Content"] == content.text("feedback.done", ticket_no=row["ticket_no"])
    assert retry.data == first.data
    assert len(tickets(db)) == 1


@pytest.mark.parametrize("left", ["a reply nobody read", "closed by the server"])
def test_a_kept_connection_with_something_to_read_is_replaced_before_the_next_message(redis_client, left):
    """A thread's kept connection (storage.state._held_connection) that holds a reply nobody read, or that the
    server closed, is replaced before the next script is sent: the message gets its own answer."""
    state.end_message(redis_client, state.begin_message(redis_client, "msg:kept-1", "oKept", 60), 60, "msg:kept-1",
                      "<xml/>", 60)
    kept = state._held_connection(redis_client)
    if left == "a reply nobody read":
        kept.send_command("PING")
    else:
        kept.send_command("CLIENT", "ID")
        redis_client.client_kill_filter(_id=kept.read_response())
    time.sleep(0.1)
    turn = state.begin_message(redis_client, "msg:kept-2", "oKept", 60)
    assert turn is not None and turn.taken and turn.flow is None


def test_the_private_redis_keeps_its_data_across_a_restart(tmp_path):
    """`make run`'s Redis (and the tests') saves on the way down, so queued work and forms survive."""
    url, _ = ensure_private_redis(tmp_path)
    redis.Redis.from_url(url).set("xh:test:kept", "1")
    stop_private_redis(tmp_path)
    url, _ = ensure_private_redis(tmp_path)
    try:
        assert redis.Redis.from_url(url).get("xh:test:kept") == b"1"
    finally:
        stop_private_redis(tmp_path)


def test_redis_lost_after_the_claim_still_answers(wire, db, monkeypatch):
    """Redis gone between claiming a message and answering it: the member still gets a reply."""
    def gone(*args, **kwargs):
        raise redis.ConnectionError("Connection refused")

    monkeypatch.setattr(state, "take_turn", gone)  # while answering in the pool
    monkeypatch.setattr(state, "_run_within", gone)  # while reading at once (a non-member's binding limit)
    assert wire.say(new_member(), FEES_QUESTION) == HELP
    assert wire.say(new_member(), "订阅政策资讯") == HELP  # subscribing is answered in the pool
    monkeypatch.undo()
    monkeypatch.setattr(state, "end_message", gone)  # when keeping the flow and the reply
    member = new_member()
    open_feedback(wire, member)
    done = wire.say(member, "建议年会的报名表可以在公众号里直接填写")
    assert ticket_numbers(done) == [row["ticket_no"] for row in tickets(db)]


# --- SQLite busy ----------------------------------------------------------------------------------

HOLD_THE_WRITE_LOCK = """
import sys
from storage.database import open_database

db = open_database(sys.argv[1])
db.execute("BEGIN IMMEDIATE")
print("locked", flush=True)
sys.stdin.readline()
db.execute("COMMIT")
print("released", flush=True)
"""


def test_messages_that_write_wait_for_a_long_write_and_all_succeed(app, wire, config, db):
    members = [new_member() for _ in range(6)]
    for member in members:
        open_feedback(wire, member)
    holder = subprocess.Popen([sys.executable, "-c", HOLD_THE_WRITE_LOCK, str(config.sqlite_path)],
                              cwd=PROJECT_ROOT, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "locked"
        wires = [Wire(app.test_client(), wire.account) for _ in members]
        bodies = [f"第{n}条建议：学术年会的论文集希望提供电子版下载" for n in range(len(members))]
        with ThreadPoolExecutor(len(members)) as pool:
            answers = [pool.submit(w.say, member, body) for w, member, body in zip(wires, members, bodies)]
            time.sleep(2.0)  # the other process keeps its transaction open for 2 s
            assert not any(answer.done() for answer in answers)  # each one waits for the lock ...
            holder.stdin.write("\n")
            holder.stdin.flush()
            replies = [answer.result() for answer in answers]  # ... and then goes through
        assert holder.stdout.readline().strip() == "released"
    finally:
        holder.kill()
        holder.wait()
    rows = {row["openid"]: row for row in tickets(db)}
    assert [rows[member]["body"] for member in members] == bodies
    assert replies == [content.text("feedback.done", ticket_no=rows[member]["ticket_no"]) for member in members]


# --- the WeChat API slow or failing -------------------------------------------------------------------

def test_a_slow_failing_wechat_api_never_holds_up_the_webhook_and_nothing_is_lost(
        fake_wechat, env, account, db, redis_client, monkeypatch):
    config = settings(env, monkeypatch)  # the app and the jobs run here both talk to the fake
    wire = wire_with(env, account)
    # Members with a notice that found no channel: it goes out when they next write.
    waiting = openids("F", 4)
    add_members(db, waiting)
    templates, fake_wechat.template_ids = fake_wechat.template_ids, set()  # no template: the inbox it is
    for openid in waiting:
        delivery.notify(redis_client, openid, f"您的意见（{openid}）已处理", kind="ticket")
    run_jobs(config)
    assert {row["status"] for row in db["notices"].rows} == {"inbox"}
    fake_wechat.template_ids = templates
    subscribers = openids("S", 4)
    add_members(db, subscribers)
    calls_before = sum(fake_wechat.calls.values())

    fake_wechat.set_delay(30)  # any answer would come long after WeChat's 5 s
    fake_wechat.random_5xx(0.5, seed=11)
    for openid in waiting:
        fake_wechat.record_user_message(openid)
        assert is_chinese(wire.say(openid, "你好"))
    replies = [wire.say(openid, "订阅政策") for openid in subscribers]
    assert sum(fake_wechat.calls.values()) == calls_before  # the webhook itself called nothing
    assert all(reply.startswith("已为您订阅：政策") for reply in replies), replies  # in time, not "later"

    fake_wechat.set_delay(0.3)  # slow, inside the client's timeout
    fake_wechat.random_5xx(0, seed=0)
    fake_wechat.fail_next_http(2, 503)  # three failures in a row: the client backs off and tries again
    fake_wechat.fail_next(1, -1)
    run_jobs(config)
    for openid in waiting:
        [message] = fake_wechat.sent_to(openid)
        assert message["text"]["content"] == f"您的意见（{openid}）已处理"
    assert {row["status"] for row in db["notices"].rows} == {"sent"}
    assert all(fake_wechat.tags_of(openid) == {"会讯订阅-policy"} for openid in subscribers)
    assert state.tag_syncs_pending(redis_client) == 0
    assert sum(fake_wechat.calls.values()) - calls_before > len(waiting) + len(subscribers)  # some went twice
