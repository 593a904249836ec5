"""Turn a ``Chart`` into its picture: SVG for the PDF (vector, its text kept as text) and PNG for the DOCX, one drawing.

matplotlib draws, through its object-oriented API (``Figure``; no pyplot, no global figure).
For the length of a drawing its settings are ours alone (``style.context`` after a reset, under a
lock), so a clerk's matplotlibrc changes nothing; the outputs carry no date, no version and ids
from a fixed salt, so the same chart gives the same bytes. Only the geometry is float
(matplotlib's); every number printed on a chart is the document's own figure, worded as the text
words it ("1959.63万元", "占9.50%").

Made for a government document printed in black and white: greys and hatch patterns, no 3-D, a
figure beside each bar and slice, a legend (the years) told apart by pattern, never by colour.
The text is set in the PDF's body face (the profile's, 宋体 by default), with the simplified-Chinese
face of the font collection, so the picture in the DOCX is the picture in the PDF.

matplotlib is imported on the first chart only: a document without charts never loads it.
"""

from __future__ import annotations

import contextlib
import functools
import html
import io
import math
import re
import threading
from collections.abc import Iterator
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from generator.profile import PDF_FACES
from generator.render.fonts import font_files
from generator.stages.charts import BARS, HBARS, PIE, Chart
from generator.stages.compute import pct, wan

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

TEXT_WIDTH_IN = 156 / 25.4  # GB/T 9704's text block: a chart spans it and is never scaled
PNG_DPI = 300  # the DOCX's picture: sharp in print
LABEL_PT = 12  # 小四
TICK_PT = 12
SMALL_PT = 10.5  # 五号: the figures of many columns

# Greys from light to dark and hatches, so that neighbours differ in print without colour.
LAST_YEAR = ("#e6e6e6", "////")  # (fill, hatch)
THIS_YEAR = ("#7f7f7f", "")
BAR = ("#a6a6a6", "")
EDGE = "#000000"
SLICES = (
    ("#f2f2f2", ""),
    ("#8c8c8c", ""),
    ("#d9d9d9", "////"),
    ("#595959", ""),
    ("#ffffff", "...."),
    ("#bfbfbf", "\\\\\\\\"),
    ("#ffffff", "xxx"),
    ("#a6a6a6", ""),
)

_FONT_FAMILY = re.compile(r"(font-family: )([^;\"]*)")  # in the SVG's style attributes
_LOCK = threading.Lock()  # matplotlib's settings are process-wide: one drawing at a time


def figure(value: Decimal) -> str:
    """A figure on a chart, as the text prints it (the templates' ``wan``), to the cent: "1959.63"."""
    return wan(value)


def with_unit(value: Decimal) -> str:
    """A figure with its unit: "1959.63万元"."""
    return f"{wan(value)}万元"


def share(value: Decimal | None) -> str:
    """A share as the text states it (the templates' ``pct``): "占9.50%"."""
    return f"占{pct(value)}%" if value is not None else ""


@functools.cache
def font_family(face: str) -> str:
    """The family name matplotlib knows the PDF face ``face`` (宋体, 黑体, 楷体, 仿宋) by, its file registered.

    A Noto CJK collection holds a face per region; the simplified-Chinese one (… SC) is chosen.
    """
    from matplotlib import font_manager

    path = font_files()[(PDF_FACES[face], 400)]
    font_manager.fontManager.addfont(str(path))
    names = sorted({entry.name for entry in font_manager.fontManager.ttflist if entry.fname == str(path)})
    return next((n for n in names if n.endswith(" SC")), names[0])


def _rc(families: list[str]) -> dict[str, Any]:
    return {
        "font.family": families,
        "font.size": LABEL_PT,
        "svg.fonttype": "none",  # text stays text: selectable and searchable in the PDF
        "svg.hashsalt": "budget-report",  # ids from a fixed salt: reproducible bytes
        "hatch.linewidth": 0.6,
        "hatch.color": "#000000",
        "axes.linewidth": 0.8,
        "axes.edgecolor": "#000000",
        "text.color": "#000000",
        "xtick.color": "#000000",
        "ytick.color": "#000000",
        "xtick.labelsize": TICK_PT,
        "ytick.labelsize": TICK_PT,
        "legend.fontsize": LABEL_PT,
        "legend.frameon": False,
        "figure.facecolor": "#ffffff",
        "savefig.facecolor": "#ffffff",
        "path.simplify": False,
    }


def _bare(ax: Axes, keep: str) -> None:
    """Only the axis that names the categories stays; the figures are printed at the bars."""
    for side in ("top", "right", "left", "bottom"):
        ax.spines[side].set_visible(side == keep)
    if keep == "bottom":
        ax.set_yticks([])
        ax.tick_params(axis="x", length=0, pad=6)
    else:
        ax.set_xticks([])
        ax.tick_params(axis="y", length=0, pad=6)


def _wrap(name: str, fits: int) -> str:
    """A category name in as few lines as its room takes (``fits`` characters to a line), evenly split."""
    if fits < 1 or len(name) <= fits:
        return name
    lines = -(-len(name) // fits)
    size = -(-len(name) // lines)
    return "\n".join(name[i : i + size] for i in range(0, len(name), size))


def _bars(fig: Figure, chart: Chart) -> None:
    """Grouped columns: one group per category, last year hatched light, this year solid grey.

    Each column carries its figure; the unit is said once, top left, as the tables say it. The
    figures are measured once the picture is laid out: too wide for their column, they stand
    upright; the axis is made tall enough for the highest.
    """
    n, k = len(chart.categories), len(chart.series)
    ax = fig.add_subplot()
    width = min(0.7 / k, 0.3)
    step = width * 1.25  # a gap between the columns of a group keeps their figures apart
    top = max((float(v) for s in chart.series for v in s.values if v is not None), default=0.0)
    top = top if top > 0 else 1.0
    texts = []
    for j, series in enumerate(chart.series):
        fill, hatch = THIS_YEAR if j == k - 1 else LAST_YEAR
        offset = (j - (k - 1) / 2) * step
        xs = [i + offset for i, v in enumerate(series.values) if v is not None]
        values = [v for v in series.values if v is not None]
        heights = [float(v) for v in values]
        bars = ax.bar(xs, heights, width, label=series.name, color=fill, hatch=hatch, edgecolor=EDGE, linewidth=0.8)
        texts += ax.bar_label(bars, labels=[figure(v) for v in values], padding=3, fontsize=LABEL_PT)
    margin = max(0.1, (3 - n) * 0.3)  # few categories: narrower columns, not wider ones
    span = n + 2 * margin
    slot = fig.get_figwidth() * 72 / span  # points across one category
    ax.set_xticks(range(n), [_wrap(c, int(slot // TICK_PT)) for c in chart.categories])
    ax.set_xlim(-0.5 - margin, n - 0.5 + margin)
    ax.set_ylim(0, top)
    _bare(ax, "bottom")
    ax.set_title(f"单位：{chart.unit}", loc="left", fontsize=LABEL_PT, pad=8)
    if k > 1:
        ax.legend(loc="lower right", bbox_to_anchor=(1.0, 1.0), ncols=k, handlelength=2.2, handleheight=1.1)
    for t in texts:  # the figures are placed inside the axes below, not made room for around them
        t.set_in_layout(False)
    fig.draw_without_rendering()  # the layout: the axes' size and each figure's extent are known now
    apart = (step if k > 1 else 1.0) * ax.bbox.width / span  # pixels between neighbouring columns
    if any(t.get_window_extent().width > apart * 0.9 for t in texts):
        for t in texts:
            t.set_rotation(90)
    tallest = max((t.get_window_extent().height for t in texts), default=0.0) + 6
    room = max(ax.bbox.height - tallest, ax.bbox.height * 0.3)
    ax.set_ylim(0, top * ax.bbox.height / room)


def _hbars(fig: Figure, chart: Chart) -> None:
    """Horizontal bars, largest on top, each with its figure and share beside it, measured to fit."""
    n = len(chart.categories)
    values = chart.series[0].values
    ax = fig.add_subplot()
    ys = list(range(n))[::-1]
    bars = ax.barh(ys, [float(v or 0) for v in values], 0.6, color=BAR[0], hatch=BAR[1], edgecolor=EDGE, linewidth=0.8)
    labels = []
    for value, percent in zip(values, chart.percents, strict=True):
        text = with_unit(value) if value is not None else ""
        labels.append(f"{text}（{share(percent)}）" if percent is not None else text)
    texts = ax.bar_label(bars, labels=labels, padding=4)
    names = [_wrap(c, 10) for c in chart.categories]  # a long name in two lines leaves the bars their room
    row = (fig.get_figheight() * 72 - 24) / n  # points a bar's row has
    lines = max(name.count("\n") + 1 for name in names)
    ax.set_yticks(ys, names, fontsize=min(TICK_PT, max(7.0, row / (lines * 1.25))))
    top = max((float(v) for v in values if v is not None), default=0.0) or 1.0
    ax.set_xlim(0, top)
    ax.set_ylim(-0.6, n - 0.4)
    _bare(ax, "left")
    for t in texts:  # placed inside the axes below, not made room for around them
        t.set_in_layout(False)
    fig.draw_without_rendering()
    room = ax.bbox.width  # pixels: the longest bar and its figure must both fit in it
    need = top
    for value, label in zip(values, texts, strict=True):
        free = room - label.get_window_extent().width - 8
        if value is not None and free > 0:
            need = max(need, float(value) * room / free)
    ax.set_xlim(0, need)


def _spread(wanted: list[float], gap: float, low: float, high: float) -> list[float]:
    """Heights for labels wanted at ``wanted`` (top to bottom) at least ``gap`` apart, within [low, high]."""
    placed: list[float] = []
    for y in wanted:
        placed.append(min(y, high) if not placed else min(y, placed[-1] - gap))
    overflow = low - placed[-1] if placed else 0.0
    if overflow > 0:  # pushed below the floor: lift the stack, keeping the gaps
        placed = [y + overflow for y in placed]
        for i in range(len(placed) - 2, -1, -1):
            placed[i] = max(placed[i], placed[i + 1] + gap)
    return placed


def _pie(fig: Figure, chart: Chart) -> None:
    """Slices clockwise from twelve o'clock, each named with its figure and share beside it, outside.

    The names are measured first; the pie is then made as large as leaves them their room, and
    those on one side are spread so that none is printed over another.
    """
    values = chart.series[0].values
    ax = fig.add_axes((0.0, 0.0, 1.0, 1.0))
    looks = [SLICES[i % len(SLICES)] for i in range(len(values))]
    wedges, _texts = ax.pie(
        [float(v or 0) for v in values],
        colors=[c for c, _ in looks],
        hatch=[h for _, h in looks],
        startangle=90,
        counterclock=False,
        wedgeprops={"edgecolor": EDGE, "linewidth": 0.8},
    )
    anchors = []
    for wedge in wedges:  # a whole pie (one part) is named at three o'clock
        middle = math.radians((wedge.theta1 + wedge.theta2) / 2) if len(wedges) > 1 else 0.0
        anchors.append((math.cos(middle), math.sin(middle)))
    notes = []
    for i, (x, _y) in enumerate(anchors):
        value, percent = values[i], chart.percents[i]
        text = f"{chart.categories[i]}\n{with_unit(value) if value is not None else ''}"
        if percent is not None:
            text += f"，{share(percent)}"
        notes.append(ax.text(0, 0, text, ha="left" if x >= 0 else "right", va="center", linespacing=1.2))
    fig.draw_without_rendering()
    wide = max(n.get_window_extent().width for n in notes) + 6
    high = max(n.get_window_extent().height for n in notes) + 4
    width_px, height_px = fig.bbox.width, fig.bbox.height
    # the radius is 1 and the names start at 1.2: the reach (half the height, in radii) that fits them
    reach = max(1.6, 1.2 * height_px / max(width_px - 2 * wide, width_px * 0.1))
    ax.set_ylim(-reach, reach)
    ax.set_xlim(-reach * width_px / height_px, reach * width_px / height_px)
    ax.set_aspect("equal")
    ax.set_axis_off()
    gap = high * 2 * reach / height_px  # one name's height, in radii
    sides: dict[int, list[tuple[float, int]]] = {1: [], -1: []}
    for i, (x, y) in enumerate(anchors):
        sides[1 if x >= 0 else -1].append((y, i))
    for side, members in sides.items():
        members.sort(reverse=True)
        heights = _spread([1.15 * y for y, _ in members], gap, -reach + gap / 2, reach - gap / 2)
        for (_, i), y_label in zip(members, heights, strict=True):
            x, y = anchors[i]
            notes[i].set_position((side * 1.2, y_label))
            ax.plot([x, side * 1.17], [y, y_label], color=EDGE, linewidth=0.6)  # the leader to its slice


TALLEST_IN = 8.0  # a chart fits a page's text block (225 mm) with its caption


def _height(chart: Chart) -> float:
    if chart.kind == HBARS:
        return min(0.5 + 0.42 * len(chart.categories), TALLEST_IN)
    if chart.kind == PIE:
        return min(max(2.9, 0.45 * len(chart.categories)), TALLEST_IN)
    return 2.9


@contextlib.contextmanager
def drawing(chart: Chart, face: str = "宋体") -> Iterator[Figure]:
    """The chart drawn on a matplotlib ``Figure``, with our settings and the lock held while it is used."""
    from matplotlib import style
    from matplotlib.figure import Figure

    # a face that lacks a character (cwTeX 仿宋 lacks a third of the simplified ones) takes it from 宋体
    families = list(dict.fromkeys([font_family(face), font_family("宋体")]))
    draw = {BARS: _bars, HBARS: _hbars, PIE: _pie}[chart.kind]
    with _LOCK, style.context([_rc(families)], after_reset=True):
        # constrained layout makes room for the names, the unit and the legend; a pie places its own
        fig = Figure(figsize=(TEXT_WIDTH_IN, _height(chart)), layout=None if chart.kind == PIE else "constrained")
        draw(fig, chart)
        yield fig


def _draw(chart: Chart, face: str, fmt: str) -> bytes:
    buffer = io.BytesIO()
    with drawing(chart, face) as fig:
        if fmt == "svg":
            fig.savefig(buffer, format="svg", metadata={"Date": None, "Creator": None})
        else:
            fig.savefig(buffer, format="png", dpi=PNG_DPI, metadata={"Software": None})
    if fmt == "png":  # the drawing is grey: one grey channel, no alpha (a quarter of the bytes)
        from PIL import Image

        grey = io.BytesIO()
        Image.open(io.BytesIO(buffer.getvalue())).convert("L").save(grey, format="PNG", dpi=(PNG_DPI, PNG_DPI))
        return grey.getvalue()
    return buffer.getvalue()


def alt_text(chart: Chart) -> str:
    """The chart in words, for a reader who cannot see it: its caption, then every figure it prints.

    "2025年收入预算构成：一般公共预算1959.63万元，占90.50%；单位资金205.60万元，占9.50%。"
    Bars name each year's figure ("收入总计2024年…万元、2025年…万元"); a part with no share states none.
    """
    parts = []
    if chart.kind == BARS:
        for i, category in enumerate(chart.categories):
            years = [f"{s.name}{with_unit(v)}" for s in chart.series if (v := s.values[i]) is not None]
            parts.append(category + "、".join(years))
    else:
        values = chart.series[0].values
        for category, value, percent in zip(chart.categories, values, chart.percents, strict=True):
            text = f"{category}{with_unit(value)}" if value is not None else category
            parts.append(f"{text}，{share(percent)}" if percent is not None else text)
    return f"{chart.caption}：{'；'.join(parts)}。"


def svg(chart: Chart, face: str = "宋体") -> str:
    """The chart as an inline ``<svg>`` element (no XML prolog), for the document HTML and so the PDF.

    Its first child is a ``<title>``, the chart in words (``alt_text``): WeasyPrint makes an inline
    SVG a tagged PDF's ``/Figure`` and takes its ``/Alt`` from that title, which PDF/UA requires.
    """
    text = _draw(chart, face, "svg").decode("utf-8")
    # WeasyPrint 70 splits an SVG font-family list at the commas and keeps the spaces after them, so
    # "'A', 'B'" loses B (the fallback face); matplotlib writes that space. The declarations only.
    text = _FONT_FAMILY.sub(lambda m: m[1] + m[2].replace(", ", ","), text)
    text = text[text.index("<svg") :].strip()
    opened = text.index(">") + 1  # the end of the <svg …> start tag (its attributes hold no ">")
    return f"{text[:opened]}\n <title>{html.escape(alt_text(chart), quote=False)}</title>{text[opened:]}"


def png(chart: Chart, face: str = "宋体") -> bytes:
    """The chart as a PNG of ``PNG_DPI`` dots per inch at the text block's width, for the DOCX."""
    return _draw(chart, face, "png")
