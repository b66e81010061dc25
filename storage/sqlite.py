"""SQLite transaction helper shared by the store and its migrations."""
from __future__ import annotations

from contextlib import contextmanager

import sqlite_utils


@contextmanager
def transaction(db: sqlite_utils.Database):
    """One write transaction, taken up front so concurrent writers queue instead of failing.

    Nested use joins the outer transaction, so store functions compose.
    """
    if db.conn.in_transaction:
        yield
        return
    db.execute("BEGIN IMMEDIATE")
    try:
        yield
        db.execute("COMMIT")
    except BaseException:
        if db.conn.in_transaction:  # also a COMMIT refused (a deferred foreign key, SQLITE_BUSY): never left open
            db.execute("ROLLBACK")
        raise
