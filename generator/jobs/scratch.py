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
    folder = Path(tempfile.mkdtemp(prefix=prefix, dir=parent))
    try:
        fd = os.open(folder / LOCK_NAME, os.O_CREAT | os.O_RDWR | os.O_CLOEXEC, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            yield folder
        finally:
            os.close(fd)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


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
    removed: list[Path] = []
    try:
        entries = list(base.iterdir())
    except OSError:
        return removed
    for entry in entries:
        if not entry.name.startswith(prefix) or entry.is_symlink() or not entry.is_dir():
            continue
        if not held(entry):
            shutil.rmtree(entry, ignore_errors=True)
            removed.append(entry)
    return removed
