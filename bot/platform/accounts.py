"""One society's account inside a deployment that serves many: its services, its client, its queue.

`Platform` is what a web process keeps for all of them: the registry, the component client, and
one `AccountServices` per society, which the conversation engine uses exactly as it uses the
single account's `Services` (config, db, redis, pool), so every capability works for every
society unchanged. The society's namespace (storage.accounts) is entered around each request and
each job; `AccountPool` carries it into the handler threads.
"""
from __future__ import annotations

import threading
import time
from collections import OrderedDict
from concurrent.futures import Future
from dataclasses import replace
from pathlib import Path

import redis

from bot.config import Config
from bot.platform import holding
from bot.platform.component import PlatformComponent
from bot.wechat_client import WeChatAPIClient, WeChatAPIError
from storage import societies
from storage.accounts import queue_name, serving_account
from storage.database import open_database
from storage.state import forget_revocations, invalidate_access_token_if, load_access_token, noted_revocations


class AccountRefused(Exception):
    """A request for an account this deployment does not serve; `status` is the HTTP answer."""

    def __init__(self, status: int, reason: str):
        super().__init__(reason)
        self.status, self.reason = status, reason


def account_config(config: Config, appid: str) -> Config:
    """The configuration one society's work runs with: its AppID, its own store and backups."""
    return replace(config, account=appid, app_id=appid)


def message_config(config: Config) -> Config:
    """What opens and seals every account's messages: the platform's token, key and AppID."""
    return replace(config, wechat_token=config.component_token, encoding_aes_key=config.component_aes_key,
                   app_id=config.component_app_id)


def open_platform_registry(config: Config):
    return societies.open_registry(societies.registry_path(config.data_dir))


def own_store(config: Config, appid: str) -> Path | None:
    """The store of the deployment's own account (WECHAT_APP_ID), when it is the society being
    registered: the one single-account mode has always used (data/bot.sqlite3), so a society that
    served its account alone and now comes onto the platform keeps its data where it is. None for
    any other account (societies/<appid>/bot.sqlite3)."""
    if config.account or appid != config.app_id:
        return None
    return config.data_dir / societies.DATABASE_FILE


class AuthorizerClient(WeChatAPIClient):
    """An account's API client when the platform acts for it: its access token comes from the
    component (api_authorizer_token with the refresh token kept in the registry), shared in Redis
    and refreshed by one process at a time per account, exactly as the single account's."""

    def __init__(self, config: Config, r: redis.Redis):
        super().__init__(config, r)
        self._config = config

    def request_token(self) -> dict:
        registry = open_platform_registry(self._config)
        try:
            society = societies.find_society_by_appid(registry, self.appid)
            if not society or society["status"] != societies.AUTHORIZED:
                raise WeChatAPIError(None, f"{self.appid} has not authorised the platform")
            answer = PlatformComponent(self._config, self._redis).refresh_authorizer_token(
                self.appid, society["authorizer_refresh_token"])
            if not answer.get("authorizer_access_token"):
                raise WeChatAPIError(answer.get("errcode"), "answer without authorizer_access_token",
                                     transient=True)
            renewed = answer.get("authorizer_refresh_token")
            if renewed and renewed != society["authorizer_refresh_token"]:
                societies.store_refresh_token(registry, self.appid, renewed)
        finally:
            registry.close()
        return {"access_token": answer["authorizer_access_token"], "expires_in": answer.get("expires_in", 7200)}


def make_client(config: Config, r: redis.Redis) -> WeChatAPIClient:
    """The client every process uses; `r` holds the shared token. A society served through the
    third-party platform (config.account) gets its authoriser client."""
    if config.account:
        return AuthorizerClient(config, r)
    return WeChatAPIClient(config, r)


class AccountPool:
    """The shared handler pool, running each task (and its done-callbacks) in the society's namespace;
    after each, the society's store goes back to the platform's idle connections."""

    def __init__(self, platform: "Platform", appid: str):
        self._pool, self._appid, self._data_dir = platform.services.pool, appid, platform.config.data_dir
        self._platform = platform

    def submit(self, fn, *args, **kwargs) -> Future:
        outer: Future = Future()

        def run():
            with serving_account(self._appid, self._data_dir):
                if not outer.set_running_or_notify_cancel():
                    return
                try:
                    outer.set_result(fn(*args, **kwargs))  # callbacks run here, in the namespace
                except BaseException as error:  # noqa: B036 (handed to the waiting caller)
                    outer.set_exception(error)
                finally:
                    self._platform.release_stores()

        self._pool.submit(run)
        return outer


class AccountServices:
    """Services for one society: its config and its own SQLite file; Redis and the pool shared."""

    def __init__(self, platform: "Platform", appid: str):
        self.config = account_config(platform.config, appid)
        self.redis = platform.services.redis
        self.pool = AccountPool(platform, appid)
        self._platform = platform

    @property
    def db(self):
        return self._platform.database(self.config)


class Platform:
    """What one web process keeps for every society it serves."""

    def __init__(self, services):
        # Idle SQLite connections kept for the next message, of any society, at most
        # (config.platform_idle_stores): opening a store costs milliseconds (a connect and the
        # PRAGMAs), and every society's store open in each of 16 handler threads would be 48 file
        # descriptors a society (file, -wal, -shm each) and as many page caches.
        self.idle_stores = services.config.platform_idle_stores
        self.services = services
        self.config = services.config
        self.message_config = message_config(services.config)
        self._local = threading.local()
        self._accounts: dict[str, AccountServices] = {}
        self._idle: OrderedDict[str, list] = OrderedDict()  # appid -> idle connections, least recent first
        self._idle_count = 0
        self._migrated: set[str] = set()
        self._lock = threading.Lock()
        registry = open_platform_registry(self.config)  # create or migrate once, up front
        try:
            if self.config.platform_demo:
                register_demo_societies(registry)
        finally:
            registry.close()

    def database(self, config: Config):
        """The society's store for this thread until release_stores(): an idle connection when there
        is one (SQLite connections here may change threads, never be used by two at once)."""
        held = getattr(self._local, "held", None)
        if held is None:
            held = self._local.held = {}
        database = held.get(config.account)
        if database is None:
            with self._lock:
                idle = self._idle.get(config.account)
                database = idle.pop() if idle else None
                if database is not None:
                    self._idle_count -= 1
            if database is None:
                database = open_database(config.sqlite_path, apply_migrations=config.account not in self._migrated)
                self._migrated.add(config.account)
            held[config.account] = database
        return database

    def release_stores(self) -> None:
        """The thread's message is done: its stores go back to the idle ones (the oldest closed past
        idle_stores)."""
        held = getattr(self._local, "held", None)
        if not held:
            return
        closing = []
        with self._lock:
            for appid, database in held.items():
                self._idle.setdefault(appid, []).append(database)
                self._idle.move_to_end(appid)
                self._idle_count += 1
            while self._idle_count > self.idle_stores:
                appid, idle = next(iter(self._idle.items()))
                closing.append(idle.pop(0))
                self._idle_count -= 1
                if not idle:
                    del self._idle[appid]
        held.clear()
        for database in closing:
            database.close()

    @property
    def registry(self):
        registry = getattr(self._local, "registry", None)
        if registry is None:
            registry = self._local.registry = open_platform_registry(self.config)
        return registry

    def component(self) -> PlatformComponent:
        return PlatformComponent(self.config, self.services.redis)

    def serving(self, appid: str) -> AccountServices:
        """The society's services, if this deployment answers for it now (read from the registry on
        every call: a revocation in any process holds at once). Nothing is created for a refusal.
        While the society is being moved to another host the request waits (bot/platform/moving.py;
        sharded deployments only)."""
        try:
            societies.check_appid(appid)
        except societies.InvalidAppId:
            raise AccountRefused(404, "not an AppID") from None
        r = self.services.redis
        # Societies move only between the hosts of a sharded deployment (BOT_SHARD): one host reads nothing for it.
        if self.config.shard and holding.hold_while_moving(r, appid, self.config.move_hold_seconds):
            raise AccountRefused(503, "the society is being moved to another host")  # WeChat tries again
        society = societies.find_society_by_appid(self.registry, appid)
        if society is None:
            gone = holding.moved_to(r, appid)
            if gone:  # the proxy still sends it here: past WeChat's deadline its next try goes to the new host
                time.sleep(self.config.move_hold_seconds)
                raise AccountRefused(503, f"the society moved to host {gone}")
            raise AccountRefused(404, "no society with this AppID")
        if society["status"] == societies.REVOKED:
            raise AccountRefused(410, "the account withdrew its authorisation")
        if society["status"] != societies.AUTHORIZED:
            raise AccountRefused(403, "the account has not authorised the platform yet")
        with self._lock:
            account = self._accounts.get(appid)
            if account is None:
                account = self._accounts[appid] = AccountServices(self, appid)
        return account


def check_society_served(config: Config, appid: str) -> bool:
    """Whether the registry holds this society (any state: a revoked one's data stays workable)."""
    if not config.platform or not societies.APPID_PATTERN.fullmatch(appid):
        return False
    registry = open_platform_registry(config)
    try:
        return societies.find_society_by_appid(registry, appid) is not None
    finally:
        registry.close()


def register_demo_societies(registry) -> None:
    """`PLATFORM_DEMO=1 make run`: the simulator's two societies (content/simulator.toml), authorised
    by a stand-in (no WeChat behind them: their replies are passive, nothing goes out)."""
    from bot import content

    for demo in content.load_toml("simulator.toml").get("demo_societies", []):
        found = societies.find_society_by_appid(registry, demo["appid"])
        if found is None or found["status"] != societies.AUTHORIZED:
            societies.register_society(registry, demo["appid"], demo["name"])
            societies.record_authorization(registry, demo["appid"], "demo-standin-refresh-token")


def revoke(registry, r: redis.Redis, appid: str) -> None:
    """Mark the society revoked and drop its shared access token."""
    societies.revoke_authorization(registry, appid)
    token = load_access_token(r, appid)
    if token:
        invalidate_access_token_if(r, appid, token)


def apply_revocations(config: Config, r: redis.Redis) -> list[str]:
    """Withdrawals another host received for societies this host keeps (see routes.withdraw_authorization)."""
    noted = noted_revocations(r)
    if not noted:
        return []
    registry = open_platform_registry(config)
    try:
        ours = [appid for appid in sorted(noted) if societies.find_society_by_appid(registry, appid)]
        for appid in ours:
            revoke(registry, r, appid)
    finally:
        registry.close()
    forget_revocations(r, ours)
    return ours


def authorized_appids(config: Config) -> list[str]:
    registry = open_platform_registry(config)
    try:
        return [s["appid"] for s in societies.list_societies(registry, societies.AUTHORIZED)]
    finally:
        registry.close()


def account_queue_names(config: Config, base: str, r: redis.Redis | None = None) -> list[str]:
    """Every authorised society's queue of that kind, for the workers to serve; given `r`, not those of
    a society being moved to another host (its jobs wait in Redis for whichever host keeps it next)."""
    appids = authorized_appids(config)
    if r is not None:
        appids = [appid for appid in appids if appid not in holding.moving_among(r, appids)]
    names = []
    for appid in appids:
        with serving_account(appid):
            names.append(queue_name(base))
    return names


def recover_every_society(config: Config, r: redis.Redis, recover) -> None:
    """At a worker's start: `recover(config, r)` (what dead workers left) for every society."""
    for appid in authorized_appids(config):
        with serving_account(appid):
            recover(account_config(config, appid), r)
