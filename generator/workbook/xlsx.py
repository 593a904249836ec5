"""Turn an .xlsx file into read-only sheets: each cell's saved value, the formula of each formula cell,
merged ranges, hidden sheets, rows and columns, and each sheet's extent.

Only openpyxl's documented API: one normal load with ``data_only=False`` gives the values, which
cells hold a formula (and its text), the merges, dimensions and sheet states. A formula's saved
value is not part of that load, so when a sheet holds formulas, a read-only load with
``data_only=True`` fetches the values Excel or WPS saved for them (none for a workbook written by
a program that computes nothing: the loader then refuses the cell). openpyxl parses the worksheets
and shared strings with defusedxml, which refuses DTDs and entities.

A sheet's cells are read within ``max_rows`` × ``max_columns`` (the loader refuses a larger
sheet anyway); its extent is counted whole: every cell the XML names, formatted empty ones,
merged ranges and comments included.
"""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import Any

import openpyxl
from openpyxl.utils import column_index_from_string

Position = tuple[int, int]  # (row, column), 1-based
Bounds = tuple[int, int, int, int]  # (min_row, min_col, max_row, max_col)


class Sheet:
    """One worksheet as the loader reads it.

    ``values`` holds every cell's saved value (formula cells' too, when one was saved); ``formulas``
    the formula of every formula cell ("=SUM(F8:G8)"), whether or not a value was saved; a merged
    range holds its value and formula in its top-left cell only. ``max_row`` and ``max_column`` are
    the sheet's extent: every cell the XML names, formatted empty ones, merges and comments included.
    """

    __slots__ = (
        "formulas",
        "hidden_columns",
        "hidden_rows",
        "max_column",
        "max_row",
        "merged",
        "sheet_state",
        "title",
        "values",
    )

    def __init__(
        self,
        title: str,
        sheet_state: str,
        values: dict[Position, object],
        formulas: dict[Position, str],
        merged: list[Bounds],
        hidden_rows: set[int],
        hidden_columns: set[int],
        max_row: int,
        max_column: int,
    ):
        self.title = title
        self.sheet_state = sheet_state  # visible, hidden or veryHidden
        self.values = values
        self.formulas = formulas
        self.merged = merged
        self.hidden_rows = hidden_rows  # hidden or of height 0
        self.hidden_columns = hidden_columns  # hidden or of width 0
        self.max_row = max_row
        self.max_column = max_column

    def value(self, row: int, column: int) -> object:
        """The cell's saved value; None for an empty cell, a merged cell but the top-left, or a formula without one."""
        return self.values.get((row, column))

    def __repr__(self) -> str:
        return f"<Sheet {self.title!r} {self.max_row}×{self.max_column}, {len(self.values)} values>"


class Book:
    """The worksheets of a workbook, in order (chart sheets left out)."""

    def __init__(self, worksheets: list[Sheet]):
        self.worksheets = worksheets


def read(path: Path, *, max_rows: int, max_columns: int) -> Book:
    """The workbook at ``path``, each sheet's cells read within ``max_rows`` × ``max_columns``.

    Raises what openpyxl raises for a damaged file (defusedxml's errors for a DTD or an entity).
    The file is closed when this returns or raises.
    """
    with path.open("rb") as source, warnings.catch_warnings():
        # openpyxl warns about data validation and other extensions it does not keep; harmless here
        warnings.simplefilter("ignore", UserWarning)
        workbook = openpyxl.load_workbook(source, data_only=False)
        sheets = [_sheet(ws, max_rows, max_columns) for ws in workbook.worksheets]
        if any(sheet.formulas for sheet in sheets):
            source.seek(0)
            saved = openpyxl.load_workbook(source, read_only=True, data_only=True)
            try:
                # the same sheets in the same order: both loads skip chart sheets and missing parts alike
                for sheet, ws in zip(sheets, saved.worksheets, strict=True):
                    if sheet.formulas:
                        _saved_values(sheet, ws)
            finally:
                saved.close()
    return Book(sheets)


def _sheet(ws: Any, max_rows: int, max_columns: int) -> Sheet:
    """A worksheet of the normal load: values and formulas, merges, hidden rows and columns, extent."""
    max_row, max_column = ws.max_row, ws.max_column  # before iter_rows creates the cells it visits
    values: dict[Position, object] = {}
    formulas: dict[Position, str] = {}
    for row in ws.iter_rows(max_row=min(max_row, max_rows), max_col=min(max_column, max_columns)):
        for cell in row:
            value = cell.value
            if value is None:  # empty, or a merged cell but the top-left
                continue
            if cell.data_type == "f":
                formulas[cell.row, cell.column] = _formula_text(value)
            else:
                values[cell.row, cell.column] = value
    hidden_columns: set[int] = set()
    for dim in ws.column_dimensions.values():
        if dim.hidden or dim.width == 0:
            low = dim.min or column_index_from_string(dim.index)
            hidden_columns.update(range(low, (dim.max or low) + 1))
    return Sheet(
        ws.title,
        ws.sheet_state,
        values,
        formulas,
        [(r.min_row, r.min_col, r.max_row, r.max_col) for r in ws.merged_cells.ranges],
        {r for r, dim in ws.row_dimensions.items() if dim.hidden or dim.ht == 0},
        hidden_columns,
        max_row,
        max_column,
    )


def _formula_text(formula: object) -> str:
    """A formula as text: openpyxl gives array formulas and data tables as objects."""
    if isinstance(formula, str):
        return formula
    text = getattr(formula, "text", None)  # an ArrayFormula
    if isinstance(text, str):
        return text
    r1, r2 = getattr(formula, "r1", None), getattr(formula, "r2", None)  # a DataTableFormula: as Excel shows it
    return f"=TABLE({r1 or ''},{r2 or ''})"


def _saved_values(sheet: Sheet, ws: Any) -> None:
    """The values saved for ``sheet``'s formulas, from the same sheet loaded read-only with ``data_only=True``."""
    first = min(row for row, _column in sheet.formulas)
    last = max(row for row, _column in sheet.formulas)
    width = max(column for _row, column in sheet.formulas)
    rows = ws.iter_rows(min_row=first, max_row=last, max_col=width, values_only=True)
    for number, values in enumerate(rows, start=first):
        for column, value in enumerate(values, start=1):
            if value is not None and (number, column) in sheet.formulas:
                sheet.values[number, column] = value
