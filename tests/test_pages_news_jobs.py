"""电子会讯 and 招聘信息 as pages: the chat's own listing and search, with filters picked from lists.

Items are written as the secretariat writes them (Markdown with TOML front matter) and
postings stored as `jobs add` stores them; the member opens the pages from WeChat.
"""
from __future__ import annotations

from datetime import date, timedelta

import pytest

from bot.config import load_config
from handlers.news.items import parse_item
from storage.news import find_item, save_item
from tests.job_board import day, post
from tests.member import Member
from tests.test_news_chat import park_in_inbox
from tests.pages_data import WANG, add_member, li, sign_in  # noqa: F401 (li is a fixture)

pytest_plugins = ["tests.fake_wechat"]


@pytest.fixture
def config(env, fake_wechat):
    return load_config(env)


def publish(db, item_no: str, front: str, body: str = "第一段。\n\n第二段。", days_ago: int = 1) -> dict:
    """An item file as the secretariat writes it, stored as `news publish` stores it."""
    when = (date.today() - timedelta(days=days_ago)).isoformat()
    text = f'+++\npublish_at = {when}T09:00:00+08:00\n{front}\n+++\n{body}\n'
    stored, _ = save_item(db, parse_item(text, item_no, f"{item_no}.md"))
    return stored


@pytest.fixture
def archive(db, li):
    add_member(db, WANG)  # senior
    publish(db, "policy-guide", 'title = "省科技计划申报指南发布"\ntopics = ["policy"]\nsummary = "5 月 31 日截止。"\n'
                                'link = "https://www.example.org/news/guide"', days_ago=3)
    publish(db, "talent-young", 'title = "青年人才托举工程启动"\ntopics = ["talent"]\nsummary = "各单位推荐。"', days_ago=2)
    publish(db, "council-2026", 'title = "第九届理事会第三次会议决议"\nkind = "resolution"\nsummary = "表决通过。"',
            days_ago=1)
    publish(db, "senior-only", 'title = "高级会员评审专家库更新"\ntopics = ["discipline"]\nsummary = "仅高级会员。"\n'
                               '[audience]\ncategory = ["高级会员"]')
    publish(db, "regular-only", 'title = "普通会员晋升高级会员通知"\ntopics = ["discipline"]\nsummary = "普通会员。"\n'
                                '[audience]\ncategory = ["普通会员"]')
    publish(db, "next-week", 'title = "下周才发布的会讯"\ntopics = ["policy"]\nsummary = "未到时间。"', days_ago=-7)


def _titles(page: str, names) -> list[str]:
    return [name for name in names if name in page]


ALL = ("省科技计划申报指南发布", "青年人才托举工程启动", "第九届理事会第三次会议决议", "高级会员评审专家库更新",
       "普通会员晋升高级会员通知", "下周才发布的会讯")


def test_the_archive_lists_what_is_published_for_this_member_newest_first(client, fake_wechat, archive):
    sign_in(client, fake_wechat, "o_li", "/m/news")
    page = client.get("/m/news").get_data(as_text=True)
    assert _titles(page, ALL) == ["省科技计划申报指南发布", "青年人才托举工程启动", "第九届理事会第三次会议决议",
                                  "普通会员晋升高级会员通知"]
    assert page.index("普通会员晋升") < page.index("第九届理事会") < page.index("青年人才") < page.index("省科技计划")
    by_topic = client.get("/m/news?show=talent").get_data(as_text=True)
    assert _titles(by_topic, ALL) == ["青年人才托举工程启动"]
    resolutions = client.get("/m/news?show=resolution").get_data(as_text=True)
    assert _titles(resolutions, ALL) == ["第九届理事会第三次会议决议"] and "【决议】" in resolutions


def test_an_item_opens_in_full_and_one_not_meant_for_the_member_does_not(client, fake_wechat, archive, db):
    sign_in(client, fake_wechat, "o_li", "/m/news")
    page = client.get("/m/news/policy-guide").get_data(as_text=True)
    assert "第一段。" in page and "第二段。" in page and 'href="https://www.example.org/news/guide"' in page
    assert client.get("/m/news/senior-only").status_code == 404
    assert client.get("/m/news/next-week").status_code == 404
    senior_item = find_item(db, "senior-only")
    assert client.get(f"/m/news/{senior_item['id']}").status_code == 404  # by its id neither
    wang = client.application.test_client()
    sign_in(wang, fake_wechat, "o_wang", "/m/news")
    assert "高级会员评审专家库更新" in wang.get("/m/news").get_data(as_text=True)
    assert wang.get("/m/news/senior-only").status_code == 200


def test_the_chat_lists_the_same_items_as_the_archive(client, config, archive):
    reply = Member(client, config, "o_li").says("会讯")
    assert "普通会员晋升高级会员通知" in reply and "高级会员评审专家库更新" not in reply


def test_items_not_pushed_come_first_and_are_read_once_listed(client, fake_wechat, archive, db, redis_client):
    from bot import delivery

    park_in_inbox(db, redis_client, find_item(db, "policy-guide"), "o_li")
    sign_in(client, fake_wechat, "o_li", "/m/news")
    page = client.get("/m/news").get_data(as_text=True)
    unread = page[page.index('id="unread"'):page.index('id="news"')]
    assert "省科技计划申报指南发布" in unread and "未读" in unread
    assert delivery.unread_inbox(db, "o_li") == []
    assert 'id="unread"' not in client.get("/m/news").get_data(as_text=True)


@pytest.mark.parametrize("query", ["show=jobs", "show=<script>", "page=0", "page=100000", "page=abc"])
def test_a_made_up_filter_is_a_400_not_a_500(client, fake_wechat, archive, query):
    sign_in(client, fake_wechat, "o_li", "/m/news")
    response = client.get(f"/m/news?{query}")
    assert response.status_code in (200, 400) and "Traceback" not in response.get_data(as_text=True)
    if query != "page=abc":  # a page that is no number is the first page
        assert response.status_code == 400 and "栏目" in response.get_data(as_text=True)


# --- 招聘信息 ------------------------------------------------------------------------------

@pytest.fixture
def board(db):
    post(db, "算法工程师", employer="河南省人工智能研究院", discipline="人工智能", education="硕士", salary="15-25k/月")
    post(db, "机器学习研究员", employer="中原示范研究院", discipline="计算机", education="博士", salary="年薪30-40万")
    post(db, "化工工程师", employer="洛阳石化", city="洛阳", discipline="化学工程", education="本科", salary="8-12k")
    post(db, "分析化学实验员", employer="郑州检测中心", discipline="化学", education="大专", salary="5-6k")
    post(db, "软件开发工程师", employer="开封软件园", city="开封", discipline="计算机", education="本科", salary="10-15k")
    post(db, "已截止的算法岗位", employer="某公司", discipline="人工智能", expires_on=day(-1))


def _listed(page: str) -> list[str]:
    titles = ("算法工程师", "机器学习研究员", "化工工程师", "分析化学实验员", "软件开发工程师", "已截止的算法岗位")
    return [title for title in titles if f">{title}</a>" in page]


def test_job_search_filters_by_city_discipline_education_and_pay(client, fake_wechat, board):
    sign_in(client, fake_wechat, "o_seeker", "/m/jobs")
    everything = client.get("/m/jobs").get_data(as_text=True)
    assert set(_listed(everything)) == {"算法工程师", "机器学习研究员", "化工工程师", "分析化学实验员", "软件开发工程师"}
    assert '<option value="郑州"' in everything and '<option value="洛阳"' in everything
    assert _listed(client.get("/m/jobs?city=洛阳").get_data(as_text=True)) == ["化工工程师"]
    assert set(_listed(client.get("/m/jobs?discipline=计算机").get_data(as_text=True))) == {"机器学习研究员",
                                                                                              "软件开发工程师"}
    assert _listed(client.get("/m/jobs?education=硕士").get_data(as_text=True)) == ["算法工程师"]
    assert set(_listed(client.get("/m/jobs?salary=15000").get_data(as_text=True))) == {"算法工程师", "机器学习研究员"}
    # (10-15k starts below 15000: the chat's pay floor too)
    both = client.get("/m/jobs?q=工程师&city=开封&education=本科").get_data(as_text=True)
    assert _listed(both) == ["软件开发工程师"]


def test_typed_words_are_read_like_the_chat(client, fake_wechat, board, config):
    sign_in(client, fake_wechat, "o_seeker", "/m/jobs")
    typed = client.get("/m/jobs", query_string={"q": "洛阳 化工"}).get_data(as_text=True)
    assert _listed(typed) == ["化工工程师"]
    chat = Member(client, config, "o_seeker").says("招聘 洛阳 化工")
    assert "化工工程师" in chat and "算法工程师" not in chat
    misspelt = client.get("/m/jobs", query_string={"q": "机器学系"}).get_data(as_text=True)
    assert "机器学习研究员" in _listed(misspelt) and "机器学习" in misspelt  # read as the word it sounds like


def test_nothing_found_says_so_and_counts_other_cities(client, fake_wechat, board):
    sign_in(client, fake_wechat, "o_seeker", "/m/jobs")
    page = client.get("/m/jobs", query_string={"city": "洛阳", "discipline": "计算机"}).get_data(as_text=True)
    assert _listed(page) == [] and "暂时没有洛阳的计算机专业职位" in page and "其他城市有 2 个" in page


def test_a_posting_opens_with_how_to_apply_and_a_closed_one_does_not(client, fake_wechat, board, db):
    sign_in(client, fake_wechat, "o_seeker", "/m/jobs")
    [open_one] = db["jobs"].rows_where("title = ?", ["化工工程师"])
    page = client.get(f"/m/jobs/{open_one['id']}").get_data(as_text=True)
    assert "洛阳石化" in page and "hr@example.org" in page
    [closed] = db["jobs"].rows_where("title = ?", ["已截止的算法岗位"])
    assert client.get(f"/m/jobs/{closed['id']}").status_code == 404
    assert client.get("/m/jobs/99999999").status_code == 404


@pytest.mark.parametrize("query", ["city=火星", "discipline=炼金术", "education=院士", "salary=123", "page=0",
                                   "q=" + "算法" * 40])
def test_a_made_up_choice_is_a_400(client, fake_wechat, board, query):
    sign_in(client, fake_wechat, "o_seeker", "/m/jobs")
    response = client.get(f"/m/jobs?{query}")
    assert response.status_code == 400 and "请从列表里选" in response.get_data(as_text=True)


def test_the_member_centre_and_the_menu_link_both_pages(client, fake_wechat, li):
    from bot import content

    sign_in(client, fake_wechat, "o_li")
    page = client.get("/m/").get_data(as_text=True)
    assert 'href="/m/news"' in page and 'href="/m/jobs"' in page
    views = [b["url"] for top in content.menu()["button"] for b in top.get("sub_button", []) if b["type"] == "view"]
    assert "/m/news" in views and "/m/jobs" in views


def test_the_search_page_offers_the_city_of_postings_kept_with_their_districts(client, fake_wechat, db):
    post(db, "食品检验员", employer="某食品公司", city="成都郫都区")  # as `jobs import` keeps 成都市郫都区
    post(db, "给排水设计师", employer="某设计院", city="成都武侯区")
    post(db, "药品检验员", employer="某药业公司", city="什邡市")
    sign_in(client, fake_wechat, "o_seeker", "/m/jobs")
    page = client.get("/m/jobs").get_data(as_text=True)
    assert '<option value="成都"' in page and '<option value="成都郫都区"' not in page  # the city, once
    chengdu = client.get("/m/jobs?city=成都").get_data(as_text=True)
    assert ">食品检验员</a>" in chengdu and ">给排水设计师</a>" in chengdu and ">药品检验员</a>" not in chengdu
    assert client.get("/m/jobs?city=成都郫都区").status_code == 200  # a place as stored is still a choice
