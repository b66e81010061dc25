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
