"""Turn many workbooks (files, or folders of .xlsx files) into their documents, one worker process per workbook."""

from __future__ import annotations

import multiprocessing
import multiprocessing.connection
import os
import re
import resource
import signal
import sys
import time
import traceback
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import cast

from generator.errors import BudgetError
from generator.jobs import pipeline


@dataclass
class Outcome:
    """What became of one workbook."""

    workbook: Path
    written: list[Path] = field(default_factory=list)
    warnings: int = 0
    error: str | None = None  # the message for a clerk; None when every output was written
    trace: str | None = None  # the worker's traceback, for --debug
    max_rss_kib: int = 0  # the worker's peak resident memory (including the pages it shares with this process)

    @property
    def ok(self) -> bool:
        return self.error is None


@dataclass
class BatchResult:
    """Every workbook's outcome, in the order given, and the wall time of the whole batch."""

    outcomes: list[Outcome]
    seconds: float
    jobs: int

    @property
    def failures(self) -> list[Outcome]:
        return [o for o in self.outcomes if not o.ok]

    @property
    def peak_rss_kib(self) -> int:
        """The largest peak resident memory of one worker process."""
        return max((o.max_rss_kib for o in self.outcomes), default=0)


def collect(paths: Iterable[Path]) -> list[Path]:
    """The workbooks named: files as given, and the .xlsx files directly inside each folder, sorted.

    Excel's lock files (~$…) and hidden files are left out.
    """
    found: list[Path] = []
    for path in paths:
        if path.is_dir():
            found += sorted(
                p
                for p in path.iterdir()
                if p.suffix.lower() == ".xlsx" and p.is_file() and not p.name.startswith(("~$", "."))
            )
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
    *,
    jobs: int | None = None,
    templates: Path | None = None,
    pdf_variant: str | None = None,
    on_done: Callable[[Outcome], None] | None = None,
    codes: Path | None = None,
    previous: Path | None = None,
) -> BatchResult:
    """Render every workbook into ``outdir``, ``jobs`` at a time, each in a process of its own.

    ``previous`` is last year's workbook for all of them, or a folder holding each one's own
    (``last_years_workbook``); a workbook without one there fails, and the batch goes on.

    The processes are forked from this one once it has loaded WeasyPrint and the fonts, so each
    starts ready; each ends after its workbook, which returns WeasyPrint's layout memory. A
    workbook that fails (or a worker that dies) is recorded and the batch goes on; outputs are
    written through temporary files, so a failure leaves none behind.
    """
    started = time.perf_counter()
    formats = tuple(formats)
    jobs = max(1, jobs or default_jobs())
    outcomes: dict[int, Outcome] = {}
    todo: list[tuple[int, Path]] = []
    lasts: dict[int, Path | None] = {}  # each workbook's last year's workbook
    stems: dict[str, int] = {}
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
                if on_done:
                    on_done(outcomes[index])
                continue
        todo.append((index, workbook))
    forking = sys.platform.startswith("linux")
    context = multiprocessing.get_context("fork") if forking else multiprocessing.get_context("spawn")
    if forking:
        _load_for_workers(formats)
    # A worker lays out its PDF in a second process only when there are spare CPUs for it.
    inner_parallel = len(todo) < jobs
    args = (outdir, formats, templates, pdf_variant, inner_parallel, codes)
    running: dict[multiprocessing.connection.Connection, tuple[int, Path, multiprocessing.process.BaseProcess]] = {}
    pending = list(reversed(todo))
    try:
        while pending or running:
            while pending and len(running) < jobs:
                index, workbook = pending.pop()
                conn, child_conn = context.Pipe(duplex=False)
                process = context.Process(
                    target=_worker, args=(child_conn, workbook, *args, lasts[index]), name=f"batch-{index}"
                )
                process.start()
                child_conn.close()
                running[conn] = (index, workbook, process)
            for ready in multiprocessing.connection.wait(list(running)):
                conn = cast(multiprocessing.connection.Connection, ready)
                index, workbook, finished = running.pop(conn)
                outcome = _receive(conn, workbook, finished, outdir, formats)
                outcomes[index] = outcome
                if on_done:
                    on_done(outcome)
    finally:
        _stop(running)
    return BatchResult([outcomes[i] for i in sorted(outcomes)], time.perf_counter() - started, jobs)


def _load_for_workers(formats: tuple[str, ...]) -> None:
    """Import and load, once, what every worker needs: forked workers inherit it."""
    pipeline.import_stages()
    if "pdf" in formats:
        from generator.render import pdf

        pdf.warm_up()
    if "docx" in formats:
        from generator.render import docx  # noqa: F401


def _worker(
    conn: multiprocessing.connection.Connection,
    workbook: Path,
    outdir: Path,
    formats: tuple[str, ...],
    templates: Path | None,
    pdf_variant: str | None,
    parallel: bool,
    codes: Path | None = None,
    previous: Path | None = None,
) -> None:
    """In a worker process: render one workbook and send back its outcome."""
    outcome = Outcome(workbook)
    try:
        prepared, written = pipeline.render(
            workbook,
            outdir,
            formats,
            templates=templates,
            pdf_variant=pdf_variant,
            parallel=parallel,
            codes=codes,
            previous=previous,
        )
        outcome.written, outcome.warnings = written, len(prepared.findings)
    except KeyboardInterrupt:
        return  # the batch is being stopped; write_atomic has removed its temporary file
    except BudgetError as exc:
        outcome.error, outcome.trace = str(exc), traceback.format_exc()
    except Exception as exc:
        outcome.error = f"{workbook.name}：内部错误：{type(exc).__name__}：{exc}"
        outcome.trace = traceback.format_exc()
    finally:
        pdf = sys.modules.get("generator.render.pdf")
        if pdf is not None:
            pdf.release_fonts()  # the font folder of a worker that made its own (not forked: spawned)
    outcome.max_rss_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    try:
        conn.send(outcome)
    except OSError:  # the batch is gone
        pass


def _receive(
    conn: multiprocessing.connection.Connection,
    workbook: Path,
    process: multiprocessing.process.BaseProcess,
    outdir: Path,
    formats: tuple[str, ...],
) -> Outcome:
    try:
        outcome: Outcome = conn.recv()
    except (EOFError, OSError):
        process.join()
        _remove_temporary_files(outdir, workbook.stem, formats)
        code = process.exitcode
        how = f"被信号 {-code} 终止" if code is not None and code < 0 else f"退出码 {code}"
        return Outcome(workbook, error=f"{workbook.name}：工作进程意外退出（{how}），未生成文档")
    finally:
        conn.close()
    process.join()
    return outcome


def _remove_temporary_files(outdir: Path, stem: str, formats: tuple[str, ...]) -> None:
    """The temporary files of a worker that died while writing (pipeline.write_atomic's names)."""
    pattern = re.compile(rf"\.{re.escape(stem)}\.[A-Za-z0-9_]{{8}}\.(?:{'|'.join(map(re.escape, formats))})\.part")
    if outdir.is_dir():
        for path in outdir.iterdir():
            if pattern.fullmatch(path.name):
                path.unlink(missing_ok=True)


def _stop(running: dict) -> None:
    """Interrupt the workers still running (each removes its temporary file) and wait for them."""
    for _index, _workbook, process in running.values():
        if process.is_alive() and process.pid is not None:
            try:
                os.kill(process.pid, signal.SIGINT)  # KeyboardInterrupt in the worker, which cleans up
            except ProcessLookupError:
                pass
    for conn, (_index, _workbook, process) in running.items():
        process.join()
        conn.close()
