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

from generator.errors import SEVERITY_TEXT, Finding, Severity
from generator.formats import Format
from generator.reference.codes import CodeBook
from generator.stages.budgetlink import Planned
from generator.stages.derive import Complete, q2
from generator.stages.figures import LastYear
from generator.workbook.model import Budget, Row
from generator.workbook.schema import HENAN, PLACEHOLDERS, TableSpec

RuleSeverity = Literal["error", "warning", "both"]
Source = Literal["check", "loader"]


@dataclass(frozen=True)
class Rule:
    """One rule a finding can name: its id (the finding's ``rule``), its severity and what it checks."""

    id: str
    severity: RuleSeverity
    what: str  # what it checks, in Chinese: ``check --rules`` prints it and the README's table shows it
    source: Source = "check"  # "loader": reported while the workbook is read (``Budget.notes``)


RULES: dict[str, Rule] = {}


def declare(id: str, severity: RuleSeverity, what: str, source: Source = "check") -> Rule:
    """A rule, added to ``RULES``; an id declared twice is a mistake."""
    if id in RULES:
        raise ValueError(f"rule {id} declared twice")
    RULES[id] = rule = Rule(id, severity, what, source)
    return rule


# The rules are declared once a process, before any workbook is read: they name the tables by the
# codes of the default format's roles (a rule's text describes the rule, a finding names its own sheet).
_R = {spec.role: spec.code for spec in HENAN.tables}
_SANGONG_CODES = "、".join(code for _, codes in HENAN.role("sangong").sangong for code in codes)
_SPENDING_SHAPED = "、".join(_R[r] for r in ("income", "spending", "gpb_spending", "gov_fund_spending", "soe_spending"))

SUBTOTAL = declare(
    "小计不符",
    "error",
    "一行之内：基本支出 = 人员经费 + 公用经费，合计 = 基本支出 + 项目支出，项目支出 = 其他运转类 + 特定目标类；"
    f"{_R['income']} 合计 = 各项收入 + 上年结转；{_R['gpb_basic']} 合计 = 人员经费 + 公用经费；"
    f"{_R['economic']} 合计 = 各项资金来源；{_R['sangong']} 小计与合计；"
    f"{_R['projects']}、{_R['project_goals']} 合计 = 各项资金",
)
TOTAL = declare(
    "合计不符",
    "error",
    f"合计行、小计行和单位行等于其下各行之和（{_SPENDING_SHAPED}，{_R['gpb_basic']}，{_R['economic']}，"
    f"{_R['projects']}，{_R['project_goals']}，{_R['operating_cost']}）",
)
CROSS = declare(
    "表间不符",
    "both",
    f"{_R['gpb_basic']} = {_R['gpb_spending']} 的基本支出（合计、人员经费、公用经费）；"
    f"{_R['projects']} = {_R['spending']} 按类型分的项目支出；"
    f"{_R['operating_cost']} = {_R['gpb_basic']} 的公用经费各项；"
    f"已填的 {_R['summary']}、{_R['fiscal_summary']} = 由明细表得出的；{_R['summary']} 收入总计 = 支出总计；"
    f"{_R['economic']} 合计 = {_R['spending']} 合计；{_R['project_goals']} 的项目 = {_R['projects']} 的项目"
    f"（{_R['projects']} 没有的项目为警告）；"
    f"收入：{_R['income']} 每行对照 {_R['spending']} 同一行，收入少于支出为错误，"
    f"多于支出为警告（形成年终结转结余）；{_R['gpb_spending']} + {_R['gov_fund_spending']} + {_R['soe_spending']} "
    f"不超过 {_R['spending']} 同一行",
)
SANGONG = declare(
    "三公经费",
    "error",
    f"每项“三公”经费不小于其经济分类支出（{_SANGONG_CODES}；基本支出和项目支出）",
)
REQUIRED = declare(
    "必填项",
    "error",
    f"必填的基本信息和每个上年数；{_R['spending']} 有数据；{_R['gov_fund_spending']}、{_R['soe_spending']} 或 "
    f"{_R['income']} 有一般公共预算以外的资金时须填 {_R['gpb_spending']}；"
    f"{_R['spending']} 的基本支出多于 {_R['gpb_basic']} 时须填 {_R['economic']}（经济分类只有本单位知道）；"
    f"须由明细得出 {_R['economic']} 时，项目支出须有经济分类",
)
TOO_LONG = declare(
    "过长",
    "error",
    "部门名称最多 100 个字符：文档标题、各表表头和 PDF、DOCX 的文档属性都印它，"
    "文档属性的标题最多 255 个字符（超出的部门名称多为误粘贴的文字）",
)
PLACEHOLDER = declare("占位文字", "error", f"任何文字中的 {'、'.join(PLACEHOLDERS.markers)}")
LAYOUT = declare(
    "格式", "error", f"已填的 {_R['summary']}、{_R['fiscal_summary']} 保持标准格式的各行：不多出行，不改项目名称"
)
UNKNOWN_CODE = declare(
    "未知科目",
    "both",
    "功能分类、经济分类科目编码对照科目表：编码格式不对或所属类不存在为错误；不在所提供的正式科目表中为错误；"
    "格式正确、所属类已知而内置科目表中没有的为警告（内置科目表可能不全）",
)
CODE_NAME = declare("科目名称", "warning", "科目名称与科目表不同；文档印工作簿中的名称")
REASON = declare("缺少原因", "error", "较上年增加或减少的数字须填写原因（主要原因是：……）")
EXPLAIN = declare(
    "预决算差异",
    "error",
    "决算：决算数与年初预算数不同的数字和科目须说明原因（决算数大于/小于预算数的主要原因：……）",
)
ROUNDING = declare(
    "尾差",
    "warning",
    "舍入范围内的差额：合计 n 项的数字，差额在 (n + 1) × 0.005 万元以内",
)
LAST_YEAR = declare(
    "上年数不符",
    "both",
    "仅在给出 --previous 上年工作簿时：每个上年数对照上年工作簿的文档印出的数字，"
    "不符为错误（写明单元格、两个数字和上年文件）；上年工作簿不是上一年度的，或部门编码不同，为警告",
)
PLANNED = declare(
    "预算数不符",
    "both",
    "仅在给出 --budget 预算工作簿时（决算）：每个年初预算数（表中 from_budget 的列：有编码的行按科目编码，"
    "合计行，“三公”经费各项）对照预算工作簿算出的数字，预算工作簿没有的科目按 0，不符为错误"
    "（写明单元格、两个数字和预算文件）；预算工作簿的年度不同，为警告",
)
# What the loader reports while it reads (``Budget.notes``): the workbook is read, but a clerk may not have seen it.
MERGED = declare("合并单元格", "warning", "数据区中的合并单元格，只读取其左上角的值", source="loader")
HIDDEN = declare("隐藏数据", "warning", "有数据的隐藏工作表、行或列（照常读取）", source="loader")
CONTROL = declare("控制字符", "warning", "文字单元格中的控制字符（已去除）", source="loader")
EXTRA_SHEET = declare("多余工作表", "warning", "标准工作簿以外、有数据的工作表（不读取）", source="loader")
UNPUBLISHED = declare(
    "不公开的表",
    "warning",
    "可不公开的表（公开格式中 optional 的表）没有工作表，按不公开处理；"
    "模板文件夹 profile.toml 的 [format] drop_tables 所列的表，工作表中有数据（不读取）",
    source="loader",
)


# --- the functions that check them ---------------------------------------------------------

HALF_CENT = Decimal("0.005")


def envelope(items: int) -> Decimal:
    """The largest difference that is still a rounding difference for a parent over ``items`` items.

    In the unit the amounts are printed in: half a cent of it for each of the n items and the parent.
    """
    return (items + 1) * HALF_CENT


def judge(given: Decimal, expected: Decimal, items: int) -> Severity | None:
    """None when consistent, "warning" for a 尾差, "error" beyond the envelope (both in the printed unit)."""
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
    planned: Planned | None = None  # the same year's budget workbook (``--budget``), for a 决算's 年初预算数
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
        """``given`` against ``expected``: a 尾差 warning within the envelope of ``items``, else ``rule``.

        Both are in 万元; they are judged and shown in the unit ``sheet`` prints (元 for a table in 元),
        so a 尾差 is half a cent of that unit per item, as printed.
        """
        spec = self.budget.format.find(sheet)
        unit = spec.unit if spec is not None else "万元"
        if spec is not None and spec.scale != 1:
            given, expected = given * spec.scale, expected * spec.scale
        severity = judge(given, expected, items)
        if severity == "warning":
            within = f"{message}，差额在 {fmt(envelope(items))} {unit}以内"
            self.add(ROUNDING, sheet, cell, within, fmt(expected), fmt(given))
        elif severity == "error":
            self.add(rule, sheet, cell, message, fmt(expected), fmt(given), severity="error")

    def code(self, role: str) -> str:
        """The code of the table that plays ``role`` in the workbook's format: the sheet a finding names."""
        return self.budget.format.code_of(role)

    def spec(self, role: str) -> TableSpec:
        """The table that plays ``role`` in the workbook's format."""
        return self.budget.format.role(role)

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

RULE_SEVERITY_TEXT = {**SEVERITY_TEXT, "both": "错误或警告"}  # a rule may report either


def _what(rule: Rule) -> str:
    """What ``rule`` checks, saying so when the loader reports it."""
    return rule.what if rule.source == "check" else f"读取工作簿时：{rule.what}"


def _width(text: str) -> int:
    """Columns ``text`` takes in a terminal: two for a Chinese character."""
    return sum(2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1 for ch in text)


def _pad(text: str, width: int) -> str:
    return text + " " * max(width - _width(text), 0)


def declared_rules(fmt: Format) -> list[tuple[Rule, str]]:
    """The rules a declared format's check reports, each with what it checks there, from its declarations:
    the row sums of tables.yaml, the relations of checks.yaml, the figures and lists of figures.yaml."""
    found: dict[str, list[str]] = {}

    def say(rule: str, text: str) -> None:
        if text not in found.setdefault(rule, []):
            found[rule].append(text)

    for spec in fmt.tables:
        for parent, parts in spec.sums:
            names = " + ".join(spec.column(p).label for p in parts)
            say("小计不符", f"{spec.code} {spec.column(parent).label} = {names}")
    for decl in fmt.checks:
        if decl.kind == "tree":
            say(decl.rule, f"{'、'.join(decl.tables)}：每类 = 其下各款之和，每款 = 其下各项之和，合计 = 各类之和")
        else:
            say(decl.rule, decl.message)
    label = {f.key: f.label for f in fmt.facts}
    required = ["必填的基本信息和每个上年数", "文档要用的每个数字都能在表中找到"]
    required += [f"“{label[lst.text]}”须写明{'、'.join(lst.tables)}每个有金额的项" for lst in fmt.lists if lst.text]
    found.setdefault("必填项", []).extend(required)
    reasons = [f"“{label[f.reason]}”" for f in fmt.figures if f.reason]
    if reasons:
        say("缺少原因", "较上年增加或减少的数字须填写原因：" + "、".join(dict.fromkeys(reasons)))
    out = [(RULES[rule], "；".join(texts)) for rule, texts in found.items()]
    shown = {rule.id for rule, _ in out}
    for rule in RULES.values():  # what every format has: text, rounding, and what the loader reports
        if rule.id in ("占位文字", "过长", "尾差") or rule.source == "loader":
            if rule.id not in shown:
                out.append((rule, _what(rule)))
    return out


def rules_text(fmt: Format | None = None) -> list[str]:
    """Every rule as ``check --rules`` prints it: id, severity and what it checks, aligned for Chinese text.

    For a declared format (``fmt``), the rules its declarations make, with what each checks there.
    """
    rules = (
        declared_rules(fmt)
        if fmt is not None and fmt.engine == "declared"
        else [(rule, _what(rule)) for rule in RULES.values()]
    )
    id_width = max(_width(r.id) for r, _ in rules) + 2
    severity_width = max(_width(s) for s in RULE_SEVERITY_TEXT.values()) + 2
    lines = [_pad("规则", id_width) + _pad("级别", severity_width) + "检查内容"]
    for rule, what in rules:
        severity = _pad(RULE_SEVERITY_TEXT[rule.severity], severity_width)
        lines.append((_pad(rule.id, id_width) + severity + what).rstrip())
    return lines


def rules_markdown() -> str:
    """The README's table of rules, from the registry (``python tools/readme_rules.py`` writes it there)."""
    lines = ["| 规则 | 级别 | 检查内容 |", "|---|---|---|"]
    for rule in RULES.values():
        what = _what(rule)
        lines.append(f"| {rule.id} | {RULE_SEVERITY_TEXT[rule.severity]} | {what} |")
    return "\n".join(lines) + "\n"
