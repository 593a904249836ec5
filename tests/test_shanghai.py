"""Shanghai's district budget (format shanghai-district): the example says what the published document says.

``inputs/上海市普陀区财政局2025.xlsx`` (built by ``tools/build_example3.py`` from the verified
transcription in ``tools/examples/shanghai-2025/``) is rendered once as PDF and DOCX. Every sentence
of the published text (``tests/data/shanghai-district-budget-2025.txt``, a copy of the reference,
split at 。 and ；, whitespace removed on both sides) and every amount its nine tables print must be
in both, except the published mistakes: for those the corrected sentence must be there instead
(CORRECTED below, each naming the mistake as tools/examples/shanghai-2025/README.md lists it: K1–K6
known, N1–N8 found by verify.py, Q1–Q4 wording this project prints one way throughout).
"""

from __future__ import annotations

import re
import shutil
from collections import Counter
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner
from support import ROOT, assert_built_as_saved, docx_texts, pdf_body_text, render_example

from generator.formats import builtin
from generator.frontends.cli import main
from generator.stages.check import check
from generator.workbook.load import load_workbook

SHANGHAI = ROOT / "inputs" / "上海市普陀区财政局2025.xlsx"
REFERENCE = Path(__file__).parent / "data" / "shanghai-district-budget-2025.txt"
FIGURE = re.compile(r"(?<![\d.,])\d{1,3}(?:,\d{3})*\.\d{2}(?!\d)")
TABLE_TITLE = re.compile(r"^\s*\d{4}年部门\S*表\s*$")  # a table's title (the 目录's entries are numbered)
FULL_LINE = 50  # characters: a shorter line ends its paragraph (the text is justified to about 55)

ITEM = "“社会保障和就业支出（类）行政事业单位养老支出（款）"
# (published, corrected): the sentence as the reference prints it, and as the example must print it.
CORRECTED: list[tuple[str, str]] = [
    # K1: 职业年金 is 873,617.00元 = 87.36万元 in 表5, 表2, 表3 and 表8; the narrative printed an extra 8
    (
        f"7.{ITEM}机关事业单位职业年金缴费支出（项）”887.36万元，主要用于缴纳职业年金支出。",
        f"7.{ITEM}机关事业单位职业年金缴费支出（项）”87.36万元，主要用于缴纳职业年金支出。",
    ),
    # K6: 877,080.00元 is 87.708万元, rounded half up 87.71 (the document cut it to 87.70)
    (
        f"5.{ITEM}行政单位离退休（项）”87.70万元，主要用于局本部人员的退休经费支出。",
        f"5.{ITEM}行政单位离退休（项）”87.71万元，主要用于局本部人员的退休经费支出。",
    ),
    # N2: the 科目 is 其他行政事业单位养老支出 (表2, 表3, 表5), not 其它
    (
        f"8.{ITEM}其它行政事业单位养老支出（项）”0.96万元，主要用于缴纳养老支出。",
        f"8.{ITEM}其他行政事业单位养老支出（项）”0.96万元，主要用于缴纳养老支出。",
    ),
    # K5: 782,164.00元 is 78.2164万元 → 78.22 (cut to 78.21)
    (
        "9.“卫生健康支出（类）行政事业单位医疗（款）行政单位医疗（项）”78.21万元，主要用于局本级和所属单位在职人员基本医疗保险费。",
        "9.“卫生健康支出（类）行政事业单位医疗（款）行政单位医疗（项）”78.22万元，主要用于局本级和所属单位在职人员基本医疗保险费。",
    ),
    # K4: 2,049,197.00元 is 204.9197万元 → 204.92 (cut to 204.91)
    (
        "10.“住房保障支出（类）住房改革支出（款）住房公积金（项）”204.91万元，主要用于缴纳在职人员住房公积金。",
        "10.“住房保障支出（类）住房改革支出（款）住房公积金（项）”204.92万元，主要用于缴纳在职人员住房公积金。",
    ),
    # K3: 2,687,760.00元 is 268.776万元 → 268.78 (cut to 268.77)
    (
        "11.“住房保障支出（类）住房改革支出（款）购房补贴（项）”268.77万元，主要用于购房补贴支出。",
        "11.“住房保障支出（类）住房改革支出（款）购房补贴（项）”268.78万元，主要用于购房补贴支出。",
    ),
    # N1: 表7 is the 国有资本经营预算 table; its note copied 表6's; Q2: the notes' colon full-width as every other
    (
        "注:本部门2025年无政府性基金预算财政拨款安排的预算，故本表为空表。",
        "注：本部门2025年无政府性基金预算财政拨款安排的预算，故本表为空表。",
    ),
    (
        "注:本部门2025年无政府性基金预算财政拨款安排的预算，故本表为空表。",
        "注：本部门2025年无国有资本经营预算财政拨款安排的预算，故本表为空表。",
    ),
    # N3: the item is 公务用车购置及运行费 (表9, 名词解释); Q3: 持平 as every other unchanged figure, not 一致0万元
    (
        "（二）公务车购置及运行费0万元，其中：公务用车购置费0万元，与2024年预算一致0万元，主要原因是本部门无公务用车；",
        "（二）公务用车购置及运行费0万元，其中：公务用车购置费0万元，与2024年预算持平，主要原因是本部门无公务用车；",
    ),
    # N4: 公务用车运行费 (表9's 运行费 under 公务用车购置及运行费), not 公务车用车运行费; Q3 as above
    (
        "公务车用车运行费0万元，与2024年预算一致0万元，主要原因是本部门无公务用车。",
        "公务用车运行费0万元，与2024年预算持平，主要原因是本部门无公务用车。",
    ),
    # N8: 100万元（含）, as the next paragraph writes it
    ("单价100万（含）以上设备（不含车辆）0台（套）。", "单价100万元（含）以上设备（不含车辆）0台（套）。"),
    # N5: 10.00万元, as every other figure and as 六 四 prints the same project
    (
        "信息化系统日常维护费166.66万元，中介机构服务费418.80万元，财政业务费10万元。",
        "信息化系统日常维护费166.66万元，中介机构服务费418.80万元，财政业务费10.00万元。",
    ),
    # Q4: 表9's unit line with the full-width colon of the other eight
    ("编制部门：上海市普陀区财政局单位:万元", "编制部门：上海市普陀区财政局单位：万元"),
]
# N6: 3,000.00万元 grouped as every other amount of four digits (the sentence is long: built, not typed twice)
_AUDIT = (
    "竣工决算审计：根据《普陀区政府投资建设项目资金管理办法》、《基本建设财务规则》、《基本建设项目竣工财务决算管理暂行办法》"
    "的要求，我区基本建设项目建安工程投资费用{}万元及以下的财务竣工决算审计由区财政局负责，财务竣工决算由区财政局予以批复。"
)
CORRECTED.append((_AUDIT.format("3000.00"), _AUDIT.format("3,000.00")))
# Q1: the 目录 numbers every table "N. " (1–3 print "1. ", 4–9 a full-width "4．"): "1.2025" once spaces go
CORRECTED += [
    (f"{n}．2025年部门{title}", f"{n}.2025年部门{title}")
    for n, title in (
        (4, "财政拨款收支预算总表"),
        (5, "一般公共预算支出功能分类预算表"),
        (6, "政府性基金预算支出功能分类预算表"),
        (7, "国有资本经营预算支出功能分类预算表"),
        (8, "一般公共预算基本支出部门预算经济分类预算表"),
        (9, "“三公”经费和机关运行经费预算表"),
    )
]
# K2: items 7–11 are printed twice; the example prints each of the eleven once (test_items_once)


def reference() -> tuple[list[str], list[str]]:
    """The published text's sentences (split at 。；, whitespace gone) and the amounts its tables print.

    Lines are joined into paragraphs (a line shorter than FULL_LINE, or a blank line, ends one; the
    目录's dot leaders go). A table runs from its title to the next title or 其他相关情况说明: its title,
    its 编制部门 line and its note are sentences, its header and rows only give amounts.
    """
    paragraphs: list[str] = []
    figures: list[str] = []
    current: list[str] = []
    in_table = full = False

    def close() -> None:
        if current:
            paragraphs.append("".join(current))
            current.clear()

    for line in REFERENCE.read_text(encoding="utf-8").splitlines():
        text = re.sub(r"\s+", "", re.sub(r"…+", "", line))
        if TABLE_TITLE.match(line):
            close()
            in_table, full = True, False
            paragraphs.append(text)
            continue
        if in_table:
            if text == "其他相关情况说明":
                in_table = False
            else:
                if text.startswith(("编制部门：", "注")):
                    paragraphs.append(text)
                else:
                    figures += FIGURE.findall(line)
                continue
        if not text:
            close()
            full = False
            continue
        if not full:
            close()
        current.append(text)
        full = len(text) >= FULL_LINE
    close()
    sentences = [s for p in paragraphs for s in re.split(r"(?<=[。；])", p) if s]
    return sentences, figures


def expected_sentences() -> list[str]:
    """The reference's sentences, each published mistake replaced by its correction."""
    sentences, _ = reference()
    published = {p for p, _ in CORRECTED}
    return [s for s in sentences if s not in published] + [c for _, c in CORRECTED]


def flat(text: str) -> str:
    return re.sub(r"\s+", "", text)


# --- the rendered example, once a module ------------------------------------------------------


@pytest.fixture(scope="module")
def rendered(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    if not SHANGHAI.exists():
        pytest.fail(f"{SHANGHAI} is missing: run python tools/build_example3.py")
    return render_example(SHANGHAI, tmp_path_factory.mktemp("shanghai"))


@pytest.fixture(scope="module")
def pdf_text(rendered: dict[str, Path]) -> str:
    return pdf_body_text(rendered["pdf"])


@pytest.fixture(scope="module")
def docx_text(rendered: dict[str, Path]) -> tuple[str, str]:
    return docx_texts(rendered["docx"])


def test_reference_is_read_whole():
    sentences, figures = reference()
    assert len(figures) == 241  # as tools/examples/shanghai-2025/README.md counts the tables' amounts
    assert len(sentences) > 150
    for published, _ in CORRECTED:
        assert published in sentences, published  # each mistake listed is one the reference prints


def test_pdf_has_every_sentence_and_table_figure(pdf_text):
    text = flat(pdf_text)
    assert [s for s in expected_sentences() if s not in text] == []
    short = Counter(reference()[1]) - Counter(FIGURE.findall(pdf_text))
    assert not short, dict(short)


def test_docx_has_every_sentence_and_table_figure(docx_text):
    paragraphs, tables = docx_text
    text = flat(paragraphs + tables)
    assert [s for s in expected_sentences() if s not in text] == []
    short = Counter(reference()[1]) - Counter(FIGURE.findall(tables))
    assert not short, dict(short)


def test_items_once(pdf_text, docx_text):
    """K2: the eleven 项 of 表5 are listed once each (the document prints items 7–11 twice)."""
    for text in (flat(pdf_text), flat("".join(docx_text))):
        for n in range(1, 12):
            assert len(re.findall(rf"(?<!\d){n}\.“[^”]+（项）”", text)) == 1, n


def test_no_mistake_is_printed(pdf_text, docx_text):
    """None of the published mistakes' wrong words is anywhere in the example's PDF or DOCX."""
    for text in (flat(pdf_text), flat("".join(docx_text))):
        for wrong in ("887.36", "268.77", "204.91", "78.21", "87.70", "其它", "公务车购置", "公务车用车", "一致0万元"):
            assert wrong not in text, wrong
        assert "100万（含）" not in text
        assert "10万元" not in text.replace("100万元", "")


# --- the workbook -------------------------------------------------------------------------------


def test_workbook_is_what_the_script_builds():
    assert_built_as_saved("build_example3", SHANGHAI, rows=300)


def test_example_checks_without_findings():
    assert [f.line() for f in check(load_workbook(SHANGHAI))] == []


def test_blank_workbook_reads_back(tmp_path):
    path = tmp_path / "空白.xlsx"
    result = CliRunner().invoke(main, ["init", str(path), "--year", "2025", "--format", "shanghai-district"])
    assert result.exit_code == 0, result.output
    budget = load_workbook(path)
    assert budget.format.name == "shanghai-district"


# --- broken copies: refused at their cells, word for word ---------------------------------------


def _sheet(wb: openpyxl.Workbook, code: str):
    return next(ws for ws in wb.worksheets if ws.title.split(" ", 1)[0] == code)


def _row(ws, spec, text: str, key: str = "name") -> int:
    column = spec.column_index(key)
    for row in range(spec.data_row, ws.max_row + 1):
        if ws.cell(row=row, column=column).value == text:
            return row
    raise AssertionError(f"{text} not on {ws.title}")


def broken(tmp_path: Path, code: str, text: str, key: str, by: float, label: str = "name") -> tuple[Path, str]:
    """A copy of the example with one amount of table ``code`` moved ``by``; the path and the cell (T1!B12)."""
    target = tmp_path / SHANGHAI.name
    shutil.copyfile(SHANGHAI, target)
    wb = openpyxl.load_workbook(target)
    spec = builtin("shanghai-district").table(code)
    ws = _sheet(wb, code)
    row = _row(ws, spec, text, label)
    cell = ws.cell(row=row, column=spec.column_index(key))
    cell.value = (cell.value or 0) + by
    wb.save(target)
    return target, f"{code}!{cell.coordinate}"


def lines(path: Path) -> list[str]:
    return [f.line() for f in check(load_workbook(path))]


def test_a_kuan_row_not_the_sum_of_its_items(tmp_path):
    """财政事务's 合计 one 元 more (22,186,441.80): its own row no longer adds up (基本 16,093,326.00 + 项目
    6,093,114.80), its 类 201 is no longer the sum of its 款, and it is no longer the sum of its 项."""
    path, where = broken(tmp_path, "T5", "财政事务", "total", 1)
    row = int(where.split("!E")[1])
    cls = f"T5!E{row - 1}"  # 201, the row above
    assert lines(path) == [
        f"[错误] {where} 小计不符：合计应等于基本支出＋项目支出（应为 22186440.80，实为 22186441.80）",
        f"[错误] {cls} 合计不符：合计：201 一般公共服务支出应等于其下各款之和（应为 22186441.80，实为 22186440.80）",
        f"[错误] {where} 合计不符：合计：20106 财政事务应等于其下各项之和（应为 22186440.80，实为 22186441.80）",
    ]


def test_income_total_not_spending_total(tmp_path):
    path, where = broken(tmp_path, "T1", "支出总计", "out_amount", 1, label="out_label")
    income = where.replace("D", "B")  # reported at the first expression's cell: 收入总计
    assert f"[错误] {income} 表间不符：收入总计应等于支出总计（应为 31214206.80，实为 31214205.80）" in lines(path)


def test_operating_cost_not_the_public_funds_of_table_8(tmp_path):
    target = tmp_path / SHANGHAI.name
    shutil.copyfile(SHANGHAI, target)
    wb = openpyxl.load_workbook(target)
    spec = builtin("shanghai-district").table("T9")
    cell = _sheet(wb, "T9").cell(row=spec.data_row, column=spec.column_index("operating_cost"))
    cell.value = 229.53
    wb.save(target)
    assert lines(target) == [
        f"[错误] T9!{cell.coordinate} 表间不符：机关运行经费应等于一般公共预算基本支出部门预算经济分类预算表的"
        "公用经费合计（应为 229.4335，实为 229.53）"
    ]


def test_diff_names_a_changed_amount_in_its_table_s_unit(tmp_path):
    """diff reads both workbooks in their format: a 项 of 表5 corrected by 100 元 is one change, shown in 元."""
    from generator.jobs.diff import figure_changes

    path, _where = broken(tmp_path, "T5", "行政运行", "total", 100)
    old, new = load_workbook(path), load_workbook(SHANGHAI)
    assert [c.line() for c in figure_changes(old, new)] == [
        "T5 2025年部门一般公共预算支出功能分类预算表 · 201 06 01 行政运行 · 合计：16231940.8 → 16231840.8"
    ]


def test_next_year_starts_from_this_budget(tmp_path):
    """init --from the 2025 budget (it failed with KeyError 'YS08'): 2026's 上年数 are 2025's printed figures,
    read from the reference: 财政拨款收入/支出 and 一般公共预算 3,121.42万元, “三公” 0.95 (公务接待费), the rest 0."""
    from decimal import Decimal

    path = tmp_path / "2026.xlsx"
    result = CliRunner().invoke(main, ["init", str(path), "--from", str(SHANGHAI)])
    assert result.exit_code == 0, result.output
    prior = load_workbook(path).prior
    expected = {"fiscal_income": "3121.42", "fiscal_spending": "3121.42", "gpb": "3121.42", "gov_fund": "0"}
    expected |= {"soe": "0", "sangong": "0.95", "abroad": "0", "vehicle_purchase": "0", "vehicle_running": "0"}
    expected |= {"reception": "0.95"}
    assert {key: prior.amount(key) for key in prior.cells} == {k: Decimal(v) for k, v in expected.items()}
