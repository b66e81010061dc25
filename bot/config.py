"""All configuration, read once from the environment (and an optional `.env`).

Every tunable number lives here so that nothing else reads `os.environ`.
"""
from __future__ import annotations

import hashlib
import hmac
import os
import re
from dataclasses import dataclass, fields
from pathlib import Path

from storage.accounts import current_account
from storage.replication import replica_of
from storage.societies import DATABASE_FILE, society_store_path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
CONTENT_DIR = PROJECT_ROOT / "content"

# Development defaults: safe to publish, useless in production.
DEV_TOKEN = "devtoken"
DEV_APP_ID = "wx0000000000dev000"
DEV_APP_SECRET = "devsecret"
DEV_AES_KEY = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"
DEV_ADMIN_SECRET_KEY = "dev-admin-secret-key-not-for-production"
MIN_ADMIN_SECRET_LENGTH = 32
REAL_API_BASE = "https://api.weixin.qq.com/cgi-bin/"
DEV_COMPONENT = {"component_app_id": "wx00000000platform", "component_app_secret": "devcomponentsecret",
                 "component_token": "devplatformtoken",
                 "component_aes_key": "platformdevkey0123456789abcdefghijklmnopqrs"}


class ConfigError(ValueError):
    """A setting has a value the bot cannot run with; the message is one line."""


SECRET_FIELD = re.compile(r"secret|token|aes_key|apiv3_key|private_key")


@dataclass(frozen=True)
class Config:
    wechat_token: str
    app_id: str
    app_secret: str
    encoding_aes_key: str
    api_base: str
    redis_url: str | None
    data_dir: Path
    dev_mode: bool
    replay_window_seconds: int = 300
    max_body_bytes: int = 64 * 1024
    dedupe_ttl_seconds: int = 600
    flow_ttl_seconds: int = 86400  # a half-done form, as long as content/conversation.toml draft_keep_seconds
    reply_budget_seconds: float = 4.0
    api_timeout_seconds: float = 5.0
    api_max_retries: int = 3
    # Outbound delivery (bot/delivery/). WeChat's numbers change now and then, so they live here.
    delivery_rate_per_second: float = 50.0  # API calls per second, all workers together
    delivery_rate_burst: int = 20  # calls that may go at once after a quiet spell
    mass_send_per_minute: int = 60  # WeChat refuses more mass-send calls than this a minute
    mass_sends_per_month: int = 4  # mass sends one user receives a calendar month (service account)
    delivery_batch_size: int = 500  # recipients per broadcast job
    delivery_lease_seconds: int = 30  # a dead worker's claims are taken over this long after it died
    cs_message_window: tuple[int, int] = (48 * 3600, 5)  # after a member's message: seconds, messages
    cs_event_window: tuple[int, int] = (60, 3)  # after a menu click, follow or QR scan
    # The web console (bot/admin/).
    admin_secret_key: str = DEV_ADMIN_SECRET_KEY  # signs the console's session cookie
    admin_cookie_secure: bool = False  # send the session cookie over HTTPS only (production)
    admin_session_hours: int = 8  # a log-in lasts a working day
    admin_max_failed_logins: int = 5  # wrong passwords in a row that lock an account ...
    admin_lockout_minutes: int = 15  # ... for this long
    admin_upload_max_bytes: int = 10 * 1024 * 1024  # largest roster file the console accepts
    admin_min_password_length: int = 8
    # Member pages inside WeChat (bot/pages/): web authorisation, the member session, certificates, pay.
    public_base_url: str | None = None  # https://bot.example.org: redirect_uri and notify_url are built on it
    oauth_base: str = "https://open.weixin.qq.com/connect/"  # where WeChat's authorisation page lives
    oauth_standin: bool = False  # development: the app plays WeChat's authorisation for the simulator
    member_session_minutes: int = 120  # a page session lasts this long from the authorisation, then re-asks
    pages_cookie_secure: bool = False
    certificate_key: str = "dev-certificate-key-not-for-production"  # HMAC key signing the certificate's QR code
    # WeChat Pay API v3 (bot/wechat_pay.py); online payment is offered only when all of these are set.
    pay_mchid: str | None = None
    pay_serial_no: str | None = None  # the merchant API certificate's serial number
    pay_private_key: str | None = None  # the merchant's private key (PEM text)
    pay_apiv3_key: str | None = None  # 32 characters: decrypts notifications
    pay_public_key: str | None = None  # WeChat Pay's public key (PEM text), which signs answers and notifications
    pay_public_key_id: str | None = None  # PUB_KEY_ID_...: the Wechatpay-Serial of what it signs
    pay_gateway: str = "https://api.mch.weixin.qq.com"
    pay_order_minutes: int = 30  # an unpaid order is closed after this long
    pay_timestamp_skew_seconds: int = 300  # a notification signed longer ago than this is refused
    pay_standin: bool = False  # development: `serve` pays through bot/wechat_pay_standin.py when no merchant is set
    pay_standin_url: str | None = None  # set by `serve` only: the running stand-in (its payment sheet)

    @property
    def pay_enabled(self) -> bool:
        return bool(self.pay_mchid and self.pay_serial_no and self.pay_private_key and self.pay_apiv3_key
                    and self.pay_public_key and self.pay_public_key_id)
    # Go-live (issue 17): replication and backups (storage/replication.py, storage/backups.py).
    replica_dir: Path | None = None  # Litestream's file replica: another disk in production
    replica_sync_ms: int = 200  # Litestream ships the WAL this often: the writes at risk on a crash
    replication: bool = True  # `serve` starts Litestream beside the private Redis
    restore_number_margin: int = 1000  # numbers skipped after restoring without the live store
    backup_max_age_hours: int = 26  # `doctor` fails when the newest replica/backup is older
    # One deployment for many societies' accounts (issue 19, bot/platform/): the third-party
    # platform's (第三方平台) AppID, secret, message token and key. Unset: one account, as always.
    component_app_id: str | None = None
    component_app_secret: str | None = None
    component_token: str | None = None
    component_aes_key: str | None = None
    component_login_url: str = "https://mp.weixin.qq.com/cgi-bin/componentloginpage"
    # The society this configuration serves (its AppID) when the platform serves many; None: the one
    # account above. Set by storage.accounts.serving_account (load_config) or bot/platform/accounts.py.
    account: str | None = None
    platform_demo: bool = False  # `make run`: the simulator shows two demo societies side by side
    worker_society_check_seconds: float = 30.0  # how soon a worker listens to a newly authorised society
    platform_idle_stores: int = 128  # society stores a web process keeps open (3 file descriptors each)
    # Past one machine (docs/platform.md): this host's name among the hosts sharing one Redis (the NAME
    # of `shards nginx-map`); None: one host. The province's questions to every host wait this long.
    shard: str | None = None
    shard_answer_seconds: float = 120.0
    # A society being moved to another host (bot/platform/moving.py): its requests wait this long for
    # the move to end, past WeChat's 5 s, so that WeChat tries again rather than show an error.
    move_hold_seconds: float = 6.0

    @property
    def platform(self) -> bool:
        return self.component_app_id is not None

    def secret_values(self) -> tuple[str, ...]:
        """The configured secrets (AppSecret, tokens, keys, the merchant's private key): the log hides
        them wherever an error quotes one (bot/privacy.py)."""
        return tuple(str(value) for field in fields(self)
                     if SECRET_FIELD.search(field.name) and (value := getattr(self, field.name)))

    @property
    def account_dir(self) -> Path:
        """Where this account's own files live (its store, its backups): the data directory, or the
        directory of the society's store as the registry has it."""
        return self.sqlite_path.parent

    @property
    def backup_dir(self) -> Path:
        return self.account_dir / "backups"

    @property
    def replica_root(self) -> Path:
        return self.replica_dir or self.data_dir.parent / f"{self.data_dir.name}-replica"

    @property
    def replica_path(self) -> Path:
        """This account's store's replica: a society's under the root (storage.replication.replica_of),
        the single store's (also the deployment's own account's on the platform) the root itself."""
        own_store = self.sqlite_path == self.data_dir / DATABASE_FILE
        return self.replica_root if own_store else replica_of(self.replica_root, self.account)

    @property
    def sqlite_path(self) -> Path:
        """The account's store: data/bot.sqlite3, or the society's as the registry recorded it
        (societies/<appid>/bot.sqlite3; a deployment's own account keeps data/bot.sqlite3)."""
        return society_store_path(self.data_dir, self.account) if self.account else self.data_dir / DATABASE_FILE

    @property
    def redis_socket(self) -> Path:
        return self.data_dir / "redis.sock"


def _int(environ, name: str, default: int, minimum: int = 0) -> int:
    raw = environ.get(name)
    if raw in (None, ""):
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ConfigError(f"{name} must be a whole number, got {raw!r}") from None
    if value < minimum:
        raise ConfigError(f"{name} must be at least {minimum}, got {value}")
    return value


def _float(environ, name: str, default: float) -> float:
    raw = environ.get(name)
    if raw in (None, ""):
        return default
    try:
        value = float(raw)
    except ValueError:
        raise ConfigError(f"{name} must be a number, got {raw!r}") from None
    if value <= 0:
        raise ConfigError(f"{name} must be positive, got {value}")
    return value


def _flag(environ, name: str, default: bool) -> bool:
    raw = (environ.get(name) or "").strip().lower()
    if raw == "":
        return default
    if raw in ("1", "true", "yes", "on"):
        return True
    if raw in ("0", "false", "no", "off"):
        return False
    raise ConfigError(f"{name} must be true or false, got {raw!r}")


def _text_or_file(environ, name: str) -> str | None:
    """A key given as PEM text in NAME, or in the file NAME_FILE names."""
    if environ.get(name):
        return environ[name]
    path = environ.get(f"{name}_FILE")
    if not path:
        return None
    try:
        return Path(path).read_text()
    except OSError as error:
        raise ConfigError(f"{name}_FILE cannot be read: {error.strerror}") from None


def load_dotenv_file() -> None:
    """Let a `.env` in the project root fill in what the environment leaves unset."""
    from dotenv import load_dotenv

    load_dotenv(PROJECT_ROOT / ".env", override=False)


def load_config(environ=None) -> Config:
    environ = os.environ if environ is None else environ
    dev_mode = environ.get("BOT_ENV", "development") != "production"

    def setting(name: str, dev_default: str) -> str:
        value = environ.get(name, "")
        if value:
            return value
        if not dev_mode:
            raise ConfigError(f"{name} must be set when BOT_ENV=production")
        return dev_default

    component = _component_settings(environ, dev_mode)
    if component and not environ.get("WECHAT_TOKEN"):  # the platform's token and key open every message
        environ = dict(environ, WECHAT_TOKEN=component["component_token"],
                       WECHAT_ENCODING_AES_KEY=component["component_aes_key"],
                       WECHAT_APP_ID=component["component_app_id"],
                       WECHAT_APP_SECRET=component["component_app_secret"])
    account = current_account()
    token = setting("WECHAT_TOKEN", DEV_TOKEN)
    if not re.fullmatch(r"[A-Za-z0-9]{3,32}", token):
        raise ConfigError("WECHAT_TOKEN must be 3 to 32 letters or digits (the platform's rule)")
    aes_key = setting("WECHAT_ENCODING_AES_KEY", DEV_AES_KEY)
    if not re.fullmatch(r"[A-Za-z0-9]{43}", aes_key):
        raise ConfigError(
            f"WECHAT_ENCODING_AES_KEY must be 43 letters or digits, got {len(aes_key)} characters"
        )
    api_base = environ.get("WECHAT_API_BASE") or REAL_API_BASE
    if not re.match(r"https?://", api_base):
        raise ConfigError(f"WECHAT_API_BASE must be an http(s) URL, got {api_base!r}")
    if not api_base.endswith("/"):
        api_base += "/"
    redis_url = environ.get("REDIS_URL") or None
    if redis_url and not re.match(r"(redis|rediss|unix)://", redis_url):
        raise ConfigError(f"REDIS_URL must start with redis://, rediss:// or unix://, got {redis_url!r}")
    data_dir = Path(environ.get("BOT_DATA_DIR") or PROJECT_ROOT / "var").resolve()
    admin_secret_key = setting("ADMIN_SECRET_KEY", DEV_ADMIN_SECRET_KEY)
    if len(admin_secret_key) < MIN_ADMIN_SECRET_LENGTH:
        raise ConfigError(f"ADMIN_SECRET_KEY must be at least {MIN_ADMIN_SECRET_LENGTH} characters "
                          "(e.g. python -c 'import secrets; print(secrets.token_urlsafe(32))')")

    public_base_url = (environ.get("PUBLIC_BASE_URL") or "").rstrip("/") or None
    if public_base_url and not re.match(r"https?://", public_base_url):
        raise ConfigError(f"PUBLIC_BASE_URL must be an http(s) URL, got {public_base_url!r}")
    # Unset, it is derived from ADMIN_SECRET_KEY (so changing that one re-issues every certificate's code).
    certificate_key = environ.get("CERTIFICATE_KEY") or hmac.new(
        admin_secret_key.encode(), b"member certificate", hashlib.sha256).hexdigest()
    if len(certificate_key) < MIN_ADMIN_SECRET_LENGTH:
        raise ConfigError(f"CERTIFICATE_KEY must be at least {MIN_ADMIN_SECRET_LENGTH} characters")
    replica_dir = environ.get("BOT_REPLICA_DIR")

    if not dev_mode and _flag(environ, "WECHATPAY_STANDIN", default=False):
        raise ConfigError("WECHATPAY_STANDIN is for development only: unset it when BOT_ENV=production")
    pay_apiv3_key = environ.get("WECHATPAY_APIV3_KEY") or None
    if pay_apiv3_key and len(pay_apiv3_key.encode()) != 32:
        raise ConfigError("WECHATPAY_APIV3_KEY must be 32 characters (set in the merchant platform)")

    return Config(
        wechat_token=token,
        app_id=account or setting("WECHAT_APP_ID", DEV_APP_ID),
        app_secret=setting("WECHAT_APP_SECRET", DEV_APP_SECRET),
        encoding_aes_key=aes_key,
        api_base=api_base,
        redis_url=redis_url,
        data_dir=data_dir,
        dev_mode=dev_mode,
        replay_window_seconds=_int(environ, "BOT_REPLAY_WINDOW", 300, minimum=1),
        max_body_bytes=_int(environ, "BOT_MAX_BODY_BYTES", 64 * 1024, minimum=1024),
        dedupe_ttl_seconds=_int(environ, "BOT_DEDUPE_TTL", 600, minimum=30),
        flow_ttl_seconds=_int(environ, "BOT_FLOW_TTL", 86400, minimum=60),
        reply_budget_seconds=_float(environ, "BOT_REPLY_BUDGET", 4.0),
        api_timeout_seconds=_float(environ, "WECHAT_API_TIMEOUT", 5.0),
        api_max_retries=_int(environ, "WECHAT_API_MAX_RETRIES", 3, minimum=0),
        delivery_rate_per_second=_float(environ, "DELIVERY_RATE_PER_SECOND", 50.0),
        delivery_rate_burst=_int(environ, "DELIVERY_RATE_BURST", 20, minimum=1),
        mass_send_per_minute=_int(environ, "MASS_SEND_PER_MINUTE", 60, minimum=2),
        mass_sends_per_month=_int(environ, "MASS_SENDS_PER_MONTH", 4, minimum=0),
        delivery_batch_size=_int(environ, "DELIVERY_BATCH_SIZE", 500, minimum=2),
        delivery_lease_seconds=_int(environ, "DELIVERY_LEASE_SECONDS", 30, minimum=1),
        cs_message_window=(_int(environ, "CS_WINDOW_SECONDS", 48 * 3600, minimum=1),
                           _int(environ, "CS_WINDOW_MESSAGES", 5)),
        cs_event_window=(_int(environ, "CS_EVENT_WINDOW_SECONDS", 60, minimum=1),
                         _int(environ, "CS_EVENT_WINDOW_MESSAGES", 3)),
        admin_secret_key=admin_secret_key,
        admin_cookie_secure=_flag(environ, "ADMIN_COOKIE_SECURE", default=not dev_mode),
        admin_session_hours=_int(environ, "ADMIN_SESSION_HOURS", 8, minimum=1),
        admin_max_failed_logins=_int(environ, "ADMIN_MAX_FAILED_LOGINS", 5, minimum=1),
        admin_lockout_minutes=_int(environ, "ADMIN_LOCKOUT_MINUTES", 15, minimum=1),
        admin_upload_max_bytes=_int(environ, "ADMIN_UPLOAD_MAX_BYTES", 10 * 1024 * 1024, minimum=1024),
        admin_min_password_length=_int(environ, "ADMIN_MIN_PASSWORD_LENGTH", 8, minimum=6),
        public_base_url=public_base_url,
        oauth_base=environ.get("WECHAT_OAUTH_BASE") or "https://open.weixin.qq.com/connect/",
        # Development without a real account (no WECHAT_API_BASE): the simulator's member is authorised here.
        oauth_standin=dev_mode and _flag(environ, "PAGES_DEV_LOGIN", default=api_base == REAL_API_BASE),
        member_session_minutes=_int(environ, "MEMBER_SESSION_MINUTES", 120, minimum=5),
        pages_cookie_secure=_flag(environ, "PAGES_COOKIE_SECURE", default=not dev_mode),
        certificate_key=certificate_key,
        pay_mchid=environ.get("WECHATPAY_MCHID") or None,
        pay_serial_no=environ.get("WECHATPAY_SERIAL_NO") or None,
        pay_private_key=_text_or_file(environ, "WECHATPAY_PRIVATE_KEY"),
        pay_apiv3_key=pay_apiv3_key,
        pay_public_key=_text_or_file(environ, "WECHATPAY_PUBLIC_KEY"),
        pay_public_key_id=environ.get("WECHATPAY_PUBLIC_KEY_ID") or None,
        pay_gateway=(environ.get("WECHATPAY_GATEWAY") or "https://api.mch.weixin.qq.com").rstrip("/"),
        pay_order_minutes=_int(environ, "WECHATPAY_ORDER_MINUTES", 30, minimum=5),
        pay_standin=dev_mode and _flag(environ, "WECHATPAY_STANDIN", default=True),
        replica_dir=Path(replica_dir).resolve() if replica_dir else None,
        replica_sync_ms=_int(environ, "BOT_REPLICA_SYNC_MS", 200, minimum=50),
        replication=_flag(environ, "BOT_REPLICATION", default=True),
        restore_number_margin=_int(environ, "BOT_RESTORE_NUMBER_MARGIN", 1000, minimum=0),
        backup_max_age_hours=_int(environ, "BOT_BACKUP_MAX_AGE_HOURS", 26, minimum=1),
        **component,
        account=account,
        platform_demo=dev_mode and _flag(environ, "PLATFORM_DEMO", default=False),
        worker_society_check_seconds=_float(environ, "PLATFORM_WORKER_CHECK_SECONDS", 30.0),
        platform_idle_stores=_int(environ, "PLATFORM_IDLE_STORES", 128, minimum=1),
        shard=_shard_name(environ),
        shard_answer_seconds=_float(environ, "SHARD_ANSWER_SECONDS", 120.0),
        move_hold_seconds=_float(environ, "MOVE_HOLD_SECONDS", 6.0),
    )


def _shard_name(environ) -> str | None:
    name = environ.get("BOT_SHARD") or None
    if name is not None and not re.fullmatch(r"[a-z][a-z0-9_]{0,30}", name):
        raise ConfigError("BOT_SHARD must be a host name of lowercase letters, digits and _ (as in shards nginx-map)")
    return name


def _component_settings(environ, dev_mode: bool) -> dict:
    """The third-party platform's settings: all four or none (then: one account, as always).
    `PLATFORM_DEMO=1` in development stands in with the simulator's platform."""
    names = {"component_app_id": "WECHAT_COMPONENT_APP_ID", "component_app_secret": "WECHAT_COMPONENT_APP_SECRET",
             "component_token": "WECHAT_COMPONENT_TOKEN", "component_aes_key": "WECHAT_COMPONENT_AES_KEY"}
    values = {field: environ.get(name) or None for field, name in names.items()}
    if dev_mode and not any(values.values()) and _flag(environ, "PLATFORM_DEMO", default=False):
        values = dict(DEV_COMPONENT)
    if not any(values.values()):
        return {}
    missing = [names[field] for field, value in values.items() if not value]
    if missing:
        raise ConfigError(f"{', '.join(missing)} must be set too: the third-party platform needs all four")
    if not re.fullmatch(r"wx[0-9A-Za-z]{16}", values["component_app_id"]):
        raise ConfigError("WECHAT_COMPONENT_APP_ID must be wx followed by 16 letters or digits")
    if not re.fullmatch(r"[A-Za-z0-9]{3,32}", values["component_token"]):
        raise ConfigError("WECHAT_COMPONENT_TOKEN must be 3 to 32 letters or digits (the platform's rule)")
    if not re.fullmatch(r"[A-Za-z0-9]{43}", values["component_aes_key"]):
        raise ConfigError("WECHAT_COMPONENT_AES_KEY must be 43 letters or digits")
    login_url = environ.get("WECHAT_COMPONENT_LOGIN_URL")
    return dict(values, **({"component_login_url": login_url} if login_url else {}))
