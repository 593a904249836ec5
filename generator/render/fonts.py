"""The free CJK fonts the documents are set in: which Debian file stands for each face, found on disk.

The PDF embeds them (``pdf.py``'s @font-face rules) and the charts draw with them (``charts.py``),
so both read this one table. No library is imported here: a DOCX-only render stays light.
"""

from __future__ import annotations

import functools
import pathlib
from dataclasses import dataclass


@dataclass(frozen=True)
class Face:
    family: str
    weight: int
    package: str
    candidates: tuple[str, ...]
    required: bool  # a bold face is optional; the regular one is not


# Where Debian puts the free stand-ins for the fonts a clerk's machine has (domain.md §6).
# Noto CJK ships as .ttc collections whose first face is the JP one. WeasyPrint registers every face
# of the file under the family's name; the document's lang="zh-CN" makes fontconfig pick the SC face
# (simplified-Chinese punctuation), so the stylesheet must not override the language (style.css).
FACES: tuple[Face, ...] = (
    Face("BR Song", 400, "fonts-noto-cjk", ("/usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc",), True),
    Face("BR Song", 700, "fonts-noto-cjk", ("/usr/share/fonts/opentype/noto/NotoSerifCJK-Bold.ttc",), False),
    Face("BR Hei", 400, "fonts-noto-cjk", ("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",), True),
    Face("BR Hei", 700, "fonts-noto-cjk", ("/usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc",), False),
    Face(
        "BR Kai",
        400,
        "fonts-lxgw-wenkai",
        (
            "/usr/share/fonts/truetype/lxgw-wenkai/LXGWWenKai-Regular.ttf",
            "/usr/share/fonts/truetype/lxgw-wenkai/LXGWWenKai-Regular.otf",
        ),
        True,
    ),
    Face(
        "BR Kai",
        700,
        "fonts-lxgw-wenkai",
        (
            "/usr/share/fonts/truetype/lxgw-wenkai/LXGWWenKai-Bold.ttf",
            "/usr/share/fonts/truetype/lxgw-wenkai/LXGWWenKai-Bold.otf",
        ),
        False,
    ),
    Face("BR FangSong", 400, "fonts-cwtex-fs", ("/usr/share/fonts/truetype/cwtex/cwfs.ttf",), True),
)


@functools.cache
def font_files() -> dict[tuple[str, int], pathlib.Path]:
    """The installed file of each face, by (family, weight)."""
    found: dict[tuple[str, int], pathlib.Path] = {}
    for face in FACES:
        path = next((pathlib.Path(p) for p in face.candidates if pathlib.Path(p).is_file()), None)
        if path is not None:
            found[(face.family, face.weight)] = path.resolve()
        elif face.required:
            raise RuntimeError(
                f"找不到字体“{face.family}”的字体文件（{face.candidates[0]}）："
                f"请安装 Debian 软件包 {face.package}（apt-get install {face.package}）。"
            )
    return found
