"""What the province's modules share: its settings (content/province.toml), its words
(content/replies/province.toml) and the registry, opened and closed around a piece of work."""
from __future__ import annotations

from contextlib import contextmanager

from bot import content
from storage.societies import open_registry, registry_path


def settings() -> dict:
    return content.load_toml("province.toml")


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
