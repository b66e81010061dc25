"""What the secretariat is told about pushes that did not (yet) arrive: who, and why in WeChat's terms.

Delivery walk 11: `news status` said "失败 1" with no name and had no retry (#5); those waiting for a retry
were "微信返回 -1" while one only ever got HTTP 502, and nobody was named (#4); a push WeChat answered too
late was blamed on an interrupted worker that never was (#2). The console's item page shows the same
reasons (bot.delivery.failure_reason, uncertain_reason, retrying). And a retry as planned is no ERROR in
the worker's log (#8).
"""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

from click.testing import CliRunner

from bot import delivery
from bot.cli import main as cli_main
from bot.outbound import RQ_RETRY_INTERVALS
from storage.members import insert_member
from storage.sqlite import transaction
from tests.test_outbound import output_of, run_python
from tests.test_delivery import (  # noqa: F401  (config: fixture)
    add_item,
    config,
    member_wrote,
    openids,
    rows,
    run_jobs,
)

pytest_plugins = ["tests.fake_wechat"]


def named_members(db, names: list[str]) -> list[tuple[str, int]]:
    with transaction(db):
        return [(openid, insert_member(db, {"openid": openid, "name": name, "member_no": f"HNKX2026{i:05d}",
                                             "category": "regular"}, actor="test")["id"])
                for i, (openid, name) in enumerate(zip(openids("W", len(names)), names), 1)]


def news(*args: str) -> str:
    return CliRunner().invoke(cli_main, ["news", *args], catch_exceptions=False).output


def item_no(db, item: int) -> str:
    return db["newsletters"].get(item)["item_no"]


def test_status_names_who_failed_and_why_and_retry_failed_sends_to_them_again(fake_wechat, config, db,
                                                                              redis_client):
    recipients = named_members(db, ["胡伟刚", "李秀兰"])
    member_wrote(fake_wechat, redis_client, config, [openid for openid, _ in recipients])
    fake_wechat.fail_next(1, 40003, endpoint="message/custom/send")  # the first push: not this account's openid
    item = add_item(db)
    delivery.enqueue_broadcast(db, redis_client, item, recipients)
    run_jobs(config)
    [failed] = [openid for openid, row in rows(db, item).items() if row["status"] == "failed"]
    name = dict(zip((o for o, _ in recipients), ["胡伟刚", "李秀兰"]))[failed]

    shown = news("status", item_no(db, item))
    assert "发送失败的 1 人" in shown and f"{name}（HNKX2026" in shown
    assert "这位会员的微信号（openid）不属于本公众号" in shown and f"news retry-failed {item_no(db, item)}" in shown

    assert "已为 1 位发送失败的会员重新排队" in news("retry-failed", item_no(db, item))
    run_jobs(config)
    assert rows(db, item)[failed]["status"] == "sent" and fake_wechat.delivered_counts()[failed] == 1


def test_those_waiting_for_a_retry_are_named_each_with_what_wechat_answered(fake_wechat, config, db,
                                                                            redis_client):
    recipients = named_members(db, ["胡伟刚", "李秀兰"])
    member_wrote(fake_wechat, redis_client, config, [openid for openid, _ in recipients])
    fake_wechat.fail_next_http(3, 502, endpoint="message/custom/send")  # the first member's three tries
    fake_wechat.fail_next(3, -1, endpoint="message/custom/send")  # the second's
    item = add_item(db)
    delivery.enqueue_broadcast(db, redis_client, item, recipients)
    run_jobs(config)  # RQ's retry comes 30 s later
    assert {row["status"] for row in rows(db, item).values()} == {"queued"}

    [busy] = delivery.held_back(db, redis_client, item)
    assert {(row["name"], row["why"]) for row in busy["members"]} == {
        ("胡伟刚", "微信接口出错（HTTP 502）"), ("李秀兰", "微信暂时没有接收（错误码 -1）")}
    next_try = datetime.fromisoformat(busy["at"]) - datetime.now(timezone.utc)  # N3: and when RQ tries again
    assert timedelta(seconds=20) < next_try <= timedelta(seconds=RQ_RETRY_INTERVALS[0])
    shown = news("status", item_no(db, item))
    assert "还在排队、等后台自动重试的 2 人" in shown
    assert "胡伟刚（HNKX202600001）  微信接口出错（HTTP 502）" in shown
    assert "李秀兰（HNKX202600002）  微信暂时没有接收（错误码 -1）" in shown


def test_a_push_wechat_answered_too_late_is_uncertain_for_that_not_for_a_dead_worker(fake_wechat, config, db,
                                                                                     redis_client):
    recipients = named_members(db, ["胡伟刚"])
    member_wrote(fake_wechat, redis_client, config, [recipients[0][0]])
    fake_wechat.delay_answers(config.api_timeout_seconds + 1, endpoint="message/custom/send")
    item = add_item(db)
    delivery.enqueue_broadcast(db, redis_client, item, recipients)
    run_jobs(config)
    assert rows(db, item)[recipients[0][0]]["status"] == "uncertain"

    shown = news("status", item_no(db, item))
    assert "胡伟刚（HNKX202600001）" in shown and "微信没有按时答复，不知道是否收到" in shown
    assert "中断" not in shown


def test_a_planned_retry_is_one_warning_line_in_the_workers_log_not_an_error(fake_wechat, config, env, db,
                                                                             redis_client):
    recipients = named_members(db, ["胡伟刚"])
    member_wrote(fake_wechat, redis_client, config, [recipients[0][0]])
    fake_wechat.fail_next(3, -1, endpoint="message/custom/send")  # past the client's retries: RQ's, 30 s later
    item = add_item(db)
    delivery.enqueue_broadcast(db, redis_client, item, recipients)
    worker = run_python(env, "from bot.config import load_config\nfrom bot.workers import run_worker\n"
                             "run_worker(load_config(), burst=True)")
    output = output_of(worker)
    assert rows(db, item)[recipients[0][0]]["status"] == "queued", output
    [line] = [line for line in output.splitlines() if "RQ tries it again later" in line]
    assert f"item {item}: 1 recipients wait for RQ's retry" in line
    assert "exception raised while executing" not in output and "Traceback" not in output


def test_a_ticket_answer_that_never_arrived_is_said_so_and_listed_to_retry(fake_wechat, config, db, redis_client,
                                                                         monkeypatch):
    """Delivery walk 11 #1: -1 on every channel; `tickets show` said 已回复 and nothing else, and no
    command listed the notice; the member was never told."""
    from handlers.tickets import replies as ticket_replies
    from storage.tickets import create_ticket

    monkeypatch.setattr("bot.outbound.RQ_RETRY_INTERVALS", (0, 0))
    [(openid, _)] = named_members(db, ["胡伟刚"])
    ticket_no = create_ticket(db, openid, "建议", "建议学会多组织一些青年会员的学术交流活动")
    fake_wechat.record_user_message(openid)
    fake_wechat.fail_next(100, -1, endpoint="message/custom/send")
    fake_wechat.fail_next(100, -1, endpoint="message/template/send")
    ticket_replies.reply(db, redis_client, ticket_no, "谢谢建议，明年将增加青年论坛。", "王秘书")
    run_jobs(config)

    shown = CliRunner().invoke(cli_main, ["tickets", "show", ticket_no], catch_exceptions=False).output
    assert "没有送到：微信拒绝了（错误码 -1" in shown and "会员下次给公众号发消息时会自动补发" in shown
    listed = CliRunner().invoke(cli_main, ["notices", "failed"], catch_exceptions=False).output
    assert "没有送达的通知 1 条" in listed and "胡伟刚（HNKX202600001） 诉求答复" in listed
    assert "明年将增加青年论坛" in listed

    fake_wechat.mend()
    assert "已为 1 条没有送达的通知重新排队" in CliRunner().invoke(cli_main, ["notices", "retry"]).output
    run_jobs(config)
    [message] = fake_wechat.sent_to(openid)
    assert "明年将增加青年论坛" in str(message)
    shown = CliRunner().invoke(cli_main, ["tickets", "show", ticket_no], catch_exceptions=False).output
    assert "会员已收到（模板消息）" in shown
