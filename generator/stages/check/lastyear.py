"""Turn 上年数 against last year's workbook (``--previous``) into findings (上年数不符)."""

from __future__ import annotations

from generator.stages.check.registry import LAST_YEAR, Context, checks, fmt
from generator.stages.derive import q2
from generator.workbook.schema import FACTS_SHEET, PRIOR_SHEET


@checks(LAST_YEAR)
def against_last_year(c: Context) -> None:
    """Each 上年数 figure equals the figure last year's workbook gives, as its document printed it.

    A figure left empty is already a 必填项 error. A workbook of another year than the one
    before this, or of another 部门编码, is more likely a wrong file than a wrong figure: a
    warning says so (a bureau renamed keeps its code, so the name is not compared).
    """
    last = c.last
    if last is None:
        return
    budget = c.budget
    year = budget.year
    if year and last.year != year - 1:
        c.add(
            LAST_YEAR,
            FACTS_SHEET,
            budget.facts.cells.get("year"),
            f"上年工作簿 {last.name} 的预算年度为 {last.year} 年，不是 {year - 1} 年：请核对是否选错了文件",
            severity="warning",
        )
    code = budget.facts.text("dept_code")
    if code and last.dept_code and code != last.dept_code:
        c.add(
            LAST_YEAR,
            FACTS_SHEET,
            budget.facts.cells.get("dept_code"),
            f"上年工作簿 {last.name} 是{last.bureau}（部门编码 {last.dept_code}）的，不是部门编码 {code}："
            "请核对是否选错了文件",
            severity="warning",
        )
    prior = budget.prior
    for figure in budget.format.prior:
        given = prior.amount(figure.key)
        expected = last.figures.get(figure.key)  # None: last year's format does not give it
        if given is None or expected is None or q2(given) == expected:
            continue
        c.add(
            LAST_YEAR,
            PRIOR_SHEET,
            prior.cells.get(figure.key),
            f"上年数“{figure.label}”与上年工作簿 {last.name} 算出的数字不同",
            fmt(expected),
            fmt(given),
            severity="error",
        )
