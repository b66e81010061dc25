"""One unit's name as compared, in Python and in SQL alike: every connection the store opens has it as the
SQL function unit_name_key(text), so a lookup in SQL and one in Python never disagree; and names sorted by
their pinyin (`order by name collate pinyin`), as a Chinese list is."""
from __future__ import annotations

import functools
import sqlite3
import unicodedata

# How files write one unit's name differently: full-width or half-width brackets of any shape, spaces of
# every kind (what str.split() splits on: the full-width one, NBSP, tabs, line breaks ...). 有限公司 and
# 有限责任公司 stay apart (two companies), as does every other word.
_SPACES = [chr(code) for code in range(0x3001) if chr(code).isspace()]
_VARIANTS_TABLE = str.maketrans({**dict.fromkeys(_SPACES, ""), "（": "(", "）": ")", "【": "(", "】": ")",
                                 "［": "(", "］": ")", "[": "(", "]": ")", "〔": "(", "〕": ")"})


def unit_name_key(name: str | None) -> str:
    """A unit's name as compared: 郑州中原种业 (河南) 有限公司 is 郑州中原种业（河南）有限公司."""
    return (name or "").translate(_VARIANTS_TABLE)


@functools.lru_cache(maxsize=200_000)
def _name_in_pinyin(name: str) -> tuple[str, str]:
    """A name as a Chinese list sorts it: by its pinyin (王芳 wang fang before 张伟 zhang wei), then as written.
    Each character by its first reading in pypinyin's table, tones dropped: some 30 times faster than
    lazy_pinyin's phrase matching (a name has no phrase), so the first sort of 100,000 names takes about a second."""
    from pypinyin.pinyin_dict import pinyin_dict  # loaded on the first sort by name: a large table

    parts = []
    for ch in "".join(name.split()):
        reading = pinyin_dict.get(ord(ch))
        parts.append(f"{reading.split(',')[0]} " if reading else ch)  # syllable by syllable; Latin letters as written
    spelt = unicodedata.normalize("NFD", "".join(parts).strip().lower())
    return "".join(c for c in spelt if not unicodedata.combining(c)), name


def _by_pinyin(first: str, second: str) -> int:
    a, b = _name_in_pinyin(first), _name_in_pinyin(second)
    return (a > b) - (a < b)


def add_sql_function(conn: sqlite3.Connection) -> None:
    """unit_name_key(column) in this connection's SQL (deterministic: SQLite may reuse a result). A Python
    function, not nested replace()s: SQLite's parser refuses the 39 of them, and 20 took 1.1 s over
    100,000 members where this takes 0.18 s. And `collate pinyin`: names in the order of their pinyin."""
    conn.create_function("unit_name_key", 1, unit_name_key, deterministic=True)
    conn.create_collation("pinyin", _by_pinyin)
