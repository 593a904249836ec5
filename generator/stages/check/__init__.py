"""Turn a loaded ``Budget`` and its derived tables into findings: every rule (勾稽关系) broken, at its sheet and cell.

The rules are those of ``shared/reference/domain.md`` §2: sums inside each table, equalities
between tables, "三公" against the 经济分类 items as "≤", required facts, placeholder text,
codes against the bundled reference lists, and the 尾差 envelope of §3. A figure is compared at
the precision the workbook holds. Two figures whose cent roundings agree are consistent; beyond
that, a parent and the n items it sums may differ by up to (n + 1) × 0.005 万元 as a rounding
difference (尾差, a warning), and more than that is an error.

Every rule is declared once in ``registry`` (its id, severity and what it checks: ``check
--rules`` and the README's table are made from it); the functions that check them live by
family (``facts``, ``lastyear``, ``sums``, ``tables``, ``income``, ``sangong``, ``codes``,
``narrative``) and run in the order of ``CHECKS``, which is the order of the findings within a
sheet.
"""

from __future__ import annotations

from collections.abc import Iterable

from generator.errors import Finding
from generator.reference.codes import CodeBook, load_codes
from generator.stages import derive
from generator.stages.check import codes, declared, facts, income, lastyear, narrative, sangong, sums, tables
from generator.stages.check.registry import (
    HALF_CENT,
    RULES,
    Check,
    Context,
    Rule,
    envelope,
    fmt,
    judge,
    rules_markdown,
    rules_text,
)
from generator.stages.derive import Complete
from generator.stages.figures import LastYear
from generator.workbook.model import Budget
from generator.workbook.schema import FACTS_SHEET, PRIOR_SHEET, TABLES_BY_CODE

__all__ = [
    "CHECKS",
    "HALF_CENT",
    "RULES",
    "Rule",
    "check",
    "envelope",
    "fmt",
    "has_errors",
    "judge",
    "rules_markdown",
    "rules_text",
    "sort_findings",
]

# The checks in the order they run: a sheet's findings keep this order (``sort_findings`` is stable).
CHECKS: tuple[Check, ...] = (
    facts.required,
    facts.lengths,
    lastyear.against_last_year,
    facts.placeholders,
    sums.row_sums,
    sums.column_sums,
    tables.ys06_is_ys05_basic,
    tables.ys10_is_ys03_projects,
    tables.ys14_is_ys06_public,
    income.income_covers_spending,
    income.funds_within_spending,
    income.ys05_derivable,
    tables.summary_lines,
    tables.ys01_balances,
    tables.ys07_totals_spending,
    tables.ys07_derivable,
    tables.ys12_is_ys10,
    sangong.sangong_covers_spending,
    codes.codes_known,
    narrative.reasons,
)


# The checks of a format computed from its declarations (``engine: declared``): the facts' and the
# text's, then what its tables.yaml (sums), checks.yaml and figures.yaml declare.
DECLARED_CHECKS: tuple[Check, ...] = (
    facts.required,
    facts.lengths,
    facts.placeholders,
    declared.row_sums,
    declared.relations,
    declared.figures,
)

# The tables a check compares or asks the clerk to fill: it runs only when the bureau publishes all
# of them (a county that leaves out YS14 is never asked for it). Checks not listed run always.
NEEDS: dict[Check, tuple[str, ...]] = {
    tables.ys06_is_ys05_basic: ("YS05", "YS06"),
    tables.ys10_is_ys03_projects: ("YS03", "YS10"),
    tables.ys14_is_ys06_public: ("YS06", "YS14"),
    income.income_covers_spending: ("YS02", "YS03"),
    income.ys05_derivable: ("YS05",),
    tables.summary_lines: ("YS01", "YS04"),
    tables.ys01_balances: ("YS01",),
    tables.ys07_totals_spending: ("YS07",),
    tables.ys07_derivable: ("YS07",),
    tables.ys12_is_ys10: ("YS10", "YS12"),
    sangong.sangong_covers_spending: ("YS08",),
}


def check(
    budget: Budget, codes: CodeBook | None = None, last: LastYear | None = None, done: Complete | None = None
) -> list[Finding]:
    """Every finding for ``budget``, grouped by sheet in workbook order; its 上年数 against ``last``
    (last year's workbook, ``--previous``) when given.

    ``done`` is ``budget`` completed (``derive.complete``) with ``codes``: the pipeline derives once
    and passes it; derived here when not given (a convenience for tests and scripts).
    """
    codes = codes or load_codes(budget.year)
    done = done if done is not None else derive.complete(budget, codes)
    context = Context(budget, codes, done, last)
    for run in CHECKS if budget.format.engine == "henan" else DECLARED_CHECKS:
        if all(budget.format.publishes(code) for code in NEEDS.get(run, ())):
            run(context)
    return sort_findings([*context.findings, *budget.notes], budget.format.codes)


def sort_findings(findings: Iterable[Finding], codes: Iterable[str] = TABLES_BY_CODE) -> list[Finding]:
    """Findings grouped by sheet in workbook order (the facts, 上年数, then the tables ``codes``), errors first."""
    order = {FACTS_SHEET: 0, PRIOR_SHEET: 1, **{code: i + 2 for i, code in enumerate(codes)}}
    return sorted(findings, key=lambda f: (order.get(f.sheet, 99), f.severity != "error"))


def has_errors(findings: Iterable[Finding]) -> bool:
    return any(f.severity == "error" for f in findings)
