"""Turn a loaded ``Budget`` into complete tables: total rows, subtotals and summary tables derived from the detail.

A clerk may leave any total row, row subtotal or summary table (the tables a format marks
``derived``, the header rows of its projects and project_goals tables) empty: it is derived here
from the detail rows, with the precise amounts the workbook holds, and rounded only when printed.
What the clerk did fill is kept as given (it is the official figure) and the checker compares it
with what is derived here. Nothing here decides whether a figure is right; ``stages/check`` does.

Each derivation is named by the ROLES of the tables it reads and writes (``formats/shapes.TABLE_ROLES``):
a format says which of its tables plays which role (``Format.role``), never this module.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from generator.formats.shapes import FUND_ROLES
from generator.formats.spec import Format
from generator.reference.codes import CodeBook, load_codes
from generator.workbook.model import ZERO, Budget, Row, Table, Value
from generator.workbook.schema import (
    FISCAL_FOOTER,
    FISCAL_INCOME_LABELS,
    FISCAL_SPENDING_FIRST,
    FISCAL_SPENDING_LAST,
    HENAN,
    INCOME_SOURCES,
    SUMMARY_FISCAL_LABEL,
    SUMMARY_FOOTER,
    TABLES,
    TABLES_BY_CODE,
)

CENT = Decimal("0.01")
# The spending-shaped tables, by role: all spending, and the fund tables that split it.
SPENDING_TABLES = ("spending",) + tuple(role for _, role in FUND_ROLES)
SPENDING_SHAPED = ("income",) + SPENDING_TABLES  # income is laid out on the spending table's rows
FUNDS = tuple(fund for fund, _ in FUND_ROLES)  # the three 财政拨款 budgets

# Row-internal sums, innermost first: (parent, its parts), as the schema declares them per table.
RELATIONS: dict[str, tuple[tuple[str, tuple[str, ...]], ...]] = {t.code: t.sums for t in TABLES if t.sums}


def q2(value: Decimal) -> Decimal:
    """Round to the cent as published: ROUND_HALF_UP, never banker's rounding."""
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def total(rows: Iterable[Row], key: str) -> Decimal:
    return sum((row.amount(key) for row in rows), ZERO)


def _derived_row(code: str, kind: str, values: dict[str, Value]) -> Row:
    return Row(code, 0, kind, values)  # type: ignore[arg-type]


def fill_row_sums(row: Row) -> Row:
    """A copy of ``row`` whose empty subtotal cells hold the sum of their parts (its table's ``sums``)."""
    values = dict(row.values)
    for parent, parts in row.spec.sums:
        if values.get(parent) is None and any(values.get(p) is not None for p in parts):
            values[parent] = sum((v for p in parts if isinstance(v := values.get(p), Decimal)), ZERO)
    return Row(row.code, row.number, row.kind, values, row.layout)


def sums(code: str, rows: Sequence[Row]) -> dict[str, Value]:
    """Column sums of ``rows`` over the table's amount columns."""
    return {key: total(rows, key) for key in TABLES_BY_CODE[code].amount_keys()}


def merge_given(code: str, kind: str, given: Row | None, derived: dict[str, Value], labels: dict[str, Value]) -> Row:
    """A total row: what the clerk gave where given, the derived sum elsewhere."""
    values: dict[str, Value] = dict(labels)
    for key, value in derived.items():
        mine = given.values.get(key) if given is not None else None
        values[key] = mine if mine is not None else value
    if given is not None:
        for key, value in given.values.items():
            if key not in values or values[key] in (None, ""):
                values[key] = value
    return Row(code, given.number if given is not None else 0, kind, values)  # type: ignore[arg-type]


@dataclass
class UnitGroup:
    """A unit's rows in a spending-shaped table: its own row (if given) and its 项 rows."""

    unit_code: str
    name: str
    row: Row | None
    items: list[Row] = field(default_factory=list)


def unit_groups(table: Table, unit_code: str, bureau: str) -> list[UnitGroup]:
    """Group item rows under the unit row above them (the bureau's own unit if none)."""
    groups: list[UnitGroup] = []
    current: UnitGroup | None = None
    for row in table.rows:
        if row.kind == "unit":
            current = UnitGroup(row.text("unit_code"), row.text("name"), row)
            groups.append(current)
        elif row.kind == "item":
            if current is None:
                current = UnitGroup(unit_code, bureau, None)
                groups.append(current)
            current.items.append(fill_row_sums(row))
    return groups


def complete_spending(table: Table, unit_code: str, bureau: str) -> list[Row]:
    """The printed rows of a spending-shaped table: total, 合计, then each unit and its 项."""
    code = table.code
    groups = unit_groups(table, unit_code, bureau)
    if not groups:
        return []
    unit_rows = []
    all_items: list[Row] = []
    for group in groups:
        unit_rows.append(
            merge_given(
                code,
                "unit",
                group.row,
                sums(code, group.items),
                {"unit_code": group.unit_code, "name": group.name},
            )
        )
        all_items += group.items
    grand = sums(code, all_items)
    given_total = next(iter(table.of("total")), None)
    given_sum = next(iter(table.of("sum")), None)
    out = [
        merge_given(code, "total", given_total, grand, {}),
        merge_given(code, "sum", given_sum, grand, {"name": "合计"}),
    ]
    for group, unit_row in zip(groups, unit_rows, strict=True):
        out.append(unit_row)
        out += group.items
    return out


def _item_key(row: Row) -> tuple[str, str]:
    return (row.subject, row.text("name"))


def keyed_rows(rows: Sequence[Row]) -> list[tuple[tuple[str, ...], Row]]:
    """Each printed row of a spending-shaped table with a key that names it across tables.

    A 项 row is named by its unit and its 功能分类 (several units may each have 208 05 05), a unit
    row by its code, a total row by its kind, so that the spending table's rows find their like in
    the fund tables.
    """
    out: list[tuple[tuple[str, ...], Row]] = []
    unit = ""
    for row in rows:
        if row.kind == "unit":
            unit = row.text("unit_code") or row.text("name")
            out.append((("unit", unit), row))
        elif row.kind == "item":
            out.append((("item", unit, *_item_key(row)), row))
        else:
            out.append(((row.kind,), row))
    return out


def _retype(code: str, rows: Sequence[Row]) -> list[Row]:
    return [Row(code, 0, row.kind, dict(row.values)) for row in rows]


def derive_gpb_spending(spending: list[Row], code: str) -> list[Row]:
    """The gpb_spending table (``code``) when all spending is 一般公共预算: the rows of the spending table."""
    return _retype(code, spending)


def derive_income(spending: list[Row], by_fund: dict[str, list[Row]], code: str) -> list[Row]:
    """The income table (``code``) from the spending table, each row's income split by the fund tables that spend it."""
    lookup = {fund: dict(keyed_rows(rows)) for fund, rows in by_fund.items()}
    out = []
    for key, row in keyed_rows(spending):
        values: dict[str, Value] = {k: row.values.get(k) for k in ("lei", "kuan", "xiang", "unit_code", "name")}
        for fund in FUNDS:
            match = lookup[fund].get(key)
            values[fund] = match.amount("total") if match is not None else None
        values["total"] = sum((v for k, v in values.items() if k in FUNDS and isinstance(v, Decimal)), ZERO)
        out.append(Row(code, 0, row.kind, values))
    return out


def derive_summary(income: list[Row], spending: list[Row], codes: CodeBook, code: str) -> list[Row]:
    """The summary table (``code``): income by source (the income table's total row), spending by
    功能分类 类 (the spending table's 项 rows)."""
    income_row = next((r for r in income if r.kind == "total"), None)
    left: list[tuple[str, Decimal | None]] = []
    for key, _, label in INCOME_SOURCES:
        left.append((label, income_row.amount(key) if income_row else ZERO))
        if key == "gpb":
            left.append((SUMMARY_FISCAL_LABEL, income_row.amount(key) if income_row else ZERO))
    items = [r for r in spending if r.kind == "item"]
    right: list[tuple[str, Decimal | None]] = [
        (fc.ys01_label, total((r for r in items if r.text("lei") == fc.code), "total")) for fc in codes.function_classes
    ]
    rows = _two_sided(code, left, right, "in_label", "in_amount", "out_label", "out_amount")
    received = sum((a or ZERO for (label, a) in left if label != SUMMARY_FISCAL_LABEL), ZERO)
    carry = income_row.amount("carryover") if income_row else ZERO
    spent = total((r for r in spending if r.kind == "total"), "total")
    footer = (
        (received, spent),
        (carry, received + carry - spent),
        (received + carry, received + carry),
    )
    for (in_label, out_label), (in_amount, out_amount) in zip(SUMMARY_FOOTER, footer, strict=True):
        rows.append(
            _derived_row(
                code,
                "line",
                {"in_label": in_label, "in_amount": in_amount, "out_label": out_label, "out_amount": out_amount},
            )
        )
    return rows


def _two_sided(
    code: str,
    left: Sequence[tuple[str, Decimal | None]],
    right: Sequence[tuple[str, dict[str, Value] | Decimal | None]],
    in_label: str,
    in_amount: str,
    out_label: str,
    out_amount: str,
) -> list[Row]:
    rows = []
    for i in range(max(len(left), len(right))):
        values: dict[str, Value] = {}
        if i < len(left):
            values[in_label], values[in_amount] = left[i]
        if i < len(right):
            label, amount = right[i]
            values[out_label] = label
            if isinstance(amount, dict):
                values.update(amount)
            else:
                values[out_amount] = amount
        rows.append(_derived_row(code, "line", values))
    return rows


def derive_fiscal_summary(
    income: list[Row], funds: dict[str, list[Row]], projects: list[Row], codes: CodeBook, code: str
) -> list[Row]:
    """The fiscal_summary table (``code``): 财政拨款 income (the income table) and spending by 类 and
    fund (the fund tables), with the projects' 结转 as last year's carry-over."""
    income_row = next((r for r in income if r.kind == "total"), None)
    projects = [r for r in projects if r.kind == "project"]

    def inc(key: str) -> Decimal:
        return income_row.amount(key) if income_row else ZERO

    carry = {fund: total(projects, f"co_{fund}") for fund in FUNDS}
    amounts = {
        "this_year": inc("gpb") + inc("gov_fund") + inc("soe"),
        "gpb": inc("gpb"),
        "gpb_fiscal": inc("gpb"),
        "gov_fund": inc("gov_fund"),
        "soe": inc("soe"),
        "carryover": sum(carry.values(), ZERO),
        "co_gpb": carry["gpb"],
        "co_gov_fund": carry["gov_fund"],
        "co_soe": carry["soe"],
    }
    left = [(label, amounts[key]) for key, label in FISCAL_INCOME_LABELS]

    def spend(lei: str | None) -> dict[str, Value]:
        amounts: dict[str, Decimal] = {}
        for fund, key in (("gpb", "out_gpb"), ("gov_fund", "out_gov_fund"), ("soe", "out_soe")):
            items = [r for r in funds[fund] if r.kind == "item" and (lei is None or r.text("lei") == lei)]
            amounts[key] = total(items, "total")
        amounts["out_gpb_fiscal"] = amounts["out_gpb"]
        amounts["out_total"] = amounts["out_gpb"] + amounts["out_gov_fund"] + amounts["out_soe"]
        return dict(amounts)

    this_year = spend(None)
    income_total = amounts["this_year"] + amounts["carryover"]
    remaining = income_total - this_year["out_total"]  # type: ignore[operator]
    right: list[tuple[str, dict[str, Value] | Decimal | None]] = [(FISCAL_SPENDING_FIRST, this_year)]
    right += [(fc.ys04_label, spend(fc.code)) for fc in codes.function_classes]
    right.append((FISCAL_SPENDING_LAST, {"out_total": remaining}))
    rows = _two_sided(code, left, right, "in_label", "in_amount", "out_label", "out_total")
    footer: dict[str, Value] = {"in_label": FISCAL_FOOTER[0], "in_amount": income_total, "out_label": FISCAL_FOOTER[1]}
    footer.update(this_year)
    footer["out_total"] = this_year["out_total"] + remaining  # type: ignore[operator]
    rows.append(_derived_row(code, "line", footer))
    return rows


def project_econ(row: Row, codes: CodeBook) -> tuple[str, str]:
    """A project's 部门 and 政府 经济分类 款 (the 政府 one mapped from the 部门 one when not given)."""
    dept = row.text("econ_dept")
    gov = row.text("econ_gov") or (codes.dept_to_gov(dept) or "" if dept else "")
    return dept, gov


def derive_economic(basic: list[Row], projects: list[Row], codes: CodeBook, table_code: str) -> list[Row]:
    """The economic table (``table_code``): all spending by 部门 then 政府 经济分类 and by source: the
    gpb_basic table's items plus the projects."""
    keys = TABLES_BY_CODE[table_code].amount_keys()
    blocks: list[list[Row]] = []
    for block in ("dept", "gov"):
        per_code: OrderedDict[str, dict[str, Decimal]] = OrderedDict()

        def add(
            code: str, amounts: dict[str, Decimal], per_code: OrderedDict[str, dict[str, Decimal]] = per_code
        ) -> None:
            if not code:
                code = "99999"  # unclassified: the checker reports the project that lacks its code
            slot = per_code.setdefault(code, {k: ZERO for k in keys if k != "total"})
            for k, v in amounts.items():
                slot[k] += v

        for row in basic:
            if row.kind == "item":
                code = row.text("dept_code" if block == "dept" else "gov_code")
                add(code, {"gpb": row.amount("total")})
        for row in projects:
            if row.kind == "project":
                dept, gov = project_econ(row, codes)
                add(
                    dept if block == "dept" else gov,
                    {
                        "gpb": row.amount("gpb") + row.amount("co_gpb"),
                        "gov_fund": row.amount("gov_fund") + row.amount("co_gov_fund"),
                        "soe": row.amount("soe") + row.amount("co_soe"),
                        "special_account": row.amount("special_account"),
                        "unit_funds": row.amount("unit_funds"),
                    },
                )
        name_of = codes.econ_dept_name if block == "dept" else codes.econ_gov_name
        rows: list[Row] = []
        for lei in sorted({c[:3] for c in per_code}):
            members = sorted(c for c in per_code if c[:3] == lei)
            class_values: dict[str, Value] = {"lei": lei, "name": name_of(lei) or ""}
            for k in keys:
                if k != "total":
                    class_values[k] = sum((per_code[c][k] for c in members), ZERO)
            rows.append(fill_row_sums(_derived_row(table_code, "class", class_values)))
            for c in members:
                values: dict[str, Value] = {"lei": lei, "kuan": c[3:], "name": name_of(c) or ""}
                values.update(per_code[c])
                rows.append(fill_row_sums(_derived_row(table_code, "item", values)))
        blocks.append(rows)
    dept_rows = blocks[0]
    grand = _derived_row(
        table_code, "sum", {"name": "合计", **sums(table_code, [r for r in dept_rows if r.kind == "class"])}
    )
    return [grand] + blocks[0] + blocks[1]


def derive_operating_cost(basic: list[Row], table_code: str) -> list[Row]:
    """The operating_cost table (``table_code``): the 公用经费 items of the gpb_basic table (机构运行经费),
    one row per 经济分类 款 in that table's order.

    The gpb_basic table may list a 款 on several lines (a 行政 and a 事业 unit's 办公费, say); this
    table lists it once.
    """
    per_code: OrderedDict[str, tuple[str, Decimal]] = OrderedDict()
    for r in basic:
        if r.kind == "item" and r.amount("public") != ZERO:
            code = r.text("dept_code")
            name, amount = per_code.get(code, (r.text("dept_name"), ZERO))
            per_code[code] = (name, amount + r.amount("public"))
    items = [
        _derived_row(table_code, "item", {"code": code, "name": name, "total": amount})
        for code, (name, amount) in per_code.items()
    ]
    return [_derived_row(table_code, "total", {"total": total(items, "total")}), *items]


def complete_flat(table: Table, item_kinds: tuple[str, ...], label_key: str, with_sum: bool = True) -> list[Row]:
    """Flat tables (gpb_basic, operating_cost): a total row, a 合计 row (unless not ``with_sum``),
    then the items with their row sums."""
    items = [fill_row_sums(r) for r in table.rows if r.kind in item_kinds]
    if not items:
        return []
    grand = sums(table.code, items)
    out = [merge_given(table.code, "total", next(iter(table.of("total")), None), grand, {})]
    if with_sum:
        out.append(merge_given(table.code, "sum", next(iter(table.of("sum")), None), grand, {label_key: "合计"}))
    return out + items


def unit_codes(spending: Sequence[Row], unit_code: str, bureau: str) -> dict[str, str]:
    """Each unit's code by its name, as the spending table's unit rows give them (the bureau's own unit at least)."""
    codes = {bureau: unit_code}
    for row in spending:
        if row.kind == "unit" and row.text("name") and row.text("unit_code"):
            codes[row.text("name")] = row.text("unit_code")
    return codes


def complete_projects(table: Table, unit_code: str, bureau: str, codes: dict[str, str] | None = None) -> list[Row]:
    """The projects table: a total row, then each unit's row (code in the name column, as published)
    and its projects."""
    projects = [fill_row_sums(r) for r in table.of("project")]
    if not projects:
        return []
    codes = codes or {bureau: unit_code}
    grand = sums(table.code, projects)
    units: OrderedDict[str, list[Row]] = OrderedDict()
    for p in projects:
        units.setdefault(p.text("unit") or bureau, []).append(p)
    given_units = {r.text("unit"): r for r in table.of("unit")}
    out = [merge_given(table.code, "total", next(iter(table.of("total")), None), grand, {})]
    for name, members in units.items():
        code = given_units[name].text("name") if name in given_units else codes.get(name, "")
        derived = sums(table.code, members)
        out.append(merge_given(table.code, "unit", given_units.get(name), derived, {"name": code, "unit": name}))
    if len(units) == 1:
        return out + projects
    # Several units: each unit's projects follow its row.
    ordered = out[:1]
    for unit_row, members in zip(out[1:], units.values(), strict=True):
        ordered += [unit_row] + members
    return ordered


def complete_project_goals(
    table: Table,
    dept_code: str,
    unit_code: str,
    bureau: str,
    projects: Sequence[Row] = (),
    codes: dict[str, str] | None = None,
) -> list[Row]:
    """The project_goals table: the department's row, then each unit's row and its projects with
    their continuation rows.

    A project's unit is the one the projects table gives it (matched by 项目编码); a project that
    table does not know stays with the bureau's own unit. Units follow the projects table's order,
    projects keep this table's.
    """
    rows = [fill_row_sums(r) if r.kind == "project" else r for r in table.rows if r.kind in ("project", "continuation")]
    if not rows:
        return []
    codes = codes or {bureau: unit_code}
    unit_of = {p.text("project_code"): p.text("unit") or bureau for p in projects if p.kind == "project"}
    blocks: OrderedDict[str, list[Row]] = OrderedDict()
    for p in projects:
        if p.kind == "unit":
            blocks.setdefault(p.text("unit"), [])
    current: list[Row] | None = None
    for row in rows:
        if row.kind == "project":
            current = blocks.setdefault(unit_of.get(row.text("code"), bureau), [])
            current.append(row)
        elif current is not None:
            current.append(row)
        else:  # continuation rows before any project: keep them with the bureau's own unit
            blocks.setdefault(bureau, []).append(row)
    blocks = OrderedDict((name, members) for name, members in blocks.items() if members)
    goals = [r for r in rows if r.kind == "project"]
    given = {r.text("code"): r for r in table.of("total")}
    out = [merge_given(table.code, "total", given.get(dept_code), sums(table.code, goals), {"code": dept_code})]
    for name, members in blocks.items():
        code = codes.get(name, "")
        derived = sums(table.code, [r for r in members if r.kind == "project"])
        mine = given.get(code) if code else None
        out.append(merge_given(table.code, "unit", mine, derived, {"code": code, "name": name}))
        out += members
    return out


def complete_sangong(table: Table) -> list[Row]:
    """The sangong table: its one line, with its row sums (an empty line when not filled)."""
    lines = table.of("line")
    if not lines:
        return [_derived_row(table.code, "line", {})]
    return [fill_row_sums(lines[0])]


@dataclass
class Complete:
    """Every table as it will be printed: given rows kept, missing totals and tables derived.

    The tables are kept by code (as the document prints them); the engine reads them by role.
    """

    tables: dict[str, list[Row]]
    derived: set[str]  # codes of the tables derived entirely from other tables
    # The summary tables (summary, fiscal_summary) as the detail tables give them, whatever the
    # clerk typed into them: what the checker compares a filled one with (for a table left empty,
    # the same as ``tables``); by code
    from_detail: dict[str, list[Row]] = field(default_factory=dict)
    format: Format = HENAN  # the format the tables are in: which code plays which role

    def code(self, role: str) -> str:
        """The code of the table that plays ``role``."""
        return self.format.code_of(role)

    def rows(self, role: str, *kinds: str) -> list[Row]:
        rows = self.tables[self.code(role)]
        return [r for r in rows if r.kind in kinds] if kinds else rows

    def total_row(self, role: str) -> Row | None:
        return next((r for r in self.rows(role) if r.kind == "total"), None)

    def grand(self, role: str, key: str) -> Decimal:
        """A table's grand total in column ``key`` (zero for an empty table)."""
        row = self.total_row(role)
        return row.amount(key) if row is not None else ZERO

    def is_derived(self, role: str) -> bool:
        """True when the table of ``role`` was derived entirely from other tables (its sheet left empty)."""
        return self.code(role) in self.derived


def complete(budget: Budget, codes: CodeBook | None = None) -> Complete:
    """Every table of ``budget`` completed; derived tables built where their sheet is empty.

    The one derivation of a render: the checker, the headline figures and the document all read
    the value returned here (``pipeline.prepare`` calls this once and passes it on).
    """
    if budget.format.engine == "declared":
        return complete_declared(budget)
    codes = codes or load_codes(budget.year)
    fmt = budget.format
    unit_code = budget.facts.text("unit_code")
    dept_code = budget.facts.text("dept_code")
    bureau = budget.bureau
    tables: dict[str, list[Row]] = {}
    derived: set[str] = set()

    def code(role: str) -> str:
        return fmt.code_of(role)

    def given(role: str) -> Table:
        return budget.table(code(role))

    def put(role: str, rows: list[Row], whole: bool = False) -> None:
        tables[code(role)] = rows
        if whole:
            derived.add(code(role))

    def got(role: str) -> list[Row]:
        return tables[code(role)]

    for role in SPENDING_SHAPED:
        put(role, complete_spending(given(role), unit_code, bureau))
    if not given("gpb_spending").filled:
        put("gpb_spending", derive_gpb_spending(got("spending"), code("gpb_spending")), whole=True)
    funds = {fund: got(role) for fund, role in FUND_ROLES}
    if not given("income").filled:
        put("income", derive_income(got("spending"), funds, code("income")), whole=True)
    put("gpb_basic", complete_flat(given("gpb_basic"), ("item",), "dept_name"))
    units = unit_codes(got("spending"), unit_code, bureau)
    put("projects", complete_projects(given("projects"), unit_code, bureau, units))
    put(
        "project_goals",
        complete_project_goals(given("project_goals"), dept_code, unit_code, bureau, got("projects"), units),
    )
    put("sangong", complete_sangong(given("sangong")))
    put("performance", list(given("performance").rows))
    put("summary", derive_summary(got("income"), got("spending"), codes, code("summary")))
    put("fiscal_summary", derive_fiscal_summary(got("income"), funds, got("projects"), codes, code("fiscal_summary")))
    lines = ("summary", "fiscal_summary")
    from_detail = {code(role): got(role) for role in lines}
    for role in lines:
        if given(role).filled:
            put(role, _overlay_lines(given(role), got(role)))
        else:
            derived.add(code(role))
    if given("economic").filled:
        put("economic", _complete_economic(given("economic")))
    else:
        put("economic", derive_economic(got("gpb_basic"), got("projects"), codes, code("economic")), whole=True)
    if given("operating_cost").filled:
        put("operating_cost", complete_flat(given("operating_cost"), ("item",), "name", with_sum=False))
    else:
        basic = got("gpb_basic")
        put("operating_cost", derive_operating_cost(basic, code("operating_cost")) if basic else [], whole=True)
    return Complete(tables, derived, from_detail, fmt)


def complete_declared(budget: Budget) -> Complete:
    """A declared format's tables as the workbook gives them (nothing is derived from other tables), each
    row's empty subtotal cells holding the sum of their parts (the table's declared ``sums``)."""
    tables = {spec.code: [fill_row_sums(row) for row in budget.table(spec.code).rows] for spec in budget.format.tables}
    return Complete(tables, set())


def _complete_economic(table: Table) -> list[Row]:
    rows = [fill_row_sums(r) for r in table.rows if r.kind in ("class", "item")]
    dept_classes = [r for r in rows if r.kind == "class" and r.text("lei").startswith("3")]
    grand = sums(table.code, dept_classes)
    return [merge_given(table.code, "sum", next(iter(table.of("sum", "total")), None), grand, {"name": "合计"})] + rows


def _overlay_lines(given: Table, derived: list[Row]) -> list[Row]:
    """A filled summary or fiscal_summary table: the given amounts, on the derived lines with the same labels."""
    out = []
    for i, row in enumerate(derived):
        mine = given.rows[i] if i < len(given.rows) else None
        values = dict(row.values)
        if mine is not None:
            for key, value in mine.values.items():
                if value is not None:
                    values[key] = value
        out.append(Row(row.code, mine.number if mine else 0, "line", values))
    return out
