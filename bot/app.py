"""The Flask application: one per process, shared by the webhook, the simulator and later the console."""
from __future__ import annotations

import logging
import threading
from concurrent.futures import ThreadPoolExecutor

from flask import Flask

from bot import intent_model
from bot.config import Config, load_config, load_dotenv_file
from bot.privacy import configure_logging
from bot.router import route
from bot.web import BoundedInt
from storage.database import open_database
from storage.state import connect_redis

log = logging.getLogger(__name__)


class Services:
    """The stores and the worker pool one process shares between requests."""

    def __init__(self, config: Config):
        self.config = config
        self.redis = connect_redis(config)
        self._local = threading.local()
        # Handlers run here so a slow one cannot hold the HTTP reply past WeChat's deadline.
        self.pool = ThreadPoolExecutor(max_workers=16, thread_name_prefix="handler")
        open_database(config.sqlite_path).close()  # create or migrate once, up front
        # Load jieba, the dictionaries and the router's model now (training it if content/ has new
        # examples): the first member to write after a restart should not spend WeChat's five
        # seconds on it.
        route("帮助")
        intent_model.current()

    @property
    def db(self):
        """One SQLite connection per thread (sqlite3 connections are not shared across threads)."""
        database = getattr(self._local, "db", None)
        if database is None:
            database = self._local.db = open_database(self.config.sqlite_path)
        return database


def create_app(config: Config | None = None) -> Flask:
    if config is None:
        load_dotenv_file()
        config = load_config()
    configure_logging()
    import handlers  # noqa: F401  (registers every capability)
    from bot.admin.console import console
    from bot.pages import pages
    from bot.webhook import webhook

    app = Flask(__name__, static_folder=None)  # the simulator serves its own files
    app.url_map.converters["int"] = BoundedInt  # every <int:...> of every route: bounded, ASCII digits
    app.config["MAX_CONTENT_LENGTH"] = config.max_body_bytes
    app.extensions["services"] = Services(config)
    app.register_blueprint(webhook)
    app.register_blueprint(console)  # the secretariat's web console at /admin
    app.register_blueprint(pages)  # the member pages inside WeChat at /m/
    if config.dev_mode:
        from bot.simulator import simulator

        app.register_blueprint(simulator)

    @app.errorhandler(500)
    def internal_error(_error):
        return "internal error", 500, {"Content-Type": "text/plain; charset=utf-8"}

    return app
