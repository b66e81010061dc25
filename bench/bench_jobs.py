"""Job search latency at 10,000 and 100,000 postings (a benchmark, not a timed test).

For each size: a fresh SQLite file, N realistic postings generated from word
lists (titles built from a field and a job title, employers from a city and a
kind of institution, Henan's cities more often than others and Zhengzhou
most, descriptions from phrases; 3% already past their expiry) stored through
storage.jobs.save_postings, as `jobs import` does.
Then a few hundred member messages ("招聘 算法 郑州", "有没有化学方向的博士后",
"洛阳 工程师", with and without a city, some with typos and FTS syntax) are
routed by bot.router as the chat does, and each search is timed:

  search   one storage.jobs.search for the router's keywords and city
           (FTS5 match, bm25 ranking, visibility check; a page of 5 and one
           more to know whether there is a next page);
  chat     what handlers/jobs/chat.py does for the message: handlers.jobs.board.find
           with the message's text (its filters; the ladder when nothing matches
           as asked: typo, word beginnings, broader words; the offers when nothing
           does) and then bot.paging's fetch of the first page (5 + 1 rows).
           Routing is not included. `statements` counts the SQLite statements
           of one chat question, FTS5's own reads of its tables included.

Postings already past their expiry are taken down after loading, and the index
merged into one segment, as the nightly `expire_postings` job does.

Every query runs once to warm the page cache, then `--repeat` times measured.

Run:  .venv/bin/python bench/bench_jobs.py                    # 10,000 and 100,000 postings
      .venv/bin/python bench/bench_jobs.py --sizes 20000 --queries 300 --repeat 5
"""
from __future__ import annotations

import argparse
import os
import platform
import random
import shutil
import sqlite3
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot import content  # noqa: E402
from handlers.jobs import board as job_board
from bot.router import route  # noqa: E402
from storage.database import open_database  # noqa: E402
from storage.jobs import expire_postings, save_postings, search, tidy_index  # noqa: E402

HENAN = ["郑州", "开封", "洛阳", "平顶山", "安阳", "鹤壁", "新乡", "焦作", "濮阳", "许昌", "漯河",
         "三门峡", "南阳", "商丘", "信阳", "周口", "驻马店", "济源"]
FIELDS = {  # discipline -> fields a title starts with
    "计算机": ["算法", "软件", "前端", "后端", "java", "python", "大数据", "人工智能", "机器学习", "计算机视觉",
            "嵌入式", "测试", "运维", "数据库", "网络安全"],
    "化学": ["有机化学", "分析化学", "化学", "化工", "高分子", "催化", "精细化工"],
    "材料": ["材料", "新材料", "金属材料", "复合材料", "电池材料", "半导体"],
    "电气": ["电气", "自动化", "电力", "新能源", "储能", "电机"],
    "机械": ["机械", "机械设计", "液压", "数控", "智能制造", "机器人"],
    "生物医药": ["生物", "生物医药", "药物", "医学检验", "基因", "疫苗"],
    "农学": ["农业", "育种", "植保", "土壤", "农产品加工", "畜牧"],
    "土木": ["土木", "建筑", "结构", "岩土", "道路桥梁", "给排水"],
    "环境": ["环境", "环保", "生态", "水处理", "大气监测"],
    "经济管理": ["财务", "项目管理", "人力资源", "市场", "统计"],
}
TITLES = ["工程师", "高级工程师", "助理工程师", "研究员", "副研究员", "助理研究员", "博士后", "技术员",
          "实验员", "研发人员", "技术人员", "科研助理", "讲师", "教师", "分析师", "检测员", "项目经理", "专员"]
ORG_KINDS = ["大学", "理工学院", "师范学院", "科学院", "研究院", "农业科学院", "设计研究院", "检测中心",
             "科技有限公司", "股份有限公司", "集团有限公司", "新材料有限公司", "生物科技有限公司",
             "智能装备有限公司", "电力公司", "化工有限公司", "医院", "职业技术学院"]
ORG_NAMES = ["中原", "华豫", "黄河", "嵩山", "伏牛", "天中", "宛城", "商都", "龙门", "太行", "中州", "豫北",
             "豫南", "淮河", "汇通", "恒信", "宏达", "远航", "瑞丰", "金泰", "新华", "中科", "华电", "中铁"]
EDUCATION = ["不限", "大专", "本科", "本科", "硕士", "硕士", "博士"]
DUTIES = ["负责{f}方向的研发工作", "参与{f}相关项目的设计与实施", "开展{f}领域的科学研究", "承担{f}相关的测试与分析",
          "负责{f}产品的技术支持", "参与国家和省级{f}科研项目", "负责实验室{f}平台的建设与维护",
          "协助完成{f}技术标准的制定", "从事{f}方向的教学和科研"]
NEEDS = ["熟悉{f}相关技术", "具有{f}项目经验者优先", "{d}及相关专业", "有较强的沟通能力和团队合作精神",
         "能吃苦耐劳，适应出差", "有发表论文或专利者优先", "具备独立开展研究的能力", "英语六级以上",
         "持有相关职业资格证书", "身体健康，责任心强"]
BENEFITS = ["五险一金", "提供住房补贴", "安家费面议", "带薪年假", "解决户口", "子女入学", "年终奖", "提供人才公寓"]

QUERY_TEMPLATES = ["招聘 {f} {c}", "{c} {t}", "有没有{f}方向的{t}", "{c}有{f}的岗位吗", "找工作 {f}",
                   "招聘 {f}{t}", "{f} {t} {c}", "{c}的{t}招聘", "我想找{c}的{f}工作", "招聘 {f}"]
ODD_QUERIES = ["招聘 算法 鄭州", "招聘 ＡＩ 郑州", "招聘 机器学系", "招聘 \"算法\" OR 化学*", "招聘 NEAR(化学) ^材料:",
               "有没有博士候的岗位", "招聘 量子计算 郑州", "洛阳 区块链 工程师", "招聘信息", "郑州 招聘"]


def generate(n: int, seed: int = 1) -> list[dict]:
    rnd = random.Random(seed)
    cities = content.load_toml("intents.toml")["jobs"]["cities"]
    today = date.today()
    postings = []
    for i in range(n):
        discipline = rnd.choice(list(FIELDS))
        field = rnd.choice(FIELDS[discipline])
        city = rnd.choice(HENAN) if rnd.random() < 0.8 else rnd.choice(cities)
        if rnd.random() < 0.3:
            city = "郑州"  # the capital has the most postings
        old = rnd.random() < 0.03  # a few past their expiry, taken down by `jobs expire`
        posted = today - timedelta(days=rnd.randrange(100, 200) if old else rnd.randrange(0, 50))
        employer = f"{city}{rnd.choice(ORG_NAMES)}{rnd.choice(ORG_KINDS)}"
        sentences = [rnd.choice(DUTIES), rnd.choice(DUTIES), rnd.choice(NEEDS), rnd.choice(NEEDS),
                     "待遇：" + "、".join(rnd.sample(BENEFITS, 3))]
        low = rnd.randrange(4, 20)
        postings.append({
            "title": f"{field}{rnd.choice(TITLES)}", "employer": employer, "city": city,
            "discipline": discipline, "education": rnd.choice(EDUCATION),
            "salary": f"{low}-{low + rnd.randrange(2, 10)}k/月" if rnd.random() < 0.7 else None,
            "description": "；".join(s.format(f=field, d=discipline) for s in sentences) + f"。（编号 {i}）",
            "how_to_apply": f"简历发送至 hr{i}@example.org，注明应聘岗位",
            "posted_on": posted.isoformat(),
            "expires_on": (posted + timedelta(days=30 if old else rnd.choice([60, 90, 120, 180]))).isoformat(),
            "source": "secretariat", "unit_id": None,
        })
    return postings


def member_messages(count: int, seed: int = 2) -> list[str]:
    rnd = random.Random(seed)
    fields = [f for group in FIELDS.values() for f in group]
    titles = ["工程师", "研究员", "博士后", "技术员", "教师", "实验员", "分析师"]
    messages = list(ODD_QUERIES)
    while len(messages) < count:
        messages.append(rnd.choice(QUERY_TEMPLATES).format(f=rnd.choice(fields), t=rnd.choice(titles),
                                                          c=rnd.choice(HENAN[:8])))
    return messages


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(share * (len(ordered) - 1))))]


def chat(db, message: str, slots: dict, today: str) -> None:
    """The storage work of one chat search (handlers/jobs/chat.find_jobs, bot/paging.show)."""
    found = job_board.find(db, slots.get("keywords", []), slots.get("city"), today, message)
    if found.anything:
        search(db, found.query, today, limit=6)


def one_size(n: int, messages: list[str], repeat: int) -> dict:
    data_dir = Path(tempfile.mkdtemp(prefix="xh-bench-jobs-"))
    try:
        db = open_database(data_dir / "bench.sqlite3")
        started = time.perf_counter()
        postings = generate(n)
        for first in range(0, n, 5000):
            save_postings(db, postings[first:first + 5000], date.today().isoformat())
        load_seconds = time.perf_counter() - started
        today = date.today().isoformat()
        expired = len(expire_postings(db, today))
        tidy_index(db)
        asked = []
        for message in messages:
            intent = route(message)
            slots = intent.slots if intent.name == "jobs" else {}
            asked.append((message, slots, job_board.find(db, slots.get("keywords", []), slots.get("city"), today,
                                                         message).asked))
        timings = {"search": [], "chat": []}
        hits = 0
        for message, slots, query in asked:  # warm-up
            hits += bool(search(db, query, today, limit=6))
            chat(db, message, slots, today)
        statements = [0]
        db.conn.set_trace_callback(lambda _: statements.__setitem__(0, statements[0] + 1))
        for message, slots, _ in asked:
            chat(db, message, slots, today)
        db.conn.set_trace_callback(None)
        for _ in range(repeat):
            for message, slots, query in asked:
                t = time.perf_counter()
                search(db, query, today, limit=6)
                timings["search"].append((time.perf_counter() - t) * 1000)
                t = time.perf_counter()
                chat(db, message, slots, today)
                timings["chat"].append((time.perf_counter() - t) * 1000)
        db.close()
        size_mb = (data_dir / "bench.sqlite3").stat().st_size / 1e6
        return {"postings": n, "load_seconds": load_seconds, "db_mb": size_mb, "queries": len(asked),
                "statements": statements[0] / len(asked),
                "visible": n - expired,
                "with_results": hits, **{f"{kind}_{name}": value for kind, values in timings.items()
                                         for name, value in (("p50", percentile(values, 0.5)),
                                                             ("p99", percentile(values, 0.99)),
                                                             ("max", max(values)))}}
    finally:
        shutil.rmtree(data_dir, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--queries", type=int, default=300)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    messages = member_messages(args.queries)
    print(f"# {platform.processor() or platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()}, "
          f"SQLite {sqlite3.sqlite_version}, load average {os.getloadavg()[0]:.1f} at start")
    print(f"# {len(messages)} member messages, each searched {args.repeat} times after a warm-up")
    print("| postings (open) | load (s) | DB (MB) | answered as asked | search p50 | search p99 | chat p50 "
          "| chat p99 | chat max | statements a chat question |")
    print("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for n in args.sizes:
        r = one_size(n, messages, args.repeat)
        print(f"| {n:,} ({r['visible']:,}) | {r['load_seconds']:.0f} | {r['db_mb']:.0f} | {r['with_results']}/{r['queries']} "
              f"| {r['search_p50']:.2f} ms | {r['search_p99']:.2f} ms | {r['chat_p50']:.2f} ms "
              f"| {r['chat_p99']:.2f} ms | {r['chat_max']:.2f} ms | {r['statements']:.0f} |", flush=True)


if __name__ == "__main__":
    main()
