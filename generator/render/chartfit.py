"""A chart that does not fit the rest of its page is drawn smaller there, rather than leave the page's foot empty.

A chart and its caption are kept together (``break-inside: avoid``); one taller than what its
page has left moves to the next page and leaves the space empty, up to a third of the page.
WeasyPrint has no page floats (no "move it to the next page's top and let the text go on"), and
moving a figure past the text that follows it would part it from the sentence it shows. So the
PDF's layout is looked at once: a chart whose paragraph ends on the page before it, with room of
at least ``MIN_GAP`` of the text block left there, is scaled down (never below ``MIN_SCALE``,
its 12 pt labels then 9 pt) to that room, centred, and the document laid out again. A chart the
room cannot take at ``MIN_SCALE`` stays as it is, on the next page.

The layout is read through WeasyPrint's public ``Page.anchors`` (each id's box, on every page the
element is on): the paragraph before each chart is given an id here; the text block's foot on a
page is the foot of a section that goes on to the next page (a split block reaches it). The DOCX
is paginated by Word and keeps its pictures at full size.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from decimal import ROUND_DOWN, Decimal

from weasyprint.document import Document

MIN_SCALE = Decimal("0.75")
MIN_GAP = Decimal("0.15")  # of the text block's height: a smaller gap is an ordinary page end
MARGIN_PX = Decimal(8)  # figure.chart's 6 pt above (style.css), in CSS px
BEFORE = "pdf-before-"

_BEFORE_CHART = re.compile(
    r"<p(?=[\s>])(?![^>]*\bid=)([^>]*>(?:(?!</?p\b).)*</p>\s*)"
    r'(<figure class="chart" id="chart-(\w+)"[^>]*>)(<svg\b)',
    re.S,
)
_SVG_HEIGHT = re.compile(r'<figure class="chart" id="chart-(\w+)"[^>]*><svg\b[^>]*?\bheight="([\d.]+)pt"')


def with_chart_anchors(html: str) -> str:
    """The HTML with an id on the paragraph each chart follows (``pdf-before-<key>``)."""
    return _BEFORE_CHART.sub(lambda m: f'<p id="{BEFORE}{m[3]}"{m[1]}{m[2]}{m[4]}', html)


def _px(value: float) -> Decimal:
    return Decimal(str(value))


def scales(document: Document, html: str, sections: set[str]) -> dict[str, Decimal]:
    """For each chart moved to the next page with room left behind it: the scale that fits it into that room."""
    heights = {key: Decimal(pt) * 4 / 3 for key, pt in _SVG_HEIGHT.findall(html)}  # the SVG's CSS px
    pages = [page.anchors for page in document.pages]
    found: dict[str, Decimal] = {}
    for key, svg_px in heights.items():
        chart = f"chart-{key}"
        on = [i for i, anchors in enumerate(pages) if chart in anchors]
        before = [i for i, anchors in enumerate(pages) if f"{BEFORE}{key}" in anchors]
        if not on or not before or before[-1] != on[0] - 1:
            continue  # it follows its paragraph on the same page
        previous, page = pages[on[0] - 1], pages[on[0]]
        feet = [_px(previous[s][3]) for s in sections if s in previous and s in page]
        tops = [_px(page[s][1]) for s in sections if s in previous and s in page]
        if not feet:
            continue
        foot, top = max(feet), min(tops)
        gap = foot - _px(previous[f"{BEFORE}{key}"][3])
        _x1, y1, _x2, y2 = (_px(v) for v in page[chart])
        caption = (y2 - y1) - svg_px
        if gap < (foot - top) * MIN_GAP:
            continue
        scale = ((gap - 2 * MARGIN_PX - caption - 2) / svg_px).quantize(Decimal("0.001"), rounding=ROUND_DOWN)
        if MIN_SCALE <= scale < 1:
            found[key] = scale
    return found


def scaled(html: str, fits: dict[str, Decimal]) -> str:
    """The HTML with each chart of ``fits`` drawn at its scale, centred (its width and its height given:
    WeasyPrint keeps an SVG's height attribute under ``height: auto``)."""
    heights = {key: Decimal(pt) for key, pt in _SVG_HEIGHT.findall(html)}

    def shrink(match: re.Match[str]) -> str:
        key = match[1]
        if key not in fits:
            return match[0]
        width = (fits[key] * 100).quantize(Decimal("0.1"), rounding=ROUND_DOWN)
        height = (heights[key] * fits[key]).quantize(Decimal("0.01"), rounding=ROUND_DOWN)
        return f'{match[0]} style="width: {width}%; height: {height}pt; margin-left: auto; margin-right: auto"'

    return re.sub(r'<figure class="chart" id="chart-(\w+)"[^>]*><svg\b', shrink, html)


def fitted(html: str, layout: Callable[[str], Document], sections: set[str], rounds: int = 3) -> Document:
    """The document laid out with its charts fitted (up to ``rounds`` layouts; one when nothing moves)."""
    html = with_chart_anchors(html)
    document = layout(html)
    fits: dict[str, Decimal] = {}
    for _ in range(rounds - 1):
        more = {k: v for k, v in scales(document, html, sections).items() if k not in fits}
        if not more:
            break
        fits.update(more)
        document = layout(scaled(html, fits))
    return document
