"""A token answer without `access_token` (an error body with errcode 0, or the field missing) is a
clear API error, retried with backoff and logged once: never a KeyError traceback (issue 14)."""
from __future__ import annotations

import logging

import pytest

from bot import delivery, wechat_client
from bot.wechat_client import WeChatAPIError
from bot.platform.accounts import make_client
from tests.test_delivery import add_members, config, member_wrote, openids, run_jobs  # noqa: F401

pytest_plugins = ["tests.fake_wechat"]


def break_token_answers(fake, how: str, n: int) -> None:
    if how == "errcode 0":
        fake.fail_next(n, 0, endpoint="token")  # {"errcode": 0, "errmsg": "ok"}
    else:
        fake.tokenless_answers(n)  # {"expires_in": 7200}


@pytest.fixture
def quick_backoff(monkeypatch):
    waits = []
    monkeypatch.setattr(wechat_client, "backoff_seconds", lambda retry: waits.append(retry) or 0.01)
    return waits


@pytest.mark.parametrize("how", ["errcode 0", "missing field"])
def test_a_token_answer_without_a_token_is_retried_with_backoff(fake_wechat, config, redis_client, quick_backoff,
                                                                how):
    [openid] = openids("T", 1)
    member_wrote(fake_wechat, redis_client, config, [openid])
    break_token_answers(fake_wechat, how, 2)
    make_client(config, redis_client).send_text(openid, "您好")
    assert fake_wechat.calls["token"] == 3
    assert quick_backoff == [0, 1]
    assert len(fake_wechat.sent_to(openid)) == 1


@pytest.mark.parametrize("how", ["errcode 0", "missing field"])
def test_a_token_answer_never_fixed_is_one_clear_error_logged_once(fake_wechat, config, db, redis_client,
                                                                   quick_backoff, caplog, how):
    [openid] = openids("N", 1)
    add_members(db, [openid])
    member_wrote(fake_wechat, redis_client, config, [openid])
    break_token_answers(fake_wechat, how, 100)
    with pytest.raises(WeChatAPIError) as raised:
        make_client(config, redis_client).send_text(openid, "您好")
    assert raised.value.transient and "access_token" in raised.value.errmsg
    assert fake_wechat.calls["token"] == config.api_max_retries + 1

    caplog.clear()
    with caplog.at_level(logging.WARNING):
        delivery.notify(redis_client, openid, "您的申请已通过", kind="approval")
        run_jobs(config)
    assert "KeyError" not in caplog.text
    mine = [record for record in caplog.records if record.name == "bot.wechat_client"]
    assert len(mine) == 1 and mine[0].exc_info is None and "access token" in mine[0].getMessage()
    [row] = db["notices"].rows
    assert row["status"] == "queued" and "access_token" in row["errmsg"]  # RQ tries the job again later
    assert fake_wechat.sent_to(openid) == []
