"""Job search on a fourth board nobody tuned on (issue 11): places written as an employer fills a form (四川省绵阳市,
成都市郫都区, 凉山州昭觉县), a county said without its city, a city mistyped by a phone's keyboard; postings stored as
`jobs import` stores them."""
from __future__ import annotations

from datetime import date

import pytest

from handlers.jobs.postings import CLEANERS
from handlers.jobs.text import city_by_sound
from storage.jobs import list_postings
from tests.job_board import TODAY, post
from tests.test_jobs_chat import alice, numbered  # noqa: F401  (alice: fixture)
from tests.test_jobs_cli import messy_sheet, run


def imported(db, title: str, employer: str, place: str, **fields) -> dict:
    """A posting whose place and education are cleaned as the import cleans them."""
    cleaned = {name: CLEANERS[name](value, date.today().year) for name, value in fields.items() if name == "education"}
    return post(db, title, employer, CLEANERS["city"](place, date.today().year), **{**fields, **cleaned})


def test_the_import_keeps_the_district_and_writes_the_city_as_members_name_it(env, db, tmp_path):
    rows = [["护士", "双流某医院", "四川省成都市双流区", "护理学", "本科及以上", "6-9k", "", "hr@example.org", None],
            ["乡村医生", "某乡镇卫生院", "凉山州昭觉县", "临床医学", "大专", "", "", "hr@example.org", None],
            ["软件工程师", "某电子公司", "四川省绵阳市", "计算机", "本科", "", "", "hr@example.org", None],
            ["茶艺师", "某茶业公司", "峨眉山市", "茶学", "大专", "", "", "hr@example.org", None]]
    run(env, "import", messy_sheet(tmp_path / "sichuan.xlsx", rows))
    places = {posting["title"]: posting["city"] for posting in list_postings(db, TODAY.isoformat())}
    # the district kept, the province and the city's own 市/州 left out; 峨眉山市 holds 眉山 but is no 眉山
    assert places == {"护士": "成都双流区", "乡村医生": "凉山昭觉县", "软件工程师": "绵阳", "茶艺师": "峨眉山市"}


@pytest.fixture
def board(db):
    imported(db, "食品检验员", "某豆瓣食品公司", "成都市郫都区", discipline="食品科学与工程", education="大专")
    imported(db, "Java开发工程师", "某软件公司", "成都市高新区", discipline="计算机科学与技术", education="本科及以上")
    imported(db, "药品检验员", "某药业公司", "什邡市", discipline="药学", education="大专")
    imported(db, "施工员", "某路桥公司", "乐山市市中区", discipline="土木工程")
    imported(db, "兽医技术员", "某畜牧兽医站", "南充市营山县", discipline="动物医学", education="大专")
    imported(db, "检验技师", "某县人民医院", "宜宾市屏山县", discipline="医学检验技术", education="大专及以上")
    imported(db, "酿造技术员", "某窖酒业有限公司", "四川省宜宾市", discipline="酿酒工程、发酵工程")
    imported(db, "嵌入式软件工程师", "某电子科技公司", "四川省绵阳市", discipline="电子信息")
    imported(db, "科研助理", "某省农业科学院作物研究所", "成都", discipline="作物遗传育种")
    imported(db, "专职辅导员", "某理工学院", "成都市郫都区", discipline="不限", education="硕士")
    imported(db, "讲解员", "某市博物馆", "自贡")
    imported(db, "给排水设计师", "某市政工程设计院", "成都市武侯区", discipline="给排水科学与工程", salary="8-12k")
    imported(db, "康复治疗师", "某康复医院", "绵阳", discipline="康复治疗学", salary="5-7k")
    return db


def test_a_district_or_county_said_alone_as_jieba_cuts_it_or_not(alice, board):
    assert set(numbered(alice.says("郫都那边有招人的没"))) == {"食品检验员", "专职辅导员"}  # jieba cuts 郫都: 郫 / 都
    assert alice.says("什邡有工作吗").startswith("【药品检验员】")  # a county-level city no table lists
    assert alice.says("营山有没得岗位").startswith("【兽医技术员】")
    assert alice.says("市中区招不招人").startswith("【施工员】")


def test_a_city_of_another_province_mistyped_by_its_sound_where_a_place_is_said(alice, board):
    assert alice.says("想去宜兵找个检验的工作").startswith("【检验技师】")  # yibing: 宜宾 to a speaker without -ng
    assert alice.says("我在成度，有没得Java的岗位").startswith("【Java开发工程师】")


def test_a_phrase_that_only_sounds_like_a_city_is_no_city():
    assert city_by_sound("我在宜兵") == "宜宾"
    assert city_by_sound("代理记账的活有没得") is None  # a dictionary word (daili: 大理)
    assert city_by_sound("会养绵羊的岗位") is None  # a dictionary word (mianyang: 绵阳)
    assert city_by_sound("离家远，路太远了") is None  # 太远 (taiyuan) where no place is said
    assert city_by_sound("太远了，有没得食品检验的") is None  # and where one could be (not_city_typos)


def test_a_word_jieba_cut_across_in_the_posting_is_found(alice, board):
    assert alice.says("绵阳有搞嵌入式软件的吗").startswith("【嵌入式软件工程师】")  # 嵌入式 / 软件工程师


def test_a_kind_of_workplace_is_found_by_the_words_employers_call_themselves(alice, board):
    assert alice.says("什邡有药厂招人吗").startswith("【药品检验员】")  # 药厂: a 药业 company
    assert alice.says("宜宾哪个酒厂在招人").startswith("【酿造技术员】")  # 酒厂: a 酒业 company
    assert alice.says("营山畜牧站要人不").startswith("【兽医技术员】")  # the station, not the discipline 畜牧


def test_a_trade_said_by_its_product_or_mistyped_finds_its_discipline(alice, board):
    assert alice.says("宜宾有白酒方面的活路没").startswith("【酿造技术员】")  # 白酒: 酿酒工程
    assert alice.says("学酿久的有岗位没").startswith("【酿造技术员】")  # 酿久: 酿酒 by its sound


def test_wanting_to_work_at_a_kind_of_workplace_is_a_job_search(alice, board):
    assert set(numbered(alice.says("想去医院上班"))) == {"检验技师", "康复治疗师"}  # the rules hear work sought at a hospital
    assert alice.says("想考进研究所").startswith("【科研助理】")
    assert alice.says("想在博物馆上班").startswith("【讲解员】")


def test_a_word_inside_another_kind_of_workplace_is_not_that_kind(alice, board):
    assert alice.says("想去大学上班").startswith("【专职辅导员】")  # 农业科学院 holds 学院 and is no university


def test_a_hospital_department_stands_for_its_discipline(alice, board):
    assert alice.says("屏山有没得化验室的工作").startswith("【检验技师】")  # 化验室: 医学检验


def test_a_skill_postings_seldom_name_finds_the_work_it_is_used_in(alice, board):
    assert numbered(alice.says("会用AutoCAD，有岗位吗")) == ["给排水设计师"]  # by 设计, as the reply says



def test_a_region_of_a_province_or_a_city_nickname_is_its_cities(alice, board):
    assert set(numbered(alice.says("川南有没得招人的"))) == {"检验技师", "酿造技术员", "讲解员"}  # 宜宾, 自贡
    assert alice.says("酒都有酿酒的活路没").startswith("【酿造技术员】")  # 宜宾's nickname
