"""What the province's modules share: its settings (content/province.toml), its words
(content/replies/province.toml) and the registry, opened and closed around a piece of work."""
from __future__ import annotations

import re
from contextlib import contextmanager

from bot import content
from storage.societies import open_registry, registry_path

SETTINGS_FILE = "content/province.toml"


class SettingsRefused(ValueError):
    """The province's settings file cannot be used as written: `reason` is a key under [province.refused],
    `facts` say where (line and column, or section and key) and what is written there."""

    def __init__(self, reason: str, **facts):
        super().__init__(reason)
        self.reason, self.facts = reason, facts


def settings() -> dict:
    """content/province.toml, which the province's staff edit: a mistake in it is said with its line and
    column (SettingsRefused), not met later as a failure of the page that reads it."""
    try:
        return content.load_toml("province.toml")
    except content.ContentError as error:
        at = re.search(r"at line (\d+), column (\d+)", str(error))
        line, column = at.groups() if at else ("?", "?")
        raise SettingsRefused("settings_syntax", file=SETTINGS_FILE, line=line, column=column) from None


def say(key: str, **fields) -> str:
    return content.text(f"province.{key}", **fields)


@contextmanager
def registry(config):
    """The society registry (which holds the province's tables too), closed when done."""
    opened = open_registry(registry_path(config.data_dir))
    try:
        yield opened
    finally:
        opened.close()
