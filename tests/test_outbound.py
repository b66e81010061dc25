"""The WeChat API client and the outbound queue, against a real Redis and the fake WeChat API."""
from __future__ import annotations

import dataclasses
import subprocess
import sys
import time

import pytest
from rq import Queue, Worker
from rq.registry import ScheduledJobRegistry

from bot import outbound
from bot.config import PROJECT_ROOT, load_config
from bot.outbound import QUEUE_NAME, send_text_later
from bot.wechat_client import (
    BACKOFF_BASE_SECONDS,
    DeliveryUncertain,
    OutsideServiceWindow,
    UserUnfollowed,
    WeChatAPIError,
)
from bot.platform.accounts import make_client
from storage.redis_server import stop_private_redis
from storage.state import (
    connect_redis,
    invalidate_access_token_if,
    load_access_token,
    store_access_token,
)
from tests.redis_state import recent_outbound_outcomes

pytest_plugins = ["tests.fake_wechat"]

ALICE = "oAlice_000000000000000000000"
BOB = "oBob_00000000000000000000000"


@pytest.fixture
def config(env, fake_wechat):
    """Settings pointing at the fake; short timeouts and few retries keep failing tests fast."""
    env["WECHAT_API_TIMEOUT"] = "1"
    env["WECHAT_API_MAX_RETRIES"] = "2"
    return load_config(env)


@pytest.fixture
def wechat(config, redis_client):
    """The API client, as the worker builds it (conftest's `client` is the Flask one)."""
    return make_client(config, redis_client)


def run_python(env: dict, code: str, *args: str) -> subprocess.Popen:
    """Another process of the bot, with the test's environment, as `python -m bot ...` would be."""
    return subprocess.Popen([sys.executable, "-c", code, *args], env=env, cwd=PROJECT_ROOT,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


def output_of(proc: subprocess.Popen, timeout: float = 120) -> str:
    """What the process printed once it has exited; killed if it hangs past the timeout (20 s
    killed six processes starting the bot at once on a busy machine: the token race failed)."""
    try:
        output, _ = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        output, _ = proc.communicate()
    return output


def run_burst_worker(env: dict) -> None:
    proc = run_python(env, "from bot.config import load_config\n"
                           "from bot.workers import run_worker\n"
                           "run_worker(load_config(), burst=True)")
    output = output_of(proc)
    assert proc.returncode == 0, output


# --- the client: token ------------------------------------------------------

def test_send_text_fetches_token_once_and_keeps_it_in_redis(wechat, fake_wechat, config, redis_client):
    fake_wechat.record_user_message(ALICE)
    wechat.send_text(ALICE, "你好")
    wechat.send_text(ALICE, "再见")
    assert [m["text"]["content"] for m in fake_wechat.sent_to(ALICE)] == ["你好", "再见"]
    assert fake_wechat.token_fetches == 1
    assert load_access_token(redis_client, config.app_id)


def test_send_articles(wechat, fake_wechat):
    fake_wechat.record_user_message(ALICE)
    article = {"title": "年会通知", "description": "11月在杭州", "url": "https://example.org/a",
               "image": "https://example.org/a.jpg"}
    wechat.send_articles(ALICE, [article])
    [message] = fake_wechat.sent
    assert message["msgtype"] == "news"
    assert message["news"]["articles"][0]["title"] == "年会通知"


RACE_SCRIPT = """
import sys, time
from bot.config import load_config
from bot.platform.accounts import make_client
from storage.state import connect_redis

config = load_config()
r = connect_redis(config)
client = make_client(config, r)
processes, openid = int(sys.argv[1]), sys.argv[2]
if r.incr("test:barrier") == processes:  # the last one in lets all of them go at once
    r.rpush("test:go", *["go"] * processes)
while not r.blpop(["test:go"], timeout=1):
    pass
client.send_text(openid, "hello " + openid)
"""


def test_trap_token_race_processes_share_one_fetch(fake_wechat, env):
    """wechatpy keeps the expiry per process and never locks: racing processes each fetch.

    With grace 0, any second fetch would kill the first token and a send would fail.
    """
    fake_wechat.token_grace = 0
    openids = [f"oRacer{i}_{'0' * 21}" for i in range(6)]
    for openid in openids:
        fake_wechat.record_user_message(openid)
    procs = [run_python(env, RACE_SCRIPT, str(len(openids)), openid) for openid in openids]
    for proc in procs:
        output = output_of(proc)
        assert proc.returncode == 0, output
    assert fake_wechat.token_fetches == 1
    assert sorted(m["touser"] for m in fake_wechat.sent) == sorted(openids)


def test_token_expiry_is_shared_and_honoured(wechat, fake_wechat, config, redis_client):
    fake_wechat.token_expires_in = 1
    fake_wechat.record_user_message(ALICE)
    wechat.send_text(ALICE, "one")
    time.sleep(1.1)
    assert load_access_token(redis_client, config.app_id) is None
    make_client(config, redis_client).send_text(ALICE, "two")
    assert fake_wechat.token_fetches == 2
    assert len(fake_wechat.sent) == 2


def test_stale_token_is_refreshed_and_the_send_succeeds_once(wechat, fake_wechat, config, redis_client):
    store_access_token(redis_client, config.app_id, "stale-token", 3600)
    fake_wechat.record_user_message(ALICE)
    wechat.send_text(ALICE, "hi")
    assert fake_wechat.calls["message/custom/send"] == 2
    assert fake_wechat.token_fetches == 1
    assert len(fake_wechat.sent) == 1


def test_token_superseded_by_another_fetch_is_replaced(wechat, fake_wechat, config, redis_client):
    """Someone else fetching with our AppSecret kills our token after the grace period."""
    fake_wechat.token_grace = 0
    fake_wechat.record_user_message(ALICE)
    wechat.send_text(ALICE, "one")
    ours = load_access_token(redis_client, config.app_id)
    wechat.fetch_access_token()  # as another system would; replaces ours in Redis too
    store_access_token(redis_client, config.app_id, ours, 3600)  # pretend we still hold the old one
    wechat.send_text(ALICE, "two")
    assert fake_wechat.token_fetches == 3
    assert len(fake_wechat.sent) == 2


def test_invalidate_only_deletes_the_token_that_failed(redis_client, config):
    store_access_token(redis_client, config.app_id, "new", 3600)
    assert not invalidate_access_token_if(redis_client, config.app_id, "old")
    assert load_access_token(redis_client, config.app_id) == "new"
    assert invalidate_access_token_if(redis_client, config.app_id, "new")
    assert load_access_token(redis_client, config.app_id) is None


def test_trap_unbounded_retry_40001_never_clears(wechat, fake_wechat):
    """wechatpy's auto_retry re-fetches the token and recurses for as long as 40001 lasts."""
    fake_wechat.record_user_message(ALICE)
    fake_wechat.fail_next(10_000, errcode=40001, endpoint="message/custom/send")
    with pytest.raises(WeChatAPIError) as failure:
        wechat.send_text(ALICE, "hi")
    assert failure.value.errcode == 40001
    assert not failure.value.transient
    assert fake_wechat.token_fetches == 2  # the first token, then one refresh
    assert fake_wechat.calls["message/custom/send"] == 2
    assert fake_wechat.sent == []


def test_wrong_secret_is_a_clear_error(env, fake_wechat, redis_client):
    env["WECHAT_APP_SECRET"] = "wrong"
    with pytest.raises(WeChatAPIError) as failure:
        make_client(load_config(env), redis_client).send_text(ALICE, "hi")
    assert failure.value.errcode == 40125
    assert fake_wechat.calls["token"] == 1


# --- the client: timeouts and retries -----------------------------------------

def test_trap_no_timeout_calls_give_up_in_bounded_time(wechat, fake_wechat, config, redis_client):
    """wechatpy's HTTP client has no timeout by default: a slow WeChat would hang the worker.

    A call safe to repeat (here: listing tags) is tried again within the bound.
    """
    wechat.list_tags()  # prime the token
    fast = dataclasses.replace(config, api_timeout_seconds=0.3, api_max_retries=1)
    fake_wechat.set_delay(3)
    started = time.monotonic()
    with pytest.raises(WeChatAPIError) as failure:
        make_client(fast, redis_client).list_tags()
    elapsed = time.monotonic() - started
    assert failure.value.errcode is None and failure.value.transient
    assert 0.6 <= elapsed < 0.3 * 2 + BACKOFF_BASE_SECONDS + 0.5
    assert fake_wechat.calls["tags/get"] == 1 + 2


def test_a_send_that_timed_out_after_it_went_out_is_not_repeated(wechat, fake_wechat, config, redis_client):
    """WeChat carried the message out but answered too late: sending again would deliver it twice."""
    fake_wechat.record_user_message(ALICE)
    wechat.send_text(ALICE, "prime the token")
    fast = dataclasses.replace(config, api_timeout_seconds=0.3, api_max_retries=2)
    fake_wechat.delay_answers(3, endpoint="message/custom/send")
    with pytest.raises(DeliveryUncertain) as failure:
        make_client(fast, redis_client).send_text(ALICE, "slow")
    assert failure.value.errcode is None and not failure.value.transient
    assert fake_wechat.calls["message/custom/send"] == 2
    assert [m["text"]["content"] for m in fake_wechat.sent] == ["prime the token", "slow"]


def test_a_send_whose_connection_was_refused_is_repeated(fake_wechat, config, redis_client):
    """Nothing reached WeChat, so trying again cannot deliver twice (WeChat away, then back)."""
    wechat = make_client(dataclasses.replace(config, api_max_retries=2), redis_client)
    fake_wechat.record_user_message(ALICE)
    wechat.send_text(ALICE, "prime the token")
    live_base = wechat.API_BASE_URL
    wechat.API_BASE_URL = "http://127.0.0.1:9/cgi-bin/"  # nothing listens on port 9
    with pytest.raises(WeChatAPIError) as failure:
        wechat.send_text(ALICE, "refused")
    assert failure.value.transient and not isinstance(failure.value, DeliveryUncertain)
    wechat.API_BASE_URL = live_base
    assert len(fake_wechat.sent) == 1


def test_trap_no_timeout_on_token_fetch(fake_wechat, config, redis_client):
    """wechatpy's own token fetch passes no timeout even when the client has one."""
    fake_wechat.set_delay(3)
    fast = dataclasses.replace(config, api_timeout_seconds=0.3, api_max_retries=0)
    started = time.monotonic()
    with pytest.raises(WeChatAPIError):
        make_client(fast, redis_client).send_text(ALICE, "slow")
    assert time.monotonic() - started < 1.5


@pytest.mark.parametrize("inject", [
    lambda fake: fake.fail_next(2, errcode=-1),
    lambda fake: fake.fail_next_http(2, status=503),
    lambda fake: fake.overload(2),
], ids=["system-busy", "http-503", "45009"])
def test_transient_errors_are_retried_and_delivered_once(wechat, fake_wechat, inject):
    fake_wechat.record_user_message(ALICE)
    wechat.send_text(ALICE, "prime the token")
    inject(fake_wechat)
    wechat.send_text(ALICE, "after two failures")
    assert fake_wechat.calls["message/custom/send"] == 1 + 3
    assert [m["text"]["content"] for m in fake_wechat.sent] == ["prime the token", "after two failures"]


def test_trap_unbounded_retry_transient_errors_give_up(wechat, fake_wechat):
    fake_wechat.record_user_message(ALICE)
    fake_wechat.fail_next(100, errcode=-1)
    with pytest.raises(WeChatAPIError) as failure:
        wechat.send_text(ALICE, "hi")
    assert failure.value.errcode == -1 and failure.value.transient
    assert fake_wechat.calls["token"] == 3  # every try fails at the token fetch already
    assert fake_wechat.sent == []


def test_unfollowed_43004_is_not_retried(wechat, fake_wechat):
    fake_wechat.record_user_message(ALICE)
    fake_wechat.unfollow(ALICE)
    with pytest.raises(UserUnfollowed) as failure:
        wechat.send_text(ALICE, "hi")
    assert failure.value.errcode == 43004
    assert fake_wechat.calls["message/custom/send"] == 1


def test_no_interaction_45015_is_not_retried(wechat, fake_wechat):
    with pytest.raises(OutsideServiceWindow) as failure:
        wechat.send_text(ALICE, "hi")
    assert failure.value.errcode == 45015
    assert fake_wechat.calls["message/custom/send"] == 1


def test_window_after_a_message_is_48_hours_and_5_messages(wechat, fake_wechat):
    fake_wechat.record_user_message(ALICE)
    for n in range(5):
        wechat.send_text(ALICE, f"message {n}")
    with pytest.raises(OutsideServiceWindow) as failure:
        wechat.send_text(ALICE, "sixth")
    assert failure.value.errcode == 45047
    fake_wechat.record_user_message(ALICE)
    fake_wechat.advance(48 * 3600 + 1)
    with pytest.raises(OutsideServiceWindow) as failure:
        wechat.send_text(ALICE, "too late")
    assert failure.value.errcode == 45015
    assert fake_wechat.token_fetches == 2  # the token expired too and was refreshed
    assert len(fake_wechat.sent) == 5


def test_window_after_an_event_is_1_minute_and_3_messages(wechat, fake_wechat):
    fake_wechat.record_user_event(BOB)
    for n in range(3):
        wechat.send_text(BOB, f"message {n}")
    with pytest.raises(OutsideServiceWindow):
        wechat.send_text(BOB, "fourth")
    fake_wechat.record_user_event(BOB)
    fake_wechat.advance(61)
    with pytest.raises(OutsideServiceWindow) as failure:
        wechat.send_text(BOB, "too late")
    assert failure.value.errcode == 45015


# --- the outbound queue -----------------------------------------------------

def test_send_text_later_is_delivered_by_a_burst_worker(fake_wechat, env, redis_client):
    fake_wechat.record_user_message(ALICE)
    job_id = send_text_later(redis_client, ALICE, "您的入会申请已通过")
    assert fake_wechat.sent == []
    run_burst_worker(env)
    assert [m["text"]["content"] for m in fake_wechat.sent] == ["您的入会申请已通过"]
    [outcome] = recent_outbound_outcomes(redis_client)
    assert outcome["job_id"] == job_id and outcome["status"] == "sent"
    assert Queue(QUEUE_NAME, connection=redis_client).fetch_job(job_id).get_status() == "finished"


@pytest.mark.parametrize("setup, status, errcode", [
    (lambda fake: None, "deferred", 45015),
    (lambda fake: (fake.record_user_message(ALICE), fake.unfollow(ALICE)), "unfollowed", 43004),
], ids=["outside-window", "unfollowed"])
def test_job_outcome_recorded_and_not_retried(fake_wechat, env, redis_client, setup, status, errcode):
    setup(fake_wechat)
    job_id = send_text_later(redis_client, ALICE, "hi")
    run_burst_worker(env)
    [outcome] = recent_outbound_outcomes(redis_client)
    assert (outcome["job_id"], outcome["status"], outcome["errcode"]) == (job_id, status, errcode)
    assert fake_wechat.calls["message/custom/send"] == 1
    assert Queue(QUEUE_NAME, connection=redis_client).fetch_job(job_id).get_status() == "finished"


def test_job_transient_failure_is_put_off_for_rq_retry(fake_wechat, env, redis_client):
    env["WECHAT_API_MAX_RETRIES"] = "0"
    fake_wechat.record_user_message(ALICE)
    fake_wechat.fail_next(1, errcode=-1)
    job_id = send_text_later(redis_client, ALICE, "hi")
    run_burst_worker(env)
    [outcome] = recent_outbound_outcomes(redis_client)
    assert (outcome["status"], outcome["errcode"]) == ("retrying", -1)
    assert job_id in ScheduledJobRegistry(QUEUE_NAME, connection=redis_client).get_job_ids()
    assert fake_wechat.sent == []


def test_job_retried_by_rq_is_delivered_once_then_gives_up(fake_wechat, env, redis_client, monkeypatch):
    """Both retry layers are bounded: RQ runs a job at most len(RQ_RETRY_INTERVALS) + 1 times."""
    monkeypatch.setattr(outbound, "RQ_RETRY_INTERVALS", (0, 0))
    env["WECHAT_API_MAX_RETRIES"] = "0"
    fake_wechat.record_user_message(ALICE)
    fake_wechat.fail_next(1, errcode=-1)
    delivered = send_text_later(redis_client, ALICE, "second time lucky")
    run_burst_worker(env)
    assert [o["status"] for o in recent_outbound_outcomes(redis_client)] == ["sent", "retrying"]
    assert len(fake_wechat.sent) == 1

    fake_wechat.fail_next(100, errcode=-1)
    given_up = send_text_later(redis_client, ALICE, "never")
    run_burst_worker(env)
    outcomes = [o for o in recent_outbound_outcomes(redis_client) if o["job_id"] == given_up]
    assert [o["status"] for o in outcomes] == ["failed", "retrying", "retrying"]
    assert Queue(QUEUE_NAME, connection=redis_client).fetch_job(given_up).get_status() == "failed"
    assert delivered != given_up and len(fake_wechat.sent) == 1


def test_worker_with_scheduler_over_private_unix_socket_redis(fake_wechat, env, tmp_path, monkeypatch):
    """RQ 3.0 with redis-py 8.1 on the private server's unix:// URL, scheduler included."""
    env.pop("REDIS_URL")
    env["BOT_DATA_DIR"] = str(tmp_path / "private")
    env["WECHAT_API_MAX_RETRIES"] = "0"
    monkeypatch.setattr(outbound, "RQ_RETRY_INTERVALS", (1,))
    config = load_config(env)
    r = connect_redis(config)
    assert r.connection_pool.connection_kwargs["path"].endswith("redis.sock")
    fake_wechat.record_user_message(ALICE)
    fake_wechat.fail_next(1, errcode=-1)
    worker = run_python(env, "from bot.config import load_config\n"
                             "from bot.workers import run_worker\n"
                             "run_worker(load_config())")
    try:
        deadline = time.monotonic() + 120  # a start-up on a busy machine; not what is tested
        while not Worker.all(connection=r) and worker.poll() is None and time.monotonic() < deadline:
            time.sleep(0.05)
        time.sleep(3)  # idle past connect_redis's 2 s socket timeout: RQ must raise it for BLPOP
        send_text_later(r, ALICE, "via the scheduler")
        deadline = time.monotonic() + 30
        statuses = []
        while statuses[:1] != ["sent"] and time.monotonic() < deadline:
            time.sleep(0.05)  # the worker records "sent" just after WeChat took the message
            statuses = [o["status"] for o in recent_outbound_outcomes(r)]
    finally:
        worker.terminate()
        output = output_of(worker)
        r.close()
        stop_private_redis(config.data_dir)
    assert len(fake_wechat.sent) == 1, output
    assert statuses == ["sent", "retrying"]
    assert worker.returncode == 0, output
