"""Turn the headline figures' changes into findings: a change the narrative words needs its reason (缺少原因)."""

from __future__ import annotations

from generator.stages.check.registry import REASON, Context, checks
from generator.stages.derive import q2
from generator.stages.figures import CHANGES, headline
from generator.workbook.schema import FACTS_SHEET


@checks(REASON)
def reasons(c: Context) -> None:
    """A change worded 增加/减少 needs its reason (主要原因是：…)."""
    figures = headline(c.budget, c.done)
    facts = c.budget.facts
    for change in CHANGES:
        if change.reason is None or change.reason in c.budget.format.unused_facts:
            continue
        current, prior = figures.current[change.key], figures.prior.get(change.key)
        if prior is None or q2(current) == q2(prior):
            continue
        if not facts.text(change.reason):
            label = c.budget.format.fact_label(change.reason)
            c.add(
                REASON,
                FACTS_SHEET,
                facts.cells.get(change.reason),
                f"{change.label}较上年{'增加' if current > prior else '减少'}，须填写“{label}”",
            )
