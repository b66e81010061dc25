"""Moving a society from one host to another (past one machine: docs/platform.md, "Moving a society").

A society lives on one host: its SQLite file, its registry row (with the authoriser refresh token)
and what the province keeps for it (filings and their reviews, settings, previews and notices it
received). Its queues and Redis keys are in the shared Redis and have no host: they stay where they
are, and the new host's workers take the queued jobs once its registry holds the society.

`python -m bot societies move <appid> --to <host>` runs on the old host (the first copy of step 3
is made and staged before step 1):
  1. freeze: `xh:moving:<appid>` in Redis. Every host holds the society's requests (messages, member
     pages, console) before they touch anything, polling until the move ends (up to
     `move_hold_seconds`, under WeChat's 5 s); the old host's workers stop taking its jobs (a job taken
     at that moment is put back at the front of its queue);
  2. drain: wait until nothing of the society runs any more on the old host: no member's message
     holds its lock (`lock:*`, kept until the handler's late work is done too), no console or member
     page request is marked busy (`busy:*`), no secretariat command runs (`command:*`; one started
     during the move is refused, holding.command_running), no job of its queues is started;
  3. copy: before the hold, SQLite's backup API makes a consistent copy of the store, sent through
     Redis in chunks (the one thing the hosts share) and staged by the new host (asked through its
     queue `shard:<name>`, bot/platform/shards.py) after checking its SHA-256; inside the hold a second
     copy, of which only the pages that changed since the first travel (a backup-API copy is the
     store page for page); the new host patches its staged copy, checks the whole file's SHA-256, puts
     it in place as its societies/<appid>/bot.sqlite3 and registers the society with its old row and
     its province records (filings renumbered there; every host renumbers the previews it recorded of
     them);
  4. the old host forgets it (registry row and province records; its folder set aside as
     `societies/moved-<appid>-<time>`), notes `xh:moved:<appid>` for a day, runs the proxy's
     command (`--proxy-command`: write the map again and reload nginx) and lifts the freeze.

When the new host's answer does not come in time (a loaded host, a slow disk), the two hosts agree on
the outcome through Redis: the new host claims the move (`xh:move-outcome:<move>`) just before it puts
the copy in place, the old host claims it for abandoning when it stops waiting; whichever comes first
decides. Abandoned: the new host never adopts that copy, even late, and the society stays here.
Claimed by the new host: the old host waits for it to finish adopting and then completes the move
(or, if it rolled back, lifts the freeze). If the new host never says and does not answer when asked
whether it keeps the society, the freeze is kept until the same move is run again and asks it.

No message is lost or answered twice: a message held during the freeze is answered by whichever host
keeps the society when it ends; one that reaches the old host after the move (the proxy not reloaded
yet) is held past WeChat's deadline and never answered there, so WeChat tries again (3 tries in all)
and the retry reaches the new host; a retry of a message the old host answered finds its reply in the
shared Redis (dedupe) and is not handled again.
"""
from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import tempfile
import time
import uuid
from datetime import datetime, timezone
from pathlib import Path

import redis
from rq.registry import StartedJobRegistry

from bot.config import Config
from bot.outbound import QUEUE_NAME, URGENT_QUEUE_NAME
from bot.platform.holding import BUSY_PART, COMMAND_PART, MOVED_PREFIX, MOVING_PREFIX, POLL_SECONDS
from bot.platform.shards import HostsUnavailable, ask_every_host, ask_host, host_question, known_hosts
from storage import backups, province, societies
from storage.accounts import key_prefix, queue_name, serving_account

TRANSFER_PREFIX = "xh:move-transfer:"  # + appid: the store's chunks on their way to the new host
OUTCOME_PREFIX = "xh:move-outcome:"  # + move id: who decided a move (the new host adopting it, or the old giving up)
ADOPTING, ADOPTED, ROLLED_BACK, ABANDONED = "adopting", "adopted", "rolled_back", "abandoned"
FREEZE_SECONDS = 600  # a move that died mid-way leaves its freeze this long at most (an undecided one: kept)
MOVED_SECONDS = 86400
CHUNK_BYTES = 4 * 2**20
GRACE_SECONDS = 1.0  # a request or job that passed the freeze check just before it shows its mark by then


class MoveRefused(ValueError):
    """The move cannot go ahead (or stopped before anything changed): `reason` is a key under
    [platform_cli.move.refused] in content, `facts` its fields."""

    def __init__(self, reason: str, **facts):
        super().__init__(reason)
        self.reason, self.facts = reason, facts


class MoveUndecided(MoveRefused):
    """The new host began adopting the society, never said how that ended and does not answer: which
    host keeps it is not known, so the freeze stays, without end (nothing serves the society twice),
    until the same move, run again, settles it by asking the new host."""


def _queues_of(appid: str) -> list[str]:
    with serving_account(appid):
        return [queue_name(URGENT_QUEUE_NAME), queue_name(QUEUE_NAME)]


def _running_here(r: redis.Redis, appid: str) -> list[str]:
    """What of the society still runs: members' messages, web requests, secretariat commands, started jobs."""
    with serving_account(appid):
        prefix = key_prefix()
    queues = _queues_of(appid)
    running = []
    for part, what in (("lock:", "messages"), (BUSY_PART, "pages"), (COMMAND_PART, "commands")):
        if next(r.scan_iter(match=f"{prefix}{part}*", count=10000), None) is not None:
            running.append(what)
    if any(StartedJobRegistry(name, connection=r).count for name in queues):
        running.append("jobs")
    return running


def queued_jobs(r: redis.Redis, appid: str) -> int:
    """Jobs waiting in the society's queues (in the shared Redis: the new host's workers take them)."""
    return sum(r.llen(f"rq:queue:{name}") for name in _queues_of(appid))


def move_society(config: Config, r: redis.Redis, appid: str, to_host: str, drain_seconds: float = 60,
                 proxy_command: str | None = None) -> dict:
    """Move the society kept here to `to_host` (see the module's docstring); what was done and how long
    the society was held. MoveRefused before anything changed (the freeze lifted again); MoveUndecided
    when the new host began adopting it and never said how that ended (the freeze kept: run the same
    move again once that host answers, and it is settled by asking it)."""
    registry = societies.open_registry(societies.registry_path(config.data_dir))
    try:
        society = _movable(config, r, registry, appid, to_host)
        store = Path(society["database_path"])
        undecided = _undecided_move(r, config, appid, to_host)
        if undecided:
            received = _settled(config, r, appid, to_host, undecided)
            return {**_hand_over(config, r, registry, society, to_host, received, proxy_command),
                    "held_seconds": None}
        with tempfile.TemporaryDirectory(prefix="xh-move-") as folder:
            first, second = Path(folder) / "first.sqlite3", Path(folder) / "second.sqlite3"
            staged = _send_whole(r, appid, store, first)  # while the society is still served
            ask_host(config, r, to_host, stage_society, appid=appid, **staged)
            move_id = uuid.uuid4().hex
            if not r.set(MOVING_PREFIX + appid, json.dumps({"from": config.shard, "to": to_host, "move": move_id}),
                         nx=True, ex=FREEZE_SECONDS):
                raise MoveRefused("already_moving", appid=appid)
            frozen_at = time.monotonic()
            try:
                time.sleep(GRACE_SECONDS)
                deadline = time.monotonic() + drain_seconds
                while running := _running_here(r, appid):
                    if time.monotonic() >= deadline:
                        raise MoveRefused("still_running", appid=appid, running=running)
                    time.sleep(POLL_SECONDS)
                drained_at = time.monotonic()
                sent = _send_changes(r, appid, store, first, second)
                received = _adopted(config, r, to_host, move_id, row=society, moved_from=config.shard,
                                    records=province.society_records(registry, appid), **sent)
            except MoveUndecided:
                raise
            except BaseException:
                r.delete(MOVING_PREFIX + appid, TRANSFER_PREFIX + appid)
                raise
        done = _hand_over(config, r, registry, society, to_host, received, proxy_command)
        return {**done, "store_bytes": sent["size"], "pages_at_the_hold": sent["pages"],
                "held_seconds": round(time.monotonic() - frozen_at, 2),
                "drain_seconds": round(drained_at - frozen_at, 2)}
    finally:
        registry.close()


def _hand_over(config: Config, r: redis.Redis, registry, society: dict, to_host: str, received: dict,
               proxy_command: str | None) -> dict:
    """The new host keeps the society from here on: this one forgets it (nothing here may give it back),
    the proxy is told, the freeze lifted."""
    appid = society["appid"]
    renumbered = received["renumbered"]
    try:
        if renumbered is None:  # adopted, but its answer (the filings' new numbers) was lost
            raise LookupError(appid)
        ask_every_host(config, r, renumber_previews, appid=appid, renumbered=renumbered)
        renumbered_everywhere = True
    except Exception:  # noqa: BLE001 (a host's previews may name an old number: said, not fatal)
        renumbered_everywhere = False
    province.drop_society_records(registry, appid)
    societies.remove_moved_society(registry, appid, to_host)
    r.set(MOVED_PREFIX + appid, to_host, ex=MOVED_SECONDS)
    aside = _set_aside(Path(society["database_path"]), appid)
    proxy = _run_proxy_command(proxy_command, appid, to_host)
    r.delete(MOVING_PREFIX + appid, TRANSFER_PREFIX + appid)
    return {"appid": appid, "name": society["name"], "from": config.shard, "to": to_host,
            "queued_jobs": queued_jobs(r, appid), "filings": len(renumbered or {}),
            "renumbered_everywhere": renumbered_everywhere, "set_aside": str(aside) if aside else None,
            "proxy": proxy}


def _adopted(config: Config, r: redis.Redis, to_host: str, move_id: str, **arguments) -> dict:
    """The new host's answer to receive_society. If it does not come in time, whoever claims the move's
    outcome first decides it: this host, giving up (the new host will not adopt this copy, even late:
    HostsUnavailable as before), or the new host, which began putting the copy in place; then its end is
    waited for, as long as its job may run (RQ stops it past its timeout, and it rolls back), and if it
    never says, the new host is asked whether it keeps the society."""
    try:
        return ask_host(config, r, to_host, receive_society, move_id=move_id, **arguments)
    except HostsUnavailable:
        if r.set(OUTCOME_PREFIX + move_id, json.dumps({"state": ABANDONED}), nx=True, ex=FREEZE_SECONDS):
            raise
    deadline = time.monotonic() + max(30, config.shard_answer_seconds) + 30  # its job's timeout, and a margin
    while _outcome(r, move_id)["state"] == ADOPTING and time.monotonic() < deadline:
        time.sleep(POLL_SECONDS)
    return _settled(config, r, arguments["row"]["appid"], to_host, move_id)


def _settled(config: Config, r: redis.Redis, appid: str, to_host: str, move_id: str) -> dict:
    """How a move the new host began adopting ended: what it answered (adopted), HostsUnavailable if it
    rolled back or does not keep the society (it stays here), MoveUndecided (the freeze kept, without
    end) if it is not known and the new host does not answer."""
    state = _outcome(r, move_id)
    if state["state"] == ADOPTED:  # (JSON made the filings' old numbers strings)
        return {"renumbered": {int(old): new for old, new in state["received"]["renumbered"].items()}}
    if state["state"] != ROLLED_BACK:
        try:
            if ask_host(config, r, to_host, keeps_society, appid=appid):
                return {"renumbered": None}
        except HostsUnavailable:
            r.persist(MOVING_PREFIX + appid)  # nothing may serve it until it is known where it is
            raise MoveUndecided("undecided", appid=appid, host=to_host) from None
    r.delete(MOVING_PREFIX + appid, TRANSFER_PREFIX + appid)
    raise HostsUnavailable([to_host])  # it refused late, or never adopted it: the society stays here


def _outcome(r: redis.Redis, move_id: str) -> dict:
    return json.loads(r.get(OUTCOME_PREFIX + move_id) or b'{"state": null}')


def _undecided_move(r: redis.Redis, config: Config, appid: str, to_host: str) -> str | None:
    """The id of this host's earlier move of the society to `to_host` left undecided (its freeze kept)."""
    found = r.get(MOVING_PREFIX + appid)
    try:
        frozen = json.loads(found) if found else {}
    except ValueError:
        return None
    if frozen.get("from") == config.shard and frozen.get("to") == to_host and r.ttl(MOVING_PREFIX + appid) == -1:
        return frozen.get("move")
    return None


def _movable(config: Config, r: redis.Redis, registry, appid: str, to_host: str) -> dict:
    if not config.shard:
        raise MoveRefused("not_sharded")
    society = societies.find_society_by_appid(registry, appid)
    if society is None:
        raise MoveRefused("not_here", appid=appid, host=config.shard)
    if to_host == config.shard or to_host not in known_hosts(r):
        raise MoveRefused("unknown_host", host=to_host, hosts="、".join(h for h in known_hosts(r) if h != config.shard))
    if Path(society["database_path"]).resolve().parent != societies.society_data_dir(config.data_dir, appid).resolve():
        raise MoveRefused("own_store", appid=appid, path=society["database_path"])
    return society


def _send_whole(r: redis.Redis, appid: str, store: Path, copy: Path) -> dict:
    """A consistent copy of the store (SQLite's backup API) at `copy`, into Redis in chunks for the new
    host to stage before the hold."""
    backups.backup(store, copy)
    key = TRANSFER_PREFIX + appid
    r.delete(key)
    with copy.open("rb") as source:
        while chunk := source.read(CHUNK_BYTES):
            r.rpush(key, chunk)
    r.expire(key, FREEZE_SECONDS)
    return _digest(copy)


def _send_changes(r: redis.Redis, appid: str, store: Path, first: Path, second: Path) -> dict:
    """Inside the hold: a second copy, and only its pages that differ from the first (a backup-API copy
    is the store page for page), into Redis as (offset, page); the new host patches its staged copy."""
    backups.backup(store, second)
    page = _page_size(second)
    key = TRANSFER_PREFIX + appid
    r.delete(key)
    pages = 0
    with first.open("rb") as before, second.open("rb") as after, r.pipeline(transaction=False) as pipe:
        offset = 0
        while block := after.read(page):
            if before.read(page) != block:
                pipe.rpush(key, offset.to_bytes(8, "big") + block)
                pages += 1
            offset += len(block)
        pipe.expire(key, FREEZE_SECONDS)
        pipe.execute()
    extra = store.parent / "society.toml"
    return {**_digest(second), "pages": pages,
            "society_toml": extra.read_text(encoding="utf-8") if extra.exists() else None}


def _page_size(path: Path) -> int:
    with path.open("rb") as header:
        size = int.from_bytes(header.read(18)[16:18], "big")
    return 65536 if size == 1 else size


def _digest(path: Path) -> dict:
    digest = hashlib.sha256()
    with path.open("rb") as source:
        while chunk := source.read(CHUNK_BYTES):
            digest.update(chunk)
    return {"sha256": digest.hexdigest(), "size": path.stat().st_size}


def _incoming(config: Config, appid: str) -> Path:
    """Where the new host stages a society's store before the hold (beside the societies' folders)."""
    return societies.society_data_dir(config.data_dir, appid).with_name(f".incoming-{appid}") / societies.DATABASE_FILE


@host_question
def stage_society(config: Config, r: redis.Redis, appid: str, sha256: str, size: int) -> bool:
    """On the new host, before the hold: the first copy from Redis, checked, staged."""
    staged = _incoming(config, appid)
    staged.parent.mkdir(parents=True, exist_ok=True)
    key = TRANSFER_PREFIX + appid
    with staged.open("wb") as target:
        for first in range(0, r.llen(key), 8):
            for chunk in r.lrange(key, first, first + 7):
                target.write(chunk)
    r.delete(key)
    if _digest(staged) != {"sha256": sha256, "size": size}:
        raise MoveRefused("copy_damaged", appid=appid, host=config.shard)
    return True


@host_question
def receive_society(config: Config, r: redis.Redis, row: dict, moved_from: str, records: dict, move_id: str,
                    sha256: str, size: int, pages: int, society_toml: str | None) -> dict:
    """On the new host, inside the hold: the staged copy patched with the pages changed since, checked,
    put in place; the society registered with its records. Nothing is put in place once the old host
    gave up waiting (the move's outcome, see _adopted); how it ended is left there for it."""
    appid = row["appid"]
    outcome = OUTCOME_PREFIX + move_id
    key = TRANSFER_PREFIX + appid
    registry = societies.open_registry(societies.registry_path(config.data_dir))
    try:
        if societies.find_society_by_appid(registry, appid) is not None:
            raise MoveRefused("already_there", appid=appid, host=config.shard)
        folder = societies.society_data_dir(config.data_dir, appid)
        if folder.exists() and any(folder.iterdir()):
            raise MoveRefused("folder_there", appid=appid, host=config.shard, path=str(folder))
        staged = _incoming(config, appid)
        with staged.open("r+b") as target:
            for entry in r.lrange(key, 0, -1):
                target.seek(int.from_bytes(entry[:8], "big"))
                target.write(entry[8:])
            target.truncate(size)
        if _digest(staged) != {"sha256": sha256, "size": size} or r.llen(key) != pages:
            raise MoveRefused("copy_damaged", appid=appid, host=config.shard)
        if not r.set(outcome, json.dumps({"state": ADOPTING}), nx=True, ex=FREEZE_SECONDS):
            shutil.rmtree(staged.parent)
            raise MoveRefused("abandoned", appid=appid, host=config.shard)
        try:
            if folder.exists():
                folder.rmdir()
            staged.parent.rename(folder)
            if society_toml is not None:
                (folder / "society.toml").write_text(society_toml, encoding="utf-8")
            renumbered = province.adopt_society_records(registry, appid, records)
            societies.adopt_society(registry, row, moved_from)
        except BaseException:  # nothing half-adopted: the old host keeps serving it
            province.drop_society_records(registry, appid)
            shutil.rmtree(folder, ignore_errors=True)
            r.set(outcome, json.dumps({"state": ROLLED_BACK}), ex=FREEZE_SECONDS)
            raise
    finally:
        registry.close()
    received = {"renumbered": renumbered}
    r.set(outcome, json.dumps({"state": ADOPTED, "received": received}), ex=FREEZE_SECONDS)
    r.delete(key)
    return received


@host_question
def keeps_society(config: Config, r: redis.Redis, appid: str) -> bool:
    """On the new host: whether its registry holds the society (a move whose answer was lost)."""
    registry = societies.open_registry(societies.registry_path(config.data_dir))
    try:
        return societies.find_society_by_appid(registry, appid) is not None
    finally:
        registry.close()


@host_question
def renumber_previews(config: Config, r: redis.Redis, appid: str, renumbered: dict) -> int:
    """Every host: the previews it recorded of the moved society's filings follow their new numbers."""
    registry = societies.open_registry(societies.registry_path(config.data_dir))
    try:
        return province.renumber_previewed_filings(registry, appid, renumbered)
    finally:
        registry.close()


def _set_aside(store: Path, appid: str) -> Path | None:
    """The old folder (the store, its backups) is kept, renamed, for the operator to delete."""
    folder = store.parent
    if not folder.exists():
        return None
    aside = folder.with_name(f"moved-{appid}-{datetime.now(timezone.utc):%Y%m%dT%H%M%SZ}")
    shutil.move(str(folder), str(aside))
    return aside


def _run_proxy_command(command: str | None, appid: str, to_host: str) -> dict | None:
    """The operator's command that writes the proxy's map again and reloads it (inside the freeze)."""
    if not command:
        return None
    done = subprocess.run(command, shell=True, capture_output=True, text=True, timeout=120,
                          env={**os.environ, "XH_MOVED_APPID": appid, "XH_MOVED_TO": to_host})
    return {"exit": done.returncode, "output": (done.stdout + done.stderr)[-2000:]}
