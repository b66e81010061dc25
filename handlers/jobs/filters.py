"""What in a job question is a filter, not a search word: the pay, the education, the discipline.

"郑州 硕士 化学 8k以上" asks for postings in 郑州 (the router's city), for a master's degree,
in chemistry, paying 8,000 yuan a month or more: none of 硕士, 8k or 以上 is a word a posting
must contain. Read here from the member's own text (the router may have dropped or kept them):

- pay: 8k以上, 8千以上, 月薪8000以上, 1万以上, 年薪20万以上 -> at least so much a month;
- education: 硕士 (exactly), 硕士以上 / 硕士及以上 (or higher), 本科以下 (or lower), 学历不限; a
  posting that states no requirement is open to every level, so it is listed too (after those that
  state the level: storage.jobs.search); never the 博士 of 博士后, which is a kind of post;
- discipline: a name, an abbreviation (计科, 应化, AI, IT in capitals) or a typo of one (化雪 for 化学;
  水力 for 水利, a word of its own that sounds the same), per content/jobs.toml [disciplines] (the
  router reads the same table): listed postings must name every discipline asked in their discipline
  or title, by one of its forms or its [field_words] (计算机: 软件, 信息技术);
- a broad field or a job that stands for one (医疗, 电工, 机电: content/jobs.toml [fields]) -> a posting of any
  discipline it covers, or naming the word itself; [not_field_words] keeps out postings that only look like
  one (兽医学 for 医学);
- disciplines said as alternatives (化学和材料都行, 地质或测绘, "geology or surveying"): one filter any of them
  meets, where two said side by side (化学 电气) must both be named;
- the province: 省内, 河南, 全省, 不要外省的 -> any city of content/jobs.toml [province]; 外省的, 省外, outside
  Henan -> any city but those; cities said as alternatives
  (漯河或者开封的) -> either; a city said not to be wanted (除了郑州的) -> any other.

The keywords the router gave lose whatever became a filter.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, replace
from functools import lru_cache

from bot import content
from bot.router import analyse, normalize, tokenize
from handlers.jobs.text import cities_named, not_keywords, reading

_LATIN = re.compile(r"[a-z][a-z+#]*")
_CJK_WORD = re.compile(r"[\u4e00-\u9fff]+")
# 8k以上, 8千以上, 月薪8000以上, 1.2万起, 年薪20万以上, 8000+
_PAY = re.compile(r"(?P<year>年薪)?(?:月薪|薪资|工资|薪水|待遇)?(?P<n>\d+(?:\.\d+)?)\s*(?P<unit>k|千|w|万|元)?"
                  r"(?P<per>/年|每年|一年)?\s*(?P<more>以上|及以上|起|\+|往上|或以上)")
# 过万, 不低于8000, 至少8k, 月薪能过1万: the least said before the number (a unit or a pay word makes it pay)
_PAY_AT_LEAST = re.compile(r"(?P<year>年薪)?(?:(?P<pay>月薪|薪资|工资|薪水|待遇|收入)[^\d，,。？?！!]{0,3}?)?"
                           r"(?P<least>过|上|破|超过|高于|不低于|不少于|至少|起码|最少|大于|多于|over|above|morethan|atleast)"
                           r"(?P<n>\d+(?:\.\d+)?)\s*"
                           r"(?P<unit>k|千|w|万|元)?(?P<per>/年|每年|一年)?")


@dataclass(frozen=True)
class Filters:
    keywords: tuple[str, ...]  # what is left to search for
    disciplines: tuple[tuple[str, ...], ...] = ()  # per discipline (or field) asked, the words that name it in a posting
    discipline: str | None = None  # the disciplines as the reply names them (化学、电气; 化学或者材料)
    education: tuple[str, ...] = ()  # the levels a posting may require
    education_text: str | None = None  # as the member asked, for the reply
    min_salary: int | None = None  # yuan a month
    salary_text: str | None = None
    province: bool = False  # 省内, 河南, 不要外省的: any city of the province
    names: tuple[str, ...] = ()  # per group of `disciplines`, as the reply names it (化学或者材料, 医疗)
    fields: tuple[str, ...] = ()  # those of `names` that are broad fields ([fields]: 医疗), named as the member said
    either: tuple[tuple[str, ...], ...] = ()  # words said as alternatives that are not all disciplines (会计或者出纳)
    cities: tuple[str, ...] = ()  # cities said as alternatives (漯河或者开封的)
    except_cities: tuple[str, ...] = ()  # cities said not to be wanted (除了郑州的)
    not_named: tuple[str, ...] = ()  # words that make a posting none of the disciplines asked (兽医 for 医学)
    outside: bool = False  # 外省, outside Henan: any city but the province's
    region: tuple[str, ...] = ()  # another province named (湖北省内, in Hubei): its cities, and its name
    workplaces: tuple[str, ...] = ()  # kinds of workplace asked (学校, 医院: content/jobs.toml [workplaces])
    workplace_words: tuple[tuple[str, ...], ...] = ()  # per kind asked, the words a title or employer says it by
    not_at: tuple[str, ...] = ()  # words that make an employer none of the kinds asked (科学院 for 学校)


def settings() -> dict:
    return content.load_toml("jobs.toml")


def read(text: str, keywords, either=()) -> Filters:
    """The filters in a job question and the keywords left once they are taken out. `either`: groups of
    keywords said as alternatives (board: "会计或者出纳"); a group of disciplines or fields becomes one
    discipline filter that any of them meets, the others stay groups of words."""
    plain = normalize(text or "").lower().replace(" ", "")
    fixed = analyse(text or "").fixed.lower()  # as the router reads it: English words as the Chinese ones
    salary, salary_text, pay_words = _pay(plain)
    levels, level_text = _education(plain)
    workplaces = _workplaces(plain, keywords)
    keywords = [k for k in keywords if not any(normalize(k).lower() in word for word in workplaces)]  # 畜牧站: no 畜牧
    names, mentions, keywords = _discipline(plain, keywords)
    for word, name in _capital_abbreviations().items():  # IT, never the English word it
        if re.search(rf"(?<![A-Za-z]){word}(?![A-Za-z])", unicodedata.normalize("NFKC", text or "")):
            names += [name] if name not in names else []
            mentions.append(word.lower())
    groups = [[name] for name in names]
    for index in range(len(groups) - 1, 0, -1):  # 化学和材料, 地质、测绘: a posting is of one field
        if _said_as_alternatives(fixed, groups[index - 1][-1], groups[index][0], mentions):
            groups[index - 1] += groups.pop(index)
    words_left = []
    for group in either:  # 地质 or 测绘: disciplines, met by either
        read_as = [_discipline(plain, [word])[0] for word in group]
        if all(read_as):
            groups.append([name for named in read_as for name in named if name not in names])
            mentions += [normalize(word).lower() for word in group]
        else:
            words_left.append(group)
    groups = [group for group in groups if group]
    drop = set(pay_words) | set(mentions) | (_filter_words() if salary or levels or groups else set())

    def became_a_filter(keyword: str) -> bool:
        word = normalize(keyword).lower()
        return (word in drop or word in workplaces or (salary is not None and _is_pay(keyword))
                or (bool(levels) and (word in _education_words() or _in_a_level_word(plain, word)))
                or word in _province_words()
                or (bool(excluded or outside) and word in _except_words()) or bool(cities_named(word))  # a city kept
                or (outside is not None and word in _outside_words()))

    cities, excluded = _cities(fixed)
    region = province_named(plain)
    outside = None if region else _outside_province(plain)  # 不要外省的，湖北省内有什么: 湖北
    left = tuple(k for k in keywords if not became_a_filter(k) and not _says_nothing(normalize(k)))
    labels = tuple(content.text("jobs.joiner_or").join(group) for group in groups)
    fields = tuple(label for label, group in zip(labels, groups) if not any(name in _disciplines() for name in group))
    named = [label for label in labels if label not in fields]
    discipline = content.text("jobs.joiner_and").join(named) if named else None
    words = tuple(_group_words(group) for group in groups)
    province = not region and (outside is False or (names_province(plain) and outside is None))
    return Filters(left, words, discipline, levels, level_text, salary, salary_text, province, labels, fields,
                   tuple(words_left), cities, excluded, _not_named(groups, words), outside=outside is True,
                   region=_provinces().get(region, ()), workplaces=tuple(workplaces),
                   workplace_words=tuple(_workplace_words()[word] for word in workplaces),
                   not_at=tuple(word for kind in workplaces for word in _not_workplace_words().get(kind, ())
                                if word not in plain))


def _not_named(groups: list[list[str]], words: tuple[tuple[str, ...], ...]) -> tuple[str, ...]:
    """Words that make a posting another discipline than those asked: content/jobs.toml [not_field_words] of the
    disciplines asked (or covered by a field asked), but for a word that names one of them ("医学或者兽医"); and the
    Chinese names of other disciplines that hold a word of a discipline asked after a word of their own (中医学, a form
    of 中医, for 医学: a posting of 中医学 is none of 临床医学's; 预防医学 likewise). One that begins with it is of its
    family (化学工程 for 化学, 计算机视觉 for 计算机), one that joins it to another field is both (畜牧兽医, 农业水利工程),
    and a broad field asked keeps all of its kin."""
    table = {normalize(name).lower(): [normalize(w).lower() for w in not_words]
             for name, not_words in settings().get("not_field_words", {}).items()}
    asked = {name for group in groups for name in group}
    asked |= {covered for name in list(asked) for covered in _fields().get(name, ())}
    named = {word for group in words for word in group}
    listed = [word for name in asked for word in table.get(name, ())
              if not any(word in other or other in word for other in named if other not in _named_by(name))]
    chinese = [word for group in groups for name in group if name in _disciplines() for word in _named_by(name)
               if _CJK_WORD.fullmatch(word)]
    holding = [form for other, form in _holding(tuple(chinese)) if other not in named and form not in named]
    return tuple(dict.fromkeys([*listed, *holding]))


@lru_cache(maxsize=512)
def _holding(chinese: tuple[str, ...]) -> tuple[tuple[str, str], ...]:
    """(discipline, Chinese name) of every discipline whose name holds one of the `chinese` words after a word of
    its own (中医学 for 医学): a walk over every discipline's forms, made once for the disciplines a question asks
    (it was the largest part of a job question's CPU, made again for every question)."""
    return tuple((other, form) for other, forms in _disciplines().items() for form in forms
                 if _CJK_WORD.fullmatch(form) and any(_modified(form, word) for word in chinese))


_JOINED = re.compile("(及其|与|和|及)$")  # 电气工程及其自动化: 电气工程 and 自动化, both


def _modified(form: str, word: str) -> bool:
    """Whether a discipline's name holds the word after a modifier that names no field (中医学: 中 + 医学; not
    电气工程及其自动化, which names 自动化 joined to another field)."""
    at = form.find(word)
    return at > 0 and not _JOINED.search(form[:at]) and form[:at] not in _forms() and form[:at] not in _fields()


def words_between(fixed: str, first: str, second: str) -> str | None:
    """What stands between a word and the next word that follows it in the text, spaces left out; None when
    they are not found so."""
    at = fixed.find(first)
    after = fixed.find(second, at + len(first)) if at >= 0 else -1
    return fixed[at + len(first):after].replace(" ", "") if after >= 0 else None


def said_as_either(fixed: str, between: str | None, joined_by_and: bool = True) -> bool:
    """Whether two things with `between` between them are said as alternatives: joined by an "or" (或者, or:
    content/jobs.toml or_words); by an "and" (和, 、: either_words) when `joined_by_and` (two fields, two cities:
    a posting is of one); or by an "and" or nothing but punctuation in a message that says any of them will do
    (会计出纳都行, "洛阳, 郑州 都ok": any_of_words)."""
    words = settings()["words"]
    if between is None:
        return False
    if between in words["or_words"] or (joined_by_and and between in words["either_words"]):
        return True
    return any(word in fixed for word in words["any_of_words"]) and (
        between in words["either_words"] or not between.strip(",;、/"))


def _said_as_alternatives(fixed: str, first: str, second: str, mentions: list[str]) -> bool:
    """Whether two disciplines are said as either ("化学和材料", "地质、测绘", "化学 材料都行"), by the words
    that named them."""
    forms = {name: [m for m in mentions if _forms().get(m, _fields_named(m)) == name] or [name]
             for name in (first, second)}
    return any(said_as_either(fixed, words_between(fixed, one, other)) for one in forms[first] for other in forms[second])


def _fields_named(word: str) -> str | None:
    return word if word in _fields() else None


def _cities(fixed: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The cities said as alternatives ("漯河或者开封的", "洛阳 or 郑州 都ok": when two or more are), and those
    said not to be wanted ("除了郑州的", "郑州以外", and any joined to one: "除了郑州和洛阳")."""
    words = settings()["words"]
    named = cities_named(fixed)
    excluded: list[str] = []
    chains: list[list[str]] = []
    last_end, last_excluded = None, False
    for start, end, city in named:
        before = fixed[max(0, start - 8):start].replace(" ", "")
        after = fixed[end:end + 8].replace(" ", "")
        between = fixed[last_end:start].replace(" ", "") if last_end is not None else None
        joined = between == "" or said_as_either(fixed, between)  # 洛阳开封的: side by side, a posting is in one
        if (before.endswith(_except_words("except_before")) or after.startswith(_except_words("except_after"))
                or (joined and last_excluded)):
            excluded.append(city)
            last_excluded = True
        else:
            if joined and chains and not last_excluded:
                chains[-1].append(city)
            else:
                chains.append([city])
            last_excluded = False
        last_end = end
    alternatives = next((tuple(dict.fromkeys(chain)) for chain in chains if len(set(chain)) > 1), ())
    return alternatives, tuple(dict.fromkeys(excluded))


_ASKING = re.compile(r"(.{1,2})[不没]\1")  # 多不多, 招不招, 有没有: a question's shape, not a search word


def _says_nothing(word: str) -> bool:
    """Words no posting needs to contain: a question's A-not-A (多不多), a district or county (金水区, 兰考县:
    postings are filed under their city) and "any will do" (都行: content/jobs.toml any_of_words)."""
    return bool(_ASKING.fullmatch(word)) or (len(word) >= 3 and word.endswith(_place_endings())) \
        or word in settings()["words"]["any_of_words"]


@lru_cache(maxsize=1)
def _place_endings() -> tuple[str, ...]:
    return tuple(settings()["words"]["place_endings"])


def discipline_names() -> list[str]:
    """The disciplines a search can be narrowed to, as content/jobs.toml lists them."""
    return list(_disciplines())


def education_levels() -> list[str]:
    """The education levels a posting can require, lowest first (不限 is no filter)."""
    return [level for level, _ in _levels()]


def picked(filters: Filters, discipline: str | None = None, education: str | None = None,
           min_salary: int | None = None) -> Filters:
    """The filters of a question with what was picked from a list (the job-search page) in place
    of what the text said of the same kind; each must be one of the lists' own values."""
    if discipline:
        filters = replace(filters, disciplines=(_named_by(discipline),), discipline=discipline, names=(discipline,),
                          fields=())
    if education:
        filters = replace(filters, education=(education,), education_text=education)
    if min_salary:
        filters = replace(filters, min_salary=min_salary,
                          salary_text=content.text("jobs.salary_at_least", salary=min_salary))
    return filters


# --- pay --------------------------------------------------------------------------------

def _is_pay(word: str) -> bool:
    return bool(re.fullmatch(r"\d+(\.\d+)?(k|千|w|万|元)?\+?", normalize(word).lower()))


def _pay(plain: str) -> tuple[int | None, str | None, list[str]]:
    found = _PAY.search(_numbers(plain)) or next(
        (m for m in _PAY_AT_LEAST.finditer(_numbers(plain))
         if m["pay"] or m["year"] or (m["unit"] and len(m["least"]) > 1)), None)  # 上万人 is no pay
    if not found:
        return None, None, []
    number = float(found["n"])
    unit = {"k": 1000, "千": 1000, "w": 10000, "万": 10000, "元": 1}.get(found["unit"] or "", None)
    if unit is None:  # a bare number: 8 means 8k, 8000 means 8000 yuan
        unit = 1000 if number < 100 else 1
    monthly = number * unit
    if found["year"] or found["per"]:
        monthly /= 12
    if "least" not in found.groupdict():
        return int(monthly), found.group(0), [found.group(0), found["n"] + (found["unit"] or ""), found["more"]]
    said = content.text("jobs.salary_at_least", salary=int(monthly))  # 过万: as the search page says it
    return int(monthly), said, [found.group(0), found["n"] + (found["unit"] or ""), found["least"]]


_DIGITS = {"一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}


def _numbers(plain: str) -> str:
    """Chinese numbers of pay as digits (八千 -> 8千, 二十万 -> 20万, 一万五(千) -> 1.5万, 八千五 -> 8.5千), and 过万
    (a ten-thousand passed) as 过1万."""
    plain = re.sub(r"(?<=[过上破])(?=[万w])", "1", plain)
    plain = re.sub(r"([一二两三四五六七八九])?(十)?([一二两三四五六七八九])?(?=[千万])", _number, plain)
    plain = re.sub(r"(\d+)万(\d)千", r"\1.\2万", plain)  # 一万五千: 1万5千
    return re.sub(r"(\d+)([千万])([一二两三四五六七八九])(?![千百十])",
                  lambda found: f"{found[1]}.{_DIGITS[found[3]]}{found[2]}", plain)


def _number(found: re.Match) -> str:
    tens, ten, ones = found.groups()
    if not ten:  # 八 (千), or nothing; 三五 (万) is no number
        return str(_DIGITS[tens or ones]) if bool(tens) != bool(ones) else found.group(0)
    return str(_DIGITS.get(tens, 1) * 10 + _DIGITS.get(ones, 0))


# --- education ------------------------------------------------------------------------------

@lru_cache(maxsize=1)
def _levels() -> list[tuple[str, list[str]]]:
    """(level, its spellings), lowest first; 不限 is not a level."""
    table = settings()["education"]
    return [(level, [normalize(w) for w in words]) for level, words in table.items() if level != "不限"]


@lru_cache(maxsize=1)
def _education_words() -> frozenset[str]:
    return frozenset(w for _, words in _levels() for w in words) | frozenset(_no_requirement())


@lru_cache(maxsize=1)
def _no_requirement() -> tuple[str, ...]:
    return tuple(normalize(w) for w in settings()["education"]["不限"])


def _education(plain: str) -> tuple[tuple[str, ...], str | None]:
    if any(w in plain for w in _no_requirement()):
        return ("不限",), settings()["education"]["不限"][0]
    levels = [level for level, _ in _levels()]
    for index, (level, words) in enumerate(_levels()):
        for word in sorted(words, key=len, reverse=True):
            at = plain.find(word)
            while at >= 0 and plain[at + len(word):at + len(word) + 1] == "后":  # 博士后 is a post
                at = plain.find(word, at + 1)
            if at < 0:
                continue
            after = plain[at + len(word):at + len(word) + 3]
            if after.startswith(("以上", "及以上", "或以上")):
                return (*levels[index:], "不限"), plain[at:at + len(word) + (3 if after.startswith("及") else 2)]
            if after.startswith(("以下", "及以下")):
                return (*levels[:index + 1], "不限"), plain[at:at + len(word) + (3 if after.startswith("及") else 2)]
            if _own_degree(plain, at):  # 我是硕士, 计算机硕士, 硕士 学食品的: what the member holds qualifies below it too
                return (*levels[:index + 1], "不限"), content.text("jobs.education_up_to", education=level)
            return (level, "不限"), level
    return (), None


def _own_degree(plain: str, at: int) -> bool:
    """Whether the level said at `at` is the member's own (我是硕士, 俺本科, 适合硕士的, 硕士能投的, 学食品的, a
    discipline right before it: 计算机硕士; content/jobs.toml own_degree_words; in English, "PhD in materials",
    always), not one a posting must ask for."""
    before = plain[:at]
    return plain[at:at + 1].isascii() or any(normalize(word).lower().replace(" ", "") in plain for word in settings()["words"]["own_degree_words"]) \
        or re.search(r"学[\u4e00-\u9fff]{1,6}的", plain) is not None \
        or any(before.endswith(form) for form in _forms() if _CJK_WORD.fullmatch(form))


def _in_a_level_word(plain: str, keyword: str) -> bool:
    """Whether the router cut the keyword across a level word (本科学的测绘: 本 / 科学) or kept the level with a
    word for a degree (本科学历)."""
    at = plain.find(keyword)
    spoken = [word for _, words in _levels() for word in words]
    return (at > 0 and any(plain.startswith(word, start) for word in spoken
                           for start in range(max(0, at - len(word) + 1), at))) \
        or any(keyword == word + rest for word in spoken for rest in settings()["words"]["degree_words"])


# --- discipline -------------------------------------------------------------------------------

@lru_cache(maxsize=1)
def _disciplines() -> dict[str, tuple[str, ...]]:
    """discipline -> every form that names it (itself first)."""
    return {name: tuple(dict.fromkeys([normalize(name).lower(), *(normalize(f).lower() for f in forms)]))
            for name, forms in settings()["disciplines"].items()}


@lru_cache(maxsize=1)
def _forms() -> dict[str, str]:
    return {form: name for name, forms in _disciplines().items() for form in forms}


@lru_cache(maxsize=None)
def _named_by(name: str) -> tuple[str, ...]:
    """The words that make a posting one of the discipline's: its forms and its [field_words]; for a broad
    field ([fields]: 医疗), the word itself and those of each discipline it covers."""
    own = _disciplines().get(name, (name,))
    more = (normalize(word).lower() for word in settings().get("field_words", {}).get(name, ()))
    covered = (word for discipline in _fields().get(name, ()) for word in _named_by(discipline))
    return tuple(dict.fromkeys([*own, *more, *covered]))


def _group_words(names: list[str]) -> tuple[str, ...]:
    """The words that make a posting one of any of the disciplines or fields named."""
    return tuple(dict.fromkeys(word for name in names for word in _named_by(name)))


@lru_cache(maxsize=1)
def _fields() -> dict[str, tuple[str, ...]]:
    """A broad field or a job standing for one (content/jobs.toml [fields]: 医疗, 电工) -> the disciplines it covers."""
    fields = {normalize(word).lower(): tuple(normalize(name).lower() for name in names)
              for word, names in settings().get("fields", {}).items()}
    unknown = {name for names in fields.values() for name in names} - set(_disciplines())
    if unknown:
        raise ValueError(f"content/jobs.toml [fields]: not in [disciplines]: {sorted(unknown)}")
    return fields


@lru_cache(maxsize=1)
def _sounds() -> dict[str, str]:
    """Toneless pinyin of each discipline's name of 2-4 characters -> the discipline (水利 shuili:
    水力 is a pinyin keyboard's 水利). Names only: abbreviations sound like too many words (生医, 生意)."""
    read = {reading(forms[0]): name for name, forms in _disciplines().items() if 2 <= len(forms[0]) <= 4}
    return {sound: name for sound, name in read.items() if sound}


def _sounds_like(word: str) -> str | None:
    """The discipline a word no table knows is typed for, by its sound; None if none or a word of
    content/jobs.toml's not_discipline_typos."""
    if not 2 <= len(word) <= 4 or word in _not_typos():
        return None
    sound = reading(word)
    return _sounds().get(sound) if sound else None


def _typo_across(plain: str, word: str) -> str | None:
    """The discipline a Chinese character before the word and the word's first character read as
    (土 + 目的: tumu, 土木), when the word itself names none."""
    at = plain.find(word)
    if at < 1 or not "\u4e00" <= plain[at - 1] <= "\u9fff" or not "\u4e00" <= word[0] <= "\u9fff":
        return None
    return _sounds_like(plain[at - 1] + word[0])


@lru_cache(maxsize=1)
def _not_typos() -> frozenset[str]:
    return frozenset(normalize(w) for w in settings()["words"]["not_discipline_typos"])


@lru_cache(maxsize=1)
def _capital_abbreviations() -> dict[str, str]:
    return {word: normalize(name).lower() for word, name in settings().get("capital_abbreviations", {}).items()}


@lru_cache(maxsize=1)
def _province_words() -> tuple[str, ...]:
    return tuple(normalize(w) for w in settings()["province"]["words"])


def names_province(text: str) -> bool:
    """Whether a question asks about the whole province (省内, 河南, 全省)."""
    plain = normalize(text or "")
    return any(word in plain for word in _province_words())


def _workplaces(plain: str, keywords) -> list[str]:
    """The kinds of workplace the question asks for (content/jobs.toml [workplaces]), the longest of those said in
    one place: in a keyword the router kept or holding one (有没有医院招人的; 畜牧站招人吗: 畜牧), or anywhere when it kept none (想在学校上班: 学校 is
    one of its stop-words); not in a story's other clauses (我老公在县医院上班，想问问郑州有没有数分的岗位) nor
    in one it says not to want (不想在学校上班，有没有设计院的岗位), which the router keeps no keyword of."""
    kept = [normalize(keyword).lower() for keyword in keywords]
    said: list[str] = []
    for word in sorted(_workplace_words(), key=len, reverse=True):
        if word in plain and (not kept or any(word in keyword or keyword in word for keyword in kept)) \
                and not any(word in other for other in said):
            said.append(word)
    return said


@lru_cache(maxsize=1)
def _workplace_words() -> dict[str, tuple[str, ...]]:
    return {normalize(word).lower(): tuple(normalize(w).lower() for w in words)
            for word, words in settings().get("workplaces", {}).items()}


@lru_cache(maxsize=1)
def _not_workplace_words() -> dict[str, tuple[str, ...]]:
    """A kind of workplace -> the words that make an employer none of it though they hold one of its words
    (content/jobs.toml [not_workplace_words]: 农业科学院 holds 学院 and is no school)."""
    return {normalize(kind).lower(): tuple(normalize(w).lower() for w in words)
            for kind, words in settings().get("not_workplace_words", {}).items()}


def province_named(plain: str) -> str | None:
    """Another province the text names (湖北, 湖北省, Hubei: content/jobs.toml [provinces]), the society's own aside."""
    pattern, name_of = _province_names()
    found = pattern.search(plain)
    return name_of[found.group()] if found else None


def province_of(cities: tuple[str, ...]) -> str | None:
    """The province whose cities these are (as `Filters.region` holds them), else None."""
    return next((name for name, held in _provinces().items() if set(held) == set(cities)), None)


@lru_cache(maxsize=1)
def _provinces() -> dict[str, tuple[str, ...]]:
    """Province -> its cities, and its name (a posting's place may say only that: 湖北省某县)."""
    return {normalize(name): (*(normalize(city) for city in cities), normalize(name))
            for name, cities in settings()["provinces"].items()}


@lru_cache(maxsize=1)
def _province_names() -> tuple[re.Pattern, dict[str, str]]:
    """How a text names each of [provinces] but the society's own (its name, and its pinyin as an English word where
    no other province reads the same: shanxi is two), one pattern for all, and the province each names."""
    own = normalize(settings()["province"]["name"])
    readings = [reading(name) for name in _provinces()]
    name_of = {spoken: name for name, sound in zip(_provinces(), readings) if name != own
               for spoken in (name, *([sound] if readings.count(sound) == 1 else []))}
    words = "|".join(map(re.escape, sorted(name_of, key=len, reverse=True)))
    return re.compile(f"(?<![a-z])(?:{words})(?![a-z])"), name_of


def _outside_province(plain: str) -> bool | None:
    """True when the question asks for postings outside the province (外省的, 省外, outside Henan), False when it
    says not to want them (不要外省的, 别出省: the province), None when it says neither."""
    province = settings()["province"]
    for word in (*_outside_words(), *(normalize(w).lower() for w in province["words"])):
        at = plain.find(word.replace(" ", ""))
        if at < 0:
            continue
        before = plain[max(0, at - 12):at]
        if word in _outside_words():
            return not before.endswith(tuple(normalize(w).lower() for w in province["stay_before"]))
        if before.endswith(_except_words("except_before")):  # outside Henan, 除了河南
            return True
    return None


@lru_cache(maxsize=1)
def _outside_words() -> tuple[str, ...]:
    return tuple(normalize(w).lower() for w in settings()["province"]["outside_words"])


def province_cities() -> tuple[str, ...]:
    """The cities a question about the province (省内, 河南) looks in."""
    return tuple(normalize(city) for city in settings()["province"]["cities"])


def _discipline(plain: str, keywords) -> tuple[list[str], list[str], list[str]]:
    """The disciplines the question names (in order), the words that named them, and the keywords
    with a discipline that begins one taken out of it when a job title or a narrowing word is left
    (机械工程师, 机械设计: 机械, and 工程师 or 设计 is left to search; the router joins a field to the title after it).

    The router has read the keywords already (bot.router: an abbreviation is its discipline's name, a
    typo of one is corrected, against this same table); an English abbreviation counts where it stands."""
    forms = _forms()
    names, words, left = [], [], []

    def found(name: str, word: str) -> None:
        words.append(word)
        if name not in names:
            names.append(name)

    fields = _fields()
    for keyword in keywords:
        word = normalize(keyword).lower()
        head = next((word[:end] for end in range(len(word) - 2, 1, -1)
                     if (word[:end] in forms or word[:end] in fields)
                     and (_is_title(word[end:]) or word[end:] in _narrowing_words())), None)
        field = next((word[:-len(ending)] for ending in _field_endings() if word.endswith(ending)
                      and (word[:-len(ending)] in forms or word[:-len(ending)] in fields)), None)
        narrowed = head is not None and word[len(head):] in _narrowing_words()  # 软件开发: 软件, and 开发 left
        worker = word[:-1] if word.endswith(_field_title_endings()) and word[:-1] in forms else None  # 测绘员
        done = _narrowed_before(word) if word not in forms else None  # 开发软件: 软件, and 开发 left
        widened = next((word + ending for ending in _field_endings() if word + ending in fields
                        and word + ending in plain), None)  # 畜牧站 (the router kept 畜牧): a field of its own
        if widened is not None:
            found(widened, widened)
        elif word in forms and not narrowed:
            found(forms[word], word)
        elif word in fields:  # 医疗, 电工: a broad field
            found(word, word)
        elif worker is not None:
            found(forms[worker], word)
        elif done is not None:
            found(forms[word[len(done):]], word[len(done):])
            keyword = done
        elif qualified := _qualifiers(word):  # 大学老师: 老师, and 大学 left
            found(word[len(qualified[0]):], word[len(qualified[0]):])
            keyword = qualified[0]
        elif field is not None:  # 电力系统, 化工企业: the field
            found(forms.get(field, field), word)
        elif head is not None:
            found(forms.get(head, head), head)
            keyword = word[len(head):]
        elif sounded := _sounds_like(word):
            found(sounded, word)
        elif across := _typo_across(plain, word):  # 土目的: jieba cut the typo 土目 as 土 / 目的
            found(across, word)
        left.append(keyword)
    for token in _LATIN.findall(plain):
        if token in forms:
            found(forms[token], token)
    for field in sorted(fields, key=len, reverse=True):  # 码农的岗位有吗: a field the router kept no keyword of
        covered = {name for named in names for name in (named, *fields.get(named, ()))}
        if _in_a_job_phrase(plain, field) and not any(field in word or word in field for word in words) \
                and not set(fields[field]) <= covered \
                and not any(normalize(k).lower() in _named_by(field) for k in left):  # 大夫, 老师 read as 医生, 教师
            found(field, field)
    for name, word in _typed_by_sound(plain, words, left):  # 新相有自动话的岗位吗: the router kept no keyword of it
        found(name, word)
    if names:
        left += [word for word in _qualifiers(plain) if word not in left]
    return names, words, left


def _qualifiers(plain: str) -> list[str]:
    """Words said right before a field's job word that narrow it (幼儿园老师, 大学老师, 医院护士: content/jobs.toml
    [fields]), which a posting must then say too; none that is a stop-word, a discipline or a field itself, nor a
    word of the terms that postings seldom say ([words] not_qualifiers: 全职护士, 急需老师)."""
    tokens = tokenize(plain)
    said = []
    for at, token in enumerate(tokens):
        job = _field_ending(token)
        before = (token[:-len(job)] or (tokens[at - 1] if at else "")) if job else ""
        if 2 <= len(before) <= 4 and _CJK_WORD.fullmatch(before) and before not in not_keywords() \
                and before not in _forms() and before not in _fields() and before not in settings()["words"]["not_qualifiers"]:
            said.append(before)
    return said


def _field_ending(token: str) -> str | None:
    """The longest field ([fields]) the token ends with, or None: looked up by the token's endings, not by
    trying every field."""
    fields, longest = _fields(), _longest_field()
    return next((token[-size:] for size in range(min(len(token), longest), 0, -1) if token[-size:] in fields),
                "" if "" in fields else None)


@lru_cache(maxsize=1)
def _longest_field() -> int:
    return max(map(len, _fields()), default=0)


def _narrowed_before(word: str) -> str | None:
    """What is said before a discipline's form the word ends with, when it is a narrowing word (开发软件: 开发),
    the form that comes first in the table where several do; looked up by the word's endings."""
    order = _form_order()
    endings = [(order[word[at:]], word[:at]) for at in range(1, len(word)) if word[at:] in order
               and word[:at] in _narrowing_words()]
    return min(endings)[1] if endings else None


@lru_cache(maxsize=1)
def _form_order() -> dict[str, int]:
    """Each form of a discipline (_forms) -> its place in the table."""
    return {form: at for at, form in enumerate(_forms())}


def _typed_by_sound(plain: str, words: list[str], keywords: list[str]) -> list[tuple[str, str]]:
    """(discipline or field, the word typed for it) for each word of the text that reads like a discipline's form or
    a field ([disciplines], [fields]) and shares a character with it (自动话: 自动化, 圆林: 园林, 林床: 临床, 地址
    after 学: 地质), where no word found or kept covers it. A word of not_discipline_typos counts only as what one
    studied (学地址的)."""
    taken = [*words, *(normalize(k).lower() for k in keywords)]
    said = None  # where the places and the words taken are said, when a word reads like a discipline (seldom)
    typed = []
    for run in _CJK_WORD.finditer(plain):
        text, at = run.group(), run.start()
        for size in (4, 3, 2):
            for start in range(len(text) - size + 1):
                word = text[start:start + size]
                name = _sounds_of_names().get(reading(word) or "")
                if name is None or word == name or set(word).isdisjoint(name) or word in _forms() \
                        or any(word in other or other in word for other in taken):
                    continue
                if said is None:
                    said = [(start, end) for start, end, _ in cities_named(plain)] + [
                        (found.start(), found.end()) for other in taken if other
                        for found in re.finditer(re.escape(other), plain)]
                if _straddles(at + start, at + start + size, said):
                    continue
                studied = plain[at + start - 1:at + start] == "学" and plain[at + start + size:].startswith("的")
                if word in _not_typos() and not studied:
                    continue
                typed.append((_forms().get(name, name), word))
                taken.append(word)
    return typed


def _straddles(start: int, end: int, spans: list[tuple[int, int]]) -> bool:
    """Whether the text from start to end takes part of a word said (黄石有: 石有, half a city; 护士工作: 士工)."""
    return any(start < other_end and other_start < end and not (start <= other_start and other_end <= end)
               for other_start, other_end in spans)


@lru_cache(maxsize=1)
def _sounds_of_names() -> dict[str, str]:
    """Toneless pinyin of each Chinese form of a discipline and each field of 2-4 characters -> that form."""
    names = [form for forms in _disciplines().values() for form in forms] + list(_fields())
    return {reading(name): name for name in names if 2 <= len(name) <= 4 and _CJK_WORD.fullmatch(name)}


@lru_cache(maxsize=None)
def _except_words(kind: str = "") -> tuple[str, ...]:
    """content/jobs.toml except_before or except_after, spaces left out ("notin"); with no kind, the words of
    both, each English one also word by word ("not": a keyword the router may leave)."""
    words = settings()["words"]
    if kind:
        return tuple(normalize(w).lower().replace(" ", "") for w in words[kind])
    said = [normalize(w).lower() for w in (*words["except_before"], *words["except_after"])]
    return tuple(dict.fromkeys([*(w.replace(" ", "") for w in said), *(part for w in said for part in w.split())]))


def asks_for_work(text: str) -> bool:
    """Whether the message names work itself (岗位, 职位, 工作 …: content/jobs.toml job_phrase_after)."""
    return any(word in normalize(text) for word in settings()["words"]["job_phrase_after"])


def _in_a_job_phrase(plain: str, word: str) -> bool:
    """Whether the text says the word as the work sought: after 招, 当, 干 … or before (的)岗位, 工作 …
    (content/jobs.toml job_phrase_before, job_phrase_after): "新乡有老师岗位吗", not "老师好，有计算机的岗位吗"."""
    at = plain.find(word)  # each place it is said, as re.finditer(re.escape(word)) finds them, without the regex
    if at < 0:
        return False
    words = settings()["words"]
    before, after = words["job_phrase_before"], tuple(words["job_phrase_after"])
    while at >= 0:
        if plain[max(0, at - 1):at] in before or plain[at + len(word):].lstrip("的").startswith(after):
            return True
        at = plain.find(word, at + (len(word) or 1))
    return False


@lru_cache(maxsize=1)
def _narrowing_words() -> frozenset[str]:
    """Words that narrow a discipline said before them to its postings that say them (机械设计, 软件开发)."""
    return frozenset(normalize(w) for w in settings()["words"]["narrowing_words"])


@lru_cache(maxsize=1)
def _field_title_endings() -> tuple[str, ...]:
    return tuple(settings()["words"]["field_title_endings"])


@lru_cache(maxsize=1)
def _field_endings() -> tuple[str, ...]:
    return tuple(normalize(w) for w in settings()["words"]["field_endings"])


@lru_cache(maxsize=1)
def _titles() -> tuple[frozenset[str], tuple[str, ...]]:
    """Job titles and the endings that make a word one, as the router knows them (content/intents.toml [jobs])."""
    jobs = content.load_toml("intents.toml")["jobs"]
    return frozenset(normalize(w) for w in jobs["titles"]), tuple(normalize(w) for w in jobs["title_suffixes"])


def _is_title(word: str) -> bool:
    titles, endings = _titles()
    return word in titles or (len(word) > 2 and word.endswith(endings))


@lru_cache(maxsize=1)
def _filter_words() -> frozenset[str]:
    return frozenset(normalize(w).lower() for w in settings()["words"]["filter_words"])
