"""Versioned schema changes, applied in order and recorded in `schema_migrations`.

Add a function at the end of MIGRATIONS to change the schema; never edit one
that has shipped. `python -m bot db migrate` (and every process at start-up)
applies whatever is pending.
"""
from __future__ import annotations

import sqlite_utils

from storage.sqlite import transaction


def _tickets_and_human_requests(db: sqlite_utils.Database) -> None:
    db["tickets"].create(
        {"id": int, "ticket_no": str, "openid": str, "category": str, "body": str,
         "status": str, "created_at": str},
        pk="id",
        not_null={"openid", "body", "status", "created_at"},
    )
    db["tickets"].create_index(["ticket_no"], unique=True)
    db["tickets"].create_index(["openid"])
    db["human_requests"].create(
        {"id": int, "openid": str, "message": str, "status": str, "created_at": str},
        pk="id",
        not_null={"openid", "status", "created_at"},
    )
    db["human_requests"].create_index(["openid", "status"])


def _members(db: sqlite_utils.Database) -> None:
    """Units, individual members, applications, payments and the history of every change."""
    db["units"].create(
        {"id": int, "unit_no": str, "name": str, "credit_code": str, "contact_name": str,
         "contact_mobile": str, "institution_type": str, "invite_code": str, "openid": str,
         "status": str, "paid_through": str, "joined_at": str, "created_at": str},
        pk="id", not_null={"name", "credit_code", "status", "created_at"},
    )
    db["units"].create_index(["unit_no"], unique=True)
    db["units"].create_index(["credit_code"], unique=True)
    db["units"].create_index(["invite_code"], unique=True)
    db["units"].create_index(["openid"])
    db["members"].create(
        {"id": int, "member_no": str, "openid": str, "name": str, "category": str,
         "birth_year": int, "work_unit": str, "unit_id": int, "institution_type": str,
         "post_category": str, "discipline": str, "mobile": str, "email": str,
         "school": str, "graduation_year": int, "council_role": str, "status": str,
         "reachable": int, "paid_through": str, "joined_at": str, "created_at": str,
         "updated_at": str},
        pk="id", not_null={"name", "category", "status", "created_at"},
        defaults={"reachable": 1},
        foreign_keys=[("unit_id", "units", "id")],
    )
    db["members"].create_index(["member_no"], unique=True)
    db["members"].create_index(["openid"], unique=True)
    db["members"].create_index(["mobile"])
    db["members"].create_index(["unit_id"])
    db["members"].create_index(["category", "status"])
    db["applications"].create(
        {"id": int, "app_no": str, "openid": str, "kind": str, "data": str, "status": str,
         "reason": str, "member_id": int, "unit_id": int, "decided_by": str,
         "decided_at": str, "created_at": str},
        pk="id", not_null={"openid", "kind", "data", "status", "created_at"},
    )
    db["applications"].create_index(["app_no"], unique=True)
    db["applications"].create_index(["openid", "status"])
    db["payments"].create(
        {"id": int, "receipt_no": str, "member_id": int, "unit_id": int, "amount": float,
         "years": int, "method": str, "note": str, "period_from": str, "period_to": str,
         "paid_at": str, "recorded_by": str, "source": str},
        pk="id", not_null={"amount", "years", "paid_at"},
        foreign_keys=[("member_id", "members", "id"), ("unit_id", "units", "id")],
    )
    db["payments"].create_index(["receipt_no"], unique=True)
    db["payments"].create_index(["member_id"])
    db["history"].create(
        {"id": int, "subject": str, "subject_id": int, "action": str, "detail": str,
         "actor": str, "reason": str, "at": str},
        pk="id", not_null={"subject", "action", "actor", "at"},
    )
    db["history"].create_index(["subject", "subject_id"])
    db["reminders_sent"].create(
        {"member_id": int, "kind": str, "period": str, "sent_at": str},
        pk=("member_id", "kind", "period"),
    )


def _newsletters(db: sqlite_utils.Database) -> None:
    """Newsletter items and resolutions, topic subscriptions, and one delivery row per (item, member)."""
    db["newsletters"].create(
        {"id": int, "item_no": str, "kind": str, "title": str, "topics": str, "audience": str,
         "summary": str, "link": str, "body": str, "publish_at": str, "source": str,
         "status": str, "created_at": str, "published_at": str},
        pk="id", not_null={"item_no", "kind", "title", "status", "created_at"},
    )
    db["newsletters"].create_index(["item_no"], unique=True)
    db["newsletters"].create_index(["kind", "publish_at"])
    db["subscriptions"].create(
        {"openid": str, "topic": str, "created_at": str},
        pk=("openid", "topic"),
    )
    db["subscriptions"].create_index(["topic"])
    db["deliveries"].create(
        {"item_id": int, "openid": str, "member_id": int, "status": str, "channel": str,
         "errcode": int, "errmsg": str, "attempts": int, "queued_at": str, "updated_at": str,
         "read_at": str},
        pk=("item_id", "openid"),
        not_null={"status"},
        defaults={"attempts": 0},
        foreign_keys=[("item_id", "newsletters", "id")],
    )
    db["deliveries"].create_index(["item_id", "status"])
    db["deliveries"].create_index(["openid", "status"])


def _payment_references(db: sqlite_utils.Database) -> None:
    """Bank references and import keys (a statement imported twice records nothing new),
    the payer's category at the time (collection by category), and the lookups of reminders."""
    payments = db["payments"]
    payments.add_column("category", str)
    payments.add_column("reference", str)
    payments.add_column("import_key", str)
    payments.add_column("recorded_at", str)
    payments.create_index(["import_key"], unique=True)
    payments.create_index(["unit_id"])
    payments.create_index(["paid_at"])
    db["members"].create_index(["paid_through"])
    db["units"].create_index(["contact_mobile"])


def _delivery_claims_and_notices(db: sqlite_utils.Database) -> None:
    """Exactly-once delivery: who holds a delivery row (`claim`, a worker's lease token)
    and which mass send it went out in (`send_ref`, the clientmsgid WeChat deduplicates by);
    and `notices`, the service notices (approval, dues, event, ticket) with the same outcome
    columns, so a notice that waits in the inbox survives a restart."""
    db["deliveries"].add_column("claim", str)
    db["deliveries"].add_column("send_ref", str)
    db["deliveries"].create_index(["status", "claim"])  # recovery looks for claimed/sending rows
    db["notices"].create(
        {"id": int, "key": str, "openid": str, "kind": str, "text": str, "status": str,
         "channel": str, "errcode": int, "errmsg": str, "attempts": int, "claim": str,
         "created_at": str, "updated_at": str},
        pk="id", not_null={"key", "openid", "kind", "text", "status", "created_at"},
        defaults={"attempts": 0},
    )
    db["notices"].create_index(["key"], unique=True)
    db["notices"].create_index(["openid", "status"])
    db["notices"].create_index(["status", "claim"])


def _ticket_desk(db: sqlite_utils.Database) -> None:
    """Tickets become the secretariat's one inbox: answers in `ticket_replies`, when a ticket
    last changed and why it was closed; requests for a person join it as tickets of category
    人工 (`human_requests` is folded in and dropped)."""
    tickets = db["tickets"]
    tickets.add_column("updated_at", str)
    tickets.add_column("closed_at", str)
    tickets.add_column("close_reason", str)
    tickets.create_index(["status", "category"])
    db.execute("update tickets set updated_at = created_at")
    db["ticket_replies"].create(
        {"id": int, "ticket_id": int, "text": str, "actor": str, "at": str},
        pk="id", not_null={"ticket_id", "text", "actor", "at"},
        foreign_keys=[("ticket_id", "tickets", "id")],
    )
    db["ticket_replies"].create_index(["ticket_id"])
    db.execute(
        "insert into tickets (openid, category, body, status, created_at, updated_at, closed_at) "
        "select openid, '人工', coalesce(nullif(message, ''), '人工服务'), "
        "case status when 'open' then 'open' else 'closed' end, created_at, created_at, "
        "case status when 'open' then null else created_at end from human_requests order by id")
    db.execute("update tickets set ticket_no = 'FK' || replace(substr(created_at, 1, 10), '-', '') "
               "|| printf('%04d', id) where ticket_no is null")
    db["human_requests"].drop()


def _events_and_registrations(db: sqlite_utils.Database) -> None:
    """The annual activity guide (one row per event, keyed by its number and by society + title +
    year so a guide imported again updates it) and registrations with their waitlist. A member
    holds at most one live registration per event: a partial unique index, so a cancelled one
    stays on record and the member may register again."""
    db["events"].create(
        {"id": int, "event_no": str, "guide_key": str, "society": str, "title": str, "type": str,
         "starts_on": str, "ends_on": str, "place": str, "organiser": str, "capacity": int,
         "signup_deadline": str, "fee": str, "description": str, "source": str,
         "created_at": str, "updated_at": str},
        pk="id", not_null={"event_no", "guide_key", "title", "type", "starts_on", "ends_on", "created_at"},
    )
    db["events"].create_index(["event_no"], unique=True)
    db["events"].create_index(["guide_key"], unique=True)
    db["events"].create_index(["starts_on"])
    db["registrations"].create(
        {"id": int, "event_id": int, "openid": str, "member_id": int, "name": str, "mobile": str,
         "work_unit": str, "status": str, "checkin_code": str, "created_at": str, "updated_at": str,
         "promoted_at": str, "cancelled_at": str, "reminded_at": str},
        pk="id", not_null={"event_id", "openid", "name", "status", "checkin_code", "created_at"},
        foreign_keys=[("event_id", "events", "id"), ("member_id", "members", "id")],
    )
    db.execute("create unique index registrations_live on registrations (event_id, openid) "
               "where status != 'cancelled'")
    db["registrations"].create_index(["event_id", "checkin_code"], unique=True)
    db["registrations"].create_index(["event_id", "status"])
    db["registrations"].create_index(["openid", "status"])


def _awards(db: sqlite_utils.Database) -> None:
    """Open calls (awards, competitions, youth-talent programmes), keyed like events by number
    and by name + deadline year; `award_reminders` claims each deadline reminder per member
    and stage (days before), so it is never sent twice."""
    db["awards"].create(
        {"id": int, "award_no": str, "guide_key": str, "kind": str, "name": str, "eligibility": str,
         "deadline": str, "how_to_apply": str, "link": str, "organiser": str, "source": str,
         "created_at": str, "updated_at": str},
        pk="id", not_null={"award_no", "guide_key", "kind", "name", "deadline", "created_at"},
    )
    db["awards"].create_index(["award_no"], unique=True)
    db["awards"].create_index(["guide_key"], unique=True)
    db["awards"].create_index(["deadline"])
    db["award_reminders"].create(
        {"award_id": int, "openid": str, "days": int, "sent_at": str},
        pk=("award_id", "openid", "days"),
        foreign_keys=[("award_id", "awards", "id")],
    )


def _jobs(db: sqlite_utils.Database) -> None:
    """Job postings; `jobs_fts`, the FTS5 index of their jieba-segmented text (open postings only),
    with `jobs_vocab` over it and `job_terms` (word -> toneless pinyin) for typo suggestions;
    keyword alerts, and `job_alerted`: which postings each member's digests already held."""
    db["jobs"].create(
        {"id": int, "job_key": str, "title": str, "employer": str, "city": str, "discipline": str,
         "education": str, "salary": str, "description": str, "how_to_apply": str, "posted_on": str,
         "expires_on": str, "source": str, "status": str, "created_at": str, "updated_at": str},
        pk="id", not_null={"job_key", "title", "employer", "city", "how_to_apply", "posted_on",
                           "expires_on", "source", "status", "created_at"},
    )
    db["jobs"].create_index(["job_key"], unique=True)
    # The newest visible postings, anywhere or in a city, read in index order and stopped at a page;
    # an index on expires_on would tempt the planner into sorting every open posting instead.
    db["jobs"].create_index(["status", "posted_on"])
    db["jobs"].create_index(["status", "city", "posted_on"])
    db["jobs"].create_index(["posted_on"])
    db.execute("create virtual table jobs_fts using fts5(title, employer, city, discipline, body)")
    db.execute("create virtual table jobs_vocab using fts5vocab(jobs_fts, 'row')")
    db["job_terms"].create({"term": str, "reading": str}, pk="term")
    db["job_terms"].create_index(["reading"])
    db["job_alerts"].create({"id": int, "openid": str, "keywords": str, "created_at": str},
                            pk="id", not_null={"openid", "keywords", "created_at"})
    db["job_alerts"].create_index(["openid", "keywords"], unique=True)
    db["job_alerted"].create({"openid": str, "job_id": int, "alerted_at": str}, pk=("openid", "job_id"),
                             foreign_keys=[("job_id", "jobs", "id")])


def _admin_console(db: sqlite_utils.Database) -> None:
    """The web console: its users (role admin, staff or unit; a unit contact has its unit_id),
    with the failed log-ins that lock an account; and `settings`, what the secretariat sets in
    the console (the council's term dates). The audit log is `history`, whose actor names the
    console user (`console:<username>`)."""
    db["admin_users"].create(
        {"id": int, "username": str, "password_hash": str, "role": str, "unit_id": int,
         "active": int, "failed_logins": int, "locked_until": str, "last_login_at": str,
         "created_at": str, "updated_at": str},
        pk="id", not_null={"username", "password_hash", "role", "active", "failed_logins", "created_at"},
        defaults={"active": 1, "failed_logins": 0},
        foreign_keys=[("unit_id", "units", "id")],
    )
    db["admin_users"].create_index(["username"], unique=True)
    db["settings"].create({"key": str, "value": str, "updated_at": str, "updated_by": str}, pk="key")


def _payment_accounts(db: sqlite_utils.Database) -> None:
    """The payer's bank account of an imported payment, so the next transfer from it is known."""
    db["payments"].add_column("account", str)
    db["payments"].create_index(["account"])


def _units_from_the_roster(db: sqlite_utils.Database) -> None:
    """A unit member brought in from the secretariat's roster may not have its credit code on file."""
    db["units"].transform(not_null={"credit_code": False})


def _misunderstood(db: sqlite_utils.Database) -> None:
    """Messages the router did not understand, for the secretariat to label (storage/misunderstood.py)."""
    db["misunderstood"].create(
        {"id": int, "member_key": str, "text": str, "guess": str, "confidence": float, "reason": str,
         "created_at": str, "label": str, "labelled_by": str, "labelled_at": str},
        pk="id", not_null={"member_key", "text", "guess", "reason", "created_at"},
    )
    db["misunderstood"].create_index(["label", "created_at"])


def _pay_orders(db: sqlite_utils.Database) -> None:
    """WeChat Pay orders placed from the member pages: one per payment attempt, keyed by the
    out_trade_no sent to WeChat Pay, with what it is for (payer, years, amount in fen, decided by
    the server from content/), its state (open, paid, closed, or refund_needed when a payment could
    not be recorded), and the receipt of the payment it became."""
    db["pay_orders"].create(
        {"id": int, "out_trade_no": str, "openid": str, "payer_kind": str, "payer_id": int,
         "payer_number": str, "purpose": str, "years": int, "amount_fen": int, "description": str,
         "status": str, "prepay_id": str, "transaction_id": str, "receipt_no": str, "note": str,
         "created_at": str, "expires_at": str, "paid_at": str, "closed_at": str, "updated_at": str},
        pk="id", not_null={"out_trade_no", "openid", "payer_kind", "payer_id", "purpose", "years",
                           "amount_fen", "status", "created_at", "expires_at"},
    )
    db["pay_orders"].create_index(["out_trade_no"], unique=True)
    db["pay_orders"].create_index(["openid", "status"])
    db["pay_orders"].create_index(["status", "expires_at"])


def _number_floors(db: sqlite_utils.Database) -> None:
    """Per numbering series, the number below which nothing is issued again (set by a restore)."""
    from storage import numbers

    numbers.create_table(db)


def _registration_check_in(db: sqlite_utils.Database) -> None:
    """When and by whom a registrant was checked in at the door (the console's check-in page)."""
    db["registrations"].add_column("checked_in_at", str)
    db["registrations"].add_column("checked_in_by", str)


def _event_fees(db: sqlite_utils.Database) -> None:
    """A registration's fee (its type and amount in fen, the WeChat Pay order and when it was paid),
    and the registration a WeChat Pay order of purpose `event` pays for."""
    registrations = db["registrations"]
    registrations.add_column("fee_type", str)
    registrations.add_column("fee_fen", int)
    registrations.add_column("pay_order", str)
    registrations.add_column("paid_at", str)
    db["pay_orders"].add_column("registration_id", int)


def _event_cancellation(db: sqlite_utils.Database) -> None:
    """An event can be called off (kept on record): status 'cancelled', when and why."""
    for column in ("status", "cancelled_at", "cancel_reason"):
        db["events"].add_column(column, str)


def _pay_refunds(db: sqlite_utils.Database) -> None:
    """A refund of a WeChat Pay order, started in the console: its number, amount, who asked and why,
    and its state (PROCESSING until WeChat Pay's refund notification says SUCCESS, or ABNORMAL/CLOSED)."""
    table = db["pay_orders"]
    for column, kind in (("refund_no", str), ("refund_fen", int), ("refund_status", str), ("refund_reason", str),
                         ("refund_by", str), ("refund_requested_at", str), ("refunded_at", str)):
        table.add_column(column, kind)
    table.create_index(["refund_no"], unique=True)


def _payment_restarts(db: sqlite_utils.Database) -> None:
    """Whether a payment continued the paid-through date it found (1) or started afresh after a
    lapse (0), so a year a lapsed member skipped is not counted as paid (null: recorded before)."""
    db["payments"].add_column("continued", int)


def _schedule_runs(db: sqlite_utils.Database) -> None:
    """Runs of the periodic jobs and their outcomes (storage/schedule.py)."""
    from storage import schedule

    schedule.create_table(db)


def _payment_refunds(db: sqlite_utils.Database) -> None:
    """A payment refunded (when, by whom, why) stays on record; the paid-through date it found, so a
    refund can give it back; an event registration whose fee was refunded."""
    for column in ("refunded_at", "refunded_by", "refund_reason", "paid_through_before"):
        db["payments"].add_column(column, str)
    db["registrations"].add_column("refunded_at", str)


def _unit_levels_and_former_names(db: sqlite_utils.Database) -> None:
    """A unit member's level (理事单位 ...: its yearly fee where a society charges by level) and the
    names it had before (原名), under which its transfers still arrive."""
    db["units"].add_column("level", str)
    db["units"].add_column("former_names", str)


def _member_title_and_gender(db: sqlite_utils.Database) -> None:
    """职称 and 性别: on the society's forms and rosters, and what members correct by chat."""
    for column in ("title", "gender"):
        db["members"].add_column(column, str)


def _remarks(db: sqlite_utils.Database) -> None:
    """备注: what a roster's remarks and its columns nobody reads say of a member or unit (退休, 出国,
    办公电话 ...), kept with the record so no text of a secretary's file is lost on import."""
    for table in ("members", "units"):
        db[table].add_column("remarks", str)


def _dues_known_to(db: sqlite_utils.Database) -> None:
    """The day a roster's dues records went up to (会费记录截至2026年8月31日) for the paid-through it
    gave: a bank transfer dated before it, for a year the roster marks paid, is that same payment."""
    for table in ("members", "units"):
        db[table].add_column("dues_known_to", str)


def _dues_unpaid(db: sqlite_utils.Database) -> None:
    """The years a roster marks unpaid between paid ones (2024 √, 2025 blank, 2026 √): the paid-through
    date cannot say them, and a later transfer naming no year may be for one of them."""
    for table in ("members", "units"):
        db[table].add_column("dues_unpaid", str)


def _job_board_version(db: sqlite_utils.Database) -> None:
    """A value every change to the job board replaces with a new random one (storage.jobs keeps
    the message path's reads keyed on it): a trigger on each change to `jobs`, which every change
    to the index and its terms goes with, and storage.jobs.reindex_postings, which rewrites the
    index alone. Random, not counted: a rolled-back change leaves the value and the board as they
    were, and the next change does not take up the value of the one rolled back."""
    db.execute("create table job_board_version (version integer not null)")
    db.execute("insert into job_board_version values (random())")
    for change in ("insert", "update", "delete"):
        db.execute(f"create trigger jobs_{change}_version after {change} on jobs "
                   "begin update job_board_version set version = random(); end")


def _ticket_assignee(db: sqlite_utils.Database) -> None:
    """The colleague a ticket was handed over to (a console username); who handed it over, when and
    with what note is its history."""
    db["tickets"].add_column("assigned_to", str)


def _delivery_version(db: sqlite_utils.Database) -> None:
    """What each push carried (a fingerprint of the item's title, summary and link as sent): who got which
    wording of an item edited while it was being sent."""
    db["deliveries"].add_column("version", str)


def _invoices(db: sqlite_utils.Database) -> None:
    """An invoice request (a ticket of the chat's 开票申请) decided in the console: issued, with the invoice's
    number and date, one row for each payment (receipt) it covers; or turned down, with the reason the member
    reads."""
    db["invoices"].create(
        {"id": int, "ticket_id": int, "receipt_no": str, "status": str, "invoice_no": str, "issued_on": str,
         "reason": str, "decided_by": str, "decided_at": str},
        pk="id", not_null={"ticket_id", "status", "decided_by", "decided_at"},
        foreign_keys=[("ticket_id", "tickets", "id")],
    )
    db["invoices"].create_index(["ticket_id"])
    db["invoices"].create_index(["receipt_no"])


def _newsletter_pictures(db: sqlite_utils.Database) -> None:
    """A newsletter's picture (配图), uploaded in the console: kept in the store (so backups, replication and each
    society's own store carry it), named by its content, and the item's `picture` naming it."""
    db["news_pictures"].create({"name": str, "mimetype": str, "data": bytes, "created_at": str}, pk="name",
                               not_null={"mimetype", "data", "created_at"})
    db["newsletters"].add_column("picture", str)


def _correction_withdraws(db: sqlite_utils.Database) -> None:
    """A correction written in the console keeps the number of the sent item it corrects, to withdraw that one
    when the correction is sent (not when its draft is saved: members would be left with neither)."""
    db["newsletters"].add_column("withdraws", str)


def _one_invoice_per_payment(db: sqlite_utils.Database) -> None:
    """At most one issued invoice for a payment (receipt), by a unique index, so two secretaries issuing at once
    cannot both record one. A store that already holds two for one payment keeps the first as issued and marks
    each later one `duplicate` (its number and date kept, shown in the console's 开票 page for finance to void
    the paper invoice): nothing is deleted and the migration never fails on them."""
    db.execute("update invoices set status = 'duplicate' where status = 'issued' and exists (select 1 from invoices "
               "earlier where earlier.status = 'issued' and earlier.receipt_no = invoices.receipt_no "
               "and earlier.id < invoices.id)")
    db.execute("create unique index invoices_one_per_receipt on invoices (receipt_no) where status = 'issued'")


def _unit_dues_exempt(db: sqlite_utils.Database) -> None:
    """A unit that pays no dues (the society's 挂靠单位, its roster row saying 免): never owed, and its transfers
    listed for a person instead of booked as dues."""
    db["units"].add_column("dues_exempt", int)


def _statement_rows_to_settle(db: sqlite_utils.Database) -> None:
    """The rows a bank statement's import left for the secretariat (held, unmatched, not read), kept after 确认登记
    until each is settled (registered by hand, not dues, sent back), so a week's work through them is not lost
    with the result page; one row of one file once, however often the file is imported."""
    db["statement_rows"].create({"id": int, "file": str, "row_no": int, "kind": str, "line": str, "created_at": str,
                                 "created_by": str, "settled_at": str, "settled_by": str, "settled_how": str,
                                 "settled_note": str}, pk="id", not_null={"file", "row_no", "kind", "line"})
    db["statement_rows"].create_index(["file", "row_no", "line"], unique=True)


MIGRATIONS = [
    _tickets_and_human_requests,
    _members,
    _newsletters,
    _payment_references,
    _delivery_claims_and_notices,
    _ticket_desk,
    _events_and_registrations,
    _awards,
    _jobs,
    _admin_console,
    _payment_accounts,
    _units_from_the_roster,
    _misunderstood,
    _pay_orders,
    _number_floors,
    _registration_check_in,
    _event_fees,
    _event_cancellation,
    _pay_refunds,
    _payment_restarts,
    _schedule_runs,
    _payment_refunds,
    _unit_levels_and_former_names,
    _member_title_and_gender,
    _remarks,
    _dues_known_to,
    _dues_unpaid,
    _job_board_version,
    _ticket_assignee,
    _delivery_version,
    _invoices,
    _newsletter_pictures,
    _correction_withdraws,
    _one_invoice_per_payment,
    _unit_dues_exempt,
    _statement_rows_to_settle,
]


def pending_migrations(db: sqlite_utils.Database, migrations: list = MIGRATIONS) -> list[int]:
    """Versions not applied yet; a read only, so every process may ask at start-up."""
    if not db["schema_migrations"].exists():
        return list(range(1, len(migrations) + 1))
    applied = {row["version"] for row in db["schema_migrations"].rows}
    return [v for v in range(1, len(migrations) + 1) if v not in applied]


def apply_migrations(db: sqlite_utils.Database, now: str, migrations: list = MIGRATIONS) -> list[str]:
    """Apply pending migrations in one write transaction; returns their names.

    Several processes start together (gunicorn workers, the CLI): the write lock
    is taken up front, so the others wait for it and then find nothing to do.
    `migrations` is the member store's list unless another file (the society
    registry, storage/societies.py) brings its own.
    """
    if not pending_migrations(db, migrations):
        return []
    done = []
    with transaction(db):
        db["schema_migrations"].create({"version": int, "name": str, "applied_at": str},
                                       pk="version", if_not_exists=True)
        for version in pending_migrations(db, migrations):  # again, now that no one else can write
            migration = migrations[version - 1]
            name = migration.__name__.strip("_")
            migration(db)
            db["schema_migrations"].insert({"version": version, "name": name, "applied_at": now})
            done.append(name)
    return done
