"""Job questions the jobs3 round found misread: a word of a question about the society found inside a
longer word (学分 in 化学分析), a new question after a posting keeping the posting's city, alerts matching
less than the search, and 漯河's romanisation."""
from __future__ import annotations

import pytest

from tests.job_board import post
from tests.test_jobs_chat import alice, numbered  # noqa: F401  (alice: fixture)


@pytest.fixture
def board(db):
    post(db, "分析化学研究员", "洛阳某化工研究院", "洛阳", discipline="化学", salary="10-15k")
    post(db, "化学检验员", "开封某药厂", "开封", discipline="应用化学", salary="4-6k")
    post(db, "内科医师", "开封市人民医院", "开封", discipline="临床医学")
    post(db, "变电检修工", "某供电公司", "安阳", discipline="电气工程及其自动化")
    post(db, "配电运维工程师", "洛阳某电力公司", "洛阳", discipline="电气工程及其自动化")
    return db


def test_a_job_whose_field_holds_a_word_of_a_society_question_is_searched_for(alice, board):
    reply = alice.says("化学分析的工作")  # 学分 (credit hours) inside 化学分析 is no question about certificates
    assert "证书" not in reply and "化学" in reply, reply
    assert "证书" in alice.says("这个活动有学分吗")  # the question itself is still answered


def test_a_new_question_naming_its_own_field_after_a_posting_is_a_new_search_of_every_city(alice, board):
    assert alice.says("开封有化学的工作吗").startswith("【化学检验员】")  # the one posting opened
    reply = alice.says("做电力系统的有岗位吗")  # its own field, no city: not 开封's alone
    assert set(numbered(reply)) == {"变电检修工", "配电运维工程师"}, reply
    assert "开封" not in reply.splitlines()[0], reply
    assert alice.says("那洛阳的呢").startswith("【配电运维工程师】")  # a true follow-up keeps the field
