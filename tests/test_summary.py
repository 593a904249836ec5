"""The finance bureau's summary of a batch: 汇总.xlsx and index.html, their figures taken from each document."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from dataclasses import dataclass
from decimal import Decimal
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

import openpyxl
import pytest
from click.testing import CliRunner
from support import EXAMPLE, ROOT, SECOND, Editor, tool

from generator.errors import Finding
from generator.frontends import cli
from generator.jobs import pipeline, service, summary
from generator.reference import codelist
from generator.stages import derive
from generator.stages.derive import q2
from generator.stages.figures import headline
from generator.workbook.load import load_workbook

FAULTY = "有错误局2025.xlsx"  # SECOND with a placeholder (an error) and an extra sheet (a warning)
UNREADABLE = "无法读取局.xlsx"
NAMES = sorted([EXAMPLE.name, SECOND.name, FAULTY, UNREADABLE])
AMOUNTS = [f"{label}（万元）" for _key, label in summary.FIGURES]


def run(*args: object):
    return CliRunner().invoke(cli.main, [str(a) for a in args])


@dataclass
class Batch:
    folder: Path
    out: Path
    stdout: str
    exit_code: int


@pytest.fixture(scope="module")
def city(tmp_path_factory: pytest.TempPathFactory) -> Batch:
    """Both examples, a copy with a check error and a warning, and a file that is no workbook, batched once."""
    folder = tmp_path_factory.mktemp("city")
    shutil.copyfile(EXAMPLE, folder / EXAMPLE.name)
    shutil.copyfile(SECOND, folder / SECOND.name)
    wb = openpyxl.load_workbook(SECOND)
    Editor(wb).fact("预算单位构成", "待填写")
    wb.create_sheet("备注")["A1"] = "草稿"
    wb.save(folder / FAULTY)
    (folder / UNREADABLE).write_text("这不是工作簿", encoding="utf-8")
    out = tmp_path_factory.mktemp("out")
    result = run("batch", folder, "-o", out, "--jobs", "2")
    return Batch(folder, out, result.stdout, result.exit_code)


def sheet_rows(path: Path, sheet: str) -> list[dict[str, object]]:
    ws = openpyxl.load_workbook(path)[sheet]
    values = list(ws.iter_rows(values_only=True))
    return [dict(zip(values[0], row, strict=True)) for row in values[1:]]


def summary_rows(out: Path) -> dict[str, dict[str, object]]:
    """汇总's rows by workbook name; the totals row under 合计."""
    return {str(row["工作簿"]): row for row in sheet_rows(out / summary.WORKBOOK_NAME, summary.SUMMARY_SHEET)}


def amount(value: object) -> Decimal | None:
    """A cell as the Decimal it was written from (openpyxl reads numbers back as float or int)."""
    return None if value is None else Decimal(str(value))


def document_columns(path: Path) -> dict[str, object]:
    """What each column must say for a workbook that renders: its own document's figures."""
    document = pipeline.prepare(path).document
    return {
        "部门名称": document.bureau,
        "年度": document.year,
        "收入总计（万元）": document.income_total,
        "支出总计（万元）": document.spending_total,
        "一般公共预算（万元）": document.changes["gpb"].current,
        "政府性基金（万元）": document.gov_fund,
        "基本支出（万元）": document.basic.amount,
        "项目支出（万元）": document.project.amount,
        "因公出国（境）费（万元）": document.sangong["abroad"],
        "公务用车购置费（万元）": document.sangong["vehicle_purchase"],
        "公务用车运行费（万元）": document.sangong["vehicle_running"],
        "公务接待费（万元）": document.sangong["reception"],
        "“三公”经费合计（万元）": document.sangong["total"],
        "机构运行经费（万元）": document.operating_cost,
        "项目个数": document.project_count,
    }


def headline_columns(path: Path) -> dict[str, Decimal]:
    """The headline figures of any readable workbook, its check aside: ``figures.headline`` of it derived."""
    budget = load_workbook(path)
    current = headline(budget, derive.complete(budget, codelist.code_book(budget.year))).current
    keys = ("income_total", "spending_total", "gpb", "gov_fund", "abroad", "vehicle_purchase", "vehicle_running")
    keys += ("reception", "sangong", "operating_cost")
    labels = dict(summary.FIGURES)
    return {f"{labels[k]}（万元）": current[k] for k in keys}


def pdf_pages(path: Path) -> int:
    info = subprocess.run([tool("pdfinfo"), str(path)], capture_output=True, text=True, check=True).stdout
    return int(next(line.split()[-1] for line in info.splitlines() if line.startswith("Pages:")))


# --- the command --------------------------------------------------------------------------------


def test_batch_says_where_the_summary_went(city: Batch):
    assert city.exit_code == 1  # two workbooks failed
    lines = city.stdout.splitlines()
    assert lines[0].startswith(f"2 个工作簿已生成，2 个失败，输出在 {city.out}（用时 ")
    assert lines[1:] == [f"汇总表：{city.out / '汇总.xlsx'}；汇总页：{city.out / 'index.html'}"]
    assert sorted(p.name for p in city.out.iterdir() if p.suffix in (".xlsx", ".html")) == ["index.html", "汇总.xlsx"]
    assert [p.name for p in city.out.iterdir() if p.name.endswith(".part")] == []


def test_a_summary_that_cannot_be_written_is_said_and_the_documents_stay(example_values: Path, tmp_path: Path):
    out = tmp_path / "out"
    out.mkdir()
    (out / "汇总.xlsx").mkdir()  # a folder where the summary goes: the rename fails
    result = run("batch", example_values, "-o", out, "--format", "html")
    assert result.exit_code == 1
    assert result.stderr.splitlines()[-1].startswith("汇总未写入：内部错误：IsADirectoryError：")
    assert (out / f"{example_values.stem}.html").is_file()


# --- 汇总.xlsx -----------------------------------------------------------------------------------


def test_one_row_per_workbook_with_its_status_and_counts(city: Batch):
    rows = summary_rows(city.out)
    assert list(rows) == [*NAMES, "合计"]
    assert {name: rows[name]["状态"] for name in NAMES} == {
        EXAMPLE.name: "已生成",
        SECOND.name: "已生成",
        FAULTY: "有错误",
        UNREADABLE: "无法读取",
    }
    assert {name: (rows[name]["错误"], rows[name]["警告"]) for name in NAMES} == {
        EXAMPLE.name: (0, 0),
        SECOND.name: (0, 0),
        FAULTY: (1, 1),
        UNREADABLE: (1, 0),
    }


@pytest.mark.parametrize("path", [EXAMPLE, SECOND], ids=["example", "second"])
def test_the_figures_are_the_documents_own(city: Batch, path: Path):
    row = summary_rows(city.out)[path.name]
    expected = document_columns(path)
    found = {key: (amount(row[key]) if key in AMOUNTS else row[key]) for key in expected}
    assert found == expected
    assert {k: amount(row[k]) for k in headline_columns(path)} == headline_columns(path)
    assert row["PDF页数"] == pdf_pages(city.out / f"{path.stem}.pdf")


def test_a_workbook_with_errors_still_has_its_figures(city: Batch):
    row = summary_rows(city.out)[FAULTY]
    faulty = city.folder / FAULTY
    assert {k: amount(row[k]) for k in headline_columns(faulty)} == headline_columns(faulty)
    # its error is in a fact: every figure is the one the unbroken workbook's document states
    expected = document_columns(SECOND)
    assert {key: (amount(row[key]) if key in AMOUNTS else row[key]) for key in expected} == expected
    assert row["PDF页数"] is None


def test_an_unreadable_workbook_has_no_figures(city: Batch):
    row = summary_rows(city.out)[UNREADABLE]
    assert row["部门名称"] is None and row["年度"] is None
    assert all(row[key] is None for key in [*AMOUNTS, "项目个数", "PDF页数"])


def test_the_totals_row_sums_the_amount_columns(city: Batch):
    rows = summary_rows(city.out)
    total = rows["合计"]
    for key in AMOUNTS:
        column = [amount(rows[name][key]) for name in NAMES]
        assert amount(total[key]) == q2(sum((v for v in column if v is not None), Decimal(0))), key
    assert total["部门名称"] == "4 个工作簿"
    assert total["项目个数"] == sum(rows[n]["项目个数"] or 0 for n in NAMES)  # type: ignore[misc]
    assert total["PDF页数"] == sum(rows[n]["PDF页数"] or 0 for n in NAMES)  # type: ignore[misc]
    assert amount(total["收入总计（万元）"]) == sum(
        (pipeline.prepare(p).document.income_total for p in (EXAMPLE, SECOND, SECOND)), Decimal(0)
    )


def test_the_workbook_is_formatted_for_printing(city: Batch):
    wb = openpyxl.load_workbook(city.out / summary.WORKBOOK_NAME)
    assert wb.sheetnames == ["汇总", "问题清单"]
    ws = wb["汇总"]
    assert ws.freeze_panes == "C2" and wb["问题清单"].freeze_panes == "A2"
    header = [c.value for c in ws[1]]
    assert header[:6] == ["工作簿", "部门名称", "年度", "状态", "错误", "警告"]
    assert header[6:18] == AMOUNTS and header[18:] == ["项目个数", "PDF页数", "旧文档（上次生成，未更新）"]
    for column in range(7, 19):
        assert {ws.cell(row=r, column=column).number_format for r in range(2, ws.max_row + 1)} == {"#,##0.00"}
    for sheet in wb.worksheets:
        assert sheet.page_setup.orientation == "landscape"
        assert sheet.print_title_rows == "$1:$1"
        assert sheet.column_dimensions["A"].width is not None and sheet.column_dimensions["A"].width >= 20
        assert sheet["A1"].font.bold
    # LibreOffice shows a wrapped cell in one line unless the row's height is set: the headers and
    # the names wrap, and their rows are as tall as their lines
    assert ws["G1"].alignment.wrap_text and ws.row_dimensions[1].height >= 2 * 14
    assert ws["A2"].alignment.wrap_text and ws["B2"].alignment.wrap_text


def test_the_findings_sheet_is_the_check_of_each_workbook(city: Batch):
    listed = sheet_rows(city.out / summary.WORKBOOK_NAME, summary.FINDINGS_SHEET)
    assert [row["工作簿"] for row in listed] == sorted((str(r["工作簿"]) for r in listed), key=NAMES.index)
    severity = {"error": "错误", "warning": "警告"}
    for name in (EXAMPLE.name, SECOND.name, FAULTY):
        result = run("check", city.folder / name, "--format", "json")
        findings = json.loads(result.stdout)["findings"]
        expected = [
            (severity[f["severity"]], f["where"], f["rule"], f["message"], f["expected"], f["found"]) for f in findings
        ]
        found = [
            (r["级别"], r["位置"], r["规则"], r["说明"], r["应为"], r["实为"]) for r in listed if r["工作簿"] == name
        ]
        assert found == expected, name
    assert {r["规则"] for r in listed if r["工作簿"] == FAULTY} == {"多余工作表", "占位文字"}
    unreadable = [r for r in listed if r["工作簿"] == UNREADABLE]
    check = run("check", city.folder / UNREADABLE)
    assert [(r["级别"], r["规则"]) for r in unreadable] == [("错误", "无法读取")]
    assert check.stderr.strip() == f"无法读取工作簿 {UNREADABLE}：{unreadable[0]['说明']}"


def test_libreoffice_converts_the_workbook(city: Batch, tmp_path: Path):
    soffice = tool("soffice")
    result = subprocess.run(
        [
            soffice,
            f"-env:UserInstallation={(tmp_path / 'lo-profile').as_uri()}",
            "--headless",
            "--convert-to",
            "pdf",
            "--outdir",
            str(tmp_path),
            str(city.out / summary.WORKBOOK_NAME),
        ],
        capture_output=True,
        text=True,
        timeout=180,
        env=dict(os.environ, HOME=str(tmp_path)),
    )
    pdf = tmp_path / "汇总.pdf"
    assert pdf.exists(), f"no PDF (LibreOffice Calc is the Debian package libreoffice-calc-nogui): {result.stderr}"
    assert pdf.read_bytes().startswith(b"%PDF")


# --- atomic writes -------------------------------------------------------------------------------


def _outcomes(tmp_path: Path) -> list[service.Outcome]:
    pdf = tmp_path / "甲局.pdf"
    pdf.write_bytes(b"%PDF")
    figures = {key: Decimal("1.005") for key, _ in summary.FIGURES}
    finding = Finding("warning", "YS03", "F12", "尾差", "差额在舍入范围内", "1.00", "1.01")
    return [
        service.Outcome(tmp_path / "甲局.xlsx", [pdf], [finding], department="甲局", budget_year=2025, figures=figures),
        service.Outcome(tmp_path / "乙局.xlsx", error="乙局.xlsx：内部错误：RuntimeError：boom"),
    ]


def test_an_interrupted_write_leaves_the_previous_summary(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    outcomes = _outcomes(tmp_path)
    written = summary.write(outcomes, tmp_path)
    before = {p: p.read_bytes() for p in (written.workbook, written.page)}

    def half_then_fail(self, filename):  # type: ignore[no-untyped-def]
        Path(filename).write_bytes(b"PK\x03\x04 half")
        raise OSError("disk full")

    monkeypatch.setattr(openpyxl.Workbook, "save", half_then_fail)
    with pytest.raises(OSError, match="disk full"):
        summary.write(outcomes[:1], tmp_path)
    assert {p: p.read_bytes() for p in before} == before
    assert [p.name for p in tmp_path.iterdir() if p.name.endswith(".part")] == []


def test_an_interrupted_first_write_leaves_none(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    def fail(self, filename):  # type: ignore[no-untyped-def]
        raise KeyboardInterrupt

    monkeypatch.setattr(openpyxl.Workbook, "save", fail)
    out = tmp_path / "out"
    with pytest.raises(KeyboardInterrupt):
        summary.write(_outcomes(tmp_path), out)
    assert list(out.iterdir()) == []


def test_rows_of_outcomes_built_by_hand(tmp_path: Path):
    """Counts come from the listed problems; amounts are rounded only where they are shown, totals by Decimal."""
    out = summary.write(_outcomes(tmp_path), tmp_path)
    rows = summary_rows(tmp_path)
    assert (rows["甲局.xlsx"]["状态"], rows["甲局.xlsx"]["错误"], rows["甲局.xlsx"]["警告"]) == ("已生成", 0, 1)
    assert (rows["乙局.xlsx"]["状态"], rows["乙局.xlsx"]["错误"]) == ("失败", 1)
    assert amount(rows["合计"]["收入总计（万元）"]) == Decimal("1.01")  # ROUND_HALF_UP of 1.005
    issues = sheet_rows(out.workbook, summary.FINDINGS_SHEET)
    assert issues[1] == {
        "工作簿": "乙局.xlsx",
        "级别": "错误",
        "位置": None,
        "规则": "失败",
        "说明": "乙局.xlsx：内部错误：RuntimeError：boom",
        "应为": None,
        "实为": None,
    }


# --- index.html ----------------------------------------------------------------------------------

_VOID = {"meta", "link", "br", "hr", "img", "input", "col", "wbr"}


class _Page(HTMLParser):
    """The links, the scripts and the tags left open or closed out of order of a page."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.links: list[str] = []
        self.scripts = 0
        self.open: list[str] = []
        self.bad: list[str] = []
        self.doctype = False
        self.ids: list[str] = []

    def handle_decl(self, decl: str) -> None:
        self.doctype = decl.lower() == "doctype html"

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if tag == "script" or any(name.startswith("on") for name in found):
            self.scripts += 1
        if tag == "a" and found.get("href"):
            self.links.append(str(found["href"]))
        if found.get("id"):
            self.ids.append(str(found["id"]))
        if tag not in _VOID:
            self.open.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if not self.open or self.open.pop() != tag:
            self.bad.append(tag)


def parse(path: Path) -> _Page:
    page = _Page()
    page.feed(path.read_text(encoding="utf-8"))
    page.close()
    return page


def test_the_page_links_every_document_and_has_no_script(city: Batch):
    page = parse(city.out / summary.PAGE_NAME)
    assert page.doctype and page.open == [] and page.bad == [] and page.scripts == 0
    assert len(page.ids) == len(set(page.ids))
    files = [link for link in page.links if not link.startswith("#")]
    assert sorted(unquote(link) for link in files) == sorted(
        f"{p.stem}.{fmt}" for p in (EXAMPLE, SECOND) for fmt in ("pdf", "docx")
    )
    for link in page.links:
        if link.startswith("#"):
            assert link[1:] in page.ids
        else:
            assert not urlsplit(link).scheme and (city.out / unquote(link)).is_file()
            assert "%" in link  # Chinese names are quoted


def test_the_page_escapes_and_quotes_file_names(tmp_path: Path):
    name = "甲 #1&<b>局"
    pdf = tmp_path / f"{name}.pdf"
    pdf.write_bytes(b"%PDF")
    outcome = service.Outcome(tmp_path / f"{name}.xlsx", [pdf, tmp_path / f"{name}.docx"], department="<i>甲局</i>")
    written = summary.write([outcome], tmp_path)
    html = written.page.read_text(encoding="utf-8")
    assert '<a href="%E7%94%B2%20%231%26%3Cb%3E%E5%B1%80.pdf">PDF</a>' in html  # the DOCX does not exist: no link
    assert "DOCX" not in html
    assert "甲 #1&amp;&lt;b&gt;局.xlsx" in html and "&lt;i&gt;甲局&lt;/i&gt;" in html and "<i>" not in html
    page = parse(written.page)
    assert [(tmp_path / unquote(link)).is_file() for link in page.links if not link.startswith("#")] == [True]


def test_the_page_opens_offline_in_chromium(city: Batch, tmp_path: Path):
    from playwright import sync_api
    from test_web_e2e import CHROMIUM, CHROMIUM_ARGS

    if not CHROMIUM.exists():
        pytest.fail(f"Debian's chromium is not installed ({CHROMIUM}): run make setup", pytrace=False)
    with sync_api.sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            str(tmp_path / "profile"), executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True
        )
        try:
            context.set_offline(True)
            page = context.new_page()
            requests: list[str] = []
            page.on("request", lambda r: requests.append(r.url))
            page.goto((city.out / summary.PAGE_NAME).as_uri())
            assert page.title() == "2024、2025年部门预算公开汇总"
            cells = page.locator("#summary tbody tr")
            assert cells.count() == 4
            shown = [cells.nth(i).locator("td").all_inner_texts()[:4] for i in range(4)]
            expected = {
                EXAMPLE.name: ["义马市工业信息化和科技局", "2024", "已生成"],
                FAULTY: ["柳溪县卫生健康局", "2025", "有错误"],
                UNREADABLE: ["", "", "无法读取"],
                SECOND.name: ["柳溪县卫生健康局", "2025", "已生成"],
            }
            assert shown == [[name, *expected[name]] for name in NAMES]
            text = page.inner_text("body")
            assert "占位文字" in text and "无法读取" in text
            assert all(url.startswith("file://") for url in requests), requests
            page.screenshot(path=str(tmp_path / "summary.png"), full_page=True)
        finally:
            context.close()


# --- the outcome carries them ---------------------------------------------------------------------


def test_a_render_in_this_process_counts_its_pages_too(tmp_path: Path):
    """Where the PDF is not laid out in a process of its own, write_pdf's count reaches the outcome as well."""
    outcome = service.render_job(SECOND, tmp_path, ("pdf",), parallel=False)
    assert outcome.ok and outcome.pages == pdf_pages(tmp_path / f"{SECOND.stem}.pdf")
    assert (outcome.department, outcome.budget_year) == ("柳溪县卫生健康局", 2025)
    assert (
        outcome.figures is not None
        and outcome.figures["spending_total"] == pipeline.prepare(SECOND).document.spending_total
    )


def test_a_summary_states_a_refused_workbook_s_figures_from_its_one_reading(
    city: Batch, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    """The figures come from the tables the check read (``CheckFailed``): read and derived once."""
    from generator.stages import derive
    from generator.workbook import load

    calls: list[str] = []
    real_load, real_complete = load.load_workbook, derive.complete
    monkeypatch.setattr(load, "load_workbook", lambda path, *a, **k: calls.append("load") or real_load(path, *a, **k))
    monkeypatch.setattr(
        derive, "complete", lambda budget, codes=None: calls.append("derive") or real_complete(budget, codes)
    )
    faulty = city.folder / FAULTY
    plain = service.render_job(faulty, tmp_path, ("html",), parallel=False)
    assert calls == ["load", "derive"]
    summarised = service.render_job(faulty, tmp_path, ("html",), parallel=False, summarise=True)
    assert calls == ["load", "derive"] * 2
    assert plain.status == "errors" and plain.figures is None and plain.department == ""
    assert summarised.status == "errors" and summarised.findings == plain.findings
    assert summarised.figures is not None and summarised.projects == pipeline.prepare(SECOND).document.project_count
    assert list(tmp_path.iterdir()) == []


# --- a batch of several formats: a sheet each ----------------------------------------------------

FINAL = ROOT / "inputs" / "上海市普陀区财政局2024决算.xlsx"


@pytest.fixture(scope="module")
def mixed(tmp_path_factory: pytest.TempPathFactory) -> Batch:
    """The 决算 example (final-accounts) and Henan's example, batched once: the 决算 appears first."""
    folder = tmp_path_factory.mktemp("mixed")
    shutil.copyfile(FINAL, folder / FINAL.name)
    shutil.copyfile(EXAMPLE, folder / EXAMPLE.name)
    out = tmp_path_factory.mktemp("mixed-out")
    result = run("batch", folder, "-o", out, "--format", "html")
    return Batch(folder, out, result.stdout, result.exit_code)


def test_a_batch_of_two_formats_has_a_sheet_each_with_its_own_columns(mixed: Batch):
    assert mixed.exit_code == 0
    wb = openpyxl.load_workbook(mixed.out / summary.WORKBOOK_NAME)
    # in the order each format first appears: the batch's order, 上海… before 义马…
    final_sheet, henan = "汇总", "汇总（河南省部门（单位）预算公开（YS01–YS14））"
    assert wb.sheetnames == [final_sheet, henan, "问题清单"]
    rows = {str(r["工作簿"]): r for r in sheet_rows(mixed.out / summary.WORKBOOK_NAME, final_sheet)}
    assert list(rows) == [FINAL.name, "合计"]
    # as read by hand from the published 决算 (reference/formats/shanghai-final-accounts-2024.txt)
    expected = {
        "收入支出总计（万元）": Decimal("2995.39"),
        "本年收入合计（万元）": Decimal("2946.25"),
        "本年支出合计（万元）": Decimal("2940.05"),
        "财政拨款收入支出总计（万元）": Decimal("2961.68"),
        "一般公共预算财政拨款支出（万元）": Decimal("2940.05"),
        "一般公共预算财政拨款年初预算（万元）": Decimal("2993.92"),
        "一般公共预算完成年初预算（%）": Decimal("98.20"),
        "基本支出（万元）": Decimal("2336.91"),
        "“三公”经费（万元）": Decimal("0"),
        "“三公”经费年初预算（万元）": Decimal("0.95"),
        "机关运行经费（万元）": Decimal("184.65"),
    }
    header = [c.value for c in wb[final_sheet][1]]
    assert header == [
        "工作簿",
        "部门名称",
        "年度",
        "状态",
        "错误",
        "警告",
        *expected,
        "项目个数",
        "PDF页数",
        header[-1],
    ]
    assert {key: amount(rows[FINAL.name][key]) for key in expected} == expected
    assert (rows[FINAL.name]["部门名称"], rows[FINAL.name]["年度"]) == ("上海市普陀区财政局", 2024)
    # its own 合计: each amount of its one workbook, and no sum of a percentage
    total = {key: amount(rows["合计"][key]) for key in expected}
    assert total == {**expected, "一般公共预算完成年初预算（%）": None}
    assert rows["合计"]["部门名称"] == "1 个工作簿"
    assert [c.value for c in wb[henan][1]][6:18] == AMOUNTS
    budget = {str(r["工作簿"]): r for r in sheet_rows(mixed.out / summary.WORKBOOK_NAME, henan)}
    assert list(budget) == [EXAMPLE.name, "合计"]
    document = document_columns(EXAMPLE)
    assert {k: amount(budget[EXAMPLE.name][k]) for k in AMOUNTS} == {k: document[k] for k in AMOUNTS}
    assert budget["合计"]["部门名称"] == "1 个工作簿"


def test_the_page_lists_each_format_under_its_title(mixed: Batch):
    page = parse(mixed.out / summary.PAGE_NAME)
    assert page.open == [] and page.bad == [] and len(page.ids) == len(set(page.ids))
    html = (mixed.out / summary.PAGE_NAME).read_text(encoding="utf-8")
    assert "<h2>部门决算公开（九张表，上海市模板）</h2>" in html
    assert "<h2>河南省部门（单位）预算公开（YS01–YS14）</h2>" in html
    assert "<th>一般公共预算完成年初预算（%）</th>" in html and '<td class="num">98.20</td>' in html
    for link in page.links:
        if link.startswith("#"):
            assert link[1:] in page.ids


def test_an_unreadable_workbook_stays_on_the_first_sheet(tmp_path: Path):
    outcomes = [
        service.Outcome(
            tmp_path / "甲.xlsx", format="final-accounts", format_title="决算", columns=(("a", "甲", "万元"),)
        ),
        service.Outcome(tmp_path / "乙.xlsx", error="无法读取", status="refused"),
        service.Outcome(tmp_path / "丙.xlsx", format="henan", format_title="河南", columns=summary.DEFAULT_COLUMNS),
    ]
    groups = summary.groups_of(summary.rows_of(outcomes, tmp_path))
    assert [(g.sheet, [r.workbook for r in g.rows]) for g in groups] == [
        ("汇总", ["甲.xlsx", "乙.xlsx"]),
        ("汇总（河南）", ["丙.xlsx"]),
    ]


def test_a_long_format_title_is_cut_to_excel_s_31_characters(tmp_path: Path):
    title = "某某省某某市某某区部门（单位）预算公开格式:第二版/二〇二五年修订"  # : and / are not allowed
    outcomes = [
        service.Outcome(tmp_path / f"{n}.xlsx", format=name, format_title=title, columns=summary.DEFAULT_COLUMNS)
        for n, name in enumerate(("a", "b", "c"))
    ]
    sheets = [g.sheet for g in summary.groups_of(summary.rows_of(outcomes, tmp_path))]
    assert sheets == [
        "汇总",
        "汇总（某某省某某市某某区部门（单位）预算公开格式第二版二〇二）",
        "汇总2（某某省某某市某某区部门（单位）预算公开格式第二版二〇）",
    ]
    assert all(len(s) <= 31 for s in sheets)


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        (
            "{figure: basic, header: 基本支出}",
            "{figure: basics, header: 基本支出}",
            "figures.yaml 第 {line} 行 summary[7].figure：没有数字“basics”：汇总表的列须是本文件 figures 中的数字",
        ),
        (
            "{figure: basic, header: 基本支出}",
            "{plan: basic, header: 基本支出}",
            "figures.yaml 第 {line} 行 summary[7].plan：数字“basic”没有 budget（年初预算）"
            "（有 budget 的：gpb、sangong、abroad、vehicle、reception）",
        ),
        (
            "{figure: basic, header: 基本支出}",
            "{header: 基本支出}",
            "figures.yaml 第 {line} 行 summary[7].figure：每列须恰有 figure、budget、plan 之一",
        ),
    ],
    ids=["unknown", "no-budget", "none"],
)
def test_a_summary_column_naming_no_figure_is_refused(tmp_path: Path, old: str, new: str, message: str):
    from importlib.resources import files

    from generator.formats import FormatError, read_folder

    folder = tmp_path / "final-accounts"
    shutil.copytree(str(files("generator.formats") / "final-accounts"), folder)
    path = folder / "figures.yaml"
    text = path.read_text(encoding="utf-8")
    line = text[: text.index(old)].count("\n") + 1
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    with pytest.raises(FormatError) as caught:
        read_folder(folder)
    assert str(caught.value) == f"{message.format(line=line)}（{path}）"


def test_a_batch_of_final_accounts_only_is_titled_so_and_counts_no_projects(tmp_path):
    """A 决算 has no projects (its 项目个数 cell and the 合计's are empty), and the page says 部门决算公开汇总."""
    folder = tmp_path / "in"
    folder.mkdir()
    final = ROOT / "inputs" / "上海市普陀区财政局2024决算.xlsx"
    shutil.copyfile(final, folder / final.name)
    out = tmp_path / "out"
    result = run("batch", folder, "-o", out, "--format", "html")
    assert result.exit_code == 0, result.output
    page = (out / "index.html").read_text(encoding="utf-8")
    assert "<h1>2024年部门决算公开汇总</h1>" in page
    ws = openpyxl.load_workbook(out / "汇总.xlsx")["汇总"]
    header = [c.value for c in ws[1]]
    column = header.index("项目个数") + 1
    assert [ws.cell(row, column).value for row in (2, 3)] == [None, None]
