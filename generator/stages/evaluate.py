"""Turn a declared format's expressions into values over a workbook's completed tables, facts and last year's figures.

``formats/expr.py`` has parsed and checked each expression when the format was read; here it is
evaluated, in 万元 (a table in 元 was read divided by 10000), with ``Decimal``. Each value keeps
the cell it first names, so a finding about it points at that cell. A row an expression names
that the table does not have is ``MissingRow``: the check reports it, a figure never becomes a
silent zero.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal

from generator.formats import expr
from generator.stages.derive import Complete
from generator.workbook.load import normalize_text
from generator.workbook.model import ZERO, Budget, Row
from generator.workbook.schema import FACTS_SHEET


class MissingRow(LookupError):
    """A row an expression names that its table does not have (or a 上年数 left empty)."""

    def __init__(self, table: str, what: str):
        self.table, self.what = table, what
        super().__init__(f"{table}：{what}")


@dataclass(frozen=True)
class Value:
    """An evaluated expression: the amount in 万元, and the sheet and cell it first names (for findings).

    ``count``: made of counts only (facts of kind count, whole numbers): a number of vehicles, not 万元.
    """

    amount: Decimal
    sheet: str | None = None
    cell: str | None = None
    count: bool = False
    terms: int = 1  # the rounded figures it sums: its 尾差 envelope is this many half-cents


def row_code(row: Row, levels: tuple[str, ...]) -> str:
    """A tree row's code: its code columns joined (类 201, 款 20106, 项 2010601)."""
    return "".join(row.text(key) for key in levels)


def tree_depth(row: Row, levels: int) -> int | None:
    """A tree row's level (1 for a 类, ``levels`` for an item); None for a 合计 row."""
    return {"class": 1, "subclass": 2, "item": levels}.get(row.kind)


def list_texts(lines: list[str]) -> dict[str, str]:
    """A list fact's “CODE：text” lines by code (full-width or ASCII colon)."""
    out = {}
    for line in lines:
        code, sep, text = line.replace(":", "：", 1).partition("：")
        if sep:
            out[code.strip()] = text.strip()
    return out


class Evaluator:
    """Evaluates expressions over one workbook's completed tables."""

    def __init__(self, budget: Budget, done: Complete):
        self.budget = budget
        self.done = done

    def value(self, text: str) -> Value:
        return self._eval(expr.parse(text))

    def _eval(self, node: expr.Expr) -> Value:
        if isinstance(node, expr.Number):
            return Value(node.value, count=node.value == node.value.to_integral_value(), terms=0)
        if isinstance(node, expr.Negative):
            inner = self._eval(node.operand)
            return Value(-inner.amount, inner.sheet, inner.cell, inner.count, inner.terms)
        if isinstance(node, expr.Sum):
            left, right = self._eval(node.left), self._eval(node.right)
            amount = left.amount + right.amount if node.op == "+" else left.amount - right.amount
            first = left if left.sheet is not None else right
            return Value(amount, first.sheet, first.cell, left.count and right.count, left.terms + right.terms)
        return self._call(node)

    def _call(self, call: expr.Call) -> Value:
        name, args = call.name, call.args
        if name == "fact":
            key = str(args[0])
            value = self.budget.facts.values.get(key)
            count = any(f.key == key and f.kind == "count" for f in self.budget.format.facts)
            amount = Decimal(value) if isinstance(value, Decimal | int) else ZERO
            return Value(amount, FACTS_SHEET, self.budget.facts.cells.get(key), count=count)
        if name == "prior":
            given = self.budget.prior.amount(str(args[0]))
            if given is None:
                raise MissingRow("上年数", f"上年数 {args[0]} 未填写")
            return Value(given)
        table = str(args[0])
        column = str(args[-1])
        if call.name == "total" and not any(r.kind in ("sum", "total") for r in self.done.tables.get(table, [])):
            rows = [r for r in self.done.tables.get(table, []) if r.kind in ("line", "item")]
            if self.budget.format.table(table).rows == "lines":  # a list without a 合计 row: its lines' sum
                return Value(sum((r.amount(column) for r in rows), ZERO), table, None)
        try:
            row = self.row(table, call)
        except MissingRow:
            if call.name == "code":  # a 科目 the table does not list has no money in it
                return Value(ZERO, table, None)
            raise
        return Value(row.amount(column), table, row.cell(column) if row.number else None)

    def row(self, table: str, call: expr.Call) -> Row:
        rows = self.done.tables.get(table, [])
        spec = self.budget.format.table(table)
        if call.name == "total":
            found = next((r for r in rows if r.kind in ("sum", "total")), None)
            if found is None:
                raise MissingRow(table, "没有合计行")
            return found
        if call.name == "code":
            code = str(call.args[1])
            found = next((r for r in rows if row_code(r, spec.levels) == code), None)
            if found is None:
                raise MissingRow(table, f"没有科目 {code} 的行")
            return found
        which = call.args[1]
        if isinstance(which, int):
            if not 1 <= which <= len(rows):
                raise MissingRow(table, f"没有第 {which} 行数据")
            return rows[which - 1]
        texts = spec.text_keys()
        start = 0
        *above, label = which.split("/")
        for heading in above:  # 'A/B': the first row labelled B below the row labelled A
            start = _labelled(rows, texts, heading, start)
            if start < 0:
                raise MissingRow(table, f"没有“{heading}”行")
            start += 1
        index = _labelled(rows, texts, label, start)
        if index < 0:
            raise MissingRow(table, f"没有“{which}”行")
        return rows[index]


_NOTE = re.compile(r"[（(][^（）()]*[）)]$")


def label_text(text: str) -> str:
    """A label as labels are compared: normalized, spaces gone."""
    return normalize_text(text).replace(" ", "")


def _labelled(rows: list[Row], keys: tuple[str, ...], label: str, start: int) -> int:
    """The index of the first row from ``start`` with a text cell reading ``label``, or -1.

    A label also matches a cell that adds a note in brackets: “使用非财政拨款结余” finds
    “使用非财政拨款结余（含专用结余）”, as bureaus print it either way; an exact match comes first.
    """
    want = label_text(label)
    for strict in (True, False):
        for i in range(start, len(rows)):
            for key in keys:
                have = label_text(rows[i].text(key))
                if have == want or (not strict and have and _NOTE.sub("", have) == _NOTE.sub("", want)):
                    return i
    return -1
