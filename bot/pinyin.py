"""Toneless pinyin, as members type it (会 -> hui): one table for the router (typos, homophones, pinyin
spelt out) and the intent model (a word's initials), which the router imports, so it cannot hold it."""
from __future__ import annotations

TONELESS = str.maketrans("āáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜüńňǹḿ", "aaaaeeeeiiiioooouuuuvvvvvnnnm")


def main_reading(ch: str) -> str:
    """Most common toneless reading of a character: 会 is hui (not kuai); "" for one pypinyin does not know."""
    from pypinyin.pinyin_dict import pinyin_dict  # loaded on first use: a large table

    return pinyin_dict.get(ord(ch), "").split(",")[0].translate(TONELESS)
