"""Correcting a published figure: diff lists changed figures and the sentences they change; watch re-renders."""

from __future__ import annotations

import shutil
import threading
import time
from pathlib import Path

import openpyxl
from click.testing import CliRunner
from support import EXAMPLE

from generator.frontends.cli import main
from generator.frontends.watch import watch
from generator.jobs.diff import diff, narrative_sentences
from generator.options import RenderOptions
from generator.workbook.schema import PRIOR_SHEET, TABLES_BY_CODE


def _corrected(tmp_path: Path, reception: float, total: float) -> Path:
    target = tmp_path / "corrected.xlsx"
    shutil.copy(EXAMPLE, target)
    wb = openpyxl.load_workbook(target)
    spec = TABLES_BY_CODE["YS08"]
    ws = wb[spec.sheet_name]
    ws.cell(spec.data_row, spec.column_index("reception")).value = reception
    ws.cell(spec.data_row, spec.column_index("total")).value = total
    wb.save(target)
    return target


def test_diff_lists_figures_and_the_sentences_they_change(tmp_path):
    result = diff(EXAMPLE, _corrected(tmp_path, 4, 8))
    assert [f.line() for f in result.figures] == [
        "YS08 一般公共预算“三公”经费支出情况表 · 金额行 · “三公”经费合计：7.00 → 8.00",
        "YS08 一般公共预算“三公”经费支出情况表 · 金额行 · 公务接待费：3.00 → 4.00",
    ]
    pairs = [(s.old, s.new) for s in result.sentences]
    # 8.00 against last year's 31.00: 23.00 less, 23 / 31 = 74.19 %; 接待 4.00 against 16.00: 12.00 less, 75.00 %
    assert (
        "2024年“三公”经费支出预算数较2023年减少24.00万元，下降77.42%。",
        "2024年“三公”经费支出预算数较2023年减少23.00万元，下降74.19%。",
    ) in pairs
    assert (
        "预算数较2023年减少13.00万元，下降81.25%，主要原因是：严格执行八项规定，精简公务接待支出。",
        "预算数较2023年减少12.00万元，下降75.00%，主要原因是：严格执行八项规定，精简公务接待支出。",
    ) in pairs
    assert len(pairs) == 4
    assert all(s.section == "八、“三公”经费支出预算情况说明" for s in result.sentences)


def test_diff_of_identical_workbooks_is_empty():
    result = diff(EXAMPLE, EXAMPLE)
    assert result.figures == [] and result.sentences == []


def test_diff_when_the_new_version_has_errors(tmp_path):
    # 三公 total 9.00 no longer equals its items: check fails, figures are still listed
    result = diff(EXAMPLE, _corrected(tmp_path, 4, 9))
    assert len(result.figures) == 2
    assert result.sentences == []
    assert "corrected.xlsx 有错误" in result.note


def test_diff_cli(tmp_path):
    result = CliRunner().invoke(main, ["diff", str(EXAMPLE), str(_corrected(tmp_path, 4, 8))])
    assert result.exit_code == 0, result.output
    assert "数字的变化（2 处）" in result.output
    assert "叙述的变化（4 句）" in result.output
    assert "- 2024年“三公”经费支出预算数较2023年减少24.00万元，下降77.42%。" in result.output
    assert "+ 2024年“三公”经费支出预算数较2023年减少23.00万元，下降74.19%。" in result.output


def test_prior_year_change_is_a_figure_too(tmp_path):
    target = tmp_path / "prior.xlsx"
    shutil.copy(EXAMPLE, target)
    wb = openpyxl.load_workbook(target)
    ws = wb[PRIOR_SHEET]
    for row in ws.iter_rows(min_row=2):
        if row[0].value == "机构运行经费":
            row[1].value = 17.05
    wb.save(target)
    result = diff(EXAMPLE, target)
    assert [f.line() for f in result.figures] == ["上年数 · 机构运行经费 · 上年数：16.06 → 17.05"]
    assert [s.new for s in result.sentences] == [
        "2024年义马市工业信息化和科技局部门（单位）机构运行经费支出预算17.05万元，主要保障机构正常运转及正常履职需要，"
        "较2023年持平，主要原因：业务量增大，机构正常运转费用支出增多。"
    ]


def test_narrative_sentences_leave_tables_out():
    from generator.jobs.pipeline import prepare

    sentences = narrative_sentences(prepare(EXAMPLE).html)
    assert all("1,959.63" not in s for _, s in sentences)
    assert ("一、收入支出预算总体情况说明", "具体支出情况如下：") not in sentences


def test_watch_rerenders_on_save(tmp_path):
    workbook = tmp_path / "watched.xlsx"
    shutil.copy(EXAMPLE, workbook)
    lines: list[str] = []
    runs = {"n": 0}

    def keep_going() -> bool:
        return sum("已更新" in line for line in lines) < 2 and runs["n"] < 200

    def tick(line: str) -> None:
        lines.append(line)

    thread = threading.Thread(
        target=watch,
        args=(workbook, tmp_path / "out", ("html",)),
        kwargs={"interval": 0.05, "settle": 0.05, "echo": tick, "keep_going": keep_going},
    )
    thread.start()
    deadline = time.time() + 60
    while not any("已更新" in line for line in lines) and time.time() < deadline:
        time.sleep(0.05)
    _corrected(tmp_path, 4, 8).replace(workbook)  # a save
    thread.join(timeout=60)
    assert sum("已更新" in line for line in lines) == 2, lines
    html = (tmp_path / "out" / "watched.html").read_text(encoding="utf-8")
    assert "“三公”经费预算为8.00万元" in html


def test_watch_survives_a_broken_save(tmp_path):
    workbook = tmp_path / "watched.xlsx"
    workbook.write_text("not a workbook", encoding="utf-8")
    lines: list[str] = []
    calls = {"n": 0}

    def keep_going() -> bool:
        calls["n"] += 1
        return calls["n"] < 3

    watch(workbook, tmp_path / "out", ("html",), interval=0.01, settle=0.01, echo=lines.append, keep_going=keep_going)
    assert any("不是 Excel 工作簿" in line for line in lines)


def test_watch_carries_the_charts_option_to_every_render(monkeypatch, tmp_path):
    """``watch``'s options (here their charts) reach the job service on the first render and on each after a save."""
    from generator.frontends import watch as watch_module
    from generator.jobs.service import Outcome

    seen: list[object] = []

    def render_job(path, outdir, formats, **kwargs):
        seen.append(kwargs["options"].charts)
        return Outcome(path)

    monkeypatch.setattr(watch_module, "render_job", render_job)
    workbook = tmp_path / "watched.xlsx"
    workbook.write_bytes(b"first")
    ticks = {"n": 0}

    def keep_going() -> bool:
        ticks["n"] += 1
        if ticks["n"] == 1:
            workbook.write_bytes(b"saved again")  # a save: the next look sees another size
        return ticks["n"] < 3

    for charts in (True, False, None):
        seen.clear()
        ticks["n"] = 0
        workbook.write_bytes(b"first")
        watch(
            workbook,
            tmp_path / "out",
            ("html",),
            interval=0.01,
            settle=0.01,
            echo=lambda _line: None,
            keep_going=keep_going,
            options=RenderOptions(charts=charts),
        )
        assert seen == [charts, charts]
