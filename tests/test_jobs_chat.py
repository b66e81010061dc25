"""The job board by chat, as a member lives it: searching, relaxed searches, pages, details, keyword alerts."""
from __future__ import annotations

import pytest

from storage.jobs import alerts_of, close_posting
from storage.news import subscribe, topics_of
from tests.job_board import add_member, day, post
from tests.member import Member


@pytest.fixture
def alice(client, config, db):
    add_member(db, "o_alice")
    return Member(client, config, "o_alice")


@pytest.fixture
def board(db):
    post(db, "算法工程师", "河南省人工智能研究院", "郑州", education="硕士", salary="15-25k/月",
         description="负责深度学习模型研发。" * 60)
    post(db, "化学博士后", "郑州大学化学学院", "郑州", education="博士", discipline="化学")
    post(db, "电气工程师", "洛阳轴承集团", "洛阳", education="本科")
    return db


def numbered(reply: str) -> list[str]:
    """The titles of a numbered list, in order."""
    return [line.split(". ", 1)[1].split("｜")[0] for line in reply.splitlines()
            if ". " in line and line.split(". ", 1)[0].isdigit()]


# --- searching ----------------------------------------------------------------------------

def test_a_search_lists_compact_numbered_lines(alice, board):
    post(board, "软件工程师", "郑州软件园", "郑州")
    reply = alice.says("郑州 工程师")
    assert reply.startswith("郑州的“工程师”相关职位：")
    assert numbered(reply) == ["软件工程师", "算法工程师"]
    assert "2. 算法工程师｜河南省人工智能研究院｜郑州｜硕士｜15-25k/月" in reply
    assert "回复数字查看职位详情" in reply and "更多" not in reply


def test_a_single_match_opens_the_posting_itself(alice, board):
    reply = alice.says("有没有化学方向的博士后")
    assert reply.startswith("【化学博士后】") and "招聘单位：郑州大学化学学院" in reply
    assert "应聘方式：简历发送至 hr@example.org" in reply and "学会秘书处发布" in reply


def test_more_pages_on_and_a_number_opens_the_details(alice, db):
    for number in range(7):
        post(db, f"研究员{number}", f"研究院{number}", "郑州", posted_on=day(-number))
    first = alice.says("招聘 研究员")
    assert numbered(first) == [f"研究员{n}" for n in range(5)] and "回复“更多”看下一页" in first
    second = alice.says("更多")
    assert numbered(second) == ["研究员5", "研究员6"] and "6. 研究员5" in second and "以上是全部" in second
    assert "没有更多" in alice.says("下一页")
    assert alice.says("7").startswith("【研究员6】")
    assert alice.says("第1个").startswith("【研究员0】")
    assert "1 到 7" in alice.says("9")


def test_a_long_description_is_shortened_to_fit_a_message(alice, board):
    alice.says("郑州 工程师")
    detail = alice.says("1")
    assert detail.startswith("【算法工程师】") and "完整描述请按应聘方式咨询" in detail and len(detail) < 600


def test_the_menu_lists_the_newest_and_says_how_to_search(alice, board):
    reply = alice.clicks("MENU_JOBS")
    assert reply.startswith("最新职位（可以直接搜索") and len(numbered(reply)) == 3


def test_traditional_and_full_width_messages_work(alice, board):
    assert alice.says("有沒有化學方向的博士後").startswith("【化学博士后】")
    assert alice.says("招聘　電氣工程師　洛陽").startswith("【电气工程师】")


def test_no_match_in_the_city_lists_nothing_from_elsewhere_and_says_where_to_look(alice, board):
    reply, search_page = alice.says("招聘 化学 洛阳").split("\n\n")
    assert reply == ("暂时没有洛阳的化学专业职位。省内其他城市有 1 个（郑州），回复“招聘 化学 省内”查看。"
                     "回复“订阅招聘 化学”，有新职位时提醒您；回复“招聘”看最新职位。")
    assert search_page == '<a href="/m/jobs?q=%E5%8C%96%E5%AD%A6&city=%E6%B4%9B%E9%98%B3">点此按城市、学科、学历、薪资筛选职位</a>'
    assert numbered(reply) == []
    reply = alice.says("招聘 区块链 洛阳")
    assert reply.startswith("暂时没有洛阳的“区块链”相关职位。洛阳现有其他职位 1 个，回复“招聘 洛阳”查看。")
    assert numbered(reply) == []  # the word as typed, never the 区块 the router kept of it
    assert numbered(alice.says("招聘 化学 省内")) == [] and alice.says("招聘 化学 省内").startswith("【化学博士后】")


def test_the_province_asked_right_after_a_city_is_the_province(alice, board):
    post(board, "化学实验员", "新乡某化工厂", "新乡", discipline="化学")
    assert alice.says("郑州有地质专业的岗位吗").startswith("暂时没有郑州的地质专业职位。")
    reply = alice.says("省内有化学的岗位吗")  # not 郑州 kept from the question before
    assert reply.startswith("河南省内的化学专业职位：") and set(numbered(reply)) == {"化学博士后", "化学实验员"}


def test_a_yes_to_the_other_cities_offered_lists_them(alice, board):
    assert "省内其他城市有 1 个（郑州）" in alice.says("洛阳 化学 的岗位")
    assert alice.says("好").startswith("【化学博士后】")
    alice.says("招聘 化学 洛阳")
    assert alice.says("行").startswith("【化学博士后】")


def test_fts_syntax_in_a_message_is_never_an_error(alice, board):
    for text in ['招聘 "算法" OR 化学*', "招聘 NEAR(算法) ^郑州:", "招聘 title:算法 (((", "招聘 算法 AND NOT"]:
        assert "职位" in alice.says(text)


def test_a_posting_closed_after_it_was_listed_says_so(alice, db, board):
    alice.says("郑州 工程师")
    [first] = [p for p in board["jobs"].rows if p["title"] == "算法工程师"]
    close_posting(db, first["id"])
    assert "已经下线" in alice.says("1")


def test_anything_else_leaves_the_list_and_is_answered(alice, board):
    alice.says("招聘 工程师")
    assert "写下您的意见" in alice.says("我想提个建议")


def test_an_empty_board_is_not_a_dead_end(alice):
    assert "订阅招聘" in alice.says("招聘 算法 郑州")


# --- keyword alerts -----------------------------------------------------------------------

def test_subscribing_to_keywords_and_seeing_them(alice, db, board):
    reply = alice.says("订阅招聘 人工智能")
    assert reply.startswith("已订阅招聘提醒：“人工智能”") and "现在就有相关职位" in reply
    assert "入会" not in reply
    assert "已订阅过“人工智能”" in alice.says("订阅招聘 人工智能")
    alice.says("我想订阅郑州的量子岗位")
    assert [a["keywords"] for a in alerts_of(db, "o_alice")] == [["人工智能"], ["郑州", "量子"]]
    mine = alice.says("我的招聘订阅")
    assert "1. 人工智能" in mine and "2. 郑州 量子" in mine and topics_of(db, "o_alice") == []


def test_unsubscribing_one_alert_then_all(alice, db):
    alice.says("订阅招聘 人工智能")
    alice.says("订阅招聘 化学")
    assert alice.says("取消招聘订阅 人工智能") == "已取消招聘提醒：“人工智能”。您仍订阅的：“化学”。"
    assert "您没有订阅含“材料”的招聘提醒" in alice.says("取消招聘订阅 材料")
    assert alice.says("取消招聘订阅").startswith("已取消全部招聘提醒：“化学”")
    assert alerts_of(db, "o_alice") == [] and "还没有订阅招聘提醒" in alice.says("我的招聘订阅")


def test_without_keywords_it_is_the_jobs_topic_and_ending_it_ends_the_alerts_too(alice, db):
    assert "招聘信息提醒" in alice.says("订阅招聘")
    alice.says("订阅招聘 人工智能")
    assert "所有新职位都会汇总发给您" in alice.says("我的招聘订阅")
    assert "已为您退订：招聘信息提醒" in alice.says("退订招聘")
    assert alerts_of(db, "o_alice") == [] and "jobs" not in topics_of(db, "o_alice")


def test_limits_on_alerts_come_from_content(alice):
    for word in ["人工智能", "化学", "材料", "电气", "农业"]:
        alice.says(f"订阅招聘 {word}")
    assert "最多订阅 5 组" in alice.says("订阅招聘 机械")
    assert "最多 4 个词" in alice.says("订阅招聘 算法 数据 软件 硬件 芯片")


def test_someone_not_a_member_is_told_alerts_are_for_members(client, config):
    reply = Member(client, config, "o_stranger").says("订阅招聘 人工智能")
    assert reply.startswith("已订阅招聘提醒") and "只推送给学会会员" in reply


def test_other_topics_are_still_the_subscriptions_handlers(alice, db):
    assert "政策资讯" in alice.says("订阅政策")
    subscribe(db, "o_alice", ["jobs"])
    assert "招聘信息提醒" in alice.says("我的订阅")


def test_a_dialect_question_word_is_no_search_word(alice, board):
    """弄啥 (Henan for 干什么) opens a question; it is not a word every posting must contain."""
    reply = alice.says("弄啥嘞，恁这有没有招人哩，俺在洛阳")
    assert numbered(reply) == ["电气工程师"] or reply.startswith("【电气工程师】")
    assert "干什么" not in reply


# --- employers ----------------------------------------------------------------------------

@pytest.mark.parametrize("text, taken", [
    ("我们是开封示范食品公司，招质检员一名，中专以上，月薪4000，电话0371-23456789，请问怎么发布", True),
    # a reference number holds the digits of a landline, but gives no way to apply
    ("我们是开封示范食品公司，招质检员一名，中专以上，月薪4000，岗位编号20260371234567，请问怎么发布", False),
])
def test_a_posting_is_taken_when_it_gives_a_landline_not_a_longer_number(alice, db, text, taken):
    from bot import content
    from storage.tickets import list_tickets_of_member

    reply = alice.says(text)
    assert len(list_tickets_of_member(db, "o_alice", 0, 20)) == (1 if taken else 0)
    assert (reply == content.text("jobs.how_to_post", **content.society()["secretariat"])) != taken


def test_out_of_town_declined_is_an_ok_not_a_cancel_or_a_search(alice, board):
    """"外地的算了" after none in the city and how many elsewhere: fine, nothing searched and nothing cancelled (it said
    当前没有正在办理的事项, as if a form had been meant)."""
    alice.says("招聘 化学 洛阳")
    reply = alice.says("外地的算了")
    assert reply == "好的。还有需要随时告诉我。"
    assert "化学博士后" not in alice.says("好")  # the offer of the other cities declined with it


def test_the_years_of_experience_a_description_names_are_its_answer(alice, db):
    post(db, "数据分析师", discipline="计算机", description="负责数据分析。要求3年以上相关工作经验，熟悉Python。")
    alice.says("招聘 数据分析师")
    reply = alice.says("要几年经验")
    assert reply.startswith("《数据分析师》（郑州大学）的工作经验要求：要求3年以上相关工作经验") and "没有写" not in reply


def test_years_in_a_description_not_about_experience_are_not_its_answer(alice, db):
    post(db, "数据分析师", discipline="计算机", description="我们是成立20年以上的企业。要求从事过5年数据分析，熟悉Python。")
    alice.says("招聘 数据分析师")
    reply = alice.says("要几年经验")
    assert "成立20年以上" not in reply and "要求从事过5年数据分析" in reply, reply
