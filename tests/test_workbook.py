"""The blank standard workbook follows the schema, and the example workbook holds the seed's figures."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

import openpyxl
import pytest
from openpyxl.utils import get_column_letter
from support import EXAMPLE, YEAR, assert_built_as_saved

from generator.reference.codes import load_codes
from generator.workbook import blank as workbook
from generator.workbook import schema


@pytest.fixture(scope="module")
def blank(tmp_path_factory) -> openpyxl.Workbook:
    """The blank workbook as written to disk and read back."""
    path = tmp_path_factory.mktemp("wb") / "blank.xlsx"
    workbook.write_blank(path, year=YEAR)
    return openpyxl.load_workbook(path)


@pytest.fixture(scope="module")
def example(example_path) -> openpyxl.Workbook:
    return openpyxl.load_workbook(example_path)


def _q2(value: Decimal) -> Decimal:
    return value.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def _amount(value) -> Decimal:
    return Decimal("0") if value is None else Decimal(repr(value))


def _validations(ws, col: int, row: int):
    ref = f"{get_column_letter(col)}{row}"
    return [dv for dv in ws.data_validations.dataValidation if ref in dv.sqref]


# --- the blank workbook ----------------------------------------------------------------------


def test_sheets_in_schema_order(blank):
    assert blank.sheetnames == [schema.FACTS_SHEET, schema.PRIOR_SHEET] + [t.sheet_name for t in schema.TABLES]
    assert tuple(blank.sheetnames) == schema.ALL_SHEETS
    assert blank.properties.title == workbook.WORKBOOK_TITLE
    assert blank.properties.creator == workbook.CREATOR


@pytest.mark.parametrize("spec", schema.TABLES, ids=lambda s: s.code)
def test_title_hint_header_and_merges(blank, spec):
    ws = blank[spec.sheet_name]
    last = get_column_letter(len(spec.columns))
    assert ws.cell(schema.TITLE_ROW, 1).value == f"{spec.code} {spec.title}"
    assert ws.cell(schema.TITLE_ROW, 1).font.b
    assert ws.cell(schema.HINT_ROW, 1).value == spec.hint
    expected = {f"A{schema.TITLE_ROW}:{last}{schema.TITLE_ROW}", f"A{schema.HINT_ROW}:{last}{schema.HINT_ROW}"}
    covered = set()
    for r, c, cell in schema.place_header(spec.header):
        row, col = schema.HEADER_ROW + r, c + 1
        assert ws.cell(row, col).value == cell.text, (row, col)
        if cell.colspan > 1 or cell.rowspan > 1:
            end = f"{get_column_letter(col + cell.colspan - 1)}{row + cell.rowspan - 1}"
            expected.add(f"{get_column_letter(col)}{row}:{end}")
        covered.update(range(col, col + cell.colspan))
    assert {str(rng) for rng in ws.merged_cells.ranges} == expected
    assert covered == set(range(1, len(spec.columns) + 1)), "every column has a header"
    assert ws.freeze_panes == f"A{spec.data_row}"
    for i, column in enumerate(spec.columns, start=1):
        assert ws.column_dimensions[get_column_letter(i)].width == column.width


@pytest.mark.parametrize("spec", schema.TABLES, ids=lambda s: s.code)
def test_protection_locks_header_and_opens_data(blank, spec):
    ws = blank[spec.sheet_name]
    p = ws.protection
    assert p.sheet and not p.password
    # OOXML: False means the action is allowed under protection
    assert not p.formatColumns and not p.formatRows and not p.insertRows and not p.deleteRows
    assert not p.sort and not p.autoFilter
    for row in range(schema.TITLE_ROW, spec.data_row):
        for col in range(1, len(spec.columns) + 1):
            assert ws.cell(row, col).protection.locked, (row, col)
    labelled = len(workbook.prefilled_labels(spec, YEAR))
    label_cols = {spec.column_index(k) for k in ("in_label", "out_label")} if labelled else set()
    for row in (spec.data_row, spec.data_row + 59):
        for col in range(1, len(spec.columns) + 1):
            locked = col in label_cols and row < spec.data_row + labelled
            assert ws.cell(row, col).protection.locked is locked, (row, col)
    # further down, empty cells take the row's style: unlocked to the end of the data area
    for row in (spec.data_row + workbook.FORMATTED_ROWS, spec.data_row + workbook.DATA_AREA_ROWS):
        assert ws.row_dimensions[row].protection.locked is False, row


@pytest.mark.parametrize("spec", schema.TABLES, ids=lambda s: s.code)
def test_column_formats(blank, spec):
    ws = blank[spec.sheet_name]
    last = spec.data_row + workbook.FORMATTED_ROWS - 1
    for i, column in enumerate(spec.columns, start=1):
        for row in (spec.data_row, last):
            fmt = ws.cell(row, i).number_format
            if column.kind == "amount":
                assert fmt == "#,##0.00", (column.key, row)
                [dv] = _validations(ws, i, row)
                assert dv.type == "decimal" and dv.error and dv.showErrorMessage
            elif column.kind == "code":
                assert fmt == "@", (column.key, row)
        if column.hint:
            [dv] = _validations(ws, i, spec.data_row)
            assert dv.prompt == column.hint and dv.showInputMessage
        if not column.printed:
            row, col = workbook.header_anchor_of(spec)[i]
            assert "不公开" in ws.cell(row, col).comment.text


def test_ys10_kind_is_a_list(blank):
    spec = schema.TABLES_BY_CODE["YS10"]
    ws = blank[spec.sheet_name]
    col = spec.column_index("kind")
    for row in (spec.data_row, spec.data_row + workbook.DATA_AREA_ROWS):
        [dv] = _validations(ws, col, row)
        assert dv.type == "list"
        assert dv.formula1.strip('"').split(",") == list(schema.PROJECT_KINDS)


def test_header_cells_styled(blank):
    spec = schema.TABLES_BY_CODE["YS03"]
    ws = blank[spec.sheet_name]
    for r, c, _cell in schema.place_header(spec.header):
        target = ws.cell(schema.HEADER_ROW + r, c + 1)
        assert target.font.b and target.alignment.wrap_text and target.alignment.horizontal == "center"
        assert target.border.left.style == "thin"
        assert target.fill.fgColor.rgb.endswith(workbook.HEADER_FILL.fgColor.rgb[-6:])


def test_ys01_labels_prefilled(blank):
    spec = schema.TABLES_BY_CODE["YS01"]
    ws = blank[spec.sheet_name]
    classes = load_codes(YEAR).function_classes
    left_col, right_col = spec.column_index("in_label"), spec.column_index("out_label")
    left = [ws.cell(spec.data_row + i, left_col).value for i in range(len(schema.INCOME_SOURCES) + 1)]
    assert left[0] == schema.INCOME_SOURCES[0][2]
    assert left[1] == schema.SUMMARY_FISCAL_LABEL
    assert left[2:] == [label for _, _, label in schema.INCOME_SOURCES[1:]]
    right = [ws.cell(spec.data_row + i, right_col).value for i in range(len(classes))]
    assert right == [c.ys01_label for c in classes]
    body = max(len(left), len(right))
    for i, (a, b) in enumerate(schema.SUMMARY_FOOTER):
        row = spec.data_row + body + i
        assert (ws.cell(row, left_col).value, ws.cell(row, right_col).value) == (a, b)
    assert ws.cell(spec.data_row + body + len(schema.SUMMARY_FOOTER), right_col).value is None


def test_ys04_labels_prefilled(blank):
    spec = schema.TABLES_BY_CODE["YS04"]
    ws = blank[spec.sheet_name]
    classes = load_codes(YEAR).function_classes
    left_col, right_col = spec.column_index("in_label"), spec.column_index("out_label")
    left = [ws.cell(spec.data_row + i, left_col).value for i in range(len(schema.FISCAL_INCOME_LABELS))]
    assert left == [label for _, label in schema.FISCAL_INCOME_LABELS]
    right_labels = [schema.FISCAL_SPENDING_FIRST] + [c.ys04_label for c in classes] + [schema.FISCAL_SPENDING_LAST]
    right = [ws.cell(spec.data_row + i, right_col).value for i in range(len(right_labels))]
    assert right == right_labels
    row = spec.data_row + max(len(left), len(right))
    assert (ws.cell(row, left_col).value, ws.cell(row, right_col).value) == schema.FISCAL_FOOTER
    assert ws.cell(row, left_col).protection.locked


def test_facts_and_prior_sheets(blank):
    ws = blank[schema.FACTS_SHEET]
    assert [ws.cell(1, c).value for c in (1, 2, 3)] == list(schema.FACTS_HEADER)
    # the format's name first (read before the facts, which are the format's), then the facts
    assert (ws.cell(2, 1).value, ws.cell(2, 2).value) == ("公开格式", "henan")
    assert [ws.cell(3 + i, 1).value for i in range(len(schema.FACTS))] == [f.label for f in schema.FACTS]
    year_row = 3 + [f.key for f in schema.FACTS].index("year")
    assert ws.cell(year_row, 2).value == YEAR
    for i, fact in enumerate(schema.FACTS):
        row = 3 + i
        assert ws.cell(row, 1).protection.locked and not ws.cell(row, 2).protection.locked
        if fact.kind == "amount":
            assert ws.cell(row, 2).number_format == "#,##0.00"
        if fact.kind == "count":
            [dv] = _validations(ws, 2, row)
            assert dv.type == "whole" and dv.operator == "greaterThanOrEqual" and dv.formula1 == "0"
    assert ws.protection.sheet
    prior = blank[schema.PRIOR_SHEET]
    assert [prior.cell(1, c).value for c in (1, 2, 3)] == list(schema.PRIOR_HEADER)
    assert [prior.cell(2 + i, 1).value for i in range(len(schema.PRIOR))] == [p.label for p in schema.PRIOR]
    assert all(prior.cell(2 + i, 2).number_format == "#,##0.00" for i in range(len(schema.PRIOR)))


# --- the example workbook --------------------------------------------------------------------

# YS03 as the seed prints it: (类, 款, 项, 名称, {column: printed amount})
SEED_YS03 = [
    ("206", "02", "99", "其他基础研究支出", {"total": "40.00", "project": "40.00", "target": "40.00"}),
    ("206", "04", "99", "其他技术与开发支出", {"total": "1035.50", "project": "1035.50", "target": "1035.50"}),
    ("206", "99", "99", "其他科学技术支出", {"total": "332.40", "project": "332.40", "target": "332.40"}),
    ("208", "05", "05", "机关事业单位基本养老保险缴费支出", {"total": "15.17", "basic": "15.17", "wage": "15.17"}),
    ("210", "11", "01", "行政单位医疗", {"total": "5.98", "basic": "5.98", "wage": "5.98"}),
    ("210", "11", "02", "事业单位医疗", {"total": "0.84", "basic": "0.84", "wage": "0.84"}),
    (
        "215",
        "05",
        "01",
        "行政运行",
        {
            "total": "231.02",
            "basic": "153.02",
            "wage": "119.91",
            "family": "16.06",
            "goods": "17.05",
            "project": "78.00",
            "operating": "78.00",
        },
    ),
    (
        "215",
        "08",
        "99",
        "其他支持中小企业发展和管理支出",
        {"total": "287.60", "project": "287.60", "operating": "168.00", "target": "119.60"},
    ),
    ("221", "02", "01", "住房公积金", {"total": "11.11", "basic": "11.11", "wage": "11.11"}),
]
# the seed's total row: 1,959.63 | 186.13 | 153.02 | 16.06 | 17.05 | | 1,773.50 | 246.00 | 1,527.50
SEED_YS03_TOTAL = {
    "total": "1959.63",
    "basic": "186.13",
    "wage": "153.02",
    "family": "16.06",
    "goods": "17.05",
    "project": "1773.50",
    "operating": "246.00",
    "target": "1527.50",
}


def _ys03_items(example):
    spec = schema.TABLES_BY_CODE["YS03"]
    ws = example[spec.sheet_name]
    rows = []
    for row in range(spec.data_row, spec.data_row + workbook.DATA_AREA_ROWS):
        values = {c.key: ws.cell(row, i).value for i, c in enumerate(spec.columns, start=1)}
        if values["xiang"]:
            rows.append(values)
    return spec, ws, rows


def test_example_ys03_rows_show_the_seed(example):
    spec, ws, rows = _ys03_items(example)
    assert [(r["lei"], r["kuan"], r["xiang"], r["name"]) for r in rows] == [s[:4] for s in SEED_YS03]
    for row, (*_, printed) in zip(rows, SEED_YS03, strict=False):
        for key in spec.amount_keys():
            shown = _q2(_amount(row[key]))
            assert shown == Decimal(printed.get(key, "0")), (row["name"], key)
    # the unit's row is there, its amounts left to derivation; no total rows
    unit = {c.key: ws.cell(spec.data_row, i).value for i, c in enumerate(spec.columns, start=1)}
    assert unit["unit_code"] == "021001" and unit["name"] == "义马市工业信息化和科技局"
    assert all(unit[k] is None for k in spec.amount_keys())


def test_example_ys03_tail_difference(example):
    _spec, _, rows = _ys03_items(example)
    precise = sum(_amount(r["total"]) for r in rows)
    shown = sum(_q2(_amount(r["total"])) for r in rows)
    assert _q2(precise) == Decimal("1959.63")
    assert shown == Decimal("1959.62")
    for key, printed in SEED_YS03_TOTAL.items():
        assert _q2(sum(_amount(r[key]) for r in rows)) == Decimal(printed), key
    health = [r for r in rows if r["lei"] == "210"]
    assert _q2(sum(_amount(r["total"]) for r in health)) == Decimal("6.83")
    assert sum(_q2(_amount(r["total"])) for r in health) == Decimal("6.82")


def test_example_ys06_agrees_with_ys03(example):
    _, _, ys03 = _ys03_items(example)
    spec = schema.TABLES_BY_CODE["YS06"]
    ws = example[spec.sheet_name]
    items = []
    for row in range(spec.data_row, spec.data_row + 40):
        values = {c.key: ws.cell(row, i).value for i, c in enumerate(spec.columns, start=1)}
        if values["dept_code"]:
            items.append(values)
    assert len(items) == 18
    wage = sum(_amount(r["personnel"]) for r in items if r["dept_code"].startswith("301"))
    family = sum(_amount(r["personnel"]) for r in items if r["dept_code"].startswith("303"))
    public = sum(_amount(r["public"]) for r in items)
    assert wage == sum(_amount(r["wage"]) for r in ys03)
    assert family == sum(_amount(r["family"]) for r in ys03)
    assert public == sum(_amount(r["goods"]) for r in ys03) == Decimal("17.05")
    assert _q2(wage + family) == Decimal("169.08")
    assert all(_amount(r["total"]) == _amount(r["personnel"]) + _amount(r["public"]) for r in items)
    printed = {"30101": "91.23", "30110": "6.83"}
    for r in items:
        if r["dept_code"] in printed:
            assert _q2(_amount(r["total"])) == Decimal(printed[r["dept_code"]])


def test_example_projects(example):
    spec = schema.TABLES_BY_CODE["YS10"]
    ws = example[spec.sheet_name]
    col = {c.key: i for i, c in enumerate(spec.columns, start=1)}
    projects = [{k: ws.cell(row, i).value for k, i in col.items()} for row in range(spec.data_row, spec.data_row + 15)]
    assert all(p["kind"] in schema.PROJECT_KINDS and p["project_code"] and p["econ_dept"] for p in projects)
    by_kind = {k: sum(_amount(p["total"]) for p in projects if p["kind"] == k) for k in schema.PROJECT_KINDS}
    assert by_kind == {"其他运转类": Decimal("246.00"), "特定目标类": Decimal("1527.50")}
    assert ws.cell(spec.data_row + 15, 1).value is None
    # YS12 has the same projects, by code, with the same amounts
    spec12 = schema.TABLES_BY_CODE["YS12"]
    ws12 = example[spec12.sheet_name]
    code_col, total_col = spec12.column_index("code"), spec12.column_index("total")
    ys12 = {
        ws12.cell(row, code_col).value: _amount(ws12.cell(row, total_col).value)
        for row in range(spec12.data_row, spec12.data_row + 100)
        if ws12.cell(row, code_col).value
    }
    assert ys12 == {p["project_code"]: _amount(p["total"]) for p in projects}


def test_example_facts(example):
    ws = example[schema.FACTS_SHEET]
    rows = [(ws.cell(r, 1).value, ws.cell(r, 2).value) for r in range(2, ws.max_row + 1)]
    lists: dict[str, list] = {}
    current = None
    for label, value in rows:
        current = label or current
        if value is not None:
            lists.setdefault(current, []).append(value)
    assert lists["部门名称"] == ["义马市工业信息化和科技局"]
    assert len(lists["主要职责"]) == 16 and not lists["主要职责"][0].startswith("（")
    assert len(lists["内设机构"]) == 10
    assert len(lists["名词解释"]) == 10
    assert lists["预算年度"] == [YEAR]


def test_example_is_what_the_script_builds():
    assert_built_as_saved("build_example", EXAMPLE)
