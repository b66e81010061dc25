"""Replay written member conversations against the real app and print each reply beside what the
member expected, for a person to judge turn by turn.

    .venv/bin/python -m bench.replay_dialogues /work/qa/dialogues/dialogues.jsonl [--only d01,d46] [--out FILE]

Each line of the file is {"id", "persona", "turns": [{"member", "expect"}]}. The app runs with a real
Redis (REDIS_URL, or a private server started from the venv) and a fresh SQLite file; the society's
data is set up first through the storage functions, as the secretariat's commands would store it:
upcoming events, job postings, newsletter items, open calls and a roster. Conversations whose persona
says the member is bound, registered or complained before get that set up for their own openid.
The replies, in order, are also written as JSON lines to --out for a later diff.
"""
from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
from datetime import date, timedelta
from pathlib import Path

import redis

from bot.config import load_config
from storage.redis_server import ensure_private_redis, stop_private_redis

TODAY = date.today()


def _day(days: int) -> str:
    return (TODAY + timedelta(days=days)).isoformat()


def _next_month(day: int) -> str:
    first = (TODAY.replace(day=1) + timedelta(days=32)).replace(day=day)
    return first.isoformat()


EVENTS = [
    dict(title=f"{TODAY.year + 1}年学术年会", type="学术会议", place="郑州", starts=_day(40), fee="会员800元，非会员1000元"),
    dict(title="人工智能青年论坛", type="学术会议", place="洛阳", starts=_next_month(16), fee="免费"),
    dict(title="科研项目申报培训", type="培训", place="郑州", starts=_day(18), fee="300元"),
    dict(title="科技论文写作线上培训", type="培训", place="线上", starts=_day(12), fee="免费"),
    dict(title="新材料产业沙龙", type="沙龙", place="郑州", starts=_next_month(22), fee="免费"),
    dict(title="秋季科普报告会", type="科普活动", place="开封", starts=_day(-60), fee="免费"),
]

JOBS = [
    dict(title="算法工程师", employer="洛阳示范智能科技有限公司", city="洛阳", discipline="计算机科学", salary="12-20k"),
    dict(title="软件开发工程师", employer="中信重工洛阳研究院", city="洛阳", discipline="计算机科学", salary="10-15k"),
    dict(title="农业技术推广员", employer="洛阳市农业科学研究院", city="洛阳", discipline="农学"),
    dict(title="数据分析师", employer="郑州示范数据有限公司", city="郑州", discipline="计算机科学"),
    dict(title="材料研发工程师", employer="郑州示范新材料有限公司", city="郑州", discipline="材料科学与工程"),
    dict(title="化工工艺工程师", employer="平顶山示范化工集团", city="平顶山", discipline="化学工程"),
    dict(title="实验室技术员", employer="河南大学", city="开封", discipline="化学"),
    dict(title="嵌入式工程师", employer="郑州示范电子有限公司", city="郑州", discipline="电子信息"),
    dict(title="博士后（人工智能方向）", employer="郑州大学", city="郑州", discipline="计算机科学"),
]

NEWS = [("policy", f"关于开展{TODAY.year + 1}年度科技计划项目申报的通知", 2),
        ("policy", "省科协关于加强科技社团建设的意见", 9),
        ("policy", "科研经费管理改革政策解读", 20),
        ("talent", "青年人才托举工程申报启动", 4),
        ("talent", "博士后招收计划发布", 15),
        ("industry", "河南新材料产业发展报告发布", 6),
        ("industry", "郑州人工智能产业园项目签约", 12)] + [
        ("discipline", f"学科动态第{number}期：前沿进展综述", number) for number in range(1, 9)]

ROSTER = [  # (member_no, name, mobile, category, paid_through, openid)
    ("HNKX201500101", "刘建国", "13607719999", "regular", f"{TODAY.year}-12-31", None),
    ("HNKX201600102", "赵丽", "13838123456", "regular", f"{TODAY.year}-12-31", None),
    ("HNKX201700103", "王建华", "13525670011", "senior", f"{TODAY.year}-12-31", None),
    ("HNKX201800104", "王芳", "13939012345", "regular", f"{TODAY.year - 1}-12-31", None),
    ("HNKX201900105", "孙伟", "13903712233", "regular", f"{TODAY.year}-12-31", None),
    ("HNKX201900106", "何晓东", "13703851234", "regular", f"{TODAY.year}-12-31", "o_old_wechat"),
    ("HNKX202000107", "李小燕", "13600001111", "regular", f"{TODAY.year}-12-31", None),
    ("HNKX202100108", "于洪波", "13904511234", "regular", f"{TODAY.year}-12-31", None),
]

BOUND = "测试前请先绑定", "测试前请先让这个微信绑定"
REGISTERED, COMPLAINED = "测试前请先用这个微信报名", "测试前请先用这个微信提交一次投诉"


def seed(db) -> None:
    from handlers.jobs.postings import with_defaults
    from storage import awards, events
    from storage.jobs import save_postings
    from storage.members import insert_member
    from storage.news import save_item
    from storage.sqlite import transaction

    events.save_events(db, [({"society": "河南省示范科技学会", "title": e["title"], "type": e["type"],
                              "place": e["place"], "starts_on": e["starts"], "ends_on": e["starts"],
                              "capacity": 100, "fee": e["fee"], "signup_deadline": None}, "replay")
                            for e in EVENTS], [], actor="replay")
    save_postings(db, [with_defaults(dict(job, how_to_apply="简历发送至 hr@example.org"), TODAY) for job in JOBS],
                  TODAY.isoformat())
    for number, (topic, title, days_ago) in enumerate(NEWS, 1):
        save_item(db, {"item_no": f"N{number:03d}", "kind": "newsletter", "title": title, "topics": [topic],
                       "audience": None, "summary": f"{title}。摘要。", "link": None, "body": f"{title}。正文。",
                       "publish_at": f"{_day(-days_ago)}T09:00:00+08:00", "source": None})
    awards.save_awards(db, [({"name": "河南省科学技术奖", "kind": "award", "deadline": _day(50),
                              "eligibility": "省内从事科研工作的个人和团队", "how_to_apply": "由学会推荐，填写推荐书并附成果材料",
                              "link": "https://www.example.org/award"}, "replay"),
                            ({"name": "青年人才托举工程", "kind": "talent", "deadline": _day(25),
                              "eligibility": "35周岁以下的青年科技工作者", "how_to_apply": "本人申请、单位推荐",
                              "link": None}, "replay")], [], actor="replay")
    with transaction(db):
        for member_no, name, mobile, category, paid, openid in ROSTER:
            insert_member(db, {"member_no": member_no, "name": name, "mobile": mobile, "category": category,
                               "paid_through": paid, "openid": openid, "work_unit": "郑州大学"}, actor="replay")


def prepare(db, conversation: dict, openid: str, number: int) -> None:
    """What the persona says was true before the conversation, set up for this member."""
    from handlers.events.registration import register
    from storage.events import list_events
    from storage.members import insert_member
    from storage.tickets import create_ticket

    persona = conversation["persona"]
    if any(word in persona for word in BOUND):
        insert_member(db, {"member_no": f"HNKX2024{number:05d}", "name": "周敏", "mobile": f"1370000{number:04d}",
                           "category": "regular", "discipline": "食品科学", "work_unit": "河南工业大学",
                           "paid_through": f"{TODAY.year}-12-31", "openid": openid}, actor="replay")
    if REGISTERED in persona:
        first = list_events(db, {"from": TODAY.isoformat()})[0]
        register(db, first["id"], openid,  # a mobile of its own: two such personas may not share one
                 {"name": "周敏", "mobile": f"1370001{number:04d}", "work_unit": "河南工业大学"}, TODAY.isoformat())
    if COMPLAINED in persona:
        create_ticket(db, openid, "投诉", "上次培训报名后一直没收到开课通知，也没人回复")


def replay(path: Path, only: set[str], out) -> None:
    from bot.app import create_app
    from storage.database import open_database
    from tests.member import Member

    data_dir = Path(tempfile.mkdtemp(prefix="replay-"))
    url, _ = ensure_private_redis(data_dir / "redis")
    try:
        redis.Redis.from_url(url).flushdb()
        config = load_config({"BOT_ENV": "development", "BOT_DATA_DIR": str(data_dir / "data"), "REDIS_URL": url,
                              "WECHAT_TOKEN": "testtoken", "WECHAT_APP_ID": "wx1234567890abcdef",
                              "WECHAT_APP_SECRET": "testsecret", "WECHAT_API_BASE": "http://127.0.0.1:9/cgi-bin/",
                              "WECHAT_ENCODING_AES_KEY": "kWxPEV2UEDyxWpmPdKC3F4dgPDmOvfKX1HGnEUDS1aR",
                              "ADMIN_SECRET_KEY": "replay-admin-secret-key-0123456789abcdef"})
        client = create_app(config).test_client()
        db = open_database(config.sqlite_path)
        seed(db)
        conversations = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
        for number, conversation in enumerate(conversations, 1):
            if only and conversation["id"] not in only:
                continue
            openid = f"o_replay_{conversation['id']}"
            prepare(db, conversation, openid, number)
            member = Member(client, config, openid)
            print(f"=== {conversation['id']} {conversation['persona']}")
            for turn_no, turn in enumerate(conversation["turns"], 1):
                reply = member.says(turn["member"])
                print(f"--- {conversation['id']}.{turn_no} 会员: {turn['member']}\n    期望: {turn['expect']}")
                print("    回复: " + reply.replace("\n", "\n          "))
                if out:
                    out.write(json.dumps({"turn": f"{conversation['id']}.{turn_no}", "member": turn["member"],
                                          "reply": reply}, ensure_ascii=False) + "\n")
        db.close()
    finally:
        stop_private_redis(data_dir / "redis")
        shutil.rmtree(data_dir, ignore_errors=True)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("file", type=Path)
    parser.add_argument("--only", default="", help="comma-separated conversation ids")
    parser.add_argument("--out", type=argparse.FileType("w", encoding="utf-8"))
    args = parser.parse_args(argv)
    replay(args.file, {item for item in args.only.split(",") if item}, args.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
