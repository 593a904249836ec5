"""Turn two versions of a workbook into what changed: each figure, and each narrative sentence it changes.

A clerk who corrects one figure the night before publication wants to see two lists: the cells
that changed (sheet, row, column, old → new) and, more to the point, every sentence of the
document that now reads differently. The second list comes from rendering both versions through
the same pipeline and comparing their sentences, so it shows the consequences a clerk would miss:
a corrected item changes a total, a share, a year-on-year change and its wording.
"""

from __future__ import annotations

import difflib
import html as htmllib
import re
from collections import Counter
from dataclasses import dataclass, field, replace
from decimal import Decimal
from pathlib import Path

from generator.options import DEFAULT_OPTIONS, RenderOptions
from generator.workbook.model import Budget, Row
from generator.workbook.schema import FACTS_SHEET, PRIOR_SHEET


@dataclass(frozen=True)
class FigureChange:
    """One input that differs: where it is and its two values (None where absent)."""

    sheet: str
    row: str
    column: str
    old: str | None
    new: str | None

    def line(self) -> str:
        old = "（无）" if self.old in (None, "") else self.old
        new = "（无）" if self.new in (None, "") else self.new
        return f"{self.sheet} · {self.row} · {self.column}：{old} → {new}"


@dataclass(frozen=True)
class SentenceChange:
    """A sentence of the document that reads differently (None: added or removed)."""

    section: str
    old: str | None
    new: str | None


@dataclass
class Diff:
    figures: list[FigureChange] = field(default_factory=list)
    sentences: list[SentenceChange] = field(default_factory=list)
    note: str = ""  # why sentences could not be compared, if they could not


def _show(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, Decimal):
        return format(value.normalize(), "f") if value != value.to_integral() else f"{value:.2f}"
    if isinstance(value, list):
        return "；".join(value)
    return str(value)


def _row_label(row: Row) -> str:
    """A row's identity for a person: its codes and names, or its kind for a total row."""
    spec = row.spec
    parts = [row.text(c.key) for c in spec.columns if c.kind in ("code", "text", "choice") and row.text(c.key)]
    if row.spec.role == "performance":
        parts = [row.text("section"), row.text("level1"), row.text("level3")]
    label = " ".join(p for p in parts if p)
    if label:
        return label[:40]
    return {"total": "总计行", "sum": "合计行", "line": "金额行", "continuation": "续行"}.get(row.kind, row.kind)


def _keyed(rows: list[Row]) -> dict[str, Row]:
    """Rows by label, with a running number where a label repeats (gpb_basic may list 30103 twice)."""
    seen: Counter[str] = Counter()
    out = {}
    for row in rows:
        label = _row_label(row)
        seen[label] += 1
        out[label if seen[label] == 1 else f"{label}（第{seen[label]}处）"] = row
    return out


def figure_changes(old: Budget, new: Budget) -> list[FigureChange]:
    """Every input that differs, in ``new``'s format (its facts, 上年数 and tables; amounts in each table's unit)."""
    changes: list[FigureChange] = []
    for fact in new.format.facts:
        a, b = old.facts.values.get(fact.key), new.facts.values.get(fact.key)
        if _show(a) != _show(b):
            changes.append(FigureChange(FACTS_SHEET, fact.label, "内容", _show(a), _show(b)))
    for prior in new.format.prior:
        a2, b2 = old.prior.values.get(prior.key), new.prior.values.get(prior.key)
        if _show(a2) != _show(b2):
            changes.append(FigureChange(PRIOR_SHEET, prior.label, "上年数", _show(a2), _show(b2)))
    for spec in new.format.tables:
        code = spec.code
        before = _keyed(old.table(code).rows) if code in old.tables else {}
        after = _keyed(new.table(code).rows)
        sheet = f"{code} {spec.title_for(new.year)}"
        for label in list(before) + [k for k in after if k not in before]:
            r1, r2 = before.get(label), after.get(label)
            for col in spec.columns:
                v1 = r1.values.get(col.key) if r1 else None
                v2 = r2.values.get(col.key) if r2 else None
                if col.kind != "amount" and (r1 is None or r2 is None):
                    continue  # an added or removed row is shown by its amounts
                if col.kind == "amount" and spec.scale != 1:  # shown in the table's unit (元), as typed
                    v1 = v1 * spec.scale if isinstance(v1, Decimal) else v1
                    v2 = v2 * spec.scale if isinstance(v2, Decimal) else v2
                if _show(v1) != _show(v2):
                    changes.append(FigureChange(sheet, label, col.label, _show(v1), _show(v2)))
    return changes


_BLOCK = re.compile(r"<(h[1-4]|p)\b[^>]*>(.*?)</\1>", re.S)


def narrative_sentences(html: str) -> list[tuple[str, str]]:
    """(section, sentence) for every sentence of the narrative, in order; tables left out."""
    body = html.split('class="table-page', 1)[0]
    out: list[tuple[str, str]] = []
    section = ""
    for tag, inner in _BLOCK.findall(body):
        text = re.sub(r"\s+", "", htmllib.unescape(re.sub(r"<[^>]+>", "", inner)))
        if not text:
            continue
        if tag in ("h1", "h2", "h3"):
            section = text
            continue
        for sentence in re.findall(r"[^。]+。?", text):
            out.append((section, sentence))
    return out


def sentence_changes(old_html: str, new_html: str) -> list[SentenceChange]:
    a, b = narrative_sentences(old_html), narrative_sentences(new_html)
    matcher = difflib.SequenceMatcher(a=[s for _, s in a], b=[s for _, s in b], autojunk=False)
    changes: list[SentenceChange] = []
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if op == "equal":
            continue
        olds, news = a[i1:i2], b[j1:j2]
        for k in range(max(len(olds), len(news))):
            o = olds[k] if k < len(olds) else None
            n = news[k] if k < len(news) else None
            section = n[0] if n else (o[0] if o else "")
            changes.append(SentenceChange(section, o[1] if o else None, n[1] if n else None))
    return changes


def diff(old_path: Path, new_path: Path, options: RenderOptions = DEFAULT_OPTIONS) -> Diff:
    """What changed from ``old_path`` to ``new_path``: figures, and the sentences they change, both
    rendered with ``options`` (but the charts)."""
    from generator.errors import CheckFailed
    from generator.jobs.pipeline import catalog, prepare
    from generator.profile import load_profile
    from generator.workbook.load import load_workbook

    profile = load_profile(options.templates)
    formats = catalog(options, profile)
    result = Diff(
        figure_changes(
            load_workbook(old_path, profile.variant, formats), load_workbook(new_path, profile.variant, formats)
        )
    )
    try:  # the sentences only: a profile's charts are not drawn for them
        sentences = replace(options, charts=False)
        old_html = prepare(old_path, sentences).html
        new_html = prepare(new_path, sentences).html
    except CheckFailed as exc:
        result.note = f"{exc.path.name} 有错误，无法生成文档，因此不比较叙述：请先用 check 修正。"
        return result
    result.sentences = sentence_changes(old_html, new_html)
    return result
