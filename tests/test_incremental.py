"""Incremental batch: a second batch over a folder renders only the workbooks whose inputs changed, says
which it reused, keeps a failing workbook's old outputs as stale; the manifest and its codec."""

from __future__ import annotations

import dataclasses
import json
import os
import shutil
import time
from decimal import Decimal
from pathlib import Path
from typing import Any
from urllib.parse import quote

import openpyxl
import pytest
from click.testing import CliRunner, Result
from support import Editor, charts_render, code_list_csv

from generator.errors import Finding
from generator.frontends import cli
from generator.jobs import batch, manifest, pipeline, service, workers
from generator.options import RenderOptions

NAMES = ("甲局.xlsx", "乙局.xlsx", "丙局.xlsx")
COMPOSITION = "预算单位构成"


def run(*args: object) -> Result:
    return CliRunner().invoke(cli.main, [str(a) for a in args])


def summary(result: Result) -> str:
    """The batch's count line (a line about warnings may follow it)."""
    return next(line for line in result.stdout.splitlines() if "个工作簿已生成" in line)


def edit_fact(path: Path, label: str, value: str) -> None:
    wb = openpyxl.load_workbook(path)
    Editor(wb).fact(label, value)
    wb.save(path)


SUMMARY_FILES = ("汇总.xlsx", "index.html")  # rebuilt from every outcome on every run, by design


def mtimes(folder: Path) -> dict[str, int]:
    """The documents' mtimes (the summary aside)."""
    return {p.name: p.stat().st_mtime_ns for p in folder.iterdir() if p.is_file() and p.name not in SUMMARY_FILES}


def rewritten(before: dict[str, int], folder: Path) -> list[str]:
    """The outputs written since ``before`` (new or with another mtime)."""
    return sorted(name for name, mtime in mtimes(folder).items() if before.get(name) != mtime)


def reused(result: batch.BatchResult) -> dict[str, bool]:
    return {o.workbook.name: o.reused for o in result.outcomes}


@pytest.fixture
def city(example_values: Path, tmp_path: Path) -> Path:
    """A folder with three copies of the example under different names."""
    folder = tmp_path / "city"
    folder.mkdir()
    for name in NAMES:
        shutil.copyfile(example_values, folder / name)
    return folder


@pytest.fixture
def pair(example_values: Path, tmp_path: Path) -> Path:
    """A folder with two copies of the example: for the tests that render it many times."""
    folder = tmp_path / "pair"
    folder.mkdir()
    for name in NAMES[:2]:
        shutil.copyfile(example_values, folder / name)
    return folder


def test_a_second_batch_renders_only_the_changed_workbook(city: Path, tmp_path: Path):
    out = tmp_path / "out"
    first = batch.run(batch.collect([city]), out, ("html",), jobs=2)
    assert [o.ok for o in first.outcomes] == [True, True, True]
    assert not any(o.reused for o in first.outcomes)
    before = mtimes(out)
    edit_fact(city / "乙局.xlsx", COMPOSITION, "本部门预算为局本级预算（更正）")

    result = run("batch", city, "-o", out, "--format", "html", "--jobs", "2")
    assert result.exit_code == 0, result.output
    assert rewritten(before, out) == ["乙局.html"]
    assert "（更正）" in (out / "乙局.html").read_text(encoding="utf-8")
    page = (out / "index.html").read_text(encoding="utf-8")  # the summary lists all three, reused or not
    assert all(f'href="{quote(Path(name).stem)}.html"' in page for name in NAMES[:3])
    assert summary(result).startswith(
        f"3 个工作簿已生成（其中 2 个未变，沿用上次的文档），0 个失败，输出在 {out}（用时 "
    )

    before = mtimes(out)
    third = batch.run(batch.collect([city]), out, ("html",), jobs=2)
    assert reused(third) == {name: True for name in NAMES}
    assert rewritten(before, out) == []
    # the outcomes are the last batch's, as if rendered: documents, findings, counts, status
    for again, was in zip(third.outcomes, first.outcomes, strict=True):
        assert again.workbook == was.workbook
        assert again.written == was.written == [out / f"{was.workbook.stem}.html"]
        assert (again.findings, again.warnings, again.status, again.error) == (
            was.findings,
            was.warnings,
            "ok",
            None,
        )


def test_pdf_second_batch_reuses_the_unchanged(pair: Path, tmp_path: Path):
    out = tmp_path / "out"
    first = batch.run(batch.collect([pair]), out, ("pdf",), jobs=2)
    assert [o.ok for o in first.outcomes] == [True, True]
    before = mtimes(out)
    started = time.perf_counter()
    again = batch.run(batch.collect([pair]), out, ("pdf",), jobs=2)
    assert time.perf_counter() - started < 5  # hashes and stats, no render (about 0.1 s)
    assert reused(again) == {"乙局.xlsx": True, "甲局.xlsx": True}
    edit_fact(pair / "甲局.xlsx", COMPOSITION, "本部门预算为局本级预算（更正）")
    third = batch.run(batch.collect([pair]), out, ("pdf",), jobs=2)
    assert reused(third) == {"乙局.xlsx": True, "甲局.xlsx": False}
    assert rewritten(before, out) == ["甲局.pdf"]


def test_force_renders_everything(pair: Path, tmp_path: Path):
    out = tmp_path / "out"
    assert run("batch", pair, "-o", out, "--format", "html").exit_code == 0
    before = mtimes(out)
    result = run("batch", pair, "-o", out, "--format", "html", "--force")
    assert result.exit_code == 0, result.output
    assert rewritten(before, out) == ["乙局.html", "甲局.html"]
    assert summary(result).startswith(f"2 个工作簿已生成，0 个失败，输出在 {out}（用时 ")  # the line as before


def _code_list(path: Path) -> Path:
    """The bundled 2024 list as an official 科目代码表."""
    return code_list_csv(path, 2024)


def test_changed_options_templates_and_codes_render_everything(pair: Path, tmp_path: Path):
    out = tmp_path / "out"
    templates = tmp_path / "本局模板"
    templates.mkdir()
    (templates / "style.css").write_text("/* 本局 */\n", encoding="utf-8")
    codes = _code_list(tmp_path / "codes.csv")
    workbooks = batch.collect([pair])
    everything = {"乙局.xlsx": False, "甲局.xlsx": False}
    nothing = {"乙局.xlsx": True, "甲局.xlsx": True}

    def again(formats: tuple[str, ...] = ("html",), **chosen: Any) -> dict[str, bool]:
        result = batch.run(workbooks, out, formats, RenderOptions(**chosen), jobs=2)
        assert [o.ok for o in result.outcomes] == [True, True], [o.error for o in result.outcomes]
        return reused(result)

    assert again() == everything
    assert again() == nothing
    assert again(templates=templates) == everything
    assert again(templates=templates) == nothing
    (templates / "style.css").write_text("/* 本局，改过 */\n", encoding="utf-8")
    assert again(templates=templates) == everything
    (templates / "~$reference.docx").write_bytes(b"Word's lock file")  # a file open in Word changes nothing
    assert again(templates=templates) == nothing
    assert again(templates=templates, codes=codes) == everything
    assert again(templates=templates, codes=codes) == nothing
    lines = codes.read_text(encoding="utf-8").splitlines(keepends=True)
    codes.write_text("".join(lines[:-1]) + lines[-1].rstrip() + "（新）\n", encoding="utf-8")  # a name changed
    assert again(templates=templates, codes=codes) == everything
    assert again(("html", "docx"), templates=templates, codes=codes) == everything
    assert again(("docx", "html"), templates=templates, codes=codes) == nothing  # the same formats
    assert again(("docx", "html"), templates=templates, codes=codes, pdf_variant="pdf/a-2b") == everything


def test_a_copied_or_touched_workbook_is_reused_a_deleted_output_is_not(city: Path, tmp_path: Path):
    out = tmp_path / "out"
    batch.run(batch.collect([city]), out, ("html",), jobs=2)
    copy = tmp_path / "copy.xlsx"
    shutil.copyfile(city / "甲局.xlsx", copy)
    shutil.copyfile(copy, city / "甲局.xlsx")  # the same bytes, a new mtime
    later = time.time_ns() + 10**10
    os.utime(city / "乙局.xlsx", ns=(later, later))
    os.utime(out / "丙局.html", ns=(later, later))  # an output touched, not changed
    before = mtimes(out)
    assert reused(batch.run(batch.collect([city]), out, ("html",), jobs=2)) == {name: True for name in NAMES}
    assert rewritten(before, out) == []

    (out / "乙局.html").unlink()
    (out / "丙局.html").write_text("改过的", encoding="utf-8")
    before = mtimes(out)
    result = batch.run(batch.collect([city]), out, ("html",), jobs=2)
    assert reused(result) == {"丙局.xlsx": False, "乙局.xlsx": False, "甲局.xlsx": True}
    assert rewritten(before, out) == ["丙局.html", "乙局.html"]


def test_a_removed_workbook_leaves_the_manifest_not_its_outputs(city: Path, tmp_path: Path):
    out = tmp_path / "out"
    batch.run(batch.collect([city]), out, ("html",), jobs=2)
    assert sorted(manifest.load(out)) == sorted(NAMES)
    (city / "丙局.xlsx").unlink()
    result = batch.run(batch.collect([city]), out, ("html",), jobs=2)
    assert reused(result) == {"乙局.xlsx": True, "甲局.xlsx": True}
    assert sorted(manifest.load(out)) == ["乙局.xlsx", "甲局.xlsx"]
    assert (out / "丙局.html").is_file()


@pytest.mark.parametrize("text", ["{not json", '{"format": 2, "tool": "budget-report", "workbooks": {}}', "[]", "\xff"])
def test_a_corrupt_or_foreign_manifest_renders_everything(pair: Path, tmp_path: Path, text: str):
    out = tmp_path / "out"
    assert run("batch", pair, "-o", out, "--format", "html").exit_code == 0
    record = manifest.location(out)
    if text == "\xff":
        record.write_bytes(b"\xff\xfe not UTF-8")
    else:
        record.write_text(text, encoding="utf-8")
    before = mtimes(out)
    result = run("batch", pair, "-o", out, "--format", "html")
    assert result.exit_code == 0, result.output
    assert "Traceback" not in result.output and result.exception is None
    assert rewritten(before, out) == ["乙局.html", "甲局.html"]
    assert summary(result).startswith("2 个工作簿已生成，0 个失败")
    assert sorted(manifest.load(out)) == ["乙局.xlsx", "甲局.xlsx"]  # written anew


def test_a_workbook_with_errors_keeps_its_old_outputs_marked_stale(pair: Path, tmp_path: Path):
    out = tmp_path / "out"
    assert run("batch", pair, "-o", out, "--format", "html").exit_code == 0
    old = (out / "乙局.html").read_bytes()
    before = mtimes(out)
    edit_fact(pair / "乙局.xlsx", COMPOSITION, "待填写")

    result = run("batch", pair, "-o", out, "--format", "html")
    assert result.exit_code == 1
    assert (out / "乙局.html").read_bytes() == old
    assert rewritten(before, out) == []
    stale = f"乙局.xlsx：有错误，未重新生成；{out / '乙局.html'} 为上次生成的旧文件"
    assert stale in result.stderr.splitlines()
    assert "占位文字" in result.stderr
    assert summary(result).startswith(
        f"1 个工作簿已生成（其中 1 个未变，沿用上次的文档），1 个失败，输出在 {out}（用时 "
    )
    # The finance bureau's summary names the old document, and the page strikes its link through.
    rows = {r[0]: r for r in openpyxl.load_workbook(out / "汇总.xlsx")["汇总"].iter_rows(min_row=2, values_only=True)}
    assert (rows["乙局.xlsx"][3], rows["乙局.xlsx"][-1]) == ("有错误", "乙局.html")
    assert (rows["甲局.xlsx"][3], rows["甲局.xlsx"][-1]) == ("已生成", None)
    page = (out / "index.html").read_text(encoding="utf-8")
    assert f'<a class="stale" href="{quote("乙局.html")}"' in page
    assert page.count('class="stale"') == 1

    # Unchanged since, the failure is reported again as it was, without checking the workbook again.
    third = batch.run(batch.collect([pair]), out, ("html",))
    failure = third.outcomes[0]
    assert (failure.workbook.name, failure.reused, failure.status) == ("乙局.xlsx", True, "errors")
    assert failure.stale == [out / "乙局.html"] and failure.errors >= 1
    result = run("batch", pair, "-o", out, "--format", "html")
    assert result.exit_code == 1
    assert stale in result.stderr.splitlines()

    # Corrected, it is rendered again and its outputs are no longer stale.
    edit_fact(pair / "乙局.xlsx", COMPOSITION, "本部门预算为局本级预算")
    fixed = batch.run(batch.collect([pair]), out, ("html",))
    assert [(o.ok, o.reused, o.stale) for o in fixed.outcomes] == [(True, False, []), (True, True, [])]
    assert rewritten(before, out) == ["乙局.html"]


def test_an_interrupted_batch_leaves_a_valid_manifest_of_what_finished(city: Path, tmp_path: Path, monkeypatch):
    out = tmp_path / "out"
    real_save = manifest.save
    calls = []

    def interrupted(outdir: Path, entries) -> None:
        calls.append(len(entries))
        if len(calls) == 2:
            raise KeyboardInterrupt  # Ctrl+C while the second workbook's record is written
        real_save(outdir, entries)

    monkeypatch.setattr(manifest, "save", interrupted)
    with pytest.raises(KeyboardInterrupt):
        batch.run(batch.collect([city]), out, ("html",), jobs=1)
    assert sorted(manifest.load(out)) == ["丙局.xlsx"]  # the first to finish
    json.loads(manifest.location(out).read_text(encoding="utf-8"))
    assert [p.name for p in manifest.location(out).parent.iterdir()] == ["manifest.json"]  # no .part file

    monkeypatch.setattr(manifest, "save", real_save)
    result = batch.run(batch.collect([city]), out, ("html",), jobs=1)
    assert reused(result) == {"丙局.xlsx": True, "乙局.xlsx": False, "甲局.xlsx": False}


def _fake_render(path: Path, outdir: Path, formats, **_options):
    """Stands in for pipeline.render in the forked workers: writes, or dies as an out-of-memory kill would."""
    if path.stem == "崩溃":
        os.kill(os.getpid(), 9)
    target = outdir / f"{path.stem}.html"
    pipeline.write_atomic(target, lambda tmp: tmp.write_text(path.read_text(encoding="utf-8"), encoding="utf-8"))

    class Prepared:
        findings = ()
        budget = None

        document = None  # a stand-in: no document, so no figures for a summary

        pages = None

    return Prepared(), [target]


@pytest.mark.skipif(not workers.forks_workers(), reason="the fake render reaches workers only when forked")
def test_a_dying_worker_is_rendered_again_the_others_are_not(monkeypatch, tmp_path: Path):
    monkeypatch.setattr(pipeline, "render", _fake_render)
    names = ["甲.xlsx", "崩溃.xlsx", "乙.xlsx"]
    for name in names:
        (tmp_path / name).write_text(name, encoding="utf-8")
    out = tmp_path / "out"
    workbooks = [tmp_path / n for n in names]
    first = batch.run(workbooks, out, ("html",), jobs=2)
    assert [o.ok for o in first.outcomes] == [True, False, True]
    entries = manifest.load(out)
    assert sorted(entries) == sorted(names)
    assert entries["崩溃.xlsx"]["outcome"]["status"] == "failed"
    second = batch.run(workbooks, out, ("html",), jobs=2)
    assert reused(second) == {"甲.xlsx": True, "崩溃.xlsx": False, "乙.xlsx": True}


@pytest.mark.skipif(not workers.forks_workers(), reason="the fake render reaches workers only when forked")
def test_a_changed_charts_option_renders_everything_the_same_one_reuses(monkeypatch, tmp_path: Path):
    monkeypatch.setattr(pipeline, "render", charts_render)
    names = ["甲.xlsx", "乙.xlsx"]
    for name in names:
        (tmp_path / name).write_text(name, encoding="utf-8")
    out = tmp_path / "out"
    workbooks = [tmp_path / n for n in names]
    everything = dict.fromkeys(names, False)
    nothing = dict.fromkeys(names, True)

    def again(force: bool = False, **chosen: Any) -> dict[str, bool]:
        result = batch.run(workbooks, out, ("html",), RenderOptions(**chosen), jobs=2, force=force)
        assert [o.ok for o in result.outcomes] == [True, True], [o.error for o in result.outcomes]
        return reused(result)

    def drawn() -> set[str]:
        return {(out / f"{Path(n).stem}.html").read_text(encoding="utf-8") for n in names}

    assert again(charts=True) == everything
    assert again(charts=True) == nothing
    assert drawn() == {"True"}
    assert again(charts=False) == everything
    assert drawn() == {"False"}
    assert again(charts=False) == nothing
    assert again() == everything  # None (the profile decides) is a choice of its own
    assert drawn() == {"None"}
    assert again(charts=None) == nothing
    assert again(charts=True, force=True) == everything


# ---------- the codec ----------


@dataclasses.dataclass
class Later:
    """Fields of the kinds another engineer adds to Outcome: the codec records them without knowing them."""

    figures: dict[str, Decimal] | None = None
    pages: int | None = None
    files: list[Path] = dataclasses.field(default_factory=list)
    findings: list[Finding] = dataclasses.field(default_factory=list)
    pair: tuple[str, float] = ("", 0.0)
    nested: dict[str, list[Decimal]] = dataclasses.field(default_factory=dict)


FINDING = Finding("warning", "YS03", "C7", "尾差", "合计与各项之和相差 0.01 万元", "1959.62", "1959.63")


def test_fields_of_any_kind_round_trip(tmp_path: Path):
    out = tmp_path / "out"
    full = Later(
        {"收入总计": Decimal("1959.63"), "尾数": Decimal("0.005")},
        37,
        [out / "甲局.pdf", Path("/elsewhere/甲局.xlsx"), Path("relative/乙局.xlsx")],
        [FINDING],
        ("页", 1.5),
        {"YS03": [Decimal("5.984"), Decimal("-0.844")]},
    )
    for value in (full, Later()):
        data = json.loads(json.dumps(manifest.encode_fields(value, out)))
        assert manifest.decode_fields(Later, data, out) == value
    # a path in the output folder is kept relative to it: the record holds when the folder is named otherwise
    data = manifest.encode_fields(full, out)
    assert data["files"][0] == {"$path": "甲局.pdf", "in": "output"}
    assert manifest.decode_fields(Later, data, Path("elsewhere/out")).files[0] == Path("elsewhere/out/甲局.pdf")


def test_every_outcome_field_round_trips_but_the_workbook_read_and_the_traceback(tmp_path: Path):
    out = tmp_path / "out"
    outcome = service.Outcome(
        tmp_path / "甲局.xlsx",
        written=[out / "甲局.pdf"],
        findings=[FINDING],
        error="甲局.xlsx：有错误",
        trace="Traceback …",
        status="errors",
        problems=["基本信息!B2：应为文字"],
        internal=False,
        budget=None,
        stale=[out / "甲局.docx"],
        reused=True,
    )
    data = json.loads(json.dumps(manifest.encode_outcome(outcome, out)))
    assert "budget" not in data and "trace" not in data
    back = manifest.decode_outcome(data, out)
    for f in dataclasses.fields(service.Outcome):
        if f.name not in ("budget", "trace"):
            assert getattr(back, f.name) == getattr(outcome, f.name), f.name
    assert (back.budget, back.trace) == (None, None)


def test_a_record_lacking_a_field_is_not_used(tmp_path: Path):
    """A field Outcome gained since the manifest was written would be a guess: that workbook is rendered again."""
    data = manifest.encode_outcome(service.Outcome(tmp_path / "甲局.xlsx"), tmp_path)
    del data["stale"]
    with pytest.raises(manifest.Unreadable, match="stale"):
        manifest.decode_outcome(data, tmp_path)
    with pytest.raises(manifest.Unreadable):
        manifest.decode({"$dataclass": "Budget", "fields": {}}, tmp_path)
    with pytest.raises(TypeError):
        manifest.encode(object(), tmp_path)


def test_the_key_follows_the_bytes_of_the_workbook_and_of_last_years(tmp_path: Path, monkeypatch):
    workbook, last, copy = tmp_path / "2025.xlsx", tmp_path / "2024.xlsx", tmp_path / "copy.xlsx"
    workbook.write_bytes(b"this year")
    last.write_bytes(b"last year")
    shared = manifest.run_inputs(("html",), RenderOptions())
    key = manifest.workbook_key(workbook, last, shared)
    shutil.copyfile(last, copy)
    assert manifest.workbook_key(workbook, copy, shared) == key  # another file, the same bytes
    assert manifest.workbook_key(workbook, None, shared) != key
    last.write_bytes(b"last year, corrected")
    assert manifest.workbook_key(workbook, last, shared) != key
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1234567891")  # dates printed in the documents
    assert manifest.run_inputs(("html",), RenderOptions()) != shared
    assert set(shared["versions"]) == {"budget-report", "weasyprint", "python-docx", "openpyxl", "jinja2"}
    assert all(shared["versions"].values())


def test_the_charts_option_is_part_of_the_key(tmp_path: Path):
    workbook = tmp_path / "2025.xlsx"
    workbook.write_bytes(b"this year")

    def key(charts: bool | None) -> str:
        shared = manifest.run_inputs(("pdf",), RenderOptions(charts=charts))
        return manifest.workbook_key(workbook, None, shared)

    keys = {charts: key(charts) for charts in (True, False, None)}
    assert len(set(keys.values())) == 3
    assert key(True) == keys[True]  # the same option, the same key
    assert manifest.run_inputs(("pdf",), RenderOptions())["charts"] is None


def test_the_package_s_own_files_are_part_of_the_key(tmp_path: Path) -> None:
    """A template or code list corrected without a version bump must not leave old documents reused."""
    package = tmp_path / "generator"
    (package / "templates").mkdir(parents=True)
    (package / "__pycache__").mkdir()
    (package / "templates" / "document.html.j2").write_text("{{ a }}", encoding="utf-8")
    (package / "stage.py").write_text("x = 1\n", encoding="utf-8")
    first = manifest.package_hash(package)
    (package / "__pycache__" / "stage.cpython-311.pyc").write_bytes(b"compiled")
    (package / ".hidden").write_text("editor state", encoding="utf-8")
    assert manifest.package_hash(package) == first  # compiled and hidden files are not the package's content
    (package / "templates" / "document.html.j2").write_text("{{ b }}", encoding="utf-8")
    assert manifest.package_hash(package) != first
    assert manifest.run_inputs(("pdf",), RenderOptions())["package"] == (manifest.package_hash())
