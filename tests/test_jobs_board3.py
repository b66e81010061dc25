"""Job search on a third board nobody tuned on (issue 11): postings whose place is written with its district or
province (荆州市公安县, 武汉市东湖高新区（光谷）, 浙江省杭州市) are found by the city, by the district, and by
the city left out; a member names a place, a workplace or a kind of post in words of any society."""
from __future__ import annotations

import pytest

from tests.job_board import post
from tests.test_jobs_chat import alice, numbered  # noqa: F401  (alice: fixture)


@pytest.fixture
def board(db):
    post(db, "乡村医生", "公安县埠河镇卫生院", "荆州市公安县", discipline="临床医学", salary="3.5-5k")
    post(db, "销售工程师", "荆州某石油机械公司", "荆州市沙市区", discipline="不限", salary="6-15k", education="本科")
    post(db, "护士", "洪山区某社区卫生服务中心", "武汉市洪山区", discipline="护理学", salary="4.5-6k")
    post(db, "光学工程师", "武汉某通信技术公司", "武汉市东湖高新区（光谷）", discipline="光电信息科学与工程",
         salary="10-15k", education="本科")
    post(db, "给排水设计师", "湖北某建筑设计研究院", "武汉市武昌区", discipline="给排水科学与工程",
         salary="9-14k", education="本科")
    post(db, "ICU护士", "郑州某医院", "河南省郑州市", discipline="护理学", salary="6-9k", education="本科")
    post(db, "数据分析师", "杭州某电商公司", "浙江省杭州市", discipline="统计学", salary="15-22k", education="硕士")
    return db


def test_a_city_finds_the_postings_written_with_its_district(alice, board):
    assert set(numbered(alice.says("荆州有啥岗位"))) == {"乡村医生", "销售工程师"}
    assert alice.says("杭州有工作吗").startswith("【数据分析师】")


def test_cities_said_as_alternatives_or_left_out_match_the_place_as_written(alice, board):
    assert set(numbered(alice.says("郑州或者杭州有岗位吗"))) == {"ICU护士", "数据分析师"}
    assert alice.says("除了武汉，哪里招护士").startswith("【ICU护士】")


def test_a_district_of_the_boards_places_with_or_without_its_ending(alice, board):
    assert alice.says("洪山区有工作吗").startswith("【护士】")
    assert alice.says("公安县有什么岗位").startswith("【乡村医生】")
    assert alice.says("武昌有啥工作").startswith("【给排水设计师】")
    assert alice.says("在光谷上班的地方多不多").startswith("【光学工程师】")


def test_a_district_narrows_the_city_said_with_it(alice, board):
    assert alice.says("荆州的沙市区有招人的吗").startswith("【销售工程师】")
