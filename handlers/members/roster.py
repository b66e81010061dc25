"""The secretariat's member roster as a file: what each cell must hold and what an import changes.

Importing is planned before anything is written: every row is cleaned with
the same checks the chat uses (bot/validation.py), matched to the store by
member number (or, for a row without one, by mobile and name), and sorted
into new, changed and unchanged rows plus problems that name row and
column. The caller then writes the plan in one transaction, or not at all.
Blank cells never clear what the store holds, so an old roster cannot erase
an email a member added by chat; a value changed since by someone else (the
member in chat, the console, a payment) or a paid-through date later than the
file's is not overwritten unless the secretariat says so (`overwrite`).

Rosters are written as secretariats keep them: council roles (理事, 常务理事 ...)
in the category column or the remarks as well as in a role column; paid
status as words (2025年已缴, 已缴至2026年, 未缴, 终身会员); unit members
(类别 单位会员) among the individuals or on a sheet of their own. Where a
cell's content went is said in the report (`notices`).
"""
from __future__ import annotations

import calendar
import functools
import re
from collections import Counter
from datetime import date, datetime
from pathlib import Path

import sqlite_utils

from bot import content
from bot.privacy import mask_id_number, unmasked
from bot.sheet_import import column_label
from handlers.fees import dues
from handlers.fees.dues import LIFETIME_PAID_THROUGH
from handlers.fees.dues import format_amount as dues_format
from handlers.fees.dues import yearly_fee as dues_yearly_fee
from bot.spreadsheets import (COLOURS, Column, ImportPlan, Problem, Sheet, SheetError, colour_name, header_key,
                               is_blank, read_tables, serial_date)
from bot.validation import (Invalid, birth_year_of, clean_birth_year, clean_choice, clean_credit_code, clean_email,
                            clean_gender, clean_mobile, clean_name, clean_text, clean_title,
                            free_text, normalise)
from storage.members import (INDIVIDUAL_CATEGORIES, find_member_by_no, find_members_by_mobile, find_members_by_name,
                             find_unit_by_credit_code, find_unit_by_name, find_unit_by_no, last_changes,
                             member_numbers_starting, unit_name_key, unit_numbers)

UNIQUE_COLUMNS = ("member_no", "mobile")  # a second row with the same value is a duplicate
OTHER_CELLS = "other_cells"  # a row's cells under headers no column's aliases name: kept as remarks


def columns() -> dict[str, dict]:
    """Canonical column -> {label, aliases, required}, in export order."""
    return content.load_toml("roster_columns.toml")["columns"]


def _membership() -> dict:
    return content.load_toml("membership.toml")


# --- reading ------------------------------------------------------------------

def read_rosters(path: Path, units: bool = False) -> list[Sheet]:
    """Every sheet of the workbook that is a roster (three branches' forms, one sheet each), in
    the workbook's order; a row typed one column to the right from 姓名 on is read back in place.
    `units`: a sheet of unit members only (单位名称, 联系人 ...)."""
    sheets = read_tables(path, {key: spec["aliases"] for key, spec in columns().items()},
                         gather={"dues_marks": tuple(_membership()["roster"]["paid_marks"]["header_words"])},
                         anchor="name", others=OTHER_CELLS)
    for sheet in sheets:
        _bare_years_gathered(sheet)
        _columns_by_cells(sheet)
        _bare_years_as_years(sheet)
        _unread_marks_kept(sheet)
    rosters = [sheet for sheet in sheets if not _missing_columns(sheet, units or is_unit_list(sheet))]
    for sheet in rosters:
        _numbers_in_a_plain_column(sheet, units or is_unit_list(sheet))
        sheet.not_imported = None if units else _not_a_roster(sheet)
    if not rosters:
        raise SheetError("missing_columns", columns="、".join(_missing_columns(sheets[0], units)))
    if all(sheet.not_imported for sheet in rosters):
        raise SheetError("not_a_roster", sheets="、".join(f"“{_sheet_name(sheet)}”" for sheet in rosters),
                         said=rosters[0].not_imported)
    rosters = [sheet for sheet in sheets if sheet in rosters or sheet.rows]  # a part none of whose rows can be
    # imported (a section under its own header without 姓名 and 手机) is kept: plan_import lists its rows
    legends = [line for sheet in rosters for line in sheet.titles if _legend_colour(line)]
    as_of = [line for sheet in rosters for line in _lines(sheet) if _as_of_in(line)]
    for sheet in rosters:  # the colour legend and the records' date over the members' sheet hold for the units' too
        if not _paid_colour(sheet):
            sheet.titles.extend(legends[:1])
        if not records_as_of(sheet):
            sheet.titles.extend(as_of[:1])
    return rosters


ROSTER_MARKS = ("member_no", "paid_through", "paid_status", "unit_no", "council_role")  # columns only a roster has
_MEMBERSHIP_HEADER = re.compile(r"会员|入会")  # 会员类别, 入会时间: a category or date column of membership


def _not_a_roster(sheet: Sheet) -> str | None:
    """Where a list of people says it is another list (a meeting's 签到表, a class's 报名表: its sheet name,
    a title line or a header), when no column marks it as a roster (a member number, dues, a membership
    category or joining date); None for a roster. A name or title that says 会员名册 keeps it a roster."""
    words = _membership()["roster"]
    reviewed = {header_key(h) for h in words["review_headers"]}  # 审核情况: applications to join, approved or not
    marked = any(key in sheet.columns for key in ROSTER_MARKS) or sheet.gathered.get("dues_marks") or any(
        key in sheet.columns and _MEMBERSHIP_HEADER.search(sheet.columns[key].header) for key in ("category", "joined_at")) \
        or any(header_key(column.header) in reviewed for column in sheet.ignored)
    named = [sheet.name or "", *sheet.titles]
    if marked or any(word in text for text in named for word in words["roster_words"]):
        return None
    headers = [column.header for column in [*sheet.columns.values(), *sheet.ignored]]
    said = next((text for text in [*named, *headers] for word in words["not_roster_words"] if word in text), None)
    return said and f"“{said.strip()}”"


def _sheet_name(sheet: Sheet) -> str:
    return sheet.name or next(iter(sheet.titles), "")


def _numbers_in_a_plain_column(sheet: Sheet, units: bool) -> None:
    """A column headed only 编号 most often numbers the rows, so no alias names it; it holds the members'
    (or units') numbers when every cell is written as a number is (DW001, 豫土建会第0031号: more than
    digits), and is then read as the number column. On a list of units, 单位编号 is read so too (on a
    roster of persons it would be their workplace's)."""
    if "member_no" in sheet.columns:
        return
    roster = _membership()["roster"]
    headers = {header_key(header) for header in
               [*roster["plain_number_headers"], *(roster["unit_number_headers"] if units else [])]}
    column = next((c for c in sheet.ignored if header_key(c.header) in headers), None)
    if column is None:
        return
    cells = [dict(values.get(OTHER_CELLS) or []).get(column.header) for _, values in sheet.rows]
    written = [re.sub(r"\s", "", normalise(cell)) for cell in cells if not is_blank(cell)]
    if not written or not all(re.search(r"\d", text) and re.search(r"\D", text) for text in written):
        return
    _take_column(sheet, column, "member_no")


_BARE_YEAR = re.compile(r"(?:19|20)\d{2}")


def _bare_years_gathered(sheet: Sheet) -> None:
    """Columns headed by a year alone (2023 | 2024 | 2025 | 2026, often typed as numbers) say that year's dues
    as 2025年 does: gathered with the paid marks, each row's cells with them."""
    years = [column for column in sheet.ignored if _BARE_YEAR.fullmatch(header_key(column.header))]
    if not years:
        return
    before = sheet.gathered.get("dues_marks", [])
    sheet.ignored = [column for column in sheet.ignored if column not in years]
    sheet.gathered["dues_marks"] = sorted([*before, *years], key=lambda column: column.index)
    headers = {column.header for column in years}
    for _, values in sheet.rows:
        cells = dict(zip(before, values.get("dues_marks") or []))
        others = list(values.get(OTHER_CELLS) or [])
        for column in years:
            cells[column] = next(((h, v) for h, v in others if h == column.header), (column.header, None))
        values[OTHER_CELLS] = [(header, value) for header, value in others if header not in headers]
        values["dues_marks"] = [cells[column] for column in sheet.gathered["dues_marks"]]


def _columns_by_cells(sheet: Sheet) -> None:
    """A column whose header no alias names but holds a word of its key's `by_cells` and whose cells,
    more than half of those filled, read as that key is that key's column: 联系方式 holding mobiles
    (some a landline, or a mobile beside an e-mail) is 手机, 缴费记录 holding 2025已交 / 欠2026 is 缴费情况.
    A secretary cannot know which header words the import expects; what the cells hold tells."""
    for key, spec in columns().items():
        words = [header_key(word) for word in spec.get("by_cells", [])]
        if not words or key in sheet.columns:
            continue
        for column in [*sheet.ignored, *_unread_marks(sheet)]:
            if column.key not in ("", "dues_marks") or not any(word in header_key(column.header) for word in words):
                continue
            if key == "paid_status" and "paid_through" in sheet.columns and re.search("日期|时间", column.header):
                continue  # 最近缴费日期 beside 缴费年度: when the last money came, kept in the remarks, not to when it paid
            written = [cell for cell in _cells_of(sheet, column) if not is_blank(cell)]
            if written and sum(map(functools.partial(_reads_as, key), written)) * 2 > len(written):
                _take_column(sheet, column, key)
                break


def _bare_years_as_years(sheet: Sheet) -> None:
    """In a dues column listing the years paid (2024-2026, 24、25 in two cells or more), a bare 25 is the year
    2025 as 25年 is, not 25 yuan: read so."""
    for key in ("paid_through", "paid_status"):
        if key not in sheet.columns:
            continue
        cells = [values.get(key) for _, values in sheet.rows]
        if sum(bool(years_paid_written(cell)) for cell in cells if not isinstance(cell, (int, float))) < 2:
            continue
        for _, values in sheet.rows:
            if re.fullmatch(r"\d{2}", re.sub(r"\s", "", normalise(values.get(key)))):
                values[key] = f"{normalise(values[key])}年"


def _unread_marks(sheet: Sheet) -> list[Column]:
    """The columns gathered as paid marks that say no year and ask nothing (缴费记录), which
    `_paid_years` leaves unread."""
    questions = [header_key(word) for word in _membership()["roster"]["paid_marks"]["question_headers"]]
    return [column for column in sheet.gathered.get("dues_marks", [])
            if not _YEAR_HEADER.fullmatch(header_key(column.header))
            and not any(word in header_key(column.header) for word in questions)]


def _unread_marks_kept(sheet: Sheet) -> None:
    """A dues column whose cells mostly say nothing the import reads (缴费记录: 说好年底一起交, 2026年3月起停交)
    is not dropped: its cells are kept with each member as a column no alias names is (缴费记录：…), and the
    report says so (unread_dues_columns)."""
    for column in _unread_marks(sheet):
        at = sheet.gathered["dues_marks"].index(column)
        sheet.gathered["dues_marks"].remove(column)
        sheet.ignored.append(Column("", column.header, column.letter, column.index))
        for _, values in sheet.rows:
            marks = list(values.get("dues_marks") or [])
            if at < len(marks):
                values[OTHER_CELLS] = [*(values.get(OTHER_CELLS) or []), marks.pop(at)]
            values["dues_marks"] = marks


def _cells_of(sheet: Sheet, column: Column) -> list:
    """Each row's cell of a column no alias names (kept under OTHER_CELLS or the paid marks)."""
    held = "dues_marks" if column in sheet.gathered.get("dues_marks", []) else OTHER_CELLS
    return [dict(values.get(held) or []).get(column.header) for _, values in sheet.rows]


def _reads_as(key: str, value) -> bool:
    try:
        CLEANERS[key](value, date.today())
    except Invalid:
        return key == "mobile" and bool(_mobiles_of(value))
    return True


def _take_column(sheet: Sheet, column: Column, key: str) -> None:
    """Read a column no alias named as `key`'s, in the sheet and in every row."""
    held = "dues_marks" if column in sheet.gathered.get("dues_marks", []) else OTHER_CELLS
    if held == "dues_marks":
        at = sheet.gathered[held].index(column)
        sheet.gathered[held].remove(column)
    else:
        sheet.ignored.remove(column)
    sheet.columns[key] = Column(key, column.header, column.letter, column.index)
    for _, values in sheet.rows:
        cells = list(values.get(held) or [])
        if held == "dues_marks":
            values[key] = cells.pop(at)[1] if at < len(cells) else None
        else:
            values[key] = next((value for header, value in cells if header == column.header), None)
            cells = [(header, value) for header, value in cells if header != column.header]
        values[held] = cells


def _lines(sheet: Sheet) -> list[str]:
    """The sheet's text outside the table: its titles over the header and its notes under the rows."""
    return [*sheet.titles, *(text for _, text in sheet.notes)]


_AS_OF_DATE = re.compile(r"[：:为]?((?:19|20)\d{2})[年\-/.](\d{1,2})(?:[月\-/.](\d{1,2})日?)?")


def _as_of_in(line: str) -> str | None:
    """The day a line says the records go up to: 会费记录截至2026年8月31日, 统计日期：2026-08-31, and
    截至2026年6月 (a month: its last day)."""
    text = re.sub(r"\s", "", normalise(line))
    for word in _membership()["roster"]["records_as_of"]["words"]:
        at = text.find(word)
        found = _AS_OF_DATE.match(text, at + len(word)) if at >= 0 else None
        if not found:
            continue
        year, month = int(found.group(1)), int(found.group(2))
        try:
            day = int(found.group(3) or calendar.monthrange(year, month)[1])
            return date(year, month, day).isoformat()
        except ValueError:
            continue
    return None


def records_as_of(sheet: Sheet) -> str | None:
    """The day the sheet's dues records go up to, as its title or a note under the table says; None
    when it says none. A paid-through read from the sheet is known up to that day (dues_known_to)."""
    return next(filter(None, map(_as_of_in, _lines(sheet))), None)


def is_unit_list(sheet: Sheet) -> bool:
    """A sheet of unit members in a roster workbook (单位名称, 级别, 联系人, no 姓名): read as units."""
    return "name" not in sheet.columns and "work_unit" in sheet.columns and sheet.columns["work_unit"].header in \
        _membership()["roster"]["unit_list_headers"]


def _missing_columns(sheet: Sheet, units: bool) -> list[str]:
    """The required columns the sheet lacks; members listed by number need no mobile column (a sheet of
    those who left or died, reached by a landline if at all)."""
    if units:
        return [] if {"name", "work_unit"} & set(sheet.columns) else [columns()["name"]["label"]]
    return [spec["label"] for key, spec in columns().items() if spec.get("required") and key not in sheet.columns
            and not (key == "mobile" and "member_no" in sheet.columns)]


def left_without_mobile(plan: ImportPlan) -> int:
    """How many members in force a sheet with no mobile column leaves without one (imported, or on file
    already with none): they cannot bind on the account or be reminded. Those who left or died need none."""
    if "mobile" in plan.sheet.columns:
        return 0
    after = [fields for _, fields in plan.new] + [{**member, **changes} for _, member, changes in plan.updates] \
        + [member for _, member in plan.unchanged]
    return sum(1 for fields in after if fields.get("status", "active") == "active" and not fields.get("mobile")
               and fields.get("category") != "unit")


def _squeeze(text: str) -> str:
    return "".join(str(text).split())


# --- cleaning one cell ----------------------------------------------------------

_NAME_NOTE = re.compile(r"\s*[（(【\[〔]([^（）()【】\[\]〔〕]{1,10})[)）】\]〕]\s*$")


def _name_and_note(value) -> tuple[str, str]:
    """张国强（退休）, 李国栋（总工）, 赵六【已退会】, 张伟教授, 钱七 已退会: the name, and the note, title or
    status written after it (kept in the remarks); a title ([roster] name_titles) or a status word
    ([roster.status_words], not 正常) is one only when two characters of name are left before it."""
    text = normalise(value)
    note = _NAME_NOTE.search(text)
    if note:
        return text[:note.start()], note.group(1)
    bare = re.sub(r"\s", "", text)
    roster = _membership()["roster"]
    words = [*roster["name_titles"], *(w for code, said in roster["status_words"].items() if code != "active" for w in said)]
    title = next((t for t in sorted(words, key=len, reverse=True)
                  if bare.endswith(t) and len(bare[:-len(t)].rstrip("-_—·")) >= 2), "")
    return (bare[:-len(title)].rstrip("-_—·"), title) if title else (text, "")


def _status_after_name(value) -> str | None:
    """The status a name cell says after the name (赵敏（已退会）, 李四（已故）), if one other than 正常."""
    note = _name_and_note(value)[1]
    try:
        status = clean_status(note, date.today()) if note else None
    except Invalid:
        return None
    return status if status != "active" else None


def _clean_member_no(value, today: date) -> str:
    """The number as written; a bare number (an old system's 103) is completed against the store in _match."""
    text = re.sub(r"[\u2010-\u2015\u2212]", "-", re.sub(r"\s", "", normalise(value)).upper())  # 2019—0262: a dash
    if not re.fullmatch(r"[A-Z0-9\-]{4,24}|\d{1,3}", text) and not _NUMBER_IN_WORDS.fullmatch(text):
        raise Invalid("member_no")  # 1-3 digits: completed or refused in _match
    return text


_NUMBER_IN_WORDS = re.compile(r"[A-Z0-9\-()\u3400-\u9fff]{0,12}\d{2,12}[A-Z0-9\-\u3400-\u9fff]{0,6}")  # 豫土建会第0031号, 豫水会(98)011


def _number_shape(usual: int | None = None) -> str:
    """How the society's numbers are written: as its settings say, or as most of the sheet's are (`usual`)."""
    numbering = _membership()["member_no"]
    if usual and usual != 4 + numbering["digits"]:
        return content.text("cli_roster.number_shape_seen", prefix=numbering["prefix"], digits=usual)
    return content.text("cli_roster.number_shape", prefix=numbering["prefix"], digits=numbering["digits"])


def _number_of_another_length(number: str, usual: int | None = None) -> bool:
    """A new number written as the society's (its prefix, then digits) with more or fewer digits than
    the year joined and the serial have (ＨＮＳＬ２０２０００００２５: a 0 too many), or than most of the
    sheet's numbers have (`usual`: HL00215 where the society's numbers have no year): a typing slip to check."""
    numbering = _membership()["member_no"]
    digits = _digits_after_prefix(number)
    return digits.isdigit() and len(digits) not in (4 + numbering["digits"], usual)


def _digits_after_prefix(number: str) -> str:
    prefix = _membership()["member_no"]["prefix"]
    return number[len(prefix):] if number.startswith(prefix) else ""


def _usual_width(numbers: list[str]) -> int | None:
    """How many digits follow the prefix in at least half of a sheet's numbers of the society's (HL00215:
    5), if they agree so: the numbering the society really uses, whatever content/membership.toml says."""
    widths = Counter(len(d) for d in map(_digits_after_prefix, numbers) if d.isdigit())
    width, count = widths.most_common(1)[0] if widths else (None, 0)
    return width if count >= 2 and count * 2 >= sum(widths.values()) else None


def _number_completer(db: sqlite_utils.Database):
    """completed(bare): an old system's bare number (103) as the society's numbers write it (HNHL00103):
    the society's prefix and the digits its stored numbers have, zero-filled; None when the store shows no
    such numbers. The stored numbers are read at the first bare number of an import and not again (a plan
    writes nothing)."""
    prefix = _membership()["member_no"]["prefix"]

    @functools.cache
    def width() -> int | None:
        widths = Counter(len(number) - len(prefix) for number in member_numbers_starting(db, prefix)
                         if number[len(prefix):].isdigit())
        return widths.most_common(1)[0][0] if widths else None

    def completed(bare: str) -> str | None:
        return prefix + bare.zfill(width()) if width() is not None and len(bare) < width() else None
    return completed


def number_as_written(db: sqlite_utils.Database, written: str, completed_number=None) -> str | None:
    """The number a member brings (a roster's cell, the 新增会员 form's field, cleaned) as it is stored: as written,
    digits only too (20150031, an old card's), unless a member has it already; a bare serial (58) completed
    against the store's numbers (_number_completer); None when shorter than 4 and nothing completes it."""
    if not written.isdigit() or find_member_by_no(db, written):
        return written
    number = (completed_number or _number_completer(db))(written) or written
    return number if len(number) >= 4 else None


def _clean_category(value, today: date) -> str:
    names = {code: _membership()["categories"][code] for code in (*INDIVIDUAL_CATEGORIES, "unit")}
    text = normalise(value)
    if text in names:
        return text
    if text in _membership()["roster"]["unit_words"]:
        return "unit"
    for code, words in _membership()["roster"].get("category_words", {}).items():
        if text in words:
            return code  # 个人会员 where the society's own name for it is 普通会员
    chosen = clean_choice(text, list(names.values()), "category")
    return next(code for code, name in names.items() if name == chosen)


def council_roles() -> list[str]:
    """The ways of writing a council role (content/governance.toml [roles]), longest first."""
    return sorted(content.load_toml("governance.toml")["roles"], key=len, reverse=True)


def split_roles(text: str, remarks: bool = False) -> tuple[list[str], str]:
    """Council roles written in a cell, and what is left of it: "高级会员（常务理事）" ->
    (["常务理事"], "高级会员"). In remarks only council roles count, not "秘书处"; nor the council itself
    (停会（常务理事会决定）: 常务理事会 is the body that decided, not a role of this member)."""
    roles = [r for r in council_roles() if not (remarks and "秘书处" in r)]
    pattern = re.compile(f"(?:{'|'.join(map(re.escape, roles))})(?!会(?!员))")
    found = list(dict.fromkeys(_posts_held(text, roles) if remarks else pattern.findall(text)))
    rest = re.sub(r"[\s()（）\[\]【】、，,/／;；:：+＋\-]+", "", pattern.sub(" ", text))
    return found, rest


# How a remark states a post the member holds: the post alone, or after when and by what it was given
# (2023年换届当选监事, 第八届理事会常务理事), a note in brackets after it. 原理事, 理事长推荐, 秘书长助理 name a
# post the member does not hold.
_POST_BEFORE = (r"(?:(?:19|20)\d{2}年?(?:\d{1,2}月)?)?(?:换届)?(?:当选为?|现任|担任|兼任|连任|增补为?|补选为?|选为)?"
                r"(?:本会|学会)?(?:第[一二三四五六七八九十\d]+届)?(?:理事会|常务理事会|监事会)?")
_POST_AFTER = r"(?:[（(][^）)]*[）)])?"
_REMARK_CLAUSES = re.compile(r"[；;，,、。/／\s]+")


def _posts_held(text: str, roles: list[str]) -> list[str]:
    """The council posts a remark says the member holds, each a clause of its own."""
    held = re.compile(f"{_POST_BEFORE}({'|'.join(map(re.escape, roles))}){_POST_AFTER}")
    return [found.group(1) for clause in _REMARK_CLAUSES.split(text) if (found := held.fullmatch(clause))]


_YEAR_SAID_PAID = r"(?<!\d)(\d{4}|\d{2}(?=年))年?度?(?:会费)?(?:已缴|已交|已付|缴清|交清|交了|缴了|交过|缴过)"  # 26年已交
_PAID = re.compile(_YEAR_SAID_PAID +
                   r"|(?<![欠未没])(?:已缴|已交|缴|交|有效期)(?:费)?(?:至|到)?(\d{4}|\d{2}(?=年))"  # 26年已交, 交到27年
                   r"|(?<!\d)((?:19|20)\d{2})[.\-/年]\d{1,2}(?:[.\-/月]\d{1,2}日?|月)?[^\d欠未没停不免]{0,4}?已?(?:交|缴)")
# the last: when it was paid, that year paid (2026.4.2交200, 2026年5月微信交了)


_PAID_WORDS = ("已缴", "已交", "已付", "缴清", "交清", "缴至", "交至", "缴到", "交到", "有效期", "√", "✓", "✔", "☑")


def clean_paid_through(value, today: date) -> str | None:
    """会费缴至 / 缴费情况 as rosters write them: a date or year (2025 is 2025-12-31), or words:
    "2025年已缴", "已缴至2026年", "终身会员" (lifetime); "未缴" is None (nothing to record)."""
    if isinstance(value, (date, datetime)):
        return parse_date(value)
    text = re.sub(r"\s", "", normalise(value))
    words = _membership()["roster"]["paid_status"]
    if any(word in text for word in words["lifetime"]):
        return LIFETIME_PAID_THROUGH
    try:
        return parse_date(text, end_of_period=True)
    except Invalid:
        pass
    listed = years_paid_written(value)
    if listed:  # 2024-2026, 24、25, 2025年（补2024）, 至2025: the years the column lists as paid
        return f"{_paid_through_year(dict.fromkeys(listed, True), None, _arrears_first())}-12-31"
    unpaid = any(word in text for word in words["unpaid"])
    every_year = _years_listed(text)
    if every_year and _PART_PAID.search(text):  # 2026年5月交了3000，还差2000: 2026 is not paid yet
        return date(max(every_year) - 1, 12, 31).isoformat()
    if every_year and not unpaid and any(word in text for word in _PAID_WORDS):
        return date(max(every_year), 12, 31).isoformat()  # 已缴2024-2025年, 2026年度会费已缴清
    years = [_full_year(y) for pair in _PAID.findall(text) for y in pair if y]  # 2025年已缴，2026年未缴
    if years:
        return date(max(years), 12, 31).isoformat()
    owed = last_paid_before_owed(text)
    if owed:
        return date(owed, 12, 31).isoformat()
    if unpaid:
        return None
    raise Invalid("paid_status")


_LISTED_YEAR = r"(?:19|20)?\d{2}(?:年度|年)?"
_YEARS_PAID_CELL = re.compile(rf"[至到]{_LISTED_YEAR}(?:底|年底)?|{_LISTED_YEAR}(?:(?:[、,，/和及与]|[-~—–至到]){_LISTED_YEAR})*")
_YEAR_RANGE = re.compile(r"((?:19|20)?\d{2})(?:年度|年)?[-~—–至到]((?:19|20)?\d{2})(?:年度|年)?")
_MADE_UP = re.compile(r"[（(]补((?:19|20)?\d{2})(?:年度|年)?(?:会费)?[）)]")  # 2025年（补2024）


def years_paid_written(value) -> list[int] | None:
    """The years a dues cell lists as paid, when it holds nothing but years, as one column of a roster
    lists them ("缴费年度"): a range (2024-2026, 2024—2026, 25-26年: every year in it), a list (24、25,
    25,26, 2024 2026, 2024/2025), one year (2026年, 25年), a year with one made up (2025年（补2024）), or the year paid up
    to (至2025: that year alone, the years before it settled). Two digits are 20xx. A bare two-digit number
    (25) is no year (an amount of 25 yuan): _bare_years_as_years reads it as one where the column lists years.
    A date to the month or day (2026/06/30, 2025-03, 25/12) is no list: None, its cleaner reads it."""
    if _a_month_or_day(value):
        return None
    text = _MADE_UP.sub(r"、\1", re.sub(r"\s", "", re.sub(r"(?<=[\d年])\s+(?=\d)", "、", normalise(value))))  # 2024 2025
    if not _YEARS_PAID_CELL.fullmatch(text) or re.fullmatch(r"\d{2}", text):
        return None
    years: set[int] = set()
    for item in re.split(r"[、,，/和及与]", text.lstrip("至到")):
        ends = _YEAR_RANGE.fullmatch(item)
        first, last = (_full_year(y) for y in ends.groups()) if ends else (_full_year(re.match(r"\d+", item)[0]),) * 2
        if ends and last < first and len(ends.group(2)) == 2:
            last = first // 100 * 100 + last % 100
        if not 1980 <= first <= last <= date.today().year + 5:
            return None
        years.update(range(first, last + 1))
    return sorted(years)


def _a_month_or_day(value) -> bool:
    """Whether a cell is a date naming a month or a day (2026/06/30, 2025-03-15, 2025.12), as parse_date reads one."""
    text = re.sub(r"\s", "", normalise(value))
    if re.fullmatch(r"(?:19|20)?\d{2}年?", text):  # a year alone
        return False
    try:
        parse_date(text)
    except Invalid:
        return False
    return True


def _arrears_first() -> bool:
    return bool(dues.fee_rules().get("arrears_first", False))


_PART_PAID = re.compile(r"(?:还|尚|仍)(?:差|欠)(?:额|款)?\d{3,}(?:\.\d+)?(?![\d年])")  # 还差2000: a year part-paid
_YEAR_LIST = re.compile(r"(?<!\d)((?:19|20)\d{2})((?:[、,，和及与](?:19|20)?\d{2}(?!\d))*)")


_SHORT_YEAR_LIST = re.compile(r"(?<!\d)(\d{2}(?:[、,，和及与]\d{2})+)(?!\d)年?度?(?:会费)?"
                              r"(?=已缴|已交|已付|缴清|交清|交了|缴了)")


def _years_listed(text: str) -> list[int]:
    """Every year written in full, and a year written with two digits in a list after one: 2025、26已交; a list
    of two-digit years said paid: 24、25已交 (2024 and 2025, not the year of the sheet's title)."""
    return [int(first[:2] + year[-2:]) for first, rest in _YEAR_LIST.findall(text)
            for year in [first, *re.findall(r"\d+", rest)]] + \
        [2000 + int(year) for listed in _SHORT_YEAR_LIST.findall(text) for year in re.findall(r"\d{2}", listed)]


def _full_year(written: str) -> int:
    return int(written) if len(written) == 4 else 2000 + int(written)  # 27年: 2027


_YEAR_WRITTEN = r"(?:19|20)\d{2}(?!\d)|\d{2}(?=年)"
_YEARS_RUN = rf"((?:(?:{_YEAR_WRITTEN})年?度?[、,，和及与\-~—至到]?)+)"  # 2025、2026年 / 2024-2026
_YEAR_OWED = rf"{_YEAR_WRITTEN}|\d{{2}}(?=[、,，和及与\-~—至到；;。]|$)"  # after 欠, 26 alone is a year (not 欠30元)
_OWED = re.compile(rf"欠(?:费|缴|交)?(?:[一二两三四五六七八九十\d]年[（(：:]?)?((?:(?:{_YEAR_OWED})年?度?[、,，和及与\-~—至到]?)+)")
# 欠两年（25、26）: the count said before the years
_UNPAID_SINCE = re.compile(rf"(?<!\d){_YEARS_RUN}(以后|之后|后|起|以来)?(?:会费)?(?:均|都|一直|还|尚)?"
                           r"(?:未缴|未交|欠费|欠缴|未付|没交|没缴)")


def last_paid_before_owed(text: str) -> int | None:
    """The last year paid when dues are written as the years owed: 欠2026 (2025), 欠2025、2026 and 欠2025 in
    2026 (2024: every year since the first owed is owed), 2024年起未交 (2023), 2021年后未交 (2021), 26年还没交 (2025)."""
    found = _OWED.search(text) or _UNPAID_SINCE.search(text)
    if not found:
        return None
    years = [_full_year(y) for y in re.findall(_YEAR_OWED if found.re is _OWED else _YEAR_WRITTEN, found.group(1))]
    years = [y for y in years if y <= date.today().year + 1]  # 欠30: thirty yuan, not 2030
    if not years:
        return None
    after = found.re is _UNPAID_SINCE and found.group(2) in ("以后", "之后", "后")
    return max(years) if after else min(years) - 1


def clean_status(value, today: date) -> str:
    """会员状态 as rosters write it (正常, 退休, 已故, 退会 ...) -> active, deceased, resigned, suspended;
    or a line saying when and how the member left (a sheet of those who left: 离会情况 "2023.5去世",
    "2024.3本人申请退会"), read as the first status other than active its words say."""
    text = re.sub(r"\s", "", normalise(value))
    statuses = _membership()["roster"]["status_words"]
    for code, words in statuses.items():
        if text in words:
            return code
    for code, words in statuses.items():
        if code != "active" and any(_says_status(text, word) for word in words):
            return code
    raise Invalid("status")


def _clean_joined_at(value, today: date) -> str:
    joined = parse_date(value)
    if joined > today.isoformat():
        raise Invalid("future_date")
    return joined


_LANDLINE = re.compile(r"(?:[(（]?0\d{2,3}[)）]?[-－—]?)?[2-9]\d{6,7}(?:(?:[-－—]|转)\d{1,5})?")  # 0371-65587112, 63546311

_SCIENTIFIC = re.compile(r"(\d)\.?(\d*)[eE]\+?(\d{1,2})")  # 1.36E+10: a number as Excel shows it in a narrow column


def _clean_mobile(value) -> str:
    """A mobile; one Excel wrote in scientific notation (a CSV saved from a sheet that showed the number
    so) is its digits when all eleven are written (1.3607719999E+10), else Invalid("mobile_lost_digits"):
    1.36E+10 has lost the rest, and nothing can bring them back."""
    found = _SCIENTIFIC.fullmatch(re.sub(r"\s", "", normalise(value)))
    if not found:
        return clean_mobile(value)
    digits = found.group(1) + found.group(2)
    if len(digits) != int(found.group(3)) + 1:
        raise Invalid("mobile_lost_digits")
    return clean_mobile(digits)


def _clean_birth_year(value, today: date) -> int:
    """1985, 1985.06, 1985年6月, 85年6月, 80.12 or a date cell (or its serial): only the year is kept; a year in
    two digits is of the century that makes the member at least 14 (04年2月: 2004; 91年7月: 1991)."""
    value = serial_date(value) or value  # 32761: a date cell formatted General
    if isinstance(value, (date, datetime)):
        value = value.year
    text = re.sub(r"\s", "", normalise(value))
    found = re.match(r"\d{4}", text)
    short = re.fullmatch(r"(\d{2})(?:年(?:\d{1,2}月(?:\d{1,2}日)?)?|[./-]\d{1,2}(?:[./-]\d{1,2})?)", text)
    if short:
        return clean_birth_year(str(birth_year_of(short.group(1), today)), today)
    return clean_birth_year(found.group() if found else value, today)


_DATE = re.compile(r"(\d{4})(?:[.\-/年](\d{1,2})(?:[.\-/月](\d{1,2})日?)?月?)?年?度?")


def parse_date(value, end_of_period: bool = False) -> str:
    """A date as rosters write it, to ISO: `2019.03` is 2019-03-01, or 2019-03-31 as an end date.

    Paid-through dates are ends: `2025` alone means paid through 2025-12-31.
    """
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    text = re.sub(r"\s", "", normalise(value))
    serial = serial_date(text)  # a WPS/Excel cell formatted General, or a serial an old system wrote out
    if serial:
        return serial.isoformat()
    if re.fullmatch(r"(?:19|20)\d{6}", text):
        text = f"{text[:4]}-{text[4:6]}-{text[6:]}"  # 20190305
    short = re.fullmatch(r"(\d{2})(?:年|/)(\d{1,2})(?:月|/)?(?:(\d{1,2})日?)?", text)
    if short:  # 16年3月, 26/3/5: the century is the one that keeps the date from the future
        year = 2000 + int(short.group(1))
        year = year if year <= date.today().year else year - 100
        text = f"{year}-{short.group(2)}" + (f"-{short.group(3)}" if short.group(3) else "")
    found = _DATE.fullmatch(text)
    if not found:
        raise Invalid("date")
    year = int(found.group(1))
    month = int(found.group(2) or (12 if end_of_period else 1))
    day = found.group(3)
    try:
        if day is None:
            day = calendar.monthrange(year, month)[1] if end_of_period else 1
        return date(year, month, int(day)).isoformat()
    except ValueError:
        raise Invalid("date") from None


def _choice(reason: str, key: str):
    return lambda value, today: clean_choice(value, _membership()["choices"][key], reason)


def _text(reason: str, min_len: int, max_len: int):
    return lambda value, today: clean_text(value, reason, min_len, max_len)


CLEANERS = {
    "member_no": _clean_member_no,
    "name": lambda value, today: clean_name(_name_and_note(value)[0]),
    "category": _clean_category,
    "birth_year": _clean_birth_year,
    "work_unit": _text("work_unit", 2, 60),
    "institution_type": _choice("institution_type", "institution_types"),
    "post_category": _choice("post_category", "post_categories"),
    "discipline": _text("discipline", 2, 30),
    "mobile": lambda value, today: _clean_mobile(value),
    "email": lambda value, today: clean_email(value),
    "joined_at": _clean_joined_at,
    "paid_through": clean_paid_through,
    "paid_status": clean_paid_through,
    "council_role": _text("council_role", 1, 30),
    "title": lambda value, today: clean_title(value),
    "gender": lambda value, today: clean_gender(value),
    "unit_no": lambda value, today: _clean_member_no(value, today),
    "remarks": lambda value, today: free_text(value),
    "status": clean_status,
    "contact_name": lambda value, today: clean_name(_name_and_note(value)[0]),  # 马红梅（护理部）
    "credit_code": lambda value, today: clean_credit_code(value),
}
UNIT_CLEANERS = dict(CLEANERS, name=_text("unit_name", 2, 60))
UNIT_FIELDS = ("unit_no", "name", "credit_code", "contact_name", "contact_mobile", "institution_type",
               "paid_through", "joined_at", "level", "former_names", "status", "remarks", "dues_known_to",
               "dues_unpaid", "dues_exempt")
UNIT_SOFT = ("contact_name", "mobile")  # a unit is known by its name: a contact cell to fix is no reason to leave it out
SOFT_COLUMNS = ("institution_type", "post_category", "title", "gender", "status",  # a word not on the list,
                "birth_year")  # or a birth date nobody can read, is no reason to leave a member out
CHECK_REASONS = ("paid_by_unit", "paid_sheet_year", "paid_contradiction", "remark_unpaid", "remark_paid_through", "remark_owed",
                 "unreadable_mark",
                 "deceased", "resigned", "suspended", "unreachable", "mobile_changed", "date_guess",
                 "repeated_differs", "namesake_same_unit", "number_adopted", "soft_dropped", "mobile_extra",
                 "unit_level", "exempt_mark", "paid_gap", "paid_gap_first", "no_paid_year", "mobile_dropped",
                 "no_member_no", "namesake_other_number", "mobile_changed_taken", "unit_level_pending",
                 "corrected_elsewhere", "already_member", "lifetime_mark", "lifetime_category",
                 "colour_contradiction", "paid_behind", "graduated", "mobiles_two", "id_number_lost",
                 "category_in_remarks", "id_number_check", "mobile_lost_digits", "mobile_missing", "renamed",
                 "unit_contact_no_mobile", "sheet_status", "sheet_statuses", "landline", "mobile_changed_unknown", "from_id_number",
                 "category_by_title", "category_unknown", "part_paid", "never_paid", "unit_exempt")
UNIT_ONLY = ("contact_name", "credit_code")
GUESSED_CATEGORY = ("category_by_title", "category_unknown")  # a category read from 职称, none written
INACTIVE_STATUSES = ("deceased", "resigned")  # an older file saying 正常 does not bring them back


# --- the plan -------------------------------------------------------------------

def plan_import(db: sqlite_utils.Database, sheet: Sheet, today: date, units: bool = False,
                overwrite: bool = False) -> ImportPlan:
    """What importing the sheet would do, row by row; writes nothing.

    `units`: every row is a unit member unless its category says otherwise (always so on a sheet
    that lists unit members, is_unit_list).
    `overwrite`: values changed since by someone else are overwritten too.
    """
    units = units or is_unit_list(sheet)
    plan = ImportPlan(sheet)
    if sheet.not_imported:  # a list of people that is not a roster: said once, for the whole sheet
        return plan
    missing = _missing_columns(sheet, units)
    if missing:  # no row of it can be imported: each said, with the columns it lacks
        plan.left_out.extend(Problem(row, None, "", "columns_missing", {"columns": "、".join(missing)})
                             for row, _ in sheet.rows)
        return plan
    seen: dict[tuple[str, str], int] = {}
    namesakes: dict[tuple[str, str], tuple[int, str]] = {}
    cleaned: dict[int, dict] = {}
    rows = [(row, *_clean_row(sheet, row, values, today, units)) for row, values in sheet.rows]
    as_of = records_as_of(sheet)
    for _, fields, _, _ in rows:
        if as_of and as_of <= today.isoformat() and fields.get("paid_through") \
                and fields["paid_through"] != LIFETIME_PAID_THROUGH:
            fields["dues_known_to"] = as_of
    file_units = {fields["unit_no"] for _, fields, problems, _ in rows
                  if fields.get("category") == "unit" and fields.get("unit_no") and not problems}
    plan.checks.extend(Problem(row, sheet.columns["name"], "", "row_shifted", {"header": sheet.columns["name"].header})
                       for row in sheet.shifted)
    written = dict(sheet.rows)
    listed_before = _units_listed_twice(rows)
    cleaned_units = {row: fields for row, fields, _, _ in rows if fields.get("category") == "unit"}
    identities: dict[tuple[str, str], int] = {}
    completed_number = _number_completer(db)
    usual = _usual_width([fields.get("member_no") or "" for _, fields, _, _ in rows])
    for row, fields, problems, notices in rows:
        cleaned[row] = dict(fields)
        waiting = _not_yet_approved(sheet, row, written.get(row, {}))
        stored = waiting and _stored_member(db, fields, completed_number)
        if stored:  # a member's review (a promotion turned down): the row is theirs, not the category it asked for
            fields["category"] = stored["category"]
            plan.checks.append(Problem(row, waiting.column, waiting.value, "review_of_member",
                                       {**waiting.facts, "member_no": stored["member_no"]}))
        elif waiting:  # an applicant, no member yet: listed, not imported
            plan.left_out.append(waiting)
            continue
        if row in listed_before:  # a unit's row under its old name beside the one under its new: imported once
            current = listed_before[row]
            plan.repeated.append((row, current))
            plan.checks.append(Problem(row, sheet.columns.get("unit_no") or sheet.columns.get("member_no")
                                       or sheet.columns["name"], fields.get("unit_no") or fields.get("name", ""),
                                       "unit_listed_twice", {"row": current, "name": cleaned_units[current]["name"]}))
            continue
        same = _same_identity(written.get(row, {}), fields, row, identities)
        if same:  # the same ID card and name as an earlier row: one person written twice by two keepers
            plan.repeated.append((row, same))
            plan.checks.append(Problem(row, sheet.columns.get("member_no") or sheet.columns["name"],
                                       fields.get("member_no") or fields.get("name", ""), "same_identity",
                                       {"first": same, "mobile": fields.get("mobile") or ""}))
            plan.checks.append(Problem(same, sheet.columns.get("member_no") or sheet.columns["name"],
                                       cleaned[same].get("member_no") or cleaned[same].get("name", ""),
                                       "same_identity_first", {"row": row, "number": fields.get("member_no") or ""}))
            extra = [f"{content.text('cli_roster.other_mobile')}：{fields['mobile']}"] if fields.get("mobile") and \
                fields.get("mobile") != cleaned[same].get("mobile") else []
            _carry_remarks(plan, same, "；".join([*extra, *([fields["remarks"]] if fields.get("remarks") else [])]))
            continue
        repeated = _duplicates_in_file(sheet, row, fields, seen, cleaned)
        if isinstance(repeated, int):
            plan.repeated.append((row, repeated))
            plan.checks.extend(_repeated_differs(sheet, row, fields, repeated, cleaned[repeated]))
            _carry_remarks(plan, repeated, fields.get("remarks"))
            continue
        if owner := _owner_of_mobile(db, fields, repeated):  # the earlier row took this member's mobile
            plan.checks.extend(Problem(p.facts["row"], p.column, p.value, "mobile_of_later_row",
                                       {"row": row, "member_no": owner["member_no"], "name": owner["name"]})
                               for p in repeated if p.reason == "shared_mobile")
            repeated = [p for p in repeated if p.reason != "shared_mobile"]
        shared = [p for p in repeated if p.reason == "shared_mobile"]
        if shared:  # a couple's or a ward's one mobile: this row imported without it, the number kept as a phone
            repeated = [p for p in repeated if p.reason != "shared_mobile"]
            kept = f"{content.text('cli_roster.shared_mobile')}：{fields.pop('mobile')}"
            fields["remarks"] = "；".join(filter(None, [fields.get("remarks"), kept]))
            plan.checks.extend(shared)
            plan.checks.extend(Problem(p.facts["row"], p.column, p.value, "shared_mobile_first",
                                       {"row": row, "name": fields.get("name", "")}) for p in shared)
        plan.checks.extend(_namesake_in_file(sheet, row, fields, namesakes))
        plan.replaced.update({row: {"mobile": [n.facts["old"], n.facts["mobile"]]} for n in notices
                              if n.reason == "mobile_changed_taken" and n.facts["old"]})
        moved = [n for n in notices if n.reason not in CHECK_REASONS]  # said only of a row imported
        plan.checks.extend(n for n in notices if n.reason in CHECK_REASONS)
        problems += repeated
        if not problems and fields.get("category") == "unit":
            plan.notices.extend(moved)
            _plan_unit(db, plan, sheet, row, fields, overwrite)
            continue
        member = None
        if not problems:
            member, problems = _match(db, sheet, row, fields, completed_number, file_units, plan.checks, usual)
            if not problems and "unit_no" not in sheet.columns and not (member or {}).get("unit_id"):
                _link_by_work_unit(db, sheet, row, fields, plan.checks)
        no_mobile = bool(problems) and all(p.reason == "required" and p.column is sheet.columns.get("mobile")
                                           for p in problems)  # a member the row names needs no mobile
        loosely = None  # the member known without a number or a mobile of theirs
        if member is None and no_mobile:  # no mobile, but the ID card of the stored member of that name
            loosely = _known_by_remarks(db, fields)
            if loosely:
                plan.checks.append(Problem(row, sheet.columns["name"], fields["name"], "known_by_id_card",
                                           {"member_no": loosely["member_no"]}))
        if member is None and not loosely and (not problems or no_mobile) \
                and _says_already_member(written.get(row, {})):
            loosely = _member_by_name(db, sheet, row, fields, plan.checks)
        if member is None and not loosely and not problems \
                and (shared or any(n.reason in ("mobile_lost_digits", "landline") for n in notices)):
            loosely = _lost_mobile_before(db, sheet, row, fields, plan.checks)
        if loosely:  # the new mobile, a status the row gives and blanks, not the dates
            member, problems = loosely, []
            fields = {k: v for k, v in fields.items()
                      if k in ("mobile", "remarks", "status") or member.get(k) in (None, "")}
        if problems:
            plan.problems.extend(problems)
            if fields.get("remarks"):  # said with the row's problems, so the remark is not lost unseen
                plan.problems.append(Problem(row, sheet.columns.get("remarks") or sheet.columns["name"],
                                             fields["remarks"], "remarks_not_kept"))
            continue
        plan.notices.extend(moved)
        if member is None:
            plan.new.append((row, fields))
        else:
            if member.get("category") and any(n.reason in GUESSED_CATEGORY for n in notices):
                # no 会员类别 written for a stored member (a dues sheet without the column): the stored one stands
                fields = {k: v for k, v in fields.items() if k != "category"}
                plan.checks[:] = [c for c in plan.checks if not (c.row == row and c.reason in GUESSED_CATEGORY)]
            changes = _changes(db, plan, row, "member", member, fields, overwrite)
            if changes:
                plan.updates.append((row, member, changes))
            else:
                plan.unchanged.append((row, member))
    if not overwrite and _older_than_store(plan):
        _keep_stored_values(plan)
        for row, fields in plan.new:  # in an old export, not in the roster since: a former member, kept as history
            if fields.get("status", "active") == "active":
                fields["status"] = "resigned"
            plan.checks.append(Problem(row, sheet.columns["name"], fields.get("name", ""), "new_in_older_file"))
    return plan


def _units_listed_twice(rows: list[tuple[int, dict, list, list]]) -> dict[int, int]:
    """Row -> the row it is read from, for a unit listed twice (the same number, or a name one row gives as the
    other's former name: 西安秦岭建筑工程有限公司, 2025年底更名为陕西秦岭建设集团有限公司, and the new name's row,
    原西安秦岭建筑工程有限公司，更名): the row written under the current name holds, or the later one; the other
    row's names are kept as the unit's former names, so a transfer in either is the unit's."""
    units = [(row, fields, notices) for row, fields, problems, notices in rows
             if fields.get("category") == "unit" and fields.get("name") and not problems]
    later: dict[int, int] = {}
    for at, (row, fields, notices) in enumerate(units):
        for other, other_fields, other_notices in units[at + 1:] if row not in later else ():
            if other in later or not _same_unit(fields, other_fields):
                continue
            renamed = any(n.reason == "renamed" for n in notices)
            kept, dropped = (row, other) if not renamed and any(n.reason == "renamed" for n in other_notices) \
                else (other, row)
            kept_fields, dropped_fields = (fields, other_fields) if kept == row else (other_fields, fields)
            names = [*(kept_fields.get("former_names") or "").split("、"), dropped_fields["name"],
                     *(dropped_fields.get("former_names") or "").split("、")]
            kept_fields["former_names"] = "、".join(dict.fromkeys(
                name for name in names if name and unit_name_key(name) != unit_name_key(kept_fields["name"]))) or None
            later[dropped] = kept
            if dropped == row:
                break
    return later


def _same_unit(one: dict, other: dict) -> bool:
    """Two rows of one unit: the same number, or a name of one (its own or a former one) the other's."""
    if one.get("unit_no") and one.get("unit_no") == other.get("unit_no"):
        return True
    names = [{unit_name_key(n) for n in [f["name"], *(f.get("former_names") or "").split("、")] if n}
             for f in (one, other)]
    return bool(names[0] & names[1])


def _not_yet_approved(sheet: Sheet, row: int, values: dict) -> Problem | None:
    """The row of an applicant the secretariat has not approved (新入会's 审核情况 待审（缺推荐表）), said with the
    cell that says so; None for a row of a member."""
    roster = _membership()["roster"]
    number = normalise(values.get("member_no"))
    if any(word in number for word in roster["applicant_words"]):  # 会员编号 待审: no number, not approved yet
        column = sheet.columns["member_no"]
        return Problem(row, column, number, "not_yet_approved", {"header": column.header})
    headers = {header_key(h) for h in roster["review_headers"]}
    cells = dict(values.get(OTHER_CELLS) or [])
    for column in sheet.ignored:
        said = normalise(cells.get(column.header))
        if header_key(column.header) in headers and any(word in said for word in roster["applicant_words"]):
            return Problem(row, column, _shown(cells[column.header]).strip(), "not_yet_approved",
                           {"header": column.header})
    return None


def _stored_member(db: sqlite_utils.Database, fields: dict, completed_number) -> dict | None:
    """The stored member a row is about, by the number it gives, else by its name and mobile together."""
    number = fields.get("member_no") and number_as_written(db, fields["member_no"], completed_number)
    if number:
        return find_member_by_no(db, number)
    return _member_of_name_and_mobile(db, fields)


def _member_of_name_and_mobile(db: sqlite_utils.Database, fields: dict) -> dict | None:
    return next((member for member in find_members_by_mobile(db, fields.get("mobile") or "")
                 if _squeeze(member["name"]) == _squeeze(fields.get("name") or "")), None)


def corrected_elsewhere(sheets: list[Sheet]) -> list[list[Problem]]:
    """For each sheet, its rows whose mobile is no mobile while a row of the same name (on any sheet
    of the file) has it with the digit that was missing: one person sent in twice, corrected later.
    Said on the wrong row, so the secretary knows the person is in and the row can be let go."""
    written = [(position, row, _squeeze(values.get("name") or ""), re.sub(r"\D", "", normalise(values.get("mobile"))))
               for position, sheet in enumerate(sheets) for row, values in sheet.rows]
    valid = {}
    for position, row, name, digits in written:
        try:
            valid.setdefault(name, []).append((position, row, clean_mobile(digits)))
        except Invalid:
            continue
    said: list[list[Problem]] = [[] for _ in sheets]
    for position, row, name, digits in written:
        if not name or not digits or any(m == digits for _, _, m in valid.get(name, [])):
            continue
        for other_position, other_row, mobile in valid.get(name, []):
            if any(mobile[:i] + mobile[i + 1:] == digits for i in range(len(mobile))):
                sheet = sheets[position]
                said[position].append(Problem(row, sheet.columns.get("mobile"), digits, "corrected_elsewhere", {
                    "sheet": sheets[other_position].name or "", "row": other_row, "mobile": mobile, "name": name}))
                break
    return said


def _older_than_store(plan: ImportPlan) -> bool:
    """Most of the file's members have paid later than the file says: an old export (a system
    frozen years ago, last year's list), whose other values are older too."""
    behind = {c["row"] for c in plan.conflicts if c["field"] == "paid_through"}
    matched = len(plan.updates) + len(plan.unchanged)
    return matched >= 3 and len(behind) * 2 > matched


def _finer(key: str, stored, written) -> bool:
    """The file's date says more of the same period (2019-03-05 where the store has 2019.03 as 2019-03-01)."""
    if key != "joined_at" or not stored or not written:
        return False
    stored, written = str(stored), str(written)
    return (stored.endswith("-01") and stored[:7] == written[:7]) or (stored.endswith("-01-01") and stored[:4] == written[:4])


def _keep_stored_values(plan: ImportPlan) -> None:
    """From an older file only blanks are filled; a different stored value (a mobile changed since)
    is kept and listed with the other conflicts."""
    updates = []
    for row, member, changes in plan.updates:
        for key in [k for k, v in changes.items() if member.get(k) not in (None, "") and not _finer(k, member[k], v)
                    and k != "remarks"]:  # remarks are added to, never replaced
            plan.conflicts.append({"row": row, "number": member.get("member_no"), "name": member["name"],
                                   "field": key, "stored": member[key], "file": changes.pop(key),
                                   "overwritten": False, "at": None, "actor": None})
        if changes:
            updates.append((row, member, changes))
        else:
            plan.unchanged.append((row, member))
    plan.updates = updates


def _carry_remarks(plan: ImportPlan, first: int, remarks: str | None) -> None:
    """A person listed again is imported once: what the later row's remarks add goes with the first."""
    if not remarks:
        return
    for row, fields in plan.new:
        if row == first:
            fields["remarks"] = _merged_remarks(fields["remarks"], remarks) if fields.get("remarks") else remarks
    for row, member, changes in plan.updates:
        if row == first:
            stored = changes.get("remarks") or member.get("remarks")
            changes["remarks"] = _merged_remarks(stored, remarks) if stored else remarks


def _merged_remarks(stored: str, written: str) -> str:
    """A file's remarks join those stored, never replace them (退休 from one list, 出国 from the next).
    What the store holds already is not repeated however it is written the next time: in another
    order, joined by 、 or a comma, with other colons, spaces or full-width digits, or masked by an
    export (身份证号：4101**********3456 where the whole number is held)."""
    joiner = columns()["remarks"]["joiner"]
    written = unmasked(written, stored)
    held = _remark_key(stored)
    added = []
    for part in filter(None, (p.strip() for p in _REMARK_PARTS.split(written))):
        pieces = [p.strip() for p in _REMARK_PIECES.split(part) if _remark_key(p)]
        new = [p for p in pieces if _remark_key(p) not in held and not _value_held(p, held)]
        if new:
            added.append(part if len(new) == len(pieces) else joiner.join(new))
            held += _remark_key(added[-1])
    return joiner.join([stored, *added])


_REMARK_PARTS = re.compile(r"[；;\n]")
_REMARK_PIECES = re.compile(r"[；;，,、\n]")


def _value_held(piece: str, held: str) -> bool:
    """证件号码：4101… where 身份证号：4101… is held: the same long value under another column's name."""
    value = _remark_key(re.split(r"[：:]", piece, maxsplit=1)[-1]) if re.search(r"[：:]", piece) else ""
    return len(value) >= 6 and value in held


def _remark_key(text: str) -> str:
    """A remark as compared: the words and digits only (：and : or ０３７１ and 0371 are the same)."""
    return re.sub(r"[\W_]", "", normalise(text))


def _changes(db, plan: ImportPlan, row: int, subject: str, record: dict, fields: dict,
             overwrite: bool) -> dict:
    """The row's changes to a stored record, less those that would overwrite a newer value:
    a paid-through date later than the file's, or a value last changed other than by an import."""
    changes = {k: v for k, v in fields.items() if record.get(k) != v}
    if changes.get("remarks") and record.get("remarks"):
        merged = _merged_remarks(record["remarks"], changes["remarks"])
        if merged == record["remarks"]:
            del changes["remarks"]
        else:
            changes["remarks"] = merged
    last = last_changes(db, subject, record["id"]) if changes else {}
    for key in list(changes):
        stored, change = record.get(key), last.get(key)
        later = (key == "paid_through" and stored and str(stored) > str(changes[key])) or (
            key == "status" and stored in INACTIVE_STATUSES and changes[key] == "active")
        edited = change is not None and change["action"] not in ("imported", "created")
        if stored in (None, "") or not (later or edited):
            continue
        number = record.get("member_no") or record.get("unit_no")
        plan.conflicts.append({"row": row, "number": number, "name": record["name"], "field": key,
                               "stored": stored, "file": changes[key], "overwritten": overwrite,
                               "at": (change or {}).get("at"), "actor": (change or {}).get("actor")})
        if not overwrite:
            del changes[key]
    return changes


def _clean_row(sheet: Sheet, row: int, values: dict, today: date,
               units: bool = False) -> tuple[dict, list[Problem], list[Problem]]:
    """The row's fields, its problems, and notices saying where a cell's content went."""
    fields, problems, notices = {}, [], []
    listed_years, listed_in = {}, None  # the years a dues cell lists as paid, and its column
    values = dict(values)
    marks = values.pop("dues_marks", None) or []
    other_cells = list(values.pop(OTHER_CELLS, None) or [])
    other_cells = [cell for cell in other_cells if not _id_number_lost(sheet, row, cell, notices)]
    for cell in other_cells:
        _id_number_checked(sheet, row, cell, notices)
    roles = _roles_of(sheet, row, values, notices)
    category = _category_of(sheet, row, values, today, units, notices, problems)
    unit = category == "unit"
    if category and not unit and "name" not in sheet.columns:  # 普通会员 on a list of units: no one to name
        problems.append(Problem(row, sheet.columns["category"], _shown(values["category"]), "person_on_unit_list"))
    written_level = (normalise(values.get("category")) or _section_level(sheet, row)) if unit else ""
    if unit and (roles or _is_unit_level(written_level)):
        # 理事单位, 常务理事, 会员: the unit's level, no person's council role
        notices[:] = [n for n in notices if n.reason not in ("role_in_category", "role_in_remarks")]
        level, pending = _unit_level(written_level)
        fields["level"] = level
        fee = (_membership()["fees"].get("unit_levels") or {}).get(level)
        if not fee or written_level != level:  # 常务理事 read as 常务理事单位, or a level without its own fee
            notices.append(Problem(row, sheet.columns.get("category"), written_level,
                                   "unit_level_fee" if fee else "unit_level",
                                   {"fee": dues_format(fee or _membership()["fees"]["yearly"]["unit"]), "level": level}))
        if pending:
            notices.append(Problem(row, sheet.columns.get("category"), written_level, "unit_level_pending",
                                   {"level": level, "pending": pending}))
    if unit:
        former = _former_names(values.get("remarks"))
        if former:
            fields["former_names"] = "、".join(former)
    cleaners = UNIT_CLEANERS if unit else CLEANERS
    if re.sub(r"[\s()\[\]【】]", "", normalise(values.get("member_no"))) in _membership()["roster"]["no_number_words"]:
        notices.append(Problem(row, sheet.columns["member_no"], _shown(values["member_no"]), "no_member_no"))
        values["member_no"] = None  # 待分配: a new member, numbered on import
    for key, value in values.items():
        column = sheet.columns[key]
        if key in ("category", "council_role") or (key in UNIT_ONLY and not unit):
            continue
        if is_blank(value):
            if key == "mobile" and not unit and not is_blank(values.get("member_no")):
                notices.append(Problem(row, column, "", "mobile_missing"))  # a numbered member is known without it
            elif columns()[key].get("required") and not (unit and key == "mobile"):
                problems.append(Problem(row, column, "", "required"))
            continue
        if key in ("paid_through", "paid_status"):
            listed = years_paid_written(value)
            if listed:  # 2024、2026: read with the years a grid says paid (the gap listed, arrears first)
                listed_years.update(dict.fromkeys(listed, True))
                listed_in = listed_in or column
                continue
        try:
            cleaned = cleaners[key](value, today)
        except Invalid as bad:
            said = _paid_in_sheet_year(sheet, value) if bad.reason == "paid_status" else None
            if said:  # 已缴 / 交了 in a roster titled 2026年; 没交 is 未缴
                if said[0] == "paid":
                    fields[key] = f"{said[1]}-12-31"
                    notices.append(Problem(row, column, _shown(value), "paid_sheet_year", {"year": said[1]}))
                continue
            if bad.reason == "mobile_lost_digits":  # imported without it, for a person to ask the member
                notices.append(Problem(row, column, _shown(value), bad.reason, {"header": column.header}))
                continue
            mobiles = _mobiles_of(value) if key == "mobile" else []
            emails, rest = _beside_mobile(value) if key == "mobile" else ([], [])
            contact = _contact_beside(values, rest) if unit and "contact_name" not in fields else None
            if contact:  # a unit's 联系人及电话 "张学民 13803716001": the contact's name and number
                fields["contact_name"] = contact
                rest.remove(contact)
                notices.append(Problem(row, column, _shown(value), "unit_contact", {"name": contact}))
            if len(mobiles) == 1:  # "15355952418/0371-65512345", "zhang@x.cn 13503850617": the mobile, the rest kept
                fields[key] = mobiles[0]
                if emails and "email" not in fields and is_blank(values.get("email")):
                    fields["email"] = emails.pop(0)
                    notices.append(Problem(row, column, _shown(value), "mobile_email",
                                           {"mobile": mobiles[0], "email": fields["email"]}))
                rest += emails
                if rest:
                    other_cells.append((column.header, "、".join(rest)))
                    notices.append(Problem(row, column, _shown(value), "mobile_extra",
                                           {"mobile": mobiles[0], "rest": "、".join(rest)}))
                continue
            if len(mobiles) > 1:  # "13700851234/18838012345": the first, the others kept in the remarks
                fields[key] = mobiles[0]
                other_cells.append((content.text("cli_roster.other_mobile"), "、".join(mobiles[1:])))
                notices.append(Problem(row, column, _shown(value), "mobiles_two",
                                       {"mobile": mobiles[0], "others": "、".join(mobiles[1:])}))
                continue
            if contact and rest + emails:  # "宋建平 0379-64966002": the contact, the landline kept; no mobile
                other_cells.append((column.header, "、".join(rest + emails)))
                notices.append(Problem(row, column, _shown(value), "unit_contact_no_mobile",
                                       {"name": contact, "rest": "、".join(rest + emails)}))
            elif key == "mobile" and _LANDLINE.fullmatch(re.sub(r"\s", "", normalise(value))):
                # a landline or a ward's office phone, often shared: kept as a phone, never as anyone's mobile
                other_cells.append((content.text("cli_roster.landline"), _shown(value)))
                notices.append(Problem(row, column, _shown(value), "landline"))
            elif key in SOFT_COLUMNS or (unit and key in UNIT_SOFT):  # 单位性质 "事业单位": the member is imported, the cell left for a person
                notices.append(Problem(row, column, _shown(value), "soft_dropped", {"reason": bad.reason}))
            elif key == "mobile" and not unit and not is_blank(values.get("member_no")):
                # a numbered member is known without the mobile: imported, the number left for a person
                notices.append(Problem(row, column, _shown(value), "mobile_dropped"))
            else:
                problems.append(Problem(row, column, _shown(value), bad.reason))
            continue
        if cleaned is not None:
            fields[key] = cleaned
        if key in ("paid_through", "paid_status") and cleaned and _PART_PAID.search(re.sub(r"\s", "", normalise(value))):
            notices.append(Problem(row, column, _shown(value), "part_paid", {"year": int(cleaned[:4]) + 1}))
        if key == "name" and _name_and_note(value)[1]:
            notices.append(Problem(row, column, _shown(value), "name_note",
                                   {"name": cleaned, "note": _name_and_note(value)[1]}))
        if key == "mobile" and _SCIENTIFIC.fullmatch(re.sub(r"\s", "", normalise(value))):
            notices.append(Problem(row, column, _shown(value), "mobile_scientific", {"mobile": cleaned}))
        if key == "joined_at" and isinstance(value, float) and re.fullmatch(r"\d{4}\.1", repr(value)):
            notices.append(Problem(row, column, _shown(value), "date_guess", {"date": cleaned[:7]}))
    if not unit and _from_id_number(sheet, row, fields, other_cells, today, notices):
        notices[:] = [n for n in notices if not (n.row == row and n.reason == "soft_dropped"
                                                 and n.column is sheet.columns.get("birth_year") and "birth_year" in fields)]
    if category:
        fields["category"] = category
    if roles and not unit:
        fields["council_role"] = "、".join(roles)
    status = fields.pop("paid_status", None)
    if status and (not fields.get("paid_through") or status > fields["paid_through"]):
        fields["paid_through"] = status
    owes = category in (None, "unit") or dues_yearly_fee(category) > 0  # 免 for an honorary member: no dues at all
    paid_years = {**listed_years, **_paid_years(sheet, row, marks, notices, owes=owes)}
    if any(n.row == row and n.reason in ("lifetime_mark", "lifetime_category") for n in notices):
        fields["paid_through"] = LIFETIME_PAID_THROUGH  # 终身会员 / 终身 in the year columns
        paid_years = {}
    _read_remarks(sheet, row, fields, paid_years, notices, unlabelled=[
        (column, value) for column, (_, value) in zip(_unlabelled(sheet), _unlabelled_cells(other_cells))])
    arrears_first = _arrears_first()
    if owes:  # a member whose category owes no dues has no arrears to list, whatever the years say
        _year_gaps(sheet, row, fields, paid_years, notices, arrears_first, listed_in)
    latest = _paid_through_year(paid_years, fields.get("joined_at"), arrears_first)
    if latest and (not fields.get("paid_through") or f"{latest}-12-31" > fields["paid_through"]):
        fields["paid_through"] = f"{latest}-12-31"
    named_status = "status" not in fields and _status_after_name(values.get("name"))
    if named_status:
        fields["status"] = named_status
    sheet_says = _sheet_status(sheet)
    if sheet_says and "status" not in fields:  # a sheet named 已故会员 (or 退会及已故), the row saying nothing more
        fields["status"] = sheet_says[0]
        shown = [content.text(f"cli_labels.statuses.{code}") for code in sheet_says]
        notices.append(Problem(row, None, "", "sheet_status" if len(sheet_says) == 1 else "sheet_statuses",
                               {"sheet": sheet.name, "status": shown[0], "statuses": "或".join(shown)}))
    elif fields.get("status") in ("deceased", "resigned", "suspended"):
        said_in = sheet.columns.get("status") if values.get("status") else \
            sheet.columns["name"] if named_status else sheet.columns.get("remarks")
        notices.append(Problem(row, said_in, "", fields["status"]))
    role_alone = roles and not unit and not is_blank(values.get("remarks")) and \
        not split_roles(normalise(values.get("remarks")), remarks=True)[1]  # 备注 常务理事: moved, not kept twice
    remarks = _remarks_kept(dict(values, remarks=None) if role_alone else values, other_cells)
    if remarks:
        fields["remarks"] = remarks
    else:
        fields.pop("remarks", None)
    if unit:
        _unit_exempt(sheet, row, values, fields, notices)
        return _renamed(sheet, row, _unit_fields(fields), values.get("remarks"), notices), problems, notices
    return fields, problems, notices


def _unit_exempt(sheet: Sheet, row: int, values: dict, fields: dict, notices: list[Problem]) -> None:
    """A unit whose dues cell says 免 (免交, 免缴; 挂靠单位，免交), or whose remark says its dues are waived (会费免交:
    the society's 挂靠单位), pays none: kept so (dues_exempt), never owed, listed for a person to see."""
    exempt = _membership()["roster"]["paid_marks"]["exempt"]
    words = "|".join(map(re.escape, exempt))
    for key in ("paid_status", "paid_through", "remarks"):
        whole = re.sub(r"\s", "", normalise(values.get(key)))  # 挂靠单位（会费免交）: the words in brackets too
        clauses = _REMARK_CLAUSES.split(re.sub(r"[（(][^）)]*[）)]", "", whole))  # 免（挂靠单位）: the cell's own
        if (key != "remarks" and any(clause in exempt for clause in clauses)) or any(  # 挂靠单位，免交; 会费免交; 免收会费
                re.search(f"会费(?:{words})|(?:{words})(?:缴|交)?会费", clause) and "年" not in clause
                for clause in _REMARK_CLAUSES.split(whole)):  # not 首年免会费, 2024年免收会费: a year waived, not all
            fields["dues_exempt"] = 1
            notices.append(Problem(row, sheet.columns[key], _shown(values[key]), "unit_exempt"))
            return


def kept_in_remarks(sheet: Sheet) -> list[Column]:
    """The sheet's columns no alias names whose cells go to the remarks (not a row number's)."""
    return [column for column in sheet.ignored if header_key(column.header) not in _not_kept()]


def unread_dues_columns(sheet: Sheet) -> list[Column]:
    """The columns kept in the remarks whose header says dues (缴费记录) but whose cells the import could not
    read as paid or owed: no member's paid-through comes from them."""
    words = [header_key(word) for word in columns()["paid_status"]["by_cells"]]
    return [column for column in kept_in_remarks(sheet) if any(word in header_key(column.header) for word in words)]


def _not_kept() -> set[str]:
    return {header_key(h) for h in columns()["remarks"].get("not_kept", [])}


def _remarks_kept(values: dict, other_cells: list) -> str:
    """Every word of the row that no field holds as written, kept with the member: the remarks cell
    (退休, 出国, 已故 ...), a status word read as another (会员状态 退休 is 正常: 退休; not 有效, which
    says only that), and the cells of
    columns nobody reads (办公电话：0371-65512345), but not row numbers ([columns.remarks] not_kept)."""
    spec = columns()["remarks"]
    skipped = _not_kept()
    parts = [_shown(values["remarks"]).strip()] if not is_blank(values.get("remarks")) else []
    name_note = _name_and_note(values.get("name"))[1]
    if name_note:
        parts.append(name_note)  # 张国强（退休）, 张伟教授
    if _name_and_note(values.get("contact_name"))[1]:  # a unit's contact 马红梅（护理部）: her department kept
        parts.append(content.text("cli_roster.remark_cell", header=content.text("cli_labels.fields.contact_name"),
                                  value=_shown(values["contact_name"]).strip()))
    status = re.sub(r"\s", "", normalise(values.get("status")))
    if status and not any(status in part for part in parts):
        try:
            code = clean_status(status, date.today())
        except Invalid:
            code = None
        plain = status in _membership()["roster"].get("plain_status_words", [])
        if code is None or not (plain or content.text(f"cli_labels.statuses.{code}") == status):
            parts.append(status)  # 退休, as the secretary would write it in the remarks
    for header, value in other_cells:
        if not is_blank(value) and not header:
            parts.append(_shown(value).strip())  # a column with no header: the remark as written
        elif not is_blank(value) and header_key(header) not in skipped:
            parts.append(content.text("cli_roster.remark_cell", header=header, value=_shown(value).strip()))
    return spec["joiner"].join(dict.fromkeys(p for p in parts if p))


_MARK_YEARS = re.compile(r"((?:(?:19|20)?\d{2}年?度?[、,，/和及\-~至]?)+)(.+)")
_YEAR_HEADER = re.compile(r"((?:19|20)\d{2})年?度?(?:个人)?(?:会费|缴费|缴纳|交费)*(?:情况|状态)?")


def _mark(value) -> str | None:
    """A cell of a paid column: `paid`, `unit` (paid by the member's unit), `unpaid`, None (blank)
    or `unreadable`. An amount (200) or a date counts as paid."""
    if is_blank(value):
        return None
    if isinstance(value, (date, datetime)):
        return "paid"
    if isinstance(value, (int, float)):
        return "paid" if value > 0 else "unpaid"
    text = re.sub(r"\s", "", normalise(value)).lower()
    text = re.sub(r"[（(][^）)]*[）)]$", "", text) or text  # 3000（发票已开）
    marks = _membership()["roster"]["paid_marks"]
    for state in ("unit", "unpaid", "paid", "exempt", "lifetime"):
        if text in marks.get(state, ()):
            return state
    amount_after = re.fullmatch(r"(\D+?)[¥￥]?\d+(?:\.\d+)?元?", text)
    if amount_after and amount_after.group(1) in marks["paid"]:
        return "paid"  # 已缴40
    if _MARK_YEARS.fullmatch(text) and _paid_said(_MARK_YEARS.fullmatch(text).group(2), marks["paid"]):
        return "paid"  # 2025已交, 24、25已交, 25年一起交了 (this year's paid with the next's)
    if any(word in text for word in marks["unit"]):
        return "unit"
    if re.fullmatch(r"[¥￥]?\d+(?:\.\d+)?元?", text):
        return "paid" if float(re.sub(r"[^\d.]", "", text)) > 0 else "unpaid"
    return "unreadable"


def _paid_said(words: str, paid: list[str]) -> bool:
    """Words after the years of a paid mark saying it is paid: 已交, or ending so with nothing against it (一起交了)."""
    return words in paid or (words.endswith(tuple(w for w in paid if len(w) > 1)) and not re.search("[未没欠不]", words))


def _paid_years(sheet: Sheet, row: int, marks: list, notices: list[Problem], owes: bool = True) -> dict[int, bool]:
    """Year -> paid, from the columns that say it year by year (2025年 | 2026年 under 会费缴纳情况,
    2026年会费); a 是否缴费 column beside one year's column is checked against it."""
    marks_words = _membership()["roster"]["paid_marks"]
    years: dict[int, bool] = {}
    year_cells, questions = [], []
    for column, (_, value) in zip(sheet.gathered.get("dues_marks", []), marks):
        head = header_key(column.header)
        found = _YEAR_HEADER.fullmatch(head)
        if found:
            year_cells.append((int(found.group(1)), column, value, _mark(value)))
        elif any(word in head for word in marks_words["question_headers"]):
            questions.append((column, value, _mark(value)))
    sheet_year = _year_of_sheet(sheet)
    if not year_cells and len(questions) == 1 and sheet_year:  # "2026年会费收缴登记表" | 是否缴费
        column, value, state = questions.pop()
        year_cells.append((sheet_year, column, value, state))
    for year, column, value, state in year_cells:
        state = _by_colour(sheet, row, column, value, state, notices)
        owed = last_paid_before_owed(re.sub(r"\s", "", normalise(value))) if state == "unreadable" else None
        if owed and owed < year:  # 欠2025、2026 in the 2026 column: paid to 2024, owed since
            years.update({owed: True, **{y: years.get(y, False) for y in range(owed + 1, year + 1)}})
            continue
        if state in ("unreadable", "exempt", "lifetime") and (owes or state != "exempt"):
            notices.append(Problem(row, column, _shown(value), f"{state}_mark"))  # 免 for an honorary member: as it should be
            if state != "exempt":
                continue
        years[year] = years.get(year) or state in ("paid", "unit") or (owes and state == "exempt")  # 免: none owed
        for written in _years_written(value, year) if state == "paid" else ():
            years[written] = True  # "24、25已交" in the 2024 column: 2025 as well
        if state == "unit":
            notices.append(Problem(row, column, _shown(value), "paid_by_unit", {"year": year}))
    if len(year_cells) == 1 and year_cells[0][3] != "unreadable":
        year, column, value, state = year_cells[0]
        for other, other_value, answer in questions:
            if answer in ("paid", "unit", "unpaid") and (answer != "unpaid") != years[year]:
                state_text = content.text("cli_roster.checks.state_paid" if years[year]
                                          else "cli_roster.checks.state_unpaid")
                notices.append(Problem(row, column, _shown(value), "paid_contradiction",
                                       {"year": year, "header": column.header, "other": other.header,
                                        "other_value": _shown(other_value), "state": state_text}))
    return years


def _by_colour(sheet: Sheet, row: int, column: Column, value, state: str | None, notices: list[Problem]) -> str | None:
    """A blank cell filled in the colour the sheet's legend says means paid ("绿色底色表示已缴") is paid;
    a cell of that colour whose words say otherwise goes by the words, listed for a person."""
    fill = sheet.fills.get((row, column.index))
    if not fill:
        return state
    paid_colour = _paid_colour(sheet)
    if not paid_colour or colour_name(fill) != paid_colour:
        return state
    if state is None:
        return "paid"
    if state == "unpaid":
        notices.append(Problem(row, column, _shown(value), "colour_contradiction", {"colour": paid_colour}))
    return state


def _paid_colour(sheet: Sheet) -> str | None:
    """The colour the sheet's legend (a line over the header or under the table) says marks paid."""
    return next(filter(None, map(_legend_colour, _lines(sheet))), None)


def _legend_colour(line: str) -> str | None:
    """The colour a legend line names for paid ("绿色底色表示已缴"), if it is one."""
    text = re.sub(r"\s", "", normalise(line))
    if not any(word in text for word in _membership()["roster"]["paid_marks"]["paid"] if len(word) > 1):
        return None
    return next((name for name in COLOURS if f"{name}色" in text), None)


def _years_written(value, column_year: int) -> list[int]:
    """The years a paid mark names ("2025已交", "24、25已交", "已缴(含2026)"), as full years near the column's."""
    text = re.sub(r"\s", "", normalise(value))
    also = [int(y) for y in re.findall(r"含((?:19|20)\d{2})", text)]
    if also and _mark(value) == "paid":
        return [y for y in also if abs(y - column_year) <= 5]
    found = _MARK_YEARS.fullmatch(text)
    if not found or not _paid_said(found.group(2), _membership()["roster"]["paid_marks"]["paid"]):
        return []
    years = [int(y) if len(y) == 4 else column_year // 100 * 100 + int(y)
             for y in re.findall(r"\d{4}|\d{2}", found.group(1))]
    return [y for y in years if abs(y - column_year) <= 5]


def _paid_through_year(years: dict[int, bool], joined_at: str | None, arrears_first: bool) -> int | None:
    """The last year the year columns pay for: the latest paid; where arrears are paid first (arrears_first),
    as many years from the first one owed (the first column's, or the year joined when later) as are paid,
    whichever columns say so (✓ 未交 已缴: paid through the second year, the later money having paid the
    year left unpaid)."""
    paid = [year for year, is_paid in years.items() if is_paid]
    if not arrears_first or not paid:
        return max(paid, default=None)
    first = _first_owed(years, joined_at)
    counted = [year for year in paid if year >= first]
    return first - 1 + len(counted) if counted else max(paid)


def _first_owed(years: dict[int, bool], joined_at: str | None) -> int:
    """The first year the year columns can owe: the first column's, or the year joined when later."""
    return max(min(years), int(joined_at[:4]) if joined_at else 0)


def _year_gaps(sheet: Sheet, row: int, fields: dict, years: dict[int, bool], notices: list[Problem],
               arrears_first: bool = False, listed_in: Column | None = None) -> None:
    """A year unpaid between paid ones, or no year paid at all in two or more year columns: arrears. Where
    arrears are paid first, the later year's money paid the year left unpaid: listed, none kept unpaid.
    `listed_in`: the column whose cell listed the years (缴费年度 2024、2026), named when no year has one."""
    if fields.get("status") not in (None, "active") or not years:
        return
    paid = sorted(y for y, is_paid in years.items() if is_paid)
    column = next(iter(sheet.gathered.get("dues_marks", [])), listed_in)
    gaps = [y for y in range(paid[0], paid[-1]) if not years.get(y)] if paid else []
    behind = [y for y in sorted(years) if paid and y > paid[-1]]
    owed = [y for y in range(_first_owed(years, fields.get("joined_at")), paid[-1]) if not years.get(y)] \
        if paid and arrears_first else []  # between paid years, or before the first one paid (blank 2023 ✓ 2026)
    if owed:
        through = _paid_through_year(years, fields.get("joined_at"), arrears_first)
        notices.append(Problem(row, _year_column(sheet, owed[0]) or column, "", "paid_gap_first",
                               {"years": "、".join(map(str, owed)), "through": through}))
        return
    fields["dues_unpaid"] = "、".join(map(str, gaps)) or None  # kept: a transfer naming no year may be for it
    if gaps:  # named at the first unpaid year's column
        notices.append(Problem(row, _year_column(sheet, gaps[0]) or column, "", "paid_gap",
                               {"years": "、".join(map(str, gaps))}))
    elif len(behind) >= 2 and (fields.get("paid_through") or "") < f"{behind[-1]}-12-31":
        notices.append(Problem(row, _year_column(sheet, behind[0]) or column, "", "paid_behind",
                               {"years": "、".join(map(str, behind)), "count": len(behind)}))  # in arrears
    elif not paid and len(years) >= 2 and not fields.get("paid_through"):
        notices.append(Problem(row, column, "", "no_paid_year", {"first": min(years), "last": max(years)}))


def _year_column(sheet: Sheet, year: int) -> Column | None:
    """The paid-marks column of that year (2025年度会费), if the sheet has one."""
    return next((c for c in sheet.gathered.get("dues_marks", [])
                 if (m := _YEAR_HEADER.fullmatch(header_key(c.header))) and int(m.group(1)) == year), None)


def _paid_in_sheet_year(sheet: Sheet, value) -> tuple[str, int | None] | None:
    """A 缴费情况 cell written as a paid column's mark, no year in it: ("paid", the year the sheet's
    title names, or else the year of the day its records go up to: 更新：2026.8.25) for 已缴 / 交了 when it
    names one; ("unpaid", None) for 没交; else None (not read)."""
    as_of = records_as_of(sheet)
    state, year = _mark(value), _year_of_sheet(sheet) or (int(as_of[:4]) if as_of else None)
    if state == "unpaid":
        return state, None
    return (state, year) if state == "paid" and year else None


def _year_of_sheet(sheet: Sheet) -> int | None:
    """The one year a sheet's title or name is about ("2026年会费收缴登记表", sheet "2026会费"), if one."""
    years = {int(y) for text in [*sheet.titles, sheet.name or ""]
             for y in re.findall(r"(?<!\d)((?:19|20)\d{2})(?!\d)", text)}
    return years.pop() if len(years) == 1 else None


def _unlabelled(sheet: Sheet) -> list[Column]:
    return [column for column in sheet.ignored if not column.header]


def _unlabelled_cells(other_cells: list) -> list:
    return [(header, value) for header, value in other_cells if not header]


def _read_remarks(sheet: Sheet, row: int, fields: dict, paid_years: dict[int, bool],
                  notices: list[Problem], unlabelled: list = ()) -> None:
    """What remarks say beyond council roles: 已缴至2027 (paid through), 2025年未缴 (checked against
    the year's column), 已故 / 退会 (the member's status), 联系不上, 手机号已换 (for a person to see)."""
    said = [(sheet.columns.get("remarks"), fields.get("remarks"))] + list(unlabelled)  # and a column with no header
    said = [(column, normalise(value)) for column, value in said if not is_blank(value)]
    text = re.sub(r"\s", "", "；".join(value for _, value in said))
    if not text:
        return
    column = said[0][0]
    roster_words = _membership()["roster"]
    for code, words in roster_words["status_words"].items():
        if code != "active" and any(_says_status(text, word) for word in words) and "status" not in fields:
            fields["status"] = code
    for reason, words in roster_words["remark_checks"].items():
        if reason == "graduated" and (fields.get("category") != "student" or _still_studying(text)):
            continue
        if any(word in text for word in words):
            mobiles = re.findall(r"1[3-9]\d{9}", text)
            old = fields.get("mobile")
            if reason == "mobile_changed" and fields.get("member_no") and len(set(mobiles) - {old}) == 1:
                fields["mobile"] = (set(mobiles) - {old}).pop()  # the member is known by number: the new one
                notices.append(Problem(row, column, text, "mobile_changed_taken",
                                       {"mobile": fields["mobile"], "old": old or "",
                                        "header": sheet.columns["mobile"].header if "mobile" in sheet.columns else ""}))
                continue
            if reason == "mobile_changed" and not set(mobiles) - {old}:  # 电话已换，新号见微信群: no new number
                reason = "mobile_changed_unknown"
            notices.append(Problem(row, column, text, reason,
                                   {"mobile": "、".join(mobiles), "old": old or "", "header": sheet.columns["mobile"].header
                                    if "mobile" in sheet.columns else ""}))
    _category_in_remarks(sheet, row, fields, text, column, notices)
    year = _paid_through_in(text)
    if year:
        if f"{year}-12-31" > (fields.get("paid_through") or ""):
            fields["paid_through"] = f"{year}-12-31"
            notices.append(Problem(row, column, text, "remark_paid_through", {"year": year}))
    owed = last_paid_before_owed(text)
    if owed and not year and not fields.get("paid_through") and not any(paid_years.values()):  # 未交; remark 26年未交
        fields["paid_through"] = f"{owed}-12-31"
        notices.append(Problem(row, column, text, "remark_owed", {"year": owed}))
    joined = int(fields["joined_at"][:4]) if fields.get("joined_at") else _year_in_number(fields.get("member_no"))
    if _NEVER_PAID.search(text) and joined and joined < date.today().year and not fields.get("paid_through") \
            and not any(paid_years.values()):  # 入会后一直未交: owes every year from the one joined
        fields["paid_through"] = f"{joined - 1}-12-31"
        notices.append(Problem(row, column, text, "never_paid", {"year": joined}))
    for found in re.finditer(r"((?:19|20)\d{2})年?度?(?:会费)?(?:未缴|未交|欠费|未付)", text):
        year = int(found.group(1))
        if paid_years.get(year):
            year_column = _year_column(sheet, year)
            notices.append(Problem(row, column, text, "remark_unpaid",
                                   {"year": year, "header": year_column.header if year_column else ""}))


def _year_in_number(number: str | None) -> int | None:
    """The year joined a member number of the society's holds (its prefix, then the year: [member_no]), for a sheet
    that says no 入会时间 (a students' list has 入学年份, another thing)."""
    prefix = _membership()["member_no"]["prefix"]
    found = re.match(rf"{re.escape(prefix)}[-－—–_]?((?:19|20)\d{{2}})", number or "")
    return int(found.group(1)) if found else None


_NEVER_PAID = re.compile(r"(?:入会|加入|入会以来|注册)(?:后|以来|至今)?(?:会费)?(?:一直|从来|从|均|都|还|尚)?(?:未|没|没有)(?:交|缴)"
                         r"|(?:一直|从来|从)(?:未|没|没有)(?:交|缴)")  # 入会后一直未交, 入会未交费, 从未缴费


def _still_studying(text: str) -> bool:
    """在读，2027年毕业: a student who graduates in a year to come, not one who has."""
    return "在读" in text or any(int(year) > date.today().year
                                 for year in re.findall(r"((?:19|20)\d{2})年?(?:\d{1,2}月)?(?:毕业|研究生毕业)", text))


_PAID_TO = re.compile(r"(?:已缴|已交|缴|交)(?:费|清)?(?:至|到)((?:19|20)\d{2})")
_PAID_RANGE = re.compile(r"((?:19|20)\d{2})\s*[-~—至到、]\s*((?:19|20)?\d{2})年?(?:两年|二年|三年)?[^；。，,]{0,4}?(?<!未)(?:交|缴)")


def _paid_through_in(text: str) -> int | None:
    """The last year a remark says is paid: 已缴至2027, 2026-27两年一起交的, 2026、2027年已交."""
    found = _PAID_TO.search(text)
    if found:
        return int(found.group(1))
    found = _PAID_RANGE.search(text)
    if not found:  # 26年已交（微信）, 2025年会费已缴; not 2026.9已电话催缴
        return max(map(_full_year, re.findall(_YEAR_SAID_PAID, text)), default=None)
    first, last = found.groups()
    return int(first[:2] + last if len(last) == 2 else last)


def _category_in_remarks(sheet: Sheet, row: int, fields: dict, text: str, column: Column | None,
                         notices: list[Problem]) -> None:
    """A remark moving the member to another category (晋升副主任护师，从2027年起按高级会员交; 转为个人会员):
    imported in that category, listed for a person with the category's column and the remark."""
    found = re.search(r"(?:按|转为|转成|改为|改成|升为|转入)(" + "|".join(map(re.escape, _category_words())) + ")", text)
    if not found or fields.get("category") in (None, "unit"):
        return
    try:
        category = _clean_category(found.group(1), date.today())
    except Invalid:
        return
    if category != fields["category"] and category in REMARK_CATEGORIES:
        notices.append(Problem(row, sheet.columns.get("category") or column, found.group(0), "category_in_remarks",
                               {"remark": text, "from": _membership()["categories"][fields["category"]],
                                "to": _membership()["categories"][category],
                                "remark_column": column_label(column) if column else ""}))
        fields["category"] = category


REMARK_CATEGORIES = ("student", "regular", "senior")  # 会士 and 荣誉会员 are conferred, never read from a remark


def _category_words() -> list[str]:
    """The whole words a roster writes a dues category with (高级会员, 个人会员, 在读学生), longest first:
    a remark's 按学生 or 改会员号 is no category."""
    roster = _membership()["roster"]
    words = [_membership()["categories"][code] for code in REMARK_CATEGORIES]
    words += [word for code, found in roster.get("category_words", {}).items() if code in REMARK_CATEGORIES
              for word in found if len(word) >= 4]
    return sorted(set(words), key=len, reverse=True)


SHEET_CATEGORIES = ("student", "senior", "honorary")  # not regular: a sheet named 个人会员 says no more than "persons"


def _sheet_category(sheet: Sheet) -> str | None:
    """The category a worksheet's name gives the rows that write none (学生会员, 学生会员名单, 研究生会员), when
    it names one and nothing else ([roster] status_sheet_words aside)."""
    roster, names = _membership()["roster"], _membership()["categories"]
    name = re.sub(r"\s", "", normalise(sheet.name))
    for code in SHEET_CATEGORIES:
        words = sorted([names[code], *roster["category_words"].get(code, [])], key=len, reverse=True)
        said = next((word for word in words if word in name), None)
        rest = name.replace(said, "") if said else name
        for word in sorted(roster["status_sheet_words"], key=len, reverse=True):
            rest = rest.replace(word, "")
        if said and not rest:
            return code
    return None


def _sheet_status(sheet: Sheet) -> list[str]:
    """The statuses other than active a worksheet's name gives all its rows when it says nothing else
    (已故会员, 退会人员名单; 退会及已故: either, resigned first, the milder), not one that names its members
    otherwise (在册会员（不含已故）)."""
    roster = _membership()["roster"]
    name = re.sub(r"\s", "", normalise(sheet.name))
    said = [(code, word) for code, words in roster["status_words"].items() if code != "active"
            for word in words if word in name]
    rest = name
    for word in sorted({w for _, w in said} | set(roster["status_sheet_words"]), key=len, reverse=True):
        rest = rest.replace(word, "")
    if not said or rest:
        return []
    return sorted(dict.fromkeys(code for code, _ in said), key=("resigned", "deceased", "suspended").index)


def _says_status(text: str, word: str) -> bool:
    """A status word in a remark said of the membership: 已失效 in 会籍已失效, not in 原手机号已失效; nor said of
    another person (导师已故, 父亲去世: [roster] others_words)."""
    others = tuple(_membership()["roster"]["others_words"])
    return any((at == 0 or text[at - 1] not in "号机话址箱码卡") and not text[:at].endswith(others) for at in
               (found.start() for found in re.finditer(re.escape(word), text)))


_CONTACT_PARTS = re.compile(r"[/／、,，;；\s]+|或")


def _mobiles_of(value) -> list[str]:
    """The mobiles in a cell that holds more than a number (a mobile and a landline, two mobiles), in order."""
    found = []
    for part in _CONTACT_PARTS.split(normalise(value)):
        try:
            mobile = clean_mobile(part)
        except Invalid:
            continue
        if mobile not in found:
            found.append(mobile)
    return found


def _contact_beside(values: dict, rest: list[str]) -> str | None:
    """On a unit's row with no 联系人 column of its own, the one person's name a contact cell holds beside
    the number (联系人及电话 "张学民 13803716001"): the unit's contact."""
    names = [part for part in rest if _PERSON.fullmatch(part) and not _OFFICE.search(part)]
    return names[0] if len(names) == 1 and is_blank(values.get("contact_name")) else None


_OFFICE = re.compile(r"(?:处|室|科|部|办|组|中心|公司|学院)$")  # 财务处 13800000000: an office's number, no person's


def _beside_mobile(value) -> tuple[list[str], list[str]]:
    """What a contact cell holds beside its mobiles: (its e-mails, the rest as written: a landline)."""
    emails, rest = [], []
    for part in filter(None, _CONTACT_PARTS.split(normalise(value))):
        try:
            clean_mobile(part)
            continue
        except Invalid:
            pass
        try:
            emails.append(clean_email(part))
        except Invalid:
            rest.append(part)
    return emails, rest


def _roles_of(sheet: Sheet, row: int, values: dict, notices: list[Problem]) -> list[str]:
    """Council roles from the role column, and those written in the category or the remarks."""
    roles: list[str] = []
    written = normalise(values.get("council_role"))
    if written:
        roles += [r for r in re.split(r"[、，,/／;；\s]+", written) if r]
    for key in ("category", "remarks"):
        text = normalise(values.get(key))
        found, rest = split_roles(text, remarks=key == "remarks") if text else ([], "")
        if found and (rest or key == "remarks"):  # a category of roles only: _category_of says so
            notices.append(Problem(row, sheet.columns[key], text, f"role_in_{key}",
                                   {"roles": "、".join(found)}))
        roles += [r for r in found if r not in roles]
    return roles


def _unit_level(text: str) -> tuple[str, str]:
    """(level, what the cell says beyond it): 常务理事 -> 常务理事单位 and 会员 -> 会员单位 where the
    society charges by level ([fees.unit_levels]); "理事单位（拟升常务）" -> 理事单位 and 拟升常务."""
    pending = " ".join(re.findall(r"[（(]([^）)]*)[）)]", text))
    bare = re.sub(r"[（(][^）)]*[）)]|\s", "", text)
    levels = _membership()["fees"].get("unit_levels") or {}
    level = next((name for name in levels if bare in (name, name.removesuffix("单位"))), bare)
    return level, pending


def _section_level(sheet: Sheet, row: int) -> str:
    """The level a list of units gives in a heading row over its rows (一、常务理事单位 / 二、理事单位)
    instead of a column."""
    heading = re.sub(r"^[\s(（]*[一二三四五六七八九十\d]+[\s)）、.．,，]*", "", sheet.section_of(row) or "")
    heading = re.sub(r"[（(].*$|[:：].*$", "", heading).strip()
    return heading if _is_unit_level(heading) else ""


def _is_unit_level(text: str) -> bool:
    """One of the levels the society charges units by ([fees.unit_levels]), however written."""
    return bool(text) and _unit_level(text)[0] in (_membership()["fees"].get("unit_levels") or {})


def _former_names(remarks) -> list[str]:
    """The unit's other names its remarks give, a transfer may come under: an earlier one ("原名：郑州华数软件
    有限公司（2024年更名）", "2025年由“河南中原重型装备有限公司”更名"), or its full name beside the short one
    listed ("全称：中原重型矿山机械集团股份有限公司")."""
    roster, text = _membership()["roster"], normalise(remarks)
    words = "|".join(map(re.escape, roster["former_name"]["words"] + roster["other_name"]["words"]))
    named = re.findall(rf"(?:{words})[:：\s]*[“\"「『]?([^”\"」』，,；;。\s]+)", text)
    renamed_from = re.findall(r"(?:由|原(?![名来先有]))[“\"「『]?([^”\"」』，,；;。:：\s]{4,}?)[”\"」』]?[，,]?(?:更名|改名)", text)
    return [re.sub(r"[（(].*$", "", name) for name in named + renamed_from]


def _renamed(sheet: Sheet, row: int, unit: dict, remarks, notices: list[Problem]) -> dict:
    """A unit its remarks say was renamed (2026年4月改名为“新乡市规划建筑设计研究院有限公司”): the new name is
    its name and the name listed an earlier one, so a transfer in either name is the unit's."""
    words = "|".join(map(re.escape, _membership()["roster"]["new_name"]["words"]))
    found = re.search(rf"(?:{words})[:：\s]*[“\"「『]?([^”\"」』，,；;。\s]{{4,}})", normalise(remarks))
    old = unit.get("name")
    if not found or not old or unit_name_key(found.group(1)) == unit_name_key(old):
        return unit
    unit.update(renamed_to(unit, found.group(1)))
    notices.append(Problem(row, sheet.columns.get("remarks"), _shown(remarks), "renamed",
                           {"name": unit["name"], "old": old}))
    return unit


def renamed_to(unit: dict, name: str) -> dict:
    """A unit's name and former names once it is renamed `name` (by a roster's remark, or in the console): its old
    name kept as a former one, so a transfer in either name is the unit's; the new one no longer among them."""
    names = [*(unit.get("former_names") or "").split("、"), unit["name"]]
    return {"name": name, "former_names": "、".join(dict.fromkeys(
        n for n in names if n and unit_name_key(n) != unit_name_key(name))) or None}


def _individual_category_names() -> set[str]:
    """A person's category written in full (普通会员, 学生会员 ...): on a list of unit members the only
    words in its 级别 column that are not the unit's own level."""
    return {_membership()["categories"][code] for code in INDIVIDUAL_CATEGORIES}


def _category_of(sheet: Sheet, row: int, values: dict, today: date, units: bool,
                 notices: list[Problem], problems: list[Problem]) -> str | None:
    raw = values.get("category")
    text = normalise(raw)
    roles, rest = split_roles(text) if text else ([], "")
    if units and (not text or _is_unit_level(text) or (roles and not rest)
                  or text not in _individual_category_names()):
        return "unit"  # a list of unit members: its 级别 column gives the level (常务理事, 会员 ...)
    if is_blank(raw) and _sheet_category(sheet):  # a sheet named 学生会员: its rows are students
        notices.append(Problem(row, sheet.columns.get("category") or sheet.columns["name"],
                               _shown(raw if "category" in sheet.columns else values.get("name")), "sheet_category",
                               {"sheet": sheet.name, "category": _membership()["categories"][_sheet_category(sheet)]}))
        return _sheet_category(sheet)
    if is_blank(raw):  # the cell empty, or no 会员类别 column at all (a section of the roster headed without one)
        return _category_by_title(sheet, row, values, notices) if "name" in sheet.columns else None
    lifetime = _membership()["roster"]["lifetime_category"]
    if re.sub(r"\s", "", text) in lifetime["words"]:  # 终身会员: a member who paid once for life
        notices.append(Problem(row, sheet.columns["category"], text, "lifetime_category",
                               {"category": _membership()["categories"][lifetime["category"]]}))
        return lifetime["category"]
    qualified = _lifetime_qualified(text, lifetime["words"], today)
    if qualified:  # 高级会员（终身）: that category, paid for life
        notices.append(Problem(row, sheet.columns["category"], text, "lifetime_category",
                               {"category": _membership()["categories"][qualified]}))
        return qualified
    if roles:
        if not rest:
            name = _membership()["categories"][_membership()["roster"]["role_only_category"]]
            notices.append(Problem(row, sheet.columns["category"], text, "role_only", {"category": name}))
            return _membership()["roster"]["role_only_category"]
        text = rest
    try:
        return _clean_category(text, today)
    except Invalid as bad:
        problems.append(Problem(row, sheet.columns["category"], _shown(raw), bad.reason))
        return None


def _category_by_title(sheet: Sheet, row: int, values: dict, notices: list[Problem]) -> str:
    """An empty 会员类别 (or none on the sheet): the category 职称 gives ([roster.category_by_title]: 教授,
    正高级工程师 are 高级会员, any other title 普通会员), or 普通会员 with no title either; listed for a person,
    not refused."""
    rule = _membership()["roster"]["category_by_title"]
    title = re.sub(r"\s", "", normalise(values.get("title")))
    code = next((code for code, words in rule["titles"].items() if title.startswith(tuple(words))),
                rule["otherwise"]) if title else rule["otherwise"]
    facts = {"category": _membership()["categories"][code]}
    column = sheet.columns.get("category") or sheet.columns.get("title")
    notices.append(Problem(row, column, title, "category_by_title" if title else "category_unknown", facts))
    return code


def _lifetime_qualified(text: str, words: list[str], today: date) -> str | None:
    """The category of "高级会员（终身）" / "终身高级会员": a known category with a lifetime word."""
    for word in sorted(words, key=len, reverse=True):
        if word in text:
            rest = re.sub(r"[\s()（）\[\]【】、，,/／;；:：\-]+", "", text.replace(word, ""))
            try:
                return _clean_category(rest, today) if rest else None
            except Invalid:
                return None
    return None


_PERSON = re.compile(r"[\u4e00-\u9fff·]{2,5}")


def _unit_fields(fields: dict) -> dict:
    """A unit member's row as the units table holds it: the unit's name (工作单位 when 姓名 is a
    person's, who is then the contact), its number, the mobile as its contact's."""
    unit = {"category": "unit"}
    name, work_unit = fields.get("name"), fields.get("work_unit")
    if work_unit and (not name or _PERSON.fullmatch(name)):
        unit["name"] = work_unit
        if name:
            unit["contact_name"] = name
    elif name:
        unit["name"] = name
    number = fields.get("member_no") or fields.get("unit_no")
    if number:
        unit["unit_no"] = number
    if fields.get("mobile"):
        unit["contact_mobile"] = fields["mobile"]
    for key in UNIT_FIELDS:
        if key in fields and key not in unit and key not in ("unit_no", "name"):
            unit[key] = fields[key]
    return unit


def _plan_unit(db, plan: ImportPlan, sheet: Sheet, row: int, fields: dict, overwrite: bool) -> None:
    fields = {k: v for k, v in fields.items() if k != "category"}
    if "name" not in fields:
        plan.problems.append(Problem(row, sheet.columns.get("name"), "", "required"))
        return
    unit = ((fields.get("unit_no") and find_unit_by_no(db, fields["unit_no"]))
            or (fields.get("credit_code") and find_unit_by_credit_code(db, fields["credit_code"]))
            or find_unit_by_name(db, fields["name"]))
    if unit is None:
        plan.new_units.append((row, fields))
        return
    if unit_name_key(fields["name"]) == unit_name_key(unit["name"]):
        fields["name"] = unit["name"]  # （河南） or (河南), a space: the same name written otherwise, no change
    changes = _changes(db, plan, row, "unit", unit, fields, overwrite)
    if changes:
        plan.unit_updates.append((row, unit, changes))
    else:
        plan.unchanged.append((row, {"member_no": unit["unit_no"], **unit}))


def _shown(value) -> str:
    if isinstance(value, (date, datetime)):
        return value.isoformat()[:10]
    return str(value)


def _unit_key(text) -> str:
    """A work unit as compared: 河南农业大学（信息与管理科学学院） is 河南农业大学信息与管理科学学院."""
    return re.sub(r"[\s()（）\[\]【】·,，、\-]", "", normalise(text))


def _repeated_differs(sheet: Sheet, row: int, fields: dict, first: int, earlier: dict) -> list[Problem]:
    """The same person listed again (same mobile and name) with other values: said, not imported."""
    differs = [key for key, value in fields.items() if key in sheet.columns and earlier.get(key) != value
               and not (key == "work_unit" and _unit_key(value) == _unit_key(earlier.get(key)))]
    if not differs:
        return []
    column = sheet.columns[differs[0]]
    return [Problem(row, column, _shown(fields[differs[0]]), "repeated_differs",
                    {"first": first, "columns": "、".join(sheet.columns[k].header for k in differs)})]


def _namesake_in_file(sheet: Sheet, row: int, fields: dict,
                      namesakes: dict[tuple[str, str], tuple[int, str]]) -> list[Problem]:
    """Same name and same work unit as an earlier row, another mobile: one person with two phones
    or two people; imported as written, for a person to decide."""
    if fields.get("name") and fields.get("member_no"):
        first = namesakes.setdefault(("number", _squeeze(fields["name"])), (row, fields["member_no"]))
        if first[1] != fields["member_no"]:
            said = [Problem(row, sheet.columns["name"], fields["name"], "namesake_other_number",
                            {"first": first[0], "name": fields["name"], "other": first[1],
                             "number": fields["member_no"]})]
            if namesakes.setdefault(("said", first[0]), row) == row:  # the first of them is listed too
                said.append(Problem(first[0], sheet.columns["name"], fields["name"], "namesake_other_number",
                                    {"first": row, "name": fields["name"], "other": fields["member_no"],
                                     "number": first[1]}))
            return said
    if not (fields.get("name") and fields.get("work_unit") and fields.get("mobile")):
        return []
    key = (_squeeze(fields["name"]), _unit_key(fields["work_unit"]))
    first = namesakes.setdefault(key, (row, fields["mobile"]))
    if first[0] == row or first[1] == fields["mobile"]:
        return []
    return [Problem(row, sheet.columns["mobile"], fields["mobile"], "namesake_same_unit",
                    {"first": first[0], "name": fields["name"]})]


def _owner_of_mobile(db: sqlite_utils.Database, fields: dict, problems: list[Problem]) -> dict | None:
    """The member the database gives the row's mobile to, when an earlier row of the file gave it to someone
    else (shared_mobile) and this row is that member (the name, and the number when written): the earlier
    row is the one in the wrong, and this one is imported."""
    if not any(p.reason == "shared_mobile" for p in problems):
        return None
    member = _member_of_name_and_mobile(db, fields)
    return member if member and fields.get("member_no") in (None, "", member["member_no"]) else None


def _duplicates_in_file(sheet: Sheet, row: int, fields: dict, seen: dict[tuple[str, str], int],
                        cleaned: dict[int, dict]) -> list[Problem] | int:
    """A member listed twice in one file is imported once: a row saying nothing an earlier one
    did not (the same values, or fewer cells filled) is skipped (the earlier row's number is
    returned); one that says something else is reported on the later row."""
    problems = []
    for key in UNIQUE_COLUMNS:
        if key not in fields:
            continue
        first = seen.setdefault((key, fields[key]), row)
        if first != row:
            earlier = cleaned.get(first, {})
            if all(earlier.get(k) == v for k, v in fields.items()) or (
                    key == "mobile" and _squeeze(earlier.get("name", "")) == _squeeze(fields.get("name", ""))):
                return first  # the same member again (what else the row says is reported, not imported)
            if key == "mobile" and earlier.get("name"):  # a couple's one phone: two people, one mobile
                problems.append(Problem(row, sheet.columns[key], fields[key], "shared_mobile",
                                        {"row": first, "name": earlier["name"]}))
            else:
                problems.append(Problem(row, sheet.columns[key], fields[key], "duplicate",
                                        {"row": first, "what": sheet.columns[key].header}))
    return problems


def _link_by_work_unit(db: sqlite_utils.Database, sheet: Sheet, row: int, fields: dict, checks: list) -> None:
    """A roster without 单位会员编号 (nobody knows those numbers) names the unit in 工作单位: a member
    whose work unit is a unit member's name, spaces aside, belongs to it (its contact sees them)."""
    unit = find_unit_by_name(db, fields["work_unit"]) if fields.get("work_unit") else None
    if unit:
        fields["unit_id"] = unit["id"]
        checks.append(Problem(row, sheet.columns["work_unit"], fields["work_unit"], "unit_by_work_unit",
                              {"unit_no": unit["unit_no"], "unit": unit["name"]}))


def _match(db: sqlite_utils.Database, sheet: Sheet, row: int, fields: dict, completed_number,
           file_units: set[str] = frozenset(), checks: list | None = None,
           usual_width: int | None = None) -> tuple[dict | None, list[Problem]]:
    """The stored member this row is about (None: a new one), or why it cannot be told.

    By member number; a row without one is the member with the same mobile
    and name. A mobile that belongs to someone else is a duplicate, not a
    second member. Names are compared without spaces ("张 伟" is 张伟).
    """
    problems = []
    if "unit_no" in fields:
        unit_no = fields.pop("unit_no")
        unit = find_unit_by_no(db, unit_no)
        if unit is None and unit_no in file_units:
            fields["unit_no"] = unit_no  # a unit on a row of this file: linked once it is written
        elif unit is None:
            return None, [Problem(row, sheet.columns["unit_no"], unit_no, "unit_no",
                                  {"value": unit_no})]
        else:
            fields["unit_id"] = unit["id"]
    written = fields.get("member_no", "")
    if written:
        fields["member_no"] = number_as_written(db, written, completed_number)
        if fields["member_no"] is None:
            return None, [Problem(row, sheet.columns["member_no"], written, "member_no")]
        if fields["member_no"] != written and checks is not None:
            checks.append(Problem(row, sheet.columns["member_no"], written, "number_completed",
                                  {"member_no": fields["member_no"]}))
    member = find_member_by_no(db, fields["member_no"]) if "member_no" in fields else None
    if member is None and checks is not None and _number_of_another_length(fields.get("member_no", ""), usual_width):
        checks.append(Problem(row, sheet.columns["member_no"], fields["member_no"], "number_length",
                              {"pattern": _number_shape(usual_width)}))
    if member and _squeeze(member["name"]) != _squeeze(fields["name"]):
        problems.append(Problem(row, sheet.columns["name"], fields["name"], "name_differs",
                                {"member_no": member["member_no"], "name": member["name"]}))
    others = [m for m in (find_members_by_mobile(db, fields["mobile"]) if fields.get("mobile") else [])
              if not member or m["id"] != member["id"]]
    if not member and others and _squeeze(others[0]["name"]) == _squeeze(fields["name"]):
        if "member_no" in fields and checks is not None:  # numbered on import from a roster without numbers
            checks.append(Problem(row, sheet.columns["member_no"], fields["member_no"], "number_adopted",
                                  {"member_no": others[0]["member_no"]}))
        elif "member_no" not in sheet.columns and checks is not None:  # a new-member form naming a member
            checks.append(Problem(row, sheet.columns["name"], fields["name"], "already_member",
                                  {"member_no": others[0]["member_no"]}))
        return others[0], []
    same = None if member or others or "member_no" in fields else _known_by_remarks(db, fields)
    if same:  # a unit's list without numbers: the member of that name whose ID card or other mobile it gives
        if checks is not None:
            checks.append(Problem(row, sheet.columns.get("mobile") or sheet.columns["name"], fields.get("mobile", ""),
                                  "known_by_remarks", {"member_no": same["member_no"], "name": same["name"]}))
        return same, []
    for other in others[:1]:
        problems.append(Problem(row, sheet.columns["mobile"], fields["mobile"], "mobile_taken",
                                {"member_no": other["member_no"], "name": other["name"]}))
    return member, problems


_ID_CARD = re.compile(r"\d{17}[\dX]|\d{15}")


def _known_by_remarks(db: sqlite_utils.Database, fields: dict) -> dict | None:
    """The one stored member of the row's name whose remarks hold the row's ID card number (kept as
    身份证号：…) or its mobile (another mobile of theirs): the same person with a new mobile."""
    ids = set(_ID_CARD.findall((fields.get("remarks") or "").upper()))
    mobile = fields.get("mobile")
    found = [m for m in find_members_by_name(db, fields.get("name") or "")
             if ids & set(_ID_CARD.findall((m.get("remarks") or "").upper()))
             or (mobile and mobile in (m.get("remarks") or ""))]
    return found[0] if len(found) == 1 else None


def _same_identity(values: dict, fields: dict, row: int, identities: dict) -> int | None:
    """The earlier row of the file with this row's ID card number (written as text: a number cell has
    lost its last digits) and name, if any."""
    headers = _membership()["roster"]["identity_headers"]
    for header, value in values.get(OTHER_CELLS, []):
        number = re.sub(r"\s", "", normalise(value)).upper() if isinstance(value, str) else ""
        if header_key(header) in headers and _ID_CARD.fullmatch(number) and fields.get("name"):
            first = identities.setdefault((number, _squeeze(fields["name"])), row)
            return first if first != row else None
    return None


def _id_number_lost(sheet: Sheet, row: int, cell: tuple, notices: list[Problem]) -> bool:
    """An ID card number Excel stored as a number (shown 4.10E+17) has lost its last digits: it is not
    kept as if it were the number, and the secretary is asked for it again."""
    header, value = cell
    if header_key(header) not in _membership()["roster"]["identity_headers"] or not isinstance(value, (int, float)) \
            or isinstance(value, bool) or abs(value) < 1e14:
        return False
    column = next((c for c in sheet.ignored if c.header == header), None)
    notices.append(Problem(row, column, f"{value:.6g}", "id_number_lost", {"header": header}))
    return True


_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)


def _id_number_checked(sheet: Sheet, row: int, cell: tuple, notices: list[Problem]) -> None:
    """An 18-digit ID card number whose last character is not its check digit (GB 11643: a digit typed
    wrong somewhere) is kept as written and the secretary asked for the right one."""
    header, value = cell
    number = re.sub(r"\s", "", normalise(value)).upper() if isinstance(value, str) else ""
    if header_key(header) not in _membership()["roster"]["identity_headers"] or not re.fullmatch(r"\d{17}[\dX]", number):
        return
    if "10X98765432"[sum(int(d) * w for d, w in zip(number, _ID_WEIGHTS)) % 11] != number[-1]:
        column = next((c for c in sheet.ignored if c.header == header), None)
        notices.append(Problem(row, column, number, "id_number_check", {"header": header}))


def _from_id_number(sheet: Sheet, row: int, fields: dict, other_cells: list, today: date,
                    notices: list[Problem]) -> bool:
    """出生年份 and 性别 a row leaves blank or unreadable, read from its ID card number (digits 7-14 the birth
    date, the 17th odd for a man): what the product needs of it (the governance age bands); said of a row
    whose cell is blank, not of every row of a sheet without the column."""
    headers = _membership()["roster"]["identity_headers"]
    header, number = next(((h, re.sub(r"\s", "", normalise(v)).upper()) for h, v in other_cells
                           if header_key(h) in headers and isinstance(v, str)), ("", ""))
    if not re.fullmatch(r"\d{17}[\dX]|\d{15}", number):
        return False
    long = len(number) == 18
    filled = {}
    if "birth_year" not in fields:
        try:
            fields["birth_year"] = filled["birth_year"] = clean_birth_year(number[6:10] if long else "19" + number[6:8], today)
        except Invalid:
            pass
    if "gender" not in fields:
        fields["gender"] = filled["gender"] = clean_gender("男" if int(number[16 if long else 14]) % 2 else "女")
    blanks = [key for key in filled if key in sheet.columns]  # a sheet without the column: nothing to say a row
    if blanks:
        column = next((c for c in sheet.ignored if c.header == header), None)
        said = [content.text("cli_roster.born_in", year=filled["birth_year"])] if "birth_year" in blanks else []
        notices.append(Problem(row, column, mask_id_number(number), "from_id_number", {
            "header": header, "fields": "、".join(content.text(f"cli_labels.fields.{key}") for key in blanks),
            "values": "、".join(said + ([filled["gender"]] if "gender" in blanks else []))}))
    return bool(filled)


def _says_already_member(values: dict) -> bool:
    """The row says the person is a member already: a 是否已是会员 column answering 是, or a remark
    such as 老会员 (a unit's list of its staff, a joiners' sheet with an old member re-registering)."""
    words = _membership()["roster"]["already_member"]
    for header, value in values.get(OTHER_CELLS, []):
        if any(q in header_key(header) for q in words["questions"]) and normalise(value).startswith("是"):
            return True
    return any(word in normalise(values.get("remarks")) for word in words["remarks"])


def _member_by_name(db, sheet: Sheet, row: int, fields: dict, checks: list) -> dict | None:
    """The one stored member of the row's name, for a row that says it is a member already but has
    no number and another mobile (a new phone): that member, not a second record; listed."""
    if not fields.get("name"):
        return None
    found = [m for m in find_members_by_name(db, fields["name"]) if m["status"] not in INACTIVE_STATUSES]
    if len(found) != 1:
        return None
    checks.append(Problem(row, sheet.columns.get("mobile") or sheet.columns["name"], fields.get("mobile") or "",
                          "member_by_name" if fields.get("mobile") else "member_by_name_only",
                          {"member_no": found[0]["member_no"], "old": found[0]["mobile"] or ""}))
    return found[0]


def _lost_mobile_before(db, sheet: Sheet, row: int, fields: dict, checks: list) -> dict | None:
    """The one stored member of the row's name without a mobile, for a row whose mobile Excel's
    scientific notation lost: the same file (or its next version) imported again, not a second member."""
    found = [m for m in find_members_by_name(db, fields.get("name") or "")
             if not m["mobile"] and m["status"] not in INACTIVE_STATUSES]
    if len(found) != 1:
        return None
    checks.append(Problem(row, sheet.columns["name"], fields["name"], "mobile_lost_known",
                          {"member_no": found[0]["member_no"]}))
    return found[0]


# --- writing ----------------------------------------------------------------------

def export_table(db: sqlite_utils.Database, members: list[dict]) -> tuple[list[str], list[list]]:
    """Headers and rows in the roster's own columns, so an export imports back unchanged: the member's status
    in words (正常, 暂停, 退会, 已故), a lifetime member's dues paid 终身 (not 9999-12-31)."""
    specs = columns()
    units = unit_numbers(db)
    names = _membership()["categories"]
    specs = {key: spec for key, spec in specs.items() if spec.get("export", True)}
    statuses = content.replies()["cli_labels"]["statuses"]
    lifetime = content.text("fees.words.lifetime")
    rows = []
    for member in members:
        values = dict(member, category=names.get(member["category"], member["category"]),
                      unit_no=units.get(member["unit_id"]), status=statuses.get(member.get("status"), member.get("status")))
        if values.get("paid_through") == LIFETIME_PAID_THROUGH:  # 终身, as a roster writes it: not 9999-12-31
            values["paid_through"] = lifetime
        for key in ("joined_at", "paid_through"):
            if values.get(key) and values[key][:1].isdigit():
                values[key] = date.fromisoformat(values[key][:10])
        rows.append([values.get(key) for key in specs])
    return [spec["label"] for spec in specs.values()], rows
