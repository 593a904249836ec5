"""The web page end to end, in Debian's chromium driven by Playwright: upload, findings, preview, downloads.

The app runs on 127.0.0.1 on a free port in a background thread; the browser is /usr/bin/chromium
(the Debian package the project's set-up installs), never a downloaded one. Each state is saved as
a screenshot under /tmp/web_shots (WEB_SHOTS to change) for a person to look at.
"""

from __future__ import annotations

import os
import subprocess
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright import sync_api
from support import EXAMPLE, tool, where
from werkzeug.serving import make_server

from generator.frontends import web

CHROMIUM = Path("/usr/bin/chromium")  # Debian's, which `make setup` installs (Playwright downloads no browser)
SHOTS = Path(os.environ.get("WEB_SHOTS", "/tmp/web_shots"))
SENTENCE = "“三公”经费预算为7.00万元"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
UPLOAD_MB = 2  # small, so that the oversize test hands the browser a small file
RENDER_TIMEOUT_MS = 90_000  # one upload of the example renders its PDF and DOCX: several seconds


@pytest.fixture(scope="module")
def base_url(tmp_path_factory) -> Iterator[str]:
    app = web.create_app(max_upload_mb=UPLOAD_MB, workdir=tmp_path_factory.mktemp("web-e2e"))
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="web-e2e", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.port}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)
        app.extensions["budget_report"].close()


@pytest.fixture(scope="module")
def browser(tmp_path_factory) -> Iterator[object]:
    if not CHROMIUM.exists():
        pytest.fail(f"Debian's chromium is not installed ({CHROMIUM}): run make setup", pytrace=False)
    SHOTS.mkdir(parents=True, exist_ok=True)
    with sync_api.sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            str(tmp_path_factory.mktemp("chromium-profile")),  # a fresh user-data dir
            executable_path=str(CHROMIUM),
            args=CHROMIUM_ARGS,
            headless=True,
            accept_downloads=True,
            viewport={"width": 1280, "height": 900},
            locale="zh-CN",
        )
        try:
            yield context
        finally:
            context.close()


@pytest.fixture
def page(browser, base_url):
    """A page on the app that records every request it makes (all must stay on the app)."""
    page = browser.new_page()
    requests: list[str] = []
    page.on("request", lambda r: requests.append(r.url))
    page.goto(base_url + "/")
    yield page
    outside = [u for u in requests if not u.startswith((base_url + "/", "data:", "about:", "blob:"))]
    assert outside == [], f"requests outside the app: {outside}"
    page.close()


def shot(page, name: str) -> None:
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def upload(page, files) -> None:
    """Choose files with the picker (the page sends them at once) and wait for the result page:
    a queued upload's page says its place in the queue, then shows the results by itself."""
    with page.expect_navigation(timeout=RENDER_TIMEOUT_MS):
        page.set_input_files("#files", files)
    page.wait_for_selector("#status:not(.pending)", timeout=RENDER_TIMEOUT_MS)


def test_index_page(page):
    assert page.inner_text("h1") == "第一步：下载空白的标准工作簿"
    assert page.is_visible("#drop-zone") and page.is_visible("#blank-button")
    shot(page, "01-index")
    page.fill("input[name=year]", "2025")
    with page.expect_download() as download:
        page.click("#blank-button")
    assert download.value.suggested_filename == "2025年部门预算标准工作簿.xlsx"
    assert Path(download.value.path()).read_bytes()[:2] == b"PK"


def test_the_page_says_it_is_working_while_the_server_renders(page):
    page.evaluate("HTMLFormElement.prototype.submit = function () {}")  # hold the page in that state
    page.set_input_files("#files", {"name": "预算.xlsx", "mimeType": "application/octet-stream", "buffer": b"PK"})
    assert page.is_visible("#busy") and page.is_disabled("#upload-button")
    assert "已选择：预算.xlsx" in page.inner_text("#chosen")
    shot(page, "02-working")


def test_example_upload_shows_no_errors_a_preview_and_a_pdf_that_opens(page, base_url):
    upload(page, EXAMPLE)
    status = page.inner_text("#status")
    assert "检查通过，文档已生成" in status and "没有发现错误或警告" in status
    assert page.locator(".badge.error").count() == 0
    preview = page.frame_locator("#preview")
    sentence = preview.get_by_text(SENTENCE).first
    sentence.wait_for(timeout=30_000)
    sentence.scroll_into_view_if_needed()
    shot(page, "03-example-ok")
    # The PDF: downloaded under the workbook's name, and it opens (poppler reads its text back).
    with page.expect_download() as download:
        page.click("#download-pdf")
    assert download.value.suggested_filename == EXAMPLE.stem + ".pdf"
    pdf = Path(download.value.path())
    assert pdf.read_bytes().startswith(b"%PDF-")
    text = subprocess.run([tool("pdftotext"), str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    assert "义马市工业信息化和科技局" in text and "三公" in text
    with page.expect_download() as download:
        page.click("#download-docx")
    assert download.value.suggested_filename == EXAMPLE.stem + ".docx"
    assert Path(download.value.path()).read_bytes()[:2] == b"PK"
    # The preview on its own, as "在新窗口打开预览" shows it.
    src = page.get_attribute("#preview", "src")
    preview_page = page.context.new_page()
    preview_page.goto(base_url + src)
    assert SENTENCE in preview_page.inner_text("body")
    preview_page.screenshot(path=str(SHOTS / "04-preview.png"))
    preview_page.close()


def test_a_queued_upload_says_where_it_is_then_shows_its_results(page):
    """The page of an upload whose render is queued or running says so, and turns into the results by itself."""
    with page.expect_navigation(timeout=RENDER_TIMEOUT_MS):
        page.set_input_files("#files", EXAMPLE)
    waiting = page.inner_text("#status.pending")
    assert "排队中，前面还有" in waiting or "正在生成" in waiting
    shot(page, "09-queued")
    page.wait_for_selector("#status:not(.pending)", timeout=RENDER_TIMEOUT_MS)
    assert "检查通过，文档已生成" in page.inner_text("#status")
    assert page.is_visible("#download-pdf")


def test_broken_copy_shows_the_finding_with_its_sheet_and_cell(page, broken, rows):
    row = rows.find("YS03", name="事业单位医疗")
    path = broken(lambda e: e.set("YS03", "total", row, 1.84), name="有错误.xlsx")
    upload(page, path)
    assert "工作簿有 1 处错误，没有生成文档" in page.inner_text("#status")
    finding = page.locator("tr.finding.error")
    assert finding.count() == 1
    assert finding.locator("td.where").inner_text() == where("YS03", "total", row)
    assert finding.locator("td.rule").inner_text() == "小计不符"
    assert page.locator("#download-pdf").count() == 0 and page.locator("#preview").count() == 0
    shot(page, "05-errors")


def test_non_workbook_dropped_on_the_page_gives_a_clear_message(page):
    transfer = page.evaluate_handle(
        """() => {
            const data = new DataTransfer();
            data.items.add(new File(["这不是工作簿"], "说明.txt", {type: "text/plain"}));
            return data;
        }"""
    )
    with page.expect_navigation():
        page.dispatch_event("#drop-zone", "drop", {"dataTransfer": transfer})
    message = page.inner_text("#status")
    assert "无法读取工作簿 说明.txt：不是 Excel 工作簿（.xlsx）" in message
    assert "内部错误" not in page.inner_text("body")
    shot(page, "06-not-a-workbook")


def test_several_files_give_a_table_of_results(page, broken, rows):
    """Two workbooks at once (the zip and the download per bureau are tests/test_web.py's: each
    rendered example costs seconds)."""
    row = rows.find("YS03", name="事业单位医疗")
    path = broken(lambda e: e.set("YS03", "total", row, 1.84), name="甲单位.xlsx")
    files = [
        {"name": path.name, "mimeType": "application/octet-stream", "buffer": path.read_bytes()},
        {"name": "乙单位.xlsx", "mimeType": "text/plain", "buffer": "不是工作簿".encode()},
    ]
    upload(page, files)
    assert page.locator("table.batch tbody tr").count() == 2
    assert "0 个已生成；2 个有错误或无法读取，未生成文档" in page.inner_text("#status")
    assert page.locator("table.batch").get_by_role("link", name="PDF").count() == 0
    shot(page, "07-batch")
    page.get_by_role("link", name="查看错误").click()
    page.wait_for_selector("tr.finding.error")
    assert where("YS03", "total", row) in page.inner_text("table.findings")


def test_oversize_file_is_refused_before_it_is_sent(page):
    page.set_input_files(
        "#files", {"name": "大.xlsx", "mimeType": "application/zip", "buffer": b"0" * (UPLOAD_MB * 1024 * 1024 + 1)}
    )
    message = page.locator("#client-message")
    message.wait_for()
    assert f"超过了 {UPLOAD_MB} MB 的上限" in message.inner_text()
    assert page.url.endswith("/")
    shot(page, "08-too-large")


def test_a_code_list_chosen_before_the_workbook_is_checked_against(page, tmp_path):
    """The clerk picks the bureau's exported 科目代码表 first, then the workbook: the check names the list."""
    from test_codelist import bundled_rows, plain_csv, without

    codes = plain_csv(tmp_path / "本级科目代码表.csv", without(bundled_rows(), "2069999"))
    page.set_input_files("#codes", str(codes))
    assert page.is_visible("#codes")
    upload(page, EXAMPLE)
    assert "没有生成文档" in page.inner_text("#status")
    assert "科目编码按科目代码表 本级科目代码表.csv 核对" in page.inner_text("#codes-used")
    finding = page.locator("tr.finding.error").first
    assert finding.locator("td.rule").inner_text() == "未知科目"
    assert "不在科目代码表 本级科目代码表.csv 中" in finding.inner_text()
    shot(page, "08-code-list")


def test_next_years_workbook_from_last_years(page, tmp_path):
    """The clerk uploads last year's workbook and gets next year's, started from it."""
    from generator.workbook.load import load_workbook

    page.set_input_files("#last", str(EXAMPLE))
    page.check("input[name=keep_projects]")
    with page.expect_download() as download:
        page.click("#next-button")
    assert download.value.suggested_filename == f"2025年部门预算标准工作簿（据{EXAMPLE.stem}）.xlsx"
    target = tmp_path / "next.xlsx"
    download.value.save_as(target)
    budget = load_workbook(target)
    assert (budget.year, budget.bureau, len(budget.table("YS10").rows)) == (2025, "义马市工业信息化和科技局", 6)
