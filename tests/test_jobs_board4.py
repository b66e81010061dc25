"""Job search on a fourth board nobody tuned on (issue 11): places written as an employer fills a form (四川省绵阳市,
成都市郫都区, 凉山州昭觉县), a county said without its city, a city mistyped by a phone's keyboard; postings stored as
`jobs import` stores them."""
from __future__ import annotations

from datetime import date

import pytest

from handlers.jobs.postings import CLEANERS
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
    return db


def test_a_district_or_county_said_alone_as_jieba_cuts_it_or_not(alice, board):
    assert alice.says("郫都那边有招人的没").startswith("【食品检验员】")  # jieba cuts 郫都 into 郫 / 都
    assert alice.says("什邡有工作吗").startswith("【药品检验员】")  # a county-level city no table lists
    assert alice.says("营山有没得岗位").startswith("【兽医技术员】")
    assert alice.says("市中区招不招人").startswith("【施工员】")
