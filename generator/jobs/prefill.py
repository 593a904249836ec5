"""Turn the same year's budget workbook into a 决算 workbook to fill: blank, with its 年初预算数 prefilled and marked.

``budget-report init 决算.xlsx --format final-accounts --budget 预算.xlsx`` writes the blank
workbook of the 决算 format and fills each column declared ``from_budget`` with the measure the
budget workbook gives (``stages/budgetlink``): in a tree table a row for every 类, 款 and 项 the
budget has money in (its code over the level columns, its name, its 年初预算数; the 决算's own
amounts left empty) and the 合计 row; in a lines table its one row. Every prefilled cell is
marked as ``init --from`` marks a carried one (``nextyear.mark_carried``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

import openpyxl
from openpyxl.worksheet.worksheet import Worksheet

from generator.formats import BUILTIN, Catalog, Format
from generator.formats.spec import Column, TableSpec
from generator.jobs.nextyear import mark_carried
from generator.reference.codes import load_codes
from generator.stages.budgetlink import BudgetLinkError, Measure, Planned, read_budget
from generator.workbook.blank import blank_workbook

SUM_LABEL = "合计"


@dataclass
class Prefilled:
    """A 决算 workbook with its 年初预算数 from the budget workbook, and what was filled."""

    workbook: openpyxl.Workbook
    year: int
    planned: Planned
    rows: dict[str, int] = field(default_factory=dict)  # tree table code → rows written (合计 included)
    figures: dict[str, int] = field(default_factory=dict)  # lines table code → figures written

    def summary(self) -> str:
        """ "T5 9 行，T8 1 行，T9 1 行，T7 6 项", the one line ``init`` prints."""
        parts = [f"{code} {n} 行" for code, n in self.rows.items()]
        parts += [f"{code} {n} 项" for code, n in self.figures.items()]
        return "，".join(parts)


def _put(ws: Worksheet, spec: TableSpec, row: int, column: Column, value: Decimal, note: str) -> None:
    cell = ws.cell(row=row, column=spec.column_index(column.key), value=value * spec.scale)
    mark_carried(ws, cell.coordinate, note)


def _tree(ws: Worksheet, spec: TableSpec, column: Column, measure: Measure, year: int, note: str) -> int:
    """The 类, 款 and 项 rows the budget has money in, in code order, then the 合计 row; the rows written."""
    book = load_codes(year)
    codes = sorted(code for code, amount in measure.by_code.items() if amount)
    number = spec.data_row
    for code in codes:
        parts = [code[:3], code[3:5], code[5:7]]
        for key, part in zip(spec.levels, parts, strict=False):
            if part:
                mark_carried(ws, ws.cell(row=number, column=spec.column_index(key), value=part).coordinate, None)
        name = measure.names.get(code) or book.function_name(code) or ""
        mark_carried(ws, ws.cell(row=number, column=spec.column_index("name"), value=name).coordinate, None)
        _put(ws, spec, number, column, measure.amount(code), note)
        number += 1
    mark_carried(ws, ws.cell(row=number, column=spec.column_index("name"), value=SUM_LABEL).coordinate, None)
    _put(ws, spec, number, column, measure.total, note)
    return number - spec.data_row + 1


def start_final(
    budget_path: Path,
    fmt: Format,
    *,
    year: int | None = None,
    catalog: Catalog = BUILTIN,
    workbook: openpyxl.Workbook | None = None,
) -> Prefilled:
    """The blank workbook of 决算 format ``fmt`` for ``year`` (default: the budget's), its ``from_budget``
    columns filled from the budget workbook at ``budget_path``; nothing is written here.

    ``workbook``: the workbook to fill instead of a blank one (``init --from`` last year's 决算 made it,
    for ``year``). ``BudgetLinkError`` when the budget workbook cannot be read or gives no measures, or
    is of another year.
    """
    planned = read_budget(Path(budget_path), catalog)
    if year is not None and year != planned.year:
        raise BudgetLinkError(
            f"决算年度 {year} 与预算工作簿 {planned.name} 的预算年度 {planned.year} 年不同："
            "年初预算数须取自同一年度的预算"
        )
    year = planned.year
    prefilled = Prefilled(workbook if workbook is not None else blank_workbook(year, fmt), year, planned)
    for spec, column in fmt.budget_columns:
        measure = planned.measures.get(column.from_budget)
        if measure is None:
            continue  # the budget's format does not give it
        ws = prefilled.workbook[spec.sheet_name]
        note = f"由{planned.year}年预算工作簿 {planned.name} 的 {measure.where} 算出，请核对。"
        if spec.rows == "tree":
            prefilled.rows[spec.code] = _tree(ws, spec, column, measure, year, note)
        else:
            _put(ws, spec, spec.data_row, column, measure.total, note)
            prefilled.figures[spec.code] = prefilled.figures.get(spec.code, 0) + 1
    return prefilled
