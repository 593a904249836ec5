"""Turn browser uploads into checked, rendered documents: a local Flask app over the job service.

``budget-report serve`` runs it on the clerk's own machine (127.0.0.1 by default). The page
offers the blank standard workbook (or next year's, started from last year's uploaded workbook),
takes one or more filled workbooks (or a .zip of them) with, optionally, last year's to check 上年数 against,
shows the ``check`` findings grouped by table, previews the document HTML and offers the PDF and
the DOCX. It is a thin layer: every workbook goes through the job service
(``service.render_job``) exactly as on the command line, so the loader's limits and the PDF
renderer's restricted fetching apply unchanged. The pages are module-level views of one
blueprint; ``create_app`` holds the settings and the report store (``app.extensions``).

Files. Each upload request works in a temporary folder of its own, removed when the request
ends; an uploaded file is stored there under a fixed name (``NNN/upload.xlsx``), never under a
name the browser sent (``uploads.py`` receives the files and zips). The outputs of a processed
upload (``upload.pdf``, ``.docx``, ``.html``) go to a result folder named by a random token, kept
for the downloads and removed after ``result_ttl_s`` or when more than ``keep_results`` results
are held (least recently used first), and all of them when the process exits. The workbook's own
name is used only for display and, sanitised, in a download's Content-Disposition.
"""

from __future__ import annotations

import atexit
import functools
import logging
import re
import secrets
import shutil
import signal
import tempfile
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, fields, replace
from datetime import date
from io import BytesIO
from pathlib import Path
from urllib.parse import urlsplit

from flask import Blueprint, Flask, Response, abort, current_app, redirect, render_template, request, send_file, url_for
from flask.typing import ResponseReturnValue
from werkzeug.datastructures import FileStorage
from werkzeug.exceptions import HTTPException, RequestEntityTooLarge, SecurityError

from generator.errors import SEVERITY_TEXT, BudgetError, Finding
from generator.frontends.uploads import (
    LAST_YEAR_NAME,
    MAX_WORKBOOKS,
    UPLOAD_NAME,
    Item,
    Reference,
    Refused,
    display_name,
    download_stem,
    receive,
    receive_codes,
    receive_previous,
)
from generator.jobs import service, summary
from generator.jobs.service import Outcome
from generator.render.html import TEMPLATES as DOCUMENT_TEMPLATES
from generator.workbook.schema import TABLES_BY_CODE

log = logging.getLogger(__name__)

UI = Path(__file__).resolve().parent / "webui"
OUTPUT_FORMATS = ("pdf", "docx", "html")
SUMMARY_NAME = "summary.xlsx"  # a batch's 汇总.xlsx in its result folder (downloaded as 汇总.xlsx)
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DOWNLOADS = {
    "pdf": "application/pdf",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
}
LOOPBACK_HOSTS = ("127.0.0.1", "localhost", "::1")

# The page's own policy: nothing but this app's scripts, styles and frames.
PAGE_CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; "
    "frame-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)
# The preview: the document HTML with its stylesheet inlined; no scripts, no loads, a sandbox.
PREVIEW_CSP = (
    "default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'; "
    "frame-ancestors 'self'; sandbox"
)

# The preview is shown by a browser, which will not load the PDF's file:// fonts from an http
# page: the same families are bound to fonts installed on the clerk's machine instead.
_PREVIEW_FONTS = {
    ("BR Song", 400): ("Noto Serif CJK SC", "NotoSerifCJKsc-Regular", "SimSun", "宋体", "Songti SC", "STSong"),
    ("BR Song", 700): ("Noto Serif CJK SC Bold", "NotoSerifCJKsc-Bold", "SimSun", "宋体", "Songti SC Bold", "STSong"),
    ("BR Hei", 400): ("Noto Sans CJK SC", "NotoSansCJKsc-Regular", "SimHei", "黑体", "Microsoft YaHei", "PingFang SC"),
    ("BR Hei", 700): ("Noto Sans CJK SC Bold", "NotoSansCJKsc-Bold", "SimHei", "黑体", "Microsoft YaHei Bold"),
    ("BR Kai", 400): ("LXGW WenKai", "LXGWWenKai-Regular", "KaiTi", "楷体", "KaiTi_GB2312", "STKaiti"),
    ("BR Kai", 700): ("LXGW WenKai Bold", "LXGWWenKai-Bold", "KaiTi", "楷体", "STKaiti"),
    ("BR FangSong", 400): ("FangSong", "仿宋", "FangSong_GB2312", "STFangsong", "Noto Serif CJK SC"),
}
_PREVIEW_SCREEN = """
@media screen {
  html { background: #d9dde3; }
  body { background: #fff; max-width: 210mm; box-sizing: border-box; margin: 12px auto; padding: 20mm 22mm;
         box-shadow: 0 1px 6px rgba(0, 0, 0, .25); }
  table { max-width: 100%; }
}
"""


# --- what became of one workbook ---------------------------------------------------------------


@dataclass
class Entry(Outcome):
    """One uploaded workbook's outcome, as the page shows it: the service's ``Outcome`` with the
    clerk's own file name in place of the stored one, and where its documents are kept."""

    name: str = ""  # as uploaded, for display
    stem: str = ""  # for download names
    folder: Path | None = None  # the outputs, when status is ok
    codes: str = ""  # which code list the check used, as the report says it

    @property
    def message(self) -> str:
        return self.error or ""

    @property
    def bureau(self) -> str:
        return self.budget.bureau if self.budget is not None else ""

    @property
    def year(self) -> int | None:
        return (self.budget.year or None) if self.budget is not None else None

    def groups(self) -> list[tuple[str, list[Finding]]]:
        """The findings by table, each table under its code and title, in the check's order."""
        by_sheet: dict[str, list[Finding]] = {}
        for finding in self.findings:
            by_sheet.setdefault(finding.sheet, []).append(finding)
        return [(_table_title(sheet), items) for sheet, items in by_sheet.items()]

    def output(self, fmt: str) -> Path:
        assert self.folder is not None
        return self.folder / f"{Path(UPLOAD_NAME).stem}.{fmt}"


def _table_title(sheet: str) -> str:
    spec = TABLES_BY_CODE.get(sheet)
    return f"{spec.code} {spec.title}" if spec else sheet


@dataclass
class Report:
    """What one upload request produced, kept under its token for the downloads."""

    token: str
    folder: Path
    entries: list[Entry]
    batch: bool
    created: float = field(default_factory=time.monotonic)

    @property
    def done(self) -> int:
        return sum(e.ok for e in self.entries)

    @property
    def summary(self) -> Path:
        """Where a batch's 汇总.xlsx is (written with the results; absent if that failed)."""
        return self.folder / SUMMARY_NAME


class ReportStore:
    """The results of recent uploads, by random token, in folders under one temporary root.

    Bounded: at most ``keep`` reports (the least recently used goes first) and none older than
    ``ttl`` seconds. ``close`` removes the root with everything in it.
    """

    def __init__(self, root: Path, *, keep: int, ttl: float):
        self.root = root
        self.keep = max(1, keep)
        self.ttl = ttl
        self._reports: OrderedDict[str, Report] = OrderedDict()
        self._lock = threading.Lock()

    def reserve(self) -> tuple[str, Path]:
        """A new token and its (new, empty) folder."""
        while True:
            token = secrets.token_urlsafe(18)
            folder = self.root / token
            try:
                folder.mkdir(parents=True)
            except FileExistsError:
                continue
            return token, folder

    def add(self, report: Report) -> None:
        with self._lock:
            self._reports[report.token] = report
            self._sweep()

    def get(self, token: str) -> Report | None:
        with self._lock:
            self._sweep()
            report = self._reports.get(token)
            if report is not None:
                self._reports.move_to_end(token)
            return report

    def __len__(self) -> int:
        return len(self._reports)

    def _sweep(self) -> None:
        now = time.monotonic()
        for token, report in list(self._reports.items()):
            if now - report.created > self.ttl:
                self._drop(token)
        while len(self._reports) > self.keep:
            self._drop(next(iter(self._reports)))

    def _drop(self, token: str) -> None:
        report = self._reports.pop(token)
        shutil.rmtree(report.folder, ignore_errors=True)

    def close(self) -> None:
        with self._lock:
            self._reports.clear()
            shutil.rmtree(self.root, ignore_errors=True)


# --- processing --------------------------------------------------------------------------------

_FIXED_NAME = re.compile(r"\bupload\.(xlsx|pdf|docx|html)\b")


def _as_uploaded(findings: Iterable[Finding], *references: Reference | None) -> list[Finding]:
    """Findings that name the code list and last year's workbook by the clerk's file names, not ours."""
    out = list(findings)
    for reference in references:
        if reference is not None:
            out = [replace(f, message=reference.rename(f.message)) for f in out]
    return out


def _process(
    item: Item,
    outdir: Path,
    codes: Reference | None = None,
    previous: Reference | None = None,
    charts: bool | None = None,
) -> Entry:
    """Render one stored workbook into ``outdir`` through the job service, as the command line
    does, and word its outcome for the page. ``charts`` is the job service's: True draws the
    charts, None leaves it to the profile."""
    used = f"科目代码表 {codes.shown} " if codes else "内置科目表"
    if item.path is None:  # a zip member refused before it was stored: never a path, only its name
        return Entry(
            Path(UPLOAD_NAME),
            error=item.refusal,
            status="refused",
            name=item.name,
            stem=download_stem(item.name),
            codes=used,
        )
    outdir.mkdir(parents=True, exist_ok=True)
    outcome = service.render_job(
        item.path,
        outdir,
        OUTPUT_FORMATS,
        codes=codes.path if codes else None,
        previous=previous.path if previous else None,
        internal=service.INTERNAL_WEB,
        summarise=True,  # a batch's 汇总.xlsx states the figures of a workbook with errors too
        charts=charts,
    )
    entry = Entry(
        **{f.name: getattr(outcome, f.name) for f in fields(Outcome)},
        name=item.name,
        stem=download_stem(item.name),
        codes=used,
    )

    def named(text: str) -> str:  # the library names the stored file; the clerk knows their own
        return _FIXED_NAME.sub(lambda m: item.name if m.group(1) == "xlsx" else f"{entry.stem}.{m.group(1)}", text)

    entry.findings = _as_uploaded(entry.findings, codes, previous)
    if entry.status == "errors":
        entry.error = f"工作簿 {item.name} 有 {entry.errors} 处错误，未生成文档。"
    elif entry.status == "refused":
        entry.problems = [named(p) for p in entry.problems]
        entry.error = f"无法读取工作簿 {item.name}" + ("：" + entry.problems[0] if len(entry.problems) == 1 else "。")
        if len(entry.problems) == 1:
            entry.problems = []
    elif entry.error is not None:
        entry.error = named(entry.error)
        if entry.internal:
            log.error("rendering %s failed\n%s", item.name, entry.trace)
    else:
        entry.folder = outdir
    if not entry.ok:
        shutil.rmtree(outdir, ignore_errors=True)
    return entry


@functools.lru_cache(maxsize=4)
def _blank_workbook(year: int) -> bytes:
    from generator.workbook.blank import write_blank

    with tempfile.TemporaryDirectory(prefix="budget-report-blank-") as folder:
        path = Path(folder) / "blank.xlsx"
        write_blank(path, year=year)
        return path.read_bytes()


def _next_year_workbook(upload: FileStorage, work: Path, year: int | None, keep_projects: bool) -> tuple[bytes, int]:
    """Next year's workbook started from last year's uploaded one, and its year; ``Refused`` saying why not."""
    from generator.jobs.nextyear import start_from
    from generator.workbook.blank import save

    last = Reference(work / LAST_YEAR_NAME, display_name(upload.filename), "上年工作簿")
    upload.save(last.path)
    try:
        started = start_from(last.path, year=year, keep_projects=keep_projects)
    except BudgetError as exc:
        raise Refused(last.rename(str(exc)), 422) from None
    out = work / "next.xlsx"
    save(started.workbook, out)
    return out.read_bytes(), started.year


@functools.lru_cache(maxsize=2)
def _preview_css(style: str) -> str:
    faces = []
    for (family, weight), names in _PREVIEW_FONTS.items():
        sources = ", ".join(f'local("{n}")' for n in names)
        faces.append(f'@font-face {{ font-family: "{family}"; font-weight: {weight}; src: {sources}; }}')
    return "\n".join(faces) + "\n" + style + _PREVIEW_SCREEN


def preview_html(html: str) -> str:
    """The document HTML with the PDF's stylesheet (and fonts found on this machine) inlined."""
    # the built-in stylesheet is a package resource (no file time to key on): its text is the key
    css = _preview_css((DOCUMENT_TEMPLATES / "style.css").read_text(encoding="utf-8")).replace("</", "<\\/")
    block = f"<style>\n{css}\n</style>\n"
    head_end = html.find("</head>")
    return html[:head_end] + block + html[head_end:] if head_end >= 0 else block + html


# --- the app -----------------------------------------------------------------------------------

# Every page and download; the app around them (create_app) holds the settings and the results.
views = Blueprint("web", __name__)

# Where the app keeps what its views need, beside Flask's own settings.
_WORKDIR = "BUDGET_REPORT_WORKDIR"  # the folder of the upload and result folders (None: the system's)
_UPLOAD_MB = "BUDGET_REPORT_UPLOAD_MB"


def create_app(
    *,
    max_upload_mb: int = 20,
    workdir: Path | None = None,
    keep_results: int = 20,
    result_ttl_s: float = 2 * 3600,
    trusted_hosts: list[str] | None = None,
) -> Flask:
    """The web app. ``workdir`` holds the upload and result folders (default: the system's
    temporary folder); ``trusted_hosts`` are the Host names it answers (default: loopback only,
    which keeps other web sites out by DNS rebinding); ``[]`` answers any."""
    app = Flask(__name__, template_folder=str(UI / "templates"), static_folder=str(UI / "static"))
    app.config.update(
        MAX_CONTENT_LENGTH=max_upload_mb * 1024 * 1024,
        TRUSTED_HOSTS=(list(LOOPBACK_HOSTS) if trusted_hosts is None else trusted_hosts) or None,
        SEND_FILE_MAX_AGE_DEFAULT=0,
        **{_WORKDIR: workdir, _UPLOAD_MB: max_upload_mb},
    )
    if workdir is not None:
        workdir.mkdir(parents=True, exist_ok=True)
    store = ReportStore(
        Path(tempfile.mkdtemp(prefix="budget-report-web-", dir=workdir)), keep=keep_results, ttl=result_ttl_s
    )
    atexit.register(store.close)
    app.extensions["budget_report"] = store
    app.register_blueprint(views)
    app.context_processor(_page_globals)
    app.after_request(_security_headers)
    app.register_error_handler(RequestEntityTooLarge, _too_large)
    app.register_error_handler(SecurityError, _untrusted_host)
    app.register_error_handler(HTTPException, _http_error)
    app.register_error_handler(Exception, _internal)
    return app


def _store() -> ReportStore:
    store: ReportStore = current_app.extensions["budget_report"]
    return store


def _limit_text() -> str:
    return f"{current_app.config[_UPLOAD_MB]} MB"


def _page_globals() -> dict[str, object]:
    return {
        "max_bytes": current_app.config["MAX_CONTENT_LENGTH"],
        "limit_text": _limit_text(),
        "max_workbooks": MAX_WORKBOOKS,
        "next_year": date.today().year + 1,
        "severity_text": SEVERITY_TEXT,
    }


def _page(template: str, status: int = 200, **context: object) -> Response:
    return current_app.make_response((render_template(template, **context), status))


def _refuse(message: str, status: int, *, entry: Entry | None = None, hint: bool = True) -> Response:
    return _page("message.html", status, message=message, entry=entry, hint=hint)


def _security_headers(response: Response) -> Response:
    response.headers.setdefault("Content-Security-Policy", PAGE_CSP)
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    if request.endpoint != "static":
        response.headers.setdefault("Cache-Control", "no-store")
    return response


def _too_large(_exc: RequestEntityTooLarge) -> Response:
    return _refuse(
        f"上传的文件太大：一次上传合计不能超过 {_limit_text()}。请分批上传，或检查是否选错了文件。", 413, hint=False
    )


def _untrusted_host(_exc: SecurityError) -> Response:
    # No URLs can be built for an untrusted Host: a page of its own, without the template.
    body = (
        '<!DOCTYPE html><html lang="zh-CN"><meta charset="utf-8"><title>拒绝访问</title>'
        "<p>拒绝访问：请用本机地址（如 http://127.0.0.1:端口/）打开本工具。</p></html>"
    )
    return Response(body, 400, mimetype="text/html")


def _http_error(exc: HTTPException) -> Response:
    messages = {
        400: "请求无效，请回到首页重新上传。",
        403: "拒绝访问。",
        404: "找不到这个页面，或者这次上传的结果已经过期清除。请回到首页重新上传。",
        405: "不支持这种访问方式，请回到首页操作。",
    }
    text = messages.get(exc.code or 500, f"请求无法处理（{exc.code}）。")
    return _refuse(text, exc.code or 500, hint=False)


def _internal(exc: Exception) -> Response:
    log.exception("internal error")
    return _refuse(f"内部错误：{type(exc).__name__}。请把这条信息告诉技术人员。", 500, hint=False)


def _foreign_origin() -> bool:
    origin = request.headers.get("Origin")
    return origin is not None and urlsplit(origin).netloc != request.host


def _year_refusal(raw: str) -> Response | None:
    """The page refusing a budget year that is not four digits from 1990 to 2100, or None."""
    if not raw.isdecimal() or not 1990 <= int(raw) <= 2100:
        return _refuse(f"预算年度应为 1990 至 2100 之间的四位数字，收到的是“{raw}”。", 400, hint=False)
    return None


@views.get("/")
def index() -> Response:
    return _page("index.html")


@views.get("/blank.xlsx")
def blank() -> Response:
    raw = request.args.get("year", "").strip() or str(date.today().year + 1)
    refusal = _year_refusal(raw)
    if refusal is not None:
        return refusal
    year = int(raw)
    return send_file(
        BytesIO(_blank_workbook(year)),
        mimetype=XLSX_TYPE,
        as_attachment=True,
        download_name=f"{year}年部门预算标准工作簿.xlsx",
    )


@views.post("/next.xlsx")
def next_year() -> ResponseReturnValue:
    if _foreign_origin():
        return _refuse("拒绝来自其他网页的上传：请直接在本页上传。", 403, hint=False)
    upload = request.files.get("last")
    if upload is None or not upload.filename:
        return _refuse("没有收到上年的工作簿：请选择上年填好的工作簿（.xlsx）。", 400, hint=False)
    raw = request.form.get("year", "").strip()
    refusal = _year_refusal(raw) if raw else None
    if refusal is not None:
        return refusal
    with tempfile.TemporaryDirectory(prefix="budget-report-next-", dir=current_app.config[_WORKDIR]) as work:
        try:
            content, year = _next_year_workbook(
                upload, Path(work), int(raw) if raw else None, bool(request.form.get("keep_projects"))
            )
        except Refused as exc:
            return _refuse(str(exc), exc.status, hint=False)
    return send_file(
        BytesIO(content),
        mimetype=XLSX_TYPE,
        as_attachment=True,
        download_name=f"{year}年部门预算标准工作簿（据{download_stem(display_name(upload.filename))}）.xlsx",
    )


@views.post("/upload")
def upload() -> ResponseReturnValue:
    if _foreign_origin():
        return _refuse("拒绝来自其他网页的上传：请直接在本页上传。", 403, hint=False)
    files = [f for f in request.files.getlist("files") if f.filename]
    if not files:
        return _refuse("没有收到文件：请选择要上传的工作簿（.xlsx），或把它拖到上传区域。", 400)
    store = _store()
    with tempfile.TemporaryDirectory(prefix="budget-report-upload-", dir=current_app.config[_WORKDIR]) as work:
        try:
            codes = receive_codes(request.files.get("codes"), Path(work))
            previous = receive_previous(request.files.get("previous"), Path(work))
            items = receive(files, Path(work))
        except Refused as exc:
            return _refuse(str(exc), exc.status)
        charts = _charts_choice()
        token, folder = store.reserve()
        try:
            entries = [_process(item, folder / str(i), codes, previous, charts) for i, item in enumerate(items)]
        except BaseException:
            shutil.rmtree(folder, ignore_errors=True)
            raise
    batch = len(items) > 1 or any(item.from_zip for item in items)
    if batch:
        _write_summary(entries, folder)
    if not batch and entries[0].status in ("refused", "failed"):
        shutil.rmtree(folder, ignore_errors=True)
        entry = entries[0]
        return _refuse(entry.message, 422 if entry.status == "refused" else 500, entry=entry)
    store.add(Report(token, folder, entries, batch))
    return redirect(url_for("web.report", token=token), 303)


def _charts_choice() -> bool | None:
    """The form's 附统计图 box: ticked draws the charts (True); unticked leaves it to the profile (None),
    which on the page is the built-in one (no charts): the box never forces them off.
    """
    return True if request.form.get("charts") else None


def _write_summary(entries: list[Entry], folder: Path) -> None:
    """A batch's 汇总.xlsx in its result folder, as ``budget-report batch`` writes it; the page
    offers it only when it could be written (the documents do not depend on it)."""
    try:
        summary.write_workbook(entries, folder / SUMMARY_NAME, [e.name for e in entries])
    except Exception:
        log.exception("writing the summary of %d workbooks failed", len(entries))


def _lookup(token: str, index: int | None = None) -> tuple[Report, Entry | None]:
    """The report under ``token`` (and its entry ``index``); 404 when there is none."""
    report = _store().get(token)
    if report is None:
        abort(404)
    if index is None:
        return report, None
    if not 0 <= index < len(report.entries):
        abort(404)
    return report, report.entries[index]


@views.get("/report/<token>")
def report(token: str) -> Response:
    found, _ = _lookup(token)
    if found.batch:
        return _page("batch.html", report=found)
    return _page("report.html", report=found, entry=found.entries[0], index=0)


@views.get("/report/<token>/<int:index>")
def entry(token: str, index: int) -> Response:
    found, item = _lookup(token, index)
    return _page("report.html", report=found, entry=item, index=index)


@views.get("/report/<token>/<int:index>/<fmt>")
def download(token: str, index: int, fmt: str) -> Response:
    _found, item = _lookup(token, index)
    assert item is not None
    if fmt not in DOWNLOADS or not item.ok or not item.output(fmt).is_file():
        abort(404)
    return send_file(item.output(fmt), mimetype=DOWNLOADS[fmt], as_attachment=True, download_name=f"{item.stem}.{fmt}")


@views.get("/report/<token>/summary.xlsx")
def summary_download(token: str) -> Response:
    found, _ = _lookup(token)
    if not found.batch or not found.summary.is_file():
        abort(404)
    return send_file(found.summary, mimetype=XLSX_TYPE, as_attachment=True, download_name=summary.WORKBOOK_NAME)


@views.get("/report/<token>/<int:index>/preview")
def preview(token: str, index: int) -> Response:
    _found, item = _lookup(token, index)
    assert item is not None
    if not item.ok or not item.output("html").is_file():
        abort(404)
    html = preview_html(item.output("html").read_text(encoding="utf-8"))
    response = current_app.make_response((html, 200, {"Content-Type": "text/html; charset=utf-8"}))
    response.headers["Content-Security-Policy"] = PREVIEW_CSP
    return response


def _url(host: str, port: int) -> str:
    shown = "127.0.0.1" if host in ("", "0.0.0.0") else "::1" if host == "::" else host
    return f"http://[{shown}]:{port}/" if ":" in shown else f"http://{shown}:{port}/"


def serve(host: str = "127.0.0.1", port: int = 8000, *, ready: Callable[[str], None] | None = None) -> None:
    """Serve the app on ``host``:``port`` until interrupted; ``ready(url)`` once it listens.

    On a host other than loopback the app answers that host's name too; on a wildcard address
    (0.0.0.0, ::) it answers any name.
    """
    import socket

    from werkzeug.serving import get_sockaddr, make_server, select_address_family

    if host in ("0.0.0.0", "::", ""):
        trusted: list[str] = []
    else:
        trusted = list(dict.fromkeys([*LOOPBACK_HOSTS, host.strip("[]")]))
    app = create_app(trusted_hosts=trusted)
    # Bound here, not by make_server, which prints an English message and exits when it cannot bind.
    family = select_address_family(host, port)
    listener = socket.socket(family, socket.SOCK_STREAM)
    try:
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(get_sockaddr(host, port, family))
        listener.listen(128)
        server = make_server(host, port, app, threaded=True, fd=listener.fileno())
    except OSError as exc:
        app.extensions["budget_report"].close()
        reason = exc.strerror or str(exc)
        raise ServeError(
            f"无法在 {host}:{port} 上启动网页服务（{reason}）：端口可能已被占用，请用 --port 换一个端口。"
        ) from exc
    finally:
        listener.close()  # the server holds its own duplicate of the socket
    if ready is not None:
        ready(_url(host, server.port))
    # Ctrl-C, and a plain `kill`, end the server through the clean-up below.
    previous = None
    if threading.current_thread() is threading.main_thread():
        previous = signal.signal(signal.SIGTERM, _interrupt)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
        app.extensions["budget_report"].close()
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)


def _interrupt(_signum: int, _frame: object) -> None:
    raise KeyboardInterrupt


class ServeError(BudgetError):
    """The web app could not start (the port is taken, the address is not this machine's)."""


__all__ = ["ReportStore", "ServeError", "create_app", "display_name", "download_stem", "preview_html", "serve"]
