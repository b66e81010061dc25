"""Everything the product sends a member, by a channel WeChat allows, exactly once.

Public API (handlers, the CLI and scheduled jobs call these; keep them stable):

    notify(r, openid, text, kind="service") -> job id
        A service notice (kind: approval, dues, event, ticket, service) to one member.
    enqueue_broadcast(db, r, item_id, recipients, progress=None) -> rows added
        A newsletter item to its recipients [(openid, member_id)]: one `deliveries`
        row each, the work queued in batches of DELIVERY_BATCH_SIZE.
    resume_broadcast(db, r, item_id) -> rows queued again
        `news resume`: queue again whatever of the item still waits; safe at any time.
    delivery_counts(db, item_id) -> {"total", "status": {...}, "channel": {...}}
    unread_inbox(db, openid) -> [{"item_id", ...}], mark_inbox_read(db, openid, item_ids)
    announce_inbox(services, message, reply) -> reply
        The conversation engine's hook after each member message.
    sync_tags_later(r, openid, topics) -> job id
        Keep the member's WeChat tags in step with their topic subscriptions.

Channels. A newsletter, per recipient, in this order:
  1. the member has unfollowed (members.reachable = 0): `unreachable`, nothing is sent;
  2. their customer-service window is open with messages left (counted in Redis
     from their own messages and clicks, config.cs_*_window): a customer-service
     message, an article card when the item has a link;
  3. they have mass sends left this calendar month (Beijing time; counted per
     member in Redis, config.mass_sends_per_month): a mass send, one call for
     all such recipients of a batch by openid list; or, when the recipients of
     a broadcast are exactly the members of one topic's tag and every one has
     quota left, one call by tag (`filter.tag_id`) for the whole broadcast;
  4. otherwise the item waits in their `inbox`, announced the next time they
     write ("您有 3 条未读会讯"). So does a batch's single quota holder:
     WeChat's openid-list mass send needs at least two openids.
A service notice: unreachable; else a customer-service text inside the window;
else a template message (content/templates.toml, per kind); else it waits and
goes by customer-service message as soon as the member writes again.
WeChat's answers move a recipient on: 45015/45047 to the next channel, 43004
to `unreachable` (and the member is marked unreachable); -1, 45009, timeouts
and 5xx are retried (by the client, then by RQ); token errors refresh once.

Exactly once. Every recipient's outcome is a row in SQLite (storage/deliveries.py):
a job claims its rows under a fresh token, marks a row `sending` just before
the call to WeChat and records the outcome right after it; every move is
conditional on the token, so of two jobs racing for a row (a resumed
broadcast, RQ re-running a job) one gets it and the other does nothing.
The token's lease in Redis is renewed while the job runs. When a worker dies
its leases run out (config.delivery_lease_seconds) and `recover_abandoned`
(at every worker start, at the end of every broadcast job, and one lease
later while claims are open) queues the rows again; the new job takes them over:
  - `claimed`: nothing was sent yet; planned and sent as usual;
  - `sending` by mass send: sent again with the same clientmsgid, which WeChat
    deduplicates for 24 hours (45065 means the first went out): sent once;
  - `sending` by customer-service or template message: WeChat offers no way
    to ask whether it arrived, and sending again could deliver it twice. We
    prefer no duplicate: the row becomes `uncertain`, is counted in
    delivery_counts, and is not resent by itself; it waits in the member's
    inbox as unread (seeing it there after a push that arrived is harmless),
    and `news status` and the console name those members and offer to push it
    again (`resend_uncertain`). A row is `sending` only while its HTTP request
    is out: it is marked by the client's departure hook after the access token
    and the rate-limit turn, and goes back to `claimed` after an attempt WeChat
    refused or never got (WeChatAPIClient.on_departure). So a worker dying while
    it waits leaves the row `claimed`, and a dead worker leaves at most one
    uncertain row; a call that times out after it went out is recorded the same way.
Quotas are counted before a send and given back when WeChat refuses it; a
worker that dies in between leaves the count spent: a member may get one
mass send fewer in a month, never one more than WeChat allows.
"""
from __future__ import annotations

import logging
import sqlite3
import threading
import uuid
from collections import defaultdict
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone

import redis
from rq import get_current_job

from bot import content
from bot.config import Config, load_config
from bot.messages import Inbound, Reply
from bot.outbound import JOB_TIMEOUT_SECONDS, RQ_RETRY_INTERVALS, enqueue, enqueue_each
from bot.wechat import FOLLOW_EVENTS, SCAN_EVENTS
from bot.wechat_client import (
    DeliveryUncertain,
    OutsideServiceWindow,
    SendWithdrawn,
    UserUnfollowed,
    WeChatAPIClient,
    WeChatAPIError,
    make_client,
)
from storage import deliveries as ledger
from storage import state
from storage.database import open_database
from storage.deliveries import CLAIMED, FAILED, INBOX, QUEUED, SENDING, SENT, UNCERTAIN, UNREACHABLE, Rows
from storage.members import set_reachable_by_openid

log = logging.getLogger(__name__)

# Channels, as recorded in deliveries.channel / notices.channel.
CUSTOMER_SERVICE, TEMPLATE, MASS, MASS_BY_TAG = "customer_service", "template", "mass", "mass_by_tag"

BEIJING = timezone(timedelta(hours=8))  # WeChat's months are China's
MASS_DEDUPE = timedelta(hours=24)  # how long WeChat remembers a clientmsgid
MASS_MAX_OPENIDS = 10_000  # per openid-list mass send
TAG_NAME = "会讯订阅-{topic}"  # stable: renaming it would start a new, empty tag
MESSAGE_KINDS = {"text", "image", "voice", "video", "shortvideo", "location", "link"}
EVENTS_OPENING_A_WINDOW = {*FOLLOW_EVENTS, *SCAN_EVENTS, "click"}


class DeliveryDeferred(Exception):
    """Some recipients met a transient failure and went back to the queue: RQ runs the job again."""


# --- public API -----------------------------------------------------------------------------------

def notify(r: redis.Redis, openid: str, text: str, kind: str = "service") -> str:
    """Queue a service notice to one member, ahead of any broadcast; returns the RQ job id.

    `kind` picks the template (content/templates.toml); the first line of
    `text` is the notice's headline there.
    """
    return enqueue(r, deliver_notice, uuid.uuid4().hex, openid, text, kind, at_front=True)


def enqueue_broadcast(db, r: redis.Redis, item_id: int, recipients, progress=None) -> int:
    """Record a `queued` delivery per (item, openid) and queue the work; returns the rows added.

    Running it again adds no rows; the rows still queued are queued again,
    which is harmless (each row goes to one job) and picks up work a crash
    lost. `progress(n)` is called as each group of n recipients is queued.
    """
    added = ledger.queue_deliveries(db, item_id, recipients)
    _queue_item(r, item_id, ledger.queued_openids(db, item_id), load_config(), progress)
    return added


def resume_broadcast(db, r: redis.Redis, item_id: int) -> int:
    """Queue again what of the item is still queued or held by a dead worker; returns how many."""
    config = load_config()
    recovered = recover_abandoned(db, r, config, item_id)
    waiting = ledger.queued_openids(db, item_id)
    _queue_item(r, item_id, waiting, config)
    return recovered + len(waiting)


def uncertain_recipients(db, item_id: int) -> list[dict]:
    """Recipients whose push may or may not have arrived (name, member_no, updated_at, read_at)."""
    return ledger.uncertain_recipients(db, item_id)


def resend_uncertain(db, r: redis.Redis, item_id: int) -> int:
    """The secretariat's choice: push the item again to its `uncertain` recipients (some may then
    have it twice); returns how many were queued."""
    queued = ledger.requeue_uncertain(db, item_id)
    if queued:
        _queue_batches(r, item_id, ledger.queued_openids(db, item_id), load_config())
    return queued


def delivery_counts(db, item_id: int) -> dict:
    """Recipients of the item per status (queued ... sent, inbox, unreachable, failed, uncertain)
    and, of those sent, per channel (customer_service, mass, mass_by_tag)."""
    return ledger.delivery_counts(db, item_id)


def unread_inbox(db, openid: str) -> list[dict]:
    """Items that could not be pushed to the member and were not read yet, newest first."""
    return ledger.unread_inbox(db, openid)


def mark_inbox_read(db, openid: str, item_ids) -> None:
    ledger.mark_inbox_read(db, openid, item_ids)


def announce_inbox(services, message: Inbound, reply: Reply) -> Reply:
    """The hook the conversation engine calls after answering each member message.

    A message that opens the member's customer-service window (state.begin_message
    opened it) lets the notices that found no channel go out now, and the reply
    gets a line about unread newsletters. SQLite or Redis trouble here never
    spoils the reply.
    """
    if window_opened_by(message, services.config) is None:
        return reply
    try:
        for notice in ledger.notices_waiting(services.db, message.openid):
            enqueue(services.redis, deliver_notice, notice["key"], notice["openid"], notice["text"],
                    notice["kind"], at_front=True)
        unread = ledger.count_unread_inbox(services.db, message.openid)
    except (redis.RedisError, sqlite3.Error):
        log.exception("could not look for waiting notices of %s", message.openid)
        return reply
    return reply.with_note(content.text("inbox.unread", count=unread)) if unread else reply


def window_opened_by(message: Inbound, config: Config) -> tuple[str, int, int] | None:
    """The customer-service window a member's message opens: (kind, seconds, messages), or None.

    48 h and 5 messages after a message; 1 minute and 3 after a click, follow or scan.
    """
    if message.kind in MESSAGE_KINDS:
        return ("message", *config.cs_message_window)
    if message.kind == "event" and message.event in EVENTS_OPENING_A_WINDOW:
        return ("event", *config.cs_event_window)
    return None


def sync_tags_later(r: redis.Redis, openid: str, topics) -> str:
    """Queue a sync of the member's WeChat tags to `topics` (their subscriptions); returns the job id.

    Only the latest topics count: a sync applies whatever the member wants when
    it runs. Until every sync queued has finished, nothing is sent by tag.
    """
    state.want_topics(r, openid, topics)
    return enqueue(r, sync_tags, openid)


# --- queueing -------------------------------------------------------------------------------------------

def _batch_timeout(config: Config) -> int:
    return JOB_TIMEOUT_SECONDS + config.delivery_batch_size  # a second per recipient covers slow spells


def _queue_item(r: redis.Redis, item_id: int, openids: list[str], config: Config, progress=None) -> None:
    """One tag job when the queued recipients are exactly a topic's tag, else a job per batch."""
    topic = _whole_tag(r, openids)
    if topic:
        enqueue(r, deliver_by_tag, item_id, topic, timeout=_batch_timeout(config))
        if progress:
            progress(len(openids))
        return
    _queue_batches(r, item_id, openids, config, progress)


def _queue_batches(r: redis.Redis, item_id: int, openids: list[str], config: Config, progress=None) -> None:
    size = min(config.delivery_batch_size, MASS_MAX_OPENIDS)
    batches = [openids[i:i + size] for i in range(0, len(openids), size)]
    group = 50  # jobs per round trip to Redis, and per progress step
    for first in range(0, len(batches), group):
        chunk = batches[first:first + group]
        enqueue_each(r, deliver_batch, [(item_id, batch) for batch in chunk], timeout=_batch_timeout(config))
        if progress:
            progress(sum(map(len, chunk)))


def _whole_tag(r: redis.Redis, openids: list[str]) -> str | None:
    """The topic whose tag holds exactly these members, if no tag sync is unfinished."""
    if not openids or state.tag_syncs_pending(r):
        return None
    wanted = set(openids)
    for topic in state.tag_ids(r):
        if state.tag_member_count(r, topic) == len(wanted) and state.tagged_members(r, topic) == wanted:
            return topic
    return None


# --- one job's stores, client and claim -------------------------------------------------------

@dataclass
class _Run:
    config: Config
    r: redis.Redis
    db: object
    client: WeChatAPIClient
    token: str  # what this job's claims carry; its lease says the job is alive
    last_attempt: bool  # RQ will not run the job again: a transient failure is final

    def dead_holders(self, rows: Rows) -> set[str]:
        held = ledger.holders(self.db, rows)
        return held - state.live_leases(self.r, held)


@contextmanager
def _run():
    """Open the stores and hold a lease on a new claim token while the job runs."""
    config = load_config()
    r = state.connect_redis(config)
    db = open_database(config.sqlite_path)
    token = uuid.uuid4().hex
    seconds = config.delivery_lease_seconds
    state.hold_lease(r, token, seconds)
    stop = threading.Event()
    keeper = threading.Thread(target=_keep_lease, args=(r, token, seconds, stop), daemon=True)
    keeper.start()
    job = get_current_job()
    try:
        yield _Run(config, r, db, make_client(config, r), token, not (job and job.retries_left))
    finally:
        stop.set()
        keeper.join()
        state.end_lease(r, token)
        db.close()


def _keep_lease(r: redis.Redis, token: str, seconds: int, stop: threading.Event) -> None:
    while not stop.wait(seconds / 3):
        try:
            if not state.renew_lease(r, token, seconds):
                log.warning("lease %s ran out while its job ran; its rows may be taken over", token)
                return
        except redis.RedisError:
            log.exception("could not renew lease %s", token)


# --- one send, and what its outcome means -------------------------------------------------------

@dataclass
class _Outcome:
    status: str  # SENT, CLAIMED (try the next channel), QUEUED (retry later), or final
    error: WeChatAPIError | None = None


DIED_DURING_SEND = _Outcome(UNCERTAIN, WeChatAPIError(None, "the worker died during the send"))


def _attempt(run: _Run, send) -> _Outcome:
    try:
        send()
    except OutsideServiceWindow as error:
        return _Outcome(CLAIMED, error)
    except UserUnfollowed as error:
        return _Outcome(UNREACHABLE, error)
    except DeliveryUncertain as error:
        return _Outcome(UNCERTAIN, error)
    except WeChatAPIError as error:
        return _Outcome(QUEUED if error.transient and not run.last_attempt else FAILED, error)
    return _Outcome(SENT)


def _settle(run: _Run, rows: Rows, outcome: _Outcome, channel: str | None = None) -> None:
    error = outcome.error
    ledger.settle(run.db, rows, run.token, outcome.status, channel,
                  errcode=error.errcode if error else None, errmsg=error.errmsg if error else None)


def _send_one(run: _Run, rows: Rows, openid: str, channel: str, send,
              refusal_means_next: bool = False) -> _Outcome | None:
    """Send to one recipient through `channel` and record it; None if the row is no longer ours.

    With refusal_means_next, a permanent refusal (e.g. a template id WeChat does
    not know) sends the recipient on to the next channel instead of `failed`.
    """
    if not ledger.begin_sending(run.db, rows, run.token, channel, dry_run=True):
        return None

    def leaving() -> bool:  # the token is in hand and the rate-limit turn granted: the request goes now
        return bool(ledger.begin_sending(run.db, rows, run.token, channel))

    def stayed() -> None:  # refused or never arrived: not sent, while the client backs off and waits
        ledger.settle(run.db, rows, run.token, CLAIMED, channel)

    try:
        with run.client.on_departure(leaving, stayed):
            outcome = _attempt(run, send)
    except SendWithdrawn:
        return None
    if refusal_means_next and outcome.status == FAILED and outcome.error.errcode is not None:
        outcome = _Outcome(CLAIMED, outcome.error)
    _settle(run, rows, outcome, channel)
    if outcome.status == UNREACHABLE:
        set_reachable_by_openid(run.db, openid, False)
    return outcome


def _settle_mass(run: _Run, rows: Rows, outcome: _Outcome, channel: str, month: str, openids: list[str]) -> bool:
    """Record a mass send; returns whether it is to be sent again (same clientmsgid, by recovery)."""
    if outcome.status == QUEUED:
        return True  # stays `sending`: sent again with its clientmsgid, which WeChat sends at most once
    if outcome.status != SENT:
        # No answer at all may mean it went out; a WeChat error code means it did not.
        outcome = _Outcome(UNCERTAIN if outcome.error.errcode is None else FAILED, outcome.error)
        if outcome.status == FAILED:
            state.release_mass_sends(run.r, month, openids)
    _settle(run, rows, outcome, channel)
    return False


# --- newsletters --------------------------------------------------------------------------------

def deliver_batch(item_id: int, openids: list[str]) -> None:
    """RQ job: deliver an item to a batch of its recipients (those still queued, or held by a dead job)."""
    with _run() as run:
        # A mass send in flight is taken over only as a whole, by resend_mass.
        rows = ledger.item_rows(item_id, openids).narrowed("(status != 'sending' or send_ref is null)")
        mine = ledger.claim(run.db, rows, run.token, run.dead_holders(rows))
        for row in mine:
            if row["status"] == SENDING:  # a dead job's customer-service send: it may have arrived
                _settle(run, ledger.item_rows(item_id, [row["openid"]]), DIED_DURING_SEND, row["channel"])
        item = ledger.newsletter_for_delivery(run.db, item_id)
        deferred = _deliver_to(run, item, [row["openid"] for row in mine if row["status"] == CLAIMED])
        recover_abandoned(run.db, run.r, run.config, item_id)
    if deferred:
        raise DeliveryDeferred(f"item {item_id}: {deferred} recipients wait for RQ's retry")


def _deliver_to(run: _Run, item: dict, openids: list[str]) -> int:
    """Plan and send to claimed recipients; returns how many went back to the queue."""
    item_id = item["id"]
    gone = ledger.unreachable(run.db, ledger.item_rows(item_id, openids))
    ledger.settle(run.db, ledger.item_rows(item_id, gone), run.token, UNREACHABLE)
    deferred, rest = 0, []
    for openid in (o for o in openids if o not in gone):
        if not state.take_service_window_message(run.r, openid):
            rest.append(openid)
            continue
        outcome = _send_one(run, ledger.item_rows(item_id, [openid]), openid, CUSTOMER_SERVICE,
                            lambda openid=openid: _push(run.client, openid, item))
        if outcome and outcome.status == CLAIMED:  # the window had closed after all
            rest.append(openid)
        deferred += bool(outcome and outcome.status == QUEUED)
    rest = _mass_send(run, item, rest)
    ledger.settle(run.db, ledger.item_rows(item_id, rest), run.token, INBOX)
    return deferred


def _push(client: WeChatAPIClient, openid: str, item: dict) -> None:
    if item["link"]:
        client.send_articles(openid, [{"title": item["title"], "description": item["summary"] or "",
                                       "url": item["link"], "image": ""}])
    else:
        client.send_text(openid, _push_text(item))


def _push_text(item: dict) -> str:
    return content.text("push.with_link" if item["link"] else "push.without_link",
                        title=item["title"], summary=item["summary"] or "", link=item["link"] or "")


def _mass_message(item: dict) -> dict:
    return {"msgtype": "text", "text": {"content": _push_text(item)}}


def _month(at: datetime | None = None) -> str:
    return (at or datetime.now(BEIJING)).astimezone(BEIJING).strftime("%Y%m")


def _mass_send(run: _Run, item: dict, openids: list[str]) -> list[str]:
    """One openid-list mass send to those with quota left; returns those left for the inbox."""
    month = _month()
    granted = state.reserve_mass_sends(run.r, month, openids, run.config.mass_sends_per_month)
    if len(granted) < 2:  # WeChat's openid-list mass send needs two openids or more
        state.release_mass_sends(run.r, month, granted)
        return openids
    send_ref = uuid.uuid4().hex  # the clientmsgid
    rows = ledger.item_rows(item["id"], granted)
    # Only rows still ours go in the send (another job takes rows over only if our lease lapsed).
    started = [row["openid"] for row in ledger.begin_sending(run.db, rows, run.token, MASS, send_ref)]
    state.release_mass_sends(run.r, month, [openid for openid in granted if openid not in set(started)])
    if len(started) < 2:
        state.release_mass_sends(run.r, month, started)
        ledger.settle(run.db, rows, run.token, CLAIMED)
        return openids
    outcome = _attempt(run, lambda: run.client.mass_send_by_openids(started, _mass_message(item), send_ref))
    _settle_mass(run, rows, outcome, MASS, month, started)
    return [openid for openid in openids if openid not in set(granted)]


def deliver_by_tag(item_id: int, topic: str) -> None:
    """RQ job: mass-send the item by the topic's tag, when that reaches exactly its recipients.

    Checked again here, with every recipient claimed: the tag's members (as
    our record of what WeChat holds) must be the recipients, all reachable,
    all with quota left, and no tag sync unfinished. If not, the work is
    handed back to batches by openid.
    """
    with _run() as run:
        every = Rows("deliveries", "item_id = ?", (item_id,))
        openids = [row["openid"] for row in ledger.claim(run.db, every, run.token, set())]
        mine = every.narrowed("claim = ?", (run.token,))
        tag_id, month = state.tag_ids(run.r).get(topic), _month()
        granted = _whole_tag_quota(run, topic, tag_id, openids, mine, month)
        send_ref = f"{tag_id}-{uuid.uuid4().hex[:24]}"  # the clientmsgid; names the tag for a resend
        # Every row must be ours when the send goes: the tag reaches all of them.
        if granted and len(ledger.begin_sending(run.db, mine, run.token, MASS_BY_TAG, send_ref)) == len(openids):
            item = ledger.newsletter_for_delivery(run.db, item_id)
            outcome = _attempt(run, lambda: run.client.mass_send_by_tag(tag_id, _mass_message(item), send_ref))
            _settle_mass(run, mine, outcome, MASS_BY_TAG, month, openids)
            recover_abandoned(run.db, run.r, run.config, item_id)
            return
        state.release_mass_sends(run.r, month, granted)
        ledger.settle(run.db, mine, run.token, QUEUED)
        _queue_batches(run.r, item_id, openids, run.config)


def _whole_tag_quota(run: _Run, topic: str, tag_id: int | None, openids: list[str], mine: Rows,
                     month: str) -> list[str]:
    """Everyone's mass send counted, if the tag reaches exactly these reachable members and each
    has quota left; else nothing counted and []."""
    if (tag_id is None or state.tag_syncs_pending(run.r) or state.tagged_members(run.r, topic) != set(openids)
            or ledger.unreachable(run.db, mine)):
        return []
    granted = state.reserve_mass_sends(run.r, month, openids, run.config.mass_sends_per_month)
    if len(granted) < len(openids):
        state.release_mass_sends(run.r, month, granted)
        return []
    return granted


def resend_mass(item_id: int, send_ref: str) -> None:
    """RQ job: send again a mass send whose outcome was never recorded, with its clientmsgid.

    WeChat sends it if the first never arrived and answers 45065 if it did:
    either way the recipients get it once. All rows of the send are taken
    together, so no two jobs ever split one send between them.
    """
    with _run() as run:
        rows = Rows("deliveries", "item_id = ? and send_ref = ? and status = 'sending'", (item_id, send_ref))
        mine = ledger.claim(run.db, rows, run.token, run.dead_holders(rows))
        if not mine:
            return
        sent_at = datetime.fromisoformat(mine[0]["updated_at"])
        channel, openids = mine[0]["channel"], [row["openid"] for row in mine]
        if datetime.now(BEIJING) - sent_at > MASS_DEDUPE:  # WeChat no longer deduplicates it
            _settle(run, rows, _Outcome(UNCERTAIN, WeChatAPIError(None, "too late to resend safely")), channel)
            return
        message = _mass_message(ledger.newsletter_for_delivery(run.db, item_id))
        if channel == MASS_BY_TAG:
            tag_id = int(send_ref.split("-")[0])
            outcome = _attempt(run, lambda: run.client.mass_send_by_tag(tag_id, message, send_ref))
        else:
            outcome = _attempt(run, lambda: run.client.mass_send_by_openids(openids, message, send_ref))
        again = _settle_mass(run, rows, outcome, channel, _month(sent_at), openids)
    if again:
        raise DeliveryDeferred(f"item {item_id}: mass send {send_ref} waits for RQ's retry")


# --- service notices ----------------------------------------------------------------------------------

def deliver_notice(key: str, openid: str, text: str, kind: str) -> str:
    """RQ job: one service notice; customer service, else template, else it waits. Returns the status."""
    with _run() as run:
        rows = ledger.notice_row(key)
        notice = ledger.claim_notice(run.db, key, openid, kind, text, run.token, run.dead_holders(rows))
        if notice is None:
            return "not ours"
        if notice["status"] == SENDING:  # a dead job's send: it may have arrived
            _settle(run, rows, DIED_DURING_SEND, notice["channel"])
            return UNCERTAIN
        if ledger.unreachable(run.db, rows):
            ledger.settle(run.db, rows, run.token, UNREACHABLE)
            return UNREACHABLE
        outcome = _Outcome(INBOX)
        for channel, send, refusal_means_next in _notice_channels(run, openid, text, kind):
            outcome = _send_one(run, rows, openid, channel, send, refusal_means_next)
            if outcome is None:
                return "not ours"
            if outcome.status != CLAIMED:
                break
        else:
            _settle(run, rows, _Outcome(INBOX, outcome.error))  # with the last refusal, if any
            return INBOX
    if outcome.status == QUEUED:
        raise DeliveryDeferred(f"notice {key} waits for RQ's retry")
    return outcome.status


def _notice_channels(run: _Run, openid: str, text: str, kind: str):
    """(channel, send, refusal_means_next) in the order a notice tries them."""
    if state.take_service_window_message(run.r, openid):
        yield CUSTOMER_SERVICE, lambda: run.client.send_text(openid, text), False
    template = _template_message(kind, text)
    if template:
        yield TEMPLATE, lambda: run.client.send_template(openid, *template), True


def _template_message(kind: str, text: str) -> tuple[str, dict, str | None] | None:
    """(template id, data, url) for a notice of this kind, or None if the kind has no template."""
    templates = content.load_toml("templates.toml")
    spec = templates.get(kind, templates["service"])
    if not spec.get("template_id"):
        return None
    first_line, _, rest = text.strip().partition("\n")
    values = {"text": text, "first_line": first_line, "rest": rest.strip(), "date": date.today().isoformat(),
              "name": content.society()["name"]}
    data = {field: {"value": template.format_map(values)} for field, template in spec["fields"].items()}
    return spec["template_id"], data, spec.get("url") or None


# --- recovery -------------------------------------------------------------------------------------------

def recover_abandoned(db, r: redis.Redis, config: Config, item_id: int | None = None) -> int:
    """Queue again the rows held by jobs whose lease ran out (their worker died); returns how many.

    While live jobs still hold rows, it is scheduled to run again one lease
    later, so a worker dying now is recovered without waiting for a restart.
    """
    claims = ledger.open_claims(db, item_id)
    live = state.live_leases(r, {row["claim"] for row in claims})
    dead = [row for row in claims if row["claim"] not in live]
    batches, mass_sends = defaultdict(list), set()
    for row in dead:
        if row["table"] == "notices":
            enqueue(r, deliver_notice, row["key"], row["openid"], row["text"], row["kind"], at_front=True)
        elif row["status"] == SENDING and row["send_ref"]:  # a mass send in flight: resent whole
            mass_sends.add((row["item_id"], row["send_ref"]))
        else:
            batches[row["item_id"]].append(row["openid"])
    for item, send_ref in mass_sends:
        enqueue(r, resend_mass, item, send_ref, timeout=_batch_timeout(config))
    for item, openids in batches.items():
        _queue_batches(r, item, openids, config)  # never by tag: these rows are held, not queued
    if len(dead) < len(claims) and state.claim_recovery_run(r, config.delivery_lease_seconds):
        enqueue(r, recover_later, delay=config.delivery_lease_seconds + 1)
    if dead:
        log.warning("recovered %d deliveries held by dead workers", len(dead))
    return len(dead)


def recover_at_start(config: Config, r: redis.Redis) -> int:
    """What `python -m bot worker` does before taking jobs: recover what dead workers left."""
    db = open_database(config.sqlite_path)
    try:
        return recover_abandoned(db, r, config)
    finally:
        db.close()


def recover_later() -> int:
    """RQ job: recover_abandoned over every item, one lease after it found live claims."""
    config = load_config()
    return recover_at_start(config, state.connect_redis(config))


# --- WeChat tags ---------------------------------------------------------------------------------------

def sync_tags(openid: str) -> None:
    """RQ job: tag and untag the member so their WeChat tags are the topics they want now.

    Our record of a member's tags changes only after WeChat confirmed, so a sync
    that fails or dies half-way leaves the record unlike the subscriptions, and no
    newsletter goes by that tag until a later sync of the member succeeds. The
    sync stops counting as pending when it ends, fails for good (a refusal, or
    its last try), or its worker dies (its lease runs out).
    """
    config = load_config()
    r = state.connect_redis(config)
    client = make_client(config, r)
    job = get_current_job()
    last_attempt = not (job and job.retries_left)
    lease = config.delivery_lease_seconds
    stop = threading.Event()
    keeper = None
    try:
        with state.tag_lock(r, openid, wait=30, hold=4 * JOB_TIMEOUT_SECONDS):
            wanted = set(state.tag_sync_started(r, openid, lease))
            keeper = threading.Thread(target=_keep_tag_sync, args=(r, openid, lease, stop), daemon=True)
            keeper.start()
            known = state.tag_ids(r)
            for topic in sorted(wanted | set(known)):
                tagged = state.is_tagged(r, topic, openid)
                if topic in wanted and not tagged:
                    client.tag_users(_tag_id(client, r, topic), [openid])
                    state.record_tagged(r, topic, openid)  # after WeChat has it
                elif topic not in wanted and tagged:
                    client.untag_users(known[topic], [openid])
                    state.record_untagged(r, topic, openid)  # after WeChat dropped it
    except WeChatAPIError as error:
        _end_tag_sync(r, openid, stop, keeper)
        if error.transient and not last_attempt:
            state.tag_sync_retry_later(r, openid, max(RQ_RETRY_INTERVALS) + JOB_TIMEOUT_SECONDS)
            raise
        state.tag_sync_done(r, openid)
        log.warning("tag sync of %s failed for good: %s %s", openid, error.errcode, error.errmsg)
        return
    except BaseException:
        _end_tag_sync(r, openid, stop, keeper)
        if last_attempt:
            state.tag_sync_done(r, openid)
        else:
            state.tag_sync_retry_later(r, openid, max(RQ_RETRY_INTERVALS) + JOB_TIMEOUT_SECONDS)
        raise
    _end_tag_sync(r, openid, stop, keeper)
    state.tag_sync_done(r, openid)


def _keep_tag_sync(r: redis.Redis, openid: str, seconds: int, stop: threading.Event) -> None:
    while not stop.wait(seconds / 3):
        try:
            state.renew_tag_sync(r, openid, seconds)
        except redis.RedisError:
            log.exception("could not renew the tag sync lease of %s", openid)


def _end_tag_sync(r: redis.Redis, openid: str, stop: threading.Event, keeper) -> None:
    stop.set()
    if keeper is not None:
        keeper.join()


def _tag_id(client: WeChatAPIClient, r: redis.Redis, topic: str) -> int:
    """The topic's tag id: cached in Redis, else found by name, else created."""
    cached = state.tag_ids(r).get(topic)
    if cached is not None:
        return cached
    name = TAG_NAME.format(topic=topic)
    found = {tag["name"]: tag["id"] for tag in client.list_tags()}.get(name)
    if found is None:
        try:
            found = client.create_tag(name)["id"]
        except WeChatAPIError:  # another worker created it a moment ago
            found = {tag["name"]: tag["id"] for tag in client.list_tags()}[name]
    state.store_tag_id(r, topic, found)
    return found
