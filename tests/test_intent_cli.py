"""`python -m bot intent`: one JSON object per input line, for anyone scoring the router."""
import json
import subprocess
import sys

from bot.config import PROJECT_ROOT


def run_intent(stdin: bytes) -> list[dict]:
    result = subprocess.run([sys.executable, "-m", "bot", "intent"], input=stdin, cwd=PROJECT_ROOT,
                            capture_output=True, timeout=120)
    assert result.returncode == 0, result.stderr.decode()
    return [json.loads(line) for line in result.stdout.decode("utf-8").splitlines()]


def test_one_json_object_per_line_in_order():
    out = run_intent("取消订阅招聘\n招聘 算法 郑州\n\n咋交会费\n".encode())
    assert out[0] == {"intent": "unsubscribe", "slots": {"topic": "jobs"}}
    assert out[1] == {"intent": "jobs", "slots": {"keywords": ["算法"], "city": "郑州"}}
    assert out[2]["intent"] == "unknown"
    assert out[3] == {"intent": "fee_status", "slots": {}}


def test_bad_bytes_and_crlf_do_not_stop_the_stream():
    out = run_intent(b"\xff\xfe\xfa\r\n\xe4\xbc\x9a\xe8\xb4\xb9\r\n")  # invalid UTF-8, then 会费
    assert len(out) == 2
    assert out[1]["intent"] == "fee_status"


def test_ten_thousand_lines_all_answered():
    lines = ["我想入会", "最近有什么活动", "订阅政策资讯", "人工客服"] * 2500
    out = run_intent(("\n".join(lines) + "\n").encode())
    assert len(out) == 10_000
    assert [o["intent"] for o in out[:4]] == ["signup", "events", "subscribe", "human"]
