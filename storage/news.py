"""Newsletter items, topic subscriptions, and who receives an item.

Items are keyed by `item_no` (the file name), so storing the same file twice
changes nothing and storing an edited file updates the one item. Topics and
audience are JSON in the row and lists/dicts in what these functions return.

Recipients are one SQL query: members in id order, each probed in
`subscriptions` by its primary key (openid, topic). Most members are active
and reachable, so an index on those columns would not narrow anything; the
rowid-order scan also gives the result in member order without a sort. At
100,000 members it takes about 0.1 s (a resolution to all, or one topic).
"""
from __future__ import annotations

import json

import sqlite_utils

from storage.database import all_rows, first_of, now_iso
from storage.sqlite import transaction

STORED_FIELDS = ("kind", "title", "topics", "audience", "summary", "link", "body", "publish_at", "source", "picture")
PUBLISHED, DRAFT, WITHDRAWN = "published", "draft", "withdrawn"  # members see only the published


def _item(row: dict | None) -> dict | None:
    if row is not None:
        row = dict(row, topics=json.loads(row["topics"] or "[]"),
                   audience=json.loads(row["audience"]) if row["audience"] else None)
    return row


def _stored_form(item: dict) -> dict:
    row = {name: item.get(name) if name == "picture" else item[name] for name in STORED_FIELDS}  # a picture: if any
    row["topics"] = json.dumps(item["topics"], ensure_ascii=False)
    row["audience"] = json.dumps(item["audience"], ensure_ascii=False) if item["audience"] else None
    return row


# --- items --------------------------------------------------------------------------

def save_item(db: sqlite_utils.Database, item: dict, status: str = PUBLISHED) -> tuple[dict, str]:
    """Store a parsed item by its item_no; returns it and `created`, `updated` or `unchanged`.

    An item without a publish time is dated when first stored and keeps that date. A new item is
    stored with `status` (the console's are drafts until sent); a stored one keeps its own.
    """
    with transaction(db):
        existing = _first_row(db, "item_no = ?", [item["item_no"]])
        row = _stored_form(item)
        if existing is None:
            now = now_iso()
            row.update(item_no=item["item_no"], status=status, created_at=now,
                       published_at=now if status == PUBLISHED else None, publish_at=row["publish_at"] or now)
            db["newsletters"].insert(row)
            outcome = "created"
        else:
            row["publish_at"] = row["publish_at"] or existing["publish_at"]
            changes = {k: v for k, v in row.items() if existing[k] != v}
            if changes:
                db["newsletters"].update(existing["id"], changes)
            outcome = "updated" if changes else "unchanged"
    return find_item(db, item["item_no"]), outcome


def set_withdraws(db: sqlite_utils.Database, item_id: int, original_no: str | None) -> None:
    """The sent item a correction withdraws once it is sent (None: it leaves the original as it is)."""
    db["newsletters"].update(item_id, {"withdraws": original_no})


def publish_item(db: sqlite_utils.Database, item_id: int) -> None:
    """A draft becomes visible to members, dated now (a published item is left as it is)."""
    now = now_iso()
    db.execute("update newsletters set status = ?, published_at = ?, publish_at = ? where id = ? and status = ?",
               [PUBLISHED, now, now, item_id, DRAFT])


def withdraw_item(db: sqlite_utils.Database, item_id: int) -> None:
    """Members no longer see the item; the console keeps it, marked withdrawn."""
    db["newsletters"].update(item_id, {"status": WITHDRAWN})


def same_title_since(db: sqlite_utils.Database, title: str, since: str) -> list[dict]:
    """Items of this title stored at or after `since` (ISO), newest first, withdrawn ones left out."""
    rows = all_rows(db, "select * from newsletters where title = ? and created_at >= ? and status != ? "
                        "order by id desc", [title, since, WITHDRAWN])
    return [_item(row) for row in rows]


def _first_row(db: sqlite_utils.Database, where: str, params: list) -> dict | None:
    return first_of(db["newsletters"].rows_where(where, params, limit=1))


def find_item(db: sqlite_utils.Database, key: str | int) -> dict | None:
    """An item by its item_no, or by its id (what the chat and the delivery rows use)."""
    row = _first_row(db, "item_no = ?", [str(key)])
    text = str(key)
    if row is None and text.isascii() and text.isdigit() and len(text) <= 19 and int(text) < 2**63:  # an id SQLite holds
        row = _first_row(db, "id = ?", [int(text)])
    return _item(row)


def stored_item_nos(db: sqlite_utils.Database) -> set[str]:
    return {row[0] for row in db.execute("select item_no from newsletters")}


def latest_items(db: sqlite_utils.Database, kind: str | None = None, topic: str | None = None,
                 offset: int = 0, limit: int = 5, all_items: bool = False,
                 reader: str | None = None, word: str | None = None) -> list[dict]:
    """Items newest first; members see only those whose publish time has come and, given the
    `reader`'s openid, only those meant for everyone or whose audience names the reader; with
    `word`, only those whose title or summary has it. `all_items` (the console's and `news list`): those to come, drafts
    and withdrawn items too."""
    where, params = [] if all_items else ["status = 'published'"], []
    if not all_items:
        where.append("julianday(publish_at) <= julianday(?)")
        params.append(now_iso())
    if reader is not None:
        where.append(_FOR_READER)
        params.append(reader)
    if kind:
        where.append("kind = ?")
        params.append(kind)
    if topic:
        where.append("exists (select 1 from json_each(newsletters.topics) where value = ?)")
        params.append(topic)
    if word:
        where.append("(instr(title, ?) > 0 or instr(coalesce(summary, ''), ?) > 0)")
        params += [word, word]
    rows = all_rows(db, f"select * from newsletters where {' and '.join(where) or '1'} "
                        "order by julianday(publish_at) desc, id desc limit ? offset ?", [*params, limit, offset])
    return [_item(row) for row in rows]


# An item is for its reader when it names no audience, or the reader is an active member the
# audience names (every filter given: category, discipline words, unit), as `recipients` reads it.
_FOR_READER = """(audience is null or exists (select 1 from members m where m.openid = ? and m.status = 'active'
  and (json_extract(newsletters.audience, '$.category') is null
       or m.category in (select value from json_each(newsletters.audience, '$.category')))
  and (json_extract(newsletters.audience, '$.discipline') is null
       or exists (select 1 from json_each(newsletters.audience, '$.discipline') d
                  where instr(m.discipline, d.value) > 0))
  and (json_extract(newsletters.audience, '$.unit') is null
       or m.unit_id in (select u.id from units u
                        where u.unit_no in (select value from json_each(newsletters.audience, '$.unit'))))))"""


def is_for_reader(db: sqlite_utils.Database, item_id: int, reader: str) -> bool:
    """Whether the member `reader` may read a published item (its time come, its audience theirs)."""
    sql = ("select 1 from newsletters where id = ? and status = 'published' "
           f"and julianday(publish_at) <= julianday(?) and {_FOR_READER}")
    return db.execute(sql, [item_id, now_iso(), reader]).fetchone() is not None


def items_by_id(db: sqlite_utils.Database, item_ids: list[int]) -> list[dict]:
    """Items in the order of the ids given (e.g. a member's inbox)."""
    marks = ",".join("?" * len(item_ids))
    found = {row["id"]: _item(row) for row in all_rows(db, f"select * from newsletters where id in ({marks})", item_ids)}
    return [found[i] for i in item_ids if i in found]


# --- pictures -------------------------------------------------------------------------

def keep_picture(db: sqlite_utils.Database, name: str, mimetype: str, data: bytes) -> None:
    """Store a newsletter's picture under its name (one of its content: the same picture twice is one row, dated
    by its last upload, from which the news_pictures job counts its days)."""
    with transaction(db):
        db["news_pictures"].upsert({"name": name, "mimetype": mimetype, "data": data, "created_at": now_iso()},
                                   pk="name")


def find_picture(db: sqlite_utils.Database, name: str) -> dict | None:
    return first_of(db.query("select * from news_pictures where name = ? limit 1", [name]))


def forget_unused_pictures(db: sqlite_utils.Database, uploaded_before: str) -> int:
    """Delete the pictures uploaded before `uploaded_before` that no item names (a form left unsaved, a picture
    replaced); returns how many."""
    with transaction(db):
        return db.execute("delete from news_pictures where datetime(created_at) < datetime(?) and name not in "
                          "(select picture from newsletters where picture is not null)", [uploaded_before]).rowcount


# --- subscriptions -------------------------------------------------------------------

def topics_of(db: sqlite_utils.Database, openid: str) -> list[str]:
    return [row["topic"] for row in all_rows(db, "select topic from subscriptions where openid = ? order by topic", [openid])]


def subscribe(db: sqlite_utils.Database, openid: str, topics) -> list[str]:
    """Add topics; returns those that were not subscribed before."""
    with transaction(db):
        held = topics_of(db, openid)
        new = [t for t in topics if t not in held]
        for topic in new:
            db.execute("insert or ignore into subscriptions (openid, topic, created_at) values (?, ?, ?)",
                       [openid, topic, now_iso()])
    return new


def subscribed_since(db: sqlite_utils.Database, openid: str, since: str) -> bool:
    """Whether the member added a topic or a job alert at `since` (an ISO stamp as now_iso gives) or later."""
    return db.execute("select exists(select 1 from subscriptions where openid = ? and created_at >= ?)"
                      " or exists(select 1 from job_alerts where openid = ? and created_at >= ?)",
                      [openid, since, openid, since]).fetchone()[0] == 1


def unsubscribe(db: sqlite_utils.Database, openid: str, topics) -> list[str]:
    """Remove topics; returns those that were subscribed."""
    with transaction(db):
        gone = [t for t in topics_of(db, openid) if t in topics]
        for topic in gone:
            db["subscriptions"].delete((openid, topic))
    return gone


def subscribe_unless_subscribed(db: sqlite_utils.Database, openid: str, topics: list[str]) -> list[str]:
    """Subscribe to `topics` a member who has no subscriptions; one who has keeps their own choice."""
    with transaction(db):
        if topics_of(db, openid):
            return []
        return subscribe(db, openid, topics)


# --- recipients ----------------------------------------------------------------------

def recipients(db: sqlite_utils.Database, item: dict) -> list[tuple[str, int]]:
    """(openid, member_id) of everyone the item goes to, in member order.

    Active members who follow the account (an openid, not unfollowed: WeChat
    refuses anything sent after an unfollow). A newsletter also needs one of
    its topics subscribed and must match every audience filter given: category,
    discipline (the member's discipline contains one of the words), unit (the
    unit member's number). A resolution goes to all of them (三议一公布).
    """
    audience, params = _audience_sql(item)
    subscribed, topics = _subscribed_sql(item)
    where = " and ".join(["m.reachable = 1", "m.openid is not null", subscribed, *audience])
    sql = f"select m.openid, m.id from members m where m.status = 'active' and {where} order by m.id"
    return [(openid, member_id) for openid, member_id in db.execute(sql, [*topics, *params])]


def _subscribed_sql(item: dict) -> tuple[str, list]:
    """The condition "subscribes to one of the item's topics" (always true for a resolution)."""
    if item["kind"] == "resolution":
        return "1", []
    return ("exists (select 1 from subscriptions s where s.openid = m.openid and s.topic in "
            f"({','.join('?' * len(item['topics']))}))"), list(item["topics"])


def _audience_sql(item: dict) -> tuple[list[str], list]:
    """The conditions of the item's audience filters (category, discipline, unit), and their params."""
    where: list[str] = []
    params: list = []
    audience = (item["audience"] or {}) if item["kind"] != "resolution" else {}
    if "category" in audience:
        where.append(f"m.category in ({','.join('?' * len(audience['category']))})")
        params += audience["category"]
    if "discipline" in audience:
        where.append("(" + " or ".join("instr(m.discipline, ?) > 0" for _ in audience["discipline"]) + ")")
        params += audience["discipline"]
    if "unit" in audience:
        where.append("m.unit_id in (select id from units where unit_no in "
                     f"({','.join('?' * len(audience['unit']))}))")
        params += audience["unit"]
    return where, params


def reach(db: sqlite_utils.Database, item: dict) -> dict:
    """Of the active members the item's audience names, how many it reaches and why the others not:
    {"members", "reachable", "not_bound" (no WeChat bound), "unfollowed", "not_subscribed"}."""
    audience, params = _audience_sql(item)
    subscribed, topics = _subscribed_sql(item)
    where = ["m.status = 'active'", *audience]
    sql = ("select count(*), "
           "coalesce(sum(m.openid is null), 0), "
           "coalesce(sum(m.openid is not null and m.reachable = 0), 0), "
           f"coalesce(sum(m.openid is not null and m.reachable = 1 and not ({subscribed})), 0) "
           f"from members m where {' and '.join(where)}")
    members, not_bound, unfollowed, not_subscribed = db.execute(sql, [*topics, *params]).fetchone()
    return {"members": members, "not_bound": not_bound, "unfollowed": unfollowed,
            "not_subscribed": not_subscribed, "reachable": members - not_bound - unfollowed - not_subscribed}


def missing_units(db: sqlite_utils.Database, unit_nos: list[str]) -> list[str]:
    """The unit numbers of an audience that name no unit member."""
    marks = ",".join("?" * len(unit_nos))
    known = {row[0] for row in db.execute(f"select unit_no from units where unit_no in ({marks})", unit_nos)}
    return [n for n in unit_nos if n not in known]
