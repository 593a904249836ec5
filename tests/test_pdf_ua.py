"""The PDF as PDF/UA-1 wants it, checked over its structure tree with pikepdf (no veraPDF reachable here).

Every PDF is tagged; each chart is a ``Figure`` with its alternative text; the page numbers are
artifacts; every piece of marked content belongs to an element of the tree and every element's
content is on its page; one ``Sect`` per HTML section and one ``Table`` per table, however many
pages they run over; header cells carry ``Scope`` and the cells' ``Headers`` resolve. PDF/A-1b is
withdrawn with a message pointing to PDF/A-2b.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pikepdf
import pytest
from click.testing import CliRunner
from support import EXAMPLE

from generator.frontends.cli import main
from generator.jobs import pipeline
from generator.options import RenderOptions
from generator.render import pdf as pdfmod
from generator.render import pdftags


def elements(node: Any) -> Iterator[pikepdf.Dictionary]:
    if isinstance(node, pikepdf.Dictionary) and "/S" in node:
        yield node
        for kid in node.get("/K", []):
            yield from elements(kid)


def tree_of(pdf: pikepdf.Pdf) -> pikepdf.Dictionary:
    return pdf.Root.StructTreeRoot.K[0]


def marked_content(pdf: pikepdf.Pdf) -> dict[int, list[tuple[str, int | None]]]:
    """Per page, each BDC/BMC's tag and MCID (None: none)."""
    found: dict[int, list[tuple[str, int | None]]] = {}
    for i, page in enumerate(pdf.pages):
        found[i] = []
        for instruction in pikepdf.parse_content_stream(page, "BDC BMC"):
            operands = instruction.operands
            mcid = None
            if len(operands) == 2 and isinstance(operands[1], pikepdf.Dictionary) and "/MCID" in operands[1]:
                mcid = int(operands[1].MCID)
            found[i].append((str(operands[0]), mcid))
    return found


def artifact_texts(pdf: pikepdf.Pdf, index: int) -> int:
    """How many text-showing operators of page ``index`` are inside /Artifact marked content."""
    inside: list[bool] = []
    shown = 0
    for instruction in pikepdf.parse_content_stream(pdf.pages[index]):
        op = str(instruction.operator)
        if op in ("BDC", "BMC"):
            inside.append(str(instruction.operands[0]) == "/Artifact")
        elif op == "EMC":
            inside.pop()
        elif op in ("Tj", "TJ") and any(inside):
            shown += 1
    return shown


@pytest.fixture(scope="module")
def rendered(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """Both examples with their charts, as PDF (no variant) and HTML."""
    out = tmp_path_factory.mktemp("ua")
    found: dict[str, Any] = {}
    for workbook in sorted(EXAMPLE.parent.glob("*.xlsx")):
        _prepared, written = pipeline.render(
            workbook, out / workbook.stem, ("pdf", "html"), options=RenderOptions(charts=True)
        )
        paths = {p.suffix: p for p in written}
        found[workbook.stem] = (paths[".pdf"], paths[".html"].read_text(encoding="utf-8"))
    return found


@pytest.fixture(scope="module", params=["义马市工业信息化和科技局2024", "柳溪县卫生健康局2025"])
def example(request: pytest.FixtureRequest, rendered: dict[str, Any]) -> tuple[pikepdf.Pdf, str]:
    path, html = rendered[request.param]
    return pikepdf.open(path), html


def test_every_pdf_is_tagged_without_a_variant(example):
    pdf, _html = example
    assert "/StructTreeRoot" in pdf.Root
    assert bool(pdf.Root.MarkInfo.Marked)
    assert str(pdf.Root.Lang) == "zh-CN"


def test_every_chart_is_a_figure_whose_alt_text_is_its_caption_and_figures(example):
    pdf, html = example
    captions = re.findall(r"<figcaption>图\d+　(.*?)</figcaption>", html)
    assert captions
    figures = [e for e in elements(tree_of(pdf)) if e.S == "/Figure"]
    assert len(figures) == len(captions)
    for figure, caption in zip(figures, captions, strict=True):
        alt = str(figure.get("/Alt", ""))
        assert alt.startswith(caption.replace("&#34;", '"') + "："), alt
        assert re.search(r"\d+\.\d{2}万元", alt)


def test_all_marked_content_is_in_the_tree_or_an_artifact(example):
    """Each MCID on a page maps through the ParentTree to an element the tree reaches, and back."""
    pdf, _html = example
    reached = {e.objgen for e in elements(tree_of(pdf))}
    nums = pdf.Root.StructTreeRoot.ParentTree.Nums
    parents = {int(nums[i]): nums[i + 1] for i in range(0, len(nums), 2)}
    in_tree: dict[int, set[int]] = defaultdict(set)
    page_of = {p.obj.objgen: i for i, p in enumerate(pdf.pages)}
    for element in elements(tree_of(pdf)):
        for kid in element.get("/K", []):
            if isinstance(kid, int):
                in_tree[page_of[element.Pg.objgen]].add(int(kid))
    for index, marks in marked_content(pdf).items():
        mcids = {m for tag, m in marks if m is not None}
        for tag, mcid in marks:
            assert mcid is not None or tag == "/Artifact", (index, tag)
        assert mcids == in_tree[index], index
        for mcid in mcids:
            element = parents[index][mcid]
            assert isinstance(element, pikepdf.Dictionary) and element.objgen in reached, (index, mcid)


def test_the_page_numbers_are_artifacts(example):
    """Every page but the cover prints its number in a margin box: text marked as an artifact."""
    pdf, _html = example
    for index in range(1, len(pdf.pages)):
        assert artifact_texts(pdf, index) >= 1, index


def test_one_sect_per_section_and_one_table_per_table(example):
    pdf, html = example
    kinds = Counter(str(e.S) for e in elements(tree_of(pdf)))
    assert kinds["/Sect"] == len(re.findall(r"<section\b", html))
    assert kinds["/Table"] == len(re.findall(r"<table\b", html))
    # a table's body is one TBody per <tbody> of its HTML (a row group kept together is one), never one a page
    bodies = [table.count("<tbody") for table in re.findall(r"<table\b.*?</table>", html, re.S)]
    tagged = []
    for table in (e for e in elements(tree_of(pdf)) if e.S == "/Table"):
        parts = [str(k.S) for k in table.K]
        assert parts.count("/THead") <= 1, parts
        tagged.append(parts.count("/TBody"))
        assert all(str(k.S) in ("/THead", "/TBody", "/TFoot", "/Caption") for k in table.K), parts
    assert len(tagged) == len(bodies) and all(t <= b for t, b in zip(tagged, bodies, strict=True)), (tagged, bodies)
    for body in (e for e in elements(tree_of(pdf)) if e.S == "/TBody"):
        assert all(str(k.S) == "/TR" for k in body.K)


def test_a_split_tables_repeated_header_is_an_artifact_and_its_cells_name_the_first_header(example):
    pdf, _html = example
    ids = set(pikepdf.NameTree(pdf.Root.StructTreeRoot.IDTree).keys())
    cells = [e for e in elements(tree_of(pdf)) if e.S in ("/TH", "/TD")]
    assert any(len(c.A.get("/Headers", [])) for c in cells)
    for cell in cells:
        for header in cell.A.get("/Headers", []):
            assert str(header) in ids
    # a table over several pages: its rows are on several pages, its header on the first one only
    split = [
        t
        for t in elements(tree_of(pdf))
        if t.S == "/Table" and len({r.Pg.objgen for r in elements(t) if r.S == "/TR"}) > 1
    ]
    assert split
    for table in split:
        head = [k for k in table.K if k.S == "/THead"]
        if head:
            assert len({r.Pg.objgen for r in elements(head[0]) if r.S == "/TR"}) == 1


def test_every_header_cell_has_a_scope(example):
    pdf, _html = example
    headers = [e for e in elements(tree_of(pdf)) if e.S == "/TH"]
    assert headers
    for th in headers:
        assert str(th.A.Scope) in ("/Column", "/Row")
    inside_head = [th for th in headers if th.P.P.S == "/THead"]
    assert all(str(th.A.Scope) == "/Column" for th in inside_head)


def test_pdf_ua_1_declares_its_part_and_its_header_cells_have_scope(tmp_path: Path):
    target = tmp_path / "ua.pdf"
    html = (
        '<html lang="zh-CN"><head><title>t</title></head><body><section><h1>标题</h1>'
        "<table><thead><tr><th>名称</th><th>金额</th></tr></thead><tbody>"
        '<tr><th scope="row">合计</th><td>1.00</td></tr></tbody></table></section></body></html>'
    )
    pdfmod.write_pdf(html, target, variant="pdf/ua-1")
    with pikepdf.open(target) as pdf:
        meta = pdf.Root.Metadata.read_bytes()
        assert b'pdfuaid:part="1"' in meta or b"<pdfuaid:part>1<" in meta
        scopes = [str(e.A.Scope) for e in elements(tree_of(pdf)) if e.S == "/TH"]
        assert scopes == ["/Column", "/Column", "/Row"]


def test_sections_over_pages_become_one_element_each_in_a_small_document(tmp_path: Path):
    """Direct: a section of three pages and a table of two, with a repeated header."""
    rows = "".join(f"<tr><td>{i}</td><td>{i}.00</td></tr>" for i in range(120))
    html = (
        '<html lang="zh-CN"><head><title>t</title></head><body>'
        f'<section id="a"><h1>一</h1>{"<p>正文。</p>" * 90}</section>'
        "<section><h1>二</h1><table><thead><tr><th>名称</th><th>金额</th></tr></thead>"
        f"<tbody>{rows}</tbody></table></section></body></html>"
    )
    target = tmp_path / "s.pdf"
    pages = pdfmod.write_pdf(html, target)
    assert pages >= 4
    with pikepdf.open(target) as pdf:
        top = [str(k.S) for k in tree_of(pdf).K]
        assert top == ["/Sect", "/Sect"]
        tables = [e for e in elements(tree_of(pdf)) if e.S == "/Table"]
        assert len(tables) == 1
        assert [str(k.S) for k in tables[0].K] == ["/THead", "/TBody"]
        assert sum(1 for e in elements(tables[0]) if e.S == "/TR") == 121


def test_ids_are_given_to_sections_and_tables_without_one():
    marked, kinds = pdftags.with_piece_ids('<section id="x"><table class="g"></table></section><section>')
    assert marked == (
        f'<section id="x"><table id="{pdftags.PIECE_PREFIX}1" class="g"></table></section>'
        f'<section id="{pdftags.PIECE_PREFIX}2">'
    )
    assert kinds == {"x": "/Sect", f"{pdftags.PIECE_PREFIX}1": "/Table", f"{pdftags.PIECE_PREFIX}2": "/Sect"}


def test_pdf_a_1b_is_withdrawn_with_a_chinese_usage_message(tmp_path: Path):
    result = CliRunner().invoke(
        main, ["render", str(EXAMPLE), "-o", str(tmp_path), "--format", "pdf", "--pdf-variant", "pdf/a-1b"]
    )
    assert result.exit_code == 2
    assert "PDF/A-1b 已停用" in result.output and "pdf/a-2b" in result.output
    assert "Traceback" not in result.output
    assert not list(tmp_path.glob("*.pdf"))
    with pytest.raises(ValueError, match="pdf/a-2b"):
        pdfmod.write_pdf("<html><body><p>x</p></body></html>", tmp_path / "x.pdf", variant="pdf/a-1b")


def test_pdf_a_2b_stays_as_it_was_and_is_tagged(tmp_path: Path):
    target = tmp_path / "a2b.pdf"
    html = '<html lang="zh-CN"><head><title>t</title></head><body><p>正文</p></body></html>'
    pdfmod.write_pdf(html, target, variant="pdf/a-2b")
    with pikepdf.open(target) as pdf:
        meta = pdf.Root.Metadata.read_bytes()
        assert b"pdfaid:part" in meta and b"pdfaid:conformance" in meta
        assert pdf.pdf_version == "1.7"
        assert "/OutputIntents" in pdf.Root
        assert "/StructTreeRoot" in pdf.Root
