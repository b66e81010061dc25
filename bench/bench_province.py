"""The province at scale: the annual guide compiled and the evaluation computed over every society's own file.

Builds a province in a fresh data directory: `--societies` registered societies (default 150), each
with its own SQLite file holding its members (sizes as issue 19 describes: the largest 200,000, a few
large ones, most under 20,000; about 3,000,000 in all at --scale 1), unit members, payments, a year's
newsletters with one item's deliveries, ten events with registrations and check-ins, tickets with
replies and a council; ten filings per society, approved. Rows go in with executemany (the bench
measures the province's work, not the loading). Then, each timed after one warm-up run:

  guide       handlers.province.guide.compile_guide over 1,500 approved filings, and its .xlsx and .docx
  evaluate    handlers.province.evaluation.evaluate: every society's figures from its own file,
              scored, graded, ranked; and the evaluation's .xlsx
  peak RSS    of this process after each step (ru_maxrss)

Every member follows the account and subscribes to the province's policy topic (so a province-wide
notice goes to all of them), and each society has a small job board. `--data DIR` builds the province
there once and reuses it on later runs (bench/bench_province_traffic.py and bench_province_notice.py
use the same directory): keep it out of the repository (/tmp or var/).

Run:  .venv/bin/python bench/bench_province.py                 # 150 societies, ~3,000,000 members
      .venv/bin/python bench/bench_province.py --scale 0.1     # the same shape, a tenth of the members
      .venv/bin/python bench/bench_province.py --data /tmp/xh-province   # build once, reuse after
"""
from __future__ import annotations

import argparse
import hashlib
import json
import os
import random
import resource
import shutil
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.bench_delivery import machine  # noqa: E402
from bench.bench_jobs import generate as generate_postings  # noqa: E402
from handlers.province import evaluation  # noqa: E402
from bot.config import load_config  # noqa: E402
from handlers.province.guide import compile_guide, export  # noqa: E402
from storage import province, societies  # noqa: E402
from storage.database import now_iso  # noqa: E402
from storage.jobs import save_postings  # noqa: E402

YEAR = 2026
DISCIPLINES = ["理学", "工学", "农学", "医学", "交叉学科", "科普与综合"]
BUILT = "province-built.json"  # written in the data directory when a build is complete
POSTINGS = 200  # job postings on each society's board
CATEGORIES = ["regular"] * 70 + ["student"] * 20 + ["senior"] * 9 + ["fellow"]
INSTITUTIONS = ["高等院校", "科研院所", "企业或技术推广部门", "党政机关"]
POSTS = ["管理", "科研", "应用", "基层一线"]


def society_sizes(count: int, scale: float, rng: random.Random) -> list[int]:
    """The largest 200,000, nine more between 50,000 and 150,000, the rest 8,000 to 20,000."""
    large = [200_000, 150_000, 120_000, 100_000, 100_000, 80_000, 80_000, 60_000, 60_000, 50_000][:count]
    rest = [rng.randint(8_000, 20_000) for _ in range(count - len(large))]
    return [max(50, int(n * scale)) for n in large + rest]


def appid_of(i: int) -> str:
    return "wx" + hashlib.sha1(f"society-{i}".encode()).hexdigest()[:16]


def member_openid(appid: str, i: int) -> str:
    """The openid of a society's i-th member (0-based): what a follower of that account is called."""
    return "o" + hashlib.sha1(f"{appid}-{i}".encode()).hexdigest()[:27]


def fill_society(db, appid: str, n: int, rng: random.Random) -> None:
    """One society's year, straight into its file."""
    now = now_iso()
    conn = db.conn
    conn.execute("BEGIN")
    conn.executemany(
        "INSERT INTO units (unit_no, name, status, created_at) VALUES (?, ?, 'active', ?)",
        ((f"DW{u:04d}", f"单位{u}", now) for u in range(max(1, n // 500))))
    units = max(1, n // 500)

    def members():
        for i in range(n):
            joined = f"{rng.randint(2000, YEAR)}-{rng.randint(1, 12):02d}-01"
            paid = f"{rng.choice([YEAR - 1, YEAR, YEAR + 1])}-12-31"
            yield (f"M{i:07d}", member_openid(appid, i), "会员",
                   rng.choice(CATEGORIES), 1950 + i % 55, rng.randint(1, units) if i % 7 == 0 else None,
                   rng.choice(INSTITUTIONS), rng.choice(POSTS), "active", paid, joined, now, now)
    conn.executemany(
        "INSERT INTO members (member_no, openid, name, category, birth_year, unit_id, institution_type, "
        "post_category, status, paid_through, joined_at, created_at, updated_at) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", members())
    conn.execute("INSERT INTO subscriptions (openid, topic, created_at) SELECT openid, 'policy', ? FROM members",
                 [now])
    conn.executemany("UPDATE members SET council_role = ? WHERE id = ?",
                     [("理事长" if i == 1 else "副理事长" if i < 6 else "常务理事" if i < 21 else "理事", i)
                      for i in range(1, min(n, 120) + 1)])
    conn.executemany(
        "INSERT INTO payments (member_id, amount, years, paid_at, source) VALUES (?, 100, 1, ?, 'bench')",
        ((m, f"{YEAR}-02-01") for m in range(1, n + 1, 3)))
    for item in range(12):
        conn.execute("INSERT INTO newsletters (item_no, kind, title, topics, status, publish_at, created_at) "
                     "VALUES (?, ?, '通知', '[]', 'published', ?, ?)",
                     [f"N{item}", "resolution" if item == 11 else "newsletter", f"{YEAR}-{item + 1:02d}-10", now])
    conn.executemany(
        "INSERT INTO deliveries (item_id, openid, member_id, status) SELECT 1, openid, id, "
        "CASE WHEN id % 5 = 0 THEN 'inbox' ELSE 'sent' END FROM members WHERE id <= ?", [(min(n, 20_000),)])
    for event in range(10):
        conn.execute("INSERT INTO events (event_no, guide_key, title, type, starts_on, ends_on, created_at) "
                     "VALUES (?, ?, ?, '学术会议', ?, ?, ?)",
                     [f"HD{YEAR}{event:03d}", f"|活动{event}|{YEAR}", f"学术活动{event}",
                      f"{YEAR}-{event + 1:02d}-15", f"{YEAR}-{event + 1:02d}-16", now])
        conn.executemany(
            "INSERT INTO registrations (event_id, openid, name, status, checkin_code, created_at, checked_in_at) "
            "VALUES (?, ?, '会员', 'registered', ?, ?, ?)",
            ((event + 1, f"o{event}-{r}", f"{r:06d}", now, now if r % 4 else None) for r in range(50)))
    for ticket in range(30):
        ticket_id = conn.execute("INSERT INTO tickets (ticket_no, openid, body, status, created_at) "
                                 "VALUES (?, 'o1', '咨询', 'open', ?)", [f"FK{ticket}", f"{YEAR}-05-01T09:00:00"]
                                 ).lastrowid
        if ticket % 3:
            conn.execute("INSERT INTO ticket_replies (ticket_id, text, actor, at) VALUES (?, '已答复', 'bench', ?)",
                         [ticket_id, f"{YEAR}-05-0{1 + ticket % 5}T18:00:00"])
    conn.execute("INSERT INTO settings (key, value) VALUES ('term_end', ?)", [f"{YEAR + 2}-06-30"])
    conn.execute("COMMIT")


def build(data_dir: Path, count: int, scale: float) -> tuple:
    rng = random.Random(7)
    registry = societies.open_registry(societies.registry_path(data_dir))
    sizes = society_sizes(count, scale, rng)
    started = time.perf_counter()
    for i, n in enumerate(sizes):
        appid = appid_of(i)
        societies.register_society(registry, appid, f"河南省第{i + 1:03d}学会", status=societies.AUTHORIZED)
        province.set_society_settings(registry, appid, {"discipline": DISCIPLINES[i % len(DISCIPLINES)]}, "bench")
        db = societies.open_society_database(registry, appid)
        fill_society(db, appid, n, rng)
        save_postings(db, generate_postings(POSTINGS, seed=i), date.today().isoformat())
        for event in province.society_events_of_year(db, YEAR):
            province.file_event(registry, appid, dict(event, society_name=f"河南省第{i + 1:03d}学会"), "bench")
        db.close()
    for filing in province.list_filings(registry):
        province.review_filing(registry, filing["id"], province.APPROVED, "bench")
    (data_dir / BUILT).write_text(json.dumps({"societies": count, "scale": scale, "sizes": sizes,
                                              "appids": [appid_of(i) for i in range(count)]}))
    return registry, sizes, time.perf_counter() - started


def built_province(data_dir: Path) -> dict | None:
    """What a complete earlier build in `data_dir` holds (societies, scale, sizes, appids), or None."""
    try:
        return json.loads((data_dir / BUILT).read_text())
    except (OSError, ValueError):
        return None


def ensure_province(data_dir: Path, count: int, scale: float) -> tuple:
    """(registry, sizes, build seconds or None): the province in `data_dir`, built unless a complete
    build of the same shape is there already (an unfinished one is started again from scratch)."""
    done = built_province(data_dir)
    if done and done["societies"] == count and done["scale"] == scale:
        return societies.open_registry(societies.registry_path(data_dir)), done["sizes"], None
    if data_dir.exists():
        shutil.rmtree(data_dir)
    data_dir.mkdir(parents=True)
    return build(data_dir, count, scale)


def peak_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def timed(step):
    step()  # warm: the page cache and the content files
    started = time.perf_counter()
    result = step()
    return result, time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--societies", type=int, default=150)
    parser.add_argument("--scale", type=float, default=1.0, help="members per society times this")
    parser.add_argument("--keep", action="store_true", help="keep the data directory")
    parser.add_argument("--data", type=Path, help="build here once and reuse it (kept)")
    args = parser.parse_args()
    data_dir = args.data or Path(tempfile.mkdtemp(prefix="xh-bench-province-"))
    try:
        print(machine())
        registry, sizes, build_seconds = ensure_province(data_dir, args.societies, args.scale)
        print(f"{'reused' if build_seconds is None else 'built'} {len(sizes)} societies, {sum(sizes):,} members "
              f"(largest {max(sizes):,})" + (f" in {build_seconds:.0f} s" if build_seconds else "")
              + f"; peak RSS {peak_mib():.0f} MiB; load average {os.getloadavg()[0]:.1f}")
        guide, seconds = timed(lambda: compile_guide(registry, YEAR))
        print(f"guide: {guide.count} activities of {guide.societies} societies compiled in {seconds * 1000:.0f} ms; "
              f"peak RSS {peak_mib():.0f} MiB; load {os.getloadavg()[0]:.1f}")
        for suffix in ("xlsx", "docx"):
            _, seconds = timed(lambda: export(guide, data_dir / f"guide.{suffix}"))
            print(f"guide .{suffix}: {seconds * 1000:.0f} ms ({(data_dir / f'guide.{suffix}').stat().st_size:,} bytes)")
        on = date(YEAR, 12, 31)
        config = load_config(dict(os.environ, BOT_DATA_DIR=str(data_dir)))  # one host: answered in-process
        results, seconds = timed(lambda: evaluation.evaluate(config, None, YEAR, today=on))
        graded = sum(1 for r in results if r.rank)
        print(f"evaluate: {len(results)} societies ({graded} graded) in {seconds:.2f} s, "
              f"{seconds / len(results) * 1000:.0f} ms a society; peak RSS {peak_mib():.0f} MiB; load {os.getloadavg()[0]:.1f}")
        _, seconds = timed(lambda: evaluation.export(results, YEAR, data_dir / "evaluation.xlsx"))
        print(f"evaluation .xlsx: {seconds * 1000:.0f} ms")
        registry.close()
    finally:
        if args.keep or args.data:
            print(f"kept {data_dir}")
        else:
            shutil.rmtree(data_dir, ignore_errors=True)


if __name__ == "__main__":
    main()
