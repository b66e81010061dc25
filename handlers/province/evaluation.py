"""The province's evaluation of its societies (总结评估，确定等次，予以公布), from each one's own data.

Each indicator is a number the product already holds in the society's own store (where it comes
from is said beside it in content/replies/province.toml, [province.indicators]), scored 0 to 1
against the province's marks (content/province.toml, [evaluation]), and weighted. A rate whose
base is empty (no tickets, no dues on record, no council roles entered) is `missing`, never 0:
it is left out of the society's score and out of its weight, and a society whose indicators with
data carry less than `min_coverage` of the weight is not graded ("数据不足") rather than graded
on a few numbers. A count (newsletters sent, events held) is what the account did: 0 is 0.
Past one machine each host reads the figures of its own societies' stores (figures_here); the
scoring and ranking are done once, over all of them.
"""
from __future__ import annotations

import statistics
from dataclasses import asdict, dataclass
from datetime import date
from pathlib import Path

from bot import content
from bot.platform.shards import host_question
from bot.spreadsheets import MAX_COLUMN_WIDTH, display_width
from handlers import governance
from handlers.fees import dues
from handlers.province.common import SETTINGS_FILE, SettingsRefused, registry, say, settings
from handlers.province.hosts import everywhere
from storage import province as store
from storage.fees import list_dues_payers
from storage.societies import list_societies, open_society_database

COUNCIL_BODIES = ("president_group", "standing_council", "council")  # the bodies 三三三一 applies to


@dataclass
class Indicator:
    key: str
    value: float | None  # None: missing
    shown: str           # the value as the province reads it ("85.0%", "12", "缺数据")
    score: float | None  # 0..1, None when missing
    note: str = ""       # the figures behind a rate ("收缴 34/40")


@dataclass
class Result:
    appid: str
    society_name: str
    indicators: dict[str, dict]
    score: float
    coverage: float
    grade: str
    rank: int | None


def rules() -> dict:
    """[evaluation] of the province's settings, checked: every key there (a weight per indicator, the
    marks the scores need), no weight for what is not an indicator, every number a number, a grade for
    every score. A line deleted or misspelt is named, not met as a wrong ranking or a failure later."""
    found = settings().get("evaluation", {})
    unknown = [key for key in found.get("weights", {}) if key not in INDICATORS]
    if unknown:
        raise SettingsRefused("unknown_setting", file=SETTINGS_FILE, section=_section_name("weights"),
                              setting=unknown[0], allowed="、".join(INDICATORS))
    for section, needed in _NEEDED.items():
        missing = [key for key in needed if key not in found.get(section, {})]
        if missing:
            raise SettingsRefused("missing_setting", file=SETTINGS_FILE, section=_section_name(section),
                                  settings="、".join(_named(key) for key in missing),
                                  expected=say(f"settings.{section}"))
    for section, key, low, high in _NUMBERS:
        values = found.get(section, {}) if section else found
        for name, value in (values.items() if key is None else [(key, values.get(key))]):
            if isinstance(value, bool) or not isinstance(value, (int, float)) or not low <= value <= high:
                raise SettingsRefused("bad_setting", file=SETTINGS_FILE, section=_section_name(section), setting=name,
                                      written="" if value is None else str(value),
                                      expected=say(f"settings.{section or key}"))
    grades = found.get("grades") or []
    if not grades or any(not isinstance(g.get("min_score"), (int, float)) or not g.get("name") for g in grades) \
            or min(g["min_score"] for g in grades) > 0:
        raise SettingsRefused("bad_grades", file=SETTINGS_FILE)
    return found


# Every indicator, in the order `indicators` gives them; each has its weight in [evaluation.weights].
INDICATORS = ("members", "member_growth", "unit_members", "unit_service", "dues_collection", "newsletters",
              "resolutions", "newsletter_reach", "events_held", "attendance", "tickets_answered", "ticket_speed",
              "structure_333", "fellow_cap", "term_on_time")
# The keys each section must have: what `indicators` reads.
_NEEDED = {"weights": INDICATORS,
           "full_at": ("members", "member_growth", "unit_members", "newsletters", "resolutions", "events_held"),
           "zero_at": ("ticket_speed_full", "ticket_speed")}

# (section under [evaluation], one key or None for every key, the lowest and highest allowed)
_NUMBERS = [("weights", None, 0, 1000), ("full_at", None, 0, 10**9), ("zero_at", None, 0, 10**9),
            (None, "min_coverage", 0, 1)]


def _named(key: str) -> str:
    """An indicator's key with its name ("members（个人会员人数）"); another key as it is."""
    return say("settings.named", setting=key, name=say(f"indicators.{key}.name")) if key in INDICATORS else key


def _section_name(section: str | None) -> str:
    return f"evaluation.{section}" if section else "evaluation"


def _share(part: int, whole: int) -> float | None:
    return part / whole if whole else None


def _upto(value: float | None, full: float) -> float | None:
    return None if value is None else max(0.0, min(1.0, value / full))


def _percent(value: float | None) -> str:
    return say("evaluation.missing") if value is None else f"{value * 100:.1f}%"


def _count(value: float | None) -> str:
    return say("evaluation.missing") if value is None else str(int(value))


def _structure(council: list[dict], today: date) -> tuple[float | None, str]:
    """Share of (body, dimension) make-ups within the 3:3:3:1 ratio, over the bodies with anyone known."""
    if not council:
        return None, ""
    bodies, _unknown = governance.council_bodies(council, today)
    checked = [c for body in bodies if body.key in COUNCIL_BODIES for c in body.compositions if c.known]
    if not checked:
        return None, ""
    within = sum(1 for c in checked if not c.gaps)
    return within / len(checked), say("evaluation.note_structure", within=within, checked=len(checked))


def _term(term: dict, on: date) -> float | None:
    """1 while the term runs (or its renewal plan is due), 0 once it has ended without renewal."""
    if not term.get("term_end"):
        return None
    status = governance.term_status(date.fromisoformat(term["term_start"]) if term.get("term_start") else None,
                                    date.fromisoformat(term["term_end"]), on)
    return 0.0 if status["stage"] == "ended" else 1.0


def fellow_share() -> float:
    """The fellows' cap as the society's membership rules give it (content/membership.toml)."""
    return float(content.load_toml("membership.toml")["fellows"]["max_share"])


def indicators(figures: dict, on: date) -> list[Indicator]:
    """Every indicator of one society from its figures (storage.province.society_figures), as of `on`."""
    full, zero = rules()["full_at"], rules()["zero_at"]
    members = figures["members"] or None  # no individual member on file: the roster is not in the system
    growth = _share(figures["members_joined"], figures["members_before"])
    units = figures["units"] or None
    service = _share(figures["units_with_members"], figures["units"])
    dues = _share(figures["dues_paid"], figures["dues_members"]) if figures["payments"] else None
    reach = _share(figures["deliveries_reached"], figures["deliveries"])
    attendance = _share(figures["checked_in"], figures["registered"]) if figures["checkins_recorded"] else None
    answered = _share(figures["tickets_answered"], figures["tickets"])
    hours = statistics.median(figures["first_reply_hours"]) if figures["first_reply_hours"] else None
    speed = None if hours is None else max(0.0, min(1.0, (zero["ticket_speed"] - hours)
                                                    / (zero["ticket_speed"] - zero["ticket_speed_full"])))
    structure, structure_note = _structure(figures["council"], on)
    cap = fellow_share()
    fellows = None if members is None else float(figures["fellows"] <= int(figures["members"] * cap))
    term = _term(figures["term"], on)
    missing = say("evaluation.missing")
    return [
        Indicator("members", members, _count(members), _upto(members, full["members"])),
        Indicator("member_growth", growth, _percent(growth), _upto(growth, full["member_growth"]),
                  say("evaluation.note_growth", joined=figures["members_joined"], before=figures["members_before"])),
        Indicator("unit_members", units, _count(units), _upto(units, full["unit_members"])),
        Indicator("unit_service", service, _percent(service), service,
                  say("evaluation.note_units", serving=figures["units_with_members"], units=figures["units"])),
        Indicator("dues_collection", dues, _percent(dues), dues,
                  say("evaluation.note_dues", paid=figures["dues_paid"], due=figures["dues_members"])),
        Indicator("newsletters", figures["newsletters"], _count(figures["newsletters"]),
                  _upto(figures["newsletters"], full["newsletters"])),
        Indicator("resolutions", figures["resolutions"], _count(figures["resolutions"]),
                  _upto(figures["resolutions"], full["resolutions"])),
        Indicator("newsletter_reach", reach, _percent(reach), reach,
                  say("evaluation.note_reach", reached=figures["deliveries_reached"], total=figures["deliveries"])),
        Indicator("events_held", figures["events_held"], _count(figures["events_held"]),
                  _upto(figures["events_held"], full["events_held"])),
        Indicator("attendance", attendance, _percent(attendance), attendance,
                  say("evaluation.note_attendance", came=figures["checked_in"], registered=figures["registered"])),
        Indicator("tickets_answered", answered, _percent(answered), answered,
                  say("evaluation.note_tickets", answered=figures["tickets_answered"], tickets=figures["tickets"])),
        Indicator("ticket_speed", hours, missing if hours is None else say("evaluation.hours", hours=hours), speed),
        Indicator("structure_333", structure, _percent(structure), structure, structure_note),
        Indicator("fellow_cap", fellows, missing if fellows is None else say(
            "evaluation.yes" if fellows else "evaluation.no"), fellows,
            say("evaluation.note_fellows", fellows=figures["fellows"], members=figures["members"])),
        Indicator("term_on_time", term, missing if term is None else say(
            "evaluation.yes" if term else "evaluation.no"), term),
    ]


def score(found: list[Indicator]) -> tuple[float, float]:
    """(score out of 100 over the indicators with data, the share of the weight they carry)."""
    weights = rules()["weights"]
    total = sum(weights.values())
    present = [(weights[i.key], i.score) for i in found if i.score is not None]
    carried = sum(w for w, _ in present)
    if not carried:
        return 0.0, 0.0
    return round(100 * sum(w * s for w, s in present) / carried, 1), round(carried / total, 3)


def grade_of(points: float, coverage: float) -> str:
    if coverage < rules()["min_coverage"]:
        return say("evaluation.not_graded")
    return next(g["name"] for g in rules()["grades"] if points >= g["min_score"])


@host_question
def figures_here(config, r, year: int, year_end: str) -> list[dict]:
    """The raw figures of every society of this host, each from its own store."""
    found = []
    with registry(config) as opened:
        for society in list_societies(opened):
            db = open_society_database(opened, society["appid"])
            try:
                figures = dict(store.society_figures(db, year, year_end), **_dues_figures(db, year, year_end))
            finally:
                db.close()
            found.append({"appid": society["appid"], "name": society["name"], "figures": figures})
    return found


def _dues_figures(db, year: int, year_end: str) -> dict:
    """The year's dues of the society's individual members as its own 会费 page counts them (dues.collection):
    paid, and due (in force, not exempt, joined before their first dues year)."""
    counts = dues.collection([p for p in list_dues_payers(db) if p["kind"] == "member"], year,
                             date.fromisoformat(year_end))
    return {"dues_paid": counts["paid"], "dues_members": counts["due"]}


def evaluate(config, r, year: int, today: date | None = None) -> list[Result]:
    """Every registered society's indicators for `year` (every host's), scored, graded and ranked
    (graded first, by score)."""
    today = today or date.today()
    on = min(date(year, 12, 31), today)
    results = []
    for society in everywhere(config, r, figures_here, year=year, year_end=on.isoformat()):
        found = indicators(society["figures"], on)
        points, coverage = score(found)
        results.append(Result(society["appid"], society["name"], {i.key: asdict(i) for i in found}, points,
                              coverage, grade_of(points, coverage), None))
    graded = sorted((found for found in results if found.coverage >= rules()["min_coverage"]),
                    key=lambda found: -found.score)
    for position, result in enumerate(graded, start=1):
        result.rank = position
    return graded + sorted((found for found in results if found.rank is None), key=lambda found: found.society_name)


def indicator_keys() -> list[str]:
    return list(rules()["weights"])


def export(results: list[Result], year: int, path: Path) -> None:
    """The evaluation for publication: the ranking with every indicator, and how each is measured."""
    from openpyxl import Workbook  # here, not at the top: the bot's start needs none of it (issue 18)
    from openpyxl.styles import Alignment, Font, PatternFill

    header_fill = PatternFill("solid", fgColor="1F4E79")
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = say("evaluation.sheet_results")
    keys = indicator_keys()
    header = [say(f"evaluation.columns.{c}") for c in ("rank", "society", "grade", "score", "coverage")]
    header += [say(f"indicators.{k}.name") for k in keys]
    sheet.append([say("evaluation.title", year=year)])
    sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(header))
    sheet["A1"].font = Font(bold=True, size=16, color="1F4E79")
    sheet.append(header)
    for cell in sheet[2]:
        cell.font, cell.fill = Font(bold=True, color="FFFFFF"), header_fill
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
    for result in results:
        sheet.append([result.rank or "", result.society_name, result.grade, result.score,
                      f"{result.coverage * 100:.0f}%", *[result.indicators[k]["shown"] for k in keys]])
    _fit(sheet, [header, *[[r.society_name] for r in results]])
    sheet.freeze_panes = "C3"
    notes = workbook.create_sheet(say("evaluation.sheet_method"))
    weights = rules()["weights"]
    notes.append([say(f"evaluation.columns.{c}") for c in ("indicator", "weight", "source")])
    for cell in notes[1]:
        cell.font, cell.fill = Font(bold=True, color="FFFFFF"), header_fill
    for key in keys:
        notes.append([say(f"indicators.{key}.name"), weights[key], say(f"indicators.{key}.source")])
    notes.append([])
    notes.append([say("evaluation.method_missing", coverage=f"{rules()['min_coverage'] * 100:.0f}%")])
    _fit(notes, [[say(f"indicators.{k}.name"), "", say(f"indicators.{k}.source")] for k in keys])
    workbook.save(path)


def _fit(sheet, rows: list[list]) -> None:
    from openpyxl.utils import get_column_letter

    for position in range(max(len(row) for row in rows)):
        texts = [str(row[position]) for row in rows if position < len(row)]
        width = max(display_width(text) for text in texts) + 2
        sheet.column_dimensions[get_column_letter(position + 1)].width = min(max(width, 8), MAX_COLUMN_WIDTH)
