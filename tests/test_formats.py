"""Formats as data: a bad declaration refused naming file, line and key; README's reference made from the shapes.

Each refusal copies the built-in Henan format, changes one thing with a plain text edit, reads the
copy and compares the whole message.
"""

from __future__ import annotations

import shutil
from importlib.resources import files
from pathlib import Path

import pytest
from support import ROOT, load_tool

from generator.formats import FormatError, builtin, read_folder
from generator.formats.declare import MAX_FILE_BYTES, MAX_NODES
from generator.formats.spec import Variant

REGENERATE = "python tools/readme_formats.py"
HENAN = files("generator.formats") / "henan"


def _readme_tool():  # type: ignore[no-untyped-def]
    return load_tool("readme_formats")


def test_readme_reference_is_the_shapes() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "<!-- formats:begin -->" in readme and "<!-- formats:end -->" in readme
    assert _readme_tool().with_formats(readme) == readme, (
        f"README.md's reference of formats differs from generator/formats/shapes.py: run `{REGENERATE}`"
    )


@pytest.fixture
def henan(tmp_path: Path) -> Path:
    """A copy of the built-in format to spoil."""
    folder = tmp_path / "henan"
    shutil.copytree(str(HENAN), folder)
    return folder


def edit(folder: Path, file: str, old: str, new: str) -> None:
    """Replace the first ``old`` in ``file`` (which must hold it) by ``new``."""
    path = folder / file
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{file} has no {old!r}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def refusal(folder: Path) -> str:
    with pytest.raises(FormatError) as caught:
        read_folder(folder)
    return str(caught.value)


# --- the built-in format ---------------------------------------------------------------------


def test_the_builtin_format_reads_with_its_fourteen_tables_in_order() -> None:
    fmt = builtin("henan")
    assert fmt.codes == tuple(f"YS{n:02d}" for n in range(1, 15))
    assert fmt.annex == fmt.codes
    assert [t.code for t in fmt.tables if t.optional] == ["YS07", "YS11", "YS12", "YS13", "YS14"]


def test_an_unchanged_copy_reads_as_the_builtin(henan: Path) -> None:
    """So that each refusal below is the edit's doing."""
    fmt = read_folder(henan)
    assert fmt.tables == builtin("henan").tables
    assert fmt.parts == builtin("henan").parts


# --- one thing changed, one refusal -----------------------------------------------------------

YS01_TITLE = 'title: "部门收支总体情况表"'
AMOUNTS_YS03 = "total、basic、wage、family、goods、capital、project、operating、target"

REFUSALS = {
    "yaml-syntax": (
        "format.yaml",
        "name: henan",
        "name: [henan",
        "format.yaml 第 4 行：YAML 格式不对（expected ',' or ']', but got ':'）",
    ),
    "yaml-tab": (
        "format.yaml",
        "title:",
        "\ttitle:",
        "format.yaml 第 4 行：YAML 格式不对（found character '\\t' that cannot start any token）",
    ),
    "unknown-key": (
        "tables.yaml",
        "  - code: YS01\n",
        "  - code: YS01\n    colour: red\n",
        "tables.yaml 第 49 行 tables[0].colour：不认识的键（table 可用：code、role、title、rows、columns、header、"
        "hint、unit、levels、print_zero、kind、derived、optional、empty_note、footnote、landscape、widths、sums、"
        "detail、sangong、right_half、measures）",
    ),
    "missing-key": (
        "tables.yaml",
        f"{YS01_TITLE}\n    rows: lines\n",
        f"{YS01_TITLE}\n",
        "tables.yaml 第 48 行 tables[0]：缺少 rows（how its data rows are told apart: its row grammar），"
        "应为 subjects、lines、economic、classes、projects、indicators、form、tree 之一",
    ),
    "missing-key-in-a-column": (
        "tables.yaml",
        '{key: in_label, label: "收入项目", kind: text, width: 30}',
        "{key: in_label, kind: text, width: 30}",
        "tables.yaml 第 55 行 tables[0].columns[0]：缺少 label（its lowest header text, used in messages）",
    ),
    "text-for-a-mapping": (
        "tables.yaml",
        '- {key: in_label, label: "收入项目", kind: text, width: 30}',
        "- in_label",
        "tables.yaml 第 55 行 tables[0].columns[0]：应为一组“键: 值”，实为“in_label”",
    ),
    "text-for-a-list": (
        "tables.yaml",
        "widths: [34, 16, 34, 16]",
        "widths: 34",
        "tables.yaml 第 66 行 tables[0].widths：应为列表（每项一行“- ”或 [..]），实为“34”",
    ),
    "mapping-for-a-text": (
        "tables.yaml",
        YS01_TITLE,
        'title: {text: "部门收支总体情况表"}',
        "tables.yaml 第 50 行 tables[0].title：应为文字，实为一组“键: 值”",
    ),
    "width-abc": (
        "tables.yaml",
        "kind: text, width: 30}",
        "kind: text, width: abc}",
        "tables.yaml 第 55 行 tables[0].columns[0].width：应为数字（如 12 或 7.5），实为“abc”",
    ),
    "derived-yes": (
        "tables.yaml",
        "derived: true",
        "derived: yes",
        "tables.yaml 第 52 行 tables[0].derived：应为 true 或 false，实为“yes”",
    ),
    "colspan-two": (
        "tables.yaml",
        '{text: "收入", colspan: 2}',
        '{text: "收入", colspan: two}',
        "tables.yaml 第 60 行 tables[0].header[0][0].colspan：应为整数，实为“two”",
    ),
    "column-kind-not-a-choice": (
        "tables.yaml",
        "kind: amount, width: 14}",
        "kind: amout, width: 14}",
        "tables.yaml 第 56 行 tables[0].columns[1].kind：应为 code、text、amount、choice 之一，实为“amout”",
    ),
    "row-grammar-not-a-choice": (
        "tables.yaml",
        "rows: lines",
        "rows: line",
        "tables.yaml 第 51 行 tables[0].rows："
        "应为 subjects、lines、economic、classes、projects、indicators、form、tree 之一，实为“line”",
    ),
    "unit-yuan": (
        "format.yaml",
        'unit: "万元"',
        'unit: "元"',
        "format.yaml 第 6 行 unit：应为 万元，实为“元”",
    ),
    "duplicate-key": (
        "tables.yaml",
        "  - code: YS01\n",
        '  - code: YS01\n    title: "又一个"\n',
        "tables.yaml 第 51 行 tables[0].title：重复的键",
    ),
    "merge-key": (
        "tables.yaml",
        "  - code: YS01\n",
        "  - <<: {hint: x}\n    code: YS01\n",
        "tables.yaml 第 48 行 tables[0]：不支持合并键“<<”：请写出每个键，或用 use 引用列的集合",
    ),
    "duplicate-table-code": (
        "tables.yaml",
        "code: YS02",
        "code: YS01",
        "tables.yaml 第 68 行 tables[1].code：表号“YS01”重复",
    ),
    "duplicate-role": (
        "tables.yaml",
        "role: operating_cost",
        "role: spending",
        "tables.yaml 第 417 行 tables[13].role：role“spending”重复",
    ),
    "role-not-the-engine-s": (
        "tables.yaml",
        "role: operating_cost",
        "role: running_cost",
        "tables.yaml 第 417 行 tables[13].role：应为 summary、income、spending、fiscal_summary、gpb_spending、"
        "gpb_basic、economic、sangong、gov_fund_spending、projects、performance、project_goals、soe_spending、"
        "operating_cost 之一，实为“running_cost”",
    ),
    "duplicate-column-key": (
        "tables.yaml",
        "key: out_label",
        "key: in_label",
        "tables.yaml 第 57 行 tables[0].columns[2].key：列名“in_label”重复",
    ),
    "column-key-not-a-name": (
        "tables.yaml",
        "key: out_label",
        "key: Out-label",
        "tables.yaml 第 57 行 tables[0].columns[2].key：列名“Out-label”只能含小写字母、数字和 _，以字母开头",
    ),
    "use-unknown-column-set": (
        "tables.yaml",
        "      - use: subject\n",
        "      - use: subjects\n",
        "tables.yaml 第 76 行 tables[1].columns[0].use："
        "没有名为“subjects”的列集合（column_sets 有：subject、spending）",
    ),
    "unknown-header-set": (
        "tables.yaml",
        "header: spending",
        "header: spend",
        "tables.yaml 第 118 行 tables[2].header：没有名为“spend”的表头（header_sets 有：spending）",
    ),
    "header-wider-than-the-columns": (
        "tables.yaml",
        '{text: "支出", colspan: 2}',
        '{text: "支出", colspan: 3}',
        "tables.yaml 第 60 行 tables[0].header：表头没有恰好铺满 2 行 × 4 列（每列须有表头，跨度不能超出表格）",
    ),
    "widths-count": (
        "tables.yaml",
        "widths: [34, 16, 34, 16]",
        "widths: [34, 16, 34]",
        "tables.yaml 第 66 行 tables[0].widths：应有 4 个宽度（每个公开的列一个），实为 3 个",
    ),
    "sum-of-an-unknown-column": (
        "tables.yaml",
        "basic: [wage, family, goods, capital]",
        "basic: [wage, family, goods, capitol]",
        f"tables.yaml 第 121 行 tables[2].sums.basic：“capitol”不是本表的金额列（金额列：{AMOUNTS_YS03}）",
    ),
    "sum-of-a-text-column": (
        "tables.yaml",
        "project: [operating, target]",
        "project: [operating, name]",
        f"tables.yaml 第 122 行 tables[2].sums.project：“name”不是本表的金额列（金额列：{AMOUNTS_YS03}）",
    ),
    "sum-into-a-text-column": (
        "tables.yaml",
        "total: [basic, project]",
        "name: [basic, project]",
        f"tables.yaml 第 123 行 tables[2].sums.name：“name”不是本表的金额列（金额列：{AMOUNTS_YS03}）",
    ),
    "annex-code-no-table": (
        "document.yaml",
        "YS14]",
        "YS15]",
        "document.yaml 第 35 行 annex[13]：tables.yaml 没有表“YS15”"
        "（有：YS01、YS02、YS03、YS04、YS05、YS06、YS07、YS08、YS09、YS10、YS11、YS12、YS13、YS14）",
    ),
    "annex-code-twice": (
        "document.yaml",
        "YS13, YS14]",
        "YS13, YS13]",
        "document.yaml 第 35 行 annex[13]：表“YS13”重复",
    ),
    "section-fact-unknown": (
        "document.yaml",
        "facts: [duties]",
        "facts: [dutys]",
        "document.yaml 第 9 行 parts[0].sections[0].facts[0]：workbook.yaml 的 facts 中没有“dutys”",
    ),
    "section-prior-unknown": (
        "document.yaml",
        "prior: [operating_cost]",
        "prior: [operating_costs]",
        "document.yaml 第 32 行 parts[1].sections[9].prior[0]：workbook.yaml 的 prior 中没有“operating_costs”",
    ),
    "unknown-placeholder-in-a-heading": (
        "document.yaml",
        "{bureau}部门（单位）主要职责",
        "{department}部门（单位）主要职责",
        "document.yaml 第 9 行 parts[0].sections[0].heading：不认识的占位符 {department}（可用：{bureau}、{year}）",
    ),
    "duplicate-section-id": (
        "document.yaml",
        "id: s2,",
        "id: s1,",
        "document.yaml 第 16 行 parts[1].sections[1].id：节的 id“s1”重复",
    ),
}


@pytest.mark.parametrize(("file", "old", "new", "message"), list(REFUSALS.values()), ids=list(REFUSALS))
def test_a_bad_declaration_is_refused_naming_file_line_and_key(
    henan: Path, file: str, old: str, new: str, message: str
) -> None:
    edit(henan, file, old, new)
    assert refusal(henan) == f"{message}（{henan / file}）"


def test_a_format_without_a_table_for_each_role_is_refused_when_read(henan: Path) -> None:
    """The engine asks the format for the table of each role (``Format.role``): a format that lacks
    one (here its last table, the operating_cost one, left out) is refused when read, naming the key."""
    path = henan / "tables.yaml"
    text = path.read_text(encoding="utf-8")
    path.write_text(text[: text.index("  - code: YS14")], encoding="utf-8")
    assert refusal(henan) == (
        "tables.yaml 第 48 行 tables：按河南的引擎（engine: henan）计算的格式须为每个 role 各有一张表，"
        f"缺少 operating_cost（{henan / 'tables.yaml'}）"
    )


def test_the_builtin_format_gives_each_role_its_table() -> None:
    fmt = builtin("henan")
    assert [fmt.role(t.role) for t in fmt.tables] == list(fmt.tables)
    assert fmt.role("spending").code == "YS03" and fmt.code_of("operating_cost") == "YS14"


# --- the files themselves ----------------------------------------------------------------------


def test_a_missing_file(henan: Path) -> None:
    (henan / "workbook.yaml").unlink()
    assert refusal(henan) == f"找不到格式文件 {henan / 'workbook.yaml'}"


@pytest.mark.parametrize("text", ["", "\n\n", "# 只有注释\n"], ids=["empty", "blank-lines", "only-a-comment"])
def test_an_empty_file(henan: Path, text: str) -> None:
    (henan / "document.yaml").write_text(text, encoding="utf-8")
    assert refusal(henan) == f"document.yaml：文件是空的（{henan / 'document.yaml'}）"


def test_a_file_not_in_utf8(henan: Path) -> None:
    path = henan / "format.yaml"
    text = path.read_text(encoding="utf-8")
    path.write_bytes(text.replace("# 河南省", "# henan\n# 河南省").encode("gbk"))
    assert refusal(henan) == f"format.yaml 第 2 行：不是 UTF-8 编码的文字（第 11 个字节），请存为 UTF-8（{path}）"


def test_a_file_too_large(henan: Path) -> None:
    path = henan / "workbook.yaml"
    size = path.stat().st_size
    with path.open("a", encoding="utf-8") as out:
        out.write("#" * MAX_FILE_BYTES + "\n")
    assert refusal(henan) == (
        f"workbook.yaml：文件过大（{size + MAX_FILE_BYTES + 1} 字节，最多 {MAX_FILE_BYTES} 字节）（{path}）"
    )


def test_an_alias_bomb_stops_at_the_node_limit(henan: Path) -> None:
    """A few kilobytes of nested aliases ("billion laughs") would be 90,000 header cells read again and again.

    PyYAML composes aliases as shared nodes (cheap); the reader counts every visit, so it stops at
    ``MAX_NODES`` values instead of walking them all.
    """
    cells = ", ".join(["*c"] * 299)
    rows = "\n".join(["    - *r"] * 299)
    bomb = f"header_sets:\n  h:\n    - &r [&c {{text: x}}, {cells}]\n{rows}\ntables: []\n"
    assert len(bomb) < 5000
    path = henan / "tables.yaml"
    path.write_text(bomb, encoding="utf-8")
    assert refusal(henan) == (
        f"tables.yaml 第 3 行 header_sets.h[221][290].text：值过多（超过 {MAX_NODES} 个，别名也逐次计入）（{path}）"
    )


# --- YAML's own typing never applies -----------------------------------------------------------


def test_values_are_typed_by_their_shape_not_by_yaml(henan: Path) -> None:
    edit(henan, "tables.yaml", 'hint: "款，2位，如 02"', "hint: 02")
    edit(henan, "tables.yaml", 'label: "收入项目"', "label: no")
    edit(henan, "tables.yaml", YS01_TITLE, "title: 1.50")
    fmt = read_folder(henan)
    lei = fmt.table("YS02").column("lei")
    assert lei.digits == 3 and type(lei.digits) is int
    assert type(lei.width) is float
    assert fmt.table("YS02").column("kuan").hint == "02"
    assert fmt.table("YS01").column("in_label").label == "no"
    assert fmt.table("YS01").title == "1.50"


@pytest.mark.parametrize("word", ["no", "yes", "off", "1"])
def test_a_true_or_false_key_takes_only_true_or_false(henan: Path, word: str) -> None:
    edit(henan, "tables.yaml", "printed: false", f"printed: {word}")
    assert refusal(henan) == (
        f"tables.yaml 第 302 行 tables[9].columns[12].printed：应为 true 或 false，实为“{word}”"
        f"（{henan / 'tables.yaml'}）"
    )


# --- a bureau's variant (profile.toml's [format]) ----------------------------------------------

VARIANT_REFUSALS = {
    "unknown-table": (
        Variant(tables=("YS15",), source="本局模板/profile.toml"),
        "本局模板/profile.toml：[format] drop_tables 中的“YS15”不是henan格式的表（可用：YS01、YS02、YS03、YS04、"
        "YS05、YS06、YS07、YS08、YS09、YS10、YS11、YS12、YS13、YS14）",
    ),
    "unknown-section": (
        Variant(sections=("s11",), source="本局模板/profile.toml"),
        "本局模板/profile.toml：[format] drop_sections 中的“s11”不是henan格式的节（可用：duties、divisions、"
        "composition、s1、s2、s3、s4、s5、s6、s7、s8、s9、s10）",
    ),
    "unknown-glossary-item": (
        Variant(glossary=("预算",), source="本局模板/profile.toml"),
        "本局模板/profile.toml：[format] drop_glossary 中的“预算”不是henan格式的名词解释（可用：财政拨款收入、"
        "财政专户管理资金、事业收入、事业单位经营收入、其他收入、用事业基金弥补收支差额、基本支出、项目支出、"
        "“三公”经费、机构运行经费）",
    ),
    "table-not-optional": (
        Variant(tables=("YS13", "YS03"), source="本局模板/profile.toml"),
        "本局模板/profile.toml：[format] drop_tables 中的“YS03”不能删去：henan格式规定必须公开此表"
        "（可删去的表：YS07、YS11、YS12、YS13、YS14）",
    ),
}


@pytest.mark.parametrize(("variant", "message"), list(VARIANT_REFUSALS.values()), ids=list(VARIANT_REFUSALS))
def test_a_variant_dropping_what_the_format_lacks_is_refused(variant: Variant, message: str) -> None:
    with pytest.raises(FormatError) as caught:
        variant.apply(builtin("henan"))
    assert str(caught.value) == message


def test_a_variant_drops_optional_tables_sections_and_glossary_items() -> None:
    fmt = Variant(tables=("YS13", "YS14"), sections=("s8",), glossary=("事业收入",)).apply(builtin("henan"))
    assert [t.code for t in fmt.published] == [f"YS{n:02d}" for n in range(1, 13)]
    assert "s8" not in fmt.section_ids and len(fmt.section_ids) == 12
    assert "事业收入" not in dict(fmt.glossary)
    sangong = ("abroad", "reception", "vehicle_purchase", "vehicle_running")
    assert fmt.unused_facts == {f"reason_{key}" for key in sangong}
    assert fmt.unused_prior == set(sangong)
