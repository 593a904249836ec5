"""Lay out one document HTML as PDF in two processes at once, and join the parts into one PDF file.

WeasyPrint lays a document out in one thread, and that is most of a render (1.9 s of 2.6 s for
the example). Every top-level <section> of our documents starts a page, so the document can be
cut between sections and the parts laid out side by side. What ties the parts together is page
numbers: a footer counts from the cover, and the 目录 gives the page of every heading. So:

1. The parts are cut: the head (cover and 目录), the first half of the rest (laid out here)
   and the second half (in a forked process), balanced by their number of elements.
2. The forked process paginates the 目录 with placeholder numbers (the pages it takes), then
   its half; this process paginates the first half meanwhile.
3. Each half reports its page count and the page of each anchor, then waits for its offset (the
   pages before it) and only then makes its footers: the page number shifted by the offset, the
   page selectors (:first, :left, :right) matched by its place in the whole.
4. The 目录 is laid out with the numbers written in; if it then takes another number of pages
   than with its placeholders, the attempt is given up.
5. Head and first half are written as one PDF, the second half as another. Before embedding
   their fonts the two processes trade the glyphs they drew, so both subset every font alike.
6. pikepdf joins the two PDFs: pages, one copy of each font file, the named destinations the
   目录's links point to, and the bookmark tree WeasyPrint itself makes of the whole.

The hooks are two functions of WeasyPrint 70 replaced at import (make_margin_boxes and
build_fonts_dictionary) and Font.clean; each does what it did unless a part is being written.

``write_pdf_parallel`` returns False, having written nothing, when the document cannot be cut
so (not our templates' shape, a bureau's own stylesheet, a PDF/A variant, no fork) or when any
step fails; the caller then lays it out in one process as before. tests/test_parallel_pdf.py
compares the joined PDF with the one-process PDF page by page.
"""

from __future__ import annotations

import copy
import hashlib
import multiprocessing.connection
import os
import pathlib
import re
import signal
import tempfile
import traceback
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any
from xml.etree.ElementTree import Element

import pikepdf
import weasyprint
import weasyprint.layout
import weasyprint.pdf
import weasyprint.pdf.fonts
from weasyprint.anchors import make_page_bookmark_tree
from weasyprint.layout.page import set_page_type_computed_styles
from weasyprint.matrix import Matrix

from ..gcpause import gc_paused
from . import pdf

# Anchors and their 0-based page in a part: {name: page}
Anchors = dict[str, int]
# A part's pages as the bookmark tree needs them: (height, [(level, label, (x, y), state), …])
Pages = list[tuple[float, list[tuple]]]

_PLACEHOLDER = "00"
_PAGED = re.compile(r"counter|page|break|string-set|running|float|position", re.IGNORECASE)
_TOC_NUMBERS = 'nav.toc a::after { content: leader(".") attr(data-page); }'


@dataclass
class _Parts:
    """The document cut into its head (cover and 目录) and two halves, as element trees."""

    head: Element
    first: Element
    second: Element
    toc_links: list[Element]  # the 目录's <a href="#…">, in ``head``
    lean: bool = True  # the lean user-agent stylesheet serves (pdf.lean_user_agent)


def split(root: Element) -> _Parts | None:
    """The parts of a document tree, or None where its shape is not the templates' one."""
    if root.tag != "html" or len(root) != 2:
        return None
    body = root[1]
    sections = list(body)
    if (
        (body.text or "").strip()
        or not sections
        or any(s.tag != "section" or (s.tail or "").strip() for s in sections)
        or sections[0].get("class") != "cover"
        # every section but the cover starts a page of its own in the built-in stylesheet
        or any(not ({"part", "landscape"} & set((s.get("class") or "").split())) for s in sections[1:])
    ):
        return None
    if (
        root[0].find(".//style") is not None
        or root[0].find(".//link") is not None
        or any(_PAGED.search(e.get("style", "")) for e in body.iter())
    ):
        return None  # a stylesheet of the document's own, or styles that number or break pages
    tocs = [i for i, s in enumerate(sections) if s.find(".//nav[@class='toc']") is not None]
    if len(tocs) != 1:
        return None
    rest = sections[tocs[0] + 1 :]
    if len(rest) < 2:
        return None
    weights = [sum(1 for _ in s.iter()) for s in rest]
    # This process also lays out and writes the 目录 and joins the PDFs: give it a little less.
    half, total, cut = sum(weights) * 0.46, 0, 1
    for i, weight in enumerate(weights):
        total += weight
        if total >= half:
            cut = max(1, min(i + 1, len(rest) - 1))
            break
    head_sections = [copy.deepcopy(s) for s in sections[: tocs[0] + 1]]
    toc_links = [
        (parent, link)
        for section in head_sections
        for parent in section.iter()
        for link in parent
        if link.tag == "a" and link.get("href", "").startswith("#")
    ]
    # the anchors of the parts written together in this process: the head and the first half
    ids = {e.get("id") for s in head_sections + rest[:cut] for e in s.iter() if e.get("id")}
    for parent, link in toc_links:
        link.set("data-page", _PLACEHOLDER)  # until the pages are known
        target = link.get("href", "")[1:]
        if target and target not in ids:
            # WeasyPrint drops a link whose anchor is not in its document: an empty stand-in after
            # the link keeps it (the second half's named destination replaces the stand-in's in
            # the joined PDF).
            stub = Element("span", {"id": target})
            stub.tail, link.tail = link.tail, None
            parent.insert(list(parent).index(link) + 1, stub)
            ids.add(target)
    return _Parts(
        _document(root, head_sections),
        _document(root, rest[:cut]),
        _document(root, rest[cut:]),
        [link for _parent, link in toc_links],
    )


def _document(root: Element, sections: list[Element]) -> Element:
    """A document with ``root``'s <head> and these sections as its body."""
    head, body = root
    html = Element(root.tag, root.attrib)
    html.text = root.text
    html.append(head)
    part = Element(body.tag, body.attrib)
    part.text = body.text
    part.tail = body.tail
    part.extend(sections)
    html.append(part)
    return html


class _Numbering:
    """Footers of a part numbered in the whole: set while the part is laid out.

    WeasyPrint paginates first and makes the margin boxes after (layout_document); the first
    margin box reports the part's pages and anchors and gets back the part's offset.
    """

    def __init__(self, html: weasyprint.HTML, paginated: Callable[[int, Anchors], int]):
        self.html = html
        self.paginated = paginated
        self.offset: int | None = None

    def margin_boxes(self, context: Any, page: Any, state: tuple) -> Any:
        if self.offset is None:
            anchors: Anchors = {}
            for index, entry in enumerate(context.page_maker):
                for name in entry[-1]["anchors"]:
                    anchors.setdefault(name, index)
            self.offset = self.paginated(len(context.page_maker) - 1, anchors)
        number = context.current_page + self.offset  # 1-based, in the whole document
        # The page's place in the whole for the page selectors: :first, and :left or :right (the
        # first page is a right-hand one). In the built-in stylesheet they choose footers only.
        side = "right" if number % 2 else "left"
        if (page.page_type.side, page.page_type.index) != (side, number - 1):
            page.page_type = page.page_type._replace(side=side, index=number - 1)
            set_page_type_computed_styles(page.page_type, self.html, context.style_for)
        quote_depth, counters, scopes, groups = state
        counters = dict(counters)
        counters["page"] = [*counters["page"][:-1], counters["page"][-1] + self.offset]
        return _MAKE_MARGIN_BOXES(context, page, (quote_depth, counters, scopes, groups))


_MAKE_MARGIN_BOXES = weasyprint.layout.make_margin_boxes
_NUMBERING: _Numbering | None = None


def _make_margin_boxes(context: Any, page: Any, state: tuple) -> Any:
    if _NUMBERING is None:
        return _MAKE_MARGIN_BOXES(context, page, state)
    return _NUMBERING.margin_boxes(context, page, state)


weasyprint.layout.make_margin_boxes = _make_margin_boxes  # layout_document looks it up at each page


# Each PDF embeds its own subset of every font it uses: the joined PDF would carry the common
# glyphs twice (the example's grew from 0.8 to 1.75 MB). So the two processes trade the glyphs
# they drew before embedding their fonts, and each subsets every font to the glyphs of both:
# equal subsets are equal bytes, and the join keeps one copy. Glyphs: {font hash: {glyph id:
# text}}, as WeasyPrint's Font.to_unicode.
Glyphs = dict[str, dict[int, str]]
_BUILD_FONTS = weasyprint.pdf.build_fonts_dictionary
_CLEAN = weasyprint.pdf.fonts.Font.clean
_TRADE: Callable[[Glyphs], Glyphs] | None = None  # set while a part is written
_SHARED: Glyphs = {}  # the glyphs each font is subset to, besides the part's own (while written)


def _build_fonts_dictionary(pdf_: Any, fonts: dict, *args: Any, **kwargs: Any) -> Any:
    if _TRADE is not None:
        own: Glyphs = {}
        for font in fonts.values():
            own.setdefault(font.hash, {}).update(font.to_unicode)
        for glyphs in (own, _TRADE(own)):
            for key, part in glyphs.items():
                _SHARED.setdefault(key, {}).update(part)
    return _BUILD_FONTS(pdf_, fonts, *args, **kwargs)


def _clean(self: Any, to_unicode: dict, hinting: bool) -> Any:
    if to_unicode and self.hash in _SHARED:  # an empty map means "not subset": left so
        to_unicode = {**_SHARED[self.hash], **to_unicode}
    return _CLEAN(self, to_unicode, hinting)


weasyprint.pdf.build_fonts_dictionary = _build_fonts_dictionary  # generate_pdf looks it up
weasyprint.pdf.fonts.Font.clean = _clean  # type: ignore[method-assign]


def _write_part(
    document: weasyprint.document.Document, target: pathlib.Path, trade: Callable[[Glyphs], Glyphs]
) -> None:
    """Write a part's PDF, its fonts subset to the glyphs it and the other process drew (``trade``)."""
    global _TRADE
    _TRADE = trade
    _SHARED.clear()
    try:
        document.write_pdf(target)
    finally:
        _TRADE = None
        _SHARED.clear()


def _lay_out(
    root: Element, lean: bool, extra_css: str = "", paginated: Callable[[int, Anchors], int] | None = None
) -> weasyprint.document.Document:
    """Lay out one part; with ``paginated``, its footers are numbered in the whole."""
    global _NUMBERING
    html = pdf.parsed_document(root, lean=lean)
    if paginated is not None:
        _NUMBERING = _Numbering(html, paginated)
    try:
        return pdf.render_parsed(html, extra_css)
    finally:
        _NUMBERING = None


class _Failed(Exception):
    """The parallel layout was given up; the document is laid out in one process instead."""


def write_pdf_parallel(html: str, target: pathlib.Path) -> bool:
    """Write the document as a PDF laid out in two processes; False (nothing written) if it cannot be."""
    return write_parsed_parallel(pdf.parse_html(html), target, lean=pdf.lean_user_agent(html))


def write_parsed_parallel(root: Element, target: pathlib.Path, *, lean: bool) -> bool:
    """``write_pdf_parallel`` for a tree parsed by ``pdf.parse_html`` (which it leaves as it is)."""
    parts = split(root)
    if parts is None:
        return False
    parts.lean = lean
    with gc_paused(), tempfile.TemporaryDirectory(prefix="budget-report-pdf-") as folder:
        try:
            _write(parts, pathlib.Path(folder), target)
        except _Failed:
            return False
    return True


def _write(parts: _Parts, folder: pathlib.Path, target: pathlib.Path) -> None:
    second_pdf = folder / "second.pdf"
    conn, child_conn = multiprocessing.Pipe()
    pid = os.fork()
    if pid == 0:  # the second process
        conn.close()
        code = 1
        try:
            _second_process(parts, second_pdf, child_conn)
            code = 0
        except BaseException:
            try:
                child_conn.send(("failed", traceback.format_exc()))
            except Exception:
                pass
        finally:
            os._exit(code)
    child_conn.close()
    try:
        _first_process(parts, folder, target, conn, second_pdf)
    finally:
        conn.close()
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        os.waitpid(pid, 0)


def _second_process(parts: _Parts, target: pathlib.Path, conn: multiprocessing.connection.Connection) -> None:
    """Measure the 目录 (its numbers still placeholders), then lay out and write the second half."""
    conn.send(("head", len(_lay_out(parts.head, parts.lean, _TOC_NUMBERS).pages)))

    def paginated(pages: int, anchors: Anchors) -> int:
        conn.send(("paginated", pages, anchors))
        offset = conn.recv()
        if not isinstance(offset, int):
            raise _Failed("given up")
        return offset

    def trade(own: Glyphs) -> Glyphs:
        conn.send(("glyphs", own))  # this side sends first, the other receives first: no deadlock
        return _receive(conn, "glyphs", "the first process")[1]

    document = _lay_out(parts.second, parts.lean, paginated=paginated)
    _write_part(document, target, trade)
    conn.send(("written", _pages(document)))


def _pages(document: weasyprint.document.Document) -> Pages:
    return [(page.height, list(page.bookmarks)) for page in document.pages]


def _receive(conn: multiprocessing.connection.Connection, kind: str, who: str = "the second process") -> tuple:
    try:
        message = conn.recv()
    except (EOFError, OSError) as exc:
        raise _Failed(f"{who} ended") from exc
    if message[0] != kind:
        raise _Failed(f"{who}: {message}")
    return message


def _first_process(
    parts: _Parts,
    folder: pathlib.Path,
    target: pathlib.Path,
    conn: multiprocessing.connection.Connection,
    second_pdf: pathlib.Path,
) -> None:
    """Lay out the first half, then the 目录 with its numbers, and join the three PDFs."""
    counts: dict[str, int] = {}
    anchors: dict[str, int] = {}  # 1-based page numbers in the whole

    def paginated(pages: int, first_anchors: Anchors) -> int:
        _kind, counts["head"] = _receive(conn, "head")
        counts["first"] = pages
        for name, page in first_anchors.items():
            anchors.setdefault(name, counts["head"] + page + 1)
        return counts["head"]

    first = _lay_out(parts.first, parts.lean, paginated=paginated)
    _kind, second_pages, second_anchors = _receive(conn, "paginated")
    offset = counts["head"] + counts["first"]
    conn.send(offset)
    for name, page in second_anchors.items():
        anchors.setdefault(name, offset + page + 1)
    for link in parts.toc_links:
        number = anchors.get(link.get("href", "")[1:])
        if number is None:
            raise _Failed(f"no anchor for {link.get('href')}")
        link.set("data-page", str(number))
    head = _lay_out(parts.head, parts.lean, _TOC_NUMBERS)
    if len(head.pages) != counts["head"]:
        raise _Failed("the 目录 took another number of pages with its numbers written in")

    def trade(own: Glyphs) -> Glyphs:
        theirs = _receive(conn, "glyphs")[1]
        conn.send(("glyphs", own))
        return theirs

    # The head and the first half are written as one PDF (WeasyPrint's way of joining documents
    # laid out in one process): its fonts are embedded once, subset alike with the second half's.
    front = head.copy(head.pages + first.pages)
    _write_part(front, folder / "front.pdf", trade)
    _kind, second = _receive(conn, "written")
    if len(second) != second_pages:
        raise _Failed(f"the second half wrote {len(second)} pages, paginated {second_pages}")
    _join([folder / "front.pdf", second_pdf], _pages(front) + second, target)


def _join(paths: list[pathlib.Path], bookmarks: Pages, target: pathlib.Path) -> None:
    """Join the parts' PDFs into ``target``: pages, named destinations and bookmarks (``bookmarks``: every page's)."""
    parts = [pikepdf.open(p) for p in paths]
    try:
        joined = parts[0]
        # Where each part's pages go in the whole, by the part's page objects
        where: list[dict[tuple[int, int], int]] = []
        start = 0
        for part in parts:
            where.append({page.obj.objgen: start + i for i, page in enumerate(part.pages)})
            start += len(part.pages)
        for part in parts[1:]:
            joined.pages.extend(part.pages)
        _share_font_files(joined)
        pages = [page.obj for page in joined.pages]

        def moved(index: int, destination: pikepdf.Array) -> pikepdf.Array:
            # [page, /XYZ, left, top, zoom] in a part, the same place in the joined pages
            page = where[index].get(destination[0].objgen)
            if page is None:
                raise _Failed("a destination outside its part")
            return pikepdf.Array([pages[page], *list(destination)[1:]])

        # Named destinations: a later part's replace an earlier one's (the 目录's stand-ins)
        names: dict[str, pikepdf.Array] = {}
        for index, part in enumerate(parts):
            if "/Names" not in part.Root or "/Dests" not in part.Root.Names:
                continue
            flat = list(part.Root.Names.Dests.Names)
            for key, destination in zip(flat[0::2], flat[1::2], strict=True):
                names[str(key)] = moved(index, pikepdf.Array(destination))
        # The 目录's links name their targets: they resolve in the joined tree.
        array = pikepdf.Array()
        for anchor in sorted(names):
            array.append(pikepdf.String(anchor))
            array.append(names[anchor])
        joined.Root.Names = pikepdf.Dictionary(Dests=pikepdf.Dictionary(Names=array))
        # Bookmarks: the tree WeasyPrint would make of the whole (levels nest across the parts)
        with joined.open_outline() as outline:
            outline.root[:] = [_outline_item(node, pages) for node in _bookmark_tree(bookmarks)]
        if len(joined.pages) != len(bookmarks):
            raise _Failed(f"joined {len(joined.pages)} pages, laid out {len(bookmarks)}")
        joined.save(target, deterministic_id=True)
    finally:
        for part in parts:
            part.close()


def _share_font_files(joined: pikepdf.Pdf) -> None:
    """Point every font at one copy of each embedded font file (the parts subset them alike)."""
    seen: dict[tuple, pikepdf.Object] = {}
    for page in joined.pages:
        resources = page.obj.get("/Resources")
        if resources is None or "/Font" not in resources:
            continue
        fonts = resources.Font
        for name in list(fonts.keys()):
            for font in [fonts[name], *fonts[name].get("/DescendantFonts", [])]:
                descriptor = font.get("/FontDescriptor")
                if descriptor is None:
                    continue
                for key in ("/FontFile", "/FontFile2", "/FontFile3"):
                    stream = descriptor.get(key)
                    if stream is None:
                        continue
                    extra = tuple(sorted((str(k), str(v)) for k, v in stream.stream_dict.items()))
                    identity = (key, extra, hashlib.sha256(stream.read_raw_bytes()).digest())
                    first = seen.setdefault(identity, stream)
                    if first.objgen != stream.objgen:
                        descriptor[key] = first


def _bookmark_tree(pages: Pages) -> list:
    """WeasyPrint's bookmark tree (Document.make_bookmark_tree, in PDF points) of the whole document."""
    root: list = []
    skipped_levels: list[int] = []
    last_by_depth = [root]
    previous_level = 0
    scale = 0.75  # CSS px to PDF points, as WeasyPrint's write_pdf at zoom 1
    for number, (height, bookmarks) in enumerate(pages):
        page = _BookmarkPage(height, bookmarks)
        matrix = Matrix(a=scale, d=-scale, f=height * scale)
        previous_level = make_page_bookmark_tree(page, skipped_levels, last_by_depth, previous_level, number, matrix)
    return root


@dataclass
class _BookmarkPage:
    height: float
    bookmarks: list[tuple]


def _outline_item(node: tuple, pages: Sequence[pikepdf.Object]) -> pikepdf.OutlineItem:
    label, (number, x, y), children, state = node
    item = pikepdf.OutlineItem(label, pikepdf.Array([pages[number], pikepdf.Name.XYZ, x, y, 0]))
    item.is_closed = state == "closed"
    item.children.extend(_outline_item(child, pages) for child in children)
    return item
