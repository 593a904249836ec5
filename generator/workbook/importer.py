"""Turn the budget system's exported tables (.xlsx, .xls, .et, .ods) into the standard workbook of a format.

``budget-report import EXPORT… -o WORKBOOK.xlsx`` finds each table of the format in the exported
files by what the format declares (``formats/<name>/tables.yaml``), never by position: its title
(a cell of a sheet's first rows, ``{year}`` matching any year) and its header text (each column's
header cells, top to bottom, against the declared header tree, whether the export spreads it over
two rows or three, merged or not). What an export adds is dropped: the title, the lines
“编制部门：…” and “单位：元”, a 栏次 row under the header and a 行次 column. Amounts are converted
from the unit the export states to the table's own (exactly, in Decimal: 元 to 万元 keeps every
digit); codes split over 类/款/项 columns keep their own digits (a 款 written whole, 20106, keeps
06), and a code written whole in one column is split by the declared digits. Totals are kept, for
the check to verify.

Nothing is guessed silently: ``Imported.report`` says each table found (file, sheet, range,
unit), each not found, each header cell not recognised, each declared column the export lacks,
each row that could not be placed (its cell), and what the reader could see but a clerk may not
(hidden sheets, rows and columns; formulas without a saved value, left empty). The narrative facts
are left for the clerk, or carried from last year's workbook as ``init --from`` does.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from pathlib import Path

import openpyxl
from openpyxl.utils import get_column_letter

from generator.errors import BudgetError
from generator.formats.spec import UNIT_SCALE, Column, Format, TableSpec, place_header
from generator.workbook.blank import blank_workbook, prefilled_labels
from generator.workbook.load import (
    MAX_COLUMNS,
    MAX_ROWS,
    has_value,
    normalize_text,
    parse_amount,
    parse_code,
    parse_text,
    read_book,
)
from generator.workbook.xlsx import Sheet

TITLE_ROWS = 8  # a table's title is looked for in a sheet's first rows
HEADER_GAP = 8  # its header starts within this many rows below the title
MAX_TITLE = 80  # characters: a longer cell is a sentence, not a title
_UNIT = re.compile(r"单位:(万元|元)")  # on normalized text (NFKC: the full-width colon is ":")
_YEAR = re.compile(r"(?<!\d)(\d{4})年")
_LINE_NUMBERS = ("行次", "栏次")
_COLUMN_MARKS = set("甲乙丙丁戊己庚辛壬癸")
_NOTE_STARTS = ("注", "说明", "备注")


class ImportFailed(BudgetError):
    """The exports hold none of the format's tables: nothing to write."""


@dataclass
class Found:
    """One table of the format, found in an export, and its rows in the workbook's layout."""

    spec: TableSpec
    file: Path
    sheet: str
    range: str  # "A1:I20": title to last row read
    unit: str  # the unit the export states (or the table's own, when it states none)
    stated: bool  # whether the export states its unit
    rows: list[dict[str, object]] = field(default_factory=list)  # cell values by column key, in the table's unit
    dropped: list[str] = field(default_factory=list)  # 栏次 rows and 行次 columns left out


@dataclass
class Imported:
    """The standard workbook made from the exports, and what the import did."""

    workbook: openpyxl.Workbook
    format: Format
    year: int
    found: list[Found]
    missing: list[TableSpec]
    report: list[str]  # problems and notes, one line each, with their file, sheet and cell


def _where(file: Path, sheet: str, cell: str) -> str:
    return f"{file.name} 工作表“{sheet}”{cell}"


def _short(value: object) -> str:
    text = str(value).strip()
    return text if len(text) <= 20 else text[:20] + "…"


# --- what the format declares -----------------------------------------------------------------


def _title_pattern(spec: TableSpec) -> re.Pattern[str]:
    """The table's title as a pattern on normalized text, ``{year}`` matching any year."""
    parts = normalize_text(spec.title).split("{year}")
    return re.compile(r"\d{4}".join(re.escape(part) for part in parts))


def _declared_paths(spec: TableSpec) -> list[tuple[str, ...]]:
    """Each column's header texts, top to bottom, normalized, a text spanning rows counted once."""
    cells: list[list[tuple[int, str]]] = [[] for _ in spec.columns]
    for r, c, cell in place_header(spec.header):
        for col in range(c, min(c + cell.colspan, len(spec.columns))):
            cells[col].append((r, normalize_text(cell.text)))
    return [_dedupe(text for _, text in sorted(column)) for column in cells]


def _dedupe(texts: object) -> tuple[str, ...]:
    out: list[str] = []
    for text in texts:  # type: ignore[attr-defined]
        if text and (not out or out[-1] != text):
            out.append(text)
    return tuple(out)


def _code_groups(spec: TableSpec) -> list[list[int]]:
    """Runs of adjacent code columns with declared digits (类, 款, 项): the parts of one split code."""
    groups: list[list[int]] = []
    for i, column in enumerate(spec.columns):
        if column.kind == "code" and column.digits:
            if groups and groups[-1][-1] == i - 1:
                groups[-1].append(i)
            else:
                groups.append([i])
    return [g for g in groups if len(g) > 1]


# --- a sheet as the import reads it --------------------------------------------------------------


class _View:
    """A sheet's cells with merged ranges filled from their top-left cell, as a reader sees them."""

    def __init__(self, ws: Sheet):
        self.ws = ws
        self.merged: dict[tuple[int, int], tuple[int, int]] = {}
        for min_row, min_col, max_row, max_col in ws.merged:
            if min_row > MAX_ROWS or min_col > MAX_COLUMNS:
                continue
            for r in range(min_row, min(max_row, MAX_ROWS) + 1):
                for c in range(min_col, min(max_col, MAX_COLUMNS) + 1):
                    self.merged[r, c] = (min_row, min_col)
        self.width = min(ws.max_column, MAX_COLUMNS)
        self.height = min(ws.max_row, MAX_ROWS)

    def shown(self, row: int, col: int) -> object:
        """What the cell shows: a merged cell shows its range's value."""
        return self.ws.value(*self.merged.get((row, col), (row, col)))

    def text(self, row: int, col: int) -> str:
        value = self.shown(row, col)
        return normalize_text(str(value)) if value is not None else ""

    def texts(self, row: int) -> list[str]:
        """The row's own texts (a merged range's once, at its top-left cell)."""
        out = []
        for col in range(1, self.width + 1):
            if self.merged.get((row, col), (row, col)) != (row, col):
                continue
            value = self.ws.value(row, col)
            if value is not None and normalize_text(str(value)):
                out.append(normalize_text(str(value)))
        return out


def _is_column_numbers(texts: list[str]) -> bool:
    """A 栏次 row: the word 栏次, or the columns numbered 1, 2, 3… (or 甲, 乙…)."""
    if any(t in _LINE_NUMBERS for t in texts):
        return True
    numbers = [int(t) for t in texts if t.isdigit()]
    marks = [t for t in texts if t in _COLUMN_MARKS]
    if len(texts) < 3 or len(numbers) + len(marks) != len(texts) or not numbers:
        return False
    return numbers == list(range(numbers[0], numbers[0] + len(numbers)))


@dataclass
class _Header:
    top: int  # its first row
    rows: list[int]  # its rows, a 栏次 row not among them
    columns: dict[int, int]  # export column → declared column index
    joined: dict[int, list[int]]  # export column → the declared code columns its whole code is split into
    unknown: list[tuple[int, int, str]]  # (row, column, text) of header cells not recognised
    line_columns: list[int]  # 行次 columns
    skipped: list[int]  # 栏次 rows


def _match(path: tuple[str, ...], declared: list[tuple[str, ...]], groups: list[list[int]]) -> tuple[str, list[int]]:
    """("column", [i]) for the declared column ``path`` is, ("joined", group) for a whole code, else ("", [])."""
    exact = [i for i, d in enumerate(declared) if d == path]
    if len(exact) == 1:
        return "column", exact
    if not exact:  # the export leaves out a level of the header, or adds one
        near = [
            i
            for i, d in enumerate(declared)
            if (len(path) < len(d) and d[-len(path) :] == path) or (len(d) < len(path) and path[-len(d) :] == d)
        ]
        if len(near) == 1:
            return "column", near
        if not near and path:
            for group in groups:  # one column headed by the code's own heading (科目编码): the whole code
                if all(path[-1] in declared[i][:-1] for i in group):
                    return "joined", group
    return "", []


def _header(view: _View, spec: TableSpec, title_row: int) -> _Header | None:
    """The export's header of ``spec`` below ``title_row``: its rows, and which column is which."""
    known = {normalize_text(cell.text) for row in spec.header for cell in row}
    top = next(
        (
            r
            for r in range(title_row + 1, min(title_row + HEADER_GAP, view.height) + 1)
            if not any(_UNIT.search(t) for t in view.texts(r)) and any(t in known for t in view.texts(r))
        ),
        None,
    )
    if top is None:
        return None
    declared = _declared_paths(spec)
    groups = _code_groups(spec)
    best: _Header | None = None
    best_score = (-1, 0)
    rows: list[int] = []
    skipped: list[int] = []
    r = top
    while len(rows) < len(spec.header) + 2 and r <= view.height:
        if rows and _is_column_numbers(view.texts(r)):
            skipped.append(r)
            r += 1
            continue
        rows.append(r)
        r += 1
        header = _Header(top, list(rows), {}, {}, [], [], [])
        taken: set[int] = set()
        for col in range(1, view.width + 1):
            path = _dedupe(view.text(row, col) for row in rows)
            if not path:
                continue
            if path[-1] in _LINE_NUMBERS:
                header.line_columns.append(col)
                continue
            how, which = _match(path, declared, groups)
            if how and not taken & set(which):
                taken |= set(which)
                if how == "column":
                    header.columns[col] = which[0]
                else:
                    header.joined[col] = which
            else:
                header.unknown.append((top, col, "/".join(path)))
        score = (len(taken), -len(header.unknown))  # the most declared columns, then the fewest unknown
        if score > best_score:
            best, best_score = header, score
            best.skipped = [s for s in skipped if s > rows[-1]]
    if best is not None:
        # a 栏次 row right under the header is not data
        after = best.rows[-1] + 1
        while after <= view.height and _is_column_numbers(view.texts(after)):
            best.skipped.append(after)
            after += 1
        best.unknown = [(_unknown_row(view, best, col), col, text) for _, col, text in best.unknown]
    return best


def _unknown_row(view: _View, header: _Header, col: int) -> int:
    """The lowest header row where an unrecognised column has text: the cell a clerk looks at."""
    rows = [r for r in header.rows if view.text(r, col)]
    return rows[-1] if rows else header.top


# --- reading one table ------------------------------------------------------------------------


class _Import:
    def __init__(self, fmt: Format):
        self.fmt = fmt
        self.report: list[str] = []
        self.found: dict[str, Found] = {}
        self.years: Counter[int] = Counter()

    def scan(self, path: Path) -> None:
        book = read_book(path)
        patterns = [(spec, _title_pattern(spec)) for spec in self.fmt.tables]
        for ws in book.worksheets:
            view = _View(ws)
            for row in range(1, min(TITLE_ROWS, view.height) + 1):
                for col in range(1, view.width + 1):
                    value = ws.value(row, col)
                    if not isinstance(value, str):
                        continue
                    text = normalize_text(value)
                    if len(text) > MAX_TITLE or "。" in text:
                        continue
                    matches = [spec for spec, pattern in patterns if pattern.search(text)]
                    if not matches:
                        continue
                    spec = max(matches, key=lambda s: len(normalize_text(s.title)))
                    self.table(path, view, spec, row, col, value)

    def table(self, path: Path, view: _View, spec: TableSpec, title_row: int, title_col: int, title: str) -> None:
        ws = view.ws
        at = _where(path, ws.title, f"{get_column_letter(title_col)}{title_row}")
        if spec.code in self.found:
            used = self.found[spec.code]
            self.report.append(
                f"{spec.heading}：{at} 又有此表，未使用（已使用 {used.file.name} 工作表“{used.sheet}”中的）"
            )
            return
        header = _header(view, spec, title_row)
        if header is None or not (header.columns or header.joined):
            self.report.append(f"{spec.heading}：{at} 有此表的标题，但其下没有认得出的表头，未导入")
            return
        year = _YEAR.search(unicodedata.normalize("NFKC", title))
        if year:
            self.years[int(year.group(1))] += 1
        unit, stated = spec.unit, False
        for r in range(title_row, header.top):
            for text in view.texts(r):
                found_unit = _UNIT.search(text)
                if found_unit:
                    unit, stated = found_unit.group(1), True
        if not stated and spec.amount_keys():
            self.report.append(f"{spec.heading}：{at} 没有写明单位（如“单位：元”），按本表的单位（{spec.unit}）读取")
        found = Found(spec, path, ws.title, "", unit, stated)
        found.dropped += [f"栏次行 {r}" for r in header.skipped]
        found.dropped += [f"行次列 {get_column_letter(c)}" for c in header.line_columns]
        for row, col, text in header.unknown:
            self.report.append(
                f"不认识的表头 {_where(path, ws.title, f'{get_column_letter(col)}{row}')}“{text}”：此列未导入"
            )
        mapped = set(header.columns.values()) | {i for g in header.joined.values() for i in g}
        for i, column in enumerate(spec.columns):
            if i not in mapped:
                what = "（不公开的栏，供本工作簿使用）" if not column.printed else ""
                self.report.append(f"{spec.heading}：导出的表中没有“{column.label}”列{what}，留空")
        self.unseen(path, view, header)
        first = header.rows[-1] + 1
        last = first - 1
        for row in range(first, view.height + 1):
            if row in header.skipped:
                continue
            values = self.row(path, view, found, header, row)
            if values is not None:
                found.rows.append(values)
                last = row
        found.range = f"{get_column_letter(title_col)}{title_row}:{get_column_letter(view.width)}{max(last, first - 1)}"
        self.found[spec.code] = found

    def unseen(self, path: Path, view: _View, header: _Header) -> None:
        """What the reader sees but a clerk may not: a hidden sheet, hidden rows and columns holding data."""
        ws = view.ws
        first = header.rows[-1] + 1
        columns = set(header.columns) | set(header.joined)
        holding = {r for (r, c) in ws.values if r >= first and c in columns}
        if ws.sheet_state != "visible" and holding:
            self.report.append(f"{path.name} 工作表“{ws.title}”被隐藏，其中的数据已照常导入：请核对")
        for r in sorted(ws.hidden_rows & holding):
            self.report.append(f"{_where(path, ws.title, f'{r}:{r}')} 第 {r} 行被隐藏，其中的数据已照常导入：请核对")
        for c in sorted(ws.hidden_columns & columns):
            if any(col == c and r >= first for (r, col) in ws.values):
                letter = get_column_letter(c)
                self.report.append(
                    f"{_where(path, ws.title, f'{letter}:{letter}')} {letter} 列被隐藏，其中的数据已照常导入：请核对"
                )

    def row(self, path: Path, view: _View, found: Found, header: _Header, row: int) -> dict[str, object] | None:
        """The row's values by column key, in the table's unit; None for a row left out (reported when not empty)."""
        ws, spec = view.ws, found.spec
        present = [
            c
            for c in range(1, view.width + 1)
            if c not in header.line_columns
            and (has_value(ws.value(row, c)) or ((row, c) in ws.formulas and (row, c) not in ws.values))
        ]
        if not present:
            return None
        cell = f"{get_column_letter(present[0])}{row}"
        at = _where(path, ws.title, cell)
        texts = view.texts(row)
        if len(present) == 1 and texts and texts[0].startswith(_NOTE_STARTS):
            self.report.append(f"未导入的说明 {at}“{_short(ws.value(row, present[0]))}”")
            return None
        placed = [c for c in present if c in header.columns or c in header.joined]
        if not placed:
            self.report.append(f"未能放入的行 {at}“{_short(ws.value(row, present[0]))}”：不在认得出的任何一列")
            return None
        values: dict[str, object] = {}
        for col in present:
            ref = f"{get_column_letter(col)}{row}"
            if (row, col) in ws.formulas and (row, col) not in ws.values:
                self.report.append(f"{_where(path, ws.title, ref)} 的公式没有保存计算结果，留空：请填写数值")
                continue
            raw = ws.value(row, col)
            if col in header.joined:
                self.split(values, spec, header.joined[col], raw, _where(path, ws.title, ref))
            elif col in header.columns:
                column = spec.columns[header.columns[col]]
                values[column.key] = self.value(column, raw, found, _where(path, ws.title, ref))
            else:
                at = _where(path, ws.title, ref)
                self.report.append(f"未能放入的单元格 {at}“{_short(raw)}”：不在认得出的任何一列")
        for group in _code_groups(spec):
            _cumulative(values, [spec.columns[i] for i in group])
        return values

    def value(self, column: Column, raw: object, found: Found, at: str) -> object:
        if column.kind == "amount":
            try:
                amount = parse_amount(raw)
            except ValueError:
                self.report.append(f"{at} 的“{_short(raw)}”不是金额：原样写入，请改正")
                return raw
            if amount is None:
                return None
            return _number(amount * UNIT_SCALE[found.spec.unit] / UNIT_SCALE[found.unit])
        if column.kind == "code":
            try:
                return parse_code(raw, column.digits)
            except ValueError:
                self.report.append(f"{at} 的“{_short(raw)}”不是编码：原样写入，请改正")
                return raw
        return parse_text(raw)

    def split(self, values: dict[str, object], spec: TableSpec, group: list[int], raw: object, at: str) -> None:
        """A whole code (2010601) into the group's columns by their digits (201, 06, 01)."""
        columns = [spec.columns[i] for i in group]
        try:
            code = parse_code(raw) or ""
        except ValueError:
            code = str(raw)
        if not code:
            return
        widths = []
        total = 0
        for column in columns:
            total += column.digits
            widths.append(total)
        if not code.isdigit() or len(code) not in widths:
            self.report.append(
                f"{at} 的编码“{_short(raw)}”拆不成{'、'.join(c.label for c in columns)}（各 "
                f"{'、'.join(str(c.digits) for c in columns)} 位）：原样写入“{columns[0].label}”栏，请改正"
            )
            values[columns[0].key] = raw
            return
        start = 0
        for column, end in zip(columns, widths, strict=True):
            if end > len(code):
                break
            values[column.key] = code[start:end]
            start = end


def _cumulative(values: dict[str, object], columns: Sequence[Column]) -> None:
    """A 款 or 项 written with its parents' digits (20106, 2010601) keeps its own (06, 01)."""
    prefix = ""
    for column in columns:
        value = values.get(column.key)
        if isinstance(value, str) and value.isdigit():
            if prefix and len(value) == len(prefix) + column.digits and value.startswith(prefix):
                value = value[len(prefix) :]
                values[column.key] = value
            prefix += value
        else:
            break


def _number(amount: Decimal) -> Decimal | int:
    """An amount as the workbook stores it: every digit, without an exponent."""
    if amount == amount.to_integral_value():
        return int(amount)
    return Decimal(format(amount.normalize(), "f"))


# --- the workbook -----------------------------------------------------------------------------


def _write(wb: openpyxl.Workbook, found: Found, year: int) -> None:
    spec = found.spec
    ws = wb[spec.sheet_name]
    labels = len(prefilled_labels(spec, year))
    for row in range(spec.data_row, spec.data_row + max(labels, len(found.rows))):
        for i in range(1, len(spec.columns) + 1):
            ws.cell(row=row, column=i).value = None
    for offset, values in enumerate(found.rows):
        for key, value in values.items():
            ws.cell(row=spec.data_row + offset, column=spec.column_index(key), value=value)


def import_exports(
    paths: Sequence[Path],
    fmt: Format,
    start: Callable[[int], openpyxl.Workbook] | None = None,
    *,
    last_year: int | None = None,
) -> Imported:
    """The standard workbook of ``fmt`` holding the tables found in the exports at ``paths``.

    ``start(year)`` gives the workbook to fill (last year's carried forward, ``init --from``'s);
    without it, the blank workbook. The year is the one the tables' titles name; without one,
    the year after ``last_year``, or next year (last year for a 决算), said in the report. Raises ``WorkbookError`` for
    a file that cannot be read and ``ImportFailed`` when no table of ``fmt`` is found.
    """
    work = _Import(fmt)
    for path in paths:
        work.scan(Path(path))
    if not work.found:
        names = "、".join(Path(p).name for p in paths)
        raise ImportFailed(
            f"在 {names} 中没有找到{fmt.name}格式（{fmt.title}）的任何一张表：表按标题和表头查找，"
            f"如“{fmt.tables[0].title_for(date.today().year)}”；请确认文件和公开格式（--format）"
        )
    report = list(work.report)
    if len(work.years) == 1:
        year = next(iter(work.years))
    elif work.years:
        year = work.years.most_common(1)[0][0]
        seen = "、".join(f"{y}年" for y in sorted(work.years))
        report.append(f"各表标题中的年度不一致（{seen}）：工作簿按 {year} 年（最多的表所写）生成，请核对")
    else:
        # a budget is made for next year, a 决算 for the year just ended
        this = date.today().year
        year = (last_year + 1) if last_year is not None else this - 1 if fmt.kind == "final" else this + 1
        report.append(f"各表标题中都没有年度：工作簿按 {year} 年生成，请核对基本信息中的预算年度")
    wb = start(year) if start is not None else blank_workbook(year, fmt)
    found = [work.found[spec.code] for spec in fmt.tables if spec.code in work.found]
    for table in found:
        _write(wb, table, year)
    missing = [spec for spec in fmt.tables if spec.code not in work.found]
    wb.active = 0
    return Imported(wb, fmt, year, found, missing, report)
