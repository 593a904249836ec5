"""The rendered example says what the seed says: every sentence and every table figure, in HTML, DOCX and PDF.

Each test runs on the example as the seed publishes it (no charts) and with its charts turned on:
a chart between the paragraphs must not break a sentence or a table.

The golden lists in tests/data were extracted from the seed's text (make_seed_golden.py), never
from this project's output. Whitespace is ignored (the seed's text extraction scattered it), and
half-width parentheses are folded to full-width on both sides.
"""

from __future__ import annotations

import re
import subprocess
from collections import Counter
from pathlib import Path

import docx
import pytest
from support import html_text, tool

DATA = Path(__file__).parent / "data"
FIGURE = re.compile(r"(?<![\d.,])\d{1,3}(?:,\d{3})*\.\d{2}(?!\d)")


def fold(text: str) -> str:
    text = re.sub(r"\s+", "", text)
    return text.replace("(", "（").replace(")", "）")


def seed_lines() -> list[str]:
    lines = (DATA / "seed_sentences.txt").read_text(encoding="utf-8").splitlines()
    return [fold(line) for line in lines if line and not line.startswith("#")]


def seed_tables() -> dict[str, list[str]]:
    out = {}
    for line in (DATA / "seed_tables.txt").read_text(encoding="utf-8").splitlines():
        if line.startswith("#"):
            continue
        code, _, figures = line.partition(":")
        out[code] = figures.split()
    return out


@pytest.fixture(params=["plain", "charts"])
def golden_outputs(request: pytest.FixtureRequest) -> dict[str, Path]:
    """The example's PDF, DOCX and HTML, without and with charts."""
    if request.param == "plain":
        return request.getfixturevalue("example_outputs")
    return request.getfixturevalue("charted")[1]


@pytest.fixture
def golden_html(golden_outputs: dict[str, Path]) -> str:
    return golden_outputs["html"].read_text(encoding="utf-8")


def missing_lines(text: str) -> list[str]:
    folded = fold(text)
    return [line for line in seed_lines() if line not in folded]


def test_golden_lists_are_substantial():
    lines = seed_lines()
    assert len(lines) > 90
    assert any("“三公”经费预算为7.00万元" in line for line in lines)
    assert sum(len(v) for v in seed_tables().values()) > 250


def test_html_contains_every_seed_sentence(golden_html):
    assert missing_lines(html_text(golden_html, spaces=True)) == []


def _html_tables(html: str) -> dict[str, str]:
    """The text of each table section, keyed by its code (from the meta line)."""
    out: dict[str, str] = {}
    for section in re.findall(r'<section class="[^"]*table-page[^"]*".*?</section>', html, flags=re.S):
        code = re.search(r"<span>(YS\d\d)</span>", section).group(1)
        out[code] = html_text(section, spaces=True)  # spaces keep the figures of adjacent cells apart
    return out


def test_html_tables_contain_every_seed_figure(golden_html):
    tables = _html_tables(golden_html)
    assert sorted(tables) == [f"YS{n:02d}" for n in range(1, 15)]
    for code, figures in seed_tables().items():
        ours = Counter(FIGURE.findall(tables[code]))
        theirs = Counter(figures)
        short = theirs - ours
        assert not short, f"{code} lacks {dict(short)}"


def docx_text(path: Path) -> tuple[str, list[str]]:
    document = docx.Document(str(path))
    paragraphs = "\n".join(p.text for p in document.paragraphs)
    tables = ["\n".join(cell.text for row in t.rows for cell in row.cells) for t in document.tables]
    return paragraphs, tables


def test_docx_contains_every_seed_sentence_and_figure(golden_outputs):
    paragraphs, tables = docx_text(golden_outputs["docx"])
    assert missing_lines(paragraphs + "\n".join(tables)) == []
    everything = Counter(FIGURE.findall("\n".join(tables)))
    for code, figures in seed_tables().items():
        short = Counter(figures) - everything
        assert not short, f"{code}: {dict(short)}"


def test_pdf_contains_every_seed_sentence_and_figure(golden_outputs):
    text = subprocess.run(
        [tool("pdftotext"), "-enc", "UTF-8", str(golden_outputs["pdf"]), "-"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    # page numbers ("— 5 —") fall inside paragraphs that cross a page: drop them first
    text = re.sub(r"—\s*\d+\s*—", "", text)
    assert missing_lines(text) == []
    ours = Counter(FIGURE.findall(text))
    for code, figures in seed_tables().items():
        short = Counter(figures) - ours
        assert not short, f"{code}: {dict(short)}"


def test_seed_rounding_differences_are_kept(golden_html):
    """尾差: YS03's rows print 1959.62 in sum under a total of 1959.63, as in the seed."""
    from decimal import Decimal

    ys03 = _html_tables(golden_html)["YS03"]
    assert "1,959.63" in ys03
    rows = ["40.00", "1,035.50", "332.40", "15.17", "5.98", "0.84", "231.02", "287.60", "11.11"]
    for figure in rows:
        assert figure in ys03
    assert sum(Decimal(f.replace(",", "")) for f in rows) == Decimal("1959.62")
