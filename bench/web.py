"""Benchmark: the web page under load — concurrent uploads, then a long run of sequential ones.

    .venv/bin/python bench/web.py                 # 10 concurrent uploads, then 200 one after another (~15 min)
    .venv/bin/python bench/web.py --quick         # 4 and 10: a quick look
    .venv/bin/python bench/web.py --concurrent 10 --sequential 40

It starts ``budget-report serve`` (this checkout's) on a free port with its temporary folder in a
folder of its own, and drives it over HTTP as a browser does: GET the page for the form's token,
POST the upload, poll the report's status until its documents are there. Meanwhile, a second
client posts a check request every two seconds: a workbook with a check error (generated as
bench/city.py breaks one: a YS03 cell 1 万元 off), which the page answers with its findings and
no render. It prints:

- the latency of those check requests while the renders run (median and largest), against the
  same request on the idle server;
- the time from the first upload to the last result (concurrent), and per upload (sequential);
- the resident memory (VmRSS, /proc) of the server process and, separately, of all its children
  (the fork server and the render processes with their PDF processes; shared pages counted in
  each), sampled every 0.2 s: their peak, and the server's at points through the sequential run
  and at the end, which must plateau.

This is a benchmark, not a test: it asserts only that every upload gave its documents and every
check its findings. Run it on a quiet machine (the machine's other load is printed).
"""

from __future__ import annotations

import argparse
import io
import json
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

from _measure import load, machine
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "inputs" / "义马市工业信息化和科技局2024.xlsx"
COMMAND = Path(sys.executable).parent / "budget-report"
TOKEN = re.compile(r'name="form_token" value="([^"]+)"')


def rss_kib(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def descendants(pid: int) -> list[int]:
    parents: dict[int, int] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            parents[int(stat.parent.name)] = int(stat.read_text().rsplit(")", 1)[1].split()[1])
        except (OSError, ValueError, IndexError):
            continue
    found, todo = [], [pid]
    while todo:
        parent = todo.pop()
        children = [c for c, p in parents.items() if p == parent]
        found += children
        todo += children
    return found


class Sampler(threading.Thread):
    """The server's and its children's resident memory every 0.2 s."""

    def __init__(self, pid: int):
        super().__init__(daemon=True)
        self.pid = pid
        self.peak_parent = self.peak_children = 0
        self.stopped = threading.Event()

    def now(self) -> tuple[int, int]:
        return rss_kib(self.pid), sum(rss_kib(c) for c in descendants(self.pid))

    def run(self) -> None:
        while not self.stopped.wait(0.2):
            parent, children = self.now()
            self.peak_parent = max(self.peak_parent, parent)
            self.peak_children = max(self.peak_children, children)


class Server:
    def __init__(self, tmp: Path):
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        self.process = subprocess.Popen(
            [str(COMMAND), "serve", "--port", str(port)],
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            env={**os.environ, "TMPDIR": str(tmp)},
            text=True,
        )
        assert self.process.stdout is not None
        line = self.process.stdout.readline()
        if "网页版已启动" not in line:
            sys.exit(f"serve did not start: {line!r}")
        self.url = f"http://127.0.0.1:{port}"
        self.token = ""

    def get(self, path: str) -> bytes:
        with urllib.request.urlopen(self.url + path, timeout=600) as response:
            return bytes(response.read())

    def post(self, content: bytes, name: str) -> tuple[str, str]:
        """Upload as the page's form does; (the page's path after the 303, its body)."""
        if not self.token:
            found = TOKEN.search(self.get("/").decode())
            assert found, "no form token on the page"
            self.token = found.group(1)
        fields = {"files": FileStorage(io.BytesIO(content), name), "form_token": self.token}
        boundary, body = encode_multipart(fields)
        request = urllib.request.Request(
            self.url + "/upload", data=body, headers={"Content-Type": f"multipart/form-data; boundary={boundary}"}
        )
        with urllib.request.urlopen(request, timeout=600) as response:
            return response.url.removeprefix(self.url), response.read().decode()

    def render(self, content: bytes) -> float:
        """One upload to its documents; its seconds."""
        start = time.perf_counter()
        report, _ = self.post(content, EXAMPLE.name)
        while json.loads(self.get(report + "/status"))["state"] != "done":
            time.sleep(0.1)
        page = self.get(report).decode()
        assert "检查通过，文档已生成" in page, page[-2000:]
        return time.perf_counter() - start

    def check(self, content: bytes) -> float:
        """One check request answered with its findings; its seconds."""
        start = time.perf_counter()
        _, page = self.post(content, "有错误.xlsx")
        assert "处错误，没有生成文档" in page, page[-2000:]
        return time.perf_counter() - start

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=60)


def broken_workbook(folder: Path) -> bytes:
    """The example with a check error, as bench/city.py makes one."""
    from city import Spec, make

    spec = Spec("有错误.xlsx", 0, "义马市工业信息化和科技局", "义马市", "101", "1", broken="check")
    make(spec, folder)
    return (folder / spec.file).read_bytes()


class Checker(threading.Thread):
    """A check request every two seconds while ``busy`` is set; their latencies."""

    def __init__(self, server: Server, content: bytes):
        super().__init__(daemon=True)
        self.server, self.content = server, content
        self.latencies: list[float] = []
        self.busy = threading.Event()
        self.stopped = threading.Event()

    def run(self) -> None:
        while not self.stopped.is_set():
            if self.busy.is_set():
                self.latencies.append(self.server.check(self.content))
            self.stopped.wait(2)


def mib(kib: int) -> str:
    return f"{kib / 1024:.0f} MB"


def spread(values: list[float]) -> str:
    if not values:
        return "-"
    return f"median {statistics.median(values):.2f} s, max {max(values):.2f} s ({len(values)} requests)"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--concurrent", type=int, default=10)
    parser.add_argument("--sequential", type=int, default=200)
    parser.add_argument("--quick", action="store_true", help="4 concurrent, 10 sequential")
    parser.add_argument("--json", type=Path, help="write the figures here too")
    args = parser.parse_args()
    if args.quick:
        args.concurrent, args.sequential = 4, 10
    print(json.dumps(machine(), ensure_ascii=False))
    print(load())
    tmp = Path(tempfile.mkdtemp(prefix="bench-web-"))
    content = EXAMPLE.read_bytes()
    broken = broken_workbook(tmp)
    server = Server(tmp)
    sampler = Sampler(server.process.pid)
    sampler.start()
    checker = Checker(server, broken)
    checker.start()
    figures: dict[str, object] = {}
    try:
        server.check(broken)  # warm up the fork server
        idle_check = [server.check(broken) for _ in range(5)]
        alone = server.render(content)
        started_parent, started_children = sampler.now()
        print(f"idle server: check request {spread(idle_check)}; one render alone {alone:.2f} s")
        print(f"  server after one render: {mib(started_parent)} (children {mib(started_children)})")

        # --- concurrent ---
        times: list[float] = []
        start = time.perf_counter()
        checker.busy.set()
        threads = [
            threading.Thread(target=lambda: times.append(server.render(content))) for _ in range(args.concurrent)
        ]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        last = time.perf_counter() - start
        checker.busy.clear()
        during = list(checker.latencies)
        print(f"{args.concurrent} concurrent uploads: last result after {last:.1f} s (each {spread(times)})")
        print(f"  check requests while they ran: {spread(during)}")
        print(f"  peak: server {mib(sampler.peak_parent)}, children {mib(sampler.peak_children)}")
        figures["concurrent"] = {
            "uploads": args.concurrent,
            "last_result_s": round(last, 1),
            "check_median_s": round(statistics.median(during), 2) if during else None,
            "check_max_s": round(max(during), 2) if during else None,
            "checks": len(during),
            "peak_server_mib": round(sampler.peak_parent / 1024),
            "peak_children_mib": round(sampler.peak_children / 1024),
        }

        # --- sequential ---
        checker.latencies.clear()
        sampler.peak_parent = sampler.peak_children = 0
        points: list[tuple[int, int, int]] = []
        checker.busy.set()
        start = time.perf_counter()
        each: list[float] = []
        for n in range(1, args.sequential + 1):
            each.append(server.render(content))
            if n in (1, 10) or n % max(1, args.sequential // 8) == 0 or n == args.sequential:
                parent, children = sampler.now()
                points.append((n, parent, children))
                print(
                    f"  after {n}: {time.perf_counter() - start:.0f} s, server {mib(parent)}, "
                    f"children {mib(children)}, "
                    f"peak server {mib(sampler.peak_parent)}, checks {spread(list(checker.latencies))}",
                    flush=True,
                )
        total = time.perf_counter() - start
        checker.busy.clear()
        during = list(checker.latencies)
        time.sleep(3)
        final_parent, final_children = sampler.now()
        print(f"{args.sequential} sequential uploads in {total:.1f} s (each {spread(each)})")
        print(f"  check requests while they ran: {spread(during)}")
        print("  server's memory after n uploads: " + ", ".join(f"{n}: {mib(p)}" for n, p, _c in points))
        print(f"  peak: server {mib(sampler.peak_parent)}, children {mib(sampler.peak_children)}")
        print(f"  final (idle 3 s): server {mib(final_parent)}, children {mib(final_children)}")
        figures["sequential"] = {
            "uploads": args.sequential,
            "total_s": round(total, 1),
            "each_median_s": round(statistics.median(each), 2),
            "check_median_s": round(statistics.median(during), 2) if during else None,
            "check_max_s": round(max(during), 2) if during else None,
            "server_mib_after": {n: round(p / 1024) for n, p, _c in points},
            "peak_server_mib": round(sampler.peak_parent / 1024),
            "peak_children_mib": round(sampler.peak_children / 1024),
            "final_server_mib": round(final_parent / 1024),
            "final_children_mib": round(final_children / 1024),
        }
        figures["idle"] = {"check_median_s": round(statistics.median(idle_check), 2), "render_alone_s": round(alone, 2)}
    finally:
        checker.stopped.set()
        sampler.stopped.set()
        server.stop()
        shutil.rmtree(tmp, ignore_errors=True)
    print(load())
    if args.json:
        args.json.write_text(json.dumps(figures, ensure_ascii=False, indent=2), encoding="utf-8")


if __name__ == "__main__":
    main()
