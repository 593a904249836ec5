"""A bureau's template folder is read only inside itself, links resolved; its templates are bounded in what they
compute, print and how long they run, and their errors name the template and line in Chinese (issue 24, 11 and 12)."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner
from support import EXAMPLE

from generator.frontends.cli import main
from generator.render import sandbox

SECRET = "TOPSECRET-口令-4711"


def run(*args: str):
    return CliRunner().invoke(main, list(args))


def render(folder: Path, out: Path, formats: str = "pdf,docx,html"):
    return run("render", str(EXAMPLE), "-o", str(out), "--templates", str(folder), "--format", formats)


def refused(result, out: Path, *fragments: str) -> None:
    """Exit 1, the fragments in the message, no traceback, no internal error, nothing written."""
    assert result.exit_code == 1, result.output
    for fragment in fragments:
        assert fragment in result.output, result.output
    assert "Traceback" not in result.output and "内部错误" not in result.output
    assert not out.exists() or not any(out.iterdir())


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    """A bureau's folder beside a secret file outside it."""
    (tmp_path / "secret").write_text(SECRET, encoding="utf-8")
    bureau = tmp_path / "bureau"
    bureau.mkdir()
    return bureau


def include(folder: Path, name: str) -> None:
    (folder / "document.html.j2").write_text(
        '{% extends "default:document.html.j2" %}\n{% block s7 %}<p>{% include "' + name + '" %}</p>{% endblock %}',
        encoding="utf-8",
    )


# --- the folder, and nothing outside it ----------------------------------------------------------


def test_an_included_link_out_of_the_folder_is_refused_naming_the_template(folder, tmp_path):
    (folder / "pw.j2").symlink_to("../secret")
    include(folder, "pw.j2")
    out = tmp_path / "out"
    result = render(folder, out)
    refused(result, out, f"模板文件夹 {folder} 中的 pw.j2 指向文件夹以外", "已拒绝读取")
    assert SECRET not in result.output
    # a link that stays inside the folder is followed
    (folder / "pw.j2").unlink()
    (folder / "note.j2").write_text("本局自有说明。", encoding="utf-8")
    (folder / "pw.j2").symlink_to("note.j2")
    assert render(folder, out, "html").exit_code == 0
    assert "本局自有说明。" in (out / f"{EXAMPLE.stem}.html").read_text(encoding="utf-8")


def test_a_linked_subfolder_leading_out_is_refused(folder, tmp_path):
    (folder / "sub").symlink_to(tmp_path, target_is_directory=True)
    include(folder, "sub/secret")
    out = tmp_path / "out"
    refused(render(folder, out, "html"), out, "sub/secret 指向文件夹以外")


def test_the_document_template_itself_as_a_link_out_is_refused(folder, tmp_path):
    (tmp_path / "elsewhere.j2").write_text("<p>{{ doc.bureau }}</p>", encoding="utf-8")
    (folder / "document.html.j2").symlink_to(tmp_path / "elsewhere.j2")
    out = tmp_path / "out"
    refused(render(folder, out, "html"), out, "document.html.j2 指向文件夹以外")


@pytest.mark.parametrize(
    ("name", "formats"),
    [("style.css", "html"), ("profile.toml", "html"), ("reference.docx", "docx"), ("codes.csv", "html")],
)
def test_every_file_of_the_folder_is_read_only_inside_it(folder, tmp_path, name, formats):
    (folder / name).symlink_to("../secret")
    out = tmp_path / "out"
    refused(render(folder, out, formats), out, f"模板文件夹 {folder} 中的 {name} 指向文件夹以外")


# --- bounded values, output and time -------------------------------------------------------------


def hostile(folder: Path, source: str) -> None:
    """A document template whose second line is ``source``."""
    (folder / "document.html.j2").write_text("<p>第一行</p>\n" + source, encoding="utf-8")


AT_LINE_2 = "模板 document.html.j2 第 2 行"
NESTED_LOOPS = "{% set r = range(100000)|list %}{% for i in r %}{% for j in r %}{% endfor %}{% endfor %}"  # no hook


@pytest.mark.parametrize(
    ("source", "message"),
    [
        ("{{ 'a' * 100000000 }}", "结果过大（100,000,000 项，上限 10,000,000）"),
        ("{{ [0] * 100000000 }}", "结果过大（100,000,000 项"),
        ("{{ 10 ** 5000 }}", "乘方结果过大"),
        ("{{ 3 ** 4000 * 3 ** 4000 }}", "整数过大"),
        ("{% for i in range(10**9) %}{% endfor %}", "数值或范围过大"),
        ("{{ 10.0 ** 400 }}", "数值或范围过大"),
        ("{% macro m(n) %}{{ m(n + 1) }}{% endmacro %}{{ m(0) }}", "递归过深"),
        (
            "{% set ns = namespace(s='ab') %}{% for i in range(60) %}{% set ns.s = ns.s ~ ns.s %}{% endfor %}",
            "结果过大（16,777,216 项",
        ),
        ("{{ 'a'.ljust(10 ** 9) }}", "宽度或个数过大（1,000,000,000"),
        ("{{ 'a'|center(10 ** 9) }}", "宽度或个数过大（1,000,000,000"),
        ("{% set s = 'a' * 1000000 %}{{ s|replace('a', s) }}", "结果过大（1,000,000,000,000 项"),
        ("{% set s = 'a' * 1000000 %}{{ s.replace('a', s) }}", "结果过大（1,000,000,000,000 项"),
        ("{{ '%0100000000d' % 1 }}", "格式宽度过大"),
        ("{{ '{:>100000000}'.format(1) }}", "格式宽度过大"),
        ("{{ 1 // 0 }}", "出错：ZeroDivisionError"),
    ],
)
def test_template_resource_abuse_is_a_template_error_naming_the_line(folder, tmp_path, source, message):
    hostile(folder, source)
    out = tmp_path / "out"
    refused(render(folder, out, "html"), out, AT_LINE_2, message)


def test_a_template_that_runs_too_long_is_stopped_naming_its_line(folder, tmp_path, monkeypatch):
    """Empty nested loops call none of the sandbox's hooks: the deadline stops them all the same."""
    monkeypatch.setattr(sandbox, "TIME_LIMIT", 1.0)
    hostile(folder, NESTED_LOOPS)
    out = tmp_path / "out"
    refused(render(folder, out, "html"), out, AT_LINE_2, "运行超过 1 秒，已停止")


def test_the_documents_output_is_capped(folder, tmp_path, monkeypatch):
    monkeypatch.setattr(sandbox, "MAX_OUTPUT", 1_000_000)
    hostile(folder, "{% for i in range(100000) %}{{ '0123456789' ~ i }}{% endfor %}")
    out = tmp_path / "out"
    refused(render(folder, out, "html"), out, "模板生成的文档过大（超过 1,000,000 个字符，已停止）")


def test_a_bureau_template_of_any_name_is_bounded_and_named(folder, tmp_path, monkeypatch):
    """A template need not end in .j2: the one the loader read is timed and named all the same."""
    monkeypatch.setattr(sandbox, "TIME_LIMIT", 1.0)
    (folder / "loops.html").write_text(
        "<p>甲</p>\n<p>乙</p>\n" + NESTED_LOOPS,
        encoding="utf-8",
    )
    include(folder, "loops.html")
    out = tmp_path / "out"
    refused(render(folder, out, "html"), out, "模板 loops.html 第 3 行：运行超过 1 秒，已停止")


def test_the_time_bound_holds_under_a_tracer_already_set(folder, tmp_path, monkeypatch):
    """A debugger's or coverage's tracer is kept, called, and given back after the render."""
    import sys

    calls = []

    def tracer(frame, event, arg):
        calls.append(event)
        return None

    monkeypatch.setattr(sandbox, "TIME_LIMIT", 1.0)
    hostile(folder, NESTED_LOOPS)
    out = tmp_path / "out"
    previous = sys.gettrace()
    sys.settrace(tracer)
    try:
        result = render(folder, out, "html")
        after = sys.gettrace()
    finally:
        sys.settrace(previous)
    refused(result, out, AT_LINE_2, "运行超过 1 秒，已停止")
    assert after is tracer and calls


def test_what_no_hook_sees_is_bounded_in_memory(folder, tmp_path, monkeypatch):
    """``s ~ s ~ …`` is joined in one step, unseen by the sandbox's hooks: the address-space limit stops it."""
    import resource

    monkeypatch.setattr(sandbox, "MEMORY_LIMIT", 256 * 1024**2)
    hostile(folder, "{% set s = 'a' * 9000000 %}{{ " + " ~ ".join(["s"] * 60) + " }}")  # 540 million characters
    out = tmp_path / "out"
    before = resource.getrlimit(resource.RLIMIT_AS)
    refused(render(folder, out, "html"), out, AT_LINE_2, "内存不足，已停止")
    assert resource.getrlimit(resource.RLIMIT_AS) == before  # given back
