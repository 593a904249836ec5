"""Turn a bureau's ``profile.toml`` into settings: title pattern, budget-level wording and fonts, without code.

A bureau's template folder (``render --templates DIR``) may hold a ``profile.toml``:

    title = "{year}年{bureau}部门（单位）预算公开"   # {year} and {bureau} are filled in
    fiscal_level = "县级"                          # used where the workbook leaves 财政级次 empty
    charts = true                                  # charts beside the overview figures (off by default)

    [docx.fonts]                                   # East Asian font names written into the DOCX
    body = "仿宋_GB2312"
    heading1 = "黑体"
    heading2 = "楷体_GB2312"
    title = "方正小标宋简体"

    [pdf.fonts]                                    # faces of the free fonts embedded in the PDF:
    body = "宋体"                                  # 宋体, 黑体, 楷体 or 仿宋
    heading = "黑体"

Every key is optional; a missing file means the built-in settings.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from generator.errors import BudgetError

PROFILE_FILE = "profile.toml"
DEFAULT_TITLE = "{year}年{bureau}部门（单位）预算公开"

# The PDF's font faces by their Chinese names (families declared in render/pdf.py's font CSS).
DOCX_FONT_ROLES = ("body", "heading1", "heading2", "title", "latin")  # the fields of render.docx.DocxFonts
PDF_FACES = {"宋体": "BR Song", "黑体": "BR Hei", "楷体": "BR Kai", "仿宋": "BR FangSong"}


class ProfileError(BudgetError):
    """The profile file cannot be used; the message names the file and the key."""


@dataclass(frozen=True)
class Profile:
    """A bureau's settings; the defaults are the built-in ones."""

    title: str = DEFAULT_TITLE
    fiscal_level: str = ""
    docx_fonts: dict[str, str] = field(default_factory=dict)  # DocxFonts fields to override
    pdf_body: str = ""
    pdf_heading: str = ""
    charts: bool = False  # draw the charts of the narrative (stages/charts.py)

    @property
    def chart_face(self) -> str:
        """The face the charts' text is set in: the PDF's body face (宋体 unless the profile chose another)."""
        return self.pdf_body or "宋体"

    def title_for(self, year: int, bureau: str) -> str:
        return self.title.replace("{year}", str(year)).replace("{bureau}", bureau)

    def pdf_css(self) -> str:
        """Extra CSS for the PDF that sets the chosen faces (empty for the built-in ones)."""
        rules = []
        if self.pdf_body:
            family = PDF_FACES[self.pdf_body]
            rules.append(f'html, p, td, th, nav.toc li, h4 {{ font-family: "{family}", "BR Song"; }}')
        if self.pdf_heading:
            family = PDF_FACES[self.pdf_heading]
            rules.append(f'h1, h2, h1.doc-title {{ font-family: "{family}", "BR Hei"; }}')
        return "\n".join(rules)


def _table(data: dict[str, Any], key: str, path: Path) -> dict[str, Any]:
    value = data.get(key, {})
    if not isinstance(value, dict):
        raise ProfileError(f"{path}：“{key}”应为一节（[{key}]），不是一个值")
    return value


def _text(data: dict[str, Any], key: str, path: Path, where: str = "") -> str:
    value = data.get(key, "")
    if not isinstance(value, str):
        raise ProfileError(f"{path}：{where}{key} 应为文字（加引号），实为 {value!r}")
    return value.strip()


def load_profile(folder: Path | None) -> Profile:
    """The profile in ``folder`` (a bureau's template folder), or the built-in one."""
    if folder is None or not (folder / PROFILE_FILE).is_file():
        return Profile()
    path = folder / PROFILE_FILE
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ProfileError(f"{path}：格式不对（{exc}）") from None
    known = {"title", "fiscal_level", "charts", "docx", "pdf"}
    unknown = sorted(set(data) - known)
    if unknown:
        raise ProfileError(f"{path}：不认识的设置 {', '.join(unknown)}（可用：{', '.join(sorted(known))}）")
    title = _text(data, "title", path) or DEFAULT_TITLE
    leftover = title.replace("{year}", "").replace("{bureau}", "")
    if "{" in leftover or "}" in leftover:
        raise ProfileError(f"{path}：title 只能使用 {{year}} 和 {{bureau}}，实为 {title!r}")
    docx_fonts = _table(_table(data, "docx", path), "fonts", path)
    unknown = sorted(set(docx_fonts) - set(DOCX_FONT_ROLES))
    if unknown:
        raise ProfileError(f"{path}：[docx.fonts] 不认识 {', '.join(unknown)}（可用：{', '.join(DOCX_FONT_ROLES)}）")
    fonts = {key: _text(docx_fonts, key, path, "[docx.fonts] ") for key in DOCX_FONT_ROLES if docx_fonts.get(key)}
    pdf_fonts = _table(_table(data, "pdf", path), "fonts", path)
    chosen = {}
    for key in ("body", "heading"):
        face = _text(pdf_fonts, key, path, "[pdf.fonts] ")
        if face and face not in PDF_FACES:
            raise ProfileError(f"{path}：[pdf.fonts] {key} 应为 {'、'.join(PDF_FACES)} 之一，实为 {face!r}")
        chosen[key] = face
    charts = data.get("charts", False)
    if not isinstance(charts, bool):
        raise ProfileError(f"{path}：charts 应为 true 或 false（不加引号），实为 {charts!r}")
    return Profile(
        title=title,
        charts=charts,
        fiscal_level=_text(data, "fiscal_level", path),
        docx_fonts=fonts,
        pdf_body=chosen["body"],
        pdf_heading=chosen["heading"],
    )
