"""How job text becomes search terms: the router's segmentation, the words inside
long words, city names, and how a term sounds.

Postings are indexed and queries are cut with the same `bot.router.tokenize`
(jieba with the domain dictionary), so both sides agree on what a word is.
But jieba keeps 算法工程师 or 农业技术推广员 whole, and a member asking for
工程师 or 推广员 would miss them if the index held only whole words. So, like
jieba's own search mode, a long word is also indexed by the dictionary words
inside it (土木工程: 土木, 工程). And where jieba leaves a character alone after a
word (土木工程 / 师), the dictionary words ending in that character are indexed
too (工程师): the title was cut where the member's word would not be.

A term's reading (toneless pinyin) lets a word mistyped with a pinyin keyboard
(机器学系 for 机器学习) find the indexed word that sounds the same.
"""
from __future__ import annotations

import itertools
import re
import sys
from functools import lru_cache

from bot import content
from bot.router import normalize, tokenize
from storage import jobs as store

_CJK = re.compile(r"[\u3400-\u9fff]+")


def is_term(token: str) -> bool:
    """Whether a token can be searched for: punctuation and symbols cannot."""
    return any(ch.isalnum() for ch in token)


def query_terms(keyword: str) -> list[str]:
    """The terms a keyword is found by: 化工工程师 needs both 化工 and 工程师."""
    return [token for token in tokenize(keyword) if is_term(token)]


def index_text(text: str | None) -> str:
    """What the full-text index stores for a field: its terms, the words inside long ones, and
    the dictionary words jieba cut across (土木工程 / 师: 工程师; 窖酒 / 业: 酒业; 嵌入式 / 软件工程师: 嵌入式软件)."""
    terms, before = [], ""
    for token in tokenize(text or ""):
        if is_term(token):
            terms.append(token)
            terms.extend(_inner_words(token))
            if _CJK.fullmatch(before + token):
                terms.extend(_words_across(before, token))
        before = token
    return " ".join(terms)


@lru_cache(maxsize=200_000)
def _inner_words(token: str) -> tuple[str, ...]:
    """The dictionary words inside a Chinese word, longest first (电气工程师: 电气工程, 工程师, 电气, 工程)."""
    if len(token) < 3 or not _CJK.fullmatch(token):
        return ()
    return tuple(word for size in range(min(4, len(token) - 1), 1, -1)
                 for word in dict.fromkeys(token[i:i + size] for i in range(len(token) - size + 1))
                 if _is_word(word))


@lru_cache(maxsize=200_000)
def _words_across(first: str, second: str) -> tuple[str, ...]:
    """The dictionary words of 2-6 characters that join the end of one token to the whole next one, or the whole
    token to the start of the next (a member's word jieba's cut of the posting split), neither token itself."""
    ends = (first[-size:] + second for size in range(1, len(first)) if 2 <= size + len(second) <= 6) if first else ()
    starts = (first + second[:size] for size in range(1, len(second)) if len(first) + size <= 6) if first else ()
    return tuple(dict.fromkeys(word for word in (*ends, *starts) if _is_word(word)))


def _is_word(text: str) -> bool:
    return tokenize(text) == [text]


@lru_cache(maxsize=200_000)
def reading(term: str) -> str | None:
    """Toneless pinyin of a Chinese word of two characters or more (学系 -> xuexi), else None."""
    if len(term) < 2 or not _CJK.fullmatch(term):
        return None
    from pypinyin import lazy_pinyin  # loaded only when a reading is needed

    return "".join(lazy_pinyin(term))


# --- cities and a member's own keywords -------------------------------------------------

@lru_cache(maxsize=1)
def _city_forms() -> dict[str, str]:
    """Every way the router knows to write a city (郑州, 郑州市, 郑州地区, 黄石) -> the city."""
    jobs = content.load_toml("intents.toml")["jobs"]
    return {normalize(city + suffix): normalize(city)
            for city in [*jobs["cities"], *jobs["more_cities"]] for suffix in ["", *jobs["city_suffixes"]]}


def canonical_city(text: str) -> str:
    """河南省郑州市高新区 -> 郑州: the known city a place name begins with (after its province, if any), else the
    city of its district (兰考县 -> 开封), else the name as written."""
    plain = normalize(text).replace(" ", "")
    found = _city_at(plain)
    return found[0] if found else city_of_district(plain) or plain


def _city_at(plain: str) -> tuple[str, int] | None:
    """(city, where its form ends) of the city form a place begins with, a province's name before it aside (四川省绵阳市,
    云南昆明, 绵阳市涪城区); never one inside another name (峨眉山市 is no 眉山)."""
    forms, sizes = _city_forms(), _city_form_sizes()
    after_province = any(plain.startswith(name) for name in _province_names())
    for at in range(len(plain) if after_province else 1):  # the first form where one may stand, the longest there
        if at == 0 or _is_province(plain[:at]):
            for size in sizes:
                form = plain[at:at + size]
                if len(form) == size and form in forms and plain.find(form) == at:  # as the form is first written
                    return forms[form], at + size
    return None


@lru_cache(maxsize=1)
def _city_form_sizes() -> tuple[int, ...]:
    """The lengths of the city forms (_city_forms), longest first."""
    return tuple(sorted({len(form) for form in _city_forms()}, reverse=True))


def _is_province(prefix: str) -> bool:
    """Whether a place's words before its city are its province (四川省, 云南, 广西壮族自治区)."""
    return any(prefix.startswith(name) and (len(prefix) == len(name) or prefix[len(name):].endswith(("省", "自治区", "市")))
               for name in _province_names())


@lru_cache(maxsize=1)
def _province_names() -> tuple[str, ...]:
    return tuple(normalize(name) for name in content.load_toml("jobs.toml")["provinces"])


def canonical_place(text: str) -> str:
    """A posting's place as the import stores it: its city as the router names it, then the district or county
    written after it (四川省绵阳市 -> 绵阳, 武汉市洪山区 -> 武汉洪山区, 凉山州昭觉县 -> 凉山昭觉县, 兰考县 -> 开封兰考县),
    so the district is shown and searched for and the province and the city's own ending are left out; a place
    naming no known city or district as written."""
    plain = normalize(text).replace(" ", "")
    found = _city_at(plain)
    if not found:
        city = city_of_district(plain)
        return city + plain if city and not plain.startswith(city) else plain
    city, end = found
    rest = plain[end:].lstrip("·-—/,，、")
    if plain[end - len(city):end] == city and rest[:1] in _place_endings() and len(rest) > 1:
        rest = rest[1:]  # 凉山州昭觉县: the 州 is the city's own (乐山市市中区: the 市 of 市中区 is the district's)
    return city + ("" if rest in _place_endings() else rest)


@lru_cache(maxsize=1)
def _place_endings() -> tuple[str, ...]:
    return tuple(content.load_toml("jobs.toml")["words"]["place_endings"])


def city_of_district(text: str) -> str | None:
    """金水区 -> 郑州: the city of the first district or county the text names (content/jobs.toml [districts])."""
    plain = normalize(text or "").replace(" ", "")
    named = [(plain.index(district), city) for district, city in _district_cities().items() if district in plain]
    return min(named)[1] if named else None


def cities_named(text: str) -> list[tuple[int, int, str]]:
    """(start, end, city) of each city, city form or district the text names, in order, longest forms first
    (郑州市 and 新郑 in "老家新郑的，郑州市有吗": 郑州 twice)."""
    city_of, longest = _place_forms()
    named, at = [], 0
    while at < len(text):  # a lookup a length at each place: a pattern of ~2,000 names cost more than the search
        size = next((size for size in range(min(longest, len(text) - at), 0, -1) if text[at:at + size] in city_of), 0)
        if size:
            named.append((at, at + size, city_of[text[at:at + size]]))
        at += size or 1
    return named


@lru_cache(maxsize=1)
def _place_forms() -> tuple[dict[str, str], int]:
    city_of = {**_district_cities(), **_city_forms()}
    return city_of, max(map(len, city_of))


def region_named(text: str) -> tuple[str, ...]:
    """The cities of the region of a province the text names (攀西: 攀枝花, 凉山; content/jobs.toml [regions]), else ()."""
    plain = normalize(text or "")
    return next((cities for region, cities in _regions().items() if region in plain), ())


@lru_cache(maxsize=1)
def _regions() -> dict[str, tuple[str, ...]]:
    regions = content.load_toml("jobs.toml").get("regions", {})
    return {normalize(region): tuple(normalize(city) for city in cities)
            for region, cities in sorted(regions.items(), key=lambda item: -len(item[0]))}


def place_named(text: str, places: tuple[str, ...], city: str | None) -> str | None:
    """The part of the board's places (as postings write them: 武汉市洪山区, 成都郫都区, 什邡市, 武汉市东湖高新区（光谷）)
    the text names by a word of its own (洪山区, 洪山, 郫都, 什邡, 光谷), the narrowest when it names several (恩施 建始县:
    建始县); None when it names none, or only places outside the city asked, or a city or the province (the router's).
    A word counts where it is whole in the text as the router cuts it, or cut into characters jieba knows no word of
    (郫都: 郫 / 都), never as part of a longer word (市中区's 市中 in 城市中)."""
    words, plain = _place_words(places), normalize(text or "")
    said = [word for word in words if word in plain]
    if not said:  # most questions: no need to cut the text again
        return None
    bounds = set(itertools.accumulate(len(token) for token in tokenize(plain)))
    named = [words[word] for word in said
             if any(at in bounds | {0} and at + len(word) in bounds for at in _starts(plain, word))]
    fitting = [(len(held), word) for word, held in named if city is None or any(city in place for place in held)]
    return min(fitting)[1] if fitting else None


def _starts(text: str, word: str) -> list[int]:
    return [found.start() for found in re.finditer(re.escape(word), text)]


@lru_cache(maxsize=8)
def _place_words(places: tuple[str, ...]) -> dict[str, tuple[str, tuple[str, ...]]]:
    """A word naming part of the board's places -> (the word as a place filter, the places that hold it); no city's
    form (the router reads those) and no word of the province's ([province] words). A place's words are its segments
    and what follows its city (the whole place when it names no known city: 什邡市), each with or without its ending
    (content/jobs.toml place_endings: 郫都区, 郫都; 五峰县, 五峰)."""
    endings = tuple(sorted(_place_endings(), key=len, reverse=True))
    known = {*_city_forms(), *(normalize(w) for w in content.load_toml("jobs.toml")["province"]["words"])}
    held: dict[str, tuple[str, set[str]]] = {}
    for place in places:
        written = normalize(place)
        found = _city_at(written.replace(" ", ""))
        district = written.replace(" ", "")[found[1]:] if found else written
        for part in dict.fromkeys([*tokenize(written), *_CJK.findall(district)]):
            if len(part) < 2 or not _CJK.fullmatch(part) or part in known:
                continue
            held.setdefault(part, (part, set()))[1].add(place)
            ending = next((ending for ending in endings if part.endswith(ending)), "")
            short = part[:-len(ending)] if ending else part
            if ending and len(short) >= 2 and short not in known:  # 沙市: as 沙市区, not 长沙市
                held.setdefault(short, (part, set()))[1].add(place)
    return {word: (as_filter, tuple(sorted(in_places))) for word, (as_filter, in_places) in held.items()}


def city_by_sound(text: str) -> str | None:
    """新相 -> 新乡, 郑洲 -> 郑州, 罗河 -> 漯河; 成度 -> 成都, 乐上 -> 乐山, 棉阳 -> 绵阳: a known city typed as characters that
    read like it (a pinyin keyboard's or voice input's slip) and share a character with it; None when none is, or the
    word is one of content/jobs.toml's not_city_typos (信仰 is no 信阳).

    A city of the province is read by its own sounds wherever it is typed. Any other city also by the sounds many
    speakers do not tell apart (an/ang, zh/z, l/n), and only where a place is said (the message or a clause begins
    with it, or a word of content/jobs.toml place_before comes right before it: 我在成督) and the router cuts each of its
    characters alone: a dictionary word (代理, 南洋, 完成度) is never a city mistyped, nor 太远 in 路太远了."""
    plain = normalize(text or "")
    for run in _CJK.findall(plain):
        for size, cities in _province_sounds().items():
            for at in range(len(run) - size + 1):
                word = run[at:at + size]
                city = cities.get(reading(word))
                if city and word != city and not set(word).isdisjoint(city) and word not in _not_city_typos():
                    return city
    return _other_city_by_sound(plain)


def _other_city_by_sound(plain: str) -> str | None:
    tokens = tokenize(plain)
    single = {at for at, token in zip(itertools.accumulate(map(len, tokens), initial=0), tokens) if len(token) == 1}
    before = tuple(content.load_toml("jobs.toml")["words"]["place_before"])
    for run in _CJK.finditer(plain):
        for size, cities in _city_sounds().items():
            for at in range(run.start(), run.end() - size + 1):
                word = plain[at:at + size]
                city = cities.get(_folded(reading(word) or ""))
                if city and word != city and not set(word).isdisjoint(city) and word not in _not_city_typos() \
                        and all(at + offset in single for offset in range(size)) \
                        and (at == run.start() or plain[:at].endswith(before)):
                    return city
    return None


@lru_cache(maxsize=1)
def _province_sounds() -> dict[int, dict[str, str]]:
    """Characters -> reading -> the province's city of that many characters that reads so."""
    from pypinyin import Style, pinyin

    sounds: dict[int, dict[str, str]] = {}
    for city in content.load_toml("jobs.toml")["province"]["cities"]:
        city = normalize(city)  # every reading of its characters: 漯河 is luohe, which pypinyin reads tahe
        for spelt in itertools.product(*(pinyin(char, style=Style.NORMAL, heteronym=True)[0] for char in city)):
            sounds.setdefault(len(city), {})["".join(spelt)] = city
    return sounds


def _folded(sound: str) -> str:
    """A reading with the sounds many speakers do not tell apart made one (zh, ch, sh; -ng; l and n)."""
    return sound.replace("zh", "z").replace("ch", "c").replace("sh", "s").replace("ng", "n").replace("l", "n")


@lru_cache(maxsize=1)
def _city_sounds() -> dict[int, dict[str, str]]:
    """Characters -> folded reading -> the known city of that many characters that reads so (content/intents.toml
    [jobs] cities first)."""
    from pypinyin import Style, pinyin

    jobs = content.load_toml("intents.toml")["jobs"]
    sounds: dict[int, dict[str, str]] = {}
    for city in [*jobs["cities"], *jobs["more_cities"]]:
        city = normalize(city)
        for spelt in itertools.product(*(pinyin(char, style=Style.NORMAL, heteronym=True)[0] for char in city)):
            sounds.setdefault(len(city), {}).setdefault(_folded("".join(spelt)), city)
    return sounds


@lru_cache(maxsize=1)
def _not_city_typos() -> frozenset[str]:
    return frozenset(normalize(w) for w in content.load_toml("jobs.toml")["words"]["not_city_typos"])


@lru_cache(maxsize=1)
def _district_cities() -> dict[str, str]:
    return {normalize(district): normalize(city)
            for city, districts in content.load_toml("jobs.toml").get("districts", {}).items() for district in districts}


@lru_cache(maxsize=1)
def not_keywords() -> frozenset[str]:
    """Words that are never what a job search or alert looks for (城市 words aside): the router's job stop-words
    and content/jobs.toml not_keywords."""
    router_words = content.load_toml("intents.toml")["jobs"]["stopwords"]
    own_words = content.load_toml("jobs.toml")["words"]["not_keywords"]
    return frozenset(normalize(w) for w in [*router_words, *own_words])


def alert_keywords(text: str) -> list[str]:
    """The keywords of "订阅招聘 人工智能 郑州": content words, cities as the router names them.

    The router gives a `subscribe` intent no keywords, so they are taken here from
    the same tokens, without the job-query and subscription words.
    """
    forms, skip = _city_forms(), not_keywords()
    words = []
    for token in tokenize(text):
        if token in forms:
            words.append(forms[token])
        elif is_term(token) and token not in skip and not (len(token) == 1 and _CJK.fullmatch(token)):
            words.append(token)
    return list(dict.fromkeys(words))


store.use_job_text(sys.modules[__name__])  # storage.jobs indexes and searches with this module's functions
