"""Shared fixtures: the example (read, rendered once, broken copies) and a small budget in the blank workbook."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import openpyxl
import pytest
from support import EXAMPLE, YEAR, Editor, Rows, fill_small, values_copy

from generator.options import RenderOptions
from generator.workbook.blank import write_blank

Edit = Callable[[Editor], object]


@pytest.fixture(scope="session")
def example_path() -> Path:
    """The example workbook in inputs/ (never written to)."""
    if not EXAMPLE.exists():
        pytest.fail(f"{EXAMPLE} is missing: run python tools/build_example.py")
    return EXAMPLE


@pytest.fixture(scope="session")
def example_document(example_path: Path):
    """The example prepared once (checked, computed, its HTML written) for all the render tests."""
    from generator.jobs import pipeline

    return pipeline.prepare(example_path)


@pytest.fixture(scope="session")
def example_html(example_document) -> str:
    return example_document.html


@pytest.fixture(scope="session")
def example_outputs(example_path: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The example rendered once as PDF, DOCX and HTML: {"pdf": path, "docx": path, "html": path}."""
    from generator.jobs import pipeline

    out = tmp_path_factory.mktemp("rendered")
    _prepared, written = pipeline.render(example_path, out, ("pdf", "docx", "html"))
    return {p.suffix.lstrip("."): p for p in written}


@pytest.fixture(scope="session")
def charted(example_path: Path, tmp_path_factory: pytest.TempPathFactory):
    """The example rendered once with its charts (``--charts``): (prepared, {"pdf": …, "docx": …, "html": …})."""
    from generator.jobs import pipeline

    out = tmp_path_factory.mktemp("charted")
    prepared, written = pipeline.render(example_path, out, ("pdf", "docx", "html"), options=RenderOptions(charts=True))
    return prepared, {p.suffix.lstrip("."): p for p in written}


@pytest.fixture(scope="session")
def example_values(example_path: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The example's cell values in a plain workbook: what ``broken`` copies unless told otherwise."""
    return values_copy(example_path, tmp_path_factory.mktemp("example") / example_path.name)


@pytest.fixture(scope="session")
def rows(example_values: Path) -> Rows:
    """The example's row numbers, looked up by content."""
    return Rows(example_values)


def _edited(source: Path, target: Path, edit: Edit | None) -> Path:
    shutil.copyfile(source, target)
    wb = openpyxl.load_workbook(target)
    if edit is not None:
        edit(Editor(wb))
    wb.save(target)
    return target


@pytest.fixture
def broken(example_path: Path, example_values: Path, tmp_path: Path) -> Callable[..., Path]:
    """``broken(edit)``: a copy of the example in tmp_path, edited by ``edit(editor)``, saved; its path.

    ``full=True`` copies the example file itself (styles, validations, 500 formatted rows) instead
    of its values-only copy: slower, for the tests that show the same on the file a clerk has.
    """
    count = 0

    def make(edit: Edit | None = None, *, full: bool = False, name: str | None = None) -> Path:
        nonlocal count
        count += 1
        target = tmp_path / (name or f"broken{count}.xlsx")
        return _edited(example_path if full else example_values, target, edit)

    return make


@pytest.fixture(scope="session")
def blank_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The blank workbook as ``write_blank`` (what ``budget-report init`` calls) writes it; never edited."""
    path = tmp_path_factory.mktemp("blank") / "blank.xlsx"
    write_blank(path, year=YEAR)
    return path


@pytest.fixture(scope="session")
def blank_values(blank_path: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The blank workbook's values (titles, headers, labels) in a plain workbook."""
    return values_copy(blank_path, tmp_path_factory.mktemp("blank") / "blank-values.xlsx")


@pytest.fixture
def small(blank_values: Path, tmp_path: Path) -> Callable[..., Path]:
    """``small(edit)``: the blank workbook filled with the small consistent budget, then ``edit``-ed."""
    count = 0

    def make(edit: Edit | None = None) -> Path:
        nonlocal count
        count += 1

        def both(editor: Editor) -> None:
            fill_small(editor)
            if edit is not None:
                edit(editor)

        return _edited(blank_values, tmp_path / f"small{count}.xlsx", both)

    return make
