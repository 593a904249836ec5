"""Turn completed tables into the headline figures the narrative states and compares with last year.

Both the checker (a change needs its reason) and the narrative (the sentences) read these, so
a figure is taken from the tables in one place only. Every figure is rounded to the cent as the
tables print it, and changes are computed from those printed figures, so the text agrees with
the tables to the cent.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from generator.stages.derive import Complete, q2
from generator.workbook.model import ZERO, Budget
from generator.workbook.schema import PRIOR


@dataclass(frozen=True)
class ChangeSpec:
    """A figure the narrative compares with last year, and the fact that explains its change."""

    key: str
    label: str
    reason: str | None  # the 基本信息 key of its reason; None: the narrative gives none


CHANGES: tuple[ChangeSpec, ...] = (
    ChangeSpec("income_total", "收入总计", "reason_income"),
    ChangeSpec("spending_total", "支出总计", "reason_spending"),
    ChangeSpec("gpb", "一般公共预算收支预算", "reason_gpb"),
    ChangeSpec("gov_fund", "政府性基金收支预算", "reason_gov_fund"),
    ChangeSpec("soe", "国有资本经营预算收支预算", "reason_soe"),
    ChangeSpec("sangong", "“三公”经费", None),
    ChangeSpec("abroad", "因公出国（境）费", "reason_abroad"),
    ChangeSpec("reception", "公务接待费", "reason_reception"),
    ChangeSpec("vehicle_purchase", "公务用车购置费", "reason_vehicle_purchase"),
    ChangeSpec("vehicle_running", "公务用车运行维护费", "reason_vehicle_running"),
    ChangeSpec("operating_cost", "机构运行经费", "reason_operating_cost"),
)

SANGONG_PARTS = ("abroad", "reception", "vehicle_purchase", "vehicle_running")


@dataclass(frozen=True)
class Figures:
    """This year's and last year's headline figures, to the cent."""

    current: dict[str, Decimal]
    prior: dict[str, Decimal | None]
    carryover: dict[str, Decimal] = field(default_factory=dict)  # 上年结转 within ``current``, by fund


def _line(done: Complete, role: str, label_key: str, label: str, amount_key: str) -> Decimal:
    for row in done.rows(role):
        if row.text(label_key) == label:
            return row.amount(amount_key)
    return ZERO


def headline(budget: Budget, done: Complete) -> Figures:
    """The figures of ``CHANGES`` for this year (from the tables) and last year (上年数)."""
    ys08 = done.rows("sangong")[0]
    # 财政拨款 by fund: this year's plus last year's carry-over (both sections of the fiscal summary's income side)
    income = {key: ZERO for key in ("gpb", "gov_fund", "soe")}
    carryover = dict(income)
    section = ""
    for row in done.rows("fiscal_summary"):
        label = row.text("in_label")
        if label.startswith(("一、", "二、")):
            section = label
        for key, prefix in (("gpb", "（一）"), ("gov_fund", "（二）"), ("soe", "（三）")):
            if label.startswith(prefix) and section:
                income[key] += row.amount("in_amount")
                if section.startswith("二、"):
                    carryover[key] += row.amount("in_amount")
    current = {
        "income_total": _line(done, "summary", "in_label", "收入总计", "in_amount"),
        "spending_total": _line(done, "summary", "out_label", "支出总计", "out_amount"),
        **income,
        "abroad": ys08.amount("abroad"),
        "reception": ys08.amount("reception"),
        "vehicle_purchase": ys08.amount("vehicle_purchase"),
        "vehicle_running": ys08.amount("vehicle_running"),
        "operating_cost": done.grand("operating_cost", "total"),
    }
    current = {k: q2(v) for k, v in current.items()}
    current["sangong"] = q2(ys08.given("total") or sum((current[k] for k in SANGONG_PARTS), ZERO))
    prior: dict[str, Decimal | None] = {}
    for spec in CHANGES:
        if spec.key == "sangong":
            parts = [budget.prior.amount(k) for k in SANGONG_PARTS]
            prior["sangong"] = (
                q2(sum((p for p in parts if p is not None), ZERO)) if all(p is not None for p in parts) else None
            )
        else:
            value = budget.prior.amount(spec.key)
            prior[spec.key] = q2(value) if value is not None else None
    return Figures(current, prior, {k: q2(v) for k, v in carryover.items()})


@dataclass(frozen=True)
class LastYear:
    """Last year's workbook as next year's 上年数 rest on it: its name, year and headline figures.

    ``figures`` holds, for each 上年数 figure (``schema.PRIOR``), the figure last year's own
    document printed (``headline(...).current``, to the cent): what next year's 上年数 must be.
    """

    name: str  # the workbook's file name, for messages
    year: int
    figures: dict[str, Decimal]
    bureau: str = ""
    dept_code: str = ""


def last_year(budget: Budget, done: Complete) -> LastYear:
    """``budget`` (last year's workbook, completed as ``done``) as the source of next year's 上年数.

    A declared format's 上年数 are its figures declared with a ``prior``: next year's 上年数 ``P`` is this
    year's figure compared with ``P``, as its document printed it.
    """
    if budget.format.engine == "declared":
        from generator.stages.declared import prior_figures

        figures = prior_figures(budget, done)
    else:
        current = headline(budget, done).current
        figures = {p.key: current[p.key] for p in PRIOR}
    return LastYear(budget.source.name, budget.year, figures, budget.bureau, budget.facts.text("dept_code"))
