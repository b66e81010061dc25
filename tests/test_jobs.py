"""The job board's storage and search: segmentation, filters, ranking, expiry, and a search
that survives typos, Traditional characters, full-width text, FTS syntax and no results."""
from __future__ import annotations

import pytest

from handlers.jobs import board as job_board
from handlers.jobs import filters as job_filters
from handlers.jobs.text import alert_keywords, canonical_city, index_text
from bot.router import route
from storage.database import open_database, open_reader
from storage.jobs import (CLOSED, EXPIRED, JobQuery, close_posting, count_matches, expire_postings, find_posting,
                          has_match, list_postings, match_expression, matches_by_city, reindex_postings, save_postings,
                          search)
from storage.sqlite import transaction
from tests.job_board import TODAY, day, post

NOW = TODAY.isoformat()


def titles(postings) -> list[str]:
    return [p["title"] for p in postings]


def asked(db, message: str, limit: int = 20) -> list[str]:
    """What a member's message finds as asked (no relaxing), through the router and the filters as in the chat."""
    result = found(db, message)
    return titles(search(db, result.asked, NOW, limit=limit))


def found(db, message: str) -> job_board.Found:
    slots = route(message).slots
    return job_board.find(db, slots.get("keywords", []), slots.get("city"), NOW, message)


@pytest.fixture
def board(db):
    post(db, "算法工程师", "河南省人工智能研究院", "郑州", discipline="计算机", education="硕士",
         description="负责深度学习、机器学习模型研发")
    post(db, "化学博士后", "郑州大学化学学院", "郑州", discipline="化学", education="博士", description="有机合成方向")
    post(db, "电气工程师", "洛阳轴承集团", "洛阳", discipline="电气", description="设备维护与改造")
    post(db, "农业技术推广员", "南阳市农业科学院", "南阳", discipline="农学", description="小麦良种推广")
    post(db, "AI 产品经理", "郑州某科技有限公司", "郑州", description="C++/Python 背景优先")
    return db


# --- segmentation ---------------------------------------------------------------------

def test_long_words_are_also_indexed_by_the_words_inside_them():
    assert index_text("电气工程师").split() == ["电气工程师", "电气工程", "工程师", "电气", "工程"]
    assert {"农业", "技术", "推广员"} <= set(index_text("农业技术推广员").split())
    assert index_text("，。！") == ""


def test_a_word_cut_before_its_last_character_is_indexed_whole_too():
    assert {"工程师", "土木"} <= set(index_text("土木工程师").split())  # jieba: 土木工程 / 师
    assert "工程师" in index_text("通信工程师").split()


def test_capital_it_is_computing_and_the_english_word_it_is_nothing():
    assert job_filters.read("郑州 IT 岗位", []).discipline == "计算机"
    assert job_filters.read("Is it open in Zhengzhou?", ["open"]).disciplines == ()


@pytest.mark.parametrize("message, discipline, keywords", [
    ("水力专业 省内有岗位吗", "水利", ()),  # a word of its own that sounds like 水利
    ("郑州哪里招土目的", "土木", ()),  # jieba: 土 / 目的
    ("省内招测会的多不多", "测绘", ()),  # 多不多 asks, it is no search word
    ("郑州金水区有没有会计的岗位", "会计", ()),  # a district: postings are filed under the city
    ("有没有拍视频的工作", None, ("视频",)),  # sounds like 食品, but is a word of its own
])
def test_typos_districts_and_question_words(message, discipline, keywords):
    slots = route(message).slots
    filters = job_filters.read(message, slots.get("keywords", []))
    assert (filters.discipline, filters.keywords) == (discipline, keywords), slots


def test_a_district_alone_is_its_city(board):
    post(board, "会计", "郑州某商贸公司", "郑州", discipline="会计学")
    post(board, "会计", "周口某公司", "周口", discipline="会计学")
    result = found(board, "金水区有会计的岗位吗")
    assert result.asked.city == "郑州" and [p["employer"] for p in search(board, result.query, NOW)] == ["郑州某商贸公司"]


def test_part_of_a_long_word_finds_it(board):
    assert asked(board, "洛阳 工程师") == ["电气工程师"]
    assert asked(board, "招聘 推广员") == ["农业技术推广员"]
    assert sorted(asked(board, "郑州 工程师")) == ["算法工程师"]


def test_the_router_examples_find_their_postings(board):
    assert asked(board, "招聘 算法 郑州") == ["算法工程师"]
    assert asked(board, "有没有化学方向的博士后") == ["化学博士后"]
    assert asked(board, "招聘 算法 洛阳") == []


def test_traditional_and_full_width_messages_search_like_simplified(board):
    assert asked(board, "招聘 機器學習 鄭州") == ["算法工程师"]
    assert asked(board, "有沒有化學方向的博士後") == ["化学博士后"]
    assert asked(board, "招聘　ＡＩ　郑州") == ["AI 产品经理", "算法工程师"]  # 算法: an AI post (content/jobs.toml [field_words])
    assert asked(board, "招聘 c++") == ["AI 产品经理"]


def test_place_names_become_the_city_the_router_names():
    assert canonical_city("河南省郑州市高新区") == "郑州"
    assert canonical_city("洛阳市") == "洛阳"
    assert canonical_city("兰考县") == "开封"  # a county: its city (content/jobs.toml [districts])
    assert canonical_city("金水区") == "郑州" and canonical_city("某县") == "某县"


# --- FTS syntax never raises --------------------------------------------------------------

NASTY = ['"', '""', "'", "AND", "OR", "NOT", "NEAR", "NEAR(化学 材料, 2)", "*", "算法*", "^算法", "title:算法",
         "title : 算法", "{title employer}: 算法", "(", ")", "((算法)", "-", "+", "算法 AND", "OR OR", ":", "c++",
         "“算法”", "\\", "a\"b", "🙂", "　", "😀算法"]


@pytest.mark.parametrize("text", NASTY)
def test_fts_syntax_in_a_keyword_is_plain_text(board, text):
    for query in (JobQuery((text,)), JobQuery((text, "算法"), city=text), JobQuery((text,), prefix=True),
                  JobQuery((text,), either=((text, "化学"),)), JobQuery(discipline=text),
                  JobQuery(disciplines=((text, "化学"),), cities=(text, "郑州"))):
        search(board, query, NOW)
        has_match(board, query, NOW)


@pytest.mark.parametrize("text", NASTY)
def test_fts_syntax_in_a_message_still_gets_an_answer(board, text):
    slots = route(f"招聘 {text} 郑州").slots
    found = job_board.find(board, slots.get("keywords", []), slots.get("city"), NOW)
    assert search(board, found.query, NOW) if found.anything else job_board.none_found(found).startswith("暂时没有")


def test_terms_are_quoted_so_operators_are_words():
    assert match_expression(JobQuery(('算法" OR "化学',))) == '(("算法" AND "or" AND "化学"))'
    assert match_expression(JobQuery(("工程",), city="郑州", prefix=True)) == '(("工程"*)) AND city : ("郑州")'


# --- filters, ranking, paging ------------------------------------------------------------------

def test_city_and_discipline_filter(board):
    assert titles(search(board, JobQuery(city="洛阳"), NOW)) == ["电气工程师"]
    assert titles(search(board, JobQuery(("工程师",), discipline="电气"), NOW)) == ["电气工程师"]
    assert titles(list_postings(board, NOW, discipline="化学")) == ["化学博士后"]


def test_a_word_in_the_title_ranks_above_one_in_the_description(db):
    post(db, "实验员", "新乡检测中心", description="协助化学分析，样品检测")
    post(db, "化学分析员", "新乡化工集团")
    assert titles(search(db, JobQuery(("化学",)), NOW)) == ["化学分析员", "实验员"]


def test_equally_relevant_postings_come_newest_first(db):
    for number, posted in enumerate([-30, -2, -10]):
        post(db, "研究员", f"研究院{number}", posted_on=day(posted))
    assert [p["employer"] for p in search(db, JobQuery(("研究员",)), NOW)] == ["研究院1", "研究院2", "研究院0"]


def test_pages_follow_on_without_overlap(db):
    for number in range(12):
        post(db, "软件工程师", f"公司{number:02d}", posted_on=day(-number))
    query = JobQuery(("软件",))
    pages = [search(db, query, NOW, offset=offset, limit=5) for offset in (0, 5, 10)]
    employers = [p["employer"] for page in pages for p in page]
    assert employers == [f"公司{n:02d}" for n in range(12)] and len(pages[2]) == 2


# --- no results: the nearest alternatives --------------------------------------------------------

def test_a_city_without_such_jobs_lists_none_and_says_where_there_are(board):
    """Every posting listed is in the city asked: none from elsewhere, but how many there are."""
    result = found(board, "招聘 化学 洛阳")
    assert not result.anything and result.elsewhere == 1
    assert job_board.none_found(result).startswith("暂时没有洛阳的化学专业职位。省内其他城市有 1 个（郑州），回复“招聘 化学 省内”查看。")


def test_a_pinyin_typo_is_read_as_the_word_it_sounds_like_and_not_echoed(board):
    result = found(board, "招聘 机器学系")
    assert result.spelled == {"学系": "学习"} and titles(search(board, result.query, NOW)) == ["算法工程师"]
    assert job_board.heading(result) == "“机器”“学习”相关职位："  # the word as read, never 学系


def test_a_typo_from_the_correction_table_is_fixed_by_the_router(board):
    assert asked(board, "有没有博士候的岗位") == ["化学博士后"]


def test_a_word_beginning_is_tried_before_dropping_a_keyword(db):
    post(db, "JavaScript 前端开发", "开封软件园", "开封")
    result = found(db, "招聘 java 开封")
    assert result.relaxed == ("prefix",) and titles(search(db, result.query, NOW)) == ["JavaScript 前端开发"]
    assert job_board.heading(result) == "开封的“java”相关职位（含以“java”开头的词）："


def test_keywords_no_posting_has_together_list_nothing_and_each_alone_is_offered(board):
    result = found(board, "招聘 推广员 博士后")
    assert not result.anything
    assert job_board.none_found(result).startswith(
        "暂时没有“推广员”“博士后”相关职位。“推广员”相关职位有 1 个，回复“招聘 推广员”查看。"
        "“博士后”相关职位有 1 个，回复“招聘 博士后”查看。")


def test_two_disciplines_named_must_both_be_named_by_a_posting(board):
    assert not found(board, "招聘 化学 电气").anything
    assert "化学专业职位有 1 个，回复“招聘 化学”查看。电气专业职位有 1 个" in job_board.none_found(found(board, "招聘 化学 电气"))
    post(board, "电化学储能工程师", "郑州某储能公司", discipline="化学、电气工程")
    result = found(board, "招聘 化学 电气")
    assert titles(search(board, result.query, NOW)) == ["电化学储能工程师"]
    assert job_board.heading(result) == "化学、电气专业职位："


def test_broader_words_from_content_when_the_word_is_nowhere(board):
    assert found(board, "招聘 深度学习 郑州").relaxed == ()  # in a description: found as asked
    post(board, "集成电路设计工程师", "中原科技城")
    result = found(board, "招聘 芯片 郑州")
    assert result.relaxed == ("broader",) and result.query.either == (("芯片", "集成电路", "半导体", "电子"),)
    assert titles(search(board, result.query, NOW)) == ["集成电路设计工程师"]
    assert job_board.heading(result) == "郑州的“芯片”相关职位（按相近的“集成电路”“半导体”“电子”查找）："


def test_no_such_words_in_the_city_lists_nothing_and_offers_the_citys_other_postings(board):
    in_city = found(board, "招聘 区块链 郑州")
    assert not in_city.anything
    assert "郑州现有其他职位 3 个，回复“招聘 郑州”查看。" in job_board.none_found(in_city, "招聘 区块链 郑州")
    nowhere = found(board, "焦作 招聘")
    assert not nowhere.anything and job_board.none_found(nowhere).startswith("暂时没有焦作的职位。")


def test_an_empty_board_is_the_only_way_to_find_nothing(db):
    assert not found(db, "招聘 算法 郑州").anything


# --- saving, closing, expiry ---------------------------------------------------------------------

def test_saving_the_same_posting_again_changes_nothing_and_an_edit_updates(db):
    first = post(db, "算法工程师", salary="15k")
    again = save_postings(db, [dict(first)], NOW)
    assert again[0][1] == "unchanged"
    [(edited, outcome)] = save_postings(db, [dict(first, salary="20k", employer=" 郑州 大学")], NOW)
    assert outcome == "updated" and edited["id"] == first["id"] and edited["salary"] == "20k"


def test_expired_postings_are_never_shown_even_before_they_are_taken_down(db):
    old = post(db, "研究员", posted_on=day(-40), expires_on=day(-1))
    post(db, "研究员", "另一研究院", expires_on=day(0))
    assert titles(search(db, JobQuery(("研究员",)), NOW)) == ["研究员"]
    assert [p["id"] for p in expire_postings(db, NOW)] == [old["id"]]
    assert find_posting(db, old["id"])["status"] == EXPIRED and expire_postings(db, NOW) == []
    assert [p["employer"] for p in list_postings(db, NOW)] == ["另一研究院"]
    assert len(list_postings(db, NOW, everything=True)) == 2


def test_a_later_expiry_reopens_an_expired_posting_but_a_closed_one_stays_closed(db):
    expired = post(db, "研究员", posted_on=day(-40), expires_on=day(-1))
    closed = post(db, "讲师", "郑州师范学院")
    expire_postings(db, NOW)
    close_posting(db, closed["id"])
    save_postings(db, [dict(expired, expires_on=day(30)), dict(closed, salary="面议")], NOW)
    assert titles(search(db, JobQuery(("研究员",)), NOW)) == ["研究员"]
    assert find_posting(db, closed["id"])["status"] == CLOSED and not search(db, JobQuery(("讲师",)), NOW)


# --- a question asked before ------------------------------------------------------------------

def statements_of(db, read) -> tuple[object, list[str]]:
    """What `read()` returns, and the statements it ran on `db`."""
    ran: list[str] = []
    db.conn.set_trace_callback(ran.append)
    try:
        return read(), ran
    finally:
        db.conn.set_trace_callback(None)


def test_a_question_asked_again_is_answered_without_the_index(board, new_store):
    reader = open_reader(new_store)  # as a message answered at once reads
    for read in (lambda: search(reader, JobQuery(("工程师",), city="郑州"), NOW),
                 lambda: count_matches(reader, JobQuery(("工程师",)), NOW), lambda: has_match(reader, JobQuery(("工程师",)), NOW),
                 lambda: matches_by_city(reader, JobQuery(("工程师",)), NOW)):
        first, ran = statements_of(reader, read)
        assert any("jobs_fts" in statement for statement in ran)
        again, ran = statements_of(reader, read)
        assert again == first and len(ran) == 1 and "jobs_fts" not in ran[0]
    rows = search(reader, JobQuery(("工程师",)), NOW)
    rows[0]["title"] = "改过的"  # a caller's own copy
    assert titles(search(reader, JobQuery(("工程师",)), NOW)) == ["电气工程师", "算法工程师"]


def test_a_change_to_the_board_by_another_process_is_seen_by_the_next_question(board, new_store):
    reader, console = open_reader(new_store), open_database(new_store)
    engineers = JobQuery(("工程师",))
    assert titles(search(reader, engineers, NOW)) == ["电气工程师", "算法工程师"]
    added = post(console, "结构工程师", "郑州某设计院")
    assert titles(search(reader, engineers, NOW))[0] == "结构工程师" and count_matches(reader, engineers, NOW) == 3
    close_posting(console, added["id"])
    assert titles(search(reader, engineers, NOW)) == ["电气工程师", "算法工程师"]
    electric = next(posting for posting in list_postings(console, NOW) if posting["title"] == "电气工程师")
    save_postings(console, [dict(electric, expires_on=day(-1))], NOW)
    assert titles(search(reader, engineers, NOW)) == ["算法工程师"] and matches_by_city(reader, engineers, NOW) == {"郑州": 1}
    reindex_postings(console, NOW)  # the index alone rewritten: read again
    _, ran = statements_of(reader, lambda: search(reader, engineers, NOW))
    assert any("jobs_fts" in statement for statement in ran)


def test_what_is_kept_stays_within_its_bound_however_many_questions(board, monkeypatch):
    """A worker serving for months keeps at most _KEPT_READS reads a board version (a new day's questions
    start afresh), and at most _KEPT_VERSIONS versions (societies on the platform)."""
    from storage import jobs

    monkeypatch.setattr(jobs, "_KEPT_READS", 3)
    for keyword in ("工程师", "算法", "化学", "电气", "农业", "产品"):
        count_matches(board, JobQuery((keyword,)), NOW)
    assert all(len(reads) <= 3 for reads in jobs._kept.values()) and len(jobs._kept) <= jobs._KEPT_VERSIONS
    assert count_matches(board, JobQuery(("工程师",)), NOW) == 2


def test_what_a_rolled_back_change_found_is_never_shown_after_it(board, new_store):
    reader, console = open_reader(new_store), open_database(new_store)
    engineers = JobQuery(("工程师",))
    with pytest.raises(RuntimeError):
        with transaction(console):
            post(console, "结构工程师", "郑州某设计院")
            assert titles(search(console, engineers, NOW))[0] == "结构工程师"  # inside the change: kept under it
            raise RuntimeError("the import failed")
    assert titles(search(reader, engineers, NOW)) == titles(search(console, engineers, NOW)) == ["电气工程师", "算法工程师"]
    post(console, "给排水工程师", "洛阳某水务公司", "洛阳")
    assert titles(search(reader, engineers, NOW)) == ["给排水工程师", "电气工程师", "算法工程师"]


# --- alert keywords ------------------------------------------------------------------------

@pytest.mark.parametrize("text, keywords", [
    ("订阅招聘 人工智能", ["人工智能"]),
    ("订阅招聘 人工智能 郑州市", ["人工智能", "郑州"]),
    ("我想订阅郑州的算法岗位", ["郑州", "算法"]),
    ("取消招聘订阅 人工智能", ["人工智能"]),
    ("订閱招聘 機器學習", ["机器学习"]),
    ("退订招聘", []),
])
def test_alert_keywords_are_the_content_words(text, keywords):
    assert alert_keywords(text) == keywords
