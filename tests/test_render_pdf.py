"""PDF writer: GB/T 9704 pages, embedded CJK subsets, bookmarks, TOC numbers, safe fetching."""

from __future__ import annotations

import logging
import os
import re
import signal
import subprocess
import sys
from html import escape
from pathlib import Path

import pytest
from support import tool

from generator.render import fonts, pdf

A4_PX = (793.7, 1122.5)  # WeasyPrint page sizes are CSS px (96 per inch)
TITLE = "2024年义马市工业信息化和科技局部门（单位）预算公开"
AUTHOR = "义马市工业信息化和科技局"

DUTIES = [
    "提出全市新型工业化发展战略和政策，协调解决新型工业化进程中的重大问题，拟订并组织实施全市工业、"
    "信息化的发展规划，推进产业结构战略性调整和优化升级，推进信息化和工业化融合；指导全市工业企业生产综合管理。",
    "拟订并组织实施全市工业行业规划、计划和产业政策，提出优化产业布局、结构的政策建议，组织实施行业技术"
    "规范和标准，指导行业质量管理工作。",
    "监测分析全市工业运行态势，统计并发布相关信息，进行预测预警和信息引导，协调解决行业运行发展中的有关"
    "问题并提出政策建议，负责工业应急管理、产业安全和国防动员有关工作。",
    "负责提出全市工业、信息化固定资产投资规模和方向（含利用外资和境外投资）以及国家对口部门、省、三门峡市"
    "和本市用于工业和信息化财政性建设资金安排的意见，按照规定权限审批、核准国家和省、三门峡市规划内和年度"
    "计划规模内固定资产投资项目。",
    "编制科技、知识产权、防震减灾规划和年度计划，并组织实施。组织实施省、市重大科技专项、关键技术和共性"
    "技术攻关。承担推进全市创新体系建设的责任，指导高新技术产业化及应用技术的开发与推广。",
    "研究制定全市煤炭工业发展及改革政策，研究制定全市煤炭工业的发展规划，促进行业结构调整；统筹全市煤炭"
    "资源合理开发及综合利用，依法规范和整顿煤炭生产和经营秩序。",
]
NUMERALS = "一二三四五六七八九十"
EXPLANATIONS = [
    (
        "一、收入支出预算总体情况说明",
        "2024年义马市工业信息化和科技局部门（单位）收入总计1,959.63万元，支出总计1,959.63万元，与2023年预算"
        "相比，收入减少22.02万元，下降1.11%，主要原因是：科技口奖补资金不在我单位列预算。",
    ),
    (
        "二、收入预算总体情况说明",
        "2024年义马市工业信息化和科技局部门（单位）收入合计1,959.63万元，其中：一般公共预算1,959.63万元。",
    ),
    (
        "三、支出预算总体情况说明",
        "2024年义马市工业信息化和科技局部门（单位）支出合计1,959.63万元，其中：基本支出186.13万元，占9.50%；"
        "项目支出1,773.50万元，占90.50%。",
    ),
    (
        "四、一般公共预算基本支出预算情况说明",
        "一般公共预算基本支出年初预算为186.13万元，其中：人员经费支出169.08万元，占90.84%；主要包括：基本工资、"
        "津贴补贴、奖金、绩效工资、机关事业单位基本养老保险缴费、职业年金缴费、医疗保险缴费、住房公积金；"
        "公用经费支出17.05万元，占9.16%。",
    ),
]
ITEMS = [
    ("206", "02", "99", "其他基础研究支出"),
    ("206", "04", "99", "其他技术与开发支出"),
    ("206", "99", "99", "其他科学技术支出"),
    ("208", "05", "05", "机关事业单位基本养老保险缴费支出"),
    ("210", "11", "01", "行政单位医疗"),
    ("210", "11", "02", "事业单位医疗"),
    ("215", "05", "01", "行政运行"),
    ("215", "08", "99", "其他支持中小企业发展和管理支出"),
    ("221", "02", "01", "住房公积金"),
]
LANDSCAPE_ROWS = 80


def _money(value: float) -> str:
    return f"{value:,.2f}" if value else ""


def _table_head(title: str, code: str) -> str:
    return (
        f'<div class="table-head"><p class="table-title">{title}</p>'
        f'<p class="table-meta"><span>部门：{AUTHOR}</span><span>2024年度</span>'
        f"<span>{code}</span><span>单位：万元</span></p></div>"
    )


def _portrait_table() -> str:
    income = [
        "一、一般公共预算",
        "其中：财政拨款",
        "二、政府性基金预算拨款收入",
        "三、国有资本经营预算拨款收入",
        "四、财政专户管理资金收入",
        "五、事业收入",
        "六、事业单位经营收入",
        "七、上级补助收入",
        "八、附属单位上缴收入",
        "九、其他收入",
    ]
    spending = [
        "一般公共服务",
        "外交",
        "国防",
        "公共安全",
        "教育",
        "科学技术",
        "文化旅游体育与传媒",
        "社会保障和就业",
        "社会保险基金支出",
        "卫生健康",
        "节能环保",
        "城乡社区事务",
        "农林水事务",
        "交通运输",
        "资源勘探信息等",
        "商业服务业等",
        "金融支出",
    ]
    amounts = {"科学技术": 1407.90, "社会保障和就业": 15.17, "卫生健康": 6.83, "资源勘探信息等": 518.62}
    rows = []
    for i in range(max(len(income), len(spending))):
        left = income[i] if i < len(income) else ""
        left_amount = _money(1959.63) if i < 2 else ""
        right = f"{NUMERALS[i] if i < 10 else '十' + NUMERALS[i - 10]}、{spending[i]}" if i < len(spending) else ""
        right_amount = _money(amounts.get(spending[i], 0)) if i < len(spending) else ""
        rows.append(
            f'<tr><td class="text">{left}</td><td class="num">{left_amount}</td>'
            f'<td class="text">{right}</td><td class="num">{right_amount}</td></tr>'
        )
    rows.append(
        '<tr class="total"><td>本年收入合计</td><td class="num">1,959.63</td>'
        '<td>本年支出合计</td><td class="num">1,959.63</td></tr>'
    )
    return (
        _table_head("部门收支总体情况表", "YS01") + '<table><colgroup><col style="width: 34%"><col style="width: 16%">'
        '<col style="width: 34%"><col style="width: 16%"></colgroup>'
        '<thead><tr><th colspan="2">收入</th><th colspan="2">支出</th></tr>'
        "<tr><th>项目</th><th>金额</th><th>项目</th><th>金额</th></tr></thead>"
        "<tbody>" + "".join(rows) + "</tbody></table>"
        '<p class="table-note">说明：本表反映部门本年度的总收支和年末结转结余情况。</p>'
    )


def _landscape_table() -> str:
    widths = [4, 4, 4, 7, 19] + [6.5] * 9 + [0]
    cols = "".join(f'<col style="width: {w}%">' for w in widths[:14])
    head = (
        "<thead>"
        '<tr><th colspan="3">科目编码</th><th rowspan="3">单位代码</th><th rowspan="3">单位（科目名称）</th>'
        '<th rowspan="3">合计</th><th colspan="5">基本支出</th><th colspan="3">项目支出</th></tr>'
        '<tr><th rowspan="2">类</th><th rowspan="2">款</th><th rowspan="2">项</th><th rowspan="2">小计</th>'
        '<th colspan="2">人员经费</th><th colspan="2">公用经费</th><th rowspan="2">小计</th>'
        '<th rowspan="2">其他运转类</th><th rowspan="2">特定目标类</th></tr>'
        "<tr><th>工资福利支出</th><th>对个人和家庭的补助</th><th>商品和服务支出</th><th>资本性支出</th></tr>"
        "</thead>"
    )
    total = [1959.63, 186.13, 153.02, 16.06, 17.05, 0, 1773.50, 246.00, 1527.50]
    total_cells = "".join(f'<td class="num">{_money(v)}</td>' for v in total)
    rows = [
        f'<tr class="total"><td></td><td></td><td></td><td></td><td></td>{total_cells}</tr>',
        f'<tr class="total"><td></td><td></td><td></td><td></td><td>合计</td>{total_cells}</tr>',
        f'<tr><td></td><td></td><td></td><td>021001</td><td class="text">{AUTHOR}</td>{total_cells}</tr>',
    ]
    for i in range(LANDSCAPE_ROWS - len(rows)):
        kind, section, item, name = ITEMS[i % len(ITEMS)]
        basic = round(10 + i * 1.37, 2) if i % 2 else 0
        project = round(20 + i * 3.11, 2)
        values = [basic + project, basic, basic, 0, 0, 0, project, 0, project]
        cells = "".join(f'<td class="num">{_money(v)}</td>' for v in values)
        rows.append(
            f"<tr><td>{kind}</td><td>{section}</td><td>{item}</td><td></td>"
            f'<td class="text">{name}（{i + 1}）</td>{cells}</tr>'
        )
    return (
        '<section class="landscape">'
        + _table_head("部门支出总体情况表", "YS03")
        + f"<table><colgroup>{cols}</colgroup>{head}<tbody>{''.join(rows)}</tbody></table>"
        "</section>"
    )


def sample_html(extra_body: str = "") -> str:
    """A document in the vocabulary of generator.render: cover, TOC, two parts, two tables."""
    duties = "".join(f"<p>（{NUMERALS[i % 10]}）{text}</p>" for i, text in enumerate(DUTIES * 3))
    part1 = (
        '<section class="part" id="part-1">'
        f"<h1>第一部分<br>{AUTHOR}部门（单位）概况</h1>"
        f'<h2 id="p1-s1">一、{AUTHOR}主要职责</h2>'
        f"<p>{AUTHOR}部门（单位）的主要职责是：</p>{duties}"
        "<h2>二、机构设置</h2>"
        "<h3>（一）内设机构</h3>"
        "<p>义马市工业信息化和科技局内设机构10个，包括综合办、产业规划与运行监测科、节能与科技装备科、"
        "企业指导科、高新技术与基础研究科、社会发展与科技金融科、安全生产科、煤炭行业管理科、材料工业科、"
        "消费品工业科。</p>"
        "<h4>1. 预算单位构成</h4>"
        "<p>根据部门预算管理有关规定，本预算为汇总预算，包括本级预算和所属单位预算。</p>"
        "</section>"
    )
    explanations = "".join(f"<h2>{head}</h2><p>{text}</p><p>{text}</p>" for head, text in EXPLANATIONS * 2)
    part2 = (
        '<section class="part" id="part-2">'
        f"<h1>第二部分<br>{AUTHOR}2024年部门（单位）预算情况说明</h1>"
        f"{explanations}{_portrait_table()}{_landscape_table()}"
        "</section>"
    )
    toc = (
        '<nav class="toc"><h2 class="toc-title">目录</h2><ol>'
        f'<li class="toc-1"><a href="#part-1">第一部分 {AUTHOR}部门（单位）概况</a></li>'
        '<li class="toc-2"><a href="#p1-s1">一、主要职责</a></li>'
        f'<li class="toc-1"><a href="#part-2">第二部分 {AUTHOR}2024年部门（单位）预算情况说明</a></li>'
        "</ol></nav>"
    )
    return (
        '<!DOCTYPE html><html lang="zh-CN"><head><meta charset="utf-8">'
        f"<title>{escape(TITLE)}</title>"
        f'<meta name="author" content="{escape(AUTHOR)}">'
        '<meta name="dcterms.created" content="2024-03-01T09:00:00+08:00">'
        '<meta name="dcterms.modified" content="2024-03-01T09:00:00+08:00">'
        f'</head><body><h1 class="doc-title">{TITLE}</h1>{toc}{part1}{part2}{extra_body}'
        "</body></html>"
    )


def _run(*args: str) -> str:
    return subprocess.run(args, check=True, capture_output=True, text=True).stdout


def _page_text(pdf_path: Path, page: int) -> str:
    return _run(tool("pdftotext"), "-layout", "-f", str(page), "-l", str(page), str(pdf_path), "-")


@pytest.fixture(scope="module")
def document():
    return pdf.render_document(sample_html())


@pytest.fixture(scope="module")
def sample_pdf(tmp_path_factory) -> Path:
    target = tmp_path_factory.mktemp("pdf") / "sample.pdf"
    pdf.write_pdf(sample_html(), target)
    return target


def _anchor_page(document, anchor: str) -> int:
    return next(i + 1 for i, page in enumerate(document.pages) if anchor in page.anchors)


def _landscape_pages(document) -> list[int]:
    return [i + 1 for i, page in enumerate(document.pages) if page.width > page.height]


# ---------- fonts ----------


@pytest.mark.parametrize("face", fonts.FACES, ids=lambda f: f"{f.family}-{f.weight}")
def test_fontconfig_binds_each_family_to_its_face(face):
    """Under our fonts.conf each family of the stylesheet opens the file FACES names, in its
    simplified-Chinese face: index 2 of a Noto CJK collection, whose first face is the JP one."""
    path = fonts.font_files().get((face.family, face.weight))
    if path is None:
        pytest.skip(f"optional face not installed: {face.family} {face.weight}")
    style = "bold" if face.weight == 700 else "regular"
    env = {**os.environ, "FONTCONFIG_FILE": str(pdf.fontconfig_file())}
    found = subprocess.run(
        [tool("fc-match"), "--format=%{file}|%{index}", f"{face.family}:{style}"],
        capture_output=True,
        text=True,
        check=True,
        env=env,
    ).stdout
    file, index = found.split("|")
    assert Path(file).resolve() == path
    assert index == ("2" if path.suffix == ".ttc" else "0")


def test_missing_font_names_the_debian_package(monkeypatch):
    face = fonts.Face("BR FangSong", 400, "fonts-cwtex-fs", ("/nonexistent/cwfs.ttf",), True)
    monkeypatch.setattr(fonts, "FACES", (face,))
    fonts.font_files.cache_clear()
    try:
        with pytest.raises(RuntimeError, match="请安装 Debian 软件包 fonts-cwtex-fs"):
            fonts.font_files()
    finally:
        monkeypatch.undo()
        fonts.font_files.cache_clear()


def test_every_font_embedded_as_subset_of_the_simplified_chinese_faces(sample_pdf):
    lines = _run(tool("pdffonts"), str(sample_pdf)).splitlines()[2:]
    assert lines
    names = set()
    for line in lines:
        name, *_, emb, sub, _uni, _obj, _gen = line.split()
        assert (emb, sub) == ("yes", "yes"), line
        names.add(name.split("+")[1])
    # the SC faces of the Noto collections (never -JP, whose ：；sit centred) and 楷体's stand-in
    assert names >= {"Noto-Serif-CJK-SC", "Noto-Sans-CJK-SC", "LXGW-WenKai"}, names
    assert not [n for n in names if n.endswith(("-JP", "-KR", "-TC", "-HK"))], names


def test_no_font_folder_is_left_by_a_killed_render(tmp_path):
    """WeasyPrint copies a font into a temporary folder of its own for each @font-face rule (128 MB
    a process), which a killed process leaves behind; our families come from fontconfig instead."""
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    (tmp_path / "in.html").write_text(sample_html(), encoding="utf-8")
    script = (
        "import os, pathlib, signal, sys\n"
        "from generator.render import pdf\n"
        "html = pathlib.Path(sys.argv[1]).read_text(encoding='utf-8')\n"
        "pdf.write_pdf(html, pathlib.Path(sys.argv[2]))\n"
        "os.kill(os.getpid(), signal.SIGKILL)\n"
    )
    env = {**os.environ, "TMPDIR": str(scratch)}
    args = [sys.executable, "-c", script, str(tmp_path / "in.html"), str(tmp_path / "out.pdf")]
    done = subprocess.run(args, env=env)
    assert done.returncode == -signal.SIGKILL
    assert (tmp_path / "out.pdf").stat().st_size > 0
    assert list(scratch.iterdir()) == []


@pytest.mark.parametrize("which", ["sample", "example"])
def test_no_fonttools_fallback_and_no_warnings(which, request, caplog, tmp_path):
    """HarfBuzz subsets the fonts (fontTools takes 15 times as long), and WeasyPrint warns of nothing."""
    html = sample_html() if which == "sample" else request.getfixturevalue("example_html")
    with caplog.at_level(logging.WARNING, logger="weasyprint"):
        pdf.write_pdf(html, tmp_path / "out.pdf")
    messages = [r.getMessage() for r in caplog.records if r.name.startswith("weasyprint")]
    assert not [m for m in messages if "Using fontTools" in m]
    assert messages == []


def test_footnotes_and_list_markers_are_laid_out():
    """WeasyPrint's own user-agent stylesheet serves: a footnote gets its call, a numbered list its markers."""
    extra = '<p>正文<span style="float: footnote">脚注</span></p><ol style="list-style: decimal"><li>一</li></ol>'
    boxes = list(_boxes(pdf.render_document(sample_html(extra))))
    calls = [b for b in boxes if (b.element_tag or "").endswith("::footnote-call")]
    assert calls and _texts(calls[0]) == ["1"]
    markers = [b for b in boxes if b.element_tag == "li::marker"]
    assert markers and _texts(markers[0]) == ["1. "]


def _boxes(document):
    for page in document.pages:
        yield from _boxes_of(page._page_box)


def _texts(box) -> list[str]:
    return [b.text for b in _boxes_of(box) if hasattr(b, "text")]


def _boxes_of(box):
    yield box
    for child in getattr(box, "children", ()):
        yield from _boxes_of(child)


# ---------- pages ----------


def test_page_sizes_a4_and_landscape(document, sample_pdf):
    landscape = _landscape_pages(document)
    assert len(landscape) >= 2, "the 80-row table spans several landscape pages"
    for i, page in enumerate(document.pages, start=1):
        size = (page.height, page.width) if i in landscape else (page.width, page.height)
        assert size == pytest.approx(A4_PX, abs=0.5)
    info = _run(tool("pdfinfo"), "-f", "1", "-l", str(len(document.pages)), str(sample_pdf))
    sizes = re.findall(r"Page\s+(\d+) size:\s+([\d.]+) x ([\d.]+) pts", info)
    assert len(sizes) == len(document.pages)
    for number, width, height in sizes:
        expected = (841.89, 595.276) if int(number) in landscape else (595.276, 841.89)
        assert (float(width), float(height)) == pytest.approx(expected, abs=0.1)


def test_parts_start_new_pages(document):
    part1, part2 = _anchor_page(document, "part-1"), _anchor_page(document, "part-2")
    assert _anchor_page(document, "p1-s1") == part1 > 2  # cover, then the TOC page
    assert part2 > part1 + 1  # part 1 runs over several pages


def test_page_numbers_in_gbt9704_style(document, sample_pdf):
    # "— 2 —": pdftotext drops the narrow spaces around the number.
    for number in (2, 3, len(document.pages)):
        assert re.search(rf"—\s?{number}\s?—", _page_text(sample_pdf, number))
    assert "—" not in _page_text(sample_pdf, 1)  # the cover has none


def test_toc_shows_real_page_numbers(document, sample_pdf):
    toc = re.sub(r"\s+", "", _page_text(sample_pdf, 2))  # entries may wrap
    assert toc.startswith("目录")
    for anchor, text in (("part-1", "第一部分"), ("p1-s1", "一、主要职责"), ("part-2", "第二部分")):
        number = _anchor_page(document, anchor)
        assert re.search(rf"{text}[^.]*\.{{3,}}{number}(?!\d)", toc), (text, number, toc)


def test_landscape_table_header_repeats_on_each_page(document, sample_pdf):
    pages = _landscape_pages(document)
    for number in pages:
        text = _page_text(sample_pdf, number)
        for header in ("科目编码", "基本支出", "项目支出", "人员经费", "公用经费"):
            assert header in text, (number, header)
    last_body_row = f"（{LANDSCAPE_ROWS - 3}）"
    assert last_body_row in _page_text(sample_pdf, pages[-1])


def test_bookmarks_parts_and_tables(document):
    tree = document.make_bookmark_tree()
    labels = [label for label, *_ in tree]
    assert len(labels) == 2
    assert labels[0].startswith("第一部分") and labels[1].startswith("第二部分")
    part2_children = [label for label, *_ in tree[1][2]]
    assert "部门收支总体情况表" in part2_children
    assert "部门支出总体情况表" in part2_children
    assert "一、收入支出预算总体情况说明" in part2_children
    assert all("目录" not in label for label in labels)


# ---------- metadata, reproducibility, variants ----------


def test_metadata_from_html(sample_pdf):
    info = _run(tool("pdfinfo"), str(sample_pdf))
    assert re.search(rf"Title:\s+{TITLE}", info)
    assert re.search(rf"Author:\s+{AUTHOR}", info)
    assert "2024" in re.search(r"CreationDate:\s+(.*)", info)[1]


def test_two_writes_are_byte_identical(sample_pdf, tmp_path):
    again = tmp_path / "again.pdf"
    pdf.write_pdf(sample_html(), again)
    assert again.read_bytes() == sample_pdf.read_bytes()


def test_pdfa_variant(tmp_path):
    target = tmp_path / "a2b.pdf"
    pdf.write_pdf(sample_html(), target, variant="pdf/a-2b")
    meta = _run(tool("pdfinfo"), "-meta", str(target))
    assert re.search(r'pdfaid:part(>|=")2', meta)
    assert re.search(r'pdfaid:conformance(>|=")B', meta)


# ---------- fetching ----------


def test_fetcher_refuses_everything_but_data_templates_and_fonts():
    fetcher = pdf.RestrictedURLFetcher()
    for url in (
        "file:///etc/passwd",
        "http://example.com/x.png",
        "https://example.com/x.css",
        pdf.templates_folder().as_uri() + "/../../../../etc/passwd",
        "ftp://example.com/x",
    ):
        with pytest.raises(ValueError):
            fetcher.fetch(url)
    assert fetcher.fetch("data:text/plain,ok").read() == b"ok"
    assert fetcher.fetch((pdf.templates_folder() / "style.css").as_uri()).read().startswith(b"/*")


def test_hostile_resources_are_not_fetched(monkeypatch, tmp_path):
    calls = []
    original = pdf.RestrictedURLFetcher.fetch

    def recording_fetch(self, url, headers=None):
        try:
            response = original(self, url, headers)
        except ValueError:
            calls.append((url, "refused"))
            raise
        calls.append((url, "fetched"))
        return response

    monkeypatch.setattr(pdf.RestrictedURLFetcher, "fetch", recording_fetch)
    hostile = (
        '<p><img src="file:///etc/passwd"><img src="../../../../../../etc/passwd">'
        '<img src="http://example.com/x.png"></p>'
    )
    target = tmp_path / "hostile.pdf"
    pdf.write_pdf(sample_html(hostile), target, extra_css="body { background: url(http://example.com/x.png) }")
    refused = {url for url, outcome in calls if outcome == "refused"}
    assert "file:///etc/passwd" in refused
    assert "http://example.com/x.png" in refused
    assert not [url for url, outcome in calls if outcome == "fetched" and ("passwd" in url or url.startswith("http"))]
    passwd = Path("/etc/passwd").read_text().splitlines()[0]
    assert passwd.encode() not in target.read_bytes()
    assert passwd not in _run(tool("pdftotext"), str(target), "-")


def test_no_font_folder_is_left_behind(example_path, tmp_path):
    """WeasyPrint copies the fonts into a temporary folder per font configuration; a render removes its own."""
    env = {**os.environ, "TMPDIR": str(tmp_path / "tmp")}
    (tmp_path / "tmp").mkdir()
    command = Path(sys.executable).parent / "budget-report"
    subprocess.run([str(command), "render", str(example_path), "-o", str(tmp_path / "out")], env=env, check=True)
    subprocess.run([sys.executable, "-c", "from generator.render import pdf; pdf.warm_up()"], env=env, check=True)
    assert (tmp_path / "out" / f"{example_path.stem}.pdf").is_file()
    assert list((tmp_path / "tmp").iterdir()) == []
