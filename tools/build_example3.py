"""Build the third example workbook ``inputs/上海市普陀区财政局2025.xlsx`` from the Shanghai transcription.

The source is ``tools/examples/shanghai-2025/transcription.yaml``: 上海市普陀区2025年区级部门预算
(预算主管部门 上海市普陀区财政局), transcribed from the published text and verified with Decimal
arithmetic by ``verify.py`` there. Nothing is retyped here: every amount is the transcription's
``元`` (表9: ``万元``) string, every text a slice of its paragraphs. The workbook is the blank
workbook of the ``shanghai-district`` format, filled as the bureau's clerk would fill it:

- the nine tables row for row as published (表8's printed 0.00 typed as 0, the others' blanks left
  empty), and the workbook-only table P: the four projects with 绩效目标 and their amounts (the
  narrative's 万元 × 10000);
- the narrative's facts: the 主要职能 without their printed numbers (（一）… is laid out by the
  template), the 机构设置 counts, each 项's purpose (the words after 主要用于), the 三公 reasons and
  note, 政府采购, the vehicle and equipment counts, the 项目经费情况说明 texts. No 名词解释: the format's
  standard four are the document's;
- the 上年数: last year's budget figures, reconstructed from the changes the document states
  (3,121.42 − 107.62 = 3,013.80 for 财政拨款 and 一般公共预算; 持平 for the rest).

The tables hold no mistake (verify.py finds none there); the narrative's published mistakes are
corrected where they are typed, in the facts (see CORRECTIONS below and README "The example
workbooks"): the rest (887.36, the cut amounts, items 7–11 twice, 其它, the 三公 labels, the 表7
note) the generator cannot repeat, since it prints those from the tables and the format.

Run from the project root: ``python tools/build_example3.py``.
"""

from __future__ import annotations

import datetime
import pathlib
import re
import sys
from decimal import Decimal

ROOT = pathlib.Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import openpyxl  # noqa: E402
import yaml  # noqa: E402

from generator.formats import builtin  # noqa: E402
from generator.formats.spec import TableSpec  # noqa: E402
from generator.workbook import blank, schema  # noqa: E402

SOURCE = ROOT / "tools" / "examples" / "shanghai-2025" / "transcription.yaml"
FORMAT = "shanghai-district"
STAMP = datetime.datetime(2025, 1, 1)

# The published text's typing slips in the facts typed from it, and what the workbook holds instead.
# (The mistakes in the narrative's figures and 科目 names need no correction here: the generator
# prints those from the tables.)
CORRECTIONS: tuple[tuple[str, str, str], ...] = (
    # N5: every other nonzero 万元 figure has two decimals, and the same project is 10.00万元 in 六 四
    ("project_budget", "财政业务费10万元", "财政业务费10.00万元"),
    # N6: thousands are grouped everywhere else in the narrative (3,121.42万元)
    ("project_overview", "3000.00万元", "3,000.00万元"),
    # stray spaces inside words (a typing slip of the source system, transcription README item 2)
    ("project_overview", "纳 入", "纳入"),
    ("project_overview", "对行 政", "对行政"),
    ("project_overview", "景观提升 等", "景观提升等"),
)

# Transcription column → format column key, per table.
COLUMNS: dict[str, dict[str, str]] = {
    "T1": {"收入项目": "in_label", "收入预算数": "in_amount", "支出项目": "out_label", "支出预算数": "out_amount"},
    "T2": {
        "类": "lei",
        "款": "kuan",
        "项": "xiang",
        "name": "name",
        "合计": "total",
        "财政拨款收入": "fiscal",
        "事业收入": "business_income",
        "事业单位经营收入": "operating_income",
        "其他收入": "other_income",
    },
    "T4": {
        "收入项目": "in_label",
        "收入预算数": "in_amount",
        "支出项目": "out_label",
        "合计": "out_total",
        "一般公共预算": "out_gpb",
        "政府性基金预算": "out_gov_fund",
        "国有资本经营预算": "out_soe",
    },
    "T8": {"类": "lei", "款": "kuan", "name": "name", "合计": "total", "人员经费": "personnel", "公用经费": "public"},
    "T9": {
        "合计": "total",
        "因公出国(境)费": "abroad",
        "公务接待费": "reception",
        "公务用车购置及运行费/小计": "vehicle",
        "公务用车购置及运行费/购置费": "vehicle_purchase",
        "公务用车购置及运行费/运行费": "vehicle_running",
        "机关运行经费预算数": "operating_cost",
    },
}
SPENDING = {
    "类": "lei",
    "款": "kuan",
    "项": "xiang",
    "name": "name",
    "合计": "total",
    "基本支出": "basic",
    "项目支出": "project",
}
for _code in ("T3", "T5", "T6", "T7"):
    COLUMNS[_code] = SPENDING

CN_NUMBER = re.compile(r"^（[一二三四五六七八九十]+）")


def transcription() -> dict:
    return yaml.safe_load(SOURCE.read_text(encoding="utf-8"))


def paragraphs(doc: dict) -> dict[str, str]:
    """Every paragraph of the document by id (s4.p5, s6.1.p2 …)."""
    out: dict[str, str] = {}
    for section in doc["document"]["sections"]:
        for p in section.get("paragraphs", []):
            out[p["id"]] = p["text"]
        for sub in section.get("subsections", []):
            for p in sub["paragraphs"]:
                out[p["id"]] = p["text"]
    return out


def one(pattern: str, text: str) -> str:
    found = re.search(pattern, text)
    if not found:
        raise AssertionError(f"{pattern!r} not in {text!r}")
    return found.group(1)


def fill_table(wb: openpyxl.Workbook, spec: TableSpec, table: dict) -> None:
    """The published rows as typed: texts and codes as printed, amounts from their 元 (万元) strings."""
    ws = wb[spec.sheet_name]
    names = COLUMNS[spec.code]
    unit = table["unit"]
    row = spec.data_row
    for published in table["rows"]:
        cells = published["cells"]
        if "label" in cells:  # the 合计 spanning the code and name columns is typed in the name column
            ws.cell(row=row, column=spec.column_index("name"), value=cells["label"]["text"])
        for source, cell in cells.items():
            if source == "label":
                continue
            key = names[source]
            column = spec.column(key)
            if column.kind == "amount":
                value = cell.get(unit)
                if value is not None:
                    ws.cell(row=row, column=spec.column_index(key), value=float(Decimal(value)))
            elif cell["text"]:
                ws.cell(row=row, column=spec.column_index(key), value=cell["text"])
        row += 1


def projects(text: str) -> list[tuple[str, Decimal]]:
    """六 四's projects: (name, amount in 元) from "其中：中介机构服务费418.80万元，…"."""
    listed = text.split("其中：", 1)[1]
    return [(name, Decimal(wan) * 10000) for name, wan in re.findall(r"([^，。]+?)(\d+\.\d{2})万元", listed)]


def facts(doc: dict, tables: dict[str, dict]) -> dict[str, object]:
    p = paragraphs(doc)
    bureau = doc["document"]["预算主管部门"]
    # 四's items 1–11 (the first printing; 7–11 are printed twice) list T5's 项 in table order
    items = [r for r in tables["T5"]["rows"] if r.get("level") == "项"]
    purposes = []
    for n, row in enumerate(items, start=1):
        text = p[f"s4.p{n + 4}"]
        assert text.startswith(f"{n}.“"), text
        name = re.sub(r"\s", "", one(r"（款）(.*?)（项）", text)).replace("其它", "其他")
        assert name == row["cells"]["name"]["text"], (name, row["cells"]["name"]["text"])
        purposes.append(f"{row['code']}：{one(r'主要用于(.*?)。$', text)}")
    sangong = doc["other"]["三公经费"]
    car = sangong["公务用车购置及运行费"]
    assets, bought = p["s6.5.p1"], p["s6.5.p2"]
    kinds = (
        "部级领导干部用车",
        "主要领导干部用车",
        "机要通信用车",
        "应急保障用车",
        "执法执勤用车",
        "特种专业技术用车",
        "离退休干部用车",
        "其他用车",
    )
    keys = ("ministerial", "leader", "confidential", "emergency", "enforcement", "special", "retired", "other")
    project = doc["projects"][0]
    values: dict[str, object] = {
        "bureau": bureau,
        "year": int(doc["document"]["year"]),
        "district": one(r"^(.+?)\d{4}年区级部门预算$", doc["document"]["title"]),
        "short_name": one(r"，(.+?)共有车辆", assets),
        "nature": one(rf"^{bureau}是(.*)。$", p["s1.p1"]),
        "duties": [CN_NUMBER.sub("", p[f"s1.p{n}"]) for n in range(3, 15)],
        "units": [re.sub(r"^\d+\.", "", p["s2.p3"])],
        "subordinate_units": int(one(r"下属(\d+)家", p["s2.p1"])),
        "admin_units": int(one(r"行政单位(\d+)家", p["s2.p2"])),
        "public_units": int(one(r"事业单位(\d+)家", p["s2.p2"])),
        "reason_fiscal": one(r"主要原因是(.*?)。$", p["s4.p3"]),
        "purposes": purposes,
        "note_abroad": sangong["因公出国（境）费"]["reason"],
        "reason_vehicle_purchase": car["购置费"]["reason"],
        "reason_vehicle_running": car["运行费"]["reason"],
        "reason_reception": sangong["公务接待费"]["reason"],
        "procurement_goods": float(Decimal(one(r"货物预算([\d.,]+)万元", p["s6.3.p1"]))),
        "procurement_works": float(Decimal(one(r"工程预算([\d.,]+)万元", p["s6.3.p1"]))),
        "procurement_services": float(Decimal(one(r"服务预算([\d.,]+)万元", p["s6.3.p1"]))),
        "assets_date": one(r"^截至(.+?)，", assets),
        "equipment": int(one(r"设备（不含车辆）(\d+)台", assets)),
        "buy_equipment": int(one(r"设备（不含车辆）(\d+)台", bought)),
        # 项目经费情况说明: the sub-items and the numbered 依据 one a line (the document runs them on)
        "project_overview": re.split(r"(?<=。) (?=\S+：)", project["项目概述"]["paragraphs"][0]),
        "project_basis": re.split(r"(?<=。) (?=\d+、)", project["立项依据"]["paragraphs"][0]),
        "project_executors": project["实施主体"]["paragraphs"][0],
        "project_plan": project["实施方案"]["paragraphs"][0],
        "project_period": project["实施周期"]["paragraphs"][0],
        "project_budget": project["年度预算安排"]["paragraphs"][0],
        "project_goals": list(project["绩效目标"]["paragraphs"]),
    }
    for kind, key in zip(kinds, keys, strict=True):
        values[f"vehicles_{key}"] = int(one(rf"{kind}(\d+)辆", assets))
        values[f"buy_{key}"] = int(one(rf"{kind}(\d+)辆", bought))
    for key, printed, corrected in CORRECTIONS:
        value = values[key]
        if isinstance(value, list):
            assert any(printed in line for line in value), (key, printed)
            values[key] = [line.replace(printed, corrected) for line in value]
        else:
            assert printed in str(value), (key, printed)
            values[key] = str(value).replace(printed, corrected)
    return values


def prior(doc: dict, tables: dict[str, dict]) -> dict[str, float]:
    """Last year's budget, from the changes the document states ("比2024年预算增加107.62万元", "持平")."""
    p = paragraphs(doc)
    total = Decimal(tables["T1"]["rows"][-1]["cells"]["收入预算数"]["元"]) / 10000
    rise = Decimal(one(r"财政拨款收入[\d,.]+万元，比\d{4}年预算增加([\d.]+)万元", p["s4.p1"]))
    assert p["s4.p2"].count(f"增加{rise}万元") == 2  # 财政拨款支出 and 一般公共预算: the same rise
    base = total.quantize(Decimal("0.01")) - rise  # 3,121.42 − 107.62 = 3,013.80
    sangong = doc["other"]["三公经费"]
    assert "持平" in sangong["合计"]["comparison"] and "持平" in sangong["公务接待费"]["comparison"]
    assert "持平" in sangong["因公出国（境）费"]["comparison"]
    assert all("一致" in sangong["公务用车购置及运行费"][k]["comparison"] for k in ("购置费", "运行费"))
    flat = {k: Decimal(sangong[k]["value"]) for k in ("合计", "因公出国（境）费", "公务接待费")}
    car = sangong["公务用车购置及运行费"]
    assert "政府性基金拨款支出预算0万元，与2024年预算持平" in p["s4.p2"]
    assert "国有资本经营预算拨款支出预算0万元，与2024年预算持平" in p["s4.p2"]
    return {
        "fiscal_income": float(base),
        "fiscal_spending": float(base),
        "gpb": float(base),
        "gov_fund": 0.0,
        "soe": 0.0,
        "sangong": float(flat["合计"]),
        "abroad": float(flat["因公出国（境）费"]),
        "vehicle_purchase": float(Decimal(car["购置费"]["value"])),
        "vehicle_running": float(Decimal(car["运行费"]["value"])),
        "reception": float(flat["公务接待费"]),
    }


def build() -> openpyxl.Workbook:
    doc = transcription()
    fmt = builtin(FORMAT)
    year = int(doc["document"]["year"])
    tables = {f"T{t['number']}": t for t in doc["tables"]}
    wb = blank.blank_workbook(year, fmt)
    blank.write_facts_sheet(blank.replace_sheet(wb, schema.FACTS_SHEET), year=year, values=facts(doc, tables), fmt=fmt)
    blank.write_prior_sheet(blank.replace_sheet(wb, schema.PRIOR_SHEET), values=prior(doc, tables), fmt=fmt)
    for code, table in tables.items():
        fill_table(wb, fmt.table(code), table)
    spec = fmt.table("P")
    ws = wb[spec.sheet_name]
    for row, (name, amount) in enumerate(projects(paragraphs(doc)["s6.4.p1"]), start=spec.data_row):
        ws.cell(row=row, column=spec.column_index("name"), value=name)
        ws.cell(row=row, column=spec.column_index("amount"), value=float(amount))
    wb.active = 0
    return wb


def output(doc: dict | None = None) -> pathlib.Path:
    doc = doc or transcription()
    return ROOT / "inputs" / f"{doc['document']['预算主管部门']}{doc['document']['year']}.xlsx"


def main() -> None:
    path = output()
    path.parent.mkdir(parents=True, exist_ok=True)
    blank.save(build(), path, stamp=STAMP)
    print(f"wrote {path.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
