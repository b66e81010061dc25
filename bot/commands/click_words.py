"""Click's own words (Usage:, Options, "Missing option ...") in Chinese, from content/.

The secretariat reads `--help` and click's refusals as much as our messages, so
click's gettext calls are pointed at the [cli_click] table of
content/replies/common.toml; a message not listed there stays as click wrote it.
"""
from __future__ import annotations

import click.core
import click.decorators
import click.exceptions
import click.formatting
import click.parser
import click.termui
import click.types

from bot import content

MODULES = (click.core, click.decorators, click.exceptions, click.formatting, click.parser, click.termui,
           click.types)


def _words() -> dict[str, str]:
    return content.replies().get("cli_click", {})


def gettext(message: str) -> str:
    return _words().get(message, message)


def ngettext(singular: str, plural: str, count: int) -> str:
    return gettext(singular if count == 1 else plural)


def install() -> None:
    for module in MODULES:
        if hasattr(module, "_"):
            module._ = gettext
        if hasattr(module, "ngettext"):
            module.ngettext = ngettext
