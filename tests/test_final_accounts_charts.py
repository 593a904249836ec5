"""部门决算's charts (figures.yaml's ``charts``): declared, built from the figures the text prints, in PDF and DOCX.

The values are read by hand from the published 2024 决算 of 上海市普陀区财政局 (``tests/data/
shanghai-final-accounts-2024.txt``): 收入支出总计 2,995.39 against 2023's 3,052.34; 收入 财政拨款收入
2,940.05 and 其他收入 6.20 (the other sources are zero: no slice); 支出 基本支出 2,336.91 and 项目支出 603.14.
"""

from __future__ import annotations

import html as htmllib
import re
import shutil
import subprocess
from decimal import Decimal
from pathlib import Path

import docx
import pytest
from support import ROOT, tool

from generator.formats import FormatError, read_folder
from generator.jobs import pipeline
from generator.options import RenderOptions
from generator.stages.charts import BARS, PIE

EXAMPLE = ROOT / "inputs" / "上海市普陀区财政局2024决算.xlsx"
FORMAT = ROOT / "generator" / "formats" / "final-accounts"
CAPTIONS = ["图1　2024年收入支出决算总计与2023年对比", "图2　2024年收入决算构成", "图3　2024年支出决算构成"]
FIGURE = re.compile(r'<figure class="chart" id="chart-\w+" data-chart="\w+">.*?</figure>', re.S)
CAPTION = re.compile(r"<figcaption>(.*?)</figcaption>")


@pytest.fixture(scope="module")
def charted(tmp_path_factory: pytest.TempPathFactory):
    """The 决算 example rendered with its charts: (prepared, {"pdf": …, "docx": …, "html": …})."""
    out = tmp_path_factory.mktemp("final-charted")
    prepared, written = pipeline.render(EXAMPLE, out, ("pdf", "docx", "html"), options=RenderOptions(charts=True))
    return prepared, {p.suffix.lstrip("."): p for p in written}


def test_three_charts_with_the_figures_read_from_the_reference(charted):
    prepared, _ = charted
    shown, doc = prepared.charts, prepared.document
    assert tuple(shown) == ("totals", "income", "spending")
    totals, income, spending = shown.values()
    assert totals.kind == BARS and totals.categories == ("收入支出总计",)
    assert [s.name for s in totals.series] == ["2023年", "2024年"]
    assert [s.values for s in totals.series] == [(Decimal("3052.34"),), (Decimal("2995.39"),)]
    assert income.kind == PIE and income.categories == ("财政拨款收入", "其他收入")  # the zero sources: no slice
    assert income.series[0].values == (Decimal("2940.05"), Decimal("6.20"))
    assert spending.kind == PIE and spending.categories == ("基本支出", "项目支出")
    assert spending.series[0].values == (Decimal("2336.91"), Decimal("603.14"))
    # each share is the one the sentence prints (占99.79%, 占79.49%)
    assert (
        income.percents
        == (doc.share["income_fiscal"], doc.share["income_other"])
        == (
            Decimal("99.79"),
            Decimal("0.21"),
        )
    )
    assert spending.percents == (doc.share["spending_basic"], doc.share["spending_project"])
    assert ["图" + str(i) + "　" + c.caption for i, c in enumerate(shown.values(), start=1)] == CAPTIONS


def test_the_pdf_and_the_docx_carry_the_three_figures_in_order(charted):
    _, out = charted
    html = out["html"].read_text(encoding="utf-8")
    assert [htmllib.unescape(c) for c in CAPTION.findall(html)] == CAPTIONS
    text = subprocess.run(
        [tool("pdftotext"), "-enc", "UTF-8", str(out["pdf"]), "-"], capture_output=True, text=True, check=True
    ).stdout
    positions = [text.find(c.replace("　", " ")) for c in CAPTIONS]
    assert -1 not in positions and positions == sorted(positions)
    assert "3052.34" in text  # 2023's 总计: printed on the chart only
    document = docx.Document(str(out["docx"]))
    assert len(document.inline_shapes) == 3
    assert [p.text for p in document.paragraphs if re.match(r"图\d+　", p.text)] == CAPTIONS
    described = [el.get("descr") for el in document.element.body.iter() if el.tag.endswith("}docPr")]
    assert described == CAPTIONS


def test_without_charts_the_html_is_the_charted_one_without_its_figures(charted):
    plain = pipeline.prepare(EXAMPLE)
    assert plain.charts == {}
    assert FIGURE.sub("", charted[0].html) == plain.html


def _refused(tmp_path: Path, old: str, new: str) -> tuple[str, str]:
    """The format with ``old`` written ``new`` in its figures.yaml: (the refusal, the line of ``new``)."""
    folder = shutil.copytree(FORMAT, tmp_path / "final-accounts")
    figures = folder / "figures.yaml"
    text = figures.read_text(encoding="utf-8")
    assert text.count(old) == 1
    text = text.replace(old, new)
    figures.write_text(text, encoding="utf-8")
    line = text[: text.index(new)].count("\n") + 1
    with pytest.raises(FormatError) as caught:
        read_folder(folder)
    return str(caught.value), f"{line}"


def test_a_chart_of_an_unknown_figure_is_refused(tmp_path):
    message, line = _refused(tmp_path, "[其他收入, income_other]", "[其他收入, income_others]")
    folder = tmp_path / "final-accounts"
    assert message == (
        f"figures.yaml 第 {line} 行 charts[1].figures[5]：没有数字“income_others”（{folder}/figures.yaml）"
    )


def test_bars_of_a_figure_without_last_years_are_refused(tmp_path):
    message, line = _refused(tmp_path, "[收入支出总计, total_all]", "[收入支出总计, income_total]")
    folder = tmp_path / "final-accounts"
    assert message == (
        f"figures.yaml 第 {line} 行 charts[0].figures[0]：数字“income_total”没有 prior（上年数）：画不出与上年的对比"
        f"（{folder}/figures.yaml）"
    )
