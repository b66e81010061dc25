"""The activity guide as files the secretariat hands on: a formatted .xlsx, and a Markdown or HTML page.

The .xlsx has the guide's own columns (content/events.toml), with the event
numbers, so it can be edited and imported back (`events import`) without
adding anything twice. The web page lists the events by month, each with its
dates, place, hosts, seats, fee and deadline; Markdown for a site generator,
HTML as one self-contained page.
"""
from __future__ import annotations

import html
from datetime import date
from itertools import groupby
from pathlib import Path

from bot import content
from handlers.events import guide
from bot.spreadsheets import SheetError, cell_border, fit_for_print, guide_sheet
from storage.events import last_signup_day

DATE_COLUMNS = ("starts_on", "ends_on", "signup_deadline")
WRAPPED_COLUMNS = ("title", "place", "description")
PAGE_STYLE = """body{font-family:-apple-system,"PingFang SC","Microsoft YaHei",sans-serif;max-width:860px;
margin:2em auto;padding:0 1em;color:#222;line-height:1.6}h1{color:#1f4e79}h2{border-bottom:2px solid #1f4e79;
padding-bottom:.2em;margin-top:2em}article{border:1px solid #ddd;border-radius:6px;padding:.8em 1.2em;margin:1em 0}
h3{margin:.2em 0 .5em}dl{display:grid;grid-template-columns:6em 1fr;margin:0}dt{color:#666}dd{margin:0}
.note{color:#666}"""


def _say(key: str, **fields) -> str:
    return content.text(f"events_cli.guide.{key}", **fields)


def title(year: int | None) -> str:
    return _say("title_year", year=year) if year else _say("title")


def _subtitle(events: list[dict]) -> str:
    """The line under the title: how many events, as of today."""
    return _say("subtitle", count=len(events), today=date.today().isoformat())


def export(path: Path, events: list[dict], year: int | None) -> None:
    """Write the guide to `path`: .xlsx, .md or .html by its suffix."""
    suffix = path.suffix.lower()
    if suffix == ".xlsx":
        _write_xlsx(path, events, year)
    elif suffix in (".md", ".html", ".htm"):
        page = _markdown(events, year) if suffix == ".md" else _html(events, year)
        path.write_text(page, encoding="utf-8")
    else:
        raise SheetError("format", file=path.name)


# --- the spreadsheet ------------------------------------------------------------------------------

def _cell(key: str, event: dict):
    value = event.get(key)
    if key in DATE_COLUMNS and value:
        return date.fromisoformat(value)
    if key == "capacity" and value is None:
        return content.text("events.seats.unlimited")
    return value


def _write_xlsx(path: Path, events: list[dict], year: int | None) -> None:
    columns = {key: spec for key, spec in guide.columns().items() if key != "dates"}
    from openpyxl import Workbook  # here, not at the top: the bot's start needs none of it (issue 18)
    from openpyxl.styles import Alignment, PatternFill
    from openpyxl.utils import get_column_letter

    month_fill = PatternFill("solid", fgColor="EAF1FB")  # every other month, so months read as blocks
    workbook = Workbook()
    labels = [spec["label"] for spec in columns.values()]
    sheet = guide_sheet(workbook, _say("sheet_name"), title(year),
                        _subtitle(events), labels, wrap_labels=True)
    border = cell_border()
    months = {}
    for event in events:
        sheet.append([_cell(key, event) for key in columns])
        shaded = months.setdefault(event["starts_on"][:7], len(months) % 2 == 1)
        for key, cell in zip(columns, sheet[sheet.max_row]):
            cell.border = border
            cell.alignment = Alignment(vertical="top", wrap_text=key in WRAPPED_COLUMNS)
            if key in DATE_COLUMNS:
                cell.number_format = "yyyy-mm-dd"
            if shaded:
                cell.fill = month_fill
    sheet.auto_filter.ref = f"A3:{get_column_letter(len(columns))}{max(sheet.max_row, 3)}"
    fit_for_print(sheet, [labels, *([str(_cell(key, event) or "") for key in columns] for event in events)])
    workbook.save(path)


# --- the web page ---------------------------------------------------------------------------------

def _months(events: list[dict]):
    """(month heading, events of that month), in date order."""
    for (year, month), group in groupby(events, key=lambda e: (e["starts_on"][:4], int(e["starts_on"][5:7]))):
        yield _say("month", year=year, month=month), list(group)


def _facts(event: dict) -> list[tuple[str, str]]:
    """(label, value) of what the page says about an event; empty values left out."""
    values = {"dates": guide.dates_text(event, date(int(event["starts_on"][:4]), 1, 1)),
              "type": event["type"], "place": event["place"], "society": event["society"],
              "organiser": event["organiser"], "seats": guide.seats_text(event), "fee": event["fee"],
              "deadline": last_signup_day(event), "event_no": event["event_no"]}
    labels = content.replies()["events_cli"]["guide"]["labels"]
    return [(labels[key], str(value)) for key, value in values.items() if value]


def _markdown(events: list[dict], year: int | None) -> str:
    lines = [f"# {title(year)}", "", _subtitle(events)]
    for heading, group in _months(events):
        lines += ["", f"## {heading}"]
        for event in group:
            lines += ["", f"### {event['title']}", ""]
            lines += [f"- **{label}**：{value}" for label, value in _facts(event)]
            if event["description"]:
                lines += ["", event["description"]]
    if not events:
        lines += ["", _say("empty")]
    return "\n".join(lines) + "\n"


def _html(events: list[dict], year: int | None) -> str:
    e = html.escape
    body = [f"<h1>{e(title(year))}</h1>",
            f'<p class="note">{e(_subtitle(events))}</p>']
    for heading, group in _months(events):
        body.append(f"<h2>{e(heading)}</h2>")
        for event in group:
            facts = "".join(f"<dt>{e(label)}</dt><dd>{e(value)}</dd>" for label, value in _facts(event))
            description = f"<p>{e(event['description'])}</p>" if event["description"] else ""
            body.append(f"<article><h3>{e(event['title'])}</h3><dl>{facts}</dl>{description}</article>")
    if not events:
        body.append(f"<p>{e(_say('empty'))}</p>")
    return ('<!DOCTYPE html>\n<html lang="zh-CN"><head><meta charset="utf-8">'
            '<meta name="viewport" content="width=device-width, initial-scale=1">'
            f"<title>{e(title(year))}</title><style>{PAGE_STYLE}</style></head>\n<body>\n"
            + "\n".join(body) + "\n</body></html>\n")
