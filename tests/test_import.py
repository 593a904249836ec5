"""budget-report import: export-like files built from the examples come back as the examples' tables.

The exports are made here from the example workbooks as the budget system lays them out: a title
row with the year, a line 编制部门：… with its unit (元 or 万元, either colon), the declared header
with its merges, sometimes a 栏次 row or a 行次 column, 款 and 项 written with their parents'
digits, sheets named 表N with a trailing space in shuffled order, spread over several files and
saved as .xls and .ods by LibreOffice.
"""

from __future__ import annotations

import random
import shutil
import subprocess
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner
from support import EXAMPLE, SECOND, html_text, tool

from generator.formats import builtin
from generator.formats.spec import UNIT_SCALE, TableSpec, place_header
from generator.frontends.cli import main
from generator.jobs import pipeline
from generator.workbook import convert
from generator.workbook.load import load_workbook

SHANGHAI = EXAMPLE.parent / "上海市普陀区财政局2025.xlsx"


def rows_of(path: Path) -> dict[str, list[tuple[str, dict[str, object]]]]:
    budget = load_workbook(path)
    return {code: [(r.kind, r.values) for r in table.rows] for code, table in budget.tables.items()}


def soffice_to(path: Path, ext: str, folder: Path) -> Path:
    folder.mkdir(exist_ok=True)
    profile = folder / "profile"
    subprocess.run(
        [tool("soffice"), f"-env:UserInstallation={profile.as_uri()}", "--headless", "--convert-to", ext]
        + ["--outdir", str(folder), str(path)],
        check=True,
        capture_output=True,
        timeout=180,
    )
    shutil.rmtree(profile, ignore_errors=True)
    return folder / f"{path.stem}.{ext}"


def write_export(
    ws, spec: TableSpec, source, *, year: int, unit: str, colon: str, lanci: bool, hangci: bool, whole: bool
):
    """One table as the system exports it, from the example's sheet ``source``."""
    shift = 1 if hangci else 0
    ws.cell(1, 1, f"{year}年{spec.title_for(year).replace(f'{year}年', '')}")
    ws.cell(2, 1, "编制部门：示例部门")
    ws.cell(2, len(spec.columns) + shift, f"单位{colon}{unit}")
    top = 3
    for r, c, cell in place_header(spec.header):
        ws.cell(top + r, c + 1 + shift, cell.text)
        if cell.rowspan > 1 or cell.colspan > 1:
            ws.merge_cells(
                start_row=top + r, start_column=c + 1 + shift, end_row=top + r + cell.rowspan - 1,
                end_column=c + shift + cell.colspan,
            )  # fmt: skip
    if hangci:
        ws.cell(top, 1, "行次")
        ws.merge_cells(start_row=top, start_column=1, end_row=top + len(spec.header) - 1, end_column=1)
    row = top + len(spec.header)
    if lanci:
        ws.cell(row, 1, "栏次")
        for i in range(len(spec.columns)):
            ws.cell(row, i + 1 + shift, i + 1)
        row += 1
    number = 0
    for values in source.iter_rows(min_row=spec.data_row, max_col=len(spec.columns), values_only=True):
        if all(v is None for v in values):
            continue
        number += 1
        if hangci:
            ws.cell(row, 1, number)
        prefix = ""
        for i, (column, value) in enumerate(zip(spec.columns, values, strict=True)):
            if column.kind == "amount" and isinstance(value, (int, float)):
                value = Decimal(repr(value)) * UNIT_SCALE[unit] / UNIT_SCALE[spec.unit]
            if whole and column.kind == "code" and column.digits and isinstance(value, str):
                prefix, value = prefix + value, prefix + value  # 款 20106, 项 2010601
            ws.cell(row, i + 1 + shift, value)
        row += 1


def make_exports(example: Path, fmt_name: str, folder: Path, *, unit_of, seed: int) -> list[Path]:
    """The example's tables as exports: two files, sheets 表N with a trailing space, in shuffled order."""
    fmt = builtin(fmt_name)
    source = openpyxl.load_workbook(example)
    year = load_workbook(example).year
    specs = [s for s in fmt.tables if s.sheet_name in source.sheetnames]
    random.Random(seed).shuffle(specs)
    halves = [specs[: len(specs) // 2], specs[len(specs) // 2 :]]
    paths = []
    for n, half in enumerate(halves):
        wb = openpyxl.Workbook()
        wb.remove(wb.active)
        for i, spec in enumerate(half):
            number = fmt.tables.index(spec) + 1
            ws = wb.create_sheet(f"表{number} " if i % 2 == 0 else f"{number}")
            write_export(
                ws, spec, source[spec.sheet_name], year=year, unit=unit_of(spec), colon="：" if i % 2 else ":",
                lanci=i % 3 == 0, hangci=i % 3 == 1, whole=bool(spec.levels) and i % 2 == 0,
            )  # fmt: skip
        path = folder / f"导出{n + 1}.xlsx"
        wb.save(path)
        paths.append(path)
    return paths


def run(*args: str):
    return CliRunner().invoke(main, list(args))


@pytest.mark.parametrize(
    ("example", "fmt", "unit_of"),
    [
        (SECOND, "henan", lambda spec: "元"),  # Henan's tables in 万元 exported in 元
        (SHANGHAI, "shanghai-district", lambda spec: "万元" if spec.unit == "元" else "元"),
    ],
    ids=["henan", "shanghai"],
)
def test_exports_come_back_as_the_examples_tables(tmp_path, example, fmt, unit_of):
    exports = make_exports(example, fmt, tmp_path, unit_of=unit_of, seed=25)
    out = tmp_path / "导入.xlsx"
    result = run("import", *map(str, exports), "-o", str(out), "--format", fmt)
    assert result.exit_code == 0, result.output
    assert rows_of(out) == rows_of(example)
    assert "未找到" not in result.output and "不认识的表头" not in result.output
    assert "栏次行" in result.output and "行次列" in result.output
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([*(p.name for p in exports), out.name])


def test_xls_and_ods_exports_through_libreoffice(tmp_path):
    exports = make_exports(SHANGHAI, "shanghai-district", tmp_path, unit_of=lambda spec: "万元", seed=7)
    xls = soffice_to(exports[0], "xls", tmp_path / "xls")
    ods = soffice_to(exports[1], "ods", tmp_path / "ods")
    out = tmp_path / "导入.xlsx"
    result = run("import", str(xls), str(ods), "-o", str(out), "--format", "shanghai-district")
    assert result.exit_code == 0, result.output
    assert rows_of(out) == rows_of(SHANGHAI)
    assert f"{xls.name} 工作表“" in result.output and f"{ods.name} 工作表“" in result.output


def test_from_carries_last_years_facts(tmp_path):
    exports = make_exports(SECOND, "henan", tmp_path, unit_of=lambda spec: "万元", seed=3)  # 2025's tables
    out = tmp_path / "2025.xlsx"
    result = run("import", *map(str, exports), "-o", str(out), "--from", str(EXAMPLE))  # 2024's workbook
    assert result.exit_code == 0, result.output
    budget, last = load_workbook(out), load_workbook(EXAMPLE)
    assert budget.year == 2025
    assert budget.facts.values["bureau"] == last.facts.values["bureau"]
    assert rows_of(out) == rows_of(SECOND)


def test_whole_codes_unknown_headers_and_rows_are_reported(tmp_path):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "表6"
    rows = [
        ["2025年部门政府性基金预算支出功能分类预算表"],
        ["编制部门：示例", None, None, None, None, "单位：元"],
        ["功能分类科目编码", "功能分类科目名称", "合计", "基本支出", "项目支出", "备用"],
        ["2010601", "行政运行", 100, 60, 40, None],
        ["20106", "财政事务", 100, 60, 40, None],
        ["201066", "错误编码", 1, 1, None, None],
        [None, None, None, None, None, "孤立"],
        ["注：本表为示例。"],
    ]
    for row in rows:
        ws.append(row)
    export = tmp_path / "导出.xlsx"
    wb.save(export)
    out = tmp_path / "导入.xlsx"
    result = run("import", str(export), "-o", str(out), "--format", "shanghai-district")
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert "  不认识的表头 导出.xlsx 工作表“表6”F3“备用”：此列未导入" in lines
    assert "  导出.xlsx 工作表“表6”A6 的编码“201066”拆不成类、款、项（各 3、2、2 位）：原样写入“类”栏，请改正" in lines
    assert "  未能放入的行 导出.xlsx 工作表“表6”F7“孤立”：不在认得出的任何一列" in lines
    assert "  未导入的说明 导出.xlsx 工作表“表6”A8“注：本表为示例。”" in lines
    assert "  未找到 T1 部门财务收支预算总表：请在工作簿中填写" in lines
    table = openpyxl.load_workbook(out)["T6 部门政府性基金预算支出功能分类预算表"]
    assert [c.value for c in table[6][:5]] == ["201", "06", "01", "行政运行", 100]
    assert [c.value for c in table[7][:5]] == ["201", "06", None, "财政事务", 100]


# --- the examples saved as .xls, .et and .ods read and render as the .xlsx -----------------------


@pytest.mark.parametrize("example", [SHANGHAI, EXAMPLE], ids=["shanghai", "henan"])
def test_examples_as_xls_et_ods_render_the_same_text(tmp_path, example):
    expected = html_text(pipeline.prepare(example).html)
    xls = soffice_to(example, "xls", tmp_path / "xls")
    ods = soffice_to(example, "ods", tmp_path / "ods")
    et = tmp_path / "et" / f"{example.stem}.et"  # nothing here writes WPS's .et: an .xls named so, as WPS reads it
    et.parent.mkdir()
    shutil.copyfile(xls, et)
    for path in (xls, et, ods):
        assert html_text(pipeline.prepare(path).html) == expected, path.suffix


# --- refusals, word for word ----------------------------------------------------------------------


SAME_FORMAT = "新工作簿沿用上年工作簿的公开格式"


def test_refusals(tmp_path):
    text = tmp_path / "导出.xls"
    text.write_text("科目编码,合计\n", encoding="utf-8")
    out = str(tmp_path / "导入.xlsx")
    result = run("import", str(text), "-o", out)
    assert result.exit_code == 1
    assert result.output == "无法读取工作簿 导出.xls：不是 Excel 工作簿（.xlsx）：文件不是 zip 格式\n"
    damaged = tmp_path / "损坏.xls"
    damaged.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 4088)
    result = run("import", str(damaged), "-o", out)
    assert result.exit_code == 1
    assert result.output == (
        "无法读取工作簿 损坏.xls：这是旧版 Excel（.xls）或 WPS（.et）格式的文件，但无法读取："
        "LibreOffice 也无法打开此文件（文件可能已损坏）；请在 Excel 或 WPS 中打开并另存为 .xlsx 后再试\n"
    )
    other = tmp_path / "其他.xlsx"
    wb = openpyxl.Workbook()
    wb.active["A1"] = "工资表"
    wb.save(other)
    result = run("import", str(other), "-o", out)
    assert result.exit_code == 1
    assert result.output == (
        "在 其他.xlsx 中没有找到henan格式（河南省部门（单位）预算公开（YS01–YS14））的任何一张表：表按标题和表头查找，"
        "如“部门收支总体情况表”；请确认文件和公开格式（--format）\n"
    )
    assert not Path(out).exists()
    existing = tmp_path / "已有.xlsx"
    existing.write_bytes(b"")
    usage = [
        (["-o", str(tmp_path / "导入.xls")], f"文件名应以 .xlsx 结尾：{tmp_path / '导入.xls'}"),
        (["-o", str(existing)], f"{existing} 已存在；如确需覆盖，请加 --force"),
        (["-o", str(other), "--force"], f"工作簿不能写在要读取的文件 {other} 上：请换一个文件名"),
        (["-o", out, "--format", "henan", "--from", str(EXAMPLE)], "--format 不能与 --from 同用：" + SAME_FORMAT),
    ]  # fmt: skip
    for args, message in usage:
        result = run("import", str(other), *args)
        assert result.exit_code == 2, args
        assert result.output.splitlines()[-1] == f"Error: {message}", args


def test_refused_without_libreoffice(tmp_path, monkeypatch):
    monkeypatch.setattr(convert, "PROGRAMS", ("no-such-soffice",))
    xls = tmp_path / "旧版.xls"
    xls.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 4088)
    result = run("import", str(xls), "-o", str(tmp_path / "导入.xlsx"))
    assert result.exit_code == 1
    assert result.output == (
        "无法读取工作簿 旧版.xls：这是旧版 Excel（.xls）或 WPS（.et）格式的文件，但无法读取：读取 .xls、.et、.ods 文件"
        "需要 LibreOffice（Debian 软件包 libreoffice-calc-nogui），本机没有安装；"
        "请在 Excel 或 WPS 中打开并另存为 .xlsx 后再试\n"
    )
