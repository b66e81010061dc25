"""`python -m bot doctor`: is this deployment set up right? One checklist, each line passed or
failed with the fix in plain words (content/replies/doctor_cli.toml). The console's dashboard
shows the same list (bot/admin/dashboard.py).

Every check runs with a short timeout and never raises: a check that cannot tell fails, saying why.
"""
from __future__ import annotations

import dataclasses
import hashlib
import re
import shutil
import time
from dataclasses import asdict, dataclass
from datetime import datetime

import requests

from bot import clock, content
from bot.config import DEV_ADMIN_SECRET_KEY, Config
from bot.privacy import hide_secrets

MIN_FREE_BYTES = 1 << 30  # 1 GiB
MIN_FREE_SHARE = 0.05
REPLICA_LAG_SECONDS = 600  # the store changed this long after the replica did: replication stopped


@dataclass
class Check:
    name: str
    passed: bool
    title: str
    detail: str
    fix: str

    def as_dict(self) -> dict:
        return asdict(self)


class Failed(Exception):
    """A check's failure: `code` picks the detail and fix texts, `fields` fill them."""

    def __init__(self, code: str, **fields):
        super().__init__(code)
        self.code, self.fields = code, fields


def _text(key: str, **fields) -> str:
    return content.text(f"doctor.{key}", **fields)


# --- the checks: each returns the fields of its `ok` text or raises Failed ----------------------

def check_secrets(config: Config, services) -> dict:
    if config.dev_mode:
        raise Failed("dev_mode")
    if not re.fullmatch(r"wx[0-9a-f]{16}", config.app_id):
        raise Failed("app_id", value=config.app_id)
    if not re.fullmatch(r"[0-9a-f]{32}", config.app_secret):
        raise Failed("app_secret")
    if config.admin_secret_key == DEV_ADMIN_SECRET_KEY:
        raise Failed("admin_key")
    return {}


def check_api(config: Config, services) -> dict:
    from bot.wechat_client import WeChatAPIError

    try:
        services.client().access_token  # noqa: B018 (cached in Redis; fetched when there is none)
    except WeChatAPIError as error:
        code = {40001: "api_secret", 40125: "api_secret", 40013: "api_app_id", 40164: "api_ip",
                61004: "api_ip"}.get(error.errcode, "api_error")
        raise Failed(code, error=f"{error.errcode} {error.errmsg}"[:200]) from None
    except requests.RequestException as error:
        raise Failed("api_unreachable", error=str(error)[:200]) from None
    return {"base": config.api_base}


def check_public_url(config: Config, services) -> dict:
    base = config.public_base_url
    if not base:
        raise Failed("no_public_url")
    if not base.startswith("https://"):
        raise Failed("not_https", url=base)
    timestamp, nonce, echostr = str(int(time.time())), "doctor", f"doctor{int(time.time())}"
    signature = hashlib.sha1("".join(sorted([config.wechat_token, timestamp, nonce])).encode()).hexdigest()
    url = f"{base}/wechat"
    try:
        answer = services.http_get(url, params={"signature": signature, "timestamp": timestamp,
                                                "nonce": nonce, "echostr": echostr})
    except requests.RequestException as error:
        raise Failed("url_unreachable", url=url, error=str(error)[:200]) from None
    if answer.status_code != 200 or answer.text.strip() != echostr:
        raise Failed("url_wrong_answer", url=url, status=answer.status_code)
    return {"url": url}


def check_redis(config: Config, services) -> dict:
    r = services.redis()
    key = "xh:doctor:probe"
    r.set(key, "1", ex=10)
    if r.get(key) != b"1":
        raise Failed("redis_readback")
    r.delete(key)
    if not r.info("persistence").get("aof_enabled"):
        raise Failed("redis_no_aof")  # queued notices and forms would go with a crash
    return {}


def check_sqlite(config: Config, services) -> dict:
    from storage.database import take_and_release_write_lock
    from storage.migrations import pending_migrations

    db = services.db()
    take_and_release_write_lock(db)
    pending = pending_migrations(db)
    if pending:
        raise Failed("sqlite_pending", count=len(pending))
    return {"path": config.sqlite_path}


def check_workers(config: Config, services) -> dict:
    from rq.scheduler import RQScheduler

    from bot.outbound import QUEUE_NAME, workers_serving

    r = services.redis()
    workers = workers_serving(r)
    if not workers:
        raise Failed("no_workers")
    if not r.exists(RQScheduler.get_locking_key(QUEUE_NAME)):
        raise Failed("no_scheduler", count=workers)
    return {"count": workers}


def check_timezone(config: Config, services) -> dict:
    """The society's zone is this process's local time (bot.clock), whatever the server's own: a
    machine without the zone's data (tzdata) silently keeps UTC instead."""
    clock.use_society_zone()
    offset = datetime.now().astimezone().utcoffset()
    if offset != datetime.now(clock.zone()).utcoffset():
        raise Failed("timezone", offset=str(offset))
    return {}


def check_disk(config: Config, services) -> dict:
    lowest = None
    for folder in (config.data_dir, config.replica_path):
        where = folder if folder.exists() else folder.parent
        if not where.exists():
            continue
        usage = shutil.disk_usage(where)
        if usage.free < MIN_FREE_BYTES or usage.free < MIN_FREE_SHARE * usage.total:
            raise Failed("disk_full", path=folder, free=f"{usage.free / (1 << 30):.1f}")
        lowest = min(lowest or usage.free, usage.free)
    return {"free": f"{(lowest or 0) / (1 << 30):.1f}"}


def check_replica(config: Config, services) -> dict:
    from storage import backups, replication

    replicated = replication.last_replicated_at(config.replica_path)
    newest = backups.newest_backup(config.backup_dir)
    backed_up = newest.stat().st_mtime if newest else None
    latest = max(t for t in (replicated, backed_up, 0) if t is not None)
    if not latest:
        raise Failed("no_replica", replica=config.replica_path)
    age_hours = (time.time() - latest) / 3600
    store_changed = max((p.stat().st_mtime for p in config.data_dir.glob("bot.sqlite3*") if p.is_file()),
                        default=0)
    if replicated and store_changed - replicated > REPLICA_LAG_SECONDS and not (
            backed_up and backed_up >= store_changed):
        raise Failed("replica_behind", minutes=int((store_changed - replicated) / 60))
    if age_hours > config.backup_max_age_hours:
        raise Failed("replica_old", hours=int(age_hours))
    when = datetime.fromtimestamp(latest).strftime("%Y-%m-%d %H:%M")
    return {"when": when, "what": "副本" if latest == replicated else "备份"}


def check_menu(config: Config, services) -> dict:
    from bot.golive import menu

    wanted = menu.build(content.menu(), config.public_base_url, config.account)
    live = menu.live_menu(services.client())
    if live is None:
        raise Failed("menu_none")
    if not menu.same(live, wanted):
        raise Failed("menu_differs")
    return {}


def check_templates(config: Config, services) -> dict:
    from bot.golive import templates

    notices = templates.load(services.templates_file)
    gone, without = templates.in_sync(notices, templates.account_templates(services.client()))
    if gone:
        raise Failed("templates_gone", kinds="、".join(gone))
    return {"count": len(notices) - len(without),
            "without": _text("templates_without", kinds="、".join(without)) if without else ""}


CHECKS = [
    ("secrets", check_secrets), ("api", check_api), ("public_url", check_public_url),
    ("redis", check_redis), ("sqlite", check_sqlite), ("workers", check_workers),
    ("timezone", check_timezone), ("disk", check_disk), ("replica", check_replica),
    ("menu", check_menu), ("templates", check_templates),
]


class Services:
    """The connections the checks share, opened on first use; tests may replace `http_get`."""

    def __init__(self, config: Config, db=None, r=None):
        from bot.golive.templates import TEMPLATES_FILE

        self.config, self._db, self._redis, self._client = config, db, r, None
        self.templates_file = TEMPLATES_FILE

    def redis(self):
        if self._redis is None:
            from storage.state import connect_redis

            self._redis = connect_redis(self.config)
        return self._redis

    def db(self):
        if self._db is None:
            from storage.database import open_database

            self._db = open_database(self.config.sqlite_path)
        return self._db

    def client(self):
        if self._client is None:
            from bot.platform.accounts import make_client

            # One try each, short: the console runs the checklist inside a web request.
            quick = dataclasses.replace(self.config, api_max_retries=0,
                                        api_timeout_seconds=min(self.config.api_timeout_seconds, 5.0))
            self._client = make_client(quick, self.redis())
        return self._client

    def http_get(self, url, params):
        return requests.get(url, params=params, timeout=5)


def report(checks: list[Check]) -> dict:
    """The checks as kept and shown, with any secret a failure's message quoted hidden (a failed call to
    WeChat quotes its URL, AppSecret included: the dashboard shows the report to every staff member)."""
    return {"passed": all(c.passed for c in checks), "at": datetime.now().strftime("%Y-%m-%d %H:%M"),
            "checks": [dict(c.as_dict(), detail=hide_secrets(c.detail), fix=hide_secrets(c.fix)) for c in checks]}


def config_failure(error: str) -> dict:
    """The report when the settings cannot even be read: the secrets line fails, naming the setting."""
    return report([Check("secrets", False, _text("secrets.title"), _text("secrets.config", error=error),
                         _text("fix.config"))])


def run_and_keep(config: Config, services: Services | None = None) -> dict:
    """Run the checks and keep the report in Redis for the dashboard (when Redis answers)."""
    from storage.state import save_doctor_report

    services = services or Services(config)
    result = report(run_checks(config, services))
    try:
        save_doctor_report(services.redis(), result)
    except Exception:  # noqa: BLE001 (Redis down is one of the failed checks already)
        pass
    return result


def run_checks(config: Config, services: Services | None = None) -> list[Check]:
    services = services or Services(config)
    results = []
    for name, check in CHECKS:
        title = _text(f"{name}.title")
        try:
            fields = check(config, services)
            results.append(Check(name, True, title, _text(f"{name}.ok", **fields), ""))
        except Failed as failure:
            results.append(Check(name, False, title, _text(f"{name}.{failure.code}", **failure.fields),
                                 _text(f"fix.{failure.code}", **failure.fields)))
        except Exception as error:  # noqa: BLE001 (a check that cannot tell fails, saying why)
            results.append(Check(name, False, title, _text("error", error=f"{type(error).__name__}: {error}"[:300]),
                                 _text("fix.unexpected")))
    return results
