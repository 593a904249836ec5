"""Turn a checked ``Budget`` of a declared format into the ``DeclaredDocument`` its template prints: named figures,
changes, lists and tables.

A format computed from its declarations (``engine: declared``) names its figures in figures.yaml;
each is evaluated here (``stages/evaluate.py``) in 万元 and rounded to the cent, ROUND_HALF_UP, as
the narrative prints it; a figure compared with last year becomes a ``Change`` (增加/减少/持平,
worded by the template) computed from the printed figures. Lists give each row of their tables
with its amount and its text (a 项 and its purpose). The template only chooses words.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from generator.formats.spec import ListDecl
from generator.profile import Profile
from generator.stages.compute import (
    Change,
    SectionView,
    TableView,
    document_date,
    glossary_items,
    reason_text,
    section_views,
    share,
    table_views,
    toc_views,
)
from generator.stages.derive import Complete, q2
from generator.stages.evaluate import Evaluator, MissingRow, list_texts, row_code, tree_depth
from generator.workbook.model import ZERO, Budget, Row


@dataclass(frozen=True)
class Plan:
    """A 决算 figure against its 年初预算: 完成年初预算的…% (none of a zero budget), 大于/小于/持平, the reason."""

    actual: Decimal
    budget: Decimal
    reason: str = ""

    @property
    def direction(self) -> str:
        """ "above" (决算数大于预算数), "below", or "equal"."""
        if self.actual > self.budget:
            return "above"
        return "below" if self.actual < self.budget else "equal"

    @property
    def rate(self) -> Decimal | None:
        """The actual as a percentage of the budget, to the cent; None of a zero budget."""
        return share(self.actual, self.budget)


@dataclass(frozen=True)
class ListItem:
    """One row of a declared list: its code, its name, the names above it (a tree table's 类 and 款), its amount."""

    code: str
    name: str
    path: str  # "一般公共服务支出（类）财政事务（款）行政运行（项）"
    amount: Decimal  # 万元, to the cent
    text: str = ""  # the list fact's text for its code
    notes: dict[str, str] = field(default_factory=dict)  # the row's own text columns (the list's texts)
    plan: Plan | None = None  # against the row's 年初预算数 (the list's budget)
    share: Decimal | None = None  # of the list's share_of figure, a percentage


@dataclass
class DeclaredDocument:
    """Everything a declared format's template prints, computed."""

    bureau: str
    year: int
    prior_year: int
    title: str
    created: datetime
    fiscal_level: str
    facts: dict[str, object]
    fig: dict[str, Decimal | int]  # 万元 to the cent; a figure made of counts only, a whole number
    change: dict[str, Change]
    plan: dict[str, Plan]
    share: dict[str, Decimal | None]  # a percentage to the cent; None of a zero whole
    lists: dict[str, tuple[ListItem, ...]]
    tables: tuple[TableView, ...]
    sections: dict[str, SectionView] = field(default_factory=dict)
    toc_sections: dict[str, tuple[SectionView, ...]] = field(default_factory=dict)
    standard_glossary: tuple[tuple[str, str], ...] = ()
    glossary: tuple[tuple[str, str], ...] = ()
    template: str = "document.html.j2"
    thousands: bool = False  # the narrative's amounts with thousands separators
    zero: str = "0.00"  # a zero amount in the narrative


_LEVEL_WORDS = ("类", "款", "项")


def _paths(rows: list[Row], levels: tuple[str, ...]) -> dict[int, str]:
    """Each row's path in a tree table: the names of the rows above it at each level, with （类）（款）（项）."""
    above: dict[int, str] = {}
    out = {}
    for i, row in enumerate(rows):
        depth = tree_depth(row, len(levels))
        if depth is None:
            continue
        word = _LEVEL_WORDS[depth - 1]  # 类, 款, 项: a tree has at most three levels
        above = {d: n for d, n in above.items() if d < depth}
        above[depth] = f"{row.text('name')}（{word}）"
        out[i] = "".join(above[d] for d in sorted(above))
    return out


def _facts(budget: Budget) -> dict[str, object]:
    values: dict[str, object] = dict(budget.facts.values)
    for fact in budget.format.facts:
        if values.get(fact.key) in (None, "", []):
            values[fact.key] = fact.default if fact.default else ([] if fact.kind == "list" else "")
    return values


def prior_figures(budget: Budget, done: Complete) -> dict[str, Decimal]:
    """Next year's 上年数 from ``budget``: each figure declared with a ``prior``, under that 上年数's key.

    A figure naming a row the workbook lacks is left out (next year's 上年数 stays for the clerk).
    """
    evaluator = Evaluator(budget, done)
    out: dict[str, Decimal] = {}
    for decl in budget.format.figures:
        if decl.prior:
            try:
                out[decl.prior] = q2(evaluator.value(decl.value).amount)
            except MissingRow:
                continue
    return out


def _reason(budget: Budget, key: str) -> str:
    return reason_text(budget.facts.text(key)) if key else ""


def _list(lst: ListDecl, budget: Budget, done: Complete, fig: dict[str, Decimal | int]) -> tuple[ListItem, ...]:
    """The rows ``lst`` lists: each with its amount, texts, 年初预算 and share, in table order."""
    fmt = budget.format
    texts = list_texts(budget.facts.items(lst.text)) if lst.text else {}
    whole = Decimal(fig[lst.share_of]) if lst.share_of else None
    items: list[ListItem] = []
    for code in lst.tables:
        spec = fmt.table(code)
        rows = done.tables.get(code, [])
        paths = _paths(rows, spec.levels) if spec.rows == "tree" else {}
        for i, row in enumerate(rows):
            if row.kind != lst.kind:
                continue
            key = row_code(row, spec.levels) if spec.levels else row.text("code") or row.text("name")
            if lst.codes and not key.startswith(lst.codes):
                continue
            amount = q2(row.amount(lst.amount)) if lst.amount else ZERO
            if lst.amount and amount == ZERO and spec.rows == "tree":
                continue  # a 项 without money is not listed
            name = row.text("name")
            notes = {k: reason_text(row.text(k)) for k in lst.texts}
            plan = None
            if lst.budget:
                reason = reason_text(row.text(lst.reason)) if lst.reason else ""
                plan = Plan(amount, q2(row.amount(lst.budget)), reason)
            part = share(amount, whole) if whole is not None else None
            items.append(ListItem(key, name, paths.get(i, name), amount, texts.get(key, ""), notes, plan, part))
    return tuple(items)


def build_declared(budget: Budget, done: Complete, profile: Profile | None = None) -> DeclaredDocument:
    """The document model of ``budget`` (of a declared format, assumed to have passed ``check``)."""
    profile = profile or Profile()
    fmt = budget.format
    evaluator = Evaluator(budget, done)
    fig: dict[str, Decimal | int] = {}
    change: dict[str, Change] = {}
    plan: dict[str, Plan] = {}
    for decl in fmt.figures:
        evaluated = evaluator.value(decl.value)
        value = q2(evaluated.amount)
        fig[decl.name] = int(evaluated.amount) if evaluated.count else value
        if decl.prior:
            prior = budget.prior.amount(decl.prior)
            change[decl.name] = Change(value, q2(prior) if prior is not None else None, _reason(budget, decl.reason))
        if decl.budget:
            planned = q2(evaluator.value(decl.budget).amount)
            plan[decl.name] = Plan(value, planned, _reason(budget, decl.budget_reason))
    shares = {name: share(Decimal(fig[part]), Decimal(fig[whole])) for name, part, whole in fmt.shares}
    lists = {lst.name: _list(lst, budget, done, fig) for lst in fmt.lists}
    sections = section_views(fmt, budget.bureau, budget.year)
    return DeclaredDocument(
        bureau=budget.bureau,
        year=budget.year,
        prior_year=budget.year - 1,
        title=profile.title_for(budget.year, budget.bureau, fmt.document_title),
        created=document_date(budget.year),
        fiscal_level=budget.facts.text("fiscal_level") or profile.fiscal_level or "区级",
        facts=_facts(budget),
        fig=fig,
        change=change,
        plan=plan,
        share=shares,
        lists=lists,
        tables=table_views(done, fmt, budget.bureau, budget.year),
        sections=sections,
        toc_sections=toc_views(fmt, sections),
        standard_glossary=fmt.glossary,
        glossary=glossary_items(budget.facts.items("glossary")),
        template=fmt.template,
        thousands=fmt.thousands,
        zero=fmt.zero,
    )
