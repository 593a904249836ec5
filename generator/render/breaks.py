"""Row groups broken over pages: the labels a group's continuation rows leave blank, printed again.

The tables draw a group of rows (a project_goals project and its indicators, the performance form's 年度主要任务 and its
indicator levels) as one merged cell by leaving the continuation rows' label cells empty and hiding
their top border (templates/style.css); row spans are not used, as they break badly across pages.
A group that fits a page stays on one (``tbody.group { break-inside: avoid }``). One that does not,
or a long run such as the performance form's tasks, would leave its first rows on the next page without their code,
name or level, and the hidden border would leave the table open at the break.

The templates give every row of such a group an id ``<table>-g<group>-r<row>`` and each empty
label cell the label it continues (``data-label``). After WeasyPrint has laid the document out,
``repeat_css`` reads from each page's anchors (``Page.anchors``, WeasyPrint's public API) where each
row landed and returns the CSS that, for every continuation row that begins a page, prints the
labels and closes the border above it; pdf.py then lays the document out once more with it.
The DOCX needs none of this: Word repeats nothing but merges the cells (w:vMerge) and draws them
over page breaks itself.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping

_ROW_ID = re.compile(r"^(?P<group>.+-g\d+)-r(?P<row>\d+)$")


def first_rows_on_new_pages(pages: Iterable[Mapping[str, object]]) -> list[str]:
    """The ids of the continuation rows (row > 0) that sit on a later page than the row before them.

    ``pages`` are the pages' anchors, in page order (``[page.anchors for page in document.pages]``).
    """
    page_of: dict[str, int] = {}
    for number, anchors in enumerate(pages):
        for name in anchors:
            page_of.setdefault(name, number)
    broken = []
    for name, page in page_of.items():
        m = _ROW_ID.match(name)
        if m is None or m.group("row") == "0":
            continue
        before = f"{m.group('group')}-r{int(m.group('row')) - 1}"
        if before in page_of and page_of[before] < page:
            broken.append(name)
    return sorted(broken)


def _css_id(name: str) -> str:
    """``name`` as a CSS id selector (the ids are the templates' own: letters, digits and "-")."""
    return "#" + re.sub(r"([^A-Za-z0-9_-])", r"\\\1", name)


def repeat_css(pages: Iterable[Mapping[str, object]]) -> str:
    """The stylesheet that repeats the labels of every row group broken over pages ("" if none is)."""
    rules = []
    for name in first_rows_on_new_pages(pages):
        row = _css_id(name)
        rules.append(f"{row} > td[data-label]::before {{ content: attr(data-label); }}")
        rules.append(f"{row} > td {{ border-top-style: solid; }}")
    return "\n".join(rules)
