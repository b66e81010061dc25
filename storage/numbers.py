"""Numbers handed to people (SQ…, FK…, SJ…, member numbers) are never handed out twice.

Every such number is allocated from the store itself: applications and tickets from the row
id (SQ2026 + id, FK20261206 + id), the others as `max(existing) + 1` per prefix
(storage.members.next_number). A restore rolls the store back, so both would hand the lost
numbers out again, to someone else. `number_floors` keeps, per series, a number below which
nothing is allocated any more; a restore (storage.backups) raises the floors to the high-water
mark of every copy it can still read, plus a margin when the live store is gone with the
machine. A gap in the numbering is fine; a receipt number printed twice is not.
"""
from __future__ import annotations

import re
from datetime import date

import sqlite_utils

# Numbers made from the row id: the table's next id is the next number.
ROW_SERIES = ("applications", "tickets")
# Numbers made as prefix + sequence (the prefix ends with a year): table, column.
PREFIX_SERIES = (("payments", "receipt_no"), ("members", "member_no"), ("units", "unit_no"),
                 ("awards", "award_no"), ("events", "event_no"))
_PREFIXED = re.compile(r"^(\D+)(\d{4})(\d+)$")


def create_table(db: sqlite_utils.Database) -> None:
    db["number_floors"].create({"series": str, "floor": int, "reason": str, "updated_at": str},
                               pk="series", if_not_exists=True)


def floor(db: sqlite_utils.Database, series: str) -> int:
    row = db.execute("select floor from number_floors where series = ?", [series]).fetchone()
    return row[0] if row else 0


def next_row_id(db: sqlite_utils.Database, table: str) -> int:
    """The id the next row of `table` gets: above every row and above the floor. In a transaction."""
    row = db.execute(f"select max(id) from {table}").fetchone()
    return max(row[0] or 0, floor(db, f"{table}.id")) + 1


def prefix_series(table: str, column: str, prefix: str) -> str:
    return f"{table}.{column}:{prefix}"


def high_water(db: sqlite_utils.Database, today: date | None = None) -> dict[str, int]:
    """Per series, the highest number this store has issued (or been told to skip to)."""
    marks: dict[str, int] = {}
    tables = set(db.table_names())
    for table in ROW_SERIES:
        if table in tables:
            marks[f"{table}.id"] = db.execute(f"select coalesce(max(id), 0) from {table}").fetchone()[0]
    for table, column in PREFIX_SERIES:
        if table not in tables:
            continue
        for (value,) in db.execute(f"select {column} from {table} where {column} is not null"):
            match = _PREFIXED.match(value)
            if match:
                series = prefix_series(table, column, match.group(1) + match.group(2))
                marks[series] = max(marks.get(series, 0), int(match.group(3)))
    if "number_floors" in tables:
        for series, value in db.execute("select series, floor from number_floors"):
            marks[series] = max(marks.get(series, 0), value)
    # This year's prefix of each series too: numbers of a new year may be all that was lost.
    year = str((today or date.today()).year)
    for series in list(marks):
        if ":" in series:
            head, prefix = series.split(":", 1)
            match = _PREFIXED.match(prefix + "1")
            if match:
                marks.setdefault(f"{head}:{match.group(1)}{year}", 0)
    return marks


def merge(*marks: dict[str, int]) -> dict[str, int]:
    merged: dict[str, int] = {}
    for one in marks:
        for series, value in one.items():
            merged[series] = max(merged.get(series, 0), value)
    return merged


def raise_floors(db: sqlite_utils.Database, marks: dict[str, int], margin: int, reason: str,
                 at: str) -> dict[str, int]:
    """Set each series' floor to at least mark + margin; returns the floors now in force."""
    from storage.sqlite import transaction

    create_table(db)
    floors = {}
    with transaction(db):
        for series, mark in sorted(marks.items()):
            value = max(mark + margin, floor(db, series))
            db.execute("insert into number_floors (series, floor, reason, updated_at) values (?, ?, ?, ?) "
                       "on conflict(series) do update set floor = excluded.floor, reason = excluded.reason, "
                       "updated_at = excluded.updated_at", [series, value, reason, at])
            floors[series] = value
    return floors
