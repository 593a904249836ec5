"""Turn a declared format's checks (checks.yaml) and figures into findings: tree sums, row sums, relations, named rows.

A format computed from its declarations (``engine: declared``) has no Python of its own: its
tables' sums inside a row (``sums``), its tree tables' 类/款/项 sums, and the relations its
checks.yaml declares between cells and tables are checked here, with the same rules, cells,
应为/实为 and 尾差 envelope as Henan's (``Context.compare``). A figure or check naming a row its
table lacks is a finding (必填项), never a silent zero.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from generator.errors import Severity
from generator.formats.spec import CheckDecl
from generator.stages.check.registry import (
    EXPLAIN,
    REASON,
    REQUIRED,
    ROUNDING,
    RULES,
    SUBTOTAL,
    TOTAL,
    Context,
    checks,
    fmt,
)
from generator.stages.derive import q2
from generator.stages.evaluate import Evaluator, MissingRow, Value, label_text, list_texts, row_code, tree_depth
from generator.workbook.model import ZERO, Row
from generator.workbook.schema import FACTS_SHEET


@checks(SUBTOTAL, ROUNDING)
def row_sums(c: Context) -> None:
    """Each subtotal cell a clerk filled equals the sum of its parts (the table's ``sums``)."""
    for spec in c.budget.format.tables:
        for row in c.budget.table(spec.code).rows:
            for parent, parts in spec.sums:
                given = row.given(parent)
                if given is None:
                    continue
                expected = sum((row.amount(p) for p in parts), ZERO)
                names = "＋".join(spec.column(p).label for p in parts)
                c.compare(
                    given,
                    expected,
                    len(parts),
                    spec.code,
                    row.cell(parent),
                    SUBTOTAL,
                    f"{spec.column(parent).label}应等于{names}",
                )


def _children(rows: list[Row], index: int, depth: int, levels: int) -> Iterator[Row]:
    """The rows one level below ``rows[index]`` (a row of ``depth``), up to the next row of its level or above."""
    want = "item" if depth + 1 == levels else "subclass"
    for row in rows[index + 1 :]:
        level = tree_depth(row, levels)
        if level is None or level <= depth:
            return
        if level == depth + 1 and row.kind == want:
            yield row


def _tree(c: Context, code: str, rule_message: str) -> None:
    spec = c.budget.format.table(code)
    rows = c.budget.table(code).rows
    levels = len(spec.levels)
    for i, row in enumerate(rows):
        depth = tree_depth(row, levels)
        if row.kind == "sum":  # 合计; other uncoded lines (人员经费合计) are for the declared relations
            members = [r for r in rows if r.kind == "class"]
            what = "合计应等于各类之和"
        elif depth is not None and depth < levels:
            members = list(_children(rows, i, depth, levels))
            below = "项" if depth + 1 == levels else "款"
            what = f"{row_code(row, spec.levels)} {row.text('name')}应等于其下各{below}之和"
        else:
            continue
        if not members:
            continue
        for key in spec.amount_keys():
            expected = sum((m.amount(key) for m in members), ZERO)
            given = row.amount(key)
            label = spec.column(key).label
            message = f"{label}：{rule_message or what}"
            c.compare(given, expected, len(members), code, row.cell(key), TOTAL, message)


@checks(TOTAL, ROUNDING, REQUIRED, EXPLAIN, *(r for r in RULES.values() if r.source == "check"))
def relations(c: Context) -> None:
    """The checks of checks.yaml, in order: tree sums, equalities, at-least relations, tables matched by code."""
    evaluator = Evaluator(c.budget, c.done)
    for decl in c.budget.format.checks:
        if not all(c.budget.format.publishes(code) for code in decl.tables):
            continue
        if decl.kind == "tree":
            for code in decl.tables:
                _tree(c, code, decl.message)
        elif decl.kind == "match":
            if decl.by:
                _match_names(c, decl)
            else:
                _match(c, decl)
        elif decl.kind == "explain":
            _explain(c, decl)
        else:
            try:
                first, second = (evaluator.value(text) for text in decl.expressions)
            except MissingRow as exc:
                _missing(c, exc)
                continue
            _relation(c, decl, first, second)


def _relation(c: Context, decl: CheckDecl, first: Value, second: Value) -> None:
    rule = RULES[decl.rule]
    sheet = first.sheet or second.sheet or FACTS_SHEET
    spec = c.budget.format.find(sheet)
    scale = spec.scale if spec is not None else 1
    if decl.kind == "equal":
        terms = max(first.terms, second.terms, 1)
        c.compare(first.amount, second.amount, terms, sheet, first.cell or second.cell, rule, decl.message)
    elif q2(first.amount * scale) < q2(second.amount * scale):
        severity: Severity | None = "error" if rule.severity == "both" else None
        c.add(
            rule,
            sheet,
            first.cell,
            decl.message,
            f"不少于 {fmt(second.amount * scale)}",
            fmt(first.amount * scale),
            severity=severity,
        )


def _match(c: Context, decl: CheckDecl) -> None:
    (left, right), (lcol, rcol) = decl.tables, decl.columns
    lspec, rspec = c.budget.format.table(left), c.budget.format.table(right)

    def keyed(code: str, levels: tuple[str, ...]) -> dict[str, Row]:
        return {row_code(r, levels): r for r in c.budget.table(code).rows if r.kind in decl.kinds}

    mine, theirs = keyed(left, lspec.levels), keyed(right, rspec.levels)
    rule = RULES[decl.rule]
    severity: Severity | None = "error" if rule.severity == "both" else None
    for key, row in mine.items():
        other = theirs.get(key)
        if other is None:
            c.add(rule, left, row.cell(lcol), f"{decl.message}：科目 {key} 在{right}中没有", severity=severity)
            continue
        c.compare(row.amount(lcol), other.amount(rcol), 1, left, row.cell(lcol), rule, f"{decl.message}：科目 {key}")
    for key, other in theirs.items():
        if key not in mine and other.amount(rcol) != ZERO:
            c.add(rule, left, None, f"{decl.message}：{right}的科目 {key} 在{left}中没有", severity=severity)


_ORDINAL = re.compile(r"^[一二三四五六七八九十]+、")


def _match_names(c: Context, decl: CheckDecl) -> None:
    """Each row of the second table (a tree's 类) against the first table's line of the same name (“八、…”)."""
    (left, right), (lcol, rcol) = decl.tables, decl.columns
    rspec = c.budget.format.table(right)
    rule = RULES[decl.rule]
    severity: Severity | None = "error" if rule.severity == "both" else None
    lines: dict[str, Row] = {}
    numbered: list[str] = []  # the lines named “八、…”: each a 类, which the second table must have if it has money
    for row in c.budget.table(left).rows:
        text = label_text(row.text(decl.by))
        name = _ORDINAL.sub("", text)
        lines.setdefault(name, row)
        if name != text:
            numbered.append(name)
    theirs = {label_text(r.text("name")): r for r in c.budget.table(right).rows if r.kind in decl.kinds}
    for name in numbered:
        row = lines[name]
        if name not in theirs and row.amount(lcol) != ZERO:
            c.add(rule, left, row.cell(lcol), f"{decl.message}：{name}在{right}中没有", severity=severity)
    for name, other in theirs.items():
        line = lines.get(name)
        code = row_code(other, rspec.levels)
        if line is None:
            if other.amount(rcol) != ZERO:
                c.add(rule, left, None, f"{decl.message}：{right}的 {code} {name} 在{left}中没有", severity=severity)
            continue
        c.compare(line.amount(lcol), other.amount(rcol), 1, left, line.cell(lcol), rule, f"{decl.message}：{name}")


def _explain(c: Context, decl: CheckDecl) -> None:
    """Each row whose actual amount differs from its budget says why in its reason column."""
    actual, budget = decl.columns
    for code in decl.tables:
        spec = c.budget.format.table(code)
        label = spec.column(decl.reason).label
        for row in c.budget.table(code).rows:
            if row.kind not in decl.kinds or row.text(decl.reason):
                continue
            spent, planned = q2(row.amount(actual)), q2(row.amount(budget))
            if spent != planned:
                what = row_code(row, spec.levels) if spec.levels else ""
                name = f"{what} {row.text('name')}".strip()
                more = "大于" if spent > planned else "小于"
                c.add(
                    EXPLAIN,
                    code,
                    row.cell(decl.reason),
                    f"{decl.message}：{name}决算数{fmt(spent * spec.scale)}{more}预算数{fmt(planned * spec.scale)}，"
                    f"须在“{label}”中说明原因",
                )


def _missing(c: Context, exc: MissingRow) -> None:
    c.add(REQUIRED, exc.table, None, f"文档要用的数字找不到：{exc.what}")


@checks(REQUIRED)
def empty_tables(c: Context) -> None:
    """A published table without data is printed empty only with the note its format gives it (empty_note)."""
    for spec in c.budget.format.published:
        if spec.empty_note:
            continue
        keys = spec.amount_keys()
        if any(row.amount(key) != ZERO for row in c.budget.table(spec.code).rows for key in keys):
            continue
        c.add(
            REQUIRED,
            spec.code,
            None,
            f"{spec.heading}没有数据：本表不能公开为空表（公开格式没有给它空表的说明），请填写",
        )


@checks(REQUIRED, REASON, EXPLAIN)
def figures(c: Context) -> None:
    """Every figure the narrative prints can be found; a change against last year has its reason; each list
    item has its text (a 项 its purpose)."""
    evaluator = Evaluator(c.budget, c.done)
    facts = c.budget.facts
    seen: set[tuple[str, str]] = set()

    def value(text: str) -> Value | None:
        """The expression's value; None, reported once (必填项), when it names a row the workbook lacks."""
        try:
            return evaluator.value(text)
        except MissingRow as exc:
            if (exc.table, exc.what) not in seen:
                seen.add((exc.table, exc.what))
                _missing(c, exc)
            return None

    for decl in c.budget.format.figures:
        current = value(decl.value)
        if current is None:
            continue
        if decl.prior and decl.reason:
            prior = c.budget.prior.amount(decl.prior)
            if prior is not None and q2(current.amount) != q2(prior) and not facts.text(decl.reason):
                label = c.budget.format.fact_label(decl.reason)
                direction = "增加" if current.amount > prior else "减少"
                c.add(REASON, FACTS_SHEET, facts.cells.get(decl.reason), f"较上年{direction}，须填写“{label}”")
        if decl.budget and decl.budget_reason and not facts.text(decl.budget_reason):
            planned = value(decl.budget)
            if planned is None:
                continue
            spent, budget = q2(current.amount), q2(planned.amount)
            if spent != budget:
                label = c.budget.format.fact_label(decl.budget_reason)
                more = "大于" if spent > budget else "小于"
                c.add(
                    EXPLAIN,
                    FACTS_SHEET,
                    facts.cells.get(decl.budget_reason),
                    f"决算数{fmt(spent)}万元{more}年初预算数{fmt(budget)}万元，须填写“{label}”",
                )
    for lst in c.budget.format.lists:
        for code in lst.tables if lst.texts and lst.amount else ():
            spec = c.budget.format.table(code)
            for row in c.budget.table(code).rows:
                if row.kind != lst.kind or row.amount(lst.amount) == ZERO:
                    continue
                for key in lst.texts:
                    if not row.text(key):
                        name = f"{row_code(row, spec.levels)} {row.text('name')}".strip()
                        c.add(REQUIRED, code, row.cell(key), f"{name}须填写“{spec.column(key).label}”")
        if not lst.text:
            continue
        texts = list_texts(facts.items(lst.text))
        label = c.budget.format.fact_label(lst.text)
        for code in lst.tables:
            spec = c.budget.format.table(code)
            for row in c.done.tables.get(code, []):
                key = row_code(row, spec.levels)
                if row.kind == lst.kind and lst.amount and row.amount(lst.amount) != ZERO and key not in texts:
                    c.add(
                        REQUIRED,
                        FACTS_SHEET,
                        facts.cells.get(lst.text),
                        f"“{label}”缺少科目 {key} {row.text('name')}（每行写成“{key}：……”）",
                    )
