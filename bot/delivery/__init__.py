"""Everything the product sends a member, by a channel WeChat allows, exactly once.

This module is the public API below; the work is split by job:
  planner.py  which channel for whom, the RQ jobs that send by it (newsletters, notices),
              and recovery of what dead workers held (it queues those jobs again);
  worker.py   what every such job runs on: its lease, the outcome of each send;
  tags.py     mirroring topic subscriptions to WeChat user tags.
Whether a member's message opens a customer-service window is bot/service_window.py.

Public API (handlers, the CLI and scheduled jobs call these; keep them stable):

    notify(r, openid, text, kind="service") -> job id
        A service notice (kind: approval, dues, event, ticket, service) to one member.
    enqueue_broadcast(db, r, item_id, recipients, progress=None) -> rows added
        A newsletter item to its recipients [(openid, member_id)]: one `deliveries`
        row each, the work queued in batches of DELIVERY_BATCH_SIZE.
    resume_broadcast(db, r, item_id) -> rows queued again
        `news resume`: queue again whatever of the item still waits; safe at any time.
    stop(db, item_id) -> {"stopped", "sent", "sending"}
        `news stop`, 停止发送: those not sent the item yet never are.
    earlier_wording(db, item_id) -> n, resend_changed(db, r, item_id) -> n
        An item changed while it was sent: how many got it as it read before; push it as it reads now to them.
        `news stop`, 停止发送: those not sent the item yet never are.
    delivery_counts(db, item_id) -> {"total", "status": {...}, "channel": {...}}
    outcomes(counts) -> {status: n}
    progress_words(db, item_ids) -> {item_id: "已发出 120 / 共 2958，排队中 2838"}
        The statuses as shown: those sent by mass send are `submitted` to WeChat, not delivered.
    customer_service_spent_until(r) -> ISO time or None
        Until when the day's customer-service messages are spent (45009; pushes go by mass send meanwhile).
    held_back(db, r, item_id) -> [{"reason", "count", ...}]
        Why the recipients still queued wait (the console says it and what to do).
    recipients_in(db, item_id, status), retrying(db, item_id) -> [{"name", "member_no", "why", ...}]
        Who failed or is uncertain, who waits for RQ's retry, each with why (failure_reason,
        uncertain_reason): the console's item page and `news status` say the same.
    failed_notices(db), retry_failed_notices(db, r), notices_told(db, key_prefix)
        Service notices that did not arrive (dashboard, `notices failed|retry`); whether a ticket's did.
    uncertain_notices(db)
        Service notices that may or may not have arrived (the dashboard says what to do about them).
    unread_inbox(db, openid) -> [{"item_id", ...}], mark_inbox_read(db, openid, item_ids)
    announce_inbox(db, r, config, message, reply, turn) -> reply
        The conversation engine's hook after each member message.
    reply_later(db, r, openid, reply)
        A reply that missed the passive-reply deadline (bot/webhook.py).
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
else (the window closed, or the send failed) a template message (content/templates.toml,
per kind); else it waits and goes by customer-service message as soon as the member
writes again. One whose sends failed past RQ's retries is `failed`: listed for the
secretariat (failed_notices, retry_failed_notices) and sent too when the member writes.
WeChat's answers move a recipient on: 45015/45047 to the next channel, 43004
to `unreachable` (and the member is marked unreachable); -1, 45009, timeouts
and 5xx are retried (by the client, then by RQ); token errors refresh once.
A mass send WeChat answered with such an error on every try of the client sent
nothing: its recipients go back to the queue in two halves, each a job of its
own, so a member whose every send fails (an openid WeChat's gateway errors on)
holds up only the halves it is in; two or three that fail RQ's last try too are
`failed`, with WeChat's answer (planner._not_done).

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
    again (`resend`). A row is `sending` only while its HTTP request
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
import re
import sqlite3
import uuid
from datetime import date, datetime, timezone

import redis

from bot import content
from bot.config import load_config
from bot.delivery import planner, tags, worker
from bot.messages import Inbound, Reply
from bot.outbound import enqueue, jobs_in_hand, send_reply_later, workers_serving
from bot.platform.accounts import make_client
from bot.wechat_client import CUSTOM_SEND, WeChatErrorCode
from bot.service_window import window_opened_by
from storage import deliveries as ledger
from storage import state
from storage.deliveries import QUEUED, SENT, UNCERTAIN
from storage.news import publish_item

log = logging.getLogger(__name__)

QUOTA = WeChatErrorCode.OUT_OF_API_FREQ_LIMIT.value  # 45009: the account's daily calls are spent
SUBMITTED = "submitted"  # an outcome shown (outcomes), not a row's status: sent by mass send


# --- public API -----------------------------------------------------------------------------------

def notify(r: redis.Redis, openid: str, text: str, kind: str = "service", key: str | None = None) -> str:
    """Queue a service notice to one member, ahead of any broadcast; returns the RQ job id.

    `kind` picks the template (content/templates.toml); the first line of
    `text` is the notice's headline there. `key`: the notice's own (it is sent at most once under
    it; a dues reminder's names its slot, to find it again); a new one by default.
    """
    return enqueue(r, planner.deliver_notice, key or uuid.uuid4().hex, openid, text, kind, at_front=True,
                   urgent=True)


def failed_notices(db, limit: int = 50) -> list[dict]:
    """Service notices that failed, newest first (storage.deliveries.notices_in)."""
    return ledger.notices_in(db, ledger.FAILED, limit)


def uncertain_notices(db, limit: int = 50) -> list[dict]:
    """Service notices that went out and may or may not have arrived (never sent again by themselves: a
    resend could deliver them twice), newest first, each with `why` (uncertain_reason)."""
    return [dict(row, why=uncertain_reason(row)) for row in ledger.notices_in(db, UNCERTAIN, limit)]


def notices_told(db, prefix: str) -> list[dict]:
    """Whether the notices keyed `prefix`... (notify's `key`) reached the member: each with `said`, its
    outcome in words (content/replies/delivery.toml [notice_outcomes]), and, when it failed, why."""
    told = []
    for notice in ledger.notices_keyed(db, prefix):
        channel = content.replies()["notice_outcomes"]["channels"].get(notice["channel"] or "", "")
        why = failure_reason(notice) if notice["status"] == ledger.FAILED else ""
        told.append(dict(notice, said=content.text(f"notice_outcomes.{notice['status']}", channel=channel, why=why)))
    return told


def retry_failed_notices(db, r: redis.Redis, key: str | None = None, today: date | None = None) -> int:
    """Queue every failed notice (or the one of `key`, if it failed) again, each under its own key (sent
    at most once), as it reads `today` (_as_now); returns how many. Each is queued first and then marked
    queued: stopped in between (Redis away, the process killed), a notice is either still listed failed
    or its job sends it all the same (planner.deliver_notice's `retry`), never queued in no queue."""
    notices = _as_now(db, ledger.failed_notices_of(db, key), today or date.today())
    for notice in notices:
        _send_again(db, r, notice)
    return len(notices)


def _send_again(db, r: redis.Redis, notice: dict) -> None:
    """A failed or waiting notice queued, then marked queued: stopped in between, its job sends it all the
    same (planner.deliver_notice's `retry`); stopped before, it is still failed or waiting."""
    enqueue(r, planner.deliver_notice, notice["key"], notice["openid"], notice["text"], notice["kind"],
            at_front=True, urgent=True, meta=planner.SENT_AGAIN)
    ledger.requeue_notice(db, notice["key"])


# A kind of notice that can go stale -> (db, notice, day) -> its text as it reads that day, None once it is no
# longer due (`notice`: its key, text ...; a kind may hold notices that never go stale, sent as they were). A kept or failed notice goes out late (the member's next message, a retry): it is read again
# first. Declared with @goes_stale by the modules handlers.register_notice_kinds() imports.
GOES_STALE: dict = {}


def goes_stale(kind: str):
    """Declare how a notice of `kind` reads when it goes out late (GOES_STALE)."""
    def declare(read_again):
        GOES_STALE[kind] = read_again
        return read_again
    return declare


def _as_now(db, notices: list[dict], today: date) -> list[dict]:
    """The notices kept or failed, as they are to be sent `today`: one of a kind that goes stale says
    what it says today (kept so), or is withdrawn (not sent, no longer listed failed) if no longer due."""
    current = []
    for notice in notices:
        read_again = GOES_STALE.get(notice["kind"])
        text = read_again(db, notice, today) if read_again else notice["text"]
        if text != notice["text"]:
            ledger.restate_notice(db, notice["key"], text)
        if text is not None:
            current.append(dict(notice, text=text))
    return current


def enqueue_broadcast(db, r: redis.Redis, item_id: int, recipients, progress=None) -> int:
    """Record a `queued` delivery per (item, openid) and queue the work; returns the rows added. An
    item sent is published: a draft written in the console comes into members' 会讯 list now.

    Running it again adds no rows; the rows still queued are queued again,
    which is harmless (each row goes to one job) and picks up work a crash
    lost. `progress(n)` is called as each group of n recipients is queued.
    """
    publish_item(db, item_id)
    added = ledger.queue_deliveries(db, item_id, recipients)
    planner.queue_item(r, item_id, ledger.queued_openids(db, item_id), load_config(), progress)
    return added


def resume_broadcast(db, r: redis.Redis, item_id: int) -> int:
    """Queue again what of the item is still queued or held by a dead worker; returns how many."""
    config = load_config()
    recovered = planner.recover_abandoned(db, r, config, item_id)
    waiting = ledger.queued_openids(db, item_id)
    planner.queue_item(r, item_id, waiting, config)
    return recovered + len(waiting)


def recipients_in(db, item_id: int, status: str) -> list[dict]:
    """Recipients whose push may or may not have arrived (UNCERTAIN) or failed (FAILED): name, member_no,
    updated_at, read_at, errcode, errmsg, and `why` in words (uncertain_reason, failure_reason)."""
    why = uncertain_reason if status == UNCERTAIN else failure_reason
    return [dict(row, why=why(row)) for row in ledger.recipients_in(db, item_id, status)]


def retrying(db, item_id: int) -> list[dict]:
    """Recipients back in the queue after a failed try, for RQ's next (as recipients_in, `why` the
    failure), but those waiting for WeChat's daily quota (45009): that is one reason for them all."""
    return [dict(row, why=failure_reason(row, retrying=True))
            for row in ledger.recipients_in(db, item_id, QUEUED, failed_once=True) if row["errcode"] != QUOTA]


def failure_reason(row: dict, retrying: bool = False) -> str:
    """Why a push or notice failed (`retrying`: why it went back to the queue for RQ's next try), from
    its errcode and errmsg, as a secretary reads it: WeChat out of reach, an HTTP error, or what
    WeChat's code means (content/replies/delivery.toml [delivery_reasons]). The console and the CLI say it."""
    then = "_retrying" if retrying else ""
    if row["errcode"] is None:
        http = re.fullmatch(r"HTTP (\d+)", row["errmsg"] or "")
        if http:
            return content.text(f"delivery_reasons.http{then}", status=http.group(1))
        return content.text(f"delivery_reasons.unreachable{then}")
    known = content.replies()["delivery_reasons"]["codes"].get(str(row["errcode"]))
    return known or content.text(f"delivery_reasons.code{then}", code=row["errcode"], message=row["errmsg"] or "")


def uncertain_reason(row: dict) -> str:
    """Why we cannot know whether an `uncertain` push arrived: its worker died while the send was out, or
    the send went out and WeChat answered too late or the connection broke (bot/wechat_client)."""
    errmsg = row["errmsg"] or ""
    if errmsg in (worker.DIED_DURING_SEND.error.errmsg, planner.TOO_LATE_TO_RESEND):
        cause = "worker"
    elif errmsg == worker.RESENT_IN_VAIN.errmsg:
        cause = "resent"
    else:
        cause = "timeout" if "Timeout" in errmsg or "timed out" in errmsg else "broken"
    return content.text(f"delivery_reasons.uncertain_{cause}")


def resend(db, r: redis.Redis, item_id: int, status: str) -> int:
    """The secretariat's choice: push the item again to its UNCERTAIN recipients (some may then have it
    twice) or its FAILED ones; returns how many were queued."""
    queued = ledger.requeue(db, item_id, status)
    if queued:
        planner.queue_batches(r, item_id, ledger.queued_openids(db, item_id), load_config())
    return queued


def earlier_wording(db, item_id: int) -> int:
    """How many members were pushed the item as it read before it was last changed (edited while sent)."""
    current = planner.item_version(ledger.newsletter_for_delivery(db, item_id))
    return sum(n for version, n in ledger.versions_sent(db, item_id).items() if version != current)


def resend_changed(db, r: redis.Redis, item_id: int) -> int:
    """Push the item as it reads now to those who were pushed an earlier wording; returns how many."""
    current = planner.item_version(ledger.newsletter_for_delivery(db, item_id))
    queued = ledger.requeue_other_versions(db, item_id, current)
    if queued:
        planner.queue_batches(r, item_id, ledger.queued_openids(db, item_id), load_config())
    return queued


def stop(db, item_id: int) -> dict:
    """The secretariat stops the item's send: who has not been sent it yet never is (ledger.stop_sending).
    Returns {"stopped", "sent", "sending"}: how many will not get it, how many were sent it, and how many
    sends are out right now (their outcome is recorded as usual)."""
    stopped = ledger.stop_sending(db, item_id)
    status = ledger.delivery_counts(db, item_id)["status"]
    return {"stopped": stopped, "sent": status.get(SENT, 0), "sending": status.get(ledger.SENDING, 0)}


def held_back(db, r: redis.Redis, item_id: int) -> list[dict]:
    """Why the item's recipients still wait, one entry per reason with its count: `quota` (WeChat refused
    their mass send for its calls a minute, 45009: RQ tries again, `at` when (ISO) if known), `busy` (WeChat refused for now or did not
    answer: RQ tries again, `at` when (ISO) if known; `members` who, and why: retrying), and for those not tried yet or held by a job
    whose worker died: `no_worker` (no worker takes this account's jobs), `waiting` (jobs wait for
    the `workers`), `stalled` (workers run but no job holds them: the work was lost, and
    resume_broadcast queues it again) or `no_queue` (Redis is out of reach). A mass send that went out
    without WeChat's answer, with a job scheduled to send it again under its clientmsgid (WeChat sends
    it at most once), is `unconfirmed`, `at` when that job runs (ISO), not stalled."""
    held, busy, untried = [], 0, 0
    for errcode, errmsg, count in ledger.queued_by_error(db, item_id):
        if errcode == QUOTA:
            held.append({"reason": "quota", "count": count, "at": None})
        elif errcode is not None or errmsg:
            busy += count
        else:
            untried += count
    retried = {"reason": "busy", "count": busy, "members": retrying(db, item_id), "at": None} if busy else None
    held += [retried] if retried else []
    claims = ledger.open_claims(db, item_id)
    try:
        live = state.live_leases(r, {row["claim"] for row in claims}) if claims else set()
        dead = [row for row in claims if row["claim"] not in live]
        mass = sum(1 for row in dead if row["status"] == ledger.SENDING and row["send_ref"])
        quota = [reason for reason in held if reason["reason"] == "quota"]
        check_at = planner.next_resend(r, item_id) if mass or busy or quota else None
        for waits in [retried] * bool(retried) + quota:
            waits["at"] = check_at
        if mass and check_at:
            held.append({"reason": "unconfirmed", "count": mass, "at": check_at})
        untried += len(dead) - (mass if mass and check_at else 0)
        workers = workers_serving(r) if untried else 0
        reason = "no_worker" if not workers else "waiting" if jobs_in_hand(r) else "stalled"
    except redis.RedisError:
        untried, workers, reason = untried + len(claims), 0, "no_queue"
    if untried:
        held.append({"reason": reason, "count": untried, "workers": workers})
    return held


def outcomes(counts: dict) -> dict:
    """delivery_counts' statuses as the secretariat reads them: of those `sent`, the ones sent by mass send
    are `submitted` (SUBMITTED: WeChat took the send and tells nothing of each member; it drops those who
    unfollowed there or are past their month's mass sends), the rest delivered."""
    status = dict(counts["status"])
    submitted = sum(counts["channel"].get(channel, 0) for channel in (planner.MASS, planner.MASS_BY_TAG))
    if submitted:
        status[SENT] -= submitted
        status = {code: n for code, n in status.items() if n} | {SUBMITTED: submitted}
    return status


def progress_words(db, item_ids) -> dict[int, str]:
    """How far each item's send is, in a few words (news_cli.progress: sent of all, and how many still
    queued or being sent, and failed, if any); "" for an item never sent. The news list, in the console
    and `news list`."""
    words = {}
    for item_id, status in ledger.counts_of_items(db, item_ids).items():
        waiting = sum(status.get(code, 0) for code in (QUEUED, *ledger.OPEN))
        parts = [content.text("news_cli.progress.sent", sent=status.get(SENT, 0), total=sum(status.values()))]
        parts += [content.text("news_cli.progress.waiting", count=waiting)] if waiting else []
        failed = status.get(ledger.FAILED, 0)
        parts += [content.text("news_cli.progress.failed", count=failed)] if failed else []
        words[item_id] = content.text("news_cli.progress.joiner").join(parts)
    return words


def customer_service_spent_until(r: redis.Redis) -> str | None:
    """Until when (ISO, UTC) the account's customer-service messages are spent for the day (45009: no
    process calls that API till then, pushes go by mass send or wait in the inbox), or None."""
    until = make_client(load_config(), r).quota_spent_until(CUSTOM_SEND)
    return datetime.fromtimestamp(until, timezone.utc).isoformat() if until else None


def delivery_counts(db, item_id: int) -> dict:
    """Recipients of the item per status (queued ... sent, inbox, unreachable, failed, uncertain)
    and, of those sent, per channel (customer_service, mass, mass_by_tag)."""
    return ledger.delivery_counts(db, item_id)


def unread_inbox(db, openid: str) -> list[dict]:
    """Items that could not be pushed to the member and were not read yet, newest first."""
    return ledger.unread_inbox(db, openid)


def mark_inbox_read(db, openid: str, item_ids) -> None:
    ledger.mark_inbox_read(db, openid, item_ids)


def announce_inbox(db, r: redis.Redis, config, message: Inbound, reply: Reply, turn: state.MemberTurn) -> Reply:
    """The hook the conversation engine calls after answering each member message.

    A message that opens the member's customer-service window (state.begin_message
    opened it) lets the notices that found no channel go out now, and the reply
    gets a line about unread newsletters. SQLite or Redis trouble here never
    spoils the reply. A member whose last message found nothing, with nothing put
    in since (the inbox mark read with the turn), costs no read.
    """
    if window_opened_by(message, config) is None or state.inbox_seen_empty(turn):
        return reply
    try:
        notices = _as_now(db, ledger.notices_waiting(db, message.openid), date.today())
        for notice in notices:
            _send_again(db, r, notice)
        unread = ledger.count_unread_inbox(db, message.openid)
    except (redis.RedisError, sqlite3.Error):
        log.exception("could not look for waiting notices of %s", message.openid)
        return reply
    if not notices and not unread:
        state.seen_inbox_empty(turn)
    return reply.with_note(content.text("inbox.unread", count=unread)) if unread else reply


def reply_later(db, r: redis.Redis, openid: str, reply: Reply) -> None:
    """A reply that missed the passive-reply deadline, by customer-service message (bot/outbound.py).
    With Redis away it cannot be queued: it is kept as a notice waiting in the member's inbox, and
    goes out as soon as they write again (announce_inbox; a mark "nothing waiting" that Redis still
    holds hides it until it lapses, state.INBOX_EMPTY_SECONDS)."""
    try:
        send_reply_later(r, openid, reply)
    except redis.RedisError:
        log.warning("Redis unavailable; a late reply waits in the member's inbox for their next message")
        text = reply.text or "\n".join(f"{article.title}\n{article.url}" for article in reply.articles)
        if text:
            ledger.keep_notice(db, uuid.uuid4().hex, openid, "service", text)


def sync_tags_later(r: redis.Redis, openid: str, topics) -> str:
    """Queue a sync of the member's WeChat tags to `topics` (their subscriptions); returns the job id.

    Only the latest topics count: a sync applies whatever the member wants when
    it runs. Until every sync queued has finished, nothing is sent by tag.
    """
    with r.pipeline() as pipe:  # one transaction, one round trip, where the want and RQ's enqueue took three
        pipe.multi()
        state.want_topics(pipe, openid, topics)
        job_id = enqueue(r, tags.sync_tags, openid, pipeline=pipe)
        pipe.execute()
    return job_id
