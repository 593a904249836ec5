"""The rendered example, as a clerk would open it: structure of the DOCX and the PDF."""

from __future__ import annotations

import re
import subprocess

import docx
from docx.oxml.ns import qn
from support import tool


def test_docx_structure(example_outputs):
    document = docx.Document(str(example_outputs["docx"]))
    tables = document.tables
    assert len(tables) >= 14
    repeating = [
        t for t in tables if t.rows[0]._tr.trPr is not None and t.rows[0]._tr.trPr.find(qn("w:tblHeader")) is not None
    ]
    assert len(repeating) >= 13  # every grid table but the YS11 form's first part
    styles = {p.style.name for p in document.paragraphs}
    assert {"Heading 1", "Heading 2", "Heading 3"} <= styles
    body = document.element.body
    instr = "".join(t.text or "" for t in body.iter(qn("w:instrText")))
    assert "TOC" in instr
    normal = document.styles["Normal"].element
    east = normal.find(qn("w:rPr")).find(qn("w:rFonts")).get(qn("w:eastAsia"))
    assert east == "仿宋_GB2312"
    orientations = [s.orientation for s in document.sections]
    from docx.enum.section import WD_ORIENT

    assert WD_ORIENT.LANDSCAPE in orientations and WD_ORIENT.PORTRAIT in orientations
    assert document.core_properties.title == "2024年义马市工业信息化和科技局部门（单位）预算公开"
    assert document.core_properties.author == "义马市工业信息化和科技局"


def _pdf_tool(name: str, *args: str) -> str:
    return subprocess.run([tool(name), *args], capture_output=True, text=True, check=True).stdout


def test_pdf_structure(example_outputs):
    pdf = str(example_outputs["pdf"])
    info = _pdf_tool("pdfinfo", pdf)
    assert re.search(r"Title:\s+2024年义马市工业信息化和科技局部门（单位）预算公开", info)
    assert re.search(r"Author:\s+义马市工业信息化和科技局", info)
    assert "595.276 x 841.89" in info  # A4
    fonts = _pdf_tool("pdffonts", pdf).splitlines()[2:]
    assert fonts, "no fonts listed"
    for line in fonts:
        cols = line.split()
        assert "+" in cols[0], f"font not subset: {line}"
        assert "yes" in cols[-5:-2], f"font not embedded: {line}"
    sizes = _pdf_tool("pdfinfo", "-f", "1", "-l", "200", pdf)
    assert "841.89 x 595.276" in sizes  # landscape pages for wide tables
    toc = _pdf_tool("pdftotext", "-f", "2", "-l", "3", "-layout", pdf, "-")
    assert "目录" in re.sub(r"\s", "", toc)
    assert re.search(r"部门支出总体情况表\s*\.*\s*\d+", toc), "the 目录 shows page numbers"


def test_pdf_bookmarks(example_document):
    from generator.render.pdf import render_document

    laid_out = render_document(example_document.html)
    labels = []

    def walk(items):
        for label, _target, children, _state in items:
            labels.append(label)
            walk(children)

    walk(laid_out.make_bookmark_tree())
    joined = "|".join(labels)
    assert "第一部分" in joined and "第三部分" in joined
    assert "部门支出总体情况表" in joined and "行政（事业）单位机构运行经费表" in joined
    assert any(p.width > p.height for p in laid_out.pages)
