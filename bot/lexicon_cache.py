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

Beside it, `kept` keeps other values the router computes at every start from content/ and the
libraries (the lexicon's words spelt in pinyin, *.pinyin; the words jieba's dictionary tags as
function words and verbs, *.tags: reading the 350,000-line file for them took a sixth of a start),
each keyed by what it is computed from.
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
_SEPARATOR = "\n"  # no word of a dictionary line holds one

Tables = tuple[dict, int]  # user word -> frequency, padding of the total frequency (bot.router.Segmenter)


def jieba_dictionary() -> Path:
    """jieba's own dictionary file, found without importing jieba (a cached start never needs it)."""
    return Path(importlib.util.find_spec("jieba").submodule_search_locations[0]) / "dict.txt"


def _libraries() -> list[Path]:
    """jieba's dictionary and rjieba's compiled library (its dictionary is built in), found without
    importing either."""
    rjieba = Path(importlib.util.find_spec("rjieba").submodule_search_locations[0])
    return [jieba_dictionary(), *sorted(rjieba.glob("*.so")), *sorted(rjieba.glob("*.pyd"))]


def _stamp(libraries: list[Path]) -> str:
    """Library files by size and modification time: megabytes each, not worth hashing at every start."""
    return "|".join(f"{stat.st_size}|{stat.st_mtime_ns}" for stat in map(Path.stat, libraries))


def key(code: Path) -> str:
    """What the file depends on: the user dictionary and the code by content, the libraries by size
    and modification time (megabytes of library files: reinstalling one rebuilds the file)."""
    stats = _stamp(_libraries())
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
    return _read_or_build(CACHE_DIR / f"{key(code)}.bin", decode, build, encode)


def _read_or_build(path: Path, decode: Callable[[bytes], object], build: Callable[[], object],
                   encode: Callable[[object], bytes]):
    """The value kept in `path`, else built and kept there (when var/ is writable)."""
    try:
        return decode(path.read_bytes())
    except (OSError, ValueError):
        pass  # none yet, or damaged: build it again
    value = build()
    try:
        _write(path, encode(value))
    except (OSError, ValueError):
        pass  # a read-only checkout still routes, it just builds again next start
    return value


def tagged_words(tags) -> dict[str, frozenset]:
    """The words of jieba's dictionary under each of `tags` (its part-of-speech tags: d, m, r, v ...)."""
    words: dict[str, list[str]] = {tag: [] for tag in tags}
    with jieba_dictionary().open(encoding="utf-8") as lines:
        for line in lines:
            word, _, tag = line.split()
            if tag in words:
                words[tag].append(word)
    return {tag: frozenset(found) for tag, found in words.items()}


def pypinyin_dictionaries() -> list[Path]:
    """pypinyin's dictionary files, found without importing it."""
    return sorted(Path(importlib.util.find_spec("pypinyin").submodule_search_locations[0]).glob("*.json"))


KEPT_FORMAT = b"kept-1"


def kept(name: str, inputs, build: Callable[[], object], code: Path, libraries: list[Path]):
    """build()'s value (anything marshal writes), read from var/lexicon/<key>.<name>, else built (and
    kept when var/ is writable). The key covers what the value is computed from: `inputs` themselves
    (lists and tuples of the content/ words and settings it is built from, sorted where their order
    means nothing: a set's order changes from one process to the next), the code that computes it,
    the library files it reads (by size and modification time) and the Python version."""
    stats = _stamp(libraries)
    digest = hashlib.sha256(KEPT_FORMAT + f"|{name}|{sys.version_info[:2]}|{stats}".encode())
    digest.update(marshal.dumps(inputs))
    digest.update(code.read_bytes())
    return _read_or_build(CACHE_DIR / f"{digest.hexdigest()[:16]}.{name}",
                          lambda data: _unframed(KEPT_FORMAT, data), build, lambda value: _framed(KEPT_FORMAT, value))


def joined(words) -> str:
    """A set of words as one string (marshal reads one string and a split much faster than a set)."""
    return _SEPARATOR.join(sorted(words))


def split(text: str) -> frozenset:
    return frozenset(text.split(_SEPARATOR)) if text else frozenset()
