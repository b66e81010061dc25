"""Throughput and latency of bot.router.route on one core, with the learned model.

Messages: every line of tests/data/router_labelled.jsonl and content/intent_examples_blind_train.jsonl
(short commands, long stories, English, dialect, spam). After a warm-up pass (the first call loads
jieba, the dictionaries and the model: ~2 s, or training when content/ has new examples), it prints:

- rule fast path: the messages the rules answer alone (a clear hit, no model), routed ROUNDS times:
  messages per second (target >= 20,000);
- model path: the messages the rules leave to the model;
- all messages mixed: messages per second, and the latency of one route() call (p50, p99, max)
  over every call (target p99 <= 2 ms).

route() keeps the normalised text and tokens of recent short messages (bot.router PREPARED_CACHE):
the headline figures clear that cache before every round, so each message is routed from scratch
(every message of a round is distinct); "fast path, repeated" routes the same set with the cache warm,
as a stream of repeated messages (menu words, greetings) would.

With --against DIR (another checkout of the project, e.g. `git worktree add /tmp/main main`), the rule
fast path is also routed by DIR's bot/router.py with DIR's content/, alternating round by round in this
process, and both figures and their ratio are printed: the messages both routers answer by the rules
alone, the job questions among them and the rest. On a shared machine only such a ratio means much.

Run: .venv/bin/python bench/bench_router.py [--against DIR]
"""
from __future__ import annotations

import argparse
import gc
import importlib.util
import json
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.router import _load_lexicon, analyse, route  # noqa: E402

ROUNDS = 20
FILES = ("tests/data/router_labelled.jsonl", "content/intent_examples_blind_train.jsonl")


def _texts() -> list[str]:
    texts = []
    for name in FILES:
        with (ROOT / name).open(encoding="utf-8") as f:
            texts += [json.loads(line)["text"] for line in f if line.strip()]
    return texts


def _throughput(texts: list[str], cold: bool = True) -> tuple[float, float]:
    """Messages per second of this thread's CPU time (what one core does, whatever else runs on
    the machine), and the CPU seconds spent. cold: every round starts with an empty cache."""
    forget = _load_lexicon()._prepared.cache_clear
    elapsed = 0.0
    for _ in range(ROUNDS):
        if cold:
            forget()
        started = time.thread_time()
        for text in texts:
            route(text)
        elapsed += time.thread_time() - started
    return ROUNDS * len(texts) / elapsed, elapsed


def _other_router(checkout: Path):
    """bot/router.py of another checkout, reading that checkout's content/ (its model is not needed
    on the fast path)."""
    spec = importlib.util.spec_from_file_location("other_router", checkout / "bot" / "router.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules["other_router"] = module
    spec.loader.exec_module(module)
    module.CONTENT_DIR = checkout / "content"
    return module


def _compare(texts: list[str], checkout: Path) -> None:
    """Fast-path throughput of this router and the other checkout's on the messages both answer by the
    rules alone, rounds alternated, best round of each."""
    other = _other_router(checkout)
    routers = {"this": sys.modules["bot.router"], "other": other}
    # The messages both routers answer by the rules alone, so that both route the same ones.
    verdicts = {label: {t: router.analyse(t) for t in texts} for label, router in routers.items()}
    fast = [t for t in texts if all(verdicts[label][t].fast for label in routers)]
    groups = {"fast path": fast,
              "job questions": [t for t in fast if verdicts["this"][t].rule_name == "jobs"],
              "other questions": [t for t in fast if verdicts["this"][t].rule_name != "jobs"]}
    gc.collect()
    gc.freeze()
    best = {}
    for _ in range(ROUNDS):
        for label, router in routers.items():
            for what, items in groups.items():
                router._load_lexicon()._prepared.cache_clear()
                started = time.thread_time()
                for text in items:
                    router.route(text)
                rate = len(items) / (time.thread_time() - started)
                best[label, what] = max(best.get((label, what), 0.0), rate)
    print(f"against {checkout} (best of {ROUNDS} alternated rounds, cache cleared each round):")
    for what in groups:
        print(f"  {what:16s} ({len(groups[what])} messages) this {best['this', what]:8,.0f} msgs/s, "
              f"other {best['other', what]:8,.0f} msgs/s: {best['this', what] / best['other', what]:.2f}x")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--against", type=Path, help="another checkout whose router to compare on the fast path")
    args = parser.parse_args()
    texts = _texts()
    started = time.perf_counter()
    route("我想问问年会")  # goes through the model: loads it
    print(f"first call (loading jieba, dictionaries, model): {time.perf_counter() - started:.2f} s")
    for text in texts:
        route(text)
    fast = [t for t in texts if analyse(t).fast]
    slow = [t for t in texts if not analyse(t).fast]
    gc.collect()
    gc.freeze()

    rate, elapsed = _throughput(fast)
    print(f"rule fast path: {len(fast)} messages x {ROUNDS} in {elapsed:.2f} CPU s: {rate:,.0f} msgs/s")
    rate, elapsed = _throughput(fast, cold=False)
    print(f"fast path, repeated (cache warm): {rate:,.0f} msgs/s")
    rate, elapsed = _throughput(slow)
    print(f"model path:     {len(slow)} messages x {ROUNDS} in {elapsed:.2f} CPU s: {rate:,.0f} msgs/s")
    rate, elapsed = _throughput(texts)
    average = sum(map(len, texts)) / len(texts)
    print(f"all messages:   {len(texts)} messages (avg {average:.1f} chars) x {ROUNDS} in {elapsed:.2f} CPU s: "
          f"{rate:,.0f} msgs/s")

    for clock, what in ((time.thread_time, "CPU"), (time.perf_counter, "wall")):
        latencies = []
        for _ in range(5):
            _load_lexicon()._prepared.cache_clear()
            for text in texts:
                t0 = clock()
                route(text)
                latencies.append(clock() - t0)
        latencies.sort()
        n = len(latencies)
        print(f"one route() over {n} calls ({what} time): p50 {latencies[n // 2] * 1e3:.3f} ms, "
              f"p99 {latencies[int(n * 0.99)] * 1e3:.3f} ms, max {latencies[-1] * 1e3:.3f} ms")
    if args.against:
        _compare(texts, args.against.resolve())
    print(f"load average: {' '.join(f'{x:.1f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
