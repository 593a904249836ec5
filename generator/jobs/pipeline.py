"""Run the stages in order for one workbook: load → derive → check → compute → render, and write the outputs safely."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING

from generator.errors import BudgetError, CheckFailed
from generator.gcpause import gc_paused
from generator.jobs import outputs, scratch, workers
from generator.options import DEFAULT_OPTIONS, RenderOptions
from generator.profile import Profile, load_profile

if TYPE_CHECKING:
    from generator.errors import Finding
    from generator.formats import Catalog
    from generator.reference.codes import CodeBook
    from generator.stages.charts import Chart
    from generator.stages.compute import Document
    from generator.stages.declared import DeclaredDocument
    from generator.stages.derive import Complete
    from generator.workbook.model import Budget

# The stages are imported where they are first used, not here: ``render`` forks its PDF process
# before anything else, and the earlier it forks the sooner WeasyPrint is loaded there. Loading
# openpyxl, Jinja and the stages first took 0.2 s of every render (python -X importtime).

FORMATS = ("pdf", "docx", "html")
DEFAULT_FORMATS = ("pdf", "docx")


@dataclass
class Prepared:
    """A workbook read, checked and computed: what every output is made from."""

    budget: Budget
    findings: list[Finding]
    document: Document | DeclaredDocument
    html: str
    profile: Profile = field(default_factory=Profile)
    bureau_css: str = ""
    done: Complete | None = None  # the tables as derived once (``derive.complete``), checked and computed from
    charts: dict[str, Chart] = field(default_factory=dict)  # the charts shown, when the bureau wants them
    pages: int | None = None  # the PDF's number of pages, once ``render`` has written it
    # The PDF's page of each anchor (HTML id), waiting for its layout: the DOCX's 目录 numbers. None: no PDF
    anchor_pages: Callable[[], dict[str, int] | None] | None = None

    @property
    def extra_css(self) -> str:
        """CSS laid over the built-in stylesheet for the PDF: the bureau's style.css, then its profile's fonts."""
        return "\n".join(part for part in (self.bureau_css, self.profile.pdf_css()) if part)


def import_stages() -> None:
    """Import the stages now: a process that forks workers (batch) gives them the modules loaded."""
    from generator.reference import codes  # noqa: F401
    from generator.render import html  # noqa: F401
    from generator.stages import check, compute, derive  # noqa: F401
    from generator.workbook import load  # noqa: F401


def check_previous(previous: Path | None, options: RenderOptions = DEFAULT_OPTIONS) -> None:
    """Read last year's workbook once before a run over many workbooks: an unreadable one stops it at the start.

    ``options`` give the formats it may name (``catalog``).
    """
    if previous is not None:
        from generator.jobs.nextyear import read_last_year

        read_last_year(previous, catalog(options))


def check_budget(options: RenderOptions = DEFAULT_OPTIONS) -> None:
    """Read the budget workbook (``options.budget``) once before a run: an unreadable one stops it at the start."""
    if options.budget is not None:
        from generator.stages.budgetlink import read_budget

        read_budget(options.budget, catalog(options))


def inspect(path: Path, options: RenderOptions = DEFAULT_OPTIONS) -> tuple[Budget, list[Finding], CodeBook]:
    """Load and check: the findings and the code book they were checked against, without the document.

    With ``options.previous`` (last year's workbook) each 上年数 figure is checked against the
    figure that workbook gives; one that cannot be read raises ``LastYearError`` before ``path`` is read.
    With ``options.budget`` (a 决算's budget workbook) so is each 年初预算数 (``BudgetLinkError``).
    """
    budget, findings, book, _done = _inspect(path, options, load_profile(options.templates))
    return budget, findings, book


def _inspect(path: Path, options: RenderOptions, profile: Profile) -> tuple[Budget, list[Finding], CodeBook, Complete]:
    """Load → derive → check: the stages' values, the tables derived once for the check and the document.

    ``profile`` is the bureau's (read once by the caller): its [format] says which of the format's
    tables it does not publish, and its formats (with --format-dir) which formats besides the
    built-in ones a workbook may name.
    """
    from generator.jobs.nextyear import read_last_year
    from generator.reference import codelist
    from generator.stages import derive
    from generator.stages.budgetlink import BudgetLinkError, read_budget, wants_budget
    from generator.stages.check import check
    from generator.workbook.load import load_workbook

    with gc_paused():
        formats = catalog(options, profile)
        last = read_last_year(options.previous, formats) if options.previous is not None else None
        planned = read_budget(options.budget, formats) if options.budget is not None else None
        budget = load_workbook(path, profile.variant, formats)
        if planned is not None and not wants_budget(budget.format):
            raise BudgetLinkError(
                f"{path.name}：--budget 只用于有年初预算数列的决算格式，本工作簿的公开格式 {budget.format.name}"
                f"（{budget.format.title}）没有"
            )
        book = codelist.code_book(budget.year, codes=options.codes, templates=options.templates)
        done = derive.complete(budget, book)
        return budget, check(budget, book, last, done, planned), book, done


def catalog(options: RenderOptions, profile: Profile | None = None) -> Catalog:
    """The formats a workbook may name: the built-in ones, ``--format-dir``'s and the profile's ``formats``."""
    from generator.formats import Catalog

    profile = profile if profile is not None else load_profile(options.templates)
    return Catalog(tuple(p for p in (options.format_dir, profile.formats) if p is not None))


def prepare(path: Path, options: RenderOptions = DEFAULT_OPTIONS) -> Prepared:
    """Load, derive, check and compute ``path``; raise ``CheckFailed`` when the check finds errors.

    ``options.charts`` turns the narrative's charts on (True) or off (False) whatever the bureau's
    ``profile.toml`` says; None leaves it to the profile (off without one).
    """
    from generator.render.html import render_html
    from generator.stages.charts import charts_of, declared_charts
    from generator.stages.check import has_errors
    from generator.stages.declared import DeclaredDocument

    with gc_paused():
        profile = load_profile(options.templates)
        budget, findings, book, done = _inspect(path, options, profile)
        if has_errors(findings):
            raise CheckFailed(path, findings, budget=budget, book=book, done=done)
        if options.charts is not None:
            profile = replace(profile, charts=options.charts)
        document = build(budget, book, profile, done)
        if not profile.charts:
            shown = {}
        elif isinstance(document, DeclaredDocument):
            shown = declared_charts(document, budget.format.charts)
        else:
            shown = charts_of(document)
        html = render_html(document, options.templates, charts=shown, chart_face=profile.chart_face)
        return Prepared(budget, findings, document, html, profile, _bureau_css(options.templates), done, shown)


def build(budget: Budget, book: CodeBook, profile: Profile, done: Complete) -> Document | DeclaredDocument:
    """The document model of a checked workbook: its format's engine's (Henan's Python, or the declarations)."""
    if budget.format.engine == "declared":
        from generator.stages.declared import build_declared

        return build_declared(budget, done, profile)
    from generator.stages.compute import build_document

    return build_document(budget, book, profile, done)


def _bureau_css(templates: Path | None) -> str:
    """A bureau's own stylesheet (its folder's style.css), applied after the built-in one."""
    from generator.render.sandbox import bureau_file  # a link out of the folder is refused

    found = bureau_file(templates, "style.css") if templates is not None else None
    return found.read_text(encoding="utf-8") if found is not None else ""


def write_atomic(target: Path, write: Callable[[Path], None]) -> None:
    """Write ``target`` through a temporary file in its folder, then rename: never a partial file.

    The temporary file is locked while it is written (``outputs.Part``), so that a later start
    removes it if this process is killed, and a full disk is ``outputs.DiskFull`` naming ``target``.
    """
    outputs.write_atomic(target, write)


def remove_partial_files(outdir: Path, stem: str) -> None:
    """The temporary files left for ``stem``'s outputs by a process that died while writing them
    (those no live process holds); a set it left half renamed is finished first."""
    outputs.remove_partial_files(outdir, stem)


class RenderFailed(BudgetError):
    """An output could not be written; the earlier outputs are untouched."""


def render(
    path: Path,
    outdir: Path,
    formats: Iterable[str] = DEFAULT_FORMATS,
    options: RenderOptions = DEFAULT_OPTIONS,
    *,
    parallel: bool = True,
    on_wait: Callable[[str], None] | None = None,
) -> tuple[Prepared, list[Path]]:
    """Render the workbook at ``path`` into ``outdir`` as ``<stem>.pdf``/``.docx``/``.html``, made
    with ``options`` (``prepare``'s; and ``options.pdf_variant`` for the PDF).

    With ``parallel`` (and where processes can be forked) the PDF is laid out in a process of its
    own, started before the workbook is read: WeasyPrint loads while the workbook does, the other
    formats are written while the PDF is laid out, and the layout memory goes back to the system
    when that process ends.

    The outputs are replaced as a set (``outputs.OutputSet``): each is written to a temporary file,
    and only once all are written are they renamed into place, so the folder holds all the new
    ones or all the old ones; a failure leaves no file and names the output that failed. One
    process at a time writes the outputs of one name: another waits (saying so once through
    ``on_wait``) for up to ``outputs.WAIT_SECONDS`` and then gives up (``outputs.Busy``).
    """
    formats = tuple(formats)
    scratch.sweep_once(prefix=scratch.PROCESS_PREFIX)  # what killed renders' processes left in the temporary folder
    targets = {fmt: outdir / f"{path.stem}.{fmt}" for fmt in formats}
    written = outputs.OutputSet(outdir, path.stem, targets.values())
    pdf_process = (
        workers.PdfProcess.start(targets["pdf"], options.pdf_variant, written.fill)
        if parallel and "pdf" in formats
        else None
    )
    done: set[str] = set()
    failed: dict[str, BaseException] = {}
    finished = False
    try:
        prepared = prepare(path, options)
        written.claim(on_wait=on_wait)  # the one writer of these names now; the temporary files are made
        if pdf_process is not None:
            pdf_process.submit(prepared.html, prepared.extra_css)
            prepared.anchor_pages = pdf_process.anchor_pages
        for fmt in sorted(formats, key=lambda f: f != "pdf"):  # a PDF written here first: the DOCX takes its pages
            if fmt == "pdf" and pdf_process is not None:
                continue
            try:
                written.fill(targets[fmt], _writer(fmt, prepared, options))
            except BudgetError:
                raise
            except Exception as exc:
                failed[fmt] = exc
                break
            done.add(fmt)
        if pdf_process is not None and not failed:
            error = pdf_process.result()
            if isinstance(error, BudgetError):
                raise error
            if error is None:
                done.add("pdf")
                prepared.pages = pdf_process.pages
            else:
                failed["pdf"] = error
        if not failed:
            written.commit()
            finished = True
    except outputs.DiskFull as exc:
        raise RenderFailed(f"{path.name}：{exc}；未写入任何文件，原有文件保持不变") from exc
    except outputs.Busy as exc:
        raise RenderFailed(f"{path.name}：{exc}") from exc
    finally:
        if pdf_process is not None:
            pdf_process.close(stop=not finished)  # a failure or an interruption stops a PDF still being laid out
        written.release()  # the temporary files not put in place go; the next writer may start
    for fmt in formats:
        if fmt in failed:
            cause, target = failed[fmt], targets[fmt]
            kind = cause.kind if isinstance(cause, workers.ProcessError) else type(cause).__name__
            raise RenderFailed(
                f"{path.name}：生成 {target.name} 失败（{kind}：{cause}）；未写入任何文件，原有文件保持不变"
            ) from cause
    return prepared, [targets[fmt] for fmt in formats]


def _pictures(prepared: Prepared) -> Callable[[str], bytes]:
    """The DOCX's chart pictures: each chart of the document drawn as PNG, in the face its SVG has in the PDF."""

    def picture(key: str) -> bytes:
        from generator.render import charts

        return charts.png(prepared.charts[key], prepared.profile.chart_face)

    return picture


def _writer(fmt: str, prepared: Prepared, options: RenderOptions) -> Callable[[Path], None]:
    if fmt == "html":

        def write_html(tmp: Path) -> None:
            tmp.write_text(prepared.html, encoding="utf-8")

        return write_html
    if fmt == "pdf":
        from generator.render.pdf import write_pdf

        def write_pdf_file(tmp: Path) -> None:
            prepared.pages = write_pdf(
                prepared.html, tmp, variant=options.pdf_variant, extra_css=prepared.extra_css, on_layout=keep_anchors
            )

        def keep_anchors(document: object) -> None:
            from generator.render.pdf import anchor_pages

            pages = anchor_pages(document)  # type: ignore[arg-type]
            prepared.anchor_pages = lambda: pages

        return write_pdf_file
    if fmt == "docx":
        from generator.render.docx import DocxFonts, write_docx
        from generator.render.sandbox import bureau_file  # a link out of the folder is refused

        reference = bureau_file(options.templates, "reference.docx") if options.templates is not None else None
        fonts = DocxFonts(**prepared.profile.docx_fonts)
        return lambda tmp: write_docx(
            prepared.html,
            tmp,
            reference_docx=reference,
            fonts=fonts,
            core_date=prepared.document.created.replace(tzinfo=None),
            pictures=_pictures(prepared),
            page_numbers=lambda: prepared.anchor_pages() if prepared.anchor_pages is not None else None,
        )
    raise ValueError(fmt)
