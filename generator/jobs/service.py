"""Turn a job of a front end (render a workbook) into an ``Outcome``: the one way cli, batch, watch and web run one.

Every front end renders through ``render_job``, says what went wrong with ``clerk_message``
and recognises a workbook's file name with ``is_workbook_name``; what differs between them is
only how they show an ``Outcome``.
"""

from __future__ import annotations

import contextlib
import threading
import traceback
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from generator.errors import BudgetError, CheckFailed, Finding, WorkbookError
from generator.jobs import pipeline, workers
from generator.options import DEFAULT_OPTIONS, RenderOptions

if TYPE_CHECKING:
    from generator.formats import Format
    from generator.workbook.model import Budget

Status = Literal["ok", "errors", "refused", "failed"]

# How an error that is not the package's own (a bug, a missing library) is worded; ``{name}`` is
# the workbook's file name, ``{kind}`` the exception's type. The command line's is the default;
# a batch names the workbook, and the web page adds that no document was made. Each front end
# keeps the wording its clerks (and its tests) know.
INTERNAL = "内部错误：{kind}：{message}（加 --debug 查看详情）"
INTERNAL_BATCH = "{name}：内部错误：{kind}：{message}"
INTERNAL_WEB = "{name}：内部错误（{kind}：{message}），未生成文档。"


def clerk_message(exc: BaseException, *, internal: str = INTERNAL, name: str = "") -> str:
    """What a clerk is told: a ``BudgetError``'s own message, else ``internal`` filled in."""
    if isinstance(exc, BudgetError):
        return str(exc)
    return internal.format(name=name, kind=type(exc).__name__, message=exc)


def is_workbook_name(name: str) -> bool:
    """Whether a file name (or a path inside a folder or zip, with / or \\) names a workbook to process.

    An .xlsx file, but not Excel's lock file (~$…), a hidden file (.…, which includes macOS's
    ._ resource forks) or anything in a zip's __MACOSX folder.
    """
    path = name.replace("\\", "/")
    base = path.rsplit("/", 1)[-1]
    return base.lower().endswith(".xlsx") and not base.startswith(("~$", ".")) and not path.startswith("__MACOSX/")


@dataclass
class Outcome:
    """What became of one workbook: the documents written and the findings, or why not."""

    workbook: Path
    written: list[Path] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    error: str | None = None  # the message for a clerk; None when every output was written
    trace: str | None = None  # the traceback, for --debug
    # ok | errors (the check found errors: in findings) | refused (the workbook cannot be read:
    # each problem in problems) | failed (anything else)
    status: Status = "ok"
    problems: list[str] = field(default_factory=list)
    internal: bool = False  # the error is not one of the package's own: a bug, worth a log
    budget: Budget | None = None  # the workbook as read, when it was
    # For a batch's summary (jobs/summary.py), plain data that pickles and serialises: the bureau
    # (部门名称) and budget year as read, the headline figures its document states
    # (``summary.document_figures``; also for a workbook the check found errors in, when it can be
    # read), its number of projects, and the written PDF's number of pages; its format's name and
    # title and the summary's columns for it (``summary.columns_of``): a sheet per format.
    department: str = ""
    budget_year: int | None = None
    title: str = ""  # the document's title as printed (its format's: 预算公开 or 决算)
    # Each table sheet's heading in the workbook's own format (code and title), for the findings' groups:
    # formats share codes (T1 is Shanghai's budget's 收支总表 and the 决算's 收入支出决算总表).
    headings: dict[str, str] = field(default_factory=dict)
    figures: dict[str, Decimal] | None = None
    projects: int | None = None
    pages: int | None = None
    format: str = ""
    format_title: str = ""
    format_kind: str = ""  # budget (预算公开) or final (决算公开)
    columns: tuple[tuple[str, str, str], ...] = ()
    # A failure's outputs from an earlier run, left in place (not deleted) but not made from this workbook.
    stale: list[Path] = field(default_factory=list)
    reused: bool = False  # not rendered: nothing it is made from changed since the last batch (jobs/manifest.py)

    def __post_init__(self) -> None:
        if self.error is not None and self.status == "ok":
            self.status = "failed"

    @property
    def ok(self) -> bool:
        return self.error is None

    @property
    def errors(self) -> int:
        return sum(f.severity == "error" for f in self.findings)

    @property
    def warnings(self) -> int:
        return sum(f.severity != "error" for f in self.findings)


def headings_of(fmt: Format) -> dict[str, str]:
    """Each table sheet of ``fmt`` by its code, as the findings of a workbook in it are grouped under."""
    return {spec.code: spec.heading for spec in fmt.tables}


def failed(workbook: Path, exc: Exception, *, internal: str = INTERNAL) -> Outcome:
    """The outcome of a job that raised ``exc`` (call it in the ``except`` block: it keeps the traceback)."""
    outcome = Outcome(
        workbook,
        error=clerk_message(exc, internal=internal, name=workbook.name),
        trace=traceback.format_exc(),
        internal=not isinstance(exc, BudgetError),
    )
    if isinstance(exc, CheckFailed):
        outcome.status, outcome.findings = "errors", list(exc.findings)
        if exc.budget is not None:
            outcome.headings = headings_of(exc.budget.format)
    elif isinstance(exc, WorkbookError):
        outcome.status, outcome.problems = "refused", [str(p) for p in exc.problems]
    return outcome


# WeasyPrint keeps its fonts per process: where the PDF cannot be laid out in a forked process of
# its own (another thread runs, as in the web server), renders in this process go one at a time.
_IN_PROCESS = threading.Lock()


def render_job(
    workbook: Path,
    outdir: Path,
    formats: Iterable[str] = pipeline.DEFAULT_FORMATS,
    options: RenderOptions = DEFAULT_OPTIONS,
    *,
    parallel: bool = True,
    internal: str = INTERNAL,
    summarise: bool = False,
    on_wait: Callable[[str], None] | None = None,
) -> Outcome:
    """Check and render ``workbook`` into ``outdir`` with ``options`` (``pipeline.render``) and say what became of it.

    Never raises but for Ctrl+C: every error is in the outcome, worded with ``clerk_message``.
    The outcome of a render carries its document's headline figures and its PDF's pages; with
    ``summarise`` (a batch's summary) a workbook the check found errors in gets its figures too,
    read once more, since the failed render kept nothing of it. ``on_wait`` is ``pipeline.render``'s
    (told when another process is writing the same outputs).
    """
    serial = contextlib.nullcontext() if workers.can_fork() else _IN_PROCESS
    try:
        with serial:
            prepared, written = pipeline.render(
                workbook, outdir, formats, options=options, parallel=parallel, on_wait=on_wait
            )
    except CheckFailed as exc:
        outcome = failed(workbook, exc, internal=internal)
        if summarise:
            _refused_figures(outcome, exc, options)
        return outcome
    except Exception as exc:
        return failed(workbook, exc, internal=internal)
    from generator.jobs import summary

    outcome = Outcome(workbook, written, list(prepared.findings), budget=prepared.budget)
    outcome.pages = prepared.pages
    if prepared.budget is not None:
        outcome.headings = headings_of(prepared.budget.format)
    document = prepared.document
    if document is not None:  # what a batch's summary shows
        outcome.department, outcome.budget_year, outcome.title = document.bureau, document.year, document.title
        outcome.figures, outcome.projects = summary.document_figures(document, prepared.budget.format)
        summary.mark_format(outcome, prepared.budget.format)
    return outcome


def _refused_figures(outcome: Outcome, refusal: CheckFailed, options: RenderOptions) -> None:
    """The figures of a workbook the check refused, computed as its document would state them from
    the tables the check read, so that a batch's summary shows them.

    Nothing when it cannot be done: the outcome already says what is wrong with the workbook.
    """
    from generator.jobs import summary

    if refusal.budget is None or refusal.book is None or refusal.done is None:
        return
    summary.mark_format(outcome, refusal.budget.format)
    try:
        outcome.department, outcome.budget_year, outcome.figures, outcome.projects = summary.refused_figures(
            refusal.budget, refusal.book, refusal.done, options.templates
        )
    except Exception:  # the figures are a courtesy; the findings are the outcome
        return
