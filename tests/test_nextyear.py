"""Next year from this year: ``init --from`` carries last year's workbook over, ``--previous`` checks 上年数 against it."""

# ruff: noqa: E501 - expected messages and finding lines are quoted whole, word for word

from __future__ import annotations

import hashlib
import io
import json
import re
import shutil
from decimal import Decimal
from pathlib import Path
from urllib.parse import unquote

import openpyxl
import pytest
from click.testing import CliRunner
from support import EXAMPLE, SECOND, Editor, spec, values_copy

from generator.frontends import cli
from generator.jobs.nextyear import CARRIED_FILL, PROJECT_KEPT, LastYearError, read_last_year, start_from
from generator.options import RenderOptions
from generator.stages.check import check, has_errors
from generator.stages.derive import complete
from generator.stages.figures import headline
from generator.workbook import schema
from generator.workbook.blank import save
from generator.workbook.load import load_workbook

D = Decimal

# The figures each example's own document prints (its 收入总计, 三公 items, 机构运行经费 …):
# next year's 上年数 must be these, whatever last year's own 上年数 said.
PRINTED = {
    EXAMPLE.name: {
        "income_total": D("1959.63"),
        "spending_total": D("1959.63"),
        "gpb": D("1959.63"),
        "gov_fund": D("0"),
        "soe": D("0"),
        "abroad": D("0"),
        "reception": D("3.00"),
        "vehicle_purchase": D("0"),
        "vehicle_running": D("4.00"),
        "operating_cost": D("17.05"),
    },
    SECOND.name: {
        "income_total": D("3507.48"),
        "spending_total": D("3507.48"),
        "gpb": D("2132.48"),
        "gov_fund": D("50.00"),
        "soe": D("0"),
        "abroad": D("0"),
        "reception": D("2.50"),
        "vehicle_purchase": D("24.00"),
        "vehicle_running": D("8.00"),
        "operating_cost": D("76.30"),
    },
}
CARRIED = [
    "部门名称",
    "部门编码",
    "单位编码",
    "财政级次",
    "主要职责",
    "内设机构",
    "预算单位构成",
    "人员经费主要包括",
    "公用经费主要包括",
    "名词解释",
]
EXAMPLES = [EXAMPLE, SECOND]


def run(*args: object):
    return CliRunner().invoke(cli.main, [str(a) for a in args])


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture(scope="module", params=EXAMPLES, ids=["2024", "2025"])
def last(request) -> Path:
    return request.param


@pytest.fixture(scope="module")
def started(last: Path, tmp_path_factory) -> Path:
    """Next year's workbook started from ``last`` (no projects kept), as ``init --from`` writes it."""
    target = tmp_path_factory.mktemp("next") / "next.xlsx"
    before = digest(last)
    result = run("init", target, "--from", last)
    assert result.exit_code == 0, result.output
    assert digest(last) == before
    return target


@pytest.fixture(scope="module")
def first(tmp_path_factory) -> Path:
    """2025's workbook started from the first example (2024)."""
    target = tmp_path_factory.mktemp("first") / "2025.xlsx"
    save(start_from(EXAMPLE).workbook, target)
    return target


@pytest.fixture(scope="module")
def kept(last: Path, tmp_path_factory) -> Path:
    """The same with ``--keep-projects``."""
    target = tmp_path_factory.mktemp("kept") / "kept.xlsx"
    save(start_from(last, keep_projects=True).workbook, target)
    return target


# --- init --from: what carries over ------------------------------------------------------------


def test_prior_figures_are_last_years_printed_figures(last, started):
    budget, old = load_workbook(started), load_workbook(last)
    assert budget.prior.values == PRINTED[last.name]
    # the same computation the document uses, not a re-implementation
    current = headline(old, complete(old)).current
    assert budget.prior.values == {p.key: current[p.key] for p in schema.PRIOR}
    assert budget.year == old.year + 1


def test_bureau_facts_carry_over_and_year_facts_are_left_empty(last, started):
    new, old = load_workbook(started).facts.values, load_workbook(last).facts.values
    carried = [f for f in schema.FACTS if f.carry]
    assert [f.label for f in carried] == CARRIED
    for fact in carried:
        assert new.get(fact.key) == old.get(fact.key), fact.label
    for fact in schema.FACTS:
        if not fact.carry and fact.key != "year":
            assert new.get(fact.key) in (None, []), fact.label


def test_data_tables_are_empty(started):
    budget = load_workbook(started)
    assert [code for code, t in budget.tables.items() if t.filled] == []
    assert {code for code, t in budget.tables.items() if t.rows} == {"YS01", "YS04"}  # the printed labels only


def test_kept_projects_have_their_goals_and_no_amounts(last, kept):
    old, new = load_workbook(last), load_workbook(kept)
    running = [r for r in old.table("YS10").of("project") if r.text("kind") == "其他运转类"]
    assert [r.values.get("name") for r in new.table("YS10").rows] == [r.values.get("name") for r in running]
    assert all(r.kind == "project" for r in new.table("YS10").rows)
    for row in (*new.table("YS10").rows, *new.table("YS12").rows):
        assert [k for k in row.spec.amount_keys() if row.values.get(k) is not None] == []
    codes = {r.text("project_code") for r in running}
    assert {r.text("code") for r in new.table("YS12").of("project")} == codes
    goals = {r.text("code"): r for r in old.table("YS12").of("project")}
    for row in new.table("YS12").of("project"):
        assert row.text("output_ind") == goals[row.text("code")].text("output_ind")
    assert [code for code, t in new.tables.items() if t.filled] == ["YS10", "YS12"]


def test_kept_projects_of_the_first_example(tmp_path):
    target = tmp_path / "kept.xlsx"
    save(start_from(EXAMPLE, keep_projects=True).workbook, target)
    new = load_workbook(target)
    assert len(new.table("YS10").rows) == 6
    assert [r.kind for r in new.table("YS12").rows].count("continuation") == 12
    ys10, ys12 = (
        openpyxl.load_workbook(target)[spec("YS10").sheet_name],
        openpyxl.load_workbook(target)[spec("YS12").sheet_name],
    )
    note = "自2024年工作簿带入的其他运转类项目：金额请按本年预算填写，不再安排的请删除整行。"
    for row in new.table("YS10").rows:
        assert ys10[row.cell("kind")].comment.text == note
        assert ys10[row.cell("name")].fill.fgColor.rgb == CARRIED_FILL.fgColor.rgb
    for row in new.table("YS12").rows:
        comment = ys12[row.cell("code" if row.kind == "project" else "output_ind")].comment
        assert (comment.text if comment else None) == (note if row.kind == "project" else None)


def test_carried_cells_are_marked(last, started):
    wb = openpyxl.load_workbook(started)
    budget = load_workbook(started)
    facts = wb[schema.FACTS_SHEET]
    for fact in schema.FACTS:
        cells = budget.facts.item_cells.get(fact.key) or [budget.facts.cells[fact.key]]
        for ref in cells:
            marked = facts[ref].fill.fgColor.rgb == CARRIED_FILL.fgColor.rgb
            assert marked == (fact.carry and budget.facts.values.get(fact.key) not in (None, [])), (fact.label, ref)
        first = facts[budget.facts.cells[fact.key]]
        if fact.carry:
            assert first.comment.text == f"自{budget.year - 1}年工作簿带入，请核对是否仍然适用。"
    prior = wb[schema.PRIOR_SHEET]
    for row in range(2, 2 + len(schema.PRIOR)):
        assert prior[f"B{row}"].fill.fgColor.rgb == CARRIED_FILL.fgColor.rgb
        assert prior[f"B{row}"].comment.text == (
            f"由{budget.year - 1}年工作簿 {last.name} 算出（该年预算公开印出的数字），请核对。"
        )


def test_year_specific_facts_keep_last_years_text_in_a_comment(started, last):
    wb = openpyxl.load_workbook(started)
    cell = wb[schema.FACTS_SHEET][load_workbook(started).facts.cells["key_evaluation"]]
    old = load_workbook(last).facts.text("key_evaluation")
    assert cell.value is None
    assert cell.comment.text == f"每年按当年情况填写，未带入，请重新填写。{load_workbook(last).year}年为：{old}"


def test_a_carried_fact_worded_with_the_old_year_is_left_empty(broken, tmp_path):
    last = broken(lambda e: e.fact("预算单位构成", "义马市工业信息化和科技局2024年本级预算"), name="上年.xlsx")
    result = start_from(last)
    target = tmp_path / "new.xlsx"
    save(result.workbook, target)
    budget = load_workbook(target)
    assert budget.facts.values.get("composition") is None
    assert "预算单位构成" in result.left and "预算单位构成" not in result.carried
    cell = openpyxl.load_workbook(target)[schema.FACTS_SHEET][budget.facts.cells["composition"]]
    assert (
        cell.comment.text
        == "上年的内容写有“2024”，未带入，请重新填写。2024年为：义马市工业信息化和科技局2024年本级预算"
    )


def test_a_code_holding_the_years_digits_is_carried(broken):
    last = broken(
        lambda e: (e.fact("部门编码", "2024"), e.fact("主要职责", "落实2024—2025年行动计划")), name="上年.xlsx"
    )
    result = start_from(last)
    assert "部门编码" in result.carried
    assert "主要职责" in result.left  # the year named in a text: wrong next year


def test_a_year_given_is_used(tmp_path):
    result = run("init", tmp_path / "new.xlsx", "--from", EXAMPLE, "--year", 2026)
    assert result.exit_code == 0, result.output
    assert load_workbook(tmp_path / "new.xlsx").year == 2026


# --- filled in, the new workbook checks as any other -------------------------------------------


def fill_as_last_year(new: Path, last: Path, target: Path) -> Path:
    """``new`` filled with ``last``'s tables and year-specific facts: a year with nothing changed."""
    source = openpyxl.load_workbook(values_copy(last, new.with_name(f"{new.stem}-last-values.xlsx")))
    wb = openpyxl.load_workbook(new)
    editor, old = Editor(wb), load_workbook(last)
    for table in schema.TABLES:
        src, dst = source[table.sheet_name], wb[table.sheet_name]
        for row in range(table.data_row, max(src.max_row, dst.max_row) + 1):
            for col in range(1, len(table.columns) + 1):
                dst.cell(row=row, column=col).value = src.cell(row=row, column=col).value
    for fact in schema.FACTS:
        value = old.facts.values.get(fact.key)
        if not fact.carry and fact.key != "year" and value is not None:
            editor.fact(fact.label, value)
    wb.save(target)
    return target


@pytest.mark.parametrize("source", ["started", "kept"])
def test_filled_in_it_checks_clean_also_against_last_year(last, source, request, tmp_path):
    filled = fill_as_last_year(request.getfixturevalue(source), last, tmp_path / "filled.xlsx")
    budget = load_workbook(filled)
    findings = check(budget, last=read_last_year(last))
    assert [f.line() for f in findings if f.severity == "error"] == []
    assert not has_errors(findings)
    result = run("check", filled, "--previous", last)
    assert result.exit_code == 0, result.output


# --- init --from: refusals ----------------------------------------------------------------------


def test_last_with_errors_is_refused_with_its_findings(broken, tmp_path):
    last = broken(lambda e: e.fact("部门名称", None), name="有错误.xlsx")
    before = digest(last)
    target = tmp_path / "new.xlsx"
    result = run("init", target, "--from", last)
    assert result.exit_code == 1
    assert result.stderr == (
        "上年工作簿 有错误.xlsx 有 1 处错误，不能据以生成新年度工作簿：请先改正\n"
        "  [错误] 基本信息!B3 必填项：“部门名称”未填写\n"
    )
    assert not target.exists() and list(tmp_path.glob("*.part")) == []
    assert digest(last) == before


def test_last_that_is_not_a_workbook_is_refused(tmp_path):
    last = tmp_path / "上年.xlsx"
    last.write_text("不是工作簿", encoding="utf-8")
    result = run("init", tmp_path / "new.xlsx", "--from", last)
    assert result.exit_code == 1
    assert result.stderr == "无法读取上年工作簿 上年.xlsx：不是 Excel 工作簿（.xlsx）：文件不是 zip 格式\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["上年.xlsx"]


def test_last_with_a_bad_cell_is_refused_naming_it(broken, tmp_path):
    last = broken(lambda e: e.prior("收入总计", "很多"), name="上年.xlsx")
    result = run("init", tmp_path / "new.xlsx", "--from", last)
    assert result.exit_code == 1
    assert result.stderr == "无法读取上年工作簿 上年.xlsx：上年数!B2：“收入总计”应填金额，不能是“很多”\n"
    assert not (tmp_path / "new.xlsx").exists()


@pytest.mark.parametrize("year", [2023, 2024])
def test_a_year_not_after_last_years_is_refused(tmp_path, year):
    result = run("init", tmp_path / "new.xlsx", "--from", EXAMPLE, "--year", year)
    assert result.exit_code == 1
    assert result.stderr == (
        f"预算年度 {year} 应在上年工作簿 {EXAMPLE.name} 的预算年度之后：该工作簿 基本信息!B4 为 2024 年\n"
    )
    assert not (tmp_path / "new.xlsx").exists()


def test_usage_errors(tmp_path):
    copy = tmp_path / "上年.xlsx"
    shutil.copyfile(EXAMPLE, copy)
    before = digest(copy)
    result = run("init", copy, "--from", copy, "--force")
    assert result.exit_code == 2
    assert "Error: 新工作簿不能写在上年工作簿" in result.stderr
    result = run("init", tmp_path / "new.xlsx", "--keep-projects")
    assert result.exit_code == 2
    assert "Error: --keep-projects 须与 --from 上年工作簿 一起使用" in result.stderr
    result = run("init", tmp_path / "new.xlsx", "--codes", tmp_path / "codes.csv")
    assert result.exit_code == 2
    assert "Error: --codes 须与 --from 上年工作簿 一起使用" in result.stderr
    assert not (tmp_path / "new.xlsx").exists()
    existing = tmp_path / "existing.xlsx"
    existing.write_bytes(b"keep me")
    result = run("init", existing, "--from", copy)
    assert result.exit_code == 2 and existing.read_bytes() == b"keep me"
    assert digest(copy) == before


def test_init_from_says_what_it_carried(tmp_path):
    result = run("init", tmp_path / "new.xlsx", "--from", SECOND, "--keep-projects")
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[:3] == [
        f"已从 {SECOND.name}（2025年）生成 2026 年工作簿：{tmp_path / 'new.xlsx'}",
        "  带入（请核对，已用黄色标出）：" + "、".join(CARRIED) + "；上年数 10 项",
        "  带入其他运转类项目 4 个（金额留空）",
    ]


# --- check --previous ---------------------------------------------------------------------------


def test_previous_equal_gives_nothing(started, last):
    findings = check(load_workbook(started), last=read_last_year(last))
    assert [f for f in findings if f.rule == "上年数不符"] == []


def test_each_changed_figure_is_an_error_at_its_cell(first, tmp_path):
    wb = openpyxl.load_workbook(first)
    editor = Editor(wb)
    editor.prior("收入总计", 1981.65)
    editor.prior("公务接待费", 3.004)  # the same figure to the cent
    editor.prior("机构运行经费", 16.06)
    changed = tmp_path / "2025预算.xlsx"
    wb.save(changed)
    before = (digest(changed), digest(EXAMPLE))
    result = run("check", changed, "--previous", EXAMPLE)
    assert result.exit_code == 1
    assert (digest(changed), digest(EXAMPLE)) == before
    lines = [line.strip() for line in result.stdout.splitlines() if "上年数不符" in line]
    assert lines == [
        f"[错误] 上年数!B2 上年数不符：上年数“收入总计”与上年工作簿 {EXAMPLE.name} 算出的数字不同（应为 1959.63，实为 1981.65）",
        f"[错误] 上年数!B11 上年数不符：上年数“机构运行经费”与上年工作簿 {EXAMPLE.name} 算出的数字不同（应为 17.05，实为 16.06）",
    ]


def test_the_second_example_against_the_first(example_path):
    """Another bureau's workbook of the year before: every figure that differs is named, in JSON too."""
    result = run("check", SECOND, "--previous", example_path, "--format", "json")
    assert result.exit_code == 1
    findings = json.loads(result.stdout)["findings"]
    mismatched = [f for f in findings if f["rule"] == "上年数不符"]
    assert [f["where"] for f in mismatched] == ["基本信息!B5"] + [f"上年数!B{n}" for n in (2, 3, 4, 5, 8, 9, 10, 11)]
    assert mismatched[0]["severity"] == "warning"  # another bureau's workbook
    mismatched = mismatched[1:]
    assert mismatched[0]["expected"] == "1959.63" and mismatched[0]["found"] == "3296.50"


def test_a_workbook_of_another_year_or_bureau_is_named(example_path):
    findings = check(load_workbook(example_path), last=read_last_year(SECOND))
    assert [f.line() for f in findings if f.sheet == schema.FACTS_SHEET] == [
        f"[警告] 基本信息!B4 上年数不符：上年工作簿 {SECOND.name} 的预算年度为 2025 年，不是 2023 年：请核对是否选错了文件",
        f"[警告] 基本信息!B5 上年数不符：上年工作簿 {SECOND.name} 是柳溪县卫生健康局（部门编码 305）的，不是部门编码 021：请核对是否选错了文件",
    ]


def test_the_same_bureau_a_year_before_gives_no_warning(first):
    findings = check(load_workbook(first), last=read_last_year(EXAMPLE))
    assert [f.line() for f in findings if f.rule == "上年数不符"] == []


def test_previous_that_does_not_load_is_refused(tmp_path, example_path):
    bad = tmp_path / "上年.xlsx"
    bad.write_bytes(b"PK\x03\x04 broken")
    for command in (["check", example_path], ["render", example_path, "-o", tmp_path / "out"]):
        result = run(*command, "--previous", bad)
        assert result.exit_code == 1
        assert (
            result.stderr
            == "无法读取上年工作簿 上年.xlsx：文件不完整或已损坏（可能在下载或复制时中断）：请重新获取文件\n"
        )
    assert not (tmp_path / "out").exists()
    with pytest.raises(LastYearError):
        read_last_year(bad)


def test_previous_with_errors_is_still_compared(broken, first):
    """A corrected or stricter-checked workbook is compared as given (预算调整): only unreadable ones are refused."""
    wrong = broken(lambda e: (e.fact("部门名称", None), e.prior("收入总计", 1)), name="上年.xlsx")
    findings = check(load_workbook(first), last=read_last_year(wrong))
    assert [f for f in findings if f.rule == "上年数不符"] == []


def test_render_refuses_a_changed_figure(tmp_path, example_path):
    result = run("render", SECOND, "--previous", example_path, "--format", "html", "-o", tmp_path)
    assert result.exit_code == 1
    assert (
        f"上年数!B2 上年数不符：上年数“收入总计”与上年工作簿 {example_path.name} 算出的数字不同（应为 1959.63，实为 3296.50）"
        in result.stderr
    )
    assert list(tmp_path.iterdir()) == []


def test_batch_takes_previous(tmp_path, example_path):
    result = run("batch", SECOND, "--previous", example_path, "--format", "html", "-o", tmp_path / "out", "-j", 1)
    assert result.exit_code == 1
    assert "上年数!B2 上年数不符" in result.stderr


# --- the web page -------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def client(tmp_path_factory):
    from generator.frontends import web

    app = web.create_app(workdir=tmp_path_factory.mktemp("web"))
    yield app.test_client()
    app.extensions["budget_report"].close()


def token(client) -> dict[str, str]:
    """The web page's form token, which every post carries (support.form_token)."""
    from support import FORM_TOKEN_FIELD, form_token

    return {FORM_TOKEN_FIELD: form_token(client)}


def message(response) -> str:
    return re.sub(r"\s+", " ", re.findall(r"<strong>(.*?)</strong>", response.get_data(as_text=True), re.S)[0])


def test_web_offers_next_year_from_last_years_upload(client, tmp_path):
    page = client.get("/").get_data(as_text=True)
    assert 'action="/next.xlsx"' in page and '<input id="previous" type="file" name="previous"' in page
    data = {"last": (io.BytesIO(SECOND.read_bytes()), "去年.xlsx"), "keep_projects": "1", **token(client)}
    response = client.post("/next.xlsx", data=data, content_type="multipart/form-data")
    assert response.status_code == 200
    disposition = unquote(response.headers["Content-Disposition"])
    assert disposition.endswith("filename*=UTF-8''2026年部门预算标准工作簿（据去年）.xlsx")
    target = tmp_path / "next.xlsx"
    target.write_bytes(response.data)
    budget = load_workbook(target)
    assert budget.year == 2026 and budget.prior.values == PRINTED[SECOND.name]
    assert len(budget.table("YS10").rows) == 4


def test_web_refuses_last_year_that_does_not_load(client):
    data = {"last": (io.BytesIO(b"junk"), "去年.xlsx"), "year": "2026", **token(client)}
    response = client.post("/next.xlsx", data=data, content_type="multipart/form-data")
    assert response.status_code == 422
    assert message(response) == "无法读取上年工作簿 去年.xlsx：不是 Excel 工作簿（.xlsx）：文件不是 zip 格式"
    response = client.post("/next.xlsx", data={"year": "2026", **token(client)}, content_type="multipart/form-data")
    assert response.status_code == 400


def test_web_checks_prior_against_the_uploaded_last_year(client):
    data = {
        "files": [(io.BytesIO(SECOND.read_bytes()), SECOND.name)],
        "previous": (io.BytesIO(EXAMPLE.read_bytes()), "去年.xlsx"),
        **token(client),
    }
    response = client.post("/upload", data=data, content_type="multipart/form-data")
    assert response.status_code == 303
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "上年数“收入总计”与上年工作簿 去年.xlsx 算出的数字不同" in page
    assert "last-year.xlsx" not in page
    data = {
        "files": [(io.BytesIO(SECOND.read_bytes()), SECOND.name)],
        "previous": (io.BytesIO(b"junk"), "去年.xlsx"),
        **token(client),
    }
    response = client.post("/upload", data=data, content_type="multipart/form-data")
    assert response.status_code == 422
    assert message(response) == "无法读取上年工作簿 去年.xlsx：不是 Excel 工作簿（.xlsx）：文件不是 zip 格式"


def test_kept_columns_hold_no_amount():
    assert [k for k in PROJECT_KEPT if spec("YS10").column(k).kind == "amount"] == []


def test_last_is_checked_against_the_official_list_given(tmp_path):
    """With --codes, LAST is checked against the bureau's official list: a code it lacks is an error there."""
    from generator.reference.codes import load_codes

    book = load_codes(2024)
    rows = [(fc.code, fc.name) for fc in book.function_classes] + list(book.functions.items())
    rows += list(book.econ_dept.items()) + list(book.econ_gov.items())
    codes = tmp_path / "codes.csv"
    codes.write_text("科目编码,科目名称\n" + "".join(f"{c},{n}\n" for c, n in rows if c != "2069999"), encoding="utf-8")
    result = run("init", tmp_path / "new.xlsx", "--from", EXAMPLE, "--codes", codes)
    assert result.exit_code == 1
    assert result.stderr.splitlines()[0] == f"上年工作簿 {EXAMPLE.name} 有 1 处错误，不能据以生成新年度工作簿：请先改正"
    assert "功能分类科目“2069999”不在科目代码表 codes.csv 中" in result.stderr
    assert not (tmp_path / "new.xlsx").exists()


def test_watch_checks_against_previous(tmp_path, example_path):
    from generator.frontends.watch import run_once

    said: list[str] = []
    assert not run_once(SECOND, tmp_path, ("html",), RenderOptions(previous=example_path), said.append)
    lines = said[0].splitlines()
    assert lines[0] == f"工作簿 {SECOND.name} 有 8 处错误，未生成文档："
    assert lines[1].strip().startswith("[错误] 上年数!B2 上年数不符")
    assert list(tmp_path.iterdir()) == []


def test_batch_finds_each_workbooks_last_year_in_a_folder(tmp_path):
    """``batch --previous 上年/``: each workbook is compared with its own last year, found by name."""
    last_folder, this_folder = tmp_path / "上年", tmp_path / "本年"
    last_folder.mkdir()
    this_folder.mkdir()
    shutil.copyfile(SECOND, last_folder / SECOND.name)
    new = tmp_path / "new.xlsx"
    save(start_from(SECOND).workbook, new)
    fill_as_last_year(new, SECOND, this_folder / "柳溪县卫生健康局2026.xlsx")
    shutil.copyfile(EXAMPLE, this_folder / "其他局2025.xlsx")
    result = run("batch", this_folder, "--previous", last_folder, "--format", "html", "-o", tmp_path / "out", "-j", 1)
    assert result.exit_code == 1
    assert result.stderr.splitlines()[-1] == (
        f"{this_folder / '其他局2025.xlsx'}：上年文件夹 {last_folder} 中没有它的上年工作簿（应为 其他局2024.xlsx 或 其他局2025.xlsx），未生成"
    )
    assert "1 个工作簿已生成，1 个失败" in result.stdout
    assert sorted(p.name for p in (tmp_path / "out").iterdir() if p.name != ".budget-report") == [
        "index.html",
        "柳溪县卫生健康局2026.html",
        "汇总.xlsx",
    ]


def test_batch_with_a_folder_compares_figures(tmp_path):
    last_folder = tmp_path / "上年"
    last_folder.mkdir()
    shutil.copyfile(EXAMPLE, last_folder / "柳溪县卫生健康局2024.xlsx")  # another bureau's file under the name
    result = run("batch", SECOND, "--previous", last_folder, "--format", "html", "-o", tmp_path / "out", "-j", 1)
    assert result.exit_code == 1
    assert (
        "上年数!B2 上年数不符：上年数“收入总计”与上年工作簿 柳溪县卫生健康局2024.xlsx 算出的数字不同" in result.stderr
    )
