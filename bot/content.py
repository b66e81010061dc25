"""What the secretariat edits: reply texts, society settings and the menu, read from `content/`.

Texts are looked up by dotted key (`"feedback.done"`) and filled with the
society's own details, so a reply can say `{phone}` without the handler
knowing the number.
"""
from __future__ import annotations

import tomllib
from functools import lru_cache
from pathlib import Path

from bot.config import CONTENT_DIR


class ContentError(ValueError):
    """A content file is missing a text or has a typo; says which file and key."""


@lru_cache(maxsize=None)
def load_toml(name: str, content_dir: Path = CONTENT_DIR) -> dict:
    path = content_dir / name
    try:
        with path.open("rb") as fh:
            return tomllib.load(fh)
    except tomllib.TOMLDecodeError as exc:
        raise ContentError(f"{path}: {exc}") from None


def society() -> dict:
    return load_toml("society.toml")


def menu() -> dict:
    return load_toml("menu.toml")


def menu_click_keys() -> list[str]:
    return [
        button["key"]
        for top in menu().get("button", [])
        for button in top.get("sub_button", [top])
        if button.get("type") == "click"
    ]


@lru_cache(maxsize=None)
def replies(content_dir: Path = CONTENT_DIR) -> dict:
    """All reply texts: one file per capability under content/replies/, merged."""
    merged: dict = {}
    for path in sorted((content_dir / "replies").glob("*.toml")):
        for section, texts in load_toml(f"replies/{path.name}", content_dir).items():
            if section in merged:
                raise ContentError(f"{path}: section [{section}] is already defined in another replies file")
            merged[section] = texts
    return merged


def _lookup(key: str):
    node = replies()
    for part in key.split("."):
        if not isinstance(node, dict) or part not in node:
            raise ContentError(f"content/replies/ has no text for {key!r}")
        node = node[part]
    return node


class _KeepUnknown(dict):
    def __missing__(self, key):
        return "{" + key + "}"


def text(key: str, **fields) -> str:
    """The reply text for `key`, with the society's details and `fields` filled in."""
    template = _lookup(key)
    if not isinstance(template, str):
        raise ContentError(f"content/replies/: {key!r} is a section, not a text")
    info = society()
    values = _KeepUnknown(name=info["name"], **info.get("secretariat", {}))
    if "{capabilities}" in template:
        values["capabilities"] = _lookup("menu.capabilities")
    values.update(fields)
    return template.format_map(values)


def feature_name(intent: str) -> str:
    return _lookup("feature_names").get(intent, intent)
