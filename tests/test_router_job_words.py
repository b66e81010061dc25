"""Job questions wrapped in a member's own story (issue 11): the words around the work (我老婆, 县里医院,
同事推荐, "international student ... but my Chinese is a bit weak", pinyin filler) are not search words, a
colloquial occupation is searched by the word postings use (小学老师: 教师), and a kind of work (兼职) is
searched for. The job search ANDs its keywords, so one context word would empty a search for a posting that
exists: each test asserts the postings the member is shown."""
from __future__ import annotations

import re

import pytest

from bot.router import analyse
from tests.job_board import post
from tests.test_jobs_chat import alice  # noqa: F401  (alice: fixture)


@pytest.fixture
def board(db):
    post(db, "小学语文教师", "洛阳市实验小学", "洛阳", discipline="汉语言文学")
    post(db, "初中数学教师", "郑州某中学", "郑州", discipline="数学")
    post(db, "药剂师", "新乡市中心医院", "新乡", discipline="药学")
    post(db, "电气工程师", "郑州某电力公司", "郑州", discipline="电气")
    post(db, "化学分析员", "郑州质检中心", "郑州", discipline="化学")
    post(db, "化学实验员", "洛阳石化", "洛阳", discipline="化学")
    post(db, "护士", "郑州大学第一附属医院", "郑州", discipline="护理")
    post(db, "兼职英语翻译", "郑州某翻译公司", "郑州", discipline="英语")
    post(db, "英语翻译", "郑州某外贸公司", "郑州", discipline="英语")
    post(db, "数据分析师", "郑州某互联网公司", "郑州", discipline="统计")
    return db


@pytest.mark.parametrize("message, title", [
    ("我老婆是小学老师，想问问洛阳有没有教师的岗位", "小学语文教师"),  # a spouse asks; 老师 is 教师 in postings
    ("给我爱人问问，郑州有没有中学老师的岗位", "初中数学教师"),
    ("我现在在县里医院上班，想去新乡找个药剂师的活", "药剂师"),  # where she works now is no search word
    ("同事推荐我来问的，郑州招不招电气工程师", "电气工程师"),  # who sent him neither
    ("我是护理专业学生，马上毕业了，郑州医院招护士吗", "护士"),
    ("我老公在县医院上班，想问问郑州有没有数分的岗位", "数据分析师"),  # 数分: 数据分析; 想问问 asks
    ("想找个兼职的翻译", "兼职英语翻译"),  # 兼职 is the kind of work asked for, not the full-time one
])
def test_a_question_told_with_its_story_opens_the_posting_asked_for(alice, board, message, title):
    assert alice.says(message).startswith(f"【{title}】"), message


@pytest.mark.parametrize("message, titles", [
    ("wo xiang zhao huaxue de gongzuo", ["化学分析员", "化学实验员"]),  # pinyin: 我想找化学的工作
    ("international student here, looking for a chemistry job but my Chinese is a bit weak",
     ["化学分析员", "化学实验员"]),
])
def test_romanised_and_english_questions_list_the_fields_postings(alice, board, message, titles):
    listed = re.findall(r"^\d+\. (.+?)(?:｜| \| )", alice.says(message), re.M)  # an English message: an English list
    assert sorted(listed) == sorted(titles), message


def test_the_context_words_are_not_search_words_but_the_work_is():
    """What the chat above searches for: the work, never the member's family, employer or reasons."""
    assert analyse("我师弟学农的，有没有农业方面的岗位").slots_for("jobs")["keywords"] == ["农业"]
    assert analyse("在高校实验室干了三年，想换个化学分析的工作，郑州有吗").slots_for("jobs") == \
        {"keywords": ["化学分析"], "city": "郑州"}


@pytest.mark.parametrize("message, city, keywords", [
    ("招不招会计或者出纳", None, ["会计", "出纳"]),  # alternatives named together are all asked for
    ("魏都区有会计的岗位吗", "许昌", ["会计"]),  # a district of any city of the province
    ("汴梁有没有招电工的", "开封", ["电工"]),  # a city by its old name
])
def test_alternatives_districts_and_old_names_of_cities(message, city, keywords):
    assert analyse(message).slots_for("jobs") == {"keywords": keywords, "city": city}


def test_a_lone_word_is_searched_even_when_it_reads_like_context():
    """The keyword model only chooses among several words: a member who types one word searches for it."""
    assert analyse("郑州 医院").slots_for("jobs")["keywords"] == ["医院"]
