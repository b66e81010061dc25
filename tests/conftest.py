"""Shared fixtures: a real Redis server and a real SQLite file for every test.

REDIS_URL, when set, points the tests at an existing server (CI's or yours);
otherwise one private redis-server is started for the whole session.
Each test gets its own Redis database number's worth of keys flushed and its
own data directory. Browser tests get Debian's headless Chromium through
Playwright (`browser`, `new_tab`) and save pictures with `screenshot`.
"""
from __future__ import annotations

import os
import shutil
import signal
import tempfile
import threading
import warnings
from pathlib import Path

import pytest
import redis
from werkzeug.routing.rules import Rule
from werkzeug.serving import make_server

from bot.clock import use_society_zone
from bot.config import load_config
from storage.database import open_database
from storage.redis_server import ensure_private_redis, stop_private_redis
from storage.societies import DATABASE_FILE

use_society_zone()  # as every process of the app does at start: dates a test module computes are the society's


def _build_url_builders_once() -> None:
    """Werkzeug compiles two URL-builder functions (Python source, `compile()`) for each of the
    app's ~120 rules in every app it makes: 4/5 of create_app's CPU, paid again by every test. The
    builder is a function of the rule's text and parts alone when the rule has no defaults, so one
    compiled in an earlier app is the same function: reuse it there (and keep werkzeug's own path
    for rules with defaults, or a werkzeug whose builder is not where this expects it)."""
    compile_builder = getattr(Rule, "_compile_builder", None)
    if compile_builder is None or getattr(compile_builder, "reused", False):
        return
    built = {}

    def reused(rule, append_unknown=True):
        if rule.defaults:
            return compile_builder(rule, append_unknown)
        key = (rule.rule, tuple(rule._trace), append_unknown)
        if key not in built:
            built[key] = compile_builder(rule, append_unknown)
        return built[key]

    reused.reused = True
    Rule._compile_builder = reused


_build_url_builders_once()


@pytest.fixture(autouse=True)
def _signal_handlers_kept():
    """A test that runs an RQ worker in this process (burst) leaves RQ's SIGINT/SIGTERM handlers
    behind: a later Ctrl+C or a CI timeout's SIGTERM then raised StopRequested inside whatever
    test ran, instead of ending the run. Put the handlers back after each test."""
    kept = {number: signal.getsignal(number) for number in (signal.SIGINT, signal.SIGTERM)}
    yield
    for number, handler in kept.items():
        if signal.getsignal(number) is not handler:
            signal.signal(number, handler)


def _answers(url: str) -> bool:
    try:
        return redis.Redis.from_url(url, socket_timeout=1).ping()
    except (redis.RedisError, OSError):
        return False


@pytest.fixture(scope="session")
def redis_url():
    """REDIS_URL's server where it answers, else a private one for the session. Each pytest-xdist
    worker (`-n 2`) starts a private one of its own: tests flush their database (one flushes the
    whole server) and would empty what the other worker's test holds."""
    url = os.environ.get("REDIS_URL")
    if url and _answers(url) and not os.environ.get("PYTEST_XDIST_WORKER"):
        yield url
        return
    data_dir = Path(tempfile.mkdtemp(prefix="xh-redis-"))
    url, _ = ensure_private_redis(data_dir)
    yield url
    stop_private_redis(data_dir)
    shutil.rmtree(data_dir, ignore_errors=True)


@pytest.fixture
def env(tmp_path, redis_url):
    """The environment a test's processes run with; tests may add to it."""
    r = redis.Redis.from_url(redis_url)
    r.flushdb()
    environ = {
        "BOT_ENV": "development",
        "BOT_DATA_DIR": str(tmp_path / "data"),
        "REDIS_URL": redis_url,
        "WECHAT_TOKEN": "testtoken",
        "WECHAT_APP_ID": "wx1234567890abcdef",
        "WECHAT_APP_SECRET": "testsecret",
        "WECHAT_ENCODING_AES_KEY": "kWxPEV2UEDyxWpmPdKC3F4dgPDmOvfKX1HGnEUDS1aR",
        "WECHAT_API_BASE": "http://127.0.0.1:9/cgi-bin/",
        "ADMIN_SECRET_KEY": "test-admin-secret-key-0123456789abcdef",
    }
    yield environ
    r.flushdb()


@pytest.fixture
def config(env):
    return load_config(env)


@pytest.fixture
def redis_client(config):
    from storage.state import connect_redis

    return connect_redis(config)


@pytest.fixture(scope="session")
def migrated_store(tmp_path_factory) -> Path:
    """A member store with every migration applied, made once for the session."""
    path = tmp_path_factory.mktemp("migrated") / DATABASE_FILE
    open_database(path).close()
    return path


@pytest.fixture
def new_store(config, migrated_store):
    """The test's own member store, new: a copy of `migrated_store`, the file the migrations would
    make (their ~500 page writes and 9 syncs were a good part of a short test's time on a busy
    disk). A test that opens config.sqlite_path without `db` or `app`, or a society's store on
    the platform, still starts from nothing and migrates."""
    path = config.sqlite_path
    if path == config.data_dir / DATABASE_FILE and not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(migrated_store, path)
    return path


@pytest.fixture
def db(config, new_store):
    database = open_database(new_store)
    yield database
    database.close()


@pytest.fixture
def app(config, new_store):
    from bot.app import create_app

    application = create_app(config)
    application.testing = True
    return application


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def live_url(app):
    """The app served over real HTTP on a free loopback port; yields its base URL."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    _close_open_tabs()  # a page still polling (a delivery's progress) must not log a refused fetch
    server.shutdown()
    thread.join(timeout=10)


# --- the browser ------------------------------------------------------------------------

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
EXPECT_TIMEOUT_MS = 20_000
NO_BROWSER = "NO BROWSER: headless Chromium not found at /usr/bin/chromium — browser tests SKIPPED"
# `make screenshots` sets SCREENSHOTS_DIR=docs/screenshots; plain test runs leave the tree clean.
SCREENSHOTS_DIR = os.environ.get("SCREENSHOTS_DIR")


@pytest.fixture(scope="module")
def browser():
    """One headless Chromium per test module; a loud skip (a warning too) where there is none."""
    if not CHROMIUM.exists():
        warnings.warn(NO_BROWSER)
        pytest.skip(NO_BROWSER)
    from playwright.sync_api import expect, sync_playwright

    # expect() waits for its condition and returns the moment it holds; its 5 s default limit
    # failed tests on a busy machine (the pay sheet's #sheet-amount after a signed order).
    expect.set_options(timeout=EXPECT_TIMEOUT_MS)
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


_OPEN_CONTEXTS: list = []  # every browser tab's context still open, closed before a live server stops


def _close_open_tabs() -> None:
    while _OPEN_CONTEXTS:
        _OPEN_CONTEXTS.pop().close()


@pytest.fixture
def new_tab(browser):
    """`new_tab(width, height, allow=())` opens a tab with its own cookies. The test fails if a page
    logs an error, except those containing one of the `allow` texts (e.g. an expected 403)."""
    errors = []

    def open_tab(width: int = 1000, height: int = 840, allow: tuple[str, ...] = ()):
        context = browser.new_context(viewport={"width": width, "height": height}, locale="zh-CN")
        _OPEN_CONTEXTS.append(context)
        tab = context.new_page()

        def on_error(text: str) -> None:
            if not any(expected in text for expected in allow):
                errors.append(text)

        tab.on("pageerror", lambda error: on_error(str(error)))
        tab.on("console", lambda message: on_error(message.text) if message.type == "error" else None)
        return tab

    yield open_tab
    _close_open_tabs()
    assert not errors, errors


@pytest.fixture
def screenshot():
    """`screenshot(tab, name)` saves SCREENSHOTS_DIR/name.png when that is set; otherwise nothing."""
    def save(tab, name: str, full_page: bool = False) -> None:
        if SCREENSHOTS_DIR:
            Path(SCREENSHOTS_DIR).mkdir(parents=True, exist_ok=True)
            tab.screenshot(path=str(Path(SCREENSHOTS_DIR) / f"{name}.png"), full_page=full_page)
    return save
