"""Turn the equalities between tables into findings (表间不符): each table against the tables it details or sums.

Each check reads its tables by role (``formats/shapes.TABLE_ROLES``) and names them in its messages
by the code the format gives that role.
"""

from __future__ import annotations

from decimal import Decimal

from generator.stages.check.registry import CROSS, LAYOUT, REQUIRED, ROUNDING, Context, checks, envelope, fmt
from generator.stages.derive import total
from generator.workbook.load import normalize_text
from generator.workbook.model import ZERO


@checks(CROSS, ROUNDING)
def gpb_basic_is_gpb_spending_basic(c: Context) -> None:
    """The gpb_spending table is the 一般公共预算 part of the spending table; gpb_basic details its 基本支出."""
    done = c.done
    fund, detail = c.code("gpb_spending"), c.code("gpb_basic")
    ys05 = done.total_row("gpb_spending")
    ys06 = done.total_row("gpb_basic")
    if ys05 is not None and ys06 is not None:
        cell = c.cell(detail, ys06, "total")
        for key, parts, label in (
            ("total", ("basic",), "合计"),
            ("personnel", ("wage", "family"), "人员经费"),
            ("public", ("goods", "capital"), "公用经费"),
        ):
            expected = sum((ys05.amount(p) for p in parts), ZERO)
            # two sums of separately rounded items: the envelope covers the items of both sides
            items = len(done.rows("gpb_basic", "item")) + len(done.rows("gpb_spending", "item")) - 1
            c.compare(
                ys06.amount(key),
                expected,
                max(items, 1),
                detail,
                c.cell(detail, ys06, key) or cell,
                CROSS,
                f"基本支出{label}应等于{fund}的基本支出{label}",
            )
    elif ys05 is not None and ys05.amount("basic") != ZERO:
        title = c.spec("gpb_basic").title
        c.add(CROSS, detail, None, f"{fund}有基本支出，但{title}没有数据", severity="error")


@checks(CROSS, ROUNDING)
def projects_are_spending_projects(c: Context) -> None:
    """The projects table's projects are the spending table's 项目支出, by type."""
    done = c.done
    spending, table = c.code("spending"), c.code("projects")
    ys03 = done.total_row("spending")
    ys10 = done.total_row("projects")
    if ys03 is None:
        return
    projects = done.rows("projects", "project")
    for kind_key, kind in (("project", None), ("operating", "其他运转类"), ("target", "特定目标类")):
        chosen = [p for p in projects if kind is None or p.text("kind") == kind]
        # the total as printed (given where the clerk filled it) is what the cell shows
        amount = ys10.amount("total") if kind is None and ys10 is not None else total(chosen, "total")
        what = "项目合计" if kind is None else f"{kind}项目之和"
        cell = c.cell(table, ys10, "total") if ys10 is not None and kind is None else None
        c.compare(
            amount,
            ys03.amount(kind_key),
            len(chosen),
            table,
            cell,
            CROSS,
            f"{what}应等于{spending}的{c.spec('spending').column(kind_key).label}",
        )


@checks(CROSS, ROUNDING)
def operating_cost_is_gpb_basic_public(c: Context) -> None:
    """A filled operating_cost table is the 公用经费 items of the gpb_basic table."""
    done = c.done
    if done.is_derived("operating_cost"):
        return
    basic, table = c.code("gpb_basic"), c.code("operating_cost")
    public: dict[str, Decimal] = {}
    counts: dict[str, int] = {}
    for row in done.rows("gpb_basic", "item"):
        if row.amount("public") != ZERO:
            public[row.text("dept_code")] = public.get(row.text("dept_code"), ZERO) + row.amount("public")
            counts[row.text("dept_code")] = counts.get(row.text("dept_code"), 0) + 1
    for row in done.rows("operating_cost", "item"):
        expected = public.pop(row.text("code"), ZERO)
        c.compare(
            row.amount("total"),
            expected,
            counts.get(row.text("code"), 1),
            table,
            c.cell(table, row, "total"),
            CROSS,
            f"科目{row.text('code')}应等于{basic}的公用经费",
        )
    for code, amount in public.items():
        c.add(CROSS, table, None, f"缺少{basic}的公用经费科目{code}", fmt(amount), "0.00", severity="error")


@checks(LAYOUT, CROSS, ROUNDING)
def summary_lines(c: Context) -> None:
    """A filled summary or fiscal_summary table: the standard's lines, and each amount as the detail tables give it."""
    for role in ("summary", "fiscal_summary"):
        spec = c.spec(role)
        code = spec.code
        table = c.budget.table(code)
        if not table.filled:
            continue
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
        items = max(len(c.done.rows("spending", "item")), 1)
        for i, row in enumerate(table.rows[: len(fresh)]):
            for key in spec.amount_keys():
                given = row.given(key)
                if given is not None:
                    label = row.text("out_label" if key.startswith("out") else "in_label")
                    c.compare(
                        given, fresh[i].amount(key), items, code, row.cell(key), CROSS, f"“{label}”应与明细表一致"
                    )


@checks(CROSS, ROUNDING)
def summary_balances(c: Context) -> None:
    """The summary table's two totals balance."""
    code = c.code("summary")
    lines = {r.text("in_label"): r for r in c.done.rows("summary")}
    if "收入总计" in lines:
        row = lines["收入总计"]
        c.compare(
            row.amount("in_amount"),
            row.amount("out_amount"),
            1,
            code,
            c.cell(code, row, "out_amount"),
            CROSS,
            "支出总计应等于收入总计",
        )


@checks(CROSS, ROUNDING)
def economic_totals_spending(c: Context) -> None:
    """A filled economic table totals all spending."""
    done = c.done
    ys03 = done.total_row("spending")
    if done.is_derived("economic") or ys03 is None:
        return
    code = c.code("economic")
    ys07 = done.rows("economic", "sum")
    if ys07:
        c.compare(
            ys07[0].amount("total"),
            ys03.amount("total"),
            1,
            code,
            c.cell(code, ys07[0], "total"),
            CROSS,
            f"合计应等于{c.code('spending')}的支出合计",
        )


@checks(REQUIRED)
def economic_derivable(c: Context) -> None:
    """A derived economic table is the gpb_basic table's items (一般公共预算) plus the projects.

    Basic spending paid from other money is in the spending table but in neither, so only the clerk
    knows its 经济分类. (A gap the other way is gpb_basic's own error, reported with gpb_spending.)
    """
    done = c.done
    if not done.is_derived("economic") or done.total_row("spending") is None:
        return
    economic, basic_code, spending = c.code("economic"), c.code("gpb_basic"), c.code("spending")
    projects = c.code("projects")
    basic_items = done.rows("gpb_basic", "item")
    gpb_basic = sum((r.amount("total") for r in basic_items), ZERO)
    spent = done.rows("spending", "item")
    basic = sum((r.amount("basic") for r in spent), ZERO)  # the items: a wrong total row is 合计不符
    gap = basic - gpb_basic
    if gap > envelope(len(basic_items) + len(spent)):
        c.add(
            REQUIRED,
            economic,
            None,
            f"{c.spec('economic').title}不能由{basic_code}和{projects}自动生成：{spending}的基本支出{fmt(basic)}万元"
            f"比{basic_code}的一般公共预算基本支出{fmt(gpb_basic)}万元多{fmt(gap)}万元，"
            f"这部分资金的经济分类只有本单位知道：请填写{economic}",
        )


@checks(CROSS, ROUNDING)
def project_goals_are_projects(c: Context) -> None:
    """The project_goals table's projects are the projects table's."""
    done = c.done
    goals, projects = c.code("project_goals"), c.code("projects")
    by_code = {p.text("project_code"): p for p in done.rows("projects", "project") if p.text("project_code")}
    for row in done.rows("project_goals", "project"):
        match = by_code.get(row.text("code"))
        if match is None:
            if by_code:
                c.add(
                    CROSS,
                    goals,
                    c.cell(goals, row, "code"),
                    f"项目编码{row.text('code')}在{projects}中找不到",
                    severity="warning",
                )
            continue
        c.compare(
            row.amount("total"),
            match.amount("total"),
            1,
            goals,
            c.cell(goals, row, "total"),
            CROSS,
            f"项目“{match.text('name')}”的资金总额应等于{projects}",
        )
