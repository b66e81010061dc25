"""The worker side of delivery: the lease a job holds and the outcome of each send.

A job claims its rows under a fresh token and keeps the token's lease alive in
Redis while it runs (leased_run); each send is marked `sending` only while its
request is out and settled right after (send_one, settle). When a worker dies
its leases run out and the planner's recover_abandoned queues its rows again
(bot/delivery/__init__.py says what each row becomes).
"""
from __future__ import annotations

import contextvars
import logging
import threading
import uuid
from contextlib import contextmanager
from dataclasses import dataclass

import redis
from rq import get_current_job

from bot.config import Config, load_config
from bot.wechat_client import (
    DeliveryUncertain,
    OutsideServiceWindow,
    TOKEN_ERRORS,
    SendWithdrawn,
    TokenAnswerInvalid,
    UserUnfollowed,
    WeChatAPIClient,
    WeChatAPIError,
)
from bot.platform.accounts import make_client
from storage import deliveries as ledger
from storage import state
from storage.database import open_database
from storage.deliveries import CLAIMED, FAILED, QUEUED, SENT, UNCERTAIN, UNREACHABLE, Rows
from storage.members import set_reachable_by_openid

log = logging.getLogger(__name__)


class DeliveryDeferred(Exception):
    """Some recipients met a transient failure and went back to the queue: RQ runs the job again."""


# --- one job's stores, client and claim -------------------------------------------------------

@dataclass
class Run:
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
def leased_run():
    """Open the stores and hold a lease on a new claim token while the job runs."""
    config = load_config()
    r = state.connect_redis(config)
    db = open_database(config.sqlite_path)
    token = uuid.uuid4().hex
    seconds = config.delivery_lease_seconds
    state.hold_lease(r, token, seconds)
    stop = threading.Event()
    # In the job's context: a society's lease key is in its namespace (storage.accounts), which a
    # new thread would not inherit, and it would renew a key nobody holds.
    keeper = threading.Thread(target=contextvars.copy_context().run, args=(_keep_lease, r, token, seconds, stop),
                              daemon=True)
    keeper.start()
    job = get_current_job()
    try:
        yield Run(config, r, db, make_client(config, r), token, not (job and job.retries_left))
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
class Outcome:
    status: str  # SENT, CLAIMED (try the next channel), QUEUED (retry later), or final
    error: WeChatAPIError | None = None


DIED_DURING_SEND = Outcome(UNCERTAIN, WeChatAPIError(None, "the worker died during the send"))
# A mass send whose first answer never came, refused by WeChat each time it was sent again with its clientmsgid.
RESENT_IN_VAIN = WeChatAPIError(None, "no answer to the first send; WeChat refused it sent again")


def attempt(run: Run, send) -> Outcome:
    try:
        send()
    except OutsideServiceWindow as error:
        return Outcome(CLAIMED, error)
    except UserUnfollowed as error:
        return Outcome(UNREACHABLE, error)
    except DeliveryUncertain as error:
        return Outcome(UNCERTAIN, error)
    except WeChatAPIError as error:
        return Outcome(QUEUED if error.transient and not run.last_attempt else FAILED, error)
    return Outcome(SENT)


def settle(run: Run, rows: Rows, outcome: Outcome, channel: str | None = None) -> None:
    error = outcome.error
    ledger.settle(run.db, rows, run.token, outcome.status, channel,
                  errcode=error.errcode if error else None, errmsg=error.errmsg if error else None, r=run.r)


def refused(outcome: Outcome) -> bool:
    """A permanent refusal with WeChat's code (e.g. a template id WeChat does not know); not -1 or 45009
    after RQ's last try, which are failures."""
    return outcome.status == FAILED and outcome.error.errcode is not None and not outcome.error.transient


def failed(outcome: Outcome) -> bool:
    """Any failure but an unknown outcome: WeChat refused the send or surely never carried it out.

    Not a failure of the account's access token: every channel shares it, so the next one would only
    fail (and log) the same way; RQ's next try is what may succeed."""
    token = isinstance(outcome.error, TokenAnswerInvalid) or getattr(outcome.error, "errcode", None) in TOKEN_ERRORS
    return outcome.status in (QUEUED, FAILED) and not token


def send_one(run: Run, rows: Rows, openid: str, channel: str, send, next_if=None,
             version: str | None = None) -> Outcome | None:
    """Send to one recipient through `channel` and record it (with what it carries, `version`); None if the
    row is no longer ours.

    An outcome `next_if(outcome)` says yes to (refused, failed) sends the recipient on to the next
    channel (CLAIMED, with the error) instead of recording it.
    """
    if not ledger.begin_sending(run.db, rows, run.token, channel, dry_run=True):
        return None

    def leaving() -> bool:  # the token is in hand and the rate-limit turn granted: the request goes now
        return bool(ledger.begin_sending(run.db, rows, run.token, channel, version=version))

    def stayed() -> None:  # refused or never arrived: not sent, while the client backs off and waits
        ledger.settle(run.db, rows, run.token, CLAIMED, channel)

    try:
        with run.client.on_departure(leaving, stayed):
            outcome = attempt(run, send)
    except SendWithdrawn:
        return None
    if next_if and next_if(outcome):
        outcome = Outcome(CLAIMED, outcome.error)
    settle(run, rows, outcome, channel)
    if outcome.status == UNREACHABLE:
        set_reachable_by_openid(run.db, openid, False)
    return outcome


def settle_mass(run: Run, rows: Rows, outcome: Outcome, channel: str, month: str, openids: list[str],
                resent: bool = False) -> bool:
    """Record a mass send; returns whether it is to be sent again (same clientmsgid, by recovery).
    `resent`: the send of a worker that died while it was out, sent again with its clientmsgid."""
    if outcome.status == QUEUED:
        return True  # stays `sending`: sent again with its clientmsgid, which WeChat sends at most once
    if outcome.status != SENT:
        # No answer at all may mean it went out; a WeChat error code or an HTTP error on every try means
        # it did not, but a resent one's first send may have gone all the same: its worker died.
        done = outcome.error.errcode is None and not outcome.error.undone
        if resent and (done or outcome.error.transient):
            outcome = Outcome(UNCERTAIN, outcome.error if done else RESENT_IN_VAIN)
        else:
            outcome = Outcome(UNCERTAIN if done else FAILED, outcome.error)
        if outcome.status == FAILED:
            state.release_mass_sends(run.r, month, openids)
    settle(run, rows, outcome, channel)
    return False
