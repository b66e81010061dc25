"""With the platform, every authorised society's periodic jobs run in its own store and queue, once each."""
from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from rq import Queue

from bot import scheduler
from bot.outbound import QUEUE_NAME
from storage import schedule as runs
from storage import societies
from storage.accounts import queue_name, serving_account
from tests.test_platform import AGRI, CHEM, config, registry, two_societies  # noqa: F401  (fixtures)

pytest_plugins = ["tests.fake_wechat"]
SHANGHAI = ZoneInfo("Asia/Shanghai")


def test_each_society_runs_its_jobs_once_in_its_own_store_and_queue(two_societies, config,  # noqa: F811
                                                                     redis_client):
    settings = config
    first = datetime(2030, 12, 2, 8, 59, tzinfo=SHANGHAI)
    assert scheduler.tick_every_society(settings, redis_client, first) == {None: [], CHEM: [], AGRI: []}
    nine = datetime(2030, 12, 2, 9, 0, 20, tzinfo=SHANGHAI)
    queued = scheduler.tick_every_society(settings, redis_client, nine)
    assert {appid: len(ids) for appid, ids in queued.items()} == {None: 2, CHEM: 2, AGRI: 2}
    assert scheduler.tick_every_society(settings, redis_client, nine) == {None: [], CHEM: [], AGRI: []}
    for appid in (CHEM, AGRI):
        store = societies.open_society_database(two_societies, appid)
        assert sorted(run["job"] for run in runs.recent_runs(store, 10)) == ["dues_reminders", "event_reminders"]
        with serving_account(appid):
            jobs = Queue(queue_name(QUEUE_NAME), connection=redis_client).jobs
        assert sorted(job.args[0] for job in jobs) == sorted(queued[appid])


def test_on_one_of_several_hosts_the_deployments_own_jobs_run_on_that_host(two_societies, config,  # noqa: F811
                                                                           redis_client):
    """Every host's worker takes the shared queue "outbound": a run opened in this host's own store
    and queued there could be taken by another host, which would look for it in its own store."""
    from dataclasses import replace

    from bot.platform.shards import queue_of

    host_a = replace(config, shard="host_a")
    scheduler.tick_every_society(host_a, redis_client, datetime(2030, 12, 2, 8, 59, tzinfo=SHANGHAI))
    queued = scheduler.tick_every_society(host_a, redis_client, datetime(2030, 12, 2, 9, 0, 20, tzinfo=SHANGHAI))
    own = Queue(queue_of("host_a"), connection=redis_client).jobs
    assert sorted(job.args[0] for job in own) == sorted(queued[None]) and queued[None]
    assert Queue(QUEUE_NAME, connection=redis_client).jobs == []
    with serving_account(CHEM):  # a society's jobs stay on its own queue, on its host
        assert sorted(job.args[0] for job in Queue(queue_name(QUEUE_NAME), connection=redis_client).jobs) == \
            sorted(queued[CHEM])
