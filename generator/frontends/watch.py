"""Turn every save of a workbook into fresh documents: re-check and re-render on change (``budget-report watch``).

The file is polled (no extra dependency, works on network drives where change notifications do
not) and a change is acted on once the file has stopped changing, since Excel and WPS save
through temporary files. A broken save prints its message and the watch goes on (so does an
internal error, worded as the command line words it).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from pathlib import Path

from generator.jobs.service import render_job
from generator.options import DEFAULT_OPTIONS, RenderOptions

Echo = Callable[[str], None]


def _stamp(path: Path) -> tuple[int, int] | None:
    try:
        stat = path.stat()
    except OSError:
        return None
    return (stat.st_mtime_ns, stat.st_size)


def run_once(
    path: Path,
    outdir: Path,
    formats: Iterable[str],
    options: RenderOptions,
    echo: Echo,
) -> bool:
    """Check and render once with ``options``, printing what a clerk needs; True when documents were written."""
    outcome = render_job(path, outdir, tuple(formats), options=options, on_wait=echo)
    if outcome.error is not None:
        echo(outcome.error)
        return False
    for finding in outcome.findings:
        echo(f"  {finding.line()}")
    echo(f"{time.strftime('%H:%M:%S')} 已更新：{', '.join(str(p) for p in outcome.written)}")
    return True


def watch(
    path: Path,
    outdir: Path,
    formats: Iterable[str],
    options: RenderOptions = DEFAULT_OPTIONS,
    *,
    interval: float = 1.0,
    settle: float = 0.5,
    echo: Echo = print,
    keep_going: Callable[[], bool] = lambda: True,
) -> None:
    """Render ``path`` with ``options`` now and after every save until ``keep_going()`` is false (or Ctrl+C)."""
    formats = tuple(formats)
    echo(f"正在监视 {path}（保存后自动重新生成，按 Ctrl+C 退出）")
    last = _stamp(path)
    run_once(path, outdir, formats, options, echo)
    while keep_going():
        time.sleep(interval)
        now = _stamp(path)
        if now == last or now is None:
            continue
        # wait until the save has finished: the stamp must hold still for `settle` seconds
        while True:
            time.sleep(settle)
            again = _stamp(path)
            if again == now:
                break
            now = again
        last = now
        run_once(path, outdir, formats, options, echo)
