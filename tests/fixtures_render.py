"""Session fixtures that render the example once for all render tests (imported by conftest.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

EXAMPLE = Path(__file__).resolve().parents[1] / "inputs" / "义马市工业信息化和科技局2024.xlsx"


@pytest.fixture(scope="session")
def example_document():
    from generator.jobs import pipeline

    return pipeline.prepare(EXAMPLE)


@pytest.fixture(scope="session")
def example_html(example_document) -> str:
    return example_document.html


@pytest.fixture(scope="session")
def example_outputs(tmp_path_factory) -> dict[str, Path]:
    from generator.jobs import pipeline

    out = tmp_path_factory.mktemp("rendered")
    _prepared, written = pipeline.render(EXAMPLE, out, ("pdf", "docx", "html"))
    return {p.suffix.lstrip("."): p for p in written}
