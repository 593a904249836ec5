"""Turn the computed ``Document`` into the charts of its narrative: what each picture shows, in the text's own figures.

The stage after compute, run only when a bureau turns charts on (``profile.toml``: ``charts =
true``, or ``--charts``; ``jobs/pipeline.py``). Each chart then
follows the paragraph it illustrates (templates/document.html.j2, one block per chart):

========================  ====================  ===========================================
key                       after                 shows
========================  ====================  ===========================================
``totals``                一、收支总体           收入总计 and 支出总计, this year and last year
``income``                二、收入总体           收入 by source (a pie; no slice for a zero)
``spending``              三、支出总体           基本支出 and 项目支出 (a pie)
``gpb_classes``           五、一般公共预算支出    by 功能分类 类, largest first
``sangong``               八、“三公”经费          the four items, this year and last year
``operating_cost``        十、（一）机构运行经费   this year and last year
========================  ====================  ===========================================

Every number is taken from the ``Document`` (the figures its sentences print, already rounded to
the cent), never from the tables again, so a bar reads what its sentence says. A chart with
nothing to show (every figure zero or unknown) is left out, and so is a pie of one part: a whole of
one part is a circle reading 100%, and its sentence already states no share. Drawing is the renderer's
(``render/charts.py``); nothing here imports a plotting library.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING

from generator.workbook.model import ZERO

if TYPE_CHECKING:
    from generator.stages.compute import Document, Share

BARS = "bars"  # grouped columns: one group per category, one column per series (last year, this year)
HBARS = "hbars"  # one series as horizontal bars, largest first, each with its share
PIE = "pie"  # one series as slices of a whole, each with its share


@dataclass(frozen=True)
class Series:
    """One set of columns: a year's figures, one per category (None: not known, no column)."""

    name: str
    values: tuple[Decimal | None, ...]


@dataclass(frozen=True)
class Chart:
    """One chart of the narrative: its kind, caption (after 图N), categories and figures."""

    key: str
    kind: str
    caption: str
    categories: tuple[str, ...]
    series: tuple[Series, ...]
    percents: tuple[Decimal | None, ...] = ()  # HBARS and PIE: each category's share, as the text states it
    unit: str = "万元"


def _year_bars(key: str, caption: str, doc: Document, categories: tuple[str, ...], changes: tuple[str, ...]) -> Chart:
    """Columns of this year's figures against last year's, from the document's changes."""
    prior = tuple(doc.changes[c].prior for c in changes)
    current = tuple(doc.changes[c].current for c in changes)
    series = []
    if any(v is not None for v in prior):
        series.append(Series(f"{doc.prior_year}年", prior))
        caption = f"{doc.year}年{caption}与{doc.prior_year}年对比"
    else:
        caption = f"{doc.year}年{caption}"
    series.append(Series(f"{doc.year}年", current))
    return Chart(key, BARS, caption, categories, tuple(series))


def _shares(key: str, kind: str, caption: str, doc: Document, shares: tuple[Share, ...]) -> Chart:
    """Slices or bars of a whole: only the parts above zero (a zero is no slice).

    A whole of one part carries no share, as the text states none ("其中：一般公共预算1959.63万元").
    """
    parts = tuple(s for s in shares if s.amount > ZERO)
    percents = tuple(s.percent for s in parts) if len(parts) > 1 else (None,) * len(parts)
    return Chart(
        key,
        kind,
        f"{doc.year}年{caption}",
        tuple(s.name for s in parts),
        (Series(f"{doc.year}年", tuple(s.amount for s in parts)),),
        percents,
    )


def _something(chart: Chart) -> bool:
    """Whether the chart shows anything: a figure that is not zero, and a pie at least two slices."""
    if chart.kind == PIE and len(chart.categories) < 2:
        return False
    return any(v is not None and v != ZERO for s in chart.series for v in s.values)


def charts_of(doc: Document) -> dict[str, Chart]:
    """The narrative's charts, by key, in the order the document shows them; those with nothing to show left out."""
    by_class = sorted(doc.gpb_by_class, key=lambda s: s.amount, reverse=True)  # stable: ties keep the code order
    sangong = ("abroad", "reception", "vehicle_purchase", "vehicle_running")
    charts = (
        _year_bars("totals", "收支预算总计", doc, ("收入总计", "支出总计"), ("income_total", "spending_total")),
        _shares("income", PIE, "收入预算构成", doc, doc.income_sources),
        _shares("spending", PIE, "支出预算构成", doc, (doc.basic, doc.project)),
        _shares("gpb_classes", HBARS, "一般公共预算支出功能分类（类）构成", doc, tuple(by_class)),
        _year_bars(
            "sangong",
            "“三公”经费支出预算",
            doc,
            ("因公出国（境）费", "公务接待费", "公务用车购置费", "公务用车运行维护费"),
            sangong,
        ),
        _year_bars("operating_cost", "机构运行经费支出预算", doc, ("机构运行经费",), ("operating_cost",)),
    )
    return {c.key: c for c in charts if _something(c)}
