"""Run the stages in order for one workbook: load → check → compute → render, and write the outputs safely."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from .check import check, has_errors
from .codes import load_codes
from .compute import Document, build_document
from .errors import BudgetError, CheckFailed, Finding
from .load import load_workbook
from .model import Budget
from .render.html import render_html

FORMATS = ("pdf", "docx", "html")
DEFAULT_FORMATS = ("pdf", "docx")


@dataclass
class Prepared:
    """A workbook read, checked and computed: what every output is made from."""

    budget: Budget
    findings: list[Finding]
    document: Document
    html: str


def inspect(path: Path) -> tuple[Budget, list[Finding]]:
    """Load and check: the findings, without computing the document."""
    budget = load_workbook(path)
    return budget, check(budget, load_codes(budget.year))


def prepare(path: Path, *, templates: Path | None = None) -> Prepared:
    """Load, check and compute ``path``; raise ``CheckFailed`` when the check finds errors."""
    budget, findings = inspect(path)
    if has_errors(findings):
        raise CheckFailed(path, findings)
    document = build_document(budget, load_codes(budget.year))
    return Prepared(budget, findings, document, render_html(document, templates))


def write_atomic(target: Path, write: Callable[[Path], None]) -> None:
    """Write ``target`` through a temporary file in its folder, then rename: never a partial file."""
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{target.stem}.", suffix=target.suffix + ".part", dir=target.parent)
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        write(tmp)
        os.replace(tmp, target)
    finally:
        tmp.unlink(missing_ok=True)


class RenderFailed(BudgetError):
    """An output could not be written; the earlier outputs are untouched."""


def render(
    path: Path,
    outdir: Path,
    formats: Iterable[str] = DEFAULT_FORMATS,
    *,
    templates: Path | None = None,
    pdf_variant: str | None = None,
) -> tuple[Prepared, list[Path]]:
    """Render the workbook at ``path`` into ``outdir`` as ``<stem>.pdf``/``.docx``/``.html``."""
    prepared = prepare(path, templates=templates)
    written: list[Path] = []
    for fmt in formats:
        target = outdir / f"{path.stem}.{fmt}"
        try:
            write_atomic(target, _writer(fmt, prepared, templates, pdf_variant))
        except BudgetError:
            raise
        except Exception as exc:
            done = "、".join(p.name for p in written) or "无"
            raise RenderFailed(
                f"{path.name}：生成 {target.name} 失败（{type(exc).__name__}：{exc}）；未写入 {target.name}，"
                f"已写入：{done}；原有文件保持不变"
            ) from exc
        written.append(target)
    return prepared, written


def _writer(fmt: str, prepared: Prepared, templates: Path | None, pdf_variant: str | None) -> Callable[[Path], None]:
    if fmt == "html":
        return lambda tmp: tmp.write_text(prepared.html, encoding="utf-8")
    if fmt == "pdf":
        from .render.pdf import write_pdf

        return lambda tmp: write_pdf(prepared.html, tmp, variant=pdf_variant)
    if fmt == "docx":
        from .render.docx import write_docx

        reference = templates / "reference.docx" if templates and (templates / "reference.docx").is_file() else None
        return lambda tmp: write_docx(
            prepared.html, tmp, reference_docx=reference, core_date=prepared.document.created.replace(tzinfo=None)
        )
    raise ValueError(fmt)
