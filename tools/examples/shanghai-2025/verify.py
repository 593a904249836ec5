#!/usr/bin/env python3
"""Check transcription.yaml (上海市普陀区2025年区级部门预算, 上海市普陀区财政局) with Decimal arithmetic.

Standalone: Python standard library plus PyYAML. Run:  python3 verify.py [path/to/transcription.yaml]

What it checks
  A. the transcription itself: every printed amount parses to its 元 (or 万元) value; every narrative
     figure sits at its offset in its paragraph and inside its sentence;
  B. every total and subtotal of every table (类 = Σ款, 款 = Σ项, 合计 = Σ类, row totals such as
     合计 = 基本支出 + 项目支出, the 收支总表 sides, the 三公 columns);
  C. equal figures across tables (收支总表 ↔ 收入/支出/财政拨款 tables, 财政拨款 tables ↔ each other,
     经济分类 ↔ 功能分类 where the economic 款 maps one-to-one onto a 功能 项, 三公/机关运行经费 ↔ 经济分类);
  D. every figure of the narrative against its table amount (元/10000 rounded ROUND_HALF_UP to the cent),
     its sums and counts, and the narrative's own consistency;
  E. wording the tables fix (the 编制说明's 类/款/项 names, empty-table notes, the 目录's table titles,
     the 三公 item names) and number formatting.

Every discrepancy prints one line. Discrepancies listed in EXPECTED (the published document's own
mistakes, documented in README.md) are labelled KNOWN (listed in the reference README) or NEW (found
here); anything else is UNEXPECTED and makes the exit status 1, as does an EXPECTED entry not found.
"""

import re
import sys
from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal
from pathlib import Path

try:
    import yaml
except ImportError:  # pragma: no cover
    sys.exit("verify.py needs PyYAML (python3 -m pip install pyyaml)")

CENT = Decimal("0.01")
TEN_THOUSAND = Decimal("10000")
ZERO = Decimal("0")

# key -> (class, short description). class: KNOWN = listed in shared/reference/formats/README.md; NEW = found here.
EXPECTED = {
    "fig:F023": ("KNOWN", "职业年金缴费支出 887.36万元, table 873,617.00元 = 87.36万元"),
    "fig:F028": ("KNOWN", "same, in the second printing of items 7-11"),
    "dup:s4.p16": ("KNOWN", "items 7-11 printed twice (item 7)"),
    "dup:s4.p17": ("KNOWN", "items 7-11 printed twice (item 8)"),
    "dup:s4.p18": ("KNOWN", "items 7-11 printed twice (item 9)"),
    "dup:s4.p19": ("KNOWN", "items 7-11 printed twice (item 10)"),
    "dup:s4.p20": ("KNOWN", "items 7-11 printed twice (item 11)"),
    "fig:F021": ("KNOWN", "行政单位离退休 877,080.00元 printed 87.70 (cut; rounds to 87.71)"),
    "fig:F025": ("KNOWN", "行政单位医疗 782,164.00元 printed 78.21 (cut; rounds to 78.22)"),
    "fig:F026": ("KNOWN", "住房公积金 2,049,197.00元 printed 204.91 (cut; rounds to 204.92)"),
    "fig:F027": ("KNOWN", "购房补贴 2,687,760.00元 printed 268.77 (cut; rounds to 268.78)"),
    "fig:F030": ("KNOWN", "78.21 again in the second printing"),
    "fig:F031": ("KNOWN", "204.91 again in the second printing"),
    "fig:F032": ("KNOWN", "268.77 again in the second printing"),
    "text:t7-note": ("NEW", "表7 (国有资本经营) carries 表6's note (无政府性基金预算…)"),
    "text:item-name:s4.p12": ("NEW", "item 8 names the 项 其它行政事业单位养老支出; tables: 其他…"),
    "text:item-name:s4.p17": ("NEW", "same, second printing"),
    "text:sangong-label:公务用车购置及运行费": ("NEW", "三公 (二) prints 公务车购置及运行费 for 公务用车购置及运行费"),
    "text:sangong-label:运行费": ("NEW", "三公 (二) prints 公务车用车运行费 for 公务用车运行费"),
    "format:F078": ("NEW", "财政业务费 printed 10万元 (elsewhere 10.00万元)"),
    "format:F075": ("NEW", "3000.00万元 without thousands separator (elsewhere 3,121.42万元)"),
    "format:item-space:s4.p10": ("NEW", "item 6 prints a space before （项）"),
    "format:threshold-unit": ("NEW", "设备 threshold printed 100万（含） in one sentence, 100万元（含） in the next"),
}

path = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).resolve().parent / "transcription.yaml"
data = yaml.safe_load(path.read_text(encoding="utf-8"))

n_checks = 0
found = []  # (key, category, message)
infos = []


def check(ok, key, category, message):
    global n_checks
    n_checks += 1
    if not ok:
        found.append((key, category, message))
    return ok


def info(message):
    infos.append(message)


def wan(yuan):
    """元 -> 万元, rounded half up to the cent."""
    return (yuan / TEN_THOUSAND).quantize(CENT, rounding=ROUND_HALF_UP)


def wan_cut(yuan):
    return (yuan / TEN_THOUSAND).quantize(CENT, rounding=ROUND_DOWN)


def fmt(d):
    return f"{d:,.2f}"


# ------------------------------------------------------------------ A. the transcription itself
tables = {t["number"]: t for t in data["tables"]}
AMT = re.compile(r"\d{1,3}(,\d{3})*\.\d{2}")


def val(cell):
    """Decimal value of an amount cell; a blank cell is 0."""
    v = cell.get("元", cell.get("万元"))
    return ZERO if v is None else Decimal(v)


for t in data["tables"]:
    unit_key = "万元" if t["unit"] == "万元" else "元"
    check(
        t["unit_line"]["right"].replace(":", "：") == "单位：" + t["unit"],
        f"integrity:t{t['number']}-unit",
        "INTEGRITY",
        f"表{t['number']}: unit line {t['unit_line']['right']!r} vs unit {t['unit']!r}",
    )
    amount_cols = [c["key"] for c in t["columns"] if c["kind"] == "amount"]
    for ri, r in enumerate(t["rows"]):
        for c in amount_cols:
            cell = r["cells"][c]
            text, v = cell["text"], cell.get(unit_key)
            if text == "":
                check(
                    v is None,
                    f"integrity:t{t['number']}r{ri}{c}",
                    "INTEGRITY",
                    f"表{t['number']} row {ri} {c}: blank cell with a value",
                )
            else:
                ok = bool(AMT.fullmatch(text)) and v is not None and Decimal(text.replace(",", "")) == Decimal(v)
                check(
                    ok,
                    f"integrity:t{t['number']}r{ri}{c}",
                    "INTEGRITY",
                    f"表{t['number']} row {ri} {c}: printed {text!r} vs parsed {v!r}",
                )

paras = {}


def collect(node):
    if isinstance(node, dict):
        if "id" in node and "text" in node and isinstance(node["text"], str):
            paras[node["id"]] = node
        for v in node.values():
            collect(v)
    elif isinstance(node, list):
        for v in node:
            collect(v)


collect(data["document"])
figs = {f["id"]: f for f in data["narrative_figures"]}
FIG = re.compile(r"(\d[\d,]*(?:\.\d+)?)(万元|万|个|家|辆|台（套）)")
for f in figs.values():
    p = paras[f["paragraph"]]["text"]
    at = p[f["offset"] : f["offset"] + len(f["printed"])]
    m = FIG.fullmatch(f["printed"])
    ok = (
        at == f["printed"]
        and f["sentence"] in p
        and f["printed"] in f["sentence"]
        and m is not None
        and Decimal(m.group(1).replace(",", "")) == Decimal(f["value"])
        and m.group(2) == f["unit"]
    )
    check(ok, f"integrity:{f['id']}", "INTEGRITY", f"{f['id']}: printed/offset/sentence/value do not agree")
# every figure of every paragraph is transcribed
n_in_text = sum(len(FIG.findall(p["text"])) for p in paras.values())
check(
    n_in_text == len(figs),
    "integrity:figure-count",
    "INTEGRITY",
    f"{n_in_text} figures in the paragraphs, {len(figs)} transcribed",
)


# ------------------------------------------------------------------ B. totals and subtotals inside each table
def coded(t):
    return [r for r in t["rows"] if r["kind"] != "total"]


def total(t):
    rs = [r for r in t["rows"] if r["kind"] == "total"]
    assert len(rs) == 1
    return rs[0]


def sum_check(t, parent_label, parent_val, parts, col):
    s = sum((val(p) for p in parts), ZERO)
    check(
        parent_val == s,
        f"arith:t{t}:{parent_label}:{col}",
        "ARITH",
        f"表{t} {parent_label} {col}: printed {fmt(parent_val)}, parts add to {fmt(s)}",
    )


for num in ("2", "3", "5", "6", "7", "8"):
    t = tables[num]
    levels = ["类", "款", "项"] if num != "8" else ["类", "款"]
    amount_cols = [c["key"] for c in t["columns"] if c["kind"] == "amount"]
    rows = coded(t)
    for col in amount_cols:
        for lv_i, lv in enumerate(levels[:-1]):
            child = levels[lv_i + 1]
            for r in rows:
                if r["level"] != lv:
                    continue
                kids = [k for k in rows if k["level"] == child and k["code"].startswith(r["code"])]
                check(
                    bool(kids), f"arith:t{num}:{r['code']}:nochild", "ARITH", f"表{num} {r['code']} has no {child} rows"
                )
                sum_check(
                    num,
                    f"{r['code']} {r['cells']['name']['text']}",
                    val(r["cells"][col]),
                    [k["cells"][col] for k in kids],
                    col,
                )
        tops = [r for r in rows if r["level"] == levels[0]]
        sum_check(num, "合计", val(total(t)["cells"][col]), [r["cells"][col] for r in tops], col)
    # row totals
    parts_cols = {"2": ["财政拨款收入", "事业收入", "事业单位经营收入", "其他收入"], "8": ["人员经费", "公用经费"]}.get(
        num, ["基本支出", "项目支出"]
    )
    for r in t["rows"]:
        label = r.get("code") or "合计"
        sum_check(
            num,
            f"row {label} 合计",
            val(r["cells"]["合计"]),
            [r["cells"][c] for c in parts_cols],
            "合计=" + "+".join(parts_cols),
        )
    # each code appears once
    codes = [r["code"] for r in rows]
    check(len(codes) == len(set(codes)), f"arith:t{num}:dupcodes", "ARITH", f"表{num}: repeated codes")

# 表1
t1 = tables["1"]
L1 = {r["cells"]["收入项目"]["text"]: r for r in t1["rows"]}
R1 = {r["cells"]["支出项目"]["text"]: r for r in t1["rows"] if r["cells"]["支出项目"]["text"]}


def inc(lab):
    return val(L1[lab]["cells"]["收入预算数"])


def exp(lab):
    return val(R1[lab]["cells"]["支出预算数"])


sub = L1["一、财政拨款收入"]
sum_check(
    "1",
    "一、财政拨款收入",
    inc("一、财政拨款收入"),
    [L1[p]["cells"]["收入预算数"] for p in sub["subtotal_parts"]],
    "收入",
)
income_tops = [lab for lab in L1 if re.match(r"[一二三四五六七八九十]+、", lab)]
sum_check("1", "收入总计", inc("收入总计"), [L1[lab]["cells"]["收入预算数"] for lab in income_tops], "收入")
exp_items = [lab for lab in R1 if lab != "支出总计"]
sum_check("1", "支出总计", exp("支出总计"), [R1[lab]["cells"]["支出预算数"] for lab in exp_items], "支出")
check(
    inc("收入总计") == exp("支出总计"),
    "arith:t1:balance",
    "ARITH",
    f"表1 收入总计 {fmt(inc('收入总计'))} ≠ 支出总计 {fmt(exp('支出总计'))}",
)

# 表4
t4 = tables["4"]
L4 = {r["cells"]["收入项目"]["text"]: r for r in t4["rows"] if r["cells"]["收入项目"]["text"]}
R4 = {r["cells"]["支出项目"]["text"]: r for r in t4["rows"]}
T4C = ["一般公共预算", "政府性基金预算", "国有资本经营预算"]
sum_check(
    "4",
    "收入总计",
    val(L4["收入总计"]["cells"]["收入预算数"]),
    [L4[lab]["cells"]["收入预算数"] for lab in L4 if lab != "收入总计"],
    "收入",
)
for lab, r in R4.items():
    sum_check("4", f"{lab} 合计", val(r["cells"]["合计"]), [r["cells"][c] for c in T4C], "合计=一般公共+基金+国资")
for c in ["合计"] + T4C:
    sum_check(
        "4", "支出总计", val(R4["支出总计"]["cells"][c]), [R4[lab]["cells"][c] for lab in R4 if lab != "支出总计"], c
    )
check(
    val(L4["收入总计"]["cells"]["收入预算数"]) == val(R4["支出总计"]["cells"]["合计"]),
    "arith:t4:balance",
    "ARITH",
    "表4 收入总计 ≠ 支出总计",
)

# 表9 (万元)
c9 = tables["9"]["rows"][0]["cells"]
sum_check(
    "9",
    "“三公”合计",
    val(c9["合计"]),
    [c9["因公出国(境)费"], c9["公务接待费"], c9["公务用车购置及运行费/小计"]],
    "合计",
)
sum_check(
    "9",
    "公务用车购置及运行费 小计",
    val(c9["公务用车购置及运行费/小计"]),
    [c9["公务用车购置及运行费/购置费"], c9["公务用车购置及运行费/运行费"]],
    "小计",
)


# ------------------------------------------------------------------ C. across tables
def eq(key, what, a, b):
    check(a == b, f"cross:{key}", "ARITH", f"{what}: {fmt(a)} vs {fmt(b)}")


def by_code(num):
    return {r["code"]: r for r in coded(tables[num])}


T2, T3, T5, T6, T7, T8 = (by_code(n) for n in "235678")


def strip_no(s):
    return re.sub(r"^[一二三四五六七八九十]+、", "", s)


lei_by_name = {r["cells"]["name"]["text"]: c for c, r in T2.items() if r["level"] == "类"}
# 表1 expenditure side ↔ 表2/3/4 类 rows
for lab in exp_items:
    code = lei_by_name.get(strip_no(lab))
    check(code is not None, f"cross:t1-name:{lab}", "TEXT", f"表1 {lab}: no 类 of that name in 表2")
    if code:
        eq(f"t1-t2:{code}", f"表1 {lab} vs 表2 {code} 合计", exp(lab), val(T2[code]["cells"]["合计"]))
        eq(f"t1-t3:{code}", f"表1 {lab} vs 表3 {code} 合计", exp(lab), val(T3[code]["cells"]["合计"]))
        r4 = R4.get(lab)
        check(r4 is not None, f"cross:t4-name:{lab}", "TEXT", f"表4 lacks {lab}")
        if r4:
            eq(f"t1-t4:{code}", f"表1 {lab} vs 表4 合计", exp(lab), val(r4["cells"]["合计"]))
            eq(
                f"t4-t5:{code}",
                f"表4 {lab} 一般公共预算 vs 表5 {code}",
                val(r4["cells"]["一般公共预算"]),
                val(T5[code]["cells"]["合计"]) if code in T5 else ZERO,
            )
            eq(
                f"t4-t6:{code}",
                f"表4 {lab} 政府性基金预算 vs 表6",
                val(r4["cells"]["政府性基金预算"]),
                val(T6[code]["cells"]["合计"]) if code in T6 else ZERO,
            )
            eq(
                f"t4-t7:{code}",
                f"表4 {lab} 国有资本经营预算 vs 表7",
                val(r4["cells"]["国有资本经营预算"]),
                val(T7[code]["cells"]["合计"]) if code in T7 else ZERO,
            )
check(
    len(exp_items) == len([r for r in T2.values() if r["level"] == "类"]),
    "cross:t1-t2:count",
    "ARITH",
    "表1 and 表2 list different 类",
)
# 表1 income side ↔ 表2 columns, 表4, 表5-7
tot2, tot3, tot5, tot6, tot7, tot8 = (total(tables[n])["cells"] for n in "235678")
eq("t1-t2:total", "表1 收入总计 vs 表2 合计", inc("收入总计"), val(tot2["合计"]))
eq("t1-t3:total", "表1 支出总计 vs 表3 合计", exp("支出总计"), val(tot3["合计"]))
eq("t1-t2:fiscal", "表1 一、财政拨款收入 vs 表2 财政拨款收入", inc("一、财政拨款收入"), val(tot2["财政拨款收入"]))
eq(
    "t1-t4:fiscal",
    "表1 一、财政拨款收入 vs 表4 收入总计",
    inc("一、财政拨款收入"),
    val(L4["收入总计"]["cells"]["收入预算数"]),
)
eq(
    "t1-t4:gpb",
    "表1 1. 一般公共预算资金 vs 表4 一、一般公共预算资金",
    inc("1. 一般公共预算资金"),
    val(L4["一、一般公共预算资金"]["cells"]["收入预算数"]),
)
eq(
    "t1-t4:gf",
    "表1 2. 政府性基金 vs 表4 二、政府性基金",
    inc("2. 政府性基金"),
    val(L4["二、政府性基金"]["cells"]["收入预算数"]),
)
eq(
    "t1-t4:soe",
    "表1 3. 国有资本经营预算 vs 表4 三、国有资本经营预算",
    inc("3. 国有资本经营预算"),
    val(L4["三、国有资本经营预算"]["cells"]["收入预算数"]),
)
eq("t1-t5", "表1 1. 一般公共预算资金 vs 表5 合计", inc("1. 一般公共预算资金"), val(tot5["合计"]))
eq("t1-t6", "表1 2. 政府性基金 vs 表6 合计", inc("2. 政府性基金"), val(tot6["合计"]))
eq("t1-t7", "表1 3. 国有资本经营预算 vs 表7 合计", inc("3. 国有资本经营预算"), val(tot7["合计"]))
eq(
    "t4-t5:total",
    "表4 支出总计 一般公共预算 vs 表5 合计",
    val(R4["支出总计"]["cells"]["一般公共预算"]),
    val(tot5["合计"]),
)
for lab, col in (
    ("二、事业收入", "事业收入"),
    ("三、事业单位经营收入", "事业单位经营收入"),
    ("四、其他收入", "其他收入"),
):
    eq(f"t1-t2:{col}", f"表1 {lab} vs 表2 {col}", inc(lab), val(tot2[col]))
# 表2 ↔ 表3 row by row; 表3 = 表5 + 表6 + 表7 (the non-财政拨款 columns of 表2 being checked separately)
check(set(T2) == set(T3), "cross:t2-t3:codes", "ARITH", "表2 and 表3 list different codes")
for code in sorted(set(T2) | set(T3)):
    if code in T2 and code in T3:
        check(
            T2[code]["cells"]["name"]["text"] == T3[code]["cells"]["name"]["text"],
            f"cross:t2-t3-name:{code}",
            "TEXT",
            f"{code}: names differ in 表2/表3",
        )
        eq(f"t2-t3:{code}", f"表2 vs 表3 {code} 合计", val(T2[code]["cells"]["合计"]), val(T3[code]["cells"]["合计"]))
        fiscal = sum((val(T[code]["cells"]["合计"]) for T in (T5, T6, T7) if code in T), ZERO)
        eq(f"t2-t567:{code}", f"表2 {code} 财政拨款收入 vs 表5+表6+表7", val(T2[code]["cells"]["财政拨款收入"]), fiscal)
    nonfiscal = (
        sum((val(T2[code]["cells"][c]) for c in ("事业收入", "事业单位经营收入", "其他收入")), ZERO)
        if code in T2
        else ZERO
    )
    for col in ("合计", "基本支出", "项目支出"):
        parts = sum((val(T[code]["cells"][col]) for T in (T5, T6, T7) if code in T), ZERO)
        if nonfiscal == 0:
            eq(
                f"t3-t567:{code}:{col}",
                f"表3 {code} {col} vs 表5+表6+表7",
                val(T3[code]["cells"][col]) if code in T3 else ZERO,
                parts,
            )
    for T, n in ((T5, "5"), (T6, "6"), (T7, "7")):
        if code in T and code in T3:
            check(
                T[code]["cells"]["name"]["text"] == T3[code]["cells"]["name"]["text"],
                f"cross:t3-t{n}-name:{code}",
                "TEXT",
                f"{code}: names differ in 表3/表{n}",
            )
for col in ("合计", "基本支出", "项目支出"):
    eq(
        f"t3-t567:total:{col}",
        f"表3 合计 {col} vs 表5+表6+表7",
        val(tot3[col]),
        val(tot5[col]) + val(tot6[col]) + val(tot7[col]),
    )
# 表8 ↔ 表5 基本支出
eq("t8-t5", "表8 合计 vs 表5 基本支出 合计", val(tot8["合计"]), val(tot5["基本支出"]))
# economic 款 that map one-to-one onto a functional 项 (standard mapping; all basic expenditure)
for e_code, f_code in (("30108", "2080505"), ("30109", "2080506"), ("30110", "2101101"), ("30113", "2210201")):
    eq(
        f"t8-t5:{e_code}",
        f"表8 {e_code} {T8[e_code]['cells']['name']['text']} vs 表5 {f_code} {T5[f_code]['cells']['name']['text']} 基本支出",
        val(T8[e_code]["cells"]["合计"]),
        val(T5[f_code]["cells"]["基本支出"]),
    )
# 表9 (万元) ↔ 表8 (元)
check(
    val(c9["公务接待费"]) == wan(val(T8["30217"]["cells"]["合计"])),
    "cross:t9-t8:reception",
    "ARITH",
    f"表9 公务接待费 {val(c9['公务接待费'])} vs 表8 30217 {fmt(val(T8['30217']['cells']['合计']))}元 → {wan(val(T8['30217']['cells']['合计']))}",
)
check(
    val(c9["机关运行经费预算数"]) == wan(val(tot8["公用经费"])),
    "cross:t9-t8:admin",
    "ARITH",
    f"表9 机关运行经费 {val(c9['机关运行经费预算数'])} vs 表8 公用经费 {fmt(val(tot8['公用经费']))}元 → {wan(val(tot8['公用经费']))}",
)
# a 三公 item is at least the basic-expenditure economic 款 it includes
for key, e_code in (
    ("因公出国(境)费", "30212"),
    ("公务接待费", "30217"),
    ("公务用车购置及运行费/运行费", "30231"),
    ("公务用车购置及运行费/购置费", "31013"),
):
    basic = val(T8[e_code]["cells"]["合计"]) if e_code in T8 else ZERO
    check(
        wan(basic) <= val(c9[key]),
        f"cross:t9-t8:{e_code}",
        "ARITH",
        f"表9 {key} {val(c9[key])} < 表8 {e_code} {fmt(basic)}元",
    )

# ------------------------------------------------------------------ D. narrative figures
basis_evidence = []
for f in data["narrative_figures"]:
    src, v = f["source"], Decimal(f["value"])
    if "table" in src:
        cell = None
        t = tables[src["table"]]
        if src["table"] == "9":
            cell = t["rows"][0]["cells"][src["column"]]
        else:
            for r in t["rows"]:
                lab = r["cells"].get("label", r["cells"].get("支出项目", {})).get("text")
                if r.get("code") == src["row"] or (r["kind"] == "total" and lab == src["row"]):
                    cell = r["cells"][src["column"]]
        check(
            cell is not None and cell["text"] == src["printed_in_table"],
            f"integrity:{f['id']}-source",
            "INTEGRITY",
            f"{f['id']}: source cell not found or differs",
        )
        if src["table"] == "9":
            expect = val(cell)
            check(
                v == expect,
                f"fig:{f['id']}",
                "ARITH",
                f"{f['id']} {f['paragraph']} {f['meaning']}: printed {f['printed']}, 表9 {src['column']} gives {expect}万元",
            )
        else:
            y = val(cell)
            expect = wan(y)
            if v != expect:
                how = "cut instead of rounded" if v == wan_cut(y) else "differs"
                check(
                    False,
                    f"fig:{f['id']}",
                    "ARITH",
                    f"{f['id']} {f['paragraph']} {f['meaning']}: printed {f['printed']}, 表{src['table']} {src['row']} {src['column']} "
                    f"{fmt(y)}元 → {y}/10000 = {y / TEN_THOUSAND} → {expect}万元 (ROUND_HALF_UP); {how}",
                )
            else:
                check(True, f"fig:{f['id']}", "ARITH", "")
        for a in src.get("also", []):
            t = tables[a["table"]]
            cell = next(
                r["cells"][a["column"]]
                for r in t["rows"]
                if r.get("code") == a["row"] or (r["kind"] == "total" and a["row"] == "合计")
            )
            expect = wan(val(cell))
            check(
                v == expect,
                f"fig:{f['id']}:also",
                "ARITH",
                f"{f['id']} {f['meaning']}: printed {f['printed']}, 表{a['table']} {a['row']} {a['column']} {cell['text']}元 → {expect}",
            )
    elif "sum_of" in src:
        parts = [Decimal(figs[i]["value"]) for i in src["sum_of"]]
        s = sum(parts, ZERO)
        check(
            v == s, f"fig:{f['id']}", "ARITH", f"{f['id']} {f['meaning']}: printed {f['printed']}, its parts add to {s}"
        )
        basis_evidence.append(
            f"{f['id']} {f['meaning']} {f['printed']} = " + " + ".join(figs[i]["printed"] for i in src["sum_of"])
        )
    elif "count_of" in src:
        check(
            v == len(src["count_of"]),
            f"fig:{f['id']}",
            "ARITH",
            f"{f['id']} {f['meaning']}: printed {f['printed']}, {len(src['count_of'])} listed",
        )

# counts of 机构设置
units = [p for pid, p in paras.items() if pid.startswith("s2.") and re.match(r"\d+\.", p["text"])]


def fg(pid, meaning):
    return Decimal(next(f["value"] for f in figs.values() if f["paragraph"] == pid and f["meaning"] == meaning))


check(fg("s2.p1", "下属预算单位数") == len(units) - 1, "fig:s2-subordinate", "ARITH", "下属预算单位数 vs units listed")
check(
    fg("s2.p2", "行政单位数") + fg("s2.p2", "事业单位数") == len(units),
    "fig:s2-units",
    "ARITH",
    "行政+事业单位 vs units listed",
)

# narrative consistency
incs = [Decimal(f["value"]) for f in figs.values() if "比2024年预算增加" in f["meaning"]]
check(len(set(incs)) == 1, "fig:increase-consistency", "ARITH", f"the 比2024年预算增加 figures disagree: {incs}")
# the 支出 side: 财政拨款 increase = 一般公共预算 increase + 政府性基金 change (持平) + 国有资本经营 change (持平)
p2 = paras["s4.p2"]["text"]
check(
    p2.count("与2024年预算持平") == 2
    and fg("s4.p2", "财政拨款支出比2024年预算增加") == fg("s4.p2", "一般公共预算拨款支出比2024年预算增加"),
    "fig:increase-parts",
    "ARITH",
    "财政拨款 increase ≠ 一般公共预算 increase + 0 + 0",
)
check(
    fg("s6.1.p1", "“三公”经费预算数")
    == fg("s6.1.p2", "因公出国（境）费") + fg("s6.1.p3", "公务用车购置及运行费") + fg("s6.1.p4", "公务接待费"),
    "fig:sangong-sum",
    "ARITH",
    "三公 total ≠ its three items",
)
check(
    fg("s6.1.p3", "公务用车购置及运行费") == fg("s6.1.p3", "公务用车购置费") + fg("s6.1.p3", "公务用车运行费"),
    "fig:car-sum",
    "ARITH",
    "公务用车购置及运行费 ≠ 购置费 + 运行费",
)
# 年度预算安排 (七) against 绩效目标 (六.四)
for name in ("信息化系统日常维护费", "中介机构服务费", "财政业务费"):
    a = fg("s7.6.p1", name)
    b = fg("s6.4.p1", name)
    check(a == b, f"fig:projects-{name}", "ARITH", f"{name}: 年度预算安排 {a} vs 绩效目标 {b}")

for f in figs.values():
    if "none" in f["source"] and f["kind"] == "amount":
        info(f"unverifiable: {f['id']} {f['paragraph']} {f['meaning']} {f['printed']} ({f['source']['none']})")

# percentages, and which rule turned 元 into the printed 万元
pcts = [m.group() for p in paras.values() for m in re.finditer(r"\d[\d,.]*\s*[%％]", p["text"])]
info(
    f"percentages printed in the narrative: {len(pcts)}"
    + (
        f" {pcts}"
        if pcts
        else " (no % or ％, no 增长 or 下降, and 占 only in the heading 国有资产占有使用情况): the document prints no share or rate, so whether it computes them from exact 元 "
        "or from printed 万元 cannot be observed in it. Its only derived narrative figures are sums of figures printed "
        "beside them, and each equals the sum of the printed parts: " + "; ".join(basis_evidence)
    )
)
tally = {"both": [], "cut only": [], "rounded only": [], "neither": []}
for f in data["narrative_figures"]:
    src = f["source"]
    if "table" in src and src["table"] != "9" and "in_duplicate_paragraph" not in f:
        y = val(
            next(
                r["cells"][src["column"]]
                for r in tables[src["table"]]["rows"]
                if r.get("code") == src["row"]
                or (
                    r["kind"] == "total"
                    and src["row"]
                    in (r["cells"].get("label", {}).get("text"), r["cells"].get("支出项目", {}).get("text"))
                )
            )
        )
        v = Decimal(f["value"])
        k = (
            "both"
            if v == wan(y) == wan_cut(y)
            else "rounded only"
            if v == wan(y)
            else "cut only"
            if v == wan_cut(y)
            else "neither"
        )
        tally[k].append(f"{f['id']} {f['printed']}←{fmt(y)}元")
info(
    "元→万元 rule, over the narrative figures that have a 元 source (first printing only): "
    + "; ".join(f"{k}: {len(v)}" + (f" [{', '.join(v)}]" if k != "both" else "") for k, v in tally.items())
    + ". Every figure where half-up rounding and cutting give different results shows the cut value."
)

# ------------------------------------------------------------------ E. wording and formatting
# items of the 编制说明: names against 表5, coverage of every 项 in table order, duplicates
items = [
    p
    for pid, p in sorted(paras.items(), key=lambda kv: int(kv[0].split("p")[-1]))
    if pid.startswith("s4.") and "item" in p
]
first = [p for p in items if "duplicate_of" not in p]
for p in items:
    if "duplicate_of" in p:
        check(
            False, f"dup:{p['id']}", "TEXT", f"{p['id']} repeats {p['duplicate_of']} (item {p['item']} printed twice)"
        )
m_items = {}
for p in items:
    m = re.match(r"\d+\.“(.+?)（类）(.+?)（款）(.+?)（项）”", p["text"])
    f = next(f for f in figs.values() if f["paragraph"] == p["id"])
    code = f["source"]["row"]
    m_items[p["id"]] = code
    r = T5[code]
    names = (T5[code[:3]]["cells"]["name"]["text"], T5[code[:5]]["cells"]["name"]["text"], r["cells"]["name"]["text"])
    printed = tuple(x.strip() for x in m.groups())
    check(
        printed == names,
        f"text:item-name:{p['id']}",
        "TEXT",
        f"{p['id']} item {p['item']}: printed {'/'.join(printed)}, 表5 {code}: {'/'.join(names)}",
    )
    check(
        all(x == x.strip() for x in m.groups()),
        f"format:item-space:{p['id']}",
        "FORMAT",
        f"{p['id']} item {p['item']}: a space inside the quoted 科目 name: {m.group(0)!r}",
    )
xiang_order = [c for c in T5 if T5[c]["level"] == "项"]
check(
    [m_items[p["id"]] for p in first] == xiang_order,
    "text:item-coverage",
    "TEXT",
    "the 编制说明 items do not list every 项 of 表5 once, in table order",
)
# empty-table notes
for num, fund in (("6", "政府性基金"), ("7", "国有资本经营")):
    t = tables[num]
    if t.get("empty"):
        note = " ".join(t["notes"])
        check(
            fund in note,
            f"text:t{num}-note",
            "TEXT",
            f"表{num} ({t['title']}) is empty; its note reads {note!r}, which does not name {fund}",
        )
# 目录 titles
for t in data["tables"]:
    check(
        re.sub(r"^\d+[.．]\s*", "", t["toc_entry"]) == t["title"],
        f"text:toc-t{t['number']}",
        "TEXT",
        f"目录 {t['toc_entry']!r} vs title {t['title']!r}",
    )
    check(
        t["title"].startswith(data["document"]["year"] + "年"),
        f"text:year-t{t['number']}",
        "TEXT",
        f"表{t['number']} title lacks the year",
    )
    check(
        t["unit_line"]["left"] == "编制部门：" + data["document"]["编制部门"],
        f"text:dept-t{t['number']}",
        "TEXT",
        f"表{t['number']} 编制部门",
    )
# 三公 item names against 表9 and 名词解释
sg = data["other"]["三公经费"]["公务用车购置及运行费"]
check(
    sg["label_as_printed"] in paras["s6.1.p3"]["text"] and sg["运行费"]["label_as_printed"] in paras["s6.1.p3"]["text"],
    "integrity:sangong-labels",
    "INTEGRITY",
    "三公 labels not in the paragraph",
)
check(
    sg["label_as_printed"] == "公务用车购置及运行费",
    "text:sangong-label:公务用车购置及运行费",
    "TEXT",
    f"s6.1.p3 prints {sg['label_as_printed']!r}; 表9 and 名词解释 say '公务用车购置及运行费'",
)
check(
    sg["购置费"]["label_as_printed"] == "公务用车购置费",
    "text:sangong-label:购置费",
    "TEXT",
    f"s6.1.p3 prints {sg['购置费']['label_as_printed']!r}",
)
check(
    sg["运行费"]["label_as_printed"] == "公务用车运行费",
    "text:sangong-label:运行费",
    "TEXT",
    f"s6.1.p3 prints {sg['运行费']['label_as_printed']!r}; 表9 says 公务用车购置及运行费/运行费, i.e. '公务用车运行费'",
)
# number formatting of narrative 万元 figures: two decimals unless zero; thousands separators
for f in figs.values():
    if f["unit"] not in ("万元", "万"):
        continue
    num = f["printed"][:-2]
    intpart = num.split(".")[0]
    if f["kind"] == "threshold":  # a threshold quoted from a rule: only the thousands separator is checked
        ok = re.fullmatch(r"\d{1,3}(,\d{3})*(\.\d+)?", num) is not None
    else:
        ok = num == "0" or re.fullmatch(r"\d{1,3}(,\d{3})*\.\d{2}", num) is not None
    why = "zero printed as '0万元'; others as #,##0.00"
    if not ok:
        why = (
            "no thousands separator" if len(intpart.replace(",", "")) > 3 and "," not in intpart else "not two decimals"
        )
    check(
        ok, f"format:{f['id']}", "FORMAT", f"{f['id']} {f['paragraph']} {f['meaning']}: printed {f['printed']} ({why})"
    )
th = [f for f in figs.values() if f["kind"] == "threshold" and f["paragraph"].startswith("s6.5")]
check(
    len({f["printed"] for f in th}) == 1,
    "format:threshold-unit",
    "FORMAT",
    "设备 threshold printed as " + " and ".join(repr(f["printed"]) for f in th) + " in s6.5.p1/p2",
)

# ------------------------------------------------------------------ report
seen = set()
n_known = n_new = n_unexp = 0
for key, cat, msg in found:
    seen.add(key)
    cls = EXPECTED.get(key, ("UNEXPECTED", ""))[0]
    n_known += cls == "KNOWN"
    n_new += cls == "NEW"
    n_unexp += cls == "UNEXPECTED"
    print(f"{cls:10s} {cat:9s} {key}: {msg}")
missing = [k for k in EXPECTED if k not in seen]
for k in missing:
    print(f"NOT-FOUND  expected discrepancy {k} ({EXPECTED[k][1]}) was not found")
for m in infos:
    print("INFO      ", m)
n_tables = len(data["tables"])
n_rows = sum(len(t["rows"]) for t in data["tables"])
print(
    f"SUMMARY: {n_tables} tables, {n_rows} rows, {len(figs)} narrative figures; {n_checks} checks, "
    f"{n_checks - len(found)} passed, {len(found)} discrepancies "
    f"({n_known} KNOWN, {n_new} NEW, {n_unexp} UNEXPECTED); {len(missing)} expected not found"
)
sys.exit(1 if n_unexp or missing else 0)
