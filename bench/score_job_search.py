"""Job search by chat on members' own words: the share of questions whose reply lists the right postings.

    .venv/bin/python -m bench.score_job_search tests/data/jobq_heldout11.jsonl [--show] [--postings FILE]

The replay world of bench/replay_dialogues.py, with the postings of --postings (a JSON list of postings with an
id each; tests/data/jobq_postings.json, 40 of them, when not given) in place of its nine, their place and
education stored as `jobs import` stores them (四川省绵阳市 as 绵阳, 本科及以上 as 本科); each line of FILE (text, expect, maybe: posting ids a blind writer said a good search lists) is sent as
a new member's first message, and a posting counts as listed when its title and its employer are both in the
reply. A line is right when nothing outside expect + maybe is listed and, if expect is not empty, at least one
expected posting is; when expect is empty (nothing fits), when nothing is listed.
tests/data/jobq_heldout11.jsonl is held out (docs/intent-labels.md): measure on it, never tune on it.
"""
from __future__ import annotations

import argparse
import io
import json
import sys
import tempfile
from contextlib import redirect_stdout
from datetime import date
from pathlib import Path

from bench import replay_dialogues

POSTINGS = Path(__file__).resolve().parent.parent / "tests" / "data" / "jobq_postings.json"


def listed_in(reply: str, postings: list[dict]) -> set[str]:
    return {p["id"] for p in postings if p["title"] in reply and p["employer"] in reply}


def as_imported(posting: dict) -> dict:
    """A posting's place and education as the import's cleaners store them (one they refuse stays as written)."""
    from bot.validation import Invalid
    from handlers.jobs.postings import CLEANERS

    cleaned = dict(posting)
    for field in ("city", "education"):
        try:
            cleaned[field] = CLEANERS[field](posting[field], date.today().year) if posting.get(field) else None
        except Invalid:
            pass
    return cleaned


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("file", type=Path)
    parser.add_argument("--show", action="store_true", help="print each wrong line with its reply")
    parser.add_argument("--postings", type=Path, default=POSTINGS, help="the board (default: %(default)s)")
    args = parser.parse_args(argv)
    postings = json.loads(args.postings.read_text(encoding="utf-8"))
    replay_dialogues.JOBS = [as_imported({k: v for k, v in p.items() if k != "id"}) for p in postings]
    questions = [json.loads(line) for line in args.file.read_text(encoding="utf-8").splitlines() if line.strip()]
    conversations = Path(tempfile.mkdtemp()) / "questions.jsonl"
    conversations.write_text("".join(json.dumps({"id": f"j{n:03d}", "persona": "job seeker",
                                                 "turns": [{"member": q["text"], "expect": ""}]}, ensure_ascii=False)
                                     + "\n" for n, q in enumerate(questions)), encoding="utf-8")
    out = io.StringIO()
    with redirect_stdout(io.StringIO()):
        replay_dialogues.replay(conversations, set(), out)
    replies = [json.loads(line)["reply"] for line in out.getvalue().splitlines()]
    right = found = clean = expected = honest = empty = 0
    for question, reply in zip(questions, replies):
        listed = listed_in(reply, postings)
        wanted = set(question["expect"])
        allowed = wanted | set(question.get("maybe", []))
        if wanted:
            expected += 1
            hit = bool(listed & wanted)
            found += hit
            clean += hit and listed <= allowed
            ok = hit and listed <= allowed
        else:
            empty += 1
            ok = not listed
            honest += ok
        right += ok
        if args.show and not ok:
            print(f"MISS {question['text']!r} expect={sorted(wanted)} listed={sorted(listed)}\n   {reply[:300]!r}")
    print(f"job search: {right}/{len(questions)} right ({100 * right / len(questions):.1f}%); "
          f"postings expected: found {found}/{expected}, found with nothing wrong listed {clean}/{expected}; "
          f"nothing fitting: said so {honest}/{empty}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
