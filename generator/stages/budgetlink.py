"""Turn a budget workbook into the 年初预算数 a 决算 compares with: each measure, by 功能分类 code or one figure.

A budget format declares on its tables which columns give which measure (``measures`` in its
tables.yaml, names in ``formats/shapes.MEASURES``); a 决算's 年初预算数 columns say which measure
they take (``from_budget``). So a 决算 reads the same year's budget workbook whatever format it
used: Henan's, Shanghai's district format, or a bureau's own. The budget workbook is read by the
normal loader and completed as its own check completes it (``derive.complete``: a Henan table
left empty is derived), and every amount is held in 万元, exact (a table in 元 was read divided by
10000): rounding to the cent happens only where the 决算 prints or compares.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from generator.errors import BudgetError, WorkbookError
from generator.formats import BUILTIN, Catalog, Format
from generator.formats.shapes import CODE_MEASURES, ROW_GRAMMAR_COLUMNS
from generator.formats.spec import TableSpec
from generator.stages.evaluate import row_code
from generator.workbook.load import once_per_version
from generator.workbook.model import ZERO, Row

# A 功能分类 code's levels: 类 (3 digits), 款 (5), 项 (7).
CODE_LENGTHS = (3, 5, 7)


class BudgetLinkError(BudgetError):
    """The budget workbook cannot give a 决算 its 年初预算数: unreadable, or its format declares no measures."""


@dataclass(frozen=True)
class Measure:
    """One measure of a budget workbook, in 万元: by 功能分类 code (类, 款 and 项 each) with its 合计, or one figure."""

    name: str
    total: Decimal  # the 合计 of a measure by code; the figure of a single measure
    by_code: dict[str, Decimal] = field(default_factory=dict)  # 类 201, 款 20106, 项 2010601 → amount
    names: dict[str, str] = field(default_factory=dict)  # code → the budget's name for it
    where: str = ""  # the table and column it comes from ("T5 合计"), for messages

    def amount(self, code: str) -> Decimal:
        """The amount of ``code``: zero for a 科目 the budget does not have."""
        return self.by_code.get(code, ZERO)


@dataclass(frozen=True)
class Planned:
    """A budget workbook's measures: what a 决算 of the same year and bureau had as 年初预算数."""

    source: Path
    year: int
    bureau: str
    measures: dict[str, Measure]

    @property
    def name(self) -> str:
        return self.source.name


def code_of(row: Row, spec: TableSpec) -> str:
    """A 功能分类 row's code: its code columns joined (a tree table's levels, else 类+款+项)."""
    return row_code(row, spec.levels or ROW_GRAMMAR_COLUMNS["subjects"][:3])


def by_code(rows: Iterable[Row], spec: TableSpec, column: str) -> tuple[dict[str, Decimal], dict[str, str], Decimal]:
    """The amounts of ``column`` by code, each 类 and 款 the sum of the 项 below it, and the 合计.

    The rows that count are the leaves: a row whose code no other row extends (a 项; a 类 typed
    without its 项). Rows of the same code are summed: Henan's tables repeat a 项 under each unit.
    """
    coded = [(code_of(r, spec), r) for r in rows if r.kind in ("class", "subclass", "item")]
    parents = {code[:n] for code, _ in coded for n in range(1, len(code))}  # the codes another code extends
    names: dict[str, str] = {}
    amounts: dict[str, Decimal] = {}
    total = ZERO
    for code, row in coded:
        if not code:
            continue
        names.setdefault(code, row.text("name"))
        if code in parents:
            continue  # a 类 or 款 row: the sum of the leaves below it
        amount = row.amount(column)
        total += amount
        for length in CODE_LENGTHS:
            if length <= len(code):
                amounts[code[:length]] = amounts.get(code[:length], ZERO) + amount
    return amounts, names, total


def measures_of(fmt: Format, tables: dict[str, list[Row]]) -> dict[str, Measure]:
    """Each measure ``fmt``'s tables declare, from the completed ``tables`` (by code)."""
    out: dict[str, Measure] = {}
    for spec in fmt.tables:
        if not fmt.publishes(spec.code):
            continue
        rows = tables.get(spec.code, [])
        for name, column in spec.measures:
            where = f"{spec.code} {spec.column(column).label}"
            if name in CODE_MEASURES:
                amounts, names, total = by_code(rows, spec, column)
                out[name] = Measure(name, total, amounts, names, where)
            else:
                lines = [r for r in rows if r.kind == "line"]
                out[name] = Measure(name, lines[0].amount(column) if lines else ZERO, where=where)
    return out


@once_per_version
def read_budget(path: Path, catalog: Catalog = BUILTIN) -> Planned:
    """The measures of the budget workbook at ``path``; ``BudgetLinkError`` naming it when it cannot give them.

    Read once per version of the file (``once_per_version``): every 决算 of a run compares with the one reading.

    ``catalog``: the formats it may name besides the built-in ones (the bureau's own).
    """
    from generator.stages import derive
    from generator.workbook.load import load_workbook

    path = Path(path)
    try:
        budget = load_workbook(path, catalog=catalog)
    except WorkbookError as exc:
        raise BudgetLinkError(exc.describe(f"无法读取预算工作簿 {path.name}")) from exc
    fmt = budget.format
    if not any(spec.measures for spec in fmt.tables):
        raise BudgetLinkError(
            f"预算工作簿 {path.name} 的公开格式 {fmt.name}（{fmt.title}）没有声明可供决算取年初预算数的列"
            "（tables.yaml 的 measures）：请给出当年的预算工作簿"
        )
    done = derive.complete(budget)
    return Planned(path, budget.year, budget.bureau, measures_of(fmt, done.tables))


def wants_budget(fmt: Format) -> bool:
    """Whether ``fmt`` has 年初预算数 columns a budget workbook fills (``from_budget``)."""
    return bool(fmt.budget_columns)
