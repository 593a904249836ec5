"""Benchmark: a fresh-process `budget-report render` of the example against LibreOffice, and a batch.

    .venv/bin/python bench/render_vs_soffice.py                 # 7 alternated pairs, then 50 workbooks
    .venv/bin/python bench/render_vs_soffice.py --pairs 5 --batch 0
    .venv/bin/python bench/render_vs_soffice.py --pairs 0 --batch 50 --jobs 2
    .venv/bin/python bench/render_vs_soffice.py --baseline /tmp/old/.venv/bin/budget-report

With ``--baseline`` (the ``budget-report`` of another checkout, e.g. the last release, with its own
virtualenv), each round also renders with it, in alternating order, and the batch runs with both:
before and after a change, measured in the same run on the same machine.

Single render: the wall time of `budget-report render EXAMPLE -o DIR` (PDF and DOCX, a new process
each time) and of `soffice --headless --convert-to pdf` of the DOCX it wrote (a cold LibreOffice
each time, as a clerk would run it), alternated pair by pair so that both see the same machine;
medians and their ratio. Batch: `budget-report batch` over N copies of the example (different
names) in a temporary folder; the wall time per document, and the peak resident memory of the
largest worker process (ru_maxrss of the command's process tree, from wait4).

Each figure comes with the CPU time it took and the CPU time the rest of the machine used
meanwhile (from /proc/stat): when the latter is not near zero, another job was competing for the
two cores and the wall times are inflated.

This is a benchmark, not a test: it prints figures and asserts nothing. Run it on a quiet machine.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import sys
import tempfile
from pathlib import Path

from _measure import Run, load, machine, measure

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "inputs" / "义马市工业信息化和科技局2024.xlsx"
BIN = Path(sys.executable).parent
COMMAND = BIN / "budget-report"
LO_PROFILE = "file:///tmp/lo_bench_profile"


def single(
    pairs: int, work: Path, lo_profile: str, baseline: Path | None = None, example: Path = EXAMPLE
) -> dict[str, object]:
    out, lo_out = work / "render", work / "soffice"
    commands: dict[str, list[str | Path]] = {"budget-report": [COMMAND, "render", example, "-o", out]}
    if baseline is not None:
        commands["baseline"] = [baseline, "render", example, "-o", work / "baseline"]
    docx = out / f"{example.stem}.docx"
    soffice = shutil.which("soffice")
    if soffice is None:
        sys.exit("soffice (LibreOffice) is not installed: apt-get install libreoffice-writer-nogui")
    profile = f"-env:UserInstallation={lo_profile}"
    commands["soffice"] = [soffice, profile, "--headless", "--convert-to", "pdf", "--outdir", lo_out, docx]
    # One untimed run of each: the DOCX for LibreOffice, its profile, the page cache.
    for command in commands.values():
        measure(command)
    print(f"single render, {pairs} rounds of {', '.join(commands)} ({load()})", flush=True)
    runs: dict[str, list[Run]] = {name: [] for name in commands}
    for i in range(pairs):
        order = list(commands) if i % 2 == 0 else list(reversed(commands))
        for name in order:
            runs[name].append(measure(commands[name]))
        print(
            f"  round {i + 1}: "
            + "   ".join(f"{name} {runs[name][-1].wall:.2f} s (cpu {runs[name][-1].cpu:.2f} s)" for name in commands)
            + f"   other processes meanwhile {sum(r[-1].others for r in runs.values()):.2f} cpu-s",
            flush=True,
        )
    assert (lo_out / f"{example.stem}.pdf").is_file()
    ours, theirs = runs["budget-report"], runs["soffice"]
    soffice_median = statistics.median(r.wall for r in theirs)
    result: dict[str, object] = {
        "pairs": pairs,
        "render_s": [round(r.wall, 3) for r in ours],
        "soffice_s": [round(r.wall, 3) for r in theirs],
        "render_median_s": round(statistics.median(r.wall for r in ours), 3),
        "soffice_median_s": round(soffice_median, 3),
        "ratio": round(statistics.median(r.wall for r in ours) / soffice_median, 2),
        "render_cpu_median_s": round(statistics.median(r.cpu for r in ours), 3),
        "render_peak_rss_mib": round(max(r.max_rss_kib for r in ours) / 1024),
        "others_cpu_s": round(sum(r.others for rs in runs.values() for r in rs), 2),
    }
    if baseline is not None:
        base = runs["baseline"]
        result |= {
            "baseline_s": [round(r.wall, 3) for r in base],
            "baseline_median_s": round(statistics.median(r.wall for r in base), 3),
            "baseline_ratio": round(statistics.median(r.wall for r in base) / soffice_median, 2),
            "baseline_cpu_median_s": round(statistics.median(r.cpu for r in base), 3),
            "baseline_peak_rss_mib": round(max(r.max_rss_kib for r in base) / 1024),
        }
    return result


def batch(
    count: int, jobs: int | None, work: Path, command_path: Path = COMMAND, name: str = "", example: Path = EXAMPLE
) -> dict[str, object]:
    folder, out = work / f"city{name}", work / f"city{name}-out"
    folder.mkdir()
    for i in range(count):
        shutil.copyfile(example, folder / f"局{i + 1:03d}.xlsx")
    command = [command_path, "batch", folder, "-o", out] + (["--jobs", str(jobs)] if jobs else [])
    print(f"batch of {count} workbooks with {command_path}, jobs={jobs or 'default'} ({load()})", flush=True)
    run = measure(command)
    written = sorted(p.suffix for p in out.iterdir())
    assert written.count(".pdf") == written.count(".docx") == count, written
    print(
        f"  {run.wall:.1f} s, {run.wall / count:.2f} s per document (cpu {run.cpu / count:.2f} s per document), "
        f"largest worker {run.max_rss_kib / 1024:.0f} MiB, other processes meanwhile {run.others:.1f} cpu-s",
        flush=True,
    )
    return {
        "workbooks": count,
        "jobs": jobs or len(os.sched_getaffinity(0)),
        "wall_s": round(run.wall, 2),
        "per_document_s": round(run.wall / count, 3),
        "cpu_per_document_s": round(run.cpu / count, 3),
        "peak_rss_per_worker_mib": round(run.max_rss_kib / 1024),
        "others_cpu_s": round(run.others, 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--pairs", type=int, default=7, help="alternated render/soffice pairs (0: skip)")
    parser.add_argument("--batch", type=int, default=50, help="workbooks in the batch (0: skip)")
    parser.add_argument("--jobs", type=int, default=None, help="batch --jobs (default: the command's own)")
    parser.add_argument("--lo-profile", default=LO_PROFILE, help="LibreOffice -env:UserInstallation URL")
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    parser.add_argument("--baseline", type=Path, help="another checkout's budget-report, measured alternately")
    parser.add_argument("--example", type=Path, default=EXAMPLE, help="the workbook rendered (default: 义马)")
    args = parser.parse_args()
    figures: dict[str, object] = {"machine": machine()}
    print(json.dumps(figures["machine"], ensure_ascii=False), f"example: {args.example.name}", flush=True)
    with tempfile.TemporaryDirectory(prefix="budget-bench-") as tmp:
        work = Path(tmp)
        if args.pairs:
            figures["single"] = result = single(args.pairs, work, args.lo_profile, args.baseline, args.example)
            print(
                f"single render: budget-report median {result['render_median_s']:.2f} s, "
                f"soffice median {result['soffice_median_s']:.2f} s, ratio {result['ratio']:.2f} "
                f"(peak RSS {result['render_peak_rss_mib']} MiB)",
                flush=True,
            )
            if args.baseline:
                print(
                    f"baseline: median {result['baseline_median_s']:.2f} s, ratio {result['baseline_ratio']:.2f} "
                    f"(peak RSS {result['baseline_peak_rss_mib']} MiB)",
                    flush=True,
                )
        if args.batch:
            if args.baseline:
                figures["batch_baseline"] = batch(args.batch, args.jobs, work, args.baseline, "-baseline", args.example)
            figures["batch"] = batch(args.batch, args.jobs, work, example=args.example)
    if args.json:
        args.json.write_text(json.dumps(figures, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
