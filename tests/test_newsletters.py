"""Newsletter files (parsing, every validation message), storing them, and who receives an item."""
from __future__ import annotations

from datetime import datetime

import pytest

from bot.config import CONTENT_DIR
from handlers.news.items import AUDIENCE_KEYS, FIELDS, ItemError, give_default_subscriptions, parse_item, read_item
from storage.members import insert_member, insert_unit
from storage.news import (
    find_item,
    latest_items,
    missing_units,
    recipients,
    save_item,
    subscribe,
    topics_of,
    unsubscribe,
)

SAMPLES = sorted((CONTENT_DIR / "newsletters" / "samples").glob("*.md"))

MINIMAL = """+++
title = "省科技厅发布申报指南"
topics = ["policy"]
summary = "12 月 25 日截止。"
+++
正文。
"""


def item(front: str, body: str = "正文。", item_no: str = "n1") -> dict:
    return parse_item(f"+++\n{front}\n+++\n{body}", item_no=item_no, source=f"{item_no}.md")


def problems(front: str, body: str = "正文。") -> list[str]:
    with pytest.raises(ItemError) as caught:
        item(front, body)
    return caught.value.problems


GOOD = 'title = "标题"\ntopics = ["policy"]\nsummary = "摘要"'


# --- parsing ---------------------------------------------------------------------

@pytest.mark.parametrize("path", SAMPLES, ids=[p.stem for p in SAMPLES])
def test_every_sample_file_is_valid(path):
    parsed = read_item(path)
    assert parsed["item_no"] == path.stem and parsed["title"] and parsed["publish_at"]


def test_samples_cover_each_topic_and_a_resolution():
    parsed = [read_item(p) for p in SAMPLES]
    assert {t for p in parsed for t in p["topics"]} == {"policy", "discipline", "industry", "talent"}
    assert any(p["kind"] == "resolution" for p in parsed)


def test_a_minimal_file():
    parsed = parse_item(MINIMAL, item_no="guide", source="guide.md")
    assert parsed == {"item_no": "guide", "kind": "newsletter", "title": "省科技厅发布申报指南",
                      "topics": ["policy"], "audience": None, "summary": "12 月 25 日截止。", "link": None,
                      "publish_at": None, "body": "正文。", "source": "guide.md", "picture": None}


def test_chinese_names_and_codes_are_both_accepted():
    parsed = item('title = "t"\ntopics = ["人才资讯", "policy"]\nsummary = "s"\n'
                  '[audience]\ncategory = ["学生会员", "senior"]\ndiscipline = "材料"\nunit = ["hnkxdw202600001"]')
    assert parsed["topics"] == ["policy", "talent"]
    assert parsed["audience"] == {"category": ["student", "senior"], "discipline": ["材料"],
                                  "unit": ["HNKXDW202600001"]}


@pytest.mark.parametrize("written", ["2026-11-03", '"2026-11-03"', "2026-11-03T09:00:00+08:00",
                                     '"2026-11-03 09:00"'])
def test_publish_time_in_several_spellings_is_stored_in_local_time(written):
    stored = item(f"{GOOD}\npublish_at = {written}")["publish_at"]
    assert datetime.fromisoformat(stored).utcoffset() == datetime.now().astimezone().utcoffset()


def test_a_resolution_needs_no_topics():
    parsed = item('title = "常务理事会决议"\nkind = "resolution"\nsummary = "三项决议"')
    assert parsed["kind"] == "resolution" and parsed["topics"] == [] and parsed["audience"] is None


def test_a_bom_from_notepad_is_fine(tmp_path):
    path = tmp_path / "notepad.md"
    path.write_bytes("\ufeff".encode() + MINIMAL.encode())
    assert read_item(path)["title"] == "省科技厅发布申报指南"


# --- validation: each message names the field --------------------------------------

@pytest.mark.parametrize("front, body, names", [
    ('topics = ["policy"]\nsummary = "s"', "正文", "title（标题）"),
    (f'{GOOD}\ntitle2 = "x"', "正文", "title2"),
    ('title = "t"\nsummary = "s"', "正文", "topics（栏目）"),
    ('title = "t"\ntopics = ["体育"]\nsummary = "s"', "正文", "“体育”"),
    ('title = "t"\ntopics = ["policy"]', "正文", "summary（摘要）"),
    (f'{GOOD}\nlink = "www.example.org"', "正文", "link（链接）"),
    (f'{GOOD}\npublish_at = "下周一"', "正文", "publish_at（发布时间）"),
    (f'{GOOD}\nkind = "notice"', "正文", "kind（类型）"),
    (f'{GOOD}\n[audience]\nregion = ["郑州"]', "正文", "“region”"),
    (f'{GOOD}\n[audience]\ncategory = ["理事"]', "正文", "audience.category（会员类别）"),
    (f'{GOOD}\n[audience]\nunit = []', "正文", "audience.unit"),
    (f'{GOOD}\naudience = "全体"', "正文", "[audience]"),
    ('title = "决议"\nkind = "resolution"\nsummary = "s"\n[audience]\ncategory = ["senior"]', "正文", "全体会员"),
    (GOOD, "", "正文是空的"),
    (f'title = "{"长" * 65}"\ntopics = ["policy"]\nsummary = "s"', "正文", "最多 64 个字"),
])
def test_each_problem_names_its_field(front, body, names):
    [problem] = problems(front, body)
    assert names in problem


def test_all_problems_of_a_file_are_reported_at_once():
    found = problems('topics = ["体育"]\nlink = "ftp://x"')
    assert len(found) == 4  # title, topics, summary, link
    with pytest.raises(ItemError) as caught:
        item('topics = ["体育"]')
    assert "n1.md" in str(caught.value) and "title（标题）" in str(caught.value)


@pytest.mark.parametrize("text, says", [
    ("---\ntitle: 标题\n---\n正文", "+++"),
    ("title = \"标题\"\n正文", "+++"),
    ("+++\ntitle = \"标题\"\n正文", "没有结束"),
    ("+++\ntitle = “标题”\n+++\n正文", "英文双引号"),
])
def test_a_broken_front_matter_block_says_how_to_write_it(text, says):
    with pytest.raises(ItemError) as caught:
        parse_item(text, item_no="x", source="x.md")
    [problem] = caught.value.problems
    assert says in problem


# --- storing ---------------------------------------------------------------------

def test_storing_the_same_file_twice_changes_nothing_and_an_edit_updates(db):
    parsed = parse_item(MINIMAL, item_no="guide", source="guide.md")
    first, outcome = save_item(db, parsed)
    assert outcome == "created" and first["publish_at"]
    again, outcome = save_item(db, parsed)
    assert outcome == "unchanged" and again == first
    edited, outcome = save_item(db, dict(parsed, summary="延期到 12 月 31 日。"))
    assert outcome == "updated" and edited["id"] == first["id"]
    assert edited["publish_at"] == first["publish_at"]  # dated when first stored, kept
    assert db["newsletters"].count == 1
    assert find_item(db, str(first["id"]))["item_no"] == "guide"


def publish(db, item_no: str, when: str, topics=("policy",), kind="newsletter", audience=None) -> dict:
    stored, _ = save_item(db, {"item_no": item_no, "kind": kind, "title": f"标题 {item_no}",
                               "topics": list(topics), "audience": audience, "summary": "摘要",
                               "link": None, "body": "正文", "publish_at": when, "source": None})
    return stored


def test_latest_items_newest_first_per_topic_and_kind_with_paging(db):
    for day in range(1, 8):
        publish(db, f"p{day}", f"2026-11-0{day}T09:00:00+08:00", topics=("policy",) if day % 2 else ("talent",))
    publish(db, "r1", "2026-11-05T12:00:00+08:00", topics=(), kind="resolution")
    publish(db, "future", "2099-01-01T09:00:00+08:00")
    assert [i["item_no"] for i in latest_items(db, limit=3)] == ["p7", "p6", "r1"]
    assert [i["item_no"] for i in latest_items(db, offset=3, limit=3)] == ["p5", "p4", "p3"]
    assert [i["item_no"] for i in latest_items(db, topic="talent")] == ["p6", "p4", "p2"]
    assert [i["item_no"] for i in latest_items(db, kind="resolution")] == ["r1"]
    assert "future" in [i["item_no"] for i in latest_items(db, all_items=True)]


# --- subscriptions -----------------------------------------------------------------

def test_defaults_at_registration_once_and_a_later_choice_is_kept(db):
    assert give_default_subscriptions(db, "o_new") == ["policy", "discipline", "industry", "talent"]
    assert unsubscribe(db, "o_new", ["industry"]) == ["industry"]
    assert give_default_subscriptions(db, "o_new") == []
    assert topics_of(db, "o_new") == ["discipline", "policy", "talent"]


def test_subscribe_and_unsubscribe_report_what_changed(db):
    assert subscribe(db, "o_a", ["policy", "jobs"]) == ["policy", "jobs"]
    assert subscribe(db, "o_a", ["policy"]) == []
    assert unsubscribe(db, "o_a", ["talent"]) == []
    assert unsubscribe(db, "o_a", ["policy", "jobs"]) == ["jobs", "policy"]
    assert topics_of(db, "o_a") == []


# --- recipients ------------------------------------------------------------------------

@pytest.fixture
def society(db):
    """Members of every kind that matters to an audience, each subscribed to policy unless said."""
    unit = insert_unit(db, {"unit_no": "HNKXDW202600001", "name": "示范大学", "credit_code": "C1"}, actor="test")
    insert_unit(db, {"unit_no": "HNKXDW202600002", "name": "示范公司", "credit_code": "C2"}, actor="test")
    people = {
        "o_student": dict(category="student", discipline="材料科学与工程", unit_id=unit["id"]),
        "o_regular": dict(category="regular", discipline="计算机科学"),
        "o_senior": dict(category="senior", discipline="化学工程"),
        "o_talent_only": dict(category="regular", discipline="计算机科学", topics=["talent"]),
        "o_none": dict(category="regular", discipline="计算机科学", topics=[]),
        "o_lapsed": dict(category="regular", discipline="计算机科学", status="lapsed"),
        "o_unfollowed": dict(category="regular", discipline="计算机科学", reachable=0),
    }
    ids = {}
    for number, (openid, fields) in enumerate(people.items()):
        topics = fields.pop("topics", ["policy"])
        ids[openid] = insert_member(db, dict(fields, member_no=f"T{number:05d}", name="会员", openid=openid),
                                    actor="test")["id"]
        subscribe(db, openid, topics)
    insert_member(db, {"member_no": "T99999", "name": "未绑定", "category": "regular"}, actor="test")
    return ids


def openids(db, **fields) -> list[str]:
    stored = publish(db, "x", "2026-11-01T09:00:00+08:00", **fields)
    return sorted(openid for openid, _ in recipients(db, stored))


def test_a_newsletter_goes_to_active_followers_subscribed_to_one_of_its_topics(db, society):
    assert openids(db) == ["o_regular", "o_senior", "o_student"]
    assert openids(db, topics=("policy", "talent")) == ["o_regular", "o_senior", "o_student", "o_talent_only"]
    stored = find_item(db, "x")
    assert dict(recipients(db, stored))["o_regular"] == society["o_regular"]


@pytest.mark.parametrize("audience, expected", [
    ({"category": ["student", "senior"]}, ["o_senior", "o_student"]),
    ({"discipline": ["材料", "化学"]}, ["o_senior", "o_student"]),
    ({"unit": ["HNKXDW202600001"]}, ["o_student"]),
    ({"unit": ["HNKXDW202600002"]}, []),
    ({"category": ["regular", "student"], "discipline": ["计算机"]}, ["o_regular"]),
])
def test_audience_filters_all_apply(db, society, audience, expected):
    assert openids(db, audience=audience) == expected


def test_a_resolution_goes_to_every_active_follower_regardless_of_subscriptions(db, society):
    assert openids(db, topics=(), kind="resolution") == [
        "o_none", "o_regular", "o_senior", "o_student", "o_talent_only"]


def test_unknown_unit_numbers_are_found_before_publishing(db, society):
    assert missing_units(db, ["HNKXDW202600001", "HNKXDW209900009"]) == ["HNKXDW209900009"]


def test_the_readme_documents_every_field():
    readme = (CONTENT_DIR / "newsletters" / "README.md").read_text(encoding="utf-8")
    assert all(f"`{name}`" in readme or f"[{name}]" in readme for name in FIELDS)
    assert all(key in readme for key in AUDIENCE_KEYS)
