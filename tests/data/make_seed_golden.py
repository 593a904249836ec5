"""Extract the seed's sentences into seed_sentences.txt (run once by hand; the output is reviewed and committed).

Reads only the seed document (../shared/seed), never this project's output. Normalises what the
PDF text extraction garbled and what the workbook deliberately unifies:
- whitespace removed, paragraphs broken across pages joined;
- the bureau's three spellings (and the typo "工业信息和科技局会") unified to the workbook's one name;
- half-width parentheses folded to full-width (the golden test folds both sides the same way).
Headings and the 目录 are kept as lines too; table text is not (see seed_tables.txt).
"""

import re
import sys
from pathlib import Path

SEED = Path(sys.argv[1] if len(sys.argv) > 1 else "../shared/seed/000_7af4e63d5851e13a.txt")
NAME = "义马市工业信息化和科技局"
VARIANTS = (
    "义马市工业和信息化和科技局",
    "义马市工业和信息化科技局",
    "义马市工业信息和科技局会",
    "义马市工业信息化和科技局",
)


def normalise(text: str) -> str:
    text = re.sub(r"\s+", "", text)
    for v in VARIANTS:
        text = text.replace(v, NAME)
    return text.replace("(", "（").replace(")", "）")


lines = SEED.read_text(encoding="utf-8").splitlines()
body_start = next(i for i, line in enumerate(lines) if line.strip() == "第一部分")
body_end = next(i for i, line in enumerate(lines) if line.startswith("附件：") and i > body_start)
paragraphs: list[str] = []
for raw in lines[body_start:body_end]:
    line = normalise(raw)
    if not line:
        continue
    previous = paragraphs[-1] if paragraphs else ""
    broken = len(previous) > 30 or "：是指" in previous  # a body paragraph, not a heading
    if broken and not previous.endswith(("。", "：")) and not line.startswith("第"):
        paragraphs[-1] += line
    else:
        paragraphs.append(line)
toc = [normalise(line.lstrip("- ")) for line in lines[:body_start] if line.strip()]
out = ["# The seed's 目录 entries"] + toc + ["# The seed's narrative, one paragraph or heading a line"] + paragraphs
(Path(__file__).parent / "seed_sentences.txt").write_text("\n".join(out) + "\n", encoding="utf-8")
print(len(paragraphs), "paragraphs")

# The figures of each table in the 附件, as the seed prints them ("1,959.63"), in order.
TITLES = (
    ("YS01", "部门收支总体情况表"),
    ("YS03", "部门支出总体情况表"),
    ("YS04", "财政拨款收支总体情况表"),
    ("YS05", "一般公共预算支出情况表"),
    ("YS06", "一般公共预算基本支出情况表"),
    ("YS08", "一般公共预算“三公”经费支出情况表"),
    ("YS09", "政府性基金预算支出情况表"),
    ("YS10", "项目支出预算表"),
    ("YS11", "部门（单位）整体绩效目标表"),
    ("YS12", "年部门预算项目绩效目标汇总表"),
    ("YS13", "国有资本经营支出预算表"),
    ("YS14", "行政（事业）单位机构运行经费表"),
)
FIGURE = re.compile(r"(?<![\d.,])\d{1,3}(?:,\d{3})*\.\d{2}(?![\d])")
annex = lines[body_end + 1 :]
starts = []
for code, title in TITLES:
    at = next(i for i, line in enumerate(annex) if title in line.replace(" ", "") and (not starts or i > starts[-1][1]))
    starts.append((code, at))
table_lines = ["# Each table's figures in the seed's 附件, in order (YS02 and YS07 are missing from the seed)"]
for k, (code, at) in enumerate(starts):
    end = starts[k + 1][1] if k + 1 < len(starts) else len(annex)
    figures = FIGURE.findall("\n".join(annex[at:end]))
    table_lines.append(f"{code}: {' '.join(figures)}")
(Path(__file__).parent / "seed_tables.txt").write_text("\n".join(table_lines) + "\n", encoding="utf-8")
print(len(starts), "tables")
