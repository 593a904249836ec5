"""Helpers shared by the tests: the examples, edit a workbook by sheet code, column key and row, a page's text.

Cells are addressed as the schema lays them out (``TABLES_BY_CODE[code].column_index(key)``) and
rows are looked up in the example by their content, so no test hard-codes a column letter except
where the test is about a cell's name.
"""

from __future__ import annotations

import html as htmllib
import importlib.util
import re
import shutil
import subprocess
from decimal import Decimal
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from generator.errors import Finding
from generator.stages.check import check
from generator.workbook import schema
from generator.workbook.load import load_workbook

ROOT = Path(__file__).resolve().parents[1]
# The two example workbooks (tools/build_example.py, tools/build_example2.py): every test reads them from here.
EXAMPLE = ROOT / "inputs" / "义马市工业信息化和科技局2024.xlsx"
EXAMPLE_NAME = EXAMPLE.name
YEAR = 2024
BUREAU = "义马市工业信息化和科技局"
SECOND = ROOT / "inputs" / "柳溪县卫生健康局2025.xlsx"
SHANGHAI_INPUT = ROOT / "inputs" / "上海市普陀区财政局2025.xlsx"  # Shanghai's district budget example
FINAL_INPUT = ROOT / "inputs" / "上海市普陀区财政局2024决算.xlsx"  # the 决算 example (format final-accounts)

_NOT_TEXT = re.compile(r"<(script|style)\b.*?</\1\s*>", re.S | re.I)
_TAG = re.compile(r"<[^>]+>")
_SPACE = re.compile(r"\s+")


def clear_rows(ws: Worksheet, first: int) -> None:
    """Empty every cell of ``ws`` from row ``first`` down (a table's data rows, to write new ones)."""
    for row in ws.iter_rows(min_row=first):
        for cell in row:
            cell.value = None


def write_row(ws: Worksheet, row: int, spec_code: str, fmt: str, **values: object) -> None:
    """Write ``values`` by column key into row ``row`` of table ``spec_code`` of the built-in format ``fmt``."""
    from generator.formats import builtin

    spec = builtin(fmt).table(spec_code)
    for key, value in values.items():
        ws.cell(row=row, column=spec.column_index(key), value=value)


def html_text(html: str, *, spaces: bool = False) -> str:
    """The text of an HTML document, page or fragment: tags, scripts and styles gone, entities decoded.

    By default every whitespace goes too, so that a sentence matches however the template breaks
    its lines or wraps its figures in elements. ``spaces=True`` keeps words, table cells and
    figures apart instead: each tag and each run of whitespace becomes one space.
    """
    text = htmllib.unescape(_TAG.sub(" ", _NOT_TEXT.sub(" ", html)))
    return _SPACE.sub(" " if spaces else "", text)


# The programs the tests run, from the Debian packages `make setup` installs.
_PACKAGES = {
    "pdftotext": "poppler-utils",
    "pdffonts": "poppler-utils",
    "pdfinfo": "poppler-utils",
    "soffice": "libreoffice-writer-nogui",
}


def tool(name: str) -> str:
    """The path of the program ``name``; a failure, not a skip, when it is missing (a broken install)."""
    path = shutil.which(name)
    if path is None:
        package = _PACKAGES.get(name, name)
        pytest.fail(f"{name} is not installed: `make setup` installs it (Debian package {package})", pytrace=False)
    return path


def spec(code: str) -> schema.TableSpec:
    return schema.TABLES_BY_CODE[code]


def ref(code: str, key: str, row: int) -> str:
    """The cell of column ``key`` on sheet row ``row`` of table ``code``: "F12"."""
    return f"{get_column_letter(spec(code).column_index(key))}{row}"


def where(code: str, key: str, row: int) -> str:
    """A finding's ``where`` for that cell: "YS03!F12"."""
    return f"{code}!{ref(code, key, row)}"


def sheet_title(code: str) -> str:
    """The full title of a sheet as the loader's problems name it."""
    return spec(code).sheet_name if code in schema.TABLES_BY_CODE else code


def findings_of(path: Path) -> list[Finding]:
    return check(load_workbook(path))


def lines_of(path: Path) -> list[str]:
    return [f.line() for f in findings_of(path)]


def values_copy(source: Path, target: Path) -> Path:
    """A copy of ``source`` holding its cell values only (no styles, validations or empty formatted rows).

    The loader reads nothing but values, so this reads exactly as ``source`` does and is about ten
    times faster to open and save; ``test_load`` proves the two read alike.
    """
    src = openpyxl.load_workbook(source)
    out = openpyxl.Workbook()
    out.remove(out.active)
    for ws in src.worksheets:
        copy = out.create_sheet(ws.title)
        for row in ws.iter_rows():
            for cell in row:
                if cell.value is not None:
                    copy.cell(row=cell.row, column=cell.column).value = cell.value
    out.save(target)
    return target


class Editor:
    """An open workbook, edited by sheet code + column key + row (facts and 上年数 by label)."""

    def __init__(self, wb: openpyxl.Workbook):
        self.wb = wb

    def sheet(self, code: str) -> Worksheet:
        return self.wb[sheet_title(code)]

    def set(self, code: str, key: str, row: int, value: Any) -> None:
        """Set (or with None, clear) one cell of a table sheet."""
        self.sheet(code).cell(row=row, column=spec(code).column_index(key)).value = value

    def get(self, code: str, key: str, row: int) -> Any:
        return self.sheet(code).cell(row=row, column=spec(code).column_index(key)).value

    def fill(self, code: str, row: int, /, **values: Any) -> None:
        for key, value in values.items():
            self.set(code, key, row, value)

    def cell(self, code: str, coordinate: str, value: Any) -> None:
        """Set a cell by its name: only for tests about a cell's name (headers, extra columns)."""
        self.sheet(code)[coordinate].value = value

    def _label_row(self, sheet: str, label: str) -> int:
        ws = self.wb[sheet]
        for row in range(2, ws.max_row + 1):
            if ws.cell(row=row, column=1).value == label:
                return row
        raise KeyError(f"{sheet} has no row {label!r}")

    def fact_row(self, label: str) -> int:
        return self._label_row(schema.FACTS_SHEET, label)

    def fact(self, label: str, value: Any) -> int:
        """Set the value of the fact labelled ``label``; returns its sheet row."""
        row = self.fact_row(label)
        self.wb[schema.FACTS_SHEET].cell(row=row, column=2).value = value
        return row

    def fact_list(self, label: str, items: list[str]) -> int:
        """Write a list fact one item a row, inserting rows below its label row as a clerk does."""
        row = self.fact_row(label)
        ws = self.wb[schema.FACTS_SHEET]
        if len(items) > 1:
            ws.insert_rows(row + 1, len(items) - 1)
        for i, item in enumerate(items):
            ws.cell(row=row + i, column=2).value = item
        return row

    def prior_row(self, label: str) -> int:
        return self._label_row(schema.PRIOR_SHEET, label)

    def prior(self, label: str, value: Any) -> int:
        row = self.prior_row(label)
        self.wb[schema.PRIOR_SHEET].cell(row=row, column=2).value = value
        return row


class Rows:
    """Row numbers of the example, found by content: the tests compute cells, they do not copy them."""

    def __init__(self, path: Path):
        self.editor = Editor(openpyxl.load_workbook(path))

    def find(self, code: str, **match: Any) -> int:
        """The first data row of ``code`` whose cells equal ``match`` (by column key)."""
        ws = self.editor.sheet(code)
        for row in range(spec(code).data_row, ws.max_row + 1):
            if all(self.editor.get(code, key, row) == value for key, value in match.items()):
                return row
        raise KeyError(f"{code} has no row with {match}")

    def end(self, code: str) -> int:
        """The first empty row below the data of ``code``."""
        ws = self.editor.sheet(code)
        last = spec(code).data_row - 1
        for row in range(spec(code).data_row, ws.max_row + 1):
            if any(ws.cell(row=row, column=c).value is not None for c in range(1, len(spec(code).columns) + 1)):
                last = row
        return last + 1

    def fact(self, label: str) -> int:
        return self.editor.fact_row(label)

    def prior(self, label: str) -> int:
        return self.editor.prior_row(label)


# --- a small consistent budget, filled into the blank workbook ---------------------------------

SMALL_BUREAU = "测试局"
SMALL_FACTS: dict[str, Any] = {
    "部门名称": SMALL_BUREAU,
    "部门编码": "901",
    "单位编码": "901001",
    "财政级次": "市级",
    "预算单位构成": "测试局本级预算、测试中心、测试站",
    "人员经费主要包括": "基本工资、社会保障缴费、退休费",
    "公用经费主要包括": "办公费",
    "政府采购货物预算": 0,
    "政府采购工程预算": 0,
    "政府采购服务预算": 0,
    "一般公务用车": 0,
    "一般执法执勤用车": 0,
    "特种专业技术用车": 0,
    "其他用车": 0,
    "单价50万元以上通用设备": 0,
    "单位价值100万元以上专用设备": 0,
    "专项转移支付项目数": 0,
}
SMALL_LISTS: dict[str, list[str]] = {
    "主要职责": ["负责全市测试工作。", "承办市政府交办的其他事项。"],
    "内设机构": ["办公室", "业务科"],
    "名词解释": ["基本支出：是指为保障机构正常运转所必需的开支。", "项目支出：是指在基本支出之外的支出。"],
}
# Last year equals this year, so no change needs a reason.
SMALL_PRIOR: dict[str, Any] = {
    "收入总计": 49.82,
    "支出总计": 49.82,
    "一般公共预算收支预算": 49.82,
    "政府性基金收支预算": 0,
    "国有资本经营预算收支预算": 0,
    "因公出国（境）费": 0,
    "公务接待费": 1,
    "公务用车购置费": 0,
    "公务用车运行费": 0,
    "机构运行经费": 8,
}
# YS03: three units; codes typed as numbers (kuan 1 must read back as "01").
# 测试中心 covers ONE item, 测试站 covers the seed's two 医疗 items (5.98 + 0.84).
SMALL_YS03: list[dict[str, Any]] = [
    {"unit_code": "901001", "name": SMALL_BUREAU},
    {
        "lei": 201,
        "kuan": 1,
        "xiang": 1,
        "name": "行政运行",
        "total": 30,
        "basic": 30,
        "wage": 20,
        "family": 2,
        "goods": 8,
    },
    {"lei": 201, "kuan": 1, "xiang": 2, "name": "一般行政管理事务", "total": 10, "project": 10, "operating": 10},
    {"unit_code": "901002", "name": "测试中心"},
    {
        "lei": "208",
        "kuan": "05",
        "xiang": "05",
        "name": "机关事业单位基本养老保险缴费支出",
        "total": 3,
        "basic": 3,
        "wage": 3,
    },
    {"unit_code": "901003", "name": "测试站"},
    {"lei": "210", "kuan": "11", "xiang": "01", "name": "行政单位医疗", "total": 5.98, "basic": 5.98, "wage": 5.98},
    {"lei": "210", "kuan": "11", "xiang": "02", "name": "事业单位医疗", "total": 0.84, "basic": 0.84, "wage": 0.84},
]
SMALL_YS06: list[dict[str, Any]] = [
    {
        "dept_code": "30101",
        "dept_name": "基本工资",
        "gov_code": "50101",
        "gov_name": "工资奖金津补贴",
        "total": 20,
        "personnel": 20,
    },
    {
        "dept_code": "30108",
        "dept_name": "机关事业单位基本养老保险缴费",
        "gov_code": "50102",
        "gov_name": "社会保障缴费",
        "total": 3,
        "personnel": 3,
    },
    {
        "dept_code": "30110",
        "dept_name": "职工基本医疗保险缴费",
        "gov_code": "50102",
        "gov_name": "社会保障缴费",
        "total": 6.82,
        "personnel": 6.82,
    },
    {
        "dept_code": "30302",
        "dept_name": "退休费",
        "gov_code": "50905",
        "gov_name": "离退休费",
        "total": 2,
        "personnel": 2,
    },
    {"dept_code": "30201", "dept_name": "办公费", "gov_code": "50201", "gov_name": "办公经费", "total": 8, "public": 8},
]
SMALL_YS08: dict[str, Any] = {"total": 1, "reception": 1}
SMALL_YS10: list[dict[str, Any]] = [
    {
        "kind": "其他运转类",
        "name": "日常工作经费",
        "unit": SMALL_BUREAU,
        "total": 9,
        "gpb": 9,
        "project_code": "901001P001",
        "econ_dept": "30299",
    },
    {
        "kind": "其他运转类",
        "name": "公务接待费",
        "unit": SMALL_BUREAU,
        "total": 1,
        "gpb": 1,
        "project_code": "901001P002",
        "econ_dept": "30217",
    },
]
SMALL_YS12: list[dict[str, Any]] = [
    {
        "code": "901001P001",
        "name": "日常工作经费",
        "total": 9,
        "gov_funds": 9,
        "cost_ind": "经费支出标准",
        "cost_val": "据实",
        "output_ind": "保障人数",
        "output_val": "10人",
        "effect_ind": "保障工作正常开展",
        "effect_val": "正常",
        "satisfaction_ind": "服务对象满意度",
        "satisfaction_val": "≥95%",
    },
    {"output_ind": "经费支出时效性", "output_val": "及时"},
    {
        "code": "901001P002",
        "name": "公务接待费",
        "total": 1,
        "gov_funds": 1,
        "output_ind": "接待批次",
        "output_val": "据实",
    },
]
SMALL_YS11: list[dict[str, Any]] = [
    {"section": "年度履职目标", "text": "做好全市测试工作。"},
]


def fill_small(editor: Editor) -> None:
    """Fill a blank workbook with the small consistent budget above."""
    for label, value in SMALL_FACTS.items():
        editor.fact(label, value)
    for label, items in SMALL_LISTS.items():
        editor.fact_list(label, items)
    for label, value in SMALL_PRIOR.items():
        editor.prior(label, value)
    for code, rows in (
        ("YS03", SMALL_YS03),
        ("YS06", SMALL_YS06),
        ("YS10", SMALL_YS10),
        ("YS11", SMALL_YS11),
        ("YS12", SMALL_YS12),
    ):
        for i, values in enumerate(rows):
            editor.fill(code, spec(code).data_row + i, **values)
    editor.fill("YS08", spec("YS08").data_row, **SMALL_YS08)


def small_row(code: str, index: int) -> int:
    """The sheet row of the ``index``-th row of the small budget's table ``code``."""
    return spec(code).data_row + index


def dec(value: str) -> Decimal:
    return Decimal(value)


def charts_render(path: Path, outdir: Path, formats: Any, **kwargs: Any) -> tuple[Any, list[Path]]:
    """Stands in for ``pipeline.render`` (in batch's forked workers too): writes the charts option it was given."""
    from generator.jobs import pipeline

    target = outdir / f"{path.stem}.html"
    pipeline.write_atomic(target, lambda tmp: tmp.write_text(repr(kwargs["options"].charts), encoding="utf-8"))

    class Prepared:
        findings = ()
        budget = None
        document = None
        pages = None

    return Prepared(), [target]


# --- the web page's forms ----------------------------------------------------------------------

from generator.frontends.web import FORM_TOKEN_FIELD  # noqa: E402  (the hidden field every form posts)

_FORM_TOKEN = re.compile(rf'<input type="hidden" name="{FORM_TOKEN_FIELD}" value="([^"]+)">')


def form_token(client: Any) -> str:
    """The token a post to the web page must carry, as a browser gets it: GET the page, read the
    hidden ``form_token`` field of its forms. With Flask's test client::

        data = {"files": [(io.BytesIO(content), "局.xlsx")], FORM_TOKEN_FIELD: form_token(client)}
        client.post("/upload", data=data, content_type="multipart/form-data")

    (The token is not bound to a session: one read serves every post to the same app.)
    """
    page = client.get("/").get_data(as_text=True)
    found = _FORM_TOKEN.search(page)
    assert found, "the page's forms carry no form_token field"
    return found.group(1)


def wait_for_report(client: Any, location: str, *, timeout: float = 300) -> dict[str, Any]:
    """Poll a queued upload's status (``<report>/status``) until its job is done; the last status."""
    import time

    deadline = time.monotonic() + timeout
    while True:
        status = client.get(f"{location}/status").get_json()
        if status["state"] == "done" or time.monotonic() > deadline:
            return status
        time.sleep(0.2)


def load_tool(name: str) -> Any:
    """The module ``tools/<name>.py`` (the tools are scripts, not a package)."""
    spec = importlib.util.spec_from_file_location(name, ROOT / "tools" / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def assert_built_as_saved(tool_name: str, saved: Path, rows: int = 120) -> None:
    """The workbook ``tools/<tool_name>.py``'s ``build()`` makes has the sheets and cell values of ``saved``
    (the example committed in inputs/): an example is rebuilt by its tool, never edited by hand."""
    built = load_tool(tool_name).build()
    example = openpyxl.load_workbook(saved)
    assert built.sheetnames == example.sheetnames
    for ws in built.worksheets:
        mine = [[c.value for c in row] for row in ws.iter_rows(max_row=rows)]
        theirs = [[c.value for c in row] for row in example[ws.title].iter_rows(max_row=rows)]
        assert mine == theirs, f"{ws.title}: rerun python tools/{tool_name}.py"


# --- an example against its published reference (test_shanghai, test_final_accounts) -----------------


def render_example(path: Path, out: Path) -> dict[str, Path]:
    """``path`` rendered as PDF and DOCX into ``out``: the files by suffix."""
    from generator.jobs import pipeline

    _prepared, written = pipeline.render(path, out, ("pdf", "docx"))
    return {p.suffix.lstrip("."): p for p in written}


def pdf_body_text(pdf: Path) -> str:
    """A PDF's text without its page numbers (they fall inside paragraphs that cross a page)."""
    text = subprocess.run(
        [tool("pdftotext"), "-enc", "UTF-8", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout
    return re.sub(r"—\s*\d+\s*—", "", text)


def docx_texts(path: Path) -> tuple[str, str]:
    """A DOCX's paragraphs and its tables' cells, each joined by lines."""
    import docx

    document = docx.Document(str(path))
    paragraphs = "\n".join(p.text for p in document.paragraphs)
    tables = "\n".join(cell.text for t in document.tables for row in t.rows for cell in row.cells)
    return paragraphs, tables


def code_list_csv(path: Path, year: int) -> Path:
    """The bundled list of ``year`` written as an official 科目代码表 (.csv, 科目编码 and 科目名称)."""
    import csv

    from generator.reference.codes import load_codes

    book = load_codes(year)
    rows = [(fc.code, fc.name) for fc in book.function_classes]
    rows += list(book.functions.items()) + list(book.econ_dept.items()) + list(book.econ_gov.items())
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(["科目编码", "科目名称"])
        writer.writerows(rows)
    return path
