"""Turn income against spending into findings: the income table against the spending table row by row, and the
fund tables within the spending table."""

from __future__ import annotations

from generator.stages.check.registry import CROSS, REQUIRED, Context, checks, envelope, fmt, judge
from generator.stages.derive import keyed_rows
from generator.workbook.model import ZERO
from generator.workbook.schema import FUND_TABLES, NON_GPB_INCOME


@checks(CROSS)
def income_covers_spending(c: Context) -> None:
    """A filled income table against the spending table, row by row.

    A budget normally spends what it receives: an income row above its spending row becomes
    年终结转结余 in the summary table (a warning, to confirm), below it is spending without income
    (an error).
    """
    done = c.done
    if done.is_derived("income"):
        return
    table, spent_in, summary = c.code("income"), c.code("spending"), c.code("summary")
    spending = dict(keyed_rows(done.rows("spending")))
    for key, row in keyed_rows(done.rows("income")):
        if row.kind != "item":
            continue
        match = spending.get(key)
        spent = match.amount("total") if match is not None else ZERO
        income = row.amount("total")
        label = f"科目{row.subject}（{row.text('name')}）"
        severity = judge(income, spent, 2)
        if severity is None:
            continue
        cell = c.cell(table, row, "total")
        if income < spent and severity == "error":
            c.add(CROSS, table, cell, f"{label}的收入少于{spent_in}的支出", fmt(spent), fmt(income), severity="error")
        elif severity == "error":
            c.add(
                CROSS,
                table,
                cell,
                f"{label}的收入多于{spent_in}的支出，差额将作为年终结转结余列入{summary}：请核对",
                fmt(spent),
                fmt(income),
                severity="warning",
            )


@checks(CROSS)
def funds_within_spending(c: Context) -> None:
    """The fund tables split each row of the spending table: together they cannot exceed it."""
    done = c.done
    funds = [dict(keyed_rows(done.rows(role))) for _, role in FUND_TABLES]
    spending = c.code("spending")
    fund_codes = "、".join(c.code(role) for _, role in FUND_TABLES)
    for key, row in keyed_rows(done.rows("spending")):
        if row.kind != "item":
            continue
        parts = [table[key].amount("total") for table in funds if key in table]
        if parts and sum(parts, ZERO) - row.amount("total") > envelope(len(parts)):
            c.add(
                CROSS,
                spending,
                c.cell(spending, row, "total"),
                f"科目{row.subject}的一般公共预算、政府性基金和国有资本经营支出（{fund_codes}）之和超过了本表支出",
                f"≤ {fmt(row.amount('total'))}",
                fmt(sum(parts, ZERO)),
                severity="error",
            )


@checks(REQUIRED)
def gpb_spending_derivable(c: Context) -> None:
    """The gpb_spending table is derived from the spending table only when all spending is 一般公共预算."""
    done = c.done
    if not done.is_derived("gpb_spending"):
        return
    others = [c.code(role) for fund, role in FUND_TABLES if fund != "gpb" and done.rows(role, "item")]
    ys02 = done.total_row("income")
    non_gpb = ys02 is not None and not done.is_derived("income") and any(ys02.amount(k) != ZERO for k in NON_GPB_INCOME)
    if others or non_gpb:
        why = "、".join(others) + ("有数据" if others else "") + ("；" if others and non_gpb else "")
        why += f"{c.code('income')}有一般公共预算以外的收入" if non_gpb else ""
        spec, spending = c.spec("gpb_spending"), c.code("spending")
        c.add(REQUIRED, spec.code, None, f"{spec.title}不能由{spending}自动生成（{why}）：请填写{spec.code}")
