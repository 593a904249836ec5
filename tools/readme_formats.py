"""Turn the declared shapes of a format folder into README.md's reference of formats (between its formats markers).

Every key of every file of a format folder is declared once, in ``generator/formats/shapes.py``,
with its type, default and meaning; the README's reference under "Formats" is made from them and
from the built-in formats. Run ``python tools/readme_formats.py`` after changing a shape or a
built-in format; tests/test_formats.py fails while the README's reference differs.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tools"))

from readme_section import between, rewrite  # noqa: E402

from generator.formats import builtin, builtin_names  # noqa: E402
from generator.formats.declare import Key  # noqa: E402
from generator.formats.shapes import FILES, ROW_GRAMMAR_COLUMNS, ROW_GRAMMARS, SHAPES  # noqa: E402

BEGIN = "<!-- formats:begin -->"
END = "<!-- formats:end -->"

# A key's type as the person writing the YAML reads it (``declare.Reader.value`` reads each kind).
KIND_WORDS = {
    "text": "文字",
    "int": "整数",
    "number": "数字",
    "bool": "true 或 false",
    "texts": "文字的列表",
    "pairs": "列表，每项 `[文字, 文字]`",
    "numbers": "数字的列表",
    "sums": "一组“文字: 文字的列表”",
    "measures": "一组“度量: 列”",
    "columns": "列表，每项一个 `column` 或 `use: 名称`",
    "header": "行的列表，每行是 `header_cell` 的列表；或表头集合的名称",
    "column_sets": "一组“名称: 列的列表”（同 `columns`）",
    "header_sets": "一组“名称: 表头”（同 `header`）",
    "figures": "一组“名称: 公式”，或“名称: `figure`”",
    "lists": "一组“名称: `list`”",
}
# The shapes that kinds other than map and list read their items with (``declare.Reader.columns``, ``header``).
KIND_SHAPES = {
    "columns": "column",
    "column_sets": "column",
    "header": "header_cell",
    "header_sets": "header_cell",
    "figures": "figure",
    "lists": "list",
}


def _row(*cells: object) -> str:
    """A table row; a cell holding a | or a line break would break the table, so it is refused."""
    for cell in cells:
        if "|" in str(cell) or "\n" in str(cell):
            raise ValueError(f"a README table cell cannot hold a | or a line break: {cell!r}")
    return "| " + " | ".join(str(c) for c in cells) + " |"


def _code(value: str) -> str:
    return f"`{value}`"


def _type(key: Key) -> str:
    if key.kind == "map":
        return f"一组“键: 值”（{_code(key.shape)}）"
    if key.kind == "list":
        return f"列表，每项一个 {_code(key.shape)}"
    return KIND_WORDS[key.kind]


def _default(value: Any) -> str:
    if value is True or value is False:
        return _code(str(value).lower())
    if value == "" or value == [] or value == {}:
        return "空"
    if isinstance(value, float) and value.is_integer():
        return _code(str(int(value)))
    return _code(str(value))


def _meaning(key: Key) -> str:
    if key.choices:
        return f"{key.meaning}: one of {', '.join(_code(c) for c in key.choices)}"
    return key.meaning


def _used_in() -> dict[str, list[str]]:
    """Each shape's places: the keys whose values (or their items) it reads, as ``shape.key``."""
    places: dict[str, list[str]] = {name: [] for name in SHAPES}
    for shape in SHAPES.values():
        for key in shape.keys:
            inner = key.shape if key.kind in ("map", "list") else KIND_SHAPES.get(key.kind)
            if inner:
                places[inner].append(f"{shape.name}.{key.name}")
    return places


def formats_markdown() -> str:
    """The reference: a format folder's files, each shape's keys, the row grammars, the built-in formats."""
    lines = [
        "### The files of a format folder",
        "",
        "| file | shape | what it declares |",
        "|---|---|---|",
    ]
    lines += [_row(_code(file), _code(shape), what) for file, shape, what in FILES]
    lines += ["", "### The keys of each shape", ""]
    places = _used_in()
    for shape in SHAPES.values():
        where = ", ".join(_code(p) for p in places[shape.name])
        lines += [
            f"**{_code(shape.name)}**: {shape.meaning}" + (f" (in {where})" if where else ""),
            "",
            "| key | type | default | meaning |",
            "|---|---|---|---|",
        ]
        for key in shape.keys:
            default = "**必填**" if key.required else _default(key.default)
            lines.append(_row(_code(key.name), _type(key), default, _meaning(key)))
        lines.append("")
    lines += [
        "### Row grammars (a table's `rows`)",
        "",
        "| grammar | its rows | columns it needs |",
        "|---|---|---|",
    ]
    for grammar, rows in ROW_GRAMMARS.items():
        needs = ", ".join(_code(c) for c in ROW_GRAMMAR_COLUMNS[grammar]) or "—"
        lines.append(_row(_code(grammar), rows, needs))
    lines += [
        "",
        "### Built-in formats",
        "",
        "| name | title | tables | sections | tables a bureau may drop |",
        "|---|---|---|---|---|",
    ]
    for name in builtin_names():
        fmt = builtin(name)
        optional = "、".join(t.code for t in fmt.tables if t.optional) or "—"
        lines.append(_row(_code(name), fmt.title, len(fmt.tables), len(fmt.section_ids), optional))
    return "\n".join(lines) + "\n"


def with_formats(readme: str) -> str:
    """``readme`` with the text between the markers replaced by the reference made from the shapes."""
    return between(readme, BEGIN, END, formats_markdown(), "reference of formats")


def main() -> None:
    rewrite(with_formats, "reference of formats")


if __name__ == "__main__":
    main()
