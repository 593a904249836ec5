"""Turn a clerk's choices (command-line options, the web page's form) into one value every stage of a run is given."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class RenderOptions:
    """What a check or a render is made with besides the workbook and the output formats.

    This is the one place the render options are declared. The front ends fill it (the command
    line from its options, the web page from its form) and every layer in between passes it on
    whole: the pipeline, the job service, batch and its workers, watch, diff. A new option is one
    field here, plus the lines of the front ends that fill it; a batch's incremental key
    (``manifest.run_inputs``) records every field by itself.

    Frozen: one value is shared by every workbook of a run (and sent to worker processes), and
    nothing on the way may change it for the others; ``dataclasses.replace`` makes a changed copy.
    """

    templates: Path | None = None
    """The bureau's templates folder (``--templates``): its templates, style.css, reference.docx,
    profile.toml and code list are laid over the built-in ones. None: the built-in ones only."""

    codes: Path | None = None
    """The finance bureau's official code list (``--codes``, .xlsx or .csv), laid over the bundled
    one; it wins over a code list in ``templates``. None: the templates folder's list, else the bundled one."""

    previous: Path | None = None
    """Last year's workbook (``--previous``): each 上年数 figure is checked against what it gives.
    A batch also takes a folder of them, each workbook's found by name. None: 上年数 are taken as typed."""

    budget: Path | None = None
    """The same year's budget workbook (``--budget``), for a 决算: each 年初预算数 is checked against the
    figure it gives, matched by 功能分类 code. None: 年初预算数 are taken as typed."""

    charts: bool | None = None
    """The narrative's charts (``--charts/--no-charts``): True draws them, False leaves them out,
    None leaves it to the templates folder's profile.toml (off without one)."""

    format_dir: Path | None = None
    """A folder of the bureau's or province's own disclosure formats (``--format-dir``): a format folder
    (with its format.yaml) or a folder of them, which a workbook's 公开格式 may name besides the
    built-in ones (README "Formats"). None: the templates folder's profile.toml ``formats``, if any."""

    pdf_variant: str | None = None
    """The PDF's archive or accessibility variant (``--pdf-variant``: pdf/a-2b, pdf/a-3b, pdf/ua-1).
    None: a plain (tagged) PDF."""


# What a run is made with when nothing is chosen: the built-in everything. A default argument
# shares it safely, since it is frozen.
DEFAULT_OPTIONS = RenderOptions()
