"""Mend the structure tree WeasyPrint writes, where PDF/UA-1 wants what its public API cannot give.

WeasyPrint 70 (``pdf_tags=True``) tags each page on its own: an HTML ``<section>`` or ``<table>``
that runs over three pages becomes three ``Sect`` or ``Table`` elements; the repeated header of a
split table is tagged again as a second ``THead``; header cells carry no ``Scope``; the text of
the @page margin boxes (the page numbers) is marked as a ``Span`` whose element hangs in no tree
(PDF/UA-1 wants page furniture marked as ``Artifact``); the cells' ``Headers`` name IDs that no
``IDTree`` resolves. None of it has an option. This module is the one step after ``write_pdf``
(render/pdf.py calls ``mend`` on the written file) that fixes these, with pikepdf's public API:

- ``pieces``: every ``<section>`` and ``<table>`` of the HTML gets an ``id`` (its own, or one
  made here) before the layout; WeasyPrint lists an element's id among the anchors of every page
  it is on (``Page.anchors``, in box order), so the pieces of one element are known page by page.
  The tree's ``Sect`` and ``Table`` elements of a page, in order, are matched to that list; when
  the two disagree (an unknown template), nothing is merged.
- the pieces of one element become the first one: their children move into it, in order. A
  later piece's ``THead`` (the header WeasyPrint repeats on each page) is page furniture: its
  marked content becomes an ``Artifact`` and its cells' IDs in ``Headers`` point to the first
  piece's header cells.
- marked content whose element is in no tree (margin boxes) becomes a pagination ``Artifact``.
- a ``TBody`` WeasyPrint nests in another (an empty body) gives way to its children.
- each ``TH`` gets ``Scope``: ``Row`` when a data cell of its own row names it, else ``Column``
  (WeasyPrint maps a ``<th scope="row">`` to its row, any other to its column); an ``IDTree``
  lists every element's ``ID``.
"""

from __future__ import annotations

import pathlib
import re
from collections import defaultdict
from collections.abc import Iterable, Iterator
from typing import Any

import pikepdf
from weasyprint.document import Document

PIECE_PREFIX = "pdf-piece-"
_OPENING = re.compile(r"<(section|table)\b([^>]*)>", re.I)
_ID = re.compile(r"""\bid\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>]+))""", re.I)
KINDS = {"section": "/Sect", "table": "/Table"}


def with_piece_ids(html: str) -> tuple[str, dict[str, str]]:
    """The HTML with an ``id`` on every ``<section>`` and ``<table>``, and each such id's tag (/Sect, /Table).

    The document HTML's text is escaped, so "<section" and "<table" begin only elements.
    """
    kinds: dict[str, str] = {}
    count = 0

    def mark(match: re.Match[str]) -> str:
        nonlocal count
        tag, attributes = match[1].lower(), match[2]
        found = _ID.search(attributes)
        if found:
            kinds.setdefault(next(g for g in found.groups() if g is not None), KINDS[tag])
            return match[0]
        count += 1
        name = f"{PIECE_PREFIX}{count}"
        kinds[name] = KINDS[tag]
        return f'<{match[1]} id="{name}"{attributes}>'

    return _OPENING.sub(mark, html), kinds


def pieces(document: Document, kinds: dict[str, str]) -> list[list[str]]:
    """Per page, the ids of the sections and tables it holds a piece of, in box order."""
    return [[name for name in page.anchors if name in kinds] for page in document.pages]


def _elements(node: Any) -> Iterator[pikepdf.Dictionary]:
    """The structure elements under ``node`` (itself first), depth first, in order."""
    if isinstance(node, pikepdf.Dictionary) and "/S" in node:
        yield node
        for kid in node.get("/K", []):
            yield from _elements(kid)


def _kids(node: pikepdf.Object) -> list[Any]:
    return list(node.get("/K", []))


def _same(a: Any, b: Any) -> bool:
    return isinstance(a, pikepdf.Object) and isinstance(b, pikepdf.Object) and a.objgen == b.objgen != (0, 0)


def _marked(element: pikepdf.Dictionary, page_of: dict[tuple[int, int], int]) -> Iterator[tuple[int, int]]:
    """(page, MCID) of the marked content under ``element``."""
    for node in _elements(element):
        page = page_of.get(node.Pg.objgen, -1) if "/Pg" in node else -1
        for kid in node.get("/K", []):
            if isinstance(kid, int):
                yield page, int(kid)


class _Mender:
    def __init__(self, pdf: pikepdf.Pdf) -> None:
        self.pdf = pdf
        self.tree = pdf.Root.StructTreeRoot
        self.document = self.tree.K[0]
        self.page_of = {page.obj.objgen: i for i, page in enumerate(pdf.pages)}
        self.artifacts: dict[int, set[int]] = defaultdict(set)

    def page(self, element: pikepdf.Dictionary) -> int:
        return self.page_of.get(element.Pg.objgen, -1) if "/Pg" in element else -1

    def detach(self, element: pikepdf.Dictionary) -> None:
        parent = element.P
        parent.K = pikepdf.Array([k for k in _kids(parent) if not _same(k, element)])

    def adopt(self, parent: pikepdf.Dictionary, kids: Iterable[Any]) -> None:
        extended = _kids(parent)
        for kid in kids:
            if isinstance(kid, pikepdf.Dictionary) and "/S" in kid:
                kid.P = parent
            extended.append(kid)
        parent.K = pikepdf.Array(extended)

    def merge_pieces(self, on_pages: list[list[str]], kinds: dict[str, str]) -> None:
        found: list[list[pikepdf.Dictionary]] = [[] for _ in on_pages]
        for element in _elements(self.document):
            if element.S in ("/Sect", "/Table") and 0 <= (p := self.page(element)) < len(found):
                found[p].append(element)
        by_name: dict[str, list[pikepdf.Dictionary]] = defaultdict(list)
        for names, elements in zip(on_pages, found, strict=True):
            if [kinds[n] for n in names] != [str(e.S) for e in elements]:
                return  # the layout is not the one these ids describe: leave WeasyPrint's tree
            for name, element in zip(names, elements, strict=True):
                by_name[name].append(element)
        # tables first: a table's later piece sits in its section's later piece
        groups = sorted(by_name.values(), key=lambda g: g[0].S != "/Table")
        for group in groups:
            first = group[0]
            for later in group[1:]:
                if first.S == "/Table":
                    self.repeated_header(first, later)
                self.detach(later)
                kids = _kids(later)
                mine = _kids(first)
                if (
                    first.S == "/Table"
                    and kids
                    and mine
                    and mine[-1].get("/S") == "/TBody"
                    and kids[0].get("/S") == "/TBody"
                ):
                    self.adopt(mine[-1], _kids(kids.pop(0)))  # the rows go on in one body
                self.adopt(first, kids)

    def repeated_header(self, first: pikepdf.Dictionary, later: pikepdf.Dictionary) -> None:
        """The later piece's THead, repeated by the layout, made an artifact; its cells' IDs mapped to the first's."""
        kids, mine = _kids(later), _kids(first)
        if not (kids and mine and kids[0].get("/S") == "/THead" and mine[0].get("/S") == "/THead"):
            return
        head = kids[0]
        for page, mcid in _marked(head, self.page_of):
            self.artifacts[page].add(mcid)
        originals = {str(e.ID) for e in _elements(mine[0]) if "/ID" in e}
        number = next(iter(originals)).split("-", 1)[0] if originals else ""
        renamed = {}  # an ID is "<table's object number>-<row>-<column>": the same cell in the first piece
        for cell in _elements(head):
            if "/ID" in cell and (new := f"{number}-{str(cell.ID).split('-', 1)[-1]}") in originals:
                renamed[str(cell.ID)] = new
        later.K = pikepdf.Array(kids[1:])
        for cell in _elements(later):
            headers = cell.A.get("/Headers") if "/A" in cell else None
            if isinstance(headers, pikepdf.Array):
                cell.A.Headers = pikepdf.Array([pikepdf.String(renamed.get(str(h), str(h))) for h in headers])

    def orphans(self) -> None:
        """Marked content whose element the tree does not reach: the margin boxes' page numbers."""
        reached = {e.objgen for e in _elements(self.document)}
        nums = self.tree.ParentTree.Nums
        for i in range(0, len(nums) - 1, 2):
            key, value = int(nums[i]), nums[i + 1]
            if not isinstance(value, pikepdf.Array) or key >= len(self.pdf.pages):
                continue
            for mcid, element in enumerate(value):
                if isinstance(element, pikepdf.Dictionary) and element.objgen not in reached:
                    self.artifacts[key].add(mcid)

    def lift_nested_groups(self) -> None:
        """A TBody (THead, TFoot) inside one of its kind (WeasyPrint's, for an empty body) gives way to its kids."""
        for element in list(_elements(self.document)):
            if element.S in ("/TBody", "/THead", "/TFoot") and element.P.get("/S") == element.S:
                parent = element.P
                kids = []
                for kid in _kids(parent):
                    if _same(kid, element):
                        for inner in _kids(element):
                            if isinstance(inner, pikepdf.Dictionary) and "/S" in inner:
                                inner.P = parent
                            kids.append(inner)
                    else:
                        kids.append(kid)
                parent.K = pikepdf.Array(kids)

    def scopes(self) -> None:
        for row in (e for e in _elements(self.document) if e.S == "/TR"):
            cells = [c for c in _kids(row) if isinstance(c, pikepdf.Dictionary) and c.get("/S") in ("/TH", "/TD")]
            named = {str(h) for c in cells if c.S == "/TD" and "/A" in c for h in c.A.get("/Headers", [])}
            for cell in cells:
                if cell.S == "/TH":
                    if "/A" not in cell:
                        cell.A = pikepdf.Dictionary(O=pikepdf.Name.Table)
                    row_header = "/ID" in cell and str(cell.ID) in named
                    cell.A.Scope = pikepdf.Name.Row if row_header else pikepdf.Name.Column

    def id_tree(self) -> None:
        tree = pikepdf.NameTree.new(self.pdf)
        for element in _elements(self.document):
            if "/ID" in element:
                tree[str(element.ID)] = element
        self.tree.IDTree = tree.obj

    def mark_artifacts(self) -> None:
        """Rewrite the marked content of ``artifacts``: each ``/Span <</MCID n>> BDC`` an ``/Artifact``."""
        nums = self.tree.ParentTree.Nums
        arrays = {int(nums[i]): nums[i + 1] for i in range(0, len(nums) - 1, 2)}
        pagination = pikepdf.Dictionary(Type=pikepdf.Name.Pagination)
        for index, mcids in sorted(self.artifacts.items()):
            if index < 0 or not mcids:
                continue
            page = self.pdf.pages[index]
            instructions = []
            for instruction in pikepdf.parse_content_stream(page):
                operands, operator = instruction.operands, instruction.operator
                if (
                    operator == pikepdf.Operator("BDC")
                    and len(operands) == 2
                    and isinstance(operands[1], pikepdf.Dictionary)
                    and int(operands[1].get("/MCID", -1)) in mcids
                ):
                    instruction = pikepdf.ContentStreamInstruction([pikepdf.Name.Artifact, pagination], operator)
                instructions.append(instruction)
            page.obj.Contents = self.pdf.make_stream(pikepdf.unparse_content_stream(instructions))
            parents = arrays.get(index)
            if isinstance(parents, pikepdf.Array):
                for mcid in mcids:
                    if mcid < len(parents):
                        parents[mcid] = None


def mend(path: pathlib.Path, on_pages: list[list[str]], kinds: dict[str, str]) -> None:
    """Mend the tagged PDF at ``path`` in place (see the module's docstring); untagged, it is left as it is."""
    with pikepdf.open(path, allow_overwriting_input=True) as pdf:
        if "/StructTreeRoot" not in pdf.Root:
            return
        mender = _Mender(pdf)
        mender.merge_pieces(on_pages, kinds)
        mender.lift_nested_groups()
        mender.orphans()
        mender.scopes()
        mender.id_tree()
        mender.mark_artifacts()
        pdf.save(path, deterministic_id=True)
