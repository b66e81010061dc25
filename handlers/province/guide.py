"""The annual activity guide (《河南省科协学会年度活动指南》), compiled from every society's approved
filings: by month, then by discipline (in the order content/province.toml gives), then by date.

Only approved filings appear: an event a society has not filed, or filed and not yet approved, or
that the province returned, is left out. The same compiled guide feeds the public page, the Excel
file and the Word file, so the three never disagree. Past one machine each host gives the
approved filings of its own societies (guide_entries_here) and the guide is arranged from them all.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from bot.platform.shards import host_question
from bot.spreadsheets import cell_border, fit_for_print, guide_sheet
from handlers.province.common import registry, say, settings
from handlers.province.hosts import everywhere
from storage import province as store
from storage.societies import list_societies

# The guide's columns, in order: the key of the entry and its label under [province.guide.columns].
COLUMNS = ("dates", "title", "society_name", "type", "place", "organiser", "event_no")
CHINESE_FONT = "宋体"


@dataclass
class Discipline:
    name: str
    entries: list[dict] = field(default_factory=list)


@dataclass
class Month:
    month: int
    heading: str
    disciplines: list[Discipline] = field(default_factory=list)


@dataclass
class Guide:
    year: int
    title: str
    months: list[Month]

    @property
    def count(self) -> int:
        return sum(len(d.entries) for m in self.months for d in m.disciplines)

    @property
    def societies(self) -> int:
        return len({e["appid"] for m in self.months for d in m.disciplines for e in d.entries})


def _discipline_order(name: str) -> tuple:
    rules = settings()["guide"]
    known = rules["disciplines"]
    if name in known:
        return (0, known.index(name), "")
    return (2 if name == rules["unknown_discipline"] else 1, 0, name)


def dates_text(entry: dict) -> str:
    starts, ends = entry["starts_on"], entry["ends_on"] or entry["starts_on"]
    first = date.fromisoformat(starts)
    last = date.fromisoformat(ends)
    if last == first:
        return say("guide.one_day", month=first.month, day=first.day)
    if (last.year, last.month) == (first.year, first.month):
        return say("guide.same_month", month=first.month, day=first.day, last_day=last.day)
    return say("guide.two_months", month=first.month, day=first.day, last_month=last.month, last_day=last.day)


def guide_entries(registry, year: int) -> list[dict]:
    """The approved filings of `year` of the societies still registered, each with its society's name
    and discipline as the registry has them now."""
    societies = {s["appid"]: s for s in list_societies(registry)}
    profiles = store.society_settings(registry)
    unknown = settings()["guide"]["unknown_discipline"]
    entries = []
    for filing in store.list_filings(registry, status=store.APPROVED, year=year):
        society = societies.get(filing["appid"])
        if society is None:
            continue
        discipline = (profiles.get(filing["appid"], {}).get("discipline") or "").strip() or unknown
        entries.append(dict(filing, society_name=society["name"], discipline=discipline))
    return entries


@host_question
def guide_entries_here(config, r, year: int) -> list[dict]:
    with registry(config) as opened:
        return guide_entries(opened, year)


def arrange(year: int, entries: list[dict]) -> Guide:
    """The guide from its entries: by month, discipline, then date and title."""
    months: dict[int, dict[str, Discipline]] = {}
    for entry in entries:
        entry = dict(entry, dates=dates_text(entry))
        month = int(entry["starts_on"][5:7])
        months.setdefault(month, {}).setdefault(entry["discipline"], Discipline(entry["discipline"])).entries.append(entry)
    result = []
    for month in sorted(months):
        groups = sorted(months[month].values(), key=lambda d: _discipline_order(d.name))
        for group in groups:
            group.entries.sort(key=lambda e: (e["starts_on"], e["title"]))
        result.append(Month(month, say("guide.month", year=year, month=month), groups))
    return Guide(year, say("guide.title", year=year), result)


def compile_guide(registry, year: int) -> Guide:
    """The guide of `year` from one registry's approved filings (one host's)."""
    return arrange(year, guide_entries(registry, year))


def compile_province_guide(config, r, year: int) -> Guide:
    """The guide of `year` from the approved filings of every host's societies."""
    return arrange(year, everywhere(config, r, guide_entries_here, year=year))


def column_labels() -> list[str]:
    return [say(f"guide.columns.{key}") for key in COLUMNS]


def subtitle(guide: Guide) -> str:
    return say("guide.subtitle", count=guide.count, societies=guide.societies, today=date.today().isoformat())


def export(guide: Guide, path: Path) -> None:
    """Write the guide as .xlsx or .docx, by the file's suffix (ValueError for another)."""
    suffix = path.suffix.lower()
    if suffix == ".xlsx":
        _write_xlsx(guide, path)
    elif suffix == ".docx":
        _write_docx(guide, path)
    else:
        raise ValueError(suffix)


# --- Excel -------------------------------------------------------------------------------------------

def _write_xlsx(guide: Guide, path: Path) -> None:
    """One sheet: title, subtitle, header, then a shaded line per month and discipline and its events."""
    # openpyxl and python-docx are imported where a file is written: the bot's start needs neither (issue 18).
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, NamedStyle, PatternFill

    section_fill = PatternFill("solid", fgColor="EAF1FB")
    entry_style = NamedStyle("guide_entry", border=cell_border(), alignment=Alignment(vertical="top", wrap_text=True))
    workbook = Workbook()
    workbook.add_named_style(entry_style)
    sheet = guide_sheet(workbook, say("guide.sheet_name"), guide.title, subtitle(guide), column_labels())
    width = len(COLUMNS)
    texts, row = [column_labels()], 3
    for month in guide.months:
        for group in month.disciplines:
            sheet.append([say("guide.section", month=month.heading, discipline=group.name)])
            row += 1  # counted: sheet.max_row looks at every cell each time
            sheet.merge_cells(start_row=row, start_column=1, end_row=row, end_column=width)
            sheet.cell(row, 1).font, sheet.cell(row, 1).fill = Font(bold=True, color="1F4E79"), section_fill
            for entry in group.entries:
                values = [entry[key] or "" for key in COLUMNS]
                texts.append(values)
                sheet.append(values)
                row += 1
                for column in range(1, width + 1):  # one named style: openpyxl would hash a new style per cell
                    sheet.cell(row, column).style = entry_style.name
    if not guide.months:
        sheet.append([say("guide.empty")])
    fit_for_print(sheet, texts)
    workbook.save(path)


# --- Word ---------------------------------------------------------------------------------------------

def _chinese(run_or_style) -> None:
    """Word picks the East Asian font apart from the Latin one: set both, or Chinese falls back."""
    from docx.oxml.ns import qn

    run_or_style.font.name = CHINESE_FONT
    properties = run_or_style.element.get_or_add_rPr()
    fonts = properties.find(qn("w:rFonts"))
    if fonts is None:
        fonts = properties.makeelement(qn("w:rFonts"), {})
        properties.append(fonts)
    fonts.set(qn("w:eastAsia"), CHINESE_FONT)


def _write_docx(guide: Guide, path: Path) -> None:
    """A printable document: the title, then per month a heading, per discipline a heading and a table."""
    from docx import Document
    from docx.enum.section import WD_ORIENT
    from docx.shared import Pt

    document = Document()
    section = document.sections[0]
    section.orientation = WD_ORIENT.LANDSCAPE
    section.page_width, section.page_height = section.page_height, section.page_width
    for name in ("Normal", "Title", "Heading 1", "Heading 2"):
        _chinese(document.styles[name])
    document.styles["Normal"].font.size = Pt(10.5)
    document.add_heading(guide.title, level=0)
    document.add_paragraph(subtitle(guide))
    labels = column_labels()
    for month in guide.months:
        document.add_heading(month.heading, level=1)
        for group in month.disciplines:
            document.add_heading(group.name, level=2)
            table = document.add_table(rows=1, cols=len(COLUMNS))
            table.style = "Table Grid"
            for cell, label in zip(table.rows[0].cells, labels):
                cell.text = label
                for run in cell.paragraphs[0].runs:
                    run.bold = True
            for entry in group.entries:
                for cell, key in zip(table.add_row().cells, COLUMNS):
                    cell.text = str(entry[key] or "")
    if not guide.months:
        document.add_paragraph(say("guide.empty"))
    document.save(path)
