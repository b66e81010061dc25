"""What the first load of each member page transfers (issue 16: under 100 KB).

A fresh data directory (SQLite file, private Redis) holding a member with a realistic record
(payments, event registrations with their check-in codes, tickets with replies), 40 newsletter
items, 300 job postings and 12 events; the app served over HTTP as `make run` serves it (the
stand-in of WeChat's authorisation); headless Chromium with a phone's viewport and, for every
page, a new browser context: empty cache, no cookies, as a member tapping a menu button or a
link in a reply for the first time. Counted: every response of the load, headers and body as
transferred, the authorisation's redirects included (WeChat's own hop to open.weixin.qq.com is
not ours and is played here by the stand-in, whose redirect is counted too). No compression:
the app sends none, so behind a gzip proxy the figures only get smaller.

Run:  .venv/bin/python bench/bench_page_weight.py            # prints the table for docs/benchmarks.md
"""
from __future__ import annotations

import argparse
import logging
import os
import shutil
import sys
import tempfile
import threading
from datetime import date, timedelta
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from playwright.sync_api import sync_playwright  # noqa: E402
from werkzeug.serving import make_server  # noqa: E402

from handlers.members import certificates  # noqa: E402
from bot.config import load_config  # noqa: E402
from handlers.jobs.postings import with_defaults  # noqa: E402
from storage.database import open_database  # noqa: E402
from handlers.events.registration import register  # noqa: E402
from storage.events import save_events  # noqa: E402
from handlers.fees.payments import record_payment  # noqa: E402
from storage.fees import find_payer  # noqa: E402
from storage.jobs import save_postings  # noqa: E402
from storage.members import insert_member  # noqa: E402
from storage.news import save_item  # noqa: E402
from storage.redis_server import ensure_private_redis, stop_private_redis  # noqa: E402
from storage.sqlite import transaction  # noqa: E402
from storage.tickets import create_ticket, reply_to_ticket  # noqa: E402

BUDGET = 100 * 1024
PHONE = {"width": 390, "height": 844}
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
CITIES = ("郑州", "洛阳", "开封", "新乡", "南阳", "北京", "上海")
TITLES = ("算法工程师", "化工工程师", "博士后研究人员", "分析化学实验员", "软件开发工程师", "农业技术推广员",
          "材料研发工程师", "电气工程师", "数据分析师", "科研助理")


def seed(config) -> dict:
    """The store a member of a busy society sees; returns the ids the page URLs need."""
    db = open_database(config.sqlite_path)
    today = date.today()
    with transaction(db):
        li = insert_member(db, {"member_no": "HNKX202400012", "name": "李明", "category": "regular", "openid": "o_li",
                                "mobile": "13912346688", "email": "liming@example.org", "work_unit": "郑州示范大学",
                                "paid_through": f"{today.year - 3}-12-31", "joined_at": "2021-03-01",
                                "discipline": "材料科学"}, actor="bench")
    payer = find_payer(db, li["member_no"])
    receipts = [record_payment(db, payer, 100, 1, today - timedelta(days=400 * i), "银行转账", "bench")["receipt_no"]
                for i in range(3, 0, -1)]
    events = []
    for i in range(12):
        start = (today + timedelta(days=10 + 9 * i)).isoformat()
        events.append({"title": f"第{i + 1}期青年科技论坛：新材料与智能制造", "type": "学术会议", "starts_on": start,
                       "ends_on": start, "place": "郑州市金水区科学大道100号", "capacity": 200,
                       "description": "围绕新材料、智能制造与成果转化开展学术交流。" * 6})
    numbers, _ = save_events(db, [(event, "bench") for event in events], [], actor="bench")
    for event_no in numbers[:3]:
        event = next(db["events"].rows_where("event_no = ?", [event_no]))
        register(db, event["id"], "o_li", {"name": "李明", "member_id": li["id"], "mobile": "13912346688"},
                 today.isoformat())
    tickets = []
    for i in range(5):
        ticket_no = create_ticket(db, "o_li", "建议", f"希望学会多组织一些线上讲座，第{i + 1}条建议。" * 3)
        tickets.append(reply_to_ticket(db, ticket_no, "已收到，秘书处正在安排，感谢您的建议。" * 2, "console:staff1"))
    topics = ("policy", "discipline", "industry", "talent")
    for i in range(40):
        save_item(db, {"item_no": f"item-{i:02d}", "kind": "resolution" if i % 10 == 0 else "newsletter",
                       "title": f"关于开展2027年度科技计划项目申报工作的通知（第{i + 1}号）",
                       "topics": [] if i % 10 == 0 else [topics[i % 4]], "audience": None,
                       "summary": "重点支持人工智能、新材料、生物医药等方向，申报截止时间为 5 月 31 日。",
                       "link": None, "body": ("一、申报范围与条件。\n\n" + "具体要求详见附件。" * 40 + "\n\n") * 4,
                       "publish_at": (today - timedelta(days=i)).isoformat() + "T09:00:00+08:00", "source": None})
    postings = [with_defaults({"title": f"{TITLES[i % len(TITLES)]}{i}", "employer": f"河南省示范研究院第{i}研究所",
                               "city": CITIES[i % len(CITIES)], "discipline": "材料科学", "education": "硕士",
                               "salary": "10-15k/月", "description": "负责新材料研发与测试。" * 30,
                               "how_to_apply": "简历发送至 hr@example.org"}, today) for i in range(300)]
    saved = save_postings(db, postings, today.isoformat())
    db.close()
    return {"receipt": receipts[-1], "ticket": tickets[0]["id"], "event": numbers[0], "job": saved[0][0]["id"],
            "code": certificates.code_for(config.certificate_key, "HNKX202400012")}


def pages(ids: dict) -> list[tuple[str, str, str | None]]:
    """(name, path, who opens it: an openid through the authorisation, or None for the public page)."""
    return [
        ("会员中心", "/m/", "o_li"),
        ("修改联系方式", "/m/contact", "o_li"),
        ("留言与回复", f"/m/tickets/{ids['ticket']}", "o_li"),
        ("入会申请", "/m/apply?kind=individual", "o_newcomer"),
        ("电子会员证 (page + PNG)", "/m/certificate", "o_li"),
        ("证书验证 (public)", f"/m/verify/{ids['code']}", None),
        ("会费", "/m/dues", "o_li"),
        ("收据", f"/m/dues/receipt/{ids['receipt']}", "o_li"),
        ("活动", "/m/events", "o_li"),
        ("活动详情与报名", f"/m/events/{ids['event']}", "o_li"),
        ("电子会讯", "/m/news", "o_li"),
        ("会讯全文", "/m/news/item-01", "o_li"),
        ("招聘信息", "/m/jobs", "o_li"),
        ("招聘搜索 (郑州 工程师)", "/m/jobs?q=%E5%B7%A5%E7%A8%8B%E5%B8%88&city=%E9%83%91%E5%B7%9E", "o_li"),
        ("职位详情", f"/m/jobs/{ids['job']}", "o_li"),
    ]


def measure(browser, url: str, path: str, openid: str | None) -> dict:
    context = browser.new_context(viewport=PHONE, locale="zh-CN")
    tab = context.new_page()
    seen = []

    def finished(request):
        sizes = request.sizes()
        seen.append((request.resource_type, request.url, sizes["responseHeadersSize"] + sizes["responseBodySize"]))

    tab.on("requestfinished", finished)
    start = f"{url}/m/dev/open?{urlencode({'openid': openid, 'next': path})}" if openid else url + path
    response = tab.goto(start)
    tab.wait_for_load_state("networkidle")
    final = tab.url
    context.close()
    assert response is not None and response.status == 200, (path, response and response.status)
    assert final.split("#")[0] == url + path, (path, final)  # WeChat's #wechat_redirect stays on
    by_type: dict[str, int] = {}
    for kind, _, size in seen:
        by_type[kind] = by_type.get(kind, 0) + size
    return {"requests": len(seen), "bytes": sum(size for _, _, size in seen), "by_type": by_type}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.parse_args()
    data_dir = Path(tempfile.mkdtemp(prefix="bench-pages-"))
    redis_url, _ = ensure_private_redis(data_dir)
    try:
        config = load_config({**os.environ, "BOT_ENV": "development", "BOT_DATA_DIR": str(data_dir),
                              "REDIS_URL": redis_url, "PAGES_DEV_LOGIN": "1", "BOT_REPLICATION": "off"})
        ids = seed(config)
        from bot.app import create_app

        app = create_app(config)
        logging.getLogger("werkzeug").setLevel(logging.WARNING)  # one line per request otherwise
        server = make_server("127.0.0.1", 0, app, threaded=True)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        url = f"http://127.0.0.1:{server.server_port}"
        rows = []
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
            for name, path, openid in pages(ids):
                rows.append((name, path, measure(browser, url, path, openid)))
            browser.close()
        server.shutdown()
    finally:
        stop_private_redis(data_dir)
        shutil.rmtree(data_dir, ignore_errors=True)

    print(f"First page load per member page (new browser context each, phone viewport; budget {BUDGET // 1024} KB)\n")
    print("| page | path | requests | document | css | js | images | total | under 100 KB |")
    print("|---|---|---:|---:|---:|---:|---:|---:|---|")
    worst = 0
    for name, path, m in rows:
        kinds = m["by_type"]
        kb = lambda n: f"{n / 1024:.1f} KB"  # noqa: E731
        worst = max(worst, m["bytes"])
        print(f"| {name} | `{path.split('?')[0]}` | {m['requests']} | {kb(kinds.get('document', 0))} | "
              f"{kb(kinds.get('stylesheet', 0))} | {kb(kinds.get('script', 0))} | {kb(kinds.get('image', 0))} | "
              f"{kb(m['bytes'])} | {'yes' if m['bytes'] < BUDGET else 'NO'} |")
    print(f"\nlargest first load: {worst / 1024:.1f} KB of {BUDGET // 1024} KB")
    return 0 if worst < BUDGET else 1


if __name__ == "__main__":
    sys.exit(main())
