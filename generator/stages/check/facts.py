"""Turn the facts and text into findings: what must be filled (必填项), what the document cannot hold (过长) and
what is still a placeholder (占位文字)."""

from __future__ import annotations

from generator.profile import BUREAU_MAX
from generator.stages.check.registry import PLACEHOLDER, REQUIRED, TOO_LONG, Context, checks
from generator.workbook.schema import FACTS_SHEET, PLACEHOLDERS, PRIOR_SHEET


@checks(REQUIRED)
def required(c: Context) -> None:
    """The required facts, some spending in the spending table, and every 上年数 (0 when there was none).

    What only the sections the bureau does not publish would print is not asked for.
    """
    facts, fmt = c.budget.facts, c.budget.format
    for fact in fmt.facts:
        value = facts.values.get(fact.key)
        empty = value is None or value == [] or value == ""
        if empty and fact.required and fact.key not in fmt.unused_facts:
            c.add(REQUIRED, FACTS_SHEET, facts.cells.get(fact.key), f"“{fact.label}”未填写")
    if c.budget.format.engine == "henan" and c.budget.year and c.done.rows("spending") == []:
        spending = c.spec("spending")
        c.add(REQUIRED, spending.code, None, f"{spending.title}没有数据")
    for prior in fmt.prior:
        if c.budget.prior.values.get(prior.key) is None and prior.key not in fmt.unused_prior:
            c.add(
                REQUIRED,
                PRIOR_SHEET,
                c.budget.prior.cells.get(prior.key),
                f"上年数“{prior.label}”未填写（没有填 0）",
            )


@checks(TOO_LONG)
def lengths(c: Context) -> None:
    """What the document cannot hold: a 部门名称 past ``BUREAU_MAX`` characters (the title property holds 255)."""
    bureau = c.budget.facts.values.get("bureau")
    if isinstance(bureau, str) and len(bureau) > BUREAU_MAX:
        c.add(
            TOO_LONG,
            FACTS_SHEET,
            c.budget.facts.cells.get("bureau"),
            f"“部门名称”过长（{len(bureau)} 个字符，最多 {BUREAU_MAX} 个），请只填部门（单位）全称",
        )


@checks(PLACEHOLDER)
def placeholders(c: Context) -> None:
    """No text, in the facts or a table, still holds a placeholder (``schema.PLACEHOLDERS``)."""
    facts = c.budget.facts
    for fact in c.budget.format.facts:
        item_cells = facts.item_cells.get(fact.key, [])
        for i, text in enumerate(facts.items(fact.key) if fact.kind in ("list", "text") else []):
            cell = item_cells[i] if i < len(item_cells) else facts.cells.get(fact.key)
            _placeholder(c, text, FACTS_SHEET, cell, fact.label)
    for table in c.budget.tables.values():
        for row in table.rows:
            for col in table.spec.columns:
                if col.kind in ("text", "choice"):
                    _placeholder(c, row.text(col.key), table.code, row.cell(col.key), col.label)


def _placeholder(c: Context, text: str, sheet: str, cell: str | None, label: str) -> None:
    for marker in PLACEHOLDERS.markers:
        if marker in text:
            c.add(PLACEHOLDER, sheet, cell, f"“{label}”含有占位文字“{marker}”，请填写实际内容")
            return
