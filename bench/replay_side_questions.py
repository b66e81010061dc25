"""Score a form's answers to side questions: each line of a file is sent at one form step, and scored automatically.

    .venv/bin/python -m bench.replay_side_questions /work/qa/sideq/train.jsonl [--checkout DIR] [--show] [--only S05,S21]

Each line is {"situation": "S05", "text", "kind": other|answer|both|stop, "intent", "slots", "answer", "note"}; the
situations are the steps of /work/prompts14/sideq-situations.md (SITUATIONS below: who the member is and what they
say to reach the step). For each line a fresh member reaches the step, says the text, and it is scored:

- other: the request was answered (the handler of its intent ran, as recorded by a hook this replay puts on the
  handlers' registry; a request about the form's own subject may be answered by the step itself: its reply says more
  than the question, and refuses nothing) AND the form is kept: at the same step with nothing taken from the text,
  and "继续" asks that step's question again (or the form waits under a flow the request opened);
- answer: the form took the answer (every part of it, normalised, found in what the form or the store now holds, not
  there before) and went on (not paused);
- both: the answer taken as for `answer` AND the request answered as for `other`;
- stop: the form ended (neither open nor waiting).

The app runs as bench/replay_dialogues.py runs it (real Redis, a fresh SQLite file, the same seeded society). With
--checkout DIR the same replay runs against another checkout of the project (its code, content and model): this file
is run by DIR's .venv with DIR first on the path. Prints the score by kind and by situation; --show prints each miss
with the reply, what answered it and the form's state.
"""
from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from collections import Counter, defaultdict
from dataclasses import dataclass, replace
from pathlib import Path

FOLLOWER, MEMBER = "follower", "member"
EVENT = "新材料产业沙龙"


@dataclass(frozen=True)
class Situation:
    who: str  # FOLLOWER: not bound; MEMBER: bound to a roster member of its own
    path: tuple[str, ...]  # what the member says to reach the step
    flow: str  # the flow the step belongs to
    own: tuple[str, ...]  # the intents of the form's own subject


SIGNUP = ("我要入会", "1", "张三", "2", "1980", "郑州大学", "1", "2", "化学", "15937126688", "跳过")
SITUATIONS = {
    "S01": Situation(FOLLOWER, SIGNUP[:1], "signup", ("signup",)),
    "S02": Situation(FOLLOWER, SIGNUP[:2], "signup", ("signup",)),
    "S03": Situation(FOLLOWER, SIGNUP[:3], "signup", ("signup",)),
    "S04": Situation(FOLLOWER, SIGNUP[:4], "signup", ("signup",)),
    "S05": Situation(FOLLOWER, SIGNUP[:5], "signup", ("signup",)),
    "S06": Situation(FOLLOWER, SIGNUP[:6], "signup", ("signup",)),
    "S07": Situation(FOLLOWER, SIGNUP[:8], "signup", ("signup",)),
    "S08": Situation(FOLLOWER, SIGNUP[:9], "signup", ("signup",)),
    "S09": Situation(FOLLOWER, SIGNUP, "signup", ("signup",)),
    "S10": Situation(FOLLOWER, ("我要入会", "2"), "signup", ("signup",)),
    "S11": Situation(FOLLOWER, ("我要入会", "2", "河南示范新材料有限公司", "91350100M000100Y43"), "signup", ("signup",)),
    "S12": Situation(FOLLOWER, ("绑定会员",), "profile", ("profile",)),
    "S13": Situation(FOLLOWER, ("绑定会员", "{name}"), "profile", ("profile",)),
    "S14": Situation(FOLLOWER, ("绑定会员", "{name}", "{member_no}"), "profile", ("profile",)),
    "S15": Situation(MEMBER, ("修改手机",), "profile", ("profile",)),
    "S16": Situation(MEMBER, ("修改单位",), "profile", ("profile",)),
    "S17": Situation(FOLLOWER, (f"我要报名{EVENT}",), "event_signup", ("event_signup", "events")),
    "S18": Situation(MEMBER, (f"我要报名{EVENT}",), "event_signup", ("event_signup", "events")),
    "S19": Situation(MEMBER, (f"我要报名{EVENT}", "确认", f"取消报名{EVENT}"), "event_signup", ("event_signup", "events")),
    "S20": Situation(FOLLOWER, ("我想提个建议",), "feedback", ("feedback",)),
    "S21": Situation(MEMBER, ("我要开发票",), "invoice", ("fee_status",)),
    "S22": Situation(MEMBER, ("我要开发票", "抬头写郑州示范数据有限公司"), "invoice", ("fee_status",)),
    "S23": Situation(MEMBER, ("订阅",), "subscribe", ("subscribe",)),
    "S24": Situation(MEMBER, (f"我要帮同事报名{EVENT}",), "event_signup", ("event_signup", "events")),
}
# Where the answer is a go-ahead, not a value to keep (a confirm step, the “忘了” the question offers): taken when the
# form goes on to its next step or ends with the store changed.
GO_AHEAD_SITUATIONS, GO_AHEAD_ANSWERS = {"S09", "S18", "S19"}, {"忘了"}
# Requests told apart by the labels that the account answers in one place: an event's facts and its registration.
SAME_ANSWER = {"events": {"events", "event_signup"}, "event_signup": {"events", "event_signup"}}
BOOKKEEPING = {"then", "misses", "short_list", "asked_about", "replaced", "reminded_at", "restored"}
REFUSALS = re.compile(r"^validation\.|\.bad_|not_understood|_is_unit$|_is_a_number$|no_number|not_title|again$")
PLAIN = re.compile(r"[\s，,。.!！?？、:：;；]+")
NAMES = "程立新 韩春梅 潘志强 冯晓丽 邓国平 曹雪琴 彭海军 蒋玉兰 蔡建中 贾秀英".split()


def plain(text: str) -> str:
    return PLAIN.sub("", str(text or "")).upper()


class Recorder:
    """What answered a message: the intents, events and steps whose registered handlers ran, and the reply keys."""

    def __init__(self):
        self.calls: list[str] = []
        self.keys: list[str] = []

    def install(self) -> None:
        from bot import content
        from bot.registry import EVENT_HANDLERS, FLOW_STEPS, INTENT_HANDLERS

        def wrapped(label, handler):
            def call(*args, **kwargs):
                self.calls.append(label)
                return handler(*args, **kwargs)
            call.__dict__.update(handler.__dict__)  # reads_only and the like
            return call

        for name, handler in list(INTENT_HANDLERS.items()):
            INTENT_HANDLERS[name] = wrapped(f"intent:{name}", handler)
        for name, handler in list(EVENT_HANDLERS.items()):
            EVENT_HANDLERS[name] = wrapped(f"event:{name}", handler)
        for key, found in list(FLOW_STEPS.items()):
            FLOW_STEPS[key] = replace(found, handler=wrapped(f"step:{key[0]}/{key[1]}", found.handler))
        text = content.text

        def keyed(key, **fields):
            self.keys.append(key)
            return text(key, **fields)
        content.text = keyed

    def start(self) -> None:
        self.calls, self.keys = [], []

    def intents(self) -> set[str]:
        return {call.split(":", 1)[1] for call in self.calls if call.startswith("intent:")}


class World:
    """The app with the society seeded (bench/replay_dialogues.py), a fresh member for each line."""

    def __init__(self, data_dir: Path):
        import redis

        from bench.replay_dialogues import seed
        from bot.app import create_app
        from bot.config import load_config
        from storage.database import open_database
        from storage.redis_server import ensure_private_redis

        url, _ = ensure_private_redis(data_dir / "redis")
        redis.Redis.from_url(url).flushdb()
        self.redis = redis.Redis.from_url(url)
        self.config = load_config({
            "BOT_ENV": "development", "BOT_DATA_DIR": str(data_dir / "data"), "REDIS_URL": url,
            "WECHAT_TOKEN": "testtoken", "WECHAT_APP_ID": "wx1234567890abcdef", "WECHAT_APP_SECRET": "testsecret",
            "WECHAT_API_BASE": "http://127.0.0.1:9/cgi-bin/",
            "WECHAT_ENCODING_AES_KEY": "kWxPEV2UEDyxWpmPdKC3F4dgPDmOvfKX1HGnEUDS1aR",
            "ADMIN_SECRET_KEY": "replay-admin-secret-key-0123456789abcdef"})
        self.client = create_app(self.config).test_client()
        self.db = open_database(self.config.sqlite_path)
        seed(self.db)
        self.tables = [row[0] for row in self.db.execute("select name from sqlite_master where type = 'table'").fetchall()
                       if "openid" in {column[1] for column in self.db.execute(f"pragma table_info('{row[0]}')").fetchall()}]

    def member(self, number: int, line: dict):
        """The line's member, who has reached nothing yet, and the words of its path filled in."""
        from storage.members import insert_member
        from storage.sqlite import transaction
        from tests.member import Member

        openid = f"o_side_{number}"
        name, member_no, mobile = NAMES[number % len(NAMES)], f"HNKX2023{number:05d}", f"1377{number:07d}"
        answer = plain(line.get("answer"))
        if line["situation"] == "S13" and re.fullmatch(r"[A-Z]{2,6}\d{6,}", answer):
            member_no = answer  # the number the member gives, on the roster
        if line["situation"] == "S14" and re.fullmatch(r"\d{4}", answer):
            mobile = f"1377{number:03d}{answer}"  # the last four digits the member gives, right
        on_roster = self.db.execute("select name from members where member_no = ?", [member_no]).fetchone()
        if on_roster:  # the number given is a seeded member's: bind as that member
            return Member(self.client, self.config, openid), {"name": on_roster[0], "member_no": member_no}
        with transaction(self.db):
            insert_member(self.db, {"member_no": member_no, "name": name, "mobile": mobile, "category": "regular",
                                    "paid_through": "2030-12-31", "work_unit": "郑州大学",
                                    "openid": openid if SITUATIONS[line["situation"]].who == MEMBER else None},
                          actor="replay")
        return Member(self.client, self.config, openid), {"name": name, "member_no": member_no}

    def flow(self, openid: str) -> dict | None:
        from storage.state import chat_flow
        return chat_flow(self.redis, openid)

    def stored(self, openid: str) -> str:
        """Every row of the store that names the member, as one text."""
        rows = []
        for table in self.tables:
            cursor = self.db.execute(f"select * from [{table}] where openid = ?", [openid])
            columns = [column[0] for column in cursor.description]
            rows += [{table: dict(zip(columns, row))} for row in cursor.fetchall()]
        return json.dumps(rows, ensure_ascii=False, default=str)


def _form_of(flow: dict | None, name: str) -> dict | None:
    """The form `name` as open (the flow itself) or waiting under the flow the member is in."""
    if flow is None:
        return None
    if flow.get("name") == name:
        return flow
    waiting = flow.get("waiting")
    return waiting if waiting and waiting.get("name") == name else None


def _data(flow: dict | None) -> dict:
    return {key: value for key, value in (flow or {}).get("data", {}).items() if key not in BOOKKEEPING}


def _codes_said() -> dict[str, str]:
    """What the store keeps as a code, by the words the member uses for it."""
    from bot import content

    said = {"individual": "个人", "unit": "单位"}
    said.update(content.load_toml("membership.toml")["categories"])
    said.update(content.load_toml("newsletter_settings.toml")["topics"])
    return said


def _taken(answer: str, before: str, after: str) -> bool:
    """Every part of the answer is in what the form and the store hold now, and they changed."""
    parts = [plain(part) for part in re.split(r"[\s,，、]+", answer or "") if plain(part)]
    held = plain(after)
    return after != before and bool(parts) and all(part in held or _one_in_other(part, held) for part in parts)


def _one_in_other(part: str, held: str) -> bool:
    """"企业" said, "企业或技术推广部门" kept: an option named by its start."""
    return any(word.startswith(part) for word in re.findall(r"[\u4e00-\u9fff]+", held)) if len(part) >= 2 else False


def _state_text(world: World, openid: str, flow_name: str) -> str:
    form = _form_of(world.flow(openid), flow_name)
    held = f"{json.dumps(_data(form), ensure_ascii=False)} {world.stored(openid)}"
    return held + " ".join(word for code, word in _codes_said().items() if f'"{code}"' in held)  # "regular": 普通会员


def score(world: World, recorder: Recorder, number: int, line: dict) -> dict:
    situation = SITUATIONS[line["situation"]]
    member, fill = world.member(number, line)
    for said in situation.path:
        reply = member.says(said.format(**fill))
    flow_before = world.flow(member.openid)
    form_before = _form_of(flow_before, situation.flow)
    result = {"line": line, "reached": reply, "misses": []}
    if form_before is None:
        result["misses"].append(f"not reached: {flow_before and (flow_before['name'], flow_before['step'])}")
        return result
    step = form_before["step"]
    before = _state_text(world, member.openid, situation.flow)
    recorder.start()
    result["reply"] = member.says(line["text"])
    calls, keys = list(recorder.calls), list(recorder.keys)
    result["calls"] = [call for call in calls if call != "event:text:about_society"]  # asked of every message
    flow_after = world.flow(member.openid)
    form_after = _form_of(flow_after, situation.flow)
    after = _state_text(world, member.openid, situation.flow)
    result["state"] = flow_after and {key: flow_after.get(key) for key in ("name", "step", "paused")} | (
        {"waiting": (flow_after["waiting"]["name"], flow_after["waiting"]["step"])} if flow_after.get("waiting") else {})
    kind = line["kind"]
    if kind == "stop":
        if form_after is not None:
            result["misses"].append("form not ended")
        return result
    if kind in ("answer", "both"):
        went_on = form_after is None or not form_after.get("paused") and form_after is flow_after
        moved = form_after is None and world.stored(member.openid) not in before or \
            form_after is not None and form_after["step"] != step
        go_ahead = line["situation"] in GO_AHEAD_SITUATIONS or plain(line["answer"]) in GO_AHEAD_ANSWERS
        if not (moved if go_ahead else _taken(line["answer"], before, after)):
            result["misses"].append("answer not taken")
        elif not went_on:
            result["misses"].append("answer taken, form paused")
    if kind in ("other", "both"):
        wanted = SAME_ANSWER.get(line["intent"], {line["intent"]})
        own = line["intent"] in situation.own and f"step:{situation.flow}/{step}" in calls and not any(
            REFUSALS.search(key) for key in keys) and len(plain(result["reply"])) > len(plain(_question(world, member, form_before)))
        if not (wanted & {call.split(":", 1)[1] for call in calls if call.startswith("intent:")}) and not own:
            result["misses"].append(f"not answered as {line['intent']}")
    if kind == "other":
        if form_after is None:
            result["misses"].append("form dropped")
        elif form_after["step"] != step or _data(form_after) != _data(form_before) or after != before and \
                situation.flow in ("signup", "invoice") and _data(form_after) != _data(form_before):
            result["misses"].append(f"form changed: {form_after['step']} {_data(form_after)}")
        elif form_after is flow_after and form_after.get("paused"):
            member.says("继续")
            again = world.flow(member.openid)
            if again is None or again.get("name") != situation.flow or again["step"] != step or again.get("paused"):
                result["misses"].append(f"继续 did not come back: {again and (again['name'], again['step'])}")
    return result


_QUESTIONS: dict[tuple[str, str], str] = {}


def _question(world: World, member, form: dict) -> str:
    """The step's question as "继续" asks it (the length a reply must pass to say more than the question)."""
    key = (form["name"], form["step"])
    if key not in _QUESTIONS:
        from bot.conversation import Context, ask_again
        from bot.messages import Inbound
        ctx = Context(world.client.application.extensions.get("services"), Inbound(openid=member.openid, account="gh_replay",
                                                                                     kind="text", create_time=0, text="继续"),
                      form)
        try:
            _QUESTIONS[key] = ask_again(ctx).text or ""
        except Exception:  # noqa: BLE001 (a question built from the store: no shorter bar then)
            _QUESTIONS[key] = ""
    return _QUESTIONS[key]


def replay(path: Path, only: set[str], show: bool) -> None:
    from storage.redis_server import stop_private_redis

    lines = [json.loads(text) for text in path.read_text(encoding="utf-8").splitlines() if text.strip()]
    lines = [line for line in lines if not only or line["situation"] in only]
    data_dir = Path(tempfile.mkdtemp(prefix="sideq-"))
    try:
        world = World(data_dir)
        recorder = Recorder()
        recorder.install()
        results = [score(world, recorder, number, line) for number, line in enumerate(lines, 1)]
        world.db.close()
    finally:
        stop_private_redis(data_dir / "redis")
        shutil.rmtree(data_dir, ignore_errors=True)
    report(results, show)


def report(results: list[dict], show: bool) -> None:
    by_kind, by_situation = defaultdict(Counter), defaultdict(Counter)
    for result in results:
        line, right = result["line"], not result["misses"]
        for table, key in ((by_kind, line["kind"]), (by_situation, line["situation"])):
            table[key]["right" if right else "wrong"] += 1
    from bot import content

    right = sum(1 for result in results if not result["misses"])
    print(f"checkout: {Path(content.__file__).resolve().parents[1]}")
    print(f"right: {right} of {len(results)}")
    print("by kind:      " + "  ".join(f"{kind} {c['right']}/{c['right'] + c['wrong']}" for kind, c in sorted(by_kind.items())))
    print("by situation: " + "  ".join(f"{s} {c['right']}/{c['right'] + c['wrong']}" for s, c in sorted(by_situation.items())))
    if not show:
        return
    for result in results:
        if not result["misses"]:
            continue
        line = result["line"]
        print(f"\n--- {line['situation']} {line['kind']} {line['intent'] or ''} {line['answer'] or ''}: {line['text']!r}")
        print("    miss:  " + "; ".join(result["misses"]))
        if "reply" in result:
            print("    calls: " + " ".join(call for call in result["calls"]))
            print(f"    state: {result['state']}")
            print("    reply: " + result["reply"].replace("\n", "\n           "))
        else:
            print("    reached: " + result["reached"].replace("\n", "\n             "))


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("file", type=Path)
    parser.add_argument("--checkout", type=Path, help="another checkout of the project to replay against")
    parser.add_argument("--only", default="", help="comma-separated situations (S01,S21)")
    parser.add_argument("--show", action="store_true", help="print each miss")
    args = parser.parse_args(argv)
    here = Path(__file__).resolve().parents[1]
    if args.checkout is not None and args.checkout.resolve() != here:
        checkout = args.checkout.resolve()
        python = checkout / ".venv" / "bin" / "python"
        command = [str(python if python.exists() else sys.executable), str(Path(__file__).resolve()),
                   str(args.file.resolve()), "--only", args.only] + (["--show"] if args.show else [])
        env = {**os.environ, "PYTHONPATH": str(checkout), "SIDEQ_CHECKOUT": str(checkout)}
        return subprocess.call(command, cwd=checkout, env=env)
    if os.environ.get("SIDEQ_CHECKOUT"):
        sys.path.insert(0, os.environ["SIDEQ_CHECKOUT"])
    else:
        sys.path.insert(0, str(here))
    replay(args.file, {item for item in args.only.split(",") if item}, args.show)
    return 0


if __name__ == "__main__":
    sys.exit(main())
