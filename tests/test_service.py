"""The job service every front end runs a workbook through: its outcome, its messages, its workbook names."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from support import small_row

from generator.errors import BudgetError
from generator.jobs import pipeline, service, workers
from generator.options import RenderOptions


def test_a_budget_error_is_its_own_message_and_anything_else_an_internal_error_in_each_wording():
    assert service.clerk_message(BudgetError("工作簿 a.xlsx 有误")) == "工作簿 a.xlsx 有误"
    boom = RuntimeError("boom")
    assert service.clerk_message(boom) == "内部错误：RuntimeError：boom（加 --debug 查看详情）"
    assert service.clerk_message(boom, internal=service.INTERNAL_BATCH, name="局.xlsx") == (
        "局.xlsx：内部错误：RuntimeError：boom"
    )
    assert service.clerk_message(boom, internal=service.INTERNAL_WEB, name="局.xlsx") == (
        "局.xlsx：内部错误（RuntimeError：boom），未生成文档。"
    )


@pytest.mark.parametrize(
    ("name", "workbook"),
    [
        ("2025预算.xlsx", True),
        ("2025预算.XLSX", True),
        ("各单位/局.xlsx", True),
        ("各单位\\局.xlsx", True),
        ("~$2025预算.xlsx", False),  # Excel's lock file
        (".2025预算.xlsx", False),
        ("__MACOSX/各单位/._局.xlsx", False),
        ("__MACOSX/局.xlsx", False),
        ("局.xls", False),
        ("局.xlsx.zip", False),
        ("局.xlsx/", False),  # a folder in a zip
    ],
)
def test_which_file_names_are_workbooks(name: str, workbook: bool):
    assert service.is_workbook_name(name) is workbook


def test_an_unreadable_workbook_is_refused_with_each_problem(tmp_path: Path):
    bad = tmp_path / "坏的.xlsx"
    bad.write_text("这不是工作簿", encoding="utf-8")
    outcome = service.render_job(bad, tmp_path / "out", ("html",))
    assert not outcome.ok and outcome.status == "refused" and not outcome.internal
    assert outcome.error is not None and outcome.error.startswith("无法读取工作簿 坏的.xlsx")
    assert outcome.problems and outcome.budget is None and outcome.written == []


def test_a_rendered_workbook_and_one_with_errors(small, tmp_path: Path):
    path = small()
    outcome = service.render_job(path, tmp_path / "out", ("html",))
    assert outcome.ok and outcome.status == "ok" and outcome.errors == 0
    assert outcome.written == [tmp_path / "out" / f"{path.stem}.html"]
    assert outcome.budget is not None and outcome.warnings == len(outcome.findings)
    wrong = small(lambda e: e.set("YS03", "total", small_row("YS03", 1), 999))
    outcome = service.render_job(wrong, tmp_path / "out", ("html",))
    assert outcome.status == "errors" and outcome.errors > 0 and not outcome.internal
    assert outcome.error is not None and outcome.error.startswith(f"工作簿 {wrong.name} 有 {outcome.errors} 处错误")


def test_an_internal_error_is_marked_with_its_trace(monkeypatch, tmp_path: Path):
    def boom(*_args, **_kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(pipeline, "render", boom)
    outcome = service.render_job(tmp_path / "局.xlsx", tmp_path, internal=service.INTERNAL_BATCH)
    assert outcome.status == "failed" and outcome.internal
    assert outcome.error == "局.xlsx：内部错误：RuntimeError：boom"
    assert outcome.trace is not None and "RuntimeError: boom" in outcome.trace


def test_renders_go_one_at_a_time_where_the_pdf_cannot_be_forked(monkeypatch, tmp_path: Path):
    held: list[bool] = []

    class Prepared:
        findings = ()
        budget = None

        document = None  # a stand-in: no document, so no figures for a summary

        pages = None

    def render(*_args, **_kwargs):
        held.append(service._IN_PROCESS.locked())
        return Prepared(), []

    monkeypatch.setattr(pipeline, "render", render)
    service.render_job(tmp_path / "局.xlsx", tmp_path)  # may fork here: no need to wait for others
    assert held == [not workers.can_fork()]
    release = threading.Event()
    other = threading.Thread(target=release.wait)  # another thread, as in the web server
    other.start()
    try:
        assert not workers.can_fork()
        service.render_job(tmp_path / "局.xlsx", tmp_path)
    finally:
        release.set()
        other.join()
    assert held[-1] is True


def test_the_web_page_words_an_internal_error_with_the_clerks_file_name(monkeypatch, tmp_path: Path):
    """The page's render task (run in a child process by the web queue; here in this one) and the
    wording of its outcome for the page."""
    pytest.importorskip("flask")
    from generator.frontends import uploads, web

    def boom(path: Path, *_args, **_kwargs):
        raise RuntimeError(f"boom in {path.name}")

    monkeypatch.setattr(pipeline, "render", boom)
    stored = tmp_path / "000" / uploads.UPLOAD_NAME
    stored.parent.mkdir()
    stored.write_bytes(b"x")
    outcome = web.render_task(stored, tmp_path / "out", RenderOptions())
    entry = web.entry_of(uploads.Item("本局.xlsx", stored), outcome, tmp_path / "out")
    assert entry.status == "failed" and not (tmp_path / "out").exists()
    assert entry.message == "本局.xlsx：内部错误（RuntimeError：boom in 本局.xlsx），未生成文档。"
