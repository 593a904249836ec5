"""What the DOCX and PDF cannot hold is refused where it enters: the workbook by ``check`` at its cell, the profile
by its file and key; a library's own limit (the DOCX title property) is met at the seam, shortened and marked."""

from __future__ import annotations

import docx
import pytest
from click.testing import CliRunner
from support import EXAMPLE, ROOT

from generator.frontends.cli import main
from generator.profile import BUREAU_MAX, ProfileError, load_profile

LONG_BUREAU = "某" * 241  # the issue's: the title "2024年…部门（单位）预算公开" is then 256 characters


def run(*args: str):
    return CliRunner().invoke(main, list(args))


def test_a_bureau_name_the_document_cannot_hold_is_refused_by_check_at_its_cell(broken, rows):
    path = broken(lambda e: e.fact("部门名称", LONG_BUREAU))
    result = run("check", str(path))
    assert result.exit_code == 1, result.output
    cell = f"基本信息!B{rows.fact('部门名称')}"
    assert f"[错误] {cell} 过长：“部门名称”过长（241 个字符，最多 {BUREAU_MAX} 个）" in result.output
    assert "Traceback" not in result.output


def test_a_bureau_name_the_document_cannot_hold_renders_nothing(broken, tmp_path):
    path = broken(lambda e: e.fact("部门名称", LONG_BUREAU))
    result = run("render", str(path), "-o", str(tmp_path / "out"), "--format", "docx")
    assert result.exit_code == 1
    assert "“部门名称”过长" in result.output
    assert "exceeded" not in result.output and "Traceback" not in result.output
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").iterdir())
    # the longest name allowed renders, whole in the DOCX's title and author
    name = "某" * BUREAU_MAX
    path = broken(lambda e: e.fact("部门名称", name))
    result = run("render", str(path), "-o", str(tmp_path / "out"), "--format", "docx")
    assert result.exit_code == 0, result.output
    core = docx.Document(str(tmp_path / "out" / f"{path.stem}.docx")).core_properties
    assert core.title == f"2024年{name}部门（单位）预算公开" and core.author == name


def test_a_profile_title_too_long_for_the_documents_title_is_refused_naming_file_and_key(tmp_path):
    (tmp_path / "profile.toml").write_text('title = "{year}年{bureau}' + "长" * 200 + '"\n', encoding="utf-8")
    result = run("render", str(EXAMPLE), "-o", str(tmp_path / "out"), "--templates", str(tmp_path))
    assert result.exit_code == 1
    assert f"{tmp_path / 'profile.toml'}：title 过长" in result.output
    assert "最多 255 个字符" in result.output and "Traceback" not in result.output


def test_a_bureaus_own_title_past_the_property_limit_is_shortened_at_the_seam(tmp_path):
    """Only a bureau's template can write a <title> past 255 characters: the DOCX's property is shortened, marked."""
    folder = tmp_path / "bureau"
    folder.mkdir()
    builtin = (ROOT / "templates" / "document.html.j2").read_text(encoding="utf-8")
    assert "<title>{{ d.title }}</title>" in builtin
    own = builtin.replace("<title>{{ d.title }}</title>", "<title>" + "题" * 300 + "</title>")
    (folder / "document.html.j2").write_text(own, encoding="utf-8")
    result = run("render", str(EXAMPLE), "-o", str(tmp_path / "out"), "--templates", str(folder), "--format", "docx")
    assert result.exit_code == 0, result.output
    core = docx.Document(str(tmp_path / "out" / f"{EXAMPLE.stem}.docx")).core_properties
    assert core.title == "题" * 254 + "…"


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ('[docx.fonts]\nbody = "仿宋\\u0001"\n', "[docx.fonts] body 含有控制字符或不可见字符 U+0001"),
        ('[docx.fonts]\nheading1 = "黑体\\u200b"\n', "[docx.fonts] heading1 含有控制字符或不可见字符 U+200B"),
        ('[docx.fonts]\ntitle = "' + "x" * 32 + '"\n', "[docx.fonts] title 过长（32 个字符，最多 31 个）"),
        ('[docx.fonts]\nlatin = "Arial; Helvetica"\n', "[docx.fonts] latin 不是字体名称：不能含有 ';'"),
        ('[docx.fonts]\nbody = "<b>"\n', "[docx.fonts] body 不是字体名称：不能含有 '<>'"),
        ('title = "{year}年{bureau}\\n预算"\n', "title 含有控制字符或不可见字符 U+000A"),
        ('fiscal_level = "县\\u0007级"\n', "fiscal_level 含有控制字符或不可见字符 U+0007"),
        ('fiscal_level = "' + "县" * 21 + '"\n', "fiscal_level 过长（21 个字符，最多 20 个）"),
        ('[pdf.fonts]\nbody = "宋体\\u0000"\n', "[pdf.fonts] body 含有控制字符或不可见字符 U+0000"),
    ],
)
def test_every_profile_text_is_checked_naming_file_and_key(tmp_path, content, message):
    (tmp_path / "profile.toml").write_text(content, encoding="utf-8")
    with pytest.raises(ProfileError) as info:
        load_profile(tmp_path)
    assert f"{tmp_path / 'profile.toml'}：{message}" in str(info.value)


def test_a_font_name_holding_a_control_character_is_refused_by_render_with_its_key(tmp_path):
    (tmp_path / "profile.toml").write_text('[docx.fonts]\nbody = "仿宋\\u0001"\n', encoding="utf-8")
    result = run("render", str(EXAMPLE), "-o", str(tmp_path / "out"), "--templates", str(tmp_path), "--format", "docx")
    assert result.exit_code == 1
    assert f"{tmp_path / 'profile.toml'}：[docx.fonts] body 含有控制字符" in result.output
    assert "Traceback" not in result.output and "XML compatible" not in result.output
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").iterdir())
    # ordinary font names pass, as written
    (tmp_path / "profile.toml").write_text(
        '[docx.fonts]\nbody = "仿宋_GB2312"\nheading1 = "Source Han Sans SC"\n'
        'title = "方正小标宋简体"\nlatin = "Times New Roman"\n',
        encoding="utf-8",
    )
    assert load_profile(tmp_path).docx_fonts == {
        "body": "仿宋_GB2312",
        "heading1": "Source Han Sans SC",
        "title": "方正小标宋简体",
        "latin": "Times New Roman",
    }
