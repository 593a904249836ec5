"""Body paragraphs justified to both margins in the PDF, with adjacent punctuation squeezed (clreq).

WeasyPrint justifies a line only by widening its spaces, and Chinese text has none: a line holding
half-width figures ("1959.63") or ending before a punctuation mark that may not begin a line
stopped up to two characters short of the margin. So the PDF's body paragraphs are broken into
lines here, before WeasyPrint lays them out, and each line but the paragraph's last gets the letter
spacing that makes it fill the line exactly (``<span class="jl">``, kept on one line, then <br>).

The line breaking is the Chinese one: a figure or Latin word is never broken; a line never begins
with a closing mark (，。、；：？！）》” …) nor ends with an opening one (（《“ …), the character
before moving down with it; of two adjacent full-width marks ("），", "。”") the first is set in half
its width (``<span class="sq">``). Widths are the SC face's advances (fontTools, public API) at the
body's 16 pt, kerning off in the justified lines so that they are exact.

Only the built-in body face is measured: with a bureau's stylesheet or the profile's fonts
(``extra_css``) pdf.py leaves the paragraphs to WeasyPrint. The DOCX is not touched (Word justifies
Chinese text itself: ``w:jc="both"``).
"""

from __future__ import annotations

import functools
import html as htmllib
import re
from collections.abc import Callable

from markupsafe import escape

from generator.render.fonts import font_files

SIZE = 16.0  # pt, the body (templates/style.css: html)
PITCH_SPACING = -0.21  # pt, the body's letter-spacing (28 characters a line)
TEXT_WIDTH = 442.2  # pt, 156 mm
INDENT = 31.5  # pt, the first line's text-indent
NO_START = set("，。、；：？！）》」』”’〕】〉％%…·,.;:?!)]")
NO_END = set("（《「『“‘〔【〈([")
FULL_MARKS = set("，。、；：？！）》」』”’〕】〉（《「『“‘〔【〈")
_CONTEXT = set("：；“”‘’")
_BODY_P = re.compile(r"<p>([^<]*)</p>")
_UNBREAKABLE = re.compile(r"[0-9A-Za-z.,%+\-/]+|.", re.S)


@functools.cache
def advances() -> Callable[[str], float]:
    """The advance of a character in pt at the body size, from the SC face of the body font (BR Song)."""
    from fontTools.ttLib import TTCollection, TTFont

    path = font_files()[("BR Song", 400)]
    font = None
    if path.suffix.lower() == ".ttc":
        fonts = TTCollection(str(path), lazy=True).fonts
        font = next((f for f in fonts if "SC" in str(f["name"].getDebugName(1))), fonts[0])
    else:
        font = TTFont(str(path), lazy=True)
    cmap = font.getBestCmap()
    hmtx = font["hmtx"]
    scale = SIZE / font["head"].unitsPerEm

    @functools.cache
    def advance(ch: str) -> float:
        glyph = cmap.get(ord(ch))
        return hmtx[glyph][0] * scale if glyph is not None else SIZE

    return advance


def _tokens(text: str) -> list[str]:
    return _UNBREAKABLE.findall(text)


def _squeezed(chars: str) -> list[bool]:
    """For each character, whether it is the first of two adjacent full-width marks (set in half width)."""
    return [a in FULL_MARKS and b in FULL_MARKS for a, b in zip(chars, chars[1:] + " ", strict=True)]


def natural_width(line: str, advance: Callable[[str], float]) -> float:
    """The line's width at the body's pitch, its squeezed marks at half width."""
    squeeze = _squeezed(line)
    return sum(advance(c) / 2 if s else advance(c) for c, s in zip(line, squeeze, strict=True)) + PITCH_SPACING * len(
        line
    )


def break_lines(text: str, advance: Callable[[str], float] | None = None) -> list[str]:
    """``text`` broken into the lines of a body paragraph (first line indented), by the rules above."""
    advance = advance or advances()
    tokens = _tokens(text)
    lines: list[list[str]] = []
    line: list[str] = []
    room = TEXT_WIDTH - INDENT
    for token in tokens:
        if not line or natural_width("".join([*line, token]), advance) <= room + 0.01:
            line.append(token)
            continue
        carry: list[str] = [token]
        # a closing mark may not begin the next line, an opening one may not end this one
        while line and (carry[0][0] in NO_START or line[-1][-1] in NO_END):
            carry.insert(0, line.pop())
        if not line:  # nothing can move down: keep the line as it was
            line, carry = carry[:-1], carry[-1:]
        lines.append(line)
        line = carry
        room = TEXT_WIDTH
        while len(line) > 1 and natural_width("".join(line), advance) > room + 0.01:  # a long carry
            lines.append(line[:-1])
            line = line[-1:]
    if line:
        lines.append(line)
    return ["".join(tokens) for tokens in lines]


def _line_html(line: str, spacing: float | None) -> str:
    """A line as HTML: squeezed marks in ``span.sq``; with ``spacing``, the whole in a justified ``span.jl``.

    A squeezed mark's span ends half an em early (a negative right margin). A span of a lone
    ：；“”‘’ would be set in the collection's Japanese face (WeasyPrint picks the face of a text of
    punctuation alone without the paragraph's language), so such a mark takes the character before it
    into its span.
    """
    out: list[str] = []
    plain: list[bool] = []
    for ch, squeeze in zip(line, _squeezed(line), strict=True):
        if not squeeze:
            out.append(str(escape(ch)))
            plain.append(True)
            continue
        text = str(escape(ch))
        if ch in _CONTEXT and plain and plain[-1]:
            text = out.pop() + text
            plain.pop()
        out.append(f'<span class="sq">{text}</span>')
        plain.append(False)
    body = "".join(out)
    if spacing is None:
        return body
    return f'<span class="jl" style="letter-spacing: {spacing:.3f}pt">{body}</span>'


def justify_paragraph(text: str, advance: Callable[[str], float] | None = None) -> str:
    """The HTML content of a body paragraph of plain ``text``: every line but the last filled to the margin."""
    advance = advance or advances()
    lines = break_lines(text, advance)
    parts = []
    for i, line in enumerate(lines):
        if i == len(lines) - 1:
            parts.append(_line_html(line, None))
            continue
        room = TEXT_WIDTH - (INDENT if i == 0 else 0)
        width = natural_width(line, advance) - PITCH_SPACING * len(line)  # the advances alone
        gaps = max(len(line) - 1, 1)
        # n − 1 gaps fill the line: the last character's own spacing falls outside the margin
        parts.append(_line_html(line, (room - width) / gaps) + "<br>")
    return "".join(parts)


def justify_html(html: str) -> str:
    """The document HTML with its body paragraphs (plain ``<p>`` of text only) justified line by line."""
    advance = advances()

    def one(m: re.Match[str]) -> str:
        text = htmllib.unescape(m.group(1))
        if not text.strip() or "\n" in text:
            return m.group(0)
        return f'<p class="justified">{justify_paragraph(text, advance)}</p>'

    return _BODY_P.sub(one, html)
