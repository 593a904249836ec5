"""Disclosure formats as data: each format a folder of YAML declarations, read into a ``Format``.

``builtin(name)`` reads a format shipped in this package; ``read_folder(path)`` any folder; a
``Catalog`` is what a workbook may name: the built-in formats and a bureau's own folders.
"""

from generator.formats.declare import FormatError
from generator.formats.format import BUILTIN, DEFAULT, Catalog, builtin, builtin_names, read_folder
from generator.formats.spec import Format

__all__ = ["BUILTIN", "DEFAULT", "Catalog", "Format", "FormatError", "builtin", "builtin_names", "read_folder"]
