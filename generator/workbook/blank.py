"""Turn the workbook schema into the blank standard workbook a clerk fills (``budget-report init``)."""

from __future__ import annotations

import datetime as _dt
import io
import math
import pathlib
import zipfile
from collections.abc import Iterable, Mapping, Sequence

import openpyxl
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Border, Font, PatternFill, Protection, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from generator.formats import BUILTIN, Format
from generator.reference.codes import load_codes
from generator.workbook import schema
from generator.workbook.schema import Column, Fact, TableSpec

WORKBOOK_TITLE = "部门预算公开标准工作簿"
CREATOR = "budget-report"

STYLED_ROWS = 60  # data rows drawn with borders in the blank workbook
FORMATTED_ROWS = 200  # data rows whose cells carry number formats (text for codes: keeps 021001's zero)
DATA_AREA_ROWS = 500  # the data area is data_row .. data_row + DATA_AREA_ROWS, unlocked
FACTS_SPARE_ROWS = 200  # rows below the last fact whose value cell stays unlocked

AMOUNT_FORMAT = "#,##0.00"
TEXT_FORMAT = "@"

_THIN = Side(style="thin", color="000000")
BORDER = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")  # light blue: published header
UNPRINTED_FILL = PatternFill("solid", fgColor="FCE4D6")  # light orange: an input not published
LABEL_FILL = PatternFill("solid", fgColor="F2F2F2")  # light grey: a pre-filled label
TITLE_FONT = Font(bold=True, size=14)
HEADER_FONT = Font(bold=True)
HINT_FONT = Font(italic=True, color="808080")
GREY_FONT = Font(color="808080")
LOCKED = Protection(locked=True)
UNLOCKED = Protection(locked=False)
CENTRE = Alignment(horizontal="center", vertical="center", wrap_text=True)
WRAP = Alignment(vertical="top", wrap_text=True)
HINT_ALIGN = Alignment(horizontal="left", vertical="center", wrap_text=True)

UNPRINTED_NOTE = "不公开：公开的表中不印此栏，只供生成其他表使用。"
AMOUNT_PROMPT = "单位：万元。可保留两位以上小数（尾差）；没有的留空。"
AMOUNT_ERROR_TITLE = "应填数字"
AMOUNT_ERROR = "这里应填金额（数字，单位：万元），不要填文字、单位或空格。"
LIST_NOTE = "如需多行：在本行下方插入行，项目栏（A栏）留空，内容写在B栏。"
COUNT_ERROR = "这里应填不小于 0 的整数。"
YEAR_ERROR = "这里应填四位年份，如 2024。"

_LINE_HEIGHT = 15.0  # points per wrapped line


# --- helpers ------------------------------------------------------------------------------


def _text_width(text: str) -> float:
    """Width of ``text`` in Excel character units: a CJK character takes nearly two."""
    return sum(1.0 if ord(ch) < 0x2E80 else 1.8 for ch in text)


def _lines(text: str, width: float) -> int:
    """Wrapped lines ``text`` needs in a cell ``width`` characters wide."""
    return max(1, math.ceil(_text_width(text) / max(width - 1.0, 1.0)))


def _comment(text: str) -> Comment:
    comment = Comment(text, CREATOR)
    comment.width = 260
    comment.height = max(60, 18 * _lines(text, 36) + 20)
    return comment


def _protect(ws: Worksheet) -> None:
    """Protect the sheet without a password; locked cells stay, unlocked cells take input.

    In OOXML a true flag *forbids* the action, so the allowed ones are set to False.
    """
    p = ws.protection
    p.sheet = True
    p.formatColumns = False
    p.formatRows = False
    p.insertRows = False
    p.deleteRows = False
    p.sort = False
    p.autoFilter = False
    p.selectLockedCells = False
    p.selectUnlockedCells = False


def _fit_width(ws: Worksheet) -> None:
    """Print on A4, one page wide."""
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True


def fit_row_heights(ws: Worksheet, first: int, last: int | None = None) -> None:
    """Set the heights of rows ``first``..``last`` to show their wrapped text.

    Excel sizes such rows itself, but LibreOffice keeps the default height of a row it is not
    told about, so long texts would show as one cut line.
    """
    last = ws.max_row if last is None else last
    widths = {letter: (dim.width or 9.0) for letter, dim in ws.column_dimensions.items()}
    merged = {cell for rng in ws.merged_cells.ranges for cell in _cells_of(rng)}
    for row in range(first, last + 1):
        need = 1
        for cell in ws[row]:
            if cell.coordinate in merged or not isinstance(cell.value, str):
                continue
            if not (cell.alignment and cell.alignment.wrap_text):
                continue
            width = widths.get(cell.column_letter, 9.0)
            need = max(need, sum(_lines(part, width) for part in cell.value.split("\n")))
        if need > 1:
            ws.row_dimensions[row].height = need * _LINE_HEIGHT + 3


def _cells_of(rng) -> Iterable[str]:
    for row in range(rng.min_row, rng.max_row + 1):
        for col in range(rng.min_col, rng.max_col + 1):
            yield f"{get_column_letter(col)}{row}"


def _validation_range(col: int, first: int, last: int) -> str:
    letter = get_column_letter(col)
    return f"{letter}{first}:{letter}{last}"


def _amount_validation(prompt: str, title: str) -> DataValidation:
    dv = DataValidation(
        type="decimal",
        operator="between",
        formula1="-999999999999",
        formula2="999999999999",
        allow_blank=True,
        showInputMessage=True,
        showErrorMessage=True,
        promptTitle=title[:32],
        prompt=prompt[:255],
        errorTitle=AMOUNT_ERROR_TITLE,
        error=AMOUNT_ERROR,
        errorStyle="stop",
    )
    return dv


def _column_validation(column: Column) -> DataValidation | None:
    """The data validation (input message, and a rule where there is one) for a column's data area."""
    title = column.label[:32]
    if column.kind == "amount":
        return _amount_validation(column.hint or AMOUNT_PROMPT, title)
    if column.kind == "choice":
        options = "、".join(column.choices)
        return DataValidation(
            type="list",
            formula1='"' + ",".join(column.choices) + '"',
            allow_blank=True,
            showDropDown=False,  # False shows the in-cell drop-down (the OOXML flag is inverted)
            showInputMessage=True,
            showErrorMessage=True,
            promptTitle=title,
            prompt=(column.hint or f"请选择：{options}")[:255],
            errorTitle="请从列表中选择",
            error=f"{column.label}应为{options}之一。"[:225],
            errorStyle="stop",
        )
    if column.hint:
        return DataValidation(
            allow_blank=True,
            showInputMessage=True,
            showErrorMessage=False,
            promptTitle=title,
            prompt=column.hint[:255],
        )
    return None


# --- table sheets -------------------------------------------------------------------------


def header_anchor_of(spec: TableSpec) -> dict[int, tuple[int, int]]:
    """For each 1-based column, the (row, column) of its lowest header cell's anchor on the sheet."""
    anchors: dict[int, tuple[int, int]] = {}
    for r, c, cell in schema.place_header(spec.header):
        for dc in range(cell.colspan):
            col = c + dc + 1
            row = schema.HEADER_ROW + r
            if col not in anchors or anchors[col][0] < row:
                anchors[col] = (row, c + 1)
    return anchors


def _write_header(ws: Worksheet, spec: TableSpec) -> None:
    widths = [col.width for col in spec.columns]
    placed = schema.place_header(spec.header)
    row_need = [1] * len(spec.header)
    for r, c, cell in placed:
        row, col = schema.HEADER_ROW + r, c + 1
        ws.cell(row=row, column=col, value=cell.text)
        if cell.colspan > 1 or cell.rowspan > 1:
            ws.merge_cells(
                start_row=row,
                start_column=col,
                end_row=row + cell.rowspan - 1,
                end_column=col + cell.colspan - 1,
            )
        span_width = sum(widths[c : c + cell.colspan])
        per_row = math.ceil(_lines(cell.text, span_width) / cell.rowspan)
        for dr in range(cell.rowspan):
            row_need[r + dr] = max(row_need[r + dr], per_row)
    # style every slot of every header cell, so merged ranges get their borders and fill
    for r, c, cell in placed:
        unprinted = all(not spec.columns[c + dc].printed for dc in range(cell.colspan))
        for dr in range(cell.rowspan):
            for dc in range(cell.colspan):
                target = ws.cell(row=schema.HEADER_ROW + r + dr, column=c + dc + 1)
                target.font = HEADER_FONT
                target.alignment = CENTRE
                target.border = BORDER
                target.fill = UNPRINTED_FILL if unprinted else HEADER_FILL
                target.protection = LOCKED
    for r, need in enumerate(row_need):
        ws.row_dimensions[schema.HEADER_ROW + r].height = max(20.0, need * _LINE_HEIGHT + 4)
    # comments: a column's hint (and "不公开") on its lowest header cell
    notes: dict[tuple[int, int], list[str]] = {}
    anchors = header_anchor_of(spec)
    for i, column in enumerate(spec.columns, start=1):
        lines = []
        if not column.printed:
            lines.append(UNPRINTED_NOTE)
        if column.hint:
            lines.append(column.hint)
        if lines and i in anchors:
            notes.setdefault(anchors[i], []).extend(lines)
    for (row, col), lines in notes.items():
        ws.cell(row=row, column=col).comment = _comment("\n".join(dict.fromkeys(lines)))


def prefilled_labels(spec: TableSpec, year: int) -> list[tuple[str | None, str | None]]:
    """The (left, right) labels that the summary and fiscal_summary tables carry from ``spec.data_row``
    down; [] for others."""
    if spec.role not in ("summary", "fiscal_summary"):
        return []
    classes = list(load_codes(year).function_classes)
    if spec.role == "summary":
        left: list[str] = []
        for i, (_, _, label) in enumerate(schema.INCOME_SOURCES):
            left.append(label)
            if i == 0:
                left.append(schema.SUMMARY_FISCAL_LABEL)
        right = [c.ys01_label for c in classes]
        footer = list(schema.SUMMARY_FOOTER)
    else:
        left = [label for _, label in schema.FISCAL_INCOME_LABELS]
        right = [schema.FISCAL_SPENDING_FIRST] + [c.ys04_label for c in classes] + [schema.FISCAL_SPENDING_LAST]
        footer = [schema.FISCAL_FOOTER]
    n = max(len(left), len(right))
    rows: list[tuple[str | None, str | None]] = [
        (left[i] if i < len(left) else None, right[i] if i < len(right) else None) for i in range(n)
    ]
    rows.extend((a, b) for a, b in footer)
    return rows


def _write_labels(ws: Worksheet, spec: TableSpec, year: int) -> None:
    rows = prefilled_labels(spec, year)
    if not rows:
        return
    left_col = spec.column_index("in_label")
    right_col = spec.column_index("out_label")
    footer_from = len(rows) - (len(schema.SUMMARY_FOOTER) if spec.role == "summary" else 1)
    for i, (left, right) in enumerate(rows):
        row = spec.data_row + i
        for col, text in ((left_col, left), (right_col, right)):
            cell = ws.cell(row=row, column=col, value=text)
            cell.protection = LOCKED
            cell.fill = LABEL_FILL
            cell.border = BORDER
            cell.alignment = Alignment(vertical="center", wrap_text=True)
            if i >= footer_from:
                cell.font = HEADER_FONT
                cell.alignment = CENTRE


def write_table_sheet(ws: Worksheet, spec: TableSpec, *, year: int) -> None:
    """Lay out one table sheet: title, hint, header, styled and unlocked data area."""
    ncols = len(spec.columns)
    last_letter = get_column_letter(ncols)
    total_width = sum(col.width for col in spec.columns)

    for i, column in enumerate(spec.columns, start=1):
        ws.column_dimensions[get_column_letter(i)].width = column.width

    title = ws.cell(row=schema.TITLE_ROW, column=1, value=f"{spec.code} {spec.title_for(year)}")
    title.font = TITLE_FONT
    title.alignment = Alignment(horizontal="center", vertical="center")
    ws.merge_cells(f"A{schema.TITLE_ROW}:{last_letter}{schema.TITLE_ROW}")
    ws.row_dimensions[schema.TITLE_ROW].height = 26

    hint = ws.cell(row=schema.HINT_ROW, column=1, value=spec.hint)
    hint.font = HINT_FONT
    hint.alignment = HINT_ALIGN
    ws.merge_cells(f"A{schema.HINT_ROW}:{last_letter}{schema.HINT_ROW}")
    ws.row_dimensions[schema.HINT_ROW].height = _lines(spec.hint, total_width) * _LINE_HEIGHT + 4

    _write_header(ws, spec)

    first, last = spec.data_row, spec.data_row + DATA_AREA_ROWS
    styled = len(prefilled_labels(spec, year)) or STYLED_ROWS
    # Cell formats stop after FORMATTED_ROWS; further rows are unlocked by their row style alone.
    # Formatting all 500 rows cell by cell made every workbook carry ~70,000 empty cells, and
    # reading them back cost two thirds of the loader's time.
    formatted = max(styled, FORMATTED_ROWS)
    for i, column in enumerate(spec.columns, start=1):
        number_format = {"amount": AMOUNT_FORMAT, "code": TEXT_FORMAT}.get(column.kind)
        for row in range(first, first + formatted):
            cell = ws.cell(row=row, column=i)
            cell.protection = UNLOCKED
            if number_format:
                cell.number_format = number_format
            if row < first + styled:
                cell.border = BORDER
                cell.alignment = Alignment(vertical="top", wrap_text=column.kind == "text")
        dv = _column_validation(column)
        if dv is not None:
            dv.add(_validation_range(i, first, last))
            ws.add_data_validation(dv)
    # whole data rows unlocked (also right of the table), so that rows can be deleted under protection
    for row in range(first, last + 1):
        ws.row_dimensions[row].protection = UNLOCKED

    _write_labels(ws, spec, year)

    ws.freeze_panes = f"A{spec.data_row}"
    ws.print_title_rows = f"{schema.HEADER_ROW}:{spec.data_row - 1}"
    ws.page_setup.orientation = "landscape" if spec.landscape else "portrait"
    _fit_width(ws)
    _protect(ws)


# --- 基本信息 and 上年数 ------------------------------------------------------------------------


def _header_row(ws: Worksheet, texts: Sequence[str]) -> None:
    for i, text in enumerate(texts, start=1):
        cell = ws.cell(row=1, column=i, value=text)
        cell.font = HEADER_FONT
        cell.fill = HEADER_FILL
        cell.border = BORDER
        cell.alignment = CENTRE
        cell.protection = LOCKED
    ws.row_dimensions[1].height = 22
    ws.freeze_panes = "A2"


def _fact_hint(fact: Fact) -> str:
    parts = [fact.hint] if fact.hint else []
    if fact.kind == "list" and "多行" not in fact.hint:
        parts.append(LIST_NOTE)
    if not fact.required:
        blank = "" if "可留空" in fact.hint else "可留空"
        if fact.default:
            blank += ("，" if blank else "") + f"留空时为“{fact.default}”"
        if blank:
            parts.append(blank)
    return "；".join(p.rstrip("；。") for p in parts if p) + ("。" if parts else "")


def format_fact() -> Fact:
    """The 基本信息 row naming the workbook's format (``schema.FORMAT_LABEL``), read before the facts."""
    known = BUILTIN.describe()
    hint = f"本工作簿的公开格式，由 budget-report init --format 写入（可用：{known}）；留空即 {schema.HENAN.name}"
    return Fact("format", schema.FORMAT_LABEL, "text", required=False, hint=hint)


def facts_rows(
    year: int, values: Mapping[str, object] | None = None, fmt: Format = schema.HENAN
) -> list[tuple[Fact, bool, object]]:
    """(fact, is_first_row, value) for each row of the 基本信息 sheet below its header: the format's name, then
    the format's facts."""
    values = dict(values or {})
    values.setdefault("year", year)
    rows: list[tuple[Fact, bool, object]] = [(format_fact(), True, fmt.name)]
    for fact in fmt.facts:
        value = values.get(fact.key)
        if fact.kind == "list":
            items = list(value) if isinstance(value, Iterable) and not isinstance(value, str) else [value]
            for n, item in enumerate(items or [None]):
                rows.append((fact, n == 0, item))
        else:
            rows.append((fact, True, value))
    return rows


def _fact_validation(kind: str, hint: str) -> DataValidation | None:
    """The validation of a fact's value cell: a rule by kind, and its hint as the input message."""
    prompt = {"showInputMessage": bool(hint), "prompt": hint[:255] or None}
    if kind == "amount":
        return _amount_validation(hint or AMOUNT_PROMPT, "金额")
    if kind == "count":
        return DataValidation(
            type="whole",
            operator="greaterThanOrEqual",
            formula1="0",
            allow_blank=True,
            showErrorMessage=True,
            errorTitle="应填整数",
            error=COUNT_ERROR,
            **prompt,
        )
    if kind == "year":
        return DataValidation(
            type="whole",
            operator="between",
            formula1="1990",
            formula2="2100",
            allow_blank=True,
            showErrorMessage=True,
            errorTitle="应填年份",
            error=YEAR_ERROR,
            **prompt,
        )
    if hint:
        return DataValidation(allow_blank=True, **prompt)
    return None


def write_facts_sheet(
    ws: Worksheet, *, year: int, values: Mapping[str, object] | None = None, fmt: Format = schema.HENAN
) -> None:
    """Lay out the 基本信息 sheet: the format's name, then one row per fact; a list fact one row per item.

    ``values`` (by fact key; a list for list facts) fills the sheet, for the example workbook.
    """
    _header_row(ws, schema.FACTS_HEADER)
    ws.column_dimensions["A"].width = 26
    ws.column_dimensions["B"].width = 80
    ws.column_dimensions["C"].width = 48
    groups: dict[tuple[str, str], list[str]] = {}  # (kind, hint) -> value cells, one validation each
    row = 1
    for fact, first, value in facts_rows(year, values, fmt):
        row += 1
        label = ws.cell(row=row, column=1, value=fact.label if first else None)
        label.font = HEADER_FONT if fact.required else Font()
        label.alignment = Alignment(vertical="top", wrap_text=True)
        label.protection = LOCKED
        label.border = BORDER
        cell = ws.cell(row=row, column=2, value=value)
        cell.protection = UNLOCKED
        cell.border = BORDER
        cell.alignment = WRAP
        if fact.kind == "amount":
            cell.number_format = AMOUNT_FORMAT
        elif fact.kind in ("count", "year"):
            cell.number_format = "0"
        elif fact.kind == "code":
            cell.number_format = TEXT_FORMAT
        groups.setdefault((fact.kind, fact.hint), []).append(cell.coordinate)
        note = ws.cell(row=row, column=3, value=_fact_hint(fact) if first else None)
        note.font = GREY_FONT
        note.alignment = WRAP
        note.protection = LOCKED
        note.border = BORDER
    for spare in range(row + 1, row + FACTS_SPARE_ROWS + 1):
        ws.cell(row=spare, column=2).protection = UNLOCKED
        ws.cell(row=spare, column=2).alignment = WRAP
    for (kind, hint), cells in groups.items():
        dv = _fact_validation(kind, hint)
        if dv is None:
            continue
        for ref in cells:
            dv.add(ref)
        ws.add_data_validation(dv)
    fit_row_heights(ws, 2, row)
    _fit_width(ws)
    _protect(ws)


def write_prior_sheet(ws: Worksheet, *, values: Mapping[str, object] | None = None, fmt: Format = schema.HENAN) -> None:
    """Lay out the 上年数 sheet: label, last year's amount, hint; one row per figure."""
    values = values or {}
    _header_row(ws, schema.PRIOR_HEADER)
    ws.column_dimensions["A"].width = 26
    ws.column_dimensions["B"].width = 20
    ws.column_dimensions["C"].width = 40
    dv = _amount_validation(AMOUNT_PROMPT, "上年预算数")
    for row, figure in enumerate(fmt.prior, start=2):
        label = ws.cell(row=row, column=1, value=figure.label)
        label.protection = LOCKED
        label.border = BORDER
        cell = ws.cell(row=row, column=2, value=values.get(figure.key))
        cell.number_format = AMOUNT_FORMAT
        cell.protection = UNLOCKED
        cell.border = BORDER
        dv.add(cell.coordinate)
        note = ws.cell(row=row, column=3, value=figure.hint or None)
        note.font = GREY_FONT
        note.protection = LOCKED
        note.border = BORDER
        note.alignment = WRAP
    ws.add_data_validation(dv)
    _fit_width(ws)
    _protect(ws)


# --- the workbook -------------------------------------------------------------------------


def replace_sheet(wb: openpyxl.Workbook, title: str) -> Worksheet:
    """An empty sheet called ``title`` in the place of the existing one (to lay it out anew)."""
    old = wb[title]
    index = wb.index(old)
    wb.remove(old)
    return wb.create_sheet(title, index)


def blank_workbook(year: int, fmt: Format = schema.HENAN) -> openpyxl.Workbook:
    """The blank standard workbook of format ``fmt`` for budget ``year``: every sheet of the format, in order."""
    wb = openpyxl.Workbook()
    facts = wb.active
    facts.title = schema.FACTS_SHEET
    write_facts_sheet(facts, year=year, fmt=fmt)
    write_prior_sheet(wb.create_sheet(schema.PRIOR_SHEET), fmt=fmt)
    for spec in fmt.tables:
        write_table_sheet(wb.create_sheet(spec.sheet_name), spec, year=year)
    wb.active = 0
    wb.properties.title = WORKBOOK_TITLE
    wb.properties.creator = CREATOR
    wb.properties.lastModifiedBy = CREATOR
    return wb


def save(wb: openpyxl.Workbook, path: pathlib.Path, *, stamp: _dt.datetime | None = None) -> None:
    """Save ``wb``; with ``stamp``, the same workbook always gives the same bytes (fixed dates)."""
    path = pathlib.Path(path)
    if stamp is None:
        wb.save(path)
        return
    from openpyxl.writer.excel import ExcelWriter

    wb.properties.created = stamp
    wb.properties.modified = stamp
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        ExcelWriter(wb, archive).save()
    fixed = io.BytesIO()
    date_time = stamp.timetuple()[:6]
    with zipfile.ZipFile(buffer) as source, zipfile.ZipFile(fixed, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            out = zipfile.ZipInfo(info.filename, date_time=date_time)
            out.compress_type = zipfile.ZIP_DEFLATED
            out.external_attr = info.external_attr
            target.writestr(out, source.read(info.filename))
    path.write_bytes(fixed.getvalue())


def write_blank(path: pathlib.Path, *, year: int, fmt: Format = schema.HENAN) -> None:
    """Write the blank standard workbook of format ``fmt`` for ``year`` to ``path``."""
    save(blank_workbook(year, fmt), path)
