"""Lay out the document HTML as PDF with WeasyPrint: GB/T 9704 pages, embedded CJK font subsets, bookmarks."""

from __future__ import annotations

import functools
import pathlib
from dataclasses import dataclass
from urllib.parse import unquote, urlsplit

import weasyprint
import weasyprint.document
from weasyprint.text.fonts import FontConfiguration
from weasyprint.urls import URLFetcher, URLFetcherResponse

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


@functools.cache
def _font_config() -> FontConfiguration:
    # One per process: each @font-face copies its font file once into a temporary folder.
    return FontConfiguration()


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


def _render(html: str, extra_css: str, **options: object) -> weasyprint.document.Document:
    stylesheets = list(_stylesheets(STYLESHEET.stat().st_mtime_ns))
    base_url = TEMPLATES_DIR.as_uri() + "/"
    if extra_css:
        stylesheets.append(
            weasyprint.CSS(string=extra_css, base_url=base_url, url_fetcher=_fetcher(), font_config=_font_config())
        )
    document = weasyprint.HTML(string=html, base_url=base_url, url_fetcher=_fetcher())
    return document.render(font_config=_font_config(), stylesheets=stylesheets, **options)


def render_document(html: str, *, extra_css: str = "") -> weasyprint.document.Document:
    """Lay out the HTML into pages (inspect ``.pages``, ``.make_bookmark_tree()``)."""
    return _render(html, extra_css)


def write_pdf(html: str, target: pathlib.Path, *, variant: str | None = None, extra_css: str = "") -> None:
    """Write the HTML as a PDF file; ``variant`` is a WeasyPrint PDF variant such as "pdf/a-2b".

    Title, author and the dcterms.created/modified dates come from the HTML's <head>, so the
    same HTML gives the same bytes.
    """
    options: dict[str, object] = {"pdf_variant": variant} if variant else {}
    document = _render(html, extra_css, **options)
    document.write_pdf(pathlib.Path(target), **options)
