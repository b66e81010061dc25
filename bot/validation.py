"""Checks for what members type and what rosters contain, shared by chat flows and imports.

Each `clean_*` returns the normalised value or raises `Invalid` whose `reason`
is a content key under `[validation]` in content/replies/, so the member (or
the secretariat's import report) gets a sentence that says what to fix.
"""
from __future__ import annotations

import re
import unicodedata
from datetime import date

from bot import content


class Invalid(ValueError):
    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


def normalise(text) -> str:
    """Full-width digits/letters to half-width, stray spaces removed at the ends."""
    return unicodedata.normalize("NFKC", str(text if text is not None else "")).strip()


_WIDE_ALPHANUMERICS = {code: code - 0xFEE0 for start, end in ((0xFF10, 0xFF19), (0xFF21, 0xFF3A), (0xFF41, 0xFF5A))
                       for code in range(start, end + 1)} | {0x3000: 0x20}


def free_text(text) -> str:
    """What a person wrote in their words (a remark): full-width digits, letters and spaces half-width as
    `normalise` makes them, Chinese punctuation kept as typed (，；：（） stay; NFKC made them , ; : ( ))."""
    return str(text if text is not None else "").translate(_WIDE_ALPHANUMERICS).strip()


_NAME_DOTS = re.compile("[\u2022\u2027\u2219\u22c5\u30fb\uff65\u0387]")
_NAME = re.compile(r"[\u4e00-\u9fffA-Za-z][\u4e00-\u9fffA-Za-z·.\- ]{0,28}[\u4e00-\u9fffA-Za-z]")


def clean_name(text) -> str:
    """A person's name; spaces inside a Chinese name are dropped (" 张  伟 " is 张伟)."""
    value = re.sub(r"\s+", " ", normalise(text))
    value = _NAME_DOTS.sub("·", value)  # 木拉提•吐尔逊: the separator as typed on a phone or in Word
    if re.search(r"[\u4e00-\u9fff]", value):
        value = value.replace(" ", "")
    if not _NAME.fullmatch(value):
        raise Invalid("name")
    return value


def clean_mobile(text) -> str:
    """Mainland mobile: 11 digits from 13x-19x; spaces, dashes and +86 tolerated, digits read out too."""
    value = re.sub(r"[\s\-()]", "", read_out_digits(normalise(text), 7))
    value = re.sub(r"^(\+?86)(?=1\d{10}$)", "", value)
    if not re.fullmatch(r"1[3-9]\d{9}", value):
        raise Invalid("mobile_letters" if mobile_with_letters(value) else "mobile")
    return value


def clean_phone(text) -> str:
    """How to reach a unit's contact: a mobile (clean_mobile), or a landline with its area code ("0371-66889900",
    "0371 6688 9900", "(010)87654321"), written 0371-66889900. Area codes 01x and 02x have three digits, the
    others four; the number after it seven or eight."""
    try:
        return clean_mobile(text)
    except Invalid as not_mobile:
        value = re.sub(r"[\s\-()（）]", "", normalise(text))
        area = value[:3] if value.startswith(("01", "02")) else value[:4]
        number = value[len(area):]
        if not (re.fullmatch(r"0[1-9]\d{1,2}", area) and re.fullmatch(r"[1-9]\d{6,7}", number)):
            raise Invalid("phone") if value.startswith("0") else not_mobile
        return f"{area}-{number}"


def mobile_with_letters(text) -> bool:
    """"136O7710001", "139abcd1234": a mobile typed with letters among its digits (O for 0, l for 1)."""
    value = re.sub(r"[\s\-()]", "", normalise(text))
    return re.fullmatch(r"1[3-9A-Za-z][0-9A-Za-z]{9}", value) is not None and re.search(r"[A-Za-z]", value) is not None \
        and len(re.findall(r"\d", value)) >= 7


_LETTERED_MOBILE_IN_TEXT = re.compile(r"(?<![0-9A-Za-z])1[3-9A-Za-z][0-9A-Za-z]{9}(?![0-9A-Za-z])")


def lettered_mobile_and_rest(text) -> tuple[str | None, str]:
    """A mobile typed with a letter among its digits somewhere in a sentence ("周慧 1360772000l"), as typed,
    or None; and the sentence without it."""
    value = normalise(text)
    for found in _LETTERED_MOBILE_IN_TEXT.finditer(value):
        if mobile_with_letters(found.group()):
            return found.group(), value[:found.start()] + " " + value[found.end():]
    return None, value


_SPOKEN_DIGIT = {"零": "0", "〇": "0", "幺": "1", "一": "1", "二": "2", "两": "2", "三": "3", "四": "4", "五": "5",
                 "六": "6", "七": "7", "八": "8", "九": "9"}
_SPOKEN = "".join(_SPOKEN_DIGIT)
# Digits, spoken or typed; spaces and dashes only between two of one kind ("研二 158…": 二 is no digit of the mobile)
_DIGIT_RUN = re.compile(f"[{_SPOKEN}0-9](?:[{_SPOKEN}0-9]|(?<=[{_SPOKEN}])[ -](?=[{_SPOKEN}])|(?<=[0-9])[ -](?=[0-9]))*")


def read_out_digits(text: str, at_least: int = 2) -> str:
    """Digits read out in words, as a phone's voice input writes them ("幺三八 三七九八 六五四三", "零三一二",
    "一九八七年"), also mixed with typed ones ("135九八七6零031"), as digits: a run of at least `at_least` with a
    spoken one among them; a lone spoken digit before or after typed ones ("研二15838290317") is a word's. Where a
    number is asked (a mobile, a member number, the last four digits, a year)."""
    def digits(run: re.Match) -> str:
        said = run.group()
        lead = said[0] if len(said) > 1 and said[0] in _SPOKEN_DIGIT and said[1].isdigit() else ""
        tail = said[-1] if len(said) > 1 and said[-1] in _SPOKEN_DIGIT and said[-2].isdigit() else ""
        core = said[len(lead):len(said) - len(tail)]
        if not any(c in _SPOKEN_DIGIT for c in core):
            return said  # typed digits keep their spaces ("138 3812 3456" is read by the mobile's pattern)
        value = "".join(_SPOKEN_DIGIT.get(c, c) for c in core if c not in " -")
        return said if len(value) < at_least else lead + value + tail
    return _DIGIT_RUN.sub(digits, text)
_MOBILE_IN_TEXT = re.compile(r"(?<!\d)(?:\+?86)?1[3-9]\d(?:[\s-]?\d){8}(?!\d)")


def mobile_and_rest(text) -> tuple[str | None, str]:
    """The mainland mobile said somewhere in a sentence ("不好意思，是138 3812 3456", a voice note's
    "一三九零三七一二二三三") as its 11 digits, or None; and the sentence without it."""
    value = read_out_digits(normalise(text), 7)
    said = list(_MOBILE_IN_TEXT.finditer(value))
    if not said:
        return None, value
    found = said[0]
    if len(said) == 2 and _CORRECTED.search(value[said[0].end():said[1].start()]):
        found = said[1]  # "手机13512345678 不对是13512345687": the number taken back is dropped, the second kept
        value = value[:said[0].start()] + value[said[0].end():]
        found = _MOBILE_IN_TEXT.search(value)
    return clean_mobile(found.group()), value[:found.start()] + " " + value[found.end():]


_CORRECTED = re.compile(r"不对|不是|错了|应该是|改成|改为|更正")


_DENIED = re.compile(r"(?:我)?(?:不是|并不是|没)(?:问|要问|说|想问)[^，,。；;！!？?\s]*")


def without_denied(text: str) -> str:
    """A message without the clause that says what it does not ask ("我是问怎么交，不是问多少钱" -> "我是问怎么交，"):
    a word of that clause is no part of the question."""
    return _DENIED.sub("", text or "")


def mobile_in(text) -> str | None:
    return mobile_and_rest(text)[0]


_LANDLINE_IN_TEXT = re.compile(r"(?<!\d)0\d{2,3}-?\d{7,8}(?!\d)")


def has_landline(text: str) -> bool:
    """Whether a text holds a landline number (0371-66889900), not as a part of a longer run of digits."""
    return _LANDLINE_IN_TEXT.search(text) is not None


_EMAIL_IN_TEXT = re.compile(r"[a-z0-9._%+\-]+@[a-z0-9\-]+(?:\.[a-z0-9\-]+)*\.[a-z]{2,}")
_SPOKEN_AT = re.compile(r"\s*(?:\bat\b|艾特|圈a)\s*")
_SPOKEN_DOT = re.compile(r"\s*(?:点|\bdot\b)\s*")


def email_and_rest(text) -> tuple[str | None, str]:
    """The e-mail address in a sentence, also as a voice note spells it ("majianjun at 163 点 com"),
    or None; and the sentence without it."""
    value = normalise(text).lower()
    found = _EMAIL_IN_TEXT.search(value)
    if found is None and _SPOKEN_AT.search(value):
        value = _SPOKEN_DOT.sub(".", _SPOKEN_AT.sub("@", value))
        found = _EMAIL_IN_TEXT.search(value)
    if found is None:
        return None, normalise(text)
    return found.group(), value[:found.start()] + " " + value[found.end():]


def clean_email(text) -> str:
    value = normalise(text).lower()
    if not re.fullmatch(r"[a-z0-9._%+\-]+@[a-z0-9\-]+(\.[a-z0-9\-]+)*\.[a-z]{2,}", value):
        raise Invalid("email")
    return value


_SPELLED_OUT = re.compile(r"[,，\s]*(?P<char>[\u4e00-\u9fff])是[\u4e00-\u9fff]{1,4}?(?:的(?P=char)|(?:字?旁|头|底)的?(?:那个)?)$")
_NAME_LEAD = re.compile(r"^.*(?:我是|我叫|俺是|俺叫|叫|姓名是|姓名|名字是|名字|联系人是|联系人|本人|会员|的|是|:)")
_NAME_TAIL = re.compile(r"(?:手机号码|手机号|手机|电话|联系电话|号码|的)$")


_ENGLISH_NAME_LEAD = re.compile(r"^(?:(?:hi|hello|hey)\b[,.!\s]*)?(?:my name is|my name's|name is|name:|i am|i'm|this is)\s*",
                                re.IGNORECASE)


def name_in(text) -> str:
    """A name said in a sentence ("我是人事部的王芳", "我叫张为民，手机"): the name, or Invalid."""
    value = re.sub(r"\s+", " ", normalise(text)).strip(" ,，;；、。")
    value = _SPELLED_OUT.sub("", value)  # "马建军马是马匹的马": how a character is written, not the name
    value = _ENGLISH_NAME_LEAD.sub("", value)  # "My name is Rahul Sharma"
    clauses = [c for c in re.split(r"[,，;；、。\s]+", value) if c]
    named = [c for c in clauses if tries_value("name", c)]
    try:
        if not re.search(r"(?:我是|我叫|俺是|俺叫|姓名|名字|联系人|本人)", value) and not _CALLED.match(value):
            if len(clauses) > 1 and len(named) == 1 and all(len(c) >= 2 for c in clauses):
                return clean_name(named[0])  # "马思奇 植保 研二": the clause that is a name, not the words beside it
            return clean_name(value)
    except Invalid:
        pass
    for clause in reversed([c for c in re.split(r"[,，;；、。\s]+", value) if c]):
        candidate = _NAME_TAIL.sub("", _NAME_LEAD.sub("", clause))
        if tries_value("name", candidate):
            return clean_name(candidate)
    return clean_name(value)


_AT_WORK = re.compile(r"(?:我|我现在|现在|目前|我目前)?在([\u4e00-\u9fffA-Za-z0-9]{2,30}?)(?<![找想要去来没])(?:上班|工作|任职|就职|干活)(?:呢|的|了)?")


def unit_in(text) -> str | None:
    """The unit or school named in a sentence ("我是学生，没有工作单位，郑州大学在读博士" -> 郑州大学):
    the longest start of a clause that ends like a unit name; None when no clause has one."""
    endings = tuple(content.replies()["answer_shapes"]["unit_endings"])
    for clause in re.split(r"[,，;；、。\s]+", normalise(text)):
        at_work = _AT_WORK.fullmatch(clause)  # "我在洛阳一拖上班": the place, whatever its ending
        if at_work:
            return at_work.group(1)
        clause = re.sub(r"^(?:我是|我在|目前在|现在在|现在|目前|现就读于|就读于|工作单位是|单位是|单位|学校是|学校|在)", "", clause)
        clause = re.sub(r"^[:：]?(?:那就|就)?(?:写成|填成|写|填)?[:：]?", "", clause)  # "单位：…", "单位就写洛阳轴承厂"
        for end in range(len(clause), 3, -1):
            if clause[:end].endswith(endings):
                return clause[:end]
    return None


def clean_year(text, earliest: int, latest: int, reason: str) -> int:
    value = read_out_digits(normalise(text))  # "一九八七年"
    years = re.findall(r"(?<!\d)\d{4}(?!\d)", value)
    value = years[0] if len(years) == 1 and not re.search(r"\d{5}", value) else re.sub(r"年$", "", value)
    if not re.fullmatch(r"\d{4}", value) or not earliest <= int(value) <= latest:
        raise Invalid(reason)
    return int(value)


_SHORT_YEAR = re.compile(r"(\d{2})\s*年(?:生|的|出生)?")


def birth_year_of(two_digits: str, today: date | None = None) -> int:
    """A birth year written in two digits: of the century that makes the person at least 14 (04: 2004, 91: 1991)."""
    year = 2000 + int(two_digits)
    return year if year <= (today or date.today()).year - 14 else year - 100


def clean_birth_year(text, today: date | None = None) -> int:
    """A birth year; "88年" (two digits and 年, as people and rosters write it) is read by birth_year_of."""
    this_year = (today or date.today()).year
    short = _SHORT_YEAR.fullmatch(read_out_digits(normalise(text)))  # "88年", "八八年"
    if short:
        text = str(birth_year_of(short.group(1), today))
    return clean_year(text, 1920, this_year - 14, "birth_year")


def clean_graduation_year(text, today: date | None = None) -> int:
    this_year = (today or date.today()).year
    return clean_year(text, this_year - 1, this_year + 8, "graduation_year")


def clean_choice(text, choices: list[str], reason: str) -> str:
    """A choice typed as its number (1, 2, ...) or its name, or a name that contains the answer."""
    value = normalise(text)
    if re.fullmatch(r"[0-9]{1,3}", value) and 1 <= int(value) <= len(choices):  # not "²", not 5,000 digits
        return choices[int(value) - 1]
    if value in choices:
        return value
    matches = [c for c in choices if value and value in c]
    if len(matches) == 1:
        return matches[0]
    raise Invalid(reason)


def clean_text(text, reason: str, min_len: int = 2, max_len: int = 60) -> str:
    value = re.sub(r"\s+", " ", normalise(text))
    if not min_len <= len(value) <= max_len:
        raise Invalid(reason)
    return value


def gender_in(text) -> str | None:
    """男 or 女 as said in a roster cell or a sentence ("女", "女性", "我是女的", "F"), or None."""
    value = normalise(text).lower().strip(" 。.!！")
    for gender, words in content.replies()["answer_shapes"]["genders"].items():
        if value in words["alone"] or any(phrase in value for phrase in words["in_sentence"]):
            return gender
    return None


def clean_gender(text) -> str:
    said = gender_in(text)
    if said is None:
        raise Invalid("gender")
    return said


def clean_title(text) -> str:
    """A professional title (职称) as a member or a roster gives it: "副主任医师", "教授"."""
    return clean_text(re.sub(r"^(?:职称|我的职称|现在职称)(?:是|为|:|：)?", "", normalise(text)).strip(" 。.，,了"),
                      "title", 2, 30)


_CREDIT_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_CREDIT_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)


def credit_code_check_char(first17: str) -> str:
    """GB 32100-2015: the 18th character of a unified social credit code."""
    total = sum(_CREDIT_CHARS.index(c) * w for c, w in zip(first17, _CREDIT_WEIGHTS))
    return _CREDIT_CHARS[(31 - total % 31) % 31]


def clean_credit_code(text) -> str:
    """A unified social credit code: 18 digits or capitals (shape), the last one its check character (a code of the
    right shape whose check fails was mis-copied somewhere: said so, not the shape)."""
    value = normalise(text).upper().replace(" ", "")
    if len(value) != 18 or any(c not in _CREDIT_CHARS for c in value):
        raise Invalid("credit_code")
    if credit_code_check_char(value[:17]) != value[17]:
        raise Invalid("credit_code_check")
    return value


def age_band(birth_year: int | None, today: date | None = None) -> str | None:
    """The governance age band (<40, 40-49, 50-59, >=60) a birth year falls in this year."""
    if birth_year is None:
        return None
    age = (today or date.today()).year - birth_year
    if age < 40:
        return "<40"
    if age < 50:
        return "40-49"
    if age < 60:
        return "50-59"
    return ">=60"


_CJK_NAME = re.compile(r"[\u4e00-\u9fff]{2,4}")
_CALLED = re.compile(r"^(?:就叫|名字叫|名叫|叫)")


def tries_value(shape: str, text) -> bool:
    """Whether a reply has the shape of a value, right or wrong, though it may read as a request.

    A form step that hears another request ("查会费", "你好") answers that instead of
    refusing it as a malformed value; a reply of the value's shape is still checked,
    so "1391234" gets "手机号格式不对" and a unit such as "国家奖励办公室" is kept
    though the router hears 评奖 in it. Shapes: "mobile" (a run of 7 digits), "email"
    (an @), "digits" (years, codes), "name" (a common surname and 1-3 more characters),
    and "unit", "title", "discipline" (by their endings); the words are in
    content/replies/common.toml [answer_shapes]. A unit is also tried when a sentence that asks
    nothing names one ("我是学生，没有工作单位，郑州大学在读博士"), though the router, which reads
    messages without the form's question, hears a request for a person in it; "郑州大学有没有博士后岗位"
    asks, so it is not tried. A discipline said so ("搞计算机的", "电气") is known only to the router,
    which imports this module: the membership form asks it (handlers.members.signup._tries_value).
    """
    text = normalise(text)
    if shape == "mobile":  # also read out in words ("电话一三五二五六七零零幺幺")
        return re.search(r"\d{7}", re.sub(r"[\s\-()]", "", text)) is not None or mobile_in(text) is not None
    if shape == "email":
        return "@" in text
    if shape == "digits":  # also read out ("零三一二", "一九八七年", "八七年"); not "七八年前", "三五个人", "一两天"
        return re.search(r"\d", read_out_digits(text, 3)) is not None or \
            _SHORT_YEAR.fullmatch(read_out_digits(text)) is not None
    words = content.replies()["answer_shapes"]
    if shape == "name":
        name = _CALLED.sub("", re.sub(r"[\s·.]", "", text))  # "叫李招娣": the name after 叫
        if _CJK_NAME.fullmatch(name) is not None and name.startswith(tuple(words["surnames"])):
            return True
        return not looks_like_a_question(text) and _person_said(text, words)
    if re.sub(r"[\W_]+$", "", text).endswith(tuple(words[f"{shape}_endings"])):
        return True
    if shape != "unit" or looks_like_a_question(text):
        return False  # a discipline said so: handlers.members.signup asks the router
    return unit_in(text) is not None


def _person_said(text: str, words: dict) -> bool:
    """Whether a clause gives a person after a lead or a unit ("联系人张经理", "办公室李老师", "人事处王芳"):
    what is left is a surname and one or two characters, or a surname and a way of addressing
    ([answer_shapes] person_titles: 张经理, 李老师)."""
    surnames, titles = tuple(words["surnames"]), tuple(words["person_titles"])
    units = "|".join(map(re.escape, words["unit_endings"] + words["unit_parts"]))
    for clause in re.split(r"[,，;；、。\s]+", text):
        for lead in (_PERSON_LEAD, re.compile(rf"^.*?(?:{units})"), re.compile(rf"^.*(?:{units})")):
            rest = lead.sub("", clause, count=1)
            if rest != clause and rest.startswith(surnames) and (
                    re.fullmatch(r"[\u4e00-\u9fff]{2,3}", rest) or rest.endswith(titles) and len(rest) <= 5):
                return True
    return False


_PERSON_LEAD = re.compile(r"^(?:联系人是|联系人|对接人是|对接人|我叫|俺叫|姓名是|姓名|名字是|名字|本人)")


def looks_like_a_question(text: str) -> bool:
    """Whether a message asks something (words in content/conversation.toml), so that it is never
    stored as a form's answer even when the router cannot place it."""
    plain = (text or "").strip()
    return content.holds_any(plain, content.load_toml("conversation.toml")["question_marks"])


def asks_something(text: str) -> bool:
    """A question, also in the spoken forms looks_like_a_question leaves out ("能退不", "过了宽限期会咋样", "交没交"):
    content/conversation.toml spoken_question_words and spoken_question_tails. For answering, not for forms."""
    words, said = content.load_toml("conversation.toml"), (text or "").strip().lower()
    return looks_like_a_question(said) or content.holds_any(said, words["spoken_question_words"]) \
        or said.rstrip("。.!！ ").endswith(tuple(words["spoken_question_tails"])) or _A_NOT_A.search(said) is not None


_A_NOT_A = re.compile(r"([\u4e00-\u9fff])(?:没有?|不)\1")  # "交没交", "到没到", "去不去": a yes-no question


def only_acknowledges(text: str) -> bool:
    """"对", "嗯对", "好的好的": a message made of nothing but words of assent ([smalltalk] ok_words), spaces
    and punctuation aside: no answer to a form's question, and nothing new asked."""
    plain = rest = re.sub(r"[\s\W_]+", "", (text or "").lower())
    for word in sorted(content.replies()["smalltalk"]["ok_words"], key=len, reverse=True):
        rest = rest.replace(word, "")
    return bool(plain) and not rest
