"""Files of ours: nothing left behind by a killed run, outputs replaced as a set by one writer at a
time, a full disk named as such. Killed runs are real processes and signals; the races are two real
processes on one folder; the full disk is a small tmpfs (as root) or a fault at the write seam."""

from __future__ import annotations

import contextlib
import errno
import hashlib
import os
import re
import shutil
import signal
import subprocess
import sys
import time
import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path

import docx
import pytest
from click.testing import CliRunner

from generator.frontends import cli
from generator.jobs import batch, outputs, pipeline, scratch

# A bureau's style.css with an @font-face rule: WeasyPrint then makes a weasyprint-* folder of its own.
FONT_FACE = (
    '@font-face { font-family: "本局字体"; src: local("Noto Serif CJK SC"); }\nh1 { font-family: "本局字体"; }\n'
)

# Runs the command line with one of our own seams made to stop at a moment, for the test to signal it:
# the seam does its work (a whole PDF or DOCX under its temporary name), touches the marker, and waits
# for the go file (or for ever).
DRIVER = """
import os, pathlib, sys, time
moment, marker, go = sys.argv[1], pathlib.Path(sys.argv[2]), pathlib.Path(sys.argv[3])

def pause():
    marker.write_text(str(os.getpid()))
    while not go.exists():
        time.sleep(0.05)

from generator.render import docx as docx_writer, pdf
from generator.workbook import load
if moment == "load":
    real_load = load.load_workbook
    def load_workbook(*args, **kwargs):
        pause()
        return real_load(*args, **kwargs)
    load.load_workbook = load_workbook
if moment == "pdf":
    real_pdf = pdf.write_pdf
    def write_pdf(*args, **kwargs):
        pages = real_pdf(*args, **kwargs)
        pause()
        return pages
    pdf.write_pdf = write_pdf
if moment == "docx":
    real_docx = docx_writer.write_docx
    def write_docx(*args, **kwargs):
        real_docx(*args, **kwargs)
        pause()
    docx_writer.write_docx = write_docx
from generator.frontends import cli
sys.argv = ["budget-report", *sys.argv[4:]]
cli.main()
"""


def bureau(name: str) -> Callable[..., None]:
    return lambda editor: editor.fact("部门名称", name)


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def pdf_bureau(path: Path, names: tuple[str, ...]) -> set[str]:
    text = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True).stdout
    return {name for name in names if name in text}


def docx_bureau(path: Path, names: tuple[str, ...]) -> set[str]:
    text = "\n".join(p.text for p in docx.Document(str(path)).paragraphs)
    return {name for name in names if name in text}


def ours(folder: Path) -> list[str]:
    """What of ours is in an output folder but the outputs: temporary files, locks, journals."""
    if not folder.is_dir():
        return []
    return sorted(p.name for p in folder.iterdir() if p.name.startswith("."))


class Setup:
    def __init__(self, tmp_path: Path):
        self.tmp = tmp_path / "tmp"  # the runs' TMPDIR
        self.tmp.mkdir()
        self.templates = tmp_path / "本局模板"
        self.templates.mkdir()
        (self.templates / "style.css").write_text(FONT_FACE, encoding="utf-8")
        self.out = tmp_path / "out"
        self.marker, self.go = tmp_path / "marker", tmp_path / "go"
        self.env = {**os.environ, "TMPDIR": str(self.tmp)}

    def command(self, moment: str, *args: object) -> list[str]:
        return [sys.executable, "-c", DRIVER, moment, str(self.marker), str(self.go), *map(str, args)]

    def start(self, moment: str, *args: object, sigint_ignored: bool = False) -> subprocess.Popen[str]:
        """The run, paused at ``moment``; with ``sigint_ignored`` started as ``cmd &`` in a script starts it
        (no job control: SIGINT ignored, and inherited so by every process it starts)."""
        self.marker.unlink(missing_ok=True)
        self.go.unlink(missing_ok=True)
        ignore = (lambda: signal.signal(signal.SIGINT, signal.SIG_IGN)) if sigint_ignored else None
        return subprocess.Popen(
            self.command(moment, *args),
            env=self.env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            preexec_fn=ignore,
        )

    def wait_for_marker(self, child: subprocess.Popen[str]) -> None:
        deadline = time.monotonic() + 120
        while not self.marker.exists():
            assert child.poll() is None, child.communicate()
            assert time.monotonic() < deadline, "the run never reached its moment"
            time.sleep(0.05)

    def run(self, *args: object) -> subprocess.CompletedProcess[str]:
        return subprocess.run(self.command("none", *args), env=self.env, capture_output=True, text=True)

    def wait_for_our_processes(self) -> None:
        """Until no process that has this test's TMPDIR lives (a killed run's children finishing)."""
        needle = f"TMPDIR={self.tmp}\0".encode()
        deadline = time.monotonic() + 60
        while True:
            alive = []
            for entry in Path("/proc").iterdir():
                if entry.name.isdigit():
                    with contextlib.suppress(OSError):
                        if needle in (entry / "environ").read_bytes():
                            status = (entry / "stat").read_text().rsplit(")", 1)[-1].split()[0]
                            if status != "Z":
                                alive.append(entry.name)
            if not alive:
                return
            assert time.monotonic() < deadline, f"processes of the run still alive: {alive}"
            time.sleep(0.1)


MOMENTS = ["load", "pdf", "docx", "batch"]


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="/proc, signals and forked processes")
@pytest.mark.parametrize("sig", [signal.SIGKILL, signal.SIGTERM], ids=["SIGKILL", "SIGTERM"])
@pytest.mark.parametrize("moment", MOMENTS)
def test_a_killed_run_leaves_nothing_after_it_or_after_the_next_start(small, tmp_path: Path, moment: str, sig):
    setup = Setup(tmp_path)
    old, new = small(bureau("甲局")), small(bureau("乙局"))
    workbook = tmp_path / "局.xlsx"
    shutil.copyfile(old, workbook)
    options = ["-o", setup.out, "--templates", setup.templates]
    command = ["batch", workbook, *options, "--format", "pdf,docx", "-j", "1"] if moment == "batch" else None
    first = setup.run(*(command or ["render", workbook, *options]))
    assert first.returncode == 0, first.stderr
    before = {name: digest(setup.out / name) for name in ("局.pdf", "局.docx")}

    shutil.copyfile(new, workbook)
    child = setup.start("docx" if moment == "batch" else moment, *(command or ["render", workbook, *options]))
    setup.wait_for_marker(child)
    child.send_signal(sig)
    _out, err = child.communicate(timeout=120)
    setup.wait_for_our_processes()
    assert "Traceback" not in err
    # all old: no new DOCX beside the old PDF, or the other way round
    assert {name: digest(setup.out / name) for name in before} == before
    if sig == signal.SIGTERM:  # stopped, not killed: everything cleaned up on the way out
        assert ours(setup.out) == [] or ours(setup.out) == [".budget-report"]
        assert sorted(os.listdir(setup.tmp)) == []
    again = setup.run(*(command or ["render", workbook, *options]))
    assert again.returncode == 0, again.stderr
    setup.wait_for_our_processes()
    assert ours(setup.out) == ([".budget-report"] if moment == "batch" else [])
    if moment == "batch":
        assert sorted(os.listdir(setup.out / ".budget-report")) == ["manifest.json"]
    assert sorted(os.listdir(setup.tmp)) == []
    assert pdf_bureau(setup.out / "局.pdf", ("甲局", "乙局")) == {"乙局"}
    assert docx_bureau(setup.out / "局.docx", ("甲局", "乙局")) == {"乙局"}


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="/proc, signals and forked processes")
def test_a_run_started_with_sigint_ignored_still_stops_its_pdf_process(small, tmp_path: Path):
    """A script's ``budget-report render … &`` has SIGINT ignored; the PDF process, which is stopped by
    SIGINT (from its parent, or from the kernel when its parent dies), takes it all the same."""
    setup = Setup(tmp_path)
    workbook = tmp_path / "局.xlsx"
    shutil.copyfile(small(bureau("乙局")), workbook)
    child = setup.start("pdf", "render", workbook, "-o", setup.out, "--templates", setup.templates, sigint_ignored=True)
    setup.wait_for_marker(child)  # the PDF process holds, its PDF written under a temporary name
    child.send_signal(signal.SIGKILL)
    child.communicate(timeout=60)  # its pipes close once the PDF process, which holds them too, has ended
    setup.wait_for_our_processes()
    assert not (setup.out / "局.pdf").exists()


# ---------- one writer at a time, outputs as a set ----------


def _same_source(out: Path) -> set[str]:
    names = ("甲局", "乙局")
    return pdf_bureau(out / "局.pdf", names) | docx_bureau(out / "局.docx", names)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="forked processes")
def test_a_render_waits_for_another_writing_the_same_outputs_and_the_pair_stays_a_pair(small, tmp_path: Path):
    """A writes its DOCX and is held while its PDF is written; B, the same output name from
    another workbook, runs meanwhile. Today B writes both and then A's PDF lands beside B's DOCX."""
    setup = Setup(tmp_path)
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    a, b = tmp_path / "a" / "局.xlsx", tmp_path / "b" / "局.xlsx"
    shutil.copyfile(small(bureau("甲局")), a)
    shutil.copyfile(small(bureau("乙局")), b)
    first = setup.start("pdf", "render", a, "-o", setup.out)
    setup.wait_for_marker(first)
    second = subprocess.Popen(
        setup.command("none", "render", b, "-o", setup.out),
        env=setup.env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert second.stderr is not None
    said = second.stderr.readline()  # the waiting note, or nothing (EOF) once it has ended
    setup.go.write_text("")
    _out_a, err_a = first.communicate(timeout=120)
    _out_b, err_b = second.communicate(timeout=120)
    assert first.returncode == 0 and second.returncode == 0, err_a + said + err_b
    assert said == "局.pdf、局.docx 正在被另一个进程生成，等待其完成…\n"
    assert _same_source(setup.out) == {"乙局"}  # the one that wrote last, both files
    assert ours(setup.out) == []


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="forked processes")
def test_two_renders_racing_on_one_folder_always_leave_a_pair_from_one_workbook(small, tmp_path: Path):
    setup = Setup(tmp_path)
    sources = []
    for folder, name in (("a", "甲局"), ("b", "乙局")):
        (tmp_path / folder).mkdir()
        sources.append(tmp_path / folder / "局.xlsx")
        shutil.copyfile(small(bureau(name)), sources[-1])
    for _round in range(3):
        runs = [
            subprocess.Popen(
                setup.command("none", "render", source, "-o", setup.out),
                env=setup.env,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )
            for source in sources
        ]
        for run in runs:
            _out, err = run.communicate(timeout=180)
            assert run.returncode == 0, err
        assert len(_same_source(setup.out)) == 1
        assert ours(setup.out) == []


def test_a_writer_that_waits_too_long_gives_up_and_says_so(tmp_path: Path):
    out = tmp_path / "out"
    holder = outputs.OutputSet(out, "局", [out / "局.pdf"])
    holder.claim()
    try:
        waiter = outputs.OutputSet(out, "局", [out / "局.pdf"])
        notes: list[str] = []
        with pytest.raises(outputs.Busy, match=re.escape("局.pdf 正在被另一个进程生成，等待 0 秒仍未完成，未生成")):
            waiter.claim(on_wait=notes.append, timeout=0)
        assert notes == ["局.pdf 正在被另一个进程生成，等待其完成…"]
        waiter.release()
    finally:
        holder.release()
    assert ours(out) == []


def test_a_set_killed_between_its_renames_is_finished_by_the_next_start(tmp_path: Path):
    """The journal names the renames; a start finds it, finishes them, and the folder holds the new pair."""
    out = tmp_path / "out"
    out.mkdir()
    for name in ("局.pdf", "局.docx"):
        (out / name).write_text("旧", encoding="utf-8")
    script = (
        "import os, pathlib, signal, sys\n"
        "from generator.jobs import outputs\n"
        "out = pathlib.Path(sys.argv[1])\n"
        "targets = [out / '局.pdf', out / '局.docx']\n"
        "s = outputs.OutputSet(out, '局', targets)\n"
        "s.claim()\n"
        "for t in targets:\n"
        "    s.fill(t, lambda tmp: tmp.write_text('新', encoding='utf-8'))\n"
        "real, calls = outputs.Part.commit, []\n"
        "def commit(part):\n"
        "    real(part)\n"
        "    calls.append(part)\n"
        "    if len(calls) == 2:  # the journal's, then the first output's\n"
        "        os.kill(os.getpid(), signal.SIGKILL)\n"
        "outputs.Part.commit = commit\n"
        "s.commit()\n"
    )
    done = subprocess.run([sys.executable, "-c", script, str(out)])
    assert done.returncode == -signal.SIGKILL
    texts = sorted((out / name).read_text(encoding="utf-8") for name in ("局.pdf", "局.docx"))
    assert texts == ["新", "旧"]  # the mixed pair a kill between the renames leaves
    assert any(name.endswith(outputs.JOURNAL_SUFFIX) for name in ours(out))
    outputs.sweep(out)
    assert [(out / name).read_text(encoding="utf-8") for name in ("局.pdf", "局.docx")] == ["新", "新"]
    assert ours(out) == []


# ---------- temporary files: only ours, only the dead's ----------


def test_a_sweep_takes_a_dead_writers_temporary_files_and_leaves_a_live_ones(tmp_path: Path):
    out = tmp_path / "out"
    out.mkdir()
    hold = (
        "import pathlib, sys, time\n"
        "from generator.jobs import outputs\n"
        "part = outputs.Part(pathlib.Path(sys.argv[1]))\n"
        "print(part.path, flush=True)\n"
        "time.sleep(60)\n"
    )
    live = subprocess.Popen([sys.executable, "-c", hold, str(out / "汇总.xlsx")], stdout=subprocess.PIPE, text=True)
    dead = subprocess.Popen([sys.executable, "-c", hold, str(out / "局.pdf")], stdout=subprocess.PIPE, text=True)
    try:
        assert live.stdout is not None and dead.stdout is not None
        live_part, dead_part = Path(live.stdout.readline().strip()), Path(dead.stdout.readline().strip())
        dead.kill()
        dead.wait()
        (out / ".notes.abcdefgh.txt").write_text("not ours")  # not our pattern
        (out / "局.pdf.part").write_text("not ours")
        assert outputs.sweep(out) == [dead_part]
        assert live_part.exists()
        assert sorted(p.name for p in out.iterdir()) == sorted([live_part.name, ".notes.abcdefgh.txt", "局.pdf.part"])
    finally:
        live.kill()
        live.wait()


# ---------- a full disk ----------


@contextlib.contextmanager
def small_disk(folder: Path) -> Iterator[Path]:
    folder.mkdir()
    try:
        subprocess.run(["mount", "-t", "tmpfs", "-o", "size=2m", "tmpfs", str(folder)], check=True, capture_output=True)
    except (OSError, subprocess.CalledProcessError):
        pytest.skip("a tmpfs cannot be mounted here (not root, or not permitted)")
    try:
        yield folder
    finally:
        subprocess.run(["umount", str(folder)], check=False)


def fill_disk(folder: Path, leave: int) -> None:
    """Fill the disk of ``folder`` but ``leave`` bytes."""
    stat = os.statvfs(folder)
    free = stat.f_bavail * stat.f_frsize
    with (folder / "filler").open("wb") as fh:
        with contextlib.suppress(OSError):
            fh.write(b"\0" * max(0, free - leave))


@pytest.mark.skipif(os.geteuid() != 0, reason="mounting a tmpfs needs root")
def test_a_batch_on_a_full_disk_says_so_and_keeps_the_old_pair(small, tmp_path: Path):
    workbook = tmp_path / "局.xlsx"
    shutil.copyfile(small(bureau("甲局")), workbook)
    with small_disk(tmp_path / "disk") as disk:
        out = disk / "out"
        args = ["batch", str(workbook), "-o", str(out), "--format", "html,docx", "-j", "1"]
        env = {**os.environ, "TMPDIR": str(tmp_path)}
        cli_main = "from generator.frontends import cli; cli.main()"
        first = subprocess.run(
            [sys.executable, "-c", cli_main, *args], env=env, capture_output=True, text=True, cwd=tmp_path
        )
        assert first.returncode == 0, first.stderr
        before = {name: digest(out / name) for name in ("局.html", "局.docx")}
        shutil.copyfile(small(bureau("乙局")), workbook)
        fill_disk(disk, 60_000)  # room for the HTML, not for the DOCX as well
        second = subprocess.run(
            [sys.executable, "-c", cli_main, *args], env=env, capture_output=True, text=True, cwd=tmp_path
        )
        assert second.returncode == 1
        err = second.stderr
        assert "Traceback" not in err and "Exception ignored" not in err, err
        assert "磁盘空间不足：无法写入 " in err
        assert "有错误" not in err  # the workbook has none
        assert "局.xlsx：未能重新生成；" in err
        assert {name: digest(out / name) for name in before} == before  # the old pair, both
        assert ours(out) == [".budget-report"]
        assert [p.name for p in (out / ".budget-report").iterdir()] == ["manifest.json"]


def _full_disk_docx(html: str, target: Path, **_options: object) -> None:
    """The DOCX writer on a full disk: a zip half written, left open, then ENOSPC."""
    archive = zipfile.ZipFile(target, "w")
    archive.writestr("[Content_Types].xml", "<Types/>")
    raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))


def test_a_full_disk_at_the_write_seam_is_named_and_the_old_pair_stays(small, tmp_path: Path, monkeypatch):
    from generator.render import docx as docx_writer

    workbook = tmp_path / "局.xlsx"
    shutil.copyfile(small(bureau("甲局")), workbook)
    out = tmp_path / "out"
    runner = CliRunner()
    first = runner.invoke(cli.main, ["batch", str(workbook), "-o", str(out), "--format", "html,docx"])
    assert first.exit_code == 0, first.output
    before = {name: digest(out / name) for name in ("局.html", "局.docx")}
    shutil.copyfile(small(bureau("乙局")), workbook)
    monkeypatch.setattr(docx_writer, "write_docx", _full_disk_docx)  # forked workers inherit it
    result = runner.invoke(cli.main, ["batch", str(workbook), "-o", str(out), "--format", "html,docx"])
    assert result.exit_code == 1
    assert f"局.xlsx：磁盘空间不足：无法写入 {out / '局.docx'}（所在磁盘已满）；未写入任何文件，原有文件保持不变" in (
        result.stderr
    )
    assert "有错误" not in result.stderr
    assert f"局.xlsx：未能重新生成；{out / '局.html'}、{out / '局.docx'} 为上次生成的旧文件" in result.stderr
    assert {name: digest(out / name) for name in before} == before
    assert ours(out) == [".budget-report"]


def test_a_full_disk_while_a_zip_is_written_prints_no_finalizer_traceback(tmp_path: Path, capfd):
    with pytest.raises(outputs.DiskFull, match=r"磁盘空间不足：无法写入 .*局\.docx"):
        pipeline.write_atomic(tmp_path / "局.docx", lambda tmp: _full_disk_docx("", tmp))
    assert "Exception ignored" not in capfd.readouterr().err
    assert list(tmp_path.iterdir()) == []


def test_the_batch_start_sweeps_what_a_killed_batch_left(tmp_path: Path):
    out = tmp_path / "out"
    (out / ".budget-report").mkdir(parents=True)
    left = [
        out / ".局.abcd1234.pdf.part",
        out / ".汇总.abcd1234.xlsx.part",
        out / ".budget-report" / ".manifest.abcd1234.json.part",
    ]
    for path in left:
        path.write_bytes(b"%PDF half")
    with scratch.workdir(None, scratch.PROCESS_PREFIX) as live:
        batch.sweep(out)
        assert live.is_dir()
    assert [p for p in left if p.exists()] == []
