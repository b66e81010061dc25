"""The secretariat's spreadsheets (.xlsx and .csv) in and out, whatever they are about.

Rosters, bank statements, job lists and event sign-ups arrive as sheets people
made by hand: a merged title over the header, two-row headers under merged
group cells, column names spelled several ways, numbers stored as numbers,
blank rows and a notes row at the bottom. `read_table` turns such a sheet into
`(row_number, {canonical_column: value})` pairs, keeping Excel's row numbers
and column letters so a report can point at the cell to fix. What the values
must look like is the caller's business (see handlers/members/roster.py).
"""
from __future__ import annotations

import colorsys
import csv
import io
import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path

# openpyxl is imported inside the functions that use it: no message needs it, and imported here
# it cost every start of the bot about half a second (issue 18).


HEADER_SEARCH_ROWS = 20  # the header is somewhere near the top, under titles and remarks
MIN_HEADER_MATCHES = 2
MIN_RESTART_MATCHES = 3  # a header again under the table: a record holds two words like 单位 and 收入 at most
NOTE_MARKERS = ("备注", "注:", "注意", "说明", "合计", "总计", "制表", "填表", "审核", "联系人",
                "本期合计", "本月合计", "本页合计", "小计", "期初余额", "期末余额", "承前页", "过次页",
                "借方笔数", "贷方笔数", "总笔数", "总交易", "打印时间", "打印日期",
                "统计日期", "统计时间", "统计截止", "截至", "数据截至", "更新")
MAX_COLUMN_WIDTH = 50
XLSX_SUFFIXES = (".xlsx", ".xlsm")
READ_SUFFIXES = (*XLSX_SUFFIXES, ".xls", ".csv")  # .xls: old Excel and WPS, and many banks' exports


class SheetError(ValueError):
    """The file cannot be read as a table: `reason` is a content key, `facts` fill its text."""

    def __init__(self, reason: str, **facts):
        super().__init__(reason)
        self.reason, self.facts = reason, facts


@dataclass(frozen=True)
class Column:
    key: str          # canonical name, e.g. "mobile"
    header: str       # as written in the file, e.g. "联系电话"
    letter: str       # Excel's column letter, e.g. "D"
    index: int        # position in the row, from 0


@dataclass
class Sheet:
    columns: dict[str, Column]
    rows: list[tuple[int, dict]]                    # (Excel row number, {key: value})
    header_rows: list[int]
    notes: list[tuple[int, str]] = field(default_factory=list)
    ignored: list[Column] = field(default_factory=list)  # headers that name no known column
    gathered: dict[str, list[Column]] = field(default_factory=dict)  # key -> every column of it
    titles: list[str] = field(default_factory=list)  # text above the header, line by line
    name: str | None = None                          # the worksheet's name (.xlsx)
    shifted: list[int] = field(default_factory=list)  # rows read one column to the left (see `anchor`)
    fills: dict[tuple[int, int], str] = field(default_factory=dict)  # (row, column index) -> a cell's fill, ARGB
    sections: list[tuple[int, str]] = field(default_factory=list)  # (row, text) of a heading row: 一、理事单位
    new_header: int | None = None  # the row of this part's header when it is a header again under another table
    not_imported: str | None = None  # why no row of it is imported (a list of people that is not a roster)

    def section_of(self, row: int) -> str | None:
        """The text of the last heading row above `row` (the rows under 二、理事单位 are its units)."""
        return next((text for at, text in reversed(self.sections) if at < row), None)


# --- reading ------------------------------------------------------------------

def read_table(path: Path | str, aliases: dict[str, list[str]],
               gather: dict[str, tuple[str, ...]] | None = None, anchor: str | None = None) -> Sheet:
    """Find the header (by the column names in `aliases`) and return the data rows under it.

    For each key in `gather` the row holds every column of that key, as a list
    of (header, value): its aliases, and any other header containing one of the
    words given (a statement's 摘要, 附言 and 交易备注 all carry remarks).
    `anchor`: a column every row fills (a roster's 姓名); a row with it empty and the rest of the
    record one column to the right, out to the last column, is read one column to the left.
    """
    grid, name, found = _best_sheet(_read(Path(path)), _alias_index(aliases), anchor)
    return _table(grid, name, found, gather, anchor)


def read_tables(path: Path | str, aliases: dict[str, list[str]],
                gather: dict[str, tuple[str, ...]] | None = None, anchor: str | None = None,
                others: str | None = None) -> list[Sheet]:
    """Every worksheet holding a table with rows, in the workbook's order (three branches' forms,
    one sheet each); the error of `read_table` when none does.

    `others`: the key under which each row holds the (header, value) cells of the columns no alias
    names (a roster's 办公电话 or 情况说明 beside its known columns), so the caller can keep them."""
    index = _alias_index(aliases)
    sheets = []
    for grid, name in _read(Path(path), active_first=False):
        try:
            found = _find_header(grid, index, anchor)
        except SheetError:
            continue
        if any(not is_blank(v) for row in grid[found[0][-1]:] for v in row):
            sheets.extend(_parts(grid, name, found, index, gather, anchor, others))
    sheets = [sheet for sheet in sheets if sheet.rows]
    if sheets:
        return sheets
    grid, name, found = _best_sheet(_read(Path(path)), index, anchor)
    return [_table(grid, name, found, gather, anchor, others)]


def _parts(grid: list[list], name: str | None, found, index: dict[str, str], gather, anchor: str | None,
           others: str | None) -> list[Sheet]:
    """The table, or one table per header when a header row comes again further down with the rows under
    it in its own columns (a roster stitched from the branches' lists, each under its own header): each
    part is read by its own header, keeps the sheet's titles and headings, and says where it starts."""
    parts: list[Sheet] = []
    while True:
        end, again = _header_again(grid, index, found[0])
        part = _table(grid, name, found, gather, anchor, others, end, again)
        if parts:
            part.titles, part.sections = parts[0].titles, [*parts[-1].sections, *part.sections]
            part.new_header = found[0][0]
        parts.append(part)
        if end is None:
            return parts
        found = _find_header(grid, index, anchor, at=end)


def _header_again(grid: list[list], index: dict[str, str], header_rows: list[int]) -> tuple[int | None, set[int]]:
    """Under a header: the row (index) of the first header naming other columns or other places, None
    when none does; and the rows above it repeating the header (a bank's page 2), which are no records."""
    header = [_matches(grid[row - 1], index) for row in header_rows]
    again = set()
    for at in range(header_rows[-1], len(grid)):
        if _is_header_row(grid[at], index):
            if _matches(grid[at], index) not in header:
                return at, again
            again.add(at)
    return None, again


def _is_header_row(row: list, index: dict[str, str]) -> bool:
    """A row under the table that is a header again: most of its cells, and at least three, name columns."""
    named = len(_matches(row, index))
    return named >= MIN_RESTART_MATCHES and named * 2 > sum(not is_blank(v) for v in row)


def _table(grid: list[list], name: str | None, found, gather, anchor: str | None,
           others: str | None = None, end: int | None = None, again: set[int] = frozenset()) -> Sheet:
    header_at, columns, ignored = found
    gathered = {key: _gathered(key, words, columns, ignored) for key, words in (gather or {}).items()}
    taken = {column.index for found in gathered.values() for column in found}
    ignored = [column for column in ignored if column.index not in taken]
    titles = [" ".join(dict.fromkeys(str(v).strip() for v in row if isinstance(v, str) and v.strip()))
              for row in grid[:header_at[0] - 1]]
    sheet = Sheet(columns=columns, rows=[], header_rows=header_at, ignored=ignored, gathered=gathered,
                  titles=[t for t in titles if t], name=name, fills=getattr(grid, "fills", {}))
    width = max(column.index for column in [*columns.values(), *ignored]) + 1
    for index in range(header_at[-1], len(grid) if end is None else end):
        row = grid[index]
        if index in again:
            continue  # the header once more, over a printed page
        if anchor in columns and _shifted(row, columns[anchor].index, width):
            row = row[:columns[anchor].index] + row[columns[anchor].index + 1:] + [None]
            sheet.shifted.append(index + 1)
        values = {key: row[column.index] for key, column in columns.items()}
        if all(is_blank(v) for v in row):
            continue
        said = list(dict.fromkeys(str(v).strip() for v in row if not is_blank(v)))
        if _is_heading(said, row, values):
            sheet.sections.append((index + 1, said[0]))  # 二、理事单位 (merged or not) over the rows under it
        if _is_note(row):  # also one written in a column no header names (统计日期：… under 序号)
            sheet.notes.append((index + 1, next(str(v) for v in row if not is_blank(v))))
            continue
        if all(is_blank(v) for v in values.values()):
            continue  # a pre-numbered template row with nothing filled in
        for key, found in gathered.items():
            values[key] = [(column.header, row[column.index]) for column in found]
        if others:
            values[others] = [(column.header, row[column.index]) for column in ignored if column.index < len(row)]
        sheet.rows.append((index + 1, values))
    return sheet


_NUMBERED = re.compile(r"[\s(（]*[一二三四五六七八九十\d]+[\s)）、.．]")  # 二、 (三) 1.


def _is_heading(said: list[str], row: list, values: dict) -> bool:
    """A row of one text over the rows under it (二、理事单位): merged across the row, outside the
    table's columns, or numbered. One text in a column of the table, unnumbered, is a record that
    has only that cell filled (a unit's name with no contact yet)."""
    if len(said) != 1 or said[0].isdigit():
        return False
    return _is_note(row) or all(is_blank(v) for v in values.values()) or bool(_NUMBERED.match(said[0]))


def _shifted(row: list, at: int, width: int) -> bool:
    """The anchor's cell is empty, the next holds a value, and the record runs out to the header's
    last column or beyond: typed one cell to the right from the anchor on."""
    filled = [position for position, value in enumerate(row) if not is_blank(value)]
    return (at + 1 < len(row) and is_blank(row[at]) and not is_blank(row[at + 1])
            and bool(filled) and filled[-1] >= width - 1 and len([p for p in filled if p > at]) >= 3)


def _gathered(key: str, words: tuple[str, ...], columns: dict[str, Column],
              ignored: list[Column]) -> list[Column]:
    """Every column of `key`, left to right: the one taken, its other aliases, and headers with `words`."""
    found = [columns[key]] if key in columns else []
    found += [c for c in ignored if c.key == key
              or (not c.key and any(header_key(w) in header_key(c.header) for w in words))]
    return sorted(found, key=lambda column: column.index)


def _best_sheet(sheets: list[tuple[list[list], str | None]], index: dict[str, str], anchor: str | None = None):
    """The worksheet holding the table: the one whose header names most known columns and has rows
    under it. A workbook may open on its notes sheet (说明), or keep the data on its third sheet
    behind an empty template; the active sheet wins a tie."""
    best, best_score, first_error = None, None, None
    for position, (grid, name) in enumerate(sheets):
        try:
            found = _find_header(grid, index, anchor)
        except SheetError as error:
            first_error = first_error or error
            continue
        has_rows = any(not is_blank(v) for row in grid[found[0][-1]:] for v in row)
        score = (has_rows, len(found[1]), -position)
        if best_score is None or score > best_score:
            best, best_score = (grid, name, found), score
    if best is None:
        raise first_error
    return best


def _read(path: Path, active_first: bool = True) -> list[tuple[list[list], str | None]]:
    """Every worksheet's grid and name (one, named None, for a .csv), the active sheet first
    unless `active_first` is False (the workbook's order)."""
    suffix = path.suffix.lower()
    if suffix in XLSX_SUFFIXES:
        return _xlsx_grids(path, active_first)
    if suffix == ".xls":
        return _xls_grids(path, active_first)
    if suffix == ".csv":
        return [(_csv_grid(path), None)]
    raise SheetError("format", file=path.name)


def _xlsx_grids(path: Path, active_first: bool = True) -> list[tuple[list[list], str]]:
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(path, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a file that is not a workbook
        raise SheetError(_other_document(path) or "unreadable", file=path.name, error=str(exc)) from None
    active = workbook.active if active_first else None
    sheets = [s for s in [active, *(s for s in workbook.worksheets if s is not active)] if s is not None]
    return [(_xlsx_grid(sheet), sheet.title) for sheet in sheets]


def _other_document(path: Path) -> str | None:
    """`word_file` or `pdf_file` for a Word document or a PDF given an Excel name (renamed, or saved under
    the wrong type): said as what it is, not as a damaged workbook; None for anything else."""
    import zipfile

    try:
        with path.open("rb") as fh:
            if fh.read(5) == b"%PDF-":
                return "pdf_file"
        with zipfile.ZipFile(path) as archive:
            return "word_file" if "word/document.xml" in archive.namelist() else None
    except (OSError, zipfile.BadZipFile):
        return None


def _xls_grids(path: Path, active_first: bool = True) -> list[tuple[list[list], str]]:
    """An Excel 97-2003 workbook (xlrd), read like an .xlsx: dates as dates, whole numbers as ints,
    merged cells filled, the sheet Excel opens on first."""
    import xlrd

    try:
        book = xlrd.open_workbook(path, formatting_info=True)
    except Exception as exc:  # xlrd raises its own XLRDError and others for a file that is not a workbook
        raise SheetError(_other_document(path) or "unreadable", file=path.name, error=str(exc)) from None
    sheets = sorted(book.sheets(), key=lambda sheet: active_first and not sheet.sheet_selected)
    grids = []
    for sheet in sheets:
        grid = [[_xls_value(book, sheet.cell(r, c)) for c in range(sheet.ncols)] for r in range(sheet.nrows)]
        for top, bottom, left, right in sheet.merged_cells:
            for r in range(top, bottom):
                for c in range(left, right):
                    grid[r][c] = grid[top][left]
        grids.append((grid, sheet.name))
    return grids


def _xls_value(book, cell):
    import xlrd

    if cell.ctype == xlrd.XL_CELL_DATE:
        return xlrd.xldate_as_datetime(cell.value, book.datemode)
    if cell.ctype in (xlrd.XL_CELL_EMPTY, xlrd.XL_CELL_BLANK):
        return None
    if cell.ctype == xlrd.XL_CELL_BOOLEAN:
        return bool(cell.value)
    if isinstance(cell.value, float) and cell.value.is_integer():
        return int(cell.value)
    return cell.value.strip() if isinstance(cell.value, str) else cell.value


class Grid(list):
    """A worksheet's values, row by row, and the colours its cells are filled with (a roster marking
    paid by a green cell with nothing written in it): (Excel row, column index) -> ARGB, its own per grid."""

    def __init__(self, rows=(), fills: dict[tuple[int, int], str] | None = None):
        super().__init__(rows)
        self.fills = dict(fills or {})


def _xlsx_grid(sheet) -> Grid:
    """The sheet's values and solid fills, read in one walk over its cells."""
    grid = Grid()
    for row in sheet.iter_rows():
        grid.append([_cell_value(cell) for cell in row])
        grid.fills.update({(cell.row, cell.column - 1): cell.fill.fgColor.rgb for cell in row
                           if cell.fill is not None and cell.fill.fill_type == "solid"
                           and isinstance(cell.fill.fgColor.rgb, str)})
    # A merged cell holds its value only top-left; people mean it for every cell it covers.
    for merged in sheet.merged_cells.ranges:
        value = grid[merged.min_row - 1][merged.min_col - 1]
        for r in range(merged.min_row - 1, merged.max_row):
            for c in range(merged.min_col - 1, merged.max_col):
                grid[r][c] = value
    return grid


def _cell_value(cell):
    """The value as the secretariat sees it: 13812345678.0 is a mobile, 1985.10 keeps its 0."""
    value = cell.value
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, float):
        if value.is_integer():
            return int(value)
        decimals = re.search(r"0\.(0+)", cell.number_format or "")
        if decimals:
            return f"{value:.{len(decimals.group(1))}f}"
    return value


def _csv_grid(path: Path) -> list[list]:
    """CSV saved by Excel in China is GB18030 (GBK); ours and newer Excel's are UTF-8; Excel's
    "Unicode text" is UTF-16 with tabs. Some systems separate by tabs or semicolons."""
    raw = path.read_bytes()
    if raw[:2] in (b"\xff\xfe", b"\xfe\xff"):
        text = raw.decode("utf-16")
    else:
        try:
            text = raw.decode("utf-8-sig")
        except UnicodeDecodeError:
            text = raw.decode("gb18030", errors="replace")
    try:
        rows = [[_csv_cell(value) for value in row] for row in csv.reader(io.StringIO(text), delimiter=_delimiter(text))]
    except csv.Error as exc:  # a cell past the csv module's field limit (a file that is no table): not a 500
        raise SheetError("unreadable", file=path.name, error=str(exc)) from None
    width = max((len(row) for row in rows), default=0)
    return [row + [""] * (width - len(row)) for row in rows]


def _csv_cell(value: str) -> str:
    """A payment app's bill writes `200.00 and `2026-10-03 (a backtick keeps Excel from reformatting)."""
    value = value.strip()
    return value[1:].strip() if value.startswith("`") else value


def _delimiter(text: str) -> str:
    """The separator most lines share: a comma unless tabs or semicolons split the lines more often."""
    lines = [line for line in text.splitlines()[:60] if line.strip()]
    counts = {sep: sum(1 for line in lines if line.count(sep) >= 2) for sep in (",", "\t", ";")}
    return max(counts, key=lambda sep: (counts[sep], sep == ","))


# Colour words a legend may use ("绿色底色表示已缴") and the hues (degrees) a fill of that colour has.
COLOURS = {"红": ((0, 15), (345, 360)), "橙": ((15, 40),), "黄": ((40, 70),), "绿": ((70, 170),),
           "蓝": ((170, 260),), "紫": ((260, 345),)}


def colour_name(argb: str) -> str | None:
    """The colour word for a fill (FF92D050 is 绿); None for white, grey, black or unreadable."""
    try:
        red, green, blue = (int(argb[-6:][i:i + 2], 16) / 255 for i in (0, 2, 4))
    except ValueError:
        return None
    hue, lightness, saturation = colorsys.rgb_to_hls(red, green, blue)
    if saturation < 0.25 or not 0.15 < lightness < 0.95:
        return None
    degrees = hue * 360
    return next((name for name, spans in COLOURS.items() if any(a <= degrees < b for a, b in spans)), None)


EXCEL_EPOCH = date(1899, 12, 30)
EXCEL_SERIALS = (10000, 80000)  # 1927-05-18 .. 2119-01-10


def serial_date(value) -> date | None:
    """A date cell formatted General (WPS, a bank's export) holds the bare serial number: 46267 is
    2026-09-02. None for anything else."""
    text = str(value).strip() if isinstance(value, (int, str)) and not isinstance(value, bool) else ""
    if re.fullmatch(r"\d{5}", text) and EXCEL_SERIALS[0] <= int(text) < EXCEL_SERIALS[1]:
        return EXCEL_EPOCH + timedelta(days=int(text))
    return None


def header_key(text) -> str:
    """A header as compared: `手机号（必填）*` and `手机号` are the same column, and so are 建设银行's
    `贷方发生额/元(收入)` and `贷方发生额` (the unit after a slash), and 招商银行's bilingual
    `贷方金额 Credit Amount` and `贷方金额` (the English after the Chinese)."""
    value = unicodedata.normalize("NFKC", str(text or "")).lower()
    value = re.sub(r"\(.*?\)|\[.*?\]|【.*?】", "", value)
    value = re.sub(r"/(?:元|万元|人民币|rmb|cny)\s*$", "", value.strip())
    value = re.sub(r"(?<=[\u3400-\u9fff])\s*[a-z][a-z .'&/\-]*$", "", value)
    return re.sub(r"[\s*:]", "", value)


def _alias_index(aliases: dict[str, list[str]]) -> dict[str, str]:
    return {header_key(alias): key for key, names in aliases.items() for alias in names}


def _matches(row: list, index: dict[str, str]) -> dict[int, str]:
    """Column position -> canonical key for the cells of `row` that are known headers."""
    found: dict[int, str] = {}
    for position, value in enumerate(row):
        key = index.get(header_key(value)) if isinstance(value, str) else None
        if key:
            found[position] = key
    return found


def _find_header(grid: list[list], index: dict[str, str], anchor: str | None = None, at: int | None = None):
    """The row naming most known columns, plus the rows of a header two rows deep.

    A column without a header that holds something on a record (not a note under the table, nor a
    row typed one cell to the right of `anchor`) is remarks nobody gave a header: kept, unnamed.
    A two-row header ("联系方式" merged over "手机 | 邮箱", the other header cells
    merged down over both rows) names some columns in its second row only. The
    header found is reported by all its rows, and data starts under the last.
    `at`: the header's row (index) when known: a header again under another table, whose records
    run to the next such header.
    """
    from openpyxl.utils import get_column_letter

    candidates = range(min(len(grid), HEADER_SEARCH_ROWS))
    best = at if at is not None else max(candidates, key=lambda i: (len(_matches(grid[i], index)), -i), default=None)
    if at is None and best is not None:  # a section's header naming more columns than the first one, over records
        best = next((i for i in range(best) if _is_header_row(grid[i], index) and _records_between(grid, index, i, best)),
                    best)
    found = _matches(grid[best], index) if best is not None else {}
    if len(found) < MIN_HEADER_MATCHES:
        raise SheetError("no_header")
    for position in _group_positions(grid, best):
        found.pop(position, None)  # 会费缴纳情况 over 2024年 | 2025年: the years name the columns
    top = best
    while top > 0 and _is_continuation(_matches(grid[top - 1], index), found):
        top -= 1  # the header cells are merged down over rows top..best
    header_rows = list(range(top + 1, best + 2))
    source = {position: best for position in found}
    if best + 1 < len(grid):
        under = _matches(grid[best + 1], index)
        below = {p: k for p, k in under.items() if p not in found and k not in found.values()}
        if not below and _is_continuation(under, found):
            header_rows.append(best + 2)  # the header cells merged down over the row under it
        elif below:
            found.update(below)
            source.update({p: best + 1 for p in below})
            header_rows.append(best + 2)
    columns: dict[str, Column] = {}
    ignored: list[Column] = []
    for position in sorted(found):
        column = Column(found[position], str(grid[source[position]][position]),
                        get_column_letter(position + 1), position)
        if column.key in columns:
            ignored.append(column)  # e.g. both 手机 and 联系电话: the first one counts
        else:
            columns[column.key] = column
    lowest = grid[header_rows[-1] - 1]
    for position, value in enumerate(grid[best]):
        if position < len(lowest) and not is_blank(lowest[position]):
            value = lowest[position]  # "2025年" under a group header "会费缴纳情况" names the column
        if position not in found and not is_blank(value):
            ignored.append(Column("", str(value), get_column_letter(position + 1), position))
    named = set(found) | {column.index for column in ignored}
    width = max(named) + 1
    end, again = _header_again(grid, index, header_rows)
    records = [row for at, row in enumerate(grid[:end]) if at >= header_rows[-1] and at not in again
               and any(not is_blank(v) for v in row) and not _is_note(row)
               and not (anchor in columns and _shifted(row, columns[anchor].index, width))]
    for position in range(max((len(row) for row in grid), default=0)):
        if position not in named and any(position < len(row) and not is_blank(row[position]) for row in records):
            ignored.append(Column("", "", get_column_letter(position + 1), position))  # remarks under no header
    return header_rows, columns, sorted(ignored, key=lambda column: column.index)


def _records_between(grid: list[list], index: dict[str, str], first: int, last: int) -> bool:
    """Whether rows between two headers hold records: neither blank, nor a note, nor a header row."""
    return any(any(not is_blank(v) for v in row) and not _is_note(row) and not _is_header_row(row, index)
               and len([v for v in row if not is_blank(v)]) > 1 for row in grid[first + 1:last])


def _group_positions(grid: list[list], at: int) -> set[int]:
    """Positions of a group header: one text merged across columns with a different sub-header
    under each (会费缴纳情况 over 2024年 / 2025年 / 2026年)."""
    if at + 1 >= len(grid):
        return set()
    row, under = grid[at], grid[at + 1]
    positions = set()
    for position in range(len(row) - 1):
        value = row[position]
        if is_blank(value) or row[position + 1] != value or position + 1 >= len(under):
            continue
        subs = (under[position], under[position + 1])
        if not any(is_blank(s) for s in subs) and subs[0] != subs[1] and value not in subs:
            positions.update((position, position + 1))
    return positions


def _is_continuation(above: dict[int, str], found: dict[int, str]) -> bool:
    """The row above names the same columns in the same places: header cells merged downwards."""
    return bool(above) and all(found.get(p) == k for p, k in above.items())


_COUNT_LINE = re.compile(r"共\s*\d+\s*(?:条|人|笔|家|名|行|项|户|个)")  # 共19条记录, 共13家: a count under the table


TOTAL_MARKERS = ("合计", "总计", "小计", "本期合计", "本月合计", "本页合计")


def is_total(text: str) -> bool:
    """Whether a note under the table (its first cell) is the totals line: 合计, 小计, 共 12 人."""
    first = unicodedata.normalize("NFKC", text).strip()
    return first.startswith(TOTAL_MARKERS) or bool(_COUNT_LINE.match(first))


def _is_note(row: list) -> bool:
    """A remark under the table: starts like one, or one merged cell across the row."""
    texts = [str(v).strip() for v in row if not is_blank(v)]
    first = unicodedata.normalize("NFKC", texts[0])
    return (first.startswith(NOTE_MARKERS) or bool(_COUNT_LINE.match(first))
            or (len(texts) > 2 and len(set(texts)) == 1))


def is_blank(value) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


# --- writing ------------------------------------------------------------------

def write_table(path: Path | str, headers: list[str], rows: list[list], title: str | None = None) -> None:
    """An .xlsx with a bold, frozen header and fitted widths, or a .csv Excel opens in Chinese.
    The .xlsx's one sheet is named `title`, else the file's name (Excel shows it on the tab)."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix in XLSX_SUFFIXES:
        _write_xlsx(path, headers, rows, title or path.stem)
    elif suffix == ".csv":
        # The BOM tells Excel the file is UTF-8; without it Chinese shows as mojibake.
        with path.open("w", encoding="utf-8-sig", newline="") as fh:
            csv.writer(fh).writerows([headers, *[[_csv_value(v) for v in row] for row in rows]])
    else:
        raise SheetError("format", file=path.name)


def _write_xlsx(path: Path, headers: list[str], rows: list[list], title: str) -> None:
    from openpyxl import Workbook
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = re.sub(r"[\\/?*:\[\]]", "", title)[:31] or sheet.title  # Excel's rules for a sheet's name
    sheet.append(headers)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in rows:
        sheet.append(row)
    for column in sheet.iter_cols(min_row=2):
        for cell in column:
            if isinstance(cell.value, (date, datetime)):
                cell.number_format = "yyyy-mm-dd"
    for position, header in enumerate(headers, start=1):
        values = [header, *(row[position - 1] for row in rows)]
        width = max(display_width(_csv_value(v)) for v in values) + 2
        sheet.column_dimensions[get_column_letter(position)].width = min(width, MAX_COLUMN_WIDTH)
    sheet.freeze_panes = "A2"
    workbook.save(path)


def _csv_value(value) -> str:
    if value is None:
        return ""
    if isinstance(value, (date, datetime)):
        return value.isoformat()[:10]
    return str(value)


def display_width(text: str) -> int:
    """Columns the text takes in a terminal or a spreadsheet: a Chinese character takes two."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in str(text))


# --- a printed activity guide (a society's and the province's) --------------------------

def cell_border():
    """The thin grey lines around each cell of a printed activity guide."""
    from openpyxl.styles import Border, Side

    thin = Side(style="thin", color="A6A6A6")
    return Border(left=thin, right=thin, top=thin, bottom=thin)


def guide_sheet(workbook, name: str, heading: str, subtitle: str, labels: list[str], wrap_labels: bool = False):
    """The first sheet of a printed activity guide (a society's, handlers/events/export.py, and the province's, handlers/province/guide.py),
    started: the title and the subtitle over the whole width, then the column labels, white on blue, in
    row 3."""
    from openpyxl.styles import Alignment, Font, PatternFill

    sheet = workbook.active
    sheet.title = name
    sheet.append([heading])
    sheet.append([subtitle])
    for row in (1, 2):
        sheet.merge_cells(start_row=row, start_column=1, end_row=row, end_column=len(labels))
    sheet["A1"].font = Font(bold=True, size=16, color="1F4E79")
    sheet["A1"].alignment = Alignment(horizontal="center")
    sheet["A2"].font = Font(italic=True, color="666666")
    sheet.append(labels)
    header_fill = PatternFill("solid", fgColor="1F4E79")
    for cell in sheet[3]:
        cell.font, cell.fill, cell.border = Font(bold=True, color="FFFFFF"), header_fill, cell_border()
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True if wrap_labels else None)
    return sheet


def fit_for_print(sheet, rows: list[list]) -> None:
    """Columns as wide as the widest of `rows` (labels included; no wider than MAX_COLUMN_WIDTH), the
    labels' row frozen and printed on every page, landscape, one page wide."""
    from openpyxl.utils import get_column_letter

    for position, texts in enumerate(zip(*rows), start=1):
        fitted = max(display_width(str(text)) for text in texts) + 2
        sheet.column_dimensions[get_column_letter(position)].width = min(fitted, MAX_COLUMN_WIDTH)
    sheet.freeze_panes = "A4"
    sheet.page_setup.orientation = "landscape"
    sheet.page_setup.fitToWidth = 1
    sheet.sheet_properties.pageSetUpPr.fitToPage = True
    sheet.print_title_rows = "3:3"


# --- what an import of a sheet plans (the roster's, and every RecordSheet's in bot/sheet_import.py) ---

@dataclass
class Problem:
    row: int
    column: Column | None
    value: str
    reason: str        # a key under [cli_roster.problems], [sheet_import.problems] or [validation]
    facts: dict = field(default_factory=dict)


@dataclass
class ImportPlan:
    sheet: Sheet
    new: list[tuple[int, dict]] = field(default_factory=list)
    updates: list[tuple[int, dict, dict]] = field(default_factory=list)  # row, member, changes
    unchanged: list[tuple[int, dict]] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    new_units: list[tuple[int, dict]] = field(default_factory=list)
    unit_updates: list[tuple[int, dict, dict]] = field(default_factory=list)
    notices: list[Problem] = field(default_factory=list)   # where a cell went; not a problem
    checks: list[Problem] = field(default_factory=list)    # imported, but a person should look
    left_out: list[Problem] = field(default_factory=list)  # not imported, and why (no error in a cell)
    repeated: list[tuple[int, int]] = field(default_factory=list)  # (row, the same earlier row)
    conflicts: list[dict] = field(default_factory=list)   # newer values on file, kept unless overwrite
    replaced: dict[int, dict] = field(default_factory=dict)  # row -> {field: [old, new]} its remarks replaced
    year: int | None = None          # a guide's year for dates written without one ...
    year_source: str | None = None   # ... and where it was read (the title, the file name), or why not

    @property
    def bad_rows(self) -> list[int]:
        return sorted({p.row for p in self.problems})
