"""Job alert digests: one message per member with every new posting their alerts match.

The workers run it as the periodic job `job_alerts` (content/schedule.toml), and
`python -m bot jobs alerts send` runs it by hand; it may run as often as wanted.
Taking down expired postings is the periodic job `expire_postings` (`jobs expire`). A member receives job alerts for keyword alerts ("订阅招聘 人工智能":
postings with all the words) and for the `jobs` topic ("订阅招聘": every
posting). A posting is new to an alert when it was stored after the alert was
made, and it goes into at most one digest per member: storage.jobs.mark_alerted
records it in the transaction that queues the digest, so a second run (or two
at once) never repeats it, and a digest that could not be queued is tried
again by the next run. Expired postings are taken down first; closed and
expired ones are never sent.

Only active members who follow the account get digests, as with newsletters.
A digest is a service notice of kind "jobs" through bot.delivery.notify: a
customer-service message while the member's 48-hour window is open, else the
template of content/templates.toml, else it waits for the member's next message.
"""
from __future__ import annotations

from bot import content, delivery
from bot.periodic import JobRun, periodic
from handlers.jobs.board import alert_query, posting_line, settings
from storage import jobs as store


@periodic("job_alerts")
def send_alerts(run: JobRun) -> dict:
    return send_digests(run.db, run.redis, run.today.isoformat())


@periodic("expire_postings")
def expire_postings(run: JobRun) -> dict:
    """Take down the postings whose closing date has passed, then tidy the index (one segment)."""
    gone = store.expire_postings(run.db, run.today.isoformat())
    store.tidy_index(run.db)
    return {"count": len(gone), "postings": gone}


def send_digests(db, r, day: str) -> dict:
    """Take down expired postings, then queue each member's digest; what was done, for the CLI."""
    expired = store.expire_postings(db, day)
    recipients = store.alert_recipients(db)
    digests = []
    for openid in recipients:
        postings, keywords = new_postings(db, openid, day)
        if not postings:
            continue
        text = digest_text(postings, keywords)
        if store.mark_alerted(db, openid, [p["id"] for p in postings],
                              lambda: delivery.notify(r, openid, text, kind="jobs")):
            digests.append({"openid": openid, "postings": len(postings)})
    return {"expired": len(expired), "members": len(recipients), "digests": digests,
            "postings": sum(d["postings"] for d in digests)}


def new_postings(db, openid: str, day: str) -> tuple[list[dict], list[list[str]]]:
    """The member's postings for the next digest, newest first, and the keyword sets they hold."""
    found: dict[int, dict] = {}
    since = store.jobs_topic_since(db, openid)
    if since:
        found.update((p["id"], p) for p in store.unalerted_postings(db, openid, None, since, day))
    alerts = store.alerts_of(db, openid)
    for alert in alerts:
        for posting in store.unalerted_postings(db, openid, alert_query(alert["keywords"]), alert["created_at"], day):
            found.setdefault(posting["id"], posting)
    newest_first = sorted(found.values(), key=lambda p: (p["created_at"], p["id"]), reverse=True)
    return newest_first, [alert["keywords"] for alert in alerts]


def digest_text(postings: list[dict], keywords: list[list[str]]) -> str:
    """The first line is the notice's headline (a template message shows it on its own)."""
    shown = postings[:settings()["alerts"]["digest_items"]]
    rest = len(postings) - len(shown)
    example = " ".join(keywords[0]) if keywords else postings[0]["title"]
    return content.text(
        "jobs.digest.text", count=len(postings),
        lines="\n".join(posting_line(number, p) for number, p in enumerate(shown, 1)),
        rest=content.text("jobs.digest.rest", rest=rest, example=example) if rest else "",
        subscribed=content.text("jobs.digest.subscribed", keywords=content.text("jobs.digest.joiner").join(
            " ".join(words) for words in keywords)) if keywords else "",
        example=example)
