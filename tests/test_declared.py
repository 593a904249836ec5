"""The declared engine: a format computed from its checks.yaml and figures.yaml alone, written here outside the package.

A small format of two tables in 元 (a 收支总表 of lines, and a 支出表 whose 类/款/项 are split over
three columns with the 类 and 款 rows printed above their 项) and one section; every expected figure
and message is worked by hand.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from support import html_text

from generator.formats import Catalog, FormatError
from generator.jobs import pipeline
from generator.options import RenderOptions
from generator.stages.check import check
from generator.workbook import schema
from generator.workbook.blank import blank_workbook
from generator.workbook.load import load_workbook

FORMAT = {
    "format.yaml": """
name: mini
title: "测试格式"
engine: declared
template: "mini.html.j2"
document_title: "{bureau}{year}年部门预算"
table_meta: ["编制部门：{bureau}", "单位：{unit}"]
annex_numbers: arabic
numbers: {thousands: true, zero: "0"}
""",
    "tables.yaml": """
tables:
  - code: T1
    title: "{year}年收支总表"
    rows: lines
    unit: "元"
    columns:
      - {key: in_label, label: "收入项目", kind: text}
      - {key: in_amount, label: "收入", kind: amount}
      - {key: out_label, label: "支出项目", kind: text}
      - {key: out_amount, label: "支出", kind: amount}
    header:
      - [{text: "项目"}, {text: "预算数"}, {text: "项目"}, {text: "预算数"}]
  - code: T2
    title: "{year}年支出表"
    rows: tree
    levels: [lei, kuan, xiang]
    unit: "元"
    print_zero: true
    columns:
      - {key: lei, label: "类", kind: code, digits: 3}
      - {key: kuan, label: "款", kind: code, digits: 2}
      - {key: xiang, label: "项", kind: code, digits: 2}
      - {key: name, label: "科目名称", kind: text}
      - {key: total, label: "合计", kind: amount}
      - {key: basic, label: "基本支出", kind: amount}
      - {key: project, label: "项目支出", kind: amount}
    header:
      - [{text: "类"}, {text: "款"}, {text: "项"}, {text: "科目名称"}, {text: "合计"}, {text: "基本支出"},
         {text: "项目支出"}]
    sums:
      total: [basic, project]
""",
    "workbook.yaml": """
facts:
  - {key: bureau, label: "部门名称", kind: text}
  - {key: year, label: "预算年度", kind: year}
  - {key: purposes, label: "支出用途", kind: list}
  - {key: reason, label: "增减原因", kind: text, required: false}
prior:
  - {key: income, label: "收入总计"}
""",
    "document.yaml": """
parts:
  - id: main
    sections:
      - {id: s1, heading: "编制说明", toc: "编制说明"}
annex: [T1, T2]
""",
    "checks.yaml": """
checks:
  - tree: [T2]
  - rule: 表间不符
    equal: ["cell(T1, '收入总计', in_amount)", "total(T2, total)"]
    message: "收入总计应等于支出表的合计"
""",
    "figures.yaml": """
figures:
  income: {value: "cell(T1, '收入总计', in_amount)", prior: income, reason: reason}
  basic: "total(T2, basic)"
lists:
  items: {tables: [T2], kind: item, amount: total, text: purposes}
""",
}

TEMPLATE = """<!DOCTYPE html><html><head><meta charset="utf-8"><title>{{ doc.title }}</title></head><body>
<section class="part" id="main">
<h2>{{ doc.sections.s1.title }}</h2>
{% set c = doc.change.income %}
<p>收入预算{{ doc.fig.income|num }}万元，\
{% if c.direction == "up" %}比{{ doc.prior_year }}年预算增加{{ c.amount|num }}万元\
{% elif c.direction == "down" %}比{{ doc.prior_year }}年预算减少{{ c.amount|num }}万元\
{% else %}与{{ doc.prior_year }}年预算持平{% endif %}{% if c.reason %}，主要原因是{{ c.reason }}{% endif %}。\
基本支出{{ doc.fig.basic|num }}万元。</p>
{% for i in doc.lists["items"] %}<p>{{ loop.index }}.“{{ i.path }}”{{ i.amount|num }}万元，主要用于{{ i.text }}。</p>
{% endfor %}
</section>
{% for t in doc.tables %}<section class="part">{{ tb.grid(t, doc) }}</section>
{% endfor %}
</body></html>
"""


def write_format(root: Path) -> Path:
    folder = root / "mini"
    folder.mkdir(parents=True)
    for name, text in FORMAT.items():
        (folder / name).write_text(text.lstrip(), encoding="utf-8")
    return folder


@pytest.fixture
def setup(tmp_path: Path) -> tuple[Path, Path, Catalog]:
    formats = write_format(tmp_path / "formats")
    templates = tmp_path / "templates"
    templates.mkdir()
    (templates / "mini.html.j2").write_text('{% import "tables.html.j2" as tb %}' + TEMPLATE, encoding="utf-8")
    return formats, templates, Catalog((formats,))


T2_ROWS = [  # 类, 款, 项, 名称, 合计, 基本, 项目 (元)
    ("201", None, None, "一般公共服务支出", 1_200_000, 1_000_000, 200_000),
    ("201", "06", None, "财政事务", 1_200_000, 1_000_000, 200_000),
    ("201", "06", "01", "行政运行", 1_000_000, 1_000_000, 0),
    ("201", "06", "02", "一般行政管理事务", 200_000, None, 200_000),
    (None, None, None, "合计", 1_200_000, 1_000_000, 200_000),
]


def workbook(path: Path, catalog: Catalog, edit=None) -> Path:  # type: ignore[no-untyped-def]
    fmt = catalog.get("mini")
    wb = blank_workbook(2025, fmt)
    facts = wb[schema.FACTS_SHEET]
    labels = {facts.cell(row=r, column=1).value: r for r in range(2, facts.max_row + 1)}
    facts.cell(row=labels["部门名称"], column=2).value = "测试局"
    facts.cell(row=labels["增减原因"], column=2).value = "人员增加。"
    facts.insert_rows(labels["支出用途"] + 1)  # a second line of the list, as a clerk inserts it
    facts.cell(row=labels["支出用途"], column=2).value = "2010601：机构运转"
    facts.cell(row=labels["支出用途"] + 1, column=2).value = "2010602：业务工作"
    wb[schema.PRIOR_SHEET]["B2"] = 100
    t1, t2 = wb[fmt.table("T1").sheet_name], wb[fmt.table("T2").sheet_name]
    first = fmt.table("T1").data_row
    for i, row in enumerate(
        [("一、财政拨款收入", 1_200_000, "一般公共服务支出", 1_200_000), ("收入总计", 1_200_000, "支出总计", 1_200_000)]
    ):
        for j, value in enumerate(row, start=1):
            t1.cell(row=first + i, column=j).value = value
    first = fmt.table("T2").data_row
    for i, row in enumerate(T2_ROWS):
        for j, value in enumerate(row, start=1):
            t2.cell(row=first + i, column=j).value = value
    if edit is not None:
        edit(wb, fmt)
    wb.save(path)
    return path


def test_a_consistent_workbook_renders_its_figures_lists_and_tables(setup, tmp_path):
    formats, templates, catalog = setup
    path = workbook(tmp_path / "好.xlsx", catalog)
    prepared = pipeline.prepare(path, RenderOptions(templates=templates, format_dir=formats))
    assert [f.line() for f in prepared.findings] == []
    text = html_text(prepared.html)
    # 1,200,000.00元 is 120万元, against 100万元 last year; 1,000,000.00元 of 基本支出 is 100万元
    assert "一、编制说明" in text
    assert "收入预算120.00万元，比2024年预算增加20.00万元，主要原因是人员增加。基本支出100.00万元。" in text
    assert "1.“一般公共服务支出（类）财政事务（款）行政运行（项）”100.00万元，主要用于机构运转。" in text
    assert "2.“一般公共服务支出（类）财政事务（款）一般行政管理事务（项）”20.00万元，主要用于业务工作。" in text
    assert prepared.document.title == "测试局2025年部门预算"
    # the tables: in 元, the year in their titles, numbered 1, 2, the meta line as declared, 0.00 printed
    assert '<p class="table-title" id="t2">2025年支出表</p>' in prepared.html
    assert "<span>编制部门：测试局</span><span>单位：元</span>" in prepared.html
    assert '<td class="num">1,200,000.00</td>' in prepared.html
    assert '<td class="num">0.00</td>' in prepared.html  # 行政运行's 项目支出, typed 0


def test_the_declared_checks_name_their_cells(setup, tmp_path):
    _formats, _templates, catalog = setup

    def broken(wb, fmt) -> None:  # type: ignore[no-untyped-def]
        t2 = wb[fmt.table("T2").sheet_name]
        first = fmt.table("T2").data_row
        t2.cell(row=first + 1, column=5).value = 1_300_000  # 财政事务's 合计 off by 100,000
        t2.cell(row=first + 1, column=7).value = 300_000  # and its 项目支出, so the row still adds up
        facts = wb[schema.FACTS_SHEET]
        for r in range(2, facts.max_row + 1):
            if facts.cell(row=r, column=1).value == "增减原因":
                facts.cell(row=r, column=2).value = None

    path = workbook(tmp_path / "错.xlsx", catalog, broken)
    budget = load_workbook(path, catalog=catalog)
    # rows: header on row 3, data from row 4 (201), 5 (20106); facts: 公开格式 2 … 支出用途 5 and 6, 增减原因 7
    assert [f.line() for f in check(budget)] == [
        "[错误] 基本信息!B7 缺少原因：较上年增加，须填写“增减原因”",
        "[错误] T2!E4 合计不符：合计：201 一般公共服务支出应等于其下各款之和（应为 1300000.00，实为 1200000.00）",
        "[错误] T2!G4 合计不符：项目支出：201 一般公共服务支出应等于其下各款之和（应为 300000.00，实为 200000.00）",
        "[错误] T2!E5 合计不符：合计：20106 财政事务应等于其下各项之和（应为 1200000.00，实为 1300000.00）",
        "[错误] T2!G5 合计不符：项目支出：20106 财政事务应等于其下各项之和（应为 200000.00，实为 300000.00）",
    ]


def test_a_figure_naming_a_row_the_table_lacks_is_a_finding_not_a_zero(setup, tmp_path):
    _formats, _templates, catalog = setup

    def no_total(wb, fmt) -> None:  # type: ignore[no-untyped-def]
        t1 = wb[fmt.table("T1").sheet_name]
        t1.cell(row=fmt.table("T1").data_row + 1, column=1).value = "收入合计"

    budget = load_workbook(workbook(tmp_path / "缺.xlsx", catalog, no_total), catalog=catalog)
    assert "[错误] T1 必填项：文档要用的数字找不到：没有“收入总计”行" in [f.line() for f in check(budget)]


@pytest.mark.parametrize(
    ("file", "old", "new", "message"),
    [
        (
            "figures.yaml",
            "total(T2, basic)",
            "total(T3, basic)",
            "figures.yaml 第 3 行 figures.basic.value：公式“total(T3, basic)”中没有表 T3（有：T1、T2）",
        ),
        (
            "figures.yaml",
            "total(T2, basic)",
            "__import__('os')",
            "figures.yaml 第 3 行 figures.basic.value：公式“__import__('os')”中没有函数 __import__（可用：cell、code、"
            "total、fact、prior）",
        ),
        (
            "figures.yaml",
            "total(T2, basic)",
            "total(T2, basic) * 2",
            "figures.yaml 第 3 行 figures.basic.value：公式“total(T2, basic) * 2”只能用 cell、code、total、fact、"
            "prior、数字和 + -",
        ),
        (
            "checks.yaml",
            "rule: 表间不符",
            "rule: 不存在的规则",
            "checks.yaml 第 3 行 checks[1].rule：没有规则“不存在的规则”",
        ),
    ],
)
def test_a_bad_formula_is_refused_naming_file_line_and_key(tmp_path, file, old, new, message):
    folder = write_format(tmp_path)
    path = folder / file
    path.write_text(path.read_text(encoding="utf-8").replace(old, new), encoding="utf-8")
    with pytest.raises(FormatError) as caught:
        Catalog((folder,)).get("mini")
    assert str(caught.value).startswith(message)


def test_check_rules_lists_a_declared_format_s_own_checks(setup, tmp_path):
    from click.testing import CliRunner

    from generator.frontends.cli import main

    formats, _templates, catalog = setup
    path = workbook(tmp_path / "好.xlsx", catalog)
    result = CliRunner().invoke(main, ["check", "--rules", str(path), "--format-dir", str(formats)])
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0].split() == ["规则", "级别", "检查内容"]
    assert lines[1].split() == ["小计不符", "错误", "T2", "合计", "=", "基本支出", "+", "项目支出"]
    assert "".join(lines[2].split()) == "合计不符错误T2：每类=其下各款之和，每款=其下各项之和，合计=各类之和"
    assert lines[3].split() == ["表间不符", "错误或警告", "收入总计应等于支出表的合计"]
    assert "".join(lines[4].split()) == (
        "必填项错误必填的基本信息和每个上年数；文档要用的每个数字都能在表中找到；“支出用途”须写明T2每个有金额的项"
    )
    assert lines[5].split() == ["缺少原因", "错误", "较上年增加或减少的数字须填写原因：“增减原因”"]
    # without a workbook: Henan's rules, as before
    henan = CliRunner().invoke(main, ["check", "--rules"]).stdout.splitlines()
    assert henan[1].startswith("小计不符") and "YS02 合计 = 各项收入 + 上年结转" in henan[1]
