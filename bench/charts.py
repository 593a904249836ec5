"""Benchmark: what the charts cost a render (importing matplotlib, drawing) and that a render without them pays nothing.

    .venv/bin/python bench/charts.py              # 5 runs of each, medians
    .venv/bin/python bench/charts.py --runs 9 --workbook inputs/柳溪县卫生健康局2025.xlsx

Three measurements, each in fresh processes:

1. the charts' own stages, one after the other in one process: import matplotlib and register
   the font, then draw every chart of the workbook as SVG (for the PDF) and as PNG (for the DOCX);
2. ``budget-report render`` with and without ``--charts``, alternated, wall time and the sizes
   and pages of what it writes;
3. whether a render without charts loaded matplotlib at all (it must not).

This is a benchmark, not a test: it prints figures and asserts nothing.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

from _measure import lap_runs, measure, print_medians

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "inputs" / "义马市工业信息化和科技局2024.xlsx"
COMMAND = Path(sys.executable).with_name("budget-report")

_STAGES = r"""
import json, sys, time
from pathlib import Path
from generator.jobs import pipeline
from generator.options import RenderOptions
from generator.stages.charts import charts_of
document = pipeline.prepare(Path(sys.argv[1]), RenderOptions(charts=False)).document  # the figures, nothing drawn yet
start = time.perf_counter()
specs = charts_of(document)
times = {"compute the charts' figures": time.perf_counter() - start}
start = time.perf_counter()
from generator.render import charts
import matplotlib.figure, matplotlib.style, matplotlib.backends.backend_svg, matplotlib.backends.backend_agg
charts.font_family("宋体")
times["import matplotlib, register the font"] = time.perf_counter() - start
for fmt in ("svg", "png"):
    start = time.perf_counter()
    for chart in specs.values():
        getattr(charts, fmt)(chart)
    times[f"draw {len(specs)} charts as {fmt.upper()}"] = time.perf_counter() - start
print(json.dumps({k: round(v, 3) for k, v in times.items()}, ensure_ascii=False))
"""

_WITHOUT = r"""
import sys
from pathlib import Path
from generator.jobs import pipeline
pipeline.render(Path(sys.argv[1]), Path(sys.argv[2]), ("pdf", "docx"))
print("matplotlib" in sys.modules)
"""


def _pages(pdf: Path) -> int:
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
    return int(next(line.split()[-1] for line in info.splitlines() if line.startswith("Pages:")))


def render(workbook: Path, charts: bool) -> dict[str, float]:
    """One ``budget-report render`` (``_measure.measure``: wall, CPU, the machine's other load) and its outputs."""
    with tempfile.TemporaryDirectory(prefix="budget-charts-") as out:
        run = measure([COMMAND, "render", workbook, "-o", out, *(["--charts"] if charts else [])])
        pdf, docx = Path(out) / f"{workbook.stem}.pdf", Path(out) / f"{workbook.stem}.docx"
        return {
            "seconds": run.wall,
            "others": run.others,
            "pdf_kb": pdf.stat().st_size / 1024,
            "docx_kb": docx.stat().st_size / 1024,
            "pages": _pages(pdf),
        }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--workbook", type=Path, default=EXAMPLE)
    args = parser.parse_args()

    print(f"Charts of {args.workbook.name}, medians of {args.runs} fresh processes (seconds):")
    print_medians(lap_runs(_STAGES, [str(args.workbook)], args.runs, ROOT), width=40)

    plain: list[dict[str, float]] = []
    charted: list[dict[str, float]] = []
    for _ in range(args.runs):  # alternated, so that a busy moment of the machine falls on both
        plain.append(render(args.workbook, charts=False))
        charted.append(render(args.workbook, charts=True))
    print(f"budget-report render, alternated, medians of {args.runs}:")
    for name, runs in (("without charts", plain), ("with --charts", charted)):
        seconds = statistics.median(r["seconds"] for r in runs)
        last = runs[-1]
        print(
            f"  {name:<16} {seconds:6.2f} s   PDF {last['pdf_kb']:7.0f} KiB, {last['pages']:.0f} pages"
            f"   DOCX {last['docx_kb']:6.0f} KiB   (other processes: {sum(r['others'] for r in runs):.1f} CPU-s)"
        )
    extra = statistics.median(r["seconds"] for r in charted) - statistics.median(r["seconds"] for r in plain)
    print(f"  charts add {extra:+.2f} s to a render")

    with tempfile.TemporaryDirectory(prefix="budget-charts-") as out:
        loaded = subprocess.run(
            [sys.executable, "-c", _WITHOUT, str(args.workbook), out], capture_output=True, text=True, check=True
        ).stdout.strip()
    print(f"A render without charts loaded matplotlib: {'yes' if loaded == 'True' else 'no'}")


if __name__ == "__main__":
    main()
