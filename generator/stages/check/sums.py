"""Turn each table's own sums into findings: subtotals inside a row (小计不符) and totals over rows (合计不符)."""

from __future__ import annotations

from decimal import Decimal

from generator.stages.check.registry import ROUNDING, SUBTOTAL, TOTAL, Context, checks
from generator.stages.derive import RELATIONS, SPENDING_SHAPED, sums, unit_groups
from generator.workbook.model import ZERO, Row
from generator.workbook.schema import TABLES_BY_CODE

# The tables whose total (and unit) rows sum the detail rows their spec names (``TableSpec.detail``), by role.
FLAT_ROLES = ("gpb_basic", "operating_cost", "projects", "project_goals")


@checks(SUBTOTAL, ROUNDING)
def row_sums(c: Context) -> None:
    """Every subtotal cell a clerk filled equals the sum of its parts (rows of every table).

    On a total, 合计 or unit row a part left empty is derived from the rows below (as printed),
    not read as zero; when all its parts are empty, ``column_sums`` checks the cell.
    """
    completed = {(r.code, r.number): r for rows in c.done.tables.values() for r in rows if r.number}
    for code, relations in RELATIONS.items():
        for row in c.budget.table(code).rows:
            summary = row.kind in ("total", "sum", "unit")
            source = completed.get((code, row.number), row) if summary else row
            for parent, parts in relations:
                given = row.given(parent)
                if given is None or row.kind == "continuation":
                    continue
                if summary and all(row.given(p) is None for p in parts):
                    continue
                expected = sum((source.amount(p) for p in parts), ZERO)
                names = "＋".join(TABLES_BY_CODE[code].column(p).label for p in parts)
                label = TABLES_BY_CODE[code].column(parent).label
                c.compare(given, expected, len(parts), code, row.cell(parent), SUBTOTAL, f"{label}应等于{names}")


@checks(TOTAL, ROUNDING)
def column_sums(c: Context) -> None:
    """Every total or unit row a clerk filled equals the sum of the rows it totals."""
    unit_code, bureau = c.budget.facts.text("unit_code"), c.budget.bureau
    for role in SPENDING_SHAPED:
        table = c.budget.role(role)
        groups = unit_groups(table, unit_code, bureau)
        items = [r for g in groups for r in g.items]
        for group in groups:
            if group.row is not None:
                _given_vs(c, group.row, group.items, f"单位“{group.name}”的金额应等于其下各科目之和")
        for row in table.of("total", "sum"):
            _given_vs(c, row, items, "合计应等于各科目之和")
    goal_units = _goal_units(c)
    for role in FLAT_ROLES:
        spec = c.spec(role)
        table = c.budget.table(spec.code)
        items = [r for r in table.rows if r.kind in spec.detail]
        for row in table.of("total", "sum", "unit") if role != "project_goals" else table.of("total"):
            if role == "projects" and row.kind == "unit":
                members = [r for r in items if r.text("unit") == row.text("unit")]
                _given_vs(c, row, members, f"单位“{row.text('unit')}”的金额应等于其项目之和")
            elif role == "project_goals" and row.text("code") in goal_units:
                # a 单位 row (the bureau's own or a 所属单位): its projects, as the projects table assigns them
                name = row.text("name") or row.text("code")
                _given_vs(c, row, goal_units[row.text("code")], f"单位“{name}”的金额应等于其项目之和")
            else:
                _given_vs(c, row, items, "合计应等于各明细行之和")
    economic = c.budget.role("economic")
    for cls in economic.of("class"):
        members = [r for r in economic.of("item") if r.text("lei") == cls.text("lei")]
        _given_vs(c, cls, members, f"类“{cls.text('lei')}”应等于其下各款之和")


def _goal_units(c: Context) -> dict[str, list[Row]]:
    """The project_goals table's projects by the code of their unit, as the completed table groups them
    (``derive.complete_project_goals``).

    A single-unit bureau has no unit other than the department's own: its unit row totals all
    projects, like the department's row, and is compared as that.
    """
    units: dict[str, list[Row]] = {}
    current: list[Row] | None = None
    for row in c.done.rows("project_goals"):
        if row.kind == "unit":
            current = units.setdefault(row.text("code"), []) if row.text("code") else None
        elif row.kind == "project" and current is not None:
            current.append(row)
    return units if len(units) > 1 else {}


def _given_vs(c: Context, row: Row, items: list[Row], message: str) -> None:
    derived = sums(row.code, items)
    for key, value in derived.items():
        given = row.given(key)
        if given is not None and isinstance(value, Decimal):
            label = row.spec.column(key).label
            c.compare(given, value, len(items), row.code, row.cell(key), TOTAL, f"{label}：{message}")
