"""Any content in any input cell gives a finding or a document, never a traceback (hypothesis).

Values of every kind (text with markup and control characters, huge, tiny and negative numbers,
NaN-like text, dates, times, booleans, very long strings) go into any input cell of the example
(its values-only copy): a fact or its label, a 上年数 figure, any cell of a table's data area or
the rows just below it. The pipeline runs to HTML (the PDF and DOCX writers take the same HTML:
tests/test_markup.py renders them). The outcome is a ``WorkbookError`` or ``CheckFailed`` with a
message naming the file, or the document HTML, with no markup from a cell in it.
"""

from __future__ import annotations

import datetime
import re
import tempfile
from decimal import Decimal
from pathlib import Path

import lxml.html
import markupsafe
import openpyxl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from support import Editor, spec

from generator.errors import CheckFailed, WorkbookError
from generator.jobs import pipeline
from generator.workbook import schema

# What Excel cannot keep as such in XML it writes as _xHHHH_ (openpyxl refuses these characters).
_UNWRITABLE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")

MARKUP = [
    '<img src="file:///etc/passwd">',
    "{{7*7}}",
    "{% include 'document.html.j2' %}",
    "<b>粗体</b>",
    "研发 & 创新",
    "&amp;&lt;&#20;",
    "<script>alert(1)</script>",
    "]]><![CDATA[",
    '"><svg onload=alert(1)>',
    "\u202e倒序\u200b",
    "_x0001__x000D__xD800_",
    "XX",
    "合计",
]
ODD_NUMBERS_AS_TEXT = [
    "NaN",
    "nan",
    "inf",
    "-Infinity",
    "1e999",
    "1E-999",
    "--1",
    "1,2,3",
    "0x10",
    "１e5",
    "٣",
    "½",
    "-0",
    "+.5",
]


def excel_text(text: str) -> str:
    """``text`` as Excel stores it: the characters XML cannot hold as _xHHHH_."""
    return _UNWRITABLE.sub(lambda m: f"_x{ord(m.group(0)):04X}_", text)


values = st.one_of(
    st.none(),
    st.text(max_size=40).map(excel_text),
    st.sampled_from(MARKUP),
    st.sampled_from(ODD_NUMBERS_AS_TEXT),
    st.text(alphabet="工作经费<>&{}%#0123456789 ", min_size=1, max_size=8).map(lambda s: s * 600),  # long
    st.integers(min_value=-(10**30), max_value=10**30),
    st.floats(allow_nan=True, allow_infinity=True),
    st.decimals(allow_nan=False, allow_infinity=False, places=6, min_value=-(10**12), max_value=10**12),
    st.booleans(),
    st.datetimes(min_value=datetime.datetime(1900, 3, 1), max_value=datetime.datetime(9999, 12, 31)),
    st.dates(min_value=datetime.date(1900, 3, 1)),
    st.times(),
)


def _input_cells(path: Path) -> list[tuple[str, int, int]]:
    """(sheet title, row, column) of every input cell of the example, and of the three rows below each table."""
    wb = openpyxl.load_workbook(path)
    cells: list[tuple[str, int, int]] = []
    for sheet in (schema.FACTS_SHEET, schema.PRIOR_SHEET):
        ws = wb[sheet]
        cells += [(sheet, r, c) for r in range(2, ws.max_row + 2) for c in (1, 2)]
    editor = Editor(wb)
    for code, table in schema.TABLES_BY_CODE.items():
        ws = editor.sheet(code)
        last = max(
            (c.row for row in ws.iter_rows(min_row=table.data_row) for c in row if c.value is not None), default=0
        )
        cells += [
            (ws.title, r, c)
            for r in range(spec(code).data_row, max(last, spec(code).data_row) + 4)
            for c in range(1, len(table.columns) + 1)
        ]
    return cells


@pytest.fixture(scope="module")
def cells(example_values: Path) -> list[tuple[str, int, int]]:
    return _input_cells(example_values)


def _write(source: Path, target: Path, edits: list[tuple[tuple[str, int, int], object]]) -> None:
    wb = openpyxl.load_workbook(source)
    for (sheet, row, col), value in edits:
        if isinstance(value, Decimal):
            value = float(value)
        wb[sheet].cell(row=row, column=col).value = value
    wb.save(target)


@settings(max_examples=40, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_any_cell_content_gives_a_finding_or_a_document(example_values, cells, data):
    edits = data.draw(st.lists(st.tuples(st.sampled_from(cells), values), min_size=1, max_size=4), label="edits")
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "预算.xlsx"
        _write(example_values, path, edits)
        try:
            prepared = pipeline.prepare(path)
        except WorkbookError as exc:
            assert str(exc).startswith("无法读取工作簿 预算.xlsx")
            assert exc.problems
            return
        except CheckFailed as exc:
            assert str(exc).startswith("工作簿 预算.xlsx 有 ")
            assert any(f.severity == "error" for f in exc.findings)
            return
    html = prepared.html
    tree = lxml.html.document_fromstring(html)
    assert not [el for el in tree.iter() if el.tag in ("img", "script", "svg", "iframe", "object")]
    assert not _UNWRITABLE.search(html)


# The loader removes what XML cannot hold (with a warning) and trims the ends; the rest prints as typed.
_REMOVED = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


@settings(max_examples=30, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    label=st.sampled_from(["部门名称", "主要职责"]),
    text=st.one_of(
        st.text(min_size=1, max_size=60), st.sampled_from(MARKUP), st.lists(st.sampled_from(MARKUP)).map("".join)
    ).filter(
        lambda t: "_x" not in t  # an _xHHHH_ typed as such is read as the character it escapes
    ),
)
def test_printed_text_prints_as_typed(example_values, label, text):
    """The bureau's name and a duty print as typed, escaped once: never markup, never a template."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "预算.xlsx"
        wb = openpyxl.load_workbook(example_values)
        Editor(wb).fact(label, excel_text(text))
        wb.save(path)
        try:
            html = pipeline.prepare(path).html
        except (WorkbookError, CheckFailed) as exc:  # e.g. 占位文字 "XX", or a name left blank
            assert str(exc).startswith(("无法读取工作簿 预算.xlsx", "工作簿 预算.xlsx 有 "))
            return
    expected = _REMOVED.sub("", text).strip()
    assert str(markupsafe.escape(expected)) in html
    tree = lxml.html.document_fromstring(html)
    assert not [el for el in tree.iter() if el.tag in ("img", "script", "svg", "iframe", "object")]
