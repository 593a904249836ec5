"""Turn what goes wrong into errors and findings that name the file, sheet and cell, in Chinese."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:
    from generator.reference.codes import CodeBook
    from generator.stages.derive import Complete
    from generator.workbook.model import Budget

Severity = Literal["error", "warning"]
SEVERITY_TEXT: dict[str, str] = {"error": "错误", "warning": "警告"}  # a severity as a clerk reads it


@cache
def _table_codes() -> tuple[str, ...]:
    """The table codes of the built-in formats, longest first (so that no code cuts a longer one short)."""
    from generator.formats import builtin, builtin_names  # the formats import this module

    codes = {code for name in builtin_names() for code in builtin(name).codes}
    return tuple(sorted(codes, key=lambda code: (-len(code), code)))


def sheet_code(sheet: str) -> str:
    """A table sheet's code (its first word, a table code of a built-in format); any other sheet's own name.

    The code may be followed by anything but a digit: "YS06 一般公共预算基本支出情况表" → "YS06".
    """
    name = unicodedata.normalize("NFKC", sheet).strip()
    for code in _table_codes():
        if name.startswith(code) and not name[len(code) : len(code) + 1].isdigit():
            return code
    return sheet


def cell_ref(sheet: str, cell: str | None) -> str:
    """ "YS06!E12", or just the sheet when there is no cell."""
    code = sheet_code(sheet)
    return f"{code}!{cell}" if cell else code


@dataclass(frozen=True)
class Problem:
    """One reason a workbook cannot be read, at a sheet and cell when there is one."""

    message: str
    sheet: str | None = None
    cell: str | None = None

    def __str__(self) -> str:
        if self.sheet is None:
            return self.message
        return f"{cell_ref(self.sheet, self.cell)}：{self.message}"


class BudgetError(Exception):
    """Base of the errors this package raises on purpose; the CLI prints them without a traceback."""


class WorkbookError(BudgetError):
    """The workbook cannot be read: every problem found, each at its sheet and cell."""

    def __init__(self, path: Path | str, problems: list[Problem]):
        self.path = Path(path)
        self.problems = problems
        super().__init__(str(self))

    def __str__(self) -> str:
        return self.describe()

    def describe(self, head: str = "") -> str:
        """Its problems under ``head`` (default: 无法读取工作簿 NAME): one on the line, several below it."""
        head = head or f"无法读取工作簿 {self.path.name}"
        if len(self.problems) == 1:
            return f"{head}：{self.problems[0]}"
        lines = [f"{head}，发现 {len(self.problems)} 处问题："]
        lines += [f"  {p}" for p in self.problems]
        return "\n".join(lines)


@dataclass(frozen=True)
class Finding:
    """One result of the consistency check (勾稽): a rule broken, at a sheet and cell."""

    severity: Severity
    sheet: str  # the table code (YS03) or sheet name (基本信息)
    cell: str | None
    rule: str
    message: str
    expected: str | None = None
    found: str | None = None

    @property
    def where(self) -> str:
        return cell_ref(self.sheet, self.cell)

    def line(self) -> str:
        """The one-line Chinese form printed by ``check``."""
        text = f"[{SEVERITY_TEXT[self.severity]}] {self.where} {self.rule}：{self.message}"
        if self.expected is not None or self.found is not None:
            text += f"（应为 {self.expected}，实为 {self.found}）"
        return text

    def as_dict(self) -> dict[str, str | None]:
        return {
            "severity": self.severity,
            "sheet": self.sheet,
            "cell": self.cell,
            "where": self.where,
            "rule": self.rule,
            "message": self.message,
            "expected": self.expected,
            "found": self.found,
        }


class CheckFailed(BudgetError):
    """The workbook has errors that block rendering."""

    def __init__(
        self,
        path: Path,
        findings: list[Finding],
        *,
        budget: Budget | None = None,
        book: CodeBook | None = None,
        done: Complete | None = None,
    ):
        self.path = path
        self.findings = findings
        # The stages' values the check read (the workbook, its code book and complete tables): a
        # batch's summary states a refused workbook's figures from them without reading it again.
        self.budget, self.book, self.done = budget, book, done
        errors = [f for f in findings if f.severity == "error"]
        lines = [f"工作簿 {path.name} 有 {len(errors)} 处错误，未生成文档："]
        lines += [f"  {f.line()}" for f in errors]
        super().__init__("\n".join(lines))


class TemplateProblem(BudgetError):
    """A template (built-in or a bureau's) cannot be rendered: named with its line, in Chinese."""


class OutsideFolder(TemplateProblem):
    """A file of a bureau's template folder leads outside the folder (a link): refused, named, nothing read."""
