"""The DOCX as a word processor shows it: its 目录 as stored, and as LibreOffice rebuilds it, against the PDF's.

Word and WPS are not available here; LibreOffice is. It does not update a 目录 on loading (it ignores
w:updateFields), so the test asks it to, with a four-line Basic routine in a LibreOffice profile of
the test's own (documents' indexes ``update()``, then export): the same rebuild Word does when it
asks "update the fields?" on opening, from the same TOC field and TC entries.
"""

from __future__ import annotations

import pathlib
import re
import shutil
import subprocess

import docx
import pytest
from docx.oxml.ns import qn
from support import EXAMPLE, tool

from generator.jobs import pipeline

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
# An entry's end: its page number after the leader (or, where the text leaves the leader no room, a space).
LEADER = re.compile(r"(?:\s*[.…·]{3,}\s*|\s+)(\d+)\s*$")


def _pdf_pages(pdf: pathlib.Path) -> list[str]:
    text = subprocess.run(
        [tool("pdftotext"), "-layout", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout
    return text.split("\f")


def _toc_entries(page: str) -> list[tuple[str, int]]:
    """(text, page number) of each entry of a printed 目录 page; a wrapped entry joined again."""
    entries: list[tuple[str, int]] = []
    pending = ""
    for line in page.splitlines():
        line = line.strip()
        if not line or re.fullmatch(r"目\s*录", line) or re.fullmatch(r"—\s*\d+\s*—", line):
            continue
        match = LEADER.search(line)
        if match is None:
            pending += line
            continue
        text = pending + line[: match.start()]
        entries.append((re.sub(r"\s+", "", text), int(match.group(1))))
        pending = ""
    return entries


@pytest.fixture(scope="module")
def rendered(tmp_path_factory: pytest.TempPathFactory) -> tuple[pathlib.Path, pathlib.Path]:
    out = tmp_path_factory.mktemp("word")
    _prepared, written = pipeline.render(EXAMPLE, out, ("pdf", "docx"))
    pdf, docx_path = written
    return pdf, docx_path


@pytest.fixture(scope="module")
def pdf_toc(rendered: tuple[pathlib.Path, pathlib.Path]) -> list[tuple[str, int]]:
    pages = _pdf_pages(rendered[0])
    toc = next(p for p in pages if re.search(r"^\s*目\s*录\s*$", p, re.M))
    entries = _toc_entries(toc)
    assert len(entries) == 7 + 14  # three parts and the 附件 with their sections and tables
    return entries


def test_stored_toc_is_the_pdfs(rendered: tuple[pathlib.Path, pathlib.Path], pdf_toc: list[tuple[str, int]]) -> None:
    """Opened without updating, the 目录 has the PDF's entries and page numbers, each after a dot leader."""
    document = docx.Document(str(rendered[1]))
    text_width = document.sections[0].page_width - document.sections[0].left_margin - document.sections[0].right_margin
    stored = []
    for p in document.paragraphs:
        if p.style is None or p.style.style_id not in ("TOC1", "TOC2"):
            continue
        text, tab, number = p.text.replace("\n", "").rpartition("\t")
        assert tab == "\t", p.text
        stored.append((re.sub(r"\s+", "", text), int(number)))
        stops = p._p.findall(f"{W}pPr/{W}tabs/{W}tab")
        assert [(t.get(qn("w:val")), t.get(qn("w:leader"))) for t in stops] == [("right", "dot")]
        assert int(stops[0].get(qn("w:pos"))) * 635 == text_width  # twips → EMU: flush with the right margin
    assert stored == pdf_toc


def _lo_profile(base: pathlib.Path) -> pathlib.Path:
    """A LibreOffice profile holding the routine that updates a document's indexes and exports it."""
    profile = base / "lo-profile"
    soffice = tool("soffice")
    subprocess.run(
        [soffice, f"-env:UserInstallation={profile.as_uri()}", "--headless", "--terminate_after_init"],
        capture_output=True,
        timeout=180,
        check=False,
    )
    module = profile / "user" / "basic" / "Standard" / "Module1.xba"
    assert module.parent.is_dir(), "LibreOffice made no profile"
    module.write_text(
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<!DOCTYPE script:module PUBLIC "-//OpenOffice.org//DTD OfficeDocument 1.0//EN" "module.dtd">\n'
        '<script:module xmlns:script="http://openoffice.org/2000/script" script:name="Module1"'
        ' script:language="StarBasic">\n'
        "Sub UpdateIndexes(sIn As String, sOut As String)\n"
        "  Dim aLoad(0) As New com.sun.star.beans.PropertyValue\n"
        "  aLoad(0).Name = &quot;Hidden&quot;\n"
        "  aLoad(0).Value = True\n"
        "  oDoc = StarDesktop.loadComponentFromURL(ConvertToURL(sIn), &quot;_blank&quot;, 0, aLoad())\n"
        "  oIdx = oDoc.getDocumentIndexes()\n"
        "  For i = 0 To oIdx.getCount() - 1\n"
        "    oIdx.getByIndex(i).update()\n"
        "  Next i\n"
        "  Dim aSave(0) As New com.sun.star.beans.PropertyValue\n"
        "  aSave(0).Name = &quot;FilterName&quot;\n"
        "  aSave(0).Value = &quot;writer_pdf_Export&quot;\n"
        "  oDoc.storeToURL(ConvertToURL(sOut), aSave())\n"
        "  oDoc.close(True)\n"
        "End Sub\n"
        "</script:module>\n",
        encoding="utf-8",
    )
    return profile


@pytest.fixture(scope="module")
def updated_pdf(rendered: tuple[pathlib.Path, pathlib.Path], tmp_path_factory: pytest.TempPathFactory) -> pathlib.Path:
    """The DOCX as LibreOffice prints it after rebuilding its 目录."""
    base = tmp_path_factory.mktemp("lo")
    profile = _lo_profile(base)
    source = base / "in.docx"  # a plain name: the routine's arguments are a Basic string
    shutil.copyfile(rendered[1], source)
    out = base / "updated.pdf"
    call = f'macro:///Standard.Module1.UpdateIndexes("{source}","{out}")'
    subprocess.run(
        [tool("soffice"), f"-env:UserInstallation={profile.as_uri()}", "--headless", call],
        capture_output=True,
        timeout=300,
        check=False,
    )
    assert out.is_file(), "LibreOffice wrote no PDF"
    return out


def test_toc_updated_by_libreoffice_is_the_pdfs(updated_pdf: pathlib.Path, pdf_toc: list[tuple[str, int]]) -> None:
    """Rebuilt from the field (TOC \\f \\l "1-2" and the TC entries), the 目录 has exactly the PDF's entries:
    the fourteen tables included, no 第二部分 section, the parts worded as the PDF words them."""
    pages = _pdf_pages(updated_pdf)
    toc = next(i for i, p in enumerate(pages) if re.search(r"^\s*目\s*录\s*$", p, re.M))
    entries = _toc_entries(pages[toc])
    assert [text for text, _ in entries] == [text for text, _ in pdf_toc]
    assert toc == 1 and not _toc_entries(pages[toc + 1])  # one page, the second, as in the PDF
    # Its numbers are LibreOffice's own pages: a table's is where its title is printed (the last page
    # naming it: the narrative names some tables before).
    annex = next(i for i, (text, _) in enumerate(entries) if text.startswith("附件"))
    agree = 0
    for (text, number), (_, pdf_number) in zip(entries[annex + 1 :], pdf_toc[annex + 1 :], strict=True):
        title = text.split("、", 1)[1]
        landed = max(i + 1 for i, p in enumerate(pages) if i > toc and title in re.sub(r"\s+", "", p))
        assert number == landed, text
        agree += landed == pdf_number  # where LibreOffice paginates as the PDF does, the numbers agree
    print(f"LibreOffice puts {agree} of {len(entries) - annex - 1} tables on the PDF's page")


def test_cover_unnumbered_and_toc_on_page_2_in_libreoffice(updated_pdf: pathlib.Path) -> None:
    pages = _pdf_pages(updated_pdf)
    assert not re.search(r"—\s*\d+\s*—", pages[0])  # the cover prints no number
    assert re.search(r"—\s*2\s*—", pages[1]) and re.search(r"—\s*3\s*—", pages[2])


def _stored_numbers(path: pathlib.Path) -> list[str]:
    document = docx.Document(str(path))
    return [p.text.rpartition("\t")[2] for p in document.paragraphs if p.style and p.style.style_id in ("TOC1", "TOC2")]


def test_docx_alone_leaves_the_numbers_to_the_update(tmp_path: pathlib.Path) -> None:
    """Without a PDF there are no pages to copy: the entries keep their leader tab and no number."""
    _prepared, (written,) = pipeline.render(EXAMPLE, tmp_path, ("docx",))
    assert _stored_numbers(written) == [""] * 21


def test_pdf_written_in_process_gives_its_pages_too(tmp_path: pathlib.Path, pdf_toc: list[tuple[str, int]]) -> None:
    """Where the PDF cannot be forked (parallel=False), it is written first, whatever the order asked."""
    _prepared, written = pipeline.render(EXAMPLE, tmp_path, ("docx", "pdf"), parallel=False)
    assert [p.suffix for p in written] == [".docx", ".pdf"]
    assert _stored_numbers(written[0]) == [str(n) for _, n in pdf_toc]
