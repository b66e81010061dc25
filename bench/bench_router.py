"""Throughput of bot.router.route on one core.

Routes every message of tests/data/router_labelled.jsonl, repeated, after a
warm-up pass (the first call loads jieba and the dictionaries, ~1 s), and
prints messages per second. route() caches no results, so repeating the set
measures real work.

Run: .venv/bin/python bench/bench_router.py
"""
from __future__ import annotations

import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.router import route  # noqa: E402

ROUNDS = 30


def main() -> None:
    with (ROOT / "tests/data/router_labelled.jsonl").open(encoding="utf-8") as f:
        texts = [json.loads(line)["text"] for line in f if line.strip()]

    started = time.perf_counter()
    route("warm-up")
    print(f"first call (loading): {time.perf_counter() - started:.2f} s")
    for text in texts:
        route(text)

    started = time.perf_counter()
    for _ in range(ROUNDS):
        for text in texts:
            route(text)
    elapsed = time.perf_counter() - started
    count = ROUNDS * len(texts)
    average = sum(map(len, texts)) / len(texts)
    print(f"{count} messages (avg {average:.1f} chars) in {elapsed:.2f} s: {count / elapsed:,.0f} msgs/s")


if __name__ == "__main__":
    main()
