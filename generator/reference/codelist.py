"""Turn a finance bureau's exported 科目代码表 (.xlsx or .csv) into the code book the check uses.

The official list lives in the bureau's budget system (预算管理一体化系统), which exports it as a
table: a header row, then one row per code of any level. This module finds the code and name
columns by their headers (科目编码/科目代码/编码/代码 and 科目名称/名称, in any order, other
columns ignored), tells the lists apart by a code's first digit (2 支出功能分类, 3 部门预算支出经济分类,
5 政府预算支出经济分类; 1 收入分类 is skipped), and lays them over the bundled book of the year: the
lists the file gives replace the bundled ones, the rest (YS01/YS04 labels, the 部门 → 政府 mapping,
a list the file lacks) stay bundled. A file with any bad row is refused whole, its row named.
"""

from __future__ import annotations

import csv
import io
import unicodedata
import warnings
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, replace
from datetime import date
from functools import lru_cache
from pathlib import Path
from types import MappingProxyType

from generator.errors import BudgetError
from generator.reference.codes import CodeBook, load_codes

#: Header texts (spaces and case ignored) of the two columns, in order of preference.
CODE_HEADERS = ("科目编码", "科目代码", "编码", "代码")
NAME_HEADERS = ("科目名称", "名称")
SUFFIXES = (".xlsx", ".csv")
#: The file names a bureau's template folder may hold, looked for in this order.
FOLDER_FILES = ("codes.xlsx", "codes.csv")

HEADER_SEARCH_ROWS = 20  # a title or a note may stand above the header
MAX_CSV_BYTES = 20 * 1024 * 1024
MAX_CODE_ROWS = 20_000  # every 科目 of every kind together is a few thousand

# The lists, by the first digit of a code, and the code lengths each allows.
_KINDS = {"2": ("function", (3, 5, 7)), "3": ("econ_dept", (3, 5)), "5": ("econ_gov", (3, 5))}
_NO_HEADER = f"找不到表头：需要“{CODE_HEADERS[0]}”和“{NAME_HEADERS[0]}”两列"
_KIND_NAMES = {"function": "支出功能分类", "econ_dept": "部门预算支出经济分类", "econ_gov": "政府预算支出经济分类"}


class CodeListError(BudgetError):
    """The supplied code list cannot be used; the message names the file, sheet and row."""


def _error(path: Path, message: str, sheet: str | None = None, row: int | None = None) -> CodeListError:
    where = (f"工作表“{sheet}”" if sheet else "") + (f"第 {row} 行" if row is not None else "")
    return CodeListError(f"科目代码表 {path.name} 无法使用：{where}{'：' if where else ''}{message}")


@dataclass(frozen=True)
class _Entry:
    code: str
    name: str
    sheet: str | None
    row: int


def _clean(value: object) -> str:
    """A cell as text without spaces; numbers without a trailing .0."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return "".join(str(value).split())


def _code_text(text: str) -> str:
    """A code as typed: full-width digits folded (the names keep the official full-width brackets)."""
    return unicodedata.normalize("NFKC", text)


def _header_columns(cells: list[str]) -> tuple[int, int] | None:
    """(code column, name column) when this row is the header, else None."""
    lowered = [_code_text(c).lower() for c in cells]

    def find(names: tuple[str, ...]) -> int | None:
        for name in names:
            if name in lowered:
                return lowered.index(name)
        return None

    code, name = find(CODE_HEADERS), find(NAME_HEADERS)
    return (code, name) if code is not None and name is not None else None


def _looks_like_code(text: str) -> bool:
    text = _code_text(text)
    return text.isdigit() and len(text) in (3, 5, 7) and text[0] in _KINDS


def _entries(path: Path, rows: Iterable[tuple[int, list[object]]], sheet: str | None) -> Iterator[_Entry]:
    """The code rows of one table (a CSV file or a sheet); nothing when it has neither header nor codes."""
    columns: tuple[int, int] | None = None
    for number, raw in rows:
        cells = [_clean(v) for v in raw]
        if columns is None:
            columns = _header_columns(cells)
            if columns is not None:
                continue
            if any(_looks_like_code(c) for c in cells):
                raise _error(path, _NO_HEADER, sheet, number)
            if number >= HEADER_SEARCH_ROWS:
                break
            continue
        code_col, name_col = columns
        code = _code_text(cells[code_col]) if code_col < len(cells) else ""
        name = cells[name_col] if name_col < len(cells) else ""
        if not code and not name:
            continue
        if not code:
            raise _error(path, f"有科目名称“{name}”，但缺少科目编码", sheet, number)
        if not code.isdigit():
            raise _error(path, f"科目编码“{code}”应为数字", sheet, number)
        if code[0] == "1":  # 收入分类科目: an export of the whole 科目代码表 carries them; not used here
            continue
        kind = _KINDS.get(code[0])
        if kind is None:
            raise _error(
                path, f"科目编码“{code}”不是支出功能分类（2开头）或支出经济分类（3、5开头）的编码", sheet, number
            )
        if len(code) not in kind[1]:
            lengths = "、".join(str(n) for n in kind[1])
            raise _error(path, f"{_KIND_NAMES[kind[0]]}科目编码“{code}”应为 {lengths} 位", sheet, number)
        if not name:
            raise _error(path, f"科目编码 {code} 缺少科目名称", sheet, number)
        yield _Entry(code, name, sheet, number)
    if columns is None and sheet is None:
        raise _error(path, _NO_HEADER)


def _csv_rows(path: Path) -> Iterator[tuple[int, list[object]]]:
    data = path.read_bytes()
    if len(data) > MAX_CSV_BYTES:
        raise _error(path, f"文件过大，上限为 {MAX_CSV_BYTES // (1024 * 1024)} MB")
    if b"\x00" in data:
        raise _error(path, "不是文本文件（含有空字符）")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            text = data.decode("gb18030")  # Excel and WPS on Chinese Windows save CSV in GBK
        except UnicodeDecodeError:
            raise _error(path, "不是文本文件，或编码既不是 UTF-8 也不是 GBK") from None
    for number, row in enumerate(csv.reader(io.StringIO(text, newline="")), start=1):
        yield number, list(row)


def _xlsx_tables(path: Path) -> Iterator[tuple[str, Iterator[tuple[int, list[object]]]]]:
    import openpyxl

    from generator.errors import WorkbookError
    from generator.workbook.load import check_archive

    try:
        check_archive(path)  # zip bombs, DTDs, sizes: refused before openpyxl parses anything
    except WorkbookError as exc:
        raise _error(path, "；".join(str(p) for p in exc.problems)) from None
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        workbook = openpyxl.load_workbook(path, read_only=True, data_only=True)
    try:
        for ws in workbook.worksheets:
            rows = ((n, list(r)) for n, r in enumerate(ws.iter_rows(values_only=True), start=1))
            yield ws.title, rows
    finally:
        workbook.close()


def _read(path: Path) -> list[_Entry]:
    suffix = path.suffix.lower()
    if suffix not in SUFFIXES:
        raise _error(path, "应为 .xlsx 或 .csv 文件（从预算管理一体化系统导出的科目代码表）")
    if not path.is_file():
        raise _error(path, "文件不存在")
    entries: list[_Entry] = []
    if suffix == ".csv":
        entries = list(_entries(path, _csv_rows(path), None))
    else:
        for title, rows in _xlsx_tables(path):
            entries += _entries(path, rows, title)
    if len(entries) > MAX_CODE_ROWS:
        raise _error(path, f"有 {len(entries)} 个科目，超出可处理的范围（至多 {MAX_CODE_ROWS} 个）")
    if not entries:
        raise _error(path, f"没有找到支出功能分类或支出经济分类科目（{_NO_HEADER}）")
    return entries


def _place(entry: _Entry) -> str:
    return f"工作表“{entry.sheet}”第 {entry.row} 行" if entry.sheet else f"第 {entry.row} 行"


Lists = dict[str, MappingProxyType[str, str]]  # by kind: "function", "econ_dept", "econ_gov"


@lru_cache(maxsize=8)
def _lists(path: Path, _stamp: tuple[int, int]) -> Lists:
    """The file's codes by kind, read once per version of the file (a run checks it before its workbooks)."""
    lists: dict[str, dict[str, str]] = {"function": {}, "econ_dept": {}, "econ_gov": {}}
    first: dict[str, _Entry] = {}
    for entry in _read(path):
        kind = _KINDS[entry.code[0]][0]
        seen = first.get(entry.code)
        if seen is not None and seen.name != entry.name:
            raise _error(
                path,
                f"科目编码 {entry.code} 出现两次，名称不同：“{seen.name}”（{_place(seen)}）与“{entry.name}”",
                entry.sheet,
                entry.row,
            )
        first.setdefault(entry.code, entry)
        lists[kind][entry.code] = entry.name
    return {kind: MappingProxyType(codes) for kind, codes in lists.items() if codes}


def _laid_over(base: CodeBook, lists: Lists, name: str) -> CodeBook:
    """``base`` with the lists the file gives in place of its own; the rest stay bundled."""
    supplied = frozenset(lists)
    return replace(
        base,
        functions=lists.get("function", base.functions),
        econ_dept=lists.get("econ_dept", base.econ_dept),
        econ_gov=lists.get("econ_gov", base.econ_gov),
        aliases=MappingProxyType({}) if "function" in supplied else base.aliases,
        uncertain=MappingProxyType({}),
        supplied=supplied,
        origin=f"科目代码表 {name}",
    )


def load_code_list(path: Path, base: CodeBook) -> CodeBook:
    """``base`` with the lists that the code list at ``path`` gives; ``CodeListError`` if it is unusable."""
    try:
        stat = path.stat()
    except OSError:
        raise _error(path, "文件不存在或无法读取") from None
    resolved = path.resolve()
    try:
        lists = _lists(resolved, (stat.st_mtime_ns, stat.st_size))
    except BudgetError:
        raise
    except Exception as exc:  # openpyxl or csv on a damaged file
        raise _error(path, f"文件已损坏或格式不对，无法读取（{type(exc).__name__}）") from exc
    return _laid_over(base, lists, resolved.name)


def folder_code_list(templates: Path | None) -> Path | None:
    """The code list a bureau's template folder holds (codes.xlsx, else codes.csv), or None."""
    if templates is None:
        return None
    from generator.render.sandbox import bureau_file  # a link out of the folder is refused

    for name in FOLDER_FILES:
        if bureau_file(templates, name) is not None:
            return templates / name
    return None


def code_book(year: int, *, codes: Path | None = None, templates: Path | None = None) -> CodeBook:
    """The reference codes for ``year``: the bundled list, with the official list laid over it.

    The official list is the file given (``codes``), else a ``codes.xlsx``/``codes.csv`` in the
    bureau's template folder; a bad one raises ``CodeListError`` naming its row.
    """
    bundled = load_codes(year)
    supplied = codes or folder_code_list(templates)
    return load_code_list(supplied, bundled) if supplied is not None else bundled


def check_code_list(codes: Path | None, templates: Path | None = None) -> None:
    """Read the official list once before a run over many workbooks: a bad one stops it at the start."""
    if codes is not None or templates is not None:
        code_book(date.today().year, codes=codes, templates=templates)
