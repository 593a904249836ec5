"""A 决算's 年初预算数 from the same year's budget workbook: init --budget prefills it, check --budget compares it.

The budget workbooks are small ones made from the example inputs (cells rewritten with openpyxl);
every expected figure below is worked by hand from the cells written here.
"""

from __future__ import annotations

import shutil
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner
from support import ROOT, SHANGHAI_INPUT, clear_rows, write_row

from generator.formats import builtin
from generator.formats.declare import FormatError
from generator.formats.format import read_folder
from generator.frontends import cli
from generator.jobs import pipeline
from generator.jobs.nextyear import CARRIED_FILL
from generator.options import RenderOptions
from generator.stages.budgetlink import read_budget
from generator.workbook.load import load_workbook

HENAN_INPUT = ROOT / "inputs" / "义马市工业信息化和科技局2024.xlsx"
FINAL = builtin("final-accounts")


@pytest.fixture
def henan_budget(tmp_path: Path) -> Path:
    """Henan's 2024 budget: YS05 two 项 of 206, one 项 of 208 under two units; YS08 with 1.5 因公出国."""
    path = tmp_path / "河南预算2024.xlsx"
    shutil.copy(HENAN_INPUT, path)
    wb = openpyxl.load_workbook(path)
    fmt = builtin("henan")
    ys05 = fmt.table("YS05")
    ws = wb[ys05.sheet_name]
    clear_rows(ws, ys05.data_row)
    r = ys05.data_row
    write_row(ws, r, "YS05", "henan", lei="206", kuan="02", xiang="99", name="其他基础研究支出", total=40)
    write_row(ws, r + 1, "YS05", "henan", lei="206", kuan="04", xiang="99", name="其他技术与开发支出", total=1035.5)
    write_row(
        ws, r + 2, "YS05", "henan", lei="208", kuan="05", xiang="05", name="机关事业单位基本养老保险", total=15.17
    )
    write_row(ws, r + 3, "YS05", "henan", unit_code="021002", name="二级单位")
    write_row(
        ws, r + 4, "YS05", "henan", lei="208", kuan="05", xiang="05", name="机关事业单位基本养老保险", total=1.234
    )
    ys08 = fmt.table("YS08")
    ws = wb[ys08.sheet_name]
    write_row(ws, ys08.data_row, "YS08", "henan", total=8.5, abroad=1.5)  # vehicle 4 (running 4), reception 3 kept
    wb.save(path)
    return path


@pytest.fixture
def shanghai_budget(tmp_path: Path) -> Path:
    """Shanghai's district budget made a 2024 one: T5 (in 元) one 类 with two 项; T6, T7 and T9 as given."""
    path = tmp_path / "上海预算2024.xlsx"
    shutil.copy(SHANGHAI_INPUT, path)
    year_cell = load_workbook(path).facts.cells["year"]
    wb = openpyxl.load_workbook(path)
    wb["基本信息"][year_cell] = 2024
    t5 = builtin("shanghai-district").table("T5")
    ws = wb[t5.sheet_name]
    clear_rows(ws, t5.data_row)
    r = t5.data_row
    sd = "shanghai-district"
    write_row(ws, r, "T5", sd, lei="201", name="一般公共服务支出", total=12345778, basic=12345678, project=100)
    write_row(ws, r + 1, "T5", sd, lei="201", kuan="06", name="财政事务", total=12345778, basic=12345678, project=100)
    write_row(ws, r + 2, "T5", sd, lei="201", kuan="06", xiang="01", name="行政运行", total=12345678, basic=12345678)
    write_row(ws, r + 3, "T5", sd, lei="201", kuan="06", xiang="02", name="一般行政管理事务", total=100, project=100)
    write_row(ws, r + 4, "T5", sd, name="合计", total=12345778, basic=12345678, project=100)
    wb.save(path)
    return path


def test_henan_measures_sum_units_and_prefixes(henan_budget: Path) -> None:
    planned = read_budget(henan_budget)
    gpb = planned.measures["gpb_spending"]
    assert gpb.by_code == {
        "206": Decimal("1075.5"),
        "20602": Decimal("40"),
        "2060299": Decimal("40"),
        "20604": Decimal("1035.5"),
        "2060499": Decimal("1035.5"),
        "208": Decimal("16.404"),  # 15.17 + 1.234: the same 项 under two units
        "20805": Decimal("16.404"),
        "2080505": Decimal("16.404"),
    }
    assert gpb.total == Decimal("1091.904")
    assert planned.measures["gov_fund_spending"].total == 0
    figures = {name: planned.measures[name].total for name in planned.measures if name.startswith("sangong")}
    assert figures == {
        "sangong_total": Decimal("8.5"),
        "sangong_abroad": Decimal("1.5"),
        "sangong_vehicle": Decimal("4"),
        "sangong_vehicle_purchase": Decimal("0"),
        "sangong_vehicle_running": Decimal("4"),
        "sangong_reception": Decimal("3"),
    }


def _budget_cells(path: Path, code: str, key: str) -> list[tuple[str, Decimal]]:
    spec = FINAL.table(code)
    ws = openpyxl.load_workbook(path)[spec.sheet_name]
    col = spec.column_index(key)
    out = []
    for row in range(spec.data_row, spec.data_row + 20):
        cell = ws.cell(row=row, column=col)
        if cell.value is not None:
            out.append((cell.coordinate, Decimal(str(cell.value))))
            assert cell.fill.fgColor.rgb == CARRIED_FILL.fgColor.rgb
            assert cell.comment is not None
    return out


def test_init_budget_prefills_from_shanghai(shanghai_budget: Path, tmp_path: Path) -> None:
    out = tmp_path / "决算2024.xlsx"
    result = CliRunner().invoke(
        cli.main, ["init", str(out), "--format", "final-accounts", "--budget", str(shanghai_budget)]
    )
    assert result.exit_code == 0, result.output
    assert result.output == (
        f"已生成 2024 年决算工作簿 {out}（公开格式：final-accounts），由预算工作簿 上海预算2024.xlsx "
        "预填年初预算数（已用黄色标出，请核对）：T5 5 行，T8 1 行，T9 1 行，T7 6 项\n"
    )
    # 元 ÷ 10000, exact: 12345678 元 = 1234.5678 万元, 100 元 = 0.01 万元
    assert _budget_cells(out, "T5", "budget") == [
        ("H6", Decimal("1234.5778")),
        ("H7", Decimal("1234.5778")),
        ("H8", Decimal("1234.5678")),
        ("H9", Decimal("0.01")),
        ("H10", Decimal("1234.5778")),
    ]
    ws = openpyxl.load_workbook(out)[FINAL.table("T5").sheet_name]
    assert [[ws.cell(row=r, column=c).value for c in range(1, 5)] for r in range(6, 11)] == [
        ["201", None, None, "一般公共服务支出"],
        ["201", "06", None, "财政事务"],
        ["201", "06", "01", "行政运行"],
        ["201", "06", "02", "一般行政管理事务"],
        [None, None, None, "合计"],
    ]
    # T9 of the Shanghai budget: 合计 0.95, 公务接待费 0.95 (万元), the others empty
    t7 = FINAL.table("T7")
    row = openpyxl.load_workbook(out)[t7.sheet_name][t7.data_row]
    values = {c.key: row[t7.column_index(c.key) - 1].value for c in t7.columns if c.from_budget}
    assert {k: Decimal(str(v)) for k, v in values.items()} == {
        "total_budget": Decimal("0.95"),
        "abroad_budget": Decimal("0"),
        "vehicle_budget": Decimal("0"),
        "purchase_budget": Decimal("0"),
        "running_budget": Decimal("0"),
        "reception_budget": Decimal("0.95"),
    }


def test_init_budget_prefills_from_henan(henan_budget: Path, tmp_path: Path) -> None:
    out = tmp_path / "决算2024.xlsx"
    result = CliRunner().invoke(
        cli.main, ["init", str(out), "--format", "final-accounts", "--budget", str(henan_budget)]
    )
    assert result.exit_code == 0, result.output
    # codes in tree order; the 类 and 款 names, which Henan's table lacks, from the code list
    assert _budget_cells(out, "T5", "budget") == [
        ("H6", Decimal("1075.5")),
        ("H7", Decimal("40")),
        ("H8", Decimal("40")),
        ("H9", Decimal("1035.5")),
        ("H10", Decimal("1035.5")),
        ("H11", Decimal("16.404")),
        ("H12", Decimal("16.404")),
        ("H13", Decimal("16.404")),
        ("H14", Decimal("1091.904")),
    ]
    assert _budget_cells(out, "T8", "budget") == [("K6", Decimal("0"))]  # only the 合计: no 政府性基金


def _planned_findings(path: Path, budget: Path) -> list:
    _, findings, _ = pipeline.inspect(path, RenderOptions(budget=budget))
    return [f for f in findings if f.rule == "预算数不符"]


def test_check_budget(shanghai_budget: Path, tmp_path: Path) -> None:
    out = tmp_path / "决算2024.xlsx"
    CliRunner().invoke(cli.main, ["init", str(out), "--format", "final-accounts", "--budget", str(shanghai_budget)])
    assert _planned_findings(out, shanghai_budget) == []  # as prefilled: agreeing figures
    wb = openpyxl.load_workbook(out)
    wb[FINAL.table("T5").sheet_name]["H9"] = 0.02  # 0.01 in the budget
    wb.save(out)
    (finding,) = _planned_findings(out, shanghai_budget)
    assert finding.line() == (
        "[错误] T5!H9 预算数不符：科目 2010602 一般行政管理事务 的年初预算数与预算工作簿 上海预算2024.xlsx "
        "算出的数字不同（应为 0.01，实为 0.02）"
    )


def test_check_budget_of_another_year_warns(shanghai_budget: Path, tmp_path: Path) -> None:
    out = tmp_path / "决算2024.xlsx"
    CliRunner().invoke(cli.main, ["init", str(out), "--format", "final-accounts", "--budget", str(shanghai_budget)])
    (finding,) = _planned_findings(out, SHANGHAI_INPUT)[:1]
    assert finding.severity == "warning"
    assert finding.message == (
        f"预算工作簿 {SHANGHAI_INPUT.name} 的预算年度为 2025 年，不是决算年度 2024 年：请核对是否选错了文件"
    )


def test_init_budget_with_a_budget_format_is_a_usage_error(henan_budget: Path, tmp_path: Path) -> None:
    result = CliRunner().invoke(
        cli.main, ["init", str(tmp_path / "x.xlsx"), "--format", "henan", "--budget", str(henan_budget)]
    )
    assert result.exit_code == 2
    assert result.output.endswith(
        "Error: --budget 只用于有年初预算数列的决算格式（如 final-accounts）："
        "公开格式 henan（河南省部门（单位）预算公开（YS01–YS14））没有\n"
    )


def test_check_budget_on_a_budget_workbook_is_refused(henan_budget: Path) -> None:
    result = CliRunner().invoke(cli.main, ["check", str(HENAN_INPUT), "--budget", str(henan_budget)])
    assert result.exit_code == 1
    assert result.output == (
        f"{HENAN_INPUT.name}：--budget 只用于有年初预算数列的决算格式，本工作簿的公开格式 henan"
        "（河南省部门（单位）预算公开（YS01–YS14））没有\n"
    )


def test_from_budget_names_a_known_measure(tmp_path: Path) -> None:
    folder = tmp_path / "own"
    shutil.copytree(ROOT / "generator" / "formats" / "final-accounts", folder)
    tables = folder / "tables.yaml"
    tables.write_text(
        tables.read_text(encoding="utf-8").replace("from_budget: sangong_abroad", "from_budget: sangong_trips"),
        encoding="utf-8",
    )
    with pytest.raises(FormatError) as caught:
        read_folder(folder)
    message = str(caught.value)
    assert message.startswith("tables.yaml 第 213 行 tables[6].columns[2].from_budget：应为 gpb_spending、")
    assert "实为“sangong_trips”" in message
