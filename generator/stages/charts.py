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

A declared format (``engine: declared``) declares its charts in figures.yaml instead (``charts``:
name, kind, title, ``[label, figure]`` parts); ``declared_charts`` builds them from the
``DeclaredDocument``'s figures the same way, after the template's ``chart_NAME`` blocks.

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

from generator.formats.shapes import CHART_KINDS
from generator.stages.compute import Share, share
from generator.workbook.model import ZERO

if TYPE_CHECKING:
    from generator.formats.spec import ChartDecl
    from generator.stages.compute import Change, Document
    from generator.stages.declared import DeclaredDocument

# grouped columns (one group per category, one column per series: last year, this year); one series as
# horizontal bars, largest first, each with its share; one series as slices of a whole, each with its share
BARS, HBARS, PIE = CHART_KINDS


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


def _year_bars(
    key: str, caption: str, doc: Document | DeclaredDocument, categories: tuple[str, ...], changes: tuple[Change, ...]
) -> Chart:
    """Columns of this year's figures against last year's, from the document's changes."""
    prior = tuple(c.prior for c in changes)
    current = tuple(c.current for c in changes)
    series = []
    if any(v is not None for v in prior):
        series.append(Series(f"{doc.prior_year}年", prior))
        caption = f"{doc.year}年{caption}与{doc.prior_year}年对比"
    else:
        caption = f"{doc.year}年{caption}"
    series.append(Series(f"{doc.year}年", current))
    return Chart(key, BARS, caption, categories, tuple(series))


def _shares(key: str, kind: str, caption: str, doc: Document | DeclaredDocument, shares: tuple[Share, ...]) -> Chart:
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
    changes = doc.changes
    charts = (
        _year_bars(
            "totals",
            "收支预算总计",
            doc,
            ("收入总计", "支出总计"),
            (changes["income_total"], changes["spending_total"]),
        ),
        _shares("income", PIE, "收入预算构成", doc, doc.income_sources),
        _shares("spending", PIE, "支出预算构成", doc, (doc.basic, doc.project)),
        _shares("gpb_classes", HBARS, "一般公共预算支出功能分类（类）构成", doc, tuple(by_class)),
        _year_bars(
            "sangong",
            "“三公”经费支出预算",
            doc,
            ("因公出国（境）费", "公务接待费", "公务用车购置费", "公务用车运行维护费"),
            tuple(changes[c] for c in sangong),
        ),
        _year_bars("operating_cost", "机构运行经费支出预算", doc, ("机构运行经费",), (changes["operating_cost"],)),
    )
    return {c.key: c for c in charts if _something(c)}


def declared_charts(doc: DeclaredDocument, decls: tuple[ChartDecl, ...]) -> dict[str, Chart]:
    """A declared format's charts (figures.yaml's ``charts``), by name, from the figures its text prints.

    A bars chart draws each figure's ``doc.change`` (this year against last year's); a pie or hbars
    chart the parts above zero, each with its share of their sum, as the text's ``doc.share`` states it
    when the parts make the whole. Those with nothing to show are left out, as in ``charts_of``.
    """
    charts = []
    for decl in decls:
        labels = tuple(label for label, _ in decl.parts)
        if decl.kind == BARS:
            changes = tuple(doc.change[figure] for _, figure in decl.parts)
            charts.append(_year_bars(decl.name, decl.title, doc, labels, changes))
            continue
        amounts = tuple(Decimal(doc.fig[figure]) for _, figure in decl.parts)
        whole = sum((a for a in amounts if a > ZERO), ZERO)
        parts = tuple(Share(label, a, share(a, whole)) for label, a in zip(labels, amounts, strict=True))
        charts.append(_shares(decl.name, decl.kind, decl.title, doc, parts))
    return {c.key: c for c in charts if _something(c)}
