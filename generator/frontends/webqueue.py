"""Turn the web page's work into child processes: a queue of renders, a bounded number at a time, and checks beside it.

Every render runs in a process of its own that ends with it, so that what a render held (the
workbook, the document, WeasyPrint's layout) goes back to the system and the server's own memory
stays what it was. At most ``workers`` renders run at once (one per core by default); the others
wait in order, and ``RenderQueue.place`` says how many workbooks are ahead of a job. A check is
light: ``RenderQueue.run_now`` runs it at once in a process of its own, beside the renders, never
behind them, and at the server's priority, above the renders' (``RENDER_NICENESS``).

The processes are forked from multiprocessing's fork server, which has imported the stages
already (a new process starts in milliseconds, not the second of imports a spawned one takes),
and never from the server itself, whose request threads make forking it unsafe. A child dies with
the fork server, which ends with the server (``kill -9`` included): no render outlives it.
"""

from __future__ import annotations

import contextlib
import ctypes
import multiprocessing
import multiprocessing.connection
import os
import signal
import sys
import threading
import traceback
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal, cast

# What the fork server imports before it forks the first child: everything a check and a render use.
PRELOAD = [
    "generator.frontends.webqueue",
    "generator.frontends.web",
    "generator.jobs.service",
    "generator.jobs.pipeline",
    "generator.workbook.load",
    "generator.stages.check",
    "generator.stages.compute",
    "generator.render.html",
]
MAX_QUEUED = 300  # workbooks waiting at once; more is refused (the clerk is told to come back)
# Renders run at a lower priority than the server and its checks: a clerk waiting for a check
# (or a page) gets the CPU first, the renders take what is left.
RENDER_NICENESS = 10

State = Literal["queued", "running", "done"]


def cores() -> int:
    """The cores this process may run on (one render worker each)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):
        return max(1, os.cpu_count() or 1)


@dataclass
class ChildFailed:
    """What a child process sends back when its work raised (or how it died, when it sent nothing)."""

    kind: str
    message: str
    trace: str = ""


@dataclass
class Task:
    """One piece of work of a job: ``work(*args)`` in a child process, and what came of it."""

    work: Callable[..., Any]
    args: tuple[Any, ...]
    state: State = "queued"
    result: Any = None  # the work's return value, or a ChildFailed


@dataclass
class Job:
    """The tasks of one upload; ``finish(job)`` is called (in a thread of its own) once all are done."""

    tasks: list[Task]
    finish: Callable[[Job], None] = lambda _job: None
    state: State = "queued"
    finished: threading.Event = field(default_factory=threading.Event)

    @property
    def done(self) -> int:
        return sum(t.state == "done" for t in self.tasks)


class QueueFull(Exception):
    """More workbooks are waiting than the queue holds."""


class RenderQueue:
    """Jobs' tasks run in child processes, ``workers`` at a time, in the order they came."""

    def __init__(self, workers: int | None = None, *, max_queued: int = MAX_QUEUED):
        self.workers = max(1, workers or cores())
        self.max_queued = max_queued
        self._context = multiprocessing.get_context("forkserver")
        self._context.set_forkserver_preload(PRELOAD)
        self._pending: deque[tuple[Job, Task]] = deque()
        self._running: dict[
            multiprocessing.connection.Connection, tuple[Job, Task, multiprocessing.process.BaseProcess]
        ] = {}
        self._lock = threading.Lock()
        self._wake_r, self._wake_w = multiprocessing.Pipe(duplex=False)
        self._closed = False
        self._checks = threading.BoundedSemaphore(self.workers)
        self._children: set[multiprocessing.process.BaseProcess] = set()  # every live child, the checks' too
        self._thread = threading.Thread(target=self._loop, name="budget-report-queue", daemon=True)
        self._thread.start()

    # --- what the page asks -------------------------------------------------------------------

    def submit(self, job: Job) -> None:
        """Queue every task of ``job`` (``QueueFull`` when the queue cannot take them all)."""
        with self._lock:
            if self._closed:
                raise QueueFull("closed")
            if len(self._pending) + len(job.tasks) > self.max_queued:
                raise QueueFull(f"{len(self._pending)} waiting")
            self._pending.extend((job, task) for task in job.tasks)
        self._wake()

    def place(self, job: Job) -> int:
        """How many workbooks of other jobs are ahead of ``job``'s next waiting one (running ones included)."""
        with self._lock:
            running = sum(other is not job for other, _task, _p in self._running.values())
            for ahead, (other, _task) in enumerate(self._pending):
                if other is job:
                    return running + sum(o is not job for o, _t in list(self._pending)[:ahead])
            return running

    def waiting(self) -> int:
        with self._lock:
            return len(self._pending)

    def run_now(self, work: Callable[..., Any], *args: Any) -> Any:
        """``work(*args)`` in a child process of its own, now, beside the renders; its result or a ChildFailed.

        At most ``workers`` of these run at once (a request beyond that waits for one to end).
        """
        with self._checks:
            conn, process = self._start(work, args, niceness=0)
            try:
                multiprocessing.connection.wait([conn])
                return self._collect(conn, process)
            finally:
                with self._lock:
                    self._children.discard(process)

    def close(self) -> None:
        """Stop: nothing more starts, the children still running are ended and waited for."""
        with self._lock:
            self._closed = True
            self._pending.clear()
            children = list(self._children)
        self._wake()
        for process in children:
            with contextlib.suppress(ProcessLookupError, OSError):
                process.terminate()
        for process in children:
            process.join(timeout=10)
        self._thread.join(timeout=10)

    # --- the dispatcher -----------------------------------------------------------------------

    def _wake(self) -> None:
        with contextlib.suppress(OSError):
            self._wake_w.send_bytes(b"")

    def _start(
        self, work: Callable[..., Any], args: Sequence[Any], *, niceness: int = RENDER_NICENESS
    ) -> tuple[multiprocessing.connection.Connection, multiprocessing.process.BaseProcess]:
        conn, child_conn = self._context.Pipe(duplex=False)
        process = self._context.Process(
            target=_child_main, args=(child_conn, work, tuple(args), niceness), name="budget-report-job"
        )
        with self._lock:
            if self._closed:
                raise QueueFull("closed")
            process.start()
            self._children.add(process)
        child_conn.close()
        return conn, process

    def _collect(
        self, conn: multiprocessing.connection.Connection, process: multiprocessing.process.BaseProcess
    ) -> Any:
        try:
            result = conn.recv()
        except (EOFError, OSError):
            process.join()
            code = process.exitcode
            how = f"被信号 {-code} 终止" if code is not None and code < 0 else f"退出码 {code}"
            result = ChildFailed("进程异常退出", f"生成进程异常退出（{how}）")
        finally:
            conn.close()
        process.join()
        return result

    def _loop(self) -> None:
        while True:
            with self._lock:
                if self._closed:
                    return
                starting: list[tuple[Job, Task]] = []
                while self._pending and len(self._running) + len(starting) < self.workers:
                    starting.append(self._pending.popleft())
            for job, task in starting:
                try:
                    conn, process = self._start(task.work, task.args)
                except QueueFull:
                    return
                except OSError as exc:  # out of processes or memory: this task fails, the queue goes on
                    self._done(job, task, ChildFailed(type(exc).__name__, str(exc)))
                    continue
                with self._lock:
                    task.state = job.state = "running"
                    self._running[conn] = (job, task, process)
            with self._lock:
                watched: list[Any] = [self._wake_r, *self._running]
            for ready in multiprocessing.connection.wait(watched):
                if ready is self._wake_r:
                    with contextlib.suppress(EOFError, OSError):
                        while self._wake_r.poll():
                            self._wake_r.recv_bytes()
                    continue
                with self._lock:
                    job, task, process = self._running.pop(cast(multiprocessing.connection.Connection, ready))
                conn = cast(multiprocessing.connection.Connection, ready)
                result = self._collect(conn, process)
                with self._lock:
                    self._children.discard(process)
                self._done(job, task, result)

    def _done(self, job: Job, task: Task, result: Any) -> None:
        with self._lock:
            task.result, task.state = result, "done"
            complete = all(t.state == "done" for t in job.tasks)
        if complete:
            threading.Thread(target=self._finish, args=(job,), name="budget-report-finish", daemon=True).start()

    @staticmethod
    def _finish(job: Job) -> None:
        try:
            job.finish(job)
        finally:
            job.state = "done"
            job.finished.set()


def _child_main(
    conn: multiprocessing.connection.Connection, work: Callable[..., Any], args: tuple[Any, ...], niceness: int = 0
) -> None:
    """In a child: end with the fork server (so with the server), yield the CPU by ``niceness``
    (its PDF process too), do the work, send back what came of it."""
    _die_with_parent()
    if niceness:
        with contextlib.suppress(OSError):
            os.nice(niceness)
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl+C in the terminal is the server's to handle
    try:
        result: Any = work(*args)
    except BaseException as exc:
        result = ChildFailed(type(exc).__name__, str(exc), "".join(traceback.format_exception(exc)))
    try:
        conn.send(result)
    except Exception as exc:  # a result that does not pickle
        with contextlib.suppress(Exception):
            conn.send(ChildFailed(type(exc).__name__, str(exc), traceback.format_exc()))
    finally:
        conn.close()


_PR_SET_PDEATHSIG = 1


def _die_with_parent() -> None:
    """Have Linux kill this process when its parent (the fork server) ends."""
    if not sys.platform.startswith("linux"):
        return
    with contextlib.suppress(OSError, AttributeError):
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)


@contextlib.contextmanager
def running(workers: int | None = None) -> Iterator[RenderQueue]:
    """A queue for the length of a ``with`` block."""
    queue = RenderQueue(workers)
    try:
        yield queue
    finally:
        queue.close()


__all__ = ["ChildFailed", "Job", "QueueFull", "RenderQueue", "Task", "cores", "running"]
