"""Toneless pinyin, as members type it (会 -> hui): one table for the router (typos, homophones, pinyin
spelt out) and the intent model (a word's initials), which the router imports, so it cannot hold it."""
from __future__ import annotations

import functools

TONELESS = str.maketrans("āáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜüńňǹḿ", "aaaaeeeeiiiioooouuuuvvvvvnnnm")


@functools.lru_cache(maxsize=100_000)
def name_reading(name: str) -> tuple[str, ...]:
    """A name's toneless syllables as people spell it (王芳 -> wang, fang): to find a member typed in pinyin."""
    from pypinyin import lazy_pinyin  # loaded on first use: a large table

    return tuple(syllable for syllable in lazy_pinyin("".join(name.split())) if syllable.isascii())


def main_reading(ch: str) -> str:
    """Most common toneless reading of a character: 会 is hui (not kuai); "" for one pypinyin does not know."""
    from pypinyin.pinyin_dict import pinyin_dict  # loaded on first use: a large table

    return pinyin_dict.get(ord(ch), "").split(",")[0].translate(TONELESS)
