"""The PDF laid out in two processes and joined is the PDF laid out in one, page for page."""

from __future__ import annotations

import re
import shutil
import subprocess
import xml.etree.ElementTree as ET
from pathlib import Path

import pikepdf
import pytest

from generator.render import parallel, pdf

pytestmark = pytest.mark.skipif(shutil.which("pdftotext") is None, reason="poppler-utils not installed")


def _summary(path: Path) -> dict[str, object]:
    """What a reader sees of a PDF besides its text: page boxes, destinations, bookmarks, links, metadata."""
    with pikepdf.open(path) as document:
        index = {page.obj.objgen: i for i, page in enumerate(document.pages)}

        def where(destination: pikepdf.Object) -> tuple:
            return (index[destination[0].objgen], *(round(float(v), 2) for v in list(destination)[2:4]))

        flat = list(document.Root.Names.Dests.Names)
        names = {str(n): where(d) for n, d in zip(flat[0::2], flat[1::2], strict=True)}
        outline: list[tuple] = []
        with document.open_outline() as tree:

            def walk(items: list, level: int) -> None:
                for item in items:
                    outline.append((level, item.title, where(item.destination), item.is_closed))
                    walk(item.children, level + 1)

            walk(tree.root, 0)
        links = [
            (i, [round(float(v), 2) for v in annotation.Rect], names[str(annotation.Dest)])
            for i, page in enumerate(document.pages)
            for annotation in page.get("/Annots", [])
        ]
        return {
            "boxes": [[round(float(v), 2) for v in page.mediabox] for page in document.pages],
            "names": names,
            "outline": outline,
            "links": links,
            "info": {str(k): str(v) for k, v in document.docinfo.items()},
        }


def _pages_text(path: Path) -> list[str]:
    text = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, check=True, text=True).stdout
    return text.split("\f")


SECOND = Path(__file__).resolve().parents[1] / "inputs" / "柳溪县卫生健康局2025.xlsx"


@pytest.fixture(scope="module", params=["example", "second"])
def both(request, example_html, tmp_path_factory) -> tuple[Path, Path]:
    """The one-process and the two-process PDF of an example (the seed's, then the three-unit one)."""
    if request.param == "example":
        html = example_html
    else:
        from generator import pipeline

        html = pipeline.prepare(SECOND).html
    folder = tmp_path_factory.mktemp("parallel")
    one, two = folder / "one.pdf", folder / "two.pdf"
    pdf.write_pdf(html, one)
    assert parallel.write_pdf_parallel(html, two)
    return one, two


def test_joined_pdf_reads_as_the_one_process_pdf(both):
    one, two = both
    expected, joined = _summary(one), _summary(two)
    assert len(expected["boxes"]) > 30 and len(expected["links"]) > 20 and len(expected["outline"]) > 20
    for key in expected:
        assert joined[key] == expected[key], key


def test_joined_pdf_has_the_same_text_on_every_page(both):
    one, two = both
    expected = _pages_text(one)
    assert _pages_text(two) == expected
    last = len(expected) - 1  # pdftotext ends every page with a form feed
    assert re.search(r"—\s*2\s*—", expected[1]) and re.search(rf"—\s*{last}\s*—", expected[last - 1])
    assert "—" not in expected[0]


def _font_files(path: Path) -> dict[str, set[tuple[int, int]]]:
    """The embedded font files of a PDF, by font name."""
    found: dict[str, set[tuple[int, int]]] = {}
    with pikepdf.open(path) as document:
        for page in document.pages:
            fonts = page.obj.Resources.get("/Font", {})
            for name in fonts.keys():
                for font in fonts[name].get("/DescendantFonts", []):
                    descriptor = font.FontDescriptor
                    for key in ("/FontFile", "/FontFile2", "/FontFile3"):
                        if key in descriptor:
                            found.setdefault(str(fonts[name].BaseFont), set()).add(descriptor[key].objgen)
    return found


def test_joined_pdf_embeds_each_font_once(both):
    """The two processes subset every font alike, so the joined PDF carries one file per font."""
    one, two = both
    fonts = subprocess.run(["pdffonts", str(two)], capture_output=True, check=True, text=True).stdout
    rows = fonts.splitlines()[2:]
    assert rows and all(" yes yes " in row for row in rows), fonts
    files = _font_files(two)
    assert files.keys() == _font_files(one).keys()
    assert all(len(objects) == 1 for objects in files.values()), files
    assert two.stat().st_size < one.stat().st_size * 1.1


def test_same_html_gives_the_same_bytes(example_html, tmp_path):
    first, again = tmp_path / "first.pdf", tmp_path / "again.pdf"
    assert parallel.write_pdf_parallel(example_html, first)
    assert parallel.write_pdf_parallel(example_html, again)
    assert again.read_bytes() == first.read_bytes()


def _shapes() -> list[str]:
    section = '<section class="part"><h1 id="a">甲</h1><p>正文</p></section>'
    toc = '<section class="part toc-page"><nav class="toc"><ol><li><a href="#a">甲</a></li></ol></nav></section>'
    cover = '<section class="cover"><h1 class="doc-title">标题</h1></section>'
    page = "<!DOCTYPE html><html><head><title>t</title></head><body>{}</body></html>"
    return [
        page.format(section * 3),  # no cover, no 目录
        page.format(cover + section * 3),  # no 目录
        page.format(cover + toc + section),  # nothing to share out
        page.format(cover + toc + section + "<div>散落的内容</div>" + section),  # not a section
        page.format(cover + toc + section + '<section class="note">不另起一页</section>' + section),
        page.format(cover + toc + toc + section * 3),  # two 目录
        page.format(cover + toc + section + '<section class="part" style="break-after: page">乙</section>' + section),
        page.format(cover + toc + section * 3).replace("</head>", "<style>@page { margin: 0 }</style></head>"),
    ]


@pytest.mark.parametrize("html", _shapes())
def test_documents_of_another_shape_are_not_cut(html, tmp_path):
    assert parallel.split(pdf.parse_html(html)) is None
    assert not parallel.write_pdf_parallel(html, tmp_path / "x.pdf")
    assert not (tmp_path / "x.pdf").exists()


def test_a_toc_that_grows_with_its_numbers_gives_up(example_html, tmp_path, monkeypatch):
    """Placeholders far wider than the numbers make the 目录 longer: the attempt is given up, nothing written."""
    monkeypatch.setattr(parallel, "_PLACEHOLDER", "0" * 120)
    target = tmp_path / "x.pdf"
    assert not parallel.write_pdf_parallel(example_html, target)
    assert not target.exists()


def test_a_failing_second_process_gives_up(example_html, tmp_path, monkeypatch):
    def fail(*_args):
        raise RuntimeError("布局失败")

    monkeypatch.setattr(parallel, "_second_process", fail)
    target = tmp_path / "x.pdf"
    assert not parallel.write_pdf_parallel(example_html, target)
    assert not target.exists()


def test_write_pdf_falls_back_to_one_process(example_html, tmp_path, monkeypatch):
    """write_pdf(parallel=True) writes the one-process PDF when the parallel one gives up."""
    monkeypatch.setattr(parallel, "write_pdf_parallel", lambda html, target: False)
    target = tmp_path / "x.pdf"
    pdf.write_pdf(example_html, target, parallel=True)
    assert len(_pages_text(target)) >= 38


def test_cut_keeps_every_section_once(example_html):
    root = pdf.parse_html(example_html)
    parts = parallel.split(root)
    assert parts is not None
    sections = [ET.tostring(s) for s in root[1]]
    cut = [s for part in (parts.head, parts.first, parts.second) for s in part[1]]
    # the head's 目录 carries stand-in anchors and placeholder numbers; the rest is the document's own
    assert len(cut) == len(sections)
    assert [ET.tostring(s) for s in cut[2:]] == sections[2:]
    assert all(len(part[1]) for part in (parts.first, parts.second))


def test_joined_pdf_looks_the_same(both, tmp_path):
    """Every page, rasterised, is the same picture as the one-process PDF's."""
    from PIL import Image, ImageChops

    for name, path in zip(("one", "two"), both, strict=True):
        subprocess.run(["pdftoppm", "-png", "-r", "30", str(path), str(tmp_path / name)], check=True)
    ones = sorted(tmp_path.glob("one-*.png"))
    assert len(ones) > 30
    for one in ones:
        a = Image.open(one).convert("L")
        b = Image.open(tmp_path / one.name.replace("one-", "two-")).convert("L")
        assert a.size == b.size and ImageChops.difference(a, b).getbbox() is None, one.name
