"""The web app through Flask's test client: upload, findings, downloads, batch, refusals and the file-handling rules."""

from __future__ import annotations

import io
import re
import shutil
import socket
import time
import zipfile
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest
from support import (
    EXAMPLE,
    FINAL_INPUT,
    FORM_TOKEN_FIELD,
    SHANGHAI_INPUT,
    clear_rows,
    form_token,
    html_text,
    wait_for_report,
    where,
    write_row,
)

from generator.formats import builtin
from generator.frontends import uploads, web
from generator.workbook.load import load_workbook
from generator.workbook.schema import TABLES_BY_CODE

SENTENCE = "“三公”经费预算为7.00万元"
YS03_TITLE = f"YS03 {TABLES_BY_CODE['YS03'].title}"
FIXED_OUTPUTS = {"upload.pdf", "upload.docx", "upload.html"}


def text_of(response) -> str:
    """The page's visible text, tags dropped and entities decoded, spaces collapsed."""
    return html_text(response.get_data(as_text=True), spaces=True)


def post(client, *files: tuple[bytes | Path, str], **kwargs):
    """Post the upload form as the page does: the files and the form's token."""
    data: dict[str, object] = {
        "files": [(io.BytesIO(f.read_bytes() if isinstance(f, Path) else f), name) for f, name in files],
        FORM_TOKEN_FIELD: form_token(client),
    }
    return client.post("/upload", data=data, content_type="multipart/form-data", **kwargs)


def rendered(client, response) -> str:
    """The report URL of a queued upload (a 303 to its page), once its renders are done."""
    assert response.status_code == 303, text_of(response)
    location = response.headers["Location"]
    assert wait_for_report(client, location)["state"] == "done"
    return location


def leftovers(workdir: Path) -> list[Path]:
    """Upload folders still present (each request's own folder must be gone when it ends)."""
    return sorted(workdir.glob("budget-report-upload-*"))


@pytest.fixture(scope="module")
def workdir(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("web")


@pytest.fixture(scope="module")
def app(workdir: Path):
    app = web.create_app(workdir=workdir)
    yield app
    app.extensions["budget_report"].close()


@pytest.fixture(scope="module")
def client(app):
    return app.test_client()


@pytest.fixture(scope="module")
def example_report(client, workdir) -> str:
    """The example uploaded once (the only full render in this module but the batch's): its report URL."""
    location = rendered(client, post(client, (EXAMPLE, EXAMPLE.name)))
    assert leftovers(workdir) == []  # the stored workbook is gone once its render is done
    return location


@pytest.fixture
def medical_error(broken, rows):
    """A copy of the example with one error: YS03's 事业单位医疗 total 1.84 instead of 6.83."""
    row = rows.find("YS03", name="事业单位医疗")
    path = broken(lambda e: e.set("YS03", "total", row, 1.84), name="有错误.xlsx")
    return path, where("YS03", "total", row)


# --- the page ----------------------------------------------------------------------------------


def test_index_is_chinese_local_and_offers_both_steps(client):
    response = client.get("/")
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    page = text_of(response)
    assert '<html lang="zh-CN">' in body
    assert "下载空白工作簿" in page and "把填好的工作簿拖到这里" in page and "点击选择文件" in page
    assert 'type="file" name="files" multiple' in body
    # Every asset is this app's own: no CDN, no external URL at all.
    assert not re.search(r"""(src|href)=["'](https?:)?//""", body)
    assert re.findall(r'src="([^"]+)"', body) == ["/static/app.js"]
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "default-src 'self'" in csp
    for asset in ("/static/app.js", "/static/app.css"):
        assert client.get(asset).status_code == 200


def test_blank_workbook_download(client):
    response = client.get("/blank.xlsx?year=2025")
    assert response.status_code == 200
    assert "filename*=UTF-8''2025" in response.headers["Content-Disposition"]
    wb = openpyxl.load_workbook(io.BytesIO(response.data))
    assert "基本信息" in wb.sheetnames and any(name.startswith("YS14") for name in wb.sheetnames)
    bad = client.get("/blank.xlsx?year=../../etc")
    assert bad.status_code == 400
    assert "预算年度应为" in text_of(bad)


# --- one workbook ------------------------------------------------------------------------------


def test_example_upload_shows_no_errors_downloads_and_preview(client, example_report):
    response = client.get(example_report)
    assert response.status_code == 200
    page = text_of(response)
    assert "检查通过，文档已生成" in page and "没有发现错误或警告" in page
    assert "2024年义马市工业信息化和科技局" in page
    assert "处错误" not in page
    body = response.get_data(as_text=True)
    assert f'href="{example_report}/0/pdf"' in body and f'href="{example_report}/0/docx"' in body
    assert f'src="{example_report}/0/preview"' in body and "sandbox" in body


def test_example_downloads_are_the_documents_under_the_workbooks_name(client, example_report):
    pdf = client.get(f"{example_report}/0/pdf")
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    assert pdf.data.startswith(b"%PDF-") and b"%%EOF" in pdf.data[-1024:]
    disposition = pdf.headers["Content-Disposition"]
    assert disposition.startswith("attachment;")
    assert "filename*=UTF-8''%E4%B9%89%E9%A9%AC" in disposition and disposition.endswith("2024.pdf")  # 义马…2024.pdf
    docx = client.get(f"{example_report}/0/docx")
    assert docx.status_code == 200
    with zipfile.ZipFile(io.BytesIO(docx.data)) as archive:
        assert "word/document.xml" in archive.namelist()
    assert docx.headers["Content-Disposition"].endswith("2024.docx")
    for fmt in ("html", "xlsx", "..%2F..%2Fetc%2Fpasswd"):
        assert client.get(f"{example_report}/0/{fmt}").status_code == 404


def test_preview_is_the_document_html_without_scripts_or_loads(client, example_report):
    response = client.get(f"{example_report}/0/preview")
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    assert SENTENCE in body
    assert "@page" in body and 'font-family: "BR Song"' in body  # the PDF's stylesheet, inlined
    csp = response.headers["Content-Security-Policy"]
    assert "default-src 'none'" in csp and "sandbox" in csp and "script-src" not in csp
    assert "<script" not in body


def test_results_are_stored_under_fixed_names_only(app, example_report):
    store = app.extensions["budget_report"]
    token = example_report.rsplit("/", 1)[-1]
    folder = store.root / token
    assert {p.name for p in (folder / "0").iterdir()} == FIXED_OUTPUTS
    assert [p.name for p in folder.iterdir()] == ["0"]


def test_broken_copy_shows_the_finding_at_its_sheet_and_cell(client, medical_error, workdir):
    path, cell = medical_error
    response = post(client, (path, path.name), follow_redirects=True)
    assert response.status_code == 200
    page = text_of(response)
    assert "工作簿有 1 处错误，没有生成文档" in page
    assert cell in page  # YS03!F…
    assert f'<th colspan="6">{YS03_TITLE}<' in response.get_data(as_text=True)
    assert "小计不符" in page and "应为" in page and "实为" in page
    body = response.get_data(as_text=True)
    assert "/pdf" not in body and "/docx" not in body and "preview" not in body  # no broken document offered
    assert "修改后重新上传" in page
    assert leftovers(workdir) == []


def test_findings_are_grouped_by_table_with_severity_and_expected_against_found(client, broken, rows):
    medical = rows.find("YS03", name="事业单位医疗")
    science = rows.find("YS03", name="其他科学技术支出")

    def edit(e) -> None:
        e.fact("部门名称", None)
        e.set("YS03", "total", medical, 1.84)
        e.set("YS03", "name", science, "<img src=x onerror=alert(1)>")  # a 科目名称 warning quoting it

    path = broken(edit, name="多处.xlsx")
    response = post(client, (path, path.name), follow_redirects=True)
    body = response.get_data(as_text=True)
    groups = re.findall(r'<tr class="group"><th colspan="6">([^<]+)<', body)
    assert groups[0] == "基本信息" and any(g.startswith("YS03 ") for g in groups)
    assert len(groups) == len(set(groups))
    assert '<span class="badge error">错误</span>' in body and '<span class="badge warning">警告</span>' in body
    assert f"<code>{where('YS03', 'name', science)}</code>" in body
    # Workbook text is data: escaped, never markup.
    assert "<img src=x" not in body and "&lt;img src=x onerror=alert(1)&gt;" in body


def test_non_workbook_gets_a_clear_message_not_a_server_error(client, workdir):
    response = post(client, (b"just some notes", "notes.txt"))
    assert response.status_code == 422
    page = text_of(response)
    assert "无法读取工作簿 notes.txt：不是 Excel 工作簿（.xlsx）" in page
    assert "请上传用标准工作簿填写的 .xlsx 文件" in page
    old_excel = post(client, (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 512, "旧表.xls"))
    assert old_excel.status_code == 422
    assert "另存为 .xlsx" in text_of(old_excel)
    nothing = client.post("/upload", data={FORM_TOKEN_FIELD: form_token(client)}, content_type="multipart/form-data")
    assert nothing.status_code == 400 and "没有收到文件" in text_of(nothing)
    assert leftovers(workdir) == []


def test_every_cli_refusal_is_a_message_on_the_page(client, broken, rows):
    """A text amount: the loader's refusal names the sheet and cell, as on the command line."""
    row = rows.find("YS03", name="事业单位医疗")
    path = broken(lambda e: e.set("YS03", "total", row, "0.84万元"), name="文字.xlsx")
    response = post(client, (path, path.name))
    assert response.status_code == 422
    page = text_of(response)
    assert "无法读取工作簿 文字.xlsx" in page and where("YS03", "total", row) in page
    assert "upload.xlsx" not in page


def test_oversize_upload_is_413_with_a_chinese_message(workdir):
    app = web.create_app(max_upload_mb=1, workdir=workdir)
    try:
        response = post(app.test_client(), (b"0" * (1024 * 1024 + 1), "大.xlsx"))
        assert response.status_code == 413
        page = text_of(response)
        assert "上传的文件太大" in page and "1 MB" in page
        assert 'data-max-bytes="1048576"' in response.get_data(as_text=True)  # the page refuses it before sending
    finally:
        app.extensions["budget_report"].close()
    assert leftovers(workdir) == []


# --- several workbooks -------------------------------------------------------------------------


def test_zip_batch_gives_a_row_and_a_download_per_workbook(client, medical_error, workdir):
    path, _cell = medical_error
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as z:
        z.write(EXAMPLE, f"各单位/{EXAMPLE.name}")
        z.write(path, "各单位/有错误.xlsx")
        z.writestr("各单位/说明.txt", "不是工作簿，不处理")
        z.writestr("__MACOSX/各单位/._有错误.xlsx", "resource fork")
        z.writestr("各单位/~$有错误.xlsx", "Excel lock file")
        z.writestr("../../etc/逃逸.xlsx", "not a workbook either")
    report = rendered(client, post(client, (archive.getvalue(), "全部.zip")))
    page_response = client.get(report)
    page = text_of(page_response)
    rows = re.findall(r'<tr class="row-(\w+)">', page_response.get_data(as_text=True))
    assert rows == ["ok", "errors", "refused"]
    assert "共 3 个工作簿" in page and "1 个已生成；2 个有错误或无法读取，未生成文档" in page
    assert EXAMPLE.name in page and "有错误.xlsx" in page and "逃逸.xlsx" in page
    assert "2024年义马市工业信息化和科技局" in page and "1 处错误" in page
    body = page_response.get_data(as_text=True)
    assert f'href="{report}/0/pdf"' in body and f'href="{report}/0/docx"' in body
    assert f'href="{report}/1"' in body and f'href="{report}/1/pdf"' not in body
    assert client.get(f"{report}/0/pdf").data.startswith(b"%PDF-")
    detail = client.get(f"{report}/1")
    assert detail.status_code == 200 and "小计不符" in text_of(detail) and "返回批量结果" in text_of(detail)
    assert client.get(f"{report}/1/pdf").status_code == 404
    assert not (workdir.parent / "etc").exists()
    assert leftovers(workdir) == []


def test_several_files_at_once_are_a_batch(client, medical_error):
    path, _cell = medical_error
    response = client.get(rendered(client, post(client, (path, "甲.xlsx"), (b"plain text", "乙.xlsx"))))
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    assert re.findall(r'<tr class="row-(\w+)">', body) == ["errors", "refused"]
    assert "无法读取工作簿 乙.xlsx：不是 Excel 工作簿（.xlsx）" in text_of(response)


def test_a_batch_offers_its_summary_workbook(client, medical_error, example_document):
    """The finance bureau's 汇总.xlsx, as ``budget-report batch`` writes it, under the clerk's file names."""
    path, _cell = medical_error
    report = rendered(client, post(client, (EXAMPLE, "甲局.xlsx"), (path, "乙局.xlsx"), (b"plain text", "丙局.xlsx")))
    page = client.get(report).get_data(as_text=True)
    assert f'href="{report}/summary.xlsx"' in page and "下载汇总表（汇总.xlsx）" in page
    download = client.get(f"{report}/summary.xlsx")
    assert download.status_code == 200 and download.mimetype == web.XLSX_TYPE
    assert "%E6%B1%87%E6%80%BB.xlsx" in download.headers["Content-Disposition"]  # 汇总.xlsx
    book = openpyxl.load_workbook(io.BytesIO(download.data))
    rows = list(book["汇总"].iter_rows(min_row=2, values_only=True))
    assert [r[:4] for r in rows[:3]] == [
        ("甲局.xlsx", example_document.document.bureau, 2024, "已生成"),
        ("乙局.xlsx", example_document.document.bureau, 2024, "有错误"),  # its figures too, from the check's tables
        ("丙局.xlsx", None, None, "无法读取"),
    ]
    assert Decimal(str(rows[0][6])) == example_document.document.income_total and rows[1][6] is not None
    issues = [r for r in book["问题清单"].iter_rows(min_row=2, values_only=True)]
    assert {r[0] for r in issues} == {"乙局.xlsx", "丙局.xlsx"} and any(r[3] == "小计不符" for r in issues)
    assert not any("upload.xlsx" in str(cell) for r in issues for cell in r)
    refused = issues[-1]
    assert refused[:4] == ("丙局.xlsx", "错误", None, "无法读取")
    assert refused[4].startswith("无法读取工作簿 丙局.xlsx：") and refused[4] in html_text(page, spaces=True)


def test_a_single_upload_has_no_summary(client, example_report):
    assert client.get(f"{example_report}/summary.xlsx").status_code == 404
    assert "summary.xlsx" not in client.get(example_report).get_data(as_text=True)


def test_archives_without_workbooks_or_broken_are_refused(client):
    empty = io.BytesIO()
    with zipfile.ZipFile(empty, "w") as z:
        z.writestr("readme.txt", "nothing here")
    response = post(client, (empty.getvalue(), "空.zip"))
    assert response.status_code == 400 and "压缩包 空.zip 中没有 .xlsx 工作簿" in text_of(response)
    broken_zip = post(client, (b"PK\x03\x04 truncated", "坏.zip"))
    assert broken_zip.status_code == 400 and "不是有效的 .zip 压缩包" in text_of(broken_zip)
    many = io.BytesIO()
    with zipfile.ZipFile(many, "w") as z:
        for n in range(web.MAX_WORKBOOKS + 1):
            z.writestr(f"{n}.xlsx", "x")
    too_many = post(client, (many.getvalue(), "多.zip"))
    assert too_many.status_code == 400 and f"一次最多 {web.MAX_WORKBOOKS} 个" in text_of(too_many)


def test_zip_member_names_from_chinese_windows_are_read_as_gbk():
    info = zipfile.ZipInfo("单位甲.xlsx".encode("gbk").decode("cp437"))
    assert uploads.member_name(info) == "单位甲.xlsx"
    utf8 = zipfile.ZipInfo("单位乙.xlsx")
    utf8.flag_bits |= 0x800
    assert uploads.member_name(utf8) == "单位乙.xlsx"


# --- names and folders -------------------------------------------------------------------------


def test_uploaded_name_with_path_parts_never_becomes_a_path(client, medical_error, workdir, app):
    path, cell = medical_error
    target = Path("/etc/x.xlsx")
    assert not target.exists()
    response = post(client, (path, "../../etc/x.xlsx"), follow_redirects=True)
    assert response.status_code == 200
    page = text_of(response)
    assert cell in page and "x.xlsx" in page and "../" not in page
    assert not target.exists()
    assert not list(workdir.parent.rglob("x.xlsx"))
    for windows in ("..\\..\\x.xlsx", "C:\\Users\\会计\\x.xlsx"):  # (the multipart parser may drop the backslashes)
        response = post(client, (b"text", windows))
        assert response.status_code == 422 and "x.xlsx：不是 Excel 工作簿" in text_of(response)
    names = {p.name for p in app.extensions["budget_report"].root.rglob("*") if p.is_file()}
    assert names <= FIXED_OUTPUTS | {web.SUMMARY_NAME}  # a batch's 汇总.xlsx: a fixed name too
    assert leftovers(workdir) == []


def test_names_for_display_and_download():
    assert web.display_name("../../etc/x.xlsx") == "x.xlsx"
    assert web.display_name("C:\\财务\\2025预算.xlsx") == "2025预算.xlsx"
    assert web.display_name("a\r\nb\x00.xlsx") == "ab.xlsx"
    assert web.display_name("") == "（未命名文件）"
    assert web.download_stem("义马市工业信息化和科技局2024.xlsx") == "义马市工业信息化和科技局2024"
    assert web.download_stem('a"b;c<d>.xlsx') == "a_b;c_d"
    assert web.download_stem("../..") == "预算公开"
    assert web.download_stem("（未命名文件）") == "预算公开"
    assert web.download_stem(".xlsx") == "xlsx"


def test_result_store_is_bounded_and_expires(tmp_path):
    store = web.ReportStore(tmp_path / "results", keep=2, ttl=3600)
    folders = []
    for _ in range(3):
        token, folder = store.reserve()
        (folder / "upload.pdf").write_bytes(b"%PDF-")
        store.add(web.Report(token, folder, [], batch=False))
        folders.append((token, folder))
    assert store.get(folders[0][0]) is None and not folders[0][1].exists()  # least recently used went first
    assert store.get(folders[1][0]) is not None and folders[2][1].exists()
    store.ttl = 0
    time.sleep(0.01)
    assert store.get(folders[2][0]) is None and not folders[2][1].exists()
    store.close()
    assert not (tmp_path / "results").exists()


def test_unknown_report_is_a_chinese_404(client):
    response = client.get("/report/not-a-token")
    assert response.status_code == 404
    assert "结果已经过期" in text_of(response)


# --- requests from elsewhere -------------------------------------------------------------------


def test_other_hosts_and_cross_site_uploads_are_refused(client):
    rebinding = client.get("/", headers={"Host": "evil.example"})
    assert rebinding.status_code == 400
    cross = post(client, (b"x", "a.xlsx"), headers={"Origin": "http://evil.example"})
    assert cross.status_code == 403 and "拒绝来自其他网页的上传" in text_of(cross)
    same = post(client, (b"x", "a.xlsx"), headers={"Origin": "http://localhost"})
    assert same.status_code == 422


def test_serve_says_when_the_port_is_taken():
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        with pytest.raises(web.ServeError, match="端口可能已被占用"):
            web.serve("127.0.0.1", port)


# --- the official code list ----------------------------------------------------------------------


def code_list(rows: list[tuple[str, str]]) -> bytes:
    return ("科目编码,科目名称\n" + "".join(f"{c},{n}\n" for c, n in rows)).encode("utf-8")


def post_with_codes(client, workbook: Path, codes: bytes, codes_name: str):
    data = {
        "files": [(io.BytesIO(workbook.read_bytes()), workbook.name)],
        "codes": (io.BytesIO(codes), codes_name),
        FORM_TOKEN_FIELD: form_token(client),
    }
    return client.post("/upload", data=data, content_type="multipart/form-data", follow_redirects=True)


def test_the_form_offers_a_code_list_field(client):
    page = client.get("/").get_data(as_text=True)
    assert '<input id="codes" type="file" name="codes"' in page and 'accept=".xlsx,.csv' in page


def test_uploaded_code_list_is_checked_against(client, workdir):
    from test_codelist import bundled_rows, without

    response = post_with_codes(client, EXAMPLE, code_list(without(bundled_rows(), "2069999")), "本级科目.csv")
    page = text_of(response)
    assert response.status_code == 200
    assert "没有生成文档" in page and "科目编码按科目代码表 本级科目.csv 核对" in page
    assert "功能分类科目“2069999”不在科目代码表 codes.csv 中" not in page  # the clerk's name, not ours
    assert "功能分类科目“2069999”不在科目代码表" in page
    assert leftovers(workdir) == []


def test_bad_code_list_is_refused_with_its_row(client, workdir):
    response = post_with_codes(client, EXAMPLE, code_list([("206", "科学技术支出"), ("合计", "")]), "本级科目.csv")
    assert response.status_code == 422
    assert "科目代码表 本级科目.csv 无法使用：第 3 行：科目编码“合计”应为数字" in text_of(response)
    response = post_with_codes(client, EXAMPLE, b"206", "科目.txt")
    assert response.status_code == 422
    assert "科目代码表 科目.txt 应为 .xlsx 或 .csv 文件" in text_of(response)
    assert leftovers(workdir) == []


def test_without_a_code_list_the_bundled_one_is_named(client, medical_error):
    path, _cell = medical_error
    page = text_of(post(client, (path, path.name), follow_redirects=True))
    assert "科目编码按内置科目表核对" in page


# --- 附统计图 -----------------------------------------------------------------------------------


@pytest.fixture
def charts_seen(app, monkeypatch) -> list[object]:
    """The charts option of each render the page queues (of ``web.render_task``'s last argument); the
    queue here renders nothing: each task is done at once with an empty outcome."""
    from generator.jobs import service

    seen: list[object] = []

    def submit(job) -> None:
        for task in job.tasks:
            assert task.work is web.render_task
            seen.append(task.args[-1].charts)
            task.result, task.state = service.Outcome(task.args[0]), "done"
        job.finish(job)
        job.state = "done"
        job.finished.set()

    monkeypatch.setattr(app.extensions["budget_report_queue"], "submit", submit)
    return seen


def post_charts(client, names: list[str], charts: str | None):
    data: dict[str, object] = {
        "files": [(io.BytesIO(EXAMPLE.read_bytes()), name) for name in names],
        FORM_TOKEN_FIELD: form_token(client),
    }
    if charts is not None:
        data["charts"] = charts
    return client.post("/upload", data=data, content_type="multipart/form-data")


def test_the_form_offers_the_charts_box(client):
    page = client.get("/")
    assert '<input id="charts" type="checkbox" name="charts" value="1">' in page.get_data(as_text=True)
    assert "附统计图" in text_of(page)


@pytest.mark.parametrize(("charts", "expected"), [("1", True), (None, None)], ids=["ticked", "unticked"])
def test_the_charts_box_reaches_the_render(client, charts_seen, charts, expected):
    response = post_charts(client, [EXAMPLE.name], charts)
    assert response.status_code == 303, text_of(response)
    assert charts_seen == [expected]


@pytest.mark.parametrize(("charts", "expected"), [("1", True), (None, None)], ids=["ticked", "unticked"])
def test_the_charts_box_reaches_every_render_of_a_batch(client, charts_seen, charts, expected):
    response = post_charts(client, ["甲局.xlsx", "乙局.xlsx"], charts)
    assert response.status_code == 303, text_of(response)
    assert charts_seen == [expected, expected]
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert '<input id="charts" type="checkbox" name="charts"' in page  # the next batch's form has it too


def test_a_ticked_charts_box_gives_documents_with_their_charts(client, workdir):
    """The whole way, no stand-in: the box ticked, the example's preview, PDF and DOCX carry its five charts
    (its income is of one source: no one-slice pie)."""
    data = {"files": [(io.BytesIO(EXAMPLE.read_bytes()), EXAMPLE.name)], "charts": "1"}
    data[FORM_TOKEN_FIELD] = form_token(client)
    report = rendered(client, client.post("/upload", data=data, content_type="multipart/form-data"))
    preview = client.get(f"{report}/0/preview").get_data(as_text=True)
    assert preview.count('<figure class="chart"') == 5 and "图5　" in preview and "图6" not in preview
    pdf = client.get(f"{report}/0/pdf")
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF-")
    with zipfile.ZipFile(io.BytesIO(client.get(f"{report}/0/docx").data)) as archive:
        assert len([n for n in archive.namelist() if n.startswith("word/media/")]) == 5
    assert leftovers(workdir) == []


def test_a_final_accounts_workbook_is_rendered_in_its_own_format(client, workdir):
    """The page reads the format from the workbook: the 决算 example's preview says what its reference says."""
    final = EXAMPLE.parent / "上海市普陀区财政局2024决算.xlsx"
    location = rendered(client, post(client, (final, final.name)))
    page = text_of(client.get(location))
    assert "检查通过，文档已生成。 上海市普陀区财政局2024年度部门决算。" in page and "0 处错误，10 处警告" in page
    body = client.get(f"{location}/0/preview").get_data(as_text=True)
    assert "上海市普陀区财政局2024年度收入支出总计2995.39万元。" in body
    assert "完成年初预算的98.20%" in body
    assert leftovers(workdir) == []


# --- the budget workbook of a 决算 (--budget) ------------------------------------------------------

BUDGET_UPLOAD = "普陀区2024年预算.xlsx"  # the clerk's name for the budget workbook


@pytest.fixture(scope="module")
def year_budget(tmp_path_factory) -> Path:
    """The 决算 example's budget: Shanghai's district budget made a 2024 one whose T5 (in 元) has the 决算's
    类, 款 and 项 with its 年初预算数. Two 项 carry 40 元 less than their cents (财政委托业务支出 4505160 元,
    450.52 万元 when rounded; 行政单位离退休 855460 元, 85.55): the 项 sum to 2993.922 万元, the 合计 the
    example prints as 2993.92, where its cents would add up to 2993.93."""
    path = tmp_path_factory.mktemp("budget") / BUDGET_UPLOAD
    shutil.copy(SHANGHAI_INPUT, path)
    year_cell = load_workbook(path).facts.cells["year"]
    below_the_cent = {"2010608": 40, "2080501": 40}
    rows = [r for r in load_workbook(FINAL_INPUT).table("T5").rows if r.kind in ("class", "subclass", "item")]
    wb = openpyxl.load_workbook(path)
    wb["基本信息"][year_cell] = 2024
    spec = builtin("shanghai-district").table("T5")
    ws = wb[spec.sheet_name]
    clear_rows(ws, spec.data_row)
    for i, row in enumerate(rows):
        codes = {key: row.text(key) or None for key in ("lei", "kuan", "xiang")}
        yuan = int(row.amount("budget") * 10000) - below_the_cent.get("".join(filter(None, codes.values())), 0)
        write_row(
            ws, spec.data_row + i, "T5", "shanghai-district", name=row.text("name"), total=yuan, basic=yuan, **codes
        )
    wb.save(path)
    return path


def post_with_budget(client, workbooks: list[tuple[Path, str]], budget: bytes | Path, budget_name: str, **kwargs):
    data = {
        "files": [(io.BytesIO(path.read_bytes()), name) for path, name in workbooks],
        "budget": (io.BytesIO(budget.read_bytes() if isinstance(budget, Path) else budget), budget_name),
        FORM_TOKEN_FIELD: form_token(client),
    }
    return client.post("/upload", data=data, content_type="multipart/form-data", **kwargs)


def finding_rows(response) -> list[list[str]]:
    """Each finding row of the report page: its cells' texts (级别, 位置, 规则, 说明, 应为, 实为)."""
    body = response.get_data(as_text=True)
    rows = re.findall(r'<tr class="finding [a-z]+">(.*?)</tr>', body, re.S)
    return [
        [html_text(cell, spaces=True).strip() for cell in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)] for row in rows
    ]


def test_the_form_offers_a_budget_workbook_field(client):
    page = client.get("/")
    assert '<input id="budget" type="file" name="budget" accept=".xlsx' in page.get_data(as_text=True)
    assert "当年的预算工作簿（决算用，可选）： 决算的年初预算数与之核对" in text_of(page)


def test_a_differing_budget_figure_is_a_finding_naming_the_uploaded_budget(client, workdir, year_budget, tmp_path):
    final = tmp_path / "普陀区2024决算.xlsx"
    shutil.copy(FINAL_INPUT, final)
    wb = openpyxl.load_workbook(final)
    wb[builtin("final-accounts").table("T5").sheet_name]["H8"] = 1560.06  # 行政运行; the budget gives 1560.05
    wb.save(final)
    response = post_with_budget(client, [(final, final.name)], year_budget, BUDGET_UPLOAD, follow_redirects=True)
    assert response.status_code == 200
    page = text_of(response)
    assert "工作簿有 1 处错误，没有生成文档" in page
    assert [row for row in finding_rows(response) if row[2] == "预算数不符"] == [
        [
            "错误",
            "T5!H8",
            "预算数不符",
            f"科目 2010601 行政运行 的年初预算数与预算工作簿 {BUDGET_UPLOAD} 算出的数字不同",
            "1560.05",
            "1560.06",
        ]
    ]
    assert uploads.BUDGET_NAME not in page
    assert leftovers(workdir) == []


def test_an_agreeing_budget_gives_no_finding(client, workdir, year_budget):
    location = rendered(client, post_with_budget(client, [(FINAL_INPUT, FINAL_INPUT.name)], year_budget, BUDGET_UPLOAD))
    response = client.get(location)
    page = text_of(response)
    assert "检查通过，文档已生成" in page and "0 处错误，10 处警告" in page  # the example's own 尾差 warnings
    assert not [row for row in finding_rows(response) if row[2] == "预算数不符"]
    assert leftovers(workdir) == []


def test_an_unreadable_budget_workbook_is_refused_naming_the_clerks_file(client, workdir):
    response = post_with_budget(client, [(FINAL_INPUT, FINAL_INPUT.name)], b"not a workbook", "预算.xlsx")
    assert response.status_code == 422
    page = text_of(response)
    assert "无法读取预算工作簿 预算.xlsx：不是 Excel 工作簿（.xlsx）：文件不是 zip 格式" in page
    assert uploads.BUDGET_NAME not in page
    # a 决算 is no budget workbook: its format gives no 年初预算数
    response = post_with_budget(client, [(FINAL_INPUT, FINAL_INPUT.name)], FINAL_INPUT, "决算当预算.xlsx")
    assert response.status_code == 422
    assert (
        "预算工作簿 决算当预算.xlsx 的公开格式 final-accounts（部门决算公开（九张表，上海市模板））"
        "没有声明可供决算取年初预算数的列（tables.yaml 的 measures）：请给出当年的预算工作簿"
    ) in text_of(response)
    assert leftovers(workdir) == []


HENAN_REFUSAL = (
    "：--budget 只用于有年初预算数列的决算格式，本工作簿的公开格式 henan（河南省部门（单位）预算公开（YS01–YS14））没有"
)


def test_a_budget_workbook_with_a_budget_format_workbook_is_refused_as_on_the_command_line(
    client, workdir, year_budget
):
    response = post_with_budget(client, [(EXAMPLE, "本局2024.xlsx")], year_budget, BUDGET_UPLOAD)
    assert response.status_code == 422
    page = text_of(response)
    assert f"本局2024.xlsx{HENAN_REFUSAL}" in page
    assert "内部错误" not in page and "upload.xlsx" not in page
    assert leftovers(workdir) == []


def test_a_budget_workbook_with_a_batch_of_budget_format_workbooks_is_refused_for_each(client, workdir, year_budget):
    workbooks = [(EXAMPLE, "甲局.xlsx"), (EXAMPLE, "乙局.xlsx")]
    location = rendered(client, post_with_budget(client, workbooks, year_budget, BUDGET_UPLOAD))
    page = text_of(client.get(location))
    assert f"甲局.xlsx{HENAN_REFUSAL}" in page and f"乙局.xlsx{HENAN_REFUSAL}" in page
    assert "内部错误" not in page
    assert leftovers(workdir) == []


def test_findings_are_headed_in_the_workbook_s_own_format(client, workdir, tmp_path):
    """Shanghai's budget and the 决算 both have a T1: a budget's T1 finding is headed with the budget's title."""
    import shutil

    import openpyxl

    budget = EXAMPLE.parent / "上海市普陀区财政局2025.xlsx"
    broken = tmp_path / budget.name
    shutil.copyfile(budget, broken)
    wb = openpyxl.load_workbook(broken)
    ws = next(w for w in wb.worksheets if w.title.startswith("T1"))
    row = next(r for r in range(1, ws.max_row + 1) if ws.cell(r, 3).value == "支出总计")
    ws.cell(row, 4).value = ws.cell(row, 4).value + 1
    wb.save(broken)
    response = post(client, (broken, broken.name), follow_redirects=True)
    body = response.get_data(as_text=True)
    assert "工作簿有 2 处错误" in text_of(response)  # 支出总计 against 收入总计 and against T3's 合计
    assert '<th colspan="6">T1 部门财务收支预算总表<' in body and "收入支出决算总表" not in body
    assert leftovers(workdir) == []
