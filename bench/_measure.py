"""What the bench scripts share: run a command and measure it (wall, CPU, peak memory, the machine's other load).

Imported by ``render_vs_soffice.py``, ``city.py``, ``stages.py`` and ``charts.py``, which run as
scripts from this folder.
"""

from __future__ import annotations

import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path


@dataclass
class Run:
    wall: float  # seconds
    cpu: float  # CPU seconds of the command and its children
    others: float  # CPU seconds the rest of the machine used meanwhile: a busy machine inflates the wall time
    max_rss_kib: int  # peak resident memory of the largest process of the command's tree
    returncode: int = 0
    output: str = ""  # what the command printed on stdout, when asked to keep it


def busy_cpu_seconds() -> float:
    """CPU time the whole machine has spent busy since boot (/proc/stat), in seconds."""
    fields = [int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = fields[3] + fields[4]  # idle, iowait
    return (sum(fields[:8]) - idle) / os.sysconf("SC_CLK_TCK")


def measure(command: list[str | Path], *, may_fail: bool = False, keep_output: bool = False) -> Run:
    """Run ``command`` to its end; exit if it fails, unless ``may_fail`` (then its exit code is in the Run).

    Wall time around the process, its CPU time and the largest ru_maxrss of its tree from wait4,
    and the CPU time the rest of the machine used meanwhile from /proc/stat.
    """
    busy = busy_cpu_seconds()
    # stdout goes to a file, so that reading stderr to its end cannot stall on a full stdout pipe;
    # the process is reaped by wait4 itself, which gives its tree's CPU time and ru_maxrss.
    with tempfile.TemporaryFile() if keep_output else open(os.devnull, "wb") as stdout:
        start = time.perf_counter()
        process = subprocess.Popen(
            [str(c) for c in command], stdin=subprocess.DEVNULL, stdout=stdout, stderr=subprocess.PIPE
        )
        assert process.stderr is not None
        errors = process.stderr.read()
        _pid, status, usage = os.wait4(process.pid, 0)
        wall = time.perf_counter() - start
        process.returncode = code = os.waitstatus_to_exitcode(status)
        process.stderr.close()
        if keep_output:
            stdout.seek(0)
            text = stdout.read().decode(errors="replace")
        else:
            text = ""
    if code != 0 and not may_fail:
        sys.exit(f"{command[0]} failed ({code}): {errors.decode(errors='replace')[-2000:]}")
    cpu = usage.ru_utime + usage.ru_stime
    return Run(wall, cpu, max(0.0, busy_cpu_seconds() - busy - cpu), usage.ru_maxrss, code, text)


def lap_runs(script: str, args: list[str], runs: int, cwd: Path) -> list[dict[str, float]]:
    """Run ``script`` (Python that prints one JSON object of lap times last) in ``runs`` fresh processes."""
    out = []
    for _ in range(runs):
        done = subprocess.run(
            [sys.executable, "-c", script, *args], capture_output=True, text=True, cwd=cwd, check=True
        )
        out.append(json.loads(done.stdout.strip().splitlines()[-1]))
    return out


def print_medians(runs: list[dict[str, float]], width: int = 45) -> None:
    """Each lap's median over ``runs``, with its smallest and largest, in the order the laps came."""
    for lap in dict.fromkeys(name for run in runs for name in run):
        values = [run[lap] for run in runs if lap in run]
        print(f"  {lap:<{width}} {statistics.median(values):6.3f}   (min {min(values):.3f}, max {max(values):.3f})")


def machine() -> dict[str, object]:
    cpu = "?"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    soffice = shutil.which("soffice")
    version = subprocess.run([soffice, "--version"], capture_output=True, text=True).stdout.strip() if soffice else "-"
    weasyprint = subprocess.run(
        [sys.executable, "-c", "import weasyprint; print(weasyprint.__version__)"], capture_output=True, text=True
    ).stdout.strip()
    return {
        "cpu": cpu,
        "cpus": len(os.sched_getaffinity(0)),
        "memory_gib": round(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30, 1),
        "system": f"{platform.system()} {platform.release()}",
        "python": platform.python_version(),
        "weasyprint": weasyprint,
        "libreoffice": version,
    }


def load() -> str:
    return "load average " + " ".join(f"{x:.2f}" for x in os.getloadavg())
