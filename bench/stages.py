"""Benchmark: where a render's time goes, stage by stage, in fresh processes.

    .venv/bin/python bench/stages.py            # 5 runs, medians
    .venv/bin/python bench/stages.py --runs 9 --workbook inputs/柳溪县卫生健康局2025.xlsx

Each run is a new Python process that does, one after the other and in that process only:
import the command line, load the workbook, derive the complete tables (once, as a render does),
check them, compute the document and its HTML, write the DOCX, import WeasyPrint with the fonts,
and lay out and draw the PDF, always the first PDF of its process as in a render. A render
overlaps these (the PDF process loads WeasyPrint while the workbook loads; the DOCX is written
meanwhile), so the sum is more than a render's wall time; `render_vs_soffice.py` times
the render itself. This is a benchmark, not a test: it prints figures and asserts nothing.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from _measure import lap_runs, print_medians

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "inputs" / "义马市工业信息化和科技局2024.xlsx"

_ONE_RUN = r"""
import json, sys, tempfile, time
from pathlib import Path
times = {}
start = time.perf_counter()
def lap(name):
    global start
    now = time.perf_counter()
    times[name] = round(now - start, 3)
    start = now
import generator.frontends.cli
lap("import the command line")
from generator.stages.check import check
from generator.stages.derive import complete
from generator.reference.codes import load_codes
from generator.stages.compute import build_document
from generator.gcpause import gc_paused
from generator.workbook.load import load_workbook
from generator.profile import load_profile
from generator.render.html import render_html
with gc_paused():
    budget = load_workbook(Path(sys.argv[1]))
    lap("load the workbook")
    codes = load_codes(budget.year)
    done = complete(budget, codes)
    lap("derive the tables")
    check(budget, codes, None, done)
    lap("check")
    html = render_html(build_document(budget, codes, load_profile(None), done), None)
    lap("compute and write the HTML")
from generator.render.docx import write_docx
out = Path(tempfile.mkdtemp(prefix="budget-stages-"))
write_docx(html, out / "x.docx")
lap("write the DOCX")
from generator.render import pdf
pdf.warm_up()
lap("import WeasyPrint, fonts, stylesheets")
document = pdf.render_document(html)
lap("PDF: lay out")
with gc_paused():
    document.write_pdf(out / "x.pdf")
lap("PDF: draw and write")
print(json.dumps(times, ensure_ascii=False))
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--workbook", type=Path, default=EXAMPLE)
    args = parser.parse_args()
    runs = lap_runs(_ONE_RUN, [str(args.workbook)], args.runs, ROOT)
    print(f"{args.workbook.name}: median of {args.runs} fresh processes per line (seconds)")
    print_medians(runs)


if __name__ == "__main__":
    main()
