"""Turn a workbook file into a typed ``Budget``: Decimal amounts, codes and texts, each problem at its cell.

The loader reads the cached values Excel saved. It refuses what it cannot read for certain
rather than guessing: a formula without a cached value, text in an amount cell, a missing sheet
or header. It reports every such problem at once (``WorkbookError``), so a clerk fixes them in
one pass. Whether the figures agree with each other is the checker's business, not the loader's.
"""

from __future__ import annotations

import re
import unicodedata
import warnings
import zipfile
from datetime import date, datetime, time
from decimal import Decimal, InvalidOperation
from pathlib import Path

import openpyxl
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from .errors import Problem, WorkbookError
from .model import Budget, Facts, Prior, Row, RowKind, Table, Value
from .schema import (
    FACTS,
    FACTS_SHEET,
    PRIOR,
    PRIOR_SHEET,
    TABLES,
    Column,
    TableSpec,
    place_header,
)

# Bounds checked before any XML is parsed (see README, "Safety").
MAX_FILE_BYTES = 50 * 1024 * 1024
MAX_MEMBER_BYTES = 100 * 1024 * 1024
MAX_TOTAL_BYTES = 300 * 1024 * 1024
MAX_RATIO = 200
MAX_ROWS = 5000
MAX_COLUMNS = 60

_SPACES = re.compile(r"[\s\u3000\u00a0]+")
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
        if raw != int(raw):
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
    if isinstance(raw, float) and raw == int(raw):
        raw = int(raw)
    if isinstance(raw, (datetime, date)):
        raw = raw.strftime("%Y-%m-%d")
    text = str(raw).strip()
    return text or None


def _describe(raw: object) -> str:
    text = str(raw)
    return text if len(text) <= 20 else text[:20] + "…"


class _Reader:
    """Reads one workbook, collecting every problem instead of stopping at the first."""

    def __init__(self, path: Path, values: openpyxl.Workbook, formulas: openpyxl.Workbook | None):
        self.path = path
        self.values = values
        self.formulas = formulas
        self.problems: list[Problem] = []
        self.own_codes: set[str] = set()  # the 部门 and 单位 codes: YS12's summary rows carry them

    def problem(self, message: str, sheet: str | None = None, cell: str | None = None) -> None:
        self.problems.append(Problem(message, sheet, cell))

    def sheet(self, name: str, code: str | None = None) -> Worksheet | None:
        """The sheet called ``name``, or for a table the one whose name starts with its code."""
        for ws in self.values.worksheets:
            title = normalize_text(ws.title)
            if title == normalize_text(name) or (code and title.startswith(code)):
                return ws
        self.problem(f"缺少工作表“{name}”")
        return None

    def raw(self, ws: Worksheet, row: int, col: int) -> object:
        """A cell's cached value; a formula without one is a problem, never read as empty."""
        value = ws.cell(row=row, column=col).value
        if value is None and self.formulas is not None:
            source = self.formulas[ws.title].cell(row=row, column=col)
            formula = source.value
            if source.data_type == "f":
                self.problem(
                    f"公式“{_describe(formula)}”没有保存计算结果：请在 Excel 或 WPS 中打开并保存，或改填数值",
                    ws.title,
                    f"{get_column_letter(col)}{row}",
                )
        return value

    def read(self, ws: Worksheet, row: int, col: int, column: Column) -> Value:
        raw = self.raw(ws, row, col)
        ref = f"{get_column_letter(col)}{row}"
        try:
            if column.kind == "amount":
                return parse_amount(raw)
            if column.kind == "code":
                return parse_code(raw, column.digits)
            text = parse_text(raw)
        except ValueError:
            what = "金额" if column.kind == "amount" else "编码"
            self.problem(f"{column.label}应填{what}，不能是“{_describe(raw)}”", ws.title, ref)
            return None
        if column.kind == "choice" and text is not None and text not in column.choices:
            options = "、".join(column.choices)
            self.problem(f"{column.label}应为{options}之一，不能是“{_describe(text)}”", ws.title, ref)
            return None
        return text

    # --- tables -----------------------------------------------------------------------

    def check_header(self, ws: Worksheet, spec: TableSpec) -> bool:
        ok = True
        for r, c, cell in place_header(spec.header):
            row, col = spec.data_row - len(spec.header) + r, c + 1
            found = ws.cell(row=row, column=col).value
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
        if ws.max_row > MAX_ROWS or ws.max_column > MAX_COLUMNS:
            self.problem(
                f"工作表有 {ws.max_row} 行、{ws.max_column} 列，超出可处理的范围"
                f"（至多 {MAX_ROWS} 行、{MAX_COLUMNS} 列）",
                ws.title,
            )
            return table
        width = len(spec.columns)
        for extra in range(width + 1, ws.max_column + 1):
            for row in range(spec.data_row, ws.max_row + 1):
                if ws.cell(row=row, column=extra).value not in (None, ""):
                    self.problem(
                        f"表格右侧多出数据（第 {width} 列之后）：无法识别此表的格式",
                        ws.title,
                        f"{get_column_letter(extra)}{row}",
                    )
                    return table
        section = ""
        for number in range(spec.data_row, ws.max_row + 1):
            values = {
                col.key: self.read(ws, number, i, col) for i, col in enumerate(spec.columns, start=1)
            }
            if all(v is None for v in values.values()):
                continue
            if spec.code == "YS11":
                section = str(values.get("section") or section)
                values["section"] = section or None
            kind = classify(spec.code, values)
            if spec.code == "YS12" and kind == "project" and values.get("code") in self.own_codes:
                kind = "total"  # the 单位 row as published (code and name), not a project
            table.rows.append(Row(spec.code, number, kind, values))
        return table

    # --- facts and last year ----------------------------------------------------------

    def facts(self) -> Facts:
        values: dict[str, str | list[str] | Decimal | int | None] = {}
        cells: dict[str, str] = {}
        item_cells: dict[str, list[str]] = {}
        ws = self.sheet(FACTS_SHEET)
        if ws is None:
            return Facts(values, cells, item_cells)
        by_label = {normalize_text(f.label): f for f in FACTS}
        current = None
        for number in range(2, min(ws.max_row, MAX_ROWS) + 1):
            label_raw = self.raw(ws, number, 1)
            value_raw = self.raw(ws, number, 2)
            label = normalize_text(str(label_raw)) if label_raw is not None else ""
            ref = f"B{number}"
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

    def fact_value(
        self, kind: str, label: str, raw: object, sheet: str, ref: str
    ) -> str | Decimal | int | None:
        try:
            if kind == "amount":
                return parse_amount(raw)
            if kind in ("year", "count"):
                number = parse_amount(raw)
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
        by_label = {normalize_text(p.label): p for p in PRIOR}
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
                values[figure.key] = parse_amount(raw)
            except ValueError:
                self.problem(f"“{figure.label}”应填金额，不能是“{_describe(raw)}”", ws.title, ref)
        return Prior(values, cells)


def classify(code: str, values: dict[str, Value]) -> RowKind:
    """What a data row is, from which of its cells are filled."""

    def has(key: str) -> bool:
        return values.get(key) not in (None, "")

    if code in ("YS01", "YS04", "YS08"):
        return "line"
    if code == "YS11":
        return "entry"
    if code == "YS10":
        if has("kind"):
            return "project"
        if has("name") or has("unit"):
            return "unit"
        return "total"
    if code == "YS12":
        if has("code") and has("name"):
            return "project"
        if has("code"):
            return "total"
        return "continuation"
    if code == "YS06":
        if has("dept_code"):
            return "item"
    elif code == "YS14":
        if has("code"):
            return "item"
    elif code == "YS07":
        if has("kuan"):
            return "item"
        if has("lei"):
            return "class"
    else:  # the spending-shaped tables YS02, YS03, YS05, YS09, YS13
        if has("lei") or has("kuan") or has("xiang"):
            return "item"
        if has("unit_code"):
            return "unit"
    name_key = "dept_name" if code == "YS06" else "name"
    name = values.get(name_key)
    return "sum" if isinstance(name, str) and normalize_text(name) == "合计" else "total"


def _check_archive(path: Path) -> None:
    """Refuse what is not an .xlsx zip, or a zip too large to unpack, before parsing any XML."""
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise WorkbookError(path, [Problem(f"无法打开文件：{exc.strerror}")]) from None
    if size == 0:
        raise WorkbookError(path, [Problem("文件是空的")])
    if size > MAX_FILE_BYTES:
        raise WorkbookError(path, [Problem(f"文件过大（{size // 1024 // 1024} MB），上限为 {MAX_FILE_BYTES // 1024 // 1024} MB")])
    with path.open("rb") as fh:
        head = fh.read(8)
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        raise WorkbookError(
            path,
            [Problem("这是旧版 Excel（.xls）或 WPS（.et）格式的文件，请在 Excel 或 WPS 中另存为 .xlsx 后再试")],
        )
    if not zipfile.is_zipfile(path):
        raise WorkbookError(path, [Problem("不是 Excel 工作簿（.xlsx）：文件不是 zip 格式")])
    try:
        with zipfile.ZipFile(path) as archive:
            infos = archive.infolist()
    except (zipfile.BadZipFile, OSError) as exc:
        raise WorkbookError(path, [Problem(f"不是 Excel 工作簿（.xlsx）：zip 文件已损坏（{exc}）")]) from None
    names = {info.filename for info in infos}
    if "[Content_Types].xml" not in names or not any(n.startswith("xl/workbook") for n in names):
        raise WorkbookError(path, [Problem("不是 Excel 工作簿（.xlsx）：zip 中没有工作簿内容")])
    total = 0
    for info in infos:
        total += info.file_size
        ratio = info.file_size / max(info.compress_size, 1)
        if info.file_size > MAX_MEMBER_BYTES or ratio > MAX_RATIO and info.file_size > 1024 * 1024:
            raise WorkbookError(
                path,
                [Problem(f"工作簿中的“{info.filename}”解压后过大（{info.file_size} 字节），疑为压缩炸弹，已拒绝")],
            )
    if total > MAX_TOTAL_BYTES:
        raise WorkbookError(path, [Problem(f"工作簿解压后过大（{total} 字节），已拒绝")])


def _open(path: Path, *, data_only: bool) -> openpyxl.Workbook:
    try:
        with warnings.catch_warnings():
            # openpyxl warns about data validation and other extensions it does not keep; harmless here
            warnings.simplefilter("ignore", UserWarning)
            return openpyxl.load_workbook(path, data_only=data_only, read_only=False)
    except WorkbookError:
        raise
    except Exception as exc:  # openpyxl raises many kinds for malformed parts
        raise WorkbookError(path, [Problem(f"工作簿内容无法解析（{type(exc).__name__}：{_describe(exc)}）")]) from None


def _has_formulas(workbook: openpyxl.Workbook) -> bool:
    return any(
        cell.data_type == "f"
        for ws in workbook.worksheets
        for row in ws.iter_rows()
        for cell in row
    )


def load_workbook(path: Path | str) -> Budget:
    """Read the standard workbook at ``path`` into a ``Budget``, or raise ``WorkbookError``."""
    path = Path(path)
    _check_archive(path)
    formulas = _open(path, data_only=False)
    values = _open(path, data_only=True) if _has_formulas(formulas) else formulas
    reader = _Reader(path, values, formulas if values is not formulas else None)
    facts = reader.facts()
    reader.own_codes = {facts.text("dept_code"), facts.text("unit_code")} - {""}
    prior = reader.prior()
    tables = {spec.code: reader.table(spec) for spec in TABLES}
    if reader.problems:
        raise WorkbookError(path, reader.problems)
    return Budget(path, facts, prior, tables)
