"""A read-only user (只读: a president, an auditor) walks every console page they may open: no page or file
shows a whole mobile or a unit's invite code, and no search finds a member or ticket by a whole mobile
(only by its last four digits, as the pages show them). Eleventh session's report: a 理事长 found tickets by
a member's full mobile and read a unit's invite code on its page."""
from __future__ import annotations

import io
import re

from openpyxl import load_workbook

from bot.admin import accounts
from storage import events as event_store
from storage.members import create_application, find_unit, insert_member, update_unit
from storage.news import save_item
from storage.tickets import create_ticket
from tests.admin_data import PASSWORD, individual
from tests.test_admin import log_in, page, units, users  # noqa: F401  (fixtures)

MOBILES = ("13903710002", "13903710006", "13800138000", "13512345678", "13677778888")


def _society(db, units) -> dict:
    """A unit with its contact, a bound member with a ticket that quotes a phone, an applicant invited by the
    unit, an event with a registrant and a newsletter: every page has someone's mobile to show."""
    unit = units[0]
    update_unit(db, unit["id"], {"contact_name": "钱经理", "contact_mobile": "13903710006"}, "test", "updated")
    insert_member(db, {"member_no": "HNKX201500001", "name": "李娜", "category": "regular", "mobile": "13903710002",
                       "openid": "o_lina", "unit_id": unit["id"]}, actor="test")
    ticket_no = create_ticket(db, "o_lina", "投诉", "报销的钱还没到账，请打 13512345678 找我爱人")
    code = find_unit(db, unit["id"])["invite_code"]
    app_no = create_application(db, "o_zhang", "individual", individual(invite_code=code))["app_no"]
    [event_no], _ = event_store.save_events(db, [({"society": "示范科技学会", "title": "实验室安全培训", "type": "培训",
                                                   "starts_on": "2099-05-06", "ends_on": "2099-05-06", "place": "郑州",
                                                   "capacity": 30}, "test")], [], actor="test")
    event = event_store.find_event(db, event_no)
    event_store.insert_registration(db, event["id"], "o_wang", {"name": "王芳", "mobile": "13677778888"},
                                    "registered", 4)
    item, _ = save_item(db, {"item_no": "n1", "kind": "newsletter", "title": "标题", "topics": ["policy"],
                             "audience": None, "summary": "摘要", "link": None, "body": "正文。",
                             "publish_at": "2026-10-01T09:00:00+08:00", "source": None})
    return {"member_no": "HNKX201500001", "unit_no": unit["unit_no"], "ticket_no": ticket_no, "app_no": app_no,
            "event_no": event_no, "item_no": item["item_no"], "invite_code": code}


def _text(response) -> str:
    """What a page or a downloaded file shows."""
    if response.mimetype.endswith("spreadsheetml.sheet"):
        book = load_workbook(io.BytesIO(response.data))
        return str([list(sheet.iter_rows(values_only=True)) for sheet in book.worksheets])
    return response.get_data(as_text=True)


def _pages(app, society: dict) -> list[str]:
    """Every console page opened by GET, its address's parts taken from the society's records."""
    found = []
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/admin/") or "GET" not in rule.methods or "static" in rule.endpoint \
                or "province" in rule.endpoint or "login" in rule.endpoint or "token" in rule.arguments:
            continue
        if not rule.arguments <= society.keys():
            raise AssertionError(f"{rule.rule}: no record for {rule.arguments - society.keys()}")
        found.append(rule.build(society, append_unknown=False)[1])
    return [*found, "/admin/members/export?format=csv", "/admin/members/export?format=xlsx",
            f"/admin/members/{society['unit_no']}"]


def test_a_read_only_user_sees_no_whole_mobile_or_invite_code_on_any_page(app, client, users, db, units, config, env):
    society = _society(db, units)
    accounts.create_user(db, config, "理事长", PASSWORD, "viewer", None, actor="test")
    assert log_in(client, "理事长").status_code == 302
    opened = 0
    for url in _pages(app, society):
        response = client.get(url)
        if response.status_code != 200:
            assert response.status_code in (302, 403, 404), (url, response.status_code)
            continue
        opened += 1
        shown = _text(response)
        for mobile in MOBILES:
            assert mobile not in shown, (url, mobile)
        assert society["invite_code"] not in shown, url
        for secret in (env["WECHAT_APP_SECRET"], env["WECHAT_ENCODING_AES_KEY"], env["ADMIN_SECRET_KEY"]):
            assert secret not in shown, url  # the account's keys
    assert opened >= 20


def test_a_read_only_user_finds_by_the_last_four_digits_not_by_a_whole_mobile(client, users, db, units, config):
    society = _society(db, units)
    accounts.create_user(db, config, "理事长", PASSWORD, "viewer", None, actor="test")
    assert log_in(client, "理事长").status_code == 302
    for listing, found in (("/admin/tickets/", society["ticket_no"]), ("/admin/members/", "HNKX201500001")):
        assert found in page(client.get(listing, query_string={"view": "all", "q": "0002"})), listing
        for whole in ("13903710002", "139 0371 0002", "李娜13903710002", "03710002"):
            shown = page(client.get(listing, query_string={"view": "all", "q": whole}))
            assert found not in shown and "不能按完整手机号查找" in shown, (listing, whole)
        for middle in ("0371", "3903"):  # four digits of the middle, hidden on the page, find nothing
            assert found not in page(client.get(listing, query_string={"view": "all", "q": middle})), middle
    unit_link = f'href="/admin/members/{society["unit_no"]}"'  # the unit found by its contact's phone
    assert unit_link not in page(client.get("/admin/members/", query_string={"q": "13903710006"}))
    assert unit_link in page(client.get("/admin/members/", query_string={"q": "0006"}))
    refused = page(client.get("/admin/audit/", query_string={"about": "13903710002"}))
    assert "不能按完整手机号查找" in refused and "HNKX201500001" not in refused


def test_staff_still_find_by_a_whole_mobile_and_see_the_invite_code(app, client, users, db, units):
    society = _society(db, units)
    assert log_in(client, "staff1").status_code == 302
    assert society["ticket_no"] in page(client.get("/admin/tickets/", query_string={"view": "all", "q": "13903710002"}))
    assert "李娜" in page(client.get("/admin/members/", query_string={"q": "13903710002"}))
    assert society["invite_code"] in page(client.get(f"/admin/members/{society['unit_no']}"))
    assert re.search(r"13903710006", page(client.get(f"/admin/members/{society['unit_no']}")))
