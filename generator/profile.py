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

    formats = "格式"                               # a folder (inside this one) of the bureau's own formats

    [format]                                       # what the bureau does not publish of its format:
    drop_tables = ["YS13", "YS14"]                 # tables (by code), the others renumbered
    drop_sections = ["s7", "divisions"]            # sections (by id, formats/<name>/document.yaml)
    drop_glossary = ["财政专户管理资金"]            # standard 名词解释 items (by term)

Every key is optional; a missing file means the built-in settings. Every text is checked at load
so that the DOCX and PDF can hold it, and refused naming the file and key: no control character,
a length limit (a font name 31 characters, as Word keeps them, holding letters, digits, spaces and
``_-.()（）+&`` only), and a title that, filled with the longest 部门名称, fits a DOCX's title property.
The file is read only when it is inside the folder once links are resolved (``render/sandbox.py``).
"""

from __future__ import annotations

import re
import tomllib
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from generator.errors import BudgetError
from generator.formats.spec import Variant

PROFILE_FILE = "profile.toml"
DEFAULT_TITLE = "{year}年{bureau}部门（单位）预算公开"

# The PDF's font faces by their Chinese names (families declared in render/pdf.py's font CSS).
DOCX_FONT_ROLES = ("body", "heading1", "heading2", "title", "latin")  # the fields of render.docx.DocxFonts
PDF_FACES = {"宋体": "BR Song", "黑体": "BR Hei", "楷体": "BR Kai", "仿宋": "BR FangSong"}

# The limits of what a profile may hold, so that the DOCX and PDF can hold it (checked at load, named by key):
BUREAU_MAX = 100  # characters of a 部门名称 (``check``'s 过长 rule, stages/check/facts.py)
CORE_PROPERTY_MAX = 255  # characters of a DOCX core property (python-docx refuses more): the title, filled in
FONT_NAME_MAX = 31  # characters of a font name: Windows (and so Word) keeps 31 (LOGFONT's lfFaceName)
FISCAL_LEVEL_MAX = 20  # characters of the budget-level wording (市级, 县级, 市本级…), printed inside sentences
# A font name holds letters, digits, spaces and _ - . ( ) （ ） + & (仿宋_GB2312, Times New Roman, HGS明朝E).
_FONT_NAME = re.compile(r"[\w .()（）+&-]+")


class ProfileError(BudgetError):
    """The profile file cannot be used; the message names the file and the key."""


@dataclass(frozen=True)
class Profile:
    """A bureau's settings; the defaults are the built-in ones."""

    title: str = ""  # the title pattern; empty: the format's (``Format.document_title``)
    fiscal_level: str = ""
    docx_fonts: dict[str, str] = field(default_factory=dict)  # DocxFonts fields to override
    pdf_body: str = ""
    pdf_heading: str = ""
    charts: bool = False  # draw the charts of the narrative (stages/charts.py)
    variant: Variant = field(default_factory=Variant)  # what of its format the bureau does not publish
    formats: Path | None = None  # a folder of the bureau's own format folders (README "Formats")

    @property
    def chart_face(self) -> str:
        """The face the charts' text is set in: the PDF's body face (宋体 unless the profile chose another)."""
        return self.pdf_body or "宋体"

    def title_for(self, year: int, bureau: str, default: str = DEFAULT_TITLE) -> str:
        """The document's title: this profile's pattern, else ``default`` (the format's), filled in."""
        return (self.title or default).replace("{year}", str(year)).replace("{bureau}", bureau)

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


def _text(data: dict[str, Any], key: str, path: Path, where: str = "", *, limit: int = 100) -> str:
    """The text at ``key``: refused, naming the file and key, when it is not text, holds a control
    character (which no DOCX can hold) or is longer than ``limit`` characters."""
    value = data.get(key, "")
    if not isinstance(value, str):
        raise ProfileError(f"{path}：{where}{key} 应为文字（加引号），实为 {value!r}")
    for ch in value:
        if unicodedata.category(ch) in ("Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"):
            raise ProfileError(
                f"{path}：{where}{key} 含有控制字符或不可见字符 U+{ord(ch):04X}，请删去（实为 {value!r}）"
            )
    value = value.strip()
    if len(value) > limit:
        raise ProfileError(f"{path}：{where}{key} 过长（{len(value)} 个字符，最多 {limit} 个）")
    return value


def _font(data: dict[str, Any], key: str, path: Path, where: str) -> str:
    """A font name at ``key``: text of at most ``FONT_NAME_MAX`` characters, letters, digits, spaces and _-.()+&."""
    name = _text(data, key, path, where, limit=FONT_NAME_MAX)
    if name and not _FONT_NAME.fullmatch(name):
        bad = "".join(sorted({ch for ch in name if not _FONT_NAME.fullmatch(ch)}))
        raise ProfileError(
            f"{path}：{where}{key} 不是字体名称：不能含有 {bad!r}"
            f"（字体名称只含文字、数字、空格和 _-.()+&），实为 {name!r}"
        )
    return name


def _check_title(title: str, path: Path) -> None:
    """The title pattern must fill, with the longest 部门名称 and a year, to what a DOCX's title property holds."""
    longest = len(title.replace("{year}", "2024").replace("{bureau}", "某" * BUREAU_MAX))
    if longest > CORE_PROPERTY_MAX:
        raise ProfileError(
            f"{path}：title 过长：填入部门名称（最多 {BUREAU_MAX} 字）和年度后可达 {longest} 个字符，"
            f"文档属性的标题最多 {CORE_PROPERTY_MAX} 个字符"
        )


VARIANT_KEYS = ("drop_tables", "drop_sections", "drop_glossary")


def _variant(data: dict[str, Any], path: Path) -> Variant:
    """The ``[format]`` section: lists of names, each checked against the format when it is applied."""
    unknown = sorted(set(data) - set(VARIANT_KEYS))
    if unknown:
        raise ProfileError(f"{path}：[format] 不认识 {', '.join(unknown)}（可用：{', '.join(VARIANT_KEYS)}）")
    lists = {}
    for key in VARIANT_KEYS:
        value = data.get(key, [])
        if not isinstance(value, list):
            raise ProfileError(f'{path}：[format] {key} 应为列表（如 ["YS13"]），实为 {value!r}')
        lists[key] = tuple(_text({key: item}, key, path, "[format] ") for item in value)
    return Variant(lists["drop_tables"], lists["drop_sections"], lists["drop_glossary"], str(path))


def _formats(data: dict[str, Any], folder: Path, path: Path) -> Path | None:
    """``formats``: a folder of the bureau's own formats, inside the templates folder once links are resolved."""
    name = _text(data, "formats", path, limit=200)
    if not name:
        return None
    inside = folder.resolve()
    target = (folder / name).resolve()
    if target != inside and inside not in target.parents:
        raise ProfileError(f"{path}：formats 应为本文件夹中的文件夹，“{name}”在文件夹之外")
    if not target.is_dir():
        raise ProfileError(f"{path}：formats 所指的文件夹“{name}”不存在")
    return target


def load_profile(folder: Path | None) -> Profile:
    """The profile in ``folder`` (a bureau's template folder), or the built-in one."""
    from generator.render.sandbox import bureau_file

    found = bureau_file(folder, PROFILE_FILE) if folder is not None else None  # raises OutsideFolder for a link out
    if folder is None or found is None:
        return Profile()
    path = folder / PROFILE_FILE
    try:
        data = tomllib.loads(found.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ProfileError(f"{path}：格式不对（{exc}）") from None
    known = {"title", "fiscal_level", "charts", "docx", "pdf", "format", "formats"}
    unknown = sorted(set(data) - known)
    if unknown:
        raise ProfileError(f"{path}：不认识的设置 {', '.join(unknown)}（可用：{', '.join(sorted(known))}）")
    title = _text(data, "title", path, limit=CORE_PROPERTY_MAX)
    leftover = title.replace("{year}", "").replace("{bureau}", "")
    if "{" in leftover or "}" in leftover:
        raise ProfileError(f"{path}：title 只能使用 {{year}} 和 {{bureau}}，实为 {title!r}")
    _check_title(title, path)
    docx_fonts = _table(_table(data, "docx", path), "fonts", path)
    unknown = sorted(set(docx_fonts) - set(DOCX_FONT_ROLES))
    if unknown:
        raise ProfileError(f"{path}：[docx.fonts] 不认识 {', '.join(unknown)}（可用：{', '.join(DOCX_FONT_ROLES)}）")
    fonts = {key: _font(docx_fonts, key, path, "[docx.fonts] ") for key in DOCX_FONT_ROLES if docx_fonts.get(key)}
    pdf_fonts = _table(_table(data, "pdf", path), "fonts", path)
    chosen = {}
    for key in ("body", "heading"):
        face = _text(pdf_fonts, key, path, "[pdf.fonts] ", limit=FONT_NAME_MAX)
        if face and face not in PDF_FACES:
            raise ProfileError(f"{path}：[pdf.fonts] {key} 应为 {'、'.join(PDF_FACES)} 之一，实为 {face!r}")
        chosen[key] = face
    charts = data.get("charts", False)
    if not isinstance(charts, bool):
        raise ProfileError(f"{path}：charts 应为 true 或 false（不加引号），实为 {charts!r}")
    return Profile(
        variant=_variant(_table(data, "format", path), path),
        formats=_formats(data, folder, path),
        title=title,
        charts=charts,
        fiscal_level=_text(data, "fiscal_level", path, limit=FISCAL_LEVEL_MAX),
        docx_fonts=fonts,
        pdf_body=chosen["body"],
        pdf_heading=chosen["heading"],
    )
