"""The router's segmenter's user words cached in var/lexicon (bot/lexicon_cache.py): a start reads them
instead of loading jieba's dictionary, but a secretary's new word in content/userdict.txt is seen at the next start,
and a damaged file is built again, never read."""
from __future__ import annotations

import shutil

import pytest

from bot import config, lexicon_cache, router

NEW_WORD = "冷启动缓存"


@pytest.fixture
def fresh_start(tmp_path, monkeypatch):
    """A copy of content/ and an empty cache directory; `start()` loads the router as a new process
    would (nothing loaded yet) and returns the tokens of a member's message."""
    content = tmp_path / "content"
    shutil.copytree(config.CONTENT_DIR, content)
    monkeypatch.setattr(router, "CONTENT_DIR", content)
    monkeypatch.setattr(lexicon_cache, "CONTENT_DIR", content)
    monkeypatch.setattr(lexicon_cache, "CACHE_DIR", tmp_path / "var" / "lexicon")

    def start(text=f"请问{NEW_WORD}怎么用"):
        monkeypatch.setattr(router, "_lexicon", None)
        return router.tokenize(text)

    start.content = content
    start.cache = tmp_path / "var" / "lexicon"
    return start


def test_a_start_reads_the_tables_it_built_and_they_are_the_same(fresh_start):
    built = fresh_start()
    files = list(fresh_start.cache.glob("*.bin"))
    assert len(files) == 1
    tables = router._lexicon._segmenter.tables()
    assert lexicon_cache.decode(files[0].read_bytes()) == tables
    assert fresh_start() == built


def test_a_new_word_in_the_user_dictionary_is_seen_at_the_next_start(fresh_start):
    before = fresh_start()
    assert NEW_WORD not in before  # jieba cuts it apart
    with (fresh_start.content / "userdict.txt").open("a", encoding="utf-8") as f:
        f.write(f"\n{NEW_WORD} 50 n\n")
    after = fresh_start()
    assert NEW_WORD in after, after
    assert len(list(fresh_start.cache.glob("*.bin"))) == 1  # the stale table is gone


@pytest.mark.parametrize("damage", ["truncated", "flipped byte", "empty"])
def test_a_damaged_cache_file_is_built_again_not_read(fresh_start, damage):
    good = fresh_start()
    tables = router._lexicon._segmenter.tables()
    (path,) = fresh_start.cache.glob("*.bin")
    data = path.read_bytes()
    if damage == "truncated":
        path.write_bytes(data[: len(data) // 2])
    elif damage == "flipped byte":
        middle = len(data) // 2
        path.write_bytes(data[:middle] + bytes([data[middle] ^ 0x01]) + data[middle + 1:])
    else:
        path.write_bytes(b"")
    with pytest.raises(ValueError):
        lexicon_cache.decode(path.read_bytes())
    assert fresh_start() == good
    assert router._lexicon._segmenter.tables() == tables
    assert lexicon_cache.decode(path.read_bytes()) == tables  # rewritten whole


def test_a_job_question_reads_the_same_from_the_kept_tags_and_from_a_damaged_file(fresh_start):
    """The words jieba tags as adverbs, numbers, verbs ... (never a job's keywords) come from
    var/lexicon/*.tags after the first start, and a job question's keywords are the same."""
    question = "我去年退休了，听说郑州有算法工程师的工作吗"
    fresh_start()
    first = router.analyse(question).slots_for("jobs")
    built = (router._lexicon.function_words(), router._lexicon.plain_verbs())
    (kept,) = fresh_start.cache.glob("*.tags")
    fresh_start()
    assert router.analyse(question).slots_for("jobs") == first
    assert (router._lexicon.function_words(), router._lexicon.plain_verbs()) == built
    kept.write_bytes(kept.read_bytes()[:1000])  # truncated
    fresh_start()
    assert (router._lexicon.function_words(), router._lexicon.plain_verbs()) == built
    assert len(kept.read_bytes()) > 1000  # written whole again


def test_a_word_added_to_a_concept_is_read_from_its_pinyin_at_the_next_start(fresh_start):
    """The pinyin spelling of the lexicon's words (huifei -> 会费) is kept in var/lexicon/*.pinyin: a
    secretary's new word in content/intents.toml is spelt at the next start, and a damaged file is
    built again."""
    fresh_start()
    assert router._lexicon.prepare("lengqidongfei zenme jiao")[0].startswith("lengqidongfei")
    intents = fresh_start.content / "intents.toml"
    text = intents.read_text(encoding="utf-8")
    assert '"终身会费", "会费发票",' in text
    intents.write_text(text.replace('"终身会费", "会费发票",', '"终身会费", "会费发票", "冷启动费",'), encoding="utf-8")
    fresh_start()
    assert router._lexicon.prepare("lengqidongfei zenme jiao")[0].startswith("冷启动费")
    (kept,) = fresh_start.cache.glob("*.pinyin")  # the one of the earlier words is gone
    table = router._lexicon._pinyin
    assert table["huifei"] == "会费" and table["lengqidongfei"] == "冷启动费"
    kept.write_bytes(kept.read_bytes()[:100])  # truncated
    fresh_start()
    assert router._lexicon._pinyin == table
    assert len(kept.read_bytes()) > 100  # written whole again
    fresh_start()
    assert router._lexicon._pinyin == table  # read from the file


def test_a_tag_given_in_the_user_dictionary_is_read_at_the_next_start(fresh_start):
    """The word sets of job questions are kept in var/lexicon/*.tags with content/userdict.txt's tags
    applied: a word the secretary tags as a verb there is one at the next start."""
    fresh_start()
    assert NEW_WORD not in router._lexicon.plain_verbs()
    with (fresh_start.content / "userdict.txt").open("a", encoding="utf-8") as f:
        f.write(f"\n{NEW_WORD} 50 v\n")
    fresh_start()
    assert NEW_WORD in router._lexicon.plain_verbs()
    assert len(list(fresh_start.cache.glob("*.tags"))) == 1  # the earlier one is gone
