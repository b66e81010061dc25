"""The channel planner: which channel each recipient gets, and the RQ jobs that send by it.

A newsletter goes by tag when its recipients are exactly a topic's tag, else in
batches by openid: customer service while a window is open, a mass send while
the month's quota lasts, else the inbox. A service notice goes by customer
service, else its template, else it waits (bot/delivery/__init__.py says the
whole of it). Every job runs on worker.leased_run() and records each send
through worker.send_one / worker.settle.
"""
from __future__ import annotations

import hashlib
import logging
import uuid
from collections import defaultdict
from datetime import date, datetime, timedelta

import redis
from rq import Queue, get_current_job
from rq.exceptions import NoSuchJobError
from rq.job import Job

from bot import content
from bot.config import Config, load_config
from bot.delivery.worker import (DIED_DURING_SEND, DeliveryDeferred, Outcome, Run, attempt, failed, leased_run,
                                 refused, send_one, settle, settle_mass)
from bot.outbound import JOB_TIMEOUT_SECONDS, QUEUE_NAME, enqueue, enqueue_each
from bot.page_links import news_picture_url
from bot.wechat_client import BEIJING, QUOTA_SPENT, OutsideServiceWindow, QuotaSpent, WeChatAPIClient, WeChatAPIError
from storage import deliveries as ledger
from storage import state
from storage.accounts import queue_name
from storage.database import open_database
from storage.deliveries import CLAIMED, FAILED, INBOX, QUEUED, SENDING, UNCERTAIN, UNREACHABLE, Rows

log = logging.getLogger(__name__)

# Channels, as recorded in deliveries.channel / notices.channel.
CUSTOMER_SERVICE, TEMPLATE, MASS, MASS_BY_TAG = "customer_service", "template", "mass", "mass_by_tag"

MASS_DEDUPE = timedelta(hours=24)  # how long WeChat remembers a clientmsgid
MASS_MAX_OPENIDS = 10_000  # per openid-list mass send
TOO_LATE_TO_RESEND = "too late to resend safely"  # a lost mass send found after MASS_DEDUPE


# --- queueing -------------------------------------------------------------------------------------------

def batch_timeout(config: Config) -> int:
    return JOB_TIMEOUT_SECONDS + config.delivery_batch_size  # a second per recipient covers slow spells


def queue_item(r: redis.Redis, item_id: int, openids: list[str], config: Config, progress=None) -> None:
    """One tag job when the queued recipients are exactly a topic's tag, else a job per batch."""
    topic = whole_tag(r, openids)
    if topic:
        enqueue(r, deliver_by_tag, item_id, topic, timeout=batch_timeout(config))
        if progress:
            progress(len(openids))
        return
    queue_batches(r, item_id, openids, config, progress)


def queue_batches(r: redis.Redis, item_id: int, openids: list[str], config: Config, progress=None) -> None:
    size = min(config.delivery_batch_size, MASS_MAX_OPENIDS)
    batches = [openids[i:i + size] for i in range(0, len(openids), size)]
    if len(batches) > 1 and len(batches[-1]) == 1 and size > 2:  # alone, it could go by no mass send
        batches[-1].insert(0, batches[-2].pop())
    group = 50  # jobs per round trip to Redis, and per progress step
    for first in range(0, len(batches), group):
        chunk = batches[first:first + group]
        enqueue_each(r, deliver_batch, [(item_id, batch) for batch in chunk], timeout=batch_timeout(config))
        if progress:
            progress(sum(map(len, chunk)))


def whole_tag(r: redis.Redis, openids: list[str]) -> str | None:
    """The topic whose tag holds exactly these members, if no tag sync is unfinished."""
    if not openids or state.tag_syncs_pending(r):
        return None
    wanted = set(openids)
    for topic in state.tag_ids(r):
        if state.tag_member_count(r, topic) == len(wanted) and state.tagged_members(r, topic) == wanted:
            return topic
    return None


# --- newsletters --------------------------------------------------------------------------------

def deliver_batch(item_id: int, openids: list[str]) -> None:
    """RQ job: deliver an item to a batch of its recipients (those still queued, or held by a dead job)."""
    with leased_run() as run:
        # A mass send in flight is taken over only as a whole, by resend_mass.
        rows = ledger.item_rows(item_id, openids).narrowed("(status != 'sending' or send_ref is null)")
        mine = ledger.claim(run.db, rows, run.token, run.dead_holders(rows))
        for row in mine:
            if row["status"] == SENDING:  # a dead job's customer-service send: it may have arrived
                settle(run, ledger.item_rows(item_id, [row["openid"]]), DIED_DURING_SEND, row["channel"])
        item = ledger.newsletter_for_delivery(run.db, item_id)
        deferred = _deliver_to(run, item, [row["openid"] for row in mine if row["status"] == CLAIMED])
        recover_abandoned(run.db, run.r, run.config, item_id)
    if deferred:
        raise DeliveryDeferred(f"item {item_id}: {deferred} recipients wait for RQ's retry")


def _deliver_to(run: Run, item: dict, openids: list[str]) -> int:
    """Plan and send to claimed recipients; returns how many went back to the queue.

    When one member alone is left without an open window (no mass send carries one openid), the last member
    with one goes with them by mass send instead, and by customer service only if the mass send does not take
    them (the lone one has no quota left)."""
    item_id = item["id"]
    gone = ledger.unreachable(run.db, ledger.item_rows(item_id, openids))
    ledger.settle(run.db, ledger.item_rows(item_id, gone), run.token, UNREACHABLE)
    windowed, rest = [], []
    for openid in (o for o in openids if o not in gone):
        (windowed if state.take_service_window_message(run.r, openid) else rest).append(openid)
    partner = windowed.pop() if len(rest) == 1 and windowed else None
    waiting, quota_left = 0, True

    def by_service(openid: str) -> None:
        nonlocal quota_left, waiting
        outcome = send_one(run, ledger.item_rows(item_id, [openid]), openid, CUSTOMER_SERVICE,
                           lambda: _push(run.client, openid, item, news_picture_url(run.config, item["picture"])),
                           _quota_spent, item_version(item))
        if outcome and outcome.status == CLAIMED:  # the window had closed after all, or the day's quota is spent
            rest.append(openid)
            quota_left = not isinstance(outcome.error, QuotaSpent)
        waiting += bool(outcome and outcome.status == QUEUED)

    for openid in windowed:
        if quota_left:
            by_service(openid)
        else:
            rest.append(openid)
    rest, undone = _mass_send(run, item, rest + ([partner] if partner else []))
    if partner in rest and quota_left:  # the lone one had no quota: the partner by its window after all
        rest.remove(partner)
        by_service(partner)
    ledger.settle(run.db, ledger.item_rows(item_id, rest), run.token, INBOX, r=run.r)
    return waiting + undone


def item_version(item: dict) -> str:
    """A fingerprint of what a push of the item carries (title, summary, link): who got which wording."""
    return hashlib.sha1("\n".join((item["title"], item["summary"] or "", item["link"] or "")).encode()).hexdigest()[:12]


def _quota_spent(outcome: Outcome) -> bool:
    """Customer-service messages are spent for the day: the member goes on to a mass send (or the inbox)."""
    return isinstance(outcome.error, QuotaSpent)


def _push(client: WeChatAPIClient, openid: str, item: dict, picture_url: str) -> None:
    if item["link"]:
        client.send_articles(openid, [{"title": item["title"], "description": item["summary"] or "",
                                       "url": item["link"], "image": picture_url}])
    else:
        client.send_text(openid, _push_text(item))


def _push_text(item: dict) -> str:
    mark = content.text("news.resolution_mark" if item["kind"] == "resolution" else "push.mark")
    return content.text("push.with_link" if item["link"] else "push.without_link", mark=mark,
                        title=item["title"], summary=item["summary"] or "", link=item["link"] or "")


def _mass_message(item: dict) -> dict:
    return {"msgtype": "text", "text": {"content": _push_text(item)}}


def wechat_month(at: datetime | None = None) -> str:
    return (at or datetime.now(BEIJING)).astimezone(BEIJING).strftime("%Y%m")


def _mass_send(run: Run, item: dict, openids: list[str]) -> tuple[list[str], int]:
    """One openid-list mass send to those with quota left; returns those left for the inbox, and how
    many went back to the queue for RQ's next try (_not_done)."""
    month = wechat_month()
    granted = state.reserve_mass_sends(run.r, month, openids, run.config.mass_sends_per_month)
    if len(granted) < 2:  # WeChat's openid-list mass send needs two openids or more
        state.release_mass_sends(run.r, month, granted)
        return openids, 0
    rest = [openid for openid in openids if openid not in set(granted)]
    tried = _try_mass(run, item, granted, month)
    if tried is None:
        return openids, 0
    outcome, started = tried
    if _undone(outcome):
        return rest, _not_done(run, item, started, outcome, month)
    settle_mass(run, ledger.item_rows(item["id"], started), outcome, MASS, month, started)
    return rest, 0


def _try_mass(run: Run, item: dict, granted: list[str], month: str) -> tuple[Outcome, list[str]] | None:
    """A mass send to the rows of `granted` (their quota counted) still ours: the outcome and whom it went to,
    or None (nothing sent, the rows claimed again) when fewer than two are ours. The quota of those it did
    not go to is given back, and of all of them when WeChat surely did nothing (_undone)."""
    send_ref = uuid.uuid4().hex  # the clientmsgid
    rows = ledger.item_rows(item["id"], granted)
    # Only rows still ours go in the send (another job takes rows over only if our lease lapsed).
    started = [row["openid"] for row in ledger.begin_sending(run.db, rows, run.token, MASS, send_ref,
                                                             version=item_version(item))]
    state.release_mass_sends(run.r, month, [openid for openid in granted if openid not in set(started)])
    if len(started) < 2:
        state.release_mass_sends(run.r, month, started)
        ledger.settle(run.db, rows, run.token, CLAIMED)
        return None
    outcome = attempt(run, lambda: run.client.mass_send_by_openids(started, _mass_message(item), send_ref))
    if _undone(outcome):
        state.release_mass_sends(run.r, month, started)
    return outcome, started


def _undone(outcome: Outcome) -> bool:
    """WeChat answered a transient refusal or an HTTP error on every try: the send surely did nothing."""
    return outcome.status in (QUEUED, FAILED) and outcome.error.transient and outcome.error.undone


def _not_done(run: Run, item: dict, openids: list[str], outcome: Outcome, month: str) -> int:
    """A mass send WeChat answered with a transient refusal or an HTTP error after every try: it sent
    nothing, so no clientmsgid binds its recipients. Six or more go back to the queue with that answer
    (the console says it) in two halves, each a job of its own with RQ's tries (the client has tried
    this one a few times already): a member whose every send fails (an openid WeChat's gateway errors
    on) holds up the halves it is in, not the batch. Fewer wait for RQ's next try of this job; at its
    last, three to five are sent leaving one out at a time (_without_one), and what is still unsent is
    failed with WeChat's answer. Returns how many wait for RQ's next try."""
    rows = ledger.item_rows(item["id"], openids)
    half = len(openids) // 2
    if half >= 3 and outcome.error.errcode != QUOTA_SPENT:  # a quota is no member's fault
        settle(run, rows, Outcome(QUEUED, outcome.error), MASS)
        enqueue_each(run.r, deliver_batch, [(item["id"], openids[:half]), (item["id"], openids[half:])],
                     timeout=batch_timeout(run.config))
        return 0
    if outcome.status == FAILED and len(openids) >= 3 and outcome.error.errcode != QUOTA_SPENT:
        openids = _without_one(run, item, openids, month)
        rows = ledger.item_rows(item["id"], openids)
    settle(run, rows, outcome, MASS)
    return len(openids) if outcome.status == QUEUED else 0


def _without_one(run: Run, item: dict, openids: list[str], month: str) -> list[str]:
    """The last try of a small batch whose mass sends all failed (every try of RQ's, minutes apart): the
    send goes to all but one, each in turn. When one goes, the member left out is the one whose sends
    fail, and the others (two or more: WeChat's least) are not held hostage by it. Returns those still
    unsent, for the caller to fail with WeChat's answer: the one left out, or all when no send went."""
    ledger.settle(run.db, ledger.item_rows(item["id"], openids), run.token, CLAIMED)
    for left in openids:
        others = [openid for openid in openids if openid != left]
        granted = state.reserve_mass_sends(run.r, month, others, run.config.mass_sends_per_month)
        if len(granted) < len(others):  # spent meanwhile by another item's send
            state.release_mass_sends(run.r, month, granted)
            break
        tried = _try_mass(run, item, granted, month)
        if tried is None:
            break
        outcome, started = tried
        if not _undone(outcome):
            settle_mass(run, ledger.item_rows(item["id"], started), outcome, MASS, month, started)
            return [left]
        ledger.settle(run.db, ledger.item_rows(item["id"], started), run.token, CLAIMED)
    return openids


def deliver_by_tag(item_id: int, topic: str) -> None:
    """RQ job: mass-send the item by the topic's tag, when that reaches exactly its recipients.

    Checked again here, with every recipient claimed: the tag's members (as
    our record of what WeChat holds) must be the recipients, all reachable,
    all with quota left, and no tag sync unfinished. If not, the work is
    handed back to batches by openid.
    """
    with leased_run() as run:
        every = Rows("deliveries", "item_id = ?", (item_id,))
        openids = [row["openid"] for row in ledger.claim(run.db, every, run.token, set())]
        mine = every.narrowed("claim = ?", (run.token,))
        tag_id, month = state.tag_ids(run.r).get(topic), wechat_month()
        granted = _whole_tag_quota(run, topic, tag_id, openids, mine, month)
        send_ref = f"{tag_id}-{uuid.uuid4().hex[:24]}"  # the clientmsgid; names the tag for a resend
        # Every row must be ours when the send goes: the tag reaches all of them.
        item = ledger.newsletter_for_delivery(run.db, item_id)
        if granted and len(ledger.begin_sending(run.db, mine, run.token, MASS_BY_TAG, send_ref,
                                                version=item_version(item))) == len(openids):
            outcome = attempt(run, lambda: run.client.mass_send_by_tag(tag_id, _mass_message(item), send_ref))
            settle_mass(run, mine, outcome, MASS_BY_TAG, month, openids)
            recover_abandoned(run.db, run.r, run.config, item_id)
            return
        state.release_mass_sends(run.r, month, granted)
        ledger.settle(run.db, mine, run.token, QUEUED)
        queue_batches(run.r, item_id, openids, run.config)


def _whole_tag_quota(run: Run, topic: str, tag_id: int | None, openids: list[str], mine: Rows,
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
    with leased_run() as run:
        rows = Rows("deliveries", "item_id = ? and send_ref = ? and status = 'sending'", (item_id, send_ref))
        mine = ledger.claim(run.db, rows, run.token, run.dead_holders(rows))
        if not mine:
            return
        sent_at = datetime.fromisoformat(mine[0]["updated_at"])
        channel, openids = mine[0]["channel"], [row["openid"] for row in mine]
        if datetime.now(BEIJING) - sent_at > MASS_DEDUPE:  # WeChat no longer deduplicates it
            settle(run, rows, Outcome(UNCERTAIN, WeChatAPIError(None, TOO_LATE_TO_RESEND)), channel)
            return
        message = _mass_message(ledger.newsletter_for_delivery(run.db, item_id))
        if channel == MASS_BY_TAG:
            tag_id = int(send_ref.split("-")[0])
            outcome = attempt(run, lambda: run.client.mass_send_by_tag(tag_id, message, send_ref))
        else:
            outcome = attempt(run, lambda: run.client.mass_send_by_openids(openids, message, send_ref))
        again = settle_mass(run, rows, outcome, channel, wechat_month(sent_at), openids, resent=True)
    if again:
        raise DeliveryDeferred(f"item {item_id}: mass send {send_ref} waits for RQ's retry")


# --- service notices ----------------------------------------------------------------------------------

SENT_AGAIN = {"retry": True}  # the meta of a notice's job sending a failed or waiting notice again


def deliver_notice(key: str, openid: str, text: str, kind: str, retry: bool = False) -> str:
    """RQ job: one service notice; customer service, else template, else it waits. Returns the status.
    A failed or waiting notice sent again (its job's meta is SENT_AGAIN) is taken though still marked so
    (ledger.claim_notice's `retry`). In the meta, not a fifth argument: a worker of a version before it
    (four arguments) failed such a job. `retry`: such a job queued by the version that passed it so.

    A customer-service send that fails (not only a closed window) goes on to the template at once.
    When no channel took it after such a failure, it is tried again by RQ, and after RQ's last try
    it is `failed`: listed for the secretariat, and sent when the member next writes."""
    job = get_current_job()
    retry = retry or bool(job and job.meta.get("retry"))
    with leased_run() as run:
        rows = ledger.notice_row(key)
        notice = ledger.claim_notice(run.db, key, openid, kind, text, run.token, run.dead_holders(rows), retry)
        if notice is None:
            return "not ours"
        if notice["status"] == SENDING:  # a dead job's send: it may have arrived
            settle(run, rows, DIED_DURING_SEND, notice["channel"])
            return UNCERTAIN
        if ledger.unreachable(run.db, rows):
            ledger.settle(run.db, rows, run.token, UNREACHABLE)
            return UNREACHABLE
        outcome, failure = Outcome(INBOX), None
        for channel, send, next_if in _notice_channels(run, openid, text, kind):
            outcome = send_one(run, rows, openid, channel, send, next_if)
            if outcome is None:
                return "not ours"
            if outcome.status != CLAIMED:
                break
            if channel == CUSTOMER_SERVICE and not isinstance(outcome.error, OutsideServiceWindow):
                failure = outcome.error
        else:
            outcome = _unsent(run, failure, outcome.error)
            settle(run, rows, outcome)
    if outcome.status == QUEUED:
        raise DeliveryDeferred(f"notice {key} waits for RQ's retry")
    return outcome.status


def _unsent(run: Run, failure: WeChatAPIError | None, refusal: WeChatAPIError | None) -> Outcome:
    """What a notice no channel took becomes: after a failed send, RQ's next try or `failed`; after
    refusals only (no window, no template), it waits in the inbox (with the last refusal, if any)."""
    if failure is None:
        return Outcome(INBOX, refusal)
    return Outcome(QUEUED if failure.transient and not run.last_attempt else FAILED, failure)


def _notice_channels(run: Run, openid: str, text: str, kind: str):
    """(channel, send, next_if) in the order a notice tries them (worker.send_one)."""
    if state.take_service_window_message(run.r, openid):
        yield CUSTOMER_SERVICE, lambda: run.client.send_text(openid, text), failed
    template = template_message(kind, text)
    if template:
        yield TEMPLATE, lambda: run.client.send_template(openid, *template), refused


def template_message(kind: str, text: str) -> tuple[str, dict, str | None] | None:
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
            enqueue(r, deliver_notice, row["key"], row["openid"], row["text"], row["kind"], at_front=True,
                    urgent=True)
        elif row["status"] == SENDING and row["send_ref"]:  # a mass send in flight: resent whole
            mass_sends.add((row["item_id"], row["send_ref"]))
        else:
            batches[row["item_id"]].append(row["openid"])
    for item, send_ref in mass_sends:
        enqueue(r, resend_mass, item, send_ref, timeout=batch_timeout(config))
    for item, openids in batches.items():
        queue_batches(r, item, openids, config)  # never by tag: these rows are held, not queued
    if len(dead) < len(claims) and state.claim_recovery_run(r, config.delivery_lease_seconds):
        enqueue(r, recover_later, delay=config.delivery_lease_seconds + 1)
    if dead:
        log.warning("recovered %d deliveries held by dead workers", len(dead))
    return len(dead)


def next_resend(r: redis.Redis, item_id: int) -> str | None:
    """When the first job RQ holds for later that sends the item's held rows again runs (ISO, UTC): an RQ
    retry of its batch, tag or mass send job, or a recovery one lease on; None if there is none."""
    registry = Queue(queue_name(QUEUE_NAME), connection=r).scheduled_job_registry
    times = []
    for job in Job.fetch_many(registry.get_job_ids(), connection=r):
        if job is None or job.func_name not in _SENDS_AGAIN:
            continue
        if job.func_name == _SENDS_AGAIN[-1] or (job.args and job.args[0] == item_id):
            try:
                times.append(registry.get_scheduled_time(job))
            except NoSuchJobError:  # it came due meanwhile
                continue
    return min(times).isoformat() if times else None


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


# The jobs that send an item's held rows again (the item is their first argument), and recovery (any item).
_SENDS_AGAIN = tuple(f"{__name__}.{job.__name__}"
                     for job in (deliver_batch, deliver_by_tag, resend_mass, recover_later))
