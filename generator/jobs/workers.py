"""Turn work into processes of its own: the PDF process of one render, and the worker processes of a batch.

Everything about processes lives here: whether this process may fork, starting a process,
collecting what it sends back (or how it died), and stopping the ones still running. What the
work is, and what a clerk is told about it, is the caller's.
"""

from __future__ import annotations

import ctypes
import multiprocessing
import multiprocessing.connection
import os
import pickle
import resource
import signal
import sys
import threading
import traceback
import types
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Generic, TypeVar, cast

from generator.errors import BudgetError
from generator.jobs import scratch

T = TypeVar("T")
R = TypeVar("R")


def can_fork() -> bool:
    """Whether a worker process can be forked safely here: on Linux, with no other thread, not in a daemon."""
    return (
        sys.platform.startswith("linux")
        and threading.active_count() == 1
        and not multiprocessing.current_process().daemon
    )


def forks_workers() -> bool:
    """Whether ``run_each`` forks its workers (which then inherit what this process has loaded) or spawns them."""
    return sys.platform.startswith("linux")


# --- the PDF process of one render -------------------------------------------------------------


class ProcessError(Exception):
    """An error raised in the PDF process, carried back as its type name, message and traceback."""

    def __init__(self, kind: str, message: str, trace: str):
        super().__init__(message)
        self.kind = kind
        self.trace = trace

    def __str__(self) -> str:
        return str(self.args[0])


_NO_OUTCOME = object()  # the PDF process ended without a message (or none is kept)


class PdfProcess:
    """One PDF laid out in a forked process: start it, hand it the HTML, collect its outcome."""

    @classmethod
    def start(
        cls, target: Path, variant: str | None, write: Callable[[Path, Callable[[Path], None]], None]
    ) -> PdfProcess | None:
        """The process, started; None where it cannot be forked (the PDF is then written in this one).

        ``write(target, writer)`` writes the file safely (``pipeline.write_atomic``).
        """
        if not can_fork():
            return None
        try:
            return cls(target, variant, write)
        except OSError:  # out of processes or memory
            return None

    def __init__(self, target: Path, variant: str | None, write: Callable[[Path, Callable[[Path], None]], None]):
        context = multiprocessing.get_context("fork")
        self._conn, child_conn = context.Pipe()
        self._process = context.Process(
            target=_pdf_process_main,
            args=(child_conn, self._conn, target, variant, write),
            name="budget-report-pdf",
            daemon=True,
        )
        self._process.start()
        child_conn.close()
        self._submitted = False
        self._answered = False
        self.pages: int | None = None  # the PDF's number of pages, once ``result()`` says it was written
        self._anchors: dict[str, int] | None = None  # the page of each anchor, once laid out
        self._asked_anchors = False
        self._outcome: object = _NO_OUTCOME  # the final message, when ``anchor_pages`` received it instead

    def submit(self, html: str, extra_css: str = "") -> None:
        try:
            self._conn.send((html, extra_css))
        except OSError:  # the process died; result() says so
            pass
        self._submitted = True

    def anchor_pages(self) -> dict[str, int] | None:
        """The PDF's page of each anchor (``pdf.anchor_pages``), waiting for the layout; None when it failed."""
        if not self._asked_anchors:
            self._asked_anchors = True
            outcome = self._receive()
            if isinstance(outcome, tuple) and outcome[:1] == ("anchors",):
                self._anchors = outcome[1]
            else:
                self._outcome = outcome  # no layout: the error, for result()
        return self._anchors

    def _receive(self) -> object:
        try:
            return self._conn.recv()
        except (EOFError, OSError):
            return _NO_OUTCOME

    def result(self) -> BaseException | None:
        """None when the PDF was written, else the error (nothing written then)."""
        outcome, self._outcome = self._outcome, _NO_OUTCOME
        if outcome is _NO_OUTCOME:
            outcome = self._receive()
        if isinstance(outcome, tuple) and outcome[:1] == ("anchors",):  # nobody asked for them
            self._anchors, self._asked_anchors = outcome[1], True
            outcome = self._receive()
        if outcome is _NO_OUTCOME:
            self._process.join()
            return ProcessError("进程异常退出", f"PDF 生成进程退出码 {self._process.exitcode}", "")
        if outcome is None:
            return None
        outcome = cast(tuple, outcome)
        if outcome[0] == "pages":
            self.pages = outcome[1]
            return None
        if outcome[0] == "budget":
            return cast(BaseException, pickle.loads(outcome[1]))
        return ProcessError(*outcome[1:])

    def close(self, stop: bool = False) -> None:
        """Wait for the process to end; with ``stop`` (or before it has the HTML) interrupt it first.

        An interrupted process (KeyboardInterrupt) removes its temporary folder on its way out.
        """
        if (stop or not self._submitted) and not self._answered and self._process.is_alive():
            interrupt(self._process)
        # Our end closed first: a process that missed the interruption (it came before the process
        # could take it) reads the end of its input, or fails to send, and ends all the same.
        self._conn.close()
        self._process.join()


def _pdf_process_main(
    conn: multiprocessing.connection.Connection,
    parent_end: multiprocessing.connection.Connection,
    target: Path,
    variant: str | None,
    write: Callable[[Path, Callable[[Path], None]], None],
) -> None:
    """In the PDF process: load WeasyPrint and the fonts while the HTML arrives, then write the PDF.

    The process works in a temporary folder of its own (``scratch.process_tempdir``) and is
    interrupted when its parent dies (``stop_with_parent``), so a killed render leaves nothing
    here that the next start does not sweep.
    """
    parent_end.close()  # the parent's end, inherited: without it here, a dead parent is an EOF
    received: list[tuple[str, str] | None] = [None]

    def receive() -> None:
        try:
            received[0] = conn.recv()
        except (EOFError, OSError):
            pass

    pdf: types.ModuleType | None = None
    try:
        stop_with_parent()
        with scratch.process_tempdir():
            reader = threading.Thread(target=receive, daemon=True)
            reader.start()
            error: BaseException | None = None
            try:
                from generator.render import pdf as module

                pdf = module
                module.warm_up()
            except Exception as exc:  # WeasyPrint's libraries or a font missing: reported as the PDF's failure
                error = exc
            reader.join()
            if received[0] is None:  # the workbook could not be read: nothing to do
                return
            html, extra_css = received[0]
            pages: list[int | None] = [None]
            if error is None and pdf is not None:
                write_pdf, anchor_pages = pdf.write_pdf, pdf.anchor_pages

                def report_anchors(document: object) -> None:  # the DOCX's 目录 waits for them
                    conn.send(("anchors", anchor_pages(document)))  # type: ignore[arg-type]

                def write_it(tmp: Path) -> None:
                    pages[0] = write_pdf(html, tmp, variant=variant, extra_css=extra_css, on_layout=report_anchors)

                try:
                    write(target, write_it)
                except Exception as exc:
                    error = exc
            conn.send(("pages", pages[0]) if error is None else _portable(error))
    except (KeyboardInterrupt, BrokenPipeError):
        pass  # interrupted with the main process, or it is gone: the parent (or the next start) removes the PDF's file
    finally:
        signal.signal(signal.SIGINT, signal.SIG_IGN)  # done: a late interruption would only print a traceback
        if pdf is not None:
            pdf.release_fonts()


def interrupt(process: multiprocessing.process.BaseProcess) -> None:
    """SIGINT to ``process``: KeyboardInterrupt there, so that it cleans up on its way out."""
    if process.pid is not None:
        try:
            os.kill(process.pid, signal.SIGINT)
        except ProcessLookupError:
            pass


PR_SET_PDEATHSIG = 1  # prctl(2)


def stop_with_parent() -> None:
    """Have this (forked) process interrupted (SIGINT) when the process that started it dies, however
    it dies: a render or a batch killed with -9 leaves no worker writing on for nobody.

    Linux's prctl(PR_SET_PDEATHSIG), through ctypes; elsewhere nothing.

    SIGINT is made to interrupt here whatever this process inherited: a command started in the
    background by a script (``cmd &`` without job control) has SIGINT ignored, and its workers would
    then write on for nobody after it is killed, and never stop when it is stopped.
    """
    signal.signal(signal.SIGINT, signal.default_int_handler)
    if not sys.platform.startswith("linux"):
        return
    parent = os.getppid()
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGINT, 0, 0, 0)
    except (OSError, AttributeError):
        return
    if os.getppid() != parent:  # it died before the call
        os.kill(os.getpid(), signal.SIGINT)


def _portable(exc: BaseException) -> tuple:
    """An exception as something the parent process can unpickle."""
    if isinstance(exc, BudgetError):
        try:
            data = pickle.dumps(exc)
            pickle.loads(data)
            return ("budget", data)
        except Exception:
            pass
    return ("other", type(exc).__name__, str(exc), "".join(traceback.format_exception(exc)))


# --- worker processes, one per task ------------------------------------------------------------


@dataclass
class Finished(Generic[R]):
    """What became of one task's worker: its result, or how the worker died."""

    index: int  # the task's place in the sequence given
    result: R | None  # None when the worker died
    max_rss_kib: int = 0  # the worker's peak resident memory (including the pages it shares with its parent)
    death: str | None = None  # "被信号 9 终止", "退出码 1": how the worker ended without a result


def run_each(
    tasks: Sequence[T],
    work: Callable[[T], R],
    *,
    jobs: int,
    on_finished: Callable[[Finished[R]], None],
    name: str = "worker",
) -> None:
    """Run ``work(task)`` for every task, each in a process of its own, at most ``jobs`` at a time.

    Where ``forks_workers()``, the processes are forked and inherit what this one has loaded;
    elsewhere they are spawned, and ``work`` and the tasks must pickle. ``on_finished`` is called
    in this process as each ends, in the order they end. On the way out (an error, Ctrl+C) the
    workers still running are interrupted (KeyboardInterrupt, so each cleans up) and waited for.
    """
    context = multiprocessing.get_context("fork") if forks_workers() else multiprocessing.get_context("spawn")
    running: dict[multiprocessing.connection.Connection, tuple[int, multiprocessing.process.BaseProcess]] = {}
    pending = list(reversed(list(enumerate(tasks))))
    try:
        while pending or running:
            while pending and len(running) < jobs:
                index, task = pending.pop()
                conn, child_conn = context.Pipe(duplex=False)
                process = context.Process(target=_worker_main, args=(child_conn, work, task), name=f"{name}-{index}")
                process.start()
                child_conn.close()
                running[conn] = (index, process)
            for ready in multiprocessing.connection.wait(list(running)):
                conn = cast(multiprocessing.connection.Connection, ready)
                index, finished = running.pop(conn)
                on_finished(_collect(conn, index, finished))
    finally:
        _stop(running)


def _worker_main(conn: multiprocessing.connection.Connection, work: Callable[[T], R], task: T) -> None:
    """In a worker process: do the work and send back its result with the peak memory.

    The worker works in a temporary folder of its own and is interrupted when the run dies, as
    the PDF process is.
    """
    try:
        stop_with_parent()
        with scratch.process_tempdir():
            result = work(task)
    except KeyboardInterrupt:
        return  # the run is being stopped; the work has cleaned up after itself
    max_rss_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    try:
        conn.send((result, max_rss_kib))
    except OSError:  # the run is gone
        pass


def _collect(
    conn: multiprocessing.connection.Connection, index: int, process: multiprocessing.process.BaseProcess
) -> Finished:
    try:
        result, max_rss_kib = conn.recv()
    except (EOFError, OSError):
        process.join()
        code = process.exitcode
        how = f"被信号 {-code} 终止" if code is not None and code < 0 else f"退出码 {code}"
        return Finished(index, None, death=how)
    finally:
        conn.close()
    process.join()
    return Finished(index, result, max_rss_kib)


def _stop(
    running: dict[multiprocessing.connection.Connection, tuple[int, multiprocessing.process.BaseProcess]],
) -> None:
    """Interrupt the workers still running (each removes its temporary file) and wait for them."""
    for _index, process in running.values():
        if process.is_alive():
            interrupt(process)  # KeyboardInterrupt in the worker, which cleans up
    for conn, (_index, process) in running.items():
        process.join()
        conn.close()
