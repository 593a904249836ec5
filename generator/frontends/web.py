"""Turn browser uploads into checked, rendered documents: a local Flask app over the job service.

``budget-report serve`` runs it on the clerk's own machine (127.0.0.1 by default). The page offers
the blank standard workbook (or next year's, started from last year's uploaded workbook), takes one
or more filled workbooks (or a .zip of them) with, optionally, last year's to check 上年数 against and,
for a 决算, the same year's budget workbook to check 年初预算数 against, shows the ``check`` findings
grouped by table, previews the document HTML and offers the PDF and the DOCX. It is a thin layer:
every workbook goes through the job service (``service.render_job``) exactly as on the command line,
so the loader's limits and the PDF renderer's restricted fetching apply unchanged. The pages are
module-level views of one blueprint; ``create_app`` holds the settings and the report store
(``app.extensions``).

Work. A single workbook is checked at once, in a child process beside the renders (a workbook
with errors is answered without waiting for anyone's render); renders go to a queue
(``webqueue.RenderQueue``) that runs one per core, each in a child process whose memory goes back
to the system when it ends. The report page of a queued upload says its place in the queue
(排队中，前面还有 N 个 / 正在生成) from a small JSON status, and shows the results when they are there.

Posts. Every form carries a token (an HMAC under a secret made at each start); a post without a
valid one, or whose ``Sec-Fetch-Site``, ``Origin`` or ``Referer`` names another site (scheme,
host and port compared), is refused, whatever headers the browser left out.

Files. Each upload's workbooks are stored in a folder of its own, kept until its renders are done;
an uploaded file is stored there under a fixed name (``NNN/upload.xlsx``), never under a
name the browser sent (``uploads.py`` receives the files and zips). The outputs of a processed
upload (``upload.pdf``, ``.docx``, ``.html``) go to a result folder named by a random token, kept
for the downloads and removed after ``result_ttl_s`` or when more than ``keep_results`` results
are held (least recently used first), and all of them when the process exits. Each of these
folders is a ``scratch.workdir`` (locked while the server lives): a server killed with ``kill -9``
leaves them, and the next start removes them, never a live server's. The workbook's own
name is used only for display and, sanitised, in a download's Content-Disposition.
"""

from __future__ import annotations

import atexit
import contextlib
import functools
import hashlib
import hmac
import logging
import re
import secrets
import shutil
import signal
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, fields, replace
from datetime import date
from io import BytesIO
from pathlib import Path
from urllib.parse import urlsplit

from flask import (
    Blueprint,
    Flask,
    Response,
    abort,
    current_app,
    jsonify,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask.typing import ResponseReturnValue
from werkzeug.datastructures import FileStorage
from werkzeug.exceptions import HTTPException, RequestEntityTooLarge, SecurityError

from generator.errors import SEVERITY_TEXT, BudgetError, CheckFailed, Finding
from generator.frontends.uploads import (
    LAST_YEAR_NAME,
    MAX_WORKBOOKS,
    UPLOAD_NAME,
    Item,
    Reference,
    References,
    Refused,
    display_name,
    download_stem,
    receive,
    receive_budget,
    receive_codes,
    receive_previous,
)
from generator.frontends.webqueue import ChildFailed, Job, QueueFull, RenderQueue, Task
from generator.jobs import pipeline, scratch, service, summary
from generator.jobs.service import Outcome
from generator.options import RenderOptions
from generator.render.html import TEMPLATES as DOCUMENT_TEMPLATES

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
        if self.budget is not None:
            return self.budget.bureau
        return self.department  # a render in a child process sends back the figures, not the workbook

    @property
    def year(self) -> int | None:
        if self.budget is not None:
            return self.budget.year or None
        return self.budget_year or None

    def groups(self) -> list[tuple[str, list[Finding]]]:
        """The findings by table, each table under its code and title, in the check's order."""
        by_sheet: dict[str, list[Finding]] = {}
        for finding in self.findings:
            by_sheet.setdefault(finding.sheet, []).append(finding)
        return [(self.headings.get(sheet) or _table_title(sheet), items) for sheet, items in by_sheet.items()]

    def output(self, fmt: str) -> Path:
        assert self.folder is not None
        return self.folder / f"{Path(UPLOAD_NAME).stem}.{fmt}"


@functools.cache
def _titles() -> dict[str, str]:
    """Each built-in format's table by its code, as a heading: its code and title (the year left out); once."""
    from generator.formats import builtin, builtin_names

    out: dict[str, str] = {}
    for name in builtin_names():
        for spec in builtin(name).tables:
            out.setdefault(spec.code, spec.heading)
    return out


def _table_title(sheet: str) -> str:
    """A finding's sheet as the page heads its group when its workbook's format is not known: a table's code and
    title (of any built-in format)."""
    return _titles().get(sheet, sheet)


@dataclass
class Report:
    """What one upload request produced, kept under its token for the downloads.

    A report of renders is ``pending`` while its job waits or runs in the queue; its entries are
    filled in when the job is done.
    """

    token: str
    folder: Path
    entries: list[Entry]
    batch: bool
    created: float = field(default_factory=time.monotonic)
    job: Job | None = None

    @property
    def pending(self) -> bool:
        return self.job is not None and not self.job.finished.is_set()

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
    ``ttl`` seconds; a report whose job has not finished is never dropped (its render writes into
    its folder). ``close`` removes the root with everything in it, then calls each ``on_close``.
    """

    def __init__(self, root: Path, *, keep: int, ttl: float, on_close: Iterable[Callable[[], object]] = ()):
        self.root = root
        self.keep = max(1, keep)
        self.ttl = ttl
        self._reports: OrderedDict[str, Report] = OrderedDict()
        self._lock = threading.Lock()
        self._on_close = list(on_close)

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

    def discard(self, token: str) -> None:
        with self._lock:
            if token in self._reports:
                self._drop(token)

    def __len__(self) -> int:
        return len(self._reports)

    def _sweep(self) -> None:
        now = time.monotonic()
        for token, report in list(self._reports.items()):
            if now - report.created > self.ttl and not report.pending:
                self._drop(token)
        finished = [token for token, report in self._reports.items() if not report.pending]
        for token in finished[: max(0, len(self._reports) - self.keep)]:
            self._drop(token)

    def _drop(self, token: str) -> None:
        report = self._reports.pop(token)
        shutil.rmtree(report.folder, ignore_errors=True)

    def close(self) -> None:
        with self._lock:
            self._reports.clear()
            on_close, self._on_close = self._on_close, []
        for stop in on_close:  # the queue first: no render writes into the root once it goes
            stop()
        shutil.rmtree(self.root, ignore_errors=True)


# --- processing --------------------------------------------------------------------------------

_FIXED_NAME = re.compile(r"\bupload\.(xlsx|pdf|docx|html)\b")


def _as_uploaded(findings: Iterable[Finding], references: References) -> list[Finding]:
    """Findings that name the code list, last year's and the budget workbook by the clerk's file names, not ours."""
    return [replace(f, message=references.rename(f.message)) for f in findings]


NO_REFERENCES = References()  # an upload with nothing beside its workbooks


def _codes_used(codes: Reference | None) -> str:
    return f"科目代码表 {codes.shown} " if codes else "内置科目表"


def check_task(workbook: Path, options: RenderOptions) -> Outcome | None:
    """In a child process: read and check one stored workbook with the upload's ``options``; None when
    it has no errors (a render may follow), else what became of it, as the job service words it."""
    from generator.stages.check import has_errors

    try:
        budget, findings, book = pipeline.inspect(workbook, options=options)
        if has_errors(findings):
            raise CheckFailed(workbook, findings, budget=budget, book=book)
    except Exception as exc:
        outcome = service.failed(workbook, exc, internal=service.INTERNAL_WEB)
        outcome.budget = None  # the page shows the findings; the workbook stays in the child
        return outcome
    return None


def render_task(workbook: Path, outdir: Path, options: RenderOptions) -> Outcome:
    """In a child process: render one stored workbook into ``outdir`` with the upload's ``options``
    through the job service, as the command line does. The outcome goes back without the workbook
    read (its figures are in it)."""
    outdir.mkdir(parents=True, exist_ok=True)
    outcome = service.render_job(
        workbook,
        outdir,
        OUTPUT_FORMATS,
        options=options,
        internal=service.INTERNAL_WEB,
        summarise=True,  # a batch's 汇总.xlsx states the figures of a workbook with errors too
    )
    if outcome.ok and outcome.budget is not None:
        outcome.department = outcome.department or outcome.budget.bureau
        outcome.budget_year = outcome.budget_year or outcome.budget.year
    outcome.budget = None
    return outcome


def entry_of(
    item: Item,
    result: Outcome | ChildFailed | None,
    outdir: Path | None,
    references: References = NO_REFERENCES,
) -> Entry:
    """One workbook's outcome (from ``check_task`` or ``render_task``, or how its child died), worded
    for the page: the clerk's file names in place of ours; ``outdir`` removed unless its documents are there."""
    used = _codes_used(references.codes)
    stem = download_stem(item.name)
    if item.path is None:  # a zip member refused before it was stored: never a path, only its name
        return Entry(Path(UPLOAD_NAME), error=item.refusal, status="refused", name=item.name, stem=stem, codes=used)
    if isinstance(result, ChildFailed) or result is None:
        failure = result or ChildFailed("进程异常退出", "没有结果")
        result = Outcome(
            item.path,
            error=service.INTERNAL_WEB.format(name=item.path.name, kind=failure.kind, message=failure.message),
            trace=failure.trace,
            internal=True,
        )
    entry = Entry(**{f.name: getattr(result, f.name) for f in fields(Outcome)}, name=item.name, stem=stem, codes=used)

    def named(text: str) -> str:  # the library names the stored file; the clerk knows their own
        return _FIXED_NAME.sub(lambda m: item.name if m.group(1) == "xlsx" else f"{entry.stem}.{m.group(1)}", text)

    entry.findings = _as_uploaded(entry.findings, references)
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
    if not entry.ok and outdir is not None:
        shutil.rmtree(outdir, ignore_errors=True)
    return entry


@functools.lru_cache(maxsize=4)
def _blank_workbook(year: int) -> bytes:
    from generator.workbook.blank import write_blank

    with scratch.workdir(None, BLANK_PREFIX) as folder:
        path = folder / "blank.xlsx"
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
_FORM_SECRET = "BUDGET_REPORT_FORM_SECRET"  # the key of the forms' tokens: new at every start

# Our folders under the work folder (each a scratch.workdir: locked while its process lives, so
# that a later start sweeps what a killed server left, and never a live one's).
RESULTS_PREFIX = "budget-report-web-"  # the server's results, for as long as it runs
UPLOAD_PREFIX = "budget-report-upload-"  # one upload's stored workbooks, until its job is done
NEXT_PREFIX = "budget-report-next-"  # one next-year request
BLANK_PREFIX = "budget-report-blank-"  # the blank workbook, written once per year (system temp folder)

FORM_TOKEN_FIELD = "form_token"  # the hidden field of every form that posts
FORM_TOKEN_TTL_S = 24 * 3600  # a page left open longer is asked to be reloaded


def create_app(
    *,
    max_upload_mb: int = 20,
    workdir: Path | None = None,
    keep_results: int = 20,
    result_ttl_s: float = 2 * 3600,
    trusted_hosts: list[str] | None = None,
    workers: int | None = None,
) -> Flask:
    """The web app. ``workdir`` holds the upload and result folders (default: the system's
    temporary folder); ``trusted_hosts`` are the Host names it answers (default: loopback only,
    which keeps other web sites out by DNS rebinding); ``[]`` answers any. ``workers`` renders run
    at once, each in a process of its own (default: one per core).

    At the start it removes the folders of ours that a killed server left in ``workdir``.
    """
    app = Flask(__name__, template_folder=str(UI / "templates"), static_folder=str(UI / "static"))
    app.config.update(
        MAX_CONTENT_LENGTH=max_upload_mb * 1024 * 1024,
        TRUSTED_HOSTS=(list(LOOPBACK_HOSTS) if trusted_hosts is None else trusted_hosts) or None,
        SEND_FILE_MAX_AGE_DEFAULT=0,
        **{_WORKDIR: workdir, _UPLOAD_MB: max_upload_mb, _FORM_SECRET: secrets.token_bytes(32)},
    )
    if workdir is not None:
        workdir.mkdir(parents=True, exist_ok=True)
    for prefix in (RESULTS_PREFIX, UPLOAD_PREFIX, NEXT_PREFIX):
        scratch.sweep(workdir, prefix)
    scratch.sweep(None, BLANK_PREFIX)
    held = contextlib.ExitStack()
    root = held.enter_context(scratch.workdir(workdir, RESULTS_PREFIX)) / "results"
    queue = RenderQueue(workers)
    store = ReportStore(root, keep=keep_results, ttl=result_ttl_s, on_close=[queue.close, held.close])
    atexit.register(store.close)
    app.extensions["budget_report"] = store
    app.extensions["budget_report_queue"] = queue
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


def _queue() -> RenderQueue:
    queue: RenderQueue = current_app.extensions["budget_report_queue"]
    return queue


def _limit_text() -> str:
    return f"{current_app.config[_UPLOAD_MB]} MB"


def _page_globals() -> dict[str, object]:
    return {
        "max_bytes": current_app.config["MAX_CONTENT_LENGTH"],
        "limit_text": _limit_text(),
        "max_workbooks": MAX_WORKBOOKS,
        "next_year": date.today().year + 1,
        "severity_text": SEVERITY_TEXT,
        "form_token": form_token,
        "form_token_field": FORM_TOKEN_FIELD,
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


# --- posts from this page only ----------------------------------------------------------------


def _token_mac(secret: bytes, issued: str) -> str:
    return hmac.new(secret, f"budget-report-form:{issued}".encode(), hashlib.sha256).hexdigest()


def form_token() -> str:
    """The hidden field of a form this app serves: when it was issued, and an HMAC of that under
    the app's secret (made at each start, never sent). Another site cannot read it from our page."""
    issued = str(int(time.time()))
    return f"{issued}.{_token_mac(current_app.config[_FORM_SECRET], issued)}"


def _token_valid(raw: str | None) -> bool:
    issued, _, mac = (raw or "").partition(".")
    if not issued.isdecimal() or not mac:
        return False
    if not hmac.compare_digest(mac, _token_mac(current_app.config[_FORM_SECRET], issued)):
        return False
    return 0 <= time.time() - int(issued) <= FORM_TOKEN_TTL_S


_DEFAULT_PORTS = {"http": 80, "https": 443}


def _origin_of(url: str) -> tuple[str, str, int] | None:
    """A URL's scheme, host and port (the default one when not given); None when it has none."""
    try:
        parts = urlsplit(url)
        scheme, host, port = parts.scheme.lower(), (parts.hostname or "").lower(), parts.port
    except ValueError:
        return None
    if not scheme or not host:
        return None
    return scheme, host, port if port is not None else _DEFAULT_PORTS.get(scheme, -1)


def _same_origin(url: str) -> bool:
    ours = _origin_of(f"{request.scheme}://{request.host}")
    return ours is not None and _origin_of(url) == ours


def _cross_site_refusal() -> Response | None:
    """The page refusing a post that did not come from this app's own page, or None.

    Whatever headers a browser leaves out: ``Sec-Fetch-Site`` when sent must say same-origin (or a
    user's own navigation); ``Origin`` when sent, else ``Referer`` when sent, must be this app's
    scheme, host and port; and the form's token must be one this app issued (a form of another
    site has none).
    """
    site = request.headers.get("Sec-Fetch-Site")
    origin = request.headers.get("Origin")
    referer = request.headers.get("Referer")
    if (
        (site is not None and site not in ("same-origin", "none"))
        or (origin is not None and not _same_origin(origin))
        or (origin is None and referer is not None and not _same_origin(referer))
    ):
        return _refuse("拒绝来自其他网页的上传：请直接在本页上传。", 403, hint=False)
    if not _token_valid(request.form.get(FORM_TOKEN_FIELD)):
        return _refuse("页面已过期，或上传不是从本页发出的：请刷新本页后重新上传。", 403, hint=False)
    return None


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
    refusal = _cross_site_refusal()
    if refusal is not None:
        return refusal
    upload = request.files.get("last")
    if upload is None or not upload.filename:
        return _refuse("没有收到上年的工作簿：请选择上年填好的工作簿（.xlsx）。", 400, hint=False)
    raw = request.form.get("year", "").strip()
    refusal = _year_refusal(raw) if raw else None
    if refusal is not None:
        return refusal
    with scratch.workdir(current_app.config[_WORKDIR], NEXT_PREFIX) as work:
        try:
            content, year = _next_year_workbook(
                upload, work, int(raw) if raw else None, bool(request.form.get("keep_projects"))
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
    """Store the upload, check a single workbook at once (beside the renders, never behind them)
    and queue the renders; the clerk is sent to the report page, which shows the job's place in
    the queue until its documents are there."""
    refusal = _cross_site_refusal()
    if refusal is not None:
        return refusal
    files = [f for f in request.files.getlist("files") if f.filename]
    if not files:
        return _refuse("没有收到文件：请选择要上传的工作簿（.xlsx），或把它拖到上传区域。", 400)
    store, queue = _store(), _queue()
    with contextlib.ExitStack() as inputs:
        work = inputs.enter_context(scratch.workdir(current_app.config[_WORKDIR], UPLOAD_PREFIX))
        try:
            references = References(
                codes=receive_codes(request.files.get("codes"), work),
                previous=receive_previous(request.files.get("previous"), work),
                budget=receive_budget(request.files.get("budget"), work),
            )
            items = receive(files, work)
        except Refused as exc:
            return _refuse(str(exc), exc.status)
        batch = len(items) > 1 or any(item.from_zip for item in items)
        options = references.options(charts=_charts_choice())
        if not batch and items[0].path is not None:
            checked = queue.run_now(check_task, items[0].path, options)
            if checked is not None:  # errors, unreadable or failed: no render to wait for
                entry = entry_of(items[0], checked, None, references)
                if entry.status in ("refused", "failed"):
                    # the clerk's own input refused (the library's message) is theirs to fix; a bug is ours
                    return _refuse(entry.message, 500 if entry.internal else 422, entry=entry)
                token, folder = store.reserve()
                store.add(Report(token, folder, [entry], batch))
                return redirect(url_for("web.report", token=token), 303)
        token, folder = store.reserve()
        report = _queued_report(token, folder, items, batch, references, options, inputs.pop_all())
        store.add(report)
        assert report.job is not None
        try:
            queue.submit(report.job)
        except QueueFull:
            store.discard(token)
            report.job.finish(report.job)  # removes the stored workbooks
            return _refuse(
                f"正在排队的工作簿已有 {queue.waiting()} 个，暂时不能再接收：请过几分钟再上传。", 503, hint=False
            )
    return redirect(url_for("web.report", token=token), 303)


def _queued_report(
    token: str,
    folder: Path,
    items: list[Item],
    batch: bool,
    references: References,
    options: RenderOptions,
    inputs: contextlib.ExitStack,
) -> Report:
    """The report of an upload whose renders are queued: a task per stored workbook, rendered with
    ``options``; when all are done, the entries are worded (the ``references`` by the clerk's
    file names), a batch's 汇总.xlsx is written and the stored workbooks removed."""
    report = Report(token, folder, [], batch)
    tasks: dict[int, Task] = {}
    for i, item in enumerate(items):
        if item.path is not None:
            outdir = folder / str(i)
            tasks[i] = Task(render_task, (item.path, outdir, options))

    def finish(_job: Job) -> None:
        try:
            entries = [
                entry_of(item, tasks[i].result if i in tasks else None, folder / str(i), references)
                for i, item in enumerate(items)
            ]
            if batch:
                _write_summary(entries, folder)
            report.entries = entries
        finally:
            inputs.close()

    report.job = Job(list(tasks.values()), finish)
    if not tasks:  # every member refused before it was stored: nothing to render
        report.job.finish(report.job)
        report.job.state = "done"
        report.job.finished.set()
    return report


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
    if found.pending:
        return _page("job.html", report=found, job_status=_job_status(found))
    if found.batch:
        return _page("batch.html", report=found)
    return _page("report.html", report=found, entry=found.entries[0], index=0)


@views.get("/report/<token>/status")
def status(token: str) -> Response:
    """Where the upload's job is, for its page to poll: queued (and how many workbooks are ahead), running, done."""
    found, _ = _lookup(token)
    return jsonify(_job_status(found))


def _job_status(found: Report) -> dict[str, object]:
    job = found.job
    total = len(job.tasks) if job is not None else len(found.entries)
    if job is None or not found.pending:
        return {"state": "done", "ahead": 0, "done": total, "total": total, "text": "已完成。"}
    ahead = _queue().place(job) if job.state == "queued" else 0
    done = job.done
    if job.state == "queued":
        text = f"排队中，前面还有 {ahead} 个工作簿。"
    elif done < total:
        text = f"正在生成：已完成 {done} / {total} 个工作簿。" if total > 1 else "正在生成文档……"
    else:
        text = "正在整理结果……"
    return {"state": job.state, "ahead": ahead, "done": done, "total": total, "text": text}


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
    # Ctrl-C, and a plain `kill`, end the server through the clean-up below (from the moment it
    # says it is ready: a `kill` right after that removes its folders too).
    previous = None
    if threading.current_thread() is threading.main_thread():
        previous = signal.signal(signal.SIGTERM, _interrupt)
    try:
        if ready is not None:
            ready(_url(host, server.port))
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
