"""Turn a generated text into README.md's section between two markers, and write it when it changed.

``readme_rules.py`` (the check's rules) and ``readme_formats.py`` (the formats' reference) both
write a part of README.md made from declarations; this is the one place that finds the markers,
replaces what is between them and says whether anything changed.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

README = Path(__file__).resolve().parents[1] / "README.md"


def between(readme: str, begin: str, end: str, body: str, what: str) -> str:
    """``readme`` with the text between ``begin`` and ``end`` replaced by ``body`` (``what`` names it in a refusal)."""
    head, found_begin, rest = readme.partition(begin)
    _old, found_end, tail = rest.partition(end)
    if not found_begin or not found_end:
        raise SystemExit(f"README.md has no {begin} … {end} markers around the {what}")
    return f"{head}{begin}\n{body}{end}{tail}"


def rewrite(make: Callable[[str], str], what: str) -> None:
    """Write README.md as ``make`` makes it from the current one, and say whether the ``what`` changed."""
    text = README.read_text(encoding="utf-8")
    new = make(text)
    if new != text:
        README.write_text(new, encoding="utf-8")
        print(f"README.md: {what} regenerated")
    else:
        print(f"README.md: {what} already up to date")
