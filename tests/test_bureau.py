"""Another bureau without code: template overrides by block, a Word reference, a profile, the sandbox."""

from __future__ import annotations

import shutil

import docx
import pytest
from click.testing import CliRunner
from docx.oxml.ns import qn
from support import EXAMPLE, ROOT, SECOND, html_text

from generator.errors import BudgetError
from generator.frontends.cli import main
from generator.jobs.pipeline import prepare, render
from generator.options import RenderOptions
from generator.profile import ProfileError, load_profile
from generator.render.html import TemplateProblem, export_templates

BUREAU = ROOT / "inputs" / "柳溪县卫生健康局-templates"


def test_override_a_block_keeps_the_rest(tmp_path):
    (tmp_path / "document.html.j2").write_text(
        '{% extends "default:document.html.j2" %}'
        "{% block s7 %}<h2>七、支出预算经济分类情况说明</h2><p>本局按两套科目编列。</p>{% endblock %}",
        encoding="utf-8",
    )
    html = prepare(EXAMPLE, RenderOptions(templates=tmp_path)).html
    text = html_text(html)
    assert "本局按两套科目编列。" in text
    assert "财预〔2017〕98号" not in text  # the overridden block is gone
    assert "“三公”经费预算为7.00万元" in text  # everything else is the built-in


def test_override_a_table_note_and_the_glossary(tmp_path):
    (tmp_path / "document.html.j2").write_text(
        '{% extends "default:document.html.j2" %}'
        '{% block table_note %}{% if t.code == "YS09" %}<p class="table-note">说明：本局无政府性基金。</p>'
        "{% else %}{{ super() }}{% endif %}{% endblock %}"
        "{% block glossary %}<p>一、本表金额单位为万元。</p>{% endblock %}",
        encoding="utf-8",
    )
    text = html_text(prepare(EXAMPLE, RenderOptions(templates=tmp_path)).html)
    assert "说明：本局无政府性基金。" in text
    assert "说明：没有政府性基金预算安排的部门单位" not in text
    assert "说明：没有国有资本经营支出预算安排的部门单位，本表无数据。" in text  # other notes kept
    assert "一、本表金额单位为万元。" in text and "财政专户管理资金：是指" not in text


def test_example_bureau_folder(tmp_path):
    prepared, _written = render(SECOND, tmp_path, ("html", "docx"), options=RenderOptions(templates=BUREAU))
    text = html_text(prepared.html)
    assert "<title>柳溪县卫生健康局2025年部门预算公开</title>" in prepared.html  # profile's title pattern
    assert "说明：柳溪县卫生健康局2025年没有国有资本经营预算安排，本表无数据。" in text
    document = docx.Document(str(tmp_path / "柳溪县卫生健康局2025.docx"))
    body = document.styles["Normal"].element.find(qn("w:rPr")).find(qn("w:rFonts"))
    assert body.get(qn("w:eastAsia")) == "仿宋"  # profile's DOCX fonts
    title = document.styles["Title"].element.find(qn("w:rPr")).find(qn("w:color"))
    assert title is not None and title.get(qn("w:val")) == "A01010"  # the bureau's reference.docx


def test_standard_glossary_follows_the_profiles_level(tmp_path):
    (tmp_path / "profile.toml").write_text('fiscal_level = "县级"\n', encoding="utf-8")
    from generator.render.html import render_html
    from generator.stages.compute import build_document
    from generator.workbook.load import load_workbook

    budget = load_workbook(EXAMPLE)
    budget.facts.values["glossary"] = []
    budget.facts.values["fiscal_level"] = None
    document = build_document(budget, profile=load_profile(tmp_path))
    text = html_text(render_html(document))
    assert "一、财政拨款收入：是指县级财政当年拨付的资金" in text
    assert "九、“三公”经费：是指纳入县级财政预算管理" in text


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("title = 3\n", "title 应为文字（加引号），实为 3"),
        ('colour = "red"\n', "不认识的设置 colour"),
        ('title = "{name}公开"\n', "title 只能使用 {year} 和 {bureau}"),
        ('[pdf.fonts]\nbody = "Arial"\n', "[pdf.fonts] body 应为 宋体、黑体、楷体、仿宋 之一，实为 'Arial'"),
        ("title = \n", "格式不对"),
    ],
)
def test_bad_profile_is_refused_with_its_key(tmp_path, content, message):
    (tmp_path / "profile.toml").write_text(content, encoding="utf-8")
    with pytest.raises(ProfileError) as info:
        load_profile(tmp_path)
    assert message in str(info.value)
    assert str(tmp_path / "profile.toml") in str(info.value)


def test_bureau_templates_run_sandboxed(tmp_path):
    (tmp_path / "document.html.j2").write_text("{{ ''.__class__.__mro__[1].__subclasses__() }}", encoding="utf-8")
    with pytest.raises(TemplateProblem) as info:
        prepare(EXAMPLE, RenderOptions(templates=tmp_path))
    assert "沙箱" in str(info.value)
    result = CliRunner().invoke(
        main, ["render", str(EXAMPLE), "-o", str(tmp_path / "out"), "--templates", str(tmp_path)]
    )
    assert result.exit_code == 1
    assert "Traceback" not in result.output
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").iterdir())


def test_templates_export_then_render_unchanged(tmp_path):
    folder = tmp_path / "mine"
    written = export_templates(folder)
    assert {p.name for p in written} >= {"document.html.j2", "style.css", "reference.docx", "profile.toml"}
    # the sample is all comments: the format's title pattern stands
    assert load_profile(folder).title_for(2024, "某局") == "2024年某局部门（单位）预算公开"
    assert prepare(EXAMPLE, RenderOptions(templates=folder)).html == prepare(EXAMPLE).html
    with pytest.raises(BudgetError, match="已有"):
        export_templates(folder)
    result = CliRunner().invoke(main, ["templates", "export", str(tmp_path / "via-cli")])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "via-cli" / "document.html.j2").is_file()
    assert CliRunner().invoke(main, ["templates", "export", str(tmp_path / "via-cli")]).exit_code == 2


def test_render_twice_gives_identical_files(tmp_path):
    for run in ("a", "b"):
        render(EXAMPLE, tmp_path / run, ("pdf", "docx"))
    for name in ("义马市工业信息化和科技局2024.pdf", "义马市工业信息化和科技局2024.docx"):
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes()


def test_source_date_epoch_sets_the_documents_date(tmp_path, monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")  # 2023-11-14T22:13:20Z
    prepared, _ = render(EXAMPLE, tmp_path, ("docx",))
    assert '<meta name="dcterms.created" content="2023-11-14T22:13:20Z">' in prepared.html
    core = docx.Document(str(tmp_path / "义马市工业信息化和科技局2024.docx")).core_properties
    assert core.created.isoformat().startswith("2023-11-14T22:13:20")


def test_shutil_copy_of_bureau_folder_is_enough(tmp_path):
    """A bureau's folder is self-contained: copied anywhere, it renders the same."""
    copy = tmp_path / "copy"
    shutil.copytree(BUREAU, copy)
    assert prepare(SECOND, RenderOptions(templates=copy)).html == prepare(SECOND, RenderOptions(templates=BUREAU)).html
