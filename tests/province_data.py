"""A small province as its secretariats make it: three societies, each with its own data folder and
SQLite file (as the registry places them), each importing its own year plan from a spreadsheet
with a merged title and remarks, through the same `events import` its secretariat runs."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from storage import societies
from tests.cli import command
from tests.test_events import guide_xlsx

run_events, _ = command("events")
run_province, run_province_json = command("province")

# (appid, name, discipline, its plan rows as the secretariat typed them)
SOCIETIES = [
    ("wx1111aaaa2222bbbb", "河南省计算机学会", "工学", [
        [1, "河南省计算机学会", "2026年学术年会", "学术会议（线下）", "2026年5月20日-22日", "郑州国际会展中心",
         "学会秘书处", "300人", "5月10日", "会员500元", "年度学术交流。"],
        [2, "河南省计算机学会", "人工智能青年论坛", "青年学术论坛", "2026.3.15", "郑州大学", "青工委", "", "", "", ""],
        [3, "河南省计算机学会", "程序设计竞赛", "大赛", "2026年11月8日", "河南大学", "竞赛部", "", "", "", ""],
    ]),
    ("wx3333cccc4444dddd", "河南省植物保护学会", "农学", [
        [1, "河南省植物保护学会", "小麦病虫害防控培训班", "培训班", "2026年3月2日-4日", "商丘", "", "", "", "", ""],
        [2, "河南省植物保护学会", "植保科技下乡", "科普", "2026年5月6日", "周口", "", "", "", "", ""],
    ]),
    ("wx5555eeee6666ffff", "河南省物理学会", "理学", [
        [1, "河南省物理学会", "物理学术报告会", "报告会", "2026年5月28日", "新乡", "", "", "", "", ""],
        [2, "河南省物理学会", "中学生物理竞赛", "竞赛", "2026年9月20日", "郑州", "", "", "", "", ""],
    ]),
]


@dataclass
class Society:
    appid: str
    name: str
    env: dict

    @property
    def sqlite_path(self) -> Path:
        return Path(self.env["BOT_DATA_DIR"]) / "bot.sqlite3"


def society_env(env: dict, appid: str) -> dict:
    """The environment of a society's own secretariat: its data folder is the one the registry names."""
    folder = Path(env["BOT_DATA_DIR"]) / societies.SOCIETIES_DIR / appid
    return dict(env, BOT_DATA_DIR=str(folder), WECHAT_APP_ID=appid)


def build_province(env: dict, tmp_path: Path, status: str = societies.AUTHORIZED) -> list[Society]:
    """Register the societies, let each import its plan, set their disciplines and file 2026."""
    registry = societies.open_registry(societies.registry_path(env["BOT_DATA_DIR"]))
    built = []
    for appid, name, discipline, rows in SOCIETIES:
        societies.register_society(registry, appid, name, status=status)
        own = society_env(env, appid)
        path = guide_xlsx(tmp_path / f"{appid}-plan.xlsx", rows)
        run_events(own, "import", path, "--year", "2026")
        run_province(env, "society", appid, "--discipline", discipline)
        built.append(Society(appid, name, own))
    registry.close()
    return built


def file_all(env: dict, built: list[Society]) -> None:
    for society in built:
        run_province(env, "file", society.appid, "--year", "2026", "--by", f"{society.name}秘书处")


def filing_ids(env: dict) -> dict[str, int]:
    """{title: filing id} of everything filed."""
    return {row["title"]: row["id"] for row in run_province_json(env, "filings")}


def stamp() -> str:
    return datetime.now().isoformat(timespec="seconds")
