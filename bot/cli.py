"""`python -m bot ...`: serve, worker, chat, intent, and the secretariat's commands (bot/commands/)."""
from __future__ import annotations

import json
import signal
import sys

import click

from bot import clock, content
from bot.commands import click_words
from bot.commands.common import cli_help
from bot.commands.common import load_settings as _config
from storage.accounts import serving_account

click_words.install()  # click's own words (Usage:, Options, "Missing option") in Chinese


class _Commands(click.Group):
    """Turns a store that cannot be reached into one clear line instead of a traceback."""

    def invoke(self, ctx):
        import redis
        import sqlite3

        try:
            return super().invoke(ctx)
        except redis.RedisError as error:
            raise click.ClickException(content.text("cli.redis_unavailable", error=error)) from None
        except sqlite3.OperationalError as error:
            raise click.ClickException(content.text("cli.database_unavailable", error=error)) from None


@click.group(cls=_Commands)
@click.option("--society", metavar="APPID", envvar="BOT_SOCIETY", help=content.text("platform_cli.society_option"))
@click.pass_context
def main(ctx, society):
    """学会公众号服务助手。"""
    clock.use_society_zone()
    if society:  # every command below works on that society's own store, keys and queue
        from bot.platform.accounts import check_society_served

        settings = _config()
        if not check_society_served(settings, society):
            raise click.ClickException(content.text("platform_cli.unknown_society", appid=society))
        ctx.with_resource(serving_account(society))
        if settings.shard:  # a move of the society to another host waits for the command, or refuses it
            from bot.platform.holding import SocietyMoving, command_running
            from storage.state import connect_redis

            try:
                ctx.with_resource(command_running(connect_redis(settings), society))
            except SocietyMoving:
                raise click.ClickException(content.text("platform_cli.society_moving", appid=society)) from None


def _add_secretariat_commands():
    from bot.commands import COMMAND_GROUPS

    for group in COMMAND_GROUPS:
        main.add_command(group)


_add_secretariat_commands()


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=int)
def serve(host, port):
    """启动服务：公众号接口、网页后台 /admin（开发模式下还有聊天模拟器和后台发送进程）。"""
    from werkzeug.serving import run_simple

    from bot.app import create_app
    from bot.workers import start_background_worker
    from bot.wechat_pay_standin import for_development
    from storage.redis_server import ensure_private_redis, stop_private_redis

    config = _config()
    started_redis = False
    if not config.redis_url:
        redis_url, started_redis = ensure_private_redis(config.data_dir)
    else:
        redis_url = config.redis_url
    config, pay_standin = for_development(config)  # development without a merchant: pay against a stand-in
    app = create_app(config)
    replica = _start_replication(config)
    worker = start_background_worker(config) if config.dev_mode else None
    click.echo(f"数据目录 data:     {config.data_dir}")
    click.echo(f"SQLite:            {config.sqlite_path}")
    click.echo(f"Redis:             {redis_url}{' (private, started here)' if started_redis else ''}")
    click.echo(f"Webhook:           http://{host}:{port}/wechat")
    click.echo(content.text("cli.console_address", url=f"http://{host}:{port}/admin/"))
    if config.dev_mode:
        click.echo(f"聊天模拟器 simulator: http://{host}:{port}/")
        click.echo("Queue worker:      running in the background")
    if pay_standin is not None:
        click.echo(f"WeChat Pay:        stand-in at {config.pay_standin_url} (development; set WECHATPAY_* for a merchant)")
    # A plain `kill` should tidy up like Ctrl-C does.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    try:
        run_simple(host, port, app, threaded=True, use_reloader=False)
    finally:
        if pay_standin is not None:
            pay_standin.stop()
        if worker is not None:
            worker.terminate()
            worker.wait(timeout=10)
        if replica:
            from storage.replication import stop_replication

            stop_replication(config.data_dir)
        if started_redis:
            stop_private_redis(config.data_dir)


def _start_replication(config) -> bool:
    """Litestream beside the store, as the private Redis is (BOT_REPLICATION=off: not)."""
    if not config.replication:
        return False
    from storage.replication import ensure_replication

    _, started = ensure_replication(config.sqlite_path, config.replica_path, config.replica_sync_ms)
    click.echo(f"Replica:           {config.replica_path} (Litestream, every {config.replica_sync_ms} ms)")
    return started


@main.command()
@click.option("--burst", is_flag=True, help=cli_help("worker.burst"))
def worker(burst):
    """启动后台发送进程（可在共用 Redis 的多台机器上开多个）。"""
    from bot.privacy import configure_logging
    from bot.workers import run_worker

    config = _config()
    configure_logging(secrets=config.secret_values())  # RQ's log goes through it: no mobile, no secret
    run_worker(config, burst=burst)


@main.group(invoke_without_command=True)
@click.option("--eval", "eval_file", type=click.Path(exists=True, dir_okay=False),
              help="Score the router on a labelled JSONL file (text, intent, slots) instead.")
@click.option("--misses", is_flag=True, help="With --eval: list every message routed wrong.")
@click.pass_context
def intent(ctx, eval_file, misses):
    """Read one message per line on stdin, write one JSON intent per line on stdout.

    Each line: {"intent", "slots", "confidence"} and, when the router would ask back,
    "alternatives". With --eval FILE: accuracy, slot accuracy, per-intent precision/recall and
    the top confusion pairs (definitions in bot/intent_eval.py).
    """
    if ctx.invoked_subcommand is not None:
        return
    if eval_file:
        from pathlib import Path

        from bot.intent_eval import evaluate, format_report, load_rows

        click.echo(format_report(evaluate(load_rows(Path(eval_file))), eval_file, misses=misses))
        return
    from bot.router import route

    out = sys.stdout.buffer
    for raw in sys.stdin.buffer:  # bytes, so a bad line cannot stop the stream
        result = route(raw.decode("utf-8", errors="replace").rstrip("\r\n"))
        line = {"intent": result.name, "slots": result.slots, "confidence": round(result.confidence, 3)}
        if result.alternatives:
            line["alternatives"] = list(result.alternatives)
        out.write(json.dumps(line, ensure_ascii=False).encode())
        out.write(b"\n")
    out.flush()


@intent.command("train")
@click.option("--force", is_flag=True, help="Train even when a model for these examples is cached.")
def intent_train(force):
    """Train the router's model from content/intent_examples*.jsonl (deterministic; cached in var/)."""
    import time

    from bot import intent_model
    from bot.router import analyse, feature_names_of, tokenize

    started = time.perf_counter()
    tokenize("学会")  # builds the router's var/lexicon files too (segmenter words, pinyin), which every start then reads
    analyse("郑州有算法的工作吗").slots_for("jobs")  # and the words jieba tags, for job questions (*.tags)
    model, path, trained = intent_model.build(feature_names_of, force=force)
    rows = len(intent_model.load_examples())
    what = "trained" if trained else "already cached"
    click.echo(f"{what}: {rows} examples, {len(model.index)} features, {len(model.classes)} intents "
               f"-> {path} ({time.perf_counter() - started:.1f} s)")


@intent.command("cv")
@click.option("--folds", default=5, show_default=True, type=int)
@click.option("--misses", is_flag=True, help="List every message routed wrong.")
@click.option("--on", "only", type=click.Path(exists=True, dir_okay=False),
              help="Score only this file's examples (in folds); the other examples always train. With "
                   "--folds 1 the file is held out whole: how the router does on a new writer's words.")
def intent_cv(folds, misses, only):
    """Cross-validate on the examples in content/: each fold routed by a model trained on the rest."""
    from pathlib import Path

    from bot import intent_model
    from bot.intent_eval import cross_validate, format_report, load_rows

    rows = intent_model.load_examples()
    scored = load_rows(Path(only)) if only else None
    click.echo(format_report(cross_validate(rows, folds, scored), f"{folds}-fold cross-validation"
                             + (f" on {only}" if only else ""), misses=misses))


@main.command()
@click.option("--url", default="http://127.0.0.1:8000/wechat", show_default=True,
              help=cli_help("chat.url"))
@click.option("--openid", default="o_terminal_member", show_default=True)
@click.option("--aes", is_flag=True, help=cli_help("chat.aes"))
def chat(url, openid, aes):
    """在终端里像会员在微信里一样和公众号对话（测试用）。"""
    from bot.simulator import run_terminal_chat

    run_terminal_chat(_config(), url=url, openid=openid, encrypted=aes)
