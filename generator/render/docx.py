"""Turn the document HTML into a DOCX: Word styles from a reference .docx, tables with merged, repeating headers."""

from __future__ import annotations

import copy
import datetime
import io
import pathlib
import re
import zipfile
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field

import docx
import lxml.html
from docx.enum.section import WD_ORIENT
from docx.section import Section
from docx.shared import Twips
from docx.text.paragraph import Paragraph
from lxml import etree

from generator.render import TEMPLATES

__all__ = ["DEFAULT_REFERENCE_DOCX", "REQUIRED_STYLES", "STYLE_FONT_ROLES", "DocxFonts", "write_docx"]

DEFAULT_REFERENCE_DOCX = TEMPLATES / "reference.docx"  # a package resource (render/__init__.py)

#: Used for the core properties when the caller gives no date, so that output is reproducible.
DEFAULT_CORE_DATE = datetime.datetime(2000, 1, 1)


#: The picture of a chart: its PNG bytes, by the chart's key (the figure's ``data-chart``).
Pictures = Callable[[str], bytes]


@dataclass(frozen=True)
class DocxFonts:
    """Font names written into the styles' ``w:rFonts`` (East Asian slot, and Latin slots for ``latin``).

    The roles follow GB/T 9704: ``heading1`` is the face of the first heading level ("一、", 黑体),
    used for part titles (Heading 1), sections (Heading 2) and the 目录 heading; ``heading2`` is
    the face of the second level ("（一）", 楷体, Heading 3); ``body`` serves the body text, the
    "1." level (Heading 4), the TOC entries and all table styles.
    """

    body: str = "仿宋_GB2312"
    heading1: str = "黑体"
    heading2: str = "楷体_GB2312"
    title: str = "方正小标宋简体"
    latin: str = "Times New Roman"


#: Which DocxFonts role sets the fonts of each paragraph style (by Word's internal style name).
#: The reference builder (tools/make_reference_docx.py) and ``fonts=`` overrides both use it.
STYLE_FONT_ROLES: dict[str, str] = {
    "Normal": "body",
    "Title": "title",
    "heading 1": "heading1",
    "heading 2": "heading1",
    "heading 3": "heading2",
    "heading 4": "body",
    "TOC Heading": "heading1",
    "toc 1": "heading1",
    "toc 2": "body",
    "toc 3": "body",
    "Table Title": "title",
    "Table Meta": "body",
    "Table Note": "body",
    "Table Text": "body",
    "Table Text Landscape": "body",
}

#: Styles the writer refers to; a reference .docx must define all of them (Word's internal names).
REQUIRED_STYLES: tuple[str, ...] = (
    "Normal",
    "Title",
    "heading 1",
    "heading 2",
    "heading 3",
    "heading 4",
    "TOC Heading",
    "toc 1",
    "toc 2",
    "Table Title",
    "Table Meta",
    "Table Note",
    "Table Text",
    "footer",
    "Budget Table",
)

# ---------------------------------------------------------------------------------------------
# WordprocessingML names, precomputed (the table loop creates tens of thousands of elements).

W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
_W = f"{{{W_NS}}}"
_XML_SPACE = "{http://www.w3.org/XML/1998/namespace}space"
_P, _PPR, _PSTYLE, _R, _RPR, _T, _BR, _TAB = (_W + n for n in ("p", "pPr", "pStyle", "r", "rPr", "t", "br", "tab"))
_B, _I, _JC, _IND, _TABS, _SPACING, _KEEPNEXT = (_W + n for n in ("b", "i", "jc", "ind", "tabs", "spacing", "keepNext"))
_PAGEBREAKBEFORE, _SZ, _SECTPR, _FLDCHAR, _INSTRTEXT = (
    _W + n for n in ("pageBreakBefore", "sz", "sectPr", "fldChar", "instrText")
)
_TBL, _TBLPR, _TBLSTYLE, _TBLW, _TBLLAYOUT, _TBLGRID, _GRIDCOL = (
    _W + n for n in ("tbl", "tblPr", "tblStyle", "tblW", "tblLayout", "tblGrid", "gridCol")
)
_TR, _TRPR, _CANTSPLIT, _TBLHEADER, _TC, _TCPR, _TCW, _GRIDSPAN, _VMERGE, _VALIGN = (
    _W + n for n in ("tr", "trPr", "cantSplit", "tblHeader", "tc", "tcPr", "tcW", "gridSpan", "vMerge", "vAlign")
)
_VAL, _TYPE, _WIDTH, _POS = _W + "val", _W + "type", _W + "w", _W + "pos"
_DOCPR = "{http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing}docPr"

#: Children of w:settings that must follow w:updateFields (CT_Settings is a strict sequence).
_AFTER_UPDATE_FIELDS = frozenset(
    _W + n
    for n in (
        "hdrShapeDefaults footnotePr endnotePr compat docVars rsids attachedSchema themeFontLang clrSchemeMapping"
        " doNotIncludeSubdocsInStats doNotAutoCompressPictures forceUpgrade captions readModeInkLockDown smartTagType"
        " shapeDefaults doNotEmbedSmartTags decimalSymbol listSeparator"
    ).split()
) | {
    "{http://schemas.openxmlformats.org/officeDocument/2006/math}mathPr",
    "{http://schemas.openxmlformats.org/schemaLibrary/2006/main}schemaLibrary",
}

# ---------------------------------------------------------------------------------------------
# HTML side: text is collected as segments, then whitespace is collapsed the way a browser does.

_BREAK = "\n"  # a hard line break (<br>) in a segment list
_SOFT_BREAK = "\r"  # a block boundary inside inline content: a break only between two texts
_Fmt = tuple[bool, bool]  # (bold, italic)
_Seg = tuple[str, _Fmt] | str
_PLAIN: _Fmt = (False, False)

_HTML_SPACE = re.compile(r"([ \t\n\r\f]+)")
# Characters XML 1.0 cannot carry (lxml refuses them); they never print anyway.
_XML_INVALID = re.compile("[\x00-\x08\x0b\x0e-\x1f\ufffe\uffff]")
_NEEDS_COLLAPSE = re.compile("[ \t\n\r\f\x00-\x08\x0b\x0e-\x1f\ufffe\uffff]")
_WIDTH_PCT = re.compile(r"(?:^|;)\s*width\s*:\s*([0-9.]+)\s*%", re.I)

_SKIP_TAGS = frozenset(
    "head title meta link script style template noscript img svg math object iframe input button select textarea"
    " hr".split()
)
_INLINE_TAGS = frozenset(
    "a span b strong i em u s small big sub sup code abbr cite q mark time font label var kbd samp ins del bdi bdo data"
    " wbr br".split()
)
_BOLD_TAGS = frozenset({"b", "strong"})
_ITALIC_TAGS = frozenset({"i", "em"})
_PARA_TAGS = frozenset({"p", "li", "dt", "dd", "caption", "figcaption", "pre", "address", "blockquote"})
_HEADINGS = {
    "h1": "heading 1",
    "h2": "heading 2",
    "h3": "heading 3",
    "h4": "heading 4",
    "h5": "heading 4",
    "h6": "heading 4",
}


def _is_cjk(ch: str) -> bool:
    o = ord(ch)
    return (
        0x2E80 <= o <= 0x9FFF
        or 0xF900 <= o <= 0xFAFF
        or 0xFE30 <= o <= 0xFE4F
        or 0xFF00 <= o <= 0xFFEF
        or 0x20000 <= o <= 0x3FFFF
    )


#: Text Word must set in the East Asian font: ideographs, CJK and full-width punctuation, and the
#: characters Chinese and Latin share (“”‘’…—·), which Word gives the Latin font unless the run says
#: ``w:hint="eastAsia"``.
_EAST_ASIAN = re.compile(
    "[\u2e80-\u9fff\uf900-\ufaff\ufe30-\ufe4f\uff00-\uffef\U00020000-\U0003ffff\u2018\u2019\u201c\u201d\u2026\u2014\u00b7]"
)


def _mark_east_asian(run: etree._Element) -> None:
    """``<w:rFonts w:hint="eastAsia"/>`` first in the run's properties; the font itself is the style's."""
    rPr = run.find(_RPR)
    if rPr is None:
        rPr = etree.Element(_RPR)
        run.insert(0, rPr)
    rFonts = rPr.find(_W + "rFonts")
    if rFonts is None:
        rFonts = etree.Element(_W + "rFonts")
        rPr.insert(0, rFonts)
    rFonts.set(_W + "hint", "eastAsia")


def _classes(el: etree._Element) -> set[str]:
    return set((el.get("class") or "").split())


def _tag(el: etree._Element) -> str | None:
    """Lower-case tag name, or None for comments and processing instructions."""
    return el.tag.lower() if isinstance(el.tag, str) else None


def _collect(el: etree._Element, fmt: _Fmt, out: list[_Seg], skip_lists: bool = False) -> None:
    """Append the inline content of ``el`` (not its tail) to ``out`` as text segments and breaks."""
    if el.text:
        out.append((el.text, fmt))
    for child in el:
        tag = _tag(child)
        if tag is None or tag in _SKIP_TAGS or (skip_lists and tag in ("ol", "ul")):
            pass
        elif tag == "br":
            out.append(_BREAK)
        elif tag in _BOLD_TAGS:
            _collect(child, (True, fmt[1]), out, skip_lists)
        elif tag in _ITALIC_TAGS:
            _collect(child, (fmt[0], True), out, skip_lists)
        elif tag in _INLINE_TAGS:
            _collect(child, fmt, out, skip_lists)
        else:  # a block nested in inline context (e.g. <p> inside a cell): its own line
            out.append(_SOFT_BREAK)
            _collect(child, fmt, out, skip_lists)
            out.append(_SOFT_BREAK)
        if child.tail:
            out.append((child.tail, fmt))


def _collapse(segs: Iterable[_Seg]) -> list[_Seg]:
    """Collapse HTML whitespace: runs become one space, none at line starts or ends.

    A run of whitespace holding a newline between two CJK characters disappears (CSS Text's
    segment-break rule), so a template that wraps a Chinese sentence does not print a space.
    """
    out: list[_Seg] = []
    pending_space: str | None = None  # None, " " or "\n" (whitespace that held a newline)
    prev: str | None = None  # last character written on the current line
    pending_break = False
    for seg in segs:
        if isinstance(seg, str):
            if seg == _SOFT_BREAK:
                pending_break = prev is not None
                pending_space = None
            else:
                out.append(_BREAK)
                pending_space, prev, pending_break = None, None, False
            continue
        text, fmt = seg
        text = _XML_INVALID.sub("", text)
        for piece in _HTML_SPACE.split(text):
            if not piece:
                continue
            if piece[0] in " \t\n\r\f":
                kind = "\n" if ("\n" in piece or "\r" in piece) else " "
                pending_space = "\n" if pending_space == "\n" else kind
                continue
            if pending_break:
                out.append(_BREAK)
                prev, pending_space, pending_break = None, None, False
            if pending_space and prev is not None:
                if not (pending_space == "\n" and _is_cjk(prev) and _is_cjk(piece[0])):
                    piece = " " + piece
            pending_space = None
            prev = piece[-1]
            last = out[-1] if out else None
            if isinstance(last, tuple) and last[1] == fmt:
                out[-1] = (last[0] + piece, fmt)
            else:
                out.append((piece, fmt))
    return out


def _inline(el: etree._Element, skip_lists: bool = False) -> list[_Seg]:
    segs: list[_Seg] = []
    _collect(el, _PLAIN, segs, skip_lists)
    return _collapse(segs)


def _plain_text(segs: list[_Seg]) -> str:
    return "".join(s if isinstance(s, str) else s[0] for s in segs)


def _int_attr(el: etree._Element, name: str, default: int) -> int:
    value = el.get(name)
    if not value:
        return default
    try:
        return int(value.strip())
    except ValueError:
        return default


# ---------------------------------------------------------------------------------------------
# Page layout


@dataclass(frozen=True)
class _Layout:
    """A section's page in twips."""

    width: int
    height: int
    top: int
    bottom: int
    left: int
    right: int
    header: int
    footer: int

    @property
    def text_width(self) -> int:
        return self.width - self.left - self.right

    @property
    def landscape(self) -> bool:
        return self.width > self.height

    def turned(self) -> _Layout:
        """The landscape page: the portrait text block turned on its side (156 × 225 mm → 225 × 156).

        The wider portrait margins (top 37, left 28 mm) become left and top; the footer keeps its
        distance from the text block, so the page number stays just below the text.
        """
        footer = max(self.footer - (self.bottom - self.right), 284)
        return _Layout(self.height, self.width, self.left, self.right, self.top, self.bottom, self.header, footer)

    @classmethod
    def from_sectpr(cls, sectPr: etree._Element) -> _Layout:
        pgSz, pgMar = sectPr.find(_W + "pgSz"), sectPr.find(_W + "pgMar")

        def get(el: etree._Element | None, name: str, default: int) -> int:
            return _int_attr(el, _W + name, default) if el is not None else default

        # Defaults: GB/T 9704 on A4.
        return cls(
            get(pgSz, "w", 11906),
            get(pgSz, "h", 16838),
            get(pgMar, "top", 2098),
            get(pgMar, "bottom", 1984),
            get(pgMar, "left", 1587),
            get(pgMar, "right", 1474),
            get(pgMar, "header", 851),
            get(pgMar, "footer", 1304),
        )

    def apply(self, sectPr: etree._Element, part: object) -> None:
        sec = Section(sectPr, part)  # type: ignore[arg-type]
        sec.orientation = WD_ORIENT.LANDSCAPE if self.landscape else WD_ORIENT.PORTRAIT
        sec.page_width, sec.page_height = Twips(self.width), Twips(self.height)
        sec.top_margin, sec.bottom_margin = Twips(self.top), Twips(self.bottom)
        sec.left_margin, sec.right_margin = Twips(self.left), Twips(self.right)
        sec.header_distance, sec.footer_distance = Twips(self.header), Twips(self.footer)


# ---------------------------------------------------------------------------------------------
# Tables: the occupancy grid


@dataclass(eq=False)
class _Cell:
    el: etree._Element
    colspan: int
    rowspan: int
    header: bool  # in <thead>


@dataclass
class _Row:
    el: etree._Element
    header: bool
    slots: list[tuple[str, _Cell] | None] = field(default_factory=list)  # ("o"|"v"|"h", cell)


def _table_rows(
    table: etree._Element,
) -> tuple[list[list[etree._Element]], list[list[etree._Element]], list[etree._Element], list[etree._Element]]:
    """Row groups in display order (thead, then tbody and bare rows, then tfoot), cols, captions."""
    head: list[list[etree._Element]] = []
    body: list[list[etree._Element]] = []
    foot: list[list[etree._Element]] = []
    cols: list[etree._Element] = []
    captions: list[etree._Element] = []
    loose: list[etree._Element] | None = None
    for child in table:
        tag = _tag(child)
        if tag == "tr":
            if loose is None:
                loose = []
                body.append(loose)
            loose.append(child)
            continue
        loose = None
        if tag in ("thead", "tbody", "tfoot"):
            trs = [tr for tr in child if _tag(tr) == "tr"]
            if trs:
                {"thead": head, "tbody": body, "tfoot": foot}[tag].append(trs)
        elif tag == "colgroup":
            cols.extend(c for c in child if _tag(c) == "col")
        elif tag == "col":
            cols.append(child)
        elif tag == "caption":
            captions.append(child)
    return head, body + foot, cols, captions


def _build_grid(head: list[list[etree._Element]], body: list[list[etree._Element]]) -> list[_Row]:
    """Place every cell on the grid honouring colspan/rowspan (spans stay inside their row group)."""
    rows: list[_Row] = []
    for groups, is_head in ((head, True), (body, False)):
        for trs in groups:
            start, end = len(rows), len(rows) + len(trs)
            rows.extend(_Row(tr, is_head) for tr in trs)
            for r in range(start, end):
                slots = rows[r].slots
                c = 0
                for cell_el in rows[r].el:
                    if _tag(cell_el) not in ("td", "th"):
                        continue
                    while c < len(slots) and slots[c] is not None:
                        c += 1
                    colspan = min(max(_int_attr(cell_el, "colspan", 1), 1), 1000)
                    rowspan = _int_attr(cell_el, "rowspan", 1)
                    rowspan = end - r if rowspan <= 0 else min(rowspan, end - r)
                    # An overlapping span is an HTML table error: clip it to the free slots.
                    width = 0
                    while width < colspan and (c + width >= len(slots) or slots[c + width] is None):
                        width += 1
                    height = 1
                    while height < rowspan and all(
                        c + k >= len(rows[r + height].slots) or rows[r + height].slots[c + k] is None
                        for k in range(width)
                    ):
                        height += 1
                    cell = _Cell(cell_el, width, height, is_head)
                    for dr in range(height):
                        row_slots = rows[r + dr].slots
                        if len(row_slots) < c + width:
                            row_slots.extend([None] * (c + width - len(row_slots)))
                        row_slots[c] = ("o" if dr == 0 else "v", cell)
                        for k in range(1, width):
                            row_slots[c + k] = ("h", cell)
                    c += width
    return rows


def _col_fractions(cols: list[etree._Element], ncols: int) -> list[float]:
    widths: list[float | None] = []
    for col in cols:
        m = _WIDTH_PCT.search(col.get("style") or "")
        if m is None and (col.get("width") or "").strip().endswith("%"):
            m = re.match(r"\s*([0-9.]+)", col.get("width") or "")
        try:
            value: float | None = float(m.group(1)) if m else None
        except ValueError:
            value = None
        widths.extend([value] * max(_int_attr(col, "span", 1), 1))
    widths = (widths + [None] * ncols)[:ncols]
    known = sum(w for w in widths if w)
    unknown = sum(1 for w in widths if not w)
    if unknown:
        share = (100.0 - known) / unknown if known < 100.0 else (known / max(ncols - unknown, 1))
        widths = [w if w else share for w in widths]
    total = sum(widths) or 1.0  # type: ignore[arg-type]
    return [w / total for w in widths]  # type: ignore[operator]


# ---------------------------------------------------------------------------------------------
# The writer


_sub = etree.SubElement  # (parent, clark_tag, attrib_dict): the only element factory used below


def _style_ids(styles_el: etree._Element) -> dict[str, str]:
    """Map style names (lower-cased) to style ids."""
    ids: dict[str, str] = {}
    for st in styles_el.iterfind(_W + "style"):
        name = st.find(_W + "name")
        if name is not None and st.get(_W + "styleId"):
            ids.setdefault((name.get(_VAL) or "").lower(), st.get(_W + "styleId"))  # type: ignore[arg-type]
    return ids


def _set_rfonts(rPr: etree._Element, east_asia: str, latin: str) -> None:
    rFonts = rPr.find(_W + "rFonts")
    if rFonts is None:
        rFonts = etree.Element(_W + "rFonts")
        rStyle = rPr.find(_W + "rStyle")
        rPr.insert(0 if rStyle is None else 1, rFonts)
    for theme_attr in ("asciiTheme", "hAnsiTheme", "eastAsiaTheme", "cstheme"):
        rFonts.attrib.pop(_W + theme_attr, None)  # a theme font would win over the explicit name
    rFonts.set(_W + "ascii", latin)
    rFonts.set(_W + "hAnsi", latin)
    rFonts.set(_W + "eastAsia", east_asia)
    rFonts.set(_W + "cs", latin)


def apply_fonts(styles_el: etree._Element, fonts: DocxFonts) -> None:
    """Write ``fonts`` into the docDefaults and the styles named in STYLE_FONT_ROLES."""
    rPrDefault = styles_el.find(f"{_W}docDefaults/{_W}rPrDefault")
    if rPrDefault is not None:
        rPr = rPrDefault.find(_RPR)
        _set_rfonts(rPr if rPr is not None else _sub(rPrDefault, _RPR), fonts.body, fonts.latin)
    roles = {k.lower(): v for k, v in STYLE_FONT_ROLES.items()}
    for st in styles_el.iterfind(_W + "style"):
        name = st.find(_W + "name")
        role = roles.get((name.get(_VAL) or "").lower()) if name is not None else None
        if role is None:
            continue
        rPr = st.find(_RPR)
        if rPr is None:
            rPr = _sub(st, _RPR)  # rPr is the last child a paragraph style needs here
        _set_rfonts(rPr, getattr(fonts, role), fonts.latin)


def _field(parent: etree._Element, instr: str, result: str | None) -> etree._Element | None:
    """A complex field (begin, instruction, separate, result, end) in ``parent``; the result's w:t, if any."""
    _sub(_sub(parent, _R), _FLDCHAR, {_W + "fldCharType": "begin"})
    _sub(_sub(parent, _R), _INSTRTEXT, {_XML_SPACE: "preserve"}).text = instr
    t = None
    if result is not None:
        _sub(_sub(parent, _R), _FLDCHAR, {_W + "fldCharType": "separate"})
        t = _sub(_sub(parent, _R), _T)
        t.text = result
    _sub(_sub(parent, _R), _FLDCHAR, {_W + "fldCharType": "end"})
    return t


class _DocWriter:
    def __init__(self, document: docx.document.Document, pictures: Pictures | None = None) -> None:
        self.doc = document
        self.pictures = pictures
        self.part = document.part
        self.body = document.element.body
        ids = _style_ids(document.styles.element)
        missing = [n for n in REQUIRED_STYLES if n.lower() not in ids]
        if missing:
            raise ValueError(f"reference .docx lacks the style(s): {', '.join(missing)}")
        self.sid = {n: ids[n.lower()] for n in REQUIRED_STYLES}
        self.toc_ids = [ids[f"toc {n}"] for n in range(1, 10) if f"toc {n}" in ids]
        # Start from an empty body; the final sectPr (the "sentinel") goes back at the end.
        self.sentinel = self.body.get_or_add_sectPr()
        for child in list(self.body):
            self.body.remove(child)
        self.portrait = _Layout.from_sectpr(self.sentinel)
        if self.portrait.landscape:
            self.portrait = self.portrait.turned()
        self.landscape = self.portrait.turned()
        self.current_landscape = False
        self.want_landscape = [False]
        self.new_page_pending = False
        self.emitted = False  # anything written yet (a break before the first block would leave a blank page)
        self._cell_protos: dict[tuple[str, str, bool, bool, bool, bool], etree._Element] = {}
        self.wide_text_style = ids.get("table text landscape", self.sid["Table Text"])
        # The 目录: its targets' bookmark and TC entries (by target id), those waiting for their first
        # paragraph, and the stored entries' page-number texts.
        self.toc_marks: dict[str, tuple[str, list[tuple[int, str]]]] = {}
        self.pending_marks: list[tuple[str, list[tuple[int, str]]]] = []
        self.toc_numbers: list[tuple[etree._Element, str]] = []
        self.bookmark_id = 0

    # -- sections and pages -------------------------------------------------------------------

    def layout(self) -> _Layout:
        return self.landscape if self.current_landscape else self.portrait

    def _before_block(self) -> bool:
        """Open the right section for the next block; return True if it must start a new page."""
        page_break = False
        if self.want_landscape[-1] != self.current_landscape:
            if self.emitted:
                self._section_break()
            self.current_landscape = self.want_landscape[-1]
        elif self.new_page_pending and self.emitted:
            page_break = True
        self.new_page_pending = False
        self.emitted = True
        return page_break

    def _section_break(self) -> None:
        """End the current section: its sectPr goes into the last paragraph."""
        sectPr = copy.deepcopy(self.sentinel)
        self.layout().apply(sectPr, self.part)
        # Later sections carry no header/footer references: they link to the previous ones.
        for ref in self.sentinel.findall(_W + "headerReference") + self.sentinel.findall(_W + "footerReference"):
            self.sentinel.remove(ref)
        for title_page in self.sentinel.findall(_W + "titlePg"):  # only the cover goes unnumbered
            self.sentinel.remove(title_page)
        last = self.body[-1] if len(self.body) else None
        if last is None or last.tag != _P or last.find(f"{_PPR}/{_SECTPR}") is not None:
            last = self._spacer()
        pPr = last.find(_PPR)
        if pPr is None:
            pPr = etree.Element(_PPR)
            last.insert(0, pPr)
        pPr.append(sectPr)

    def _spacer(self, page_break: bool = False) -> etree._Element:
        """A near-invisible empty paragraph (after a table, before a section break)."""
        p = _sub(self.body, _P)
        pPr = _sub(p, _PPR, {})
        _sub(pPr, _PSTYLE, {_VAL: self.sid["Table Text"]})
        if page_break:
            _sub(pPr, _PAGEBREAKBEFORE)
        _sub(pPr, _SPACING, {_W + "before": "0", _W + "after": "0", _W + "line": "20", _W + "lineRule": "exact"})
        _sub(_sub(pPr, _RPR), _SZ, {_VAL: "2"})
        return p

    def finish(self) -> None:
        if len(self.body) and self.body[-1].tag == _TBL:
            self._spacer()
        self.layout().apply(self.sentinel, self.part)
        self.body.append(self.sentinel)

    # -- paragraphs ---------------------------------------------------------------------------

    def paragraph(
        self,
        style: str,
        segs: list[_Seg],
        *,
        jc: str | None = None,
        noindent: bool = False,
        keep_next: bool = False,
        tabs: list[tuple[str, int]] | list[tuple[str, int, str]] | None = None,
        page_break: bool | None = None,
        single: bool = False,
    ) -> etree._Element:
        if page_break is None:
            page_break = self._before_block()
        p = _sub(self.body, _P)
        pPr = _sub(p, _PPR)
        _sub(pPr, _PSTYLE, {_VAL: self.sid.get(style, style)})
        if keep_next:
            _sub(pPr, _KEEPNEXT)
        if page_break:
            _sub(pPr, _PAGEBREAKBEFORE)
        if tabs:
            tabs_el = _sub(pPr, _TABS)
            for kind, pos, *leader in tabs:
                tab = _sub(tabs_el, _TAB, {_VAL: kind, _POS: str(pos)})
                if leader:
                    tab.set(_W + "leader", leader[0])
        if single:  # single line spacing: the body's exact line height would crop a picture
            _sub(pPr, _SPACING, {_W + "before": "120", _W + "after": "60", _W + "line": "240", _W + "lineRule": "auto"})
        if noindent:
            _sub(pPr, _IND, {_W + "firstLineChars": "0", _W + "firstLine": "0"})
        if jc:
            _sub(pPr, _JC, {_VAL: jc})
        self.runs(p, segs)
        if self.pending_marks:
            self._mark_toc_target(p)
        return p

    @staticmethod
    def runs(p: etree._Element, segs: list[_Seg], bold: bool = False) -> None:
        run: etree._Element | None = None
        run_fmt: _Fmt | None = None
        east = False  # the run is marked East Asian
        for seg in segs:
            if isinstance(seg, str):  # _BREAK, or "\t" (a tab, in the table meta line)
                if run is None:
                    run = _sub(p, _R)
                    if bold:
                        _sub(_sub(run, _RPR), _B)
                    run_fmt, east = (bold, False), False
                _sub(run, _BR if seg == _BREAK else _TAB)
                continue
            text, seg_fmt = seg
            fmt = (seg_fmt[0] or bold, seg_fmt[1])
            if run is None or fmt != run_fmt:
                run = _sub(p, _R)
                run_fmt, east = fmt, False
                if fmt[0] or fmt[1]:
                    rPr = _sub(run, _RPR)
                    if fmt[0]:
                        _sub(rPr, _B)
                    if fmt[1]:
                        _sub(rPr, _I)
            if not east and _EAST_ASIAN.search(text):
                _mark_east_asian(run)
                east = True
            t = _sub(run, _T)
            t.text = text
            if text[:1] == " " or text[-1:] == " " or "  " in text:
                t.set(_XML_SPACE, "preserve")

    # -- the walk -----------------------------------------------------------------------------

    def blocks(self, container: etree._Element) -> None:
        """Write the children of a block container; loose inline content becomes Normal paragraphs."""
        pending: list[_Seg] = []
        if container.text:
            pending.append((container.text, _PLAIN))
        for child in container:
            tag = _tag(child)
            if tag is None or tag in _SKIP_TAGS:
                pass
            elif tag in _INLINE_TAGS:
                if tag == "br":
                    pending.append(_BREAK)
                else:
                    _collect(child, (tag in _BOLD_TAGS, tag in _ITALIC_TAGS), pending)
            else:
                self._flush(pending)
                pending = []
                self.block(child, tag)
            if child.tail:
                pending.append((child.tail, _PLAIN))
        self._flush(pending)

    def _flush(self, pending: list[_Seg]) -> None:
        segs = _collapse(pending)
        if segs:
            self.paragraph("Normal", segs)

    def block(self, el: etree._Element, tag: str) -> None:
        classes = _classes(el)
        target = el.get("id")
        if target and target in self.toc_marks:  # a 目录 entry's target: marked in its first paragraph
            self.pending_marks.append(self.toc_marks.pop(target))
        if tag == "section":
            landscape = "landscape" in classes
            self.want_landscape.append(landscape or (self.want_landscape[-1] and "part" not in classes))
            if landscape or "part" in classes:
                self.new_page_pending = True
            self.blocks(el)
            self.want_landscape.pop()
            if landscape:
                self.new_page_pending = True  # whatever follows a landscape run starts a new page
        elif tag == "nav" and "toc" in classes:
            self.toc(el)
        elif tag == "table":
            self.table(el)
        elif tag == "figure" and "chart" in classes:
            self.chart(el)
        elif tag in _HEADINGS:
            segs = _inline(el)
            if "doc-title" in classes:
                self.paragraph("Title", segs)
            elif "toc-title" in classes:
                self.paragraph("TOC Heading", segs)
            elif segs:
                self.paragraph(_HEADINGS[tag], segs)
        elif tag in _PARA_TAGS:
            if "table-meta" in classes:
                self.table_meta(el)
                return
            segs = _inline(el)
            if not segs:
                return
            if "table-title" in classes or tag == "caption":
                self.paragraph("Table Title", segs)
            elif "table-note" in classes:
                self.paragraph("Table Note", segs)
            elif "center" in classes:
                self.paragraph("Normal", segs, jc="center", noindent=True)
            elif "noindent" in classes:
                self.paragraph("Normal", segs, noindent=True)
            else:
                self.paragraph("Normal", segs)
        else:  # div, nav, ul, ol, article, ... : containers
            self.blocks(el)

    def chart(self, figure: etree._Element) -> None:
        """A chart: its picture (``pictures``' PNG of the chart named by ``data-chart``) at the text
        width, centred, kept with its caption (the ``figcaption``) below it."""
        key = figure.get("data-chart") or ""
        if self.pictures is None:
            raise ValueError(f"the document HTML has a chart ({key}): write_docx needs pictures=")
        png = self.pictures(key)
        p = self.paragraph("Normal", [], jc="center", noindent=True, keep_next=True, single=True)
        width = Twips(self.layout().text_width)
        Paragraph(p, self.doc).add_run().add_picture(io.BytesIO(png), width=width)
        captions = [segs for caption in figure.iterfind("figcaption") if (segs := _inline(caption))]
        for doc_pr in p.iter(_DOCPR):  # the caption is the picture's alternative text, for screen readers
            doc_pr.set("descr", _XML_INVALID.sub("", " ".join(_plain_text(segs) for segs in captions)))
        for segs in captions:
            self.paragraph("Normal", segs, jc="center", noindent=True)

    def table_meta(self, el: etree._Element) -> None:
        """部门 … 年度 … 表号 … 单位: first span flush left, last flush right, the rest on centre tabs.

        The first span (the bureau's name) is the long one, so the centre stops sit in the right
        half: at 1/2 for one middle span, at 1/2 and 3/4 for two.
        """
        spans = [s for s in el if _tag(s) == "span"]
        parts = [segs for segs in (_inline(s) for s in spans) if segs] if spans else [_inline(el)]
        parts = [p for p in parts if p]
        if not parts:
            return
        page_break = self._before_block()  # first: the section decides the text width
        width = self.layout().text_width
        n = len(parts)
        tabs = [("center", round(width * (0.5 + 0.5 * (i - 1) / (n - 2)))) for i in range(1, n - 1)]
        if n > 1:
            tabs.append(("right", width))
        segs: list[_Seg] = []
        for i, part in enumerate(parts):
            if i:
                segs.append("\t")
            segs.extend(part)
        self.paragraph("Table Meta", segs, tabs=tabs, page_break=page_break)

    # -- table of contents --------------------------------------------------------------------

    def toc(self, nav: etree._Element) -> None:
        """The 目录: a TOC field whose stored entries are the nav's, each with a dot leader and a page number.

        The field builds from TC entries only (``\\f``, levels 1–2): each entry's TC field sits at the
        entry's target (the element its link names), so an update in Word, WPS or LibreOffice makes
        exactly the nav's entries again, table titles included, and no other heading. The stored page
        numbers are filled in last (``fill_toc_pages``): the PDF's, when the caller knows them.
        """
        heading = next((el for el in nav.iter() if _tag(el) in _HEADINGS), None)
        title = (_inline(heading) if heading is not None else []) or [("目录", _PLAIN)]
        entries: list[tuple[int, list[_Seg], str]] = []
        for el in nav.iter():
            if _tag(el) == "li":
                level = next((int(c[4:]) for c in _classes(el) if re.fullmatch(r"toc-[0-9]", c)), 0)
                if not level:  # no class: nesting depth
                    level = sum(1 for a in el.iterancestors() if _tag(a) in ("ol", "ul"))
                segs = _inline(el, skip_lists=True)
                link = next((a for a in el.iter() if _tag(a) == "a"), None)
                href = (link.get("href") or "") if link is not None else ""
                if segs:
                    entries.append(
                        (min(max(level, 1), len(self.toc_ids), 9), segs, href[1:] if href[:1] == "#" else "")
                    )
        self.paragraph("TOC Heading", title)
        width = self.layout().text_width
        paras = []
        for level, segs, target in entries:
            p = self.paragraph(self.toc_ids[level - 1], [], tabs=[("right", width, "dot")])
            text = _XML_INVALID.sub("", _plain_text(segs).replace(_BREAK, "").replace(_SOFT_BREAK, ""))
            if target and target not in self.toc_marks:
                self.toc_marks[target] = (f"_Toc_br{len(self.toc_marks) + 1:04d}", [])
            if not target:
                self.runs(p, [*segs, "\t"])
                paras.append(p)
                continue
            bookmark, marks = self.toc_marks[target]
            marks.append((level, text))
            link = _sub(p, _W + "hyperlink", {_W + "anchor": bookmark, _W + "history": "1"})
            self.runs(link, [*segs, "\t"])
            number = _field(link, f" PAGEREF {bookmark} \\h ", "")
            self.toc_numbers.append((number, target))
            paras.append(p)
        if not paras:
            paras = [self.paragraph(self.toc_ids[0], [])]
        first, last = paras[0], paras[-1]
        pos = 1  # after pPr
        for kind, instr in (("begin", None), (None, ' TOC \\f \\l "1-2" \\h \\z '), ("separate", None)):
            r = etree.Element(_R)
            if kind:
                _sub(r, _FLDCHAR, {_W + "fldCharType": kind})
            else:
                it = _sub(r, _INSTRTEXT, {_XML_SPACE: "preserve"})
                it.text = instr
            first.insert(pos, r)
            pos += 1
        _sub(_sub(last, _R), _FLDCHAR, {_W + "fldCharType": "end"})

    def _mark_toc_target(self, p: etree._Element) -> None:
        """Put the pending TOC targets' bookmark and TC fields into ``p`` (the first paragraph of each target)."""
        for bookmark, marks in self.pending_marks:
            pPr = p.find(_PPR)
            self.bookmark_id += 1
            start = etree.Element(_W + "bookmarkStart", {_W + "id": str(self.bookmark_id), _W + "name": bookmark})
            if pPr is not None:
                pPr.addnext(start)
            else:
                p.insert(0, start)
            _sub(p, _W + "bookmarkEnd", {_W + "id": str(self.bookmark_id)})
            for level, text in marks:
                quoted = text.replace("\\", "\\\\").replace('"', '\\"')
                _field(p, f' TC "{quoted}" \\l {level} ', None)
        self.pending_marks = []

    def fill_toc_pages(self, pages: Mapping[str, int] | None) -> None:
        """The stored 目录 entries' page numbers: ``pages`` maps each entry's target id to its page."""
        for t, target in self.toc_numbers:
            number = (pages or {}).get(target)
            t.text = str(number) if number is not None else ""

    # -- tables -------------------------------------------------------------------------------

    def table(self, table: etree._Element) -> None:
        head, body, cols, captions = _table_rows(table)
        for caption in captions:
            caption_segs = _inline(caption)
            if caption_segs:
                self.paragraph("Table Title", caption_segs, keep_next=True)
        rows = _build_grid(head, body)  # merged where the HTML merges (rowspan/colspan), nowhere else
        if not rows:
            return
        ncols = max(max((len(r.slots) for r in rows), default=0), 1)
        if self._before_block():
            self._spacer(page_break=True)
        elif len(self.body) and self.body[-1].tag == _TBL:
            self._spacer()  # two adjacent tables would merge into one in Word
        text_width = self.layout().text_width
        fractions = _col_fractions(cols, ncols)
        widths = [round(f * text_width) for f in fractions]
        widths[-1] += text_width - sum(widths)

        tbl = _sub(self.body, _TBL)
        tblPr = _sub(tbl, _TBLPR)
        _sub(tblPr, _TBLSTYLE, {_VAL: self.sid["Budget Table"]})
        _sub(tblPr, _TBLW, {_WIDTH: str(text_width), _TYPE: "dxa"})
        _sub(tblPr, _JC, {_VAL: "center"})
        _sub(tblPr, _TBLLAYOUT, {_TYPE: "fixed"})
        grid = _sub(tbl, _TBLGRID)
        for w in widths:
            _sub(grid, _GRIDCOL, {_WIDTH: str(w)})

        cell_proto = self._cell_prototype
        # Wide tables use a smaller size (9 pt, like the PDF) where the reference defines it.
        text_style = self.wide_text_style if self.current_landscape else self.sid["Table Text"]
        for row in rows:
            total = "total" in _classes(row.el)
            tr = _sub(tbl, _TR)
            trPr = _sub(tr, _TRPR)
            _sub(trPr, _CANTSPLIT)
            if row.header:
                _sub(trPr, _TBLHEADER)
            slots = row.slots
            c = 0
            while c < ncols:
                slot = slots[c] if c < len(slots) else None
                if slot is None:  # the row is short: an empty cell keeps the grid whole
                    tc = cell_proto(text_style, "center", False, False, False)
                    tr.append(tc)
                    tc[0][0].set(_WIDTH, str(widths[c]))
                    c += 1
                    continue
                kind, cell = slot
                span = cell.colspan
                segs: list[_Seg] = []
                if kind == "o":
                    el = cell.el
                    cell_classes = _classes(el)
                    jc = "right" if "num" in cell_classes else "left" if "text" in cell_classes else "center"
                    segs = _cell_text(el)
                    bold = el.tag == "th" or total or "label" in cell_classes
                    east = len(segs) == 1 and isinstance(segs[0], tuple) and bool(_EAST_ASIAN.search(segs[0][0]))
                    tc = cell_proto(text_style, jc, bold, row.header, bool(segs), east)
                else:  # "v": continues a cell merged from above
                    tc = cell_proto(text_style, "center", False, row.header, False)
                tr.append(tc)
                tcPr = tc[0]
                tcPr[0].set(_WIDTH, str(sum(widths[c : c + span])) if span > 1 else str(widths[c]))
                if cell.rowspan > 1:  # w:vMerge, then w:gridSpan, go right after w:tcW
                    tcPr[0].addnext(etree.Element(_VMERGE, {_VAL: "restart"} if kind == "o" else None))
                if span > 1:
                    tcPr[0].addnext(etree.Element(_GRIDSPAN, {_VAL: str(span)}))
                if segs:
                    run = tc[1][1]
                    only = segs[0]
                    if len(segs) == 1 and isinstance(only, tuple) and only[1] == _PLAIN:
                        t = run[-1]  # the usual case: one plain text into the prototype's w:t
                        t.text = only[0]
                        if only[0][:1] == " " or only[0][-1:] == " " or "  " in only[0]:
                            t.set(_XML_SPACE, "preserve")
                    else:
                        bold = run.find(f"{_RPR}/{_B}") is not None
                        tc[1].remove(run)
                        self.runs(tc[1], segs, bold)
                c += span

    def _cell_prototype(
        self, style_id: str, jc: str, bold: bool, header: bool, has_text: bool, east: bool = False
    ) -> etree._Element:
        """A fresh w:tc (Table Text, vertically centred) copied from a cached prototype.

        Copying a prebuilt subtree runs in C; building the same ten elements one by one for each
        of the ~15 000 cells of a full document costs several times more.
        """
        key = (style_id, jc, bold, header, has_text, east)
        proto = self._cell_protos.get(key)
        if proto is None:
            proto = etree.Element(_TC, nsmap={"w": W_NS})
            tcPr = _sub(proto, _TCPR)
            _sub(tcPr, _TCW, {_WIDTH: "0", _TYPE: "dxa"})
            _sub(tcPr, _VALIGN, {_VAL: "center"})
            pPr = _sub(_sub(proto, _P), _PPR)
            _sub(pPr, _PSTYLE, {_VAL: style_id})
            if header:
                _sub(pPr, _KEEPNEXT)  # keep the header rows with the first body row
            _sub(pPr, _JC, {_VAL: jc})
            if has_text:
                run = _sub(proto[1], _R)
                if bold:
                    _sub(_sub(run, _RPR), _B)
                if east:
                    _mark_east_asian(run)
                _sub(run, _T)
            self._cell_protos[key] = proto
        return copy.deepcopy(proto)


def _cell_text(el: etree._Element) -> list[_Seg]:
    """The collapsed text of a cell, with a fast path for the usual case (plain text, no spaces)."""
    if len(el) == 0:
        text = el.text or ""
        if not _NEEDS_COLLAPSE.search(text):
            return [(text, _PLAIN)] if text else []
    return _inline(el)


# ---------------------------------------------------------------------------------------------
# Metadata, settings, footer, saving


def _set_update_fields(settings_el: etree._Element) -> None:
    el = settings_el.find(_W + "updateFields")
    if el is None:
        el = etree.Element(_W + "updateFields")
        successor = next((c for c in settings_el if c.tag in _AFTER_UPDATE_FIELDS), None)
        if successor is None:
            settings_el.append(el)
        else:
            successor.addprevious(el)
    el.set(_VAL, "true")


def _page_number_paragraph(p: etree._Element, style_id: str, jc: str, indent_side: str) -> None:
    """ "— N —": the PAGE field between em dashes; GB/T 9704 puts it one character in from the edge."""
    pPr = _sub(p, _PPR)
    _sub(pPr, _PSTYLE, {_VAL: style_id})
    _sub(pPr, _IND, {_W + indent_side: "280", _W + "firstLineChars": "0", _W + "firstLine": "0"})
    _sub(pPr, _JC, {_VAL: jc})
    dash = _sub(p, _R)
    _mark_east_asian(dash)
    _sub(dash, _T, {_XML_SPACE: "preserve"}).text = "— "
    _sub(_sub(p, _R), _FLDCHAR, {_W + "fldCharType": "begin"})
    _sub(_sub(p, _R), _INSTRTEXT, {_XML_SPACE: "preserve"}).text = " PAGE "
    _sub(_sub(p, _R), _FLDCHAR, {_W + "fldCharType": "separate"})
    _sub(_sub(p, _R), _T).text = "1"
    _sub(_sub(p, _R), _FLDCHAR, {_W + "fldCharType": "end"})
    dash = _sub(p, _R)
    _mark_east_asian(dash)
    _sub(dash, _T, {_XML_SPACE: "preserve"}).text = " —"


def _add_footers(document: docx.document.Document, sectPr: etree._Element, footer_style: str) -> None:
    """Page numbers on odd pages right, even pages left (GB/T 9704), unless the reference has a footer.

    The cover (the first section's first page) has an empty footer, as in the PDF; it still counts
    as page 1, so the 目录 is page 2 in both. ``_section_break`` keeps ``w:titlePg`` in the first section.
    """
    section = Section(sectPr, document.part)
    if not section.footer.is_linked_to_previous:
        return  # the reference .docx brings its own footer
    document.settings.odd_and_even_pages_header_footer = True
    section.different_first_page_header_footer = True
    cover = section.first_page_footer
    cover.is_linked_to_previous = False
    ftr = cover.part.element
    for child in list(ftr):
        ftr.remove(child)
    _sub(_sub(_sub(ftr, _P), _PPR), _PSTYLE, {_VAL: footer_style})
    for footer, jc, side in ((section.footer, "right", "right"), (section.even_page_footer, "left", "left")):
        footer.is_linked_to_previous = False
        ftr = footer.part.element  # the footer part's w:ftr (public names only; python-docx has no "clear")
        for child in list(ftr):
            ftr.remove(child)
        _page_number_paragraph(_sub(ftr, _P), footer_style, jc, side)


def _naive_utc(value: datetime.datetime) -> datetime.datetime:
    if value.tzinfo is not None:
        value = value.astimezone(datetime.UTC).replace(tzinfo=None)
    return value.replace(microsecond=0)


def _set_core_properties(
    document: docx.document.Document, tree: etree._Element, core_date: datetime.datetime | None
) -> None:
    title = " ".join((tree.findtext(".//title") or "").split())
    if not title:
        doc_title = next((h for h in tree.iter("h1") if "doc-title" in _classes(h)), None)
        title = _plain_text(_inline(doc_title)).replace("\n", " ") if doc_title is not None else ""
    author = ""
    for meta in tree.iter("meta"):
        if (meta.get("name") or "").lower() == "author":
            author = " ".join((meta.get("content") or "").split())
            break
    when = _naive_utc(core_date or DEFAULT_CORE_DATE)
    props = document.core_properties
    # python-docx holds a core property to 255 characters; only a bureau's template can write a longer
    # <title> or author (the check and the profile keep ours within it): shortened, marked with "…".
    title, author = (t if len(t) <= 255 else t[:254] + "…" for t in (_XML_INVALID.sub("", v) for v in (title, author)))
    props.title = title
    props.author = author
    props.last_modified_by = props.author
    props.created = props.modified = props.last_printed = when
    props.revision = 1


_ZIP_DATE = (1980, 1, 1, 0, 0, 0)


def _deterministic_zip(data: bytes) -> bytes:
    """Rewrite a zip with fixed timestamps and a stable entry order ([Content_Types].xml first)."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        names = sorted(src.namelist(), key=lambda n: (n != "[Content_Types].xml", n))
        for name in names:
            info = zipfile.ZipInfo(name, date_time=_ZIP_DATE)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.create_system = 0
            info.external_attr = 0
            dst.writestr(info, src.read(name), compresslevel=6)
    return out.getvalue()


def save_docx(document: docx.document.Document, target: pathlib.Path) -> None:
    """Save ``document`` so that the same content always gives the same bytes."""
    buf = io.BytesIO()
    document.save(buf)
    pathlib.Path(target).write_bytes(_deterministic_zip(buf.getvalue()))


def write_docx(
    html: str,
    target: pathlib.Path,
    *,
    reference_docx: pathlib.Path | None = None,
    fonts: DocxFonts | None = None,
    core_date: datetime.datetime | None = None,
    pictures: Pictures | None = None,
    page_numbers: Callable[[], Mapping[str, int] | None] | None = None,
) -> None:
    """Write the document HTML as a .docx at ``target``.

    Styles, page setup and fonts come from ``reference_docx`` (``templates/reference.docx`` by
    default); ``fonts`` overrides the style fonts. Text is only ever text: markup-looking
    content in the HTML's text nodes reaches Word literally. A chart (``<figure class="chart"
    data-chart="KEY">``) becomes the PNG ``pictures(KEY)`` gives (``render/charts.py``'s drawing
    of the chart whose SVG the PDF shows) and its caption.

    ``page_numbers()`` gives the page of each 目录 entry's target (by HTML id): the PDF's pages
    (``render.pdf.anchor_pages``). It is called last, once the document is built, so that the
    PDF can be laid out meanwhile; without it (a DOCX-only render) the stored entries keep their
    leaders and leave the numbers blank, for Word, WPS or LibreOffice to fill in when they update
    the field (the file asks for that on opening).
    """
    source = str(reference_docx) if reference_docx else io.BytesIO(DEFAULT_REFERENCE_DOCX.read_bytes())
    document = docx.Document(source)
    if fonts is not None:
        apply_fonts(document.styles.element, fonts)
    tree = lxml.html.document_fromstring(html) if html.strip() else lxml.html.document_fromstring("<html/>")

    writer = _DocWriter(document, pictures)
    _add_footers(document, writer.sentinel, writer.sid["footer"])
    body = tree.find("body")
    writer.blocks(body if body is not None else tree)
    writer.finish()

    _set_update_fields(document.settings.element)
    _set_core_properties(document, tree, core_date)
    writer.fill_toc_pages(page_numbers() if page_numbers is not None else None)
    save_docx(document, pathlib.Path(target))
