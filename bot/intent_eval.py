"""Scoring the router on a labelled file: `python -m bot intent --eval FILE`.

FILE is JSON Lines, one {"text", "intent", "slots"} object a line (other keys are ignored).

What is counted:
- intent accuracy: messages whose predicted intent equals the label, over all messages;
- per intent: precision (of the messages routed to it, how many carry its label) and recall (of the
  messages labelled with it, how many were routed to it), and the most frequent (label -> routed)
  confusion pairs;
- slot accuracy, over the messages whose label has slots (news, subscribe, unsubscribe, jobs): the
  intent must be right and then
    * news/subscribe/unsubscribe: the topic equals the label's (null included);
    * jobs: the city equals the label's (null included), and the keywords match as a set after
      normalisation (the router's normalize(), then endings like 专业/方向/类 trimmed, duplicates
      dropped): every labelled keyword is equal to, contains or is contained in a predicted one, and
      at most one predicted keyword matches no labelled one. This is deliberately the rule of the
      lead's independent scorer, so both report the same number: a search for 化学博士后 finds what
      化学 + 博士后 finds, and one extra harmless word rarely changes a search.
  "slot exact" is printed too: the same but keywords equal as normalised sets, no extras.
- slots of the labelled intent: the same slot rule on the slots the router gives when told the right
  intent, so that slot errors show apart from intent errors; their kinds are counted as slot confusions
  (topic labelled -> given, jobs city labelled -> given, jobs keyword missed / extra).
"""
from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

SLOT_INTENTS = ("news", "subscribe", "unsubscribe", "jobs")
_TRIM = ("专业", "方向", "领域", "方面", "相关", "类")


def load_rows(path: Path) -> list[dict]:
    with Path(path).open(encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def _keyword(word: str) -> str:
    from bot.router import normalize

    word = normalize(word)
    for ending in _TRIM:
        if word.endswith(ending) and len(word) - len(ending) >= 2:
            return word[: -len(ending)]
    return word


def slots_match(intent: str, want: dict, got: dict, exact: bool = False) -> bool:
    """Whether predicted slots `got` count as right for labelled slots `want` (see module doc)."""
    want, got = want or {}, got or {}
    if intent != "jobs":
        return want.get("topic") == got.get("topic")
    if want.get("city") != got.get("city"):
        return False
    wanted = {_keyword(k) for k in want.get("keywords") or []}
    have = {_keyword(k) for k in got.get("keywords") or []}
    if exact:
        return wanted == have

    def related(a: str, b: str) -> bool:
        return a in b or b in a

    return (all(any(related(w, h) for h in have) for w in wanted)
            and sum(1 for h in have if not any(related(w, h) for w in wanted)) <= 1)


@dataclass
class Report:
    total: int = 0
    right: int = 0
    slot_total: int = 0
    slot_right: int = 0
    slot_exact: int = 0
    slot_given: int = 0  # slots right when the router is told the labelled intent
    asked: int = 0  # answered with a clarifying question (alternatives given)
    labelled: Counter = field(default_factory=Counter)
    routed: Counter = field(default_factory=Counter)
    hits: Counter = field(default_factory=Counter)
    confusions: Counter = field(default_factory=Counter)
    slot_confusions: Counter = field(default_factory=Counter)  # what went wrong in the labelled intent's slots
    misses: list = field(default_factory=list)  # (row, Intent)

    @property
    def accuracy(self) -> float:
        return self.right / self.total if self.total else 0.0

    @property
    def slot_accuracy(self) -> float:
        return self.slot_right / self.slot_total if self.slot_total else 0.0


def slot_errors(intent: str, want: dict, got: dict) -> list[str]:
    """What is wrong in slots `got` (none when slots_match): topic a -> b, city a -> b, keyword missed or extra."""
    want, got = want or {}, got or {}
    if slots_match(intent, want, got):
        return []
    if intent != "jobs":
        return [f"topic {want.get('topic')} -> {got.get('topic')}"]
    errors = [f"city {want.get('city')} -> {got.get('city')}"] if want.get("city") != got.get("city") else []
    wanted = {_keyword(k) for k in want.get("keywords") or []}
    have = {_keyword(k) for k in got.get("keywords") or []}
    errors += ["keyword missed" for w in wanted if not any(w in h or h in w for h in have)]
    extra = [h for h in have if not any(w in h or h in w for w in wanted)]
    return errors + (["keywords extra"] if len(extra) > 1 else [])


def evaluate(rows: list[dict], route=None) -> Report:
    from bot.router import analyse

    if route is None:
        from bot.router import route
    report = Report()
    for row in rows:
        want = row["intent"]
        got = route(row["text"])
        report.total += 1
        report.labelled[want] += 1
        report.routed[got.name] += 1
        report.asked += bool(got.alternatives)
        if got.name == want:
            report.right += 1
            report.hits[want] += 1
        else:
            report.confusions[(want, got.name)] += 1
        slot_ok = True
        if want in SLOT_INTENTS:
            report.slot_total += 1
            errors = slot_errors(want, row.get("slots"), analyse(row["text"]).slots_for(want))
            report.slot_given += not errors
            report.slot_confusions.update(f"{want}: {error}" for error in errors)
            if got.name == want:
                slot_ok = slots_match(want, row.get("slots"), got.slots)
                report.slot_right += slot_ok
                report.slot_exact += slots_match(want, row.get("slots"), got.slots, exact=True)
        if got.name != want or not slot_ok:
            report.misses.append((row, got))
    return report


def format_report(report: Report, name: str, top: int = 15, misses: bool = False) -> str:
    from bot.router import INTENTS

    lines = [
        f"{name}: {report.total} messages",
        f"intent accuracy {report.accuracy:.1%} ({report.right}/{report.total})",
        f"slot accuracy   {report.slot_accuracy:.1%} ({report.slot_right}/{report.slot_total} with slots; "
        f"exact {report.slot_exact / max(1, report.slot_total):.1%})",
        f"slots of the labelled intent {report.slot_given / max(1, report.slot_total):.1%} "
        f"({report.slot_given}/{report.slot_total})",
        f"would ask back  {report.asked} ({report.asked / max(1, report.total):.1%})",
        "",
        f"{'intent':14s} {'precision':>9s} {'recall':>7s} {'labelled':>8s} {'routed':>7s}",
    ]
    for intent in INTENTS:
        n, routed, hit = report.labelled[intent], report.routed[intent], report.hits[intent]
        if not n and not routed:
            continue
        precision = f"{hit / routed:.1%}" if routed else "-"
        recall = f"{hit / n:.1%}" if n else "-"
        lines.append(f"{intent:14s} {precision:>9s} {recall:>7s} {n:>8d} {routed:>7d}")
    lines += ["", "top confusions (labelled -> routed: count):"]
    for (want, got), count in report.confusions.most_common(top):
        lines.append(f"  {want} -> {got}: {count}")
    if report.slot_confusions:
        lines += ["", "slot confusions, labelled intent (count):"]
        lines += [f"  {error}: {count}" for error, count in report.slot_confusions.most_common(top)]
    if misses:
        lines += ["", "misses:"]
        for row, got in report.misses:
            lines.append(f"  {row['text']!r}: want {row['intent']} {row.get('slots')}, "
                         f"got {got.name} {got.slots} ({got.confidence:.2f})")
    return "\n".join(lines)


def cross_validate(rows: list[dict], folds: int = 5, only: list[dict] | None = None) -> Report:
    """Every example routed by models (intent, job keywords) trained on the other folds (the rules stay as they are):
    how the router does on messages its model has not seen. Folds are fixed (every k-th row).
    With `only`, just those rows are split into folds and scored; the rest always train."""
    from bot import intent_model
    from bot.router import feature_names_of, job_keyword_candidates, route

    report = Report()
    original = intent_model._model, intent_model._keyword_model
    scored = only if only is not None else rows
    texts = {r["text"] for r in scored}
    always = [r for r in rows if r["text"] not in texts]
    try:
        for k in range(folds):
            held = scored[k::folds]
            trained_on = always + [r for i, r in enumerate(scored) if i % folds != k]
            intent_model._model = intent_model.train(trained_on, feature_names_of)
            # the job keywords' model too (False: none to learn from, so none is loaded from the cache)
            intent_model._keyword_model = intent_model.train_keywords(trained_on, job_keyword_candidates) or False
            part = evaluate(held, route)
            for name in ("total", "right", "slot_total", "slot_right", "slot_exact", "slot_given", "asked"):
                setattr(report, name, getattr(report, name) + getattr(part, name))
            for name in ("labelled", "routed", "hits", "confusions", "slot_confusions"):
                getattr(report, name).update(getattr(part, name))
            report.misses += part.misses
    finally:
        intent_model._model, intent_model._keyword_model = original
    return report
