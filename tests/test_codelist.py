"""The official code list a clerk supplies: read from .xlsx or .csv, refused with its row named, checked against."""

# ruff: noqa: E501 - expected messages are quoted whole, word for word

from __future__ import annotations

import csv
import random
from collections.abc import Iterable
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner
from support import EXAMPLE_NAME, where

from generator.frontends import cli
from generator.jobs import pipeline
from generator.options import RenderOptions
from generator.reference import codelist
from generator.reference.codelist import CodeListError, load_code_list
from generator.reference.codes import CodeBook, load_codes
from generator.stages.check import check
from generator.workbook.load import load_workbook

Rows = list[tuple[str, str]]


# The seed's bureau prints 2060499 under a shorter name than ours: its own system's list evidently has it so.
SEED_NAMES = {"2060499": "其他技术与开发支出"}


def bundled_rows(year: int = 2024) -> Rows:
    """Every code of the bundled list as (code, name), with the seed's names: the example's official list."""
    book = load_codes(year)
    rows = [(fc.code, fc.name) for fc in book.function_classes]
    rows += list(book.functions.items()) + list(book.econ_dept.items()) + list(book.econ_gov.items())
    return [(code, SEED_NAMES.get(code, name)) for code, name in rows]


def without(rows: Rows, *codes: str) -> Rows:
    return [(c, n) for c, n in rows if c not in codes]


def write_csv(path: Path, header: list[str], rows: Iterable[list[object]], encoding: str = "utf-8-sig") -> Path:
    with path.open("w", newline="", encoding=encoding) as fh:
        writer = csv.writer(fh)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def write_xlsx(path: Path, sheets: dict[str, list[list[object]]]) -> Path:
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    for title, rows in sheets.items():
        ws = wb.create_sheet(title)
        for row in rows:
            ws.append(row)
    wb.save(path)
    return path


def plain_csv(path: Path, rows: Rows) -> Path:
    return write_csv(path, ["科目编码", "科目名称"], ([c, n] for c, n in rows))


@pytest.fixture
def base() -> CodeBook:
    return load_codes(2024)


# --- reading ------------------------------------------------------------------------------------


def test_csv_with_shuffled_and_extra_columns(tmp_path, base):
    rows = bundled_rows()
    shuffled = random.Random(7).sample(rows, len(rows))
    path = write_csv(
        tmp_path / "导出.csv",
        ["级次", "科目名称", "是否末级", "科目编码", "备注"],
        ([len(c), n, "是", c, ""] for c, n in shuffled),
    )
    book = load_code_list(path, base)
    assert book.supplied == {"function", "econ_dept", "econ_gov"}
    assert book.label == "科目代码表 导出.csv"
    assert dict(book.functions) == {c: n for c, n in rows if c[0] == "2"}
    assert book.function_names("2060499") == ("其他技术与开发支出",)  # a supplied list has no aliases
    assert dict(book.econ_dept) == dict(base.econ_dept)
    assert dict(book.econ_gov) == dict(base.econ_gov)
    assert book.function_name("2069999") == "其他科学技术支出"
    assert book.function_classes == base.function_classes  # YS01/YS04 labels stay the bundled ones


def test_csv_in_gbk_with_a_title_row_above_the_header(tmp_path, base):
    """Excel and WPS on Chinese Windows save CSV in GBK; exports often carry a title line."""
    path = tmp_path / "科目.csv"
    with path.open("w", newline="", encoding="gbk") as fh:
        writer = csv.writer(fh)
        writer.writerow(["2024年政府收支分类科目"])
        writer.writerow([])
        writer.writerow(["编码", "名称"])
        writer.writerow(["206", "科学技术支出"])
        writer.writerow(["20699", "其他科学技术支出"])
        writer.writerow(["2069999", "其他科学技术支出"])
    book = load_code_list(path, base)
    assert dict(book.functions) == {"206": "科学技术支出", "20699": "其他科学技术支出", "2069999": "其他科学技术支出"}
    assert book.supplied == {"function"}
    assert book.econ_dept is base.econ_dept  # a list the file lacks stays bundled


def test_xlsx_with_lists_in_separate_sheets_numbers_as_numbers(tmp_path, base):
    """Codes typed as numbers read alike; a sheet without a table (a cover note) is passed over."""
    function = [["说明：从一体化系统导出"], ["科目名称", "科目代码"]] + [[n, int(c)] for c, n in base.functions.items()]
    econ = [["科目编码", "科目名称", "级次"]] + [[c, n, len(c)] for c, n in base.econ_dept.items()]
    path = write_xlsx(tmp_path / "codes.xlsx", {"封面": [["科目代码表"]], "功能分类": function, "经济分类": econ})
    book = load_code_list(path, base)
    assert book.supplied == {"function", "econ_dept"}
    assert dict(book.functions) == dict(base.functions)
    assert dict(book.econ_dept) == dict(base.econ_dept)


def test_revenue_codes_in_a_whole_export_are_passed_over(tmp_path, base):
    path = plain_csv(tmp_path / "全部科目.csv", [("101", "税收收入"), ("10101", "增值税"), ("206", "科学技术支出")])
    assert dict(load_code_list(path, base).functions) == {"206": "科学技术支出"}


def test_same_code_twice_with_the_same_name_is_fine(tmp_path, base):
    path = plain_csv(tmp_path / "codes.csv", [("206", "科学技术支出"), ("206", "科学技术支出")])
    assert dict(load_code_list(path, base).functions) == {"206": "科学技术支出"}


# --- refusals -----------------------------------------------------------------------------------


def refusal(path: Path, base: CodeBook) -> str:
    with pytest.raises(CodeListError) as caught:
        load_code_list(path, base)
    return str(caught.value)


def test_missing_header_is_refused_at_the_first_code(tmp_path, base):
    path = write_csv(tmp_path / "codes.csv", ["代码表"], [["206", "科学技术支出"]])
    assert refusal(path, base) == "科目代码表 codes.csv 无法使用：第 2 行：找不到表头：需要“科目编码”和“科目名称”两列"


def test_header_with_only_one_of_the_columns_is_refused(tmp_path, base):
    path = write_csv(tmp_path / "codes.csv", ["科目编码", "金额"], [])
    assert refusal(path, base) == "科目代码表 codes.csv 无法使用：找不到表头：需要“科目编码”和“科目名称”两列"


def test_duplicate_code_with_two_names_names_both_rows(tmp_path, base):
    path = plain_csv(
        tmp_path / "codes.csv", [("206", "科学技术支出"), ("20699", "其他科学技术支出"), ("206", "科技支出")]
    )
    assert refusal(path, base) == (
        "科目代码表 codes.csv 无法使用：第 4 行：科目编码 206 出现两次，名称不同：“科学技术支出”（第 2 行）与“科技支出”"
    )


def test_text_where_a_code_belongs(tmp_path, base):
    path = write_xlsx(
        tmp_path / "codes.xlsx", {"科目": [["科目编码", "科目名称"], [206, "科学技术支出"], ["合计", "共1项"]]}
    )
    assert refusal(path, base) == "科目代码表 codes.xlsx 无法使用：工作表“科目”第 3 行：科目编码“合计”应为数字"


@pytest.mark.parametrize(
    ("code", "message"),
    [
        ("20699011", "支出功能分类科目编码“20699011”应为 3、5、7 位"),
        ("3010101", "部门预算支出经济分类科目编码“3010101”应为 3、5 位"),
        ("40101", "科目编码“40101”不是支出功能分类（2开头）或支出经济分类（3、5开头）的编码"),
    ],
)
def test_code_of_a_wrong_shape(tmp_path, base, code, message):
    path = plain_csv(tmp_path / "codes.csv", [("206", "科学技术支出"), (code, "某科目")])
    assert refusal(path, base) == f"科目代码表 codes.csv 无法使用：第 3 行：{message}"


def test_code_without_name_and_name_without_code(tmp_path, base):
    assert refusal(plain_csv(tmp_path / "a.csv", [("206", "")]), base) == (
        "科目代码表 a.csv 无法使用：第 2 行：科目编码 206 缺少科目名称"
    )
    assert refusal(plain_csv(tmp_path / "b.csv", [("", "科学技术支出")]), base) == (
        "科目代码表 b.csv 无法使用：第 2 行：有科目名称“科学技术支出”，但缺少科目编码"
    )


def test_not_a_code_list_at_all(tmp_path, base):
    text = tmp_path / "codes.txt"
    text.write_text("206 科学技术支出", encoding="utf-8")
    assert refusal(text, base) == (
        "科目代码表 codes.txt 无法使用：应为 .xlsx 或 .csv 文件（从预算管理一体化系统导出的科目代码表）"
    )
    fake = tmp_path / "codes.xlsx"
    fake.write_bytes(b"not a zip")
    assert refusal(fake, base) == "科目代码表 codes.xlsx 无法使用：不是 Excel 工作簿（.xlsx）：文件不是 zip 格式"
    empty = write_xlsx(tmp_path / "empty.xlsx", {"Sheet": [["无关内容"]]})
    assert refusal(empty, base) == (
        "科目代码表 empty.xlsx 无法使用：没有找到支出功能分类或支出经济分类科目（找不到表头：需要“科目编码”和“科目名称”两列）"
    )
    assert refusal(tmp_path / "missing.csv", base) == "科目代码表 missing.csv 无法使用：文件不存在或无法读取"


def test_binary_file_named_csv(tmp_path, base):
    path = tmp_path / "codes.csv"
    path.write_bytes(b"\x00\x01\x02\xff\xfe" * 20)
    assert refusal(path, base) == "科目代码表 codes.csv 无法使用：不是文本文件（含有空字符）"


def test_a_changed_file_is_read_again(tmp_path, base):
    path = plain_csv(tmp_path / "codes.csv", [("206", "科学技术支出")])
    assert load_code_list(path, base).function_name("206") == "科学技术支出"
    plain_csv(path, [("206", "科学技术支出"), ("20699", "其他科学技术支出")])
    assert load_code_list(path, base).function_name("20699") == "其他科学技术支出"


# --- severity: supplied list against bundled list --------------------------------------------


def findings_with(path: Path, codes: Path | None) -> list[str]:
    budget = load_workbook(path)
    book = codelist.code_book(budget.year, codes=codes)
    return [f.line() for f in check(budget, book)]


def test_example_checks_clean_against_a_complete_supplied_list(tmp_path, example_values):
    codes = plain_csv(tmp_path / "codes.csv", bundled_rows())
    assert findings_with(example_values, codes) == []


def test_a_code_missing_from_the_supplied_list_is_an_error(tmp_path, example_values, rows):
    row = rows.find("YS03", name="其他科学技术支出")
    codes = plain_csv(tmp_path / "codes.csv", without(bundled_rows(), "2069999"))
    lines = findings_with(example_values, codes)
    assert lines[0] == f"[错误] {where('YS03', 'lei', row)} 未知科目：功能分类科目“2069999”不在科目代码表 codes.csv 中"
    assert all(" 未知科目：功能分类科目“2069999”" in line for line in lines)  # the same code on YS02/YS05 and others


def test_economic_code_missing_from_the_supplied_list_is_an_error(tmp_path, example_values, rows):
    pension = rows.find("YS06", dept_code="30108")
    codes = plain_csv(tmp_path / "codes.csv", without(bundled_rows(), "30108"))
    assert findings_with(example_values, codes) == [
        f"[错误] {where('YS06', 'dept_code', pension)} 未知科目：部门预算支出经济分类科目“30108”不在科目代码表 codes.csv 中"
    ]


def test_a_list_the_file_lacks_is_still_graded_as_bundled(tmp_path, broken, rows):
    """A file of 功能分类 only: an unknown 经济分类 code under a known 类 stays a warning."""
    pension = rows.find("YS06", dept_code="30108")
    path = broken(lambda e: e.set("YS06", "dept_code", pension, "30198"))
    codes = plain_csv(tmp_path / "codes.csv", [(c, n) for c, n in bundled_rows() if c[0] == "2"])
    lines = findings_with(path, codes)
    assert len(lines) == 1 and lines[0].startswith(f"[警告] {where('YS06', 'dept_code', pension)} 未知科目")


def test_names_from_the_supplied_list_are_warnings_and_the_document_keeps_the_workbooks(tmp_path, example_values, rows):
    row = rows.find("YS03", name="其他科学技术支出")
    renamed = [(c, "其他科技支出" if c == "2069999" else n) for c, n in bundled_rows()]
    codes = plain_csv(tmp_path / "codes.csv", renamed)
    lines = findings_with(example_values, codes)
    assert lines[0] == (
        f"[警告] {where('YS03', 'name', row)} 科目名称：科目2069999的名称与科目代码表 codes.csv 不同（应为 其他科技支出，实为 其他科学技术支出）"
    )
    prepared = pipeline.prepare(example_values, RenderOptions(codes=codes))
    assert "其他科学技术支出" in prepared.html and "其他科技支出" not in prepared.html


# --- every command and the template folder -------------------------------------------------------


def run(*args: object):
    return CliRunner().invoke(cli.main, [str(a) for a in args])


@pytest.fixture
def short_list(tmp_path) -> Path:
    return plain_csv(tmp_path / "codes.csv", without(bundled_rows(), "2069999"))


@pytest.fixture
def bad_list(tmp_path) -> Path:
    return plain_csv(tmp_path / "bad.csv", [("206", "科学技术支出"), ("abc", "某科目")])


BAD = "科目代码表 bad.csv 无法使用：第 3 行：科目编码“abc”应为数字\n"


def test_check_with_codes(example_values, short_list, bad_list):
    result = run("check", example_values, "--codes", short_list)
    assert result.exit_code == 1
    assert "未知科目：功能分类科目“2069999”不在科目代码表 codes.csv 中" in result.stdout
    assert result.stdout.splitlines()[-1].endswith("（科目表：科目代码表 codes.csv）")
    complete = plain_csv(short_list.parent / "full.csv", bundled_rows())
    result = run("check", example_values, "--codes", complete)
    assert (result.exit_code, result.stdout) == (
        0,
        f"{EXAMPLE_NAME}：0 处错误，0 处警告（科目表：科目代码表 full.csv）\n",
    )
    result = run("check", example_values, "--codes", bad_list)
    assert (result.exit_code, result.stderr) == (1, BAD)


def test_render_with_codes(example_values, short_list, bad_list, tmp_path):
    out = tmp_path / "out"
    result = run("render", example_values, "-o", out, "--format", "html", "--codes", short_list)
    assert result.exit_code == 1
    assert "不在科目代码表 codes.csv 中" in result.stderr
    assert not out.exists() or not any(out.iterdir())
    result = run("render", example_values, "-o", out, "--format", "html", "--codes", bad_list)
    assert (result.exit_code, result.stderr) == (1, BAD)


def test_batch_with_codes(example_values, short_list, bad_list, tmp_path):
    result = run("batch", example_values, "-o", tmp_path / "out", "--format", "html", "--codes", short_list)
    assert result.exit_code == 1
    assert "不在科目代码表 codes.csv 中" in result.stderr
    result = run("batch", example_values, "-o", tmp_path / "out", "--format", "html", "--codes", bad_list)
    assert (result.exit_code, result.stderr) == (1, BAD)


def test_diff_with_codes(example_values, short_list, bad_list):
    result = run("diff", example_values, example_values, "--codes", short_list)
    assert result.exit_code == 0
    assert "有错误，无法生成文档，因此不比较叙述" in result.stdout
    result = run("diff", example_values, example_values, "--codes", bad_list)
    assert (result.exit_code, result.stderr) == (1, BAD)


def test_watch_with_codes(example_values, short_list, bad_list, tmp_path):
    from generator.frontends.watch import watch

    lines: list[str] = []
    watch(
        example_values,
        tmp_path / "out",
        ("html",),
        options=RenderOptions(codes=short_list),
        echo=lines.append,
        keep_going=lambda: False,
    )
    assert any("不在科目代码表 codes.csv 中" in line for line in lines)
    result = run("watch", example_values, "-o", tmp_path / "out", "--codes", bad_list)
    assert (result.exit_code, result.stderr) == (1, BAD)


@pytest.mark.parametrize("name", ["codes.csv", "codes.xlsx"])
def test_template_folder_code_list(example_values, tmp_path, name):
    folder = tmp_path / "本局模板"
    folder.mkdir()
    rows = without(bundled_rows(), "2069999")
    if name.endswith(".csv"):
        plain_csv(folder / name, rows)
    else:
        write_xlsx(folder / name, {"科目": [["科目编码", "科目名称"], *map(list, rows)]})
    result = run("check", example_values, "--templates", folder)
    assert result.exit_code == 1
    assert result.stdout.splitlines()[-1].endswith(f"（科目表：科目代码表 {name}）")
    # --codes wins over the folder's list
    full = plain_csv(tmp_path / "full.csv", bundled_rows())
    assert run("check", example_values, "--templates", folder, "--codes", full).exit_code == 0


def test_input_files_are_never_modified(example_values, short_list):
    before = short_list.read_bytes(), example_values.read_bytes()
    run("check", example_values, "--codes", short_list)
    assert (short_list.read_bytes(), example_values.read_bytes()) == before


def test_help_of_every_command_offers_codes():
    for command in ("check", "render", "batch", "watch", "diff"):
        assert "--codes" in run(command, "--help").stdout, command


# --- the severity matrix, in one place ------------------------------------------------------------

MATRIX = [
    # (what the YS03 row's 类/款/项 become, bundled list's verdict, supplied list's verdict)
    (("206", "99", "98"), "warning", "error"),  # a 项 neither list has, under a known 款
    (("206", "97", "99"), "warning", "error"),  # a 款 neither list has, under a known 类
    (("298", "99", "99"), "error", "error"),  # an unknown 类
    (("206", "9", "999"), "error", "error"),  # malformed: 款 of one digit and 项 of three
    (("206", "99", "99"), None, None),  # a code both lists have
]


@pytest.mark.parametrize(("code", "bundled", "supplied"), MATRIX)
def test_severity_matrix(tmp_path, broken, rows, code, bundled, supplied):
    row = rows.find("YS03", name="其他科学技术支出")

    def edit(e) -> None:
        for key, value in zip(("lei", "kuan", "xiang"), code, strict=True):
            e.set("YS03", key, row, value)

    path = broken(edit)
    official = plain_csv(tmp_path / "codes.csv", bundled_rows())
    for codes, expected in ((None, bundled), (official, supplied)):
        budget = load_workbook(path)
        found = [f for f in check(budget, codelist.code_book(budget.year, codes=codes)) if f.rule == "未知科目"]
        assert [f.severity for f in found] == ([expected] if expected else []), (codes, [f.line() for f in found])
        if expected:
            assert found[0].cell == where("YS03", "lei", row).split("!")[1]
