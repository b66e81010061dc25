"""Console walk 11, #22: a mobile searched as the console shows it, masked (139****0013), found nothing."""
from __future__ import annotations

from storage.members import insert_member
from storage.sqlite import transaction
from tests.test_admin import page, staff, units, users  # noqa: F401  (fixtures)


def test_a_mobile_searched_as_shown_masked_finds_that_member_alone(staff, db):
    with transaction(db):
        for number, name, mobile in (("HNKX202600013", "陈静", "13903710013"),
                                     ("HNKX202600014", "刘洋", "13900130014"), ("HNKX202600015", "杨帆", "13803710013")):
            insert_member(db, {"member_no": number, "name": name, "category": "regular", "mobile": mobile},
                          actor="test")
    listed = page(staff.get("/admin/members/", query_string={"q": "139****0013"}))
    assert "陈静" in listed and "刘洋" not in listed and "杨帆" not in listed


def test_the_change_log_is_filtered_by_a_member_s_number_or_name(staff, db):
    with transaction(db):
        insert_member(db, {"member_no": "HNKX201800002", "name": "何强", "category": "regular"}, actor="test")
        insert_member(db, {"member_no": "HNKX201800003", "name": "周杰", "category": "regular"}, actor="test")
    for query in ("HNKX201800002", "何强"):
        shown = page(staff.get("/admin/audit/", query_string={"about": query}))
        assert "HNKX201800002 何强" in shown and "周杰" not in shown, query
