"""Console walk 11 (a busy December, data and privacy: #1-#8, #14) through Flask's test client: what a
read-only user sees of members' mobiles, the year's collection rate, undoing a payment, dues of members
who left, the member chart and export, and two secretaries saving the same member."""
from __future__ import annotations

import io

from openpyxl import load_workbook

from bot.admin import accounts
from storage import tickets as ticket_store
from storage.members import create_application, insert_member
from tests.admin_data import PASSWORD, individual
from tests.test_admin import log_in, page, post, staff, units, users  # noqa: F401  (fixtures)


def exported_rows(client, **query) -> list[tuple]:
    sheet = load_workbook(io.BytesIO(client.get("/admin/members/export", query_string={"format": "xlsx", **query})
                                     .data)).active
    return list(sheet.iter_rows(values_only=True))


# --- #14: the read-only user and members' mobiles ------------------------------------------------

def test_a_read_only_user_sees_and_exports_mobiles_masked_as_a_unit_contact_does(client, users, db, config):
    """A 理事长 or an auditor has no need to ring members: 139****0012 on every page and in the export."""
    accounts.create_user(db, config, "理事长", PASSWORD, "viewer", None, actor="test")
    insert_member(db, {"member_no": "HNKX202600012", "name": "黄蓉", "category": "regular",
                       "mobile": "13903710012", "openid": "o_huang", "remarks": "新号 13903710099"}, actor="test")
    ticket_no = ticket_store.create_ticket(db, "o_huang", "投诉", "报销还没到账")
    application = create_application(db, "o_new", "individual", individual(mobile="13903710031"))
    assert log_in(client, "理事长").status_code == 302
    shown = [page(client.get(url)) for url in ("/admin/members/HNKX202600012", f"/admin/tickets/{ticket_no}",
                                               f"/admin/applications/{application['app_no']}",
                                               "/admin/members/HNKX202600012/edit")]
    for text in shown:
        assert "13903710012" not in text and "13903710031" not in text and "13903710099" not in text
    assert "139****0012" in shown[0] and "139****0012" in shown[1] and "139****0031" in shown[2]
    assert "新号 139****0099" in shown[0]  # the remarks and the change log are still there, masked
    assert "变更记录" in shown[0]
    rows = exported_rows(client)
    assert "13903710012" not in str(rows) and "139****0012" in str(rows)

    post(client, "/admin/logout")
    assert log_in(client, "staff1").status_code == 302  # the secretariat rings members: whole numbers
    assert "13903710012" in page(client.get("/admin/members/HNKX202600012"))
    assert "13903710012" in page(client.get(f"/admin/tickets/{ticket_no}"))
    assert "13903710031" in page(client.get(f"/admin/applications/{application['app_no']}"))
    assert "13903710012" in str(exported_rows(client))
