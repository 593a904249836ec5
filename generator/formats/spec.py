"""Hold the declared things as typed values: a table's columns and header, a narrative fact, a prior figure, a format.

A format folder's files (``formats/<name>/*.yaml``) are read into these (``formats/format.py``); the
workbook, the stages and the templates read them, never the files.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from decimal import Decimal
from typing import Literal

# Each unit in 万元, the unit the stages compute in: a table in 元 is read as its amounts / 10000
# (exact in Decimal) and printed as the amounts × 10000, so every digit typed is printed back.
UNIT_SCALE: dict[str, Decimal] = {"万元": Decimal(1), "元": Decimal(10000)}

ColumnKind = Literal["code", "text", "amount", "choice"]

TITLE_ROW = 1
HINT_ROW = 2
HEADER_ROW = 3


@dataclass(frozen=True)
class Column:
    """One column of a table sheet."""

    key: str
    label: str  # the column's own header text (its lowest header cell), for messages
    kind: ColumnKind
    width: float = 12.0  # Excel column width, in characters
    printed: bool = True  # False: an input the published table does not show
    choices: tuple[str, ...] = ()
    hint: str = ""
    digits: int = 0  # a code typed as a number is left-padded with zeros to this many digits
    from_budget: str = ""  # a 决算's 年初预算数: the budget workbook's measure it holds (shapes.MEASURES)


@dataclass(frozen=True)
class HeaderCell:
    """One cell of a published header, placed as in an HTML ``<thead>``."""

    text: str
    colspan: int = 1
    rowspan: int = 1


@dataclass(frozen=True)
class TableSpec:
    """One published table: its sheet, header and columns."""

    code: str
    title: str
    columns: tuple[Column, ...]
    header: tuple[tuple[HeaderCell, ...], ...]
    hint: str
    derived: bool = False  # derived from other sheets when left empty, cross-checked when filled
    empty_note: str = ""  # printed under the table when it has no data
    landscape: bool = False
    widths: tuple[float, ...] = ()  # printed column widths, in percent of the text width
    footnote: str = ""  # printed under the table always
    # Row-internal sums, innermost first: (parent, its parts). Derived where the parent is left
    # empty (``derive.fill_row_sums``), checked where it is filled (小计不符).
    sums: tuple[tuple[str, tuple[str, ...]], ...] = ()
    # The row kinds a total or unit row of this table sums (合计不符), for the tables not shaped like the
    # spending table.
    detail: tuple[str, ...] = ()
    # The sangong table: each 三公 column and the 部门经济分类 款 its spending is booked under, in the order
    # checked (三公经费).
    sangong: tuple[tuple[str, tuple[str, ...]], ...] = ()
    # Printed in two halves side by side (经济分类 301/303 left, 302/310 right): the codes and uncoded rows' names
    # on the right.
    right_half: tuple[str, ...] = ()
    optional: bool = False  # a bureau may leave it out (its profile's [format] drop_tables)
    levels: tuple[str, ...] = ()  # rows tree: its code columns, outermost first
    print_zero: bool = False  # a zero amount printed as 0.00
    rows: str = "subjects"  # the row grammar its data rows are told apart by (formats/shapes.ROW_GRAMMARS)
    unit: str = "万元"  # the unit of its amounts, as typed and printed (its heading line says it)
    kind: str = "grid"  # "grid", or "form" (label and value cells, the performance table)
    role: str = ""  # what Henan's engine does with it (formats/shapes.TABLE_ROLES); one table per role
    # A budget table: the measures its columns give a 决算's 年初预算数, (measure, column) (shapes.MEASURES).
    measures: tuple[tuple[str, str], ...] = ()

    @property
    def sheet_name(self) -> str:
        """The sheet's name: code and title (without a {year} in it), cut to Excel's 31 characters (never the code)."""
        return self.heading[:31]

    @property
    def heading(self) -> str:
        """Code and title without a year, as a sheet and a group of findings are named: "T2 部门收入预算总表"."""
        return f"{self.code} {self.title.replace('{year}年', '').replace('{year}', '')}"

    @property
    def data_row(self) -> int:
        """The first row of data on the sheet."""
        return HEADER_ROW + len(self.header)

    @property
    def printed_columns(self) -> tuple[Column, ...]:
        return tuple(c for c in self.columns if c.printed)

    def column(self, key: str) -> Column:
        for col in self.columns:
            if col.key == key:
                return col
        raise KeyError(f"{self.code} has no column {key!r}")

    def column_index(self, key: str) -> int:
        """1-based sheet column of ``key``."""
        for i, col in enumerate(self.columns, start=1):
            if col.key == key:
                return i
        raise KeyError(f"{self.code} has no column {key!r}")

    def title_for(self, year: int) -> str:
        """The title as printed for budget ``year`` ({year} filled in)."""
        return self.title.replace("{year}", str(year))

    @property
    def scale(self) -> Decimal:
        """Its unit in 万元 (``UNIT_SCALE``): 10000 for a table in 元."""
        return UNIT_SCALE[self.unit]

    def amount_keys(self) -> tuple[str, ...]:
        return tuple(c.key for c in self.columns if c.kind == "amount")

    def text_keys(self) -> tuple[str, ...]:
        """Its columns of text a row is named by (text and choice)."""
        return tuple(c.key for c in self.columns if c.kind in ("text", "choice"))


def place_header(header: tuple[tuple[HeaderCell, ...], ...]) -> list[tuple[int, int, HeaderCell]]:
    """Place header cells on a grid as HTML does: (row, column, cell), 0-based, skipping spanned slots."""
    taken: set[tuple[int, int]] = set()
    placed: list[tuple[int, int, HeaderCell]] = []
    for r, cells in enumerate(header):
        c = 0
        for cell in cells:
            while (r, c) in taken:
                c += 1
            placed.append((r, c, cell))
            for dr in range(cell.rowspan):
                for dc in range(cell.colspan):
                    taken.add((r + dr, c + dc))
            c += cell.colspan
    return placed


FactKind = Literal["text", "list", "year", "amount", "count", "code"]


@dataclass(frozen=True)
class Fact:
    """One labelled fact on the 基本信息 sheet."""

    key: str
    label: str
    kind: FactKind
    required: bool = True
    hint: str = ""
    default: str = ""  # used when the cell is left empty (only for optional facts)
    # True: the fact describes the bureau, not the year, and ``init --from`` carries it into next
    # year's workbook (unless worded with the old year); False: the clerk fills it anew each year.
    carry: bool = False


@dataclass(frozen=True)
class PriorFigure:
    """One of last year's figures that the narrative compares with."""

    key: str
    label: str
    hint: str = ""


@dataclass(frozen=True)
class Section:
    """One numbered section of a part: the template block that writes it, and its heading."""

    id: str
    heading: str  # after its number; {bureau} and {year} are filled in
    toc: str = ""  # the 目录's text for it; empty: not listed
    facts: tuple[str, ...] = ()  # the 基本信息 facts it prints
    prior: tuple[str, ...] = ()  # the 上年数 figures it compares with


@dataclass(frozen=True)
class Part:
    """One part of the document (第一部分 …) and its sections, numbered 一、二… in order."""

    id: str
    sections: tuple[Section, ...] = ()


@dataclass(frozen=True)
class CheckDecl:
    """One declared check (checks.yaml): a relation and what its finding says."""

    kind: str  # tree, equal, at_least, match, explain
    rule: str
    message: str
    tables: tuple[str, ...] = ()  # tree, explain: the tables; match: the two tables
    expressions: tuple[str, ...] = ()  # equal, at_least: the two expressions
    columns: tuple[str, ...] = ()  # match: the column of each table; explain: the actual and budget columns
    kinds: tuple[str, ...] = ()  # match, explain: the row kinds compared
    by: str = ""  # match: the first table's text column naming its rows (matched by name, not code)
    reason: str = ""  # explain: the text column giving the reason


@dataclass(frozen=True)
class FigureDecl:
    """One declared figure (figures.yaml): its expression, and the 上年数 it is compared with."""

    name: str
    value: str
    prior: str = ""
    reason: str = ""  # the 基本信息 fact giving the reason for a change: required when it changed
    budget: str = ""  # an expression: the figure's 年初预算 (doc.plan)
    budget_reason: str = ""  # the 基本信息 fact saying why it differs from its budget: required when it does


@dataclass(frozen=True)
class ListDecl:
    """One declared list (figures.yaml): the rows of tables, each with its amount and its text."""

    name: str
    tables: tuple[str, ...]
    kind: str
    amount: str  # the amount column; "" lists rows by name
    text: str = ""  # a list fact of “CODE：text” lines
    texts: tuple[str, ...] = ()  # text columns of the row, given to each item
    budget: str = ""  # the row's 年初预算数 column
    reason: str = ""  # the row's text column: why the amount differs from the budget
    share_of: str = ""  # a figure each item is a share of
    codes: tuple[str, ...] = ()  # only rows whose code begins with one of these


@dataclass(frozen=True)
class ChartDecl:
    """One declared chart (figures.yaml's charts): its kind (shapes.CHART_KINDS), title and [label, figure] parts."""

    name: str
    kind: str
    title: str
    parts: tuple[tuple[str, str], ...]  # (label, figure name), in the order drawn


@dataclass(frozen=True)
class SummaryColumn:
    """One column of a batch's summary (figures.yaml's summary): a figure's amount, its 年初预算 or its 完成率."""

    figure: str
    header: str
    part: str = "value"  # value (the figure), budget or rate (doc.plan's 年初预算, 完成率)

    @property
    def key(self) -> str:
        """Its value's key in an outcome's figures: the figure's name, then the part but for the figure itself."""
        return self.figure if self.part == "value" else f"{self.figure}.{self.part}"


@dataclass(frozen=True)
class Format:
    """A disclosure format: its tables, the workbook's facts and prior figures, the document's frame.

    A bureau's variant (``profile.toml``'s ``[format]``) is the same format with tables, sections or
    名词解释 items dropped (``without``); everything numbered closes up.
    """

    name: str
    title: str
    kind: str
    unit: str
    source: str
    tables: tuple[TableSpec, ...]
    facts: tuple[Fact, ...]
    prior: tuple[PriorFigure, ...]
    parts: tuple[Part, ...]
    annex: tuple[str, ...]  # the codes of the 附件's tables, in order
    glossary: tuple[tuple[str, str], ...]
    folder: str = ""  # where it was read from, for messages
    engine: str = "henan"  # henan: Henan's Python; declared: checks and figures below
    document_title: str = "{year}年{bureau}部门（单位）预算公开"  # the title pattern, unless the profile gives one
    template: str = "document.html.j2"  # the narrative template
    table_meta: tuple[str, ...] = ("部门：{bureau}", "{year}年度", "{code}", "单位：{unit}")
    annex_numbers: str = "chinese"  # 一、二… or 1, 2 …
    thousands: bool = False  # the narrative's amounts with thousands separators
    zero: str = "0.00"  # a zero amount in the narrative
    checks: tuple[CheckDecl, ...] = ()
    figures: tuple[FigureDecl, ...] = ()
    lists: tuple[ListDecl, ...] = ()
    shares: tuple[tuple[str, str, str], ...] = ()  # (name, part figure, whole figure)
    charts: tuple[ChartDecl, ...] = ()  # drawn when a bureau wants charts (stages/charts.declared_charts)
    summary: tuple[SummaryColumn, ...] = ()  # a batch's 汇总 columns; none: jobs/summary.FIGURES
    dropped: frozenset[str] = field(default_factory=frozenset)  # tables the bureau does not publish
    # Facts and 上年数 figures that only the sections the bureau dropped print: not asked for.
    unused_facts: frozenset[str] = field(default_factory=frozenset)
    unused_prior: frozenset[str] = field(default_factory=frozenset)

    def find(self, code: str) -> TableSpec | None:
        """The table ``code``, or None: a finding's sheet may be a table, or 基本信息 or 上年数."""
        return next((spec for spec in self.tables if spec.code == code), None)

    def table(self, code: str) -> TableSpec:
        spec = self.find(code)
        if spec is None:
            raise KeyError(f"format {self.name} has no table {code!r}")
        return spec

    def role(self, name: str) -> TableSpec:
        """The table that plays role ``name`` (``shapes.TABLE_ROLES``).

        Every role exists: a budget format that lacks one is refused when read (``format._build``).
        """
        for spec in self.tables:
            if spec.role == name:
                return spec
        from generator.formats.declare import FormatError

        raise FormatError(f"{self.folder or self.name}：没有 role 为“{name}”的表")

    def code_of(self, role: str) -> str:
        """The code of the table that plays ``role``."""
        return self.role(role).code

    @property
    def codes(self) -> tuple[str, ...]:
        return tuple(t.code for t in self.tables)

    def measure(self, name: str) -> tuple[TableSpec, str] | None:
        """The table and column giving measure ``name`` (a budget table's ``measures``), or None."""
        for spec in self.tables:
            for measure, column in spec.measures:
                if measure == name:
                    return spec, column
        return None

    @property
    def budget_columns(self) -> tuple[tuple[TableSpec, Column], ...]:
        """A 决算's 年初预算数 columns (``from_budget``), table by table: what ``--budget`` fills and checks."""
        return tuple((spec, col) for spec in self.tables for col in spec.columns if col.from_budget)

    def fact_label(self, key: str) -> str:
        """The label of 基本信息's fact ``key`` (column A), as a finding names it."""
        return next(f.label for f in self.facts if f.key == key)

    @property
    def published(self) -> tuple[TableSpec, ...]:
        """The 附件's tables in order, without those dropped."""
        return tuple(self.table(code) for code in self.annex if code not in self.dropped)

    def publishes(self, code: str) -> bool:
        return code not in self.dropped

    @property
    def section_ids(self) -> tuple[str, ...]:
        return tuple(s.id for p in self.parts for s in p.sections)

    def part(self, id: str) -> Part | None:
        return next((p for p in self.parts if p.id == id), None)

    def without(
        self, tables: tuple[str, ...] = (), sections: tuple[str, ...] = (), glossary: tuple[str, ...] = ()
    ) -> Format:
        """This format less the tables, sections and 名词解释 items named (each known: the caller checks)."""
        parts = tuple(replace(p, sections=tuple(s for s in p.sections if s.id not in sections)) for p in self.parts)
        kept = [s for p in parts for s in p.sections]
        gone = [s for p in self.parts for s in p.sections if s.id in sections]
        return replace(
            self,
            parts=parts,
            unused_facts=self.unused_facts | ({f for s in gone for f in s.facts} - {f for s in kept for f in s.facts}),
            unused_prior=self.unused_prior | ({f for s in gone for f in s.prior} - {f for s in kept for f in s.prior}),
            glossary=tuple(g for g in self.glossary if g[0] not in glossary),
            dropped=self.dropped | frozenset(tables),
        )


@dataclass(frozen=True)
class Variant:
    """A bureau's changes to its format (its profile's ``[format]``): the tables, sections, 名词解释 it omits."""

    tables: tuple[str, ...] = ()
    sections: tuple[str, ...] = ()
    glossary: tuple[str, ...] = ()
    source: str = ""  # the file that says so, for messages

    def apply(self, fmt: Format) -> Format:
        """``fmt`` without what this variant drops; a name ``fmt`` does not have is refused, naming the key."""
        from generator.formats.declare import FormatError

        known = {
            "drop_tables": (self.tables, fmt.codes, "表"),
            "drop_sections": (self.sections, fmt.section_ids, "节"),
            "drop_glossary": (self.glossary, tuple(term for term, _ in fmt.glossary), "名词解释"),
        }
        for key, (names, have, what) in known.items():
            for name in names:
                if name not in have:
                    raise FormatError(
                        f"{self.source}：[format] {key} 中的“{name}”不是{fmt.name}格式的{what}"
                        f"（可用：{'、'.join(have)}）"
                    )
        for code in self.tables:
            if not fmt.table(code).optional:
                optional = "、".join(t.code for t in fmt.tables if t.optional) or "没有"
                raise FormatError(
                    f"{self.source}：[format] drop_tables 中的“{code}”不能删去：{fmt.name}格式规定必须公开此表"
                    f"（可删去的表：{optional}）"
                )
        return fmt.without(self.tables, self.sections, self.glossary)
