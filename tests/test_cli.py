"""The command line: exit codes, text and JSON output, no traceback for a clerk, input never modified, init → fill → check."""

# ruff: noqa: E501 - expected messages and finding lines are quoted whole, word for word

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
import zipfile
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner
from support import EXAMPLE_NAME, ROOT, SMALL_BUREAU, Editor, fill_small, small_row, spec, where

from generator.frontends import cli
from generator.jobs import pipeline
from generator.stages.check import check
from generator.stages.derive import complete
from generator.workbook.load import load_workbook

D = Decimal


def run(*args: str):
    return CliRunner().invoke(cli.main, [str(a) for a in args])


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def broken_with_findings(broken, rows) -> Path:
    """Errors on 基本信息, YS03 and YS08, and a warning on YS03."""
    medical = rows.find("YS03", name="事业单位医疗")
    science = rows.find("YS03", name="其他科学技术支出")

    def edit(e: Editor) -> None:
        e.fact("部门名称", None)
        e.set("YS03", "total", medical, 1.84)
        e.set("YS03", "name", science, "其他科学技术")
        e.set("YS08", "total", spec("YS08").data_row, 8)

    return broken(edit, name="有错误.xlsx")


# --- check: exit codes and output ---------------------------------------------------------------


def test_check_clean_example_exits_0_and_leaves_it_unchanged(example_path):
    before, mtime = digest(example_path), example_path.stat().st_mtime_ns
    result = run("check", example_path)
    assert result.exit_code == 0, result.output
    assert result.stdout == f"{EXAMPLE_NAME}：0 处错误，0 处警告（科目表：内置2024年科目表）\n"
    assert result.stderr == ""
    assert digest(example_path) == before
    assert example_path.stat().st_mtime_ns == mtime


def test_check_with_errors_exits_1_grouped_by_table(broken, rows):
    path = broken_with_findings(broken, rows)
    before = digest(path)
    listing = sorted(p.name for p in path.parent.iterdir())
    result = run("check", path)
    assert result.exit_code == 1
    medical = rows.find("YS03", name="事业单位医疗")
    science = rows.find("YS03", name="其他科学技术支出")
    assert result.stdout.splitlines() == [
        "基本信息",
        f"  [错误] 基本信息!B{rows.fact('部门名称')} 必填项：“部门名称”未填写",
        "YS03 部门支出总体情况表",
        f"  [错误] {where('YS03', 'total', medical)} 小计不符：合计应等于基本支出小计＋项目支出小计（应为 0.844，实为 1.84）",
        f"  [警告] {where('YS03', 'name', science)} 科目名称：科目2069999的名称与内置2024年科目表不同（应为 其他科学技术支出，实为 其他科学技术）",
        "YS08 一般公共预算“三公”经费支出情况表",
        f"  [错误] {where('YS08', 'total', spec('YS08').data_row)} 小计不符：“三公”经费合计应等于因公出国（境）费＋公务用车购置及运行费小计＋公务接待费（应为 7.00，实为 8.00）",
        "有错误.xlsx：3 处错误，1 处警告（科目表：内置2024年科目表）",
    ]
    assert "Traceback" not in result.output
    # check never writes: the workbook is byte for byte the same and nothing was added beside it
    assert digest(path) == before
    assert sorted(p.name for p in path.parent.iterdir()) == listing


def test_check_with_warnings_only_exits_0(broken, rows):
    science = rows.find("YS03", name="其他科学技术支出")
    path = broken(lambda e: e.set("YS03", "name", science, "其他科学技术"), name="警告.xlsx")
    result = run("check", path)
    assert result.exit_code == 0
    assert result.stdout.splitlines()[-1] == "警告.xlsx：0 处错误，1 处警告（科目表：内置2024年科目表）"


def test_check_json(broken, rows):
    path = broken_with_findings(broken, rows)
    result = run("check", path, "--format", "json")
    assert result.exit_code == 1
    payload = json.loads(result.stdout)
    assert set(payload) == {"workbook", "errors", "warnings", "codes", "findings"}
    assert payload["codes"] == "内置2024年科目表"
    assert payload["workbook"] == str(path)
    assert (payload["errors"], payload["warnings"]) == (3, 1)
    expected = [f.as_dict() for f in check(load_workbook(path))]
    assert payload["findings"] == expected
    medical = rows.find("YS03", name="事业单位医疗")
    assert payload["findings"][1] == {
        "severity": "error",
        "sheet": "YS03",
        "cell": f"F{medical}",
        "where": where("YS03", "total", medical),
        "rule": "小计不符",
        "message": "合计应等于基本支出小计＋项目支出小计",
        "expected": "0.844",
        "found": "1.84",
    }
    assert payload["findings"][0]["sheet"] == "基本信息"
    assert "Traceback" not in result.output


def test_check_json_clean(example_values):
    result = run("check", example_values, "--format", "json")
    assert result.exit_code == 0
    assert json.loads(result.stdout) == {
        "workbook": str(example_values),
        "errors": 0,
        "warnings": 0,
        "codes": "内置2024年科目表",
        "findings": [],
    }


# --- check: unreadable files ------------------------------------------------------------------


def test_unreadable_workbook_exits_1_without_traceback(broken, rows):
    medical = rows.find("YS03", name="事业单位医疗")
    path = broken(lambda e: e.set("YS03", "total", medical, "0.84万元"), name="文字.xlsx")
    before = digest(path)
    for args in (("check", path), ("check", path, "--format", "json")):
        result = run(*args)
        assert result.exit_code == 1
        assert result.stdout == ""
        assert result.stderr == f"无法读取工作簿 文字.xlsx：YS03!F{medical}：合计应填金额，不能是“0.84万元”\n"
        assert "Traceback" not in result.output
    assert digest(path) == before


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "文件是空的"),
        (b"not a workbook", "不是 Excel 工作簿（.xlsx）：文件不是 zip 格式"),
        (None, "无法打开文件：No such file or directory"),
    ],
    ids=["empty", "text", "missing"],
)
def test_not_a_workbook_exits_1(tmp_path, content, message):
    path = tmp_path / "预算.xlsx"
    if content is not None:
        path.write_bytes(content)
    result = run("check", path)
    assert result.exit_code == 1
    assert result.stderr == f"无法读取工作簿 预算.xlsx：{message}\n"
    assert "Traceback" not in result.output


def test_unexpected_failure_is_reported_without_traceback(monkeypatch, example_values):
    def boom(path, **_options):
        raise RuntimeError("boom")

    monkeypatch.setattr(pipeline, "inspect", boom)
    result = run("check", example_values)
    assert result.exit_code == 1
    assert result.stderr == "内部错误：RuntimeError：boom（加 --debug 查看详情）\n"
    assert "Traceback" not in result.output
    debug = run("--debug", "check", example_values)
    assert debug.exit_code == 1
    assert "Traceback" in debug.stderr and "RuntimeError: boom" in debug.stderr


def test_installed_command(broken, rows):
    """The console script itself: exit 1, the finding on stdout, no traceback."""
    medical = rows.find("YS03", name="事业单位医疗")
    path = broken(lambda e: e.set("YS03", "total", medical, 1.84))
    before = digest(path)
    done = subprocess.run(
        [str(ROOT / ".venv" / "bin" / "budget-report"), "check", str(path)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 1
    assert f"  [错误] YS03!F{medical} 小计不符：" in done.stdout
    assert "Traceback" not in done.stdout + done.stderr
    assert digest(path) == before


# --- usage errors exit 2 --------------------------------------------------------------------------


def test_check_without_argument_exits_2():
    result = run("check")
    assert result.exit_code == 2
    assert "Missing argument 'WORKBOOK'" in result.stderr


def test_check_bad_format_exits_2(example_values):
    result = run("check", example_values, "--format", "xml")
    assert result.exit_code == 2
    assert "Invalid value for '--format'" in result.stderr
    assert result.stdout == ""


def test_unknown_command_exits_2():
    assert run("verify", "x.xlsx").exit_code == 2


def test_init_refuses_to_overwrite_without_force(tmp_path):
    path = tmp_path / "已有.xlsx"
    path.write_bytes(b"keep me")
    result = run("init", path, "--year", "2024")
    assert result.exit_code == 2
    assert f"{path} 已存在；如确需覆盖，请加 --force" in result.stderr
    assert path.read_bytes() == b"keep me"
    forced = run("init", path, "--year", "2024", "--force")
    assert forced.exit_code == 0, forced.output
    assert forced.stdout == f"已生成空白工作簿：{path}（公开格式：henan，河南省部门（单位）预算公开（YS01–YS14））\n"
    assert zipfile.is_zipfile(path)
    assert [p.name for p in tmp_path.iterdir()] == ["已有.xlsx"]  # no temporary file left behind


def test_init_usage_errors(tmp_path):
    wrong = run("init", tmp_path / "blank.xls", "--year", "2024")
    assert wrong.exit_code == 2
    assert "文件名应以 .xlsx 结尾" in wrong.stderr
    assert not (tmp_path / "blank.xls").exists()
    assert run("init", tmp_path / "b.xlsx", "--year", "1900").exit_code == 2
    assert run("init").exit_code == 2


# --- init → fill → check: the round trip ------------------------------------------------------------


@pytest.mark.parametrize("how", ["cli", "function"])
def test_round_trip(tmp_path, blank_path, how):
    """A blank workbook from ``budget-report init`` (or ``write_blank``, in ``blank_path``), filled with a
    small consistent budget as a clerk would: no finding, and every value read back typed."""
    path = tmp_path / "测试局2024.xlsx"
    if how == "cli":
        result = run("init", path, "--year", "2024")
        assert result.exit_code == 0, result.output
        assert (
            result.stdout == f"已生成空白工作簿：{path}（公开格式：henan，河南省部门（单位）预算公开（YS01–YS14））\n"
        )
    else:
        shutil.copyfile(blank_path, path)
    wb = openpyxl.load_workbook(path)
    fill_small(Editor(wb))
    wb.save(path)

    if how == "cli":
        result = run("check", path)
        assert result.stdout == "测试局2024.xlsx：0 处错误，0 处警告（科目表：内置2024年科目表）\n"
        assert result.exit_code == 0
    budget = load_workbook(path)
    assert [f.line() for f in check(budget)] == []

    # the values read back typed: Decimal amounts, codes with their zeros, texts and lists
    assert budget.bureau == SMALL_BUREAU and budget.year == 2024
    assert budget.facts.items("duties") == ["负责全市测试工作。", "承办市政府交办的其他事项。"]
    assert budget.facts.values["procurement_goods"] == D("0")
    assert budget.prior.values["spending_total"] == D("49.82")
    ys03 = {r.number: r for r in budget.table("YS03").rows}
    assert [ys03[n].kind for n in sorted(ys03)] == ["unit", "item", "item", "unit", "item", "unit", "item", "item"]
    admin = ys03[small_row("YS03", 1)]
    assert (admin.values["lei"], admin.values["kuan"], admin.values["xiang"]) == ("201", "01", "01")
    assert admin.values["total"] == D("30") and isinstance(admin.values["total"], Decimal)
    assert admin.values["goods"] == D("8")
    assert admin.values["project"] is None
    medical = ys03[small_row("YS03", 6)]
    assert medical.values["total"] == D("5.98") and str(medical.values["total"]) == "5.98"
    ys06 = budget.table("YS06").of("item")
    assert [r.values["dept_code"] for r in ys06] == ["30101", "30108", "30110", "30302", "30201"]
    assert sum(r.values["total"] for r in ys06) == D("39.82")
    assert budget.table("YS08").rows[0].values["reception"] == D("1")
    projects = budget.table("YS10").of("project")
    assert [(p.values["kind"], p.values["project_code"], p.values["total"]) for p in projects] == [
        ("其他运转类", "901001P001", D("9")),
        ("其他运转类", "901001P002", D("1")),
    ]
    ys12 = budget.table("YS12")
    assert [r.kind for r in ys12.rows] == ["project", "continuation", "project"]
    assert ys12.rows[0].values["gov_funds"] == D("9")
    # the derived tables come out of the same figures
    completed = complete(budget)
    assert completed.grand("spending", "total") == D("49.82")
    assert completed.grand("operating_cost", "total") == D("8")
    assert "YS05" in completed.derived and "YS07" in completed.derived


# --- --charts/--no-charts: carried to the job service, None leaves it to the profile ---------------

CHARTS_FLAGS = [([], None), (["--charts"], True), (["--no-charts"], False)]
CHARTS_IDS = ["absent", "charts", "no-charts"]


@pytest.mark.parametrize(("flags", "expected"), CHARTS_FLAGS, ids=CHARTS_IDS)
def test_render_passes_the_charts_option_to_the_job_service(monkeypatch, tmp_path, flags, expected):
    from generator.jobs import service

    seen: list[object] = []

    def render_job(workbook, outdir, formats, **kwargs):
        seen.append(kwargs["options"].charts)
        return service.Outcome(workbook)

    monkeypatch.setattr(service, "render_job", render_job)
    result = run("render", tmp_path / "甲.xlsx", tmp_path / "乙.xlsx", "-o", tmp_path / "out", *flags)
    assert result.exit_code == 0, result.output
    assert seen == [expected, expected]


@pytest.mark.parametrize(("flags", "expected"), CHARTS_FLAGS, ids=CHARTS_IDS)
def test_watch_passes_the_charts_option_to_the_watch(monkeypatch, tmp_path, flags, expected):
    from generator.frontends import watch

    seen: list[object] = []
    monkeypatch.setattr(watch, "watch", lambda *args, **kwargs: seen.append(kwargs["options"].charts))
    result = run("watch", tmp_path / "甲.xlsx", "-o", tmp_path / "out", *flags)
    assert result.exit_code == 0, result.output
    assert seen == [expected]


def test_charts_and_no_charts_are_offered_in_chinese():
    for command in ("render", "batch", "watch"):
        text = run(command, "--help").stdout
        assert "--charts / --no-charts" in text
        assert "附统计图" in text
