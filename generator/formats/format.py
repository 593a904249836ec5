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
from dataclasses import dataclass
from functools import cache, partial
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import Any

from generator.formats import expr
from generator.formats.declare import FormatError, Reader, compose
from generator.formats.shapes import (
    CHECK_KINDS,
    CODE_MEASURES,
    DECLARED_FILES,
    FILES,
    ROW_GRAMMAR_COLUMNS,
    SHAPES,
    TABLE_ROLES,
)
from generator.formats.spec import (
    ChartDecl,
    CheckDecl,
    Column,
    Fact,
    FigureDecl,
    Format,
    HeaderCell,
    ListDecl,
    Part,
    PriorFigure,
    Section,
    SummaryColumn,
    TableSpec,
    place_header,
)

DEFAULT = "henan"  # the format of a workbook that names none: every workbook made before formats existed
_NAME = re.compile(r"[a-z][a-z0-9_-]{0,39}")
_KEY = re.compile(r"[a-z][a-z0-9_]{0,39}")
_PLACEHOLDER = re.compile(r"\{([^{}]*)\}")
_ROW_KINDS = ("total", "sum", "unit", "item", "class", "subclass", "project", "continuation", "line", "entry")


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
        if file in DECLARED_FILES and data["format.yaml"]["engine"] != "declared":
            continue  # Henan's engine computes its checks and figures in Python
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
        Column(
            c["key"],
            c["label"],
            c["kind"],
            c["width"],
            c["printed"],
            tuple(c["choices"]),
            c["hint"],
            c["digits"],
            c["from_budget"],
        )
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
    codes = [c.key for c in columns if c.kind == "code"]
    for level in t["levels"]:
        if level not in codes:
            raise _fail(reader, t, "levels", f"“{level}”不是本表的编码列（编码列：{'、'.join(codes) or '没有'}）")
    if len(t["levels"]) > 3:
        raise _fail(reader, t, "levels", "levels 最多三列（类、款、项）")
    if (t["rows"] == "tree") != bool(t["levels"]):
        raise _fail(reader, t, "levels", "rows 为 tree 的表须列出 levels（编码列，由外到内），其他的表不列")
    _measures(reader, t, columns)
    _placeholders(reader, t, "title", ("year",))
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
        right_half=tuple(t["right_half"]),
        rows=t["rows"],
        unit=t["unit"],
        kind=t["kind"],
        levels=tuple(t["levels"]),
        print_zero=t["print_zero"],
        role=t["role"],
        measures=tuple((name, column) for name, column in t["measures"]),
    )


def _measure_rows(name: str) -> tuple[str, ...]:
    """The row grammars a table giving or taking measure ``name`` may have: by code, or one line."""
    return ("tree", "subjects") if name in CODE_MEASURES else ("lines",)


def _measures(reader: Reader, t: dict[str, Any], columns: tuple[Column, ...]) -> None:
    """A table's ``measures`` name amount columns of it, a column's ``from_budget`` is an amount, and the
    table's rows suit the measure (by code: tree or subjects; one figure: lines)."""
    amounts = [c.key for c in columns if c.kind == "amount"]
    where = t["_path"]
    for name, column in t["measures"]:
        if column not in amounts:
            raise FormatError(
                f"{reader.where(f'{where}.measures.{name}')}：“{column}”不是本表的金额列"
                f"（金额列：{'、'.join(amounts) or '没有'}）（{reader.file}）"
            )
        if t["rows"] not in _measure_rows(name):
            raise _fail(
                reader,
                t,
                "measures",
                f"{name} 须由 rows 为 {' 或 '.join(_measure_rows(name))} 的表给出，本表为 {t['rows']}",
            )
    for c, column in zip(t["columns"], columns, strict=True):
        if not column.from_budget:
            continue
        if column.kind != "amount":
            raise _fail(reader, c, "from_budget", f"只有金额列可以取预算工作簿的数字，本列为 {column.kind}")
        if t["rows"] not in _measure_rows(column.from_budget):
            rows = " 或 ".join(_measure_rows(column.from_budget))
            raise _fail(
                reader, c, "from_budget", f"{column.from_budget} 须用于 rows 为 {rows} 的表，本表为 {t['rows']}"
            )


def _build(data: dict[str, dict[str, Any]], readers: dict[str, Reader], label: str) -> Format:
    head, head_reader = data["format.yaml"], readers["format.yaml"]
    if not _NAME.fullmatch(head["name"]):
        raise _fail(head_reader, head, "name", f"名称“{head['name']}”只能含小写字母、数字、- 和 _，以字母开头")
    tr = readers["tables.yaml"]
    tables = data["tables.yaml"]["tables"]
    _unique(tr, tables, "code", "表号")
    _unique(tr, [t for t in tables if t["role"]], "role", "role")
    specs = tuple(_table(tr, t) for t in tables)
    given: dict[str, str] = {}
    for spec, t in zip(specs, tables, strict=True):
        for name, _column in spec.measures:
            if name in given:
                raise _fail(tr, t, "measures", f"度量 {name} 已由表 {given[name]} 给出：每个度量只由一张表给出")
            given[name] = spec.code
    missing = [role for role in TABLE_ROLES if role not in {s.role for s in specs}]
    if head["engine"] == "henan" and missing:
        raise FormatError(
            f"{tr.where('tables')}：按河南的引擎（engine: henan）计算的格式须为每个 role 各有一张表，"
            f"缺少 {'、'.join(missing)}（{tr.file}）"
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
    kinds = {f.key: f.kind for f in facts}
    for key, kind in (("bureau", "text"), ("year", "year")):
        if kinds.get(key) != kind:
            raise FormatError(
                f"{wr.where('facts')}：须有键为 {key}、kind 为 {kind} 的基本信息"
                f"（部门名称、预算年度：文档和检查都要用）（{wr.file}）"
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
    if head["annex_numbers"] == "chinese" and len(doc["annex"]) > 99:
        raise _fail(dr, doc, "annex", "附件最多 99 张表")
    _placeholders(head_reader, head, "document_title", ("year", "bureau"))
    for i, meta in enumerate(head["table_meta"]):
        _placeholders(
            head_reader,
            {"m": meta, "_path": f"table_meta[{i}]", "_line": head["_line"]},
            "m",
            ("bureau", "year", "code", "unit"),
        )
    checks: tuple[CheckDecl, ...] = ()
    figures: tuple[FigureDecl, ...] = ()
    lists: tuple[ListDecl, ...] = ()
    shares: tuple[tuple[str, str, str], ...] = ()
    charts: tuple[ChartDecl, ...] = ()
    summary: tuple[SummaryColumn, ...] = ()
    if head["engine"] == "declared":
        names = expr.Names(
            {s.code: s.amount_keys() for s in specs},
            tuple(f.key for f in facts if f.kind in ("amount", "count")),
            tuple(p.key for p in prior),
        )
        checks = _checks(readers["checks.yaml"], data["checks.yaml"]["checks"], specs, names)
        figures, lists, shares = _figures(readers["figures.yaml"], data["figures.yaml"], specs, names, facts, prior)
        charts = _charts(readers["figures.yaml"], data["figures.yaml"]["charts"], figures)
        summary = _summary(readers["figures.yaml"], data["figures.yaml"]["summary"], figures)
    return Format(
        engine=head["engine"],
        template=head["template"],
        document_title=head["document_title"],
        table_meta=tuple(head["table_meta"]),
        annex_numbers=head["annex_numbers"],
        thousands=bool(head["numbers"].get("thousands", False)) if head["numbers"] else False,
        zero=head["numbers"].get("zero", "0.00") if head["numbers"] else "0.00",
        checks=checks,
        figures=figures,
        lists=lists,
        shares=shares,
        charts=charts,
        summary=summary,
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


def _expression(reader: Reader, item: dict[str, Any], key: str, text: str, known: expr.Names) -> None:
    """Refuse ``text`` (at ``item``'s ``key``) unless it parses and names what the format has."""
    try:
        expr.names(expr.parse(text), known, text)
    except expr.ExprError as exc:
        raise _fail(reader, item, key, str(exc)) from None


def _table_names(
    reader: Reader, item: dict[str, Any], key: str, names: list[str], specs: tuple[TableSpec, ...]
) -> None:
    codes = [s.code for s in specs]
    for name in names:
        if name not in codes:
            raise _fail(reader, item, key, f"没有表“{name}”（有：{'、'.join(codes)}）")


def _checks(
    reader: Reader, items: list[dict[str, Any]], specs: tuple[TableSpec, ...], known: expr.Names
) -> tuple[CheckDecl, ...]:
    from generator.stages.check.registry import RULES

    out = []
    by_code = {s.code: s for s in specs}
    for item in items:
        given = [k for k in CHECK_KINDS if item[k]]
        if len(given) != 1:
            raise _fail(reader, item, "tree", f"每项检查须恰有 {'、'.join(CHECK_KINDS)} 之一")
        kind = given[0]
        if kind == "tree":
            _table_names(reader, item, "tree", item["tree"], specs)
            for code in item["tree"]:
                if by_code[code].rows != "tree":
                    raise _fail(reader, item, "tree", f"表 {code} 的 rows 不是 tree")
            out.append(CheckDecl("tree", item["rule"] or "合计不符", item["message"], tables=tuple(item["tree"])))
            continue
        rule = item["rule"]
        if rule not in RULES:
            raise _fail(reader, item, "rule", f"没有规则“{rule}”（可用：{'、'.join(RULES)}）")
        if not item["message"]:
            raise _fail(reader, item, "message", "须写明发现问题时说什么")
        if kind in ("equal", "at_least"):
            texts = item[kind]
            if len(texts) != 2:
                raise _fail(reader, item, kind, f"{kind} 应列出两个公式，实为 {len(texts)} 个")
            for text in texts:
                _expression(reader, item, kind, text, known)
            out.append(CheckDecl(kind, rule, item["message"], expressions=tuple(texts)))
        elif kind == "explain":
            out.append(_explain(reader, item, rule, specs))
        else:
            match = item["match"]
            if len(match["tables"]) != 2 or len(match["columns"]) != 2:
                raise _fail(reader, match, "tables", "match 应列出两张表和各自的一列")
            _table_names(reader, match, "tables", match["tables"], specs)
            for i, (code, column) in enumerate(zip(match["tables"], match["columns"], strict=True)):
                if column not in by_code[code].amount_keys():
                    raise _fail(reader, match, "columns", f"表 {code} 没有金额列 {column}")
                if i == 0 and match["by"]:
                    if match["by"] not in by_code[code].text_keys():
                        raise _fail(reader, match, "by", f"表 {code} 没有文字列 {match['by']}")
                elif by_code[code].rows != "tree":
                    raise _fail(reader, match, "tables", f"表 {code} 的 rows 不是 tree：按编码对照的表须是 tree")
            out.append(
                CheckDecl(
                    "match",
                    rule,
                    item["message"],
                    tables=tuple(match["tables"]),
                    columns=tuple(match["columns"]),
                    kinds=tuple(match["kinds"]),
                    by=match["by"],
                )
            )
    return tuple(out)


def _explain(reader: Reader, item: dict[str, Any], rule: str, specs: tuple[TableSpec, ...]) -> CheckDecl:
    explain = item["explain"]
    _table_names(reader, explain, "tables", explain["tables"], specs)
    by_code = {s.code: s for s in specs}
    for code in explain["tables"]:
        spec = by_code[code]
        for key in ("actual", "budget"):
            if explain[key] not in spec.amount_keys():
                raise _fail(reader, explain, key, f"表 {code} 没有金额列 {explain[key]}")
        if explain["reason"] not in spec.text_keys():
            raise _fail(reader, explain, "reason", f"表 {code} 没有文字列 {explain['reason']}")
    return CheckDecl(
        "explain",
        rule,
        item["message"],
        tables=tuple(explain["tables"]),
        columns=(explain["actual"], explain["budget"]),
        kinds=tuple(explain["kinds"]),
        reason=explain["reason"],
    )


def _figures(
    reader: Reader,
    data: dict[str, Any],
    specs: tuple[TableSpec, ...],
    known: expr.Names,
    facts: tuple[Fact, ...],
    prior: tuple[PriorFigure, ...],
) -> tuple[tuple[FigureDecl, ...], tuple[ListDecl, ...], tuple[tuple[str, str, str], ...]]:
    figures = []
    for name, item in data["figures"]:
        _expression(reader, item, "value", item["value"], known)
        if item["budget"]:
            _expression(reader, item, "budget", item["budget"], known)
        if item["prior"] and item["prior"] not in known.prior:
            raise _fail(reader, item, "prior", f"没有上年数“{item['prior']}”（有：{'、'.join(known.prior)}）")
        for key in ("reason", "budget_reason"):
            if item[key] and item[key] not in {f.key for f in facts}:
                raise _fail(reader, item, key, f"没有基本信息“{item[key]}”")
        figures.append(
            FigureDecl(name, item["value"], item["prior"], item["reason"], item["budget"], item["budget_reason"])
        )
    figure_names = [f.name for f in figures]
    lists = []
    by_code = {s.code: s for s in specs}
    list_facts = {f.key for f in facts if f.kind == "list"}
    for name, item in data["lists"]:
        _table_names(reader, item, "tables", item["tables"], specs)
        for code in item["tables"]:
            spec = by_code[code]
            for key in ("amount", "budget"):
                if item[key] and item[key] not in spec.amount_keys():
                    raise _fail(reader, item, key, f"表 {code} 没有金额列 {item[key]}")
            for i, key in enumerate([*item["texts"], item["reason"]]):
                if key and key not in spec.text_keys():
                    where_key = "reason" if i == len(item["texts"]) else "texts"
                    raise _fail(reader, item, where_key, f"表 {code} 没有文字列 {key}")
        if item["share_of"] and item["share_of"] not in figure_names:
            raise _fail(reader, item, "share_of", f"没有数字“{item['share_of']}”")
        if item["text"] and item["text"] not in list_facts:
            raise _fail(
                reader, item, "text", f"没有逐行填写的基本信息“{item['text']}”（有：{'、'.join(sorted(list_facts))}）"
            )
        lists.append(
            ListDecl(
                name,
                tuple(item["tables"]),
                item["kind"],
                item["amount"],
                item["text"],
                tuple(item["texts"]),
                item["budget"],
                item["reason"],
                item["share_of"],
                tuple(item["codes"]),
            )
        )
    shares = []
    for name, pair in data["shares"]:
        if len(pair) != 2:
            raise _fail(reader, data, "shares", f"占比 {name} 应列出两个数字（部分、整体），实为 {len(pair)} 个")
        for figure in pair:
            if figure not in figure_names:
                raise _fail(reader, data, "shares", f"占比 {name} 中没有数字“{figure}”")
        shares.append((name, pair[0], pair[1]))
    return tuple(figures), tuple(lists), tuple(shares)


def _charts(reader: Reader, items: list[dict[str, Any]], figures: tuple[FigureDecl, ...]) -> tuple[ChartDecl, ...]:
    """The declared charts, each part a known figure (a bars chart's, one compared with last year)."""
    _unique(reader, items, "name", "图的名称")
    by_name = {f.name: f for f in figures}
    out = []
    for item in items:
        if not _KEY.fullmatch(item["name"]):
            raise _fail(reader, item, "name", f"名称“{item['name']}”只能含小写字母、数字和 _，以字母开头")
        if not item["figures"]:
            raise _fail(reader, item, "figures", "须列出至少一个 [名称, 数字]")
        for i, (_label, figure) in enumerate(item["figures"]):
            if figure not in by_name:
                raise _fail(reader, item, f"figures[{i}]", f"没有数字“{figure}”")
            if item["kind"] == "bars" and not by_name[figure].prior:
                raise _fail(reader, item, f"figures[{i}]", f"数字“{figure}”没有 prior（上年数）：画不出与上年的对比")
        out.append(ChartDecl(item["name"], item["kind"], item["title"], tuple(item["figures"])))
    return tuple(out)


def _summary(reader: Reader, items: list[dict[str, Any]], figures: tuple[FigureDecl, ...]) -> tuple[SummaryColumn, ...]:
    """The columns of a batch's summary: each names one figure of the file (a budget or a rate, one with a budget)."""
    known = {f.name: f for f in figures}
    _unique(reader, items, "header", "表头")
    out = []
    for item in items:
        given = [part for part in ("figure", "budget", "plan") if item[part]]
        if len(given) != 1:
            raise _fail(reader, item, "figure", "每列须恰有 figure、budget、plan 之一")
        key = given[0]
        name = item[key]
        if name not in known:
            raise _fail(reader, item, key, f"没有数字“{name}”：汇总表的列须是本文件 figures 中的数字")
        if key != "figure" and not known[name].budget:
            with_budget = "、".join(f.name for f in figures if f.budget) or "没有"
            raise _fail(reader, item, key, f"数字“{name}”没有 budget（年初预算）（有 budget 的：{with_budget}）")
        part = {"figure": "value", "budget": "budget", "plan": "rate"}[key]
        out.append(SummaryColumn(name, item["header"], part))
    return tuple(out)


# --- a bureau's own formats ------------------------------------------------------------------


def _own_folders(folder: Path) -> list[Path]:
    """The format folders in ``folder``: itself when it holds a format.yaml, else its subfolders that do."""
    if (folder / "format.yaml").is_file():
        return [folder]
    if not folder.is_dir():
        raise FormatError(f"找不到格式文件夹 {folder}")
    found = sorted(p for p in folder.iterdir() if p.is_dir() and (p / "format.yaml").is_file())
    if not found:
        raise FormatError(f"{folder} 中没有格式（格式文件夹应含有 format.yaml）")
    return found


def _stamp(folder: Path) -> tuple[tuple[str, int, int], ...]:
    """What a folder's declarations are now (names, sizes, times): a changed file is read again."""
    out = []
    for file, _, _ in FILES:
        try:
            st = (folder / file).stat()
        except OSError:
            continue
        out.append((file, st.st_size, st.st_mtime_ns))
    return tuple(out)


@cache
def _read_own(folder: Path, stamp: tuple[tuple[str, int, int], ...]) -> Format:
    fmt = read_folder(folder)
    if fmt.name in builtin_names():
        raise FormatError(
            f"{folder / 'format.yaml'}：name“{fmt.name}”与内置格式重名：自己的格式请另取名称"
            f"（内置：{'、'.join(builtin_names())}）"
        )
    if fmt.engine == "henan":  # computed by Henan's Python: it needs Henan's tables and columns
        _compatible(fmt, builtin(DEFAULT), folder)
    return fmt


def _compatible(fmt: Format, base: Format, folder: Path) -> None:
    """A bureau's own format is computed by the engine of ``base``: it must have ``base``'s tables, each with
    ``base``'s columns in ``base``'s order (titles, headers, hints, notes, widths, units, sections and
    名词解释 are its own)."""
    where = folder / "tables.yaml"
    codes = {t.code: t for t in fmt.tables}
    for table in base.tables:
        mine = codes.get(table.code)
        if mine is None:
            raise FormatError(f"{where}：缺少表 {table.code}（{table.title}）：本工具按{base.title}的表计算")
        keys = [(c.key, c.kind) for c in mine.columns]
        want = [(c.key, c.kind) for c in table.columns]
        if keys != want:
            raise FormatError(
                f"{where}：表 {table.code} 的列应为 {'、'.join(k for k, _ in want)}（依次，类型同{base.name}格式），"
                f"实为 {'、'.join(k for k, _ in keys)}"
            )
        if mine.rows != table.rows:
            raise FormatError(f"{where}：表 {table.code} 的 rows 应为 {table.rows}，实为 {mine.rows}")
    extra = sorted(set(codes) - {t.code for t in base.tables})
    if extra:
        raise FormatError(f"{where}：本工具不会计算表 {'、'.join(extra)}（{base.name}格式没有）")
    facts = {f.key for f in fmt.facts}
    missing = [f.label for f in base.facts if f.key not in facts]
    if missing:
        raise FormatError(f"{folder / 'workbook.yaml'}：缺少基本信息 {'、'.join(missing)}：文档要用它们")
    prior = {p.key for p in fmt.prior}
    missing = [p.label for p in base.prior if p.key not in prior]
    if missing:
        raise FormatError(f"{folder / 'workbook.yaml'}：缺少上年数 {'、'.join(missing)}：文档要用它们")


@dataclass(frozen=True)
class Catalog:
    """The formats a workbook may name: the built-in ones, and the bureau's own format folders."""

    folders: tuple[Path, ...] = ()

    def own(self) -> dict[str, Format]:
        out: dict[str, Format] = {}
        for folder in self.folders:
            for path in _own_folders(Path(folder)):
                fmt = _read_own(path.resolve(), _stamp(path))
                if fmt.name in out:
                    other = out[fmt.name].folder
                    raise FormatError(f"{path / 'format.yaml'}：格式名称“{fmt.name}”重复（另见 {other}）")
                out[fmt.name] = fmt
        return out

    def describe(self) -> str:
        """ "henan（河南省…）、…", for messages."""
        formats = {name: builtin(name) for name in builtin_names()} | self.own()
        return "、".join(f"{name}（{fmt.title}）" for name, fmt in formats.items())

    def find(self, name: str) -> Format | None:
        """The format called ``name``, or None; an own folder that cannot be read raises ``FormatError``."""
        return builtin(name) if name in builtin_names() else self.own().get(name)

    def unknown(self, name: str) -> str:
        """What a name no format has is told: the names there are."""
        return f"不认识的公开格式“{name}”（可用：{self.describe()}）"

    def get(self, name: str) -> Format:
        fmt = self.find(name)
        if fmt is None:
            raise FormatError(self.unknown(name))
        return fmt


BUILTIN = Catalog()
