"""A bureau's variant of its format (profile.toml's [format]): what it drops is gone from every output, and
everything numbered closes up (issue #21 item 3).

The real case: a Henan county bureau publishes 12 of the 14 tables (no YS13 国有资本经营支出预算表, no
YS14 机构运行经费表), 9 sections in 第二部分 (no s7 支出经济分类 section, so “三公” is 七, not 八) and
no 机构设置 in 第一部分. The expected titles and numbers below are written by hand.
"""

# ruff: noqa: E501 - expected messages are quoted whole, word for word

from __future__ import annotations

import html as htmllib
import re
import subprocess
from pathlib import Path

import docx
import openpyxl
import pikepdf
import pytest
from click.testing import CliRunner
from support import BUREAU, EXAMPLE_NAME, Editor, spec, tool

from generator.frontends import cli
from generator.jobs import pipeline
from generator.options import RenderOptions
from generator.profile import load_profile
from generator.stages.check import check
from generator.workbook.load import load_workbook

COUNTY = """\
[format]
drop_tables = ["YS13", "YS14"]
drop_sections = ["s7", "divisions"]
drop_glossary = ["财政专户管理资金"]
"""

PART1 = f"第一部分 {BUREAU}部门（单位）概况"
PART2 = f"第二部分 {BUREAU}2024年部门（单位）预算情况说明"  # the heading (and its bookmark)
PART2_TOC = f"第二部分 {BUREAU}部门（单位）2024年度部门预算情况说明"  # the 目录's wording
PART3 = "第三部分 名词解释"
ANNEX = f"附件：{BUREAU}2024年度部门（单位）预算表"

PART1_HEADINGS = [
    f"一、{BUREAU}部门（单位）主要职责",
    f"二、{BUREAU}预算单位构成情况",
]
PART2_HEADINGS = [
    "一、收入支出预算总体情况说明",
    "二、收入预算总体情况说明",
    "三、支出预算总体情况说明",
    "四、财政拨款收入支出预算总体情况说明",
    "五、一般公共预算支出预算情况说明",
    "六、一般公共预算基本支出预算情况说明",
    "七、“三公”经费支出预算情况说明",
    "八、政府性基金预算支出预算情况说明",
    "九、其他重要事项的情况说明",
]
# The 附件's tables as printed (the table's own title carries no number)
TABLES = [
    "部门收支总体情况表",
    "部门收入总体情况表",
    "部门支出总体情况表",
    "财政拨款收支总体情况表",
    "一般公共预算支出情况表",
    "一般公共预算基本支出情况表",
    "支出经济分类汇总表",
    "一般公共预算“三公”经费支出情况表",
    "政府性基金预算支出情况表",
    "项目支出预算表",
    "部门（单位）整体绩效目标表",
    "部门预算项目绩效目标汇总表",
]
TOC = [
    PART1,
    "一、主要职责",
    "二、部门所属预算单位构成情况",
    PART2_TOC,
    PART3,
    ANNEX,
    "一、部门收支总体情况表",
    "二、部门收入总体情况表",
    "三、部门支出总体情况表",
    "四、财政拨款收支总体情况表",
    "五、一般公共预算支出情况表",
    "六、一般公共预算基本支出情况表",
    "七、支出经济分类汇总表",
    "八、一般公共预算“三公”经费支出情况表",
    "九、政府性基金预算支出情况表",
    "十、项目支出预算表",
    "十一、部门（单位）整体绩效目标表",
    "十二、部门预算项目绩效目标汇总表",
]
GLOSSARY = [
    "一、财政拨款收入",
    "二、事业收入",
    "三、事业单位经营收入",
    "四、其他收入",
    "五、用事业基金弥补收支差额",
    "六、基本支出",
    "七、项目支出",
    "八、“三公”经费",
    "九、机构运行经费",
]
# What the variant drops, as the full format would print it: found nowhere
DROPPED = [
    "机构设置",
    "支出预算经济分类情况说明",
    "财预〔2017〕98号",  # the s7 section's text
    "国有资本经营支出预算表",
    "行政（事业）单位机构运行经费表",
    "财政专户管理资金：是指",  # the 名词解释 item (YS01 keeps its 财政专户管理资金收入 row)
    "八、“三公”经费支出预算情况说明",
]


def county_folder(root: Path, profile: str = COUNTY) -> Path:
    folder = root / "县局模板"
    folder.mkdir()
    (folder / "profile.toml").write_text(profile, encoding="utf-8")
    return folder


def clear_list(editor: Editor, label: str) -> None:
    """Empty the list fact ``label``: its label row's value and the rows that continue it (column A blank)."""
    ws = editor.wb["基本信息"]
    row = editor.fact_row(label)
    ws.cell(row=row, column=2).value = None
    row += 1
    while row <= ws.max_row and ws.cell(row=row, column=1).value is None:
        ws.cell(row=row, column=2).value = None
        row += 1


@pytest.fixture(scope="module")
def county(tmp_path_factory) -> Path:
    """The county's templates folder: its profile.toml's [format] is the real case's."""
    return county_folder(tmp_path_factory.mktemp("county"))


@pytest.fixture(scope="module")
def rendered(tmp_path_factory, example_values, county):
    """The example, its own 名词解释 cleared (so the standard one prints), rendered once with the county's
    variant: (prepared, {"pdf": …, "docx": …, "html": …})."""
    path = tmp_path_factory.mktemp("county-workbook") / EXAMPLE_NAME
    wb = openpyxl.load_workbook(example_values)
    clear_list(Editor(wb), "名词解释")
    wb.save(path)
    prepared, written = pipeline.render(
        path, tmp_path_factory.mktemp("county-out"), ("pdf", "docx", "html"), RenderOptions(templates=county)
    )
    return prepared, {p.suffix.lstrip("."): p for p in written}


def _text(fragment: str) -> str:
    return htmllib.unescape(re.sub(r"<[^>]+>", "", fragment))


def _section(html: str, id: str) -> str:
    found = re.search(rf'<section class="part" id="{id}">(.*?)</section>', html, re.S)
    assert found, f"no section {id}"
    return found.group(1)


# --- HTML -------------------------------------------------------------------------------------


def test_html_toc_closes_up(rendered):
    prepared, _ = rendered
    nav = re.search(r'<nav class="toc">(.*?)</nav>', prepared.html, re.S)
    assert nav
    assert [_text(li) for li in re.findall(r"<li [^>]*>(.*?)</li>", nav.group(1), re.S)] == TOC


def test_html_headings_close_up(rendered):
    prepared, _ = rendered
    assert [_text(h) for h in re.findall(r"<h2[^>]*>(.*?)</h2>", prepared.html, re.S)] == [
        "目录",
        *PART1_HEADINGS,
        *PART2_HEADINGS,
    ]
    assert [
        _text(h) for h in re.findall(r"<h2[^>]*>(.*?)</h2>", _section(prepared.html, "part2"), re.S)
    ] == PART2_HEADINGS


def test_html_has_nothing_dropped(rendered):
    prepared, _ = rendered
    text = _text(prepared.html)
    for dropped in DROPPED:
        assert dropped not in text
    assert f"{BUREAU}内设机构" not in text  # the 机构设置 section's sentence
    assert 'id="divisions"' not in prepared.html and 'id="s7"' not in prepared.html
    assert re.search("ys1[34]", prepared.html, re.I) is None  # no table, anchor or class of YS13 or YS14
    assert [_text(t) for t in re.findall(r'<p class="table-title"[^>]*>(.*?)</p>', prepared.html, re.S)] == TABLES


def test_html_standard_glossary_closes_up(rendered):
    prepared, _ = rendered
    items = [_text(p) for p in re.findall(r"<p>(.*?)</p>", _section(prepared.html, "part3"), re.S)]
    assert [item.split("：")[0] for item in items] == GLOSSARY
    assert (
        items[0]
        == "一、财政拨款收入：是指市级财政当年拨付的资金；包括一般公共预算拨款、政府性基金预算拨款、国有资本经营预算拨款。"
    )
    assert items[1] == "二、事业收入：是指事业单位开展专业活动及辅助活动所取得的收入，不包括教育收费。"


# --- PDF --------------------------------------------------------------------------------------


def test_pdf_bookmarks_close_up(rendered):
    _, written = rendered
    with pikepdf.Pdf.open(written["pdf"]) as pdf, pdf.open_outline() as outline:
        tree = [(item.title, [child.title for child in item.children]) for item in outline.root]
    assert tree == [
        (PART1, PART1_HEADINGS),
        (PART2, PART2_HEADINGS),
        (PART3, []),
        (ANNEX, TABLES),
    ]


def _pdftotext(path: Path, *pages: int) -> str:
    span = ["-f", str(pages[0]), "-l", str(pages[-1])] if pages else []
    return subprocess.run([tool("pdftotext"), *span, str(path), "-"], capture_output=True, text=True, check=True).stdout


def test_pdf_text_closes_up(rendered):
    _, written = rendered
    text = _pdftotext(written["pdf"])
    assert "七、“三公”经费支出预算情况说明" in [line.strip() for line in text.splitlines()]
    flat = re.sub(r"\s+", "", text)
    for dropped in DROPPED:
        assert dropped not in flat
    # The 目录 page: each entry, its dot leader and its page number (an entry may wrap over two lines)
    toc = re.sub(r"\s+", "", _pdftotext(written["pdf"], 2))
    assert toc.startswith("目录")
    entries = re.findall(r"(.+?)\.{2,}(\d+)", toc.removeprefix("目录"))
    assert [entry for entry, _page in entries] == [re.sub(r"\s+", "", line) for line in TOC]
    pages = [int(page) for _entry, page in entries]
    assert pages == sorted(pages)


# --- DOCX -------------------------------------------------------------------------------------


def test_docx_headings_toc_and_tables_close_up(rendered):
    _, written = rendered
    document = docx.Document(str(written["docx"]))
    paragraphs = [(p.style.name, p.text) for p in document.paragraphs]
    assert [text for style, text in paragraphs if style == "Heading 2"] == PART1_HEADINGS + PART2_HEADINGS
    assert [text.split("\t")[0] for style, text in paragraphs if style in ("toc 1", "toc 2")] == TOC
    titles = [text for style, text in paragraphs if style == "Table Title"]
    assert len(titles) == 12
    assert titles == TABLES
    every = "\n".join(text for _, text in paragraphs)
    for dropped in DROPPED:
        assert dropped not in every
    assert not any("机构设置" in text for style, text in paragraphs if style.startswith("Heading"))


# --- check ------------------------------------------------------------------------------------


def test_dropped_sections_facts_are_not_required(broken, rows, tmp_path):
    path = broken(lambda e: clear_list(e, "内设机构"))
    required = f"[错误] 基本信息!B{rows.fact('内设机构')} 必填项：“内设机构”未填写"
    assert required in [f.line() for f in check(load_workbook(path))]
    variant = load_profile(county_folder(tmp_path)).variant
    assert [f.line() for f in check(load_workbook(path, variant))] == []


def test_data_on_a_dropped_tables_sheet_is_a_warning(broken, tmp_path):
    first = spec("YS14").data_row
    path = broken(lambda e: e.fill("YS14", first, code="30201", name="办公费", total=3.65))
    folder = county_folder(tmp_path)
    lines = [f.line() for f in check(load_workbook(path, load_profile(folder).variant))]
    assert lines == [
        f"[警告] YS14 不公开的表：本单位不公开YS14（{folder / 'profile.toml'} 的 [format] drop_tables），表中的数据不会读取"
    ]


def test_cli_check_with_the_variant(example_path, tmp_path):
    result = CliRunner().invoke(cli.main, ["check", str(example_path), "--templates", str(county_folder(tmp_path))])
    assert result.exit_code == 0, result.output
    assert result.stdout == f"{EXAMPLE_NAME}：0 处错误，0 处警告（科目表：内置2024年科目表）\n"


# --- refusals ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("profile", "message"),
    [
        (
            '[format]\ndrop_tables = ["YS03"]\n',
            f"无法读取工作簿 {EXAMPLE_NAME}：{{profile}}：[format] drop_tables 中的“YS03”不能删去：henan格式规定必须公开此表（可删去的表：YS07、YS11、YS12、YS13、YS14）",
        ),
        (
            '[format]\ndrop_sections = ["s11"]\n',
            f"无法读取工作簿 {EXAMPLE_NAME}：{{profile}}：[format] drop_sections 中的“s11”不是henan格式的节（可用：duties、divisions、composition、s1、s2、s3、s4、s5、s6、s7、s8、s9、s10）",
        ),
        (
            '[format]\ndrop_glossary = ["预算公开"]\n',
            f"无法读取工作簿 {EXAMPLE_NAME}：{{profile}}：[format] drop_glossary 中的“预算公开”不是henan格式的名词解释（可用：财政拨款收入、财政专户管理资金、事业收入、事业单位经营收入、其他收入、用事业基金弥补收支差额、基本支出、项目支出、“三公”经费、机构运行经费）",
        ),
        (
            '[format]\ndrop_tables = "YS13"\n',
            "{profile}：[format] drop_tables 应为列表（如 [\"YS13\"]），实为 'YS13'",
        ),
        (
            '[format]\ndrop_pages = ["YS13"]\n',
            "{profile}：[format] 不认识 drop_pages（可用：drop_tables, drop_sections, drop_glossary）",
        ),
    ],
    ids=["required-table", "unknown-section", "unknown-term", "not-a-list", "unknown-key"],
)
def test_bad_variant_is_refused_word_for_word(example_path, tmp_path, profile, message):
    folder = county_folder(tmp_path, profile)
    result = CliRunner().invoke(cli.main, ["check", str(example_path), "--templates", str(folder)])
    assert result.exit_code == 1
    assert result.stdout == ""
    assert result.stderr == message.format(profile=folder / "profile.toml") + "\n"
