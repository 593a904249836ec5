"""Turn the equalities between tables into findings (表间不符): each table against the tables it details or sums."""

from __future__ import annotations

from decimal import Decimal

from generator.stages.check.registry import CROSS, LAYOUT, REQUIRED, ROUNDING, Context, checks, envelope, fmt
from generator.stages.derive import total
from generator.workbook.load import normalize_text
from generator.workbook.model import ZERO
from generator.workbook.schema import TABLES_BY_CODE


@checks(CROSS, ROUNDING)
def ys06_is_ys05_basic(c: Context) -> None:
    """YS05 is the 一般公共预算 part of YS03; YS06 details YS05's 基本支出."""
    done = c.done
    ys05 = done.total_row("YS05")
    ys06 = done.total_row("YS06")
    if ys05 is not None and ys06 is not None:
        cell = c.cell("YS06", ys06, "total")
        for key, parts, label in (
            ("total", ("basic",), "合计"),
            ("personnel", ("wage", "family"), "人员经费"),
            ("public", ("goods", "capital"), "公用经费"),
        ):
            expected = sum((ys05.amount(p) for p in parts), ZERO)
            # two sums of separately rounded items: the envelope covers the items of both sides
            items = len(done.rows("YS06", "item")) + len(done.rows("YS05", "item")) - 1
            c.compare(
                ys06.amount(key),
                expected,
                max(items, 1),
                "YS06",
                c.cell("YS06", ys06, key) or cell,
                CROSS,
                f"基本支出{label}应等于YS05的基本支出{label}",
            )
    elif ys05 is not None and ys05.amount("basic") != ZERO:
        c.add(CROSS, "YS06", None, "YS05有基本支出，但一般公共预算基本支出情况表没有数据", severity="error")


@checks(CROSS, ROUNDING)
def ys10_is_ys03_projects(c: Context) -> None:
    """YS10's projects are YS03's 项目支出, by type."""
    done = c.done
    ys03 = done.total_row("YS03")
    ys10 = done.total_row("YS10")
    if ys03 is None:
        return
    projects = done.rows("YS10", "project")
    for kind_key, kind in (("project", None), ("operating", "其他运转类"), ("target", "特定目标类")):
        chosen = [p for p in projects if kind is None or p.text("kind") == kind]
        # the total as printed (given where the clerk filled it) is what the cell shows
        amount = ys10.amount("total") if kind is None and ys10 is not None else total(chosen, "total")
        what = "项目合计" if kind is None else f"{kind}项目之和"
        cell = c.cell("YS10", ys10, "total") if ys10 is not None and kind is None else None
        c.compare(
            amount,
            ys03.amount(kind_key),
            len(chosen),
            "YS10",
            cell,
            CROSS,
            f"{what}应等于YS03的{TABLES_BY_CODE['YS03'].column(kind_key).label}",
        )


@checks(CROSS, ROUNDING)
def ys14_is_ys06_public(c: Context) -> None:
    """A filled YS14 is the 公用经费 items of YS06."""
    done = c.done
    if "YS14" in done.derived:
        return
    public: dict[str, Decimal] = {}
    counts: dict[str, int] = {}
    for row in done.rows("YS06", "item"):
        if row.amount("public") != ZERO:
            public[row.text("dept_code")] = public.get(row.text("dept_code"), ZERO) + row.amount("public")
            counts[row.text("dept_code")] = counts.get(row.text("dept_code"), 0) + 1
    for row in done.rows("YS14", "item"):
        expected = public.pop(row.text("code"), ZERO)
        c.compare(
            row.amount("total"),
            expected,
            counts.get(row.text("code"), 1),
            "YS14",
            c.cell("YS14", row, "total"),
            CROSS,
            f"科目{row.text('code')}应等于YS06的公用经费",
        )
    for code, amount in public.items():
        c.add(CROSS, "YS14", None, f"缺少YS06的公用经费科目{code}", fmt(amount), "0.00", severity="error")


@checks(LAYOUT, CROSS, ROUNDING)
def summary_lines(c: Context) -> None:
    """A filled YS01/YS04: the standard's lines, and each amount as the detail tables give it."""
    for code in ("YS01", "YS04"):
        table = c.budget.table(code)
        if not table.filled:
            continue
        spec = TABLES_BY_CODE[code]
        derived = c.done.tables[code]
        label_keys = [col.key for col in spec.columns if col.kind == "text"]
        for i, row in enumerate(table.rows):
            if i >= len(derived):
                c.add(LAYOUT, code, row.cell(label_keys[0]), "多出的行：项目栏与规范不符")
                break
            for key in label_keys:
                want, got = derived[i].text(key), row.text(key)
                if normalize_text(want) != normalize_text(got):
                    c.add(LAYOUT, code, row.cell(key), "项目名称与规范不符，请勿改动项目栏", want, got)
        fresh = c.done.from_detail[code]
        # a line sums 项 rows rounded one by one: allow for as many as the detail has
        items = max(len(c.done.rows("YS03", "item")), 1)
        for i, row in enumerate(table.rows[: len(fresh)]):
            for key in spec.amount_keys():
                given = row.given(key)
                if given is not None:
                    label = row.text("out_label" if key.startswith("out") else "in_label")
                    c.compare(
                        given, fresh[i].amount(key), items, code, row.cell(key), CROSS, f"“{label}”应与明细表一致"
                    )


@checks(CROSS, ROUNDING)
def ys01_balances(c: Context) -> None:
    """YS01's two totals balance."""
    lines = {r.text("in_label"): r for r in c.done.rows("YS01")}
    if "收入总计" in lines:
        row = lines["收入总计"]
        c.compare(
            row.amount("in_amount"),
            row.amount("out_amount"),
            1,
            "YS01",
            c.cell("YS01", row, "out_amount"),
            CROSS,
            "支出总计应等于收入总计",
        )


@checks(CROSS, ROUNDING)
def ys07_totals_spending(c: Context) -> None:
    """A filled YS07 totals all spending."""
    done = c.done
    ys03 = done.total_row("YS03")
    if "YS07" in done.derived or ys03 is None:
        return
    ys07 = done.rows("YS07", "sum")
    if ys07:
        c.compare(
            ys07[0].amount("total"),
            ys03.amount("total"),
            1,
            "YS07",
            c.cell("YS07", ys07[0], "total"),
            CROSS,
            "合计应等于YS03的支出合计",
        )


@checks(REQUIRED)
def ys07_derivable(c: Context) -> None:
    """A derived YS07 is YS06's basic items (一般公共预算) plus YS10's projects.

    Basic spending paid from other money is in YS03 but in neither, so only the clerk knows its
    经济分类. (A gap the other way is YS06's own error, reported with YS05.)
    """
    done = c.done
    if "YS07" not in done.derived or done.total_row("YS03") is None:
        return
    basic_items = done.rows("YS06", "item")
    gpb_basic = sum((r.amount("total") for r in basic_items), ZERO)
    spent = done.rows("YS03", "item")
    basic = sum((r.amount("basic") for r in spent), ZERO)  # the items: a wrong total row is 合计不符
    gap = basic - gpb_basic
    if gap > envelope(len(basic_items) + len(spent)):
        c.add(
            REQUIRED,
            "YS07",
            None,
            f"支出经济分类汇总表不能由YS06和YS10自动生成：YS03的基本支出{fmt(basic)}万元"
            f"比YS06的一般公共预算基本支出{fmt(gpb_basic)}万元多{fmt(gap)}万元，"
            "这部分资金的经济分类只有本单位知道：请填写YS07",
        )


@checks(CROSS, ROUNDING)
def ys12_is_ys10(c: Context) -> None:
    """YS12's projects are YS10's."""
    done = c.done
    by_code = {p.text("project_code"): p for p in done.rows("YS10", "project") if p.text("project_code")}
    for row in done.rows("YS12", "project"):
        match = by_code.get(row.text("code"))
        if match is None:
            if by_code:
                c.add(
                    CROSS,
                    "YS12",
                    c.cell("YS12", row, "code"),
                    f"项目编码{row.text('code')}在YS10中找不到",
                    severity="warning",
                )
            continue
        c.compare(
            row.amount("total"),
            match.amount("total"),
            1,
            "YS12",
            c.cell("YS12", row, "total"),
            CROSS,
            f"项目“{match.text('name')}”的资金总额应等于YS10",
        )
