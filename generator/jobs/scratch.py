"""Turn a run's need for scratch space into folders of ours that are swept once nobody holds them.

A folder made here holds a lock file that its process keeps locked (``flock``) while it lives;
the kernel lets go of the lock when the process ends, however it ends (``kill -9`` included).
``sweep`` removes only folders of our own prefix whose lock it can take: what a killed run left,
never what a live process (this one or another) still works in. Locks rather than process ids,
which are reused and mean nothing across containers that share a /tmp.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

LOCK_NAME = ".budget-report.lock"


@contextlib.contextmanager
def workdir(parent: Path | None = None, prefix: str = "budget-report-") -> Iterator[Path]:
    """A new private folder under ``parent`` (the system's temporary folder by default), locked
    for as long as the context lasts and removed with everything in it when it ends."""
    while True:
        folder = Path(tempfile.mkdtemp(prefix=prefix, dir=parent))
        fd = _lock(folder)
        if fd is not None:
            break
    try:
        yield folder
    finally:
        try:
            shutil.rmtree(folder, ignore_errors=True)  # still locked: no sweep is in it meanwhile
        finally:
            os.close(fd)


def _lock(folder: Path) -> int | None:
    """The new folder's lock, taken; None when a sweep removed the folder before it was locked.

    A sweep removes a folder only holding its lock, after removing the lock file, or an empty one
    (rmdir): so the lock file still being the one locked here means the folder is ours.
    """
    path = folder / LOCK_NAME
    try:
        fd = os.open(path, os.O_CREAT | os.O_RDWR | os.O_CLOEXEC, 0o600)
    except FileNotFoundError:
        return None
    fcntl.flock(fd, fcntl.LOCK_EX)
    try:
        same = os.path.samestat(os.fstat(fd), os.stat(path))
    except OSError:
        same = False
    if same:
        return fd
    os.close(fd)
    return None


PROCESS_PREFIX = "budget-report-proc-"


@contextlib.contextmanager
def process_tempdir(prefix: str = PROCESS_PREFIX) -> Iterator[Path]:
    """In a forked process of ours (the PDF process, a batch's worker): a ``workdir`` that is the
    process's temporary folder while it works, so that what a library makes there without being
    asked (WeasyPrint's folder of fonts for a bureau's @font-face rules) goes with it, and what a
    killed process left is swept at the next start.

    ``tempfile.tempdir`` is the standard library's documented setting for that folder; the
    environment's TMPDIR cannot be used, since the parent process read it before the fork. Set
    in a forked process only, which has one thread then and ends with the work.
    """
    with workdir(None, prefix) as folder:
        before = tempfile.tempdir
        tempfile.tempdir = str(folder)
        try:
            yield folder
        finally:
            tempfile.tempdir = before


def held(folder: Path) -> bool:
    """Whether a live process holds ``folder``'s lock (a folder without one counts as held:
    it is not ours, or its maker has not locked it yet)."""
    try:
        fd = os.open(folder / LOCK_NAME, os.O_RDWR | os.O_CLOEXEC)
    except OSError:
        return True
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        return True
    finally:
        os.close(fd)  # closing drops a lock taken here at once
    return False


def sweep(parent: Path | None = None, prefix: str = "budget-report-") -> list[Path]:
    """Remove the folders of ``prefix`` under ``parent`` that no live process holds; return them."""
    base = Path(parent) if parent is not None else Path(tempfile.gettempdir())
    _swept.add((os.getpid(), base, prefix))
    removed: list[Path] = []
    try:
        entries = list(base.iterdir())
    except OSError:
        return removed
    for entry in entries:
        if not entry.name.startswith(prefix) or entry.is_symlink() or not entry.is_dir():
            continue
        if _remove_unheld(entry):
            removed.append(entry)
    return removed


_swept: set[tuple[int, Path, str]] = set()


def sweep_once(parent: Path | None = None, prefix: str = "budget-report-") -> None:
    """``sweep`` once a process: what killed runs left is there from before this process started;
    a run of many workbooks (a batch, whose forked workers inherit the set) need not list the
    temporary folder again for each."""
    base = Path(parent) if parent is not None else Path(tempfile.gettempdir())
    key = (os.getpid(), base, prefix)
    if key not in _swept:
        sweep(base, prefix)


def _remove_unheld(folder: Path) -> bool:
    """Remove ``folder`` if no live process holds its lock: holding the lock meanwhile, lock file first."""
    with contextlib.suppress(OSError):
        folder.rmdir()  # empty: its maker died before it made the lock file (or is about to, and will retry)
        return True
    path = folder / LOCK_NAME
    try:
        fd = os.open(path, os.O_RDWR | os.O_CLOEXEC | os.O_NOFOLLOW)
    except OSError:
        return False  # no lock file: not made here
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        if not os.path.samestat(os.fstat(fd), os.stat(path)):
            return False
        path.unlink()
        shutil.rmtree(folder, ignore_errors=True)
        return True
    except OSError:
        return False
    finally:
        os.close(fd)
