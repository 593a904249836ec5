"""Turn a loaded ``Budget`` and its derived tables into findings: every rule (勾稽关系) broken, at its sheet and cell.

The rules are those of ``shared/reference/domain.md`` §2: sums inside each table, equalities
between tables, "三公" against the 经济分类 items as "≤", required facts, placeholder text,
codes against the bundled reference lists, and the 尾差 envelope of §3. A figure is compared at
the precision the workbook holds. Two figures whose cent roundings agree are consistent; beyond
that, a parent and the n items it sums may differ by up to (n + 1) × 0.005 万元 as a rounding
difference (尾差, a warning), and more than that is an error.

Every rule is declared once in ``registry`` (its id, severity and what it checks: ``check
--rules`` and the README's table are made from it); the functions that check them live by
family (``facts``, ``lastyear``, ``planned``, ``sums``, ``tables``, ``income``, ``sangong``, ``codes``,
``narrative``) and run in the order of ``CHECKS``, which is the order of the findings within a
sheet.
"""

from __future__ import annotations

from collections.abc import Iterable

from generator.errors import Finding
from generator.reference.codes import CodeBook, load_codes
from generator.stages import derive
from generator.stages.budgetlink import Planned
from generator.stages.check import codes, declared, facts, income, lastyear, narrative, planned, sangong, sums, tables
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
    "DECLARED_CHECKS",
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
    tables.gpb_basic_is_gpb_spending_basic,
    tables.projects_are_spending_projects,
    tables.operating_cost_is_gpb_basic_public,
    income.income_covers_spending,
    income.funds_within_spending,
    income.gpb_spending_derivable,
    tables.summary_lines,
    tables.summary_balances,
    tables.economic_totals_spending,
    tables.economic_derivable,
    tables.project_goals_are_projects,
    sangong.sangong_covers_spending,
    codes.codes_known,
    narrative.reasons,
)


# The checks of a format computed from its declarations (``engine: declared``): the facts' and the
# text's, its 上年数 against last year's workbook, then what its tables.yaml (sums), checks.yaml and figures.yaml
# declare.
DECLARED_CHECKS: tuple[Check, ...] = (
    facts.required,
    facts.lengths,
    facts.placeholders,
    lastyear.against_last_year,
    planned.against_budget,
    declared.row_sums,
    declared.relations,
    declared.empty_tables,
    declared.figures,
)

# The tables a check compares or asks the clerk to fill, by role: it runs only when the bureau
# publishes all of them (a county that leaves out its operating_cost table is never asked for it).
# Checks not listed run always.
NEEDS: dict[Check, tuple[str, ...]] = {
    tables.gpb_basic_is_gpb_spending_basic: ("gpb_spending", "gpb_basic"),
    tables.projects_are_spending_projects: ("spending", "projects"),
    tables.operating_cost_is_gpb_basic_public: ("gpb_basic", "operating_cost"),
    income.income_covers_spending: ("income", "spending"),
    income.gpb_spending_derivable: ("gpb_spending",),
    tables.summary_lines: ("summary", "fiscal_summary"),
    tables.summary_balances: ("summary",),
    tables.economic_totals_spending: ("economic",),
    tables.economic_derivable: ("economic",),
    tables.project_goals_are_projects: ("projects", "project_goals"),
    sangong.sangong_covers_spending: ("sangong",),
}


def check(
    budget: Budget,
    codes: CodeBook | None = None,
    last: LastYear | None = None,
    done: Complete | None = None,
    planned: Planned | None = None,
) -> list[Finding]:
    """Every finding for ``budget``, grouped by sheet in workbook order; its 上年数 against ``last``
    (last year's workbook, ``--previous``) when given, and a 决算's 年初预算数 against ``planned``
    (the same year's budget workbook, ``--budget``).

    ``done`` is ``budget`` completed (``derive.complete``) with ``codes``: the pipeline derives once
    and passes it; derived here when not given (a convenience for tests and scripts).
    """
    codes = codes or load_codes(budget.year)
    done = done if done is not None else derive.complete(budget, codes)
    context = Context(budget, codes, done, last, planned)
    fmt = budget.format
    for run in CHECKS if fmt.engine == "henan" else DECLARED_CHECKS:
        if all(fmt.publishes(fmt.code_of(role)) for role in NEEDS.get(run, ())):
            run(context)
    return sort_findings([*context.findings, *budget.notes], budget.format.codes)


def sort_findings(findings: Iterable[Finding], codes: Iterable[str] = TABLES_BY_CODE) -> list[Finding]:
    """Findings grouped by sheet in workbook order (the facts, 上年数, then the tables ``codes``), errors first."""
    order = {FACTS_SHEET: 0, PRIOR_SHEET: 1, **{code: i + 2 for i, code in enumerate(codes)}}
    return sorted(findings, key=lambda f: (order.get(f.sheet, 99), f.severity != "error"))


def has_errors(findings: Iterable[Finding]) -> bool:
    return any(f.severity == "error" for f in findings)
