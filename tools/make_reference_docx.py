"""Build templates/reference.docx from python-docx's default template: GB/T 9704 page, styles and fonts.

The DOCX writer (generator/render/docx.py) takes every style from this file, so a bureau can
restyle the output by editing the .docx in Word. Run it again after changing the specs below:

    python tools/make_reference_docx.py [-o templates/reference.docx]

The result is reproducible byte for byte (fixed dates, fixed zip timestamps).
"""

from __future__ import annotations

import argparse
import pathlib
import sys

ROOT = pathlib.Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import docx  # noqa: E402
from docx.enum.section import WD_ORIENT  # noqa: E402
from docx.shared import Mm  # noqa: E402
from lxml import etree  # noqa: E402

from generator.render.docx import (  # noqa: E402
    DEFAULT_CORE_DATE,
    DEFAULT_REFERENCE_DOCX,
    W_NS,
    DocxFonts,
    apply_fonts,
    save_docx,
)

W = f"{{{W_NS}}}"

# GB/T 9704 on A4: margins top 37, bottom 35, left 28, right 26 mm (a 156 × 225 mm text block);
# the footer 23 mm from the edge puts the page number about 7 mm below the text block.
# The writer derives landscape pages from this portrait page.
PAGE_MM = {
    "page_width": 210,
    "page_height": 297,
    "top_margin": 37,
    "bottom_margin": 35,
    "left_margin": 28,
    "right_margin": 26,
    "header_distance": 15,
    "footer_distance": 23,
}

# The text block's width in twips, as Word rounds the margins (11906 − 1587 − 1474).
TEXT_WIDTH = 8845

NO_INDENT = ("ind", {"firstLineChars": "0", "firstLine": "0"})
SINGLE = ("spacing", {"before": "0", "after": "0", "line": "240", "lineRule": "auto"})
# Off the document grid: titles, the 目录 and tables keep their own size and pitch (on the grid, a
# character wider than the grid's pitch takes two cells, and a single-spaced line a whole grid line).
OFF_GRID = ("snapToGrid", {"val": "0"})
# The 目录's page numbers: flush right after a dot leader (the text block's width, 156 mm).
TOC_TABS = ("tabs", {})
TOC_LINE = ("spacing", {"before": "0", "after": "0", "line": "440", "lineRule": "exact"})  # 四号 on 22 pt lines

# GB/T 9704's page, as style.css sets the PDF: 22 lines of 28 characters of 三号 (16 pt) on the
# 156 × 225 mm text block. The lines: a line grid 28.95 pt (579 twips) apart. The characters: 16 pt
# set 0.25 pt closer (the PDF: 0.21 pt), so that 28 take 441 of the 442.25 pt. Not a character grid
# (type linesAndChars, charSpace −842, Word's own way to say 28 a line): LibreOffice gives each 16 pt
# character two cells of a 15.8 pt grid, 18 characters a line.
DOC_GRID = {"type": "lines", "linePitch": "579"}
TRACKING = ("spacing", {"val": "-5"})  # twentieths of a point: the body's, and "一、" "（一）" "1." headings'
NO_TRACKING = ("spacing", {"val": "0"})  # titles, the 目录, tables (style.css letter-spacing 0)

# (type, styleId, name, basedOn, pPr children, rPr children, extra options); children in schema order.
# Sizes are half-points: 44 = 二号 22pt, 32 = 三号 16pt, 28 = 四号 14pt, 24 = 小四 12pt, 21 = 五号 10.5pt.
_Children = list[tuple[str, dict[str, str]]]
STYLES: list[tuple[str, str, str, str | None, _Children, _Children, dict]] = [
    (
        "paragraph",
        "Normal",
        "Normal",
        None,
        [
            ("widowControl", {"val": "0"}),
            ("spacing", {"before": "0", "after": "0", "line": "579", "lineRule": "exact"}),
            ("ind", {"firstLineChars": "200", "firstLine": "640"}),
            ("jc", {"val": "both"}),
        ],
        [TRACKING, ("sz", {"val": "32"}), ("szCs", {"val": "32"})],
        {"default": True},
    ),
    (
        "character",
        "DefaultParagraphFont",
        "Default Paragraph Font",
        None,
        [],
        [],
        {"default": True, "priority": "1", "hidden": True, "qformat": False},
    ),
    (
        "numbering",
        "NoList",
        "No List",
        None,
        [],
        [],
        {"default": True, "priority": "99", "hidden": True, "qformat": False},
    ),
    (
        "paragraph",
        "Title",
        "Title",
        "Normal",
        [
            ("keepNext", {}),
            OFF_GRID,
            # style.css h1.doc-title: 40 mm above, lines 1.5 apart
            ("spacing", {"before": "2268", "after": "560", "line": "660", "lineRule": "exact"}),
            NO_INDENT,
            ("jc", {"val": "center"}),
        ],
        [("b", {}), ("bCs", {}), NO_TRACKING, ("sz", {"val": "44"}), ("szCs", {"val": "44"})],
        {"priority": "10"},
    ),
    (
        "paragraph",
        "Heading1",
        "heading 1",
        "Normal",
        [
            ("keepNext", {}),
            ("keepLines", {}),
            OFF_GRID,
            # style.css h1: 18 pt (小二) on lines 1.6 apart, one body line (28.95 pt) below
            ("spacing", {"before": "0", "after": "579", "line": "576", "lineRule": "exact"}),
            NO_INDENT,
            ("jc", {"val": "center"}),
            ("outlineLvl", {"val": "0"}),
        ],
        [NO_TRACKING, ("sz", {"val": "36"}), ("szCs", {"val": "36"})],
        {"priority": "9"},
    ),
    (
        "paragraph",
        "Heading2",
        "heading 2",
        "Normal",
        [("keepNext", {}), ("keepLines", {}), ("outlineLvl", {"val": "1"})],
        [("sz", {"val": "32"}), ("szCs", {"val": "32"})],
        {"priority": "9"},
    ),
    (
        "paragraph",
        "Heading3",
        "heading 3",
        "Normal",
        [("keepNext", {}), ("keepLines", {}), ("outlineLvl", {"val": "2"})],
        [("sz", {"val": "32"}), ("szCs", {"val": "32"})],
        {"priority": "9"},
    ),
    (
        "paragraph",
        "Heading4",
        "heading 4",
        "Normal",
        [("keepNext", {}), ("keepLines", {}), ("outlineLvl", {"val": "3"})],
        [("sz", {"val": "32"}), ("szCs", {"val": "32"})],
        {"priority": "9"},
    ),
    (
        "paragraph",
        "TOCHeading",
        "TOC Heading",
        "Normal",
        [
            ("keepNext", {}),
            OFF_GRID,
            # style.css nav.toc h2.toc-title: 22 pt, letters 0.5 em apart (balanced by as much indent)
            ("spacing", {"before": "0", "after": "280", "line": "704", "lineRule": "exact"}),
            ("ind", {"firstLineChars": "0", "firstLine": "220"}),
            ("jc", {"val": "center"}),
            ("outlineLvl", {"val": "9"}),
        ],
        [("spacing", {"val": "220"}), ("sz", {"val": "44"}), ("szCs", {"val": "44"})],
        {"priority": "39"},
    ),
    # style.css nav.toc li: 四号 (14 pt) on 22 pt lines, each level 2 em further in
    (
        "paragraph",
        "TOC1",
        "toc 1",
        "Normal",
        [TOC_TABS, OFF_GRID, TOC_LINE, NO_INDENT],
        [NO_TRACKING, ("sz", {"val": "28"}), ("szCs", {"val": "28"})],
        {"priority": "39"},
    ),
    (
        "paragraph",
        "TOC2",
        "toc 2",
        "Normal",
        [TOC_TABS, OFF_GRID, TOC_LINE, ("ind", {"left": "560", "firstLineChars": "0", "firstLine": "0"})],
        [NO_TRACKING, ("sz", {"val": "28"}), ("szCs", {"val": "28"})],
        {"priority": "39"},
    ),
    (
        "paragraph",
        "TOC3",
        "toc 3",
        "Normal",
        [TOC_TABS, OFF_GRID, TOC_LINE, ("ind", {"left": "1120", "firstLineChars": "0", "firstLine": "0"})],
        [NO_TRACKING, ("sz", {"val": "28"}), ("szCs", {"val": "28"})],
        {"priority": "39"},
    ),
    (
        "paragraph",
        "TableTitle",
        "Table Title",
        "Normal",
        [
            ("keepNext", {}),
            OFF_GRID,
            # style.css p.table-title: 18 pt bold 宋, lines 1.5 apart, 14 pt above (div.table-head), 8 pt below
            ("spacing", {"before": "280", "after": "160", "line": "540", "lineRule": "exact"}),
            NO_INDENT,
            ("jc", {"val": "center"}),
        ],
        [("b", {}), ("bCs", {}), NO_TRACKING, ("sz", {"val": "36"}), ("szCs", {"val": "36"})],
        {},
    ),
    (
        "paragraph",
        "TableMeta",
        "Table Meta",
        "Normal",
        [
            ("keepNext", {}),
            OFF_GRID,
            ("spacing", {"before": "0", "after": "60", "line": "240", "lineRule": "auto"}),
            NO_INDENT,
            ("jc", {"val": "left"}),
        ],
        [NO_TRACKING, ("sz", {"val": "21"}), ("szCs", {"val": "21"})],
        {},
    ),
    (
        "paragraph",
        "TableNote",
        "Table Note",
        "Normal",
        [
            OFF_GRID,
            ("spacing", {"before": "60", "after": "0", "line": "240", "lineRule": "auto"}),
            NO_INDENT,
            ("jc", {"val": "left"}),
        ],
        [NO_TRACKING, ("sz", {"val": "21"}), ("szCs", {"val": "21"})],
        {},
    ),
    (
        "paragraph",
        "TableText",
        "Table Text",
        "Normal",
        [OFF_GRID, SINGLE, NO_INDENT, ("jc", {"val": "left"})],
        [NO_TRACKING, ("sz", {"val": "21"}), ("szCs", {"val": "21"})],
        {},
    ),
    # Cells of landscape (wide) tables: 小五 9 pt, as in the PDF, so amounts fit 16 columns.
    (
        "paragraph",
        "TableTextLandscape",
        "Table Text Landscape",
        "TableText",
        [],
        [NO_TRACKING, ("sz", {"val": "18"}), ("szCs", {"val": "18"})],
        {},
    ),
    (
        "paragraph",
        "Header",
        "header",
        "Normal",
        [OFF_GRID, SINGLE, NO_INDENT, ("jc", {"val": "center"})],
        [NO_TRACKING, ("sz", {"val": "18"}), ("szCs", {"val": "18"})],
        {"priority": "99", "qformat": False},
    ),
    # Page numbers: 四号 半角宋体 (GB/T 9704 7.5).
    (
        "paragraph",
        "Footer",
        "footer",
        "Normal",
        [OFF_GRID, SINGLE, NO_INDENT, ("jc", {"val": "center"})],
        [
            ("rFonts", {"ascii": "宋体", "hAnsi": "宋体", "eastAsia": "宋体", "cs": "宋体"}),
            NO_TRACKING,
            ("sz", {"val": "28"}),
            ("szCs", {"val": "28"}),
        ],
        {"priority": "99", "qformat": False},
    ),
]

_BORDER = {"val": "single", "sz": "4", "space": "0", "color": "auto"}

# East Asian fonts with their usual alternative names, so Word can substitute (e.g. 仿宋 for 仿宋_GB2312).
FONT_TABLE = [
    ("Times New Roman", None, "00", "roman"),
    ("宋体", "SimSun", "86", "auto"),
    ("仿宋_GB2312", "仿宋", "86", "modern"),
    ("黑体", "SimHei", "86", "modern"),
    ("楷体_GB2312", "楷体", "86", "modern"),
    ("方正小标宋简体", "宋体", "86", "auto"),
]

APP_XML = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/extended-properties" '
    'xmlns:vt="http://schemas.openxmlformats.org/officeDocument/2006/docPropsVTypes">'
    "<Template>Normal.dotm</Template><TotalTime>0</TotalTime><Application>budget-report</Application>"
    "<DocSecurity>0</DocSecurity><ScaleCrop>false</ScaleCrop><LinksUpToDate>false</LinksUpToDate>"
    "<SharedDoc>false</SharedDoc><HyperlinksChanged>false</HyperlinksChanged><AppVersion>16.0000</AppVersion>"
    "</Properties>"
)


def _el(parent: etree._Element, tag: str, attrs: dict[str, str] | None = None) -> etree._Element:
    el = etree.SubElement(parent, W + tag)
    for k, v in (attrs or {}).items():
        el.set(W + k, v)
    return el


def _drop_unused_parts(document: docx.document.Document) -> None:
    """Drop what a reference does not need (the 430 KB stylesWithEffects, customXml, thumbnail, numbering)."""
    unwanted = ("stylesWithEffects", "customXml", "numbering", "webSettings")
    for rId, rel in list(document.part.rels.items()):
        if rel.reltype.rsplit("/", 1)[-1] in unwanted:
            del document.part.rels[rId]
    package_rels = document.part.package.rels
    for rId, rel in list(package_rels.items()):
        if rel.reltype.endswith("/thumbnail"):
            del package_rels[rId]
    for rel in document.part.rels.values():
        if rel.reltype.endswith("/fontTable"):
            rel.target_part._blob = _font_table()
    for rel in package_rels.values():
        if rel.reltype.endswith("/extended-properties"):
            rel.target_part._blob = APP_XML.encode("utf-8")


def _font_table() -> bytes:
    root = etree.Element(W + "fonts", nsmap={"w": W_NS})
    for name, alt, charset, family in FONT_TABLE:
        font = _el(root, "font", {"name": name})
        if alt:
            _el(font, "altName", {"val": alt})
        _el(font, "charset", {"val": charset})
        _el(font, "family", {"val": family})
        _el(font, "pitch", {"val": "variable"})
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)


def _build_styles(styles: etree._Element) -> None:
    for child in list(styles):
        if child.tag == W + "style":
            styles.remove(child)
    defaults = styles.find(W + "docDefaults")
    for child in list(defaults):
        defaults.remove(child)
    rPr = _el(_el(defaults, "rPrDefault"), "rPr")
    _el(rPr, "rFonts")
    _el(rPr, "sz", {"val": "32"})
    _el(rPr, "szCs", {"val": "32"})
    _el(rPr, "lang", {"val": "en-US", "eastAsia": "zh-CN", "bidi": "ar-SA"})
    _el(_el(defaults, "pPrDefault"), "pPr")

    for kind, style_id, name, based_on, ppr, rpr, opts in STYLES:
        st = _el(styles, "style", {"type": kind, "styleId": style_id})
        if opts.get("default"):
            st.set(W + "default", "1")
        _el(st, "name", {"val": name})
        if based_on:
            _el(st, "basedOn", {"val": based_on})
        if kind == "paragraph" and style_id != "Normal":
            _el(st, "next", {"val": "Normal"})
        if "priority" in opts:
            _el(st, "uiPriority", {"val": opts["priority"]})
        if opts.get("hidden"):
            _el(st, "semiHidden")
            _el(st, "unhideWhenUsed")
        if opts.get("qformat", kind == "paragraph"):
            _el(st, "qFormat")
        if ppr:
            pPr = _el(st, "pPr")
            for tag, attrs in ppr:
                el = _el(pPr, tag, attrs)
                if tag == "tabs":
                    _el(el, "tab", {"val": "right", "leader": "dot", "pos": str(TEXT_WIDTH)})
        if rpr or kind == "paragraph":
            rPr = _el(st, "rPr")
            for tag, attrs in rpr:
                _el(rPr, tag, attrs)

    normal_table = _el(styles, "style", {"type": "table", "default": "1", "styleId": "TableNormal"})
    _el(normal_table, "name", {"val": "Normal Table"})
    _el(normal_table, "uiPriority", {"val": "99"})
    _el(normal_table, "semiHidden")
    _el(normal_table, "unhideWhenUsed")
    tblPr = _el(normal_table, "tblPr")
    _el(tblPr, "tblInd", {"w": "0", "type": "dxa"})
    mar = _el(tblPr, "tblCellMar")
    for side, width in (("top", "0"), ("left", "108"), ("bottom", "0"), ("right", "108")):
        _el(mar, side, {"w": width, "type": "dxa"})

    budget = _el(styles, "style", {"type": "table", "customStyle": "1", "styleId": "BudgetTable"})
    _el(budget, "name", {"val": "Budget Table"})
    _el(budget, "basedOn", {"val": "TableNormal"})
    _el(budget, "uiPriority", {"val": "59"})
    tblPr = _el(budget, "tblPr")
    _el(tblPr, "tblInd", {"w": "0", "type": "dxa"})
    borders = _el(tblPr, "tblBorders")
    for side in ("top", "left", "bottom", "right", "insideH", "insideV"):
        _el(borders, side, _BORDER)
    mar = _el(tblPr, "tblCellMar")  # cell padding 1.5 pt × 2 pt (as in the PDF): 16 columns must fit 225 mm
    for side, width in (("top", "30"), ("left", "40"), ("bottom", "30"), ("right", "40")):
        _el(mar, side, {"w": width, "type": "dxa"})
    # Custom styles: Word marks them so; python-docx names lookups match either way.
    for st in styles.iterfind(W + "style"):
        if st.get(W + "styleId") in ("TableTitle", "TableMeta", "TableNote", "TableText", "TableTextLandscape"):
            st.set(W + "customStyle", "1")


def _tune_settings(settings: etree._Element) -> None:
    for child in list(settings):
        local = etree.QName(child).localname
        if local in ("savePreviewPicture", "rsids", "proofState"):
            settings.remove(child)
        elif local == "defaultTabStop":
            child.set(W + "val", "420")
        elif local == "themeFontLang":
            child.set(W + "eastAsia", "zh-CN")
        elif local == "compat":
            for setting in child.iterfind(W + "compatSetting"):
                if setting.get(W + "name") == "compatibilityMode":
                    setting.set(W + "val", "15")


def build_reference(fonts: DocxFonts | None = None) -> docx.document.Document:
    document = docx.Document()
    _drop_unused_parts(document)
    _build_styles(document.styles.element)
    apply_fonts(document.styles.element, fonts or DocxFonts())
    _tune_settings(document.settings.element)

    section = document.sections[0]
    sectPr = section._sectPr
    for attr in list(sectPr.attrib):
        del sectPr.attrib[attr]  # rsids
    section.orientation = WD_ORIENT.PORTRAIT
    for name, mm in PAGE_MM.items():
        setattr(section, name, Mm(mm))
    cols = sectPr.find(W + "cols")
    if cols is not None:
        cols.set(W + "space", "425")
    grid = sectPr.find(W + "docGrid")
    if grid is None:
        grid = _el(sectPr, "docGrid")
    for name, value in DOC_GRID.items():
        grid.set(W + name, value)

    props = document.core_properties
    for name in ("title", "subject", "author", "keywords", "comments", "last_modified_by", "category"):
        setattr(props, name, "")
    props.revision = 1
    props.created = props.modified = DEFAULT_CORE_DATE
    return document


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "-o",
        "--output",
        type=pathlib.Path,
        default=DEFAULT_REFERENCE_DOCX,
        help=f"where to write (default: {DEFAULT_REFERENCE_DOCX.relative_to(ROOT)})",
    )
    args = parser.parse_args(argv)
    args.output.parent.mkdir(parents=True, exist_ok=True)
    save_docx(build_reference(), args.output)
    print(f"wrote {args.output} ({args.output.stat().st_size} bytes)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
