"""Lay out the document HTML as PDF with WeasyPrint: GB/T 9704 pages, embedded CJK font subsets, bookmarks.

WeasyPrint is used through its public API only: ``HTML`` parses the document, ``CSS`` the
stylesheets, one ``FontConfiguration`` per process holds the fonts (made under our fontconfig
file, ``fonts.conf``, which binds the stylesheet's families to the installed faces), ``render``
lays out and ``write_pdf`` writes. Page numbers, the 目录's numbers, left and
right footers and bookmarks are the stylesheet's (templates/style.css).
"""

from __future__ import annotations

import atexit
import contextlib
import functools
import gc
import os
import pathlib
from collections.abc import Callable, Iterator
from importlib import resources
from urllib.parse import unquote, urlsplit

import weasyprint
from weasyprint.document import Document
from weasyprint.text.fonts import FontConfiguration
from weasyprint.urls import URLFetcher, URLFetcherResponse

from generator.gcpause import gc_paused
from generator.render import TEMPLATES, breaks, chartfit, justify, pdftags
from generator.render.fonts import font_files

STYLESHEET = TEMPLATES / "style.css"


FONTCONFIG = resources.files("generator") / "render" / "fonts.conf"


@functools.cache
def fontconfig_file() -> pathlib.Path:
    """Our fontconfig file on disk (kept for the process, as ``templates_folder`` keeps its folder)."""
    stack = contextlib.ExitStack()
    atexit.register(stack.close)
    return stack.enter_context(resources.as_file(FONTCONFIG))


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
    if path in font_files().values():
        return True
    return path.is_relative_to(templates_folder().resolve())


@functools.cache
def templates_folder() -> pathlib.Path:
    """The built-in templates' folder on disk: WeasyPrint's base URL, and all the fetcher may read there.

    The stylesheet is a package resource; ``as_file`` gives its file (kept for the process: a
    package installed as a zip would have it extracted to a temporary file until exit).
    """
    stack = contextlib.ExitStack()
    atexit.register(stack.close)
    return stack.enter_context(resources.as_file(STYLESHEET)).parent


def _base_url() -> str:
    return templates_folder().as_uri() + "/"


@functools.cache
def _fetcher() -> RestrictedURLFetcher:
    return RestrictedURLFetcher()


# One font configuration per process, made on first use, under our fontconfig file: the
# stylesheet's families ("BR Song" …) are bound there to the installed faces by their own family
# names, so fontconfig opens the simplified-Chinese face of each Noto CJK collection (an @font-face
# rule can only name the file, whose first face is the Japanese one, with its centred ：and ；) and
# WeasyPrint copies no font file: it makes a temporary folder only for @font-face rules, and a
# killed process would leave one behind. FONTCONFIG_FILE is fontconfig's documented way to name
# the configuration; WeasyPrint's FontConfiguration reads it once, when it is made, so it is set
# for that moment only and the process's environment is left as it was.
_configuration: FontConfiguration | None = None
_configuration_pid = 0


def _font_config() -> FontConfiguration:
    global _configuration, _configuration_pid
    if _configuration is None:
        font_files()  # a face that is not installed stops here, naming its Debian package
        atexit.register(release_fonts)  # a module global is not always finalized at exit
        with _environment("FONTCONFIG_FILE", str(fontconfig_file())):
            _configuration, _configuration_pid = FontConfiguration(), os.getpid()
    return _configuration


@contextlib.contextmanager
def _environment(name: str, value: str) -> Iterator[None]:
    before = os.environ.get(name)
    os.environ[name] = value
    try:
        yield
    finally:
        if before is None:
            del os.environ[name]
        else:
            os.environ[name] = before


@functools.lru_cache(maxsize=2)
def _stylesheets(style: str) -> tuple[weasyprint.CSS]:
    """The parsed built-in stylesheet (of its text ``style``)."""
    return (weasyprint.CSS(string=style, base_url=_base_url(), url_fetcher=_fetcher(), font_config=_font_config()),)


def _style_text() -> str:
    return STYLESHEET.read_text(encoding="utf-8")


def release_fonts() -> None:
    """Let go of this process's font configuration, so that WeasyPrint removes its font folder.

    Called at exit, and at the end of a worker process, which ends with os._exit and so skips
    both the atexit hook and finalization. A forked process never removes its parent's folder.
    """
    global _configuration
    if _configuration is None or _configuration_pid != os.getpid():
        return
    _configuration = None
    _stylesheets.cache_clear()
    gc.collect()  # the stylesheets' and documents' styles refer to it in cycles


def warm_up() -> None:
    """Load what every document needs (fonts, stylesheets) ahead of the first one."""
    _stylesheets(_style_text())


def _document(html: str, extra_css: str) -> Document:
    stylesheets = list(_stylesheets(_style_text()))
    if extra_css:
        stylesheets.append(
            weasyprint.CSS(string=extra_css, base_url=_base_url(), url_fetcher=_fetcher(), font_config=_font_config())
        )
    if not extra_css:  # the body face measured (justify.py); a bureau's own fonts are left to WeasyPrint
        html = justify.justify_html(html)
    page = weasyprint.HTML(string=html, base_url=_base_url(), url_fetcher=_fetcher())
    document = page.render(font_config=_font_config(), stylesheets=stylesheets)
    # A row group broken over pages gets its labels again on the next page: a second layout (breaks.py).
    repeat = breaks.repeat_css([p.anchors for p in document.pages])
    if repeat:
        extra = weasyprint.CSS(string=repeat, base_url=_base_url(), url_fetcher=_fetcher(), font_config=_font_config())
        document = page.render(font_config=_font_config(), stylesheets=[*stylesheets, extra])
    return document


def render_document(html: str, *, extra_css: str = "") -> Document:
    """Lay out the HTML into pages (inspect ``.pages``, ``.make_bookmark_tree()``)."""
    with gc_paused():
        return _document(html, extra_css)


def anchor_pages(document: Document) -> dict[str, int]:
    """The printed page number of each anchor (HTML id) of a laid-out document: the 目录's numbers.

    Pages count from the cover, as the stylesheet's counter(page) does (the cover is 1, unprinted).
    """
    pages: dict[str, int] = {}
    for number, page in enumerate(document.pages, start=1):
        for name in page.anchors:
            pages.setdefault(name, number)
    return pages


def laid_out(html: str, *, extra_css: str = "") -> tuple[Document, dict[str, str]]:
    """The pages ``write_pdf`` writes, and the ids it gave the sections and tables (``pdftags.with_piece_ids``).

    With charts, a chart too tall for the rest of its page is fitted there (``chartfit``): a
    second layout, only when one is.
    """
    marked, kinds = pdftags.with_piece_ids(html)
    if '<figure class="chart"' not in marked:
        return _document(marked, extra_css), kinds
    sections = {name for name, kind in kinds.items() if kind == "/Sect"}
    return chartfit.fitted(marked, lambda text: _document(text, extra_css), sections), kinds


WITHDRAWN_VARIANTS = {
    # PDF/A-1 allows PDF 1.4's font programs only; WeasyPrint embeds the CFF-flavoured Noto CJK faces
    # as OpenType (FontFile3 /OpenType, PDF 1.6) and has no option to embed them otherwise.
    "pdf/a-1b": "PDF/A-1b 已停用：本工具嵌入的中文字体是 OpenType 字体，PDF/A-1b（PDF 1.4）不允许；请改用 pdf/a-2b。",
}


def write_pdf(
    html: str,
    target: pathlib.Path,
    *,
    variant: str | None = None,
    extra_css: str = "",
    on_layout: Callable[[Document], None] | None = None,
) -> int:
    """Write the HTML as a tagged PDF file and return its number of pages; ``variant`` is a WeasyPrint
    PDF variant such as "pdf/a-2b" or "pdf/ua-1".

    Title, author and the dcterms.created/modified dates come from the HTML's <head>, so the
    same HTML gives the same bytes. ``extra_css`` (a bureau's stylesheet, its profile's fonts)
    comes after the built-in stylesheet. The page count is the laid-out document's (a batch's
    summary lists it), not read back from the file. ``on_layout(document)`` is called once the
    pages are laid out, before the file is written (the DOCX takes its 目录's page numbers there).

    Every PDF is tagged (a published document is read aloud too): WeasyPrint's structure tree,
    mended by ``pdftags.mend`` (one element per section and per table, page numbers as artifacts,
    header cells' scope). With charts, a chart that does not fit the rest of its page is drawn
    smaller there when it can be (``chartfit``, ``laid_out``), at the cost of a second layout.
    "pdf/ua-1" adds the PDF/UA identification. A withdrawn variant (``WITHDRAWN_VARIANTS``)
    raises ValueError with the message the CLI prints.
    """
    if variant in WITHDRAWN_VARIANTS:
        raise ValueError(WITHDRAWN_VARIANTS[variant])
    options: dict[str, object] = {"pdf_variant": variant} if variant else {}
    with gc_paused():
        document, kinds = laid_out(html, extra_css=extra_css)
        if on_layout is not None:
            on_layout(document)
        document.write_pdf(pathlib.Path(target), pdf_tags=True, **options)
        pdftags.mend(pathlib.Path(target), pdftags.pieces(document, kinds), kinds)
        return len(document.pages)
