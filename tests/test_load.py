"""The loader: the example's values as typed Decimals, codes and texts; every unreadable cell named, word for word."""

# ruff: noqa: E501 - expected messages and finding lines are quoted whole, word for word

from __future__ import annotations

import datetime as dt
import zipfile
from decimal import Decimal
from pathlib import Path

import pytest
from openpyxl.comments import Comment
from support import BUREAU, Editor, ref, sheet_title, spec

from generator.errors import Problem, WorkbookError
from generator.workbook import load, schema, xlsx
from generator.workbook.load import load_workbook, normalize_text, parse_amount, parse_code, parse_text

D = Decimal


def load_problems(path: Path) -> list[Problem]:
    with pytest.raises(WorkbookError) as info:
        load_workbook(path)
    return info.value.problems


def problem_texts(path: Path) -> list[str]:
    return [str(p) for p in load_problems(path)]


# --- the example -----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def example(example_values):
    return load_workbook(example_values)


def test_example_facts_and_prior(example, rows):
    facts = example.facts
    assert example.bureau == BUREAU
    assert example.year == 2024
    assert facts.values["dept_code"] == "021"
    assert facts.values["unit_code"] == "021001"
    assert len(facts.items("duties")) == 16
    assert facts.items("divisions")[0] == "综合办"
    assert len(facts.items("divisions")) == 10
    assert facts.values["procurement_goods"] == D("0")
    assert facts.values["vehicles_general"] == 0
    assert facts.cells["reason_reception"] == f"B{rows.fact('公务接待费增减原因')}"
    # a list fact records the cell of every item, not only the first
    first = rows.fact("内设机构")
    assert facts.item_cells["divisions"] == [f"B{first + i}" for i in range(10)]
    assert example.prior.values["operating_cost"] == D("16.06")
    assert example.prior.values["reception"] == D("16")
    assert example.prior.cells["reception"] == f"B{rows.prior('公务接待费')}"


def test_example_tables_are_typed(example, rows):
    ys03 = example.table("YS03")
    assert [r.kind for r in ys03.rows] == ["unit"] + ["item"] * 9
    medical = next(r for r in ys03.rows if r.text("name") == "行政单位医疗")
    assert medical.number == rows.find("YS03", name="行政单位医疗")
    assert (medical.text("lei"), medical.text("kuan"), medical.text("xiang")) == ("210", "11", "01")
    # the workbook's extra digits are kept exactly: 5.984, never 5.98399999…
    assert medical.values["total"] == D("5.984")
    assert str(medical.values["total"]) == "5.984"
    assert isinstance(medical.values["wage"], Decimal)
    assert medical.values["project"] is None
    assert medical.cell("total") == ref("YS03", "total", medical.number)
    ys10 = example.table("YS10")
    assert len(ys10.of("project")) == 15
    reception = next(r for r in ys10.rows if r.text("name") == "公务接待费")
    assert reception.values["econ_dept"] == "30217"
    assert reception.values["project_code"] == "411281230000000015223"
    assert len(example.table("YS12").of("project")) == 15
    assert len(example.table("YS12").of("continuation")) == 29
    assert example.table("YS08").rows[0].values["total"] == D("7")
    assert not example.table("YS14").filled and not example.table("YS01").filled


def test_ys12_summary_rows_are_totals(broken):
    """The 部门 row (code) and 单位 row (code and name) of YS12, as published: totals, not projects."""
    first = spec("YS12").data_row

    def edit(e: Editor) -> None:
        e.sheet("YS12").insert_rows(first, 2)
        e.fill("YS12", first, code="021", total=1773.5)
        e.fill("YS12", first + 1, code="021001", name=BUREAU, total=1773.5)

    table = load_workbook(broken(edit)).table("YS12")
    assert [(r.number, r.kind) for r in table.rows[:4]] == [
        (first, "total"),
        (first + 1, "total"),
        (first + 2, "project"),
        (first + 3, "continuation"),
    ]
    assert len(table.of("project")) == 15


def test_values_copy_reads_as_the_example(example_path, example_values):
    """The fast values-only copy the tests edit reads exactly as the example itself."""
    full, lean = load_workbook(example_path), load_workbook(example_values)
    assert full.facts == lean.facts
    assert full.prior == lean.prior
    for code in schema.TABLES_BY_CODE:
        assert [(r.number, r.kind, r.values) for r in full.table(code).rows] == [
            (r.number, r.kind, r.values) for r in lean.table(code).rows
        ], code


# --- amounts, codes and texts ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (None, None),
        ("", None),
        ("   ", None),
        (15, D("15")),
        (5.984, D("5.984")),
        (0.1 + 0.2, D("0.30000000000000004")),  # a float is read at the precision it holds
        (D("1.005"), D("1.005")),
        ("１,９５９.６３", D("1959.63")),  # full-width digits, comma and point
        ("1,959.63", D("1959.63")),
        ("1，959.63", D("1959.63")),  # full-width comma
        (" 15.17 ", D("15.17")),
        ("\u300015.17\u00a0", D("15.17")),  # ideographic and no-break spaces
        ("1 959.63", D("1959.63")),
        ("1,234,567", D("1234567")),
        ("-3.5", D("-3.5")),
        (".5", D("0.5")),
        ("１５.１７", D("15.17")),
    ],
)
def test_parse_amount_accepts(raw, expected):
    assert parse_amount(raw) == expected
    if expected is not None:
        assert isinstance(parse_amount(raw), Decimal)


@pytest.mark.parametrize(
    "raw", ["0.84万元", "abc", "1,95,9.63", "12,34", "1.2.3", "—", "-", "1e3", True, float("nan"), float("inf")]
)
def test_parse_amount_refuses(raw):
    with pytest.raises(ValueError):
        parse_amount(raw)


@pytest.mark.parametrize(
    ("raw", "digits", "expected"),
    [
        (2, 2, "02"),  # a 款 typed as a number keeps its zero
        (2.0, 2, "02"),
        (1, 2, "01"),
        (206, 3, "206"),
        (30101, 0, "30101"),
        ("02", 2, "02"),
        ("2", 2, "02"),  # typed as text into a text-formatted cell: padded all the same
        (" 206 ", 3, "206"),
        ("２０６", 3, "206"),
        ("411281230000000015223", 0, "411281230000000015223"),
        (None, 2, None),
        ("  ", 2, None),
    ],
)
def test_parse_code(raw, digits, expected):
    assert parse_code(raw, digits) == expected


@pytest.mark.parametrize("raw", [1.5, True])
def test_parse_code_refuses(raw):
    with pytest.raises(ValueError):
        parse_code(raw, 2)


def test_parse_text_and_normalize():
    assert parse_text("  综合办 ") == "综合办"
    assert parse_text(2024.0) == "2024"
    assert parse_text("   ") is None
    assert normalize_text("合　计 ") == "合计"
    assert normalize_text("（一）") == "(一)"


def test_full_width_separators_spaces_and_numeric_codes_in_the_workbook(broken, rows):
    """Amounts typed as text with full-width digits, separators and spaces; codes typed as numbers."""
    tech = rows.find("YS03", name="其他技术与开发支出")
    pension = rows.find("YS03", name="机关事业单位基本养老保险缴费支出")
    basic_research = rows.find("YS03", name="其他基础研究支出")

    def edit(e: Editor) -> None:
        e.fill("YS03", tech, total="１,０３５.５０", project="1,035.50 ", target=" １０３５.５ ")
        e.fill("YS03", pension, total=" 15.17 ", basic="15.17\u3000", wage="\u00a015.17")
        e.fill("YS03", basic_research, lei=206, kuan=2, xiang=99)

    budget = load_workbook(broken(edit))
    rows_by_number = {r.number: r for r in budget.table("YS03").rows}
    assert rows_by_number[tech].values["total"] == D("1035.50")
    assert rows_by_number[tech].values["target"] == D("1035.5")
    assert rows_by_number[pension].values["wage"] == D("15.17")
    row = rows_by_number[basic_research]
    assert (row.values["lei"], row.values["kuan"], row.values["xiang"]) == ("206", "02", "99")
    from generator.stages.check import check

    assert check(budget) == []


# --- what the loader refuses, word for word ----------------------------------------------------


def test_text_in_an_amount_cell(broken, rows):
    row = rows.find("YS03", name="事业单位医疗")
    path = broken(lambda e: e.set("YS03", "total", row, "0.84万元"))
    problems = load_problems(path)
    assert problems == [Problem("合计应填金额，不能是“0.84万元”", sheet_title("YS03"), ref("YS03", "total", row))]
    assert str(problems[0]) == f"YS03!{ref('YS03', 'total', row)}：合计应填金额，不能是“0.84万元”"


def test_text_in_an_amount_cell_of_the_full_example(broken):
    """The same on the example file itself: the cell is named as Excel names it."""
    path = broken(lambda e: e.set("YS03", "total", 12, "0.84万元"), full=True, name="example.xlsx")
    with pytest.raises(WorkbookError) as info:
        load_workbook(path)
    assert str(info.value) == "无法读取工作簿 example.xlsx：YS03!F12：合计应填金额，不能是“0.84万元”"


def test_long_text_is_cut_in_the_message(broken, rows):
    row = rows.find("YS06", dept_code="30201")
    text = "三点六五万元（办公费，按定额标准计算，含印刷费）"
    assert len(text) > 20
    path = broken(lambda e: e.set("YS06", "public", row, text))
    assert problem_texts(path) == [
        f"YS06!{ref('YS06', 'public', row)}：公用经费应填金额，不能是“三点六五万元（办公费，按定额标准计算，含…”"
    ]


def test_text_in_a_code_cell_and_a_bad_choice(broken, rows):
    item = rows.find("YS03", name="行政运行")
    project = rows.find("YS10", name="工作经费")

    def edit(e: Editor) -> None:
        e.set("YS03", "kuan", item, 5.5)
        e.set("YS10", "kind", project, "专项类")

    assert problem_texts(broken(edit)) == [
        f"YS03!{ref('YS03', 'kuan', item)}：款应填编码，不能是“5.5”",
        f"YS10!{ref('YS10', 'kind', project)}：类型应为其他运转类、特定目标类之一，不能是“专项类”",
    ]


def test_formula_without_cached_value(broken, rows):
    row = rows.find("YS03", name="事业单位医疗")
    path = broken(lambda e: e.set("YS03", "total", row, "=1+1"))
    assert load_problems(path) == [
        Problem(
            "公式“=1+1”没有保存计算结果：请在 Excel 或 WPS 中打开并保存，或改填数值",
            sheet_title("YS03"),
            ref("YS03", "total", row),
        )
    ]


def test_formula_in_a_fact(broken, rows):
    row = rows.fact("政府采购货物预算")
    path = broken(lambda e: e.fact("政府采购货物预算", "=SUM(B48:B49)"))
    assert problem_texts(path) == [
        f"基本信息!B{row}：公式“=SUM(B48:B49)”没有保存计算结果：请在 Excel 或 WPS 中打开并保存，或改填数值"
    ]


def test_missing_sheet(broken):
    path = broken(lambda e: e.wb.remove(e.sheet("YS08")))
    with pytest.raises(WorkbookError) as info:
        load_workbook(path)
    assert info.value.problems == [Problem(f"缺少工作表“{spec('YS08').sheet_name}”")]
    assert str(info.value) == f"无法读取工作簿 {path.name}：缺少工作表“YS08 一般公共预算“三公”经费支出情况表”"


def test_missing_facts_sheet(broken):
    path = broken(lambda e: e.wb.remove(e.wb["上年数"]))
    assert problem_texts(path) == ["缺少工作表“上年数”"]


def test_renamed_table_sheet_is_found_by_its_code(broken):
    """A clerk who shortens a sheet's name to its code still gets it read."""

    def edit(e: Editor) -> None:
        e.sheet("YS08").title = "YS08"

    assert load_workbook(broken(edit)).table("YS08").rows[0].values["total"] == Decimal("7")


def test_missing_header(broken):
    """A header cell that is not where the schema puts it: a layout the loader does not recognise."""
    # YS03's 合计 header is its sixth column, on the first header row (F3)
    assert (ref("YS03", "total", schema.HEADER_ROW)) == "F3"
    path = broken(lambda e: e.cell("YS03", "F3", None))
    assert problem_texts(path) == ["YS03!F3：表头应为“合计”，实为“”：无法识别此表的格式"]


def test_changed_header(broken):
    path = broken(lambda e: e.cell("YS06", "E4", "金额"))
    assert problem_texts(path) == ["YS06!E4：表头应为“合计”，实为“金额”：无法识别此表的格式"]


def test_header_with_stray_spaces_and_full_width_forms_is_recognised(broken):
    path = broken(lambda e: e.cell("YS03", "F3", " 合 计 "))
    load_workbook(path)


def test_shifted_table_is_not_recognised(broken):
    """A row inserted above the header moves it: every header cell is reported, nothing guessed."""
    path = broken(lambda e: e.sheet("YS14").insert_rows(1))
    assert problem_texts(path) == [
        "YS14!A3：表头应为“部门预算支出经济分类项目”，实为“单位：万元。可整表留空，由YS06的公用…”：无法识别此表的格式",
        "YS14!C3：表头应为“机构运行经费支出”，实为“”：无法识别此表的格式",
        "YS14!A4：表头应为“科目编码”，实为“部门预算支出经济分类项目”：无法识别此表的格式",
        "YS14!B4：表头应为“科目名称”，实为“”：无法识别此表的格式",
        "YS14!C4：表头应为“合计”，实为“机构运行经费支出”：无法识别此表的格式",
    ]


def test_data_right_of_the_table(broken, rows):
    row = rows.find("YS03", name="其他基础研究支出")
    # YS03 has 14 columns (A…N): a figure in O is outside the layout
    assert len(spec("YS03").columns) == 14
    path = broken(lambda e: e.cell("YS03", f"O{row}", 40))
    assert problem_texts(path) == [f"YS03!O{row}：表格右侧多出数据（第 14 列之后）：无法识别此表的格式"]


def test_unknown_fact_label_and_bad_fact_values(broken, rows):
    def edit(e: Editor) -> None:
        e.fact("预算年度", "二〇二四年")
        e.fact("一般公务用车", -1)
        e.fact("政府采购服务预算", "五万")
        e.wb["基本信息"].cell(row=rows.fact("财政级次"), column=1).value = "财政层级"
        e.prior("公务接待费", "十六")

    assert problem_texts(broken(edit)) == [
        f"基本信息!B{rows.fact('预算年度')}：“预算年度”应填四位年份，不能是“二〇二四年”",
        f"基本信息!A{rows.fact('财政级次')}：不认识的项目“财政层级”",
        f"基本信息!B{rows.fact('政府采购服务预算')}：“政府采购服务预算”应填金额，不能是“五万”",
        f"基本信息!B{rows.fact('一般公务用车')}：“一般公务用车”应填不小于 0 的整数，不能是“-1”",
        f"上年数!B{rows.prior('公务接待费')}：“公务接待费”应填金额，不能是“十六”",
    ]


def test_fact_filled_twice_or_continued(broken, rows):
    def edit(e: Editor) -> None:
        ws = e.wb["基本信息"]
        ws.cell(row=rows.fact("单位编码"), column=1).value = "部门编码"  # 部门编码 a second time
        ws.cell(row=rows.fact("财政级次"), column=1).value = None  # a second line under it

    assert problem_texts(broken(edit)) == [
        f"基本信息!A{rows.fact('单位编码')}：“部门编码”重复填写",
        f"基本信息!A{rows.fact('财政级次')}：“部门编码”只能填一格，这一行的项目栏不能留空",
    ]


def test_every_problem_is_reported_at_once(broken, rows):
    medical = rows.find("YS03", name="事业单位医疗")
    pension = rows.find("YS06", dept_code="30108")

    def edit(e: Editor) -> None:
        e.set("YS03", "total", medical, "abc")
        e.set("YS06", "total", pension, "=SUM(F5:G5)")
        e.wb.remove(e.sheet("YS08"))  # a table every bureau publishes (YS14's may be left out: below)

    path = broken(edit)
    with pytest.raises(WorkbookError) as info:
        load_workbook(path)
    assert str(info.value) == "\n".join(
        [
            f"无法读取工作簿 {path.name}，发现 3 处问题：",
            f"  YS03!{ref('YS03', 'total', medical)}：合计应填金额，不能是“abc”",
            f"  YS06!{ref('YS06', 'total', pension)}：公式“=SUM(F5:G5)”没有保存计算结果：请在 Excel 或 WPS 中打开并保存，或改填数值",
            f"  缺少工作表“{spec('YS08').sheet_name}”",
        ]
    )


def test_a_workbook_without_an_optional_table_s_sheet_does_not_publish_it(broken):
    """YS14 is optional in Henan's format: a workbook without its sheet is read as a county's that leaves it out."""
    budget = load_workbook(broken(lambda e: e.wb.remove(e.sheet("YS14"))))
    assert not budget.format.publishes("YS14") and budget.format.publishes("YS13")
    assert [f.line() for f in budget.notes] == [
        f"[警告] YS14 不公开的表：工作簿没有工作表“{spec('YS14').sheet_name}”：按本单位不公开此表处理，文档中不列出"
        "（不公开的表可在模板文件夹 profile.toml 的 [format] drop_tables 中写明）"
    ]


# --- files that are not workbooks --------------------------------------------------------------


def test_not_a_workbook(tmp_path):
    empty = tmp_path / "empty.xlsx"
    empty.write_bytes(b"")
    text = tmp_path / "text.xlsx"
    text.write_text("收入,支出\n", encoding="utf-8")
    old = tmp_path / "old.xlsx"
    old.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 512)
    other_zip = tmp_path / "other.xlsx"
    with zipfile.ZipFile(other_zip, "w") as archive:
        archive.writestr("readme.txt", "hello")
    assert problem_texts(empty) == ["文件是空的"]
    assert problem_texts(text) == ["不是 Excel 工作簿（.xlsx）：文件不是 zip 格式"]
    assert problem_texts(old) == [  # read through LibreOffice, which cannot open it
        "这是旧版 Excel（.xls）或 WPS（.et）格式的文件，但无法读取：LibreOffice 也无法打开此文件（文件可能已损坏）；"
        "请在 Excel 或 WPS 中打开并另存为 .xlsx 后再试"
    ]
    assert problem_texts(other_zip) == ["不是 Excel 工作簿（.xlsx）：zip 中没有工作簿内容"]
    assert problem_texts(tmp_path / "missing.xlsx") == ["无法打开文件：No such file or directory"]


def test_blank_workbook_loads_empty(blank_values):
    budget = load_workbook(blank_values)
    assert budget.year == 2024
    assert all(not t.rows for code, t in budget.tables.items() if code not in ("YS01", "YS04"))
    assert not budget.table("YS01").filled and not budget.table("YS04").filled


# --- the sheets' reader: xlsx.read, its own contract -----------------------------------------------


def read(path: Path) -> xlsx.Book:
    return xlsx.read(path, max_rows=load.MAX_ROWS, max_columns=load.MAX_COLUMNS)


def sheet(book: xlsx.Book, prefix: str) -> xlsx.Sheet:
    return next(ws for ws in book.worksheets if ws.title.startswith(prefix))


def test_the_reader_reads_values_merges_and_extent(example_path, rows):
    """The example as it is: saved values with their types, the merged headers, formatted empty rows in the extent."""
    book = read(example_path)
    assert [ws.title for ws in book.worksheets][:3] == ["基本信息", "上年数", spec("YS01").sheet_name]
    ys03 = sheet(book, "YS03")
    medical = rows.find("YS03", name="行政单位医疗")
    assert ys03.value(medical, spec("YS03").column_index("total")) == 5.984
    assert ys03.value(3, 6) == "合计"  # the header
    assert (3, 6, 5, 6) in ys03.merged  # 合计 over the three header rows
    assert ys03.value(4, 6) is None  # a merged cell but the top-left
    assert ys03.max_row > rows.end("YS03")  # pre-formatted empty rows count
    assert ys03.formulas == {} and ys03.sheet_state == "visible"
    assert not ys03.hidden_rows and not ys03.hidden_columns


def test_the_reader_reads_merges_hidden_rows_columns_and_sheets(broken):
    def edit(e: Editor) -> None:
        e.sheet("YS03").merge_cells("F8:H9")
        e.sheet("YS07").merge_cells("A10:C5990")  # a merge makes the sheet as long as it reaches
        e.sheet("YS03").row_dimensions[10].hidden = True
        e.sheet("YS03").column_dimensions["J"].hidden = True
        e.sheet("YS05").column_dimensions.group("C", "F", hidden=True)
        e.sheet("YS08").sheet_state = "hidden"
        e.sheet("YS10").sheet_state = "veryHidden"

    book = read(broken(edit))
    ys03 = sheet(book, "YS03")
    assert (8, 6, 9, 8) in ys03.merged
    assert ys03.value(8, 6) is not None and ys03.value(8, 7) is None and ys03.value(9, 8) is None
    assert ys03.hidden_rows == {10} and ys03.hidden_columns == {10}
    assert sheet(book, "YS05").hidden_columns == {3, 4, 5, 6}
    assert sheet(book, "YS07").max_row == 5990
    assert (sheet(book, "YS08").sheet_state, sheet(book, "YS10").sheet_state) == ("hidden", "veryHidden")


def test_a_row_or_column_of_no_size_is_hidden(example_values, tmp_path):
    """Excel hides a row by its flag or by a height of 0 (a column alike): both are hidden to the reader."""
    from test_hostile import member_of, rezip

    def edit(xml: bytes) -> bytes:
        xml = xml.replace(b'<row r="8"', b'<row r="8" ht="0.0" customHeight="1"', 1)
        return xml.replace(b"<sheetData>", b'<cols><col min="7" max="9" width="0"/></cols><sheetData>', 1)

    path = rezip(example_values, tmp_path / "无高度.xlsx", change={member_of(example_values, "YS03"): edit})
    ys03 = sheet(read(path), "YS03")
    assert (ys03.hidden_rows, ys03.hidden_columns) == ({8}, {7, 8, 9})


def test_the_reader_keeps_cells_within_its_bounds_and_counts_the_extent(broken):
    """Cells beyond max_rows × max_columns are not read; the extent still counts them."""
    path = broken(lambda e: e.wb.create_sheet("草稿").__setitem__("E30", "远处"))
    book = xlsx.read(path, max_rows=20, max_columns=3)
    draft = sheet(book, "草稿")
    assert (draft.max_row, draft.max_column, draft.values) == (30, 5, {})


def test_the_reader_reads_formulas_and_their_saved_values(example_values, tmp_path):
    """A formula cell: its text always, its value when one was saved (Excel and WPS save one; openpyxl does not)."""
    from test_hostile import member_of, rezip

    def edit(xml: bytes) -> bytes:
        for old, new in (
            (b'<c r="F8"', b'<c r="F8"><f>SUM(G8:H8)</f><v>5.984</v></c><c r="X8"'),
            (b'<c r="F9"', b'<c r="F9"><f>SUM(G9:H9)</f></c><c r="X9"'),
            (b'<c r="F10"', b'<c r="F10" t="str"><f>"a"&amp;"b"</f><v>ab</v></c><c r="X10"'),
            (b'<c r="F11"', b'<c r="F11"><f t="array" ref="F11">SUM(G11:H11*1)</f></c><c r="X11"'),
        ):
            xml = xml.replace(old, new, 1)
        return xml

    path = rezip(example_values, tmp_path / "公式.xlsx", change={member_of(example_values, "YS03"): edit})
    ys03 = sheet(read(path), "YS03")
    assert ys03.formulas == {
        (8, 6): "=SUM(G8:H8)",
        (9, 6): "=SUM(G9:H9)",
        (10, 6): '="a"&"b"',
        (11, 6): "=SUM(G11:H11*1)",
    }
    assert (ys03.value(8, 6), ys03.value(9, 6), ys03.value(10, 6), ys03.value(11, 6)) == (5.984, None, "ab", None)


def test_the_reader_loads_once_without_formulas_and_read_only_for_their_values(example_path, broken, monkeypatch):
    """One normal load for a workbook without formulas (the examples); a read-only one more for saved formula values."""
    import openpyxl

    calls: list[dict[str, object]] = []
    original = openpyxl.load_workbook

    def counted(*args: object, **kwargs: object) -> object:
        calls.append(kwargs)
        return original(*args, **kwargs)

    with_formula = broken(lambda e: e.set("YS03", "total", 8, "=1+1"))
    monkeypatch.setattr(openpyxl, "load_workbook", counted)
    read(example_path)
    assert calls == [{"data_only": False}]
    calls.clear()
    read(with_formula)
    assert calls == [{"data_only": False}, {"read_only": True, "data_only": True}]


def test_the_reader_reads_odd_values_with_their_types(broken):
    def edit(e: Editor) -> None:
        e.set("YS03", "name", 8, dt.date(2024, 3, 4))
        e.set("YS03", "total", 8, dt.datetime(2024, 1, 2, 3, 4))
        e.set("YS03", "basic", 8, True)
        e.set("YS03", "wage", 8, "１,９５９.６３")
        e.set("YS03", "total", 9, dt.time(3, 4))
        e.set("YS03", "name", 9, "a_x000D_b_x0001_c")

    ys03 = sheet(read(broken(edit)), "YS03")
    assert ys03.value(8, spec("YS03").column_index("name")) == dt.datetime(2024, 3, 4)
    assert ys03.value(8, spec("YS03").column_index("total")) == dt.datetime(2024, 1, 2, 3, 4)
    assert ys03.value(8, spec("YS03").column_index("basic")) is True
    assert ys03.value(8, spec("YS03").column_index("wage")) == "１,９５９.６３"
    assert ys03.value(9, spec("YS03").column_index("total")) == dt.time(3, 4)
    assert ys03.value(9, spec("YS03").column_index("name")) == "a_x000D_b_x0001_c"  # the loader decodes


def test_a_comment_counts_in_the_extent(broken):
    path = broken(lambda e: setattr(e.sheet("YS05")["A7000"], "comment", Comment("beyond row 5000", "clerk")))
    assert sheet(read(path), "YS05").max_row == 7000


def test_a_hyperlink_changes_nothing_read(broken, example_values):
    path = broken(lambda e: setattr(e.sheet("YS03")["E8"], "hyperlink", "https://example.com"))
    linked, plain = load_workbook(path), load_workbook(example_values)
    assert linked.facts == plain.facts and linked.notes == plain.notes
    for code in schema.TABLES_BY_CODE:
        assert [(r.number, r.kind, r.values) for r in linked.table(code).rows] == [
            (r.number, r.kind, r.values) for r in plain.table(code).rows
        ], code
