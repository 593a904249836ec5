"""Turn a checked ``Budget`` into the ``Document``: every derived figure, change and table row the templates print.

All arithmetic happens here (and in ``derive.py``/``figures.py``), with ``Decimal`` and
ROUND_HALF_UP. The templates only choose words and lay things out; they never add or divide.
"""

from __future__ import annotations

import os
from collections import OrderedDict
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal

from generator.formats import Format
from generator.profile import Profile
from generator.reference.codes import CodeBook, load_codes
from generator.stages import derive
from generator.stages.derive import Complete, q2, total
from generator.stages.figures import CHANGES, Figures, headline
from generator.workbook.model import ZERO, Budget, Row
from generator.workbook.schema import INCOME_SOURCES, TableSpec, place_header

HUNDRED = Decimal(100)
BIG_PROJECT = Decimal(100)  # 万元: "100万元及以上项目"
FISCAL_CARRY = ("co_gpb", "co_gov_fund", "co_soe")  # the projects table's 财政拨款结转结余 columns

_DIGITS = "零一二三四五六七八九"


def cn_number(n: int) -> str:
    """1 → 一, 10 → 十, 16 → 十六, 21 → 二十一, 34 → 三十四 (for 1 ≤ n ≤ 99)."""
    if not 1 <= n <= 99:
        raise ValueError(n)
    tens, ones = divmod(n, 10)
    head = "" if tens == 0 else ("十" if tens == 1 else _DIGITS[tens] + "十")
    return head + (_DIGITS[ones] if ones else "")


def share(part: Decimal, whole: Decimal) -> Decimal | None:
    """``part`` as a percentage of ``whole``, to the cent; None when ``whole`` is zero."""
    if whole == ZERO:
        return None
    return q2(part / whole * HUNDRED)


@dataclass(frozen=True)
class Change:
    """A figure against last year's: the wording follows from it (增加/减少/持平, no % from zero)."""

    current: Decimal
    prior: Decimal | None
    reason: str = ""

    @property
    def known(self) -> bool:
        return self.prior is not None

    @property
    def direction(self) -> str:
        """ "up", "down", "flat", or "unknown" when last year's figure is missing."""
        if self.prior is None:
            return "unknown"
        if self.current > self.prior:
            return "up"
        if self.current < self.prior:
            return "down"
        return "flat"

    @property
    def amount(self) -> Decimal:
        return abs(self.current - self.prior) if self.prior is not None else ZERO

    @property
    def rate(self) -> Decimal | None:
        """The change as a percentage of last year's figure, to the cent.

        None from a zero base (no percentage of nothing), and None when a change rounds to 0.00 %
        (0.01 万元 on 3000 万元): "增加0.01万元" is stated, "增长0.00%" would say nothing.
        """
        if self.prior is None or self.prior == ZERO:
            return None
        rate = q2(self.amount / self.prior * HUNDRED)
        return rate if rate != ZERO else None


@dataclass(frozen=True)
class Share:
    """An amount and its share of a whole (占…%)."""

    name: str
    amount: Decimal
    percent: Decimal | None


@dataclass(frozen=True)
class CellView:
    text: str
    cls: str = ""
    colspan: int = 1
    rowspan: int = 1


@dataclass(frozen=True)
class RowView:
    cells: tuple[CellView, ...]
    cls: str = ""


@dataclass(frozen=True)
class TableView:
    """One published table, ready to print: title, header, body rows, notes."""

    code: str
    number: str  # 一, 二 … as the 目录 lists it
    title: str
    landscape: bool
    widths: tuple[float, ...]
    header: tuple[tuple[CellView, ...], ...]
    rows: tuple[RowView, ...]
    empty_note: str = ""
    footnote: str = ""
    kind: str = "grid"  # "grid", or "form" (the performance table)
    unit: str = "万元"  # its amounts' unit, printed in its heading line
    meta: tuple[str, ...] = ()  # the line above it, one text a part (the format's table_meta, filled in)

    @property
    def anchor(self) -> str:
        return self.code.lower()

    @property
    def empty(self) -> bool:
        """No amount printed in any row (no rows, or only a 合计 row left blank): its empty note is printed."""
        return not any(c.text for r in self.rows for c in r.cells if c.cls == "num")


@dataclass(frozen=True)
class Indicator:
    level1: str
    level2: str
    level3: str
    value: str
    text: str
    span1: int  # rows level1 spans (0: covered by the row above)
    span2: int


@dataclass(frozen=True)
class PerformanceForm:
    """The performance table, the 整体绩效目标表: a form rather than a grid."""

    goal: str
    tasks: tuple[tuple[str, str], ...]
    budget_total: Decimal
    gov_funds: Decimal
    special_account: Decimal
    unit_funds: Decimal
    basic: Decimal
    project: Decimal
    indicators: tuple[Indicator, ...]


@dataclass(frozen=True)
class SectionView:
    """One numbered section as printed: its number among the sections of its part that are published."""

    id: str  # the template block that writes it, and its anchor
    number: str  # 一, 二 …
    title: str  # "八、“三公”经费支出预算情况说明", {bureau} and {year} filled in
    toc: str = ""  # "二、机构设置" when the 目录 lists it, else ""


@dataclass
class Document:
    """Everything the templates print, computed."""

    bureau: str
    year: int
    prior_year: int
    fiscal_level: str
    created: datetime
    facts: dict[str, object]
    figures: Figures
    changes: dict[str, Change]
    income_total: Decimal
    income_sum: Decimal
    spending_total: Decimal
    income_sources: tuple[Share, ...]
    basic: Share
    project: Share
    gpb_spending: Decimal
    gpb_basic: Share
    gpb_project: Share
    gpb_by_class: tuple[Share, ...]
    personnel: Share
    public: Share
    gov_fund: Decimal
    soe: Decimal
    gov_fund_spending: Decimal
    sangong: dict[str, Decimal]
    operating_cost: Decimal
    procurement: dict[str, Decimal]
    vehicles: dict[str, int]
    equipment: dict[str, int]
    transfer_count: int
    divisions: tuple[str, ...]
    duties: tuple[str, ...]
    glossary: tuple[tuple[str, str], ...]
    project_count: int
    project_total: Decimal
    big_project_count: int
    big_project_total: Decimal
    tables: tuple[TableView, ...]
    performance: PerformanceForm
    extra: dict[str, object] = field(default_factory=dict)
    # The sections the format declares and the bureau publishes, by id, numbered within their part
    sections: dict[str, SectionView] = field(default_factory=dict)
    toc_sections: dict[str, tuple[SectionView, ...]] = field(default_factory=dict)  # by part id: the 目录's
    standard_glossary: tuple[tuple[str, str], ...] = ()  # the format's, used when the workbook gives none

    title: str = ""


def wan(value: Decimal) -> str:
    """An amount in the text (and on a chart), in 万元 to the cent, no thousands separator: "1959.63"."""
    return f"{q2(value):.2f}"


def reason_text(text: str) -> str:
    """A typed reason or purpose as a sentence continues it: without its own final 。；，."""
    return text.strip().rstrip("。；;，,. ")


def pct(value: Decimal) -> str:
    """A share or rate in the text (and on a chart), to the cent: "9.50"."""
    return f"{q2(value):.2f}"


def amount_text(value: Decimal | None, scale: Decimal = Decimal(1), zero: bool = False) -> str:
    """An amount in a table: "1,959.63"; empty for nothing, and for zero unless ``zero`` (0.00 printed).

    ``value`` is in 万元; ``scale`` is the table's unit in 万元 (10000 for a table in 元).
    """
    if value is None:
        return ""
    printed = q2(value * scale)
    return "" if printed == ZERO and not zero else f"{printed:,.2f}"


def _view_header(spec: TableSpec) -> tuple[tuple[CellView, ...], ...]:
    """The printed header: the schema's header without the cells of unprinted columns."""
    printed = [c.printed for c in spec.columns]
    rows: list[list[CellView]] = [[] for _ in spec.header]
    for r, c, cell in place_header(spec.header):
        if not any(printed[c : c + cell.colspan]):
            continue
        span = sum(printed[c : c + cell.colspan])
        rows[r].append(CellView(cell.text, "", span, cell.rowspan))
    return tuple(tuple(row) for row in rows)


def _row_view(spec: TableSpec, row: Row) -> RowView:
    cells = []
    for col in spec.printed_columns:
        if col.kind == "amount":
            cells.append(CellView(amount_text(row.given(col.key), spec.scale, spec.print_zero), "num"))
        else:
            cells.append(CellView(row.text(col.key), "text" if col.kind == "text" else "code"))
    cls = {"total": "total", "sum": "total", "unit": "total", "class": "total", "continuation": "cont"}
    if spec.rows == "tree":  # its 类 and 款 rows are printed plain, as the published tables do
        cls = {"sum": "total", "total": "total"}
    return RowView(tuple(cells), cls.get(row.kind, ""))


def _side_by_side(spec: TableSpec, rows: list[Row]) -> tuple[RowView, ...]:
    """A table printed in two halves (``right_half``): its coded rows down each half in order, then its
    uncoded rows (人员经费合计, 公用经费合计) on the last lines, the left half's beside the right half's."""
    right = set(spec.right_half)

    def on_right(row: Row) -> bool:
        return (row.text(spec.levels[0]) or row.text("name")) in right  # its 类's code, or an uncoded row's name

    halves: list[list[RowView]] = [[], []]
    closing: list[list[RowView]] = [[], []]
    for row in rows:
        side = 1 if on_right(row) else 0
        (closing if row.kind in ("sum", "total") else halves)[side].append(_row_view(spec, row))
    blank = RowView(tuple(CellView("", "num" if c.kind == "amount" else "text") for c in spec.printed_columns))
    length = max(len(halves[0]), len(halves[1]))
    bodies = [h + [blank] * (length - len(h)) for h in halves]
    ends = max(len(closing[0]), len(closing[1]))
    tails = [c + [blank] * (ends - len(c)) for c in closing]
    paired = [RowView(a.cells + b.cells, a.cls or b.cls) for a, b in zip(bodies[0], bodies[1], strict=True)]
    paired += [RowView(a.cells + b.cells, "total") for a, b in zip(tails[0], tails[1], strict=True)]
    return tuple(paired)


def section_views(fmt: Format, bureau: str, year: int) -> dict[str, SectionView]:
    """Each published section by id, numbered 一、二… within its part in the format's order."""
    views = {}
    for part in fmt.parts:
        for i, section in enumerate(part.sections, start=1):
            number = cn_number(i)
            heading = section.heading.replace("{bureau}", bureau).replace("{year}", str(year))
            toc = f"{number}、{section.toc}" if section.toc else ""
            views[section.id] = SectionView(section.id, number, f"{number}、{heading}", toc)
    return views


def toc_views(fmt: Format, sections: dict[str, SectionView]) -> dict[str, tuple[SectionView, ...]]:
    """By part id, the sections of ``sections`` the 目录 lists (those declaring a ``toc`` text)."""
    return {part.id: tuple(sections[s.id] for s in part.sections if s.toc) for part in fmt.parts}


def table_views(done: Complete, fmt: Format, bureau: str = "", year: int = 0) -> tuple[TableView, ...]:
    """The 附件's tables the bureau publishes, in the format's order, numbered 一、二… (or 1, 2 …) as printed."""
    views = []
    for i, spec in enumerate(fmt.published, start=1):
        rows = tuple(_row_view(spec, r) for r in done.tables.get(spec.code, []))
        header, widths = _view_header(spec), spec.widths
        if spec.right_half:
            rows = _side_by_side(spec, done.tables.get(spec.code, []))
            header = tuple(row + row for row in header)
            widths = tuple(w / 2 for w in widths) * 2
        fill = {"{bureau}": bureau, "{year}": str(year), "{code}": spec.code, "{unit}": spec.unit}
        meta = []
        for part in fmt.table_meta:
            for key, value in fill.items():
                part = part.replace(key, value)
            meta.append(part)
        views.append(
            TableView(
                code=spec.code,
                number=cn_number(i) if fmt.annex_numbers == "chinese" else str(i),
                title=spec.title_for(year),
                meta=tuple(meta),
                landscape=spec.landscape,
                widths=widths,
                header=header,
                rows=rows,
                empty_note=spec.empty_note.replace("{year}", str(year)).replace("{bureau}", bureau),
                footnote=spec.footnote.replace("{year}", str(year)),
                kind=spec.kind,
                unit=spec.unit,
            )
        )
    return tuple(views)


def performance_form(budget: Budget, done: Complete) -> PerformanceForm:
    rows = done.rows("performance")
    goal = "".join(r.text("text") for r in rows if r.text("section") == "年度履职目标")
    tasks = tuple((r.text("level1"), r.text("text")) for r in rows if r.text("section") == "年度主要任务")
    raw = [r for r in rows if r.text("section") == "绩效指标"]
    filled: list[list[str]] = []
    last1 = last2 = ""
    for r in raw:
        level1 = r.text("level1") or last1
        level2 = r.text("level2") or (last2 if level1 == last1 else "")
        last1, last2 = level1, level2
        filled.append([level1, level2, r.text("level3"), r.text("value"), r.text("text")])
    indicators = []
    for i, (l1, l2, l3, value, text) in enumerate(filled):
        span1 = 0
        if i == 0 or filled[i - 1][0] != l1:
            span1 = 1
            while i + span1 < len(filled) and filled[i + span1][0] == l1:
                span1 += 1
        span2 = 0
        if i == 0 or filled[i - 1][:2] != [l1, l2]:
            span2 = 1
            while i + span2 < len(filled) and filled[i + span2][:2] == [l1, l2]:
                span2 += 1
        indicators.append(Indicator(l1, l2, l3, value, text, span1, span2))
    ys02 = done.total_row("income")
    ys03 = done.total_row("spending")

    def inc(*keys: str) -> Decimal:
        return sum((ys02.amount(k) for k in keys), ZERO) if ys02 else ZERO

    # 上年结转结余 is 政府预算资金 as far as it is 财政拨款结转 (the projects' 结转结余 columns), 单位资金 beyond
    carryover = inc("carryover")
    projects_carry = sum((total(done.rows("projects", "project"), key) for key in FISCAL_CARRY), ZERO)
    fiscal_carry = min(carryover, projects_carry) if carryover > ZERO else ZERO
    return PerformanceForm(
        goal=goal,
        tasks=tasks,
        budget_total=q2(ys03.amount("total")) if ys03 else ZERO,
        gov_funds=q2(inc("gpb", "gov_fund", "soe") + fiscal_carry),
        special_account=q2(inc("special_account")),
        unit_funds=q2(
            inc("business_income", "operating_income", "superior_subsidy", "affiliated_income", "other_income")
            + carryover
            - fiscal_carry
        ),
        basic=q2(ys03.amount("basic")) if ys03 else ZERO,
        project=q2(ys03.amount("project")) if ys03 else ZERO,
        indicators=tuple(indicators),
    )


def document_date(year: int) -> datetime:
    """The documents' date: SOURCE_DATE_EPOCH when set (reproducible builds), else 1 January of the year."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    if epoch and epoch.isdigit():
        return datetime.fromtimestamp(int(epoch), tz=UTC)
    return datetime(max(year, 1990), 1, 1, tzinfo=UTC)


def glossary_items(items: list[str]) -> tuple[tuple[str, str], ...]:
    out = []
    for item in items:
        term, sep, text = item.partition("：")
        out.append((term, text) if sep else ("", item))
    return tuple(out)


def _facts(budget: Budget, nothing: dict[str, bool]) -> dict[str, object]:
    """The narrative facts, an optional fact left empty taking its default (schema.FACTS).

    A default describes the case of nothing ("无其他车辆", "我单位无政府性基金预算支出。"), so it is
    used only where ``nothing`` says the tables agree (no other vehicles, no fund spending); otherwise
    the fact stays empty and the template leaves out the clause it would fill.
    """
    values: dict[str, object] = dict(budget.facts.values)
    for fact in budget.format.facts:
        value = values.get(fact.key)
        if value in (None, "", []) and fact.default and nothing.get(fact.key, True):
            values[fact.key] = fact.default
        elif value in (None, []):
            values[fact.key] = ""
    return values


def build_document(
    budget: Budget, codes: CodeBook | None = None, profile: Profile | None = None, done: Complete | None = None
) -> Document:
    """The document model of ``budget`` (assumed to have passed ``check`` without errors).

    ``done`` is ``budget`` completed (``derive.complete``) with ``codes``; derived here when not given.
    """
    codes = codes or load_codes(budget.year)
    profile = profile or Profile()
    done = done if done is not None else derive.complete(budget, codes)
    figures = headline(budget, done)
    facts = budget.facts
    changes = {
        spec.key: Change(
            figures.current[spec.key],
            figures.prior.get(spec.key),
            reason_text(facts.text(spec.reason)) if spec.reason else "",
        )
        for spec in CHANGES
    }
    ys03 = done.total_row("spending")
    spending = q2(ys03.amount("total")) if ys03 else ZERO
    basic = q2(ys03.amount("basic")) if ys03 else ZERO
    project = q2(ys03.amount("project")) if ys03 else ZERO
    ys02 = done.total_row("income")
    sources = []
    for key, label, _ in INCOME_SOURCES:
        value = q2(ys02.amount(key)) if ys02 else ZERO
        if value != ZERO:
            sources.append((label, value))
    carry = q2(ys02.amount("carryover")) if ys02 else ZERO
    if carry != ZERO:
        sources.append(("上年结转结余", carry))
    income_sum = q2(sum((v for _, v in sources), ZERO))
    income_sources = tuple(Share(name, value, share(value, income_sum)) for name, value in sources)

    ys05 = done.total_row("gpb_spending")
    gpb_spending = q2(ys05.amount("total")) if ys05 else ZERO
    gpb_basic = q2(ys05.amount("basic")) if ys05 else ZERO
    gpb_project = q2(ys05.amount("project")) if ys05 else ZERO
    by_class: OrderedDict[str, Decimal] = OrderedDict()
    for row in done.rows("gpb_spending", "item"):
        by_class[row.text("lei")] = by_class.get(row.text("lei"), ZERO) + row.amount("total")
    gpb_by_class = []
    for lei in sorted(by_class):
        value = q2(by_class[lei])
        if value == ZERO:
            continue
        fc = codes.function_class(lei)
        gpb_by_class.append(Share(fc.name if fc else lei, value, share(value, gpb_spending)))

    ys06 = done.total_row("gpb_basic")
    personnel = q2(ys06.amount("personnel")) if ys06 else ZERO
    public = q2(ys06.amount("public")) if ys06 else ZERO
    basic_total = q2(ys06.amount("total")) if ys06 else ZERO

    ys09 = done.total_row("gov_fund_spending")
    projects = done.rows("projects", "project")
    big = [p for p in projects if q2(p.amount("total")) >= BIG_PROJECT]
    current = figures.current
    procurement = {k: q2(facts.amount(f"procurement_{k}")) for k in ("goods", "works", "services")}
    procurement["total"] = q2(sum(procurement.values(), ZERO))
    vehicles = {k: facts.count(f"vehicles_{k}") for k in ("general", "enforcement", "special", "other")}
    vehicles["total"] = sum(vehicles.values())
    ys08 = done.rows("sangong")[0]
    gov_fund_spending = q2(ys09.amount("total")) if ys09 else ZERO
    transfer_count = facts.count("transfer_count")
    nothing = {
        "gov_fund_use": gov_fund_spending == ZERO,
        "vehicles_other_note": vehicles["other"] == 0,
        "transfer_note": transfer_count == 0,
    }
    sections = section_views(budget.format, budget.bureau, budget.year)
    return Document(
        bureau=budget.bureau,
        year=budget.year,
        prior_year=budget.year - 1,
        fiscal_level=facts.text("fiscal_level") or profile.fiscal_level or "市级",
        title=profile.title_for(budget.year, budget.bureau, budget.format.document_title),
        created=document_date(budget.year),
        facts=_facts(budget, nothing),
        figures=figures,
        changes=changes,
        income_total=current["income_total"],
        income_sum=income_sum,
        spending_total=current["spending_total"],
        income_sources=income_sources,
        basic=Share("基本支出", basic, share(basic, spending)),
        project=Share("项目支出", project, share(project, spending)),
        gpb_spending=gpb_spending,
        gpb_basic=Share("基本支出", gpb_basic, share(gpb_basic, gpb_spending)),
        gpb_project=Share("项目支出", gpb_project, share(gpb_project, gpb_spending)),
        gpb_by_class=tuple(gpb_by_class),
        personnel=Share("人员经费", personnel, share(personnel, basic_total)),
        public=Share("公用经费", public, share(public, basic_total)),
        gov_fund=current["gov_fund"],
        soe=current["soe"],
        gov_fund_spending=gov_fund_spending,
        sangong={
            "total": current["sangong"],
            "abroad": current["abroad"],
            "reception": current["reception"],
            "vehicle": q2(ys08.amount("vehicle")),
            "vehicle_purchase": current["vehicle_purchase"],
            "vehicle_running": current["vehicle_running"],
        },
        operating_cost=current["operating_cost"],
        procurement=procurement,
        vehicles=vehicles,
        equipment={k: facts.count(f"equipment_{k}") for k in ("general", "special")},
        transfer_count=transfer_count,
        divisions=tuple(facts.items("divisions")),
        duties=tuple(facts.items("duties")),
        glossary=glossary_items(facts.items("glossary")),
        project_count=len(projects),
        project_total=q2(total(projects, "total")),
        big_project_count=len(big),
        big_project_total=q2(total(big, "total")),
        tables=table_views(done, budget.format, budget.bureau, budget.year),
        performance=performance_form(budget, done),
        sections=sections,
        toc_sections=toc_views(budget.format, sections),
        standard_glossary=budget.format.glossary,
    )
