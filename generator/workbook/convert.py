"""Turn an .xls, .et or .ods workbook into an .xlsx one, by LibreOffice, for the loader to read as any other.

Why LibreOffice rather than a second reader (python-calamine reads these formats too): the
converted file goes through the one loader, with its safety gate (``load.check_archive``) and
every finding it makes — formulas without a value, hidden sheets, hidden rows and columns, merged
cells — because LibreOffice keeps all of these in the .xlsx it writes. A reader of its own would
have to repeat that, and python-calamine cannot tell formulas or hidden rows and columns at all.
The price is a few seconds a call (one LibreOffice process converts all the files of a call) and
the Debian package ``libreoffice-calc-nogui``, which ``make setup`` installs.

LibreOffice runs as a separate process with a profile of its own (a temporary folder: a clerk's
open LibreOffice is neither used nor disturbed), without a window, within ``TIMEOUT`` seconds;
it reads a copy of the file, never the file itself. What it cannot tell: whether a formula's value
was saved in the file or computed by LibreOffice while converting (an .xls always saves it).
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import tempfile
from pathlib import Path

TIMEOUT = 120  # seconds for one conversion call; a file that takes longer is refused
PROGRAMS = ("soffice", "libreoffice")
FILTERS = {".xls": "MS Excel 97", ".ods": "calc8"}  # LibreOffice's import filter of each form


class ConversionFailed(Exception):
    """LibreOffice is missing, or did not convert a file (``reason``, in Chinese, for the loader's message)."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


def program() -> str | None:
    """The LibreOffice program on the PATH, or None."""
    return next((found for name in PROGRAMS if (found := shutil.which(name))), None)


def to_xlsx(source: Path, suffix: str, folder: Path) -> Path:
    """Convert ``source`` (read as a ``suffix`` file: ".xls" or ".ods") into ``folder``; the .xlsx's path.

    Raises ``ConversionFailed`` when LibreOffice is not installed, fails, or takes longer than TIMEOUT.
    """
    soffice = program()
    if soffice is None:
        raise ConversionFailed(
            "读取 .xls、.et、.ods 文件需要 LibreOffice（Debian 软件包 libreoffice-calc-nogui），本机没有安装"
        )
    copy = folder / f"source{suffix}"  # a copy with a plain name: LibreOffice never sees the clerk's file
    shutil.copyfile(source, copy)
    profile = Path(tempfile.mkdtemp(prefix="profile-", dir=folder))
    command = [
        soffice,
        f"-env:UserInstallation={profile.as_uri()}",
        "--headless",
        "--norestore",
        # the filter named, never guessed: LibreOffice would read a damaged file as text rather than fail
        f"--infilter={FILTERS[suffix]}",
        "--convert-to",
        "xlsx:Calc MS Excel 2007 XML",
        "--outdir",
        str(folder / "out"),
        str(copy),
    ]
    # A session of its own, so that a timeout stops LibreOffice's whole process group, not only its launcher.
    # Its temporary files in the folder too, removed with it.
    env = {**os.environ, "TMPDIR": str(folder)}
    process = subprocess.Popen(
        command,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        stdin=subprocess.DEVNULL,
        start_new_session=True,
        env=env,
    )
    try:
        process.wait(timeout=TIMEOUT)
    except subprocess.TimeoutExpired:
        _stop(process)
        raise ConversionFailed(f"LibreOffice 在 {TIMEOUT} 秒内未能读完此文件") from None
    except BaseException:  # Ctrl+C: no LibreOffice left behind
        _stop(process)
        raise
    converted = folder / "out" / "source.xlsx"
    if process.returncode != 0 or not converted.is_file() or converted.stat().st_size == 0:
        raise ConversionFailed("LibreOffice 也无法打开此文件（文件可能已损坏）")
    return converted


def _stop(process: subprocess.Popen[bytes]) -> None:
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    process.wait()
