"""Turn a workbook file into a typed ``Budget``: Decimal amounts, codes and texts, each problem at its cell.

The loader reads the cached values Excel saved. It refuses what it cannot read for certain
rather than guessing: a formula without a cached value (never computed here), text in an amount
cell, a missing sheet or header. It reports every such problem at once (``WorkbookError``), so a
clerk fixes them in one pass. Whether the figures agree with each other is the checker's
business, not the loader's.

An .xls, .et or .ods file is first converted to an .xlsx by LibreOffice (``convert.py`` says
why), after the checks its own form allows (size, encryption, an .ods zip's members), and is then
read as any .xlsx: ``read_book``. Before any XML is parsed, ``check_archive`` refuses what is not
an .xlsx (an empty file, an encrypted or damaged file, a .docx/.xlsb, a web page), a zip whose members are
too large or too compressed (zip bombs), XML carrying a DTD or entity declarations (entity bombs,
external entities; the parsers refuse them too) and a sheet with an absurd number of rows or
columns, merged ranges included. ``xlsx.read`` then reads the sheets with openpyxl's public API:
saved values, formulas, merges, hidden sheets, rows and columns. What the loader reads but a
clerk may not see is reported as a warning in ``Budget.notes``: merged cells in a data area
(read from their top-left cell), hidden sheets, rows and columns holding data, sheets outside
the standard layout, and control characters XML cannot hold (removed).
"""

from __future__ import annotations

import math
import re
import tempfile
import unicodedata
import zipfile
import zlib
from collections.abc import Callable
from datetime import date, datetime, time
from decimal import Decimal, InvalidOperation
from functools import lru_cache, update_wrapper
from pathlib import Path
from typing import Generic, TypeVar

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring as _safe_fromstring
from openpyxl.utils import column_index_from_string, get_column_letter, range_boundaries

from generator.errors import Finding, Problem, WorkbookError, sheet_code
from generator.formats import BUILTIN, DEFAULT, Catalog, Format, FormatError, builtin
from generator.formats.spec import Variant
from generator.workbook import convert, xlsx
from generator.workbook.model import Budget, Facts, Prior, Row, RowKind, Table, Value
from generator.workbook.schema import (
    FACTS_SHEET,
    FORMAT_LABEL,
    PRIOR_SHEET,
    Column,
    TableSpec,
    place_header,
)
from generator.workbook.xlsx import Book, Sheet

# Bounds checked before any XML is parsed (see README, "Safety"). A filled standard workbook is
# about 0.3 MB on disk and 2.5 MB unpacked; its sheets compress about 12 : 1.
MB = 1024 * 1024
MAX_FILE_BYTES = 20 * MB
MAX_MEMBER_BYTES = 20 * MB  # one part of the zip, unpacked
MAX_TOTAL_BYTES = 60 * MB  # all parts together, unpacked
MAX_RATIO = 100  # unpacked : packed, for a part of more than RATIO_FLOOR bytes
RATIO_FLOOR = 1 * MB
MAX_MEMBERS = 2000
MAX_ROWS = 5000  # on any sheet, formatted empty rows included
MAX_COLUMNS = 60
MAX_AMOUNT = Decimal(10) ** 10  # 万元: 100 亿万元, far beyond any budget, far within Decimal's 28 digits

_SPACES = re.compile(r"[\s\u3000\u00a0]+")
# OOXML writes a character XML cannot hold as _xHHHH_ (Excel: a pasted carriage return is _x000D_).
_OOXML_ESCAPE = re.compile(r"_x([0-9A-Fa-f]{4})_")
# Characters XML 1.0 cannot hold (tab, line feed and carriage return can): they cannot reach a
# DOCX or a well-formed document, and never print.
_XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
_GROUPED = re.compile(r"^[+-]?\d{1,3}(,\d{3})+(\.\d+)?$")
_PLAIN = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)$")


def normalize_text(value: str) -> str:
    """Full-width forms folded (NFKC) and every kind of space removed: for comparing labels."""
    return _SPACES.sub("", unicodedata.normalize("NFKC", value))


def parse_amount(raw: object) -> Decimal | None:
    """An amount cell's value as Decimal; None when empty; ValueError when it is not a number.

    Accepts numbers, and text holding a number with full-width digits, thousands separators or
    stray spaces ("１,９５９.６３", " 1 959.63 ").
    """
    if raw is None:
        return None
    if isinstance(raw, bool):
        raise ValueError(str(raw))
    if isinstance(raw, int):
        return Decimal(raw)
    if isinstance(raw, float):
        if raw != raw or raw in (float("inf"), float("-inf")):
            raise ValueError(str(raw))
        # repr() is the shortest text that reads back as this float: 5.984, not 5.98399999…
        return Decimal(repr(raw))
    if isinstance(raw, Decimal):
        return raw
    if isinstance(raw, str):
        text = normalize_text(raw)
        if text == "":
            return None
        if _GROUPED.match(text):
            text = text.replace(",", "")
        if not _PLAIN.match(text):
            raise ValueError(raw)
        try:
            return Decimal(text)
        except InvalidOperation as exc:  # pragma: no cover - the pattern admits only numbers
            raise ValueError(raw) from exc
    raise ValueError(str(raw))


def parse_code(raw: object, digits: int = 0) -> str | None:
    """A code cell as text; a code typed as a number gets its leading zeros back."""
    if raw is None:
        return None
    if isinstance(raw, bool) or isinstance(raw, (datetime, date, time)):
        raise ValueError(str(raw))
    if isinstance(raw, float):
        if not math.isfinite(raw) or raw != int(raw):
            raise ValueError(repr(raw))
        raw = int(raw)
    if isinstance(raw, int):
        return str(raw).zfill(digits)
    text = normalize_text(str(raw))
    if text.isdigit() and len(text) < digits:
        text = text.zfill(digits)  # "2" typed into a text-formatted 款 cell is 02
    return text or None


def parse_text(raw: object) -> str | None:
    """A text cell, trimmed; numbers are written as text without a trailing .0."""
    if raw is None:
        return None
    if isinstance(raw, float) and math.isfinite(raw) and raw == int(raw):
        raw = int(raw)
    if isinstance(raw, (datetime, date)):
        raw = raw.strftime("%Y-%m-%d")
    text = str(raw).strip()
    return text or None


def _describe(raw: object) -> str:
    text = _XML_ILLEGAL.sub("", str(raw))
    return text if len(text) <= 20 else text[:20] + "…"


class AmountOutOfRange(ValueError):
    """An amount whose size no budget has (and whose arithmetic Decimal's context cannot hold)."""


def bounded_amount(raw: object, scale: Decimal = Decimal(1)) -> Decimal | None:
    """``parse_amount``, refusing an amount of MAX_AMOUNT 万元 or more (AmountOutOfRange).

    ``scale`` is the unit of ``raw`` in 万元 (10000 for 元, ``TableSpec.scale``): the amount is
    returned in 万元, exactly (a Decimal divided by 10000 keeps every digit).
    """
    value = parse_amount(raw)
    if value is None:
        return None
    if abs(value) >= MAX_AMOUNT * scale:
        raise AmountOutOfRange(raw)
    return value / scale if scale != 1 else value


def _too_large(label: str, raw: object) -> str:
    return f"{label}的金额“{_describe(raw)}”超出可处理的范围（绝对值须小于 100 亿万元）"


def _size_problems(rows: int, columns: int, sheet: str) -> list[Problem]:
    """A sheet's absurd row and column counts, each its own problem."""
    problems = []
    if rows > MAX_ROWS:
        problems.append(
            Problem(
                f"工作表有 {rows} 行，超出可处理的范围（至多 {MAX_ROWS} 行；"
                "带格式的空行也计入，请删除表格下方多余的行）",
                sheet,
            )
        )
    if columns > MAX_COLUMNS:
        problems.append(
            Problem(
                f"工作表有 {columns} 列，超出可处理的范围（至多 {MAX_COLUMNS} 列；"
                "带格式的空列也计入，请删除表格右侧多余的列）",
                sheet,
            )
        )
    return problems


def _sheet_key(title: str) -> str:
    """The name a finding uses for a sheet: the table code (YS03) for a table sheet, else its title."""
    return sheet_code(title)


_STALE = "（隐藏的内容看不到、也打印不出，常留有过时的数字）：请取消隐藏后核对"


def has_value(value: object) -> bool:
    """A cell that holds something: not empty, not only spaces."""
    return value is not None and not (isinstance(value, str) and value.strip() == "")


def _filled(ws: Sheet, rows: range, cols: range) -> bool:
    """Whether any cell of ``rows`` × ``cols`` holds a value: cell by cell, or value by value when fewer."""
    if len(rows) * len(cols) <= len(ws.values):
        return any(has_value(ws.values.get((r, c))) for r in rows for c in cols)
    return any(r in rows and c in cols and has_value(v) for (r, c), v in ws.values.items())


class _Reader:
    """Reads one workbook, collecting every problem instead of stopping at the first."""

    def __init__(self, path: Path, book: Book):
        self.path = path
        self.book = book
        self.problems: list[Problem] = []
        self.notes: list[Finding] = []  # warnings: what was read, but a clerk may not have seen
        self.own_codes: set[str] = set()  # 部门, 单位 and 所属单位 codes: project_goals' summary rows carry them
        self.used: set[str] = set()  # the titles of the sheets read
        self.format: Format = builtin(DEFAULT)  # the workbook's format (``which_format``)

    def problem(self, message: str, sheet: str | None = None, cell: str | None = None) -> None:
        self.problems.append(Problem(message, sheet, cell))

    def note(self, sheet: str, cell: str | None, rule: str, message: str) -> None:
        self.notes.append(Finding("warning", _sheet_key(sheet), cell, rule, message))

    def find(self, name: str, code: str | None = None) -> Sheet | None:
        """The sheet called ``name``, or for a table the one whose name starts with its code, not yet read."""
        for ws in self.book.worksheets:
            title = normalize_text(ws.title)
            if ws.title not in self.used and (title == normalize_text(name) or (code and title.startswith(code))):
                return ws
        return None

    def sheet(self, name: str, code: str | None = None) -> Sheet | None:
        """``find``'s sheet, taken (no other table reads it); its absence is a problem."""
        ws = self.find(name, code)
        if ws is None:
            self.problem(f"缺少工作表“{name}”")
            return None
        self.used.add(ws.title)
        return ws

    def raw(self, ws: Sheet, row: int, col: int) -> object:
        """A cell's cached value; a formula without one is a problem, never read as empty.

        Text has OOXML's _xHHHH_ escapes decoded; characters XML cannot hold are removed, with a warning.
        """
        value = ws.values.get((row, col))
        if isinstance(value, str):
            return self.clean(value, ws.title, f"{get_column_letter(col)}{row}")
        if value is None and (row, col) in ws.formulas:
            self.problem(
                f"公式“{_describe(ws.formulas[row, col])}”没有保存计算结果：请在 Excel 或 WPS 中打开并保存，或改填数值",
                ws.title,
                f"{get_column_letter(col)}{row}",
            )
        return value

    def clean(self, text: str, sheet: str, ref: str) -> str:
        if "_x" in text:
            text = _OOXML_ESCAPE.sub(lambda m: chr(int(m.group(1), 16)), text)
        if _XML_ILLEGAL.search(text):
            text = _XML_ILLEGAL.sub("", text)
            self.note(sheet, ref, "控制字符", "含有无法打印的控制字符，已删除")
        return text

    def read(self, ws: Sheet, row: int, col: int, column: Column, scale: Decimal = Decimal(1)) -> Value:
        """A cell of ``column``; an amount in 万元 (typed in a unit of ``scale`` 万元)."""
        raw = self.raw(ws, row, col)
        ref = f"{get_column_letter(col)}{row}"
        try:
            if column.kind == "amount":
                return bounded_amount(raw, scale)
            if column.kind == "code":
                return parse_code(raw, column.digits)
            text = parse_text(raw)
        except AmountOutOfRange:
            self.problem(_too_large(column.label, raw), ws.title, ref)
            return None
        except ValueError:
            what = "金额" if column.kind == "amount" else "编码"
            self.problem(f"{column.label}应填{what}，不能是“{_describe(raw)}”", ws.title, ref)
            return None
        if column.kind == "choice" and text is not None and text not in column.choices:
            options = "、".join(column.choices)
            self.problem(f"{column.label}应为{options}之一，不能是“{_describe(text)}”", ws.title, ref)
            return None
        return text

    # --- what a clerk may not see: merged cells, hidden sheets, rows and columns ------------

    def unseen(self, ws: Sheet, first_row: int, width: int) -> None:
        """Warn of merged cells in the data area (rows from ``first_row``, columns 1..``width``)
        and of hidden rows, columns or a hidden sheet holding data there; all are read as usual."""
        last_row = min(ws.max_row, MAX_ROWS)
        for min_row, min_col, max_row, max_col in sorted(ws.merged, key=lambda r: (r[0], r[1])):
            if max_row >= first_row and min_col <= width:
                top_left = f"{get_column_letter(min_col)}{min_row}"
                coord = top_left
                if (min_row, min_col) != (max_row, max_col):
                    coord += f":{get_column_letter(max_col)}{max_row}"
                self.note(
                    ws.title,
                    coord,
                    "合并单元格",
                    f"数据区的单元格 {coord} 是合并单元格，只读取左上角 {top_left} 的值，"
                    "其余按空白处理：请取消合并后核对",
                )
        if ws.sheet_state != "visible" and _filled(ws, range(first_row, last_row + 1), range(1, width + 1)):
            self.note(ws.title, None, "隐藏数据", f"工作表“{ws.title}”被隐藏，其中的数据已照常读取{_STALE}")
        for r in sorted(ws.hidden_rows):
            if first_row <= r <= last_row and _filled(ws, range(r, r + 1), range(1, width + 1)):
                self.note(ws.title, f"{r}:{r}", "隐藏数据", f"第 {r} 行被隐藏，其中的数据已照常读取{_STALE}")
        for c in sorted(ws.hidden_columns):
            if c <= width and _filled(ws, range(first_row, last_row + 1), range(c, c + 1)):
                letter = get_column_letter(c)
                self.note(
                    ws.title,
                    f"{letter}:{letter}",
                    "隐藏数据",
                    f"{letter} 列被隐藏，其中的数据已照常读取{_STALE}",
                )

    def unpublished(self, spec: TableSpec, source: str) -> None:
        """The sheet of a table the bureau does not publish: not read; a warning when its data rows hold data."""
        ws = self.find(spec.sheet_name, spec.code)
        if ws is None:
            return
        self.used.add(ws.title)
        rows = range(spec.data_row, min(ws.max_row, MAX_ROWS) + 1)
        if _filled(ws, rows, range(1, min(ws.max_column, MAX_COLUMNS) + 1)):
            self.note(
                ws.title,
                None,
                "不公开的表",
                f"本单位不公开{spec.code}（{source} 的 [format] drop_tables），表中的数据不会读取",
            )

    def extra_sheets(self) -> None:
        """Warn of sheets outside the standard layout that hold data: they are not read."""
        for ws in self.book.worksheets:
            if ws.title in self.used:
                continue
            if not any(has_value(value) for value in ws.values.values()):
                continue
            if ws.sheet_state != "visible":
                message = f"隐藏的工作表“{ws.title}”含有数据，这些数据不会读取：请取消隐藏后核对，不需要的请删除"
            else:
                message = f"工作表“{ws.title}”不属于标准工作簿，其中的数据不会读取"
            self.note(ws.title, None, "多余工作表", message)

    # --- tables -----------------------------------------------------------------------

    def check_header(self, ws: Sheet, spec: TableSpec) -> bool:
        ok = True
        for r, c, cell in place_header(spec.header):
            row, col = spec.data_row - len(spec.header) + r, c + 1
            found = ws.value(row, col)
            if normalize_text(str(found or "")) != normalize_text(cell.text):
                self.problem(
                    f"表头应为“{cell.text}”，实为“{_describe(found or '')}”：无法识别此表的格式",
                    ws.title,
                    f"{get_column_letter(col)}{row}",
                )
                ok = False
        return ok

    def table(self, spec: TableSpec) -> Table:
        table = Table(spec)
        ws = self.sheet(spec.sheet_name, spec.code)
        if ws is None or not self.check_header(ws, spec):
            return table
        too_large = _size_problems(ws.max_row, ws.max_column, ws.title)
        if too_large:  # check_archive counts from the XML; this is for a sheet that hides its size
            self.problems.extend(too_large)
            return table
        width = len(spec.columns)
        self.unseen(ws, spec.data_row, width)
        for extra in range(width + 1, ws.max_column + 1):
            for row in range(spec.data_row, ws.max_row + 1):
                if ws.value(row, extra) not in (None, ""):
                    self.problem(
                        f"表格右侧多出数据（第 {width} 列之后）：无法识别此表的格式",
                        ws.title,
                        f"{get_column_letter(extra)}{row}",
                    )
                    return table
        section = ""
        # A row without a value or a formula in the table's columns reads as empty: not read at all
        occupied = {r for cells in (ws.values, ws.formulas) for r, c in cells if c <= width}
        for number in range(spec.data_row, ws.max_row + 1):
            if number not in occupied:
                continue
            values = {col.key: self.read(ws, number, i, col, spec.scale) for i, col in enumerate(spec.columns, start=1)}
            if all(v is None for v in values.values()):
                continue
            if spec.rows == "form":  # a form's first column carries down to the rows below it
                first = spec.columns[0].key
                section = str(values.get(first) or section)
                values[first] = section or None
            kind = classify(spec, values)
            if spec.rows == "indicators" and kind == "project" and values.get("code") in self.own_codes:
                kind = "total"  # the 单位 row as published (code and name), not a project
            table.rows.append(Row(spec.code, number, kind, values, spec))
        return table

    # --- facts and last year ----------------------------------------------------------

    def which_format(self, variant: Variant | None, catalog: Catalog) -> None:
        """The format the workbook names on its 基本信息 sheet (公开格式), less what ``variant`` drops.

        A workbook that names none is in the default format (every workbook made before formats
        existed); a name no format of ``catalog`` has is a problem at its cell.
        """
        ws = next((w for w in self.book.worksheets if normalize_text(w.title) == FACTS_SHEET), None)
        name, ref = "", ""
        if ws is not None:
            for number in range(2, min(ws.max_row, MAX_ROWS) + 1):  # values as saved: ``facts`` reports the cells
                label = ws.values.get((number, 1))
                if isinstance(label, str) and normalize_text(label) == FORMAT_LABEL:
                    value = ws.values.get((number, 2))
                    name, ref = normalize_text(str(value)) if value is not None else "", f"B{number}"
                    break
        try:
            fmt = catalog.find(name) if name else builtin(DEFAULT)
            if fmt is None:
                self.problem(catalog.unknown(name), FACTS_SHEET, ref)
                fmt = builtin(DEFAULT)
            self.format = variant.apply(fmt) if variant is not None else fmt
        except FormatError as exc:
            raise WorkbookError(self.path, [Problem(str(exc))]) from None

    def facts(self) -> Facts:
        values: dict[str, str | list[str] | Decimal | int | None] = {}
        cells: dict[str, str] = {}
        item_cells: dict[str, list[str]] = {}
        ws = self.sheet(FACTS_SHEET)
        if ws is None:
            return Facts(values, cells, item_cells)
        self.unseen(ws, 2, 2)
        by_label = {normalize_text(f.label): f for f in self.format.facts}
        current = None
        for number in range(2, min(ws.max_row, MAX_ROWS) + 1):
            label_raw = self.raw(ws, number, 1)
            value_raw = self.raw(ws, number, 2)
            label = normalize_text(str(label_raw)) if label_raw is not None else ""
            ref = f"B{number}"
            if label == FORMAT_LABEL:  # read before the facts (``which_format``)
                current = None
                continue
            if label:
                fact = by_label.get(label)
                if fact is None:
                    self.problem(f"不认识的项目“{_describe(label_raw)}”", ws.title, f"A{number}")
                    current = None
                    continue
                current = fact
                cells.setdefault(fact.key, ref)
            elif value_raw is None or current is None:
                continue
            elif current.kind != "list":
                self.problem(f"“{current.label}”只能填一格，这一行的项目栏不能留空", ws.title, f"A{number}")
                continue
            fact = current
            if fact.kind == "list":
                text = parse_text(value_raw)
                items = values.setdefault(fact.key, [])
                if text is not None and isinstance(items, list):
                    items.append(text)
                    item_cells.setdefault(fact.key, []).append(ref)
                continue
            if fact.key in values:
                self.problem(f"“{fact.label}”重复填写", ws.title, f"A{number}")
                continue
            values[fact.key] = self.fact_value(fact.kind, fact.label, value_raw, ws.title, ref)
        return Facts(values, cells, item_cells)

    def fact_value(self, kind: str, label: str, raw: object, sheet: str, ref: str) -> str | Decimal | int | None:
        try:
            if kind == "amount":
                return bounded_amount(raw)
            if kind in ("year", "count"):
                number = bounded_amount(raw)
                if number is None:
                    return None
                if number != number.to_integral_value() or number < 0:
                    raise ValueError(raw)
                if kind == "year" and not 1990 <= number <= 2100:
                    raise ValueError(raw)
                return int(number)
            if kind == "code":
                return parse_code(raw)
            return parse_text(raw)
        except AmountOutOfRange:
            self.problem(_too_large(f"“{label}”", raw), sheet, ref)
            return None
        except ValueError:
            need = {"amount": "金额", "year": "四位年份", "count": "不小于 0 的整数", "code": "编码"}[kind]
            self.problem(f"“{label}”应填{need}，不能是“{_describe(raw)}”", sheet, ref)
            return None

    def prior(self) -> Prior:
        values: dict[str, Decimal | None] = {}
        cells: dict[str, str] = {}
        ws = self.sheet(PRIOR_SHEET)
        if ws is None:
            return Prior(values, cells)
        self.unseen(ws, 2, 2)
        by_label = {normalize_text(p.label): p for p in self.format.prior}
        for number in range(2, min(ws.max_row, MAX_ROWS) + 1):
            label_raw = self.raw(ws, number, 1)
            if label_raw is None:
                continue
            figure = by_label.get(normalize_text(str(label_raw)))
            if figure is None:
                self.problem(f"不认识的项目“{_describe(label_raw)}”", ws.title, f"A{number}")
                continue
            ref = f"B{number}"
            cells[figure.key] = ref
            raw = self.raw(ws, number, 2)
            try:
                values[figure.key] = bounded_amount(raw)
            except AmountOutOfRange:
                self.problem(_too_large(f"“{figure.label}”", raw), ws.title, ref)
            except ValueError:
                self.problem(f"“{figure.label}”应填金额，不能是“{_describe(raw)}”", ws.title, ref)
        return Prior(values, cells)


def classify(spec: TableSpec, values: dict[str, Value]) -> RowKind:
    """What a data row is, from which of its cells are filled, by the table's row grammar (``spec.rows``)."""

    def has(key: str) -> bool:
        return values.get(key) not in (None, "")

    grammar = spec.rows
    name_key = "name"
    if grammar == "tree":  # the deepest code column filled: class, subclass, item
        depth = max((i for i, key in enumerate(spec.levels, start=1) if has(key)), default=0)
        if depth == len(spec.levels):
            return "item"
        if depth:
            return "class" if depth == 1 else "subclass"
    elif grammar == "lines":
        return "line"
    elif grammar == "form":
        return "entry"
    if grammar == "projects":
        if has("kind"):
            return "project"
        if has("name") or has("unit"):
            return "unit"
        return "total"
    if grammar == "indicators":
        if has("code") and has("name"):
            return "project"
        if has("code"):
            return "total"
        return "continuation"
    if grammar == "economic":  # a code column, then its name
        code, name_key = spec.columns[0].key, spec.columns[1].key
        if has(code):
            return "item"
    elif grammar == "classes":
        if has("kuan"):
            return "item"
        if has("lei"):
            return "class"
    elif grammar == "subjects":  # the 功能分类 tables under unit rows
        if has("lei") or has("kuan") or has("xiang"):
            return "item"
        if has("unit_code"):
            return "unit"
    name = values.get(name_key)
    return "sum" if isinstance(name, str) and normalize_text(name) == "合计" else "total"


# The stream names an encrypted Office file carries inside its OLE container (UTF-16).
_ENCRYPTED = "EncryptedPackage".encode("utf-16-le")
_OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_DTD = re.compile(rb"<!(?:DOCTYPE|ENTITY)")
# Literal prefixes, so that the search runs at memchr speed: a sheet's <row r="12"> elements, and
# cell references (<c r="BI12">) in a column beyond BH, the 60th: only those are looked at.
_ROW_NUMBER = re.compile(rb"row r=\"(\d+)\"")
_WIDE_CELL = re.compile(rb" r=\"([A-Z]{3}|[C-Z][A-Z]|B[I-Z])\d")
# A merged range's reference: openpyxl makes a cell of every cell it covers, so "A1:XFD1048576" in
# a few bytes of XML would exhaust the memory; its far corner counts as the sheet's extent.
_MERGE_REF = re.compile(rb"mergeCell\s[^>]*?\bref\s*=\s*[\"']([^\"']*)")
_MAIN_NS = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_REL_NS = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
_PKG_REL_NS = "{http://schemas.openxmlformats.org/package/2006/relationships}"

_RESAVE = "请在 Excel 或 WPS 中打开并另存为 .xlsx 后再试"
_UNLOCK = "请在 Excel 或 WPS 中取消密码后另存为 .xlsx 再试"


def _refuse(path: Path, message: str, sheet: str | None = None) -> WorkbookError:
    return WorkbookError(path, [Problem(message, sheet)])


def _mb(size: int) -> str:
    return f"{size / MB:.1f} MB"


def check_archive(path: Path) -> None:
    """Refuse what is not an .xlsx zip, or a zip too large to unpack, before openpyxl parses any XML.

    In order: the file itself (empty, too large, an old or encrypted Office file, not a zip at
    all), the zip's directory (not a workbook, too many or too large members, too compressed),
    then every member read once, bounded by the sizes just checked (damaged, a DTD or entity
    declaration in the XML) and every sheet's rows and columns, counted without building cells.
    Public because every .xlsx the tool reads goes through it (a bureau's 科目代码表 too).
    """
    try:
        size = path.stat().st_size
        with path.open("rb") as fh:
            head = fh.read(1024)
    except IsADirectoryError:
        raise _refuse(path, "这是一个文件夹，不是工作簿文件") from None
    except PermissionError:
        raise _refuse(path, "没有读取此文件的权限") from None
    except OSError as exc:
        raise _refuse(path, f"无法打开文件：{exc.strerror}") from None
    if size == 0:
        raise _refuse(path, "文件是空的")
    if size > MAX_FILE_BYTES:
        raise _refuse(path, f"文件过大（{size // MB} MB），上限为 {MAX_FILE_BYTES // MB} MB")
    if head.startswith(_OLE):
        if _ENCRYPTED in path.read_bytes():
            raise _refuse(path, f"文件设置了打开密码（已加密），无法读取：{_UNLOCK}")
        raise _refuse(path, "这是旧版 Excel（.xls）或 WPS（.et）格式的文件，请在 Excel 或 WPS 中另存为 .xlsx 后再试")
    if not zipfile.is_zipfile(path):
        if head.startswith(b"PK\x03\x04"):
            raise _refuse(path, "文件不完整或已损坏（可能在下载或复制时中断）：请重新获取文件")
        if head.startswith(b"%PDF"):
            raise _refuse(path, "不是 Excel 工作簿（.xlsx）：这是 PDF 文件")
        text = head.lstrip(b"\xef\xbb\xbf \t\r\n").lower()
        if text.startswith((b"<!doctype html", b"<html", b"<?xml", b"<table", b"<meta")):
            raise _refuse(
                path, f"不是 Excel 工作簿（.xlsx）：这是网页或 XML 格式的文件（常见于系统导出的表格），{_RESAVE}"
            )
        raise _refuse(path, "不是 Excel 工作簿（.xlsx）：文件不是 zip 格式")
    try:
        with zipfile.ZipFile(path) as archive:
            _check_members(path, archive)
    except zipfile.BadZipFile:
        raise _refuse(path, "文件不完整或已损坏（可能在下载或复制时中断）：请重新获取文件") from None


def _check_members(path: Path, archive: zipfile.ZipFile) -> None:
    infos = archive.infolist()
    if len(infos) > MAX_MEMBERS:
        raise _refuse(path, f"zip 中有 {len(infos)} 个文件，超过上限 {MAX_MEMBERS} 个，不像 Excel 工作簿，已拒绝")
    names = {info.filename for info in infos}
    if "word/document.xml" in names:
        raise _refuse(path, "不是 Excel 工作簿（.xlsx）：这是 Word 文档（.docx）")
    if "mimetype" in names and "content.xml" in names:
        raise _refuse(path, f"不是 Excel 工作簿（.xlsx）：这是 OpenDocument 表格（.ods），{_RESAVE}")
    if "xl/workbook.bin" in names:
        raise _refuse(path, "这是 Excel 二进制工作簿（.xlsb），请在 Excel 中另存为 .xlsx 后再试")
    if "[Content_Types].xml" not in names or not any(n.startswith("xl/workbook") for n in names):
        raise _refuse(path, "不是 Excel 工作簿（.xlsx）：zip 中没有工作簿内容")
    data = _check_parts(path, archive)
    problems = []
    for title, member in _worksheet_parts(data):
        problems += _size_problems(*_sheet_size(data[member]), title)
    if problems:
        raise WorkbookError(path, problems)


def _check_parts(path: Path, archive: zipfile.ZipFile) -> dict[str, bytes]:
    """Every member's size and compression, then every member read once (damaged parts and DTDs
    refused); the XML parts' bytes."""
    infos = archive.infolist()
    if len(infos) > MAX_MEMBERS:
        raise _refuse(path, f"zip 中有 {len(infos)} 个文件，超过上限 {MAX_MEMBERS} 个，不像 Excel 工作簿，已拒绝")
    total = 0
    for info in infos:
        total += info.file_size
        if info.file_size > MAX_MEMBER_BYTES:
            raise _refuse(
                path,
                f"工作簿中的“{info.filename}”解压后有 {_mb(info.file_size)}，"
                f"超过上限 {MAX_MEMBER_BYTES // MB} MB，已拒绝",
            )
        ratio = info.file_size / max(info.compress_size, 1)
        if info.file_size > RATIO_FLOOR and ratio > MAX_RATIO:
            raise _refuse(
                path,
                f"工作簿中的“{info.filename}”压缩比异常（{ratio:.0f} 倍，上限 {MAX_RATIO} 倍），疑为压缩炸弹，已拒绝",
            )
    if total > MAX_TOTAL_BYTES:
        raise _refuse(path, f"工作簿解压后共 {_mb(total)}，超过上限 {MAX_TOTAL_BYTES // MB} MB，已拒绝")
    # Every member once, each bounded by the sizes above (zipfile never unpacks more than the size
    # the directory states, and checks the CRC): damaged parts and DTDs are refused here.
    data: dict[str, bytes] = {}
    for info in infos:
        if info.is_dir():
            continue
        try:
            content = archive.read(info)
        except RuntimeError:  # a zip password
            raise _refuse(path, f"文件设置了密码（已加密），无法读取：{_UNLOCK}") from None
        except (zipfile.BadZipFile, zlib.error, NotImplementedError, EOFError, OSError):
            raise _refuse(path, f"工作簿中的“{info.filename}”已损坏，无法读取：请重新获取文件，或{_RESAVE}") from None
        if _DTD.search(_as_utf8(content)):
            raise _refuse(
                path, f"工作簿中的“{info.filename}”含有 DTD 或实体声明（疑为 XML 实体炸弹或外部实体引用），已拒绝"
            )
        if info.filename.endswith((".xml", ".rels")):
            data[info.filename] = content
    return data


def _as_utf8(content: bytes) -> bytes:
    """XML text as bytes to search: UTF-16 parts (with a byte order mark) decoded."""
    if content[:2] in (b"\xff\xfe", b"\xfe\xff"):
        return content.decode("utf-16", errors="replace").encode("utf-8")
    return content


def _worksheet_parts(data: dict[str, bytes]) -> list[tuple[str, str]]:
    """(sheet title, zip member) of every worksheet, from the workbook part and its relationships.

    When the workbook part cannot be read this way, every xl/worksheets/*.xml, named by its path.
    """
    fallback = [(n, n) for n in sorted(data) if re.fullmatch(r"xl/worksheets/[^/]+\.xml", n)]
    try:
        workbook = "xl/workbook.xml"
        for rel in _safe_fromstring(data["_rels/.rels"]).iter(f"{_PKG_REL_NS}Relationship"):
            if rel.get("Type", "").endswith("/officeDocument"):
                workbook = rel.get("Target", workbook).lstrip("/")
        folder, _, name = workbook.rpartition("/")
        rels = _safe_fromstring(data[f"{folder}/_rels/{name}.rels"])
        targets = {r.get("Id"): r.get("Target", "") for r in rels.iter(f"{_PKG_REL_NS}Relationship")}
        parts = []
        for sheet in _safe_fromstring(data[workbook]).iter(f"{_MAIN_NS}sheet"):
            target = targets.get(sheet.get(f"{_REL_NS}id"), "")
            member = target.lstrip("/") if target.startswith("/") else f"{folder}/{target}"
            if member in data:
                parts.append((sheet.get("name") or member, member))
        return parts or fallback
    except Exception:  # an unusual but perhaps readable package: openpyxl decides
        return fallback


def _sheet_size(xml: bytes) -> tuple[int, int]:
    """The rows and columns a sheet's XML spans, as far as the row numbers, wide cells and merged ranges tell."""
    xml = _as_utf8(xml)
    rows = max((int(m.group(1)) for m in _ROW_NUMBER.finditer(xml)), default=0)
    wide = {m.group(1).decode() for m in _WIDE_CELL.finditer(xml)}
    columns = max((column_index_from_string(c) for c in wide), default=0)
    for match in _MERGE_REF.finditer(xml):
        try:
            _min_col, _min_row, max_col, max_row = range_boundaries(match.group(1).decode("ascii"))
        except (ValueError, TypeError, UnicodeDecodeError):
            continue  # not a range: openpyxl's load refuses it as damaged
        rows, columns = max(rows, max_row or 0), max(columns, max_col or 0)
    return rows, columns


def _open(path: Path, shown: Path | None = None) -> Book:
    """The workbook's sheets (``xlsx.read``), or a ``WorkbookError`` (naming ``shown``, else ``path``) saying why
    they cannot be read."""
    try:
        return xlsx.read(path, max_rows=MAX_ROWS, max_columns=MAX_COLUMNS)
    except Exception as exc:  # openpyxl raises many kinds for malformed parts
        cause = _root_cause(exc)
        if isinstance(cause, DefusedXmlException):  # check_archive refuses these first; defusedxml as well
            message = "工作簿的 XML 含有 DTD 或实体声明（疑为 XML 实体炸弹或外部实体引用），已拒绝"
        else:
            message = f"工作簿内容已损坏，无法解析：{_RESAVE}"
        raise WorkbookError(shown or path, [Problem(message)]) from exc  # the cause for --debug


_ODS_MIMETYPE = b"application/vnd.oasis.opendocument.spreadsheet"
# What each form LibreOffice converts is, as the refusal names it.
_FORMS = {".xls": "这是旧版 Excel（.xls）或 WPS（.et）格式的文件", ".ods": "这是 OpenDocument 表格（.ods）"}


def _convertible(path: Path) -> str | None:
    """ ".xls" for an old Excel or WPS file (.xls, .et), ".ods" for an OpenDocument spreadsheet, whatever the
    file is named; None for anything else (``check_archive`` says what it is).

    An .ods zip's members are bounded here as an .xlsx's are (sizes, compression, DTDs), before
    LibreOffice reads it; an encrypted file is left to ``check_archive``, which refuses it.
    """
    try:
        size = path.stat().st_size
        with path.open("rb") as fh:
            head = fh.read(1024)
    except OSError:
        return None
    if size == 0 or size > MAX_FILE_BYTES:
        return None
    if head.startswith(_OLE):
        return None if _ENCRYPTED in path.read_bytes() else ".xls"
    if not zipfile.is_zipfile(path):
        return None
    try:
        with zipfile.ZipFile(path) as archive:
            names = set(archive.namelist())
            if "mimetype" not in names or "content.xml" not in names:
                return None
            if len(names) > MAX_MEMBERS or archive.getinfo("mimetype").file_size > 100:
                return None
            if archive.read("mimetype").strip() != _ODS_MIMETYPE:
                return None
            _check_parts(path, archive)
    except zipfile.BadZipFile:
        return None
    return ".ods"


def read_book(path: Path) -> Book:
    """The sheets of the workbook at ``path``, or a ``WorkbookError`` saying why they cannot be read.

    An .xlsx passes ``check_archive`` and is read; an .xls, .et or .ods is converted by LibreOffice
    into a temporary folder (removed again), and the .xlsx it makes passes the same gate and reader,
    every message naming the clerk's file.
    """
    suffix = _convertible(path)
    if suffix is None:
        check_archive(path)
        return _open(path)
    with tempfile.TemporaryDirectory(prefix="budget-report-") as folder:
        try:
            converted = convert.to_xlsx(path, suffix, Path(folder))
        except convert.ConversionFailed as exc:
            raise _refuse(path, f"{_FORMS[suffix]}，但无法读取：{exc.reason}；{_RESAVE}") from None
        try:
            check_archive(converted)
        except WorkbookError as exc:
            raise WorkbookError(path, exc.problems) from None
        book = _open(converted, path)
    if not any(ws.values or ws.formulas for ws in book.worksheets):  # LibreOffice makes an empty sheet of garbage
        raise _refuse(
            path, f"{_FORMS[suffix]}，但无法读取：LibreOffice 读不出其中的任何内容（文件可能已损坏）；{_RESAVE}"
        )
    return book


def _root_cause(exc: BaseException) -> BaseException:
    """The first exception of a chain (openpyxl wraps parse errors in a ValueError of its own)."""
    seen = {id(exc)}
    while True:
        inner = exc.__cause__ or exc.__context__
        if inner is None or id(inner) in seen:
            return exc
        seen.add(id(inner))
        exc = inner


def load_workbook(path: Path | str, variant: Variant | None = None, catalog: Catalog = BUILTIN) -> Budget:
    """Read the standard workbook at ``path`` into a ``Budget``, or raise ``WorkbookError``.

    The workbook's tables are those of the format it names (among ``catalog``'s: the built-in
    ones and the bureau's own), less what the bureau's ``variant`` (its profile's ``[format]``)
    does not publish: a table dropped there is not read.
    """
    path = Path(path)
    reader = _Reader(path, read_book(path))
    reader.which_format(variant, catalog)
    facts = reader.facts()
    reader.own_codes = {facts.text("dept_code"), facts.text("unit_code")} - {""}
    prior = reader.prior()
    tables: dict[str, Table] = {}
    for spec in reader.format.tables:
        if spec.optional and reader.format.publishes(spec.code) and reader.find(spec.sheet_name, spec.code) is None:
            # a table a bureau may leave out, whose sheet the workbook does not have: not published
            reader.format = reader.format.without(tables=(spec.code,))
            reader.note(
                spec.code,
                None,
                "不公开的表",
                f"工作簿没有工作表“{spec.sheet_name}”：按本单位不公开此表处理，文档中不列出"
                "（不公开的表可在模板文件夹 profile.toml 的 [format] drop_tables 中写明）",
            )
        if not reader.format.publishes(spec.code):
            tables[spec.code] = Table(spec)  # not published: read as empty, derived where it can be
            reader.unpublished(spec, variant.source if variant is not None else "")
            continue
        tables[spec.code] = table = reader.table(spec)
        # The 所属单位 of the spending-shaped tables: project_goals' summary rows may carry their codes too
        reader.own_codes |= {r.text("unit_code") for r in table.rows} - {""}
    if reader.problems:
        raise WorkbookError(path, reader.problems)
    reader.extra_sheets()
    return Budget(path, facts, prior, tables, notes=reader.notes, format=reader.format)


_Read = TypeVar("_Read")


class once_per_version(Generic[_Read]):
    """``read(path, catalog)``, done once per version of the file (its path, time and size): a run over many
    workbooks (and the batch's forked workers) compares them all with one reading of last year's workbook
    or the budget workbook. A file that cannot be looked at is read each time: the loader says why."""

    def __init__(self, read: Callable[[Path, Catalog], _Read]):
        self.read = read
        self.cached = lru_cache(maxsize=4)(lambda path, catalog, _stamp: read(path, catalog))
        update_wrapper(self, read)

    def __call__(self, path: Path, catalog: Catalog = BUILTIN) -> _Read:
        path = Path(path)
        try:
            stat = path.stat()
        except OSError:
            return self.read(path, catalog)
        return self.cached(path, catalog, (str(path.resolve()), stat.st_mtime_ns, stat.st_size))

    def cache_clear(self) -> None:
        self.cached.cache_clear()
