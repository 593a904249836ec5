"""Title lines broken between words, balanced, as GB/T 9704 sets a title (梯形或菱形, never inside a word).

A title is cut into words (``title_words``): the bureau's name, "2024年"/"2024年度", "部门（单位）",
"第二部分", "附件：" and the fixed phrases of the disclosure ("预算公开", "预算情况说明", "预算表" …);
any other run of text stays one word. ``balanced_lines`` then takes the fewest lines that fit and,
among those, the most even ones. Widths are in full-width characters: an ideograph or full-width
punctuation counts 1, an ASCII digit, letter or space ½ (the fonts' half-width forms).

The bureau's name is data. It stays whole when it fits a line; a name longer than a line is cut
after its place name, i.e. after the first 省/市/州/盟/县/区/旗 that leaves two characters or more
on each side ("义马市 | 工业信息化和科技局"), and only a part still longer than a line is cut by
length. No other word is ever cut unless it alone is longer than a line.

Capacities follow from the stylesheet: the text block is 156 mm (442.2 pt) wide, so a title set
at ``size`` pt holds 442.2 / size full-width characters (``capacity``).
"""

from __future__ import annotations

import itertools
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass

from markupsafe import Markup, escape

TEXT_WIDTH_PT = 442.2  # 156 mm, the GB/T 9704 text block (templates/style.css)
# The disclosure's fixed phrases, longest first so that "预算情况说明" wins over "预算".
PHRASES = (
    "部门（单位）",
    "预算情况说明",
    "部门预算情况说明",
    "预算公开",
    "预算表",
    "概况",
    "名词解释",
)
_YEAR = re.compile(r"\d{4}年度?")
_PART = re.compile(r"第[一二三四五六七八九十]+部分\s*")
_ANNEX = re.compile(r"附件[：:]")
_PLACE = "省市州盟县区旗"


@dataclass(frozen=True)
class Word:
    """An unbreakable piece of a title; ``parts`` are the places it may be cut when it is longer than a line."""

    text: str
    parts: tuple[str, ...] = ()


def width(text: str) -> float:
    """Width in full-width characters: East Asian wide/full-width and ambiguous count 1, the rest ½."""
    return sum(1.0 if unicodedata.east_asian_width(ch) in "WFA" else 0.5 for ch in text)


def capacity(size_pt: float, text_width_pt: float = TEXT_WIDTH_PT) -> float:
    """Full-width characters in a line of the text block at ``size_pt``."""
    return text_width_pt / size_pt


def bureau_parts(name: str) -> tuple[str, ...]:
    """The bureau's name cut after its place name (the rule in the module docstring); () if no such place."""
    for i, ch in enumerate(name):
        if ch in _PLACE and i + 1 >= 2 and len(name) - i - 1 >= 2:
            return (name[: i + 1], name[i + 1 :])
    return ()


def title_words(text: str, bureau: str = "") -> list[Word]:
    """``text`` as words: the bureau's name, years, part numbers, 附件：, the fixed phrases; the rest in runs."""
    words: list[Word] = []
    loose = ""
    i = 0
    while i < len(text):
        found: Word | None = None
        if bureau and text.startswith(bureau, i):
            found = Word(bureau, bureau_parts(bureau))
        else:
            for pattern in (_YEAR, _PART, _ANNEX):
                m = pattern.match(text, i)
                if m:
                    found = Word(m.group())
                    break
            else:
                phrase = next((p for p in sorted(PHRASES, key=len, reverse=True) if text.startswith(p, i)), None)
                if phrase:
                    found = Word(phrase)
        if found is None:
            loose += text[i]
            i += 1
            continue
        if loose:
            words.append(Word(loose))
            loose = ""
        words.append(found)
        i += len(found.text)
    if loose:
        words.append(Word(loose))
    return words


def _chop(text: str, room: float) -> list[str]:
    """A word longer than a line cut by length (the last resort)."""
    pieces, piece = [], ""
    for ch in text:
        if piece and width(piece + ch) > room:
            pieces.append(piece)
            piece = ""
        piece += ch
    return [*pieces, piece] if piece else pieces


def _pieces(words: Sequence[Word], room: float) -> list[str]:
    """The unbreakable pieces: a word whole if it fits a line, else its parts, else chopped."""
    out: list[str] = []
    for word in words:
        if width(word.text) <= room:
            out.append(word.text)
            continue
        for part in word.parts or (word.text,):
            out.extend([part] if width(part) <= room else _chop(part, room))
    return out


def balanced_lines(words: Sequence[Word], room: float) -> list[str]:
    """The fewest lines of at most ``room`` that break only between pieces, the most even of them.

    Among the partitions with the fewest lines: the smallest longest line, then the smallest
    difference between longest and shortest, then longer lines first (an inverted trapezoid).
    """
    pieces = _pieces(words, room)
    if not pieces:
        return []
    n = len(pieces)
    best: tuple[tuple[float, ...], list[str]] | None = None
    for count in range(1, n + 1):
        for cuts in itertools.combinations(range(1, n), count - 1):
            bounds = (0, *cuts, n)
            lines = ["".join(pieces[a:b]) for a, b in itertools.pairwise(bounds)]
            widths = [width(line) for line in lines]
            if max(widths) > room + 1e-9:
                continue
            key = (max(widths), max(widths) - min(widths), *(-w for w in widths))
            if best is None or key < best[0]:
                best = (key, lines)
        if best is not None:
            return best[1]
    return pieces  # unreachable: one piece a line always fits


def title_lines(text: str, size_pt: float, bureau: str = "") -> Markup:
    """The title ``text`` set at ``size_pt`` as balanced lines joined by <br> (the DOCX writer's line break)."""
    lines = balanced_lines(title_words(str(text), str(bureau)), capacity(size_pt))
    return Markup("<br>").join(escape(line) for line in lines)


def word_spans(text: str, bureau: str = "") -> Markup:
    """The title ``text`` with each word in a ``<span class="w">`` that the stylesheet keeps on one line
    (the 目录's entries: filled greedily, broken only between words; the bureau's name by its parts)."""
    spans = []
    for word in title_words(str(text), str(bureau)):
        for part in word.parts or (word.text,):
            spans.append(Markup('<span class="w">{}</span>').format(part))
    return Markup("").join(spans)
