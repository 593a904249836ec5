"""The PDF's typography, measured on both examples as printed: punctuation forms, title lines, row groups at
page breaks, the cells of YS11 (issue 23, items 3–7).

Every expectation is written from the publication's rules (GB/T 9704, the simplified-Chinese forms
of the punctuation, the form of YS11), never read from this project's output. The PDFs are measured
with poppler (pdftotext, pdftoppm) and pdfminer.six (a dev dependency), glyph by glyph.
"""

from __future__ import annotations

import dataclasses
import itertools
import re
import subprocess
from pathlib import Path

import pytest
from PIL import Image
from support import EXAMPLE, SECOND, tool

from generator.render import breaks, pdf, titles
from generator.render.html import render_html

pdfminer_layout = pytest.importorskip("pdfminer.layout")
pdfminer_high = pytest.importorskip("pdfminer.high_level")
LTChar = pdfminer_layout.LTChar
LTLine = pdfminer_layout.LTLine
LTTextContainer = pdfminer_layout.LTTextContainer

BUREAUS = {EXAMPLE: "义马市工业信息化和科技局", SECOND: "柳溪县卫生健康局"}
YEARS = {EXAMPLE: 2024, SECOND: 2025}


@pytest.fixture(scope="module", params=[EXAMPLE, SECOND], ids=["yima", "liuxi"])
def rendered(request, tmp_path_factory):
    """(workbook, prepared, laid-out document, PDF path) of each example, without charts."""
    from generator.jobs import pipeline

    prepared = pipeline.prepare(request.param)
    target = tmp_path_factory.mktemp("typo") / "doc.pdf"
    document = pdf.render_document(prepared.html)
    document.write_pdf(target)
    return request.param, prepared, document, target


def _page_lines(path: Path, page: int) -> list[str]:
    tool("pdftotext")
    out = subprocess.run(
        ["pdftotext", "-layout", "-f", str(page), "-l", str(page), str(path), "-"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return [line.strip() for line in out.splitlines() if line.strip()]


def _anchor_page(document, anchor: str) -> int:
    """1-based page of an id."""
    return next(i for i, p in enumerate(document.pages, start=1) if anchor in p.anchors)


def _layout(path: Path, page: int):
    return next(iter(pdfminer_high.extract_pages(str(path), page_numbers=[page - 1])))


def _chars(layout) -> list:
    out = []

    def walk(obj):
        if isinstance(obj, LTChar):
            out.append(obj)
        elif hasattr(obj, "__iter__"):
            for child in obj:
                walk(child)

    walk(layout)
    return out


# ---------------------------------------------------------------------------------------------
# 5. simplified-Chinese punctuation forms


def _ink_centre(png: Path, box: tuple[float, float, float, float], page_height: float, dpi: int) -> tuple[float, float]:
    """Where the ink of a glyph sits in its box (advance × font size): (x, y) as fractions, 0 = left/top."""
    x0, y0, x1, y1 = box
    s = dpi / 72
    image = Image.open(png).convert("L")
    left, top, right, bottom = int(x0 * s), int((page_height - y1) * s), int(x1 * s), int((page_height - y0) * s)
    crop = image.crop((left, top, right, bottom))
    xs = ys = n = 0.0
    for y in range(crop.height):
        for x in range(crop.width):
            ink = 255 - crop.getpixel((x, y))
            if ink > 96:
                xs, ys, n = xs + x * ink, ys + y * ink, n + ink
    assert n, f"no ink in the box {box}"
    return xs / n / crop.width, ys / n / crop.height


def _punctuation_pages(document) -> list[int]:
    """A body page (一、主要职责), the glossary, YS11 (table cells): where ：； and “” are set."""
    return [_anchor_page(document, "duties"), _anchor_page(document, "part3"), _anchor_page(document, "ys11")]


def test_colon_and_semicolon_sit_in_the_lower_left_of_their_box(rendered, tmp_path):
    """The SC forms of ：and ；sit in the lower left of the em box; the JP/TC ones are centred."""
    tool("pdftoppm")
    _path, _prepared, document, target = rendered
    dpi = 200
    seen = 0
    for page in _punctuation_pages(document):
        layout = _layout(target, page)
        prefix = tmp_path / f"p{page}"
        subprocess.run(
            ["pdftoppm", "-png", "-gray", "-r", str(dpi), "-f", str(page), "-l", str(page), str(target), str(prefix)],
            check=True,
        )
        png = next(tmp_path.glob(f"p{page}-*.png"))
        for ch in _chars(layout):
            if ch.get_text() not in "：；":
                continue
            size = ch.size
            box = (ch.x0, ch.y1 - size, ch.x0 + size, ch.y1)  # the glyph's em box
            cx, _cy = _ink_centre(png, box, layout.height, dpi)
            assert cx < 0.4, f"page {page}: {ch.get_text()!r} centred in its box (x {cx:.2f}): the Japanese form"
            seen += 1
        png.unlink()
    assert seen >= 3


def test_quotes_are_full_width(rendered):
    """The SC “” take a full em (the JP face's are proportional, about half of it)."""
    _path, _prepared, document, target = rendered
    quotes = [
        ch for page in _punctuation_pages(document) for ch in _chars(_layout(target, page)) if ch.get_text() in "“”"
    ]
    assert quotes, "no quotation marks measured"
    for ch in quotes:
        assert ch.adv >= 0.9 * ch.size, f"{ch.get_text()!r} {ch.adv:.1f} pt wide at {ch.size:.1f} pt: proportional"


def test_stylesheet_does_not_override_the_language():
    """The SC face is chosen by lang="zh-CN"; an override (WeasyPrint's ZHS → "zho") picks the JP face."""
    css = pdf.STYLESHEET.read_text(encoding="utf-8")
    declarations = re.sub(r"/\*.*?\*/", "", css, flags=re.S)
    assert "font-language-override" not in declarations


# ---------------------------------------------------------------------------------------------
# 4. titles broken between words


def _words(bureau: str, year: int) -> dict[str, list[str]]:
    """The words of each title, by hand: a line may end only after one of them."""
    return {
        "cover": [f"{year}年", bureau, "部门（单位）", "预算公开"],
        "part2": [bureau, f"{year}年", "部门（单位）", "预算情况说明"],
        "annex": ["附件：", bureau, f"{year}年度", "部门（单位）", "预算表"],
    }


def _ends_between_words(line: str, words: list[str]) -> bool:
    """``line`` is a run of consecutive whole words of the title."""
    runs = {"".join(words[i:j]) for i in range(len(words)) for j in range(i + 1, len(words) + 1)}
    return line in runs


def _title_lines(path: Path, page: int, start: str, words: list[str]) -> list[str]:
    lines = _page_lines(path, page)
    whole = "".join(words)
    out = []
    for line in lines:
        if out or line.startswith(start):
            out.append(line.replace(" ", ""))
            if "".join(out) == whole:
                return out
    raise AssertionError(f"page {page}: title {whole} not found in {lines[:6]}")


@pytest.mark.parametrize("title", ["cover", "part2", "annex"])
def test_titles_break_between_words_in_balanced_lines(rendered, title):
    path, _prepared, document, target = rendered
    words = _words(BUREAUS[path], YEARS[path])[title]
    page = {"cover": 1, "part2": _anchor_page(document, "part2"), "annex": _anchor_page(document, "annex")}[title]
    lines = _title_lines(target, page, words[0], words)
    room = titles.TEXT_WIDTH_PT / {"cover": 22, "part2": 18, "annex": 18}[title]
    for line in lines:
        assert _ends_between_words(line, words), f"{title}: {line!r} breaks inside a word of {words}"
    if len(lines) > 1:
        widths = [titles.width(line) for line in lines]
        # balanced: no other break between words gives a shorter longest line
        assert max(widths) <= min(
            max(titles.width("".join(words[:k])), titles.width("".join(words[k:])))
            for k in range(1, len(words))
            if titles.width("".join(words[:k])) <= room and titles.width("".join(words[k:])) <= room
        )


def test_cover_lines_of_the_first_example():
    """By hand: 25 full-width characters at 22 pt (20.1 a line) make two lines, broken after the bureau."""
    lines = titles.balanced_lines(
        titles.title_words("2024年义马市工业信息化和科技局部门（单位）预算公开", BUREAUS[EXAMPLE]), 20.1
    )
    assert lines == ["2024年义马市工业信息化和科技局", "部门（单位）预算公开"]


def test_toc_entries_break_between_words(rendered):
    path, _prepared, document, target = rendered
    bureau, year = BUREAUS[path], YEARS[path]
    words = ["第二部分", bureau, "部门（单位）", f"{year}年度", "部门预算情况说明"]
    lines = _page_lines(target, _anchor_page(document, "part1") - 1)
    i = next(k for k, line in enumerate(lines) if line.startswith("第二部分"))
    first = re.sub(r"[.\s]*\d*$", "", lines[i]).replace(" ", "")
    if first != "".join(words):  # wrapped: the first line ends after a whole word
        assert any(first == "".join(words[:k]) for k in range(1, len(words))), f"目录 breaks inside a word: {first}"


@pytest.mark.parametrize(
    "bureau",
    [
        "某县局",
        "三门峡市城乡一体化示范区农业农村和水利局",
        "中共某某省某某市委员会办公室机关事务管理服务中心",
    ],
)
def test_cover_of_short_and_long_bureau_names(example_document, bureau, tmp_path):
    """The cover of a short and two long names, as laid out: every line a run of whole words, within the line."""
    document = dataclasses.replace(
        example_document.document, bureau=bureau, title=f"2024年{bureau}部门（单位）预算公开"
    )
    html = render_html(document)
    target = tmp_path / "cover.pdf"
    pdf.write_pdf(html, target)
    parts = titles.bureau_parts(bureau) if titles.width(bureau) > titles.capacity(22) else ()
    words = ["2024年", *(parts or (bureau,)), "部门（单位）", "预算公开"]
    lines = _title_lines(target, 1, "2024", words)
    for line in lines:
        assert _ends_between_words(line, words), f"{line!r} breaks inside a word of {words}"
        assert titles.width(line) <= titles.capacity(22)


def test_bureau_name_kept_whole_or_cut_after_its_place_name():
    assert titles.bureau_parts("义马市工业信息化和科技局") == ("义马市", "工业信息化和科技局")
    assert titles.bureau_parts("柳溪县卫生健康局") == ("柳溪县", "卫生健康局")
    assert titles.bureau_parts("市局") == ()
    words = titles.title_words("2024年某县局部门（单位）预算公开", "某县局")
    assert [w.text for w in words] == ["2024年", "某县局", "部门（单位）", "预算公开"]
    assert titles.balanced_lines(words, 20.1) == ["2024年某县局部门（单位）预算公开"]


def test_balanced_lines_prefer_even_lines():
    words = [titles.Word(w) for w in ("一二三四", "五六七八", "九十", "甲乙丙丁")]
    assert titles.balanced_lines(words, 9) == ["一二三四五六七八", "九十甲乙丙丁"]
    assert titles.balanced_lines(words, 8) == ["一二三四五六七八", "九十甲乙丙丁"]
    assert titles.balanced_lines(words, 6.5) == ["一二三四", "五六七八九十", "甲乙丙丁"]


# ---------------------------------------------------------------------------------------------
# 3. every cell of YS11 bounded


def _h_lines(layout) -> list[tuple[float, float, float]]:
    return [(o.x0, o.x1, o.y0) for o in layout if isinstance(o, LTLine) and abs(o.y1 - o.y0) < 0.1]


def _boxes(layout, text: str) -> list:
    return [o for o in layout if isinstance(o, LTTextContainer) and text in o.get_text()]


def test_ys11_empty_amounts_have_their_own_cells(rendered):
    """(2)财政专户管理资金 and (3)单位资金 are rows of their own in the amount column, empty or not."""
    _path, _prepared, document, target = rendered
    page = next(
        p
        for p in range(_anchor_page(document, "ys11"), len(document.pages) + 1)
        if "财政专户管理" in "".join(_page_lines(target, p))
    )
    layout = _layout(target, page)
    gov = _boxes(layout, "（1）政府预算资金")[0]
    special = _boxes(layout, "（2）财政专户管理")[0]
    unit = _boxes(layout, "（3）单位资金")[0]
    total = next(
        b for b in layout if isinstance(b, LTTextContainer) and re.fullmatch(r"[\d,]+\.\d{2}\s*", b.get_text())
    )
    lines = _h_lines(layout)
    column = (total.x0, total.x1)  # inside the amount column, where its figures stand
    for upper, lower in ((gov, special), (special, unit)):
        between = [
            y for x0, x1, y in lines if lower.y1 - 0.5 <= y <= upper.y0 + 0.5 and x0 <= column[0] and x1 >= column[1]
        ]
        assert between, f"no line in the amount column between {upper.get_text()!r} and {lower.get_text()!r}"


# ---------------------------------------------------------------------------------------------
# 7. row groups and tables at page breaks

_ROW = re.compile(r"^(?P<table>.+?)(?P<ind>-i)?-g(?P<group>\d+)-r(?P<row>\d+)$")


def _row_pages(document) -> dict[str, int]:
    pages: dict[str, int] = {}
    for number, page in enumerate(document.pages, start=1):
        for name in page.anchors:
            if _ROW.match(name):
                pages.setdefault(name, number)
    return pages


def test_ys12_projects_are_not_split_over_pages(rendered):
    """Each YS12 project with its indicator rows fits a page, so it is printed on one."""
    _path, _prepared, document, _target = rendered
    groups: dict[str, set[int]] = {}
    for name, page in _row_pages(document).items():
        m = _ROW.match(name)
        if m and m.group("table") == "ys12":
            groups.setdefault(m.group("group"), set()).add(page)
    assert groups
    split = {g: sorted(p) for g, p in groups.items() if len(p) > 1}
    assert not split, f"YS12 groups over two pages: {split}"


def test_broken_groups_repeat_their_labels(rendered):
    """A continuation row that begins a page prints the labels of the group it continues."""
    path, prepared, document, target = rendered
    html = prepared.html
    broken = breaks.first_rows_on_new_pages([p.anchors for p in document.pages])
    if path == EXAMPLE:  # its YS11 tasks and indicator levels run over pages
        assert broken
    for name in broken:
        row = re.search(rf'<tr id="{re.escape(name)}"[^>]*>(.*?)</tr>', html, re.S)
        assert row, name
        labels = re.findall(r'data-label="([^"]+)"', row.group(1))
        page = _row_pages(document)[name]
        cells = [o.get_text().replace("\n", "") for o in _layout(target, page) if isinstance(o, LTTextContainer)]
        for label in labels:
            assert label in cells, f"{name}: label {label} not repeated on page {_row_pages(document)[name]}"


def test_first_example_ys11_tasks_continue_with_their_label(rendered):
    """The first example's YS11 tasks run over a page: the next page shows 年度主要任务 beside them."""
    path, _prepared, document, target = rendered
    if path != EXAMPLE:
        pytest.skip("the second example's tasks fit one page")
    pages = _row_pages(document)
    tasks = sorted((int(_ROW.match(n).group("row")), p) for n, p in pages.items() if n.startswith("ys11-g1-"))
    assert tasks[0][1] != tasks[-1][1], "the example's tasks no longer run over a page"
    layout = _layout(target, tasks[-1][1])
    cells = [o.get_text().replace("\n", "") for o in layout if isinstance(o, LTTextContainer)]
    assert "年度主要任务" in cells


def _table_pages(prepared, document, code: str) -> range:
    """The pages a table is printed on: from its title's page to the page before the next table's."""
    starts = sorted(_anchor_page(document, t.anchor) for t in prepared.document.tables)
    start = _anchor_page(document, code)
    end = next((p for p in starts if p > start), len(document.pages) + 1)
    return range(start, end)


def test_table_borders_closed_at_page_breaks(rendered):
    """Where YS11 or YS12 runs on to the next page, the table is closed at the foot and the head of each page."""
    _path, prepared, document, target = rendered
    for code in ("ys11", "ys12"):
        for page in _table_pages(prepared, document, code):
            layout = _layout(target, page)
            lines = _h_lines(layout)
            verticals = [o for o in layout if isinstance(o, LTLine) and abs(o.x1 - o.x0) < 0.1]
            if not verticals:
                continue
            left, right = min(v.x0 for v in verticals), max(v.x0 for v in verticals)
            for edge in (max(v.y1 for v in verticals), min(v.y0 for v in verticals)):
                covered = sum(x1 - x0 for x0, x1, y in lines if abs(y - edge) < 1)
                assert covered >= 0.99 * (right - left), f"{code}, page {page}: table edge at y {edge:.1f} open"


def test_tables_keep_their_last_rows_together(tmp_path):
    """A table's last rows never stand one or two on a page: the grid macro keeps its last five together."""
    from generator.render.html import environment

    grid = environment().get_template("tables.html.j2").make_module().grid
    found = 0
    for count in range(30, 42):
        rows = [
            type(
                "Row",
                (),
                {
                    "cls": "total" if i == count else "",
                    "cells": (
                        type("Cell", (), {"cls": "", "text": f"R{i:03d}"})(),
                        type("Cell", (), {"cls": "num", "text": "1.00"})(),
                    ),
                },
            )()
            for i in range(1, count + 1)
        ]
        table = type(
            "T",
            (),
            {
                "code": "YSX",
                "anchor": "ysx",
                "title": "表",
                "widths": (70, 30),
                "header": (),
                "rows": rows,
                "meta": ("部门：某局", "单位：万元"),
            },
        )()
        doc = type("D", (), {"bureau": "某局", "year": 2024})()
        html = f'<html lang="zh-CN"><body><section class="part">{grid(table, doc)}</section></body></html>'
        target = tmp_path / f"t{count}.pdf"
        pdf.write_pdf(html, target)
        text = subprocess.run(["pdftotext", str(target), "-"], capture_output=True, text=True, check=True).stdout
        pages = text.split("\f")
        last = next(k for k, page in enumerate(pages) if f"R{count:03d}" in page)
        if last == 0:
            continue
        found += 1
        on_last = re.findall(r"R\d{3}", pages[last])
        assert len(on_last) >= 5, f"{count} rows: the last page holds {on_last}"
    assert found, "no row count ran over a page"


# ---------------------------------------------------------------------------------------------
# 6. body text justified, adjacent punctuation squeezed

RIGHT_MARGIN = 595.2756 - 26 * 72 / 25.4  # A4, 26 mm right margin (templates/style.css)
LEFT_MARGIN = 28 * 72 / 25.4


def _body_lines(target: Path, first: int, last: int) -> list[tuple[int, list]]:
    """The lines of 3号 body text (16 pt) on pages first..last, in order: (page, chars)."""
    out = []
    for number in range(first, last + 1):
        for box in _layout(target, number):
            if not isinstance(box, LTTextContainer):
                continue
            for line in box:
                chars = [c for c in line if isinstance(c, LTChar)] if hasattr(line, "__iter__") else []
                if chars and abs(chars[0].size - 16) < 0.5:
                    out.append((number, chars))
    return out


def test_body_lines_end_at_the_right_margin(rendered):
    """Every line of a paragraph but its last ends within 1 pt of the margin (the next line is not indented)."""
    _path, _prepared, document, target = rendered
    lines = _body_lines(target, _anchor_page(document, "part1"), _anchor_page(document, "annex") - 1)
    inside = [a for a, b in itertools.pairwise(lines) if abs(b[1][0].x0 - LEFT_MARGIN) < 1]
    assert len(inside) > 50
    short = [
        (page, "".join(c.get_text() for c in chars[-8:]), round(RIGHT_MARGIN - chars[-1].x1, 1))
        for page, chars in inside
        if abs(RIGHT_MARGIN - chars[-1].x1) > 1
    ]
    assert not short, f"{len(short)} of {len(inside)} lines end off the margin: {short[:6]}"


def test_adjacent_marks_are_squeezed(rendered):
    """Of two adjacent full-width marks ("），", "”、") the first takes half an em."""
    _path, _prepared, document, target = rendered
    lines = _body_lines(target, _anchor_page(document, "part1"), _anchor_page(document, "annex") - 1)
    marks = set("，。、；：）（“”")
    pairs = [
        (a, b)
        for _page, chars in lines
        for a, b in itertools.pairwise(chars)
        if a.get_text() in marks
        and b.get_text() in marks
        and a.fontname.endswith("+Noto-Serif-CJK-SC")  # the body face, not headings
    ]
    assert pairs, "no adjacent marks in the body"
    for a, b in pairs:
        step = b.x0 - a.x0
        assert step < 0.6 * a.size, f"{a.get_text()}{b.get_text()}: {step:.1f} pt from one to the next"


def test_break_lines_follow_the_chinese_rules(example_html):
    """Every body paragraph of the example: lines rejoin to the text, fit their line, no closing mark
    begins one and no opening mark ends one, no figure is cut."""
    from generator.render import justify

    advance = justify.advances()
    paragraphs = [m for m in re.findall(r"<p>([^<]*)</p>", example_html) if m.strip()]
    assert len(paragraphs) > 30
    for text in paragraphs:
        lines = justify.break_lines(text, advance)
        assert "".join(lines) == text
        for i, line in enumerate(lines):
            room = justify.TEXT_WIDTH - (justify.INDENT if i == 0 else 0)
            assert justify.natural_width(line, advance) <= room + 0.01, line
            if i:
                assert line[0] not in justify.NO_START, line
                assert not (lines[i - 1][-1].isdigit() and line[0].isdigit()), (lines[i - 1], line)
            if i < len(lines) - 1:
                assert line[-1] not in justify.NO_END, line
