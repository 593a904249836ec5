"""Batch rendering: files and folders, worker processes, every failure listed, no partial files; and the
single render's PDF process (its errors and clean-up)."""

from __future__ import annotations

import multiprocessing
import os
import shutil
import signal
from pathlib import Path

import pytest
from click.testing import CliRunner
from support import charts_render

from generator.errors import BudgetError
from generator.frontends import cli
from generator.jobs import batch, pipeline, workers
from generator.options import RenderOptions


def run(*args: object):
    return CliRunner().invoke(cli.main, [str(a) for a in args])


def documents(folder: Path) -> list[str]:
    """The files in an output folder, but the batch's record of what it rendered (.budget-report/)."""
    return sorted(p.name for p in folder.iterdir() if p.name != ".budget-report")


def leftovers(folder: Path) -> list[str]:
    """Temporary files (pipeline.write_atomic's .part files) left in ``folder``."""
    return sorted(p.name for p in folder.iterdir() if p.name.endswith(".part"))


@pytest.fixture
def city(example_values: Path, tmp_path: Path) -> Path:
    """A folder with two good workbooks, a broken one (text named .xlsx), Excel's lock file and a note."""
    folder = tmp_path / "city"
    folder.mkdir()
    shutil.copyfile(example_values, folder / "甲局.xlsx")
    shutil.copyfile(example_values, folder / "乙局.xlsx")
    (folder / "坏的.xlsx").write_text("这不是工作簿", encoding="utf-8")
    (folder / "~$甲局.xlsx").write_bytes(b"lock")
    (folder / "说明.txt").write_text("readme", encoding="utf-8")
    return folder


def test_batch_goes_on_past_a_broken_workbook_and_lists_it(city: Path, tmp_path: Path):
    out = tmp_path / "out"
    result = run("batch", city, "-o", out, "--format", "html,docx", "--jobs", "2")
    assert result.exit_code == 1, result.output
    assert documents(out) == ["index.html", "乙局.docx", "乙局.html", "汇总.xlsx", "甲局.docx", "甲局.html"]
    assert "无法读取工作簿 坏的.xlsx：不是 Excel 工作簿（.xlsx）" in result.stderr
    assert result.stdout.startswith("2 个工作簿已生成，1 个失败，输出在 ")
    assert leftovers(out) == []


def test_batch_all_good_exits_0(example_values: Path, tmp_path: Path):
    one, other = tmp_path / "a.xlsx", tmp_path / "sub" / "b.xlsx"
    other.parent.mkdir()
    shutil.copyfile(example_values, one)
    shutil.copyfile(example_values, other)
    out = tmp_path / "out"
    result = run("batch", one, other.parent, "-o", out, "--format", "html")
    assert result.exit_code == 0, result.output
    assert documents(out) == ["a.html", "b.html", "index.html", "汇总.xlsx"]
    assert result.stderr.count("生成中") <= 1  # the progress bar, on stderr; nothing else
    assert "失败" not in result.stderr


def test_batch_usage_errors(tmp_path: Path):
    assert run("batch", tmp_path, "-o", tmp_path / "out").exit_code == 2  # no workbook in the folder
    assert run("batch", tmp_path / "missing.xlsx", "-o", tmp_path / "out").exit_code == 2
    assert run("batch", tmp_path).exit_code == 2  # -o is required
    assert run("batch", tmp_path, "-o", tmp_path / "out", "--jobs", "0").exit_code == 2
    assert run("batch", tmp_path, "-o", tmp_path / "out", "--format", "odt").exit_code == 2


def test_collect_takes_files_and_folders_once_each(city: Path):
    good = city / "甲局.xlsx"
    found = batch.collect([good, city, Path(str(city) + "/")])
    assert [p.name for p in found] == ["甲局.xlsx", "乙局.xlsx", "坏的.xlsx"]


def test_same_output_names_are_refused(example_values: Path, tmp_path: Path):
    for folder in ("a", "b"):
        (tmp_path / folder).mkdir()
        shutil.copyfile(example_values, tmp_path / folder / "局.xlsx")
    out = tmp_path / "out"
    result = batch.run(batch.collect([tmp_path / "a", tmp_path / "b"]), out, ("html",))
    assert [o.ok for o in result.outcomes] == [True, False]
    assert "输出文件同名" in (result.outcomes[1].error or "")
    assert documents(out) == ["局.html"]


def _fake_render(path: Path, outdir: Path, formats, **_options):
    """Stands in for pipeline.render in the forked workers: writes or dies, without the real work."""
    outdir.mkdir(parents=True, exist_ok=True)
    if path.stem == "崩溃":
        # Die half-way through writing, as an out-of-memory kill would.
        (outdir / f".{path.stem}.abcd1234.html.part").write_bytes(b"<html")
        os.kill(os.getpid(), signal.SIGKILL)
    if path.stem == "出错":
        raise RuntimeError("boom")
    target = outdir / f"{path.stem}.html"
    pipeline.write_atomic(target, lambda tmp: tmp.write_text("ok", encoding="utf-8"))

    class Prepared:
        findings = ()
        budget = None

        document = None  # a stand-in: no document, so no figures for a summary

        pages = None

    return Prepared(), [target]


def test_a_dying_worker_is_a_failure_and_leaves_no_temporary_file(monkeypatch, tmp_path: Path):
    monkeypatch.setattr(pipeline, "render", _fake_render)
    names = ["甲.xlsx", "崩溃.xlsx", "出错.xlsx", "乙.xlsx"]
    for name in names:
        (tmp_path / name).write_bytes(b"x")
    out = tmp_path / "out"
    seen = []
    result = batch.run([tmp_path / n for n in names], out, ("html",), jobs=2, on_done=seen.append)
    assert len(seen) == 4
    assert [o.workbook.name for o in result.outcomes] == names  # in the order given
    assert [o.ok for o in result.outcomes] == [True, False, False, True]
    assert "工作进程意外退出（被信号 9 终止）" in (result.outcomes[1].error or "")
    assert result.outcomes[2].error == "出错.xlsx：内部错误：RuntimeError：boom"
    assert "Traceback" in (result.outcomes[2].trace or "")
    assert documents(out) == ["乙.html", "甲.html"]
    assert result.peak_rss_kib > 0


# ---------- --charts/--no-charts ----------


@pytest.mark.parametrize(
    ("flags", "expected"),
    [([], None), (["--charts"], True), (["--no-charts"], False)],
    ids=["absent", "charts", "no-charts"],
)
def test_batch_command_passes_the_charts_option_to_the_batch(monkeypatch, tmp_path: Path, flags, expected):
    seen: list[object] = []

    def fake_run(workbooks, outdir, formats, **kwargs):
        seen.append(kwargs["options"].charts)
        return batch.BatchResult([], 0.0, 1)

    monkeypatch.setattr(batch, "run", fake_run)
    (tmp_path / "甲局.xlsx").write_bytes(b"x")
    result = run("batch", tmp_path / "甲局.xlsx", "-o", tmp_path / "out", *flags)
    assert result.exit_code == 0, result.output
    assert seen == [expected]


@pytest.mark.skipif(not workers.forks_workers(), reason="the fake render reaches workers only when forked")
@pytest.mark.parametrize("charts", [True, False, None])
def test_every_worker_renders_with_the_batch_s_charts_option(monkeypatch, tmp_path: Path, charts):
    monkeypatch.setattr(pipeline, "render", charts_render)
    names = ["甲.xlsx", "乙.xlsx", "丙.xlsx"]
    for name in names:
        (tmp_path / name).write_bytes(b"x")
    out = tmp_path / "out"
    result = batch.run([tmp_path / n for n in names], out, ("html",), RenderOptions(charts=charts), jobs=2)
    assert [o.ok for o in result.outcomes] == [True, True, True], [o.error for o in result.outcomes]
    assert {(out / f"{Path(n).stem}.html").read_text(encoding="utf-8") for n in names} == {repr(charts)}


# ---------- the single render's PDF process ----------


def test_pdf_process_error_names_the_output_and_writes_none(monkeypatch, small, tmp_path: Path):
    from generator.render import pdf

    def broken_pdf(html, target, **_options):
        Path(target).write_bytes(b"%PDF-1.7 half")
        raise OSError("disk full")

    monkeypatch.setattr(pdf, "write_pdf", broken_pdf)
    workbook = small()
    with pytest.raises(pipeline.RenderFailed) as failed:
        pipeline.render(workbook, tmp_path / "out", ("pdf", "docx"))
    name = workbook.stem
    assert str(failed.value) == (
        f"{workbook.name}：生成 {name}.pdf 失败（OSError：disk full）；未写入任何文件，原有文件保持不变"
    )
    assert "disk full" in failed.value.__cause__.trace  # the PDF process's traceback, for --debug
    assert not (tmp_path / "out").exists()  # the outputs go as a set: no DOCX without its PDF


def test_pdf_process_reports_a_missing_font(monkeypatch, small, tmp_path: Path):
    from generator.render import pdf

    def no_font(**_options):
        raise RuntimeError("找不到字体“BR Song”的字体文件")

    monkeypatch.setattr(pdf, "warm_up", no_font)
    with pytest.raises(pipeline.RenderFailed, match="RuntimeError：找不到字体“BR Song”的字体文件"):
        pipeline.render(small(), tmp_path / "out", ("pdf",))
    assert not (tmp_path / "out").exists()


def test_pdf_process_is_stopped_when_the_workbook_cannot_be_read(tmp_path: Path):
    bad = tmp_path / "坏的.xlsx"
    bad.write_text("这不是工作簿", encoding="utf-8")
    with pytest.raises(BudgetError):
        pipeline.render(bad, tmp_path / "out", ("pdf",))
    assert not (tmp_path / "out").exists()
    assert multiprocessing.active_children() == []
