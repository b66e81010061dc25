"""Each dashboard chart says of how many members it is drawn and how many lack its field, so that
after a roster import a chart of mostly 未填 explains itself (issue 14)."""
from __future__ import annotations

import re

from storage.members import insert_member
from storage.sqlite import transaction
from tests.test_admin import page, staff, units, users  # noqa: F401  (fixtures)


def notes(html: str) -> dict[str, str]:
    return dict(re.findall(r'data-chart-note="(\w+)">([^<]*)<', html))


def test_every_chart_counts_the_members_without_its_field(staff, db):
    with transaction(db):
        for i in range(10):  # a roster that gave disciplines to some, birth years to few, nothing else
            insert_member(db, {"member_no": f"HNKX2024{i:05d}", "name": f"会员{i}", "category": "regular",
                               "discipline": "化学" if i < 6 else None, "birth_year": 1980 if i < 2 else None},
                          actor="名册导入")
    shown = notes(page(staff.get("/admin/dashboard/")))
    assert shown["discipline"] == "共 10 人，其中 4 人没有填写“学科专业”（图中记为“未填”）。"
    assert shown["age"] == "共 10 人，其中 8 人没有填写“出生年份”（图中记为“未填”）。"
    assert shown["institution"] == "共 10 人，其中 10 人没有填写“单位类型”（图中记为“未填”）。"
    assert shown["category"] == "共 10 人，都填写了“类别”。“单位会员”一栏是单位的个数（2 个），不计入人数。"  # walk 12, #25
    assert shown["growth"] == "共 10 人，其中 10 人没有填写“入会时间”（按建档日期计入）。"


def test_an_empty_store_and_a_chart_of_joining_dates_say_what_they_are_about(staff, db):
    """It said 共 0 人，全部填写了这一项 with no member, and the same under the members-by-month line
    (console walk 10, #23)."""
    empty = notes(page(staff.get("/admin/dashboard/")))
    assert set(empty.values()) == {"还没有会员：导入名册或批准入会申请后，这里显示统计。"}
    with transaction(db):
        insert_member(db, {"member_no": "HNKX202400001", "name": "会员", "category": "regular",
                           "joined_at": "2024-03-01"}, actor="名册导入")
    assert notes(page(staff.get("/admin/dashboard/")))["growth"] == "共 1 人，都填写了“入会时间”。"
