"""jobs/scratch: folders of ours, locked while their process lives, swept once it is gone."""

from __future__ import annotations

import signal
import subprocess
import sys
from pathlib import Path

from generator.jobs import scratch

HOLD = (
    "import sys, time, pathlib\n"
    "from generator.jobs import scratch\n"
    "with scratch.workdir(pathlib.Path(sys.argv[1]), 'budget-report-t-') as f:\n"
    "    (f / 'data').write_text('x')\n"
    "    print(f, flush=True)\n"
    "    time.sleep(60)\n"
)


def _holder(parent: Path) -> tuple[subprocess.Popen[str], Path]:
    child = subprocess.Popen([sys.executable, "-c", HOLD, str(parent)], stdout=subprocess.PIPE, text=True)
    assert child.stdout is not None
    return child, Path(child.stdout.readline().strip())


def test_a_killed_runs_folder_is_swept_and_a_live_ones_is_not(tmp_path):
    live, live_folder = _holder(tmp_path)
    dead, dead_folder = _holder(tmp_path)
    try:
        dead.send_signal(signal.SIGKILL)
        dead.wait()
        assert dead_folder.is_dir()  # kill -9 ran no clean-up
        assert scratch.sweep(tmp_path, "budget-report-t-") == [dead_folder]
        assert not dead_folder.exists()
        assert (live_folder / "data").read_text() == "x"
    finally:
        live.kill()
        live.wait()


def test_sweep_leaves_other_names_and_unlocked_strangers(tmp_path):
    (tmp_path / "weasyprint-abc").mkdir()
    (tmp_path / "budget-report-t-nolock").mkdir()  # no lock file: not made here, left alone
    (tmp_path / "budget-report-t-nolock" / "theirs").write_text("")
    (tmp_path / "budget-report-t-file").write_text("")
    assert scratch.sweep(tmp_path, "budget-report-t-") == []
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "budget-report-t-file",
        "budget-report-t-nolock",
        "weasyprint-abc",
    ]


def test_workdir_is_removed_at_its_end_even_on_error(tmp_path):
    try:
        with scratch.workdir(tmp_path, "budget-report-t-") as folder:
            (folder / "x").write_text("y")
            assert scratch.held(folder)
            raise RuntimeError
    except RuntimeError:
        pass
    assert not folder.exists()
