"""Turn a declared expression's text into a checked tree: a closed language of sums over named cells, no eval.

An expression is what a format's checks and figures say a value is:

    cell(T1, '收入总计', in_amount)          the row of table T1 labelled 收入总计, column in_amount
    cell(T9, 1, reception)                  the first data row of T9
    code(T8, '30217', total)                the row of T8 whose code columns read 30217
    total(T2, total)                        the sum row (合计) of T2
    fact(procurement_goods)                 a 基本信息 amount or count
    prior(fiscal_income)                    a 上年数 figure
    fact(a) + fact(b) - 3                   sums and differences of these, and numbers

Python's own parser reads the text (``ast.parse`` in "eval" mode, the standard library's public
API); only the nodes above are accepted, so nothing is ever executed. ``names`` checks every name
against the format when it is read, so a formula naming an unknown table, column or fact is
refused with its file, line and key before any workbook is.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from functools import cache

# Each function and what its arguments are: a table, a row (label text or number), a code text, a column,
# a fact key, a 上年数 key.
FUNCTIONS: dict[str, tuple[str, ...]] = {
    "cell": ("table", "row", "column"),
    "code": ("table", "code", "column"),
    "total": ("table", "column"),
    "fact": ("fact",),
    "prior": ("prior",),
}
MAX_LENGTH = 2000  # characters of one expression: a sum of a few dozen cells at most


class ExprError(ValueError):
    """An expression that does not parse or names what the format does not have; the message is Chinese."""


@dataclass(frozen=True)
class Call:
    """A function of ``FUNCTIONS`` with its arguments (names and texts as written, numbers as int)."""

    name: str
    args: tuple[str | int, ...]


@dataclass(frozen=True)
class Number:
    value: Decimal


@dataclass(frozen=True)
class Sum:
    """``left + right`` or ``left - right``."""

    op: str
    left: Expr
    right: Expr


@dataclass(frozen=True)
class Negative:
    operand: Expr


Expr = Call | Number | Sum | Negative


@cache
def parse(text: str) -> Expr:
    """The tree of ``text``, or ``ExprError`` saying what is not allowed.

    Read once a process: the format's reader checks each formula, the check and the document
    evaluate the same ones again (the tree is frozen, so it is shared).
    """
    if len(text) > MAX_LENGTH:
        raise ExprError(f"公式过长（{len(text)} 个字符，最多 {MAX_LENGTH} 个）")
    try:
        tree = ast.parse(text.strip(), mode="eval")
    except SyntaxError as exc:
        raise ExprError(f"公式“{text}”写法不对（第 {exc.offset or 1} 个字符附近）") from None
    return _node(tree.body, text)


def _node(node: ast.expr, text: str) -> Expr:
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add | ast.Sub):
        return Sum("+" if isinstance(node.op, ast.Add) else "-", _node(node.left, text), _node(node.right, text))
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
        return Negative(_node(node.operand, text))
    if isinstance(node, ast.Constant) and isinstance(node.value, int | float) and not isinstance(node.value, bool):
        try:
            return Number(Decimal(str(node.value)))
        except InvalidOperation:  # pragma: no cover - ast gives finite numbers
            raise ExprError(f"公式“{text}”中的数字不对") from None
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and not node.keywords:
        name = node.func.id
        if name not in FUNCTIONS:
            raise ExprError(f"公式“{text}”中没有函数 {name}（可用：{'、'.join(FUNCTIONS)}）")
        want = FUNCTIONS[name]
        if len(node.args) != len(want):
            raise ExprError(
                f"公式“{text}”中 {name} 应有 {len(want)} 个参数（{'、'.join(want)}），实有 {len(node.args)} 个"
            )
        return Call(name, tuple(_argument(a, text) for a in node.args))
    raise ExprError(f"公式“{text}”只能用 {'、'.join(FUNCTIONS)}、数字和 + -")


def _argument(node: ast.expr, text: str) -> str | int:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.Constant) and isinstance(node.value, int) and not isinstance(node.value, bool):
        return node.value
    raise ExprError(f"公式“{text}”的参数只能是名称、加引号的文字或整数")


def calls(expr: Expr) -> list[Call]:
    """Every call in ``expr``, left to right."""
    if isinstance(expr, Call):
        return [expr]
    if isinstance(expr, Sum):
        return calls(expr.left) + calls(expr.right)
    if isinstance(expr, Negative):
        return calls(expr.operand)
    return []


@dataclass(frozen=True)
class Names:
    """What an expression may name: each table's amount columns, the amount and count facts, the 上年数."""

    tables: dict[str, tuple[str, ...]]
    facts: tuple[str, ...]
    prior: tuple[str, ...]


def names(expr: Expr, known: Names, text: str) -> None:
    """Refuse a name ``known`` does not have, saying which and what there is."""
    for call in calls(expr):
        roles = FUNCTIONS[call.name]
        table = ""
        for role, arg in zip(roles, call.args, strict=True):
            if role == "table":
                table = str(arg)
                if table not in known.tables:
                    raise ExprError(f"公式“{text}”中没有表 {table}（有：{'、'.join(known.tables)}）")
            elif role == "column":
                columns = known.tables[table]
                if arg not in columns:
                    raise ExprError(f"公式“{text}”中表 {table} 没有金额列 {arg}（有：{'、'.join(columns)}）")
            elif role == "fact" and arg not in known.facts:
                raise ExprError(f"公式“{text}”中没有金额或个数的基本信息 {arg}（有：{'、'.join(known.facts)}）")
            elif role == "prior" and arg not in known.prior:
                raise ExprError(f"公式“{text}”中没有上年数 {arg}（有：{'、'.join(known.prior)}）")
            elif role == "row" and not isinstance(arg, str | int):  # pragma: no cover - _argument gives these
                raise ExprError(f"公式“{text}”的行应为文字或整数")
            elif role == "code" and not isinstance(arg, str):
                raise ExprError(f"公式“{text}”的编码应加引号，如 '30217'")
