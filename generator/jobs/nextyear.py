"""Turn last year's workbook into next year's: facts that carry over, projects, and its figures as 上年数.

``budget-report init NEW.xlsx --from LAST.xlsx`` starts the new year from the blank standard
workbook and carries over what describes the bureau rather than the year (the facts declared
``carry`` in ``schema.FACTS``), fills 上年数 with the figures LAST's own document printed
(``figures.headline``, the computation the document uses), and, when asked, the 其他运转类
projects (the projects table) with their goals (the project_goals table), amounts left empty.
Every carried cell is marked with a fill and a comment, which the loader does not read.
``read_last_year`` gives ``check --previous`` the same figures to compare 上年数 with.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import openpyxl
from openpyxl.comments import Comment
from openpyxl.styles import PatternFill
from openpyxl.worksheet.worksheet import Worksheet

from generator.errors import BudgetError, WorkbookError, cell_ref
from generator.formats import BUILTIN, Catalog, Format
from generator.stages.figures import LastYear
from generator.workbook import schema
from generator.workbook.blank import blank_workbook, facts_rows, replace_sheet, write_facts_sheet, write_prior_sheet
from generator.workbook.load import once_per_version
from generator.workbook.model import Budget, Row

CARRIED_FILL = PatternFill("solid", fgColor="FFF2CC")  # light yellow: carried over from last year, to review
COMMENT_AUTHOR = "budget-report"
OLD_TEXT_LIMIT = 200  # characters of last year's text quoted in a comment

# The columns of a kept project: what identifies it and its goals; its amounts are next year's.
PROJECT_KEPT = ("kind", "name", "unit", "project_code", "econ_dept", "econ_gov")
KEPT_KIND = "其他运转类"


class LastYearError(BudgetError):
    """Last year's workbook cannot be the start of next year, or the figures compared with."""


def load_last_year(path: Path, catalog: Catalog = BUILTIN) -> Budget:
    """Last year's workbook, read; ``LastYearError`` naming it (and its cells) when it cannot be.

    ``catalog``: the formats it may name besides the built-in ones (the bureau's own).
    """
    from generator.workbook.load import load_workbook

    try:
        return load_workbook(path, catalog=catalog)
    except WorkbookError as exc:
        raise LastYearError(exc.describe(f"无法读取上年工作簿 {Path(path).name}")) from exc


@once_per_version
def read_last_year(path: Path, catalog: Catalog = BUILTIN) -> LastYear:
    """The figures next year's 上年数 must equal: those LAST's own document printed, whatever LAST's state.

    A workbook corrected after publication (预算调整) is compared as given; only a workbook that
    cannot be read is refused. Read once per version of the file (``once_per_version``).
    """
    from generator.stages import derive
    from generator.stages.figures import last_year

    budget = load_last_year(path, catalog)
    return last_year(budget, derive.complete(budget))


@dataclass
class Started:
    """Next year's workbook, built from last year's, and what was carried over."""

    workbook: openpyxl.Workbook
    year: int
    last: LastYear
    fmt: Format  # last year's format, the new workbook's
    carried: list[str] = field(default_factory=list)  # labels of the facts carried over
    left: list[str] = field(default_factory=list)  # labels of last year's facts left for the clerk
    projects: int = 0  # projects kept (the projects table's 其他运转类)


def _old_text(value: object) -> str:
    text = "\n".join(value) if isinstance(value, list) else str(value)
    return text if len(text) <= OLD_TEXT_LIMIT else text[:OLD_TEXT_LIMIT] + "…"


def mark_carried(ws: Worksheet, coordinate: str, note: str | None) -> None:
    """Mark a cell filled from another workbook (``init --from``, ``init --budget``): light yellow, and the
    comment ``note`` saying where it came from. The loader reads neither."""
    cell = ws[coordinate]
    cell.fill = CARRIED_FILL
    if note:
        _note(ws, coordinate, note)


def _note(ws: Worksheet, coordinate: str, note: str) -> None:
    comment = Comment(note, COMMENT_AUTHOR)
    comment.width = 300
    comment.height = 120
    ws[coordinate].comment = comment


def _is_empty(value: object) -> bool:
    return value is None or value == "" or value == []


def _worded_with(fact: schema.Fact, value: object, year: int) -> bool:
    """Whether a text fact names ``year`` (“我部门2024年无重点评价项目”): it would be wrong next year.

    Codes are not text: a 单位编码 like 202401 holds the digits without naming the year.
    """
    if fact.kind not in ("text", "list"):
        return False
    named = re.compile(rf"(?<!\d){year}(?!\d)")
    texts = value if isinstance(value, list) else [value]
    return any(isinstance(t, str) and named.search(t) for t in texts)


def _facts(wb: openpyxl.Workbook, budget: Budget, year: int, started: Started) -> None:
    """基本信息: the facts declared ``carry``, marked; the others empty, last year's text in a comment."""
    last = budget.year
    values: dict[str, object] = {}
    notes: dict[str, str] = {}
    for fact in budget.format.facts:
        value = budget.facts.values.get(fact.key)
        if fact.key == "year" or _is_empty(value):
            continue
        if fact.carry and not _worded_with(fact, value, last):
            values[fact.key] = value
            notes[fact.key] = f"自{last}年工作簿带入，请核对是否仍然适用。"
            started.carried.append(fact.label)
            continue
        started.left.append(fact.label)
        why = f"上年的内容写有“{last}”" if fact.carry else "每年按当年情况填写"
        notes[fact.key] = f"{why}，未带入，请重新填写。{last}年为：{_old_text(value)}"
    ws = replace_sheet(wb, schema.FACTS_SHEET)
    write_facts_sheet(ws, year=year, values=values, fmt=budget.format)
    for row, (fact, first, _value) in enumerate(facts_rows(year, values, budget.format), start=2):
        coordinate = f"B{row}"
        if fact.key in values:
            mark_carried(ws, coordinate, notes[fact.key] if first else None)
        elif first and fact.key in notes:
            _note(ws, coordinate, notes[fact.key])


def _prior(wb: openpyxl.Workbook, last: LastYear, fmt: Format) -> None:
    """上年数: last year's figures as its document printed them, marked (those last year's format gives)."""
    ws = replace_sheet(wb, schema.PRIOR_SHEET)
    write_prior_sheet(ws, values=dict(last.figures), fmt=fmt)
    kind = "决算" if fmt.kind == "final" else "预算"
    note = f"由{last.year}年工作簿 {last.name} 算出（该年{kind}公开印出的数字），请核对。"
    for row, figure in enumerate(fmt.prior, start=2):
        if figure.key in last.figures:
            mark_carried(ws, f"B{row}", note)


def _write_row(ws: Worksheet, spec: schema.TableSpec, number: int, row: Row, keys: tuple[str, ...], note: str) -> None:
    first = True
    for key in keys:
        value = row.values.get(key)
        cell = ws.cell(row=number, column=spec.column_index(key), value=value)
        cell.fill = CARRIED_FILL
        if note and first and value is not None:
            _note(ws, cell.coordinate, note)
            first = False


def _projects(wb: openpyxl.Workbook, budget: Budget) -> int:
    """The 其他运转类 projects and their goals (the projects and project_goals tables), amounts left
    empty; the number kept."""
    ys10, ys12 = budget.format.role("projects"), budget.format.role("project_goals")
    note = f"自{budget.year}年工作簿带入的其他运转类项目：金额请按本年预算填写，不再安排的请删除整行。"
    kept = [r for r in budget.role("projects").of("project") if r.text("kind") == KEPT_KIND]
    ws = wb[ys10.sheet_name]
    for i, row in enumerate(kept):
        _write_row(ws, ys10, ys10.data_row + i, row, PROJECT_KEPT, note)
    codes = {r.text("project_code") for r in kept} - {""}
    goals = tuple(c.key for c in ys12.columns if c.kind != "amount")
    ws = wb[ys12.sheet_name]
    number = ys12.data_row
    keeping = False
    for row in budget.role("project_goals").rows:
        if row.kind == "project":
            keeping = row.text("code") in codes
        elif row.kind != "continuation":
            keeping = False
        if keeping:
            _write_row(ws, ys12, number, row, goals, note if row.kind == "project" else "")
            number += 1
    return len(kept)


def start_from(
    last_path: Path,
    *,
    year: int | None = None,
    keep_projects: bool = False,
    codes: Path | None = None,
    catalog: Catalog = BUILTIN,
    budget: Budget | None = None,
) -> Started:
    """Next year's workbook from the one at ``last_path``, for budget ``year`` (default: LAST's + 1).

    LAST must read and check without errors (``LastYearError`` lists them), against the official
    code list ``codes`` when given, and ``year`` must come after LAST's. ``budget``: LAST as the
    caller has already read it. Nothing is written here: the caller saves ``Started.workbook``.
    """
    from generator.reference.codelist import code_book
    from generator.stages import derive
    from generator.stages.check import check, has_errors
    from generator.stages.figures import last_year

    last_path = Path(last_path)
    if budget is None:
        budget = load_last_year(last_path, catalog)
    book = code_book(budget.year, codes=codes)
    done = derive.complete(budget, book)  # once: for the check and for the figures carried over
    findings = check(budget, book, done=done)
    if has_errors(findings):
        errors = [f for f in findings if f.severity == "error"]
        lines = [f"上年工作簿 {last_path.name} 有 {len(errors)} 处错误，不能据以生成新年度工作簿：请先改正"]
        lines += [f"  {f.line()}" for f in errors]
        raise LastYearError("\n".join(lines))
    if year is None:
        year = budget.year + 1
    elif year <= budget.year:
        where = cell_ref(schema.FACTS_SHEET, budget.facts.cells.get("year"))
        raise LastYearError(
            f"预算年度 {year} 应在上年工作簿 {last_path.name} 的预算年度之后：该工作簿 {where} 为 {budget.year} 年"
        )
    started = Started(blank_workbook(year, budget.format), year, last_year(budget, done), budget.format)
    _facts(started.workbook, budget, year, started)
    _prior(started.workbook, started.last, budget.format)
    if keep_projects:
        started.projects = _projects(started.workbook, budget)
    started.workbook.active = 0
    return started
