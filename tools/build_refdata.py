"""Turn the reference code sources in tools/refdata/*.tsv into generator/reference/refdata/codes_YYYY.json.

The TSV files are the data a maintainer edits (one row per code, the years it is in force, a note
where it is not certain); the JSON files are what the package ships and reads. Run it after editing
a TSV or adding a year: ``python tools/build_refdata.py``. tests/test_refdata.py fails when the JSON
and the TSV files disagree.

Sources (tools/refdata/):
- functions.tsv: 支出功能分类科目, 类/款/项: code, name, years, note
- classes.tsv: each 类's name as the document prints it, accepted other names and its YS01/YS04 row labels
- aliases.tsv: other names a 款 or 项 is accepted under, and why
- econ_dept.tsv, econ_gov.tsv: 部门/政府预算支出经济分类科目, 类/款: code, name, years, note
- dept_to_gov.tsv: 部门 → 政府经济分类 for a 行政单位 (gov_admin) and a 事业单位 (gov_inst)
"""

from __future__ import annotations

import csv
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SOURCES = ROOT / "tools" / "refdata"
TARGET = ROOT / "generator" / "reference" / "refdata"
YEARS = (2024, 2025, 2026)
UNCERTAIN = "待核"

SOURCE_TEXT = (
    "政府收支分类科目（{year}年）：支出功能分类科目（类、款、项，含政府性基金预算和国有资本经营预算支出科目）、"
    "部门预算支出经济分类科目和政府预算支出经济分类科目（类、款），以及行政单位部门经济分类到政府经济分类的对应关系。"
    "本表由维护者依财政部《政府收支分类科目》整理（2025年起含财预〔2025〕41号增设的科目；未见{year}年另有调整的，沿用上一年），"
    "不是财政部门下发的正式文件：名称或编码不能确定的列在 uncertain 中（待核）。"
    "各级财政部门的正式科目代码表以预算管理一体化系统导出的为准，可用 --codes 提供。"
    "类名按县级部门预算公开的通行写法印在文档中"
    "（215 印作“资源勘探信息等支出”，正式名称“资源勘探工业信息等支出”列为别名）。"
)


def read_tsv(name: str) -> list[dict[str, str]]:
    with (SOURCES / name).open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh, delimiter="\t"))


def in_year(row: dict[str, str], year: int) -> bool:
    return str(year) in row["years"].split(",")


def names_by_year(rows: list[dict[str, str]], year: int) -> dict[str, str]:
    found: dict[str, str] = {}
    for row in rows:
        if in_year(row, year):
            if row["code"] in found:
                raise SystemExit(f"{row['code']} appears twice for {year}")
            found[row["code"]] = row["name"]
    return dict(sorted(found.items()))


def notes(rows: list[dict[str, str]], year: int, uncertain: bool) -> dict[str, str]:
    return {
        r["code"]: r["note"]
        for r in rows
        if in_year(r, year) and r["note"] and r["note"].startswith(UNCERTAIN) == uncertain
    }


def build(year: int) -> dict[str, object]:
    functions = read_tsv("functions.tsv")
    econ_dept = read_tsv("econ_dept.tsv")
    econ_gov = read_tsv("econ_gov.tsv")
    names = names_by_year(functions, year)
    classes = []
    for row in read_tsv("classes.tsv"):
        official = names.get(row["code"])
        if official is None:
            continue
        aliases = [a for a in row["aliases"].split("、") if a]
        if official not in (row["name"], *aliases):
            raise SystemExit(f"类 {row['code']}: the official name {official} is neither its name nor an alias")
        classes.append(
            {
                "code": row["code"],
                "name": row["name"],
                "aliases": aliases,
                "ys01_label": row["ys01_label"],
                "ys04_label": row["ys04_label"],
            }
        )
    missing = sorted(c for c in names if len(c) == 3 and c not in {fc["code"] for fc in classes})
    if missing:
        raise SystemExit(f"类 without labels in classes.tsv: {missing}")
    aliases: dict[str, list[str]] = {}
    for row in read_tsv("aliases.tsv"):
        if row["code"] in names:
            aliases.setdefault(row["code"], []).append(row["alias"])
    mapping = {r["dept"]: r["gov_admin"] for r in read_tsv("dept_to_gov.tsv") if in_year(r, year) and r["gov_admin"]}
    everything = functions + econ_dept + econ_gov
    return {
        "year": year,
        "source": SOURCE_TEXT.format(year=year),
        "function_classes": classes,
        "functions": {c: n for c, n in names.items() if len(c) > 3},
        "econ_dept": names_by_year(econ_dept, year),
        "econ_gov": names_by_year(econ_gov, year),
        "dept_to_gov": dict(sorted(mapping.items())),
        "aliases": aliases,
        "uncertain": dict(sorted(notes(everything, year, uncertain=True).items())),
        "notes": dict(sorted(notes(everything, year, uncertain=False).items())),
    }


def render(data: dict[str, object]) -> str:
    return json.dumps(data, ensure_ascii=False, indent=1) + "\n"


def main() -> int:
    for year in YEARS:
        path = TARGET / f"codes_{year}.json"
        path.write_text(render(build(year)), encoding="utf-8")
        print(f"wrote {path.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
