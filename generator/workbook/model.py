"""Hold what the loader reads from a workbook: typed rows, facts and last year's figures, each with its cell."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Literal

from openpyxl.utils import get_column_letter

from generator.errors import Finding
from generator.formats import Format
from generator.workbook.schema import HENAN, TABLES_BY_CODE, TableSpec

Value = Decimal | str | None
RowKind = Literal[
    "total",  # an unlabelled grand-total row
    "sum",  # a 合计 row
    "unit",  # a unit's row (单位代码 and name)
    "item",  # a classified row (功能分类 项, 经济分类 款, an operating_cost item)
    "class",  # a 类 subtotal of the economic table; in a tree table, a row of the first level (类)
    "subclass",  # in a tree table, a row of a middle level (款 of 类/款/项)
    "project",  # a project (of the projects and project_goals tables)
    "continuation",  # a project_goals row that continues the project above
    "line",  # a labelled line of the summary tables, or the sangong row
    "entry",  # a row of the performance form
]

ZERO = Decimal("0")


@dataclass
class Row:
    """One data row of a table sheet, its values keyed by the schema's column keys."""

    code: str  # the table's code, YS03
    number: int  # the sheet row
    kind: RowKind
    values: dict[str, Value]
    # The table's declaration, for a row of a format other than the default one (the loader sets it);
    # None: the default format's table of ``code``.
    layout: TableSpec | None = field(default=None, repr=False, compare=False)

    @property
    def spec(self) -> TableSpec:
        return self.layout if self.layout is not None else TABLES_BY_CODE[self.code]

    def cell(self, key: str) -> str:
        """The cell of column ``key`` on this row, e.g. "F12"."""
        return f"{get_column_letter(self.spec.column_index(key))}{self.number}"

    def amount(self, key: str) -> Decimal:
        """An amount, an empty cell counting as zero (the check has already refused text)."""
        value = self.values.get(key)
        return value if isinstance(value, Decimal) else ZERO

    def given(self, key: str) -> Decimal | None:
        """An amount as given: None when the cell is empty."""
        value = self.values.get(key)
        return value if isinstance(value, Decimal) else None

    def text(self, key: str) -> str:
        value = self.values.get(key)
        return "" if value is None else str(value)

    @property
    def subject(self) -> str:
        """The 功能分类 code of a spending row: 类+款+项, e.g. "2060299"."""
        return self.text("lei") + self.text("kuan") + self.text("xiang")


@dataclass
class Table:
    """The rows of one table sheet."""

    spec: TableSpec
    rows: list[Row] = field(default_factory=list)

    @property
    def code(self) -> str:
        return self.spec.code

    @property
    def filled(self) -> bool:
        """True when any amount is given: an empty derived table is derived, a filled one checked."""
        return any(isinstance(v, Decimal) for row in self.rows for k, v in row.values.items()) or any(
            row.kind in ("item", "project", "entry", "class") for row in self.rows
        )

    def of(self, *kinds: RowKind) -> list[Row]:
        return [r for r in self.rows if r.kind in kinds]


@dataclass
class Facts:
    """The narrative facts (基本信息): values by key, and the cell each came from."""

    values: dict[str, str | list[str] | Decimal | int | None]
    cells: dict[str, str]  # key → "B7" (the value cell; for lists, the first one)
    item_cells: dict[str, list[str]] = field(default_factory=dict)  # list key → the cell of each item

    def text(self, key: str) -> str:
        value = self.values.get(key)
        if value is None:
            return ""
        if isinstance(value, list):
            return "".join(value)
        return str(value)

    def items(self, key: str) -> list[str]:
        value = self.values.get(key)
        if value is None:
            return []
        return value if isinstance(value, list) else [str(value)]

    def amount(self, key: str) -> Decimal:
        value = self.values.get(key)
        return value if isinstance(value, Decimal) else ZERO

    def count(self, key: str) -> int:
        value = self.values.get(key)
        return value if isinstance(value, int) else 0


@dataclass
class Prior:
    """Last year's figures (上年数), with their cells."""

    values: dict[str, Decimal | None]
    cells: dict[str, str]

    def amount(self, key: str) -> Decimal | None:
        return self.values.get(key)


@dataclass
class Budget:
    """Everything the workbook says, typed, before any check or derivation."""

    source: Path
    facts: Facts
    prior: Prior
    tables: dict[str, Table]
    # The loader's warnings: merged cells, hidden data, extra sheets, removed control characters.
    # ``check`` reports them with its own findings.
    notes: list[Finding] = field(default_factory=list)
    # The format it is written in, less what the bureau does not publish (its profile's [format]).
    format: Format = HENAN

    @property
    def year(self) -> int:
        value = self.facts.values.get("year")
        return value if isinstance(value, int) else 0

    @property
    def bureau(self) -> str:
        return self.facts.text("bureau")

    def table(self, code: str) -> Table:
        return self.tables[code]

    def role(self, role: str) -> Table:
        """The table that plays ``role`` in its format (``formats/shapes.TABLE_ROLES``)."""
        return self.tables[self.format.code_of(role)]
