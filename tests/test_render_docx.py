"""DOCX writer: the document HTML in, a Word file out, checked by reopening it with python-docx."""

from __future__ import annotations

import datetime
import os
import pathlib
import re
import subprocess
import sys
import time
import zipfile
from typing import Any

import docx
import pytest
from docx.enum.section import WD_ORIENT
from docx.oxml.ns import qn
from docx.section import Section
from docx.text.paragraph import Paragraph
from lxml import etree
from support import ROOT, tool

from generator.render.docx import DEFAULT_REFERENCE_DOCX, DocxFonts, write_docx

CORE_DATE = datetime.datetime(2024, 3, 1, 9, 30, 0)
MARKUP = '<img src="file:///etc/passwd">'

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


def _esc(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")


def _landscape_table(rows: int) -> str:
    """16 columns, 2 header rows, ``rows`` body rows (the 部门支出总体情况表 shape)."""
    widths = [4, 4, 4, 7, 12] + [6.9] * 11
    cols = "".join(f'<col style="width: {w}%">' for w in widths)
    body = []
    for i in range(rows):
        amounts = "".join(f'<td class="num">{(i + 1) * (k + 1) * 1.25:,.2f}</td>' for k in range(11))
        body.append(
            f"<tr><td>2{i % 10:02d}</td><td>0{i % 9}</td><td>{i % 99:02d}</td><td>0210{i:02d}</td>"
            f'<td class="text">科目名称第{i + 1}行</td>{amounts}</tr>'
        )
    return f"""
<table><colgroup>{cols}</colgroup>
<thead>
<tr><th colspan="3">科目编码</th><th rowspan="2">单位代码</th><th rowspan="2">单位（科目名称）</th>
    <th rowspan="2">合计</th><th colspan="5">基本支出</th><th colspan="3">项目支出</th><th colspan="2">其他</th></tr>
<tr><th>类</th><th>款</th><th>项</th><th>小计</th><th>工资福利支出</th><th>对个人和家庭的补助</th>
    <th>商品和服务支出</th><th>资本性支出</th><th>小计</th><th>其他运转类</th><th>特定目标类</th>
    <th>甲</th><th>乙</th></tr>
</thead>
<tbody>{"".join(body)}</tbody></table>"""


def make_html(landscape_rows: int = 40) -> str:
    return f"""<!DOCTYPE html>
<html lang="zh-CN"><head><meta charset="utf-8">
<title>2024年示例市工业和信息化局部门预算公开</title>
<meta name="author" content="示例市工业和信息化局">
</head><body>
<h1 class="doc-title">2024年示例市工业和信息化局<br>部门（单位）预算公开</h1>
<nav class="toc"><h2 class="toc-title">目录</h2><ol>
  <li class="toc-1"><a href="#p1">第一部分 部门概况</a></li>
  <li class="toc-2"><a href="#s1">一、主要职责</a></li>
  <li class="toc-2"><a href="#s2">二、机构设置</a></li>
  <li class="toc-1"><a href="#p2">第二部分 部门预算表</a></li>
  <li class="toc-2"><a href="#t1">一、部门收支总体情况表</a></li>
  <li class="toc-2"><a href="#t2">二、部门支出总体情况表</a></li>
  <li class="toc-1"><a href="#p3">第三部分 名词解释</a></li>
</ol></nav>

<section class="part" id="p1">
  <h1>第一部分<br>部门概况</h1>
  <h2 id="s1">一、主要职责</h2>
  <p>示例市工业和信息化局的主要职责是：拟订并组织实施全市工业、信息化的发展规划，
  推进产业结构战略性调整和优化升级。备注原样保留：{_esc(MARKUP)}、{{{{7*7}}}}、研发 &amp; 创新。</p>
  <h3>（一）拟订规划</h3>
  <p>提出全市新型工业化发展战略和政策，协调解决新型工业化进程中的重大问题。</p>
  <h4>1. 具体事项</h4>
  <p class="noindent">指导全市工业企业生产综合管理。</p>
  <h2 id="s2">二、机构设置</h2>
  <p>本部门内设办公室、综合科等6个科室。</p>
  <p class="center">（此处居中）</p>
  <p>“三公”经费：因公出国（境）费；公务接待费。Latin ‘quoted’ 2024</p>
</section>

<section class="part" id="p2">
  <h1>第二部分<br>部门预算表</h1>
  <h2 id="t1">一、部门收支总体情况表</h2>
  <div class="table-head">
    <p class="table-title">部门收支总体情况表</p>
    <p class="table-meta"><span>部门：示例市工业和信息化局</span><span>2024年度</span>
      <span>YS01</span><span>单位：万元</span></p>
  </div>
  <table>
    <colgroup><col style="width: 8%"><col style="width: 8%"><col style="width: 8%"><col style="width: 31%">
      <col style="width: 15%"><col style="width: 15%"><col style="width: 15%"></colgroup>
    <thead>
      <tr><th colspan="3">科目编码</th><th rowspan="3">科目名称</th><th rowspan="3">合计</th>
        <th colspan="2">基本支出</th></tr>
      <tr><th rowspan="2">类</th><th rowspan="2">款</th><th rowspan="2">项</th><th colspan="2">其中</th></tr>
      <tr><th>人员经费</th><th>公用经费</th></tr>
    </thead>
    <tbody>
      <tr class="total"><td colspan="4">合计</td>
        <td class="num">1,959.63</td><td class="num">153.02</td><td class="num">33.11</td></tr>
      <tr><td>206</td><td>02</td><td>99</td><td class="text">其他基础研究支出</td>
        <td class="num">40.00</td><td class="num"></td><td class="num"></td></tr>
      <tr><td>215</td><td>05</td><td>01</td><td class="text">行政运行 {_esc(MARKUP)}</td>
        <td class="num">231.02</td><td class="num">153.02</td><td class="num">33.11</td></tr>
      <tr><td>221</td><td>02</td><td>01</td><td class="text">住房公积金 {{{{7*7}}}} &amp; 其他</td>
        <td class="num">11.11</td><td class="num"></td><td class="num"></td></tr>
      <tr><td class="label" colspan="3">重点任务</td><td class="text">任务一</td>
        <td class="num">1.00</td><td class="num"></td><td class="num"></td></tr>
      <tr class="cont"><td colspan="3"></td><td class="text">任务二</td>
        <td class="num">2.00</td><td class="num"></td><td class="num"></td></tr>
      <tr><td class="label" colspan="3" rowspan="2">其他任务</td><td class="text">任务三</td>
        <td class="num">3.00</td><td class="num"></td><td class="num"></td></tr>
      <tr class="cont"><td class="text">任务四</td>
        <td class="num"></td><td class="num"></td><td class="num"></td></tr>
    </tbody>
  </table>
  <p class="table-note">说明：金额单位为万元 &amp; 保留两位小数。</p>
</section>

<section class="landscape">
  <h2 id="t2">二、部门支出总体情况表</h2>
  <div class="table-head">
    <p class="table-title">部门支出总体情况表</p>
    <p class="table-meta"><span>部门：示例市工业和信息化局</span><span>2024年度</span>
      <span>YS03</span><span>单位：万元</span></p>
  </div>
  {_landscape_table(landscape_rows)}
  <p class="table-note">说明：没有政府性基金预算安排的部门单位，本表无数据。</p>
</section>

<section class="part" id="p3">
  <h1>第三部分 名词解释</h1>
  <p>一、财政拨款收入：指本级财政当年拨付的资金。</p>
</section>
</body></html>"""


TOC_ENTRIES = [
    ("TOC1", "第一部分 部门概况"),
    ("TOC2", "一、主要职责"),
    ("TOC2", "二、机构设置"),
    ("TOC1", "第二部分 部门预算表"),
    ("TOC2", "一、部门收支总体情况表"),
    ("TOC2", "二、部门支出总体情况表"),
    ("TOC1", "第三部分 名词解释"),
]


@pytest.fixture(scope="module")
def written(tmp_path_factory: pytest.TempPathFactory) -> pathlib.Path:
    target = tmp_path_factory.mktemp("docx") / "budget.docx"
    write_docx(make_html(), target, core_date=CORE_DATE)
    return target


@pytest.fixture(scope="module")
def document(written: pathlib.Path) -> docx.document.Document:
    return docx.Document(str(written))


def _style_id(paragraph: Paragraph) -> str:
    return paragraph.style.style_id if paragraph.style is not None else ""


def _body_paragraph(document: docx.document.Document, text: str) -> Any:
    """The paragraph with this text outside the table of contents."""
    return next(p for p in document.paragraphs if p.text == text and _style_id(p) not in ("TOC1", "TOC2", "TOC3"))


def _page(section: Section) -> dict[str, int]:
    """Page size, margins and text width in twips, read from the section's w:sectPr."""
    sectPr = section._sectPr
    pgSz, pgMar = sectPr.find(qn("w:pgSz")), sectPr.find(qn("w:pgMar"))
    page = {k: int(pgSz.get(qn(f"w:{k}"))) for k in ("w", "h")}
    page.update({k: int(pgMar.get(qn(f"w:{k}"))) for k in ("top", "bottom", "left", "right")})
    page["text_width"] = page["w"] - page["left"] - page["right"]
    page["text_height"] = page["h"] - page["top"] - page["bottom"]
    return page


def _part_xml(path: pathlib.Path, name: str) -> str:
    with zipfile.ZipFile(path) as z:
        return z.read(name).decode("utf-8")


def _style_element(document: docx.document.Document, style_id: str):
    return document.styles.element.find(f"{W}style[@{W}styleId='{style_id}']")


# -- headings and paragraphs ------------------------------------------------------------------


def test_heading_styles_and_outline_levels(document: docx.document.Document) -> None:
    expected = {
        "第一部分\n部门概况": ("Heading 1", "0"),
        "一、主要职责": ("Heading 2", "1"),
        "（一）拟订规划": ("Heading 3", "2"),
        "1. 具体事项": ("Heading 4", "3"),
        "第三部分 名词解释": ("Heading 1", "0"),
    }
    for text, (style_name, level) in expected.items():
        p = _body_paragraph(document, text)
        assert p.style.name == style_name
        outline = p.style.element.find(f"{W}pPr/{W}outlineLvl")
        assert outline.get(qn("w:val")) == level
    title = _body_paragraph(document, "2024年示例市工业和信息化局\n部门（单位）预算公开")
    assert title.style.name == "Title"
    assert title._p.find(f".//{W}br") is not None  # <br> is a line break


def test_body_paragraph_classes(document: docx.document.Document) -> None:
    normal = _body_paragraph(document, "本部门内设办公室、综合科等6个科室。")
    assert normal.style.name == "Normal" and normal._p.pPr.find(qn("w:ind")) is None
    ind = _style_element(document, "Normal").find(f"{W}pPr/{W}ind")
    assert ind.get(qn("w:firstLineChars")) == "200"
    noindent = _body_paragraph(document, "指导全市工业企业生产综合管理。")
    assert noindent._p.pPr.find(qn("w:ind")).get(qn("w:firstLineChars")) == "0"
    centre = _body_paragraph(document, "（此处居中）")
    assert centre._p.pPr.find(qn("w:jc")).get(qn("w:val")) == "center"
    # A template that wraps a Chinese sentence over two lines must not print a space there.
    wrapped = next(p for p in document.paragraphs if p.text.startswith("示例市工业和信息化局的主要职责"))
    assert "规划，推进产业" in wrapped.text


def test_markup_looking_text_is_literal(written: pathlib.Path, document: docx.document.Document) -> None:
    para = next(p for p in document.paragraphs if "备注原样保留" in p.text)
    assert f"{MARKUP}、{{{{7*7}}}}、研发 & 创新。" in para.text
    cell_texts = [c.text for t in document.tables for r in t.rows for c in r.cells]
    assert f"行政运行 {MARKUP}" in cell_texts
    assert "住房公积金 {{7*7}} & 其他" in cell_texts
    note = _body_paragraph(document, "说明：金额单位为万元 & 保留两位小数。")
    assert note.style.name == "Table Note"
    xml = _part_xml(written, "word/document.xml")
    assert "&lt;img src=" in xml and "<img" not in xml
    with zipfile.ZipFile(written) as z:
        assert not any(n.startswith("word/media") for n in z.namelist())


def test_parts_start_new_pages(document: docx.document.Document) -> None:
    for text in ("第一部分\n部门概况", "第二部分\n部门预算表"):
        assert _body_paragraph(document, text)._p.pPr.find(qn("w:pageBreakBefore")) is not None
    # The part after the landscape section starts a new section instead: no extra page break.
    assert _body_paragraph(document, "第三部分 名词解释")._p.pPr.find(qn("w:pageBreakBefore")) is None


# -- table of contents ------------------------------------------------------------------------


def test_toc_field_is_prefilled(written: pathlib.Path, document: docx.document.Document) -> None:
    heading = _body_paragraph(document, "目录")
    assert heading.style.name == "TOC Heading"
    toc = [p for p in document.paragraphs if _style_id(p) in ("TOC1", "TOC2")]
    # Without the PDF's pages (write_docx alone) the numbers are blank; the leader tab stays.
    assert [(_style_id(p), p.text) for p in toc] == [(s, t + "\t") for s, t in TOC_ENTRIES]
    first = toc[0]._p
    kinds = [el.get(qn("w:fldCharType")) for el in first.iter(qn("w:fldChar"))]
    assert kinds[:2] == ["begin", "separate"]
    instr = first.find(f"{W}r/{W}instrText").text
    # Built from TC entries only, levels 1-2: no \o, so no other heading joins an updated 目录.
    assert instr.split() == ["TOC", "\\f", "\\l", '"1-2"', "\\h", "\\z"]
    assert [el.get(qn("w:fldCharType")) for el in toc[-1]._p.iter(qn("w:fldChar"))][-1] == "end"
    # Entries indent by level through the TOC 2 style.
    ind2 = _style_element(document, "TOC2").find(f"{W}pPr/{W}ind")
    assert int(ind2.get(qn("w:left"))) > 0
    settings = _part_xml(written, "word/settings.xml")
    assert '<w:updateFields w:val="true"/>' in settings


def _field_codes(p) -> list[str]:
    return [
        "".join(t.text for t in r.iter(qn("w:instrText"))).strip()
        for r in p.iter(qn("w:r"))
        if r.find(qn("w:instrText")) is not None
    ]


def test_toc_entries_are_tc_fields_at_their_targets(tmp_path: pathlib.Path) -> None:
    """Each entry's target (the id its link names) holds a TC field with the entry's text and level and
    the bookmark the stored entry links to and takes its page from (PAGEREF)."""
    pages = {"p1": 3, "s1": 3, "s2": 4, "p2": 5, "t1": 5, "t2": 6, "p3": 8}
    target = tmp_path / "numbered.docx"
    write_docx(make_html(5), target, core_date=CORE_DATE, page_numbers=lambda: pages)
    document = docx.Document(str(target))
    body = document.element.body
    toc = [p for p in document.paragraphs if _style_id(p) in ("TOC1", "TOC2")]
    assert [(_style_id(p), p.text) for p in toc] == [
        (s, f"{t}\t{n}") for (s, t), n in zip(TOC_ENTRIES, pages.values(), strict=True)
    ]
    text_width = _page(document.sections[0])["text_width"]
    first_paragraphs = {"p1": "第一部分\n部门概况", "p2": "第二部分\n部门预算表", "p3": "第三部分 名词解释"}
    for p, (style, text), target_id in zip(toc, TOC_ENTRIES, pages, strict=True):
        tab = p._p.find(f"{W}pPr/{W}tabs/{W}tab")
        assert (tab.get(qn("w:val")), tab.get(qn("w:leader")), int(tab.get(qn("w:pos")))) == (
            "right",
            "dot",
            text_width,
        )
        link = p._p.find(qn("w:hyperlink"))
        bookmark = link.get(qn("w:anchor"))
        assert _field_codes(link) == [f"PAGEREF {bookmark} \\h"]
        (start,) = [b for b in body.iter(qn("w:bookmarkStart")) if b.get(qn("w:name")) == bookmark]
        marked = start.getparent()
        level = style[-1]
        assert f'TC "{text}" \\l {level}' in _field_codes(marked)
        assert Paragraph(marked, document).text == first_paragraphs.get(target_id, text)
    tc_total = sum(code.startswith("TC ") for p in body.iter(qn("w:p")) for code in _field_codes(p))
    assert tc_total == len(TOC_ENTRIES)


# -- tables -----------------------------------------------------------------------------------


def _rows(table) -> list:
    return table._tbl.findall(qn("w:tr"))


def _cell_props(tr) -> list[tuple[int, str | None]]:
    """(gridSpan, vMerge) for each w:tc; vMerge is 'restart', 'continue' or None."""
    out = []
    for tc in tr.findall(qn("w:tc")):
        span = tc.find(f"{W}tcPr/{W}gridSpan")
        vmerge = tc.find(f"{W}tcPr/{W}vMerge")
        vm = None if vmerge is None else (vmerge.get(qn("w:val")) or "continue")
        out.append((int(span.get(qn("w:val"))) if span is not None else 1, vm))
    return out


def test_header_rows_repeat(document: docx.document.Document) -> None:
    portrait, landscape = document.tables
    for table, header_rows in ((portrait, 3), (landscape, 2)):
        flags = [tr.find(f"{W}trPr/{W}tblHeader") is not None for tr in _rows(table)]
        assert flags == [True] * header_rows + [False] * (len(flags) - header_rows)
        assert all(tr.find(f"{W}trPr/{W}cantSplit") is not None for tr in _rows(table))
    assert len(_rows(landscape)) == 2 + 40


def test_merged_header_cells(document: docx.document.Document) -> None:
    portrait, landscape = document.tables
    r0, r1, r2, total = [_cell_props(tr) for tr in _rows(portrait)[:4]]
    assert r0 == [(3, None), (1, "restart"), (1, "restart"), (2, None)]
    assert r1 == [(1, "restart"), (1, "restart"), (1, "restart"), (1, "continue"), (1, "continue"), (2, None)]
    assert r2 == [(1, "continue")] * 5 + [(1, None), (1, None)]
    assert total == [(4, None), (1, None), (1, None), (1, None)]
    l0, l1 = [_cell_props(tr) for tr in _rows(landscape)[:2]]
    assert l0 == [(3, None), (1, "restart"), (1, "restart"), (1, "restart"), (5, None), (3, None), (2, None)]
    assert l1 == [(1, None)] * 3 + [(1, "continue")] * 3 + [(1, None)] * 10
    # Every row covers the whole grid.
    for table in document.tables:
        ncols = len(table._tbl.findall(f"{W}tblGrid/{W}gridCol"))
        assert all(sum(span for span, _ in _cell_props(tr)) == ncols for tr in _rows(table))


def test_cell_formatting(document: docx.document.Document) -> None:
    portrait = document.tables[0]
    rows = _rows(portrait)
    th = rows[0].find(qn("w:tc"))
    assert th.find(f".//{W}pStyle").get(qn("w:val")) == "TableText"
    assert th.find(f".//{W}jc").get(qn("w:val")) == "center"
    assert th.find(f".//{W}r/{W}rPr/{W}b") is not None
    assert th.find(f"{W}tcPr/{W}vAlign").get(qn("w:val")) == "center"
    total_cells = rows[3].findall(qn("w:tc"))
    assert all(tc.find(f".//{W}r/{W}rPr/{W}b") is not None for tc in total_cells)
    body = rows[4].findall(qn("w:tc"))
    assert body[3].find(f".//{W}jc").get(qn("w:val")) == "left"  # td.text
    assert body[4].find(f".//{W}jc").get(qn("w:val")) == "right"  # td.num
    assert body[4].find(f".//{W}r/{W}rPr/{W}b") is None
    tblPr = portrait._tbl.tblPr
    assert tblPr.find(qn("w:tblLayout")).get(qn("w:type")) == "fixed"
    assert tblPr.find(qn("w:tblStyle")).get(qn("w:val")) == "BudgetTable"
    # Wide tables use the smaller cell style (9 pt, as the PDF does on landscape pages).
    wide_cell = _rows(document.tables[1])[5].find(qn("w:tc"))
    assert wide_cell.find(f".//{W}pStyle").get(qn("w:val")) == "TableTextLandscape"
    assert _style_element(document, "TableTextLandscape").find(f"{W}rPr/{W}sz").get(qn("w:val")) == "18"


def test_only_what_the_html_merges_is_merged(document: docx.document.Document) -> None:
    """An empty cell is a cell of its own, with its own borders (YS11's empty 财政专户管理资金 and 单位资金
    amounts were merged into 1,959.63 above them); a rowspan or colspan merges, in any row."""
    label_row, cont_row, span_row, spanned_row = _rows(document.tables[0])[7:11]
    assert _cell_props(label_row) == [(3, None), (1, None), (1, None), (1, None), (1, None)]
    assert _cell_props(cont_row) == [(3, None), (1, None), (1, None), (1, None), (1, None)]
    assert cont_row.findall(qn("w:tc"))[1].find(f".//{W}t").text == "任务二"
    assert _cell_props(span_row) == [(3, "restart"), (1, None), (1, None), (1, None), (1, None)]
    assert _cell_props(spanned_row) == [(3, "continue"), (1, None), (1, None), (1, None), (1, None)]
    label = label_row.find(qn("w:tc"))
    assert label.find(f".//{W}r/{W}rPr/{W}b") is not None  # td.label reads like a header cell
    assert spanned_row.findall(qn("w:tc"))[1].find(f".//{W}t").text == "任务四"


def test_column_widths_follow_colgroup_and_orientation(document: docx.document.Document) -> None:
    portrait, landscape = document.tables
    sec0, sec1 = document.sections[0], document.sections[1]
    for table, sec in ((portrait, sec0), (landscape, sec1)):
        grid = [int(c.get(qn("w:w"))) for c in table._tbl.findall(f"{W}tblGrid/{W}gridCol")]
        assert sum(grid) == _page(sec)["text_width"]
    grid = [int(c.get(qn("w:w"))) for c in portrait._tbl.findall(f"{W}tblGrid/{W}gridCol")]
    assert abs(grid[3] / sum(grid) - 0.31) < 0.002
    first = _rows(portrait)[0].find(qn("w:tc"))  # colspan 3 → the sum of three columns
    assert int(first.find(f"{W}tcPr/{W}tcW").get(qn("w:w"))) == sum(grid[:3])


def test_table_head_paragraphs(document: docx.document.Document) -> None:
    title = _body_paragraph(document, "部门支出总体情况表")
    assert title.style.name == "Table Title"
    meta = next(p for p in document.paragraphs if _style_id(p) == "TableMeta" and "YS03" in p.text)
    assert meta.text == "部门：示例市工业和信息化局\t2024年度\tYS03\t单位：万元"
    tabs = [(t.get(qn("w:val")), int(t.get(qn("w:pos")))) for t in meta._p.find(f"{W}pPr/{W}tabs")]
    text_width = _page(document.sections[1])["text_width"]
    assert tabs == [("center", round(text_width / 2)), ("center", round(text_width * 3 / 4)), ("right", text_width)]


# -- page setup, sections, footer ---------------------------------------------------------------


def test_sections_portrait_landscape_portrait(document: docx.document.Document) -> None:
    sections = list(document.sections)
    assert [s.orientation for s in sections] == [WD_ORIENT.PORTRAIT, WD_ORIENT.LANDSCAPE, WD_ORIENT.PORTRAIT]
    first, wide, last = (_page(s) for s in sections)
    assert (first["w"], first["h"]) == (11906, 16838)  # A4
    mm = [first[k] / 56.6929 for k in ("top", "bottom", "left", "right")]
    assert mm == pytest.approx([37, 35, 28, 26], abs=0.05)
    assert wide["w"] > wide["h"]
    assert (wide["w"], wide["h"]) == (first["h"], first["w"])
    # The text block turns with the page: 156 × 225 mm becomes 225 × 156 mm.
    assert (wide["text_width"], wide["text_height"]) == (first["text_height"], first["text_width"])
    assert last == first
    # The landscape run holds the second table.
    body = document.element.body
    landscape_end = [p for p in body.iter(qn("w:p")) if p.find(f"{W}pPr/{W}sectPr") is not None][1]
    assert list(body).index(document.tables[1]._tbl) < list(body).index(landscape_end)


def test_footer_page_numbers(document: docx.document.Document, written: pathlib.Path) -> None:
    first = document.sections[0]
    assert not first.footer.is_linked_to_previous
    for footer in (first.footer, first.even_page_footer):
        xml = footer._element.xml
        assert "PAGE" in "".join(el.text for el in footer._element.iter(qn("w:instrText")))
        assert [el.get(qn("w:fldCharType")) for el in footer._element.iter(qn("w:fldChar"))] == [
            "begin",
            "separate",
            "end",
        ]
        assert footer.paragraphs[0].text == "— 1 —" and "w:pStyle" in xml
    for later in list(document.sections)[1:]:
        assert later.footer.is_linked_to_previous and later.even_page_footer.is_linked_to_previous
    assert "<w:evenAndOddHeaders/>" in _part_xml(written, "word/settings.xml")


def test_cover_is_unnumbered(document: docx.document.Document) -> None:
    """The cover prints no page number (the PDF's @page :first) but counts as page 1: the 目录 is page 2."""
    first, *later = document.sections
    assert first.different_first_page_header_footer
    cover = first.first_page_footer
    assert not cover.is_linked_to_previous
    assert [p.text for p in cover.paragraphs] == [""]
    assert not list(cover._element.iter(qn("w:fldChar")))
    assert all(not s.different_first_page_header_footer for s in later)  # a landscape run's first page is numbered
    assert all(s._sectPr.find(qn("w:pgNumType")) is None for s in document.sections)  # no restart


# -- styles and fonts ---------------------------------------------------------------------------


def _east_asia(document: docx.document.Document, style_id: str) -> tuple[str, str]:
    rfonts = _style_element(document, style_id).find(f"{W}rPr/{W}rFonts")
    return rfonts.get(qn("w:eastAsia")), rfonts.get(qn("w:ascii"))


def test_east_asian_fonts_in_styles(document: docx.document.Document) -> None:
    assert _east_asia(document, "Normal") == ("仿宋_GB2312", "Times New Roman")
    assert _east_asia(document, "Title") == ("方正小标宋简体", "Times New Roman")
    assert _east_asia(document, "Heading1")[0] == "黑体"
    assert _east_asia(document, "Heading2")[0] == "黑体"
    assert _east_asia(document, "Heading3")[0] == "楷体_GB2312"
    assert _east_asia(document, "TableText")[0] == "仿宋_GB2312"
    defaults = document.styles.element.find(f"{W}docDefaults/{W}rPrDefault/{W}rPr/{W}rFonts")
    assert defaults.get(qn("w:eastAsia")) == "仿宋_GB2312"
    assert defaults.get(qn("w:eastAsiaTheme")) is None  # no theme font: it would win


def _css_rules() -> dict[str, dict[str, str]]:
    """templates/style.css as {selector: {property: value}} (the PDF's styles, the authority)."""
    css = re.sub(r"/\*.*?\*/", "", (ROOT / "templates" / "style.css").read_text(encoding="utf-8"), flags=re.S)
    rules: dict[str, dict[str, str]] = {}
    for selectors, body in re.findall(r"([^{}@]+)\{([^{}]*)\}", css):
        props = dict((k.strip(), v.strip()) for k, _, v in (d.partition(":") for d in body.split(";")) if k.strip())
        for selector in selectors.split(","):
            rules.setdefault(" ".join(selector.split()), {}).update(props)
    return rules


def _pt(value: str, size_pt: float = 0) -> float:
    if value.endswith("pt"):
        return float(value[:-2])
    if value.endswith("em"):
        return float(value[:-2]) * size_pt
    return float(value) * size_pt  # a line-height factor


def _rpr(document: docx.document.Document, style_id: str, tag: str) -> Any:
    """A run property of a style, following basedOn."""
    while style_id:
        st = _style_element(document, style_id)
        found = st.find(f"{W}rPr/{W}{tag}")
        if found is not None:
            return found
        based = st.find(f"{W}basedOn")
        style_id = based.get(qn("w:val")) if based is not None else ""
    return None


def test_title_sizes_follow_the_stylesheet(document: docx.document.Document) -> None:
    """Each title class has the PDF's size (style.css) and weight: cover, part titles, table titles, the 目录."""
    css = _css_rules()
    classes = {
        "Title": "h1.doc-title",
        "Heading1": "h1",
        "TableTitle": "p.table-title",
        "TOCHeading": "nav.toc h2.toc-title",
        "TOC1": "nav.toc li",
        "TOC2": "nav.toc li",
        "Normal": "html",
        "TableText": "table",
        "TableMeta": "p.table-meta",
        "TableNote": "p.table-note",
    }
    for style_id, selector in classes.items():
        size = _pt(css[selector]["font-size"])
        assert int(_rpr(document, style_id, "sz").get(qn("w:val"))) == round(size * 2), style_id
        bold = css[selector].get("font-weight") == "bold"
        assert (_rpr(document, style_id, "b") is not None) == bold, style_id
    # Lines: the body's and the 目录's exact heights.
    lines = {"Normal": "html", "TOC1": "nav.toc li", "TOC2": "nav.toc li", "Title": "h1.doc-title", "Heading1": "h1"}
    lines |= {"TableTitle": "p.table-title", "TOCHeading": "nav.toc h2.toc-title"}
    for style_id, selector in lines.items():
        spacing = _style_element(document, style_id).find(f"{W}pPr/{W}spacing")
        height = _pt(css[selector]["line-height"], _pt(css[selector]["font-size"]))
        assert spacing.get(qn("w:lineRule")) == "exact"
        assert int(spacing.get(qn("w:line"))) == round(height * 20), style_id


def test_28_characters_and_22_lines_as_in_the_pdf(document: docx.document.Document) -> None:
    """GB/T 9704's 28 characters of 三号 a line, as the PDF sets them (style.css p letter-spacing), and its
    22 lines (a line grid at the PDF's line height)."""
    css = _css_rules()
    page = _page(document.sections[0])
    width_pt = page["text_width"] / 20
    size = _pt(css["html"]["font-size"])
    pdf_pitch = size + _pt(css["p"]["letter-spacing"])
    docx_pitch = size + int(_rpr(document, "Normal", "spacing").get(qn("w:val"))) / 20
    assert int(width_pt // pdf_pitch) == int(width_pt // docx_pitch) == 28
    grid = document.sections[0]._sectPr.find(qn("w:docGrid"))
    assert int(grid.get(qn("w:linePitch"))) == round(_pt(css["html"]["line-height"]) * 20)
    assert int(page["text_height"] // int(grid.get(qn("w:linePitch")))) == 22
    # Titles, the 目录 and tables keep their own pitch: off the grid, no tracking.
    for style_id in ("Title", "Heading1", "TableTitle", "TOC1", "TOC2", "TableText"):
        snap = _style_element(document, style_id).find(f"{W}pPr/{W}snapToGrid")
        assert snap is not None and snap.get(qn("w:val")) == "0", style_id
        assert _rpr(document, style_id, "spacing").get(qn("w:val")) == "0", style_id


#: What Word must set in the East Asian font: ideographs, CJK and full-width punctuation, “”‘’.
CJK_TEXT = re.compile("[\u3000-\u303f\u3400-\u9fff\uff00-\uffef\u2018\u2019\u201c\u201d]")


def test_every_run_of_chinese_text_is_east_asian(written: pathlib.Path, document: docx.document.Document) -> None:
    """Runs holding Chinese text or punctuation say w:hint="eastAsia", so Word never sets “” in Times New Roman;
    the East Asian font itself is the style's (a bureau's reference.docx restyles it)."""
    parts = ["word/document.xml"] + [n for n in zipfile.ZipFile(written).namelist() if n.startswith("word/footer")]
    checked = 0
    for name in parts:
        root = etree.fromstring(_part_xml(written, name).encode("utf-8"))
        for run in root.iter(qn("w:r")):
            text = "".join(t.text or "" for t in run.iter(qn("w:t")))
            if CJK_TEXT.search(text):
                checked += 1
                rfonts = run.find(f"{W}rPr/{W}rFonts")
                assert rfonts is not None and rfonts.get(qn("w:hint")) == "eastAsia", text
    assert checked > 100
    quoted = next(p for p in document.paragraphs if p.text.startswith("“三公”"))
    assert all(r._r.find(f"{W}rPr/{W}rFonts").get(qn("w:hint")) == "eastAsia" for r in quoted.runs)


def test_fonts_override(tmp_path: pathlib.Path) -> None:
    target = tmp_path / "fonts.docx"
    fonts = DocxFonts(body="宋体", heading1="方正黑体_GBK", heading2="楷体", title="华文中宋", latin="Arial")
    write_docx(make_html(3), target, fonts=fonts, core_date=CORE_DATE)
    document = docx.Document(str(target))
    assert _east_asia(document, "Normal") == ("宋体", "Arial")
    assert _east_asia(document, "Heading2") == ("方正黑体_GBK", "Arial")
    assert _east_asia(document, "Heading3") == ("楷体", "Arial")
    assert _east_asia(document, "Title") == ("华文中宋", "Arial")
    assert _east_asia(document, "TableText") == ("宋体", "Arial")


def test_missing_reference_style_is_reported(tmp_path: pathlib.Path) -> None:
    reference = docx.Document(str(DEFAULT_REFERENCE_DOCX))
    style = _style_element(reference, "BudgetTable")
    style.getparent().remove(style)
    broken = tmp_path / "broken.docx"
    reference.save(str(broken))
    with pytest.raises(ValueError, match=r"reference \.docx lacks the style\(s\): Budget Table"):
        write_docx(make_html(1), tmp_path / "out.docx", reference_docx=broken)


# -- metadata and reproducibility --------------------------------------------------------------


def test_core_properties(document: docx.document.Document) -> None:
    props = document.core_properties
    assert props.title == "2024年示例市工业和信息化局部门预算公开"
    assert props.author == props.last_modified_by == "示例市工业和信息化局"
    assert props.created.replace(tzinfo=None) == CORE_DATE
    assert props.modified.replace(tzinfo=None) == CORE_DATE
    assert props.last_printed.replace(tzinfo=None) == CORE_DATE
    assert props.revision == 1


def test_default_core_date_is_fixed(tmp_path: pathlib.Path) -> None:
    write_docx(make_html(1), tmp_path / "a.docx")
    props = docx.Document(str(tmp_path / "a.docx")).core_properties
    assert props.created.replace(tzinfo=None) == datetime.datetime(2000, 1, 1)


def test_output_is_byte_identical(tmp_path: pathlib.Path) -> None:
    html = make_html(5)
    write_docx(html, tmp_path / "a.docx", core_date=CORE_DATE)
    time.sleep(2.1)  # zip timestamps have a 2 s resolution: a clock-dependent writer would differ now
    write_docx(html, tmp_path / "b.docx", core_date=CORE_DATE)
    assert (tmp_path / "a.docx").read_bytes() == (tmp_path / "b.docx").read_bytes()
    with zipfile.ZipFile(tmp_path / "a.docx") as z:
        assert z.namelist()[0] == "[Content_Types].xml"
        assert {info.date_time for info in z.infolist()} == {(1980, 1, 1, 0, 0, 0)}


def test_reference_docx_is_rebuilt_identically(tmp_path: pathlib.Path) -> None:
    out = tmp_path / "reference.docx"
    subprocess.run(
        [sys.executable, str(ROOT / "tools" / "make_reference_docx.py"), "-o", str(out)],
        check=True,
        capture_output=True,
    )
    assert out.read_bytes() == DEFAULT_REFERENCE_DOCX.read_bytes()
    assert DEFAULT_REFERENCE_DOCX.stat().st_size < 20_000


def _tables_html(tables: int, rows: int) -> str:
    one = _landscape_table(rows)
    sections = "".join(
        f'<section class="landscape"><p class="table-title">表{i}</p>{one}</section>' for i in range(tables)
    )
    return f"<html><body>{sections}</body></html>"


def test_seed_sized_document_is_complete(tmp_path: pathlib.Path) -> None:
    """14 tables of 70 rows × 16 columns, the seed's size: every table, row and cell is written."""
    write_docx(_tables_html(14, 70), tmp_path / "big.docx", core_date=CORE_DATE)
    tables = docx.Document(str(tmp_path / "big.docx")).tables
    assert len(tables) == 14
    for table in tables:
        assert len(table.rows) == 2 + 70
        assert {len(row.cells) for row in table.rows[2:]} == {16}
        assert [c.text for c in table.rows[-1].cells[4:]] == ["科目名称第70行"] + [
            f"{70 * k * 1.25:,.2f}" for k in range(1, 12)
        ]


def _steps(html: str, target: pathlib.Path) -> int:
    """The work ``write_docx`` does for ``html``, counted, not timed: every function call (Python or C)
    and every line of our own code run (a loop that calls nothing still counts)."""
    count = 0
    ours = str(ROOT / "generator")

    def profile(_frame: Any, event: str, _arg: Any) -> None:
        nonlocal count
        if event in ("call", "c_call"):
            count += 1

    def line(_frame: Any, event: str, _arg: Any) -> Any:
        nonlocal count
        if event == "line":
            count += 1
        return line

    def trace(frame: Any, _event: str, _arg: Any) -> Any:
        return line if frame.f_code.co_filename.startswith(ours) else None

    sys.setprofile(profile)
    sys.settrace(trace)
    try:
        write_docx(html, target, core_date=CORE_DATE)
    finally:
        sys.settrace(None)
        sys.setprofile(None)
    return count


@pytest.mark.parametrize(("tables", "rows"), [((1, 2, 3), (70, 70, 70)), ((1, 1, 1), (70, 140, 210))])
def test_work_grows_linearly_with_tables_and_rows(tmp_path: pathlib.Path, tables, rows) -> None:
    """The writer does not go quadratic: each further table, or each further 70 rows, costs what the last did.

    (How long the seed-sized document takes to write is measured in bench/scaling.py, not here.)
    """
    _steps(_tables_html(1, 5), tmp_path / "warm.docx")  # first-call caches (regexes, imports) out of the count
    counts = [_steps(_tables_html(t, r), tmp_path / f"{t}x{r}.docx") for t, r in zip(tables, rows, strict=True)]
    first, second = counts[1] - counts[0], counts[2] - counts[1]
    assert first > 0
    assert abs(second - first) <= first // 100, counts


# -- LibreOffice can lay it out -----------------------------------------------------------------


def test_libreoffice_converts_to_pdf(written: pathlib.Path, tmp_path: pathlib.Path) -> None:
    soffice = tool("soffice")
    profile = tmp_path / "lo-profile"
    env = dict(os.environ, HOME=str(tmp_path))
    result = subprocess.run(
        [
            soffice,
            f"-env:UserInstallation={profile.as_uri()}",
            "--headless",
            "--convert-to",
            "pdf",
            "--outdir",
            str(tmp_path),
            str(written),
        ],
        capture_output=True,
        text=True,
        timeout=180,
        env=env,
    )
    pdf = tmp_path / "budget.pdf"
    assert pdf.exists(), f"no PDF: {result.stdout} {result.stderr}"
    data = pdf.read_bytes()
    assert data.startswith(b"%PDF") and data.count(b"/Type /Page") + data.count(b"/Type/Page") >= 5
