"""Turn a batch's outcomes into 汇总.xlsx and index.html: the finance bureau's summary of every department.

One row per workbook (its status, counts and the headline figures its own document states), a
totals row summed with ``Decimal``, every finding on a second sheet; and the same list as a page
linking each document. Both files are written through ``pipeline.write_atomic``: an interrupted
run leaves the previous summary, or none, never a partial one.

The figures are taken from the stages' values (the ``Document`` of ``compute``), never computed
again here: what the summary says is what each department's document says.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import quote, unquote

from generator.errors import SEVERITY_TEXT
from generator.jobs import pipeline
from generator.stages.declared import DeclaredDocument
from generator.stages.derive import q2
from generator.workbook.model import ZERO

if TYPE_CHECKING:
    from openpyxl.worksheet.worksheet import Worksheet

    from generator.jobs.service import Outcome
    from generator.reference.codes import CodeBook
    from generator.stages.compute import Document
    from generator.stages.derive import Complete
    from generator.workbook.model import Budget

WORKBOOK_NAME = "汇总.xlsx"
PAGE_NAME = "index.html"
SUMMARY_SHEET = "汇总"
FINDINGS_SHEET = "问题清单"
TEMPLATE = "summary.html.j2"

# The figures of each row, in the order of the columns: key of ``document_figures``, and header.
FIGURES: tuple[tuple[str, str], ...] = (
    ("income_total", "收入总计"),
    ("spending_total", "支出总计"),
    ("gpb", "一般公共预算"),
    ("gov_fund", "政府性基金"),
    ("basic", "基本支出"),
    ("project", "项目支出"),
    ("abroad", "因公出国（境）费"),
    ("vehicle_purchase", "公务用车购置费"),
    ("vehicle_running", "公务用车运行费"),
    ("reception", "公务接待费"),
    ("sangong", "“三公”经费合计"),
    ("operating_cost", "机构运行经费"),
)

STATUS_TEXT = {"ok": "已生成", "errors": "有错误", "refused": "无法读取", "failed": "失败"}

# 汇总's columns: header, width (characters); the amounts come between 警告 and 项目个数.
# Narrow enough for A4 landscape at about 70 %: names and headers wrap (the amounts never do).
_LEAD = (("工作簿", 20), ("部门名称", 18), ("年度", 6), ("状态", 8), ("错误", 5), ("警告", 5))
_TAIL = (("项目个数", 6), ("PDF页数", 6), ("旧文档（上次生成，未更新）", 16))
_AMOUNT_WIDTH = 11
_FINDING_COLUMNS = (
    ("工作簿", 34),
    ("级别", 6),
    ("位置", 12),
    ("规则", 12),
    ("说明", 60),
    ("应为", 14),
    ("实为", 14),
)
AMOUNT_FORMAT = "#,##0.00"


def document_figures(document: Document | DeclaredDocument) -> tuple[dict[str, Decimal], int]:
    """The headline figures the document states (keys of ``FIGURES``), and its number of projects.

    A declared format's document gives those of its named figures that have these names (the
    others stay empty in the summary), and the length of its list ``projects``.
    """
    if isinstance(document, DeclaredDocument):
        named = {key: Decimal(document.fig[key]) for key, _ in FIGURES if key in document.fig}
        return named, len(document.lists.get("projects", ()))
    figures = {
        "income_total": document.income_total,
        "spending_total": document.spending_total,
        "gpb": document.figures.current["gpb"],
        "gov_fund": document.gov_fund,
        "basic": document.basic.amount,
        "project": document.project.amount,
        "abroad": document.sangong["abroad"],
        "vehicle_purchase": document.sangong["vehicle_purchase"],
        "vehicle_running": document.sangong["vehicle_running"],
        "reception": document.sangong["reception"],
        "sangong": document.sangong["total"],
        "operating_cost": document.operating_cost,
    }
    return figures, document.project_count


def refused_figures(
    budget: Budget, book: CodeBook, done: Complete, templates: Path | None = None
) -> tuple[str, int, dict[str, Decimal] | None, int | None]:
    """A refused workbook's bureau, year, figures and number of projects, from the values its check
    read (``CheckFailed``): the document model is computed as for a render; a workbook too broken
    for that still gets the headline figures (``figures.headline``) it has.
    """
    from generator.profile import load_profile
    from generator.stages.compute import build_document
    from generator.stages.figures import headline

    try:
        document = build_document(budget, book, load_profile(templates), done)
    except Exception:  # a table too broken to print: the headline figures are still the document's
        current = headline(budget, done).current
        return budget.bureau, budget.year, {k: current[k] for k, _ in FIGURES if k in current}, None
    figures, projects = document_figures(document)
    return budget.bureau, budget.year, figures, projects


@dataclass(frozen=True)
class Issue:
    """One line of 问题清单: a finding, or why a workbook could not be read or rendered."""

    workbook: str
    severity: str  # 错误 | 警告
    where: str
    rule: str
    message: str
    expected: str | None = None
    found: str | None = None


@dataclass(frozen=True)
class Row:
    """One workbook's line of the summary."""

    workbook: str
    bureau: str
    year: int | None
    status: str  # as 汇总 says it: 已生成 …
    state: str  # the outcome's status: ok | errors | refused | failed (the page's colour)
    errors: int
    warnings: int
    figures: dict[str, Decimal] | None
    projects: int | None
    pages: int | None
    issues: tuple[Issue, ...]
    links: tuple[tuple[str, str], ...]  # (label, relative URL) of each document written
    # (label, relative URL) of each document an earlier batch wrote for a workbook that now fails:
    # left in place, not made from the workbook as it is now (marked 旧, never to be published)
    stale: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class Summary:
    """Where the summary went."""

    workbook: Path
    page: Path


def issues_of(outcome: Outcome, name: str | None = None) -> list[Issue]:
    """What 问题清单 lists for one workbook (named ``name``, else its file's name): its findings in
    the check's order; or what stopped it."""
    name = name or outcome.workbook.name
    issues = [
        Issue(name, SEVERITY_TEXT[f.severity], f.where, f.rule, f.message, f.expected, f.found)
        for f in outcome.findings
    ]
    if outcome.status == "refused":
        # each problem the loader found; the web page words a single one into the error itself
        problems = outcome.problems or ([outcome.error] if outcome.error else [])
        issues += [Issue(name, SEVERITY_TEXT["error"], "", "无法读取", problem) for problem in problems]
    elif outcome.status == "failed" and outcome.error is not None:
        issues.append(Issue(name, SEVERITY_TEXT["error"], "", "失败", outcome.error))
    return issues


def _links(paths: Sequence[Path], outdir: Path) -> tuple[tuple[str, str], ...]:
    links = []
    for path in paths:
        if path.is_file():
            relative = Path(os.path.relpath(path, outdir)).as_posix()
            links.append((path.suffix.lstrip(".").upper(), quote(relative)))
    return tuple(links)


def rows_of(outcomes: Sequence[Outcome], outdir: Path, names: Sequence[str] | None = None) -> list[Row]:
    """One row per outcome; ``names`` are the workbooks' names as the clerk knows them (the web
    page stores every upload under one fixed name), else their files' names."""
    rows = []
    for index, outcome in enumerate(outcomes):
        name = names[index] if names is not None else outcome.workbook.name
        issues = tuple(issues_of(outcome, name))
        errors = sum(i.severity == SEVERITY_TEXT["error"] for i in issues)
        rows.append(
            Row(
                workbook=name,
                bureau=outcome.department,
                year=outcome.budget_year,
                status=STATUS_TEXT[outcome.status],
                state=outcome.status,
                errors=errors,
                warnings=len(issues) - errors,
                figures=outcome.figures,
                projects=outcome.projects,
                pages=outcome.pages,
                issues=issues,
                links=_links(outcome.written, outdir),
                stale=_links(outcome.stale, outdir),
            )
        )
    return rows


def totals(rows: Sequence[Row]) -> dict[str, Decimal]:
    """The sum of each amount column over the workbooks that have it."""
    return {key: q2(sum(((row.figures or {}).get(key, ZERO) for row in rows), ZERO)) for key, _ in FIGURES}


def counts(rows: Sequence[Row]) -> dict[str, int]:
    """The totals row's counts: errors, warnings, projects and PDF pages over the workbooks that have them."""
    return {
        "errors": sum(row.errors for row in rows),
        "warnings": sum(row.warnings for row in rows),
        "projects": sum(row.projects or 0 for row in rows),
        "pages": sum(row.pages or 0 for row in rows),
    }


def write(outcomes: Sequence[Outcome], outdir: Path) -> Summary:
    """Write ``outdir``/汇总.xlsx and ``outdir``/index.html for ``outcomes``, each atomically."""
    rows = rows_of(outcomes, outdir)
    target, page = outdir / WORKBOOK_NAME, outdir / PAGE_NAME
    pipeline.write_atomic(target, lambda tmp: _save_workbook(rows, tmp))
    html = render_page(rows)
    pipeline.write_atomic(page, lambda tmp: _write_text(tmp, html))
    return Summary(target, page)


def write_workbook(outcomes: Sequence[Outcome], target: Path, names: Sequence[str] | None = None) -> Path:
    """Write 汇总.xlsx alone at ``target``, atomically (the web page's batch view offers it; its own
    page is the list). ``names`` as in ``rows_of``; no document links are listed."""
    rows = rows_of(outcomes, target.parent, names)
    pipeline.write_atomic(target, lambda tmp: _save_workbook(rows, tmp))
    return target


def _write_text(target: Path, text: str) -> None:
    target.write_text(text, encoding="utf-8")


# --- 汇总.xlsx -----------------------------------------------------------------------------------


def _save_workbook(rows: Sequence[Row], target: Path) -> None:
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font

    from generator.workbook.blank import fit_row_heights

    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = SUMMARY_SHEET
    headers = [*_LEAD, *((f"{label}（万元）", _AMOUNT_WIDTH) for _, label in FIGURES), *_TAIL]
    ws.append([h for h, _ in headers])
    first_amount = len(_LEAD) + 1
    for row in rows:
        figures = row.figures or {}
        ws.append(
            [
                row.workbook,
                row.bureau or None,
                row.year,
                row.status,
                row.errors,
                row.warnings,
                *(figures.get(key) for key, _ in FIGURES),
                row.projects,
                row.pages,
                "、".join(unquote(href) for _, href in row.stale) or None,
            ]
        )
    sums, counted = totals(rows), counts(rows)
    ws.append(
        [
            "合计",
            f"{len(rows)} 个工作簿",
            None,
            None,
            counted["errors"],
            counted["warnings"],
            *(sums[key] for key, _ in FIGURES),
            counted["projects"],
            counted["pages"],
            None,
        ]
    )
    bold = Font(bold=True)
    for cell in ws[1]:
        cell.font = bold
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
    for cell in ws[ws.max_row]:
        cell.font = bold
    for column in range(first_amount, first_amount + len(FIGURES)):
        for (cell,) in ws.iter_rows(min_row=2, min_col=column, max_col=column):
            cell.number_format = AMOUNT_FORMAT
    wrapped = Alignment(wrap_text=True, vertical="top")
    for row_cells in ws.iter_rows(min_row=2, max_col=2):
        for cell in row_cells:
            cell.alignment = wrapped
    for (cell,) in ws.iter_rows(min_row=2, min_col=len(headers), max_col=len(headers)):
        cell.alignment = wrapped
    _print_layout(ws, headers, freeze="C2")
    fit_row_heights(ws, 1)  # LibreOffice keeps one line per row unless told: wrapped headers and names

    findings = wb.create_sheet(FINDINGS_SHEET)
    findings.append([h for h, _ in _FINDING_COLUMNS])
    for row in rows:
        for issue in row.issues:
            findings.append(
                [issue.workbook, issue.severity, issue.where, issue.rule, issue.message, issue.expected, issue.found]
            )
    for cell in findings[1]:
        cell.font = bold
    for (cell,) in findings.iter_rows(min_row=2, min_col=5, max_col=5):
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    _print_layout(findings, _FINDING_COLUMNS, freeze="A2")
    fit_row_heights(findings, 2)
    wb.save(target)


def _print_layout(ws: Worksheet, columns: Sequence[tuple[str, int]], *, freeze: str) -> None:
    """Frozen header, column widths, A4 landscape fitted to the width, the header on every page."""
    from openpyxl.utils import get_column_letter

    ws.freeze_panes = freeze
    for index, (_, width) in enumerate(columns, start=1):
        ws.column_dimensions[get_column_letter(index)].width = width
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_title_rows = "1:1"
    ws.print_options.gridLines = True
    ws.oddFooter.center.text = "第 &P 页，共 &N 页"


# --- index.html ----------------------------------------------------------------------------------


def _amount(value: Decimal | None) -> str:
    return "" if value is None else f"{q2(value):,.2f}"


def render_page(rows: Sequence[Row]) -> str:
    """index.html: the rows as a page, through the package's template (autoescaped, strict)."""
    from jinja2 import Environment, PackageLoader, StrictUndefined

    env = Environment(
        loader=PackageLoader("generator.jobs", "templates"),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["amount"] = _amount
    years = sorted({row.year for row in rows if row.year is not None})
    return env.get_template(TEMPLATE).render(
        rows=rows,
        figures=FIGURES,
        totals=totals(rows),
        counts=counts(rows),
        years="、".join(str(y) for y in years),
        generated=sum(row.status == STATUS_TEXT["ok"] for row in rows),
    )
