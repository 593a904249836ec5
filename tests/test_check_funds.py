"""Income against spending and the fund tables against YS03, on the multi-source second example."""

from __future__ import annotations

import shutil
from decimal import Decimal
from pathlib import Path

import openpyxl
from support import SECOND

from generator.stages.check import check
from generator.workbook.load import load_workbook
from generator.workbook.schema import TABLES_BY_CODE


def _row_of(ws, spec, name: str) -> int:
    col = spec.column_index("name")
    for row in range(spec.data_row, ws.max_row + 1):
        if ws.cell(row, col).value == name:
            return row
    raise AssertionError(name)


def _lines(path: Path) -> list[str]:
    return [f.line() for f in check(load_workbook(path))]


def _edited(tmp_path: Path, edit) -> Path:
    target = tmp_path / "edited.xlsx"
    shutil.copy(SECOND, target)
    wb = openpyxl.load_workbook(target)
    edit(wb)
    wb.save(target)
    return target


def _shift_ys02(delta: str):
    def edit(wb):
        spec = TABLES_BY_CODE["YS02"]
        ws = wb[spec.sheet_name]
        row = _row_of(ws, spec, "行政运行")
        for key in ("total", "gpb"):
            cell = ws.cell(row, spec.column_index(key))
            cell.value = float(Decimal(str(cell.value)) + Decimal(delta))

    return edit


def test_example_is_clean():
    assert _lines(SECOND) == []


def test_income_above_spending_is_a_warning(tmp_path):
    lines = _lines(_edited(tmp_path, _shift_ys02("10")))
    warnings = [line for line in lines if "年终结转结余" in line]
    assert len(warnings) == 1 and warnings[0].startswith("[警告] YS02!F")
    assert "科目2100101（行政运行）的收入多于YS03的支出" in warnings[0]
    assert "（应为 237.32，实为 247.32）" in warnings[0]


def test_income_below_spending_is_an_error(tmp_path):
    lines = _lines(_edited(tmp_path, _shift_ys02("-10")))
    assert any(
        line.startswith("[错误] YS02!F")
        and "科目2100101（行政运行）的收入少于YS03的支出（应为 237.32，实为 227.32）" in line
        for line in lines
    ), lines


def test_ys05_cannot_be_derived_when_other_funds_spend(tmp_path):
    def clear_ys05(wb):
        spec = TABLES_BY_CODE["YS05"]
        ws = wb[spec.sheet_name]
        for row in range(spec.data_row, ws.max_row + 1):
            for col in range(1, len(spec.columns) + 1):
                ws.cell(row, col).value = None

    lines = _lines(_edited(tmp_path, clear_ys05))
    assert (
        "[错误] YS05 必填项：一般公共预算支出情况表不能由YS03自动生成"
        "（YS09有数据；YS02有一般公共预算以外的收入）：请填写YS05" in lines
    )


def test_fund_tables_cannot_exceed_ys03(tmp_path):
    def inflate_ys09(wb):
        spec = TABLES_BY_CODE["YS09"]
        ws = wb[spec.sheet_name]
        col = spec.column_index("total")
        for row in range(spec.data_row, ws.max_row + 1):
            if ws.cell(row, spec.column_index("lei")).value and ws.cell(row, col).value:
                ws.cell(row, col).value = ws.cell(row, col).value + 100
                for key in ("project", "target"):
                    cell = ws.cell(row, spec.column_index(key))
                    if cell.value:
                        cell.value = cell.value + 100
                break

    lines = _lines(_edited(tmp_path, inflate_ys09))
    assert any(
        "（YS05、YS09、YS13）之和超过了本表支出" in line and line.startswith("[错误] YS03!F") for line in lines
    ), lines


def test_derived_ys07_must_reach_ys03_when_basic_spending_has_other_money(tmp_path):
    """YS07 is derived from YS06 (一般公共预算 basic items) and YS10: basic spending paid from
    单位资金 is in YS03 but in neither, so the derived YS07 falls short and the clerk must fill it."""

    def unit_funds_for_basic_wages(wb):
        for code, keys in (("YS02", ("total", "other_income")), ("YS03", ("total", "basic", "wage"))):
            spec = TABLES_BY_CODE[code]
            ws = wb[spec.sheet_name]
            row = _row_of(ws, spec, "行政运行")
            for key in keys:
                cell = ws.cell(row, spec.column_index(key))
                cell.value = float(Decimal(str(cell.value or 0)) + Decimal("10"))

    lines = _lines(_edited(tmp_path, unit_funds_for_basic_wages))
    ys07 = [line for line in lines if line.startswith("[错误] YS07")]
    assert len(ys07) == 1, lines
    assert ys07[0] == (
        "[错误] YS07 必填项：支出经济分类汇总表不能由YS06和YS10自动生成：YS03的基本支出1128.182万元"
        "比YS06的一般公共预算基本支出1118.182万元多10.00万元，这部分资金的经济分类只有本单位知道：请填写YS07"
    )


def _ys12_units_filled(delta: str = "0"):
    """Fill YS12's unit rows (code, name, total), each its projects' sum; the second unit's off by ``delta``."""
    from generator.reference.codes import load_codes
    from generator.stages.derive import complete

    done = complete(load_workbook(SECOND), load_codes(2025))
    units = [r for r in done.rows("project_goals") if r.kind == "unit"]
    assert len(units) == 3

    def edit(wb):
        spec = TABLES_BY_CODE["YS12"]
        ws = wb[spec.sheet_name]
        row = max(r for r in range(spec.data_row, ws.max_row + 1) if ws.cell(r, 1).value or ws.cell(r, 7).value) + 1
        for i, unit in enumerate(units):
            ws.cell(row + i, spec.column_index("code")).value = unit.text("code")
            ws.cell(row + i, spec.column_index("name")).value = unit.text("name")
            total = unit.amount("total") + (Decimal(delta) if i == 1 else 0)
            ws.cell(row + i, spec.column_index("total")).value = float(total)

    return edit, units


def test_ys12_unit_rows_of_every_unit_are_read_as_units(tmp_path):
    """A 所属单位's row in YS12 (its code and name) is a summary row, checked against its own projects."""
    edit, units = _ys12_units_filled()
    path = _edited(tmp_path, edit)
    budget = load_workbook(path)
    given = [r for r in budget.table("YS12").rows if r.text("code") in {u.text("code") for u in units}]
    assert [r.kind for r in given] == ["total"] * 3
    assert _lines(path) == []


def test_ys12_unit_row_off_its_projects(tmp_path):
    edit, units = _ys12_units_filled("5")
    lines = _lines(_edited(tmp_path, edit))
    assert len(lines) == 1, lines
    assert lines[0].startswith("[错误] YS12!C")
    assert f"单位“{units[1].text('name')}”的金额应等于其项目之和" in lines[0]
