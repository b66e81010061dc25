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


MIGRATIONS = [
    _tickets_and_human_requests,
    _members,
    _newsletters,
    _payment_references,
]


def pending_migrations(db: sqlite_utils.Database) -> list[int]:
    db["schema_migrations"].create({"version": int, "name": str, "applied_at": str},
                                   pk="version", if_not_exists=True)
    applied = {row["version"] for row in db["schema_migrations"].rows}
    return [v for v in range(1, len(MIGRATIONS) + 1) if v not in applied]


def apply_migrations(db: sqlite_utils.Database, now: str) -> list[str]:
    """Apply pending migrations, each in its own transaction; returns their names."""
    done = []
    for version in pending_migrations(db):
        migration = MIGRATIONS[version - 1]
        name = migration.__name__.strip("_")
        with transaction(db):
            # Another process may have applied it while we waited for the write lock.
            if db["schema_migrations"].count_where("version = ?", [version]):
                continue
            migration(db)
            db["schema_migrations"].insert({"version": version, "name": name, "applied_at": now})
        done.append(name)
    return done
