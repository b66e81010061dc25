"""What the router's segmenter needs beyond rjieba's built-in dictionary (the words of
content/userdict.txt with the frequencies jieba gives them, and the padding of the total frequency:
bot.router.Segmenter), worked out once with jieba and kept in var/lexicon/<key>.bin, so that a start
never loads jieba's dictionary in Python (it took about half the start to the first answered message,
issue 18).

The key covers what the file is built from: jieba's dictionary file and rjieba's library (its
built-in dictionary), content/userdict.txt, the router's code (bot/router.py) and the Python
version (marshal's format). A changed source gives a new key, so a stale file is never read; a file
that fails its checksum or does not decode (truncated, damaged) is rebuilt. `python -m bot intent
train` (`make model`) builds it ahead of time; otherwise the first start does, and every later start
reads it.

Beside it, var/lexicon/<key>.tags keeps the words of jieba's dictionary under the part-of-speech tags
the router reads for job questions (tagged_words: reading the 350,000-line file for them took a sixth
of a start), keyed by the dictionary file and the tags asked for; and var/lexicon/<key>.pinyin keeps
the lexicon's words spelt in toneless pinyin (pinyin_table), keyed by those words themselves.
"""
from __future__ import annotations

import hashlib
import importlib.util
import marshal
import os
import sys
import tempfile
import zlib
from pathlib import Path
from typing import Callable

from bot.config import CONTENT_DIR, PROJECT_ROOT

CACHE_DIR = PROJECT_ROOT / "var" / "lexicon"
FORMAT = b"lexicon-2"  # change when the file's layout changes
_SEPARATOR = "\n"  # no word of a dictionary line holds one (the .tags file)

Tables = tuple[dict, int]  # user word -> frequency, padding of the total frequency (bot.router.Segmenter)


def jieba_dictionary() -> Path:
    """jieba's own dictionary file, found without importing jieba (a cached start never needs it)."""
    return Path(importlib.util.find_spec("jieba").submodule_search_locations[0]) / "dict.txt"


def _libraries() -> list[Path]:
    """jieba's dictionary and rjieba's compiled library (its dictionary is built in), found without
    importing either."""
    rjieba = Path(importlib.util.find_spec("rjieba").submodule_search_locations[0])
    return [jieba_dictionary(), *sorted(rjieba.glob("*.so")), *sorted(rjieba.glob("*.pyd"))]


def key(code: Path) -> str:
    """What the file depends on: the user dictionary and the code by content, the libraries by size
    and modification time (megabytes of library files: reinstalling one rebuilds the file)."""
    stats = "|".join(f"{stat.st_size}|{stat.st_mtime_ns}" for stat in map(Path.stat, _libraries()))
    digest = hashlib.sha256(FORMAT + f"|{sys.version_info[:2]}|{stats}".encode())
    for path in (CONTENT_DIR / "userdict.txt", code):
        digest.update(b"\0" + path.read_bytes())
    return digest.hexdigest()[:16]


def _framed(form: bytes, value) -> bytes:
    """A file's bytes: its format, a checksum, the value marshalled."""
    payload = marshal.dumps(value)
    return form + zlib.crc32(payload).to_bytes(4, "big") + payload


def _unframed(form: bytes, data: bytes):
    """The value of a file's bytes; ValueError when they are not a whole, undamaged file of that format."""
    head = len(form) + 4
    if data[:len(form)] != form or len(data) < head:
        raise ValueError("not a lexicon cache file")
    payload = memoryview(data)[head:]
    if zlib.crc32(payload) != int.from_bytes(data[len(form):head], "big"):
        raise ValueError("checksum mismatch")
    try:
        return marshal.loads(payload)
    except (EOFError, TypeError) as error:
        raise ValueError(f"does not decode: {error}") from None


def encode(tables: Tables) -> bytes:
    added, padding = tables
    return _framed(FORMAT, (list(added), list(added.values()), padding))


def decode(data: bytes) -> Tables:
    """The tables of a file's bytes; ValueError when they are not a whole, undamaged file."""
    words, freqs, padding = _unframed(FORMAT, data)
    if len(words) != len(freqs) or not isinstance(padding, int):
        raise ValueError("counts do not match")
    return dict(zip(words, freqs)), padding


def save(tables: Tables, path: Path) -> None:
    _write(path, encode(tables))


def _write(path: Path, data: bytes) -> None:
    """Write atomically: a process starting meanwhile sees the old file or the whole new one."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    for old in path.parent.glob(f"*{path.suffix}"):  # those of earlier sources are never read again
        if old != path:
            old.unlink(missing_ok=True)


def tables(build: Callable[[], Tables], code: Path) -> Tables:
    """The segmenter's user words and padding for the current sources: read from the cache, else
    built (and cached when var/ is writable)."""
    path = CACHE_DIR / f"{key(code)}.bin"
    try:
        return decode(path.read_bytes())
    except (OSError, ValueError):
        pass  # none yet, or damaged: build it again
    built = build()
    try:
        save(built, path)
    except (OSError, ValueError):
        pass  # a read-only checkout still routes, it just builds again next start
    return built


TAGS_FORMAT = b"tags-1"


def tagged_words(tags) -> dict[str, frozenset]:
    """The words of jieba's dictionary under each of `tags` (its part-of-speech tags: d, m, r, v ...),
    read from var/lexicon/<key>.tags, else from the dictionary (and kept there when var/ is writable)."""
    tags = sorted(set(tags))
    dictionary = jieba_dictionary()
    stat = dictionary.stat()
    digest = hashlib.sha256(TAGS_FORMAT + f"|{sys.version_info[:2]}|{stat.st_size}|{stat.st_mtime_ns}|"
                                          f"{' '.join(tags)}".encode())
    path = CACHE_DIR / f"{digest.hexdigest()[:16]}.tags"
    try:
        joined = _unframed(TAGS_FORMAT, path.read_bytes())
        if sorted(joined) == tags:
            return {tag: frozenset(words.split(_SEPARATOR)) if words else frozenset()
                    for tag, words in joined.items()}
    except (OSError, ValueError, AttributeError):
        pass  # none yet, or damaged: read the dictionary again
    words: dict[str, list[str]] = {tag: [] for tag in tags}
    with dictionary.open(encoding="utf-8") as lines:
        for line in lines:
            word, _, tag = line.split()
            if tag in words:
                words[tag].append(word)
    try:
        _write(path, _framed(TAGS_FORMAT, {tag: _SEPARATOR.join(found) for tag, found in words.items()}))
    except OSError:
        pass  # a read-only checkout still routes, it just reads the dictionary again next start
    return {tag: frozenset(found) for tag, found in words.items()}


PINYIN_FORMAT = b"pinyin-1"


def pinyin_table(concepts: dict, english: set, build: Callable[[dict, set], dict], code: Path) -> dict:
    """build(concepts, english): the router's table of words spelt in toneless pinyin (the pinyin of
    3,000 words took a tenth of a start), read from var/lexicon/<key>.pinyin, else built (and kept
    when var/ is writable). The key covers the table's inputs themselves (the lexicon's words and
    concepts, the English words: whatever content/ file they come from), the router's code and
    pypinyin's dictionaries."""
    package = Path(importlib.util.find_spec("pypinyin").submodule_search_locations[0])
    stats = "|".join(f"{stat.st_size}|{stat.st_mtime_ns}" for stat in map(Path.stat, sorted(package.glob("*.json"))))
    digest = hashlib.sha256(PINYIN_FORMAT + f"|{sys.version_info[:2]}|{stats}".encode())
    digest.update(marshal.dumps((sorted(concepts.items()), sorted(english))))
    digest.update(code.read_bytes())
    path = CACHE_DIR / f"{digest.hexdigest()[:16]}.pinyin"
    try:
        table = _unframed(PINYIN_FORMAT, path.read_bytes())
        if isinstance(table, dict):
            return table
    except (OSError, ValueError):
        pass  # none yet, or damaged: build it again
    table = build(concepts, english)
    try:
        _write(path, _framed(PINYIN_FORMAT, table))
    except OSError:
        pass  # a read-only checkout still routes, it just builds again next start
    return table
