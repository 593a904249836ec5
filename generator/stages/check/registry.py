"""Turn the rules of the check into one registry: each rule's id, severity and what it checks, and their context.

A rule's id is the name its findings carry and the clerk sees (小计不符, 表间不符, …). The
rules are declared here once, in the order ``check --rules`` and the README's table list them;
the functions that check them (``sums``, ``tables``, ``income``, …) are registered with the rules
they report by ``@checks(...)``, and add their findings through ``Context.add``, which takes a
declared ``Rule``, never a bare name. The loader's warnings (``Budget.notes``) are declared here
too, as rules whose source is the loader, so every name a finding can carry is listed.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Literal

from generator.errors import Finding, Severity
from generator.reference.codes import CodeBook
from generator.stages.derive import Complete, q2
from generator.stages.figures import LastYear
from generator.workbook.model import Budget, Row
from generator.workbook.schema import PLACEHOLDERS, TABLES_BY_CODE

RuleSeverity = Literal["error", "warning", "both"]
Source = Literal["check", "loader"]


@dataclass(frozen=True)
class Rule:
    """One rule a finding can name: its id (the finding's ``rule``), its severity and what it checks."""

    id: str
    severity: RuleSeverity
    what: str  # its row in the README's table: English, with the Chinese terms a clerk knows
    source: Source = "check"  # "loader": reported while the workbook is read (``Budget.notes``)


RULES: dict[str, Rule] = {}


def declare(id: str, severity: RuleSeverity, what: str, source: Source = "check") -> Rule:
    """A rule, added to ``RULES``; an id declared twice is a mistake."""
    if id in RULES:
        raise ValueError(f"rule {id} declared twice")
    RULES[id] = rule = Rule(id, severity, what, source)
    return rule


_SANGONG_CODES = ", ".join(code for _, codes in TABLES_BY_CODE["YS08"].sangong for code in codes)

SUBTOTAL = declare(
    "小计不符",
    "error",
    "inside a row: 基本支出 = 人员经费 + 公用经费 columns, 合计 = 基本 + 项目, 项目 = 其他运转类 + 特定目标类; "
    "YS02 合计 = its sources + 上年结转; YS06 合计 = 人员 + 公用; YS07 合计 = its sources; YS08 小计 and 合计; "
    "YS10/YS12 合计 = their funds",
)
TOTAL = declare(
    "合计不符",
    "error",
    "total, 合计 and unit rows equal the sum of their rows (YS02/03/05/09/13, YS06, YS07, YS10, YS12, YS14)",
)
CROSS = declare(
    "表间不符",
    "both",
    "YS06 = YS05's 基本支出 (合计, 人员经费, 公用经费); YS10 = YS03's 项目支出 by type; YS14 = YS06's 公用经费 items; "
    "YS01/YS04 as filled = as derived; YS01 收入总计 = 支出总计; YS07 合计 = YS03 合计; YS12 projects = YS10 projects "
    "(a project YS10 lacks is a warning); income: each YS02 row against its YS03 row: less income than spending is "
    "an error, more is a warning (it becomes 年终结转结余); YS05 + YS09 + YS13 never above a YS03 row",
)
SANGONG = declare(
    "三公经费",
    "error",
    f"each 三公 item ≥ its 经济分类 spending ({_SANGONG_CODES}; basic and project)",
)
REQUIRED = declare(
    "必填项",
    "error",
    "required facts and every 上年数; YS03 has data; YS05 when YS09/YS13 or YS02 show money other than "
    "一般公共预算; YS07 when YS03's 基本支出 exceeds YS06's (only the bureau knows its 经济分类); "
    "project 经济分类 when YS07 must be derived",
)
PLACEHOLDER = declare("占位文字", "error", f"{', '.join(PLACEHOLDERS.markers)} in any text")
LAYOUT = declare(
    "格式",
    "error",
    "a filled YS01/YS04 keeps the standard's lines: no extra row, no 项目 label changed",
)
UNKNOWN_CODE = declare(
    "未知科目",
    "both",
    "功能分类 and 经济分类 codes against the 科目表 (see below): a malformed code or an unknown 类 is an error; "
    "a code missing from a supplied official list is an error; a well-formed code the bundled list lacks under "
    "a known 类 is a warning (our list may be incomplete)",
)
CODE_NAME = declare(
    "科目名称",
    "warning",
    "a code named otherwise than in the 科目表 (see below); the document prints the workbook's name",
)
REASON = declare("缺少原因", "error", "a change worded 增加/减少 needs its reason (主要原因是：…)")
ROUNDING = declare(
    "尾差",
    "warning",
    "a difference within the rounding envelope: (n + 1) × 0.005 万元 for a figure that sums n items",
)
LAST_YEAR = declare(
    "上年数不符",
    "both",
    "only with `--previous LAST.xlsx`: each 上年数 figure against the figure LAST's own document printed "
    "(an error naming the cell, both figures and LAST's file); LAST of another year than the one before, "
    'or of another 部门编码, is a warning (see "Next year")',
)
# What the loader reports while it reads (``Budget.notes``): the workbook is read, but a clerk may not have seen it.
MERGED = declare(
    "合并单元格", "warning", "a merged cell in a data area: only its top-left value is read", source="loader"
)
HIDDEN = declare(
    "隐藏数据", "warning", "a hidden sheet, row or column that holds data (read as usual)", source="loader"
)
CONTROL = declare("控制字符", "warning", "control characters in a text cell (removed)", source="loader")
EXTRA_SHEET = declare(
    "多余工作表", "warning", "a sheet outside the standard workbook that holds data (not read)", source="loader"
)


# --- the functions that check them ---------------------------------------------------------

HALF_CENT = Decimal("0.005")


def envelope(items: int) -> Decimal:
    """The largest difference that is still a rounding difference for a parent over ``items`` items."""
    return (items + 1) * HALF_CENT


def judge(given: Decimal, expected: Decimal, items: int) -> Severity | None:
    """None when consistent, "warning" for a 尾差, "error" beyond the envelope."""
    if given == expected or q2(given) == q2(expected):
        return None
    return "warning" if abs(given - expected) <= envelope(items) else "error"


def fmt(value: Decimal) -> str:
    """An amount as a finding shows it: to the cent, more digits when the workbook holds more."""
    text = format(q2(value), "f") if value == q2(value) else format(value.normalize(), "f")
    return text


@dataclass
class Context:
    """What every check reads (the workbook, its completed tables, the codes, last year) and the findings so far."""

    budget: Budget
    codes: CodeBook
    done: Complete
    last: LastYear | None = None
    findings: list[Finding] = field(default_factory=list)

    def add(
        self,
        rule: Rule,
        sheet: str,
        cell: str | None,
        message: str,
        expected: str | None = None,
        found: str | None = None,
        *,
        severity: Severity | None = None,
    ) -> None:
        """A finding of ``rule``, at its declared severity (given here only for a rule that has both)."""
        if severity is None:
            if rule.severity == "both":
                raise ValueError(f"rule {rule.id} is an error or a warning: say which")
            severity = rule.severity
        elif rule.severity not in ("both", severity):
            raise ValueError(f"rule {rule.id} is declared {rule.severity}, not {severity}")
        self.findings.append(Finding(severity, sheet, cell, rule.id, message, expected, found))

    def compare(
        self, given: Decimal, expected: Decimal, items: int, sheet: str, cell: str | None, rule: Rule, message: str
    ) -> None:
        """``given`` against ``expected``: a 尾差 warning within the envelope of ``items``, else ``rule``."""
        severity = judge(given, expected, items)
        if severity == "warning":
            within = f"{message}，差额在 {fmt(envelope(items))} 万元以内"
            self.add(ROUNDING, sheet, cell, within, fmt(expected), fmt(given))
        elif severity == "error":
            self.add(rule, sheet, cell, message, fmt(expected), fmt(given), severity="error")

    def cell(self, code: str, row: Row | None, key: str) -> str | None:
        """The cell of ``row`` in column ``key``; None for a row the workbook does not have (derived)."""
        if row is None or row.number == 0:
            return None
        return row.cell(key)


Check = Callable[[Context], None]

CHECKED_BY: dict[str, list[str]] = {}  # each rule's id: the names of the functions that report it


def checks(*rules: Rule) -> Callable[[Check], Check]:
    """Register a check function with the rules it reports (尾差 included where it compares amounts)."""

    def register(function: Check) -> Check:
        for rule in rules:
            CHECKED_BY.setdefault(rule.id, []).append(f"{function.__module__}.{function.__qualname__}")
        return function

    return register


# --- the registry as a clerk and the README read it ----------------------------------------

SEVERITY_TEXT = {"error": "错误", "warning": "警告", "both": "错误或警告"}
SEVERITY_MARKDOWN = {"error": "error", "warning": "warning", "both": "error or warning"}


def _width(text: str) -> int:
    """Columns ``text`` takes in a terminal: two for a Chinese character."""
    return sum(2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1 for ch in text)


def _pad(text: str, width: int) -> str:
    return text + " " * max(width - _width(text), 0)


def rules_text() -> list[str]:
    """Every rule as ``check --rules`` prints it: id, severity and what it checks, aligned for Chinese text."""
    id_width = max(_width(r.id) for r in RULES.values()) + 2
    severity_width = max(_width(s) for s in SEVERITY_TEXT.values()) + 2
    lines = [_pad("规则", id_width) + _pad("级别", severity_width) + "检查内容"]
    for rule in RULES.values():
        what = rule.what if rule.source == "check" else f"读取工作簿时：{rule.what}"
        lines.append((_pad(rule.id, id_width) + _pad(SEVERITY_TEXT[rule.severity], severity_width) + what).rstrip())
    return lines


def rules_markdown() -> str:
    """The README's table of rules, from the registry (``python tools/readme_rules.py`` writes it there)."""
    lines = ["| rule | severity | what it checks |", "|---|---|---|"]
    for rule in RULES.values():
        what = rule.what if rule.source == "check" else f"when the workbook is read: {rule.what}"
        lines.append(f"| {rule.id} | {SEVERITY_MARKDOWN[rule.severity]} | {what} |")
    return "\n".join(lines) + "\n"
