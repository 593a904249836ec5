"""Broken and hostile workbooks: each refused with its own message, word for word; what a clerk cannot see reported.

The corpus is built here, in fixtures, from the example's values-only copy: files that are not
workbooks, zips that are not workbooks, damaged zips, zip and XML entity bombs, absurd sheets,
absurd amounts; then the warnings for merged cells, hidden sheets, rows and columns, extra sheets
and control characters; then the promises about files: inputs never modified, outputs whole.
"""

# ruff: noqa: E501 - expected messages and finding lines are quoted whole, word for word

from __future__ import annotations

import hashlib
import os
import random
import re
import shutil
import zipfile
from collections.abc import Callable
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner
from defusedxml import DefusedXmlException
from support import Editor, ref, spec

from generator.errors import WorkbookError
from generator.frontends import cli
from generator.jobs import outputs, pipeline
from generator.stages.check import check
from generator.workbook import load, schema, xlsx
from generator.workbook.load import load_workbook

MB = 1024 * 1024
RESAVE = "请在 Excel 或 WPS 中打开并另存为 .xlsx 后再试"
DTD = "含有 DTD 或实体声明（疑为 XML 实体炸弹或外部实体引用），已拒绝"
BILLION_LAUGHS = (
    b'<?xml version="1.0"?>\n<!DOCTYPE lolz [\n <!ENTITY lol "lol">\n'
    + b"".join(
        f' <!ENTITY lol{i} "{f"&lol{i - 1};" * 10 if i > 1 else "&lol;" * 10}">\n'.encode() for i in range(1, 10)
    )
    + b"]>\n"
)
XXE = b'<?xml version="1.0"?>\n<!DOCTYPE x [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>\n'


# --- building the corpus ------------------------------------------------------------------------


def rezip(
    source: Path,
    target: Path,
    *,
    change: dict[str, Callable[[bytes], bytes]] | None = None,
    add: dict[str, bytes] | None = None,
    compression: int = zipfile.ZIP_DEFLATED,
) -> Path:
    """A copy of the zip ``source`` with some members rewritten and some added."""
    change, add = change or {}, add or {}
    with zipfile.ZipFile(source) as src, zipfile.ZipFile(target, "w", compression) as dst:
        for info in src.infolist():
            data = src.read(info)
            if info.filename in change:
                data = change[info.filename](data)
            dst.writestr(info.filename, data)
        for name, data in add.items():
            dst.writestr(name, data)
    return target


def member_of(path: Path, title_prefix: str) -> str:
    """The zip member of the sheet whose title starts with ``title_prefix``."""
    with zipfile.ZipFile(path) as archive:
        data = {n: archive.read(n) for n in archive.namelist() if n.endswith((".xml", ".rels"))}
    return next(member for title, member in load._worksheet_parts(data) if title.startswith(title_prefix))


def with_prolog(prolog: bytes, body_edit: Callable[[bytes], bytes] = lambda b: b) -> Callable[[bytes], bytes]:
    """Put ``prolog`` (an XML declaration and a DTD) before a member's XML."""

    def edit(data: bytes) -> bytes:
        if data.startswith(b"<?xml"):
            data = data[data.index(b"?>") + 2 :].lstrip()
        return prolog + body_edit(data)

    return edit


def corrupt_stored_member(path: Path, member: str) -> None:
    """Flip one byte inside ``member``'s data (the zip stores it uncompressed): its CRC no longer matches."""
    with zipfile.ZipFile(path) as archive:
        info = archive.getinfo(member)
    raw = bytearray(path.read_bytes())
    header = info.header_offset
    name_len = int.from_bytes(raw[header + 26 : header + 28], "little")
    extra_len = int.from_bytes(raw[header + 28 : header + 30], "little")
    middle = header + 30 + name_len + extra_len + info.compress_size // 2
    raw[middle] ^= 0x01
    path.write_bytes(bytes(raw))


def compressible(size: int, seed: int = 0) -> bytes:
    """``size`` bytes that deflate about 60 : 1, inside the ratio bound: one random byte in 256."""
    rng = random.Random(seed)
    block = b"\0" * 255
    return b"".join(bytes([rng.randrange(1, 256)]) + block for _ in range(size // 256))


def _edit(source: Path, target: Path, edit: Callable[[Editor], object]) -> Path:
    shutil.copyfile(source, target)
    wb = openpyxl.load_workbook(target)
    edit(Editor(wb))
    wb.save(target)
    return target


CFB = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
spec_codes = set(schema.TABLES_BY_CODE)


def _build_corpus(folder: Path, values: Path) -> dict[str, tuple[Path, str]]:
    """name → (file, the whole message ``WorkbookError`` gives for it)."""
    corpus: dict[str, tuple[Path, str]] = {}

    def add(name: str, path: Path, *problems: str) -> None:
        if len(problems) == 1:
            message = f"无法读取工作簿 {path.name}：{problems[0]}"
        else:
            message = "\n".join(
                [f"无法读取工作簿 {path.name}，发现 {len(problems)} 处问题："] + [f"  {p}" for p in problems]
            )
        corpus[name] = (path, message)

    def file(name: str, data: bytes) -> Path:
        path = folder / name
        path.write_bytes(data)
        return path

    # -- not workbooks at all
    add("empty", file("空文件.xlsx", b""), "文件是空的")
    add(
        "csv",
        file("导出.xlsx", "科目编码,科目名称,合计\n201,一般公共服务支出,30\n".encode()),
        "不是 Excel 工作簿（.xlsx）：文件不是 zip 格式",
    )
    add(
        "html",
        file(
            "系统导出.xlsx",
            '<html><head><meta charset="utf-8"></head><body><table><tr><td>合计</td></tr></table></body></html>'.encode(),
        ),
        f"不是 Excel 工作簿（.xlsx）：这是网页或 XML 格式的文件（常见于系统导出的表格），{RESAVE}",
    )
    add(
        "pdf",
        file("预算公开.xlsx", b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\n"),
        "不是 Excel 工作簿（.xlsx）：这是 PDF 文件",
    )
    # read through LibreOffice (workbook/convert.py), which finds nothing in these
    old = f"这是旧版 Excel（.xls）或 WPS（.et）格式的文件，但无法读取：LibreOffice 也无法打开此文件（文件可能已损坏）；{RESAVE}"
    add("xls", file("旧版.xlsx", CFB + b"\0" * 4088), old)
    add("et", file("金山表格.xlsx", CFB + b"\x3e\x00\x03\x00" + b"\0" * 4084), old)
    add(
        "encrypted",
        file(
            "加密.xlsx",
            CFB
            + b"\0" * 1016
            + "EncryptionInfo".encode("utf-16-le")
            + b"\0" * 100
            + "EncryptedPackage".encode("utf-16-le")
            + b"\0" * 2048,
        ),
        "文件设置了打开密码（已加密），无法读取：请在 Excel 或 WPS 中取消密码后另存为 .xlsx 再试",
    )

    # -- damaged zips
    damaged = "文件不完整或已损坏（可能在下载或复制时中断）：请重新获取文件"
    data = values.read_bytes()
    add("truncated", file("下载中断.xlsx", data[: len(data) // 2]), damaged)
    stored = rezip(values, folder / "校验失败.xlsx", compression=zipfile.ZIP_STORED)
    ys03 = member_of(values, "YS03")
    corrupt_stored_member(stored, ys03)
    add("crc", stored, f"工作簿中的“{ys03}”已损坏，无法读取：请重新获取文件，或{RESAVE}")

    # -- zips that are not workbooks
    def zipped(name: str, members: dict[str, bytes]) -> Path:
        path = folder / name
        with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
            for member, content in members.items():
                archive.writestr(member, content)
        return path

    content_types = b'<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"/>'
    add("zip", zipped("压缩包.xlsx", {"说明.txt": "预算".encode()}), "不是 Excel 工作簿（.xlsx）：zip 中没有工作簿内容")
    add(
        "docx",
        zipped("说明文档.xlsx", {"[Content_Types].xml": content_types, "word/document.xml": b"<w:document/>"}),
        "不是 Excel 工作簿（.xlsx）：这是 Word 文档（.docx）",
    )
    add(
        "ods",
        zipped(
            "开放格式.xlsx",
            {
                "mimetype": b"application/vnd.oasis.opendocument.spreadsheet",
                "content.xml": b"<office:document-content/>",
            },
        ),
        f"这是 OpenDocument 表格（.ods），但无法读取：LibreOffice 也无法打开此文件（文件可能已损坏）；{RESAVE}",
    )
    add(
        "xlsb",
        zipped("二进制.xlsx", {"[Content_Types].xml": content_types, "xl/workbook.bin": b"\x83\x01\x00"}),
        "这是 Excel 二进制工作簿（.xlsb），请在 Excel 中另存为 .xlsx 后再试",
    )
    add(
        "members",
        zipped("文件过多.xlsx", {f"xl/media/image{i}.png": b"" for i in range(2001)}),
        "zip 中有 2001 个文件，超过上限 2000 个，不像 Excel 工作簿，已拒绝",
    )

    # -- zip bombs: bounded by the zip's directory, before anything is unpacked
    add(
        "member",
        rezip(values, folder / "超大成员.xlsx", add={"xl/media/image1.png": b"\0" * (21 * MB)}),
        "工作簿中的“xl/media/image1.png”解压后有 21.0 MB，超过上限 20 MB，已拒绝",
    )
    bomb = rezip(values, folder / "压缩炸弹.xlsx", add={"xl/media/image1.png": b"\0" * (2 * MB)})
    with zipfile.ZipFile(bomb) as archive:
        info = archive.getinfo("xl/media/image1.png")
    ratio = info.file_size / info.compress_size
    assert ratio > 100
    add(
        "ratio", bomb, f"工作簿中的“xl/media/image1.png”压缩比异常（{ratio:.0f} 倍，上限 100 倍），疑为压缩炸弹，已拒绝"
    )
    part = compressible(16 * MB)
    total = rezip(values, folder / "解压过大.xlsx", add={f"customXml/item{i}.xml": part for i in range(1, 5)})
    with zipfile.ZipFile(total) as archive:
        unpacked = sum(i.file_size for i in archive.infolist())
        assert all(i.file_size / i.compress_size < 100 for i in archive.infolist())
    add("total", total, f"工作簿解压后共 {unpacked / MB:.1f} MB，超过上限 60 MB，已拒绝")

    # -- XML entity bombs and external entities, refused before openpyxl parses anything
    add(
        "billion-laughs",
        rezip(
            values,
            folder / "实体炸弹.xlsx",
            change={ys03: with_prolog(BILLION_LAUGHS, lambda b: b.replace(b"<t>206</t>", b"<t>&lol9;</t>", 1))},
        ),
        f"工作簿中的“{ys03}”{DTD}",
    )
    add(
        "xxe",
        rezip(values, folder / "外部实体.xlsx", change={"xl/workbook.xml": with_prolog(XXE)}),
        f"工作簿中的“xl/workbook.xml”{DTD}",
    )
    add(
        "shared-strings",
        shared_strings_bomb(values, folder / "共享字符串.xlsx"),
        f"工作簿中的“xl/sharedStrings.xml”{DTD}",
    )
    add(
        "not-xml",
        rezip(
            values, folder / "格式错误.xlsx", change={ys03: lambda b: b.replace(b"<t>206</t>", b"<t>2\x0106</t>", 1)}
        ),
        f"工作簿内容已损坏，无法解析：{RESAVE}",
    )

    # -- absurd sheets, counted in the XML before openpyxl builds a cell
    def at(sheet: str, coordinate: str) -> Callable[[Editor], None]:
        """A value at ``coordinate`` of table ``sheet``, or of a new sheet of that name."""

        def edit(e: Editor) -> None:
            ws = e.sheet(sheet) if sheet in spec_codes else e.wb.create_sheet(sheet)
            ws[coordinate] = "x"

        return edit

    rows_message = "工作表有 {} 行，超出可处理的范围（至多 5000 行；带格式的空行也计入，请删除表格下方多余的行）"
    columns_message = "工作表有 {} 列，超出可处理的范围（至多 60 列；带格式的空列也计入，请删除表格右侧多余的列）"
    add("rows", _edit(values, folder / "行数过多.xlsx", at("YS03", "A6000")), "YS03：" + rows_message.format(6000))
    add(
        "columns",
        _edit(values, folder / "列数过多.xlsx", at("明细 数据", "BI1")),
        "明细 数据：" + columns_message.format(61),
    )
    add(
        "full-sheet",
        _edit(values, folder / "满表.xlsx", at("Sheet1", "XFD1048576")),
        "Sheet1：" + rows_message.format(1048576),
        "Sheet1：" + columns_message.format(16384),
    )
    # a few bytes of XML that would make openpyxl build a cell for every cell of the sheet
    merge = b'</sheetData><mergeCells count="1"><mergeCell ref="A1:XFD1048576"/></mergeCells>'
    add(
        "merge-bomb",
        rezip(values, folder / "合并炸弹.xlsx", change={ys03: lambda b: b.replace(b"</sheetData>", merge, 1)}),
        "YS03：" + rows_message.format(1048576),
        "YS03：" + columns_message.format(16384),
    )
    return corpus


def shared_strings_bomb(values: Path, target: Path) -> Path:
    """A shared-strings part, declared in [Content_Types].xml as Excel does, opening with an entity bomb."""
    override = b'<Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>'
    strings = BILLION_LAUGHS + (
        b'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="1" uniqueCount="1">'
        b"<si><t>&lol9;</t></si></sst>"
    )
    return rezip(
        values,
        target,
        change={"[Content_Types].xml": lambda b: b.replace(b"</Types>", override + b"</Types>")},
        add={"xl/sharedStrings.xml": strings},
    )


@pytest.fixture(scope="session")
def corpus(example_values: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[Path, str]]:
    return _build_corpus(tmp_path_factory.mktemp("corpus"), example_values)


CASES = [
    "empty", "csv", "html", "pdf", "xls", "et", "encrypted", "truncated", "crc", "zip", "docx", "ods", "xlsb",
    "members", "member", "ratio", "total", "billion-laughs", "xxe", "shared-strings", "not-xml", "rows", "columns",
    "full-sheet", "merge-bomb",
]  # fmt: skip


def test_the_corpus_is_all_tested(corpus):
    assert sorted(corpus) == sorted(CASES)


@pytest.mark.parametrize("case", CASES)
def test_refused_word_for_word(corpus, case):
    path, message = corpus[case]
    before = hashlib.sha256(path.read_bytes()).hexdigest()
    with pytest.raises(WorkbookError) as info:
        load_workbook(path)
    assert str(info.value) == message
    assert hashlib.sha256(path.read_bytes()).hexdigest() == before  # never modified


@pytest.mark.parametrize("case", CASES)
def test_every_command_answers_with_the_message_and_exit_1(corpus, case, tmp_path):
    path, message = corpus[case]
    for args in (
        ("check", path),
        ("check", path, "--format", "json"),
        ("render", path, "-o", tmp_path, "--format", "html"),
    ):
        result = CliRunner().invoke(cli.main, [str(a) for a in args])
        assert result.exit_code == 1, (args, result.output)
        assert result.stderr == message + "\n"
        assert "Traceback" not in result.output
    assert list(tmp_path.iterdir()) == []  # nothing written, not even a temporary file


def test_refusals_are_bounded_before_openpyxl_parses(corpus, monkeypatch):
    """Every refusal of the archive comes before openpyxl opens the file."""

    def never(*args, **kwargs):
        raise AssertionError("openpyxl was called")

    monkeypatch.setattr(openpyxl, "load_workbook", never)
    for case in CASES:
        path, message = corpus[case]
        if case == "not-xml":
            continue  # well-formedness is openpyxl's to find
        with pytest.raises(WorkbookError) as info:
            load_workbook(path)
        assert str(info.value) == message, case


def test_refusals_come_before_the_reader(corpus, monkeypatch):
    """The sheets' reader never sees what the archive check refuses."""

    def never(*args, **kwargs):
        raise AssertionError("the reader was called")

    monkeypatch.setattr(load.xlsx, "read", never)
    for case in CASES:
        if case == "not-xml":
            continue
        path, message = corpus[case]
        with pytest.raises(WorkbookError) as info:
            load_workbook(path)
        assert str(info.value) == message, case


@pytest.mark.parametrize("case", ["billion-laughs", "shared-strings"])
def test_the_sheets_reader_refuses_entity_bombs_itself(corpus, case):
    """Behind the archive check, openpyxl reads the sheets and shared strings with defusedxml, which
    refuses a DTD: the reader raises defusedxml's error."""
    path, _message = corpus[case]
    with pytest.raises(Exception) as info:
        xlsx.read(path, max_rows=load.MAX_ROWS, max_columns=load.MAX_COLUMNS)
    assert isinstance(load._root_cause(info.value), DefusedXmlException)


def _open_files() -> int:
    return len(os.listdir("/proc/self/fd"))


@pytest.mark.skipif(not Path("/proc/self/fd").is_dir(), reason="counts open files in /proc")
def test_the_workbook_file_is_closed_after_reading(corpus, example_values, tmp_path):
    """Read or refused, the loader leaves no file open (a web server loads workbook after workbook)."""
    damaged_style = rezip(
        example_values,
        tmp_path / "样式.xlsx",
        change={member_of(example_values, "YS03"): lambda b: b.replace(b'<c r="A1"', b'<c s="999" r="A1"', 1)},
    )
    before = _open_files()
    for path in [example_values, corpus["not-xml"][0], damaged_style]:
        for _ in range(3):
            try:
                load_workbook(path)
            except WorkbookError:
                pass
    assert _open_files() == before


def test_openpyxl_uses_defusedxml():
    assert openpyxl.DEFUSEDXML is True


@pytest.mark.parametrize("case", ["billion-laughs", "shared-strings"])
def test_entity_bombs_are_refused_by_defusedxml_too(corpus, case):
    """Behind the archive check, openpyxl's own parser (defusedxml) refuses the bomb; the message says so in Chinese."""
    path, _message = corpus[case]
    with pytest.raises(WorkbookError) as info:
        load._open(path)
    assert str(info.value) == (
        f"无法读取工作簿 {path.name}：工作簿的 XML 含有 DTD 或实体声明（疑为 XML 实体炸弹或外部实体引用），已拒绝"
    )


def test_the_example_passes_the_archive_check_reading_each_member_once(example_path, monkeypatch):
    """The check before parsing passes the example (the clerk's file itself, with its styles and
    formatted rows) by unpacking each member once, without openpyxl loading the workbook.

    (How long it takes is measured in bench/scaling.py, not here.)
    """
    with zipfile.ZipFile(example_path) as archive:
        members = sorted(info.filename for info in archive.infolist() if not info.is_dir())
    opened: list[str] = []
    real_open = zipfile.ZipFile.open

    def counting_open(self, name, *args, **kwargs):
        opened.append(name.filename if isinstance(name, zipfile.ZipInfo) else name)
        return real_open(self, name, *args, **kwargs)

    def no_workbook(*_args, **_kwargs):
        raise AssertionError("the archive check loaded the workbook")

    monkeypatch.setattr(zipfile.ZipFile, "open", counting_open)
    monkeypatch.setattr(openpyxl, "load_workbook", no_workbook)
    load.check_archive(example_path)
    assert sorted(opened) == members


def test_a_folder_and_an_unreadable_file(tmp_path):
    folder = tmp_path / "预算.xlsx"
    folder.mkdir()
    with pytest.raises(WorkbookError) as info:
        load_workbook(folder)
    assert str(info.value) == "无法读取工作簿 预算.xlsx：这是一个文件夹，不是工作簿文件"


# --- absurd cell values ----------------------------------------------------------------------------


def test_absurd_amounts_are_refused(broken, rows):
    medical = rows.find("YS03", name="事业单位医疗")

    def edit(e: Editor) -> None:
        e.set("YS03", "total", medical, 1e20)
        e.fact("政府采购货物预算", "99999999999")
        e.prior("公务接待费", -1e10)

    path = broken(edit, name="金额过大.xlsx")
    with pytest.raises(WorkbookError) as info:
        load_workbook(path)
    assert str(info.value) == "\n".join(
        [
            "无法读取工作簿 金额过大.xlsx，发现 3 处问题：",
            f"  基本信息!B{rows.fact('政府采购货物预算')}：“政府采购货物预算”的金额“99999999999”超出可处理的范围（绝对值须小于 100 亿万元）",
            f"  上年数!B{rows.prior('公务接待费')}：“公务接待费”的金额“-10000000000”超出可处理的范围（绝对值须小于 100 亿万元）",
            f"  YS03!{ref('YS03', 'total', medical)}：合计的金额“1e+20”超出可处理的范围（绝对值须小于 100 亿万元）",
        ]
    )


def test_infinite_numbers_in_the_xml(example_values, rows, tmp_path):
    """<v>1e999</v> reads as float infinity: refused in amount and code cells, never an OverflowError."""
    medical = rows.find("YS03", name="事业单位医疗")
    member = member_of(example_values, "YS03")
    total, lei = ref("YS03", "total", medical), ref("YS03", "lei", medical)

    def edit(xml: bytes) -> bytes:
        row_start = xml.index(f'<row r="{medical}"'.encode())
        row_end = xml.index(b"</row>", row_start)
        row = xml[row_start:row_end]
        row = row.replace(
            f'<c r="{lei}" t="inlineStr"><is><t>210</t></is></c>'.encode(), f'<c r="{lei}"><v>1e999</v></c>'.encode()
        )
        start = row.index(f'<c r="{total}"'.encode())
        end = row.index(b"</c>", start) + 4
        row = row[:start] + f'<c r="{total}"><v>-1e999</v></c>'.encode() + row[end:]
        return xml[:row_start] + row + xml[row_end:]

    path = rezip(example_values, tmp_path / "无穷大.xlsx", change={member: edit})
    with pytest.raises(WorkbookError) as info:
        load_workbook(path)
    assert [str(p) for p in info.value.problems] == [
        f"YS03!{lei}：类应填编码，不能是“inf”",
        f"YS03!{total}：合计应填金额，不能是“-inf”",
    ]


def test_formula_with_a_cached_value_is_read(example_values, rows, tmp_path):
    """The loader reads what Excel computed and saved; it computes nothing (a formula without a value: test_load)."""
    medical = rows.find("YS03", name="事业单位医疗")
    member = member_of(example_values, "YS03")
    total = ref("YS03", "total", medical)

    def edit(xml: bytes) -> bytes:
        start = xml.index(f'<c r="{total}"'.encode())
        end = xml.index(b"</c>", start) + 4
        return xml[:start] + f'<c r="{total}"><f>SUM(G{medical}:H{medical})</f><v>0.844</v></c>'.encode() + xml[end:]

    path = rezip(example_values, tmp_path / "公式.xlsx", change={member: edit})
    budget = load_workbook(path)
    row = next(r for r in budget.table("YS03").rows if r.number == medical)
    assert str(row.values["total"]) == "0.844"
    assert check(budget) == []


# --- reported, not silently used: merged cells, hidden data, extra sheets ------------------------


def lines(path: Path) -> list[str]:
    return [f.line() for f in check(load_workbook(path))]


STALE = "（隐藏的内容看不到、也打印不出，常留有过时的数字）：请取消隐藏后核对"


def test_merged_cells_in_the_data_area_are_read_from_the_top_left_and_reported(broken, rows):
    item = rows.find("YS03", name="行政单位医疗")  # a basic-spending row: 项目支出 and its 其他运转类 are empty
    project, operating = ref("YS03", "project", item), ref("YS03", "operating", item)

    def edit(e: Editor) -> None:
        e.sheet("YS03").merge_cells(f"{project}:{operating}")
        e.wb["基本信息"].merge_cells("B2:C2")  # the value cell of the first fact, with its hint column

    path = broken(edit)
    budget = load_workbook(path)
    row = next(r for r in budget.table("YS03").rows if r.number == item)
    assert row.values["project"] is None and row.values["operating"] is None
    assert budget.facts.values["bureau"]  # B2, the top-left cell, is read
    assert lines(path) == [
        "[警告] 基本信息!B2:C2 合并单元格：数据区的单元格 B2:C2 是合并单元格，只读取左上角 B2 的值，其余按空白处理：请取消合并后核对",
        f"[警告] YS03!{project}:{operating} 合并单元格：数据区的单元格 {project}:{operating} 是合并单元格，只读取左上角 {project} 的值，其余按空白处理：请取消合并后核对",
    ]


def test_a_merge_that_hides_a_figure_is_reported_with_the_error_it_causes(broken, rows):
    """The value under a merge is lost (Excel discards it too): the warning says where, the check says what."""
    item = rows.find("YS03", name="事业单位医疗")
    total, basic = ref("YS03", "total", item), ref("YS03", "basic", item)
    path = broken(lambda e: e.sheet("YS03").merge_cells(f"{total}:{basic}"))
    found = lines(path)
    assert (
        f"[警告] YS03!{total}:{basic} 合并单元格：数据区的单元格 {total}:{basic} 是合并单元格，只读取左上角 {total} 的值，其余按空白处理：请取消合并后核对"
        in found
    )
    assert any(line.startswith("[错误] YS03!") for line in found)


def test_merged_header_cells_are_not_reported(example_path):
    """The published headers are merged by design: nothing to report."""
    assert load_workbook(example_path).notes == []


def test_hidden_rows_columns_and_sheets_holding_data(broken, rows):
    item = rows.find("YS03", name="行政运行")
    empty_row = rows.end("YS03") + 3
    project_letter = ref("YS03", "project", item).rstrip("0123456789")
    basic_letter = ref("YS03", "basic", item).rstrip("0123456789")
    duties = rows.fact("主要职责")

    def edit(e: Editor) -> None:
        ys03 = e.sheet("YS03")
        ys03.row_dimensions[item].hidden = True
        ys03.row_dimensions[empty_row].hidden = True  # hidden but empty: nothing to say
        ys03.column_dimensions[basic_letter].hidden = True
        ys03.column_dimensions["Z"].hidden = True  # outside the table
        e.wb["基本信息"].row_dimensions[duties].hidden = True
        e.sheet("YS08").sheet_state = "hidden"
        e.sheet("YS14").sheet_state = "hidden"  # hidden, but holds no data

    path = broken(edit)
    assert lines(path) == [
        f"[警告] 基本信息!{duties}:{duties} 隐藏数据：第 {duties} 行被隐藏，其中的数据已照常读取{STALE}",
        f"[警告] YS03!{item}:{item} 隐藏数据：第 {item} 行被隐藏，其中的数据已照常读取{STALE}",
        f"[警告] YS03!{basic_letter}:{basic_letter} 隐藏数据：{basic_letter} 列被隐藏，其中的数据已照常读取{STALE}",
        f"[警告] YS08 隐藏数据：工作表“{spec('YS08').sheet_name}”被隐藏，其中的数据已照常读取{STALE}",
    ]
    assert project_letter != basic_letter


def test_a_hidden_column_range_is_read_column_by_column(broken, tmp_path):
    """Excel stores adjacent hidden columns as one range (<col min max hidden>): each column holding data is named."""
    path = broken()
    ys06 = member_of(path, "YS06")
    cols = b'<cols><col min="5" max="7" width="0" hidden="1" customWidth="1"/></cols>'
    hidden = rezip(
        path, tmp_path / "range.xlsx", change={ys06: lambda b: b.replace(b"<sheetData>", cols + b"<sheetData>", 1)}
    )
    assert [line for line in lines(hidden) if "隐藏数据" in line] == [
        f"[警告] YS06!{c}:{c} 隐藏数据：{c} 列被隐藏，其中的数据已照常读取{STALE}" for c in "EFG"
    ]


def test_extra_sheets_holding_data(broken):
    def edit(e: Editor) -> None:
        notes = e.wb.create_sheet("草稿")
        notes["A1"] = "去年的数字"
        old = e.wb.copy_worksheet(e.sheet("YS03"))
        old.title = "YS03 部门支出总体情况表(2)"
        hidden = e.wb.create_sheet("参数")
        hidden["C3"] = 1959.63
        hidden.sheet_state = "veryHidden"
        e.wb.create_sheet("Sheet1")  # empty: nothing to say

    path = broken(edit)
    assert lines(path) == [
        "[警告] YS03 多余工作表：工作表“YS03 部门支出总体情况表(2)”不属于标准工作簿，其中的数据不会读取",
        "[警告] 草稿 多余工作表：工作表“草稿”不属于标准工作簿，其中的数据不会读取",
        "[警告] 参数 多余工作表：隐藏的工作表“参数”含有数据，这些数据不会读取：请取消隐藏后核对，不需要的请删除",
    ]


def test_warnings_do_not_block_a_render(broken, rows, tmp_path):
    item = rows.find("YS03", name="行政运行")
    path = broken(lambda e: setattr(e.sheet("YS03").row_dimensions[item], "hidden", True), name="隐藏.xlsx")
    result = CliRunner().invoke(cli.main, ["check", str(path)])
    assert result.exit_code == 0
    assert result.stdout.endswith("隐藏.xlsx：0 处错误，1 处警告（科目表：内置2024年科目表）\n")
    result = CliRunner().invoke(cli.main, ["render", str(path), "-o", str(tmp_path), "--format", "html"])
    assert result.exit_code == 0, result.output
    assert "（1 处警告，可用 check 查看）" in result.stdout


# --- control characters ------------------------------------------------------------------------------


def test_control_characters_are_removed_with_a_warning(broken, rows):
    """XML cannot hold U+0000–U+001F (but tab, LF, CR): Excel stores them as _xHHHH_. They are
    decoded, and those XML cannot hold removed with a warning naming the cell; CR and LF are kept."""
    duties = rows.fact("主要职责")
    project = rows.find("YS10", name="工作经费")
    name_cell = ref("YS10", "name", project)

    def edit(e: Editor) -> None:
        e.fact("主要职责", "负责全市_x0001_工业_x0008_工作。_x000D_\n第二行")
        e.set("YS10", "name", project, "工作_xD800_经费_x001F_")

    path = broken(edit)
    budget = load_workbook(path)
    assert budget.facts.items("duties")[0] == "负责全市工业工作。\r\n第二行"
    assert next(r for r in budget.table("YS10").rows if r.number == project).values["name"] == "工作经费"
    assert lines(path) == [
        f"[警告] 基本信息!B{duties} 控制字符：含有无法打印的控制字符，已删除",
        f"[警告] YS10!{name_cell} 控制字符：含有无法打印的控制字符，已删除",
    ]


def test_control_characters_reach_neither_html_nor_docx(broken, tmp_path):
    path = broken(lambda e: e.fact("主要职责", "负责_x0000_全市_x000B_工业工作。"), name="控制字符.xlsx")
    pipeline.render(path, tmp_path, ("html", "docx"), parallel=False)
    html = (tmp_path / "控制字符.html").read_text(encoding="utf-8")
    assert "负责全市工业工作" in html and "\x00" not in html and "\x0b" not in html
    import docx

    text = "\n".join(p.text for p in docx.Document(str(tmp_path / "控制字符.docx")).paragraphs)
    assert "负责全市工业工作" in text


# --- odd sheet XML: read, or refused as damaged, never a traceback -------------------------------------


def _outcome(path: Path) -> object:
    """What ``load_workbook`` gives: the budget's facts, figures, rows and warnings, or its refusal."""
    try:
        budget = load_workbook(path)
    except WorkbookError as error:
        return str(error)
    tables = {code: [(r.number, r.kind, r.values) for r in t.rows] for code, t in budget.tables.items()}
    return budget.facts, budget.prior, tables, budget.notes


def _cell(xml: bytes, coordinate: str, new: str) -> bytes:
    """The sheet XML with the cell at ``coordinate`` replaced by ``new`` (or ``new`` first in its row)."""
    start = xml.find(f'<c r="{coordinate}"'.encode())
    if start < 0:
        row = coordinate.lstrip("ABCDEFGHIJKLMNOPQRSTUVWXYZ")
        at = xml.index(b">", xml.index(f'<row r="{row}"'.encode())) + 1
        return xml[:at] + new.encode() + xml[at:]
    end = xml.index(b">", start) + 1
    if not xml[start:end].endswith(b"/>"):
        end = xml.index(b"</c>", start) + 4
    return xml[:start] + new.encode() + xml[end:]


def _cells(**cells: str) -> Callable[[bytes], bytes]:
    def edit(xml: bytes) -> bytes:
        for coordinate, new in cells.items():
            xml = _cell(xml, coordinate, new)
        return xml

    return edit


def _after_sheet_data(text: str) -> Callable[[bytes], bytes]:
    return lambda xml: xml.replace(b"</sheetData>", b"</sheetData>" + text.encode(), 1)


def _row(attributes: str) -> Callable[[bytes], bytes]:
    return lambda xml: xml.replace(b'<row r="8"', f'<row r="8" {attributes}'.encode(), 1)


DAMAGED = "：工作簿内容已损坏，无法解析：请在 Excel 或 WPS 中打开并另存为 .xlsx 后再试"
_SST = b'<Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>'
# Cells of YS03's rows 8 to 10 in the example's values-only copy: items, with their amounts from column F
ODD_XML: dict[str, tuple[str, Callable[[bytes], bytes], str | None]] = {
    "formula-cached": ("YS03", _cells(F8='<c r="F8"><f>SUM(G8:H8)</f><v>5.984</v></c>'), None),
    "formula-uncached": ("YS03", _cells(F8='<c r="F8"><f>SUM(G8:H8)</f></c>'), '：YS03!F8：公式“=SUM(G8:H8)”没有保存计算结果：请在 Excel 或 WPS 中打开并保存，或改填数值'),
    "formula-text": ("YS03", _cells(E8='<c r="E8" t="str"><f>"行政"&amp;"单位医疗"</f><v>行政单位医疗</v></c>'), None),
    "formula-error": ("YS03", _cells(F8='<c r="F8" t="e"><f>1/0</f><v>#DIV/0!</v></c>'), '：YS03!F8：合计应填金额，不能是“#DIV/0!”'),
    "shared-formula": (
        "YS03",
        _cells(
            F8='<c r="F8"><f t="shared" ref="F8:F10" si="0">G8+H8</f><v>5.984</v></c>',
            F9='<c r="F9"><f t="shared" si="0"/></c>',  # no value: named as its cell sees it, =G9+H9
            F10='<c r="F10"><f t="shared" si="0"/><v>1</v></c>',
        ),
        '：YS03!F9：公式“=G9+H9”没有保存计算结果：请在 Excel 或 WPS 中打开并保存，或改填数值',
    ),
    "array-formula": ("YS03", _cells(F8='<c r="F8"><f t="array" ref="F8">SUM(G8:H8*1)</f></c>'), '：YS03!F8：公式“=SUM(G8:H8*1)”没有保存计算结果：请在 Excel 或 WPS 中打开并保存，或改填数值'),
    "data-table": ("YS03", _cells(F8='<c r="F8"><f t="dataTable" ref="F8" dt2D="1" r1="A1" r2="B1"/></c>'), '：YS03!F8：公式“=TABLE(A1,B1)”没有保存计算结果：请在 Excel 或 WPS 中打开并保存，或改填数值'),
    "boolean-date-text": (
        "YS03",
        _cells(
            F8='<c r="F8" t="b"><v>1</v></c>', G8='<c r="G8" t="d"><v>2024-01-02T03:04:05</v></c>', H8='<c r="H8" t="str"><v> 1.5 </v></c>'
        ),
        '，发现 2 处问题：\n  YS03!F8：合计应填金额，不能是“True”\n  YS03!G8：基本支出小计应填金额，不能是“2024-01-02 03:04:05”',
    ),
    "inline-rich-text": (
        "YS03",
        _cells(E8='<c r="E8" t="inlineStr"><is><r><rPr><b/></rPr><t>行政</t></r><r><t xml:space="preserve">单位 医疗</t></r><rPh sb="0" eb="1"><t>xing</t></rPh></is></c>'),
        None,
    ),
    "inline-odd": (
        "YS03",
        _cells(E8='<c r="E8" t="inlineStr"><is/></c>', D8='<c r="D8" t="inlineStr"><v>3</v></c>', F8='<c r="F8"><v>5<x/>6</v><v>7</v></c>'),
        None,
    ),
    "cells-without-references": ("YS03", _cells(F8='<c r="F8"><v>5.984</v></c><c><v>1</v></c><c/>'), None),
    "duplicate-cells": ("YS03", _cells(F8='<c r="F8"><v>1</v></c><c r="F8"><v>5.984</v></c><c r="G8"><v>2</v></c><c r="G8"/>'), None),
    "rows-without-numbers": ("YS03", lambda xml: xml.replace(b'<row r="9"', b"<row", 1).replace(b'<row r="8"', b'<row r="8.0"', 1), None),
    "row-attributes": ("YS03", _row('hidden="false" ht="0.0" xmlns:x14ac="urn:x" x14ac:dyDescent="0.25"'), None),
    "row-visible": ("YS03", _row('visible="" outlineLevel="1" collapsed="true"'), None),
    "columns": ("YS03", lambda xml: xml.replace(b"<sheetData>", b'<cols><col min="7" max="9" width="0"/><col min="3" max="2" hidden="1"/><col min="6" hidden="true"/></cols><sheetData>', 1), None),
    "merges": (
        "YS03",
        _after_sheet_data('<mergeCells><mergeCell ref="F8:H8"/><mergeCell ref="F8:G9"/><mergeCell ref="E9:E9"/><mergeCell ref="F8:H8"/></mergeCells>'),
        None,
    ),
    "two-merge-lists": ("YS03", _after_sheet_data('<mergeCells><mergeCell ref="F8:H8"/></mergeCells><mergeCells><mergeCell ref="A9:C9"/></mergeCells>'), None),
    "merge-to-row-6000": ("YS03", _after_sheet_data('<mergeCells><mergeCell ref="A20:A6000"/></mergeCells>'), '：YS03：工作表有 6000 行，超出可处理的范围（至多 5000 行；带格式的空行也计入，请删除表格下方多余的行）'),
    "prefixed-namespace": (
        "YS03",
        lambda xml: re.sub(rb"<(/?)([A-Za-z]+[ />])", rb"<\1s:\2", xml).replace(b' xmlns="http://schemas', b' xmlns:s="http://schemas', 1),
        None,
    ),
    "extensions": ("YS03", _after_sheet_data('<extLst><ext uri="{78C0D931-6437-407d-A8EE-F0AAD7539E65}"/></extLst>'), None),
    "conditional-format": ("YS03", _after_sheet_data('<conditionalFormatting sqref="F8"><cfRule type="expression" priority="1"><formula>1</formula></cfRule></conditionalFormatting>'), None),
    # damaged parts: refused
    "unknown-style": ("YS03", _cells(F8='<c r="F8" s="999"><v>5.984</v></c>'), DAMAGED),
    "bad-number": ("YS03", _cells(F8='<c r="F8"><v>5,984</v></c>'), DAMAGED),
    "bad-shared-string": ("YS03", _cells(F8='<c r="F8" t="s"><v>7</v></c>'), DAMAGED),
    "bad-row-height": ("YS03", _row('ht="low"'), DAMAGED),
    "bad-sheet-format": ("YS03", _after_sheet_data('<sheetFormatPr defaultRowHeight="high"/>'), DAMAGED),
    "bad-conditional-format": ("YS03", _after_sheet_data('<conditionalFormatting sqref="F8"><cfRule type="expression" dxfId="9" priority="1"><formula>1</formula></cfRule></conditionalFormatting>'), DAMAGED),
    "bad-merge": ("YS03", _after_sheet_data('<mergeCells><mergeCell ref="F8:nowhere"/></mergeCells>'), DAMAGED),
    # unusual but readable
    "row-extension": ("YS03", lambda xml: xml.replace(b'<row r="8">', b'<row r="8"><extLst/>', 1), None),
    "nested-row": ("YS03", lambda xml: xml.replace(b'<row r="8">', b'<row r="8"><row r="30"><c r="A30"><v>1</v></c></row>', 1), None),
    "hyperlinks": ("YS03", _after_sheet_data('<hyperlinks><hyperlink ref="E8" display="x"/></hyperlinks>'), None),
    "column-attribute": ("YS03", lambda xml: xml.replace(b"<sheetData>", b'<cols><col min="7" max="7" hidden="1" phonetic="1"/></cols><sheetData>', 1), DAMAGED),
    "mergecell-attribute": ("YS03", _after_sheet_data('<mergeCells><mergeCell ref="F8:H8" extra="1"/></mergeCells>'), DAMAGED),
}  # fmt: skip


@pytest.mark.parametrize("case", list(ODD_XML))
def test_odd_sheet_xml_is_read_or_refused(example_values, tmp_path, case):
    """Formulas (shared, array, data tables, with and without a value), rich and odd inline text, cells
    and rows without numbers, duplicates, merges, hidden rows and columns, prefixes, extensions: read
    (None), or refused with the message given after the file's name; a damaged part as damaged."""
    sheet, edit, expected = ODD_XML[case]
    path = rezip(example_values, tmp_path / f"{case}.xlsx", change={member_of(example_values, sheet): edit})
    outcome = _outcome(path)
    if expected is None:
        assert not isinstance(outcome, str), outcome
    else:
        assert outcome == f"无法读取工作簿 {path.name}{expected}"


def test_a_shared_formula_without_a_value_is_named_as_its_cell_sees_it(example_values, tmp_path):
    edit = ODD_XML["shared-formula"][1]
    path = rezip(example_values, tmp_path / "共享公式.xlsx", change={member_of(example_values, "YS03"): edit})
    with pytest.raises(WorkbookError) as info:
        load_workbook(path)
    assert [str(p) for p in info.value.problems] == [
        "YS03!F9：公式“=G9+H9”没有保存计算结果：请在 Excel 或 WPS 中打开并保存，或改填数值"
    ]


def test_shared_strings_are_read(example_values, tmp_path):
    """Excel and WPS keep text in a shared-strings part (openpyxl writes it inline): rich text and
    phonetic runs flattened, OOXML's _x005F_ escape as openpyxl reads it."""
    strings = (
        '<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        "<si><t>其他技术与开发支出</t></si>"
        '<si><r><rPr><b/></rPr><t>其他科学</t></r><r><t>技术支出_x005F_x0001_</t></r><rPh sb="0" eb="1"><t>qi</t></rPh></si>'
        "<si><t/></si></sst>"
    )
    path = rezip(
        example_values,
        tmp_path / "共享字符串.xlsx",
        change={
            "[Content_Types].xml": lambda b: b.replace(b"</Types>", _SST + b"</Types>"),
            member_of(example_values, "YS03"): _cells(
                E8='<c r="E8" t="s"><v>0</v></c>',
                E9='<c r="E9" t="s"><v>1</v></c>',
                E10='<c r="E10" t="s"><v>2</v></c>',
            ),
        },
        add={"xl/sharedStrings.xml": strings.encode()},
    )
    budget = load_workbook(path)
    assert [r.values["name"] for r in budget.table("YS03").rows if r.number in (8, 9)] == [
        "其他技术与开发支出",
        "其他科学技术支出",  # _x005F_ dropped, then _x0001_ decoded: a control character, removed
    ]
    assert [(f.cell, f.rule) for f in budget.notes] == [("E9", "控制字符")]


def test_a_comment_counts_as_a_cell(example_path, tmp_path):
    """A comment makes its cell part of the sheet: one right of column 60 makes the sheet too wide."""
    path = rezip(
        example_path,
        tmp_path / "批注.xlsx",
        change={"xl/comments/comment1.xml": lambda b: b.replace(b'ref="D3"', b'ref="BZ3"', 1)},
    )
    assert _outcome(path) == (
        "无法读取工作簿 批注.xlsx：YS02：工作表有 78 列，超出可处理的范围（至多 60 列；带格式的空列也计入，请删除表格右侧多余的列）"
    )


# --- files: inputs never modified, outputs whole ------------------------------------------------------


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_input_is_never_modified_and_may_be_read_only(example_values, tmp_path):
    path = tmp_path / "只读.xlsx"
    shutil.copyfile(example_values, path)
    path.chmod(0o444)
    before, mtime = digest(path), path.stat().st_mtime_ns
    check(load_workbook(path))
    pipeline.render(path, tmp_path / "out", ("html", "docx"), parallel=False)
    assert digest(path) == before and path.stat().st_mtime_ns == mtime


def test_a_failed_output_leaves_earlier_outputs_whole_and_no_partial_file(example_values, tmp_path, monkeypatch):
    source = tmp_path / "预算.xlsx"
    shutil.copyfile(example_values, source)
    out = tmp_path / "out"
    pipeline.render(source, out, ("html", "docx"), parallel=False)
    old_docx = digest(out / "预算.docx")
    (out / "预算.html").write_text("旧的", encoding="utf-8")

    from generator.render import docx as docx_writer

    def half_written(html, target, **kwargs):
        Path(target).write_bytes(b"PK\x03\x04 partial")
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(docx_writer, "write_docx", half_written)
    with pytest.raises(pipeline.RenderFailed) as info:
        pipeline.render(source, out, ("html", "docx"), parallel=False)
    message = str(info.value)
    assert message.startswith("预算.xlsx：磁盘空间不足：无法写入 ") and "预算.docx" in message
    assert message.endswith("；未写入任何文件，原有文件保持不变")
    assert digest(out / "预算.docx") == old_docx  # the earlier DOCX is whole
    assert (out / "预算.html").read_text(encoding="utf-8") == "旧的"  # and so is the HTML: a set, all old
    assert sorted(p.name for p in out.iterdir()) == ["预算.docx", "预算.html"]  # no .part file


def test_an_interrupted_output_leaves_no_partial_file(example_values, tmp_path, monkeypatch):
    source = tmp_path / "预算.xlsx"
    shutil.copyfile(example_values, source)
    out = tmp_path / "out"
    pipeline.render(source, out, ("html",), parallel=False)
    before = digest(out / "预算.html")

    def interrupted(self, write):
        def halfway(tmp: Path) -> None:
            tmp.write_text("<html>半", encoding="utf-8")
            raise KeyboardInterrupt

        return original(self, halfway)

    original = outputs.Part.fill
    monkeypatch.setattr(outputs.Part, "fill", interrupted)
    with pytest.raises(KeyboardInterrupt):
        pipeline.render(source, out, ("html",), parallel=False)
    assert digest(out / "预算.html") == before
    assert [p.name for p in out.iterdir()] == ["预算.html"]
