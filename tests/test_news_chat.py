"""电子会讯 by chat, as a member lives it: latest, per topic, paging, detail, resolutions, inbox, subscriptions."""
from __future__ import annotations

import time

import pytest
from rq import Queue

from bot import content, delivery, paging
from storage.deliveries import INBOX, claim, item_rows, queue_deliveries, settle
from storage.members import find_member_by_openid, insert_member
from storage.news import save_item, subscribe, topics_of
from tests.member import Member
from tests import redis_state

PAGE = paging.page_size()


@pytest.fixture
def alice(client, config, db):
    insert_member(db, {"member_no": "HNKX202600001", "name": "张丽", "category": "regular", "openid": "o_alice",
                       "discipline": "计算机科学"}, actor="test")
    return Member(client, config, "o_alice")


@pytest.fixture
def tag_syncs(monkeypatch):
    """Every sync queued by sync_tags_later (openid, topics): a call refused in an answer made at once
    (its Redis only reads) queues nothing, and the answer is made again in the pool."""
    calls, real = [], delivery.sync_tags_later

    def spy(r, openid, topics):
        job_id = real(r, openid, topics)
        calls.append((openid, sorted(topics)))
        return job_id

    monkeypatch.setattr(delivery, "sync_tags_later", spy)
    return calls


def post(db, item_no: str, day: int, topics=("policy",), kind="newsletter", link=None, body="正文第一段。") -> dict:
    stored, _ = save_item(db, {"item_no": item_no, "kind": kind, "title": f"标题{item_no}", "topics": list(topics),
                               "audience": None, "summary": f"摘要{item_no}", "link": link, "body": body,
                               "publish_at": f"2026-10-{day:02d}T09:00:00+08:00", "source": None})
    return stored


def numbered(reply: str) -> list[str]:
    """The titles of a numbered list, in order."""
    return [line.split(". ", 1)[1].split("（")[0].removeprefix(content.text("news.resolution_mark"))
            for line in reply.splitlines() if ". " in line and line.split(". ", 1)[0].isdigit()]


# --- reading --------------------------------------------------------------------------

def test_latest_is_a_numbered_list_newest_first(alice, db):
    for day in (1, 3, 2):
        post(db, f"n{day}", day)
    reply = alice.says("最新会讯")
    assert numbered(reply) == ["标题n3", "标题n2", "标题n1"]
    assert reply.startswith("最新会讯：") and "2026-10-03" in reply and "回复数字" in reply and "更多" not in reply


def test_a_single_item_is_an_article_card(alice, db):
    post(db, "guide", 5, link="https://www.example.org/guide")
    assert alice.clicks("MENU_NEWS") == "标题guide"


def test_per_topic_lists_only_that_topic(alice, db):
    post(db, "p1", 1)
    post(db, "p2", 2, topics=("policy", "talent"))
    post(db, "i1", 3, topics=("industry",))
    policy = alice.says("看看政策资讯")
    assert policy.startswith("最新政策资讯：") and numbered(policy) == ["标题p2", "标题p1"]
    assert "标题i1" in alice.says("行业动态")
    assert "暂时还没有学科动态" in alice.says("学科动态")


def test_more_pages_on_and_numbers_keep_counting(alice, db):
    for day in range(1, PAGE + 3):
        post(db, f"n{day:02d}", day)
    first = alice.says("会讯")
    assert numbered(first) == [f"标题n{d:02d}" for d in range(PAGE + 2, 2, -1)] and "更多" in first
    second = alice.says("更多")
    assert numbered(second) == ["标题n02", "标题n01"] and f"{PAGE + 1}. " in second
    assert "没有更多" in alice.says("下一页")
    detail = alice.says(str(PAGE + 2))
    assert "《标题n01》" in detail and "摘要n01" in detail and "正文第一段" in detail
    assert "《标题n07》" in alice.says("1")


def test_a_number_opens_a_card_or_the_text_shortened(alice, db):
    post(db, "long", 1, body="## 小标题\n\n" + "很长的正文。" * 200)
    post(db, "linked", 2, link="https://www.example.org/a")
    alice.says("会讯")
    assert alice.says("1") == "标题linked"
    text = alice.says("第2条")
    assert "## " not in text and "小标题" in text and "全文请到学会官网查看" in text
    assert len(text) < 600
    assert "没有第 7 项" in alice.says("7")


def test_anything_else_ends_the_list_and_is_answered(alice, db):
    post(db, "a", 1)
    post(db, "b", 2)
    alice.says("会讯")
    assert "写下您的意见" in alice.says("我想提个建议")
    assert "编号" in alice.says("希望会讯多一些行业内容")


def test_resolutions_have_their_own_archive_and_are_marked_in_the_latest(alice, db):
    post(db, "r1", 1, topics=(), kind="resolution")
    post(db, "r2", 4, topics=(), kind="resolution")
    post(db, "n1", 3)
    assert numbered(alice.says("决议")) == ["标题r2", "标题r1"]
    assert numbered(alice.says("三议一公布")) == ["标题r2", "标题r1"]
    latest = alice.says("会讯")
    assert f"1. {content.text('news.resolution_mark')}标题r2" in latest
    reply = alice.says("1")
    assert "学会决议（三议一公布）" in reply


def test_nothing_published_yet_says_so(alice):
    assert "暂时还没有会讯" in alice.says("会讯")
    assert "暂时还没有决议公告" in alice.says("决议")


def test_items_not_yet_due_are_not_shown(alice, db):
    post(db, "now", 1)
    save_item(db, dict(post(db, "later", 2), publish_at="2099-01-01T09:00:00+08:00"))
    reply = alice.says("会讯")
    assert "《标题now》" in reply and "标题later" not in reply


def park_in_inbox(db, r, item: dict, openid: str) -> None:
    """What the delivery does when no channel is left: the item waits in the member's inbox."""
    rows = item_rows(item["id"], [openid])
    queue_deliveries(db, item["id"], [(openid, find_member_by_openid(db, openid)["id"])])
    claim(db, rows, "test-job", dead=set())
    settle(db, rows, "test-job", INBOX, r=r)


def test_unread_inbox_items_come_first_and_are_marked_read(alice, db, redis_client):
    for day in (1, 3):
        post(db, f"n{day}", day)
    park_in_inbox(db, redis_client, post(db, "missed", 2, topics=("talent",)), "o_alice")
    reply = alice.says("会讯")
    assert "您有 1 条未读会讯" in reply and numbered(reply) == ["标题missed"]
    assert delivery.unread_inbox(db, "o_alice") == []
    assert "《标题missed》" in alice.says("1")
    latest = alice.says("更多")
    assert "最新会讯" in latest and numbered(latest) == ["标题n3", "标题missed", "标题n1"]
    assert "未读" not in alice.says("会讯")


def test_a_long_inbox_is_shown_a_page_at_a_time(alice, db, redis_client):
    for day in range(1, PAGE + 3):
        park_in_inbox(db, redis_client, post(db, f"n{day:02d}", day), "o_alice")
    first = alice.says("会讯")
    assert f"您有 {PAGE + 2} 条未读会讯" in first and "还有 2 条未读" in first
    assert numbered(first) == [f"标题n{d:02d}" for d in range(PAGE + 2, 2, -1)]
    second = alice.says("会讯")
    assert "您有 2 条未读会讯" in second and numbered(second) == ["标题n02", "标题n01"]
    assert "未读" not in alice.says("会讯")


def test_the_inbox_then_pages_on_in_the_topic_asked_for(alice, db, redis_client):
    post(db, "p1", 1)
    post(db, "p2", 3)
    park_in_inbox(db, redis_client, post(db, "missed", 2, topics=("talent",)), "o_alice")
    assert numbered(alice.says("政策资讯")) == ["标题missed"]
    more = alice.says("更多")
    assert "最新政策资讯" in more and numbered(more) == ["标题p2", "标题p1"]


# --- subscriptions --------------------------------------------------------------------

def test_subscribe_to_a_topic_syncs_tags(alice, db, redis_client, tag_syncs):
    reply = alice.says("订阅政策资讯")
    assert "已为您订阅：政策资讯" in reply and content.text("subscriptions.members_only") not in reply
    assert topics_of(db, "o_alice") == ["policy"]
    assert tag_syncs == [("o_alice", ["policy"])]
    assert sum(q.count for q in Queue.all(connection=redis_client)) >= 1  # the tag sync job
    assert "无需重复订阅" in alice.says("订阅政策")
    assert len(tag_syncs) == 1


def test_subscribe_without_a_topic_asks_which(alice, db, tag_syncs):
    subscribe(db, "o_alice", ["talent"])
    choices = alice.says("订阅")
    assert "1. 政策资讯" in choices and "人才资讯（已订阅）" in choices and "全部" in choices
    assert "行业动态" in alice.says("1 3")
    assert topics_of(db, "o_alice") == ["industry", "policy", "talent"]
    assert tag_syncs == [("o_alice", ["industry", "policy", "talent"])]


@pytest.mark.parametrize("answer, topics", [
    ("全部", ["discipline", "industry", "jobs", "policy", "talent"]),
    ("政策", ["policy"]),
    ("5", ["jobs"]),
])
def test_the_choice_by_all_a_name_or_a_number(alice, db, answer, topics):
    alice.says("我想订阅会讯")
    alice.says(answer)
    assert topics_of(db, "o_alice") == topics


def test_another_request_while_choosing_is_answered_instead(alice, db):
    subscribe(db, "o_alice", ["industry"])
    alice.says("订阅")
    assert "已为您退订：行业动态" in alice.says("退订行业")
    assert topics_of(db, "o_alice") == []
    assert "没有订阅" in alice.says("我的订阅")


def test_a_wrong_number_is_asked_again(alice, db):
    alice.says("订阅")
    assert "请回复 1 到 5" in alice.says("9")
    alice.says("2")
    assert topics_of(db, "o_alice") == ["discipline"]


def test_job_alerts_are_the_jobs_topic(alice, db):
    assert "招聘信息提醒" in alice.says("订阅招聘信息")
    assert topics_of(db, "o_alice") == ["jobs"]


def test_my_subscriptions(alice, db):
    assert "没有订阅" in alice.says("我的订阅")
    subscribe(db, "o_alice", ["policy", "jobs"])
    assert "政策资讯、招聘信息提醒" in alice.says("我的订阅")
    assert "政策资讯、招聘信息提醒" in alice.clicks("MENU_SUBSCRIPTIONS")
    assert "政策资讯" in alice.says("我订阅了什么")


def test_unsubscribe_a_topic(alice, db, tag_syncs):
    subscribe(db, "o_alice", ["policy", "industry"])
    reply = alice.says("退订行业动态")
    assert "已为您退订：行业动态" in reply and "仍订阅：政策资讯" in reply
    assert tag_syncs == [("o_alice", ["policy"])]
    assert "您没有订阅“人才资讯”" in alice.says("退订人才")


def test_unsubscribe_without_a_topic_is_all_after_a_confirmation(alice, db, tag_syncs):
    subscribe(db, "o_alice", ["policy", "industry"])
    assert "确定退订全部栏目（政策资讯、行业动态）" in alice.says("退订")
    assert topics_of(db, "o_alice") == ["industry", "policy"]
    assert "已为您退订：政策资讯、行业动态。现在您没有订阅任何栏目" in alice.says("确认")
    assert topics_of(db, "o_alice") == []
    assert tag_syncs == [("o_alice", [])]


@pytest.mark.parametrize("answer", ["不", "先不了"])
def test_not_confirming_keeps_everything(alice, db, answer):
    subscribe(db, "o_alice", ["policy"])
    alice.says("取消订阅")
    assert "没有变化" in alice.says(answer)
    assert topics_of(db, "o_alice") == ["policy"]


def test_a_follower_who_is_not_a_member_is_told_pushes_are_for_members(client, config, db):
    visitor = Member(client, config, "o_visitor")
    assert content.text("subscriptions.members_only") in visitor.says("订阅人才资讯")
    assert topics_of(db, "o_visitor") == ["talent"]


def test_an_open_list_never_nags(alice, db, redis_client):
    """Browsing is no task: later messages and menu taps are answered without a reminder."""
    for day in range(1, 8):
        post(db, f"item-{day}", day)
    assert len(numbered(alice.says("会讯"))) >= 2
    assert "还没有完成" not in alice.clicks("MENU_HELP")
    alice.says("会讯")
    flow = redis_state.load_flow(redis_client, alice.openid)
    flow["updated_at"] = time.time() - 3600
    redis_state.save_flow(redis_client, alice.openid, flow, ttl=1800)
    reply = alice.says("人工客服")
    assert "还没有完成" not in reply and "秘书处" in reply


# --- several topics in one message (issue 12) ----------------------------------------------------

def test_several_topics_are_unsubscribed_in_one_message(client, config, db):
    from storage.news import subscribe as add, topics_of
    from tests.member import Member
    add(db, "o_many", ["policy", "discipline", "industry", "talent"])
    reply = Member(client, config, "o_many").says("退订学科动态、行业动态、人才资讯")
    assert topics_of(db, "o_many") == ["policy"]
    assert "学科" in reply and "行业" in reply and "人才" in reply


def test_only_this_one_keeps_it_and_drops_the_rest(client, config, db):
    from storage.news import subscribe as add, topics_of
    from tests.member import Member
    add(db, "o_many", ["policy", "discipline", "industry"])
    reply = Member(client, config, "o_many").says("只要政策的，其他都不要了")
    assert topics_of(db, "o_many") == ["policy"]
    assert "政策" in reply
