"""Turn a declaration file's YAML text into checked plain values, refusing the undeclared with file, line and key.

A format's files are YAML read as a node tree (``yaml.compose``, PyYAML's public API), never with
YAML's own typing: every value is typed here by the shape that declares it (``Shape``/``Key``), so a
code written 02 stays the text "02" and a word like no stays a word. Every node carries its line,
so a message can say where the value is: ``tables.yaml 第 12 行 tables[3].columns[2].kind：…``.

The shapes are data too: the README's section on formats is written from them
(``tools/readme_formats.py``), and a test keeps the two equal.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from generator.errors import BudgetError

MAX_FILE_BYTES = 1_000_000  # a declaration file is text a person writes: a megabyte is far beyond any
# libyaml's loader where PyYAML was built with it (its wheels are): the same nodes and marks, 5× faster
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
MAX_NODES = 200_000  # values visited in one file, aliases counted each time (a YAML "billion laughs" stops here)


class FormatError(BudgetError):
    """A format's declarations cannot be used; the message names the file, the line and the key."""


@dataclass(frozen=True)
class Key:
    """One key of a declared mapping: its type, whether it must be given, and what it means."""

    name: str
    # text, int, number, bool, texts, numbers, pairs ([a, b] each), map, list, sums (parent: [parts]),
    # measures (name: column),
    # columns, header, column_sets, header_sets
    kind: str
    meaning: str
    required: bool = False
    default: Any = None
    shape: str = ""  # for kind "map" and "list": the shape of the value (of each item)
    choices: tuple[str, ...] = ()


@dataclass(frozen=True)
class Shape:
    """A declared mapping: its keys in the order the README lists them."""

    name: str
    meaning: str
    keys: tuple[Key, ...]

    def key(self, name: str) -> Key | None:
        return next((k for k in self.keys if k.name == name), None)


@dataclass
class Reader:
    """Reads one file's node tree against the shapes; counts the nodes it visits."""

    file: Path
    shapes: dict[str, Shape]
    visited: int = 0
    column_sets: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    header_sets: dict[str, list[list[dict[str, Any]]]] = field(default_factory=dict)
    lines: dict[str, int] = field(default_factory=dict)  # key path → line, for messages after reading

    def fail(self, node: yaml.Node | None, path: str, message: str) -> FormatError:
        line = node.start_mark.line + 1 if node is not None else 1
        where = f"{path}：" if path else ""
        return FormatError(f"{self.file.name} 第 {line} 行 {where}{message}（{self.file}）")

    def where(self, path: str) -> str:
        """ "tables.yaml 第 12 行 tables[3].code" for a key path read earlier."""
        return f"{self.file.name} 第 {self.lines.get(path, 1)} 行 {path}"

    def _visit(self, node: yaml.Node, path: str) -> None:
        self.visited += 1
        if self.visited > MAX_NODES:
            raise self.fail(node, path, f"值过多（超过 {MAX_NODES} 个，别名也逐次计入）")
        self.lines[path] = node.start_mark.line + 1

    def scalar(self, node: yaml.Node, path: str, what: str) -> str:
        self._visit(node, path)
        if not isinstance(node, yaml.ScalarNode):
            raise self.fail(node, path, f"应为{what}，实为{_node_kind(node)}")
        return str(node.value)

    def text(self, node: yaml.Node, path: str) -> str:
        return self.scalar(node, path, "文字")

    def integer(self, node: yaml.Node, path: str) -> int:
        raw = self.scalar(node, path, "整数").strip()
        if not re.fullmatch(r"-?\d{1,9}", raw):
            raise self.fail(node, path, f"应为整数，实为“{raw}”")
        return int(raw)

    def number(self, node: yaml.Node, path: str) -> float:
        raw = self.scalar(node, path, "数字").strip()
        if not re.fullmatch(r"\d{1,6}(\.\d{1,6})?", raw):
            raise self.fail(node, path, f"应为数字（如 12 或 7.5），实为“{raw}”")
        return float(raw)

    def boolean(self, node: yaml.Node, path: str) -> bool:
        raw = self.scalar(node, path, "true 或 false").strip().lower()
        if raw not in ("true", "false"):
            raise self.fail(node, path, f"应为 true 或 false，实为“{raw}”")
        return raw == "true"

    def seq(self, node: yaml.Node, path: str) -> list[yaml.Node]:
        self._visit(node, path)
        if not isinstance(node, yaml.SequenceNode):
            raise self.fail(node, path, f"应为列表（每项一行“- ”或 [..]），实为{_node_kind(node)}")
        return list(node.value)

    def pairs(self, node: yaml.Node, path: str) -> list[tuple[str, yaml.Node, yaml.Node]]:
        """A mapping's (key, key node, value node) in file order; a key given twice is refused."""
        self._visit(node, path)
        if not isinstance(node, yaml.MappingNode):
            raise self.fail(node, path, f"应为一组“键: 值”，实为{_node_kind(node)}")
        seen: set[str] = set()
        out = []
        for key_node, value_node in node.value:
            key = self.scalar(key_node, path, "键")
            if key == "<<":
                raise self.fail(key_node, path, "不支持合并键“<<”：请写出每个键，或用 use 引用列的集合")
            if key in seen:
                raise self.fail(key_node, _join(path, key), "重复的键")
            seen.add(key)
            out.append((key, key_node, value_node))
        return out

    def value(self, key: Key, node: yaml.Node, path: str) -> Any:
        kind = key.kind
        if kind == "text":
            value: Any = self.text(node, path)
            if key.choices and value not in key.choices:
                raise self.fail(node, path, f"应为{_choices(key)}，实为“{value}”")
            return value
        if kind == "int":
            return self.integer(node, path)
        if kind == "number":
            return self.number(node, path)
        if kind == "bool":
            return self.boolean(node, path)
        if kind == "pairs":  # [[a, b], …]: a chart's [label, figure] parts
            twos = []
            for i, item in enumerate(self.seq(node, path)):
                pair = [self.text(t, f"{path}[{i}][{j}]") for j, t in enumerate(self.seq(item, f"{path}[{i}]"))]
                if len(pair) != 2:
                    raise self.fail(item, f"{path}[{i}]", f"应为两项 [名称, 数字]，实为 {len(pair)} 项")
                twos.append((pair[0], pair[1]))
            return twos
        if kind == "texts":
            return [self.text(item, f"{path}[{i}]") for i, item in enumerate(self.seq(node, path))]
        if kind == "map":
            return self.mapping(node, path, self.shapes[key.shape])
        if kind == "list":
            shape = self.shapes[key.shape]
            return [self.mapping(item, f"{path}[{i}]", shape) for i, item in enumerate(self.seq(node, path))]
        if kind == "sums":  # parent: [parts], in order
            out = []
            for name, _, v in self.pairs(node, path):
                here = _join(path, name)
                out.append((name, [self.text(p, f"{here}[{j}]") for j, p in enumerate(self.seq(v, here))]))
            return out
        if kind == "measures":  # measure: column, each measure one of the key's choices
            measures: list[tuple[str, str]] = []
            for name, name_node, v in self.pairs(node, path):
                if name not in key.choices:
                    raise self.fail(name_node, _join(path, name), f"应为{_choices(key)}，实为“{name}”")
                measures.append((name, self.text(v, _join(path, name))))
            return measures
        if kind == "figures":  # name: expression, or name: {value: …, prior: …}
            figures = []
            for name, _, value in self.pairs(node, path):
                here = _join(path, name)
                if isinstance(value, yaml.ScalarNode):
                    item = {k.name: k.default for k in self.shapes["figure"].keys}
                    item["value"] = self.text(value, here)
                    item["_line"] = value.start_mark.line + 1
                    item["_path"] = here
                else:
                    item = self.mapping(value, here, self.shapes["figure"])
                figures.append((name, item))
            return figures
        if kind == "lists":
            return [
                (name, self.mapping(v, _join(path, name), self.shapes["list"])) for name, _, v in self.pairs(node, path)
            ]
        if kind == "numbers":
            return [self.number(item, f"{path}[{i}]") for i, item in enumerate(self.seq(node, path))]
        if kind == "columns":
            return self.columns(node, path)
        if kind == "header":
            return self.header(node, path)
        if kind == "column_sets":
            for name, _, value in self.pairs(node, path):
                self.column_sets[name] = self.columns(value, _join(path, name))
            return dict(self.column_sets)
        if kind == "header_sets":
            for name, _, value in self.pairs(node, path):
                self.header_sets[name] = self.header(value, _join(path, name))
            return dict(self.header_sets)
        raise AssertionError(kind)

    def mapping(self, node: yaml.Node, path: str, shape: Shape) -> dict[str, Any]:
        """A mapping of ``shape``: unknown keys and missing required keys refused, defaults filled in.

        Values are read in the shape's order, not the file's: a column set is known before the
        tables that use it, wherever the file puts it.
        """
        given: dict[str, yaml.Node] = {}
        for name, key_node, value_node in self.pairs(node, path):
            if shape.key(name) is None:
                known = "、".join(k.name for k in shape.keys)
                raise self.fail(key_node, _join(path, name), f"不认识的键（{shape.name} 可用：{known}）")
            given[name] = value_node
        out: dict[str, Any] = {}
        for key in shape.keys:
            if key.name in given:
                out[key.name] = self.value(key, given[key.name], _join(path, key.name))
            elif key.required:
                allowed = f"，应为{_choices(key)}" if key.choices else ""
                raise self.fail(node, path, f"缺少 {key.name}（{key.meaning}）{allowed}")
            else:
                out[key.name] = key.default
        out["_line"] = node.start_mark.line + 1
        out["_path"] = path
        return out

    def columns(self, node: yaml.Node, path: str) -> list[dict[str, Any]]:
        """A table's columns: column mappings, and ``use: NAME`` items replaced by that column set."""
        out: list[dict[str, Any]] = []
        for i, item in enumerate(self.seq(node, path)):
            here = f"{path}[{i}]"
            if isinstance(item, yaml.MappingNode) and [self.scalar(k, here, "键") for k, _ in item.value] == ["use"]:
                name = self.text(item.value[0][1], _join(here, "use"))
                if name not in self.column_sets:
                    known = "、".join(self.column_sets) or "（没有）"
                    raise self.fail(item, _join(here, "use"), f"没有名为“{name}”的列集合（column_sets 有：{known}）")
                out += self.column_sets[name]
            else:
                out.append(self.mapping(item, here, self.shapes["column"]))
        return out

    def header(self, node: yaml.Node, path: str) -> list[list[dict[str, Any]]]:
        """A header: rows of cells, or the name of a header set."""
        if isinstance(node, yaml.ScalarNode):
            name = self.text(node, path)
            if name not in self.header_sets:
                known = "、".join(self.header_sets) or "（没有）"
                raise self.fail(node, path, f"没有名为“{name}”的表头（header_sets 有：{known}）")
            return self.header_sets[name]
        cell = self.shapes["header_cell"]
        return [
            [self.mapping(c, f"{path}[{i}][{j}]", cell) for j, c in enumerate(self.seq(row, f"{path}[{i}]"))]
            for i, row in enumerate(self.seq(node, path))
        ]


def _join(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


def _choices(key: Key) -> str:
    """ " code、text、amount、choice 之一", or the one value allowed (" 万元")."""
    if len(key.choices) == 1:
        return f" {key.choices[0]}"
    return f" {'、'.join(key.choices)} 之一"


def _node_kind(node: yaml.Node) -> str:
    if isinstance(node, yaml.MappingNode):
        return "一组“键: 值”"
    if isinstance(node, yaml.SequenceNode):
        return "列表"
    return f"“{node.value}”"


def compose(path: Path, read: Callable[[], bytes]) -> yaml.Node:
    """The node tree of the YAML file named ``path`` (its bytes given by ``read``), or ``FormatError``."""
    try:
        data = read()
    except FileNotFoundError:
        raise FormatError(f"找不到格式文件 {path}") from None
    except OSError as exc:
        raise FormatError(f"无法读取格式文件 {path}（{exc.strerror or exc}）") from None
    if len(data) > MAX_FILE_BYTES:
        raise FormatError(f"{path.name}：文件过大（{len(data)} 字节，最多 {MAX_FILE_BYTES} 字节）（{path}）")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:  # the line, and the byte as a hex editor counts it (from 1)
        line = data[: exc.start].count(b"\n") + 1
        raise FormatError(
            f"{path.name} 第 {line} 行：不是 UTF-8 编码的文字（第 {exc.start + 1} 个字节），请存为 UTF-8（{path}）"
        ) from None
    try:
        try:
            node = yaml.compose(text, Loader=_LOADER)
        except yaml.YAMLError:  # read again by the Python loader, whose messages say more (and the same everywhere)
            node = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else 1
        problem = exc.problem or exc.context
        raise FormatError(f"{path.name} 第 {line} 行：YAML 格式不对（{problem}）（{path}）") from None
    except yaml.YAMLError as exc:
        raise FormatError(f"{path.name}：YAML 格式不对（{exc}）（{path}）") from None
    if node is None:
        raise FormatError(f"{path.name}：文件是空的（{path}）")
    return node
