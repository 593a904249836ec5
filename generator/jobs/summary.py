"""Turn a batch's outcomes into 汇总.xlsx and index.html: the finance bureau's summary of every department.

One row per workbook (its status, counts and the headline figures its own document states), a
totals row summed with ``Decimal``, every finding on a last sheet; and the same list as a page
linking each document.

The columns of a row are its format's: a declared format names them (figures.yaml's ``summary``:
figures, their 年初预算 and 完成率), any other has Henan's ``FIGURES``. A batch of one format has one
sheet, 汇总. A batch that mixes formats has a sheet per format, in the order each first appears:
the first is 汇总, each other 汇总（its format's title）, the title cut to fit Excel's 31 characters
(and numbered when two would be named alike); each sheet has its own columns and its own 合计 row.
A workbook whose format is not known (it could not be read, or its render failed) stays on the
first sheet. The page lists the same groups, each under its format's title.

Both files are written through ``pipeline.write_atomic``: an interrupted run leaves the previous
summary, or none, never a partial one.

The figures are taken from the stages' values (the ``Document`` of ``compute``), never computed
again here: what the summary says is what each department's document says.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from functools import cached_property
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

    from generator.formats import Format
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

# A column of the summary as an outcome carries it (plain data that pickles and is recorded): the key
# of its value in the outcome's figures, its header, its unit: 万元, or % (a 完成率, not summed).
Column = tuple[str, str, str]
AMOUNT, RATE = "万元", "%"
DEFAULT_COLUMNS: tuple[Column, ...] = tuple((key, label, AMOUNT) for key, label in FIGURES)
_SHEET_CHARS = 31  # Excel's limit on a sheet's name
_NOT_IN_SHEET_NAMES = str.maketrans("", "", "[]:*?/\\")

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
RATE_FORMAT = "0.00"


def columns_of(fmt: Format) -> tuple[Column, ...]:
    """The summary's columns for a workbook of ``fmt``: its declared ones, else ``FIGURES``."""
    if not fmt.summary:
        return DEFAULT_COLUMNS
    return tuple((c.key, c.header, RATE if c.part == "rate" else AMOUNT) for c in fmt.summary)


def mark_format(outcome: Outcome, fmt: Format) -> None:
    """Say which format ``outcome``'s workbook is in, and the summary's columns for it."""
    outcome.format, outcome.format_title, outcome.columns = fmt.name, fmt.title, columns_of(fmt)
    outcome.format_kind = fmt.kind


def document_figures(
    document: Document | DeclaredDocument, fmt: Format | None = None
) -> tuple[dict[str, Decimal], int | None]:
    """The headline figures the document states (keys of ``columns_of(fmt)``), and its number of projects
    (none for a format without projects: a 决算).

    A declared format's document gives the figures its ``summary`` names, their 年初预算 and their
    完成率 (none of a zero budget: left out), and the length of its list ``projects``; without a
    ``summary``, those of its named figures that have the names of ``FIGURES``.
    """
    if isinstance(document, DeclaredDocument):
        projects = len(document.lists["projects"]) if "projects" in document.lists else None
        if fmt is None or not fmt.summary:
            return {key: Decimal(document.fig[key]) for key, _ in FIGURES if key in document.fig}, projects
        named: dict[str, Decimal] = {}
        for column in fmt.summary:
            value: Decimal | int | None = document.fig[column.figure]
            if column.part == "budget":
                value = document.plan[column.figure].budget
            elif column.part == "rate":
                value = document.plan[column.figure].rate
            if value is not None:
                named[column.key] = Decimal(value)
        return named, projects
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
    from generator.stages.figures import headline

    if budget.format.engine == "declared":  # no Python fallback: a broken declared workbook fails as before
        document = pipeline.build(budget, book, load_profile(templates), done)
        figures, projects = document_figures(document, budget.format)
        return budget.bureau, budget.year, figures, projects
    try:
        document = pipeline.build(budget, book, load_profile(templates), done)
    except Exception:  # a table too broken to print: the headline figures are still the document's
        current = headline(budget, done).current
        return budget.bureau, budget.year, {k: current[k] for k, _ in FIGURES if k in current}, None
    figures, projects = document_figures(document, budget.format)
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
    number: int = 0  # its place in the batch, from 1: its findings' anchor on the page (wb-N)
    format: str = ""  # its format's name; "" when not known (on the first sheet)
    format_title: str = ""
    columns: tuple[Column, ...] = DEFAULT_COLUMNS  # its format's (``columns_of``)
    kind: str = ""  # its format's kind: budget (预算公开) or final (决算公开)


@dataclass(frozen=True)
class Group:
    """The rows of one format, as one sheet of 汇总.xlsx and one table of the page."""

    sheet: str
    title: str  # the format's title; "" when no workbook's format is known
    columns: tuple[Column, ...]
    rows: tuple[Row, ...]

    @cached_property
    def totals(self) -> dict[str, Decimal | None]:
        return totals(self.rows, self.columns)

    @cached_property
    def counts(self) -> dict[str, int | None]:
        return counts(self.rows)


def groups_of(rows: Sequence[Row]) -> list[Group]:
    """The rows by format, in the order each format first appears; rows of no known format join the first."""
    formats: dict[str, list[Row]] = {}
    for row in rows:
        if row.format:
            formats.setdefault(row.format, []).append(row)
    if not formats:
        return [Group(SUMMARY_SHEET, "", DEFAULT_COLUMNS, tuple(rows))]
    first = next(iter(formats))
    formats[first] = [row for row in rows if row.format in ("", first)]
    groups, used = [], {FINDINGS_SHEET}
    for name, members in formats.items():
        sheet = SUMMARY_SHEET if name == first else _sheet_name(members[0].format_title, used)
        used.add(sheet)
        groups.append(Group(sheet, members[0].format_title, members[0].columns, tuple(members)))
    return groups


def _sheet_name(title: str, used: set[str]) -> str:
    """汇总（title）, the title cut to fit Excel's 31 characters; numbered 汇总2（…） when taken."""
    title = title.translate(_NOT_IN_SHEET_NAMES)
    for n in range(1, len(used) + 2):
        prefix = SUMMARY_SHEET if n == 1 else f"{SUMMARY_SHEET}{n}"
        name = f"{prefix}（{title[: _SHEET_CHARS - len(prefix) - 2]}）"
        if name not in used:
            return name
    raise AssertionError(used)  # one of len(used) + 1 names is free


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
                number=index + 1,
                format=outcome.format,
                format_title=outcome.format_title,
                columns=outcome.columns or DEFAULT_COLUMNS,
                kind=outcome.format_kind,
            )
        )
    return rows


def totals(rows: Sequence[Row], columns: Sequence[Column] = DEFAULT_COLUMNS) -> dict[str, Decimal | None]:
    """The sum of each amount column over the workbooks that have it; none of a 完成率."""
    return {
        key: q2(sum(((row.figures or {}).get(key, ZERO) for row in rows), ZERO)) if unit == AMOUNT else None
        for key, _, unit in columns
    }


def counts(rows: Sequence[Row]) -> dict[str, int | None]:
    """The totals row's counts: errors, warnings, projects and PDF pages over the workbooks that have them
    (no count of projects where no workbook's format has them)."""
    known = [row.projects for row in rows if row.projects is not None]
    return {
        "errors": sum(row.errors for row in rows),
        "warnings": sum(row.warnings for row in rows),
        "projects": sum(known) if known else None,
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
    for index, group in enumerate(groups_of(rows)):
        ws = wb.active if index == 0 else wb.create_sheet(group.sheet)
        assert ws is not None
        ws.title = group.sheet
        _write_group(ws, group)
    bold = Font(bold=True)
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


def _write_group(ws: Worksheet, group: Group) -> None:
    """One sheet of 汇总: a row per workbook of the group, then its 合计."""
    from openpyxl.styles import Alignment, Font

    from generator.workbook.blank import fit_row_heights

    columns = group.columns
    amounts = [(f"{label}（{unit}）", _AMOUNT_WIDTH) for _, label, unit in columns]
    headers = [*_LEAD, *amounts, *_TAIL]
    ws.append([h for h, _ in headers])
    first_amount = len(_LEAD) + 1
    for row in group.rows:
        figures = row.figures or {}
        ws.append(
            [
                row.workbook,
                row.bureau or None,
                row.year,
                row.status,
                row.errors,
                row.warnings,
                *(figures.get(key) for key, _, _ in columns),
                row.projects,
                row.pages,
                "、".join(unquote(href) for _, href in row.stale) or None,
            ]
        )
    sums, counted = group.totals, group.counts
    ws.append(
        [
            "合计",
            f"{len(group.rows)} 个工作簿",
            None,
            None,
            counted["errors"],
            counted["warnings"],
            *(sums[key] for key, _, _ in columns),
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
    for column, (_, _, unit) in enumerate(columns, start=first_amount):
        for (cell,) in ws.iter_rows(min_row=2, min_col=column, max_col=column):
            cell.number_format = AMOUNT_FORMAT if unit == AMOUNT else RATE_FORMAT
    wrapped = Alignment(wrap_text=True, vertical="top")
    for row_cells in ws.iter_rows(min_row=2, max_col=2):
        for cell in row_cells:
            cell.alignment = wrapped
    for (cell,) in ws.iter_rows(min_row=2, min_col=len(headers), max_col=len(headers)):
        cell.alignment = wrapped
    _print_layout(ws, headers, freeze="C2")
    fit_row_heights(ws, 1)  # LibreOffice keeps one line per row unless told: wrapped headers and names


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
    kinds = {row.kind for row in rows if row.kind}
    what = "决算" if kinds == {"final"} else "预算、决算" if "final" in kinds else "预算"
    return env.get_template(TEMPLATE).render(
        what=what,
        rows=rows,
        groups=groups_of(rows),
        AMOUNT=AMOUNT,
        years="、".join(str(y) for y in years),
        generated=sum(row.status == STATUS_TEXT["ok"] for row in rows),
    )
