"""What the secretariat edits: reply texts, society settings and the menu, read from `content/`.

Texts are looked up by dotted key (`"feedback.done"`) and filled with the
society's own details, so a reply can say `{phone}` without the handler
knowing the number.
"""
from __future__ import annotations

import re
import tomllib
from contextlib import contextmanager
from contextvars import ContextVar
from functools import lru_cache
from pathlib import Path

from bot.config import CONTENT_DIR, load_config
from storage.accounts import current_account, current_data_dir
from storage.societies import find_society_by_appid, open_registry, registry_path, society_data_dir


class ContentError(ValueError):
    """A content file is missing a text or has a typo; says which file and key."""


DEFAULT_LANGUAGE = "zh"
# The language of the reply being written: Chinese, or English for a member who writes English
# (bot/language.py decides; bot/conversation.py sets it around one message's answer).
_language: ContextVar[str] = ContextVar("reply_language", default=DEFAULT_LANGUAGE)


@contextmanager
def replying_in(language: str):
    """Texts looked up inside are in `language` where content/replies_<language>/ has them."""
    token = _language.set(language)
    try:
        yield
    finally:
        _language.reset(token)


def language() -> str:
    return _language.get()


@lru_cache(maxsize=None)
def load_toml(name: str, content_dir: Path = CONTENT_DIR) -> dict:
    path = content_dir / name
    try:
        with path.open("rb") as fh:
            return tomllib.load(fh)
    except tomllib.TOMLDecodeError as exc:
        raise ContentError(f"{path}: {exc}") from None


def society() -> dict:
    """The society's details. When the platform serves many (storage.accounts), the serving
    society's own: its name from the registry, and whatever its secretariat wrote in the
    society.toml of its own directory (societies/<appid>/society.toml: phone, hours ...) over
    the shared content/society.toml."""
    info = load_toml("society.toml")
    appid = current_account()
    if appid is not None:
        info = {**info, **_account_society(current_data_dir() or load_config().data_dir, appid)}
    return _in_language(info)


def _in_language(info: dict) -> dict:
    """The society's details with its [in_<language>] ones (name, hours, address) over them."""
    own = info.get(f"in_{language()}")
    if not own:
        return info
    secretariat = {**info.get("secretariat", {}), **own.get("secretariat", {})}
    return {**info, **{key: value for key, value in own.items() if key != "secretariat"},
            "secretariat": secretariat}


@lru_cache(maxsize=1024)
def _account_society(data_dir: Path, appid: str) -> dict:
    registry = open_registry(registry_path(data_dir))
    try:
        found = find_society_by_appid(registry, appid)
    finally:
        registry.close()
    own = {"name": found["name"], "short_name": found["name"]} if found else {}
    own_file = society_data_dir(data_dir, appid) / "society.toml"
    if own_file.exists():
        own.update(load_toml(own_file.name, own_file.parent))
    return own


def menu() -> dict:
    return load_toml("menu.toml")


def replies(content_dir: Path = CONTENT_DIR) -> dict:
    """All reply texts: one file per capability under content/replies/, merged; in English, those
    content/replies_en/ has put over them (a text it lacks stays Chinese rather than missing)."""
    return _replies(content_dir, language())


@lru_cache(maxsize=None)
def _replies(content_dir: Path, language: str) -> dict:
    if language != DEFAULT_LANGUAGE:
        return _put_over(_replies(content_dir, DEFAULT_LANGUAGE), _reply_files(content_dir, f"replies_{language}"))
    return _reply_files(content_dir, "replies")


def _reply_files(content_dir: Path, folder: str) -> dict:
    merged: dict = {}
    for path in sorted((content_dir / folder).glob("*.toml")):
        for section, texts in load_toml(f"{folder}/{path.name}", content_dir).items():
            if section in merged:
                raise ContentError(f"{path}: section [{section}] is already defined in another replies file")
            merged[section] = texts
    return merged


def _put_over(base: dict, own: dict) -> dict:
    merged = dict(base)
    for key, value in own.items():
        merged[key] = _put_over(base[key], value) if isinstance(value, dict) and isinstance(
            base.get(key), dict) else value
    return merged


def _lookup(key: str):
    return _looked_up(language(), key)


@lru_cache(maxsize=None)
def _looked_up(language: str, key: str):
    """A text or section of the replies in `language`, found once (content/ is read once a process:
    _replies); a key content/ lacks raises every time."""
    node = _replies(CONTENT_DIR, language)
    for part in key.split("."):
        if not isinstance(node, dict) or part not in node:
            raise ContentError(f"content/replies/ has no text for {key!r}")
        node = node[part]
    return node


class _KeepUnknown(dict):
    def __missing__(self, key):
        return "{" + key + "}"


def text(key: str, **fields) -> str:
    """The reply text for `key`, with the society's details and `fields` filled in; the same text
    with the same fields, in the same language for the same society, is filled in once (content/
    and the society's details are read once a process), a field that is no cache key each time."""
    given = tuple(fields.items())
    try:
        hash(given)
    except TypeError:  # a list, a dict
        return _filled_in(key, fields)
    return _kept_text(language(), current_account(), current_data_dir(), key, given)


@lru_cache(maxsize=4096)
def _kept_text(_language: str, _account: str | None, _data_dir, key: str, given: tuple) -> str:
    """content.text's answer in the language, society and data directory it was asked in (the key)."""
    return _filled_in(key, dict(given))


def _filled_in(key: str, fields: dict) -> str:
    template = _lookup(key)
    if not isinstance(template, str):
        raise ContentError(f"content/replies/: {key!r} is a section, not a text")
    info = society()
    values = _KeepUnknown(name=info["name"], **info.get("secretariat", {}))
    if "{capabilities}" in template:
        values["capabilities"] = _lookup("menu.capabilities")
    values.update(_in_words_of_language(fields))
    return template.format_map(values)


def question_asked(questions: list[dict], said: str) -> dict | None:
    """The first of a reply file's questions ([[fees.questions]], [[unknown.questions]]: `asks` words
    and an `answer`) whose words `said` holds, or None."""
    return next(iter(questions_asked(questions, said)), None)


def questions_asked(questions: list[dict], said: str) -> list[dict]:
    """Every one of a reply file's questions whose words `said` holds, in the file's order."""
    return [question for question in questions if holds_any(said, question["asks"])]


_word_patterns: dict[int, tuple[list, re.Pattern]] = {}
_NO_WORD = re.compile(r"(?!)")


def holds_any(text: str, words: list[str]) -> bool:
    """Whether `text` holds one of `words`, a word list of content/ as load_toml or replies() gives it (the
    same list object each message): `any(word in text for word in words)`, by one pattern made once for
    each list, so that a message is read once instead of once a word (0.6-1.9 -> 0.1-0.2 us a check)."""
    known = _word_patterns.get(id(words))
    if known is None or known[0] is not words:
        if len(_word_patterns) > 1024:  # lists made on the fly are no lists of content/: never kept for long
            _word_patterns.clear()
        pattern = re.compile("|".join(map(re.escape, words))) if words else _NO_WORD
        known = _word_patterns[id(words)] = (words, pattern)
    return known[1].search(text) is not None


def in_words(term: str) -> str:
    """A Chinese term of the answers (学生会员, 郑州) in the reply's language ([glossary])."""
    if language() == DEFAULT_LANGUAGE:
        return term
    return replies().get("glossary", {}).get(term, term)


def _in_words_of_language(fields: dict) -> dict:
    """Outside Chinese, a field that is one of the [glossary] terms (学生会员, 郑州) in that language."""
    if language() == DEFAULT_LANGUAGE:
        return fields
    return {key: in_words(value) if isinstance(value, str) else value for key, value in fields.items()}


def feature_name(intent: str) -> str:
    return _lookup("feature_names").get(intent, intent)
