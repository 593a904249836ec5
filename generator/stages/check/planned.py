"""Turn a 决算's typed 年初预算数 against the same year's budget workbook (``--budget``) into findings."""

from __future__ import annotations

from generator.stages.budgetlink import code_of
from generator.stages.check.registry import PLANNED, Context, checks, fmt
from generator.stages.derive import q2
from generator.workbook.schema import FACTS_SHEET


@checks(PLANNED)
def against_budget(c: Context) -> None:
    """Each typed 年初预算数 equals what the budget workbook gives, to the cent of the table's unit.

    A row with a code compares with the budget's amount of that code (类, 款 or 项; zero for a 科目
    the budget lacks), the 合计 row with the budget's 合计, a lines table's column with its one
    figure. A cell left empty is not compared. A budget workbook of another year is a warning:
    probably the wrong file.
    """
    planned = c.planned
    if planned is None:
        return
    budget = c.budget
    if budget.year and planned.year != budget.year:
        c.add(
            PLANNED,
            FACTS_SHEET,
            budget.facts.cells.get("year"),
            f"预算工作簿 {planned.name} 的预算年度为 {planned.year} 年，不是决算年度 {budget.year} 年："
            "请核对是否选错了文件",
            severity="warning",
        )
    for spec, column in budget.format.budget_columns:
        if not budget.format.publishes(spec.code):
            continue
        measure = planned.measures.get(column.from_budget)
        if measure is None:
            continue  # the budget's format does not give it: nothing to compare with
        for row in budget.table(spec.code).rows:
            given = row.given(column.key)
            if given is None:
                continue
            if row.kind == "line":
                expected, what = measure.total, f"“{column.label}”"
            elif row.kind == "sum":
                expected, what = measure.total, "合计行的年初预算数"
            elif row.kind in ("class", "subclass", "item"):
                code = code_of(row, spec)
                expected = measure.amount(code)
                what = f"科目 {' '.join(p for p in (code, row.text('name')) if p)} 的年初预算数"
            else:
                continue
            scale = spec.scale
            if q2(given * scale) == q2(expected * scale):
                continue
            c.add(
                PLANNED,
                spec.code,
                row.cell(column.key),
                f"{what}与预算工作簿 {planned.name} 算出的数字不同",
                fmt(q2(expected * scale)),  # compared to the cent: the budget's 元 digits are not the point
                fmt(given * scale),
                severity="error",
            )
