"""Benchmark: the speed the tests used to assert with a clock, measured here instead.

    .venv/bin/python bench/scaling.py                 # 5 runs per line, medians
    .venv/bin/python bench/scaling.py --runs 9 --workbook inputs/柳溪县卫生健康局2025.xlsx

The DOCX writer on the workbook's document HTML, once and with its body repeated 2, 4 and 8 times:
the seconds per copy stay flat while the writer is linear (tests/test_render_docx.py counts the
writer's steps on growing tables instead of timing it). The archive check (``load.check_archive``)
of the workbook file, which every workbook goes through before openpyxl parses it
(tests/test_hostile.py checks that it unpacks each member once and loads no workbook).

Everything runs in this one process, after a first untimed run (imports, fonts and caches warm).
This is a benchmark, not a test: it prints figures and asserts nothing. Run it on a quiet machine.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from generator.jobs import pipeline
from generator.render.docx import write_docx
from generator.workbook import load

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "inputs" / "义马市工业信息化和科技局2024.xlsx"
COPIES = (1, 2, 4, 8)


def seconds(work: Callable[[], object], runs: int) -> list[float]:
    work()  # untimed: first-call costs out of the figures
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        work()
        times.append(time.perf_counter() - start)
    return times


def repeated(html: str, copies: int) -> str:
    """The document HTML with everything inside its body ``copies`` times."""
    start = html.index(">", html.index("<body")) + 1
    end = html.rindex("</body>")
    return html[:start] + html[start:end] * copies + html[end:]


def line(label: str, times: list[float], per: int = 1) -> None:
    median = statistics.median(times) / per
    print(f"  {label:<38} {median:7.3f}   (min {min(times) / per:.3f}, max {max(times) / per:.3f})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--workbook", type=Path, default=EXAMPLE)
    args = parser.parse_args()
    html = pipeline.prepare(args.workbook).html
    out = Path(tempfile.mkdtemp(prefix="budget-scaling-"))
    print(f"{args.workbook.name}: median of {args.runs} runs per line (seconds)")
    print("DOCX writer, seconds per copy of the document (flat while linear):")
    for copies in COPIES:
        document = repeated(html, copies)
        times = seconds(lambda document=document: write_docx(document, out / "x.docx"), args.runs)
        line(f"{copies} × the document", times, per=copies)
    print("Archive check before parsing:")
    line("load.check_archive", seconds(lambda: load.check_archive(args.workbook), args.runs))


if __name__ == "__main__":
    main()
