"""Turn income against spending into findings: YS02 against YS03 row by row, and the fund tables within YS03."""

from __future__ import annotations

from generator.stages.check.registry import CROSS, REQUIRED, Context, checks, envelope, fmt, judge
from generator.stages.derive import keyed_rows
from generator.workbook.model import ZERO
from generator.workbook.schema import FUND_TABLES, NON_GPB_INCOME


@checks(CROSS)
def income_covers_spending(c: Context) -> None:
    """A filled YS02 against YS03, row by row.

    A budget normally spends what it receives: a YS02 row above its YS03 row becomes 年终结转结余
    in YS01 (a warning, to confirm), below it is spending without income (an error).
    """
    done = c.done
    if "YS02" in done.derived:
        return
    spending = dict(keyed_rows(done.rows("YS03")))
    for key, row in keyed_rows(done.rows("YS02")):
        if row.kind != "item":
            continue
        match = spending.get(key)
        spent = match.amount("total") if match is not None else ZERO
        income = row.amount("total")
        label = f"科目{row.subject}（{row.text('name')}）"
        severity = judge(income, spent, 2)
        if severity is None:
            continue
        cell = c.cell("YS02", row, "total")
        if income < spent and severity == "error":
            c.add(CROSS, "YS02", cell, f"{label}的收入少于YS03的支出", fmt(spent), fmt(income), severity="error")
        elif severity == "error":
            c.add(
                CROSS,
                "YS02",
                cell,
                f"{label}的收入多于YS03的支出，差额将作为年终结转结余列入YS01：请核对",
                fmt(spent),
                fmt(income),
                severity="warning",
            )


@checks(CROSS)
def funds_within_spending(c: Context) -> None:
    """The fund tables YS05/YS09/YS13 split each YS03 row: together they cannot exceed it."""
    done = c.done
    funds = [dict(keyed_rows(done.rows(code))) for _, code in FUND_TABLES]
    for key, row in keyed_rows(done.rows("YS03")):
        if row.kind != "item":
            continue
        parts = [table[key].amount("total") for table in funds if key in table]
        if parts and sum(parts, ZERO) - row.amount("total") > envelope(len(parts)):
            c.add(
                CROSS,
                "YS03",
                c.cell("YS03", row, "total"),
                f"科目{row.subject}的一般公共预算、政府性基金和国有资本经营支出（YS05、YS09、YS13）之和超过了本表支出",
                f"≤ {fmt(row.amount('total'))}",
                fmt(sum(parts, ZERO)),
                severity="error",
            )


@checks(REQUIRED)
def ys05_derivable(c: Context) -> None:
    """YS05 is derived from YS03 only when all spending is 一般公共预算."""
    done = c.done
    if "YS05" not in done.derived:
        return
    others = [code for fund, code in FUND_TABLES if fund != "gpb" and done.rows(code, "item")]
    ys02 = done.total_row("YS02")
    non_gpb = ys02 is not None and "YS02" not in done.derived and any(ys02.amount(k) != ZERO for k in NON_GPB_INCOME)
    if others or non_gpb:
        why = "、".join(others) + ("有数据" if others else "") + ("；" if others and non_gpb else "")
        why += "YS02有一般公共预算以外的收入" if non_gpb else ""
        c.add(REQUIRED, "YS05", None, f"一般公共预算支出情况表不能由YS03自动生成（{why}）：请填写YS05")
