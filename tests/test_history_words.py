"""The change history as a secretary reads it, in the console's audit log, a member's page and the
CLI's `members show` (issue 14, "The console as a secretary reads it"): names and member numbers,
never internal ids or code names (unit ids, dues_paid, bound, openids), no empty "— → —" rows,
and the approval row names the applicant."""
from __future__ import annotations

import re
from datetime import date

from click.testing import CliRunner

from bot.cli import main
from storage.members import create_application, find_member_by_no, insert_member, update_member
from handlers.fees.payments import record_payment
from storage.fees import find_payer
from storage.sqlite import transaction
from tests.admin_data import individual
from tests.test_admin import page, post, staff, units, users  # noqa: F401  (fixtures)

CODES = re.compile(r"dues_paid|\bbound\b|openid|o_zhang|o_wang|unit_id|password_hash|— → —|：— → \d+(?=\s|$)")


def history_made_by_people(staff, db):
    """An approval in the console, the member binding WeChat by chat, a unit assigned, a payment."""
    application = create_application(db, "o_zhang", "individual", individual(email=None))
    post(staff, "/admin/applications/decide", {"app_no": application["app_no"], "decision": "approve"})
    member = find_member_by_no(db, f"HNKX{date.today().year}00001")
    with transaction(db):  # on the roster, not yet bound
        wang = insert_member(db, {"member_no": "HNKX201900007", "name": "王建国", "category": "regular"}, actor="名册")
    update_member(db, wang["id"], {"openid": "o_wang", "email": ""}, actor="openid:o_wang", action="bound")
    unit = db["units"].get(1)
    update_member(db, member["id"], {"unit_id": unit["id"]}, actor="console:staff1")
    record_payment(db, find_payer(db, member["member_no"]), 200.0, 1, date.today(), "转账", "console:staff1")
    return application, member, unit


def test_the_audit_log_names_people_and_units_in_words(staff, db):
    application, member, unit = history_made_by_people(staff, db)
    log = page(staff.get("/admin/audit/"))
    rows = re.findall(r"<tr>.*?</tr>", log, re.S)
    text = " ".join(re.sub(r"<[^>]+>", " ", row) for row in rows)
    assert not CODES.search(text), CODES.search(text)
    assert f"{unit['unit_no']} {unit['name']}" in text  # not the unit's internal id
    assert f"{application['app_no']} 张伟" in text  # the approval row names the applicant
    assert "登记缴费" in text and "绑定微信" in text
    assert "王建国（HNKX201900007，微信）" in text  # who bound: the member, by name and number

    shown = page(staff.get(f"/admin/members/{member['member_no']}"))
    assert f"{unit['unit_no']} {unit['name']}" in shown and not CODES.search(re.sub(r"<[^>]+>", " ", shown))


def test_members_show_on_the_command_line_reads_the_same(staff, db, env):
    _, member, unit = history_made_by_people(staff, db)
    result = CliRunner().invoke(main, ["members", "show", member["member_no"]], env=env, catch_exceptions=False)
    history = result.output.split("变更记录：")[1]
    assert not CODES.search(history), history
    assert f"{unit['unit_no']} {unit['name']}" in history and "登记缴费" in history
    assert "console:" not in history and "staff1（后台）" in history
    bound = CliRunner().invoke(main, ["members", "show", "HNKX201900007"], env=env, catch_exceptions=False).output
    assert "王建国（HNKX201900007，微信）  绑定微信" in bound and "微信：未绑定 → 已绑定" in bound
    assert not CODES.search(bound.split("变更记录：")[1])
