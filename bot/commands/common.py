"""What every secretariat command shares: configuration, the store, and `--json` output."""
from __future__ import annotations

import json
from functools import wraps

import click

from bot.config import ConfigError, load_config, load_dotenv_file


def load_settings():
    load_dotenv_file()
    try:
        return load_config()
    except ConfigError as error:
        raise click.ClickException(str(error)) from None


def open_store():
    from storage.database import open_database

    return open_database(load_settings().sqlite_path)


def json_option(command):
    """Add `--json`: the command returns data; it is printed as JSON or by `human(data)`."""
    @click.option("--json", "as_json", is_flag=True, help="Print machine-readable JSON.")
    @wraps(command)
    def wrapper(*args, as_json: bool, **kwargs):
        data, human = command(*args, **kwargs)
        if as_json:
            click.echo(json.dumps(data, ensure_ascii=False, indent=2, default=str))
        else:
            human(data)
    return wrapper
