"""The narrative's charts: their figures are the document's, captions run 图1 … in order, both formats carry them.

Stage (``stages/charts.py``: what each chart shows) and render (``render/charts.py``: the SVG in
the PDF, the PNG in the DOCX) are tested on the example rendered with its charts (the ``charted``
fixture) and on documents changed to reach the edge cases (a zero part, nothing to show).
"""

from __future__ import annotations

import dataclasses
import html as htmllib
import io
import re
import subprocess
import sys
import zipfile
from decimal import Decimal
from pathlib import Path

import docx
import pytest
from lxml import etree
from PIL import Image
from support import EXAMPLE, ROOT, html_text, tool

from generator.jobs import pipeline
from generator.options import RenderOptions
from generator.profile import ProfileError, load_profile
from generator.render import charts as draw
from generator.stages.charts import BARS, HBARS, PIE, Chart, Series, charts_of
from generator.stages.compute import Share
from generator.workbook.model import ZERO

ALL_KEYS = ("totals", "income", "spending", "gpb_classes", "sangong", "operating_cost")
KEYS = tuple(k for k in ALL_KEYS if k != "income")  # the example's income is of one source: no pie of one slice
FIGURE_RE = re.compile(
    r'<figure class="chart" id="chart-(?P<key>\w+)" data-chart="(?P=key)">(?P<svg><svg.*?</svg>)'
    r"<figcaption>(?P<caption>.*?)</figcaption></figure>",
    re.S,
)
SVG_TEXT = re.compile(r"<text\b[^>]*>([^<]*)</text>")
NUMBER = re.compile(r"\d+\.\d{2}")
R_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
A_NS = "http://schemas.openxmlformats.org/drawingml/2006/main"
WP_NS = "http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing"


def figures_in(html: str) -> list[dict[str, str]]:
    return [m.groupdict() for m in FIGURE_RE.finditer(html)]


def svg_texts(svg: str) -> list[str]:
    return [htmllib.unescape(t) for t in SVG_TEXT.findall(svg)]


def paragraph_before(html: str, key: str) -> str:
    """The text of the paragraph the chart ``key`` follows."""
    head = html[: html.index(f'<figure class="chart" id="chart-{key}"')]
    return html_text(head[head.rindex("<p>") :])


def wan(value: Decimal) -> str:
    return f"{value:.2f}"


@pytest.fixture(scope="module")
def charted_html(charted) -> str:
    return charted[1]["html"].read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def document(charted):
    return charted[0].document


@pytest.fixture(scope="module")
def shown(charted):
    """The example's charts, as the render drew them (``charts_of`` its document)."""
    return charted[0].charts


# -- the stage: what each chart shows --------------------------------------------------------------


def test_the_example_has_its_five_charts_in_document_order_and_no_pie_of_one_slice(document, shown):
    assert len(document.income_sources) == 1  # its sentence states no share: no chart
    assert tuple(shown) == KEYS
    kinds = {k: c.kind for k, c in shown.items()}
    assert kinds == {
        "totals": BARS,
        "spending": PIE,
        "gpb_classes": HBARS,
        "sangong": BARS,
        "operating_cost": BARS,
    }


def test_each_charts_figures_are_the_documents(document, shown):
    c = document.changes
    ch = shown
    assert ch["totals"].series[-1].values == (document.income_total, document.spending_total)
    assert ch["totals"].series[0].values == (c["income_total"].prior, c["spending_total"].prior)
    spending = ch["spending"]
    assert spending.series[0].values == (document.basic.amount, document.project.amount)
    assert spending.percents == (document.basic.percent, document.project.percent)
    classes = ch["gpb_classes"]
    assert sorted(zip(classes.categories, classes.series[0].values, strict=True)) == sorted(
        (s.name, s.amount) for s in document.gpb_by_class
    )
    assert list(classes.series[0].values) == sorted(classes.series[0].values, reverse=True)  # largest first
    sg = document.sangong
    parts = ("abroad", "reception", "vehicle_purchase", "vehicle_running")
    assert ch["sangong"].series[-1].values == tuple(sg[k] for k in parts)
    assert ch["sangong"].series[0].values == tuple(c[k].prior for k in parts)
    assert ch["operating_cost"].series[-1].values == (document.operating_cost,)


def test_a_zero_part_gives_no_slice_a_whole_of_one_part_no_pie_and_nothing_to_show_no_chart(document):
    sources = (
        Share("一般公共预算", Decimal("100.00"), Decimal("80.00")),
        Share("事业收入", ZERO, None),
        Share("单位资金", Decimal("25.00"), Decimal("20.00")),
    )
    income = charts_of(dataclasses.replace(document, income_sources=sources))["income"]
    assert income.categories == ("一般公共预算", "单位资金")
    texts = svg_texts(draw.svg(income))
    assert not any("事业收入" in t for t in texts)
    assert any(t.startswith("25.00万元") for t in texts)

    # one part left (the other zero): a circle of 100% says nothing its sentence does not
    no_basic = dataclasses.replace(document, basic=Share("基本支出", ZERO, None))
    assert "spending" not in charts_of(no_basic)
    assert "income" not in charts_of(document)  # the example's income is of one source
    nothing = dataclasses.replace(document, basic=Share("基本支出", ZERO, None), project=Share("项目支出", ZERO, None))
    assert "spending" not in charts_of(nothing)


def test_each_charts_alt_text_is_its_caption_and_every_figure_it_prints(shown):
    for chart in shown.values():
        alt = draw.alt_text(chart)
        assert alt.startswith(chart.caption + "：")
        for series in chart.series:
            for value in series.values:
                if value is not None:
                    assert f"{wan(value)}万元" in alt
        for percent in chart.percents:
            if percent is not None:
                assert f"占{percent:.2f}%" in alt
        title = re.search(r"<svg[^>]*>\s*<title>(.*?)</title>", draw.svg(chart), re.S)
        assert title and htmllib.unescape(title[1]) == alt


def test_without_last_years_figures_the_bars_show_this_year_only(document):
    changes = {k: dataclasses.replace(v, prior=None) for k, v in document.changes.items()}
    totals = charts_of(dataclasses.replace(document, changes=changes))["totals"]
    assert [s.name for s in totals.series] == [f"{document.year}年"]
    assert totals.caption == f"{document.year}年收支预算总计"  # no "与…年对比" without last year


# -- the render: what the pictures say ------------------------------------------------------------


def test_every_figure_on_a_chart_is_the_figure_its_sentence_states(charted_html, document, shown):
    found = {f["key"]: f for f in figures_in(charted_html)}
    assert tuple(found) == KEYS
    for key in ("spending", "gpb_classes"):  # parts of a whole: "name X万元，占Y%" in the text too
        chart = shown[key]
        sentence = paragraph_before(charted_html, key)
        labels = " ".join(svg_texts(found[key]["svg"]))
        for name, value, percent in zip(chart.categories, chart.series[0].values, chart.percents, strict=True):
            assert f"{wan(value)}万元" in labels and name in labels
            if percent is None:  # one part of a whole: no share, in the text or on the chart
                assert f"{name}{wan(value)}万元" in sentence and "占" not in labels
            else:
                assert f"{name}{wan(value)}万元，占{wan(percent)}%" in sentence and f"占{wan(percent)}%" in labels
    for key in ("totals", "sangong", "operating_cost"):  # this year's columns: stated in the text
        chart = shown[key]
        printed = NUMBER.findall(" ".join(svg_texts(found[key]["svg"])))
        expected = [wan(v) for s in chart.series for v in s.values if v is not None]
        assert sorted(printed) == sorted(expected)
        sentence = paragraph_before(charted_html, key)
        if key == "sangong":  # its sentences are the paragraphs of section 八
            sentence = html_text(charted_html[charted_html.index("八、") : charted_html.index('id="chart-sangong"')])
        for value in chart.series[-1].values:
            assert f"{wan(value)}万元" in sentence
    # last year's columns are last year's figures (上年数), as the change in the text reckons them
    totals = shown["totals"]
    change = document.changes["income_total"]
    assert totals.series[0].values[0] - totals.series[-1].values[0] == change.amount  # 减少22.02万元


def test_captions_are_numbered_in_order_in_all_three_formats(charted, charted_html):
    captions = [htmllib.unescape(f["caption"]) for f in figures_in(charted_html)]
    assert [c.split("　")[0] for c in captions] == [f"图{n}" for n in range(1, len(KEYS) + 1)]
    assert captions[0] == "图1　2024年收支预算总计与2023年对比"
    paragraphs = [p.text for p in docx.Document(str(charted[1]["docx"])).paragraphs]
    assert [p for p in paragraphs if re.match(r"图\d+　", p)] == captions
    pdf_text = subprocess.run(
        [tool("pdftotext"), "-enc", "UTF-8", str(charted[1]["pdf"]), "-"], capture_output=True, text=True, check=True
    ).stdout
    positions = [pdf_text.index(c.replace("　", " ")) if c.replace("　", " ") in pdf_text else -1 for c in captions]
    assert -1 not in positions, pdf_text[:200]
    assert positions == sorted(positions)


def pictures(path: Path) -> list[bytes]:
    """The DOCX's pictures in the order the document shows them (its zip: document.xml's r:embed, its rels)."""
    with zipfile.ZipFile(path) as z:
        body = etree.fromstring(z.read("word/document.xml"))
        rels = etree.fromstring(z.read("word/_rels/document.xml.rels"))
        targets = {r.get("Id"): r.get("Target") for r in rels}
        embeds = [el.get(f"{{{R_NS}}}embed") for el in body.iter(f"{{{A_NS}}}blip")]
        return [z.read("word/" + targets[e]) for e in embeds]


def test_the_docx_carries_the_same_charts_as_pictures(charted, charted_html):
    document = docx.Document(str(charted[1]["docx"]))
    shapes = list(document.inline_shapes)
    svgs = [f["svg"] for f in figures_in(charted_html)]
    assert len(shapes) == len(svgs) == len(KEYS)
    for shape, svg, blob in zip(shapes, svgs, pictures(charted[1]["docx"]), strict=True):
        image = Image.open(io.BytesIO(blob))
        assert image.format == "PNG" and image.mode == "L" and image.width >= 1800  # grey, 300 dpi across the text
        # the same drawing: the PNG has the SVG's proportions, and the picture in Word has them too
        width, height = (float(v) for v in re.search(r'viewBox="0 0 ([\d.]+) ([\d.]+)"', svg).groups())
        assert image.width / image.height == pytest.approx(width / height, rel=0.01)
        assert shape.width / shape.height == pytest.approx(width / height, rel=0.01)
    # each picture's alternative text is its caption
    with zipfile.ZipFile(charted[1]["docx"]) as z:
        body = etree.fromstring(z.read("word/document.xml"))
    described = [el.get("descr") for el in body.iter(f"{{{WP_NS}}}docPr")]
    assert described == [htmllib.unescape(f["caption"]) for f in figures_in(charted_html)]


def test_the_pdf_keeps_the_chart_text_as_text_in_the_documents_face(charted):
    pdf = str(charted[1]["pdf"])
    text = subprocess.run([tool("pdftotext"), "-enc", "UTF-8", pdf, "-"], capture_output=True, text=True).stdout
    assert "单位：万元" in text and "1981.65" in text  # last year's total is printed only on the chart
    fonts = subprocess.run([tool("pdffonts"), pdf], capture_output=True, text=True).stdout
    assert "Noto-Serif-CJK-SC" in fonts  # the SC face of the body's 宋体 collection, embedded


def test_charts_are_greyscale_and_told_apart_by_pattern(shown):
    for chart in shown.values():
        svg = draw.svg(chart)
        colours = set(re.findall(r"(?:fill|stroke)[:=]\s*\"?(#[0-9a-fA-F]{6})", svg))
        assert colours, chart.key
        for colour in colours:
            r, g, b = (colour[i : i + 2] for i in (1, 3, 5))
            assert r == g == b, f"{chart.key}: {colour} is not a grey"
        if len(chart.series) > 1:  # last year against this year: a hatch, not a shade only
            assert "<pattern" in svg


def test_the_text_is_set_in_the_profiles_body_face(shown):
    chart = shown["totals"]
    assert "font-family: 'Noto Serif CJK SC'" in draw.svg(chart)
    assert "font-family: 'Noto Sans CJK SC','Noto Serif CJK SC'" in draw.svg(chart, "黑体")  # 宋体 for what it lacks


@pytest.mark.parametrize("face", ["宋体", "黑体", "楷体", "仿宋"])
def test_every_face_draws_every_character_falling_back_to_song(shown, face):
    """cwTeX 仿宋 lacks a third of the simplified characters: they come from 宋体, never as empty boxes."""
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("error")  # matplotlib warns "Glyph … missing from font(s)"
        for chart in shown.values():
            draw.png(chart, face)


def test_the_same_chart_gives_the_same_bytes_in_another_process(shown):
    chart = shown["spending"]
    here_svg, here_png = draw.svg(chart), draw.png(chart)
    assert draw.svg(chart) == here_svg and draw.png(chart) == here_png
    script = (
        "import sys, hashlib\n"
        "from generator.jobs import pipeline\n"
        "from generator.options import RenderOptions\n"
        "from generator.render import charts\n"
        f"workbook = __import__('pathlib').Path({str(EXAMPLE)!r})\n"
        "c = pipeline.prepare(workbook, RenderOptions(charts=True)).charts['spending']\n"
        "print(hashlib.sha256(charts.svg(c).encode()).hexdigest(), hashlib.sha256(charts.png(c)).hexdigest())\n"
    )
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True, cwd=ROOT).stdout
    import hashlib

    assert out.split() == [hashlib.sha256(here_svg.encode()).hexdigest(), hashlib.sha256(here_png).hexdigest()]


def test_rendering_again_gives_the_same_pdf_and_docx(charted, tmp_path):
    _prepared, written = pipeline.render(EXAMPLE, tmp_path, ("pdf", "docx"), options=RenderOptions(charts=True))
    for path in written:
        assert path.read_bytes() == charted[1][path.suffix.lstrip(".")].read_bytes(), path.name


# -- the bureau's choice -------------------------------------------------------------------------------


def test_charts_are_off_by_default_and_never_load_matplotlib(tmp_path):
    script = (
        "import sys\n"
        "from pathlib import Path\n"
        "from generator.jobs import pipeline\n"
        f"prepared, _ = pipeline.render(Path({str(EXAMPLE)!r}), Path({str(tmp_path)!r}), ('docx', 'html'))\n"
        "print(len(prepared.charts), 'matplotlib' in sys.modules)\n"
    )
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True, cwd=ROOT).stdout
    assert out.split() == ["0", "False"]
    html = (tmp_path / EXAMPLE.with_suffix(".html").name).read_text(encoding="utf-8")
    assert "<figure" not in html and "<svg" not in html


def test_the_profile_turns_charts_on_and_the_option_overrides_it(tmp_path):
    (tmp_path / "profile.toml").write_text("charts = true\n", encoding="utf-8")
    assert load_profile(tmp_path).charts
    assert tuple(pipeline.prepare(EXAMPLE, RenderOptions(templates=tmp_path)).charts) == KEYS
    assert pipeline.prepare(EXAMPLE, RenderOptions(templates=tmp_path, charts=False)).charts == {}
    (tmp_path / "profile.toml").write_text('charts = "yes"\n', encoding="utf-8")
    with pytest.raises(ProfileError, match="charts 应为 true 或 false"):
        load_profile(tmp_path)


def test_a_bureau_block_removes_one_chart_and_another_moves_one(tmp_path):
    (tmp_path / "profile.toml").write_text("charts = true\n", encoding="utf-8")
    (tmp_path / "document.html.j2").write_text(
        '{% extends "default:document.html.j2" %}\n'
        "{% block chart_sangong %}{% endblock %}\n"
        # 机构运行经费 moved up, to follow the totals; its own place left empty
        "{% block chart_totals %}{{ super() }}"
        '{{ ch.figure(charts.get("operating_cost"), figure_no) }}{% endblock %}\n'
        "{% block chart_operating_cost %}{% endblock %}\n",
        encoding="utf-8",
    )
    prepared, _written = pipeline.render(
        EXAMPLE, tmp_path / "out", ("docx", "html"), options=RenderOptions(templates=tmp_path)
    )
    html = (tmp_path / "out" / EXAMPLE.with_suffix(".html").name).read_text(encoding="utf-8")
    found = figures_in(html)
    assert [f["key"] for f in found] == ["totals", "operating_cost", "spending", "gpb_classes"]
    assert [f["caption"].split("　")[0] for f in found] == [f"图{n}" for n in range(1, 5)]
    assert len(docx.Document(str(tmp_path / "out" / EXAMPLE.with_suffix(".docx").name)).inline_shapes) == 4
    assert "sangong" in prepared.charts  # computed, only not shown


def test_a_bureau_folder_with_its_own_older_macros_still_gets_its_charts(tmp_path):
    """macros.html.j2 as ``templates export`` wrote it before charts: the charts' macro is in a file of its own."""
    (tmp_path / "macros.html.j2").write_bytes((ROOT / "templates" / "macros.html.j2").read_bytes())
    assert "figure" not in (tmp_path / "macros.html.j2").read_text(encoding="utf-8")
    (tmp_path / "profile.toml").write_text("charts = true\n", encoding="utf-8")
    html = pipeline.prepare(EXAMPLE, RenderOptions(templates=tmp_path)).html
    assert [f["key"] for f in figures_in(html)] == list(KEYS)


def test_a_document_html_with_a_chart_needs_its_pictures_for_the_docx(charted_html, tmp_path):
    from generator.render.docx import write_docx

    with pytest.raises(ValueError, match="needs pictures"):
        write_docx(charted_html, tmp_path / "x.docx")


def test_the_readme_names_the_chart_blocks():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    template = (ROOT / "templates" / "document.html.j2").read_text(encoding="utf-8")
    blocks = re.findall(r"\{% block (chart_\w+) %\}\{\{", template)
    assert blocks == [f"chart_{k}" for k in ALL_KEYS]
    for block in blocks:
        assert block in readme


# -- the pictures hold their words: nothing cut off at the edge, nothing printed over another -------

CLASSES = (
    "一般公共服务支出", "外交支出", "国防支出", "公共安全支出", "教育支出", "科学技术支出",
    "文化旅游体育与传媒支出", "社会保障和就业支出", "卫生健康支出", "节能环保支出", "城乡社区支出",
    "农林水支出", "交通运输支出", "资源勘探工业信息等支出", "商业服务业等支出", "金融支出",
    "自然资源海洋气象等支出", "住房保障支出", "粮油物资储备支出", "灾害防治及应急管理支出",
)  # fmt: skip


def _hard_charts() -> list[Chart]:
    n = len(CLASSES)
    amounts = tuple(Decimal("123456.78") / (i + 1) ** 2 for i in range(n))
    whole = sum(amounts)
    parts = (Decimal("6000"), Decimal("2000"), Decimal("800"), Decimal("500"), Decimal("300"), Decimal("200"),
             Decimal("100"), Decimal("100"))  # fmt: skip
    names = ("财政拨款收入", "财政专户管理资金", "事业收入", "事业单位经营收入", "上级补助收入",
             "附属单位上缴收入", "其他收入", "上年结转结余")  # fmt: skip
    return [
        Chart("gpb_classes", HBARS, "类", CLASSES, (Series("2024年", amounts),),
              tuple(a / whole * 100 for a in amounts)),
        Chart("income", PIE, "收入", names, (Series("2024年", parts),), tuple(p / 100 for p in parts)),
        Chart("sangong", BARS, "三公", ("因公出国（境）费", "公务接待费", "公务用车购置费", "公务用车运行维护费"),
              (Series("2023年", (Decimal("0"), Decimal("99999.99"), None, Decimal("0.01"))),
               Series("2024年", (Decimal("123456.78"), Decimal("0"), Decimal("5.5"), Decimal("0"))))),
        Chart("totals", BARS, "总计", ("收入总计", "支出总计"),
              (Series("2023年", (Decimal("987654.32"), Decimal("987654.32"))),
               Series("2024年", (Decimal("1234567.89"), Decimal("1234567.89"))))),
    ]  # fmt: skip


@pytest.mark.parametrize("chart", _hard_charts(), ids=lambda c: c.key)
def test_no_word_on_a_chart_is_cut_off_or_printed_over_another(chart):
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.text import Text

    with draw.drawing(chart) as fig:
        renderer = FigureCanvasAgg(fig).get_renderer()
        page = fig.bbox
        boxes = []
        for text in fig.findobj(Text):
            if not text.get_visible() or not text.get_text().strip():
                continue
            box = text.get_window_extent(renderer)
            inside = box.x0 >= page.x0 - 1 and box.x1 <= page.x1 + 1 and box.y0 >= page.y0 - 1 and box.y1 <= page.y1 + 1
            assert inside, f"{text.get_text()!r} leaves the picture"
            boxes.append((text.get_text(), box))
        for i, (a, box_a) in enumerate(boxes):
            for b, box_b in boxes[i + 1 :]:
                assert not box_a.shrunk(0.98, 0.98).overlaps(box_b.shrunk(0.98, 0.98)), f"{a!r} over {b!r}"


def test_a_fangsong_pdf_takes_the_missing_characters_from_song_not_from_a_stranger(tmp_path):
    """The SVG names 宋体 after 仿宋; WeasyPrint must see both (no system default face in the PDF)."""
    (tmp_path / "profile.toml").write_text('charts = true\n[pdf.fonts]\nbody = "仿宋"\n', encoding="utf-8")
    _prepared, written = pipeline.render(EXAMPLE, tmp_path / "out", ("pdf",), options=RenderOptions(templates=tmp_path))
    fonts = subprocess.run([tool("pdffonts"), str(written[0])], capture_output=True, text=True).stdout
    names = {line.split()[0].split("+", 1)[1] for line in fonts.splitlines()[2:]}
    assert "Noto-Serif-CJK-SC" in names  # the fallback of the charts' text
    ours = ("Noto-Serif-CJK-SC", "Noto-Sans-CJK-SC", "LXGW-WenKai", "cwTeXFangSong")  # render/fonts.conf's faces
    assert [n for n in names if not n.startswith(ours)] == [], names


# -- the PDF's pages: a chart that does not fit the rest of its page -------------------------------

TEXT_FOOT_PX = (297 - 35) / 25.4 * 96  # style.css: A4 portrait, 35 mm bottom margin (CSS px from the top)


def chart_gaps(html: str) -> list[tuple[str, float, float]]:
    """(key, room left at the foot of the page before, height the chart needs there at its smallest)
    for each chart that begins the page after the one its paragraph ends on, in the PDF's layout."""
    from generator.render import chartfit
    from generator.render import pdf as pdfmod

    document, _kinds = pdfmod.laid_out(html)
    anchors = [page.anchors for page in document.pages]
    found = []
    for key in re.findall(r'<figure class="chart" id="chart-(\w+)"', html):
        on = [i for i, a in enumerate(anchors) if f"chart-{key}" in a]
        before = [i for i, a in enumerate(anchors) if f"{chartfit.BEFORE}{key}" in a]
        if before[-1] == on[0] - 1:
            room = TEXT_FOOT_PX - anchors[on[0] - 1][f"{chartfit.BEFORE}{key}"][3]
            svg_pt = float(re.search(rf'id="chart-{key}"[^>]*><svg\b[^>]*?height="([\d.]+)pt"', html)[1])
            _x1, y1, _x2, y2 = anchors[on[0]][f"chart-{key}"]
            caption = (y2 - y1) - svg_pt * 4 / 3  # as laid out at full size
            need = float(chartfit.MIN_SCALE) * svg_pt * 4 / 3 + caption + 2 * 8
            found.append((key, room, need))
    return found


def test_a_chart_too_tall_for_the_rest_of_its_page_is_drawn_smaller_there_not_moved_on():
    """柳溪县's 图3 (支出预算构成) left a third of page 6 empty; at 0.75 of its size or more it fits there."""
    workbook = ROOT / "inputs" / "柳溪县卫生健康局2025.xlsx"
    html = pipeline.prepare(workbook, RenderOptions(charts=True)).html
    block = TEXT_FOOT_PX - 37 / 25.4 * 96
    for key, room, need in chart_gaps(html):
        assert room < need or room < block * 0.15, (key, room, need)


def test_a_chart_is_scaled_only_within_limits_and_centred():
    from generator.render import chartfit

    html = '<figure class="chart" id="chart-x" data-chart="x"><svg width="442.2pt" height="208.8pt">'
    out = chartfit.scaled(html, {"x": Decimal("0.8")})
    assert 'style="width: 80.0%; height: 167.04pt; margin-left: auto; margin-right: auto"' in out
    assert chartfit.scaled(html, {}) == html
    assert chartfit.MIN_SCALE == Decimal("0.75")
