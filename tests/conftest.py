"""Shared fixtures: a real Redis server and a real SQLite file for every test.

REDIS_URL, when set, points the tests at an existing server (CI's or yours);
otherwise one private redis-server is started for the whole session.
Each test gets its own Redis database number's worth of keys flushed and its
own data directory.
"""
from __future__ import annotations

import os
import shutil
import tempfile
import threading
from pathlib import Path

import pytest
import redis
from werkzeug.serving import make_server

from bot.config import load_config
from storage.redis_server import ensure_private_redis, stop_private_redis


def _answers(url: str) -> bool:
    try:
        return redis.Redis.from_url(url, socket_timeout=1).ping()
    except (redis.RedisError, OSError):
        return False


@pytest.fixture(scope="session")
def redis_url():
    url = os.environ.get("REDIS_URL")
    if url and _answers(url):
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


@pytest.fixture
def db(config):
    from storage.database import open_database

    database = open_database(config.sqlite_path)
    yield database
    database.close()


@pytest.fixture
def app(config):
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
    server.shutdown()
    thread.join(timeout=10)
