"""Intent router: a member's free text -> Intent(name, slots, score).

One message goes through:

1. ``normalize``: Traditional -> Simplified, full-width -> half-width, emoji and
   control characters removed, latin lower-cased, spaces collapsed.
2. Fixes from content/intents.toml: typo and dialect table, then homophones
   (characters reading like a key term, e.g. 慧费 -> 会费).
3. jieba tokens (jieba's dictionary with content/userdict.txt, cut by ``Segmenter``: rjieba,
   jieba's no-HMM tokens exactly, in a fraction of its time).
4. Concepts: tokens (or runs of tokens) found in the synonym groups of the
   TOML file, longest match first, so 取消订阅 is never also 取消.
5. Weighted rules per intent ("A+B" fires only when both concepts are
   present); the best intent wins, "unknown" below a threshold. In a long
   message, clauses without a question or request count less, so that a
   story around the request does not outvote it.

Words, weights and thresholds all live in content/; this module is only the
algorithm. Everything heavy (jieba, opencc, pypinyin, the TOML file) is loaded
lazily, once per process, under a lock.
"""
from __future__ import annotations

import functools
import itertools
import re
import threading
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from bot import intent_model, lexicon_cache, validation
from bot.config import CONTENT_DIR
from bot.pinyin import TONELESS, main_reading

INTENTS = (
    "signup", "profile", "fee_status", "news", "subscribe", "unsubscribe",
    "jobs", "events", "event_signup", "awards", "feedback", "human", "help",
    "cancel", "unknown",
)
TOPIC_INTENTS = frozenset({"news", "subscribe", "unsubscribe"})
TOPICS = ("policy", "discipline", "industry", "talent", "jobs")
ALL_TOPICS = "all"  # [topics] all: words for every topic at once ("所有栏目"): the topic is None

# Concepts the router derives itself from [topics] and [jobs] of the TOML file.
TOPIC_CONCEPT, CITY_CONCEPT, TITLE_CONCEPT, DISCIPLINE_CONCEPT = "栏目", "城市", "职业", "专业名"
WORKPLACE_CONCEPT = "单位类型"  # a kind of workplace (医院, 设计院: content/jobs.toml [workplaces]), where work is sought
STUDIED_CONCEPT = "学这行"  # 学…的, 专业, 干: a discipline or a title said as one's own line of work (a job question)
SPAM_CONCEPT = "广告"  # spam and ads: unknown, with slots {"reason": "spam"} for a neutral reply
_WORK_CONCEPTS = frozenset((TITLE_CONCEPT, DISCIPLINE_CONCEPT))  # concepts that name the work itself
JOB_CONCEPT = "招聘"  # words for postings and hiring (招人, 岗位): the jobs topic when no topic word is named
_JOB_WORDS = frozenset((JOB_CONCEPT, "求职", "实习"))  # hiring, looking for work, an internship: work asked for
AWARD_CONCEPT = "奖项"  # awards and nominations: their news is the talent topic
THANKS_CONCEPT = "感谢"  # thanks, ok: unknown, with slots {"reason": "thanks"} for a polite line
RETRACT_CONCEPT = "算了"  # never mind: cancel
CANCEL_CONCEPT = "取消"  # cancel, withdraw
GREETING_CONCEPT = "问候"  # a greeting alone (你好, 在吗): unknown, slots {"reason": "greeting"}, greeted back

# Tokens that end a clause (after normalize: full-width marks are ASCII). A space between two Chinese
# characters is one too: members type it for a comma ("先不弄了 先把明天讲座报上"); it is kept as a token. Not
# between single characters ("会 费": a word typed apart).
SPACE_BREAK = " "
_CLAUSE_BREAKS = frozenset(",.!?;:。、…~" + SPACE_BREAK)
_SPACE_BETWEEN_CHINESE = re.compile("(?<=[\u4e00-\u9fff]{2}) (?=[\u4e00-\u9fff]{2})")


@dataclass(frozen=True)
class Intent:
    name: str  # one of INTENTS
    slots: dict  # {"topic"} for news/subscribe/unsubscribe, {"keywords","city"} for jobs, else {}
    score: float = 0.0  # winning rule score, for debugging
    confidence: float = 1.0  # in [0, 1]: 1.0 for a clear rule hit, else the model's probability
    alternatives: tuple[str, ...] = ()  # runner-up intents when the choice is close (ask, don't guess)


# --- normalize ---------------------------------------------------------------

# Dropped outright: control characters (whitespace is collapsed later),
# zero-width and direction marks, variation selectors, lone surrogates,
# private use, pictographs and emoji, and WeChat's text emoticons ("[微笑]").
_JUNK = re.compile(
    "[\x00-\x08\x0e-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2060-\u206f\ufeff"
    "\ufe00-\ufe0f\u20d0-\u20ff\u2190-\u21ff\u2300-\u23ff\u2460-\u27bf\u2900-\u2bff"
    "\u3030\u303d\u3297\u3299\ud800-\udfff\ue000-\uf8ff"
    "\U0001f000-\U0001faff\U000e0000-\U000e007f\U000f0000-\U0010ffff]"
    r"|\[[\u4e00-\u9fff]{1,4}\]"
)
_SPACES = re.compile(r"\s+")
_PASTED_CUT = re.compile(r"…+|\.{3,}")  # where a pasted text is cut short (……, ...): what follows is the member's
_LATIN = re.compile("[a-z]")
_LATIN_WORDS = re.compile("[a-z]+(?: [a-z]+)*")  # a run of latin words: pinyin is read over it
_LATIN_WORD = re.compile("[a-z]+")
_TYPO_MIN_LETTERS = 6  # shorter English words are too close to each other to correct a letter
_AMBIGUOUS = "\0"  # a typo one letter from two words of the English table
# English endings, and what to put back, to find the word of the table an inflected word comes from
_INFLECTIONS = (("ies", "y"), ("ing", ""), ("ing", "e"), ("ed", ""), ("ed", "e"), ("es", ""), ("s", ""))
PREPARED_CACHE = 4096  # messages whose normalised text and tokens are kept (_Lexicon.prepare)
PREPARED_MAX_CHARS = 200  # longer messages are rare and seldom repeated: not kept
_STORY_CHARS = 30  # a job query longer than this, in three clauses or more, is a story around it
# Full-width ASCII forms (！ to ～) and the ideographic space.
_HALF_WIDTH = {0xFF01 + i: 0x21 + i for i in range(94)} | {0x3000: 0x20}

_load_lock = threading.RLock()  # re-entrant: loading the lexicon normalizes its words
_t2s = None  # (characters that may need converting, opencc converter)
_lexicon = None


def _load_t2s():
    """Load opencc once; also collect the characters it would change, so that
    text that is already Simplified (nearly all of it) skips the slow converter."""
    global _t2s
    if _t2s is None:
        with _load_lock:
            if _t2s is None:
                import opencc

                # A phrase can only match if all its characters are present, so
                # one character per phrase is enough: one that is Traditional
                # already, else the ones it changes.
                dictionaries = Path(opencc.__file__).parent / "dictionary"
                changing = set()
                for name in ("TSCharacters.txt", "TSPhrases.txt"):
                    for line in (dictionaries / name).read_text(encoding="utf-8").splitlines():
                        source, _, targets = line.partition("\t")
                        target = targets.split(" ")[0]
                        if changing.isdisjoint(source):
                            changing.update(a for a, b in zip(source, target) if a != b)
                _t2s = (frozenset(changing), opencc.OpenCC("t2s"))
    return _t2s


@functools.lru_cache(maxsize=256)  # a message is normalized by the router and again by several handlers' checks
def normalize(text: str) -> str:
    """Canonical form of a message: Simplified, half-width, no emoji or
    control characters, lower-case latin, single spaces, stripped."""
    if not text:
        return ""
    text = _JUNK.sub("", text).translate(_HALF_WIDTH)
    changing, converter = _load_t2s()
    if not changing.isdisjoint(text):
        text = converter.convert(text)
    return _SPACES.sub(" ", text.lower()).strip()


def english_read(text: str) -> str:
    """normalize(text); a message with latin words in it as the rules read it, its English words and
    phrases in the Chinese of the English table ("cancel registration": 取消 报名), so that the word
    lists of content/ hear it too."""
    text = normalize(text)
    return _load_lexicon().prepare(text)[0] if _LATIN.search(text) else text


def tokenize(text: str) -> list[str]:
    """jieba tokens (domain dictionary, no HMM guessing) of normalize(text),
    without whitespace tokens. Job search indexes and queries with this too."""
    return _load_lexicon().cut(normalize(text))


# --- routing -----------------------------------------------------------------


def route(text: str) -> Intent:
    """Best intent for one member message, with its slots and how sure the router is.

    A clear rule hit (a high score well ahead of the runner-up) is answered by the rules alone:
    the fast path, confidence 1.0. Otherwise, where the rules are silent, weak or torn, the
    learned model (bot.intent_model) decides, from the text and the rules' concepts;
    its probability is the confidence, and when the two best intents are close the runner-ups
    come back as `alternatives` so that the bot can ask instead of guessing.
    """
    analysis = analyse(text)
    if not analysis.tokens:
        return Intent("unknown", {}, 0.0)
    lex = analysis.lexicon
    own = lex.own_words(analysis.fixed)
    if own:
        mine = route(own)
        if mine.name != "unknown" and not mine.alternatives and mine.confidence >= lex.ask_below:
            # "转发：【缴费通知】…… 这是不是你们发的？有人冒充学会收钱": what the member asks of the forward, not what
            # it says; the forward's topic or city when the question names none ("……学会这边有解读文章吗")
            return _slots_filled(mine, analysis)
    if analysis.found.clause_of[-1]:  # several clauses: one of them may be the request (most messages have one)
        one = _one_clause_asked(analysis)
        if one is not None:
            return one
    if analysis.fast:
        return Intent(analysis.rule_name, analysis.slots_for(analysis.rule_name), analysis.rule_score)
    ranked = intent_model.current(feature_names_of).probabilities(analysis.feature_names())
    if ranked[0][0] == "jobs" and not analysis.seeks_work():
        # "纸质的也要 寄到海口", a name, a number and "南阳普康药业": a place and a noun, no work asked for;
        # the model learnt cities from many job questions, the rules hear nothing of a job: not a job search.
        ranked = [pair for pair in ranked if pair[0] != "jobs"]
    if (ranked[0][0] == "unknown" or ranked[0][1] < lex.spam_needs) and analysis.spam_heard():
        # An ad in the rules' eyes (pay first, add me on WeChat, a link) that the model doubts or half takes
        # for a job offer or a fee: spam, answered as such, never asked about.
        return Intent("unknown", analysis.slots_for("unknown"), analysis.rule_score, round(dict(ranked)["unknown"], 4))
    if (ranked[0][0] == "unknown" and ranked[0][1] < lex.unknown_needs and analysis.rule_name != "unknown"
            and dict(ranked).get(analysis.rule_name, 0.0) >= lex.alternative_min):
        # The model doubts and the rules heard a request it does not rule out: the request goes first (ask if
        # close). One it gives less than alternative_min ("恭喜您被评为优秀会员，请缴纳证书工本费…至以下账户":
        # dues 0.05) is no reading of the message.
        ranked.sort(key=lambda pair: pair[0] != analysis.rule_name)
    (name, p), (_, p2) = ranked[0], ranked[1]
    alternatives = ()
    if p < lex.ask_below or p - p2 < lex.ask_margin:
        alternatives = tuple(n for n, q in ranked[1:3] if q >= lex.alternative_min)
    elif ((p < lex.ask_when_rules_differ or len(analysis.tokens) == 1)
          and (heard := analysis.request_heard()) not in (None, name)):
        alternatives = (heard,)  # "会员": the rules hear joining, the model guesses the record: ask
    score = analysis.scores[name]
    return Intent(name, analysis.slots_for(name), score, round(p, 4), alternatives)


def _one_clause_asked(analysis: Analysis) -> Intent | None:
    """The answer to one clause of a message of several, when that clause is what the member asks: the first
    of two requests, the wish turned to after a withdrawn one, or the cancel said last after the reasons."""
    lex = analysis.lexicon
    head = analysis.head_before_aside()
    if head:
        first = route(head)
        if first.name != "unknown" and not first.alternatives and first.confidence >= lex.ask_below:
            return first  # "先问下评奖的事，另外我的会费也得交": two requests, the first is answered
    tail = analysis.turn_after_retraction()
    if tail:
        second = route(tail)
        if second.name not in ("unknown", "cancel") and not second.alternatives and second.confidence >= lex.ask_below:
            # "算了，还是留着人才资讯吧": not a cancel, the wish it turns to; a topic or a city it leaves out is
            # the one named before ("之前说不想收行业资讯了 但今天想看下最新那期": industry news)
            return _slots_filled(second, analysis)
    last = analysis.withdrawal_at_the_end()
    if last:
        final = route(last)
        if final.name == "cancel" and not final.alternatives and final.confidence >= lex.ask_below:
            return final  # "哦我原来已经是会员了 那入会申请不用填了 退出吧": the reasons first, then the cancel
    return None


def _slots_filled(part: Intent, whole: Analysis) -> Intent:
    """The intent of part of a message, a topic or a city it leaves out taken from the whole message."""
    before = whole.slots_for(part.name)
    slots = {key: value if value is not None else before.get(key) for key, value in part.slots.items()}
    return Intent(part.name, slots, part.score, part.confidence)


def as_meant(text: str) -> str:
    """The message with the account's key words a phone's voice input wrote in characters that sound alike
    ("开发飘" -> 开发票, "收剧" -> 收据, "退汇" -> 退会; content/intents.toml [homophones]) written as meant, and
    nothing else changed: what the handlers read of a new request, as the router reads it."""
    return _load_lexicon().fix_homophones(text)


class Analysis:
    """What the rules make of one message: text, tokens, concepts, every intent's rule score."""

    __slots__ = ("lexicon", "fixed", "tokens", "found", "scores", "rule_name", "rule_score", "fast")

    def __init__(self, text: str):
        lex = self.lexicon = _load_lexicon()
        self.fixed, self.tokens = lex.prepare(text)
        self.found = lex.find(self.tokens)
        self.scores = lex.scores(self.found.strength)
        self.rule_name, self.rule_score, self.fast = lex.verdict(self.scores, self.found.strength)
        if self.rule_name == "unknown" and len(self.fixed) <= lex.fast_max_chars:
            self._read_mistyped_discipline()
        if lex.feedback_opener.match(self.fixed):
            # "建议会费支持支付宝缴纳", "举报有人冒用学会名义搞培训收费": a suggestion or a report, whatever it names
            self.rule_name, self.rule_score, self.fast = "feedback", max(self.rule_score, self.scores["feedback"]), True
            return
        if self.fast and (len(self.fixed) >= lex.fast_max_chars
                          or _LATIN.search(self.fixed) and lex.mostly_untranslated(self.fixed)):
            # A story or a complaint that names an event, a fee or a form ("今年的培训名额太少了，希望多给一些"),
            # or English the rules read only word by word: the model, which learnt such messages whole, decides.
            self.fast = False

    def _read_mistyped_discipline(self) -> None:
        """A short message the rules place nowhere that does once a discipline typed one character off is read
        right ("护里专业": 护理) is a job question: the rules hear it with the discipline corrected."""
        lex = self.lexicon
        corrected = lex.correct_disciplines(list(self.tokens))
        if corrected is None:
            return
        found = lex.find(corrected)
        scores = lex.scores(found.strength)
        verdict = lex.verdict(scores, found.strength)
        if verdict[0] == "jobs":
            self.found, self.scores = found, scores
            self.rule_name, self.rule_score, self.fast = verdict

    def head_before_aside(self) -> str | None:
        """The text before a clause that opens with an aside marker (另外, 顺便 ... [settings] aside_markers),
        or None when there is no such clause."""
        tokens, asides = self.tokens, self.lexicon.aside_markers
        for i in range(2, len(tokens)):
            if tokens[i - 1] in _CLAUSE_BREAKS and "".join(tokens[i:i + 3]).startswith(asides):
                return "".join(tokens[:i - 1])
        return None

    def turn_after_retraction(self) -> str | None:
        """The text from the clause that turns to another wish, or None: after a wish withdrawn or stopped
        (算了, 先不弄了, 不是要, 取消, 退订, 关了 ... [settings] withdrawing_concepts), a later clause that opens
        with a turn marker ([settings] turn_markers: 还是, 先把, 现在, 但 ...): "正在入会 先不弄了 先把明天讲座报上",
        "推送我早关了，但还能看新闻吧"; without one, a clause that opens by putting something first ([settings]
        first_markers: 先帮我, 那现在): "我查了下系统里没我 那现在申请一个吧"."""
        lex, tokens = self.lexicon, self.tokens
        withdrawing = not lex.withdrawing.isdisjoint(self.found.strength)
        if not (withdrawing or any(marker in self.fixed for marker in lex.first_markers)) \
                or _CLAUSE_BREAKS.isdisjoint(tokens):
            return None
        withdrawn = len(tokens)
        if withdrawing:
            withdrawn = next(start for start, _, word in lex._matches(tokens)
                             if not lex.withdrawing.isdisjoint(lex._word_info.get(word, lex._title_info)[0]))
        for i in range(1, len(tokens) - 1):
            if tokens[i - 1] in _CLAUSE_BREAKS:
                opening = "".join(tokens[i:i + 4])
                plain = opening.removeprefix("那").removeprefix("就").removeprefix("我")
                if opening.startswith(lex.first_markers) or (i > withdrawn and plain.startswith(lex.turn_markers)):
                    return "".join(tokens[i:])
        return None

    def withdrawal_at_the_end(self) -> str | None:
        """The last clause of a message of several when it leaves what is being done ([settings] leaving_words:
        退出, 先撤了, 不填了 ...; not 不用了 or 去不了, said of other things: "旧的不用了") and the message is about
        no newsletter or push (whose stop is unsubscribing: "行业资讯 不要了"), or None."""
        tokens = self.tokens
        if RETRACT_CONCEPT not in self.found.strength and CANCEL_CONCEPT not in self.found.strength:
            return None
        breaks = [i for i, tok in enumerate(tokens) if tok in _CLAUSE_BREAKS]
        if not breaks or any(self.scores[name] > 0 for name in TOPIC_INTENTS):
            return None
        last = "".join(tokens[breaks[-1] + 1:])
        return last if self.lexicon.leaving_words.search(last) else None

    def spam_heard(self) -> bool:
        """Whether the rules take the message for an ad: unknown scores spam_score ([settings]) and wins, or an ad's
        words are heard ("高价回收会员证书": unknown ties with the record it names)."""
        return ((self.rule_name == "unknown" or SPAM_CONCEPT in self.found.strength)
                and self.scores["unknown"] >= self.lexicon.spam_score)

    def request_heard(self) -> str | None:
        """The request the rules score highest, however weakly; None when they hear none."""
        best = max((n for n in INTENTS if n != "unknown"), key=self.scores.__getitem__)
        return best if self.scores[best] > 0 else None

    def seeks_work(self) -> bool:
        """Whether the message has any cue of work being sought: a job word the rules score, a job title,
        a skill, or a way of asking for work ([jobs] seeking_words: 找, 对口, 有要的 …). A place and a noun
        alone are none."""
        lex, strength = self.lexicon, self.found.strength
        if any(word in self.fixed for word in lex._seeking_words) or not _JOB_WORDS.isdisjoint(strength):
            return True
        if validation.mobile_in(self.fixed):
            # "李红梅 13903715566 新乡华兰生物": a name, a number, a workplace: contact details, not a search
            # for work, whatever field or title the workplace or the position names
            return False
        return (self.scores["jobs"] > 0 or TITLE_CONCEPT in strength
                or any(tok in lex._near_words or tok.endswith(lex._title_suffixes) for tok in self.tokens))

    def slots_for(self, name: str) -> dict:
        found = self.found
        if name in TOPIC_INTENTS:
            if found.topic is None and len(found.topics) > 1:
                return {"topic": self.lexicon.topic_of_clause(name, self.tokens, found)}
            if found.topic is None and not (found.topics or found.weak_topics):
                if found.field_named:
                    return {"topic": "discipline"}  # news of a field named (化学领域有啥新闻): the discipline topic
                if JOB_CONCEPT in found.strength:
                    return {"topic": "jobs"}  # 有招人的消息就发给我: postings, named by a job word
                if AWARD_CONCEPT in found.strength:
                    return {"topic": "talent"}  # 评奖的消息, 获奖的名单: awards news is the talent topic
                return {"topic": self.lexicon.topic_misspelt(self.tokens)}
            return {"topic": found.topic}
        if name == "jobs":
            lex = self.lexicon
            fixed, tokens, found = self._job_question()
            city = found.city or self.found.city or lex.city_at_start(tokens)
            return {"keywords": lex.job_keywords(fixed, tokens, found), "city": city}
        if name == "unknown":
            if SPAM_CONCEPT in found.strength or self.spam_heard():
                return {"reason": "spam"}
            if THANKS_CONCEPT in found.strength and len(found.strength) <= 2:
                return {"reason": "thanks"}
            if GREETING_CONCEPT in found.strength and len(found.strength) <= 2:
                return {"reason": "greeting"}
        return {}

    def feature_names(self) -> list[str]:
        return intent_model.features(self.fixed, self.tokens, self.found.strength)

    def _job_question(self) -> tuple[str, tuple, _Found]:
        """Text, tokens and findings a job search reads: a mistyped discipline corrected (化雪 -> 化学)."""
        corrected = self.lexicon.correct_disciplines(self.tokens)
        if corrected is None:
            return self.fixed, self.tokens, self.found
        return "".join(corrected), corrected, self.lexicon.find(corrected)


def analyse(text: str) -> Analysis:
    """What the rules make of `text` (Analysis, read-only once made): made once for the last messages, which the
    router, clarify's readings and a job search's filters each analyse again (a job question four times)."""
    return _analysed(text, _load_lexicon())


@functools.lru_cache(maxsize=64)
def _analysed(text: str, _lexicon: _Lexicon) -> Analysis:  # the lexicon in the key: a reloaded one analyses anew
    return Analysis(text)


def readings_if_unknown(text: str) -> tuple[str, ...]:
    """The model's readings of the message, best first, when it thinks the message may be about nothing the bot
    does: `unknown` is one of its two best readings, or its two best together are less likely than [settings]
    known_needs ("学会有没有食堂": events 0.27, awards 0.27); () when it places the message. For an unsure question,
    the honest "not known here" before a numbered one, which offers the closest of these readings."""
    analysis = analyse(text)
    if not analysis.tokens:
        return ("unknown",)  # nothing to read: nothing placed
    ranked = intent_model.current(feature_names_of).probabilities(analysis.feature_names())
    (first, p1), (second, p2) = ranked[0], ranked[1]
    known = "unknown" not in (first, second) and p1 + p2 >= analysis.lexicon.known_needs
    return () if known else tuple(name for name, _ in ranked)


def names_a_discipline(text: str) -> bool:
    """Whether a message names a discipline the job board knows, also in English or with one
    character wrong ("搞计算机的", "电气", "computer science", "机戒"): a form's discipline step
    takes such a message as its answer, where the router alone would hear a job search."""
    analysis = analyse(text)
    lex, found = analysis.lexicon, analysis.found.strength
    if not lex._job_concepts.isdisjoint(found):
        return False  # "找计算机的工作": a job search that names its discipline
    return DISCIPLINE_CONCEPT in found or lex.correct_disciplines(list(analysis.tokens)) is not None


def feature_names_of(text: str) -> list[str]:
    """What the learned model sees of a message (bot.intent_model trains and scores on these)."""
    return analyse(text).feature_names()


def job_keyword_candidates(text: str) -> list[tuple[str, list[str]]]:
    """The keywords the rules propose for a job question, each with what the keyword model sees of it
    (bot.intent_model trains on these)."""
    analysis = analyse(text)
    lex = analysis.lexicon
    fixed, tokens, found = analysis._job_question()
    proposed = lex.proposed_keywords(fixed, tokens, found)
    return [(word, lex.keyword_features(word, start, proposed, tokens, found)) for word, start in proposed]


@dataclass
class _Found:
    """What the lexicon recognised in one message."""

    strength: dict  # concept -> weight of the strongest clause it occurs in
    covered: set  # indexes of tokens that are job-query vocabulary, not keywords
    clause_of: list  # clause number of each token
    job_clauses: set  # clauses that mention a job
    topics: set = field(default_factory=set)  # every topic named
    weak_topics: set = field(default_factory=set)  # topics named in passing ([weak_topics])
    topic: str | None = None  # the topic, when exactly one is named
    city: str | None = None  # the first named where a job is asked, else the first
    named: dict = field(default_factory=dict)  # first token -> (end token, keyword) of a discipline
    field_named: bool = False  # a discipline named in whole tokens (not the 电子 of 电子报)


class _Lexicon:
    """Everything read from content/, compiled for fast lookups."""

    def __init__(self, config: dict, segmenter: Segmenter, pinyin_of: dict, job_settings: dict):
        self._segmenter = segmenter
        self._prepared = functools.lru_cache(maxsize=PREPARED_CACHE)(self._prepare)
        settings = config["settings"]
        self.unknown_below = float(settings["unknown_below"])
        self.narrative_weight = float(settings["narrative_weight"])
        self.request_markers = frozenset(normalize(w) for w in settings["request_markers"])
        self.aside_markers = tuple(normalize(w) for w in settings["aside_markers"])
        self.turn_markers = tuple(normalize(w) for w in settings["turn_markers"])
        self.first_markers = tuple(normalize(w) for w in settings["first_markers"])
        self.forward_markers = tuple(normalize(w) for w in settings["forward_markers"])
        self.withdrawing = frozenset(settings["withdrawing_concepts"])
        self.leaving_words = _alternation({normalize(w): None for w in settings["leaving_words"]})
        self.fast_score = float(settings["fast_path_score"])
        self.fast_margin = float(settings["fast_path_margin"])
        self._fast_off = frozenset(settings["fast_path_off"])
        self.fast_latin_share = float(settings["fast_path_latin_share"])
        self.fast_max_chars = int(settings["fast_path_max_chars"])
        openers = "|".join(map(re.escape, sorted((normalize(w) for w in settings["feedback_openers"]), key=len, reverse=True)))
        self.feedback_opener = re.compile(f"(?:我们|我|本人|俺)?(?:强烈)?(?:{openers})")
        self.denial_markers = frozenset(normalize(w) for w in settings["denial_markers"])
        self.ask_below = float(settings["ask_below"])
        self.ask_margin = float(settings["ask_margin"])
        self.alternative_min = float(settings["alternative_min"])
        self.known_needs = float(settings["known_needs"])
        self.unknown_needs = float(settings["unknown_needs"])
        self._topic_joiners = frozenset(normalize(w) for w in settings["topic_joiners"])
        self.ask_when_rules_differ = float(settings["ask_when_rules_differ_below"])
        self.spam_score = float(settings["spam_score"])
        self.spam_needs = float(settings["spam_needs"])

        fixes = {normalize(k): normalize(v) for k, v in config["corrections"].items()}
        fixes |= {normalize(k): normalize(v) for k, v in config["dialect"].items()}
        fixes |= {normalize(k): normalize(v) for k, v in config["jobs"]["aliases"].items()}
        self._fixes = fixes
        self._fix_re = _alternation(fixes)
        # English words and phrases, whole words only, become the Chinese words the rules know;
        # so do city names in pinyin ("zhengzhou", "luoyang").
        english = {normalize(k): normalize(v) for k, v in config["english"].items()}
        # (only the main list: the pinyin of a smaller city is often a common syllable, jian for 吉安)
        for city in reversed(config["jobs"]["cities"]):  # two cities spelt alike (suzhou): the one listed first
            english.update(dict.fromkeys(_romanised(city), normalize(city)))
        cities = [*config["jobs"]["cities"], *config["jobs"]["more_cities"]]
        # and disciplines written in English (content/jobs.toml [disciplines]: "nursing", "cs"): their name
        english = {normalize(alias): normalize(name) for name, aliases in job_settings["disciplines"].items()
                   for alias in aliases if alias.isascii()} | english
        self._english = english
        # English words of the table, and each less one letter (-> the word; two words alike: ambiguous), for typos.
        self._english_words = frozenset(w for w in english if w.isalpha())  # incl. cities in pinyin: not typos
        self._phrase_words = frozenset(w for key in english for w in key.split(" ") if " " in key)  # as written
        typo_targets = {normalize(k) for k in config["english"]} | {
            normalize(alias) for aliases in job_settings["disciplines"].values() for alias in aliases if alias.isascii()}
        near = {}
        for word in typo_targets:
            if len(word) >= _TYPO_MIN_LETTERS and word.isalpha():
                for variant in _one_letter_less(word):
                    near[variant] = word if near.get(variant, word) == word else _AMBIGUOUS
        self._english_near = near
        self._typo_targets = frozenset(w for w in typo_targets if len(w) >= _TYPO_MIN_LETTERS)
        self._english_re = re.compile(r"(?<![a-z])(?:" + "|".join(
            map(re.escape, sorted(english, key=len, reverse=True))) + r")(?![a-z])")
        homophones = config["homophones"]
        self._homophones = _Homophones([normalize(t) for t in homophones["terms"]],
                                       frozenset(normalize(w) for w in homophones["keep"]), pinyin_of)

        # word -> concepts it stands for; a word may belong to several.
        concepts: dict[str, set] = {}

        def add(word, concept):
            concepts.setdefault(normalize(word), set()).add(concept)

        for concept, words in config["concepts"].items():
            for word in words:
                add(word, concept)
        self._topic_of = {}
        self._weak_topic_of = {}
        for table, topic_of in (("topics", self._topic_of), ("weak_topics", self._weak_topic_of)):
            for topic, words in config[table].items():
                if topic not in (*TOPICS, ALL_TOPICS):
                    raise ValueError(f"intents.toml [{table}]: unknown topic {topic!r}")
                for word in words:
                    add(word, TOPIC_CONCEPT)
                    topic_of.setdefault(normalize(word), topic)
        jobs = config["jobs"]
        self._city_of = {}
        for city in cities:
            for suffix in ["", *jobs["city_suffixes"]]:
                add(city + suffix, CITY_CONCEPT)
                self._city_of[normalize(city + suffix)] = normalize(city)
        for city, districts in job_settings["districts"].items():  # 金水区: 郑州 (content/jobs.toml [districts])
            for district in districts:
                add(district, CITY_CONCEPT)
                self._city_of.setdefault(normalize(district), normalize(city))
        for kind in job_settings.get("workplaces", {}):  # 想去医院上班, 想进设计院: the kinds, never the names' words
            add(kind, WORKPLACE_CONCEPT)
        for title in jobs["titles"]:
            add(title, TITLE_CONCEPT)
        # Disciplines (content/jobs.toml [disciplines], the table the job search filters by too) and
        # skills: any way of writing one is the discipline concept; an alias stands for its name.
        self._discipline_of = {}
        disciplines = job_settings["disciplines"]
        studied = tuple(normalize(w) for w in config["concepts"][STUDIED_CONCEPT])
        for name, aliases in disciplines.items():
            for word in (name, *aliases):
                add(word, DISCIPLINE_CONCEPT)
                self._discipline_of[normalize(word)] = normalize(name)
                if normalize(word).endswith(studied) and normalize(word) not in studied:
                    add(word, STUDIED_CONCEPT)  # 护理专业: the discipline said as one's own, one word
        for skill in jobs["skills"]:
            add(skill, DISCIPLINE_CONCEPT)
        self._after_discipline = {normalize(k): normalize(v) for k, v in jobs["after_discipline"].items()}
        self._posting_word = {normalize(k): normalize(v) for k, v in jobs["posting_words"].items()}
        self._kinds_of_work = frozenset(normalize(w) for w in jobs["kinds_of_work"])
        self._coordinators = frozenset(normalize(w) for w in jobs["coordinators"])
        self._seeking_words = tuple(normalize(w) for w in jobs["seeking_words"])
        self._title_suffixes = tuple(normalize(s) for s in jobs["title_suffixes"])
        self._stopwords = frozenset(normalize(w) for w in jobs["stopwords"])
        self._stopwords |= frozenset(normalize(w) for w in jobs["english_stopwords"])
        self._trim_prefixes = tuple(normalize(w) for w in jobs["trim_prefixes"])
        self._not_keyword_tags = frozenset(jobs["not_keyword_tags"])
        self._function_words = None  # jieba's words of those parts of speech, read at the first job question
        self._side_word_tags = frozenset(jobs["side_word_tags"])
        self._plain_verbs = None  # read with them
        # One character off a discipline, skill or title ("机戒" for 机械): pattern with that character
        # blanked -> term.
        terms = {normalize(w) for w in [*disciplines, *jobs["skills"], *jobs["titles"]]}
        near: dict[str, set] = {}
        for term in sorted(terms):
            if 2 <= len(term) <= 4:
                for i in range(len(term)):
                    near.setdefault(term[:i] + "\0" + term[i + 1:], set()).add(term)
        self._near_term = {k: tuple(sorted(v)) for k, v in near.items()}
        self._near_words = frozenset(terms)  # disciplines, skills, titles: keywords whatever jieba tags them
        self._not_typos = frozenset(normalize(w) for w in job_settings["words"]["not_discipline_typos"])
        # Topic words misspelt (政册, 学客动态) or written as pinyin initials (zc, xkdt): pattern -> topics.
        near_topic: dict[str, set] = {}
        initials: dict[str, set] = {}
        for word, topic in self._topic_of.items():
            if topic in TOPICS and 2 <= len(word) <= 4 and all("\u4e00" <= ch <= "\u9fff" for ch in word):
                for i in range(len(word)):
                    near_topic.setdefault(word[:i] + "\0" + word[i + 1:], set()).add((word, topic))
                # every reading's initial (行业: hy and xy): a set's first element was a different one from run to run
                for spelt in itertools.product(*(sorted({r[0] for r in _readings(ch)}) for ch in word)):
                    initials.setdefault("".join(spelt), set()).add(topic)
        self._near_topic = near_topic
        self._topic_initials = {k: next(iter(v)) for k, v in initials.items() if len(v) == 1 and len(k) > 1}
        self._keyword_trim = tuple(normalize(w) for w in jobs["trim_endings"])
        self._remark_words = _alternation({normalize(w): None for w in jobs["remark_words"]})
        self._not_keywords = frozenset(jobs["not_keywords_from"])
        self._job_concepts = frozenset(jobs["job_concepts"]) | {TITLE_CONCEPT}
        self._concepts = {word: tuple(sorted(c)) for word, c in concepts.items()}
        spelt_out = sorted(set(english) | self._stopwords)  # English words: no pinyin is taken for them
        self._pinyin = lexicon_cache.kept("pinyin", (sorted(self._concepts.items()), spelt_out),
                                          lambda: _pinyin_table(self._concepts, set(spelt_out)), Path(__file__),
                                          lexicon_cache.pypinyin_dictionaries())
        # What find() needs of each word, in one lookup: (concepts, None or (a job word, not a keyword, topic,
        # weak topic, city, discipline)): None for most words, that are none of those. A word not listed is a
        # title by its suffix.
        def details(word, c):
            more = (not self._job_concepts.isdisjoint(c),
                    not self._not_keywords.isdisjoint(c) and word not in self._kinds_of_work,
                    self._topic_of.get(word), self._weak_topic_of.get(word), self._city_of.get(word),
                    self._discipline_of.get(word))
            return more if any(more) else None

        self._word_info = {word: (c, details(word, c)) for word, c in self._concepts.items()}
        self._title_info = ((TITLE_CONCEPT,), (True, TITLE_CONCEPT in self._not_keywords, None, None, None, None))
        # Proper prefixes of words, to know when joining one more token may still match.
        self._prefixes = frozenset(w[:i] for w in self._concepts for i in range(1, len(w)))
        self._inside: dict[str, tuple | None] = {}  # dictionary word -> _word_inside(word), as met

        # The concepts that speak for an intent in its rules (not the topic words all topic intents share).
        self._cues = {intent: frozenset(part for key, weight in table.items() if weight > 0
                                        for part in key.split("+")) - {TOPIC_CONCEPT}
                      for intent, table in config["intents"].items()}
        # Rules are indexed by their first concept: a rule cannot fire without it.
        known = set(config["concepts"]) | {TOPIC_CONCEPT, CITY_CONCEPT, TITLE_CONCEPT, DISCIPLINE_CONCEPT, WORKPLACE_CONCEPT}
        self._rules: dict[str, list] = {}
        for intent, table in config["intents"].items():
            if intent not in INTENTS:
                raise ValueError(f"intents.toml: unknown intent [intents.{intent}]")
            for key, weight in table.items():
                parts = tuple(key.split("+"))
                missing = [p for p in parts if p not in known]
                if missing:
                    raise ValueError(f"intents.toml [intents.{intent}] {key!r}: no concept {missing}")
                # (intent, None or the concepts a combination needs, weight)
                combination = frozenset(parts) if len(parts) > 1 else None
                self._rules.setdefault(parts[0], []).append((intent, combination, float(weight)))

    def cut(self, text: str) -> list[str]:
        return self._segmenter.cut(text)

    def prepare(self, text: str) -> tuple[str, tuple[str, ...]]:
        """normalize, fix and cut one message: (fixed text, tokens). Members send the same short
        messages over and over (menu words, 你好, 会费, 1), so the last PREPARED_CACHE short ones are
        kept; this is half the cost of routing a message the rules answer alone."""
        if len(text) > PREPARED_MAX_CHARS:
            return self._prepare(text)
        return self._prepared(text)

    def _prepare(self, text: str) -> tuple[str, tuple[str, ...]]:
        fixed = self.fix(normalize(text))
        if " " not in fixed:
            return fixed, tuple(self._segmenter.cut(fixed))
        tokens = []
        for part in _SPACE_BETWEEN_CHINESE.split(fixed):  # a space splits jieba's blocks: the same tokens
            if tokens:
                tokens.append(SPACE_BREAK)
            tokens += self._segmenter.cut(part)
        return fixed, tuple(tokens)

    def own_words(self, fixed: str) -> str | None:
        """What a member wrote after a text pasted from elsewhere ([settings] forward_markers at the start, the
        pasted text cut short by an ellipsis: "转发：【周口市卫健委】…公告…… 学会招聘板上还有周口检验方面的岗位吗"),
        or None when the message is no such forward or ends with the pasted text."""
        if not fixed.startswith(self.forward_markers):
            return None
        own = _PASTED_CUT.split(fixed)[-1].strip(" ,.:;")
        return own if own and own != fixed else None

    def fix(self, text: str) -> str:
        """Apply the English table (only when there is latin text), the typo/dialect table, then
        homophones of key terms."""
        if _LATIN.search(text):
            text = _LATIN_WORD.sub(self._english_word, text)
            text = self._english_re.sub(lambda m: self._english[m.group()], text)
            text = _LATIN_WORDS.sub(self._from_pinyin, text)
        text = self._fix_re.sub(lambda m: self._fixes[m.group()], text)
        return self._homophones.fix(text)

    def fix_homophones(self, text: str) -> str:
        return self._homophones.fix(text)

    def _english_word(self, found: re.Match) -> str:
        """A word of the English table as written, or inflected ("receiving", "registered", "nominates": the
        word of the table it comes from), or typed with one letter missing, extra or wrong when it has six
        letters or more ("socity", "subcribe", "conferance": the word of the table it is one letter from,
        when there is one such word)."""
        word = found.group()
        if word in self._english_words or word in self._pinyin or word in self._stopwords or word in self._phrase_words:
            return word
        for ending, instead in _INFLECTIONS:
            stem = word[:-len(ending)]
            if word.endswith(ending) and len(stem) >= 3:
                for base in (stem + instead, stem[:-1] if stem[-1:] == stem[-2:-1] else None):
                    if base in self._english_words:
                        return base
        if len(word) < _TYPO_MIN_LETTERS:
            return word
        near = {self._english_near.get(word)} | {self._english_near.get(v) for v in _one_letter_less(word)}
        near |= {v for v in _one_letter_less(word) if v in self._typo_targets}
        near.discard(None)
        return near.pop() if len(near) == 1 and _AMBIGUOUS not in near else word

    def _from_pinyin(self, run: re.Match) -> str:
        """Latin words that spell a known word in toneless pinyin (huifei, bu tian le, zhao gongzuo: a member
        who did not pick the characters) become that word; up to four words joined, longest first."""
        words, out, i = run.group().split(" "), [], 0
        while i < len(words):
            for j in range(min(len(words), i + 4), i, -1):
                word = self._pinyin.get("".join(words[i:j]))
                if word is not None:
                    out.append(word)
                    i = j
                    break
            else:
                out.append(words[i])
                i += 1
        return " ".join(out)

    def find(self, tokens: list[str]) -> _Found:
        """Concepts in the message, longest match first, with clause weights:
        in a message of several clauses, those without a question or request
        (narrative, greetings) count less, so the real request wins."""
        marked = set()
        if _CLAUSE_BREAKS.isdisjoint(tokens):  # one clause (most messages)
            clause_of = [0] * len(tokens)
            if not self.request_markers.isdisjoint(tokens):
                marked.add(0)
        else:
            clause_of, clause = [], 0
            for tok in tokens:
                if tok in _CLAUSE_BREAKS:
                    clause += 1
                elif tok in self.request_markers:
                    marked.add(clause)
                clause_of.append(clause)
        narrative = self.narrative_weight if marked else 1.0
        denied = self._denied(tokens, clause_of) if not self.denial_markers.isdisjoint(tokens) else None

        found, cities = _Found({}, set(), clause_of, set()), []
        strength, word_info, title_info = found.strength, self._word_info, self._title_info
        whole = narrative == 1.0
        for start, end, word in self._matches(tokens):
            if denied is not None and denied[start]:
                continue  # "交的是会费不是会议费": what the member says it is not does not count
            concepts, more = word_info.get(word, title_info)
            if whole or clause_of[start] in marked:
                for concept in concepts:  # the highest weight there is
                    strength[concept] = 1.0
            else:
                for concept in concepts:
                    if strength.get(concept, 0.0) < narrative:
                        strength[concept] = narrative
            if more is None:
                continue  # no job word, topic, city or discipline (most words): nothing more to note
            job, not_keyword, topic, weak_topic, city, discipline = more
            if job:
                found.job_clauses.add(clause_of[start])
            if not_keyword and end > start:
                found.covered.update(range(start, end))
            if topic is not None:
                found.topics.add(topic)
            elif weak_topic is not None:
                found.weak_topics.add(weak_topic)
            if city is not None:
                cities.append((clause_of[start], city))
            if discipline is not None and end > start:
                found.field_named = True
                if discipline != word or end > start + 1:
                    # One keyword: an abbreviation is the name (计科: 计算机), a longer form stays as written.
                    found.named[start] = (end, discipline if len(word) <= 2 or word.isascii() else word)
        if cities:
            found.city = next((city for clause, city in cities if clause in found.job_clauses), cities[0][1])
        # One topic named: that one; several, or all of them: none in particular. Words that name
        # a topic only in passing ([weak_topics]) count when no column is named outright.
        named = found.topics or found.weak_topics
        found.topic = next(iter(named)) if len(named) == 1 and ALL_TOPICS not in named else None
        return found

    def _denied(self, tokens, clause_of) -> list[bool]:
        """Which tokens follow a denial ([settings] denial_markers: 不是, 并非) in their clause: "不是要报名，就想问问时间"
        asks the time, "会费不是会议费" is about dues."""
        denied, clause = [False] * len(tokens), None
        for i, tok in enumerate(tokens):
            if clause is not None and clause_of[i] == clause:
                denied[i] = True
            elif tok in self.denial_markers:
                clause = clause_of[i]
            else:
                clause = None
        return denied

    def _matches(self, tokens: list[str]):
        """Yield (first token, end token, word) for each dictionary word.
        A word is a run of whole tokens (end > first), or the end of a longer
        token (its head: 技术培训 is a 培训), or such a token less its last
        character (火锅店, 报名费); then end == first. Other words inside
        tokens do not count: 人工智能 is not 人工, a mobile ending 404 no "404". A token ending like a job
        title (算法工程师) is yielded whole, as a title."""
        i, n = 0, len(tokens)
        while i < n:
            word, end, joined, j = None, i, "", i
            while j < n:
                joined += tokens[j]
                j += 1
                if joined in self._concepts:
                    word, end = joined, j
                if joined not in self._prefixes:
                    break
            if word:
                yield i, end, word
                i = end
                continue
            tok = tokens[i]
            if len(tok) > 2 and not tok.isdigit():  # a number holds no word: 13910003404 is no 404
                inside = self._inside.get(tok, _ABSENT)
                if inside is _ABSENT:
                    inside = self._word_inside(tok)
                    if tok[0] >= "\u4e00":  # a dictionary word: their number is bounded
                        self._inside[tok] = inside
                if inside is not None:
                    yield i, i + inside[0], inside[1]
            i += 1

    def _word_inside(self, tok: str) -> tuple[int, str] | None:
        """The word a token of three characters or more stands for when it is none itself, with the
        tokens it spans: itself as a title (算法工程师: 1), its head (技术培训: 培训, 0) or itself less
        its last character (报名费: 报名, 0)."""
        if tok.endswith(self._title_suffixes):
            return 1, tok
        word = next((tok[k:] for k in range(1, len(tok) - 1) if tok[k:] in self._concepts), None)
        if word is None and tok[:-1] in self._concepts:
            word = tok[:-1]
        return (0, word) if word else None

    def scores(self, strength: dict) -> dict:
        """Every intent's rule score for the concepts found."""
        scores = dict.fromkeys(INTENTS, 0.0)
        rules = self._rules
        present = strength.keys()
        for concept, weight_here in strength.items():
            for intent, parts, weight in rules.get(concept, ()):
                if parts is None:
                    scores[intent] += weight * weight_here
                elif parts <= present:
                    # A combination counts fully if any part is in a request clause.
                    scores[intent] += weight * max(map(strength.__getitem__, parts))
        return scores

    def verdict(self, scores: dict, strength: dict) -> tuple[str, float, bool]:
        """The rules' pick, its score, and whether it is clear enough to skip the model: a score
        of at least fast_score, fast_margin ahead of the runner-up, and no concept that the
        rules are known to misread (English words, negations... see [settings] fast_path_off)."""
        values = list(scores.values())  # in INTENTS' order
        best = max(values)
        name = INTENTS[values.index(best)]  # ties: earlier in INTENTS
        if best < self.unknown_below:
            return "unknown", best, False
        values.remove(best)
        runner_up = max(values)
        fast = (best >= self.fast_score and best - runner_up >= self.fast_margin
                and self._fast_off.isdisjoint(strength))
        return name, best, fast

    def mostly_untranslated(self, fixed: str) -> bool:
        """Whether latin letters are still most of a message's letters after the English table ([settings]
        fast_path_latin_share): the rules know some of its words, not how they are put together
        ("please add an English version of the newsletter" is a suggestion, not a request for news)."""
        letters = [ch for ch in fixed if ch.isalpha()]
        return sum(ch.isascii() for ch in letters) >= self.fast_latin_share * len(letters)

    def topic_of_clause(self, intent: str, tokens, found: _Found) -> str | None:
        """Of several topics named, the one in the clause that says what to do with it ("行业那块别发了，
        政策的留着": industry is stopped; "政策的留着，学科那个取消掉": discipline): the topics named in
        clauses where a word of the intent's own rules stands (退订, 别发 ... for unsubscribe), when
        that is one topic; or a topic with the policy word after it (人才引进政策: talent). Else None
        (several, or all of them)."""
        cues = self._cues[intent]
        topics_at, cued, places = {}, set(), []
        for start, _, word in self._matches(tokens):
            clause = found.clause_of[start]
            topic = self._topic_of.get(word)
            if topic is not None:
                topics_at.setdefault(clause, set()).add(topic)
                places.append((start, topic))
            if not cues.isdisjoint(self._word_info.get(word, self._title_info)[0]):
                cued.add(clause)
        named = set().union(*(topics_at.get(clause, ()) for clause in cued)) or found.topics
        if len(named) == 1 and ALL_TOPICS not in named:
            return next(iter(named))
        if len(named) == 2 and "policy" in named and ALL_TOPICS not in named:
            # 人才引进政策, 人才方面有什么新政: the policy of that topic, unless joined as two (人才和政策)
            other = next(iter(named - {"policy"}))
            for (at, topic), (policy_at, next_topic) in zip(places, places[1:]):
                if (topic == other and next_topic == "policy"
                        and found.clause_of[at] == found.clause_of[policy_at]
                        and self._topic_joiners.isdisjoint(tokens[at + 1:policy_at])):
                    return other
        return None

    def topic_misspelt(self, tokens) -> str | None:
        """The topic of a topic word typed with one wrong character that sounds like the right one
        (政册 / 政侧: 政策, 学客动态: 学科动态, 行也: 行业), or in pinyin initials (zc, xkdt); None if no
        such word, or if they name different topics."""
        named = set()
        for i, tok in enumerate(tokens):
            if tok.isascii():
                named.add(self._topic_initials.get(tok))
                continue
            if tok in self._stopwords:
                continue
            for j in range(i + 2, min(len(tokens), i + 4) + 1):
                window = "".join(tokens[i:j])
                if len(window) > 4 or tokens[j - 1] in self._stopwords:  # 行了 is no 行业
                    break
                for k in range(len(window)):
                    for word, topic in self._near_topic.get(window[:k] + "\0" + window[k + 1:], ()):
                        if _reading_distance(window[k], word[k]) <= 1:
                            named.add(topic)
        named.discard(None)
        return next(iter(named)) if len(named) == 1 else None

    def city_at_start(self, tokens: list[str]) -> str | None:
        """A city that begins a longer word (郑州大学, 洛阳高新区): the first such, if any."""
        for tok in tokens:
            if len(tok) > 2:
                for length in (4, 3, 2):
                    city = self._city_of.get(tok[:length])
                    if city is not None and length < len(tok):
                        return city
        return None

    def correct_disciplines(self, tokens: list[str]) -> list[str] | None:
        """The disciplines, skills and job titles of a job question, read as the member meant them,
        wherever they are in the message (another word may have matched):

        - a discipline cut apart by jieba ("学生物的": 学生/物) is whole again (学/生物);
        - one typed with one wrong character ("机戒" for 机械, "化雪" for 化学, "计算鸡" for 计算机) is
          written right. A typo is seldom a dictionary word, so jieba leaves it as single characters
          or a word and a character: a run of whole tokens of 2-4 characters, no known word nor
          stop-word among them, one character away from a term is that term. The wrong character
          must sound like the right one (its pinyin one letter off at most: members type pinyin),
          but in a run of three or four single characters it may be a slip of any kind. Where the
          terms a run could be, or the runs, overlap, the longer term wins (计箅机: 计算机, with two
          characters right, before 箅机 one off 司机), then the nearest reading ("学机戒的": 学机 is one
          off 司机, 机戒 one off 机械: jie/xie before xue/si).

        Returns the corrected tokens, or None when nothing changed."""
        rejoined = self._rejoin_disciplines(tokens)
        changed, tokens = rejoined is not tokens, rejoined
        if not any(len(t) == 1 and self._is_plain(t) for t in tokens):  # a typo leaves a character alone
            return tokens if changed else None
        n = len(tokens)
        plain = [self._is_plain(t) for t in tokens]
        for start, end, _ in self._matches(tokens):  # words known as they are (计/科 is 计科) are no typo
            plain[start:end] = [False] * (end - start)
        candidates = []  # (-characters, how far the readings are, -tokens, first token, tokens, term)
        for i in range(n):
            size = 0
            for j in range(i, min(n, i + 4)):
                size += len(tokens[j])
                if not plain[j] or size > 4:
                    break
                if size < 2 or (j == i and size > 1):  # a whole dictionary word (电力) is meant as it is
                    continue
                window = "".join(tokens[i:j + 1])
                if window in self._not_typos:
                    continue
                best = None
                for k in range(size):
                    for term in self._near_term.get(window[:k] + "\0" + window[k + 1:], ()):
                        cost = _reading_distance(window[k], term[k])
                        if best is None or cost < best[0]:
                            best = (cost, term)
                        elif cost == best[0] and term != best[1]:
                            best = (cost, None)  # as near to two terms: no telling which
                if best and best[1] and (best[0] <= 1 or (size > 2 and size == j + 1 - i)):
                    candidates.append((-size, best[0], i - j - 1, i, j + 1 - i, best[1]))
        taken = {}  # first token -> (tokens, term)
        used = [False] * n
        for *_, i, length, term in sorted(candidates):
            if not any(used[i:i + length]):
                taken[i] = (length, term)
                used[i:i + length] = [True] * length
        out, i = [], 0
        while i < n:
            if i in taken:
                length, term = taken[i]
                out.append(term)
                i += length
            else:
                out.append(tokens[i])
                i += 1
        return out if taken or changed else None

    def _is_plain(self, token: str) -> bool:
        """Chinese characters that are no word of the lexicon nor a stop-word: where a typo may hide."""
        return all("\u4e00" <= ch <= "\u9fff" for ch in token) and token not in self._concepts \
            and token not in self._stopwords

    def _rejoin_disciplines(self, tokens) -> list[str]:
        """学生/物 -> 学/生物: a word (no known one) whose last character begins a discipline that the
        next tokens end. The same list when there is none."""
        out = None
        for i in range(len(tokens) - 1):
            word = tokens[i]
            if len(word) < 2 or word in self._concepts:
                continue
            for j in range(i + 2, min(len(tokens), i + 4) + 1):
                joined = word[-1] + "".join(tokens[i + 1:j])
                if joined in self._discipline_of:
                    out = out or list(tokens)
                    out[i:j] = [word[:-1], joined] + [""] * (j - i - 2)  # same length: indexes hold
                    break
        return [t for t in out if t] if out else tokens

    def function_words(self) -> frozenset:
        """Words of jieba's dictionary that never name a job (到底, 三次, 去年, 这个, 哪怕: adverbs, numbers,
        pronouns, time words ... as [jobs] not_keyword_tags lists), read from its tagged dictionary once."""
        if self._function_words is None:
            self._read_tags()
        return self._function_words

    def plain_verbs(self) -> frozenset:
        """Words jieba's dictionary tags as verbs ([jobs] side_word_tags: 退休, 听说, 倒闭, but also 维修, 翻译):
        keywords only when the question names no discipline, skill or job title."""
        if self._plain_verbs is None:
            self._read_tags()
        return self._plain_verbs

    def _read_tags(self) -> None:
        """Both word sets, kept in var/lexicon (*.tags) by what they are computed from."""
        userdict = (CONTENT_DIR / "userdict.txt").read_text(encoding="utf-8")
        inputs = (sorted(self._not_keyword_tags), sorted(self._side_word_tags), sorted(self._near_words), userdict)
        kept = lexicon_cache.kept("tags", inputs, lambda: tuple(map(lexicon_cache.joined, self._tag_sets(userdict))),
                                  Path(__file__), [lexicon_cache.jieba_dictionary()])
        self._function_words, self._plain_verbs = map(lexicon_cache.split, kept)

    def _tag_sets(self, userdict: str) -> tuple[frozenset, frozenset]:
        tagged = lexicon_cache.tagged_words(self._not_keyword_tags | self._side_word_tags)
        function_words = frozenset().union(*(tagged[tag] for tag in self._not_keyword_tags))
        verbs = frozenset().union(*(tagged[tag] for tag in self._side_word_tags - self._not_keyword_tags))
        # content/userdict.txt's tag of a word replaces jieba's (前端开发 is a noun there, an idiom in jieba's)
        retagged = {}
        for line in userdict.splitlines():
            entry = line.split()
            if len(entry) == 3:
                retagged.setdefault(entry[2], set()).add(normalize(entry[0]))
        ours = set().union(*retagged.values())
        function_words = (function_words - ours).union(*(retagged.get(tag, ()) for tag in self._not_keyword_tags))
        verbs = (verbs - ours).union(*(retagged.get(tag, ()) for tag in self._side_word_tags - self._not_keyword_tags))
        return function_words - self._near_words, verbs - self._near_words

    def _remarks(self, tokens: list[str], found: _Found) -> set:
        """Clauses of a job question that only remark on the member or the conditions ("工资低点无所谓",
        "我有执业证", "干了三年"; [jobs] remark_words) and name no discipline, skill or job title, when
        another clause asks for the job: no keywords come from them."""
        clause_of, named, suffixes = found.clause_of, found.named, self._title_suffixes
        naming, text_of = set(), {}
        for i, tok in enumerate(tokens):
            if tok in self._near_words or tok in self._discipline_of or i in named or tok.endswith(suffixes) \
                    or (tok in self.request_markers and clause_of[i] in found.job_clauses):  # 想问问…有没有…岗位
                naming.add(clause_of[i])
            text_of[clause_of[i]] = text_of.get(clause_of[i], "") + tok
        remarks = {clause for clause, said in text_of.items()
                   if clause not in naming and self._remark_words.search(said)}
        return remarks if (naming | found.job_clauses) - remarks else set()

    def job_keywords(self, text: str, tokens: list[str], found: _Found) -> list[str]:
        """The words a job search looks for: those the rules propose (`proposed_keywords`) that the keyword
        model (bot.intent_model, learnt from the labelled job questions) does not take for the member's
        context: 我老婆是小学老师 / 在县里医院上班 / 同事推荐. It drops a word only when another one stays."""
        proposed = self.proposed_keywords(text, tokens, found)
        words = [word for word, _ in proposed]
        if len(proposed) < 2:
            return words
        model = intent_model.current_keywords(job_keyword_candidates)
        if model is None:
            return words
        kept = [word for word, start in proposed
                if model.chance(self.keyword_features(word, start, proposed, tokens, found), "keyword")
                >= intent_model.KEYWORD_NEEDS]
        return kept or words

    def keyword_features(self, word: str, start: int, proposed: list, tokens, found: _Found) -> list[str]:
        """What the keyword model sees of one proposed word: the word, its characters, what it is to the
        lexicon (a discipline, a title, a concept's word), whether another proposed word names the field or
        the title, its neighbours, and whether its clause asks about a job."""
        is_named = self._names_the_work
        names = ["w" + word, "b" + word[0], "e" + word[-1], f"n{min(len(word), 5)}"]
        names += ["c" + ch for ch in set(word)]
        if is_named(word):
            names.append("named")
        if word in self._concepts:
            names.append("concept")
        if word.isascii():
            names.append("latin")
        if len(proposed) == 1:
            names.append("alone")
        elif any(is_named(other) for other, _ in proposed if other != word):
            names.append("beside_named")
        end = start + 1
        while end < len(tokens) and tokens[end] in word:
            end += 1
        names.append("<" + (tokens[start - 1] if start > 0 else "^"))
        names.append(">" + (tokens[end] if end < len(tokens) else "$"))
        if found.clause_of[start] in found.job_clauses:
            names.append("job_clause")
        return names

    def _names_the_work(self, word: str) -> bool:
        """A discipline, a skill or a job title (化学, 前端开发, 工程师, 护士)."""
        return word in self._discipline_of or word.endswith(self._title_suffixes) \
            or not _WORK_CONCEPTS.isdisjoint(self._concepts.get(word, ()))

    def proposed_keywords(self, text: str, tokens: list[str], found: _Found) -> list[tuple[str, int]]:
        """Content words of a job query, in order, each with its first token: tokens left after removing
        the city, stop-words, job-query vocabulary, numbers, punctuation and
        single Chinese characters; a discipline's abbreviation is its name (计科, CS: 计算机). A field written right before a job title
        stays one keyword (化工工程师); endings like 专业 are trimmed. A long
        story (three clauses or more) only gives the clauses about the job, and the discipline
        named anywhere (我是学化学的……想在郑州找工作)."""
        clauses = {c for tok, c in zip(tokens, found.clause_of) if tok not in _CLAUSE_BREAKS}
        story = len(clauses) > 2 and len(text) > _STORY_CHARS  # not a short list "求职，环境工程，洛阳"
        only = found.job_clauses if story else clauses
        if not story and len(clauses) > 1:
            only = clauses - self._remarks(tokens, found)
        # 退休的内科大夫 / 搜不出来郑州化学的岗位: beside a field or a title, a verb tells the story, not the job
        side_words = self.plain_verbs() if found.field_named or TITLE_CONCEPT in found.strength else ()
        function_words, stopwords, city_of, concepts = self.function_words(), self._stopwords, self._city_of, self._concepts
        keywords, starts, last_kept, alias_end = [], [], -2, 0
        for i, tok in enumerate(tokens):
            if i < alias_end:
                continue
            if i in found.named:  # 计科, CS: 计算机
                alias_end, name = found.named[i]
                keywords.append(name)
                starts.append(i)
                last_kept = alias_end - 1
                continue
            if tok in self._after_discipline and last_kept == i - 1 and keywords[-1] in self._discipline_of:
                keywords.append(self._after_discipline[tok])  # 计算机老师: 计算机, 教师
                starts.append(i)
                last_kept = i
                continue
            if (
                i in found.covered
                or (found.clause_of[i] not in only and tok not in self._discipline_of)
                or tok in stopwords
                or tok in function_words
                or (tok in side_words and tok not in concepts  # 实习 is a kind of job
                    and not (i + 1 < len(tokens) and tokens[i + 1].endswith(self._title_suffixes))  # 焊接工程师
                    and not (last_kept == i - 2 and tokens[i - 1] in self._coordinators))  # 会计或者出纳
                or tok in city_of
                or not any(ch.isalnum() for ch in tok)
                or tok.isdigit()
                or (len(tok) == 1 and not tok.isascii())
            ):
                continue
            if last_kept == i - 1 and tok.endswith(self._title_suffixes) and tokens[i - 1] + tok in text:
                keywords[-1] += tok
            else:
                for ending in self._keyword_trim:
                    if tok.endswith(ending) and len(tok) - len(ending) >= 2:
                        tok = tok[: -len(ending)]
                        break
                for prefix in self._trim_prefixes:
                    if tok.startswith(prefix) and len(tok) - len(prefix) >= 2:
                        tok = tok[len(prefix):]
                        break
                keywords.append(tok)
                starts.append(i)
            last_kept = i
        first = {}
        for word, start in zip(keywords, starts):
            first.setdefault(self._posting_word.get(word, word), start)  # 小学老师: 教师, the posting's word
        return list(first.items())


# jieba's blocks: runs of these characters are segmented, anything else is one token a character.
_SEGMENTED = re.compile("([\u4E00-\u9FD5a-zA-Z0-9+#&\\._%\\-]+)")
_ABSENT = object()  # no word begins so
# A word that pads rjieba's total frequency up to jieba's; no block ever holds this character.
_PADDING_WORD = "\uf8ff"


class Segmenter:
    """jieba's accurate mode without HMM (``Tokenizer.lcut(text, HMM=False)``), whitespace tokens
    dropped, cut by rjieba (jieba-rs, in Rust): the same tokens, several times faster than jieba or
    any Python rewrite of its algorithm (half the cost of a message the rules answer alone, issue 11).

    jieba-rs has jieba's dictionary built in (word for word, frequency for frequency) and jieba's
    arithmetic: each word's log-probability log(freq) - log(total), the likeliest path, the longer
    word on a tie, latin letters and digits joined. Two things differ and are made equal here:
    - content/userdict.txt is added word by word with the frequency jieba gives it;
    - jieba's total frequency counts every line it read (a word listed twice, a user word that was in
      the dictionary already, counted again), jieba-rs's only each word's last frequency: a word no
      message can contain (_PADDING_WORD) carries the difference.
    Blocks are split here, with jieba's own character classes (jieba-rs's take in more of Unicode).
    tests/test_router.py compares the tokens with jieba's on every example and on random text."""

    def __init__(self, added: dict, padding: int):
        self._added, self._padding = added, padding
        jieba = _rjieba_dictionary()
        for word, freq in added.items():
            jieba.add_word(word, freq, None)
        if padding:
            jieba.add_word(_PADDING_WORD, padding, None)
        self._cut_block = jieba.cut

    def tables(self) -> tuple[dict, int]:
        """What makes this segmenter (cached by bot/lexicon_cache.py): the user words with their
        frequencies and the padding."""
        return self._added, self._padding

    def cut(self, text: str) -> list[str]:
        out: list[str] = []
        cut = self._cut_block
        for k, block in enumerate(_SEGMENTED.split(text)):  # the blocks to segment are the odd ones
            if not block:
                continue
            if k % 2:
                if len(block) == 1:
                    out.append(block)
                else:
                    out += cut(block, False)
            else:
                out.extend(ch for ch in block if not ch.isspace())
        return out


_rjieba_default_taken = False


def _rjieba_dictionary():
    """A fresh rjieba dictionary. Importing rjieba builds one (0.13 s, 25 MiB) for its module-level
    functions, which nothing else uses: the process's first segmenter takes that one rather than
    building a second; later ones (a test starting the router again) get their own."""
    global _rjieba_default_taken
    import rjieba

    with _load_lock:
        if not _rjieba_default_taken:
            _rjieba_default_taken = True
            return rjieba._DEFAULT_JIEBA
    return rjieba.Jieba()


def _romanised(city: str) -> tuple[str, ...]:
    """A city's pinyin spellings: its characters' own readings and pypinyin's reading of the name, where
    either may be the one a member types (重庆: zhongqing and chongqing; 漯河: luohe, which pypinyin reads tahe)."""
    from pypinyin import lazy_pinyin

    return tuple(dict.fromkeys(("".join(lazy_pinyin(char)[0] for char in city), "".join(lazy_pinyin(city)))))


def _one_letter_less(word: str) -> set:
    return {word[:i] + word[i + 1:] for i in range(len(word))}


def _pinyin_table(concepts: dict, english: set) -> dict:
    """Toneless pinyin (huifei) -> the word of the lexicon it spells (会费), for words of two to four Chinese
    characters; a spelling shared by words of different concepts, shorter than four letters, or that is an
    English word the router knows, is left out."""
    from pypinyin import lazy_pinyin

    table: dict[str, str | None] = {}
    for word, kinds in concepts.items():
        if 2 <= len(word) <= 4 and all("\u4e00" <= ch <= "\u9fff" for ch in word):
            spelt = "".join(lazy_pinyin(word)).replace("ü", "v")
            if len(spelt) < 4 or spelt in english or not spelt.isascii():
                continue
            if spelt in table and (table[spelt] is None or concepts[table[spelt]] != kinds):
                table[spelt] = None
            else:
                table.setdefault(spelt, word)
    return {spelt: word for spelt, word in table.items() if word is not None}


def _alternation(table: dict) -> re.Pattern:
    """One regex matching any key of table, longest keys first."""
    keys = sorted(table, key=len, reverse=True)
    return re.compile("|".join(map(re.escape, keys)) or "(?!)")


class _Homophones:
    """Key terms typed with characters that read like theirs (慧费, 汇费 -> 会费): each character of a
    term may be any character with the same toneless reading. Scanned left to right, at each place
    the first term (in the TOML file's order) that fits wins; words in `keep` are right as they are
    (会飞).

    A reading's characters are many (hui: ~150), so a regex of their classes is slow. Instead each
    character is first translated (str.translate) to one code for the set of term places it may
    fill (term k, character i), and a regex alternation over those codes, one branch a term in
    the file's order, does the scan: a handful of codes per class, all in C."""

    _FIRST_CODE = 0xF0000  # codes from a private-use plane; normalize drops those characters

    def __init__(self, terms: list[str], keep: frozenset, pinyin_of: dict):
        self._terms = terms
        self._keep = keep
        places: dict[str, int] = {}  # character -> bit set of the term places it may fill
        width = max(map(len, terms), default=0)
        for k, term in enumerate(terms):
            for i, ch in enumerate(term):
                reading = main_reading(ch)
                for c in {c for c, r in pinyin_of.items() if reading in r} | {ch}:
                    places[c] = places.get(c, 0) | 1 << (k * width + i)
        code_of = {bits: chr(self._FIRST_CODE + n) for n, bits in enumerate(sorted(set(places.values())))}
        self._to_codes = str.maketrans({c: code_of[bits] for c, bits in places.items()})
        branches, firsts = [], set()
        for k, term in enumerate(terms):
            classes = ["".join(code for bits, code in code_of.items() if bits >> (k * width + i) & 1)
                       for i in range(len(term))]
            firsts.update(classes[0])
            branches.append("(" + "".join(f"[{codes}]" for codes in classes) + ")")
        # The lookahead of every branch's first character lets a place where no term can begin fail at one
        # class instead of at each branch (a third of the time, on members' messages).
        self._scan = re.compile(f"(?=[{''.join(sorted(firsts))}])(?:{'|'.join(branches)})" if branches else "(?!)")

    def fix(self, text: str) -> str:
        out, done = [], 0
        for found in self._scan.finditer(text.translate(self._to_codes)):
            start, end = found.span()
            word = text[start:end]
            out += (text[done:start], word if word in self._keep else self._terms[found.lastindex - 1])
            done = end
        if not out:
            return text
        out.append(text[done:])
        return "".join(out)


@functools.lru_cache(maxsize=4096)
def _readings(ch: str) -> tuple[str, ...]:
    """Every toneless reading of a character (重: zhong, chong)."""
    from pypinyin.pinyin_dict import pinyin_dict

    return tuple({r.translate(TONELESS) for r in pinyin_dict.get(ord(ch), "").split(",") if r}) or (ch,)


def _edit_distance(a: str, b: str) -> int:
    row = list(range(len(b) + 1))
    for i, x in enumerate(a, 1):
        previous, row[0] = row[0], i
        for j, y in enumerate(b, 1):
            previous, row[j] = row[j], min(row[j] + 1, row[j - 1] + 1, previous + (x != y))
    return row[-1]


@functools.lru_cache(maxsize=4096)
def _reading_distance(typed: str, meant: str) -> int:
    """How far apart two characters sound: the fewest letters to change between their readings."""
    return min(_edit_distance(a, b) for a in _readings(typed) for b in _readings(meant))


def _load_pinyin(terms: list[str]) -> dict:
    """Toneless reading (a set of one) of every character whose usual reading is that of a character of the
    homophone terms; other characters are not needed. Only the usual reading counts: members type a word's
    pinyin and pick a wrong character of the same sound, so 他 (ta, rarely tuo) in 其他渠道 is no 托举."""
    from pypinyin.pinyin_dict import pinyin_dict

    wanted = {main_reading(ch) for term in terms for ch in term}
    table = {}
    for code, readings in pinyin_dict.items():
        reading = readings.split(",")[0].translate(TONELESS)
        if reading in wanted:
            table[chr(code)] = {reading}
    return table


def _segmenter_tables() -> tuple[dict, int]:
    """The Segmenter's tables from jieba's dictionary and content/userdict.txt (bot/lexicon_cache.py
    keeps them built in var/): each user word with the frequency jieba settled on (the one given, the
    last line's, or the one it suggested), and the padding of the total (Segmenter's docstring)."""
    import logging

    import jieba

    jieba.setLogLevel(logging.WARNING)  # no "Building prefix dict" chatter
    tokenizer = jieba.Tokenizer()
    tokenizer.initialize()
    words, add_word = [], tokenizer.add_word

    def add_and_note(word, freq=None, tag=None):
        words.append(word)
        add_word(word, freq, tag)

    tokenizer.add_word = add_and_note  # the words load_userdict adds, as it parsed them
    tokenizer.load_userdict(str(CONTENT_DIR / "userdict.txt"))
    added = {word: tokenizer.FREQ[word] for word in words}
    return added, tokenizer.total - sum(tokenizer.FREQ.values())  # the tokenizer itself is not kept


def _load_lexicon() -> _Lexicon:
    global _lexicon
    if _lexicon is None:
        with _load_lock:
            if _lexicon is None:
                with open(CONTENT_DIR / "intents.toml", "rb") as f:
                    config = tomllib.load(f)
                with open(CONTENT_DIR / "jobs.toml", "rb") as f:
                    job_settings = tomllib.load(f)
                pinyin_of = _load_pinyin([normalize(t) for t in config["homophones"]["terms"]])
                segmenter = Segmenter(*lexicon_cache.tables(_segmenter_tables, Path(__file__)))
                _lexicon = _Lexicon(config, segmenter, pinyin_of, job_settings)
    return _lexicon
