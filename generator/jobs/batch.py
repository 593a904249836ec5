"""Turn many workbooks (files, or folders of .xlsx files) into their documents, one worker process per workbook."""

from __future__ import annotations

import functools
import os
import re
import sys
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from generator.errors import BudgetError
from generator.jobs import manifest, outputs, pipeline, scratch, service, workers
from generator.options import DEFAULT_OPTIONS, RenderOptions

# What became of one workbook: the service's outcome, as every front end has it.
Outcome = service.Outcome


@dataclass
class BatchResult:
    """Every workbook's outcome, in the order given, and the wall time of the whole batch."""

    outcomes: list[Outcome]
    seconds: float
    jobs: int
    peak_rss_kib: int = 0  # the largest peak resident memory of one worker (including pages shared with this process)

    @property
    def failures(self) -> list[Outcome]:
        return [o for o in self.outcomes if not o.ok]


def collect(paths: Iterable[Path]) -> list[Path]:
    """The workbooks named: files as given, and the .xlsx files directly inside each folder, sorted.

    Excel's lock files (~$…) and hidden files are left out.
    """
    found: list[Path] = []
    for path in paths:
        if path.is_dir():
            found += sorted(p for p in path.iterdir() if service.is_workbook_name(p.name) and p.is_file())
        else:
            found.append(path)
    unique: dict[Path, Path] = {}
    for p in found:
        unique.setdefault(p.resolve(), p)
    return list(unique.values())


_YEAR = re.compile(r"(?<!\d)(19|20)\d{2}(?!\d)")


def last_years_workbook(workbook: Path, folder: Path) -> Path:
    """The workbook in ``folder`` that is ``workbook``'s last year: the same name, or the same name
    with each year in it one less (柳溪县卫生健康局2026.xlsx → 柳溪县卫生健康局2025.xlsx).

    ``LastYearError`` when there is none: a workbook is never compared with a guess.
    """
    from generator.jobs.nextyear import LastYearError

    earlier = _YEAR.sub(lambda m: str(int(m.group(0)) - 1), workbook.name)
    for name in dict.fromkeys((earlier, workbook.name)):
        candidate = folder / name
        if candidate.is_file():
            return candidate
    raise LastYearError(
        f"{workbook}：上年文件夹 {folder} 中没有它的上年工作簿（应为 {earlier}"
        + (f" 或 {workbook.name}" if earlier != workbook.name else "")
        + "），未生成"
    )


def default_jobs() -> int:
    """One worker per CPU this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def run(
    workbooks: Sequence[Path],
    outdir: Path,
    formats: Iterable[str] = pipeline.DEFAULT_FORMATS,
    options: RenderOptions = DEFAULT_OPTIONS,
    *,
    jobs: int | None = None,
    on_done: Callable[[Outcome], None] | None = None,
    force: bool = False,
    on_wait: Callable[[str], None] | None = None,
) -> BatchResult:
    """Render every workbook into ``outdir`` with ``options``, ``jobs`` at a time, each in a process of its own.

    ``options.previous`` is last year's workbook for all of them, or a folder holding each one's
    own (``last_years_workbook``); a workbook without one there fails, and the batch goes on.
    The other options are the same for every workbook.

    The processes are forked from this one once it has loaded WeasyPrint and the fonts, so each
    starts ready; each ends after its workbook, which returns WeasyPrint's layout memory. A
    workbook that fails (or a worker that dies) is recorded and the batch goes on; outputs are
    written through temporary files, so a failure leaves none behind.

    A workbook that nothing it is made from has changed in since the last batch into ``outdir``
    (its bytes, last year's, the templates, the code list, the options, the versions) and whose
    outputs are still as written is not rendered again, unless ``force``: its last outcome is
    reused (``Outcome.reused``). The record is ``outdir/.budget-report/manifest.json``
    (``manifest.Record``). A workbook that fails keeps its old outputs, named in ``Outcome.stale``.

    What a killed run left is swept first: temporary files in ``outdir`` and its record's folder,
    a set of outputs left half renamed (finished), the temporary folders of its processes.
    ``on_wait`` (it must pickle where workers are spawned) is told of a workbook whose outputs
    another process is writing (``pipeline.render``).
    """
    started = time.perf_counter()
    sweep(outdir)
    formats = tuple(formats)
    jobs = max(1, jobs or default_jobs())
    outcomes: dict[int, Outcome] = {}
    todo: list[tuple[int, Path]] = []
    lasts: dict[int, Path | None] = {}  # each workbook's last year's workbook
    stems: dict[str, int] = {}
    record = manifest.Record(outdir, formats, options, force=force)
    previous = options.previous
    for index, workbook in enumerate(workbooks):
        first = stems.setdefault(workbook.stem.casefold(), index)
        if first != index:
            other = workbooks[first]
            outcome = Outcome(workbook, error=f"{workbook}：与 {other} 的输出文件同名（{workbook.stem}.*），未生成")
            outcomes[index] = outcome
            if on_done:
                on_done(outcome)
            continue
        lasts[index] = previous
        if previous is not None and previous.is_dir():
            try:
                lasts[index] = last_years_workbook(workbook, previous)
            except BudgetError as exc:
                outcomes[index] = Outcome(workbook, error=str(exc))
                outcomes[index].stale = record.stale(workbook)
                record.keep(workbook)
                if on_done:
                    on_done(outcomes[index])
                continue
        reused = record.reuse(workbook, lasts[index])
        if reused is not None:
            outcomes[index] = reused
            if on_done:
                on_done(reused)
            continue
        todo.append((index, workbook))
    record.start(workbook for _index, workbook in todo)
    if todo and workers.forks_workers():
        _load_for_workers(formats)
    # A worker lays out its PDF in a second process only when there are spare CPUs for it.
    work = functools.partial(
        _render_one, outdir=outdir, formats=formats, options=options, parallel=len(todo) < jobs, on_wait=on_wait
    )
    peak = [0]

    def finished(done: workers.Finished[Outcome]) -> None:
        index, workbook = todo[done.index]
        if done.result is None:
            pipeline.remove_partial_files(outdir, workbook.stem)
            outcome = Outcome(workbook, error=f"{workbook.name}：工作进程意外退出（{done.death}），未生成文档")
        else:
            outcome = done.result
        peak[0] = max(peak[0], done.max_rss_kib)
        record.done(outcome)  # before on_done: it marks a failure's stale outputs
        outcomes[index] = outcome
        if on_done:
            on_done(outcome)

    tasks = [(workbook, lasts[index]) for index, workbook in todo]
    workers.run_each(tasks, work, jobs=jobs, on_finished=finished, name="batch")
    return BatchResult([outcomes[i] for i in sorted(outcomes)], time.perf_counter() - started, jobs, peak[0])


def sweep(outdir: Path) -> None:
    """Remove what killed runs into ``outdir`` left (never what a live process holds)."""
    scratch.sweep(prefix=scratch.PROCESS_PREFIX)
    outputs.sweep(outdir)
    outputs.sweep(outdir / manifest.FOLDER)


def _load_for_workers(formats: tuple[str, ...]) -> None:
    """Import and load, once, what every worker needs: forked workers inherit it."""
    pipeline.import_stages()
    if "pdf" in formats:
        from generator.render import pdf

        pdf.warm_up()
    if "docx" in formats:
        from generator.render import docx  # noqa: F401


def _render_one(
    task: tuple[Path, Path | None],
    *,
    outdir: Path,
    formats: tuple[str, ...],
    options: RenderOptions,
    parallel: bool,
    on_wait: Callable[[str], None] | None = None,
) -> Outcome:
    """In a worker process: render one workbook with the batch's ``options`` and its own last year's workbook
    (the batch's, or the one found in the batch's folder of them), and say what became of it."""
    workbook, previous = task
    try:
        outcome = service.render_job(
            workbook,
            outdir,
            formats,
            options=replace(options, previous=previous),
            parallel=parallel,
            internal=service.INTERNAL_BATCH,
            summarise=True,
            on_wait=on_wait,
        )
    finally:
        pdf = sys.modules.get("generator.render.pdf")
        if pdf is not None:
            pdf.release_fonts()  # the font folder of a worker that made its own (not forked: spawned)
    outcome.budget = None  # the batch needs the messages and counts, not the workbook sent through a pipe
    return outcome
