"""Lay out the document HTML as PDF with WeasyPrint: GB/T 9704 pages, embedded CJK font subsets, bookmarks."""

from __future__ import annotations

import atexit
import functools
import os
import pathlib
import re
import shutil
from dataclasses import dataclass
from hashlib import md5
from tempfile import mkdtemp
from urllib.parse import unquote, urlsplit
from xml.etree.ElementTree import Element, SubElement, tostring

import cssselect2
import lxml.etree
import lxml.html
import tinyhtml5
import weasyprint
import weasyprint.document
import weasyprint.html
from weasyprint.text.constants import FONTCONFIG_STYLE, FONTCONFIG_WEIGHT
from weasyprint.text.ffi import ffi, fontconfig, pangoft2
from weasyprint.text.fonts import FontConfiguration, font_features
from weasyprint.urls import URLFetcher, URLFetcherResponse

from ..gcpause import gc_paused

TEMPLATES_DIR = pathlib.Path(__file__).resolve().parents[2] / "templates"
STYLESHEET = TEMPLATES_DIR / "style.css"


@dataclass(frozen=True)
class _Face:
    family: str
    weight: int
    package: str
    candidates: tuple[str, ...]
    required: bool  # a bold face is optional; the regular one is not


# Where Debian puts the free stand-ins for the fonts a clerk's machine has (domain.md §6).
# Noto CJK ships as .ttc collections whose first face is the JP one: the stylesheet sets
# `font-language-override: "ZHS"`, so the fonts' locl feature gives the simplified-Chinese glyphs.
_FACES: tuple[_Face, ...] = (
    _Face("BR Song", 400, "fonts-noto-cjk", ("/usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc",), True),
    _Face("BR Song", 700, "fonts-noto-cjk", ("/usr/share/fonts/opentype/noto/NotoSerifCJK-Bold.ttc",), False),
    _Face("BR Hei", 400, "fonts-noto-cjk", ("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",), True),
    _Face("BR Hei", 700, "fonts-noto-cjk", ("/usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc",), False),
    _Face(
        "BR Kai",
        400,
        "fonts-lxgw-wenkai",
        (
            "/usr/share/fonts/truetype/lxgw-wenkai/LXGWWenKai-Regular.ttf",
            "/usr/share/fonts/truetype/lxgw-wenkai/LXGWWenKai-Regular.otf",
        ),
        True,
    ),
    _Face(
        "BR Kai",
        700,
        "fonts-lxgw-wenkai",
        (
            "/usr/share/fonts/truetype/lxgw-wenkai/LXGWWenKai-Bold.ttf",
            "/usr/share/fonts/truetype/lxgw-wenkai/LXGWWenKai-Bold.otf",
        ),
        False,
    ),
    _Face("BR FangSong", 400, "fonts-cwtex-fs", ("/usr/share/fonts/truetype/cwtex/cwfs.ttf",), True),
)


@functools.cache
def _font_files() -> dict[tuple[str, int], pathlib.Path]:
    """The installed file of each face, by (family, weight)."""
    found: dict[tuple[str, int], pathlib.Path] = {}
    for face in _FACES:
        path = next((pathlib.Path(p) for p in face.candidates if pathlib.Path(p).is_file()), None)
        if path is not None:
            found[(face.family, face.weight)] = path.resolve()
        elif face.required:
            raise RuntimeError(
                f"找不到字体“{face.family}”的字体文件（{face.candidates[0]}）："
                f"请安装 Debian 软件包 {face.package}（apt-get install {face.package}）。"
            )
    return found


@functools.cache
def font_css() -> str:
    """@font-face rules binding the stylesheet's family names to the installed font files."""
    rules = []
    for (family, weight), path in _font_files().items():
        rules.append(
            f'@font-face {{ font-family: "{family}"; font-weight: {weight}; '
            f'font-style: normal; src: url("{path.as_uri()}"); }}'
        )
    return "\n".join(rules) + "\n"


class RestrictedURLFetcher(URLFetcher):
    """Fetch only ``data:`` URIs, files inside templates/ and the font files; refuse the rest.

    The HTML carries workbook text; even autoescaped, nothing in it may make WeasyPrint read
    /etc/passwd or call the network. WeasyPrint logs the refusal and leaves the resource out.
    """

    def __init__(self) -> None:
        super().__init__(allowed_protocols=("data", "file"), allow_redirects=False)

    def fetch(self, url: str, headers: dict[str, str] | None = None) -> URLFetcherResponse:
        scheme = url.split(":", 1)[0].lower()
        if scheme == "data":
            return super().fetch(url, headers)
        if scheme == "file" and _file_allowed(url):
            return super().fetch(url, headers)
        raise ValueError(f"拒绝读取外部资源：{url}")


def _file_allowed(url: str) -> bool:
    parts = urlsplit(url)
    if parts.netloc not in ("", "localhost"):
        return False
    path = pathlib.Path(unquote(parts.path)).resolve()
    if path in _font_files().values():
        return True
    return path.is_relative_to(TEMPLATES_DIR.resolve())


@functools.cache
def _fetcher() -> RestrictedURLFetcher:
    return RestrictedURLFetcher()


class _LinkingFontConfiguration(FontConfiguration):
    """WeasyPrint's font configuration, linking our installed font files instead of copying them.

    For each @font-face rule WeasyPrint reads the font file and writes a copy into a temporary
    folder, named after the rule, for fontconfig to load with the rule's family and weight: for
    our seven faces that is 150 MB written, about 0.35 s in every process. For a rule that is
    exactly one of ``font_css()``'s (one installed file, family, weight, style) this does the
    same with a symbolic link in that folder, giving fontconfig the same file under the same
    name; any other rule goes to WeasyPrint unchanged.
    """

    _owner_pid = os.getpid()
    _folder: pathlib.Path | None

    def __init__(self) -> None:
        super().__init__()
        self._owner_pid = os.getpid()

    def add_font_face(self, rule_descriptors: dict, url_fetcher: object) -> None:
        path = _installed_font(rule_descriptors)
        if path is None:
            return super().add_font_face(rule_descriptors, url_fetcher)
        # As FontConfiguration.add_font_face (WeasyPrint 70), with a link for the copy.
        config_digest = md5(str(rule_descriptors).encode(), usedforsecurity=False).hexdigest()
        folder = self._folder
        if folder is None:
            folder = self._folder = pathlib.Path(mkdtemp(prefix="weasyprint-"))
        font_path = folder / config_digest
        if font_path.exists():
            return None
        font_path.symlink_to(path)
        root = Element("fontconfig")
        match = SubElement(root, "match", target="scan")
        test = SubElement(match, "test", name="file", compare="eq")
        SubElement(test, "string").text = font_path.as_posix()
        edit = SubElement(match, "edit", name="family", mode="prepend")
        SubElement(edit, "string").text = rule_descriptors["font_family"]
        edit = SubElement(match, "edit", name="slant", mode="assign_replace")
        SubElement(edit, "const").text = FONTCONFIG_STYLE[rule_descriptors["font_style"]]
        edit = SubElement(match, "edit", name="weight", mode="assign_replace")
        SubElement(edit, "int").text = str(FONTCONFIG_WEIGHT[rule_descriptors["font_weight"]])
        match = SubElement(root, "match", target="font")
        test = SubElement(match, "test", name="file", compare="eq")
        SubElement(test, "string").text = font_path.as_posix()
        edit = SubElement(match, "edit", name="fontfeatures", mode="assign_replace")
        for key, value in font_features(font_feature_settings="normal").items():
            SubElement(edit, "string").text = f"{key} {value}"
        header = b'<?xml version="1.0"?>\n<!DOCTYPE fontconfig SYSTEM "urn:fontconfig:fonts.dtd">'
        fontconfig.FcConfigParseAndLoadFromMemory(self._config, header + b"\n" + tostring(root, encoding="utf-8"), True)
        if fontconfig.FcConfigAppFontAddFile(self._config, os.fsencode(font_path)):
            pangoft2.pango_fc_font_map_config_changed(ffi.cast("PangoFcFontMap *", self.font_map))
            return None
        font_path.unlink()
        return super().add_font_face(rule_descriptors, url_fetcher)

    def __del__(self) -> None:
        # A forked worker (pipeline, batch) shares the folder with its parent: only the owner removes it.
        if os.getpid() == self._owner_pid:
            super().__del__()


def _installed_font(rule_descriptors: dict) -> pathlib.Path | None:
    """The installed file of a rule exactly like font_css()'s, else None."""
    if set(rule_descriptors) != {"font_family", "font_weight", "font_style", "src"}:
        return None
    src = rule_descriptors["src"]
    if len(src) != 1 or src[0][0] != "external" or not str(src[0][1]).startswith("file:"):
        return None
    if (
        rule_descriptors["font_style"] not in FONTCONFIG_STYLE
        or rule_descriptors["font_weight"] not in FONTCONFIG_WEIGHT
    ):
        return None
    parts = urlsplit(src[0][1])
    if parts.netloc not in ("", "localhost"):
        return None
    path = pathlib.Path(unquote(parts.path)).resolve()
    return path if path in _font_files().values() else None


@functools.cache
def _font_config() -> FontConfiguration:
    # One per process (and inherited by forked workers): each @font-face is linked once. Its
    # folder goes at exit: a cached object is not always finalized when the interpreter ends.
    atexit.register(release_fonts)
    return _LinkingFontConfiguration()


@functools.lru_cache(maxsize=2)
def _stylesheets(style_mtime_ns: int) -> tuple[weasyprint.CSS, weasyprint.CSS]:
    """Parsed font and document stylesheets; parsed again only when style.css changes."""
    base_url = TEMPLATES_DIR.as_uri() + "/"
    fonts = weasyprint.CSS(string=font_css(), base_url=base_url, url_fetcher=_fetcher(), font_config=_font_config())
    style = weasyprint.CSS(
        string=STYLESHEET.read_text(encoding="utf-8"),
        base_url=base_url,
        url_fetcher=_fetcher(),
        font_config=_font_config(),
    )
    return fonts, style


# WeasyPrint's user-agent stylesheet styles the pseudo-elements ::marker, ::footnote-call,
# ::footnote-marker, ::note-call, ::note-marker and ::note-callback with selectors that match
# every element, so the cascade computes six extra styles per element (3,300 elements, 20,000
# styles: 0.15 s). Only list items use ::marker and only footnotes and notes use the others, so
# when neither the stylesheets nor the HTML mention footnotes, notes or `display: list-item`,
# the same stylesheet with ::marker narrowed to li::marker and the other five left out gives
# the same document (byte for byte: tests/test_render_pdf.py).
_PSEUDO_RULE = re.compile(r"^::(?:footnote|note)-[^\n]*\n", re.MULTILINE)
_MARKER_RULE = re.compile(r"^::marker ", re.MULTILINE)
_NEEDS_FULL_UA = re.compile(r"footnote|note\s*\(|list-item", re.IGNORECASE)


@functools.cache
def _lean_ua_stylesheet() -> weasyprint.CSS:
    text = _MARKER_RULE.sub("li::marker ", _PSEUDO_RULE.sub("", weasyprint.html.UA))
    return weasyprint.CSS(string=text, counter_style=weasyprint.html.UA_COUNTER_STYLE)


class _ParsedHTML(weasyprint.HTML):
    """An HTML document WeasyPrint lays out from a tree parsed here (``parse_html``), not by tinyhtml5."""

    def __init__(self, root: Element, base_url: str, url_fetcher: URLFetcher) -> None:
        # As weasyprint.HTML.__init__ (WeasyPrint 70) after its parse; no <base> in our documents
        # is honoured either way: base_url is always templates/ (tests/test_render_pdf.py).
        self.base_url = base_url
        self.url_fetcher = url_fetcher
        self.media_type = "print"
        self.wrapper_element = cssselect2.ElementWrapper.from_html_root(root, content_language=None)
        self.etree_element = self.wrapper_element.etree_element


class _LeanHTML(_ParsedHTML):
    """An HTML document laid out with the lean user-agent stylesheet (forms keep the full one)."""

    def _ua_stylesheets(self, forms: bool = False) -> list[weasyprint.CSS]:
        return super()._ua_stylesheets(forms) if forms else [_lean_ua_stylesheet()]


# The document HTML is parsed by libxml2 (lxml, C: 0.01 s) instead of WeasyPrint's tinyhtml5
# (pure Python: 0.15 s, a tenth of the layout) when nothing in it is parsed differently by the
# two. For HTML written the way our templates write it the trees are the same but for where
# whitespace around <head> and after </body> goes, which _html5_whitespace moves as HTML5 does.
# Anything else an HTML5 parser restructures (a table row outside a row group, a block inside a
# <p>, a heading in a heading, foreign SVG/MathML, comments, a stray end tag, a numeric character
# reference other than the &#34; and &#39; Jinja writes, CR line ends...) makes parse_html use
# tinyhtml5: the fast path must give the tree WeasyPrint would have built, or not be taken
# (tests/test_render_pdf.py compares both trees and the PDFs they give).
_HTML5_ONLY = re.compile(
    r"<(?:svg|math|template|noscript|frameset|frame|plaintext|xmp|textarea|select|option|iframe|object|script)\b"
    r"|<!--|<\?|\r|\x00|&[A-Za-z][A-Za-z0-9]*(?![A-Za-z0-9;])|&#(?!3[49];)",
    re.IGNORECASE,
)
_BLOCKS = frozenset(
    "address article aside blockquote center details dialog dir div dl dd dt fieldset figcaption figure "
    "footer form h1 h2 h3 h4 h5 h6 header hgroup hr li main menu nav ol p pre section summary table ul".split()
)
_TABLE_CHILDREN = frozenset(("caption", "colgroup", "thead", "tbody", "tfoot"))
_CELLS = frozenset(("td", "th"))
_HEADINGS = frozenset(("h1", "h2", "h3", "h4", "h5", "h6"))
_NOT_IN_ITSELF = frozenset(("a", "li", "dd", "dt", "button", "form", "nobr"))
_LXML_PARSER = lxml.html.HTMLParser(recover=False)
_AFTER_HTML = re.compile(r"</html\s*>(\s*)\Z", re.IGNORECASE)


def parse_html(html: str) -> Element:
    """The element tree of ``html`` as WeasyPrint's HTML5 parser builds it (no namespaces)."""
    tree = _fast_tree(html)
    if tree is None:
        tree = tinyhtml5.parse(html, namespace_html_elements=False)
    return tree


def _fast_tree(html: str) -> Element | None:
    """The tree parsed by libxml2, or None where an HTML5 parser might build another."""
    after = _AFTER_HTML.search(html)
    if _HTML5_ONLY.search(html) or after is None:
        return None
    try:
        root = lxml.html.document_fromstring(html, parser=_LXML_PARSER)
    except (lxml.etree.LxmlError, ValueError):
        return None
    if (
        root.tag != "html"
        or [c.tag for c in root] != ["head", "body"]
        or root.getroottree().docinfo.doctype
        not in (
            "<!DOCTYPE html>",
            "",
        )
    ):
        return None
    head, body = root
    if any((text or "").strip() for text in (root.text, head.tail, body.tail)):
        return None
    converted = _converted(root)
    if converted is None:
        return None
    _html5_whitespace(converted, after.group(1))
    return converted


def _converted(element: lxml.etree._Element) -> Element | None:
    """``element`` as an xml.etree Element, or None where its nesting is one HTML5 would change."""
    tag = element.tag
    if not isinstance(tag, str) or ":" in tag:
        return None
    out = Element(tag, dict(element.attrib))
    out.text = element.text
    out.tail = element.tail
    for child in element:
        ctag = child.tag
        if not isinstance(ctag, str):
            return None
        if (
            (tag == "p" and ctag in _BLOCKS)
            or (tag in _HEADINGS and ctag in _HEADINGS)
            or (tag == ctag and tag in _NOT_IN_ITSELF)
            or (tag == "table" and ctag not in _TABLE_CHILDREN)
            or (tag in ("thead", "tbody", "tfoot") and ctag != "tr")
            or (tag == "tr" and ctag not in _CELLS)
            or (tag == "colgroup" and ctag != "col")
            or (ctag in _CELLS and tag != "tr")
            or (ctag == "tr" and tag not in ("thead", "tbody", "tfoot"))
            or (ctag in ("html", "head", "body") and tag != "html")
        ):
            return None
        if tag in ("table", "thead", "tbody", "tfoot", "tr", "colgroup") and (child.tail or "").strip():
            return None  # text inside a table outside its cells: HTML5 moves it before the table
        converted = _converted(child)
        if converted is None:
            return None
        out.append(converted)
    if tag in ("table", "thead", "tbody", "tfoot", "tr", "colgroup") and (element.text or "").strip():
        return None
    return out


def _html5_whitespace(root: Element, after_html: str) -> None:
    """Move the whitespace around <head> and after </body> and </html> where an HTML5 parser puts it."""
    body = root[1]
    root.text = None  # whitespace before <head> is dropped; between </head> and <body> it stays
    trailing = (body.tail or "") + after_html
    body.tail = None
    if trailing:  # whitespace after </body> and </html> is appended to the body's end
        if len(body):
            body[-1].tail = (body[-1].tail or "") + trailing
        else:
            body.text = (body.text or "") + trailing


def release_fonts() -> None:
    """Remove the font folder this process made: at exit, and at the end of a worker process,
    which ends with os._exit and so skips both the atexit hook and the configuration's own clean-up."""
    if _font_config.cache_info().currsize:
        config = _font_config()
        folder = getattr(config, "_folder", None)
        if folder is not None and getattr(config, "_owner_pid", None) == os.getpid():
            shutil.rmtree(folder, ignore_errors=True)
            config._folder = None


def warm_up(*, parallel: bool = False) -> None:
    """Load what every document needs (fonts, stylesheets) ahead of the first one."""
    _stylesheets(STYLESHEET.stat().st_mtime_ns)
    _lean_ua_stylesheet()
    if parallel:
        from . import parallel as _parallel  # noqa: F401  (pikepdf)


def _render(html: str, extra_css: str, **options: object) -> weasyprint.document.Document:
    document = parsed_document(parse_html(html), lean=lean_user_agent(html, extra_css))
    return render_parsed(document, extra_css, **options)


def lean_user_agent(html: str, extra_css: str = "") -> bool:
    """Whether the lean user-agent stylesheet lays out this document as WeasyPrint's own would."""
    return not (
        _NEEDS_FULL_UA.search(html)
        or _NEEDS_FULL_UA.search(extra_css)
        or _style_needs_full_ua(STYLESHEET.stat().st_mtime_ns)
    )


def parsed_document(root: Element, *, lean: bool) -> weasyprint.HTML:
    """A parsed tree as a WeasyPrint document; ``lean`` as ``lean_user_agent`` decides."""
    return (_LeanHTML if lean else _ParsedHTML)(root, TEMPLATES_DIR.as_uri() + "/", _fetcher())


def render_parsed(document: weasyprint.HTML, extra_css: str = "", **options: object) -> weasyprint.document.Document:
    """Lay out a document from ``parsed_document`` with our stylesheets and ``extra_css`` after them."""
    stylesheets = list(_stylesheets(STYLESHEET.stat().st_mtime_ns))
    if extra_css:
        stylesheets.append(
            weasyprint.CSS(
                string=extra_css,
                base_url=TEMPLATES_DIR.as_uri() + "/",
                url_fetcher=_fetcher(),
                font_config=_font_config(),
            )
        )
    return document.render(font_config=_font_config(), stylesheets=stylesheets, **options)


@functools.lru_cache(maxsize=2)
def _style_needs_full_ua(style_mtime_ns: int) -> bool:
    return _NEEDS_FULL_UA.search(STYLESHEET.read_text(encoding="utf-8")) is not None


def render_document(html: str, *, extra_css: str = "") -> weasyprint.document.Document:
    """Lay out the HTML into pages (inspect ``.pages``, ``.make_bookmark_tree()``)."""
    with gc_paused():
        return _render(html, extra_css)


def write_pdf(
    html: str, target: pathlib.Path, *, variant: str | None = None, extra_css: str = "", parallel: bool = False
) -> None:
    """Write the HTML as a PDF file; ``variant`` is a WeasyPrint PDF variant such as "pdf/a-2b".

    Title, author and the dcterms.created/modified dates come from the HTML's <head>, so the
    same HTML gives the same bytes. With ``parallel`` the document is laid out in two processes
    (render/parallel.py) where it can be: not for a PDF variant (PDF/A needs one file written by
    WeasyPrint) nor with a bureau's stylesheet (whose page rules the parts might not share).
    """
    root, lean = parse_html(html), lean_user_agent(html, extra_css)  # once, for either way
    if parallel and not variant and not extra_css:
        from .parallel import write_parsed_parallel

        if write_parsed_parallel(root, pathlib.Path(target), lean=lean):
            return
    options: dict[str, object] = {"pdf_variant": variant} if variant else {}
    with gc_paused():
        document = render_parsed(parsed_document(root, lean=lean), extra_css, **options)
        document.write_pdf(pathlib.Path(target), **options)
