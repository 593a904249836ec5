"""The web page's renders in a queue of child processes: checks answered beside them, the place in the
queue shown, the server's memory left alone, and nothing of a killed server kept by the next start.

Issue 24, items 7, 9 and 10. The server runs as a real ``budget-report serve`` subprocess where a
kill is tested, and through Flask's test client elsewhere (the queue and its child processes are
real in both).
"""

from __future__ import annotations

import io
import json
import os
import re
import signal
import socket
import subprocess
import sys
import textwrap
import urllib.request
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from support import EXAMPLE, FORM_TOKEN_FIELD, ROOT, form_token, html_text, wait_for_report
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from generator.frontends import web

BIN = Path(sys.executable).parent / "budget-report"


def zipped(*names: str) -> bytes:
    """A .zip of the example under each name (a batch: queued at once, with no check first)."""
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as z:
        for name in names:
            z.write(EXAMPLE, name)
    return archive.getvalue()


def post(client, token: str, content: bytes, name: str):
    data = {"files": [(io.BytesIO(content), name)], FORM_TOKEN_FIELD: token}
    return client.post("/upload", data=data, content_type="multipart/form-data")


@pytest.fixture
def one_worker(tmp_path) -> Iterator[object]:
    """An app that renders one workbook at a time."""
    app = web.create_app(workdir=tmp_path / "work", workers=1)
    yield app
    app.extensions["budget_report"].close()


def test_a_queued_job_says_how_many_workbooks_are_ahead_then_offers_its_downloads(one_worker):
    client = one_worker.test_client()
    token = form_token(client)
    first = post(client, token, zipped("甲局.xlsx", "乙局.xlsx"), "两局.zip")
    second = post(client, token, zipped("丙局.xlsx"), "丙局.zip")
    assert first.status_code == second.status_code == 303
    report = second.headers["Location"]
    status = client.get(f"{report}/status").get_json()
    assert status["state"] == "queued" and status["ahead"] == 2 and status["total"] == 1  # 甲 runs, 乙 waits
    page = client.get(report)
    assert page.status_code == 200 and "排队中，前面还有 2 个工作簿" in html_text(
        page.get_data(as_text=True), spaces=True
    )
    assert 'data-status-url="' + report + '/status"' in page.get_data(as_text=True)
    assert wait_for_report(client, first.headers["Location"])["state"] == "done"
    assert wait_for_report(client, report)["state"] == "done"
    done = client.get(report).get_data(as_text=True)
    assert f'href="{report}/0/pdf"' in done and "1 个已生成" in html_text(done, spaces=True)
    assert client.get(f"{report}/0/pdf").data.startswith(b"%PDF-")


def test_a_check_is_answered_while_renders_wait(one_worker, broken, rows):
    """A workbook with errors gets its findings at once, while the renders queued before it still wait."""
    client = one_worker.test_client()
    token = form_token(client)
    queued = post(client, token, zipped("甲局.xlsx", "乙局.xlsx"), "两局.zip").headers["Location"]
    row = rows.find("YS03", name="事业单位医疗")
    path = broken(lambda e: e.set("YS03", "total", row, 1.84), name="有错误.xlsx")
    checked = post(client, token, path.read_bytes(), path.name)
    assert checked.status_code == 303
    assert client.get(f"{queued}/status").get_json()["state"] != "done"  # the renders ahead of it are not
    findings = client.get(checked.headers["Location"]).get_data(as_text=True)
    assert "工作簿有 1 处错误，没有生成文档" in html_text(findings, spaces=True)
    assert wait_for_report(client, queued)["state"] == "done"


def test_renders_yield_the_cpu_to_checks():
    """A queued render runs niced below the server, a check at the server's own priority (so a
    check is answered at once even while every core renders)."""
    from generator.frontends.webqueue import RENDER_NICENESS, Job, RenderQueue, Task

    queue = RenderQueue(1)
    try:
        job = Job([Task(os.nice, (0,))])
        queue.submit(job)
        assert job.finished.wait(60)
        ours = os.nice(0)
        assert job.tasks[0].result == min(19, ours + RENDER_NICENESS)
        assert queue.run_now(os.nice, 0) == ours
    finally:
        queue.close()


def test_renders_run_in_child_processes_so_the_servers_memory_returns(tmp_path):
    """After a render through the page, the server process has loaded neither the DOCX writer nor
    WeasyPrint: the workbook, the document and both layouts lived in a child process, now ended."""
    script = textwrap.dedent(
        f"""
        import io, json, sys
        sys.path.insert(0, {str(ROOT / "tests")!r})
        from pathlib import Path
        from support import EXAMPLE, FORM_TOKEN_FIELD, form_token, wait_for_report
        from generator.frontends import web
        app = web.create_app(workdir=Path({str(tmp_path)!r}))
        client = app.test_client()
        data = {{"files": [(io.BytesIO(EXAMPLE.read_bytes()), EXAMPLE.name)], FORM_TOKEN_FIELD: form_token(client)}}
        response = client.post("/upload", data=data, content_type="multipart/form-data")
        state = wait_for_report(client, response.headers["Location"])["state"]
        pdf = client.get(response.headers["Location"] + "/0/pdf").data[:5]
        loaded = sorted(m for m in ("docx", "weasyprint", "generator.render.docx") if m in sys.modules)
        app.extensions["budget_report"].close()
        print(json.dumps({{"state": state, "pdf": pdf.decode(), "loaded": loaded}}))
        """
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=300, cwd=ROOT)
    assert done.returncode == 0, done.stderr[-3000:]
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert result == {"state": "done", "pdf": "%PDF-", "loaded": []}


# --- a real server, killed ---------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """``budget-report serve`` on a free port with its temporary folder in ``tmp``."""

    def __init__(self, tmp: Path):
        self.port = free_port()
        self.log = tmp.parent / f"serve-{self.port}.log"
        env = {**os.environ, "TMPDIR": str(tmp)}
        self.process = subprocess.Popen(
            [str(BIN), "serve", "--port", str(self.port)],
            stdout=subprocess.PIPE,
            stderr=self.log.open("w"),
            env=env,
            text=True,
        )
        assert self.process.stdout is not None
        line = self.process.stdout.readline()
        assert "网页版已启动" in line, line
        self.url = f"http://127.0.0.1:{self.port}"

    def get(self, path: str) -> bytes:
        with urllib.request.urlopen(self.url + path, timeout=60) as response:
            return response.read()

    def upload(self, content: bytes, name: str) -> str:
        """Post the page's form; the report's path."""
        token = re.search(rf'name="{FORM_TOKEN_FIELD}" value="([^"]+)"', self.get("/").decode())
        assert token
        fields = {
            "files": FileStorage(io.BytesIO(content), name, content_type="application/octet-stream"),
            FORM_TOKEN_FIELD: token.group(1),
        }
        boundary, body = encode_multipart(fields)
        request = urllib.request.Request(
            self.url + "/upload",
            data=body,
            headers={"Content-Type": f"multipart/form-data; boundary={boundary}"},
            method="POST",
        )
        with urllib.request.urlopen(request, timeout=120) as response:  # follows the 303
            return response.url.removeprefix(self.url)

    def wait(self, report: str) -> None:
        import time

        for _ in range(600):
            if json.loads(self.get(report + "/status"))["state"] == "done":
                return
            time.sleep(0.2)
        raise AssertionError(f"{report} not done")

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=30)


def descendants(pid: int) -> set[int]:
    """The processes under ``pid`` (children, theirs, ...), from /proc."""
    parents: dict[int, int] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        parents[int(stat.parent.name)] = int(fields[1])
    found: set[int] = set()
    todo = [pid]
    while todo:
        parent = todo.pop()
        children = [child for child, p in parents.items() if p == parent and child not in found]
        found.update(children)
        todo += children
    return found


def alive(pids: set[int]) -> set[int]:
    import time

    for _ in range(150):
        living = {pid for pid in pids if Path(f"/proc/{pid}").exists() and "Z" not in _state(pid)}
        if not living:
            return living
        time.sleep(0.2)
    return living


def _state(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return "Z"


def ours(tmp: Path) -> set[str]:
    return {p.name for p in tmp.iterdir() if p.name.startswith(("budget-report-web-", "budget-report-upload-"))}


def test_a_killed_servers_folders_are_removed_at_the_next_start_and_a_live_ones_kept(tmp_path):
    tmp = tmp_path / "tmp"
    tmp.mkdir()
    live = Server(tmp)
    servers = [live]
    try:
        kept = live.upload(EXAMPLE.read_bytes(), EXAMPLE.name)
        live.wait(kept)
        before = ours(tmp)
        killed = Server(tmp)
        servers.append(killed)
        done = killed.upload(EXAMPLE.read_bytes(), EXAMPLE.name)
        killed.wait(done)
        killed.upload(zipped("甲局.xlsx", "乙局.xlsx"), "两局.zip")  # queued or rendering when killed
        left = ours(tmp) - before
        assert any(n.startswith("budget-report-web-") for n in left)
        assert any(n.startswith("budget-report-upload-") for n in left)
        under = descendants(killed.process.pid)
        assert under  # the fork server and the render it runs
        killed.process.send_signal(signal.SIGKILL)
        killed.process.wait(timeout=30)
        assert alive(under) == set()  # no render outlives the server
        assert left <= ours(tmp)  # what it left, until the next start
        restarted = Server(tmp)
        servers.append(restarted)
        now = ours(tmp)
        assert not (left & now)  # the killed server's results and stored workbooks are gone
        assert before <= now  # the live server's are kept ...
        assert live.get(kept + "/0/pdf").startswith(b"%PDF-")  # ... and still served
    finally:
        for server in servers:
            server.stop()
    assert ours(tmp) == set()  # each server stopped normally removes its own
