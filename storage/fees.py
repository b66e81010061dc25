"""Dues payments, their receipts, and the reminders already sent.

A payer is an individual member or a unit member: both have a number, a
category, a paid-through date and maybe an openid. `payer` dicts give both
one shape, so dues code does not care which; `kind` says which table.

A payment is never deleted once recorded; it carries the period it paid for
and the paid-through date it found, so the paid-through date can always be
explained. A refund marks it refunded (it stays on record, its receipt says
so) and gives the payer back the date it found (`refund_payment`).
"""
from __future__ import annotations

import json
import re
import sqlite3
from datetime import date, timedelta

import sqlite_utils

from storage.database import all_rows, first_of, first_row, now_iso
from storage.members import (
    Refused,
    find_member,
    find_member_by_no,
    find_member_by_openid,
    find_members_by_mobile,
    find_unit,
    find_unit_by_no,
    find_unit_by_openid,
    last_changes,
    next_number,
    record_history,
    unit_category,
    unit_name_key,
    update_member,
)
from storage.sqlite import transaction


# --- payers ------------------------------------------------------------------------

_PAYER_COLUMN = {"member": "member_id", "unit": "unit_id"}  # payer kind -> column in payments


def _member_payer(row: dict | None) -> dict | None:
    if row is None:
        return None
    return {"kind": "member", "id": row["id"], "number": row["member_no"], "name": row["name"],
            "category": row["category"], "paid_through": row["paid_through"],
            "openid": row["openid"], "reachable": bool(row["reachable"]), "status": row["status"],
            "joined_at": row["joined_at"], "dues_known_to": row.get("dues_known_to"),
            "dues_unpaid": row.get("dues_unpaid")}


def _unit_payer(row: dict | None) -> dict | None:
    """Units have no `reachable` flag (unfollows are tracked for members): taken as reachable."""
    if row is None:
        return None
    return {"kind": "unit", "id": row["id"], "number": row["unit_no"], "name": row["name"],
            "category": unit_category(row), "paid_through": row["paid_through"],
            "openid": row["openid"], "reachable": True, "status": row["status"], "level": row.get("level"),
            "joined_at": row["joined_at"], "dues_known_to": row.get("dues_known_to"),
            "dues_unpaid": row.get("dues_unpaid")}


def find_payer(db: sqlite_utils.Database, number: str) -> dict | None:
    """A member or unit by its number, as on the member card or the bank transfer."""
    number = number.strip().upper()
    return _member_payer(find_member_by_no(db, number)) or _unit_payer(find_unit_by_no(db, number))


def find_payer_by_openid(db: sqlite_utils.Database, openid: str) -> dict | None:
    return (_member_payer(find_member_by_openid(db, openid))
            or _unit_payer(find_unit_by_openid(db, openid)))


def find_payers_by_mobile(db: sqlite_utils.Database, mobile: str) -> list[dict]:
    """Members with this mobile and units with it as contact mobile (more than one is ambiguous)."""
    units = db["units"].rows_where("contact_mobile = ?", [mobile], order_by="id")
    return [_member_payer(m) for m in find_members_by_mobile(db, mobile)] + [_unit_payer(u) for u in units]


def find_payers_by_account(db: sqlite_utils.Database, account: str) -> list[dict]:
    """The payers whose earlier imported payments came from this bank account."""
    rows = db.execute("select distinct member_id, unit_id from payments where account = ?", [account]).fetchall()
    payers = [_member_payer(find_member(db, m)) if m else _unit_payer(find_unit(db, u)) for m, u in rows]
    return [p for p in payers if p]


def find_payers_by_name(db: sqlite_utils.Database, name: str, in_force: bool = True) -> list[dict]:
    """Members in force and units whose name is this one, spaces ignored (a bank's 户名 "张 伟" is 张伟);
    `in_force` False: those not in force (withdrawn, suspended, deceased, deregistered) instead."""
    key, unit = "".join(name.split()), unit_name_key(name)
    status = "status = 'active'" if in_force else "status != 'active'"
    members = db["members"].rows_where(f"replace(name, ' ', '') = ? and {status}", [key], order_by="id")
    units = list(db["units"].rows_where(f"unit_name_key(name) = ? and {status}", [unit], order_by="id"))
    if not units:  # a unit renamed: its transfers still come under the old name (原名)
        units = [u for u in db["units"].rows_where(f"former_names is not null and {status}", order_by="id")
                 if unit in map(unit_name_key, u["former_names"].split("、"))]
    return [_member_payer(m) for m in members] + [_unit_payer(u) for u in units]


def unit_names_in_force(db: sqlite_utils.Database) -> set[str]:
    """The names and former names (原名) of the units in force, as unit_name_key compares them: every name a
    unit's transfer may come under (find_payers_by_name finds a unit by no other), read once an import."""
    names = set()
    for name, former_names in db.execute("select name, former_names from units where status = 'active'"):
        names.update(map(unit_name_key, [name, *(former_names or "").split("、")]))
    return names


def units_in_force(db: sqlite_utils.Database) -> list[dict]:
    """The units in force, as payers (a remark naming one by a short name is read against them all)."""
    return [_unit_payer(u) for u in db["units"].rows_where("status = 'active'", order_by="id")]


def unit_payers_by_contact(db: sqlite_utils.Database, name: str) -> list[dict]:
    """Units in force whose contact is so named, spaces ignored (联系人 陈思远 sending his institute's dues)."""
    key = "".join(name.split())
    return [_unit_payer(u) for u in db["units"].rows_where(
        "status = 'active' and replace(contact_name, ' ', '') = ?", [key], order_by="id")]


def find_units_by_name_start(db: sqlite_utils.Database, start: str) -> list[dict]:
    """Units in force whose name begins with this one (河南大学 -> 河南大学计算机与信息工程学院)."""
    key = unit_name_key(start)
    return [_unit_payer(u) for u in db["units"].rows_where(
        "substr(unit_name_key(name), 1, ?) = ? and status = 'active'", [len(key), key], order_by="id")]


def find_members_at_work_unit(db: sqlite_utils.Database, work_unit: str) -> list[dict]:
    """Members in force whose 工作单位 is this one, as unit_name_key compares names (a county bureau paying for
    its staff)."""
    return [_member_payer(m) for m in db["members"].rows_where(
        "unit_name_key(work_unit) = ? and status = 'active'", [unit_name_key(work_unit)], order_by="id")]


def payers_whose_remarks_hold(db: sqlite_utils.Database, text: str) -> list[dict]:
    """Members and units in force whose remarks (备注) hold `text`, each with its `remarks`."""
    members = db["members"].rows_where("status = 'active' and instr(remarks, ?) > 0", [text], order_by="id")
    units = db["units"].rows_where("status = 'active' and instr(remarks, ?) > 0", [text], order_by="id")
    return [dict(_member_payer(m), remarks=m["remarks"]) for m in members] + \
        [dict(_unit_payer(u), remarks=u["remarks"]) for u in units]


def member_payers_ending_with(db: sqlite_utils.Database, shown: str) -> list[dict]:
    """Members in force whose name, spaces dropped, ends with `shown` and is longer (a payment app's masked
    对方名称 *洋), each with `mobiles`: every mobile the store knows for them, the one on record and any other
    kept in the remarks."""
    rows = db["members"].rows_where("status = 'active' and length(replace(name, ' ', '')) > ? "
                                    "and substr(replace(name, ' ', ''), -?) = ?", [len(shown), len(shown), shown],
                                    order_by="id")
    return [dict(_member_payer(row), mobiles=_mobiles_of(row)) for row in rows]


def member_payers_by_mobile_parts(db: sqlite_utils.Database, head: str, tail: str) -> list[dict]:
    """Members in force one of whose mobiles (the one on record, or another kept in the remarks) starts with
    `head` and ends with `tail`: a payment app's account shown masked (139****4567), a remark's 尾号8832."""
    hidden = 11 - len(head) - len(tail)
    rows = db["members"].rows_where("status = 'active' and (mobile like ? or remarks like ?)",
                                    [f"{head}{'_' * hidden}{tail}", f"%{head}%{tail}%"], order_by="id")
    fits = re.compile(f"{head}\\d{{{hidden}}}{tail}")
    return [_member_payer(row) for row in rows if any(fits.fullmatch(mobile) for mobile in _mobiles_of(row))]


def mobiles_of_members(db: sqlite_utils.Database, ids: list[int]) -> dict[int, list[str]]:
    """Member id -> every mobile the store knows for the member: the one on record and any other kept in
    the remarks."""
    rows = db["members"].rows_where(f"id in ({', '.join('?' * len(ids))})", ids) if ids else []
    return {row["id"]: _mobiles_of(row) for row in rows}


def _mobiles_of(row: dict) -> list[str]:
    found = [row.get("mobile") or ""] + re.findall(r"(?<!\d)1[3-9]\d{9}(?!\d)", row.get("remarks") or "")
    return [mobile for mobile in dict.fromkeys(found) if mobile]


def member_names(db: sqlite_utils.Database, in_force: bool = True) -> list[str]:
    """The names of the members in force (`in_force` False: of those not in force), spaces dropped,
    longest first: to find them in a remark."""
    status = "status = 'active'" if in_force else "status != 'active'"
    names = {row[0] for row in db.execute(
        f"select distinct replace(name, ' ', '') from members where {status}")}
    return sorted((n for n in names if n and len(n) >= 2), key=len, reverse=True)


def payer_numbers_unlike(db: sqlite_utils.Database, prefixes: list[str]) -> list[str]:
    """The member and unit numbers that are not one of `prefixes` followed by digits (an older system's
    HN-TJ-0330 among HNTJ201600012 ...): few, where a store holds a million of the society's own."""
    globs = [f"{prefix}[0-9][0-9][0-9]*" for prefix in prefixes]
    unlike = "".join(" and {0} not glob ?" for _ in globs)
    return [row[0] for row in db.execute(
        f"select member_no from members where member_no is not null{unlike.format('member_no')} "
        f"union select unit_no from units where unit_no is not null{unlike.format('unit_no')}", globs + globs)]


def payer_numbers_holding(db: sqlite_utils.Database, year: int, serial: int) -> list[str]:
    """The member and unit numbers holding the year and ending in the serial's digits (陕土建2022-455 and
    陕土建2022-0455 for 2022 and 455): few; the caller reads their parts."""
    glob = f"*{year}*{serial}"
    return [row[0] for row in db.execute(
        "select member_no from members where member_no glob ? union select unit_no from units where unit_no glob ?",
        [glob, glob])]


def list_dues_payers(db: sqlite_utils.Database) -> list[dict]:
    """Every member and unit whose membership is in force (not suspended or resigned), each with
    `covered_from`: where the paid-through date's unbroken run of paid years begins, when a payment
    after a lapse started it (None: it reaches back before any payment recorded)."""
    restarts = {(kind, payer_id): start for kind, payer_id, start in db.execute(
        "select case when member_id is not null then 'member' else 'unit' end, "
        "coalesce(member_id, unit_id), max(period_from) from payments where continued = 0 and refunded_at is null "
        "group by 1, 2")}
    members = db["members"].rows_where("status = 'active'", order_by="id")
    units = db["units"].rows_where("status = 'active'", order_by="id")
    payers = [_member_payer(m) for m in members] + [_unit_payer(u) for u in units]
    for payer in payers:
        payer["covered_from"] = restarts.get((payer["kind"], payer["id"]))
    return payers


def payer_record(db: sqlite_utils.Database, payer: dict) -> dict:
    """The member's or unit's whole row (mobile, unit, contact), as stored now."""
    return find_member(db, payer["id"]) if payer["kind"] == "member" else find_unit(db, payer["id"])


def reload_payer(db: sqlite_utils.Database, payer: dict) -> dict:
    """The payer as stored now: read again inside a transaction, so concurrent payments both count."""
    return (_member_payer if payer["kind"] == "member" else _unit_payer)(payer_record(db, payer))


def set_paid_through(db: sqlite_utils.Database, payer: dict, paid_through: str | None, actor: str,
                      receipt_no: str, action: str = "dues_paid") -> None:
    _set_payer_field(db, payer, "paid_through", paid_through, actor, receipt_no, action)


def set_dues_unpaid(db: sqlite_utils.Database, payer: dict, years: str | None, actor: str, receipt_no: str) -> None:
    """The years a roster marked unpaid between paid ones, less the one a payment has now paid."""
    _set_payer_field(db, payer, "dues_unpaid", years, actor, receipt_no, "dues_paid")


def _set_payer_field(db: sqlite_utils.Database, payer: dict, field: str, value, actor: str, receipt_no: str,
                     action: str) -> None:
    if payer["kind"] == "member":
        update_member(db, payer["id"], {field: value}, actor, action=action, reason=receipt_no)
        return
    db["units"].update(payer["id"], {field: value})
    record_history(db, "unit", payer["id"], action, actor, receipt_no, {field: [payer[field], value]})


# --- payments ----------------------------------------------------------------------

def insert_payment(db: sqlite_utils.Database, payer: dict, payment: dict, receipt_prefix: str,
                   receipt_digits: int, actor: str) -> dict:
    """Store a payment under the next receipt number (`receipt_prefix` + sequence) and move the
    payer's paid-through date to the end of the period it pays (`period_to`); the rule that
    works out that period is handlers/fees/payments.py, which calls this inside its transaction."""
    with transaction(db):
        receipt_no = next_number(db, "payments", "receipt_no", receipt_prefix, receipt_digits)
        db["payments"].insert(dict(payment, receipt_no=receipt_no, **{_PAYER_COLUMN[payer["kind"]]: payer["id"]},
                                   paid_through_before=payer["paid_through"], recorded_by=actor,
                                   recorded_at=now_iso()))
        if not (payer["paid_through"] and payment["period_to"] < payer["paid_through"]):  # an earlier year: left
            set_paid_through(db, payer, payment["period_to"], actor, receipt_no)
    return find_payment(db, receipt_no)


def mark_refunded(db: sqlite_utils.Database, payment: dict, refunded_on: str, actor: str, reason: str) -> None:
    db["payments"].update(payment["id"], {"refunded_at": refunded_on, "refunded_by": actor, "refund_reason": reason})


def payer_of(db: sqlite_utils.Database, payment: dict) -> dict:
    """The member or unit a payment was made by, as stored now."""
    return reload_payer(db, {"kind": "member" if payment["member_id"] else "unit",
                             "id": payment["member_id"] or payment["unit_id"]})


def payments_after(db: sqlite_utils.Database, payer: dict, payment: dict) -> list[dict]:
    """The payer's payments recorded after `payment` and not refunded, in the order recorded."""
    column = _PAYER_COLUMN[payer["kind"]]
    return list(db["payments"].rows_where(f"{column} = ? and id > ? and refunded_at is null",
                                          [payer["id"], payment["id"]], order_by="id"))


def paid_through_before(db: sqlite_utils.Database, payment: dict) -> str | None:
    """The paid-through date a payment found: kept with it, or (recorded before it was kept) in
    the history entry the payment wrote."""
    if payment["paid_through_before"] is not None:
        return payment["paid_through_before"]
    subject = "member" if payment["member_id"] else "unit"
    row = first_of(db.query("select detail from history where subject = ? and subject_id = ? and action = 'dues_paid' "
                           "and reason = ? order by id desc limit 1",
                           [subject, payment["member_id"] or payment["unit_id"], payment["receipt_no"]]))
    if row is None:
        return None
    return json.loads(row["detail"] or "{}").get("paid_through", [None])[0]


def find_payment(db: sqlite_utils.Database, receipt_no: str) -> dict | None:
    return first_of(db["payments"].rows_where("receipt_no = ?", [receipt_no], limit=1))


def payments_of(db: sqlite_utils.Database, payer: dict, limit: int | None = None) -> list[dict]:
    """A payer's payments, latest first."""
    column = _PAYER_COLUMN[payer["kind"]]
    limit_sql = "" if limit is None else f" limit {int(limit)}"
    return all_rows(db, f"select * from payments where {column} = ? order by paid_at desc, id desc{limit_sql}",
                    [payer["id"]])


def find_imported_payment(db: sqlite_utils.Database, import_key: str) -> dict | None:
    return first_of(db["payments"].rows_where("import_key = ?", [import_key], limit=1))


def find_manual_payment(db: sqlite_utils.Database, payer: dict, paid_on: date,
                        amount: float) -> dict | None:
    """A payment typed in by hand matching a statement line (same payer, day and amount),
    so importing the bank statement afterwards does not count it twice."""
    column = _PAYER_COLUMN[payer["kind"]]
    return first_of(db["payments"].rows_where(
        f"{column} = ? and paid_at = ? and round(amount, 2) = round(?, 2) and import_key is null",
        [payer["id"], paid_on.isoformat(), float(amount)], limit=1))


def opening_balance(db: sqlite_utils.Database, payer: dict) -> str | None:
    """Where a paid-through date no payment explains came from (the roster file and row it was
    imported from, as recorded in the history), or None when a payment explains it."""
    if not payer["paid_through"] or any(p["period_to"] == payer["paid_through"] for p in payments_of(db, payer)):
        return None
    change = last_changes(db, payer["kind"], payer["id"]).get("paid_through")
    return change["reason"] if change and change["action"] == "imported" else None


def find_nearby_payment(db: sqlite_utils.Database, payer: dict, paid_on: date, amount: float,
                        days: int) -> dict | None:
    """A payment by the same payer of the same amount within `days` of `paid_on`: likely the
    same money twice (typed in by hand, then found on the bank statement)."""
    column = _PAYER_COLUMN[payer["kind"]]
    first, last = (paid_on - timedelta(days=days)).isoformat(), (paid_on + timedelta(days=days)).isoformat()
    return first_of(db["payments"].rows_where(
        f"{column} = ? and paid_at between ? and ? and round(amount, 2) = round(?, 2)",
        [payer["id"], first, last, float(amount)], order_by="paid_at desc", limit=1))


def collected_by_category(db: sqlite_utils.Database, year: int) -> dict[str, dict]:
    """Money received in a calendar year per category (multi-year and lifetime included; refunded not)."""
    rows = db.execute(
        "select category, count(*), sum(amount) from payments "
        "where paid_at between ? and ? and refunded_at is null group by category",
        [f"{year}-01-01", f"{year}-12-31"],
    ).fetchall()
    return {category: {"payments": count, "amount": total} for category, count, total in rows}


# --- reminders ---------------------------------------------------------------------

def _reminder_key(payer: dict, kind: str) -> tuple[int, str]:
    """reminders_sent has one id column: a unit's reminders are kept under kind `unit_<kind>`."""
    return payer["id"], kind if payer["kind"] == "member" else f"unit_{kind}"


def claim_reminder(db: sqlite_utils.Database, payer: dict, kind: str, period: str) -> bool:
    """Take the (payer, kind, period) slot in one statement; False if any run took it already."""
    payer_id, key = _reminder_key(payer, kind)
    cursor = db.execute(
        "insert or ignore into reminders_sent (member_id, kind, period, sent_at) values (?, ?, ?, ?)",
        [payer_id, key, period, now_iso()])
    return cursor.rowcount == 1


def release_reminder(db: sqlite_utils.Database, payer: dict, kind: str, period: str) -> None:
    """Give a claim back when the reminder could not be queued, so the next run tries again."""
    payer_id, key = _reminder_key(payer, kind)
    db.execute("delete from reminders_sent where member_id = ? and kind = ? and period = ?",
               [payer_id, key, period])


# --- invoices asked for in chat (tickets of 开票申请), issued or turned down in the console -----------------

INVOICE_ISSUED, INVOICE_REFUSED = "issued", "refused"


def record_invoice(db: sqlite_utils.Database, ticket_id: int, receipt_nos: list[str], invoice_no: str,
                   issued_on: str, actor: str) -> None:
    """An invoice issued for a request: one row for each payment it covers. A payment another secretary
    invoiced meanwhile (after the caller's check) is refused by the unique index, nothing written."""
    at = now_iso()
    with transaction(db):
        for receipt_no in receipt_nos:
            try:
                db.execute("insert into invoices (ticket_id, receipt_no, status, invoice_no, issued_on, decided_by, "
                           "decided_at) values (?, ?, ?, ?, ?, ?, ?)",
                           [ticket_id, receipt_no, INVOICE_ISSUED, invoice_no, issued_on, actor, at])
            except sqlite3.IntegrityError:
                first = first_row(db, "select invoice_no from invoices where status = ? and receipt_no = ?",
                                  [INVOICE_ISSUED, receipt_no])
                raise Refused("invoice_twice", receipt_no=receipt_no, invoice_no=first["invoice_no"]) from None


def record_invoice_refused(db: sqlite_utils.Database, ticket_id: int, reason: str, actor: str) -> None:
    with transaction(db):
        db["invoices"].insert({"ticket_id": ticket_id, "status": INVOICE_REFUSED, "reason": reason,
                               "decided_by": actor, "decided_at": now_iso()})


def invoices_for(db: sqlite_utils.Database, receipt_nos: list[str]) -> dict[str, dict]:
    """The invoice issued for each of these receipts that has one."""
    if not receipt_nos:
        return {}
    rows = all_rows(db, f"select * from invoices where status = ? and receipt_no in ({','.join('?' * len(receipt_nos))}) "
                        "order by id", [INVOICE_ISSUED, *receipt_nos])
    return {row["receipt_no"]: row for row in rows}


def invoices_of_ticket(db: sqlite_utils.Database, ticket_id: int) -> list[dict]:
    return list(db["invoices"].rows_where("ticket_id = ?", [ticket_id], order_by="id"))


def decided_invoice_requests(db: sqlite_utils.Database, limit: int = 30) -> list[dict]:
    """The invoice requests decided last, newest first: each its ticket's number, status, invoice number and date
    or reason, who and when, and the receipts it covers (one invoice row per receipt)."""
    rows = all_rows(db, "select i.*, t.ticket_no from invoices i join tickets t on t.id = i.ticket_id where i.ticket_id in "
                        "(select ticket_id from invoices group by ticket_id order by max(id) desc limit ?) "
                        "order by i.id desc", [int(limit)])
    decided: dict[str, dict] = {}
    for row in rows:
        request = decided.setdefault(row["ticket_no"], dict(row, receipts=[]))
        if row["receipt_no"]:
            request["receipts"].insert(0, row["receipt_no"])
    return list(decided.values())


# --- a statement's rows left to settle ------------------------------------------------------

def keep_rows_to_settle(db: sqlite_utils.Database, file: str, rows: list[dict], actor: str | None) -> None:
    """Keep the rows an import left (each {row_no, kind, line}) until settled; a row kept already stays as it is."""
    with transaction(db):
        for row in rows:
            db.execute("insert or ignore into statement_rows (file, row_no, kind, line, created_at, created_by) "
                       "values (?, ?, ?, ?, ?, ?)", [file, row["row_no"], row["kind"], row["line"], now_iso(), actor])


def rows_to_settle(db: sqlite_utils.Database) -> list[dict]:
    """The rows not settled yet, the oldest import first, each file's rows in their order."""
    return all_rows(db, "select * from statement_rows where settled_at is null order by created_at, file, row_no")


def settle_row(db: sqlite_utils.Database, row_id: int, how: str, note: str | None, actor: str | None) -> dict | None:
    """Mark a row settled (how, a note, who and when); None when there is no such row open."""
    with transaction(db):
        row = first_row(db, "select * from statement_rows where id = ? and settled_at is null", [row_id])
        if row is None:
            return None
        db["statement_rows"].update(row_id, {"settled_at": now_iso(), "settled_by": actor, "settled_how": how,
                                             "settled_note": note})
    return row
