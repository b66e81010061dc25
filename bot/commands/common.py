"""What every secretariat command shares: configuration, the store, and `--json` output."""
from __future__ import annotations

import getpass
import json
import re
import sys
from functools import wraps

import click

from bot import clock, content
from bot.config import ConfigError, load_config, load_dotenv_file


def help_texts(section: str):
    """The `help=` lines of a command group's options, from [<section>.help] in its file under
    content/replies/ (`_help = help_texts("awards_cli")`, then `help=_help("add.name")`)."""
    return lambda key: content.text(f"{section}.help.{key}")


cli_help = help_texts("cli")  # options every group shares (--json, --today, import's), and the shell's


def load_settings():
    load_dotenv_file()
    try:
        return load_config()
    except ConfigError as error:
        raise click.ClickException(str(error)) from None


_TIMESTAMP = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}")


def shown(fields: dict) -> dict:
    """Fields as a secretariat reads them on screen: nothing is "—" (never "None"), a stored
    timestamp is local time to the minute (never ISO with a UTC offset)."""
    def word(value):
        if value is None or value == "":
            return content.text("cli.blank")
        if isinstance(value, str) and _TIMESTAMP.match(value):
            return clock.shown(value)
        return value
    return {key: word(value) for key, value in fields.items()}


def default_actor() -> str:
    """Who runs a command, as history records it: the system user."""
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # no login name (some containers)
        return "secretariat"


def run_periodic_job(name: str, day):
    """Run a periodic job of content/schedule.toml now (bot/scheduler.py), as of `day`, recorded as a
    manual run by the system user; returns the job's summary."""
    from bot import scheduler
    from storage.state import connect_redis

    config = load_settings()
    return scheduler.run_now(open_store(), connect_redis(config), config, name, day, actor=default_actor())


def new_password(from_stdin: bool) -> str:
    """A console account's password: the first line of stdin (--password-stdin, for scripts), else typed twice
    at a prompt that does not show it."""
    if from_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    return click.prompt(content.text("admin.cli.password"), hide_input=True, confirmation_prompt=True)


def open_store():
    from storage.database import open_database

    return open_database(load_settings().sqlite_path)


def json_option(command):
    """Add `--json`: the command returns data; it is printed as JSON or by `human(data)`."""
    @click.option("--json", "as_json", is_flag=True, help=cli_help("json"))
    @wraps(command)
    def wrapper(*args, as_json: bool, **kwargs):
        data, human = command(*args, **kwargs)
        if as_json:
            click.echo(json.dumps(data, ensure_ascii=False, indent=2, default=str))
        else:
            human(data)
    return wrapper
