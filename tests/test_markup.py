"""Free text is data: markup in any cell prints literally in HTML, PDF and DOCX, and no local file is read.

A workbook whose bureau name, duties, divisions, project names, performance targets and terms
carry HTML and Jinja markup is rendered to all three formats in this process, with every URL
WeasyPrint asks for and every file Python opens recorded.
"""

from __future__ import annotations

import re
import subprocess
import sys
import zipfile
from pathlib import Path

import docx
import lxml.html
import openpyxl
import pytest
from jinja2.exceptions import SecurityError, TemplateNotFound
from support import SMALL_BUREAU, Editor, fill_small, small_row, tool

from generator.errors import BudgetError
from generator.jobs import pipeline
from generator.render import fonts, pdf
from generator.render.html import TEMPLATES, render_html

IMG = '<img src="file:///etc/passwd">'
JINJA = "{{7*7}}"
BOLD = "<b>粗</b>"
AMP = "研发&创新"
SCRIPT = "<script>alert(1)</script>"
BLOCK = "{% raw %}"
PLANTED = {
    "bureau": f"{SMALL_BUREAU}{BOLD}",
    "duty": f"负责{IMG}测试工作{JINJA}。",
    "division": f"办公室{AMP}",
    "project": f"日常工作经费{SCRIPT}",
    "target": f"做好测试工作{BLOCK}&amp;。",
    "term": f"基本支出：{IMG}是指保障机构正常运转的开支。",
}
LITERALS = [IMG, JINJA, BOLD, AMP, SCRIPT, BLOCK, "&amp;"]

_opened: list[str] | None = None


def _audit(event: str, args: tuple) -> None:
    if _opened is not None and event == "open" and args and isinstance(args[0], (str, bytes, Path)):
        _opened.append(str(args[0]))


sys.addaudithook(_audit)  # records only while a test sets _opened


def plant(e: Editor) -> None:
    e.fact("部门名称", PLANTED["bureau"])
    e.fact_list("主要职责", [PLANTED["duty"], "承办市政府交办的其他事项。"])
    e.fact("内设机构", PLANTED["division"])
    e.fact("名词解释", PLANTED["term"])
    e.set("YS10", "name", small_row("YS10", 0), PLANTED["project"])
    e.set("YS12", "name", small_row("YS12", 0), PLANTED["project"])
    e.set("YS11", "text", small_row("YS11", 0), PLANTED["target"])
    for code, key in (("YS03", "name"), ("YS10", "unit")):  # the bureau's own rows carry its name
        for row in range(1, e.sheet(code).max_row + 1):
            if e.get(code, key, row) == SMALL_BUREAU:
                e.set(code, key, row, PLANTED["bureau"])


def squash(text: str) -> str:
    """Text without whitespace: pdftotext and Word break lines where they like."""
    return re.sub(r"\s+", "", text)


@pytest.fixture(scope="module")
def rendered(
    blank_values, tmp_path_factory
) -> tuple[dict[str, Path], list[tuple[str, str]], list[str], pipeline.Prepared]:
    """The small budget with markup planted, rendered once in this process: outputs, URLs asked for, files opened."""
    global _opened
    folder = tmp_path_factory.mktemp("markup")
    source = folder / "标记.xlsx"
    wb = openpyxl.load_workbook(blank_values)
    fill_small(Editor(wb))
    plant(Editor(wb))
    wb.save(source)
    fetched: list[tuple[str, str]] = []
    original = pdf.RestrictedURLFetcher.fetch

    def recording_fetch(self, url, headers=None):
        try:
            response = original(self, url, headers)
        except ValueError:
            fetched.append((url, "refused"))
            raise
        fetched.append((url, "fetched"))
        return response

    _opened = []
    try:
        with pytest.MonkeyPatch.context() as monkeypatch:
            monkeypatch.setattr(pdf.RestrictedURLFetcher, "fetch", recording_fetch)
            prepared, written = pipeline.render(source, folder / "out", ("html", "pdf", "docx"), parallel=False)
        opened = list(_opened)
    finally:
        _opened = None
    return {p.suffix.lstrip("."): p for p in written}, fetched, opened, prepared


def test_markup_prints_literally_in_html(rendered):
    outputs, _fetched, _opened, _prepared = rendered
    html = outputs["html"].read_text(encoding="utf-8")
    tree = lxml.html.document_fromstring(html)
    assert not [el for el in tree.iter() if el.tag in ("img", "script")]
    assert not [b for b in tree.iter("b") if b.text == "粗"]
    text = tree.text_content()
    for value in PLANTED.values():
        assert value in text, value


def test_markup_prints_literally_in_pdf(rendered):
    outputs, _fetched, _opened, _prepared = rendered
    text = squash(
        subprocess.run([tool("pdftotext"), str(outputs["pdf"]), "-"], check=True, capture_output=True, text=True).stdout
    )
    for value in PLANTED.values():
        assert squash(value) in text, value


def test_markup_prints_literally_in_docx(rendered):
    outputs, _fetched, _opened, _prepared = rendered
    document = docx.Document(str(outputs["docx"]))
    parts = [p.text for p in document.paragraphs]
    for table in document.tables:
        for row in table.rows:
            parts += [cell.text for cell in row.cells]
    text = squash("\n".join(parts))
    for value in PLANTED.values():
        assert squash(value) in text, value
    assert document.core_properties.author == PLANTED["bureau"]


def test_no_local_file_is_read(rendered):
    outputs, fetched, opened, _prepared = rendered
    assert [path for path in opened if path.endswith("标记.xlsx")]  # the audit hook saw the workbook opened
    allowed_fonts = {str(p) for p in fonts.font_files().values()}
    for url, outcome in fetched:
        if outcome == "fetched":
            assert (
                url.startswith("data:")
                or url.startswith(TEMPLATES.as_uri())
                or any(url.endswith(Path(f).name) for f in allowed_fonts)
            ), url
    assert not [url for url, _ in fetched if "passwd" in url]
    assert not [path for path in opened if "passwd" in path]
    first_line = Path("/etc/passwd").read_text().splitlines()[0]
    for path in outputs.values():
        assert first_line.encode() not in path.read_bytes()


# --- a bureau's own templates run in the sandbox -----------------------------------------------------


def _bureau_templates(tmp_path: Path, block: str) -> Path:
    folder = tmp_path / "本单位模板"
    folder.mkdir(parents=True)
    (folder / "document.html.j2").write_text(
        '{% extends "default:document.html.j2" %}{% block duties %}' + block + "{% endblock %}", encoding="utf-8"
    )
    return folder


def test_a_bureau_template_still_escapes_workbook_text(rendered, tmp_path):
    *_rest, prepared = rendered
    html = render_html(prepared.document, _bureau_templates(tmp_path, "<p class=mine>{{ d.bureau }}</p>"))
    assert f"<p class=mine>{SMALL_BUREAU}&lt;b&gt;粗&lt;/b&gt;</p>" in html


def test_a_bureau_template_cannot_reach_python_internals(rendered, tmp_path):
    """The sandbox stops it; the refusal is a BudgetError (a message for the clerk, exit 1, no traceback)."""
    *_rest, prepared = rendered
    templates = _bureau_templates(tmp_path, "{{ d.__class__.__mro__[1].__subclasses__() }}")
    with pytest.raises(BudgetError) as info:
        render_html(prepared.document, templates)
    assert isinstance(info.value.__context__, SecurityError) or "__class__" in str(info.value)
    assert "<class" not in str(info.value)


def test_a_bureau_template_cannot_include_files_outside_the_template_folders(rendered, tmp_path):
    *_rest, prepared = rendered
    first_line = Path("/etc/passwd").read_text().splitlines()[0]
    for name in ("/etc/passwd", "../../../../../../etc/passwd", "default:../../../../../../etc/passwd"):
        templates = _bureau_templates(tmp_path / name.replace("/", "_"), f'{{% include "{name}" %}}')
        with pytest.raises(BudgetError) as info:
            render_html(prepared.document, templates)
        assert isinstance(info.value.__context__, TemplateNotFound)
        assert first_line not in str(info.value)


def test_the_docx_writer_drops_characters_xml_cannot_hold(tmp_path):
    """The loader removes them already; the writer does too, for HTML from elsewhere (a bureau's template)."""
    from generator.render.docx import write_docx

    html = (
        "<html><head><title>标题\x01</title><meta name=author content='局\x0b'></head><body>"
        "<h1>一\x00二</h1><p>正文\x08<b>粗\x1f</b></p>"
        "<table><tr><th>表\x0c头</th></tr><tr><td class=num>1\x02</td></tr></table></body></html>"
    )
    target = tmp_path / "控制字符.docx"
    write_docx(html, target)
    document = docx.Document(str(target))
    text = "".join(p.text for p in document.paragraphs) + "".join(
        c.text for t in document.tables for r in t.rows for c in r.cells
    )
    # HTML parsing makes U+0000 a U+FFFD and a form feed a space; the others are dropped
    assert "一\ufffd二" in text and "正文粗" in text and "表 头" in text and "1" in text
    assert document.core_properties.title == "标题" and document.core_properties.author == "局"
    with zipfile.ZipFile(target) as archive:
        parts = [archive.read(name) for name in archive.namelist() if name.endswith((".xml", ".rels"))]
    assert not [part for part in parts if re.search(rb"[\x00-\x08\x0b\x0c\x0e-\x1f]", part)]
