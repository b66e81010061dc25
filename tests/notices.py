"""What the delivery pipeline was asked to send: the service notices waiting on the RQ queue."""
from __future__ import annotations

from rq import Queue

from bot.delivery import planner
from bot.outbound import QUEUE_NAME


def queued_notices(r) -> list[dict]:
    """Every notice queued by delivery.notify and not run yet: {openid, text, kind}. Notices jump
    the queue (at_front), so the newest comes first."""
    jobs = Queue(QUEUE_NAME, connection=r).jobs
    return [{"openid": job.args[1], "text": job.args[2], "kind": job.args[3]}
            for job in jobs if job.func_name == f"{planner.__name__}.{planner.deliver_notice.__name__}"]
