"""Turn a format folder (built in, or a bureau's own) into a checked ``Format``, naming a bad declaration's line.

A format folder holds the files of ``shapes.FILES``. Each file is read against its shape
(``declare.py``); then what one value says about another is checked: a table's header spans its
columns, a sum names amount columns of its table, the 附件 lists known tables once each, section
ids are unique. The built-in formats live in this package (``generator/formats/<name>/``) and are
read with ``importlib.resources``, so an installed wheel has them.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import cache, partial
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import Any

from generator.formats.declare import FormatError, Reader, compose
from generator.formats.shapes import FILES, ROW_GRAMMAR_COLUMNS, SHAPES, TABLE_ROLES
from generator.formats.spec import Column, Fact, Format, HeaderCell, Part, PriorFigure, Section, TableSpec, place_header

DEFAULT = "henan"  # the format of a workbook that names none: every workbook made before formats existed
_NAME = re.compile(r"[a-z][a-z0-9_-]{0,39}")
_KEY = re.compile(r"[a-z][a-z0-9_]{0,39}")
_PLACEHOLDER = re.compile(r"\{([^{}]*)\}")
_ROW_KINDS = ("total", "sum", "unit", "item", "class", "project", "continuation", "line", "entry")


def builtin_names() -> tuple[str, ...]:
    """The formats shipped in the package, by name."""
    root = resources.files("generator.formats")
    return tuple(sorted(p.name for p in root.iterdir() if p.is_dir() and p.joinpath("format.yaml").is_file()))


@cache
def builtin(name: str) -> Format:
    """A built-in format, read and checked once a process."""
    if name not in builtin_names():
        raise FormatError(f"没有名为“{name}”的内置公开格式（可用：{'、'.join(builtin_names())}）")
    return read_folder(resources.files("generator.formats").joinpath(name), f"generator/formats/{name}")


def read_folder(folder: Traversable | Path, label: str | None = None) -> Format:
    """The format declared in ``folder``: every file read against its shape, then cross-checked."""
    label = label or str(folder)
    readers: dict[str, Reader] = {}
    data: dict[str, dict[str, Any]] = {}
    for file, shape, _ in FILES:
        path = folder.joinpath(file)
        reader = Reader(Path(label) / file, SHAPES)
        node = compose(Path(label) / file, partial(_read, path))
        data[file] = reader.mapping(node, "", SHAPES[shape])
        readers[file] = reader
    return _build(data, readers, label)


def _read(path: Traversable | Path) -> bytes:
    if not path.is_file():
        raise FileNotFoundError(str(path))
    return path.read_bytes()


def _fail(reader: Reader, item: dict[str, Any], key: str, message: str) -> FormatError:
    path = f"{item['_path']}.{key}" if item["_path"] else key
    line = reader.lines.get(path, item["_line"])
    return FormatError(f"{reader.file.name} 第 {line} 行 {path}：{message}（{reader.file}）")


def _unique(reader: Reader, items: Iterable[dict[str, Any]], key: str, what: str) -> None:
    seen: set[str] = set()
    for item in items:
        value = item[key]
        if value in seen:
            raise _fail(reader, item, key, f"{what}“{value}”重复")
        seen.add(value)


def _placeholders(reader: Reader, item: dict[str, Any], key: str, allowed: tuple[str, ...]) -> None:
    for name in _PLACEHOLDER.findall(item[key]):
        if name not in allowed:
            known = "、".join("{" + a + "}" for a in allowed)
            raise _fail(reader, item, key, f"不认识的占位符 {{{name}}}（可用：{known}）")


def _table(reader: Reader, t: dict[str, Any]) -> TableSpec:
    _unique(reader, t["columns"], "key", "列名")
    for column in t["columns"]:
        if not _KEY.fullmatch(column["key"]):
            raise _fail(reader, column, "key", f"列名“{column['key']}”只能含小写字母、数字和 _，以字母开头")
        if column["kind"] == "choice" and not column["choices"]:
            raise _fail(reader, column, "choices", "kind 为 choice 的列须列出 choices")
    columns = tuple(
        Column(c["key"], c["label"], c["kind"], c["width"], c["printed"], tuple(c["choices"]), c["hint"], c["digits"])
        for c in t["columns"]
    )
    header = tuple(tuple(HeaderCell(c["text"], c["colspan"], c["rowspan"]) for c in row) for row in t["header"])
    where = t["_path"]
    for row in t["header"]:
        for c in row:
            if c["colspan"] < 1 or c["rowspan"] < 1:
                raise _fail(reader, c, "colspan" if c["colspan"] < 1 else "rowspan", "跨度至少为 1")
    slots = {
        (r + dr, col + dc)
        for r, col, cell in place_header(header)
        for dr in range(cell.rowspan)
        for dc in range(cell.colspan)
    }
    height = len(header)
    if not header or slots != {(r, col) for r in range(height) for col in range(len(columns))}:
        raise FormatError(
            f"{reader.where(where + '.header')}：表头没有恰好铺满 {height} 行 × {len(columns)} 列"
            f"（每列须有表头，跨度不能超出表格）（{reader.file}）"
        )
    printed = sum(1 for c in columns if c.printed)
    if t["widths"] and len(t["widths"]) != printed:
        raise _fail(reader, t, "widths", f"应有 {printed} 个宽度（每个公开的列一个），实为 {len(t['widths'])} 个")
    amounts = {c.key for c in columns if c.kind == "amount"}
    listed = "、".join(c.key for c in columns if c.kind == "amount") or "没有"  # in the table's order
    for name in ("sums", "sangong"):
        for parent, parts in t[name]:
            # a 三公 column's parts are 经济分类 款 codes, not columns
            for column in [parent, *parts] if name == "sums" else [parent]:
                if column not in amounts:
                    raise FormatError(
                        f"{reader.where(f'{where}.{name}.{parent}')}：“{column}”不是本表的金额列"
                        f"（金额列：{listed}）（{reader.file}）"
                    )
    for kind in t["detail"]:
        if kind not in _ROW_KINDS:
            raise _fail(reader, t, "detail", f"不认识的行类型“{kind}”（可用：{'、'.join(_ROW_KINDS)}）")
    keys = {c.key for c in columns}
    missing = [k for k in ROW_GRAMMAR_COLUMNS[t["rows"]] if k not in keys]
    if missing:
        raise _fail(reader, t, "rows", f"行的语法 {t['rows']} 需要列 {'、'.join(missing)}")
    return TableSpec(
        code=t["code"],
        title=t["title"],
        columns=columns,
        header=header,
        hint=t["hint"],
        derived=t["derived"],
        optional=t["optional"],
        empty_note=t["empty_note"],
        landscape=t["landscape"],
        widths=tuple(t["widths"]),
        footnote=t["footnote"],
        sums=tuple((p, tuple(parts)) for p, parts in t["sums"]),
        detail=tuple(t["detail"]),
        sangong=tuple((p, tuple(parts)) for p, parts in t["sangong"]),
        rows=t["rows"],
        unit=t["unit"],
        kind=t["kind"],
        role=t["role"],
    )


def _build(data: dict[str, dict[str, Any]], readers: dict[str, Reader], label: str) -> Format:
    head, head_reader = data["format.yaml"], readers["format.yaml"]
    if not _NAME.fullmatch(head["name"]):
        raise _fail(head_reader, head, "name", f"名称“{head['name']}”只能含小写字母、数字、- 和 _，以字母开头")
    tr = readers["tables.yaml"]
    tables = data["tables.yaml"]["tables"]
    _unique(tr, tables, "code", "表号")
    _unique(tr, tables, "role", "role")
    specs = tuple(_table(tr, t) for t in tables)
    missing = [role for role in TABLE_ROLES if role not in {s.role for s in specs}]
    if missing:
        raise FormatError(
            f"{tr.where('tables')}：{head['kind']} 格式须为每个 role 各有一张表，缺少 {'、'.join(missing)}"
            f"（{TABLE_ROLES[missing[0]]}）（{tr.file}）"
        )
    codes = {s.code for s in specs}

    wr, wb = readers["workbook.yaml"], data["workbook.yaml"]
    _unique(wr, wb["facts"], "key", "事实的键")
    _unique(wr, wb["facts"], "label", "事实的标签")
    _unique(wr, wb["prior"], "key", "上年数的键")
    _unique(wr, wb["prior"], "label", "上年数的标签")
    facts = tuple(
        Fact(f["key"], f["label"], f["kind"], f["required"], f["hint"], f["default"], f["carry"]) for f in wb["facts"]
    )
    prior = tuple(PriorFigure(p["key"], p["label"], p["hint"]) for p in wb["prior"])

    dr, doc = readers["document.yaml"], data["document.yaml"]
    _unique(dr, doc["parts"], "id", "部分的 id")
    _unique(dr, [s for p in doc["parts"] for s in p["sections"]], "id", "节的 id")
    fact_keys, prior_keys = {f.key for f in facts}, {p.key for p in prior}
    for p in doc["parts"]:
        for s in p["sections"]:
            _placeholders(dr, s, "heading", ("bureau", "year"))
            for key, known in (("facts", fact_keys), ("prior", prior_keys)):
                for i, name in enumerate(s[key]):
                    if name not in known:
                        place = dr.where(f"{s['_path']}.{key}[{i}]")
                        raise FormatError(f"{place}：workbook.yaml 的 {key} 中没有“{name}”（{dr.file}）")
    seen: set[str] = set()
    for i, code in enumerate(doc["annex"]):
        path = f"annex[{i}]"
        if code not in codes:
            raise FormatError(
                f"{dr.where(path)}：tables.yaml 没有表“{code}”（有：{'、'.join(s.code for s in specs)}）（{dr.file}）"
            )
        if code in seen:
            raise FormatError(f"{dr.where(path)}：表“{code}”重复（{dr.file}）")
        seen.add(code)
    _unique(dr, doc["glossary"], "term", "名词")
    for g in doc["glossary"]:
        _placeholders(dr, g, "text", ("财政级次",))
    parts = tuple(
        Part(
            p["id"],
            tuple(
                Section(s["id"], s["heading"], s["toc"], tuple(s["facts"]), tuple(s["prior"])) for s in p["sections"]
            ),
        )
        for p in doc["parts"]
    )
    return Format(
        name=head["name"],
        title=head["title"],
        kind=head["kind"],
        unit=head["unit"],
        source=head["source"],
        tables=specs,
        facts=facts,
        prior=prior,
        parts=parts,
        annex=tuple(doc["annex"]),
        glossary=tuple((g["term"], g["text"]) for g in doc["glossary"]),
        folder=label,
    )
