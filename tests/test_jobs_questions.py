"""Job questions as members ask them (issues 11, 12 and 14): pay, education and city are filters,
not search words; a discipline's abbreviation or typo finds its postings; every listed posting
matches the city and the discipline asked; a loosened search never says "none found" above a
list, never echoes a mistyped word; list lines show the application deadline; an alert of
several words says they must all appear."""
from __future__ import annotations

import re

import pytest

from handlers.jobs import board as job_board
from storage.jobs import monthly_pay_top, search
from tests.job_board import TODAY, day, post
from tests.test_jobs_chat import alice, numbered  # noqa: F401  (alice: fixture)

NOW = TODAY.isoformat()


@pytest.fixture
def board(db):
    post(db, "算法工程师", "河南省人工智能研究院", "郑州", discipline="计算机科学与技术", education="硕士",
         salary="15-25k/月", expires_on=day(30))
    post(db, "软件测试工程师", "郑州某软件公司", "郑州", discipline="计算机科学与技术", education="本科",
         salary="6-7k/月", expires_on=day(40))
    post(db, "Java 开发工程师", "洛阳某科技公司", "洛阳", discipline="计算机", education="本科", salary="8000-12000元/月")
    post(db, "化学博士后", "郑州大学化学学院", "郑州", discipline="化学", education="博士", salary="年薪20-30万")
    post(db, "化学分析员", "郑州质检中心", "郑州", discipline="应用化学", education="大专", salary="5k")
    post(db, "材料研发工程师", "郑州某新材料公司", "郑州", discipline="材料科学与工程", education="硕士",
         salary="面议")
    post(db, "化学实验员", "洛阳石化", "洛阳", discipline="化学", education="本科")
    return db


def listed(db, message: str) -> list[dict]:
    """Every posting a job search for the message would list (all pages), read as the chat and the
    search page read a job question."""
    from bot.router import analyse

    slots = analyse(message).slots_for("jobs")
    result = job_board.find(db, slots.get("keywords", []), slots.get("city"), NOW, message)
    return search(db, result.query, NOW, limit=100) if result.anything else []


@pytest.mark.parametrize("message, city, discipline", [
    ("郑州 计科 的岗位", "郑州", "计算机"),
    ("有没有计算机科学与技术专业的工作 郑州", "郑州", "计算机"),
    ("招聘 化雪 郑州", "郑州", "化学"),  # a pinyin typo of 化学
    ("洛阳 应化 招聘", "洛阳", "化学"),  # an abbreviation of 应用化学
    ("郑州 材料专业 招人吗", "郑州", "材料"),
])
def test_every_listed_posting_matches_the_city_and_the_discipline(board, message, city, discipline):
    postings = listed(board, message)
    assert postings, message
    for posting in postings:
        assert posting["city"] == city, (message, posting["title"])
        assert discipline in posting["discipline"] or discipline in posting["title"], (message, posting["title"])


@pytest.mark.parametrize("message, either", [
    ("会计或者出纳的工作", ("会计", "出纳")),
    ("护士或者护理", ("护士", "护理")),
    ("郑州有没有会计或出纳的岗位", ("会计", "出纳")),
])
def test_words_said_as_alternatives_find_the_postings_of_either(alice, db, message, either):
    """"会计或者出纳": a posting of either word is listed, not only one that says both."""
    post(db, "主管会计", "郑州某建设集团", "郑州", discipline="会计学")
    post(db, "出纳", "郑州某医药公司", "郑州")
    post(db, "护士", "郑州市第一人民医院", "郑州", discipline="护理学")
    post(db, "护理部主任", "郑州市中心医院", "郑州")
    post(db, "护士长", "郑州市第三人民医院", "郑州")
    titles = numbered(alice.says(message))
    assert len(titles) >= 2 and all(any(word in title for word in either) for title in titles), titles
    assert any(either[0] in title for title in titles) and any(either[1] in title for title in titles), titles


def test_an_abbreviation_and_a_typo_find_the_disciplines_postings(board):
    assert {p["title"] for p in listed(board, "招聘 计科")} == {"算法工程师", "软件测试工程师", "Java 开发工程师"}
    assert {p["title"] for p in listed(board, "招聘 化雪 郑州")} == {"化学博士后", "化学分析员"}


@pytest.mark.parametrize("message, expected", [
    ("郑州 8k以上 计算机", {"算法工程师"}),
    ("计算机 月薪8000以上", {"算法工程师", "Java 开发工程师"}),
    ("郑州 年薪20万以上", {"化学博士后"}),  # 15-25k/月 starts below 20万 a year
    ("郑州 硕士 岗位", {"算法工程师", "材料研发工程师"}),
    ("化学 本科以上", {"化学博士后", "化学实验员"}),
    ("郑州 博士 化学", {"化学博士后"}),
])
def test_pay_and_education_are_filters_not_search_words(board, message, expected):
    assert {p["title"] for p in listed(board, message)} == expected


def test_pay_texts_read_as_a_monthly_top():
    assert [monthly_pay_top(t) for t in ("15-25k/月", "8000-12000元/月", "年薪20-30万", "1.2万/月", "面议", None)] == \
        [25000, 12000, 25000, 12000, None, None]


def test_a_filtered_question_says_its_filters_in_the_reply(alice, board):
    assert alice.says("郑州 硕士 8k以上 的工作").startswith("【算法工程师】")  # the one that meets them all
    reply = alice.says("郑州 硕士 岗位")
    assert reply.startswith("郑州的（硕士或不限学历）职位：") and set(numbered(reply)) == {"算法工程师", "材料研发工程师"}
    reply = alice.says("计算机 月薪8000以上")
    assert reply.startswith("计算机专业（月薪8000元以上）职位："), reply


def test_a_loosened_search_never_says_none_found_above_a_list_nor_echoes_a_typo(alice, board):
    for message in ("招聘 机器学系", "招聘 区块链 郑州", "招聘 java 郑州", "招聘 化学 洛阳 博士"):
        reply = alice.says(message)
        lines = numbered(reply)
        if lines:
            assert not reply.startswith(("没有", "暂时没有")), reply
        assert "“学系”" not in reply  # never the fragment of a mistyped word


def test_list_lines_show_the_application_deadline(alice, board):
    reply = alice.says("郑州 计算机 招聘")
    lines = [line for line in reply.splitlines() if re.match(r"\d+\. ", line)]
    assert lines and all(re.search(r"截止(\d{4}年)?\d{1,2}月\d{1,2}日$", line) for line in lines), reply
    end = TODAY.replace(day=1)  # any date this year reads without the year
    assert job_board.deadline(end.isoformat()) == f"截止{end.month}月1日"


def test_an_alert_of_several_words_says_they_must_all_appear(alice, db):
    reply = alice.says("订阅招聘 人工智能 郑州")
    assert "同时含" in reply
    assert "同时含" not in alice.says("订阅招聘 化学")


# --- a member asks in their own words (issue 11) ----------------------------------------------

# title, employer, city, discipline (as the employer's sheet wrote it)
WIDE_BOARD = [
    ("算法工程师", "河南省人工智能研究院", "郑州", "计算机科学与技术"),
    ("Java 开发工程师", "洛阳某科技公司", "洛阳", "计算机"),
    ("软件测试工程师", "郑州某软件公司", "郑州", "软件工程"),
    ("财务会计", "郑州某商贸公司", "郑州", "会计学"),
    ("发酵工程师", "新乡某生物制药公司", "新乡", "生物工程"),
    ("生物检测员", "郑州某检测中心", "郑州", "生物技术"),
    ("机械设计工程师", "洛阳轴承集团", "洛阳", "机械设计制造及其自动化"),
    ("设备维护员", "洛阳某工厂", "洛阳", "不限"),  # says 机械 in its description only
    ("材料研发工程师", "郑州某新材料公司", "郑州", "材料科学与工程"),
    ("化学分析员", "郑州质检中心", "郑州", "应用化学"),
    ("护士", "南阳市第一人民医院", "南阳", "护理学"),
    ("电气工程师", "平顶山某电厂", "平顶山", "电气工程及其自动化"),
    ("生物实验员", "郑州某研究所", "郑州", "生物科学"),
]


@pytest.fixture
def wide_board(db):
    for title, employer, city, discipline in WIDE_BOARD:
        post(db, title, employer, city, discipline=discipline, description="负责机械设备的维修保养。")
    return db


def titles(reply: str) -> set[str]:
    """The postings a reply lists: a numbered list, or the one posting opened in full."""
    opened = re.match(r"【(.+?)】", reply)
    return {opened.group(1)} if opened else set(numbered(reply))


@pytest.mark.parametrize("message, expected", [
    # abbreviations of a discipline
    ("郑州有计科的岗位吗", {"算法工程师", "软件测试工程师"}),  # 软件 counts as 计算机
    ("洛阳 CS 的工作有吗", {"Java 开发工程师"}),
    ("新乡 生工 招人吗", {"发酵工程师"}),
    ("材料的有招人的没，郑州", {"材料研发工程师"}),
    ("软工 郑州", {"软件测试工程师", "算法工程师"}),  # 计算机 counts as 软件
    # typos of a discipline, with another word of the message matched too
    ("俺想在洛阳找个营生，学机戒的", {"机械设计工程师"}),
    ("郑州找个计算鸡的工作", {"算法工程师", "软件测试工程师"}),
    ("南阳 护里 招人吗", {"护士"}),
    ("招聘 化雪 郑州", {"化学分析员"}),
    ("洛阳 机戒 工程师", {"机械设计工程师"}),
    ("蹲一个郑州的计科岗", {"算法工程师", "软件测试工程师"}),  # not 会计
    # colloquial and regional words for work, and a story around the question
    ("学电器的，平顶山有厂子要人不", {"电气工程师"}),
    ("郑州有冇工做啊，我学化学嘅", {"化学分析员"}),
    ("想揾份工，洛阳，机械嘅", {"机械设计工程师"}),
    ("找个工 南阳 护理", {"护士"}),
    ("俺闺女学生物的，郑州有啥活计不", {"生物检测员", "生物实验员"}),
    ("我是学化学的。今年刚毕业，家在新乡。想在郑州找份工作，有合适的吗", {"化学分析员"}),
])
def test_every_posting_listed_for_a_members_own_words_is_of_the_city_and_discipline_asked(alice, wide_board,
                                                                                          message, expected):
    assert titles(alice.says(message)) == expected, message
