"""部门决算 (format final-accounts): the example says what the published 2024 决算 says, corrected.

``inputs/上海市普陀区财政局2024决算.xlsx`` (built by ``tools/build_example4.py`` from the published text)
is rendered once as PDF and DOCX. Every sentence of the published text
(``tests/data/shanghai-final-accounts-2024.txt``, a copy of the reference: whitespace removed, split at
。 and ；, the 目录 line by line) and every amount its nine tables print must be in both, except:

- LAYOUT: where pdftotext interleaved two columns of one paragraph, the paragraph as printed on the page;
- CORRECTED: the published mistakes, each replaced by the sentence the example must print instead
  (C1–C4 figures, W1–W5 wording this project prints one way throughout; README "The example workbooks").
"""

from __future__ import annotations

import re
import shutil
from collections import Counter
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest
from support import ROOT, assert_built_as_saved, docx_texts, pdf_body_text, render_example

from generator.formats import builtin
from generator.stages.check import check
from generator.workbook.load import load_workbook

EXAMPLE = ROOT / "inputs" / "上海市普陀区财政局2024决算.xlsx"
REFERENCE = Path(__file__).parent / "data" / "shanghai-final-accounts-2024.txt"
FIGURE = re.compile(r"(?<![\d.,])\d{1,3}(?:,\d{3})*\.\d{2}(?!\d)")
BUREAU = "上海市普陀区财政局"

# (as pdftotext reads it, as the page prints it): two interleaved columns of one paragraph put back.
LAYOUT: list[tuple[str, str]] = [
    (
        "级决算、下属行政事业单位决算。纳入上海市普陀区财政局2024年度部门决算编制范从预算单位构成看，"
        "上海市普陀区财政局部门决算包括：上海市普陀区财政局本围的单位包括：",
        "从预算单位构成看，上海市普陀区财政局部门决算包括：上海市普陀区财政局本级决算、下属行政事业单位决算。"
        "纳入上海市普陀区财政局2024年度部门决算编制范围的单位包括：",
    ),
    (
        "三、支出决算情况说明603.14万元，占20.51%；本年支出合计2940.05万元，其中：基本支出2336.91万元，"
        "占79.49%；项目支出四、",
        "三、支出决算情况说明本年支出合计2940.05万元，其中：基本支出2336.91万元，占79.49%；项目支出603.14万元，"
        "占20.51%；四、",
    ),
    (
        "占11.11%；15.16%；卫生健康支出（类）60.99万元，占2.07%；住房保障支出（类）445.69万元，占（三）",
        "占11.11%；卫生健康支出（类）60.99万元，占2.07%；住房保障支出（类）445.69万元，占15.16%；（三）",
    ),
    (
        "主要用于：449.52万元。决算数小于预算数的主要原因：因个别项目评审费未能实施或未来得及委托中介机构开展各类审计"
        "及绩效评价工作。年初预算为450.52万元，支出决算为支付完毕，于明年重新申请。",
        "主要用于：委托中介机构开展各类审计及绩效评价工作。年初预算为450.52万元，支出决算为449.52万元。"
        "决算数小于预算数的主要原因：因个别项目评审费未能实施或未来得及支付完毕，于明年重新申请。",
    ),
    (
        "机关事业单位基本养老161.62万元，支出决算为160.75万元。决算数小于预算数的主要原因：预算按充分保保险缴费支出（项）。"
        "主要用于：在职人员的基本养老保险支出。年初预算为障预估，实际执行基本贴合预期。",
        "机关事业单位基本养老保险缴费支出（项）。主要用于：在职人员的基本养老保险支出。年初预算为161.62万元，"
        "支出决算为160.75万元。决算数小于预算数的主要原因：预算按充分保障预估，实际执行基本贴合预期。",
    ),
    (
        "实行598.42万元；绩效跟踪评价的2024年度项目4个，涉及预算金额598.42万元；绩效自评全过程绩效管理实施情况跟踪："
        "编报绩效目标的2024年度项目4个，涉及预算金额“优”的项目4个；绩效评级为“良”的项目0个；绩效评级为“合格”的项目0个；"
        "绩效评级的2024年度项目4个，涉及预算金额598.42万元，平均得分99.43分（其中，绩效评级为0个）。为“不合格”的项目0个。"
        "绩效自评中共发现问题0个，已经完成整改的0个，正在整改的",
        "实行全过程绩效管理实施情况跟踪：编报绩效目标的2024年度项目4个，涉及预算金额598.42万元；绩效跟踪评价的2024年度"
        "项目4个，涉及预算金额598.42万元；绩效自评的2024年度项目4个，涉及预算金额598.42万元，平均得分99.43分（其中，"
        "绩效评级为“优”的项目4个；绩效评级为“良”的项目0个；绩效评级为“合格”的项目0个；绩效评级为“不合格”的项目0个。"
        "绩效自评中共发现问题0个，已经完成整改的0个，正在整改的0个）。",
    ),
]

NONE = "，完成预算的0%"
# (published, corrected): the sentence as the reference prints it, and as the example must print it.
CORRECTED: list[tuple[str, str]] = [
    # C3: 财政拨款收入支出总计 is 2,961.68 (表4's 总计), not 0.3; 2023's was 3,024.82 (its 一般公共预算财政拨款支出
    # 3,003.19 = 2,940.05 + 63.14, plus its 年末结转和结余 21.63, 2024's 年初): 减少63.14万元，下降2.09%, not 持平
    (
        f"四、财政拨款收入支出决算总体情况说明{BUREAU}2024年度财政拨款收入支出总计0.3万元。",
        f"四、财政拨款收入支出决算总体情况说明{BUREAU}2024年度财政拨款收入支出总计2961.68万元。",
    ),
    ("与2023年度相比，财政拨款收入支出总计持平。", "与2023年度相比，财政拨款收入支出总计减少63.14万元，下降2.09%。"),
    # C4: 2,106.66 / 2,940.05 = 71.65%, not 71.73% (the four shares then add to 99.99%, not 100.07%)
    (
        "（二）一般公共预算财政拨款支出决算结构情况一般公共预算财政拨款支出2940.05万元，主要用于以下方面："
        "一般公共服务支出（类）2106.66万元，占71.73%；",
        "（二）一般公共预算财政拨款支出决算结构情况一般公共预算财政拨款支出2940.05万元，主要用于以下方面："
        "一般公共服务支出（类）2106.66万元，占71.65%；",
    ),
    # C2: 表6 books 0.31 under 30309 奖励金 and nothing under 30310 个人农业生产补贴
    (
        "其中：人员经费2152.26万元，主要包括：基本工资、津贴补贴、机关事业单位基本养老保险缴费、职业年金缴费、"
        "职工基本医疗保险缴费、其他社会保障缴费、住房公积金、其他工资福利支出、退休费、个人农业生产补贴；",
        "其中：人员经费2152.26万元，主要包括：基本工资、津贴补贴、机关事业单位基本养老保险缴费、职业年金缴费、"
        "职工基本医疗保险缴费、其他社会保障缴费、住房公积金、其他工资福利支出、退休费、奖励金；",
    ),
    # W4: no percentage of a zero budget (因公出国 and 公务用车 had none); a rate to the cent as everywhere (0.00%)
    (
        f"“三公”经费财政拨款支出年初预算为0.95万元，支出决算为0.00万元{NONE}，其中：因公出国（境）费决算为0.00万元{NONE}；",
        "“三公”经费财政拨款支出年初预算为0.95万元，支出决算为0.00万元，完成预算的0.00%，其中："
        "因公出国（境）费决算为0.00万元，年初预算为0.00万元；",
    ),
    (
        f"公务用车购置及运行维护费支出决算为0.00万元{NONE}；",
        "公务用车购置及运行维护费支出决算为0.00万元，年初预算为0.00万元；",
    ),
    (f"公务接待费支出决算为0.00万元{NONE}。", "公务接待费支出决算为0.00万元，完成预算的0.00%。"),
    # W3: amounts to the cent throughout (6.20, 0.00); a list's last item ends its sentence with 。, not ；
    ("其他收入6.2万元，占0.21%；", "其他收入6.20万元，占0.21%。"),
    ("项目支出603.14万元，占20.51%；", "项目支出603.14万元，占20.51%。"),
    ("住房保障支出（类）445.69万元，占15.16%；", "住房保障支出（类）445.69万元，占15.16%。"),
    (
        f"（二）政府采购支出情况{BUREAU}2024年度政府采购金额（以合同签订为准）为251.25万元，其中：货物采购金额4.79万元、"
        "工程采购金额0万元、服务采购金额246.47万元。",
        f"（二）政府采购支出情况{BUREAU}2024年度政府采购金额（以合同签订为准）为251.25万元，其中：货物采购金额4.79万元、"
        "工程采购金额0.00万元、服务采购金额246.47万元。",
    ),
    (
        "2024年度本部门面向中小企业预留政府采购项目预算金额246.47万元，面向小微企业预留政府采购项目预算金额0万元。",
        "2024年度本部门面向中小企业预留政府采购项目预算金额246.47万元，面向小微企业预留政府采购项目预算金额0.00万元。",
    ),
    (
        "在面向小微企业预留政府采购项目中，由小微企业供应商中标或成交的，采购金额0万元；",
        "在面向小微企业预留政府采购项目中，由小微企业供应商中标或成交的，采购金额0.00万元；",
    ),
    # W2: the template's words (全过程绩效管理实施情况：), not 实行…跟踪
    (
        "实行全过程绩效管理实施情况跟踪：编报绩效目标的2024年度项目4个，涉及预算金额598.42万元；",
        "全过程绩效管理实施情况：编报绩效目标的2024年度项目4个，涉及预算金额598.42万元；",
    ),
    # W1: a full-width colon, as everywhere else
    (
        "其中:因公出国（境）费反映单位参加国际合作交流、重大项目洽谈、境外培训研修等的国际旅费、国外城市间交通费、住宿费、"
        "伙食费、培训费、公杂费等支出；",
        "其中：因公出国（境）费反映单位参加国际合作交流、重大项目洽谈、境外培训研修等的国际旅费、国外城市间交通费、住宿费、"
        "伙食费、培训费、公杂费等支出；",
    ),
]
# C1: 社会保障和就业支出 is 326.72 (表2, 表3, 表5, the narrative, and its four 项 add to it); 表1 and 表4 printed 326.71
TABLE_CORRECTED = Counter({"326.71": 3}), Counter({"326.72": 3})


def _lines() -> list[str]:
    return REFERENCE.read_text(encoding="utf-8").splitlines()


def reference() -> tuple[list[str], list[str]]:
    """The published text's sentences and the amounts its tables print.

    The cover and 目录 give a sentence a line; the rest (第一部分, then 第三部分 and 第四部分) is joined,
    whitespace gone, LAYOUT put back, and split at 。 and ；, before each part's heading and the units' table. The
    tables (第二部分) give their amounts, and their titles and notes as sentences.
    """
    lines = _lines()
    parts = [i for i, line in enumerate(lines) if re.match(r"\s*第[一二三四]部分", line)]
    body, tables, notes = parts[4], parts[5], parts[6]  # after the 目录's four
    flat = lambda block: "".join(re.sub(r"\s+", "", line) for line in block)  # noqa: E731
    sentences = [flat([line]) for line in lines[:body] if line.strip()]
    text = flat(lines[body:tables]) + flat(lines[notes:])
    for printed, meant in LAYOUT:
        assert printed in text, printed
        text = text.replace(printed, meant)
    for paragraph in re.split(r"(?=第[一二三四]部分|序号单位名称备注)", text):  # parts; the units' table
        sentences += [s for s in re.split(r"(?<=[。；])", paragraph) if s]
    figures: list[str] = []
    for line in lines[tables + 1 : notes]:
        compact = re.sub(r"\s+", "", line)
        if compact.endswith("表") or compact.startswith("注："):
            sentences.append(compact)
        figures += FIGURE.findall(line)
    return sentences, figures


def expected_sentences() -> list[str]:
    sentences, _ = reference()
    published = {p for p, _ in CORRECTED}
    return [s for s in sentences if s not in published] + [c for _, c in CORRECTED]


def expected_figures() -> Counter[str]:
    wrong, right = TABLE_CORRECTED
    return Counter(reference()[1]) - wrong + right


def flat(text: str) -> str:
    return re.sub(r"\s+", "", text)


@pytest.fixture(scope="module")
def rendered(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    return render_example(EXAMPLE, tmp_path_factory.mktemp("final"))


@pytest.fixture(scope="module")
def pdf_text(rendered: dict[str, Path]) -> str:
    return re.sub(r"\.{3,}\s*\d+", "", pdf_body_text(rendered["pdf"]))  # the 目录's leaders and page numbers


@pytest.fixture(scope="module")
def docx_text(rendered: dict[str, Path]) -> tuple[str, str]:
    return docx_texts(rendered["docx"])


def test_reference_is_read_whole():
    sentences, figures = reference()
    # counted by hand, table by table: 12 + 45 + 44 + 19 + 44 + 29 + 2 (表8 and 表9 print none)
    assert len(figures) == 195
    assert len(sentences) > 150
    for published, _ in CORRECTED:
        assert published in sentences, published  # each mistake listed is one the reference prints


def test_pdf_has_every_sentence_and_table_figure(pdf_text):
    text = flat(pdf_text)
    assert [s for s in expected_sentences() if s not in text] == []
    short = expected_figures() - Counter(FIGURE.findall(pdf_text))
    assert not short, dict(short)


def test_docx_has_every_sentence_and_table_figure(docx_text):
    paragraphs, tables = docx_text
    text = flat(re.sub(r"\t\d+", "", paragraphs) + tables)  # the DOCX 目录's tab and page number
    assert [s for s in expected_sentences() if s not in text] == []
    short = expected_figures() - Counter(FIGURE.findall(tables))
    assert not short, dict(short)


def test_no_mistake_is_printed(pdf_text, docx_text):
    for text in (flat(pdf_text), flat("".join(docx_text))):
        for wrong in ("0.3万元", "71.73", "326.71", "退休费、个人农业生产补贴", "完成预算的0%", "6.2万元", "其中:"):
            assert wrong not in text, wrong


def test_workbook_is_what_the_script_builds():
    assert_built_as_saved("build_example4", EXAMPLE, rows=120)


def test_example_has_no_error_and_its_roundings_are_warned():
    """The published tables are rounded from 元: ten sums are off by a cent or two, each within its envelope."""
    findings = check(load_workbook(EXAMPLE))
    assert [f for f in findings if f.severity == "error"] == []
    assert sorted(f.where for f in findings) == sorted(
        ["基本信息!B70", "T2!E6", "T2!F6", "T3!E6", "T3!F6", "T5!E25", "T5!F25", "T5!H25", "T6!D5", "T6!D19"]
    )
    assert {f.rule for f in findings} == {"尾差"}


# --- broken copies: refused at their cells ------------------------------------------------------


def _sheet(wb: openpyxl.Workbook, code: str):
    return next(ws for ws in wb.worksheets if ws.title.split(" ", 1)[0] == code)


def _row(ws, spec, text: str, key: str) -> int:
    column = spec.column_index(key)
    for row in range(spec.data_row, ws.max_row + 1):
        if ws.cell(row=row, column=column).value == text:
            return row
    raise AssertionError(f"{text} not on {ws.title}")


def edited(tmp_path: Path, code: str, text: str, label: str, key: str, value: object) -> tuple[Path, str]:
    """A copy of the example with one cell of ``code`` (the row whose ``label`` reads ``text``) set to ``value``."""
    target = tmp_path / EXAMPLE.name
    if not target.exists():
        shutil.copyfile(EXAMPLE, target)
    wb = openpyxl.load_workbook(target)
    spec = builtin("final-accounts").table(code)
    ws = _sheet(wb, code)
    cell = ws.cell(row=_row(ws, spec, text, label), column=spec.column_index(key))
    cell.value = value
    wb.save(target)
    return target, f"{code}!{cell.coordinate}"


def errors(path: Path) -> list[str]:
    return [f.line() for f in check(load_workbook(path)) if f.severity == "error"]


def test_balance_off_beyond_the_envelope(tmp_path):
    """年末结转和结余 55.34 → 55.44: 本年支出合计 2,940.05 + 结余分配 0 + 55.44 = 2,995.49, not the 总计 2,995.39."""
    path, where = edited(tmp_path, "T1", "年末结转和结余", "out_label", "out_amount", 55.44)
    total = f"T1!D{int(where[4:]) + 1}"
    assert errors(path) == [
        f"[错误] {total} 合计不符：支出总计应等于本年支出合计、结余分配和年末结转和结余之和"
        "（应为 2995.49，实为 2995.39）"
    ]


def test_a_budget_difference_without_its_reason(tmp_path):
    """行政运行: 决算 1,511.89 below its 年初预算 1,560.05; its reason removed, the check asks for it at its cell."""
    path, where = edited(tmp_path, "T5", "行政运行", "name", "reason", None)
    assert errors(path) == [
        f"[错误] {where} 预决算差异：决算数与年初预算数不同：2010601 行政运行决算数1511.89小于预算数1560.05，"
        "须在“预决算差异原因”中说明原因"
    ]


def test_the_top_budget_difference_without_its_reason(tmp_path):
    target = tmp_path / EXAMPLE.name
    shutil.copyfile(EXAMPLE, target)
    wb = openpyxl.load_workbook(target)
    ws = wb["基本信息"]
    row = next(r for r in range(1, ws.max_row + 1) if ws.cell(r, 1).value == "一般公共预算财政拨款支出预决算差异原因")
    ws.cell(row, 2).value = None
    wb.save(target)
    assert errors(target) == [
        f"[错误] 基本信息!B{row} 预决算差异：决算数2940.05万元小于年初预算数2993.92万元，"
        "须填写“一般公共预算财政拨款支出预决算差异原因”"
    ]


def test_a_class_of_the_summary_not_the_spending_table_s(tmp_path):
    """表1's 社会保障和就业支出 back to the published 326.71 is a 尾差 (one cent); 326.62 is an error."""
    path, where = edited(tmp_path, "T1", "八、社会保障和就业支出", "out_label", "out_amount", 326.62)
    assert errors(path) == [
        f"[错误] {where} 表间不符：支出各类应等于支出决算表的类：社会保障和就业支出（应为 326.72，实为 326.62）"
    ]


def test_empty_fund_tables_print_their_note(pdf_text):
    for fund in ("政府性基金预算", "国有资本经营预算"):
        assert f"注：{BUREAU}无{fund}财政拨款支出，故本表无数据。" in flat(pdf_text)


def test_an_empty_table_without_its_note(tmp_path):
    """表7 (三公) emptied: the format gives it no empty note, so it cannot be published empty."""
    target = tmp_path / EXAMPLE.name
    shutil.copyfile(EXAMPLE, target)
    wb = openpyxl.load_workbook(target)
    spec = builtin("final-accounts").table("T7")
    ws = _sheet(wb, "T7")
    for key in ("total_budget", "reception_budget"):
        ws.cell(row=spec.data_row, column=spec.column_index(key)).value = None
    wb.save(target)
    message = "T7 财政拨款“三公”经费支出决算表没有数据：本表不能公开为空表（公开格式没有给它空表的说明），请填写"
    assert f"[错误] T7 必填项：{message}" in errors(target)


# --- arithmetic worked by hand on edited copies (rendered as HTML: the words are the PDF's and DOCX's) ----------


def _label_row(ws, label: str) -> int:
    return next(r for r in range(1, ws.max_row + 1) if ws.cell(r, 1).value == label)


class Copy:
    """An editable copy of the example: table cells by row label, 基本信息 facts and 上年数 by label."""

    def __init__(self, tmp_path: Path):
        self.path = tmp_path / EXAMPLE.name
        shutil.copyfile(EXAMPLE, self.path)
        self.wb = openpyxl.load_workbook(self.path)
        self.fmt = builtin("final-accounts")

    def cell(self, code: str, text: str, label: str, key: str, value: object) -> None:
        spec = self.fmt.table(code)
        ws = _sheet(self.wb, code)
        ws.cell(row=_row(ws, spec, text, label), column=spec.column_index(key)).value = value

    def first(self, code: str, key: str, value: object) -> None:
        spec = self.fmt.table(code)
        _sheet(self.wb, code).cell(row=spec.data_row, column=spec.column_index(key)).value = value

    def fact(self, label: str, value: object) -> None:
        ws = self.wb["基本信息"]
        ws.cell(_label_row(ws, label), 2).value = value

    def prior(self, label: str, value: object) -> None:
        ws = self.wb["上年数"]
        ws.cell(_label_row(ws, label), 2).value = value

    def text(self) -> str:
        """The document's text, whitespace gone; the copy must check without errors."""
        from generator.jobs import pipeline

        self.wb.save(self.path)
        assert errors(self.path) == []
        out = self.path.parent / "out"
        _prepared, written = pipeline.render(self.path, out, ("html",))
        html = written[0].read_text(encoding="utf-8")
        return flat(re.sub(r"<[^>]+>", "", html))


def test_carry_over_and_surplus_distribution_balance(tmp_path):
    """使用非财政拨款结余 3.00 and 年初结转和结余 46.14 (49.14 − 3.00): 2,946.25 + 3.00 + 46.14 = 2,995.39;
    结余分配 1.50 and 年末 53.84: 2,940.05 + 1.50 + 53.84 = 2,995.39. Both sides balance; 结余分配 1.60 does not."""
    copy = Copy(tmp_path)
    copy.cell("T1", "使用非财政拨款结余（含专用结余）", "in_label", "in_amount", 3.00)
    copy.cell("T1", "年初结转和结余", "in_label", "in_amount", 46.14)
    copy.cell("T1", "结余分配", "out_label", "out_amount", 1.50)
    copy.cell("T1", "年末结转和结余", "out_label", "out_amount", 53.84)
    assert f"{BUREAU}2024年度收入支出总计2995.39万元。" in copy.text()
    copy.cell("T1", "结余分配", "out_label", "out_amount", 1.60)
    copy.wb.save(copy.path)
    assert [e.split(" ", 2)[2] for e in errors(copy.path)] == [
        "合计不符：支出总计应等于本年支出合计、结余分配和年末结转和结余之和（应为 2995.49，实为 2995.39）"
    ]


def test_actual_above_and_below_budget(tmp_path):
    """信息化建设's 年初预算 135.90 → 130.00: now below its 决算 135.25 (决算数大于预算数); its 款, 类 and the
    合计 follow (2,156.47 − 5.90 = 2,150.57; 2,993.92 − 5.90 = 2,988.02): 2,940.05 / 2,988.02 = 98.3946…% → 98.39%."""
    copy = Copy(tmp_path)
    copy.cell("T5", "信息化建设", "name", "budget", 130.00)
    copy.cell("T5", "财政事务", "name", "budget", 2150.57)
    copy.cell("T5", "一般公共服务支出", "name", "budget", 2150.57)
    copy.cell("T5", "合计", "name", "budget", 2988.02)
    copy.cell("T5", "信息化建设", "name", "reason", "新增系统运维")
    text = copy.text()
    assert "年初预算为2988.02万元，支出决算为2940.05万元，完成年初预算的98.39%。" in text
    assert "年初预算为130.00万元，支出决算为135.25万元。决算数大于预算数的主要原因：新增系统运维。" in text
    assert "年初预算为1560.05万元，支出决算为1511.89万元。决算数小于预算数的主要原因：" in text


def test_a_zero_budget_has_no_percentage(tmp_path):
    """一般行政管理事务 had no 年初预算 (0): no percentage, its 10.00 above it needs a reason; the 合计's
    budget 2,993.92 − 10.00 = 2,983.92: 2,940.05 / 2,983.92 = 98.5298…% → 98.53%."""
    copy = Copy(tmp_path)
    copy.cell("T5", "一般行政管理事务", "name", "budget", 0)
    copy.cell("T5", "财政事务", "name", "budget", 2146.47)
    copy.cell("T5", "一般公共服务支出", "name", "budget", 2146.47)
    copy.cell("T5", "合计", "name", "budget", 2983.92)
    copy.wb.save(copy.path)
    assert [e.split("预决算差异：")[1] for e in errors(copy.path)] == [
        "决算数与年初预算数不同：2010602 一般行政管理事务决算数10.00大于预算数0.00，须在“预决算差异原因”中说明原因"
    ]
    copy.cell("T5", "一般行政管理事务", "name", "reason", "年中追加宣传经费")
    text = copy.text()
    assert "年初预算为0.00万元，支出决算为10.00万元。决算数大于预算数的主要原因：年中追加宣传经费。" in text
    assert "完成年初预算的98.53%。" in text


SANGONG = {  # T7 with money in it: 预算数 and 决算数 per item (万元)
    "abroad_budget": 2.00, "abroad": 1.20,
    "purchase_budget": 30.00, "purchase": 28.50,
    "running_budget": 5.00, "running": 4.30,
    "vehicle_budget": 35.00, "vehicle": 32.80,
    "reception_budget": 0.95, "reception": 0.50,
    "total_budget": 37.95, "total": 34.50,
}  # fmt: skip


def test_sangong_with_counts(tmp_path):
    """三公 34.50 of 37.95 (90.909…% → 90.91%): 出国 1.20 / 2.00 = 60.00%, 公务用车 32.80 / 35.00 = 93.714…% →
    93.71%, 接待 0.50 / 0.95 = 52.631…% → 52.63%. Against 2023's 30.00 (出国 0, 用车 29.00, 接待 1.00):
    增加4.50万元，增长15.00%; 出国 增加1.20万元 (no rate from zero); 用车 增加3.80万元，增长13.10% (3.80 / 29.00 =
    13.103…%); 接待 减少0.50万元，下降50.00%. Shares of 34.50: 3.478…% → 3.48, 95.072…% → 95.07, 1.449…% → 1.45."""
    copy = Copy(tmp_path)
    for key, value in SANGONG.items():
        copy.first("T7", key, value)
    for label, value in (("“三公”经费财政拨款支出", 30.00), ("公务用车购置及运行维护费", 29.00), ("公务接待费", 1.00)):
        copy.prior(label, value)
    counts = {
        "因公出国（境）团组数": 1, "因公出国（境）人次": 3, "公务用车购置数": 1, "公务用车保有量": 2,
        "国内公务接待批次": 5, "国内公务接待人次": 40, "接待外宾批次": 1, "接待外宾人次": 6, "外宾接待支出": 0.20,
    }  # fmt: skip
    for label, value in counts.items():
        copy.fact(label, value)
    reasons = {
        "“三公”经费预决算差异原因": "严控公务支出",
        "因公出国（境）费增减原因": "参加国际会议",
        "公务用车购置及运行维护费增减原因": "更新执法执勤用车",
        "公务接待费增减原因": "减少接待",
    }
    for label, value in reasons.items():
        copy.fact(label, value)
    text = copy.text()
    assert (
        "“三公”经费财政拨款支出年初预算为37.95万元，支出决算为34.50万元，完成预算的90.91%，其中：因公出国（境）费决算为"
        "1.20万元，完成预算的60.00%；公务用车购置及运行维护费支出决算为32.80万元，完成预算的93.71%；公务接待费支出决算为"
        "0.50万元，完成预算的52.63%。2024年度“三公”经费支出决算数小于预算数的主要原因：严控公务支出。"
    ) in text
    assert (
        "2024年度“三公”经费财政拨款支出决算数比2023年度增加4.50万元，增长15.00%。其中：因公出国（境）费支出决算增加"
        "1.20万元；公务用车购置及运行维护费支出决算增加3.80万元，增长13.10%；公务接待费支出决算减少0.50万元，下降50.00%。"
        "因公出国（境）费支出增加的主要原因是参加国际会议。公务用车购置及运行维护费支出增加的主要原因是更新执法执勤用车。"
        "公务接待费支出减少的主要原因是减少接待。"
    ) in text
    assert (
        "“三公”经费财政拨款支出决算中，因公出国（境）费支出决算1.20万元，占3.48%；公务用车购置及运行维护费支出决算"
        "32.80万元，占95.07%；公务接待费支出决算0.50万元，占1.45%。具体情况如下："
    ) in text
    assert "1、因公出国（境）费支出1.20万元。全年安排因公出国（境）团组1个、累计3人次。" in text
    assert "公务用车购置支出为28.50万元。购置公务用车1辆。" in text
    assert f"公务用车运行维护支出4.30万元。2024年，{BUREAU}所属各预算单位开支财政拨款的公务用车保有量为2辆。" in text
    assert (
        "国内公务接待支出0.50万元（含外宾接待支出0.20万元）。共接待5批次、40人次，其中：接待外宾1批次、6人次。" in text
    )


def test_next_year_starts_from_this_final_accounts(tmp_path):
    """init --from the 2024 决算: 2025's 上年数 are 2024's printed figures, read by hand from the reference."""
    from click.testing import CliRunner

    from generator.frontends.cli import main

    path = tmp_path / "2025决算.xlsx"
    result = CliRunner().invoke(main, ["init", str(path), "--from", str(EXAMPLE)])
    assert result.exit_code == 0, result.output
    prior = load_workbook(path).prior
    expected = {"total_all": "2995.39", "fiscal_total": "2961.68", "gpb": "2940.05", "sangong": "0", "abroad": "0"}
    expected |= {"vehicle": "0", "reception": "0", "operating_cost": "184.65"}
    assert {key: prior.amount(key) for key in prior.cells} == {k: Decimal(v) for k, v in expected.items()}


def test_previous_checks_the_prior_figures_of_a_final_accounts(tmp_path):
    """check --previous with the 2024 决算: 2025's 上年数 “机关运行经费” typed 184.56 instead of 184.65."""
    from click.testing import CliRunner

    from generator.frontends.cli import main

    path = tmp_path / "2025决算.xlsx"
    assert CliRunner().invoke(main, ["init", str(path), "--from", str(EXAMPLE)]).exit_code == 0
    wb = openpyxl.load_workbook(path)
    ws = wb["上年数"]
    row = _label_row(ws, "机关运行经费")
    ws.cell(row, 2).value = 184.56
    wb.save(path)
    from generator.jobs.nextyear import read_last_year
    from generator.stages.check import check as run

    findings = run(load_workbook(path), last=read_last_year(EXAMPLE))
    assert [f.line() for f in findings if f.rule == "上年数不符"] == [
        f"[错误] 上年数!B{row} 上年数不符：上年数“机关运行经费”与上年工作簿 {EXAMPLE.name} 算出的数字不同"
        "（应为 184.65，实为 184.56）"
    ]


def test_basic_spending_is_printed_in_two_halves(tmp_path):
    """表6 as published: 人员经费's 经济分类 (301, 303) on the left, 公用经费's (302, 310) on the right, the two
    合计 side by side on the last line; 303 09 奖励金 0.31 beside 302 28 工会经费 24.42 (the layout's row 28)."""
    from generator.jobs import pipeline

    _prepared, written = pipeline.render(EXAMPLE, tmp_path, ("html",))
    html = written[0].read_text(encoding="utf-8")
    table = html[html.index('<table class="grid t6">') :]
    table = table[: table.index("</table>")]
    rows = [[flat(re.sub(r"<[^>]+>", "", c)) for c in re.findall(r"<t[dh][^>]*>(.*?)</t[dh]>", r)]
            for r in re.findall(r"<tr[^>]*>(.*?)</tr>", table, re.S)]  # fmt: skip
    assert rows[:2] == [["经济分类科目编码", "科目名称", "决算数"] * 2, ["类", "款"] * 2]  # the header twice
    assert ["303", "09", "奖励金", "0.31", "302", "28", "工会经费", "24.42"] in rows
    assert rows[-1] == ["", "", "人员经费合计", "2,152.26", "", "", "公用经费合计", "184.65"]
    assert sum(len(r) == 8 for r in rows) == len(rows) - 2  # the header's first two rows span codes


def test_init_with_budget_and_previous(tmp_path):
    """The issue's command: 2025's 决算 from 2024's (上年数) and from 2025's budget (年初预算数). The budget's 表5
    prints 行政运行 16,231,840.80元 = 1,623.18408万元 and 合计 31,214,205.80元 = 3,121.42058万元 (kept to the 元),
    its 表9 “三公” 0.95万元, all 公务接待费."""
    from click.testing import CliRunner

    from generator.frontends.cli import main

    budget = ROOT / "inputs" / "上海市普陀区财政局2025.xlsx"
    path = tmp_path / "2025决算.xlsx"
    args = ["init", str(path), "--format", "final-accounts", "--budget", str(budget), "--previous", str(EXAMPLE)]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, result.output
    assert "由预算工作簿 上海市普陀区财政局2025.xlsx 预填年初预算数" in result.output
    filled = load_workbook(path)
    assert filled.year == 2025 and filled.prior.amount("total_all") == Decimal("2995.39")
    t5 = {(r.text("lei"), r.text("kuan"), r.text("xiang")): r.values.get("budget") for r in filled.table("T5").rows}
    assert t5[("201", "06", "01")] == Decimal("1623.18408")
    assert t5[("", "", "")] == Decimal("3121.42058")  # the 合计 row
    t7 = filled.table("T7").rows[0]
    assert (t7.values.get("total_budget"), t7.values.get("reception_budget")) == (Decimal("0.95"), Decimal("0.95"))


def test_init_refuses_a_format_other_than_last_year_s(tmp_path):
    from click.testing import CliRunner

    from generator.frontends.cli import main

    result = CliRunner().invoke(main, ["init", str(tmp_path / "x.xlsx"), "--format", "henan", "--from", str(EXAMPLE)])
    assert result.exit_code == 2
    assert result.stderr.endswith(
        f"Error: 上年工作簿 {EXAMPLE.name} 的公开格式是 final-accounts，不是 --format henan：新工作簿沿用上年的格式\n"
    )
    assert not (tmp_path / "x.xlsx").exists()


def test_a_class_line_the_spending_table_does_not_have(tmp_path):
    """表1 gives 十、节能环保支出 5.00, a 类 表3 does not have: the line is reported at its cell."""
    path, where = edited(tmp_path, "T1", "十、节能环保支出", "out_label", "out_amount", 5.00)
    assert f"[错误] {where} 表间不符：支出各类应等于支出决算表的类：节能环保支出在T3中没有" in errors(path)


def test_import_reads_back_the_final_accounts_tables(tmp_path):
    """import finds the nine tables (and 表U) of the 决算 example by title and header and writes them back exactly;
    its titles name no year, so the workbook is for the year just ended, and the report says so."""
    from datetime import date

    from click.testing import CliRunner

    from generator.frontends.cli import main

    out = tmp_path / "导入.xlsx"
    result = CliRunner().invoke(main, ["import", str(EXAMPLE), "-o", str(out), "--format", "final-accounts"])
    assert result.exit_code == 0, result.output
    year = date.today().year - 1
    assert f"各表标题中都没有年度：工作簿按 {year} 年生成，请核对基本信息中的预算年度" in result.output
    imported, example = load_workbook(out), load_workbook(EXAMPLE)
    assert imported.year == year
    for spec in example.format.tables:
        assert [r.values for r in imported.table(spec.code).rows] == [r.values for r in example.table(spec.code).rows]
