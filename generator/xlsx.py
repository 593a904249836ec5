"""Turn an .xlsx file into light, read-only sheets: each cell's cached value and formula, merged ranges,
hidden rows and columns, the sheet's extent, as openpyxl's full load would give them.

openpyxl's full load builds a styled ``Cell`` for every cell the XML names, formatted empty ones
included, and the loader reads only values: a pre-formatted workbook spent most of its load time
there. ``read`` lets openpyxl read the package as before (content types, shared strings, workbook,
styles, chart sheets, defined names) but reads each worksheet's XML itself, in one pass with expat
that refuses DTDs and entities as defusedxml does, keeping nothing but what ``load`` uses. Every
rule mirrors openpyxl's (``WorkSheetParser.parse_cell`` and the binding of cells, merges, row and
column dimensions and comments), down to the errors it raises for a damaged part.

What this pass does not read exactly as openpyxl does (hyperlinks, table parts, drawings, pivot
tables, unusual attributes or nesting in the sheet XML) raises ``Unsupported``: the caller then
loads the workbook with openpyxl in full and converts it (``from_openpyxl``), as slowly and as
exactly as before.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any
from xml.etree.ElementTree import Element, TreeBuilder
from xml.parsers import expat

from defusedxml import DTDForbidden, EntitiesForbidden, ExternalReferenceForbidden
from openpyxl.cell.text import Text
from openpyxl.comments.comment_sheet import CommentSheet
from openpyxl.drawing.spreadsheet_drawing import SpreadsheetDrawing
from openpyxl.formula.translate import Translator
from openpyxl.packaging.relationship import RelationshipList, get_dependents, get_rels_path
from openpyxl.pivot.table import TableDefinition
from openpyxl.reader.excel import ExcelReader
from openpyxl.utils import column_index_from_string, get_column_letter, range_boundaries
from openpyxl.utils.cell import coordinate_to_tuple
from openpyxl.utils.datetime import from_excel, from_ISO8601
from openpyxl.utils.units import DEFAULT_COLUMN_WIDTH
from openpyxl.workbook.child import INVALID_TITLE_REGEX, avoid_duplicate_name
from openpyxl.workbook.defined_name import DefinedNameDict
from openpyxl.worksheet import _reader as openpyxl_reader
from openpyxl.worksheet.cell_range import CellRange
from openpyxl.worksheet.formula import ArrayFormula, DataTableFormula
from openpyxl.xml.constants import COMMENTS_NS, SHEET_MAIN_NS
from openpyxl.xml.functions import fromstring

Position = tuple[int, int]  # (row, column), 1-based
Bounds = tuple[int, int, int, int]  # (min_row, min_col, max_row, max_col)


class Unsupported(Exception):
    """The sheet uses something this reader does not read exactly as openpyxl does: load it with openpyxl."""


class Sheet:
    """One worksheet as the loader reads it.

    ``values`` holds the cached value of every cell that has one (what openpyxl gives with
    ``data_only=True``); ``formulas`` the formula of every cell that has one (``data_only=False``),
    whether or not a value was saved. ``max_row`` and ``max_column`` are openpyxl's: the extent of
    every cell the XML names, formatted empty ones, merged ranges and comments included.
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
        formulas: dict[Position, object],
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
        self.merged = merged  # in openpyxl's order (a set's), duplicates dropped
        self.hidden_rows = hidden_rows  # hidden or of height 0
        self.hidden_columns = hidden_columns  # hidden or of width 0
        self.max_row = max_row
        self.max_column = max_column

    def value(self, row: int, column: int) -> object:
        """The cell's cached value; None for an empty cell, a merged cell but the top-left, or a formula without one."""
        return self.values.get((row, column))

    def __repr__(self) -> str:
        return f"<Sheet {self.title!r} {self.max_row}×{self.max_column}, {len(self.values)} values>"


class Book:
    """The worksheets of a workbook, in order (chart sheets left out, as openpyxl's ``worksheets``)."""

    def __init__(self, worksheets: list[Sheet]):
        self.worksheets = worksheets


# --- the fast reader ------------------------------------------------------------------------------

_NS = SHEET_MAIN_NS + "}"  # expat's names: namespace, "}", local name (ElementTree's without the "{")
_ROW = _NS + "row"
_COL = _NS + "col"
_MERGE_CELLS = _NS + "mergeCells"
# The other elements openpyxl's WorkSheetParser reads wherever they are, each with its class or
# method (whose errors fail the load): read here alike, from a tree built for them alone.
_PROPERTIES = {
    _NS + name: getattr(openpyxl_reader, cls)
    for name, cls in (
        ("printOptions", "PrintOptions"),
        ("pageMargins", "PageMargins"),
        ("pageSetup", "PrintPageSetup"),
        ("headerFooter", "HeaderFooter"),
        ("autoFilter", "AutoFilter"),
        ("dataValidations", "DataValidationList"),
        ("sheetPr", "WorksheetProperties"),
        ("sheetViews", "SheetViewList"),
        ("sheetFormatPr", "SheetFormatProperties"),
        ("scenarios", "ScenarioList"),
        ("tableParts", "TablePartList"),  # with a table part or
        ("hyperlinks", "HyperlinkList"),  # a hyperlink in it: Unsupported
    )
}
_METHODS = {
    _NS + name: method
    for name, method in (
        ("sheetProtection", "parse_sheet_protection"),
        ("extLst", "parse_extensions"),
        ("conditionalFormatting", "parse_formatting"),
        ("legacyDrawing", "parse_legacy"),
        ("rowBreaks", "parse_row_breaks"),
        ("colBreaks", "parse_col_breaks"),
        ("customSheetViews", "parse_custom_views"),
    )
}
_READ_ALONE = {_ROW, _MERGE_CELLS}  # read here only outside the other elements
# What WorkSheetParser handles, and then clears: met inside a row, it would change what openpyxl reads there.
_HANDLED = _READ_ALONE | {_COL} | set(_PROPERTIES) | set(_METHODS)
_V = f"{{{SHEET_MAIN_NS}}}v"
_F = f"{{{SHEET_MAIN_NS}}}f"
_IS = f"{{{SHEET_MAIN_NS}}}is"
_T = f"{{{SHEET_MAIN_NS}}}t"
_MAX_ROW_NUMBER = 1048576
# ColumnDimension's keyword arguments: another attribute on <col> makes openpyxl's load fail.
_COLUMN_ATTRIBUTES = {
    "index", "width", "bestFit", "hidden", "outlineLevel", "outline_level", "collapsed", "style", "min", "max",
    "customWidth", "visible", "auto_size",
}  # fmt: skip
_STATES = ("visible", "hidden", "veryHidden")


def _et_name(name: str) -> str:
    """expat's "namespace}local" as ElementTree writes it: "{namespace}local"."""
    return "{" + name if "}" in name else name


def _et_attrs(attrs: dict[str, str]) -> dict[str, str]:
    if any("}" in key for key in attrs):
        return {_et_name(key): value for key, value in attrs.items()}
    return attrs


def _dimension_hidden(attrs: dict[str, str]) -> bool:
    """A row's or column's hidden flag as openpyxl's Dimension reads it, failing where it fails."""
    outline = attrs["outline_level"] if attrs.get("outline_level") is not None else attrs.get("outlineLevel", 0)
    if outline is not None:
        int(outline)
    hidden: object = attrs.get("hidden", False)
    if attrs.get("visible") is not None:
        hidden = not attrs["visible"]
    return _bool(hidden)


def _bool(value: object) -> bool:
    """openpyxl's Bool descriptor: "false", "f" and "0" are False, any other text True."""
    if isinstance(value, str) and value in ("false", "f", "0"):
        return False
    return bool(value)


def _cast_number(value: str) -> int | float:
    """openpyxl's reading of a number cell's text."""
    if "." in value or "E" in value or "e" in value:
        return float(value)
    return int(value)


def _refuse_doctype(name: str, sysid: str | None, pubid: str | None, has_internal_subset: bool) -> None:
    raise DTDForbidden(name, sysid, pubid)


def _refuse_entity(
    name: str,
    is_parameter_entity: bool,
    value: str | None,
    base: str | None,
    sysid: str | None,
    pubid: str | None,
    notation_name: str | None,
) -> None:
    raise EntitiesForbidden(name, value, base, sysid, pubid, notation_name)


def _refuse_unparsed(
    name: str, base: str | None, sysid: str | None, pubid: str | None, notation_name: str | None
) -> None:
    raise EntitiesForbidden(name, None, base, sysid, pubid, notation_name)


def _refuse_external(context: str, base: str | None, sysid: str | None, pubid: str | None) -> int:
    raise ExternalReferenceForbidden(context, base, sysid, pubid)


class _Context:
    """What every sheet of a workbook is read with: shared strings, styles, the date epoch."""

    def __init__(self, workbook: Any, shared_strings: list[Any]):
        self.shared_strings = shared_strings
        self.styles = workbook._cell_styles
        self.date_formats = workbook._date_formats
        self.timedelta_formats = workbook._timedelta_formats
        self.epoch = workbook.epoch
        self.differential_styles = workbook._differential_styles
        self.positions: dict[str, Position] = {}  # "B12" → (12, 2), shared by the sheets
        self.known_styles: set[str | None] = set()  # the s="…" attributes already checked (None: none)

    def position(self, coordinate: str) -> Position:
        position = self.positions.get(coordinate)
        if position is None:
            position = self.positions[coordinate] = coordinate_to_tuple(coordinate)
        return position


class _SheetParser:
    """One worksheet's XML, read in one expat pass as openpyxl's WorkSheetParser and WorksheetReader read it."""

    def __init__(self, context: _Context):
        self.context = context
        self.values: dict[Position, object] = {}
        self.formulas: dict[Position, object] = {}
        self.max_row: int | None = None
        self.max_column: int | None = None
        self.row_counter = 0
        self.col_counter = 0
        self.shared_formulae: dict[str | None, Translator] = {}
        self.row_dimensions: dict[str, dict[str, str]] = {}
        self.column_dimensions: dict[str, dict[str, str]] = {}
        self.merge_refs: list[str] | None = None  # the last <mergeCells>' ranges, as openpyxl keeps them
        self.depth = 0
        self.row_depth = 0  # depth of the open <row>, 0 outside one
        self.cell: tuple[str, dict[str, str]] | None = None  # the open cell, while it has no child element
        self.builder: TreeBuilder | None = None  # the open cell's tree, once it has a child element
        self.merge_depth = 0  # depth of the open <mergeCells>
        self.other: TreeBuilder | None = None  # the tree of an open element of _PROPERTIES, _METHODS or <col>
        self.other_depth = 0
        self.openpyxl_parser = openpyxl_reader.WorkSheetParser(None, [])  # for its methods

    # --- expat's handlers ------------------------------------------------------------------------

    def start(self, name: str, attrs: dict[str, str]) -> None:
        self.depth += 1
        if self.row_depth:
            if name in _HANDLED:  # openpyxl would handle it there, and clear it
                raise Unsupported(name)
            if self.builder is not None:
                self.builder.start(_et_name(name), _et_attrs(attrs))
            elif self.cell is not None:  # the open cell's first child: read the cell as an element
                cell_name, cell_attrs = self.cell
                self.cell = None
                self.builder = TreeBuilder()
                self.builder.start(_et_name(cell_name), _et_attrs(cell_attrs))
                self.builder.start(_et_name(name), _et_attrs(attrs))
            else:  # a child of a row is a cell to openpyxl, whatever its name
                self.cell = (name, attrs)
        elif self.other is not None:
            if name in _READ_ALONE:
                raise Unsupported(name)
            self.other.start(_et_name(name), _et_attrs(attrs))
        elif self.merge_depth:
            self.merge_cell(name, attrs)
        elif name == _ROW:
            self.start_row(attrs)
            self.row_depth = self.depth
        elif name == _MERGE_CELLS:
            if any("}" not in key and key != "count" for key in attrs):
                raise Unsupported("mergeCells attributes")
            self.merge_refs = []
            self.merge_depth = self.depth
        elif name in _HANDLED:
            self.other = TreeBuilder()
            self.other.start(_et_name(name), _et_attrs(attrs))
            self.other_depth = self.depth

    def end(self, name: str) -> None:
        depth = self.depth
        self.depth -= 1
        if self.row_depth:
            if self.builder is not None:
                self.builder.end(_et_name(name))
                if depth == self.row_depth + 1:
                    element = self.builder.close()
                    self.builder = None
                    self.read_cell(element)
            elif self.cell is not None:
                _name, attrs = self.cell
                self.cell = None
                self.read_empty_cell(attrs)
            elif depth == self.row_depth:
                self.row_depth = 0
        elif self.other is not None:
            element = self.other.end(_et_name(name))
            self.read_other(name, element)
            if depth == self.other_depth:
                self.other.close()
                self.other = None
        elif depth == self.merge_depth:
            self.merge_depth = 0

    def data(self, text: str) -> None:
        if self.builder is not None:
            self.builder.data(text)
        elif self.other is not None:
            self.other.data(text)

    def read_other(self, name: str, element: Element) -> None:
        """An element openpyxl reads wherever it is, read as openpyxl does, then cleared as it is."""
        if name == _COL:
            self.column(dict(element.attrib))
        elif name in _PROPERTIES:
            parts = _PROPERTIES[name].from_tree(element)
            if getattr(parts, "tablePart", None) or getattr(parts, "hyperlink", None):
                raise Unsupported(name)  # openpyxl binds tables and hyperlinks to the sheet's relationships
        elif name in _METHODS:
            getattr(self.openpyxl_parser, _METHODS[name])(element)
        else:
            return
        element.clear()

    # --- rows and cells --------------------------------------------------------------------------

    def start_row(self, attrs: dict[str, str]) -> None:
        """openpyxl's parse_row: the row number, and the attributes kept as the row's dimension."""
        if "r" in attrs:
            try:
                self.row_counter = int(attrs["r"])
            except ValueError:
                number = float(attrs["r"])
                if not number.is_integer():
                    raise ValueError(f"{attrs['r']} is not a valid row number") from None
                self.row_counter = int(number)
        else:
            self.row_counter += 1
        self.col_counter = 0
        if any("}" not in key and key not in ("r", "spans") for key in attrs):
            self.row_dimensions[str(self.row_counter)] = attrs

    def place(self, coordinate: str | None) -> Position:
        if coordinate:
            position = self.context.position(coordinate)
            self.col_counter = position[1]
            return position
        self.col_counter += 1
        return self.row_counter, self.col_counter

    def style(self, attrs: dict[str, str] | Any) -> Any:
        style_id = attrs.get("s", 0)
        if style_id:
            style_id = int(style_id)
        self.context.styles[style_id]  # openpyxl's binding of the cell's style: an unknown one fails the load
        return style_id

    def read_empty_cell(self, attrs: dict[str, str]) -> None:
        """A cell without content (most are: formatted, empty): ``style``, ``place`` and ``store`` inlined."""
        context = self.context
        style = attrs.get("s")
        if style not in context.known_styles:
            self.style(attrs)
            context.known_styles.add(style)
        coordinate = attrs.get("r")
        if coordinate:
            position = context.positions.get(coordinate) or context.position(coordinate)
            self.col_counter = position[1]
        else:
            self.col_counter += 1
            position = (self.row_counter, self.col_counter)
        self.values.pop(position, None)
        self.formulas.pop(position, None)
        row, column = position
        if self.max_row is None or row > self.max_row:
            self.max_row = row
        if self.max_column is None or column > self.max_column:
            self.max_column = column

    def read_cell(self, element: Element) -> None:
        """openpyxl's parse_cell, for both of its readings: the cached value, and the formula."""
        context = self.context
        data_type = element.get("t", "n")
        style_id = self.style(element)
        value: Any = None if data_type == "inlineStr" else (element.findtext(_V, None) or None)
        coordinate = element.get("r")
        position = self.place(coordinate)
        source = element.find(_F)
        formula = None if source is None else self.formula(source, coordinate)
        if value is not None:
            if data_type == "n":
                value = _cast_number(value)
                if style_id in context.date_formats:
                    try:
                        value = from_excel(value, context.epoch, timedelta=style_id in context.timedelta_formats)
                    except (OverflowError, ValueError):
                        value = "#VALUE!"  # openpyxl warns and reads the cell as an error
            elif data_type == "s":
                value = context.shared_strings[int(value)]
            elif data_type == "b":
                value = bool(int(value))
            elif data_type == "d":
                value = from_ISO8601(value)
        elif data_type == "inlineStr":
            child = element.find(_IS)
            if child is not None:
                value = _inline_text(child)
        self.store(position, value, formula)

    def formula(self, source: Element, coordinate: str | None) -> object:
        """openpyxl's parse_formula: shared formulas translated to their cell, array and data-table formulas kept."""
        kind = source.get("t")
        value: Any = "="
        if source.text is not None:
            value += source.text
        if kind == "array":
            value = ArrayFormula(ref=source.get("ref"), text=value)
        elif kind == "shared":
            index = source.get("si")
            if index in self.shared_formulae:
                value = self.shared_formulae[index].translate_formula(coordinate)
            elif value != "=":
                self.shared_formulae[index] = Translator(value, coordinate)
        elif kind == "dataTable":
            value = DataTableFormula(**source.attrib)
        return value

    def store(self, position: Position, value: object, formula: object) -> None:
        """A cell as openpyxl binds it: a later one at the same place replaces the earlier."""
        if value is None:
            self.values.pop(position, None)
        else:
            self.values[position] = value
        if formula is None:
            self.formulas.pop(position, None)
        else:
            self.formulas[position] = formula
        self.extend(*position)

    def extend(self, row: int, column: int) -> None:
        if self.max_row is None or row > self.max_row:
            self.max_row = row
        if self.max_column is None or column > self.max_column:
            self.max_column = column

    # --- columns and merges ----------------------------------------------------------------------

    def column(self, attrs: dict[str, str]) -> None:
        """openpyxl's parse_column_dimensions: keyed by the first column's letter, the last one wins."""
        letter = get_column_letter(int(attrs["min"]))
        attrs["index"] = letter
        self.column_dimensions[letter] = attrs

    def merge_cell(self, name: str, attrs: dict[str, str]) -> None:
        if self.depth != self.merge_depth + 1:
            raise Unsupported("mergeCell content")
        if name.rpartition("}")[2] != "mergeCell":
            raise Unsupported(name)
        if any("}" not in key and key != "ref" for key in attrs):
            raise Unsupported("mergeCell attributes")
        assert self.merge_refs is not None
        self.merge_refs.append(attrs.get("ref"))  # type: ignore[arg-type]

    # --- the sheet -------------------------------------------------------------------------------

    def parse(self, xml: bytes) -> None:
        parser = expat.ParserCreate(namespace_separator="}")
        parser.buffer_text = True
        parser.StartDoctypeDeclHandler = _refuse_doctype
        parser.EntityDeclHandler = _refuse_entity
        parser.UnparsedEntityDeclHandler = _refuse_unparsed
        parser.ExternalEntityRefHandler = _refuse_external
        parser.StartElementHandler = self.start
        parser.EndElementHandler = self.end
        parser.CharacterDataHandler = self.data
        parser.Parse(xml, True)

    def sheet(self, title: str, state: str, comment_refs: Iterable[str]) -> Sheet:
        """Bind what was read as openpyxl's WorksheetReader does: merges, formats, dimensions, comments."""
        merged = [self.merge(ref) for ref in self.merge_refs or ()]
        for formatting in self.openpyxl_parser.formatting:
            for rule in formatting.rules:
                if rule.dxfId is not None:
                    self.context.differential_styles[rule.dxfId]  # an unknown format fails openpyxl's load
        hidden_columns = self.hidden_columns()
        hidden_rows = {int(row) for row, attrs in self.row_dimensions.items() if self.row_hidden(attrs)}
        for ref in comment_refs:
            self.comment_cell(ref)
        return Sheet(
            title,
            state,
            self.values,
            self.formulas,
            # MultiCellRange keeps the ranges in a set, rebuilt once: the same order as openpyxl's
            list(set(bounds for bounds in set(merged))),
            hidden_rows,
            hidden_columns,
            1 if self.max_row is None else self.max_row,
            1 if self.max_column is None else self.max_column,
        )

    def merge(self, ref: str) -> Bounds:
        """A merged range as openpyxl binds it: every cell but the top-left becomes an empty MergedCell."""
        min_col, min_row, max_col, max_row = CellRange(CellRange(ref).coord).bounds
        top_left = (min_row, min_col)
        self.extend(min_row, min_col)  # the top-left cell is created when missing
        self.extend(max_row, max_col)
        area = (max_row - min_row + 1) * (max_col - min_col + 1)
        for cells in (self.values, self.formulas):
            if area <= len(cells):
                inside: Iterable[Position] = (
                    (r, c) for r in range(min_row, max_row + 1) for c in range(min_col, max_col + 1)
                )
            else:
                inside = [(r, c) for r, c in cells if min_row <= r <= max_row and min_col <= c <= max_col]
            for position in inside:
                if position != top_left:
                    cells.pop(position, None)
        return min_row, min_col, max_row, max_col

    def row_hidden(self, attrs: dict[str, str]) -> bool:
        """RowDimension(**attrs).hidden or its height 0, with the conversions that fail openpyxl's load."""
        if "worksheet" in attrs or "self" in attrs:
            raise TypeError("RowDimension got multiple values for an argument")
        if "s" in attrs:
            self.context.styles[int(attrs["s"])]
        index = attrs["r"] if attrs.get("r") is not None else attrs.get("index", 0)
        int(index)
        height: str | None = attrs["height"] if attrs.get("height") is not None else attrs.get("ht")
        ht = None if height is None else float(height)
        return _dimension_hidden(attrs) or ht == 0

    def hidden_columns(self) -> set[int]:
        """The columns of every ColumnDimension(**attrs) hidden or of width 0."""
        hidden: set[int] = set()
        for attrs in self.column_dimensions.values():
            if set(attrs) - _COLUMN_ATTRIBUTES:
                raise Unsupported("col attributes")
            if "style" in attrs:
                self.context.styles[int(attrs["style"])]
            width = float(attrs.get("width", DEFAULT_COLUMN_WIDTH))
            low = int(attrs["min"])
            high = None if attrs.get("max") is None else int(attrs["max"])
            if _dimension_hidden(attrs) or width == 0:
                low = low or column_index_from_string(attrs["index"])
                hidden.update(range(low, (high or low) + 1))
        return hidden

    def comment_cell(self, ref: str) -> None:
        """``ws[ref].comment = …``: a comment creates its cell when missing."""
        min_col, min_row, _max_col, _max_row = range_boundaries(ref)
        if ":" in ref or min_col is None or min_row is None:
            raise Unsupported("comment on a range")
        if not 0 < min_row <= _MAX_ROW_NUMBER:
            raise ValueError(f"Row numbers must be between 1 and 1048576. Row number supplied was {min_row}")
        self.extend(min_row, min_col)


def _inline_text(element: Element) -> str:
    """An inline string's text, as openpyxl's ``Text.from_tree(element).content``."""
    if not element.attrib and len(element) == 1 and element[0].tag == _T:
        text = element[0].text
        return "" if text is None else text
    return Text.from_tree(element).content


class _Placeholder:
    """A worksheet's place in openpyxl's workbook, for sheet names and defined names."""

    def __init__(self, title: str):
        self.title = title
        self.defined_names = DefinedNameDict()


class _Reader(ExcelReader):
    """openpyxl's reader of the package, reading each worksheet with ``_SheetParser``."""

    def __init__(self, path: Path):
        super().__init__(path, read_only=False, data_only=False)
        self.sheets: list[Sheet] = []

    def read_worksheets(self) -> None:
        context = _Context(self.wb, self.shared_strings)
        for sheet, rel in self.parser.find_sheets():
            if rel.target not in self.valid_files:
                continue
            if "chartsheet" in rel.Type:
                self.read_chartsheet(sheet, rel)
                continue
            rels = RelationshipList()
            rels_path = get_rels_path(rel.target)
            if rels_path in self.valid_files:
                rels = get_dependents(self.archive, rels_path)
            if any(rels.find(SpreadsheetDrawing._rel_type)) or any(rels.find(TableDefinition.rel_type)):
                raise Unsupported("drawing or pivot table")
            title = self.title(sheet.name)
            self.wb._sheets.append(_Placeholder(title))
            parser = _SheetParser(context)
            parser.parse(self.archive.read(rel.target))
            refs = []
            for comments in rels.find(COMMENTS_NS):
                comment_sheet = CommentSheet.from_tree(fromstring(self.archive.read(comments.target)))
                refs += [ref for ref, _comment in comment_sheet.comments]
            if sheet.state not in _STATES:
                raise ValueError(f"sheet state {sheet.state!r}")
            self.sheets.append(parser.sheet(title, sheet.state, refs))

    def title(self, name: str | None) -> str:
        """The title openpyxl's Worksheet takes: checked, and numbered when another sheet has it."""
        value = name or "Sheet"
        invalid = INVALID_TITLE_REGEX.search(value)
        if invalid:
            raise ValueError(f"Invalid character {invalid.group(0)} found in sheet title")
        return avoid_duplicate_name(self.wb.sheetnames, value)


def read(path: Path) -> Book:
    """The workbook at ``path``, its worksheets read by this module; raises ``Unsupported``, or what
    openpyxl's load raises for a damaged file."""
    reader = _Reader(path)
    try:
        reader.read()
    finally:
        reader.archive.close()
    return Book(reader.sheets)


# --- openpyxl's full load, for what the fast reader leaves ---------------------------------------


def from_openpyxl(values: Any, formulas: Any | None) -> Book:
    """Sheets from workbooks of openpyxl's full load: ``values`` loaded with ``data_only=True`` (or
    holding no formula), ``formulas`` with ``data_only=False`` (None when there are none)."""
    sheets = []
    for ws in values.worksheets:
        source = formulas[ws.title] if formulas is not None else None
        hidden_columns: set[int] = set()
        for dim in ws.column_dimensions.values():
            if dim.hidden or dim.width == 0:
                low = dim.min or column_index_from_string(dim.index)
                hidden_columns.update(range(low, (dim.max or low) + 1))
        sheets.append(
            Sheet(
                ws.title,
                ws.sheet_state,
                {position: cell.value for position, cell in ws._cells.items() if cell.value is not None},
                {}
                if source is None
                else {position: cell.value for position, cell in source._cells.items() if cell.data_type == "f"},
                [(r.min_row, r.min_col, r.max_row, r.max_col) for r in ws.merged_cells.ranges],
                {r for r, dim in ws.row_dimensions.items() if dim.hidden or dim.ht == 0},
                hidden_columns,
                ws.max_row,
                ws.max_column,
            )
        )
    return Book(sheets)
