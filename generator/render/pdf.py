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


class _LeanHTML(weasyprint.HTML):
    """An HTML document laid out with the lean user-agent stylesheet (forms keep the full one)."""

    def _ua_stylesheets(self, forms: bool = False) -> list[weasyprint.CSS]:
        return super()._ua_stylesheets(forms) if forms else [_lean_ua_stylesheet()]


def release_fonts() -> None:
    """Remove the font folder this process made: at exit, and at the end of a worker process,
    which ends with os._exit and so skips both the atexit hook and the configuration's own clean-up."""
    if _font_config.cache_info().currsize:
        config = _font_config()
        folder = getattr(config, "_folder", None)
        if folder is not None and getattr(config, "_owner_pid", None) == os.getpid():
            shutil.rmtree(folder, ignore_errors=True)
            config._folder = None


def warm_up() -> None:
    """Load what every document needs (fonts, stylesheets) ahead of the first one."""
    _stylesheets(STYLESHEET.stat().st_mtime_ns)
    _lean_ua_stylesheet()


def _render(html: str, extra_css: str, **options: object) -> weasyprint.document.Document:
    mtime = STYLESHEET.stat().st_mtime_ns
    stylesheets = list(_stylesheets(mtime))
    base_url = TEMPLATES_DIR.as_uri() + "/"
    if extra_css:
        stylesheets.append(
            weasyprint.CSS(string=extra_css, base_url=base_url, url_fetcher=_fetcher(), font_config=_font_config())
        )
    lean = not (_NEEDS_FULL_UA.search(html) or _NEEDS_FULL_UA.search(extra_css) or _style_needs_full_ua(mtime))
    document = (_LeanHTML if lean else weasyprint.HTML)(string=html, base_url=base_url, url_fetcher=_fetcher())
    return document.render(font_config=_font_config(), stylesheets=stylesheets, **options)


@functools.lru_cache(maxsize=2)
def _style_needs_full_ua(style_mtime_ns: int) -> bool:
    return _NEEDS_FULL_UA.search(STYLESHEET.read_text(encoding="utf-8")) is not None


def render_document(html: str, *, extra_css: str = "") -> weasyprint.document.Document:
    """Lay out the HTML into pages (inspect ``.pages``, ``.make_bookmark_tree()``)."""
    with gc_paused():
        return _render(html, extra_css)


def write_pdf(html: str, target: pathlib.Path, *, variant: str | None = None, extra_css: str = "") -> None:
    """Write the HTML as a PDF file; ``variant`` is a WeasyPrint PDF variant such as "pdf/a-2b".

    Title, author and the dcterms.created/modified dates come from the HTML's <head>, so the
    same HTML gives the same bytes.
    """
    options: dict[str, object] = {"pdf_variant": variant} if variant else {}
    with gc_paused():
        document = _render(html, extra_css, **options)
        document.write_pdf(pathlib.Path(target), **options)
