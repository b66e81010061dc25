"""Console walk 11, #15 through Flask's test client: a unit member has a page (who it is, whom to ring, its
dues and payments, its members), found by the member search and linked from the arrears list."""
from __future__ import annotations

from bot.admin import accounts
from storage.members import insert_member, update_unit
from tests.admin_data import PASSWORD
from tests.test_admin import log_in, page, post, staff, units, users  # noqa: F401  (fixtures)


def _unit_with_contact(db, units) -> dict:
    unit = units[0]
    update_unit(db, unit["id"], {"contact_name": "钱经理", "contact_mobile": "13903710006", "level": "理事单位"},
                "test", "updated")
    insert_member(db, {"member_no": "HNKX202600021", "name": "周敏", "category": "regular",
                       "unit_id": unit["id"]}, actor="test")
    return unit


def test_a_unit_member_has_a_page_found_by_search_and_linked_from_the_arrears(staff, db, units):
    unit = _unit_with_contact(db, units)
    shown = page(staff.get(f"/admin/members/{unit['unit_no']}"))
    facts = shown.split("data-unit>")[1].split("</dl>")[0]
    assert "郑州示范大学" in facts and "钱经理" in facts and "13903710006" in facts and "理事单位" in facts
    assert "邀请码" in facts
    assert "HNKX202600021" in shown and "周敏" in shown and 'class="card payments"' in shown
    for query in ("郑州示范", unit["unit_no"], "钱经理", "13903710006"):
        listed = page(staff.get("/admin/members/", query_string={"q": query}))
        assert f'href="/admin/members/{unit["unit_no"]}"' in listed, query
    assert f'href="/admin/members/{unit["unit_no"]}"' in page(staff.get("/admin/dues/"))  # never paid


def test_a_read_only_user_reads_the_unit_s_contact_phone_masked_and_a_unit_contact_gets_no_page(
        client, users, db, units, config):
    unit = _unit_with_contact(db, units)
    accounts.create_user(db, config, "理事长", PASSWORD, "viewer", None, actor="test")
    assert log_in(client, "理事长").status_code == 302
    shown = page(client.get(f"/admin/members/{unit['unit_no']}"))
    assert "13903710006" not in shown and "139****0006" in shown and "退款/作废" not in shown
    post(client, "/admin/logout")
    assert log_in(client, "unit1").status_code == 302
    assert client.get(f"/admin/members/{unit['unit_no']}").status_code == 404
