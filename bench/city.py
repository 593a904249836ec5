"""Benchmark: a city's workbooks (300 by default) through one `budget-report batch`.

    .venv/bin/python bench/city.py                          # 300: ~2 min to generate, ~10 min of batch on 2 cores
    .venv/bin/python bench/city.py --count 8 --jobs 2       # a quick look
    .venv/bin/python bench/city.py --keep /tmp/city         # keep the workbooks (and the documents, in /tmp/city-out)
    .venv/bin/python bench/city.py --baseline /tmp/old/.venv/bin/budget-report

First it generates, deterministically from ``--seed``, a folder of workbooks that look like a
city's departments rather than copies of one file: each starts from one of the two example
workbooks in inputs/ (a 市级 bureau with one unit, a 县级 one with three units and several
sources of income) and gets its own bureau name (a county or the city, and a department:
云岭市教育局, 石门县民政局, …, numbered when one comes again), its own 部门编码 (and the unit codes
under it), and its detail amounts, last year's figures and 政府采购 amounts multiplied by its own
factor, 0.3 to 3.0 in tenths. The examples hold no total rows (the tool derives them) and no
amount finer than 0.001 万元, so each product is exact at 0.0001 万元 (one 元): every sum, every
equality between tables and every rounding difference scales with its figures, and the check
finds what it finds in the example. The generator checks every workbook it writes with the
library (load → derive → check) and stops unless each is valid. About 2 % of them are then
broken on purpose (a YS03 工资福利支出 cell 1 万元 off its row's 基本支出: a check error), and
one file is not a workbook at all: the batch must make the documents of all the others.

Then it runs `budget-report batch FOLDER -o OUT` (this checkout's command, and with ``--baseline``
another checkout's first) and prints: the wall time, seconds and CPU seconds per document made,
the peak resident memory of the largest worker (ru_maxrss of the command's process tree, from
wait4: one worker process per workbook, so it stays the same however many workbooks there are),
how many workbooks succeeded and failed, and the CPU time other processes used meanwhile (from
/proc/stat; when it is not near zero, the wall time is inflated).

This is a benchmark, not a test: it asserts only that the generated workbooks are what they
should be (valid, or broken as intended), and prints figures. Run it on a quiet machine.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import sys
import tempfile
import time
from collections import Counter
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from _measure import load, machine, measure

ROOT = Path(__file__).resolve().parents[1]
BASES = (ROOT / "inputs" / "义马市工业信息化和科技局2024.xlsx", ROOT / "inputs" / "柳溪县卫生健康局2025.xlsx")
COMMAND = Path(sys.executable).parent / "budget-report"

CITY = "云岭市"
COUNTIES = ("柳溪县", "石门县", "青河县", "安平县", "松阳县", "临川县")
DEPARTMENTS = (
    "发展和改革委员会",
    "教育局",
    "科学技术局",
    "工业和信息化局",
    "公安局",
    "民政局",
    "司法局",
    "财政局",
    "人力资源和社会保障局",
    "自然资源局",
    "住房和城乡建设局",
    "交通运输局",
    "水利局",
    "农业农村局",
    "商务局",
    "文化广电和旅游局",
    "卫生健康局",
    "退役军人事务局",
    "应急管理局",
    "审计局",
    "市场监督管理局",
    "统计局",
    "医疗保障局",
    "林业局",
    "城市管理局",
    "乡村振兴局",
    "机关事务管理局",
    "信访局",
    "体育局",
    "政务服务和大数据管理局",
    "档案馆",
    "融媒体中心",
    "总工会",
    "妇女联合会",
    "残疾人联合会",
    "科学技术协会",
    "供销合作社",
    "地方志编纂中心",
    "生态环境分局",
    "粮食和物资储备中心",
)

FACTOR_TENTHS = (3, 30)  # each workbook's factor: 0.3 … 3.0, in tenths
QUANTUM = Decimal("0.0001")  # one 元 in 万元: what each scaled amount is written to (and exact at)
BROKEN_SHARE = 0.02  # workbooks given a check error on purpose
NOT_A_WORKBOOK = b"PK\x03\x04 this file was cut short: not a workbook\n"


@dataclass(frozen=True)
class Spec:
    """One generated workbook: which example it starts from and what it changes."""

    file: str
    base: int  # index into BASES
    bureau: str
    place: str
    dept_code: str
    factor: str  # a Decimal, as text
    broken: str = ""  # "" (valid), "check" (a check error) or "unreadable"


def plan(count: int, seed: int) -> list[Spec]:
    """The city's workbooks, deterministically from ``seed``: the first n are the same whatever the count."""
    rng = random.Random(seed)
    pairs = [(place, dept) for place in (CITY, *COUNTIES) for dept in DEPARTMENTS]
    rng.shuffle(pairs)
    codes = list(range(100, 1000))
    rng.shuffle(codes)
    codes += range(1000, 1000 + max(0, count - len(codes)))
    broken = max(1, round(count * BROKEN_SHARE)) if count >= 4 else 0
    unreadable = 1 if count >= 3 else 0
    odd = random.Random(f"{seed}/broken/{count}").sample(range(count), broken + unreadable)
    kinds = {i: "check" for i in odd[:broken]} | {i: "unreadable" for i in odd[broken:]}
    seen: Counter[str] = Counter()
    specs = []
    for i in range(count):
        place, dept = pairs[i % len(pairs)]
        name = place + dept
        seen[name] += 1
        bureau = name if seen[name] == 1 else f"{name}（{seen[name]}）"
        own = random.Random(f"{seed}/{i}")
        base = own.randrange(len(BASES))
        factor = Decimal(own.randint(*FACTOR_TENTHS)) / 10
        year = re.search(r"\d{4}", BASES[base].stem)
        specs.append(
            Spec(
                f"{i + 1:03d}{bureau}{year.group(0) if year else ''}.xlsx",
                base,
                bureau,
                place,
                f"{codes[i]:03d}",
                str(factor),
                kinds.get(i, ""),
            )
        )
    return specs


class Template:
    """An example workbook loaded once per process, and the cells a generated workbook rewrites.

    Every generated workbook rewrites the same cells from the example's values, so one loaded
    workbook serves them all (values only: styles, validation and protection stay the example's).
    """

    def __init__(self, path: Path) -> None:
        import openpyxl
        from openpyxl.utils import get_column_letter

        from generator.workbook import schema

        self.wb = openpyxl.load_workbook(path)
        facts = self.wb[schema.FACTS_SHEET]
        self.fact_rows = {
            str(facts.cell(r, 1).value).strip(): r for r in range(1, facts.max_row + 1) if facts.cell(r, 1).value
        }
        self.bureau = str(facts.cell(self.fact_rows["部门名称"], 2).value)
        self.dept_code = str(facts.cell(self.fact_rows["部门编码"], 2).value)
        found = re.match(r".+?[市县区]", self.bureau)
        self.place = found.group(0) if found else self.bureau
        self.amounts: dict[tuple[str, str], Decimal] = {}  # (sheet, cell) → the example's amount
        self.texts: dict[tuple[str, str], str] = {}  # cells naming the bureau, its place or its codes
        for spec in schema.TABLES:
            ws = self.wb[spec.sheet_name]
            keys = spec.amount_keys()
            for row in ws.iter_rows(min_row=spec.data_row):
                for cell in row:
                    key = spec.columns[cell.column - 1].key if cell.column <= len(spec.columns) else None
                    self._note(ws.title, cell, amount=key in keys)
        ys03 = schema.TABLES_BY_CODE["YS03"]
        wage = get_column_letter(ys03.column_index("wage"))
        self.wage_cell = next(
            (s, c) for (s, c) in self.amounts if s == ys03.sheet_name and c.rstrip("0123456789") == wage
        )
        prior = self.wb[schema.PRIOR_SHEET]
        for row in prior.iter_rows(min_row=2, min_col=2, max_col=2):
            self._note(prior.title, row[0], amount=True)
        amount_facts = {f.label for f in schema.FACTS if f.kind == "amount"}
        amount_rows = {r for label, r in self.fact_rows.items() if label in amount_facts}
        for r in range(1, facts.max_row + 1):  # lists continue on rows without a label
            self._note(facts.title, facts.cell(r, 2), amount=r in amount_rows)
        self.names = re.compile(
            "|".join(re.escape(s) for s in sorted({self.bureau, self.place}, key=len, reverse=True))
        )
        self.unit_code = re.compile(rf"{re.escape(self.dept_code)}(\d{{3}})")

    def _note(self, sheet: str, cell: object, *, amount: bool) -> None:
        value = getattr(cell, "value", None)
        coordinate = str(getattr(cell, "coordinate", ""))
        if amount and isinstance(value, int | float) and not isinstance(value, bool):
            self.amounts[sheet, coordinate] = Decimal(repr(value))  # the digits the example wrote
        elif isinstance(value, str) and not value.startswith("="):
            if self.bureau in value or self.place in value or re.fullmatch(rf"{self.dept_code}(\d{{3}})?", value):
                self.texts[sheet, coordinate] = value

    def write(self, spec: Spec, path: Path) -> None:
        """Write ``spec``'s workbook to ``path``: the example with its names, codes and amounts changed."""
        factor = Decimal(spec.factor)
        names = {self.bureau: spec.bureau, self.place: spec.place}
        for (sheet, coordinate), original in self.texts.items():
            if original == self.dept_code:
                value = spec.dept_code
            elif self.unit_code.fullmatch(original):
                value = self.unit_code.sub(lambda m: spec.dept_code + m.group(1), original)
            else:
                value = self.names.sub(lambda m: names[m.group(0)], original)
            self.wb[sheet][coordinate].value = value
        for (sheet, coordinate), original in self.amounts.items():
            scaled = original * factor
            written = scaled.quantize(QUANTUM)
            assert written == scaled, f"{sheet}!{coordinate}: {original} × {factor} is not exact at {QUANTUM}"
            self.wb[sheet][coordinate].value = written
        facts = self.wb["基本信息"]
        facts.cell(self.fact_rows["财政级次"], 2).value = "市级" if spec.place == CITY else "县级"
        if spec.broken == "check":
            # One 工资福利支出 cell of YS03 1 万元 more than its row's 基本支出 allows: 小计不符, an error.
            sheet, coordinate = self.wage_cell
            self.wb[sheet][coordinate].value = self.amounts[sheet, coordinate] * factor + 1
        self.wb.save(path)


_TEMPLATES: dict[int, Template] = {}


def make(spec: Spec, folder: Path) -> tuple[str, int, int]:
    """In a worker: write one workbook and check it with the library; (file, errors, warnings)."""
    from generator.errors import BudgetError
    from generator.jobs import pipeline

    path = folder / spec.file
    if spec.broken == "unreadable":
        path.write_bytes(NOT_A_WORKBOOK)
        try:
            pipeline.inspect(path)
        except BudgetError:
            return spec.file, 1, 0
        raise AssertionError(f"{path} was meant to be unreadable, and it loads")
    if spec.base not in _TEMPLATES:
        _TEMPLATES[spec.base] = Template(BASES[spec.base])
    _TEMPLATES[spec.base].write(spec, path)
    budget, findings, _codes = pipeline.inspect(path)
    errors = [f for f in findings if f.severity == "error"]
    if spec.broken:
        assert errors, f"{path} was meant to have a check error, and has none"
    else:
        assert not errors, f"{path} should check with 0 errors:\n" + "\n".join(
            f"  {f.where} {f.rule} {f.message} {f.expected} / {f.found}" for f in errors
        )
        assert budget.bureau == spec.bureau and budget.facts.text("dept_code") == spec.dept_code, path
    return spec.file, len(errors), len(findings) - len(errors)


def generate(count: int, seed: int, folder: Path, jobs: int) -> tuple[list[Spec], dict[str, object]]:
    specs = plan(count, seed)
    started = time.perf_counter()
    with ProcessPoolExecutor(max_workers=jobs) as pool:
        results = list(pool.map(make, specs, [folder] * len(specs), chunksize=max(1, count // (4 * jobs))))
    seconds = time.perf_counter() - started
    warned = sum(1 for _, errors, warnings in results if warnings and not errors)
    broken = [s for s in specs if s.broken]
    print(
        f"generated {count} workbooks in {seconds:.1f} s (seed {seed}), each checked: "
        f"{count - len(broken)} valid (0 errors; {warned} with warnings), "
        f"{len(broken)} broken on purpose ({', '.join(f'{s.file}: {s.broken}' for s in broken) or 'none'})",
        flush=True,
    )
    factors = [Decimal(s.factor) for s in specs]
    return specs, {
        "count": count,
        "seed": seed,
        "seconds": round(seconds, 1),
        "from_each_example": [sum(1 for s in specs if s.base == i) for i in range(len(BASES))],
        "factors": [str(min(factors)), str(max(factors))],
        "broken": {s.file: s.broken for s in broken},
    }


_SUMMARY = re.compile(r"(\d+) 个工作簿已生成，(\d+) 个失败")


def batch(
    folder: Path, out: Path, specs: list[Spec], jobs: int | None, command: Path = COMMAND, label: str = "this checkout"
) -> dict[str, object]:
    """One `budget-report batch` over the folder, measured."""
    argv: list[str | Path] = [command, "batch", folder, "-o", out] + (["--jobs", str(jobs)] if jobs else [])
    print(f"batch of {len(specs)} workbooks, {label}: {command}, jobs={jobs or 'default'} ({load()})", flush=True)
    run = measure(argv, may_fail=True, keep_output=True)
    made = {p.stem for p in out.glob("*.pdf")} & {p.stem for p in out.glob("*.docx")} if out.is_dir() else set()
    failed = sorted(s.file for s in specs if Path(s.file).stem not in made)
    expected = sorted(s.file for s in specs if s.broken)
    summary = _SUMMARY.search(run.output)
    per = max(1, len(made))
    print(
        f"  {run.wall:.1f} s, {run.wall / per:.2f} s per document (cpu {run.cpu / per:.2f} s per document), "
        f"largest worker {run.max_rss_kib / 1024:.0f} MiB, other processes meanwhile {run.others:.1f} cpu-s\n"
        f"  {len(made)} succeeded, {len(failed)} failed (exit code {run.returncode}; the command says "
        f"{summary.group(0) if summary else 'nothing'})"
        + ("" if failed == expected else f"\n  failed were not the broken ones: {failed} against {expected}"),
        flush=True,
    )
    return {
        "command": str(command),
        "label": label,
        "workbooks": len(specs),
        "jobs": jobs or len(os.sched_getaffinity(0)),
        "wall_s": round(run.wall, 2),
        "per_document_s": round(run.wall / per, 3),
        "cpu_per_document_s": round(run.cpu / per, 3),
        "peak_rss_per_worker_mib": round(run.max_rss_kib / 1024),
        "succeeded": len(made),
        "failed": len(failed),
        "failed_as_expected": failed == expected,
        "exit_code": run.returncode,
        "others_cpu_s": round(run.others, 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--count", type=int, default=300, help="workbooks to generate (default 300)")
    parser.add_argument("--jobs", type=int, default=None, help="batch --jobs (default: the command's own)")
    parser.add_argument("--seed", type=int, default=14, help="the generator's seed (default 14)")
    parser.add_argument("--keep", type=Path, help="generate into this new folder and keep it (documents: DIR-out)")
    parser.add_argument("--baseline", type=Path, help="another checkout's budget-report, run on the same folder first")
    parser.add_argument("--json", type=Path, help="also write the figures to this file ('-': one line on stdout)")
    args = parser.parse_args()
    if args.count < 1:
        parser.error("--count must be at least 1")
    if args.keep is not None:
        for folder in (args.keep, args.keep.with_name(args.keep.name + "-out")):
            if folder.exists() and any(folder.iterdir()):
                parser.error(f"--keep {args.keep}: {folder} is not empty")
    figures: dict[str, object] = {"machine": machine()}
    print(json.dumps(figures["machine"], ensure_ascii=False), flush=True)
    with tempfile.TemporaryDirectory(prefix="budget-city-") as tmp:
        folder = args.keep if args.keep is not None else Path(tmp) / "city"
        out = folder.with_name(folder.name + "-out") if args.keep is not None else Path(tmp) / "city-out"
        folder.mkdir(parents=True, exist_ok=True)
        specs, figures["generated"] = generate(args.count, args.seed, folder, args.jobs or len(os.sched_getaffinity(0)))
        if args.baseline:
            figures["batch_baseline"] = batch(
                folder, out.with_name(out.name + "-baseline"), specs, args.jobs, args.baseline
            )
        figures["batch"] = batch(folder, out, specs, args.jobs)
    if args.json:
        text = json.dumps(figures, ensure_ascii=False, indent=None if str(args.json) == "-" else 2)
        if str(args.json) == "-":
            print(text)
        else:
            args.json.write_text(text + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
