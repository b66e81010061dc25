"""`python -m bot intent`: one JSON object per input line, for anyone scoring the router;
`--eval FILE` scores a labelled file; `train` builds the model from content/ deterministically."""
import json
import subprocess
import sys
from pathlib import Path

import pytest

from bot.config import PROJECT_ROOT


def run_bot(*args: str, stdin: bytes = b"", env: dict | None = None) -> subprocess.CompletedProcess:
    result = subprocess.run([sys.executable, "-m", "bot", *args], input=stdin, cwd=PROJECT_ROOT,
                            capture_output=True, timeout=300, env=env)
    assert result.returncode == 0, result.stderr.decode()
    return result


def run_intent(stdin: bytes) -> list[dict]:
    result = run_bot("intent", stdin=stdin)
    return [json.loads(line) for line in result.stdout.decode("utf-8").splitlines()]


def test_one_json_object_per_line_in_order_with_confidence():
    out = run_intent("取消订阅招聘\n招聘 算法 郑州\n\n咋交会费\n".encode())
    assert [(o["intent"], o["slots"]) for o in out] == [
        ("unsubscribe", {"topic": "jobs"}),
        ("jobs", {"keywords": ["算法"], "city": "郑州"}),
        ("unknown", {}),
        ("fee_status", {}),
    ]
    assert all(0.0 <= o["confidence"] <= 1.0 for o in out)
    assert out[0]["confidence"] == 1.0  # a clear rule hit


def test_bad_bytes_and_crlf_do_not_stop_the_stream():
    out = run_intent(b"\xff\xfe\xfa\r\n\xe4\xbc\x9a\xe8\xb4\xb9\r\n")  # invalid UTF-8, then 会费
    assert len(out) == 2
    assert out[1]["intent"] == "fee_status"


def test_ten_thousand_lines_all_answered():
    lines = ["我想入会", "最近有什么活动", "订阅政策资讯", "人工客服"] * 2500
    out = run_intent(("\n".join(lines) + "\n").encode())
    assert len(out) == 10_000
    assert [o["intent"] for o in out[:4]] == ["signup", "events", "subscribe", "human"]


def test_eval_prints_accuracy_per_intent_and_confusions(tmp_path):
    labelled = tmp_path / "labelled.jsonl"
    rows = [
        {"text": "我想入会", "intent": "signup", "slots": {}},
        {"text": "招聘 算法 郑州", "intent": "jobs", "slots": {"keywords": ["算法"], "city": "郑州"}},
        {"text": "招聘 化工 洛阳", "intent": "jobs", "slots": {"keywords": ["化工"], "city": "郑州"}},  # city wrong
        {"text": "会费怎么交", "intent": "news", "slots": {"topic": None}},  # label wrong on purpose
    ]
    labelled.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    out = run_bot("intent", "--eval", str(labelled)).stdout.decode()
    assert "intent accuracy 75.0% (3/4)" in out
    assert "slot accuracy   33.3% (1/3 with slots" in out  # jobs right, jobs city wrong, news intent wrong
    assert "news -> fee_status: 1" in out
    signup_line = next(line for line in out.splitlines() if line.startswith("signup"))
    assert signup_line.split()[1:3] == ["100.0%", "100.0%"]


def test_a_fresh_checkout_trains_deterministically(tmp_path):
    """The tracked files alone (no var/, as a new clone has) train with one command, twice over
    to the same weights bit for bit, and those are the weights this checkout trains."""
    import shutil

    import numpy as np

    from bot import intent_model
    from bot.router import feature_names_of

    tracked = subprocess.run(["git", "ls-files"], cwd=PROJECT_ROOT, capture_output=True, text=True,
                             check=True).stdout.splitlines()
    clone = tmp_path / "clone"
    for name in tracked:
        if (PROJECT_ROOT / name).is_file() and not name.startswith(("docs/", "tests/")):
            (clone / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(PROJECT_ROOT / name, clone / name)
    models = []
    for _ in range(2):
        result = subprocess.run([sys.executable, "-m", "bot", "intent", "train", "--force"], cwd=clone,
                                capture_output=True, timeout=300)
        assert result.returncode == 0, result.stderr.decode()
        assert b"trained" in result.stdout
        [path] = (clone / "var" / "intent_model").glob("*.npz")
        with np.load(path) as f:
            models.append({k: f[k].copy() for k in f.files})
    first, second = models
    assert all(np.array_equal(first[k], second[k]) for k in first)
    here = intent_model.train(intent_model.load_examples(), feature_names_of)
    assert np.array_equal(here.weights, first["weights"])
    routed = subprocess.run([sys.executable, "-m", "bot", "intent"], input="我想交会费\n".encode(), cwd=clone,
                            capture_output=True, timeout=120)
    assert json.loads(routed.stdout)["intent"] == "fee_status"


def test_a_change_of_features_trains_a_new_model(monkeypatch):
    """A cached model built with other n-grams must not be reused: the fingerprint names them."""
    from bot import intent_model

    before = intent_model.fingerprint()
    monkeypatch.setattr(intent_model, "NGRAMS", (*intent_model.NGRAMS, 4))
    assert intent_model.fingerprint() != before


@pytest.mark.parametrize("module", ["router.py", "intent_model.py", "pinyin.py"])
def test_a_change_of_the_code_that_computes_features_trains_a_new_model(monkeypatch, module):
    """The router and the intent model compute the model's features (bot/pinyin.py a word's initials): editing
    one without bumping FEATURE_VERSION still retrains, rather than serving a model of other features."""
    from bot import intent_model

    before = intent_model.fingerprint()
    edited, read = PROJECT_ROOT / "bot" / module, Path.read_bytes
    monkeypatch.setattr(Path, "read_bytes", lambda path: read(path) + (b"\n# a feature changed\n" if path == edited else b""))
    assert intent_model.fingerprint() != before
