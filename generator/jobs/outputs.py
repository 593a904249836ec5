"""Turn a render's outputs into files replaced as a set, by one writer at a time, that a killed run cannot litter.

Three kinds of files of ours live beside the outputs, all hidden and named after the output's stem:

- ``.<stem>.<8 characters>.<format>.part``: an output being written (``Part``). Its maker holds an
  ``flock`` on it from the moment it exists until it is renamed into place; a killed process
  holds nothing, so a later start removes what it left (``sweep``), never what a live one writes.
- ``.<stem>.budget-report.lock``: one writer at a time per output name (``OutputSet.claim``).
- ``.<stem>.budget-report.journal``: the renames of a set being put in place (``OutputSet.commit``).

The race between creating a file and locking it is closed the same way for parts and locks: the
maker locks the file it opened, then checks that the name still leads to that file (a sweeper may
have removed it in between) and starts again with a new one if not; a sweeper removes a file only
while it holds its lock and the name still leads to the file it locked. The parts of a render are
made by a process that holds the stem's lock, and a sweeper removes a stem's parts only while it
holds that lock too, so a set between its last write and its renames is never swept.

A set is committed by writing the journal (the list of renames) under a temporary name, renaming
it into place (that rename is the commit point), doing the renames, and removing the journal. A
run killed between the renames leaves the journal: the next writer of that stem (or any render
into the folder) finishes the renames before anything else. The parts named there were complete
and on disk before the journal was written, so finishing (rolling forward) gives the whole new
set; rolling back would need the old files kept as copies, for the sake of a window of microseconds.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import gc
import json
import os
import re
import secrets
import sys
import time
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from types import TracebackType
from typing import Any

from generator.errors import BudgetError

LOCK_SUFFIX = ".budget-report.lock"
JOURNAL_SUFFIX = ".budget-report.journal"
# write_atomic's temporary names: "." + stem + "." + 8 of [a-z0-9_] + the target's suffix + ".part"
PART = re.compile(r"\.(?P<stem>.+)\.[A-Za-z0-9_]{8}(?P<suffix>\.[^./]+)?\.part")
WAIT_SECONDS = 600.0  # how long a render waits for another writer of its outputs before it gives up
POLL_SECONDS = 0.2

Writer = Callable[[Path], None]
OnWait = Callable[[str], None]


class DiskFull(BudgetError):
    """The disk (or the user's quota) ran out while an output was written; nothing of it is left."""

    def __init__(self, target: Path):
        super().__init__(f"磁盘空间不足：无法写入 {target}（所在磁盘已满）")
        self.target = target

    def __reduce__(self) -> tuple[Any, ...]:  # pickles through the PDF process's pipe
        return (DiskFull, (self.target,))


class Busy(BudgetError):
    """Another process has been writing the same outputs for longer than a render waits."""


def _disk_full(exc: BaseException) -> bool:
    return isinstance(exc, OSError) and exc.errno in (errno.ENOSPC, errno.EDQUOT)


def _same_file(fd: int, path: Path) -> bool:
    """Whether ``path`` still names the file open as ``fd``."""
    try:
        named = os.stat(path)
    except OSError:
        return False
    opened = os.fstat(fd)
    return (named.st_dev, named.st_ino) == (opened.st_dev, opened.st_ino)


def _lock_existing(path: Path, *, wait: bool) -> int | None:
    """An fd holding ``path``'s lock, or None when a live process holds it (or it is gone)."""
    try:
        fd = os.open(path, os.O_RDWR | os.O_CLOEXEC | os.O_NOFOLLOW)
    except OSError:
        return None
    try:
        fcntl.flock(fd, fcntl.LOCK_EX if wait else fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        os.close(fd)
        return None
    if not _same_file(fd, path):
        os.close(fd)
        return None
    return fd


def _remove_locked(path: Path, fd: int) -> None:
    """Remove ``path`` while holding its lock (as ``fd``), then let go."""
    try:
        path.unlink(missing_ok=True)
    finally:
        os.close(fd)


def fsync_folder(folder: Path) -> None:
    """Put a folder's entries (renames, removals) on disk."""
    try:
        fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


# ---------- one temporary file ----------


def part_name(target: Path) -> Path:
    """A new temporary name for ``target``, in its folder, of the pattern ``sweep`` knows."""
    return target.with_name(f".{target.stem}.{secrets.token_hex(4)}{target.suffix}.part")


class Part:
    """A temporary file for ``target``, made and locked now, kept locked until it is renamed or removed."""

    def __init__(self, target: Path, path: Path | None = None):
        """Make the file, at ``path`` when given (a name chosen before a fork, ``part_name``)."""
        self.target = target
        target.parent.mkdir(parents=True, exist_ok=True)
        while True:
            if path is None:
                path = part_name(target)
            try:
                fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_RDWR | os.O_CLOEXEC, 0o666)
            except FileExistsError:
                path = None
                continue
            except OSError as exc:
                if _disk_full(exc):  # no room even for the name
                    raise DiskFull(target) from None
                raise
            fcntl.flock(fd, fcntl.LOCK_EX)
            if _same_file(fd, path):  # else a sweep took it before the lock: make another
                break
            os.close(fd)
            path = None
        self.path, self._fd = path, fd

    def fill(self, write: Writer) -> None:
        """Write the file with ``write`` (which opens it by name) and put it on disk.

        A full disk is ``DiskFull`` naming the target; the library that was writing gets to close
        its half-written file quietly (a zip closed in a finalizer on a full disk would print an
        "Exception ignored" traceback otherwise).
        """
        error: OSError | None = None
        try:
            write(self.path)
            with self.path.open("rb") as fh:
                os.fsync(fh.fileno())  # on disk before any rename: a crash leaves the old file
        except OSError as exc:
            error = exc
        if error is None:
            return
        if not _disk_full(error):
            raise error
        with _quiet_finalizers():
            self._truncate()  # give the space back, so that what the writer left open can be closed
            error = None  # the writer's frames go, and with them its half-written zip or file
            gc.collect()
        raise DiskFull(self.target)

    def _truncate(self) -> None:
        with contextlib.suppress(OSError):
            os.ftruncate(self._fd, 0)

    def commit(self) -> None:
        """Rename the file into place (still locked, so no sweep can take it meanwhile) and let go."""
        os.replace(self.path, self.target)
        self.close()

    def discard(self) -> None:
        """Remove the file unless it was committed, and let go of it."""
        if self._fd < 0:
            return
        try:
            self.path.unlink(missing_ok=True)
        finally:
            self.close()

    def close(self) -> None:
        if self._fd >= 0:
            os.close(self._fd)
            self._fd = -1


@contextlib.contextmanager
def _quiet_finalizers() -> Iterator[None]:
    """Exceptions raised in finalizers meanwhile are dropped (they are the failed write's echo), not printed."""
    before = sys.unraisablehook

    def ignore(_unraisable: Any) -> None:
        pass

    sys.unraisablehook = ignore  # the hook is sys's documented way to handle such exceptions
    try:
        yield
    finally:
        sys.unraisablehook = before


def write_atomic(target: Path, write: Writer) -> None:
    """Write ``target`` through a temporary file in its folder, then rename: never a partial file."""
    part = Part(target)
    try:
        part.fill(write)
        part.commit()
    finally:
        part.discard()


# ---------- the outputs of one stem, as a set ----------


def lock_path(folder: Path, stem: str) -> Path:
    return folder / f".{stem}{LOCK_SUFFIX}"


def journal_path(folder: Path, stem: str) -> Path:
    return folder / f".{stem}{JOURNAL_SUFFIX}"


def _try_lock(folder: Path, stem: str) -> int | None:
    """The stem's lock, taken at once, or None when another process holds it."""
    path = lock_path(folder, stem)
    while True:
        try:
            fd = os.open(path, os.O_CREAT | os.O_RDWR | os.O_CLOEXEC | os.O_NOFOLLOW, 0o666)
        except OSError:
            return None
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            os.close(fd)
            return None
        if _same_file(fd, path):
            return fd
        os.close(fd)  # its holder removed it as it let go: take the new one


class OutputSet:
    """The outputs of one stem in one folder, written to temporary files and put in place together.

    ``claim`` makes this process the stem's one writer (waiting for another), ``fill`` writes one
    output (in this process or in a forked one: the temporary files are made by ``claim``),
    ``commit`` renames them all, ``release`` removes what was not committed and lets the next
    writer in.
    """

    def __init__(self, folder: Path, stem: str, targets: Iterable[Path]):
        self.folder, self.stem = folder, stem
        self.targets = list(targets)
        # The temporary names, chosen now: a process forked before ``claim`` writes to them.
        self.names = {target: part_name(target) for target in self.targets}
        self.parts: dict[Path, Part] = {}
        self._lock = -1
        self._made_folder = False

    def claim(self, *, on_wait: OnWait | None = None, timeout: float = WAIT_SECONDS) -> None:
        """Become the writer of these outputs: wait while another process writes them (saying so once
        through ``on_wait``), finish or remove what a killed one left, and make the temporary files."""
        self._made_folder = not self.folder.is_dir()
        self.folder.mkdir(parents=True, exist_ok=True)
        sweep_once(self.folder, but=self.stem)
        deadline = time.monotonic() + timeout
        said = False
        while True:
            fd = _try_lock(self.folder, self.stem)
            if fd is not None:
                break
            if not said and on_wait is not None:
                on_wait(f"{'、'.join(t.name for t in self.targets)} 正在被另一个进程生成，等待其完成…")
                said = True
            if time.monotonic() >= deadline:
                raise Busy(
                    f"{'、'.join(t.name for t in self.targets)} 正在被另一个进程生成，"
                    f"等待 {timeout:.0f} 秒仍未完成，未生成；原有文件保持不变"
                )
            time.sleep(POLL_SECONDS)
        self._lock = fd
        _tidy_stem(self.folder, self.stem)
        for target in self.targets:
            part = self.parts[target] = Part(target, self.names[target])
            self.names[target] = part.path

    def fill(self, target: Path, write: Writer) -> None:
        """Write ``target``'s temporary file, made by ``claim``: in this process, or in one forked
        before it (which has the name chosen, not the file made: it writes the file by its name)."""
        part = self.parts.get(target)
        if part is None:
            part = Part.__new__(Part)
            part.target, part.path, part._fd = target, self.names[target], -1
        part.fill(write)

    def commit(self, done: Iterable[Path] | None = None) -> None:
        """Put the written outputs (``done``, all by default) in place together, through the journal."""
        chosen = [t for t in self.targets if done is None or t in set(done)]
        renames = [[self.parts[t].path.name, t.name] for t in chosen]
        text = json.dumps({"tool": "budget-report", "renames": renames}, ensure_ascii=False)
        journal = journal_path(self.folder, self.stem)

        def write_journal(tmp: Path) -> None:
            tmp.write_text(text, encoding="utf-8")

        write_atomic(journal, write_journal)
        fsync_folder(self.folder)  # the journal is the commit point: on disk before the first rename
        for target in chosen:
            self.parts[target].commit()
        fsync_folder(self.folder)
        journal.unlink(missing_ok=True)

    def release(self) -> None:
        """Remove the temporary files not committed and let the next writer in (removing the lock file)."""
        for part in self.parts.values():
            part.discard()
        self.parts.clear()
        if self._lock >= 0:
            _remove_locked(lock_path(self.folder, self.stem), self._lock)
            self._lock = -1
        if self._made_folder:
            with contextlib.suppress(OSError):
                self.folder.rmdir()  # made for outputs of which none was written: gone again

    def __enter__(self) -> OutputSet:
        return self

    def __exit__(self, kind: type[BaseException] | None, value: BaseException | None, tb: TracebackType | None) -> None:
        self.release()


def recover(folder: Path, stem: str) -> None:
    """Finish the renames of a set whose writer was killed between them (call holding the stem's lock)."""
    journal = journal_path(folder, stem)
    try:
        data = json.loads(journal.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return
    except (OSError, ValueError):
        data = None
    renames = data.get("renames") if isinstance(data, dict) and data.get("tool") == "budget-report" else None
    for entry in renames if isinstance(renames, list) else []:
        if not (isinstance(entry, list) and len(entry) == 2 and all(isinstance(n, str) for n in entry)):
            continue
        part, target = entry
        match = PART.fullmatch(part)
        # only our own temporary files, renamed to the output they were made for
        if match is None or match["stem"] != stem or target != f"{stem}{match['suffix'] or ''}" or "/" in part:
            continue
        with contextlib.suppress(FileNotFoundError):
            os.replace(folder / part, folder / target)
    fsync_folder(folder)
    journal.unlink(missing_ok=True)


def _tidy_stem(folder: Path, stem: str) -> list[Path]:
    """Holding the stem's lock: finish its journal, then remove its temporary files no live process holds."""
    recover(folder, stem)
    removed: list[Path] = []
    for path in _entries(folder):
        match = PART.fullmatch(path.name)
        if match is None or match["stem"] != stem:
            continue
        fd = _lock_existing(path, wait=False)
        if fd is not None:
            _remove_locked(path, fd)
            removed.append(path)
    return removed


def _entries(folder: Path) -> list[Path]:
    try:
        return [p for p in folder.iterdir() if p.name.startswith(".")]
    except OSError:
        return []


def sweep(folder: Path, *, but: str | None = None) -> list[Path]:
    """Remove what killed runs left in ``folder``: finish each stem's journal, remove the temporary
    files and lock files no live process holds. The stem ``but`` (this process's own) is left out.

    Returns the temporary files removed.
    """
    if but is None:
        _swept.add((os.getpid(), folder.resolve()))
    stems: set[str] = set()
    for path in _entries(folder):
        name = path.name
        match = PART.fullmatch(name)
        if match is not None:
            stems.add(match["stem"])
        else:
            for suffix in (LOCK_SUFFIX, JOURNAL_SUFFIX):
                if name.endswith(suffix) and len(name) > len(suffix) + 1:
                    stems.add(name[1 : -len(suffix)])
    removed: list[Path] = []
    for stem in sorted(stems - {but}):
        fd = _try_lock(folder, stem)
        if fd is None:
            continue  # a live process writes this stem's outputs; it tidies them itself
        try:
            removed += _tidy_stem(folder, stem)
        finally:
            _remove_locked(lock_path(folder, stem), fd)
    return removed


_swept: set[tuple[int, Path]] = set()


def sweep_once(folder: Path, *, but: str | None = None) -> None:
    """``sweep`` the folder once a process: what killed runs left is there from before this process
    started, and a run of many workbooks into one folder (a batch, whose workers inherit the set
    when forked after its start's sweep) would otherwise list the whole folder again for each."""
    key = (os.getpid(), folder.resolve())
    if key not in _swept:
        sweep(folder, but=but)
        _swept.add(key)


def remove_partial_files(folder: Path, stem: str) -> list[Path]:
    """The temporary files of ``stem`` that no live process holds (a worker died while writing)."""
    fd = _try_lock(folder, stem)
    if fd is None:
        return []
    try:
        return _tidy_stem(folder, stem)
    finally:
        _remove_locked(lock_path(folder, stem), fd)
