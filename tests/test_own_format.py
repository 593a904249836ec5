"""A format of one's own: a folder outside the package (``--format-dir``, or the profile's ``formats``), named by
the workbook's 公开格式; tables in 元, their 尾差 envelope in 元; refusals naming the file.

The own format here is Henan's with every table in 元 (as Jiangsu and Shanghai print them): the small
budget of ``tests/support.py`` typed in 元 must render the same narrative as in 万元, print its tables
in 元 to the fen, and judge a rounding difference by half a fen per item, not half a cent of 万元.
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Callable
from importlib.resources import files
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner
from support import Editor, html_text, small_row

from generator.formats import Catalog, FormatError
from generator.frontends.cli import main
from generator.jobs import pipeline
from generator.options import RenderOptions
from generator.stages.check import check
from generator.workbook import schema
from generator.workbook.load import load_workbook

YUAN = "henan-yuan"
TITLE = "河南省部门（单位）预算公开（金额以元计）"


def own_format(root: Path, *, name: str = YUAN, edit: Callable[[str], str] | None = None) -> Path:
    """Henan's declarations copied to ``root/name``, renamed, every table in 元 (and ``edit`` on tables.yaml)."""
    folder = root / name
    shutil.copytree(str(files("generator.formats") / "henan"), folder)
    head = (folder / "format.yaml").read_text(encoding="utf-8")
    head = re.sub(r"(?m)^name: .*$", f"name: {name}", head)
    head = re.sub(r"(?m)^title: .*$", f'title: "{TITLE}"', head)
    (folder / "format.yaml").write_text(head, encoding="utf-8")
    tables = (folder / "tables.yaml").read_text(encoding="utf-8")
    tables = re.sub(r"(?m)^(    rows: \w+)$", r'\1\n    unit: "元"', tables)
    if edit is not None:
        tables = edit(tables)
    (folder / "tables.yaml").write_text(tables, encoding="utf-8")
    return folder


def in_yuan(path: Path, name: str = YUAN) -> Path:
    """The workbook at ``path`` naming format ``name``, every amount of its table sheets × 10000 (exact)."""
    wb = openpyxl.load_workbook(path)
    facts = wb[schema.FACTS_SHEET]
    facts.cell(row=2, column=2).value = name  # 公开格式, the first row under the header
    for spec in schema.TABLES:
        ws = wb[spec.sheet_name]
        amounts = [spec.column_index(k) for k in spec.amount_keys()]
        for row in range(spec.data_row, ws.max_row + 1):
            for col in amounts:
                value = ws.cell(row=row, column=col).value
                if isinstance(value, int | float):
                    ws.cell(row=row, column=col).value = round(value * 10000, 2)
    out = path.with_name(path.stem + "-元.xlsx")
    wb.save(out)
    return out


@pytest.fixture
def yuan_format(tmp_path: Path) -> Path:
    return own_format(tmp_path / "formats")


def test_the_small_budget_in_yuan_prints_its_tables_in_yuan_and_the_same_narrative(small, yuan_format):
    wan = small()
    yuan = in_yuan(wan)
    options = RenderOptions(format_dir=yuan_format)
    mine = pipeline.prepare(yuan, options)
    theirs = pipeline.prepare(wan)
    assert mine.budget.format.name == YUAN
    assert [f.line() for f in mine.findings] == [f.line() for f in theirs.findings] == []
    # every table's heading says 元; 行政运行's 30 万元 is printed 300,000.00 in YS03
    assert mine.html.count("<span>单位：元</span>") == 14 and "<span>单位：万元</span>" not in mine.html
    assert '<td class="num">300,000.00</td>' in mine.html
    assert '<td class="num">300,000.00</td>' not in theirs.html and '<td class="num">30.00</td>' in theirs.html
    # the narrative (parts 1 to 3) says the same in 万元: 收入总计49.82万元
    narrative = re.compile(r'<section class="part" id="part1">.*?<section class="part" id="part3">.*?</section>', re.S)
    assert html_text(narrative.search(mine.html).group(0)) == html_text(narrative.search(theirs.html).group(0))
    assert "收入总计49.82万元" in html_text(mine.html)


def test_the_rounding_envelope_follows_the_table_s_unit(small, yuan_format):
    """测试站's row typed 6.83 over items 5.98 + 0.84: a 尾差 in 万元 (0.01 ≤ 3 × 0.005), an error in 元
    (68,300.00 against 68,200.00: 100 元 over an envelope of 0.015 元)."""

    def unit_row(editor: Editor) -> None:
        editor.set("YS03", "total", small_row("YS03", 5), 6.83)

    wan = small(unit_row)
    row = small_row("YS03", 5)
    assert [f.line() for f in check(load_workbook(wan))] == [
        f"[警告] YS03!F{row} 尾差：合计：单位“测试站”的金额应等于其下各科目之和，"
        "差额在 0.015 万元以内（应为 6.82，实为 6.83）"
    ]
    yuan = in_yuan(wan)
    budget = load_workbook(yuan, catalog=Catalog((yuan_format,)))
    assert [f.line() for f in check(budget)] == [
        f"[错误] YS03!F{row} 合计不符：合计：单位“测试站”的金额应等于其下各科目之和（应为 68200.00，实为 68300.00）"
    ]


def test_the_profile_names_the_folder_of_its_own_formats(small, tmp_path):
    templates = tmp_path / "templates"
    templates.mkdir()
    own_format(templates / "格式")
    (templates / "profile.toml").write_text('formats = "格式"\n', encoding="utf-8")
    prepared = pipeline.prepare(in_yuan(small()), RenderOptions(templates=templates))
    assert prepared.budget.format.name == YUAN and prepared.budget.format.table("YS03").unit == "元"


def test_a_workbook_naming_a_format_nobody_has_is_refused_at_its_cell(small, yuan_format):
    path = in_yuan(small(), name="henan-元")
    with pytest.raises(Exception) as caught:
        load_workbook(path, catalog=Catalog((yuan_format,)))
    assert str(caught.value) == (
        f"无法读取工作簿 {path.name}：基本信息!B2：不认识的公开格式“henan-元”（可用："
        "final-accounts（部门决算公开（九张表，上海市模板））、"
        f"henan（河南省部门（单位）预算公开（YS01–YS14））、shanghai-district（上海市区级部门预算公开（九张表））、{YUAN}（{TITLE}））"
    )


@pytest.mark.parametrize(
    ("case", "message"),
    [
        (
            "builtin name",
            "{folder}/format.yaml：name“henan”与内置格式重名：自己的格式请另取名称（内置：final-accounts、henan、shanghai-district）",
        ),
        (
            "missing table",
            "tables.yaml 第 48 行 tables：按河南的引擎（engine: henan）计算的格式须为每个 role 各有一张表，"
            "缺少 operating_cost（{folder}/tables.yaml）",
        ),
        (
            "columns reordered",
            "{folder}/tables.yaml：表 YS14 的列应为 code、name、total（依次，类型同henan格式），实为 name、code、total",
        ),
    ],
)
def test_an_own_format_the_engine_cannot_compute_is_refused_naming_the_file(tmp_path, case, message):
    if case == "builtin name":
        folder = own_format(tmp_path, name="henan")
    elif case == "missing table":

        def drop_ys14(text: str) -> str:
            text = text[: text.index("  - code: YS14")].rstrip() + "\n"
            return text

        folder = own_format(tmp_path, edit=drop_ys14)
        document = (folder / "document.yaml").read_text(encoding="utf-8").replace(", YS14]", "]")
        (folder / "document.yaml").write_text(document, encoding="utf-8")
    else:

        def swap(text: str) -> str:
            code = '      - {key: code, label: "科目编码", kind: code, width: 10}\n'
            name = '      - {key: name, label: "科目名称", kind: text, width: 28}\n'
            assert code + name in text
            return text.replace(code + name, name + code)

        folder = own_format(tmp_path, edit=swap)
    with pytest.raises(FormatError) as caught:
        Catalog((tmp_path,)).get(YUAN)
    assert str(caught.value) == message.format(folder=folder.resolve() if case != "missing table" else folder)


def test_init_writes_the_format_a_clerk_names(tmp_path, yuan_format):
    runner = CliRunner()
    path = tmp_path / "新.xlsx"
    result = runner.invoke(
        main, ["init", str(path), "--year", "2025", "--format", YUAN, "--format-dir", str(yuan_format)]
    )
    assert result.exit_code == 0, result.output
    assert result.stdout == f"已生成空白工作簿：{path}（公开格式：{YUAN}，{TITLE}）\n"
    ws = openpyxl.load_workbook(path)[schema.FACTS_SHEET]
    assert (ws["A2"].value, ws["B2"].value) == ("公开格式", YUAN)
    # the blank workbook of the own format reads back as that format
    assert load_workbook(path, catalog=Catalog((yuan_format,))).format.name == YUAN


def test_init_refuses_a_format_it_does_not_know_as_a_usage_error(tmp_path):
    result = CliRunner().invoke(main, ["init", str(tmp_path / "x.xlsx"), "--format", "shanghai-2099"])
    assert result.exit_code == 2
    assert result.stderr.endswith(
        "Error: 不认识的公开格式“shanghai-2099”（可用：final-accounts（部门决算公开（九张表，上海市模板））、"
        "henan（河南省部门（单位）预算公开（YS01–YS14））、"
        "shanghai-district（上海市区级部门预算公开（九张表）））\n"
    )
    assert not (tmp_path / "x.xlsx").exists()
