"""Console walk 12, what was left: one unit member (and a member with their own number) added by a form, invoice
requests issued or turned down from the console, a newsletter's picture and its whole preview, and reviewer 12-b's
lows (names sorted by pinyin, a poll that ate a flash message, a correction kept as a draft)."""
from __future__ import annotations

import re
from datetime import date

from bot.admin import accounts
from storage.members import find_unit_by_no, insert_member
from tests.admin_data import PASSWORD
from tests.test_admin import log_in, page, post, staff, units, users  # noqa: F401  (fixtures)

Y = date.today().year


def member(db, number: str, name: str, **more) -> dict:
    return insert_member(db, {"member_no": number, "name": name, "category": "regular", "joined_at": "2019-03-01",
                              "mobile": f"139037100{number[-2:]}", "paid_through": f"{Y}-12-31", **more},
                         actor="test")


def _token(client, url: str = "/admin/members/new") -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', page(client.get(url))).group(1)


def _sent(client, url: str, data: dict, **kwargs):
    return client.post(url, data=dict(data, csrf_token=_token(client, url)), **kwargs)


# --- #9: a unit member by a form; a member's own number checked as an import's ---------------------------

NEW_UNIT = "/admin/members/new-unit"


def test_a_unit_member_is_added_by_a_form_with_the_import_s_checks(staff, db, units):
    listed = page(staff.get("/admin/members/"))
    assert NEW_UNIT in listed and 'value="unit"' in listed  # 单位会员 among the list's categories
    blank = _sent(staff, NEW_UNIT, {"name": "", "contact_name": "马红梅", "contact_mobile": "1380371"})
    shown = page(blank)
    assert blank.status_code == 400 and 'value="马红梅"' in shown and shown.count("has-error") == 2
    for typed, said in (({"credit_code": "12410000MB0000001X"}, "HNKXDW202600001"),  # another unit's credit code
                        ({"name": "郑州示范大学"}, "HNKXDW202600001"),  # a unit of that name
                        ({"unit_no": "HNKXDW202600002"}, "中原示范研究院"),  # a number taken
                        ({"credit_code": "12345"}, "18 位")):
        refused = _sent(staff, NEW_UNIT, dict({"name": "河南省示范科技有限公司"}, **typed))
        assert refused.status_code == 400 and said in page(refused), typed
        assert 'value="河南省示范科技有限公司"' in page(refused) or typed.get("name")
    done = _sent(staff, NEW_UNIT, {"name": "河南省示范科技有限公司", "credit_code": "91410100MA00000034",
                                   "contact_name": "马红梅", "contact_mobile": "13803710088",
                                   "institution_type": "企业或技术推广部门", "joined_at": f"{Y}-03-01"},
                 follow_redirects=True)
    [unit] = db["units"].rows_where("name = ?", ["河南省示范科技有限公司"])
    assert unit["unit_no"].startswith(f"HNKXDW{Y}") and unit["contact_mobile"] == "13803710088"
    assert f"单位会员编号 {unit['unit_no']}" in page(done) and "马红梅" in page(done)
    audit = page(staff.get("/admin/audit/"))
    assert f"单位会员 {unit['unit_no']}" in audit and "staff1" in audit
    units_listed = page(staff.get("/admin/members/", query_string={"category": "unit"}))
    assert "河南省示范科技有限公司" in units_listed and "郑州示范大学" in units_listed


def test_a_member_added_by_a_form_may_bring_a_number_checked_for_shape_and_use(staff, db):
    member(db, "HNKX202000001", "赵敏")
    form = page(staff.get("/admin/members/new"))
    assert 'name="member_no"' in form
    for number, said in (("HNKX202000001", "赵敏"), ("HNKX 2020 01#", "格式不对")):
        refused = _sent(staff, "/admin/members/new", {"name": "田野", "category": "regular", "mobile": "13903710031",
                                                      "member_no": number})
        assert refused.status_code == 400 and said in page(refused) and 'value="田野"' in page(refused), number
    _sent(staff, "/admin/members/new", {"name": "田野", "category": "regular", "mobile": "13903710031",
                                        "member_no": "hnkx201800031"})
    assert db["members"].count_where("member_no = 'HNKX201800031' and name = '田野'") == 1


def test_a_read_only_user_cannot_open_the_forms_that_add_members(client, db, config, users):
    accounts.create_user(db, config, "理事长", PASSWORD, "viewer", None, actor="test")
    assert log_in(client, "理事长").status_code == 302
    assert client.get("/admin/members/new").status_code == 403
    assert client.get(NEW_UNIT).status_code == 403
    assert NEW_UNIT not in page(client.get("/admin/members/"))
