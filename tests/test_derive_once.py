"""The pipeline derives the tables once per workbook: load → derive → check → compute → render."""

from __future__ import annotations

from pathlib import Path

import pytest
from support import EXAMPLE

from generator.jobs import nextyear, pipeline
from generator.stages import derive
from generator.workbook.model import Budget


@pytest.fixture
def derivations(monkeypatch: pytest.MonkeyPatch) -> list[Budget]:
    """The budgets ``derive.complete`` was called with, one entry per call (it still derives)."""
    calls: list[Budget] = []
    real = derive.complete

    def counting(budget: Budget, codes=None):  # type: ignore[no-untyped-def]
        calls.append(budget)
        return real(budget, codes)

    monkeypatch.setattr(derive, "complete", counting)
    return calls


def test_render_derives_once(derivations: list[Budget], tmp_path: Path) -> None:
    prepared, written = pipeline.render(EXAMPLE, tmp_path, ("html", "docx"), parallel=False)
    assert [p.name for p in written] == [f"{EXAMPLE.stem}.html", f"{EXAMPLE.stem}.docx"]
    assert len(derivations) == 1
    assert prepared.done is not None and derivations == [prepared.budget]


def test_prepare_derives_once(derivations: list[Budget]) -> None:
    prepared = pipeline.prepare(EXAMPLE)
    assert len(derivations) == 1
    assert prepared.done is not None


def test_inspect_derives_once(derivations: list[Budget]) -> None:
    pipeline.inspect(EXAMPLE)
    assert len(derivations) == 1


def test_next_year_derives_last_once(derivations: list[Budget]) -> None:
    nextyear.start_from(EXAMPLE)
    assert len(derivations) == 1
    nextyear.read_last_year.cache_clear()
    nextyear.read_last_year(EXAMPLE)
    assert len(derivations) == 2


def test_the_derived_value_holds_ys01_ys04_from_the_detail() -> None:
    """What the check compares a filled YS01/YS04 with: the tables derived with those sheets left empty."""
    from generator.reference.codes import load_codes
    from generator.workbook.load import load_workbook
    from generator.workbook.model import Table
    from generator.workbook.schema import TABLES_BY_CODE

    budget = load_workbook(EXAMPLE)
    codes = load_codes(budget.year)
    done = derive.complete(budget, codes)
    for code in ("YS01", "YS04"):
        empty = Table(TABLES_BY_CODE[code])
        stripped = Budget(budget.source, budget.facts, budget.prior, {**budget.tables, code: empty})
        assert done.from_detail[code] == derive.complete(stripped, codes).tables[code]
