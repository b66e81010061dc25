"""The member store: one SQLite file through sqlite-utils.

Every function takes the `Database` first and is named for what it does,
so a handler reads like the business rule it implements.
"""
from __future__ import annotations

import sqlite3
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path

import sqlite_utils
from sqlite_utils.utils import dedupe_keys

from storage import migrations
from storage.sqlite import transaction
from storage.unit_names import add_sql_function

BUSY_TIMEOUT_MS = 10_000


def open_database(path: Path | str, apply_migrations: bool = True,
                  busy_timeout_ms: int = BUSY_TIMEOUT_MS) -> sqlite_utils.Database:
    """Open (and migrate) the store; WAL so the bot reads while the CLI writes. `busy_timeout_ms`:
    how long a statement waits for another connection's write lock before it fails."""
    if str(path) != ":memory:":
        Path(path).parent.mkdir(parents=True, exist_ok=True)
    conn = sqlite3.connect(str(path), timeout=busy_timeout_ms / 1000, check_same_thread=False,
                           isolation_level=None)
    add_sql_function(conn)
    db = sqlite_utils.Database(conn)
    db.execute(f"PRAGMA busy_timeout = {busy_timeout_ms}")
    _use_wal(db)
    # Every commit is on the disk before it is acknowledged (the WAL fsynced per commit), whatever
    # the SQLite build's default: NORMAL syncs the WAL only at checkpoints (Litestream's, about a
    # minute apart), and a power cut would then take the last minute of acknowledged writes from the
    # local store (payments WeChat Pay will not notify again, member numbers issued again on a plain
    # restart, applications members were told are in). ~150 us of CPU a commit, docs/benchmarks.md.
    db.execute("PRAGMA synchronous = FULL")
    db.execute("PRAGMA foreign_keys = ON")
    if apply_migrations:
        migrate(db)
    return db


def _use_wal(db: sqlite_utils.Database) -> None:
    """Switch the store to WAL (a new file is not). Processes that open a new file at once race
    for the switch, and SQLite answers the loser "database is locked" at once, without waiting its
    busy timeout (two gunicorn servers started together died of it): try again until the file is
    WAL, by the winner's switch or our own, within the busy timeout."""
    deadline = time.monotonic() + BUSY_TIMEOUT_MS / 1000
    while True:
        try:
            if db.execute("PRAGMA journal_mode").fetchone()[0] == "wal":
                return
            db.execute("PRAGMA journal_mode = WAL")  # needs the file to itself
        except sqlite3.OperationalError as error:
            if "locked" not in str(error) or time.monotonic() > deadline:
                raise
            time.sleep(0.02)


class ReadOnlyRefused(BaseException):
    """Raised by a store of an answer made at once (open_reader, storage.state.AtOnceRedis) instead of
    writing outside the answer's transaction or waiting, and by a statement of that transaction that
    fails, its writes rolled back. A BaseException: no handler's `except Exception` takes it for a
    failure and carries on; the caller does the work again with stores that write (bot/webhook.py
    answers a message at once this way)."""


# What a read may do: select, read columns, call functions, recurse, read the schema, and open a
# savepoint (sqlite-utils' query() reads inside one; a savepoint takes no lock until a write).
_READ_ACTIONS = {sqlite3.SQLITE_SELECT, sqlite3.SQLITE_READ, sqlite3.SQLITE_FUNCTION, sqlite3.SQLITE_RECURSIVE,
                 sqlite3.SQLITE_SAVEPOINT}
_READ_PRAGMAS = {"table_info", "table_xinfo", "index_list", "index_info", "index_xinfo", "foreign_key_list",
                 "data_version"}  # FTS5 reads this when it opens its index (a job search)
READER_BUSY_TIMEOUT_MS = 200  # a reader that would wait longer for a lock gives the work back


class _Reader(sqlite3.Connection):
    """A connection that runs only reads, but for an answer made at once (open_answer). SQLite's
    authorizer refuses any other statement when it is prepared (nothing is written); every error
    comes out as ReadOnlyRefused, and a refusal some handler caught anyway is remembered (`refused`,
    see refused_anything).

    SQLite asks the authorizer only when it prepares a statement, and sqlite3 keeps prepared
    statements by their text: so the authorizer also notes which texts write or begin or end a
    transaction (`_noted`), and execute() decides on those before they run again. In an answer the
    first write begins the answer's transaction; a store function's own BEGIN and COMMIT inside it
    do nothing (it commits with the answer), and its ROLLBACK gives the answer up."""

    refused = False
    writes: bool | str = False  # True in an answer (open_answer), "freely" in write_freely
    _sql = None  # the statement _run() runs, for the authorizer
    _own = False  # the answer's own BEGIN, COMMIT or ROLLBACK

    def _authorize(self, action, arg1, _arg2, _database, _trigger):
        if (action in _READ_ACTIONS or (action == sqlite3.SQLITE_PRAGMA and arg1 in _READ_PRAGMAS)
                # a table-valued function's first use (json_each) asks this; a real schema change
                # would also ask for its CREATE/DROP/ALTER, which stay refused
                or (action == sqlite3.SQLITE_UPDATE and arg1 == "sqlite_master") or self._own
                or self.writes == "freely"):
            return sqlite3.SQLITE_OK
        if action == sqlite3.SQLITE_TRANSACTION:
            self._noted[self._sql] = arg1
        else:
            self._noted[self._sql] = "write"
            if self.writes and self.in_transaction:
                return sqlite3.SQLITE_OK
        self.refused = True
        return sqlite3.SQLITE_DENY

    def execute(self, *args):  # _run for a statement not noted, inline: every read of an answer made at once
        if args[0] in self._noted:
            return self._run(_EXECUTE, args)
        refused, self._sql = self.refused, args[0]
        try:
            return _EXECUTE(self, *args)
        except sqlite3.Error as error:
            return self._refused(_EXECUTE, args, None, error, refused)
        finally:
            self._sql = None

    def executemany(self, *args):
        return self._run(_EXECUTEMANY, args)

    def cursor(self, factory=None):
        return super().cursor(factory or _ReaderCursor)

    def executescript(self, *args):
        self.refused = True
        raise ReadOnlyRefused("executescript")

    def _run(self, method, args, on=None):
        """`method(on or self, *args)` as decided for its statement; `on`: a cursor of this connection."""
        sql = args[0]
        noted = self._noted.get(sql)
        if noted is not None and not self._ready(noted):
            return self.cursor()
        refused, self._sql = self.refused, sql
        try:
            return method(on or self, *args)
        except sqlite3.Error as error:
            if noted is not None:
                self.refused = True
                raise ReadOnlyRefused(str(error)) from None
            return self._refused(method, args, on, error, refused)
        finally:
            self._sql = None

    def _refused(self, method, args, on, error: sqlite3.Error, refused: bool):
        """A statement not noted before that failed: refused at first sight only to be noted (a write in an
        answer) runs again as noted; else refused, locked, or an error the writing store will meet too."""
        self._sql = None
        if self.writes is True and args[0] in self._noted:
            self.refused = refused
            return self._run(method, args, on)
        self.refused = True
        raise ReadOnlyRefused(str(error)) from None

    def _ready(self, noted: str) -> bool:
        """Before a statement noted as a write or a transaction's runs again: refused outside an answer,
        and the answer's transaction begun for it; False for a store function's BEGIN or COMMIT, which
        the answer's transaction stands for."""
        if self.writes == "freely":
            return True
        if not self.writes or noted == "ROLLBACK":
            self.refused = True
            raise ReadOnlyRefused(f"{noted} outside the answer's transaction")
        if not self.in_transaction:
            self.own("BEGIN IMMEDIATE")  # waits for another's write lock no longer than the busy timeout
        return noted == "write"

    def own(self, sql: str) -> None:
        """The answer's own BEGIN IMMEDIATE, COMMIT or ROLLBACK, by a text no store function uses (sqlite3
        keeps prepared statements by their text); a failure is ReadOnlyRefused."""
        self._own = True
        try:
            _EXECUTE(self, f"{sql} /* the answer's */")
        except sqlite3.Error as error:
            self.refused = True
            raise ReadOnlyRefused(str(error)) from None
        finally:
            self._own = False


_EXECUTE, _EXECUTEMANY = sqlite3.Connection.execute, sqlite3.Connection.executemany


class _ReaderCursor(sqlite3.Cursor):
    """A cursor of a _Reader, whose statements it decides on as its own (a handler's cursor of its own)."""

    def execute(self, *args):
        return self.connection._run(sqlite3.Cursor.execute, args, self)

    def executemany(self, *args):
        return self.connection._run(sqlite3.Cursor.executemany, args, self)


def open_reader(path: Path | str) -> sqlite_utils.Database:
    """A connection to the store (already migrated) that only reads but in an answer (open_answer), and
    waits for no lock for long: see _Reader and ReadOnlyRefused."""
    conn = sqlite3.connect(str(path), timeout=READER_BUSY_TIMEOUT_MS / 1000, check_same_thread=False,
                           isolation_level=None, factory=_Reader)
    conn._noted = {}  # statement -> "write", "BEGIN", "COMMIT" or "ROLLBACK" (see _Reader)
    add_sql_function(conn)
    db = sqlite_utils.Database(conn)  # which sets a pragma: before the authorizer
    db.execute("PRAGMA synchronous = FULL")  # as open_database, for the writes of an answer
    db.execute("PRAGMA foreign_keys = ON")
    conn.set_authorizer(conn._authorize)
    return db


def open_answer(db: sqlite_utils.Database) -> None:
    """Writes allowed on a reader (open_reader) for one answer made at once, until close_answer: all in
    one transaction begun at the first (BEGIN IMMEDIATE: another connection's write lock waited for
    no longer than the reader's busy timeout), kept only if the answer is: a ticket numbered in the
    reply and the reply's other writes, made once whether the answer is kept or given up. The store
    functions' own transactions (storage.sqlite.transaction) join it. A lock not had in time, and
    any failed statement, is ReadOnlyRefused, for the pool to answer again; the write lock is held
    from the first write to close_answer. (Two calls, not a context manager: a generator's costs an
    answer three times the instructions.)"""
    db.conn.writes = True


def write_freely(db: sqlite_utils.Database, write) -> None:
    """`write(db)` on a reader (open_reader) as on a writing store, its statements as they come (a write
    made after a reply, one statement: no transaction of an answer around it), the write lock waited
    for no longer than the reader's busy timeout; a failure is ReadOnlyRefused."""
    conn = db.conn
    conn.writes = "freely"
    try:
        write(db)
    finally:
        conn.writes = False


def close_answer(db: sqlite_utils.Database, keep: bool) -> None:
    """The answer's writes (open_answer) kept or dropped, and writes refused again. A COMMIT that fails
    is ReadOnlyRefused, nothing written."""
    conn = db.conn
    conn.writes = False
    if conn.in_transaction:
        try:
            conn.own("COMMIT" if keep else "ROLLBACK")
        finally:
            if conn.in_transaction:  # a COMMIT that failed
                conn.own("ROLLBACK")


def refused_anything(db: sqlite_utils.Database) -> bool:
    """Whether a reader (open_reader) refused a statement since this was last asked."""
    refused, db.conn.refused = db.conn.refused, False
    return refused


def migrate(db: sqlite_utils.Database) -> list[str]:
    return migrations.apply_migrations(db, now_iso())


def first_of(rows) -> dict | None:
    """The first of the rows a sqlite-utils read yields, or None when there is none."""
    return next(iter(rows), None)


def first_row(db: sqlite_utils.Database, sql: str, params=()) -> dict | None:
    """The first row `sql` selects, as a dict, in one statement: for reads on a member's message,
    where sqlite-utils' rows_where first reads the schema (the table's existence) and query()
    wraps the read in a savepoint (three statements)."""
    cursor = db.execute(sql, params)
    row = cursor.fetchone()
    return dict(zip([column[0] for column in cursor.description], row)) if row else None


def all_rows(db: sqlite_utils.Database, sql: str, params=()) -> list[dict]:
    """Every row `sql` selects, as dicts keyed as sqlite-utils keys them, in one statement: for
    reads on a member's message, where `db[table]` first reads the schema (is the name a view?)
    and rows_where() reads it again (does the table exist?), ~100 us a read, and query() wraps the
    read in a savepoint (three statements)."""
    cursor = db.execute(sql, params)
    keys = dedupe_keys(column[0] for column in cursor.description)
    return [dict(zip(keys, row)) for row in cursor.fetchall()]


def insert_row(db: sqlite_utils.Database, table: str, row: dict) -> int:
    """INSERT one row of the columns given; its rowid. One statement, for writes on a member's
    message: sqlite-utils' insert() reads the schema first (the table's existence, and its
    columns for a later update() by primary key). `table` and the keys are the caller's names."""
    columns = ", ".join(row)
    marks = ", ".join("?" * len(row))
    return db.execute(f"insert into {table} ({columns}) values ({marks})", list(row.values())).lastrowid


@contextmanager
def scratch_copy(db: sqlite_utils.Database) -> Iterator[sqlite_utils.Database]:
    """A private copy of the store, to try writes on and throw away: a preview that works out each step
    over the ones before it (a workbook's second sheet over its first). Trying them on the store itself
    held its write lock for the whole preview, and members' messages that write waited. The copy is a
    file beside the store (a store of 100,000 members is some 40 MB: in memory it took as much of the
    server's), read in one step, so it is the store at one moment; written without a journal or syncs
    (nothing of it is kept), and deleted after."""
    store_file = db.conn.execute("PRAGMA database_list").fetchone()[2]  # "" for a store in memory
    with tempfile.TemporaryDirectory(prefix=".scratch-", dir=Path(store_file).parent if store_file else None) \
            as scratch:
        copy = sqlite_utils.Database(sqlite3.connect(Path(scratch) / "copy.sqlite3", check_same_thread=False,
                                                     isolation_level=None))
        add_sql_function(copy.conn)
        try:
            db.conn.backup(copy.conn)
            copy.execute("PRAGMA journal_mode = OFF")
            copy.execute("PRAGMA synchronous = OFF")
            copy.execute("PRAGMA foreign_keys = ON")
            yield copy
        finally:
            copy.close()


def take_and_release_write_lock(db: sqlite_utils.Database) -> None:
    """Take SQLite's write lock and give it back at once: proves the store is writable and that
    no other process holds the lock past the busy timeout (raises sqlite3.OperationalError)."""
    db.execute("BEGIN IMMEDIATE")
    db.execute("ROLLBACK")


def now_iso() -> str:
    return datetime.now(timezone.utc).astimezone().isoformat(timespec="seconds")


def local_month(value: str) -> str:
    """SQL: the society's month (YYYY-MM) of a stored date or stamp, `value` an SQL expression. A stamp
    with its offset (written by a server kept in UTC, or given in UTC) is read in the society's zone, the
    process's local time (bot.clock.use_society_zone); a date, or a stamp without an offset, as written."""
    return (f"(case when {value} glob '*[+-][0-9][0-9]:[0-9][0-9]' or {value} glob '*Z' "
            f"then strftime('%Y-%m', {value}, 'localtime') else substr({value}, 1, 7) end)")
