"""The Flask application: one per process, shared by the webhook, the simulator and later the console."""
from __future__ import annotations

import logging
import threading
from concurrent.futures import ThreadPoolExecutor

from flask import Flask, request
from werkzeug.exceptions import HTTPException

from bot import clock, intent_model
from bot.config import CONTENT_DIR, Config, load_config, load_dotenv_file
from bot.conversation import AtOnceRecord
from bot.privacy import configure_logging
from bot.router import feature_names_of, job_keyword_candidates, route
from bot.web import BoundedInt
from storage.database import open_database, open_reader
from storage.state import connect_redis

log = logging.getLogger(__name__)


# Messages that between them load every dictionary routing can reach: the rules and jieba, the
# learned model (an unclear message), OpenCC (Traditional), the [english] table and city pinyin,
# the homophone table (a typo), a job query with a city.
_WARM_TEXTS = ("帮助", "我想报名入会", "嗯那个", "請問會費怎麼交", "help me join", "zhengzhou job",
               "招聘 算法 郑州", "取消报名")


def warm_up() -> None:
    """Load now what any message may need: the first member to write after a restart should not
    spend WeChat's five seconds on it, and under `gunicorn --preload` the master loads it once,
    before it forks, so every web worker shares it (bot/wsgi.py). Pure loading: no connection,
    no thread (a forked worker must not inherit either)."""
    from bot import content, wechat
    from handlers.jobs import text as job_text
    from bot.messages import Reply

    for text in _WARM_TEXTS:
        route(text)
    intent_model.current(feature_names_of)  # trained here if content/ has new examples
    intent_model.current_keywords(job_keyword_candidates)  # and which words of a job question are search words
    content.replies()
    for path in sorted(CONTENT_DIR.glob("*.toml")):
        content.load_toml(path.name)
    job_text.reading("学会")  # pypinyin's phrase dictionary (job search reads typos by sound)
    job_text.alert_keywords("订阅招聘 算法 郑州")
    xml = ("<xml><ToUserName>gh_0</ToUserName><FromUserName>o0</FromUserName><CreateTime>1</CreateTime>"
           "<MsgType>event</MsgType><Event>subscribe</Event><EventKey>qrscene_1</EventKey></xml>")
    message = wechat.to_inbound(wechat._parse_xml(xml), xml)  # wechatpy's message and reply classes
    wechat.render_reply(Reply(text="你好"), message)


class Services:
    """The stores and the worker pool one process shares between requests."""

    def __init__(self, config: Config):
        self.config = config
        self.redis = connect_redis(config)
        self._local = threading.local()
        # Handlers run here so a slow one cannot hold the HTTP reply past WeChat's deadline.
        self.pool = ThreadPoolExecutor(max_workers=16, thread_name_prefix="handler")
        # Which kinds of message are worth answering at once, in the request thread (bot/webhook.py).
        self.at_once = AtOnceRecord()
        open_database(config.sqlite_path).close()  # create or migrate once, up front
        warm_up()

    def _per_thread(self, name: str, opener):
        """This thread's connection `name`, opened by `opener(path)` on first use (sqlite3 connections
        are not shared across threads)."""
        database = getattr(self._local, name, None)
        if database is None:
            database = opener(self.config.sqlite_path)
            setattr(self._local, name, database)
        return database

    @property
    def db(self):
        return self._per_thread("db", open_database)

    @property
    def reader(self):
        """The store of the messages answered at once (bot/webhook.py): it reads, and writes only in an
        answer's transaction (storage.database.open_answer), its own writes resetting no other
        connection's page cache that the answers read through (one connection for both, where a
        writer beside the reader made every answer that wrote cost the next message's reads their
        cache). `db` keeps the full wait for the console's requests in the same thread."""
        return self._per_thread("reader", open_reader)


def create_app(config: Config | None = None) -> Flask:
    if config is None:
        load_dotenv_file()
        config = load_config()
    configure_logging(secrets=config.secret_values())
    clock.use_society_zone()
    import handlers

    handlers.register()
    from bot.admin.console import console
    from bot.admin.console import error_page as console_error_page
    from bot.pages import pages
    from bot.pages.common import error_page as member_error_page
    from bot.webhook import WebhookFastPath, webhook

    app = Flask(__name__, static_folder=None)  # the simulator serves its own files
    app.url_map.converters["int"] = BoundedInt  # every <int:...> of every route: bounded, ASCII digits
    app.config["MAX_CONTENT_LENGTH"] = config.max_body_bytes
    app.extensions["services"] = Services(config)
    app.register_blueprint(webhook)
    app.register_blueprint(console)  # the secretariat's web console at /admin
    app.register_blueprint(pages)  # the member pages inside WeChat at /m/
    societies_messages = None
    if config.platform:  # many societies' accounts through the third-party platform (issue 19)
        from bot.platform.accounts import Platform
        from bot.platform.pages import mount_society_pages
        from bot.platform.routes import fast_account, platform

        app.extensions["platform"] = Platform(app.extensions["services"])
        app.register_blueprint(platform)
        mount_society_pages(app)  # each society's member pages at /m/<appid>/...
        societies_messages = fast_account(app.extensions["platform"])  # /wechat/<appid> on the fast path
    if config.dev_mode:
        from bot.simulator import simulator

        app.register_blueprint(simulator)

    @app.errorhandler(HTTPException)
    def error_outside_the_routes(error):
        """A mistyped address, a form's address opened by hand (405) or a failure: the console's and
        the member pages' own error pages under their prefixes (no route matched, so their
        blueprints' handlers did not run); the webhook and the rest keep the plain answer."""
        if request.path == "/admin" or request.path.startswith("/admin/"):
            return console_error_page(error)
        if request.path == "/m" or request.path.startswith("/m/"):
            return member_error_page(error)
        if error.code == 500:
            return "internal error", 500, {"Content-Type": "text/plain; charset=utf-8"}
        return error

    # members' messages (of every society on the platform) without Flask's per-request machinery
    app.wsgi_app = WebhookFastPath(app, accounts=societies_messages)

    return app
