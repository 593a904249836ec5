"""The render options as one value: its defaults, and that each option reaches the stage that uses it."""

from __future__ import annotations

import ast
import dataclasses
import inspect
import itertools
import re
from pathlib import Path
from typing import Any

import docx
import pikepdf
import pytest
from click.testing import CliRunner
from docx.oxml.ns import qn
from support import EXAMPLE, ROOT, SECOND, code_list_csv

from generator import options as options_module
from generator.frontends import cli
from generator.jobs import batch, manifest, pipeline, service
from generator.options import DEFAULT_OPTIONS, RenderOptions
from generator.profile import load_profile
from generator.render.html import render_html

BUREAU = ROOT / "inputs" / "柳溪县卫生健康局-templates"  # its own title page, title pattern, fonts and reference.docx


# ---------- the value ----------


def test_the_options_and_their_defaults():
    """Six options, each off (None) by default: the built-in templates, code list, formats and PDF, no last
    year's workbook, charts as the profile says."""
    assert [(f.name, f.default) for f in dataclasses.fields(RenderOptions)] == [
        ("templates", None),
        ("codes", None),
        ("previous", None),
        ("budget", None),
        ("charts", None),
        ("format_dir", None),
        ("pdf_variant", None),
    ]
    assert DEFAULT_OPTIONS == RenderOptions()


def test_the_options_are_frozen_and_changed_by_copy():
    chosen = RenderOptions(charts=True)
    with pytest.raises(dataclasses.FrozenInstanceError):
        chosen.charts = False  # type: ignore[misc]
    assert dataclasses.replace(chosen, previous=EXAMPLE) == RenderOptions(charts=True, previous=EXAMPLE)
    assert chosen == RenderOptions(charts=True)


def test_every_option_says_what_it_is():
    """A docstring under each field, as the config schemas we imitate have one per key."""
    tree = ast.parse(inspect.getsource(options_module))
    body = next(n for n in tree.body if isinstance(n, ast.ClassDef) and n.name == "RenderOptions").body
    documented = {
        node.target.id
        for node, after in itertools.pairwise(body)
        if isinstance(node, ast.AnnAssign)
        and isinstance(node.target, ast.Name)
        and isinstance(after, ast.Expr)
        and isinstance(after.value, ast.Constant)
        and isinstance(after.value.value, str)
        and after.value.value.strip()
    }
    assert documented == {f.name for f in dataclasses.fields(RenderOptions)}


# ---------- each option reaches its stage ----------


def test_templates_and_charts_reach_the_profile_the_html_and_the_bureau_s_css(tmp_path: Path):
    folder = tmp_path / "本局模板"
    folder.mkdir()
    for path in BUREAU.iterdir():
        (folder / path.name).write_bytes(path.read_bytes())
    (folder / "style.css").write_text("/* 本局 */\n", encoding="utf-8")
    prepared = pipeline.prepare(SECOND, RenderOptions(templates=folder, charts=True))
    assert prepared.profile == dataclasses.replace(load_profile(folder), charts=True)  # the profile, charts forced on
    assert prepared.charts and "<figure" in prepared.html
    # the bureau's templates made the HTML: the same as the HTML stage given the folder itself
    expected = render_html(prepared.document, folder, charts=prepared.charts, chart_face=prepared.profile.chart_face)
    assert prepared.html == expected
    assert "<title>柳溪县卫生健康局2025年部门预算公开</title>" in prepared.html  # the profile's title pattern
    assert prepared.bureau_css == "/* 本局 */\n"
    plain = pipeline.prepare(SECOND)
    assert plain.charts == {} and "<figure" not in plain.html and plain.bureau_css == ""


def test_one_value_reaches_every_output_of_a_render(tmp_path: Path):
    chosen = RenderOptions(templates=BUREAU, charts=True)
    prepared, written = pipeline.render(SECOND, tmp_path, ("html", "docx"), options=chosen)
    assert written == [tmp_path / f"{SECOND.stem}.html", tmp_path / f"{SECOND.stem}.docx"]
    assert written[0].read_text(encoding="utf-8") == pipeline.prepare(SECOND, chosen).html
    document = docx.Document(str(written[1]))
    assert len(document.inline_shapes) == len(prepared.charts) > 0  # the charts, as pictures
    title = document.styles["Title"].element.find(qn("w:rPr")).find(qn("w:color"))
    assert title is not None and title.get(qn("w:val")) == "A01010"  # the bureau's reference.docx


@pytest.mark.parametrize("parallel", [True, False], ids=["pdf-process", "in-process"])
def test_the_pdf_variant_reaches_the_pdf_in_either_process(small, tmp_path: Path, parallel: bool):
    workbook = small()
    _prepared, written = pipeline.render(
        workbook, tmp_path, ("pdf",), options=RenderOptions(pdf_variant="pdf/a-2b"), parallel=parallel
    )
    with pikepdf.open(written[0]) as pdf:
        meta = pdf.Root.Metadata.read_bytes().decode("utf-8")
    assert re.search(r'pdfaid:part(>|=")2', meta)


def _code_list(path: Path) -> Path:
    """The bundled 2025 list as an official 科目代码表."""
    return code_list_csv(path, 2025)


def test_codes_and_previous_reach_the_check(tmp_path: Path):
    _budget, findings, book = pipeline.inspect(SECOND, RenderOptions(codes=_code_list(tmp_path / "codes.csv")))
    assert book.label == "科目代码表 codes.csv"
    assert not [f for f in findings if f.rule == "上年数不符"]
    _budget, findings, book = pipeline.inspect(SECOND, RenderOptions(previous=EXAMPLE))
    assert book.label == "内置2025年科目表"
    assert [f for f in findings if f.rule == "上年数不符"]


def test_a_batch_worker_renders_with_the_batch_s_options_and_its_own_last_year(monkeypatch, tmp_path: Path):
    seen: list[RenderOptions] = []

    def render_job(workbook: Path, outdir: Path, formats: Any, **kwargs: Any) -> service.Outcome:
        seen.append(kwargs["options"])
        return service.Outcome(workbook)

    monkeypatch.setattr(service, "render_job", render_job)
    chosen = RenderOptions(templates=BUREAU, previous=tmp_path, charts=True, pdf_variant="pdf/a-2b")
    last = tmp_path / "柳溪县卫生健康局2024.xlsx"
    batch._render_one((SECOND, last), outdir=tmp_path, formats=("html",), options=chosen, parallel=False)
    assert seen == [dataclasses.replace(chosen, previous=last)]


# ---------- the batch's record ----------


def test_the_key_records_every_option_but_last_year_s_as_before(tmp_path: Path):
    """By field name, files and folders by content: the record of a batch made before the options were
    one value reads the same."""
    folder = tmp_path / "本局模板"
    folder.mkdir()
    (folder / "style.css").write_text("/* 本局 */\n", encoding="utf-8")
    codes = _code_list(tmp_path / "codes.csv")
    chosen = RenderOptions(templates=folder, codes=codes, previous=EXAMPLE, charts=False, pdf_variant="pdf/ua-1")
    shared = manifest.run_inputs(("pdf", "html", "pdf"), chosen)
    assert {f.name for f in dataclasses.fields(RenderOptions)} - set(shared) == {"previous"}
    assert {k: v for k, v in shared.items() if k not in ("source_date_epoch", "versions", "package")} == {
        "formats": ["html", "pdf"],
        "templates": {"style.css": manifest.file_hash(folder / "style.css")},
        "codes": manifest.file_hash(codes),
        "charts": False,
        "format_dir": None,
        "budget": None,
        "pdf_variant": "pdf/ua-1",
    }
    assert manifest.run_inputs(("pdf",), RenderOptions(templates=tmp_path / "没有"))["templates"] is None


# ---------- the command line fills it ----------


def test_the_command_line_gathers_its_options_into_one_value(monkeypatch, tmp_path: Path):
    seen: list[RenderOptions] = []

    def render_job(workbook: Path, outdir: Path, formats: Any, **kwargs: Any) -> service.Outcome:
        seen.append(kwargs["options"])
        return service.Outcome(workbook)

    monkeypatch.setattr(service, "render_job", render_job)
    monkeypatch.setattr(cli, "_check_inputs", lambda _options: None)  # the files here are stand-ins
    codes, last = tmp_path / "codes.csv", tmp_path / "上年.xlsx"
    result = CliRunner().invoke(
        cli.main,
        [
            "render",
            str(tmp_path / "甲.xlsx"),
            "--templates",
            str(BUREAU),
            "--codes",
            str(codes),
            "--previous",
            str(last),
            "--charts",
            "--pdf-variant",
            "pdf/a-2b",
        ],
    )
    assert result.exit_code == 0, result.output
    assert seen == [RenderOptions(templates=BUREAU, codes=codes, previous=last, charts=True, pdf_variant="pdf/a-2b")]


def test_check_takes_the_options_it_offers(monkeypatch, tmp_path: Path):
    seen: list[RenderOptions] = []

    def inspect_stub(path: Path, **kwargs: Any) -> Any:
        seen.append(kwargs["options"])
        raise RuntimeError("enough")

    monkeypatch.setattr(pipeline, "inspect", inspect_stub)
    result = CliRunner().invoke(cli.main, ["check", str(SECOND), "--previous", str(EXAMPLE)])
    assert result.exit_code == 1
    assert seen == [RenderOptions(previous=EXAMPLE)]
