"""The learned half of the router: a linear classifier over character n-grams, jieba words and
the rules' own concepts, trained from the labelled examples in content/intent_examples*.jsonl.

Why this model: a few thousand short labelled messages, 15 classes, one core and a 2 ms budget per
message. Character 2-3-grams catch typos, dialect spellings and unseen compounds; jieba words and the
concepts the rule lexicon recognised (its synonym groups) carry the meaning the rules already know;
each word's pinyin initials (会费 -> ihf), also given by a latin token of initials a member typed ("hf多少"),
let every written-out example teach its abbreviation (by-file CV over seven writers' files, 2026-12-07:
intent 96.89% -> 97.01%, slots 97.19% -> 97.25%; the abbreviating writer train8b 95.4% -> 96.4%).
The rules' own pick is NOT a feature: the rules were written while reading the earlier examples, so
on those the pick is right 92.9% of the time and the model learnt to lean on it, while on the second
blind writer's messages, which no rule was written for, it is right 84.7%. Without it, cross-validated
on those messages (`python -m bot intent cv --on content/intent_examples_blind_train2.jsonl`), intent
accuracy rose from 94.1% to 95.0% (slots 93.4% -> 95.5%; C=64, character 1-3-grams). Two choices
then cost a little of that figure for behaviour the chat tests pin, each within the noise of 1,262
messages: character unigrams are gone (2-3-grams; a character alone still counts through jieba's
one-character tokens), because the 人 inside 人事部 made "我是人事部的王芳" at a form's contact step a
request for a person; and C is 32, not 64, because at 64 the model was sure enough (0.60) of
"会员有什么权益？" at a name step that the form restarted instead of pausing. Final figure of that
cross-validation: 94.1% intent, 94.6% slots. Held out by file instead (each blind writer's training
file scored by a model trained on every other file, a new writer's words), it is 95.4% intent and
96.0% slots against 94.9% and 94.9% with the rules' pick as a feature. A multinomial logistic regression
(scikit-learn, newton-cg) gives probabilities that are usable as confidence without a separate
calibration step, trains in seconds, and is deterministic for the same examples.

Training runs at start-up, not as a separate build step: the first message that needs the model
loads it from var/intent_model/<hash>.npz, where the hash covers the examples, the rule lexicon
(content/intents.toml, content/userdict.txt), the code that computes the features (bot/router.py,
this module, bot/pinyin.py) and scikit-learn's version. When no such file exists (a fresh clone, new
examples labelled in the console) the model is trained then and there (a few seconds) and cached. `python -m bot intent train` does the same ahead
of time. Nothing is downloaded, ever.

Scoring does not go through scikit-learn: the weights are exported to a dense matrix and one message
costs a dictionary look-up per feature and one small sum, tens of microseconds.
"""
from __future__ import annotations

import functools
import hashlib
import json
import math
import os
import re
import tempfile
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from bot.config import CONTENT_DIR, PROJECT_ROOT
from bot.pinyin import main_reading

FEATURE_VERSION = "6"  # change when features() changes, so cached models are not reused
# The code that computes the features (the router's analysis, features() here, a word's initials), so part of
# the fingerprint: a forgotten FEATURE_VERSION bump must not serve a model trained on other features.
FEATURE_CODE = tuple(Path(__file__).with_name(name) for name in ("router.py", "intent_model.py", "pinyin.py"))
CACHE_DIR = PROJECT_ROOT / "var" / "intent_model"
EXAMPLES_GLOB = "intent_examples*.jsonl"
MAIN_EXAMPLES = CONTENT_DIR / "intent_examples.jsonl"  # where the console adds what it is taught
REGULARISATION = 32.0  # LogisticRegression's C; see the module doc for how it was chosen
SOLVER = {"solver": "newton-cg", "max_iter": 300, "tol": 1e-4}  # exact and deterministic, < 1 s here
NGRAMS = (2, 3)  # lone characters count through jieba's one-character tokens (w...), not inside words

Featurize = Callable[[str], list[str]]  # text -> feature names: bot.router.feature_names_of, passed in
_lock = threading.RLock()
_model = None


def example_files() -> list[Path]:
    return sorted(MAIN_EXAMPLES.parent.glob(EXAMPLES_GLOB))


def load_examples(paths: list[Path] | None = None) -> list[dict]:
    """Every labelled example, in file order; a text labelled twice keeps its last label (the
    console appends corrections), so relabelling a message overrides the earlier label."""
    rows: dict[str, dict] = {}
    for path in paths if paths is not None else example_files():
        with path.open(encoding="utf-8") as f:
            for line in f:
                if line.strip():
                    row = json.loads(line)
                    rows.pop(row["text"], None)
                    rows[row["text"]] = row
    return list(rows.values())


def add_example(text: str, intent: str, slots: dict, path: Path | None = None) -> None:
    """Append one labelled example (the console's label); a later line for the same text wins.
    Appends under an exclusive lock, so two labels at once cannot interleave their lines."""
    import fcntl

    path = path or MAIN_EXAMPLES
    line = json.dumps({"text": text, "intent": intent, "slots": slots}, ensure_ascii=False) + "\n"
    with path.open("a", encoding="utf-8") as f:
        fcntl.flock(f, fcntl.LOCK_EX)
        try:
            f.write(line)
        finally:
            fcntl.flock(f, fcntl.LOCK_UN)


def features(fixed: str, tokens, concepts) -> list[str]:
    """Feature names of one message: `fixed` is the router's normalised and corrected text,
    `tokens` its jieba tokens, `concepts` the rule concepts found."""
    out = set()
    padded = f"<{fixed}>"
    for n in NGRAMS:
        for i in range(len(padded) - n + 1):
            gram = padded[i:i + n]
            if not gram.isspace():
                out.add(gram)
    for tok in tokens:
        out.add("w" + tok)
        initials = initials_of(tok)
        if initials:
            out.add("i" + initials)
    for concept in concepts:
        out.add("k" + concept)
    return sorted(out)


_CJK = re.compile("[\u4e00-\u9fff]{2,6}")
_ABBREVIATION = re.compile("[b-df-hj-np-tv-z]{2,5}")  # latin letters without a vowel: pinyin initials


@functools.lru_cache(maxsize=8192)
def initials_of(token: str) -> str | None:
    """The pinyin initials a member would type for a word (会费 -> hf, 招聘 -> zp), or a latin token that
    looks like such initials itself ("hf", "zp", "qx"); None for anything else. Both sides give the same
    feature, so the model learns from every 会费 example what "hf交了没" means, without a table."""
    if _ABBREVIATION.fullmatch(token):
        return token
    if not _CJK.fullmatch(token):
        return None
    letters = [main_reading(ch)[:1] for ch in token]
    return None if "" in letters else "".join(letters)


@dataclass
class Model:
    classes: tuple[str, ...]
    index: dict  # feature name -> row of weights
    weights: "numpy.ndarray"  # noqa: F821 (n_features, n_classes)
    bias: "numpy.ndarray"  # noqa: F821
    key: str

    def probabilities(self, names: list[str]) -> list[tuple[str, float]]:
        """(intent, probability) for every class, most likely first."""
        import numpy as np

        rows = [self.index[n] for n in names if n in self.index]
        if rows:
            logits = self.weights[rows].sum(axis=0) * (1.0 / math.sqrt(len(rows))) + self.bias
        else:
            logits = self.bias.copy()
        logits -= logits.max()
        p = np.exp(logits)
        p /= p.sum()
        order = np.argsort(-p, kind="stable")
        return [(self.classes[i], float(p[i])) for i in order]

    def chance(self, names: list[str], of: str) -> float:
        """The probability of class `of` in a two-class model, as probabilities() gives it, in plain Python:
        each proposed word of a job question asks it, and numpy's overhead per call would be most of the cost."""
        margins = self.__dict__.get("_margins")
        if margins is None or margins[0] != of:
            k = self.classes.index(of)
            delta = self.weights[:, k] - self.weights[:, 1 - k]
            margins = self._margins = (of, dict(zip(self.index, map(float, delta[list(self.index.values())]))),
                                       float(self.bias[k] - self.bias[1 - k]))
        _, margin_of, bias = margins
        found = [margin_of[n] for n in names if n in margin_of]
        return 1.0 / (1.0 + math.exp(-(bias + (sum(found) / math.sqrt(len(found)) if found else 0.0))))


def fingerprint(paths: list[Path] | None = None) -> str:
    """What the trained model depends on: examples, lexicon (intents.toml, and jobs.toml's disciplines), features
    (FEATURE_VERSION and FEATURE_CODE's source), library version."""
    from importlib.metadata import version  # not `import sklearn`: loading a cached model needs only numpy

    digest = hashlib.sha256(f"{FEATURE_VERSION}|{NGRAMS}|{REGULARISATION}|{SOLVER}|{version('scikit-learn')}".encode())
    for path in [*(paths if paths is not None else example_files()),
                 CONTENT_DIR / "intents.toml", CONTENT_DIR / "jobs.toml", CONTENT_DIR / "userdict.txt",
                 *FEATURE_CODE]:
        digest.update(path.name.encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()[:16]


def train(rows: list[dict], featurize: Featurize, key: str = "") -> Model:
    """Fit the classifier on labelled rows (deterministic: same rows, same weights). The router, which
    consults this model, hands over its analysis as `featurize` rather than being imported here."""
    return fit([(featurize(row["text"]), row["intent"]) for row in rows], REGULARISATION, key)


def fit(samples: list[tuple[list[str], str]], c: float, key: str = "") -> Model:
    """A multinomial logistic regression over (feature names, label) samples, each sample's features
    weighted 1/sqrt(their number) as Model.probabilities scores them."""
    import numpy as np
    from scipy.sparse import csr_matrix
    from sklearn.linear_model import LogisticRegression

    vocabulary: dict[str, int] = {}
    indptr, indices, labels = [0], [], []
    for names, label in samples:
        for name in names:
            indices.append(vocabulary.setdefault(name, len(vocabulary)))
        indptr.append(len(indices))
        labels.append(label)
    data = np.repeat([1.0 / math.sqrt(max(1, b - a)) for a, b in zip(indptr, indptr[1:])],
                     np.diff(indptr))
    x = csr_matrix((data, indices, indptr), shape=(len(samples), len(vocabulary)))
    classifier = LogisticRegression(C=c, **SOLVER)
    classifier.fit(x, labels)
    classes = tuple(str(c) for c in classifier.classes_)
    weights = np.ascontiguousarray(classifier.coef_.T, dtype=np.float64)
    if len(classes) == 2:  # binary: sklearn keeps one column; make it two
        weights = np.hstack([-weights / 2, weights / 2])
        bias = np.array([-classifier.intercept_[0] / 2, classifier.intercept_[0] / 2])
    else:
        bias = np.asarray(classifier.intercept_, dtype=np.float64)
    return Model(classes, vocabulary, weights, bias, key)


# --- which words of a job question are search words ------------------------------------------------
# The rules propose a job question's keywords; a member's words around the work (我老婆是小学老师, 在县里医院上班,
# 同事推荐, 考虑转行, "international student ... but my Chinese is a bit weak") come out with them, and the job
# search ANDs its keywords, so one such word empties a search for a posting that exists. A second, binary
# model learns from the labelled job questions in content/ which proposed words are the ones a labeller kept
# (the word, its characters, its neighbours, whether a discipline or a title is named beside it: the router's
# Lexicon.keyword_features) and the router drops the words it finds more likely context than keyword, never all
# of them. By-writer CV over the eight blind writers' 622 labelled job questions (each writer's file held out,
# 2026-12-07, slots given the labelled intent): exact keyword sets 438 -> 498, eval.py's rule (one extra word
# forgiven) 545 -> 547; 40 job questions written for it (not in content/) 28 -> 35 of 40. C and the 0.5 cut: 0.4
# keeps more (552 / 477), 0.6 fewer (537 / 506); C 0.5-4 within two questions.
KEYWORD_CLASSES = ("context", "keyword")
KEYWORD_REGULARISATION = 1.0  # C of the keyword model (by-writer CV: 0.5-2 the same, 1 the middle)
KEYWORD_NEEDS = 0.5  # a proposed word stays when the model finds it at least this likely a keyword

Candidates = Callable[[str], list[tuple[str, list[str]]]]  # job question -> (proposed keyword, its feature names)
_keyword_model = None


def labelled_as_keyword(word: str, labelled: list[str]) -> bool:
    """Whether a proposed word is one the labeller kept (either holds the other: 化学 and 化学分析)."""
    word = word.lower()
    return any(k.lower() in word or word in k.lower() for k in labelled)


def train_keywords(rows: list[dict], candidates_of: Candidates, key: str = "") -> Model | None:
    """The keyword model from the labelled job questions among rows; None when they teach only one class."""
    samples = []
    for row in rows:
        labelled = (row.get("slots") or {}).get("keywords")
        if row["intent"] == "jobs" and labelled is not None:
            samples += [(names, KEYWORD_CLASSES[labelled_as_keyword(word, labelled)])
                        for word, names in candidates_of(row["text"])]
    if len({label for _, label in samples}) < 2:
        return None
    return fit(samples, KEYWORD_REGULARISATION, key)


def current_keywords(candidates_of: Candidates) -> Model | None:
    """The process's keyword model: from var/intent_model/<hash>.keywords.npz, else trained (well under a
    second) and kept there; None when the examples hold no labelled job question to learn from."""
    global _keyword_model
    if _keyword_model is None:
        with _lock:
            if _keyword_model is None:
                _keyword_model = _keywords_of(fingerprint(), candidates_of)
    return _keyword_model or None


def _keywords_of(key: str, candidates_of: Candidates) -> Model | bool:
    """The keyword model of the examples `key` fingerprints, loaded or trained and kept; False: none to learn."""
    model, _ = _cached(CACHE_DIR / f"{key}.keywords.npz", key, lambda: train_keywords(load_examples(), candidates_of, key))
    return model or False


def save(model: Model, path: Path) -> None:
    """Write atomically, so a process reading the cache never sees half a file."""
    import numpy as np

    path.parent.mkdir(parents=True, exist_ok=True)
    names = sorted(model.index, key=model.index.__getitem__)
    fd, tmp = tempfile.mkstemp(dir=path.parent, suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            np.savez(f, weights=model.weights, bias=model.bias, classes=np.array(model.classes),
                     names=np.array(json.dumps(names, ensure_ascii=False)))
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def load(path: Path, key: str) -> Model:
    import numpy as np

    with np.load(path, allow_pickle=False) as f:
        names = json.loads(str(f["names"]))
        return Model(tuple(str(c) for c in f["classes"]), {n: i for i, n in enumerate(names)},
                     f["weights"], f["bias"], key)


def build(featurize: Featurize, force: bool = False) -> tuple[Model, Path, bool]:
    """The model for the current examples: from the cache, else trained (and cached when var/ is
    writable). Returns (model, cache path, whether it was trained now)."""
    key = fingerprint()
    path = CACHE_DIR / f"{key}.npz"
    model, trained = _cached(path, key, lambda: train(load_examples(), featurize, key), force)
    return model, path, trained


def _cached(path: Path, key: str, trained: Callable[[], Model | None], force: bool = False) -> tuple[Model | None, bool]:
    """The model in `path`, else `trained()` (None: nothing to learn from) and kept there when var/ is
    writable. Returns (model, whether it was trained now)."""
    if path.exists() and not force:
        try:
            return load(path, key), False
        except (OSError, ValueError, KeyError):
            pass  # a damaged cache file: train again
    model = trained()
    if model is not None:
        try:
            save(model, path)
        except OSError:
            pass  # a read-only checkout still routes, it just trains again next start
    return model, True


def current(featurize: Featurize) -> Model:
    """The process's model, built once (under a lock) on first use."""
    global _model
    if _model is None:
        with _lock:
            if _model is None:
                _model = build(featurize)[0]
    return _model


def reload(featurize: Featurize, candidates_of: Candidates) -> tuple[Model, bool]:
    """Pick up new examples now (after the console labelled one): load or train both models, then swap, so
    that no member's job question waits for the keyword model's training after it."""
    global _model, _keyword_model
    with _lock:
        model, _, trained = build(featurize)
        _model, _keyword_model = model, _keywords_of(model.key, candidates_of)
    return model, trained
